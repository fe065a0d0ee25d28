#!/bin/sh
# Large models: generates a model with more than 2 GiB of weights (a chain of
# five 512 MiB MatMuls as ONNX external data; bench/make_large_model.py, no
# data in the repository), compiles it with the default options
# (--weights=auto: a weights file) and with --weights=embed, runs each
# executable from another directory and checks its output against NumPy.
# Prints compile time and peak RSS (GNU time) as markdown rows for
# bench/RESULTS.md. Needs ~8 GB of disk in WORKDIR and ~4 GB of memory;
# not part of the lit suite (minutes on the 2-vCPU machine).
#
#   bench/large_model.sh BUILD_DIR [WORKDIR] [--layers N] [--mib M]
set -eu
build=$(cd "${1:?usage: large_model.sh BUILD_DIR [WORKDIR] [--layers N] [--mib M]}" && pwd)
shift
work=${1:-/tmp/kiln-large-model}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
mkdir -p "$work/elsewhere"
cd "$work"

"$python" "$src/bench/make_large_model.py" "$work" "$@"
weights=$(du -cb w*.bin | tail -1 | cut -f1)

# compile VARIANT [model-compile options]: one row of the table.
compile() {
  variant=$1
  shift
  rm -f "big_$variant" "big_$variant.weights"
  /usr/bin/time -f '%e %M' -o "time_$variant.txt" \
    "$build/bin/model-compile" big.onnx -o "big_$variant" "$@"
  read -r seconds kib < "time_$variant.txt"
  artifact=$(stat -c %s "big_$variant")
  file=0
  [ -f "big_$variant.weights" ] && file=$(stat -c %s "big_$variant.weights")
  # From another directory: the executable finds its weights file itself.
  (cd elsewhere && /usr/bin/time -f '%e' -o "../run_$variant.txt" \
     "$work/big_$variant" ../x.npy -o "../y_$variant.npy")
  "$python" "$src/test/utils/compare.py" "y_$variant.npy" ref.npy --rel 1e-3 \
    > "check_$variant.txt"
  awk -v v="$variant" -v s="$seconds" -v k="$kib" -v w="$weights" \
      -v a="$artifact" -v f="$file" -v r="$(cat "run_$variant.txt")" \
      -v c="$(cut -d: -f2 "check_$variant.txt" | cut -d'(' -f1)" 'BEGIN {
    printf "| %s | %.2f GiB | %.1f s | %.2f GiB (%.2fx weights) | %.2f GiB | %.2f GiB | %.1f s |%s|\n",
      v, w / 2^30, s, k / 2^20, k * 1024 / w, a / 2^30, f / 2^30, r, c }'
}

echo "| placement | weights | compile | peak RSS | artifact | weights file | first run | output vs NumPy |"
echo "|---|---|---|---|---|---|---|---|"
compile auto
compile embed --weights=embed
