"""``snn2hw run``: execute a NIR graph on any backend."""

from __future__ import annotations

import click
import numpy as np

from snn2hw.backend import RunConfig
from snn2hw.data import DATASETS, INPUT_SCALES, load_dataset
from snn2hw.errors import BadInputError
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph
from snn2hw.registry import BACKENDS, load_backend_class
from snn2hw.report import print_json, print_table, to_jsonable
from snn2hw.runner import (
    load_array,
    prepare_inputs,
    readout,
    run_graph,
    save_array,
    save_records,
)


@click.command("run")
@click.argument("graph_path", type=click.Path(dir_okay=False))
@click.option("--backend", "-b", type=click.Choice(list(BACKENDS)), default="reference",
              show_default=True)
@click.option("--input", "input_path", type=click.Path(dir_okay=False),
              help=".npy input, [T, B, ...] or a static [B, ...] batch repeated over T.")
@click.option("--labels", type=click.Path(dir_okay=False), help=".npy integer labels [B].")
@click.option("--T", "steps", type=int, help="Time steps for a static input (default: graph's T).")
@click.option("--dt", type=float, help="Time step in seconds (default: graph's, else 1e-4).")
@click.option("--precision", type=click.Choice(["float", "fixed"]), default="float",
              show_default=True, help="Lava: floating_pt or bit-accurate fixed_pt.")
@click.option("--device", default="cpu", show_default=True, help="Torch device (cpu, cuda).")
@click.option("--float64", is_flag=True, help="Reference: compute in float64.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False),
              help="Save the output [T, B, ...] as .npy.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--dataset", type=click.Choice(DATASETS),
              help="Use a bundled dataset's test split (inputs and labels) instead of --input.")
@click.option("--samples", type=int, help="Use only the first N samples.")
@click.option("--input-scale", type=float,
              help="Fixed point: integer input = input * scale (digits: 16, spikes: 1).")
@click.option("--sweep-bits", help="Fixed: accuracy for each weight width vs float, e.g. 2..8.")
@click.option("--plot", type=click.Path(dir_okay=False), help="With --sweep-bits: save a PNG.")
@click.option("--record", "record_path", type=click.Path(dir_okay=False),
              help="Save every node's output [T, B, ...] (spikes) as .npz, keyed by node name.")
@click.option("--report", "show_report", is_flag=True,
              help="Print the backend's report (Lava/fixed: per-layer formats and scales).")
def command(graph_path, backend, input_path, labels, steps, dt, precision, device, float64,
            output_path, as_json, dataset, samples, input_scale, sweep_bits, plot, record_path,
            show_report) -> None:
    """Run GRAPH_PATH (.nir; .onnx with --backend onnx) on a backend and print predictions
    (and accuracy with --labels)."""
    if input_path is None and dataset is None:
        raise click.UsageError("give --input X.npy or --dataset")
    graph = _load(graph_path, backend)
    if dataset:
        static, label_array = load_dataset(dataset, graph, samples)
        input_scale = input_scale or INPUT_SCALES[dataset]
    else:
        static, label_array = load_array(input_path), load_array(labels) if labels else None
    inputs = prepare_inputs(graph, static, steps, source=input_path or dataset)
    if samples:  # the batch axis of [T, B, ...]
        inputs = inputs[:, :samples]
        label_array = None if label_array is None else label_array[:samples]
    config = RunConfig(dt=dt, device=device, dtype="float64" if float64 else "float32",
                       precision=precision, progress=not as_json, record=bool(record_path),
                       extra={"input_scale": input_scale} if input_scale else {})
    if sweep_bits:
        from snn2hw.backends.fixed.sweep import run_sweep

        if backend != "fixed":
            raise click.UsageError("--sweep-bits needs --backend fixed")
        run_sweep(graph, inputs, label_array, sweep_bits, config, plot, as_json)
        return
    result = run_graph(graph, backend, inputs, config)
    if output_path:
        save_array(result.output, output_path)
    if record_path:
        save_records(result.records, record_path)
    summary = _summary(graph, result.output, label_array)
    summary.update(backend=backend, graph=str(graph_path))
    if show_report:
        summary["report"] = to_jsonable(result.stats.get("report"))
    if as_json:
        print_json(summary)
        return
    print_table(f"{graph_path} on {backend}", [{k: v for k, v in summary.items()
                                                 if k not in ("predictions", "report")}])
    if show_report:
        print_json(summary["report"])


def _load(path: str, backend: str):
    """A ``.nir`` graph, or an exported ``.onnx`` step (which only the onnx backend runs)."""
    if not path.lower().endswith(".onnx"):
        return read_graph(path)
    if backend != "onnx":
        raise BadInputError(f"{path}: an ONNX step runs only with --backend onnx")
    return load_backend_class("onnx").load(path)


def _summary(graph, output: np.ndarray, labels: np.ndarray | None) -> dict:
    mode = metadata.graph_value(graph, metadata.READOUT, "mean")
    summary = {"output_shape": list(output.shape), "readout": mode}
    if output.ndim == 3:
        predictions = readout(output, mode).argmax(axis=1)
        summary["predictions"] = predictions.tolist()
        if labels is not None:
            summary["accuracy"] = float((predictions == labels.reshape(-1)).mean())
    return summary
