"""Export time and file size of SEW-ResNet-50 (random weights, 224x224, T=4), without and with
IMP. Targets: export < 10 s and < 1 GiB peak on 2 cores; .nir file <= 1.05x the float32
parameter bytes; reading it back (snn2hw.ir.io.read_graph) < 1 s.

    .venv/bin/python benchmarks/export_sew50.py [--imp] [--no-append] [--state TEXT]
        [--rounds N] [--before COMMIT]

Appends the figures to benchmarks/RESULTS.md (machine, date, command; ``--state`` says what
code was measured; ``--before COMMIT`` exports with that commit's package too, alternating,
for side-by-side ratios). The peak includes what the imports alone take, measured too.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import torch

from snn2hw import api
from snn2hw.checkpoint import Checkpoint, save_checkpoint
from snn2hw.errors import Snn2hwWarning
from snn2hw.nn.architectures import build_model

RESULTS = Path(__file__).with_name("RESULTS.md")


def measure(imp: bool, folder: Path, rounds: int, before: Path | None) -> dict:
    """Medians over ``rounds`` exports; with ``before`` (the package of an earlier commit),
    its export alternates with this one's in each round."""
    config = {"num_classes": 1000, "T": 4, "imp": imp}
    model = build_model("sew50", **config)
    src, out = folder / "sew50.pt", folder / "sew50.nir"
    save_checkpoint(Checkpoint("sew50", config, model.state_dict(), T=4,
                               input_shape=[3, 224, 224]), src)
    param_bytes = sum(p.numel() * 4 for p in model.parameters())
    del model
    now, then = [], []
    for _ in range(rounds):
        if before is not None:
            then.append(_child("export", src, folder / "before.nir", code=before))
        now.append(_child("export", src, out))
    read = _child("read", out)
    size = out.stat().st_size
    row = {"imp": imp, "params": param_bytes // 4, **_medians(now),
           "import_mib": _child("import")["peak_mib"],
           "cli_mib": _child("cli", src, folder / "cli.nir")["peak_mib"],
           "read_seconds": read["seconds"], "nir_bytes": size, "ratio": size / param_bytes}
    if then:
        row["before"] = _medians(then)
    return row


def _medians(runs: list[dict]) -> dict:
    return {key: statistics.median(run[key] for run in runs) for key in ("seconds", "peak_mib")}


def _child(*args: object, code: Path | None = None) -> dict:
    """Run one step in a fresh process, so its peak resident memory is its own; ``code``: the
    folder whose ``snn2hw`` package it imports instead of this checkout's."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    line = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], check=True,
                          capture_output=True, text=True, env=env).stdout.strip().splitlines()[-1]
    return json.loads(line)


@contextmanager
def package_of(commit: str | None):
    """The ``snn2hw`` package of ``commit`` in a temporary folder (None: none)."""
    if commit is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", commit, "snn2hw"], check=True,
                                 capture_output=True, cwd=RESULTS.parent.parent).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        yield Path(folder)


def child(step: str, paths: list[str]) -> None:
    from snn2hw.ir.io import read_graph

    start = time.perf_counter()
    if step == "export":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Snn2hwWarning)
            api.export_model(paths[0], paths[1])
    elif step == "read":
        read_graph(paths[0])
    elif step == "cli":  # what a user's `snn2hw export SOURCE -o OUT` holds
        from snn2hw.cli import main as cli

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Snn2hwWarning)
            cli(["export", paths[0], "-o", paths[1]], standalone_mode=False)
    else:  # "import": what the process holds before it exports anything
        from snn2hw.frontends import torch_to_graph  # noqa: F401
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mib": _peak_mib()}))


def _peak_mib() -> float:
    """This process's peak resident memory: VmHWM, not ru_maxrss, which Linux carries over
    from the parent through fork and exec (the parent holds the model it saved)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: KiB


def report(rows: list[dict], rounds: int, state: str | None = None,
           before: str | None = None) -> str:
    lines = [
        f"\n## export SEW-ResNet-50 (random init, 224x224, T=4) — {datetime.date.today()}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads",
        f"- command: `.venv/bin/python benchmarks/export_sew50.py {shlex.join(sys.argv[1:])}`",
        "- target: export < 10 s and < 1 GiB peak; .nir <= 1.05x float32 parameter bytes; "
        "read back < 1 s",
        "- notes: export and read-back each in a fresh process (peak = its VmHWM, "
        "torch and the import included; 'imports alone': the VmHWM of a process that only "
        "imports torch and the exporter; 'snn2hw export peak': the same export through the "
        "CLI's main, once); default glibc malloc settings; 1-minute load "
        f"average {os.getloadavg()[0]:.1f} at the end; export figures are medians of {rounds} "
        "run(s)" + (f", alternating with the export of {before} (its package, the same "
                    "environment) in each round" if before else ""),
        *([f"- state: {state}"] if state else []),
        "", "| IMP | parameters | export (s) | export peak (MiB) | imports alone (MiB) "
        "| snn2hw export peak (MiB) | read back (s) | .nir (MB) | .nir / float32 params |"
        + (f" {before} export (s) | {before} peak (MiB) | time / {before} | peak / {before} |"
           if before else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" * 4 if before else ""),
    ]
    for r in rows:
        line = (f"| {'yes' if r['imp'] else 'no'} | {r['params']:,} | {r['seconds']:.2f} | "
                f"{r['peak_mib']:.0f} | {r['import_mib']:.0f} | {r['cli_mib']:.0f} | "
                f"{r['read_seconds']:.2f} | "
                f"{r['nir_bytes'] / 1e6:.1f} | {r['ratio']:.3f} |")
        if "before" in r:
            b = r["before"]
            line += (f" {b['seconds']:.2f} | {b['peak_mib']:.0f} | "
                     f"{r['seconds'] / b['seconds']:.2f} | {r['peak_mib'] / b['peak_mib']:.2f} |")
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imp", action="store_true", help="also measure the model with IMP")
    parser.add_argument("--no-append", action="store_true", help="print only")
    parser.add_argument("--state", help="what code is measured (a line of the report)")
    parser.add_argument("--rounds", type=int, default=1, help="exports per model (medians)")
    parser.add_argument("--before", metavar="COMMIT",
                        help="also export with the snn2hw package of COMMIT, alternating")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    with tempfile.TemporaryDirectory() as tmp, package_of(args.before) as before:
        rows = [measure(imp, Path(tmp), args.rounds, before)
                for imp in ((False, True) if args.imp else (False,))]
    text = report(rows, args.rounds, args.state, args.before)
    print(text)
    if not args.no_append:
        with RESULTS.open("a") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
