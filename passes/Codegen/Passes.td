//===- Passes.td - Kiln CPU code generation passes ---------*- tablegen -*-===//
//
// The passes behind the linalg, vector, bufferize and llvm stages of the CPU
// pipeline (lib/Pipeline/Pipelines.cpp strings them together).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CODEGEN_PASSES_TD
#define KILN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnDecomposeAggregates : Pass<"kiln-decompose-aggregates"> {
  let summary = "Decompose aggregate tensor ops into structured ops";
  let description = [{
    Rewrites ops that later stages cannot tile, vectorize or bufferize as a
    whole into simpler ones: `linalg.softmax` (and any other op implementing
    `AggregatedOpInterface`) into its `linalg.generic` steps, and
    `tensor.concat` into `tensor.empty` + `tensor.insert_slice`s.

    ```mlir
    %0 = linalg.softmax dimension(1) ins(%x : tensor<2x16xf32>)
                                     outs(%e : tensor<2x16xf32>) -> tensor<2x16xf32>
    // becomes max-reduce, sub+exp, sum-reduce and div linalg.generic ops.
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def KilnFuseElementwise : Pass<"kiln-fuse-elementwise"> {
  let summary = "Fuse elementwise linalg producers into their consumers";
  let description = [{
    Upstream elementwise fusion (`linalg::populateElementwiseOpsFusionPatterns`)
    with a control function that never fuses into contractions, convolutions
    or other ops with reduction loops whose body is not a plain reduction:
    their bodies must stay recognizable to the tiling and vectorization of
    the vector stage. A producer is fused only into its single user.

    ```mlir
    %a = linalg.generic {...} ins(%x) outs(%e) { math.exp }
    %b = linalg.generic {...} ins(%a, %y) outs(%e) { arith.mulf }
    // becomes one linalg.generic computing exp(x) * y.
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def KilnCpuTileAndFuse : Pass<"kiln-cpu-tile-and-fuse",
                              "::mlir::func::FuncOp"> {
  let summary = "Multi-level tiling of linalg ops for CPUs (threads, cache, "
                "registers), fusing cheap producers";
  let description = [{
    Tiles every linalg op on tensors with static shapes through
    `TilingInterface` in up to four levels:

    1. threads: an `scf.forall` splitting one parallel dimension (batch, then
       rows / output channels, ...) into `num-threads` x `chunks-per-thread`
       equal chunks (fewer for small ops), when the op does at least
       `min-parallel-work` (see the option) and a dimension divides evenly;
    2. cache tiles of the parallel dimensions (matmul: 64 rows x 128 columns,
       4 panels of 32 with weights packed by kiln-cpu-pack-matmul-weights;
       convolutions: the register tile's parallel part);
    3. cache tiles of the reduction dimensions (matmul: K by 256);
    4. the register tile: rows x 2 vectors for contractions (1 row x 8
       vectors for a matrix-vector product, to read B in long runs) and
       convolutions (vector = `vector-bits` / element bits lanes; vectors
       run along the output's innermost dimension: N of a matmul, the output
       width of an NCHW convolution; rows are output rows of one channel for
       a depthwise convolution), reduction and window dimensions by 1. The
       row count is at most 8 with 32 vector registers, 6 with 16
       (`vector-registers`), and within that the one the register-tile cost
       model (passes/Codegen/RegisterTiles.h) prices best for the loop's
       extent, remainder included: 7 rows run as 4 + 3 (a 1-row remainder
       tile waits on its own FMA latency), 14 as 5 + 5 + 4;
       a strip of up to 4 vectors for elementwise ops (16 when the strip is
       reduced, as in softmax or layer_norm rows; one vector by one vector
       when an input is read transposed, transposed in registers).

    Tile sizes follow from the loop structure (contraction dims, convolution
    dims), not the op name: batch/transposed matmuls, generic contractions,
    every convolution layout and pooling go through the same plans.
    Producers that are cheap to recompute (`linalg.fill`, broadcasts such as
    a bias, elementwise ops feeding elementwise ops, used by nothing else)
    are fused into levels 1 and 2. Elementwise consumers of a contraction or
    convolution (bias, activation, residual add; its only user, with the
    output's indexing) are fused into levels 1 and 2 as an epilogue
    (`scf::tileAndFuseConsumer`): each output tile gets its activation right
    after its reduction, without another parallel loop or pass over memory.
    Before tiling, a 1x1 stride-1 NCHW convolution (batch 1, static shapes)
    becomes a `linalg.matmul` over the flattened image (vectors along H*W
    instead of a 7-wide row, and the cache tiles of a matmul), `tensor.pad` becomes
    a fresh `bufferization.alloc_tensor` (not a `tensor.empty`, which CSE
    would share between pads of one shape, forcing copies at
    bufferization), fills of its border slabs and a `linalg.copy` into the
    interior (no
    copy when the source is computed by a linalg op with a `tensor.empty`
    init: that op writes straight into the interior, built before it), and
    the contiguous inner dimensions of elementwise generics are collapsed (a
    ReLU on 1x512x7x7 runs as 64-lane strips). Loops whose trip count does
    not divide are peeled, so every innermost op has a static shape. The
    next pass (`kiln-cpu-vectorize`) vectorizes the tiles.

    Dynamic dimensions (a model with `kiln.input_ranges`): a loop of
    run-time extent is planned at its upper bound over the input ranges
    (tile sizes; passes/Codegen/DimBounds.h) and at its `opt` size (the work
    deciding the parallel threshold; the register tile of a windowed op).
    The tile sizes stay static; the loops over a dynamic dimension get a
    run-time trip count, and each is peeled once into full static tiles and
    a remainder tile (smaller than one step). A contraction's or
    convolution's reduction loops are made only after that: its remainder
    tile is first split into static pieces of 4, 2 and 1 rows or pixels
    (passes/Codegen/StaticPieces.h), so each piece keeps its accumulators in
    registers across its own reduction loops; elementwise remainders are
    vectorized with masks by `kiln-cpu-vectorize`. A dynamic dimension
    split among threads gets chunks sized at its `opt` extent, so the
    `scf.forall` trip count follows the actual extent at run time; static
    dimensions that divide evenly are preferred. Ops whose dynamic sizes
    have no constant bound are left alone (scalar loops, still correct).

    ```mlir
    %r = linalg.matmul ins(%a, %b : tensor<256x512xf32>, tensor<512x1024xf32>)
                       outs(%fill : tensor<256x1024xf32>) -> tensor<256x1024xf32>
    // becomes
    %r = scf.forall (%i) in (2) shared_outs(%o = %empty) {
      linalg.fill ... tensor<128x1024xf32>
      scf.for %m, scf.for %n        // 64 x 128 cache tiles
        scf.for %k                  // 256
          scf.for %m2, scf.for %n2, scf.for %k2
            linalg.matmul ... -> tensor<8x32xf32>   // 8 x 2 vectors, K = 1
    }
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", "256",
           "Native SIMD register width in bits">,
    Option<"vectorRegisters", "vector-registers", "unsigned", "32",
           "Vector registers of the target (16 on x86 without AVX-512): "
           "register tiles of up to 8 rows with 32, 6 with 16">,
    Option<"numThreads", "num-threads", "unsigned", "2",
           "Chunks the outermost parallel loop is split into (1: no "
           "scf.forall)">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", "65536",
           "Smallest work worth an scf.forall: iteration-space points of an "
           "elementwise op (x 4 when it transposes) or reduction, "
           "multiply-adds / 16 of a "
           "contraction or convolution (/ 4 of a depthwise convolution or "
           "pooling)">,
    Option<"chunksPerThread", "chunks-per-thread", "unsigned", "4",
           "Chunks per thread of the scf.forall (halved while the op has "
           "less than chunks-per-thread x min-parallel-work of work or the "
           "dimension does not divide): the runtime lets a thread that is "
           "done take the next chunk">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect"];
}

def KilnCpuPackMatmulWeights : Pass<"kiln-cpu-pack-matmul-weights",
                                    "::mlir::func::FuncOp"> {
  let summary = "Repack the constant right-hand side of large f32 matmuls "
                "into contiguous panels at compile time";
  let description = [{
    A row-major f32 `linalg.matmul` C[M, N] += A[M, K] * B[K, N] whose B is a
    constant (dense or `dense_resource`), with N a multiple of the panel
    width nr (2 vectors: 32 floats with 512-bit vectors) and at least
    `min-work` multiply-adds, gets B repacked into a new constant
    Bp[N/nr, K, nr] (Bp[j, k, l] = B[k, j * nr + l]): the register tile's K
    loop then reads one contiguous panel instead of rows N floats apart,
    which collide in the caches when N is a power of two. The matmul becomes
    a `linalg.generic` contraction over (m, j, l, k) accumulating into C
    viewed as [M, N/nr, nr] (expand_shape/collapse_shape, no copy), tiled by
    `kiln-cpu-tile-and-fuse` like any contraction. Smaller matmuls, other
    element types, transposed maps and non-constant B are left alone.

    ```mlir
    %r = linalg.matmul ins(%a, %w : tensor<2048x2048xf32>, tensor<2048x2048xf32>)
                       outs(%c : tensor<2048x2048xf32>) -> tensor<2048x2048xf32>
    // becomes
    %wp = arith.constant dense_resource<w_packed> : tensor<64x2048x32xf32>
    %c3 = tensor.expand_shape %c [[0], [1, 2]] ... into tensor<2048x64x32xf32>
    %g = linalg.generic {(m, j, l, k): A[m, k], Bp[j, k, l] -> C3[m, j, l]}
    %r = tensor.collapse_shape %g [[0], [1, 2]] ... into tensor<2048x2048xf32>
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", "256",
           "Native SIMD register width in bits (panel width: 2 vectors)">,
    Option<"minWork", "min-work", "int64_t", "268435456",
           "Smallest M*N*K worth packing (measured on Zen 4: packing pays "
           "from about 512x768x768 on, costs ~2% at 256^3)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def KilnCpuBlockConvChannels : Pass<"kiln-cpu-block-conv-channels",
                                    "::mlir::func::FuncOp"> {
  let summary = "Run convolutions with vectors along output channels, "
                "weights blocked at compile time, where the register-tile "
                "cost model prices that cheaper";
  let description = [{
    An f32 `linalg.conv_2d_nchw_fchw` whose weights w[F, C, KH, KW] are a
    constant (dense or `dense_resource`), with F a multiple of the block nb
    (2 vectors: 16 floats with 256-bit vectors), is priced by the
    register-tile cost model (passes/Codegen/RegisterTiles.h: FMA
    throughput and latency, loads, remainder tiles) on both of its paths:

    - as it is: vectors along the output width and rows of output channels
      (`kiln-cpu-tile-and-fuse`'s windowed plan; a strided convolution reads
      its input vectors with shuffles); a 1x1 stride-1 convolution of batch
      1 becomes a matmul with vectors along the flattened image there;
    - blocked: rows of output pixels and vectors along output channels,
      plus one transpose of the output back to NCHW.

    The blocked form wins on narrow images (a 7-wide row fills 7 of 16
    lanes, a 49-point image 49 of 64) and loses where the image fills the
    vectors (a 56x56 1x1 convolution). A blocked convolution becomes a
    `linalg.generic` over (n, fo, oh, ow, fi, kh, kw, c) writing a blocked
    output [N, F/nb, OH, OW, nb] (batch and image sizes may be dynamic: an
    image of run-time size is priced at its `opt` width) from weights
    repacked at compile time into [F/nb, KH, KW, C, nb]; the input channel
    is the innermost reduction loop, so consecutive steps broadcast
    different input elements (with the taps innermost, LLVM keeps the
    broadcasts shared by a row's taps alive and spills the accumulators with
    16 registers). A 1x1 stride-1 convolution on a static image runs over
    the flattened image instead, (n, fo, p, fi, c) with weights [F/nb, C,
    nb]: a contraction, tiled like a matmul (rows of pixels, cache tiles of
    the input channels). A broadcast bias or a fill init is rebuilt in the
    blocked shape and an elementwise consumer (activation, residual add)
    runs on the blocked result (both fused into the tiles); the result goes
    back to NCHW through one `linalg.transpose`. Grouped convolutions, other
    layouts and types and non-constant weights are left alone.

    ```mlir
    %r = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x512x9x9xf32>,
           tensor<512x512x3x3xf32>) outs(%b : tensor<1x512x7x7xf32>)
    // becomes
    %wb = arith.constant dense_resource<w_blocked> : tensor<32x3x3x512x16xf32>
    %g = linalg.generic {(n, fo, oh, ow, fi, kh, kw, c):
           x[n, c, oh + kh, ow + kw], wb[fo, kh, kw, c, fi]
           -> acc[n, fo, oh, ow, fi]}
    %t = linalg.transpose ins(%g : tensor<1x32x7x7x16xf32>) ... permutation = [0, 1, 4, 2, 3]
    ```
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", "256",
           "Native SIMD register width in bits (channel block: 2 vectors)">,
    Option<"vectorRegisters", "vector-registers", "unsigned", "32",
           "Vector registers of the target (16 on x86 without AVX-512): "
           "the largest register tiles the cost model considers">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def KilnCpuVectorize : Pass<"kiln-cpu-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Vectorize register-sized linalg tiles on tensors and keep "
                "accumulators in registers";
  let description = [{
    Vectorizes every linalg op whose iteration space is static and small
    (at most `max-vector-elements` points; the tiles made by
    `kiln-cpu-tile-and-fuse`):

    - windowed ops (convolutions of any layout, depthwise, grouped, strided,
      dilated, pooling) whose window loops have size 1 are rewritten into a
      `linalg.generic` on strided input slices with projected-permutation
      indexing maps, so a 2-D convolution tile becomes a matmul-shaped tile;
    - a tile whose vector dimension is wider than one register but not a
      power-of-two number of registers is split (24 lanes -> 16 + 8): the
      x86 backend spills and shuffles vectors like <24 x float>;
    - unit dimensions are dropped (keeping one contraction dimension) and the
      loops reordered like the output, so a tile is vectorized as a
      `vector.contract` (8 x 1 times 1 x 2 vectors; convolution tiles go
      through `linalg.contract` with the vector operand as rhs) or as
      elementwise vector ops (depthwise: one weight splat per row);
    - `linalg::vectorize`, then reduction-to-contract and transfer
      permutation lowering;
    - loop-invariant subsets (the accumulator's transfer_read/write) are
      hoisted out of the reduction loops, on tensors, then the IR is
      canonicalized so bufferization adds no copies;
    - `a * b + c` on float vectors becomes `vector.fma`.

    A tile of run-time extent (the remainder of a loop peeled over a dynamic
    dimension) whose upper bound (over `kiln.input_ranges`) fits the same
    limit is vectorized with masks: `linalg::vectorize` with the bounds as
    vector sizes (`vector.mask`, `vector.create_mask` of the actual sizes).
    A windowed or contraction tile of run-time extent still left (normally
    split by `kiln-cpu-tile-and-fuse` already) is computed as static pieces
    (passes/Codegen/StaticPieces.h); where upstream's masked vectorization
    does not take an op, its dynamic loops are tiled by 1 and the static
    tiles vectorized as above.

    ```mlir
    scf.for %k ... iter_args(%acc = %c) {
      %t = linalg.matmul ins(... : tensor<8x1xf32>, tensor<1x32xf32>)
                         outs(... : tensor<8x32xf32>)
    // becomes
    %r = vector.transfer_read %c ...    // hoisted out of the loop
    scf.for %k ... iter_args(%acc = %r) {
      vector.contract ... vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    ```
  }];
  let options = [
    Option<"maxVectorElements", "max-vector-elements", "int64_t", "1024",
           "Largest iteration space (points) that is vectorized">,
    Option<"vectorBits", "vector-bits", "unsigned", "256",
           "Native SIMD register width in bits (vector tiles wider than one "
           "register are split into power-of-two numbers of registers)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::ub::UBDialect"];
}

def KilnCpuLowerVectors : Pass<"kiln-cpu-lower-vectors"> {
  let summary = "Progressive lowering of high-level vector ops for CPUs";
  let description = [{
    Lowers vector ops to the forms `convert-vector-to-llvm` and the x86 /
    AArch64 backends handle well:
    - `vector.contract` into outer products and FMAs, multi-reductions, n-D
      transfers into 1-D ones (splitting full/partial transfers), transposes
      into shuffles, shape casts, broadcasts (the reference schedule's
      recipe);
    - a 1-D read with a small constant stride (strided convolution input)
      into one contiguous read plus a shuffle;
    - a 1-D multi-reduction into `vector.reduction`, and float min/max
      reductions into a shuffle tree of elementwise min/max (the x86
      backend scalarizes `llvm.vector.reduce.fmaximum`);
    - loads/stores of odd vector sizes (<7 x float>) into masked ones of the
      next power of two;
    - exp, expm1, log, log1p, log2, tanh and erf into polynomial
      approximations, so they stay vectorized instead of becoming one libm
      call per lane.

    ```mlir
    %r = vector.contract {...} %a, %b, %acc
        : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
    // becomes 8 x vector.fma on vector<32xf32> (via vector.outerproduct)
    ```
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def KilnLegalizeEmptyArguments
    : Pass<"kiln-legalize-empty-arguments", "func::FuncOp"> {
  let summary = "Pass zero-element memref arguments as one-element memrefs";
  let description = [{
    The bare-pointer calling convention of the model function cannot pass a
    memref without elements (a tensor with a 0 dim). In a function nothing
    calls (the model function), each such argument becomes a one-element
    memref of the same element type, reinterpreted to the zero-element shape
    for its uses (which touch no element).

    ```mlir
    func.func @main_graph(%arg0: memref<20x0x5xf32>)
    // becomes
    func.func @main_graph(%arg0: memref<1xf32>) {
      %0 = memref.reinterpret_cast %arg0 to offset: [0], sizes: [20, 0, 5],
           strides: [0, 5, 1] : memref<1xf32> to memref<20x0x5xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def KilnLowerDynamicArguments : Pass<"kiln-lower-dynamic-arguments",
                                     "::mlir::ModuleOp"> {
  let summary = "Pass the model function's dynamic memrefs as flat buffers "
                "plus one buffer of run-time input dims";
  let description = [{
    The first pass of the LLVM stage (after kiln-plan-workspace). The
    bare-pointer calling convention of the model function `func-name` passes
    one pointer per memref and cannot carry dynamic sizes, so when the
    function has dynamic memref arguments (a model compiled with dimension
    ranges):

    - it gets one more argument, `memref<Kxi64>`, before the workspace
      (after the inputs, out-params and dims results): the actual size of
      each of the K dynamic input dims, in input order and dim order
      (one element when K is 0);
    - each dynamic input becomes a static flat `memref<NxT>` (N elements at
      the upper bounds of `kiln.input_ranges`) and is rebuilt at the entry
      with `memref.reinterpret_cast` (identity layout) from those dims;
    - each dynamic out-param becomes a flat buffer sized by
      `kiln.output_upper_bounds` and is viewed, right before the
      `memref.copy` that writes it (its only use), in the shape of the copied
      value: the output is stored densely in its actual shape at the start of
      the caller's buffer (the actual dims reach the caller through the
      output's dims result, `kiln.output_dims`). An out-param written in
      place is viewed, for all its uses, in the shape its dims result holds
      (the values stored into it at the top level).

    The module gets `kiln.dynamic_input_dims`: the (input, dim) pairs of the
    dims argument, flattened, for the ABI. Functions with static arguments
    only are left unchanged.

    Every `memref.expand_shape` with more than one dynamic dim in a
    reassociation group (what collapsed elementwise ops over several dynamic
    dims leave) becomes a `memref.reinterpret_cast` of its source's base
    buffer: LLVM 22's expand-strided-metadata crashes on it
    (llvm-project#186830, fixed for LLVM 23).

    ```mlir
    func.func @main_graph(%x: memref<?x64xf32>, %y: memref<?x32xf32>,
                          %dims: memref<2xi64>, %ws: memref<4096xi8>)
    // becomes
    func.func @main_graph(%x: memref<512xf32>, %y: memref<256xf32>,
                          %dims: memref<2xi64>, %in_dims: memref<1xi64>,
                          %ws: memref<4096xi8>) {
      %d0 = memref.load %in_dims[%c0] : memref<1xi64>
      %n = arith.index_cast %d0 : i64 to index
      %xv = memref.reinterpret_cast %x to offset: [0], sizes: [%n, 64],
          strides: [64, 1] : memref<512xf32> to memref<?x64xf32>
    ```
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", "\"main_graph\"",
           "Name of the model function">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KilnLowerMemRefCopy : Pass<"kiln-lower-memref-copy"> {
  let summary = "Rewrite non-contiguous memref.copy into linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` between contiguous
    buffers to `llvm.memcpy`, but any other copy to a call to `memrefCopy`
    from libmlir_c_runner_utils, which deployed Kiln code must not depend on.
    This pass rewrites those copies into `linalg.copy`, later lowered to
    loops.

    ```mlir
    memref.copy %a, %b : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
    // becomes
    linalg.copy ins(%a : memref<4x4xf32, strided<[8, 1]>>)
                outs(%b : memref<4x4xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def KilnReadInsertedSlices : Pass<"kiln-read-inserted-slices",
                                   "::mlir::func::FuncOp"> {
  let summary = "Read a value back from the tensor.insert_slice that stored "
                "it, so bufferization writes it in place";
  let description = [{
    A value that a `tensor.insert_slice` writes into a bigger tensor (an
    activation stored into the interior of its padded copy, built in place
    by its producer) and that is also read after the insert (a residual
    connection) is read back from the insert's result through a
    `tensor.extract_slice` at the same place. One-shot bufferization then
    sees no read of the value after the insert wrote its buffer, and keeps
    the producer in place instead of copying the interior out to a temporary
    and back. Canonicalization would fold the read-back away again, so this
    runs right before bufferization. Readers before the insert, or in other
    blocks than the insert's, are left alone.

    ```mlir
    %r = scf.forall ... shared_outs(%o = %interior) -> (tensor<1x64x56x56xf32>)
    %p = tensor.insert_slice %r into %filled[0, 0, 1, 1] [1, 64, 56, 56] [1, 1, 1, 1]
    %s = linalg.generic ins(%r, ...)      // residual add, later
    // becomes
    %p = tensor.insert_slice %r into %filled[0, 0, 1, 1] [1, 64, 56, 56] [1, 1, 1, 1]
    %back = tensor.extract_slice %p[0, 0, 1, 1] [1, 64, 56, 56] [1, 1, 1, 1]
    %s = linalg.generic ins(%back, ...)
    ```
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def KilnEraseWriteOnlyBuffers : Pass<"kiln-erase-write-only-buffers",
                                     "::mlir::func::FuncOp"> {
  let summary = "Erase local buffers that are written but never read";
  let description = [{
    A `memref.alloc` / `memref.alloca` whose only uses are views
    (subview, expand/collapse_shape, cast, reinterpret_cast) and writes
    into it (`vector.transfer_write` without a mask, `vector.store`,
    `memref.store`, the target of `memref.copy`, the init of `linalg.fill`)
    or its `memref.dealloc` is erased with all those ops. Any other use (a
    read, a call, a return, an unknown op) keeps the buffer.

    Bufferization leaves such buffers when an elementwise epilogue fused into
    a contraction's or convolution's tiles used the tile from registers:
    the producer's result is still stored, into a buffer nothing reads (as
    much memory traffic as the real output). Runs after
    buffer-results-to-out-params, so results returned by the function are
    no longer allocations.

    ```mlir
    %dead = memref.alloc() : memref<8x32xf32>
    vector.transfer_write %acc, %dead[%c0, %c0] : vector<8x32xf32>, memref<8x32xf32>
    %relu = arith.maximumf %acc, %zero : vector<8x32xf32>
    vector.transfer_write %relu, %out[%c0, %c0] : vector<8x32xf32>, memref<8x32xf32>
    // becomes
    %relu = arith.maximumf %acc, %zero : vector<8x32xf32>
    vector.transfer_write %relu, %out[%c0, %c0] : vector<8x32xf32>, memref<8x32xf32>
    ```
  }];
}

def KilnFlattenConstantGlobals : Pass<"kiln-flatten-constant-globals",
                                      "::mlir::ModuleOp"> {
  let summary = "Store constant memref globals (weights) as 1-D arrays";
  let description = [{
    Each constant `memref.global` of rank >= 2 with a dense or
    `dense_resource` initial value becomes a 1-D global over the same data;
    its `memref.get_global` users get the original shape back through a
    `memref.expand_shape` (no copy). The LLVM global is then one constant
    holding the raw bytes instead of nested arrays with one uniqued constant
    per innermost row, which made translating and compiling large models
    slow and memory-hungry.

    ```mlir
    memref.global "private" constant @w : memref<64x3x7x7xf32> = dense_resource<w>
    %0 = memref.get_global @w : memref<64x3x7x7xf32>
    // becomes
    memref.global "private" constant @w : memref<9408xf32> = dense_resource<w>
    %f = memref.get_global @w : memref<9408xf32>
    %0 = memref.expand_shape %f [[0, 1, 2, 3]] output_shape [64, 3, 7, 7]
        : memref<9408xf32> into memref<64x3x7x7xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def KilnLowerForallToRuntime : Pass<"kiln-lower-forall-to-runtime",
                                    "::mlir::ModuleOp"> {
  let summary = "Outline parallel loops into kiln_parallel_for calls";
  let description = [{
    Each outermost `scf.forall` or `scf.parallel` on memrefs (bufferized) is
    replaced by a call to the runtime's

    ```c
    void kiln_parallel_for(int64_t n, void (*body)(void *ctx, int64_t begin,
                                                   int64_t end), void *ctx);
    ```

    where `n` is the loop's total trip count and `body` is a new private
    function `(ptr ctx, i64 begin, i64 end)` that runs the linearized
    iterations [begin, end) in an `scf.for`. Values the loop body uses from
    above are stored into a stack-allocated context struct (memrefs as their
    LLVM descriptors, index values as i64); constants are cloned into the
    body instead. Nested parallel loops become sequential `scf.for` loops.

    ```mlir
    scf.forall (%i) in (2) { ... use %buf ... }
    // becomes
    %ctx = llvm.alloca ... ; llvm.store (descriptor of %buf)
    %fn = func.constant @main_graph__par0 : (!llvm.ptr, i64, i64) -> ()
    func.call @kiln_parallel_for(%c2, %fn, %ctx)
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect"];
}

def KilnExtractWeights : Pass<"kiln-extract-weights", "::mlir::ModuleOp"> {
  let summary = "Move the weights out of the code: read through one base pointer";
  let description = [{
    Every constant `llvm.mlir.global` of the module (not of nested modules)
    whose initial value is a dense or `dense_resource` tensor of integers or
    floats, and whose only users are `llvm.mlir.addressof` ops, becomes a
    slice of one weights blob: it gets an offset (64-byte aligned, in module
    order), its users read `base + offset`, where `base` is loaded (once per
    function, an invariant load) from the external `@kiln_weights` global,
    and the global is erased. The module attribute `kiln.weights` lists the
    moved weights in blob order (`name`: the resource key or the global's
    name, `offset`, `value`: the initial value, still the same blob); the
    compile driver streams them into the artifact or a weights file
    (lib/Target/Weights.cpp), and the model ABI defines `@kiln_weights`.
    So the code never depends on weight values (swapping weights needs no
    recompile), and no weight becomes an LLVM constant.

    ```mlir
    llvm.mlir.global private constant @w(dense_resource<w> : tensor<64xf32>) : !llvm.array<64 x f32>
    llvm.func @f() { %0 = llvm.mlir.addressof @w : !llvm.ptr ... }
    // becomes
    llvm.mlir.global external @kiln_weights() : !llvm.ptr
    llvm.func @f() {
      %b = llvm.mlir.addressof @kiln_weights : !llvm.ptr
      %p = llvm.load %b invariant : !llvm.ptr -> !llvm.ptr
      %0 = llvm.getelementptr inbounds %p[0] : (!llvm.ptr) -> !llvm.ptr, i8 ...
    }
    // and the module gets the attribute kiln.weights = [{name = "w",
    //   offset = 0 : i64, value = dense_resource<w> : tensor<64xf32>} ]
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def KilnVerifyLLVMContract : Pass<"kiln-verify-llvm-contract",
                                  "::mlir::ModuleOp"> {
  let summary = "Check that the module is in the form the LLVM stage promises";
  let description = [{
    Fails (with an error at the offending op) unless every op in the module
    belongs to the llvm dialect, the model function `func-name` exists as an
    `llvm.func` whose parameters are all `!llvm.ptr` and which returns
    nothing, and no external function from MLIR's runtime support libraries
    (`memrefCopy`, `_mlir_*`) is called: generated code may only depend on
    libc, libm and the Kiln runtime.

    ```mlir
    llvm.func @main_graph(%in0: !llvm.ptr, %out0: !llvm.ptr) { ... }
    ```
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", "\"main_graph\"",
           "Name of the model function">,
  ];
}

def KilnTestDimBounds : Pass<"kiln-test-dim-bounds", "::mlir::func::FuncOp"> {
  let summary = "Annotate index values and dynamic dims with their bounds "
                "over the input ranges (tests passes/Codegen/DimBounds.h)";
  let description = [{
    For testing the bounds utility: every op of a function with
    `kiln.input_ranges` that produces an index value gets
    `kiln.bounds = [lower, upper]` (`"none"` for a missing bound), and an op
    whose first result is a shaped value with dynamic dimensions gets
    `kiln.dim_bounds` (one `[lower, upper]` pair per dimension, -1 where
    missing) and `kiln.dim_opt` (the sizes at the `opt` input shape).

    ```mlir
    %d = tensor.dim %x, %c0 : tensor<?x64xf32>   // range 1..200
    // gets {kiln.bounds = [1, 200]}
    ```
  }];
}

def KilnRecordOutputUpperBounds : Pass<"kiln-record-output-upper-bounds",
                                       "::mlir::ModuleOp"> {
  let summary = "Record the upper bound of every output dimension of a model "
                "with input ranges";
  let description = [{
    Runs while the model function `func-name` still returns tensors (the
    first step of the bufferize stage). When the function has
    `kiln.input_ranges`, it gets `kiln.output_upper_bounds`: an ArrayAttr
    with one `DenseI64ArrayAttr` per model output (the results named by
    `kiln.output_names`, not the dims results after them) holding the
    largest size of each dimension over the input ranges (static
    dimensions as they are). The bound comes from upstream
    `ValueBoundsConstraintSet` (passes/Codegen/DimBounds.h); a dimension
    without a constant bound is an error. The ABI sizes output buffers with
    it. Functions without `kiln.input_ranges` are left unchanged.

    ```mlir
    func.func @main_graph(%x: tensor<?x64xf32>) -> (tensor<?x32xf32>, tensor<2xi64>)
        attributes {kiln.input_ranges = [array<i64: 1, 8, 64, 64, 64, 64>], ...}
    // gets
    //   kiln.output_upper_bounds = [array<i64: 64, 32>]
    ```
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", "\"main_graph\"",
           "Name of the model function">,
  ];
}

def KilnPlanWorkspace : Pass<"kiln-plan-workspace", "::mlir::ModuleOp"> {
  let summary = "Place the model function's intermediate buffers in one "
                "caller-provided workspace (static memory plan)";
  let description = [{
    Runs on the bufferized module (after buffer-results-to-out-params). The
    model function `func-name` gets a trailing argument
    `%workspace: memref<Nxi8>` and every `memref.alloc` in it is replaced,
    so the generated code never calls malloc/free:

    - A top-level alloc (directly in the function body) becomes
      `memref.view %workspace[%offset][]` at a compile-time offset, a
      multiple of 64 bytes. Its live range runs from the alloc to the last
      top-level op using it or any alias (views, casts, values forwarded
      through regions); an op with regions uses what its regions use. Buffers
      with overlapping live ranges never share bytes. Placement is greedy by
      size: largest first, each at the lowest offset that does not overlap an
      already-placed buffer whose live range intersects its own.
    - An alloc nested in sequential regions (`scf.for`, `scf.if`, ...) is
      hoisted to the top level (it must not escape a loop iteration) and is
      live during its top-level ancestor op.
    - An alloc inside a parallel loop (`scf.forall`, `scf.parallel`, or a
      region op of unknown semantics) is private to each iteration, which may
      run on another thread: it becomes a `memref.alloca` at the start of the
      innermost parallel loop's body, bracketed by `llvm.intr.stacksave` /
      `llvm.intr.stackrestore`, while that body's allocas fit in
      `max-stack-bytes`. A larger one gets one workspace slot per iteration of
      its enclosing parallel loops (static trip counts, or trip counts
      bounded over the input ranges) and is indexed by the linearized
      iteration; otherwise the pass fails.
    - A dynamically sized alloc (a model with `kiln.input_ranges`) is
      placed like the others with the bytes of its largest size over the
      input ranges (passes/Codegen/DimBounds.h), viewed with its actual
      sizes (`memref.view %workspace[%offset][%sizes]`) where the alloc was;
      `kiln.workspace_size` is the size at the upper bounds. A dynamic size
      without a constant upper bound is an error naming the dimension.

    `memref.dealloc`s of these buffers are erased; any heap allocation or
    deallocation left in the model function is an error. The module gets
    `kiln.workspace_size` (N) and `kiln.workspace_naive_size` (the sum of all
    workspace buffers, each aligned: the size without reuse) as i64
    attributes. A module without `func-name` is left unchanged.

    ```mlir
    func.func @main_graph(%in: memref<64xf32>, %out: memref<64xf32>) {
      %a = memref.alloc() {alignment = 64 : i64} : memref<64xf32>
      ...
    // becomes
    func.func @main_graph(%in: memref<64xf32>, %out: memref<64xf32>,
                          %ws: memref<256xi8>) {
      %c0 = arith.constant 0 : index
      %a = memref.view %ws[%c0][] : memref<256xi8> to memref<64xf32>
    ```
  }];
  let options = [
    Option<"funcName", "func-name", "std::string", "\"main_graph\"",
           "Name of the model function">,
    Option<"maxStackBytes", "max-stack-bytes", "int64_t", "65536",
           "Most stack bytes given to buffers private to one parallel loop "
           "body">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

#endif // KILN_CODEGEN_PASSES_TD
