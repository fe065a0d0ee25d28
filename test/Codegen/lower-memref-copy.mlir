// RUN: model-opt %s -kiln-lower-memref-copy | FileCheck %s

// Contiguous copies stay (llvm.memcpy); strided ones would call memrefCopy
// from libmlir_c_runner_utils and become linalg.copy instead.
// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[A:.*]]: memref<4x4xf32>, %[[B:.*]]: memref<4x4xf32>, %[[S:.*]]: memref<4x4xf32, strided<[8, 1]>>, %[[R:.*]]: memref<1x8xf32, strided<[16, 1], offset: ?>>
// CHECK: memref.copy %[[A]], %[[B]]
// CHECK: linalg.copy ins(%[[S]] : memref<4x4xf32, strided<[8, 1]>>) outs(%[[A]] : memref<4x4xf32>)
// CHECK: memref.copy %[[R]], %{{.*}} : memref<1x8xf32, strided<[16, 1], offset: ?>> to memref<1x8xf32>
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x4xf32>, %b: memref<4x4xf32>,
                  %s: memref<4x4xf32, strided<[8, 1]>>,
                  %r: memref<1x8xf32, strided<[16, 1], offset: ?>>,
                  %d: memref<1x8xf32>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  memref.copy %s, %a : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  memref.copy %r, %d : memref<1x8xf32, strided<[16, 1], offset: ?>> to memref<1x8xf32>
  return
}
