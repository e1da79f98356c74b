"""``snn2hw quantize``: write the integer (quantised) twin of a NIR graph."""

from __future__ import annotations

import click

from snn2hw.cli.options import (
    INPUT_SCALE,
    POSITIVE_INT,
    TIME_STEP,
    InputFile,
    OutputFile,
    dataset_option,
    refuse_overwriting,
)
from snn2hw.hw.generic import GRANULARITIES, ROUNDING_MODES


@click.command("quantize")
@click.argument("graph_path", type=InputFile())
@click.option("-o", "--output", "output_path", required=True, type=OutputFile(),
              help="Where to write the quantised .nir graph.")
@click.option("--mode", type=click.Choice(["loihi", "generic"]), default="loihi",
              show_default=True, help="loihi: Lava/Loihi formats; generic: configurable format.")
@click.option("--bits", type=click.IntRange(2, 8), default=8, show_default=True,
              help="Weight bits.")
@click.option("--state-bits", type=click.IntRange(3, 48), default=24, show_default=True,
              help="Generic: membrane bits.")
@click.option("--decay-bits", type=click.IntRange(1, 24), default=12, show_default=True,
              help="Generic: decay bits.")
@click.option("--granularity", type=click.Choice(GRANULARITIES), default="layer",
              show_default=True, help="Generic: one weight scale per layer or per output channel.")
@click.option("--rounding", type=click.Choice(ROUNDING_MODES), default="nearest",
              show_default=True, help="Generic: rounding of weights, parameters and decays.")
@click.option("--wrap", is_flag=True,
              help="Generic: wrap the membrane on overflow (default: saturate).")
@click.option("--input-scale", type=INPUT_SCALE,
              help="Integer input = input * scale (1: spikes, events; 16: digits pixels); "
                   "default 1, or calibrated on --dataset.")
@dataset_option("Calibrate --input-scale on this data")
@click.option("--samples", type=POSITIVE_INT, default=256, show_default=True,
              help="Calibration samples of --dataset.")
@click.option("--dt", type=TIME_STEP,
              help="Time step in seconds (default: graph's, else 1e-4).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(graph_path, output_path, mode, bits, state_bits, decay_bits, granularity, rounding,
            wrap, input_scale, dataset, samples, dt, as_json) -> None:
    """Quantise GRAPH_PATH so that the fixed and Lava backends run the very same integers."""
    refuse_overwriting([graph_path], {"-o": output_path})
    from snn2hw.registry import tool

    MODES = tool("fixed.modes")
    from snn2hw.errors import about
    from snn2hw.ir.io import read_graph, write_graph
    from snn2hw.report import print_json, print_record

    graph = None
    calibration = {}
    if dataset is not None and input_scale is None:
        from snn2hw.data import load_dataset
        from snn2hw.data.calibration import calibrate_input_scale

        with about(graph_path):
            graph = read_graph(graph_path)
            x, _ = load_dataset(dataset, graph, samples, progress=not as_json)
        input_scale, error = calibrate_input_scale(x, bits)
        calibration = {"calibrated_on": str(dataset), "input_rounding_error": error}
    options = {"weight_bits": bits, "input_scale": input_scale or 1.0}
    if mode == "generic":
        options.update(state_bits=state_bits, decay_bits=decay_bits, granularity=granularity,
                       rounding=rounding, saturate=not wrap)
    with about(graph_path):
        quantized = MODES[mode].quantize(graph or read_graph(graph_path), options, dt)
    write_graph(quantized, output_path)
    summary = {"graph": str(graph_path), "output": str(output_path), "mode": mode,
               **calibration, **MODES[mode].format_summary(quantized)}
    if as_json:
        print_json(summary)
    else:
        print_record("Quantised", summary)
