"""The capability table against the backends: every NIR node class (found by reflection), on
every target, either runs a tiny graph as the reference does, or is refused by name."""

from __future__ import annotations

import importlib.util
import inspect
import json

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.ir import capabilities as caps
from snn2hw.ir.graph import schedule, shape_problems
from snn2hw.ir.metadata import DT
from snn2hw.registry import create_backend
from tests.tolerances import TOL

DT_S = 1e-3
T, BATCH = 8, 2
NODE_CLASSES = sorted((c for _, c in inspect.getmembers(nir, inspect.isclass)
                       if issubclass(c, nir.NIRNode) and c is not nir.NIRNode),
                      key=lambda c: c.__name__)
HAS_LAVA = importlib.util.find_spec("lava") is not None
FIXED_SPIKES = 0.99  # fraction of output entries fixed point must share with the reference
FIXED_READOUT = 0.01  # readout error of fixed point, as a fraction of the readout's range

# target -> (backend name, RunConfig)
TARGETS = {
    "reference": ("reference", RunConfig(dtype="float64")),
    "energy": ("energy", RunConfig()),
    "onnx": ("onnx", RunConfig()),
    "fixed:generic": ("fixed", RunConfig(extra={"mode": "generic"})),
    "fixed:loihi": ("fixed", RunConfig(extra={"mode": "loihi"})),
    "lava": ("lava", RunConfig(precision="float")),
}


Q = 1 / 64  # every weight is a multiple of Q: float sums of spikes are exact
MAX_K = 127  # the largest weight of every layer is MAX_K * Q: 8-bit generic scales are exactly Q


def _weights(rows: int, cols: int, seed: int, spread: int = 40) -> np.ndarray:
    """Multiples of Q, the first one MAX_K * Q; membranes of IF neurons fed by spikes stay on
    the Q grid, so thresholds at half a step off it never tie."""
    w = np.random.default_rng(seed).integers(1, spread + 1, (rows, cols)).astype(float)
    w.flat[0] = MAX_K
    return w * Q


def _if(shape, steps: float = 100.5) -> nir.IF:
    ones = np.ones(shape)
    return nir.IF(r=ones / DT_S, v_threshold=ones * steps * Q, v_reset=ones * 0)


def _conv(c_out: int, c_in: int, k: int, padding: int, seed: int) -> nir.Conv2d:
    weight = _weights(c_out, c_in * k * k, seed).reshape(c_out, c_in, k, k)
    return nir.Conv2d(None, weight, 1, padding, 1, 1, np.zeros(c_out))


def _neuron(cls: type, n: int) -> nir.NIRNode:
    ones = np.ones(n)
    v_th = ones * 60.5 * Q
    if cls is nir.IF:
        return _if(n, 60.5)
    if cls is nir.LIF:
        return nir.LIF(tau=ones * 2 * DT_S, r=ones, v_leak=ones * 0, v_threshold=v_th,
                       v_reset=ones * 0)
    if cls is nir.CubaLIF:
        return nir.CubaLIF(tau_syn=ones * 2 * DT_S, tau_mem=ones * 2 * DT_S, r=ones,
                           v_leak=ones * 0, v_threshold=v_th / 2, v_reset=ones * 0, w_in=ones)
    if cls is nir.I:
        return nir.I(r=ones / DT_S)
    if cls is nir.LI:
        return nir.LI(tau=ones * 2 * DT_S, r=ones, v_leak=ones * 0)
    return nir.CubaLI(tau_syn=ones * 2 * DT_S, tau_mem=ones * 2 * DT_S, r=ones,
                      v_leak=ones * 0, w_in=ones)


def tiny_graph(cls: type) -> tuple[nir.NIRGraph, tuple[int, ...]]:
    """A small graph containing one node of type ``cls`` named ``x`` (when ``cls`` is Input or
    Output, the graph's own), ending in spikes (non-spiking neurons: as the readout), and its
    per-sample input shape."""
    kind = caps.KINDS[cls]
    if cls in (nir.Affine, nir.Linear, nir.Input, nir.Output):
        w = _weights(3, 4, 1)
        x = nir.Linear(w) if cls is nir.Linear else nir.Affine(w, np.zeros(3))
        nodes, chain, shape = {"x": x, "n": _if(3)}, ["x", "n"], (4,)
    elif cls is nir.Conv2d:
        nodes = {"x": _conv(3, 2, 3, 1, 2), "n": _if((3, 4, 4), 300.5)}
        chain, shape = ["x", "n"], (2, 4, 4)
    elif cls is nir.Conv1d:
        x = nir.Conv1d(None, _weights(3, 6, 3).reshape(3, 2, 3), 1, 1, 1, 1, np.zeros(3))
        nodes, chain, shape = {"x": x, "n": _if((3, 6), 150.5)}, ["x", "n"], (2, 6)
    elif kind.category == caps.POOL:
        two = np.array([2, 2])
        nodes = {"pre": _conv(2, 2, 1, 0, 4), "pn": _if((2, 4, 4), 60.5),
                 "x": cls(two, two, two * 0),
                 "flat": nir.Flatten({"input": np.array([2, 2, 2])}, 0),
                 "fc": nir.Affine(_weights(3, 8, 5), np.zeros(3)),
                 "n": _if(3, 200.5 if cls is nir.SumPool2d else 60.125)}
        chain, shape = list(nodes), (2, 4, 4)
    elif cls is nir.Flatten:
        nodes = {"x": nir.Flatten({"input": np.array([2, 2, 2])}, 0),
                 "fc": nir.Affine(_weights(3, 8, 6), np.zeros(3)), "n": _if(3, 150.5)}
        chain, shape = list(nodes), (2, 2, 2)
    elif kind.category == caps.NEURON:
        nodes, chain, shape = {"fc": nir.Affine(_weights(3, 4, 7), np.zeros(3)),
                               "x": _neuron(cls, 3)}, ["fc", "x"], (4,)
    else:  # Scale, Threshold, Delay, subgraphs: between two layers
        if cls is nir.Scale:
            x = nir.Scale(np.full(1, 0.5))
        elif cls is nir.Threshold:
            x = nir.Threshold(np.full(3, 60.5 * Q))
        elif cls is nir.Delay:
            x = nir.Delay(np.full(3, 2 * DT_S))
        else:
            x = nir.NIRGraph(nodes={"i": nir.Input(np.array([3])), "o": nir.Output(np.array([3]))},
                             edges=[("i", "o")])
        nodes = {"fc1": nir.Affine(_weights(3, 4, 8), np.zeros(3)), "pn": _if(3, 60.5), "x": x,
                 "fc2": nir.Affine(_weights(3, 3, 9), np.zeros(3)), "n": _if(3, 80.5)}
        if cls is nir.Threshold:  # it makes the spikes itself
            del nodes["pn"]
        chain, shape = list(nodes), (4,)
    names = ["input", *chain, "output"]
    all_nodes = {"input": nir.Input(np.array(shape)), **nodes, "output": nir.Output(np.array([3]))}
    edges = list(zip(names[:-1], names[1:]))
    if cls is not nir.NIRGraph:  # (no schedule has nested graphs)
        draft = nir.NIRGraph(nodes=all_nodes, edges=edges, type_check=False)
        all_nodes["output"] = nir.Output(np.array(shape_problems(draft, schedule(draft))[0][
            chain[-1]]))
    graph = nir.NIRGraph(nodes=all_nodes, edges=edges, metadata={DT: DT_S}, type_check=False)
    return graph, shape


def _inputs(shape: tuple[int, ...]) -> np.ndarray:
    return (np.random.default_rng(0).random((T, BATCH, *shape)) < 0.5).astype(np.float64)


def test_the_table_lists_every_nir_node_class():
    assert set(caps.KINDS) == set(NODE_CLASSES)
    assert {t for k in caps.TABLE for t in k.targets} <= set(caps.TARGETS) == set(TARGETS)


def _backend(target: str):
    name, config = TARGETS[target]
    if name == "lava" and not HAS_LAVA:
        pytest.skip("lava-nc is not installed")
    return create_backend(name), config


def _cases(lava: bool):
    return [pytest.param(cls, target, id=f"{cls.__name__}-{target}")
            for cls in NODE_CLASSES for target in TARGETS if (target == "lava") == lava]


def _check_or_run(cls: type, target: str) -> None:
    graph, shape = tiny_graph(cls)
    backend, config = _backend(target)
    issues = backend.check(graph, config)
    name = "input" if cls is nir.Input else "output" if cls is nir.Output else "x"
    if target not in caps.KINDS[cls].targets:
        assert any(i.node == name and cls.__name__ in i.message for i in issues), issues
        return
    assert issues == [], issues
    x = _inputs(shape)
    reference = create_backend("reference")
    reference.compile(graph, RunConfig(dtype="float64"))
    expected = reference.run(x).output
    backend.compile(graph, config)
    got = backend.run(x).output
    assert got.shape == expected.shape
    spiking = not (caps.KINDS[cls].category == caps.NEURON and not caps.KINDS[cls].spiking)
    if spiking:
        assert 0 < expected.sum() < expected.size, "the output never or always spikes: vacuous"
    _assert_agree(target, got, expected, spiking, f"{cls.__name__} on {target}")


def _assert_agree(target: str, got: np.ndarray, expected: np.ndarray, spiking: bool,
                  what: str) -> None:
    """Float targets: spikes equal, readouts within their float tolerance. Fixed point rounds
    decays (and, in loihi mode, weights to Lava's grid), which moves a membrane by up to a few
    integer steps: spikes agree on FIXED_SPIKES of the entries, readouts within FIXED_READOUT
    of their range (an identity in place of the node, a dropped delay or scale, misses both)."""
    if not target.startswith("fixed"):
        if spiking:
            np.testing.assert_array_equal(got, expected, err_msg=what)
        else:
            tol = TOL["onnx_float32"] if target == "onnx" else TOL["float64_same_order"]
            np.testing.assert_allclose(got, expected, **tol, err_msg=what)
    elif spiking:
        assert np.mean(got == expected) >= FIXED_SPIKES, what
    else:
        span = float(np.abs(expected).max())
        np.testing.assert_allclose(got, expected, rtol=0, atol=FIXED_READOUT * span, err_msg=what)


@pytest.mark.parametrize("cls, target", _cases(lava=False))
def test_every_node_runs_like_the_reference_or_is_refused_by_name(cls, target):
    torch.set_num_threads(1)
    _check_or_run(cls, target)


@pytest.mark.lava
@pytest.mark.parametrize("cls, target", _cases(lava=True))
def test_every_node_runs_on_lava_like_the_reference_or_is_refused_by_name(cls, target):
    _check_or_run(cls, target)


def test_backends_nodes_prints_the_table():
    from click.testing import CliRunner

    from snn2hw.cli import main

    result = CliRunner().invoke(main, ["backends", "--nodes", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["node"]: row for row in json.loads(result.output)["nodes"]}
    assert set(rows) == {c.__name__ for c in NODE_CLASSES}
    assert rows["Delay"]["reference"] == "yes" and rows["Delay"]["onnx"] == "no"
    assert rows["LIF"]["lava"] == caps.KINDS[nir.LIF].targets["lava"]
    text = CliRunner().invoke(main, ["backends", "--nodes"]).output
    assert "if (1)" in text and "(1) " in text and "graphs on onnx: acyclic" in text
