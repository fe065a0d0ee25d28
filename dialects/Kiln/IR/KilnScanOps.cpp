//===- KilnScanOps.cpp - cumsum and topk type inference -------------------===//
//
// Result types and verification of the ops in KilnScanOps.td. As in
// KilnOps.cpp, each op's inferReturnTypes is its verifier.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::kiln;

static LogicalResult verifyAxis(std::optional<Location> loc, StringRef opName,
                                int64_t axis, int64_t rank) {
  if (rank < 1)
    return emitOptionalError(loc, opName, " needs an input of rank >= 1");
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, opName, " axis ", axis,
                             " is out of range for rank ", rank);
  return success();
}

LogicalResult CumSumOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  if (failed(verifyAxis(loc, "cumsum", adaptor.getAxis(), input.getRank())))
    return failure();
  if (input.getElementType().isInteger(1))
    return emitOptionalError(loc, "cumsum is not defined for i1");
  types.push_back(input);
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto input = cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(verifyAxis(loc, "topk", axis, input.getRank())))
    return failure();
  int64_t k = adaptor.getK();
  int64_t size = input.getDimSize(axis);
  if (k < 0 || (!ShapedType::isDynamic(size) && k > size))
    return emitOptionalError(loc, "topk k = ", k,
                             " is out of range for an axis of size ", size);
  if (input.getElementType().isInteger(1))
    return emitOptionalError(loc, "topk is not defined for i1");
  SmallVector<int64_t> shape(input.getShape());
  shape[axis] = k;
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  types.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 64)));
  return success();
}
