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

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include "llvm/Support/MathExtras.h"

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

/// [lower, upper] bound of `var`, when both exist.
static std::optional<std::pair<int64_t, int64_t>>
boundsOf(const ValueBoundsConstraintSet::Variable &var, func::FuncOp func,
         Estimate estimate) {
  FailureOr<int64_t> l =
      computeBound(presburger::BoundType::LB, var, func, estimate);
  FailureOr<int64_t> u =
      computeBound(presburger::BoundType::UB, var, func, estimate);
  if (failed(l) || failed(u))
    return std::nullopt;
  return std::make_pair(*l, *u);
}

/// [lb, ub] of a semi-affine expression (products of symbols, e.g. the
/// size of a collapse_shape of two dynamic dims after canonicalization)
/// over operands in [lbs[i], ubs[i]], all non-negative; none if the
/// expression is not monotone in them (subtraction, division by a symbol).
static std::optional<std::pair<int64_t, int64_t>>
evaluateInterval(AffineExpr e, unsigned numDims, ArrayRef<int64_t> lbs,
                 ArrayRef<int64_t> ubs) {
  using Interval = std::pair<int64_t, int64_t>;
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return Interval{c.getValue(), c.getValue()};
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return Interval{lbs[d.getPosition()], ubs[d.getPosition()]};
  if (auto s = dyn_cast<AffineSymbolExpr>(e))
    return Interval{lbs[numDims + s.getPosition()],
                    ubs[numDims + s.getPosition()]};
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  auto l = evaluateInterval(bin.getLHS(), numDims, lbs, ubs);
  auto r = evaluateInterval(bin.getRHS(), numDims, lbs, ubs);
  if (!l || !r || l->first < 0 || r->first < 0)
    return std::nullopt;
  auto sat = [](int64_t a, int64_t b, bool mul) {
    int64_t out;
    if (mul ? llvm::MulOverflow(a, b, out) : llvm::AddOverflow(a, b, out))
      return std::numeric_limits<int64_t>::max();
    return out;
  };
  switch (bin.getKind()) {
  case AffineExprKind::Add:
    return Interval{sat(l->first, r->first, false),
                    sat(l->second, r->second, false)};
  case AffineExprKind::Mul:
    return Interval{sat(l->first, r->first, true),
                    sat(l->second, r->second, true)};
  case AffineExprKind::FloorDiv:
  case AffineExprKind::CeilDiv: {
    auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
    if (!c || c.getValue() <= 0)
      return std::nullopt;
    bool ceil = bin.getKind() == AffineExprKind::CeilDiv;
    auto div = [&](int64_t x) {
      return ceil ? llvm::divideCeil(x, c.getValue()) : x / c.getValue();
    };
    return Interval{div(l->first), div(l->second)};
  }
  default:
    return std::nullopt;
  }
}

static FailureOr<int64_t>
computeBound(presburger::BoundType type,
             const ValueBoundsConstraintSet::Variable &var, func::FuncOp func,
             Estimate estimate) {
  if (!func)
    return failure();
  auto stop = [&](Value v, std::optional<int64_t> dim,
                  ValueBoundsConstraintSet &cstr) {
    // A semi-affine apply (a product of sizes): ValueBounds cannot model
    // it, so it is bounded by interval arithmetic over its operands.
    if (auto apply = v.getDefiningOp<affine::AffineApplyOp>();
        apply && !dim && !apply.getAffineMap().getResult(0).isPureAffine()) {
      SmallVector<int64_t> lbs, ubs;
      bool known = true;
      for (Value operand : apply.getMapOperands()) {
        std::optional<std::pair<int64_t, int64_t>> b =
            boundsOf(operand, func, estimate);
        known &= b.has_value();
        if (!known)
          break;
        lbs.push_back(b->first);
        ubs.push_back(b->second);
      }
      std::optional<std::pair<int64_t, int64_t>> interval;
      if (known)
        interval = evaluateInterval(apply.getAffineMap().getResult(0),
                                    apply.getAffineMap().getNumDims(), lbs,
                                    ubs);
      if (interval) {
        cstr.bound(v) >= interval->first;
        cstr.bound(v) <= interval->second;
      }
      return true;
    }
    // A product of sizes: bounded by the product of its factors' bounds
    // (sizes are non-negative), computed on their own.
    SmallVector<ValueBoundsConstraintSet::Variable> factors =
        getProductFactors(v, dim);
    if (!factors.empty()) {
      int64_t lb = 1, ub = 1;
      bool known = true;
      for (const ValueBoundsConstraintSet::Variable &f : factors) {
        std::optional<std::pair<int64_t, int64_t>> b =
            boundsOf(f, func, estimate);
        known &= b && b->first >= 0 && b->second >= 0;
        if (!known)
          break;
        lb *= b->first;
        ub = b->second != 0 &&
                     ub > std::numeric_limits<int64_t>::max() / b->second
                 ? std::numeric_limits<int64_t>::max()
                 : ub * b->second;
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

/// The size of `dim` of `shaped` when it is static.
static std::optional<int64_t> getStaticDim(Value shaped, int64_t dim) {
  auto type = dyn_cast<ShapedType>(shaped.getType());
  if (type && type.hasRank() && dim < type.getRank() &&
      !type.isDynamicDim(dim))
    return type.getDimSize(dim);
  return std::nullopt;
}

FailureOr<int64_t> computeUpperBound(Value shaped, int64_t dim,
                                     func::FuncOp func) {
  if (std::optional<int64_t> size = getStaticDim(shaped, dim))
    return *size;
  return computeBound(presburger::BoundType::UB, {shaped, dim}, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeLowerBound(Value indexValue, func::FuncOp func) {
  return computeBound(presburger::BoundType::LB, indexValue, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeLowerBound(Value shaped, int64_t dim,
                                     func::FuncOp func) {
  if (std::optional<int64_t> size = getStaticDim(shaped, dim))
    return *size;
  return computeBound(presburger::BoundType::LB, {shaped, dim}, func,
                      Estimate::Range);
}

FailureOr<int64_t> computeOptSize(Value shaped, int64_t dim,
                                  func::FuncOp func) {
  if (std::optional<int64_t> size = getStaticDim(shaped, dim))
    return *size;
  return computeBound(presburger::BoundType::UB, {shaped, dim}, func,
                      Estimate::Opt);
}

FailureOr<LoopBound> computeLoopBound(linalg::LinalgOp op, unsigned loop,
                                      func::FuncOp func) {
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [pos, e] : llvm::enumerate(map.getResults())) {
      auto dimExpr = dyn_cast<AffineDimExpr>(e);
      if (!dimExpr || dimExpr.getPosition() != loop)
        continue;
      FailureOr<int64_t> ub = computeUpperBound(operand.get(), pos, func);
      if (failed(ub))
        continue;
      FailureOr<int64_t> opt = computeOptSize(operand.get(), pos, func);
      return LoopBound{*ub, succeeded(opt) ? *opt : *ub};
    }
  }
  return failure();
}

FailureOr<SmallVector<int64_t>>
computeLoopUpperBounds(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto func = op->getParentOfType<func::FuncOp>();
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (!ShapedType::isDynamic(ranges[d]))
      continue;
    FailureOr<LoopBound> bound =
        func ? computeLoopBound(op, d, func) : FailureOr<LoopBound>(failure());
    if (failed(bound))
      return failure();
    ranges[d] = bound->upper;
  }
  return ranges;
}

} // namespace mlir::kiln
