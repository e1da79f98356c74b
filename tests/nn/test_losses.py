"""Objectives and readouts on small worked examples."""

from __future__ import annotations

import math

import pytest
import torch

from snn2hw.errors import BadInputError
from snn2hw.nn.losses import default_readout, loss_fn, readout

# T = 2, B = 1, K = 2; target class 0.
LOGITS = torch.tensor([[[0.0, 0.0]], [[2.0, 0.0]]])
TARGET = torch.tensor([0])


def ce(a: float, b: float) -> float:
    """Cross-entropy of logits (a, b) for class 0, by hand."""
    return -a + math.log(math.exp(a) + math.exp(b))


def test_lts_uses_only_the_last_step():
    assert float(loss_fn("lts")(LOGITS, TARGET)) == pytest.approx(ce(2, 0))


def test_sdt_uses_the_time_mean():
    assert float(loss_fn("sdt")(LOGITS, TARGET)) == pytest.approx(ce(1, 0))


def test_tet_averages_the_per_step_losses():
    expected = (ce(0, 0) + ce(2, 0)) / 2  # (0.6931 + 0.1269) / 2
    assert float(loss_fn("tet")(LOGITS, TARGET)) == pytest.approx(expected)


def test_tet_s_smooths_labels():
    eps = 0.1
    # smoothed target (1 - eps + eps/2, eps/2): loss = sum_k q_k * (-log p_k)
    def smoothed(a, b):
        log_p0 = a - math.log(math.exp(a) + math.exp(b))
        log_p1 = b - math.log(math.exp(a) + math.exp(b))
        return -((1 - eps / 2) * log_p0 + (eps / 2) * log_p1)

    expected = (smoothed(0, 0) + smoothed(2, 0)) / 2
    assert float(loss_fn("tet-s", label_smoothing=eps)(LOGITS, TARGET)) == pytest.approx(expected)


def test_readouts():
    assert readout(LOGITS, "last").tolist() == [[2.0, 0.0]]
    assert readout(LOGITS, "mean").tolist() == [[1.0, 0.0]]
    assert default_readout("lts") == "last" and default_readout("tet-s") == "mean"
    with pytest.raises(BadInputError):
        readout(LOGITS, "max")
    with pytest.raises(BadInputError):
        loss_fn("mse")
