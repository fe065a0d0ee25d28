#!/usr/bin/env python3
"""A 16-8-4 ReLU MLP with a symbolic batch dimension ('batch') for
test/e2e/dynamic_lib.test, its inputs and references.

CLI:  dynamic_mlp.py OUTDIR B...
writes OUTDIR/dyn.onnx, and for each batch size B: OUTDIR/x_B.bin (the
float32 input, raw) and OUTDIR/ref_B.npy (the output, from onnx_ref.py).
"""

import os
import sys

import numpy as np
from onnx import TensorProto

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "utils"))
import onnx_ref  # noqa: E402
from onnx_builders import const, model, node, rand, vi  # noqa: E402

F = TensorProto.FLOAT


def build():
    nodes = [node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             node("Relu", ["h"], ["r"]),
             node("Gemm", ["r", "w2", "b2"], ["y"], transB=1)]
    inits = [const("w1", rand(8, 16, seed=1, scale=0.5)),
             const("b1", rand(8, seed=2, scale=0.1)),
             const("w2", rand(4, 8, seed=3, scale=0.5)),
             const("b2", rand(4, seed=4, scale=0.1))]
    return model(nodes, [vi("x", F, ["batch", 16])],
                 [vi("y", F, ["batch", 4])], inits)


def main():
    out = sys.argv[1]
    m = build()
    with open(os.path.join(out, "dyn.onnx"), "wb") as f:
        f.write(m.SerializeToString())
    for b in map(int, sys.argv[2:]):
        x = rand(b, 16, seed=100 + b)
        x.tofile(os.path.join(out, "x_%d.bin" % b))
        np.save(os.path.join(out, "x_%d.npy" % b), x)
        if b > 0:
            (y,) = onnx_ref.run(m, [x])
            np.save(os.path.join(out, "ref_%d.npy" % b), y)


if __name__ == "__main__":
    main()
