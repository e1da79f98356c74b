"""``snn2hw evaluate``: the digits test accuracy of an snn2hw checkpoint, with its own readout."""

from __future__ import annotations

import click

from snn2hw.cli.options import InputFile


@click.command("evaluate")
@click.argument("checkpoint", type=InputFile())
@click.option("--trust", is_flag=True, help="Allow full unpickling (trusted files only).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(checkpoint: str, trust: bool, as_json: bool) -> None:
    """Test accuracy of a digits CHECKPOINT (written by `snn2hw train`) on the 450 test images."""
    from snn2hw.checkpoint import load_checkpoint
    from snn2hw.data.digits import INPUT_SHAPE, digits_split
    from snn2hw.errors import BadInputError
    from snn2hw.report import print_json, print_table
    from snn2hw.train import evaluate
    from snn2hw.train.trainer import torch_threads

    ckpt = load_checkpoint(checkpoint, trust=trust)
    if tuple(ckpt.input_shape) != INPUT_SHAPE or not ckpt.static_input:
        raise BadInputError(f"{checkpoint}: not a digits model (its input is "
                            f"{ckpt.input_shape}, static={ckpt.static_input}; digits are 1x8x8)")
    try:
        model = ckpt.build()
    except BadInputError as exc:  # the weights do not fit the stored architecture
        raise BadInputError(f"{checkpoint}: {exc}") from exc
    test = digits_split("test")
    with torch_threads(1):
        accuracy = evaluate(model, test.x, test.y, ckpt.readout)
    row = {"checkpoint": checkpoint, "arch": ckpt.arch, "T": ckpt.T, "readout": ckpt.readout,
           "test_accuracy": accuracy, "samples": len(test.y)}
    if as_json:
        print_json(row)
    else:
        print_table("Evaluation", [row])
