// REQUIRES: cuda-toolkit
// A 3x3 convolution + bias + ReLU through the CUDA stages at tf32 and bf16:
// one kernel, an implicit GEMM on tensor cores. The filter tiles are
// staged by 16-byte asynchronous copies, the image columns gathered from
// the image itself while staging (no column buffer: no launch or
// allocation besides the one kernel), mma.sync accumulators in registers,
// bias (initializer) and ReLU (epilogue) applied to them.
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=tf32 -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefixes=CHECK,TF32
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=bf16 -kiln-gpu-bufferize-pipeline | FileCheck %s --check-prefixes=CHECK,BF16
// RUN: model-opt %s -kiln-gpu-distribute-pipeline=precision=bf16 -kiln-gpu-bufferize-pipeline "-kiln-gpu-llvm-pipeline=gpu-arch=sm_80 binary-format=isa" | FileCheck %s --check-prefix=PTX

// CHECK-LABEL: func.func @conv_bias_relu(
// CHECK-SAME: %[[IMAGE:[^:]*]]: memref<1x8x10x10xf32>
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32, %{{.*}} = %c4, %{{.*}} = %c1) workgroup(%[[FS:.*]] : memref<2x64x36xf32, #gpu.address_space<workgroup>>, %[[CS:.*]] : memref<2x32x72xf32, #gpu.address_space<workgroup>>)
// CHECK: nvgpu.device_async_copy %{{.*}}, %[[FS]][{{.*}}], 4, %{{.*}} {bypassL1} : memref<16x72xf32>
// CHECK: memref.load %[[IMAGE]][
// CHECK: memref.store %{{.*}}, %[[CS]][
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: nvgpu.device_async_wait
// CHECK: gpu.barrier
// TF32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled}
// BF16: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]}
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK: arith.maximumf
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch

// PTX: cp.async.cg.shared.global
// PTX-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
func.func @conv_bias_relu(%x: tensor<1x8x10x10xf32>, %w: tensor<16x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<1x16x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x8x8xf32>
  %bias = linalg.broadcast ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x8x8xf32>) dimensions = [0, 2, 3]
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x8x10x10xf32>, tensor<16x8x3x3xf32>) outs(%bias : tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x16x8x8xf32>) outs(%e : tensor<1x16x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x8x8xf32>
  return %r : tensor<1x16x8x8xf32>
}
