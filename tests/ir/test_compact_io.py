"""Uniform neuron parameters are written as HDF5 fill values (no bytes stored) and read back,
by snn2hw and by plain ``nir.read`` with its type checks, as the full arrays they were."""

from __future__ import annotations

import h5py
import nir
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from snn2hw.ir.io import COMPACT_MIN, read_graph, write_graph
from snn2hw.ir.metadata import DT, V_INIT

FLOATS = st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e4, 1.0 / 3.0, -2.5])


def _param(draw, shape: tuple[int, ...], uniform: bool) -> np.ndarray:
    """A uniform array, or one that differs from uniform in one drawn neuron only (by as
    little as the sign of a zero)."""
    base = draw(FLOATS)
    array = np.full(shape, base)
    if not uniform:
        outlier = draw(FLOATS.filter(lambda v: np.float64(v).tobytes() != np.float64(base)
                                     .tobytes()))
        last = array.size - 1
        where = draw(st.one_of(st.sampled_from([0, last]), st.integers(0, last)))
        array.reshape(-1)[where] = outlier
    return array


@st.composite
def neuron_graphs(draw) -> tuple[nir.NIRGraph, dict[str, bool]]:
    shape = (draw(st.integers(1, 4)), draw(st.integers(4, 12)), draw(st.integers(8, 12)))
    uniform = {name: draw(st.booleans()) for name in ("tau", "r", "v_leak", "v_threshold",
                                                      "v_reset", V_INIT)}
    params = {name: _param(draw, shape, flag) for name, flag in uniform.items()}
    v_init = params.pop(V_INIT)
    params["tau"] = np.abs(params["tau"]) + 1.0  # may make an outlier equal to the rest
    uniform["tau"] = np.unique(params["tau"].view(np.uint64)).size == 1
    channels = shape[0]
    nodes = {
        "input": nir.Input(np.array(shape)),
        "conv": nir.Conv2d(input_shape=shape[1:], weight=np.ones((channels, channels, 1, 1)),
                           stride=1, padding=0, dilation=1, groups=1, bias=np.zeros(channels)),
        "lif": nir.LIF(**params, metadata={V_INIT: v_init}),
        "output": nir.Output(np.array(shape)),
    }
    edges = [("input", "conv"), ("conv", "lif"), ("lif", "output")]
    graph = nir.NIRGraph(nodes, edges, metadata={DT: 1.0})
    return graph, uniform


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype == object:  # strings: compare the objects, not their addresses
        return b.dtype == object and np.array_equal(a, b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=40, deadline=None)
@given(neuron_graphs())
def test_compact_round_trip(tmp_path_factory, case):
    graph, uniform = case
    path = tmp_path_factory.mktemp("compact") / "g.nir"
    write_graph(graph, path)
    lif = graph.nodes["lif"]
    expected = {name: getattr(lif, name) for name in ("tau", "r", "v_leak", "v_threshold",
                                                      "v_reset")}
    expected[V_INIT] = lif.metadata[V_INIT]
    for read in (read_graph(path), nir.read(path)):  # nir.read type-checks by default
        back = read.nodes["lif"]
        for name, value in expected.items():
            got = back.metadata[V_INIT] if name == V_INIT else getattr(back, name)
            assert _same(got, value), name
        assert list(back.input_type["input"]) == list(lif.input_type["input"])
    with h5py.File(path, "r") as file:
        group = file["node/nodes/lif"]
        for name, flag in uniform.items():
            dataset = group["metadata"][name] if name == V_INIT else group[name]
            stored = dataset.id.get_storage_size()
            if flag and dataset.size >= COMPACT_MIN:
                assert stored == 0, f"{name} is uniform but stored per neuron"
            else:
                assert stored > 0, f"{name} lost its per-neuron values"


def test_small_arrays_are_stored_as_they_are(tmp_path):
    path = tmp_path / "g.nir"
    graph = nir.NIRGraph(
        {"input": nir.Input(np.array([2])),
         "if": nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)),
         "output": nir.Output(np.array([2]))},
        [("input", "if"), ("if", "output")], metadata={DT: 1.0})
    write_graph(graph, path)
    with h5py.File(path, "r") as file:
        assert file["node/nodes/if/r"].id.get_storage_size() > 0
    assert _same(read_graph(path).nodes["if"].r, np.ones(2))


def test_layout_is_nir_writes(tmp_path):
    """Same groups, datasets and values as ``nir.write`` (a nested graph included)."""
    from nir.serialization import hdf2dict

    inner = nir.NIRGraph(
        {"input": nir.Input(np.array([2])),
         "if": nir.IF(r=np.ones(2), v_threshold=np.ones(2), v_reset=np.zeros(2)),
         "output": nir.Output(np.array([2]))},
        [("input", "if"), ("if", "output")], metadata={"note": "inner"})
    graph = nir.NIRGraph(
        {"input": nir.Input(np.array([2])),
         "fc": nir.Affine(weight=np.arange(4.0).reshape(2, 2), bias=np.zeros(2),
                          metadata={"k": np.arange(3)}),
         "sub": inner, "output": nir.Output(np.array([2]))},
        [("input", "fc"), ("fc", "sub"), ("sub", "output")], metadata={DT: 1.0})
    ours, theirs = tmp_path / "ours.nir", tmp_path / "theirs.nir"
    write_graph(graph, ours)
    nir.write(theirs, graph)

    def flat(path) -> dict:
        with h5py.File(path, "r") as file:
            out: dict = {}

            def walk(prefix: str, d: dict) -> None:
                for key, value in d.items():
                    if isinstance(value, dict):
                        walk(f"{prefix}/{key}", value)
                    else:
                        out[f"{prefix}/{key}"] = np.asarray(value)
            walk("", hdf2dict(file))
            return out

    a, b = flat(ours), flat(theirs)
    assert a.keys() == b.keys()
    for key in a:
        assert _same(a[key], b[key]), key
