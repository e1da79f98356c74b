"""``snn2hw export``: a checkpoint or state_dict to a NIR graph (more targets join ``--to``)."""

from __future__ import annotations

from collections.abc import Callable

import click

from snn2hw import api
from snn2hw.cli.options import POSITIVE_FLOAT, InputFile, OutputFile, refuse_overwriting
from snn2hw.defaults import DEFAULT_DT
from snn2hw.errors import about
from snn2hw.ir import metadata
from snn2hw.nn.architectures import ARCHITECTURES


def _to_nir(source: str, output: str, **options) -> str:
    graph = api.export_model(source, output, **options)
    return f"wrote {output}: {len(graph.nodes)} nodes, {len(graph.edges)} edges"


def _to_netx(source: str, output: str, **options) -> str:
    """A ``.nir`` graph to lava-dl netx HDF5 (quantised to Loihi; dt from the graph)."""
    from snn2hw.registry import tool

    export_netx = tool("lava.export_netx")
    from snn2hw.ir.io import read_graph

    layers = export_netx(read_graph(source), output)
    return f"wrote {output}: netx HDF5, {layers} layers"


def _to_onnx(source: str, output: str, **options) -> str:
    """One time step as ONNX (a ``.nir`` source, or a checkpoint exported to NIR first)."""
    from snn2hw.registry import tool

    OPSET, export_onnx, save_onnx = (tool(f"onnx.{n}") for n in ("opset", "export", "save"))
    from snn2hw.ir.io import read_graph

    graph = read_graph(source) if source.endswith(".nir") else api.export_model(source, **options)
    model = export_onnx(graph)
    save_onnx(model, output)
    return f"wrote {output}: ONNX opset {OPSET}, {len(model.graph.node)} operators, one time step"


# target format -> function(source, output, **options) returning a one-line summary
TARGETS: dict[str, Callable[..., str]] = {"nir": _to_nir, "netx": _to_netx, "onnx": _to_onnx}


def _shape(ctx, param, value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        shape = [int(s) for s in value.replace("x", ",").split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a list of sizes like 3,32,32") from None
    if not shape or min(shape) <= 0:
        raise click.BadParameter(f"'{value}' is not a list of positive sizes like 3,32,32")
    return shape


@click.command("export")
@click.argument("source", type=InputFile())
@click.option("-o", "--output", required=True, type=OutputFile(),
              help="File to write (written atomically).")
@click.option("--to", "target", type=click.Choice(list(TARGETS)), default="nir",
              show_default=True, help="Output format.")
@click.option("--arch", type=click.Choice(list(ARCHITECTURES)),
              help="Architecture of a bare state_dict.")
@click.option("--T", "steps", type=click.IntRange(min=1), help="Time steps (default: stored).")
@click.option("--input-shape", callback=_shape, help="One sample, e.g. 3,32,32 (no T, no B).")
@click.option("--dt", type=POSITIVE_FLOAT, default=DEFAULT_DT,
              show_default=True, help="Seconds per step used to express neurons in NIR.")
@click.option("--readout", type=click.Choice(metadata.READOUT_MODES),
              help="Readout of the output (default: stored, else last).")
@click.option("--trust", is_flag=True, help="Allow full unpickling (only for trusted files).")
def command(source, output, target, arch, steps, input_shape, dt, readout, trust) -> None:
    """Export SOURCE (snn2hw checkpoint or state_dict .pt; .nir for --to netx/onnx) to OUTPUT."""
    refuse_overwriting([source], {"-o": output})
    with about(source):  # every error names the file
        message = TARGETS[target](source, output, arch=arch, T=steps, input_shape=input_shape,
                                  dt=dt, readout=readout, trust=trust)
    click.echo(message)
