"""The same command twice gives byte-identical files: ``train --seed``, ``export`` (NIR, ONNX),
``quantize`` (loihi, generic) and ``run -o`` on every backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from snn2hw.cli import main


def _cli(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


def _twice(tmp_path, name: str, *args: str) -> tuple[bytes, bytes]:
    """Run ``args`` with ``-o`` to two different file names; both files' bytes."""
    paths = [tmp_path / f"1-{name}", tmp_path / f"2-{name}"]
    for path in paths:
        _cli(*args, "-o", str(path))
    return paths[0].read_bytes(), paths[1].read_bytes()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("det")
    first, second = _twice(folder, "m.pt", "train", "--arch", "digits-mlp", "--epochs", "1",
                           "--seed", "7")
    _cli("export", str(folder / "1-m.pt"), "-o", str(folder / "g.nir"))
    return folder, (first, second)


def test_train_with_a_seed(files):
    first, second = files[1]
    assert first == second


@pytest.mark.parametrize(("name", "args"), [
    ("g.nir", ["export", "{pt}"]),
    ("g.onnx", ["export", "{nir}", "--to", "onnx"]),
    ("q.nir", ["quantize", "{nir}", "--mode", "loihi", "--input-scale", "16"]),
    ("gq.nir", ["quantize", "{nir}", "--mode", "generic", "--bits", "6"]),
])
def test_export_and_quantize(files, tmp_path, name, args):
    folder = files[0]
    args = [a.format(pt=folder / "1-m.pt", nir=folder / "g.nir") for a in args]
    first, second = _twice(tmp_path, name, *args)
    assert first == second


@pytest.mark.parametrize("backend", [
    ["reference"], ["fixed"], ["onnx"], ["energy"],
    pytest.param(["lava"], marks=pytest.mark.lava),
    pytest.param(["lava", "--precision", "fixed"], marks=pytest.mark.lava),
])
def test_run_outputs(files, tmp_path, backend):
    samples = "2" if backend[0] == "lava" else "16"
    first, second = _twice(tmp_path, "y.npy", "run", str(files[0] / "g.nir"), "--backend",
                           *backend, "--dataset", "digits", "--samples", samples)
    assert first == second and len(first) > 128  # more than the .npy header


@pytest.mark.lava
def test_netx_export(tmp_path):
    """HDF5 written twice, a second apart: no creation times in the file."""
    import time

    import numpy as np

    from snn2hw.backends.lava import export_netx
    from tests.backends.lava.test_netx import _spiking_mlp

    graph = _spiking_mlp(np.random.default_rng(0))
    export_netx(graph, tmp_path / "a.net")
    time.sleep(1.1)
    export_netx(graph, tmp_path / "b.net")
    assert (tmp_path / "a.net").read_bytes() == (tmp_path / "b.net").read_bytes()


def test_recorded_nodes(files, tmp_path):
    """``--record`` (.npz: numpy's zip entries carry no time)."""
    for i in (1, 2):
        _cli("run", str(files[0] / "g.nir"), "--backend", "reference", "--dataset", "digits",
             "--samples", "8", "-o", str(tmp_path / f"{i}.npy"), "--record",
             str(tmp_path / f"{i}.npz"))
    assert (tmp_path / "1.npz").read_bytes() == (tmp_path / "2.npz").read_bytes()
