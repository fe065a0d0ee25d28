// RUN: model-opt %s -split-input-file -verify-diagnostics -kiln-plan-workspace | FileCheck %s

// A chain a -> b -> c of 1 KiB buffers: a is dead once b is computed, so c
// reuses a's bytes; b overlaps both. 2 KiB planned instead of 3.
// CHECK: module attributes {kiln.workspace_naive_size = 3072 : i64, kiln.workspace_size = 2048 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[IN:.*]]: memref<256xf32>, %[[OUT:.*]]: memref<256xf32>, %[[WS:.*]]: memref<2048xi8>) {
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<2048xi8> to memref<256xf32>
// CHECK: memref.copy %[[IN]], %[[A]]
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[C1024]]][] : memref<2048xi8> to memref<256xf32>
// CHECK: memref.copy %[[A]], %[[B]]
// CHECK: %[[C0_2:.*]] = arith.constant 0 : index
// CHECK: %[[C:.*]] = memref.view %[[WS]][%[[C0_2]]][] : memref<2048xi8> to memref<256xf32>
// CHECK: memref.copy %[[B]], %[[C]]
// CHECK: memref.copy %[[C]], %[[OUT]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @main_graph(%in: memref<256xf32>, %out: memref<256xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %in, %a : memref<256xf32> to memref<256xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %a, %b : memref<256xf32> to memref<256xf32>
  %c = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %b, %c : memref<256xf32> to memref<256xf32>
  memref.copy %c, %out : memref<256xf32> to memref<256xf32>
  memref.dealloc %a : memref<256xf32>
  memref.dealloc %b : memref<256xf32>
  memref.dealloc %c : memref<256xf32>
  return
}

// -----

// Overlapping lifetimes get distinct bytes; the largest buffer is placed
// first (offset 0) though it is allocated last. Sizes are rounded up to
// 64 bytes (4 x f32 -> 64).
// CHECK: module attributes {kiln.workspace_naive_size = 4160 : i64, kiln.workspace_size = 4160 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: memref<4xf32>, %{{.*}}: memref<1024xf32>, %[[WS:.*]]: memref<4160xi8>) {
// CHECK: %[[C4096:.*]] = arith.constant 4096 : index
// CHECK: memref.view %[[WS]][%[[C4096]]][] : memref<4160xi8> to memref<4xf32>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[WS]][%[[C0]]][] : memref<4160xi8> to memref<1024xf32>
func.func @main_graph(%in: memref<4xf32>, %out: memref<1024xf32>) {
  %small = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
  memref.copy %in, %small : memref<4xf32> to memref<4xf32>
  %c1 = arith.constant 1 : index
  %big = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
  %v = memref.load %small[%c1] : memref<4xf32>
  linalg.fill ins(%v : f32) outs(%big : memref<1024xf32>)
  memref.copy %big, %out : memref<1024xf32> to memref<1024xf32>
  return
}

// -----

// A subview keeps its buffer alive: %b's last direct use is before %c is
// allocated, but its subview is read after, so %c may not take %b's bytes.
// CHECK: module attributes {kiln.workspace_naive_size = 2048 : i64, kiln.workspace_size = 2048 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[WS:[^:]*]]: memref<2048xi8>) {
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<2048xi8> to memref<256xf32>
// CHECK: %[[SV:.*]] = memref.subview %[[B]]
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[C:.*]] = memref.view %[[WS]][%[[C1024]]][] : memref<2048xi8> to memref<256xf32>
// CHECK: memref.copy %[[SV]]
func.func @main_graph(%in: memref<256xf32>, %out: memref<128xf32>, %out2: memref<256xf32>) {
  %b = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %in, %b : memref<256xf32> to memref<256xf32>
  %sv = memref.subview %b[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
  %c = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %in, %c : memref<256xf32> to memref<256xf32>
  memref.copy %sv, %out : memref<128xf32, strided<[1]>> to memref<128xf32>
  memref.copy %c, %out2 : memref<256xf32> to memref<256xf32>
  return
}

// -----

// The same through collapse_shape: %a lives as long as its reshaped view.
// CHECK: module attributes {kiln.workspace_naive_size = 2048 : i64, kiln.workspace_size = 2048 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %{{.*}}[%[[C0]]][] : memref<2048xi8> to memref<16x16xf32>
// CHECK: memref.collapse_shape
// CHECK: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: memref.view %{{.*}}[%[[C1024]]][] : memref<2048xi8> to memref<256xf32>
func.func @main_graph(%in: memref<16x16xf32>, %out: memref<256xf32>) {
  %a = memref.alloc() {alignment = 64 : i64} : memref<16x16xf32>
  memref.copy %in, %a : memref<16x16xf32> to memref<16x16xf32>
  %flat = memref.collapse_shape %a [[0, 1]] : memref<16x16xf32> into memref<256xf32>
  %b = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
  memref.copy %flat, %b : memref<256xf32> to memref<256xf32>
  memref.copy %b, %out : memref<256xf32> to memref<256xf32>
  return
}

// -----

// Buffers private to an scf.forall iteration (which may run on any thread):
// a small one goes on the stack, at the start of the loop body, whose stack
// pointer is restored at the end of each iteration; one too big for the
// stack gets a workspace slot per iteration (2 x 128 KiB). A buffer in a
// sequential loop is hoisted into the workspace before the loop; it is live
// only during that loop, so it reuses the slots' bytes.
// CHECK: module attributes {kiln.workspace_naive_size = 263168 : i64, kiln.workspace_size = 262144 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: memref<2x16xf32>, %{{.*}}: memref<2x16xf32>, %[[WS:.*]]: memref<262144xi8>) {
// CHECK: scf.forall (%[[I:.*]]) in (2) {
// CHECK:   %[[SP:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK:   %[[T:.*]] = memref.alloca() {alignment = 64 : i64} : memref<16xf32>
// CHECK:   %[[LIN:.*]] = arith.addi
// CHECK:   %[[BASE:.*]] = arith.constant 0 : index
// CHECK:   %[[STRIDE:.*]] = arith.constant 131072 : index
// CHECK:   %[[SCALED:.*]] = arith.muli %[[LIN]], %[[STRIDE]] : index
// CHECK:   %[[OFF:.*]] = arith.addi %[[BASE]], %[[SCALED]] : index
// CHECK:   %[[BIG:.*]] = memref.view %[[WS]][%[[OFF]]][] : memref<262144xi8> to memref<32768xf32>
// CHECK:   memref.copy %{{.*}}, %[[T]]
// CHECK:   linalg.fill {{.*}} outs(%[[BIG]] : memref<32768xf32>)
// CHECK:   llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CHECK: }
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[SEQ:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<262144xi8> to memref<256xf32>
// CHECK: scf.for
// CHECK:   linalg.fill {{.*}} outs(%[[SEQ]] : memref<256xf32>)
// CHECK-NOT: memref.alloc(
// CHECK-NOT: memref.dealloc
func.func @main_graph(%in: memref<2x16xf32>, %out: memref<2x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) in (2) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    %big = memref.alloc() {alignment = 64 : i64} : memref<32768xf32>
    %src = memref.subview %in[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    %dst = memref.subview %out[%i, 0] [1, 16] [1, 1] : memref<2x16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.copy %src, %t : memref<16xf32, strided<[1], offset: ?>> to memref<16xf32>
    linalg.fill ins(%zero : f32) outs(%big : memref<32768xf32>)
    memref.copy %t, %dst : memref<16xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.dealloc %t : memref<16xf32>
    memref.dealloc %big : memref<32768xf32>
  }
  scf.for %k = %c0 to %c4 step %c1 {
    %seq = memref.alloc() {alignment = 64 : i64} : memref<256xf32>
    linalg.fill ins(%zero : f32) outs(%seq : memref<256xf32>)
    memref.dealloc %seq : memref<256xf32>
  }
  return
}

// -----

// A model without intermediates still takes the (empty) workspace.
// CHECK: module attributes {kiln.workspace_naive_size = 0 : i64, kiln.workspace_size = 0 : i64}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>, %{{.*}}: memref<0xi8>) {
func.func @main_graph(%in: memref<4xf32>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

// Too big for the stack, and the loop's trip count is unknown: no number of
// workspace slots is enough.
func.func @main_graph(%n: index, %out: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%i) in (%n) {
    // expected-error@+1 {{kiln-plan-workspace: cannot place a 131072-byte buffer allocated inside a loop}}
    %t = memref.alloc() : memref<32768xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<32768xf32>)
  }
  return
}

// -----

// A buffer yielded to the next iteration cannot be hoisted out of its loop.
func.func @main_graph(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %k = %c0 to %c4 step %c1 iter_args(%prev = %in) -> (memref<4xf32>) {
    // expected-error@+1 {{kiln-plan-workspace: cannot place a buffer that escapes its loop iteration}}
    %t = memref.alloc() : memref<4xf32>
    memref.copy %prev, %t : memref<4xf32> to memref<4xf32>
    scf.yield %t : memref<4xf32>
  }
  memref.copy %r, %out : memref<4xf32> to memref<4xf32>
  return
}

// -----

func.func @main_graph(%n: index, %out: memref<4xf32>) {
  // expected-error@+1 {{kiln-plan-workspace: cannot place a dynamically sized buffer}}
  %t = memref.alloc(%n) : memref<?xf32>
  return
}
