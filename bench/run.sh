#!/usr/bin/env bash
# Kiln vs onnxruntime, in one run, on this machine.
#
# usage: bench/run.sh [--build DIR] [--models DIR] [--iters N] [--repeats R]
#                     [--out FILE] [MODEL...]
# Compiles each model with model-compile -O3 and checks its output against the
# reference output (name.out0.npy, when there is one); then for 1 and 2
# threads runs the Kiln executable (--bench N), onnxruntime-node
# (bench/ort_run.js) and PyTorch eager (bench/torch_run.py, the module the
# model was exported from) R times, alternating, and keeps the best median of
# each. Writes a markdown table
# (default bench/RESULTS.md) with the machine it ran on. Models default to the
# public evaluation set in ../shared/models (name.onnx + name.in0.npy; GFLOPs
# from its manifest.json when present).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build"
models_dir="$root/../shared/models"
iters=50
repeats=3
out="$here/RESULTS.md"
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2;;
    --models) models_dir="$2"; shift 2;;
    --iters) iters="$2"; shift 2;;
    --repeats) repeats="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    -h|--help) sed -n '2,14p' "$0"; exit 0;;
    *) names+=("$1"); shift;;
  esac
done
[[ ${#names[@]} -gt 0 ]] || names=(mlp_mnist resnet18 mobilenet_v2 bert_tiny_encoder gemm_1024 conv_3x3)

if [[ ! -d "$here/node_modules/onnxruntime-node" ]]; then
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
fi
work="$here/work"
mkdir -p "$work"
python=/usr/bin/python3  # Debian's, with torch/torchvision (install-deps.sh)

median_of() { sed -n 's/.*median=\([0-9.]*\).*/\1/p'; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
gflops_of() {
  local manifest="$models_dir/manifest.json"
  [[ -f "$manifest" ]] || { echo 0; return; }
  node -e "const m=require('$manifest').models.find(x=>x.name==='$1');console.log(m?m.gflops:0)"
}
# Single-core FP32 FMA peak of this machine kind (../shared/NOTES-codegen.md).
peak_per_thread=117

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
checks=()
for name in "${names[@]}"; do
  model="$models_dir/$name.onnx"; input="$models_dir/$name.in0.npy"
  echo "== $name" >&2
  "$build/bin/model-compile" -O3 "$model" -o "$work/$name"
  # The -O3 executable must reproduce the reference output (PyTorch's) before
  # its time counts.
  reference="$models_dir/$name.out0.npy"
  if [[ -f "$reference" ]]; then
    "$work/$name" "$input" -o "$work/$name.out0.npy"
    if check=$("$python" "$root/test/utils/compare.py" "$work/$name.out0.npy" "$reference" --rel 1e-4 2>&1); then
      checks+=("$name: matches")
    else
      checks+=("$name: MISMATCH ($(echo "$check" | head -1))")
      echo "error: $name: the -O3 output does not match $reference" >&2
    fi
  else
    checks+=("$name: no reference output")
  fi
  gf=$(gflops_of "$name")
  for t in 1 2; do
    k=(); o=(); p=()
    for _ in $(seq "$repeats"); do
      k+=("$("$work/$name" "$input" --bench "$iters" --threads "$t" | median_of)")
      o+=("$(node "$here/ort_run.js" "$model" "$input" --threads "$t" --bench "$iters" | median_of)")
      p+=("$("$python" "$here/torch_run.py" "$name" "$input" --threads "$t" --bench "$iters" | median_of)")
    done
    kb=$(best "${k[@]}"); ob=$(best "${o[@]}"); pb=$(best "${p[@]}")
    rows+=("$(awk -v n="$name" -v t="$t" -v k="$kb" -v o="$ob" -v q="$pb" -v g="$gf" -v p="$peak_per_thread" 'BEGIN{
      gs = (g > 0) ? g / (k / 1000) : 0;
      printf "| %s | %d | %.3f | %.3f | %.3f | %.2fx | %.2fx | %.1f | %.0f%% |", n, t, k, o, q, o / k, q / k, gs, 100 * gs / (p * t) }')")
    echo "${rows[-1]}" >&2
  done
done

# geomean THREADS COLUMN: geometric mean of (baseline ms / Kiln ms) over the
# rows of THREADS threads; COLUMN 5 is ORT, 6 PyTorch.
geomean() { awk -v t="$1" -v c="$2" -F'|' '$3+0==t { s += log($4+0 ? $c/$4 : 1); n++ } END { printf "%.2f", n ? exp(s/n) : 0 }'; }
{
  echo "# Kiln vs onnxruntime ($(date -u +%Y-%m-%d))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; ORT = onnxruntime-node 1.30.0"
  echo "(CPU EP, graph optimizations 'all'); PyTorch $("$python" -c 'import torch; print(torch.__version__)') eager, inference_mode."
  echo "Median ms of $iters runs, best of $repeats alternating runs."
  echo "Kiln: model-compile -O3 --mcpu=native. % peak against ${peak_per_thread} GFLOP/s per thread."
  echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "(the machine is shared: two-thread figures suffer most from other processes)."
  echo
  echo "| model | threads | Kiln ms | ORT ms | PyTorch ms | vs ORT | vs PyTorch | GFLOP/s | % peak |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  table=$(printf '%s\n' "${rows[@]}")
  echo "Geomean speedup over ORT: 1 thread $(geomean 1 5 <<< "$table")x, 2 threads $(geomean 2 5 <<< "$table")x."
  echo "Geomean speedup over PyTorch: 1 thread $(geomean 1 6 <<< "$table")x, 2 threads $(geomean 2 6 <<< "$table")x."
  echo
  echo "Outputs of the -O3 executables against the reference outputs"
  echo "(max|out - ref| <= 1e-4 * max|ref|, test/utils/compare.py): $(IFS=';'; echo "${checks[*]}" | sed 's/;/; /g')."
} > "$out"
cat "$out"
