"""``snn2hw run`` under torchrun: shards, gathered outputs and averaged statistics equal one
process (snn2hw.distributed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw import distributed
from snn2hw.cli import main
from snn2hw.ir.io import write_graph
from tests.exported import exported_graph

BIN = Path(sys.executable).parent
SAMPLES = 9  # 5 + 4: unequal shards, so an unweighted mean would show


@pytest.mark.parametrize("samples, size, expected", [
    (9, 2, [(0, 5), (5, 9)]),
    (10, 4, [(0, 3), (3, 6), (6, 8), (8, 10)]),
    (1, 2, [(0, 1), (1, 1)]),
])
def test_shards_are_contiguous_and_cover_every_sample_once(samples, size, expected):
    assert [distributed.shard_bounds(samples, size, i) for i in range(size)] == expected


@dataclass(frozen=True)
class _Stats:
    name: str
    count: int
    rate: float
    layers: list


def test_statistics_are_averaged_weighted_by_shard_size():
    parts = [_Stats("a", 3, 0.5, [_Stats("x", 1, 1.0, [])]),
             _Stats("a", 3, 0.2, [_Stats("x", 1, 4.0, [])])]
    mean = distributed._mean(parts, [3, 1])
    # (3 * 0.5 + 0.2) / 4 and (3 * 1 + 4) / 4, by hand; names and counts from rank 0
    assert mean == _Stats("a", 3, 0.425, [_Stats("x", 1, 1.75, [])])


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "digits.nir"
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4, channels=4), path)
    return path


def _args(graph: Path, backend: str, out: Path) -> list[str]:
    extra = ["--report"] if backend == "energy" else ["--record", str(out.with_suffix(".npz"))]
    return ["run", str(graph), "--backend", backend, "--dataset", "digits", "--samples",
            str(SAMPLES), "--json", "-o", str(out), *extra]


@pytest.mark.parametrize("backend", ["energy", "reference"])
def test_torchrun_with_two_processes_equals_one(digits, backend, tmp_path):
    one = CliRunner().invoke(main, _args(digits, backend, tmp_path / "one.npy"))
    assert one.exit_code == 0, one.output
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[1]))
    two = subprocess.run(
        [str(BIN / "torchrun"), "--standalone", "--nproc-per-node", "2", "--no-python",
         str(BIN / "snn2hw"), *_args(digits, backend, tmp_path / "two.npy")],
        capture_output=True, text=True, env=env, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    single, double = json.loads(one.output), json.loads(two.stdout)  # rank 0 prints, alone
    assert double["predictions"] == single["predictions"]
    assert double["accuracy"] == single["accuracy"]
    np.testing.assert_array_equal(np.load(tmp_path / "two.npy"), np.load(tmp_path / "one.npy"))
    if backend == "reference":  # every node's spikes, joined in sample order
        with np.load(tmp_path / "one.npz") as a, np.load(tmp_path / "two.npz") as b:
            assert sorted(a) == sorted(b)
            for key in a:
                np.testing.assert_array_equal(b[key], a[key], err_msg=key)
        return
    # firing rates, operations and energy: per-sample means of 5 and 4 samples, weighted
    # (equal up to the order of float summation)
    rep1, rep2 = single["report"], double["report"]
    assert rep2["energy_mj"] == pytest.approx(rep1["energy_mj"], rel=1e-6)
    assert rep2["total_sops"] == pytest.approx(rep1["total_sops"], rel=1e-6)
    for l1, l2 in zip(rep1["layers"], rep2["layers"], strict=True):
        assert l2.keys() == l1.keys()
        for key, value in l1.items():  # input_rate: None for the real-valued stem
            expected = pytest.approx(value, rel=1e-6) if isinstance(value, float) else value
            assert l2[key] == expected, (l1["name"], key)
    assert any(isinstance(layer["input_rate"], float) and 0 < layer["input_rate"] < 1
               for layer in rep1["layers"])  # measured firing rates are compared


def test_evaluate_under_torchrun_equals_one_process(tmp_path):
    """evaluate: each rank scores its shard, the correct counts are summed (5 + 4 samples)."""
    from snn2hw.checkpoint import Checkpoint, save_checkpoint
    from snn2hw.nn.architectures import build_model

    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = build_model("digits-mlp", T=4)
    path = tmp_path / "m.pt"
    save_checkpoint(Checkpoint("digits-mlp", {"T": 4}, model.state_dict(), 4,
                               input_shape=[1, 8, 8]), path)
    args = ["evaluate", str(path), "--samples", str(SAMPLES), "--json"]
    one = CliRunner().invoke(main, args)
    assert one.exit_code == 0, one.output
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    env.update(OMP_NUM_THREADS="1", PYTHONPATH=str(Path(__file__).parents[1]))
    two = subprocess.run(
        [str(BIN / "torchrun"), "--standalone", "--nproc-per-node", "2", "--no-python",
         str(BIN / "snn2hw"), *args], capture_output=True, text=True, env=env, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    assert json.loads(two.stdout) == json.loads(one.output)  # rank 0 prints, alone
