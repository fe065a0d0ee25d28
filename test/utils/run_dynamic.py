#!/usr/bin/env python3
"""Run a model compiled with dynamic dims at every shape dynamic_models.py wrote.

CLI:  run_dynamic.py DIR EXE [--rel 1e-4]

For each k with DIR/in<k>_0.npy: runs `EXE DIR/in<k>_*.npy -o ...` (one -o per
reference DIR/ref<k>_*.npy) and compares every output with its reference
(compare.py's criterion: max|out - ref| <= rel * max|ref|, same shape).
Prints one line per shape; exit status 1 if any run or comparison fails.
"""

import argparse
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("exe")
    p.add_argument("--rel", type=float, default=1e-4)
    args = p.parse_args(argv)
    ok = True
    k = 0
    while os.path.exists(os.path.join(args.dir, f"in{k}_0.npy")):
        ins = sorted(glob.glob(os.path.join(args.dir, f"in{k}_*.npy")))
        refs = sorted(glob.glob(os.path.join(args.dir, f"ref{k}_*.npy")))
        outs = [os.path.join(args.dir, f"out{k}_{j}.npy")
                for j in range(len(refs))]
        cmd = [args.exe] + ins
        for o in outs:
            cmd += ["-o", o]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"shape {k}: {' '.join(cmd)} failed ({run.returncode}):"
                  f" {run.stderr.strip()}")
            ok = False
        else:
            for o, r in zip(outs, refs):
                good, message = compare.compare(compare.load(o),
                                                compare.load(r), rel=args.rel)
                print(f"shape {k}: {message}")
                ok &= good
        k += 1
    if k == 0:
        print(f"no inputs in {args.dir}")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
