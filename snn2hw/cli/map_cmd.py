"""``snn2hw map``: neurons, synapses, synaptic memory and neuro-cores per layer on a chip."""

from __future__ import annotations

import click

from snn2hw.report import Column, print_json, print_line, print_record, print_table

TARGETS = ("loihi2", "loihi1")


def _bytes(bits: int) -> str:
    """Memory in binary units: ``2,654,208`` bits -> ``324 KiB``."""
    value = bits / 8
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.4g} {unit}"
        value /= 1024
    return f"{value:.4g} GiB"


LAYER_COLUMNS = [
    Column("name", "layer"), Column("kind"), Column("neurons", justify="right"),
    Column("synapses", justify="right"),
    Column("synaptic_memory_bits", "memory", _bytes, "right"),
    Column("weight_bits", "weight bits", justify="right"),
    Column("fan_in", "fan-in", justify="right"), Column("fan_out", "fan-out", justify="right"),
    Column("cores", justify="right"),
]


@click.command("map")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--target", type=click.Choice(TARGETS), default="loihi2", show_default=True,
              help="Chip whose per-core limits are applied.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(model: str, target: str, as_json: bool) -> None:
    """Neurons, synapses and cores on a Loihi chip.

    Per layer of MODEL (a .nir file, float or quantised) and in total: neurons, synapses,
    synaptic memory, fan-in, fan-out and the neuro-cores under the chip's per-core limits;
    then how many chips the model needs."""
    from snn2hw.mapping import map_file

    summary = map_file(model, target)
    if as_json:
        print_json(summary)
        return
    weights = "stored integers" if summary["quantised"] else f"{summary['limits']['weight_bits']}"\
        "-bit weights"
    print_table(f"{model} on {target} ({weights}; dense synapse count)", summary["layers"],
                LAYER_COLUMNS)
    totals = dict(summary["totals"])
    totals["synaptic_memory_bits"] = _bytes(totals["synaptic_memory_bits"])
    print_record("Totals", totals, labels={"synaptic_memory_bits": "synaptic memory"})
    for problem in summary["problems"]:
        print_line(f"does not map: {problem}")
    for assumption in summary["assumptions"]:
        print_line(f"assumption: {assumption}")
