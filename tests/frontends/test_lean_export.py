"""The lean export path (issue 13) writes the same file as before with less memory: the
checkpoint is read once, the model is not copied, the shape pass copies no weight, BN folding
rounds like before, the file is streamed rather than built in memory, and the bytes do not
depend on what the process allocated before."""

from __future__ import annotations

import copy
import io
import warnings

import h5py
import nir
import numpy as np
import pytest
import torch
from torch import nn

from snn2hw import api, checkpoint
from snn2hw.checkpoint import Checkpoint, save_checkpoint
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.frontends.tracing import meta_copy
from snn2hw.ir import io as nir_io
from snn2hw.ir.metadata import V_INIT
from snn2hw.nn.architectures import build_model
from snn2hw.passes.fold_batchnorm import _fold_pair, batchnorm_affine

from .nets import randomize

CONFIG = {"T": 2, "imp": True}  # SEW-ResNet (CIFAR): residual additions feeding two nodes


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        yield


@pytest.fixture(scope="module")
def model() -> nn.Module:
    torch.manual_seed(0)
    return randomize(build_model("sew-cifar", **CONFIG))


@pytest.fixture
def source(tmp_path, model):
    path = tmp_path / "m.pt"
    save_checkpoint(Checkpoint("sew-cifar", CONFIG, model.state_dict(), T=2,
                               input_shape=[3, 32, 32]), path)
    return path


def in_memory_image(graph: nir.NIRGraph) -> bytes:
    """The HDF5 image the writer built in memory before it streamed to the file."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file.create_dataset("version", data=nir.version, dtype=h5py.string_dtype())
        nir_io._write_node(file.create_group("node"), nir_io.ungroup_convs(graph))
    return buffer.getvalue()


def test_export_writes_what_the_copying_in_memory_path_wrote(source, tmp_path, model):
    """export_model (model handed over, weights shared with the graph, file streamed) gives
    the bytes of the model copied, converted and written to memory."""
    api.export_model(source, tmp_path / "g.nir")
    reference = torch_to_graph(checkpoint.load_checkpoint(source).build(), (3, 32, 32), 2,
                               arch="sew-cifar", static_input=True)
    assert (tmp_path / "g.nir").read_bytes() == in_memory_image(reference)


def test_the_bytes_do_not_depend_on_earlier_allocations(source, tmp_path):
    files = []
    for i in range(4):
        junk = [object() for _ in range(1000 * i)]  # moves the addresses of later objects
        api.export_model(source, tmp_path / f"g{i}.nir")
        files.append((tmp_path / f"g{i}.nir").read_bytes())
        del junk
    assert all(f == files[0] for f in files)


def test_export_reads_the_checkpoint_once(source, tmp_path, monkeypatch):
    loads = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a) or real_load(*a, **k))
    api.export_model(source, tmp_path / "g.nir")
    assert len(loads) == 1


def test_export_module_leaves_the_users_model_alone(model):
    before = {k: v.clone() for k, v in model.state_dict().items()}
    graph = api.export_module(model, (3, 32, 32), 2)
    after = model.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before)  # BN not folded into it
    weights = [p.detach().numpy() for p in model.parameters()]
    arrays = [getattr(n, a) for n in graph.nodes.values() for a in ("weight", "bias")
              if isinstance(getattr(n, a, None), np.ndarray)]
    arrays += [n.metadata[V_INIT] for n in graph.nodes.values() if V_INIT in n.metadata]
    assert arrays and not any(np.shares_memory(a, w) for a in arrays for w in weights)


def test_the_meta_copy_copies_no_weight(model, monkeypatch):
    def refuse(self, memo):
        raise AssertionError(f"a {tuple(self.shape)} tensor was deep-copied")

    monkeypatch.setattr(torch.Tensor, "__deepcopy__", refuse)
    monkeypatch.setattr(nn.Parameter, "__deepcopy__", refuse)
    tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3), nn.BatchNorm1d(3))
    tied[1].weight = tied[0].weight
    tied[0].bias.requires_grad_(False)
    for original in (model, tied):
        copied = meta_copy(original)
        assert all(p.is_meta for p in (*copied.parameters(), *copied.buffers()))
        assert [p.requires_grad for p in copied.parameters()] == \
            [p.requires_grad for p in original.parameters()]
        assert not any(p.is_meta for p in (*original.parameters(), *original.buffers()))
    copied = meta_copy(tied)
    assert copied[0].weight is copied[1].weight


@pytest.mark.parametrize("layer, bn", [
    (nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4)),
    (nn.Linear(5000, 40), nn.BatchNorm1d(40)),  # scaled in several blocks of rows
])
def test_folding_rounds_the_float64_product_once(layer, bn):
    """The folded weight is ``float32(float64(w) * scale)``, as when it was computed whole."""
    torch.manual_seed(1)
    randomize(nn.Sequential(layer, bn))
    scale, shift = batchnorm_affine(bn, "bn")
    weight = layer.weight.detach().double()
    expected = (weight * scale.reshape(-1, *[1] * (weight.dim() - 1))).to(torch.float32)
    bias = layer.bias.detach().double() if layer.bias is not None else 0
    folded = copy.deepcopy(layer)
    _fold_pair(folded, bn, "bn")
    assert torch.equal(folded.weight.detach(), expected)
    assert torch.equal(folded.bias.detach(), (bias * scale + shift).to(torch.float32))
