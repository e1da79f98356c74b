"""``snn2hw inspect``: what a NIR graph holds, snn2hw's metadata extensions included."""

from __future__ import annotations

import click

from snn2hw import api
from snn2hw.inspection import GraphSummary
from snn2hw.report import print_json, print_table


def _shape(shape: list[int] | None) -> str:
    return "?" if shape is None else "x".join(map(str, shape)) or "scalar"


def _rows(summary: GraphSummary) -> list[dict]:
    rows = []
    for node in summary.nodes:
        v0 = node.v_init
        rows.append({
            "node": node.name, "type": node.type, "in": _shape(node.input_shape),
            "out": _shape(node.output_shape), "params": node.params,
            "neurons": node.neurons or "", "reset": node.reset,
            "v_init mean/min/max": (f"{v0['mean']:.3g} / {v0['min']:.3g} / {v0['max']:.3g}"
                                    if v0 else ""),
        })
    return rows


@click.command("inspect")
@click.argument("graph_path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
def command(graph_path: str, as_json: bool) -> None:
    """Show the nodes, metadata and totals of GRAPH_PATH (.nir)."""
    summary = api.inspect_graph(graph_path)
    if as_json:
        print_json(summary)
        return
    print_table(graph_path, _rows(summary))
    meta = [{"key": k, "value": v} for k, v in summary.metadata.items()]
    if meta:
        print_table("metadata", meta)
    print_table("totals", [summary.totals])
