//===- KilnScanOps.td - scans and selections along an axis -*- tablegen -*-===//
//
// Ops whose every result element depends on a whole run of elements along
// one axis in an order-dependent way: prefix sums (ONNX CumSum) and top-k
// selection (ONNX TopK). Included at the end of KilnOps.td; inference and
// verification in KilnScanOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SCAN_OPS_TD
#define KILN_SCAN_OPS_TD

def Kiln_CumSumOp : Kiln_Op<"cumsum", [Pure, InferTypeOpAdaptor]> {
  let summary = "prefix sums along an axis (ONNX CumSum)";
  let description = [{
    `result[..., i, ...]` is the sum of `input[..., j, ...]` over `j <= i`
    (`j < i` with `exclusive`; `j >= i` / `j > i` with `reverse`). `axis`
    is normalized (in [0, rank)). Integers wrap around.
    ```mlir
    %r = kiln.cumsum %x {axis = 1 : i64, exclusive = false, reverse = true}
         : tensor<2x3xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Kiln_TopKOp : Kiln_Op<"topk", [Pure, InferTypeOpAdaptor]> {
  let summary = "the k largest (or smallest) elements along an axis";
  let description = [{
    ONNX TopK with a static `k` (0 <= k <= the axis size) and a normalized
    `axis`. The results have the input's shape with `k` at `axis`: the
    values, and their (i64) positions along `axis`. They are always sorted,
    best first; equal values keep their input order (lower index first).
    NaN counts as larger than every number.
    ```mlir
    %v, %i = kiln.topk %x {axis = 1 : i64, k = 3 : i64, largest = true}
             : tensor<3x4xf32> -> (tensor<3x3xf32>, tensor<3x3xi64>)
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$axis, I64Attr:$k,
                       DefaultValuedAttr<BoolAttr, "true">:$largest);
  let results = (outs Kiln_Tensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` `(` type($values) `,` type($indices) `)`
  }];
}

#endif // KILN_SCAN_OPS_TD
