#!/usr/bin/env python3
"""Copy a model with some input dims made symbolic, and make inputs at other shapes.

CLI:  make_dynamic.py MODEL.onnx OUT.onnx --dims 0=batch,2=height,3=width
                      [--input IN.npy --shape 2x3x160x160 --out-input X.npy]

The public evaluation models are exported with fixed dims; this names the
listed dims of the first graph input (dim_param), drops the stored shape
information of every other value (ONNX shape inference recomputes it), and
saves the copy. With --shape it also writes a random input of that shape
(same dtype as --input), for timing the dynamic build and onnxruntime at a
shape the model was not exported for.
"""

import argparse
import sys

import numpy as np
import onnx


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("out")
    p.add_argument("--dims", required=True,
                   help="comma-separated DIM=NAME pairs for the first input")
    p.add_argument("--input")
    p.add_argument("--shape")
    p.add_argument("--out-input")
    args = p.parse_args(argv)

    m = onnx.load(args.model)
    inits = {i.name for i in m.graph.initializer}
    first = next(i for i in m.graph.input if i.name not in inits)
    for pair in args.dims.split(","):
        d, name = pair.split("=")
        dim = first.type.tensor_type.shape.dim[int(d)]
        dim.Clear()
        dim.dim_param = name
    del m.graph.value_info[:]
    for out in m.graph.output:
        for dim in out.type.tensor_type.shape.dim:
            dim.Clear()
    onnx.save(m, args.out)

    if args.shape:
        ref = np.load(args.input)
        shape = [int(x) for x in args.shape.split("x")]
        rng = np.random.default_rng(7)
        np.save(args.out_input,
                rng.standard_normal(shape).astype(ref.dtype))
    return 0


if __name__ == "__main__":
    sys.exit(main())
