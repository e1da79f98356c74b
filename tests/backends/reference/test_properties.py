"""Property tests: layer-major and step-major execution agree on random feed-forward graphs."""

from __future__ import annotations

import nir
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.backends.reference.simulator import _run_layerwise, _run_stepwise, build_nodes
from snn2hw.ir.graph import schedule
from snn2hw.ir.metadata import DT, V_INIT
from tests.tolerances import TOL


@st.composite
def random_graphs(draw):
    """input -> (Affine -> IF|LIF)* with optional skip edges (summed fan-in) -> output."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    width, depth = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    nodes, edges, prev = {"input": nir.Input(np.array([width]))}, [], "input"
    for i in range(depth):
        nodes[f"fc{i}"] = nir.Affine(weight=rng.normal(0, 1, (width, width)),
                                     bias=rng.normal(0, 0.1, width))
        meta = {V_INIT: rng.uniform(-0.5, 0.5, width)} if draw(st.booleans()) else {}
        if draw(st.booleans()):
            nodes[f"n{i}"] = nir.IF(r=np.ones(width), v_threshold=np.full(width, 0.7),
                                    v_reset=np.zeros(width), metadata=meta)
        else:
            nodes[f"n{i}"] = nir.LIF(tau=rng.uniform(1.5, 4, width), r=np.ones(width),
                                     v_leak=np.zeros(width), v_threshold=np.full(width, 0.7),
                                     v_reset=np.zeros(width), metadata=meta)
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"n{i}")]
        if i > 0 and draw(st.booleans()):
            edges.append((f"n{i - 1}", f"n{i}"))  # skip connection summed into the neuron
        prev = f"n{i}"
    nodes["output"] = nir.Output(np.array([width]))
    edges.append((prev, "output"))
    steps, batch = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    x = rng.normal(0.5, 1.0, (steps, batch, width))
    return nir.NIRGraph(nodes, edges, metadata={DT: 1.0}), x


@settings(max_examples=40, deadline=None)
@given(random_graphs())
def test_layer_major_equals_step_major(case):
    graph, x = case
    sched = schedule(graph)
    kw = dict(dtype=torch.float64)
    x = torch.as_tensor(x)
    layerwise = _run_layerwise(sched, build_nodes(graph, 1.0, **kw), x, x.shape[0])
    stepwise = _run_stepwise(sched, build_nodes(graph, 1.0, **kw), x)
    for name in sched.order:
        torch.testing.assert_close(layerwise[name], stepwise[name], **TOL["float64_same_order"])
