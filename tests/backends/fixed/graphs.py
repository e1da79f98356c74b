"""Small float NIR graphs for the fixed backend's tests (digits-sized: 8x8 inputs, 10 classes)."""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.ir.metadata import DT, V_INIT


def graph(nodes: dict, edges: list[tuple[str, str]], input_shape, output_shape) -> nir.NIRGraph:
    """``nodes`` plus Input/Output nodes named input and output; dt = 1."""
    all_nodes = {"input": nir.Input(np.array(input_shape)), **nodes,
                 "output": nir.Output(np.array(output_shape))}
    return nir.NIRGraph(nodes=all_nodes, edges=edges, metadata={DT: 1.0})


def chain_edges(names: list[str]) -> list[tuple[str, str]]:
    names = ["input", *names, "output"]
    return list(zip(names[:-1], names[1:]))


def if_node(shape, threshold=1.0, v_init=None, reset="hard") -> nir.IF:
    meta = {} if v_init is None else {V_INIT: np.asarray(v_init, dtype=np.float64)}
    if reset != "hard":
        meta["snn2hw.reset"] = reset
    return nir.IF(r=np.ones(shape), v_threshold=np.full(shape, threshold),
                  v_reset=np.zeros(shape), metadata=meta)


def lif_node(shape, tau=4.0, threshold=1.0, v_init=None) -> nir.LIF:
    meta = {} if v_init is None else {V_INIT: np.asarray(v_init, dtype=np.float64)}
    return nir.LIF(tau=np.full(shape, tau), r=np.ones(shape), v_leak=np.zeros(shape),
                   v_threshold=np.full(shape, threshold), v_reset=np.zeros(shape), metadata=meta)


def conv(rng, c_in, c_out, size, k=3, padding=1, stride=1, scale=0.5) -> nir.Conv2d:
    b = rng.normal(size=c_out) * 0.1
    return nir.Conv2d(input_shape=(size, size), weight=rng.normal(size=(c_out, c_in, k, k)) * scale,
                      stride=stride, padding=padding, dilation=1, groups=1, bias=b)


def mlp(rng, sizes=(64, 32, 10), neuron=if_node, v_init=False) -> nir.NIRGraph:
    """Affine -> neuron -> ... -> Affine (non-spiking readout)."""
    nodes, names = {}, []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        scale = 1.0 / np.sqrt(n_in)
        nodes[f"fc{i}"] = nir.Affine(weight=rng.normal(size=(n_out, n_in)) * scale * 2,
                                     bias=rng.normal(size=n_out) * 0.1)
        names.append(f"fc{i}")
        if i < len(sizes) - 2:
            v0 = rng.uniform(0, 0.5, n_out) if v_init else None
            nodes[f"n{i}"] = neuron(n_out, v_init=v0)
            names.append(f"n{i}")
    return graph(nodes, chain_edges(names), [sizes[0]], [sizes[-1]])


def cnn(rng, channels=4, size=8, pool=nir.SumPool2d, neuron=if_node) -> nir.NIRGraph:
    """conv -> neuron -> pool -> conv -> neuron -> flatten -> affine."""
    half = size // 2
    nodes = {
        "conv0": conv(rng, 1, channels, size), "n0": neuron((channels, size, size)),
        "pool": pool(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                     padding=np.array([0, 0])),
        "conv1": conv(rng, channels, channels, half, scale=0.3),
        "n1": neuron((channels, half, half)),
        "flat": nir.Flatten(input_type={"input": np.array([channels, half, half])}, start_dim=0),
        "fc": nir.Affine(weight=rng.normal(size=(10, channels * half * half)) * 0.2,
                         bias=np.zeros(10)),
    }
    return graph(nodes, chain_edges(list(nodes)), [1, size, size], [10])


def sew_block(rng, channels=4, size=8) -> nir.NIRGraph:
    """conv -> IF (a); a -> conv -> IF -> conv -> IF (b); a + b (SEW ADD, summed into the next
    conv) -> conv -> IF -> flatten -> affine."""
    shape = (channels, size, size)
    nodes = {
        "conv0": conv(rng, 1, channels, size), "n0": if_node(shape),
        "conv1": conv(rng, channels, channels, size, scale=0.3), "n1": if_node(shape),
        "conv2": conv(rng, channels, channels, size, scale=0.3), "n2": if_node(shape),
        "conv3": conv(rng, channels, channels, size, scale=0.3), "n3": if_node(shape),
        "flat": nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0),
        "fc": nir.Affine(weight=rng.normal(size=(10, channels * size * size)) * 0.1,
                         bias=np.zeros(10)),
    }
    edges = chain_edges(list(nodes))
    edges.append(("n0", "conv3"))
    return graph(nodes, edges, [1, size, size], [10])


def digits_like(rng, steps=6, batch=3, shape=(1, 8, 8)) -> np.ndarray:
    """Integer pixel intensities 0..16 repeated over time, [T, B, *shape]."""
    x = rng.integers(0, 17, size=(batch, *shape)).astype(np.float64)
    return np.broadcast_to(x, (steps, *x.shape)).copy()
