//===- Passes.h - Kiln conversion passes ------------------------*- C++ -*-===//
//
// The kiln -> linalg lowering: its patterns as a library, the type converter
// that makes unsigned element types signless, and the pass.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CONVERSION_PASSES_H
#define KILN_PASSES_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>
#include <string>

namespace mlir::kiln {

#define GEN_PASS_DECL
#include "passes/Conversion/Passes.h.inc"

/// Converts kiln tensor types to what linalg/arith accept: unsigned integer
/// element types (ui8 ... ui64) become signless of the same width; every
/// other type is kept. The signedness lives on in the choice of arith ops.
class KilnToLinalgTypeConverter : public TypeConverter {
public:
  KilnToLinalgTypeConverter();
};

/// Adds the patterns that lower every kiln op to linalg/tensor/arith/math.
/// Results are typed with `typeConverter`; operands arrive converted.
void populateKilnToLinalgPatterns(const TypeConverter &typeConverter,
                                  RewritePatternSet &patterns);

/// Why `op` (a kiln op) cannot be lowered by populateKilnToLinalgPatterns,
/// or std::nullopt if it can. The patterns fail on the same conditions; the
/// pass (and the compile driver) use this to list every unsupported op at
/// once before any rewriting starts.
std::optional<std::string> getKilnToLinalgUnsupportedReason(Operation *op);

/// Emits an error at every kiln op under `root` that cannot be lowered;
/// fails if there was one.
LogicalResult checkKilnToLinalgSupport(Operation *root);

/// Generates registerKilnConversionPasses(), which registers
/// convert-kiln-to-linalg with the global pass registry.
#define GEN_PASS_REGISTRATION
#include "passes/Conversion/Passes.h.inc"

} // namespace mlir::kiln

#endif // KILN_PASSES_CONVERSION_PASSES_H
