"""exact_float32: TF32/bfloat16 off inside the block, the caller's settings back afterwards."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from snn2hw import torch_precision
from snn2hw.torch_precision import exact_float32, precision_settings

EXACT = {"cudnn.allow_tf32": False, "cuda.matmul.allow_tf32": False,
         "float32_matmul_precision": "highest", "cuda.matmul": "ieee", "cudnn.conv": "ieee",
         "cudnn.rnn": "ieee", "mkldnn.matmul": "ieee", "mkldnn.conv": "ieee",
         "mkldnn.rnn": "ieee"}


@pytest.fixture(autouse=True)
def _untouched():
    """Every test leaves torch's precision settings as it found them."""
    before = precision_settings()
    yield
    torch_precision._apply(before)  # the module's own restore, tested below
    assert precision_settings() == before


def _legacy_tf32() -> None:
    """What most scripts do for speed: TF32 everywhere through the legacy flags."""
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.set_float32_matmul_precision("medium")  # oneDNN matmuls in bfloat16 on CPU


def _new_api_mixed() -> None:
    """torch >= 2.9's operator precisions, set so that the legacy flags cannot be read."""
    b: Any = torch.backends  # attached at run time: no static types
    b.cudnn.conv.fp32_precision = "tf32"
    b.cudnn.rnn.fp32_precision = "ieee"
    b.mkldnn.matmul.fp32_precision = "bf16"
    b.cuda.matmul.fp32_precision = "tf32"


CALLERS = {"default": lambda: None, "legacy TF32": _legacy_tf32, "new API, mixed": _new_api_mixed}


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_inside_every_float32_operator_is_ieee_and_the_caller_gets_its_settings_back(caller):
    caller()
    before = precision_settings()
    with exact_float32():
        inside = precision_settings()
    assert inside == {k: v for k, v in EXACT.items() if k in before}
    assert precision_settings() == before


def test_default_settings_read_back_as_exact_inside():
    """The legacy flags agree with the operator precisions inside (torch reads them)."""
    torch.backends.cudnn.allow_tf32 = True  # torch's default
    with exact_float32():
        assert precision_settings() == EXACT
        assert torch.backends.cudnn.allow_tf32 is False


def test_settings_are_restored_when_the_block_raises():
    _legacy_tf32()
    before = precision_settings()
    with pytest.raises(ZeroDivisionError), exact_float32():
        assert precision_settings()["cudnn.conv"] == "ieee"
        _ = 1 / 0
    assert precision_settings() == before
    assert torch.backends.cudnn.allow_tf32 is True


def test_nested_blocks_restore_the_outer_state():
    _legacy_tf32()
    before = precision_settings()
    with exact_float32():
        with exact_float32():
            pass
        assert precision_settings()["mkldnn.matmul"] == "ieee"
    assert precision_settings() == before
