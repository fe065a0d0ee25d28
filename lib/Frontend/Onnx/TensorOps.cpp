//===- TensorOps.cpp - ONNX data-movement and constant ops -> kiln --------===//
//
// Reshape-like ops, Transpose, Concat, Split, Slice, Gather, Pad, Expand,
// Tile, DepthToSpace/SpaceToDepth, and the ops that produce constants
// (Constant, ConstantOfShape, Shape, Size, Range). Every shape operand must
// be known at compile time; when all operands are constants the op is
// evaluated here so shape arithmetic never reaches the kiln graph.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

RankedTensorType requireInputType(NodeContext &ctx, unsigned i,
                                  llvm::StringRef what) {
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    ctx.emitError() << "missing input '" << what << "'";
  return type;
}

/// Whether folding a result of `shape` at import time is cheap enough.
bool isFoldable(llvm::ArrayRef<int64_t> shape) {
  std::optional<int64_t> n = numElements(shape);
  return n && *n <= kMaxFoldElements;
}

/// Defines output 0 as input 0 with a new shape (same elements), folding a
/// constant input.
LogicalResult reshapeResult(NodeContext &ctx, llvm::ArrayRef<int64_t> shape) {
  RankedTensorType type = ctx.operandType(0);
  if (!type.hasStaticShape() ||
      llvm::any_of(shape, ShapedType::isDynamic)) {
    // The dims regroup (kiln.reshape checks that each dynamic dim maps
    // to one group of the other shape).
    return finish(ctx, ctx.reshape(ctx.operand(0), shape));
  }
  std::optional<int64_t> count = numElements(shape);
  if (!count || *count != type.getNumElements())
    return ctx.emitError() << "cannot reshape " << formatShape(type.getShape())
                           << " to " << formatShape(shape);
  if (DenseElementsAttr c = ctx.constantOperand(0)) {
    ctx.setConstantResult(
        0, c.reshape(RankedTensorType::get(shape, type.getElementType())));
    return success();
  }
  return finish(ctx, ctx.reshape(ctx.operand(0), shape));
}

/// Index map of a strided slice of `shape`.
llvm::SmallVector<int64_t> sliceIndexMap(llvm::ArrayRef<int64_t> shape,
                                         llvm::ArrayRef<int64_t> offsets,
                                         llvm::ArrayRef<int64_t> sizes,
                                         llvm::ArrayRef<int64_t> strides) {
  llvm::SmallVector<int64_t> inStrides = rowMajorStrides(shape);
  llvm::SmallVector<int64_t> outStrides = rowMajorStrides(sizes);
  int64_t count = numElements(sizes).value_or(0);
  llvm::SmallVector<int64_t> map(count);
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, index = 0;
    for (size_t d = 0; d < sizes.size(); ++d) {
      int64_t coord = rest / outStrides[d];
      rest %= outStrides[d];
      index += (offsets[d] + coord * strides[d]) * inStrides[d];
    }
    map[i] = index;
  }
  return map;
}

/// A kiln.slice of operand 0 (or its folded constant).
Value sliceOf(NodeContext &ctx, Value input, llvm::ArrayRef<int64_t> offsets,
              llvm::ArrayRef<int64_t> sizes, llvm::ArrayRef<int64_t> strides) {
  RankedTensorType type = typeOf(input);
  if (type && type.getShape() == sizes &&
      llvm::all_of(offsets, [](int64_t o) { return o == 0; }) &&
      llvm::all_of(strides, [](int64_t s) { return s == 1; }))
    return input;
  // kiln.slice writes "all of a dynamic dim" as -1.
  llvm::SmallVector<int64_t> attr(sizes);
  for (int64_t &s : attr)
    if (ShapedType::isDynamic(s))
      s = -1;
  return ctx.create<SliceOp>(input, offsets, attr, strides);
}

/// Defines output `result` as a slice of operand 0, folding constants.
LogicalResult sliceResult(NodeContext &ctx, unsigned result,
                          llvm::ArrayRef<int64_t> offsets,
                          llvm::ArrayRef<int64_t> sizes,
                          llvm::ArrayRef<int64_t> strides) {
  RankedTensorType type = ctx.operandType(0);
  if (DenseElementsAttr c = ctx.constantOperand(0);
      c && isFoldable(sizes)) {
    ctx.setConstantResult(
        result,
        remapElements(c, RankedTensorType::get(sizes, type.getElementType()),
                      sliceIndexMap(type.getShape(), offsets, sizes,
                                    strides)));
    return success();
  }
  Value v = sliceOf(ctx, ctx.operand(0), offsets, sizes, strides);
  if (!v)
    return failure();
  ctx.setResult(result, v);
  return success();
}

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

/// Reshape to run-time sizes that do not regroup the input's dims: collapse
/// to one dim, expand to the requested sizes (0 copies an input dim, -1 takes
/// what the others leave), all computed at run time.
static LogicalResult reshapeThroughFlat(NodeContext &ctx,
                                        llvm::ArrayRef<int64_t> requested,
                                        int64_t inferred, bool allowZero) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value input = ctx.operand(0);
  auto type = cast<RankedTensorType>(input.getType());
  llvm::SmallVector<OpFoldResult> elements = *ctx.shapeOperand(1);
  auto asValue = [&](OpFoldResult v) {
    return getValueOrCreateConstantIndexOp(b, loc, v);
  };
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < type.getRank(); ++d)
    total = arith::MulIOp::create(b, loc, total, asValue(ctx.dimOf(input, d)));
  llvm::SmallVector<OpFoldResult> sizes;
  Value known = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [i, d] : llvm::enumerate(requested)) {
    OpFoldResult size = elements[i];
    if (d == 0 && !allowZero)
      size = ctx.dimOf(input, i);
    if (static_cast<int64_t>(i) != inferred)
      known = arith::MulIOp::create(b, loc, known, asValue(size));
    sizes.push_back(size);
  }
  if (inferred >= 0)
    sizes[inferred] = arith::DivSIOp::create(b, loc, total, known).getResult();
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<Value> dynamic;
  for (OpFoldResult size : sizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    shape.push_back(c ? *c : ShapedType::kDynamic);
  }
  Value flat = input;
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    flat = tensor::CollapseShapeOp::create(
        b, loc, input, llvm::ArrayRef<ReassociationIndices>{all});
  }
  ReassociationIndices all;
  for (size_t d = 0; d < shape.size(); ++d)
    all.push_back(d);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return finish(ctx, tensor::ExpandShapeOp::create(
                         b, loc, resultType, flat,
                         llvm::ArrayRef<ReassociationIndices>{all}, sizes));
}

LogicalResult importReshape(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  llvm::SmallVector<int64_t> requested;
  if (ctx.getOpset() < 5) {
    requested = ctx.getInts("shape");
  } else {
    // Run-time elements of a shape value are dynamic dims; one that is
    // the input's own dim at the same position is copied, as 0 does.
    llvm::SmallVector<Value> dynamicElements;
    FailureOr<llvm::SmallVector<int64_t>> shape =
        ctx.requireShapeInts(1, "shape", &dynamicElements);
    if (failed(shape))
      return failure();
    requested = *shape;
    for (auto [i, d] : llvm::enumerate(requested)) {
      if (!ShapedType::isDynamic(d))
        continue;
      Value element = dyn_cast<Value>(ctx.shapeOperand(1).value()[i]);
      auto dim = element ? element.getDefiningOp<tensor::DimOp>()
                         : tensor::DimOp();
      std::optional<int64_t> index =
          dim ? dim.getConstantIndex() : std::nullopt;
      if (dim && dim.getSource() == ctx.operand(0) && index &&
          *index == static_cast<int64_t>(i) &&
          !(ctx.getOpset() >= 14 && ctx.getInt("allowzero", 0) != 0))
        d = 0;
    }
  }
  bool allowZero = ctx.getOpset() >= 14 && ctx.getInt("allowzero", 0) != 0;
  llvm::SmallVector<int64_t> shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(requested)) {
    if (d == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= type.getRank())
        return ctx.emitError() << "shape " << formatShape(requested)
                               << " copies dim " << i << " of a rank-"
                               << type.getRank() << " input";
      d = type.getDimSize(i);
    } else if (d == -1) {
      if (inferred >= 0)
        return ctx.emitError() << "shape " << formatShape(requested)
                               << " has more than one -1";
      inferred = i;
      shape.push_back(1);
      continue;
    } else if (ShapedType::isDynamic(d)) {
      // A run-time size (a shape value element).
      shape.push_back(d);
      continue;
    } else if (d < 0) {
      return ctx.emitError() << "shape " << formatShape(requested)
                             << " has a negative dim";
    }
    if (ShapedType::isDynamic(d)) {
      // A dynamic dim copied from the input (0).
      shape.push_back(d);
      continue;
    }
    if (d != 0 && known > std::numeric_limits<int64_t>::max() / d)
      return ctx.emitError() << "shape is too large";
    known *= d;
    shape.push_back(d);
  }
  // Dims that do not regroup (e.g. [b, h*w, c] -> [b, h, w*c]) but whose
  // run-time sizes are all known: through one flat dim.
  if (ctx.isShapeValue(1) && !type.hasStaticShape()) {
    llvm::SmallVector<int64_t> target(shape);
    if (inferred >= 0)
      target[inferred] = ShapedType::kDynamic;
    auto targetType = RankedTensorType::get(target, type.getElementType());
    if (!getReshapeGroups(type, targetType))
      return reshapeThroughFlat(ctx, requested, inferred, allowZero);
  }
  if (inferred >= 0 && !type.hasStaticShape()) {
    // Dynamic input dims that are copied (0) to the same position cancel
    // out; the inferred dim is then static, else dynamic.
    int64_t staticIn = 1;
    bool allCopied = true;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        staticIn *= type.getDimSize(d);
      else
        allCopied &= d < static_cast<int64_t>(requested.size()) &&
                     requested[d] == 0 && !allowZero;
    }
    shape[inferred] = allCopied && known != 0 && staticIn % known == 0
                          ? staticIn / known
                          : ShapedType::kDynamic;
    return reshapeResult(ctx, shape);
  }
  int64_t total = type.getNumElements();
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return ctx.emitError() << "cannot reshape "
                             << formatShape(type.getShape()) << " to "
                             << formatShape(requested);
    shape[inferred] = total / known;
  }
  return reshapeResult(ctx, shape);
}

LogicalResult importFlatten(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  FailureOr<int64_t> axis = ctx.normalizeAxis(
      ctx.getInt("axis", 1), type.getRank(), "axis", /*inclusiveEnd=*/true);
  if (failed(axis))
    return failure();
  llvm::ArrayRef<int64_t> dims = type.getShape();
  auto flat = [](llvm::ArrayRef<int64_t> part) {
    return llvm::any_of(part, ShapedType::isDynamic) ? ShapedType::kDynamic
                                                     : *numElements(part);
  };
  return reshapeResult(ctx, {flat(dims.take_front(*axis)),
                             flat(dims.drop_front(*axis))});
}

/// Axes from attribute `axes` before opset 13, from input #1 after.
FailureOr<std::optional<llvm::SmallVector<int64_t>>>
getAxesOperand(NodeContext &ctx) {
  if (ctx.getOpset() < 13)
    return ctx.getOptionalInts("axes");
  if (!ctx.hasInput(1))
    return std::optional<llvm::SmallVector<int64_t>>();
  FailureOr<llvm::SmallVector<int64_t>> axes =
      ctx.requireConstantInts(1, "axes");
  if (failed(axes))
    return failure();
  return std::optional<llvm::SmallVector<int64_t>>(*axes);
}

/// Squeeze/Unsqueeze of a shape value to rank `rank`: the same elements
/// while the rank stays 0 or 1 (otherwise it is not a shape value).
static std::optional<LogicalResult> reshapeShapeValue(NodeContext &ctx,
                                                      size_t rank) {
  if (!ctx.isShapeValue(0) || rank > 1)
    return std::nullopt;
  return ctx.setShapeResult(0, *ctx.shapeOperand(0), rank == 0);
}

LogicalResult importSqueeze(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  auto axes = getAxesOperand(ctx);
  if (failed(axes))
    return failure();
  llvm::SmallVector<int64_t> shape;
  if (!axes->has_value() || (*axes)->empty()) {
    for (int64_t d : type.getShape())
      if (d != 1)
        shape.push_back(d);
    if (auto r = reshapeShapeValue(ctx, shape.size()))
      return *r;
    return reshapeResult(ctx, shape);
  }
  FailureOr<llvm::SmallVector<int64_t>> normalized =
      ctx.normalizeAxes(**axes, type.getRank());
  if (failed(normalized))
    return failure();
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!llvm::is_contained(*normalized, d)) {
      shape.push_back(type.getDimSize(d));
      continue;
    }
    if (type.getDimSize(d) != 1)
      return ctx.emitError() << "cannot squeeze dim " << d << " of size "
                             << type.getDimSize(d);
  }
  if (auto r = reshapeShapeValue(ctx, shape.size()))
    return *r;
  return reshapeResult(ctx, shape);
}

LogicalResult importUnsqueeze(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  auto axes = getAxesOperand(ctx);
  if (failed(axes))
    return failure();
  if (!axes->has_value())
    return ctx.emitError() << "Unsqueeze needs axes";
  int64_t rank = type.getRank() + static_cast<int64_t>((*axes)->size());
  FailureOr<llvm::SmallVector<int64_t>> normalized =
      ctx.normalizeAxes(**axes, rank);
  if (failed(normalized))
    return failure();
  llvm::SmallVector<int64_t> shape;
  unsigned next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(llvm::is_contained(*normalized, d)
                        ? 1
                        : type.getDimSize(next++));
  if (auto r = reshapeShapeValue(ctx, shape.size()))
    return *r;
  return reshapeResult(ctx, shape);
}

//===----------------------------------------------------------------------===//
// Transpose, Concat, Split
//===----------------------------------------------------------------------===//

LogicalResult importTranspose(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  std::optional<llvm::SmallVector<int64_t>> perm = ctx.getOptionalInts("perm");
  llvm::SmallVector<int64_t> p;
  if (perm && !perm->empty())
    p = *perm;
  else
    p = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  llvm::SmallSet<int64_t, 8> seen;
  if (static_cast<int64_t>(p.size()) != rank ||
      llvm::any_of(p, [&](int64_t v) {
        return v < 0 || v >= rank || !seen.insert(v).second;
      }))
    return ctx.emitError() << "perm " << formatShape(p)
                           << " is not a permutation of the " << rank
                           << " dims";
  llvm::SmallVector<int64_t> shape;
  for (int64_t v : p)
    shape.push_back(type.getDimSize(v));
  if (DenseElementsAttr c = ctx.constantOperand(0); c && isFoldable(shape)) {
    llvm::SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape());
    llvm::SmallVector<int64_t> strides;
    for (int64_t v : p)
      strides.push_back(inStrides[v]);
    // Walk the result row-major; each coordinate steps by the permuted
    // input stride.
    llvm::SmallVector<int64_t> outStrides = rowMajorStrides(shape);
    int64_t count = numElements(shape).value_or(0);
    llvm::SmallVector<int64_t> map(count);
    for (int64_t i = 0; i < count; ++i) {
      int64_t rest = i, index = 0;
      for (int64_t d = 0; d < rank; ++d) {
        index += (rest / outStrides[d]) * strides[d];
        rest %= outStrides[d];
      }
      map[i] = index;
    }
    ctx.setConstantResult(
        0, remapElements(
               c, RankedTensorType::get(shape, type.getElementType()), map));
    return success();
  }
  return finish(ctx, ctx.transpose(ctx.operand(0), p));
}

LogicalResult importConcat(NodeContext &ctx) {
  unsigned n = ctx.getNumInputs();
  // 1-D shape values and constants: a longer shape value.
  if (llvm::any_of(llvm::seq(0u, n), [&](unsigned i) {
        return ctx.isShapeValue(i);
      })) {
    llvm::SmallVector<OpFoldResult> elements;
    bool all = true;
    for (unsigned i = 0; i < n && all; ++i) {
      std::optional<llvm::SmallVector<OpFoldResult>> e = ctx.shapeOperand(i);
      RankedTensorType t = ctx.operandType(i);
      all = e && t && t.getRank() == 1;
      if (all)
        llvm::append_range(elements, *e);
    }
    if (all)
      return ctx.setShapeResult(0, elements);
  }
  if (n == 0)
    return ctx.emitError() << "Concat needs at least one input";
  RankedTensorType first = requireInputType(ctx, 0, "inputs");
  if (!first)
    return failure();
  if (ctx.getOpset() >= 4 && !ctx.hasAttr("axis"))
    return ctx.emitError() << "Concat needs an axis";
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 1), first.getRank());
  if (failed(axis))
    return failure();

  // Fold when every input is a constant (shape vectors).
  llvm::SmallVector<DenseElementsAttr> constants;
  llvm::SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  bool foldable = true;
  for (unsigned i = 0; i < n; ++i) {
    RankedTensorType type = ctx.operandType(i);
    if (!type)
      return ctx.emitError() << "missing input #" << i;
    if (type.getRank() != first.getRank() ||
        type.getElementType() != first.getElementType())
      return ctx.emitError() << "Concat inputs must share rank and element "
                                "type";
    shape[*axis] += type.getDimSize(*axis);
    DenseElementsAttr c = ctx.constantOperand(i);
    foldable &= static_cast<bool>(c);
    constants.push_back(c);
  }
  if (foldable && isFoldable(shape)) {
    bool matches = true;
    for (DenseElementsAttr c : constants)
      for (int64_t d = 0; d < first.getRank(); ++d)
        if (d != *axis && c.getType().getDimSize(d) != shape[d])
          matches = false;
    if (!matches)
      return ctx.emitError() << "Concat inputs differ outside axis " << *axis;
    int64_t outer = numElements(llvm::ArrayRef<int64_t>(shape).take_front(
                                    *axis))
                        .value_or(0);
    llvm::SmallVector<llvm::SmallVector<Attribute>> values;
    for (DenseElementsAttr c : constants)
      values.push_back(llvm::to_vector(c.getValues<Attribute>()));
    llvm::SmallVector<Attribute> result;
    for (int64_t o = 0; o < outer; ++o) {
      for (auto [c, v] : llvm::zip(constants, values)) {
        int64_t chunk =
            numElements(c.getType().getShape().drop_front(*axis)).value_or(0);
        result.append(v.begin() + o * chunk, v.begin() + (o + 1) * chunk);
      }
    }
    ctx.setConstantResult(
        0, DenseElementsAttr::get(
               RankedTensorType::get(shape, first.getElementType()), result));
    return success();
  }
  llvm::SmallVector<Value> inputs;
  for (unsigned i = 0; i < n; ++i) {
    Value v = ctx.operand(i);
    if (!v)
      return failure();
    inputs.push_back(v);
  }
  if (inputs.size() == 1)
    return ctx.forwardOperand(0, 0);
  return finish(ctx, ctx.create<ConcatOp>(inputs,
                                          static_cast<uint64_t>(*axis)));
}

LogicalResult importSplit(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = type.getDimSize(*axis);
  if (ShapedType::isDynamic(dim))
    return ctx.emitError() << "Split along a dynamic dim is not supported yet";
  unsigned numOutputs = ctx.getNumOutputs();
  llvm::SmallVector<int64_t> sizes;
  if (ctx.getOpset() >= 13) {
    if (ctx.hasInput(1)) {
      FailureOr<llvm::SmallVector<int64_t>> split =
          ctx.requireConstantInts(1, "split");
      if (failed(split))
        return failure();
      sizes = *split;
    }
  } else {
    sizes = ctx.getInts("split");
  }
  if (sizes.empty()) {
    if (numOutputs == 0)
      return ctx.emitError() << "Split has no outputs";
    // Equal parts; since opset 18 (num_outputs) the last may be smaller.
    int64_t part = llvm::divideCeil(dim, numOutputs);
    if (ctx.getOpset() < 18 && dim % numOutputs != 0)
      return ctx.emitError() << "cannot split dim of size " << dim << " into "
                             << numOutputs << " equal parts";
    for (unsigned i = 0; i < numOutputs; ++i)
      sizes.push_back(std::max<int64_t>(
          0, std::min<int64_t>(part, dim - part * i)));
  }
  if (sizes.size() != numOutputs ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; }) ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != dim)
    return ctx.emitError() << "split sizes " << formatShape(sizes)
                           << " do not partition a dim of size " << dim
                           << " into " << numOutputs << " outputs";
  llvm::SmallVector<int64_t> offsets(type.getRank(), 0);
  llvm::SmallVector<int64_t> shape(type.getShape());
  llvm::SmallVector<int64_t> strides(type.getRank(), 1);
  for (unsigned i = 0; i < numOutputs; ++i) {
    shape[*axis] = sizes[i];
    if (ctx.isOutputUsed(i) &&
        failed(sliceResult(ctx, i, offsets, shape, strides)))
      return failure();
    offsets[*axis] += sizes[i];
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

/// ONNX Slice bounds for one axis: negative starts/ends count from the end,
/// then they are clamped to the valid range for the step's direction.
/// Returns {offset, size, stride} for kiln.slice.
std::tuple<int64_t, int64_t, int64_t> resolveSliceAxis(int64_t start,
                                                       int64_t end,
                                                       int64_t step,
                                                       int64_t dim) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  int64_t size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    size = end > start ? (end - start - 1) / step + 1 : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    // -step may overflow for INT64_MIN; any step beyond the dim takes one
    // element.
    int64_t magnitude = step < -dim ? dim + 1 : -step;
    size = start > end ? (start - end - 1) / magnitude + 1 : 0;
  }
  if (size <= 0)
    return {0, 0, 1};
  // Keep the stride within the dim so offset + (size-1)*stride never
  // overflows; with one element any stride is equivalent.
  if (size == 1)
    step = 1;
  return {start, size, step};
}

LogicalResult importSlice(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  llvm::SmallVector<int64_t> starts, ends, axes, steps;
  if (ctx.getOpset() < 10) {
    starts = ctx.getInts("starts");
    ends = ctx.getInts("ends");
    axes = ctx.getInts("axes");
  } else {
    auto read = [&](unsigned i, llvm::StringRef what,
                    llvm::SmallVectorImpl<int64_t> &out) -> LogicalResult {
      if (!ctx.hasInput(i))
        return success();
      FailureOr<llvm::SmallVector<int64_t>> values =
          ctx.requireConstantInts(i, what);
      if (failed(values))
        return failure();
      out.assign(values->begin(), values->end());
      return success();
    };
    if (failed(read(1, "starts", starts)) || failed(read(2, "ends", ends)) ||
        failed(read(3, "axes", axes)) || failed(read(4, "steps", steps)))
      return failure();
  }
  if (axes.empty())
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts.size()));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return ctx.emitError() << "Slice starts, ends, axes and steps must have "
                              "the same length";

  llvm::SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
  llvm::SmallVector<int64_t> sizes(type.getShape());
  llvm::SmallSet<int64_t, 8> seen;
  for (size_t i = 0; i < starts.size(); ++i) {
    FailureOr<int64_t> axis = ctx.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    if (!seen.insert(*axis).second)
      return ctx.emitError() << "Slice axes repeat axis " << *axis;
    if (steps[i] == 0)
      return ctx.emitError() << "Slice steps must be non-zero";
    if (type.isDynamicDim(*axis)) {
      // All of a dynamic dim (start 0, end past it, step 1) stays dynamic.
      if (starts[i] == 0 && steps[i] == 1 &&
          ends[i] >= std::numeric_limits<int32_t>::max())
        continue;
      return ctx.emitError() << "Slice of dynamic dim " << *axis
                             << " is not supported yet";
    }
    std::tie(offsets[*axis], sizes[*axis], strides[*axis]) = resolveSliceAxis(
        starts[i], ends[i], steps[i], type.getDimSize(*axis));
  }
  return sliceResult(ctx, 0, offsets, sizes, strides);
}

//===----------------------------------------------------------------------===//
// Gather
//===----------------------------------------------------------------------===//

LogicalResult importGather(NodeContext &ctx) {
  RankedTensorType dataType = requireInputType(ctx, 0, "data");
  RankedTensorType indicesType = requireInputType(ctx, 1, "indices");
  if (!dataType || !indicesType)
    return failure();
  if (dataType.getRank() < 1)
    return ctx.emitError() << "Gather data must have rank >= 1";
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 0), dataType.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = dataType.getDimSize(*axis);
  if (ShapedType::isDynamic(dim) && !ctx.isShapeValue(0))
    return ctx.emitError() << "Gather along a dynamic dim is not supported yet";
  llvm::SmallVector<int64_t> shape(dataType.getShape().take_front(*axis));
  llvm::append_range(shape, indicesType.getShape());
  llvm::append_range(shape, dataType.getShape().drop_front(*axis + 1));

  DenseElementsAttr indices = ctx.constantOperand(1);
  if (ctx.isShapeValue(0) && indices && indicesType.getRank() <= 1) {
    // Picks run-time dims: stays a shape value.
    llvm::SmallVector<OpFoldResult> elements = *ctx.shapeOperand(0);
    llvm::SmallVector<OpFoldResult> picked;
    llvm::SmallVector<int64_t> indexValues = *getIntValues(indices);
    for (int64_t v : indexValues) {
      int64_t n = static_cast<int64_t>(elements.size());
      if (v < -n || v >= n)
        return ctx.emitError() << "Gather index " << v
                               << " is out of range for a dim of size " << n;
      picked.push_back(elements[v < 0 ? v + n : v]);
    }
    return ctx.setShapeResult(0, picked, indicesType.getRank() == 0);
  }
  if (!indices) {
    Value data = ctx.operand(0);
    Value dynamicIndices = ctx.operand(1);
    return finish(ctx, ctx.create<GatherOp>(data, dynamicIndices,
                                            static_cast<uint64_t>(*axis)));
  }
  std::optional<llvm::SmallVector<int64_t>> values = getIntValues(indices);
  if (!values)
    return ctx.emitError() << "Gather indices must be integers";
  for (int64_t &v : *values) {
    if (v < -dim || v >= dim)
      return ctx.emitError() << "Gather index " << v
                             << " is out of range for a dim of size " << dim;
    if (v < 0)
      v += dim;
  }
  DenseElementsAttr data = ctx.constantOperand(0);
  if (data && isFoldable(shape)) {
    llvm::ArrayRef<int64_t> dataShape = dataType.getShape();
    int64_t outer = *numElements(dataShape.take_front(*axis));
    int64_t inner = *numElements(dataShape.drop_front(*axis + 1));
    llvm::SmallVector<int64_t> map;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t v : *values)
        for (int64_t i = 0; i < inner; ++i)
          map.push_back((o * dim + v) * inner + i);
    ctx.setConstantResult(
        0, remapElements(
               data, RankedTensorType::get(shape, dataType.getElementType()),
               map));
    return success();
  }
  // Constant indices are passed normalized (non-negative) to kiln.
  Value normalized = ctx.constant(makeIntElements(indicesType, *values));
  return finish(ctx, ctx.create<GatherOp>(ctx.operand(0), normalized,
                                          static_cast<uint64_t>(*axis)));
}

//===----------------------------------------------------------------------===//
// Pad, Expand, Tile, DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

LogicalResult validatePad(const NodeInfo &node) {
  std::string mode = node.getString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return node.emitUnsupportedAttr("mode");
  return success();
}

LogicalResult importPad(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  std::string modeName = ctx.getString("mode", "constant");
  PadMode mode = modeName == "reflect" ? PadMode::reflect
                 : modeName == "edge"  ? PadMode::edge
                                       : PadMode::constant;
  llvm::SmallVector<int64_t> pads;
  double value = 0.0;
  if (ctx.getOpset() < 11) {
    pads = ctx.getInts(ctx.getOpset() < 2 ? "paddings" : "pads");
    value = ctx.getFloat("value", 0.0f);
  } else {
    FailureOr<llvm::SmallVector<int64_t>> p =
        ctx.requireConstantInts(1, "pads");
    if (failed(p))
      return failure();
    pads = *p;
    if (ctx.hasInput(2)) {
      FailureOr<double> v = ctx.requireConstantScalar(2, "constant_value");
      if (failed(v))
        return failure();
      value = *v;
    }
    if (ctx.hasInput(3)) {
      // Opset 18: pads only for the listed axes.
      FailureOr<llvm::SmallVector<int64_t>> axes =
          ctx.requireConstantInts(3, "axes");
      if (failed(axes))
        return failure();
      if (pads.size() != 2 * axes->size())
        return ctx.emitError() << "Pad needs 2 pads per axis";
      llvm::SmallVector<int64_t> full(2 * rank, 0);
      for (auto [i, a] : llvm::enumerate(*axes)) {
        FailureOr<int64_t> axis = ctx.normalizeAxis(a, rank);
        if (failed(axis))
          return failure();
        full[*axis] = pads[i];
        full[*axis + rank] = pads[i + axes->size()];
      }
      pads = full;
    }
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return ctx.emitError() << "Pad needs " << 2 * rank << " pads, got "
                           << pads.size();
  constexpr int64_t kMaxPad = int64_t(1) << 30;
  if (llvm::any_of(pads,
                   [&](int64_t p) { return p > kMaxPad || p < -kMaxPad; }))
    return ctx.emitError() << "pads are too large";
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  // Positive pads pad; negative pads crop, done as a slice afterwards.
  llvm::SmallVector<int64_t> grow, offsets(rank, 0), sizes, strides(rank, 1);
  bool crops = false;
  for (int64_t p : pads) {
    grow.push_back(std::max<int64_t>(p, 0));
    crops |= p < 0;
  }
  if (llvm::any_of(grow, [](int64_t p) { return p > 0; }))
    x = ctx.create<PadOp>(x, grow, llvm::APFloat(value), mode);
  if (!x)
    return failure();
  if (crops) {
    for (int64_t d = 0; d < rank; ++d) {
      int64_t cropBegin = -std::min<int64_t>(pads[d], 0);
      int64_t cropEnd = -std::min<int64_t>(pads[d + rank], 0);
      int64_t size = typeOf(x).getDimSize(d) - cropBegin - cropEnd;
      if (size < 0)
        return ctx.emitError() << "negative pads remove more than dim " << d
                               << " holds";
      offsets[d] = size == 0 ? 0 : cropBegin;
      sizes.push_back(size);
    }
    x = sliceOf(ctx, x, offsets, sizes, strides);
  }
  return finish(ctx, x);
}

LogicalResult importExpand(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  FailureOr<llvm::SmallVector<int64_t>> shape =
      ctx.requireConstantInts(1, "shape");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return ctx.emitError() << "Expand shape " << formatShape(*shape)
                           << " has a negative dim";
  FailureOr<SmallVector<int64_t>> result =
      broadcastShapes(type.getShape(), *shape);
  if (failed(result) || !numElements(*result))
    return ctx.emitError() << "cannot expand " << formatShape(type.getShape())
                           << " to " << formatShape(*shape);
  if (DenseElementsAttr c = ctx.constantOperand(0); c && isFoldable(*result)) {
    ctx.setConstantResult(
        0, remapElements(
               c, RankedTensorType::get(*result, type.getElementType()),
               broadcastIndexMap(type.getShape(), *result)));
    return success();
  }
  return finish(ctx, ctx.create<ExpandOp>(ctx.operand(0), *shape));
}

/// Tile: reshape to [1, d0, 1, d1, ...], expand to [r0, d0, r1, d1, ...] and
/// reshape to [r0*d0, r1*d1, ...].
LogicalResult importTile(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  FailureOr<llvm::SmallVector<int64_t>> repeats =
      ctx.requireConstantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  int64_t rank = type.getRank();
  if (static_cast<int64_t>(repeats->size()) != rank ||
      llvm::any_of(*repeats, [](int64_t r) { return r < 0; }))
    return ctx.emitError() << "Tile needs " << rank
                           << " non-negative repeats";
  for (int64_t d = 0; d < rank; ++d)
    if (type.getDimSize(d) != 0 &&
        (*repeats)[d] > std::numeric_limits<int32_t>::max() /
                            std::max<int64_t>(type.getDimSize(d), 1))
      return ctx.emitError() << "Tile repeats are too large";
  if (llvm::all_of(*repeats, [](int64_t r) { return r == 1; }))
    return ctx.forwardOperand(0, 0);
  llvm::SmallVector<int64_t> interleaved, expanded, shape;
  for (int64_t d = 0; d < rank; ++d) {
    interleaved.append({1, type.getDimSize(d)});
    expanded.append({(*repeats)[d], type.getDimSize(d)});
    shape.push_back((*repeats)[d] * type.getDimSize(d));
  }
  if (DenseElementsAttr c = ctx.constantOperand(0); c && isFoldable(shape)) {
    llvm::SmallVector<int64_t> inStrides = rowMajorStrides(type.getShape());
    llvm::SmallVector<int64_t> outStrides = rowMajorStrides(shape);
    int64_t count = *numElements(shape);
    llvm::SmallVector<int64_t> map(count);
    for (int64_t i = 0; i < count; ++i) {
      int64_t rest = i, index = 0;
      for (int64_t d = 0; d < rank; ++d) {
        index += ((rest / outStrides[d]) % type.getDimSize(d)) * inStrides[d];
        rest %= outStrides[d];
      }
      map[i] = index;
    }
    ctx.setConstantResult(
        0, remapElements(c, RankedTensorType::get(shape, type.getElementType()),
                         map));
    return success();
  }
  Value x = ctx.reshape(ctx.operand(0), interleaved);
  if (!x)
    return failure();
  x = ctx.create<ExpandOp>(x, expanded);
  return finish(ctx, x ? ctx.reshape(x, shape) : Value());
}

/// DepthToSpace / SpaceToDepth as reshape -> transpose -> reshape.
template <bool ToSpace>
LogicalResult importDepthSpace(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  if (type.getRank() != 4)
    return ctx.emitError() << "expects a 4-D input";
  int64_t b = ctx.getInt("blocksize", 0);
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  if (b < 1)
    return ctx.emitError() << "blocksize must be >= 1";
  llvm::SmallVector<int64_t> split, perm, shape;
  if (ToSpace) {
    if (c % (b * b) != 0)
      return ctx.emitError() << "channels " << c
                             << " are not divisible by blocksize^2";
    bool crd = ctx.getString("mode", "DCR") == "CRD";
    if (crd) {
      split = {n, c / (b * b), b, b, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    } else {
      split = {n, b, b, c / (b * b), h, w};
      perm = {0, 3, 4, 1, 5, 2};
    }
    shape = {n, c / (b * b), h * b, w * b};
  } else {
    if (h % b != 0 || w % b != 0)
      return ctx.emitError() << "spatial dims are not divisible by blocksize";
    split = {n, c, h / b, b, w / b, b};
    perm = {0, 3, 5, 1, 2, 4};
    shape = {n, c * b * b, h / b, w / b};
  }
  Value x = ctx.reshape(ctx.operand(0), split);
  x = x ? ctx.transpose(x, perm) : Value();
  return finish(ctx, x ? ctx.reshape(x, shape) : Value());
}

LogicalResult validateDepthToSpace(const NodeInfo &node) {
  std::string mode = node.getString("mode", "DCR");
  if (mode != "DCR" && mode != "CRD")
    return node.emitUnsupportedAttr("mode");
  return success();
}

//===----------------------------------------------------------------------===//
// Constants: Constant, ConstantOfShape, Shape, Size, Range
//===----------------------------------------------------------------------===//

LogicalResult validateConstant(const NodeInfo &node) {
  for (llvm::StringRef name : {"sparse_value", "value_string",
                               "value_strings"})
    if (node.hasAttr(name))
      return node.emitError() << "Constant attribute '" << name
                              << "' is not supported";
  return success();
}

LogicalResult importConstant(NodeContext &ctx) {
  MLIRContext *context = ctx.getContext();
  Builder b(context);
  if (const ::onnx::TensorProto *tensor = ctx.getTensor("value")) {
    FailureOr<ElementsAttr> attr = convertTensorProto(
        *tensor, context, ctx.getExternalDataDir(), ctx.getLoc(),
        "Constant value", ctx.getOutputName(0), kMaxInlineElements);
    if (failed(attr)) {
      ctx.markError();
      return failure();
    }
    ctx.setConstantResult(0, *attr);
    return success();
  }
  if (ctx.hasAttr("value_float")) {
    auto type = RankedTensorType::get({}, b.getF32Type());
    ctx.setConstantResult(
        0, DenseElementsAttr::get(type, ctx.getFloat("value_float", 0)));
    return success();
  }
  if (ctx.hasAttr("value_floats")) {
    llvm::SmallVector<float> values = ctx.getFloats("value_floats");
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.getF32Type());
    ctx.setConstantResult(0, DenseElementsAttr::get(type,
                                                    llvm::ArrayRef(values)));
    return success();
  }
  if (ctx.hasAttr("value_int")) {
    auto type = RankedTensorType::get({}, b.getI64Type());
    ctx.setConstantResult(0, makeIntElements(type, {ctx.getInt("value_int",
                                                               0)}));
    return success();
  }
  if (ctx.hasAttr("value_ints")) {
    llvm::SmallVector<int64_t> values = ctx.getInts("value_ints");
    auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                      b.getI64Type());
    ctx.setConstantResult(0, makeIntElements(type, values));
    return success();
  }
  return ctx.emitError() << "Constant has no supported value attribute";
}

LogicalResult importConstantOfShape(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<int64_t>> shape =
      ctx.requireConstantInts(0, "input");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }) ||
      !numElements(*shape))
    return ctx.emitError() << "invalid shape " << formatShape(*shape);
  Attribute element;
  Type elementType;
  if (const ::onnx::TensorProto *tensor = ctx.getTensor("value")) {
    FailureOr<ElementsAttr> attr = convertTensorProto(
        *tensor, ctx.getContext(), ctx.getExternalDataDir(), ctx.getLoc(),
        "ConstantOfShape value", ctx.getOutputName(0), kMaxInlineElements);
    if (failed(attr)) {
      ctx.markError();
      return failure();
    }
    auto dense = dyn_cast<DenseElementsAttr>(*attr);
    if (!dense || dense.getNumElements() != 1)
      return ctx.emitError() << "ConstantOfShape value must hold one element";
    element = dense.getSplatValue<Attribute>();
    elementType = dense.getElementType();
  } else {
    elementType = Float32Type::get(ctx.getContext());
    element = FloatAttr::get(elementType, 0.0);
  }
  ctx.setConstantResult(
      0, DenseElementsAttr::get(RankedTensorType::get(*shape, elementType),
                                element));
  return success();
}

/// EyeLike: ones on diagonal k of a 2-D tensor shaped like the input.
LogicalResult importEyeLike(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "input");
  if (!type)
    return failure();
  if (type.getRank() != 2 || !isFoldable(type.getShape()))
    return ctx.emitError() << "EyeLike needs a 2-D input";
  Type elementType = type.getElementType();
  if (ctx.hasAttr("dtype")) {
    int64_t dtype = ctx.getInt("dtype", 0);
    elementType = convertElementType(ctx.getContext(), dtype);
    if (!elementType)
      return ctx.emitError() << "unsupported dtype "
                             << onnxTypeName(static_cast<int32_t>(dtype));
  }
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  int64_t k = std::clamp<int64_t>(ctx.getInt("k", 0), -rows, cols);
  llvm::SmallVector<double> values(rows * cols, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    if (r + k >= 0 && r + k < cols)
      values[r * cols + r + k] = 1.0;
  ctx.setConstantResult(
      0, makeFloatOrIntElements(
             RankedTensorType::get(type.getShape(), elementType), values));
  return success();
}

LogicalResult importShape(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  auto clampBound = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampBound(ctx.getInt("start", 0));
  int64_t end = clampBound(ctx.getInt("end", rank));
  if (!type.hasStaticShape()) {
    // Run-time dims: a shape value (ValueEntry::shapeElements).
    llvm::SmallVector<OpFoldResult> elements;
    for (int64_t d = start; d < end; ++d)
      elements.push_back(ctx.dimOf(ctx.operand(0), d));
    return ctx.setShapeResult(0, elements);
  }
  llvm::SmallVector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(type.getDimSize(d));
  auto resultType = RankedTensorType::get(
      {static_cast<int64_t>(dims.size())}, ctx.getBuilder().getI64Type());
  ctx.setConstantResult(0, makeIntElements(resultType, dims));
  return success();
}

LogicalResult importSize(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "data");
  if (!type)
    return failure();
  auto resultType = RankedTensorType::get({}, ctx.getBuilder().getI64Type());
  ctx.setConstantResult(0,
                        makeIntElements(resultType, {type.getNumElements()}));
  return success();
}

LogicalResult importRange(NodeContext &ctx) {
  RankedTensorType type = requireInputType(ctx, 0, "start");
  if (!type)
    return failure();
  constexpr int64_t kMaxRange = int64_t(1) << 24;
  Type elementType = type.getElementType();
  DenseElementsAttr startAttr = ctx.constantOperand(0),
                    limitAttr = ctx.constantOperand(1),
                    deltaAttr = ctx.constantOperand(2);
  if (ctx.isShapeValue(1) && startAttr && deltaAttr &&
      isa<IntegerType>(elementType) && startAttr.getNumElements() == 1 &&
      deltaAttr.getNumElements() == 1) {
    // A run-time limit (a dim): ceil((limit - start) / delta) elements,
    // generated at run time.
    int64_t start = (*getIntValues(startAttr))[0];
    int64_t delta = (*getIntValues(deltaAttr))[0];
    if (start > 0 || delta <= 0)
      return ctx.emitError() << "Range with a run-time limit needs start <= 0 "
                                "and delta > 0";
    OpBuilder &b = ctx.getBuilder();
    Location loc = ctx.getLoc();
    OpFoldResult limit = ctx.shapeOperand(1)->front();
    AffineExpr s0 = b.getAffineSymbolExpr(0);
    Value n = getValueOrCreateConstantIndexOp(
        b, loc,
        affine::makeComposedFoldedAffineApply(
            b, loc, AffineMap::get(0, 1, (s0 - start).ceilDiv(delta)),
            {limit}));
    auto resultType =
        RankedTensorType::get({ShapedType::kDynamic}, elementType);
    Value range = tensor::GenerateOp::create(
        b, loc, resultType, ValueRange{n},
        [&](OpBuilder &nb, Location nl, ValueRange indices) {
          Value i = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                               indices[0]);
          Value v = arith::AddIOp::create(
              nb, nl,
              arith::MulIOp::create(
                  nb, nl, i,
                  arith::ConstantIntOp::create(nb, nl, delta, 64)),
              arith::ConstantIntOp::create(nb, nl, start, 64));
          if (elementType.getIntOrFloatBitWidth() != 64)
            v = arith::TruncIOp::create(
                nb, nl, IntegerType::get(nb.getContext(),
                                         elementType.getIntOrFloatBitWidth()),
                v);
          tensor::YieldOp::create(nb, nl, v);
        });
    return finish(ctx, range);
  }
  // The output's length depends on the values: all three must be known.
  if (!startAttr)
    return ctx.emitNotConstant(0, "start");
  if (!limitAttr)
    return ctx.emitNotConstant(1, "limit");
  if (!deltaAttr)
    return ctx.emitNotConstant(2, "delta");
  if (startAttr.getNumElements() != 1 || limitAttr.getNumElements() != 1 ||
      deltaAttr.getNumElements() != 1)
    return ctx.emitError() << "Range start, limit and delta must be scalars";
  if (isa<IntegerType>(elementType)) {
    int64_t start = (*getIntValues(startAttr))[0];
    int64_t limit = (*getIntValues(limitAttr))[0];
    int64_t delta = (*getIntValues(deltaAttr))[0];
    if (delta == 0)
      return ctx.emitError() << "Range delta must be non-zero";
    // Computed in doubles: any count beyond kMaxRange is rejected anyway.
    double count =
        std::ceil((static_cast<double>(limit) - static_cast<double>(start)) /
                  static_cast<double>(delta));
    if (count > kMaxRange)
      return ctx.emitError() << "Range of " << count
                             << " elements is too large";
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
    llvm::SmallVector<int64_t> values;
    for (int64_t i = 0; i < n; ++i)
      values.push_back(start + i * delta);
    ctx.setConstantResult(
        0, makeIntElements(RankedTensorType::get({n}, elementType), values));
    return success();
  }
  double start = getFloatValues(startAttr)[0];
  double limit = getFloatValues(limitAttr)[0];
  double delta = getFloatValues(deltaAttr)[0];
  if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) ||
      !std::isfinite(delta))
    return ctx.emitError() << "Range needs finite bounds and a non-zero delta";
  double count = std::ceil((limit - start) / delta);
  if (count > kMaxRange)
    return ctx.emitError() << "Range of " << count << " elements is too large";
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  llvm::SmallVector<double> values;
  for (int64_t i = 0; i < n; ++i)
    values.push_back(start + static_cast<double>(i) * delta);
  ctx.setConstantResult(
      0, makeFloatOrIntElements(RankedTensorType::get({n}, elementType),
                                values));
  return success();
}

} // namespace

void onnx_importer::populateTensorHandlers(OnnxOpRegistry &r) {
  r.onOp("Reshape", 1, importReshape);
  r.onOp("Flatten", 1, importFlatten);
  r.onOp("Squeeze", 1, importSqueeze);
  r.onOp("Unsqueeze", 1, importUnsqueeze);
  r.onOp("Transpose", 1, importTranspose);
  r.onOp("Concat", 1, importConcat);
  r.onOp("Split", 1, importSplit);
  r.onOp("Slice", 1, importSlice);
  r.onOp("Gather", 1, importGather);
  r.onOp("Pad", 1, importPad, validatePad);
  r.onOp("Expand", 8, importExpand);
  r.onOp("Tile", 6, importTile);
  r.onOp("DepthToSpace", 1, importDepthSpace<true>, validateDepthToSpace);
  r.onOp("SpaceToDepth", 1, importDepthSpace<false>);
  r.onOp("Constant", 1, importConstant, validateConstant);
  r.onOp("ConstantOfShape", 9, importConstantOfShape);
  r.onOp("Shape", 1, importShape);
  r.onOp("EyeLike", 9, importEyeLike);
  r.onOp("Size", 1, importSize);
  r.onOp("Range", 11, importRange);
}
