//===- CpuLowerVectors.cpp - Progressive vector lowering for CPUs ---------===//
//
// kiln-cpu-lower-vectors: the vector lowering recipe measured in
// shared/reference/cpu-matmul-schedule.mlir (contract -> outer products ->
// FMAs, 1-D transfers, shuffle transposes), plus polynomial approximations
// that keep transcendental functions vectorized.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorTransforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNCPULOWERVECTORS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Math functions that models use as activations (GELU: erf/tanh, softmax:
/// exp, ...) and whose approximations are accurate to a few ulp in f32.
static bool isApproximated(StringRef name) {
  return llvm::is_contained(
      ArrayRef<StringRef>{"math.exp", "math.expm1", "math.log", "math.log1p",
                          "math.log2", "math.tanh", "math.erf"},
      name);
}

/// A 1-D transfer_read along a memref dimension of small constant stride s
/// (a strided convolution's input row) -> one contiguous read of
/// (n - 1) * s + 1 elements and a shuffle picking every s-th, instead of n
/// scalar loads. The wide read stays inside the buffer: its last element is
/// the strided read's last one.
struct StridedReadToShuffle : public OpRewritePattern<vector::TransferReadOp> {
  StridedReadToShuffle(MLIRContext *ctx)
      : OpRewritePattern<vector::TransferReadOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto memType = dyn_cast<MemRefType>(read.getBase().getType());
    VectorType vecType = read.getVectorType();
    if (!memType || memType.getRank() == 0 || vecType.getRank() != 1 ||
        vecType.isScalable() || vecType.getNumElements() < 2 ||
        read.getMask() || !read.getPermutationMap().isMinorIdentity() ||
        !read.isDimInBounds(0))
      return failure();
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(memType.getStridesAndOffset(strides, offset)))
      return failure();
    int64_t stride = strides.back();
    if (ShapedType::isDynamic(stride) || stride < 2 || stride > 8)
      return failure();
    int64_t n = vecType.getNumElements();
    int64_t span = (n - 1) * stride + 1;

    Location loc = read.getLoc();
    auto meta = memref::ExtractStridedMetadataOp::create(rewriter, loc,
                                                         read.getBase());
    Value linear = meta.getOffset();
    for (auto [idx, dimStride] :
         llvm::zip(read.getIndices(), meta.getStrides())) {
      Value scaled = arith::MulIOp::create(rewriter, loc, idx, dimStride);
      linear = arith::AddIOp::create(rewriter, loc, linear, scaled);
    }
    auto viewType = MemRefType::get(
        {span}, memType.getElementType(),
        StridedLayoutAttr::get(rewriter.getContext(), ShapedType::kDynamic,
                               {1}),
        memType.getMemorySpace());
    Value view = memref::ReinterpretCastOp::create(
        rewriter, loc, viewType, meta.getBaseBuffer(), OpFoldResult(linear),
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(span)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value wide = vector::TransferReadOp::create(
        rewriter, loc, VectorType::get({span}, vecType.getElementType()), view,
        ValueRange{zero}, read.getPadding(), ArrayRef<bool>{true});
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < n; ++i)
      mask.push_back(i * stride);
    rewriter.replaceOpWithNewOp<vector::ShuffleOp>(read, wide, wide, mask);
    return success();
  }
};

struct KilnCpuLowerVectorsPass
    : public kiln::impl::KilnCpuLowerVectorsBase<KilnCpuLowerVectorsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Operation *root = getOperation();

    // 1. Contractions and reductions, while transfers are still n-D.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      vector::VectorTransformsOptions splitOptions;
      splitOptions.setVectorTransferSplit(
          vector::VectorTransferSplit::LinalgCopy);
      vector::populateVectorTransferFullPartialPatterns(patterns,
                                                        splitOptions);
      populateVectorToSCFConversionPatterns(
          patterns,
          VectorTransferToSCFOptions().setTargetRank(1).enableFullUnroll());
      vector::populateVectorTransferLoweringPatterns(patterns,
                                                     /*maxTransferRank=*/1);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::Shuffle1D);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorGatherLoweringPatterns(patterns);
      vector::populateVectorStepLoweringPatterns(patterns);
      patterns.add<StridedReadToShuffle>(ctx);
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }

    // 2. Transcendentals: polynomial approximations work on whole vectors;
    // math-to-llvm would scalarize them into one libm call per lane.
    {
      RewritePatternSet patterns(ctx);
      populateMathF32ExpansionPatterns(patterns, isApproximated);
      populateMathPolynomialApproximationPatterns(patterns, isApproximated);
      // The approximations create new vector broadcasts/shape casts.
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }
  }
};
} // namespace
