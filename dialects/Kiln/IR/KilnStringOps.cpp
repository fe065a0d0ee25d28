//===- KilnStringOps.cpp - string op type inference -----------------------===//
//
// Result types and verification of the ops in KilnStringOps.td. As in
// KilnOps.cpp, each op's inferReturnTypes is its verifier.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::kiln;

LogicalResult StringNormalizeOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> shape = input.getShape();
  bool validShape = shape.size() == 1 || (shape.size() == 2 && shape[0] == 1);
  if (!validShape)
    return emitOptionalError(loc, "string_normalize takes [N] or [1, N], got ",
                             formatShape(shape));
  StringRef caseChange = adaptor.getCaseChange();
  if (caseChange != "none" && caseChange != "lower" && caseChange != "upper")
    return emitOptionalError(loc, "string_normalize case_change must be "
                                  "\"none\", \"lower\" or \"upper\", got \"",
                             caseChange, "\"");
  SmallVector<int64_t> bound(shape);
  if (!ShapedType::isDynamic(bound.back()))
    bound.back() = std::max<int64_t>(bound.back(), 1);
  types.push_back(input.clone(bound));
  types.push_back(RankedTensorType::get({}, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult NumberToStringOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  types.push_back(input.clone(StringType::get(ctx)));
  return success();
}

LogicalResult StringToNumberOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  Type to = adaptor.getTo();
  if (!to.isF32() && !to.isF64())
    return emitOptionalError(loc, "string_to_number converts to f32 or f64, "
                                  "not ",
                             to);
  types.push_back(input.clone(to));
  return success();
}
