//===- Elementwise.cpp - kiln elementwise ops -> linalg.generic -----------===//
//
// Binary, compare, logical, shift, unary, clip, cast and where: one
// linalg.generic each, numpy broadcasting expressed in its indexing maps. The
// scalar semantics (NaN propagation, integer signedness, ONNX Mod and Cast
// rules, shifts past the bit width) live in one emitScalar overload per op.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APSInt.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

/// The kiln element type an op computes in (its last operand's: rhs,
/// input, or on_false for where).
Type getKilnType(Operation *op) {
  return getElementTypeOrSelf(op->getOperand(op->getNumOperands() - 1));
}

bool isFloat(Type type) { return isa<FloatType>(type); }

//===----------------------------------------------------------------------===//
// Scalar semantics
//===----------------------------------------------------------------------===//

// Integer ops with a signed and an unsigned flavour.
template <typename SignedOp, typename UnsignedOp>
Value emitInt(OpBuilder &b, Location loc, Type kilnType, Value l, Value r) {
  if (isUnsignedInt(kilnType))
    return UnsignedOp::create(b, loc, l, r);
  return SignedOp::create(b, loc, l, r);
}

template <typename FloatOp, typename SignedOp, typename UnsignedOp = SignedOp>
Value emitArith(Operation *op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  if (isFloat(type))
    return FloatOp::create(b, loc, args[0], args[1]);
  return emitInt<SignedOp, UnsignedOp>(b, loc, type, args[0], args[1]);
}

Value emitScalar(AddOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::AddFOp, arith::AddIOp>(op, b, loc, args);
}
Value emitScalar(SubOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::SubFOp, arith::SubIOp>(op, b, loc, args);
}
Value emitScalar(MulOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::MulFOp, arith::MulIOp>(op, b, loc, args);
}
Value emitScalar(DivOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::DivFOp, arith::DivSIOp, arith::DivUIOp>(op, b, loc,
                                                                  args);
}
Value emitScalar(PowOp op, OpBuilder &b, Location loc, ValueRange args) {
  // math.ipowi is signed; unsigned bases give the same bits mod 2^n for
  // exponents below 2^(n-1).
  return emitArith<math::PowFOp, math::IPowIOp>(op, b, loc, args);
}
Value emitScalar(MaxOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::MaximumFOp, arith::MaxSIOp, arith::MaxUIOp>(
      op, b, loc, args);
}
Value emitScalar(MinOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitArith<arith::MinimumFOp, arith::MinSIOp, arith::MinUIOp>(
      op, b, loc, args);
}
Value emitScalar(AndOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::AndIOp::create(b, loc, args[0], args[1]);
}
Value emitScalar(OrOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::OrIOp::create(b, loc, args[0], args[1]);
}
Value emitScalar(XorOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::XOrIOp::create(b, loc, args[0], args[1]);
}

Value emitScalar(ModOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  Value l = args[0], r = args[1];
  bool isF = isFloat(type);
  if (isUnsignedInt(type))
    return arith::RemUIOp::create(b, loc, l, r); // No sign to fix up.
  Value rem = isF ? Value(arith::RemFOp::create(b, loc, l, r))
                  : Value(arith::RemSIOp::create(b, loc, l, r));
  if (op.getFmod())
    return rem; // C fmod: the dividend's sign.
  // Python/numpy mod: the divisor's sign. rem + r when rem != 0 and the signs
  // of rem and r differ.
  Value zero = createScalar(b, loc, l.getType(), 0.0);
  Value nonZero, remNeg, divNeg, fixed;
  if (isF) {
    nonZero =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, rem, zero);
    remNeg =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, rem, zero);
    divNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r, zero);
    fixed = arith::AddFOp::create(b, loc, rem, r);
  } else {
    nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero);
    remNeg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, rem, zero);
    divNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
    fixed = arith::AddIOp::create(b, loc, rem, r);
  }
  Value signsDiffer = arith::XOrIOp::create(b, loc, remNeg, divNeg);
  Value needsFix = arith::AndIOp::create(b, loc, nonZero, signsDiffer);
  return arith::SelectOp::create(b, loc, needsFix, fixed, rem);
}

// Comparisons: ordered float predicates (NaN compares false, as numpy).
Value emitCompare(Operation *op, OpBuilder &b, Location loc, ValueRange args,
                  arith::CmpFPredicate fp, arith::CmpIPredicate sp,
                  arith::CmpIPredicate up) {
  Type type = getKilnType(op);
  if (isFloat(type))
    return arith::CmpFOp::create(b, loc, fp, args[0], args[1]);
  return arith::CmpIOp::create(b, loc, isUnsignedInt(type) ? up : sp, args[0],
                               args[1]);
}
Value emitScalar(EqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitCompare(op, b, loc, args, arith::CmpFPredicate::OEQ,
                     arith::CmpIPredicate::eq, arith::CmpIPredicate::eq);
}
Value emitScalar(LessOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitCompare(op, b, loc, args, arith::CmpFPredicate::OLT,
                     arith::CmpIPredicate::slt, arith::CmpIPredicate::ult);
}
Value emitScalar(LessEqualOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitCompare(op, b, loc, args, arith::CmpFPredicate::OLE,
                     arith::CmpIPredicate::sle, arith::CmpIPredicate::ule);
}
Value emitScalar(GreaterOp op, OpBuilder &b, Location loc, ValueRange args) {
  return emitCompare(op, b, loc, args, arith::CmpFPredicate::OGT,
                     arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt);
}
Value emitScalar(GreaterEqualOp op, OpBuilder &b, Location loc,
                 ValueRange args) {
  return emitCompare(op, b, loc, args, arith::CmpFPredicate::OGE,
                     arith::CmpIPredicate::sge, arith::CmpIPredicate::uge);
}

// Float-only unary ops map 1:1 onto math/arith.
template <typename MathOp>
Value emitFloatUnary(OpBuilder &b, Location loc, ValueRange args) {
  return MathOp::create(b, loc, args[0]);
}
Value emitScalar(ExpOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::ExpOp>(b, loc, args);
}
Value emitScalar(LogOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::LogOp>(b, loc, args);
}
Value emitScalar(SqrtOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::SqrtOp>(b, loc, args);
}
Value emitScalar(TanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::TanhOp>(b, loc, args);
}
Value emitScalar(ErfOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::ErfOp>(b, loc, args);
}
Value emitScalar(FloorOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::FloorOp>(b, loc, args);
}
Value emitScalar(CeilOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::CeilOp>(b, loc, args);
}
Value emitScalar(RoundOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::RoundEvenOp>(b, loc, args);
}
Value emitScalar(SinOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::SinOp>(b, loc, args);
}
Value emitScalar(CosOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::CosOp>(b, loc, args);
}
Value emitScalar(AcosOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AcosOp>(b, loc, args);
}
Value emitScalar(AsinOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AsinOp>(b, loc, args);
}
Value emitScalar(AtanOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AtanOp>(b, loc, args);
}
Value emitScalar(AcoshOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AcoshOp>(b, loc, args);
}
Value emitScalar(AsinhOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AsinhOp>(b, loc, args);
}
Value emitScalar(AtanhOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitFloatUnary<math::AtanhOp>(b, loc, args);
}
Value emitScalar(ReciprocalOp, OpBuilder &b, Location loc, ValueRange args) {
  Value one = createScalar(b, loc, args[0].getType(), 1.0);
  return arith::DivFOp::create(b, loc, one, args[0]);
}

Value emitScalar(SigmoidOp, OpBuilder &b, Location loc, ValueRange args) {
  // e = exp(-|x|) never overflows; t = 1/(1+e) is sigmoid(|x|), and
  // sigmoid(-|x|) = e*t. NaN stays NaN.
  Value x = args[0];
  Type type = x.getType();
  Value zero = createScalar(b, loc, type, 0.0);
  Value one = createScalar(b, loc, type, 1.0);
  Value absX = math::AbsFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, absX));
  Value t =
      arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
  Value negative = arith::MulFOp::create(b, loc, e, t);
  Value isNonNeg =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, zero);
  return arith::SelectOp::create(b, loc, isNonNeg, t, negative);
}

Value emitScalar(NegOp op, OpBuilder &b, Location loc, ValueRange args) {
  if (isFloat(getKilnType(op)))
    return arith::NegFOp::create(b, loc, args[0]);
  Value zero = createScalar(b, loc, args[0].getType(), 0.0);
  return arith::SubIOp::create(b, loc, zero, args[0]);
}

Value emitScalar(AbsOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  if (isFloat(type))
    return math::AbsFOp::create(b, loc, args[0]);
  if (isUnsignedInt(type))
    return args[0];
  return math::AbsIOp::create(b, loc, args[0]);
}

Value emitScalar(ReluOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  if (isUnsignedInt(type))
    return args[0];
  Value zero = createScalar(b, loc, args[0].getType(), 0.0);
  if (isFloat(type))
    return arith::MaximumFOp::create(b, loc, args[0], zero);
  return arith::MaxSIOp::create(b, loc, args[0], zero);
}

Value emitScalar(SignOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  Value x = args[0];
  Value zero = createScalar(b, loc, x.getType(), 0.0);
  Value one = createScalar(b, loc, x.getType(), 1.0);
  if (isUnsignedInt(type)) {
    Value nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
    return arith::SelectOp::create(b, loc, nonZero, one, zero);
  }
  Value minusOne = createScalar(b, loc, x.getType(), -1.0);
  Value pos, neg;
  if (isFloat(type)) {
    pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
    neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
  } else {
    pos = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, x, zero);
    neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
  }
  // Zeros (and NaN for floats) fall through unchanged.
  Value negOrX = arith::SelectOp::create(b, loc, neg, minusOne, x);
  return arith::SelectOp::create(b, loc, pos, one, negOrX);
}

/// Logical shifts of unsigned integers; shifting by the bit width or more
/// gives 0 (arith.shli/shrui would be poison there).
template <typename ShiftOp>
Value emitShift(OpBuilder &b, Location loc, ValueRange args) {
  Value value = args[0], amount = args[1];
  Type type = value.getType();
  Value width = createScalar(b, loc, type, type.getIntOrFloatBitWidth());
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, amount, width);
  Value shifted = ShiftOp::create(b, loc, value, amount);
  return arith::SelectOp::create(b, loc, inRange, shifted,
                                 createScalar(b, loc, type, 0.0));
}
Value emitScalar(ShiftLeftOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitShift<arith::ShLIOp>(b, loc, args);
}
Value emitScalar(ShiftRightOp, OpBuilder &b, Location loc, ValueRange args) {
  return emitShift<arith::ShRUIOp>(b, loc, args);
}

Value emitScalar(NotOp, OpBuilder &b, Location loc, ValueRange args) {
  Value trueValue = createScalar(b, loc, args[0].getType(), 1.0);
  return arith::XOrIOp::create(b, loc, args[0], trueValue);
}

/// An integer clip bound: `bound` rounded inward (ceil for min, floor for
/// max) and saturated into the kiln type's range.
Value createIntBound(OpBuilder &b, Location loc, Type kilnType, double bound,
                     bool isMin) {
  unsigned width = kilnType.getIntOrFloatBitWidth();
  llvm::APSInt value(width, /*isUnsigned=*/isUnsignedInt(kilnType));
  bool exact = false;
  llvm::APFloat rounded(isMin ? std::ceil(bound) : std::floor(bound));
  // Out-of-range values saturate to the nearest representable integer.
  (void)rounded.convertToInteger(value, llvm::APFloat::rmTowardZero, &exact);
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(toSignless(kilnType), APInt(value)));
}

Value emitScalar(ClipOp op, OpBuilder &b, Location loc, ValueRange args) {
  Type type = getKilnType(op);
  Value x = args[0];
  // max(x, lo) then min(., hi): NaN propagates and lo > hi yields hi, as
  // numpy.clip.
  if (std::optional<APFloat> lo = op.getMin()) {
    double bound = lo->convertToDouble();
    if (isFloat(type))
      x = arith::MaximumFOp::create(b, loc, x,
                                    createScalar(b, loc, x.getType(), bound));
    else
      x = emitInt<arith::MaxSIOp, arith::MaxUIOp>(
          b, loc, type, x, createIntBound(b, loc, type, bound, true));
  }
  if (std::optional<APFloat> hi = op.getMax()) {
    double bound = hi->convertToDouble();
    if (isFloat(type))
      x = arith::MinimumFOp::create(b, loc, x,
                                    createScalar(b, loc, x.getType(), bound));
    else
      x = emitInt<arith::MinSIOp, arith::MinUIOp>(
          b, loc, type, x, createIntBound(b, loc, type, bound, false));
  }
  return x;
}

Value emitScalar(CastOp op, OpBuilder &b, Location loc, ValueRange args) {
  return castScalar(b, loc, args[0],
                    getElementTypeOrSelf(op.getInput().getType()),
                    getElementTypeOrSelf(op.getType()));
}

Value emitScalar(WhereOp, OpBuilder &b, Location loc, ValueRange args) {
  return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

template <typename OpTy> class ElementwiseLowering : public KilnLowering<OpTy> {
public:
  using KilnLowering<OpTy>::KilnLowering;
  using OpAdaptor = typename KilnLowering<OpTy>::OpAdaptor;

protected:
  LogicalResult lower(OpTy op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value result = buildElementwise(
        rewriter, op.getLoc(), adaptor.getOperands(), resultType,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return emitScalar(op, b, loc, args);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateElementwisePatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<
      // Binary arithmetic and logic.
      ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
      ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
      ElementwiseLowering<PowOp>, ElementwiseLowering<MaxOp>,
      ElementwiseLowering<MinOp>, ElementwiseLowering<ModOp>,
      ElementwiseLowering<AndOp>, ElementwiseLowering<OrOp>,
      ElementwiseLowering<XorOp>, ElementwiseLowering<ShiftLeftOp>,
      ElementwiseLowering<ShiftRightOp>,
      // Comparisons.
      ElementwiseLowering<EqualOp>, ElementwiseLowering<LessOp>,
      ElementwiseLowering<LessEqualOp>, ElementwiseLowering<GreaterOp>,
      ElementwiseLowering<GreaterEqualOp>,
      // Unary.
      ElementwiseLowering<NegOp>, ElementwiseLowering<AbsOp>,
      ElementwiseLowering<ExpOp>, ElementwiseLowering<LogOp>,
      ElementwiseLowering<SqrtOp>, ElementwiseLowering<ReciprocalOp>,
      ElementwiseLowering<TanhOp>, ElementwiseLowering<SigmoidOp>,
      ElementwiseLowering<ErfOp>, ElementwiseLowering<ReluOp>,
      ElementwiseLowering<FloorOp>, ElementwiseLowering<CeilOp>,
      ElementwiseLowering<RoundOp>, ElementwiseLowering<SinOp>,
      ElementwiseLowering<CosOp>, ElementwiseLowering<SignOp>,
      ElementwiseLowering<NotOp>, ElementwiseLowering<AcosOp>,
      ElementwiseLowering<AsinOp>, ElementwiseLowering<AtanOp>,
      ElementwiseLowering<AcoshOp>, ElementwiseLowering<AsinhOp>,
      ElementwiseLowering<AtanhOp>,
      // Others.
      ElementwiseLowering<ClipOp>, ElementwiseLowering<CastOp>,
      ElementwiseLowering<WhereOp>>(converter, ctx);
}
