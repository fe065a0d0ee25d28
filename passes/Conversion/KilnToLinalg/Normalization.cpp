//===- Normalization.cpp - kiln batch_norm/layer_norm/softmax -> linalg ---===//
//
// Explicit linalg.generics: reductions with reduction iterators, then one
// elementwise generic that normalizes. 16-bit floats compute in f32 and
// round once at the end. layer_norm takes the variance of (x - mean) in a
// second pass (numerically safe), softmax subtracts the row max first.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

/// Widens a scalar to the compute type (no-op when equal).
Value widen(OpBuilder &b, Location loc, Value v, Type computeType) {
  if (v.getType() == computeType)
    return v;
  return arith::ExtFOp::create(b, loc, computeType, v);
}

/// Narrows a computed scalar back to the element type.
Value narrow(OpBuilder &b, Location loc, Value v, Type elementType) {
  if (v.getType() == elementType)
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

//===----------------------------------------------------------------------===//
// batch_norm
//===----------------------------------------------------------------------===//

class BatchNormOpLowering : public KilnLowering<BatchNormOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(BatchNormOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Type elementType = resultType.getElementType();
    Type computeType = getComputeType(elementType);
    int64_t channels = resultType.getDimSize(1);
    double epsilon = op.getEpsilon().convertToDouble();

    // Per channel: multiplier = scale / sqrt(var + eps), once per channel
    // instead of once per element.
    auto perChannelType = RankedTensorType::get({channels}, computeType);
    Value multiplier = buildElementwise(
        rewriter, loc, {adaptor.getScale(), adaptor.getVariance()},
        perChannelType, [&](OpBuilder &b, Location l, ValueRange args) {
          Value scale = widen(b, l, args[0], computeType);
          Value var = widen(b, l, args[1], computeType);
          Value eps = createScalar(b, l, computeType, epsilon);
          Value denom =
              math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, var, eps));
          return arith::DivFOp::create(b, l, scale, denom);
        });

    // (x - mean) * multiplier + bias, the channel params read along dim 1.
    MLIRContext *ctx = rewriter.getContext();
    unsigned rank = resultType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channelMap = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    Value init =
        createEmpty(rewriter, loc, resultType.getShape(), elementType,
                    getDynamicDims(rewriter, loc, adaptor.getInput()));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{adaptor.getInput(), adaptor.getMean(), multiplier,
                   adaptor.getBias()},
        ValueRange{init},
        SmallVector<AffineMap>{identity, channelMap, channelMap, channelMap,
                               identity},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = widen(b, l, args[0], computeType);
          Value mean = widen(b, l, args[1], computeType);
          Value bias = widen(b, l, args[3], computeType);
          Value centered = arith::SubFOp::create(b, l, x, mean);
          Value scaled = arith::MulFOp::create(b, l, centered, args[2]);
          Value y = arith::AddFOp::create(b, l, scaled, bias);
          linalg::YieldOp::create(b, l, narrow(b, l, y, elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// layer_norm
//===----------------------------------------------------------------------===//

class LayerNormOpLowering : public KilnLowering<LayerNormOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(LayerNormOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    ArrayRef<int64_t> shape = resultType.getShape();
    Type elementType = resultType.getElementType();
    Type computeType = getComputeType(elementType);
    int64_t rank = shape.size();
    // I64Attr reads as uint64_t; negative axes count from the end.
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    double epsilon = op.getEpsilon().convertToDouble();
    Value x = adaptor.getInput();

    SmallVector<int64_t> reduced, outerShape(shape.take_front(axis));
    int64_t count = 1;
    for (int64_t d = axis; d < rank; ++d) {
      reduced.push_back(d);
      count *= shape[d];
    }
    if (llvm::any_of(shape.drop_front(axis), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "dynamic normalized dims");
    SmallVector<Value> outerSizes = getDynamicDims(rewriter, loc, x, reduced);
    double invCount = 1.0 / static_cast<double>(count);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap outerMap = getReducedMap(ctx, rank, reduced);
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    for (int64_t d : reduced)
      iterators[d] = utils::IteratorType::reduction;
    Value zero = createScalar(rewriter, loc, computeType, 0.0);

    // Pass 1: mean.
    Value sum =
        buildReduction(rewriter, loc, x, reduced,
                       createFilled(rewriter, loc, outerShape, zero,
                                    outerSizes),
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         return arith::AddFOp::create(
                             b, l, args[1], widen(b, l, args[0], computeType));
                       });
    auto outerType = RankedTensorType::get(outerShape, computeType);
    Value mean = buildElementwise(
        rewriter, loc, {sum}, outerType,
        [&](OpBuilder &b, Location l, ValueRange args) {
          return arith::MulFOp::create(
              b, l, args[0], createScalar(b, l, computeType, invCount));
        });

    // Pass 2: variance of (x - mean).
    Value sqInit = createFilled(rewriter, loc, outerShape, zero, outerSizes);
    Value sqSum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{outerType}, ValueRange{x, mean},
            ValueRange{sqInit},
            SmallVector<AffineMap>{identity, outerMap, outerMap}, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value d = arith::SubFOp::create(
                  b, l, widen(b, l, args[0], computeType), args[1]);
              Value sq = arith::MulFOp::create(b, l, d, d);
              linalg::YieldOp::create(
                  b, l, arith::AddFOp::create(b, l, args[2], sq).getResult());
            })
            .getResult(0);
    Value invStd = buildElementwise(
        rewriter, loc, {sqSum}, outerType,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value var = arith::MulFOp::create(
              b, l, args[0], createScalar(b, l, computeType, invCount));
          Value eps = createScalar(b, l, computeType, epsilon);
          return math::RsqrtOp::create(b, l,
                                       arith::AddFOp::create(b, l, var, eps));
        });

    // (x - mean) * invStd * scale + bias; scale/bias align to the right.
    Value scale = adaptor.getScale(), bias = adaptor.getBias();
    auto shapeOf = [](Value v) {
      return cast<RankedTensorType>(v.getType()).getShape();
    };
    Value init = createEmpty(rewriter, loc, shape, elementType,
                             getDynamicDims(rewriter, loc, x));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{x, mean, invStd, scale, bias}, ValueRange{init},
        SmallVector<AffineMap>{identity, outerMap, outerMap,
                               getBroadcastMap(ctx, shapeOf(scale), shape),
                               getBroadcastMap(ctx, shapeOf(bias), shape),
                               identity},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value centered = arith::SubFOp::create(
              b, l, widen(b, l, args[0], computeType), args[1]);
          Value normalized = arith::MulFOp::create(b, l, centered, args[2]);
          Value scaled = arith::MulFOp::create(
              b, l, normalized, widen(b, l, args[3], computeType));
          Value y = arith::AddFOp::create(b, l, scaled,
                                          widen(b, l, args[4], computeType));
          linalg::YieldOp::create(b, l, narrow(b, l, y, elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

class SoftmaxOpLowering : public KilnLowering<SoftmaxOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(SoftmaxOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    ArrayRef<int64_t> shape = resultType.getShape();
    Type elementType = resultType.getElementType();
    Type computeType = getComputeType(elementType);
    int64_t rank = shape.size();
    // I64Attr reads as uint64_t; negative axes count from the end.
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += rank;
    bool isLog = op.getLog();
    Value x = adaptor.getInput();

    SmallVector<int64_t> reducedShape;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        reducedShape.push_back(shape[d]);
    auto reducedType = RankedTensorType::get(reducedShape, computeType);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reducedMap = getReducedMap(ctx, rank, {axis});
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;

    // Row max (NaN-propagating), then the sum of exp(x - max).
    SmallVector<Value> reducedSizes = getDynamicDims(rewriter, loc, x, {axis});
    Value lowest = createLowest(rewriter, loc, computeType);
    Value max =
        buildReduction(rewriter, loc, x, {axis},
                       createFilled(rewriter, loc, reducedShape, lowest,
                                    reducedSizes),
                       [&](OpBuilder &b, Location l, ValueRange args) {
                         return arith::MaximumFOp::create(
                             b, l, args[1], widen(b, l, args[0], computeType));
                       });
    Value zero = createScalar(rewriter, loc, computeType, 0.0);
    Value sum =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{reducedType}, ValueRange{x, max},
            ValueRange{
                createFilled(rewriter, loc, reducedShape, zero, reducedSizes)},
            SmallVector<AffineMap>{identity, reducedMap, reducedMap}, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value shifted = arith::SubFOp::create(
                  b, l, widen(b, l, args[0], computeType), args[1]);
              Value e = math::ExpOp::create(b, l, shifted);
              linalg::YieldOp::create(
                  b, l, arith::AddFOp::create(b, l, args[2], e).getResult());
            })
            .getResult(0);

    // exp(x - max) / sum, or for log-softmax x - max - log(sum).
    Value init = createEmpty(rewriter, loc, shape, elementType,
                             getDynamicDims(rewriter, loc, x));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{x, max, sum},
        ValueRange{init},
        SmallVector<AffineMap>{identity, reducedMap, reducedMap, identity},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value shifted = arith::SubFOp::create(
              b, l, widen(b, l, args[0], computeType), args[1]);
          Value y;
          if (isLog)
            y = arith::SubFOp::create(b, l, shifted,
                                      math::LogOp::create(b, l, args[2]));
          else
            y = arith::DivFOp::create(b, l, math::ExpOp::create(b, l, shifted),
                                      args[2]);
          linalg::YieldOp::create(b, l, narrow(b, l, y, elementType));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void lowering::populateNormalizationPatterns(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<BatchNormOpLowering, LayerNormOpLowering, SoftmaxOpLowering>(
      converter, patterns.getContext());
}
