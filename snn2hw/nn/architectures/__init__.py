"""Architecture registry: ``build_model(name, **config)`` builds any model snn2hw knows.

Every model is multi-step: it takes ``[T, B, ...]`` (or, with ``static_input=True``, a static
``[B, ...]`` image whose stem runs once and is repeated over ``T``) and returns logits
``[T, B, classes]``. Forward passes use only module calls and ``+`` so that nirtorch's torch.fx
tracer can export them to NIR.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from snn2hw.errors import BadInputError

if TYPE_CHECKING:  # torch loads with the architecture itself, so the names list stays light
    from torch import nn

# name -> "module:function" under snn2hw.nn.architectures
ARCHITECTURES: dict[str, str] = {
    "digits-mlp": "digits:digits_mlp",
    "digits-cnn": "digits:digits_cnn",
    "sew18": "sew_resnet:sew_resnet18",
    "sew34": "sew_resnet:sew_resnet34",
    "sew50": "sew_resnet:sew_resnet50",
    "sew101": "sew_resnet:sew_resnet101",
    "sew152": "sew_resnet:sew_resnet152",
    "sew-cifar": "sew_resnet:sew_resnet_cifar",
    "vgg11-dvs48": "vgg:vgg11_dvs48",
    "vgg11-dvs128": "vgg:vgg11_dvs128",
}


# One sample's input shape (without T and B) at each architecture's usual size.
DEFAULT_INPUT_SHAPES: dict[str, tuple[int, ...]] = {
    "digits-mlp": (1, 8, 8), "digits-cnn": (1, 8, 8), "sew-cifar": (3, 32, 32),
    "vgg11-dvs48": (2, 48, 48), "vgg11-dvs128": (2, 128, 128),
    **{name: (3, 224, 224) for name in ("sew18", "sew34", "sew50", "sew101", "sew152")},
}


def architecture_builder(name: str) -> Callable[..., nn.Module]:
    """The constructor registered as ``name``."""
    if name not in ARCHITECTURES:
        raise BadInputError(f"unknown architecture '{name}' (known: {', '.join(ARCHITECTURES)})")
    module_name, _, func = ARCHITECTURES[name].partition(":")
    module = importlib.import_module(f"snn2hw.nn.architectures.{module_name}")
    return getattr(module, func)


def build_model(name: str, **config) -> nn.Module:
    """Build architecture ``name`` with constructor ``config`` (JSON-friendly values only)."""
    return architecture_builder(name)(**config)
