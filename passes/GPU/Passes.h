//===- Passes.h - Kiln GPU code generation passes --------------*- C++ -*-===//
//
// Passes of the GPU (--target=cuda) stages; see Passes.td.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_GPU_PASSES_H
#define KILN_PASSES_GPU_PASSES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <string>

namespace mlir::kiln {

#define GEN_PASS_DECL
#include "passes/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/GPU/Passes.h.inc"

} // namespace mlir::kiln

#endif // KILN_PASSES_GPU_PASSES_H
