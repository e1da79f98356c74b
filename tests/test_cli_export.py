"""``snn2hw export`` and ``snn2hw inspect`` through click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import snn2hw.checkpoint
from snn2hw.backends.reference import simulate
from snn2hw.checkpoint import Checkpoint, save_checkpoint
from snn2hw.cli import main
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import IFNode


def tiny(imp: bool = True) -> nn.Module:
    return nn.Sequential(L.SeqConv2d(1, 3, 3, padding=1), L.SeqBatchNorm2d(3),
                         IFNode(imp_shape=(3, 4, 4) if imp else None), L.SeqFlatten(),
                         L.SeqLinear(48, 2))


@pytest.fixture
def ckpt(tmp_path, monkeypatch):
    monkeypatch.setattr(snn2hw.checkpoint, "build_model", lambda arch, **cfg: tiny(**cfg))
    model = tiny()
    path = tmp_path / "m.pt"
    save_checkpoint(Checkpoint(arch="tiny", config={"imp": True}, state_dict=model.state_dict(),
                               T=3, input_shape=[1, 4, 4], static_input=False), path)
    return path, model


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_export_writes_a_graph_equal_to_the_model(ckpt, tmp_path):
    path, model = ckpt
    out = tmp_path / "m.nir"
    result = run("export", path, "-o", out, "--dt", "0.001")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "snn2hw.v_init" in result.output
    graph = read_graph(out)
    assert metadata.graph_value(graph, metadata.DT) == 0.001
    assert metadata.graph_value(graph, metadata.ARCH) == "tiny"
    x = torch.rand(3, 2, 1, 4, 4) * 3
    with torch.no_grad():
        expected = model.eval()(x).numpy()
    np.testing.assert_allclose(simulate(graph, x.numpy()).output, expected, atol=1e-5)


def test_inspect_table_and_json(ckpt, tmp_path):
    out = tmp_path / "m.nir"
    assert run("export", ckpt[0], "-o", out).exit_code == 0
    table = run("inspect", out)
    assert table.exit_code == 0 and "IF" in table.output and "Conv2d" in table.output
    data = json.loads(run("inspect", out, "--json").output)
    neuron = next(n for n in data["nodes"] if n["type"] == "IF")
    assert neuron["neurons"] == 48 and neuron["reset"] == "hard"
    assert set(neuron["v_init"]) == {"mean", "min", "max"}
    assert data["totals"]["neurons_with_v_init"] == 48
    totals = data["totals"]
    assert totals["params"] == totals["weights"] + totals["biases"] == 3 * 9 + 3 + 48 * 2 + 2
    assert totals["imp_params"] == 48  # one initial potential per neuron, counted apart
    assert [n["name"] for n in data["nodes"]][0] == "input"  # execution order
    assert data["metadata"][metadata.T] == 3


def test_input_shape_and_t_options_override(ckpt, tmp_path):
    out = tmp_path / "m.nir"
    assert run("export", ckpt[0], "-o", out, "--T", "7").exit_code == 0
    assert metadata.graph_value(read_graph(out), metadata.T) == 7
    bad = run("export", ckpt[0], "-o", out, "--input-shape", "a,b")
    assert bad.exit_code == 2 and "3,32,32" in bad.output


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_text("not a checkpoint"), "cannot load checkpoint"),
])
def test_bad_sources_fail_in_one_line_without_output(tmp_path, make, message):
    src, out = tmp_path / "in.pt", tmp_path / "out.nir"
    make(src)
    result = run("export", src, "-o", out)
    assert result.exit_code == 2 and message in result.output
    assert result.output.count("\n") == 1 and not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ([src.name] if src.exists() else [])


def test_unknown_arch_fails_cleanly(tmp_path):
    src, out = tmp_path / "sd.pt", tmp_path / "out.nir"
    torch.save({"w": torch.zeros(2)}, src)
    result = run("export", src, "-o", out, "--arch", "no-such-arch", "--T", "2",
                 "--input-shape", "3,8,8")
    assert result.exit_code == 2 and "no-such-arch" in result.output and not out.exists()


def test_nan_weights_fail_cleanly(ckpt, tmp_path):
    path, model = ckpt
    state = model.state_dict()
    state["4.weight"][0, 0] = float("nan")
    save_checkpoint(Checkpoint(arch="tiny", config={"imp": True}, state_dict=state, T=3,
                               input_shape=[1, 4, 4], static_input=False), path)
    out = tmp_path / "m.nir"
    result = run("export", path, "-o", out)
    assert result.exit_code == 2 and "'4.weight' contains NaN" in result.output
    assert not out.exists()


def test_inspect_missing_and_foreign_files(tmp_path):
    assert "no such file" in run("inspect", tmp_path / "x.nir").output
    (tmp_path / "y.nir").write_text("hello")
    result = run("inspect", tmp_path / "y.nir")
    assert result.exit_code == 2 and "not a NIR file" in result.output


def test_bare_state_dict_of_a_paper_model(tmp_path):
    from snn2hw.nn.architectures import build_model

    src, out = tmp_path / "sew18.pt", tmp_path / "sew18.nir"
    torch.save({"model": build_model("sew18", num_classes=10).state_dict()}, src)
    result = run("export", src, "-o", out, "--arch", "sew18", "--T", "2",
                 "--input-shape", "3,32,32")
    assert result.exit_code == 0, result.output
    graph = read_graph(out)
    assert metadata.graph_value(graph, metadata.INPUT_ENCODING) == "repeat"
    assert metadata.graph_value(graph, metadata.ARCH) == "sew18"
    assert graph.nodes["input"].output_type["output"].tolist() == [3, 32, 32]
