#!/usr/bin/env python3
"""Models for test/e2e/weights.test: one graph with two sets of weights, and
another graph, their input and NumPy references.

CLI:  weights_models.py OUTDIR
writes OUTDIR/a.onnx (a 64-128-8 ReLU MLP whose weights are ONNX external
data in OUTDIR/a.data, so the compiler maps them), OUTDIR/b.onnx (the same
graph with other weights, stored inline), OUTDIR/other.onnx (a 64-96-8 MLP),
OUTDIR/x.npy (2x64) and OUTDIR/ref_a.npy, ref_b.npy, ref_other.npy.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "utils"))
from onnx_builders import const, model, node, rand, vi  # noqa: E402

F = TensorProto.FLOAT


def mlp(hidden, seed):
    w1 = rand(hidden, 64, seed=seed, scale=0.2)
    b1 = rand(hidden, seed=seed + 1, scale=0.1)
    w2 = rand(8, hidden, seed=seed + 2, scale=0.2)
    b2 = rand(8, seed=seed + 3, scale=0.1)
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             node("Relu", ["h"], ["r"]),
             node("Gemm", ["r", "w2", "b2"], ["y"], transB=1)]
    m = model(nodes, [vi("x", F, [2, 64])], [vi("y", F, [2, 8])],
              [const("w1", w1), const("b1", b1), const("w2", w2),
               const("b2", b2)])

    def reference(x):
        return np.maximum(x @ w1.T + b1, 0) @ w2.T + b2
    return m, reference


def main():
    out = sys.argv[1]
    x = rand(2, 64, seed=99)
    np.save(os.path.join(out, "x.npy"), x)
    for name, hidden, seed in (("a", 128, 10), ("b", 128, 20),
                               ("other", 96, 30)):
        m, reference = mlp(hidden, seed)
        path = os.path.join(out, name + ".onnx")
        if name == "a":
            onnx.save_model(m, path, save_as_external_data=True,
                            all_tensors_to_one_file=True, location="a.data",
                            size_threshold=0)
        else:
            onnx.save_model(m, path)
        np.save(os.path.join(out, "ref_%s.npy" % name),
                reference(x.astype(np.float64)).astype(np.float32))


if __name__ == "__main__":
    main()
