"""Load a checkpoint in the layout of the paper's ImageNet code and run it.

The paper's script (IMP-SNN ``in1k/LTS/train_olts.py``) saves ``{'model': state_dict,
'args': argparse.Namespace, 'max_test_acc1', ...}`` with DataParallel's ``module.`` prefixes.
This example writes such a file with random weights (a SEW-ResNet-18 with IMP at 32x32, T=2,
so that it runs in seconds), loads it with :func:`snn2hw.paper_checkpoint.load_paper_checkpoint`
and runs it. With a real checkpoint, only the last part is needed.

Run: ``python examples/load_paper_checkpoint.py``
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from snn2hw.nn.architectures import build_model
from snn2hw.paper_checkpoint import load_paper_checkpoint


def write_fake_paper_checkpoint(path: Path) -> None:
    """A file as the paper's ImageNet script writes it, with random weights."""
    model = build_model("sew18", T=2, imp=True, input_size=32, num_classes=1000)
    state = {f"module.{key}": value for key, value in model.state_dict().items()}
    args = argparse.Namespace(model="sew_resnet18", T=2, lr=0.05, epochs=320, olts=True)
    torch.save({"model": state, "optimizer": {}, "lr_scheduler": {}, "epoch": 319,
                "args": args, "max_test_acc1": 0.1}, path)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint_max_test_acc1.pth"
        write_fake_paper_checkpoint(path)
        checkpoint = load_paper_checkpoint(path)  # weights_only, Namespace allow-listed
    print(f"architecture {checkpoint.arch}, T={checkpoint.T}, readout={checkpoint.readout}")
    print(f"config {checkpoint.config}")
    model = checkpoint.build()
    image = torch.rand(2, *checkpoint.input_shape)  # static images [B, C, H, W]
    with torch.no_grad():
        logits = model(image)  # [T, B, classes]
    prediction = logits[-1].argmax(-1)  # LTS: read the last time step
    print(f"input {tuple(image.shape)} -> logits {tuple(logits.shape)}, "
          f"prediction {prediction.tolist()}")


if __name__ == "__main__":
    main()
