"""Small NIR graphs for the Lava tests (random weights, fixed seeds, dt stored)."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.ir.metadata import DT, V_INIT

DT_S = 1e-3


def _graph(nodes: dict, edges: list) -> nir.NIRGraph:
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={DT: DT_S}, type_check=False)


def lif(shape, tau_steps=4.0, v_th=1.0, v_init=None) -> nir.LIF:
    ones = np.ones(shape)
    meta = {} if v_init is None else {V_INIT: v_init}
    return nir.LIF(tau=ones * tau_steps * DT_S, r=ones, v_leak=ones * 0, v_threshold=ones * v_th,
                   v_reset=ones * 0, metadata=meta)


def if_(shape, v_th=1.0) -> nir.IF:
    ones = np.ones(shape)
    return nir.IF(r=ones / DT_S, v_threshold=ones * v_th, v_reset=ones * 0)


def conv(rng, c_out, c_in, k, stride=1, padding=0, std=0.6) -> nir.Conv2d:
    return nir.Conv2d(input_shape=None, weight=rng.normal(0, std, (c_out, c_in, k, k)),
                      stride=stride, padding=padding, dilation=1, groups=1,
                      bias=rng.normal(0, 0.05, c_out))


def mlp(seed=0, v_init=False) -> nir.NIRGraph:
    """64 -> Affine -> LIF(32) -> Affine(10) readout; per-neuron thresholds, IMP optional."""
    rng = np.random.default_rng(seed)
    v0 = rng.uniform(0, 0.5, 32) if v_init else None
    neuron = lif(32, v_init=v0)
    neuron.v_threshold = rng.uniform(0.5, 1.5, 32)
    nodes = {
        "input": nir.Input(np.array([64])),
        "fc1": nir.Affine(rng.normal(0, 0.8, (32, 64)), rng.normal(0, 0.1, 32)),
        "lif1": neuron,
        "fc2": nir.Affine(rng.normal(0, 0.5, (10, 32)), rng.normal(0, 0.1, 10)),
        "output": nir.Output(np.array([10])),
    }
    return _graph(nodes, [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "output")])


def vgg(seed=1) -> nir.NIRGraph:
    """(1,8,8) conv-IF-sumpool-conv-LIF-avgpool-flatten-affine."""
    rng = np.random.default_rng(seed)
    nodes = {
        "input": nir.Input(np.array([1, 8, 8])),
        "conv1": conv(rng, 4, 1, 3, padding=1, std=0.8), "if1": if_((4, 8, 8)),
        "pool1": nir.SumPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])),
        "conv2": conv(rng, 6, 4, 3, padding=1, std=0.5), "lif2": lif((6, 4, 4), tau_steps=2.0),
        "pool2": nir.AvgPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([6, 2, 2])}, start_dim=0),
        "fc": nir.Affine(rng.normal(0, 0.5, (10, 24)), rng.normal(0, 0.1, 10)),
        "output": nir.Output(np.array([10])),
    }
    chain = list(nodes)
    return _graph(nodes, list(zip(chain[:-1], chain[1:])))


def sew_block(seed=2) -> nir.NIRGraph:
    """Stem, then a SEW basic block with a strided downsample path, summed into one conv."""
    rng = np.random.default_rng(seed)
    nodes = {
        "input": nir.Input(np.array([2, 6, 6])),
        "stem": conv(rng, 4, 2, 3, padding=1), "sn0": if_((4, 6, 6)),
        "conv1": conv(rng, 4, 4, 3, stride=2, padding=1), "sn1": if_((4, 3, 3)),
        "conv2": conv(rng, 4, 4, 3, padding=1), "sn2": if_((4, 3, 3)),
        "down": conv(rng, 4, 4, 1, stride=2), "sn_down": if_((4, 3, 3)),
        "conv3": conv(rng, 3, 4, 3, padding=1), "sn3": lif((3, 3, 3), tau_steps=2.0, v_th=0.5),
        "flat": nir.Flatten(input_type={"input": np.array([3, 3, 3])}, start_dim=0),
        "fc": nir.Affine(rng.normal(0, 0.5, (5, 27)), np.zeros(5)),
        "output": nir.Output(np.array([5])),
    }
    edges = [("input", "stem"), ("stem", "sn0"), ("sn0", "conv1"), ("conv1", "sn1"),
             ("sn1", "conv2"), ("conv2", "sn2"), ("sn0", "down"), ("down", "sn_down"),
             ("sn2", "conv3"), ("sn_down", "conv3"), ("conv3", "sn3"), ("sn3", "flat"),
             ("flat", "fc"), ("fc", "output")]
    return _graph(nodes, edges)


def spikes(rng, steps, batch, shape, rate=0.3) -> np.ndarray:
    return (rng.random((steps, batch, *shape)) < rate).astype(np.float64)
