#!/usr/bin/env python3
"""Print the ONNX backend conformance summary of a build directory.

usage: summary.py BUILD_DIR [--failures] [--reasons N]

Reads the per-test results that the lit runner writes to
BUILD_DIR/test/conformance/results/CATEGORY/TEST.json (the latest result of
every test run in that build directory) and prints

  conformance: node 123/932, pytorch-converted 10/82, ... (total .../...)
  conformance: N of the passes froze shape inputs with --constant-input
  conformance: N of the passes gave dynamic input shapes ranges with --input-shape
  conformance: N of the passes pinned dynamic input shapes with --input-shape
  conformance: PASS n, COMPILE-ERROR n, RUN-ERROR n, MISMATCH n, ...
(the "froze"/"ranged"/"pinned" lines only when there are such passes)

--reasons N   also prints the N most frequent failure reasons (and classes)
--failures    also lists every failing test with its kind and reason
"""
import argparse
import collections
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_backend  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Print the ONNX conformance summary of a build directory.")
    p.add_argument("build_dir")
    p.add_argument("--failures", action="store_true",
                   help="list every failing test")
    p.add_argument("--reasons", type=int, default=0, metavar="N",
                   help="print the N most frequent failure reasons")
    args = p.parse_args(argv)
    conf = os.path.join(args.build_dir, "test", "conformance")
    res = onnx_backend.read_results(conf)
    if not res:
        print("summary.py: no conformance results under %s (run lit on "
              "%s first)" % (onnx_backend.results_dir(conf), conf),
              file=sys.stderr)
        return 1
    print("\n".join(onnx_backend.summary_lines(res)))
    fails = {k: r for k, r in res.items() if r["kind"] != "PASS"}
    if args.reasons:
        classes = collections.Counter(r["class"] for r in fails.values())
        print("\nfailure classes:")
        for c, n in classes.most_common():
            print("  %5d  %s" % (n, c))
        reasons = collections.Counter(r["reason"] for r in fails.values())
        print("\ntop %d failure reasons:" % args.reasons)
        for c, n in reasons.most_common(args.reasons):
            print("  %5d  %s" % (n, c))
    if args.failures:
        print()
        for k in sorted(fails):
            r = fails[k]
            print("%-60s %-13s %s" % (k, r["kind"], r["reason"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
