"""On CUDA the fixed backend computes the very same integers as on CPU (skipped without a GPU)."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend

from . import graphs

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def run_on(device: str, graph, x, extra):
    backend = FixedBackend()
    backend.compile(graph, RunConfig(device=device, record=True, extra=extra))
    result = backend.run(x)
    return result, backend.report().events


# 16-bit weights are not TF32 numbers (10-bit mantissa): TF32 convolutions (torch's default on
# cuDNN) would round them; the backend runs under snn2hw.torch_precision.exact_float32
@pytest.mark.parametrize("mode", [{"mode": "loihi"}, {"mode": "generic", "weight_bits": 4,
                                                      "granularity": "channel"},
                                  {"mode": "generic", "weight_bits": 16, "state_bits": 32}],
                         ids=["loihi", "generic4", "generic16"])
@pytest.mark.parametrize("build", [
    lambda rng: graphs.mlp(rng, neuron=graphs.lif_node, v_init=True),
    lambda rng: graphs.cnn(rng, pool=nir.AvgPool2d),
    lambda rng: graphs.sew_block(rng),
], ids=["mlp", "cnn", "sew"])
def test_cuda_equals_cpu(build, mode):
    rng = np.random.default_rng(7)
    g = build(rng)
    x = graphs.digits_like(rng, steps=6, batch=5, shape=(64,) if "fc0" in g.nodes else (1, 8, 8))
    cpu, cpu_events = run_on("cpu", g, x, mode)
    gpu, gpu_events = run_on("cuda", g, x, mode)
    np.testing.assert_array_equal(gpu.output, cpu.output)
    for name, values in cpu.records.items():
        np.testing.assert_array_equal(gpu.records[name], values, err_msg=name)
    assert gpu_events == cpu_events
