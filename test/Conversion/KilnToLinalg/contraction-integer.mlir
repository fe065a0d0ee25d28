// Integer contractions (ConvInteger, MatMulInteger and QLinear* import as
// i32 kiln.conv / kiln.matmul): the same linalg ops as float ones, with
// integer zeros for the padding and the accumulator.
// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @conv2d_i32_bias(
// CHECK-SAME: %[[X:.*]]: tensor<1x2x3x3xi32>, %[[W:.*]]: tensor<4x2x2x2xi32>, %[[B:.*]]: tensor<4xi32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[ZERO]] : i32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x4x4xi32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<4xi32>) outs(%[[E]] : tensor<1x4x4x4xi32>) dimensions = [0, 2, 3]
// CHECK: %[[R:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%[[PAD]], %[[W]] : tensor<1x2x5x5xi32>, tensor<4x2x2x2xi32>) outs(%[[INIT]] : tensor<1x4x4x4xi32>)
// CHECK: return %[[R]]
func.func @conv2d_i32_bias(%x: tensor<1x2x3x3xi32>, %w: tensor<4x2x2x2xi32>, %b: tensor<4xi32>) -> tensor<1x4x4x4xi32> {
  %r = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, group = 1 : i64} : (tensor<1x2x3x3xi32>, tensor<4x2x2x2xi32>, tensor<4xi32>) -> tensor<1x4x4x4xi32>
  return %r : tensor<1x4x4x4xi32>
}

// -----

// CHECK-LABEL: func.func @matmul_i32(
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : i32) outs(%{{.*}} : tensor<4x2xi32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x3xi32>, tensor<3x2xi32>) outs(%[[INIT]] : tensor<4x2xi32>)
func.func @matmul_i32(%a: tensor<4x3xi32>, %b: tensor<3x2xi32>) -> tensor<4x2xi32> {
  %r = kiln.matmul %a, %b : (tensor<4x3xi32>, tensor<3x2xi32>) -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}
