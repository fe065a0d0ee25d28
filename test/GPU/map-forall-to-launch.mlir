// RUN: model-opt %s -split-input-file -kiln-gpu-map-forall-to-launch -cse | FileCheck %s

// One launch per block-mapped forall: the grid from its trip counts, the
// block from the largest thread forall (the smaller one is predicated),
// a barrier after each thread loop, workgroup buffers as attributions, and
// the weight's get_global hoisted to the host.
// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: %[[A:.*]]: memref<64x32xf32>, %[[OUT:.*]]: memref<64x32xf32>)
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[W:.*]] = memref.get_global @w : memref<32xf32>
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C4]], %{{.*}} = %[[C1]], %{{.*}} = %[[C1]]) threads(%[[TX:.*]], %[[TY:.*]], %{{.*}}) in (%{{.*}} = %[[C32]], %{{.*}} = %[[C16]], %{{.*}} = %[[C1]]) workgroup(%[[SH:.*]] : memref<16x32xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ROW0:.*]] = arith.muli %[[BX]], %[[C16]]
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[ROW0]]
// CHECK: memref.subview %[[A]][%[[ROW]], 0] [16, 32] [1, 1]
// CHECK-NOT: memref.alloc
// CHECK: memref.store %{{.*}}, %[[SH]]
// CHECK: gpu.barrier
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: memref.load %[[W]]
// CHECK: gpu.barrier
// CHECK: gpu.terminator
// CHECK-NOT: scf.forall
memref.global "private" constant @w : memref<32xf32> = dense<1.0>
func.func @kernel(%a: memref<64x32xf32>, %out: memref<64x32xf32>) {
  scf.forall (%i) = (0) to (64) step (16) {
    %sh = memref.alloc() : memref<16x32xf32, #gpu.address_space<workgroup>>
    %w = memref.get_global @w : memref<32xf32>
    %sa = memref.subview %a[%i, 0] [16, 32] [1, 1] : memref<64x32xf32> to memref<16x32xf32, strided<[32, 1], offset: ?>>
    %so = memref.subview %out[%i, 0] [16, 32] [1, 1] : memref<64x32xf32> to memref<16x32xf32, strided<[32, 1], offset: ?>>
    scf.forall (%ty, %tx) in (16, 32) {
      %v = memref.load %sa[%ty, %tx] : memref<16x32xf32, strided<[32, 1], offset: ?>>
      memref.store %v, %sh[%ty, %tx] : memref<16x32xf32, #gpu.address_space<workgroup>>
    } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
    scf.forall (%ty) in (4) {
      %s = memref.load %w[%ty] : memref<32xf32>
      %v = memref.load %sh[%ty, %ty] : memref<16x32xf32, #gpu.address_space<workgroup>>
      %r = arith.addf %s, %v : f32
      memref.store %r, %so[%ty, %ty] : memref<16x32xf32, strided<[32, 1], offset: ?>>
    } {mapping = [#gpu.thread<y>]}
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

// A copy between strided buffers left on the host becomes a grid-stride
// kernel; a contiguous one stays (it becomes a gpu.memcpy later).
// CHECK-LABEL: func.func @copies(
// CHECK: gpu.launch blocks({{.*}}) in (%{{.*}} = %{{.*}}, {{.*}}) threads({{.*}}) in (%{{.*}} = %[[C256:.*]], {{.*}})
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[IDX:.*]]:2 = affine.delinearize_index %[[I]] into (8, 16)
// CHECK: memref.load %{{.*}}[%[[IDX]]#0, %[[IDX]]#1] : memref<8x16xf32, strided<[32, 1]>>
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<8x32xf32> to memref<8x32xf32>
func.func @copies(%a: memref<8x32xf32>, %b: memref<8x16xf32>, %c: memref<8x32xf32>) {
  %s = memref.subview %a[0, 0] [8, 16] [1, 1] : memref<8x32xf32> to memref<8x16xf32, strided<[32, 1]>>
  memref.copy %s, %b : memref<8x16xf32, strided<[32, 1]>> to memref<8x16xf32>
  memref.copy %a, %c : memref<8x32xf32> to memref<8x32xf32>
  return
}
