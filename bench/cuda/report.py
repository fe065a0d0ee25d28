#!/usr/bin/env python3
"""Writes bench/RESULTS-cuda.md from the records of bench/cuda/run_device.sh.

usage: report.py RECORDS.tsv [RECORDS.tsv...] -o OUT.md

Several records files (one per device call, when the prepared folders were
carried in two calls) merge into one report; the first file's machine line
heads it. Record lines (tab-separated):
  machine  DESCRIPTION  CPUS  DATE
  mode     TARGET  ITERS  COMMIT
  kiln     FOLDER  PREC  ok|FAIL  RUN_MS  KERNELS_MS  TOL  MESSAGE
  torch    NAME  eager|compile|cublas|cpu-matmul  PREC  E2E_MS  DEVICE_MS  NOTE
"""
import argparse
import math
import sys


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def fmt(x, digits=3):
    return "-" if x is None else ("%.*g" % (digits, x))


def ratio(num, den):
    return num / den if num is not None and den else None


def read(paths):
    meta, kiln, torch = {}, [], {}
    for path in paths:
        with open(path) as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                kind = fields[0]
                if kind in ("machine", "mode"):
                    meta.setdefault(kind, fields[1:])
                elif kind == "kiln" and len(fields) >= 8:
                    kiln.append(fields[1:8])
                elif kind == "torch" and len(fields) >= 7:
                    _, name, mode, prec, e2e, dev, note = fields[:7]
                    torch[(name, mode, prec)] = (number(e2e), number(dev), note)
                elif kind:
                    print("report.py: %s: ignoring the line %r" % (path, line),
                          file=sys.stderr)
    return meta, kiln, torch


def geomean(values):
    values = [v for v in values if v]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def write(meta, kiln, torch, out):
    machine = meta.get("machine", ["?", "?", "?"])
    target, iters, commit = (meta.get("mode", ["?", "?", "?"]) + ["?"] * 3)[:3]
    lines = ["# Kiln `--target=cuda` on a GPU: checks and times", ""]
    if target != "cuda":
        lines += ["**EMULATION RUN (`run_device.sh --emu`): the executables are "
                  "`--target=%s` builds run by the host emulation and PyTorch "
                  "ran on the CPU. This only exercises the script; no time "
                  "below is a GPU time.**" % target, ""]
    lines += ["Written by `bench/cuda/run_device.sh` (commit %s) on %s: %s, %s."
              % (commit, machine[2] if len(machine) > 2 else "?", machine[0],
                 machine[1] if len(machine) > 1 else "?"),
              "Medians of %s runs. Two scopes: *end to end* (Kiln: its "
              "executables' `--bench`, CUDA events around each run, "
              "host<->device copies included; PyTorch: input in host memory "
              "to output in host memory) and *on device* (Kiln: "
              "`KILN_CUDA_TIMING=kernels`, from its first kernel's start to "
              "its last kernel's end; PyTorch: data left on the GPU). "
              "Speedup = PyTorch time / Kiln time in the same scope (above 1: "
              "Kiln is faster). PyTorch fp32 runs with TF32 off; torch.compile "
              "is the default mode at fp32." % iters, ""]

    models = [k for k in kiln if not k[0].startswith("matmul_")]
    matmuls = [k for k in kiln if k[0].startswith("matmul_")]
    if models:
        lines += ["## Models", "",
                  "| model | precision | check (tolerance x max\\|ref\\|) "
                  "| Kiln ms | PyTorch eager ms | speedup | torch.compile ms "
                  "| speedup | Kiln on device ms | PyTorch eager on device ms "
                  "| speedup on device |",
                  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        speedups, device_speedups = [], []
        for name, prec, status, run_ms, kernels_ms, tol, message in models:
            k, kk = number(run_ms), number(kernels_ms)
            e2e, dev, note = torch.get((name, "eager", prec), (None, None, "not run"))
            c2e, _, cnote = torch.get((name, "compile", "fp32"), (None, None, "not run"))
            if prec != "fp32":
                c2e, cnote = None, "fp32 only"
            ok = status == "ok"
            s = ratio(e2e, k) if ok else None
            sd = ratio(dev, kk) if ok else None
            speedups += [s] if s else []
            device_speedups += [sd] if sd else []
            check = "ok (%s)" % tol if ok else "**FAIL** (%s): %s" % (tol, message)
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, prec, check, fmt(k), fmt(e2e) if e2e else note or "-",
                fmt(s), fmt(c2e) if c2e else cnote or "-",
                fmt(ratio(c2e, k) if ok else None), fmt(kk), fmt(dev), fmt(sd)))
        lines += ["", "Geomean speedup over PyTorch eager: %s end to end, %s on "
                  "device." % (fmt(geomean(speedups)), fmt(geomean(device_speedups))),
                  ""]

    sizes = sorted({int(k[0].split("_")[1]) for k in matmuls} |
                   {int(n.split("_")[1]) for (n, _, _) in torch
                    if n.startswith("matmul_")})
    if sizes:
        lines += ["## MatMul N x N x N", "",
                  "Kiln: `Y = A @ B` with A and B inputs, checked against A @ B in "
                  "float64. cuBLAS: torch.matmul at the same precision (bf16: "
                  "bfloat16 operands). *% of cuBLAS*: cuBLAS's time over "
                  "Kiln's, both on device (Kiln's kernels only).",
                  "",
                  "| N | precision | check | Kiln ms | torch.matmul end to end ms "
                  "| speedup | Kiln on device ms | Kiln TFLOP/s "
                  "| cuBLAS on device ms | cuBLAS TFLOP/s | % of cuBLAS |",
                  "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, prec, status, run_ms, kernels_ms, tol, message in sorted(
                matmuls, key=lambda k: (int(k[0].split("_")[1]), k[1])):
            n = int(name.split("_")[1])
            gflop = 2.0 * n ** 3 / 1e9
            k, kk = number(run_ms), number(kernels_ms)
            mode = "cublas" if (name, "cublas", prec) in torch else "cpu-matmul"
            e2e, dev, _ = torch.get((name, mode, prec), (None, None, ""))
            check = "ok (%s)" % tol if status == "ok" else "**FAIL**: %s" % message
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                n, prec, check, fmt(k), fmt(e2e), fmt(ratio(e2e, k)), fmt(kk),
                fmt(ratio(gflop, kk)), fmt(dev), fmt(ratio(gflop, dev)),
                fmt(100 * ratio(dev, kk) if kk and dev else None)))
        lines += ["", "torch.matmul alone (on device ms, TFLOP/s):", "",
                  "| N | fp32 | tf32 | bf16 |", "|---:|---:|---:|---:|"]
        for n in sizes:
            cells = []
            for prec in ("fp32", "tf32", "bf16"):
                entry = (torch.get(("matmul_%d" % n, "cublas", prec)) or
                         torch.get(("matmul_%d" % n, "cpu-matmul", prec)))
                if not entry or entry[1] is None:
                    cells.append(entry[2] if entry and entry[2] else "-")
                else:
                    cells.append("%s (%s)" % (fmt(entry[1]),
                                              fmt(2.0 * n ** 3 / 1e9 / entry[1])))
            lines.append("| %d | %s |" % (n, " | ".join(cells)))
        lines.append("")

    failed = [k for k in kiln if k[2] != "ok"]
    lines.append("Checks: %d of %d executables match their reference%s."
                 % (len(kiln) - len(failed), len(kiln),
                    "" if not failed else "; FAILED: " +
                    ", ".join("%s/%s" % (k[0], k[1]) for k in failed)))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("records", nargs="+")
    p.add_argument("-o", "--out", required=True)
    args = p.parse_args()
    write(*read(args.records), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
