"""The graph layer: order, recurrent edges, fan-in/out, stateless cycles, shapes."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.errors import UnsupportedError
from snn2hw.ir import graph as g


def _if(n: int) -> nir.IF:
    return nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n))


def _graph(nodes: dict, edges: list, n_in: int = 2) -> nir.NIRGraph:
    all_nodes = {"in": nir.Input(np.array([n_in])), **nodes, "out": nir.Output(np.array([n_in]))}
    return nir.NIRGraph(nodes=all_nodes, edges=edges, type_check=False)


def residual() -> nir.NIRGraph:
    eye = nir.Linear(np.eye(2))
    return _graph({"a": eye, "n1": _if(2), "b": nir.Linear(np.eye(2)), "n2": _if(2)},
                  [("in", "a"), ("a", "n1"), ("n1", "b"), ("b", "n2"), ("n1", "n2"),
                   ("n2", "out")])


def test_order_is_in_waves_each_in_node_order():
    sched = g.schedule(residual())
    assert sched.order == ["in", "a", "n1", "b", "n2", "out"]
    assert sched.forward_inputs["n2"] == ["b", "n1"]  # edge order: fan-in sums left to right
    assert sched.forward_outputs["n1"] == ["b", "n2"]
    assert not sched.has_cycles


def test_the_edge_closing_a_cycle_is_recurrent():
    graph = residual()
    graph.edges.append(("n2", "a"))
    sched = g.schedule(graph)
    assert sched.recurrent_inputs["a"] == ["n2"] and sched.forward_inputs["a"] == ["in"]
    assert sched.has_cycles and sched.order == ["in", "a", "n1", "b", "n2", "out"]
    with pytest.raises(UnsupportedError, match="cycle \\(edge n2 -> a\\)"):
        g.topological_order(graph)


def test_fan_in_and_fan_out_cover_every_edge_in_order():
    graph = residual()
    assert g.fan_in(graph)["n2"] == ["b", "n1"]
    assert g.fan_out(graph)["n1"] == ["b", "n2"]
    assert sum(map(len, g.fan_in(graph).values())) == len(graph.edges)


@pytest.mark.parametrize("graph, message", [
    (_graph({"n": _if(2)}, [("in", "n"), ("n", "out"), ("n", "x")]), "unknown node 'x'"),
    (_graph({"n": _if(2), "m": nir.Output(np.array([2]))}, [("in", "n"), ("n", "out")]),
     "exactly one Output node, found 2"),
    (_graph({"a": nir.Linear(np.eye(2)), "b": nir.Linear(np.eye(2))},
            [("in", "out"), ("a", "b"), ("b", "a")]), "not reachable from the input: a, b"),
])
def test_graphs_no_backend_runs_are_refused(graph, message):
    with pytest.raises(UnsupportedError, match=message):
        g.schedule(graph)


def test_stateless_cycles_skip_neurons_and_delays():
    graph = _graph({"a": nir.Linear(np.eye(2)), "d": nir.Delay(np.ones(2)),
                    "s": nir.Scale(np.ones(2)), "t": nir.Scale(np.ones(2))},
                   [("in", "a"), ("a", "d"), ("d", "a"), ("a", "s"), ("s", "t"), ("t", "s"),
                    ("t", "out")])
    assert g.stateless_cycles(graph) == [["s", "t"]]


@pytest.mark.parametrize("node, shape, expected", [
    (nir.Affine(np.ones((3, 4)), np.zeros(3)), (4,), (3,)),
    (nir.Linear(np.ones((3, 4))), (2, 4), (2, 3)),
    (nir.Conv2d(None, np.ones((8, 2, 3, 3)), 2, 1, 1, 1, np.zeros(8)), (2, 9, 9), (8, 5, 5)),
    (nir.Conv2d(None, np.ones((4, 1, 3, 3)), 1, "same", 1, 2, np.zeros(4)), (2, 7, 7),
     (4, 7, 7)),
    (nir.Conv1d(None, np.ones((4, 2, 3)), 1, 0, 2, 1, np.zeros(4)), (2, 10), (4, 6)),
    (nir.SumPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])), (3, 8, 6), (3, 4, 3)),
    (nir.Flatten(np.array([2, 3, 4]), 0, -1), (2, 3, 4), (24,)),
    (nir.Flatten(np.array([2, 3, 4]), 1, 2), (2, 3, 4), (2, 12)),
    (nir.Scale(np.ones((3, 1, 1))), (3, 4, 4), (3, 4, 4)),
])
def test_output_shapes_follow_torch(node, shape, expected):
    assert g.output_shape(node, shape) == expected


@pytest.mark.parametrize("node, shape", [
    (nir.Affine(np.ones((3, 4)), np.zeros(3)), (5,)),
    (nir.Conv2d(None, np.ones((8, 2, 3, 3)), 1, 0, 1, 1, np.zeros(8)), (3, 9, 9)),
    (nir.SumPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])), (8,)),
    (_if(3), (2,)),
])
def test_shape_mismatches_raise(node, shape):
    with pytest.raises(g.ShapeMismatch):
        g.output_shape(node, shape)


def test_infer_shapes_raises_listing_mismatches():
    graph = _graph({"fc": nir.Affine(np.ones((2, 3)), np.zeros(2)), "n": _if(2)},
                   [("in", "fc"), ("fc", "n"), ("n", "out")])
    with pytest.raises(UnsupportedError, match="fc: input of shape \\(2,\\)"):
        g.infer_shapes(graph)
    assert g.infer_shapes(residual())["n2"] == (2,)


def test_neuron_counts():
    graph = _graph({"a": nir.Linear(np.eye(2)), "n": _if(2),
                    "li": nir.LI(np.ones(2), np.ones(2), np.zeros(2))},
                   [("in", "a"), ("a", "n"), ("n", "li"), ("li", "out")])
    assert g.neuron_count(graph) == 4 and g.neuron_count(graph, spiking_only=True) == 2


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_order_respects_every_forward_edge(data):
    """Random graphs (cycles allowed): each forward edge goes from earlier to later."""
    n = data.draw(st.integers(1, 7))
    names = [f"h{i}" for i in range(n)]
    edges = [("in", "h0")] + [(f"h{i - 1}", f"h{i}") for i in range(1, n)] + [(names[-1], "out")]
    extra = data.draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)),
                               max_size=8))
    graph = _graph({name: _if(2) for name in names}, edges + extra)
    sched = g.schedule(graph)
    position = {name: i for i, name in enumerate(sched.order)}
    assert sorted(sched.order) == sorted(graph.nodes)
    for dst, srcs in sched.forward_inputs.items():
        assert all(position[s] < position[dst] for s in srcs)
    assert sum(map(len, sched.forward_inputs.values())) + sum(
        map(len, sched.recurrent_inputs.values())) == len(graph.edges)
