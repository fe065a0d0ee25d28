#!/usr/bin/env bash
# Kiln demo: compile the digits classifier (digits.onnx) into a standalone
# executable, classify the shipped 8x8 images with it, report the accuracy
# and the latency of one inference.
#
# usage: examples/digits/run_demo.sh [BUILD_DIR]
#   BUILD_DIR   Kiln build directory (default: <repo>/build); the compiler is
#               BUILD_DIR/bin/model-compile unless $KILN_MODEL_COMPILE names it.
# Needs only bash and coreutils/awk at run time (no python).
# Exits non-zero if a step fails or the accuracy is below 90%.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
compiler="${KILN_MODEL_COMPILE:-$build/bin/model-compile}"
model="$here/digits.onnx"
images="$here/images"

if [[ ! -x "$compiler" ]]; then
  echo "error: model-compile not found at '$compiler'" >&2
  echo "       build Kiln first, or pass the build dir / set KILN_MODEL_COMPILE" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kiln-digits.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "compiling $(basename "$model") with $compiler"
if ! "$compiler" "$model" -o "$work/digits"; then
  echo "error: model-compile failed on $model" >&2
  exit 1
fi
echo "compiled: $work/digits ($(wc -c < "$work/digits") bytes)"

total=0
correct=0
first=""
while read -r name label; do
  [[ -z "${name:-}" ]] && continue
  img="$images/$name"
  [[ -z "$first" ]] && first="$img"
  # Without -o the executable prints one line per output, e.g.
  #   output 1 'label' int64 1: 7
  if ! out="$("$work/digits" "$img")"; then
    echo "error: the compiled model failed on $name" >&2
    exit 1
  fi
  pred="$(awk -F': ' "/^output 1 'label' /{print \$2; exit}" <<< "$out")"
  pred="${pred%% *}"
  if [[ ! "$pred" =~ ^[0-9]+$ ]]; then
    echo "error: no 'label' output for $name; the executable printed:" >&2
    echo "$out" >&2
    exit 1
  fi
  total=$((total + 1))
  if [[ "$pred" == "$label" ]]; then
    correct=$((correct + 1))
    mark=""
  else
    mark="  <- wrong"
  fi
  echo "$name -> $pred ($label)$mark"
done < "$images/labels.txt"

if (( total == 0 )); then
  echo "error: no images listed in $images/labels.txt" >&2
  exit 1
fi
pct="$(awk -v c="$correct" -v t="$total" 'BEGIN { printf "%.1f", 100 * c / t }')"
echo "accuracy: $correct/$total = $pct%"

echo "benchmark: $(basename "$first"), 200 iterations"
if ! bench="$("$work/digits" "$first" --bench 200)"; then
  echo "error: the compiled model failed with --bench 200" >&2
  exit 1
fi
latency="$(grep '^latency_ms:' <<< "$bench" || true)"
if [[ -z "$latency" ]]; then
  echo "error: --bench printed no latency_ms line:" >&2
  echo "$bench" >&2
  exit 1
fi
echo "$latency"

if (( correct * 100 < total * 90 )); then
  echo "error: accuracy $pct% is below 90%" >&2
  exit 1
fi
