#!/usr/bin/env python3
"""Invalid or unsupported ONNX models for the importer's error tests
(test/Frontend/Onnx/errors-*.test) and the fuzzer's seed corpus.

CLI:  make_bad_models.py NAME OUT.onnx      writes one model
      make_bad_models.py --list             lists the NAMEs
      make_bad_models.py --all DIR          writes every model to DIR/NAME.onnx

The models are built with onnx.helper and deliberately not checked (most of
them fail onnx.checker on purpose). Deterministic: weights are seeded.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import node, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I64 = TensorProto.INT64
CASES, case = registry()


def model(nodes, inputs, outputs, inits=(), opset=13, domains=(), ir=8):
    """Unchecked (most of these models are invalid on purpose), IR 8."""
    return onnx_builders.model(nodes, inputs, outputs, inits, opset=opset,
                               ir=ir, check=False, domains=domains)


def weight(name, *shape, seed=0):
    data = np.random.RandomState(seed).standard_normal(shape).astype(np.float32)
    return numpy_helper.from_array(data, name)


#===------------------------------------------------------------------------===#
# Graph structure
#===------------------------------------------------------------------------===#

@case
def dangling_input():
    """'add' reads 'ghost', which no node produces and no input declares."""
    nodes = [node("Relu", ["x"], ["r"], name="relu"),
             node("Add", ["r", "ghost"], ["y"], name="add")]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 3])])


@case
def missing_initializer():
    """Gemm's weight is neither an initializer nor an input (the bias is)."""
    nodes = [node("Gemm", ["x", "fc.weight", "fc.bias"], ["y"], name="fc",
                  transB=1)]
    return model(nodes, [vi("x", F, [1, 4])], [vi("y", F, [1, 3])],
                 [weight("fc.bias", 3)])


@case
def missing_output():
    """The graph output 'z' is produced by no node."""
    nodes = [node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2]), vi("z", F, [2])])


@case
def duplicate_output():
    """Two nodes write 't'."""
    nodes = [node("Relu", ["x"], ["t"], name="relu"),
             node("Neg", ["x"], ["t"], name="neg"),
             node("Abs", ["t"], ["y"], name="abs")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


@case
def duplicate_input():
    """The graph declares input 'x' twice."""
    nodes = [node("Add", ["x", "x"], ["y"], name="add")]
    return model(nodes, [vi("x", F, [2]), vi("x", F, [2])], [vi("y", F, [2])])


@case
def input_shadowed():
    """Node 'relu' writes 'x', which is already a graph input."""
    nodes = [node("Relu", ["x"], ["x"], name="relu"),
             node("Neg", ["x"], ["y"], name="neg")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


@case
def cycle():
    """add -> relu -> neg -> add."""
    nodes = [node("Add", ["x", "n"], ["a"], name="add"),
             node("Relu", ["a"], ["r"], name="relu"),
             node("Neg", ["r"], ["n"], name="neg")]
    return model(nodes, [vi("x", F, [2])], [vi("r", F, [2])])


@case
def unsorted():
    """Acyclic, but 'neg' reads 'r' before 'relu' (listed later) writes it."""
    nodes = [node("Neg", ["r"], ["y"], name="neg"),
             node("Relu", ["x"], ["r"], name="relu")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


@case
def unsupported_ops():
    """A random op, an op with data-dependent output shapes, and an
    attribute value Pad does not have at opset 13; between supported nodes."""
    nodes = [node("Relu", ["x"], ["r"], name="relu"),
             node("RandomUniformLike", ["r"], ["b"], name="random"),
             node("Unique", ["r"], ["u"], name="unique"),
             node("Pad", ["x", "pads"], ["p"], name="pad", mode="wrap"),
             node("Sigmoid", ["r"], ["y"], name="sigmoid")]
    return model(nodes, [vi("x", F, [2, 3])],
                 [vi("y", F, [2, 3]), vi("b", F, [2, 3]),
                  vi("u", F, ["m"]), vi("p", F, [2, 5])],
                 [numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64),
                                          "pads")])


#===------------------------------------------------------------------------===#
# Weights
#===------------------------------------------------------------------------===#

@case
def external_data_missing(path):
    """A weight stored in an external file that does not exist."""
    w = weight("w", 4, 6)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", os.path.basename(path) + ".missing.bin"),
                       ("length", str(4 * 6 * 4))):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    nodes = [node("MatMul", ["x", "w"], ["y"], name="mm")]
    return model(nodes, [vi("x", F, [1, 4])], [vi("y", F, [1, 6])], [w])


def _external_weight(location, name="w"):
    """A 4x6 float weight whose data is in the external file `location`."""
    w = weight(name, 4, 6)
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("length", str(4 * 6 * 4))):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    return w


def _external_matmul(location):
    nodes = [node("MatMul", ["x", "w"], ["y"], name="mm")]
    return model(nodes, [vi("x", F, [1, 4])], [vi("y", F, [1, 6])],
                 [_external_weight(location)])


@case
def external_data_traversal():
    """External data '../../../../../../../../etc/passwd': a model must not
    make the compiler embed files from outside its directory."""
    return _external_matmul("../../../../../../../../etc/passwd")


@case
def external_data_absolute():
    """External data at an absolute path."""
    return _external_matmul("/etc/passwd")


@case
def external_data_file(path):
    """External data in 'OUT.bin' next to the model, which the test creates
    (as a symlink, a FIFO, a directory, ...); not created here."""
    return _external_matmul(os.path.basename(path) + ".bin")


@case
def external_data_constant_traversal():
    """A Constant node whose value tensor has external data outside."""
    value = _external_weight("../secret.bin", name="c")
    nodes = [node("Constant", [], ["c"], name="const", value=value),
             node("MatMul", ["x", "c"], ["y"], name="mm")]
    return model(nodes, [vi("x", F, [1, 4])], [vi("y", F, [1, 6])])


@case
def external_data_subgraph_traversal():
    """An initializer of an If branch with external data outside."""
    then_graph = helper.make_graph(
        [node("MatMul", ["x", "sw"], ["t"], name="then_mm")], "then", [],
        [vi("t", F, [1, 6])],
        initializer=[_external_weight("sub/../../secret.bin", name="sw")])
    else_graph = helper.make_graph(
        [node("MatMul", ["x", "ew"], ["e"], name="else_mm")], "else", [],
        [vi("e", F, [1, 6])], initializer=[weight("ew", 4, 6)])
    nodes = [node("If", ["cond"], ["y"], name="if",
                  then_branch=then_graph, else_branch=else_graph)]
    return model(nodes, [vi("cond", TensorProto.BOOL, []),
                         vi("x", F, [1, 4])], [vi("y", F, [1, 6])])


@case
def external_data_sparse_traversal():
    """A sparse initializer whose values are external data outside."""
    values = _external_weight("../secret.bin", name="sp")
    values.ClearField("dims")
    values.dims.append(24)
    indices = numpy_helper.from_array(np.arange(24, dtype=np.int64), "sp_i")
    sparse = helper.make_sparse_tensor(values, indices, [4, 6])
    m = _external_matmul("w.bin")
    m.graph.ClearField("initializer")
    m.graph.sparse_initializer.append(sparse)
    m.graph.node[0].input[1] = "sp"
    return m


@case
def short_initializer():
    """raw_data holds 5 floats for a 2x3 tensor."""
    w = weight("w", 2, 3)
    w.raw_data = w.raw_data[:20]
    nodes = [node("Add", ["x", "w"], ["y"], name="add")]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 3])], [w])


#===------------------------------------------------------------------------===#
# Shapes, attributes, types, opsets
#===------------------------------------------------------------------------===#

@case
def matmul_2x3_4x5():
    """MatMul of a 2x3 input by a 4x5 weight."""
    nodes = [node("MatMul", ["x", "w"], ["y"], name="mm")]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 5])],
                 [weight("w", 4, 5)])


@case
def broadcast_mismatch():
    """Add of 2x3 and 4x3: not broadcastable."""
    nodes = [node("Add", ["a", "b"], ["y"], name="add")]
    return model(nodes, [vi("a", F, [2, 3]), vi("b", F, [4, 3])],
                 [vi("y", F, [4, 3])])


@case
def bad_attribute_value():
    """Conv with auto_pad='SIDEWAYS' (not an ONNX value)."""
    nodes = [node("Conv", ["x", "w"], ["y"], name="conv",
                  auto_pad="SIDEWAYS", kernel_shape=[3, 3])]
    return model(nodes, [vi("x", F, [1, 2, 5, 5])], [vi("y", F, [1, 4, 3, 3])],
                 [weight("w", 4, 2, 3, 3)])


@case
def axis_out_of_range():
    """Softmax over axis 5 of a rank-2 input."""
    nodes = [node("Softmax", ["x"], ["y"], name="softmax", axis=5)]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 3])])


@case
def hardmax_huge_axis():
    """Fuzzer finding: Hardmax over an axis of 435489115 elements made the
    importer allocate a positions constant of that size (out of memory)."""
    nodes = [node("Hardmax", ["x"], ["y"], name="hardmax")]
    return model(nodes, [vi("x", TensorProto.FLOAT16, [1, 2, 8, 435489115])],
                 [vi("y", TensorProto.FLOAT16, [1, 2, 8, 435489115])])


@case
def complex_input():
    """complex64 tensors are not supported."""
    nodes = [node("Identity", ["x"], ["y"], name="id")]
    return model(nodes, [vi("x", TensorProto.COMPLEX64, [2])],
                 [vi("y", TensorProto.COMPLEX64, [2])])


@case
def complex_initializer():
    """A complex64 weight feeding an Add."""
    w = numpy_helper.from_array(np.array([1 + 2j, 3 + 4j], dtype=np.complex64), "w")
    nodes = [node("Add", ["x", "w"], ["y"], name="add")]
    return model(nodes, [vi("x", TensorProto.COMPLEX64, [2])],
                 [vi("y", TensorProto.COMPLEX64, [2])], [w])


@case
def opset_too_new():
    """ai.onnx opset 99 does not exist (yet)."""
    nodes = [node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])], opset=99)


@case
def opset_too_old():
    """ai.onnx opset 0 does not exist."""
    nodes = [node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])], opset=0, ir=3)


@case
def unknown_domain():
    """A node in a domain the model does not import."""
    nodes = [helper.make_node("Gelu", ["x"], ["y"], name="gelu",
                              domain="org.example")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


@case
def unknown_ops():
    """Two op types the ONNX default domain does not have, around a known
    one: both are reported (the ONNX checker names only the first)."""
    nodes = [helper.make_node("FancyUnknownOp", ["x"], ["a"], name="fancy"),
             helper.make_node("Relu", ["a"], ["b"], name="relu"),
             helper.make_node("OtherUnknownOp", ["b"], ["y"], name="other")]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


@case
def ml_domain():
    """An ai.onnx.ml operator (imported domain, no kiln support)."""
    nodes = [helper.make_node("Normalizer", ["x"], ["y"], name="norm",
                              domain="ai.onnx.ml", norm="MAX")]
    return model(nodes, [vi("x", F, [2, 3])], [vi("y", F, [2, 3])],
                 domains=[("ai.onnx.ml", 3)])


@case
def dynamic_dim():
    """Input 'x' has a symbolic batch dimension 'N'."""
    nodes = [node("Gemm", ["x", "w"], ["y"], name="fc")]
    return model(nodes, [vi("x", F, ["N", 4])], [vi("y", F, ["N", 3])],
                 [weight("w", 4, 3)])


@case
def dynamic_dim_unnamed():
    """Input 'x' has an unnamed dynamic dimension."""
    nodes = [node("Relu", ["x"], ["y"], name="relu")]
    return model(nodes, [vi("x", F, [None, 4])], [vi("y", F, [None, 4])])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--all", metavar="DIR")
    args = parser.parse_args()

    def build(name, path):
        fn = CASES[name]
        m = fn(path) if fn.__code__.co_argcount else fn()
        with open(path, "wb") as f:
            f.write(m.SerializeToString())

    if args.all:
        os.makedirs(args.all, exist_ok=True)
        for name in sorted(CASES):
            build(name, os.path.join(args.all, name + ".onnx"))
        return 0
    if args.list or not args.name:
        print("\n".join(sorted(CASES)))
        return 0
    if not args.out:
        parser.error("missing OUT.onnx")
    if args.name not in CASES:
        parser.error("unknown model '%s' (see --list)" % args.name)
    build(args.name, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
