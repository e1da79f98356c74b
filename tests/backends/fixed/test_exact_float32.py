"""The fixed backend's integer program runs with IEEE float32 (no TF32 on a GPU): its float32
sums of integer products are exact only then (see synapses.py)."""

from __future__ import annotations

import numpy as np
import torch

from snn2hw import torch_precision
from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.fixed import backend as fixed_backend

from . import graphs


def test_the_program_runs_inside_exact_float32_and_the_callers_tf32_comes_back(monkeypatch):
    rng = np.random.default_rng(3)
    g = graphs.cnn(rng)
    x = graphs.digits_like(rng, steps=3, batch=2, shape=(1, 8, 8))
    engine = FixedBackend()
    engine.compile(g, RunConfig(extra={"mode": "loihi"}))
    seen = []

    def execute(*args, **kwargs):
        seen.append(torch_precision.precision_settings())
        return run(*args, **kwargs)

    run = fixed_backend.execute
    monkeypatch.setattr(fixed_backend, "execute", execute)
    before = torch_precision.precision_settings()
    torch.backends.cudnn.allow_tf32 = True  # torch's default: TF32 convolutions on a GPU
    try:
        caller = torch_precision.precision_settings()
        engine.run(x)
        after = torch_precision.precision_settings()
    finally:
        torch_precision._apply(before)
    assert seen and seen[0]["cudnn.allow_tf32"] is False
    assert {v for k, v in seen[0].items() if "." in k and "allow" not in k} == {"ieee"}
    assert after == caller
