//===- SpatialOps.cpp - ONNX resampling ops -> kiln -----------------------===//
//
// Resize (and Upsample, which the version converter turns into Resize),
// GridSample, RoiAlign and MaxUnpool. Resize's roi, scales and sizes must be
// compile-time constants: they are resolved here into the static sizes and
// scales of kiln.resize, so its lowering can tabulate where every result
// element samples the input.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

std::optional<InterpolationMode> parseResizeMode(llvm::StringRef s) {
  if (s == "nearest")
    return InterpolationMode::nearest;
  if (s == "linear")
    return InterpolationMode::linear;
  if (s == "cubic")
    return InterpolationMode::cubic;
  return std::nullopt;
}

LogicalResult validateResize(const NodeInfo &node) {
  if (!parseResizeMode(node.getString("mode", "nearest")))
    return node.emitUnsupportedAttr("mode");
  if (!symbolizeCoordinateTransform(
          node.getString("coordinate_transformation_mode", "half_pixel")))
    return node.emitUnsupportedAttr("coordinate_transformation_mode");
  if (!symbolizeNearestRounding(
          node.getString("nearest_mode", "round_prefer_floor")))
    return node.emitUnsupportedAttr("nearest_mode");
  if (node.getInt("antialias", 0) != 0)
    return node.emitUnsupportedAttr("antialias");
  if (node.hasAttr("axes"))
    return node.emitUnsupportedAttr("axes");
  if (node.getString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return node.emitUnsupportedAttr("keep_aspect_ratio_policy");
  return success();
}

/// Float contents of constant operand `i`, or an empty list when it is
/// absent or an empty tensor (ONNX's way of leaving it out).
FailureOr<llvm::SmallVector<double>>
optionalConstantFloats(NodeContext &ctx, unsigned i, llvm::StringRef what) {
  if (!ctx.hasInput(i))
    return llvm::SmallVector<double>();
  RankedTensorType type = ctx.operandType(i);
  if (type && type.hasStaticShape() && type.getNumElements() == 0)
    return llvm::SmallVector<double>();
  DenseElementsAttr attr = ctx.constantOperand(i);
  if (!attr)
    return ctx.emitNotConstant(i, what);
  return getFloatValues(attr);
}

LogicalResult importResize(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType)
    return ctx.emitError() << "missing input 'X'";
  int64_t rank = xType.getRank();
  llvm::ArrayRef<int64_t> shape = xType.getShape();
  // Resize-10 takes (X, scales); later versions (X, roi, scales, sizes).
  bool legacy = ctx.getOpset() < 11;
  FailureOr<llvm::SmallVector<double>> roi = llvm::SmallVector<double>();
  if (!legacy)
    roi = optionalConstantFloats(ctx, 1, "roi");
  FailureOr<llvm::SmallVector<double>> scales =
      optionalConstantFloats(ctx, legacy ? 1 : 2, "scales");
  if (failed(roi) || failed(scales))
    return failure();
  llvm::SmallVector<int64_t> sizes;
  if (!legacy && ctx.hasInput(3)) {
    FailureOr<llvm::SmallVector<int64_t>> s =
        ctx.requireConstantInts(3, "sizes");
    if (failed(s))
      return failure();
    sizes = *s;
  }
  if (scales->empty() == sizes.empty())
    return ctx.emitError() << "Resize needs exactly one of 'scales' and "
                              "'sizes'";
  if (!scales->empty()) {
    if (static_cast<int64_t>(scales->size()) != rank)
      return ctx.emitError() << "Resize scales has " << scales->size()
                             << " values for a rank-" << rank << " input";
    for (int64_t d = 0; d < rank; ++d) {
      if (ShapedType::isDynamic(shape[d])) {
        // Sized at run time (-1 in kiln.resize): scale k or 1/k exactly.
        double scale = (*scales)[d];
        bool exact = scale >= 1.0 ? scale == std::floor(scale)
                                  : 1.0 / scale == std::floor(1.0 / scale);
        if (!(scale > 0.0) || !std::isfinite(scale) || !exact)
          return ctx.emitError()
                 << "Resize of dynamic dim " << d << " by scale " << scale
                 << " is not supported (integer scales and their "
                    "reciprocals are)";
        sizes.push_back(-1);
        continue;
      }
      double size = std::floor((*scales)[d] * static_cast<double>(shape[d]));
      if (!((*scales)[d] > 0.0) || !std::isfinite(size) ||
          size > static_cast<double>(int64_t(1) << 40))
        return ctx.emitError() << "Resize scale " << (*scales)[d] << " of dim "
                               << d << " is out of range";
      sizes.push_back(static_cast<int64_t>(size));
    }
  } else {
    if (static_cast<int64_t>(sizes.size()) != rank)
      return ctx.emitError() << "Resize sizes has " << sizes.size()
                             << " values for a rank-" << rank << " input";
    if (!xType.hasStaticShape())
      return ctx.emitError() << "Resize to 'sizes' of a dynamically shaped "
                                "input is not supported yet (use 'scales')";
    for (int64_t d = 0; d < rank; ++d) {
      if (sizes[d] < 1 || shape[d] < 1)
        return ctx.emitError()
               << "Resize of dim " << d << " from " << shape[d] << " to "
               << sizes[d] << " elements is not supported";
      scales->push_back(static_cast<double>(sizes[d]) /
                        static_cast<double>(shape[d]));
    }
  }

  InterpolationMode mode = *parseResizeMode(ctx.getString("mode", "nearest"));
  CoordinateTransform transform = *symbolizeCoordinateTransform(
      ctx.getString("coordinate_transformation_mode", "half_pixel"));
  NearestRounding rounding = *symbolizeNearestRounding(
      ctx.getString("nearest_mode", "round_prefer_floor"));
  // roi only matters for tf_crop_and_resize; it defaults to the whole input.
  if (transform == CoordinateTransform::tf_crop_and_resize) {
    if (roi->empty()) {
      roi->assign(rank, 0.0);
      roi->append(rank, 1.0);
    }
    if (static_cast<int64_t>(roi->size()) != 2 * rank)
      return ctx.emitError() << "Resize roi has " << roi->size()
                             << " values, expected " << 2 * rank;
  } else {
    roi->clear();
  }
  Builder &b = ctx.getBuilder();
  return finish(
      ctx, ctx.create<ResizeOp>(
               ctx.operand(0), b.getDenseI64ArrayAttr(sizes),
               b.getDenseF64ArrayAttr(*scales), b.getDenseF64ArrayAttr(*roi),
               InterpolationModeAttr::get(b.getContext(), mode),
               CoordinateTransformAttr::get(b.getContext(), transform),
               NearestRoundingAttr::get(b.getContext(), rounding),
               b.getF64FloatAttr(ctx.getFloat("cubic_coeff_a", -0.75f)),
               b.getBoolAttr(ctx.getInt("exclude_outside", 0) != 0),
               b.getF64FloatAttr(ctx.getFloat("extrapolation_value", 0.0f))));
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

std::optional<InterpolationMode> parseGridSampleMode(llvm::StringRef s) {
  // Opset 16 names; opset 20 renamed them linear/cubic.
  if (s == "nearest")
    return InterpolationMode::nearest;
  if (s == "bilinear" || s == "linear")
    return InterpolationMode::linear;
  if (s == "bicubic" || s == "cubic")
    return InterpolationMode::cubic;
  return std::nullopt;
}

LogicalResult validateGridSample(const NodeInfo &node) {
  if (!parseGridSampleMode(node.getString("mode", "bilinear")))
    return node.emitUnsupportedAttr("mode");
  if (!symbolizeGridPadding(node.getString("padding_mode", "zeros")))
    return node.emitUnsupportedAttr("padding_mode");
  return success();
}

LogicalResult importGridSample(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  RankedTensorType gridType = ctx.operandType(1);
  if (!xType || !gridType)
    return ctx.emitError() << "GridSample needs inputs 'X' and 'grid'";
  if (xType.getRank() != 4)
    return ctx.emitError() << "GridSample supports 4-D [N, C, H, W] inputs, "
                              "got "
                           << formatShape(xType.getShape());
  if (failed(requireFloatElements(ctx, xType,
                                  "GridSample input must be a float tensor")))
    return failure();
  Value x = ctx.operand(0), grid = ctx.operand(1);
  if (!x || !grid)
    return failure();
  if (gridType.getElementType() != xType.getElementType())
    grid = ctx.castTo(grid, xType.getElementType());
  Builder &b = ctx.getBuilder();
  InterpolationMode mode =
      *parseGridSampleMode(ctx.getString("mode", "bilinear"));
  GridPadding padding =
      *symbolizeGridPadding(ctx.getString("padding_mode", "zeros"));
  return finish(ctx,
                ctx.create<GridSampleOp>(
                    x, grid, InterpolationModeAttr::get(b.getContext(), mode),
                    GridPaddingAttr::get(b.getContext(), padding),
                    b.getBoolAttr(ctx.getInt("align_corners", 0) != 0)));
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

LogicalResult validateRoiAlign(const NodeInfo &node) {
  std::string mode = node.getString("mode", "avg");
  if (mode != "avg" && mode != "max")
    return node.emitUnsupportedAttr("mode");
  std::string transform =
      node.getString("coordinate_transformation_mode", "half_pixel");
  if (transform != "half_pixel" && transform != "output_half_pixel")
    return node.emitUnsupportedAttr("coordinate_transformation_mode");
  return success();
}

LogicalResult importRoiAlign(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType || !ctx.operandType(1) || !ctx.operandType(2))
    return ctx.emitError() << "RoiAlign needs inputs 'X', 'rois' and "
                              "'batch_indices'";
  if (failed(requireFloatElements(ctx, xType,
                                  "RoiAlign input must be a float tensor")))
    return failure();
  Value x = ctx.operand(0), rois = ctx.operand(1), indices = ctx.operand(2);
  if (!x || !rois || !indices)
    return failure();
  if (typeOf(rois).getElementType() != xType.getElementType())
    rois = ctx.castTo(rois, xType.getElementType());
  // Before opset 16 RoiAlign had no coordinate_transformation_mode and
  // behaved as output_half_pixel.
  bool halfPixel =
      ctx.getOpset() >= 16 && ctx.getString("coordinate_transformation_mode",
                                            "half_pixel") == "half_pixel";
  Builder &b = ctx.getBuilder();
  RoiReduction mode = ctx.getString("mode", "avg") == "max" ? RoiReduction::max
                                                            : RoiReduction::avg;
  return finish(ctx, ctx.create<RoiAlignOp>(
                         x, rois, indices,
                         RoiReductionAttr::get(b.getContext(), mode),
                         b.getI64IntegerAttr(ctx.getInt("output_height", 1)),
                         b.getI64IntegerAttr(ctx.getInt("output_width", 1)),
                         b.getI64IntegerAttr(ctx.getInt("sampling_ratio", 0)),
                         b.getF64FloatAttr(ctx.getFloat("spatial_scale", 1.0f)),
                         b.getBoolAttr(halfPixel)));
}

//===----------------------------------------------------------------------===//
// MaxUnpool
//===----------------------------------------------------------------------===//

/// MaxUnpool writes X into zeros at the flat positions I (row-major over the
/// whole unpooled tensor, as MaxPool's Indices count them): a 1-D
/// kiln.scatter_elements of the flattened X into a flattened zero tensor.
LogicalResult importMaxUnpool(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  RankedTensorType iType = ctx.operandType(1);
  if (!xType || !iType)
    return ctx.emitError() << "MaxUnpool needs inputs 'X' and 'I'";
  if (xType.getRank() < 3 || !xType.hasStaticShape())
    return ctx.emitError() << "MaxUnpool needs a static input of rank >= 3, "
                              "got "
                           << formatShape(xType.getShape());
  if (iType.getShape() != xType.getShape())
    return ctx.emitError() << "MaxUnpool indices "
                           << formatShape(iType.getShape())
                           << " do not have the input's shape "
                           << formatShape(xType.getShape());
  int64_t rank = xType.getRank();
  size_t n = rank - 2;
  llvm::ArrayRef<int64_t> xShape = xType.getShape();
  // The indices address the unpooled shape implied by the window; an
  // explicit output_shape may only add zeros at the end of each dim (the
  // layout ONNX's test_maxunpool_export_with_output_shape expects).
  llvm::SmallVector<int64_t> kernel = ctx.getInts("kernel_shape");
  if (kernel.size() != n)
    return ctx.emitError() << "kernel_shape must have " << n << " values";
  llvm::SmallVector<int64_t> strides = ctx.getInts("strides");
  llvm::SmallVector<int64_t> pads = ctx.getInts("pads");
  if (strides.empty())
    strides.assign(n, 1);
  if (pads.empty())
    pads.assign(2 * n, 0);
  if (strides.size() != n || pads.size() != 2 * n)
    return ctx.emitError() << "strides and pads must have " << n << " and "
                           << 2 * n << " values";
  llvm::SmallVector<int64_t> outShape = {xShape[0], xShape[1]};
  for (size_t i = 0; i < n; ++i)
    outShape.push_back((xShape[i + 2] - 1) * strides[i] + kernel[i] -
                       pads[i] - pads[i + n]);
  llvm::SmallVector<int64_t> grow(2 * rank, 0);
  if (ctx.hasInput(2)) {
    FailureOr<llvm::SmallVector<int64_t>> shape =
        ctx.requireConstantInts(2, "output_shape");
    if (failed(shape))
      return failure();
    if (static_cast<int64_t>(shape->size()) != rank ||
        (*shape)[0] != xShape[0] || (*shape)[1] != xShape[1] ||
        llvm::any_of(llvm::seq<int64_t>(2, rank),
                     [&](int64_t d) { return (*shape)[d] < outShape[d]; }))
      return ctx.emitError() << "MaxUnpool output_shape "
                             << formatShape(*shape)
                             << " is smaller than the unpooled shape "
                             << formatShape(outShape)
                             << " or does not match input "
                             << formatShape(xShape);
    for (int64_t d = 0; d < rank; ++d)
      grow[rank + d] = (*shape)[d] - outShape[d];
  }
  std::optional<int64_t> total = numElements(outShape);
  if (!total || llvm::any_of(outShape, [](int64_t d) { return d < 1; }))
    return ctx.emitError() << "MaxUnpool output shape " << formatShape(outShape)
                           << " is invalid";
  int64_t count = *numElements(xShape);
  Value x = ctx.operand(0), indices = ctx.operand(1);
  if (!x || !indices)
    return failure();
  auto zerosType = RankedTensorType::get({*total}, xType.getElementType());
  Attribute zero = isa<FloatType>(xType.getElementType())
                       ? Attribute(FloatAttr::get(xType.getElementType(), 0.0))
                       : Attribute(IntegerAttr::get(xType.getElementType(), 0));
  Value zeros = ctx.constant(DenseElementsAttr::get(zerosType, zero));
  Value flatIndices = ctx.reshape(indices, {count});
  Value flatX = ctx.reshape(x, {count});
  Value y = ctx.create<ScatterElementsOp>(zeros, flatIndices, flatX,
                                          static_cast<uint64_t>(0),
                                          ScatterReduction::none);
  if (!y)
    return failure();
  y = ctx.reshape(y, outShape);
  if (llvm::any_of(grow, [](int64_t g) { return g != 0; }))
    y = ctx.create<PadOp>(y, grow, llvm::APFloat(0.0), PadMode::constant);
  return finish(ctx, y);
}

} // namespace

void onnx_importer::populateSpatialHandlers(OnnxOpRegistry &r) {
  r.onOp("Resize", 10, importResize, validateResize);
  r.onOp("GridSample", 16, importGridSample, validateGridSample);
  r.onOp("RoiAlign", 10, importRoiAlign, validateRoiAlign);
  r.onOp("MaxUnpool", 9, importMaxUnpool);
}
