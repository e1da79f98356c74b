"""The exported file: valid ONNX at the stated opset, the documented tensor names, a symbolic
batch, the IMP initial states as initializers, and refusal (by node name) of what it cannot
express."""

from __future__ import annotations

import nir
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from snn2hw.backend import RunConfig
from snn2hw.backends.onnx import OPSET, OnnxBackend, check_graph, export_onnx, load_onnx, save_onnx
from snn2hw.errors import BadInputError, ConstraintError, UnsupportedError
from snn2hw.ir.metadata import DT, READOUT, V_INIT, T

from . import graphs


def test_saved_file_passes_the_checker_at_the_stated_opset(tmp_path):
    path = tmp_path / "net.onnx"
    save_onnx(export_onnx(graphs.conv_net()), path)
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    assert OPSET == 17  # the opset README.md documents
    assert {n.domain for n in model.graph.node} == {""}, "no custom operators"


def test_tensor_names_follow_the_documented_contract():
    model = export_onnx(graphs.residual_net())
    assert [i.name for i in model.graph.input] == ["x", "v.a", "v.b", "v.c", "v.readout"]
    assert [o.name for o in model.graph.output] == [
        "y", "spikes.a", "spikes.b", "spikes.c", "v_next.a", "v_next.b", "v_next.c",
        "v_next.readout"]
    for value in list(model.graph.input) + list(model.graph.output)[1:]:
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch", value.name


def test_initial_states_are_the_imp_potentials_and_zeros_without():
    graph = graphs.residual_net()
    model = export_onnx(graph)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    np.testing.assert_array_equal(init["v_init.a"], graph.nodes["a"].metadata[V_INIT]
                                  .astype(np.float32))
    np.testing.assert_array_equal(init["v_init.b"], np.zeros(8, np.float32))
    assert "v_init.<node>" in model.doc_string and "v > v_threshold" in model.doc_string


def test_metadata_carries_dt_t_and_readout():
    graph = graphs.conv_net()
    props = {p.key: p.value for p in export_onnx(graph).metadata_props}
    assert float(props[DT]) == graphs.DT_VALUE
    assert props[T] == "4" and props[READOUT] == '"last"'


@pytest.mark.parametrize("batch", [1, 5])
def test_any_batch_size_runs(batch):
    backend = OnnxBackend()
    backend.compile(graphs.residual_net(), RunConfig())
    out = backend.run(np.ones((3, batch, 6), np.float32)).output
    assert out.shape == (3, batch, 8)


def _cuba(n: int) -> nir.CubaLIF:
    return nir.CubaLIF(tau_syn=np.full(n, 2e-3), tau_mem=np.full(n, 4e-3), r=np.ones(n),
                       v_leak=np.zeros(n), v_threshold=np.ones(n), v_reset=np.zeros(n))


@pytest.mark.parametrize("name, node", [
    ("delay", nir.Delay(delay=np.full(8, 2e-3))),
    ("cuba", _cuba(8)),
])
def test_unsupported_nodes_are_refused_by_name(name, node):
    graph = graphs.with_node(graphs.residual_net(), name, node, after="fb")
    with pytest.raises(UnsupportedError, match=f"{name}: NIR type {type(node).__name__}"):
        export_onnx(graph)
    with pytest.raises(ConstraintError, match=name):
        OnnxBackend().compile(graph, RunConfig())


def test_a_cycle_is_refused_naming_the_recurrent_edge():
    graph = graphs.residual_net()
    cyclic = nir.NIRGraph(nodes=graph.nodes, edges=graph.edges + [("c", "fa")],
                          metadata=graph.metadata, type_check=False)
    assert [str(i) for i in check_graph(cyclic)] == [
        "fa: recurrent edge from 'c' (cycles are not supported)"]
    with pytest.raises(UnsupportedError, match="recurrent edge from 'c'"):
        export_onnx(cyclic)


def test_save_failure_names_the_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    with pytest.raises(BadInputError, match="taken"):
        save_onnx(export_onnx(graphs.residual_net()), target)
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert not list(target.iterdir())


def test_loading_a_foreign_file_names_it(tmp_path):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all")
    with pytest.raises(BadInputError, match="garbage.onnx: not a valid ONNX model"):
        load_onnx(garbage)
    foreign = tmp_path / "foreign.onnx"
    identity = onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["a"], ["b"])], "g",
        [onnx.helper.make_tensor_value_info("a", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("b", onnx.TensorProto.FLOAT, [1])])
    onnx.save(onnx.helper.make_model(identity), foreign)
    with pytest.raises(BadInputError, match="foreign.onnx: not an snn2hw ONNX step"):
        load_onnx(foreign)


def test_inconsistent_shapes_are_refused_naming_the_operator():
    graph = graphs.conv_net()
    graph.nodes["fc"] = nir.Affine(weight=np.ones((5, 23)), bias=np.zeros(5))  # 24 inputs
    with pytest.raises(UnsupportedError, match="node name: fc"):
        export_onnx(graph)
