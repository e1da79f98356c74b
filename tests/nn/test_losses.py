"""Objectives and readouts on small worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from snn2hw.errors import BadInputError
from snn2hw.nn.losses import LOSSES, default_readout, loss_fn, readout, tet_loss

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


def test_tet_mse_term_with_lambda():
    # MSE to means = 1 over the four logits 0, 0, 2, 0: (1 + 1 + 1 + 1) / 4 = 1
    tet = (ce(0, 0) + ce(2, 0)) / 2
    for name in ("tet", "tet-s"):
        value = float(loss_fn(name, label_smoothing=0.0, lamb=0.25)(LOGITS, TARGET))
        assert value == pytest.approx(0.75 * tet + 0.25 * 1.0)
    shifted = float(tet_loss(LOGITS, TARGET, lamb=1.0, means=0.0))  # (0 + 0 + 4 + 0) / 4
    assert shifted == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (1, 3, 4), elements=st.floats(-5, 5)),
       arrays(np.int64, (3,), elements=st.integers(0, 3)))
def test_with_one_step_every_objective_is_plain_cross_entropy(logits, target):
    logits, target = torch.from_numpy(logits), torch.from_numpy(target)
    plain = F.cross_entropy(logits[0], target)
    for name in LOSSES:
        torch.testing.assert_close(loss_fn(name, label_smoothing=0.0)(logits, target), plain)


def test_readouts():
    assert readout(LOGITS, "last").tolist() == [[2.0, 0.0]]
    assert readout(LOGITS, "mean").tolist() == [[1.0, 0.0]]
    assert default_readout("lts") == "last" and default_readout("tet-s") == "mean"
    with pytest.raises(BadInputError):
        readout(LOGITS, "max")
    with pytest.raises(BadInputError):
        loss_fn("mse")
