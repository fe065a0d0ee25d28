//===- IndexingOps.cpp - ONNX gathers, scatters and OneHot -> kiln --------===//
//
// GatherElements, ScatterElements (and its opset-9 name Scatter), GatherND
// and ScatterND map one-to-one onto the kiln indexing ops, which keep
// ONNX's negative-index convention; OneHot decomposes into a comparison of
// the indices with a constant iota and a select.
//
// NonZero and Compress (with a run-time condition) have data-dependent
// output shapes: each selected element's place in the dense result is an
// exclusive prefix sum of the selection mask, and one scatter writes the
// selected elements there (the others into a spare slot past the end). The
// result is padded to its static bound and carries its actual dims
// (ValueEntry::dataDims), so it can only be a graph output.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

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


/// Largest selection (elements) NonZero/Compress handle: their scatter
/// indices are materialized, so this bounds compile-time constants.
constexpr int64_t kMaxSelection = int64_t(1) << 24;

/// i64 constant of `shape` with `values`.
Value i64Constant(NodeContext &ctx, llvm::ArrayRef<int64_t> shape,
                  llvm::ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get(shape, ctx.getBuilder().getI64Type());
  return ctx.constant(makeIntElements(type, values));
}

/// The selection of `mask` (i1 [n]): its exclusive prefix sums (the dense
/// position of each selected element) and the number selected (i64 []).
std::pair<Value, Value> prefixPositions(NodeContext &ctx, Value mask) {
  Builder &b = ctx.getBuilder();
  Value ones = ctx.castTo(mask, b.getI64Type());
  Value positions = ctx.create<CumSumOp>(ones, b.getI64IntegerAttr(0),
                                         b.getBoolAttr(true),
                                         b.getBoolAttr(false));
  Value count = ctx.create<ReduceSumOp>(ones, llvm::ArrayRef<int64_t>{0},
                                        /*keepdims=*/false);
  return {positions, count};
}

/// Scatters `values` (any shape, `size` elements) into a zero tensor of
/// `bound` shape at the flat positions `targets` (i64, same shape as
/// `values`); targets equal to `size` go to a spare slot that is dropped.
Value scatterDense(NodeContext &ctx, Value values, Value targets,
                   llvm::ArrayRef<int64_t> bound, int64_t size) {
  Type elementType = typeOf(values).getElementType();
  auto bufferType = RankedTensorType::get({size + 1}, elementType);
  Attribute zero = isa<FloatType>(elementType)
                       ? Attribute(FloatAttr::get(elementType, 0.0))
                       : Attribute(IntegerAttr::get(elementType, 0));
  Value buffer = ctx.constant(DenseElementsAttr::get(bufferType, zero));
  Value flatTargets = ctx.reshape(targets, {size});
  Value flatValues = ctx.reshape(values, {size});
  Value scattered =
      ctx.create<ScatterElementsOp>(buffer, flatTargets, flatValues,
                                    static_cast<uint64_t>(0),
                                    ScatterReduction::none);
  Value dense = ctx.create<SliceOp>(scattered, llvm::ArrayRef<int64_t>{0},
                                    llvm::ArrayRef<int64_t>{size},
                                    llvm::ArrayRef<int64_t>{1});
  return ctx.reshape(dense, bound);
}

/// `shape` with dim `axis` replaced by the run-time `count` (i64 []), as an
/// i64 [rank] tensor.
Value dimsWithCount(NodeContext &ctx, llvm::ArrayRef<int64_t> shape,
                    int64_t axis, Value count) {
  Value countDim = ctx.reshape(count, {1});
  llvm::SmallVector<Value> parts;
  if (axis > 0)
    parts.push_back(i64Constant(ctx, {axis}, shape.take_front(axis)));
  parts.push_back(countDim);
  int64_t rank = shape.size();
  if (axis + 1 < rank)
    parts.push_back(i64Constant(ctx, {rank - axis - 1},
                                shape.drop_front(axis + 1)));
  if (parts.size() == 1)
    return countDim;
  return ctx.create<ConcatOp>(parts, int64_t(0));
}

/// NonZero: the indices of the non-zero elements, [rank, count], in
/// row-major order of the elements.
LogicalResult importNonZero(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType || !xType.hasStaticShape())
    return ctx.emitError() << "input X must have a static shape";
  int64_t rank = xType.getRank();
  if (rank == 0)
    return ctx.emitError() << "NonZero of a scalar is not supported";
  int64_t n = xType.getNumElements();
  if (n > kMaxSelection)
    return ctx.emitError() << "NonZero over " << n
                           << " elements is not supported (at most "
                           << kMaxSelection << ")";
  Builder &b = ctx.getBuilder();
  if (n == 0) {
    auto type = RankedTensorType::get({rank, 0}, b.getI64Type());
    ctx.setConstantResult(0, makeIntElements(type, {}));
    return success();
  }
  Value x = ctx.reshape(ctx.operand(0), {n});
  Value mask = x;
  if (!xType.getElementType().isInteger(1)) {
    Value zero = ctx.constantScalar(xType.getElementType(), 0.0);
    Value isZero = ctx.create<EqualOp>(x, zero);
    mask = ctx.create<NotOp>(isZero);
  }
  auto [positions, count] = prefixPositions(ctx, mask);
  // targets[d, i] = d * count + positions[i] where selected, else rank * n.
  llvm::SmallVector<int64_t> rows = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  Value rowBase = ctx.create<MulOp>(i64Constant(ctx, {rank, 1}, rows), count);
  Value positionRow = ctx.reshape(positions, {1, n});
  Value targets = ctx.create<AddOp>(rowBase, positionRow);
  Value spare = ctx.constantScalar(b.getI64Type(), double(rank * n));
  Value maskRow = ctx.reshape(mask, {1, n});
  targets = ctx.create<WhereOp>(maskRow, targets, spare);
  // The coordinates of every element, [rank, n].
  llvm::SmallVector<int64_t> coords(rank * n);
  llvm::SmallVector<int64_t> strides = rowMajorStrides(xType.getShape());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < rank; ++d)
      coords[d * n + i] = i / strides[d] % xType.getDimSize(d);
  Value coordinates = i64Constant(ctx, {rank, n}, coords);
  Value indices = scatterDense(ctx, coordinates, targets, {rank, n}, rank * n);
  Value dims = dimsWithCount(ctx, {rank, n}, 1, count);
  if (!indices || !dims)
    return failure();
  ctx.setResultWithDataDims(0, indices, dims);
  return success();
}

/// Compress: the slices of `input` along `axis` (or of its flattened form)
/// whose `condition` entry is true. A constant condition is a gather with
/// static indices; a run-time one gives a data-dependent shape.
LogicalResult importCompress(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  RankedTensorType condType = ctx.operandType(1);
  if (!xType || !xType.hasStaticShape() || !condType ||
      condType.getRank() != 1 || !condType.getElementType().isInteger(1))
    return ctx.emitError()
           << "expects a static input and a 1-D bool condition";
  Value x = ctx.operand(0);
  int64_t axis = 0;
  if (ctx.hasAttr("axis")) {
    FailureOr<int64_t> a =
        ctx.normalizeAxis(ctx.getInt("axis", 0), xType.getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    x = ctx.reshape(x, {xType.getNumElements()});
  }
  llvm::SmallVector<int64_t> shape(typeOf(x).getShape());
  int64_t length = std::min(condType.getDimSize(0), shape[axis]);
  if (DenseElementsAttr cond = ctx.constantOperand(1)) {
    std::optional<llvm::SmallVector<int64_t>> values = getIntValues(cond);
    llvm::SmallVector<int64_t> selected;
    for (int64_t j = 0; j < length; ++j)
      if ((*values)[j])
        selected.push_back(j);
    int64_t k = selected.size();
    return finish(ctx, ctx.create<GatherOp>(x, i64Constant(ctx, {k}, selected),
                                            static_cast<uint64_t>(axis)));
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  int64_t size = outer * length * inner;
  if (size > kMaxSelection)
    return ctx.emitError() << "Compress over " << size
                           << " elements is not supported (at most "
                           << kMaxSelection << ")";
  if (size == 0)
    return ctx.emitError() << "Compress of an empty selection range is not "
                              "supported";
  // Only the first `length` entries of the condition and slices of x count.
  Value cond = ctx.operand(1);
  if (condType.getDimSize(0) != length)
    cond = ctx.create<SliceOp>(cond, llvm::ArrayRef<int64_t>{0},
                               llvm::ArrayRef<int64_t>{length},
                               llvm::ArrayRef<int64_t>{1});
  if (shape[axis] != length) {
    llvm::SmallVector<int64_t> zeros(shape.size(), 0), ones(shape.size(), 1);
    llvm::SmallVector<int64_t> sizes = shape;
    sizes[axis] = length;
    x = ctx.create<SliceOp>(x, zeros, sizes, ones);
  }
  shape[axis] = length;
  Value x3 = ctx.reshape(x, {outer, length, inner});
  auto [positions, count] = prefixPositions(ctx, cond);
  // targets[o, j, k] = (o * count + positions[j]) * inner + k where cond[j].
  Builder &b = ctx.getBuilder();
  Value outerIota = i64Constant(ctx, {outer, 1, 1},
                                llvm::to_vector(llvm::seq<int64_t>(0, outer)));
  Value outerBase = ctx.create<MulOp>(outerIota, count);
  Value position3 = ctx.reshape(positions, {1, length, 1});
  Value row = ctx.create<AddOp>(outerBase, position3);
  Value rowStart = ctx.create<MulOp>(
      row, ctx.constantScalar(b.getI64Type(), double(inner)));
  Value innerIota = i64Constant(ctx, {1, 1, inner},
                                llvm::to_vector(llvm::seq<int64_t>(0, inner)));
  Value targets = ctx.create<AddOp>(rowStart, innerIota);
  Value spare = ctx.constantScalar(b.getI64Type(), double(size));
  Value cond3 = ctx.reshape(cond, {1, length, 1});
  targets = ctx.create<WhereOp>(cond3, targets, spare);
  Value result = scatterDense(ctx, x3, targets, shape, size);
  Value dims = dimsWithCount(ctx, shape, axis, count);
  if (!result || !dims)
    return failure();
  ctx.setResultWithDataDims(0, result, dims);
  return success();
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
  r.onOp("NonZero", 9, importNonZero);
  r.onOp("Compress", 9, importCompress);
}
