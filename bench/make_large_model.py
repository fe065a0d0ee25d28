#!/usr/bin/env python3
"""Large-model test data for bench/large_model.sh (nothing is stored in the
repository): a chain of MatMuls whose weights are ONNX external data, one
file per weight, written piece by piece so that making a 2.5 GiB model
needs little memory; its input and the NumPy reference output.

CLI:  make_large_model.py OUTDIR [--layers 5] [--mib 512]
writes OUTDIR/big.onnx, OUTDIR/w<i>.bin, OUTDIR/x.npy, OUTDIR/ref.npy.
Weight i is [K, N] float32 with K*N*4 = MIB MiB, K and N alternating
between the two sides of the chain (x is 1 x K0); values are seeded
normals scaled by 1/sqrt(K) so activations stay near 1.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


def shapes(layers, mib):
    elements = mib * (1 << 20) // 4
    k = 1 << (int(np.log2(elements)) // 2)  # 8192 for 512 MiB
    n = elements // k
    return [(k, n) if i % 2 == 0 else (n, k) for i in range(layers)]


def write_weight(path, k, n, seed):
    """Writes [k, n] float32 in row blocks; returns nothing (memmap reads)."""
    rng = np.random.default_rng(seed)
    scale = np.float32(1.0 / np.sqrt(k))
    rows = max(1, (64 << 20) // (4 * n))
    with open(path, "wb") as f:
        for start in range(0, k, rows):
            block = rng.standard_normal((min(rows, k - start), n),
                                        dtype=np.float32)
            (block * scale).tofile(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--mib", type=int, default=512)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    dims = shapes(args.layers, args.mib)
    inits, nodes = [], []
    prev = "x"
    for i, (k, n) in enumerate(dims):
        name = "w%d" % i
        path = os.path.join(args.outdir, name + ".bin")
        write_weight(path, k, n, seed=i + 1)
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.FLOAT
        t.dims.extend([k, n])
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", name + ".bin"), ("offset", "0"),
                           ("length", str(k * n * 4))):
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        inits.append(t)
        out = "y" if i == len(dims) - 1 else "h%d" % i
        nodes.append(helper.make_node("MatMul", [prev, name], [out],
                                      name="matmul%d" % i))
        prev = out
    graph = helper.make_graph(
        nodes, "big",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1, dims[0][0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [1, dims[-1][1]])],
        initializer=inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="kiln-bench")
    onnx.save_model(m, os.path.join(args.outdir, "big.onnx"))

    x = np.random.default_rng(0).standard_normal((1, dims[0][0]),
                                                 dtype=np.float32)
    np.save(os.path.join(args.outdir, "x.npy"), x)
    h = x.astype(np.float64)
    for i, (k, n) in enumerate(dims):
        w = np.memmap(os.path.join(args.outdir, "w%d.bin" % i),
                      dtype=np.float32, mode="r", shape=(k, n))
        h = h @ w
        del w
    np.save(os.path.join(args.outdir, "ref.npy"), h.astype(np.float32))
    total = sum(k * n * 4 for k, n in dims)
    print("big.onnx: %d MatMuls, %.2f GiB of weights" % (len(dims),
                                                        total / 2**30))


if __name__ == "__main__":
    main()
