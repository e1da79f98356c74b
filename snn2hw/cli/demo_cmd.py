"""``snn2hw demo``: the whole pipeline on the embedded default (digits, IMP + LTS)."""

from __future__ import annotations

from pathlib import Path

import click

from snn2hw.cli.options import POSITIVE_INT


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False), default="runs/demo", show_default=True,
              help="Folder for the checkpoint, the NIR graph and the outputs.")
@click.option("--epochs", type=POSITIVE_INT, default=15, show_default=True)
@click.option("--lava-samples", type=POSITIVE_INT, default=30, show_default=True,
              help="Test images for the (slow) Lava simulations.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def command(out: str, epochs: int, lava_samples: int, as_json: bool) -> None:
    """Train a digits SNN with IMP + LTS, export it to NIR, run every backend, compare."""
    from snn2hw.demo import demo_record, run_demo, summary_rows
    from snn2hw.report import Column, fmt_energy_mj, print_json, print_table

    result = run_demo(Path(out), epochs, say=lambda line: click.echo(line, err=True),
                      lava_samples=lava_samples)
    if as_json:
        print_json(demo_record(result))
        return
    click.echo(f"checkpoint {result.checkpoint}  (test accuracy {result.train_accuracy:.3f})")
    click.echo(f"NIR graph  {result.graph}")
    print_table("The same NIR graph on every backend (digits test split)", summary_rows(result),
                columns=["backend", "samples", "accuracy",
                         Column("agreement", "same prediction as reference"), "seconds", "note"])
    print_table("Energy per sample (rates measured on 64 test images)",
                [{"hardware model": e["hw"], **e["totals"]} for e in result.energy],
                columns=["hardware model", Column("macs", "MACs"), Column("sops", "SOPs"),
                         Column("energy_mj", "energy", fmt_energy_mj)])
