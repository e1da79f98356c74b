"""The one table of float tolerances the tests use (DESIGN.md §6: exact equality for integer
backends, one table for floats). Each entry states where its level comes from; tighten an entry
only with a new measurement, never loosen one to make a test pass.

Use: ``np.testing.assert_allclose(got, want, **TOL["onnx_float32"])``.
"""

from __future__ import annotations

TOL: dict[str, dict[str, float]] = {
    # float64 paths that compute the same sums in the same order (layerwise vs stepwise
    # reference, Lava floating_pt vs reference in float64): measured differences are 0 or a
    # few ulps (~1e-16); 1e-12 leaves room for reassociation across torch versions.
    "float64_same_order": {"rtol": 0.0, "atol": 1e-12},
    # Lava floating_pt (float64 numpy) vs the reference in float64: measured max 2e-15 on the
    # digits MLP and the conv chains of tests/backends/lava.
    "lava_float64": {"rtol": 1e-9, "atol": 1e-9},
    # Exported model vs source torch model in float64 (frontends/nets.py): measured 0 for
    # MLPs, <1e-13 with batch-norm folding.
    "export_float64": {"rtol": 0.0, "atol": 1e-9},
    # BN folding in float64 (tests/passes/test_fold_batchnorm.py): measured ~1e-15.
    "fold_float64": {"rtol": 1e-10, "atol": 1e-10},
    # onnxruntime float32 vs the reference in float32: same operations, but onnxruntime fuses
    # MatMul+Add and orders conv sums differently; measured max 2e-6 on readout values of
    # tests/backends/onnx graphs (spikes equal).
    "onnx_float32": {"rtol": 0.0, "atol": 1e-5},
    # membrane potentials through onnxruntime (float32), larger magnitudes than outputs.
    "onnx_float32_potential": {"rtol": 1e-5, "atol": 1e-4},
    # Reference in float32 vs an exported torch module in float32 (test_cli_export.py,
    # test_architectures.py static vs dynamic stem): measured ~1e-6.
    "float32": {"rtol": 0.0, "atol": 1e-5},
    # Reference vs traces recorded by other simulators in the NIR paper fixtures
    # (tests/backends/reference/test_fixtures.py): norse's float32 voltages, measured 2.4e-8
    # (a 0.01 % error in tau gives 5.8e-6, so 1e-7 sees it).
    "norse_trace": {"rtol": 0.0, "atol": 1e-7},
    # Lava-recorded voltages in the NIR paper fixture (float32 file), measured 3.8e-8.
    "lava_trace": {"rtol": 0.0, "atol": 1e-7},
    # The Braille graph (float32 parameters: w_in = 2.22222228 for 1 / 0.45) against snnTorch's
    # equations in float64 with the exact alpha/beta: hidden potentials, measured 4.5e-5.
    "braille_snntorch": {"rtol": 0.0, "atol": 2e-4},
}
