//===- Passes.h - Kiln graph-level transforms ------------------*- C++ -*-===//
//
// Graph-level passes on the kiln dialect and the pattern sets behind them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_TRANSFORMS_PASSES_H
#define KILN_PASSES_TRANSFORMS_PASSES_H

#include "dialects/Kiln/IR/KilnDialect.h"
#include "dialects/Kiln/IR/KilnFoldBudget.h"
#include "mlir/Pass/Pass.h"

#include <cstdint>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::kiln {

#define GEN_PASS_DECL
#include "passes/Transforms/Passes.h.inc"

/// Patterns that replace kiln ops with all-constant operands by constants;
/// ops whose non-splat result or operands exceed `maxElements` elements, or
/// whose evaluation exceeds kFoldMaxWork element operations, are skipped.
void populateKilnFoldConstantsPatterns(
    RewritePatternSet &patterns, int64_t maxElements = kFoldMaxElements);

/// Patterns folding batch_norm with constant parameters into a preceding
/// conv, or into a mul + add with per-channel constants.
void populateKilnFoldBatchNormPatterns(RewritePatternSet &patterns);

/// Transpose/reshape clean-ups (see kiln-simplify-layout).
void populateKilnSimplifyLayoutPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Transforms/Passes.h.inc"

} // namespace mlir::kiln

#endif // KILN_PASSES_TRANSFORMS_PASSES_H
