#!/usr/bin/env python3
"""usage: float_format.py N

Checks kiln_string_from_f32/f64 (runtime/strings.c, through
`kiln-runtime-test --format-f32|--format-f64` from PATH) against numpy's
str() of the same float32/float64 values: edge values, their neighbours,
N random bit patterns and N random values over many magnitudes. Prints
'ok: float32 K values' and 'ok: float64 K values', or the first mismatches
and exits 1.
"""
import subprocess
import sys

import numpy as np

N = int(sys.argv[1])
EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-4, -1e-4, 1e16, 9.999e15,
         1e-5, 1.5e20, 12345678.0, 0.9767611, 0.039187793, 0.1, 1 / 3,
         2.0**24, 2.0**53, 1e22, 1e23, 5e-324, 1.4e-45, 3.4028235e38,
         1.7976931348623157e308, 1.2345678901234568e17, 0.0001000001,
         9.9999e-5, 1e15, 1.2345678e15, 100.0, 1.0, -2.5, 1.17549435e-38,
         2.2250738585072014e-308]


def check(dtype, uint, flag, rng):
    with np.errstate(over="ignore"):
        edges = np.array(EDGES).astype(dtype)
        up = np.nextafter(edges, np.array(np.inf, dtype))
        down = np.nextafter(edges, np.array(-np.inf, dtype))
        scaled = (rng.random(N) * 10.0**rng.integers(-12, 22, N)).astype(dtype)
    bits = rng.integers(0, np.iinfo(uint).max, N, dtype=uint,
                        endpoint=True).view(dtype)
    ints = rng.integers(-10**9, 10**9, 1000).astype(dtype)
    values = np.concatenate([edges, up, down, bits, scaled, ints])
    values = values[~np.isnan(values) | (np.arange(values.size) < len(EDGES))]
    stdin = "".join("%x\n" % b for b in values.view(uint))
    out = subprocess.run(["kiln-runtime-test", flag], input=stdin,
                         capture_output=True, text=True, check=True)
    got = out.stdout.split("\n")[:-1]
    if len(got) != values.size:
        sys.exit("%s: %d lines for %d values" % (flag, len(got), values.size))
    bad = [(str(v), g) for v, g in zip(values, got) if str(v) != g]
    for expected, actual in bad[:10]:
        print("%s: numpy %r, kiln %r" % (np.dtype(dtype).name, expected,
                                         actual))
    if bad:
        sys.exit("%d mismatches" % len(bad))
    print("ok: %s %d values" % (np.dtype(dtype).name, values.size))


rng = np.random.default_rng(2024)
check(np.float32, np.uint32, "--format-f32", rng)
check(np.float64, np.uint64, "--format-f64", rng)
