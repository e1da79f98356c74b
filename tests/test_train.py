"""The trainer and the train/evaluate commands (a few epochs on digits: seconds)."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from snn2hw.checkpoint import load_checkpoint
from snn2hw.cli import main
from snn2hw.data.digits import digits_split
from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import build_model
from snn2hw.train import TrainConfig, evaluate, train
from snn2hw.train.trainer import _optimizer


@pytest.fixture(scope="module")
def trained():
    return train(TrainConfig(epochs=2, seed=1), progress=False)


def test_two_epochs_learn_and_are_seeded(trained):
    assert trained.history[-1]["test_accuracy"] > 0.6  # chance is 0.1
    assert train(TrainConfig(epochs=2, seed=1), progress=False).history == trained.history
    other = train(TrainConfig(epochs=2, seed=2), progress=False).history
    assert other[-1]["loss"] != trained.history[-1]["loss"]


def test_checkpoint_records_the_run(trained):
    ckpt = trained.checkpoint
    assert (ckpt.arch, ckpt.T, ckpt.readout, ckpt.input_shape) == ("digits-cnn", 4, "last",
                                                                    [1, 8, 8])
    assert ckpt.config == {"T": 4, "neuron": "if", "imp": True}
    assert ckpt.metrics["train"]["loss"] == "lts" and ckpt.metrics["train"]["epochs"] == 2
    imp = [k for k in ckpt.state_dict if k.endswith("init_state")]
    assert imp == ["sn1.init_state", "sn2.init_state"]
    test = digits_split("test")
    accuracy = evaluate(ckpt.build(), test.x, test.y, "last")
    assert accuracy == ckpt.metrics["test_accuracy"] == trained.history[-1]["test_accuracy"]


def test_sgd_learns_the_imp():
    result = train(TrainConfig(arch="digits-mlp", epochs=1, optimizer="sgd", lr=0.05),
                   progress=False)
    torch.manual_seed(0)  # the trainer seeds with 0 before building: the initial IMP is this one
    initial = build_model("digits-mlp", T=4, imp=True).sn1.init_state.detach()
    learned = result.checkpoint.state_dict["sn1.init_state"]
    assert learned.shape == (1, 128) and not torch.equal(learned, initial)


def test_the_imp_is_excluded_from_weight_decay():
    model = build_model("digits-cnn", T=2, imp=True)
    groups = _optimizer(model, TrainConfig(weight_decay=0.1)).param_groups
    decay = {id(p): g["weight_decay"] for g in groups for p in g["params"]}
    assert decay[id(model.sn1.init_state)] == 0.0 and decay[id(model.conv1.weight)] == 0.1
    assert len(decay) == len(list(model.parameters()))


def test_the_thread_setting_is_restored():
    before = torch.get_num_threads()
    train(TrainConfig(arch="digits-mlp", epochs=1, threads=1), progress=False)
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("change, message", [
    ({"arch": "sew18"}, "training runs on digits"),
    ({"loss": "mse"}, "unknown loss 'mse'"),
    ({"optimizer": "lbfgs"}, "unknown optimizer"),
    ({"T": 0}, "at least 1"),
    ({"epochs": 0}, "at least 1"),
    ({"lr": 0.0}, "learning rate must be positive"),
])
def test_bad_configs_are_refused(change, message):
    with pytest.raises(BadInputError, match=message):
        train(TrainConfig(**change), progress=False)


def test_train_json_then_evaluate(tmp_path):
    out = tmp_path / "m.pt"
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--epochs", "1", "--arch", "digits-mlp", "--loss",
                                  "tet-s", "--no-imp", "--T", "2", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [row["epoch"] for row in summary["history"]] == [1]
    assert load_checkpoint(out).config == {"T": 2, "neuron": "if", "imp": False}
    result = runner.invoke(main, ["evaluate", str(out), "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)
    assert row["readout"] == "mean" and row["samples"] == 450
    assert row["test_accuracy"] == summary["test_accuracy"]


def test_train_prints_a_table_of_epochs(tmp_path):
    result = CliRunner().invoke(main, ["train", "--epochs", "2", "--arch", "digits-mlp",
                                       "--loss", "sdt", "-o", str(tmp_path / "m.pt")])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.stdout and "saved" in result.stdout  # headers are humanised
    assert "digits-mlp, sdt, IMP on, T=4" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--T", "0"], "--T"),
    (["--lr", "-1"], "--lr"), (["--lr", "nan"], "--lr"),
])
def test_train_bad_input_exits_2_with_one_line(tmp_path, args, fragment):
    result = CliRunner().invoke(main, ["train", *args, "-o", str(tmp_path / "m.pt")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and fragment in result.output
