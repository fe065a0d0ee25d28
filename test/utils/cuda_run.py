#!/usr/bin/env python3
"""Run an executable compiled with --target=cuda, with or without a GPU.

CLI:  cuda_run.py EXE INPUT OUTPUT REF [--rel 1e-4]

On a machine where the CUDA driver finds a device, runs `EXE INPUT -o OUTPUT`
and compares OUTPUT with REF (compare.py's criterion). Elsewhere (no
libcuda.so.1, or no device), the executable must fail cleanly: exit status
1, nothing on stdout, and one line on stderr starting with
`error: no CUDA driver/device: `. Prints which case it checked; exit status
0 when the case holds, 1 otherwise.
"""

import argparse
import ctypes
import subprocess
import sys

import compare


def cuda_device_count():
    """Number of CUDA devices the driver sees (0 without a driver)."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    if cuda.cuInit(0) != 0:
        return 0
    count = ctypes.c_int(0)
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("exe")
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("ref")
    parser.add_argument("--rel", type=float, default=1e-4)
    args = parser.parse_args()

    p = subprocess.run([args.exe, args.input, "-o", args.output],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, timeout=600)
    if cuda_device_count() > 0:
        if p.returncode != 0:
            print("FAIL: exit status %d on a machine with a GPU:\n%s"
                  % (p.returncode, p.stderr))
            return 1
        ok, message = compare.compare(compare.load(args.output),
                                      compare.load(args.ref), rel=args.rel)
        print(("gpu: " if ok else "FAIL: gpu: ") + message)
        return 0 if ok else 1
    lines = p.stderr.splitlines()
    if (p.returncode == 1 and not p.stdout and len(lines) == 1
            and lines[0].startswith("error: no CUDA driver/device: ")):
        print("no-gpu: clean failure: " + lines[0])
        return 0
    print("FAIL: no GPU: expected exit status 1 and one 'error: no CUDA "
          "driver/device: ...' line, got status %d\nstdout: %s\nstderr: %s"
          % (p.returncode, p.stdout, p.stderr))
    return 1


if __name__ == "__main__":
    sys.exit(main())
