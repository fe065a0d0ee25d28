//===- EraseWriteOnlyBuffers.cpp - Drop buffers nothing reads -------------===//
//
// kiln-erase-write-only-buffers: a local allocation that is only ever
// written (through views) is dead, and so are the writes. Bufferization
// leaves such buffers behind when a fused epilogue consumed the tile of a
// contraction or convolution from registers: the producer's own result is
// still stored, into a buffer no one reads.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNERASEWRITEONLYBUFFERS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Collects into `writes` the ops that use `buffer` (or a view of it) and
/// returns true when every use is a view or a write that reads nothing
/// of it. Any other use (a read, a call, a return, an op not known here)
/// keeps the buffer.
static bool collectWriteOnlyUses(Value buffer,
                                 SmallVectorImpl<Operation *> &writes) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    bool isView = isa<memref::SubViewOp, memref::ExpandShapeOp,
                      memref::CollapseShapeOp, memref::CastOp,
                      memref::ReinterpretCastOp>(user);
    if (isView) {
      if (!collectWriteOnlyUses(user->getResult(0), writes))
        return false;
      writes.push_back(user);
      continue;
    }
    bool isWrite = false;
    if (auto write = dyn_cast<vector::TransferWriteOp>(user)) {
      isWrite = &use == &write.getBaseMutable() && !write.getMask();
      // The masked write of a remainder tile of run-time extent: the
      // vector.mask around it goes with it.
      if (auto mask = dyn_cast<vector::MaskOp>(user->getParentOp())) {
        if (!isWrite || mask->getNumResults() != 0)
          return false;
        writes.push_back(mask);
        continue;
      }
    }
    else if (auto store = dyn_cast<vector::StoreOp>(user))
      isWrite = &use == &store.getBaseMutable();
    else if (auto store = dyn_cast<memref::StoreOp>(user))
      isWrite = &use == &store.getMemrefMutable();
    else if (auto copy = dyn_cast<memref::CopyOp>(user))
      isWrite = &use == &copy.getTargetMutable();
    else if (auto fill = dyn_cast<linalg::FillOp>(user))
      isWrite = fill.isDpsInit(&use);
    else
      isWrite = isa<memref::DeallocOp>(user);
    if (!isWrite)
      return false;
    writes.push_back(user);
  }
  return true;
}

struct KilnEraseWriteOnlyBuffersPass
    : public kiln::impl::KilnEraseWriteOnlyBuffersBase<
          KilnEraseWriteOnlyBuffersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> dead;
    getOperation()->walk([&](Operation *op) {
      if (!isa<memref::AllocOp, memref::AllocaOp>(op))
        return;
      SmallVector<Operation *> writes;
      if (!collectWriteOnlyUses(op->getResult(0), writes))
        return;
      // Users before the views they use, the allocation last.
      llvm::append_range(dead, writes);
      dead.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (Operation *op : dead)
      rewriter.eraseOp(op);
  }
};
} // namespace
