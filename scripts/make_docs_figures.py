"""Regenerate the pictures and text samples that README.md shows (docs/figures/).

    python scripts/make_docs_figures.py             # trained models; also README's samples
    python scripts/make_docs_figures.py --quick --out /tmp/f   # untrained, seconds (the test)

Everything goes through the ``snn2hw`` commands themselves (in-process, an 80-column console),
so a change of any output shows up here; ``tests/test_docs_figures.py`` runs ``--quick`` and
checks that README.md and docs/figures/ agree with what this script writes.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import warnings
from contextlib import chdir
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = "tests/fixtures/nir-paper/02_cnn/cnn_sinabs.nir"  # relative: samples name it so

# text samples whose content does not depend on training (compared exactly by the test)
DETERMINISTIC = ("inspect_sinabs.txt", "energy_published.txt", "energy_sew18_head.txt")


def _cli(args: list[str]) -> str:
    """Run ``snn2hw ARGS`` in-process on an 80-column console; its output without trailing
    blanks (exit 0, else stop)."""
    from click.testing import CliRunner
    from rich.console import Console

    from snn2hw import report
    from snn2hw.cli import main

    report.console = Console(width=80, color_system=None)
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exit_code != 0:
        raise SystemExit(f"snn2hw {' '.join(map(str, args))}: {result.output}")
    return "".join(line.rstrip() + "\n" for line in result.output.splitlines())


def _models(folder: Path, quick: bool) -> tuple[Path, Path]:
    """The digits CNN with and without IMP, as NIR: trained (15 epochs), or untrained with
    random IMP values when ``quick``."""
    import torch

    from snn2hw.api import export_model
    from snn2hw.checkpoint import save_checkpoint
    from snn2hw.frontends import torch_to_graph
    from snn2hw.ir.io import write_graph
    from snn2hw.nn.architectures import build_model
    from snn2hw.train import TrainConfig, train

    paths = (folder / "imp.nir", folder / "no-imp.nir")
    for imp, path in zip((True, False), paths, strict=True):
        if quick:
            torch.manual_seed(0)
            model = build_model("digits-cnn", T=4, imp=imp)
            with torch.no_grad():
                for name, param in model.named_parameters():
                    if name.endswith("init_state"):
                        param.uniform_(0.0, 0.5)
            write_graph(torch_to_graph(model.eval(), [1, 8, 8], 4), path)
        else:
            trained = train(TrainConfig(imp=imp, epochs=15), progress=False)
            save_checkpoint(trained.checkpoint, path.with_suffix(".pt"))
            export_model(path.with_suffix(".pt"), path)
    return paths


def make(out: Path, quick: bool) -> list[Path]:
    """Write every figure and sample into ``out``; return their paths."""
    import matplotlib

    matplotlib.rcParams["savefig.dpi"] = 72  # small files for the docs
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    samples = ["--samples", 8 if quick else 450]
    with chdir(ROOT):
        texts = {"inspect_sinabs.txt": _cli(["inspect", FIXTURE])}
    # the models' files by their bare names (titles show them), from a scratch folder
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(), chdir(tmp):
        warnings.simplefilter("ignore")
        imp, plain = (p.name for p in _models(Path(tmp), quick))
        data = ["--dataset", "digits", *samples]
        texts |= {
            "energy_published.txt": _cli(["energy", "--published"]),
            "energy_sew18_head.txt": "\n".join(
                _cli(["energy", "--arch", "sew18"]).splitlines()[:10]) + "\n",
            "compare.txt": _cli(["compare", imp, plain, *data, "--plot",
                                 out / "compare.png"]),
            "metrics.txt": _cli(["metrics", imp, *data]),
        }
        _cli(["energy", imp, *data, "--plot", out / "energy.png"])
        for kind, extra in (("raster", []), ("membrane", ["--neuron", 3, "--neuron", 9]),
                            ("rates", []),
                            ("accuracy", ["-b", "reference", "-b", "fixed", "-b", "onnx"])):
            _cli(["plot", kind, imp, *data, *extra, "-o", out / f"{kind}.png"])
        _cli(["plot", "agreement", imp, plain, *data, "-b", "fixed", "-b", "onnx", "-o",
              out / "agreement.png"])
        _cli(["run", imp, "--backend", "fixed", "--mode", "generic", *data,
              "--sweep-bits", "2,8" if quick else "2..8", "--plot", out / "bits.png"])
    for name, text in texts.items():
        (out / name).write_text(text)
    return sorted(out.iterdir())


SAMPLE = re.compile(r"(<!-- sample: (docs/figures/[\w.-]+) -->\n```text\n)(.*?)(```)", re.S)


def update_readme(readme: Path = ROOT / "README.md") -> None:
    """Put the current text samples into README.md's sample blocks."""
    text = readme.read_text()
    readme.write_text(SAMPLE.sub(lambda m: m[1] + (ROOT / m[2]).read_text() + m[4], text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--quick", action="store_true",
                        help="untrained models, 8 samples (what the test runs)")
    args = parser.parse_args(argv)
    for path in make(args.out, args.quick):
        print(f"{path.name}  {path.stat().st_size / 1024:.0f} kB")
    if args.out.resolve() == ROOT / "docs" / "figures":
        update_readme()
    return 0


if __name__ == "__main__":
    sys.exit(main())
