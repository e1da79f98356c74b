"""``snn2hw map`` on the command line: table, JSON, bad input (one line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from snn2hw.cli import main
from snn2hw.ir.io import write_graph

from . import graphs


def run(*args):
    return CliRunner().invoke(main, ["map", *map(str, args)])


@pytest.fixture
def conv_file(tmp_path):
    path = tmp_path / "conv.nir"
    write_graph(graphs.conv_pool_graph(), path)
    return path


def test_table_fits_80_columns(conv_file):
    result = run(conv_file)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 80
    for word in ("n1", "relay", "readout", "2,592", "Totals", "fits one chip", "assumption"):
        assert word in result.output
    assert any(line.split()[:2] == ["cores", "5"] for line in lines)


def test_json_has_snake_case_keys_and_numbers(conv_file):
    result = run(conv_file, "--json", "--target", "loihi1")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["target"] == "loihi1" and summary["source"] == str(conv_file)
    n1 = next(layer for layer in summary["layers"] if layer["name"] == "n1")
    assert n1["synapses"] == 2592 and n1["synaptic_memory_bits"] == 2592 * 8
    assert n1["in_axons_per_core"] == 72 and n1["tile"] == [4, 6, 6]
    assert summary["totals"] == {"neurons": 217, "synapses": 4023,
                                 "synaptic_memory_bits": 4023 * 8, "cores": 5, "chips": 1,
                                 "mappable": True, "fits_one_chip": True}
    assert summary["limits"]["in_axons_per_core"] == 4096 and summary["sources"]
    keys = {k for layer in summary["layers"] for k in layer} | set(summary["totals"])
    assert all(k == k.lower() and " " not in k and "-" not in k for k in keys)


def test_problems_are_listed_in_the_table(tmp_path):
    path = tmp_path / "wide.nir"
    write_graph(graphs.wide_linear(5000, 2), path)
    result = run(path, "--target", "loihi1")
    assert result.exit_code == 0, result.output
    assert "does not map: n: fan-in needs 5000 input axons" in " ".join(result.output.split())


def test_missing_file_is_one_line_exit_2(tmp_path):
    result = run(tmp_path / "nope.nir")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {tmp_path / 'nope.nir'}: no such file"]


def test_not_a_nir_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "x.nir"
    path.write_text("hello")
    result = run(path)
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "not a NIR file" in result.output


def test_unknown_target_exit_2(conv_file):
    result = run(conv_file, "--target", "truenorth")
    assert result.exit_code == 2 and "truenorth" in result.output


def test_command_module_does_not_import_torch():
    code = "import sys, snn2hw.cli.map_cmd; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
