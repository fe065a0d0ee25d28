// RUN: model-opt %s -convert-kiln-to-linalg -canonicalize -split-input-file | FileCheck %s

// Dynamic dims: every destination tensor gets its run-time sizes from the
// operands' dims (the kiln op's shape function, KilnShapes.cpp).

// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME: %[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<?x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<?x3xf32>)
func.func @add_broadcast(%a: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?x3xf32> {
  %r = kiln.add %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// A dynamic M: the batch folds into M, and the result is expanded back with
// the run-time sizes.
// CHECK-LABEL: func.func @matmul_dynamic_batch(
// CHECK-SAME: %[[A:.*]]: tensor<?x?x64xf32>, %[[B:.*]]: tensor<64x32xf32>)
// CHECK-DAG: %[[B0:.*]] = tensor.dim %[[A]], %c0
// CHECK-DAG: %[[B1:.*]] = tensor.dim %[[A]], %c1
// CHECK: %[[LHS:.*]] = tensor.collapse_shape %[[A]] {{\[}}[0, 1], [2]] : tensor<?x?x64xf32> into tensor<?x64xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[LHS]], %[[B]] : tensor<?x64xf32>, tensor<64x32xf32>)
// CHECK: tensor.expand_shape %[[MM]] {{\[}}[0, 1], [2]] output_shape [%[[B0]], %[[B1]], 32] : tensor<?x32xf32> into tensor<?x?x32xf32>
func.func @matmul_dynamic_batch(%a: tensor<?x?x64xf32>, %b: tensor<64x32xf32>) -> tensor<?x?x32xf32> {
  %r = kiln.matmul %a, %b : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  return %r : tensor<?x?x32xf32>
}

// -----

// Batched attention scores: both operands carry the same dynamic batch.
// CHECK-LABEL: func.func @batch_matmul_dynamic(
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<?x4x?x16xf32> into tensor<?x?x16xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2], [3]] : tensor<?x4x16x?xf32> into tensor<?x16x?xf32>
// CHECK: linalg.batch_matmul
// CHECK: tensor.expand_shape
func.func @batch_matmul_dynamic(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %r = kiln.matmul %q, %k : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  return %r : tensor<?x4x?x?xf32>
}

// -----

// Conv output sizes: (in + pads - span) / stride + 1 at run time.
// CHECK-DAG: #[[MAP:.*]] = affine_map<()[s0] -> ((s0 - 1) floordiv 2 + 1)>
// CHECK-LABEL: func.func @conv_dynamic(
// CHECK-SAME: %[[X:.*]]: tensor<?x3x?x?xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[H:.*]] = tensor.dim %[[X]], %c2
// CHECK-DAG: %[[W:.*]] = tensor.dim %[[X]], %c3
// CHECK-DAG: %[[OH:.*]] = affine.apply #[[MAP]]()[%[[H]]]
// CHECK-DAG: %[[OW:.*]] = affine.apply #[[MAP]]()[%[[W]]]
// CHECK: tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.empty(%[[N]], %[[OH]], %[[OW]]) : tensor<?x8x?x?xf32>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: -> tensor<?x8x?x?xf32>
func.func @conv_dynamic(%x: tensor<?x3x?x?xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x?x?xf32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1 : i64}
       : (tensor<?x3x?x?xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x8x?x?xf32>
  return %r : tensor<?x8x?x?xf32>
}

// -----

// Depthwise with a dynamic batch and image.
// CHECK-LABEL: func.func @depthwise_dynamic(
// CHECK: linalg.depthwise_conv_2d_nchw_chw
// CHECK-SAME: -> tensor<?x8x?x?xf32>
func.func @depthwise_dynamic(%x: tensor<?x8x?x?xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32> {
  %r = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 8 : i64}
       : (tensor<?x8x?x?xf32>, tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32>
  return %r : tensor<?x8x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool_dynamic(
// CHECK: %[[E:.*]] = tensor.empty({{.*}}) : tensor<?x4x?x?xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x4x?x?xf32>)
// CHECK: linalg.pooling_nchw_max
func.func @max_pool_dynamic(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %r = kiln.max_pool %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
       : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %r : tensor<?x4x?x?xf32>
}

// -----

// A mean over dynamic dims divides by their run-time element count.
// CHECK-LABEL: func.func @global_mean_dynamic(
// CHECK-SAME: %[[X:.*]]: tensor<?x4x?x?xf32>
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %c2
// CHECK: %[[W:.*]] = tensor.dim %[[X]], %c3
// CHECK: %[[HW:.*]] = arith.muli %[[H]], %[[W]] : index
// CHECK: arith.sitofp
// CHECK: linalg.reduce
// CHECK: tensor.expand_shape
// CHECK-SAME: into tensor<?x4x1x1xf32>
func.func @global_mean_dynamic(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x1x1xf32> {
  %r = kiln.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = true} : tensor<?x4x?x?xf32> -> tensor<?x4x1x1xf32>
  return %r : tensor<?x4x1x1xf32>
}

// -----

// A reshape whose dynamic dims regroup: [b, s, 64] -> [b, s, 4, 16].
// CHECK-LABEL: func.func @reshape_dynamic(
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, 4, 16] : tensor<?x?x64xf32> into tensor<?x?x4x16xf32>
func.func @reshape_dynamic(%x: tensor<?x?x64xf32>) -> tensor<?x?x4x16xf32> {
  %r = kiln.reshape %x {shape = array<i64: -1, -1, 4, 16>} : tensor<?x?x64xf32> -> tensor<?x?x4x16xf32>
  return %r : tensor<?x?x4x16xf32>
}

// -----

// Concat along a dynamic dim: run-time offsets.
// CHECK-LABEL: func.func @concat_dynamic(
// CHECK-SAME: %[[A:.*]]: tensor<2x?xf32>, %[[B:.*]]: tensor<2x?xf32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xf32>
// CHECK: %[[I:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, %[[DA:.*]]] [1, 1]
// CHECK: tensor.insert_slice %[[B]] into %[[I]][0, %[[DA]]] [2, %{{.*}}] [1, 1]
func.func @concat_dynamic(%a: tensor<2x?xf32>, %b: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %r = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x?xf32>, tensor<2x?xf32>) -> tensor<2x?xf32>
  return %r : tensor<2x?xf32>
}

// -----

// Softmax and transpose keep the input's dynamic dims.
// CHECK-LABEL: func.func @softmax_transpose_dynamic(
// CHECK: linalg.generic
// CHECK: linalg.transpose
// CHECK-SAME: permutation = [1, 0]
func.func @softmax_transpose_dynamic(%x: tensor<?x8xf32>) -> tensor<8x?xf32> {
  %s = kiln.softmax %x {axis = 1 : i64, log = false} : tensor<?x8xf32> -> tensor<?x8xf32>
  %t = kiln.transpose %s {perm = array<i64: 1, 0>} : tensor<?x8xf32> -> tensor<8x?xf32>
  return %t : tensor<8x?xf32>
}
