"""Training SNNs on data available offline (scikit-learn's digits)."""

from snn2hw.train.trainer import TrainConfig, TrainResult, evaluate, train

__all__ = ["TrainConfig", "TrainResult", "evaluate", "train"]
