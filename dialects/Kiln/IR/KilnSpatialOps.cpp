//===- KilnSpatialOps.cpp - resize/grid_sample type inference -------------===//
//
// Result types and verification of resize, grid_sample and roi_align
// (KilnSpatialOps.td). As in KilnOps.cpp, each op's inferReturnTypes is its
// verifier.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;

static RankedTensorType rankedOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc, Adaptor a,
                                         SmallVectorImpl<Type> &types) {
  RankedTensorType x = rankedOf(a.getInput());
  int64_t rank = x.getRank();
  ArrayRef<int64_t> sizes = a.getSizes();
  ArrayRef<double> scales = a.getScales(), roi = a.getRoi();
  if (rank < 1)
    return emitOptionalError(loc, "resize needs an input of rank >= 1");
  if (static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(scales.size()) != rank)
    return emitOptionalError(loc,
                             "resize needs one size and one scale per "
                             "dim of its rank-",
                             rank, " input; got ", sizes.size(), " and ",
                             scales.size());
  SmallVector<int64_t> shape(sizes);
  for (int64_t d = 0; d < rank; ++d) {
    // -1: a dynamic dim resized by an integer scale or its reciprocal.
    if (sizes[d] == -1 && x.isDynamicDim(d)) {
      double s = scales[d];
      if (!(s >= 1.0 ? s == std::floor(s)
                     : s > 0.0 && 1.0 / s == std::floor(1.0 / s)))
        return emitOptionalError(loc, "resize of dynamic dim ", d,
                                 " needs an integer scale or its reciprocal, "
                                 "got ",
                                 s);
      shape[d] = ShapedType::kDynamic;
      continue;
    }
    if (sizes[d] < 0)
      return emitOptionalError(loc, "resize sizes must be >= 0, got ", sizes[d],
                               " for dim ", d);
    if (!std::isfinite(scales[d]) || scales[d] <= 0.0)
      return emitOptionalError(loc,
                               "resize scales must be positive and "
                               "finite, got ",
                               scales[d], " for dim ", d);
  }
  bool crop =
      a.getCoordinateTransform() == CoordinateTransform::tf_crop_and_resize;
  if (crop ? static_cast<int64_t>(roi.size()) != 2 * rank : !roi.empty())
    return emitOptionalError(
        loc, "resize roi must have ", crop ? 2 * rank : 0,
        " values (begins, then ends, with tf_crop_and_resize only); got ",
        roi.size());
  if (a.getMode() != InterpolationMode::nearest &&
      !isa<FloatType>(x.getElementType()))
    return emitOptionalError(loc, "resize with ",
                             stringifyInterpolationMode(a.getMode()),
                             " interpolation needs a float element type, "
                             "not ",
                             x.getElementType());
  types.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult GridSampleOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor a,
                                             SmallVectorImpl<Type> &types) {
  RankedTensorType x = rankedOf(a.getInput());
  RankedTensorType grid = rankedOf(a.getGrid());
  if (x.getRank() != 4 || grid.getRank() != 4 || grid.getDimSize(3) != 2)
    return emitOptionalError(loc,
                             "grid_sample needs an [N, C, H, W] input "
                             "and an [N, Ho, Wo, 2] grid; got ",
                             formatShape(x.getShape()), " and ",
                             formatShape(grid.getShape()));
  int64_t n = x.getDimSize(0), gn = grid.getDimSize(0);
  if (n != gn && !ShapedType::isDynamic(n) && !ShapedType::isDynamic(gn))
    return emitOptionalError(loc, "grid_sample input batch ", n,
                             " differs from the grid's ", gn);
  if (x.getElementType() != grid.getElementType())
    return emitOptionalError(loc, "grid_sample input and grid element types "
                                  "differ");
  types.push_back(
      RankedTensorType::get({ShapedType::isDynamic(n) ? gn : n, x.getDimSize(1),
                             grid.getDimSize(1), grid.getDimSize(2)},
                            x.getElementType()));
  return success();
}

LogicalResult RoiAlignOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor a,
                                           SmallVectorImpl<Type> &types) {
  RankedTensorType x = rankedOf(a.getInput());
  RankedTensorType rois = rankedOf(a.getRois());
  RankedTensorType indices = rankedOf(a.getBatchIndices());
  if (x.getRank() != 4 || rois.getRank() != 2 || rois.getDimSize(1) != 4 ||
      indices.getRank() != 1)
    return emitOptionalError(loc,
                             "roi_align needs an [N, C, H, W] input, "
                             "[R, 4] rois and [R] batch indices; got ",
                             formatShape(x.getShape()), ", ",
                             formatShape(rois.getShape()), " and ",
                             formatShape(indices.getShape()));
  int64_t r = rois.getDimSize(0), ri = indices.getDimSize(0);
  if (r != ri && !ShapedType::isDynamic(r) && !ShapedType::isDynamic(ri))
    return emitOptionalError(loc, "roi_align has ", r, " rois but ", ri,
                             " batch indices");
  if (x.getElementType() != rois.getElementType())
    return emitOptionalError(loc, "roi_align input and rois element types "
                                  "differ");
  int64_t oh = a.getOutputHeight(), ow = a.getOutputWidth();
  // Bounded so that bin arithmetic and result sizes cannot overflow.
  constexpr int64_t kMaxSize = int64_t(1) << 30;
  if (oh < 1 || ow < 1 || oh > kMaxSize || ow > kMaxSize)
    return emitOptionalError(loc,
                             "roi_align output sizes must be in "
                             "[1, 2^30], got ",
                             oh, "x", ow);
  int64_t samplingRatio = a.getSamplingRatio();
  if (samplingRatio < 0 || samplingRatio > kMaxSize)
    return emitOptionalError(loc,
                             "roi_align sampling_ratio must be in "
                             "[0, 2^30], got ",
                             samplingRatio);
  double scale = a.getSpatialScale().convertToDouble();
  if (!std::isfinite(scale))
    return emitOptionalError(loc, "roi_align spatial_scale must be finite");
  types.push_back(RankedTensorType::get(
      {ShapedType::isDynamic(r) ? ri : r, x.getDimSize(1), oh, ow},
      x.getElementType()));
  return success();
}
