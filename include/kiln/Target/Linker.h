//===- Linker.h - Link model objects with the Kiln runtime -----*- C++ -*-===//
#ifndef KILN_TARGET_LINKER_H
#define KILN_TARGET_LINKER_H

#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

#include <string>

namespace mlir::kiln {

/// Where the runtime archives for `triple` live, next to the compiler:
/// <prefix>/lib/libkiln_runtime.a (host) or <prefix>/lib/<triple>/... .
/// `argv0` locates the running model-compile.
llvm::Expected<std::string> findRuntimeDir(const char *argv0,
                                           const llvm::Triple &triple);

/// The device layer an executable links behind the mgpu* entry points.
enum class DeviceRuntime {
  None,         // CPU
  Cuda,         // runtime/cuda/cuda_runtime.c: the CUDA driver (dlopen)
  CudaEmulation // runtime/cuda/cuda_emu.c: --target=cuda-emu
};

/// Links `objectPath` with the runtime's main and services into the
/// standalone executable `outputPath` (libc, libm and libpthread only;
/// with DeviceRuntime::Cuda, also the CUDA runtime layer and libdl, which
/// loads the driver at run time; with CudaEmulation, the GPU emulation).
llvm::Error linkExecutable(llvm::ArrayRef<std::string> objectPaths,
                           llvm::StringRef runtimeDir,
                           const llvm::Triple &triple,
                           llvm::StringRef outputPath,
                           DeviceRuntime device = DeviceRuntime::None);

/// Links the model object and the runtime's services into a shared library
/// that exports only the `prefix`_ API.
llvm::Error linkSharedLibrary(llvm::ArrayRef<std::string> objectPaths,
                              llvm::StringRef runtimeDir,
                              const llvm::Triple &triple,
                              llvm::StringRef prefix,
                              llvm::StringRef outputPath);

/// Combines relocatable objects into one (`ld -r`): --emit=obj with the
/// weights object of --weights=embed.
llvm::Error linkRelocatable(llvm::ArrayRef<std::string> objectPaths,
                            const llvm::Triple &triple,
                            llvm::StringRef outputPath);

} // namespace mlir::kiln

#endif
