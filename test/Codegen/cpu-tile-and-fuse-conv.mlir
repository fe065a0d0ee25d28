// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=4000 chunks-per-thread=1" \
// RUN:   | FileCheck %s
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=4000 chunks-per-thread=1" \
// RUN:   -kiln-cpu-vectorize="vector-bits=512" \
// RUN:   | FileCheck %s --check-prefix=VEC

// Depthwise convolution: the register tile is 8 output rows x one 16-wide
// row vector of one channel (not 8 channels), every window loop by 1. Its
// 18432 multiply-adds count as 18432 / 4 = 4608 units of work (load-bound),
// enough for an scf.forall over the channels at min-parallel-work=4000
// (a dense convolution's /16 would give 1152).
// CHECK-LABEL: func.func @depthwise(
// CHECK: scf.forall (%{{.*}}) = (0) to (8) step (4)
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c4 step %c1
// CHECK:       scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:         scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:           linalg.depthwise_conv_2d_nchw_chw {{.*}} outs(%{{.*}} : tensor<1x1x8x16xf32>)
// One weight broadcast for the whole 8x16 tile.
// VEC-LABEL: func.func @depthwise(
// VEC: scf.for {{.*}} -> (vector<8x16xf32>)
// VEC:   scf.for {{.*}} -> (vector<8x16xf32>)
// VEC:     vector.transfer_read {{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// VEC:     vector.transfer_read {{.*}} : tensor<f32>, vector<f32>
// VEC:     vector.broadcast %{{.*}} : vector<f32> to vector<8x16xf32>
// VEC:     vector.fma {{.*}} : vector<8x16xf32>
func.func @depthwise(%x: tensor<1x8x18x18xf32>, %w: tensor<8x3x3xf32>) -> tensor<1x8x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x16x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x8x18x18xf32>, tensor<8x3x3xf32>) outs(%f : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %r : tensor<1x8x16x16xf32>
}

// -----

// Rows of a register tile: the count the register-tile cost model prices
// best; each thread's 14 output channels make two tiles of 7 rows (as fast
// as 8 + 6, and no remainder tile to peel).
// CHECK-LABEL: func.func @conv_rows(
// CHECK: scf.forall (%{{.*}}) = (0) to (28) step (14)
// CHECK:   scf.for %{{.*}} = %c0 to %c14 step %c7
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x7x1x20xf32>)
// CHECK-NOT: tensor<1x6x1x20xf32>
func.func @conv_rows(%x: tensor<1x4x22x22xf32>, %w: tensor<28x4x3x3xf32>) -> tensor<1x28x20x20xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x28x20x20xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x28x20x20xf32>) -> tensor<1x28x20x20xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x4x22x22xf32>, tensor<28x4x3x3xf32>) outs(%f : tensor<1x28x20x20xf32>) -> tensor<1x28x20x20xf32>
  return %r : tensor<1x28x20x20xf32>
}
