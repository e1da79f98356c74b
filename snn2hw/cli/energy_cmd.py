"""``snn2hw energy``: SynOps and energy per layer (architecture, model or published counts)."""

from __future__ import annotations

import click

from snn2hw.cli.options import (
    POSITIVE_FLOAT,
    POSITIVE_INT,
    SHAPE,
    STEPS,
    InputFile,
    OutputFile,
    dataset_option,
    refuse_overwriting,
)
from snn2hw.hw.energy_models import DEFAULT_MODEL, ENERGY_MODELS
from snn2hw.report import (
    Column,
    fmt_energy_mj,
    print_json,
    print_line,
    print_record,
    print_table,
)

LAYER_COLUMNS = [
    Column("name", "layer"), Column("params", justify="right"),
    Column("dense_macs", "MACs per step", justify="right"),
    Column("neurons", justify="right"),
    Column("input_rate", "input rate", lambda r: "real" if r is None else f"{r:.4g}", "right"),
    Column("macs", "MACs", justify="right"), Column("sops", "SOPs", justify="right"),
    Column("energy_mj", "energy", fmt_energy_mj, "right"),
]
PUBLISHED_COLUMNS = [
    Column("model"), Column("sops", "SOPs", justify="right"),
    Column("macs", "MACs", justify="right"),
    Column("published_energy_mj", "paper", fmt_energy_mj, "right"),
    Column("energy_mj_printed", "ours", fmt_energy_mj, "right"),
    Column("same_to_printed_digit", "same digit"),
    Column("consistent_within_printed_rounding", "within rounding"),
    Column("published_params_m", "paper params", lambda m: "" if m is None else f"{m:g}M",
           "right"),
    Column("params", "our params", justify="right"),
]
TOTAL_LABELS = {"params": "params (weights + biases)", "imp_params": "IMP params (v_init)",
                "torch_params": "torch model params (BN unfolded, no IMP)",
                "macs": "MACs", "sops": "SOPs (synaptic operations)", "energy_mj": "energy"}


def headline(summary: dict) -> str:
    """The first line: what was estimated, the energy per sample, and whether it is a bound."""
    energy = fmt_energy_mj(summary["totals"]["energy_mj"])
    where = f"{summary['title']} on {summary['hw']}"
    if summary["rates"].startswith("upper bound"):
        return (f"UPPER BOUND {energy} per sample ({where}): every input rate set to 1; "
                "measure rates with --dataset or --input, or give --rates.")
    return f"{energy} per sample ({where}, {summary['rates']} rates)"


@click.command("energy")
@click.argument("source", required=False, type=InputFile())
@click.option("--arch", "--model", "arch",
              help="Architecture alone: sew18, sew34, sew50, vgg11-dvs48, ... (--model is the "
                   "same option, as in the paper's tables).")
@click.option("--T", "steps", type=STEPS,
              help="Time steps (default: the model's, else 4).")
@click.option("--input-shape", type=SHAPE, help="Per-sample input shape, e.g. 3,224,224.")
@dataset_option("Measure rates on this data")
@click.option("--input", "input_path", type=InputFile(),
              help="Measure rates on this .npy input.")
@click.option("--samples", type=POSITIVE_INT, default=64, show_default=True,
              help="Samples of --dataset or --input the rates are measured on.")
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
@click.option("--plot", type=OutputFile(),
              help="Save the per-layer figure (.png, .pdf, .svg: format from the extension).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--trust", is_flag=True, help="Allow full unpickling of a checkpoint.")
def command(source, arch, steps, input_shape, dataset, input_path, samples,
            rates_path, sops, macs, published, hw, first_layer, nonbinary, count, plot, as_json,
            trust) -> None:
    """Parameters, MACs, SynOps and energy per layer and per sample."""
    refuse_overwriting([source, input_path, rates_path], {"--plot": plot})
    from snn2hw.energy import EnergyRequest, published_rows, run_energy  # torch: only here
    from snn2hw.errors import about

    if published or sops is not None:
        rows = published_rows(arch if sops is not None else None, sops, macs, hw)
        if as_json:
            print_json(rows)
        else:
            print_table(f"Published rows recomputed ({hw}, stem MACs counted once)", rows,
                        [c for c in PUBLISHED_COLUMNS if c.key in rows[0]])
        return
    request = EnergyRequest(
        source=source, model=arch, T=steps, input_shape=input_shape, dataset=dataset,
        input_path=input_path, samples=samples, rates_path=rates_path, hw=hw,
        options={"first_layer": first_layer, "nonbinary": nonbinary, "count": count}, trust=trust)
    with about(source):  # errors name the model file (those about --rates name theirs)
        summary = run_energy(request, plot)
    if as_json:
        print_json(summary)
        return
    print_line(headline(summary))
    print_table("Per layer and sample", summary["layers"], LAYER_COLUMNS)
    totals = {k: v for k, v in summary["totals"].items() if v is not None}
    print_record("Totals per sample", totals, labels=TOTAL_LABELS,
                 formats={"energy_mj": fmt_energy_mj})
