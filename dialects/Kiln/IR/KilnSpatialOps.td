//===- KilnSpatialOps.td - kiln resampling ops -------------*- tablegen -*-===//
//
// Ops that resample a tensor at computed coordinates (ONNX Resize,
// GridSample, RoiAlign). Included at the end of KilnOps.td; inference and
// verification in KilnSpatialOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SPATIAL_OPS_TD
#define KILN_SPATIAL_OPS_TD

def Kiln_InterpolationModeAttr : I32EnumAttr<"InterpolationMode",
    "how a resampling op interpolates between input elements", [
    I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"cubic", 2>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_CoordinateTransformAttr : I32EnumAttr<"CoordinateTransform",
    "how a resized coordinate maps back to an input coordinate", [
    I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"pytorch_half_pixel", 1>,
    I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"asymmetric", 3>,
    I32EnumAttrCase<"tf_half_pixel_for_nn", 4>,
    I32EnumAttrCase<"tf_crop_and_resize", 5>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_NearestRoundingAttr : I32EnumAttr<"NearestRounding",
    "how nearest-neighbour resampling rounds an input coordinate", [
    I32EnumAttrCase<"round_prefer_floor", 0>,
    I32EnumAttrCase<"round_prefer_ceil", 1>, I32EnumAttrCase<"floor", 2>,
    I32EnumAttrCase<"ceil", 3>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_GridPaddingAttr : I32EnumAttr<"GridPadding",
    "what grid sampling reads outside the input", [
    I32EnumAttrCase<"zeros", 0>, I32EnumAttrCase<"border", 1>,
    I32EnumAttrCase<"reflection", 2>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_ResizeOp : Kiln_Op<"resize", [Pure, InferTypeOpAdaptor]> {
  let summary = "resizes every dim by interpolation (ONNX Resize)";
  let description = [{
    The result has shape `sizes`. Result coordinate x of dim d maps to the
    input coordinate given by `coordinate_transform` with the scale
    `scales[d]` (and, for tf_crop_and_resize, the region `roi`: the begins of
    every dim, then the ends, in normalized coordinates); `mode` then picks
    the nearest element (rounded by `nearest_mode`) or interpolates linearly
    or cubically (Keys' kernel with `cubic_coeff_a`) between neighbours, dim
    by dim. Neighbours outside the input repeat the edge, or are dropped and
    the weights renormalized with `exclude_outside`. With tf_crop_and_resize,
    coordinates outside the input give `extrapolation_value`. Linear and
    cubic modes need a float element type.
    ```mlir
    %r = kiln.resize %x {sizes = array<i64: 1, 3, 8, 8>,
           scales = array<f64: 1.0, 1.0, 2.0, 2.0>, roi = array<f64>,
           mode = 1 : i32, coordinate_transform = 0 : i32}
         : tensor<1x3x4x4xf32> -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$sizes,
                       DenseF64ArrayAttr:$scales, DenseF64ArrayAttr:$roi,
                       Kiln_InterpolationModeAttr:$mode,
                       Kiln_CoordinateTransformAttr:$coordinate_transform,
                       DefaultValuedAttr<Kiln_NearestRoundingAttr,
                           "::mlir::kiln::NearestRounding::round_prefer_floor">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Kiln_GridSampleOp : Kiln_Op<"grid_sample", [Pure, InferTypeOpAdaptor]> {
  let summary = "samples an NCHW input at grid locations (ONNX GridSample)";
  let description = [{
    `input` is [N, C, H, W] and `grid` [N, Ho, Wo, 2] holds (x, y) pairs in
    [-1, 1] (the input's corner pixel centers with `align_corners`, its
    corner edges otherwise); the result is [N, C, Ho, Wo]. `mode` is
    nearest (ties to even), linear (bilinear) or cubic (bicubic, A = -0.75);
    `padding_mode` says what is read outside the input.
    ```mlir
    %r = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32,
           align_corners = false}
         : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$grid,
                       Kiln_InterpolationModeAttr:$mode,
                       Kiln_GridPaddingAttr:$padding_mode,
                       BoolAttr:$align_corners);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $grid attr-dict `:` `(` type($input) `,` type($grid) `)` `->` type($result)
  }];
}

def Kiln_RoiReductionAttr : I32EnumAttr<"RoiReduction",
    "how roi_align combines the samples of one output bin", [
    I32EnumAttrCase<"avg", 0>, I32EnumAttrCase<"max", 1>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_RoiAlignOp : Kiln_Op<"roi_align", [Pure, InferTypeOpAdaptor]> {
  let summary = "bilinear pooling of regions of interest (ONNX RoiAlign)";
  let description = [{
    `input` is [N, C, H, W], `rois` [R, 4] holds (x1, y1, x2, y2) boxes in
    input coordinates before `spatial_scale`, and `batch_indices` [R] the
    image of each box; the result is [R, C, output_height, output_width].
    Each output bin averages (or takes the maximum of) a grid of bilinear
    samples: `sampling_ratio` per bin side, or ceil(box side / bins) when it
    is 0. With `half_pixel`, box coordinates are shifted by -0.5 (ONNX's
    half_pixel mode); without it, boxes are at least 1x1 (output_half_pixel).
    ```mlir
    %r = kiln.roi_align %x, %rois, %idx {mode = 0 : i32, output_height = 5 : i64,
           output_width = 5 : i64, sampling_ratio = 2 : i64,
           spatial_scale = 1.0 : f64, half_pixel = true}
         : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$rois,
                       Kiln_IndexTensor:$batch_indices,
                       Kiln_RoiReductionAttr:$mode, I64Attr:$output_height,
                       I64Attr:$output_width, I64Attr:$sampling_ratio,
                       F64Attr:$spatial_scale, BoolAttr:$half_pixel);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $rois `,` $batch_indices attr-dict `:` `(` type($input) `,` type($rois) `,`
    type($batch_indices) `)` `->` type($result)
  }];
}

#endif // KILN_SPATIAL_OPS_TD
