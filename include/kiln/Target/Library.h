//===- Library.h - Static/shared library artifacts -------------*- C++ -*-===//
//
// --emit=lib writes DIR/libNAME.a (the model object plus the runtime's
// services) and DIR/NAME.h; --emit=shared writes DIR/libNAME.so and NAME.h.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_LIBRARY_H
#define KILN_TARGET_LIBRARY_H

#include "kiln/Target/ModelABI.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::kiln {

/// The C header declaring the API emitModelABI(withLibraryAPI) defines.
std::string generateHeader(const ModelSignature &signature,
                           llvm::StringRef prefix, uint64_t workspaceSize,
                           llvm::StringRef modelPath, bool hasWeights = false,
                           bool weightsInFile = false);

/// Writes `text` to `path`.
llvm::Error writeTextFile(llvm::StringRef path, llvm::StringRef text);

/// Writes a static archive holding the model object (as NAME.o) and every
/// member of the runtime's libkiln_runtime.a in `runtimeDir`.
llvm::Error writeModelArchive(llvm::ArrayRef<std::string> objectPaths,
                              llvm::StringRef runtimeDir,
                              llvm::StringRef prefix,
                              llvm::StringRef outputPath);

} // namespace mlir::kiln

#endif
