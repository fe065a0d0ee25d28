//===- TargetMachine.h - Host/cross CPU target description -----*- C++ -*-===//
//
// Creates the llvm::TargetMachine for --mtriple/--mcpu and derives what the
// codegen pipelines need to know about the CPU (SIMD width).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_TARGETMACHINE_H
#define KILN_TARGET_TARGETMACHINE_H

#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>

namespace mlir::kiln {

struct CpuTargetOptions {
  std::string triple; // empty: the host
  std::string cpu;      // empty: native for the host, generic otherwise
  std::string features; // extra "+avx2,-avx512f" style features
  unsigned optLevel = 2;
};

/// Builds a PIC TargetMachine; errors name the bad triple or CPU.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createCpuTargetMachine(const CpuTargetOptions &options);

/// Widest SIMD register the target's features enable, in bits (>= 128).
unsigned getNativeVectorBits(const llvm::TargetMachine &tm);

/// Vector registers of `tm`'s target: 32 with AVX-512 and on AArch64, 16 on
/// other x86 targets (AVX2, SSE).
unsigned getNativeVectorRegisters(const llvm::TargetMachine &tm);

} // namespace mlir::kiln

#endif
