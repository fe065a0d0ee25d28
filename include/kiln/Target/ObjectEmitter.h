//===- ObjectEmitter.h - LLVM IR -> optimized object code ------*- C++ -*-===//
#ifndef KILN_TARGET_OBJECTEMITTER_H
#define KILN_TARGET_OBJECTEMITTER_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

namespace mlir::kiln {

/// Sets the module's triple and data layout from `tm` and runs LLVM's
/// standard optimization pipeline for `optLevel` (0-3).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm,
                    unsigned optLevel);

/// Writes `module` as a relocatable object file to `path`.
llvm::Error emitObjectFile(llvm::Module &module, llvm::TargetMachine &tm,
                           llvm::StringRef path);

} // namespace mlir::kiln

#endif
