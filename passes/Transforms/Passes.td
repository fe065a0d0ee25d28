//===- Passes.td - Kiln graph-level transforms -------------*- tablegen -*-===//
//
// Graph-level passes on the kiln dialect: they run after import and before
// the lowering to linalg (the "graph" stage of kiln-graph-pipeline).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnFoldConstants : Pass<"kiln-fold-constants"> {
  let summary = "Evaluate kiln ops whose operands are all constants";
  let description = [{
    Replaces a kiln op whose operands are all constant tensors (dense or
    `dense_resource` blobs) by a `kiln.constant` holding its value. Covered:
    transpose, reshape, expand, slice, concat, gather, pad, cast, clip,
    where, unary and binary elementwise ops (numpy broadcasting), comparisons,
    reductions and argmax/argmin. The evaluation works on raw typed buffers
    (f16, bf16, f32, f64, i1, and 8/16/32/64-bit signed and unsigned
    integers), so transposing a large weight is a memory-bound copy.

    Results with more than 64 elements become a new resource blob named after
    the op's location; smaller ones, splats and i1 tensors become dense
    attributes. Left alone: folds whose result is undefined at run time
    (integer division by zero, float-to-int overflow, NaN to int), and
    broadcasts that would make a non-splat result of more than 65536
    elements over 4x larger than its constant operands (broadcasting at run
    time is cheap; a materialized copy bloats the artifact).

    Folding keeps to the budget of `dialects/Kiln/IR/KilnFoldBudget.h`
    (models may be untrusted): a non-splat result holds at most
    `max-elements` (default 16 M) elements and one fold does at most 64 M
    element operations; ops over splats fold in constant time whatever
    their shape (a splat expanded, transposed or cast stays a splat; the
    sum of a splat is its value times the count, its max the value).
    Anything beyond the budget is left to run time.

    ```mlir
    %w = kiln.constant dense_resource<fc.weight> : tensor<1000x512xf32>
    %t = kiln.transpose %w {perm = array<i64: 1, 0>}
         : tensor<1000x512xf32> -> tensor<512x1000xf32>
    // becomes
    %t = kiln.constant dense_resource<fc_weight_folded> : tensor<512x1000xf32>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t",
           "::mlir::kiln::kFoldMaxElements",
           "Skip ops whose (non-splat) result or operands hold more elements "
           "than this">,
  ];
  let dependentDialects = ["::mlir::kiln::KilnDialect"];
}

def KilnFoldBatchNorm : Pass<"kiln-fold-batchnorm"> {
  let summary = "Fold inference batch normalization into convolutions";
  let description = [{
    With constant parameters, `batch_norm(conv(x, W, b))` becomes one conv
    with per-output-channel scaled weights and a new bias:
    `s = scale / sqrt(var + eps)`, `W' = W * s`, `b' = (b - mean) * s + beta`.
    This applies only when the conv result has no other use and its weight
    (and bias, if any) is constant. Any other batch_norm with constant
    parameters becomes `x * s + (beta - mean * s)` with per-channel constants
    of shape [C, 1, ..., 1].

    ```mlir
    %y = kiln.conv %x, %w {...} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
    %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0e-05 : f64} : (...) -> tensor<1x4x6x6xf32>
    // becomes
    %z = kiln.conv %x, %w2, %b2 {...} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
    ```
  }];
  let dependentDialects = ["::mlir::kiln::KilnDialect"];
}

def KilnSimplifyLayout : Pass<"kiln-simplify-layout"> {
  let summary = "Remove transposes and reshapes that only move data around";
  let description = [{
    Clean-ups of layout ops beyond the op folders (which already compose
    reshape chains and transpose chains):
    - a transpose that only moves size-1 dims becomes a reshape;
    - a reshape (or transpose) pair around a single-use elementwise op
      (unary, clip, cast, or binary with a splat constant) moves to one side
      of the op, where the pair composes or cancels.

    ```mlir
    %a = kiln.reshape %x {shape = array<i64: 1, 64>} : tensor<64xf32> -> tensor<1x64xf32>
    %b = kiln.relu %a : tensor<1x64xf32> -> tensor<1x64xf32>
    %c = kiln.reshape %b {shape = array<i64: 64>} : tensor<1x64xf32> -> tensor<64xf32>
    // becomes
    %c = kiln.relu %x : tensor<64xf32> -> tensor<64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::kiln::KilnDialect"];
}

#endif // KILN_TRANSFORMS_PASSES_TD
