"""Saturation, overflow and quantisation damage: counted in the fixed backend's report and
warned about in one line when they exceed a small fraction (both modes)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.fixed import events as ev
from snn2hw.errors import Snn2hwWarning

from . import graphs

MODES = [{"mode": "generic"}, {"mode": "loihi"}]


def _run(graph, extra: dict, x: np.ndarray) -> FixedBackend:
    backend = FixedBackend()
    backend.compile(graph, RunConfig(extra=extra))
    backend.run(x)
    return backend


def _mlp(huge: float | None = None):
    g = graphs.mlp(np.random.default_rng(0), sizes=(64, 32, 10))
    if huge is not None:
        g.nodes["fc0"].weight[0, 0] = huge
    return g


X = graphs.digits_like(np.random.default_rng(1), steps=4, batch=3, shape=(64,))


@pytest.mark.parametrize("extra", MODES, ids=["generic", "loihi"])
def test_one_huge_weight_is_counted_and_warned_about(extra):
    with pytest.warns(Snn2hwWarning, match=r"fc0 weights rounded to 0: 100 %") as caught:
        backend = _run(_mlp(1e30), extra, X)
    assert len([w for w in caught if ev.WARNING_PREFIX in str(w.message)]) == 1
    assert "\n" not in str(caught[0].message)
    counts = backend.report().quantisation
    assert counts["fc0"]["weights"] == 64 * 32
    assert counts["fc0"]["weights_zeroed"] == 64 * 32 - 1
    assert counts["n0"]["thresholds_zeroed"] >= 1  # the threshold unit became 1e30 / 255


@pytest.mark.parametrize("extra", MODES, ids=["generic", "loihi"])
def test_a_graph_within_its_formats_runs_without_a_warning(extra):
    with warnings.catch_warnings():
        warnings.simplefilter("error", Snn2hwWarning)
        backend = _run(_mlp(), extra, X)
    report = backend.report()
    assert not any(any(c.values()) for c in report.events.values())
    assert report.updates["n0"] == 4 * 3 * 32  # steps * batch * neurons: the events' base


def test_current_wrap_on_loihi_is_counted_and_warned_about():
    """A fixed layer scale of 2^12 drives Loihi's 24-bit current past its range."""
    with pytest.warns(Snn2hwWarning, match="current_overflow"):
        backend = _run(_mlp(), {"mode": "loihi", "scale": 2.0**12}, X)
    assert backend.report().events["n0"]["current_overflow"] > 0


def test_run_time_events_warn_above_one_percent_of_a_layers_values():
    assert ev.problems({"n": {"current_overflow": 10}}, {"n": 1000}, {}) == []
    assert ev.problems({"n": {"current_overflow": 11}}, {"n": 1000}, {}) == [
        "n current_overflow 1.1 %"]


def test_weights_rounded_to_zero_warn_above_half_of_a_layer():
    half = {"fc": {"weights": 10, "weights_zeroed": 5, "weights_clipped": 0}}
    assert ev.problems({}, {}, half) == []
    half["fc"]["weights_zeroed"] = 6
    assert ev.problems({}, {}, half) == ["fc weights rounded to 0: 60 %"]
    assert ev.problems({}, {}, {"n": {"thresholds_zeroed": 0, "v_init_clipped": 2}}) == [
        "n v init clipped: 2"]
