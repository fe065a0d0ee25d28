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
  // The pieces are disjoint along a parallel output dimension: each reads
  // its init slice from the result of the previous ones (so bufferization
  // keeps one buffer) and is inserted into it.
  SmallVector<linalg::LinalgOp> dynamicPieces;
  bool whole = false;
  for (int64_t piece = static_cast<int64_t>(llvm::bit_floor(
           static_cast<uint64_t>(bounds[*dyn])));
       piece >= 1; piece /= 2) {
    Value pieceValue = arith::ConstantIndexOp::create(rewriter, loc, piece);
    Value left = arith::SubIOp::create(rewriter, loc, size, offset);
    Value cond = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                       left, pieceValue);
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{result.getType()},
                                  cond, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&ifOp.getThenRegion().front());
      SmallVector<OpFoldResult> offsets, sizes;
      for (auto [d, range] : llvm::enumerate(domain)) {
        offsets.push_back(d == *dyn ? OpFoldResult(offset) : range.offset);
        sizes.push_back(d == *dyn ? rewriter.getIndexAttr(piece) : range.size);
      }
      rewriter.modifyOpInPlace(op,
                               [&] { op.getDpsInitOperand(0)->set(result); });
      FailureOr<TilingResult> tiled =
          tiling.getTiledImplementation(rewriter, offsets, sizes);
      SmallVector<OpFoldResult> resultOffsets, resultSizes;
      Value inserted;
      whole = false;
      if (succeeded(tiled) && tiled->tiledValues.size() == 1 &&
          tiled->tiledOps.size() == 1 &&
          isa<linalg::LinalgOp>(tiled->tiledOps[0]) &&
          succeeded(tiling.getResultTilePosition(rewriter, 0, offsets, sizes,
                                                 resultOffsets, resultSizes))) {
        SmallVector<OpFoldResult> strides(resultOffsets.size(),
                                          rewriter.getIndexAttr(1));
        inserted = tensor::InsertSliceOp::create(
            rewriter, loc, tiled->tiledValues[0], result, resultOffsets,
            resultSizes, strides);
        dynamicPieces.push_back(cast<linalg::LinalgOp>(tiled->tiledOps[0]));
      } else {
        // Cannot happen for linalg ops; stay correct anyway: the whole op,
        // once, and no piece after it.
        inserted = rewriter.clone(*op)->getResult(0);
        whole = true;
      }
      scf::YieldOp::create(rewriter, loc, inserted);
      rewriter.setInsertionPointToStart(&ifOp.getElseRegion().front());
      scf::YieldOp::create(rewriter, loc, result);
    }
    result = ifOp.getResult(0);
    offset = arith::SelectOp::create(
        rewriter, loc, cond,
        whole ? size
              : arith::AddIOp::create(rewriter, loc, offset, pieceValue)
                    .getResult(),
        offset);
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
