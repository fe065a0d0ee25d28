#!/usr/bin/env python3
"""usage: compare.py ACTUAL EXPECTED [ACTUAL EXPECTED]...

Loads each pair (.npy, or ONNX TensorProto .pb, by extension) and checks
that dtype, shape and bytes are identical (so NaNs and -0.0 compare too).
A .pb ACTUAL may be followed by '@name' to also check TensorProto.name.
Prints 'ok: ACTUAL' per pair; exits 1 at the first mismatch.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    name = None
    if "@" in path:
        path, name = path.rsplit("@", 1)
    if path.lower().endswith(".pb"):
        t = onnx.load_tensor(path)
        if name is not None and t.name != name:
            sys.exit("%s: name %r, expected %r" % (path, t.name, name))
        return numpy_helper.to_array(t)
    # Check the file is what numpy itself reads, C order.
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = np.lib.format._read_array_header(f, version)
        if fortran:
            sys.exit("%s: fortran_order is True" % path)
    return np.load(path, allow_pickle=False)


args = sys.argv[1:]
if not args or len(args) % 2:
    sys.exit(__doc__)
for actual, expected in zip(args[0::2], args[1::2]):
    a, e = load(actual), load(expected)
    if a.dtype != e.dtype or a.shape != e.shape or a.tobytes() != e.tobytes():
        sys.exit("%s: got %s %s %r, expected %s %s %r" %
                 (actual, a.dtype, a.shape, a, e.dtype, e.shape, e))
    print("ok: %s" % actual.split("/")[-1])
