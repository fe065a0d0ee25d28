// RUN: model-opt %s -split-input-file -kiln-test-dim-bounds | FileCheck %s

// Dims of a ranged input are bounded by their [min, max]; sizes computed
// from them (a valid 3x3 convolution, stride 2) through upstream
// ValueBoundsConstraintSet; opt sizes pin every range to its opt value.
// CHECK-LABEL: func.func @main_graph(
// CHECK: tensor.dim {kiln.bounds = array<i64: 1, 8>} %{{.*}}, %{{.*}} : tensor<?x3x?xf32>
// CHECK: tensor.dim {kiln.bounds = array<i64: 32, 512>} %{{.*}}, %{{.*}} : tensor<?x3x?xf32>
// CHECK: affine.apply {{.*}} {kiln.bounds = array<i64: 15, 255>}
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) {kiln.dim_bounds = array<i64: 1, 8, 16, 16, 15, 255>, kiln.dim_opt = array<i64: 4, 16, 111>}
// A product of two dynamic sizes: the product of their bounds.
// CHECK: arith.muli {{.*}} {kiln.bounds = array<i64: 15, 2040>}
func.func @main_graph(%x: tensor<?x3x?xf32>) -> tensor<?x16x?xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 4, 8, 3, 3, 3, 32, 224, 512>],
                kiln.input_dim_symbols = [array<i64: 0, -1, 1>]} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %n = tensor.dim %x, %c0 : tensor<?x3x?xf32>
  %w = tensor.dim %x, %c2 : tensor<?x3x?xf32>
  %ow = affine.apply affine_map<()[s0] -> ((s0 - 3) floordiv 2 + 1)>()[%w]
  %e = tensor.empty(%n, %ow) : tensor<?x16x?xf32>
  %m = arith.muli %n, %ow : index
  return %e : tensor<?x16x?xf32>
}

// -----

// The remainder of a loop peeled over a dynamic extent is smaller than the
// step; a size read from data has no bound.
// CHECK-LABEL: func.func @main_graph(
// CHECK: affine.apply {{.*}} {kiln.bounds = array<i64: 1, 31>}
// CHECK: tensor.extract {{.*}} {kiln.bounds = "none"}
func.func @main_graph(%x: tensor<?x64xf32>, %sizes: tensor<2xindex>) -> index
    attributes {kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>, array<i64: 2, 2, 2>]} {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %d = tensor.dim %x, %c0 : tensor<?x64xf32>
  %split = affine.apply affine_map<()[s0] -> ((s0 floordiv 32) * 32)>()[%d]
  %r = scf.for %i = %split to %d step %c32 iter_args(%a = %c0) -> index {
    %rem = affine.apply affine_map<(d0)[s0] -> (s0 - d0)>(%i)[%d]
    scf.yield %rem : index
  }
  %s = tensor.extract %sizes[%c0] : tensor<2xindex>
  %sum = arith.addi %r, %s : index
  return %sum : index
}

// -----

// Without kiln.input_ranges nothing is annotated.
// CHECK-LABEL: func.func @main_graph(
// CHECK-NOT: kiln.bounds
func.func @main_graph(%x: tensor<?x64xf32>) -> index {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x64xf32>
  return %d : index
}
