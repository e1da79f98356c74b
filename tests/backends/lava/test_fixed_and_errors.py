"""Lava fixed point (the NIR paper's LIF traces, exact integers), refused graphs, clean stops."""

from __future__ import annotations

import os

import nir
import numpy as np
import pytest

from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend, runner
from snn2hw.errors import BadInputError, ConstraintError
from snn2hw.ir.metadata import RESET

from . import graphs

pytestmark = pytest.mark.lava


def _lif_fixture(nir_paper):
    folder = nir_paper / "01_lif"
    graph = nir.read(folder / "lif_norse.nir")
    graph.metadata["snn2hw.dt"] = 1e-4  # the paper's dt
    x = np.loadtxt(folder / "lif_input.csv").reshape(-1, 1, 1)
    return graph, x, folder


@pytest.mark.parametrize("precision, trace", [
    ("float", "lif_lava_cpu_float.csv"), ("fixed", "lif_lava_cpu_fixed.csv"),
    ("fixed", "lif_lava_loihi_fixed.csv"),
])
def test_nir_paper_lif_spike_times(nir_paper, precision, trace):
    graph, x, folder = _lif_fixture(nir_paper)
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision=precision))
    out = backend.run(x).output[:, 0, 0]
    expected = np.loadtxt(folder / trace, delimiter=",")[:, 2]
    # The paper's traces keep Lava's one-step Dense delay; ours are aligned to the input.
    np.testing.assert_array_equal(np.nonzero(out)[0] + 1, np.nonzero(expected)[0])
    assert np.count_nonzero(out) == 4


def _lava_fixed_lif(a_in, dv, vth, bias=0):
    """Lava's bit-accurate LIF with du = 4095, written out (research/nir_lava.md §5.1)."""
    v, spikes = 0, []
    for a in a_in:
        v = int(np.sign(v * (4096 - dv)) * (abs(v * (4096 - dv)) >> 12)) + (a << 6) + bias
        spikes.append(v > vth << 6)
        v = 0 if spikes[-1] else v
    return np.array(spikes, dtype=float)


def test_fixed_point_matches_hand_computed_integers():
    graph = graphs.mlp(seed=7)
    backend = LavaBackend()
    backend.compile(graph, RunConfig(precision="fixed", record=True))
    x = graphs.spikes(np.random.default_rng(8), 10, 1, (64,))
    result = backend.run(x)
    fc1, lif1 = backend.mapped.nodes["fc1"], backend.mapped.nodes["lif1"].metadata["snn2hw.loihi"]
    a_in = (x[:, 0] @ fc1.weight.T).astype(np.int64)  # integer weights, exponent 0
    for i in range(32):
        expected = _lava_fixed_lif(a_in[:, i].tolist(), lif1["dv"], lif1["vth"],
                                   int(lif1["bias_mant"][i]) << lif1["bias_exp"])
        np.testing.assert_array_equal(result.records["lif1"][:, 0, i], expected, err_msg=str(i))
    assert result.records["lif1"].sum() > 0


def test_inputs_beyond_the_message_range_are_refused_not_cast():
    """A 1e12 input used to become an undefined int32 cast (a numpy warning and exit 0)."""
    backend = LavaBackend()
    backend.compile(graphs.mlp(seed=7), RunConfig(precision="fixed"))
    x = np.zeros((2, 1, 64))
    x[0, 0, 3] = 2.0**31
    with pytest.raises(BadInputError, match=r"reach 2\.15e\+09, beyond the range"):
        backend.run(x)
    x[0, 0, 3] = 2.0**31 - 1  # the largest that fits still runs
    assert backend.run(x).output.shape[:2] == (2, 1)


def test_refuses_what_lava_cannot_express_naming_the_nodes():
    graph = graphs.mlp()
    graph.nodes["lif1"].v_reset = np.full(32, 0.2)
    graph.nodes["lif1"].metadata[RESET] = "subtract"
    issues = LavaBackend().check(graph, RunConfig())
    assert {i.node for i in issues} == {"lif1"}
    assert any("v_reset" in i.message for i in issues)
    assert any("subtract" in i.message for i in issues)
    with pytest.raises(ConstraintError, match="lif1"):
        LavaBackend().compile(graph, RunConfig())


def _child_processes() -> int:
    """Live children of this process, except multiprocessing's resource tracker: Python starts
    that helper once per interpreter on first use of shared memory and keeps it to the end."""
    pid, count = str(os.getpid()), 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if fh.read().split()[3] != pid:
                        continue
                with open(f"/proc/{entry}/cmdline") as fh:
                    count += "resource_tracker" not in fh.read()
            except OSError:
                continue
    return count


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_runtime_stopped_after_success_error_and_ctrl_c(monkeypatch, error):
    backend = LavaBackend()
    backend.compile(graphs.mlp(), RunConfig(precision="float"))
    before = _child_processes()
    backend.run(np.zeros((3, 1, 64)))
    assert _child_processes() == before
    seen = []

    def failing_read(*args):
        seen.append(_child_processes())  # while the runtime is up
        raise error("interrupted")

    monkeypatch.setattr(runner, "_read", failing_read)
    with pytest.raises(error):
        backend.run(np.zeros((3, 1, 64)))
    assert seen and seen[0] > before, "the runtime should have started child processes"
    assert _child_processes() == before
