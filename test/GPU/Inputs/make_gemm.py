"""Writes DIR/model.onnx (Y = X @ W, X NxN, W a constant NxN: the
shape of the public gemm_N model), DIR/in0.npy and DIR/ref0.npy.

usage: make_gemm.py DIR N
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
x = rng.standard_normal((n, n)).astype(np.float32)
w = (rng.standard_normal((n, n)) / np.sqrt(n)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")], "gemm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [n, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [n, n])],
    [numpy_helper.from_array(w, "w")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
np.save(os.path.join(out, "in0.npy"), x)
np.save(os.path.join(out, "ref0.npy"), x @ w)
