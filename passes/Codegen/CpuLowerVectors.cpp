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

#include <numeric>
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

/// A 1-D vector.multi_reduction to a scalar -> vector.reduction. (The
/// inner-parallel multi-reduction lowering, right for matmul-like
/// reductions over outer dims, would unroll it into one scalar op per lane.)
struct OneDimMultiReduction
    : public OpRewritePattern<vector::MultiDimReductionOp> {
  OneDimMultiReduction(MLIRContext *ctx)
      : OpRewritePattern<vector::MultiDimReductionOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getSourceVectorType();
    if (type.getRank() != 1 || type.isScalable() ||
        cast<vector::MaskableOpInterface>(op.getOperation()).isMasked() ||
        isa<VectorType>(op.getType()))
      return failure();
    rewriter.replaceOpWithNewOp<vector::ReductionOp>(
        op, op.getKind(), op.getSource(), op.getAcc());
    return success();
  }
};

/// vector.reduction of a float min/max -> a tree of elementwise min/max on
/// halves of the vector. The x86 backend expands llvm.vector.reduce.fmaximum
/// (NaN-propagating, softmax's row max) into a scalar compare chain; the
/// elementwise form stays in vector registers.
struct MinMaxReductionToTree : public OpRewritePattern<vector::ReductionOp> {
  MinMaxReductionToTree(MLIRContext *ctx)
      : OpRewritePattern<vector::ReductionOp>(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(vector::ReductionOp op,
                                PatternRewriter &rewriter) const override {
    using vector::CombiningKind;
    CombiningKind kind = op.getKind();
    if (kind != CombiningKind::MAXIMUMF && kind != CombiningKind::MINIMUMF &&
        kind != CombiningKind::MAXNUMF && kind != CombiningKind::MINNUMF)
      return failure();
    VectorType type = op.getSourceVectorType();
    if (type.getRank() != 1 || type.isScalable() ||
        cast<vector::MaskableOpInterface>(op.getOperation()).isMasked())
      return failure();
    int64_t n = type.getNumElements();
    if (n < 2 || !llvm::isPowerOf2_64(n))
      return failure();
    Location loc = op.getLoc();
    Value v = op.getVector();
    for (; n > 1; n /= 2) {
      SmallVector<int64_t> lo, hi;
      for (int64_t i = 0; i < n / 2; ++i) {
        lo.push_back(i);
        hi.push_back(n / 2 + i);
      }
      Value a = vector::ShuffleOp::create(rewriter, loc, v, v, lo);
      Value b = vector::ShuffleOp::create(rewriter, loc, v, v, hi);
      v = vector::makeArithReduction(rewriter, loc, kind, a, b);
    }
    Value result = vector::ExtractOp::create(rewriter, loc, v,
                                             ArrayRef<int64_t>{0});
    if (Value acc = op.getAcc())
      result = vector::makeArithReduction(rewriter, loc, kind, result, acc);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Returns `n` lanes, when a vector of `n` elements is worth widening: the
/// x86 backend assembles loads/stores of <7 x float> (a 7x7 feature map row)
/// from 4 + 2 + 1 element pieces; one masked load/store of 8 is one
/// instruction (AVX-512 masks, AVX2 vmaskmov).
static std::optional<int64_t> widenedLanes(VectorType type) {
  if (type.getRank() != 1 || type.isScalable())
    return std::nullopt;
  int64_t n = type.getNumElements();
  if (n <= 2 || n > 256 || llvm::isPowerOf2_64(n))
    return std::nullopt;
  return static_cast<int64_t>(llvm::bit_ceil(static_cast<uint64_t>(n)));
}

static Value prefixMask(PatternRewriter &rewriter, Location loc, int64_t n,
                        int64_t wide) {
  SmallVector<bool> bits(wide, false);
  std::fill_n(bits.begin(), n, true);
  auto maskType = VectorType::get({wide}, rewriter.getI1Type());
  return arith::ConstantOp::create(rewriter, loc, maskType,
                                   DenseElementsAttr::get(maskType, bits));
}

struct WidenOddLoad : public OpRewritePattern<vector::LoadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::LoadOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getVectorType();
    std::optional<int64_t> wide = widenedLanes(type);
    if (!wide)
      return failure();
    Location loc = op.getLoc();
    int64_t n = type.getNumElements();
    auto wideType = VectorType::get({*wide}, type.getElementType());
    Value mask = prefixMask(rewriter, loc, n, *wide);
    Value pass = arith::ConstantOp::create(
        rewriter, loc, wideType, rewriter.getZeroAttr(wideType));
    Value loaded = vector::MaskedLoadOp::create(
        rewriter, loc, wideType, op.getBase(), op.getIndices(), mask, pass);
    SmallVector<int64_t> prefix(n);
    std::iota(prefix.begin(), prefix.end(), 0);
    rewriter.replaceOpWithNewOp<vector::ShuffleOp>(op, loaded, loaded, prefix);
    return success();
  }
};

struct WidenOddStore : public OpRewritePattern<vector::StoreOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::StoreOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getVectorType();
    std::optional<int64_t> wide = widenedLanes(type);
    if (!wide)
      return failure();
    Location loc = op.getLoc();
    int64_t n = type.getNumElements();
    SmallVector<int64_t> lanes(*wide, 0);
    std::iota(lanes.begin(), lanes.begin() + n, 0);
    Value value = vector::ShuffleOp::create(rewriter, loc, op.getValueToStore(),
                                            op.getValueToStore(), lanes);
    Value mask = prefixMask(rewriter, loc, n, *wide);
    rewriter.replaceOpWithNewOp<vector::MaskedStoreOp>(
        op, op.getBase(), op.getIndices(), mask, value);
    return success();
  }
};

struct KilnCpuLowerVectorsPass
    : public kiln::impl::KilnCpuLowerVectorsBase<KilnCpuLowerVectorsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Operation *root = getOperation();

    // 0. Masked transfers (the remainder tiles of loops over a dynamic
    // dimension) take their mask as an operand: the transfer lowerings below
    // would otherwise rewrite the op inside a vector.mask into several ops,
    // or drop unit dims of its vector but not of its mask. Masked
    // contractions and reductions stay in their vector.mask, which the
    // lowerings of step 1 handle.
    bool hasMasks = root->walk([](vector::MaskOp) {
                          return WalkResult::interrupt();
                        }).wasInterrupted();
    if (hasMasks) {
      RewritePatternSet patterns(ctx);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }

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
      // Elements extracted one by one from a read (the broadcast operand of
      // an outer product, e.g. a row of input pixels of a channel-blocked
      // convolution) are loaded one by one: a broadcast load instead of a
      // vector load and a shuffle per element.
      vector::populateScalarVectorTransferLoweringPatterns(
          patterns, /*benefit=*/2, /*allowMultipleUses=*/true);
      patterns.add<StridedReadToShuffle, OneDimMultiReduction,
                   MinMaxReductionToTree>(ctx);
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }

    // 2. Odd-sized 1-D loads and stores (made by step 1) as masked ones.
    {
      RewritePatternSet patterns(ctx);
      patterns.add<WidenOddLoad, WidenOddStore>(ctx);
      if (failed(applyPatternsGreedily(root, std::move(patterns))))
        return signalPassFailure();
    }

    // 3. Transcendentals: polynomial approximations work on whole vectors;
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
