#!/usr/bin/env python3
"""Small ONNX models for the importer's indexing and loss lit tests.

CLI:  onnx_indexing_ops.py NAME OUT.onnx   writes one model
      onnx_indexing_ops.py --list          lists the NAMEs

GatherElements, ScatterElements/Scatter, GatherND, ScatterND, OneHot, and
the context-dependent function ops NegativeLogLikelihoodLoss and
SoftmaxCrossEntropyLoss (whose bodies use GatherElements). Built with
onnx.helper (Debian's python3-onnx 1.12) and checked with onnx.checker.
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
I32 = TensorProto.INT32
I64 = TensorProto.INT64


CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=13, **kwargs):
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               **kwargs)


@case
def gather_elements():
    # A negative axis, int32 indices.
    return model([node("GatherElements", ["x", "i"], ["y"], axis=-1)],
                 [vi("x", F, [3, 4]), vi("i", I32, [3, 2])],
                 [vi("y", F, [3, 2])])


@case
def scatter_elements_add():
    return model([node("ScatterElements", ["x", "i", "u"], ["y"], axis=1,
                       reduction="add")],
                 [vi("x", F, [3, 3]), vi("i", I64, [2, 3]),
                  vi("u", F, [2, 3])],
                 [vi("y", F, [3, 3])], opset=16)


@case
def scatter_elements_max_opset16():
    # max/min arrive with opset 18.
    return model([node("ScatterElements", ["x", "i", "u"], ["y"], axis=0,
                       reduction="max")],
                 [vi("x", F, [3, 3]), vi("i", I64, [2, 3]),
                  vi("u", F, [2, 3])],
                 [vi("y", F, [3, 3])], opset=16)


@case
def scatter_opset9():
    # The deprecated name of ScatterElements.
    return model([node("Scatter", ["x", "i", "u"], ["y"], axis=0)],
                 [vi("x", F, [3, 3]), vi("i", I64, [2, 3]),
                  vi("u", F, [2, 3])],
                 [vi("y", F, [3, 3])], opset=9)


@case
def gather_nd_batch():
    return model([node("GatherND", ["x", "i"], ["y"], batch_dims=1)],
                 [vi("x", F, [2, 3, 4]), vi("i", I64, [2, 5, 1])],
                 [vi("y", F, [2, 5, 4])])


@case
def scatter_nd_mul():
    return model([node("ScatterND", ["x", "i", "u"], ["y"],
                       reduction="mul")],
                 [vi("x", F, [4, 4, 4]), vi("i", I64, [2, 1]),
                  vi("u", F, [2, 4, 4])],
                 [vi("y", F, [4, 4, 4])], opset=16)


@case
def onehot():
    # Float indices, axis 1 of a rank-2 result; depth and values are
    # initializers.
    return model([node("OneHot", ["i", "depth", "values"], ["y"], axis=1)],
                 [vi("i", F, [3])], [vi("y", I64, [3, 5])],
                 inits=[const("depth", np.array([5], np.int64)),
                        const("values", np.array([2, 7], np.int64))])


@case
def onehot_dynamic_depth():
    return model([node("OneHot", ["i", "depth", "values"], ["y"])],
                 [vi("i", I64, [3]), vi("depth", I64, [1])],
                 [vi("y", F, [3, None])],
                 inits=[const("values", np.array([0, 1], np.float32))])


@case
def nllloss():
    # A context-dependent function: its body depends on the weight input
    # and ignore_index.
    return model([node("NegativeLogLikelihoodLoss", ["x", "t", "w"], ["y"],
                       reduction="mean", ignore_index=1)],
                 [vi("x", F, [3, 5]), vi("t", I64, [3]), vi("w", F, [5])],
                 [vi("y", F, [])])


@case
def sce():
    # Its body calls NegativeLogLikelihoodLoss, itself expanded.
    return model([node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y", "p"],
                       reduction="sum")],
                 [vi("x", F, [3, 5]), vi("t", I64, [3])],
                 [vi("y", F, []), vi("p", F, [3, 5])])



@case
def nonzero():
    return model([node("NonZero", ["x"], ["y"])],
                 [vi("x", F, [2, 3])], [vi("y", I64, [2, None])])


@case
def compress_axis():
    return model([node("Compress", ["x", "c"], ["y"], axis=1)],
                 [vi("x", F, [2, 4, 3]), vi("c", TensorProto.BOOL, [3])],
                 [vi("y", F, [2, None, 3])], opset=11)


@case
def compress_constant():
    return model([node("Compress", ["x", "c"], ["y"])],
                 [vi("x", F, [2, 3])], [vi("y", F, [2])],
                 [const("c", np.array([True, False, False, True]))], opset=11)


@case
def compress_consumed():
    return model([node("Compress", ["x", "c"], ["y"], axis=0),
                  node("Relu", ["y"], ["z"])],
                 [vi("x", F, [4]), vi("c", TensorProto.BOOL, [4])],
                 [vi("z", F, [None])], opset=11)

if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
