"""The leak / reset / recurrence variants, against values computed by hand."""

from __future__ import annotations

import pytest
import torch

from snn2hw.nn.neurons import IFNode, LIFNode
from snn2hw.nn.recurrent import RecurrentNode, lif_variant, recurrent_lif

CONSTANT = torch.full((4, 1), 0.6)  # four steps of input 0.6 into one neuron


@pytest.mark.parametrize("leak, reset, spikes", [
    # IF, hard reset: v = .6, 1.2 -> fire, 0 -> .6, 1.2 -> fire
    (False, True, [0, 1, 0, 1]),
    # IF, no reset: v = .6, 1.2, 1.8, 2.4 keeps firing
    (False, False, [0, 1, 1, 1]),
    # LIF tau=2 (decay_input): v = .3, .45, .525, .5625 never reaches 1
    (True, True, [0, 0, 0, 0]),
])
def test_variant_spikes_by_hand(leak, reset, spikes):
    node = lif_variant(leak=leak, reset=reset, tau=2.0)
    assert node(CONSTANT).flatten().tolist() == spikes


def test_variant_types_and_options():
    assert type(lif_variant(leak=False, decay_input=False)) is IFNode
    node = lif_variant(leak=True, reset=False, tau=3.0, decay_input=False, v_threshold=0.5)
    assert isinstance(node, LIFNode) and node.reset == "none"
    assert (node.tau, node.decay_input, node.v_threshold) == (3.0, False, 0.5)
    assert lif_variant(reset_mode="subtract").reset == "subtract"


def test_recurrent_if_golden():
    # W_r[i, j]: weight from neuron j's previous spike to neuron i
    node = recurrent_lif(2, leak=False)
    with torch.no_grad():
        node.recurrent.weight.copy_(torch.tensor([[0.0, 0.5], [1.0, 0.0]]))
    x = torch.tensor([[[1.0, 0.2]], [[0.0, 0.3]], [[0.0, 0.0]], [[0.2, 0.0]]])
    # t0: v = [1, .2]          -> s = [1, 0], v = [0, .2]
    # t1: in = [0, .3] + W[1,0] = [0, 1.3], v = [0, 1.5] -> s = [0, 1], v = [0, 0]
    # t2: in = [0, 0] + W[0,1] = [.5, 0]  -> s = [0, 0], v = [.5, 0]
    # t3: in = [.2, 0]         -> v = [.7, 0], s = [0, 0]
    expected = [[[1.0, 0.0]], [[0.0, 1.0]], [[0.0, 0.0]], [[0.0, 0.0]]]
    assert node(x).tolist() == expected
    plain = lif_variant(leak=False)  # without recurrence only the first spike remains
    assert plain(x).sum().item() == 1.0


def test_recurrent_conv_uses_previous_spikes_per_position():
    node = recurrent_lif(1, conv=True, leak=False)
    with torch.no_grad():
        node.recurrent.weight.fill_(1.0)
    x = torch.zeros(3, 1, 1, 2, 2)
    x[0, 0, 0, 0, 0] = 1.0  # one pixel fires at t0, then its own spike (weight 1) re-fires it
    out = node(x)
    assert out[:, 0, 0, 0, 0].tolist() == [1.0, 1.0, 1.0]
    assert out[:, 0, 0, 1, 1].tolist() == [0.0, 0.0, 0.0]


def test_recurrent_node_starts_from_the_imp():
    neuron = IFNode(imp_shape=(2,))
    with torch.no_grad():
        neuron.init_state.copy_(torch.tensor([[0.9, 0.0]]))
    node = RecurrentNode(neuron, torch.nn.Linear(2, 2, bias=False))
    torch.nn.init.zeros_(node.recurrent.weight)
    out = node(torch.full((1, 3, 2), 0.2))
    assert out[0].tolist() == [[1.0, 0.0]] * 3
    assert set(node.state_dict()) == {"neuron.init_state", "recurrent.weight"}
