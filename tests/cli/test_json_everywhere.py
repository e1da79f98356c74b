"""One CLI vocabulary: ``--json`` on export, quantize and demo (stdout holds JSON and nothing
else, with the documented keys), ``--arch`` on energy (``--model`` the same option),
and every ``--samples`` saying its default in ``--help``."""

from __future__ import annotations

import json

import click
import pytest
from torch import nn

import snn2hw.checkpoint
import snn2hw.demo
from snn2hw.checkpoint import Checkpoint, save_checkpoint
from snn2hw.cli import main
from snn2hw.nn import layers as L
from snn2hw.nn.neurons import IFNode
from tests.cli.helpers import cli, write_tiny

FACTS = {"output", "format", "nodes", "edges", "T", "dt", "imp"}


def stdout_json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # fails if anything but the JSON is on stdout


def _tiny() -> nn.Module:
    return nn.Sequential(L.SeqConv2d(1, 2, 3, padding=1), IFNode(imp_shape=(2, 4, 4)),
                         L.SeqFlatten(), L.SeqLinear(32, 2))


def test_export_nir_json(tmp_path, monkeypatch):
    monkeypatch.setattr(snn2hw.checkpoint, "build_model", lambda arch, **cfg: _tiny())
    source, out = tmp_path / "m.pt", tmp_path / "m.nir"
    save_checkpoint(Checkpoint(arch="tiny", config={}, state_dict=_tiny().state_dict(), T=3,
                               input_shape=[1, 4, 4], static_input=False), source)
    result = cli("export", source, "-o", out, "--dt", "0.001", "--json")
    record = stdout_json(result)
    assert set(record) == FACTS
    assert record["output"] == str(out) and record["format"] == "nir"
    assert record["T"] == 3 and record["dt"] == 0.001 and record["imp"] is True
    assert record["nodes"] >= 4 and record["edges"] == record["nodes"] - 1
    assert "snn2hw.v_init" in result.stderr  # the IMP warning still reaches the user


def test_export_onnx_json_and_the_line_for_people(tmp_path):
    graph, _, _ = write_tiny(tmp_path)
    record = stdout_json(cli("export", graph, "--to", "onnx", "-o", tmp_path / "a.onnx",
                             "--dt", "0.5", "--json"))
    assert set(record) == FACTS | {"opset", "operators"}
    assert (record["format"], record["nodes"], record["edges"]) == ("onnx", 4, 3)
    assert (record["T"], record["dt"], record["imp"]) == (3, 0.5, False)
    assert isinstance(record["opset"], int) and record["operators"] > 0
    text = cli("export", graph, "--to", "onnx", "-o", tmp_path / "b.onnx").stdout
    assert text.startswith(f"wrote {tmp_path / 'b.onnx'}: ONNX opset {record['opset']}, ")


@pytest.mark.parametrize("mode, bits, keys", [
    ("loihi", 8, {"weight_bits", "state_bits", "decay_bits", "input_scale"}),
    ("generic", 6, {"weight_bits", "state_bits", "decay_bits", "input_scale", "granularity",
                    "rounding", "saturate"}),
])
def test_quantize_json(tmp_path, mode, bits, keys):
    graph, _, _ = write_tiny(tmp_path)
    out = tmp_path / "q.nir"
    record = stdout_json(cli("quantize", graph, "-o", out, "--mode", mode, "--bits", bits,
                             "--json"))
    assert set(record) == {"graph", "output", "mode"} | keys
    assert (record["graph"], record["output"], record["mode"]) == (str(graph), str(out), mode)
    assert record["weight_bits"] == bits and record["input_scale"] == 1.0


def test_quantize_json_with_calibration(tmp_path):
    graph, x, _ = write_tiny(tmp_path)
    record = stdout_json(cli("quantize", graph, "-o", tmp_path / "q.nir", "--dataset",
                             f"npy:{x}", "--json"))
    assert record["calibrated_on"] == f"npy:{x}"
    assert isinstance(record["input_rounding_error"], float)
    assert isinstance(record["input_scale"], float) and record["input_scale"] > 1


def test_demo_json(tmp_path, monkeypatch):
    rows = [{"backend": "reference (float32)", "samples": 450, "accuracy": 0.9,
             "agreement": 1.0, "seconds": 0.1, "note": ""},
            {"backend": "lava floating_pt", "samples": None, "accuracy": None,
             "agreement": None, "seconds": None, "note": "lava missing"}]
    energy = [{"hw": "loihi", "totals": {"macs": 10, "sops": 20.5, "energy_mj": 1e-4}}]

    def fake_demo(out, epochs, say, lava_samples):
        say("1/4 train")
        return snn2hw.demo.DemoResult(out / "d.pt", out / "d.nir", 0.95, rows, energy)

    monkeypatch.setattr(snn2hw.demo, "run_demo", fake_demo)
    result = cli("demo", "--out", tmp_path, "--json")
    record = stdout_json(result)
    assert set(record) == {"checkpoint", "graph", "train_accuracy", "backends", "energy"}
    assert record["backends"] == rows and record["train_accuracy"] == 0.95
    assert record["energy"] == [{"hw": "loihi", "macs": 10, "sops": 20.5, "energy_mj": 1e-4}]
    assert "1/4 train" in result.stderr
    table = cli("demo", "--out", tmp_path).stdout
    assert "prediction" in table and "0.900" in table and "1.000" in table


def test_energy_arch_and_model_are_one_option():
    """``--arch`` as on export/train/verify; ``--model`` (the mission's ``energy --model sew50``)
    is the same option, silently."""
    by_arch = cli("energy", "--arch", "digits-cnn", "--json")
    by_model = cli("energy", "--model", "digits-cnn", "--json")
    assert stdout_json(by_arch) == stdout_json(by_model)
    assert "deprecated" not in by_model.stderr
    assert "--arch, --model" in cli("energy", "--help").stdout


def test_every_samples_option_says_its_default():
    ctx = click.Context(main)
    commands = {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}
    with_samples = {name: next(p for p in command.params if p.name == "samples")
                    for name, command in commands.items()
                    if command and any(p.name == "samples" for p in command.params)}
    assert {"energy", "run", "quantize", "train", "evaluate"} <= set(with_samples)
    for name, option in with_samples.items():
        assert option.show_default or "(default: all)" in (option.help or ""), name
