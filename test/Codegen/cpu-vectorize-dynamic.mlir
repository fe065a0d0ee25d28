// RUN: model-opt %s -split-input-file -kiln-cpu-vectorize="vector-bits=512" | FileCheck %s

// The remainder tile of a matmul row loop peeled over a dynamic M (at most
// 7 rows, bounded through kiln.input_ranges) is computed as static tiles of
// 4, 2 and 1 rows, each in an scf.for of at most one iteration (a masked
// contraction lowers to scalar code: ~1000x slower at batch 1).
// CHECK-LABEL: func.func @main_graph(
// CHECK: scf.for
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x32xf32> into vector<4x32xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2
// CHECK: vector.contract {{.*}} : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK: vector.contract {{.*}} : vector<1xf32>, vector<1x32xf32> into vector<32xf32>
// CHECK-NOT: linalg.
func.func @main_graph(%x: tensor<?x1xf32>, %w: tensor<1x32xf32>, %y: tensor<?x32xf32>) -> tensor<?x32xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 16, 200, 1, 1, 1>, array<i64: 1, 1, 1, 32, 32, 32>,
                                     array<i64: 1, 16, 200, 32, 32, 32>]} {
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %d = tensor.dim %x, %c0 : tensor<?x1xf32>
  %split = affine.apply affine_map<()[s0] -> ((s0 floordiv 8) * 8)>()[%d]
  %r = scf.for %i = %split to %d step %c8 iter_args(%acc = %y) -> tensor<?x32xf32> {
    %rows = affine.apply affine_map<(d0)[s0] -> (s0 - d0)>(%i)[%d]
    %a = tensor.extract_slice %x[%i, 0] [%rows, 1] [1, 1] : tensor<?x1xf32> to tensor<?x1xf32>
    %c = tensor.extract_slice %acc[%i, 0] [%rows, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %m = linalg.matmul ins(%a, %w : tensor<?x1xf32>, tensor<1x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
    %ins = tensor.insert_slice %m into %acc[%i, 0] [%rows, 32] [1, 1] : tensor<?x32xf32> into tensor<?x32xf32>
    scf.yield %ins : tensor<?x32xf32>
  }
  return %r : tensor<?x32xf32>
}

// -----

// The remainder of a convolution's output-width loop (at most 31 columns):
// windowed ops have no masked vectorization upstream, so the tile is
// computed as a chain of static tiles of 16, 8, 4, 2 and 1 columns, each
// run when enough columns are left and vectorized like a static tile (8
// channels x the columns).
// CHECK-LABEL: func.func @main_graph(
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c16
// CHECK-DAG: vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// CHECK-DAG: vector.contract {{.*}} : vector<8x1xf32>, vector<1x8xf32> into vector<8x8xf32>
// CHECK-DAG: vector.contract {{.*}} : vector<8x1xf32>, vector<1x4xf32> into vector<8x4xf32>
// CHECK-DAG: vector.contract {{.*}} : vector<8x1xf32>, vector<1x2xf32> into vector<8x2xf32>
// CHECK-NOT: linalg.
func.func @main_graph(%x: tensor<1x1x1x?xf32>, %y: tensor<1x8x1x?xf32>) -> tensor<1x8x1x?xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 20, 33>,
                                     array<i64: 1, 1, 1, 8, 8, 8, 1, 1, 1, 1, 18, 31>]} {
  %w = arith.constant dense<0.5> : tensor<8x1x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x1x?xf32>, tensor<8x1x1x1xf32>) outs(%y : tensor<1x8x1x?xf32>) -> tensor<1x8x1x?xf32>
  return %r : tensor<1x8x1x?xf32>
}
