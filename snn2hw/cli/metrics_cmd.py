"""``snn2hw metrics``: NeuroBench's metrics of a graph measured with the reference backend."""

from __future__ import annotations

from pathlib import Path

import click

from snn2hw.cli.options import (
    POSITIVE_INT,
    STEPS,
    InputFile,
    dataset_option,
    device_option,
    dt_option,
    input_option,
)
from snn2hw.report import Column, fmt_count, fmt_percent, print_json, print_record, print_table

LAYER_COLUMNS = [
    Column("name", "layer"), Column("dense", "dense", fmt_count, "right"),
    Column("effective_macs", "effective MACs", fmt_count, "right"),
    Column("effective_acs", "effective ACs", fmt_count, "right"),
]
LABELS = {"footprint_bytes": "footprint (bytes)", "synapse_bytes": "  weights + biases",
          "neuron_bytes": "  neuron parameters", "connection_sparsity": "connection sparsity",
          "activation_sparsity": "activation sparsity", "dense": "synaptic ops: dense",
          "effective_macs": "synaptic ops: effective MACs",
          "effective_acs": "synaptic ops: effective ACs"}


@click.command("metrics")
@click.argument("graph_path", type=InputFile())
@dataset_option("Measure on this data (digits: its test split)")
@input_option
@click.option("--samples", type=POSITIVE_INT, help="Use only the first N samples (default: all).")
@click.option("--T", "steps", type=STEPS,
              help="Time steps for a static input (default: the graph's).")
@dt_option
@device_option
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
def command(graph_path, dataset, input_path, samples, steps, dt, device, as_json) -> None:
    """NeuroBench's footprint, connection sparsity, activation sparsity and synaptic operations
    (per sample) of GRAPH_PATH, run on the reference backend."""
    if (input_path is None) == (dataset is None):
        raise click.UsageError("give one of --input X.npy or --dataset")
    from snn2hw.errors import about
    from snn2hw.neurobench_metrics import MetricsRequest, metrics  # torch: only here

    with about(graph_path):
        result = metrics(MetricsRequest(graph_path, str(dataset) if dataset else None,
                                        input_path, samples, steps, dt, device))
    if as_json:
        print_json(result)
        return
    keys = ("footprint_bytes", "synapse_bytes", "neuron_bytes", "connection_sparsity",
            "activation_sparsity")
    record = {key: result[key] for key in keys} | result["synaptic_operations"]
    formats = {key: fmt_percent for key in ("connection_sparsity", "activation_sparsity")}
    print_record(f"NeuroBench metrics of {Path(graph_path).name} ({result['samples']} samples, "
                 f"T={result['T']}; operations per sample)", record, labels=LABELS,
                 formats=formats | {k: fmt_count for k in result["synaptic_operations"]})
    print_table("Synaptic operations per layer and sample", result["layers"], LAYER_COLUMNS)
