"""The fixed backend's GPU benchmark, run tiny on the CPU (both devices the CPU): its code must
not rot while no GPU is at hand (it skips without CUDA otherwise)."""

from __future__ import annotations

import warnings

from benchmarks import fixed_gpu
from snn2hw.errors import Snn2hwWarning


def test_fixed_gpu_benchmark_smoke_times_and_checks_identity():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        digits = fixed_gpu.digits_rows(fixed_gpu.SMOKE, "cpu")
        models = fixed_gpu.model_rows(fixed_gpu.SMOKE, "cpu")
    assert [row["batch"] for row in digits] == [8]
    assert all(row["same integers as CPU"] is True and row["fixed (ms)"] > 0 for row in digits)
    assert [row["model"] for row in models] == ["sew18 32x32"]
    assert models[0]["same integers as CPU (every population)"] is True
    assert models[0]["fixed img/s"] > 0
