// kiln-fold-batchnorm: batch_norm with constant parameters folds into the
// conv before it, or becomes x * s + shift. The numbers are chosen exact:
// var + eps = [4, 1], so s = scale / sqrt(var + eps) = [1.5, 1].
// RUN: model-opt %s -kiln-fold-batchnorm -split-input-file | FileCheck %s

// W' = W * s per output channel, b' = (0 - mean) * s + beta.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3x3xf32>)
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[\[\[\[}}1.500000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}3.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[2.500000e-01, -3.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = kiln.conv %[[X]], %[[W]], %[[B]] {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
// CHECK-NOT: kiln.batch_norm
// CHECK: return %[[C]]
func.func @conv_no_bias(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = kiln.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>
  %gamma = kiln.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %1 = kiln.batch_norm %0, %gamma, %beta, %mean, %var {epsilon = 2.5e-01 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// b' = (b - mean) * s + beta; grouped conv attributes are kept.
// CHECK-LABEL: func.func @conv_bias_grouped
// CHECK-DAG: kiln.constant dense<{{\[\[\[\[}}1.500000e+00]]], {{\[\[\[}}2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: kiln.constant dense<[3.250000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK: kiln.conv {{.*}}group = 2 : i64
// CHECK-NOT: kiln.batch_norm
func.func @conv_bias_grouped(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = kiln.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %b = kiln.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %gamma = kiln.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %1 = kiln.batch_norm %0, %gamma, %beta, %mean, %var {epsilon = 2.5e-01 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// The conv result has another use: the conv stays and the batch_norm becomes
// x * s + (beta - mean * s) with [C, 1, 1] constants.
// CHECK-LABEL: func.func @conv_two_uses
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<{{\[\[\[}}1.500000e+00]], {{\[\[}}1.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK-DAG: %[[T:.*]] = kiln.constant dense<{{\[\[\[}}2.500000e-01]], {{\[\[}}-3.000000e+00]]]> : tensor<2x1x1xf32>
// CHECK: %[[C:.*]] = kiln.conv
// CHECK: %[[M:.*]] = kiln.mul %[[C]], %[[S]] : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
// CHECK: %[[A:.*]] = kiln.add %[[M]], %[[T]]
// CHECK: return %[[A]], %[[C]]
func.func @conv_two_uses(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = kiln.constant dense<1.0> : tensor<2x2x1x1xf32>
  %gamma = kiln.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %1 = kiln.batch_norm %0, %gamma, %beta, %mean, %var {epsilon = 2.5e-01 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %1, %0 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}

// -----

// A conv weight that is not constant: the batch_norm still becomes mul + add.
// CHECK-LABEL: func.func @conv_dynamic_weight
// CHECK: kiln.conv
// CHECK: kiln.mul
// CHECK: kiln.add
// CHECK-NOT: kiln.batch_norm
func.func @conv_dynamic_weight(%x: tensor<1x2x3x3xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %gamma = kiln.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %beta = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %mean = kiln.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %var = kiln.constant dense<[3.75, 0.75]> : tensor<2xf32>
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %1 = kiln.batch_norm %0, %gamma, %beta, %mean, %var {epsilon = 2.5e-01 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// Rank-2 input: the per-channel constants are 1-d; f16 rounds once.
// CHECK-LABEL: func.func @standalone_rank2_f16
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[1.500000e+00, 1.000000e+00]> : tensor<2xf16>
// CHECK-DAG: %[[T:.*]] = kiln.constant dense<[2.500000e-01, -3.000000e+00]> : tensor<2xf16>
// CHECK: %[[M:.*]] = kiln.mul %{{.*}}, %[[S]] : (tensor<4x2xf16>, tensor<2xf16>) -> tensor<4x2xf16>
// CHECK: kiln.add %[[M]], %[[T]] : (tensor<4x2xf16>, tensor<2xf16>) -> tensor<4x2xf16>
func.func @standalone_rank2_f16(%x: tensor<4x2xf16>) -> tensor<4x2xf16> {
  %gamma = kiln.constant dense<[3.0, 1.0]> : tensor<2xf16>
  %beta = kiln.constant dense<[1.0, -1.0]> : tensor<2xf16>
  %mean = kiln.constant dense<[0.5, 2.0]> : tensor<2xf16>
  %var = kiln.constant dense<[3.75, 0.75]> : tensor<2xf16>
  %0 = kiln.batch_norm %x, %gamma, %beta, %mean, %var {epsilon = 2.5e-01 : f64} : (tensor<4x2xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>, tensor<2xf16>) -> tensor<4x2xf16>
  return %0 : tensor<4x2xf16>
}

// -----

// Non-constant parameters, or var + eps <= 0: nothing to fold.
// CHECK-LABEL: func.func @not_foldable
// CHECK: kiln.batch_norm
// CHECK: kiln.batch_norm
func.func @not_foldable(%x: tensor<1x2x3x3xf32>, %p: tensor<2xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %c = kiln.constant dense<1.0> : tensor<2xf32>
  %0 = kiln.batch_norm %x, %p, %c, %c, %c {epsilon = 1.0e-05 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %v = kiln.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %1 = kiln.batch_norm %x, %c, %c, %c, %v {epsilon = 1.0e-05 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %0, %1 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}
