//===- LowerMemRefCopy.cpp - Keep memref.copy off libmlir_c_runner_utils --===//
//
// kiln-lower-memref-copy: copies between strided (non-contiguous) buffers
// would lower to a call of `memrefCopy` from MLIR's runtime support library;
// rewrite them into linalg.copy, which becomes plain loops.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLOWERMEMREFCOPY
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Mirrors the check of the memref -> LLVM lowering that decides between
/// llvm.memcpy and the runtime library call.
static bool lowersToMemcpy(Type type) {
  auto memrefType = dyn_cast<MemRefType>(type);
  return memrefType &&
         (memrefType.getLayout().isIdentity() ||
          (memrefType.hasStaticShape() && memrefType.getNumElements() > 0 &&
           memref::isStaticShapeAndContiguousRowMajor(memrefType)));
}

struct CopyToLinalgCopy : public OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    if (lowersToMemcpy(op.getSource().getType()) &&
        lowersToMemcpy(op.getTarget().getType()))
      return rewriter.notifyMatchFailure(op, "becomes llvm.memcpy");
    if (!isa<MemRefType>(op.getSource().getType()) ||
        !isa<MemRefType>(op.getTarget().getType()))
      return rewriter.notifyMatchFailure(op, "unranked copy");
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }
};

struct KilnLowerMemRefCopyPass
    : public kiln::impl::KilnLowerMemRefCopyBase<KilnLowerMemRefCopyPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    kiln::populateKilnLowerMemRefCopyPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::kiln::populateKilnLowerMemRefCopyPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CopyToLinalgCopy>(patterns.getContext());
}
