// The staged path (every contraction with contraction-kernels=false; the
// contractions kiln-gpu-contraction-kernel cannot take otherwise).
// RUN: model-opt %s -split-input-file "-kiln-gpu-tile-and-distribute=contraction-kernels=false" -canonicalize -cse | FileCheck %s
// Contraction kernels: block tiles of the kernel's shape, ops marked.
// RUN: model-opt %s -split-input-file -kiln-gpu-tile-and-distribute -canonicalize -cse | FileCheck %s --check-prefix=KERNEL
// RUN: model-opt %s -split-input-file "-kiln-gpu-tile-and-distribute=precision=tf32" -canonicalize -cse | FileCheck %s --check-prefix=TF32

// Matmul + bias/ReLU epilogue: one block per 32x32 output tile (the
// epilogue is the root, the matmul and its fill are fused into it), the
// K loop in steps of 32 with both operand tiles staged in workgroup memory,
// every op of the tile distributed over 32x8 threads.
// KERNEL-LABEL: func.func @matmul_epilogue(
// KERNEL: scf.forall ({{.*}}) = (0, 0) to (64, 96) step (64, 64)
// KERNEL: tensor.empty(%{{.*}}) : tensor<64x?xf32>
// KERNEL: linalg.fill {kiln.gpu.contraction_init}
// KERNEL: linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "fp32", thread_tile = array<i64: 8, 4>, tile = array<i64: 64, 64, 32>, warps = array<i64: 0, 0>}}
// KERNEL: linalg.generic {{.*}} attrs = {kiln.gpu.contraction_epilogue = 0 : i64}
// KERNEL-NOT: #gpu.thread
// KERNEL: mapping = [#gpu.block<y>, #gpu.block<x>]
// TF32-LABEL: func.func @matmul_epilogue(
// TF32: linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "tf32", thread_tile = array<i64: 0, 0>, tile = array<i64: 64, 64, 32>, warps = array<i64: 2, 2>}}
// CHECK-LABEL: func.func @matmul_epilogue(
// CHECK-SAME: %[[A:[a-z0-9]+]]: tensor<64x128xf32>, %[[B:[a-z0-9]+]]: tensor<128x96xf32>, %[[BIAS:[a-z0-9]+]]: tensor<96xf32>)
// CHECK: scf.forall (%[[I:.*]], %[[J:.*]]) = (0, 0) to (64, 96) step (32, 32) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK-DAG: %[[AROWS:.*]] = tensor.extract_slice %[[A]][%[[I]], 0] [32, 128] [1, 1]
// CHECK-DAG: %[[BCOLS:.*]] = tensor.extract_slice %[[B]][0, %[[J]]] [128, 32] [1, 1]
// The accumulator tile lives in workgroup memory.
// CHECK: %[[ACC:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<32x32xf32>
// CHECK: %[[FILLED:.*]] = scf.forall ({{.*}}) in (8, 32) shared_outs(%{{.*}} = %[[ACC]])
// CHECK: linalg.fill {{.*}} -> tensor<4x1xf32>
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[C:.*]] = %[[FILLED]])
// CHECK: %[[ATILE:.*]] = tensor.extract_slice %[[AROWS]][0, %[[K]]] [32, 32] [1, 1]
// CHECK: %[[BTILE:.*]] = tensor.extract_slice %[[BCOLS]][%[[K]], 0] [32, 32] [1, 1]
// CHECK: %[[ASH:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<32x32xf32>
// CHECK: %[[ACOPY:.*]] = scf.forall ({{.*}}) in (8, 32) shared_outs(%{{.*}} = %[[ASH]])
// CHECK: linalg.copy ins(%{{.*}} : tensor<4x1xf32>)
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK: %[[BSH:.*]] = bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<32x32xf32>
// CHECK: %[[BCOPY:.*]] = scf.forall ({{.*}}) in (8, 32) shared_outs(%{{.*}} = %[[BSH]])
// CHECK: linalg.copy
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK: scf.forall ({{.*}}) in (8, 32) shared_outs(%{{.*}} = %[[C]])
// CHECK: tensor.extract_slice %[[ACOPY]]
// CHECK: tensor.extract_slice %[[BCOPY]]
// CHECK: linalg.matmul {{.*}} -> tensor<4x1xf32>
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK: scf.yield
// The epilogue reads the accumulator tile and writes the output tile.
// CHECK: %[[BIASTILE:.*]] = tensor.extract_slice %[[BIAS]][%[[J]]] [32] [1]
// CHECK: scf.forall ({{.*}}) in (8, 32)
// CHECK: tensor.extract_slice %[[SUM]]
// CHECK: tensor.extract_slice %[[BIASTILE]]
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: } {mapping = [#gpu.thread<y>, #gpu.thread<x>]}
// CHECK: } {mapping = [#gpu.block<y>, #gpu.block<x>]}
// Nothing else is left outside the kernel.
// CHECK-NOT: linalg.
// CHECK: return
func.func @matmul_epilogue(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>,
                           %bias: tensor<96xf32>) -> tensor<64x96xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<64x128xf32>, tensor<128x96xf32>)
                      outs(%fill : tensor<64x96xf32>) -> tensor<64x96xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<64x96xf32>, tensor<96xf32>) outs(%e : tensor<64x96xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<64x96xf32>
  return %r : tensor<64x96xf32>
}

// -----

// Elementwise op: 4x4x32 tiles on the three innermost loops, one element
// per thread; the leading unit loop stays whole.
// CHECK-LABEL: func.func @elementwise(
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) = (0, 0, 0) to (8, 16, 64) step (4, 4, 32)
// CHECK: tensor.extract_slice %{{.*}}[0, %{{.*}}, %{{.*}}, %{{.*}}] [1, 4, 4, 32] [1, 1, 1, 1]
// CHECK: scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (4, 4, 32)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x1x1xf32>)
// CHECK: math.exp
// CHECK: } {mapping = [#gpu.thread<z>, #gpu.thread<y>, #gpu.thread<x>]}
// CHECK: } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
func.func @elementwise(%x: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  %e = tensor.empty() : tensor<1x8x16x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                        affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x16x64xf32>) outs(%e : tensor<1x8x16x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = math.exp %a : f32
    linalg.yield %y : f32
  } -> tensor<1x8x16x64xf32>
  return %r : tensor<1x8x16x64xf32>
}

// -----

// Padding: a fill kernel and a copy kernel into the interior slice (no
// tensor.pad or insert_slice computes on the host).
// CHECK-LABEL: func.func @pad(
// CHECK-SAME: %[[X:.*]]: tensor<1x4x6x6xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[FILLED:.*]] = scf.forall {{.*}} to (4, 8, 8) step (4, 4, 8)
// CHECK: linalg.fill
// CHECK: } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
// CHECK: %[[INTERIOR:.*]] = tensor.extract_slice %[[FILLED]][0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
// Edge tiles along H (6 rows in steps of 4) have dynamic sizes.
// CHECK: %[[COPIED:.*]] = scf.forall {{.*}} to (4, 6, 6) step (4, 4, 6) shared_outs(%{{.*}} = %[[INTERIOR]])
// CHECK: affine.min
// CHECK: tensor.extract_slice %[[X]]
// CHECK: linalg.copy {{.*}} -> tensor<1x1x?x1xf32>
// CHECK: } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
// CHECK: %[[R:.*]] = tensor.insert_slice %[[COPIED]] into %[[FILLED]][0, 0, 1, 1]
// CHECK: return %[[R]]
func.func @pad(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x4x6x6xf32> to tensor<1x4x8x8xf32>
  return %p : tensor<1x4x8x8xf32>
}

// -----

// A full reduction has no parallel loop to distribute: it runs on one
// thread of one block.
// CHECK-LABEL: func.func @full_reduction(
// CHECK: scf.forall (%{{.*}}) in (1)
// CHECK: scf.forall (%{{.*}}) in (1)
// CHECK: linalg.reduce
// CHECK: } {mapping = [#gpu.thread<x>]}
// CHECK: } {mapping = [#gpu.block<x>]}
func.func @full_reduction(%x: tensor<64xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.reduce ins(%x : tensor<64xf32>) outs(%init : tensor<f32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<f32>
}

// -----

// Attention's probs @ V with its transpose epilogue: the block tile holds
// all 12 heads, so staging K in steps of 32 would take 12x1x32 + 12x32x32
// floats (0xc600 bytes, past the 48 KiB of static shared memory); the K
// step is halved until the staged tiles fit in 32 KiB.
// The batch matmul's consumer transposes its result: no kernel tile.
// KERNEL-LABEL: func.func @attention_values(
// KERNEL-NOT: kiln.gpu.contraction
// KERNEL: return
// CHECK-LABEL: func.func @attention_values(
// CHECK: scf.forall ({{.*}}) = (0, 0, 0) to (128, 12, 64) step (1, 12, 32)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16 iter_args
// CHECK: bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<12x1x16xf32>
// CHECK: bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>} : tensor<12x16x32xf32>
// CHECK: linalg.batch_matmul {{.*}} -> tensor<12x1x1xf32>
func.func @attention_values(%p: tensor<12x128x128xf32>,
                            %v: tensor<12x128x64xf32>) -> tensor<128x12x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x128x64xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<12x128x64xf32>) -> tensor<12x128x64xf32>
  %mm = linalg.batch_matmul ins(%p, %v : tensor<12x128x128xf32>, tensor<12x128x64xf32>)
                            outs(%fill : tensor<12x128x64xf32>) -> tensor<12x128x64xf32>
  %t = tensor.empty() : tensor<128x12x64xf32>
  %r = linalg.transpose ins(%mm : tensor<12x128x64xf32>) outs(%t : tensor<128x12x64xf32>) permutation = [1, 0, 2]
  return %r : tensor<128x12x64xf32>
}

// -----

// One fill shared by two batch matmuls (CSE merges equal fills): each
// consumer gets its own copy, computed in its own block tile, instead of a
// separate fill kernel whose result the second consumer would have to copy
// at block level.
// KERNEL-LABEL: func.func @shared_fill(
// KERNEL: scf.forall ({{.*}}) = (0, 0, 0) to (4, 16, 16) step (1, 16, 16)
// KERNEL: linalg.fill {kiln.gpu.contraction_init}
// KERNEL: linalg.batch_matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "fp32", thread_tile = array<i64: 2, 4>, tile = array<i64: 16, 64, 16>, warps = array<i64: 0, 0>}}
// KERNEL: mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]
// KERNEL: linalg.fill {kiln.gpu.contraction_init}
// KERNEL: linalg.batch_matmul {kiln.gpu.contraction
// TF32-LABEL: func.func @shared_fill(
// TF32: linalg.batch_matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "tf32", thread_tile = array<i64: 0, 0>, tile = array<i64: 64, 64, 16>, warps = array<i64: 2, 2>}}
// CHECK-LABEL: func.func @shared_fill(
// CHECK: scf.forall
// CHECK: linalg.fill
// CHECK: linalg.batch_matmul
// CHECK: } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
// CHECK: scf.forall
// CHECK: linalg.fill
// CHECK: linalg.batch_matmul
// CHECK: } {mapping = [#gpu.block<z>, #gpu.block<y>, #gpu.block<x>]}
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @shared_fill(%a: tensor<4x16x16xf32>, %b: tensor<4x16x16xf32>)
    -> (tensor<4x16x16xf32>, tensor<4x16x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16x16xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %x = linalg.batch_matmul ins(%a, %b : tensor<4x16x16xf32>, tensor<4x16x16xf32>)
                           outs(%fill : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  %y = linalg.batch_matmul ins(%x, %b : tensor<4x16x16xf32>, tensor<4x16x16xf32>)
                           outs(%fill : tensor<4x16x16xf32>) -> tensor<4x16x16xf32>
  return %x, %y : tensor<4x16x16xf32>, tensor<4x16x16xf32>
}

// -----

// A matrix-vector product (batch-1 Gemm): below 16 rows tensor cores do not
// pay; every thread owns 1 x 4 outputs of a 128-wide block tile.
// KERNEL-LABEL: func.func @gemv(
// KERNEL: scf.forall ({{.*}}) = (0, 0) to (1, 1000) step (1, 128)
// KERNEL: linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "fp32", thread_tile = array<i64: 1, 4>, tile = array<i64: 1, 128, 32>, warps = array<i64: 0, 0>}}
// TF32-LABEL: func.func @gemv(
// TF32: precision = "fp32"
// CHECK-LABEL: func.func @gemv(
func.func @gemv(%x: tensor<1x512xf32>, %w: tensor<512x1000xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %r = linalg.matmul ins(%x, %w : tensor<1x512xf32>, tensor<512x1000xf32>)
                     outs(%f : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %r : tensor<1x1000xf32>
}
