//===- SimplifyLayout.cpp - Transpose/reshape clean-ups -------------------===//
//
// kiln-simplify-layout: exporters wrap elementwise ops in reshapes and
// transposes (unsqueeze/squeeze around activations, NCHW<->NHWC shuffles);
// each one is a copy once lowered. These patterns turn transposes that only
// move size-1 dims into reshapes and move layout pairs across single-use
// elementwise ops so that the op folders compose or cancel them.
//
//===----------------------------------------------------------------------===//
#include "passes/Transforms/Passes.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNSIMPLIFYLAYOUT
#include "passes/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

/// transpose(x) -> reshape(x) when the permutation keeps the order of the
/// dims that are not 1: the row-major element order does not change.
struct TransposeOfUnitDimsToReshape : public OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "reshape needs a static shape");
    ArrayRef<int64_t> inShape = op.getInput().getType().getShape();
    int64_t last = -1;
    for (int64_t p : op.getPerm()) {
      if (inShape[p] == 1)
        continue;
      if (p < last)
        return rewriter.notifyMatchFailure(op, "moves non-unit dims");
      last = p;
    }
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, type, op.getInput(),
                                           type.getShape());
    return success();
  }
};

/// Elementwise ops a layout op commutes with: the result element at an index
/// depends only on the operand elements at the same index.
bool isUnaryElementwise(Operation *op) {
  return isa<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, ReciprocalOp, TanhOp,
             SigmoidOp, ErfOp, ReluOp, FloorOp, CeilOp, RoundOp, SinOp, CosOp,
             SignOp, NotOp, ClipOp, CastOp>(op);
}
bool isBinaryElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ModOp, AndOp,
             OrOp, XorOp, EqualOp, LessOp, LessEqualOp, GreaterOp,
             GreaterEqualOp>(op);
}

/// One elementwise op of a chain between two layout ops: `through` is the
/// operand index on the chain; the other operand, if any, is a splat.
struct ChainLink {
  Operation *op;
  unsigned through;
  SplatElementsAttr splat;
};

/// Matches `op` as a chain link: single use, elementwise, and for binary ops
/// one splat-constant operand that does not broadcast the result.
std::optional<ChainLink> matchChainLink(Operation *op) {
  if (!op || !op->hasOneUse() || op->getNumResults() != 1)
    return std::nullopt;
  if (isUnaryElementwise(op))
    return ChainLink{op, 0, {}};
  if (!isBinaryElementwise(op))
    return std::nullopt;
  SplatElementsAttr splat;
  unsigned through;
  if (matchPattern(op->getOperand(1), m_Constant(&splat)))
    through = 0;
  else if (matchPattern(op->getOperand(0), m_Constant(&splat)))
    through = 1;
  else
    return std::nullopt;
  auto throughType = cast<RankedTensorType>(op->getOperand(through).getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (throughType.getShape() != resultType.getShape())
    return std::nullopt;
  return ChainLink{op, through, splat};
}

/// outer(e_n(...e_1(inner(x)))) -> outer'(e_n(...e_1(x))) for layout ops
/// `inner` and `outer` of the same kind LayoutOp (reshape or transpose) and
/// a chain of single-use elementwise ops e_i (see matchChainLink). outer' is
/// the composition, which the folders drop when it is the identity.
template <typename LayoutOp>
struct MoveLayoutPairAcrossElementwise : public OpRewritePattern<LayoutOp> {
  using OpRewritePattern<LayoutOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(LayoutOp outer,
                                PatternRewriter &rewriter) const override {
    if constexpr (std::is_same_v<LayoutOp, ReshapeOp>) {
      if (!outer.getType().hasStaticShape())
        return failure();
    }
    // Walk up from `outer` to the inner layout op; chain[0] feeds outer.
    SmallVector<ChainLink> chain;
    Value v = outer.getInput();
    LayoutOp inner;
    while (!inner) {
      std::optional<ChainLink> link = matchChainLink(v.getDefiningOp());
      if (!link)
        return failure();
      chain.push_back(*link);
      v = link->op->getOperand(link->through);
      inner = v.template getDefiningOp<LayoutOp>();
    }

    Value current = inner.getInput();
    auto xType = cast<RankedTensorType>(current.getType());
    for (const ChainLink &link : llvm::reverse(chain)) {
      Operation *e = link.op;
      IRMapping mapping;
      mapping.map(e->getOperand(link.through), current);
      if (link.splat) {
        Value other = e->getOperand(1 - link.through);
        auto splatType =
            RankedTensorType::get(SmallVector<int64_t>(xType.getRank(), 1),
                                  link.splat.getElementType());
        Value c = ConstantOp::create(
            rewriter, other.getLoc(),
            DenseElementsAttr::get(splatType,
                                   link.splat.getSplatValue<Attribute>()));
        mapping.map(other, c);
      }
      Operation *moved = rewriter.clone(*e, mapping);
      Type elementType = getElementTypeOrSelf(e->getResult(0).getType());
      rewriter.modifyOpInPlace(moved, [&] {
        moved->getResult(0).setType(xType.clone(elementType));
      });
      current = moved->getResult(0);
    }

    if constexpr (std::is_same_v<LayoutOp, ReshapeOp>) {
      rewriter.replaceOpWithNewOp<ReshapeOp>(outer, outer.getType(), current,
                                             outer.getType().getShape());
    } else {
      SmallVector<int64_t> perm;
      for (int64_t q : outer.getPerm())
        perm.push_back(inner.getPerm()[q]);
      rewriter.replaceOpWithNewOp<TransposeOp>(outer, outer.getType(), current,
                                               perm);
    }
    // Each link's only use was the next one (or outer).
    for (const ChainLink &link : chain)
      rewriter.eraseOp(link.op);
    return success();
  }
};

struct KilnSimplifyLayoutPass
    : public mlir::kiln::impl::KilnSimplifyLayoutBase<KilnSimplifyLayoutPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKilnSimplifyLayoutPatterns(patterns);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::kiln::populateKilnSimplifyLayoutPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TransposeOfUnitDimsToReshape,
               MoveLayoutPairAcrossElementwise<ReshapeOp>,
               MoveLayoutPairAcrossElementwise<TransposeOp>>(
      patterns.getContext());
}
