"""NIR graphs built by hand for the ONNX backend's tests: every node type and form the export
supports (Affine, Linear, Conv2d, Avg/SumPool2d, Flatten, Scale, Threshold, IF, LIF, LI,
fan-in residuals, IMP initial potentials, subtractive reset)."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.ir.metadata import DT, READOUT, RESET, V_INIT, T

DT_VALUE = 1e-3


def _meta() -> dict:
    return {DT: DT_VALUE, T: 4, READOUT: "last"}


def if_node(shape, rng, v_init: bool = True, **meta) -> nir.IF:
    if v_init:
        meta[V_INIT] = rng.uniform(0, 0.3, shape)
    return nir.IF(r=np.full(shape, 1 / DT_VALUE), v_threshold=rng.uniform(0.4, 0.6, shape),
                  v_reset=np.zeros(shape), metadata=meta)


def lif_node(shape, rng, v_init: bool = True) -> nir.LIF:
    """SpikingJelly-style LIF (tau in steps, decay_input) with per-neuron tau."""
    tau = rng.uniform(1.5, 3.0, shape)
    meta = {V_INIT: rng.uniform(-0.2, 0.2, shape)} if v_init else {}
    return nir.LIF(tau=tau * DT_VALUE, r=np.ones(shape), v_leak=np.full(shape, 0.1),
                   v_threshold=np.full(shape, 0.5), v_reset=np.full(shape, 0.1), metadata=meta)


def _conv(rng, c_in, c_out, size, **kw) -> nir.Conv2d:
    return nir.Conv2d(input_shape=(size, size), weight=rng.normal(0, 0.6, (c_out, c_in, 3, 3)),
                      stride=kw.get("stride", 1), padding=kw.get("padding", 1), dilation=1,
                      groups=1, bias=rng.normal(0, 0.1, c_out))


def conv_net(seed: int = 0) -> nir.NIRGraph:
    """Conv -> LIF -> SumPool -> Conv('same') -> IF -> AvgPool(pad) -> Flatten -> Affine."""
    rng = np.random.default_rng(seed)
    nodes = {
        "input": nir.Input(np.array([2, 8, 8])),
        "conv1": _conv(rng, 2, 4, 8),
        "lif1": lif_node((4, 8, 8), rng),
        "pool1": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                               padding=np.array([0, 0])),
        "conv2": _conv(rng, 4, 6, 4, padding="same"),
        "if2": if_node((6, 4, 4), rng),
        "pool2": nir.AvgPool2d(kernel_size=np.array([3, 3]), stride=np.array([2, 2]),
                               padding=np.array([1, 1])),
        "flat": nir.Flatten(input_type={"input": np.array([6, 2, 2])}, start_dim=0, end_dim=-1),
        "fc": nir.Affine(weight=rng.normal(0, 0.5, (5, 24)), bias=rng.normal(0, 0.1, 5)),
        "output": nir.Output(np.array([5])),
    }
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])), metadata=_meta())


def residual_net(seed: int = 0, reset: str = "hard") -> nir.NIRGraph:
    """SEW-style fan-in: a = IF(A x); b = IF(B a); c = IF(C (a + b) + D x) -> Scale ->
    Threshold and LI readout summed into the Output."""
    rng = np.random.default_rng(seed)
    nodes = {
        "input": nir.Input(np.array([6])),
        "fa": nir.Affine(weight=rng.normal(0, 0.5, (8, 6)), bias=rng.normal(0, 0.1, 8)),
        "a": if_node(8, rng, **{RESET: reset}),
        "fb": nir.Linear(weight=rng.normal(0, 0.6, (8, 8))),
        "b": if_node(8, rng, v_init=False, **{RESET: reset}),
        "fc": nir.Affine(weight=rng.normal(0, 0.5, (8, 8)), bias=np.zeros(8)),
        "fd": nir.Linear(weight=rng.normal(0, 0.5, (8, 6))),
        "c": if_node(8, rng, **{RESET: reset}),
        "scale": nir.Scale(scale=rng.uniform(0.5, 1.5, 8)),
        "thr": nir.Threshold(threshold=np.full(8, 0.7)),
        "readout": nir.LI(tau=np.full(8, 4 * DT_VALUE), r=np.ones(8), v_leak=np.zeros(8)),
        "output": nir.Output(np.array([8])),
    }
    edges = [("input", "fa"), ("fa", "a"), ("a", "fb"), ("fb", "b"), ("a", "fc"), ("b", "fc"),
             ("fc", "c"), ("input", "fd"), ("fd", "c"), ("c", "scale"), ("scale", "thr"),
             ("thr", "output"), ("c", "readout"), ("readout", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=_meta())


def with_node(graph: nir.NIRGraph, name: str, node: nir.NIRNode, after: str) -> nir.NIRGraph:
    """``graph`` with ``node`` inserted on the edges leaving ``after``."""
    edges = [(name, d) if s == after else (s, d) for s, d in graph.edges] + [(after, name)]
    return nir.NIRGraph(nodes={**graph.nodes, name: node}, edges=edges,
                        metadata=dict(graph.metadata), type_check=False)
