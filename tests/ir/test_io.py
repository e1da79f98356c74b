"""Reading and writing .nir files: clear errors, atomic writes, metadata round trip."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from snn2hw.errors import BadInputError
from snn2hw.ir.io import read_graph, write_graph
from snn2hw.ir.metadata import DT, V_INIT


def small_graph(weight=None, **node_meta) -> nir.NIRGraph:
    w = np.eye(2) if weight is None else weight
    nodes = {
        "input": nir.Input(np.array([2])),
        "fc": nir.Affine(weight=w, bias=np.zeros(2)),
        "lif": nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2),
                      metadata=node_meta),
        "output": nir.Output(np.array([2])),
    }
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "output")]
    return nir.NIRGraph(nodes, edges, metadata={DT: 1.0, "snn2hw.readout": "last"})


def test_round_trip_keeps_metadata_and_v_init(tmp_path):
    path = tmp_path / "g.nir"
    write_graph(small_graph(**{V_INIT: np.array([0.25, 0.5])}), path)
    graph = read_graph(path)
    np.testing.assert_array_equal(graph.nodes["lif"].metadata[V_INIT], [0.25, 0.5])
    assert graph.metadata[DT] == 1.0
    assert graph.metadata["snn2hw.readout"] == "last"


def test_missing_file(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        read_graph(tmp_path / "absent.nir")


def test_wrong_file_type(tmp_path):
    path = tmp_path / "model.nir"
    path.write_text("not hdf5")
    with pytest.raises(BadInputError, match="not a NIR file"):
        read_graph(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "g.nir"
    write_graph(small_graph(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BadInputError, match=str(path.name)):
        read_graph(path)


def test_nan_weights_are_refused(tmp_path):
    path = tmp_path / "g.nir"
    write_graph(small_graph(weight=np.array([[np.nan, 0], [0, 1]])), path)
    with pytest.raises(BadInputError, match="fc: non-finite weight"):
        read_graph(path)


def test_failed_write_leaves_no_file(tmp_path):
    path = tmp_path / "g.nir"
    graph = small_graph(**{"snn2hw.bad": None})  # nir.write cannot store None
    with pytest.raises(BadInputError, match="cannot write"):
        write_graph(graph, path)
    assert list(tmp_path.iterdir()) == []


def test_old_nir_version_fixture_loads(nir_paper):
    graph = read_graph(nir_paper / "01_lif" / "lif_norse.nir")  # written by NIR 0.1.1
    assert isinstance(graph.nodes["1"], nir.LIF)
