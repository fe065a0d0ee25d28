#!/usr/bin/env python3
"""PyTorch side of bench/cuda/run_device.sh (runs on the GPU machine).

usage: torch_cuda.py matmul-data DIR N
         writes DIR/in0.npy, DIR/in1.npy (A, B: N x N float32, seeded) and
         DIR/ref0.npy (A @ B computed in float64, stored as float32)
       torch_cuda.py bench FOLDER... [--iters N] [--device cuda|cpu]
                     [--deadline EPOCH_SECONDS]
         times PyTorch on the prepared folders (PART/NAME, holding
         model.PREC executables: NAME is timed at each such PREC) and
         prints one tab-separated record per measurement
         (bench/cuda/report.py reads them):
           torch  NAME  MODE  PREC  E2E_MS  DEVICE_MS  NOTE
         NAME a public model folder (its PyTorch module: bench/torch_run.py's
         build(), random weights: the time does not depend on them) or
         matmul_N (torch.matmul, i.e. cuBLAS); MODE eager, compile
         (torch.compile, default mode, fp32 only; skipped past the deadline
         or where torch has no compile) or cublas. E2E_MS: the median time
         from the input in host memory to the output in host memory, the
         scope of a Kiln executable's --bench; DEVICE_MS: input already on
         the device, output left there. PREC: fp32 (TF32 off), tf32 (TF32
         on for matmuls and convolutions), bf16 (autocast to bfloat16; for
         torch.matmul, bfloat16 operands).

Medians over --iters runs after 3 warm-up runs, timed with CUDA events on
a GPU (wall clock on the CPU).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def matmul_data(outdir, n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = (rng.standard_normal((n, n), dtype=np.float32) / np.float32(np.sqrt(n)))
    try:
        import torch
        if not torch.cuda.is_available():
            raise ImportError
        ref = (torch.from_numpy(a).cuda().double()
               @ torch.from_numpy(b).cuda().double()).float().cpu().numpy()
    except ImportError:
        ref = (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)
    np.save(os.path.join(outdir, "in0.npy"), a)
    np.save(os.path.join(outdir, "in1.npy"), b)
    np.save(os.path.join(outdir, "ref0.npy"), ref)


class Timer:
    """Median milliseconds of fn() over iters runs, after 3 warm-ups."""

    def __init__(self, torch, device):
        self.torch, self.cuda = torch, device == "cuda"

    def median(self, fn, iters):
        torch = self.torch
        for _ in range(3):
            fn()
        if self.cuda:
            torch.cuda.synchronize()
        times = []
        for _ in range(iters):
            if self.cuda:
                start = torch.cuda.Event(enable_timing=True)
                stop = torch.cuda.Event(enable_timing=True)
                start.record()
                fn()
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
            else:
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
        return statistics.median(times)


def set_precision(torch, prec):
    tf32 = prec == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def record(*fields):
    print("\t".join(str(f) for f in fields), flush=True)


def bench_model(torch, timer, name, folder, prec, mode, device, iters):
    import contextlib
    import torch_run
    torch_run.torch = torch  # build() uses the module-level name
    torch.manual_seed(0)
    model = torch_run.build(name).eval().to(device)
    if mode == "compile":
        model = torch.compile(model)
    host = [np.load(os.path.join(folder, f)) for f in sorted(os.listdir(folder))
            if f.startswith("in") and f.endswith(".npy")]
    dev = [torch.from_numpy(x).to(device) for x in host]
    set_precision(torch, prec)

    def autocast():
        if prec == "bf16":
            return torch.autocast(device_type=device, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def e2e():
        with autocast():
            y = model(*[torch.from_numpy(x).to(device) for x in host])
        return y.float().cpu().numpy()

    def on_device():
        with autocast():
            return model(*dev)

    with torch.inference_mode():
        e2e_ms = timer.median(e2e, iters)
        dev_ms = timer.median(on_device, iters)
    record("torch", name, mode, prec, "%.4f" % e2e_ms, "%.4f" % dev_ms, "")


def bench_matmul(torch, timer, name, n, prec, device, iters):
    rng = np.random.default_rng(n + 1)
    a_host = rng.standard_normal((n, n), dtype=np.float32)
    b_host = rng.standard_normal((n, n), dtype=np.float32)
    dtype = torch.bfloat16 if prec == "bf16" else torch.float32
    a = torch.from_numpy(a_host).to(device).to(dtype)
    b = torch.from_numpy(b_host).to(device).to(dtype)
    set_precision(torch, prec)

    def e2e():
        x = torch.from_numpy(a_host).to(device).to(dtype)
        y = torch.from_numpy(b_host).to(device).to(dtype)
        return torch.matmul(x, y).float().cpu().numpy()

    with torch.inference_mode():
        e2e_ms = timer.median(e2e, iters)
        dev_ms = timer.median(lambda: torch.matmul(a, b), iters)
    record("torch", name, "cublas" if device == "cuda" else "cpu-matmul",
           prec, "%.4f" % e2e_ms, "%.4f" % dev_ms, "")


def precisions_of(folder):
    return sorted({f.split(".", 1)[1] for f in os.listdir(folder)
                   if f.startswith("model.") and not f.endswith(".log")})


def bench(args):
    import torch
    sys.path.insert(0, os.path.join(HERE, ".."))  # bench/torch_run.py
    timer = Timer(torch, args.device)
    folders = [f.rstrip("/") for f in args.folders]
    models = [f for f in folders
              if not os.path.basename(f).startswith("matmul_")]
    matmuls = sorted((f for f in folders if f not in models),
                     key=lambda f: int(os.path.basename(f).split("_")[1]))

    def failed(e):
        return "failed: %s" % (str(e).splitlines() or [repr(e)])[0][:120]

    for folder in models:
        name = os.path.basename(folder)
        for prec in precisions_of(folder):
            try:
                bench_model(torch, timer, name, folder, prec, "eager",
                            args.device, args.iters)
            except Exception as e:  # report, go on with the others
                record("torch", name, "eager", prec, "-", "-", failed(e))
    for folder in matmuls:
        name = os.path.basename(folder)
        n = int(name.split("_")[1])
        iters = args.iters if n < 4096 else max(3, args.iters // 2)
        mode = "cublas" if args.device == "cuda" else "cpu-matmul"
        for prec in ("fp32", "tf32", "bf16"):
            try:
                bench_matmul(torch, timer, name, n, prec, args.device, iters)
            except Exception as e:
                record("torch", name, mode, prec, "-", "-", failed(e))
    # torch.compile last: its compile time is large and the device lease
    # is short, so it runs only while the deadline allows.
    for folder in models:
        name = os.path.basename(folder)
        if not hasattr(torch, "compile"):
            note = "skipped: torch %s has no torch.compile" % torch.__version__
        elif args.deadline and time.time() > args.deadline:
            note = "skipped: past the time budget"
        else:
            try:
                bench_model(torch, timer, name, folder, "fp32", "compile",
                            args.device, args.iters)
                continue
            except Exception as e:
                note = failed(e)
        record("torch", name, "compile", "fp32", "-", "-", note)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "matmul-data":
        if len(sys.argv) != 4:
            raise SystemExit(__doc__)
        matmul_data(sys.argv[2], int(sys.argv[3]))
        return 0
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["bench"])
    p.add_argument("folders", nargs="+")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    p.add_argument("--deadline", type=float, default=0)
    args = p.parse_args()
    bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
