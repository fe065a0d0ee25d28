#!/usr/bin/env python3
"""usage: identity.py DIR IN_SUFFIX OUT_EXT [EXTRA_ARG]...

Runs kiln-fake-identity (from PATH) on DIR/id_<name><IN_SUFFIX> for each of
its inputs (written by make_inputs.py), with -o DIR/out_<name>_<IN_SUFFIX>.
<OUT_EXT>, and checks that every output equals its input bit for bit (and,
for .pb outputs, that TensorProto.name is the model's output name). The
bfloat16 input and output always use .pb.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

NAMES = ["f32", "u8", "i8", "u16", "i16", "i32", "i64", "b", "f16", "f64",
         "u32", "u64", "empty", "bf16"]

d, in_suffix, out_ext = sys.argv[1:4]
extra = sys.argv[4:]


def in_path(n):
    # bfloat16 only exists as .pb.
    s = in_suffix if n != "bf16" or in_suffix.endswith(".pb") else ".pb"
    return os.path.join(d, "id_%s%s" % (n, s))


def out_path(n):
    ext = "pb" if n == "bf16" else out_ext
    return os.path.join(d, "out_%s%s.%s" % (n, in_suffix.replace(".", "_"),
                                            ext))


cmd = ["kiln-fake-identity"] + [in_path(n) for n in NAMES]
outs = [out_path(n) for n in NAMES]
for o in outs:
    cmd += ["-o", o]
cmd += extra
subprocess.run(cmd, check=True)
for n, o in zip(NAMES, outs):
    if n == "bf16":
        ref = np.load(os.path.join(d, "id_bf16_ref.npy"))
    else:
        ref = np.load(os.path.join(d, "id_%s.npy" % n))
    if o.endswith(".pb"):
        t = onnx.load_tensor(o)
        assert t.name == "out_" + n, (o, t.name)
        if n == "bf16":
            assert t.data_type == onnx.TensorProto.BFLOAT16, t.data_type
        got = numpy_helper.to_array(t)
    else:
        got = np.load(o, allow_pickle=False)
    if got.dtype != ref.dtype or got.shape != ref.shape or \
            got.tobytes() != ref.tobytes():
        sys.exit("%s: got %s %s %r, expected %s %s %r" %
                 (o, got.dtype, got.shape, got, ref.dtype, ref.shape, ref))
print("ok: %d outputs from id_*%s written as .%s" %
      (len(NAMES), in_suffix, out_ext))
