"""``snn2hw plot``: the figures of a run (spike raster, membrane traces, accuracy per time
step, firing rates, energy per layer, agreement across backends)."""

from __future__ import annotations

import click

from snn2hw.cli.options import (
    NON_NEGATIVE_INT,
    POSITIVE_FLOAT,
    POSITIVE_INT,
    STEPS,
    InputFile,
    OutputFile,
    dataset_option,
    device_option,
    dt_option,
    input_option,
    refuse_overwriting,
)
from snn2hw.hw.energy_models import DEFAULT_MODEL, ENERGY_MODELS
from snn2hw.registry import BACKENDS

KINDS = ("raster", "membrane", "accuracy", "rates", "energy", "agreement")


@click.command("plot")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("graph_paths", nargs=-1, required=True, type=InputFile())
@click.option("-o", "--output", "output_path", required=True, type=OutputFile(),
              help="Figure file; the format follows the extension (.png, .pdf, .svg, ...).")
@input_option
@click.option("--labels", type=InputFile(), help=".npy integer labels [B].")
@dataset_option("Inputs and labels instead of --input (digits: its test split)")
@click.option("--samples", type=POSITIVE_INT, help="Use only the first N samples (default: all).")
@click.option("--T", "steps", type=STEPS,
              help="Time steps for a static input (default: the graph's T).")
@dt_option
@device_option
@click.option("--backend", "-b", "backends", multiple=True, type=click.Choice(list(BACKENDS)),
              help="accuracy: backends to draw (default reference); agreement: backends "
                   "compared with the reference (default fixed and onnx). Repeatable.")
@click.option("--layer", "layers", multiple=True,
              help="raster: layers to draw (default: the spiking layers); membrane: the "
                   "layer (default: the first spiking one). Repeatable.")
@click.option("--neuron", "neurons", multiple=True, type=NON_NEGATIVE_INT,
              help="membrane: flat neuron indices to trace (default 0, 1, 2). Repeatable.")
@click.option("--sample", type=NON_NEGATIVE_INT, default=0, show_default=True,
              help="raster, membrane: which sample of the batch.")
@click.option("--hw", type=click.Choice(list(ENERGY_MODELS)), default=DEFAULT_MODEL,
              show_default=True, help="energy: hardware model.")
@click.option("--input-scale", type=POSITIVE_FLOAT,
              help="Fixed point: integer input = input * scale (digits: 16, spikes: 1).")
@click.option("--json", "as_json", is_flag=True, help="Print the plotted numbers as JSON.")
def command(kind, graph_paths, output_path, input_path, labels, dataset, samples, steps, dt,
            device, backends, layers, neurons, sample, hw, input_scale, as_json) -> None:
    """Draw KIND for GRAPH_PATHS (.nir; several for accuracy, rates and agreement).

    \b
    raster     spikes of chosen layers for one sample (time step x neuron)
    membrane   membrane potential of chosen neurons, threshold and v_init marked
    accuracy   accuracy after each time step, per backend (and per graph)
    rates      firing rate per spiking layer (per graph)
    energy     input rate and energy per layer: MACs, ACs, neuron updates
    agreement  graphs x backends: spikes and predictions equal to the reference
    """
    from snn2hw.plots.make import PlotRequest, make_plot
    from snn2hw.report import print_json, print_line

    if kind != "energy" and input_path is None and dataset is None:
        raise click.UsageError("give --input X.npy or --dataset")
    refuse_overwriting([*graph_paths, input_path, labels], {"--output": output_path})
    data = make_plot(PlotRequest(
        kind=kind, graph_paths=list(graph_paths), output=output_path,
        dataset=str(dataset) if dataset else None,
        input_path=input_path, labels_path=labels, samples=samples, steps=steps, dt=dt,
        device=device, backends=list(backends), layers=list(layers), neurons=list(neurons),
        sample=sample, hw=hw, input_scale=input_scale))
    if as_json:
        print_json(data)
    else:
        print_line(f"wrote {output_path} ({kind})")
