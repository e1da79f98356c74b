"""SynOps and energy per layer and in total, with the conventions of the SNN literature.

SOPs(l) = T x (firing rate of layer l's input) x MACs(l) for spike-driven layers; layers fed
by real values (the static-image stem) cost MACs. E = E_MAC x MACs + E_AC x SOPs (+ E_neuron x
neuron updates on chip models). Options cover where published tables disagree:
- ``first_layer``: ``once`` (the stem runs once on a static image, as the paper's code; the
  default) or ``per-step`` (T times, as syops/Spikformer count);
- ``nonbinary``: ``ac`` (a SEW ADD value 2 counts two accumulates; the rate x FLOPs convention,
  the default) or ``mac`` (non-binary inputs are dense MACs, as syops counts them);
- ``count``: ``rate`` (T x rate x dense MACs, the papers' formula) or ``effective`` (each input
  spike times the synapses it really drives: zero input -> 0, conv borders drive fewer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from snn2hw.errors import BadInputError
from snn2hw.hw.energy_models import EnergyModel

from .layers import LayerCost
from .rates import LayerActivity

PJ_PER_MJ = 1e9


@dataclass(frozen=True)
class EnergyOptions:
    T: int
    static_input: bool = True
    first_layer: str = "once"
    nonbinary: str = "ac"
    count: str = "rate"

    def __post_init__(self) -> None:
        for option, value, allowed in (("first_layer", self.first_layer, ("once", "per-step")),
                                       ("nonbinary", self.nonbinary, ("ac", "mac")),
                                       ("count", self.count, ("rate", "effective"))):
            if value not in allowed:
                raise BadInputError(f"{option} must be one of {allowed}, got {value!r}")


@dataclass
class LayerEnergy:
    """One weighted layer per sample; energy includes the updates of the neurons it drives."""

    name: str
    kind: str
    params: int
    dense_macs: int  # per step
    neurons: int  # neurons this layer drives
    fan_out: float  # mean synapses per input element (dense)
    input_rate: float | None  # None: real-valued input
    macs: float  # per sample, all steps
    sops: float  # per sample, all steps
    neuron_updates: float  # per sample, all steps
    energy_mj: float  # the sum of the three parts below
    mac_energy_mj: float = 0.0  # of its MACs
    ac_energy_mj: float = 0.0  # of its accumulates (SOPs)
    neuron_energy_mj: float = 0.0  # of the updates of the neurons it drives


@dataclass
class EnergyReport:
    hw: str
    source: str
    rates: str  # "measured", "profile", "upper bound (rate 1)"
    options: EnergyOptions
    layers: list[LayerEnergy] = field(default_factory=list)
    neurons: int = 0
    params: int = 0
    imp_params: int = 0
    neuron_updates: float = 0.0  # every neuron of the graph, every step
    total_macs: float = 0.0
    total_sops: float = 0.0
    energy_mj: float = 0.0


def layer_energy(cost: LayerCost, rate: float | None, activity: LayerActivity | None,
                 opts: EnergyOptions, hw: EnergyModel) -> LayerEnergy:
    """One layer's MACs, SOPs and energy per sample."""
    macs = sops = 0.0
    if cost.driven_by == "real":
        repeats = 1 if (opts.first_layer == "once" and opts.static_input) else opts.T
        macs, rate = float(cost.macs * repeats), None
    elif opts.nonbinary == "mac" and activity is not None and not activity.binary:
        macs = float(cost.macs * opts.T)
    elif opts.count == "effective" and activity is not None:
        sops = activity.effective_ops
    else:
        sops = opts.T * (rate or 0.0) * cost.macs  # rate is None only for real inputs
    updates = float(cost.neurons * opts.T)
    parts = (hw.e_mac_pj * macs / PJ_PER_MJ, hw.e_ac_pj * sops / PJ_PER_MJ,
             hw.e_neuron_pj * updates / PJ_PER_MJ)
    return LayerEnergy(cost.name, cost.kind, cost.params, cost.macs, cost.neurons, cost.fan_out,
                       rate, macs, sops, updates, sum(parts), *parts)


def build_report(costs: list[LayerCost], rates: dict[str, float],
                 activity: dict[str, LayerActivity], opts: EnergyOptions, hw: EnergyModel,
                 neurons: int, rates_kind: str) -> EnergyReport:
    """Per-layer figures and totals; ``rates`` gives every spike-driven layer's input rate."""
    report = EnergyReport(hw=hw.name, source=hw.source, rates=rates_kind, options=opts,
                          neurons=neurons)
    for cost in costs:
        rate = rates.get(cost.name, 1.0)
        report.layers.append(layer_energy(cost, rate, activity.get(cost.name), opts, hw))
    report.params = sum(c.params for c in costs)
    report.total_macs = sum(layer.macs for layer in report.layers)
    report.total_sops = sum(layer.sops for layer in report.layers)
    report.neuron_updates = float(neurons * opts.T)
    unattributed = report.neuron_updates - sum(layer.neuron_updates for layer in report.layers)
    report.energy_mj = (sum(layer.energy_mj for layer in report.layers)
                        + hw.e_neuron_pj * unattributed / PJ_PER_MJ)
    return report
