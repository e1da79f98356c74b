"""Export a multi-step snn2hw torch model to a NIR graph.

Steps: copy the model (eval mode), trace it with torch.fx and refuse what NIR cannot express,
record every module's input shape in one forward pass, fold batch norms into the layers before
them, remove the modules that are the identity at inference (dropout, the static stem's repeat
over T, folded BNs) from the fx graph, convert with ``nirtorch.torch_to_nir`` and the module
map, then type-check the graph and attach
snn2hw's metadata (dt, T, readout, input encoding, producer, architecture).

A static-image model (``static_input``) runs its stem once and repeats the result over T. Its
graph takes the image at every step (``snn2hw.input_encoding = "repeat"``); the stem is an
ordinary node that computes the same value at every step, so the outputs are identical.
"""

from __future__ import annotations

import copy
import importlib.metadata
import warnings
from collections.abc import Sequence

import nir
import nirtorch
import numpy as np
import torch
from torch import nn

from snn2hw.defaults import DEFAULT_DT
from snn2hw.errors import BadInputError, Snn2hwWarning, UnsupportedError
from snn2hw.frontends import module_map as mm
from snn2hw.frontends.spikingjelly import from_spikingjelly, is_foreign
from snn2hw.frontends.tracing import input_shapes, trace, without_identities
from snn2hw.ir import metadata
from snn2hw.nn.architectures.common import RepeatTime
from snn2hw.passes.fold_batchnorm import batchnorm_affine, fold_batchnorm

INPUT_NAME, OUTPUT_NAME = "input", "output"


def torch_to_graph(
    model: nn.Module,
    input_shape: Sequence[int],
    T: int,
    *,
    dt: float = DEFAULT_DT,
    static_input: bool | None = None,
    readout: str = "last",
    arch: str | None = None,
    copy_model: bool = True,
) -> nir.NIRGraph:
    """The NIR graph of ``model`` for samples of ``input_shape`` (no T, no B).

    ``static_input``: the model takes ``[B, ...]`` and repeats it over T itself (default: it
    contains a repeat module); otherwise it takes ``[T, B, ...]``. The model is not modified,
    unless ``copy_model=False``: a caller that hands the model over saves a copy of its
    weights, and the model is left with its batch norms folded into the layers before them.
    SpikingJelly models and the paper's neuron classes are converted first (see
    :func:`snn2hw.frontends.spikingjelly.from_spikingjelly`); they take ``[T, B, ...]`` and
    ``static_input=True`` only records that the graph's input repeats one sample.
    """
    _check_arguments(input_shape, T, dt, readout)
    encoding = "repeat" if static_input else "sequence"
    if is_foreign(model):
        model, static_input = from_spikingjelly(model, input_shape), False
    model = (copy.deepcopy(model) if copy_model else model).eval()
    check_finite_parameters(model)
    for path, module in model.named_modules():  # BN without running stats: refuse before running
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            batchnorm_affine(module, path)
    graph = trace(model, mm.LEAVES)
    if static_input is None:
        static_input = any(isinstance(m, RepeatTime) for m in model.modules())
        encoding = "repeat" if static_input else "sequence"
    shapes = input_shapes(model, _sample(model, input_shape, static_input), mm.LEAVES)
    fold_batchnorm(model, graph, shapes)  # folded BNs become nn.Identity
    stripped = without_identities(model, graph, mm.SKIPPED)
    ctx = mm.ExportContext(dt=float(dt), shapes=shapes,
                           paths={id(m): p for p, m in model.named_modules()})
    raw = nirtorch.torch_to_nir(stripped, mm.module_map(ctx), default_dict=None, type_check=False)
    nodes, edges = _name_io(dict(raw.nodes), list(raw.edges), input_shape)
    edges = by_destination(nodes, edges)
    meta = graph_metadata(T, dt, readout, encoding, arch)
    try:
        result = nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta, type_check=True)
    except (ValueError, AssertionError) as exc:
        raise UnsupportedError(f"the exported graph is inconsistent: {exc}") from exc
    warn_extensions(result)
    return result


def _check_arguments(input_shape: Sequence[int], T: int, dt: float, readout: str) -> None:
    if not input_shape or any(int(s) <= 0 for s in input_shape):
        raise BadInputError(f"input shape must be positive sizes, got {list(input_shape)}")
    if int(T) < 1:
        raise BadInputError(f"T must be at least 1, got {T}")
    if not dt > 0:
        raise BadInputError(f"dt must be positive, got {dt}")
    if readout not in metadata.READOUT_MODES:
        raise BadInputError(f"readout must be one of {metadata.READOUT_MODES}, got {readout!r}")


def check_finite_parameters(model: nn.Module) -> None:
    """Refuse weights or buffers holding NaN or infinity, naming the first one."""
    for name, tensor in model.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise BadInputError(f"model parameter '{name}' contains NaN or infinity")


def _sample(model: nn.Module, input_shape: Sequence[int], static_input: bool) -> torch.Tensor:
    param = next((p for p in model.parameters() if p.is_floating_point()), None)
    dtype = param.dtype if param is not None else torch.float32
    lead = (1,) if static_input else (1, 1)  # shapes do not depend on T or B
    return torch.zeros(*lead, *(int(s) for s in input_shape), dtype=dtype)


def _name_io(nodes: dict, edges: list, input_shape: Sequence[int]) -> tuple[dict, list]:
    """One ``Input`` named "input" with the sample shape; the output node named "output"."""
    (old,) = [n for n, node in nodes.items() if isinstance(node, nir.Input)]
    del nodes[old]
    if INPUT_NAME in nodes:
        raise UnsupportedError(f"a module is named '{INPUT_NAME}', which the graph input uses")
    nodes = {INPUT_NAME: nir.Input(input_type={"input": np.array(input_shape)}), **nodes}
    edges = [(INPUT_NAME if s == old else s, INPUT_NAME if d == old else d) for s, d in edges]
    return nodes, edges


def by_destination(nodes: dict, edges: list) -> list:
    """``edges`` ordered by their destination's place in ``nodes``, the edges into one node in
    the order nirtorch gave them. nirtorch takes the successors of an addition from a set of
    fx nodes, ordered by memory address: the same model was written with its edges in an
    order that depended on what the process had allocated before."""
    place = {name: i for i, name in enumerate(nodes)}
    return sorted(edges, key=lambda edge: place.get(edge[1], len(place)))


def graph_metadata(T: int, dt: float, readout: str, encoding: str, arch: str | None) -> dict:
    """snn2hw's graph metadata (never None values: nir.write cannot store them)."""
    meta = {
        metadata.T: int(T), metadata.DT: float(dt), metadata.READOUT: readout,
        metadata.INPUT_ENCODING: encoding,
        metadata.PRODUCER: f"snn2hw {importlib.metadata.version('snn2hw')}",
    }
    if arch:
        meta[metadata.ARCH] = str(arch)
    return meta


def warn_extensions(graph: nir.NIRGraph) -> None:
    """Warn once per extension that other NIR tools will not honour."""
    with_v0 = [n for n, node in graph.nodes.items() if metadata.V_INIT in node.metadata]
    if with_v0:
        warnings.warn(
            f"{len(with_v0)} neuron layer(s) start from a non-zero membrane potential (IMP), "
            f"stored as metadata '{metadata.V_INIT}'; other NIR tools ignore it and start "
            "from 0", Snn2hwWarning, stacklevel=3)
    soft = [n for n, node in graph.nodes.items() if metadata.reset_mode(node) == "subtract"]
    if soft:
        warnings.warn(
            f"{len(soft)} neuron layer(s) use subtractive reset, stored as metadata "
            f"'{metadata.RESET}'; other NIR tools will apply NIR's hard reset",
            Snn2hwWarning, stacklevel=3)
