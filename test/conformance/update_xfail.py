#!/usr/bin/env python3
"""Regenerate test/conformance/xfail.txt from conformance results.

usage: update_xfail.py BUILD_DIR [--refresh] [--dry-run] [--data-dir DIR]

BUILD_DIR is a build directory in which the conformance suite ran (results in
BUILD_DIR/test/conformance/results/).  For every test with a result:

  PASS           removed from the list (if listed)
  CRASH          never listed: removed, and reported (crashes must be fixed)
  other failure  listed; a test already listed keeps its reason and group
                 (hand-written reasons survive), unless it is under one of the
                 generated group headers and now fails for another class of
                 reason, or --refresh is given: then the reason is derived
                 again from the compiler's/executable's message
Tests without a result (not run) keep their entries; entries that name no
test of the test data are dropped.  The header comment of the file is kept;
entries are grouped under `# ---- CLASS (N) ----` headers, largest first.
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_backend  # noqa: E402

DEFAULT_HEADER = """\
# ONNX backend conformance: expected failures (see README.md).
#
# One test per line: `CATEGORY/TEST  reason`, grouped by the class of the
# reason.  A listed test must fail (XFAIL); when it passes, the suite fails
# (XPASS) until it is removed from here.  Crashes are never listed: a crash
# fails the suite even for a listed test.  Regenerate with
#   test/conformance/update_xfail.py BUILD_DIR
# which keeps hand-written reasons.
"""

AUTO_CLASSES = {c for c, _ in onnx_backend.REASON_CLASSES} | {
    "other compile error", "numeric mismatch", "shape or dtype mismatch",
    "runtime error", "timeout"}


def read_header(path):
    """The comment block at the top of the file (before the first group
    header or entry)."""
    if not os.path.exists(path):
        return DEFAULT_HEADER
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s and not s.startswith("#"):
                break
            if s.startswith("#") and s.lstrip("# ").startswith("----"):
                break
            lines.append(line.rstrip("\n"))
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines) + "\n" if lines else DEFAULT_HEADER


def render(header, entries, groups):
    by_group = {}
    for name, reason in entries.items():
        by_group.setdefault(groups.get(name) or "other", []).append(name)
    order = sorted(by_group, key=lambda g: (-len(by_group[g]), g))
    width = max([len(n) for n in entries] + [0]) + 2
    out = [header.rstrip("\n"), ""]
    for g in order:
        out.append("# ---- %s (%d) ----" % (g, len(by_group[g])))
        for name in sorted(by_group[g]):
            out.append(("%-*s%s" % (width, name, entries[name])).rstrip())
        out.append("")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("build_dir")
    p.add_argument("--refresh", action="store_true",
                   help="derive every listed reason again from the results")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would change; exit 1 if anything would")
    p.add_argument("--data-dir", default=onnx_backend.DEFAULT_DATA_DIR)
    p.add_argument("--xfail", default=onnx_backend.XFAIL_FILE,
                   help="the list to update (default: %(default)s)")
    args = p.parse_args(argv)

    conf = os.path.join(args.build_dir, "test", "conformance")
    results = onnx_backend.read_results(conf)
    if not results:
        print("update_xfail.py: no results under %s"
              % onnx_backend.results_dir(conf), file=sys.stderr)
        return 1
    entries, groups, errors = onnx_backend.parse_xfail(args.xfail)
    for n, msg in errors:
        print("warning: %s:%d: %s" % (args.xfail, n, msg), file=sys.stderr)
    header = read_header(args.xfail)
    known = {"%s/%s" % (c, n) for c, n, _ in
             onnx_backend.list_tests(args.data_dir)}

    new_e, new_g = {}, {}
    added, removed, updated, crashes = [], [], [], []
    for name in entries:
        if known and name not in known:
            removed.append((name, "no such test"))
        elif name not in results:
            new_e[name], new_g[name] = entries[name], groups[name]
    for name, r in sorted(results.items()):
        # The class from the current classifier (it may have changed).
        kind, cls = r["kind"], onnx_backend.reason_class(r["kind"], r["reason"])
        if kind == "PASS":
            if name in entries:
                removed.append((name, "passes"))
            continue
        if kind == "CRASH":
            crashes.append((name, r["reason"]))
            if name in entries:
                removed.append((name, "crashes (never an expected failure)"))
            continue
        if name in entries and not args.refresh and not (
                groups[name] in AUTO_CLASSES and groups[name] != cls):
            new_e[name], new_g[name] = entries[name], groups[name]
            continue
        new_e[name], new_g[name] = r["reason"], cls
        if name not in entries:
            added.append((name, r["reason"]))
        elif entries[name] != r["reason"]:
            updated.append((name, entries[name], r["reason"]))

    for name, why in removed:
        print("removed  %s  (%s)" % (name, why))
    for name, reason in added:
        print("added    %s  %s" % (name, reason))
    for name, old, new in updated:
        print("updated  %s  %s  ->  %s" % (name, old, new))
    for name, reason in crashes:
        print("CRASH    %s  %s  (not listed: fix the crash)" % (name, reason),
              file=sys.stderr)
    text = render(header, new_e, new_g)
    old = open(args.xfail, encoding="utf-8").read() \
        if os.path.exists(args.xfail) else ""
    changed = text != old
    print("%s: %d entries (%d added, %d removed, %d reasons updated)%s"
          % (args.xfail, len(new_e), len(added), len(removed), len(updated),
             "" if changed else ", unchanged"))
    if args.dry_run:
        return 1 if changed else 0
    if changed:
        with open(args.xfail, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
