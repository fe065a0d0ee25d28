// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// Nearest, asymmetric, round_prefer_ceil: one generic over the result; the
// resized dims read compile-time index tables, N and C their own index.
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @resize_nearest(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x3x4xf32>)
// CHECK-DAG: %[[TH:.*]] = arith.constant dense<[0, 1, 1, 2, 2, 2]> : tensor<6xi64>
// CHECK-DAG: %[[TW:.*]] = arith.constant dense<[0, 0, 1, 1, 2, 2, 2, 3, 3, 3]> : tensor<10xi64>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x6x10xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[H]], #[[W]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[TH]], %[[TW]] : tensor<6xi64>, tensor<10xi64>) outs(%[[E]] : tensor<1x2x6x10xf32>)
// CHECK: ^bb0(%[[IH:.*]]: i64, %[[IW:.*]]: i64, %{{.*}}: f32):
// CHECK-DAG: %[[N:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[C:.*]] = linalg.index 1 : index
// CHECK-DAG: %[[H2:.*]] = arith.index_cast %[[IH]] : i64 to index
// CHECK-DAG: %[[W2:.*]] = arith.index_cast %[[IW]] : i64 to index
// CHECK: %[[V:.*]] = tensor.extract %[[X]][%[[N]], %[[C]], %[[H2]], %[[W2]]] : tensor<1x2x3x4xf32>
// CHECK: linalg.yield %[[V]] : f32
// CHECK: return %[[R]]
func.func @resize_nearest(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x6x10xf32> {
  %r = kiln.resize %x {sizes = array<i64: 1, 2, 6, 10>, scales = array<f64: 1.0, 1.0, 2.0, 2.5>, roi = array<f64>, mode = 0 : i32, coordinate_transform = 3 : i32, nearest_mode = 1 : i32} : tensor<1x2x3x4xf32> -> tensor<1x2x6x10xf32>
  return %r : tensor<1x2x6x10xf32>
}

// -----

// Linear, align_corners, f16: separable, W first then H (the reference's
// order), two taps each, computed in f32.
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @resize_linear(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x4x4xf16>)
// CHECK-DAG: %[[I0:.*]] = arith.constant dense<[0, 0, 0, 1, 1, 2, 2, 2]> : tensor<8xi64>
// CHECK-DAG: %[[W0:.*]] = arith.constant dense<[0.000000e+00, 0.571428597, 0.142857149, 0.714285731, 0.285714298, 0.857142865, 0.428571433, 0.000000e+00]> : tensor<8xf32>
// CHECK-DAG: %[[I1:.*]] = arith.constant dense<[0, 1, 1, 2, 2, 3, 3, 3]> : tensor<8xi64>
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<[1.000000e+00, 0.428571433, 0.857142865, 0.285714298, 0.714285731, 0.142857149, 0.571428597, 1.000000e+00]> : tensor<8xf32>
// CHECK: %[[ROWS:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[W]], #[[W]], #[[W]], #{{.*}}]{{.*}} ins(%[[I0]], %[[W0]], %[[I1]], %[[W1]] : {{.*}}) outs(%{{.*}} : tensor<1x1x4x8xf16>)
// CHECK: ^bb0(%[[A:.*]]: i64, %[[WA:.*]]: f32, %[[B:.*]]: i64, %[[WB:.*]]: f32, %{{.*}}: f16):
// CHECK: %[[AI:.*]] = arith.index_cast %[[A]] : i64 to index
// CHECK: %[[VA:.*]] = tensor.extract %[[X]][%{{.*}}, %{{.*}}, %{{.*}}, %[[AI]]] : tensor<1x1x4x4xf16>
// CHECK: %[[FA:.*]] = arith.extf %[[VA]] : f16 to f32
// CHECK: %[[TA:.*]] = arith.mulf %[[WA]], %[[FA]] : f32
// CHECK: %[[BI:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK: %[[VB:.*]] = tensor.extract %[[X]][%{{.*}}, %{{.*}}, %{{.*}}, %[[BI]]] : tensor<1x1x4x4xf16>
// CHECK: %[[FB:.*]] = arith.extf %[[VB]] : f16 to f32
// CHECK: %[[TB:.*]] = arith.mulf %[[WB]], %[[FB]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[TA]], %[[TB]] : f32
// CHECK: %[[T:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK: linalg.yield %[[T]] : f16
// CHECK-DAG: arith.constant dense<[0, 1, 2]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<[0.000000e+00, 5.000000e-01, 0.000000e+00]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<[0, 2, 3]> : tensor<3xi64>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[H]], #[[H]], #[[H]], #[[H]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<1x1x3x8xf16>)
// CHECK: tensor.extract %[[ROWS]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x1x4x8xf16>
// CHECK: tensor.extract %[[ROWS]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x1x4x8xf16>
// CHECK: return %[[R]]
func.func @resize_linear(%x: tensor<1x1x4x4xf16>) -> tensor<1x1x3x8xf16> {
  %r = kiln.resize %x {sizes = array<i64: 1, 1, 3, 8>, scales = array<f64: 1.0, 1.0, 0.75, 2.0>, roi = array<f64>, mode = 1 : i32, coordinate_transform = 2 : i32} : tensor<1x1x4x4xf16> -> tensor<1x1x3x8xf16>
  return %r : tensor<1x1x3x8xf16>
}

// -----

// Cubic tf_crop_and_resize with exclude_outside: four taps per dim, and a
// flag table selecting extrapolation_value where the box leaves the input
// (only W: the H samples all lie inside).
// CHECK-LABEL: func.func @resize_cubic_crop(
// CHECK-DAG: %[[OUT:.*]] = arith.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK: linalg.generic
// CHECK-SAME: tensor<3xf32>, tensor<3xi1>) outs(%{{.*}} : tensor<1x1x4x3xf32>)
// CHECK-COUNT-4: tensor.extract
// CHECK: %[[EV:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: arith.select %{{.*}}, %[[EV]], %{{.*}} : f32
// CHECK: linalg.generic
// CHECK-SAME: tensor<3xf32>) outs(%{{.*}} : tensor<1x1x3x3xf32>)
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: arith.select
// CHECK: linalg.yield
func.func @resize_cubic_crop(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32> {
  %r = kiln.resize %x {sizes = array<i64: 1, 1, 3, 3>, scales = array<f64: 1.0, 1.0, 0.75, 0.75>, roi = array<f64: 0.0, 0.0, 0.2, 0.4, 1.0, 1.0, 0.8, 1.2>, mode = 2 : i32, coordinate_transform = 5 : i32, cubic_coeff_a = -0.5 : f64, exclude_outside = true, extrapolation_value = 2.5 : f64} : tensor<1x1x4x4xf32> -> tensor<1x1x3x3xf32>
  return %r : tensor<1x1x3x3xf32>
}

// -----

// A resize that maps every dim onto itself is the identity.
// CHECK-LABEL: func.func @resize_identity(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[X]]
func.func @resize_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = kiln.resize %x {sizes = array<i64: 2, 3>, scales = array<f64: 1.0, 1.0>, roi = array<f64>, mode = 1 : i32, coordinate_transform = 0 : i32} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// Bilinear grid_sample with zeros padding: the grid's x and y planes feed
// the generic; four taps read the input at clamped indices, masked to zero
// outside it.
// CHECK-DAG: #[[G:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-LABEL: func.func @grid_sample(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x4x5xf32>, %[[GRID:.*]]: tensor<1x3x6x2xf32>)
// CHECK: %[[GX:.*]] = tensor.extract_slice %[[GRID]][0, 0, 0, 0] [1, 3, 6, 1] [1, 1, 1, 1] : tensor<1x3x6x2xf32> to tensor<1x3x6xf32>
// CHECK: %[[GY:.*]] = tensor.extract_slice %[[GRID]][0, 0, 0, 1] [1, 3, 6, 1] [1, 1, 1, 1] : tensor<1x3x6x2xf32> to tensor<1x3x6xf32>
// CHECK: linalg.generic {indexing_maps = [#[[G]], #[[G]], #{{.*}}]{{.*}} ins(%[[GX]], %[[GY]] : tensor<1x3x6xf32>, tensor<1x3x6xf32>) outs(%{{.*}} : tensor<1x2x3x6xf32>)
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %[[X]]
// CHECK: linalg.yield
func.func @grid_sample(%x: tensor<1x2x4x5xf32>, %g: tensor<1x3x6x2xf32>) -> tensor<1x2x3x6xf32> {
  %r = kiln.grid_sample %x, %g {mode = 1 : i32, padding_mode = 0 : i32, align_corners = false} : (tensor<1x2x4x5xf32>, tensor<1x3x6x2xf32>) -> tensor<1x2x3x6xf32>
  return %r : tensor<1x2x3x6xf32>
}

// -----

// Bicubic with reflection: 4x4 taps; reflection padding keeps every index
// inside, so no zero masking.
// CHECK-LABEL: func.func @grid_sample_bicubic(
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @grid_sample_bicubic(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %r = kiln.grid_sample %x, %g {mode = 2 : i32, padding_mode = 2 : i32, align_corners = true} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %r : tensor<1x1x2x2xf32>
}

// -----

// roi_align: a generic over [R, C, Ho, Wo] looping over the bin's sampling
// grid (2x2 here) with four bilinear taps per sample, averaged.
// CHECK-LABEL: func.func @roi_align(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x10x10xf32>, %[[ROIS:.*]]: tensor<3x4xf32>, %[[IDX:.*]]: tensor<3xi64>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x2x5x5xf32>)
// CHECK-COUNT-4: tensor.extract %[[ROIS]]
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: tensor.extract %[[IDX]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C2]] step %{{.*}} iter_args
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-COUNT-4: tensor.extract %[[X]]
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK: arith.divf
// CHECK: linalg.yield
func.func @roi_align(%x: tensor<1x2x10x10xf32>, %rois: tensor<3x4xf32>, %i: tensor<3xi64>) -> tensor<3x2x5x5xf32> {
  %r = kiln.roi_align %x, %rois, %i {mode = 0 : i32, output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64, spatial_scale = 1.0 : f64, half_pixel = true} : (tensor<1x2x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x5x5xf32>
  return %r : tensor<3x2x5x5xf32>
}

// -----

// Adaptive sampling (sampling_ratio = 0): the grid size comes from the box.
// CHECK-LABEL: func.func @roi_align_adaptive(
// CHECK: math.ceil
// CHECK: math.ceil
// CHECK: scf.for
// CHECK: arith.maximumf
func.func @roi_align_adaptive(%x: tensor<1x2x10x10xf32>, %rois: tensor<3x4xf32>, %i: tensor<3xi32>) -> tensor<3x2x2x2xf32> {
  %r = kiln.roi_align %x, %rois, %i {mode = 1 : i32, output_height = 2 : i64, output_width = 2 : i64, sampling_ratio = 0 : i64, spatial_scale = 0.5 : f64, half_pixel = false} : (tensor<1x2x10x10xf32>, tensor<3x4xf32>, tensor<3xi32>) -> tensor<3x2x2x2xf32>
  return %r : tensor<3x2x2x2xf32>
}
