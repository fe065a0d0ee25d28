#!/usr/bin/env bash
# Kernel benchmarks: Kiln vs onnxruntime on single-op models, in one run.
#
# usage: bench/kernels.sh [--build DIR] [--iters N] [--repeats R]
#                         [--threads "1 2"] [--out FILE] [--append] [KERNEL...]
# Generates the models with bench/kernels.py (f32 matmul 256..4096 square and
# transformer shapes, ResNet-18 conv layers, MobileNetV2 depthwise/pointwise
# convs, softmax/layernorm rows), compiles each with model-compile -O3, runs
# Kiln (--bench N) and onnxruntime-node (bench/ort_run.js) R times,
# alternating, and keeps the best median of each. Writes a markdown table
# (default bench/RESULTS-kernels.md; --append adds it to FILE instead).
# Large matmuls run fewer iterations (about 2 s per measurement at most).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build"
iters=30
repeats=3
thread_list="1 2"
out="$here/RESULTS-kernels.md"
append=0
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2;;
    --iters) iters="$2"; shift 2;;
    --repeats) repeats="$2"; shift 2;;
    --threads) thread_list="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    --append) append=1; shift;;
    -h|--help) sed -n '2,12p' "$0"; exit 0;;
    *) names+=("$1"); shift;;
  esac
done

if [[ ! -d "$here/node_modules/onnxruntime-node" ]]; then
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
fi
work="$here/work/kernels"
mkdir -p "$work"
/usr/bin/python3 "$here/kernels.py" "$work" "${names[@]}"

median_of() { sed -n 's/.*median=\([0-9.]*\).*/\1/p'; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
peak_per_thread=117

rows=()
while IFS=$'\t' read -r name gflops what; do
  echo "== $name" >&2
  model="$work/$name.onnx"; input="$work/$name.in0.npy"
  "$build/bin/model-compile" -O3 "$model" -o "$work/$name"
  # ~2 s per measurement at 50 GFLOP/s at most.
  n=$(awk -v g="$gflops" -v i="$iters" 'BEGIN{ n = (g > 0) ? int(100 / g) : i;
        if (n > i) n = i; if (n < 3) n = 3; print n }')
  for t in $thread_list; do
    k=(); o=()
    for _ in $(seq "$repeats"); do
      k+=("$("$work/$name" "$input" --bench "$n" --threads "$t" | median_of)")
      o+=("$(node "$here/ort_run.js" "$model" "$input" --threads "$t" --bench "$n" | median_of)")
    done
    kb=$(best "${k[@]}"); ob=$(best "${o[@]}")
    rows+=("$(awk -v n="$name" -v w="$what" -v t="$t" -v k="$kb" -v o="$ob" -v g="$gflops" -v p="$peak_per_thread" 'BEGIN{
      if (g > 0) { gs = g / (k / 1000); gso = g / (o / 1000);
        printf "| %s | %s | %d | %.3f | %.3f | %.2fx | %.1f | %.0f%% | %.1f |", n, w, t, k, o, o / k, gs, 100 * gs / (p * t), gso }
      else printf "| %s | %s | %d | %.3f | %.3f | %.2fx | - | - | - |", n, w, t, k, o, o / k }')")
    echo "${rows[-1]}" >&2
  done
done < "$work/kernels.tsv"

{
  if [[ $append == 1 ]]; then echo; echo "## Kernels ($(date -u +%Y-%m-%d))"; else
    echo "# Kiln vs onnxruntime: kernels ($(date -u +%Y-%m-%d))"; fi
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average at the end:"
  echo "$(cut -d' ' -f1-3 /proc/loadavg). Single-op models from bench/kernels.py (weights are"
  echo "constants); median ms, best of $repeats alternating runs; % peak against ${peak_per_thread} GFLOP/s per thread."
  echo
  echo "| kernel | what | threads | Kiln ms | ORT ms | speedup | Kiln GFLOP/s | % peak | ORT GFLOP/s |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out.tmp"
if [[ $append == 1 ]]; then cat "$out.tmp" >> "$out"; rm "$out.tmp"; else mv "$out.tmp" "$out"; fi
cat "$out"
