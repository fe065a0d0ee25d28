#!/usr/bin/env python3
"""Compare a tensor produced by a compiled model with a reference tensor.

CLI:  compare.py OUT REF [--rel 1e-4] [--atol A] [--rtol R]

OUT and REF are .npy files (or ONNX TensorProto .pb files).  Exit status 0 when
shapes and dtypes match and the values match:

* default (the project's model acceptance criterion):
      max|out - ref| <= rel * max|ref|          (rel defaults to 1e-4)
* with --atol and/or --rtol: numpy.allclose semantics instead,
      |out - ref| <= atol + rtol * |ref|  elementwise
  (an unspecified one of the two is 0);
* integer and bool tensors must match exactly.

NaNs must appear at the same positions in both tensors.  On a mismatch the
script prints the shape, the max abs error, the location of the worst element
and a few values, and exits with status 1.

As a module:  compare.compare(out, ref, rel=1e-4, atol=None, rtol=None)
returns (ok, message).
"""

import argparse
import sys

import numpy as np


def load(path):
    if path.endswith(".pb"):
        import onnx
        from onnx import numpy_helper
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        return numpy_helper.to_array(t)
    return np.load(path, allow_pickle=False)


def _fmt_shape(shape):
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def compare(out, ref, rel=1e-4, atol=None, rtol=None):
    """Return (ok, message) for out vs ref under the criteria above."""
    out = np.asarray(out)
    ref = np.asarray(ref)
    if out.shape != ref.shape:
        return False, ("shape mismatch: out %s vs ref %s"
                       % (_fmt_shape(out.shape), _fmt_shape(ref.shape)))
    if out.dtype != ref.dtype:
        return False, ("dtype mismatch: out %s vs ref %s (shape %s)"
                       % (out.dtype, ref.dtype, _fmt_shape(out.shape)))
    shape = _fmt_shape(out.shape)
    if out.size == 0:
        return True, "ok: empty tensor of shape %s" % shape

    exact = (np.issubdtype(out.dtype, np.integer) or out.dtype == np.bool_
             or not np.issubdtype(out.dtype, np.number))
    if exact:
        bad = out != ref
        nbad = int(np.count_nonzero(bad))
        if nbad == 0:
            return True, "ok: %s %s exactly equal" % (out.dtype, shape)
        idx = np.unravel_index(int(np.argmax(bad)), out.shape)
        return False, ("mismatch: %s %s, %d of %d elements differ; first at %s: "
                       "out=%s ref=%s" % (out.dtype, shape, nbad, out.size,
                                          tuple(int(i) for i in idx),
                                          out[idx], ref[idx]))

    o = out.astype(np.float64)
    r = ref.astype(np.float64)
    nan_o, nan_r = np.isnan(o), np.isnan(r)
    if not np.array_equal(nan_o, nan_r):
        idx = np.unravel_index(int(np.argmax(nan_o != nan_r)), out.shape)
        return False, ("NaN mismatch: %s %s, %d NaNs in out vs %d in ref; first "
                       "difference at %s: out=%r ref=%r"
                       % (out.dtype, shape, int(nan_o.sum()), int(nan_r.sum()),
                          tuple(int(i) for i in idx), o[idx], r[idx]))
    inf_o, inf_r = np.isinf(o), np.isinf(r)
    inf_bad = (inf_o | inf_r) & (o != r)
    if inf_bad.any():
        idx = np.unravel_index(int(np.argmax(inf_bad)), out.shape)
        return False, ("Inf mismatch: %s %s, %d elements where out or ref is "
                       "infinite and they differ; first at %s: out=%r ref=%r"
                       % (out.dtype, shape, int(inf_bad.sum()),
                          tuple(int(i) for i in idx), o[idx], r[idx]))
    # NaNs and equal infinities compare equal; the rest are finite.
    finite = np.isfinite(o) & np.isfinite(r)
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(finite, np.abs(o - r), 0.0)
    max_err = float(err.max())
    where = np.unravel_index(int(np.argmax(err)), out.shape)
    loc = tuple(int(i) for i in where)
    ref_abs = np.abs(r[finite])
    max_ref = float(ref_abs.max()) if ref_abs.size else 0.0

    if atol is not None or rtol is not None:
        a = 0.0 if atol is None else float(atol)
        rt = 0.0 if rtol is None else float(rtol)
        tol = a + rt * np.where(finite, np.abs(r), 0.0)
        bad = err > tol
        nbad = int(np.count_nonzero(bad))
        crit = "allclose(atol=%g, rtol=%g)" % (a, rt)
        if nbad == 0:
            return True, ("ok: %s %s %s, max abs err %.3g"
                          % (out.dtype, shape, crit, max_err))
        first = np.unravel_index(int(np.argmax(bad)), out.shape)
        return False, ("mismatch: %s %s fails %s: %d of %d elements out of "
                       "tolerance; max abs err %.6g at %s (out=%r ref=%r); "
                       "first failing at %s (out=%r ref=%r)"
                       % (out.dtype, shape, crit, nbad, out.size, max_err, loc,
                          o[where], r[where], tuple(int(i) for i in first),
                          o[first], r[first]))

    bound = float(rel) * max_ref
    crit = "max|out-ref| <= %g * max|ref| (= %.6g)" % (rel, bound)
    if max_err <= bound:
        return True, ("ok: %s %s %s, max abs err %.3g"
                      % (out.dtype, shape, crit, max_err))
    return False, ("mismatch: %s %s fails %s: max abs err %.6g at %s "
                   "(out=%r ref=%r), relative to max|ref| %.3g"
                   % (out.dtype, shape, crit, max_err, loc, o[where], r[where],
                      max_err / max_ref if max_ref > 0 else float("inf")))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="tensor produced by the compiled model (.npy/.pb)")
    p.add_argument("ref", help="reference tensor (.npy/.pb)")
    p.add_argument("--rel", type=float, default=1e-4,
                   help="pass when max|out-ref| <= REL * max|ref| (default 1e-4)")
    p.add_argument("--atol", type=float, default=None,
                   help="use numpy.allclose semantics with this atol")
    p.add_argument("--rtol", type=float, default=None,
                   help="use numpy.allclose semantics with this rtol")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print nothing on success")
    args = p.parse_args(argv)
    try:
        out = load(args.out)
        ref = load(args.ref)
    except Exception as e:  # malformed or missing file
        print("compare.py: error: %s" % e, file=sys.stderr)
        return 1
    ok, msg = compare(out, ref, rel=args.rel, atol=args.atol, rtol=args.rtol)
    if ok:
        if not args.quiet:
            print("%s: %s" % (args.out, msg))
        return 0
    print("%s vs %s: %s" % (args.out, args.ref, msg), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
