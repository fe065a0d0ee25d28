//===- FoldBatchNorm.cpp - Fold inference BatchNorm into Conv -------------===//
//
// kiln-fold-batchnorm: at inference, batch normalization is a per-channel
// affine map, so it folds into the weights and bias of the convolution that
// feeds it (ResNet-style conv + BN pairs become one conv), or else becomes
// one mul and one add with precomputed per-channel constants.
//
//===----------------------------------------------------------------------===//
#include "passes/Transforms/ConstantTensor.h"
#include "passes/Transforms/Passes.h"

#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFOLDBATCHNORM
#include "passes/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

/// Per channel c: y = x * scale[c] + shift[c] with
/// scale = gamma / sqrt(var + eps) and the mean still to be subtracted:
/// y = (x - mean[c]) * scale[c] + beta[c].
struct ChannelAffine {
  SmallVector<double> scale, mean, beta;
};

/// Element `i` of a 1-d constant (a splat repeats its one element).
double channelValue(const HostTensor &t, int64_t i) {
  return loadFloat(t.element(t.isSplat() ? 0 : i), t.getFormat().kind);
}

FailureOr<ChannelAffine> getChannelAffine(BatchNormOp op) {
  FailureOr<HostTensor> gamma = HostTensor::fromValue(op.getScale());
  FailureOr<HostTensor> beta = HostTensor::fromValue(op.getBias());
  FailureOr<HostTensor> mean = HostTensor::fromValue(op.getMean());
  FailureOr<HostTensor> var = HostTensor::fromValue(op.getVariance());
  if (failed(gamma) || failed(beta) || failed(mean) || failed(var) ||
      !gamma->getFormat().isFloat())
    return failure();
  int64_t channels = gamma->getNumElements();
  double epsilon = op.getEpsilon().convertToDouble();
  ChannelAffine affine;
  for (int64_t c = 0; c < channels; ++c) {
    double denominator = channelValue(*var, c) + epsilon;
    // A non-positive variance has no meaningful fold; keep the op.
    if (!(denominator > 0.0))
      return failure();
    double s = channelValue(*gamma, c) / std::sqrt(denominator);
    if (!std::isfinite(s))
      return failure();
    affine.scale.push_back(s);
    affine.mean.push_back(channelValue(*mean, c));
    affine.beta.push_back(channelValue(*beta, c));
  }
  return affine;
}

/// A constant of `type` whose element i is `values[i]` rounded to the
/// element type.
Value createConstant(PatternRewriter &rewriter, Location loc,
                     RankedTensorType type, ArrayRef<double> values,
                     std::string blobName) {
  HostTensor t = HostTensor::allocate(type);
  ElementKind kind = t.getFormat().kind;
  unsigned bytes = t.getElementBytes();
  char *data = t.getMutableData();
  for (auto [i, v] : llvm::enumerate(values))
    storeFloat(data + i * bytes, kind, v);
  return ConstantOp::create(rewriter, loc, std::move(t).toAttr(blobName));
}

/// batch_norm(conv(x, W, b)) -> conv(x, W * s, (b - mean) * s + beta).
struct FoldBatchNormIntoConv : public OpRewritePattern<BatchNormOp> {
  FoldBatchNormIntoConv(MLIRContext *context)
      : OpRewritePattern(context, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    auto conv = op.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(op, "input is not a single-use conv");
    FailureOr<HostTensor> weight = HostTensor::fromValue(conv.getWeight());
    if (failed(weight))
      return rewriter.notifyMatchFailure(op, "conv weight is not constant");
    std::optional<HostTensor> bias;
    if (Value b = conv.getBias()) {
      FailureOr<HostTensor> t = HostTensor::fromValue(b);
      if (failed(t))
        return rewriter.notifyMatchFailure(op, "conv bias is not constant");
      bias = std::move(*t);
    }
    FailureOr<ChannelAffine> affine = getChannelAffine(op);
    if (failed(affine))
      return rewriter.notifyMatchFailure(op, "parameters are not foldable");

    // The weight is [F, C/group, k...]: output channel f owns one
    // contiguous block.
    RankedTensorType weightType = weight->getType();
    int64_t channels = weightType.getDimSize(0);
    if (static_cast<int64_t>(affine->scale.size()) != channels)
      return failure();
    int64_t block = channels ? weightType.getNumElements() / channels : 0;
    HostTensor newWeight = HostTensor::allocate(weightType);
    ElementKind kind = weight->getFormat().kind;
    unsigned bytes = weight->getElementBytes();
    char *out = newWeight.getMutableData();
    for (int64_t f = 0; f < channels; ++f) {
      double s = affine->scale[f];
      for (int64_t i = f * block, e = i + block; i < e; ++i)
        storeFloat(out + i * bytes, kind,
                   loadFloat(weight->element(weight->isSplat() ? 0 : i), kind) *
                       s);
    }
    SmallVector<double> newBias;
    for (int64_t f = 0; f < channels; ++f) {
      double b = bias ? channelValue(*bias, f) : 0.0;
      newBias.push_back((b - affine->mean[f]) * affine->scale[f] +
                        affine->beta[f]);
    }

    Location loc = rewriter.getFusedLoc({conv.getLoc(), op.getLoc()});
    Value weightValue = ConstantOp::create(
        rewriter, loc,
        std::move(newWeight).toAttr(blobNameFor(conv, "weight_bn")));
    Value biasValue = createConstant(
        rewriter, loc,
        RankedTensorType::get({channels}, weightType.getElementType()), newBias,
        blobNameFor(conv, "bias_bn"));
    auto newConv = ConvOp::create(
        rewriter, loc, conv.getType(), conv.getInput(), weightValue, biasValue,
        conv.getStridesAttr(), conv.getDilationsAttr(), conv.getPadsAttr(),
        conv.getGroupAttr());
    rewriter.replaceOp(op, newConv.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

/// batch_norm(x) -> x * s + (beta - mean * s), s and the shift shaped
/// [C, 1, ..., 1] to broadcast over dim 1.
struct BatchNormToScaleShift : public OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    if (ShapedType::isDynamic(type.getDimSize(1)))
      return rewriter.notifyMatchFailure(op, "channel dim is dynamic");
    FailureOr<ChannelAffine> affine = getChannelAffine(op);
    if (failed(affine))
      return rewriter.notifyMatchFailure(op, "parameters are not foldable");
    int64_t channels = type.getDimSize(1);
    SmallVector<int64_t> shape(type.getRank() - 1, 1);
    shape[0] = channels;
    auto paramType = RankedTensorType::get(shape, type.getElementType());
    SmallVector<double> shift;
    for (int64_t c = 0; c < channels; ++c)
      shift.push_back(affine->beta[c] - affine->mean[c] * affine->scale[c]);

    Location loc = op.getLoc();
    Value scale = createConstant(rewriter, loc, paramType, affine->scale,
                                 blobNameFor(op, "scale"));
    Value shiftValue = createConstant(rewriter, loc, paramType, shift,
                                      blobNameFor(op, "shift"));
    Value mul = MulOp::create(rewriter, loc, op.getInput(), scale);
    // With a static channel dim the broadcast result type is the input's.
    Value add = AddOp::create(rewriter, loc, mul, shiftValue);
    rewriter.replaceOp(op, add);
    return success();
  }
};

struct KilnFoldBatchNormPass
    : public mlir::kiln::impl::KilnFoldBatchNormBase<KilnFoldBatchNormPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKilnFoldBatchNormPatterns(patterns);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::kiln::populateKilnFoldBatchNormPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FoldBatchNormIntoConv, BatchNormToScaleShift>(
      patterns.getContext());
}
