//===- Specialize.h - The opt-shape specialization of a model ---*- C++ -*-===//
//
// A model compiled with ranges whose user named an OPT size (MIN:OPT:MAX) is
// compiled twice: once with its dynamic dims (the general function, for any
// shape in the ranges) and once with every range pinned at its opt size (a
// static function, the code a pinned build gets). Both go into one module;
// the model ABI (lib/Target/ModelABI.cpp) calls the static one when the
// actual input dims are the opt dims. The weights both use are stored once
// (kiln-extract-weights merges identical ones).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_SPECIALIZE_H
#define KILN_PIPELINE_SPECIALIZE_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::kiln {

/// Moves everything `specialized` defines into `general` (both at the llvm
/// stage, before kiln-extract-weights): its model function becomes
/// kSpecializedFunctionName (@main_graph_opt), symbols whose names `general` already uses are renamed,
/// and external declarations `general` already has are dropped. Fails with
/// an error at the op that cannot be merged.
LogicalResult mergeSpecialization(ModuleOp general, ModuleOp specialized);

} // namespace mlir::kiln

#endif
