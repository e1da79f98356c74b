"""Half-precision weighted layers (``half=``): the products in float16/bfloat16, the bias and
everything else in float32. Golden: with weights exact in bfloat16 and binary inputs, the
result equals float32 exactly whatever the bias (so the bias is added in float32); on a digits
CNN the spikes mostly agree with float32 and the weights are stored in the half type."""

from __future__ import annotations

import warnings

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.reference import Simulator
from snn2hw.backends.reference.backend import ReferenceBackend
from snn2hw.errors import Snn2hwWarning, UnsupportedError
from snn2hw.frontends import torch_to_graph
from snn2hw.nn.architectures import build_model

from ...frontends.nets import randomize
from .graphs import chain, if_node


def test_bias_is_added_in_float32_after_half_products():
    rng = np.random.default_rng(0)
    weight = rng.integers(-8, 8, (3, 5)) / 4.0  # exact in bfloat16 and float16
    bias = np.array([0.1001, -0.3337, 1e-4])  # not exact in either half type
    graph = chain(("fc", nir.Affine(weight=weight, bias=bias)), n_in=5)
    x = rng.integers(0, 2, (2, 4, 5)).astype(np.float32)
    full = Simulator(graph).run(x).output
    for half in (torch.bfloat16, torch.float16):
        np.testing.assert_array_equal(Simulator(graph, half=half).run(x).output, full)


def test_products_really_run_in_half_precision():
    weight = np.array([[1.0 + 2.0**-10]])  # rounds to 1.0 in bfloat16 (8-bit mantissa)
    graph = chain(("fc", nir.Linear(weight=weight)), ("n", if_node(1, threshold=1.0)), n_in=1)
    x = np.ones((1, 1, 1), np.float32)
    assert Simulator(graph).run(x).output.item() == 1.0  # 1.001 > 1: a spike in float32
    assert Simulator(graph, half=torch.bfloat16).run(x).output.item() == 0.0  # 1.0: none


def test_digits_cnn_in_bfloat16_mostly_agrees_with_float32():
    model = randomize(build_model("digits-cnn", T=4, imp=True, v_threshold=0.5), seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        graph = torch_to_graph(model.eval(), [1, 8, 8], 4)
    x = np.random.default_rng(1).uniform(0, 1, (4, 16, 1, 8, 8)).astype(np.float32)
    full = Simulator(graph).run(x, record=True, potentials=False).records
    sim = Simulator(graph, half=torch.bfloat16)
    half = sim.run(x, record=True, potentials=False).records
    convs = [m for m in sim.nodes.values() if hasattr(m, "weight")]
    assert convs and all(m.weight.dtype == torch.bfloat16 for m in convs)
    spikes = [n for n, node in graph.nodes.items() if isinstance(node, nir.IF)]
    total = sum(full[n].size for n in spikes)
    differ = sum(int((full[n] != half[n]).sum()) for n in spikes)
    assert 0 < differ < 0.05 * total  # some spikes move (real bf16), few do


def test_backend_option_and_bad_name():
    graph = chain(("fc", nir.Affine(weight=np.eye(2), bias=np.zeros(2))), n_in=2)
    backend = ReferenceBackend()
    backend.compile(graph, RunConfig(extra={"half": "bfloat16"}))
    assert backend.report().half == "bfloat16"
    with pytest.raises(UnsupportedError, match="float16 or bfloat16, not 'int8'"):
        ReferenceBackend().compile(graph, RunConfig(extra={"half": "int8"}))
