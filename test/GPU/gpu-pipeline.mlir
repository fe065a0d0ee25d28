// REQUIRES: cuda-toolkit
// The CUDA stages end to end on a small model function (linalg on
// tensors, as the linalg stage leaves it).
// RUN: model-opt %s -kiln-gpu-distribute-pipeline | FileCheck %s --check-prefix=DIST
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefixes=BUF,FP32
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=tf32 -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefixes=BUF,TF32
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=bf16 -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefixes=BUF,BF16
// The llvm stage serializes the kernels with ptxas (fatbin: sm_90 cubin +
// PTX): a gpu.binary only exists when ptxas accepted the PTX.
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline -kiln-gpu-llvm-pipeline | FileCheck %s --check-prefix=LLVM
// The PTX itself, for another architecture: tensor-core instructions at
// tf32/bf16, 16-byte asynchronous copies into shared memory.
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline "-kiln-gpu-llvm-pipeline=gpu-arch=sm_80 binary-format=isa" | FileCheck %s --check-prefix=PTX
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=tf32 -kiln-gpu-bufferize-pipeline "-kiln-gpu-llvm-pipeline=gpu-arch=sm_80 binary-format=isa" | FileCheck %s --check-prefix=PTX-TF32
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=bf16 -kiln-gpu-bufferize-pipeline "-kiln-gpu-llvm-pipeline=gpu-arch=sm_80 binary-format=isa" | FileCheck %s --check-prefix=PTX-BF16

// The matmul, its zero fill and its bias + tanh epilogue share 64x64 block
// tiles, marked for kiln-gpu-contraction-kernel; the accumulator between
// them is a block-local tensor.
// DIST-LABEL: func.func @main_graph(
// DIST: scf.forall {{.*}} to (64, 96) step (64, 64)
// DIST: tensor.empty(%{{.*}}) : tensor<64x?xf32>
// DIST: linalg.fill {kiln.gpu.contraction_init}
// DIST: linalg.matmul {kiln.gpu.contraction = {copy_vector = array<i64: 4, 4>, precision = "fp32", thread_tile = array<i64: 8, 4>, tile = array<i64: 64, 64, 32>, warps = array<i64: 0, 0>}}
// DIST: linalg.generic {{.*}} attrs = {kiln.gpu.contraction_epilogue = 0 : i64}
// DIST: math.tanh
// DIST: mapping = [#gpu.block<y>, #gpu.block<x>]

// One kernel (matmul, bias and tanh fused), host code that only copies and
// launches, device memory from the runtime. In the kernel: both operand
// tiles staged by 16-byte asynchronous copies (one group per K step, the
// next step in flight while this one is computed), accumulators in
// registers (loop-carried vectors: CUDA-core outer products at fp32,
// mma.sync fragments at tf32/bf16), the epilogue applied to them and
// stored once; no accumulation in global memory.
// BUF: module attributes {kiln.gpu_workspace_size = {{[0-9]+}} : i64, kiln.workspace_naive_size = 0 : i64, kiln.workspace_size = 0 : i64}
// BUF-LABEL: func.func @main_graph(
// BUF-SAME: %[[IN:.*]]: memref<64x128xf32>, %[[OUT:.*]]: memref<64x96xf32>, %{{.*}}: memref<{{[0-9]+}}xi8>)
// BUF: llvm.call @kiln_cuda_workspace
// BUF-COUNT-2: llvm.call @kiln_cuda_weight
// BUF: gpu.memcpy %{{.*}}, %[[IN]]
// BUF: gpu.launch blocks({{.*}}) in (%{{.*}} = %c2, %{{.*}} = %c1, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c4, %{{.*}} = %c1) workgroup(%[[AS:.*]] : memref<2x64x36xf32, #gpu.address_space<workgroup>>, %[[BS:.*]] : memref<2x32x{{[0-9]+}}xf32, #gpu.address_space<workgroup>>)
// BUF-NOT: linalg.
// BUF: nvgpu.device_async_copy %{{.*}}, %[[AS]][{{.*}}], 4, %{{.*}} {bypassL1}
// BUF: nvgpu.device_async_copy %{{.*}}, %[[BS]][{{.*}}], 4, %{{.*}} {bypassL1}
// BUF: nvgpu.device_async_create_group
// FP32: scf.for {{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// TF32: scf.for {{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// BF16: scf.for {{.*}} iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// BUF: nvgpu.device_async_copy
// BUF: %[[GROUP:.*]] = nvgpu.device_async_create_group
// BUF: nvgpu.device_async_wait %[[GROUP]] {numGroups = 1 : i32}
// BUF-NEXT: gpu.barrier
// FP32: vector.fma {{.*}} : vector<4xf32>
// TF32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// BF16: arith.truncf %{{.*}} : f32 to bf16
// BF16: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// BUF-NOT: memref.store
// BUF: gpu.barrier
// BUF-NEXT: scf.yield
// BUF: math.tanh
// BUF: memref.store
// BUF: gpu.terminator
// BUF-NOT: gpu.launch
// BUF: gpu.memcpy %[[OUT]]
// BUF-NEXT: return

// LLVM: module attributes {gpu.container_module
// LLVM-DAG: llvm.func @kiln_cuda_weight(i64, !llvm.ptr, i64) -> !llvm.ptr
// LLVM-DAG: llvm.func @kiln_cuda_workspace(i64) -> !llvm.ptr
// LLVM-LABEL: llvm.func @main_graph(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
// LLVM: llvm.call @kiln_cuda_workspace
// LLVM: llvm.call @kiln_cuda_weight
// LLVM: %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
// LLVM: llvm.call @mgpuMemcpy({{.*}}, %[[STREAM]])
// LLVM: gpu.launch_func <%[[STREAM]] : !llvm.ptr> @[[MODULE:.*]]::@[[KERNEL:.*]] blocks in
// LLVM: llvm.call @mgpuMemcpy({{.*}}, %[[STREAM]])
// LLVM: llvm.call @mgpuStreamSynchronize(%[[STREAM]])
// LLVM: llvm.call @mgpuStreamDestroy(%[[STREAM]])
// LLVM: gpu.binary @[[MODULE]] [#gpu.object<#nvvm.target<chip = "sm_90">, properties = {{.*}}, "{{.+}}">]
// LLVM-NOT: gpu.module

// PTX: gpu.binary @{{.*}} [#gpu.object<#nvvm.target<chip = "sm_80">, properties = {{.*}}assembly = "
// PTX-SAME: .target sm_80
// PTX-SAME: .entry main_graph_kernel(
// PTX-SAME: .shared .align
// PTX-SAME: cp.async.cg.shared.global
// PTX-SAME: cp.async.commit_group
// PTX-SAME: cp.async.wait_group {{\\09}}1;
// PTX-SAME: bar.sync
// PTX-SAME: ld.shared
// PTX-SAME: fma.rn.f32
// PTX-TF32: cp.async.cg.shared.global
// PTX-TF32-SAME: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
// PTX-BF16: cp.async.cg.shared.global
// PTX-BF16-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

func.func @main_graph(%x: tensor<64x128xf32>) -> tensor<64x96xf32>
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  %w = arith.constant dense<0.01> : tensor<128x96xf32>
  %bias = arith.constant dense<0.5> : tensor<96xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<64x128xf32>, tensor<128x96xf32>)
                      outs(%fill : tensor<64x96xf32>) -> tensor<64x96xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<64x96xf32>, tensor<96xf32>) outs(%e : tensor<64x96xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<64x96xf32>
  return %r : tensor<64x96xf32>
}
