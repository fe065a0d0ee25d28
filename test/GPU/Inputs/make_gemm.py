"""Writes DIR/model.onnx (Y = X @ W, X NxN, W a constant NxN: the
shape of the public gemm_N model), DIR/in0.npy and DIR/ref0.npy, and
DIR/ref0_P.npy for each tensor-core precision P (tf32, bf16, fp16): the
product of the operands as the tensor cores read them (tf32: the low 13
mantissa bits dropped; bf16/fp16: rounded to nearest even), accumulated in
float64, so a kernel's result can be checked to fp32 accumulation error
(a wrong fragment layout or a missing K step is far off).

usage: make_gemm.py DIR N [M K]   (X MxK, W KxN; M = K = N by default)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, n = sys.argv[1], int(sys.argv[2])
m, k = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (n, n)
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
x = rng.standard_normal((m, k)).astype(np.float32)
w = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")], "gemm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
    [numpy_helper.from_array(w, "w")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
np.save(os.path.join(out, "in0.npy"), x)
np.save(os.path.join(out, "ref0.npy"), x @ w)


def tf32(a):
    return (a.view(np.uint32) & np.uint32(0xFFFFE000)).view(np.float32)


def bf16(a):
    bits = a.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


def fp16(a):
    return a.astype(np.float16).astype(np.float32)


for name, operand in (("tf32", tf32), ("bf16", bf16), ("fp16", fp16)):
    product = operand(x).astype(np.float64) @ operand(w).astype(np.float64)
    np.save(os.path.join(out, f"ref0_{name}.npy"), product.astype(np.float32))
