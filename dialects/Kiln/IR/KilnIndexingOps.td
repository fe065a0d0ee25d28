//===- KilnIndexingOps.td - kiln gather/scatter ops --------*- tablegen -*-===//
//
// Element- and slice-wise gathers and scatters driven by index tensors
// (ONNX GatherElements, ScatterElements, GatherND, ScatterND). Included at
// the end of KilnOps.td; inference and verification in KilnIndexingOps.cpp.
//
// Index values may be negative (counting from the end of their dim, as ONNX
// allows); the lowerings normalize them and clamp anything still out of
// range, so a bad index never reads or writes out of bounds.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_INDEXING_OPS_TD
#define KILN_INDEXING_OPS_TD

def Kiln_ScatterReductionAttr : I32EnumAttr<"ScatterReduction",
    "how a scatter combines an update with the element it lands on", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>,
    I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_GatherElementsOp : Kiln_Op<"gather_elements",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "gathers single elements along an axis (ONNX GatherElements)";
  let description = [{
    `input` and `indices` have the same rank r >= 1; the result has the shape
    of `indices` and, for axis = 1 and r = 2,
    `result[i][j] = input[i][indices[i][j]]`. Outside `axis`, `indices` may
    not be larger than `input`.
    ```mlir
    %r = kiln.gather_elements %x, %idx {axis = 1 : i64}
         : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` `(` type($input) `,` type($indices) `)` `->` type($result)
  }];
}

def Kiln_ScatterElementsOp : Kiln_Op<"scatter_elements",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "scatters single elements along an axis (ONNX ScatterElements)";
  let description = [{
    The result is `input` with, for every position p of `updates` (which has
    the shape of `indices`), the element at p with its `axis` coordinate
    replaced by `indices[p]` combined with `updates[p]` by `reduction`
    (`none` overwrites). Updates are applied in row-major order, so with
    `none` the last of duplicate indices wins.
    ```mlir
    %r = kiln.scatter_elements %x, %idx, %upd {axis = 0 : i64, reduction = 1 : i32}
         : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates, I64Attr:$axis,
                       DefaultValuedAttr<Kiln_ScatterReductionAttr,
                           "::mlir::kiln::ScatterReduction::none">:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `,` $updates attr-dict `:` `(` type($input) `,` type($indices) `,` type($updates) `)` `->` type($result)
  }];
}

def Kiln_GatherNDOp : Kiln_Op<"gather_nd", [Pure, InferTypeOpAdaptor]> {
  let summary = "gathers slices addressed by index tuples (ONNX GatherND)";
  let description = [{
    With b = `batch_dims`, `indices` of shape `B x I x m` (B: the b batch
    dims shared with `input`, m static) addresses `input[B][t_0]...[t_m-1]`;
    the result has shape `B x I x input.shape[b+m:]`.
    ```mlir
    %r = kiln.gather_nd %x, %idx {batch_dims = 0 : i64}
         : (tensor<2x2xf32>, tensor<2x1xi64>) -> tensor<2x2xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` `(` type($input) `,` type($indices) `)` `->` type($result)
  }];
}

def Kiln_ScatterNDOp : Kiln_Op<"scatter_nd", [Pure, InferTypeOpAdaptor]> {
  let summary = "scatters slices addressed by index tuples (ONNX ScatterND)";
  let description = [{
    `indices` of shape `I x m` (m static) addresses slices
    `input[t_0]...[t_m-1]`; `updates` has shape `I x input.shape[m:]`. The
    result is `input` with each addressed slice combined with its update by
    `reduction` (`none` overwrites), in row-major order of `I`.
    ```mlir
    %r = kiln.scatter_nd %x, %idx, %upd {reduction = 0 : i32}
         : (tensor<8xf32>, tensor<4x1xi64>, tensor<4xf32>) -> tensor<8xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates,
                       DefaultValuedAttr<Kiln_ScatterReductionAttr,
                           "::mlir::kiln::ScatterReduction::none">:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `,` $updates attr-dict `:` `(` type($input) `,` type($indices) `,` type($updates) `)` `->` type($result)
  }];
}

#endif // KILN_INDEXING_OPS_TD
