// RUN: model-opt %s -split-input-file -kiln-cpu-tile-and-fuse="vector-bits=512" | FileCheck %s

// A matmul with a dynamic M (rows: 1..512, tuned for 256): the threads get
// chunks of 32 rows (opt 256 / 8 chunks), so the scf.forall trip count
// follows the actual M at run time; inside a chunk the 8-row register loop
// is peeled into full static 8 x 32 tiles and a remainder of run-time
// extent (fewer than 8 rows), computed as static pieces of 4, 2 and 1 rows,
// each in a loop of at most one iteration and with its own K loop (so its
// accumulators stay in registers across K, like a full tile's).
// CHECK-DAG: #[[CHUNK:.*]] = affine_map<(d0)[s0] -> (-d0 + s0, 32)>
// CHECK-DAG: #[[SPLIT:.*]] = affine_map<()[s0] -> ((s0 floordiv 8) * 8)>
// CHECK-LABEL: func.func @main_graph(
// CHECK: scf.forall (%[[I:.*]]) = (0) to (%[[M:.*]]) step (32)
// CHECK:   %[[ROWS:.*]] = affine.min #[[CHUNK]](%[[I]])[%[[M]]]
// CHECK:   linalg.fill {{.*}} -> tensor<1x64xf32>
// CHECK:   %[[FULL:.*]] = affine.apply #[[SPLIT]]()[%[[ROWS]]]
// CHECK:   scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %{{.*}}
// CHECK:     linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK:   scf.for %{{.*}} = %[[FULL]] to %[[ROWS]] step %{{.*}}
// CHECK:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c4
// CHECK:       scf.for %{{.*}} = %c0 to %c256 step %c1 {{.*}} -> (tensor<4x32xf32>)
// CHECK:         linalg.matmul {{.*}} -> tensor<4x32xf32>
// CHECK:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c2
// CHECK:       scf.for %{{.*}} = %c0 to %c256 step %c1 {{.*}} -> (tensor<2x32xf32>)
// CHECK:         linalg.matmul {{.*}} -> tensor<2x32xf32>
// CHECK:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
// CHECK:       scf.for %{{.*}} = %c0 to %c256 step %c1 {{.*}} -> (tensor<1x32xf32>)
// CHECK:         linalg.matmul {{.*}} -> tensor<1x32xf32>
// CHECK-NOT: tensor<?x32xf32>) -> tensor<?x32xf32>
// CHECK: scf.forall.in_parallel
func.func @main_graph(%x: tensor<?x256xf32>, %w: tensor<256x256xf32>) -> tensor<?x256xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 256, 512, 256, 256, 256>,
                                     array<i64: 256, 256, 256, 256, 256, 256>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x256xf32>
  %e = tensor.empty(%d0) : tensor<?x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x256xf32>) -> tensor<?x256xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x256xf32>, tensor<256x256xf32>) outs(%f : tensor<?x256xf32>) -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// A small op (opt work under the parallel threshold): no scf.forall. The
// 64-row cache loop over the dynamic M is peeled (full 64-row tiles, then
// the remainder), and so is the 8-row loop inside the remainder (its own
// remainder in static pieces of 4, 2 and 1 rows). The
// elementwise epilogue (bias + ReLU) with a dynamically sized init is still
// fused into the matmul's cache tiles.
// CHECK-LABEL: func.func @main_graph(
// CHECK-NOT: scf.forall
// CHECK: %[[SPLIT:.*]] = affine.apply #{{.*}}()[%[[M:.*]]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[SPLIT]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<?x32xf32>, tensor<?x32xf32>)
// CHECK:   linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<1x32xf32>)
// CHECK: scf.for %{{.*}} = %[[SPLIT]] to %[[M]] step %{{.*}} iter_args
// CHECK:   linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK:   linalg.matmul {{.*}} -> tensor<4x32xf32>
// CHECK:   linalg.matmul {{.*}} -> tensor<2x32xf32>
// CHECK:   linalg.matmul {{.*}} -> tensor<1x32xf32>
// CHECK:   linalg.generic {{.*}} outs(%{{.*}} : tensor<1x32xf32>)
func.func @main_graph(%x: tensor<?x64xf32>) -> tensor<?x32xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %bias = arith.constant dense<0.25> : tensor<32xf32>
  %e = tensor.empty(%d0) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %e2 = tensor.empty(%d0) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : tensor<?x32xf32>, tensor<32xf32>) outs(%e2 : tensor<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// -----

// Without a bound on a dynamic size (a model function without
// kiln.input_ranges) the op is left alone: scalar loops later, still
// correct.
// CHECK-LABEL: func.func @main_graph(
// CHECK-NOT: scf.for
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?xf32>)
func.func @main_graph(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%d0) : tensor<?x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.negf %a : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// A stride-2 convolution over a padded image of run-time size (64..448
// wide): the pad fills only its border slabs and is copied into (the input
// is an argument, so no producer can write the interior); the output width
// (W - 1) floordiv 2 + 1 bounds the 32-wide column loop, whose main part
// still gets static 8 x 32 tiles (the tile-size min reads the loop's bound,
// not the composed width expression) with the remainder in a loop of its
// own.
// CHECK-LABEL: func.func @main_graph(
// CHECK-NOT: tensor.pad
// CHECK: bufferization.alloc_tensor(%{{.*}}, %{{.*}}) : tensor<1x3x?x?xf32>
// CHECK: linalg.fill {{.*}} -> tensor<1x1x1x64xf32>
// CHECK: linalg.fill {{.*}} -> tensor<1x1x1x1xf32>
// CHECK: linalg.copy {{.*}} -> tensor<1x1x1x64xf32>
// CHECK: scf.forall
// CHECK:   scf.for %{{.*}} = %c0 to %[[SPLIT:[^ ]*]] step %c32
// CHECK:     linalg.fill {{.*}} -> tensor<1x8x1x32xf32>
// CHECK:     linalg.conv_2d_nchw_fchw {{.*}} -> tensor<1x8x1x32xf32>
// CHECK:   scf.for %{{.*}} = %[[SPLIT]] to %{{.*}} step %c32
// CHECK-NOT: tensor.pad
func.func @main_graph(%x: tensor<1x3x?x?xf32>) -> tensor<1x16x?x?xf32>
    attributes {kiln.input_ranges = [array<i64: 1, 1, 1, 3, 3, 3, 64, 224, 448, 64, 224, 448>]} {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x3x3x3xf32>
  %h = tensor.dim %x, %c2 : tensor<1x3x?x?xf32>
  %wd = tensor.dim %x, %c3 : tensor<1x3x?x?xf32>
  %oh = affine.apply affine_map<()[s0] -> ((s0 - 1) floordiv 2 + 1)>()[%h]
  %ow = affine.apply affine_map<()[s0] -> ((s0 - 1) floordiv 2 + 1)>()[%wd]
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x3x?x?xf32> to tensor<1x3x?x?xf32>
  %e = tensor.empty(%oh, %ow) : tensor<1x16x?x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x?x?xf32>) -> tensor<1x16x?x?xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%p, %w : tensor<1x3x?x?xf32>, tensor<16x3x3x3xf32>) outs(%f : tensor<1x16x?x?xf32>) -> tensor<1x16x?x?xf32>
  return %r : tensor<1x16x?x?xf32>
}
