"""snn2hw's Lava process models: the fast Conv computes exactly Lava's convolution, also for the
many-channel depthwise pools where Lava's own model outputs zeros."""

from __future__ import annotations

import nir
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from . import graphs
from .test_float import _both

pytestmark = pytest.mark.lava


@st.composite
def _conv_case(draw):
    groups, cg, kg = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kw, kh = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    width = draw(st.integers(dilation[0] * (kw - 1) + 1, 7))
    height = draw(st.integers(dilation[1] * (kh - 1) + 1, 7))
    seed = draw(st.integers(0, 2**16))
    return groups, cg, kg, (kw, kh), stride, padding, dilation, (width, height), seed


@settings(max_examples=60, deadline=None)
@given(_conv_case())
def test_fast_conv_equals_lavas_convolution(case):
    from snn2hw.compat.lava_py311 import import_lava

    import_lava()
    from lava.proc.conv.utils import conv_scipy

    from snn2hw.backends.lava.models import ConvOperator

    groups, cg, kg, kernel, stride, padding, dilation, (width, height), seed = case
    rng = np.random.default_rng(seed)
    weight = rng.integers(-128, 128, (kg * groups, *kernel, cg)).astype(np.float64)
    x = rng.integers(-(2**23), 2**23, (width, height, cg * groups)).astype(np.float64)
    expected = conv_scipy(x, weight, kernel, stride, padding, dilation, groups)
    got = ConvOperator((width, height, cg * groups), weight, stride, padding, dilation,
                       groups)(x)
    np.testing.assert_array_equal(got, expected)  # integers: exact


def test_pool_over_128_channels_equals_the_reference(capfd):
    """Lava's Conv model stores ``groups`` in int8: 128 channels wrap to -128 and its depthwise
    pool output was all zeros (with "divide by zero" warnings from the workers)."""
    rng = np.random.default_rng(6)
    nodes = {
        "input": nir.Input(np.array([128, 2, 2])),
        "pool": nir.AvgPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])),
        "flat": nir.Flatten(input_type={"input": np.array([128, 1, 1])}, start_dim=0),
        "fc": nir.Affine(rng.normal(0, 0.5, (5, 128)), np.zeros(5)),
        "lif": graphs.lif(5, v_th=0.2),
        "output": nir.Output(np.array([5])),
    }
    chain = list(nodes)
    graph = graphs._graph(nodes, list(zip(chain[:-1], chain[1:])))
    x = graphs.spikes(rng, 4, 1, (128, 2, 2), rate=0.5)
    lava, ref = _both(graph, x)
    assert ref.output.sum() > 0
    np.testing.assert_array_equal(lava.output, ref.output)
    assert "RuntimeWarning" not in capfd.readouterr().err
