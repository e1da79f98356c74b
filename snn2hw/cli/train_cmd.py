"""``snn2hw train``: a digits SNN with IMP and LTS (or SDT/TET/TET-S), saved as a checkpoint."""

from __future__ import annotations

import click

from snn2hw.cli.options import POSITIVE_FLOAT, POSITIVE_INT, STEPS, OutputFile, dataset_option
from snn2hw.defaults import LOSSES
from snn2hw.train.config import DIGITS_ARCHS, OPTIMIZERS, TrainConfig


@click.command("train")
@click.option("--arch", type=click.Choice(DIGITS_ARCHS), default="digits-cnn", show_default=True)
@click.option("--loss", type=click.Choice(LOSSES), default="lts", show_default=True,
              help="lts: last time step; sdt: time mean; tet / tet-s: per-step (label-smoothed).")
@click.option("--imp/--no-imp", default=True, show_default=True,
              help="Learnable initial membrane potential per neuron.")
@click.option("--neuron", type=click.Choice(["if", "lif"]), default="if", show_default=True)
@click.option("--T", "steps", type=STEPS, default=TrainConfig.T, show_default=True,
              help="Time steps.")
@click.option("--epochs", type=POSITIVE_INT, default=TrainConfig.epochs, show_default=True)
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default=TrainConfig.optimizer,
              show_default=True)
@click.option("--lr", type=POSITIVE_FLOAT, default=TrainConfig.lr, show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=TrainConfig.seed,
              show_default=True)
@click.option("-o", "--output", type=OutputFile(), required=True,
              help="Checkpoint to write (snn2hw format, loads with weights_only=True).")
@dataset_option("Labelled [N, 1, 8, 8] data, split 75/25 as digits (default: digits)")
@click.option("--samples", type=POSITIVE_INT,
              help="Use only the first N samples of --dataset (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
def command(arch: str, loss: str, imp: bool, neuron: str, steps: int, epochs: int,
            optimizer: str, lr: float, seed: int, output: str, dataset, samples: int | None,
            as_json: bool) -> None:
    """Train a digits-sized SNN (default: scikit-learn's bundled 8x8 digits) and save a
    checkpoint."""
    from snn2hw.checkpoint import save_checkpoint
    from snn2hw.report import print_json, print_table
    from snn2hw.train import train

    config = TrainConfig(arch=arch, loss=loss, imp=imp, neuron=neuron, T=steps, epochs=epochs,
                         optimizer=optimizer, lr=lr, seed=seed)
    result = train(config, progress=not as_json, data=_data(dataset, samples, steps, as_json))
    save_checkpoint(result.checkpoint, output)
    summary = {"checkpoint": output, "test_accuracy": result.history[-1]["test_accuracy"],
               "seconds": round(result.seconds, 1), "history": result.history}
    if as_json:
        print_json(summary)
        return
    print_table(f"{arch}, {loss}, IMP {'on' if imp else 'off'}, T={steps}", result.history,
                columns=["epoch", "loss", "test_accuracy"])
    click.echo(f"saved {output}: test accuracy {summary['test_accuracy']:.4f} "
               f"in {summary['seconds']} s")


def _data(dataset, samples: int | None, steps: int, as_json: bool):
    """Train and test splits of ``--dataset`` (None: the trainer's digits split)."""
    if dataset is None or (dataset.kind == "digits" and not samples):
        return None
    from snn2hw.data.digits import INPUT_SHAPE, digits_for_shape, digits_split, split
    from snn2hw.data.spec import load_spec
    from snn2hw.errors import BadInputError

    if dataset.kind == "digits":  # the first N training images, the whole test split
        return digits_for_shape(INPUT_SHAPE, "train", samples), digits_split("test")

    x, y = load_spec(dataset, INPUT_SHAPE, steps, samples, part="train", progress=not as_json)
    if y is None:
        raise BadInputError(f"{dataset}: training needs labels (npy:X.npy,y.npy)")
    if x.ndim != len(INPUT_SHAPE) + 1 or len(y) < 4 or y.min() < 0 or y.max() > 9:
        raise BadInputError(f"{dataset}: training needs at least 4 static [N, 1, 8, 8] samples "
                            "with labels 0..9 (the digits architectures)")
    return split(x.astype("float32"), y)
