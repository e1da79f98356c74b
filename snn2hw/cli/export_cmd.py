"""``snn2hw export``: a checkpoint or state_dict to a NIR graph (more targets join ``--to``)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import click

from snn2hw import api
from snn2hw.cli.options import SHAPE, STEPS, TIME_STEP, InputFile, OutputFile, refuse_overwriting
from snn2hw.defaults import DEFAULT_DT
from snn2hw.errors import BadInputError, about
from snn2hw.ir import metadata
from snn2hw.nn.architectures import ARCHITECTURES
from snn2hw.report import print_json


def _from_checkpoint(source: str, output: str | None = None, dt: float | None = None,
                     **options):
    """The NIR graph of a checkpoint, expressed at ``dt`` (default 1e-4 s)."""
    return api.export_model(source, output, dt=dt or DEFAULT_DT, **options)


def _facts(graph, output: str, target: str, dt: float | None = None) -> dict:
    """What every export reports: the file, its format and the graph it came from (``dt``: the
    step the output runs at when it overrides the graph's)."""
    return {"output": str(output), "format": target, "nodes": len(graph.nodes),
            "edges": len(graph.edges), "T": metadata.graph_value(graph, metadata.T),
            "dt": dt or metadata.graph_value(graph, metadata.DT),
            "imp": any(metadata.v_init(node) is not None for node in graph.nodes.values())}


def _to_nir(source: str, output: str, **options) -> dict:
    if source.endswith(".nir"):
        raise BadInputError(f"{source}: is already a NIR graph; export turns checkpoints into "
                            "NIR (--to onnx or --to netx convert a .nir)")
    return _facts(_from_checkpoint(source, output, **options), output, "nir")


def _to_netx(source: str, output: str, dt: float | None = None, **options) -> dict:
    """A ``.nir`` graph to lava-dl netx HDF5 (quantised to Loihi at ``dt``, else the graph's)."""
    from snn2hw.registry import tool

    export_netx = tool("lava.export_netx")
    from snn2hw.ir.io import read_graph

    graph = read_graph(source)
    layers = export_netx(graph, output, dt)
    return {**_facts(graph, output, "netx", dt), "layers": layers}


def _to_onnx(source: str, output: str, **options) -> dict:
    """One time step as ONNX (a ``.nir`` source, or a checkpoint exported to NIR first)."""
    from snn2hw.registry import tool

    OPSET, export_onnx, save_onnx = (tool(f"onnx.{n}") for n in ("opset", "export", "save"))
    from snn2hw.ir.io import read_graph

    if source.endswith(".nir"):  # --dt for a graph that stores none (another tool's), or over it
        graph, dt = read_graph(source), options.get("dt")
        model = export_onnx(graph, dt)
    else:
        graph, dt = _from_checkpoint(source, **options), None
        model = export_onnx(graph)
    save_onnx(model, output)
    return {**_facts(graph, output, "onnx", dt), "opset": OPSET,
            "operators": len(model.graph.node)}


def summary_line(record: dict) -> str:
    """The one line a person reads after an export."""
    what = {"nir": "{nodes} nodes, {edges} edges", "netx": "netx HDF5, {layers} layers",
            "onnx": "ONNX opset {opset}, {operators} operators, one time step"}
    return f"wrote {record['output']}: " + what[record["format"]].format(**record)


class ArchType(click.ParamType):
    """A registry architecture, or ``FILE.py:FUNCTION`` building the user's own model."""

    name = "arch"

    def convert(self, value, param, ctx):
        if ".py:" in value:
            file = value.rpartition(":")[0]
            if not os.path.isfile(file):
                self.fail(f"'{value}': no such file '{file}'", param, ctx)
            return value
        if value not in ARCHITECTURES:
            self.fail(f"'{value}' is neither an architecture ({', '.join(ARCHITECTURES)}) nor "
                      "FILE.py:FUNCTION", param, ctx)
        return value


def json_object(ctx, param, value: str | None) -> dict | None:
    """``--arch-args``: a JSON object of keyword arguments, or None."""
    if value is None:
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(parsed, dict):
        raise click.BadParameter("must be a JSON object of keyword arguments, like "
                                 '\'{"num_classes": 10}\'')
    return parsed


# target format -> function(source, output, **options) returning the record of the export
TARGETS: dict[str, Callable[..., dict]] = {"nir": _to_nir, "netx": _to_netx, "onnx": _to_onnx}


@click.command("export")
@click.argument("source", type=InputFile())
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="File to write (written atomically).")
@click.option("--to", "target", type=click.Choice(list(TARGETS)), default="nir",
              show_default=True, help="Output format.")
@click.option("--arch", type=ArchType(),
              help="Architecture of a bare state_dict, or FILE.py:FUNCTION building your own "
                   "model (snn2hw, SpikingJelly or the paper's classes) for the weights in "
                   "SOURCE.")
@click.option("--arch-args", callback=json_object,
              help="Keyword arguments of FUNCTION as a JSON object, e.g. '{\"num_classes\": 10}'.")
@click.option("--T", "steps", type=STEPS, help="Time steps (default: stored).")
@click.option("--input-shape", type=SHAPE, help="One sample, e.g. 3,32,32 (no T, no B).")
@click.option("--dt", type=TIME_STEP,
              help="Seconds per step: of the exported neurons (default 1e-4), or, for a .nir "
                   "source, the step to run it at (default: the graph's, else 1e-4); written "
                   "to the output.")
@click.option("--readout", type=click.Choice(metadata.READOUT_MODES),
              help="Readout of the output (default: stored, else last).")
@click.option("--trust", is_flag=True, help="Allow full unpickling (only for trusted files).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def command(source, output, target, arch, arch_args, steps, input_shape, dt, readout,
            trust, as_json) -> None:
    """Export SOURCE (snn2hw checkpoint or state_dict .pt; .nir for --to netx/onnx) to OUTPUT."""
    refuse_overwriting([source], {"-o": output})
    with about(source):  # every error names the file
        record = TARGETS[target](source, output, arch=arch, arch_args=arch_args, T=steps,
                                 input_shape=input_shape, dt=dt, readout=readout, trust=trust)
    if as_json:
        print_json(record)
    else:
        click.echo(summary_line(record))
