//===- CompileDriver.h - model-compile's compile flow ----------*- C++ -*-===//
//
// ONNX file -> import -> stage pipelines -> LLVM IR -> object -> artifact.
// model-compile is a thin command-line front end over compileModel().
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_COMPILEDRIVER_H
#define KILN_PIPELINE_COMPILEDRIVER_H

#include "kiln/Frontend/Onnx/OnnxImporter.h"
#include "kiln/Pipeline/Pipelines.h"

#include <optional>
#include <string>

namespace mlir::kiln {

enum class EmitKind { Exe, Obj, Lib, Shared, MLIR, LLVMIR, Weights };

/// Where the weights go (--weights): inside the artifact, in a weights file
/// next to it, or by size (kAutoEmbedLimit).
enum class WeightsPlacement { Auto, Embed, File };

/// --weights=auto embeds weights below this many bytes, writes a file above.
inline constexpr uint64_t kAutoEmbedLimit = 1ull << 30;

struct CompileOptions {
  std::string inputPath;
  std::string outputPath; // empty: derived from the input (or stdout for text)
  EmitKind emit = EmitKind::Exe;
  std::string target = "cpu";      // cpu or cuda
  std::string gpuArch = "sm_90";   // --target=cuda: cubin architecture
  std::string gpuPrecision = "fp32";
  std::string cudaPath;            // empty: KILN_CUDA_PATH or /usr/local/cuda
  std::string mcpu;    // empty: native for the host, generic when cross
  std::string mtriple; // empty: the host
  unsigned optLevel = 2;
  std::optional<Stage> stopAfter; // with EmitKind::MLIR
  std::string name;               // symbol prefix; empty: from the output name
  bool printLocations = false;    // --emit=mlir with locations
  bool elideWeights = true;       // --emit=mlir without the weight blobs
  bool reportWorkspace = false;   // print the memory plan's sizes
  bool timing = false;            // print the wall time of each step
  uint64_t stringArena = 1 << 20; // bytes for strings made at run time
  WeightsPlacement weights = WeightsPlacement::Auto;
  /// A range with an OPT size (MIN:OPT:MAX) also compiles the model at the
  /// opt shape, which runs when the input dims are the opt dims
  /// (kiln/Pipeline/Specialize.h).
  bool specializeOpt = true;
  OnnxImportOptions import;
};

/// Runs the whole flow; errors go to stderr as
/// `error: <file>: <node> (<op type>): <reason>`. Returns the process exit
/// status (0 or 1). `argv0` locates the runtime libraries.
int compileModel(const CompileOptions &options, const char *argv0);

} // namespace mlir::kiln

#endif
