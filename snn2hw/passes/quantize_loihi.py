"""Quantise a float NIR graph to Loihi 2's number formats (pure function, no Lava needed).

``quantize_loihi(graph)`` first splits sums of inputs of different scales into one synapse per
source (:func:`snn2hw.passes.loihi_fanin.split_fanin`) and folds the graph into Lava's LIF form
(:func:`snn2hw.passes.fold_loihi.fold_loihi`), then turns every value into the integers Lava's
bit-accurate models use (formats: :mod:`snn2hw.hw.loihi`). Every tensor has a *scale*: its integer
value is its float value times the scale. Spikes have scale 1, the graph input ``input_scale``.

Per neuron population N (one scale ``S`` per population, the *layer scale*):

- ``S = w_max * S_in / max|W|`` for the weighted node feeding N, so its
  largest weight uses the whole 8-bit mantissa (``w_max`` = 255, or 254 for mixed-sign layers,
  whose weights lie on an even grid because Lava drops their lowest bit at 8 bits), lowered if
  the threshold mantissa would not fit 17 bits or the largest bias 13 bits with exponent 7
  (BN-folded stems can have biases of several times their largest weight). ``scale=`` fixes S
  for every population instead (the NIR paper used 256); weights that then exceed the mantissa
  get a weight exponent. A population fed by several weighted nodes takes the largest of their
  full-mantissa scales (at most 2^7 times the smallest, then the caps above): each synapse keeps
  at least 7 significant bits, the others storing ``mantissa << exponent``.
- weights ``W_int = round(W * S / S_in)`` = ``mant << weight_exp``; Conv ignores ``weight_exp`` in
  Lava, so for Conv nodes the exponent is folded into the stored weights (``weight_exp`` = 0);
- ``vth = round(vth_float * S)`` (Lava compares ``v > vth << 6``), ``du = 4095`` (the current is
  cleared each step: NIR IF/LIF have no synaptic current), ``dv = round(dv_float * 4096)``;
- membrane values are in units of ``1 / (64 S)``: ``bias = round(bias * 64 S) = bias_mant <<
  bias_exp`` (13-bit mantissa, smallest exponent that fits), ``v_init = round(v0 * 64 S)``.

Weighted nodes that feed no neuron (the classifier readout, or a layer feeding a pool) take
``S_out = w_max * S_in / max|W|``; a readout's float output is ``a_out / S_out + bias``.

Pools (depthwise Conv2d after folding, all weights of one magnitude ``c``) are exact sums: a
larger scale adds no precision, only magnitude. A pool that feeds no neuron therefore takes unit
weights, ``S_out = S_in / c`` (2 instead of 1 for mixed signs): pooled spikes stay small integers
(0..area), and the next layer's scale is that of a spike-fed layer. With a 255 weight instead, the
next layer's scale grew 255-fold: its input current wrapped Loihi's 24 bits and its biases
overflowed the 13-bit mantissa. A pool feeding a neuron takes unit weights too when its input is
a convolution's output (already finely scaled); a pool of spikes or of the graph input feeding a
neuron uses the full mantissa, which sets that population's threshold and bias resolution.
Weights are stored as integer-valued float arrays in the NIR nodes; the Loihi parameters are the
``snn2hw.loihi`` metadata of each node (``scale_in``, ``scale_out``, ``weight_exp`` on weighted
nodes; ``du``, ``dv``, ``vth``, ``bias_mant``, ``bias_exp``, ``v_init``, ``scale`` on neurons).
"""

from __future__ import annotations

import nir
import numpy as np

from snn2hw.hw.loihi import LOIHI as FMT
from snn2hw.hw.loihi import LoihiFormat

from .fold_loihi import INPUT_SCALE, LOIHI, PRECISION, fold_loihi
from .loihi_fanin import split_fanin
from .loihi_graph import NEURONS, SYNAPSES, topology
from .quant_events import QUANT_EVENTS, parameter_events, weight_events


def quantize_loihi(
    graph: nir.NIRGraph, dt: float | None = None, scale: float | None = None,
    input_scale: float = 1.0, fmt: LoihiFormat = FMT,
) -> nir.NIRGraph:
    """A copy of ``graph`` with Loihi integer weights and neuron parameters (module docstring)."""
    folded = fold_loihi(split_fanin(graph)[0], dt)
    topo, nodes = topology(folded), folded.nodes
    scales, coarse = {topo.input_name: float(input_scale)}, {topo.input_name}
    problems: list[str] = []  # every node that does not fit, reported at once
    for name in topo.order[1:]:
        node, pred = nodes[name], topo.preds[name]
        try:
            if isinstance(node, NEURONS):
                _quantize_population(nodes, topo, name, (scales, coarse), scale, fmt)
            elif isinstance(node, SYNAPSES) and not _feeds_neuron(nodes, topo.succs[name]):
                s_in = _input_scale(name, pred, scales)
                scales[name] = s_in * _mantissa(node, fmt, _uniform(node.weight))
                _set_weights(node, s_in, scales[name], fmt)
            elif not isinstance(node, SYNAPSES):
                scales[name] = _input_scale(name, pred, scales)
        except ValueError as exc:
            problems.append(f"node '{name}': {exc}")
        scales.setdefault(name, 1.0)  # spikes; a failed node's scale only keeps the walk going
        uniform = not isinstance(node, SYNAPSES) or _uniform(node.weight)
        if isinstance(node, NEURONS) or (uniform and set(pred) <= coarse):
            coarse.add(name)
    if problems:
        raise ValueError("; ".join(problems))
    meta = {**folded.metadata, PRECISION: "fixed", INPUT_SCALE: float(input_scale)}
    return nir.NIRGraph(nodes=nodes, edges=folded.edges, metadata=meta, type_check=False)


def _feeds_neuron(nodes: dict, succs: list[str]) -> bool:
    return any(isinstance(nodes[s], NEURONS) for s in succs)


def _input_scale(name: str, preds: list[str], scales: dict[str, float]) -> float:
    values = {scales[p] for p in preds}
    if len(values) != 1:
        raise ValueError(f"inputs of different scales {sorted(values)} are summed")
    return values.pop()


def _max_abs(weight) -> float:
    return float(np.max(np.abs(weight))) if np.size(weight) else 0.0


def _mixed(weight) -> bool:
    return bool(np.any(np.asarray(weight) > 0) and np.any(np.asarray(weight) < 0))


def _uniform(weight) -> bool:
    """Whether every non-zero weight has one magnitude (a pool, or a sum)."""
    magnitudes = np.abs(np.asarray(weight))
    magnitudes = magnitudes[magnitudes > 0]
    return magnitudes.size == 0 or bool(np.all(magnitudes == magnitudes.max()))


def _mantissa(node, fmt: LoihiFormat, unit: bool) -> float:
    """``S_out / S_in`` that makes the largest weight the full 8-bit mantissa, or with ``unit``
    the smallest grid step (1, or 2 for mixed signs): integer weights of magnitude 1 or 2."""
    mixed = _mixed(node.weight)
    target = fmt.weight_step(mixed) if unit else fmt.weight_max(mixed)
    return target / max(_max_abs(node.weight), 1e-30)


def _unit_scaled(nodes: dict, topo, name: str, coarse: set[str]) -> bool:
    """Whether weighted node ``name`` feeding a population takes unit weights: a pool (uniform
    weights) of values that already carry a fine scale (a convolution's output). A pool of
    *coarse* values (spikes, the graph input, unit-weight pools of them) takes the full mantissa
    instead, which sets the population's threshold and bias resolution."""
    return _uniform(nodes[name].weight) and not set(topo.preds[name]) <= coarse


def _quantize_population(nodes, topo, name, known, fixed_scale, fmt: LoihiFormat) -> None:
    """Choose the population's scale, then quantise its incoming weights and its parameters
    (``known``: the scales so far and the names of the coarse values, see ``_unit_scaled``)."""
    (scales, coarse), synapses = known, topo.preds[name]
    params = nodes[name].metadata[LOIHI]
    s_in = {e: _input_scale(e, topo.preds[e], scales) for e in synapses}
    if fixed_scale is None:
        full = [s_in[e] * _mantissa(nodes[e], fmt, _unit_scaled(nodes, topo, e, coarse))
                for e in synapses]
        bias = _max_abs(params["bias_mant"])
        limits = [fmt.bias_max / (fmt.v_unit * bias)] if bias > 0 else []
        limits += [max(full), min(full) * 2**fmt.weight_exp_max, fmt.vth_max / params["vth"]]
        scale = min(limits)
    else:
        scale = float(fixed_scale)
    for e in synapses:
        try:
            _set_weights(nodes[e], s_in[e], scale, fmt)
        except ValueError as exc:
            raise ValueError(f"its synapse '{e}': {exc}") from None
    nodes[name].metadata[LOIHI] = _neuron_params(params, scale, fmt)
    nodes[name].metadata[QUANT_EVENTS] = nodes[name].metadata[LOIHI].pop("events")


def _set_weights(node, s_in: float, s_out: float, fmt: LoihiFormat) -> None:
    """Integer weights at ``s_out / s_in``: mantissa on the 8-bit grid, exponent if needed."""
    weight = np.asarray(node.weight, dtype=np.float64) * (s_out / s_in)
    mixed, step = _mixed(weight), fmt.weight_step(_mixed(weight))
    exp = 0
    while np.max(np.abs(weight), initial=0.0) / 2**exp > fmt.weight_max(mixed) + step / 2:
        exp += 1
    if exp > fmt.weight_exp_max:
        raise ValueError(f"weights need a weight exponent {exp} > {fmt.weight_exp_max}")
    mant = np.clip(step * np.rint(weight / (2**exp * step)), -fmt.weight_max(mixed) - step,
                   fmt.weight_max(mixed))
    conv = isinstance(node, nir.Conv2d)
    node.weight = mant * 2**exp if conv else mant
    node.metadata[LOIHI] = {"scale_in": s_in, "scale_out": s_out, "weight_exp": 0 if conv else exp}
    node.metadata[QUANT_EVENTS] = weight_events(weight, mant * 2**exp, step * 2**exp)


def _neuron_params(params: dict, scale: float, fmt: LoihiFormat) -> dict:
    """Integer du, dv, vth, bias and initial v of a population at layer scale ``scale``."""
    unit = scale * fmt.v_unit
    bias = np.rint(np.asarray(params["bias_mant"]) * unit)
    bias_exp = 0
    while np.max(np.abs(bias), initial=0.0) / 2**bias_exp > fmt.bias_mant_max:
        bias_exp += 1
    if bias_exp > fmt.bias_exp_max:
        raise ValueError(f"bias {np.max(np.abs(bias))} exceeds the 13-bit mantissa and exponent")
    v0_exact = np.rint(np.asarray(params["v_init"]) * unit)
    v0 = np.clip(v0_exact, -fmt.state_max, fmt.state_max)
    vth = int(np.clip(round(params["vth"] * scale), 0, fmt.vth_max))
    events = parameter_events(params["vth"], vth, {"v_init": (v0_exact, v0),
                                                   "threshold": (params["vth"] * scale, vth)})
    return {
        "du": fmt.du_clear,
        "dv": int(np.clip(round(params["dv"] * fmt.decay_unity), 0, fmt.du_clear)),
        "vth": vth, "events": events,
        "bias_mant": np.rint(bias / 2**bias_exp), "bias_exp": bias_exp,
        "v_init": v0, "scale": scale,
    }
