"""Numeric check of kiln-fold-batchnorm.

Builds a grouped, strided, padded conv with bias followed by batch_norm (all
weights as resource blobs), runs the pass, reads the folded weight and bias
back, and compares conv(x; W', b') with batch_norm(conv(x; W, b)) computed in
float64 by numpy. Usage: fold_batchnorm_check.py MODEL_OPT
"""
import re
import subprocess
import sys

import numpy as np

rng = np.random.default_rng(7)
N, C, H, W = 1, 4, 7, 6
F, GROUP, K = 6, 2, 3
STRIDE, PAD, EPS = 2, 1, 1e-3

x = rng.standard_normal((N, C, H, W)).astype(np.float32)
w = rng.standard_normal((F, C // GROUP, K, K)).astype(np.float32)
b = rng.standard_normal(F).astype(np.float32)
gamma = rng.standard_normal(F).astype(np.float32)
beta = rng.standard_normal(F).astype(np.float32)
mean = rng.standard_normal(F).astype(np.float32)
var = rng.uniform(0.1, 2.0, F).astype(np.float32)


def conv(x, w, b):
    """Grouped 2-d convolution in float64, NCHW, symmetric padding."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (PAD, PAD), (PAD, PAD)))
    oh = (x.shape[2] - K) // STRIDE + 1
    ow = (x.shape[3] - K) // STRIDE + 1
    out = np.zeros((N, F, oh, ow))
    fg, cg = F // GROUP, C // GROUP
    for f in range(F):
        g = f // fg
        for i in range(oh):
            for j in range(ow):
                patch = x[:, g * cg:(g + 1) * cg, i * STRIDE:i * STRIDE + K,
                          j * STRIDE:j * STRIDE + K]
                out[:, f, i, j] = (patch * w[f]).sum(axis=(1, 2, 3)) + b[f]
    return out


def tensor(a):
    return "tensor<%sf32>" % "".join("%dx" % d for d in a.shape)


def blob(a):
    return "0x04000000" + a.tobytes().hex().upper()


ref = conv(x, w.astype(np.float64), b.astype(np.float64))
ref = ((ref - mean[None, :, None, None]) / np.sqrt(var + EPS)[None, :, None, None]
       * gamma[None, :, None, None] + beta[None, :, None, None])
oh = ref.shape[2]
ow = ref.shape[3]
out_type = "tensor<%dx%dx%dx%dxf32>" % (N, F, oh, ow)
params = {"w": w, "b": b, "gamma": gamma, "beta": beta, "mean": mean, "var": var}
lines = ["func.func @f(%%x: %s) -> %s {" % (tensor(x), out_type)]
for name, value in params.items():
    lines.append("  %%%s = kiln.constant dense_resource<%s> : %s" % (name, name, tensor(value)))
lines.append(
    "  %%c = kiln.conv %%x, %%w, %%b {strides = array<i64: %d, %d>, dilations = array<i64: 1, 1>, "
    "pads = array<i64: %d, %d, %d, %d>, group = %d : i64} : (%s, %s, %s) -> %s"
    % (STRIDE, STRIDE, PAD, PAD, PAD, PAD, GROUP, tensor(x), tensor(w), tensor(b), out_type))
lines.append(
    "  %%y = kiln.batch_norm %%c, %%gamma, %%beta, %%mean, %%var {epsilon = %r : f64} "
    ": (%s, %s, %s, %s, %s) -> %s"
    % (EPS, out_type, tensor(b), tensor(b), tensor(b), tensor(b), out_type))
lines.append("  return %%y : %s" % out_type)
lines.append("}")
lines.append("{-# dialect_resources: { builtin: { %s } } #-}" % ", ".join(
    '%s: "%s"' % (name, blob(value)) for name, value in params.items()))

result = subprocess.run(
    [sys.argv[1], "-kiln-fold-batchnorm", "-mlir-print-elementsattrs-with-hex-if-larger=0"],
    input="\n".join(lines), capture_output=True, text=True, check=True).stdout
if "kiln.batch_norm" in result:
    sys.exit("batch_norm was not folded:\n" + result)
conv_line = re.search(r"kiln\.conv %arg0, (%\d+), (%\d+)", result)
if not conv_line:
    sys.exit("no conv with bias in:\n" + result)


def constant(ssa, shape):
    m = re.search(re.escape(ssa) + r' = kiln\.constant (?:dense<"0x([0-9A-F]+)">|dense_resource<(\w+)>)', result)
    if m.group(1):
        data = bytes.fromhex(m.group(1))
    else:
        data = bytes.fromhex(re.search(m.group(2) + r': "0x([0-9A-F]+)"', result).group(1)[8:])
    return np.frombuffer(data, dtype=np.float32).reshape(shape)


w2 = constant(conv_line.group(1), w.shape)
b2 = constant(conv_line.group(2), b.shape)
folded = conv(x, w2.astype(np.float64), b2.astype(np.float64))
err = np.max(np.abs(folded - ref)) / np.max(np.abs(ref))
print("max relative error %.3g" % err)
print("OK" if err < 1e-5 else "MISMATCH")
