#!/usr/bin/env bash
# Dynamic shapes: what a build with ranges costs, in one run, on this machine.
#
# usage: bench/dynamic.sh [--build DIR] [--models DIR] [--iters N] [--repeats R]
#                         [--out FILE] [MODEL...]
# For each public model: a copy with symbolic dims (bench/make_dynamic.py) is
# compiled with ranges (-O3; with and without --specialize-opt) next to the
# pinned model (-O3); all run at the benchmark shape (the model's
# name.in0.npy, output checked against name.out0.npy) at 1 and 2 threads, R alternating runs of N iterations, best
# median kept. Then the ranged build runs at two other shapes against
# onnxruntime-node on the same dynamic model. Writes a markdown table
# (default bench/DYNAMIC.md) naming the machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build"
models_dir="$root/../shared/models"
iters=50
repeats=3
out="$here/DYNAMIC.md"
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2;;
    --models) models_dir="$2"; shift 2;;
    --iters) iters="$2"; shift 2;;
    --repeats) repeats="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    -h|--help) sed -n '2,13p' "$0"; exit 0;;
    *) names+=("$1"); shift;;
  esac
done
[[ ${#names[@]} -gt 0 ]] || names=(mlp_mnist resnet18 mobilenet_v2 bert_tiny_encoder gemm_1024 conv_3x3)

# name -> "symbolic dims|model-compile ranges|other shapes (space-separated)"
declare -A spec=(
  [mlp_mnist]="0=batch|--dim batch=1:1:64|16x784 64x784"
  [resnet18]="0=batch,2=height,3=width|--dim batch=1:1:8 --dim height=64:224:448 --dim width=64:224:448|1x3x160x160 4x3x224x224"
  [mobilenet_v2]="0=batch,2=height,3=width|--dim batch=1:1:8 --dim height=64:224:448 --dim width=64:224:448|1x3x160x160 4x3x224x224"
  # Its reshapes bake batch 1 and sequence 128: timed at that shape only.
  [bert_tiny_encoder]="1=seq|--dim seq=1:128:512|"
  [gemm_1024]="0=m|--dim m=1:1024:2048|256x1024 2048x1024"
  [conv_3x3]="2=height,3=width|--dim height=16:56:112 --dim width=16:56:112|1x64x28x28 1x64x112x112"
)

if [[ ! -d "$here/node_modules/onnxruntime-node" ]]; then
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
fi
work="$here/work/dynamic"
mkdir -p "$work"
python=/usr/bin/python3
median_of() { sed -n 's/.*median=\([0-9.]*\).*/\1/p'; }
best() { printf '%s\n' "$@" | sort -g | head -1; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
others=()
sizes=()
checks=()
for name in "${names[@]}"; do
  IFS='|' read -r dims ranges shapes <<< "${spec[$name]}"
  model="$models_dir/$name.onnx"; input="$models_dir/$name.in0.npy"
  dyn="$work/$name.dyn.onnx"
  echo "== $name" >&2
  "$python" "$here/make_dynamic.py" "$model" "$dyn" --dims "$dims"
  # Three builds: pinned; ranged (the default: with the opt-shape
  # specialization, as the ranges name an OPT size); general (ranged with
  # --specialize-opt=false: the dynamic code alone).
  compiled=""
  for build_kind in pinned ranged general; do
    src="$dyn"; flags=()
    # shellcheck disable=SC2206
    case "$build_kind" in
      pinned) src="$model";;
      ranged) flags=($ranges);;
      general) flags=($ranges --specialize-opt=false);;
    esac
    start=$(date +%s.%N)
    if ! "$build/bin/model-compile" -O3 "$src" "${flags[@]}" -o "$work/$name.$build_kind"; then
      checks+=("$name: the $build_kind build FAILED to compile")
      continue 2
    fi
    compiled+="$(awk -v s="$start" -v e="$(date +%s.%N)" -v b="$(stat -c %s "$work/$name.$build_kind")" \
      'BEGIN{printf " | %.1f s, %.1f MiB", e - s, b / 1048576}')"
  done
  sizes+=("| $name$compiled |")
  for build_kind in ranged general; do
    "$work/$name.$build_kind" "$input" -o "$work/$name.out0.npy"
    if check=$("$python" "$root/test/utils/compare.py" "$work/$name.out0.npy" "$models_dir/$name.out0.npy" --rel 1e-4 2>&1); then
      checks+=("$name ($build_kind): matches")
    else
      checks+=("$name ($build_kind): MISMATCH ($(echo "$check" | head -1))")
    fi
  done
  for t in 1 2; do
    p=(); r=(); g=()
    for _ in $(seq "$repeats"); do
      p+=("$("$work/$name.pinned" "$input" --bench "$iters" --threads "$t" | median_of)")
      r+=("$("$work/$name.ranged" "$input" --bench "$iters" --threads "$t" | median_of)")
      g+=("$("$work/$name.general" "$input" --bench "$iters" --threads "$t" | median_of)")
    done
    pb=$(best "${p[@]}"); rb=$(best "${r[@]}"); gb=$(best "${g[@]}")
    rows+=("$(awk -v n="$name" -v t="$t" -v p="$pb" -v r="$rb" -v q="$gb" -v g="$ranges" 'BEGIN{
      printf "| %s | `%s` | %d | %.3f | %.3f | %.2fx | %.3f | %.2fx |", n, g, t, p, r, r / p, q, q / p }')")
    echo "${rows[-1]}" >&2
  done
  for shape in $shapes; do
    x="$work/$name.$shape.npy"
    "$python" "$here/make_dynamic.py" "$model" "$dyn" --dims "$dims" \
      --input "$input" --shape "$shape" --out-input "$x"
    for t in 1 2; do
      k=(); o=()
      for _ in $(seq "$repeats"); do
        k+=("$("$work/$name.ranged" "$x" --bench "$iters" --threads "$t" | median_of)")
        o+=("$(node "$here/ort_run.js" "$dyn" "$x" --threads "$t" --bench "$iters" | median_of)")
      done
      kb=$(best "${k[@]}"); ob=$(best "${o[@]}")
      others+=("$(awk -v n="$name" -v s="$shape" -v t="$t" -v k="$kb" -v o="$ob" 'BEGIN{
        printf "| %s | %s | %d | %.3f | %.3f | %.2fx |", n, s, t, k, o, o / k }')")
      echo "${others[-1]}" >&2
    done
  done
done

{
  echo "# Dynamic shapes: ranged builds against pinned ones and onnxruntime ($(date -u +%Y-%m-%d))"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; ORT = onnxruntime-node 1.30.0."
  echo "Median ms of $iters runs, best of $repeats alternating runs; model-compile -O3."
  echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "## A build with ranges at the benchmark shape (target: ranged / pinned <= 1.15x)"
  echo
  echo "The ranges name the benchmark shape as OPT: the ranged build runs its"
  echo "opt-shape specialization there; the general build (--specialize-opt=false)"
  echo "runs the dynamic code, as a ranged build does at any other shape."
  echo
  echo "| model | ranges | threads | pinned ms | ranged ms | ranged / pinned | general ms | general / pinned |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Compile time (-O3) and executable size:"
  echo
  echo "| model | pinned | ranged | general |"
  echo "|---|---|---|---|"
  printf '%s\n' "${sizes[@]}"
  echo
  echo "## The ranged build at other shapes against onnxruntime (same dynamic model)"
  echo
  echo "| model | shape | threads | Kiln ms | ORT ms | vs ORT |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${others[@]}"
  echo
  echo "Outputs of the ranged builds at the benchmark shape against the reference"
  echo "outputs (1e-4 x max|ref|): $(IFS=';'; echo "${checks[*]}" | sed 's/;/; /g')."
} > "$out"
cat "$out"
