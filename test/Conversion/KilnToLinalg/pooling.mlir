// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// Max pooling pads with -inf so padding never wins.
// CHECK-LABEL: func.func @max_pool(
// CHECK-SAME: %[[X:.*]]: tensor<1x64x112x112xf32>)
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<1x64x56x56xf32>)
// The end pad only covers what the last window reads.
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK:   tensor.yield %[[NEGINF]] : f32
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[R:.*]] = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[WIN]] : tensor<1x64x113x113xf32>, tensor<3x3xf32>) outs(%[[INIT]] : tensor<1x64x56x56xf32>)
// CHECK: return %[[R]]
func.func @max_pool(%x: tensor<1x64x112x112xf32>) -> tensor<1x64x56x56xf32> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}

// -----

// ceil_mode: the end is padded so the last (partial) window fits.
// CHECK-LABEL: func.func @max_pool_ceil(
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: linalg.pooling_nchw_max {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x9x9xf32>, tensor<3x3xf32>) outs(%{{.*}} : tensor<1x2x4x4xf32>)
func.func @max_pool_ceil(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode = true} : tensor<1x2x8x8xf32> -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Integers pad with their smallest value; unsigned ones use a generic with
// maxui (linalg has no unsigned NCHW max pooling).
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 * 2 + d4, d3 * 2 + d5)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @max_pool_int(
// CHECK: %[[MIN:.*]] = arith.constant -128 : i8
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK:   tensor.yield %[[MIN]] : i8
// CHECK: linalg.pooling_nchw_max
// CHECK-LABEL: func.func @max_pool_uint(
// CHECK-SAME: %[[X:.*]]: tensor<1x1x4x4xi8>)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i8)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[X]], %{{.*}} : tensor<1x1x4x4xi8>, tensor<2x2xi8>) outs(%[[INIT]] : tensor<1x1x2x2xi8>)
// CHECK: arith.maxui
func.func @max_pool_int(%x: tensor<1x1x4x4xi8>) -> tensor<1x1x2x2xi8> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>} : tensor<1x1x4x4xi8> -> tensor<1x1x2x2xi8>
  return %r : tensor<1x1x2x2xi8>
}
func.func @max_pool_uint(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x2x2xui8> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xui8> -> tensor<1x1x2x2xui8>
  return %r : tensor<1x1x2x2xui8>
}

// -----

// Without padding every window has kernel-size taps: one scalar divisor.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @avg_pool(
// CHECK-SAME: %[[X:.*]]: tensor<1x3x6x6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK-NOT: tensor.pad
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %[[WIN]] : tensor<1x3x6x6xf32>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<1x3x3x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}} ins(%[[SUM]] : tensor<1x3x3x3xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[FOUR:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: arith.divf %[[S]], %[[FOUR]] : f32
func.func @avg_pool(%x: tensor<1x3x6x6xf32>) -> tensor<1x3x3x3xf32> {
  %r = kiln.avg_pool %x {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x6x6xf32> -> tensor<1x3x3x3xf32>
  return %r : tensor<1x3x3x3xf32>
}

// -----

// count_include_pad=0: the divisor counts the taps inside the input, per
// spatial dim (compile-time constants read along that dim).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[H:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @avg_pool_exclude_pad(
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[SUM:.*]] = linalg.pooling_nchw_sum
// CHECK-DAG: %[[CH:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[CW:.*]] = arith.constant dense<[2.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[H]], #[[W]], #[[ID]]], {{.*}} ins(%[[SUM]], %{{.*}}, %{{.*}} : tensor<1x2x4x4xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[S:.*]]: f32, %[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[D1:.*]] = arith.mulf %[[ONE]], %[[A]] : f32
// CHECK: %[[D2:.*]] = arith.mulf %[[D1]], %[[B]] : f32
// CHECK: arith.divf %[[S]], %[[D2]] : f32
func.func @avg_pool_exclude_pad(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32> {
  %r = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = false} : tensor<1x2x7x7xf32> -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// count_include_pad=1 with ceil_mode: explicit pads count, the ceil-mode
// overhang does not: taps per dim 3, 3, 3, 3 and 2 for the last window.
// CHECK-LABEL: func.func @avg_pool_ceil_include_pad(
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 2]
// CHECK: arith.constant dense<[3.000000e+00, 3.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<5xf32>
func.func @avg_pool_ceil_include_pad(%x: tensor<1x2x8x8xf32>) -> tensor<1x2x5x5xf32> {
  %r = kiln.avg_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, ceil_mode = true, count_include_pad = true} : tensor<1x2x8x8xf32> -> tensor<1x2x5x5xf32>
  return %r : tensor<1x2x5x5xf32>
}

// -----

// 1-D uses the NCW named ops; 3-D a generic with the same maps.
// CHECK-DAG: #[[IN3:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 + d6, d4 * 2 + d7)>
// CHECK-LABEL: func.func @pool_1d(
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 0]
// CHECK: linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<2x3x11xf32>, tensor<3xf32>) outs(%{{.*}} : tensor<2x3x5xf32>)
// CHECK-LABEL: func.func @pool_3d(
// CHECK: linalg.generic {indexing_maps = [#[[IN3]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.addf
func.func @pool_1d(%x: tensor<2x3x10xf32>) -> tensor<2x3x5xf32> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 1, 0>, ceil_mode = true} : tensor<2x3x10xf32> -> tensor<2x3x5xf32>
  return %r : tensor<2x3x5xf32>
}
func.func @pool_3d(%x: tensor<1x2x5x5x4xf32>) -> tensor<1x2x2x3x2xf32> {
  %r = kiln.avg_pool %x {kernel_shape = array<i64: 2, 3, 2>, strides = array<i64: 2, 1, 2>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0>} : tensor<1x2x5x5x4xf32> -> tensor<1x2x2x3x2xf32>
  return %r : tensor<1x2x2x3x2xf32>
}
