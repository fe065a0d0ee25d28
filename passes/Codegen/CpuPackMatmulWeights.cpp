//===- CpuPackMatmulWeights.cpp - Compile-time packing of matmul weights --===//
//
// kiln-cpu-pack-matmul-weights: a large f32 matmul whose right-hand side B
// [K, N] is a constant reads B through panels of N/nr columns: in the
// register tile's K loop, consecutive B rows are N floats apart, so with
// power-of-two N (8 KiB rows at N = 2048) every row of a cache tile's panel
// maps to the same few L1/L2 sets and they evict each other. B is repacked
// at compile time into Bp [N/nr, K, nr] (nr = the register tile's width, 2
// vectors): the K rows of one panel are contiguous, in the order the
// micro-kernel reads them, and the matmul becomes a contraction over
// (m, j, n, k) that kiln-cpu-tile-and-fuse tiles like any other (its
// accumulator is C viewed as [M, N/nr, nr], a free reshape).
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"
#include "passes/Codegen/ConstantLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNCPUPACKMATMULWEIGHTS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// The weights B [k, n] (f32) repacked into panels Bp [n / panel, k, panel],
/// Bp[j, kk, l] = B[kk, j * panel + l]: B viewed as [k, n / panel, panel],
/// transposed (1, 0, 2).
static ElementsAttr packWeights(ElementsAttr weights, int64_t k, int64_t n,
                                int64_t panel) {
  return kiln::transposeConstant(weights, {k, n / panel, panel}, {1, 0, 2},
                                 {n / panel, k, panel}, "_packed");
}

/// Whether `op` is a plain row-major matmul C[m, n] += A[m, k] * B[k, n].
static bool hasDefaultMatmulMaps(linalg::MatmulOp op) {
  return op.getIndexingMapsArray() ==
         linalg::MatmulOp::getDefaultIndexingMaps(op.getContext());
}

struct KilnCpuPackMatmulWeightsPass
    : public kiln::impl::KilnCpuPackMatmulWeightsBase<
          KilnCpuPackMatmulWeightsPass> {
  using Base::Base;

  /// Rewrites `op` into a contraction with packed weights (`cache`: the
  /// packed form of each weight already packed, so a weight shared by
  /// several matmuls is stored once). Returns the new contraction, or null
  /// when `op` does not qualify.
  linalg::GenericOp packMatmul(RewriterBase &rewriter, linalg::MatmulOp op,
                               int64_t panel,
                               DenseMap<Attribute, ElementsAttr> &cache) {
    if (!op.hasPureTensorSemantics() || !hasDefaultMatmulMaps(op))
      return {};
    Value a = op.getInputs()[0], b = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto aType = dyn_cast<RankedTensorType>(a.getType());
    auto bType = dyn_cast<RankedTensorType>(b.getType());
    auto cType = dyn_cast<RankedTensorType>(init.getType());
    // M may be a run-time extent (a batch of rows): the packed weights do
    // not depend on it. K and N must be static.
    if (!aType || !bType || !cType || !bType.hasStaticShape() ||
        aType.isDynamicDim(1) || cType.isDynamicDim(1) ||
        aType.isDynamicDim(0) != cType.isDynamicDim(0))
      return {};
    Type f32 = rewriter.getF32Type();
    if (aType.getElementType() != f32 || bType.getElementType() != f32 ||
        cType.getElementType() != f32)
      return {};
    int64_t m = aType.getDimSize(0), k = aType.getDimSize(1),
            n = bType.getDimSize(1);
    // A dynamic M counts with its size at the opt input shape (what the
    // build is tuned for).
    int64_t workM = m;
    if (ShapedType::isDynamic(m)) {
      FailureOr<int64_t> opt = kiln::computeOptSize(
          a, 0, op->getParentOfType<func::FuncOp>());
      if (failed(opt))
        return {};
      workM = *opt;
    }
    if (n % panel != 0 || n == panel ||
        static_cast<double>(workM) * n * k < static_cast<double>(minWork))
      return {};
    ElementsAttr weights;
    if (!matchPattern(b, m_Constant(&weights)))
      return {};
    ElementsAttr &packedAttr = cache[weights];
    if (!packedAttr)
      packedAttr = packWeights(weights, k, n, panel);
    if (!packedAttr)
      return {};
    int64_t panels = n / panel;

    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    Value packed =
        arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(packedAttr));
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
    auto acc3Type = RankedTensorType::get({m, panels, panel}, f32);
    Value acc3;
    if (ShapedType::isDynamic(m)) {
      // Rows of A (defined before the accumulator's producers), so the
      // expand_shape can move next to the empty tensor below.
      Value rows = tensor::DimOp::create(rewriter, loc, a, 0);
      acc3 = tensor::ExpandShapeOp::create(
          rewriter, loc, acc3Type, init, groups,
          SmallVector<OpFoldResult>{rows, rewriter.getIndexAttr(panels),
                                    rewriter.getIndexAttr(panel)});
    } else {
      acc3 = tensor::ExpandShapeOp::create(rewriter, loc, acc3Type, init,
                                           groups);
    }
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dm, dj, dl, dk;
    bindDims(ctx, dm, dj, dl, dk);
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {dm, dk}, ctx),
        AffineMap::get(4, 0, {dj, dk, dl}, ctx),
        AffineMap::get(4, 0, {dm, dj, dl}, ctx)};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::parallel, utils::IteratorType::reduction};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{acc3Type}, ValueRange{a, packed},
        ValueRange{acc3}, maps, iterators,
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value mul = arith::MulFOp::create(b, loc, args[0], args[1]);
          Value add = arith::AddFOp::create(b, loc, args[2], mul);
          linalg::YieldOp::create(b, loc, add);
        });
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, cType, generic.getResult(0), groups);
    return generic;
  }

  void runOnOperation() override {
    int64_t panel = 2 * std::max<int64_t>(1, vectorBits / 32);
    SmallVector<linalg::MatmulOp> candidates;
    getOperation().walk(
        [&](linalg::MatmulOp op) { candidates.push_back(op); });
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    llvm::SmallPtrSet<Operation *, 4> packed;
    DenseMap<Attribute, ElementsAttr> cache;
    for (linalg::MatmulOp op : candidates)
      if (linalg::GenericOp generic = packMatmul(rewriter, op, panel, cache))
        packed.insert(generic);
    if (packed.empty())
      return;

    // The accumulator's producer (a fill of an empty tensor) takes the 3-D
    // shape, and elementwise consumers (bias, activation) are expanded to
    // read the 3-D result directly: both stay fusable into the
    // contraction's tiles.
    RewritePatternSet patterns(ctx);
    linalg::FillOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        patterns, [&](OpOperand *operand) {
          auto collapse =
              operand->get().getDefiningOp<tensor::CollapseShapeOp>();
          if (!collapse || !packed.contains(collapse.getSrc().getDefiningOp()))
            return false;
          auto consumer = dyn_cast<linalg::GenericOp>(operand->getOwner());
          return consumer && consumer.getNumReductionLoops() == 0 &&
                 consumer.getNumDpsInits() == 1;
        });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // Reshaped constants (a bias [N] viewed as [N/nr, nr]) and empty
    // tensors right after their source: an epilogue is fused only when its
    // other operands are available before the contraction. The empty
    // tensors keep their 2-D shape (viewed as 3-D) so that, once bufferized,
    // the result is the 2-D buffer itself and can become the function's
    // out-param without a copy.
    getOperation().walk([&](tensor::ExpandShapeOp expand) {
      Operation *def = expand.getSrc().getDefiningOp();
      if (!def ||
          !(def->hasTrait<OpTrait::ConstantLike>() ||
            isa<tensor::EmptyOp>(def)) ||
          def->getBlock() != expand->getBlock())
        return;
      // A dynamic output shape (rows of A) moves along when its operands
      // are available there.
      SmallVector<Operation *> sizeOps;
      for (Value size : expand.getOutputShape()) {
        Operation *sizeOp = size.getDefiningOp();
        if (!sizeOp || sizeOp->getBlock() != def->getBlock() ||
            sizeOp->isBeforeInBlock(def) || sizeOp == def)
          continue;
        if (!isMemoryEffectFree(sizeOp) || sizeOp->getNumRegions() != 0 ||
            llvm::any_of(sizeOp->getOperands(), [&](Value v) {
              Operation *d = v.getDefiningOp();
              return d && d->getBlock() == def->getBlock() &&
                     !d->isBeforeInBlock(def) && d != def;
            }))
          return;
        sizeOps.push_back(sizeOp);
      }
      Operation *point = def;
      for (Operation *sizeOp : sizeOps) {
        sizeOp->moveAfter(point);
        point = sizeOp;
      }
      expand->moveAfter(point);
    });
  }
};
} // namespace
