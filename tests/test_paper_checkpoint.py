"""Loading the paper's checkpoint layouts: ImageNet script files with argparse.Namespace,
mmengine files of the legacy VGG, bare state dicts, and the failure cases."""

from __future__ import annotations

import argparse

import pytest
import torch

from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import build_model
from snn2hw.paper_checkpoint import load_paper_checkpoint, rename_key

from .frontends.checkpoint_files import CALLS, mmengine_file


def imagenet_file(path, state: dict, **args) -> None:
    """A file laid out as IMP-SNN in1k/LTS/train_olts.py saves it (DataParallel keys)."""
    torch.save({
        "model": {f"module.{k}": v for k, v in state.items()}, "optimizer": {"state": {}},
        "lr_scheduler": {"last_epoch": 3}, "epoch": 3, "args": argparse.Namespace(**args),
        "max_test_acc1": 64.3287, "test_acc5_at_max_test_acc1": 85.0,
    }, path)


def legacy_key(key: str) -> str:
    """snn2hw vgg11-dvs48 key -> amazing-cls StateVGG11R48x48Legacy key (under backbone.)."""
    key = key.replace(".conv.", ".conv.module.").replace("init_state", "mem")
    if not key.endswith(".bn.te"):  # TEBN's own scale; the BN inside is wrapped twice
        key = key.replace(".bn.", ".bn.bn.module.")
    key = key.replace("classifier.", "classifier.module.")
    return f"backbone.{key}"


def outputs(model, x):
    with torch.no_grad():
        return model.eval()(x)


def test_imagenet_file_with_namespace_loads_and_runs(tmp_path):
    model = build_model("sew18", T=2, num_classes=10)
    imagenet_file(tmp_path / "ckpt.pth", model.state_dict(), model="sew_resnet18", T=2, lr=0.05)
    ckpt = load_paper_checkpoint(tmp_path / "ckpt.pth")
    assert (ckpt.arch, ckpt.T, ckpt.readout, ckpt.static_input) == ("sew18", 2, "last", True)
    assert ckpt.config["num_classes"] == 10 and ckpt.input_shape == [3, 224, 224]
    assert ckpt.metrics == {"top1": 64.3287}
    x = torch.rand(1, 3, 32, 32)
    assert torch.equal(outputs(ckpt.build(), x), outputs(model, x))


def test_imp_keys_give_imp_and_the_input_size(tmp_path):
    model = build_model("sew18", T=2, num_classes=10, imp=True, input_size=32)
    imagenet_file(tmp_path / "imp.pth", model.state_dict(), model="sew_resnet18", T=2)
    ckpt = load_paper_checkpoint(tmp_path / "imp.pth")
    assert ckpt.config["imp"] and ckpt.config["input_size"] == [32, 32]
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(outputs(ckpt.build(), x), outputs(model, x))


def test_legacy_vgg_mmengine_file(tmp_path):
    model = build_model("vgg11-dvs48", T=3, imp=True, tebn=True, input_size=16, num_classes=4)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".te"):
                p.uniform_(0.5, 1.5)  # distinct per-step scales must survive the renaming
    state = {legacy_key(k): v for k, v in model.state_dict().items()}
    assert "backbone.features.0.bn.bn.module.running_mean" in state
    assert "backbone.features.1.mem" in state and "backbone.classifier.module.1.weight" in state
    torch.save({"meta": {"epoch": 200, "seed": 0}, "state_dict": state}, tmp_path / "dvs.pth")
    ckpt = load_paper_checkpoint(tmp_path / "dvs.pth")
    assert (ckpt.arch, ckpt.T, ckpt.static_input) == ("vgg11-dvs48", 3, False)
    assert ckpt.config["T"] == 3 and ckpt.config["tebn"] and ckpt.config["imp"]
    assert ckpt.input_shape == [2, 16, 16]
    x = torch.rand(3, 2, 2, 16, 16)
    assert torch.equal(outputs(ckpt.build(), x), outputs(model, x))


@pytest.mark.parametrize("name, kw", [("sew34", {}), ("sew50", {}), ("sew-cifar", {}),
                                      ("vgg11-dvs128", {"input_size": 16})])
def test_architecture_is_inferred_from_a_bare_state_dict(tmp_path, name, kw):
    torch.save(build_model(name, **kw).state_dict(), tmp_path / "bare.pth")
    assert load_paper_checkpoint(tmp_path / "bare.pth").arch == name


def test_overrides_and_broadcast_imp(tmp_path):
    model = build_model("sew-cifar", T=2, imp=True, imp_sigmoid=True, input_size=8)
    state = model.state_dict()
    state["sn1.init_state"] = torch.full((1, 64, 1, 1), 0.25)  # one value per channel
    torch.save(state, tmp_path / "bc.pth")
    ckpt = load_paper_checkpoint(tmp_path / "bc.pth", config={"imp_sigmoid": True,
                                                              "input_size": 8}, T=2)
    assert ckpt.state_dict["sn1.init_state"].shape == (1, 64, 8, 8)
    assert torch.all(ckpt.state_dict["sn1.init_state"] == 0.25)
    assert ckpt.build().sn1.imp_sigmoid


@pytest.mark.parametrize("key, ours", [
    ("module.layer1.0.sn1.init_state", "layer1.0.sn1.init_state"),
    ("backbone.features.3.mem", "features.3.init_state"),
    ("head.fc.weight", "fc.weight"),
    ("backbone.features.2.bn.te", "features.2.bn.te"),
    ("memory.weight", "memory.weight"),
])
def test_rename_key(key, ours):
    assert rename_key(key) == ours


def test_corrupt_file(tmp_path):
    path = tmp_path / "broken.pth"
    path.write_bytes(b"\x80\x02not a checkpoint at all")
    with pytest.raises(BadInputError, match="broken.pth"):
        load_paper_checkpoint(path)


def test_mmengine_file_is_read_without_mmengine_and_without_unpickling(tmp_path):
    model = build_model("sew-cifar")
    mmengine_file(tmp_path / "epoch_3.pth",
                  {f"backbone.{k}": v for k, v in model.state_dict().items()})
    CALLS.clear()
    ckpt = load_paper_checkpoint(tmp_path / "epoch_3.pth")
    assert CALLS == []  # nothing of the pickled objects ran
    assert ckpt.arch == "sew-cifar"
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in ckpt.state_dict.items())
    with pytest.raises(BadInputError, match="epoch_3.pth: cannot load .*No module named"):
        load_paper_checkpoint(tmp_path / "epoch_3.pth", trust=True)  # needs mmengine
    assert CALLS == ["unpickled"]  # trust does unpickle: the hook ran


def test_a_pickled_module_needs_trust(tmp_path):
    torch.save(build_model("sew-cifar"), tmp_path / "whole.pth")
    with pytest.raises(BadInputError, match=r"whole.pth: holds pickled .*SEW.* --trust"):
        load_paper_checkpoint(tmp_path / "whole.pth")


def test_missing_and_unexpected_keys_are_named(tmp_path):
    state = build_model("sew-cifar").state_dict()
    del state["layer2.0.conv1.weight"]
    state["pe"] = torch.zeros(4, 1, 1, 1, 1)
    torch.save({"model": state}, tmp_path / "keys.pth")
    with pytest.raises(BadInputError, match=r"keys.pth.*missing: layer2\.0\.conv1\.weight.*"
                                            r"unexpected: pe"):
        load_paper_checkpoint(tmp_path / "keys.pth")


def test_wrong_shape_and_unknown_layout(tmp_path):
    state = build_model("sew-cifar").state_dict()
    state["fc.bias"] = torch.zeros(3)
    torch.save(state, tmp_path / "shape.pth")
    with pytest.raises(BadInputError, match="fc.bias.*shape"):
        load_paper_checkpoint(tmp_path / "shape.pth")
    torch.save({"w": torch.zeros(2)}, tmp_path / "other.pth")
    with pytest.raises(BadInputError, match="other.pth.*architecture"):
        load_paper_checkpoint(tmp_path / "other.pth")
    torch.save([1, 2], tmp_path / "list.pth")
    with pytest.raises(BadInputError, match="list.pth"):
        load_paper_checkpoint(tmp_path / "list.pth")
