//===- KilnFoldBudget.h - How much work constant folding may do -*- C++ -*-===//
//
// Models can be untrusted: a three-node model (ConstantOfShape [10^6, 10^6],
// ReduceSum, Add) describes 10^12 elements in a few bytes. Everything that
// evaluates or materialises constants at compile time (the importer's
// shape folding, kiln-fold-constants, the dialect folders, the lowering of
// kiln.constant) keeps to this one budget, so that no small model makes
// the compiler work for long. Splats (one value standing for all elements)
// are exempt where they are handled analytically: a splat expanded stays a
// splat, the sum of a splat is its value times the count. What exceeds the
// budget is left to run time. The README's "Compiling untrusted models"
// section documents these numbers.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECTS_KILN_IR_KILNFOLDBUDGET_H
#define KILN_DIALECTS_KILN_IR_KILNFOLDBUDGET_H

#include <cstdint>

namespace mlir::kiln {

/// The most elements a folded (non-splat) constant may have, and the most a
/// splat constant may have and still be emitted as bytes: larger splats
/// that reach run time become fills (`linalg.fill`). 16 M elements.
inline constexpr int64_t kFoldMaxElements = int64_t(1) << 24;

/// The most element operations (reads, writes, arithmetic on one element)
/// folding one op may take: 64 M.
inline constexpr int64_t kFoldMaxWork = int64_t(1) << 26;

} // namespace mlir::kiln

#endif // KILN_DIALECTS_KILN_IR_KILNFOLDBUDGET_H
