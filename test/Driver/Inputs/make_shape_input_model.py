"""Writes a model whose Reshape shape is a graph input (as many ONNX
exports and the ONNX backend tests do), the shape value as a TensorProto,
an input and the expected output.

usage: make_shape_input_model.py OUT_PREFIX
  OUT_PREFIX.onnx, OUT_PREFIX.shape.pb, OUT_PREFIX.x.npy, OUT_PREFIX.ref.npy
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

prefix = sys.argv[1]
graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape_node"),
     helper.make_node("Relu", ["r"], ["y"], name="relu_node")],
    "shape_input",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
     helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["r0", "r1"])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, prefix + ".onnx")
shape = np.array([4, -1], dtype=np.int64)
with open(prefix + ".shape.pb", "wb") as f:
    f.write(numpy_helper.from_array(shape, "shape").SerializeToString())
x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
np.save(prefix + ".x.npy", x)
np.save(prefix + ".ref.npy", np.maximum(x.reshape(4, 6), 0))
