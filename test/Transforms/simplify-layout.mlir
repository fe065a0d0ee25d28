// kiln-simplify-layout: transposes of size-1 dims become reshapes; layout
// pairs around single-use elementwise ops compose or cancel.
// RUN: model-opt %s -kiln-simplify-layout -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose_unit_dims
// CHECK-SAME: (%[[X:.*]]: tensor<1x64x1x7xf32>)
// CHECK: %[[R:.*]] = kiln.reshape %[[X]] {shape = array<i64: 64, 1, 7, 1>} : tensor<1x64x1x7xf32> -> tensor<64x1x7x1xf32>
// CHECK: return %[[R]]
func.func @transpose_unit_dims(%x: tensor<1x64x1x7xf32>) -> tensor<64x1x7x1xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 1, 0, 3, 2>} : tensor<1x64x1x7xf32> -> tensor<64x1x7x1xf32>
  return %0 : tensor<64x1x7x1xf32>
}

// -----

// A real permutation stays.
// CHECK-LABEL: func.func @transpose_kept
// CHECK: kiln.transpose
func.func @transpose_kept(%x: tensor<1x64x7xf32>) -> tensor<1x7x64xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<1x64x7xf32> -> tensor<1x7x64xf32>
  return %0 : tensor<1x7x64xf32>
}

// -----

// unsqueeze -> relu -> squeeze: the reshapes cancel.
// CHECK-LABEL: func.func @reshape_pair_cancels
// CHECK-SAME: (%[[X:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[R:.*]] = kiln.relu %[[X]] : tensor<64xf32> -> tensor<64xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_pair_cancels(%x: tensor<64xf32>) -> tensor<64xf32> {
  %0 = kiln.reshape %x {shape = array<i64: 1, 64>} : tensor<64xf32> -> tensor<1x64xf32>
  %1 = kiln.relu %0 : tensor<1x64xf32> -> tensor<1x64xf32>
  %2 = kiln.reshape %1 {shape = array<i64: 64>} : tensor<1x64xf32> -> tensor<64xf32>
  return %2 : tensor<64xf32>
}

// -----

// Through a cast, a clip, and an add of a splat: one reshape remains.
// CHECK-LABEL: func.func @reshape_pair_composes
// CHECK-SAME: (%[[X:.*]]: tensor<2x32xf32>)
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<1.000000e+00> : tensor<1x1xf16>
// CHECK: %[[A:.*]] = kiln.clip %[[X]] {max = 6.000000e+00 : f64} : tensor<2x32xf32> -> tensor<2x32xf32>
// CHECK: %[[B:.*]] = kiln.cast %[[A]] {to = f16} : tensor<2x32xf32> -> tensor<2x32xf16>
// CHECK: %[[D:.*]] = kiln.add %[[B]], %[[C]] : (tensor<2x32xf16>, tensor<1x1xf16>) -> tensor<2x32xf16>
// CHECK: %[[R:.*]] = kiln.reshape %[[D]] {shape = array<i64: 4, 16>} : tensor<2x32xf16> -> tensor<4x16xf16>
// CHECK: return %[[R]]
func.func @reshape_pair_composes(%x: tensor<2x32xf32>) -> tensor<4x16xf16> {
  %c = kiln.constant dense<1.0> : tensor<64xf16>
  %0 = kiln.reshape %x {shape = array<i64: 64>} : tensor<2x32xf32> -> tensor<64xf32>
  %1 = kiln.clip %0 {max = 6.0 : f64} : tensor<64xf32> -> tensor<64xf32>
  %2 = kiln.reshape %1 {shape = array<i64: 64>} : tensor<64xf32> -> tensor<64xf32>
  %3 = kiln.cast %2 {to = f16} : tensor<64xf32> -> tensor<64xf16>
  %4 = kiln.add %3, %c : (tensor<64xf16>, tensor<64xf16>) -> tensor<64xf16>
  %5 = kiln.reshape %4 {shape = array<i64: 4, 16>} : tensor<64xf16> -> tensor<4x16xf16>
  return %5 : tensor<4x16xf16>
}

// -----

// NCHW -> NHWC -> sigmoid -> NCHW: the transposes cancel.
// CHECK-LABEL: func.func @transpose_pair_cancels
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x5xf32>)
// CHECK-NEXT: %[[S:.*]] = kiln.sigmoid %[[X]] : tensor<1x3x4x5xf32> -> tensor<1x3x4x5xf32>
// CHECK-NEXT: return %[[S]]
func.func @transpose_pair_cancels(%x: tensor<1x3x4x5xf32>) -> tensor<1x3x4x5xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x5xf32> -> tensor<1x4x5x3xf32>
  %1 = kiln.sigmoid %0 : tensor<1x4x5x3xf32> -> tensor<1x4x5x3xf32>
  %2 = kiln.transpose %1 {perm = array<i64: 0, 3, 1, 2>} : tensor<1x4x5x3xf32> -> tensor<1x3x4x5xf32>
  return %2 : tensor<1x3x4x5xf32>
}

// -----

// Two transposes that do not cancel compose into one.
// CHECK-LABEL: func.func @transpose_pair_composes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[E:.*]] = kiln.exp %[[X]] : tensor<2x3x4xf32> -> tensor<2x3x4xf32>
// CHECK: %[[T:.*]] = kiln.transpose %[[E]] {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK: return %[[T]]
func.func @transpose_pair_composes(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = kiln.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = kiln.exp %0 : tensor<3x2x4xf32> -> tensor<3x2x4xf32>
  %2 = kiln.transpose %1 {perm = array<i64: 2, 1, 0>} : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  return %2 : tensor<4x2x3xf32>
}

// -----

// The elementwise op has another use, or the other operand is not a splat
// constant: nothing moves.
// CHECK-LABEL: func.func @not_moved
// CHECK: kiln.reshape
// CHECK: kiln.tanh
// CHECK: kiln.reshape
// CHECK: kiln.mul
// CHECK: kiln.reshape
func.func @not_moved(%x: tensor<64xf32>, %y: tensor<1x64xf32>) -> (tensor<64xf32>, tensor<1x64xf32>, tensor<64xf32>) {
  %0 = kiln.reshape %x {shape = array<i64: 1, 64>} : tensor<64xf32> -> tensor<1x64xf32>
  %1 = kiln.tanh %0 : tensor<1x64xf32> -> tensor<1x64xf32>
  %2 = kiln.reshape %1 {shape = array<i64: 64>} : tensor<1x64xf32> -> tensor<64xf32>
  %3 = kiln.mul %0, %y : (tensor<1x64xf32>, tensor<1x64xf32>) -> tensor<1x64xf32>
  %4 = kiln.reshape %3 {shape = array<i64: 64>} : tensor<1x64xf32> -> tensor<64xf32>
  return %2, %1, %4 : tensor<64xf32>, tensor<1x64xf32>, tensor<64xf32>
}
