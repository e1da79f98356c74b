"""Property-based fuzzing of the CLI (issue 12): mutated ``.nir``, ``.npy`` and ``.pt`` files and
random NIR graphs through the commands. Every outcome is success, or exit 2 with one
``error:`` line; no traceback, no hang (each call has a time limit), no stray file in the output
folder. Bounded for CI: ``SNN2HW_FUZZ_EXAMPLES`` (default 20 per property) and derandomised,
so CI sees the same cases; set ``SNN2HW_FUZZ_RANDOM=1`` to explore new ones."""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import nir
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from snn2hw.ir.metadata import DT, T

from .helpers import cli, tiny_graph

EXAMPLES = int(os.environ.get("SNN2HW_FUZZ_EXAMPLES", "20"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("SNN2HW_FUZZ_RANDOM"),
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
TIME_LIMIT_S = 30


class Hang(BaseException):
    """A command ran past the time limit (BaseException: no `except Exception` swallows it)."""


def _alarm(signum, frame):
    raise Hang(f"a command ran longer than {TIME_LIMIT_S} s")


def run_cli(args: list, out: Path) -> None:
    """Run the CLI in-process under a time limit; check the outcome and the output folder."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT_S)
    try:
        result = cli(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    stderr = [line for line in result.stderr.splitlines() if line.strip()]
    last = re.sub(r"/\S*/", "", (stderr or [""])[-1])[:80]  # without the temporary folder
    event(f"exit {result.exit_code}: {last}")
    assert "Traceback" not in result.output, (args, result.output)
    assert result.exit_code in (0, 2), (args, result.output)
    left = sorted(p.name for p in out.iterdir())
    if result.exit_code == 2:
        errors = [line for line in stderr if not line.startswith("warning: ")]
        assert len(errors) == 1 and errors[0].startswith("error: "), (args, result.output)
        files = [a.name for a in args if isinstance(a, Path)]
        assert any(name in errors[0] for name in files) or "--" in errors[0], (
            "the error names no file", args, errors[0])
        assert left == [], (args, left, result.output)
    else:
        assert all(not name.startswith(".") for name in left), (args, left)
    for path in out.iterdir():
        path.unlink()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Path]:
    """Valid files to mutate: a graph, its input, labels and a digits checkpoint."""
    from snn2hw.checkpoint import Checkpoint, save_checkpoint
    from snn2hw.ir.io import write_graph
    from snn2hw.nn.architectures import build_model

    folder = tmp_path_factory.mktemp("seeds")
    paths = {"nir": folder / "g.nir", "npy": folder / "x.npy", "labels": folder / "y.npy",
             "pt": folder / "m.pt", "onnx": folder / "g.onnx"}
    write_graph(tiny_graph(4), paths["nir"])
    assert cli("export", paths["nir"], "--to", "onnx", "-o", paths["onnx"]).exit_code == 0
    np.save(paths["npy"], np.random.default_rng(0).uniform(0, 1, (3, 4)))
    np.save(paths["labels"], np.array([0, 1, 2]))
    model = build_model("digits-mlp", T=2)
    save_checkpoint(Checkpoint(arch="digits-mlp", config={"T": 2},
                               state_dict=model.state_dict(), T=2, input_shape=[1, 8, 8]),
                    paths["pt"])
    return paths


@pytest.fixture
def work(tmp_path) -> tuple[Path, Path]:
    """A folder for the mutated inputs and an empty folder for the outputs."""
    out = tmp_path / "out"
    out.mkdir()
    return tmp_path, out


# --- byte mutations ------------------------------------------------------------------------

@st.composite
def mutated(draw, data: bytes) -> bytes:
    """``data`` with bytes flipped, cut short, or with garbage appended."""
    kind = draw(st.sampled_from(["flip", "truncate", "append", "flip+truncate"]))
    buf = bytearray(data)
    if "flip" in kind:
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(buf) - 1))
            buf[i] ^= 1 << draw(st.integers(0, 7))
    if "truncate" in kind:
        buf = buf[:draw(st.integers(0, len(buf) - 1))]
    if kind == "append":
        buf += draw(st.binary(min_size=1, max_size=64))
    return bytes(buf)


def _mutate(seed: Path, target: Path, data) -> Path:
    target.write_bytes(data.draw(mutated(seed.read_bytes())))
    return target


GRAPH_COMMANDS = [
    lambda g, x, out: ["inspect", g],
    lambda g, x, out: ["run", g, "--input", x, "-o", out / "o.npy"],
    lambda g, x, out: ["run", g, "--input", x, "-b", "fixed", "--record", out / "r.npz"],
    lambda g, x, out: ["run", g, "--input", x, "-b", "energy"],
    lambda g, x, out: ["quantize", g, "-o", out / "q.nir"],
    lambda g, x, out: ["quantize", g, "-o", out / "q.nir", "--mode", "loihi"],
    lambda g, x, out: ["energy", g],
    lambda g, x, out: ["export", g, "--to", "onnx", "-o", out / "g.onnx"],
]


@SETTINGS
@given(data=st.data(), command=st.sampled_from(GRAPH_COMMANDS))
def test_mutated_nir_files(seeds, work, data, command):
    folder, out = work
    graph = _mutate(seeds["nir"], folder / "m.nir", data)
    run_cli(command(graph, seeds["npy"], out), out)


@SETTINGS
@given(data=st.data(), backend=st.sampled_from(["reference", "fixed", "energy"]))
def test_mutated_npy_files(seeds, work, data, backend):
    folder, out = work
    x = _mutate(seeds["npy"], folder / "m.npy", data)
    run_cli(["run", seeds["nir"], "--input", x, "-b", backend, "-o", out / "o.npy"], out)


@SETTINGS
@given(data=st.data(), command=st.sampled_from([
    lambda p, out: ["export", p, "-o", out / "m.nir"],
    lambda p, out: ["energy", p],
]))
def test_mutated_checkpoints(seeds, work, data, command):
    folder, out = work
    checkpoint = _mutate(seeds["pt"], folder / "m.pt", data)
    run_cli(command(checkpoint, out), out)


@SETTINGS
@given(data=st.data())
def test_mutated_onnx_steps(seeds, work, data):
    """ONNX's own checker and runtime errors span many lines; the CLI gives one."""
    folder, out = work
    step = _mutate(seeds["onnx"], folder / "m.onnx", data)
    run_cli(["run", step, "-b", "onnx", "--input", seeds["npy"], "-o", out / "o.npy"], out)


# --- arrays of any shape and dtype ------------------------------------------------------------

DTYPES = st.one_of(  # half numbers (which must run), half anything else (which must be refused)
    hnp.floating_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(),
    hnp.boolean_dtypes(), hnp.scalar_dtypes(), hnp.byte_string_dtypes(),
    hnp.unicode_string_dtypes(), hnp.array_dtypes(subtype_strategy=hnp.scalar_dtypes(),
                                                  max_size=2))


SHAPES = st.one_of(st.sampled_from([(3, 4), (2, 3, 4), (3,)]),  # shapes the seed graph takes
                   hnp.array_shapes(min_dims=0, max_dims=4, max_side=5))


@SETTINGS
@given(array=hnp.arrays(DTYPES, SHAPES),
       backend=st.sampled_from(["reference", "fixed", "onnx"]), as_labels=st.booleans())
def test_arrays_of_any_shape_and_dtype(seeds, work, array, backend, as_labels):
    folder, out = work
    path = folder / "a.npy"
    np.save(path, array, allow_pickle=False)
    option = ["--labels", path, "--input", seeds["npy"]] if as_labels else ["--input", path]
    run_cli(["run", seeds["nir"], *option, "-b", backend, "-o", out / "o.npy"], out)


# --- random NIR graphs ----------------------------------------------------------------------

CLEAN = st.floats(-2, 2)
MESSY = st.one_of(CLEAN, st.sampled_from([0.0, 1e30, -1e30, float("nan"), float("inf")]))
KINDS = ["affine", "linear", "if", "lif", "cubalif", "li", "scale", "threshold"]


@st.composite
def node(draw, n_in: int, n_out: int, kind: str, floats) -> nir.NIRNode:
    def vec(n):
        return np.array(draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)

    if kind in ("affine", "linear"):
        weight = vec(n_in * n_out).reshape(n_out, n_in)
        return nir.Affine(weight, vec(n_out)) if kind == "affine" else nir.Linear(weight)
    n = n_in
    if kind == "if":
        return nir.IF(r=vec(n), v_threshold=vec(n), v_reset=vec(n))
    if kind == "lif":
        return nir.LIF(tau=vec(n), r=vec(n), v_leak=vec(n), v_threshold=vec(n), v_reset=vec(n))
    if kind == "cubalif":
        return nir.CubaLIF(tau_syn=vec(n), tau_mem=vec(n), r=vec(n), v_leak=vec(n),
                           v_threshold=vec(n), w_in=vec(n), v_reset=vec(n))
    if kind == "li":
        return nir.LI(tau=vec(n), r=vec(n), v_leak=vec(n))
    if kind == "scale":
        return nir.Scale(vec(n))
    return nir.Threshold(vec(n))


@st.composite
def graphs(draw, messy=None) -> nir.NIRGraph:
    """A chain of random nodes. Half of them are well-formed (finite values, sizes that fit,
    sane metadata) so that the backends really run; the others may have sizes that do not fit,
    NaN/huge values, extra edges (cycles, unknown names) and odd metadata."""
    messy = draw(st.booleans() if messy is None else messy)
    floats = MESSY if messy else CLEAN
    n = draw(st.integers(1, 3))
    nodes: dict[str, nir.NIRNode] = {"input": nir.Input(np.array([n]))}
    names = ["input"]
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(KINDS))
        n_out = draw(st.integers(1, 3)) if kind in ("affine", "linear") else n
        n_in = draw(st.integers(1, 3)) if messy and draw(st.booleans()) else n
        nodes[f"n{i}"] = draw(node(n_in, n_out, kind, floats))
        names.append(f"n{i}")
        n = n_out
    nodes["output"] = nir.Output(np.array([n + (messy and draw(st.booleans()))]))
    names.append("output")
    edges = list(zip(names[:-1], names[1:]))
    metadata = {DT: 1.0, T: 3}
    if messy:
        edges += draw(st.lists(st.tuples(st.sampled_from([*names, "ghost"]),
                                         st.sampled_from([*names, "ghost"])), max_size=2))
        metadata = {DT: draw(st.sampled_from([1.0, 1e-4, -1.0, float("nan")])),
                    T: draw(st.sampled_from([2, 3, 0, -3, 10**12]))}
    try:
        return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=False)
    except Exception:  # NIR itself refuses to build it: nothing for snn2hw to read
        assume(False)


@SETTINGS
@given(graph=graphs(), command=st.sampled_from(GRAPH_COMMANDS))
def test_random_graphs(work, graph, command):
    folder, out = work
    path = folder / "r.nir"
    try:
        nir.write(path, graph)
    except Exception:  # NIR cannot store it
        assume(False)
    x = folder / "x.npy"
    np.save(x, np.random.default_rng(0).uniform(0, 1, (2, _inputs(graph))))
    run_cli(command(path, x, out), out)
    shutil.rmtree(out)
    out.mkdir()


LAVA = """
import sys
from snn2hw.cli import main
main(sys.argv[1:])
"""


@pytest.mark.lava
@settings(SETTINGS, max_examples=min(EXAMPLES, 2))
@given(graph=graphs(messy=st.just(False)), precision=st.sampled_from(["float", "fixed"]))
def test_random_graphs_on_lava_in_a_process_with_a_time_limit(work, graph, precision):
    """Lava runs in processes of its own, which a hang would leave behind: a subprocess with a
    time limit, and the same outcome rules."""
    import subprocess
    import sys

    folder, out = work
    path, x = folder / "r.nir", folder / "x.npy"
    nir.write(path, graph)
    np.save(x, np.random.default_rng(0).uniform(0, 1, (2, _inputs(graph))))
    argv = ["run", str(path), "--input", str(x), "-b", "lava", "--precision", precision,
            "-o", str(out / "o.npy"), "--json"]
    proc = subprocess.run([sys.executable, "-c", LAVA, *argv], capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode in (0, 2) and "Traceback" not in proc.stderr, (argv, proc.stderr)
    errors = [line for line in proc.stderr.splitlines()
              if line.strip() and not line.startswith("warning: ")]
    left = sorted(p.name for p in out.iterdir())
    if proc.returncode == 2:
        assert len(errors) == 1 and "r.nir" in errors[0], proc.stderr
        assert left == []
    else:
        assert left == ["o.npy"]
        (out / "o.npy").unlink()


def _inputs(graph: nir.NIRGraph) -> int:
    return int(graph.nodes["input"].input_type["input"][0])


# --- option values ---------------------------------------------------------------------------

OPTIONS = ["--samples", "--T", "--dt", "--device", "--input-scale", "--backend", "--sweep-bits",
           "--precision"]


@SETTINGS
@given(option=st.sampled_from(OPTIONS),
       value=st.one_of(st.text(max_size=10), st.integers(-10**20, 10**20).map(str),
                       st.floats(allow_nan=True, allow_infinity=True).map(str),
                       st.sampled_from(["1", "2..8", "cuda", "cuda:0", "cpu", "fixed", "1e-320"])))
def test_option_values(seeds, work, option, value):
    """Any value of a run option: the run, or one line naming the option."""
    folder, out = work
    assume("\x00" not in value)
    args = ["run", seeds["nir"], "--input", seeds["npy"], "--labels", seeds["labels"],
            "-b", "fixed", option, value, "-o", out / "o.npy"]
    if option == "--sweep-bits":
        args.remove("-o")
        args.remove(out / "o.npy")
    run_cli(args, out)
