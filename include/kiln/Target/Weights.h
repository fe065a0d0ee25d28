//===- Weights.h - The model's weights blob: table, file, object -*- C++ -*-===//
//
// After kiln-extract-weights the weights are one blob outside the code (the
// `kiln.weights` module attribute lists them). This is the one place that
// lays that blob out and writes it, in the format of
// include/kiln/weights_format.h:
//   - as a weights file (--weights=file, --emit=weights), or
//   - as the single data section of an ELF object linked next to the code
//     (--weights=embed), in large-data sections on x86-64 so that no 32-bit
//     relocation limit applies.
// Both stream the bytes from the compiler's resource blobs; no weight is
// copied into LLVM IR.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_WEIGHTS_H
#define KILN_TARGET_WEIGHTS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"
#include "llvm/TargetParser/Triple.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mlir::kiln {

struct WeightTensor {
  std::string name;
  int32_t dtype; // enum kiln_dtype
  std::vector<int64_t> shape;
  uint64_t offset; // from the start of the data
  uint64_t size;   // bytes
  ElementsAttr value;
};

struct WeightTable {
  std::vector<WeightTensor> tensors;
  std::array<uint8_t, 32> fingerprint{};
  /// What the code was compiled for (target, CPU, options, Kiln version).
  std::string description;
  uint64_t dataSize = 0;   // multiple of 64
  uint64_t dataOffset = 0; // header + table, rounded up to 4096
  uint64_t fileSize() const { return dataOffset + dataSize; }
};

/// Takes the weights that kiln-extract-weights listed (and removes the
/// `kiln.weights` attribute). Fails with an error at the module when the
/// list is malformed. A module without the attribute (the CUDA flow) gives
/// std::nullopt.
FailureOr<std::optional<WeightTable>> takeWeightTable(ModuleOp module);

/// Sets the fingerprint of `table`: SHA-256 of `module` printed (the code,
/// without the weights), of the table and of `description`, which it also
/// stores. Lays out the header (dataOffset).
void finalizeWeightTable(WeightTable &table, ModuleOp module,
                         llvm::StringRef description);

/// Writes the weights file (include/kiln/weights_format.h) to `path`.
llvm::Error writeWeightsFile(const WeightTable &table, llvm::StringRef path);

/// Writes an ELF relocatable object for `triple` whose one data section holds
/// the weights file image under the hidden global symbol `symbol` (section
/// alignment 4096). Fails for targets that cannot hold weights this way
/// (not ELF, or over 2 GiB outside x86-64), naming --weights=file.
llvm::Error writeWeightsObject(const WeightTable &table,
                               const llvm::Triple &triple,
                               llvm::StringRef symbol, llvm::StringRef path);

/// Human-readable byte count: "312.5 MiB".
std::string formatBytes(uint64_t bytes);

} // namespace mlir::kiln

#endif
