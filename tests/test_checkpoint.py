"""The snn2hw checkpoint format: round trips, refusals of bad files, and the CLI's one-line
errors (exit code 2)."""

from __future__ import annotations

import argparse
import os

import pytest
import torch
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.checkpoint import FORMAT, Checkpoint, load_checkpoint, save_checkpoint
from snn2hw.cli import main
from snn2hw.data.digits import digits_split
from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import build_model


def make_checkpoint(arch: str = "digits-cnn", seed: int = 0, **config) -> Checkpoint:
    """An untrained digits model with random IMP and BN statistics (no training needed)."""
    config = {"T": 3, "imp": True, **config}
    torch.manual_seed(seed)
    model = build_model(arch, **config)
    for name, buffer in model.named_buffers():
        if name.endswith(("running_mean", "running_var")):
            buffer.uniform_(0.5, 1.5)
    return Checkpoint(arch=arch, config=config, state_dict=model.state_dict(), T=config["T"],
                      readout="mean", input_shape=[1, 8, 8], metrics={"test_accuracy": 0.5})


def outputs(checkpoint: Checkpoint) -> torch.Tensor:
    with torch.no_grad():
        return checkpoint.build()(torch.as_tensor(digits_split("test").x[:6]))


@settings(max_examples=8, deadline=None)
@given(arch=st.sampled_from(["digits-cnn", "digits-mlp"]), T=st.integers(1, 4),
       neuron=st.sampled_from(["if", "lif"]), imp=st.booleans(), seed=st.integers(0, 99))
def test_round_trip_reproduces_fields_and_outputs(tmp_path_factory, arch, T, neuron, imp, seed):
    original = make_checkpoint(arch, seed, T=T, neuron=neuron, imp=imp)
    path = tmp_path_factory.mktemp("ckpt") / "model.pt"
    save_checkpoint(original, path)
    loaded = load_checkpoint(path)
    assert (loaded.arch, loaded.config, loaded.T, loaded.readout) == (arch, original.config, T,
                                                                      "mean")
    assert loaded.metrics == {"test_accuracy": 0.5} and loaded.input_shape == [1, 8, 8]
    torch.testing.assert_close(outputs(loaded), outputs(original), rtol=0, atol=0)
    assert [p.name for p in path.parent.iterdir()] == ["model.pt"]  # no temporary left


def test_plain_torch_load_with_weights_only_reads_it(tmp_path):
    save_checkpoint(make_checkpoint(), tmp_path / "m.pt")
    data = torch.load(tmp_path / "m.pt", weights_only=True)
    assert data["format"] == FORMAT and data["arch"] == "digits-cnn"


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    path.write_bytes(b"old")

    def failing_save(obj, handle):
        handle.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(BadInputError, match="m.pt: cannot write"):
        save_checkpoint(make_checkpoint(), path)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.pt"]


def test_writing_under_a_file_is_a_bad_input(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInputError, match="m.pt: cannot write"):
        save_checkpoint(make_checkpoint(), tmp_path / "file" / "m.pt")


def _write(path, value) -> None:
    torch.save(value, path)


@pytest.mark.parametrize("content, message", [
    (None, "absent.pt: no such file"),
    (b"\x80\x02garbage", "corrupt.pt: cannot load checkpoint"),
    (b"", "empty.pt: cannot load checkpoint"),
    ({"weights": torch.zeros(2)}, "foreign.pt: not an snn2hw checkpoint"),
    ({"format": FORMAT, "version": 99}, "future.pt: checkpoint version 99"),
    ({"format": FORMAT, "version": 1, "arch": "digits-cnn"}, "partial.pt: .*lacks the field"),
    ({"args": argparse.Namespace(T=4)}, "namespace.pt: not an snn2hw checkpoint .*export --arch"),
    (torch.nn.Linear(2, 2), "module.pt: holds pickled torch.nn.modules.linear.Linear .*--trust"),
    (b"\x89HDF\r\n\x1a\n" + bytes(32), "graph.nir: is an HDF5 file .*not a PyTorch checkpoint"),
])
def test_bad_files_raise_bad_input_naming_the_file(tmp_path, content, message):
    name = message.split(":")[0]
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        _write(path, content)
    with pytest.raises(BadInputError, match=message):
        load_checkpoint(path)


def test_a_directory_is_not_a_checkpoint(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        load_checkpoint(tmp_path)


def _one_line_error(args: list[str], *fragments: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "\n" not in text and "Traceback" not in text
    assert text.startswith("error: ") and all(f in text for f in fragments), text


def test_evaluate_refuses_bad_files_with_one_line(tmp_path):
    (tmp_path / "bad.pt").write_text("not a checkpoint")
    _one_line_error(["evaluate", str(tmp_path / "bad.pt")], "bad.pt", "cannot load")
    _one_line_error(["evaluate", str(tmp_path / "none.pt")], "none.pt", "no such file")


def test_evaluate_refuses_weights_that_do_not_fit(tmp_path):
    ckpt = make_checkpoint()
    ckpt.config = {**ckpt.config, "channels": 4}  # the weights were made with 16 channels
    save_checkpoint(ckpt, tmp_path / "mismatch.pt")
    _one_line_error(["evaluate", str(tmp_path / "mismatch.pt")], "mismatch.pt", "do not fit")


def test_evaluate_refuses_non_digits_models(tmp_path):
    ckpt = make_checkpoint()
    ckpt.input_shape = [3, 32, 32]
    save_checkpoint(ckpt, tmp_path / "cifar.pt")
    _one_line_error(["evaluate", str(tmp_path / "cifar.pt")], "cifar.pt", "not a digits model")


def test_a_flipped_bit_in_tensor_data_is_a_damaged_checkpoint(tmp_path):
    """torch.load does not verify the archive's CRC-32s: a bit flip in a weight would load as a
    silently wrong model. Loading checks them first."""
    path = tmp_path / "m.pt"
    weights = torch.arange(4096, dtype=torch.float32)
    torch.save({"w": weights}, path)
    data = bytearray(path.read_bytes())
    offset = bytes(data).index(weights.numpy().tobytes()[:64]) + 1000
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(BadInputError, match=r"m\.pt: damaged checkpoint.*CRC-32"):
        load_checkpoint(path)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2 and "CRC-32" in result.output
    assert len(result.output.strip().splitlines()) == 1
