// Every verifier rule of the resampling ops (KilnSpatialOps.cpp).
// RUN: model-opt %s -split-input-file -verify-diagnostics

func.func @resize_scalar(%x: tensor<f32>) {
  // expected-error@+2 {{resize needs an input of rank >= 1}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64>, scales = array<f64>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<f32> -> tensor<f32>
  return
}
// -----
func.func @resize_sizes(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{resize needs one size and one scale per dim of its rank-2 input; got 1 and 2}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 4>, scales = array<f64: 2.0, 1.0>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<4xf32>
  return
}
// -----
func.func @resize_negative_size(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{resize sizes must be >= 0, got -1 for dim 1}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 2, -1>, scales = array<f64: 1.0, 1.0>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @resize_scale(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{resize scales must be positive and finite, got 0.000000e+00 for dim 0}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 2, 3>, scales = array<f64: 0.0, 1.0>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @resize_roi_without_crop(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{resize roi must have 0 values (begins, then ends, with tf_crop_and_resize only); got 4}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 2, 3>, scales = array<f64: 1.0, 1.0>, roi = array<f64: 0.0, 0.0, 1.0, 1.0>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @resize_crop_without_roi(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{resize roi must have 4 values (begins, then ends, with tf_crop_and_resize only); got 0}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 2, 3>, scales = array<f64: 1.0, 1.0>, roi = array<f64>, mode = 1 : i32, coordinate_transform = 5 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @resize_linear_int(%x: tensor<2x3xi32>) {
  // expected-error@+2 {{resize with linear interpolation needs a float element type, not 'i32'}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 4, 6>, scales = array<f64: 2.0, 2.0>, roi = array<f64>, mode = 1 : i32, coordinate_transform = 0 : i32} : tensor<2x3xi32> -> tensor<4x6xi32>
  return
}
// -----
func.func @resize_result_type(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{'kiln.resize' op inferred type(s) 'tensor<4x6xf32>' are incompatible with return type(s) of operation 'tensor<4x5xf32>'}}
  // expected-error@+1 {{'kiln.resize' op failed to infer returned types}}
  %0 = kiln.resize %x {sizes = array<i64: 4, 6>, scales = array<f64: 2.0, 2.0>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<4x5xf32>
  return
}
// -----
func.func @grid_sample_rank(%x: tensor<1x2x3xf32>, %g: tensor<1x4x5x2xf32>) {
  // expected-error@+2 {{grid_sample needs an [N, C, H, W] input and an [N, Ho, Wo, 2] grid; got 1x2x3 and 1x4x5x2}}
  // expected-error@+1 {{'kiln.grid_sample' op failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32, align_corners = false} : (tensor<1x2x3xf32>, tensor<1x4x5x2xf32>) -> tensor<1x2x4x5xf32>
  return
}
// -----
func.func @grid_sample_pairs(%x: tensor<1x2x3x3xf32>, %g: tensor<1x4x5x3xf32>) {
  // expected-error@+2 {{grid_sample needs an [N, C, H, W] input and an [N, Ho, Wo, 2] grid; got 1x2x3x3 and 1x4x5x3}}
  // expected-error@+1 {{'kiln.grid_sample' op failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32, align_corners = false} : (tensor<1x2x3x3xf32>, tensor<1x4x5x3xf32>) -> tensor<1x2x4x5xf32>
  return
}
// -----
func.func @grid_sample_batch(%x: tensor<2x2x3x3xf32>, %g: tensor<1x4x5x2xf32>) {
  // expected-error@+2 {{grid_sample input batch 2 differs from the grid's 1}}
  // expected-error@+1 {{'kiln.grid_sample' op failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32, align_corners = false} : (tensor<2x2x3x3xf32>, tensor<1x4x5x2xf32>) -> tensor<2x2x4x5xf32>
  return
}
// -----
func.func @grid_sample_types(%x: tensor<1x2x3x3xf32>, %g: tensor<1x4x5x2xf16>) {
  // expected-error@+2 {{grid_sample input and grid element types differ}}
  // expected-error@+1 {{'kiln.grid_sample' op failed to infer returned types}}
  %0 = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32, align_corners = false} : (tensor<1x2x3x3xf32>, tensor<1x4x5x2xf16>) -> tensor<1x2x4x5xf32>
  return
}
// -----
func.func @roi_align_shapes(%x: tensor<1x2x8x8xf32>, %r: tensor<3x5xf32>, %i: tensor<3xi64>) {
  // expected-error@+2 {{roi_align needs an [N, C, H, W] input, [R, 4] rois and [R] batch indices; got 1x2x8x8, 3x5 and 3}}
  // expected-error@+1 {{'kiln.roi_align' op failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {mode = 0 : i32, output_height = 2 : i64, output_width = 2 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x8x8xf32>, tensor<3x5xf32>, tensor<3xi64>) -> tensor<3x2x2x2xf32>
  return
}
// -----
func.func @roi_align_count(%x: tensor<1x2x8x8xf32>, %r: tensor<3x4xf32>, %i: tensor<2xi64>) {
  // expected-error@+2 {{roi_align has 3 rois but 2 batch indices}}
  // expected-error@+1 {{'kiln.roi_align' op failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {mode = 0 : i32, output_height = 2 : i64, output_width = 2 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x8x8xf32>, tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x2x2x2xf32>
  return
}
// -----
func.func @roi_align_types(%x: tensor<1x2x8x8xf32>, %r: tensor<3x4xf16>, %i: tensor<3xi64>) {
  // expected-error@+2 {{roi_align input and rois element types differ}}
  // expected-error@+1 {{'kiln.roi_align' op failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {mode = 0 : i32, output_height = 2 : i64, output_width = 2 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x8x8xf32>, tensor<3x4xf16>, tensor<3xi64>) -> tensor<3x2x2x2xf32>
  return
}
// -----
func.func @roi_align_output(%x: tensor<1x2x8x8xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+2 {{roi_align output sizes must be in [1, 2^30], got 0x2}}
  // expected-error@+1 {{'kiln.roi_align' op failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {mode = 0 : i32, output_height = 0 : i64, output_width = 2 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x8x8xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x0x2xf32>
  return
}
// -----
func.func @roi_align_sampling(%x: tensor<1x2x8x8xf32>, %r: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+2 {{roi_align sampling_ratio must be in [0, 2^30], got -1}}
  // expected-error@+1 {{'kiln.roi_align' op failed to infer returned types}}
  %0 = kiln.roi_align %x, %r, %i {mode = 0 : i32, output_height = 2 : i64, output_width = 2 : i64, sampling_ratio = -1 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x8x8xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x2x2xf32>
  return
}
