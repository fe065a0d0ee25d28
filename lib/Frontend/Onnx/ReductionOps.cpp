//===- ReductionOps.cpp - ONNX reductions -> kiln -------------------------===//
//
// ReduceSum/Mean/Max/Min/Prod map onto kiln reductions; ReduceL1/L2/
// SumSquare/LogSum/LogSumExp are composed from them. Axes come from an
// attribute (before opset 13 for ReduceSum, 18 for the others) or from an
// optional input; noop_with_empty_axes is honoured.
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
    if (!y)
      return failure();
    ctx.setResult(0, y);
    return success();
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
  if (!y)
    return failure();
  ctx.setResult(0, y);
  return success();
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
  if (!y)
    return failure();
  ctx.setResult(0, y);
  return success();
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
}
