//===- Reduction.cpp - kiln reduce_* and arg* -> linalg -------------------===//
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
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
    int64_t count = 1;
    for (int64_t d = 0; d < inputType.getRank(); ++d) {
      if (llvm::is_contained(axes, d))
        count *= inputType.getDimSize(d);
      else
        reducedShape.push_back(inputType.getDimSize(d));
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
    Value init = createFilled(rewriter, loc, reducedShape, neutral);
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
              Value n = createScalar(b, l, accType, static_cast<double>(count));
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
    rewriter.replaceOp(
        op, reshapeTo(rewriter, loc, reduced, resultType.getShape()));
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
}
