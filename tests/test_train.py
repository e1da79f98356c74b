"""The trainer, the checkpoint format, and the train/evaluate commands."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from snn2hw.checkpoint import load_checkpoint, save_checkpoint
from snn2hw.cli import main
from snn2hw.data.digits import digits_split
from snn2hw.errors import BadInputError
from snn2hw.train import TrainConfig, evaluate, train


@pytest.fixture(scope="module")
def trained():
    return train(TrainConfig(epochs=2, seed=1), progress=False)


def test_two_epochs_learn_and_are_seeded(trained):
    assert trained.history[-1]["test_accuracy"] > 0.6  # chance is 0.1
    again = train(TrainConfig(epochs=2, seed=1), progress=False)
    assert again.history == trained.history


def test_checkpoint_round_trip_reproduces_outputs(trained, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(trained.checkpoint, path)
    loaded = load_checkpoint(path)
    assert (loaded.arch, loaded.T, loaded.readout) == ("digits-cnn", 4, "last")
    x = torch.as_tensor(digits_split("test").x[:8])
    with torch.no_grad():
        torch.testing.assert_close(loaded.build()(x), trained.checkpoint.build()(x))
    test = digits_split("test")
    assert evaluate(loaded.build(), test.x, test.y, "last") == trained.history[-1]["test_accuracy"]


def test_bad_checkpoints(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        load_checkpoint(tmp_path / "absent.pt")
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"\x80\x02garbage")
    with pytest.raises(BadInputError, match="corrupt.pt: cannot load"):
        load_checkpoint(corrupt)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(BadInputError, match="not an snn2hw checkpoint"):
        load_checkpoint(foreign)


def test_train_and_evaluate_commands(tmp_path):
    out = tmp_path / "m.pt"
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--epochs", "1", "--arch", "digits-mlp", "--loss",
                                  "tet-s", "--no-imp", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["history"][0]["epoch"] == 1
    result = runner.invoke(main, ["evaluate", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["readout"] == "mean"


def test_bad_checkpoint_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    result = CliRunner().invoke(main, ["evaluate", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "bad.pt" in result.output
    assert "Traceback" not in result.output
