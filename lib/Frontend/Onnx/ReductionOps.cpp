//===- ReductionOps.cpp - ONNX reductions -> kiln -------------------------===//
//
// ReduceSum/Mean/Max/Min/Prod map onto kiln reductions; ReduceL1/L2/
// SumSquare/LogSum/LogSumExp are composed from them. Axes come from an
// attribute (before opset 13 for ReduceSum, 18 for the others) or from an
// optional input; noop_with_empty_axes is honoured. Ops that select or
// accumulate along one axis live here too: Hardmax (argmax + compare),
// CumSum and TopK (kiln.cumsum/topk), LRN (an average pool over channels),
// ReverseSequence (a gather_elements along the time axis).
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

enum class Reduction { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum,
                       LogSumExp };

/// Opset since which the reduction takes its axes as input #1.
int64_t axesInputSince(Reduction kind) {
  return kind == Reduction::Sum ? 13 : 18;
}

/// The reduced axes, or nullopt for "no reduction" (noop_with_empty_axes).
FailureOr<std::optional<llvm::SmallVector<int64_t>>>
getReductionAxes(NodeContext &ctx, Reduction kind, int64_t rank) {
  llvm::SmallVector<int64_t> axes;
  if (ctx.getOpset() >= axesInputSince(kind)) {
    if (ctx.hasInput(1)) {
      FailureOr<llvm::SmallVector<int64_t>> values =
          ctx.requireConstantInts(1, "axes");
      if (failed(values))
        return failure();
      axes = *values;
    }
  } else {
    axes = ctx.getInts("axes");
  }
  if (axes.empty()) {
    if (ctx.getInt("noop_with_empty_axes", 0))
      return std::optional<llvm::SmallVector<int64_t>>();
    return std::optional<llvm::SmallVector<int64_t>>(
        llvm::to_vector(llvm::seq<int64_t>(0, rank)));
  }
  FailureOr<llvm::SmallVector<int64_t>> normalized =
      ctx.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  return std::optional<llvm::SmallVector<int64_t>>(*normalized);
}

template <Reduction Kind>
LogicalResult importReduce(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'data'";
  auto axes = getReductionAxes(ctx, Kind, type.getRank());
  if (failed(axes))
    return failure();
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  bool keepdims = ctx.getInt("keepdims", 1) != 0;
  bool isFloat = isa<FloatType>(type.getElementType());
  if (!isFloat && (Kind == Reduction::Mean || Kind == Reduction::L2 ||
                   Kind == Reduction::LogSum || Kind == Reduction::LogSumExp))
    return ctx.emitError() << "expects a floating-point input";

  // Elementwise pre-processing and the reduction that follows it.
  Value input = x;
  if (Kind == Reduction::L1)
    input = ctx.create<AbsOp>(x);
  else if (Kind == Reduction::L2 || Kind == Reduction::SumSquare)
    input = ctx.create<MulOp>(x, x);

  if (!axes->has_value()) {
    // noop_with_empty_axes: the elementwise part still applies.
    Value y = input;
    if (Kind == Reduction::L2)
      y = ctx.create<AbsOp>(x);
    else if (Kind == Reduction::LogSum)
      y = ctx.create<LogOp>(x);
    else if (Kind == Reduction::LogSumExp)
      y = x;
    return finish(ctx, y);
  }
  llvm::ArrayRef<int64_t> dims = **axes;

  Value y;
  switch (Kind) {
  case Reduction::Sum:
  case Reduction::L1:
  case Reduction::SumSquare:
    y = ctx.create<ReduceSumOp>(input, dims, keepdims);
    break;
  case Reduction::Mean:
    y = ctx.create<ReduceMeanOp>(input, dims, keepdims);
    break;
  case Reduction::Max:
    y = ctx.create<ReduceMaxOp>(input, dims, keepdims);
    break;
  case Reduction::Min:
    y = ctx.create<ReduceMinOp>(input, dims, keepdims);
    break;
  case Reduction::Prod:
    y = ctx.create<ReduceProdOp>(input, dims, keepdims);
    break;
  case Reduction::L2:
    y = ctx.create<SqrtOp>(ctx.create<ReduceSumOp>(input, dims, keepdims));
    break;
  case Reduction::LogSum:
    y = ctx.create<LogOp>(ctx.create<ReduceSumOp>(input, dims, keepdims));
    break;
  case Reduction::LogSumExp: {
    // log(sum(exp(x - m))) + m with m = max(x), which cannot overflow.
    Value m = ctx.create<ReduceMaxOp>(x, dims, /*keepdims=*/true);
    Value sum = ctx.create<ReduceSumOp>(
        ctx.create<ExpOp>(ctx.create<SubOp>(x, m)), dims, keepdims);
    Value shift = m;
    if (!keepdims && m) {
      llvm::SmallVector<int64_t> shape;
      for (auto [d, size] : llvm::enumerate(typeOf(m).getShape()))
        if (!llvm::is_contained(dims, static_cast<int64_t>(d)))
          shape.push_back(size);
      shift = ctx.reshape(m, shape);
    }
    y = ctx.create<AddOp>(ctx.create<LogOp>(sum), shift);
    break;
  }
  }
  return finish(ctx, y);
}

template <Reduction Kind>
void registerReduce(OnnxOpRegistry &r, llvm::StringRef name) {
  r.onOp(name, 1, importReduce<Kind>);
}

template <bool IsMax>
LogicalResult importArgReduce(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'data'";
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  Builder &b = ctx.getBuilder();
  IntegerAttr axisAttr = b.getI64IntegerAttr(*axis);
  BoolAttr keepdims = b.getBoolAttr(ctx.getInt("keepdims", 1) != 0);
  BoolAttr last = b.getBoolAttr(ctx.getInt("select_last_index", 0) != 0);
  Value y = IsMax ? ctx.create<ArgMaxOp>(ctx.operand(0), axisAttr, keepdims,
                                         last)
                  : ctx.create<ArgMinOp>(ctx.operand(0), axisAttr, keepdims,
                                         last);
  return finish(ctx, y);
}

/// Hardmax: 1 where the first maximum along `axis` is, else 0; an argmax
/// compared with an index vector that broadcasts along `axis`.
LogicalResult importHardmax(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'input'";
  if (failed(requireFloatElements(ctx, type)))
    return failure();
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  int64_t size = type.getDimSize(*axis);
  if (ShapedType::isDynamic(size))
    return ctx.emitError() << "the axis dim of " << formatShape(type.getShape())
                           << " must be static; pin it with --input-shape";
  // The positions below are a weight of `size` elements.
  constexpr int64_t kMaxAxisSize = int64_t(1) << 22;
  if (size > kMaxAxisSize)
    return ctx.emitError() << "the axis dim " << size << " of "
                           << formatShape(type.getShape())
                           << " is too large (at most " << kMaxAxisSize << ")";
  Builder &b = ctx.getBuilder();
  Value argmax =
      ctx.create<ArgMaxOp>(ctx.operand(0), b.getI64IntegerAttr(*axis),
                           b.getBoolAttr(true), b.getBoolAttr(false));
  // Positions along the axis, shaped [size, 1, ..., 1] to align with it.
  llvm::SmallVector<int64_t> shape(type.getRank() - *axis, 1);
  shape[0] = size;
  Value positions = ctx.constant(
      makeIntElements(RankedTensorType::get(shape, b.getI64Type()),
                      llvm::to_vector(llvm::seq<int64_t>(0, size))));
  Value isMax = ctx.create<EqualOp>(positions, argmax);
  return finish(ctx, ctx.castTo(isMax, type.getElementType()));
}

/// CumSum: axis is a constant input.
LogicalResult importCumSum(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'x'";
  FailureOr<llvm::SmallVector<int64_t>> axisValues =
      ctx.requireConstantInts(1, "axis");
  if (failed(axisValues))
    return failure();
  if (axisValues->size() != 1)
    return ctx.emitError() << "input 'axis' must hold one value, not "
                           << axisValues->size();
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(axisValues->front(), type.getRank());
  if (failed(axis))
    return failure();
  Builder &b = ctx.getBuilder();
  return finish(
      ctx, ctx.create<CumSumOp>(ctx.operand(0), b.getI64IntegerAttr(*axis),
                                b.getBoolAttr(ctx.getInt("exclusive", 0) != 0),
                                b.getBoolAttr(ctx.getInt("reverse", 0) != 0)));
}

/// TopK: k is an attribute before opset 10, a constant input since.
LogicalResult importTopK(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'X'";
  int64_t k;
  if (ctx.getOpset() < 10) {
    k = ctx.getInt("k", -1);
  } else {
    FailureOr<llvm::SmallVector<int64_t>> values =
        ctx.requireConstantInts(1, "K");
    if (failed(values))
      return failure();
    if (values->size() != 1)
      return ctx.emitError()
             << "input 'K' must hold one value, not " << values->size();
    k = values->front();
  }
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", -1), type.getRank());
  if (failed(axis))
    return failure();
  int64_t size = type.getDimSize(*axis);
  if (k < 0 || (!ShapedType::isDynamic(size) && k > size))
    return ctx.emitError() << "k = " << k
                           << " is out of range for an axis of size "
                           << formatShape(size);
  Builder &b = ctx.getBuilder();
  bool largest = ctx.getOpset() < 11 || ctx.getInt("largest", 1) != 0;
  // sorted=0 leaves the order unspecified; the sorted order is one of them.
  Value values =
      ctx.create<TopKOp>(ctx.operand(0), b.getI64IntegerAttr(*axis),
                         b.getI64IntegerAttr(k), b.getBoolAttr(largest));
  if (!values)
    return failure();
  ctx.setResult(0, values);
  ctx.setResult(1, values.getDefiningOp()->getResult(1));
  return success();
}

/// LRN: x / (bias + alpha / size * sum of x^2 over a window of `size`
/// channels)^beta. The window sum is an average pool (padding counted, so
/// the divisor is always `size`) over the channels of x^2 viewed as
/// [N, 1, C, rest].
LogicalResult importLRN(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'X'";
  if (failed(requireFloatElements(ctx, type)))
    return failure();
  if (type.getRank() < 2 || !type.hasStaticShape())
    return ctx.emitError() << "expects a static input of rank >= 2, not "
                           << formatShape(type.getShape());
  int64_t size = ctx.getInt("size", 0);
  if (size < 1)
    return ctx.emitUnsupportedAttr("size") << " (must be >= 1)";
  double alpha = ctx.getFloat("alpha", 1e-4f);
  double beta = ctx.getFloat("beta", 0.75f);
  double bias = ctx.getFloat("bias", 1.0f);
  Type elementType = type.getElementType();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rest = 1;
  for (int64_t d : shape.drop_front(2))
    rest *= d;

  Value x = ctx.operand(0);
  Value squares =
      ctx.reshape(ctx.create<MulOp>(x, x), {shape[0], 1, shape[1], rest});
  Builder &b = ctx.getBuilder();
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  Value mean = ctx.create<AvgPoolOp>(
      squares, b.getDenseI64ArrayAttr({size, 1}),
      b.getDenseI64ArrayAttr({1, 1}), b.getDenseI64ArrayAttr({1, 1}),
      b.getDenseI64ArrayAttr({before, 0, after, 0}), b.getBoolAttr(false),
      b.getBoolAttr(true));
  // One op per statement: argument evaluation order is unspecified, and the
  // IR's order must not depend on the host compiler.
  Value alphaValue = ctx.constantScalar(elementType, alpha);
  Value scaled = ctx.create<MulOp>(ctx.reshape(mean, shape), alphaValue);
  Value base = ctx.create<AddOp>(scaled, ctx.constantScalar(elementType, bias));
  Value denominator =
      ctx.create<PowOp>(base, ctx.constantScalar(elementType, beta));
  return finish(ctx, ctx.create<DivOp>(x, denominator));
}

/// ReverseSequence: along the time axis, batch entry b reads position
/// lens[b] - 1 - t for t < lens[b] and t otherwise; a gather_elements with
/// those positions, computed from the runtime lengths and broadcast over the
/// remaining dims.
LogicalResult importReverseSequence(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  RankedTensorType lensType = ctx.operandType(1);
  if (!type || !lensType)
    return ctx.emitError() << "missing input 'input' or 'sequence_lens'";
  if (!type.hasStaticShape() || type.getRank() < 2)
    return ctx.emitError() << "expects a static input of rank >= 2, not "
                           << formatShape(type.getShape());
  int64_t timeAxis = ctx.getInt("time_axis", 0);
  int64_t batchAxis = ctx.getInt("batch_axis", 1);
  if ((timeAxis != 0 && timeAxis != 1) || batchAxis != 1 - timeAxis)
    return ctx.emitError() << "time_axis and batch_axis must be 0 and 1 in "
                              "either order, not "
                           << timeAxis << " and " << batchAxis;
  int64_t steps = type.getDimSize(timeAxis);
  int64_t batch = type.getDimSize(batchAxis);
  if (lensType.getRank() != 1 || lensType.getDimSize(0) != batch)
    return ctx.emitError() << "sequence_lens must have shape " << batch
                           << ", not " << formatShape(lensType.getShape());
  Type i64 = ctx.getBuilder().getI64Type();
  llvm::SmallVector<int64_t> timeShape(2, 1), lensShape(2, 1);
  timeShape[timeAxis] = steps;
  lensShape[batchAxis] = batch;
  Value time = ctx.constant(
      makeIntElements(RankedTensorType::get(timeShape, i64),
                      llvm::to_vector(llvm::seq<int64_t>(0, steps))));
  Value lens = ctx.reshape(ctx.castTo(ctx.operand(1), i64), lensShape);
  Value reversed = ctx.create<SubOp>(
      ctx.create<SubOp>(lens, ctx.constantScalar(i64, 1)), time);
  Value positions =
      ctx.create<WhereOp>(ctx.create<LessOp>(time, lens), reversed, time);
  if (!positions)
    return failure();
  llvm::SmallVector<int64_t> shape(type.getRank(), 1);
  shape[0] = typeOf(positions).getDimSize(0);
  shape[1] = typeOf(positions).getDimSize(1);
  Value indices =
      ctx.create<ExpandOp>(ctx.reshape(positions, shape), type.getShape());
  return finish(ctx, ctx.create<GatherElementsOp>(
                         ctx.operand(0), indices,
                         ctx.getBuilder().getI64IntegerAttr(timeAxis)));
}

} // namespace

void onnx_importer::populateReductionHandlers(OnnxOpRegistry &r) {
  registerReduce<Reduction::Sum>(r, "ReduceSum");
  registerReduce<Reduction::Mean>(r, "ReduceMean");
  registerReduce<Reduction::Max>(r, "ReduceMax");
  registerReduce<Reduction::Min>(r, "ReduceMin");
  registerReduce<Reduction::Prod>(r, "ReduceProd");
  registerReduce<Reduction::L1>(r, "ReduceL1");
  registerReduce<Reduction::L2>(r, "ReduceL2");
  registerReduce<Reduction::SumSquare>(r, "ReduceSumSquare");
  registerReduce<Reduction::LogSum>(r, "ReduceLogSum");
  registerReduce<Reduction::LogSumExp>(r, "ReduceLogSumExp");
  r.onOp("ArgMax", 1, importArgReduce<true>);
  r.onOp("ArgMin", 1, importArgReduce<false>);
  r.onOp("Hardmax", 13, importHardmax);
  r.onOp("CumSum", 11, importCumSum);
  r.onOp("TopK", 1, importTopK);
  r.onOp("LRN", 1, importLRN);
  r.onOp("ReverseSequence", 10, importReverseSequence);
}
