//===- Reduction.cpp - kiln reduce_*, arg*, cumsum, topk -> linalg --------===//
//
// reduce_{sum,mean,max,min,prod}: linalg.reduce into an init holding the
// neutral element (-inf / the smallest integer for max), a division by the
// reduced count for mean, and tensor.expand_shape for keepdims. 16-bit
// float sums and products accumulate in f32 (a linalg.generic, since
// linalg.reduce wants one element type).
// argmax/argmin: one linalg.generic with (value, index) outputs and a
// reduction iterator. Its combiner is a total order on (value, index), so
// the result does not depend on iteration order: NaN beats every number
// (numpy: the first NaN wins, or the last with select_last_index), then the
// larger (smaller) value, then the lower (higher with select_last_index)
// index.
// cumsum: a log-step scan of shifted copies (pad + add). topk: k rounds of an
// argmax-like selection in an scf.for, each round excluding earlier picks.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

template <typename OpTy> class ReduceLowering : public KilnLowering<OpTy> {
public:
  ReduceLowering(const TypeConverter &converter, MLIRContext *ctx,
                 ReduceKind kind)
      : KilnLowering<OpTy>(converter, ctx), kind(kind) {}
  using OpAdaptor = typename KilnLowering<OpTy>::OpAdaptor;

protected:
  LogicalResult lower(OpTy op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> axes = op.getAxes();
    if (axes.empty()) {
      // Nothing to reduce: ONNX's noop_with_empty_axes.
      rewriter.replaceOp(op, input);
      return success();
    }
    Type kilnType = getElementTypeOrSelf(op.getInput().getType());
    Type elementType = inputType.getElementType();
    bool isF = isa<FloatType>(elementType);
    bool isUnsigned = isUnsignedInt(kilnType);
    bool accumulates = kind == ReduceKind::Sum || kind == ReduceKind::Mean ||
                       kind == ReduceKind::Prod;
    Type accType = accumulates ? getComputeType(elementType) : elementType;

    SmallVector<int64_t> reducedShape;
    SmallVector<Value> reducedDynamicSizes;
    int64_t count = 1;
    // The element count of the reduced dims when some are dynamic.
    Value dynamicCount;
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      bool isReduced = llvm::is_contained(axes, d);
      if (inputType.isDynamicDim(d)) {
        Value size = tensor::DimOp::create(rewriter, loc, input, d);
        if (!isReduced)
          reducedDynamicSizes.push_back(size);
        else
          dynamicCount = dynamicCount ? arith::MulIOp::create(
                                            rewriter, loc, dynamicCount, size)
                                      : size;
      }
      if (isReduced && !inputType.isDynamicDim(d))
        count *= inputType.getDimSize(d);
      else if (!isReduced)
        reducedShape.push_back(inputType.getDimSize(d));
    }
    Value countScalar;
    if (dynamicCount && kind == ReduceKind::Mean) {
      Value total = arith::MulIOp::create(
          rewriter, loc, dynamicCount,
          arith::ConstantIndexOp::create(rewriter, loc, count));
      Value asInt = arith::IndexCastOp::create(rewriter, loc,
                                               rewriter.getI64Type(), total);
      countScalar =
          isa<FloatType>(accType)
              ? Value(arith::SIToFPOp::create(rewriter, loc, accType, asInt))
              : castScalar(rewriter, loc, asInt, rewriter.getI64Type(),
                           accType);
    }

    Value neutral;
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      neutral = createScalar(rewriter, loc, accType, 0.0);
      break;
    case ReduceKind::Prod:
      neutral = createScalar(rewriter, loc, accType, 1.0);
      break;
    case ReduceKind::Max:
      neutral = createLowest(rewriter, loc, kilnType);
      break;
    case ReduceKind::Min:
      neutral = createHighest(rewriter, loc, kilnType);
      break;
    }
    Value init = createFilled(rewriter, loc, reducedShape, neutral,
                              reducedDynamicSizes);
    auto combine = [&](OpBuilder &b, Location l, ValueRange args) -> Value {
      Value in = args[0], acc = args[1];
      if (in.getType() != acc.getType())
        in = arith::ExtFOp::create(b, l, acc.getType(), in);
      switch (kind) {
      case ReduceKind::Sum:
      case ReduceKind::Mean:
        return isF ? Value(arith::AddFOp::create(b, l, acc, in))
                   : Value(arith::AddIOp::create(b, l, acc, in));
      case ReduceKind::Prod:
        return isF ? Value(arith::MulFOp::create(b, l, acc, in))
                   : Value(arith::MulIOp::create(b, l, acc, in));
      case ReduceKind::Max:
        if (isF)
          return arith::MaximumFOp::create(b, l, acc, in);
        return isUnsigned ? Value(arith::MaxUIOp::create(b, l, acc, in))
                          : Value(arith::MaxSIOp::create(b, l, acc, in));
      case ReduceKind::Min:
        if (isF)
          return arith::MinimumFOp::create(b, l, acc, in);
        return isUnsigned ? Value(arith::MinUIOp::create(b, l, acc, in))
                          : Value(arith::MinSIOp::create(b, l, acc, in));
      }
      llvm_unreachable("unknown reduction");
    };

    Value reduced;
    if (accType == elementType) {
      reduced = linalg::ReduceOp::create(
                    rewriter, loc, ValueRange{input}, ValueRange{init}, axes,
                    [&](OpBuilder &b, Location l, ValueRange args) {
                      linalg::YieldOp::create(b, l, combine(b, l, args));
                    })
                    .getResult(0);
    } else {
      reduced = buildReduction(rewriter, loc, input, axes, init, combine);
    }

    // Mean divides by the count; f32 accumulators round back.
    if (kind == ReduceKind::Mean || accType != elementType) {
      auto finalType = RankedTensorType::get(reducedShape, elementType);
      bool isMean = kind == ReduceKind::Mean;
      reduced = buildElementwise(
          rewriter, loc, {reduced}, finalType,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value v = args[0];
            if (isMean) {
              Value n = countScalar ? countScalar
                                    : createScalar(b, l, accType,
                                                   static_cast<double>(count));
              if (isF)
                v = arith::DivFOp::create(b, l, v, n);
              else if (isUnsigned)
                v = arith::DivUIOp::create(b, l, v, n);
              else
                v = arith::DivSIOp::create(b, l, v, n);
            }
            if (v.getType() != elementType)
              v = arith::TruncFOp::create(b, l, elementType, v);
            return v;
          });
    }
    if (resultType.hasStaticShape()) {
      rewriter.replaceOp(
          op, reshapeTo(rewriter, loc, reduced, resultType.getShape()));
      return success();
    }
    FailureOr<SmallVector<OpFoldResult>> sizes =
        reifyKilnResultSizes(rewriter, op);
    FailureOr<Value> result =
        succeeded(sizes) ? reshapeToSizes(rewriter, loc, reduced, *sizes)
                         : FailureOr<Value>(failure());
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "cannot reshape the result");
    rewriter.replaceOp(op, *result);
    return success();
  }

private:
  ReduceKind kind;
};

template <typename OpTy> class ArgReduceLowering : public KilnLowering<OpTy> {
public:
  ArgReduceLowering(const TypeConverter &converter, MLIRContext *ctx,
                    bool isMax)
      : KilnLowering<OpTy>(converter, ctx), isMax(isMax) {}
  using OpAdaptor = typename KilnLowering<OpTy>::OpAdaptor;

protected:
  LogicalResult lower(OpTy op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type kilnType = getElementTypeOrSelf(op.getInput().getType());
    Type elementType = inputType.getElementType();
    Type indexType = rewriter.getI64Type();
    int64_t rank = inputType.getRank();
    int64_t axis = op.getAxis();
    bool last = op.getSelectLastIndex();
    bool isF = isa<FloatType>(elementType);
    bool isUnsigned = isUnsignedInt(kilnType);

    SmallVector<int64_t> reducedShape;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        reducedShape.push_back(inputType.getDimSize(d));
    // The init acts as a virtual element (worst value, index 0) that any
    // real element beats or ties with, so index 0 is right when it wins.
    Value worst = isMax ? createLowest(rewriter, loc, kilnType)
                        : createHighest(rewriter, loc, kilnType);
    Value valueInit = createFilled(rewriter, loc, reducedShape, worst);
    Value indexInit = createFilled(rewriter, loc, reducedShape,
                                   createScalar(rewriter, loc, indexType, 0.0));

    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap reducedMap = getReducedMap(ctx, rank, {axis});
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valueInit.getType(), indexInit.getType()},
        ValueRange{input}, ValueRange{valueInit, indexInit},
        SmallVector<AffineMap>{identity, reducedMap, reducedMap}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value in = args[0], acc = args[1], accIndex = args[2];
          Value index = arith::IndexCastOp::create(
              b, l, indexType, linalg::IndexOp::create(b, l, axis));
          Value strictlyBetter, equal;
          if (isF) {
            strictlyBetter = arith::CmpFOp::create(
                b, l,
                isMax ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT,
                in, acc);
            Value inNaN =
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, in, in);
            Value accNaN = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::UNO, acc, acc);
            // NaN beats numbers; two NaNs tie.
            Value accNumber = arith::XOrIOp::create(
                b, l, accNaN, createScalar(b, l, b.getI1Type(), 1.0));
            Value nanWins = arith::AndIOp::create(b, l, inNaN, accNumber);
            strictlyBetter =
                arith::OrIOp::create(b, l, strictlyBetter, nanWins);
            Value bothNaN = arith::AndIOp::create(b, l, inNaN, accNaN);
            equal = arith::OrIOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, in, acc),
                bothNaN);
          } else {
            arith::CmpIPredicate pred =
                isMax ? (isUnsigned ? arith::CmpIPredicate::ugt
                                    : arith::CmpIPredicate::sgt)
                      : (isUnsigned ? arith::CmpIPredicate::ult
                                    : arith::CmpIPredicate::slt);
            strictlyBetter = arith::CmpIOp::create(b, l, pred, in, acc);
            equal =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, in, acc);
          }
          Value indexWins = arith::CmpIOp::create(
              b, l,
              last ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::slt,
              index, accIndex);
          Value take = arith::OrIOp::create(
              b, l, strictlyBetter,
              arith::AndIOp::create(b, l, equal, indexWins));
          Value newValue = arith::SelectOp::create(b, l, take, in, acc);
          Value newIndex = arith::SelectOp::create(b, l, take, index, accIndex);
          linalg::YieldOp::create(b, l, ValueRange{newValue, newIndex});
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, generic.getResult(1),
                                     resultType.getShape()));
    return success();
  }

private:
  bool isMax;
};

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

/// `value` moved by `distance` along `axis`, zero-filled: element i takes
/// element i - distance (i + distance when `reverse`).
Value shiftAlongAxis(OpBuilder &b, Location loc, Value value, int64_t axis,
                     int64_t distance, bool reverse, Value zero) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  int64_t size = type.getDimSize(axis);
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes, strides(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
  sizes[axis] = b.getIndexAttr(size - distance);
  if (reverse)
    offsets[axis] = b.getIndexAttr(distance);
  Value kept =
      tensor::ExtractSliceOp::create(b, loc, value, offsets, sizes, strides);
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  (reverse ? high : low)[axis] = distance;
  return padConstant(b, loc, kept, low, high, zero);
}

/// Hillis-Steele scan: after the step with distance d (1, 2, 4, ...) every
/// element holds the sum of the 2d elements ending at it, so ceil(log2 n)
/// elementwise additions of shifted copies give the prefix sums. Each step
/// is a vectorizable pad + add; the work is O(n log n) per scanned row.
/// 16-bit floats add in f32.
class CumSumLowering : public KilnLowering<CumSumOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(CumSumOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Type elementType = resultType.getElementType();
    Type computeType =
        isa<FloatType>(elementType) ? getComputeType(elementType) : elementType;
    auto computeTensor =
        RankedTensorType::get(resultType.getShape(), computeType);
    int64_t axis = op.getAxis();
    int64_t size = resultType.getDimSize(axis);
    bool reverse = op.getReverse();
    bool isF = isa<FloatType>(computeType);

    Value sum = adaptor.getInput();
    if (computeType != elementType)
      sum = buildElementwise(rewriter, loc, {sum}, computeTensor,
                             [&](OpBuilder &b, Location l, ValueRange args) {
                               return arith::ExtFOp::create(b, l, computeType,
                                                            args[0])
                                   .getResult();
                             });
    Value zero = createScalar(rewriter, loc, computeType, 0.0);
    for (int64_t distance = 1; distance < size; distance *= 2) {
      Value shifted =
          shiftAlongAxis(rewriter, loc, sum, axis, distance, reverse, zero);
      sum = buildElementwise(
          rewriter, loc, {sum, shifted}, computeTensor,
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            if (isF)
              return arith::AddFOp::create(b, l, args[0], args[1]);
            return arith::AddIOp::create(b, l, args[0], args[1]);
          });
    }
    if (op.getExclusive() && size > 0)
      sum = shiftAlongAxis(rewriter, loc, sum, axis, 1, reverse, zero);
    if (computeType != elementType)
      sum = buildElementwise(rewriter, loc, {sum}, resultType,
                             [&](OpBuilder &b, Location l, ValueRange args) {
                               return arith::TruncFOp::create(b, l, elementType,
                                                              args[0])
                                   .getResult();
                             });
    rewriter.replaceOp(op, sum);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

/// Selection in k rounds: round p picks, in every row at once, the best
/// element that comes after round p-1's pick in the total order of
/// (value, index) pairs (better value first, then lower index; NaN above
/// every number). That is one argmax-like linalg.generic per round, in an
/// scf.for over p whose picks are inserted at position p along the axis:
/// O(n k) work, results sorted best first with ties in index order.
class TopKLowering : public KilnLowering<TopKOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(TopKOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto valuesType = cast<RankedTensorType>(resultTypes[0]);
    auto indicesType = cast<RankedTensorType>(resultTypes[1]);
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type kilnType = getElementTypeOrSelf(op.getInput().getType());
    Type elementType = inputType.getElementType();
    Type indexType = rewriter.getI64Type();
    int64_t rank = inputType.getRank();
    int64_t axis = op.getAxis();
    int64_t k = op.getK();
    bool largest = op.getLargest();
    bool isF = isa<FloatType>(elementType);
    bool isUnsigned = isUnsignedInt(kilnType);

    if (k == 0) {
      rewriter.replaceOp(
          op, ValueRange{createEmpty(rewriter, loc, valuesType.getShape(),
                                     valuesType.getElementType()),
                         createEmpty(rewriter, loc, indicesType.getShape(),
                                     indicesType.getElementType())});
      return success();
    }

    SmallVector<int64_t> rowShape;
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        rowShape.push_back(inputType.getDimSize(d));

    // (a, i) comes before (b, j) in the order of the results.
    auto before = [&](OpBuilder &b, Location l, Value a, Value i, Value v,
                      Value j) -> Value {
      Value better, equal;
      if (isF) {
        better = arith::CmpFOp::create(b, l,
                                       largest ? arith::CmpFPredicate::OGT
                                               : arith::CmpFPredicate::OLT,
                                       a, v);
        Value aNaN =
            arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, a, a);
        Value vNaN =
            arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNO, v, v);
        Value trueValue = createScalar(b, l, b.getI1Type(), 1.0);
        // NaN is above every number: first when largest, last otherwise.
        Value nanOrder =
            largest
                ? arith::AndIOp::create(
                      b, l, aNaN, arith::XOrIOp::create(b, l, vNaN, trueValue))
                : arith::AndIOp::create(
                      b, l, vNaN, arith::XOrIOp::create(b, l, aNaN, trueValue));
        better = arith::OrIOp::create(b, l, better, nanOrder);
        equal = arith::OrIOp::create(
            b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, a, v),
            arith::AndIOp::create(b, l, aNaN, vNaN));
      } else {
        arith::CmpIPredicate pred =
            largest ? (isUnsigned ? arith::CmpIPredicate::ugt
                                  : arith::CmpIPredicate::sgt)
                    : (isUnsigned ? arith::CmpIPredicate::ult
                                  : arith::CmpIPredicate::slt);
        better = arith::CmpIOp::create(b, l, pred, a, v);
        equal = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a, v);
      }
      Value lowerIndex =
          arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, j);
      return arith::OrIOp::create(
          b, l, better, arith::AndIOp::create(b, l, equal, lowerIndex));
    };

    // Accumulators start "empty" (index -1): any eligible element wins.
    Value minusOne = createScalar(rewriter, loc, indexType, -1.0);
    Value emptyValue = isF ? createScalar(rewriter, loc, elementType, 0.0)
                           : createLowest(rewriter, loc, kilnType);

    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap rowMap = getReducedMap(ctx, rank, {axis});
    SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
    iterators[axis] = utils::IteratorType::reduction;
    SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(
          rewriter.getIndexAttr(d == axis ? 1 : inputType.getDimSize(d)));
    auto rowSliceType = RankedTensorType::get(rowShape, elementType);
    auto rowIndexType = RankedTensorType::get(rowShape, indexType);

    Value zeroIndex = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value oneIndex = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, k);
    // The loop carries only the results (updated in place), so that they
    // bufferize without copies; round p reads round p-1's pick back from
    // them. Round 0 has no previous pick and takes every element (the
    // results start filled, so what it reads is defined anyway).
    auto loop = scf::ForOp::create(
        rewriter, loc, zeroIndex, ub, oneIndex,
        ValueRange{
            createFilled(rewriter, loc, valuesType.getShape(), emptyValue),
            createFilled(rewriter, loc, indicesType.getShape(), minusOne)},
        [&](OpBuilder &b, Location l, Value p, ValueRange iterArgs) {
          Value isFirst = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                p, zeroIndex);
          Value previous = arith::MaxSIOp::create(
              b, l, arith::SubIOp::create(b, l, p, oneIndex), zeroIndex);
          SmallVector<OpFoldResult> prevOffsets(rank, b.getIndexAttr(0));
          prevOffsets[axis] = previous;
          Value prevValues = tensor::ExtractSliceOp::create(
              b, l, rowSliceType, iterArgs[0], prevOffsets, sizes, strides);
          Value prevIndices = tensor::ExtractSliceOp::create(
              b, l, rowIndexType, iterArgs[1], prevOffsets, sizes, strides);
          Value accValue = createFilled(b, l, rowShape, emptyValue);
          Value accIndex = createFilled(b, l, rowShape, minusOne);
          auto round = linalg::GenericOp::create(
              b, l, TypeRange{accValue.getType(), accIndex.getType()},
              ValueRange{input, prevValues, prevIndices},
              ValueRange{accValue, accIndex},
              SmallVector<AffineMap>{identity, rowMap, rowMap, rowMap, rowMap},
              iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value in = args[0], prevV = args[1], prevI = args[2];
                Value accV = args[3], accI = args[4];
                Value index = arith::IndexCastOp::create(
                    nb, nl, indexType, linalg::IndexOp::create(nb, nl, axis));
                Value eligible = arith::OrIOp::create(
                    nb, nl, isFirst, before(nb, nl, prevV, prevI, in, index));
                Value accEmpty = arith::CmpIOp::create(
                    nb, nl, arith::CmpIPredicate::slt, accI,
                    createScalar(nb, nl, indexType, 0.0));
                Value beats = arith::OrIOp::create(
                    nb, nl, accEmpty, before(nb, nl, in, index, accV, accI));
                Value take = arith::AndIOp::create(nb, nl, eligible, beats);
                linalg::YieldOp::create(
                    nb, nl,
                    ValueRange{
                        arith::SelectOp::create(nb, nl, take, in, accV),
                        arith::SelectOp::create(nb, nl, take, index, accI)});
              });
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
          offsets[axis] = p;
          Value newValues = tensor::InsertSliceOp::create(
              b, l, round.getResult(0), iterArgs[0], offsets, sizes, strides);
          Value newIndices = tensor::InsertSliceOp::create(
              b, l, round.getResult(1), iterArgs[1], offsets, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{newValues, newIndices});
        });
    rewriter.replaceOp(op, ValueRange{loop.getResult(0), loop.getResult(1)});
    return success();
  }
};

} // namespace

void lowering::populateReductionPatterns(const TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ReduceLowering<ReduceSumOp>>(converter, ctx, ReduceKind::Sum);
  patterns.add<ReduceLowering<ReduceMeanOp>>(converter, ctx, ReduceKind::Mean);
  patterns.add<ReduceLowering<ReduceMaxOp>>(converter, ctx, ReduceKind::Max);
  patterns.add<ReduceLowering<ReduceMinOp>>(converter, ctx, ReduceKind::Min);
  patterns.add<ReduceLowering<ReduceProdOp>>(converter, ctx, ReduceKind::Prod);
  patterns.add<ArgReduceLowering<ArgMaxOp>>(converter, ctx, /*isMax=*/true);
  patterns.add<ArgReduceLowering<ArgMinOp>>(converter, ctx, /*isMax=*/false);
  patterns.add<CumSumLowering, TopKLowering>(converter, ctx);
}
