//===- CpuVectorize.cpp - Vectorize register tiles on tensors -------------===//
//
// kiln-cpu-vectorize: turns the register tiles made by kiln-cpu-tile-and-fuse
// into vector code and keeps accumulators in registers across reduction
// loops (the reference schedule's vectorize + hoist_loop_invariant_subsets +
// canonicalize steps).
//
// Windowed ops (convolutions, pooling) are handled without the upstream 1-D
// convolution vectorizer: once every window loop of a tile has size 1, an
// input access like in[n, c, oh*s + kh*d, ow*s + kw*d] reads a strided slice
// of the input, so the tile is rewritten as a linalg.generic with projected
// permutation maps over that slice. A 2-D convolution tile then has exactly
// the shape of a matmul tile (rows = output channels, vectors = output
// width, K = one input channel) and is vectorized the same way, whatever the
// layout, stride, dilation or grouping.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"
#include "passes/Codegen/StaticPieces.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNCPUVECTORIZE
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// An affine access `coeff * d + offset` (coeff 0: a constant index).
struct Access {
  std::optional<unsigned> dim;
  int64_t coeff = 0;
  int64_t offset = 0;
};

/// Matches `e` against `c * d + k` forms.
static std::optional<Access> matchAccess(AffineExpr e) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return Access{std::nullopt, 0, c.getValue()};
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return Access{d.getPosition(), 1, 0};
  auto bin = dyn_cast<AffineBinaryOpExpr>(e);
  if (!bin)
    return std::nullopt;
  if (bin.getKind() == AffineExprKind::Mul) {
    auto d = dyn_cast<AffineDimExpr>(bin.getLHS());
    auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
    if (!d || !c || c.getValue() <= 0)
      return std::nullopt;
    return Access{d.getPosition(), c.getValue(), 0};
  }
  if (bin.getKind() == AffineExprKind::Add) {
    auto c = dyn_cast<AffineConstantExpr>(bin.getRHS());
    if (!c)
      return std::nullopt;
    std::optional<Access> lhs = matchAccess(bin.getLHS());
    if (!lhs || !lhs->dim)
      return std::nullopt;
    lhs->offset += c.getValue();
    return lhs;
  }
  return std::nullopt;
}

/// Rewrites a windowed linalg op whose window loops have size 1 into a
/// linalg.generic with projected-permutation maps over strided slices of its
/// operands. Fails (changing nothing) when some access is not of the form
/// `c * d + k` after unit loops are set to 0.
static FailureOr<linalg::GenericOp> rewriteUnitWindow(RewriterBase &rewriter,
                                                      linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned numLoops = ranges.size();
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineExpr> zeroUnit;
  for (unsigned d = 0; d < numLoops; ++d)
    zeroUnit.push_back(ranges[d] == 1 ? getAffineConstantExpr(0, ctx)
                                      : getAffineDimExpr(d, ctx));

  struct OperandRewrite {
    AffineMap map;
    SmallVector<int64_t> offsets, sizes, strides;
    bool needsSlice = false;
  };
  SmallVector<OperandRewrite> rewrites;
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    OperandRewrite rw;
    rw.map = map;
    if (map.isProjectedPermutation(/*allowZeroInResults=*/true)) {
      rewrites.push_back(rw);
      continue;
    }
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.hasStaticShape() || op.isDpsInit(&operand))
      return failure();
    SmallVector<AffineExpr> results;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      // Plain dims stay (a unit input-channel loop remains a contraction
      // dim); unit loops inside compound accesses only contribute 0.
      AffineExpr e = isa<AffineDimExpr>(expr)
                         ? expr
                         : simplifyAffineExpr(
                               expr.replaceDimsAndSymbols(zeroUnit, {}),
                               numLoops, 0);
      std::optional<Access> access = matchAccess(e);
      if (!access)
        return failure();
      if (!access->dim) {
        rw.offsets.push_back(access->offset);
        rw.sizes.push_back(1);
        rw.strides.push_back(1);
        results.push_back(getAffineConstantExpr(0, ctx));
      } else {
        rw.offsets.push_back(access->offset);
        rw.sizes.push_back(ranges[*access->dim]);
        rw.strides.push_back(access->coeff);
        results.push_back(getAffineDimExpr(*access->dim, ctx));
      }
      int64_t last = rw.offsets.back() +
                     (rw.sizes.back() - 1) * rw.strides.back();
      if (last >= type.getDimSize(i))
        return failure();
      if (rw.offsets.back() != 0 || rw.strides.back() != 1 ||
          rw.sizes.back() != type.getDimSize(i))
        rw.needsSlice = true;
    }
    rw.map = AffineMap::get(numLoops, 0, results, ctx);
    if (!rw.map.isProjectedPermutation(/*allowZeroInResults=*/true))
      return failure();
    rewrites.push_back(rw);
  }

  linalg::GenericOp generic;
  if (auto g = dyn_cast<linalg::GenericOp>(op.getOperation())) {
    generic = g;
  } else {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return failure();
    generic = *generalized;
  }
  rewriter.setInsertionPoint(generic);
  SmallVector<Attribute> maps;
  SmallVector<std::pair<unsigned, Value>> newOperands;
  for (auto [i, rw] : llvm::enumerate(rewrites)) {
    maps.push_back(AffineMapAttr::get(rw.map));
    if (!rw.needsSlice)
      continue;
    Value src = generic->getOperand(i);
    auto srcType = cast<RankedTensorType>(src.getType());
    auto sliceType = RankedTensorType::get(rw.sizes, srcType.getElementType());
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, generic.getLoc(), sliceType, src,
        /*offsets=*/ValueRange{}, ValueRange{}, ValueRange{},
        rewriter.getDenseI64ArrayAttr(rw.offsets),
        rewriter.getDenseI64ArrayAttr(rw.sizes),
        rewriter.getDenseI64ArrayAttr(rw.strides));
    newOperands.emplace_back(i, slice);
  }
  rewriter.modifyOpInPlace(generic, [&] {
    for (auto [i, v] : newOperands)
      generic->setOperand(i, v);
    generic.setIndexingMapsAttr(rewriter.getArrayAttr(maps));
  });
  return generic;
}

/// The unit reduction loop to keep when dropping unit dims: the K of a
/// matmul-shaped tile (a reduction loop indexing two inputs), so the tile
/// still vectorizes to a vector.contract.
static std::optional<unsigned> contractionDimToKeep(linalg::GenericOp op) {
  std::optional<unsigned> keep;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d < iters.size(); ++d) {
    if (iters[d] != utils::IteratorType::reduction)
      continue;
    unsigned uses = 0;
    for (OpOperand *in : op.getDpsInputOperands())
      if (op.getMatchingIndexingMap(in).isFunctionOfDim(d))
        ++uses;
    if (uses >= 2)
      keep = d;
  }
  return keep;
}

/// Drops the unit loops of `op` except one contraction dimension.
static linalg::GenericOp dropUnitLoops(RewriterBase &rewriter,
                                       linalg::GenericOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::optional<unsigned> keep = contractionDimToKeep(op);
  SmallVector<unsigned> droppable;
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (ranges[d] == 1 && d != keep)
      droppable.push_back(d);
  if (droppable.empty())
    return op;
  linalg::ControlDropUnitDims options;
  options.rankReductionStrategy =
      linalg::ControlDropUnitDims::RankReductionStrategy::ExtractInsertSlice;
  options.controlFn = [&](Operation *) { return droppable; };
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::DropUnitDimsResult> res =
      linalg::dropUnitDims(rewriter, op, options);
  if (failed(res))
    return op;
  rewriter.replaceOp(op, res->replacements);
  return cast<linalg::GenericOp>(res->resultOp.getOperation());
}

/// A matmul-shaped generic (after unit dims are dropped, e.g. a convolution
/// tile) as a linalg.contract: the vectorizer turns named contractions
/// directly into vector.contract, whose outer-product lowering broadcasts
/// one scalar per row instead of transposing a broadcast operand.
static Operation *toNamedContraction(RewriterBase &rewriter,
                                     linalg::GenericOp op) {
  if (!linalg::isaContractionOpInterface(op) || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return op;
  Type elemType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!isa<FloatType>(elemType) ||
      llvm::any_of(op.getDpsInputs(), [&](Value v) {
        return getElementTypeOrSelf(v.getType()) != elemType;
      }))
    return op;
  // The outer-product lowering broadcasts elements of the lhs and keeps the
  // rhs as vectors: the rhs must be the operand that runs along the
  // output's innermost (vector) dimension.
  SmallVector<Value> inputs = op.getDpsInputs();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap outMap = maps[2];
  if (outMap.getNumResults() == 0)
    return op;
  AffineExpr vecDim = outMap.getResults().back();
  auto usesVecDim = [&](AffineMap m) {
    return llvm::is_contained(m.getResults(), vecDim);
  };
  if (usesVecDim(maps[0]) && !usesVecDim(maps[1])) {
    std::swap(inputs[0], inputs[1]);
    std::swap(maps[0], maps[1]);
  }
  rewriter.setInsertionPoint(op);
  auto contract = linalg::ContractOp::create(
      rewriter, op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(),
      rewriter.getAffineMapArrayAttr(maps));
  rewriter.replaceOp(op, contract->getResults());
  return contract;
}

/// transpose(broadcast(v : vector<N>) : vector<MxN>) : vector<NxM> (how the
/// vectorizer reads a per-row operand such as a depthwise weight) -> one
/// splat of v[i] per row, instead of an M*N-element shuffle.
struct ColumnBroadcast : public OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType resultType = op.getResultVectorType();
    if (resultType.getRank() != 2 || resultType.isScalable() ||
        op.getPermutation() != ArrayRef<int64_t>{1, 0})
      return failure();
    auto bcast = op.getVector().getDefiningOp<vector::BroadcastOp>();
    if (!bcast)
      return failure();
    auto srcType = dyn_cast<VectorType>(bcast.getSourceType());
    if (!srcType || srcType.getRank() != 1)
      return failure();
    Location loc = op.getLoc();
    int64_t rows = resultType.getDimSize(0);
    auto rowType = VectorType::get({resultType.getDimSize(1)},
                                   resultType.getElementType());
    Value result = ub::PoisonOp::create(rewriter, loc, resultType);
    for (int64_t i = 0; i < rows; ++i) {
      Value elem = vector::ExtractOp::create(rewriter, loc, bcast.getSource(),
                                             ArrayRef<int64_t>{i});
      Value row = vector::BroadcastOp::create(rewriter, loc, rowType, elem);
      result = vector::InsertOp::create(rewriter, loc, row, result,
                                        ArrayRef<int64_t>{i});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Reorders the loops of a (non-contraction) generic as its output is laid
/// out, other loops innermost: the vectorizer builds vectors in loop order,
/// so a loop order that differs from the output's (linalg's depthwise
/// convolution iterates (n, oh, ow, c, ...) for an NCHW output) would cost
/// a transpose of every operand and of the result.
static linalg::GenericOp orderLoopsLikeOutput(RewriterBase &rewriter,
                                              linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1)
    return op;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<unsigned> order;
  llvm::SmallDenseSet<unsigned> seen;
  for (AffineExpr e : outMap.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      if (seen.insert(d.getPosition()).second)
        order.push_back(d.getPosition());
  for (unsigned d = 0, e = op.getNumLoops(); d < e; ++d)
    if (!seen.contains(d))
      order.push_back(d);
  if (llvm::equal(order, llvm::seq<unsigned>(0, op.getNumLoops())))
    return op;
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::GenericOp> res =
      linalg::interchangeGenericOp(rewriter, op, order);
  return succeeded(res) ? *res : op;
}

/// The loop that becomes the vectors' innermost dimension: the output's
/// innermost one, or for plain reductions the first input's.
static std::optional<unsigned> getVectorDim(linalg::LinalgOp op) {
  auto dimOf = [](AffineMap map) -> std::optional<unsigned> {
    if (map.getNumResults() == 0)
      return std::nullopt;
    if (auto d = dyn_cast<AffineDimExpr>(map.getResults().back()))
      return d.getPosition();
    return std::nullopt;
  };
  if (op.getNumReductionLoops() > 0 && !linalg::isaContractionOpInterface(op) &&
      op.getNumDpsInputs() > 0 &&
      llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
        return m.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return dimOf(op.getMatchingIndexingMap(op.getDpsInputOperand(0)));
  return dimOf(op.getMatchingIndexingMap(op.getDpsInitOperand(0)));
}

/// Splits `op` along its vector dimension so that each part is either at
/// most one register wide or a power-of-two number of registers (a 24-lane
/// f32 tile on AVX-512 becomes 16 + 8): the x86 backend turns vectors like
/// <24 x float> carried around a loop into shuffles and spills, while one
/// partial register (<14 x float>) is simply widened.
static void splitToPowersOfTwo(RewriterBase &rewriter, linalg::LinalgOp op,
                               unsigned vectorBits,
                               SmallVectorImpl<linalg::LinalgOp> &pieces) {
  std::optional<unsigned> dim = getVectorDim(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Type elemType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  int64_t bits = elemType.isIntOrFloat()
                     ? std::max<int64_t>(8, elemType.getIntOrFloatBitWidth())
                     : 32;
  int64_t lanes = std::max<int64_t>(1, vectorBits / bits);
  if (!dim || ranges[*dim] <= lanes ||
      (ranges[*dim] % lanes == 0 &&
       llvm::isPowerOf2_64(ranges[*dim] / lanes))) {
    pieces.push_back(op);
    return;
  }
  int64_t head =
      lanes * static_cast<int64_t>(llvm::bit_floor(
                  static_cast<uint64_t>(ranges[*dim] / lanes)));
  rewriter.setInsertionPoint(op);
  auto [first, second] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                      *dim, rewriter.getIndexAttr(head));
  auto firstOp = dyn_cast_or_null<linalg::LinalgOp>(first.getOperation());
  auto secondOp = dyn_cast_or_null<linalg::LinalgOp>(second.getOperation());
  if (!firstOp || !secondOp) {
    if (firstOp)
      pieces.push_back(firstOp);
    return;
  }
  pieces.push_back(firstOp);
  splitToPowersOfTwo(rewriter, secondOp, vectorBits, pieces);
}

/// a * b + c on float vectors -> vector.fma (the contraction lowering does
/// the same for matmuls; this covers depthwise convolutions and
/// elementwise chains).
struct MulAddToFma : public OpRewritePattern<arith::AddFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::AddFOp add,
                                PatternRewriter &rewriter) const override {
    auto vecType = dyn_cast<VectorType>(add.getType());
    if (!vecType || !isa<FloatType>(vecType.getElementType()))
      return failure();
    for (unsigned i = 0; i < 2; ++i) {
      auto mul = add.getOperand(i).getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      Value acc = add.getOperand(1 - i);
      rewriter.replaceOpWithNewOp<vector::FMAOp>(add, mul.getLhs(),
                                                 mul.getRhs(), acc);
      return success();
    }
    return failure();
  }
};

static LogicalResult canonicalize(Operation *root,
                                  void (*extra)(RewritePatternSet &)) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  if (extra)
    extra(patterns);
  return applyPatternsGreedily(root, std::move(patterns));
}

struct KilnCpuVectorizePass
    : public kiln::impl::KilnCpuVectorizeBase<KilnCpuVectorizePass> {
  using Base::Base;

  bool isVectorizable(linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics())
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (ranges.empty())
      return false;
    // Tiles of run-time extent (the remainders of peeled loops) count with
    // their upper bound.
    if (llvm::any_of(ranges, ShapedType::isDynamic)) {
      FailureOr<SmallVector<int64_t>> bounds =
          kiln::computeLoopUpperBounds(op);
      if (failed(bounds))
        return false;
      ranges = *bounds;
    }
    int64_t points = 1;
    for (int64_t r : ranges) {
      if (ShapedType::isDynamic(r) || r <= 0)
        return false;
      points *= r;
    }
    // Vectors of i1 would be stored bit-packed by LLVM, while memrefs of i1
    // hold one byte per element: keep boolean ops scalar.
    for (Value v : op->getOperands()) {
      Type t = getElementTypeOrSelf(v.getType());
      if (!t.isIntOrIndexOrFloat() || (t.isInteger() && t.getIntOrFloatBitWidth() < 8))
        return false;
    }
    return points <= maxVectorElements;
  }

  /// Vectorizes one static, register-sized linalg op (or leaves it alone).
  void vectorizeOne(RewriterBase &rewriter, linalg::LinalgOp op) {
    Operation *target = op;
    bool projected = llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
      return m.isProjectedPermutation(/*allowZeroInResults=*/true);
    });
    if (!projected) {
      FailureOr<linalg::GenericOp> g = rewriteUnitWindow(rewriter, op);
      if (failed(g))
        return; // left for the scalar fallback
      target = *g;
    } else if (!isa<linalg::GenericOp, linalg::FillOp>(target)) {
      rewriter.setInsertionPoint(target);
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(
          rewriter, cast<linalg::LinalgOp>(target));
      if (succeeded(g))
        target = *g;
    }
    if (auto generic = dyn_cast<linalg::GenericOp>(target))
      target = toNamedContraction(rewriter, dropUnitLoops(rewriter, generic));
    if (auto generic = dyn_cast<linalg::GenericOp>(target))
      target = orderLoopsLikeOutput(rewriter, generic);
    rewriter.setInsertionPoint(target);
    FailureOr<linalg::VectorizationResult> res = linalg::vectorize(
        rewriter, target, /*inputVectorSizes=*/{},
        /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/false,
        /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (failed(res))
      return;
    rewriter.replaceOp(target, res->replacements);
  }

  /// Vectorizes a tile of run-time extent (at most `bounds` along each loop):
  /// with masks (vector sizes = the bounds) where upstream's vectorizer takes
  /// the op; otherwise its dynamic loops are tiled by 1 and the static tiles
  /// are vectorized like any other.
  void vectorizeDynamic(RewriterBase &rewriter, linalg::LinalgOp op,
                        ArrayRef<int64_t> bounds) {
    bool projected = llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
      return m.isProjectedPermutation(/*allowZeroInResults=*/true);
    });
    Operation *target = op;
    if (projected && !isa<linalg::GenericOp, linalg::FillOp>(target)) {
      rewriter.setInsertionPoint(target);
      FailureOr<linalg::GenericOp> g = linalg::generalizeNamedOp(
          rewriter, cast<linalg::LinalgOp>(target));
      if (succeeded(g))
        target = *g;
    }
    // Upstream reads one scalable flag per vector size: pass them all.
    SmallVector<bool> scalable(bounds.size(), false);
    if (projected && succeeded(linalg::vectorizeOpPrecondition(
                         target, bounds, scalable))) {
      rewriter.setInsertionPoint(target);
      FailureOr<linalg::VectorizationResult> res =
          linalg::vectorize(rewriter, target, bounds, scalable);
      if (succeeded(res)) {
        rewriter.replaceOp(target, res->replacements);
        return;
      }
    }
    auto linalgTarget = cast<linalg::LinalgOp>(target);
    SmallVector<int64_t> ranges = linalgTarget.getStaticLoopRanges();
    SmallVector<OpFoldResult> sizes;
    for (int64_t r : ranges)
      sizes.push_back(rewriter.getIndexAttr(ShapedType::isDynamic(r) ? 1 : 0));
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(target);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(target), options);
    if (failed(tiled))
      return; // left for the scalar fallback
    rewriter.replaceOp(target, tiled->replacements);
    auto tile = dyn_cast<linalg::LinalgOp>(tiled->tiledOps.back());
    if (!tile || !isVectorizable(tile) ||
        llvm::any_of(tile.getStaticLoopRanges(), ShapedType::isDynamic))
      return;
    SmallVector<linalg::LinalgOp> pieces;
    splitToPowersOfTwo(rewriter, tile, vectorBits, pieces);
    for (linalg::LinalgOp piece : pieces)
      vectorizeOne(rewriter, piece);
  }

  void splitDynamicWindowedTiles(RewriterBase &rewriter, func::FuncOp func) {
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<int64_t>>> work;
    func.walk([&](linalg::LinalgOp op) {
      // Windowed ops, and contractions (a matmul's rows below the register
      // tile: a masked contraction inside the K loop lowers to scalar
      // code, ~1000x slower at batch 1).
      if (!isVectorizable(op) ||
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic) ||
          (op.getNumReductionLoops() == 0 &&
           llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
             return m.isProjectedPermutation(/*allowZeroInResults=*/true);
           })))
        return;
      work.push_back({op, *kiln::computeLoopUpperBounds(op)});
    });
    SmallVector<linalg::LinalgOp> pieces;
    for (auto &[op, bounds] : work)
      (void)kiln::splitIntoStaticPieces(rewriter, op, bounds, pieces);
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    splitDynamicWindowedTiles(rewriter, func);

    SmallVector<linalg::LinalgOp> candidates;
    func.walk([&](linalg::LinalgOp op) {
      if (isVectorizable(op))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp candidate : candidates) {
      if (llvm::any_of(candidate.getStaticLoopRanges(),
                       ShapedType::isDynamic)) {
        vectorizeDynamic(rewriter, candidate,
                         *kiln::computeLoopUpperBounds(candidate));
        continue;
      }
      SmallVector<linalg::LinalgOp> pieces;
      splitToPowersOfTwo(rewriter, candidate, vectorBits, pieces);
      for (linalg::LinalgOp op : pieces)
        vectorizeOne(rewriter, op);
    }

    // Masked transfers (remainder tiles of run-time extent) take their mask
    // as an operand: one-shot bufferization requires a vector.mask body to
    // bufferize in place, which a tile written into a copy cannot.
    if (func.walk([](vector::MaskOp) { return WalkResult::interrupt(); })
            .wasInterrupted()) {
      RewritePatternSet patterns(ctx);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // Contractions first: canonicalization would fold a unit-K
    // multi_reduction into a shape_cast before it becomes a vector.contract.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorReductionToContractPatterns(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      kiln::populateKilnVectorFmaPatterns(patterns);
      patterns.add<ColumnBroadcast>(ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    if (failed(canonicalize(func, [](RewritePatternSet &patterns) {
          linalg::populateLinalgTilingCanonicalizationPatterns(patterns);
          kiln::populateKilnVectorFmaPatterns(patterns);
        })))
      return signalPassFailure();
    DominanceInfo domInfo(func);
    eliminateCommonSubExpressions(rewriter, domInfo, func);

    // Keep accumulators in registers: hoist the loop-invariant
    // transfer_read/transfer_write (and extract/insert_slice) pairs out of
    // each loop, innermost first.
    SmallVector<scf::ForOp> loops;
    func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      hoistLoopInvariantSubsets(rewriter, loop);

    // Pass-through iter_args left by hoisting would cost a copy per tile in
    // bufferization (shared/NOTES-codegen.md, pitfall 2).
    if (failed(canonicalize(func, nullptr)))
      return signalPassFailure();
    DominanceInfo domInfo2(func);
    eliminateCommonSubExpressions(rewriter, domInfo2, func);
  }
};
} // namespace

void mlir::kiln::populateKilnVectorFmaPatterns(RewritePatternSet &patterns) {
  patterns.add<MulAddToFma>(patterns.getContext());
}
