//===- FuseElementwise.cpp - Elementwise fusion that spares contractions --===//
//
// kiln-fuse-elementwise: upstream generic -> generic fusion, restricted so
// that contraction/convolution bodies stay recognizable (a matmul with a
// fused exp in its body could no longer be vectorized as vector.contract).
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFUSEELEMENTWISE
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Whether a fused body may change without hurting codegen: all-parallel ops
/// and plain reductions (one reduction loop, no contraction/convolution).
static bool isFusionFriendly(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0)
    return true;
  if (linalg::isaContractionOpInterface(op) ||
      linalg::isaConvolutionOpInterface(op, /*allowEmptyConvolvedDims=*/true))
    return false;
  // Reductions whose input maps are not projected permutations are windowed
  // (pooling-like) ops: keep their bodies intact too.
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return map.isProjectedPermutation();
  });
}

static bool controlFusion(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  auto producerOp = dyn_cast_or_null<linalg::LinalgOp>(producer);
  if (!producerOp || !consumer)
    return false;
  // Fusing into a second user would compute the producer twice.
  if (!producer->hasOneUse())
    return false;
  return producerOp.getNumReductionLoops() == 0 && isFusionFriendly(consumer);
}

struct KilnFuseElementwisePass
    : public kiln::impl::KilnFuseElementwiseBase<KilnFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, controlFusion);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
