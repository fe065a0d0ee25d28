// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @matmul_2d(
// CHECK-SAME: %[[A:.*]]: tensor<5x7xf32>, %[[B:.*]]: tensor<7x3xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<5x3xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<5x3xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<5x7xf32>, tensor<7x3xf32>) outs(%[[INIT]] : tensor<5x3xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%a: tensor<5x7xf32>, %b: tensor<7x3xf32>) -> tensor<5x3xf32> {
  %r = kiln.matmul %a, %b : (tensor<5x7xf32>, tensor<7x3xf32>) -> tensor<5x3xf32>
  return %r : tensor<5x3xf32>
}

// -----

// The transformer case: a 2-D rhs folds the lhs batch into M.
// CHECK-LABEL: func.func @matmul_broadcast_rhs(
// CHECK-SAME: %[[A:.*]]: tensor<4x128x64xf32>, %[[B:.*]]: tensor<64x32xf32>)
// CHECK: %[[LHS:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<4x128x64xf32> into tensor<512x64xf32>
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[LHS]], %[[B]] : tensor<512x64xf32>, tensor<64x32xf32>) outs(%[[INIT]] : tensor<512x32xf32>)
// CHECK: %[[R:.*]] = tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [4, 128, 32] : tensor<512x32xf32> into tensor<4x128x32xf32>
// CHECK: return %[[R]]
func.func @matmul_broadcast_rhs(%a: tensor<4x128x64xf32>, %b: tensor<64x32xf32>) -> tensor<4x128x32xf32> {
  %r = kiln.matmul %a, %b : (tensor<4x128x64xf32>, tensor<64x32xf32>) -> tensor<4x128x32xf32>
  return %r : tensor<4x128x32xf32>
}

// -----

// Equal batch dims collapse into one batch_matmul batch.
// CHECK-LABEL: func.func @matmul_equal_batch(
// CHECK-SAME: %[[A:.*]]: tensor<2x3x4x6xf32>, %[[B:.*]]: tensor<2x3x6x5xf32>)
// CHECK-DAG: %[[LHS:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x4x6xf32> into tensor<6x4x6xf32>
// CHECK-DAG: %[[RHS:.*]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x6x5xf32> into tensor<6x6x5xf32>
// CHECK: %[[MM:.*]] = linalg.batch_matmul ins(%[[LHS]], %[[RHS]] : tensor<6x4x6xf32>, tensor<6x6x5xf32>) outs(%{{.*}} : tensor<6x4x5xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2], [3]] output_shape [2, 3, 4, 5]
func.func @matmul_equal_batch(%a: tensor<2x3x4x6xf32>, %b: tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32> {
  %r = kiln.matmul %a, %b : (tensor<2x3x4x6xf32>, tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32>
  return %r : tensor<2x3x4x5xf32>
}

// -----

// Broadcast batches are materialized with linalg.broadcast (size-1 dims
// collapsed away first).
// CHECK-LABEL: func.func @matmul_broadcast_both(
// CHECK-SAME: %[[A:.*]]: tensor<2x1x4x6xf32>, %[[B:.*]]: tensor<3x6x5xi32>
// CHECK: %[[A3:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0], [1, 2], [3]] : tensor<2x1x4x6xf32> into tensor<2x4x6xf32>
// CHECK: %[[AE:.*]] = tensor.empty() : tensor<2x3x4x6xf32>
// CHECK: %[[AB:.*]] = linalg.broadcast ins(%[[A3]] : tensor<2x4x6xf32>) outs(%[[AE]] : tensor<2x3x4x6xf32>) dimensions = [1]
// CHECK: %[[LHS:.*]] = tensor.collapse_shape %[[AB]] {{\[}}[0, 1], [2], [3]] : tensor<2x3x4x6xf32> into tensor<6x4x6xf32>
// CHECK: %[[BE:.*]] = tensor.empty() : tensor<2x3x6x5xf32>
// CHECK: %[[BB:.*]] = linalg.broadcast ins(%{{.*}} : tensor<3x6x5xf32>) outs(%[[BE]] : tensor<2x3x6x5xf32>) dimensions = [0]
// CHECK: %[[RHS:.*]] = tensor.collapse_shape %[[BB]]
// CHECK: linalg.batch_matmul ins(%[[LHS]], %[[RHS]] : tensor<6x4x6xf32>, tensor<6x6x5xf32>)
// Integer matmuls accumulate in the element type.
// CHECK: %[[IZERO:.*]] = arith.constant 0 : i32
// CHECK: linalg.fill ins(%[[IZERO]] : i32)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<3x4x6xi32>, tensor<3x6x5xi32>) outs(%{{.*}} : tensor<3x4x5xi32>)
func.func @matmul_broadcast_both(%a: tensor<2x1x4x6xf32>, %b: tensor<3x6x5xf32>, %c: tensor<4x6xi32>, %d: tensor<3x6x5xi32>) -> (tensor<2x3x4x5xf32>, tensor<3x4x5xi32>) {
  %r = kiln.matmul %a, %b : (tensor<2x1x4x6xf32>, tensor<3x6x5xf32>) -> tensor<2x3x4x5xf32>
  %s = kiln.matmul %c, %d : (tensor<4x6xi32>, tensor<3x6x5xi32>) -> tensor<3x4x5xi32>
  return %r, %s : tensor<2x3x4x5xf32>, tensor<3x4x5xi32>
}

// -----

// Padded, strided conv with the bias broadcast into the init.
// CHECK-LABEL: func.func @conv2d_bias(
// CHECK-SAME: %[[X:.*]]: tensor<1x3x224x224xf32>, %[[W:.*]]: tensor<64x3x7x7xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 3, 3] high[0, 0, 3, 3]
// CHECK:   tensor.yield %[[ZERO]] : f32
// CHECK: } : tensor<1x3x224x224xf32> to tensor<1x3x230x230xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x64x112x112xf32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<64xf32>) outs(%[[E]] : tensor<1x64x112x112xf32>) dimensions = [0, 2, 3]
// CHECK: %[[R:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[W]] : tensor<1x3x230x230xf32>, tensor<64x3x7x7xf32>) outs(%[[INIT]] : tensor<1x64x112x112xf32>)
// CHECK: return %[[R]]
func.func @conv2d_bias(%x: tensor<1x3x224x224xf32>, %w: tensor<64x3x7x7xf32>, %b: tensor<64xf32>) -> tensor<1x64x112x112xf32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 3, 3, 3, 3>, group = 1 : i64} : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
  return %r : tensor<1x64x112x112xf32>
}

// -----

// No pads: no tensor.pad; no bias: a zero-filled init. Asymmetric strides
// and dilations keep their order.
// CHECK-LABEL: func.func @conv2d_nopad(
// CHECK-SAME: %[[X:.*]]: tensor<2x2x8x7xf32>, %[[W:.*]]: tensor<3x2x3x2xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[X]], %[[W]] : tensor<2x2x8x7xf32>, tensor<3x2x3x2xf32>) outs(%[[INIT]] : tensor<2x3x4x3xf32>)
func.func @conv2d_nopad(%x: tensor<2x2x8x7xf32>, %w: tensor<3x2x3x2xf32>) -> tensor<2x3x4x3xf32> {
  %r = kiln.conv %x, %w {strides = array<i64: 1, 2>, dilations = array<i64: 2, 1>, pads = array<i64: 0, 0, 0, 0>, group = 1 : i64} : (tensor<2x2x8x7xf32>, tensor<3x2x3x2xf32>) -> tensor<2x3x4x3xf32>
  return %r : tensor<2x3x4x3xf32>
}

// -----

// CHECK-LABEL: func.func @conv2d_depthwise(
// CHECK-SAME: %[[X:.*]]: tensor<1x32x112x112xf32>, %[[W:.*]]: tensor<32x1x3x3xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<32xf32>)
// CHECK: %[[WC:.*]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1, 2], [3]] : tensor<32x1x3x3xf32> into tensor<32x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[WC]] : tensor<1x32x114x114xf32>, tensor<32x3x3xf32>) outs(%[[INIT]] : tensor<1x32x56x56xf32>)
func.func @conv2d_depthwise(%x: tensor<1x32x112x112xf32>, %w: tensor<32x1x3x3xf32>, %b: tensor<32xf32>) -> tensor<1x32x56x56xf32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 32 : i64} : (tensor<1x32x112x112xf32>, tensor<32x1x3x3xf32>, tensor<32xf32>) -> tensor<1x32x56x56xf32>
  return %r : tensor<1x32x56x56xf32>
}

// -----

// Other groups: channels split into [G, C/G] for conv_2d_ngchw_gfchw.
// CHECK-LABEL: func.func @conv2d_grouped(
// CHECK-SAME: %[[X:.*]]: tensor<1x4x6x6xf32>, %[[W:.*]]: tensor<6x2x3x3xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 2, 6, 6] : tensor<1x4x6x6xf32> into tensor<1x2x2x6x6xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: %[[IG:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4]] output_shape [1, 2, 3, 4, 4] : tensor<1x6x4x4xf32> into tensor<1x2x3x4x4xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[XG]], %[[WG]] : tensor<1x2x2x6x6xf32>, tensor<2x3x2x3x3xf32>) outs(%[[IG]] : tensor<1x2x3x4x4xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4]] : tensor<1x2x3x4x4xf32> into tensor<1x6x4x4xf32>
// CHECK: return %[[R]]
func.func @conv2d_grouped(%x: tensor<1x4x6x6xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32> {
  %r = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x4x6x6xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x4x4xf32>
  return %r : tensor<1x6x4x4xf32>
}

// -----

// 1-D convs run as 2-D with H = 1.
// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME: %[[X:.*]]: tensor<2x4x11xf32>, %[[W:.*]]: tensor<8x4x3xf32>)
// CHECK: %[[X4:.*]] = tensor.expand_shape %[[X]] {{\[}}[0], [1], [2, 3]] output_shape [2, 4, 1, 11] : tensor<2x4x11xf32> into tensor<2x4x1x11xf32>
// CHECK: %[[W4:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1], [2, 3]] output_shape [8, 4, 1, 3] : tensor<8x4x3xf32> into tensor<8x4x1x3xf32>
// CHECK: %[[PAD:.*]] = tensor.pad %[[X4]] low[0, 0, 0, 1] high[0, 0, 0, 2]
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%[[PAD]], %[[W4]] : tensor<2x4x1x14xf32>, tensor<8x4x1x3xf32>) outs(%{{.*}} : tensor<2x8x1x6xf32>)
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0], [1], [2, 3]] : tensor<2x8x1x6xf32> into tensor<2x8x6xf32>
// CHECK: return %[[R]]
func.func @conv1d(%x: tensor<2x4x11xf32>, %w: tensor<8x4x3xf32>) -> tensor<2x8x6xf32> {
  %r = kiln.conv %x, %w {strides = array<i64: 2>, dilations = array<i64: 1>, pads = array<i64: 1, 2>, group = 1 : i64} : (tensor<2x4x11xf32>, tensor<8x4x3xf32>) -> tensor<2x8x6xf32>
  return %r : tensor<2x8x6xf32>
}

// -----

// CHECK-LABEL: func.func @conv3d(
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 0, 1] high[0, 0, 1, 1, 0]
// CHECK: linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<[1, 2, 1]> : tensor<3xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x2x7x5x5xf32>, tensor<3x2x3x2x2xf32>) outs(%{{.*}} : tensor<1x3x5x2x4xf32>)
func.func @conv3d(%x: tensor<1x2x5x4x4xf32>, %w: tensor<3x2x3x2x2xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x2x4xf32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 1, 2, 1>, dilations = array<i64: 1, 1, 1>, pads = array<i64: 1, 0, 1, 1, 1, 0>, group = 1 : i64} : (tensor<1x2x5x4x4xf32>, tensor<3x2x3x2x2xf32>, tensor<3xf32>) -> tensor<1x3x5x2x4xf32>
  return %r : tensor<1x3x5x2x4xf32>
}

// -----

// Grouped 3-D (no named op): the generic conv_3d_ngcdhw_gfcdhw would be,
// loops (n, g, f, od, oh, ow, c, kd, kh, kw), accumulating onto the bias.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d6, d3 + d7, d4 * 2 + d8, d5 + d9 * 2)>
// CHECK-DAG: #[[WT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d1, d2, d6, d7, d8, d9)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9) -> (d0, d1, d2, d3, d4, d5)>
// CHECK-LABEL: func.func @conv3d_grouped(
// CHECK-SAME: %[[X:.*]]: tensor<1x4x3x5x6xf32>, %[[W:.*]]: tensor<6x2x2x2x2xf32>, %[[B:.*]]: tensor<6xf32>)
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 0, 1, 0] high[0, 0, 0, 0, 0]
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<6xf32>)
// CHECK: %[[XG:.*]] = tensor.expand_shape %[[PAD]] {{\[}}[0], [1, 2], [3], [4], [5]] output_shape [1, 2, 2, 3, 6, 6] : tensor<1x4x3x6x6xf32> into tensor<1x2x2x3x6x6xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3], [4], [5]] output_shape [2, 3, 2, 2, 2, 2] : tensor<6x2x2x2x2xf32> into tensor<2x3x2x2x2x2xf32>
// CHECK: %[[IG:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0], [1, 2], [3], [4], [5]] output_shape [1, 2, 3, 2, 3, 4] : tensor<1x6x2x3x4xf32> into tensor<1x2x3x2x3x4xf32>
// CHECK: %[[C:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[WT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "reduction"]} ins(%[[XG]], %[[WG]] : tensor<1x2x2x3x6x6xf32>, tensor<2x3x2x2x2x2xf32>) outs(%[[IG]] : tensor<1x2x3x2x3x4xf32>)
// CHECK: ^bb0(%[[I:.*]]: f32, %[[K:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[M:.*]] = arith.mulf %[[I]], %[[K]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[M]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[C]] {{\[}}[0], [1, 2], [3], [4], [5]] : tensor<1x2x3x2x3x4xf32> into tensor<1x6x2x3x4xf32>
// CHECK: return %[[R]]
func.func @conv3d_grouped(%x: tensor<1x4x3x5x6xf32>, %w: tensor<6x2x2x2x2xf32>, %b: tensor<6xf32>) -> tensor<1x6x2x3x4xf32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 1, 2, 1>, dilations = array<i64: 1, 1, 2>, pads = array<i64: 0, 1, 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x4x3x5x6xf32>, tensor<6x2x2x2x2xf32>, tensor<6xf32>) -> tensor<1x6x2x3x4xf32>
  return %r : tensor<1x6x2x3x4xf32>
}
