#!/usr/bin/env python3
"""Check that an executable needs no shared library beyond the C library.

CLI:  check_deps.py EXE [--allow SONAME-PREFIX ...]

Runs `ldd EXE` (every library the loader would map, transitively) and
`readelf -d EXE` (the direct DT_NEEDED entries) and fails (exit 1), listing
the offenders, if anything other than these is needed:

    linux-vdso / linux-gate, ld-linux*, libc, libm, libpthread, libdl

A statically linked executable passes.  `--allow libgcc_s` accepts a further
library (matched by soname prefix), for a documented, unavoidable exception.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

ALLOWED = ("linux-vdso.so", "linux-gate.so", "ld-linux", "ld64.so",
           "libc.so", "libm.so", "libpthread.so", "libdl.so")


def _allowed(soname, extra):
    base = os.path.basename(soname)
    return any(base.startswith(p) for p in ALLOWED + tuple(extra))


def ldd_libs(exe):
    """Sonames/paths from ldd, or None when ldd is unavailable."""
    if not shutil.which("ldd"):
        return None
    p = subprocess.run(["ldd", exe], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    text = p.stdout
    if "not a dynamic executable" in text or "statically linked" in text:
        return []
    if p.returncode != 0:
        raise RuntimeError("ldd %s failed:\n%s" % (exe, text))
    libs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        # "libfoo.so.1 => /path/libfoo.so.1 (0x...)", "libfoo.so => not found",
        # "/lib64/ld-linux-x86-64.so.2 (0x...)", "linux-vdso.so.1 (0x...)"
        libs.append(re.split(r"\s+", line)[0])
    return libs


def needed_libs(exe):
    """DT_NEEDED entries from readelf, or None when readelf is unavailable."""
    if not shutil.which("readelf"):
        return None
    p = subprocess.run(["readelf", "-d", exe], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if p.returncode != 0:
        raise RuntimeError("readelf -d %s failed:\n%s" % (exe, p.stdout))
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", p.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("exe")
    ap.add_argument("--allow", action="append", default=[],
                    help="also accept libraries whose soname starts with this")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.exe) or not os.access(args.exe, os.X_OK):
        print("check_deps.py: error: %s is not an executable file" % args.exe,
              file=sys.stderr)
        return 1
    with open(args.exe, "rb") as f:
        if f.read(4) != b"\x7fELF":
            print("check_deps.py: error: %s is not an ELF file" % args.exe,
                  file=sys.stderr)
            return 1
    bad, seen = [], []
    for tool, fn in (("readelf -d", needed_libs), ("ldd", ldd_libs)):
        libs = fn(args.exe)
        if libs is None:
            continue
        seen.append(tool)
        for lib in libs:
            if not _allowed(lib, args.allow) and lib not in bad:
                bad.append(lib)
        print("%s: %s" % (tool, " ".join(libs) if libs else "(none)"))
    if not seen:
        print("check_deps.py: error: neither ldd nor readelf found",
              file=sys.stderr)
        return 1
    if bad:
        print("check_deps.py: error: %s needs shared libraries beyond the C "
              "library: %s" % (args.exe, " ".join(bad)), file=sys.stderr)
        return 1
    print("ok: %s depends only on the C library" % args.exe)
    return 0


if __name__ == "__main__":
    sys.exit(main())
