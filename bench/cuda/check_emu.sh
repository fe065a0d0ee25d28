#!/usr/bin/env bash
# The CUDA target on every benchmark model, checked without a GPU.
#
# usage: bench/cuda/check_emu.sh [--build DIR] [--models DIR]
#                                [--wide-models DIR] [--work DIR]
#                                [--out FILE] [--no-cuda]
#                                [--precision fp32|tf32|bf16|fp16] [MODEL...]
# For each model: compiles it with --target=cuda (ptxas must accept every
# kernel; needs the CUDA toolkit, $KILN_CUDA_PATH else /usr/local/cuda) and
# with --target=cuda-emu, runs the emulated executable on the model's input
# (every launch twice, in two thread orders: the emulation's race check) and
# compares its output with PyTorch's (test/utils/compare.py: max|out - ref|
# <= 1e-4 x max|ref|). Writes a markdown table (default
# bench/cuda/EMU-CHECK.md): model, input shape, compile result for cuda,
# emulation compile, max error, emulation time.
# Models: the public set in --models DIR (../shared/models), the wider CPU
# benchmark set of bench/make_bench_models.py (exported into --wide-models
# DIR, bench/work/wide, when missing) and a BERT-base-size encoder
# (test/utils/torch_models.py bert_base: 12 layers, hidden 768, 12 heads,
# sequence 128), all at their full input sizes. MODEL... picks some by name.
# --no-cuda skips the --target=cuda compiles (no CUDA toolkit here).
# --precision compiles with --gpu-precision (default fp32) and compares
# within what it allows: 1e-4 (fp32), 5e-3 (tf32), 2e-3 (fp16) or 2e-2
# (bf16) x max|ref|, the tolerances of test/GPU/emu-models.test.
# Exit status 1 when a model fails any step.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/build"
models_dir="$root/../shared/models"
wide_dir="$root/bench/work/wide"
work="$root/bench/work/cuda-emu-check"
out="$here/EMU-CHECK.md"
cuda=1
precision=fp32
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2;;
    --models) models_dir="$2"; shift 2;;
    --wide-models) wide_dir="$2"; shift 2;;
    --work) work="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    --no-cuda) cuda=0; shift;;
    --precision) precision="$2"; shift 2;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0;;
    -*) echo "check_emu.sh: unknown option '$1' (see --help)" >&2; exit 1;;
    *) names+=("$1"); shift;;
  esac
done
python=/usr/bin/python3  # Debian's, with torch/torchvision/onnx
case "$precision" in
  fp32) tolerance=1e-4;; tf32) tolerance=5e-3;; fp16) tolerance=2e-3;;
  bf16) tolerance=2e-2;;
  *) echo "check_emu.sh: bad --precision '$precision'" >&2; exit 1;;
esac
compile="$build/bin/model-compile"
[[ -x "$compile" ]] || { echo "check_emu.sh: no $compile (build first)" >&2; exit 1; }
cuda_path="${KILN_CUDA_PATH:-/usr/local/cuda}"
if [[ $cuda = 1 && ! -x "$cuda_path/bin/ptxas" ]]; then
  echo "check_emu.sh: no ptxas in $cuda_path/bin (set KILN_CUDA_PATH, or --no-cuda)" >&2
  exit 1
fi

public=(mlp_mnist resnet18 mobilenet_v2 bert_tiny_encoder gemm_1024 conv_3x3)
mapfile -t wide < <("$python" -c "import sys; sys.path.insert(0, '$root/bench')
import make_bench_models; print('\n'.join(make_bench_models.NAMES))")
[[ ${#names[@]} -gt 0 ]] || names=("${public[@]}" "${wide[@]}" bert_base)
mkdir -p "$work"

# model_files NAME: sets model, input, reference (exporting when needed).
model_files() {
  local name="$1"
  if [[ " ${public[*]} " == *" $name "* ]]; then
    model="$models_dir/$name.onnx"; input="$models_dir/$name.in0.npy"
    reference="$models_dir/$name.out0.npy"
  elif [[ " ${wide[*]} " == *" $name "* ]]; then
    if [[ ! -f "$wide_dir/$name.onnx" ]]; then
      echo "== exporting $name into $wide_dir" >&2
      "$python" "$root/bench/make_bench_models.py" "$wide_dir" "$name" >&2
    fi
    model="$wide_dir/$name.onnx"; input="$wide_dir/$name.in0.npy"
    reference="$wide_dir/$name.out0.npy"
  elif [[ "$name" == bert_base ]]; then
    if [[ ! -f "$work/bert_base/model.onnx" ]]; then
      echo "== exporting bert_base into $work/bert_base" >&2
      "$python" "$root/test/utils/torch_models.py" bert_base "$work/bert_base" >&2
    fi
    model="$work/bert_base/model.onnx"; input="$work/bert_base/in0.npy"
    reference="$work/bert_base/ref0.npy"
  else
    echo "check_emu.sh: unknown model '$name'" >&2; return 1
  fi
  [[ -f "$model" ]] || { echo "check_emu.sh: no $model" >&2; return 1; }
}
now() { date +%s.%N; }
since() { awk -v s="$1" -v e="$(now)" 'BEGIN{printf "%.1f", e - s}'; }
first_error() { grep -m1 -i error "$1" | cut -c1-160 || head -c 160 "$1"; }
shape_of() {
  "$python" -c "import numpy, sys; a = numpy.load(sys.argv[1]); print('x'.join(map(str, a.shape)) + ' ' + str(a.dtype))" "$1"
}
rows=()
failed=0
for name in "${names[@]}"; do
  echo "== $name" >&2
  model_files "$name" || { failed=1; continue; }
  shape=$(shape_of "$input")
  cuda_col="not run (--no-cuda)"
  if [[ $cuda = 1 ]]; then
    start=$(now)
    if "$compile" "$model" --target=cuda --gpu-precision="$precision" -o "$work/$name.cuda" > "$work/$name.cuda.log" 2>&1; then
      cuda_col="ok ($(since "$start") s)"
    else
      cuda_col="FAILED: $(first_error "$work/$name.cuda.log")"
      failed=1
    fi
  fi
  start=$(now)
  if ! "$compile" "$model" --target=cuda-emu --gpu-precision="$precision" -o "$work/$name.emu" > "$work/$name.emu.log" 2>&1; then
    rows+=("| $name | $shape | $cuda_col | FAILED: $(first_error "$work/$name.emu.log") | - | - | FAIL | - |")
    failed=1; echo "${rows[-1]}" >&2; continue
  fi
  emu_compile="ok ($(since "$start") s)"
  start=$(now)
  if ! "$work/$name.emu" "$input" -o "$work/$name.out0.npy" > "$work/$name.run.log" 2>&1; then
    rows+=("| $name | $shape | $cuda_col | $emu_compile | - | - | run FAILED: $(first_error "$work/$name.run.log") | - |")
    failed=1; echo "${rows[-1]}" >&2; continue
  fi
  seconds=$(since "$start")
  result=$("$python" - "$root/test/utils" "$work/$name.out0.npy" "$reference" "$tolerance" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import compare
out, ref = compare.load(sys.argv[2]), compare.load(sys.argv[3])
ok, message = compare.compare(out, ref, rel=float(sys.argv[4]))
if out.shape == ref.shape and np.issubdtype(out.dtype, np.floating):
    err = float(np.max(np.abs(out.astype(np.float64) - ref)))
    print("%.3g | %.2g | %s" % (err, err / max(float(np.max(np.abs(ref))), 1e-30),
                               "ok" if ok else "FAIL: " + message))
else:
    print("- | - | %s" % ("ok" if ok else "FAIL: " + message))
EOF
)
  [[ "$result" == *"| ok" ]] || failed=1
  rows+=("| $name | $shape | $cuda_col | $emu_compile | $result | $seconds |")
  echo "${rows[-1]}" >&2
done

{
  echo "# The CUDA target under emulation: every benchmark model"
  echo
  echo "Written by \`bench/cuda/check_emu.sh\` on $(date -u +%Y-%m-%d) at commit"
  echo "$(git -C "$root" rev-parse --short HEAD), on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'));"
  echo "load average $(cut -d' ' -f1 /proc/loadavg) at the end (a shared machine: other jobs slow the times)."
  echo "Precision: \`--gpu-precision=$precision\` (pass within $tolerance x max|ref|)."
  echo "Each model is compiled with \`--target=cuda\` (ptxas for sm_90: every kernel"
  echo "accepted) and \`--target=cuda-emu\`; the emulated executable runs on the"
  echo "model's input at its full size (no reduced sizes), every launch twice (blocks"
  echo "and threads in increasing, then decreasing order: the race check), and its"
  echo "output is compared with PyTorch's fp32 result: pass when max|out - ref| <="
  echo "$tolerance x max|ref|. Times are wall seconds on this shared machine (compiles at -O2;"
  echo "the emulation runs one CPU thread)."
  echo
  echo "| model | input | --target=cuda compile | --target=cuda-emu compile | emu max abs error | / max\\|ref\\| | result | emu run (s) |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out"
echo "wrote $out" >&2
exit $failed
