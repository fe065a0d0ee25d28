#!/usr/bin/env python3
"""Small ONNX models for the importer's lit tests (test/Frontend/Onnx).

CLI:  onnx_ops.py NAME OUT.onnx      writes one model (or malformed file)
      onnx_ops.py --list             lists the NAMEs

Every model is built with onnx.helper (Debian's python3-onnx 1.12), checked
with onnx.checker unless it is deliberately broken, and is deterministic:
weights come from a seeded generator.
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_builders  # noqa: E402
from onnx_builders import const, model, node, rand, registry, vi  # noqa: E402

F = TensorProto.FLOAT
I64 = TensorProto.INT64
CASES, case = registry()


#===------------------------------------------------------------------------===#
# Elementwise
#===------------------------------------------------------------------------===#

@case
def binary_ops():
    nodes = [node("Add", ["a", "b"], ["add"]),
             node("Sub", ["add", "b"], ["sub"]),
             node("Mul", ["sub", "b"], ["mul"]),
             node("Div", ["mul", "b"], ["div"]),
             node("Pow", ["div", "two"], ["pow"]),
             node("Max", ["pow", "a", "b"], ["max"]),
             node("Min", ["max", "a"], ["min"]),
             node("Sum", ["min", "a", "a"], ["sum"]),
             node("Mean", ["sum", "a"], ["mean"]),
             node("Mod", ["mean", "b"], ["mod"], fmod=1)]
    return model(nodes, [vi("a", F, [2, 3]), vi("b", F, [3])],
                 [vi("mod", F, [2, 3])],
                 [const("two", np.array(2, dtype=np.int64))])


@case
def compare_ops():
    nodes = [node("Equal", ["a", "b"], ["eq"]),
             node("Less", ["a", "b"], ["lt"]),
             node("LessOrEqual", ["a", "b"], ["le"]),
             node("Greater", ["a", "b"], ["gt"]),
             node("GreaterOrEqual", ["a", "b"], ["ge"]),
             node("And", ["eq", "lt"], ["and"]),
             node("Or", ["and", "le"], ["or"]),
             node("Xor", ["or", "gt"], ["xor"]),
             node("Not", ["xor"], ["not"]),
             node("Where", ["not", "a", "b"], ["where"])]
    return model(nodes, [vi("a", F, [2, 3]), vi("b", F, [2, 3])],
                 [vi("where", F, [2, 3]), vi("ge", TensorProto.BOOL, [2, 3])])


@case
def unary_ops():
    ops = ["Sqrt", "Reciprocal", "Exp", "Log", "Tanh", "Sigmoid", "Erf",
           "Relu", "Abs", "Neg", "Floor", "Ceil", "Round", "Sin", "Cos",
           "Sign", "Tan"]
    nodes, prev = [], "x"
    for op in ops:
        nodes.append(node(op, [prev], [op.lower()]))
        prev = op.lower()
    return model(nodes, [vi("x", F, [4])], [vi(prev, F, [4])])


@case
def activations():
    nodes = [node("LeakyRelu", ["x"], ["leaky"], alpha=0.1),
             node("Elu", ["leaky"], ["elu"], alpha=0.5),
             node("HardSigmoid", ["elu"], ["hsig"], alpha=0.25, beta=0.4),
             node("HardSwish", ["hsig"], ["hswish"]),
             node("PRelu", ["hswish", "slope"], ["prelu"]),
             node("Softplus", ["prelu"], ["softplus"]),
             node("Softsign", ["softplus"], ["softsign"]),
             node("Selu", ["softsign"], ["selu"]),
             node("ThresholdedRelu", ["selu"], ["thr"], alpha=0.5),
             node("Celu", ["thr"], ["celu"], alpha=2.0)]
    return model(nodes, [vi("x", F, [1, 3, 4])], [vi("celu", F, [1, 3, 4])],
                 [const("slope", rand(3, 1, seed=1))], opset=14)


@case
def clip6():
    nodes = [node("Clip", ["x"], ["y"], min=0.0, max=6.0),
             node("Clip", ["y"], ["z"], min=1.0)]
    return model(nodes, [vi("x", F, [4])], [vi("z", F, [4])], opset=6)


@case
def clip13():
    nodes = [node("Clip", ["x", "lo", "hi"], ["y"]),
             node("Clip", ["y", "", "hi"], ["z"]),
             node("Clip", ["z", "dyn"], ["w"])]
    return model(nodes, [vi("x", F, [4]), vi("dyn", F, [])],
                 [vi("w", F, [4])],
                 [const("lo", np.float32(0)), const("hi", np.float32(6))])


@case
def cast_ops():
    nodes = [node("Cast", ["x"], ["i"], to=TensorProto.INT64),
             node("Cast", ["i"], ["h"], to=TensorProto.FLOAT16),
             node("CastLike", ["h", "x"], ["f"]),
             node("Cast", ["f"], ["b"], to=TensorProto.BOOL)]
    return model(nodes, [vi("x", F, [4])], [vi("b", TensorProto.BOOL, [4])],
                 opset=15)


@case
def identity_dropout():
    nodes = [node("Identity", ["x"], ["id"]),
             node("Dropout", ["id", "ratio"], ["drop", "mask"]),
             node("Identity", ["w"], ["wid"]),
             node("Add", ["drop", "wid"], ["y"])]
    return model(nodes, [vi("x", F, [2, 3])],
                 [vi("y", F, [2, 3]), vi("mask", TensorProto.BOOL, [2, 3])],
                 [const("ratio", np.float32(0.5)), const("w", rand(3))])


#===------------------------------------------------------------------------===#
# Neural-network ops
#===------------------------------------------------------------------------===#

@case
def gemm_attrs():
    nodes = [node("Gemm", ["a", "b", "c"], ["y"], alpha=0.5, beta=2.0,
                  transA=1, transB=1)]
    return model(nodes, [vi("a", F, [4, 2]), vi("b", F, [3, 4])],
                 [vi("y", F, [2, 3])], [const("c", rand(3))])


@case
def gemm_plain():
    nodes = [node("Gemm", ["a", "b"], ["y"])]
    return model(nodes, [vi("a", F, [2, 4]), vi("b", F, [4, 3])],
                 [vi("y", F, [2, 3])])


@case
def matmul_ranks():
    nodes = [node("MatMul", ["v", "m"], ["vm"]),
             node("MatMul", ["m2", "v2"], ["mv"]),
             node("MatMul", ["batch", "m"], ["bm"])]
    return model(nodes, [vi("v", F, [4]), vi("m", F, [4, 3]),
                         vi("m2", F, [2, 4]), vi("v2", F, [4]),
                         vi("batch", F, [5, 2, 4])],
                 [vi("vm", F, [3]), vi("mv", F, [2]), vi("bm", F, [5, 2, 3])])


@case
def conv_pads():
    nodes = [node("Conv", ["x", "w", "b"], ["y"], pads=[1, 0, 2, 1],
                  strides=[2, 1], dilations=[1, 2], group=2)]
    return model(nodes, [vi("x", F, [1, 4, 9, 9])], [vi("y", F, [1, 6, 5, 6])],
                 [const("w", rand(6, 2, 3, 3)), const("b", rand(6))])


@case
def conv_autopad():
    nodes = [node("Conv", ["x", "w"], ["upper"], auto_pad="SAME_UPPER",
                  strides=[2, 2]),
             node("Conv", ["x", "w"], ["lower"], auto_pad="SAME_LOWER",
                  strides=[2, 2]),
             node("Conv", ["x", "w"], ["valid"], auto_pad="VALID",
                  kernel_shape=[2, 2])]
    return model(nodes, [vi("x", F, [1, 3, 7, 7])],
                 [vi("upper", F, [1, 8, 4, 4]), vi("lower", F, [1, 8, 4, 4]),
                  vi("valid", F, [1, 8, 6, 6])],
                 [const("w", rand(8, 3, 2, 2))])


@case
def conv1d():
    nodes = [node("Conv", ["x", "w"], ["y"], pads=[1, 1])]
    return model(nodes, [vi("x", F, [1, 2, 10])], [vi("y", F, [1, 4, 10])],
                 [const("w", rand(4, 2, 3))])


@case
def pools():
    nodes = [node("MaxPool", ["x"], ["max"], kernel_shape=[3, 3],
                  strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1),
             node("AveragePool", ["x"], ["avg"], kernel_shape=[2, 2],
                  pads=[0, 0, 1, 1], count_include_pad=1),
             node("AveragePool", ["x"], ["same"], kernel_shape=[3, 3],
                  strides=[2, 2], auto_pad="SAME_UPPER"),
             node("GlobalAveragePool", ["x"], ["gap"]),
             node("GlobalMaxPool", ["x"], ["gmp"])]
    return model(nodes, [vi("x", F, [1, 2, 8, 8])],
                 [vi("max", F, [1, 2, 5, 5]), vi("avg", F, [1, 2, 8, 8]),
                  vi("same", F, [1, 2, 4, 4]), vi("gap", F, [1, 2, 1, 1]),
                  vi("gmp", F, [1, 2, 1, 1])])


@case
def norms():
    nodes = [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["bn"],
                  epsilon=1e-3),
             node("InstanceNormalization", ["bn", "s", "b"], ["in"]),
             node("LayerNormalization", ["in", "ls", "lb"], ["ln"], axis=-2),
             node("LayerNormalization", ["ln", "ls2"], ["ln2"])]
    return model(nodes, [vi("x", F, [2, 3, 4, 5])],
                 [vi("ln2", F, [2, 3, 4, 5])],
                 [const("s", rand(3)), const("b", rand(3, seed=1)),
                  const("m", rand(3, seed=2)),
                  const("v", np.abs(rand(3, seed=3))),
                  const("ls", rand(4, 5, seed=4)),
                  const("lb", rand(4, 5, seed=5)),
                  const("ls2", rand(5, seed=6))], opset=17)


@case
def softmax_opset11():
    nodes = [node("Softmax", ["x"], ["s"], axis=1),
             node("LogSoftmax", ["s"], ["l"], axis=-1)]
    m = model(nodes, [vi("x", F, [2, 3, 4])], [vi("l", F, [2, 3, 4])],
              opset=11)
    return m


@case
def softmax_opset13():
    nodes = [node("Softmax", ["x"], ["s"], axis=1),
             node("LogSoftmax", ["s"], ["l"])]
    return model(nodes, [vi("x", F, [2, 3, 4])], [vi("l", F, [2, 3, 4])])


#===------------------------------------------------------------------------===#
# Reductions
#===------------------------------------------------------------------------===#

@case
def reductions():
    nodes = [node("ReduceMean", ["x"], ["mean"], axes=[-1, 1], keepdims=0),
             node("ReduceSum", ["x", "axes"], ["sum"]),
             node("ReduceSum", ["x", "none"], ["noop"],
                  noop_with_empty_axes=1),
             node("ReduceMax", ["x"], ["max"]),
             node("ReduceL2", ["x"], ["l2"], axes=[2]),
             node("ReduceLogSumExp", ["x"], ["lse"], axes=[0], keepdims=0),
             node("ArgMax", ["x"], ["argmax"], axis=-1, keepdims=0,
                  select_last_index=1),
             node("ArgMin", ["x"], ["argmin"], axis=1)]
    return model(nodes, [vi("x", F, [2, 3, 4])],
                 [vi("mean", F, [2]), vi("sum", F, [2, 1, 4]),
                  vi("noop", F, [2, 3, 4]), vi("max", F, [1, 1, 1]),
                  vi("l2", F, [2, 3, 1]), vi("lse", F, [3, 4]),
                  vi("argmax", I64, [2, 3]), vi("argmin", I64, [2, 1, 4])],
                 [const("axes", np.array([1], dtype=np.int64)),
                  const("none", np.array([], dtype=np.int64))])


#===------------------------------------------------------------------------===#
# Data movement
#===------------------------------------------------------------------------===#

@case
def reshapes():
    nodes = [node("Reshape", ["x", "shape"], ["r"]),
             node("Flatten", ["r"], ["f"], axis=2),
             node("Unsqueeze", ["f", "uaxes"], ["u"]),
             node("Squeeze", ["u", "saxes"], ["s"]),
             node("Squeeze", ["one"], ["s1"]),
             node("Transpose", ["x"], ["t"]),
             node("Transpose", ["x"], ["t2"], perm=[0, 2, 1])]
    return model(nodes, [vi("x", F, [2, 3, 4]), vi("one", F, [1, 5, 1])],
                 [vi("s", F, [6, 4]), vi("s1", F, [5]), vi("t", F, [4, 3, 2]),
                  vi("t2", F, [2, 4, 3])],
                 [const("shape", np.array([0, -1, 2, 2], dtype=np.int64)),
                  const("uaxes", np.array([0, -1], dtype=np.int64)),
                  const("saxes", np.array([0, 3], dtype=np.int64))])


@case
def squeeze_opset11():
    nodes = [node("Unsqueeze", ["x"], ["u"], axes=[0]),
             node("Squeeze", ["u"], ["s"], axes=[0])]
    return model(nodes, [vi("x", F, [3])], [vi("s", F, [3])], opset=11)


@case
def concat_split():
    nodes = [node("Concat", ["a", "b"], ["c"], axis=-1),
             node("Split", ["c", "sizes"], ["p", "q"], axis=1),
             node("Split", ["c"], ["r", "s", "t"], axis=1)]
    return model(nodes, [vi("a", F, [2, 2]), vi("b", F, [2, 4])],
                 [vi("p", F, [2, 1]), vi("q", F, [2, 5]), vi("t", F, [2, 2])],
                 [const("sizes", np.array([1, 5], dtype=np.int64))])


@case
def slices():
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    nodes = [
        # Clamping: end beyond the dim, negative start.
        node("Slice", ["x", "s0", "e0", "a0"], ["clamped"]),
        # Negative step walking backwards over the whole dim.
        node("Slice", ["x", "s1", "e1", "a1", "st1"], ["reversed"]),
        # Empty result: start past the end.
        node("Slice", ["x", "s2", "e2"], ["empty"]),
    ]
    return model(nodes, [vi("x", F, [4, 10])],
                 [vi("clamped", F, [4, 3]), vi("reversed", F, [4, 5]),
                  vi("empty", F, [0, 10])],
                 [const("s0", np.array([-3], dtype=np.int64)),
                  const("e0", np.array([big], dtype=np.int64)),
                  const("a0", np.array([1], dtype=np.int64)),
                  const("s1", np.array([-1], dtype=np.int64)),
                  const("e1", np.array([small], dtype=np.int64)),
                  const("a1", np.array([-1], dtype=np.int64)),
                  const("st1", np.array([-2], dtype=np.int64)),
                  const("s2", np.array([5], dtype=np.int64)),
                  const("e2", np.array([7], dtype=np.int64))])


@case
def slice_opset9():
    nodes = [node("Slice", ["x"], ["y"], starts=[1], ends=[1000], axes=[1])]
    return model(nodes, [vi("x", F, [2, 5])], [vi("y", F, [2, 4])], opset=9)


@case
def gather():
    nodes = [node("Gather", ["table", "ids"], ["emb"]),
             node("Gather", ["x", "idx"], ["col"], axis=1),
             node("Gather", ["x", "dyn"], ["rows"])]
    return model(nodes, [vi("x", F, [3, 4]), vi("dyn", I64, [2])],
                 [vi("emb", F, [2, 2, 8]), vi("col", F, [3]),
                  vi("rows", F, [2, 4])],
                 [const("table", rand(10, 8)),
                  const("ids", np.array([[1, -1], [0, 2]], dtype=np.int64)),
                  const("idx", np.array(-1, dtype=np.int64))])


@case
def shape_chain():
    """The Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain PyTorch
    emits for x.view(x.size(0), -1), plus shape arithmetic on the dims."""
    nodes = [node("Shape", ["x"], ["shape"]),
             node("Gather", ["shape", "zero"], ["batch"], axis=0),
             node("Unsqueeze", ["batch", "axes0"], ["batch1"]),
             node("Gather", ["shape", "one"], ["chan"], axis=0),
             node("Mul", ["chan", "two"], ["chan2"]),
             node("Div", ["chan2", "two"], ["chan3"]),
             node("Unsqueeze", ["chan3", "axes0"], ["chan1"]),
             node("Concat", ["batch1", "chan1", "minus1"], ["target"], axis=0),
             node("Reshape", ["x", "target"], ["y"]),
             node("Shape", ["y"], ["tail"], start=-1),
             node("ConstantOfShape", ["tail"], ["zeros"],
                  value=helper.make_tensor("v", F, [1], [0.5])),
             node("Add", ["y", "zeros"], ["out"])]
    return model(nodes, [vi("x", F, [2, 3, 4, 5])], [vi("out", F, [2, 3, 20])],
                 [const("zero", np.array(0, dtype=np.int64)),
                  const("one", np.array(1, dtype=np.int64)),
                  const("two", np.array(2, dtype=np.int64)),
                  const("axes0", np.array([0], dtype=np.int64)),
                  const("minus1", np.array([-1], dtype=np.int64))], opset=15)


@case
def float_shape_chain():
    """A reshape whose size is computed in floats, as a Range or Resize
    export does: ceil((limit - start) / delta), cast to int64."""
    nodes = [node("Sub", ["limit", "start"], ["span"]),
             node("Div", ["span", "delta"], ["steps"]),
             node("Ceil", ["steps"], ["steps_up"]),
             node("Relu", ["steps_up"], ["steps_pos"]),
             node("Cast", ["steps_pos"], ["n"], to=TensorProto.INT64),
             node("Reshape", ["n", "one"], ["n1"]),
             node("Concat", ["three", "n1"], ["shape"], axis=0),
             node("Reshape", ["x", "shape"], ["y"])]
    return model(nodes, [vi("x", F, [6])], [vi("y", F, [3, 2])],
                 [const("start", np.float32(0.5)),
                  const("limit", np.float32(4.5)),
                  const("delta", np.float32(2.5)),
                  const("one", np.array([1], dtype=np.int64)),
                  const("three", np.array([3], dtype=np.int64))])


@case
def constants():
    big = np.arange(20, dtype=np.float32).reshape(4, 5)
    nodes = [node("Constant", [], ["c_tensor"],
                  value=numpy_helper.from_array(
                      np.array([1.5, -2.0], dtype=np.float32))),
             node("Constant", [], ["c_float"], value_float=0.25),
             node("Constant", [], ["c_floats"], value_floats=[1.0, 2.0, 3.0]),
             node("Constant", [], ["c_int"], value_int=7),
             node("Constant", [], ["c_ints"], value_ints=[4, 5]),
             node("Constant", [], ["c_big"],
                  value=numpy_helper.from_array(big)),
             node("Add", ["c_tensor", "c_float"], ["sum"]),
             node("Mul", ["c_int", "c_ints"], ["prod"]),
             node("Add", ["x", "c_big"], ["xb"]),
             node("Slice", ["c_floats", "start0", "end1"], ["c_floats1"]),
             node("Expand", ["c_floats1", "shape5"], ["c_floats3"]),
             node("Mul", ["xb", "c_floats3"], ["y"])]
    return model(nodes, [vi("x", F, [4, 5])],
                 [vi("sum", F, [2]), vi("prod", I64, [2]), vi("y", F, [4, 5])],
                 [const("start0", np.array([0], dtype=np.int64)),
                  const("end1", np.array([1], dtype=np.int64)),
                  const("shape5", np.array([5], dtype=np.int64))])


@case
def pad_expand_tile():
    nodes = [node("Pad", ["x", "pads", "value"], ["padded"]),
             node("Pad", ["x", "crop"], ["cropped"], mode="reflect"),
             node("Expand", ["x", "eshape"], ["expanded"]),
             node("Tile", ["x", "repeats"], ["tiled"]),
             node("Range", ["start", "limit", "delta"], ["range"])]
    return model(nodes, [vi("x", F, [2, 3])],
                 [vi("padded", F, [3, 6]), vi("cropped", F, [2, 2]),
                  vi("expanded", F, [4, 2, 3]), vi("tiled", F, [4, 3]),
                  vi("range", I64, [3])],
                 [const("pads", np.array([0, 1, 1, 2], dtype=np.int64)),
                  const("value", np.float32(-1)),
                  const("crop", np.array([0, -1, 0, 0], dtype=np.int64)),
                  const("eshape", np.array([4, 1, 1], dtype=np.int64)),
                  const("repeats", np.array([2, 1], dtype=np.int64)),
                  const("start", np.array(1, dtype=np.int64)),
                  const("limit", np.array(10, dtype=np.int64)),
                  const("delta", np.array(3, dtype=np.int64))])


#===------------------------------------------------------------------------===#
# Initializers, dtypes, opsets, functions
#===------------------------------------------------------------------------===#

@case
def initializers():
    raw = numpy_helper.from_array(rand(8, 4), "conv/weight:0")
    typed = helper.make_tensor("typed", F, [20], rand(20, seed=1).tolist())
    ints = helper.make_tensor("ints", I64, [3], [1, 2, 3])
    halves = numpy_helper.from_array(rand(32, seed=2).astype(np.float16),
                                     "halves")
    splat = numpy_helper.from_array(np.full((64,), 3.0, dtype=np.float32),
                                    "splat")
    nodes = [node("MatMul", ["x", "conv/weight:0"], ["y"]),
             node("Add", ["t", "typed"], ["t2"]),
             node("Add", ["i", "ints"], ["i2"]),
             node("Add", ["h", "halves"], ["h2"]),
             node("Add", ["s", "splat"], ["s2"])]
    return model(nodes, [vi("x", F, [2, 8]), vi("t", F, [20]),
                         vi("i", I64, [3]), vi("h", TensorProto.FLOAT16, [32]),
                         vi("s", F, [64])],
                 [vi("y", F, [2, 4]), vi("t2", F, [20]), vi("i2", I64, [3]),
                  vi("h2", TensorProto.FLOAT16, [32]), vi("s2", F, [64])],
                 [raw, typed, ints, halves, splat])


def _external(path, missing):
    weight = numpy_helper.from_array(rand(4, 6), "weight")
    data_name = os.path.basename(path) + ".weights"
    raw = weight.raw_data
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    for key, value in (("location", data_name), ("offset", "16"),
                       ("length", str(len(raw)))):
        entry = weight.external_data.add()
        entry.key, entry.value = key, value
    data_path = os.path.join(os.path.dirname(path) or ".", data_name)
    if os.path.exists(data_path):
        os.remove(data_path)
    if not missing:
        with open(data_path, "wb") as f:
            f.write(b"\0" * 16 + raw)
    nodes = [node("MatMul", ["x", "weight"], ["y"])]
    return model(nodes, [vi("x", F, [1, 4])], [vi("y", F, [1, 6])], [weight],
                 check=False)


@case
def external_data(path):
    return _external(path, missing=False)


@case
def external_data_missing(path):
    return _external(path, missing=True)


@case
def dtypes():
    types = [("f16", TensorProto.FLOAT16), ("f64", TensorProto.DOUBLE),
             ("bf16", TensorProto.BFLOAT16), ("i8", TensorProto.INT8),
             ("i32", TensorProto.INT32), ("u8", TensorProto.UINT8),
             ("u16", TensorProto.UINT16), ("u64", TensorProto.UINT64),
             ("b", TensorProto.BOOL)]
    nodes = [node("Identity", [n], [n + "_out"]) for n, _ in types]
    return model(nodes, [vi(n, t, [2]) for n, t in types],
                 [vi(n + "_out", t, [2]) for n, t in types])


@case
def opset11_model():
    """Converted to opset 13 on import (Squeeze axes attribute -> input)."""
    nodes = [node("Unsqueeze", ["x"], ["u"], axes=[1]),
             node("Softmax", ["u"], ["s"], axis=1),
             node("Squeeze", ["s"], ["y"], axes=[1]),
             node("ReduceSum", ["y"], ["r"], axes=[0], keepdims=0)]
    return model(nodes, [vi("x", F, [2, 3])], [vi("r", F, [3])], opset=11)


@case
def opset18_model():
    """Opset 18 is newer than Debian's libonnx 1.12 knows: ReduceMean takes
    its axes as input, Split has num_outputs, Pad takes axes."""
    nodes = [node("ReduceMean", ["x", "axes"], ["mean"], keepdims=0),
             node("Split", ["x"], ["p", "q"], axis=1, num_outputs=2),
             node("Pad", ["x", "pads", "", "paxes"], ["padded"])]
    return model(nodes, [vi("x", F, [2, 3])],
                 [vi("mean", F, [2]), vi("p", F, [2, 2]), vi("q", F, [2, 1]),
                  vi("padded", F, [2, 5])],
                 [const("axes", np.array([1], dtype=np.int64)),
                  const("pads", np.array([1, 1], dtype=np.int64)),
                  const("paxes", np.array([-1], dtype=np.int64))],
                 opset=18, check=False)


@case
def local_function():
    """A model-local function (IR 8) is expanded into its body."""
    fn = helper.make_function(
        "kiln.test", "Swish", ["X"], ["Y"],
        [helper.make_node("Sigmoid", ["X"], ["S"]),
         helper.make_node("Mul", ["X", "S"], ["Y"])],
        [helper.make_opsetid("", 13)])
    nodes = [helper.make_node("Swish", ["x"], ["y"], name="swish1",
                              domain="kiln.test")]
    graph = helper.make_graph(nodes, "g", [vi("x", F, [4])], [vi("y", F, [4])])
    m = helper.make_model(graph, functions=[fn], opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("kiln.test", 1)])
    onnx.checker.check_model(m)
    return m


@case
def schema_function():
    """MeanVarianceNormalization has no kiln handler: ONNX defines it as a
    function, which the importer expands."""
    nodes = [node("MeanVarianceNormalization", ["x"], ["y"], name="mvn")]
    return model(nodes, [vi("x", F, [1, 2, 3, 3])], [vi("y", F, [1, 2, 3, 3])])


@case
def unnamed_nodes():
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Neg", ["r"], ["y"])]
    return model(nodes, [vi("x", F, [2])], [vi("y", F, [2])])


#===------------------------------------------------------------------------===#
# Errors
#===------------------------------------------------------------------------===#

@case
def unsupported_ops():
    nodes = [node("Relu", ["x"], ["r"]),
             node("TopK", ["r", "k"], ["values", "indices"], name="topk"),
             node("Det", ["sq"], ["det"], name="det"),
             node("Pad", ["x", "pads"], ["p"], name="pad", mode="wrap"),
             node("Sigmoid", ["r"], ["y"])]
    return model(nodes, [vi("x", F, [2, 3]), vi("sq", F, [3, 3])],
                 [vi("y", F, [2, 3]), vi("values", F, [2, 1]),
                  vi("det", F, []), vi("p", F, [2, 5])],
                 [const("k", np.array([1], dtype=np.int64)),
                  const("pads", np.array([0, 1, 0, 1], dtype=np.int64))],
                 check=False)


@case
def custom_domain():
    nodes = [helper.make_node("FusedConv", ["x"], ["y"], name="fused",
                              domain="com.microsoft")]
    graph = helper.make_graph(nodes, "g", [vi("x", F, [2])], [vi("y", F, [2])])
    return helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])


@case
def dynamic_batch():
    nodes = [node("Relu", ["x"], ["r"]), node("Add", ["r", "z"], ["y"])]
    return model(nodes, [vi("x", F, ["batch", 3]), vi("z", F, [None, 3])],
                 [vi("y", F, ["batch", 3])])


@case
def dynamic_topk():
    """TopK over a dynamic batch: not (yet) a dynamic-shape op."""
    nodes = [node("TopK", ["x", "k"], ["v", "i"])]
    return model(nodes, [vi("x", F, ["batch", 8])],
                 [vi("v", F, ["batch", 2]), vi("i", I64, ["batch", 2])],
                 inits=[const("k", np.array([2], dtype=np.int64))])


@case
def bad_shapes():
    """Valid for the checker, but MatMul's dims do not match."""
    nodes = [node("MatMul", ["a", "b"], ["y"], name="mm")]
    return model(nodes, [vi("a", F, [2, 3]), vi("b", F, [4, 5])],
                 [vi("y", F, [2, 5])], check=False)


@case
def non_constant_shape():
    nodes = [node("Reshape", ["x", "s"], ["y"], name="reshape")]
    return model(nodes, [vi("x", F, [6]), vi("s", I64, [2])],
                 [vi("y", F, [2, 3])])


def write_truncated(path):
    data = CASES["conv_pads"]().SerializeToString()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


def write_random(path):
    with open(path, "wb") as f:
        f.write(np.random.RandomState(7).bytes(4096))


def write_empty(path):
    open(path, "wb").close()


RAW = {"truncated": write_truncated, "random_bytes": write_random,
       "empty": write_empty}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?")
    parser.add_argument("out", nargs="?")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list or not args.name:
        print("\n".join(sorted(list(CASES) + list(RAW))))
        return 0
    if not args.out:
        parser.error("missing OUT.onnx")
    if args.name in RAW:
        RAW[args.name](args.out)
        return 0
    if args.name not in CASES:
        parser.error("unknown model '%s' (see --list)" % args.name)
    fn = CASES[args.name]
    m = fn(args.out) if fn.__code__.co_argcount else fn()
    with open(args.out, "wb") as f:
        f.write(m.SerializeToString())
    return 0


if __name__ == "__main__":
    sys.exit(main())
