"""The ONNX backend: one time step of a NIR graph as an ONNX model with explicit membrane
state (see :mod:`.protocol`), looped over time in onnxruntime."""

from .backend import OnnxBackend
from .export import check_graph, export_onnx, save_onnx
from .model import OnnxStepModel, load_onnx
from .protocol import OPSET

__all__ = ["OPSET", "OnnxBackend", "OnnxStepModel", "check_graph", "export_onnx", "load_onnx",
           "save_onnx"]
