//===- StaticPieces.h - Tiles of run-time extent as static pieces -*- C++ -*-===//
//
// A tile of run-time extent (the remainder of a loop peeled over a dynamic
// dimension) computed as a chain of static tiles: along each dynamic
// parallel loop, the powers of two below that loop's bound, each in an
// scf.for of at most one iteration (a remainder of 7: 4 + 2 + 1). Every
// piece then tiles and vectorizes like any static tile, with its
// accumulators in registers across its own reduction loops.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CODEGEN_STATICPIECES_H
#define KILN_PASSES_CODEGEN_STATICPIECES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/LLVM.h"

namespace mlir::kiln {

/// Rewrites `op` (one result; its dynamic loops parallel and indexing its
/// output, loop `d` at most `bounds[d]` iterations) into static pieces and
/// appends them to `pieces`. Fails, leaving `op` unchanged, when it does not
/// qualify.
LogicalResult splitIntoStaticPieces(RewriterBase &rewriter,
                                    linalg::LinalgOp op,
                                    ArrayRef<int64_t> bounds,
                                    SmallVectorImpl<linalg::LinalgOp> &pieces);

} // namespace mlir::kiln

#endif // KILN_PASSES_CODEGEN_STATICPIECES_H
