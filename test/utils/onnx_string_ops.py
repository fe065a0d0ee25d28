#!/usr/bin/env python3
"""String-tensor models for the importer's lit tests (test/Frontend/Onnx/
strings.test) and the end-to-end string test (test/e2e/strings.test).

CLI:  onnx_string_ops.py NAME OUT.onnx    writes one model
      onnx_string_ops.py --list           lists the NAMEs

Builders come from onnx_builders.py (same directory).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from onnx import TensorProto  # noqa: E402

from onnx_builders import main, model, node, registry, vi  # noqa: E402

S = TensorProto.STRING
F = TensorProto.FLOAT
D = TensorProto.DOUBLE
I64 = TensorProto.INT64
CASES, case = registry()


@case
def strnorm_lower():
    return model([node("StringNormalizer", ["x"], ["y"],
                       case_change_action="LOWER", is_case_sensitive=1,
                       stopwords=["monday", "Tuesday"])],
                 [vi("x", S, [5])], [vi("y", S, [None])], opset=10)


@case
def strnorm_upper_2d():
    return model([node("StringNormalizer", ["x"], ["y"],
                       case_change_action="UPPER",
                       stopwords=["monday"])],
                 [vi("x", S, [1, 4])], [vi("y", S, [1, None])], opset=10)


@case
def strnorm_no_stopwords():
    return model([node("StringNormalizer", ["x"], ["y"])],
                 [vi("x", S, [3])], [vi("y", S, [3])], opset=10)


@case
def strnorm_then_identity():
    # Identity keeps the data-dependent shape: still a graph output.
    return model([node("StringNormalizer", ["x"], ["n"],
                       stopwords=["a"]),
                  node("Identity", ["n"], ["y"])],
                 [vi("x", S, [3])], [vi("y", S, [None])], opset=13)


@case
def strnorm_consumed():
    # A node consuming a value of data-dependent shape: rejected.
    return model([node("StringNormalizer", ["x"], ["n"], stopwords=["a"]),
                  node("StringNormalizer", ["n"], ["y"])],
                 [vi("x", S, [3])], [vi("y", S, [None])], opset=10)


@case
def strnorm_bad_case():
    return model([node("StringNormalizer", ["x"], ["y"],
                       case_change_action="TITLE")],
                 [vi("x", S, [3])], [vi("y", S, [None])], opset=10,
                 check=False)


@case
def strnorm_3d():
    return model([node("StringNormalizer", ["x"], ["y"])],
                 [vi("x", S, [1, 2, 3])], [vi("y", S, [1, 2, 3])], opset=10,
                 check=False)


@case
def cast_to_string():
    return model([node("Cast", ["x"], ["y"], to=S)],
                 [vi("x", F, [2, 3])], [vi("y", S, [2, 3])])


@case
def cast_from_string():
    return model([node("Cast", ["x"], ["y"], to=D)],
                 [vi("x", S, [4])], [vi("y", D, [4])])


@case
def cast_string_to_int():
    return model([node("Cast", ["x"], ["y"], to=I64)],
                 [vi("x", S, [4])], [vi("y", I64, [4])])


@case
def string_identity():
    # No string op: the output points at the input's strings, no arena.
    return model([node("Identity", ["x"], ["y"])],
                 [vi("x", S, [2])], [vi("y", S, [2])])


@case
def string_add():
    return model([node("Add", ["x", "x"], ["y"])],
                 [vi("x", S, [2])], [vi("y", S, [2])], check=False)


@case
def string_initializer():
    from onnx import helper
    c = helper.make_tensor("c", S, [1], [b"a"])
    return model([node("Identity", ["c"], ["y"])], [], [vi("y", S, [1])],
                 inits=[c])


if __name__ == "__main__":
    sys.exit(main(CASES, __doc__))
