//===- DimBounds.h - Bounds of dynamic sizes from the input ranges --*- C++ -*-===//
//
// Constant bounds of index values and dynamic dimensions of the model
// function, over the `[min, max]` (or the `opt` size) that `kiln.input_ranges`
// gives each dynamic input dimension. The analysis is upstream's
// ValueBoundsConstraintSet; it stops at dimensions of the function's
// arguments and constrains them by their ranges.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CODEGEN_DIMBOUNDS_H
#define KILN_PASSES_CODEGEN_DIMBOUNDS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <array>
#include <optional>

namespace mlir::kiln {

/// The `[min, opt, max]` range of dimension `dim` of argument `argNumber` of
/// `func` from `kiln.input_ranges`, or of an out-param (an argument after the
/// inputs, once results became out-params) from `kiln.output_upper_bounds`
/// (min 0, opt = max). Static dimensions of a ranged argument are `d, d, d`.
std::optional<std::array<int64_t, 3>> getArgDimRange(func::FuncOp func,
                                                     unsigned argNumber,
                                                     int64_t dim);

/// Largest value `indexValue` (index-typed) takes when every dynamic input
/// dimension of `func` lies in its range. Failure when it has no constant
/// bound (e.g. it depends on data, or `func` has no `kiln.input_ranges`).
FailureOr<int64_t> computeUpperBound(Value indexValue, func::FuncOp func);
/// Largest size of dimension `dim` of the shaped value `shaped`.
FailureOr<int64_t> computeUpperBound(Value shaped, int64_t dim,
                                     func::FuncOp func);
/// Smallest value of `indexValue` / of dimension `dim` of `shaped`.
FailureOr<int64_t> computeLowerBound(Value indexValue, func::FuncOp func);
FailureOr<int64_t> computeLowerBound(Value shaped, int64_t dim,
                                     func::FuncOp func);
/// Size of dimension `dim` of `shaped` when every dynamic input dimension is
/// at its `opt` size (the size to tune for): its upper bound with each range
/// pinned to `[opt, opt]`.
FailureOr<int64_t> computeOptSize(Value shaped, int64_t dim,
                                  func::FuncOp func);

/// The upper bound of loop `loop` of `op` and its size at the opt shape,
/// from the first operand dim that loop indexes directly and that has a
/// bound (the opt size falls back to the bound).
struct LoopBound {
  int64_t upper;
  int64_t opt;
};
FailureOr<LoopBound> computeLoopBound(linalg::LinalgOp op, unsigned loop,
                                      func::FuncOp func);
/// The loop ranges of `op`, each dynamic one replaced by its upper bound
/// (over the ranges of the enclosing model function); failure when one has
/// no bound.
FailureOr<SmallVector<int64_t>> computeLoopUpperBounds(linalg::LinalgOp op);

} // namespace mlir::kiln

#endif // KILN_PASSES_CODEGEN_DIMBOUNDS_H
