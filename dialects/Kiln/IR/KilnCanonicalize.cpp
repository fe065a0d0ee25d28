//===- KilnCanonicalize.cpp - canonicalization patterns of kiln ops -------===//
//
// Cheap local rewrites that are exact for every input, NaN and signed zeros
// included: no reassociation, no fast-math identities. Rewrites that cost
// more than O(1) work on constants belong to kiln-fold-constants.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;

namespace {

//===----------------------------------------------------------------------===//
// Unary chains
//===----------------------------------------------------------------------===//

/// op(op(x)) -> op(x) for idempotent ops (relu, abs).
template <typename OpTy> struct FoldIdempotent : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().template getDefiningOp<OpTy>();
    if (!inner)
      return failure();
    rewriter.replaceOp(op, inner.getResult());
    return success();
  }
};

/// op(op(x)) -> x for involutions (neg, not). Exact: negation only flips
/// the sign bit (or wraps for integers), not flips a bit.
template <typename OpTy> struct FoldInvolution : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().template getDefiningOp<OpTy>();
    if (!inner)
      return failure();
    rewriter.replaceOp(op, inner.getInput());
    return success();
  }
};

/// abs(neg(x)) -> abs(x).
struct FoldAbsOfNeg : public OpRewritePattern<AbsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AbsOp op,
                                PatternRewriter &rewriter) const override {
    auto neg = op.getInput().getDefiningOp<NegOp>();
    if (!neg)
      return failure();
    rewriter.modifyOpInPlace(
        op, [&] { op.getInputMutable().assign(neg.getInput()); });
    return success();
  }
};

/// clip(clip(x, a1, b1), a2, b2) -> clip(x, max(a1, a2), min(b1, b2)) when
/// both clips and the merged range are non-empty (clamping into a range
/// that overlaps the first one). An empty clip maps everything to its max,
/// which the merged clip would not reproduce.
struct MergeClipOfClip : public OpRewritePattern<ClipOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ClipOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ClipOp>();
    if (!inner)
      return failure();
    // Integer clips clamp to the integers inside their range (min rounds
    // up, max down), so the emptiness checks below use those.
    bool isInt = isa<IntegerType>(op.getType().getElementType());
    auto value = [&](std::optional<APFloat> f, bool isMin) {
      if (!f)
        return std::optional<double>();
      double v = f->convertToDouble();
      if (isInt)
        v = isMin ? std::ceil(v) : std::floor(v);
      return std::optional<double>(v);
    };
    std::optional<double> lo1 = value(inner.getMin(), true),
                          hi1 = value(inner.getMax(), false);
    std::optional<double> lo2 = value(op.getMin(), true),
                          hi2 = value(op.getMax(), false);
    auto nonEmpty = [](std::optional<double> lo, std::optional<double> hi) {
      return !lo || !hi || *lo <= *hi;
    };
    std::optional<double> lo = lo1, hi = hi1;
    if (lo2)
      lo = lo ? std::max(*lo, *lo2) : *lo2;
    if (hi2)
      hi = hi ? std::min(*hi, *hi2) : *hi2;
    if (!nonEmpty(lo1, hi1) || !nonEmpty(lo2, hi2) || !nonEmpty(lo, hi))
      return rewriter.notifyMatchFailure(op, "a range is empty");
    // Lowerings may clamp with maxnum/minnum, which map NaN to a bound: then
    // a NaN leaves the inner clip as one of its bounds, and the merged clip
    // agrees only if the outer clip adds no bound the inner one lacks.
    if (isa<FloatType>(op.getType().getElementType()) &&
        ((!lo1 && lo2) || (!hi1 && hi2)))
      return rewriter.notifyMatchFailure(op, "NaN handling could differ");
    FloatAttr min = lo ? rewriter.getF64FloatAttr(*lo) : FloatAttr();
    FloatAttr max = hi ? rewriter.getF64FloatAttr(*hi) : FloatAttr();
    rewriter.replaceOpWithNewOp<ClipOp>(op, op.getType(), inner.getInput(), min,
                                        max);
    return success();
  }
};

/// True if every value of `from` is exactly representable in `to` under
/// kiln.cast's value semantics (i1 holds 0 and 1; signless is signed).
bool isLosslessCast(Type from, Type to) {
  if (from == to)
    return true;
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  auto fromInt = dyn_cast<IntegerType>(from), toInt = dyn_cast<IntegerType>(to);
  if (fromFloat && toFloat)
    return APFloat::isRepresentableBy(fromFloat.getFloatSemantics(),
                                      toFloat.getFloatSemantics());
  if (!fromInt)
    return false;
  unsigned width = fromInt.getWidth();
  bool fromUnsigned = fromInt.isUnsigned() || width == 1;
  unsigned magnitudeBits = fromUnsigned ? width : width - 1;
  if (toInt) {
    // To i1 is `x != 0`, which loses everything but zero-ness.
    if (toInt.getWidth() == 1)
      return false;
    bool toUnsigned = toInt.isUnsigned();
    if (!fromUnsigned && toUnsigned)
      return false;
    unsigned toMagnitude = toUnsigned ? toInt.getWidth() : toInt.getWidth() - 1;
    return magnitudeBits <= toMagnitude;
  }
  if (toFloat)
    return magnitudeBits <=
           APFloat::semanticsPrecision(toFloat.getFloatSemantics());
  return false;
}

/// cast(cast(x : A -> B) -> C) -> cast(x : A -> C) when A -> B is lossless:
/// the outer cast then sees exactly the values of x. If C is A, the folder
/// then removes the remaining identity cast.
struct FoldCastOfLosslessCast : public OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<CastOp>();
    if (!inner)
      return failure();
    Type from = inner.getInput().getType().getElementType();
    if (!isLosslessCast(from, inner.getType().getElementType()))
      return rewriter.notifyMatchFailure(op, "inner cast may lose values");
    rewriter.replaceOpWithNewOp<CastOp>(op, op.getType(), inner.getInput(),
                                        op.getToAttr());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

/// slice(slice(x)) -> one slice: element i of the outer slice reads
/// x[o1 + (o2 + i * s2) * s1].
struct ComposeSliceOfSlice : public OpRewritePattern<SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SliceOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<SliceOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> offsets, strides;
    for (int64_t d = 0, e = op.getType().getRank(); d < e; ++d) {
      offsets.push_back(inner.getOffsets()[d] +
                        op.getOffsets()[d] * inner.getStrides()[d]);
      strides.push_back(inner.getStrides()[d] * op.getStrides()[d]);
    }
    rewriter.replaceOpWithNewOp<SliceOp>(op, op.getType(), inner.getInput(),
                                         offsets, op.getSizes(), strides);
    return success();
  }
};

/// concat drops inputs that are empty along the axis and splices in
/// single-use concats along the same axis.
struct SimplifyConcatInputs : public OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    int64_t axis = op.getAxis();
    SmallVector<Value> inputs;
    bool changed = false;
    for (Value v : op.getInputs()) {
      if (cast<RankedTensorType>(v.getType()).getDimSize(axis) == 0) {
        changed = true;
        continue;
      }
      auto nested = v.getDefiningOp<ConcatOp>();
      if (nested && static_cast<int64_t>(nested.getAxis()) == axis &&
          nested->hasOneUse()) {
        llvm::append_range(inputs, nested.getInputs());
        changed = true;
        continue;
      }
      inputs.push_back(v);
    }
    if (!changed || inputs.empty())
      return failure();
    rewriter.replaceOpWithNewOp<ConcatOp>(op, op.getType(), inputs, axis);
    return success();
  }
};

/// where(splat c, a, b) -> a or b when that operand already has the result
/// type.
struct FoldWhereOfSplatCondition : public OpRewritePattern<WhereOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(WhereOp op,
                                PatternRewriter &rewriter) const override {
    SplatElementsAttr condition;
    if (!matchPattern(op.getCondition(), m_Constant(&condition)))
      return failure();
    Value chosen =
        condition.getSplatValue<bool>() ? op.getOnTrue() : op.getOnFalse();
    if (chosen.getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "chosen operand broadcasts");
    rewriter.replaceOp(op, chosen);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Binary identities
//===----------------------------------------------------------------------===//

enum class Identity { PositiveZero, One };

/// True if `attr` is a splat equal to the identity. For floats the zero
/// must be +0.0: x - (+0.0) == x for every x, including -0.0.
bool isSplatIdentity(Attribute attr, Identity identity) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type type = splat.getElementType();
  if (isa<FloatType>(type)) {
    APFloat v = splat.getSplatValue<APFloat>();
    return identity == Identity::PositiveZero ? v.isPosZero()
                                              : v.isExactlyValue(1.0);
  }
  if (type.isInteger(1))
    return false;
  APInt v = splat.getSplatValue<APInt>();
  return identity == Identity::PositiveZero ? v.isZero() : v.isOne();
}

/// op(x, identity) -> x (sub by +0, div by 1, pow by 1) when the result has
/// x's type.
template <typename OpTy, Identity identity>
struct FoldRightIdentity : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    Attribute rhs;
    if (op.getType() != op.getLhs().getType() ||
        !matchPattern(op.getRhs(), m_Constant(&rhs)) ||
        !isSplatIdentity(rhs, identity))
      return failure();
    rewriter.replaceOp(op, op.getLhs());
    return success();
  }
};

/// op(x, x) -> x for idempotent binary ops (max, min, and, or). max(NaN,
/// NaN) is NaN, so this holds for floats too.
template <typename OpTy>
struct FoldSameOperands : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (op.getLhs() != op.getRhs())
      return failure();
    rewriter.replaceOp(op, op.getLhs());
    return success();
  }
};

} // namespace

void ReluOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<FoldIdempotent<ReluOp>>(context);
}
void AbsOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldIdempotent<AbsOp>, FoldAbsOfNeg>(context);
}
void NegOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldInvolution<NegOp>>(context);
}
void NotOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldInvolution<NotOp>>(context);
}
void ClipOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<MergeClipOfClip>(context);
}
void CastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<FoldCastOfLosslessCast>(context);
}
void SliceOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<ComposeSliceOfSlice>(context);
}
void ConcatOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<SimplifyConcatInputs>(context);
}
void WhereOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                          MLIRContext *context) {
  results.add<FoldWhereOfSplatCondition>(context);
}
void SubOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldRightIdentity<SubOp, Identity::PositiveZero>>(context);
}
void DivOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldRightIdentity<DivOp, Identity::One>>(context);
}
void PowOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldRightIdentity<PowOp, Identity::One>>(context);
}
void MaxOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldSameOperands<MaxOp>>(context);
}
void MinOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldSameOperands<MinOp>>(context);
}
void AndOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                        MLIRContext *context) {
  results.add<FoldSameOperands<AndOp>>(context);
}
void OrOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                       MLIRContext *context) {
  results.add<FoldSameOperands<OrOp>>(context);
}
