//===- KilnMathOps.cpp - inverse trigonometric and shift op inference -----===//
//
// Result types and verification of the ops in KilnMathOps.td. As in
// KilnOps.cpp, each op's inferReturnTypes is its verifier.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::kiln;

static LogicalResult inferFloatUnary(std::optional<Location> loc,
                                     StringRef opName, Type input,
                                     SmallVectorImpl<Type> &types) {
  if (!isa<FloatType>(cast<ShapedType>(input).getElementType()))
    return emitOptionalError(
        loc, opName, " operand must be a floating-point tensor, got ", input);
  types.push_back(input);
  return success();
}

#define KILN_FLOAT_UNARY_INFER(OP, NAME)                                       \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &types) {                                          \
    return inferFloatUnary(loc, NAME, adaptor.getInput().getType(), types);    \
  }
KILN_FLOAT_UNARY_INFER(AcosOp, "acos")
KILN_FLOAT_UNARY_INFER(AsinOp, "asin")
KILN_FLOAT_UNARY_INFER(AtanOp, "atan")
KILN_FLOAT_UNARY_INFER(AcoshOp, "acosh")
KILN_FLOAT_UNARY_INFER(AsinhOp, "asinh")
KILN_FLOAT_UNARY_INFER(AtanhOp, "atanh")
#undef KILN_FLOAT_UNARY_INFER

/// Shifts: unsigned operands of one element type, numpy broadcasting.
static LogicalResult inferShift(std::optional<Location> loc, StringRef opName,
                                Type lhsType, Type rhsType,
                                SmallVectorImpl<Type> &types) {
  auto lhs = cast<RankedTensorType>(lhsType);
  auto rhs = cast<RankedTensorType>(rhsType);
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(
        loc, opName, " operand element types differ: ", lhs.getElementType(),
        " vs ", rhs.getElementType());
  if (!lhs.getElementType().isUnsignedInteger())
    return emitOptionalError(loc, opName,
                             " operands must be unsigned integers, got ",
                             lhs.getElementType());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape))
    return emitOptionalError(
        loc, opName, " operand shapes ", formatShape(lhs.getShape()), " and ",
        formatShape(rhs.getShape()), " are not broadcastable");
  types.push_back(RankedTensorType::get(*shape, lhs.getElementType()));
  return success();
}

LogicalResult ShiftLeftOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferShift(loc, "shift_left", adaptor.getLhs().getType(),
                    adaptor.getRhs().getType(), types);
}

LogicalResult ShiftRightOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferShift(loc, "shift_right", adaptor.getLhs().getType(),
                    adaptor.getRhs().getType(), types);
}
