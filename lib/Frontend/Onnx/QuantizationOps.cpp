//===- QuantizationOps.cpp - ONNX quantization ops -> kiln ----------------===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul and QLinearConv, decomposed into kiln ops that
// compute the same values exactly:
//   - integer contractions widen their 8-bit operands to i32, subtract the
//     zero points there and run kiln.matmul / kiln.conv in i32 (an i32
//     accumulator cannot overflow for the K of real models, as ONNX Runtime's
//     kernels assume too);
//   - quantization is saturate(round_half_even(x / scale) + zero_point),
//     computed in f32 (integers up to 2^24 are exact there) and clamped
//     before the cast, so the cast never sees an out-of-range value;
//   - requantization (QLinear*) scales the i32 accumulator by
//     a_scale * b_scale / y_scale in f32, as ONNX Runtime does.
// Scales and zero points may be graph inputs: they are reshaped so that
// broadcasting applies them per tensor or per axis.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

bool isQuantizedType(Type type) {
  return type.isUnsignedInteger(8) || type.isSignlessInteger(8);
}

/// Operand `i`, a scale or zero point, reshaped to broadcast against a tensor
/// of rank `rank`: a scalar or 1-element tensor becomes rank 0; when
/// `axisSize` is given, a 1-D tensor of that many elements becomes size-1
/// dims except at `axis`. Returns null after an error.
Value broadcastableParam(NodeContext &ctx, unsigned i, llvm::StringRef what,
                         int64_t rank, std::optional<int64_t> axis = {},
                         int64_t axisSize = 0) {
  RankedTensorType type = ctx.operandType(i);
  if (!type) {
    ctx.emitError() << "missing input '" << what << "'";
    return nullptr;
  }
  if (type.getNumElements() == 1 && type.getRank() <= 1)
    return ctx.reshape(ctx.operand(i), {});
  if (axis && type.getRank() == 1 && type.getDimSize(0) == axisSize) {
    llvm::SmallVector<int64_t> shape(rank, 1);
    shape[*axis] = axisSize;
    return ctx.reshape(ctx.operand(i), shape);
  }
  InFlightDiagnostic diag = ctx.emitError();
  diag << "input '" << what << "' of shape " << formatShape(type.getShape())
       << " must be a scalar";
  if (axis)
    diag << " or a 1-D tensor of " << axisSize << " elements";
  return nullptr;
}

/// The element type of optional zero point `i`, which decides the quantized
/// type (uint8 when absent). Emits an error for types other than int8/uint8.
FailureOr<Type> quantizedTypeOf(NodeContext &ctx, unsigned i,
                                llvm::StringRef what) {
  if (!ctx.hasInput(i))
    return Type(IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned));
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    return failure();
  if (!isQuantizedType(type.getElementType()))
    return ctx.emitError() << "input '" << what
                           << "' must be int8 or uint8, not "
                           << type.getElementType();
  return type.getElementType();
}

/// Checks that operand `i` is a float32 scale.
LogicalResult requireF32(NodeContext &ctx, unsigned i, llvm::StringRef what) {
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    return ctx.emitError() << "missing input '" << what << "'";
  if (!type.getElementType().isF32())
    return ctx.emitError() << "input '" << what << "' must be float32, not "
                           << type.getElementType();
  return success();
}

/// Checks that operand `i` is an int8/uint8 tensor.
LogicalResult requireQuantized(NodeContext &ctx, unsigned i,
                               llvm::StringRef what) {
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    return ctx.emitError() << "missing input '" << what << "'";
  if (!isQuantizedType(type.getElementType()))
    return ctx.emitError() << "input '" << what
                           << "' must be int8 or uint8, not "
                           << type.getElementType();
  return success();
}

/// saturate(round_half_even(scaled) + zeroPoint) as `quantType`; `scaled` is
/// f32, `zeroPoint` (any integer type, broadcastable) may be null.
Value quantize(NodeContext &ctx, Value scaled, Value zeroPoint,
               Type quantType) {
  Type f32 = Float32Type::get(ctx.getContext());
  Value y = ctx.create<RoundOp>(scaled);
  if (zeroPoint)
    y = ctx.create<AddOp>(y, ctx.castTo(zeroPoint, f32));
  bool isSigned = quantType.isSignlessInteger();
  OpBuilder &b = ctx.getBuilder();
  y = ctx.create<ClipOp>(y, b.getF64FloatAttr(isSigned ? -128.0 : 0.0),
                         b.getF64FloatAttr(isSigned ? 127.0 : 255.0));
  return ctx.castTo(y, quantType);
}

/// `x - zeroPoint` widened to i32; `zeroPoint` may be null.
Value widen(NodeContext &ctx, Value x, Value zeroPoint) {
  Type i32 = IntegerType::get(ctx.getContext(), 32);
  Value wide = ctx.castTo(x, i32);
  if (!zeroPoint || !wide)
    return wide;
  return ctx.create<SubOp>(wide, ctx.castTo(zeroPoint, i32));
}

//===----------------------------------------------------------------------===//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear
//===----------------------------------------------------------------------===//

/// The per-tensor or per-axis broadcast of scale/zero point `i` over input
/// 0 (`axis` matters only for a 1-D parameter of more than one element).
Value axisParam(NodeContext &ctx, unsigned i, llvm::StringRef what) {
  RankedTensorType xType = ctx.operandType(0);
  RankedTensorType paramType = ctx.operandType(i);
  int64_t rank = xType.getRank();
  if (rank == 0 || (paramType && paramType.getNumElements() == 1))
    return broadcastableParam(ctx, i, what, rank);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 1), rank);
  if (failed(axis))
    return nullptr;
  return broadcastableParam(ctx, i, what, rank, *axis,
                            xType.getDimSize(*axis));
}

/// y = saturate(round(x / y_scale) + y_zero_point).
LogicalResult importQuantizeLinear(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType)
    return ctx.emitError() << "missing input 'x'";
  Type xElement = xType.getElementType();
  if (!xElement.isF32() && !xElement.isSignlessInteger(32))
    return ctx.emitError() << "input 'x' must be float32 or int32, not "
                           << xElement;
  FailureOr<Type> quantType = quantizedTypeOf(ctx, 2, "y_zero_point");
  if (failed(quantType) || failed(requireF32(ctx, 1, "y_scale")))
    return failure();
  Value scale = axisParam(ctx, 1, "y_scale");
  Value zeroPoint =
      ctx.hasInput(2) ? axisParam(ctx, 2, "y_zero_point") : Value();
  if (!scale || (ctx.hasInput(2) && !zeroPoint))
    return failure();
  Value x = ctx.castTo(ctx.operand(0), Float32Type::get(ctx.getContext()));
  Value scaled = ctx.create<DivOp>(x, scale);
  return finish(ctx, quantize(ctx, scaled, zeroPoint, *quantType));
}

/// y = (x - x_zero_point) * x_scale.
LogicalResult importDequantizeLinear(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType)
    return ctx.emitError() << "missing input 'x'";
  Type xElement = xType.getElementType();
  if (!isQuantizedType(xElement) && !xElement.isSignlessInteger(32))
    return ctx.emitError() << "input 'x' must be int8, uint8 or int32, not "
                           << xElement;
  if (failed(requireF32(ctx, 1, "x_scale")))
    return failure();
  if (ctx.hasInput(2)) {
    RankedTensorType zpType = ctx.operandType(2);
    if (!zpType || zpType.getElementType() != xElement)
      return ctx.emitError()
             << "input 'x_zero_point' must have the element type of 'x'";
  }
  Value scale = axisParam(ctx, 1, "x_scale");
  Value zeroPoint =
      ctx.hasInput(2) ? axisParam(ctx, 2, "x_zero_point") : Value();
  if (!scale || (ctx.hasInput(2) && !zeroPoint))
    return failure();
  // x - zero point is exact in i32; its conversion to f32 rounds only
  // beyond 2^24, as ONNX's float reference does.
  Value y = ctx.castTo(widen(ctx, ctx.operand(0), zeroPoint),
                       Float32Type::get(ctx.getContext()));
  return finish(ctx, ctx.create<MulOp>(y, scale));
}

/// Quantizes x to uint8 over the range [min(x, 0), max(x, 0)]:
/// y_scale = (max - min) / 255, y_zero_point = saturate(round(-min / scale)).
LogicalResult importDynamicQuantizeLinear(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType)
    return ctx.emitError() << "missing input 'x'";
  if (!xType.getElementType().isF32())
    return ctx.emitError() << "input 'x' must be float32, not "
                           << xType.getElementType();
  if (!xType.hasStaticShape())
    return ctx.emitError() << "input 'x' needs a static shape, got "
                           << formatShape(xType.getShape());
  Type f32 = xType.getElementType();
  Type u8 = IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  Value x = ctx.operand(0);
  Value xFlat = ctx.reshape(x, {xType.getNumElements()});
  Value zero = ctx.constantScalar(f32, 0.0);
  Value min = ctx.create<MinOp>(
      ctx.create<ReduceMinOp>(xFlat, llvm::ArrayRef<int64_t>{0}, false), zero);
  Value max = ctx.create<MaxOp>(
      ctx.create<ReduceMaxOp>(xFlat, llvm::ArrayRef<int64_t>{0}, false), zero);
  Value range = ctx.create<SubOp>(max, min);
  Value scale = ctx.create<DivOp>(range, ctx.constantScalar(f32, 255.0));
  Value zeroPoint =
      quantize(ctx, ctx.create<SubOp>(zero, ctx.create<DivOp>(min, scale)),
               Value(), u8);
  Value y = quantize(ctx, ctx.create<DivOp>(x, scale), zeroPoint, u8);
  if (!y || !scale || !zeroPoint)
    return failure();
  ctx.setResult(0, y);
  ctx.setResult(1, scale);
  ctx.setResult(2, zeroPoint);
  return success();
}

//===----------------------------------------------------------------------===//
// MatMulInteger, QLinearMatMul
//===----------------------------------------------------------------------===//

/// A and B minus their zero points (per tensor, per row of A, per column of
/// B), widened to i32 and multiplied with numpy matmul semantics.
/// Operand indices: a, aZeroPoint, b, bZeroPoint (a zero point index may
/// name an absent input).
Value integerMatMul(NodeContext &ctx, unsigned aIndex, unsigned aZeroIndex,
                    unsigned bIndex, unsigned bZeroIndex) {
  if (failed(requireQuantized(ctx, aIndex, "A")) ||
      failed(requireQuantized(ctx, bIndex, "B")))
    return nullptr;
  RankedTensorType aType = ctx.operandType(aIndex);
  RankedTensorType bType = ctx.operandType(bIndex);
  if (aType.getRank() < 1 || bType.getRank() < 1) {
    ctx.emitError() << "matrix operands must have rank >= 1";
    return nullptr;
  }
  Value a = ctx.operand(aIndex), b = ctx.operand(bIndex);
  bool aVector = aType.getRank() == 1, bVector = bType.getRank() == 1;
  if (aVector)
    a = ctx.reshape(a, {1, aType.getDimSize(0)});
  if (bVector)
    b = ctx.reshape(b, {bType.getDimSize(0), 1});
  int64_t aRank = typeOf(a).getRank(), bRank = typeOf(b).getRank();
  Value aZero, bZero;
  if (ctx.hasInput(aZeroIndex)) {
    aZero = broadcastableParam(ctx, aZeroIndex, "a_zero_point", aRank,
                               aRank - 2, typeOf(a).getDimSize(aRank - 2));
    if (!aZero)
      return nullptr;
  }
  if (ctx.hasInput(bZeroIndex)) {
    bZero = broadcastableParam(ctx, bZeroIndex, "b_zero_point", bRank,
                               bRank - 1, typeOf(b).getDimSize(bRank - 1));
    if (!bZero)
      return nullptr;
  }
  Value y = ctx.create<MatMulOp>(widen(ctx, a, aZero), widen(ctx, b, bZero));
  if (!y || !(aVector || bVector))
    return y;
  llvm::SmallVector<int64_t> shape(typeOf(y).getShape());
  if (bVector)
    shape.pop_back();
  if (aVector)
    shape.erase(shape.end() - (bVector ? 1 : 2));
  return ctx.reshape(y, shape);
}

LogicalResult importMatMulInteger(NodeContext &ctx) {
  return finish(ctx, integerMatMul(ctx, 0, 2, 1, 3));
}

/// Scales the i32 accumulator `acc` by `multiplier` (f32) and quantizes it
/// with zero point operand `zeroIndex` (broadcast as `zeroPoint`).
Value requantize(NodeContext &ctx, Value acc, Value multiplier,
                 Value zeroPoint, unsigned zeroIndex) {
  FailureOr<Type> quantType = quantizedTypeOf(ctx, zeroIndex, "y_zero_point");
  if (failed(quantType) || !acc || !multiplier)
    return nullptr;
  Value scaled = ctx.create<MulOp>(
      ctx.castTo(acc, Float32Type::get(ctx.getContext())), multiplier);
  return quantize(ctx, scaled, zeroPoint, *quantType);
}

/// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale,
/// y_zero_point.
LogicalResult importQLinearMatMul(NodeContext &ctx) {
  if (failed(requireF32(ctx, 1, "a_scale")) ||
      failed(requireF32(ctx, 4, "b_scale")) ||
      failed(requireF32(ctx, 6, "y_scale")))
    return failure();
  RankedTensorType aType = ctx.operandType(0), bType = ctx.operandType(3);
  if (!aType || !bType || aType.getRank() < 2 || bType.getRank() < 2)
    return ctx.emitError() << "QLinearMatMul operands must have rank >= 2";
  Value acc = integerMatMul(ctx, 0, 2, 3, 5);
  if (!acc)
    return failure();
  int64_t rank = typeOf(acc).getRank();
  // Per-row scales of A and per-column scales of B broadcast like their
  // zero points.
  Value aScale = broadcastableParam(ctx, 1, "a_scale", rank, rank - 2,
                                    aType.getDimSize(aType.getRank() - 2));
  Value bScale = broadcastableParam(ctx, 4, "b_scale", rank, rank - 1,
                                    bType.getDimSize(bType.getRank() - 1));
  Value yScale = broadcastableParam(ctx, 6, "y_scale", rank);
  Value yZero = broadcastableParam(ctx, 7, "y_zero_point", rank);
  if (!aScale || !bScale || !yScale || !yZero)
    return failure();
  Value multiplier =
      ctx.create<DivOp>(ctx.create<MulOp>(aScale, bScale), yScale);
  return finish(ctx, requantize(ctx, acc, multiplier, yZero, 7));
}

//===----------------------------------------------------------------------===//
// ConvInteger, QLinearConv
//===----------------------------------------------------------------------===//

/// conv(x - x_zero_point, w - w_zero_point) + bias in i32; the zero points
/// are per tensor for x, per tensor or per output channel for w. Subtracting
/// before padding makes the padding contribute zero, as ONNX specifies.
Value integerConv(NodeContext &ctx, unsigned xIndex, unsigned xZeroIndex,
                  unsigned wIndex, unsigned wZeroIndex,
                  std::optional<unsigned> biasIndex) {
  if (failed(requireQuantized(ctx, xIndex, "x")) ||
      failed(requireQuantized(ctx, wIndex, "w")))
    return nullptr;
  RankedTensorType xType = ctx.operandType(xIndex);
  RankedTensorType wType = ctx.operandType(wIndex);
  if (xType.getRank() < 3 || xType.getRank() != wType.getRank()) {
    ctx.emitError() << "input " << formatShape(xType.getShape())
                    << " and weight " << formatShape(wType.getShape())
                    << " must have the same rank >= 3";
    return nullptr;
  }
  llvm::ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
  if (std::optional<llvm::SmallVector<int64_t>> attr =
          ctx.getOptionalInts("kernel_shape")) {
    if (!attr->empty() && llvm::ArrayRef<int64_t>(*attr) != kernel) {
      ctx.emitError() << "kernel_shape " << formatShape(*attr)
                      << " does not match the weight's "
                      << formatShape(kernel);
      return nullptr;
    }
  }
  FailureOr<Window> window =
      resolveWindow(ctx, xType.getShape().drop_front(2), kernel);
  if (failed(window))
    return nullptr;
  int64_t group = ctx.getInt("group", 1);
  if (group < 1) {
    ctx.emitError() << "group must be >= 1, got " << group;
    return nullptr;
  }
  int64_t rank = xType.getRank();
  Value xZero, wZero, bias;
  if (ctx.hasInput(xZeroIndex) &&
      !(xZero = broadcastableParam(ctx, xZeroIndex, "x_zero_point", rank)))
    return nullptr;
  if (ctx.hasInput(wZeroIndex) &&
      !(wZero = broadcastableParam(ctx, wZeroIndex, "w_zero_point", rank, 0,
                                   wType.getDimSize(0))))
    return nullptr;
  if (biasIndex && ctx.hasInput(*biasIndex)) {
    RankedTensorType biasType = ctx.operandType(*biasIndex);
    if (!biasType || !biasType.getElementType().isSignlessInteger(32)) {
      ctx.emitError() << "input 'B' must be int32";
      return nullptr;
    }
    bias = ctx.operand(*biasIndex);
  }
  Value x = widen(ctx, ctx.operand(xIndex), xZero);
  Value w = widen(ctx, ctx.operand(wIndex), wZero);
  return ctx.create<ConvOp>(x, w, bias, window->strides, window->dilations,
                            window->pads, static_cast<uint64_t>(group));
}

LogicalResult importConvInteger(NodeContext &ctx) {
  return finish(ctx, integerConv(ctx, 0, 2, 1, 3, std::nullopt));
}

/// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
/// y_zero_point, B.
LogicalResult importQLinearConv(NodeContext &ctx) {
  if (failed(requireF32(ctx, 1, "x_scale")) ||
      failed(requireF32(ctx, 4, "w_scale")) ||
      failed(requireF32(ctx, 6, "y_scale")))
    return failure();
  Value acc = integerConv(ctx, 0, 2, 3, 5, 8u);
  if (!acc)
    return failure();
  int64_t rank = typeOf(acc).getRank();
  // w_scale is per tensor or per output channel (dim 1 of the result).
  Value xScale = broadcastableParam(ctx, 1, "x_scale", rank);
  Value wScale = broadcastableParam(ctx, 4, "w_scale", rank, 1,
                                    typeOf(acc).getDimSize(1));
  Value yScale = broadcastableParam(ctx, 6, "y_scale", rank);
  Value yZero = broadcastableParam(ctx, 7, "y_zero_point", rank);
  if (!xScale || !wScale || !yScale || !yZero)
    return failure();
  Value multiplier =
      ctx.create<DivOp>(ctx.create<MulOp>(xScale, wScale), yScale);
  return finish(ctx, requantize(ctx, acc, multiplier, yZero, 7));
}

} // namespace

void onnx_importer::populateQuantizationHandlers(OnnxOpRegistry &r) {
  r.onOp("QuantizeLinear", 10, importQuantizeLinear);
  r.onOp("DequantizeLinear", 10, importDequantizeLinear);
  r.onOp("DynamicQuantizeLinear", 11, importDynamicQuantizeLinear);
  r.onOp("MatMulInteger", 10, importMatMulInteger);
  r.onOp("QLinearMatMul", 10, importQLinearMatMul);
  r.onOp("ConvInteger", 10, importConvInteger, validateAutoPad);
  r.onOp("QLinearConv", 10, importQLinearConv, validateAutoPad);
}
