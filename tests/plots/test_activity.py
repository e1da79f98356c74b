"""The numbers behind the pictures, by hand: accuracy after each step, firing rates and
agreement with the reference."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.activity import agreement, firing_rates, step_accuracy
from snn2hw.backend import RunResult
from snn2hw.ir import metadata
from tests.backends.reference.graphs import chain, if_node

# scores [T=3, B=2, K=2]; labels (0, 1)
OUTPUT = np.array([[[1.0, 0.0], [1.0, 0.0]],    # step 1: sample 0 right, sample 1 wrong
                   [[0.0, 3.0], [0.0, 1.0]],    # step 2: 0 wrong, 1 right
                   [[0.0, 1.0], [1.0, 0.0]]])   # step 3: both wrong
LABELS = np.array([0, 1])


def test_step_accuracy_last_reads_each_step():
    assert step_accuracy(OUTPUT, LABELS, "last") == [0.5, 0.5, 0.0]


def test_step_accuracy_mean_reads_the_running_mean():
    # running sums: s0 (1,0) (1,0); s1 (1,3) (1,1: tie -> class 0); s2 (1,4) (2,1)
    assert step_accuracy(OUTPUT, LABELS, "mean") == [0.5, 0.0, 0.0]


def _graph() -> nir.NIRGraph:
    graph = chain(("fc", nir.Affine(weight=np.eye(2), bias=np.zeros(2))), ("n", if_node(2)),
                  n_in=2)
    graph.metadata[metadata.READOUT] = "last"
    return graph


def test_firing_rates_are_spikes_per_neuron_and_step():
    spikes = np.zeros((4, 2, 2))
    spikes[0, 0, 0] = spikes[3, 1, 1] = spikes[2, 1, 0] = 1  # 3 spikes in 16 entries
    assert firing_rates(_graph(), {"n": spikes, "fc": np.ones((4, 2, 2))}) == {"n": 3 / 16}


def test_agreement_counts_spike_entries_and_predictions():
    spikes = np.zeros((4, 2, 2))
    out = np.zeros((4, 2, 2))
    out[-1] = [[1, 0], [0, 1]]
    ref = RunResult(output=out, records={"n": spikes})
    flipped = spikes.copy()
    flipped[1, 0, 1] = 1  # one entry of 16 differs
    other = out.copy()
    other[-1, 1] = [1, 0]  # sample 1 predicts another class
    values = agreement(_graph(), RunResult(output=other, records={"n": flipped}), ref)
    assert values == {"spikes_equal": pytest.approx(15 / 16), "predictions_equal": 0.5}
    assert agreement(_graph(), RunResult(output=out), ref)["spikes_equal"] is None
