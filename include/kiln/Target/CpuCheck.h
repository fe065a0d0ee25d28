//===- CpuCheck.h - The CPU features a compiled model needs ----*- C++ -*-===//
//
// Code compiled for a CPU (--mcpu; by default the build machine's) may use
// every instruction set extension that CPU has. The artifact records them
// (a kiln_cpu_requirements of include/kiln/runtime.h, from the table of
// include/kiln/cpu_features.def) and checks them against the running CPU
// before any code compiled for them runs:
//   - <prefix>_run and <prefix>_run_dims return KILN_ERROR_CPU (with the
//     message from <prefix>_error_message) on a CPU that lacks one;
//   - executables check at start-up (runtime/main.c, kiln_model_info.cpu);
//   - <prefix>_cpu_supported() asks without running anything.
// Every function the artifact exports, and its static constructors, are
// compiled for the architecture's baseline (x86-64, AArch64 generic), so
// nothing that runs before the check needs the features.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_CPUCHECK_H
#define KILN_TARGET_CPUCHECK_H

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::kiln {

struct CpuRequirements {
  std::string cpu;                   // the CPU compiled for, e.g. "znver3"
  int32_t arch = 0;                  // enum kiln_cpu_arch
  std::vector<std::string> features; // LLVM names, in the table's order
};

/// The features of cpu_features.def that `tm` has (none for architectures
/// the runtime cannot check).
CpuRequirements getCpuRequirements(const llvm::TargetMachine &tm);

/// Adds the CPU check to a module that emitModelABI completed: the
/// requirements (in the kiln_model_info `infoSymbol`), the check in front
/// of <prefix>_run/_run_dims and, with `withLibraryAPI`, the KILN_ERROR_CPU
/// message in <prefix>_error_message and <prefix>_cpu_supported(); compiles
/// the exported functions and static constructors for the baseline.
/// Messages name the artifact: "this executable" (`withLibraryAPI` false) or
/// "model '<prefix>'".
llvm::Error emitCpuCheck(llvm::Module &module, const llvm::TargetMachine &tm,
                         llvm::StringRef prefix, llvm::StringRef infoSymbol,
                         bool withLibraryAPI);

/// Whether --mcpu=`mcpu` (empty: the default) means the build machine's CPU
/// for `tm`'s target.
bool usesNativeCpu(llvm::StringRef mcpu, const llvm::TargetMachine &tm);

/// The note for a library compiled for the build machine's CPU: what it
/// needs and how to compile for others.
std::string nativeCpuNote(const llvm::TargetMachine &tm,
                          llvm::StringRef prefix);

} // namespace mlir::kiln

#endif
