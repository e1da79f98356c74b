"""Lava time per sample on the paper's architectures, and where it goes: SEW-ResNet-18 on one
3x32x32 sample (T = 4) and VGG-11 (vgg11-dvs48, 2x48x48, T = 2), random weights (seed 0),
spike inputs (valid in float and fixed point), float and fixed precision.

Every measurement is a fresh interpreter doing what ``snn2hw run --backend lava`` does
(map, build, compile, run, read, stop). ``--before COMMIT`` also runs the code of COMMIT
(``git archive`` into a temporary folder, nothing in the working tree changes) on the same graphs
in the same run, so before/after are side by side; ``--timeout`` caps each of those runs;
``--after COMMIT`` runs that commit instead of the working tree.

    .venv/bin/python -m benchmarks lava_models                       # current code only
    .venv/bin/python benchmarks/lava_models.py --before e6f1559 --timeout 900
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import record  # noqa: E402

MODELS = {  # name: (architecture, input shape, T, build options)
    "SEW-18 3x32x32": ("sew18", [3, 32, 32], 4,
                       {"num_classes": 10, "input_size": 32, "static_input": True}),
    "VGG-11 dvs48": ("vgg11-dvs48", [2, 48, 48], 2, {"num_classes": 10}),
}

# One measurement in a child interpreter: argv = graph, input, precision, output .npy.
CHILD = """
import json, sys, time
import numpy as np
import torch
torch.set_num_threads(1)
from snn2hw.backend import RunConfig
from snn2hw.backends.lava import LavaBackend
from snn2hw.ir.io import read_graph
graph_path, x_path, precision, out_path = sys.argv[1:5]
start = time.perf_counter()
backend = LavaBackend()
try:
    backend.compile(read_graph(graph_path), RunConfig(precision=precision))
except Exception as exc:
    print(json.dumps({"refused": str(exc)[:120]}))
    sys.exit(0)
mapped = time.perf_counter()
result = backend.run(np.load(x_path))
end = time.perf_counter()
np.save(out_path, result.output)
timing = {k: v for k, v in backend.last.timing.items() if isinstance(v, (int, float))}
print(json.dumps({"map_s": mapped - start, "run_s_total": end - mapped, **timing}))
"""


def _graphs(folder: Path) -> dict[str, tuple[Path, Path, Path]]:
    """Each model as (.nir, input .npy, reference output .npy), written into ``folder``."""
    import torch

    from snn2hw.backends.reference import simulate
    from snn2hw.ir.io import write_graph
    from tests.exported import exported_graph

    out = {}
    for i, (label, (arch, shape, steps, options)) in enumerate(MODELS.items()):
        graph = exported_graph(arch, shape, steps, **options)
        x = (np.random.default_rng(i).random((steps, 1, *shape)) < 0.3).astype(np.float64)
        paths = folder / f"m{i}.nir", folder / f"x{i}.npy", folder / f"ref{i}.npy"
        write_graph(graph, paths[0])
        np.save(paths[1], x)
        np.save(paths[2], simulate(graph, x, dtype=torch.float64).output)
        out[label] = paths
    return out


def _measure(code_root: Path, graph: Path, x: Path, precision: str, out: Path,
             timeout: float | None) -> dict:
    env_path = "" if code_root == ROOT else str(code_root)
    start = time.perf_counter()
    # Its own process group: a run stopped at the timeout takes its Lava workers with it.
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(graph), str(x), precision, str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=code_root,
        start_new_session=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        return {"wall_s": time.perf_counter() - start, "timeout": True}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"wall_s": wall, "error": stderr.strip().splitlines()[-1][:120]}
    return {"wall_s": wall, **json.loads(stdout.strip().splitlines()[-1])}


def _kill_group(pgid: int) -> None:
    """SIGKILL process group ``pgid`` except Python's resource tracker, which then unlinks the
    shared memory the killed run leaves in /dev/shm (the old code's workers do not stop)."""
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.getpgid(int(entry)) == pgid and b"resource_tracker" \
                    not in Path(f"/proc/{entry}/cmdline").read_bytes():
                os.kill(int(entry), signal.SIGKILL)
        except OSError:
            continue


def _checkout(commit: str, folder: Path) -> Path:
    """COMMIT's files in ``folder``, importable as ``snn2hw`` (backends/ linked in)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    link = folder / "snn2hw" / "backends"
    if not link.exists():
        link.symlink_to(folder / "backends")
    return folder


def _row(label: str, precision: str, code: str, m: dict, out: Path, ref: Path,
         other: Path | None) -> dict:
    row = {"model": label, "precision": precision, "code": code,
           "whole run (s)": round(m["wall_s"], 1), "notes": ""}
    if m.get("timeout"):
        row.update({"whole run (s)": f"> {m['wall_s']:.0f}", "notes": "stopped at the timeout"})
        return row
    if "refused" in m or "error" in m:
        row["notes"] = m.get("refused") or m.get("error")
        return row
    row.update({"build (s)": round(m["build_s"], 2) if "build_s" in m else "",
                "compile+start (s)": round(m.get("compile_s", m.get("first_run_s", 0.0)), 2),
                "steps (s)": round(m.get("run_s", 0.0), 2),
                "read (s)": round(m.get("read_s", 0.0), 3),
                "stop (s)": round(m["stop_s"], 2) if "stop_s" in m else "",
                "processes": m.get("processes", "")})
    output = np.load(out)
    if precision == "float":
        row["max |out - reference|"] = float(np.max(np.abs(output - np.load(ref))))
    if other is not None and other.exists():
        row["output = other code's"] = bool(np.array_equal(output, np.load(other)))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="also run this commit's code, side by side")
    parser.add_argument("--after", help="run this commit's code instead of the working tree")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed per run of the --before code")
    parser.add_argument("--precisions", default="float,fixed")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        graphs = _graphs(folder)
        codes = {"now": (ROOT, None)}
        if args.after:
            after = folder / "after"
            after.mkdir()
            codes = {f"now ({args.after})": (_checkout(args.after, after), None)}
        if args.before:
            before = folder / "before"
            before.mkdir()
            codes[f"before ({args.before})"] = (_checkout(args.before, before), args.timeout)
        for label, (graph, x, ref) in graphs.items():
            for precision in args.precisions.split(","):
                outs = {code: folder / f"{abs(hash((label, precision, code)))}.npy"
                        for code in codes}
                results = {code: _measure(root, graph, x, precision, outs[code], timeout)
                           for code, (root, timeout) in codes.items()}
                for code, m in results.items():
                    other = next((outs[c] for c in codes if c != code), None)
                    rows.append(_row(label, precision, code, m, outs[code], ref, other))
                    print(rows[-1], flush=True)  # noqa: T201 (a script)
    print(record("Lava per sample: SEW-18 and VGG-11, before/after the speed work", rows,  # noqa: T201
                 notes="one sample per fresh interpreter, spike inputs (rate 0.3), random "
                       "weights (seed 0); 'whole run' = interpreter start to exit "
                       "(imports, map, build, compile, run, read, stop); 'compile+start' = "
                       "Lava compile and forking its processes (before: first run segment, "
                       "which includes the steps); 'output = other code's' compares the "
                       "outputs of the two codes",
                 replace=True))


if __name__ == "__main__":
    main()
