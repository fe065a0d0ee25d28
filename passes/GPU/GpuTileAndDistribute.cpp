//===- GpuTileAndDistribute.cpp - Block/thread tiling of linalg on tensors ===//
//
// kiln-gpu-tile-and-distribute: every top-level linalg op becomes a block
// level scf.forall (#gpu.block mapping) holding thread level scf.foralls
// (#gpu.thread mapping), through TilingInterface. Contractions stage their
// operand tiles in workgroup memory, K step by K step; an elementwise op
// that consumes a contraction gets it fused in (epilogue fusion). See
// Passes.td for the tile shapes.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/ContractionKernel.h"
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUTILEANDDISTRIBUTE
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// Most distributed loops per level (gpu x, y, z).
constexpr unsigned kMaxMappedDims = 3;

/// Tile shape of one kind of block, innermost distributed loop first:
/// block tile sizes and thread counts per dimension (x, y, z).
struct BlockShape {
  int64_t tile[kMaxMappedDims];
  int64_t threads[kMaxMappedDims];
};
/// Contractions and their epilogues: 32x32 outputs, 32x8 threads.
constexpr BlockShape kContractionShape = {{32, 32, 1}, {32, 8, 1}};
/// Everything else: 32x4x4 outputs, one per thread.
constexpr BlockShape kDefaultShape = {{32, 4, 4}, {32, 4, 4}};

enum class Level { Block, Thread };

/// Mapping attributes of `n` distributed loops (outermost first): the
/// innermost loop goes to x.
static SmallVector<Attribute> getMapping(MLIRContext *ctx, Level level,
                                         unsigned n) {
  static const gpu::MappingId ids[] = {gpu::MappingId::DimX,
                                       gpu::MappingId::DimY,
                                       gpu::MappingId::DimZ};
  SmallVector<Attribute> attrs;
  for (unsigned i = 0; i < n; ++i) {
    gpu::MappingId id = ids[n - 1 - i];
    if (level == Level::Block)
      attrs.push_back(gpu::GPUBlockMappingAttr::get(ctx, id));
    else
      attrs.push_back(gpu::GPUThreadMappingAttr::get(ctx, id));
  }
  return attrs;
}

/// The (at most three) innermost parallel loops: the ones distributed.
static SmallVector<unsigned> getDistributedLoops(linalg::LinalgOp op) {
  SmallVector<unsigned> parallel;
  op.getParallelDims(parallel);
  if (parallel.size() > kMaxMappedDims)
    parallel.erase(parallel.begin(), parallel.end() - kMaxMappedDims);
  return parallel;
}

static bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalg::isaContractionOpInterface(linalgOp) &&
         succeeded(linalg::inferContractionDims(linalgOp));
}

static bool isPointwise(linalg::LinalgOp op) {
  return op.getNumReductionLoops() == 0 &&
         llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
           return m.isProjectedPermutation(/*allowZeroInResults=*/true);
         });
}

/// An input of `consumer` that an elementwise consumer can absorb: a
/// single-use contraction read through a permutation (each output tile of
/// the consumer needs exactly one tile of the contraction).
static bool isFusableEpilogueInput(linalg::LinalgOp consumer,
                                   OpOperand *operand) {
  auto result = dyn_cast<OpResult>(operand->get());
  if (!result || !result.hasOneUse() || !isContraction(result.getOwner()))
    return false;
  return isPointwise(consumer) &&
         consumer.getMatchingIndexingMap(operand).isPermutation();
}

/// A single-use, pointwise producer of a destination operand (fill, bias
/// broadcast): computed in the block tile of its consumer.
static linalg::LinalgOp getFusableInit(OpOperand *init) {
  auto result = dyn_cast<OpResult>(init->get());
  if (!result || !result.hasOneUse())
    return nullptr;
  auto producer = dyn_cast<linalg::LinalgOp>(result.getOwner());
  if (!producer || !producer.hasPureTensorSemantics() ||
      !isPointwise(producer))
    return nullptr;
  return producer;
}

/// The producers fused into a root's block tile, decided before tiling:
/// accumulator initializers of the root, and, into an elementwise root, a
/// contraction with its own initializer (epilogue fusion): the first one
/// (a second contraction it adds, as a residual branch's, is a root of its
/// own: a block tile has one contraction kernel).
static llvm::SmallPtrSet<Operation *, 4> getFusedProducers(linalg::LinalgOp root) {
  llvm::SmallPtrSet<Operation *, 4> fused;
  auto addInits = [&](linalg::LinalgOp op) {
    for (OpOperand &init : op.getDpsInitsMutable())
      if (linalg::LinalgOp producer = getFusableInit(&init))
        fused.insert(producer);
  };
  addInits(root);
  for (OpOperand *operand : root.getDpsInputOperands())
    if (isFusableEpilogueInput(root, operand)) {
      auto contraction = cast<linalg::LinalgOp>(operand->get().getDefiningOp());
      fused.insert(contraction);
      addInits(contraction);
      break;
    }
  return fused;
}

static SmallVector<OpFoldResult> toOfr(Builder &b, ArrayRef<int64_t> v) {
  return llvm::map_to_vector(
      v, [&](int64_t x) -> OpFoldResult { return b.getIndexAttr(x); });
}

struct GpuTileAndDistribute
    : public kiln::impl::KilnGpuTileAndDistributeBase<GpuTileAndDistribute> {
  using Base::Base;

  void runOnOperation() override;

private:
  LogicalResult prepare(func::FuncOp func);
  FailureOr<scf::ForallOp> tileRoot(RewriterBase &rewriter,
                                    linalg::LinalgOp root,
                                    const BlockShape &shape,
                                    llvm::SetVector<Operation *> &dead);
  SmallVector<linalg::LinalgOp> stageContraction(RewriterBase &rewriter,
                                                 linalg::LinalgOp op);
  LogicalResult tileToThreads(RewriterBase &rewriter, linalg::LinalgOp op,
                              const BlockShape &shape);
  std::optional<kiln::gpu_kernel::ContractionConfig>
  planKernel(linalg::LinalgOp root);
};

} // namespace

/// Data movement between tensors becomes structured ops (which get tiled
/// into kernels): pads are decomposed into fill + insert_slice, and each
/// top-level insert_slice copies its source with a linalg.copy into the
/// slice of the destination (bufferization then writes it in place).
LogicalResult GpuTileAndDistribute::prepare(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  patterns.add<linalg::DecomposePadOpPattern>(ctx);
  if (failed(applyPatternsGreedily(func, std::move(patterns))))
    return func.emitError("kiln-gpu-tile-and-distribute: decomposing "
                          "tensor.pad did not converge");
  SmallVector<tensor::InsertSliceOp> inserts;
  for (Operation &op : func.getBody().front())
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
      inserts.push_back(insert);
  for (tensor::InsertSliceOp insert : inserts) {
    OpBuilder b(insert);
    Location loc = insert.getLoc();
    auto slice = tensor::ExtractSliceOp::create(
        b, loc, insert.getSourceType(), insert.getDest(),
        insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
    auto copy = linalg::CopyOp::create(b, loc, insert.getSource(),
                                       slice.getResult());
    insert.getSourceMutable().assign(copy.getResult(0));
  }

  // An accumulator initializer (fill, bias broadcast) shared by several
  // consumers (CSE merges equal fills) gets one copy per consumer, so each
  // consumer computes it in its own block tile. Shared, it would be a
  // separate kernel whose result the second consumer must first copy, at
  // block level, into a buffer of its own.
  SmallVector<linalg::LinalgOp> sharedInits;
  for (Operation &op : func.getBody().front()) {
    auto producer = dyn_cast<linalg::LinalgOp>(op);
    if (!producer || producer->getNumResults() != 1 ||
        !producer.hasPureTensorSemantics() || !isPointwise(producer) ||
        producer->getResult(0).hasOneUse())
      continue;
    bool onlyInits = llvm::all_of(producer->getResult(0).getUses(),
                                  [](OpOperand &use) {
      auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
      return user && user.isDpsInit(&use);
    });
    if (onlyInits)
      sharedInits.push_back(producer);
  }
  for (linalg::LinalgOp producer : sharedInits) {
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        producer->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : llvm::drop_begin(uses)) {
      OpBuilder b(use->getOwner());
      use->set(b.clone(*producer)->getResult(0));
    }
  }
  return success();
}

/// Puts `op` (an op without parallel loops) alone in a one-iteration
/// scf.forall mapped to `level` x; returns the op's clone inside it.
static linalg::LinalgOp wrapInSingleIteration(RewriterBase &rewriter,
                                              linalg::LinalgOp op,
                                              Level level) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto forall = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)},
      op.getDpsInits(),
      rewriter.getArrayAttr(getMapping(rewriter.getContext(), level, 1)));
  IRMapping map;
  for (auto [init, arg] :
       llvm::zip(op.getDpsInits(), forall.getRegionIterArgs()))
    map.map(init, arg);
  rewriter.setInsertionPoint(forall.getTerminator());
  auto clone = cast<linalg::LinalgOp>(rewriter.clone(*op, map));
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [result, arg] :
       llvm::zip(clone->getResults(), forall.getRegionIterArgs())) {
    auto type = cast<RankedTensorType>(result.getType());
    SmallVector<OpFoldResult> zeros(type.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(type.getRank(), rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes =
        toOfr(rewriter, type.getShape());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, result, arg, zeros,
                                          sizes, ones);
  }
  rewriter.replaceOp(op, forall.getResults());
  return clone;
}

/// Tiles `root` into a block-mapped scf.forall, fusing the producers that
/// getFusedProducers chose; records the ops left dead in `dead`.
FailureOr<scf::ForallOp>
GpuTileAndDistribute::tileRoot(RewriterBase &rewriter, linalg::LinalgOp root,
                               const BlockShape &shape,
                               llvm::SetVector<Operation *> &dead) {
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  SmallVector<unsigned> dims = getDistributedLoops(root);
  SmallVector<int64_t> sizes(ranges.size(), 0);
  for (auto [i, d] : llvm::enumerate(llvm::reverse(dims)))
    sizes[d] = std::min(shape.tile[i], ranges[d]);

  scf::SCFTilingOptions tilingOptions;
  tilingOptions.setTileSizes(toOfr(rewriter, sizes))
      .setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
      .setMapping(getMapping(rewriter.getContext(), Level::Block,
                             dims.size()));
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tilingOptions);
  Operation *rootOp = root;
  llvm::SmallPtrSet<Operation *, 4> fused = getFusedProducers(root);
  options.setFusionControlFn(
      [fused](tensor::ExtractSliceOp, OpResult producer,
              bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (fused.contains(producer.getOwner()))
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> res =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(rootOp), options);
  if (failed(res) || res->loops.empty())
    return failure();
  for (OpResult result : root->getResults())
    if (Value repl = res->replacements.lookup(result))
      rewriter.replaceAllUsesWith(result, repl);
  dead.insert(rootOp);
  for (Operation *producer : res->fusedProducers)
    dead.insert(producer);
  auto forall = dyn_cast<scf::ForallOp>(res->loops.front().getOperation());
  if (!forall)
    return failure();
  return forall;
}

/// Most bytes of workgroup memory for a contraction's staged operand tiles
/// (with the temporaries below: within the 48 KiB of static shared memory
/// a kernel may declare).
constexpr int64_t kMaxStagedBytes = 32 * 1024;

/// Tiles the reduction loop of a contraction (inside a block tile) by
/// `reductionTile` and copies its operand tiles into workgroup memory.
/// Returns the ops to distribute over threads (copies, then the
/// contraction).
SmallVector<linalg::LinalgOp>
GpuTileAndDistribute::stageContraction(RewriterBase &rewriter,
                                       linalg::LinalgOp op) {
  FailureOr<linalg::ContractionDimensions> cDims =
      linalg::inferContractionDims(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (failed(cDims) || cDims->k.empty() || !promote)
    return {op};
  unsigned kDim = cDims->k.back();
  int64_t kRange = ranges[kDim];
  if (ShapedType::isDynamic(kRange))
    return {op};
  // The largest step <= reduction-tile that divides K (K itself if smaller),
  // so every staged tile has a static shape, and whose staged operand tiles
  // fit in kMaxStagedBytes of workgroup memory.
  SmallVector<OpOperand *> operands = op.getDpsInputOperands();
  if (!llvm::all_of(operands, [](OpOperand *o) {
        return cast<RankedTensorType>(o->get().getType()).hasStaticShape();
      }))
    return {op};
  auto stagedBytes = [&](int64_t kStep) {
    int64_t total = 0;
    for (OpOperand *operand : operands) {
      auto type = cast<RankedTensorType>(operand->get().getType());
      AffineMap map = op.getMatchingIndexingMap(operand);
      int64_t bytes = type.getElementTypeBitWidth() / 8;
      for (auto [i, size] : llvm::enumerate(type.getShape()))
        bytes *= map.getResult(i).isFunctionOfDim(kDim) ? kStep : size;
      total += bytes;
    }
    return total;
  };
  int64_t step = 0;
  for (int64_t s = std::min<int64_t>(reductionTile, kRange); s >= 4; s /= 2)
    if (kRange % s == 0 && stagedBytes(s) <= kMaxStagedBytes) {
      step = s;
      break;
    }
  if (step == 0)
    return {op};
  linalg::LinalgOp inner = op;
  if (step < kRange) {
    SmallVector<int64_t> sizes(ranges.size(), 0);
    sizes[kDim] = step;
    scf::SCFTilingOptions options;
    options.setTileSizes(toOfr(rewriter, sizes));
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> res =
        scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                          options);
    if (failed(res))
      return {op};
    rewriter.replaceOp(op, res->replacements);
    inner = cast<linalg::LinalgOp>(res->tiledOps.back());
  }
  // Stage the operand tiles when all have static shapes.
  SmallVector<OpOperand *> inputs = inner.getDpsInputOperands();
  if (!llvm::all_of(inputs, [](OpOperand *o) {
        return cast<RankedTensorType>(o->get().getType()).hasStaticShape();
      }))
    return {inner};
  SmallVector<linalg::LinalgOp> ops;
  Attribute workgroup = gpu::AddressSpaceAttr::get(
      rewriter.getContext(), gpu::AddressSpace::Workgroup);
  rewriter.setInsertionPoint(inner);
  for (OpOperand *operand : inputs) {
    Location loc = operand->get().getLoc();
    auto type = cast<RankedTensorType>(operand->get().getType());
    auto alloc = bufferization::AllocTensorOp::create(
        rewriter, loc, type, ValueRange{}, /*copy=*/Value(),
        /*size_hint=*/Value(), workgroup);
    auto copy =
        linalg::CopyOp::create(rewriter, loc, operand->get(), alloc.getResult());
    rewriter.modifyOpInPlace(inner, [&] { operand->set(copy.getResult(0)); });
    ops.push_back(copy);
  }
  ops.push_back(inner);
  return ops;
}

/// Most bytes of workgroup memory given to a block tile's temporaries.
constexpr int64_t kMaxWorkgroupTileBytes = 16 * 1024;

/// Block-local temporaries: a tile of an (undefined) tensor.empty that
/// stays in the block (the accumulator of a contraction fused into its
/// epilogue) lives in workgroup memory, where all the block's threads see
/// it, instead of a private buffer. A tile with a dynamic size (at the edge
/// of the iteration space) takes a slice of a buffer of its largest size.
static void placeTemporariesInWorkgroupMemory(RewriterBase &rewriter,
                                              scf::ForallOp forall) {
  SmallVector<tensor::ExtractSliceOp> slices;
  for (Operation &op : forall.getBody()->without_terminator())
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
      if (slice.getSource().getDefiningOp<tensor::EmptyOp>())
        slices.push_back(slice);
  Attribute workgroup = gpu::AddressSpaceAttr::get(
      rewriter.getContext(), gpu::AddressSpace::Workgroup);
  for (tensor::ExtractSliceOp slice : slices) {
    RankedTensorType type = slice.getResultType();
    SmallVector<int64_t> maxShape;
    for (OpFoldResult size : slice.getMixedSizes()) {
      FailureOr<int64_t> bound = ValueBoundsConstraintSet::computeConstantBound(
          presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(size),
          /*stopCondition=*/nullptr, /*closedUB=*/true);
      if (failed(bound))
        break;
      maxShape.push_back(*bound);
    }
    if (maxShape.size() != slice.getMixedSizes().size() ||
        slice.getMixedSizes().size() != static_cast<size_t>(type.getRank()))
      continue;
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    for (int64_t d : maxShape)
      bytes *= d;
    if (bytes > kMaxWorkgroupTileBytes)
      continue;
    rewriter.setInsertionPoint(slice);
    auto bufferType = RankedTensorType::get(maxShape, type.getElementType());
    Value buffer = bufferization::AllocTensorOp::create(
        rewriter, slice.getLoc(), bufferType, ValueRange{}, /*copy=*/Value(),
        /*size_hint=*/Value(), workgroup);
    if (!type.hasStaticShape()) {
      SmallVector<OpFoldResult> zeros(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> ones(type.getRank(), rewriter.getIndexAttr(1));
      buffer = tensor::ExtractSliceOp::create(rewriter, slice.getLoc(), type,
                                              buffer, zeros,
                                              slice.getMixedSizes(), ones);
    }
    rewriter.replaceOp(slice, buffer);
  }
}

/// Distributes one op of a block tile over the block's threads.
LogicalResult GpuTileAndDistribute::tileToThreads(RewriterBase &rewriter,
                                                  linalg::LinalgOp op,
                                                  const BlockShape &shape) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> dims = getDistributedLoops(op);
  if (dims.empty()) {
    // Nothing to distribute: one thread runs the op.
    wrapInSingleIteration(rewriter, op, Level::Thread);
    return success();
  }
  SmallVector<int64_t> numThreads(ranges.size(), 0);
  for (auto [i, d] : llvm::enumerate(llvm::reverse(dims))) {
    int64_t n = shape.threads[i];
    if (!ShapedType::isDynamic(ranges[d]))
      n = std::min(n, ranges[d]);
    numThreads[d] = n;
  }
  scf::SCFTilingOptions options;
  options.setNumThreads(toOfr(rewriter, numThreads))
      .setLoopType(scf::SCFTilingOptions::LoopType::ForallOp)
      .setMapping(getMapping(rewriter.getContext(), Level::Thread,
                             dims.size()));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> res =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()),
                        options);
  if (failed(res))
    return op.emitError("kiln-gpu-tile-and-distribute: cannot distribute "
                        "the op over threads");
  rewriter.replaceOp(op, res->replacements);
  return success();
}

/// The values whose buffer one-shot bufferization may give `v`: `v`, and
/// back through reshapes, slices and destination-style results (which
/// share their tied destination's buffer).
static llvm::SmallPtrSet<Value, 8> bufferSources(Value v) {
  llvm::SmallPtrSet<Value, 8> sources;
  while (v && sources.insert(v).second) {
    Operation *def = v.getDefiningOp();
    if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def))
      v = collapse.getSrc();
    else if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def))
      v = expand.getSrc();
    else if (auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(def))
      v = slice.getSource();
    else if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(def))
      v = dps.getTiedOpOperand(cast<OpResult>(v))->get();
    else
      v = Value();
  }
  return sources;
}

/// A contraction kernel reads a virtual gather's image while it writes its
/// result: neither the contraction's accumulator nor an elementwise
/// consumer fused into it may be written in place into the image's buffer
/// (as a residual folded into a convolution would be). Such a destination
/// becomes a fresh tensor (a copy when the payload reads it).
static void separateFromImage(Operation *gather) {
  llvm::SmallPtrSet<Value, 8> image =
      bufferSources(cast<linalg::LinalgOp>(gather).getDpsInputs()[0]);
  auto freshen = [&](linalg::LinalgOp op) {
    for (OpOperand &init : op.getDpsInitsMutable()) {
      if (llvm::none_of(bufferSources(init.get()),
                        [&](Value v) { return image.contains(v); }))
        continue;
      OpBuilder b(op);
      auto type = cast<RankedTensorType>(init.get().getType());
      Value empty = tensor::EmptyOp::create(b, op.getLoc(), type.getShape(),
                                            type.getElementType());
      if (op.payloadUsesValueFromOperand(&init))
        empty = linalg::CopyOp::create(b, op.getLoc(), init.get(), empty)
                    .getResult(0);
      init.set(empty);
    }
  };
  for (Operation *user : gather->getUsers()) {
    auto gemm = cast<linalg::LinalgOp>(user);
    freshen(gemm);
    for (Operation *consumer : gemm->getUsers())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(consumer);
          linalgOp && isPointwise(linalgOp))
        freshen(linalgOp);
  }
}

/// The contraction kernel for the block tiles of `root` (a contraction, or
/// the elementwise consumer it is fused into), if it takes one.
std::optional<kiln::gpu_kernel::ContractionConfig>
GpuTileAndDistribute::planKernel(linalg::LinalgOp root) {
  using namespace kiln::gpu_kernel;
  if (!contractionKernels)
    return std::nullopt;
  std::optional<Precision> p = parsePrecision(precision);
  if (!p)
    return std::nullopt;
  if (isContraction(root))
    return planContractionKernel(root, *p);
  // An epilogue root: its tiles must be the contraction's (identity maps
  // from the contraction's result to every output).
  if (root.getNumDpsInits() == 0)
    return std::nullopt;
  for (OpOperand *operand : root.getDpsInputOperands()) {
    if (!isFusableEpilogueInput(root, operand))
      continue;
    if (!root.getMatchingIndexingMap(operand).isIdentity() ||
        !llvm::all_of(root.getDpsInitsMutable(), [&](OpOperand &init) {
          return root.getMatchingIndexingMap(&init).isIdentity();
        }))
      return std::nullopt;
    auto contraction = cast<linalg::LinalgOp>(operand->get().getDefiningOp());
    return planContractionKernel(contraction, *p);
  }
  return std::nullopt;
}

/// Marks the ops of a block tile for kiln-gpu-contraction-kernel: the
/// contraction (its config), its accumulator initializer and its epilogue.
/// A slice of a function-level tensor.empty between them becomes a
/// block-local tensor.empty (the accumulator lives in registers). Returns
/// the block's other linalg ops (distributed over threads as usual).
static SmallVector<linalg::LinalgOp>
markKernelBlock(RewriterBase &rewriter, scf::ForallOp forall,
                const kiln::gpu_kernel::ContractionConfig &config) {
  using namespace kiln::gpu_kernel;
  linalg::LinalgOp contraction;
  for (Operation &op : forall.getBody()->without_terminator())
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      if (isContraction(linalgOp))
        contraction = linalgOp;
  SmallVector<linalg::LinalgOp> others;
  for (Operation &op : forall.getBody()->without_terminator()) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || linalgOp == contraction)
      continue;
    bool isInit = contraction && linalgOp->getNumResults() == 1 &&
                  isPointwise(linalgOp) &&
                  contraction.getDpsInits()[0] == linalgOp->getResult(0);
    std::optional<unsigned> epilogueOperand;
    if (contraction && isPointwise(linalgOp))
      for (OpOperand *input : linalgOp.getDpsInputOperands())
        if (input->get().getDefiningOp() == contraction.getOperation())
          epilogueOperand = input->getOperandNumber();
    if (isInit)
      linalgOp->setAttr(kInitAttr, rewriter.getUnitAttr());
    else if (epilogueOperand)
      linalgOp->setAttr(kEpilogueAttr,
                        rewriter.getI64IntegerAttr(*epilogueOperand));
    else
      others.push_back(linalgOp);
  }
  if (!contraction)
    return others;
  contraction->setAttr(kContractionAttr,
                       config.toAttr(rewriter.getContext()));
  // The accumulator: a tile of an undefined tensor stays in the block.
  Value acc = contraction.getDpsInits()[0];
  if (auto producer = acc.getDefiningOp<linalg::LinalgOp>();
      producer && producer->hasAttr(kInitAttr))
    acc = producer.getDpsInits()[0];
  if (auto slice = acc.getDefiningOp<tensor::ExtractSliceOp>();
      slice && slice.getSource().getDefiningOp<tensor::EmptyOp>() &&
      slice->getBlock() == forall.getBody()) {
    rewriter.setInsertionPoint(slice);
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(
        slice, slice.getMixedSizes(), slice.getResultType().getElementType());
  }
  return others;
}

void GpuTileAndDistribute::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return;
  if (failed(prepare(func)))
    return signalPassFailure();

  SmallVector<linalg::LinalgOp> roots;
  for (Operation &op : func.getBody().front())
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      roots.push_back(linalgOp);
  for (linalg::LinalgOp op : roots) {
    if (!op.hasPureTensorSemantics())
      return op.emitError("kiln-gpu-tile-and-distribute: expected linalg on "
                          "tensors"),
             signalPassFailure();
    if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      return op.emitError("the CUDA target needs static shapes (use "
                          "--input-shape)"),
             signalPassFailure();
  }

  // Gathers (implicit-GEMM columns) that only contraction kernels read stay
  // unmaterialized: the kernels read through them.
  llvm::SmallPtrSet<Operation *, 4> virtualGathers;
  for (linalg::LinalgOp op : roots) {
    if (!op->hasAttr(kiln::gpu_kernel::kGatherAttr))
      continue;
    bool kernelsOnly = llvm::all_of(op->getUsers(), [&](Operation *user) {
      auto consumer = dyn_cast<linalg::LinalgOp>(user);
      return consumer && isContraction(consumer) && planKernel(consumer);
    });
    if (!kernelsOnly) {
      op->removeAttr(kiln::gpu_kernel::kGatherAttr);
      continue;
    }
    virtualGathers.insert(op);
    separateFromImage(op);
  }

  IRRewriter rewriter(&getContext());
  llvm::SetVector<Operation *> dead;
  // Consumers first, so that producers fused into them are skipped.
  for (linalg::LinalgOp root : llvm::reverse(roots)) {
    if (dead.contains(root) || virtualGathers.contains(root))
      continue;
    // A full reduction (no parallel loop) runs on one thread of one block.
    if (root.getNumParallelLoops() == 0) {
      linalg::LinalgOp inBlock =
          wrapInSingleIteration(rewriter, root, Level::Block);
      wrapInSingleIteration(rewriter, inBlock, Level::Thread);
      continue;
    }
    bool contractionBlock =
        isContraction(root) ||
        llvm::any_of(root.getDpsInputOperands(), [&](OpOperand *o) {
          return isFusableEpilogueInput(root, o);
        });
    std::optional<kiln::gpu_kernel::ContractionConfig> kernel =
        planKernel(root);
    BlockShape shape = contractionBlock ? kContractionShape : kDefaultShape;
    if (kernel)
      shape = {{kernel->bn, kernel->bm, 1},
               {32, kernel->threads() / 32, 1}};
    size_t deadBefore = dead.size();
    FailureOr<scf::ForallOp> forall = tileRoot(rewriter, root, shape, dead);
    if (failed(forall))
      return root.emitError("kiln-gpu-tile-and-distribute: cannot tile the "
                            "op into GPU blocks"),
             signalPassFailure();
    // The root, then the producers fused into it, as they lose their uses
    // (`dead` keeps the pointers only to skip fused roots).
    SmallVector<Operation *> pending(dead.begin() + deadBefore, dead.end());
    for (bool changed = true; changed;) {
      changed = false;
      for (Operation *&op : pending)
        if (op && op->use_empty()) {
          rewriter.eraseOp(op);
          op = nullptr;
          changed = true;
        }
    }
    if (kernel) {
      for (linalg::LinalgOp op : markKernelBlock(rewriter, *forall, *kernel))
        if (failed(tileToThreads(rewriter, op, shape)))
          return signalPassFailure();
      continue;
    }
    placeTemporariesInWorkgroupMemory(rewriter, *forall);
    SmallVector<linalg::LinalgOp> blockOps;
    for (Operation &op : forall->getBody()->without_terminator())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
        blockOps.push_back(linalgOp);
    SmallVector<linalg::LinalgOp> threadOps;
    for (linalg::LinalgOp op : blockOps) {
      if (isContraction(op))
        llvm::append_range(threadOps, stageContraction(rewriter, op));
      else
        threadOps.push_back(op);
    }
    for (linalg::LinalgOp op : threadOps)
      if (failed(tileToThreads(rewriter, op, shape)))
        return signalPassFailure();
  }
}
