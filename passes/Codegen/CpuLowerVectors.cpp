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
  return llvm::is_contained(ArrayRef<StringRef>{"exp", "expm1", "log", "log1p",
                                                "log2", "tanh", "erf"},
                            name);
}

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
