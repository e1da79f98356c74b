"""Running a source model and its NIR graph side by side, layer by layer, and saying why any
spike differs.

Each neuron layer of the source model (snn2hw's, SpikingJelly's or the paper's classes) is
matched to its graph node by the module path. For every spike that differs, the membrane
potential the source neuron had just before firing gives its margin ``|v - v_th|``:

- a **cascade**: an earlier step or an earlier layer of the same sample already differed, so
  this neuron's input differs too;
- **rounding**: the first difference of its sample, and the potential sat within float
  rounding of the threshold (``margin <= ROUNDING_ULPS * eps * (|v_th| + |v|)``);
- a **mapping error**: the first difference, far from the threshold: the graph computes
  something else.

The graph runs on the reference backend. Float32 differences are expected (export folds batch
norms into the weights, in float64 then stored in the model's dtype, which moves a potential by
about one float32 rounding step); float64 should agree exactly.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import nir
import numpy as np
import torch
from torch import nn

from snn2hw import registry
from snn2hw.errors import BadInputError
from snn2hw.frontends import neuron_match
from snn2hw.frontends.spikingjelly import is_foreign, network_step_mode
from snn2hw.ir import metadata
from snn2hw.nn.neurons import BaseNode

ROUNDING_ULPS = 1024
"""How many units of the dtype's precision (times the potential's scale) still count as
rounding: BN folding and a different summation order move a potential by a few ulps per layer,
and a deep network adds them up."""


@dataclass
class LayerAgreement:
    """One neuron layer: its spikes in the source model and how many differ in the graph."""

    layer: str  # module path in the source model
    node: str  # NIR node name
    entries: int  # spike entries compared (T x samples x neurons)
    differing: int
    first_step: int | None  # earliest step with a difference
    rounding: int
    cascade: int
    mapping_error: int
    worst_margin: float | None  # the largest margin among first differences


@dataclass
class Agreement:
    """The comparison in one dtype."""

    dtype: str
    layers: list[LayerAgreement] = field(default_factory=list)
    max_output_difference: float = 0.0
    first_divergence: str = ""  # "layer <path> step <t> sample <b> margin <m>", or ""

    @property
    def verdict(self) -> str:
        if any(layer.mapping_error for layer in self.layers):
            return "MAPPING ERROR"
        if any(layer.differing for layer in self.layers):
            return "agrees up to float rounding"
        return "identical spikes"


def verify(model: nn.Module, graph: nir.NIRGraph, x: np.ndarray, static_input: bool,
           dtypes: tuple[torch.dtype, ...] = (torch.float32, torch.float64)) -> list[Agreement]:
    """Run ``model`` and ``graph`` on ``x`` (``[B, ...]`` for a static model, else
    ``[T, B, ...]``) in each dtype and compare every neuron layer."""
    simulate = registry.tool("reference.simulate")  # the golden model

    T = x.shape[0] if not static_input else int(metadata.graph_value(graph, metadata.T, 1))
    seq = np.ascontiguousarray(np.broadcast_to(x, (T, *x.shape)) if static_input else x)
    results = []
    for dtype in dtypes:
        ours = copy.deepcopy(model).to(dtype).eval()
        source = torch.as_tensor(x, dtype=dtype)
        out, layers = _run_source(ours, source)
        run = simulate(graph, seq, dtype=dtype, record=True, potentials=False)
        results.append(_compare(str(dtype).removeprefix("torch."), layers, run, out, graph))
    return results


@dataclass
class _Layer:
    path: str
    module: nn.Module
    inputs: list = field(default_factory=list)
    spikes: list = field(default_factory=list)


def _run_source(model: nn.Module, x: torch.Tensor) -> tuple[np.ndarray, list[_Layer]]:
    """The model's output and, per neuron layer in call order, its inputs and spikes."""
    layers: dict[str, _Layer] = {}

    def hook(path):
        def record(module, args, out):
            entry = layers.setdefault(path, _Layer(path, module))
            entry.inputs.append(args[0].detach())
            entry.spikes.append(out.detach())
        return record

    handles = [m.register_forward_hook(hook(p)) for p, m in model.named_modules()
               if isinstance(m, BaseNode) or neuron_match.is_neuron(m)]
    single = is_foreign(model) and network_step_mode(model) == "s"
    neuron_match.reset_states(model)
    try:
        with torch.no_grad():
            out = torch.stack([model(xt) for xt in x]) if single else model(x)
    except Exception as exc:  # the user's model may raise anything on a wrong input
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BadInputError(f"the source model does not run on an input of shape "
                            f"{tuple(x.shape)} ({first})") from exc
    finally:
        for handle in handles:
            handle.remove()
    return out.numpy(), list(layers.values())


def _sequence(values: list[torch.Tensor], module: nn.Module) -> torch.Tensor:
    """``[T, B, ...]`` from the hook's records (one per step for a single-step neuron)."""
    stepped = not isinstance(module, BaseNode) and neuron_match.step_mode(module) == "s"
    return torch.stack(values) if stepped else values[0]


def _charged(layer: _Layer, x_seq: torch.Tensor) -> torch.Tensor:
    """The potential before firing at every step, from the layer's recorded inputs."""
    neuron = layer.module
    if not isinstance(neuron, BaseNode):  # a foreign neuron: its behaviour-checked twin
        neuron = neuron_match.to_snn2hw(neuron, tuple(x_seq.shape[2:]), layer.path)
    neuron = copy.deepcopy(neuron).to(x_seq.dtype)
    v, charged = neuron.start(x_seq[0]), []
    with torch.no_grad():
        for x in x_seq:
            charged.append(neuron.charge(v, x))
            _, v = neuron.step(v, x)
    return torch.stack(charged)


def _compare(dtype: str, layers: list[_Layer], run, out: np.ndarray,
             graph: nir.NIRGraph) -> Agreement:
    agreement = Agreement(dtype=dtype)
    # (step, layer index, sample) of every difference, for the cascade rule
    flips: list[tuple[int, int, int]] = []
    per_layer = []
    for index, layer in enumerate(layers):
        node = _node_name(layer.path)
        if node not in run.records:
            raise BadInputError(f"the graph has no node '{node}' for the source neuron layer "
                                f"'{layer.path}'; was it exported from this model?")
        theirs = _sequence(layer.spikes, layer.module).numpy()
        mine = run.records[node]
        if mine.shape != theirs.shape:
            raise BadInputError(f"node '{node}' has spikes of shape {mine.shape}, the source "
                                f"layer '{layer.path}' {theirs.shape}")
        where = np.argwhere(mine != theirs)
        per_layer.append((layer, node, theirs, where))
        flips.extend((int(w[0]), index, int(w[1])) for w in where)
    first_of_sample: dict[int, tuple[int, int]] = {}
    for step, index, sample in sorted(flips):
        first_of_sample.setdefault(sample, (step, index))
    eps = float(np.finfo(np.dtype(dtype)).eps)
    divergences = []
    for index, (layer, node, theirs, where) in enumerate(per_layer):
        counts = {"rounding": 0, "cascade": 0, "mapping_error": 0}
        worst = None
        if len(where):
            potential = _charged(layer, _sequence(layer.inputs, layer.module)).numpy()
            threshold = float(_threshold(layer.module))
            for w in where:
                step, sample = int(w[0]), int(w[1])
                if first_of_sample[sample] < (step, index):
                    counts["cascade"] += 1
                    continue
                v = float(potential[tuple(w)])
                margin = abs(v - threshold)
                worst = margin if worst is None else max(worst, margin)
                kind = ("rounding" if margin <= ROUNDING_ULPS * eps * (abs(threshold) + abs(v))
                        else "mapping_error")
                counts[kind] += 1
                divergences.append((step, index, sample, layer.path, margin))
        agreement.layers.append(LayerAgreement(
            layer=layer.path, node=node, entries=int(theirs.size), differing=len(where),
            first_step=int(where[:, 0].min()) if len(where) else None, worst_margin=worst,
            **counts))
    if divergences:
        step, _, sample, path, margin = min(divergences)
        agreement.first_divergence = (f"layer {path} step {step} sample {sample} "
                                      f"margin {margin:.3g}")
    if run.output.shape == out.shape:
        agreement.max_output_difference = float(np.max(np.abs(run.output - out)))
    else:
        agreement.max_output_difference = float("inf")
    return agreement


def _threshold(module: nn.Module) -> float:
    return getattr(module, "v_threshold", getattr(module, "v_th", 1.0))


def _node_name(path: str) -> str:
    """The NIR node name torch.fx gives the module at ``path``."""
    name = path.replace(".", "_")
    return "_" + name if name[0].isdigit() else name
