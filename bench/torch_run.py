#!/usr/bin/env python3
"""PyTorch eager baseline for bench/run.sh.

usage: torch_run.py NAME INPUT.npy... [--threads T] [--bench N]

Builds the PyTorch module that the model NAME was exported from: for the
public models, the same architecture and shapes as
../shared/models/README.md (weights are random, which does not change the
time); for the wider set, the module bench/make_bench_models.py exports
(build(NAME): same seed, same weights). Runs it under
torch.inference_mode() with T intra-op threads and prints the same line as
Kiln executables and ort_run.js:
    latency_ms: min=<x> median=<y> mean=<z>
"""
import argparse
import os
import statistics
import sys
import time



def build(name):
    nn = torch.nn
    if name == "mlp_mnist":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(),
                             nn.Linear(512, 256), nn.ReLU(),
                             nn.Linear(256, 10))
    if name in ("resnet18", "mobilenet_v2"):
        import torchvision
        return getattr(torchvision.models, name)(weights=None)
    if name == "bert_tiny_encoder":
        layer = nn.TransformerEncoderLayer(d_model=256, nhead=4,
                                           dim_feedforward=1024, dropout=0.0,
                                           activation="gelu", batch_first=True)
        return nn.TransformerEncoder(layer, num_layers=2,
                                     enable_nested_tensor=False)
    if name == "gemm_1024":
        class MatMul(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.randn(1024, 1024))

            def forward(self, x):
                return torch.matmul(x, self.w)
        return MatMul()
    if name == "conv_3x3":
        return nn.Conv2d(64, 64, 3, padding=1)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_bench_models
    if name in make_bench_models.NAMES:
        return make_bench_models.build(name)[0]
    raise SystemExit("torch_run.py: no PyTorch module for model '%s'" % name)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bench", type=int, default=20)
    args = p.parse_args()
    # PyTorch's own pool and the BLAS it calls (OpenBLAS runs its own
    # threads otherwise): set before torch is imported.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    # Debian's OpenBLAS still starts a thread per core: keep the process on
    # T cores so that "T threads" means T cores' worth of compute.
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > args.threads:
        os.sched_setaffinity(0, cpus[:args.threads])
    global torch
    import numpy as np  # numpy starts OpenBLAS's threads too
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build(args.name).eval()
    xs = [torch.from_numpy(np.load(path)) for path in args.inputs]
    times = []
    with torch.inference_mode():
        for _ in range(10):
            model(*xs)
        for _ in range(args.bench):
            t0 = time.perf_counter()
            model(*xs)
            times.append((time.perf_counter() - t0) * 1e3)
    print("latency_ms: min=%.4f median=%.4f mean=%.4f"
          % (min(times), statistics.median(times), statistics.mean(times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
