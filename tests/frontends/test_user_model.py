"""``snn2hw export WEIGHTS --arch models.py:build_net``: the user's code builds the model, the
weights are read without unpickling code; and the one-line errors around checkpoints."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from snn2hw import api
from snn2hw.cli import main
from snn2hw.ir import metadata
from snn2hw.ir.io import read_graph
from snn2hw.nn.architectures import build_model

from .checkpoint_files import mmengine_file
from .sj_nets import assert_exact, inputs

MODELS = textwrap.dedent('''
    import torch
    from torch import nn
    from spikingjelly.activation_based import functional, layer, neuron
    from tests.frontends.paper_neurons import LazyStateIFNode


    def build_net(num_classes=10, imp=False):
        sn = (lambda: LazyStateIFNode(step_mode="m")) if imp else neuron.IFNode
        net = nn.Sequential(layer.Conv2d(2, 4, 3, padding=1), layer.BatchNorm2d(4), sn(),
                            layer.MaxPool2d(2), layer.Flatten(), layer.Linear(64, 16), sn(),
                            layer.Linear(16, num_classes))
        functional.set_step_mode(net, "m")
        return net


    def broken():
        raise RuntimeError("no GPU here")


    def not_a_module():
        return 42
''')


@pytest.fixture()
def models(tmp_path, monkeypatch):
    (tmp_path / "models.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(MODELS, namespace)
    return namespace["build_net"]


def trained(build_net, **kw):
    """A model with random BN statistics (and IMP), as after training."""
    torch.manual_seed(0)
    net = build_net(**kw)
    with torch.no_grad():
        net(torch.zeros(1, 1, 2, 8, 8))  # creates lazy IMP
        for name, t in net.state_dict().items():
            if name.endswith(("running_mean", "init_state")):
                t.uniform_(-0.3, 0.5)
    return net.eval()


def export(*args: str) -> str:
    result = CliRunner().invoke(main, ["export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def one_line_error(args: list[str], *fragments: str) -> str:
    result = CliRunner().invoke(main, args)
    text = result.output.strip()
    assert result.exit_code == 2, result.output
    assert "\n" not in text and "Traceback" not in text, text
    assert text.startswith("error: ") and all(f in text for f in fragments), text
    return text


@pytest.mark.parametrize("imp", [False, True])
def test_state_dict_for_user_code_exports_exactly(models, imp):
    net = trained(models, num_classes=3, imp=imp)
    torch.save(net.state_dict(), "weights.pt")
    export("weights.pt", "--arch", "models.py:build_net", "--arch-args",
           json.dumps({"num_classes": 3, "imp": imp}), "--T", "3", "--input-shape", "2,8,8",
           "-o", "m.nir")
    graph = read_graph("m.nir")
    np.testing.assert_array_equal(graph.nodes["_7"].weight, net[7].weight.detach().numpy())
    if imp:  # the lazy IMP was created before the weights were loaded
        np.testing.assert_array_equal(metadata.v_init(graph.nodes["_2"]),
                                      net[2].init_state.detach()[0].numpy())
    assert_exact(net.double(), graph, inputs((3, 2, 2, 8, 8)), atol=1e-5)
    result = CliRunner().invoke(main, [
        "verify", "weights.pt", "m.nir", "--arch", "models.py:build_net", "--arch-args",
        json.dumps({"num_classes": 3, "imp": imp}), "--T", "3", "--input-shape", "2,8,8",
        "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[1]["verdict"] == "identical spikes"  # float64


def test_mmengine_layout_needs_neither_mmengine_nor_trust(models):
    net = trained(models, num_classes=3)
    mmengine_file("epoch_9.pth", {f"module.{k}": v for k, v in net.state_dict().items()})
    export("epoch_9.pth", "--arch", "models.py:build_net", "--arch-args", '{"num_classes": 3}',
           "--T", "2", "--input-shape", "2,8,8", "-o", "m.nir")
    assert read_graph("m.nir").nodes["_7"].weight.shape == (3, 16)


def test_whole_pickled_module_only_with_trust(models):
    torch.save(trained(models), "whole.pt")
    one_line_error(["export", "whole.pt", "--T", "2", "--input-shape", "2,8,8", "-o", "m.nir"],
                   "whole.pt", "pickled torch.nn.modules.container.Sequential", "--trust")
    export("whole.pt", "--trust", "--T", "2", "--input-shape", "2,8,8", "-o", "m.nir")


def test_python_function_takes_a_module(models, tmp_path):
    net = trained(models, num_classes=3)
    graph = api.export_module(net, (2, 8, 8), 2, tmp_path / "api.nir")
    assert read_graph(tmp_path / "api.nir").nodes.keys() == graph.nodes.keys()


@pytest.mark.parametrize("args, fragments", [
    (["--arch", "absent.py:build_net"], ["--arch", "no such file 'absent.py'"]),
    (["--arch", "models.py:nothing"], ["defines no function 'nothing'"]),
    (["--arch", "models.py:broken"], ["broken(**{}) failed", "no GPU here"]),
    (["--arch", "models.py:not_a_module"], ["returned a int, not a torch.nn.Module"]),
    (["--arch", "models.py:build_net", "--arch-args", "{num_classes: 3}"],
     ["--arch-args", "not JSON"]),
    (["--arch", "models.py:build_net", "--T", "2"], ["give --input-shape"]),
    (["--arch", "models.py:build_net", "--T", "2", "--input-shape", "2,8,8"],
     ["weights.pt", "'7.weight' has shape (3, 16), the model expects (10, 16)"]),
    (["--arch", "sew-cifar", "--arch-args", "{}"], ["--arch-args needs --arch FILE.py"]),
])
def test_user_code_errors_are_one_line(models, args, fragments):
    torch.save(trained(models, num_classes=3).state_dict(), "weights.pt")
    one_line_error(["export", "weights.pt", *args, "-o", "m.nir"], *fragments)


def test_user_file_that_is_not_python_source_is_one_line(models, tmp_path):
    """In ``a.py:b.txt:build_net`` the file is ``a.py:b.txt``, which no import loader takes."""
    (tmp_path / "models.py:b.txt").write_text(MODELS)
    torch.save(trained(models, num_classes=3).state_dict(), "weights.pt")
    one_line_error(["export", "weights.pt", "--arch", "models.py:b.txt:build_net", "-o", "m.nir"],
                   "models.py:b.txt", "cannot import (not a Python source file)")


def test_checkpoint_messages_say_what_the_file_is(models, tmp_path):
    """Issue 12: each message names the file and what to do, for the command that was run."""
    torch.save(build_model("sew-cifar").state_dict(), "sd.pt")
    export("sd.pt", "--arch", "sew-cifar", "--T", "2", "-o", "m.nir")
    one_line_error(["evaluate", "m.nir"], "m.nir", "is an HDF5 file", "not a PyTorch checkpoint")
    one_line_error(["export", "m.nir", "-o", "n.nir"], "m.nir", "already a NIR graph", "--to onnx")
    text = one_line_error(["evaluate", "sd.pt", "--trust"], "sd.pt", "not an snn2hw checkpoint")
    assert "export --arch" in text and "use --arch" not in text
    one_line_error(["export", "sd.pt", "--arch", "digits-mlp", "-o", "d.nir"], "sd.pt",
                   "digits-mlp", "does not fit", "missing: fc1.weight")
