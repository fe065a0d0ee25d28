//===- ReadInsertedSlices.cpp - Read values back from their insert --------===//
//
// kiln-read-inserted-slices: a value written into a bigger tensor by
// tensor.insert_slice (an activation stored into the interior of its padded
// copy) and read again later (a residual connection) is read back from the
// insert's result instead. One-shot bufferization then sees no read of the
// value after the insert wrote its buffer, and writes the producer in place
// instead of copying the interior out and back. Canonicalization folds the
// read-back away again, so this runs right before bufferization.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNREADINSERTEDSLICES
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnReadInsertedSlicesPass
    : public kiln::impl::KilnReadInsertedSlicesBase<
          KilnReadInsertedSlicesPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<tensor::InsertSliceOp> inserts;
    getOperation().walk(
        [&](tensor::InsertSliceOp op) { inserts.push_back(op); });
    for (tensor::InsertSliceOp insert : inserts) {
      Value source = insert.getSource();
      Block *block = insert->getBlock();
      Value readBack;
      for (OpOperand &use : llvm::make_early_inc_range(source.getUses())) {
        Operation *user = block->findAncestorOpInBlock(*use.getOwner());
        if (!user || user == insert || !insert->isBeforeInBlock(user))
          continue;
        if (!readBack) {
          rewriter.setInsertionPointAfter(insert);
          readBack = tensor::ExtractSliceOp::create(
              rewriter, insert.getLoc(), insert.getSourceType(),
              insert.getResult(), insert.getMixedOffsets(),
              insert.getMixedSizes(), insert.getMixedStrides());
        }
        rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(readBack); });
      }
    }
  }
};
} // namespace
