"""Values are freed after their last consumer (release plan by hand, a value dead during the
run), with outputs identical to keeping everything (record=True)."""

from __future__ import annotations

import gc
import weakref

import nir
import numpy as np
import torch

from snn2hw.backends.reference import Simulator
from snn2hw.backends.reference.simulator import release_plan
from snn2hw.ir.graph import schedule
from snn2hw.ir.metadata import DT


def _graph(skip: bool) -> nir.NIRGraph:
    """input -> fc1 -> n1 -> fc2 -> n2 -> output, with n1 -> n2 summed in when ``skip``."""
    rng = np.random.default_rng(0)

    def neuron():
        return nir.IF(r=np.ones(4), v_threshold=np.full(4, 0.5), v_reset=np.zeros(4))

    nodes = {"input": nir.Input(np.array([4])),
             "fc1": nir.Affine(weight=rng.normal(0, 1, (4, 4)), bias=np.full(4, 0.3)),
             "n1": neuron(),
             "fc2": nir.Affine(weight=rng.normal(0, 1, (4, 4)), bias=np.full(4, 0.3)),
             "n2": neuron(), "output": nir.Output(np.array([4]))}
    edges = [("input", "fc1"), ("fc1", "n1"), ("n1", "fc2"), ("fc2", "n2"), ("n2", "output")]
    return nir.NIRGraph(nodes, edges + ([("n1", "n2")] if skip else []), metadata={DT: 1.0})


def test_release_plan_frees_each_value_at_its_last_consumer():
    # n1 is read by fc2 and (later) by n2: freed after n2; the output is never freed
    assert release_plan(schedule(_graph(skip=True))) == {
        "input": [], "fc1": ["input"], "n1": ["fc1"], "fc2": [], "n2": ["n1", "fc2"],
        "output": ["n2"]}


def _alive_when_fc2_runs(sim: Simulator, x: np.ndarray, record: bool) -> bool:
    """Whether fc1's output still exists while fc2 computes."""
    fc1, fc2, seen = sim.nodes["fc1"], sim.nodes["fc2"], {}

    def keep_ref(v):
        out = fc1(v)
        seen["fc1"] = weakref.ref(out)
        return out

    def check(v):
        gc.collect()
        seen["alive"] = seen["fc1"]() is not None
        return fc2(v)

    sim.nodes.update(fc1=keep_ref, fc2=check)
    try:
        sim.run(x, record=record)
    finally:
        sim.nodes.update(fc1=fc1, fc2=fc2)
    return seen["alive"]


def test_a_value_is_dropped_after_its_last_use_unless_recording():
    sim = Simulator(_graph(skip=True))
    x = np.random.default_rng(1).normal(0.5, 1, (6, 3, 4))
    assert not _alive_when_fc2_runs(sim, x, record=False)
    assert _alive_when_fc2_runs(sim, x, record=True)  # record keeps every node's output


def test_freeing_changes_no_output_layerwise_or_stepwise():
    x = np.random.default_rng(2).normal(0.5, 1, (6, 3, 4))
    recurrent = _graph(skip=False)
    recurrent.edges.append(("n2", "fc2"))  # a cycle: the step-by-step path
    for graph in (_graph(skip=True), recurrent):
        sim = Simulator(graph, dtype=torch.float64)
        freed, kept = sim.run(x), sim.run(x, record=True)
        assert freed.records == {}
        np.testing.assert_array_equal(freed.output, kept.output)
        np.testing.assert_array_equal(freed.output, kept.records["output"])
        assert freed.output.any() and not freed.output.all()  # spikes, not a constant
