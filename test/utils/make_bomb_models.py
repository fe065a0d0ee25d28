#!/usr/bin/env python3
"""Small models that describe huge tensors (compile-time bombs) for the
folding-budget tests (test/Transforms/fold-constants-budget.test) and the
fuzzer's seed corpus: each holds a few bytes but names 10^12 elements.

CLI:  make_bomb_models.py NAME OUT.onnx      writes one model
      make_bomb_models.py --list             lists the NAMEs

Each model takes x: float[1] and returns y: float[1] (or float[N, 1] where
noted); the docstring gives y for the cases that fold to a constant.
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_builders import const, main, model, node, registry, vi  # noqa: E402

F = TensorProto.FLOAT
CASES, case = registry()
# 10^6 x 10^6 = 10^12 elements (4 TB of f32).
N = 1000000
HUGE = [N, N]


def _value(v):
    return helper.make_tensor("value", F, [1], [v])


def _reduce_add(nodes, inits, source, op="ReduceSum"):
    """y = op(source over every axis) + x."""
    nodes.append(node(op, [source], ["r"], keepdims=0))
    nodes.append(node("Add", ["r", "x"], ["y"]))
    return model(nodes, [vi("x", F, [1])], [vi("y", F, [1])], inits)


@case
def constant_of_shape_sum():
    """ConstantOfShape [10^6, 10^6] of 1.0 -> ReduceSum -> Add x:
    y = x + 10^12."""
    return _reduce_add([node("ConstantOfShape", ["shape"], ["c"],
                             value=_value(1.0))],
                       [const("shape", np.array(HUGE, np.int64))], "c")


@case
def constant_of_shape_partial():
    """ConstantOfShape [10^6, 10^6] of 0.5 -> ReduceSum over axis 1 (a splat
    of 5*10^5 per row) -> ReduceMax -> Add x: y = x + 5*10^5."""
    nodes = [node("ConstantOfShape", ["shape"], ["c"], value=_value(0.5)),
             node("ReduceSum", ["c", "axes"], ["rows"], keepdims=0),
             node("ReduceMax", ["rows"], ["r"], keepdims=0),
             node("Add", ["r", "x"], ["y"])]
    return model(nodes, [vi("x", F, [1])], [vi("y", F, [1])],
                 [const("shape", np.array(HUGE, np.int64)),
                  const("axes", np.array([1], np.int64))])


@case
def expand_sum():
    """Expand of the constant 2.0 to [10^6, 10^6] -> ReduceSum -> Add x:
    y = x + 2*10^12."""
    return _reduce_add([node("Expand", ["two", "shape"], ["e"])],
                       [const("two", np.array([2.0], np.float32)),
                        const("shape", np.array(HUGE, np.int64))], "e")


@case
def tile_max():
    """Tile of the constant [[0.25]] by [10^6, 10^6] -> ReduceMax -> Add x:
    y = x + 0.25."""
    return _reduce_add([node("Tile", ["q", "repeats"], ["t"])],
                       [const("q", np.array([[0.25]], np.float32)),
                        const("repeats", np.array(HUGE, np.int64))], "t",
                       op="ReduceMax")


@case
def tile_nonsplat_sum():
    """Tile of the constant [[1, 2]] by [10^6, 5*10^5]: not a splat, beyond
    the folding budget, left to run time."""
    return _reduce_add([node("Tile", ["q", "repeats"], ["t"])],
                       [const("q", np.array([[1.0, 2.0]], np.float32)),
                        const("repeats", np.array([N, N // 2], np.int64))],
                       "t")


@case
def resize_sum():
    """Resize (nearest) of a 2x2 constant by 5*10^5 in each spatial dim to
    [1, 1, 10^6, 10^6] -> ReduceSum: left to run time."""
    nodes = [node("Resize", ["img", "", "scales"], ["big"], mode="nearest")]
    return _reduce_add(nodes, [
        const("img", np.array([[[[1, 2], [3, 4]]]], np.float32)),
        const("scales", np.array([1, 1, N // 2, N // 2], np.float32))],
        "big")


@case
def range_sum():
    """Range(0, 10^12, 1) -> ReduceSum: refused at compile time."""
    return _reduce_add([node("Range", ["start", "limit", "delta"], ["s"])],
                       [const("start", np.array(0.0, np.float32)),
                        const("limit", np.array(1e12, np.float32)),
                        const("delta", np.array(1.0, np.float32))], "s")


@case
def constant_of_shape_add():
    """ConstantOfShape [10^6, 10^6] of 1.0 + x (x: float[10^6, 1]): the
    splat reaches run time, as a fill, and needs 4 TB of workspace."""
    nodes = [node("ConstantOfShape", ["shape"], ["c"], value=_value(1.0)),
             node("Add", ["c", "x"], ["y"])]
    return model(nodes, [vi("x", F, [N, 1])], [vi("y", F, HUGE)],
                 [const("shape", np.array(HUGE, np.int64))])


@case
def huge_shape_operand():
    """Reshape whose shape operand is ConstantOfShape [10^12] (int64): a
    constant far too big to read as a shape, reported as such."""
    nodes = [node("ConstantOfShape", ["n"], ["shape"],
                  value=helper.make_tensor("value", TensorProto.INT64, [1],
                                           [1])),
             node("Reshape", ["x", "shape"], ["y"])]
    return model(nodes, [vi("x", F, [1])], [vi("y", F, [1])],
                 [const("n", np.array([N * N], np.int64))])


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
