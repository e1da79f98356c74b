"""``snn2hw map`` on the paper's architectures: SEW-ResNet-18/34/50 at 3x224x224 and VGG-11 at
2x48x48 (random weights, T=4, exported as ``snn2hw export`` does), on Loihi 2 and Loihi 1.

    .venv/bin/python benchmarks/loihi2_map.py [--no-append]

Appends one table (totals per model and chip, export and mapping time) to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

from benchmarks.results import record
from snn2hw.errors import Snn2hwWarning
from snn2hw.frontends import torch_to_graph
from snn2hw.mapping import map_graph
from snn2hw.nn.architectures import DEFAULT_INPUT_SHAPES, build_model

MODELS = ("sew18", "sew34", "sew50", "vgg11-dvs48")
TARGETS = ("loihi2", "loihi1")
T = 4
MIB_BITS = 8 * 2**20


def export(name: str):
    """Architecture ``name`` with random weights and random IMP in [0, 0.2], as a NIR graph."""
    torch.manual_seed(0)
    model = build_model(name, T=T)
    with torch.no_grad():
        for key, param in model.named_parameters():
            if key.endswith("init_state"):
                param.uniform_(0.0, 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Snn2hwWarning)
        return torch_to_graph(model.eval(), list(DEFAULT_INPUT_SHAPES[name]), T)


def rows() -> list[dict]:
    out = []
    for name in MODELS:
        start = time.perf_counter()
        graph = export(name)
        export_s = time.perf_counter() - start
        for target in TARGETS:
            start = time.perf_counter()
            summary = map_graph(graph, target)
            map_s = time.perf_counter() - start
            totals = summary["totals"]
            out.append({
                "model": name, "input": "x".join(map(str, DEFAULT_INPUT_SHAPES[name])),
                "target": target, "layers": len(summary["layers"]),
                "neurons": f"{totals['neurons']:,}", "synapses": f"{totals['synapses']:,}",
                "synaptic memory (MiB)": round(totals["synaptic_memory_bits"] / MIB_BITS, 1),
                "cores": f"{totals['cores']:,}", "chips": totals["chips"],
                "layers over a core limit": len({p.split(":")[0] for p in summary["problems"]}),
                "export (s)": round(export_s, 2), "map (s)": round(map_s, 2),
            })
            print(out[-1], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = rows()
    notes = ("float graphs at 8-bit weights, dense synapse count (no kernel sharing), one "
             "layer per core; Loihi 2 axon limits are not public and not checked")
    if not args.no_append:
        print(record("snn2hw map: the paper's models on Loihi 2 and Loihi 1", table, notes,
                     replace=True))


if __name__ == "__main__":
    main()
