// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=1 chunks-per-thread=1" \
// RUN:   | FileCheck %s
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=1 min-parallel-work=1" \
// RUN:   | FileCheck %s --check-prefix=SERIAL
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=1 chunks-per-thread=4" \
// RUN:   | FileCheck %s --check-prefix=CHUNKS
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=1 min-parallel-work=1" -cse \
// RUN:   | FileCheck %s --check-prefix=CSE
// RUN: model-opt %s -split-input-file \
// RUN:   -kiln-cpu-tile-and-fuse="vector-bits=512 num-threads=2 min-parallel-work=16384 chunks-per-thread=1" \
// RUN:   | FileCheck %s --check-prefix=WORK

// Matmul: an scf.forall splitting M in two, the fill fused into it, then the
// register tile 8 rows x 2 vectors of 16 lanes with K step 1.
// CHECK-LABEL: func.func @matmul(
// CHECK: scf.forall (%[[T:.*]]) = (0) to (64) step (32) shared_outs
// CHECK:   linalg.fill {{.*}} -> tensor<1x64xf32>
// CHECK:   scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c96 step %c32
// CHECK:       scf.for %{{.*}} = %c0 to %c80 step %c1
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x1xf32>, tensor<1x32xf32>) outs(%{{.*}} : tensor<8x32xf32>)
// CHECK:   scf.forall.in_parallel
// SERIAL-LABEL: func.func @matmul(
// SERIAL-NOT: scf.forall
// Four chunks per thread: 8 chunks of 8 rows (the register tile's height).
// CHUNKS-LABEL: func.func @matmul(
// CHUNKS: scf.forall (%{{.*}}) = (0) to (64) step (8) shared_outs
// SERIAL: linalg.matmul {{.*}} -> tensor<8x32xf32>
func.func @matmul(%A: tensor<64x80xf32>, %B: tensor<80x96xf32>) -> tensor<64x96xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %0 = linalg.matmul ins(%A, %B : tensor<64x80xf32>, tensor<80x96xf32>)
                     outs(%f : tensor<64x96xf32>) -> tensor<64x96xf32>
  return %0 : tensor<64x96xf32>
}

// -----

// Matrix-vector product (one row): the register tile is 8 vectors wide, so
// each step reads 512 contiguous bytes of a row of B.
// CHECK-LABEL: func.func @matvec(
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (256)
// CHECK:   scf.for %{{.*}} = %c0 to %c256 step %c128
// CHECK:     scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK:       linalg.matmul {{.*}} -> tensor<1x128xf32>
func.func @matvec(%a: tensor<1x256xf32>, %b: tensor<256x512xf32>,
                  %c: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<1x256xf32>, tensor<256x512xf32>)
                     outs(%c : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %0 : tensor<1x512xf32>
}

// -----

// No dimension splits evenly between the threads (5 rows; the 64 columns
// are one strip): 5 chunks of one row, handed out by the runtime.
// CHUNKS-LABEL: func.func @uneven_split(
// CHUNKS: scf.forall (%{{.*}}) in (5)
// CHUNKS:   linalg.generic {{.*}} outs(%{{.*}} : tensor<1x64xf32>)
func.func @uneven_split(%x: tensor<64xf32>, %y: tensor<5x64xf32>) -> tensor<5x64xf32> {
  %e = tensor.empty() : tensor<5x64xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<64xf32>, tensor<5x64xf32>) outs(%e : tensor<5x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.addf %a, %b : f32
    linalg.yield %m : f32
  } -> tensor<5x64xf32>
  return %0 : tensor<5x64xf32>
}

// -----

// A transpose: register tiles of one vector along both the output's and the
// input's contiguous dimension (16x16, transposed in registers).
// CHECK-LABEL: func.func @transpose_work(
// CHECK: scf.forall (%{{.*}}) = (0) to (128) step (64)
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:     scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:       linalg.transpose ins(%{{.*}} : tensor<16x16xf32>) outs(%{{.*}} : tensor<16x16xf32>)
// The parallel threshold counts a transposing copy as 4x the work of a
// plain one (its reads or writes are strided): 8192 elements are split
// between the threads with min-parallel-work=16384, a plain copy is not.
// WORK-LABEL: func.func @transpose_work(
// WORK: scf.forall
// WORK:   linalg.transpose
// WORK: return
// WORK-LABEL: func.func @copy_work(
// WORK-NOT: scf.forall
// WORK: return
func.func @transpose_work(%x: tensor<64x128xf32>) -> tensor<128x64xf32> {
  %e = tensor.empty() : tensor<128x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x128xf32>) outs(%e : tensor<128x64xf32>) permutation = [1, 0]
  return %t : tensor<128x64xf32>
}
func.func @copy_work(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %e = tensor.empty() : tensor<64x128xf32>
  %c = linalg.copy ins(%x : tensor<64x128xf32>) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %c : tensor<64x128xf32>
}

// -----

// Matmul with a bias: the broadcast is fused into each cache tile (64 x 128,
// the columns peeled: 784 = 6 x 128 + 16) and then gets register strips of
// its own (1 x 64), once peeling made the cache tiles static.
// CHECK-LABEL: func.func @matmul_bias(
// CHECK: scf.forall
// CHECK:   scf.for %{{.*}} = %c0 to %c768 step %c128
// CHECK:     linalg.broadcast {{.*}} outs(%{{.*}} : tensor<1x64xf32>)
// CHECK:     linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK-NOT: linalg.broadcast {{.*}} outs(%{{.*}} : tensor<64x128xf32>)
// CHECK: return
func.func @matmul_bias(%a: tensor<192x32xf32>, %b: tensor<32x784xf32>,
                       %bias: tensor<192xf32>) -> tensor<192x784xf32> {
  %e = tensor.empty() : tensor<192x784xf32>
  %bb = linalg.broadcast ins(%bias : tensor<192xf32>) outs(%e : tensor<192x784xf32>) dimensions = [1]
  %0 = linalg.matmul ins(%a, %b : tensor<192x32xf32>, tensor<32x784xf32>)
                     outs(%bb : tensor<192x784xf32>) -> tensor<192x784xf32>
  return %0 : tensor<192x784xf32>
}

// -----

// Large matmul: cache tiles 64 x 128 x 256 around the register tile.
// CHECK-LABEL: func.func @matmul_cache_tiles(
// CHECK: scf.forall (%{{.*}}) = (0) to (512) step (256)
// CHECK: scf.for %{{.*}} = %c0 to %c256 step %c64
// CHECK:   scf.for %{{.*}} = %c0 to %c512 step %c128
// CHECK:     scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK:       scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK:         scf.for %{{.*}} = %c0 to %c128 step %c32
// CHECK:           scf.for %{{.*}} = %c0 to %c256 step %c1
// CHECK:             linalg.matmul {{.*}} -> tensor<8x32xf32>
func.func @matmul_cache_tiles(%A: tensor<512x512xf32>, %B: tensor<512x512xf32>,
                              %C: tensor<512x512xf32>) -> tensor<512x512xf32> {
  %0 = linalg.matmul ins(%A, %B : tensor<512x512xf32>, tensor<512x512xf32>)
                     outs(%C : tensor<512x512xf32>) -> tensor<512x512xf32>
  return %0 : tensor<512x512xf32>
}

// -----

// NCHW convolution: threads split the output channels, the bias broadcast
// is fused into each output tile (the accumulator starts in registers); the
// register tile is 8 output channels x 20 (the whole output row) with one
// input channel and window position per step.
// CHECK-LABEL: func.func @conv(
// CHECK: scf.forall (%{{.*}}) = (0) to (32) step (16)
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c20 step %c1
// CHECK:       linalg.broadcast {{.*}} outs(%{{.*}} : tensor<1x8x1x20xf32>)
// CHECK:       scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK:         scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:             linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x1x20xf32>, tensor<8x1x1x1xf32>) outs(%{{.*}} : tensor<1x8x1x20xf32>)
func.func @conv(%x: tensor<1x16x22x22xf32>, %w: tensor<32x16x3x3xf32>,
                %b: tensor<32xf32>) -> tensor<1x32x20x20xf32> {
  %e = tensor.empty() : tensor<1x32x20x20xf32>
  %init = linalg.broadcast ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x20x20xf32>)
      dimensions = [0, 2, 3]
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x22x22xf32>, tensor<32x16x3x3xf32>)
      outs(%init : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
  return %r : tensor<1x32x20x20xf32>
}

// -----

// Elementwise: contiguous dims collapsed, split between the threads, 64-lane
// strips, the remainder peeled so every tile has a static shape.
// CHECK-LABEL: func.func @relu(
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<4x1000xf32> into tensor<4000xf32>
// CHECK: scf.forall (%{{.*}}) = (0) to (4000) step (2000)
// CHECK:   scf.for %{{.*}} = %c0 to %c1984 step %c64
// CHECK:     linalg.generic {{.*}} ins(%{{.*}} : tensor<64xf32>)
// CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<16xf32>)
// CHECK: tensor.expand_shape
// CHUNKS-LABEL: func.func @relu(
// CHUNKS: scf.forall (%{{.*}}) = (0) to (4000) step (500)
// SERIAL-LABEL: func.func @relu(
// SERIAL: scf.for %{{.*}} = %c0 to %c3968 step %c64
func.func @relu(%x: tensor<4x1000xf32>) -> tensor<4x1000xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x1000xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x1000xf32>) outs(%e : tensor<4x1000xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %cst : f32
    linalg.yield %m : f32
  } -> tensor<4x1000xf32>
  return %0 : tensor<4x1000xf32>
}

// -----

// tensor.pad: a fresh buffer, fills of the four border slabs and a
// linalg.copy of the source into the interior, all tiled as elementwise ops.
// CHECK-LABEL: func.func @pad(
// CHECK-NOT: tensor.pad
// CHECK: bufferization.alloc_tensor() : tensor<1x8x8x8xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 8, 1, 8] [1, 1, 1, 1]
// CHECK: linalg.fill {{.*}} -> tensor<1x1x1x8xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 7, 0] [1, 8, 1, 8] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 8, 8, 1] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 7] [1, 8, 8, 1] [1, 1, 1, 1]
// CHECK: %[[INTERIOR:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 8, 6, 6] [1, 1, 1, 1]
// CHECK: linalg.copy ins(%{{.*}} : tensor<1x1x1x6xf32>)
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 8, 6, 6] [1, 1, 1, 1]
func.func @pad(%x: tensor<1x8x6x6xf32>) -> tensor<1x8x8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %0 = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

// Two pads of the same shape keep two buffers after CSE (identical
// tensor.empty + border fills would be merged, and bufferization would then
// copy the whole padded buffer for one of them).
// CSE-LABEL: func.func @two_pads(
// CSE: bufferization.alloc_tensor() : tensor<1x8x8x8xf32>
// CSE: bufferization.alloc_tensor() : tensor<1x8x8x8xf32>
// CSE: return
func.func @two_pads(%x: tensor<1x8x6x6xf32>, %y: tensor<1x8x6x6xf32>)
    -> (tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %0 = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  %1 = tensor.pad %y low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x8x6x6xf32> to tensor<1x8x8x8xf32>
  return %0, %1 : tensor<1x8x8x8xf32>, tensor<1x8x8x8xf32>
}

// -----

// Convolution epilogue: the bias + ReLU consumer is fused into the conv's
// thread chunks and then into each register-sized output tile (8 channels x
// the 20-wide row), after the input-channel and window loops: no second
// parallel loop, no pass over the whole output.
// CHECK-LABEL: func.func @conv_relu(
// CHECK: scf.forall (%{{.*}}) = (0) to (32) step (16) shared_outs
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c20 step %c1
// CHECK:       linalg.broadcast {{.*}} outs(%{{.*}} : tensor<1x8x1x20xf32>)
// CHECK:       scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK:         scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:             linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x8x1x20xf32>)
// CHECK:       linalg.generic {{.*}} ins(%{{.*}} : tensor<1x8x1x20xf32>) outs(%{{.*}} : tensor<1x8x1x20xf32>)
// CHECK:         arith.maximumf
// CHECK:   scf.forall.in_parallel
// CHECK-NOT: linalg.generic
// CHECK: return
// SERIAL-LABEL: func.func @conv_relu(
// SERIAL-NOT: scf.forall
// SERIAL: linalg.conv_2d_nchw_fchw
// SERIAL: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8x1x20xf32>)
// SERIAL-NOT: linalg.generic
// SERIAL: return
func.func @conv_relu(%x: tensor<1x16x22x22xf32>, %w: tensor<32x16x3x3xf32>,
                     %b: tensor<32xf32>) -> tensor<1x32x20x20xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x20x20xf32>
  %init = linalg.broadcast ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x20x20xf32>)
      dimensions = [0, 2, 3]
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x22x22xf32>, tensor<32x16x3x3xf32>)
      outs(%init : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
  %e2 = tensor.empty() : tensor<1x32x20x20xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                           affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x32x20x20xf32>) outs(%e2 : tensor<1x32x20x20xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x20x20xf32>
  return %relu : tensor<1x32x20x20xf32>
}

// -----

// Matmul epilogue with a second operand (a residual add): fused into the
// thread chunk and the 64 x 128 cache tile, after the K loop; the residual
// is read as a slice of the same tile. Register tiling then splits the
// epilogue tile into vector strips.
// CHECK-LABEL: func.func @matmul_residual(
// CHECK: scf.forall (%{{.*}}) = (0) to (256) step (128)
// CHECK:   scf.for %{{.*}} = %c0 to %c128 step %c64
// CHECK:     scf.for %{{.*}} = %c0 to %c256 step %c128
// CHECK:       scf.for %{{.*}} = %c0 to %c512 step %c256
// CHECK:         linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK:       tensor.extract_slice {{.*}} to tensor<64x128xf32>
// CHECK:       scf.for
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>, tensor<1x64xf32>)
// CHECK:           arith.addf
// CHECK:   scf.forall.in_parallel
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @matmul_residual(%A: tensor<256x512xf32>, %B: tensor<512x256xf32>,
                           %R: tensor<256x256xf32>) -> tensor<256x256xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x256xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<256x256xf32>) -> tensor<256x256xf32>
  %0 = linalg.matmul ins(%A, %B : tensor<256x512xf32>, tensor<512x256xf32>)
                     outs(%f : tensor<256x256xf32>) -> tensor<256x256xf32>
  %e2 = tensor.empty() : tensor<256x256xf32>
  %1 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%0, %R : tensor<256x256xf32>, tensor<256x256xf32>)
      outs(%e2 : tensor<256x256xf32>) {
  ^bb0(%a: f32, %r: f32, %o: f32):
    %s = arith.addf %a, %r : f32
    linalg.yield %s : f32
  } -> tensor<256x256xf32>
  return %1 : tensor<256x256xf32>
}

// -----

// A producer with a second user is not fused into (its result is needed
// whole): the ReLU gets tiled on its own.
// CHECK-LABEL: func.func @conv_two_users(
// CHECK: scf.forall
// CHECK:   linalg.conv_2d_nchw_fchw
// CHECK-NOT: linalg.generic
// CHECK: scf.forall.in_parallel
// CHECK: scf.forall
// CHECK:   linalg.generic
// CHECK:     arith.maximumf
func.func @conv_two_users(%x: tensor<1x16x22x22xf32>, %w: tensor<32x16x3x3xf32>)
    -> (tensor<1x32x20x20xf32>, tensor<1x32x20x20xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x20x20xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x22x22xf32>, tensor<32x16x3x3xf32>)
      outs(%init : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
  %e2 = tensor.empty() : tensor<1x32x20x20xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                           affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x32x20x20xf32>) outs(%e2 : tensor<1x32x20x20xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x20x20xf32>
  return %r, %relu : tensor<1x32x20x20xf32>, tensor<1x32x20x20xf32>
}

// -----

// A padded conv input computed by a linalg op (the previous layer's ReLU,
// itself the epilogue of a conv): the padded tensor and its border fills
// are built before that conv and the ReLU writes straight into the
// interior, fused into the conv's output tiles; no linalg.copy.
// CHECK-LABEL: func.func @conv_relu_pad(
// CHECK: linalg.fill {{.*}} -> tensor<1x1x1x22xf32>
// CHECK: %[[INTERIOR:.*]] = tensor.extract_slice %{{.*}}[0, 0, 1, 1] [1, 16, 20, 20] [1, 1, 1, 1] : tensor<1x16x22x22xf32> to tensor<1x16x20x20xf32>
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[INTERIOR]])
// CHECK:   linalg.conv_2d_nchw_fchw
// CHECK:   linalg.generic
// CHECK:     arith.maximumf
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 1, 1] [1, 16, 20, 20] [1, 1, 1, 1]
// CHECK-NOT: linalg.copy
// CHECK: linalg.conv_2d_nchw_fchw
// CHECK: return
func.func @conv_relu_pad(%x: tensor<1x16x22x22xf32>, %w: tensor<16x16x3x3xf32>,
                         %w2: tensor<16x16x3x3xf32>) -> tensor<1x16x20x20xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x20x20xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x22x22xf32>, tensor<16x16x3x3xf32>)
      outs(%init : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  %e2 = tensor.empty() : tensor<1x16x20x20xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                           affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x16x20x20xf32>) outs(%e2 : tensor<1x16x20x20xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x20x20xf32>
  %p = tensor.pad %relu low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):
    tensor.yield %zero : f32
  } : tensor<1x16x20x20xf32> to tensor<1x16x22x22xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  %r2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                  strides = dense<1> : tensor<2xi64>}
      ins(%p, %w2 : tensor<1x16x22x22xf32>, tensor<16x16x3x3xf32>)
      outs(%init2 : tensor<1x16x20x20xf32>) -> tensor<1x16x20x20xf32>
  return %r2 : tensor<1x16x20x20xf32>
}

// -----

// 1x1 convolution on a 7x7 image: a matmul over the flattened image
// (vectors along the 49 pixels, not a 7-wide row), the bias broadcast
// rebuilt flat and fused; the ReLU takes the flat shape and is fused as the
// matmul's epilogue.
// CHECK-LABEL: func.func @conv1x1_small(
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] : tensor<1x64x7x7xf32> into tensor<64x49xf32>
// CHECK: scf.forall
// CHECK:   linalg.broadcast ins(%{{.*}} : tensor<{{[0-9]+}}xf32>) outs(%{{.*}} : tensor<{{[0-9]+}}x49xf32>) dimensions = [1]
// CHECK:   linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK:   linalg.generic
// CHECK:     arith.maximumf
// CHECK: scf.forall.in_parallel
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] output_shape [1, 32, 7, 7]
// A wide image (40x40) becomes a matmul too, with cache tiles of 128
// pixels (the matmul's columns): a block of the input stays in cache while
// every output channel reads it (the windowed plan streamed the whole input
// once per register tile of channels).
// CHECK-LABEL: func.func @conv1x1_wide(
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] : tensor<1x16x40x40xf32> into tensor<16x1600xf32>
// CHECK: scf.forall
// CHECK:   scf.for %{{.*}} = %c0 to %{{.*}} step %c128
// CHECK:     linalg.matmul {{.*}} -> tensor<8x32xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] output_shape [1, 32, 40, 40]
// A strided 1x1 convolution keeps the direct convolution.
// CHECK-LABEL: func.func @conv1x1_strided(
// CHECK: linalg.conv_2d_nchw_fchw
func.func @conv1x1_small(%x: tensor<1x64x7x7xf32>, %w: tensor<32x64x1x1xf32>,
                         %b: tensor<32xf32>) -> tensor<1x32x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %init = linalg.broadcast ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x7x7xf32>)
      dimensions = [0, 2, 3]
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x7x7xf32>, tensor<32x64x1x1xf32>)
      outs(%init : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  %e2 = tensor.empty() : tensor<1x32x7x7xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                           affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x32x7x7xf32>) outs(%e2 : tensor<1x32x7x7xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x32x7x7xf32>
  return %relu : tensor<1x32x7x7xf32>
}
func.func @conv1x1_wide(%x: tensor<1x16x40x40xf32>, %w: tensor<32x16x1x1xf32>,
                        %init: tensor<1x32x40x40xf32>) -> tensor<1x32x40x40xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x40x40xf32>, tensor<32x16x1x1xf32>)
      outs(%init : tensor<1x32x40x40xf32>) -> tensor<1x32x40x40xf32>
  return %r : tensor<1x32x40x40xf32>
}
func.func @conv1x1_strided(%x: tensor<1x16x40x40xf32>, %w: tensor<32x16x1x1xf32>,
                           %init: tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                                 strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x40x40xf32>, tensor<32x16x1x1xf32>)
      outs(%init : tensor<1x32x20x20xf32>) -> tensor<1x32x20x20xf32>
  return %r : tensor<1x32x20x20xf32>
}
