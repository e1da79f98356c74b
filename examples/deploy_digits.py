"""From a trained model to hardware backends with the Python API (what `snn2hw demo` does):
train -> export to NIR -> run the same graph on reference, fixed point and Lava -> energy.

    python examples/deploy_digits.py [--epochs 15] [--lava-samples 10] [--out runs/example]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from snn2hw.api import export_model
from snn2hw.backend import RunConfig
from snn2hw.checkpoint import save_checkpoint
from snn2hw.data import load_dataset
from snn2hw.energy import EnergyRequest, run_energy
from snn2hw.runner import prepare_inputs, readout, run_graph
from snn2hw.train import TrainConfig, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lava-samples", type=int, default=10)
    parser.add_argument("--out", default="runs/example")
    args = parser.parse_args()
    out = Path(args.out)

    checkpoint = train(TrainConfig(arch="digits-cnn", loss="lts", imp=True, epochs=args.epochs))
    save_checkpoint(checkpoint.checkpoint, out / "digits.pt")
    graph = export_model(out / "digits.pt", out / "digits.nir")  # BN folded, IMP as v_init

    x, y = load_dataset("digits", graph, samples=args.lava_samples)
    inputs = prepare_inputs(graph, x)  # static images repeated over the graph's T
    runs = [("reference", RunConfig()),
            ("fixed", RunConfig(extra={"mode": "loihi", "input_scale": 16})),
            ("lava", RunConfig(precision="fixed", extra={"input_scale": 16}, progress=False))]
    for backend, config in runs:
        output = run_graph(graph, backend, inputs, config).output
        accuracy = (readout(output, "last").argmax(1) == y).mean()
        print(f"{backend:>9}: accuracy {accuracy:.3f} on {len(y)} test images")

    energy = run_energy(EnergyRequest(source=out / "digits.nir", dataset="digits", samples=64))
    totals = energy["totals"]
    print(f"energy per sample: {totals['energy_mj']:.3g} mJ "
          f"({totals['sops']:.0f} SOPs, {totals['macs']:.0f} MACs, 45 nm)")


if __name__ == "__main__":
    main()
