// RUN: model-opt %s -kiln-cpu-lower-vectors | FileCheck %s

// Masked transfers of a remainder tile of run-time extent (n-D, as
// kiln-cpu-vectorize leaves them after bufferization) become 1-D masked
// loads and stores; no vector.mask is left.
// CHECK-LABEL: func.func @masked_rows(
// CHECK-NOT: vector.mask {
// CHECK: vector.maskedload
// CHECK: vector.maskedstore
// CHECK-NOT: vector.mask {
func.func @masked_rows(%m: memref<?x32xf32>, %rows: index) {
  %c0 = arith.constant 0 : index
  %c32 = arith.constant 32 : index
  %p = ub.poison : f32
  %mask = vector.create_mask %rows, %c32 : vector<4x32xi1>
  %v = vector.mask %mask { vector.transfer_read %m[%c0, %c0], %p {in_bounds = [true, true]} : memref<?x32xf32>, vector<4x32xf32> } : vector<4x32xi1> -> vector<4x32xf32>
  %w = arith.addf %v, %v : vector<4x32xf32>
  vector.mask %mask { vector.transfer_write %w, %m[%c0, %c0] {in_bounds = [true, true]} : vector<4x32xf32>, memref<?x32xf32> } : vector<4x32xi1>
  return
}

// A masked unit-dim transfer (a 1 x 1 x 1 x n strip of an NCHW tensor):
// the mask follows the vector when unit dims are dropped.
// CHECK-LABEL: func.func @masked_strip(
// CHECK-NOT: vector.mask {
// CHECK: vector.maskedstore
func.func @masked_strip(%m: memref<1x1x1x?xf32, strided<[?, ?, ?, 1], offset: ?>>, %n: index, %v: vector<1x1x1x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %mask = vector.create_mask %c1, %c1, %c1, %n : vector<1x1x1x64xi1>
  vector.mask %mask { vector.transfer_write %v, %m[%c0, %c0, %c0, %c0] {in_bounds = [true, true, true, true]} : vector<1x1x1x64xf32>, memref<1x1x1x?xf32, strided<[?, ?, ?, 1], offset: ?>> } : vector<1x1x1x64xi1>
  return
}
