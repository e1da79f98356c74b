"""Load checkpoints written by the paper's code into an snn2hw :class:`Checkpoint`.

Handled layouts: the ImageNet script of IMP-SNN (``{'model': state_dict, 'args': Namespace,
'max_test_acc1', ...}``), mmengine/amazing-cls files (``{'state_dict': {'backbone.…', 'head.…'}}``)
and bare state dicts. Files are read with ``weights_only=True`` and ``argparse.Namespace``
allow-listed; objects of other classes (mmengine's ``message_hub``) are not unpickled but read as
inert placeholders (:func:`snn2hw.checkpoint.read_torch_file`), so neither mmengine nor
``trust=True`` is needed to read the tensors. Keys are renamed to snn2hw's (DataParallel's
``module.``, mmengine's ``backbone.``/``head.``, the legacy VGG's ``SeqToANNContainer`` and TEBN
wrappers, the legacy IMP ``mem`` -> ``init_state``); the architecture and its options are taken
from ``args`` and from the tensors themselves, and can be overridden.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

import torch

from snn2hw.checkpoint import (
    Checkpoint,
    Inert,
    fit_state_dict,
    not_unpickled,
    pickled_objects,
    read_torch_file,
    show,
)
from snn2hw.errors import BadInputError
from snn2hw.nn.architectures import DEFAULT_INPUT_SHAPES, build_model
from snn2hw.nn.architectures.common import RepeatTime

# args.model of the paper's scripts -> snn2hw architecture name
PAPER_MODELS = {"sew_resnet18": "sew18", "sew_resnet34": "sew34", "sew_resnet50": "sew50"}
DEFAULT_T = {"vgg11-dvs48": 10, "vgg11-dvs128": 16}  # others: 4, the ImageNet default
DEFAULT_SIZE = {"sew-cifar": 32, "vgg11-dvs48": 48, "vgg11-dvs128": 128}  # others: 224
STATIC = {"sew18", "sew34", "sew50", "sew-cifar"}
# (first neuron with IMP, stride of the layers before it): its H, W give the input size
FIRST_NEURON = {"sew18": ("sn1", 2), "sew34": ("sn1", 2), "sew50": ("sn1", 2),
                "sew-cifar": ("sn1", 1), "vgg11-dvs48": ("features.1", 1),
                "vgg11-dvs128": ("layer1.0.spike", 1)}
PAPER_ARCHITECTURES = tuple(FIRST_NEURON)  # whose options are read from the tensors
FIRST_CONV = {"vgg11-dvs48": "features.0.conv.weight", "vgg11-dvs128": "layer1.0.conv.weight"}
HEAD = {"vgg11-dvs48": "classifier.1.weight"}
RENAMES = [  # applied in order to every key
    (re.compile(r"^(module\.|backbone\.|head\.)+"), ""),
    (re.compile(r"\.conv\.module\."), ".conv."),
    (re.compile(r"\.bn\.bn\.module\."), ".bn."),
    (re.compile(r"^classifier\.module\."), "classifier."),
    (re.compile(r"(^|\.)mem$"), r"\1init_state"),
]


def load_paper_checkpoint(path: str | os.PathLike, arch: str | None = None,
                          config: dict[str, Any] | None = None, T: int | None = None,
                          readout: str = "last", trust: bool = False,
                          raw: Any = None) -> Checkpoint:
    """Read a checkpoint of the paper's code; ``arch``, ``config`` and ``T`` override what is
    inferred; ``readout`` is "last" (LTS) or "mean" (SDT/TET). ``raw``: what
    :func:`~snn2hw.checkpoint.read_torch_file` already read from ``path`` (not read again)."""
    if raw is None:
        raw = read_torch_file(path, trust=trust)
    state, args = split_checkpoint(raw, path)
    state = {rename_key(key): value for key, value in state.items()}
    arch = arch or PAPER_MODELS.get(str(args.get("model", ""))) or infer_arch(state, path)
    T = int(T or args.get("T") or _tebn_steps(state) or DEFAULT_T.get(arch, 4))
    if arch in PAPER_ARCHITECTURES:
        config = infer_config(arch, state, T) | dict(config or {})
        shape = [config["in_channels"], *_hw(config["input_size"])]
    else:  # another registry architecture (digits): its defaults, IMP if the weights have it
        imp = any(key.endswith("init_state") for key in state)
        config = {"T": T, "imp": imp} | dict(config or {})
        shape = list(DEFAULT_INPUT_SHAPES[arch])
    try:
        model = build_model(arch, **config)
    except TypeError as exc:
        raise BadInputError(f"{path}: {arch} does not take the options {config} ({exc})") from exc
    state = fit_state_dict(model.state_dict(), state, f"{path}: {arch}")
    metrics = {"top1": float(raw["max_test_acc1"])} if "max_test_acc1" in raw else {}
    static = arch in STATIC or any(isinstance(m, RepeatTime) for m in model.modules())
    return Checkpoint(arch=arch, config=config, state_dict=state, T=T, readout=readout,
                      input_shape=shape, static_input=static, metrics=metrics)


def split_checkpoint(raw: Any, path: str | os.PathLike
                     ) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The state dict and the training arguments (a dict, maybe empty) of a loaded file: a bare
    state dict, or one under 'model' (IMP-SNN) or 'state_dict' (mmengine / amazing-cls)."""
    if isinstance(raw, Inert):
        raise not_unpickled(path, raw)
    if not isinstance(raw, dict):
        raise BadInputError(f"{path}: expected a dict, found {type(raw).__name__}")
    args = raw.get("args")
    args = vars(args) if isinstance(args, argparse.Namespace) else {}
    for field in ("model", "state_dict"):
        if isinstance(raw.get(field), dict):
            raw = raw[field]
            break
    state = {k: v for k, v in raw.items() if torch.is_tensor(v)}
    if not state and pickled_objects(raw):
        raise not_unpickled(path, raw)
    if not state or len(state) != len(raw):
        raise BadInputError(f"{path}: no state dict found (expected 'model', 'state_dict' or "
                            "a dict of tensors)")
    return state, args


def rename_key(key: str) -> str:
    """A key of the paper's code (or its wrappers) as the snn2hw model names it."""
    for pattern, replacement in RENAMES:
        key = pattern.sub(replacement, key)
    return key


def infer_arch(state: dict[str, torch.Tensor], path: str | os.PathLike) -> str:
    """The snn2hw architecture whose layout the (renamed) state dict has."""
    if "features.0.conv.weight" in state:
        return "vgg11-dvs48"
    if "layer4.3.conv.weight" in state:
        return "vgg11-dvs128"
    if "layer1.0.conv3.weight" in state:
        return "sew50"
    if "conv1.weight" in state and "layer1.0.conv1.weight" in state:
        if state["conv1.weight"].shape[-1] == 3:
            return "sew-cifar"
        return "sew34" if "layer3.5.conv1.weight" in state else "sew18"
    raise BadInputError(f"{path}: cannot tell the architecture from the keys "
                        f"({show(sorted(state))}); pass arch")


def infer_config(arch: str, state: dict[str, torch.Tensor], T: int) -> dict[str, Any]:
    """Constructor options read from the tensors: classes, input channels, IMP, TEBN, size."""
    head = state.get(HEAD.get(arch, "fc.weight"))
    conv = state.get(FIRST_CONV.get(arch, "conv1.weight"))
    config: dict[str, Any] = {"T": T, "input_size": DEFAULT_SIZE.get(arch, 224),
                              "in_channels": 3 if arch in STATIC else 2}
    if head is not None:
        config["num_classes"] = int(head.shape[0])
    if conv is not None:
        config["in_channels"] = int(conv.shape[1])
    if any(key.endswith("init_state") for key in state):
        config["imp"] = True
    if _tebn_steps(state):
        config["tebn"] = True
    neuron, stride = FIRST_NEURON[arch]
    imp = state.get(f"{neuron}.init_state")
    if imp is not None and imp.dim() == 4 and min(imp.shape[-2:]) > 1:
        config["input_size"] = [int(imp.shape[-2]) * stride, int(imp.shape[-1]) * stride]
    return config


def _tebn_steps(state: dict[str, torch.Tensor]) -> int | None:
    te = [v for k, v in state.items() if k.endswith(".bn.te")]
    return int(te[0].shape[0]) if te else None


def _hw(size: int | list[int]) -> list[int]:
    return [size, size] if isinstance(size, int) else [int(s) for s in size]
