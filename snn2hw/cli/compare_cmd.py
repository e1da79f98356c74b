"""``snn2hw compare``: models side by side on the same inputs (IMP vs no IMP, say)."""

from __future__ import annotations

import click

from snn2hw.cli.options import (
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
from snn2hw.report import (
    Column,
    fmt_energy_mj,
    fmt_percent,
    fmt_value,
    print_json,
    print_line,
    print_table,
)


@click.command("compare")
@click.argument("graph_paths", nargs=-1, required=True, type=InputFile())
@input_option
@click.option("--labels", type=InputFile(), help=".npy integer labels [B].")
@dataset_option("Inputs and labels instead of --input (digits: its test split)")
@click.option("--samples", type=POSITIVE_INT, default=256, show_default=True,
              help="Use only the first N samples.")
@click.option("--T", "steps", type=STEPS,
              help="Time steps for a static input (default: each graph's T).")
@dt_option
@device_option
@click.option("--hw", type=click.Choice(list(ENERGY_MODELS)), default=DEFAULT_MODEL,
              show_default=True, help="Energy model.")
@click.option("--plot", type=OutputFile(),
              help="Save the side-by-side figure (.png, .pdf, .svg: format from the extension).")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
def command(graph_paths, input_path, labels, dataset, samples, steps, dt, device, hw, plot,
            as_json) -> None:
    """Run GRAPH_PATHS (two or more .nir) on the same inputs with the reference backend and
    show them side by side: accuracy after each time step, firing rate per spiking layer,
    SOPs and energy per layer."""
    from snn2hw.compare import CompareRequest, compare
    from snn2hw.plots.figure import figure_format

    if input_path is None and dataset is None:
        raise click.UsageError("give --input X.npy or --dataset")
    if len(graph_paths) < 2:
        raise click.UsageError("give at least two graphs to compare")
    refuse_overwriting([*graph_paths, input_path, labels], {"--plot": plot})
    if plot:
        figure_format(plot)
    spec = str(dataset) if dataset else None
    result = compare(CompareRequest(list(graph_paths), spec, input_path, labels, samples,
                                    steps, dt, device, hw))
    if plot:
        from snn2hw.plots.compare import comparison

        comparison(result, plot)
    if as_json:
        print_json(result)
        return
    print_comparison(result)


TOTALS = (("accuracy", "accuracy (last step)", fmt_percent), ("params", "params", fmt_value),
          ("imp_params", "IMP params", fmt_value), ("macs", "MACs", fmt_value),
          ("sops", "SOPs", fmt_value), ("energy_mj", "energy", fmt_energy_mj))


def _ratio(values: list) -> str:
    a, b = values[0], values[-1]
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not a:
        return ""
    return f"{b / a:.3g}x"


def print_comparison(result: dict) -> None:
    """The tables of ``snn2hw compare``: totals, accuracy per step, rates, layers."""
    models = result["models"]
    names = [m["graph"] for m in models]
    first = models[0]
    print_line(f"{' vs '.join(names)} on {result['source']} ({first['samples']} samples, "
               f"T={first['T']}, reference backend, energy on {result['hw']})")
    totals = []
    for key, label, fmt in TOTALS:
        values = [m["accuracy"] if key == "accuracy" else m["totals"][key] for m in models]
        totals.append({"what": label, **{n: fmt(v) for n, v in zip(names, values, strict=True)},
                       "ratio": _ratio(values)})
    ratio = f"{names[-1]} / {names[0]}"
    print_table("Per sample", totals, [Column("what", ""),
                                       *(Column(n, n, str, "right") for n in names),
                                       Column("ratio", ratio, str, "right")])
    if first["accuracy_per_step"]:
        steps = [{"t": t + 1, **{m["graph"]: m["accuracy_per_step"][t] for m in models}}
                 for t in range(len(first["accuracy_per_step"]))]
        print_table("Accuracy after each time step (prediction from steps 1..t)", steps,
                    [Column("t", "step", justify="right"),
                     *(Column(n, n, fmt_percent, "right") for n in names)])
    layers = list(dict.fromkeys(layer for m in models for layer in m["firing_rates"]))
    rates = [{"layer": layer, **{m["graph"]: m["firing_rates"].get(layer) for m in models}}
             for layer in layers]
    print_table("Firing rate (spikes / neuron / step)", rates,
                [Column("layer"), *(Column(n, n, _rate, "right") for n in names)])
    print_table("SOPs and energy per layer", _layer_rows(models),
                [Column("layer"), *(c for n in names for c in (
                    Column(f"{n}.sops", f"{n} SOPs", justify="right"),
                    Column(f"{n}.energy", f"{n} energy", fmt_energy_mj, "right")))])


def _rate(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _layer_rows(models: list[dict]) -> list[dict]:
    rows: dict[str, dict] = {}
    for m in models:
        for layer in m["layers"]:
            row = rows.setdefault(layer["name"], {"layer": layer["name"]})
            row[f"{m['graph']}.sops"] = layer["sops"]
            row[f"{m['graph']}.energy"] = layer["energy_mj"]
    return list(rows.values())
