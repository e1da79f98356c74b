"""``snn2hw energy``: SynOps and energy per layer (architecture, model or published counts)."""

from __future__ import annotations

import click

from snn2hw.cli.options import (
    POSITIVE_FLOAT,
    POSITIVE_INT,
    SHAPE,
    InputFile,
    OutputFile,
    refuse_overwriting,
)
from snn2hw.hw.energy_models import DEFAULT_MODEL, ENERGY_MODELS
from snn2hw.report import print_json, print_table

# per-layer key -> column header (the table; --json keeps every key)
LAYER_COLUMNS = {"name": "layer", "params": "params", "dense_macs": "MACs/step",
                 "neurons": "neurons", "fan_out": "fan-out", "input_rate": "in rate",
                 "macs": "MACs", "sops": "SOPs", "energy_mj": "mJ"}
PUBLISHED_COLUMNS = {"model": "model", "SOPs (G)": "SOPs G", "MACs (G)": "MACs G",
                     "published (mJ)": "paper mJ", "ours (mJ)": "ours mJ",
                     "same to the printed digit": "same",
                     "consistent within printed rounding": "in rounding",
                     "published params (M)": "paper M", "our params (M)": "ours M"}


def _human(value):
    """Large counts with an SI suffix (115.6M); small floats to 4 significant digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.4g}{suffix}"
    return f"{value:.4g}" if isinstance(value, float) else value


def _renamed(rows: list[dict], columns: dict[str, str], human: bool = True) -> list[dict]:
    return [{header: (_human(row.get(key, "")) if human else row.get(key, ""))
             for key, header in columns.items()} for row in rows]


@click.command("energy")
@click.argument("source", required=False, type=InputFile())
@click.option("--model", help="Architecture alone: sew18, sew34, sew50, vgg11-dvs48, ...")
@click.option("--T", "steps", type=POSITIVE_INT,
              help="Time steps (default: the model's, else 4).")
@click.option("--input-shape", type=SHAPE, help="Per-sample input shape, e.g. 3,224,224.")
@click.option("--dataset", type=click.Choice(["digits"]), help="Measure rates on this data.")
@click.option("--input", "input_path", type=InputFile(),
              help="Measure rates on this .npy input.")
@click.option("--samples", type=POSITIVE_INT, default=64, show_default=True)
@click.option("--rates", "rates_path", type=InputFile(),
              help="JSON rate profile {layer: rate} or {\"mean\": rate}.")
@click.option("--sops", type=POSITIVE_FLOAT, help="Published SOPs in G: reproduce a published row.")
@click.option("--macs", type=POSITIVE_FLOAT,
              help="With --sops: published MACs in G (else our stem's).")
@click.option("--published", is_flag=True, help="Reproduce every published row.")
@click.option("--hw", type=click.Choice(list(ENERGY_MODELS)), default=DEFAULT_MODEL,
              show_default=True)
@click.option("--first-layer", type=click.Choice(["once", "per-step"]), default="once",
              show_default=True, help="Real-valued stem MACs counted once or T times.")
@click.option("--nonbinary", type=click.Choice(["ac", "mac"]), default="ac", show_default=True,
              help="Non-binary inputs (SEW ADD 0/1/2): accumulates or dense MACs.")
@click.option("--count", type=click.Choice(["rate", "effective"]), default="rate",
              show_default=True, help="T x rate x MACs, or the synapses each spike really drives.")
@click.option("--plot", type=OutputFile(), help="Save per-layer bars as PNG.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--trust", is_flag=True, help="Allow full unpickling of a checkpoint.")
def command(source, model, steps, input_shape, dataset, input_path, samples, rates_path, sops,
            macs, published, hw, first_layer, nonbinary, count, plot, as_json, trust) -> None:
    """Parameters, MACs, SynOps and energy per layer and per sample."""
    refuse_overwriting([source, input_path, rates_path], {"--plot": plot})
    from snn2hw.energy import EnergyRequest, published_rows, run_energy  # torch: only here

    if published or sops is not None:
        rows = published_rows(model if sops is not None else None, sops, macs, hw)
        if as_json:
            print_json(rows)
        else:
            print_table(f"Published rows recomputed ({hw}, stem MACs counted once)",
                        _renamed(rows, PUBLISHED_COLUMNS, human=False))
        return
    request = EnergyRequest(
        source=source, model=model, T=steps, input_shape=input_shape, dataset=dataset,
        input_path=input_path, samples=samples, rates_path=rates_path, hw=hw,
        options={"first_layer": first_layer, "nonbinary": nonbinary, "count": count}, trust=trust)
    summary = run_energy(request, plot)
    if as_json:
        print_json(summary)
        return
    print_table(f"{summary['title']} ({summary['rates']} rates, {hw})",
                _renamed(summary["layers"], LAYER_COLUMNS))
    print_table("Totals per sample", [{k: _human(v) for k, v in summary["totals"].items()}])
