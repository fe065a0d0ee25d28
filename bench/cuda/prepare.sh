#!/usr/bin/env bash
# First half of the GPU device check: builds, here, everything that
# bench/cuda/run_device.sh runs on a lent GPU machine (which has no LLVM).
#
# usage: bench/cuda/prepare.sh [--build DIR] [--models DIR] [--work DIR]
#                              [--precisions "fp32 tf32 ..."]
#                              [--sizes "1024 2048 4096 8192"] [--emu]
#                              [MODEL...]
# Builds into --work DIR (bench/cuda/work, git-ignored), then packs the
# results into parts DIR/part1, DIR/part2, ... of at most --part-mib MiB
# (default 56): a device call carries at most 64 MiB, the repository
# included, so each part is carried by its own call (carry
# bench/cuda/work/partK) and run_device.sh runs the parts it finds. A part
# holds, for each (model, precision) it was given:
#   NAME/model.PREC   the public model NAME (from --models DIR,
#                     ../shared/models) compiled with --target=cuda
#                     --gpu-precision=PREC, for each PREC of --precisions
#                     (default: fp32 tf32 bf16); a precision the compiler
#                     rejects stops here
#   NAME/in0.npy, NAME/ref0.npy   its input and PyTorch's output
#   matmul_N/model.PREC   Y = A @ B with A, B N x N inputs, for each N of
#                     --sizes: no weights and no data (the device script
#                     draws A and B and computes the reference there)
# MODEL... picks public models by name (default: all six).
# --emu compiles with --target=cuda-emu instead (default --work
# bench/cuda/work-emu), so that `run_device.sh --emu` runs the same flow on
# this machine; use small --sizes (emulation is slow).
# Every executable must link no LLVM/MLIR library (checked with ldd).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$root/build"
models_dir="$root/../shared/models"
work=""
precisions="fp32 tf32 bf16"
sizes="1024 2048 4096 8192"
target=cuda
part_mib=56
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build="$2"; shift 2;;
    --models) models_dir="$2"; shift 2;;
    --work) work="$2"; shift 2;;
    --precisions) precisions="$2"; shift 2;;
    --sizes) sizes="$2"; shift 2;;
    --emu) target=cuda-emu; shift;;
    --part-mib) part_mib="$2"; shift 2;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0;;
    -*) echo "prepare.sh: unknown option '$1' (see --help)" >&2; exit 1;;
    *) names+=("$1"); shift;;
  esac
done
if [[ -z "$work" ]]; then
  [[ $target == cuda ]] && work="$here/work" || work="$here/work-emu"
fi
python=/usr/bin/python3  # Debian's, with onnx (make_matmul.py)
compile="$build/bin/model-compile"
[[ -x "$compile" ]] || { echo "prepare.sh: no $compile (build first)" >&2; exit 1; }
[[ ${#names[@]} -gt 0 ]] || names=(mlp_mnist resnet18 mobilenet_v2 bert_tiny_encoder gemm_1024 conv_3x3)
rm -rf "${work:?}"; mkdir -p "$work/build"

# build MODEL.onnx DIR: DIR/model.PREC for each precision.
build_exe() {
  local prec
  for prec in $precisions; do
    echo "== $2/model.$prec ($target)" >&2
    if ! "$compile" "$1" --target=$target --gpu-precision="$prec" \
         -o "$2/model.$prec" 2> "$2/model.$prec.log"; then
      cat "$2/model.$prec.log" >&2
      echo "prepare.sh: $1 failed to compile at --gpu-precision=$prec" >&2
      exit 1
    fi
    rm -f "$2/model.$prec.log"
    if ldd "$2/model.$prec" | grep -Eq 'lib(MLIR|LLVM)'; then
      echo "prepare.sh: $2/model.$prec links an LLVM/MLIR library" >&2
      exit 1
    fi
  done
}

for name in "${names[@]}"; do
  [[ -f "$models_dir/$name.onnx" ]] || { echo "prepare.sh: no $models_dir/$name.onnx" >&2; exit 1; }
  mkdir -p "$work/build/$name"
  build_exe "$models_dir/$name.onnx" "$work/build/$name"
  install -m 644 "$models_dir/$name.in0.npy" "$work/build/$name/in0.npy"
  install -m 644 "$models_dir/$name.out0.npy" "$work/build/$name/ref0.npy"
done
for n in $sizes; do
  dir="$work/build/matmul_$n"
  mkdir -p "$dir"
  "$python" "$here/make_matmul.py" "$dir" "$n"
  build_exe "$dir/model.onnx" "$dir"
  rm "$dir/model.onnx"
done

# Pack the (folder, executable) units into parts, largest first, each into
# the first part it fits (a unit's size: the executable plus its folder's
# data files, which each part holding the folder gets a hard link of).
mapfile -t units < <(cd "$work/build" && for exe in */model.*; do
  data=$(find "$(dirname "$exe")" -name '*.npy' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  echo "$(( $(stat -c %s "$exe") + data )) $exe"
done | sort -rn)
limit=$(( part_mib * 1048576 ))
fill=()
for unit in "${units[@]}"; do
  bytes=${unit%% *} exe=${unit#* }
  part=0
  while (( part < ${#fill[@]} )) && (( fill[part] + bytes > limit && fill[part] > 0 )); do
    part=$(( part + 1 ))
  done
  (( part < ${#fill[@]} )) || fill+=(0)
  fill[part]=$(( fill[part] + bytes ))
  dest="$work/part$(( part + 1 ))/$(dirname "$exe")"
  mkdir -p "$dest"
  ln "$work/build/$exe" "$dest/"
  for f in "$work/build/$(dirname "$exe")"/*.npy; do
    [[ -e "$f" && ! -e "$dest/$(basename "$f")" ]] && ln "$f" "$dest/"
  done
  (( bytes <= limit )) || echo "prepare.sh: warning: $exe alone is $(( bytes / 1048576 )) MiB, over --part-mib $part_mib" >&2
done
rm -rf "${work:?}/build"
echo "prepared in $work (a device call carries at most 64 MiB, the repository included):" >&2
for part in "$work"/part*/; do
  echo "$target" > "$part/TARGET"
  git -C "$root" rev-parse --short HEAD > "$part/COMMIT" 2>/dev/null || echo "?" > "$part/COMMIT"
  echo "  $(du -sm "$part" | cut -f1) MiB  $part: $(cd "$part" && ls -d */ | tr -d / | tr '\n' ' ')" >&2
done
