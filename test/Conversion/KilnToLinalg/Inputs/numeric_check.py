#!/usr/bin/env python3
"""Numerically checks convert-kiln-to-linalg against numpy/torch references.

Each case is a kiln function with random inputs. All cases go into one module
whose @main calls every kernel and prints its result (cast to f32); the module
is lowered with `model-opt -convert-kiln-to-linalg`, then upstream `mlir-opt`
(one-shot-bufferize ... convert-to-llvm) and run with `mlir-runner`. The
printed results are compared to references computed here with tolerances.

Usage: numeric_check.py [MODEL_OPT] [--llvm-bin DIR] [--lib-dir DIR]
                        [-k SUBSTRING]
mlir-opt and mlir-runner are taken from --llvm-bin, else from PATH, else from
/usr/lib/llvm-22/bin; the runner libraries from --lib-dir, else ../lib of
that directory.
Prints one line per case and `ALL <n> CASES PASSED` on success (exit 0).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # Conv/pool references need torch; skip those cases.
    torch = None

rng = np.random.default_rng(1234)
CASES = []


def case(name, inputs, body, ref, out_type="f32", tol=1e-4, needs_torch=False):
    """inputs: list of (np.ndarray, mlir element type); body: MLIR text using
    %arg0... that defines %r of the result type; ref: expected np.ndarray."""
    CASES.append(dict(name=name, inputs=inputs, body=body, ref=np.asarray(ref),
                      out_type=out_type, tol=tol, needs_torch=needs_torch))


def ttype(shape, elem):
    dims = "x".join(str(d) for d in shape)
    return f"tensor<{dims}x{elem}>" if dims else f"tensor<{elem}>"


def dense(arr, elem):
    def fmt(v):
        if elem == "i1":
            return "true" if v else "false"
        if elem.startswith(("f", "bf")):
            v = float(v)
            if np.isnan(v):
                return "0x7FC00000"
            if np.isinf(v):
                return "0x7F800000" if v > 0 else "0xFF800000"
            return repr(v)
        return str(int(v))

    def rec(a):
        if a.ndim == 0:
            return fmt(a.item())
        return "[" + ", ".join(rec(x) for x in a) + "]"

    return f"dense<{rec(np.asarray(arr))}>"


def randf(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def t(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def build_module(cases):
    lines, main = [], ["func.func @main() {"]
    for i, c in enumerate(cases):
        args = ", ".join(f"%arg{j}: {ttype(a.shape, e)}"
                         for j, (a, e) in enumerate(c["inputs"]))
        rtype = ttype(c["ref"].shape, c["out_type"])
        lines.append(f"func.func @k{i}({args}) -> {rtype} {{")
        lines.append("  " + c["body"].strip().replace("\n", "\n  "))
        lines.append(f"  return %r : {rtype}\n}}")
        names = []
        for j, (a, e) in enumerate(c["inputs"]):
            main.append(f"  %c{i}_{j} = kiln.constant {dense(a, e)} : "
                        f"{ttype(a.shape, e)}")
            names.append(f"%c{i}_{j}")
        types = ", ".join(ttype(a.shape, e) for a, e in c["inputs"])
        main.append(f"  %r{i} = call @k{i}({', '.join(names)}) : ({types}) -> "
                    f"{rtype}")
        ftype = ttype(c["ref"].shape, "f32")
        res = f"%r{i}"
        if c["out_type"] != "f32":
            main.append(f"  %f{i} = kiln.cast %r{i} {{to = f32}} : {rtype} -> "
                        f"{ftype}")
            res = f"%f{i}"
        mtype = ftype.replace("tensor", "memref")
        main.append(f"  %m{i} = bufferization.to_buffer {res} : {ftype} to "
                    f"{mtype}")
        main.append(f"  %u{i} = memref.cast %m{i} : {mtype} to memref<*xf32>")
        main.append(f"  call @printMemrefF32(%u{i}) : (memref<*xf32>) -> ()")
    main.append("  return\n}")
    lines.append("func.func private @printMemrefF32(memref<*xf32>)")
    return "\n".join(lines + main) + "\n"


NUM = re.compile(r"-?(?:nan|inf|\d+(?:\.\d*)?(?:e[-+]?\d+)?)", re.I)


def run(module, args):
    bin_ = args.llvm_bin
    lowered = subprocess.run([args.model_opt, "-convert-kiln-to-linalg", "-"],
                             input=module, capture_output=True, text=True)
    if lowered.returncode:
        sys.exit("model-opt failed:\n" + lowered.stderr)
    llvm = subprocess.run(
        [os.path.join(bin_, "mlir-opt"),
         "--one-shot-bufferize=bufferize-function-boundaries",
         "--convert-linalg-to-loops", "--convert-math-to-funcs",
         "--expand-strided-metadata", "--lower-affine", "--convert-scf-to-cf",
         "--convert-math-to-llvm", "--convert-math-to-libm",
         "--convert-to-llvm", "--reconcile-unrealized-casts"],
        input=lowered.stdout, capture_output=True, text=True)
    if llvm.returncode:
        sys.exit("mlir-opt failed:\n" + llvm.stderr)
    libs = ",".join(os.path.join(args.lib_dir, l) for l in
                    ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so"))
    out = subprocess.run(
        [os.path.join(bin_, "mlir-runner"), "-e", "main",
         "-entry-point-result=void", f"-shared-libs={libs}"],
        input=llvm.stdout, capture_output=True, text=True)
    if out.returncode:
        sys.exit("mlir-runner failed:\n" + out.stderr)
    results = []
    for chunk in out.stdout.split("Unranked Memref")[1:]:
        data = chunk.split("data =", 1)[1]
        results.append(np.array([float(x) for x in NUM.findall(data)],
                                dtype=np.float64))
    return results


#===------------------------------------------------------------------------===#
# Cases
#===------------------------------------------------------------------------===#

def conv_cases():
    def conv(name, x, w, b, strides, dil, pads, group):
        n = len(strides)
        attrs = (f"{{strides = array<i64: {', '.join(map(str, strides))}>, "
                 f"dilations = array<i64: {', '.join(map(str, dil))}>, "
                 f"pads = array<i64: {', '.join(map(str, pads))}>, "
                 f"group = {group} : i64}}")
        # torch pads symmetrically: pad explicitly (ONNX order begins, ends).
        xp = np.pad(x, [(0, 0), (0, 0)] + [(pads[i], pads[i + n])
                                           for i in range(n)])
        fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[n] if torch else None
        ref = fn(t(xp), t(w), None if b is None else t(b), stride=strides,
                 dilation=dil, groups=group).numpy() if torch else np.zeros(0)
        ins = [(x, "f32"), (w, "f32")] + ([] if b is None else [(b, "f32")])
        ops = "%arg0, %arg1" + ("" if b is None else ", %arg2")
        types = ", ".join(ttype(a.shape, "f32") for a, _ in ins)
        body = (f"%r = kiln.conv {ops} {attrs} : ({types}) -> "
                f"{ttype(ref.shape, 'f32')}")
        case(name, ins, body, ref, needs_torch=True)

    conv("conv2d strided padded bias", randf(1, 3, 9, 9), randf(4, 3, 3, 3),
         randf(4), [2, 2], [1, 1], [1, 1, 1, 1], 1)
    conv("conv2d asymmetric pads dilation", randf(2, 2, 8, 7),
         randf(3, 2, 3, 2), None, [1, 2], [2, 1], [0, 1, 2, 1], 1)
    conv("conv2d grouped g=2 bias", randf(1, 4, 6, 6), randf(6, 2, 3, 3),
         randf(6), [1, 1], [1, 1], [1, 1, 1, 1], 2)
    conv("conv2d depthwise", randf(1, 3, 7, 7), randf(3, 1, 3, 3), randf(3),
         [2, 2], [1, 1], [1, 1, 1, 1], 3)
    conv("conv2d depthwise multiplier 2", randf(1, 3, 5, 5), randf(6, 1, 3, 3),
         None, [1, 1], [1, 1], [0, 0, 0, 0], 3)
    conv("conv1d strided padded grouped", randf(2, 4, 11), randf(4, 2, 3),
         randf(4), [2], [1], [1, 2], 2)
    conv("conv3d", randf(1, 2, 5, 4, 4), randf(3, 2, 3, 2, 2), randf(3),
         [1, 2, 1], [1, 1, 1], [1, 0, 1, 1, 1, 0], 1)
    conv("conv3d depthwise", randf(1, 2, 4, 4, 4), randf(2, 1, 2, 2, 2),
         None, [1, 1, 1], [1, 1, 1], [0, 0, 0, 0, 0, 0], 2)


def pool_cases():
    def pool(name, kind, x, k, s, d, pads, ceil, cip):
        n = len(k)
        attrs = (f"{{kernel_shape = array<i64: {', '.join(map(str, k))}>, "
                 f"strides = array<i64: {', '.join(map(str, s))}>, "
                 f"dilations = array<i64: {', '.join(map(str, d))}>, "
                 f"pads = array<i64: {', '.join(map(str, pads))}>, "
                 f"ceil_mode = {str(ceil).lower()}, "
                 f"count_include_pad = {str(cip).lower()}}}")
        ref = onnx_pool(kind, x, k, s, d, pads, ceil, cip)
        body = (f"%r = kiln.{kind}_pool %arg0 {attrs} : "
                f"{ttype(x.shape, 'f32')} -> {ttype(ref.shape, 'f32')}")
        case(name, [(x, "f32")], body, ref)

    pool("maxpool ceil_mode", "max", randf(1, 2, 8, 8), [3, 3], [2, 2], [1, 1],
         [0, 0, 0, 0], True, False)
    pool("maxpool pads dilation", "max", randf(1, 2, 9, 8), [2, 3], [2, 1],
         [2, 1], [1, 1, 1, 0], False, False)
    pool("maxpool 1-D ceil", "max", randf(2, 3, 10), [3], [2], [1], [1, 0],
         True, False)
    pool("avgpool count_include_pad=0 pads", "avg", randf(1, 2, 7, 7), [3, 3],
         [2, 2], [1, 1], [1, 1, 1, 1], False, False)
    pool("avgpool count_include_pad=0 ceil", "avg", randf(1, 2, 8, 8), [3, 3],
         [2, 2], [1, 1], [1, 0, 1, 0], True, False)
    pool("avgpool count_include_pad=1 ceil", "avg", randf(1, 2, 8, 8), [3, 3],
         [2, 2], [1, 1], [1, 1, 1, 1], True, True)
    pool("avgpool plain", "avg", randf(1, 3, 6, 6), [2, 2], [2, 2], [1, 1],
         [0, 0, 0, 0], False, False)
    pool("avgpool 3-D cip=0", "avg", randf(1, 2, 5, 5, 4), [2, 3, 2],
         [2, 1, 2], [1, 1, 1], [0, 1, 1, 1, 1, 0], False, False)
    pool("maxpool 3-D", "max", randf(1, 2, 5, 5, 4), [2, 2, 2], [1, 2, 1],
         [1, 1, 1], [0, 1, 0, 0, 0, 1], False, False)


def onnx_pool(kind, x, k, s, d, pads, ceil, cip):
    """Direct ONNX/PyTorch pooling semantics: windows over the padded input;
    count_include_pad counts explicit pads but not the ceil-mode overhang."""
    n = len(k)
    spatial = x.shape[2:]
    outs = []
    for i in range(n):
        span = d[i] * (k[i] - 1) + 1
        avail = spatial[i] + pads[i] + pads[i + n] - span
        outs.append((-(-avail // s[i]) if ceil else avail // s[i]) + 1)
    out = np.zeros(x.shape[:2] + tuple(outs), np.float64)
    for idx in np.ndindex(*outs):
        vals, count = [], 0
        for kk in np.ndindex(*k):
            pos = [idx[i] * s[i] - pads[i] + kk[i] * d[i] for i in range(n)]
            inside = all(0 <= pos[i] < spatial[i] for i in range(n))
            in_explicit = all(-pads[i] <= pos[i] < spatial[i] + pads[i + n]
                              for i in range(n))
            if inside:
                vals.append(x[(slice(None), slice(None)) + tuple(pos)])
            if (inside if not cip else in_explicit):
                count += 1
        sel = (slice(None), slice(None)) + idx
        if kind == "max":
            out[sel] = np.max(vals, axis=0) if vals else -np.inf
        else:
            out[sel] = (np.sum(vals, axis=0) if vals else 0) / max(count, 1)
    return out.astype(np.float32)


def norm_cases():
    x = randf(2, 5, 8)
    for axis in (-1, 1):
        ax = axis % 3
        scale = randf(*x.shape[ax:])
        bias = randf(x.shape[-1])
        m = x.mean(axis=tuple(range(ax, 3)), keepdims=True)
        v = ((x - m) ** 2).mean(axis=tuple(range(ax, 3)), keepdims=True)
        ref = (x - m) / np.sqrt(v + 1e-5) * scale + bias
        case(f"layer_norm axis={axis}",
             [(x, "f32"), (scale, "f32"), (bias, "f32")],
             f"%r = kiln.layer_norm %arg0, %arg1, %arg2 {{axis = {axis} : i64, "
             f"epsilon = 1.0e-05 : f64}} : ({ttype(x.shape, 'f32')}, "
             f"{ttype(scale.shape, 'f32')}, {ttype(bias.shape, 'f32')}) -> "
             f"{ttype(x.shape, 'f32')}", ref)
    xh = (randf(3, 16) * 4).astype(np.float16)
    sh, bh = randf(16).astype(np.float16), randf(16).astype(np.float16)
    xf = xh.astype(np.float32)
    m = xf.mean(-1, keepdims=True)
    v = ((xf - m) ** 2).mean(-1, keepdims=True)
    case("layer_norm f16", [(xh, "f16"), (sh, "f16"), (bh, "f16")],
         "%r = kiln.layer_norm %arg0, %arg1, %arg2 {axis = 1 : i64, epsilon = "
         "1.0e-05 : f64} : (tensor<3x16xf16>, tensor<16xf16>, tensor<16xf16>)"
         " -> tensor<3x16xf16>",
         ((xf - m) / np.sqrt(v + 1e-5) * sh + bh).astype(np.float16),
         out_type="f16", tol=2e-3)

    x = randf(2, 6, 4) * 10
    for axis, log in ((1, False), (2, True), (0, False)):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        ref = e / e.sum(axis=axis, keepdims=True)
        if log:
            ref = np.log(ref)
        case(f"softmax axis={axis} log={log}", [(x, "f32")],
             f"%r = kiln.softmax %arg0 {{axis = {axis} : i64, log = "
             f"{str(log).lower()}}} : tensor<2x6x4xf32> -> tensor<2x6x4xf32>",
             ref)

    x = randf(2, 3, 4, 4)
    s, b, mu, var = randf(3), randf(3), randf(3), np.abs(randf(3)) + 0.1
    ref = ((x - mu[:, None, None]) / np.sqrt(var[:, None, None] + 1e-3) *
           s[:, None, None] + b[:, None, None])
    case("batch_norm", [(x, "f32"), (s, "f32"), (b, "f32"), (mu, "f32"),
                        (var, "f32")],
         "%r = kiln.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4 {epsilon = "
         "1.0e-03 : f64} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>,"
         " tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>", ref)


def matmul_cases():
    def mm(name, a, b, elem="f32"):
        ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
        case(name, [(a, elem), (b, elem)],
             f"%r = kiln.matmul %arg0, %arg1 : ({ttype(a.shape, elem)}, "
             f"{ttype(b.shape, elem)}) -> {ttype(ref.shape, elem)}",
             ref, out_type=elem)

    mm("matmul 2-D", randf(5, 7), randf(7, 3))
    mm("matmul broadcast rhs 2-D", randf(4, 8, 16), randf(16, 5))
    mm("matmul equal batch 4-D", randf(2, 3, 4, 6), randf(2, 3, 6, 5))
    mm("matmul broadcast both", randf(2, 1, 4, 6), randf(3, 6, 5))
    mm("matmul broadcast lhs 2-D", randf(4, 6), randf(3, 6, 5))
    mm("matmul rhs batch of ones", randf(3, 4, 6), randf(1, 6, 2))
    mm("matmul i32", rng.integers(-50, 50, (2, 3, 4)).astype(np.int32),
       rng.integers(-50, 50, (4, 5)).astype(np.int32), elem="i32")


def data_cases():
    x = randf(3, 5, 4)
    idx = np.array([[0, -1], [-5, 4], [2, -3]], np.int64)
    case("gather negative indices axis=1", [(x, "f32"), (idx, "i64")],
         "%r = kiln.gather %arg0, %arg1 {axis = 1 : i64} : (tensor<3x5x4xf32>,"
         " tensor<3x2xi64>) -> tensor<3x3x2x4xf32>", np.take(x, idx, axis=1))
    idx32 = np.array([-1, 0, 2], np.int32)
    case("gather i32 axis=2", [(x, "f32"), (idx32, "i32")],
         "%r = kiln.gather %arg0, %arg1 {axis = 2 : i64} : (tensor<3x5x4xf32>,"
         " tensor<3xi32>) -> tensor<3x5x3xf32>", np.take(x, idx32, axis=2))
    one = np.array(-2, np.int64)
    case("gather scalar index", [(x, "f32"), (one, "i64")],
         "%r = kiln.gather %arg0, %arg1 {axis = 1 : i64} : (tensor<3x5x4xf32>,"
         " tensor<i64>) -> tensor<3x4xf32>", np.take(x, -2, axis=1))
    bad = np.array([7, -9], np.int64)
    case("gather out-of-range clamps", [(x, "f32"), (bad, "i64")],
         "%r = kiln.gather %arg0, %arg1 {axis = 0 : i64} : (tensor<3x5x4xf32>,"
         " tensor<2xi64>) -> tensor<2x5x4xf32>", x[[2, 0]])

    y = randf(6, 8)
    case("slice negative steps", [(y, "f32")],
         "%r = kiln.slice %arg0 {offsets = array<i64: 5, 7>, sizes = array<i64:"
         " 3, 4>, strides = array<i64: -2, -1>} : tensor<6x8xf32> -> "
         "tensor<3x4xf32>", y[5::-2, 7:3:-1])
    case("slice mixed steps", [(y, "f32")],
         "%r = kiln.slice %arg0 {offsets = array<i64: 1, 6>, sizes = array<i64:"
         " 2, 3>, strides = array<i64: 3, -3>} : tensor<6x8xf32> -> "
         "tensor<2x3xf32>", y[1:5:3, 6::-3])

    z = randf(2, 3)
    for mode, np_mode, pads in (("reflect", "reflect", [1, 2, 1, 2]),
                                ("edge", "edge", [0, 3, 2, 1]),
                                ("constant", "constant", [1, 0, 2, 1])):
        m = {"constant": 0, "reflect": 1, "edge": 2}[mode]
        kw = {"constant_values": 1.5} if mode == "constant" else {}
        ref = np.pad(z, [(pads[0], pads[2]), (pads[1], pads[3])], np_mode, **kw)
        case(f"pad {mode}", [(z, "f32")],
             f"%r = kiln.pad %arg0 {{pads = array<i64: {', '.join(map(str, pads))}>,"
             f" value = 1.5 : f64, mode = {m} : i32}} : tensor<2x3xf32> -> "
             f"{ttype(ref.shape, 'f32')}", ref)

    a, b = randf(2, 1, 3), randf(2, 2, 3)
    case("concat axis=1", [(a, "f32"), (b, "f32")],
         "%r = kiln.concat %arg0, %arg1 {axis = 1 : i64} : (tensor<2x1x3xf32>, "
         "tensor<2x2x3xf32>) -> tensor<2x3x3xf32>", np.concatenate([a, b], 1))
    e = randf(3, 1)
    case("expand", [(e, "f32")],
         "%r = kiln.expand %arg0 {shape = array<i64: 2, 3, 4>} : "
         "tensor<3x1xf32> -> tensor<2x3x4xf32>", np.broadcast_to(e, (2, 3, 4)))
    p = randf(2, 3, 4)
    case("transpose", [(p, "f32")],
         "%r = kiln.transpose %arg0 {perm = array<i64: 2, 0, 1>} : "
         "tensor<2x3x4xf32> -> tensor<4x2x3xf32>", p.transpose(2, 0, 1))
    case("reshape no reassociation", [(p, "f32")],
         "%r = kiln.reshape %arg0 {shape = array<i64: 4, 6>} : "
         "tensor<2x3x4xf32> -> tensor<4x6xf32>", p.reshape(4, 6))


def reduce_cases():
    x = randf(3, 4, 5)
    for op, fn in (("reduce_sum", np.sum), ("reduce_mean", np.mean),
                   ("reduce_max", np.max), ("reduce_min", np.min),
                   ("reduce_prod", np.prod)):
        case(f"{op} axes=0,2 keepdims", [(x, "f32")],
             f"%r = kiln.{op} %arg0 {{axes = array<i64: 0, 2>, keepdims = true}}"
             f" : tensor<3x4x5xf32> -> tensor<1x4x1xf32>",
             fn(x, axis=(0, 2), keepdims=True))
    xi = rng.integers(-9, 9, (4, 6)).astype(np.int32)
    case("reduce_mean i32 (truncating)", [(xi, "i32")],
         "%r = kiln.reduce_mean %arg0 {axes = array<i64: 1>, keepdims = false}"
         " : tensor<4x6xi32> -> tensor<4xi32>",
         np.trunc(xi.sum(1) / 6), out_type="i32")
    xu = rng.integers(0, 255, (3, 5)).astype(np.uint8)
    case("reduce_max ui8", [(xu, "ui8")],
         "%r = kiln.reduce_max %arg0 {axes = array<i64: 0, 1>, keepdims = false}"
         " : tensor<3x5xui8> -> tensor<ui8>", np.max(xu), out_type="ui8")

    # Ties and NaNs: numpy's first occurrence; select_last_index flips ties.
    v = np.array([[1, 3, 3, 0], [np.nan, 2, np.nan, 5], [-np.inf] * 4,
                  [2, 2, 1, 1]], np.float32)
    case("argmax ties/NaN", [(v, "f32")],
         "%r = kiln.argmax %arg0 {axis = 1 : i64, keepdims = false} : "
         "tensor<4x4xf32> -> tensor<4xi64>", np.argmax(v, 1), out_type="i64")
    case("argmin select_last_index", [(v, "f32")],
         "%r = kiln.argmin %arg0 {axis = 1 : i64, keepdims = true, "
         "select_last_index = true} : tensor<4x4xf32> -> tensor<4x1xi64>",
         np.array([[3], [2], [3], [3]]), out_type="i64")
    case("argmax select_last_index", [(v, "f32")],
         "%r = kiln.argmax %arg0 {axis = 1 : i64, keepdims = false, "
         "select_last_index = true} : tensor<4x4xf32> -> tensor<4xi64>",
         np.array([2, 2, 3, 1]), out_type="i64")
    case("reduce_mean all axes to rank 0", [(x, "f32")],
         "%r = kiln.reduce_mean %arg0 {axes = array<i64: 0, 1, 2>, keepdims = "
         "false} : tensor<3x4x5xf32> -> tensor<f32>", np.mean(x))
    xh = (randf(64, 3) + 2).astype(np.float16)
    case("reduce_sum f16 (f32 accumulation)", [(xh, "f16")],
         "%r = kiln.reduce_sum %arg0 {axes = array<i64: 0>, keepdims = true} : "
         "tensor<64x3xf16> -> tensor<1x3xf16>",
         xh.astype(np.float32).sum(0, keepdims=True).astype(np.float16),
         out_type="f16", tol=2e-3)
    vi = np.array([[5, -2, 5], [-7, -7, 0]], np.int32)
    case("argmin i32 axis=0", [(vi, "i32")],
         "%r = kiln.argmin %arg0 {axis = 0 : i64, keepdims = false} : "
         "tensor<2x3xi32> -> tensor<3xi64>", np.argmin(vi, 0), out_type="i64")


def elementwise_cases():
    a = rng.integers(-20, 20, (2, 6)).astype(np.int32)
    b = rng.integers(1, 7, (6,)).astype(np.int32) * np.array(
        [1, -1, 1, -1, 1, -1], np.int32)
    for fmod, ref in ((False, np.mod(a, b)), (True, np.fmod(a, b))):
        case(f"mod i32 fmod={fmod}", [(a, "i32"), (b, "i32")],
             f"%r = kiln.mod %arg0, %arg1 {{fmod = {str(fmod).lower()}}} : "
             "(tensor<2x6xi32>, tensor<6xi32>) -> tensor<2x6xi32>", ref,
             out_type="i32")
    af, bf = randf(2, 6) * 5, randf(1, 6) * 2
    for fmod, ref in ((False, np.mod(af, bf)), (True, np.fmod(af, bf))):
        case(f"mod f32 fmod={fmod}", [(af, "f32"), (bf, "f32")],
             f"%r = kiln.mod %arg0, %arg1 {{fmod = {str(fmod).lower()}}} : "
             "(tensor<2x6xf32>, tensor<1x6xf32>) -> tensor<2x6xf32>", ref)
    case("div i32 truncates", [(a, "i32"), (b, "i32")],
         "%r = kiln.div %arg0, %arg1 : (tensor<2x6xi32>, tensor<6xi32>) -> "
         "tensor<2x6xi32>", np.trunc(a / b), out_type="i32")
    base = rng.integers(-4, 5, (5,)).astype(np.int64)
    ex = np.array([0, 1, 2, 3, 5], np.int64)
    case("pow i64", [(base, "i64"), (ex, "i64")],
         "%r = kiln.pow %arg0, %arg1 : (tensor<5xi64>, tensor<5xi64>) -> "
         "tensor<5xi64>", base ** ex, out_type="i64")
    s = np.array([-100, -20, -1, 0, 1, 20, 100, np.nan], np.float32)
    case("sigmoid extremes", [(s, "f32")],
         "%r = kiln.sigmoid %arg0 : tensor<8xf32> -> tensor<8xf32>",
         1 / (1 + np.exp(-s.astype(np.float64))))
    case("relu/max NaN", [(s, "f32")],
         "%r = kiln.relu %arg0 : tensor<8xf32> -> tensor<8xf32>",
         np.where(np.isnan(s), np.nan, np.maximum(s, 0)))
    case("sign", [(s, "f32")],
         "%r = kiln.sign %arg0 : tensor<8xf32> -> tensor<8xf32>", np.sign(s))
    c = np.array([-2.7, -0.5, 0.0, 0.9, 3.99, 100.9], np.float32)
    case("cast f32->i8 truncates", [(c, "f32")],
         "%r = kiln.cast %arg0 {to = i8} : tensor<6xf32> -> tensor<6xi8>",
         np.trunc(c), out_type="i8")
    case("cast f32->i1", [(c, "f32")],
         "%r = kiln.cast %arg0 {to = i1} : tensor<6xf32> -> tensor<6xi1>",
         c != 0, out_type="i1")
    u = np.array([0, 1, 127, 128, 200, 255], np.uint8)
    v = np.array([3, 1, 2, 3, 7, 16], np.uint8)
    case("ui8 cast to f32 (uitofp)", [(u, "ui8")],
         "%r = kiln.cast %arg0 {to = f32} : tensor<6xui8> -> tensor<6xf32>",
         u.astype(np.float32))
    case("ui8 div (divui)", [(u, "ui8"), (v, "ui8")],
         "%r = kiln.div %arg0, %arg1 : (tensor<6xui8>, tensor<6xui8>) -> "
         "tensor<6xui8>", u // v, out_type="ui8")
    case("ui8 mod (remui)", [(u, "ui8"), (v, "ui8")],
         "%r = kiln.mod %arg0, %arg1 : (tensor<6xui8>, tensor<6xui8>) -> "
         "tensor<6xui8>", u % v, out_type="ui8")
    case("ui8 greater (ugt)", [(u, "ui8"), (v, "ui8")],
         "%r = kiln.greater %arg0, %arg1 : (tensor<6xui8>, tensor<6xui8>) -> "
         "tensor<6xi1>", u > v, out_type="i1")
    case("ui8 cast to i32 (extui)", [(u, "ui8")],
         "%r = kiln.cast %arg0 {to = i32} : tensor<6xui8> -> tensor<6xi32>",
         u.astype(np.int32), out_type="i32")
    case("ui8 clip saturating bounds", [(u, "ui8")],
         "%r = kiln.clip %arg0 {min = 100.0 : f64, max = 300.0 : f64} : "
         "tensor<6xui8> -> tensor<6xui8>", np.clip(u, 100, 255), out_type="ui8")
    i8 = np.array([-128, -5, 0, 7, 127], np.int8)
    case("i8 clip fractional bounds", [(i8, "i8")],
         "%r = kiln.clip %arg0 {min = -4.5 : f64, max = 6.5 : f64} : "
         "tensor<5xi8> -> tensor<5xi8>", np.clip(i8, -4, 6), out_type="i8")
    case("i8 cast to f32 (sitofp)", [(i8, "i8")],
         "%r = kiln.cast %arg0 {to = f32} : tensor<5xi8> -> tensor<5xf32>",
         i8.astype(np.float32))
    cond = np.array([[True], [False]])
    case("where broadcast", [(cond, "i1"), (af, "f32"), (bf, "f32")],
         "%r = kiln.where %arg0, %arg1, %arg2 : (tensor<2x1xi1>, "
         "tensor<2x6xf32>, tensor<1x6xf32>) -> tensor<2x6xf32>",
         np.where(cond, af, bf))
    e = randf(7)
    import math
    case("erf", [(e, "f32")], "%r = kiln.erf %arg0 : tensor<7xf32> -> "
         "tensor<7xf32>", np.array([math.erf(v) for v in e]))
    r = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6], np.float32)
    case("round half to even", [(r, "f32")],
         "%r = kiln.round %arg0 : tensor<7xf32> -> tensor<7xf32>", np.round(r))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_opt", nargs="?", default="model-opt")
    parser.add_argument("--llvm-bin")
    parser.add_argument("--lib-dir")
    parser.add_argument("-k", default="", help="only cases whose name has this")
    args = parser.parse_args()
    if not args.llvm_bin:
        runner = shutil.which("mlir-runner")
        args.llvm_bin = (os.path.dirname(os.path.realpath(runner)) if runner
                         else "/usr/lib/llvm-22/bin")
    if not args.lib_dir:
        args.lib_dir = os.path.join(os.path.dirname(args.llvm_bin), "lib")
    for make in (conv_cases, pool_cases, norm_cases, matmul_cases, data_cases,
                 reduce_cases, elementwise_cases):
        make()
    cases = [c for c in CASES if args.k in c["name"]
             and (torch or not c["needs_torch"])]
    skipped = len([c for c in CASES if c["needs_torch"]]) if not torch else 0
    results = run(build_module(cases), args)
    if len(results) != len(cases):
        sys.exit(f"expected {len(cases)} results, got {len(results)}")
    failures = 0
    for c, got in zip(cases, results):
        ref = c["ref"].astype(np.float64).ravel()
        ok = got.shape == ref.shape and np.allclose(
            got, ref, rtol=c["tol"], atol=c["tol"], equal_nan=True)
        err = (np.nanmax(np.abs(got - ref)) if got.shape == ref.shape
               and ref.size else float("nan"))
        print(f"{'ok  ' if ok else 'FAIL'} {c['name']} (max abs err {err:.2e})")
        if not ok:
            failures += 1
            print("  expected:", np.array2string(ref, precision=5))
            print("  got:     ", np.array2string(got, precision=5))
    if skipped:
        print(f"skipped {skipped} cases that need torch")
    if failures:
        sys.exit(f"{failures} of {len(cases)} cases FAILED")
    print(f"ALL {len(cases)} CASES PASSED")


if __name__ == "__main__":
    main()
