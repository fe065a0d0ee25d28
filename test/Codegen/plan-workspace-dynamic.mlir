// RUN: model-opt %s -split-input-file -verify-diagnostics -kiln-plan-workspace="max-stack-bytes=1024" | FileCheck %s

// Dynamically sized buffers get the bytes of their largest size over the
// input ranges (200 x 64 floats, then 198 x 64) and are viewed with their
// actual sizes; kiln.workspace_size is the size at the upper bounds.
// CHECK: module attributes {kiln.workspace_naive_size = 101888 : i64, kiln.workspace_size = 101888 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[IN:.*]]: memref<?x64xf32>, %[[OUT:.*]]: memref<?x64xf32>, %[[WS:.*]]: memref<101888xi8>)
// CHECK: %[[D:.*]] = memref.dim %[[IN]], %{{.*}} : memref<?x64xf32>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[C0]]][%[[D]]] : memref<101888xi8> to memref<?x64xf32>
// CHECK: memref.copy %[[IN]], %[[A]]
// CHECK: %[[D2:.*]] = arith.subi %[[D]], %{{.*}} : index
// CHECK: %[[C51200:.*]] = arith.constant 51200 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[C51200]]][%[[D2]]] : memref<101888xi8> to memref<?x64xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @main_graph(%in: memref<?x64xf32>, %out: memref<?x64xf32>)
    attributes {kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %d = memref.dim %in, %c0 : memref<?x64xf32>
  %a = memref.alloc(%d) {alignment = 64 : i64} : memref<?x64xf32>
  memref.copy %in, %a : memref<?x64xf32> to memref<?x64xf32>
  %d2 = arith.subi %d, %c2 : index
  %b = memref.alloc(%d2) {alignment = 64 : i64} : memref<?x64xf32>
  %sub = memref.subview %a[0, 0] [%d2, 64] [1, 1] : memref<?x64xf32> to memref<?x64xf32, strided<[64, 1]>>
  memref.copy %sub, %b : memref<?x64xf32, strided<[64, 1]>> to memref<?x64xf32>
  %s2 = memref.subview %out[0, 0] [%d2, 64] [1, 1] : memref<?x64xf32> to memref<?x64xf32, strided<[64, 1]>>
  memref.copy %b, %s2 : memref<?x64xf32> to memref<?x64xf32, strided<[64, 1]>>
  memref.dealloc %a : memref<?x64xf32>
  memref.dealloc %b : memref<?x64xf32>
  return
}

// -----

// A buffer private to each iteration of a parallel loop whose trip count
// follows a dynamic dimension (ceil(d / 8) <= 4 chunks): too big for the
// stack budget, it gets one slot per chunk of the largest trip count.
// CHECK: module attributes {kiln.workspace_naive_size = 8192 : i64, kiln.workspace_size = 8192 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK: scf.forall
// CHECK: memref.view %{{.*}}[%{{.*}}][] : memref<8192xi8> to memref<8x64xf32>
func.func @main_graph(%in: memref<?x64xf32>, %out: memref<?x64xf32>)
    attributes {kiln.input_ranges = [array<i64: 1, 16, 32, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %in, %c0 : memref<?x64xf32>
  %n = affine.apply affine_map<()[s0] -> (s0 ceildiv 8)>()[%d]
  scf.forall (%i) in (%n) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
    %row = affine.apply affine_map<(d0) -> (d0 * 8)>(%i)
    %s = memref.subview %in[%row, 0] [8, 64] [1, 1] : memref<?x64xf32> to memref<8x64xf32, strided<[64, 1], offset: ?>>
    memref.copy %s, %t : memref<8x64xf32, strided<[64, 1], offset: ?>> to memref<8x64xf32>
    %o = memref.subview %out[%row, 0] [8, 64] [1, 1] : memref<?x64xf32> to memref<8x64xf32, strided<[64, 1], offset: ?>>
    memref.copy %t, %o : memref<8x64xf32> to memref<8x64xf32, strided<[64, 1], offset: ?>>
    memref.dealloc %t : memref<8x64xf32>
  }
  return
}

// -----

// The same when the trip count is the dim of another planned buffer (which
// becomes a workspace view first, so its bound is read before any buffer is
// rewritten): each chunk still gets its own slot, at its index times the
// slot size (one shared slot was a data race between threads).
// CHECK-LABEL: func.func @main_graph(
// CHECK: %[[A:.*]] = memref.view %{{.*}} to memref<?x64xf32>
// CHECK: %[[N:.*]] = memref.dim %[[A]], %{{.*}} : memref<?x64xf32>
// CHECK: scf.forall (%[[I:.*]]) in (%[[N]])
// CHECK: %[[IV:.*]] = arith.subi %[[I]],
// CHECK: %[[IDX:.*]] = arith.divui %[[IV]],
// CHECK: %[[LIN:.*]] = arith.addi %{{.*}}, %[[IDX]] : index
// CHECK: %[[SLOT:.*]] = arith.constant 2048 : index
// CHECK: %[[SCALED:.*]] = arith.muli %[[LIN]], %[[SLOT]] : index
// CHECK: %[[OFF:.*]] = arith.addi %{{.*}}, %[[SCALED]] : index
// CHECK: memref.view %{{.*}}[%[[OFF]]][] : memref<{{[0-9]+}}xi8> to memref<8x64xf32>
func.func @main_graph(%in: memref<?x64xf32>, %out: memref<?x64xf32>)
    attributes {kiln.input_ranges = [array<i64: 1, 4, 4, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %d = memref.dim %in, %c0 : memref<?x64xf32>
  %a = memref.alloc(%d) {alignment = 64 : i64} : memref<?x64xf32>
  memref.copy %in, %a : memref<?x64xf32> to memref<?x64xf32>
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.forall (%i) in (%n) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<8x64xf32>
    %s = memref.subview %a[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    %t1 = memref.subview %t[0, 0] [1, 64] [1, 1] : memref<8x64xf32> to memref<1x64xf32, strided<[64, 1]>>
    memref.copy %s, %t1 : memref<1x64xf32, strided<[64, 1], offset: ?>> to memref<1x64xf32, strided<[64, 1]>>
    %o = memref.subview %out[%i, 0] [1, 64] [1, 1] : memref<?x64xf32> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    memref.copy %t1, %o : memref<1x64xf32, strided<[64, 1]>> to memref<1x64xf32, strided<[64, 1], offset: ?>>
    memref.dealloc %t : memref<8x64xf32>
  }
  memref.dealloc %a : memref<?x64xf32>
  return
}

// -----

// A size read from data has no upper bound: a clear error, no crash.
func.func @main_graph(%in: memref<?x64xf32>, %n: memref<index>, %out: memref<?x64xf32>)
    attributes {kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>, array<i64>]} {
  %size = memref.load %n[] : memref<index>
  // expected-error@+1 {{kiln-plan-workspace: cannot place a dynamically sized buffer 'memref<?x64xf32>': dimension 0 has no upper bound over the input ranges}}
  %a = memref.alloc(%size) {alignment = 64 : i64} : memref<?x64xf32>
  memref.copy %in, %a : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %a, %out : memref<?x64xf32> to memref<?x64xf32>
  memref.dealloc %a : memref<?x64xf32>
  return
}

// -----

// A dynamic buffer in a model function without input ranges: the error
// says so.
func.func @main_graph(%in: memref<?x64xf32>, %out: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %d = memref.dim %in, %c0 : memref<?x64xf32>
  // expected-error@+1 {{dimension 0 has no upper bound over the input ranges (the model function has no kiln.input_ranges)}}
  %a = memref.alloc(%d) {alignment = 64 : i64} : memref<?x64xf32>
  memref.copy %in, %a : memref<?x64xf32> to memref<?x64xf32>
  memref.copy %a, %out : memref<?x64xf32> to memref<?x64xf32>
  memref.dealloc %a : memref<?x64xf32>
  return
}
