// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-pack-matmul-weights="vector-bits=128 min-work=1" \
// RUN:   | FileCheck %s
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-pack-matmul-weights="vector-bits=128 min-work=100000" \
// RUN:   | FileCheck %s --check-prefix=SMALL
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-pack-matmul-weights="vector-bits=512 min-work=1" \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=1 chunks-per-thread=1" \
// RUN:   | FileCheck %s --check-prefix=TILE

// B [2, 16] in panels of 8 (2 vectors of 4 lanes): Bp[j, k, l] = B[k, 8j + l].
// The fill of the accumulator takes the 3-D shape, over a view of the 2-D
// empty tensor (the result then bufferizes into the 2-D buffer).
// CHECK-LABEL: func.func @pack_values(
// CHECK-SAME: %[[A:.*]]: tensor<4x2xf32>
// CHECK-DAG: %[[BP:.*]] = arith.constant dense<{{\[}}{{\[}}[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00], [1.600000e+01, 1.700000e+01, 1.800000e+01, 1.900000e+01, 2.000000e+01, 2.100000e+01, 2.200000e+01, 2.300000e+01]], {{\[}}[8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01, 1.300000e+01, 1.400000e+01, 1.500000e+01], [2.400000e+01, 2.500000e+01, 2.600000e+01, 2.700000e+01, 2.800000e+01, 2.900000e+01, 3.000000e+01, 3.100000e+01]]]> : tensor<2x2x8xf32>
// CHECK-DAG: %[[E:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[E3:.*]] = tensor.expand_shape %[[E]] {{\[}}[0], [1, 2]] output_shape [4, 2, 8] : tensor<4x16xf32> into tensor<4x2x8xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E3]] : tensor<4x2x8xf32>)
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[MA:.*]], #[[MB:.*]], #[[MC:.*]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[BP]] : tensor<4x2xf32>, tensor<2x2x8xf32>) outs(%[[F]] : tensor<4x2x8xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0], [1, 2]] : tensor<4x2x8xf32> into tensor<4x16xf32>
// CHECK: return %[[R]]
// SMALL-LABEL: func.func @pack_values(
// SMALL: linalg.matmul
// SMALL-NOT: linalg.generic
func.func @pack_values(%a: tensor<4x2xf32>) -> tensor<4x16xf32> {
  %b = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
                             [16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]]> : tensor<2x16xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %r = linalg.matmul ins(%a, %b : tensor<4x2xf32>, tensor<2x16xf32>) outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
// CHECK-DAG: #[[MA]] = affine_map<(d0, d1, d2, d3) -> (d0, d3)>
// CHECK-DAG: #[[MB]] = affine_map<(d0, d1, d2, d3) -> (d1, d3, d2)>
// CHECK-DAG: #[[MC]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>

// -----

// A bias + ReLU epilogue is expanded to read the 3-D result directly (the
// bias [N] viewed as [N/8, 8], right after its constant); a splat B stays a
// splat.
// CHECK-LABEL: func.func @epilogue(
// CHECK-DAG: %[[BIAS:.*]] = arith.constant dense_resource<bias> : tensor<32xf32>
// CHECK-DAG: %[[BIAS2:.*]] = tensor.expand_shape %[[BIAS]] {{\[}}[0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
// CHECK-DAG: arith.constant dense<2.500000e-01> : tensor<4x64x8xf32>
// CHECK-DAG: %[[E:.*]] = tensor.empty() : tensor<16x32xf32>
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[E]] {{\[}}[0], [1, 2]] output_shape [16, 4, 8] : tensor<16x32xf32> into tensor<16x4x8xf32>
// CHECK: %[[G:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x4x8xf32>)
// CHECK: %[[EPI:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[BIAS2]] : tensor<16x4x8xf32>, tensor<4x8xf32>) outs(%[[OUT]] : tensor<16x4x8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[EPI]] {{\[}}[0], [1, 2]] : tensor<16x4x8xf32> into tensor<16x32xf32>
// CHECK: return %[[R]]
// SMALL-LABEL: func.func @epilogue(
// SMALL: linalg.matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @epilogue(%a: tensor<16x64xf32>) -> tensor<16x32xf32> {
  %b = arith.constant dense<0.25> : tensor<64x32xf32>
  %bias = arith.constant dense_resource<bias> : tensor<32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %mm = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<16x32xf32>, tensor<32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

{-#
  dialect_resources: {
    builtin: {
      bias: "0x040000000000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F0000003F"
    }
  }
#-}

// -----

// Tiling a packed matmul: threads split M, the cache tile spans 128 columns
// (4 panels of 32) x 64 rows, K by 256, and the register tile is 8 rows x
// one panel (2 vectors of 16 lanes), K by 1; the fill is fused.
// TILE-LABEL: func.func @tile_packed(
// TILE: scf.forall (%{{.*}}) = (0) to (256) step (128) shared_outs(%{{.*}}) -> (tensor<256x16x32xf32>)
// TILE:   scf.for %{{.*}} = %c0 to %c128 step %c64
// TILE:     scf.for %{{.*}} = %c0 to %c16 step %c4
// TILE:       linalg.fill {{.*}} -> tensor<1x1x32xf32>
// TILE:       scf.for %{{.*}} = %c0 to %c512 step %c256
// TILE:         scf.for %{{.*}} = %c0 to %c64 step %c8
// TILE:           scf.for %{{.*}} = %c0 to %c4 step %c1
// TILE:             scf.for %{{.*}} = %c0 to %c256 step %c1
// TILE:               linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<1x1x32xf32>) outs(%{{.*}} : tensor<8x1x32xf32>)
// TILE:   scf.forall.in_parallel
// TILE: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<256x16x32xf32> into tensor<256x512xf32>
func.func @tile_packed(%a: tensor<256x512xf32>) -> tensor<256x512xf32> {
  %b = arith.constant dense<1.0> : tensor<512x512xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<256x512xf32>) -> tensor<256x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<256x512xf32>, tensor<512x512xf32>) outs(%f : tensor<256x512xf32>) -> tensor<256x512xf32>
  return %r : tensor<256x512xf32>
}

// -----

// Left alone: B not a constant, N not a multiple of the panel, N a single
// panel, transposed maps, f16.
// CHECK-LABEL: func.func @not_packed(
// CHECK-NOT: linalg.generic
// CHECK-COUNT-5: linalg.matmul
func.func @not_packed(%a: tensor<4x2xf32>, %b: tensor<2x16xf32>, %c: tensor<4x16xf32>,
                      %h: tensor<4x2xf16>, %hc: tensor<4x16xf16>)
    -> (tensor<4x16xf32>, tensor<4x12xf32>, tensor<4x8xf32>, tensor<4x16xf32>, tensor<4x16xf16>) {
  %r0 = linalg.matmul ins(%a, %b : tensor<4x2xf32>, tensor<2x16xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %b12 = arith.constant dense<1.0> : tensor<2x12xf32>
  %c12 = tensor.empty() : tensor<4x12xf32>
  %r1 = linalg.matmul ins(%a, %b12 : tensor<4x2xf32>, tensor<2x12xf32>) outs(%c12 : tensor<4x12xf32>) -> tensor<4x12xf32>
  %b8 = arith.constant dense<1.0> : tensor<2x8xf32>
  %c8 = tensor.empty() : tensor<4x8xf32>
  %r2 = linalg.matmul ins(%a, %b8 : tensor<4x2xf32>, tensor<2x8xf32>) outs(%c8 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %bt = arith.constant dense<1.0> : tensor<16x2xf32>
  %r3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %bt : tensor<4x2xf32>, tensor<16x2xf32>) outs(%c : tensor<4x16xf32>) -> tensor<4x16xf32>
  %bh = arith.constant dense<1.0> : tensor<2x16xf16>
  %r4 = linalg.matmul ins(%h, %bh : tensor<4x2xf16>, tensor<2x16xf16>) outs(%hc : tensor<4x16xf16>) -> tensor<4x16xf16>
  return %r0, %r1, %r2, %r3, %r4 : tensor<4x16xf32>, tensor<4x12xf32>, tensor<4x8xf32>, tensor<4x16xf32>, tensor<4x16xf16>
}

// -----

// M too short to split between the threads: they split the panels instead.
// TILE-LABEL: func.func @split_panels(
// TILE: scf.forall (%{{.*}}) = (0) to (8) step (4) shared_outs(%{{.*}}) -> (tensor<8x8x32xf32>)
// TILE: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<1x1x32xf32>) outs(%{{.*}} : tensor<8x1x32xf32>)
func.func @split_panels(%a: tensor<8x64xf32>) -> tensor<8x256xf32> {
  %b = arith.constant dense<1.0> : tensor<64x256xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x256xf32>) -> tensor<8x256xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x256xf32>) outs(%f : tensor<8x256xf32>) -> tensor<8x256xf32>
  return %r : tensor<8x256xf32>
}
