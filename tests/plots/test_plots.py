"""``snn2hw plot`` and ``energy --plot``: the format follows the extension, every panel has
labelled axes with units and a title naming the model; the numbers drawn are right."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from snn2hw.cli import main

MAGIC = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def _check_axes(fig, name: str) -> None:
    """Every panel that shows data names both axes; the title names the model."""
    titles = [fig.get_suptitle()] + [ax.get_title() + ax.get_title("left") for ax in fig.axes]
    assert any(name in t for t in titles), titles
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_xlabel() or ax.get_shared_x_axes().get_siblings(ax) != [ax], ax
        assert ax.get_ylabel(), ax


@pytest.mark.parametrize("kind", ["raster", "membrane", "accuracy", "rates", "agreement"])
def test_each_kind_writes_a_labelled_figure(kind, digits_nir, tmp_path, saved_figures):
    out = tmp_path / f"{kind}.png"
    extra = ["--backend", "onnx"] if kind == "agreement" else []
    result = invoke("plot", kind, digits_nir, "--dataset", "digits", "--samples", 8, *extra,
                    "-o", out, "--json")
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == MAGIC[".png"]
    assert json.loads(result.output)["kind"] == kind
    (fig,) = saved_figures
    _check_axes(fig, "digits")
    units = " ".join(ax.get_ylabel() + ax.get_xlabel() for ax in fig.axes)
    assert any(u in units for u in ("%", "step", "spikes / neuron", "neuron index")), units


@pytest.mark.parametrize("suffix", [".pdf", ".svg", ".png"])
def test_energy_plot_format_follows_the_extension(suffix, digits_nir, tmp_path):
    out = tmp_path / f"e{suffix}"
    result = invoke("energy", digits_nir, "--dataset", "digits", "--samples", 4, "--plot", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:len(MAGIC[suffix])] == MAGIC[suffix]


def test_unknown_extension_is_one_line_and_writes_nothing(digits_nir, tmp_path):
    out = tmp_path / "e.xyz"
    result = invoke("plot", "rates", digits_nir, "--dataset", "digits", "-o", out)
    assert result.exit_code == 2 and "e.xyz" in result.output and ".pdf" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_energy_figure_splits_macs_acs_and_labels_the_stem(digits_nir, tmp_path,
                                                           saved_figures):
    result = invoke("energy", digits_nir, "--dataset", "digits", "--samples", 4, "--hw",
                    "loihi", "--plot", tmp_path / "e.png")
    assert result.exit_code == 0, result.output
    (fig,) = saved_figures
    rates, energy = fig.axes
    assert any("real-valued" in t.get_text() for t in rates.texts)  # the stem's bar says why
    assert energy.get_ylabel().startswith("energy per sample (") and "J)" in energy.get_ylabel()
    labels = [t.get_text() for t in energy.get_legend().get_texts()]
    assert any(label.startswith("ACs") for label in labels)
    assert "neuron updates" in labels  # Loihi charges neuron updates
    _check_axes(fig, "digits.nir")


def test_membrane_marks_threshold_and_v_init(digits_nir, tmp_path, saved_figures):
    result = invoke("plot", "membrane", digits_nir, "--dataset", "digits", "--samples", 2,
                    "--layer", "sn1", "--neuron", 5, "--neuron", 7, "-o", tmp_path / "m.png",
                    "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (ax,) = saved_figures[0].axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"threshold v_th = {data['threshold']:g}" in labels and "v_init (IMP)" in labels
    first = {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()
             if line.get_label().startswith("neuron")}
    assert first == pytest.approx({"neuron 5": data["v_init"][0], "neuron 7": data["v_init"][1]})


def test_bad_layer_and_neuron_are_one_line(digits_nir, tmp_path):
    base = ["plot", "membrane", digits_nir, "--dataset", "digits", "--samples", 2, "-o",
            tmp_path / "m.png"]
    bad_layer = invoke(*base, "--layer", "conv1")
    assert bad_layer.exit_code == 2 and "sn1, sn2" in bad_layer.output
    bad_neuron = invoke(*base, "--neuron", 99999)
    assert bad_neuron.exit_code == 2 and "--neuron 99999" in bad_neuron.output
    assert not (tmp_path / "m.png").exists()


def test_accuracy_needs_labels(digits_nir, tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((2, 1, 8, 8)))
    result = invoke("plot", "accuracy", digits_nir, "--input", tmp_path / "x.npy", "-o",
                    tmp_path / "a.png")
    assert result.exit_code == 2 and "labels" in result.output


def test_the_command_offers_every_kind_the_library_draws():
    from snn2hw.cli.plot_cmd import KINDS
    from snn2hw.plots.make import KINDS as DRAWN

    assert KINDS == tuple(DRAWN)


def test_energy_kind_needs_no_data(digits_nir, tmp_path):
    result = invoke("plot", "energy", digits_nir, "-o", tmp_path / "e.svg", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["totals"]["energy_mj"] > 0
    assert (tmp_path / "e.svg").read_bytes()[:5] == MAGIC[".svg"]
