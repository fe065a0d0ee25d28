//===- StaticPieces.cpp - Tiles of run-time extent as static pieces -------===//
//
// See StaticPieces.h. Upstream's masked vectorization covers projected
// elementwise ops but not windowed ones, and a masked contraction inside a
// reduction loop keeps its accumulator in memory: static pieces cost a few
// branches per tile instead.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/StaticPieces.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "llvm/ADT/bit.h"

using namespace mlir;

/// The position of loop `d` in the results of `map`, if it indexes one
/// directly.
static std::optional<unsigned> resultPosition(AffineMap map, unsigned d) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto dimExpr = dyn_cast<AffineDimExpr>(e))
      if (dimExpr.getPosition() == d)
        return i;
  return std::nullopt;
}

LogicalResult
mlir::kiln::splitIntoStaticPieces(RewriterBase &rewriter, linalg::LinalgOp op,
                                  ArrayRef<int64_t> bounds,
                                  SmallVectorImpl<linalg::LinalgOp> &pieces) {
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics())
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.size() != bounds.size())
    return failure();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  std::optional<unsigned> dyn;
  for (unsigned d = 0; d < ranges.size(); ++d) {
    if (!ShapedType::isDynamic(ranges[d]))
      continue;
    if (iters[d] != utils::IteratorType::parallel ||
        !resultPosition(outMap, d) || bounds[d] <= 0)
      return failure();
    dyn = dyn ? dyn : std::optional<unsigned>(d);
  }
  if (!dyn)
    return failure();
  unsigned outPos = *resultPosition(outMap, *dyn);

  Location loc = op.getLoc();
  auto tiling = cast<TilingInterface>(op.getOperation());
  rewriter.setInsertionPoint(op);
  SmallVector<Range> domain = tiling.getIterationDomain(rewriter);
  Value result = op.getDpsInits()[0];
  Value size = tensor::DimOp::create(rewriter, loc, result, outPos);
  Value offset = arith::ConstantIndexOp::create(rewriter, loc, 0);
  // Each piece is an scf.for from `offset` with the piece as its step and
  // at most one iteration (what is left is below twice the piece), carrying
  // the tile: each piece reads its init slice from the result of the
  // previous ones and is inserted into it, which one-shot bufferization
  // keeps in place (an scf.if yielding either tile would be copied).
  SmallVector<linalg::LinalgOp> dynamicPieces;
  for (int64_t piece = static_cast<int64_t>(llvm::bit_floor(
           static_cast<uint64_t>(bounds[*dyn])));
       piece >= 1; piece /= 2) {
    Value pieceValue = arith::ConstantIndexOp::create(rewriter, loc, piece);
    Value left = arith::SubIOp::create(rewriter, loc, size, offset);
    Value covered = arith::MulIOp::create(
        rewriter, loc, arith::DivUIOp::create(rewriter, loc, left, pieceValue),
        pieceValue);
    Value limit = arith::AddIOp::create(rewriter, loc, offset, covered);
    auto loop = scf::ForOp::create(rewriter, loc, offset, limit, pieceValue,
                                   ValueRange{result});
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    Value iterArg = loop.getRegionIterArgs()[0];
    SmallVector<OpFoldResult> offsets, sizes;
    for (auto [d, range] : llvm::enumerate(domain)) {
      offsets.push_back(d == *dyn ? OpFoldResult(loop.getInductionVar())
                                  : range.offset);
      sizes.push_back(d == *dyn ? rewriter.getIndexAttr(piece) : range.size);
    }
    rewriter.modifyOpInPlace(op,
                             [&] { op.getDpsInitOperand(0)->set(iterArg); });
    FailureOr<TilingResult> tiled =
        tiling.getTiledImplementation(rewriter, offsets, sizes);
    SmallVector<OpFoldResult> resultOffsets, resultSizes;
    if (failed(tiled) || tiled->tiledValues.size() != 1 ||
        tiled->tiledOps.size() != 1 ||
        !isa<linalg::LinalgOp>(tiled->tiledOps[0]) ||
        failed(tiling.getResultTilePosition(rewriter, 0, offsets, sizes,
                                            resultOffsets, resultSizes))) {
      // Cannot happen for linalg ops; stay correct anyway: the op computes
      // the whole result after the pieces made so far.
      rewriter.eraseOp(loop);
      rewriter.modifyOpInPlace(op,
                               [&] { op.getDpsInitOperand(0)->set(result); });
      return success();
    }
    SmallVector<OpFoldResult> strides(resultOffsets.size(),
                                      rewriter.getIndexAttr(1));
    Value inserted = tensor::InsertSliceOp::create(
        rewriter, loc, tiled->tiledValues[0], iterArg, resultOffsets,
        resultSizes, strides);
    scf::YieldOp::create(rewriter, loc, inserted);
    dynamicPieces.push_back(cast<linalg::LinalgOp>(tiled->tiledOps[0]));
    result = loop.getResult(0);
    offset = limit;
  }
  rewriter.replaceOp(op, result);
  // Pieces still of run-time extent along another loop are split along it
  // in turn.
  for (linalg::LinalgOp piece : dynamicPieces) {
    if (!llvm::any_of(piece.getStaticLoopRanges(), ShapedType::isDynamic)) {
      pieces.push_back(piece);
      continue;
    }
    if (failed(splitIntoStaticPieces(rewriter, piece, bounds, pieces)))
      pieces.push_back(piece); // stays of run-time extent: still correct
  }
  return success();
}
