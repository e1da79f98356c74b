"""Train a digits SNN with IMP + LTS, save it, and reload it (the library behind `snn2hw train`).

    python examples/train_digits.py [--epochs 30] [--out runs/digits.pt]
"""

from __future__ import annotations

import argparse

from snn2hw.checkpoint import load_checkpoint, save_checkpoint
from snn2hw.data.digits import digits_split
from snn2hw.train import TrainConfig, evaluate, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="runs/digits.pt")
    args = parser.parse_args()
    result = train(TrainConfig(arch="digits-cnn", loss="lts", imp=True, T=4, epochs=args.epochs))
    save_checkpoint(result.checkpoint, args.out)
    test = digits_split("test")
    reloaded = load_checkpoint(args.out)
    accuracy = evaluate(reloaded.build(), test.x, test.y, reloaded.readout)
    print(f"{args.out}: IMP+LTS digits-cnn, T=4, test accuracy {accuracy:.4f} "
          f"({result.seconds:.1f} s of training)")


if __name__ == "__main__":
    main()
