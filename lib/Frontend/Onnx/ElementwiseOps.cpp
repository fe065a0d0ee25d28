//===- ElementwiseOps.cpp - ONNX elementwise ops -> kiln ------------------===//
//
// Arithmetic, comparison and logical ops (numpy broadcasting), unary math,
// activations (decomposed into kiln ops where kiln has no single op), bit
// shifts, Trilu (a masked Where), Clip, Cast, Where, Identity and Dropout.
// Integer ops on constants are folded so that shape arithmetic stays static.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

using IntFold = std::optional<int64_t> (*)(llvm::ArrayRef<int64_t>);

/// The first `numOperands` operands when all are constants with `ElementT`
/// elements (IntegerType, FloatType); nothing otherwise.
template <typename ElementT>
std::optional<llvm::SmallVector<DenseElementsAttr>>
constantOperands(NodeContext &ctx, unsigned numOperands) {
  llvm::SmallVector<DenseElementsAttr> operands;
  for (unsigned i = 0; i < numOperands; ++i) {
    DenseElementsAttr attr = ctx.constantOperand(i);
    if (!attr || !isa<ElementT>(attr.getElementType()))
      return std::nullopt;
    operands.push_back(attr);
  }
  return operands;
}

/// Folds an integer elementwise node whose operands are all constants.
/// Returns true if the result was defined as a constant.
bool tryFoldInts(NodeContext &ctx, unsigned numOperands, Type resultElement,
                 IntFold fn) {
  if (!fn)
    return false;
  std::optional<llvm::SmallVector<DenseElementsAttr>> operands =
      constantOperands<IntegerType>(ctx, numOperands);
  if (!operands)
    return false;
  Type elementType = resultElement ? resultElement
                                   : operands->front().getElementType();
  DenseElementsAttr folded = foldIntElementwise(*operands, elementType, fn);
  if (!folded)
    return false;
  ctx.setConstantResult(0, folded);
  return true;
}

using FloatFold = std::optional<double> (*)(llvm::ArrayRef<double>);

/// The float counterpart of tryFoldInts (shape arithmetic done in floats,
/// e.g. Resize sizes or a Range's trip count: Sub, Div, Ceil, Cast).
bool tryFoldFloats(NodeContext &ctx, unsigned numOperands, FloatFold fn) {
  if (!fn)
    return false;
  std::optional<llvm::SmallVector<DenseElementsAttr>> operands =
      constantOperands<FloatType>(ctx, numOperands);
  if (!operands)
    return false;
  DenseElementsAttr folded = foldFloatElementwise(*operands, fn);
  if (!folded)
    return false;
  ctx.setConstantResult(0, folded);
  return true;
}

std::optional<double> addFloats(llvm::ArrayRef<double> v) { return v[0] + v[1]; }
std::optional<double> subFloats(llvm::ArrayRef<double> v) { return v[0] - v[1]; }
std::optional<double> mulFloats(llvm::ArrayRef<double> v) { return v[0] * v[1]; }
std::optional<double> divFloats(llvm::ArrayRef<double> v) { return v[0] / v[1]; }
std::optional<double> negFloats(llvm::ArrayRef<double> v) { return -v[0]; }
std::optional<double> absFloats(llvm::ArrayRef<double> v) {
  return std::fabs(v[0]);
}
std::optional<double> reluFloats(llvm::ArrayRef<double> v) {
  return std::isnan(v[0]) ? v[0] : std::max(v[0], 0.0);
}
std::optional<double> floorFloats(llvm::ArrayRef<double> v) {
  return std::floor(v[0]);
}
std::optional<double> ceilFloats(llvm::ArrayRef<double> v) {
  return std::ceil(v[0]);
}

// Integer folds; nullopt refuses (the op then runs at run time).
std::optional<int64_t> addInts(llvm::ArrayRef<int64_t> v) {
  return static_cast<int64_t>(static_cast<uint64_t>(v[0]) +
                              static_cast<uint64_t>(v[1]));
}
std::optional<int64_t> subInts(llvm::ArrayRef<int64_t> v) {
  return static_cast<int64_t>(static_cast<uint64_t>(v[0]) -
                              static_cast<uint64_t>(v[1]));
}
std::optional<int64_t> mulInts(llvm::ArrayRef<int64_t> v) {
  return static_cast<int64_t>(static_cast<uint64_t>(v[0]) *
                              static_cast<uint64_t>(v[1]));
}
std::optional<int64_t> divInts(llvm::ArrayRef<int64_t> v) {
  if (v[1] == 0 || (v[0] == std::numeric_limits<int64_t>::min() && v[1] == -1))
    return std::nullopt;
  return v[0] / v[1];
}
std::optional<int64_t> maxInts(llvm::ArrayRef<int64_t> v) {
  return std::max(v[0], v[1]);
}
std::optional<int64_t> minInts(llvm::ArrayRef<int64_t> v) {
  return std::min(v[0], v[1]);
}
std::optional<int64_t> equalInts(llvm::ArrayRef<int64_t> v) {
  return v[0] == v[1];
}
std::optional<int64_t> lessInts(llvm::ArrayRef<int64_t> v) {
  return v[0] < v[1];
}
std::optional<int64_t> lessEqualInts(llvm::ArrayRef<int64_t> v) {
  return v[0] <= v[1];
}
std::optional<int64_t> greaterInts(llvm::ArrayRef<int64_t> v) {
  return v[0] > v[1];
}
std::optional<int64_t> greaterEqualInts(llvm::ArrayRef<int64_t> v) {
  return v[0] >= v[1];
}
std::optional<int64_t> andInts(llvm::ArrayRef<int64_t> v) {
  return v[0] & v[1];
}
std::optional<int64_t> orInts(llvm::ArrayRef<int64_t> v) {
  return v[0] | v[1];
}
std::optional<int64_t> xorInts(llvm::ArrayRef<int64_t> v) {
  return v[0] ^ v[1];
}
std::optional<int64_t> whereInts(llvm::ArrayRef<int64_t> v) {
  return v[0] ? v[1] : v[2];
}
std::optional<int64_t> negInts(llvm::ArrayRef<int64_t> v) {
  return static_cast<int64_t>(0 - static_cast<uint64_t>(v[0]));
}
std::optional<int64_t> absInts(llvm::ArrayRef<int64_t> v) {
  return v[0] < 0 ? static_cast<int64_t>(0 - static_cast<uint64_t>(v[0]))
                  : v[0];
}
std::optional<int64_t> notInts(llvm::ArrayRef<int64_t> v) { return !v[0]; }

/// Before opset 7, broadcasting was opt-in (`broadcast`=1) and aligned B at
/// `axis` of A instead of at the trailing dims.
Value alignLegacyBroadcast(NodeContext &ctx, Value lhs, Value rhs) {
  if (ctx.getOpset() >= 7 || !ctx.getInt("broadcast", 0) ||
      !ctx.hasAttr("axis"))
    return rhs;
  RankedTensorType a = typeOf(lhs), b = typeOf(rhs);
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 0), a.getRank());
  if (failed(axis))
    return nullptr;
  int64_t trailing = a.getRank() - *axis - b.getRank();
  if (trailing < 0) {
    ctx.emitError() << "legacy broadcast of " << formatShape(b.getShape())
                    << " at axis " << *axis << " of "
                    << formatShape(a.getShape()) << " does not fit";
    return nullptr;
  }
  llvm::SmallVector<int64_t> shape(b.getShape());
  shape.append(trailing, 1);
  return ctx.reshape(rhs, shape);
}

/// A binary kiln op; variadic ONNX ops (Max, Min, Sum) fold left.
template <typename OpTy>
LogicalResult importBinary(NodeContext &ctx, IntFold fold = nullptr,
                           bool compare = false, FloatFold floatFold = nullptr) {
  unsigned numInputs = ctx.getNumInputs();
  if (numInputs == 0)
    return ctx.emitError() << "expects at least one input";
  if (std::optional<LogicalResult> shape = ctx.tryShapeArithmetic())
    return *shape;
  if (numInputs == 2 &&
      tryFoldInts(ctx, 2,
                  compare ? IntegerType::get(ctx.getContext(), 1) : Type(),
                  fold))
    return success();
  if (numInputs == 2 && tryFoldFloats(ctx, 2, floatFold))
    return success();
  if (numInputs == 1)
    return ctx.forwardOperand(0, 0);
  Value result = ctx.operand(0);
  for (unsigned i = 1; i < numInputs && result; ++i) {
    Value rhs = ctx.operand(i);
    if (!rhs)
      return failure();
    if (numInputs == 2)
      rhs = alignLegacyBroadcast(ctx, result, rhs);
    result = ctx.create<OpTy>(result, rhs);
  }
  return finish(ctx, result);
}

template <typename OpTy>
OnnxHandler binary(IntFold fold = nullptr, FloatFold floatFold = nullptr) {
  return [fold, floatFold](NodeContext &ctx) {
    return importBinary<OpTy>(ctx, fold, /*compare=*/false, floatFold);
  };
}

template <typename OpTy>
OnnxHandler comparison(IntFold fold) {
  return [fold](NodeContext &ctx) {
    return importBinary<OpTy>(ctx, fold, /*compare=*/true);
  };
}

template <typename OpTy>
OnnxHandler unary(IntFold fold = nullptr, FloatFold floatFold = nullptr) {
  return [fold, floatFold](NodeContext &ctx) -> LogicalResult {
    if (tryFoldInts(ctx, 1, Type(), fold) ||
        tryFoldFloats(ctx, 1, floatFold))
      return success();
    return finish(ctx, ctx.create<OpTy>(ctx.operand(0)));
  };
}

/// Float-only ops get a clear message instead of a verifier error.
OnnxHandler floatUnary(OnnxHandler handler) {
  return [handler](NodeContext &ctx) -> LogicalResult {
    if (failed(requireFloatElements(ctx, ctx.operandType(0))))
      return failure();
    return handler(ctx);
  };
}

LogicalResult importPow(NodeContext &ctx) {
  Value base = ctx.operand(0);
  if (!base)
    return failure();
  // Since opset 12 the exponent may have another type than the base.
  Type elementType = typeOf(base).getElementType();
  Value exponent;
  if (DenseElementsAttr c = ctx.constantOperand(1))
    exponent = ctx.constant(castElements(c, elementType));
  else
    exponent = ctx.castTo(ctx.operand(1), elementType);
  return finish(ctx, ctx.create<PowOp>(base, exponent));
}

LogicalResult importMod(NodeContext &ctx) {
  bool fmod = ctx.getInt("fmod", 0) != 0;
  RankedTensorType type = ctx.operandType(0);
  if (type && isa<FloatType>(type.getElementType()) && !fmod)
    return ctx.emitError() << "Mod of floating-point tensors requires fmod=1";
  if (!fmod && tryFoldInts(ctx, 2, Type(), [](llvm::ArrayRef<int64_t> v)
                               -> std::optional<int64_t> {
        if (v[1] == 0 ||
            (v[0] == std::numeric_limits<int64_t>::min() && v[1] == -1))
          return std::nullopt;
        int64_t r = v[0] % v[1];
        // Python semantics: the result takes the divisor's sign.
        if (r != 0 && ((r < 0) != (v[1] < 0)))
          r += v[1];
        return r;
      }))
    return success();
  Value lhs = ctx.operand(0);
  Value rhs = ctx.operand(1);
  return finish(ctx, ctx.create<ModOp>(lhs, rhs, fmod));
}

LogicalResult importMean(NodeContext &ctx) {
  unsigned n = ctx.getNumInputs();
  if (n == 0)
    return ctx.emitError() << "expects at least one input";
  Value sum = ctx.operand(0);
  for (unsigned i = 1; i < n && sum; ++i)
    sum = ctx.create<AddOp>(sum, ctx.operand(i));
  if (!sum)
    return failure();
  if (n > 1)
    sum = ctx.create<DivOp>(
        sum, ctx.constantScalar(typeOf(sum).getElementType(), n));
  return finish(ctx, sum);
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

/// Helpers that build `x OP scalar` in x's element type.
Value mulScalar(NodeContext &ctx, Value x, double s) {
  if (!x)
    return nullptr;
  return ctx.create<MulOp>(
      x, ctx.constantScalar(typeOf(x).getElementType(), s));
}
Value addScalar(NodeContext &ctx, Value x, double s) {
  if (!x)
    return nullptr;
  return ctx.create<AddOp>(
      x, ctx.constantScalar(typeOf(x).getElementType(), s));
}
Value lessThanScalar(NodeContext &ctx, Value x, double s) {
  if (!x)
    return nullptr;
  return ctx.create<LessOp>(x,
                            ctx.constantScalar(typeOf(x).getElementType(), s));
}

/// x < 0 ? negative : x. (Ops are built in statement order so the IR does
/// not depend on the compiler's argument evaluation order.)
Value selectNegative(NodeContext &ctx, Value x, Value negative) {
  Value isNegative = lessThanScalar(ctx, x, 0.0);
  return ctx.create<WhereOp>(isNegative, negative, x);
}

/// LeakyRelu: x < 0 ? alpha * x : x.
LogicalResult importLeakyRelu(NodeContext &ctx) {
  Value x = ctx.operand(0);
  double alpha = ctx.getFloat("alpha", 0.01f);
  return finish(ctx, selectNegative(ctx, x, mulScalar(ctx, x, alpha)));
}

/// PRelu: x < 0 ? slope * x : x (slope broadcasts to x). A 1-D slope of
/// one value per channel (before opset 7, and in old PyTorch exports) is
/// applied along dim 1.
LogicalResult importPRelu(NodeContext &ctx) {
  Value x = ctx.operand(0), slope = ctx.operand(1);
  if (!x || !slope)
    return failure();
  RankedTensorType xType = typeOf(x), slopeType = typeOf(slope);
  if (xType.getRank() > 2 && slopeType.getRank() == 1 &&
      slopeType.getDimSize(0) == xType.getDimSize(1) &&
      (ctx.getOpset() < 7 ||
       failed(broadcastShapes(xType.getShape(), slopeType.getShape())))) {
    llvm::SmallVector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = slopeType.getDimSize(0);
    slope = ctx.reshape(slope, shape);
  }
  return finish(ctx, selectNegative(ctx, x, ctx.create<MulOp>(x, slope)));
}

/// alpha * (exp(x) - 1)
Value expm1Scaled(NodeContext &ctx, Value x, double alpha) {
  return mulScalar(ctx, addScalar(ctx, ctx.create<ExpOp>(x), -1.0), alpha);
}

/// Elu: x < 0 ? alpha * (exp(x) - 1) : x.
LogicalResult importElu(NodeContext &ctx) {
  Value x = ctx.operand(0);
  double alpha = ctx.getFloat("alpha", 1.0f);
  return finish(ctx, selectNegative(ctx, x, expm1Scaled(ctx, x, alpha)));
}

/// Selu: gamma * (x <= 0 ? alpha * (exp(x) - 1) : x).
LogicalResult importSelu(NodeContext &ctx) {
  Value x = ctx.operand(0);
  double alpha = ctx.getFloat("alpha", 1.67326319217681884765625f);
  double gamma = ctx.getFloat("gamma", 1.05070102214813232421875f);
  Value inner = selectNegative(ctx, x, expm1Scaled(ctx, x, alpha));
  return finish(ctx, mulScalar(ctx, inner, gamma));
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
LogicalResult importCelu(NodeContext &ctx) {
  Value x = ctx.operand(0);
  double alpha = ctx.getFloat("alpha", 1.0f);
  if (alpha == 0.0)
    return ctx.emitError() << "Celu alpha must be non-zero";
  Value negative = expm1Scaled(ctx, mulScalar(ctx, x, 1.0 / alpha), alpha);
  Type elementType = typeOf(x) ? typeOf(x).getElementType() : Type();
  if (!negative || !elementType)
    return failure();
  Value zero = ctx.constantScalar(elementType, 0.0);
  Value positive = ctx.create<ReluOp>(x);
  return finish(ctx, ctx.create<AddOp>(positive,
                                       ctx.create<MinOp>(negative, zero)));
}

/// HardSigmoid: clip(alpha * x + beta, 0, 1).
Value hardSigmoid(NodeContext &ctx, Value x, double alpha, double beta) {
  Value y = addScalar(ctx, mulScalar(ctx, x, alpha), beta);
  Builder &b = ctx.getBuilder();
  return ctx.create<ClipOp>(y, b.getF64FloatAttr(0.0), b.getF64FloatAttr(1.0));
}

LogicalResult importHardSigmoid(NodeContext &ctx) {
  return finish(ctx, hardSigmoid(ctx, ctx.operand(0),
                                 ctx.getFloat("alpha", 0.2f),
                                 ctx.getFloat("beta", 0.5f)));
}

/// HardSwish: x * hardsigmoid(x; 1/6, 1/2).
LogicalResult importHardSwish(NodeContext &ctx) {
  Value x = ctx.operand(0);
  return finish(ctx,
                ctx.create<MulOp>(x, hardSigmoid(ctx, x, 1.0 / 6.0, 0.5)));
}

/// Softplus: log(1 + exp(x)) computed as relu(x) + log(1 + exp(-|x|)) so
/// large inputs do not overflow.
LogicalResult importSoftplus(NodeContext &ctx) {
  Value x = ctx.operand(0);
  Value tail = ctx.create<LogOp>(addScalar(
      ctx,
      ctx.create<ExpOp>(ctx.create<NegOp>(ctx.create<AbsOp>(x))), 1.0));
  return finish(ctx, ctx.create<AddOp>(ctx.create<ReluOp>(x), tail));
}

/// Softsign: x / (1 + |x|).
LogicalResult importSoftsign(NodeContext &ctx) {
  Value x = ctx.operand(0);
  return finish(ctx, ctx.create<DivOp>(
                         x, addScalar(ctx, ctx.create<AbsOp>(x), 1.0)));
}

/// ThresholdedRelu: x > alpha ? x : 0.
LogicalResult importThresholdedRelu(NodeContext &ctx) {
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  Type elementType = typeOf(x).getElementType();
  double alpha = ctx.getFloat("alpha", 1.0f);
  Value above =
      ctx.create<GreaterOp>(x, ctx.constantScalar(elementType, alpha));
  return finish(ctx, ctx.create<WhereOp>(above, x,
                                         ctx.constantScalar(elementType, 0)));
}

/// Sinh/Cosh: (exp(x) -/+ exp(-x)) / 2.
template <bool IsSinh>
LogicalResult importHyperbolic(NodeContext &ctx) {
  Value x = ctx.operand(0);
  Value up = ctx.create<ExpOp>(x);
  Value down = ctx.create<ExpOp>(ctx.create<NegOp>(x));
  Value sum =
      IsSinh ? ctx.create<SubOp>(up, down) : ctx.create<AddOp>(up, down);
  return finish(ctx, mulScalar(ctx, sum, 0.5));
}

/// IsNaN: x != x.
LogicalResult importIsNaN(NodeContext &ctx) {
  Value x = ctx.operand(0);
  return finish(ctx, ctx.create<NotOp>(ctx.create<EqualOp>(x, x)));
}

/// IsInf: x == +inf and/or x == -inf.
LogicalResult importIsInf(NodeContext &ctx) {
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  Type elementType = typeOf(x).getElementType();
  bool positive = ctx.getInt("detect_positive", 1) != 0;
  bool negative = ctx.getInt("detect_negative", 1) != 0;
  double inf = std::numeric_limits<double>::infinity();
  Value result;
  if (positive)
    result = ctx.create<EqualOp>(x, ctx.constantScalar(elementType, inf));
  if (negative) {
    Value isNegInf =
        ctx.create<EqualOp>(x, ctx.constantScalar(elementType, -inf));
    result = result ? ctx.create<OrOp>(result, isNegInf) : isNegInf;
  }
  if (!result) {
    // Neither sign is detected: all false.
    auto type = RankedTensorType::get(typeOf(x).getShape(),
                                      ctx.getBuilder().getI1Type());
    ctx.setConstantResult(0, DenseElementsAttr::get(type, false));
    return success();
  }
  return finish(ctx, result);
}

/// Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0).
LogicalResult importShrink(NodeContext &ctx) {
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  Type elementType = typeOf(x).getElementType();
  double lambd = ctx.getFloat("lambd", 0.5f);
  double bias = ctx.getFloat("bias", 0.0f);
  Value below = lessThanScalar(ctx, x, -lambd);
  Value above =
      ctx.create<GreaterOp>(x, ctx.constantScalar(elementType, lambd));
  Value shifted = addScalar(ctx, x, -bias);
  Value zero = ctx.constantScalar(elementType, 0.0);
  Value inner = ctx.create<WhereOp>(above, shifted, zero);
  return finish(ctx,
                ctx.create<WhereOp>(below, addScalar(ctx, x, bias), inner));
}

/// Tan: sin / cos.
LogicalResult importTan(NodeContext &ctx) {
  Value x = ctx.operand(0);
  Value sin = ctx.create<SinOp>(x);
  return finish(ctx, ctx.create<DivOp>(sin, ctx.create<CosOp>(x)));
}

LogicalResult validateBitShift(const NodeInfo &node) {
  std::string direction = node.getString("direction");
  if (direction != "LEFT" && direction != "RIGHT")
    return node.emitUnsupportedAttr("direction")
           << " (expected \"LEFT\" or \"RIGHT\")";
  return success();
}

/// BitShift: logical shifts of unsigned integers; shifting by the bit width
/// or more gives 0.
LogicalResult importBitShift(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (type && !type.getElementType().isUnsignedInteger())
    return ctx.emitError() << "expects unsigned integer inputs, not "
                           << type.getElementType();
  Value x = ctx.operand(0), amount = ctx.operand(1);
  if (ctx.getString("direction") == "LEFT")
    return finish(ctx, ctx.create<ShiftLeftOp>(x, amount));
  return finish(ctx, ctx.create<ShiftRightOp>(x, amount));
}

/// Trilu: x where the diagonal offset j - i of its last two dims is >= k
/// (upper) or <= k (lower), else 0. The mask is built from a row and a
/// column index vector, so its constants stay O(rows + cols).
LogicalResult importTrilu(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'input'";
  if (type.getRank() < 2)
    return ctx.emitError() << "expects an input of rank >= 2, not "
                           << formatShape(type.getShape());
  int64_t rows = type.getDimSize(type.getRank() - 2);
  int64_t cols = type.getDimSize(type.getRank() - 1);
  if (ShapedType::isDynamic(rows) || ShapedType::isDynamic(cols))
    return ctx.emitError() << "the last two dims of "
                           << formatShape(type.getShape())
                           << " must be static; pin them with --input-shape";
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    FailureOr<llvm::SmallVector<int64_t>> values =
        ctx.requireConstantInts(1, "k");
    if (failed(values))
      return failure();
    if (values->size() != 1)
      return ctx.emitError()
             << "input 'k' must hold one value, not " << values->size();
    k = values->front();
  }
  bool upper = ctx.getInt("upper", 1) != 0;
  Type i64 = ctx.getBuilder().getI64Type();
  auto rowType = RankedTensorType::get({rows, 1}, i64);
  auto colType = RankedTensorType::get({1, cols}, i64);
  Value rowIndex = ctx.constant(
      makeIntElements(rowType, llvm::to_vector(llvm::seq<int64_t>(0, rows))));
  Value colIndex = ctx.constant(
      makeIntElements(colType, llvm::to_vector(llvm::seq<int64_t>(0, cols))));
  Value offset = ctx.create<SubOp>(colIndex, rowIndex);
  Value kValue = ctx.constantScalar(i64, static_cast<double>(k));
  Value keep = upper ? ctx.create<GreaterEqualOp>(offset, kValue)
                     : ctx.create<LessEqualOp>(offset, kValue);
  Value x = ctx.operand(0);
  Value zero = ctx.constantScalar(type.getElementType(), 0.0);
  return finish(ctx, ctx.create<WhereOp>(keep, x, zero));
}

//===----------------------------------------------------------------------===//
// Clip, Cast, Where, Identity, Dropout
//===----------------------------------------------------------------------===//

LogicalResult importClip(NodeContext &ctx) {
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  Builder &b = ctx.getBuilder();
  FloatAttr minAttr, maxAttr;
  if (ctx.getOpset() < 11) {
    if (ctx.hasAttr("min"))
      minAttr = b.getF64FloatAttr(ctx.getFloat("min", 0));
    if (ctx.hasAttr("max"))
      maxAttr = b.getF64FloatAttr(ctx.getFloat("max", 0));
    return finish(ctx, ctx.create<ClipOp>(x, minAttr, maxAttr));
  }
  // Opset >= 11: bounds are optional inputs; constant ones become
  // attributes, others decompose into max/min.
  Value result = x;
  for (unsigned i : {1u, 2u}) {
    if (!ctx.hasInput(i))
      continue;
    if (DenseElementsAttr bound = ctx.constantOperand(i)) {
      if (bound.getNumElements() != 1)
        return ctx.emitError() << "Clip bounds must be scalars";
      double v = getFloatValues(bound).front();
      if (std::isnan(v))
        return ctx.emitError() << "Clip bound is NaN";
      (i == 1 ? minAttr : maxAttr) = b.getF64FloatAttr(v);
      continue;
    }
    Value bound = ctx.operand(i);
    result = i == 1 ? ctx.create<MaxOp>(result, bound)
                    : ctx.create<MinOp>(result, bound);
  }
  if (minAttr || maxAttr)
    result = ctx.create<ClipOp>(result, minAttr, maxAttr);
  return finish(ctx, result);
}

/// Cast to or from strings: floats are formatted / parsed at run time.
LogicalResult castString(NodeContext &ctx, Type to) {
  RankedTensorType from = ctx.operandType(0);
  Type fromElement = from.getElementType();
  if (fromElement == to)
    return ctx.forwardOperand(0, 0);
  if (isa<StringType>(to)) {
    if (!fromElement.isF32() && !fromElement.isF64())
      return ctx.emitError() << "Cast from " << fromElement
                             << " to string is not supported (only from "
                                "float and double)";
    return finish(ctx, ctx.create<NumberToStringOp>(ctx.operand(0)));
  }
  if (!to.isF32() && !to.isF64())
    return ctx.emitError() << "Cast from string to " << to
                           << " is not supported (only to float and double)";
  return finish(ctx,
                ctx.create<StringToNumberOp>(ctx.operand(0), TypeAttr::get(to)));
}

LogicalResult castTo(NodeContext &ctx, Type elementType) {
  RankedTensorType from = ctx.operandType(0);
  if (from && (isa<StringType>(from.getElementType()) ||
               isa<StringType>(elementType)))
    return castString(ctx, elementType);
  if (ctx.isShapeValue(0) && isa<IntegerType>(elementType) &&
      elementType.getIntOrFloatBitWidth() >= 32)
    return ctx.setShapeResult(0, *ctx.shapeOperand(0),
                              from && from.getRank() == 0);
  if (DenseElementsAttr c = ctx.constantOperand(0)) {
    if (DenseElementsAttr folded = castElements(c, elementType)) {
      ctx.setConstantResult(0, folded);
      return success();
    }
  }
  return finish(ctx, ctx.castTo(ctx.operand(0), elementType));
}

LogicalResult importCast(NodeContext &ctx) {
  int64_t to = ctx.getInt("to", 0);
  Type elementType = convertElementType(ctx.getContext(), to);
  if (!elementType)
    return ctx.emitError() << "unsupported target type "
                           << onnxTypeName(static_cast<int32_t>(to));
  return castTo(ctx, elementType);
}

LogicalResult validateCast(const NodeInfo &node) {
  int64_t to = node.getInt("to", 0);
  if (!convertElementType(node.getContext(), to))
    return node.emitError() << "unsupported target type "
                            << onnxTypeName(static_cast<int32_t>(to));
  return success();
}

LogicalResult importCastLike(NodeContext &ctx) {
  RankedTensorType target = ctx.operandType(1);
  if (!target)
    return ctx.emitError() << "missing input 'target_type'";
  return castTo(ctx, target.getElementType());
}

LogicalResult importWhere(NodeContext &ctx) {
  // Folds integer selects on constants (shape arithmetic).
  RankedTensorType type = ctx.operandType(1);
  if (type && isa<IntegerType>(type.getElementType()) &&
      tryFoldInts(ctx, 3, type.getElementType(), whereInts))
    return success();
  Value condition = ctx.operand(0);
  Value onTrue = ctx.operand(1);
  Value onFalse = ctx.operand(2);
  return finish(ctx, ctx.create<WhereOp>(condition, onTrue, onFalse));
}

LogicalResult importIdentity(NodeContext &ctx) {
  return ctx.forwardOperand(0, 0);
}

/// Inference-mode dropout is the identity (before opset 7 only with
/// is_test=1, but every runtime treats it so).
LogicalResult importDropout(NodeContext &ctx) {
  // Opset >= 12 takes training_mode as input #2; a constant false is fine,
  // anything else would need a random number generator.
  if (ctx.hasInput(2)) {
    DenseElementsAttr training = ctx.constantOperand(2);
    if (!training)
      return ctx.emitError()
             << "Dropout training_mode must be a constant (inference only)";
    if (llvm::any_of(getFloatValues(training), [](double v) { return v; }))
      return ctx.emitError()
             << "Dropout in training mode is not supported (inference only)";
  }
  if (failed(ctx.forwardOperand(0, 0)))
    return failure();
  if (ctx.isOutputUsed(1)) {
    // The mask of an inference-mode dropout keeps everything.
    RankedTensorType type = ctx.operandType(0);
    if (!type)
      return failure();
    auto maskType =
        RankedTensorType::get(type.getShape(), ctx.getBuilder().getI1Type());
    ctx.setConstantResult(1, DenseElementsAttr::get(maskType, true));
  }
  return success();
}

} // namespace

void onnx_importer::populateElementwiseHandlers(OnnxOpRegistry &r) {
  r.onOp("Add", 1, binary<AddOp>(addInts, addFloats));
  r.onOp("Sub", 1, binary<SubOp>(subInts, subFloats));
  r.onOp("Mul", 1, binary<MulOp>(mulInts, mulFloats));
  r.onOp("Div", 1, binary<DivOp>(divInts, divFloats));
  r.onOp("Pow", 1, importPow);
  r.onOp("Max", 1, binary<MaxOp>(maxInts));
  r.onOp("Min", 1, binary<MinOp>(minInts));
  r.onOp("Sum", 1, binary<AddOp>(addInts));
  r.onOp("Mean", 1, importMean);
  r.onOp("Mod", 10, importMod);
  r.onOp("And", 1, binary<AndOp>(andInts));
  r.onOp("Or", 1, binary<OrOp>(orInts));
  r.onOp("Xor", 1, binary<XorOp>(xorInts));
  r.onOp("BitShift", 11, importBitShift, validateBitShift);
  r.onOp("Equal", 1, comparison<EqualOp>(equalInts));
  r.onOp("Less", 1, comparison<LessOp>(lessInts));
  r.onOp("LessOrEqual", 12, comparison<LessEqualOp>(lessEqualInts));
  r.onOp("Greater", 1, comparison<GreaterOp>(greaterInts));
  r.onOp("GreaterOrEqual", 12, comparison<GreaterEqualOp>(greaterEqualInts));

  r.onOp("Neg", 1, unary<NegOp>(negInts, negFloats));
  r.onOp("Abs", 1, unary<AbsOp>(absInts, absFloats));
  r.onOp("Not", 1, unary<NotOp>(notInts));
  r.onOp("Sign", 9, unary<SignOp>());
  r.onOp("Relu", 1, unary<ReluOp>(nullptr, reluFloats));
  r.onOp("Sqrt", 1, floatUnary(unary<SqrtOp>()));
  r.onOp("Reciprocal", 1, floatUnary(unary<ReciprocalOp>()));
  r.onOp("Exp", 1, floatUnary(unary<ExpOp>()));
  r.onOp("Log", 1, floatUnary(unary<LogOp>()));
  r.onOp("Tanh", 1, floatUnary(unary<TanhOp>()));
  r.onOp("Sigmoid", 1, floatUnary(unary<SigmoidOp>()));
  r.onOp("Erf", 9, floatUnary(unary<ErfOp>()));
  r.onOp("Floor", 1, floatUnary(unary<FloorOp>(nullptr, floorFloats)));
  r.onOp("Ceil", 1, floatUnary(unary<CeilOp>(nullptr, ceilFloats)));
  r.onOp("Round", 11, floatUnary(unary<RoundOp>()));
  r.onOp("Sin", 7, floatUnary(unary<SinOp>()));
  r.onOp("Cos", 7, floatUnary(unary<CosOp>()));
  r.onOp("Tan", 7, floatUnary(importTan));
  r.onOp("Acos", 7, floatUnary(unary<AcosOp>()));
  r.onOp("Asin", 7, floatUnary(unary<AsinOp>()));
  r.onOp("Atan", 7, floatUnary(unary<AtanOp>()));
  r.onOp("Acosh", 9, floatUnary(unary<AcoshOp>()));
  r.onOp("Asinh", 9, floatUnary(unary<AsinhOp>()));
  r.onOp("Atanh", 9, floatUnary(unary<AtanhOp>()));
  r.onOp("Sinh", 9, floatUnary(importHyperbolic<true>));
  r.onOp("Cosh", 9, floatUnary(importHyperbolic<false>));
  r.onOp("IsNaN", 9, floatUnary(importIsNaN));
  r.onOp("IsInf", 10, floatUnary(importIsInf));
  r.onOp("Shrink", 9, floatUnary(importShrink));

  r.onOp("LeakyRelu", 1, floatUnary(importLeakyRelu));
  r.onOp("PRelu", 1, floatUnary(importPRelu));
  r.onOp("Elu", 1, floatUnary(importElu));
  r.onOp("Selu", 1, floatUnary(importSelu));
  r.onOp("Celu", 12, floatUnary(importCelu));
  r.onOp("HardSigmoid", 1, floatUnary(importHardSigmoid));
  r.onOp("HardSwish", 14, floatUnary(importHardSwish));
  r.onOp("Softplus", 1, floatUnary(importSoftplus));
  r.onOp("Softsign", 1, floatUnary(importSoftsign));
  r.onOp("ThresholdedRelu", 10, floatUnary(importThresholdedRelu));

  r.onOp("Clip", 1, importClip);
  r.onOp("Cast", 1, importCast, validateCast);
  r.onOp("CastLike", 15, importCastLike);
  r.onOp("Where", 9, importWhere);
  r.onOp("Trilu", 14, importTrilu);
  r.onOp("Identity", 1, importIdentity);
  r.onOp("Dropout", 1, importDropout);
}
