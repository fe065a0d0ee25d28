//===- Passes.h - Kiln CPU code generation passes --------------*- C++ -*-===//
//
// Passes of the linalg, vector, bufferize and llvm stages (see Passes.td for
// what each does) and the pattern sets behind them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CODEGEN_PASSES_H
#define KILN_PASSES_CODEGEN_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <string>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::kiln {

#define GEN_PASS_DECL
#include "passes/Codegen/Passes.h.inc"

/// Rewrites `a * b + c` on float vectors into `vector.fma`.
void populateKilnVectorFmaPatterns(RewritePatternSet &patterns);

/// Rewrites non-contiguous `memref.copy` ops into `linalg.copy`.
void populateKilnLowerMemRefCopyPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "passes/Codegen/Passes.h.inc"

} // namespace mlir::kiln

#endif // KILN_PASSES_CODEGEN_PASSES_H
