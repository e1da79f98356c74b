"""``snn2hw verify``: run a source model and its NIR graph side by side, layer by layer, in
float32 and float64, and say whether each differing spike is float rounding or a mapping error."""

from __future__ import annotations

import click

from snn2hw.cli.export_cmd import ArchType, json_object
from snn2hw.cli.options import POSITIVE_INT, SHAPE, STEPS, InputFile, dataset_option

EXIT_MISMATCH = 1


@click.command("verify")
@click.argument("source", type=InputFile())
@click.argument("graph_path", type=InputFile())
@click.option("--input", "input_path", type=InputFile(),
              help=".npy input: a static [B, ...] batch (static models) or [T, B, ...].")
@dataset_option("Samples instead of --input (digits: its test split)")
@click.option("--samples", type=POSITIVE_INT, default=4, show_default=True,
              help="Samples: random in [0, 1) (seed 0) without --input, or of --dataset.")
@click.option("--arch", type=ArchType(),
              help="As for export: a registry architecture or FILE.py:FUNCTION.")
@click.option("--arch-args", callback=json_object,
              help="As for export: keyword arguments of FUNCTION (a JSON object).")
@click.option("--T", "steps", type=STEPS, help="Time steps (default: the source's).")
@click.option("--input-shape", type=SHAPE, help="One sample, e.g. 2,48,48 (no T, no B).")
@click.option("--trust", is_flag=True, help="Allow full unpickling (only for trusted files).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def command(source, graph_path, input_path, dataset, samples, arch, arch_args, steps,
            input_shape, trust, as_json) -> None:
    """Compare SOURCE (checkpoint or weights, as for export) with GRAPH_PATH (.nir) spike by
    spike. Exit code 1 when a difference is a mapping error, not float rounding."""
    import numpy as np

    from snn2hw.data import load_dataset
    from snn2hw.errors import BadInputError, about
    from snn2hw.frontends.sources import load_model_source
    from snn2hw.ir.io import read_graph
    from snn2hw.report import print_json, print_line, print_table
    from snn2hw.train.trainer import torch_threads
    from snn2hw.verify import verify

    with about(source):
        spec = load_model_source(source, arch=arch, T=steps, input_shape=input_shape,
                                 trust=trust, arch_args=arch_args)
    with about(graph_path):
        graph = read_graph(graph_path)
    if input_path and dataset:
        raise BadInputError("give --input or --dataset, not both")
    if input_path:
        with about(input_path):
            x = np.load(input_path, allow_pickle=False)
    elif dataset:
        x = load_dataset(dataset, graph, samples)[0]
        if not spec.static_input:  # a sequence model sees the sample at every step
            x = np.broadcast_to(x, (spec.T, *x.shape))
    else:
        lead = (samples,) if spec.static_input else (spec.T, samples)
        x = np.random.default_rng(0).random((*lead, *spec.input_shape))
    with torch_threads(1):
        results = verify(spec.model, graph, x, spec.static_input)
    if as_json:
        print_json([{**vars(r), "verdict": r.verdict} for r in results])
    for result in results if not as_json else []:
        rows = [{"layer": layer.layer, "node": layer.node, "entries": layer.entries,
                 "differing": layer.differing, "first step": layer.first_step,
                 "rounding": layer.rounding, "cascade": layer.cascade,
                 "mapping error": layer.mapping_error,
                 "worst margin": layer.worst_margin} for layer in result.layers]
        print_table(f"{result.dtype}: {result.verdict}", rows)
        first = result.first_divergence or "none"
        print_line(f"{result.dtype}: first divergence {first}; largest output difference "
                   f"{result.max_output_difference:.3g}")
    if any(r.verdict == "MAPPING ERROR" for r in results):
        raise SystemExit(EXIT_MISMATCH)
