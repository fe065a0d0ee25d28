#!/usr/bin/env python3
"""Writes DIR/model.onnx: Y = A @ B, A and B both N x N float32 inputs (no
weights, so the executable stays small and the device generates the data).

usage: make_matmul.py DIR N
"""
import os
import sys

import onnx
from onnx import TensorProto, helper

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")], "matmul",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
