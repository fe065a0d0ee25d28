//===- DimBounds.cpp - Bounds of dynamic sizes from the input ranges ------===//
//
// Upstream ValueBoundsConstraintSet does the analysis: the stop condition
// halts the backward traversal at dimensions of the model function's
// arguments and adds their `kiln.input_ranges` bounds to the constraint set,
// so a size like `(d0 + 2 - 3) floordiv 2 + 1` of a strided convolution or
// the remainder of a peeled loop gets a constant bound.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"

#include "mlir/Interfaces/ValueBoundsOpInterface.h"

using namespace mlir;

namespace mlir::kiln {

std::optional<std::array<int64_t, 3>>
getArgDimRange(func::FuncOp func, unsigned argNumber, int64_t dim) {
  if (argNumber >= func.getNumArguments())
    return std::nullopt;
  auto type = dyn_cast<ShapedType>(func.getArgument(argNumber).getType());
  if (!type || !type.hasRank() || dim < 0 || dim >= type.getRank())
    return std::nullopt;
  auto ranges = func->getAttrOfType<ArrayAttr>("kiln.input_ranges");
  if (!ranges)
    return std::nullopt;
  if (argNumber < ranges.size()) {
    auto range = dyn_cast<DenseI64ArrayAttr>(ranges[argNumber]);
    if (!range || range.size() != 3 * type.getRank())
      return std::nullopt;
    ArrayRef<int64_t> r = range.asArrayRef();
    return std::array<int64_t, 3>{r[3 * dim], r[3 * dim + 1], r[3 * dim + 2]};
  }
  // An out-param (buffer-results-to-out-params appends them after the
  // inputs, in result order): bounded by the output's recorded upper bounds.
  auto outBounds = func->getAttrOfType<ArrayAttr>("kiln.output_upper_bounds");
  unsigned output = argNumber - ranges.size();
  if (!outBounds || output >= outBounds.size())
    return std::nullopt;
  auto bounds = dyn_cast<DenseI64ArrayAttr>(outBounds[output]);
  if (!bounds || bounds.size() != type.getRank())
    return std::nullopt;
  return std::array<int64_t, 3>{0, bounds[dim], bounds[dim]};
}

namespace {
enum class Estimate { Range, Opt };
} // namespace

static FailureOr<int64_t>
computeBound(presburger::BoundType type,
             const ValueBoundsConstraintSet::Variable &var, func::FuncOp func,
             Estimate estimate) {
  if (!func)
    return failure();
  auto stop = [&](Value v, std::optional<int64_t> dim,
                  ValueBoundsConstraintSet &cstr) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || !dim || arg.getOwner()->getParentOp() != func.getOperation())
      return false;
    if (std::optional<std::array<int64_t, 3>> range =
            getArgDimRange(func, arg.getArgNumber(), *dim)) {
      if (estimate == Estimate::Opt) {
        cstr.bound(v)[*dim] == (*range)[1];
      } else {
        cstr.bound(v)[*dim] >= (*range)[0];
        cstr.bound(v)[*dim] <= (*range)[2];
      }
    }
    return true;
  };
  return ValueBoundsConstraintSet::computeConstantBound(type, var, stop,
                                                        /*closedUB=*/true);
}

FailureOr<int64_t> computeUpperBound(Value indexValue, func::FuncOp func) {
  return computeBound(presburger::BoundType::UB, indexValue, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeUpperBound(Value shaped, int64_t dim,
                                     func::FuncOp func) {
  auto type = dyn_cast<ShapedType>(shaped.getType());
  if (type && type.hasRank() && dim < type.getRank() &&
      !type.isDynamicDim(dim))
    return type.getDimSize(dim);
  return computeBound(presburger::BoundType::UB, {shaped, dim}, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeLowerBound(Value indexValue, func::FuncOp func) {
  return computeBound(presburger::BoundType::LB, indexValue, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeLowerBound(Value shaped, int64_t dim,
                                     func::FuncOp func) {
  auto type = dyn_cast<ShapedType>(shaped.getType());
  if (type && type.hasRank() && dim < type.getRank() &&
      !type.isDynamicDim(dim))
    return type.getDimSize(dim);
  return computeBound(presburger::BoundType::LB, {shaped, dim}, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeOptSize(Value shaped, int64_t dim,
                                  func::FuncOp func) {
  auto type = dyn_cast<ShapedType>(shaped.getType());
  if (type && type.hasRank() && dim < type.getRank() &&
      !type.isDynamicDim(dim))
    return type.getDimSize(dim);
  return computeBound(presburger::BoundType::UB, {shaped, dim}, func,
                      Estimate::Opt);
}

} // namespace mlir::kiln
