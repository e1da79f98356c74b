"""Every bad input of issue 12 is one line naming the file or option, exit code 2, no
traceback, and leaves no output or temporary file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snn2hw.cli import describe
from snn2hw.errors import BadInputError

from .helpers import assert_clean_failure, cli, listing, write_tiny


@pytest.fixture
def files(tmp_path):
    graph, x, y = write_tiny(tmp_path)
    return tmp_path, graph, x, y


def _fifo(folder):
    path = folder / "fifo.json"
    os.mkfifo(path)
    return path


def _array(folder, name, value):
    path = folder / name
    np.save(path, value)
    return path


# (id, builder(folder, graph, x, y) -> argv, needles)
CASES = [
    ("samples 0", lambda d, g, x, y: ["run", g, "--input", x, "--samples", 0], ["--samples"]),
    ("samples -3", lambda d, g, x, y: ["run", g, "--input", x, "--samples", -3], ["--samples"]),
    ("T 0", lambda d, g, x, y: ["run", g, "--input", x, "--T", 0], ["--T"]),
    ("dt nan", lambda d, g, x, y: ["run", g, "--input", x, "--dt", "nan"], ["--dt", "finite"]),
    ("input scale negative", lambda d, g, x, y: ["run", g, "--input", x, "--backend", "fixed",
                                                 "--input-scale", -16], ["--input-scale"]),
    ("device foo", lambda d, g, x, y: ["run", g, "--input", x, "--device", "foo"],
     ["--device", "foo"]),
    ("device cuda:99", lambda d, g, x, y: ["run", g, "--input", x, "--device", "cuda:99"],
     ["--device", "cuda:99"]),
    ("backend choice", lambda d, g, x, y: ["run", g, "--input", x, "--backend", "tpu"],
     ["--backend", "tpu"]),
    ("precision fixed off Lava", lambda d, g, x, y: ["run", g, "--input", x, "--precision",
                                                     "fixed"], ["--precision"]),
    ("plot without sweep", lambda d, g, x, y: ["run", g, "--input", x, "--plot", d / "p.png"],
     ["--plot", "--sweep-bits"]),
    ("sweep off fixed", lambda d, g, x, y: ["run", g, "--input", x, "--labels", y,
                                            "--sweep-bits", "2..4"], ["--sweep-bits"]),
    ("sweep bad spec", lambda d, g, x, y: ["run", g, "--input", x, "--labels", y, "-b", "fixed",
                                           "--sweep-bits", "1..99"], ["--sweep-bits"]),
    ("input and dataset", lambda d, g, x, y: ["run", g, "--input", x, "--dataset", "digits"],
     ["--dataset"]),
    ("labels wrong length", lambda d, g, x, y: ["run", g, "--input", x, "--labels",
                                                _array(d, "y3.npy", np.arange(3))],
     ["y3.npy", "3 labels for 4 samples"]),
    ("labels not integers", lambda d, g, x, y: ["run", g, "--input", x, "--labels",
                                                _array(d, "yf.npy", np.full(4, 0.5))],
     ["yf.npy", "integers"]),
    ("npz input", lambda d, g, x, y: ["run", g, "--input", _npz(d)], ["x.npz", ".npz"]),
    ("string input", lambda d, g, x, y: ["run", g, "--input",
                                         _array(d, "s.npy", np.array(["a", "b"]))], ["s.npy"]),
    ("structured input", lambda d, g, x, y: [
        "run", g, "--input", _array(d, "st.npy", np.zeros(2, dtype=[("a", "f4"), ("b", "i4")]))],
     ["st.npy"]),
    ("datetime input", lambda d, g, x, y: [
        "run", g, "--input", _array(d, "dt.npy", np.array(["2020-01-01"], "datetime64[D]"))],
     ["dt.npy"]),
    ("0-d input", lambda d, g, x, y: ["run", g, "--input", _array(d, "z.npy", np.array(1.0))],
     ["z.npy", "single number"]),
    ("nan input", lambda d, g, x, y: ["run", g, "--input",
                                      _array(d, "n.npy", np.full((4, 2), np.nan))],
     ["n.npy", "NaN"]),
    ("inf input on fixed", lambda d, g, x, y: ["run", g, "-b", "fixed", "--input",
                                               _array(d, "i.npy", np.full((4, 2), np.inf))],
     ["i.npy", "infinity"]),
    ("input shape mismatch", lambda d, g, x, y: ["run", g, "--input",
                                                 _array(d, "w.npy", np.zeros((4, 3)))],
     ["w.npy", "input shape"]),
    ("fifo as input", lambda d, g, x, y: ["run", g, "--input", _fifo(d)],
     ["fifo.json", "not a regular file"]),
    ("folder as graph", lambda d, g, x, y: ["run", d, "--input", x], ["GRAPH_PATH"]),
    ("missing graph", lambda d, g, x, y: ["run", d / "absent.nir", "--input", x],
     ["absent.nir", "no such file"]),
    ("-o is the graph", lambda d, g, x, y: ["run", g, "--input", x, "-o", g], ["-o", "g.nir"]),
    ("-o is the input", lambda d, g, x, y: ["run", g, "--input", x, "-o", x], ["-o", "x.npy"]),
    ("--record is -o", lambda d, g, x, y: ["run", g, "--input", x, "-o", d / "o.npy",
                                           "--record", d / "o.npy"], ["--record", "o.npy"]),
    ("-o under a file", lambda d, g, x, y: ["run", g, "--input", x, "-o", x / "out.npy"],
     ["-o", "x.npy", "not a folder"]),
    ("-o name too long", lambda d, g, x, y: ["run", g, "--input", x, "-o", d / ("a" * 300)],
     ["-o", "longer than"]),
    ("-o is a folder", lambda d, g, x, y: ["run", g, "--input", x, "-o", d], ["-o", "folder"]),
    ("--record under a file", lambda d, g, x, y: ["run", g, "--input", x, "--record",
                                                  y / "r.npz"], ["--record", "not a folder"]),
    ("record on a backend that records nothing", lambda d, g, x, y: [
        "run", g, "--input", x, "-b", "energy", "-o", d / "o.npy", "--record", d / "r.npz"],
     ["r.npz", "recorded nothing"]),
    ("quantize -o is the graph", lambda d, g, x, y: ["quantize", g, "-o", g], ["-o", "g.nir"]),
    ("quantize state bits", lambda d, g, x, y: ["quantize", g, "-o", d / "q.nir",
                                                "--state-bits", 0], ["--state-bits"]),
    ("quantize input scale nan", lambda d, g, x, y: ["quantize", g, "-o", d / "q.nir",
                                                     "--input-scale", "nan"], ["--input-scale"]),
    ("quantize -o under a file", lambda d, g, x, y: ["quantize", g, "-o", g / "q.nir"],
     ["-o", "not a folder"]),
    ("energy input shape", lambda d, g, x, y: ["energy", "--arch", "digits-cnn",
                                               "--input-shape", "3xax3"], ["--input-shape"]),
    ("energy samples 0", lambda d, g, x, y: ["energy", g, "--samples", 0], ["--samples"]),
    ("energy fifo rates", lambda d, g, x, y: ["energy", g, "--rates", _fifo(d)],
     ["fifo.json", "not a regular file"]),
    ("energy plot is the graph", lambda d, g, x, y: ["energy", g, "--plot", g], ["--plot"]),
    ("energy plot under a file", lambda d, g, x, y: ["energy", g, "--plot", g / "e.png"],
     ["--plot", "not a folder"]),
    ("energy nan input", lambda d, g, x, y: ["energy", g, "--input",
                                             _array(d, "n.npy", np.full((4, 2), np.nan))],
     ["n.npy", "NaN"]),
    ("train lr nan", lambda d, g, x, y: ["train", "--lr", "nan", "-o", d / "m.pt"], ["--lr"]),
    ("train lr 0", lambda d, g, x, y: ["train", "--lr", 0, "-o", d / "m.pt"], ["--lr"]),
    ("train epochs 0", lambda d, g, x, y: ["train", "--epochs", 0, "-o", d / "m.pt"],
     ["--epochs"]),
    ("train -o under a file", lambda d, g, x, y: ["train", "-o", g / "m.pt"],
     ["-o", "not a folder"]),
    ("export -o is the source", lambda d, g, x, y: ["export", g, "--to", "onnx", "-o", g],
     ["-o", "g.nir"]),
    ("export bad arch", lambda d, g, x, y: ["export", g, "-o", d / "o.nir", "--arch", "nope"],
     ["--arch", "nope"]),
    ("inspect missing", lambda d, g, x, y: ["inspect", d / "none.nir"], ["none.nir"]),
    ("demo epochs 0", lambda d, g, x, y: ["demo", "--epochs", 0], ["--epochs"]),
    ("unknown command", lambda d, g, x, y: ["frobnicate"], ["frobnicate"]),
]


def _npz(folder):
    path = folder / "x.npz"
    np.savez(path, a=np.zeros((4, 2)))
    return path


@pytest.mark.parametrize("build, needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clean_line(files, build, needles):
    folder, graph, x, y = files
    args = build(folder, graph, x, y)  # may create the bad file itself
    before = listing(folder)
    assert_clean_failure(cli(*args), *needles, folder=folder, before=before)


def test_run_with_cuda_without_a_gpu_is_one_line(files):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    folder, graph, x, _ = files
    before = listing(folder)
    assert_clean_failure(cli("run", graph, "--input", x, "--device", "cuda"), "--device",
                         "no such CUDA device", folder=folder, before=before)


def test_eio_on_a_nir_file_is_one_line(files, monkeypatch):
    folder, graph, x, _ = files
    import h5py

    def broken(path):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(h5py, "is_hdf5", broken)
    assert_clean_failure(cli("run", graph, "--input", x), "g.nir", "Input/output error")
    assert_clean_failure(cli("inspect", graph), "g.nir", "Input/output error")
    assert_clean_failure(cli("quantize", graph, "-o", folder / "q.nir"), "g.nir",
                         "Input/output error")


def test_run_writes_nothing_when_a_write_fails(files, monkeypatch):
    """-o and --record are written together: a failing --record leaves no -o either."""
    folder, graph, x, _ = files
    import snn2hw.runner

    def full(path, **arrays):
        with open(path, "wb") as handle:
            handle.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(snn2hw.runner.np, "savez_compressed", full)
    before = listing(folder)
    result = cli("run", graph, "--input", x, "-o", folder / "o.npy", "--record", folder / "r.npz")
    assert_clean_failure(result, "r.npz", "No space left on device", folder=folder,
                         before=before)


def test_train_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """torch.save reports a failed write as a RuntimeError of its stream writer."""
    import torch

    def full(obj, file, *args, **kwargs):
        if hasattr(file, "write"):
            file.write(b"PK")
        else:
            Path(file).write_bytes(b"PK")
        raise RuntimeError("[enforce fail at inline_container.cc:778] . PytorchStreamWriter "
                           "failed writing file data/3: file write failed")

    monkeypatch.setattr(torch, "save", full)
    result = cli("train", "--epochs", 1, "--arch", "digits-mlp", "--json", "-o",
                 tmp_path / "m.pt")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().count("\n") == 0 and "m.pt: cannot write" in result.stderr
    assert listing(tmp_path) == set()


def test_a_250_character_name_is_written(files):
    """The temporary file's name must not be longer than the target's."""
    folder, graph, x, _ = files
    out = folder / ("o" * 246 + ".npy")
    result = cli("run", graph, "--input", x, "-o", out, "--json")
    assert result.exit_code == 0, result.output
    assert out.is_file() and listing(folder) - {out.name} == {"g.nir", "x.npy", "y.npy"}


def test_errors_name_the_file_they_concern(files):
    """A backend's message without the graph's name gets it from the command."""
    folder, graph, x, _ = files
    bad = folder / "bad.npy"
    np.save(bad, np.zeros((2, 4, 3)))
    result = cli("run", graph, "--input", bad)
    assert_clean_failure(result, "bad.npy")


@pytest.mark.parametrize("exc, code, needles", [
    (BadInputError("first\n  second\nthird"), 2, ["error: first second third"]),
    (OSError(errno.EIO, "Input/output error", "/data/g.nir"), 2, ["/data/g.nir", "Input/output"]),
    (KeyError("fc"), 1, ["internal error", "KeyError", "--debug"]),
])
def test_describe_gives_one_line_and_the_exit_code(exc, code, needles):
    got_code, line = describe(exc)
    assert got_code == code and "\n" not in line
    assert all(n in line for n in needles), line


def test_the_dt_option_accepts_what_a_graph_may_store(files):
    """--dt is refused by the same bounds the graph validator applies on load, so no command
    writes a graph that `inspect` then refuses (an export with --dt 1e-320 did)."""
    import sys

    from snn2hw.cli.options import MAX_DT, MAX_T
    from snn2hw.ir import validate

    folder, graph, x, _ = files
    assert MAX_DT == validate.MAX_DT and MAX_T == validate.MAX_T
    assert sys.float_info.min > 1e-320
    for bad in ("1e-320", "7200", "nan", "0"):
        assert_clean_failure(cli("run", graph, "--input", x, "--dt", bad), "--dt")
        assert_clean_failure(cli("quantize", graph, "-o", folder / "q.nir", "--dt", bad), "--dt")
        assert_clean_failure(cli("export", folder / "m.pt", "-o", folder / "m.nir", "--dt", bad),
                             "--dt")
    assert cli("run", graph, "--input", x, "--dt", "3600", "--json").exit_code == 0


def test_snn2hw_alone_prints_its_help_and_usage_errors_point_to_it():
    alone = cli()
    assert alone.exit_code == 0 and "Commands:" in alone.output
    missing = cli("run")
    assert_clean_failure(missing, "GRAPH_PATH", "run --help")  # CliRunner calls it "main"


def test_an_output_that_is_a_link_to_an_input_is_refused(files):
    folder, graph, x, _ = files
    (folder / "alias.nir").symlink_to(graph)
    before = listing(folder)
    assert_clean_failure(cli("quantize", graph, "-o", folder / "alias.nir"), "-o", "alias.nir",
                         folder=folder, before=before)
    assert graph.read_bytes()[:4] == b"\x89HDF"


@given(sizes=st.lists(st.integers(1, 10**6), min_size=1, max_size=5),
       sep=st.sampled_from([",", "x", ", "]))
def test_shapes_parse_in_either_spelling(sizes, sep):
    from snn2hw.cli.options import SHAPE

    assert SHAPE.convert(sep.join(map(str, sizes)), None, None) == sizes


@given(text=st.text(max_size=12))
def test_shapes_that_are_not_positive_sizes_are_refused(text):
    import click

    from snn2hw.cli.options import SHAPE

    parts = [p.strip() for p in text.lower().replace("x", ",").split(",")]
    valid = all(p.isascii() and p.isdigit() and int(p) > 0 for p in parts)
    try:
        SHAPE.convert(text, None, None)
        assert valid, text
    except click.BadParameter:
        assert not valid, text


def test_big_endian_inputs_run_like_native_ones(files):
    """torch refuses non-native byte order; the loader converts (found by the fuzz test)."""
    folder, graph, x, _ = files
    swapped = folder / "be.npy"
    np.save(swapped, np.load(x).astype(">f8"))
    native, other = folder / "a.npy", folder / "b.npy"
    assert cli("run", graph, "--input", x, "-o", native, "--json").exit_code == 0
    result = cli("run", graph, "--input", swapped, "-o", other, "--json")
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(np.load(native), np.load(other))


def test_an_onnx_step_with_foreign_metadata_is_one_line(files):
    """A metadata value that is not JSON raised JSONDecodeError (found by the fuzz test)."""
    onnx = pytest.importorskip("onnx")
    folder, graph, x, _ = files
    step = folder / "g.onnx"
    assert cli("export", graph, "--to", "onnx", "-o", step).exit_code == 0
    model = onnx.load(step)
    for prop in model.metadata_props:
        prop.value = "not json"
    onnx.save(model, step)
    before = listing(folder)
    assert_clean_failure(cli("run", step, "-b", "onnx", "--input", x, "-o", folder / "o.npy"),
                         "g.onnx", "metadata", folder=folder, before=before)
