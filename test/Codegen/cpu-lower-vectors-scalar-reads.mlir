// RUN: model-opt %s -kiln-cpu-lower-vectors | FileCheck %s

// The broadcast operand of an outer product (a row of input pixels of a
// channel-blocked convolution) is read element by element: a scalar load
// per broadcast, not a vector load and a shuffle per element.
// CHECK-LABEL: func.func @outer_product_row(
// CHECK-NOT: vector.load %{{.*}} : memref<7xf32>, vector<7xf32>
// CHECK-COUNT-7: memref.load %{{.*}} : memref<7xf32>
// CHECK-NOT: vector.shuffle
func.func @outer_product_row(%row: memref<7xf32>, %w: memref<16xf32>, %acc: vector<7x16xf32>) -> vector<7x16xf32> {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %a = vector.transfer_read %row[%c0], %cst {in_bounds = [true]} : memref<7xf32>, vector<7xf32>
  %b = vector.transfer_read %w[%c0], %cst {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
  %r = vector.outerproduct %a, %b, %acc {kind = #vector.kind<add>} : vector<7xf32>, vector<16xf32>
  return %r : vector<7x16xf32>
}
