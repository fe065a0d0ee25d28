#!/usr/bin/python3
"""Generates the kernel benchmark models (one ONNX op each) for bench/kernels.sh.

usage: bench/kernels.py OUT_DIR [NAME...]

Writes OUT_DIR/<name>.onnx, OUT_DIR/<name>.in0.npy and OUT_DIR/kernels.tsv
(name, GFLOP per run, description). Weights are initializers (constants), as
in a real model, so both Kiln and onnxruntime may pre-pack them. Shapes:
  - f32 matmul: square 256..4096 and transformer shapes (BERT-base / tiny
    projections and FFN, sequence 128 or 512);
  - ResNet-18's 3x3 convolution layers (stem 7x7/2 too), ResNet-50's
    bottleneck 1x1 convolutions and a strided 3x3, and MobileNetV2's
    depthwise 3x3 and pointwise 1x1 convolutions (batch 1, NCHW, bias);
  - softmax and layer normalization over rows (attention scores, hidden
    states).
Random data with a fixed seed; nothing here depends on the machine.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def matmul(m, k, n):
    return (f"matmul_{m}x{k}x{n}", 2.0 * m * k * n / 1e9,
            f"MatMul [{m},{k}] x const [{k},{n}]",
            lambda rng: _matmul(rng, m, k, n))


def _matmul(rng, m, k, n):
    b = rng.standard_normal((k, n), dtype=np.float32) / np.sqrt(k)
    node = helper.make_node("MatMul", ["x", "b"], ["y"])
    graph = helper.make_graph(
        [node], "matmul",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
        [numpy_helper.from_array(b, "b")])
    return graph, rng.standard_normal((m, k), dtype=np.float32)


def conv(tag, c, h, f, k, stride, pad, group=1):
    oh = (h + 2 * pad - k) // stride + 1
    flops = 2.0 * f * (c // group) * k * k * oh * oh / 1e9
    what = (f"Conv {c}->{f} {k}x{k}/{stride} on {h}x{h}"
            + (f", group {group}" if group > 1 else ""))
    return (f"conv_{tag}", flops, what,
            lambda rng: _conv(rng, c, h, f, k, stride, pad, group, oh))


def _conv(rng, c, h, f, k, stride, pad, group, oh):
    w = rng.standard_normal((f, c // group, k, k), dtype=np.float32)
    w /= np.sqrt(c // group * k * k)
    bias = rng.standard_normal((f,), dtype=np.float32)
    node = helper.make_node("Conv", ["x", "w", "bias"], ["y"],
                            kernel_shape=[k, k], strides=[stride, stride],
                            pads=[pad] * 4, group=group)
    graph = helper.make_graph(
        [node], "conv",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, f, oh, oh])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "bias")])
    return graph, rng.standard_normal((1, c, h, h), dtype=np.float32)


def softmax(rows, cols):
    return (f"softmax_{rows}x{cols}", 0.0, f"Softmax over rows of [{rows},{cols}]",
            lambda rng: _rows(rng, "Softmax", rows, cols))


def layernorm(rows, cols):
    return (f"layernorm_{rows}x{cols}", 0.0,
            f"LayerNormalization over rows of [{rows},{cols}]",
            lambda rng: _rows(rng, "LayerNormalization", rows, cols))


def _rows(rng, op, rows, cols):
    inits = []
    inputs = ["x"]
    attrs = {"axis": -1}
    if op == "LayerNormalization":
        inits = [numpy_helper.from_array(
                     rng.standard_normal((cols,), dtype=np.float32), "gamma"),
                 numpy_helper.from_array(
                     rng.standard_normal((cols,), dtype=np.float32), "beta")]
        inputs += ["gamma", "beta"]
        attrs["epsilon"] = 1e-5
    node = helper.make_node(op, inputs, ["y"], **attrs)
    graph = helper.make_graph(
        [node], op.lower(),
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, cols])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, cols])],
        inits)
    return graph, rng.standard_normal((rows, cols), dtype=np.float32)


KERNELS = [
    # Square matmuls.
    *[matmul(s, s, s) for s in (256, 512, 1024, 2048, 4096)],
    # Transformer projections / FFN (BERT-tiny d=256, BERT-base d=768).
    matmul(128, 256, 768), matmul(128, 256, 1024), matmul(128, 1024, 256),
    matmul(512, 768, 768), matmul(512, 768, 3072), matmul(512, 3072, 768),
    # ResNet-18 convolutions.
    conv("r18_stem_7x7s2", 3, 224, 64, 7, 2, 3),
    conv("r18_l1_3x3_64", 64, 56, 64, 3, 1, 1),
    conv("r18_l2_3x3_128", 128, 28, 128, 3, 1, 1),
    conv("r18_l3_3x3_256", 256, 14, 256, 3, 1, 1),
    conv("r18_l4_3x3_512", 512, 7, 512, 3, 1, 1),
    conv("r18_l2_down_3x3s2", 64, 56, 128, 3, 2, 1),
    # ResNet-50 bottleneck 1x1 convolutions (matmul-like, M = H*W) and a
    # strided 3x3.
    conv("r50_l1_1x1_64_256", 64, 56, 256, 1, 1, 0),
    conv("r50_l1_1x1_256_64", 256, 56, 64, 1, 1, 0),
    conv("r50_l2_1x1_128_512", 128, 28, 512, 1, 1, 0),
    conv("r50_l2_1x1_512_128", 512, 28, 128, 1, 1, 0),
    conv("r50_l2_down_1x1s2", 256, 56, 512, 1, 2, 0),
    conv("r50_l3_1x1_256_1024", 256, 14, 1024, 1, 1, 0),
    conv("r50_l3_1x1_1024_256", 1024, 14, 256, 1, 1, 0),
    conv("r50_l4_1x1_512_2048", 512, 7, 2048, 1, 1, 0),
    conv("r50_l4_1x1_2048_512", 2048, 7, 512, 1, 1, 0),
    conv("r50_l3_3x3s2_256", 256, 28, 256, 3, 2, 1),
    # MobileNetV2 depthwise and pointwise convolutions.
    conv("mv2_dw_32_112", 32, 112, 32, 3, 1, 1, group=32),
    conv("mv2_dw_144_56", 144, 56, 144, 3, 1, 1, group=144),
    conv("mv2_dw_144_56s2", 144, 56, 144, 3, 2, 1, group=144),
    conv("mv2_dw_384_14", 384, 14, 384, 3, 1, 1, group=384),
    conv("mv2_dw_960_7", 960, 7, 960, 3, 1, 1, group=960),
    conv("mv2_pw_16_96_112", 16, 112, 96, 1, 1, 0),
    conv("mv2_pw_144_24_56", 144, 56, 24, 1, 1, 0),
    conv("mv2_pw_384_64_14", 384, 14, 64, 1, 1, 0),
    conv("mv2_pw_960_160_7", 960, 7, 160, 1, 1, 0),
    # Rows.
    softmax(512, 128), softmax(1536, 512),
    layernorm(128, 256), layernorm(512, 768),
]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    wanted = set(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "kernels.tsv"), "w") as tsv:
        for i, (name, gflops, what, build) in enumerate(KERNELS):
            if wanted and name not in wanted:
                continue
            rng = np.random.default_rng(1000 + i)
            graph, x = build(rng)
            model = helper.make_model(
                graph, opset_imports=[helper.make_opsetid("", OPSET)])
            model.ir_version = 8
            onnx.checker.check_model(model)
            onnx.save(model, os.path.join(out, name + ".onnx"))
            np.save(os.path.join(out, name + ".in0.npy"), x)
            tsv.write(f"{name}\t{gflops:.6g}\t{what}\n")


if __name__ == "__main__":
    main()
