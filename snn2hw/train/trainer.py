"""A small, seedable trainer: Adam or SGD with a cosine schedule, any objective of
snn2hw.nn.losses, a progress bar, evaluation with the model's readout, and the result as an
snn2hw Checkpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from snn2hw.checkpoint import Checkpoint
from snn2hw.data.digits import INPUT_SHAPE, Split, digits_split
from snn2hw.nn.architectures import build_model
from snn2hw.nn.losses import Objective, default_readout, loss_fn, readout
from snn2hw.train.config import TrainConfig


@dataclass
class TrainResult:
    checkpoint: Checkpoint
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the body with ``count`` intra-op threads, then restore the previous setting."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    # The IMP is excluded from weight decay, as in the paper's configs (decay_mult=0).
    imp = [p for n, p in model.named_parameters() if n.endswith("init_state")]
    rest = [p for n, p in model.named_parameters() if not n.endswith("init_state")]
    groups = [{"params": rest, "weight_decay": config.weight_decay},
              {"params": imp, "weight_decay": 0.0}]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=0.9)
    return torch.optim.AdamW(groups, lr=config.lr)


@torch.no_grad()
def evaluate(model: nn.Module, x: np.ndarray, y: np.ndarray, mode: str, batch: int = 512) -> float:
    """Accuracy of ``model`` (eval mode) with readout ``mode`` on static inputs ``x``."""
    model.eval()
    correct = 0
    for start in range(0, len(x), batch):
        logits = model(torch.as_tensor(x[start:start + batch]))
        correct += int((readout(logits, mode).argmax(1).numpy() == y[start:start + batch]).sum())
    return correct / len(x)


def train(config: TrainConfig, progress: bool = True,
          on_epoch: Callable[[dict[str, float]], None] | None = None,
          data: tuple[Split, Split] | None = None) -> TrainResult:
    """Train ``config.arch`` on digits (or ``data``: train and test splits of the same input
    shape); returns the checkpoint (with test accuracy) and history.

    The same config and seed give the same history (with the same ``threads``)."""
    config.validate()
    with torch_threads(config.threads):
        return _train(config, progress, on_epoch, data)


def _train(config: TrainConfig, progress: bool,
           on_epoch: Callable[[dict[str, float]], None] | None,
           data: tuple[Split, Split] | None) -> TrainResult:
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model_config = {"T": config.T, "neuron": config.neuron, "imp": config.imp}
    model = build_model(config.arch, **model_config)
    mode = default_readout(config.loss)
    objective = loss_fn(config.loss, config.label_smoothing)
    train_set, test_set = data or (digits_split("train"), digits_split("test"))
    x_train, y_train = torch.as_tensor(train_set.x), torch.as_tensor(train_set.y)
    optimizer = _optimizer(model, config)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)
    history, start = [], time.perf_counter()
    epochs = tqdm(range(config.epochs), desc=f"train {config.arch}", disable=not progress,
                  leave=False)
    for epoch in epochs:
        loss = _train_epoch(model, objective, optimizer, x_train, y_train, config, generator)
        scheduler.step()
        row = {"epoch": epoch + 1, "loss": loss,
               "test_accuracy": evaluate(model, test_set.x, test_set.y, mode)}
        history.append(row)
        epochs.set_postfix(loss=f"{loss:.3f}", acc=f"{row['test_accuracy']:.3f}")
        if on_epoch:
            on_epoch(row)
    checkpoint = Checkpoint(
        arch=config.arch, config=model_config, state_dict=model.state_dict(), T=config.T,
        readout=mode, input_shape=list(INPUT_SHAPE), static_input=True,
        metrics={"test_accuracy": history[-1]["test_accuracy"], "train": asdict(config)},
    )
    return TrainResult(checkpoint, history, time.perf_counter() - start)


def _train_epoch(model: nn.Module, objective: Objective, optimizer: torch.optim.Optimizer,
                 x: torch.Tensor, y: torch.Tensor, config: TrainConfig,
                 generator: torch.Generator) -> float:
    """One pass over the shuffled training set; returns the mean loss per sample."""
    model.train()
    order = torch.randperm(len(x), generator=generator)
    total = 0.0
    for start in range(0, len(x), config.batch_size):
        index = order[start:start + config.batch_size]
        loss = objective(model(x[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(index)
    return total / len(x)
