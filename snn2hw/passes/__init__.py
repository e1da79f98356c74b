"""Graph passes. Torch-level passes run before export (NIR has no batch-norm node); NIR-level
passes map a NIR graph to another NIR graph."""

from snn2hw.passes.fold_batchnorm import FoldResult, batchnorm_affine, fold_batchnorm

__all__ = ["FoldResult", "batchnorm_affine", "fold_batchnorm"]
