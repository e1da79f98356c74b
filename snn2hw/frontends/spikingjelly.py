"""SpikingJelly models (and the paper's neuron classes) as export sources.

:func:`from_spikingjelly` turns such a model into one that :func:`torch_to_graph` exports: a
copy whose modules are snn2hw's multi-step ones, with the same module paths (so NIR node names
and state-dict keys do not change) and the same parameters:

- neurons: matched by :mod:`snn2hw.frontends.neuron_match` (parameters, then behaviour);
- stateless layers (``layer.Conv2d/Linear/BatchNorm1d/2d/AvgPool2d/AdaptiveAvgPool2d/Flatten``,
  and plain torch layers inside ``SeqToANNContainer``/``MultiStepContainer`` or in a
  single-step network): the snn2hw layer applied to every step (``Dropout``: removed);
- ``SeqToANNContainer``/``MultiStepContainer``: their children in sequence;
- max pooling: an OR (sum pool and threshold) where its input is spikes, refused otherwise;
- ``torch.flatten(x, d)`` in a forward pass: a per-sample flatten where ``d`` flattens each
  sample (2 in a multi-step network, 1 in a single-step one).

Step modes: a network whose modules all run single-step ('s', called once per time step on
``[B, ...]``) means the same as the multi-step network, and is exported as one. Everything else
is refused with the module's path and class.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Sequence

import torch
from torch import fx, nn

from snn2hw.errors import BadInputError, UnsupportedError
from snn2hw.frontends import module_map as mm
from snn2hw.frontends import neuron_match
from snn2hw.frontends.spike_pool import SeqThreshold, SpikeMaxPool2d, or_pool
from snn2hw.frontends.tracing import check_graph, symbolic_graph
from snn2hw.nn import layers as L
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.nn.neurons import BaseNode

SJ = "spikingjelly."
# torch layer -> the snn2hw layer that applies it to every step of [T, B, ...]
PER_STEP: dict[type, type] = {
    nn.Conv2d: L.SeqConv2d, nn.Linear: L.SeqLinear, nn.BatchNorm2d: L.SeqBatchNorm2d,
    nn.BatchNorm1d: L.SeqBatchNorm1d, nn.AvgPool2d: L.SeqAvgPool2d,
    nn.AdaptiveAvgPool2d: L.SeqAdaptiveAvgPool2d, nn.MaxPool2d: SpikeMaxPool2d,
}
IDENTITY_AT_INFERENCE = (nn.Dropout, nn.Identity)
SPIKE_PRESERVING = (SeqThreshold, SpikeMaxPool2d, L.SeqFlatten, nn.Identity, L.SeqDropout)


def is_foreign(model: nn.Module) -> bool:
    """True when ``model`` holds SpikingJelly modules or neurons of the paper's code."""
    return any(_is_sj(m) or neuron_match.is_neuron(m) for m in model.modules())


def from_spikingjelly(model: nn.Module, input_shape: Sequence[int]) -> fx.GraphModule:
    """``model`` in snn2hw's modules, ready for :func:`torch_to_graph` with sequence input.

    ``input_shape`` is one sample (no T, no B); the model itself is not modified."""
    model = copy.deepcopy(model).eval()
    mode = network_step_mode(model)
    for path, module in model.named_modules():
        if neuron_match.is_neuron(module):
            neuron_match.check_imp_ready(module, _where(path, module))
    _convert(copy.deepcopy(model), "", mode == "s", None)  # refuse by name before running it
    shapes = _neuron_shapes(model, input_shape)
    model = _convert(model, "", mode == "s", shapes)
    return _rewrite(model, mode)


def network_step_mode(model: nn.Module) -> str:
    """'s' when every SpikingJelly module outside a container runs single-step, else 'm'."""
    modes: dict[str, str] = {}
    for path, module in _outside_containers(model):
        if hasattr(module, "step_mode") and (_is_sj(module) or neuron_match.is_neuron(module)):
            modes.setdefault(module.step_mode, path)
    if len(modes) > 1:
        raise UnsupportedError(
            f"module '{modes['s']}' runs single-step ('s') but module '{modes['m']}' multi-step "
            "('m'); give the network one step mode (spikingjelly functional.set_step_mode)")
    return next(iter(modes), "m")


def _outside_containers(model: nn.Module, prefix: str = ""):
    for name, child in model.named_children():
        path = f"{prefix}{name}"
        yield path, child
        if not _is_container(child):
            yield from _outside_containers(child, path + ".")


def _is_sj(module: nn.Module) -> bool:
    """A SpikingJelly layer, neuron or container (its model zoo's networks are plain modules)."""
    name = type(module).__module__
    return name.startswith(SJ) and not name.startswith(SJ + "activation_based.model")


def _is_container(module: nn.Module) -> bool:
    return _is_sj(module) and type(module).__name__ in ("SeqToANNContainer",
                                                        "MultiStepContainer")


def _where(path: str, module: nn.Module) -> str:
    return f"module '{path}' ({type(module).__module__}.{type(module).__name__})"


def _neuron_shapes(model: nn.Module, input_shape: Sequence[int]) -> dict[str, tuple]:
    """Each neuron's input shape (one sample) from one forward pass of the original model."""
    shapes: dict[str, tuple] = {}

    def recorder(path):
        def hook(module, args):
            lead = 1 if neuron_match.step_mode(module) == "s" else 2
            shapes.setdefault(path, tuple(args[0].shape[lead:]))
        return hook

    probe = copy.deepcopy(model)
    handles = [m.register_forward_pre_hook(recorder(p)) for p, m in probe.named_modules()
               if neuron_match.is_neuron(m)]
    try:
        dry_run(probe, input_shape)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def dry_run(model: nn.Module, input_shape: Sequence[int]) -> None:
    """One forward pass of ``model`` on zeros (one sample, one step), then its states reset:
    shows the shapes and creates lazy parameters."""
    single = network_step_mode(model) == "s" if is_foreign(model) else any(
        isinstance(m, RepeatTime) for m in model.modules())
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()
                  and not isinstance(p, nn.parameter.UninitializedParameter)), torch.float32)
    x = torch.zeros((1, *input_shape) if single else (1, 1, *input_shape), dtype=dtype)
    neuron_match.reset_states(model)
    try:
        with torch.no_grad():
            model(x)
    except UnsupportedError:
        raise
    except Exception as exc:  # foreign code raises anything on a wrong shape
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BadInputError(f"the model does not run on an input of shape {tuple(x.shape)} "
                            f"({first}); check the input shape") from exc
    finally:
        neuron_match.reset_states(model)


def _convert(module: nn.Module, path: str, per_step: bool, shapes: dict | None) -> nn.Module:
    """The snn2hw replacement of ``module`` (its children converted in place); without
    ``shapes`` (each neuron's input shape) neurons are kept, the rest is checked."""
    if neuron_match.is_neuron(module):
        if shapes is None:
            return module
        if path not in shapes:
            raise UnsupportedError(f"{_where(path, module)} was not called in the forward pass")
        return neuron_match.to_snn2hw(module, shapes[path], path)
    if isinstance(module, BaseNode):
        return module
    if _is_container(module):
        _convert_children(module, path, True, shapes)
        return _retype(module, nn.Sequential)
    leaf = _stateless(module, path, per_step)
    if leaf is not None:
        return leaf
    if _is_sj(module) or not list(module.children()):
        if type(module) in mm.LEAVES:
            return module
        raise UnsupportedError(f"{_where(path, module)} has no NIR mapping")
    _convert_children(module, path, per_step, shapes)
    return module


def _convert_children(module: nn.Module, path: str, per_step: bool,
                      shapes: dict | None) -> None:
    for name, child in list(module.named_children()):
        setattr(module, name, _convert(child, f"{path}.{name}" if path else name, per_step,
                                       shapes))


def _stateless(module: nn.Module, path: str, per_step: bool) -> nn.Module | None:
    """The per-step snn2hw layer for a SpikingJelly or plain torch stateless layer, or None."""
    sj = _is_sj(module)
    if sj and type(module).__name__ in ("Dropout", "Dropout2d"):
        return _keep_step_mode(module, nn.Identity())
    base = next((b for b in PER_STEP if type(module) is b or (sj and type(module).__bases__[0]
                                                                is b)), None)
    flatten = type(module) is nn.Flatten or (sj and type(module).__name__ == "Flatten")
    if isinstance(module, IDENTITY_AT_INFERENCE) and (type(module).__module__.startswith("torch")):
        return _keep_step_mode(module, nn.Identity())
    if base is None and not flatten:
        return None
    if not (sj or per_step or base is nn.Linear):
        raise UnsupportedError(
            f"{_where(path, module)} receives [T, B, ...] in a multi-step network; wrap it in "
            "spikingjelly's layer.SeqToANNContainer or use its layer.* equivalent")
    if flatten:
        if (module.start_dim, module.end_dim) != (1, -1):
            raise UnsupportedError(f"{_where(path, module)}: only Flatten(start_dim=1) (each "
                                   "sample) can be exported")
        return _keep_step_mode(module, L.SeqFlatten())
    assert base is not None  # neither a per-step layer nor a flatten returned above
    return _retype(module, PER_STEP[base])


def _retype(module: nn.Module, cls: type) -> nn.Module:
    """``module`` as an instance of ``cls``, keeping every parameter and attribute.

    The SpikingJelly layers and snn2hw's per-step layers subclass the same torch layer and add
    only a forward over time, so the instance's state is valid for both."""
    mode = getattr(module, "step_mode", None)  # a property of SpikingJelly's classes
    module.__class__ = cls
    if mode is not None:
        module.step_mode = mode
    return module


def _keep_step_mode(old: nn.Module, new: nn.Module) -> nn.Module:
    """``new``, with ``old``'s ``step_mode`` (forward passes may branch on it)."""
    if hasattr(old, "step_mode"):
        new.step_mode = old.step_mode
    return new


def _rewrite(model: nn.Module, mode: str) -> fx.GraphModule:
    """The traced model with flatten calls as modules and max pools of spikes as ORs."""
    leaves = (*mm.LEAVES, SpikeMaxPool2d)
    graph = symbolic_graph(model, leaves)
    for node in list(graph.nodes):
        if _is_flatten_call(node):
            _flatten_to_module(model, graph, node, mode)
    check_graph(model, graph, set(leaves))  # names the source line of what remains
    for node in graph.nodes:
        if node.op != "call_module":
            continue
        pool = model.get_submodule(node.target)
        if isinstance(pool, SpikeMaxPool2d):
            _check_spike_input(model, node, pool)
            _set_submodule(model, node.target, or_pool(pool))
    return fx.GraphModule(model, graph)


def _is_flatten_call(node: fx.Node) -> bool:
    return ((node.op == "call_function" and node.target is torch.flatten)
            or (node.op == "call_method" and node.target == "flatten"))


def _flatten_to_module(model: nn.Module, graph: fx.Graph, node: fx.Node, mode: str) -> None:
    args = list(node.args[1:]) + [node.kwargs[k] for k in ("start_dim", "end_dim")
                                  if k in node.kwargs]
    start, end = (args + [0, -1][len(args):])[:2]
    per_sample = 2 if mode == "m" else 1
    if (start, end) != (per_sample, -1):
        raise UnsupportedError(
            f"torch.flatten(x, {start}, {end}) in the forward pass of {type(model).__name__}: "
            f"only flattening each sample (start_dim={per_sample} in a "
            f"{'multi' if mode == 'm' else 'single'}-step network) can be exported")
    name = node.name
    while hasattr(model, name):
        name += "_"
    model.add_module(name, L.SeqFlatten())
    with graph.inserting_after(node):
        replacement = graph.call_module(name, (node.args[0],))
    node.replace_all_uses_with(replacement)
    graph.erase_node(node)


def _check_spike_input(model: nn.Module, node: fx.Node, pool: nn.MaxPool2d) -> None:
    where = _where(_module_path(node), pool)
    if pool.ceil_mode or pool.dilation not in (1, (1, 1)) or pool.return_indices:
        raise UnsupportedError(f"{where}: ceil_mode, dilation and return_indices have no NIR "
                               "equivalent")
    source = node.args[0]
    while isinstance(source, fx.Node) and source.op == "call_module":
        module = model.get_submodule(_module_path(source))
        if isinstance(module, BaseNode):
            return
        if not isinstance(module, SPIKE_PRESERVING):
            break
        source = source.args[0]
    what = ("a sum of tensors" if isinstance(source, fx.Node) and source.target is operator.add
            else f"'{getattr(source, 'target', source)}'")
    raise UnsupportedError(f"{where}: max pooling of analog values ({what}) has no NIR mapping; "
                           "only max pooling of spikes (an OR) is exported")


def _module_path(node: fx.Node) -> str:
    """The path of the module a ``call_module`` node calls (fx types any target as a callable
    or a name)."""
    assert isinstance(node.target, str)
    return node.target


def _set_submodule(model: nn.Module, path: str, module: nn.Module) -> None:
    parent, _, name = path.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, name, module)
