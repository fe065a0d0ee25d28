// Op folders (KilnFolders.cpp): identities, chains of layout ops, and layout
// ops of splat constants.
// RUN: model-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @add_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[ZERO:.*]] = kiln.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK: %[[A:.*]] = kiln.add %[[Y]], %[[ZERO]]
// CHECK: return %[[X]], %[[A]], %[[Y]]
func.func @add_identity(%x: tensor<4xi32>, %y: tensor<4xf32>) -> (tensor<4xi32>, tensor<4xf32>, tensor<4xf32>) {
  %zi = kiln.constant dense<0> : tensor<4xi32>
  %0 = kiln.add %x, %zi : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  // -0.0 + +0.0 is +0.0: adding +0.0 is not an identity for floats.
  %zf = kiln.constant dense<0.0> : tensor<4xf32>
  %1 = kiln.add %y, %zf : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %nz = kiln.constant dense<-0.0> : tensor<4xf32>
  %2 = kiln.add %y, %nz : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xi32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// The constant moves to the right of the commutative mul, then x * 1 == x;
// a broadcasting multiply by one is kept.
// CHECK-LABEL: func.func @mul_identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[S:.*]]: tensor<1xf32>)
// CHECK: %[[B:.*]] = kiln.mul %[[S]], %{{.*}} : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
// CHECK: return %[[X]], %[[B]]
func.func @mul_identity(%x: tensor<4xf32>, %s: tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %one = kiln.constant dense<1.0> : tensor<4xf32>
  %0 = kiln.mul %one, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.mul %s, %one : (tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %0 = kiln.cast %x {to = f32} : tensor<2x3xf32> -> tensor<2x3xf32>
  %1 = kiln.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %2 = kiln.reshape %x {shape = array<i64: 2, 3>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %3 = kiln.expand %x {shape = array<i64: 1, 3>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = kiln.slice %x {offsets = array<i64: 0, 0>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %5 = kiln.concat %x {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A reversed slice is not the identity.
// CHECK-LABEL: func.func @slice_reversed
// CHECK: kiln.slice
func.func @slice_reversed(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = kiln.slice %x {offsets = array<i64: 2>, sizes = array<i64: 3>, strides = array<i64: -1>} : tensor<3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @layout_chains
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-DAG: %[[T:.*]] = kiln.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
// CHECK-DAG: %[[R:.*]] = kiln.reshape %[[X]] {shape = array<i64: 4, 6>} : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK: return %[[T]], %[[R]], %[[X]]
func.func @layout_chains(%x: tensor<2x3x4xf32>) -> (tensor<4x2x3xf32>, tensor<4x6xf32>, tensor<2x3x4xf32>) {
  %0 = kiln.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = kiln.transpose %0 {perm = array<i64: 2, 1, 0>} : tensor<3x2x4xf32> -> tensor<4x2x3xf32>
  %2 = kiln.reshape %x {shape = array<i64: 24>} : tensor<2x3x4xf32> -> tensor<24xf32>
  %3 = kiln.reshape %2 {shape = array<i64: 4, 6>} : tensor<24xf32> -> tensor<4x6xf32>
  %4 = kiln.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %5 = kiln.transpose %4 {perm = array<i64: 1, 2, 0>} : tensor<4x2x3xf32> -> tensor<2x3x4xf32>
  return %1, %3, %5 : tensor<4x2x3xf32>, tensor<4x6xf32>, tensor<2x3x4xf32>
}

// -----

// Layout ops of a splat are splats, whatever their size.
// CHECK-LABEL: func.func @splat_layout
// CHECK-DAG: %[[A:.*]] = kiln.constant dense<2.000000e+00> : tensor<4x1024x1024xf32>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<2.000000e+00> : tensor<64x64xf32>
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<2.000000e+00> : tensor<4096xf32>
// CHECK-DAG: %[[D:.*]] = kiln.constant dense<7> : tensor<2x3xi8>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
func.func @splat_layout() -> (tensor<4x1024x1024xf32>, tensor<64x64xf32>, tensor<4096xf32>, tensor<2x3xi8>) {
  %c = kiln.constant dense<2.0> : tensor<64x64xf32>
  %s = kiln.constant dense<2.0> : tensor<1x1024xf32>
  %0 = kiln.expand %s {shape = array<i64: 4, 1024, 1>} : tensor<1x1024xf32> -> tensor<4x1024x1024xf32>
  %1 = kiln.transpose %c {perm = array<i64: 1, 0>} : tensor<64x64xf32> -> tensor<64x64xf32>
  %2 = kiln.reshape %c {shape = array<i64: 4096>} : tensor<64x64xf32> -> tensor<4096xf32>
  %i = kiln.constant dense<7> : tensor<4x5xi8>
  %3 = kiln.slice %i {offsets = array<i64: 1, 0>, sizes = array<i64: 2, 3>, strides = array<i64: 1, 2>} : tensor<4x5xi8> -> tensor<2x3xi8>
  return %0, %1, %2, %3 : tensor<4x1024x1024xf32>, tensor<64x64xf32>, tensor<4096xf32>, tensor<2x3xi8>
}
