#!/usr/bin/env python3
"""Small quantization models for the importer's lit tests
(test/Frontend/Onnx/quantization.test).

CLI:  onnx_quant_ops.py NAME OUT.onnx     writes one model
      onnx_quant_ops.py --list            lists the NAMEs

Models are built with onnx.helper (Debian's python3-onnx 1.12) and checked
with onnx.checker. Scales and zero points are graph inputs unless a case
says otherwise, so the decompositions cannot be folded away.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
U8 = TensorProto.UINT8
I8 = TensorProto.INT8
I32 = TensorProto.INT32
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              initializer=list(inits))
    m = helper.make_model(graph, producer_name="kiln",
                          opset_imports=[helper.make_opsetid("", opset)])
    if opset < 13:
        m.ir_version = 6
    onnx.checker.check_model(m)
    return m


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, name=outputs[0], **attrs)


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


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(sorted(CASES)))
        return 0
    if len(argv) != 3 or argv[1] not in CASES:
        sys.stderr.write("usage: onnx_quant_ops.py NAME OUT.onnx | --list\n")
        return 2
    onnx.save(CASES[argv[1]](), argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
