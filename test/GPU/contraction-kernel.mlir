// RUN: model-opt %s -split-input-file -verify-diagnostics -kiln-gpu-contraction-kernel -canonicalize -cse | FileCheck %s

// A tf32 block tile with a zero fill and a bias + ReLU epilogue (the
// accumulator a block-local buffer): one thread forall of 4 warps x 32
// lanes; A and B tiles staged in two-stage workgroup buffers (rows padded:
// 32 + 4, 64 + 8) by 16-byte asynchronous copies, one group per K step and
// the next step in flight; mma.sync accumulators carried by the K loop; the
// epilogue applied to them and stored into the output; the accumulator
// buffer, the fill, the matmul and the epilogue are gone.
// CHECK-LABEL: func.func @matmul_bias(
// CHECK-NOT: linalg.
// CHECK: %[[AS:.*]] = memref.alloc() : memref<2x64x36xf32, #gpu.address_space<workgroup>>
// CHECK: %[[BS:.*]] = memref.alloc() : memref<2x32x72xf32, #gpu.address_space<workgroup>>
// CHECK: scf.forall (%[[WARP:.*]], %[[LANE:.*]]) in (4, 32)
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}, %[[AS]][%c0, {{.*}}], 4, %{{.*}} {bypassL1}
// CHECK-COUNT-4: nvgpu.device_async_copy %{{.*}}, %[[BS]][%c0, {{.*}}], 4, %{{.*}} {bypassL1}
// CHECK: nvgpu.device_async_create_group
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK-COUNT-8: nvgpu.device_async_copy
// CHECK: %[[GROUP:.*]] = nvgpu.device_async_create_group
// CHECK-NEXT: nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK-NOT: memref.store
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: arith.maximumf
// CHECK: memref.store
// CHECK: mapping = [#gpu.thread<y>, #gpu.thread<x>]
// CHECK-NOT: memref.dealloc
// CHECK: mapping = [#gpu.block<y>, #gpu.block<x>]
#min = affine_map<(d0) -> (-d0 + 96, 64)>
func.func @matmul_bias(%a: memref<64x128xf32>, %b: memref<128x96xf32>,
                       %bias: memref<96xf32>, %out: memref<64x96xf32>) {
  %zero = arith.constant 0.0 : f32
  scf.forall (%i, %j) = (0, 0) to (64, 96) step (64, 64) {
    %n = affine.min #min(%j)
    %sa = memref.subview %a[%i, 0] [64, 128] [1, 1] : memref<64x128xf32> to memref<64x128xf32, strided<[128, 1], offset: ?>>
    %sb = memref.subview %b[0, %j] [128, %n] [1, 1] : memref<128x96xf32> to memref<128x?xf32, strided<[96, 1], offset: ?>>
    %acc = memref.alloc(%n) : memref<64x?xf32>
    linalg.fill {kiln.gpu.contraction_init} ins(%zero : f32) outs(%acc : memref<64x?xf32>)
    linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "tf32", thread_tile = array<i64: 0, 0>, tile = array<i64: 64, 64, 32>, warps = array<i64: 2, 2>}}
        ins(%sa, %sb : memref<64x128xf32, strided<[128, 1], offset: ?>>, memref<128x?xf32, strided<[96, 1], offset: ?>>)
        outs(%acc : memref<64x?xf32>)
    %sbias = memref.subview %bias[%j] [%n] [1] : memref<96xf32> to memref<?xf32, strided<[1], offset: ?>>
    %so = memref.subview %out[%i, %j] [64, %n] [1, 1] : memref<64x96xf32> to memref<64x?xf32, strided<[96, 1], offset: ?>>
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%acc, %sbias : memref<64x?xf32>, memref<?xf32, strided<[1], offset: ?>>)
        outs(%so : memref<64x?xf32, strided<[96, 1], offset: ?>>) attrs = {kiln.gpu.contraction_epilogue = 0 : i64} {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %s = arith.addf %x, %y : f32
      %r = arith.maximumf %s, %zero : f32
      linalg.yield %r : f32
    }
    memref.dealloc %acc : memref<64x?xf32>
  } {mapping = [#gpu.block<y>, #gpu.block<x>]}
  return
}

// -----

// fp32 batch matmul, B read transposed (Q K^T): a batch loop around the
// pipeline; each thread an 8 x 4 tile of vector.fma outer products; B's
// staged rows are its own (n, k) rows, read element by element; without an
// epilogue the accumulators are stored into C.
// CHECK-LABEL: func.func @batch_qk(
// CHECK: memref.alloc() : memref<2x64x36xf32, #gpu.address_space<workgroup>>
// CHECK: memref.alloc() : memref<2x64x36xf32, #gpu.address_space<workgroup>>
// CHECK: scf.forall ({{.*}}) in (4, 32)
// CHECK: scf.for %[[BATCH:.*]] = %c0 to %c2 step %c1
// CHECK: scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: gpu.barrier
// CHECK: scf.for %{{.*}} = %c0 to %c32 step %c1 iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: vector.from_elements {{.*}} : vector<4xf32>
// CHECK: vector.fma {{.*}} : vector<4xf32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<2x64x64xf32>
func.func @batch_qk(%q: memref<2x64x64xf32>, %k: memref<2x64x64xf32>, %c: memref<2x64x64xf32>) {
  scf.forall (%i) in (1) {
    linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                                     affine_map<(b, m, n, k) -> (b, n, k)>,
                                     affine_map<(b, m, n, k) -> (b, m, n)>],
                    iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%q, %k : memref<2x64x64xf32>, memref<2x64x64xf32>) outs(%c : memref<2x64x64xf32>)
        attrs = {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "fp32", thread_tile = array<i64: 8, 4>, tile = array<i64: 64, 64, 32>, warps = array<i64: 0, 0>}} {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %o, %p : f32
      linalg.yield %s : f32
    }
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func @bad_config(%a: memref<64x64xf32>, %b: memref<64x64xf32>, %c: memref<64x64xf32>) {
  scf.forall (%i) in (1) {
    // expected-error @+1 {{kiln-gpu-contraction-kernel: bad kiln.gpu.contraction config}}
    linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "tf32", thread_tile = array<i64: 0, 0>, tile = array<i64: 64, 64, 12>, warps = array<i64: 2, 2>}}
        ins(%a, %b : memref<64x64xf32>, memref<64x64xf32>) outs(%c : memref<64x64xf32>)
  } {mapping = [#gpu.block<x>]}
  return
}
