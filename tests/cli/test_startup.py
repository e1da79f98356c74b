"""The CLI answers --help, argument errors, ``inspect`` and ``backends`` without importing torch
or the other heavy libraries (issue 13: the CLI took ~10 s to print its help). No timing here:
benchmarks/cli_startup.py measures the time; this test checks what gets imported."""

from __future__ import annotations

import json
import subprocess
import sys

from snn2hw.cli import COMMANDS

from .helpers import write_tiny

HEAVY = ("torch", "sklearn", "scipy", "matplotlib", "onnxruntime", "lava.magma.core", "lava.proc",
         "nirtorch")

# Runs each argv through the CLI in one fresh interpreter and reports, per argv, the exit code
# and which heavy modules were loaded by then.
PROBE = """
import json, sys
from snn2hw.cli import main
heavy = sys.argv[1].split(",")
report = []
for argv in json.loads(sys.argv[2]):
    try:
        main(argv, standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code
    report.append([argv, code, [m for m in heavy if m in sys.modules]])
print("REPORT" + json.dumps(report))
"""


def _probe(cases: list[list[str]], heavy: tuple[str, ...] = HEAVY) -> list:
    proc = subprocess.run([sys.executable, "-c", PROBE, ",".join(heavy), json.dumps(cases)],
                          capture_output=True, text=True, timeout=120)
    line = next(li for li in proc.stdout.splitlines() if li.startswith("REPORT"))
    return json.loads(line[len("REPORT"):])


def test_help_argument_errors_inspect_and_backends_import_nothing_heavy(tmp_path):
    graph, x, _ = write_tiny(tmp_path)
    cases = [["--help"], *([name, "--help"] for name in COMMANDS),
             ["run", str(graph), "--input", str(x), "--samples", "0"],
             ["run", str(graph), "--input", str(x), "--device", "foo"],
             ["export", str(graph), "-o", str(tmp_path / "o.nir"), "--arch", "nope"],
             ["train", "--lr", "nan", "-o", str(tmp_path / "m.pt")],
             ["energy", "--arch", "sew18", "--input-shape", "3,a"],
             ["quantize", str(graph), "-o", str(graph)],
             ["inspect", str(graph)],
             ["inspect", str(graph), "--json"],
             ["backends"]]
    report = _probe(cases)
    assert len(report) == len(cases)
    for argv, code, heavy in report:
        assert heavy == [], (argv, heavy)
        expected = 0 if argv[-1] in ("--help", "backends") or argv[0] == "inspect" else 2
        assert code == expected, (argv, code)


def test_the_probe_sees_a_heavy_import():
    """The check above can fail: a module that a command loads shows (here the run command's
    own module, so that the test need not wait for torch)."""
    ((argv, code, loaded),) = _probe([["run", "--help"]], heavy=("snn2hw.cli.run_cmd",))
    assert code == 0 and loaded == ["snn2hw.cli.run_cmd"]
