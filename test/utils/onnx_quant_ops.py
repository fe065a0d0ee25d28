#!/usr/bin/env python3
"""Small quantization models for the importer's lit tests
(test/Frontend/Onnx/quantization.test).

CLI:  onnx_quant_ops.py NAME OUT.onnx     writes one model
      onnx_quant_ops.py --list            lists the NAMEs

Models are built with onnx.helper (Debian's python3-onnx 1.12) and checked
with onnx.checker. Scales and zero points are graph inputs unless a case
says otherwise, so the decompositions cannot be folded away.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import main, node, registry, vi  # noqa: E402

F = TensorProto.FLOAT
U8 = TensorProto.UINT8
I8 = TensorProto.INT8
I32 = TensorProto.INT32


CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=13, **kwargs):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               **kwargs)


@case
def quantize_per_tensor():
    return model([node("QuantizeLinear", ["x", "s", "zp"], ["y"])],
                 [vi("x", F, [2, 3]), vi("s", F, []), vi("zp", I8, [])],
                 [vi("y", I8, [2, 3])])


@case
def quantize_per_axis():
    return model([node("QuantizeLinear", ["x", "s", "zp"], ["y"], axis=1)],
                 [vi("x", F, [2, 3, 4]), vi("s", F, [3]),
                  vi("zp", U8, [3])],
                 [vi("y", U8, [2, 3, 4])])


@case
def quantize_no_zero_point():
    return model([node("QuantizeLinear", ["x", "s"], ["y"])],
                 [vi("x", F, [4]), vi("s", F, [])], [vi("y", U8, [4])])


@case
def dequantize_per_axis():
    return model([node("DequantizeLinear", ["x", "s", "zp"], ["y"], axis=0)],
                 [vi("x", U8, [3, 2]), vi("s", F, [3]), vi("zp", U8, [3])],
                 [vi("y", F, [3, 2])])


@case
def dynamic_quantize():
    return model([node("DynamicQuantizeLinear", ["x"], ["y", "s", "zp"])],
                 [vi("x", F, [2, 3])],
                 [vi("y", U8, [2, 3]), vi("s", F, []), vi("zp", U8, [])],
                 opset=11)


@case
def matmul_integer():
    return model([node("MatMulInteger", ["a", "b", "azp", "bzp"], ["y"])],
                 [vi("a", U8, [4, 3]), vi("b", I8, [3, 2]),
                  vi("azp", U8, [4]), vi("bzp", I8, [2])],
                 [vi("y", I32, [4, 2])], opset=10)


@case
def qlinear_matmul():
    return model([node("QLinearMatMul", ["a", "as", "azp", "b", "bs", "bzp",
                                          "ys", "yzp"], ["y"])],
                 [vi("a", U8, [2, 4]), vi("as", F, []), vi("azp", U8, []),
                  vi("b", U8, [4, 3]), vi("bs", F, []), vi("bzp", U8, []),
                  vi("ys", F, []), vi("yzp", U8, [])],
                 [vi("y", U8, [2, 3])], opset=10)


@case
def conv_integer():
    return model([node("ConvInteger", ["x", "w", "xzp", "wzp"], ["y"],
                       pads=[1, 1, 1, 1])],
                 [vi("x", U8, [1, 2, 3, 3]), vi("w", U8, [4, 2, 2, 2]),
                  vi("xzp", U8, []), vi("wzp", U8, [4])],
                 [vi("y", I32, [1, 4, 4, 4])], opset=10)


@case
def qlinear_conv():
    w = numpy_helper.from_array(
        np.arange(8, dtype=np.int8).reshape(2, 1, 2, 2), "w")
    b = numpy_helper.from_array(np.array([5, -5], dtype=np.int32), "b")
    return model([node("QLinearConv", ["x", "xs", "xzp", "w", "ws", "wzp",
                                        "ys", "yzp", "b"], ["y"],
                       auto_pad="SAME_UPPER")],
                 [vi("x", U8, [1, 1, 3, 3]), vi("xs", F, []),
                  vi("xzp", U8, []), vi("ws", F, [2]), vi("wzp", I8, [2]),
                  vi("ys", F, []), vi("yzp", I8, [])],
                 [vi("y", I8, [1, 2, 3, 3])], inits=[w, b], opset=10)


@case
def bad_scale_shape():
    return model([node("QuantizeLinear", ["x", "s", "zp"], ["y"], axis=1)],
                 [vi("x", F, [2, 3]), vi("s", F, [2]), vi("zp", U8, [2])],
                 [vi("y", U8, [2, 3])])


@case
def bad_zero_point_type():
    return model([node("QuantizeLinear", ["x", "s", "zp"], ["y"])],
                 [vi("x", F, [2]), vi("s", F, []), vi("zp", I32, [])],
                 [vi("y", I32, [2])])


@case
def bad_float_matmul_integer():
    return model([node("MatMulInteger", ["a", "b"], ["y"])],
                 [vi("a", F, [2, 2]), vi("b", U8, [2, 2])],
                 [vi("y", I32, [2, 2])], opset=10)


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
