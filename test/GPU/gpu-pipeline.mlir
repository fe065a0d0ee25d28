// REQUIRES: cuda-toolkit
// The CUDA stages end to end on a small model function (linalg on
// tensors, as the linalg stage leaves it).
// RUN: model-opt %s -kiln-gpu-distribute-pipeline | FileCheck %s --check-prefix=DIST
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefix=BUF
// The llvm stage serializes the kernels with ptxas (fatbin: sm_90 cubin +
// PTX): a gpu.binary only exists when ptxas accepted the PTX.
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline -kiln-gpu-llvm-pipeline | FileCheck %s --check-prefix=LLVM
// The PTX itself, for another architecture.
// RUN: model-opt %s -kiln-gpu-distribute-pipeline -kiln-gpu-bufferize-pipeline "-kiln-gpu-llvm-pipeline=gpu-arch=sm_80 binary-format=isa" | FileCheck %s --check-prefix=PTX

// DIST-LABEL: func.func @main_graph(
// DIST: scf.forall {{.*}} to (64, 96) step (32, 32)
// DIST: bufferization.alloc_tensor() {memory_space = #gpu.address_space<workgroup>}
// DIST: linalg.matmul
// DIST: mapping = [#gpu.thread<y>, #gpu.thread<x>]
// DIST: math.tanh
// DIST: mapping = [#gpu.block<y>, #gpu.block<x>]

// One kernel (matmul, bias and tanh fused), host code that only copies and
// launches, device memory from the runtime.
// BUF: module attributes {kiln.gpu_workspace_size = {{[0-9]+}} : i64, kiln.workspace_naive_size = 0 : i64, kiln.workspace_size = 0 : i64}
// BUF-LABEL: func.func @main_graph(
// BUF-SAME: %[[IN:.*]]: memref<64x128xf32>, %[[OUT:.*]]: memref<64x96xf32>, %{{.*}}: memref<{{[0-9]+}}xi8>)
// BUF: llvm.call @kiln_cuda_workspace
// BUF-COUNT-2: llvm.call @kiln_cuda_weight
// BUF: gpu.memcpy %{{.*}}, %[[IN]]
// BUF: gpu.launch blocks({{.*}}) in (%{{.*}} = %c3, %{{.*}} = %c2, %{{.*}} = %c1) threads({{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c8, %{{.*}} = %c1) workgroup({{.*}}, {{.*}}, {{.*}})
// BUF: gpu.barrier
// BUF: linalg.matmul
// BUF: math.tanh
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
// PTX-SAME: bar.sync
// PTX-SAME: ld.shared

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
