"""The GPU benchmark's own code, run tiny on the CPU (SEW-18, 32x32, bfloat16): it must not rot
while no GPU is at hand (it skips without CUDA otherwise)."""

from __future__ import annotations

from benchmarks import gpu_speed


def test_gpu_benchmark_smoke_runs_every_model_and_counts_spikes():
    rows, spikes = gpu_speed.measure(gpu_speed.SMOKE, "cpu")
    assert [r["run"] for r in rows] == ["reference float32", "reference bfloat16 synapses",
                                        "spikingjelly float32"]
    assert all(r["img/s"] > 0 for r in rows)
    assert 0 <= float(spikes["spikes differing"]) < 0.05
    assert spikes["same top-1 as float32"] == "1.000"
