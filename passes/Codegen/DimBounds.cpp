//===- DimBounds.cpp - Bounds of dynamic sizes from the input ranges ------===//
//
// Upstream ValueBoundsConstraintSet does the analysis: the stop condition
// halts the backward traversal at dimensions of the model function's
// arguments and adds their `kiln.input_ranges` bounds to the constraint set,
// so a size like `(d0 + 2 - 3) floordiv 2 + 1` of a strided convolution or
// the remainder of a peeled loop gets a constant bound. Products of run-time
// sizes (not affine) stop the traversal too, bounded by their factors'.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <limits>

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
             Estimate estimate);

/// The factors of a product of run-time sizes, which is not affine (e.g.
/// batch * seq when a matmul folds its batch into M, h * w of a reshape):
/// an index `arith.muli` of two non-constants, or a dim of a collapse_shape
/// that merges several dynamic dims. Empty otherwise.
static SmallVector<ValueBoundsConstraintSet::Variable>
getProductFactors(Value v, std::optional<int64_t> dim) {
  SmallVector<ValueBoundsConstraintSet::Variable> factors;
  if (!dim) {
    auto mul = v.getDefiningOp<arith::MulIOp>();
    if (mul && !getConstantIntValue(mul.getLhs()) &&
        !getConstantIntValue(mul.getRhs())) {
      factors.push_back(mul.getLhs());
      factors.push_back(mul.getRhs());
    }
    return factors;
  }
  auto collapse = [&](auto op) {
    ReassociationIndices group = op.getReassociationIndices()[*dim];
    auto srcType = cast<ShapedType>(op.getSrc().getType());
    if (llvm::count_if(group, [&](int64_t d) {
          return srcType.isDynamicDim(d);
        }) < 2)
      return;
    for (int64_t d : group)
      factors.push_back({op.getSrc(), d});
  };
  if (auto op = v.getDefiningOp<tensor::CollapseShapeOp>())
    collapse(op);
  else if (auto op = v.getDefiningOp<memref::CollapseShapeOp>())
    collapse(op);
  return factors;
}

static FailureOr<int64_t>
computeBound(presburger::BoundType type,
             const ValueBoundsConstraintSet::Variable &var, func::FuncOp func,
             Estimate estimate) {
  if (!func)
    return failure();
  auto stop = [&](Value v, std::optional<int64_t> dim,
                  ValueBoundsConstraintSet &cstr) {
    // A product of sizes: bounded by the product of its factors' bounds
    // (sizes are non-negative), computed on their own.
    SmallVector<ValueBoundsConstraintSet::Variable> factors =
        getProductFactors(v, dim);
    if (!factors.empty()) {
      int64_t lb = 1, ub = 1;
      bool known = true;
      for (const ValueBoundsConstraintSet::Variable &f : factors) {
        FailureOr<int64_t> l = computeBound(presburger::BoundType::LB, f,
                                            func, estimate);
        FailureOr<int64_t> u = computeBound(presburger::BoundType::UB, f,
                                            func, estimate);
        known &= succeeded(l) && succeeded(u) && *l >= 0 && *u >= 0;
        if (!known)
          break;
        lb *= *l;
        ub = *u != 0 && ub > std::numeric_limits<int64_t>::max() / *u
                 ? std::numeric_limits<int64_t>::max()
                 : ub * *u;
      }
      if (known) {
        if (dim) {
          cstr.bound(v)[*dim] >= lb;
          cstr.bound(v)[*dim] <= ub;
        } else {
          cstr.bound(v) >= lb;
          cstr.bound(v) <= ub;
        }
      }
      return true;
    }
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
