"""Recognising other frameworks' spiking neurons as snn2hw neurons, by parameters and behaviour.

Handled: SpikingJelly 2.0's ``IFNode``, ``LIFNode`` and ``ParametricLIFNode`` (hard reset to
``v_reset`` or soft reset for ``v_reset=None``, ``decay_input`` both ways); subclasses of them
that add a learnable initial potential ``init_state`` (the IMP neurons of IMP-SNN /
amazing-cls, optionally through a sigmoid); and the legacy multiplicative LIF of the paper's
48x48 VGG (``mem = tau * mem + x`` with ``tau < 1``, threshold ``v_th``, IMP in ``mem``).

Parameters only suggest a match: every candidate is run next to the original module on a
random probe input of the neuron's own shape, and accepted only when every spike agrees. A
class that carries these parameters but behaves differently is refused, never guessed.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

import torch
from torch import nn

from snn2hw.errors import UnsupportedError
from snn2hw.nn.neurons import BaseNode, IFNode, LIFNode

PROBE_STEPS = 6
PROBE_BATCH = 2


def sj_classes() -> dict[str, type]:
    """SpikingJelly's neuron classes by name, or {} when it is not loaded (then no model holds
    its modules, and snn2hw does not pay for importing it)."""
    neuron = sys.modules.get("spikingjelly.activation_based.neuron")
    if neuron is None:
        return {}
    return {"base": neuron.BaseNode, "IFNode": neuron.IFNode, "LIFNode": neuron.LIFNode,
            "ParametricLIFNode": neuron.ParametricLIFNode}


def is_neuron(module: nn.Module) -> bool:
    """True for modules this file tries to match: SpikingJelly neurons and the legacy LIF."""
    sj = sj_classes()
    return (bool(sj) and isinstance(module, sj["base"])) or _is_legacy(module)


def _is_legacy(module: nn.Module) -> bool:
    tau = getattr(module, "tau", None)
    return (hasattr(module, "v_th") and isinstance(tau, float) and 0 < tau < 1
            and not isinstance(module, BaseNode))


def step_mode(module: nn.Module) -> str:
    """'s' (called once per step on ``[B, ...]``) or 'm' (on ``[T, B, ...]``)."""
    return getattr(module, "step_mode", "m")


def to_snn2hw(module: nn.Module, shape: Sequence[int], path: str) -> BaseNode:
    """The snn2hw neuron that computes the same spikes as ``module`` on inputs of ``shape``
    (one sample, no T or B); refuses naming ``path`` when no candidate behaves the same."""
    where = f"module '{path}' ({type(module).__module__}.{type(module).__name__})"
    check_imp_ready(module, where)
    options = _candidates(module, where)
    for option in options:
        if behaves_alike(module, option, shape):
            return option(module)
    kind = type(options[0](module)).__name__
    raise UnsupportedError(f"{where}: its spikes differ from those of snn2hw's {kind} with the "
                           "same parameters; this neuron model cannot be exported")


Candidate = Callable[[nn.Module], BaseNode]


def _candidates(module: nn.Module, where: str) -> list[Candidate]:
    """Ways to build the snn2hw neuron from ``module`` (tried in order against its behaviour):
    one without IMP, or with the IMP as the start (IMP-SNN's lazy classes) and, for a non-zero
    ``v_reset``, as an offset from it (its eager classes add it to the reset value)."""
    cls, kw = _dynamics(module, where)
    if _imp(module) is None:
        return [lambda m: _build(cls, kw(m), None, False)]
    sigmoid = getattr(module, "sigmoid_init", False) or getattr(module, "init_func", None) \
        is torch.sigmoid
    options = [lambda m: _build(cls, kw(m), _imp(m), sigmoid)]
    if getattr(module, "v_reset", None) and not sigmoid:

        def offset(m: nn.Module) -> BaseNode:  # the IMP added to the (hard) reset value
            v0, args = _imp(m), kw(m)
            return _build(cls, args, None if v0 is None else v0 + args["v_reset"], False)

        options.append(offset)
    return options


def _dynamics(module: nn.Module, where: str) -> tuple[type[BaseNode], Callable[..., dict]]:
    """The snn2hw class and a function giving its keyword arguments from a module."""
    sj = sj_classes()
    if _is_legacy(module):  # mem = tau * mem + x  ==  LIF(decay_input=False, tau = 1/(1-tau))
        return LIFNode, lambda m: dict(tau=1.0 / (1.0 - m.tau), decay_input=False,
                                       v_threshold=float(m.v_th), v_reset=0.0, reset="hard")
    kinds = (sj["IFNode"], sj["LIFNode"], sj["ParametricLIFNode"])
    if not any(type(module) is c or _subclass_with_imp(module, c) for c in kinds):
        raise UnsupportedError(f"{where}: this neuron model has no NIR mapping (supported: "
                               "SpikingJelly IFNode, LIFNode, ParametricLIFNode and their "
                               "IMP variants)")

    def common(m: _SpikingJellyNeuron) -> dict:
        v_reset = m.v_reset  # None: soft reset
        return dict(v_threshold=float(m.v_threshold), detach_reset=bool(m.detach_reset),
                    v_reset=0.0 if v_reset is None else float(v_reset),
                    reset="subtract" if v_reset is None else "hard")

    if isinstance(module, sj["ParametricLIFNode"]):  # SpikingJelly's decay is sigmoid(w)
        return LIFNode, lambda m: common(m) | dict(
            tau=1.0 / torch.sigmoid(m.w.detach().double()).item(),
            decay_input=bool(m.decay_input))
    if isinstance(module, sj["LIFNode"]):
        return LIFNode, lambda m: common(m) | dict(tau=float(m.tau),
                                                   decay_input=bool(m.decay_input))
    return IFNode, common


class _SpikingJellyNeuron(Protocol):
    """What :func:`_dynamics` reads of a SpikingJelly neuron (plain attributes, which torch's
    typing of ``nn.Module`` attributes as tensors or modules does not describe)."""

    v_threshold: float
    v_reset: float | None
    detach_reset: bool


def _subclass_with_imp(module: nn.Module, cls: type) -> bool:
    return isinstance(module, cls) and torch.is_tensor(getattr(module, "init_state", None))


def _imp(module: nn.Module) -> torch.Tensor | None:
    """The learnable initial potential before any sigmoid: ``init_state`` (IMP-SNN,
    amazing-cls) or ``mem`` (the legacy VGG), or None."""
    for name in ("init_state", "mem"):
        value = getattr(module, name, None)
        if torch.is_tensor(value) and not isinstance(value, nn.parameter.UninitializedParameter):
            return value.detach()
    return None


def check_imp_ready(module: nn.Module, where: str) -> None:
    """Refuse a lazy IMP neuron whose initial potential does not exist yet (a forward pass
    would create a random one)."""
    lazy = any(isinstance(getattr(module, n, None), nn.parameter.UninitializedParameter)
               for n in ("init_state", "mem"))
    if lazy or (getattr(module, "have_init", True) is False):
        raise UnsupportedError(f"{where}: its initial potential is created on the first forward "
                               "pass; load the weights (or run one forward pass) first")


def _build(cls: type[BaseNode], kw: dict, v0: torch.Tensor | None, sigmoid: bool) -> BaseNode:
    if v0 is None:
        return cls(**kw).eval()
    v0 = v0.reshape(1, *v0.shape[1:]) if v0.dim() and v0.shape[0] == 1 else v0.unsqueeze(0)
    neuron = cls(**kw, imp_shape=tuple(v0.shape[1:]), imp_sigmoid=sigmoid)
    neuron.init_state = nn.Parameter(v0.clone())  # the original dtype: no extra rounding
    return neuron.eval()


def behaves_alike(module: nn.Module, candidate: Candidate, shape: Sequence[int]) -> bool:
    """Whether ``module`` and the neuron ``candidate`` builds from it fire identically on a
    random probe, both in float64 (so that neither rounds the other's parameters)."""
    module = copy.deepcopy(module).double()
    ours = candidate(module).double()
    gen = torch.Generator().manual_seed(0)
    scale = abs(float(ours.v_threshold)) or 1.0
    x = (torch.rand(PROBE_STEPS, PROBE_BATCH, *shape, generator=gen, dtype=torch.float64)
         * 1.5 - 0.5) * scale
    try:
        theirs = run_neuron(module, x)
    except Exception:  # noqa: BLE001 - any failure of foreign code means "not alike"
        return False
    with torch.no_grad():
        mine = ours(x)
    return theirs.shape == mine.shape and bool(torch.equal(theirs.to(mine.dtype), mine))


def run_neuron(module: nn.Module, x_seq: torch.Tensor) -> torch.Tensor:
    """``module``'s spikes on ``x_seq [T, B, ...]`` from a fresh state (a copy is run)."""
    module = copy.deepcopy(module).to(x_seq.dtype).eval()
    reset_states(module)
    with torch.no_grad():
        if step_mode(module) == "s":
            return torch.stack([module(x) for x in x_seq])
        return module(x_seq)


def reset_states(model: nn.Module) -> None:
    """SpikingJelly's ``functional.reset_net``: every module's ``reset()``, so that a sample
    starts from the initial state."""
    for module in model.modules():
        reset = getattr(module, "reset", None)
        if callable(reset) and not isinstance(module, BaseNode):
            reset()
