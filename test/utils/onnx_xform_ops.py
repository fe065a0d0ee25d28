#!/usr/bin/env python3
"""Small models for the importer's lit tests of inverse trigonometry,
BitShift, Trilu, Hardmax, CumSum, TopK, LRN, ReverseSequence, Einsum and Det
(test/Frontend/Onnx/{math-shift,scan-select,linear-algebra}.test).

CLI:  onnx_xform_ops.py NAME OUT.onnx     writes one model
      onnx_xform_ops.py --list            lists the NAMEs

Models are built with onnx.helper (Debian's python3-onnx 1.12) and checked
with onnx.checker.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import const, main, node, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I64 = TensorProto.INT64
U8 = TensorProto.UINT8
U32 = TensorProto.UINT32


CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=14, **kwargs):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               **kwargs)


@case
def inverse_trig():
    ops = ["Acos", "Asin", "Atan", "Acosh", "Asinh", "Atanh"]
    return model([node(op, ["x"], [op.lower()]) for op in ops],
                 [vi("x", F, [2, 3])], [vi(op.lower(), F, [2, 3]) for op in ops])


@case
def bitshift():
    return model([node("BitShift", ["a", "b"], ["l"], direction="LEFT"),
                  node("BitShift", ["c", "d"], ["r"], direction="RIGHT")],
                 [vi("a", U8, [2, 3]), vi("b", U8, [3]),
                  vi("c", U32, [4]), vi("d", U32, [4])],
                 [vi("l", U8, [2, 3]), vi("r", U32, [4])])


@case
def bitshift_bad_direction():
    return model([node("BitShift", ["a", "b"], ["l"], direction="UP")],
                 [vi("a", U8, [3]), vi("b", U8, [3])], [vi("l", U8, [3])])


@case
def trilu():
    return model([node("Trilu", ["x", "k"], ["u"]),
                  node("Trilu", ["x"], ["l"], upper=0)],
                 [vi("x", F, [2, 3, 4])],
                 [vi("u", F, [2, 3, 4]), vi("l", F, [2, 3, 4])],
                 inits=[const("k", np.array(-1, np.int64))])


@case
def trilu_k_input():
    return model([node("Trilu", ["x", "k"], ["u"])],
                 [vi("x", F, [3, 3]), vi("k", I64, [])], [vi("u", F, [3, 3])])


@case
def hardmax():
    return model([node("Hardmax", ["x"], ["y"], axis=1)],
                 [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])])


@case
def cumsum():
    return model([node("CumSum", ["x", "axis"], ["y"], exclusive=1, reverse=1)],
                 [vi("x", F, [2, 3])], [vi("y", F, [2, 3])],
                 inits=[const("axis", np.array(-1, np.int32))])


@case
def cumsum_axis_input():
    return model([node("CumSum", ["x", "axis"], ["y"])],
                 [vi("x", F, [2, 3]), vi("axis", I64, [])],
                 [vi("y", F, [2, 3])])


@case
def topk():
    return model([node("TopK", ["x", "k"], ["v", "i"], axis=1, largest=0)],
                 [vi("x", F, [3, 4])],
                 [vi("v", F, [3, 2]), vi("i", I64, [3, 2])],
                 inits=[const("k", np.array([2], np.int64))])


@case
def topk_too_large():
    return model([node("TopK", ["x", "k"], ["v", "i"])],
                 [vi("x", F, [3, 4])],
                 [vi("v", F, [3, 5]), vi("i", I64, [3, 5])],
                 inits=[const("k", np.array([5], np.int64))])


@case
def lrn():
    return model([node("LRN", ["x"], ["y"], size=3, alpha=0.0002, beta=0.5,
                       bias=2.0)],
                 [vi("x", F, [1, 5, 2, 2])], [vi("y", F, [1, 5, 2, 2])])


@case
def einsum_matmul():
    return model([node("Einsum", ["a", "b"], ["y"],
                       equation="bij, bjk -> bik")],
                 [vi("a", F, [2, 3, 4]), vi("b", F, [2, 4, 5])],
                 [vi("y", F, [2, 3, 5])], opset=12)


@case
def einsum_implicit():
    # Implicit output "ik"; j is contracted.
    return model([node("Einsum", ["a", "b"], ["y"], equation="ij,jk")],
                 [vi("a", F, [3, 4]), vi("b", F, [4, 5])],
                 [vi("y", F, [3, 5])], opset=12)


@case
def einsum_diagonal():
    return model([node("Einsum", ["x"], ["y"], equation="...ii->...i")],
                 [vi("x", F, [2, 3, 3])], [vi("y", F, [2, 3])], opset=12)


@case
def einsum_sum_transpose():
    return model([node("Einsum", ["x"], ["s"], equation="ij->i"),
                  node("Einsum", ["x"], ["t"], equation="ij->ji")],
                 [vi("x", F, [3, 4])],
                 [vi("s", F, [3]), vi("t", F, [4, 3])], opset=12)


@case
def einsum_bad_label():
    return model([node("Einsum", ["a", "b"], ["y"], equation="ij,jk->iz")],
                 [vi("a", F, [3, 4]), vi("b", F, [4, 5])],
                 [vi("y", F, [3, 5])], opset=12)


@case
def det():
    return model([node("Det", ["x"], ["y"])],
                 [vi("x", F, [4, 2, 2])], [vi("y", F, [4])], opset=11)


@case
def reverse_sequence():
    return model([node("ReverseSequence", ["x", "lens"], ["y"], time_axis=1,
                       batch_axis=0)],
                 [vi("x", F, [3, 4, 2]), vi("lens", I64, [3])],
                 [vi("y", F, [3, 4, 2])], opset=10)


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
