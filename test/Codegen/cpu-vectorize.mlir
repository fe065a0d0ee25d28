// RUN: model-opt %s -split-input-file -kiln-cpu-vectorize="vector-bits=512" \
// RUN:   | FileCheck %s

// A matmul register tile in its K loop: vector.contract 8x1 * 1x32, the
// accumulator read before and written after the loop (hoisted, on tensors).
// CHECK-LABEL: func.func @matmul_tile(
// CHECK-SAME: %{{.*}}: tensor<8x64xf32>, %{{.*}}: tensor<64x32xf32>, %[[C:.*]]: tensor<8x32xf32>)
// CHECK: %[[INIT:.*]] = vector.transfer_read %[[C]]{{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK:   %[[A:.*]] = vector.transfer_read {{.*}} : tensor<8x1xf32>, vector<8x1xf32>
// CHECK:   %[[B:.*]] = vector.transfer_read {{.*}} : tensor<1x32xf32>, vector<1x32xf32>
// CHECK:   %[[S:.*]] = vector.contract {{.*}} %[[A]], %[[B]], %[[ACC]] : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:   scf.yield %[[S]]
// CHECK: vector.transfer_write %[[R]], %[[C]]
func.func @matmul_tile(%A: tensor<8x64xf32>, %B: tensor<64x32xf32>,
                       %C: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %r = scf.for %k = %c0 to %c64 step %c1 iter_args(%acc = %C) -> (tensor<8x32xf32>) {
    %a = tensor.extract_slice %A[0, %k] [8, 1] [1, 1] : tensor<8x64xf32> to tensor<8x1xf32>
    %b = tensor.extract_slice %B[%k, 0] [1, 32] [1, 1] : tensor<64x32xf32> to tensor<1x32xf32>
    %m = linalg.matmul ins(%a, %b : tensor<8x1xf32>, tensor<1x32xf32>)
                       outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
    scf.yield %m : tensor<8x32xf32>
  }
  return %r : tensor<8x32xf32>
}

// -----

// A stride-2 convolution tile (one input channel and window position):
// the input becomes a strided slice, the tile a matmul-shaped
// vector.contract; the 20-wide row is split into 16 + 4 lanes.
// CHECK-LABEL: func.func @conv_tile(
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 1, 1, 16] [1, 1, 1, 2] : tensor<1x1x1x31xf32> to tensor<1x1x1x16xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 1, 1, 4] [1, 1, 1, 2] : tensor<1x1x1x7xf32> to tensor<1x1x1x4xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x4xf32> into vector<8x4xf32>
// CHECK-NOT: linalg.conv
func.func @conv_tile(%in: tensor<1x1x1x41xf32>, %w: tensor<8x1x1x1xf32>,
                     %out: tensor<1x8x1x20xf32>) -> tensor<1x8x1x20xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<2> : tensor<2xi64>}
      ins(%in, %w : tensor<1x1x1x41xf32>, tensor<8x1x1x1xf32>)
      outs(%out : tensor<1x8x1x20xf32>) -> tensor<1x8x1x20xf32>
  return %r : tensor<1x8x1x20xf32>
}

// -----

// A depthwise tile (8 channels x 16 columns): loops reordered like the
// NCHW output, one splat of the channel's weight per row, FMA.
// CHECK-LABEL: func.func @depthwise_tile(
// CHECK: %[[X:.*]] = vector.transfer_read {{.*}} : tensor<8x16xf32>, vector<8x16xf32>
// CHECK: vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
// CHECK-NOT: vector.transpose
// CHECK: vector.fma %[[X]], %{{.*}}, %{{.*}} : vector<8x16xf32>
// CHECK-NOT: linalg.depthwise
func.func @depthwise_tile(%in: tensor<1x8x1x16xf32>, %w: tensor<8x1x1xf32>,
                          %out: tensor<1x8x1x16xf32>) -> tensor<1x8x1x16xf32> {
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>,
                                          strides = dense<1> : tensor<2xi64>}
      ins(%in, %w : tensor<1x8x1x16xf32>, tensor<8x1x1xf32>)
      outs(%out : tensor<1x8x1x16xf32>) -> tensor<1x8x1x16xf32>
  return %r : tensor<1x8x1x16xf32>
}

// -----

// Elementwise strip: one vector op per scalar op.
// CHECK-LABEL: func.func @exp_strip(
// CHECK: %[[V:.*]] = vector.transfer_read {{.*}} : tensor<64xf32>, vector<64xf32>
// CHECK: %[[E:.*]] = math.exp %[[V]] : vector<64xf32>
// CHECK: vector.transfer_write %[[E]]
func.func @exp_strip(%x: tensor<64xf32>, %o: tensor<64xf32>) -> tensor<64xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%o : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// Ops bigger than a register tile (not tiled: unsupported or -O0 leftovers)
// are left alone.
// CHECK-LABEL: func.func @too_big(
// CHECK: linalg.copy
// CHECK-NOT: vector.
func.func @too_big(%x: tensor<64x64xf32>, %o: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = linalg.copy ins(%x : tensor<64x64xf32>) outs(%o : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}
