#!/usr/bin/env bash
# Kiln vs onnxruntime and PyTorch, in one run, on this machine.
#
# usage: bench/run.sh [--set public|wide] [--build DIR] [--models DIR]
#                     [--wide-models DIR] [--iters N] [--repeats R]
#                     [--out FILE] [MODEL...]
# Compiles each model with model-compile -O3 and checks its output against the
# reference output (name.out0.npy, PyTorch's) before timing it; then for 1 and
# 2 threads runs the Kiln executable (--bench N), onnxruntime-node
# (bench/ort_run.js) and PyTorch eager (bench/torch_run.py, the module the
# model was exported from) R times, alternating, and keeps the best median of
# each. Each model is also compiled at -O2 for the compile table: wall time,
# the executable's .text (code: the weights are in .lrodata) and the ONNX node
# count. Writes a markdown file with the machine it ran on, the geomean
# speedups and the lowest ratio.
# --set public (default): the public evaluation set in --models DIR
# (../shared/models: name.onnx, name.in0.npy..., name.out0.npy, GFLOPs from
# its manifest.json); output bench/RESULTS.md.
# --set wide: the public set plus the wider set of bench/make_bench_models.py
# (issue 14), exported into --wide-models DIR (bench/work/wide) when missing;
# output bench/RESULTS-wide.md. MODEL... picks models of either set by name.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build"
models_dir="$root/../shared/models"
wide_dir="$here/work/wide"
set_name=public
iters=50
repeats=3
out=""
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --set) set_name="$2"; shift 2;;
    --build) build="$2"; shift 2;;
    --models) models_dir="$2"; shift 2;;
    --wide-models) wide_dir="$2"; shift 2;;
    --iters) iters="$2"; shift 2;;
    --repeats) repeats="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    -h|--help) sed -n '2,21p' "$0"; exit 0;;
    -*) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 1;;
    *) names+=("$1"); shift;;
  esac
done
python=/usr/bin/python3  # Debian's, with torch/torchvision (install-deps.sh)
public=(mlp_mnist resnet18 mobilenet_v2 bert_tiny_encoder gemm_1024 conv_3x3)
case "$set_name" in
  public) [[ -n "$out" ]] || out="$here/RESULTS.md";;
  wide)
    [[ -n "$out" ]] || out="$here/RESULTS-wide.md"
    mapfile -t wide < <("$python" -c "import sys; sys.path.insert(0, '$here')
import make_bench_models; print('\n'.join(make_bench_models.NAMES))")
    [[ ${#names[@]} -gt 0 ]] || names=("${public[@]}" "${wide[@]}")
    missing=()
    for name in "${wide[@]}"; do
      [[ -f "$wide_dir/$name.onnx" ]] || missing+=("$name")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
      echo "== exporting ${missing[*]} into $wide_dir" >&2
      "$python" "$here/make_bench_models.py" "$wide_dir" "${missing[@]}" >&2
    fi;;
  *) echo "run.sh: --set is 'public' or 'wide', not '$set_name'" >&2; exit 1;;
esac
[[ ${#names[@]} -gt 0 ]] || names=("${public[@]}")

if [[ ! -d "$here/node_modules/onnxruntime-node" ]]; then
  (cd "$here" && npm install --ignore-scripts --no-audit --no-fund >/dev/null)
fi
work="$here/work"
mkdir -p "$work"

median_of() { sed -n 's/.*median=\([0-9.]*\).*/\1/p'; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
# The directory holding NAME.onnx: the public set's, else the wide set's.
dir_of() {
  if [[ -f "$models_dir/$1.onnx" ]]; then echo "$models_dir"
  elif [[ -f "$wide_dir/$1.onnx" ]]; then echo "$wide_dir"
  else echo "run.sh: no model '$1' in $models_dir or $wide_dir" >&2; return 1; fi
}
gflops_of() {
  local manifest="$1/manifest.json"
  [[ -f "$manifest" ]] || { echo 0; return; }
  node -e "const m=require('$manifest').models.find(x=>x.name==='$2');console.log(m?m.gflops:0)"
}
nodes_of() {
  "$python" -c "import onnx, sys; print(len(onnx.load(sys.argv[1], load_external_data=False).graph.node))" "$1"
}
# Size in bytes of section $2 of executable $1 (0 when absent).
section_size() { size -A "$1" | awk -v s="$2" '$1==s { print $2; f=1 } END { if (!f) print 0 }'; }
now() { date +%s.%N; }
# compile_at LEVEL MODEL OUT: model-compile -LEVEL MODEL -o OUT; prints the
# seconds it took. Its stderr goes to $work/$name.LEVEL.log (shown on failure).
compile_at() {
  local log="$work/$name.$1.log" start
  start=$(now)
  if ! "$build/bin/model-compile" "-$1" "$2" -o "$3" 2> "$log"; then
    cat "$log" >&2
    return 1
  fi
  awk -v s="$start" -v e="$(now)" 'BEGIN{printf "%.1f", e - s}'
}
first_error() { grep -m1 -i error "$1" || head -1 "$1"; }
# Single-core FP32 FMA peak of this machine kind (../shared/NOTES-codegen.md).
peak_per_thread=117

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
compiles=()
checks=()
for name in "${names[@]}"; do
  dir=$(dir_of "$name")
  model="$dir/$name.onnx"
  inputs=("$dir/$name".in*.npy)
  echo "== $name" >&2
  nodes=$(nodes_of "$model")
  # -O2 (the default): compile time and code size.
  if ! o2=$(compile_at O2 "$model" "$work/$name.O2"); then
    checks+=("$name: FAILED to compile at -O2 ($(first_error "$work/$name.O2.log"))")
    compiles+=("| $name | $nodes | failed | - | - | - | - |")
    continue
  fi
  if ! o3=$(compile_at O3 "$model" "$work/$name"); then
    checks+=("$name: FAILED to compile at -O3 ($(first_error "$work/$name.O3.log"))")
    compiles+=("| $name | $nodes | $o2 | failed | - | - | - |")
    continue
  fi
  compiles+=("$(awk -v n="$name" -v c="$nodes" -v a="$o2" -v b="$o3" -v t2="$(section_size "$work/$name.O2" .text)" \
    -v t3="$(section_size "$work/$name" .text)" -v w="$(section_size "$work/$name.O2" .lrodata)" \
    'BEGIN{printf "| %s | %d | %s | %s | %.0f | %.0f | %.1f |", n, c, a, b, t2 / 1024, t3 / 1024, w / 1048576}')")
  echo "${compiles[-1]}" >&2
  # The -O3 executable must reproduce the reference output (PyTorch's) before
  # its time counts: a model that does not is timed but marked, and left out
  # of the geomeans.
  label="$name"
  reference="$dir/$name.out0.npy"
  if [[ -f "$reference" ]]; then
    if ! "$work/$name" "${inputs[@]}" -o "$work/$name.out0.npy" > "$work/$name.run.log" 2>&1; then
      checks+=("$name: the -O3 executable FAILED ($(head -1 "$work/$name.run.log"))")
      continue
    fi
    if check=$("$python" "$root/test/utils/compare.py" "$work/$name.out0.npy" "$reference" --rel 1e-4 2>&1); then
      checks+=("$name: matches")
    else
      checks+=("$name: MISMATCH ($(echo "$check" | head -1))")
      label="$name (MISMATCH)"
      echo "error: $name: the -O3 output does not match $reference" >&2
    fi
  else
    checks+=("$name: no reference output")
  fi
  gf=$(gflops_of "$dir" "$name")
  for t in 1 2; do
    k=(); o=(); p=()
    for _ in $(seq "$repeats"); do
      k+=("$("$work/$name" "${inputs[@]}" --bench "$iters" --threads "$t" | median_of)")
      o+=("$(node "$here/ort_run.js" "$model" "${inputs[@]}" --threads "$t" --bench "$iters" | median_of)")
      p+=("$("$python" "$here/torch_run.py" "$name" "${inputs[@]}" --threads "$t" --bench "$iters" | median_of)")
    done
    kb=$(best "${k[@]}"); ob=$(best "${o[@]}"); pb=$(best "${p[@]}")
    rows+=("$(awk -v n="$label" -v t="$t" -v k="$kb" -v o="$ob" -v q="$pb" -v g="$gf" -v p="$peak_per_thread" 'BEGIN{
      gs = (g > 0) ? g / (k / 1000) : 0;
      printf "| %s | %d | %.3f | %.3f | %.3f | %.2fx | %.2fx | %.1f | %.0f%% |", n, t, k, o, q, o / k, q / k, gs, 100 * gs / (p * t) }')")
    echo "${rows[-1]}" >&2
  done
done

# geomean THREADS COLUMN: geometric mean of (baseline ms / Kiln ms) over the
# rows of THREADS threads whose output matched; COLUMN 5 is ORT, 6 PyTorch.
geomean() { awk -v t="$1" -v c="$2" -F'|' '$3+0==t && $2 !~ /MISMATCH/ { s += log($4+0 ? $c/$4 : 1); n++ } END { printf "%.2fx (%d models)", n ? exp(s/n) : 0, n }'; }
# lowest THREADS: the matched model with the lowest speedup over ORT.
lowest() { awk -v t="$1" -F'|' '$3+0==t && $2 !~ /MISMATCH/ { r = $5 / $4; if (!n++ || r < m) { m = r; w = $2 } } END { if (n) printf "%s %.2fx", w, m; else printf "none" }' | sed 's/  */ /g; s/^ //'; }
{
  echo "# Kiln vs onnxruntime ($(date -u +%Y-%m-%d), set: $set_name)"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p') ($(grep -q avx512f /proc/cpuinfo && echo AVX-512 || echo 'AVX2, no AVX-512')), $(nproc) cores; ORT = onnxruntime-node 1.30.0"
  echo "(CPU EP, graph optimizations 'all'); PyTorch $("$python" -c 'import torch; print(torch.__version__)') eager, inference_mode."
  echo "Kiln at commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- lib include runtime tools passes dialects 2>/dev/null || echo ' (with uncommitted compiler changes)')."
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
  echo "Geomean speedup over ORT: 1 thread $(geomean 1 5 <<< "$table"), 2 threads $(geomean 2 5 <<< "$table")."
  echo "Geomean speedup over PyTorch: 1 thread $(geomean 1 6 <<< "$table"), 2 threads $(geomean 2 6 <<< "$table")."
  echo "Lowest speedup over ORT: 1 thread $(lowest 1 <<< "$table"), 2 threads $(lowest 2 <<< "$table")."
  echo
  echo "Outputs of the -O3 executables against the reference outputs"
  echo "(max|out - ref| <= 1e-4 * max|ref|, test/utils/compare.py): $(IFS=';'; echo "${checks[*]}" | sed 's/;/; /g')."
  echo
  echo "## Compile time and code size"
  echo
  echo "Wall seconds of \`model-compile -O2|-O3 MODEL -o EXE\` (one compile, not the"
  echo "best of several: the load above applies); .text of the executable in KiB"
  echo "(\`size -A\`: the model's code plus the runtime's; the weights are in"
  echo ".lrodata, listed separately)."
  echo
  echo "| model | ONNX nodes | -O2 s | -O3 s | .text KiB (-O2) | .text KiB (-O3) | weights MiB |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${compiles[@]}"
} > "$out"
cat "$out"
