#!/usr/bin/env python3
"""Numerically checks the lowering of the kiln indexing ops.

gather_elements, scatter_elements, gather_nd and scatter_nd against numpy
references, through numeric_check.py's harness (convert-kiln-to-linalg,
upstream bufferization and LLVM lowering, mlir-runner). Covers negative
indices, out-of-range indices (clamped to the nearest element), duplicate
indices under every reduction, unsigned max, batch dims and slice updates.

Usage: indexing_numeric.py [MODEL_OPT]
Prints one line per case and `ALL <n> CASES PASSED` on success.
"""
import argparse
import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numeric_check as nc  # noqa: E402

rng = np.random.default_rng(7)


def randf(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def fix(idx, size):
    """ONNX index normalization plus the lowering's clamp."""
    idx = np.where(idx < 0, idx + size, idx)
    return np.clip(idx, 0, size - 1)


def gather_elements_ref(x, idx, axis):
    return np.take_along_axis(x, fix(idx, x.shape[axis]), axis)


def scatter_elements_ref(x, idx, upd, axis, fn):
    out = x.copy()
    for p in np.ndindex(*idx.shape):
        q = list(p)
        q[axis] = fix(idx[p], x.shape[axis])
        q = tuple(q)
        out[q] = fn(out[q], upd[p])
    return out


def gather_nd_ref(x, idx, b):
    m = idx.shape[-1]
    out = np.empty(idx.shape[:-1] + x.shape[b + m:], x.dtype)
    for p in np.ndindex(*idx.shape[:-1]):
        t = tuple(fix(idx[p][k], x.shape[b + k]) for k in range(m))
        out[p] = x[p[:b] + t]
    return out


def scatter_nd_ref(x, idx, upd, fn):
    out = x.copy()
    m = idx.shape[-1]
    for p in np.ndindex(*idx.shape[:-1]):
        t = tuple(fix(idx[p][k], x.shape[k]) for k in range(m))
        out[t] = fn(out[t], upd[p])
    return out


REDUCTIONS = {
    "none": (0, lambda old, new: new),
    "add": (1, lambda old, new: old + new),
    "mul": (2, lambda old, new: old * new),
    "max": (3, np.maximum),
    "min": (4, np.minimum),
}


def sig(*arrays_types):
    return ", ".join(nc.ttype(a.shape, e) for a, e in arrays_types)


def cases():
    x = randf(3, 5, 4)
    idx = rng.integers(-5, 5, size=(3, 2, 4))
    nc.case("gather_elements negative indices axis=1",
            [(x, "f32"), (idx, "i64")],
            "%r = kiln.gather_elements %arg0, %arg1 {axis = 1 : i64} : "
            f"({sig((x, 'f32'), (idx, 'i64'))}) -> tensor<3x2x4xf32>",
            gather_elements_ref(x, idx, 1))
    bad = np.array([[7, -9, 2], [0, 3, -1]], np.int32)
    y = randf(2, 3)
    nc.case("gather_elements out-of-range clamps i32 axis=1",
            [(y, "f32"), (bad, "i32")],
            "%r = kiln.gather_elements %arg0, %arg1 {axis = 1 : i64} : "
            f"({sig((y, 'f32'), (bad, 'i32'))}) -> tensor<2x3xf32>",
            gather_elements_ref(y, bad, 1))

    # Duplicates (index 1 twice, and -3 == 1) under every reduction.
    data = randf(4, 3)
    sidx = np.array([[1, 0, 2], [-3, 3, 2]], np.int64)
    upd = randf(2, 3)
    for name, (code, fn) in REDUCTIONS.items():
        nc.case(f"scatter_elements reduction={name} axis=0 duplicates",
                [(data, "f32"), (sidx, "i64"), (upd, "f32")],
                "%r = kiln.scatter_elements %arg0, %arg1, %arg2 "
                f"{{axis = 0 : i64, reduction = {code} : i32}} : "
                f"({sig((data, 'f32'), (sidx, 'i64'), (upd, 'f32'))}) -> "
                "tensor<4x3xf32>",
                scatter_elements_ref(data, sidx, upd, 0, fn))
    udata = np.array([5, 200, 7, 9], np.uint8)
    uidx = np.array([1, 2, 9], np.int64)
    uupd = np.array([100, 250, 3], np.uint8)
    nc.case("scatter_elements max unsigned, out-of-range clamps",
            [(udata, "ui8"), (uidx, "i64"), (uupd, "ui8")],
            "%r = kiln.scatter_elements %arg0, %arg1, %arg2 "
            "{axis = 0 : i64, reduction = 3 : i32} : (tensor<4xui8>, "
            "tensor<3xi64>, tensor<3xui8>) -> tensor<4xui8>",
            scatter_elements_ref(udata, uidx, uupd, 0, np.maximum),
            out_type="ui8")

    g = randf(2, 3, 4)
    gidx = np.array([[[1], [-1], [0], [2], [5]], [[0], [0], [-3], [1], [2]]])
    nc.case("gather_nd batch_dims=1 negative and out-of-range",
            [(g, "f32"), (gidx, "i64")],
            "%r = kiln.gather_nd %arg0, %arg1 {batch_dims = 1 : i64} : "
            f"({sig((g, 'f32'), (gidx, 'i64'))}) -> tensor<2x5x4xf32>",
            gather_nd_ref(g, gidx, 1))
    gidx2 = np.array([[1, 2, 3], [0, -1, -4]])
    nc.case("gather_nd full tuples",
            [(g, "f32"), (gidx2, "i64")],
            "%r = kiln.gather_nd %arg0, %arg1 : "
            f"({sig((g, 'f32'), (gidx2, 'i64'))}) -> tensor<2xf32>",
            gather_nd_ref(g, gidx2, 0))

    s = randf(4, 4, 4)
    nidx = np.array([[0], [2], [-4]])
    nupd = randf(3, 4, 4)
    for name in ("none", "add", "mul"):
        code, fn = REDUCTIONS[name]
        nc.case(f"scatter_nd slices reduction={name}",
                [(s, "f32"), (nidx, "i64"), (nupd, "f32")],
                "%r = kiln.scatter_nd %arg0, %arg1, %arg2 "
                f"{{reduction = {code} : i32}} : "
                f"({sig((s, 'f32'), (nidx, 'i64'), (nupd, 'f32'))}) -> "
                "tensor<4x4x4xf32>",
                scatter_nd_ref(s, nidx, nupd, fn))
    sc = randf(3, 4)
    sidx1 = np.array([-1, 2])
    supd1 = np.array(1.5, np.float32)
    nc.case("scatter_nd one scalar update add",
            [(sc, "f32"), (sidx1, "i64"), (supd1, "f32")],
            "%r = kiln.scatter_nd %arg0, %arg1, %arg2 {reduction = 1 : i32} "
            ": (tensor<3x4xf32>, tensor<2xi64>, tensor<f32>) -> "
            "tensor<3x4xf32>",
            scatter_nd_ref(sc, sidx1, supd1, lambda old, new: old + new))
    e = np.arange(8, dtype=np.int32)
    eidx = np.array([[4], [3], [-1], [12]])
    eupd = np.array([9, 10, 11, 12], np.int32)
    nc.case("scatter_nd elements i32 min",
            [(e, "i32"), (eidx, "i64"), (eupd, "i32")],
            "%r = kiln.scatter_nd %arg0, %arg1, %arg2 {reduction = 4 : i32} "
            ": (tensor<8xi32>, tensor<4x1xi64>, tensor<4xi32>) -> "
            "tensor<8xi32>",
            scatter_nd_ref(e, eidx, eupd, np.minimum), out_type="i32")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_opt", nargs="?", default="model-opt")
    args = parser.parse_args()
    runner = shutil.which("mlir-runner")
    args.llvm_bin = (os.path.dirname(os.path.realpath(runner)) if runner
                     else "/usr/lib/llvm-22/bin")
    args.lib_dir = os.path.join(os.path.dirname(args.llvm_bin), "lib")
    cases()
    results = nc.run(nc.build_module(nc.CASES), args)
    if len(results) != len(nc.CASES):
        sys.exit(f"expected {len(nc.CASES)} results, got {len(results)}")
    failures = 0
    for c, got in zip(nc.CASES, results):
        ref = c["ref"].astype(np.float64).ravel()
        ok = got.shape == ref.shape and np.allclose(got, ref, rtol=1e-5,
                                                    atol=1e-5)
        print(f"{'ok  ' if ok else 'FAIL'} {c['name']}")
        if not ok:
            failures += 1
            print("  expected:", np.array2string(ref, precision=5))
            print("  got:     ", np.array2string(got, precision=5))
    if failures:
        sys.exit(f"{failures} of {len(nc.CASES)} cases FAILED")
    print(f"ALL {len(nc.CASES)} CASES PASSED")


if __name__ == "__main__":
    main()
