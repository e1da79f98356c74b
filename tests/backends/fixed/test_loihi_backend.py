"""Loihi mode through the backend interface: hand-quantised graphs, timings, refusals."""

from __future__ import annotations

import nir
import numpy as np
import pytest
import torch

from snn2hw.backend import RunConfig
from snn2hw.backends.fixed import FixedBackend
from snn2hw.backends.fixed.simulator import execute
from snn2hw.errors import BadInputError, ConstraintError
from snn2hw.passes.fold_loihi import INPUT_SCALE, LOIHI, PRECISION

from . import graphs


def lif_graph(weight: int, du: int, dv: int, vth: int, bias: int = 0) -> nir.NIRGraph:
    """Input -> Linear(weight) -> LIF as quantize_loihi writes it (one neuron)."""
    fc = nir.Linear(weight=np.array([[float(weight)]]),
                    metadata={LOIHI: {"scale_in": 1.0, "scale_out": 1.0, "weight_exp": 0}})
    lif = graphs.lif_node(1)
    lif.metadata[LOIHI] = {"du": du, "dv": dv, "vth": vth, "bias_mant": np.array([float(bias)]),
                           "bias_exp": 0, "v_init": np.zeros(1), "scale": 1.0}
    g = graphs.graph({"fc": fc, "lif": lif}, graphs.chain_edges(["fc", "lif"]), [1], [1])
    g.metadata.update({PRECISION: "fixed", INPUT_SCALE: 1.0})
    return g


def run(graph, x, **extra):
    backend = FixedBackend()
    backend.compile(graph, RunConfig(record=True, extra={"mode": "loihi", **extra}))
    return backend.run(x)


def test_nir_paper_lif_fixture_through_the_backend_with_lava_timing(nir_paper):
    """The paper converter's integers (see test_loihi_neuron) reproduce lif_lava_cpu_fixed.csv;
    its step t+1 is our step t (Lava's Dense delay, shifted back)."""
    folder = nir_paper / "01_lif"
    trace = np.loadtxt(folder / "lif_lava_cpu_fixed.csv", delimiter=",")
    x = np.loadtxt(folder / "lif_input.csv", delimiter=",").reshape(-1, 1, 1)
    result = run(lif_graph(10, 4095, 163, 25), x, timing="lava")
    np.testing.assert_array_equal(result.records["lif.v"][:-1, 0, 0], trace[1:, 1])
    np.testing.assert_array_equal(result.output[:-1, 0, 0], trace[1:, 2])
    assert result.output.sum() == 4


def test_lava_timing_lets_populations_idle_with_their_bias_before_input_arrives():
    g = lif_graph(weight=1, du=4095, dv=0, vth=1, bias=30)
    x = np.zeros((3, 1, 1))
    aligned = run(g, x).records["lif.v"][:, 0, 0].tolist()
    raw = run(g, x, timing="lava").records["lif.v"][:, 0, 0].tolist()
    assert aligned == [30, 60, 0]  # 90 > 64 fires at the third step
    assert raw == [60, 0, 30]  # one idle step with the bias before step 0


def test_unknown_timing_is_refused():
    with pytest.raises(BadInputError, match="timing"):
        run(lif_graph(1, 4095, 0, 1), np.zeros((2, 1, 1)), timing="late")


def test_loihi_mode_has_only_eight_bit_weights():
    rng = np.random.default_rng(0)
    with pytest.raises(ConstraintError, match="8-bit"):
        FixedBackend().compile(graphs.mlp(rng), RunConfig(extra={"mode": "loihi",
                                                                 "weight_bits": 4}))


def test_missing_loihi_parameters_are_named():
    g = lif_graph(1, 4095, 0, 1)
    del g.nodes["lif"].metadata[LOIHI]
    with pytest.raises(ConstraintError, match="lif: no snn2hw.loihi parameters"):
        FixedBackend().compile(g, RunConfig())


@pytest.mark.parametrize("timing", ["aligned", "lava"])
def test_a_static_input_given_once_equals_the_input_repeated(timing):
    rng = np.random.default_rng(5)
    backend = FixedBackend()
    backend.compile(graphs.cnn(rng, neuron=graphs.lif_node),
                    RunConfig(record=True, extra={"mode": "loihi", "timing": timing}))
    x = torch.as_tensor(graphs.digits_like(rng, steps=6, batch=3))
    once = execute(backend.program, x[:1], record=True, steps=6)
    repeated = execute(backend.program, x, record=True)
    assert once.keys() == repeated.keys()
    for name, values in repeated.items():
        assert torch.equal(once[name], values), name
