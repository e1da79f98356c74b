"""``snn2hw evaluate``: the test accuracy of an snn2hw checkpoint, with its own readout."""

from __future__ import annotations

import click

from snn2hw.cli.options import POSITIVE_INT, InputFile, dataset_option


@click.command("evaluate")
@click.argument("checkpoint", type=InputFile())
@dataset_option("Labelled data at the model's input shape (default: digits' 450 test images)")
@click.option("--samples", type=POSITIVE_INT, help="Use only the first N samples (default: all).")
@click.option("--trust", is_flag=True, help="Allow full unpickling (trusted files only).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(checkpoint: str, dataset, samples: int | None, trust: bool, as_json: bool) -> None:
    """Test accuracy of CHECKPOINT (written by `snn2hw train`) on digits or --dataset."""
    from snn2hw import distributed
    from snn2hw.checkpoint import load_checkpoint
    from snn2hw.data.digits import INPUT_SHAPE
    from snn2hw.data.spec import load_spec, parse_spec
    from snn2hw.errors import BadInputError
    from snn2hw.report import print_json, print_table
    from snn2hw.train import evaluate
    from snn2hw.train.trainer import torch_threads

    ckpt = load_checkpoint(checkpoint, trust=trust)
    if dataset is None and (tuple(ckpt.input_shape) != INPUT_SHAPE or not ckpt.static_input):
        raise BadInputError(f"{checkpoint}: not a digits model (its input is "
                            f"{ckpt.input_shape}, static={ckpt.static_input}; digits are 1x8x8)")
    try:
        model = ckpt.build()
    except BadInputError as exc:  # the weights do not fit the stored architecture
        raise BadInputError(f"{checkpoint}: {exc}") from exc
    dataset = dataset or parse_spec("digits")
    x, y = load_spec(dataset, ckpt.input_shape, ckpt.T, samples, progress=not as_json)
    if y is None:
        raise BadInputError(f"{dataset}: evaluation needs labels (npy:X.npy,y.npy)")
    if not ckpt.static_input or x.ndim != len(ckpt.input_shape) + 1:
        raise BadInputError(f"{dataset}: evaluate runs static [B, ...] inputs on static-input "
                            "models; export the model and use `snn2hw run --dataset`")
    part = distributed.rank_slice(len(y))  # under torchrun: this rank's shard
    shard = len(y[part])
    with torch_threads(1):
        correct = round(evaluate(model, x[part], y[part], ckpt.readout) * shard) if shard else 0
    accuracy = distributed.total(correct) / len(y)
    if not distributed.is_writer():
        return
    row = {"checkpoint": checkpoint, "arch": ckpt.arch, "T": ckpt.T, "readout": ckpt.readout,
           "dataset": str(dataset), "test_accuracy": accuracy, "samples": len(y)}
    if as_json:
        print_json(row)
    else:
        print_table("Evaluation", [row])
