//===- GpuConvToGemm.cpp - Convolutions as GEMMs for the GPU kernels ------===//
//
// kiln-gpu-conv-to-gemm: every linalg.conv_2d_nchw_fchw becomes a GEMM
// (upstream rewriteInIm2Col: filter [F, C*KH*KW] x columns
// [N, C*KH*KW, OH*OW]) so that it runs in the contraction kernels (tensor
// cores at tf32/bf16/fp16). The columns are not materialized: the im2col
// generic is marked kiln.gpu.gather and the contraction kernel gathers its
// elements from the image while staging them in shared memory (implicit
// GEMM). The reshapes around the GEMM are folded into its initializer and
// its elementwise consumers (which then work on [N, F, OH*OW]), so that
// bias and activation stay fused into the kernel. See Passes.td.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/ContractionKernel.h"
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUCONVTOGEMM
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// The GEMM's accumulator is collapse_shape(init) of the convolution's
/// initializer: a generic over the image (bias broadcast) collapses its
/// OH, OW loops instead, so it stays a fusable initializer.
static void collapseInitializer(RewriterBase &rewriter, linalg::LinalgOp gemm) {
  auto collapse = gemm.getDpsInits()[0].getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return;
  auto init = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (!init || !init->hasOneUse() || init.getNumReductionLoops() != 0 ||
      !init.getMatchingIndexingMap(init.getDpsInitOperand(0)).isIdentity())
    return;
  SmallVector<ReassociationIndices> dims = collapse.getReassociationIndices();
  if (!linalg::areDimSequencesPreserved(init.getIndexingMapsArray(), dims))
    return;
  rewriter.setInsertionPoint(init);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(init, dims, rewriter);
  if (failed(collapsed))
    return;
  rewriter.replaceOp(init, collapsed->results);
  // collapse_shape(expand_shape(x)) folds into x.
  rewriter.setInsertionPoint(collapse);
  if (auto expand = collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
      expand && expand.getSrcType() == collapse.getResultType() &&
      expand.getReassociationIndices() == dims)
    rewriter.replaceOp(collapse, expand.getSrc());
}

struct GpuConvToGemm
    : public kiln::impl::KilnGpuConvToGemmBase<GpuConvToGemm> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    func.walk([&](linalg::Conv2DNchwFchwOp conv) {
      auto types = llvm::map_to_vector(conv->getOperandTypes(), [](Type t) {
        return cast<ShapedType>(t);
      });
      if (llvm::all_of(types, [](ShapedType t) {
            return t.hasStaticShape() && t.getElementType().isF32();
          }))
        convs.push_back(conv);
    });
    IRRewriter rewriter(ctx);
    llvm::SmallPtrSet<Operation *, 8> gemms;
    for (linalg::Conv2DNchwFchwOp conv : convs) {
      // The accumulator initializer (bias broadcast) as a generic, so that
      // the reshape onto the GEMM's [N, F, OH*OW] folds into it.
      if (auto init = conv.getDpsInits()[0].getDefiningOp<linalg::LinalgOp>();
          init && !isa<linalg::GenericOp, linalg::FillOp>(init) &&
          init->hasOneUse()) {
        rewriter.setInsertionPoint(init);
        (void)linalg::generalizeNamedOp(rewriter, init);
      }
      rewriter.setInsertionPoint(conv);
      FailureOr<std::pair<Operation *, Operation *>> res =
          linalg::rewriteInIm2Col(rewriter, conv);
      if (failed(res))
        continue;
      res->first->setAttr(kiln::gpu_kernel::kGatherAttr,
                          rewriter.getUnitAttr());
      // The second op is the result: expand_shape(GEMM).
      Operation *result = res->second;
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(result))
        result = expand.getSrc().getDefiningOp();
      auto gemm = dyn_cast_or_null<linalg::LinalgOp>(result);
      if (!gemm) {
        conv.emitError("kiln-gpu-conv-to-gemm: unexpected im2col form");
        return signalPassFailure();
      }
      gemms.insert(gemm);
      collapseInitializer(rewriter, gemm);
    }
    if (gemms.empty())
      return;
    // Reshapes between the GEMMs and their initializers / elementwise
    // consumers fold into those ops (collapsing OH and OW).
    RewritePatternSet patterns(ctx);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(
        patterns, [&](OpOperand *operand) {
          Operation *owner = operand->getOwner();
          Value value = operand->get();
          if (gemms.contains(owner))
            return true;
          if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>())
            return gemms.contains(expand.getSrc().getDefiningOp());
          for (Operation *user : value.getUsers())
            if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user))
              for (Operation *collapseUser : collapse->getUsers())
                if (gemms.contains(collapseUser))
                  return true;
          return false;
        });
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::FillOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
