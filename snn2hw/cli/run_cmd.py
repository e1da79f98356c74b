"""``snn2hw run``: execute a NIR graph on any backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from snn2hw.cli.options import (
    INPUT_SCALE,
    POSITIVE_INT,
    STEPS,
    TIME_STEP,
    InputFile,
    OutputFile,
    dataset_option,
    device_option,
    input_option,
    refuse_overwriting,
)
from snn2hw.registry import BACKENDS

if TYPE_CHECKING:
    import numpy as np


@click.command("run")
@click.argument("graph_path", type=InputFile())
@click.option("--backend", "-b", type=click.Choice(list(BACKENDS)), default="reference",
              show_default=True)
@input_option
@click.option("--labels", type=InputFile(), help=".npy integer labels [B].")
@click.option("--T", "steps", type=STEPS,
              help="Time steps for a static input (default: graph's T).")
@click.option("--dt", type=TIME_STEP,
              help="Time step in seconds (default: graph's, else 1e-4).")
@click.option("--precision", type=click.Choice(["float", "fixed"]), default="float",
              show_default=True, help="Lava only: floating_pt or bit-accurate fixed_pt.")
@device_option
@click.option("--float64", is_flag=True, help="Reference: compute in float64.")
@click.option("--compile", "compiled", is_flag=True,
              help="Reference: run through torch.compile (a one-off compilation, ~20 s for "
                   "SEW-ResNet-18, then ~0.85x the time per batch; same results).")
@click.option("--half", type=click.Choice(["float16", "bfloat16"]),
              help="Reference: convolutions and dense layers in this type (float16 on GPUs, "
                   "bfloat16 on CPUs with AVX-512 BF16), membranes and sums float32; a few "
                   "spikes may differ from float32 (benchmarks/gpu_speed.py counts them).")
@click.option("-o", "--output", "output_path", type=OutputFile(),
              help="Save the output [T, B, ...] as .npy.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@dataset_option("Inputs and labels instead of --input (digits: its test split)")
@click.option("--samples", type=POSITIVE_INT, help="Use only the first N samples (default: all).")
@click.option("--input-scale", type=INPUT_SCALE,
              help="Fixed point: integer input = input * scale (digits: 16, spikes: 1).")
@click.option("--mode", type=click.Choice(["loihi", "generic"]),
              help="Fixed: loihi (default, the chip's arithmetic) or generic (bit-width studies); "
                   "a quantised file runs in its own mode.")
@click.option("--sweep-bits", help="Fixed: accuracy for each weight width vs float, e.g. 2..8.")
@click.option("--plot", type=OutputFile(), help="With --sweep-bits: save a PNG.")
@click.option("--record", "record_path", type=OutputFile(),
              help="Save every node's output [T, B, ...] (spikes) as .npz, keyed by node name.")
@click.option("--initial-state", type=click.Choice(["reset", "zero"]),
              help="reset: hard-reset neurons without snn2hw.v_init start at v_reset (as in "
                   "SpikingJelly, whose NIR files cannot say so); zero: every neuron at 0 "
                   "(IMP dropped). Default: as the file says.")
@click.option("--report", "show_report", is_flag=True,
              help="Print the backend's report (Lava/fixed: per-layer formats and scales).")
def command(graph_path, backend, input_path, labels, steps, dt, precision, device, float64,
            compiled, half, output_path, as_json, dataset, samples, input_scale, mode,
            sweep_bits, plot, record_path, initial_state, show_report) -> None:
    """Run GRAPH_PATH (.nir; .onnx with --backend onnx) on a backend and print predictions
    (and accuracy with --labels)."""
    _check_options(backend, input_path, labels, dataset, precision, sweep_bits, plot,
                   output_path, record_path, compiled, half, float64)
    refuse_overwriting([graph_path, input_path, labels],
                       {"-o": output_path, "--record": record_path, "--plot": plot})

    from snn2hw.backend import RunConfig
    from snn2hw.data import input_scale as data_scale
    from snn2hw.data import load_dataset
    from snn2hw.errors import about
    from snn2hw.report import fmt_percent, print_json, print_record, print_report, to_jsonable
    from snn2hw.runner import load_array, prepare_inputs, run_graph, save_outputs

    with about(graph_path):
        graph = _load(graph_path, backend)
    if initial_state:
        graph = _initial_state(graph, initial_state, graph_path)
    label_array: np.ndarray | None
    if dataset:
        with about(graph_path):
            static, label_array = load_dataset(dataset, graph, samples, steps, not as_json)
        input_scale = input_scale or data_scale(dataset)
    else:
        with about(input_path):
            static = load_array(input_path)
        with about(labels):
            label_array = _labels(labels) if labels else None
    inputs = prepare_inputs(graph, static, steps, source=input_path or str(dataset))
    if samples:  # the batch axis of [T, B, ...]
        inputs = inputs[:, :samples]
        label_array = None if label_array is None else label_array[:samples]
    if label_array is not None and len(label_array) != inputs.shape[1]:
        raise click.BadParameter(f"{labels}: {len(label_array)} labels for {inputs.shape[1]} "
                                 "samples", param_hint="--labels")
    config = RunConfig(dt=dt, device=device, dtype="float64" if float64 else "float32",
                       precision=precision, progress=not as_json, record=bool(record_path),
                       extra={k: v for k, v in (("input_scale", input_scale), ("mode", mode),
                                                ("compile", compiled), ("half", half))
                              if v})
    if sweep_bits:
        from snn2hw.registry import tool

        run_sweep = tool("fixed.sweep")

        with about(graph_path):
            run_sweep(graph, inputs, label_array, sweep_bits, config, plot, as_json)
        return
    from snn2hw import distributed  # under torchrun: this rank's shard, then all shards

    shard, _ = distributed.shard(inputs, None)
    with about(graph_path):
        result = distributed.gather(run_graph(graph, backend, shard, config), shard.shape[1])
    if not distributed.is_writer():
        return
    summary = _summary(graph, result.output, label_array)  # its checks come before any write
    save_outputs(output_path, result.output, record_path, result.records)
    summary.update(backend=backend, graph=str(graph_path))
    if show_report:
        summary["report"] = to_jsonable(result.stats.get("report"))
    if as_json:
        print_json(summary)
        return
    print_record(f"{graph_path} on {backend}", {k: v for k, v in summary.items()
                                                 if k not in ("predictions", "report")},
                 formats={"accuracy": fmt_percent})
    if show_report:
        from snn2hw.cli.energy_cmd import LAYER_COLUMNS

        print_report(result.stats.get("report"), f"{backend} report",
                     {"layers": LAYER_COLUMNS} if backend == "energy" else None)


def _check_options(backend, input_path, labels, dataset, precision, sweep_bits, plot,
                   output_path, record_path, compiled, half, float64) -> None:
    """Option combinations that cannot work, refused before anything is loaded."""
    if input_path is None and dataset is None:
        raise click.UsageError("give --input X.npy or --dataset")
    if input_path is not None and dataset is not None:
        raise click.UsageError("give either --input or --dataset, not both")
    if labels is not None and dataset is not None:
        raise click.UsageError("--labels goes with --input (a --dataset brings its labels)")
    if precision == "fixed" and backend != "lava":
        raise click.BadParameter("fixed is Lava's bit-accurate mode; use --backend fixed for "
                                 "the fixed-point backend", param_hint="--precision")
    if compiled and backend != "reference":
        raise click.BadParameter("only the reference backend compiles with torch.compile",
                                 param_hint="--compile")
    if half and backend != "reference":
        raise click.BadParameter("only the reference backend runs in half precision",
                                 param_hint="--half")
    if half and float64:
        raise click.BadParameter("half-precision layers do not go with --float64",
                                 param_hint="--half")
    if plot and not sweep_bits:
        raise click.BadParameter("only --sweep-bits draws a plot", param_hint="--plot")
    if sweep_bits:
        from snn2hw.registry import tool

        parse_bits = tool("fixed.parse_bits")

        if backend != "fixed":
            raise click.UsageError("--sweep-bits needs --backend fixed")
        if labels is None and dataset is None:
            raise click.UsageError("--sweep-bits needs labels (--labels or --dataset)")
        if output_path or record_path:
            raise click.UsageError("--sweep-bits writes no -o/--record (only --plot)")
        parse_bits(sweep_bits)


def _load(path: str, backend: str):
    """A ``.nir`` graph, or an exported ``.onnx`` step (which only the onnx backend runs)."""
    from snn2hw.errors import BadInputError
    from snn2hw.ir.io import read_graph
    from snn2hw.registry import tool

    if not path.lower().endswith(".onnx"):
        return read_graph(path)
    if backend != "onnx":
        raise BadInputError(f"{path}: an ONNX step runs only with --backend onnx")
    return tool("onnx.load")(path)


def _initial_state(graph, mode: str, path: str):
    """``graph`` with its neurons starting as ``--initial-state`` says (.nir graphs only)."""
    import nir

    from snn2hw.passes.initial_state import with_initial_state

    if not isinstance(graph, nir.NIRGraph):
        raise click.BadParameter(f"{path}: an ONNX step has its initial state built in",
                                 param_hint="--initial-state")
    return with_initial_state(graph, mode)


def _labels(path: str):
    """Integer class labels, one per sample."""
    from snn2hw.data.spec import load_labels

    return load_labels(path)


def _summary(graph, output, labels) -> dict:
    from snn2hw.ir import metadata
    from snn2hw.runner import readout

    mode = metadata.graph_value(graph, metadata.READOUT, "mean")
    summary = {"output_shape": list(output.shape), "readout": mode}
    if output.ndim == 3:
        predictions = readout(output, mode).argmax(axis=1)
        summary["predictions"] = predictions.tolist()
        if labels is not None:
            summary["accuracy"] = float((predictions == labels.reshape(-1)).mean())
    return summary
