// RUN: model-opt %s -split-input-file -kiln-cpu-tile-and-fuse="vector-bits=256 vector-registers=16 num-threads=1" | FileCheck %s --check-prefix=REG16
// RUN: model-opt %s -split-input-file -kiln-cpu-tile-and-fuse="vector-bits=256 vector-registers=32 num-threads=1" | FileCheck %s --check-prefix=REG32

// The register tile follows the target's vector registers: with 32 (AVX-512,
// NEON) 8 rows x 2 vectors (16 accumulators); with 16 (AVX2, SSE) 6 rows x 2
// vectors (12 accumulators, room left for the operands: 8 rows spilled and
// ran a 1024^3 matmul 2.1x slower on a Zen 3 AVX2 machine).
// REG16-LABEL: func.func @matmul(
// REG16: linalg.matmul {{.*}} -> tensor<6x16xf32>
// REG32-LABEL: func.func @matmul(
// REG32: linalg.matmul {{.*}} -> tensor<8x16xf32>
func.func @matmul(%a: tensor<96x64xf32>, %b: tensor<64x64xf32>) -> tensor<96x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<96x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<96x64xf32>) -> tensor<96x64xf32>
  %r = linalg.matmul ins(%a, %b : tensor<96x64xf32>, tensor<64x64xf32>) outs(%f : tensor<96x64xf32>) -> tensor<96x64xf32>
  return %r : tensor<96x64xf32>
}

// -----

// A convolution: 6 output channels per register tile with 16 registers
// (96 = 16 x 6), 8 with 32.
// REG16-LABEL: func.func @conv(
// REG16: linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x6x1x16xf32>
// REG32-LABEL: func.func @conv(
// REG32: linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x8x1x16xf32>
func.func @conv(%x: tensor<1x8x34x34xf32>, %w: tensor<96x8x3x3xf32>) -> tensor<1x96x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x32x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x96x32x32xf32>) -> tensor<1x96x32x32xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x8x34x34xf32>, tensor<96x8x3x3xf32>) outs(%f : tensor<1x96x32x32xf32>) -> tensor<1x96x32x32xf32>
  return %r : tensor<1x96x32x32xf32>
}

// -----

// Row counts the register-tile cost model prices best, remainder included.
// 49 rows (a flattened 7x7 image): 9 tiles of 5 + 4 with 16 registers (8 x 6
// + 1 leaves a 1-row tile that waits on its own FMA latency: 2 FMAs per 4
// cycles), 7 x 7 with 32. 7 rows: 4 + 3 with 16 registers, 7 with 32.
// REG16-LABEL: func.func @rows_49(
// REG16: scf.for %{{.*}} = %c0 to %c45 step %c5
// REG16:   linalg.matmul {{.*}} -> tensor<5x16xf32>
// REG16: linalg.matmul {{.*}} -> tensor<4x16xf32>
// REG16-NOT: tensor<1x16xf32>
// REG32-LABEL: func.func @rows_49(
// REG32: scf.for %{{.*}} = %c0 to %c49 step %c7
// REG32:   linalg.matmul {{.*}} -> tensor<7x16xf32>
// REG16-LABEL: func.func @rows_7(
// REG16: linalg.matmul {{.*}} -> tensor<4x16xf32>
// REG16: linalg.matmul {{.*}} -> tensor<3x16xf32>
// REG32-LABEL: func.func @rows_7(
// REG32: linalg.matmul {{.*}} -> tensor<7x16xf32>
func.func @rows_49(%a: tensor<49x64xf32>, %b: tensor<64x16xf32>) -> tensor<49x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<49x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<49x16xf32>) -> tensor<49x16xf32>
  %r = linalg.matmul ins(%a, %b : tensor<49x64xf32>, tensor<64x16xf32>) outs(%f : tensor<49x16xf32>) -> tensor<49x16xf32>
  return %r : tensor<49x16xf32>
}
func.func @rows_7(%a: tensor<7x64xf32>, %b: tensor<64x16xf32>) -> tensor<7x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<7x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<7x16xf32>) -> tensor<7x16xf32>
  %r = linalg.matmul ins(%a, %b : tensor<7x64xf32>, tensor<64x16xf32>) outs(%f : tensor<7x16xf32>) -> tensor<7x16xf32>
  return %r : tensor<7x16xf32>
}
