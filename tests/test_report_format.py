"""How numbers are shown: units chosen per magnitude in tables, exact snake_case JSON, and
tables that fit an 80-column terminal without splitting a header word."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from snn2hw import report
from snn2hw.cli import main
from snn2hw.ir.io import write_graph
from snn2hw.report import fmt_count, fmt_energy_mj, fmt_percent, fmt_value
from tests.exported import exported_graph

FIXTURES = "fixtures"  # linked into the working folder: short paths that cannot wrap


@pytest.mark.parametrize(("mj", "text"), [
    (0.000265257, "265.3 nJ"), (14.84, "14.84 mJ"), (1234.0, "1.234 J"), (0.005, "5 µJ"),
    (2.5e-10, "0.25 pJ"), (0.0, "0 J"), (None, "")])
def test_energy_in_the_unit_that_suits_it(mj, text):
    assert fmt_energy_mj(mj) == text


@pytest.mark.parametrize(("value", "text"), [
    (13_002, "13,002"), (999_999, "999,999"), (25_557_032, "25.56M"), (15.88e9, "15.88G"),
    (5838.3, "5,838"), (0.285, "0.285"), (1024, "1,024")])
def test_counts_exact_below_a_million_then_si(value, text):
    assert fmt_count(value) == text


def test_other_cells():
    assert (fmt_value(True), fmt_value(0.2041234), fmt_value([16, 8, 8])) == (
        "yes", "0.2041", "16x8x8")
    assert fmt_percent(0.98222) == "98.2 %"


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    path = tmp_path_factory.mktemp("fmt") / "digits.nir"
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4), path)
    write_graph(exported_graph("digits-cnn", [1, 8, 8], 4, imp=False), path.with_name("no.nir"))
    return path


@pytest.fixture
def narrow(monkeypatch):
    """An 80-column console, and the header and cells of every table printed."""
    monkeypatch.setattr(report, "console", Console(width=80, color_system=None))
    headers: list[str] = []
    make_table = report.make_table

    def keep(rows, columns=None, show_header=True):
        table = make_table(rows, columns, show_header)
        for col in table.columns:
            headers.extend([str(col.header)] if show_header else [])
            headers.extend(map(str, col.cells))
        return table

    monkeypatch.setattr(report, "make_table", keep)
    return headers


COMMANDS = {
    "energy-model": ["energy", "--arch", "sew50"],
    "energy-published": ["energy", "--published"],
    "energy-digits": ["energy", "{digits}", "--dataset", "digits", "--samples", "8"],
    "inspect-digits": ["inspect", "{digits}"],
    "inspect-sinabs": ["inspect", f"{FIXTURES}/02_cnn/cnn_sinabs.nir"],
    "inspect-braille": ["inspect", f"{FIXTURES}/03_rnn/braille_noDelay_bias_zero.nir"],
    "compare": ["compare", "{digits}", "{other}", "--dataset", "digits", "--samples", "4"],
    "quantize": ["quantize", "{digits}", "--mode", "generic", "-o", "q.nir"],  # short path: no wrap
    "run-report-energy": ["run", "{digits}", "--backend", "energy", "--dataset", "digits",
                          "--samples", "4", "--report"],
    "run-report-fixed": ["run", "{digits}", "--backend", "fixed", "--dataset", "digits",
                         "--samples", "4", "--report"],
}


# what the first line a user reads must say (SEW-50 with every rate at 1: an upper bound)
FIRST_LINE = {"energy-model": "UPPER BOUND 14.84 mJ per sample"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_fit_80_columns_without_splitting_words(name, narrow, digits, tmp_path,
                                                       monkeypatch):
    """No line wider than 80 and no word of a header or a cell (a layer name, a number)
    broken across lines."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / FIXTURES).symlink_to(Path(__file__).resolve().parent / "fixtures" / "nir-paper")
    other = digits.with_name("no.nir")
    args = [a.format(digits=digits, other=other, tmp=tmp_path) for a in COMMANDS[name]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    tokens = set(result.output.split())
    words = {w for text in narrow for w in text.split()}
    assert words <= tokens, sorted(words - tokens)
    assert "{" not in result.output  # reports are tables, not JSON or dict reprs
    assert lines[0].startswith(FIRST_LINE.get(name, "")), lines[0]


SNAKE = re.compile(r"^([a-z][a-z0-9_]*|T)$")
NAMED = {"metadata", "firing_rates", "accuracy_per_step", "agreement", "spikes", "potential"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def _walk(value, path=""):
    """Every (path, key) of ``value``'s dicts, and every string value, except inside dicts
    keyed by names (layers, graphs, metadata)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path, key, None
            if key not in NAMED:
                yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item, path)
    elif isinstance(value, str):
        yield path, None, value


@pytest.mark.parametrize("args", [
    ["energy", "{digits}", "--dataset", "digits", "--samples", "4", "--json"],
    ["energy", "--published", "--json"],
    ["energy", "--sops", "5", "--macs", "1", "--json"],
    ["inspect", "{digits}", "--json"],
    ["compare", "{digits}", "{digits}", "--dataset", "digits", "--samples", "4", "--json"],
    ["plot", "rates", "{digits}", "--dataset", "digits", "--samples", "4", "-o", "{tmp}/r.png",
     "--json"],
    ["run", "{digits}", "--backend", "energy", "--dataset", "digits", "--samples", "4",
     "--report", "--json"],
], ids=lambda a: "-".join(a[:2]).replace("{digits}", "graph"))
def test_json_keys_are_snake_case_and_numbers_are_numbers(args, digits, tmp_path):
    result = CliRunner().invoke(main, [a.format(digits=digits, tmp=tmp_path) for a in args])
    assert result.exit_code == 0, result.output
    for path, key, text in _walk(json.loads(result.output)):
        if key is not None:
            assert SNAKE.match(key), f"{path}: key {key!r}"
        else:
            assert not NUMBER.match(text), f"{path}: number as a string {text!r}"


def test_input_rate_is_null_for_real_inputs_in_every_output(digits):
    energy = json.loads(CliRunner().invoke(main, ["energy", str(digits), "--dataset", "digits",
                                                  "--samples", "4", "--json"]).output)
    run = json.loads(CliRunner().invoke(main, ["run", str(digits), "--backend", "energy",
                                               "--dataset", "digits", "--samples", "4",
                                               "--report", "--json"]).output)
    for layers in (energy["layers"], run["report"]["layers"]):
        assert layers[0]["input_rate"] is None
        assert all(isinstance(r["input_rate"], float) for r in layers[1:])


def test_inspect_and_energy_count_parameters_alike_and_by_hand(digits):
    """digits-cnn: conv 1->16 and 16->32 (3x3), fc 512->10; IF neurons store r, v_threshold
    and v_reset per neuron; one IMP value per neuron."""
    inspect = json.loads(CliRunner().invoke(main, ["inspect", str(digits), "--json"]).output)
    energy = json.loads(CliRunner().invoke(main, ["energy", str(digits), "--json"]).output)
    weights, biases = 16 * 9 + 32 * 16 * 9 + 10 * 512, 16 + 32 + 10
    neurons = 16 * 64 + 32 * 64
    expected = {"params": weights + biases, "weights": weights, "biases": biases,
                "neuron_params": 3 * neurons, "imp_params": neurons}
    for totals in (inspect["totals"], energy["totals"]):
        assert {k: totals[k] for k in expected} == expected
    assert sum(r["params"] for r in energy["layers"]) == weights + biases
