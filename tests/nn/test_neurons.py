"""IF/LIF neuron dynamics against sequences computed by hand."""

from __future__ import annotations

import pytest
import torch

from snn2hw.nn.neurons import IFNode, LIFNode


def run(node, inputs, store_v=True):
    node.store_v = store_v
    x = torch.tensor(inputs, dtype=torch.float64).reshape(len(inputs), 1, 1)
    spikes = node(x)
    return spikes.flatten().tolist(), node.v_seq.flatten().tolist()


def test_if_hard_reset():
    # v: 0.6, 1.2 -> fire, 0; 0.6; 1.2 -> fire, 0
    spikes, v = run(IFNode(), [0.6, 0.6, 0.6, 0.6])
    assert spikes == [0, 1, 0, 1]
    assert v == pytest.approx([0.6, 0.0, 0.6, 0.0])


def test_if_fires_at_threshold_like_spikingjelly():
    spikes, _ = run(IFNode(), [0.5, 0.5])  # v = 1.0 >= 1.0
    assert spikes == [0, 1]


def test_if_subtract_reset_keeps_the_excess():
    # v: 0.7; 1.4 -> fire, 0.4; 1.1 -> fire, 0.1; 0.8
    spikes, v = run(IFNode(reset="subtract"), [0.7, 0.7, 0.7, 0.7])
    assert spikes == [0, 1, 1, 0]
    assert v == pytest.approx([0.7, 0.4, 0.1, 0.8])


def test_no_reset_variant_keeps_integrating():
    spikes, v = run(IFNode(reset="none"), [0.6, 0.6, 0.6])
    assert spikes == [0, 1, 1]
    assert v == pytest.approx([0.6, 1.2, 1.8])


def test_hard_reset_to_v_reset_and_starting_there():
    # starts from v_reset = -0.5: -0.5 + 0.8 = 0.3; 1.1 -> fire -> -0.5; 0.3
    spikes, v = run(IFNode(v_reset=-0.5), [0.8, 0.8, 0.8])
    assert spikes == [0, 1, 0]
    assert v == pytest.approx([0.3, -0.5, 0.3])


def test_lif_decay_input():
    # tau 2: v <- v + (x - v) / 2 with x = 1: 0.5, 0.75, 0.875, 0.9375 (threshold 0.9 -> fire)
    spikes, v = run(LIFNode(tau=2.0, v_threshold=0.9), [1, 1, 1, 1])
    assert spikes == [0, 0, 0, 1]
    assert v == pytest.approx([0.5, 0.75, 0.875, 0.0])


def test_lif_without_decay_input_is_the_legacy_update():
    # tau 4/3, decay_input False: v <- 0.25 v + x: 0.5, 0.625, 0.65625
    spikes, v = run(LIFNode(tau=4 / 3, decay_input=False), [0.5, 0.5, 0.5])
    assert spikes == [0, 0, 0]
    assert v == pytest.approx([0.5, 0.625, 0.65625])


def test_imp_starts_every_sample_from_the_learned_potential():
    node = IFNode(imp_shape=(1,))
    with torch.no_grad():
        node.init_state.fill_(0.5)
    # 0.5 + 0.6 = 1.1 -> fire; 0.6; 1.2 -> fire
    assert run(node, [0.6, 0.6, 0.6])[0] == [1, 0, 1]
    assert run(node, [0.6, 0.6, 0.6])[0] == [1, 0, 1]  # restarts: no state carried over


def test_imp_sigmoid_and_lif_decay_of_the_initial_potential():
    node = LIFNode(tau=2.0, imp_shape=(1,), imp_sigmoid=True)
    with torch.no_grad():
        node.init_state.fill_(0.0)  # sigmoid(0) = 0.5
    # v0 = 0.5, x = 0: v <- 0.5 + (0 - 0.5)/2 = 0.25, then 0.125
    assert run(node, [0.0, 0.0])[1] == pytest.approx([0.25, 0.125])


def test_imp_parameter_is_per_neuron_and_learnable():
    node = IFNode(imp_shape=(2, 3))
    assert node.init_state.shape == (1, 2, 3)
    x = torch.full((2, 4, 2, 3), 0.3)
    node(x).sum().backward()
    assert node.init_state.grad is not None and node.init_state.grad.abs().sum() > 0


def test_detach_reset_changes_gradients_not_values():
    x = torch.tensor([[[0.7]], [[0.7]], [[0.7]]], requires_grad=True)
    grads, outs = [], []
    for detach in (False, True):
        x.grad = None
        out = IFNode(detach_reset=detach)(x)
        out.sum().backward()
        grads.append(x.grad.clone())
        outs.append(out.detach())
    torch.testing.assert_close(outs[0], outs[1])
    assert not torch.equal(grads[0], grads[1])
