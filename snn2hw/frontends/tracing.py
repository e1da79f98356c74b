"""Tracing a torch model for export: the torch.fx graph, checked for what NIR can express, and
the input shape of every leaf module from one forward pass."""

from __future__ import annotations

import copy
import operator
import os
from collections.abc import Iterable

import torch
from nirtorch.torch_tracer import NIRTorchTracer
from torch import fx, nn

from snn2hw.errors import BadInputError, UnsupportedError


def trace(model: nn.Module, leaf_types: Iterable[type]) -> fx.Graph:
    """The fx graph of ``model`` with ``leaf_types`` as leaves, checked by :func:`check_graph`."""
    leaf_types = tuple(leaf_types)
    graph = _trace(model, leaf_types, stack_traces=False)
    try:
        check_graph(model, graph, set(leaf_types))
    except UnsupportedError:  # trace again, slower, to name the offending source line
        check_graph(model, _trace(model, leaf_types, stack_traces=True), set(leaf_types))
        raise
    return graph


def symbolic_graph(model: nn.Module, leaf_types: Iterable[type]) -> fx.Graph:
    """The fx graph of ``model`` with ``leaf_types`` as leaves and source lines recorded, not
    yet checked (for rewrites before :func:`check_graph`)."""
    return _trace(model, tuple(leaf_types), stack_traces=True)


def _trace(model: nn.Module, leaf_types: tuple[type, ...], stack_traces: bool) -> fx.Graph:
    tracer = NIRTorchTracer(leaf_types)
    tracer.record_stack_traces = stack_traces
    try:
        graph = tracer.trace(model)
    except Exception as exc:  # fx raises TraceError, TypeError, ... on data-dependent code
        raise UnsupportedError(
            f"cannot trace {type(model).__name__} with torch.fx ({_first_line(exc)}); the forward "
            "pass must use only module calls and '+'"
        ) from exc
    return graph


def check_graph(model: nn.Module, graph: fx.Graph, known: set[type]) -> None:
    """Refuse everything nirtorch would reject or silently drop, naming the module or line."""
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    for extra in placeholders[1:]:
        if extra.users:
            raise UnsupportedError(f"the forward pass uses a second argument '{extra.name}'; "
                                   "NIR graphs have one input")
    for node in graph.nodes:
        if node.op == "call_module":
            module = model.get_submodule(node.target)
            if type(module) not in known:
                raise UnsupportedError(
                    f"module '{node.target}' of type {type(module).__module__}."
                    f"{type(module).__name__} has no NIR mapping"
                )
        elif node.op in ("call_function", "call_method"):
            _check_add(node)
        elif node.op == "get_attr":
            raise UnsupportedError(f"the forward pass reads the tensor '{node.target}' directly"
                                   f"{_where(node)}; wrap it in a module")
        elif node.op == "output" and not isinstance(node.args[0], fx.Node):
            raise UnsupportedError("the model must return one tensor, not a tuple or dict")


def without_identities(
    model: nn.Module, graph: fx.Graph, skipped: tuple[type, ...]
) -> fx.GraphModule:
    """``model`` as a GraphModule whose calls of ``skipped`` modules (the identity at inference)
    are removed; the remaining modules keep their paths, so node names do not change."""
    for node in list(graph.nodes):
        if node.op == "call_module" and isinstance(model.get_submodule(node.target), skipped):
            node.replace_all_uses_with(node.args[0])
            graph.erase_node(node)
    for node in graph.nodes:  # removing one may leave "x + x" behind (e.g. dropout(x) + x)
        if node.op in ("call_function", "call_method"):
            _check_add(node)
    return fx.GraphModule(model, graph)


def _check_add(node: fx.Node) -> None:
    name = getattr(node.target, "__name__", str(node.target))
    if node.target not in (operator.add, "add"):
        raise UnsupportedError(f"operation '{name}'{_where(node)} cannot be exported: the "
                               "forward pass may use only module calls and '+'")
    args = list(node.args) + list(node.kwargs.values())
    if len(args) != 2 or not all(isinstance(a, fx.Node) for a in args):
        raise UnsupportedError(f"'+'{_where(node)} adds a constant or takes extra arguments; "
                               "only the sum of two tensors can be exported")
    if args[0] is args[1]:
        raise UnsupportedError(f"'+'{_where(node)} adds a tensor to itself; NIR sums distinct "
                               "edges")


def _where(node: fx.Node) -> str:
    lines = [ln.strip() for ln in (node.stack_trace or "").splitlines() if ln.strip()]
    files = [ln for ln in lines if ln.startswith("File ") and f"{os.sep}torch{os.sep}" not in ln]
    return f" ({files[-1]})" if files else ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def input_shapes(
    model: nn.Module, sample: torch.Tensor, leaf_types: Iterable[type[nn.Module]]
) -> dict[str, tuple[int, ...]]:
    """The full input shape of every leaf module (by path) in one forward pass on ``sample``.

    The pass runs on PyTorch's meta device (shapes only, no arithmetic), on a copy that holds
    no weights: 0.2 s for a SEW-ResNet-50 at 224x224 instead of a real forward. (The first
    elementwise operation on meta tensors imports ``torch._dynamo``: 1.1 s and 130 MB once
    per process, with torch 2.14.)"""
    leaves = tuple(leaf_types)
    model, sample = meta_copy(model), sample.to("meta")
    shapes: dict[str, tuple[int, ...]] = {}
    handles = []
    for path, module in model.named_modules():
        if isinstance(module, leaves):
            handles.append(module.register_forward_pre_hook(_recorder(path, shapes)))
    try:
        with torch.no_grad():
            model(sample)
    except UnsupportedError:
        raise
    except Exception as exc:
        raise BadInputError(f"the model does not run on an input of shape {tuple(sample.shape)} "
                            f"({_first_line(exc)}); check the input shape") from exc
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def meta_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` on PyTorch's meta device, made without copying its weights: every
    parameter and buffer is given to ``copy.deepcopy`` as its meta tensor (a deep copy followed
    by ``.to("meta")`` held a second copy of all the weights, 150 MB for SEW-ResNet-50)."""
    memo: dict[int, object] = {}
    for tensor in (*model.parameters(), *model.buffers()):
        meta = tensor.detach().to("meta")
        memo[id(tensor)] = (nn.Parameter(meta, tensor.requires_grad)
                            if isinstance(tensor, nn.Parameter) else meta)
    return copy.deepcopy(model, memo).to("meta")


def _recorder(path: str, shapes: dict[str, tuple[int, ...]]):
    def hook(module: nn.Module, args: tuple) -> None:
        shape = tuple(args[0].shape) if args and torch.is_tensor(args[0]) else None
        if shape is None:
            raise UnsupportedError(f"module '{path}' is not called with a tensor")
        if shapes.setdefault(path, shape) != shape:
            raise UnsupportedError(f"module '{path}' is called on inputs of different shapes "
                                   f"{shapes[path]} and {shape}; use one module per call")
    return hook
