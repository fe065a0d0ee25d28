//===- Utils.cpp - Shared helpers of the kiln -> linalg lowering ----------===//
//
// Element-type helpers (signedness, ONNX casts, extremes) and builders for
// broadcast maps, filled inits, reductions and reshapes.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

bool lowering::isUnsignedInt(Type type) {
  Type element = getElementTypeOrSelf(type);
  return element.isUnsignedInteger() || element.isInteger(1);
}

Type lowering::toSignless(Type elementType) {
  if (auto intType = dyn_cast<IntegerType>(elementType))
    if (!intType.isSignless())
      return IntegerType::get(intType.getContext(), intType.getWidth());
  return elementType;
}

Type lowering::getComputeType(Type elementType) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    if (floatType.getWidth() < 32)
      return Float32Type::get(elementType.getContext());
  return elementType;
}

Value lowering::castScalar(OpBuilder &b, Location loc, Value value, Type from,
                           Type to) {
  Type target = toSignless(to);
  if (from == to || toSignless(from) == target)
    return value;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, target, value);
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, target, value);
    // Same width, different format (f16 <-> bf16): through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, target, wide);
  }
  if (fromFloat) {
    if (to.isInteger(1)) {
      // NaN != 0 is true, as numpy's bool(nan).
      Value zero = createScalar(b, loc, value.getType(), 0.0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   zero);
    }
    if (isUnsignedInt(to))
      return arith::FPToUIOp::create(b, loc, target, value);
    return arith::FPToSIOp::create(b, loc, target, value);
  }
  if (toFloat) {
    if (isUnsignedInt(from))
      return arith::UIToFPOp::create(b, loc, target, value);
    return arith::SIToFPOp::create(b, loc, target, value);
  }
  // Integer -> integer.
  if (to.isInteger(1)) {
    Value zero = createScalar(b, loc, value.getType(), 0.0);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth == toWidth)
    return value;
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, target, value);
  if (isUnsignedInt(from))
    return arith::ExtUIOp::create(b, loc, target, value);
  return arith::ExtSIOp::create(b, loc, target, value);
}

Value lowering::createScalar(OpBuilder &b, Location loc, Type type,
                             double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  auto intType = cast<IntegerType>(type);
  // Clamp before converting: out-of-range double -> int64 is UB in C++.
  int64_t v = 0;
  if (std::isfinite(value))
    v = value >= 9.2e18    ? std::numeric_limits<int64_t>::max()
        : value <= -9.2e18 ? std::numeric_limits<int64_t>::min()
                           : static_cast<int64_t>(value);
  if (intType.getWidth() == 1)
    v = v != 0;
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(intType, APInt(intType.getWidth(), v, /*isSigned=*/true,
                                      /*implicitTrunc=*/true)));
}

static Value createExtreme(OpBuilder &b, Location loc, Type kilnType,
                           bool highest) {
  Type type = toSignless(kilnType);
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(floatType, APFloat::getInf(floatType.getFloatSemantics(),
                                                  /*Negative=*/!highest)));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value;
  if (isUnsignedInt(kilnType))
    value = highest ? APInt::getMaxValue(width) : APInt::getMinValue(width);
  else
    value = highest ? APInt::getSignedMaxValue(width)
                    : APInt::getSignedMinValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value lowering::createLowest(OpBuilder &b, Location loc, Type kilnType) {
  return createExtreme(b, loc, kilnType, /*highest=*/false);
}

Value lowering::createHighest(OpBuilder &b, Location loc, Type kilnType) {
  return createExtreme(b, loc, kilnType, /*highest=*/true);
}

//===----------------------------------------------------------------------===//
// Tensors and maps
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> lowering::parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

AffineMap lowering::getBroadcastMap(MLIRContext *ctx,
                                    ArrayRef<int64_t> operandShape,
                                    ArrayRef<int64_t> resultShape) {
  unsigned rank = resultShape.size();
  unsigned offset = rank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    if (size == 1 && resultShape[offset + i] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(offset + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

AffineMap lowering::getReducedMap(MLIRContext *ctx, unsigned rank,
                                  ArrayRef<int64_t> reduced) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d)
    if (!llvm::is_contained(reduced, static_cast<int64_t>(d)))
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value lowering::createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                            Type elementType, ValueRange dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, shape, elementType, dynamicSizes);
}

Value lowering::createFilled(OpBuilder &b, Location loc,
                             ArrayRef<int64_t> shape, Value scalar,
                             ValueRange dynamicSizes) {
  Value empty = createEmpty(b, loc, shape, scalar.getType(), dynamicSizes);
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{empty})
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Dynamic dims
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<Value>>
lowering::getDynamicResultSizes(OpBuilder &b, Operation *op) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (type.hasStaticShape())
    return SmallVector<Value>();
  FailureOr<SmallVector<OpFoldResult>> sizes = reifyKilnResultSizes(b, op);
  if (failed(sizes))
    return failure();
  SmallVector<Value> dynamic;
  for (auto [d, size] : llvm::enumerate(*sizes))
    if (type.isDynamicDim(d))
      dynamic.push_back(
          getValueOrCreateConstantIndexOp(b, op->getLoc(), size));
  return dynamic;
}

SmallVector<Value>
lowering::getBroadcastDynamicSizes(OpBuilder &b, Location loc,
                                   ValueRange inputs,
                                   RankedTensorType resultType) {
  SmallVector<Value> sizes;
  int64_t rank = resultType.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    for (Value input : inputs) {
      auto t = cast<RankedTensorType>(input.getType());
      int64_t od = d - (rank - t.getRank());
      if (od >= 0 && t.isDynamicDim(od)) {
        sizes.push_back(tensor::DimOp::create(b, loc, input, od));
        break;
      }
    }
  }
  return sizes;
}

SmallVector<Value> lowering::getDynamicDims(OpBuilder &b, Location loc,
                                            Value value,
                                            ArrayRef<int64_t> dropped) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d) && !llvm::is_contained(dropped, d))
      sizes.push_back(tensor::DimOp::create(b, loc, value, d));
  return sizes;
}

OpFoldResult lowering::getDimSize(OpBuilder &b, Location loc, Value value,
                                  int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, value, dim).getResult();
}

SmallVector<OpFoldResult> lowering::getMixedShape(OpBuilder &b, Location loc,
                                                  Value value) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0, e = cast<RankedTensorType>(value.getType()).getRank();
       d < e; ++d)
    sizes.push_back(getDimSize(b, loc, value, d));
  return sizes;
}

SmallVector<Value> lowering::getDynamicValues(OpBuilder &b, Location loc,
                                              ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> values;
  for (OpFoldResult size : sizes)
    if (auto v = dyn_cast<Value>(size))
      values.push_back(v);
  return values;
}

SmallVector<int64_t> lowering::getStaticShape(ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  return shape;
}

FailureOr<Value> lowering::reshapeToSizes(OpBuilder &b, Location loc,
                                          Value value,
                                          ArrayRef<OpFoldResult> sizes) {
  auto sourceType = cast<RankedTensorType>(value.getType());
  auto targetType = RankedTensorType::get(getStaticShape(sizes),
                                          sourceType.getElementType());
  if (sourceType == targetType && !llvm::any_of(sizes, [](OpFoldResult s) {
        return isa<Value>(s);
      }))
    return value;
  if (sourceType.hasStaticShape() && targetType.hasStaticShape())
    return reshapeTo(b, loc, value, targetType.getShape());
  if (sourceType.getRank() == targetType.getRank() &&
      sourceType == targetType)
    return value;
  std::optional<SmallVector<ReassociationIndices>> groups =
      getReshapeGroups(sourceType, targetType);
  if (!groups)
    return failure();
  if (sourceType.getRank() > targetType.getRank())
    return tensor::CollapseShapeOp::create(b, loc, targetType, value, *groups)
        .getResult();
  if (sourceType.getRank() < targetType.getRank())
    return tensor::ExpandShapeOp::create(b, loc, targetType, value, *groups,
                                         sizes)
        .getResult();
  return failure();
}

Value lowering::buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                                 RankedTensorType resultType,
                                 ScalarBuilder body) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = resultType.getShape();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(getBroadcastMap(
        ctx, cast<RankedTensorType>(input.getType()).getShape(), shape));
  maps.push_back(b.getMultiDimIdentityMap(shape.size()));
  Value init =
      createEmpty(b, loc, shape, resultType.getElementType(),
                  getBroadcastDynamicSizes(b, loc, inputs, resultType));
  unsigned numInputs = inputs.size();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
      parallelIterators(shape.size()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.take_front(numInputs));
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value lowering::buildReduction(OpBuilder &b, Location loc, Value input,
                               ArrayRef<int64_t> reduced, Value init,
                               ScalarBuilder body) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<utils::IteratorType> iterators = parallelIterators(rank);
  for (int64_t d : reduced)
    iterators[d] = utils::IteratorType::reduction;
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 getReducedMap(ctx, rank, reduced)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{input}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return generic.getResult(0);
}

Value lowering::reshapeTo(OpBuilder &b, Location loc, Value value,
                          ArrayRef<int64_t> shape) {
  auto sourceType = cast<RankedTensorType>(value.getType());
  ArrayRef<int64_t> source = sourceType.getShape();
  if (source == shape)
    return value;
  auto targetType = RankedTensorType::get(shape, sourceType.getElementType());
  // Rank-0 <-> all-ones: the empty reassociation.
  if (shape.empty())
    return tensor::CollapseShapeOp::create(b, loc, targetType, value,
                                           ArrayRef<ReassociationIndices>{});
  if (source.empty())
    return tensor::ExpandShapeOp::create(b, loc, targetType, value,
                                         ArrayRef<ReassociationIndices>{});
  if (source.size() > shape.size()) {
    if (auto r = getReassociationIndicesForCollapse(source, shape))
      return tensor::CollapseShapeOp::create(b, loc, targetType, value, *r);
  } else if (source.size() < shape.size()) {
    if (auto r = getReassociationIndicesForCollapse(shape, source))
      return tensor::ExpandShapeOp::create(b, loc, targetType, value, *r);
  }
  // No reassociation: go through one dimension; an empty tensor has no
  // data to carry (and no reassociation may exist for its zero dims).
  int64_t numElements = sourceType.getNumElements();
  if (numElements == 0)
    return createEmpty(b, loc, shape, sourceType.getElementType());
  Value flat = reshapeTo(b, loc, value, {numElements});
  return reshapeTo(b, loc, flat, shape);
}

Value lowering::broadcastTo(OpBuilder &b, Location loc, Value value,
                            ArrayRef<int64_t> shape) {
  auto sourceType = cast<RankedTensorType>(value.getType());
  ArrayRef<int64_t> source = sourceType.getShape();
  if (source == shape)
    return value;
  int64_t offset = shape.size() - source.size();
  SmallVector<int64_t> broadcastDims, keptShape;
  for (int64_t d = 0, e = shape.size(); d < e; ++d) {
    int64_t s = d - offset;
    if (s < 0 || (source[s] == 1 && shape[d] != 1))
      broadcastDims.push_back(d);
    else
      keptShape.push_back(source[s]);
  }
  Value kept = reshapeTo(b, loc, value, keptShape);
  Value init = createEmpty(b, loc, shape, sourceType.getElementType());
  return linalg::BroadcastOp::create(b, loc, kept, init, broadcastDims)
      .getResult()[0];
}

Value lowering::padConstant(OpBuilder &b, Location loc, Value value,
                            ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                            Value padValue) {
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return value;
  auto sourceType = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(sourceType.getShape());
  SmallVector<OpFoldResult> lowFolds, highFolds;
  for (auto [d, lo, hi] : llvm::enumerate(low, high)) {
    if (!ShapedType::isDynamic(shape[d]))
      shape[d] += lo + hi;
    lowFolds.push_back(b.getIndexAttr(lo));
    highFolds.push_back(b.getIndexAttr(hi));
  }
  auto type = RankedTensorType::get(shape, sourceType.getElementType());
  return tensor::PadOp::create(b, loc, type, value, lowFolds, highFolds,
                               padValue);
}

DenseIntElementsAttr lowering::getI64VectorAttr(OpBuilder &b,
                                                ArrayRef<int64_t> values) {
  return b.getI64TensorAttr(values);
}
