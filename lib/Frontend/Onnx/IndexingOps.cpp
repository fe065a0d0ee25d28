//===- IndexingOps.cpp - ONNX gathers, scatters and OneHot -> kiln --------===//
//
// GatherElements, ScatterElements (and its opset-9 name Scatter), GatherND
// and ScatterND map one-to-one onto the kiln indexing ops, which keep
// ONNX's negative-index convention; OneHot decomposes into a comparison of
// the indices with a constant iota and a select.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

LogicalResult finish(NodeContext &ctx, Value result) {
  if (!result)
    return failure();
  ctx.setResult(0, result);
  return success();
}

/// The `reduction` attribute of ScatterElements/ScatterND (opset 16: none,
/// add, mul; opset 18: also max, min).
std::optional<ScatterReduction> getReduction(const NodeInfo &node) {
  std::string name = node.getString("reduction", "none");
  std::optional<ScatterReduction> reduction = symbolizeScatterReduction(name);
  if (!reduction ||
      (node.getOpset() < 18 && (*reduction == ScatterReduction::max ||
                                *reduction == ScatterReduction::min)))
    return std::nullopt;
  return reduction;
}

LogicalResult validateScatter(const NodeInfo &node) {
  if (!getReduction(node))
    return node.emitUnsupportedAttr("reduction");
  return success();
}

/// Rank of input `i`, or failure after an error when it is absent.
FailureOr<int64_t> requireRank(NodeContext &ctx, unsigned i,
                               llvm::StringRef what) {
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    return ctx.emitError() << "missing input '" << what << "'";
  return type.getRank();
}

LogicalResult importGatherElements(NodeContext &ctx) {
  FailureOr<int64_t> rank = requireRank(ctx, 0, "data");
  if (failed(rank))
    return failure();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), *rank);
  if (failed(axis))
    return failure();
  Value data = ctx.operand(0), indices = ctx.operand(1);
  return finish(ctx, ctx.create<GatherElementsOp>(
                         data, indices, static_cast<uint64_t>(*axis)));
}

LogicalResult importScatterElements(NodeContext &ctx) {
  FailureOr<int64_t> rank = requireRank(ctx, 0, "data");
  if (failed(rank))
    return failure();
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), *rank);
  if (failed(axis))
    return failure();
  std::optional<ScatterReduction> reduction = getReduction(ctx);
  if (!reduction)
    return ctx.emitUnsupportedAttr("reduction");
  Value data = ctx.operand(0), indices = ctx.operand(1),
        updates = ctx.operand(2);
  return finish(ctx, ctx.create<ScatterElementsOp>(data, indices, updates,
                                                   static_cast<uint64_t>(*axis),
                                                   *reduction));
}

LogicalResult importGatherND(NodeContext &ctx) {
  int64_t batchDims = ctx.getInt("batch_dims", 0);
  Value data = ctx.operand(0), indices = ctx.operand(1);
  return finish(ctx, ctx.create<GatherNDOp>(data, indices,
                                            static_cast<uint64_t>(batchDims)));
}

LogicalResult importScatterND(NodeContext &ctx) {
  std::optional<ScatterReduction> reduction = getReduction(ctx);
  if (!reduction)
    return ctx.emitUnsupportedAttr("reduction");
  Value data = ctx.operand(0), indices = ctx.operand(1),
        updates = ctx.operand(2);
  return finish(ctx,
                ctx.create<ScatterNDOp>(data, indices, updates, *reduction));
}

/// OneHot(indices, depth, values = [off, on]), axis: the result has the
/// indices' shape with a dim of size depth inserted at axis, holding `on`
/// where the coordinate along axis equals the (normalized) index.
LogicalResult importOneHot(NodeContext &ctx) {
  RankedTensorType indicesType = ctx.operandType(0);
  RankedTensorType valuesType = ctx.operandType(2);
  if (!indicesType || !valuesType)
    return ctx.emitError() << "OneHot needs indices, depth and values";
  int64_t rank = indicesType.getRank() + 1;
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", -1), rank);
  if (failed(axis))
    return failure();
  // The depth sets the result's shape, so it must be known.
  FailureOr<double> depthValue = ctx.requireConstantScalar(1, "depth");
  if (failed(depthValue))
    return failure();
  if (!(*depthValue >= 1.0 &&
        *depthValue <= double(std::numeric_limits<int32_t>::max())))
    return ctx.emitError() << "OneHot depth must be a positive integer, not "
                           << *depthValue;
  int64_t depth = static_cast<int64_t>(*depthValue);
  if (valuesType.getRank() != 1 || valuesType.getDimSize(0) != 2)
    return ctx.emitError() << "OneHot values must have shape 2, not "
                           << formatShape(valuesType.getShape());

  // Indices as i64 (floats truncate, as ONNX's reference casts them),
  // negative ones counted from depth. Out-of-range indices match no
  // position and give an all-`off` row.
  OpBuilder &b = ctx.getBuilder();
  Type i64 = b.getI64Type();
  Value indices = ctx.castTo(ctx.operand(0), i64);
  Value zero = ctx.constantScalar(i64, 0.0);
  Value isNegative = ctx.create<LessOp>(indices, zero);
  Value wrapped = ctx.create<AddOp>(indices, ctx.constantScalar(i64, depth));
  indices = ctx.create<WhereOp>(isNegative, wrapped, indices);

  llvm::SmallVector<int64_t> expanded(indicesType.getShape());
  expanded.insert(expanded.begin() + *axis, 1);
  indices = ctx.reshape(indices, expanded);
  // positions[d] = d along axis, broadcast against the indices.
  llvm::SmallVector<int64_t> iotaShape(rank - *axis, 1);
  iotaShape.front() = depth;
  llvm::SmallVector<int64_t> iota =
      llvm::to_vector(llvm::seq<int64_t>(0, depth));
  Value positions = ctx.constant(
      makeIntElements(RankedTensorType::get(iotaShape, i64), iota));
  Value hot = ctx.create<EqualOp>(indices, positions);

  Value values = ctx.operand(2);
  auto element = [&](int64_t i) {
    int64_t offset[] = {i}, one[] = {1};
    return ctx.create<SliceOp>(values, offset, one, one);
  };
  Value off = element(0), on = element(1);
  return finish(ctx, ctx.create<WhereOp>(hot, on, off));
}

} // namespace

void onnx_importer::populateIndexingHandlers(OnnxOpRegistry &r) {
  r.onOp("GatherElements", 11, importGatherElements);
  // Scatter (opset 9) is ScatterElements under its old name.
  r.onOp("Scatter", 9, importScatterElements, validateScatter);
  r.onOp("ScatterElements", 11, importScatterElements, validateScatter);
  r.onOp("GatherND", 11, importGatherND);
  r.onOp("ScatterND", 11, importScatterND, validateScatter);
  r.onOp("OneHot", 9, importOneHot);
}
