// RUN: model-opt %s -split-input-file -kiln-erase-write-only-buffers | FileCheck %s

// The accumulator tile stored into a buffer nothing reads (a fused epilogue
// used it from registers): the buffer, its views and the store go; the
// epilogue's store into the output stays.
// CHECK-LABEL: func.func @dead_tile(
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.subview
// CHECK: arith.maximumf
// CHECK-NEXT: vector.transfer_write %{{.*}}, %arg1
// CHECK-NOT: vector.transfer_write
// CHECK: return
func.func @dead_tile(%acc: vector<8x32xf32>, %out: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant dense<0.0> : vector<8x32xf32>
  %dead = memref.alloc() : memref<16x64xf32>
  %tile = memref.subview %dead[0, 0] [8, 32] [1, 1] : memref<16x64xf32> to memref<8x32xf32, strided<[64, 1]>>
  vector.transfer_write %acc, %tile[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, memref<8x32xf32, strided<[64, 1]>>
  %cst = arith.constant 1.0 : f32
  linalg.fill ins(%cst : f32) outs(%dead : memref<16x64xf32>)
  %relu = arith.maximumf %acc, %zero : vector<8x32xf32>
  vector.transfer_write %relu, %out[%c0, %c0] {in_bounds = [true, true]} : vector<8x32xf32>, memref<8x32xf32>
  memref.dealloc %dead : memref<16x64xf32>
  return
}

// -----

// Kept: a buffer read back, one passed to a call, one used as a copy source,
// one returned.
// CHECK-LABEL: func.func @kept(
// CHECK-COUNT-4: memref.alloc
// CHECK: vector.transfer_read
// CHECK: call @use
// CHECK: memref.copy
// CHECK: return
func.func private @use(memref<8xf32>)
func.func @kept(%v: vector<8xf32>, %out: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %read = memref.alloc() : memref<8xf32>
  %called = memref.alloc() : memref<8xf32>
  %copied = memref.alloc() : memref<8xf32>
  %returned = memref.alloc() : memref<8xf32>
  vector.transfer_write %v, %read[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32>
  %r = vector.transfer_read %read[%c0], %pad {in_bounds = [true]} : memref<8xf32>, vector<8xf32>
  vector.transfer_write %r, %out[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32>
  vector.transfer_write %v, %called[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32>
  call @use(%called) : (memref<8xf32>) -> ()
  vector.transfer_write %v, %copied[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32>
  memref.copy %copied, %out : memref<8xf32> to memref<8xf32>
  vector.transfer_write %v, %returned[%c0] {in_bounds = [true]} : vector<8xf32>, memref<8xf32>
  return %returned : memref<8xf32>
}
