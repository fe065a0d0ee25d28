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
       rows / output channels, ...) into `num-threads` equal chunks, when the
       op does more than `min-parallel-work` multiply-adds and a dimension
       divides evenly;
    2. cache tiles of the parallel dimensions (matmul: 64 rows x 128 columns);
    3. cache tiles of the reduction dimensions (matmul: K by 256);
    4. the register tile: 8 rows x 2 vectors for contractions and
       convolutions (vector = `vector-bits` / element bits lanes), reduction
       and window dimensions by 1; a 1 x up-to-4-vectors strip for
       elementwise ops.

    Producers that are cheap to recompute (`linalg.fill`, broadcasts,
    elementwise ops feeding elementwise ops) are fused into levels 1 and 2.
    `tensor.pad` is first rewritten into a fill plus a `linalg.copy` into the
    interior, which is then tiled like an elementwise op. Loops whose trip
    count does not divide are peeled, so every innermost op has a static
    shape. The next pass (`kiln-cpu-vectorize`) vectorizes the tiles.

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
    Option<"numThreads", "num-threads", "unsigned", "2",
           "Chunks the outermost parallel loop is split into (1: no "
           "scf.forall)">,
    Option<"minParallelWork", "min-parallel-work", "int64_t", "32768",
           "Smallest iteration-space size worth an scf.forall">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
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
    - unit dimensions are dropped (keeping one contraction dimension), so a
      tile is vectorized as a 2-D `vector.contract` (8 x 2 vectors x 1) or
      as 1-D/2-D elementwise vector ops;
    - `linalg::vectorize`, then reduction-to-contract and transfer
      permutation lowering;
    - loop-invariant subsets (the accumulator's transfer_read/write) are
      hoisted out of the reduction loops, on tensors, then the IR is
      canonicalized so bufferization adds no copies;
    - `a * b + c` on float vectors becomes `vector.fma`.

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
    Lowers vector ops to the forms `convert-vector-to-llvm` handles well:
    `vector.contract` into outer products and FMAs, multi-reductions, n-D
    transfers into 1-D ones (splitting full/partial transfers), transposes
    into shuffles, shape casts, broadcasts. Math functions on f32 vectors
    (exp, log, tanh, erf, ...) are replaced by polynomial approximations so
    they stay vectorized instead of becoming one libm call per lane.

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

#endif // KILN_CODEGEN_PASSES_TD
