"""``snn2hw inspect``: what a NIR graph holds, in execution order, snn2hw's metadata
extensions included."""

from __future__ import annotations

import click

from snn2hw import api
from snn2hw.inspection import GraphSummary, NodeRow
from snn2hw.report import Column, print_json, print_line, print_record, print_table

COUNTS_NOTE = ("params = weights + biases (BN folded); neuron parameters (r, tau, thresholds, "
               "...) and IMP (snn2hw.v_init, one initial potential per neuron) counted apart.")


def _shape(shape: list[int] | None) -> str:
    return "?" if shape is None else "x".join(map(str, shape)) or "scalar"


def _inputs(node: NodeRow) -> str:
    return ", ".join([*node.inputs, *(f"{n} (t-1)" for n in node.recurrent_inputs)])


def _graph_rows(summary: GraphSummary) -> list[dict]:
    return [{"#": node.index, "node": node.name, "type": node.type, "inputs": _inputs(node),
             "in": _shape(node.input_shape), "out": _shape(node.output_shape),
             "params": node.params}
            for node in summary.nodes]


def _neuron_rows(summary: GraphSummary) -> list[dict]:
    rows = []
    for node in summary.nodes:
        if not node.neurons:
            continue
        v0 = node.v_init
        rows.append({"node": node.name, "type": node.type, "neurons": node.neurons,
                     "reset": node.reset, "v_th": node.threshold,
                     "neuron_params": node.counts.neuron_params, "imp": node.counts.imp_params,
                     "v_init": (" / ".join(f"{v0[k]:.3g}" for k in ("mean", "min", "max"))
                                if v0 else "")})
    return rows


GRAPH_COLUMNS: list[str | Column] = ["#", "node", "type", "inputs", "in", "out",
                 Column("params", justify="right")]
NEURON_COLUMNS: list[str | Column] = ["node", "type", Column("neurons", justify="right"), "reset",
                  Column("v_th", "v_th"), Column("neuron_params", justify="right"),
                  Column("imp", "IMP", justify="right"),
                  Column("v_init", "v_init mean / min / max")]
TOTAL_LABELS = {"params": "params (weights + biases)", "imp_params": "IMP params (v_init)",
                "neurons_with_v_init": "neurons with v_init"}


@click.command("inspect")
@click.argument("graph_path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
def command(graph_path: str, as_json: bool) -> None:
    """Show the nodes of GRAPH_PATH (.nir) in execution order with their inputs, shapes and
    parameters, its neurons (reset, threshold, IMP), metadata and totals."""
    summary = api.inspect_graph(graph_path)
    if as_json:
        print_json(summary)
        return
    print_table(f"{graph_path}: nodes in execution order", _graph_rows(summary), GRAPH_COLUMNS)
    neurons = _neuron_rows(summary)
    if neurons:
        with_imp = any(row["v_init"] for row in neurons)
        print_table("neurons", neurons, NEURON_COLUMNS if with_imp else NEURON_COLUMNS[:-1])
    if summary.metadata:
        print_record("metadata", summary.metadata, humanize_keys=False)
    print_record("totals", summary.totals, labels=TOTAL_LABELS)
    print_line(COUNTS_NOTE)
