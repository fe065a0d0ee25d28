//===- CpuTileAndFuse.cpp - Multi-level tiling of linalg ops for CPUs -----===//
//
// kiln-cpu-tile-and-fuse: threads -> cache -> register tiling through
// TilingInterface, following shared/reference/cpu-matmul-schedule.mlir
// (cache tiles 64x128x256, register tile 8 rows x 2 vectors, K step 1).
// Tile sizes come from the op's loop structure, not its name, so every
// convolution layout, depthwise, grouped and pooling op, batch matmul and
// generic contraction is covered by the same three strategies:
//
//   contraction  rows x 2 vectors on (M, N), K by 1;
//   windowed     rows x 2 vectors on (channels, output width) or (output
//                width, channels), every window and input-channel loop by 1,
//                so kiln-cpu-vectorize can rewrite the tile as a matmul;
//   other        one vector strip along the innermost dimension.
//
// Every tile ends up with a static shape: loops whose trip counts do not
// divide are peeled.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"
#include "passes/Codegen/RegisterTiles.h"
#include "passes/Codegen/StaticPieces.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <limits>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNCPUTILEANDFUSE
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// Marks ops the pass decided not to tile (removed at the end).
constexpr StringLiteral kSkipAttr = "__kiln_no_tile";

/// Marks loops of run-time extent already peeled (removed at the end).
constexpr StringLiteral kPeeledAttr = "__kiln_peeled";

/// On a register tile of run-time extent: the tile sizes of its reduction
/// loops, tiled once its parallel loops are peeled into static pieces.
constexpr StringLiteral kReductionTilesAttr = "__kiln_reduction_tiles";

/// Nested ops with more iterations than this get a register tiling level.
constexpr int64_t kRegisterTilePoints = 1024;

enum class OpKind { Contraction, Windowed, Elementwise, Reduction };

/// Tile sizes of one op at each level (0: the loop is not tiled there).
struct TilePlan {
  OpKind kind;
  SmallVector<int64_t> threads;    // scf.forall level (empty: none)
  SmallVector<int64_t> cacheParallel;
  SmallVector<int64_t> cacheReduction;
  SmallVector<int64_t> registers;
  SmallVector<int64_t> bounds; // loop ranges (upper bounds when dynamic)
  bool dynamic = false;         // some loop has a run-time extent
};

static int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

static bool allZero(ArrayRef<int64_t> v) {
  return llvm::all_of(v, [](int64_t x) { return x == 0; });
}

/// Tile size `want` for a loop of `range` iterations, 0 when no tiling is
/// needed.
static int64_t clampTile(int64_t want, int64_t range) {
  return want >= range ? 0 : want;
}

static std::optional<unsigned> getDim(AffineExpr e) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition();
  return std::nullopt;
}

/// Chooses the dimension the scf.forall splits and its chunk size: the
/// first of `preferred` whose range divides evenly into `chunks` chunks of at
/// least `minChunk[d]` iterations.
static std::optional<std::pair<unsigned, int64_t>>
pickThreadDim(ArrayRef<unsigned> preferred, ArrayRef<int64_t> ranges,
              ArrayRef<int64_t> minChunk, int64_t chunks) {
  for (unsigned d : preferred) {
    if (ranges[d] % chunks != 0)
      continue;
    if (ranges[d] / chunks < std::max<int64_t>(1, minChunk[d]))
      continue;
    return std::make_pair(d, ranges[d] / chunks);
  }
  return std::nullopt;
}

/// A dimension of run-time extent (`dynamic[d]`): `chunks` chunks of the size
/// it has at its `opt` size (`opt[d]`), a multiple of `minChunk[d]`. The
/// trip count of the scf.forall is then computed at run time from the
/// actual extent (fewer chunks for a smaller input, more for a larger one).
static std::optional<std::pair<unsigned, int64_t>>
pickDynamicThreadDim(ArrayRef<unsigned> preferred, ArrayRef<bool> dynamic,
                     ArrayRef<int64_t> opt, ArrayRef<int64_t> minChunk,
                     int64_t numThreads, int64_t chunks) {
  for (unsigned d : preferred) {
    if (!dynamic[d])
      continue;
    int64_t step = std::max<int64_t>(1, minChunk[d]);
    int64_t chunk = llvm::alignTo(llvm::divideCeil(opt[d], chunks), step);
    if (llvm::divideCeil(opt[d], chunk) >= numThreads)
      return std::make_pair(d, chunk);
  }
  return std::nullopt;
}

/// When no dimension divides evenly among the threads (5 channel blocks
/// for 2 threads): the first of `preferred` that splits into at least
/// `numThreads` equal chunks of at most ceil(range / `maxChunks`)
/// iterations (5 chunks of 1), balanced by the runtime handing out chunks.
static std::optional<std::pair<unsigned, int64_t>>
pickUnevenThreadDim(ArrayRef<unsigned> preferred, ArrayRef<int64_t> ranges,
                    ArrayRef<int64_t> minChunk, int64_t numThreads,
                    int64_t maxChunks) {
  for (unsigned d : preferred) {
    int64_t chunk = llvm::divideCeil(ranges[d], maxChunks);
    if (ranges[d] % chunk == 0 && ranges[d] / chunk >= numThreads &&
        chunk >= std::max<int64_t>(1, minChunk[d]))
      return std::make_pair(d, chunk);
  }
  return std::nullopt;
}

/// Builds the tiling plan of `op`, or nothing when the op is left alone
/// (dynamic shapes, no loops, non-int/float elements).
static std::optional<TilePlan> planTiling(linalg::LinalgOp op,
                                          unsigned vectorBits,
                                          unsigned vectorRegisters,
                                          unsigned numThreads,
                                          int64_t minParallelWork,
                                          unsigned chunksPerThread = 1) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() == 0)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned numLoops = ranges.size();
  if (numLoops == 0)
    return std::nullopt;
  // Loops of run-time extent are planned at their upper bound over the input
  // ranges (register and cache tiles) and at their `opt` size (the work
  // that decides threading, the chunk size); without a bound the op is left
  // alone (scalar loops, still correct).
  SmallVector<bool> dynamic(numLoops, false);
  SmallVector<int64_t> opt(ranges);
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    auto func = op->getParentOfType<func::FuncOp>();
    if (!func)
      return std::nullopt;
    for (unsigned d = 0; d < numLoops; ++d) {
      if (!ShapedType::isDynamic(ranges[d]))
        continue;
      dynamic[d] = true;
      FailureOr<kiln::LoopBound> bound = kiln::computeLoopBound(op, d, func);
      if (failed(bound) || bound->upper <= 0)
        return std::nullopt;
      ranges[d] = bound->upper;
      opt[d] = std::max<int64_t>(1, bound->opt);
    }
  }
  bool anyDynamic = llvm::is_contained(dynamic, true);
  if (llvm::any_of(ranges, [](int64_t r) { return r <= 0; }))
    return std::nullopt;
  Type elemType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!elemType.isIntOrFloat())
    return std::nullopt;
  int64_t elemBits = std::max<unsigned>(8, elemType.getIntOrFloatBitWidth());
  int64_t lanes = std::max<int64_t>(1, vectorBits / elemBits);
  // Register tiles of up to 8 rows x 2 vectors: 16 accumulators, which
  // leave room for the operands in 32 vector registers (AVX-512, NEON); with
  // 16 (AVX2, SSE) 6 rows (12 accumulators) do not spill. The row count
  // within that limit is the one the cost model prices best for the loop's
  // extent, remainder tile included (7 rows: 4 + 3, not 6 + 1).
  kiln::RegisterTileModel model{lanes, vectorRegisters};
  auto vectorsOf = [&](int64_t columns) {
    return std::max<int64_t>(1, llvm::divideCeil(columns, lanes));
  };

  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  auto isParallel = [&](unsigned d) {
    return iters[d] == utils::IteratorType::parallel;
  };
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  std::optional<unsigned> outInner =
      outMap.getNumResults() ? getDim(outMap.getResults().back())
                             : std::nullopt;

  TilePlan plan;
  plan.cacheParallel.assign(numLoops, 0);
  plan.cacheReduction.assign(numLoops, 0);
  plan.registers.assign(numLoops, 1);
  SmallVector<unsigned> threadPreference;
  SmallVector<int64_t> minChunk(numLoops, 1);
  bool transposing = false;

  bool projected = llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
    return m.isProjectedPermutation(/*allowZeroInResults=*/true);
  });

  FailureOr<linalg::ContractionDimensions> cDims =
      linalg::inferContractionDims(op);
  FailureOr<linalg::ConvolutionDimensions> convDims =
      linalg::inferConvolutionDims(op);

  if (projected && linalg::isaContractionOpInterface(op) &&
      succeeded(cDims) && outInner) {
    // Vectors along the output's contiguous dimension (N for row-major C),
    // rows along the other outer-product dimension.
    plan.kind = OpKind::Contraction;
    bool vecIsN = llvm::is_contained(cDims->n, *outInner);
    bool vecIsM = llvm::is_contained(cDims->m, *outInner);
    if (!vecIsN && !vecIsM)
      return std::nullopt;
    unsigned vecDim = *outInner;
    unsigned rowDim = vecIsN ? cDims->m.back() : cDims->n.back();
    // A single row (matrix-vector product): no reuse of B across rows, so
    // the tile is as wide as 8 vectors to read B rows in long contiguous
    // runs instead of 128-byte pieces of rows N floats apart.
    int64_t regVec = std::min<int64_t>(
        (ranges[rowDim] == 1 ? 8 : 2) * lanes, ranges[vecDim]);
    int64_t regRow = model.chooseRows(ranges[rowDim], vectorsOf(regVec));
    plan.registers[rowDim] = regRow;
    plan.registers[vecDim] = regVec;
    // Cache tiles: the reference schedule's 64 x 128 x 256 (f32, AVX-512),
    // kept multiples of the register tile.
    for (unsigned d = 0; d < numLoops; ++d)
      if (isParallel(d))
        plan.cacheParallel[d] = 1;
    plan.cacheParallel[rowDim] =
        clampTile(llvm::alignTo(64, regRow), ranges[rowDim]);
    int64_t cacheCols = llvm::alignTo(std::max<int64_t>(128, 4 * regVec), regVec);
    plan.cacheParallel[vecDim] = clampTile(cacheCols, ranges[vecDim]);
    // A vector dimension narrower than the cache tile (the panel width of a
    // matmul with packed weights, [M, N/nr, nr]): the cache tile spans the
    // columns of several panels, along the output dimension just outside it.
    if (outMap.getNumResults() >= 2 && ranges[vecDim] < cacheCols) {
      std::optional<unsigned> outer =
          getDim(outMap.getResults()[outMap.getNumResults() - 2]);
      ArrayRef<unsigned> group = vecIsN ? cDims->n : cDims->m;
      if (outer && llvm::is_contained(group, *outer))
        plan.cacheParallel[*outer] =
            clampTile(cacheCols / ranges[vecDim], ranges[*outer]);
    }
    unsigned kDim = cDims->k.back();
    for (unsigned d : cDims->k)
      plan.cacheReduction[d] = d == kDim ? clampTile(256, ranges[d]) : 1;
    llvm::append_range(threadPreference, cDims->batch);
    threadPreference.push_back(rowDim);
    threadPreference.push_back(vecDim);
    // Then the other M/N dims (the panels of packed weights, [M, N/nr, nr],
    // when M is too short to split).
    for (unsigned d : llvm::concat<const unsigned>(cDims->m, cDims->n))
      if (!llvm::is_contained(threadPreference, d))
        threadPreference.push_back(d);
    minChunk[rowDim] = regRow;
    minChunk[vecDim] = regVec;
  } else if (!projected && succeeded(convDims) && outInner) {
    // Windowed ops: every window loop and input channel by 1 so the tile's
    // input accesses become strided slices (see kiln-cpu-vectorize).
    plan.kind = OpKind::Windowed;
    unsigned vecDim = *outInner;
    std::optional<unsigned> rowDim;
    bool vecIsImage = llvm::is_contained(convDims->outputImage, vecDim);
    if (vecIsImage) {
      // Depthwise: rows along the next output image dimension (output rows
      // of one channel), not along channels: each step then broadcasts one
      // weight for the whole tile, and consecutive window rows read the
      // same input rows.
      auto otherImage = llvm::find_if(
          llvm::reverse(convDims->outputImage),
          [&](unsigned d) { return d != vecDim && isParallel(d); });
      if (!convDims->outputChannel.empty())
        rowDim = convDims->outputChannel.back();
      else if (!convDims->depth.empty() &&
               otherImage != llvm::reverse(convDims->outputImage).end())
        rowDim = *otherImage;
      else if (!convDims->depth.empty())
        rowDim = convDims->depth.back();
    } else if (!convDims->outputImage.empty()) {
      rowDim = convDims->outputImage.back();
    }
    if (!isParallel(vecDim))
      return std::nullopt;
    // A run-time extent is tiled for its opt size (the size to tune for):
    // a narrow image at its opt size is one full tile, with no remainder.
    auto tuned = [&](unsigned d) { return dynamic[d] ? opt[d] : ranges[d]; };
    plan.registers[vecDim] = std::min<int64_t>(2 * lanes, tuned(vecDim));
    if (rowDim && isParallel(*rowDim)) {
      int64_t vectors = vectorsOf(plan.registers[vecDim]);
      int64_t rows = model.chooseRows(tuned(*rowDim), vectors);
      // Rows along an image dimension of a run-time size are read at a
      // run-time stride: each row takes an address register of its own,
      // and 8 of them next to 16 accumulators spill. 4 rows then.
      bool stridedRows = vecIsImage && anyDynamic &&
                         llvm::is_contained(convDims->outputImage, *rowDim);
      if (stridedRows)
        rows = std::min<int64_t>(rows, 4);
      plan.registers[*rowDim] = rows;
    }
    llvm::append_range(threadPreference, convDims->batch);
    llvm::append_range(threadPreference, convDims->outputChannel);
    llvm::append_range(threadPreference, convDims->depth);
    llvm::append_range(threadPreference, convDims->outputImage);
    minChunk[vecDim] = plan.registers[vecDim];
    if (rowDim)
      minChunk[*rowDim] = plan.registers[*rowDim];
    // The register tile's parallel loops form a level of their own (set
    // below), outside the window and input-channel loops: a fused epilogue
    // then runs on each output tile while it is in registers.
  } else if (projected) {
    // Elementwise ops: one strip of up to 4 vectors along the output's
    // innermost dimension. Reductions: along the first input's innermost
    // dimension (contiguous), even when it is the reduced one.
    std::optional<unsigned> vecDim = outInner;
    if (op.getNumReductionLoops() > 0 && op.getNumDpsInputs() > 0) {
      AffineMap inMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
      if (inMap.getNumResults() > 0)
        if (std::optional<unsigned> d = getDim(inMap.getResults().back()))
          vecDim = d;
    }
    plan.kind = op.getNumReductionLoops() ? OpKind::Reduction
                                          : OpKind::Elementwise;
    // Reducing along the vector costs one horizontal reduction per strip:
    // use longer strips there.
    bool reducesVector = vecDim && !isParallel(*vecDim);
    if (vecDim)
      plan.registers[*vecDim] = std::min<int64_t>(
          (reducesVector ? 16 : 4) * lanes, ranges[*vecDim]);
    for (AffineExpr e : outMap.getResults())
      if (std::optional<unsigned> d = getDim(e))
        if (isParallel(*d))
          threadPreference.push_back(*d);
    if (vecDim)
      minChunk[*vecDim] = plan.registers[*vecDim];
    // A transposing read (an input of the output's rank whose contiguous
    // dimension is another parallel dimension; not a broadcast): a square
    // tile of one vector along both, so the tile is read as rows of the
    // input and transposed in registers instead of gathered element by
    // element.
    if (plan.kind == OpKind::Elementwise && vecDim) {
      for (OpOperand *in : op.getDpsInputOperands()) {
        AffineMap inMap = op.getMatchingIndexingMap(in);
        if (inMap.getNumResults() == 0 ||
            inMap.getNumResults() != outMap.getNumResults())
          continue;
        std::optional<unsigned> inInner = getDim(inMap.getResults().back());
        if (!inInner || *inInner == *vecDim || !isParallel(*inInner))
          continue;
        transposing = true;
        plan.registers[*vecDim] = std::min<int64_t>(lanes, ranges[*vecDim]);
        plan.registers[*inInner] = std::min<int64_t>(lanes, ranges[*inInner]);
        minChunk[*vecDim] = plan.registers[*vecDim];
        break;
      }
    }
  } else {
    return std::nullopt;
  }

  plan.bounds = ranges;
  plan.dynamic = anyDynamic;
  // Register tiles that cover a whole loop need no loop.
  // A dynamic loop whose upper bound is exactly the register tile keeps its
  // (single-iteration) loop: peeled, the full tile is static (accumulators
  // in registers) and only smaller extents take the masked remainder.
  for (unsigned d = 0; d < numLoops; ++d)
    if (!dynamic[d] || plan.registers[d] != ranges[d])
      plan.registers[d] = clampTile(plan.registers[d], ranges[d]);
  if (plan.kind == OpKind::Windowed)
    for (unsigned d = 0; d < numLoops; ++d)
      plan.cacheParallel[d] = isParallel(d) ? plan.registers[d] : 0;

  // A fork-join costs about a microsecond: split only ops that run for
  // tens of microseconds. A multiply-add of a vectorized contraction or
  // convolution is ~16x cheaper than an element of a memory-bound
  // elementwise op. Windowed ops without output channels (depthwise
  // convolutions, pooling) reuse no input across channels: they are
  // load-bound, about 4x slower per multiply-add.
  int64_t work = product(opt);
  if (plan.kind == OpKind::Windowed && convDims->outputChannel.empty())
    work /= 4;
  else if (plan.kind == OpKind::Contraction || plan.kind == OpKind::Windowed)
    work /= 16;
  else if (transposing)
    work *= 4; // strided reads or writes: ~4x slower per element
  if (numThreads > 1 && work >= minParallelWork) {
    threadPreference.erase(
        llvm::remove_if(threadPreference,
                        [&](unsigned d) { return !isParallel(d); }),
        threadPreference.end());
    // Several chunks per thread (as many as the op has work for), so the
    // runtime can balance them when a thread is slowed down (a shared or
    // loaded machine): a thread that finishes early takes the next chunk.
    std::optional<std::pair<unsigned, int64_t>> split;
    // With dimensions of run-time extent: the same preference order; a
    // static dimension must split evenly, a dynamic one is split in chunks
    // sized at its opt extent (the trip count follows the actual extent).
    for (int64_t perThread = chunksPerThread; perThread >= 1 && !split;
         perThread /= 2) {
      if (perThread > 1 && work < perThread * minParallelWork)
        continue;
      if (!anyDynamic) {
        split = pickThreadDim(threadPreference, ranges, minChunk,
                              numThreads * perThread);
        continue;
      }
      for (unsigned d : threadPreference) {
        split = dynamic[d]
                    ? pickDynamicThreadDim({d}, dynamic, opt, minChunk,
                                           numThreads, numThreads * perThread)
                    : pickThreadDim({d}, ranges, minChunk,
                                    numThreads * perThread);
        if (split)
          break;
      }
    }
    if (!split && !anyDynamic)
      split = pickUnevenThreadDim(
          threadPreference, ranges, minChunk, numThreads,
          numThreads * std::max<int64_t>(
                           1, std::min<int64_t>(chunksPerThread,
                                                work / minParallelWork)));
    if (split) {
      auto [d, chunk] = *split;
      plan.threads.assign(numLoops, 0);
      plan.threads[d] = chunk;
      // A cache tile as large as the chunk needs no loop (and a larger one
      // would give the tiles a dynamic shape).
      plan.cacheParallel[d] = clampTile(plan.cacheParallel[d], chunk);
    }
  }
  return plan;
}

/// The ops tiling `root` creates in its block: the ones strictly between
/// the ops around `root` before tiling (`before`, `after`; null at the block's
/// ends).
struct TilingSite {
  Operation *root, *before, *after;

  bool isNew(Operation *op) const {
    Block *block = root->getBlock();
    Operation *first = before ? before->getNextNode() : &block->front();
    for (Operation *it = first; it && it != after; it = it->getNextNode())
      if (it == op)
        return true;
    return false;
  }

  /// Whether `producer` is used only by the root (the op being tiled) and the
  /// loops tiling it just created: fusing a producer with other users would
  /// compute it twice.
  bool onlyFeedsRoot(Operation *producer) const {
    Block *block = root->getBlock();
    for (Operation *user : producer->getUsers()) {
      // Sizes read by the tiling of a dynamically shaped root (they are
      // moved to the producer's init once it is fused).
      if (isa<tensor::DimOp>(user))
        continue;
      Operation *top = block->findAncestorOpInBlock(*user);
      if (top != root && !(isa<LoopLikeOpInterface>(top) && isNew(top)))
        return false;
    }
    return true;
  }
};

static linalg::LinalgOp getEpilogueProducer(linalg::LinalgOp op,
                                            unsigned vectorBits);

/// Which producers are fused into the tiles of a consumer of kind `kind`:
/// only ones that are cheap to recompute per tile, and not the epilogue of a
/// contraction or convolution (it is fused into that op's tiles instead).
static std::optional<scf::SCFTileAndFuseOptions::ControlFnResult>
fusionControl(OpKind kind, unsigned vectorBits, const TilingSite &site,
              tensor::ExtractSliceOp, OpResult producer,
              bool isDestinationOperand) {
  Operation *op = producer.getOwner();
  if (isa<linalg::FillOp>(op))
    return scf::SCFTileAndFuseOptions::ControlFnResult{};
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || linalgOp.getNumReductionLoops() != 0 ||
      !site.onlyFeedsRoot(op) || getEpilogueProducer(linalgOp, vectorBits))
    return std::nullopt;
  if (!llvm::all_of(linalgOp.getIndexingMapsArray(), [](AffineMap m) {
        return m.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return std::nullopt;
  // Into contractions and convolutions only their accumulator's producer
  // (bias broadcast): an input producer would be recomputed per tile of the
  // other operand.
  if ((kind == OpKind::Contraction || kind == OpKind::Windowed) &&
      !isDestinationOperand)
    return std::nullopt;
  return scf::SCFTileAndFuseOptions::ControlFnResult{};
}

static SmallVector<OpFoldResult> toOfr(Builder &b, ArrayRef<int64_t> sizes) {
  return llvm::map_to_vector(sizes, [&](int64_t s) -> OpFoldResult {
    return b.getIndexAttr(s);
  });
}

/// Reads the sizes of DPS op results from their inits instead (the init
/// has the result's shape): a fused producer whose result was only read by
/// the `tensor.dim`s that tiling a dynamically shaped consumer creates is
/// then dead, instead of being computed a second time as a root of its own.
static void readDimsFromInits(RewriterBase &rewriter, Block *block) {
  block->walk([&](tensor::DimOp dim) {
    Value source = dim.getSource();
    while (auto result = dyn_cast<OpResult>(source)) {
      auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
      if (!dps || !dps.hasPureTensorSemantics() ||
          !isa<linalg::LinalgOp>(result.getOwner()))
        break;
      source = dps.getTiedOpOperand(result)->get();
    }
    if (source != dim.getSource())
      rewriter.modifyOpInPlace(dim, [&] { dim.getSourceMutable().set(source); });
  });
}

/// Tiles `op` with `sizes` (fusing producers when `fuse`), replaces it, and
/// returns the tiled op inside the new loops (outermost first in `loops`).
static FailureOr<TilingInterface>
tileLevel(RewriterBase &rewriter, TilingInterface op, ArrayRef<int64_t> sizes,
          scf::SCFTilingOptions::LoopType loopType, bool fuse, OpKind kind,
          unsigned vectorBits,
          SmallVectorImpl<LoopLikeOpInterface> *loops = nullptr) {
  if (allZero(sizes))
    return op;
  scf::SCFTilingOptions tilingOptions;
  tilingOptions.setLoopType(loopType);
  tilingOptions.setTileSizes(toOfr(rewriter, sizes));
  rewriter.setInsertionPoint(op);
  if (!fuse) {
    FailureOr<scf::SCFTilingResult> res =
        scf::tileUsingSCF(rewriter, op, tilingOptions);
    if (failed(res))
      return failure();
    rewriter.replaceOp(op, res->replacements);
    if (loops)
      loops->assign(res->loops.begin(), res->loops.end());
    return cast<TilingInterface>(res->tiledOps.back());
  }
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tilingOptions);
  TilingSite site{op, op->getPrevNode(), op->getNextNode()};
  options.setFusionControlFn([kind, vectorBits, site](
                                 tensor::ExtractSliceOp slice,
                                 OpResult producer, bool isDest) {
    return fusionControl(kind, vectorBits, site, slice, producer, isDest);
  });
  FailureOr<scf::SCFTileAndFuseResult> res =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
  if (failed(res))
    return failure();
  if (llvm::any_of(op->getOperandTypes(), [](Type t) {
        auto shaped = dyn_cast<ShapedType>(t);
        return shaped && !shaped.hasStaticShape();
      }))
    readDimsFromInits(rewriter, op->getBlock());
  if (loops)
    loops->assign(res->loops.begin(), res->loops.end());
  auto tiled = cast<TilingInterface>(res->tiledAndFusedOps.front());
  for (OpResult result : op->getResults()) {
    Value repl = res->replacements.lookup(result);
    if (repl)
      rewriter.replaceAllUsesWith(result, repl);
  }
  if (op->use_empty())
    rewriter.eraseOp(op);
  return tiled;
}

/// The contraction or convolution whose tiles the elementwise `op` should be
/// fused into as an epilogue (bias, activation, residual add), or null. The
/// producer's result must feed only `op`, with the same indexing as `op`'s
/// output, and every other operand of `op` must be available before the
/// producer (a `tensor.empty` init can be moved there), so the epilogue can
/// run on each output tile right after the producer computed it.
static linalg::LinalgOp getEpilogueProducer(linalg::LinalgOp op,
                                            unsigned vectorBits) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 || op.getNumReductionLoops() != 0 ||
      op.getNumLoops() == 0)
    return {};
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isPermutation() ||
      !llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
        return m.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return {};
  linalg::LinalgOp best;
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto producer = in->get().getDefiningOp<linalg::LinalgOp>();
    if (!producer || producer->getBlock() != op->getBlock() ||
        producer->getNumResults() != 1 || !in->get().hasOneUse() ||
        op.getMatchingIndexingMap(in) != outMap)
      continue;
    // Only the plan's kind is read: the register count does not matter.
    std::optional<TilePlan> plan =
        planTiling(producer, vectorBits, /*vectorRegisters=*/32,
                   /*numThreads=*/1, std::numeric_limits<int64_t>::max());
    if (!plan ||
        (plan->kind != OpKind::Contraction && plan->kind != OpKind::Windowed))
      continue;
    if (!best || best->isBeforeInBlock(producer))
      best = producer;
  }
  if (!best)
    return {};
  DominanceInfo dom(best->getParentOp());
  for (OpOperand &operand : op->getOpOperands()) {
    Value v = operand.get();
    if (v.getDefiningOp() == best || dom.properlyDominates(v, best))
      continue;
    auto empty = v.getDefiningOp<tensor::EmptyOp>();
    if (!empty)
      return {};
    // Dynamic sizes (tensor.dim of the function's arguments) must be
    // available before the producer too, or computable there.
    for (Value size : empty.getDynamicSizes()) {
      Operation *def = size.getDefiningOp();
      if (dom.properlyDominates(size, best))
        continue;
      if (!def || def->getNumRegions() != 0 || !isMemoryEffectFree(def) ||
          llvm::any_of(def->getOperands(), [&](Value operand) {
            return !dom.properlyDominates(operand, best);
          }))
        return {};
    }
  }
  return best;
}

/// Moves the side-effect-free ops computing `v` (and, recursively, their
/// operands) that are in `point`'s block after it to just before it.
/// Fails, changing nothing that matters, when one of them cannot move (an op
/// with regions or effects, or `point` itself).
static LogicalResult hoistDefsBefore(RewriterBase &rewriter, Value v,
                                     Operation *point) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return success(
        cast<BlockArgument>(v).getOwner()->getParentOp()->isAncestor(point));
  Operation *top = point->getBlock()->findAncestorOpInBlock(*def);
  if (!top)
    return success(); // defined in an enclosing region: dominates
  if (top->isBeforeInBlock(point))
    return success();
  if (top != def || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return failure();
  for (Value operand : def->getOperands())
    if (failed(hoistDefsBefore(rewriter, operand, point)))
      return failure();
  rewriter.moveOpBefore(def, point);
  return success();
}

/// Fuses `epilogue` (a consumer of the results of `loops`) into them; on
/// success `epilogue` becomes the tiled consumer inside the innermost loop.
static LogicalResult fuseEpilogue(RewriterBase &rewriter, Operation *&epilogue,
                                  ArrayRef<LoopLikeOpInterface> loops) {
  if (loops.empty())
    return failure();
  Operation *outer = loops.front();
  for (Value operand : epilogue->getOperands()) {
    if (operand.getDefiningOp() == outer)
      continue;
    if (failed(hoistDefsBefore(rewriter, operand, outer)))
      return failure();
  }
  SmallVector<LoopLikeOpInterface> loopNest(loops);
  FailureOr<scf::SCFFuseConsumerOfSliceResult> res =
      scf::tileAndFuseConsumer(rewriter, epilogue, loopNest);
  if (failed(res) || res->tiledOps.empty())
    return failure();
  Operation *original = epilogue;
  epilogue = res->tiledOps.front();
  if (original->use_empty())
    rewriter.eraseOp(original);
  return success();
}

/// tensor.pad -> fills of the border slabs + linalg.copy of the source into
/// the interior, so the copy is tiled and vectorized like any elementwise op
/// (bufferization writes it in place into the padded buffer).
struct PadToFillAndCopy : public OpRewritePattern<tensor::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  /// Fills the padding of `dest` (of sizes `shape`) with `value`: only the
  /// border slabs (the interior is overwritten by the copy or the producer).
  static Value fillBorders(PatternRewriter &rewriter, tensor::PadOp pad,
                           Value value, Value dest,
                           ArrayRef<OpFoldResult> shape) {
    Location loc = pad.getLoc();
    ArrayRef<int64_t> low = pad.getStaticLow();
    ArrayRef<int64_t> high = pad.getStaticHigh();
    AffineExpr s0 = rewriter.getAffineSymbolExpr(0);
    for (int64_t d = 0, e = shape.size(); d < e; ++d) {
      OpFoldResult highOffset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, s0 - high[d], {shape[d]});
      for (auto [offset, size] :
           {std::pair<OpFoldResult, int64_t>{rewriter.getIndexAttr(0),
                                             low[d]},
            {highOffset, high[d]}}) {
        if (size == 0)
          continue;
        SmallVector<OpFoldResult> offsets(e, rewriter.getIndexAttr(0));
        SmallVector<OpFoldResult> sizes(shape);
        offsets[d] = offset;
        sizes[d] = rewriter.getIndexAttr(size);
        SmallVector<OpFoldResult> strides(e, rewriter.getIndexAttr(1));
        Value slab = tensor::ExtractSliceOp::create(rewriter, loc, dest,
                                                    offsets, sizes, strides);
        Value filled =
            linalg::FillOp::create(rewriter, loc, value, slab).getResult(0);
        dest = tensor::InsertSliceOp::create(rewriter, loc, filled, dest,
                                             offsets, sizes, strides);
      }
    }
    return dest;
  }

  /// A fresh buffer for the padded tensor (of sizes `shape`). Not a
  /// `tensor.empty`: CSE would merge the identical empty tensors and border
  /// fills of two pads of the same shape, and one-shot bufferization would
  /// then copy the whole padded buffer (and the interior written by the
  /// producer) for one of them.
  static Value createPaddedBuffer(PatternRewriter &rewriter, Location loc,
                                  RankedTensorType type,
                                  ArrayRef<OpFoldResult> shape) {
    SmallVector<Value> dynamicSizes;
    for (auto [d, size] : llvm::enumerate(shape))
      if (type.isDynamicDim(d))
        dynamicSizes.push_back(
            getValueOrCreateConstantIndexOp(rewriter, loc, size));
    return bufferization::AllocTensorOp::create(rewriter, loc, type,
                                                dynamicSizes);
  }

  /// The linalg op computing the pad's source that can write it straight
  /// into the padded tensor: its init is a `tensor.empty` whose value its
  /// payload does not read. Null when there is none.
  static linalg::LinalgOp getDirectProducer(tensor::PadOp pad) {
    auto result = dyn_cast<OpResult>(pad.getSource());
    auto producer =
        result ? dyn_cast<linalg::LinalgOp>(result.getOwner()) : nullptr;
    if (!producer || producer->getBlock() != pad->getBlock() ||
        !producer.hasPureTensorSemantics())
      return {};
    OpOperand *init = producer.getDpsInitOperand(result.getResultNumber());
    if (!init->get().getDefiningOp<tensor::EmptyOp>() ||
        producer.payloadUsesValueFromOperand(init))
      return {};
    return producer;
  }

  /// Sizes of the padded tensor from the source sizes `sizes`.
  static SmallVector<OpFoldResult> paddedShape(PatternRewriter &rewriter,
                                               tensor::PadOp pad,
                                               ArrayRef<OpFoldResult> sizes) {
    AffineExpr s0 = rewriter.getAffineSymbolExpr(0);
    SmallVector<OpFoldResult> shape;
    for (auto [size, low, high] :
         llvm::zip(sizes, pad.getStaticLow(), pad.getStaticHigh()))
      shape.push_back(affine::makeComposedFoldedAffineApply(
          rewriter, pad.getLoc(), s0 + low + high, {size}));
    return shape;
  }

  LogicalResult matchAndRewrite(tensor::PadOp pad,
                                PatternRewriter &rewriter) const override {
    Value padValue = pad.getConstantPaddingValue();
    if (!padValue || llvm::any_of(pad.getStaticLow(), ShapedType::isDynamic) ||
        llvm::any_of(pad.getStaticHigh(), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(pad, "needs static pads and a "
                                              "constant padding value");
    Location loc = pad.getLoc();
    RankedTensorType resultType = pad.getResultType();
    SmallVector<OpFoldResult> offsets = pad.getMixedLowPad();
    SmallVector<OpFoldResult> strides(offsets.size(), rewriter.getIndexAttr(1));

    // The source's producer writes into the interior of the padded tensor
    // (bufferized in place): no copy. The padded tensor is built before the
    // producer, or before the contraction/convolution whose epilogue it is,
    // so the epilogue can still be fused into that op's tiles; run-time
    // sizes come from the producer's `tensor.empty`, and must be available
    // there.
    linalg::LinalgOp producer = getDirectProducer(pad);
    Attribute padAttr;
    if (producer && matchPattern(padValue, m_Constant(&padAttr))) {
      Operation *point = producer;
      for (OpOperand *in : producer.getDpsInputOperands()) {
        auto def = in->get().getDefiningOp<linalg::LinalgOp>();
        if (def && def->getBlock() == point->getBlock() &&
            def.getNumReductionLoops() != 0 && def->isBeforeInBlock(point))
          point = def;
      }
      auto result = cast<OpResult>(pad.getSource());
      auto empty = producer.getDpsInitOperand(result.getResultNumber())
                       ->get()
                       .getDefiningOp<tensor::EmptyOp>();
      DominanceInfo dominance;
      if (llvm::all_of(empty.getDynamicSizes(), [&](Value size) {
            return dominance.properlyDominates(size, point);
          })) {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(point);
        SmallVector<OpFoldResult> sizes = empty.getMixedSizes();
        SmallVector<OpFoldResult> shape = paddedShape(rewriter, pad, sizes);
        Value value = arith::ConstantOp::create(
            rewriter, loc, cast<TypedAttr>(padAttr));
        Value filled = fillBorders(
            rewriter, pad, value,
            createPaddedBuffer(rewriter, loc, resultType, shape), shape);
        Value interior = tensor::ExtractSliceOp::create(
            rewriter, loc, pad.getSourceType(), filled, offsets, sizes,
            strides);
        rewriter.modifyOpInPlace(producer, [&] {
          producer.getDpsInitOperand(result.getResultNumber())->set(interior);
        });
        rewriter.setInsertionPoint(pad);
        rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
            pad, pad.getSource(), filled, offsets, sizes, strides);
        return success();
      }
    }

    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, pad.getSource());
    SmallVector<OpFoldResult> shape = paddedShape(rewriter, pad, sizes);
    Value filled = fillBorders(
        rewriter, pad, padValue,
        createPaddedBuffer(rewriter, loc, resultType, shape), shape);
    Value interior = tensor::ExtractSliceOp::create(
        rewriter, loc, pad.getSourceType(), filled, offsets, sizes, strides);
    Value copied =
        linalg::CopyOp::create(rewriter, loc, pad.getSource(), interior)
            .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(pad, copied, filled,
                                                       offsets, sizes, strides);
    return success();
  }
};

/// A 1x1, stride-1 NCHW convolution of batch 1 (static shapes) becomes a
/// matmul over the flattened image, out[F, H*W] = w[F, C] x in[C, H*W]: the
/// vectors then run along H*W (49 points for 7x7) instead of along a 7-wide
/// row, and the matmul's cache tiles keep a block of the input in cache
/// while a block of output channels reads it (the windowed plan would stream
/// the whole input once per register tile of channels). Ones the cost model
/// prices better with vectors along the output channels were blocked by
/// kiln-cpu-block-conv-channels before. The bias / zero init is rebuilt in
/// the flat shape so it is still fused into the matmul's tiles.
struct Conv1x1ToMatmul : public OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp conv,
                                PatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(conv.getInputs()[0].getType());
    auto wType = dyn_cast<RankedTensorType>(conv.getInputs()[1].getType());
    auto outType = dyn_cast<RankedTensorType>(conv.getOutputs()[0].getType());
    if (!inType || !wType || !outType || !inType.hasStaticShape() ||
        !wType.hasStaticShape() || !outType.hasStaticShape() ||
        !conv.hasPureTensorSemantics())
      return failure();
    ArrayRef<int64_t> in = inType.getShape(), w = wType.getShape(),
                      out = outType.getShape();
    if (in[0] != 1 || w[2] != 1 || w[3] != 1 || in[2] != out[2] ||
        in[3] != out[3] ||
        !llvm::all_of(conv.getStrides(),
                      [](const APInt &v) { return v.isOne(); }))
      return failure();
    Location loc = conv.getLoc();
    Type elemType = outType.getElementType();
    int64_t f = out[1], c = in[1], hw = out[2] * out[3];
    auto flatOut = RankedTensorType::get({f, hw}, elemType);
    SmallVector<ReassociationIndices> imageGroups = {{0, 1}, {2, 3}};
    Value x = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({c, hw}, inType.getElementType()),
        conv.getInputs()[0], imageGroups);
    Value wFlat = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({f, c}, wType.getElementType()),
        conv.getInputs()[1], SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    Value init = conv.getOutputs()[0];
    Value flatInit;
    auto empty = [&] {
      return tensor::EmptyOp::create(rewriter, loc, flatOut.getShape(),
                                     elemType);
    };
    if (auto bcast = init.getDefiningOp<linalg::BroadcastOp>();
        bcast && bcast.getDimensions() == ArrayRef<int64_t>{0, 2, 3} &&
        bcast.getInit().getDefiningOp<tensor::EmptyOp>()) {
      flatInit = linalg::BroadcastOp::create(rewriter, loc, bcast.getInput(),
                                             empty(), ArrayRef<int64_t>{1})
                     ->getResult(0);
    } else if (auto fill = init.getDefiningOp<linalg::FillOp>();
               fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>()) {
      flatInit = linalg::FillOp::create(rewriter, loc, fill.getInputs()[0],
                                        Value(empty()))
                     .getResult(0);
    } else {
      flatInit = tensor::CollapseShapeOp::create(rewriter, loc, flatOut, init,
                                                 imageGroups);
    }
    Value mm = linalg::MatmulOp::create(rewriter, loc, TypeRange{flatOut},
                                        ValueRange{wFlat, x},
                                        ValueRange{flatInit})
                   .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(conv, outType, mm,
                                                       imageGroups);
    return success();
  }
};

/// The iteration dims of the elementwise `op` to collapse so it reads the
/// flat result of a contraction (its only user) through an expand_shape
/// directly, as with a 1x1 convolution rewritten by Conv1x1ToMatmul: the
/// expand/collapse pair folds away and `op` becomes that contraction's
/// epilogue.
static SmallVector<ReassociationIndices>
getExpandedEpilogueDims(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 ||
      op.getNumDpsInits() != 1 ||
      !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return {};
  for (OpOperand *in : op.getDpsInputOperands()) {
    auto expand = in->get().getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand || !op.getMatchingIndexingMap(in).isIdentity() ||
        !expand.getSrc().hasOneUse() || !in->get().hasOneUse())
      continue;
    auto producer = expand.getSrc().getDefiningOp<linalg::LinalgOp>();
    if (!producer || !linalg::isaContractionOpInterface(producer))
      continue;
    SmallVector<ReassociationIndices> groups =
        expand.getReassociationIndices();
    // Every operand must be indexed in loop order for the groups to be
    // valid (identity or broadcast of leading/trailing dims).
    if (!linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), groups))
      return {};
    return groups;
  }
  return {};
}

/// The innermost dimensions of an elementwise generic that are contiguous in
/// every operand, to be collapsed into one: a ReLU on 1x512x7x7 then runs
/// as 64-lane strips instead of 7-lane ones.
static SmallVector<ReassociationIndices>
getCollapsibleInnerDims(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumReductionLoops() != 0 || generic.getNumLoops() < 2 ||
      generic.hasIndexSemantics())
    return {};
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  // Every operand must be indexed in loop order (identity or broadcast).
  for (AffineMap map : maps) {
    int64_t last = -1;
    for (AffineExpr e : map.getResults()) {
      auto d = dyn_cast<AffineDimExpr>(e);
      if (!d || static_cast<int64_t>(d.getPosition()) <= last)
        return {};
      last = d.getPosition();
    }
  }
  int64_t n = generic.getNumLoops();
  ReassociationIndices group = {n - 1};
  // At most one dimension of run-time extent per group: the size of the
  // collapsed dimension must stay affine in the input dims (a product of
  // two dynamic sizes has no bound the workspace plan or the vectorizer
  // can use).
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  int64_t dynamicInGroup = ShapedType::isDynamic(ranges[n - 1]) ? 1 : 0;
  for (int64_t d = n - 2; d >= 0; --d) {
    if (ShapedType::isDynamic(ranges[d]) && ++dynamicInGroup > 1)
      break;
    ReassociationIndices candidate = {d};
    llvm::append_range(candidate, group);
    if (!linalg::areDimSequencesPreserved(maps, {candidate}))
      break;
    group = candidate;
  }
  if (group.size() < 2)
    return {};
  return {group};
}

/// A loop of run-time extent sizes its tiles with `affine.min(E - iv, step)`
/// where E is the loop's upper bound, but canonicalization composes the
/// affine.apply that computes that bound (an output size like
/// (W - 1) floordiv 2 + 1) into the min: peeling then cannot tell that the
/// main loop's tiles are full. Rewrites such mins to read the bound value.
static void readUpperBoundInTileSizes(RewriterBase &rewriter,
                                      scf::ForOp loop) {
  auto ubApply = loop.getUpperBound().getDefiningOp<affine::AffineApplyOp>();
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!ubApply || !step || ubApply.getAffineMap().getNumDims() != 0)
    return;
  AffineExpr ubExpr = ubApply.getAffineMap().getResult(0);
  ValueRange ubOperands = ubApply.getMapOperands();
  MLIRContext *ctx = loop.getContext();
  AffineExpr iv = getAffineDimExpr(0, ctx);
  for (Operation *user :
       llvm::make_early_inc_range(loop.getInductionVar().getUsers())) {
    auto min = dyn_cast<affine::AffineMinOp>(user);
    if (!min || min.getMap().getNumDims() != 1 ||
        min.getMapOperands().front() != loop.getInductionVar() ||
        min.getMapOperands().drop_front() != ubOperands)
      continue;
    unsigned numSymbols = min.getMap().getNumSymbols();
    bool matches = llvm::all_of(min.getMap().getResults(), [&](AffineExpr e) {
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        return c.getValue() == *step;
      AffineExpr diff = simplifyAffineExpr(e - (ubExpr - iv), 1, numSymbols);
      auto c = dyn_cast<AffineConstantExpr>(diff);
      return c && c.getValue() == 0;
    });
    if (!matches)
      continue;
    AffineExpr bound = getAffineSymbolExpr(0, ctx);
    rewriter.setInsertionPoint(min);
    rewriter.replaceOpWithNewOp<affine::AffineMinOp>(
        min, AffineMap::get(1, 1, {bound - iv, getAffineConstantExpr(*step, ctx)},
                            ctx),
        ValueRange{loop.getInductionVar(), loop.getUpperBound()});
  }
}

/// Peels every scf.for whose static trip count does not divide by its step,
/// until all tiles have static shapes. Returns whether anything changed.
static bool peelPartialLoops(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<scf::ForOp> candidates;
  func.walk([&](scf::ForOp loop) {
    std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(loop.getStep());
    // A loop of run-time extent (tiling a dynamic dimension) is peeled once
    // when its body still sizes a partial tile with an affine.min of the
    // induction variable: peeling leaves full static tiles in the main loop
    // and the remainder (at most step - 1) in a loop of its own.
    if ((!lb || !ub) && step && *step > 1 && !loop->hasAttr(kPeeledAttr) &&
        llvm::any_of(loop.getInductionVar().getUsers(), [&](Operation *user) {
          return isa<affine::AffineMinOp>(user);
        })) {
      candidates.push_back(loop);
      return;
    }
    if (!lb || !ub || !step || *step <= 0)
      return;
    int64_t span = *ub - *lb;
    if (span > *step && span % *step != 0)
      candidates.push_back(loop);
  });
  for (scf::ForOp loop : candidates) {
    scf::ForOp partial;
    rewriter.setInsertionPoint(loop);
    bool dynamicBounds = !getConstantIntValue(loop.getLowerBound()) ||
                         !getConstantIntValue(loop.getUpperBound());
    if (dynamicBounds)
      readUpperBoundInTileSizes(rewriter, loop);
    if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)) &&
        dynamicBounds) {
      loop->setAttr(kPeeledAttr, rewriter.getUnitAttr());
      if (partial)
        partial->setAttr(kPeeledAttr, rewriter.getUnitAttr());
    }
  }
  return !candidates.empty();
}

static LogicalResult canonicalizeLoops(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  linalg::populateLinalgTilingCanonicalizationPatterns(patterns);
  scf::populateSCFForLoopCanonicalizationPatterns(patterns);
  return applyPatternsGreedily(func, std::move(patterns));
}

struct KilnCpuTileAndFusePass
    : public kiln::impl::KilnCpuTileAndFuseBase<KilnCpuTileAndFusePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    deferred.clear();
    notDeferrable.clear();
    unsigned bits = vectorBits;
    {
      // 1x1 stride-1 convolutions run as matmuls over the flattened image.
      RewritePatternSet patterns(ctx);
      patterns.add<Conv1x1ToMatmul>(ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    {
      RewritePatternSet patterns(ctx);
      // Epilogues keep their shape: they are fused into their producer's
      // tiles instead (after taking the flat shape of a flattened 1x1
      // convolution).
      linalg::populateCollapseDimensions(
          patterns, [bits](linalg::LinalgOp op) {
            SmallVector<ReassociationIndices> flat =
                getExpandedEpilogueDims(op);
            if (!flat.empty())
              return flat;
            // An expand/collapse pair not folded yet, or a producer with a
            // user not erased yet (the op is visited again once they are):
            // an op reading a contraction's or convolution's result keeps
            // that result's shape.
            for (Value in : op.getDpsInputs()) {
              if (auto collapse = in.getDefiningOp<tensor::CollapseShapeOp>())
                if (collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>())
                  return SmallVector<ReassociationIndices>{};
              if (auto producer = in.getDefiningOp<linalg::LinalgOp>())
                if (producer.getNumReductionLoops() != 0)
                  return SmallVector<ReassociationIndices>{};
            }
            if (getEpilogueProducer(op, bits))
              return SmallVector<ReassociationIndices>{};
            return getCollapsibleInnerDims(op);
          });
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    {
      // After collapsing: a producer that writes into a padded tensor's
      // interior must keep the shape of that interior.
      RewritePatternSet patterns(ctx);
      patterns.add<PadToFillAndCopy>(ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    IRRewriter rewriter(ctx);
    // Consumers first, so producers get fused into them. Elementwise
    // epilogues of contractions and convolutions wait for their producer and
    // are fused into its tiles instead.
    for (;;) {
      while (linalg::LinalgOp root = findNextRoot(func)) {
        if (isOpTriviallyDead(root)) {
          rewriter.eraseOp(root);
          continue;
        }
        if (!notDeferrable.contains(root) &&
            getEpilogueProducer(root, vectorBits)) {
          deferred.insert(root);
          continue;
        }
        if (failed(tileRoot(rewriter, root)))
          root->setAttr(kSkipAttr, UnitAttr::get(ctx));
      }
      // Epilogues whose producer was not tiled: tile them on their own.
      if (deferred.empty())
        break;
      notDeferrable.insert(deferred.begin(), deferred.end());
      deferred.clear();
    }
    func.walk([](Operation *op) { op->removeAttr(kSkipAttr); });

    // Peel until every tile is static. Then producers fused at the thread
    // or cache level (a fill or bias broadcast of a whole cache tile, ...)
    // and epilogues that are still too big for registers get a register
    // level of their own, and the loops that creates are peeled too.
    if (failed(peelUntilStatic(rewriter, func)))
      return signalPassFailure();
    tileDeferredReductions(rewriter, func);
    SmallVector<linalg::LinalgOp> nested;
    func.walk([&](linalg::LinalgOp op) {
      if (isa<FunctionOpInterface>(op->getParentOp()) ||
          op.getNumReductionLoops() != 0 || !op.hasPureTensorSemantics())
        return;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic)) {
        // A tile of run-time extent: sized by its upper bound.
        std::optional<TilePlan> plan =
            planTiling(op, vectorBits, vectorRegisters, /*numThreads=*/1,
                       minParallelWork);
        if (plan && product(plan->bounds) > kRegisterTilePoints)
          nested.push_back(op);
        return;
      }
      if (product(ranges) <= kRegisterTilePoints)
        return;
      nested.push_back(op);
    });
    for (linalg::LinalgOp op : nested) {
      std::optional<TilePlan> plan =
          planTiling(op, vectorBits, vectorRegisters, /*numThreads=*/1,
                       minParallelWork);
      if (!plan)
        continue;
      (void)tileLevel(rewriter, cast<TilingInterface>(op.getOperation()),
                      plan->registers, scf::SCFTilingOptions::LoopType::ForOp,
                      /*fuse=*/false, plan->kind, vectorBits);
    }
    if (failed(peelUntilStatic(rewriter, func)))
      return signalPassFailure();
    func.walk([](scf::ForOp loop) { loop->removeAttr(kPeeledAttr); });
  }

  /// The register tiles whose reduction loops tileRoot deferred: a tile of
  /// run-time extent (a peeled remainder) is split into static pieces, then
  /// each piece, like each full tile, gets its reduction loops.
  void tileDeferredReductions(RewriterBase &rewriter, func::FuncOp func) {
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kReductionTilesAttr))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp tile : tiles) {
      auto sizes = cast<DenseI64ArrayAttr>(tile->getAttr(kReductionTilesAttr));
      SmallVector<int64_t> reductionSizes(sizes.asArrayRef());
      tile->removeAttr(kReductionTilesAttr);
      SmallVector<linalg::LinalgOp> pieces;
      FailureOr<SmallVector<int64_t>> bounds =
          kiln::computeLoopUpperBounds(tile);
      if (!llvm::any_of(tile.getStaticLoopRanges(), ShapedType::isDynamic) ||
          failed(bounds) ||
          failed(kiln::splitIntoStaticPieces(rewriter, tile, *bounds, pieces)))
        pieces.assign({tile});
      for (linalg::LinalgOp piece : pieces) {
        // No fusion at this level: the kind (which steers fusion) is moot.
        (void)tileLevel(rewriter, cast<TilingInterface>(piece.getOperation()),
                        reductionSizes, scf::SCFTilingOptions::LoopType::ForOp,
                        /*fuse=*/false, OpKind::Contraction, vectorBits);
      }
    }
  }

  /// Peels loops (peeling an outer loop clones the inner loops;
  /// canonicalization makes their bounds constant) until every tile has a
  /// static shape.
  static LogicalResult peelUntilStatic(RewriterBase &rewriter,
                                       func::FuncOp func) {
    for (int i = 0; i < 8; ++i) {
      if (failed(canonicalizeLoops(func)))
        return failure();
      if (!peelPartialLoops(rewriter, func))
        break;
    }
    return success();
  }

  /// Elementwise epilogues waiting for their producer to be tiled, and
  /// ones whose fusion failed (tiled on their own).
  llvm::SmallPtrSet<Operation *, 16> deferred, notDeferrable;

  /// The last top-level linalg op (directly in a function block) not yet
  /// handled.
  linalg::LinalgOp findNextRoot(func::FuncOp func) {
    for (Block &block : llvm::reverse(func.getBody().getBlocks()))
      for (Operation &op : llvm::reverse(block))
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(&op))
          if (!op.hasAttr(kSkipAttr) && !deferred.contains(&op))
            return linalgOp;
    return nullptr;
  }

  /// The deferred epilogue consuming `root`'s result, if any.
  Operation *takeEpilogue(linalg::LinalgOp root) {
    if (root->getNumResults() != 1 || !root->getResult(0).hasOneUse())
      return nullptr;
    Operation *user = *root->getResult(0).getUsers().begin();
    if (!deferred.contains(user))
      return nullptr;
    deferred.erase(user);
    return user;
  }

  LogicalResult tileRoot(RewriterBase &rewriter, linalg::LinalgOp root) {
    std::optional<TilePlan> plan =
        planTiling(root, vectorBits, vectorRegisters, numThreads,
                   minParallelWork, chunksPerThread);
    if (!plan)
      return failure();
    Operation *epilogue = takeEpilogue(root);
    Operation *originalEpilogue = epilogue;
    auto op = cast<TilingInterface>(root.getOperation());
    using LoopType = scf::SCFTilingOptions::LoopType;
    struct Level {
      ArrayRef<int64_t> sizes;
      LoopType loopType;
      bool fuse;
    } levels[] = {{plan->threads, LoopType::ForallOp, true},
                  {plan->cacheParallel, LoopType::ForOp, true},
                  {plan->cacheReduction, LoopType::ForOp, false},
                  {plan->registers, LoopType::ForOp, false}};
    // A tile of run-time extent that a level already made as small as this
    // level's tile (a windowed op's cache tile is its register tile) needs
    // no loop here: with a static extent that loop has one iteration and
    // folds away, with a dynamic one it would be peeled into a main loop
    // that never runs.
    if (plan->dynamic)
      for (unsigned d = 0; d < plan->registers.size(); ++d)
        if (plan->registers[d] != 0 &&
            (plan->registers[d] == plan->cacheParallel[d] ||
             (!plan->threads.empty() &&
              plan->registers[d] == plan->threads[d])))
          plan->registers[d] = 0;
    // A tile of run-time extent keeps its reduction loops whole until its
    // parallel loops are peeled and the remainder is split into static
    // pieces (tileDeferredReductions): reduction loops made here would hold
    // the remainder inside them, with its accumulators in memory.
    SmallVector<int64_t> deferredReductions;
    if (plan->dynamic && root.getNumReductionLoops() != 0) {
      SmallVector<utils::IteratorType> iters = root.getIteratorTypesArray();
      deferredReductions.assign(plan->registers.size(), 0);
      for (unsigned d = 0; d < iters.size(); ++d)
        if (iters[d] == utils::IteratorType::reduction)
          std::swap(deferredReductions[d], plan->registers[d]);
      if (allZero(deferredReductions))
        deferredReductions.clear();
    }
    TilingInterface cur = op;
    bool fusedEpilogue = false;
    for (auto [index, level] : llvm::enumerate(levels)) {
      if (level.sizes.empty())
        continue;
      SmallVector<LoopLikeOpInterface> loops;
      FailureOr<TilingInterface> next =
          tileLevel(rewriter, cur, level.sizes, level.loopType, level.fuse,
                    plan->kind, vectorBits, &loops);
      // A level that cannot be tiled leaves the op as it is: still correct,
      // only slower.
      if (failed(next))
        break;
      cur = *next;
      // The epilogue follows the parallel levels (threads, cache tiles):
      // it runs on each output tile once its reduction is complete.
      if (epilogue && index < 2 && !loops.empty()) {
        if (succeeded(fuseEpilogue(rewriter, epilogue, loops)))
          fusedEpilogue = true;
        else
          epilogue = nullptr; // stays where the last fusion put it
      }
    }
    if (!deferredReductions.empty())
      cur->setAttr(kReductionTilesAttr,
                   DenseI64ArrayAttr::get(rewriter.getContext(),
                                          deferredReductions));
    // An epilogue that could not be fused at all is tiled on its own.
    if (originalEpilogue && !fusedEpilogue)
      notDeferrable.insert(originalEpilogue);
    // An op that stayed at the top level (nothing to tile, or tiling failed)
    // must not be picked again.
    if (isa<FunctionOpInterface>(cur->getParentOp()))
      cur->setAttr(kSkipAttr, UnitAttr::get(root.getContext()));
    return success();
  }
};
} // namespace
