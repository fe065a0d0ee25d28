//===- NNOps.cpp - ONNX neural-network ops -> kiln ------------------------===//
//
// Gemm, MatMul, Conv, pooling, normalizations and softmax. auto_pad is
// resolved to explicit pads here, so kiln ops only ever see explicit
// windows; opset-specific semantics (Softmax before 13 flattens to 2-D) are
// expressed with reshapes.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

/// Checks that input `i` is a float tensor of rank >= `minRank`.
FailureOr<RankedTensorType> requireFloatTensor(NodeContext &ctx, unsigned i,
                                               int64_t minRank,
                                               llvm::StringRef what) {
  RankedTensorType type = ctx.operandType(i);
  if (!type)
    return ctx.emitError() << "missing input '" << what << "'";
  if (failed(requireFloatElements(
          ctx, type, "input '" + what + "' must be a floating-point tensor")))
    return failure();
  if (type.getRank() < minRank)
    return ctx.emitError() << "input '" << what << "' must have rank >= "
                           << minRank << ", got "
                           << formatShape(type.getShape());
  return type;
}

//===----------------------------------------------------------------------===//
// Windows: strides, dilations, pads, auto_pad
//===----------------------------------------------------------------------===//

/// Reads ints attribute `name` into `out`: `size` values, or `size` copies
/// of `defaultValue` when it is absent or empty.
LogicalResult readWindowList(NodeContext &ctx, llvm::StringRef name,
                             size_t size, int64_t defaultValue,
                             llvm::SmallVectorImpl<int64_t> &out) {
  std::optional<llvm::SmallVector<int64_t>> values = ctx.getOptionalInts(name);
  if (!values || values->empty()) {
    out.assign(size, defaultValue);
    return success();
  }
  if (values->size() != size)
    return ctx.emitError() << "attribute '" << name << "' has "
                           << values->size() << " values, expected " << size;
  out.assign(values->begin(), values->end());
  return success();
}

//===----------------------------------------------------------------------===//
// Gemm and MatMul
//===----------------------------------------------------------------------===//

/// Gemm: alpha * A' B' + beta * C, with A' = transA ? A^T : A.
LogicalResult importGemm(NodeContext &ctx) {
  Value a = ctx.operand(0), b = ctx.operand(1);
  if (!a || !b)
    return failure();
  if (typeOf(a).getRank() != 2 || typeOf(b).getRank() != 2)
    return ctx.emitError() << "Gemm operands must be 2-D, got "
                           << formatShape(typeOf(a).getShape()) << " and "
                           << formatShape(typeOf(b).getShape());
  if (ctx.getInt("transA", 0))
    a = ctx.transpose(a, {1, 0});
  if (ctx.getInt("transB", 0))
    b = ctx.transpose(b, {1, 0});
  Value y = ctx.create<MatMulOp>(a, b);
  if (!y)
    return failure();
  Type elementType = typeOf(y).getElementType();
  double alpha = ctx.getFloat("alpha", 1.0f);
  double beta = ctx.getFloat("beta", 1.0f);
  if (alpha != 1.0)
    y = ctx.create<MulOp>(y, ctx.constantScalar(elementType, alpha));
  if (ctx.hasInput(2) && beta != 0.0 && y) {
    llvm::SmallVector<int64_t> shape(typeOf(y).getShape());
    Value c = ctx.operand(2);
    if (c && beta != 1.0)
      c = ctx.create<MulOp>(c, ctx.constantScalar(elementType, beta));
    y = ctx.create<AddOp>(y, c);
    if (y && typeOf(y).getShape() != llvm::ArrayRef<int64_t>(shape))
      return ctx.emitError() << "Gemm input C of shape "
                             << formatShape(ctx.operandType(2).getShape())
                             << " does not broadcast to "
                             << formatShape(shape);
  }
  return finish(ctx, y);
}

/// MatMul with numpy semantics: 1-D operands get a unit dim that is
/// dropped from the result again.
LogicalResult importMatMul(NodeContext &ctx) {
  Value a = ctx.operand(0), b = ctx.operand(1);
  if (!a || !b)
    return failure();
  RankedTensorType aType = typeOf(a), bType = typeOf(b);
  if (aType.getRank() < 1 || bType.getRank() < 1)
    return ctx.emitError() << "MatMul operands must have rank >= 1";
  bool aVector = aType.getRank() == 1, bVector = bType.getRank() == 1;
  if (aVector)
    a = ctx.reshape(a, {1, aType.getDimSize(0)});
  if (bVector)
    b = ctx.reshape(b, {bType.getDimSize(0), 1});
  Value y = ctx.create<MatMulOp>(a, b);
  if (!y)
    return failure();
  if (aVector || bVector) {
    llvm::SmallVector<int64_t> shape(typeOf(y).getShape());
    if (bVector)
      shape.pop_back();
    if (aVector)
      shape.erase(shape.end() - (bVector ? 1 : 2));
    y = ctx.reshape(y, shape);
  }
  return finish(ctx, y);
}

//===----------------------------------------------------------------------===//
// Conv and pooling
//===----------------------------------------------------------------------===//

LogicalResult importConv(NodeContext &ctx) {
  FailureOr<RankedTensorType> xType = requireFloatTensor(ctx, 0, 3, "X");
  FailureOr<RankedTensorType> wType = requireFloatTensor(ctx, 1, 3, "W");
  if (failed(xType) || failed(wType))
    return failure();
  if (xType->getRank() != wType->getRank())
    return ctx.emitError() << "Conv input " << formatShape(xType->getShape())
                           << " and weight " << formatShape(wType->getShape())
                           << " have different ranks";
  llvm::ArrayRef<int64_t> kernel = wType->getShape().drop_front(2);
  if (std::optional<llvm::SmallVector<int64_t>> attr =
          ctx.getOptionalInts("kernel_shape")) {
    if (!attr->empty() && llvm::ArrayRef<int64_t>(*attr) != kernel)
      return ctx.emitError() << "kernel_shape " << formatShape(*attr)
                             << " does not match the weight's "
                             << formatShape(kernel);
  }
  FailureOr<Window> window =
      resolveWindow(ctx, xType->getShape().drop_front(2), kernel);
  if (failed(window))
    return failure();
  int64_t group = ctx.getInt("group", 1);
  if (group < 1)
    return ctx.emitError() << "group must be >= 1, got " << group;
  Value x = ctx.operand(0), w = ctx.operand(1);
  Value bias = ctx.hasInput(2) ? ctx.operand(2) : Value();
  if (ctx.hasInput(2) && !bias)
    return failure();
  return finish(ctx, ctx.create<ConvOp>(
                         x, w, bias, window->strides, window->dilations,
                         window->pads, static_cast<uint64_t>(group)));
}

/// ConvTranspose as a regular convolution (the approach of onnx-mlir's
/// decomposition and of XLA's lhs-dilated convolution): the input gets
/// stride-1 zeros inserted between its elements and is padded by
/// (k-1)*d - pad on each side, and the weight [C, M/g, k...] is regrouped to
/// [M, C/g, k...] and flipped spatially. Everything is built from existing
/// kiln ops, so the usual kiln.conv lowering (named linalg convs, tiled and
/// vectorized like any conv) does the work, and the weight rearrangement,
/// on the usual constant weights, is folded at compile time by
/// kiln-fold-constants. The zero insertion is a reshape that adds a unit
/// dim after each spatial dim, a pad of that dim to the stride, and a
/// reshape back: one memory-bound copy of the input. The price is the
/// multiply-adds with the inserted zeros (a factor prod(strides) over the
/// minimum); splitting the conv into prod(strides) sub-convolutions of the
/// strided weight phases would avoid them.
LogicalResult importConvTranspose(NodeContext &ctx) {
  FailureOr<RankedTensorType> xType = requireFloatTensor(ctx, 0, 3, "X");
  FailureOr<RankedTensorType> wType = requireFloatTensor(ctx, 1, 3, "W");
  if (failed(xType) || failed(wType))
    return failure();
  int64_t rank = xType->getRank();
  size_t n = rank - 2;
  if (wType->getRank() != rank)
    return ctx.emitError() << "ConvTranspose input "
                           << formatShape(xType->getShape()) << " and weight "
                           << formatShape(wType->getShape())
                           << " have different ranks";
  if (!xType->hasStaticShape() || !wType->hasStaticShape())
    return ctx.emitError() << "ConvTranspose needs static input and weight "
                              "shapes; pin them with --input-shape";
  llvm::ArrayRef<int64_t> xShape = xType->getShape();
  llvm::ArrayRef<int64_t> wShape = wType->getShape();
  llvm::ArrayRef<int64_t> spatial = xShape.drop_front(2);
  llvm::ArrayRef<int64_t> kernel = wShape.drop_front(2);
  if (std::optional<llvm::SmallVector<int64_t>> attr =
          ctx.getOptionalInts("kernel_shape")) {
    if (!attr->empty() && llvm::ArrayRef<int64_t>(*attr) != kernel)
      return ctx.emitError() << "kernel_shape " << formatShape(*attr)
                             << " does not match the weight's "
                             << formatShape(kernel);
  }
  int64_t group = ctx.getInt("group", 1);
  int64_t channels = xShape[1];
  if (group < 1 || channels % group != 0 || wShape[0] != channels)
    return ctx.emitError() << "ConvTranspose weight "
                           << formatShape(wShape) << " with group " << group
                           << " does not match input "
                           << formatShape(xShape);
  int64_t filters = wShape[1] * group;

  llvm::SmallVector<int64_t> strides, dilations, outputPadding, pads;
  if (failed(readWindowList(ctx, "strides", n, 1, strides)) ||
      failed(readWindowList(ctx, "dilations", n, 1, dilations)) ||
      failed(readWindowList(ctx, "output_padding", n, 0, outputPadding)))
    return failure();
  constexpr int64_t kMaxWindow = int64_t(1) << 30;
  for (size_t i = 0; i < n; ++i) {
    if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1 ||
        strides[i] > kMaxWindow || dilations[i] > kMaxWindow ||
        kernel[i] > kMaxWindow)
      return ctx.emitError()
             << "strides, dilations and kernel sizes must be in [1, 2^30]";
    if (outputPadding[i] < 0 || outputPadding[i] > kMaxWindow)
      return ctx.emitError() << "output_padding must be in [0, 2^30]";
  }

  // The natural output size, before pads are taken off.
  llvm::SmallVector<int64_t> full(n);
  for (size_t i = 0; i < n; ++i)
    full[i] = strides[i] * (spatial[i] - 1) + outputPadding[i] +
              (kernel[i] - 1) * dilations[i] + 1;

  // pads: explicit, or derived from output_shape / auto_pad (the ONNX rule:
  // the odd unit goes to the end for SAME_UPPER, else to the beginning; a
  // negative total adds zeros, at the end for an odd -1).
  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  std::optional<llvm::SmallVector<int64_t>> outputShape =
      ctx.getOptionalInts("output_shape");
  if (outputShape && outputShape->size() == n + 2)
    outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
  if (outputShape && !outputShape->empty() && outputShape->size() != n)
    return ctx.emitError() << "output_shape has " << outputShape->size()
                           << " values, expected " << n;
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if ((outputShape && !outputShape->empty()) || same) {
    pads.assign(2 * n, 0);
    for (size_t i = 0; i < n; ++i) {
      int64_t out = outputShape && !outputShape->empty()
                        ? (*outputShape)[i]
                        : spatial[i] * strides[i];
      if (out < 1 || out > kMaxWindow)
        return ctx.emitError() << "output size " << out << " is out of range";
      int64_t total = full[i] - out;
      int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2); // floor
      pads[i] = autoPad == "SAME_UPPER" ? half : total - half;
      pads[i + n] = total - pads[i];
    }
  } else if (autoPad == "VALID") {
    pads.assign(2 * n, 0);
  } else {
    if (failed(readWindowList(ctx, "pads", 2 * n, 0, pads)))
      return failure();
    if (llvm::any_of(pads, [&](int64_t p) { return p < 0 || p > kMaxWindow; }))
      return ctx.emitError() << "pads must be in [0, 2^30]";
  }
  for (size_t i = 0; i < n; ++i)
    if (full[i] - pads[i] - pads[i + n] < 1)
      return ctx.emitError() << "pads " << formatShape(pads)
                             << " leave no output in spatial dim " << i;

  Value x = ctx.operand(0), w = ctx.operand(1);
  Value bias = ctx.hasInput(2) ? ctx.operand(2) : Value();
  if (!x || !w || (ctx.hasInput(2) && !bias))
    return failure();

  // Weight [C, M/g, k...] -> [M, C/g, k...], spatially flipped.
  llvm::SmallVector<int64_t> grouped = {group, channels / group, wShape[1]};
  llvm::append_range(grouped, kernel);
  llvm::SmallVector<int64_t> perm = {0, 2, 1};
  llvm::append_range(perm, llvm::seq<int64_t>(3, rank + 1));
  llvm::SmallVector<int64_t> convWeightShape = {filters, channels / group};
  llvm::append_range(convWeightShape, kernel);
  w = ctx.reshape(ctx.transpose(ctx.reshape(w, grouped), perm),
                  convWeightShape);
  llvm::SmallVector<int64_t> offsets(rank, 0), steps(rank, 1);
  for (size_t i = 0; i < n; ++i) {
    offsets[i + 2] = kernel[i] - 1;
    steps[i + 2] = -1;
  }
  w = ctx.create<SliceOp>(w, offsets, convWeightShape, steps);

  // Zero insertion: [N, C, S...] -> [N, C, S0, 1, S1, 1, ...], padded to
  // [N, C, S0, s0, ...] and collapsed to [N, C, S0*s0, ...]. The s-1
  // trailing zeros of each dim are not part of the dilated input; they are
  // taken off the end padding below.
  if (llvm::any_of(strides, [](int64_t s) { return s > 1; })) {
    llvm::SmallVector<int64_t> split = {xShape[0], channels};
    llvm::SmallVector<int64_t> padSplit(2 * (2 + 2 * n), 0);
    llvm::SmallVector<int64_t> dilatedShape = {xShape[0], channels};
    for (size_t i = 0; i < n; ++i) {
      split.append({spatial[i], 1});
      padSplit[(2 + 2 * n) + 2 + 2 * i + 1] = strides[i] - 1;
      dilatedShape.push_back(spatial[i] * strides[i]);
    }
    x = ctx.create<PadOp>(ctx.reshape(x, split), padSplit, llvm::APFloat(0.0),
                          PadMode::constant);
    x = ctx.reshape(x, dilatedShape);
  }

  // Conv pads (k-1)*d - pad; negative ones crop the dilated input.
  llvm::SmallVector<int64_t> convPads(2 * n), cropOffsets(rank, 0),
      cropSizes(xShape), cropSteps(rank, 1);
  bool crop = false;
  for (size_t i = 0; i < n; ++i) {
    int64_t span = (kernel[i] - 1) * dilations[i];
    int64_t length = spatial[i] * strides[i];
    int64_t low = span - pads[i];
    int64_t high = span - pads[i + n] + outputPadding[i] - (strides[i] - 1);
    convPads[i] = std::max<int64_t>(low, 0);
    convPads[i + n] = std::max<int64_t>(high, 0);
    cropOffsets[i + 2] = std::max<int64_t>(-low, 0);
    cropSizes[i + 2] = length - cropOffsets[i + 2] -
                       std::max<int64_t>(-high, 0);
    crop |= low < 0 || high < 0;
  }
  if (crop)
    x = ctx.create<SliceOp>(x, cropOffsets, cropSizes, cropSteps);
  llvm::SmallVector<int64_t> ones(n, 1);
  return finish(ctx, ctx.create<ConvOp>(x, w, bias, ones, dilations, convPads,
                                        static_cast<uint64_t>(group)));
}

LogicalResult validateMaxPool(const NodeInfo &node) {
  if (node.isOutputUsed(1))
    return node.emitError() << "MaxPool's Indices output is not supported";
  return validateAutoPad(node);
}

template <typename OpTy>
LogicalResult importPool(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType || xType.getRank() < 3)
    return ctx.emitError() << "pooling input must have rank >= 3";
  size_t n = xType.getRank() - 2;
  llvm::SmallVector<int64_t> kernel = ctx.getInts("kernel_shape");
  if (kernel.size() != n)
    return ctx.emitError() << "kernel_shape must have " << n << " values";
  FailureOr<Window> window =
      resolveWindow(ctx, xType.getShape().drop_front(2), kernel);
  if (failed(window))
    return failure();
  // With auto_pad the output size is ceil(in / stride) by construction of
  // the pads; ceil_mode must not round up once more.
  bool ceilMode = !window->autoPadded && ctx.getInt("ceil_mode", 0) != 0;
  bool countIncludePad = ctx.getInt("count_include_pad", 0) != 0;
  return finish(ctx, ctx.create<OpTy>(ctx.operand(0), kernel, window->strides,
                                      window->dilations, window->pads,
                                      ceilMode, countIncludePad));
}

template <typename OpTy>
LogicalResult importGlobalPool(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType || xType.getRank() < 3)
    return ctx.emitError() << "pooling input must have rank >= 3";
  llvm::SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(2, xType.getRank()));
  return finish(ctx,
                ctx.create<OpTy>(ctx.operand(0), axes, /*keepdims=*/true));
}

//===----------------------------------------------------------------------===//
// Normalizations
//===----------------------------------------------------------------------===//

LogicalResult validateBatchNorm(const NodeInfo &node) {
  if (node.getInt("training_mode", 0) != 0)
    return node.emitUnsupportedAttr("training_mode")
           << " (only inference is supported)";
  if (node.hasAttr("spatial") && node.getInt("spatial", 1) != 1)
    return node.emitUnsupportedAttr("spatial");
  for (unsigned i = 1; i < node.getNumOutputs(); ++i)
    if (node.isOutputUsed(i))
      return node.emitError()
             << "BatchNormalization's training outputs are not supported";
  return success();
}

LogicalResult importBatchNorm(NodeContext &ctx) {
  if (failed(requireFloatTensor(ctx, 0, 2, "X")))
    return failure();
  double epsilon = ctx.getFloat("epsilon", 1e-5f);
  llvm::SmallVector<Value, 5> operands;
  for (unsigned i = 0; i < 5; ++i)
    operands.push_back(ctx.operand(i));
  return finish(ctx, ctx.create<BatchNormOp>(
                         operands[0], operands[1], operands[2], operands[3],
                         operands[4],
                         ctx.getBuilder().getF64FloatAttr(epsilon)));
}

/// InstanceNormalization: per (n, c), normalize over the spatial dims, then
/// scale[c] * y + bias[c].
LogicalResult importInstanceNorm(NodeContext &ctx) {
  FailureOr<RankedTensorType> xType = requireFloatTensor(ctx, 0, 3, "input");
  if (failed(xType))
    return failure();
  int64_t rank = xType->getRank();
  Type elementType = xType->getElementType();
  llvm::SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(2, rank));
  Value x = ctx.operand(0), scale = ctx.operand(1), bias = ctx.operand(2);
  if (!x || !scale || !bias)
    return failure();
  for (Value p : {scale, bias})
    if (typeOf(p).getRank() != 1 ||
        typeOf(p).getDimSize(0) != xType->getDimSize(1))
      return ctx.emitError() << "scale and B must be 1-D with "
                             << xType->getDimSize(1) << " elements";
  llvm::SmallVector<int64_t> channelShape(rank - 1, 1);
  channelShape[0] = xType->getDimSize(1);
  Value mean = ctx.create<ReduceMeanOp>(x, axes, true);
  Value centered = ctx.create<SubOp>(x, mean);
  Value variance = ctx.create<ReduceMeanOp>(
      ctx.create<MulOp>(centered, centered), axes, true);
  Value stddev = ctx.create<SqrtOp>(ctx.create<AddOp>(
      variance,
      ctx.constantScalar(elementType, ctx.getFloat("epsilon", 1e-5f))));
  Value normalized = ctx.create<DivOp>(centered, stddev);
  Value scaled =
      ctx.create<MulOp>(normalized, ctx.reshape(scale, channelShape));
  Value y = ctx.create<AddOp>(scaled, ctx.reshape(bias, channelShape));
  return finish(ctx, y);
}

LogicalResult importLayerNorm(NodeContext &ctx) {
  FailureOr<RankedTensorType> xType = requireFloatTensor(ctx, 0, 1, "X");
  if (failed(xType))
    return failure();
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", -1), xType->getRank());
  if (failed(axis))
    return failure();
  Value x = ctx.operand(0), scale = ctx.operand(1);
  if (!x || !scale)
    return failure();
  Value bias;
  if (ctx.hasInput(2)) {
    bias = ctx.operand(2);
  } else {
    auto zeroType = typeOf(scale);
    bias = ctx.constant(DenseElementsAttr::get(
        zeroType, FloatAttr::get(zeroType.getElementType(), 0.0)));
  }
  Builder &b = ctx.getBuilder();
  double epsilon = ctx.getFloat("epsilon", 1e-5f);
  Value y = ctx.create<LayerNormOp>(x, scale, bias, b.getI64IntegerAttr(*axis),
                                    b.getF64FloatAttr(epsilon));
  if (!y)
    return failure();
  ctx.setResult(0, y);
  if (!ctx.isOutputUsed(1) && !ctx.isOutputUsed(2))
    return success();
  // The optional statistics outputs, over the normalized dims, kept as
  // size-1 dims; with stash_type=1 they are f32 whatever the input type.
  llvm::SmallVector<int64_t> axes =
      llvm::to_vector(llvm::seq<int64_t>(*axis, xType->getRank()));
  Value mean = ctx.create<ReduceMeanOp>(x, axes, true);
  Value centered = ctx.create<SubOp>(x, mean);
  Value variance = ctx.create<ReduceMeanOp>(
      ctx.create<MulOp>(centered, centered), axes, true);
  Value invStdDev = ctx.create<ReciprocalOp>(ctx.create<SqrtOp>(
      ctx.create<AddOp>(variance, ctx.constantScalar(xType->getElementType(),
                                                     epsilon))));
  if (!mean || !invStdDev)
    return failure();
  if (ctx.getInt("stash_type", 1) == 1) {
    mean = ctx.castTo(mean, b.getF32Type());
    invStdDev = ctx.castTo(invStdDev, b.getF32Type());
  }
  ctx.setResult(1, mean);
  ctx.setResult(2, invStdDev);
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// Softmax/LogSoftmax. Before opset 13 the input is coerced to 2-D
/// [prod(d[:axis]), prod(d[axis:])] and normalized over the second dim.
template <bool Log>
LogicalResult importSoftmax(NodeContext &ctx) {
  FailureOr<RankedTensorType> xType = requireFloatTensor(ctx, 0, 1, "input");
  if (failed(xType))
    return failure();
  int64_t rank = xType->getRank();
  bool legacy = ctx.getOpset() < 13;
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", legacy ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  Builder &b = ctx.getBuilder();
  Value x = ctx.operand(0);
  if (!legacy || *axis == rank - 1)
    return finish(ctx, ctx.create<SoftmaxOp>(x, b.getI64IntegerAttr(*axis),
                                             b.getBoolAttr(Log)));
  if (!xType->hasStaticShape())
    return ctx.emitError() << "Softmax before opset 13 (a 2-D coercion) "
                              "over dynamic dims is not supported";
  llvm::ArrayRef<int64_t> shape = xType->getShape();
  int64_t outer = numElements(shape.take_front(*axis)).value_or(0);
  int64_t inner = numElements(shape.drop_front(*axis)).value_or(0);
  Value flat = ctx.reshape(x, {outer, inner});
  Value y = ctx.create<SoftmaxOp>(flat, b.getI64IntegerAttr(1),
                                  b.getBoolAttr(Log));
  return finish(ctx, y ? ctx.reshape(y, shape) : Value());
}

} // namespace

//===----------------------------------------------------------------------===//
// Windows (declared in OnnxImporterImpl.h)
//===----------------------------------------------------------------------===//

LogicalResult onnx_importer::validateAutoPad(const NodeInfo &node) {
  std::string autoPad = node.getString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && !autoPad.empty())
    return node.emitUnsupportedAttr("auto_pad");
  return success();
}

/// Reads strides/dilations/pads/auto_pad for a window of `kernel` over
/// `spatial` input dims, turning auto_pad into explicit pads.
FailureOr<Window>
onnx_importer::resolveWindow(NodeContext &ctx, llvm::ArrayRef<int64_t> spatial,
                             llvm::ArrayRef<int64_t> kernel) {
  size_t n = spatial.size();
  Window w;
  if (failed(readWindowList(ctx, "strides", n, 1, w.strides)) ||
      failed(readWindowList(ctx, "dilations", n, 1, w.dilations)))
    return failure();
  // Bounded so that no window arithmetic can overflow.
  constexpr int64_t kMaxWindow = int64_t(1) << 30;
  for (size_t i = 0; i < n; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || kernel[i] < 1)
      return ctx.emitError()
             << "strides, dilations and kernel sizes must be >= 1";
    if (w.strides[i] > kMaxWindow || w.dilations[i] > kMaxWindow ||
        kernel[i] > kMaxWindow)
      return ctx.emitError() << "window attributes are too large";
  }

  std::string autoPad = ctx.getString("auto_pad", "NOTSET");
  if (autoPad == "NOTSET" || autoPad.empty()) {
    if (failed(readWindowList(ctx, "pads", 2 * n, 0, w.pads)))
      return failure();
    if (llvm::any_of(w.pads, [](int64_t p) { return p < 0; }))
      return ctx.emitError() << "negative pads are not supported";
    if (llvm::any_of(w.pads, [&](int64_t p) { return p > kMaxWindow; }))
      return ctx.emitError() << "pads are too large";
    return w;
  }
  w.autoPadded = true;
  w.pads.assign(2 * n, 0);
  if (autoPad == "VALID")
    return w;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return ctx.emitUnsupportedAttr("auto_pad");
  // SAME: output = ceil(input / stride); the extra padding goes to the end
  // (SAME_UPPER) or to the beginning (SAME_LOWER).
  for (size_t i = 0; i < n; ++i) {
    int64_t span = (kernel[i] - 1) * w.dilations[i] + 1;
    if (ShapedType::isDynamic(spatial[i])) {
      // Stride 1: the padding does not depend on the size.
      if (w.strides[i] != 1)
        return ctx.emitError()
               << "auto_pad " << autoPad << " with stride " << w.strides[i]
               << " over a dynamic spatial dim is not supported yet";
      int64_t total = span - 1, small = total / 2, large = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      w.pads[i + n] = autoPad == "SAME_UPPER" ? large : small;
      continue;
    }
    int64_t out = llvm::divideCeil(spatial[i], w.strides[i]);
    int64_t total = std::max<int64_t>(
        0, (out - 1) * w.strides[i] + span - spatial[i]);
    int64_t small = total / 2, large = total - small;
    w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
    w.pads[i + n] = autoPad == "SAME_UPPER" ? large : small;
  }
  return w;
}


void onnx_importer::populateNNHandlers(OnnxOpRegistry &r) {
  r.onOp("Gemm", 1, importGemm);
  r.onOp("MatMul", 1, importMatMul);
  r.onOp("Conv", 1, importConv, validateAutoPad);
  r.onOp("ConvTranspose", 1, importConvTranspose, validateAutoPad);
  r.onOp("MaxPool", 1, importPool<MaxPoolOp>, validateMaxPool);
  r.onOp("AveragePool", 1, importPool<AvgPoolOp>, validateAutoPad);
  r.onOp("GlobalAveragePool", 1, importGlobalPool<ReduceMeanOp>);
  r.onOp("GlobalMaxPool", 1, importGlobalPool<ReduceMaxOp>);
  r.onOp("BatchNormalization", 1, importBatchNorm, validateBatchNorm);
  r.onOp("InstanceNormalization", 1, importInstanceNorm);
  r.onOp("LayerNormalization", 17, importLayerNorm);
  r.onOp("Softmax", 1, importSoftmax<false>);
  r.onOp("LogSoftmax", 1, importSoftmax<true>);
}
