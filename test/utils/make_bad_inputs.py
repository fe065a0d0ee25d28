#!/usr/bin/env python3
"""Write malformed variants of a valid input tensor, for error-path tests.

CLI:  make_bad_inputs.py GOOD.npy OUTDIR
writes OUTDIR/bad_shape.npy (last dimension one shorter, or a rank-0 tensor
for a rank-0 input), OUTDIR/bad_dtype.npy (same shape, float64 or, for a
float64 input, int32), OUTDIR/bad_rank.npy (an extra leading dimension) and
OUTDIR/bad_file.npy (not an .npy file at all).
"""

import os
import sys

import numpy as np


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    good = np.load(argv[0])
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    if good.ndim:
        shape = list(good.shape)
        shape[-1] = shape[-1] + 1 if shape[-1] <= 1 else shape[-1] - 1
        bad_shape = np.zeros(shape, dtype=good.dtype)
    else:
        bad_shape = np.zeros((2,), dtype=good.dtype)
    np.save(os.path.join(out, "bad_shape.npy"), bad_shape)
    dt = np.int32 if good.dtype == np.float64 else np.float64
    np.save(os.path.join(out, "bad_dtype.npy"), good.astype(dt))
    np.save(os.path.join(out, "bad_rank.npy"), good[None])
    with open(os.path.join(out, "bad_file.npy"), "wb") as f:
        f.write(b"this is not a numpy file\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
