#!/bin/sh
# The compiler's peak memory and compile time on BERT-base-sized and
# ViT-B/16 models (bench/make_rss_models.py exports them; no data in the
# repository), for one or more builds of Kiln, e.g. before and after a change.
# Each model compiled by the last build is run and checked against PyTorch.
# Prints markdown rows for bench/RESULTS.md.
#
#   bench/compile_rss.sh WORKDIR BUILD_DIR...
set -eu
work=${1:?usage: compile_rss.sh WORKDIR BUILD_DIR...}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
mkdir -p "$work"
[ -f "$work/vit_b_16.onnx" ] || "$python" "$src/bench/make_rss_models.py" "$work"
echo "| model | weights | build | compile | peak RSS | output vs PyTorch |"
echo "|---|---|---|---|---|---|"
for model in bert_base vit_b_16; do
  weights=$("$python" -c "import onnx,numpy as n,sys
m=onnx.load(sys.argv[1]); print(sum(n.prod(t.dims)*4 for t in m.graph.initializer))" \
    "$work/$model.onnx")
  for build in "$@"; do
    tag=$(basename "$(dirname "$(cd "$build" && pwd)")")
    exe="$work/$model.$tag"
    /usr/bin/time -f '%e %M' -o "$work/time.txt" \
      "$build/bin/model-compile" "$work/$model.onnx" -o "$exe"
    read -r seconds kib < "$work/time.txt"
    check=-
    if [ "$build" = "$(eval echo \${$#})" ]; then
      "$exe" "$work/$model/in0.npy" -o "$work/$model/out0.npy"
      check=$("$python" "$src/test/utils/compare.py" "$work/$model/out0.npy" \
        "$work/$model/ref0.npy" | cut -d: -f2 | cut -d'(' -f1)
    fi
    awk -v m="$model" -v w="$weights" -v b="$tag" -v s="$seconds" \
        -v k="$kib" -v c="$check" 'BEGIN {
      printf "| %s | %.0f MB | %s | %.1f s | %.2f GB (%.1fx weights) | %s |\n",
        m, w / 1e6, b, s, k * 1024 / 1e9, k * 1024 / w, c }'
  done
done
