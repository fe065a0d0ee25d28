#!/usr/bin/env bash
# Second half of the GPU device check: runs on a lent GPU machine (H100/H200)
# what bench/cuda/prepare.sh built here. Needs there only the repository,
# the prepared folder, a CUDA driver and a python3 with numpy and PyTorch
# (no LLVM, no CUDA toolkit). Made to finish within 8 minutes.
#
# usage: bench/cuda/run_device.sh [--work DIR] [--out FILE] [--iters N]
#                                 [--budget SECONDS] [--emu] [--dry-run]
# Steps:
#  1. the machine: GPU (nvidia-smi), driver, python/torch versions;
#  2. matmul_N folders: draws A and B and computes A @ B in float64
#     (bench/cuda/torch_cuda.py matmul-data);
#  3. every executable NAME/model.PREC in the parts of --work DIR
#     (bench/cuda/work: each partK folder there; only the parts carried to
#     this call are, and a later report.py merges the calls' records) runs
#     on NAME's input and must match the reference (compare.py: max|out -
#     ref| <= TOL x max|ref|, TOL 1e-4 for fp32, 5e-3 for tf32, 1e-2 for
#     fp16, 5e-2 for bf16; KILN_TOL_<PREC> overrides), then is timed with
#     --bench N twice: CUDA events around each run (host<->device copies
#     included), then with KILN_CUDA_TIMING=kernels (from its first kernel's
#     start to its last kernel's end: the copies of inputs and outputs left
#     out); each run of an executable is stopped after 120 s (a FAIL; an
#     hour with --emu);
#  4. PyTorch on the same models, eager at each precision and torch.compile
#     (fp32, started only while the --budget, default 360 s from the start,
#     lasts: each compile takes tens of seconds), and
#     torch.matmul (cuBLAS) at fp32/tf32/bf16 for each matmul_N;
#  5. bench/cuda/report.py writes --out FILE (bench/RESULTS-cuda.md) from
#     the records (also kept as FILE.tsv); both are copied to $OUT when set
#     (the device tool's folder that comes back).
# --emu: runs a folder that `prepare.sh --emu` built (cuda-emu executables:
# the host emulation of the GPU) with PyTorch on the CPU, so the whole flow
# runs on a machine without a GPU (default --work bench/cuda/work-emu, --out
# WORK/RESULTS-cuda-emu.md); the times then mean nothing.
# --dry-run: checks the folder and prints the commands, runs nothing.
# With the device tool: here `bench/cuda/prepare.sh`, then one call per part,
# e.g. command `bench/cuda/run_device.sh`, carry ["bench/cuda/work/part1"],
# timeout_s 540; keep each call's RESULTS-cuda.md.tsv (from $OUT) and merge
# them: bench/cuda/report.py part1.tsv part2.tsv -o bench/RESULTS-cuda.md.
# Exit status 1 when an executable fails or mismatches its reference.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
start_time=$(date +%s)
work=""
out=""
iters=20
budget=360
exe_timeout=120  # seconds for one run of an executable (--bench included)
emu=0
dry=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work) work="$2"; shift 2;;
    --out) out="$2"; shift 2;;
    --iters) iters="$2"; shift 2;;
    --budget) budget="$2"; shift 2;;
    --emu) emu=1; shift;;
    --dry-run) dry=1; shift;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0;;
    *) echo "run_device.sh: unknown argument '$1' (see --help)" >&2; exit 1;;
  esac
done
if [[ $emu = 1 ]]; then
  work="${work:-$here/work-emu}"; device=cpu; expect=cuda-emu
  exe_timeout=3600  # the emulation is slow
  out="${out:-$work/RESULTS-cuda-emu.md}"
else
  work="${work:-$here/work}"; device=cuda; expect=cuda
  out="${out:-$root/bench/RESULTS-cuda.md}"
fi
# The parts that were carried (prepare.sh's partK folders), or one part.
parts=()
if [[ -f "$work/TARGET" ]]; then parts=("$work")
else for p in "$work"/part*/; do [[ -d "$p" ]] && parts+=("${p%/}"); done; fi
[[ ${#parts[@]} -gt 0 ]] || { echo "run_device.sh: no prepared parts in $work (run bench/cuda/prepare.sh here first)" >&2; exit 1; }
for p in "${parts[@]}"; do
  target=$(cat "$p/TARGET" 2>/dev/null || echo "?")
  if [[ "$target" != "$expect" ]]; then
    echo "run_device.sh: $p holds --target=$target executables, not" \
         "$expect (prepare.sh builds cuda ones, prepare.sh --emu cuda-emu ones" \
         "for run_device.sh --emu)" >&2
    exit 1
  fi
done
# A python3 with numpy (and torch for steps 2 and 4): the device's python3
# holds PyTorch; here Debian's /usr/bin/python3 does.
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c "import numpy, torch" 2>/dev/null; then python="$candidate"; break; fi
  done
fi
[[ -n "$python" ]] || { echo "run_device.sh: no python3 with numpy and torch (set PYTHON)" >&2; exit 1; }
records="$out.tsv"
[[ $dry = 0 ]] || records=/dev/null
tolerance() {
  local var="KILN_TOL_${1^^}"
  if [[ -n "${!var:-}" ]]; then echo "${!var}"; return; fi
  case "$1" in fp32) echo 1e-4;; tf32) echo 5e-3;; fp16) echo 1e-2;; bf16) echo 5e-2;; *) echo 1e-4;; esac
}
# bench_median EXE N run|kernels INPUT...: the median of EXE --bench N with
# KILN_CUDA_TIMING set to the third argument; on failure, prints why and
# returns 1.
bench_median() {
  local exe="$1" n="$2" scope="$3" output median
  shift 3
  output=$(KILN_CUDA_TIMING="$scope" timeout "$exe_timeout" "$exe" "$@" -o "$(dirname "$exe")/bench.npy" --bench "$n" 2>&1)
  rm -f "$(dirname "$exe")/bench.npy"
  median=$(echo "$output" | sed -n 's/.*latency_ms:.*median=\([0-9.]*\).*/\1/p')
  if [[ -z "$median" ]]; then
    echo "$output" | head -c 200 | tr '\t\n' '  '
    return 1
  fi
  echo "$median"
}
run() {  # prints the command on --dry-run, else runs it
  if [[ $dry = 1 ]]; then echo "+ $*" >&2; else "$@"; fi
}

folders=()  # PART/NAME
for p in "${parts[@]}"; do for d in "$p"/*/; do folders+=("${d%/}"); done; done
[[ ${#folders[@]} -gt 0 ]] || { echo "run_device.sh: ${parts[*]} hold no model folders" >&2; exit 1; }
echo "parts: ${parts[*]}" >&2

echo "== 1. machine" >&2
if [[ $emu = 0 ]]; then
  if command -v nvidia-smi > /dev/null; then
    run nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
  else
    echo "(no nvidia-smi on this machine)" >&2
  fi
fi
machine=$("$python" -c "import platform, torch
gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU visible to PyTorch'
print('%s; python %s, torch %s' % (gpu, platform.python_version(), torch.__version__))")
echo "$machine" >&2
{
  printf 'machine\t%s\t%s\t%s\n' "$machine" "$(nproc) CPUs" "$(date -u '+%Y-%m-%d %H:%M UTC')"
  printf 'mode\t%s\t%s\t%s\n' "$expect" "$iters" "$(cat "${parts[0]}/COMMIT" 2>/dev/null || echo '?')"
} > "$records"

echo "== 2. MatMul data" >&2
for f in "${folders[@]}"; do
  d=$(basename "$f")
  if [[ "$d" == matmul_* && ! -f "$f/ref0.npy" ]]; then
    run "$python" "$here/torch_cuda.py" matmul-data "$f" "${d#matmul_}" || exit 1
  fi
done

echo "== 3. Kiln executables: check, then --bench" >&2
failed=0
for f in "${folders[@]}"; do
  d=$(basename "$f")
  inputs=("$f"/in*.npy)
  for exe in "$f"/model.*; do
    [[ -x "$exe" && "$exe" != *.log ]] || continue
    prec="${exe##*.}"
    n=$iters
    [[ "$d" == matmul_* ]] && (( ${d#matmul_} >= 4096 )) && n=$(( iters / 2 > 3 ? iters / 2 : 3 ))
    tol=$(tolerance "$prec")
    if [[ $dry = 1 ]]; then
      echo "+ $exe ${inputs[*]} -o $f/out.$prec.npy; compare.py --rel $tol; $exe ... --bench $n; KILN_CUDA_TIMING=kernels $exe ... --bench $n"
      continue
    fi
    status=ok message="" median=- kernels=-
    if ! timeout "$exe_timeout" "$exe" "${inputs[@]}" -o "$f/out.$prec.npy" > "$f/run.$prec.log" 2>&1; then
      status=FAIL message="run failed: $(head -c 200 "$f/run.$prec.log" | tr '\t\n' '  ')"
    elif ! message=$("$python" "$root/test/utils/compare.py" --rel "$tol" \
                       "$f/out.$prec.npy" "$f/ref0.npy" 2>&1); then
      status=FAIL
    fi
    message=$(echo "$message" | sed 's/^[^:]*npy: //' | tr '\t\n' '  ' | cut -c1-240)
    if [[ $status == ok ]]; then
      median=$(bench_median "$exe" "$n" run "${inputs[@]}") || { message="--bench: $median"; median=-; status=FAIL; }
      # Timing the kernels alone needs the device's events: not emulated.
      if [[ $status == ok && $emu = 0 ]]; then
        kernels=$(bench_median "$exe" "$n" kernels "${inputs[@]}") || { message="--bench (kernels): $kernels"; kernels=-; status=FAIL; }
      fi
    fi
    [[ $status == ok ]] || failed=1
    printf 'kiln\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$d" "$prec" "$status" "$median" "$kernels" "$tol" "$message" >> "$records"
    echo "$d $prec: $status, run ${median} ms, kernels ${kernels} ms ($message)" >&2
  done
done

echo "== 4. PyTorch ($device)" >&2
deadline=$(( start_time + budget ))
run "$python" "$here/torch_cuda.py" bench "${folders[@]}" --iters "$iters" \
    --device "$device" --deadline "$deadline" >> "$records" || failed=1

echo "== 5. report" >&2
if [[ $dry = 0 ]]; then
  "$python" "$here/report.py" "$records" -o "$out" || failed=1
  if [[ -n "${OUT:-}" && -d "${OUT:-}" ]]; then cp "$out" "$records" "$OUT/"; fi
  echo "wrote $out ($(( $(date +%s) - start_time )) s)" >&2
  cat "$out"
fi
exit $failed
