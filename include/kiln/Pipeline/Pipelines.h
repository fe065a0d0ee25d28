//===- Pipelines.h - Kiln's named compilation pipelines --------*- C++ -*-===//
//
// The compile flow is a sequence of stages; each stage is a pass pipeline
// that is also registered by name for model-opt, so every stage can be run
// and tested in isolation:
//
//   import     kiln dialect as produced by the ONNX importer (no passes)
//   graph      kiln-graph-pipeline: canonicalize, fold constants, fold
//              BatchNorm into Conv, simplify transposes/reshapes, CSE
//   linalg     kiln-linalg-pipeline: kiln -> linalg/tensor/arith/math on
//              tensors, elementwise fusion
//   vector     kiln-cpu-vector-pipeline: tile (threads -> cache ->
//              registers) and vectorize, still on tensors
//   bufferize  kiln-cpu-bufferize-pipeline: one-shot bufferization, results
//              turned into out-params, intermediates planned into one
//              workspace (kiln-plan-workspace)
//   llvm       kiln-cpu-llvm-pipeline: everything lowered to the llvm dialect
//
// Contract of the last stage: the model function (the importer's
// @main_graph) is an llvm.func taking one bare pointer per input, then one
// per output (dense, row-major, static shapes), then the workspace pointer
// (64-byte aligned, `kiln.workspace_size` bytes, a module attribute),
// returning nothing; it never allocates.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_PIPELINES_H
#define KILN_PIPELINE_PIPELINES_H

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace mlir::kiln {

enum class Stage { Import, Graph, Linalg, Vector, Bufferize, LLVM };

/// Stage names in pipeline order, as accepted by --stop-after.
llvm::ArrayRef<llvm::StringRef> stageNames();
std::optional<Stage> parseStage(llvm::StringRef name);

/// Options shared by the pipelines (also their registered pass options).
struct PipelineOptions : public PassPipelineOptions<PipelineOptions> {
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Optimization level 0-3"),
                            llvm::cl::init(2)};
  Option<unsigned> vectorBits{
      *this, "vector-bits",
      llvm::cl::desc("Native SIMD register width in bits (128/256/512)"),
      llvm::cl::init(256)};
  Option<unsigned> vectorRegisters{
      *this, "vector-registers",
      llvm::cl::desc("Vector registers of the target (16 on x86 without "
                     "AVX-512, 32 with it and on AArch64)"),
      llvm::cl::init(32)};
  Option<unsigned> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Parallel chunks the outer loops are split into"),
      llvm::cl::init(2)};
  /// The llvm stage ends with kiln-extract-weights. The compile driver
  /// turns it off to merge the opt-shape specialization in first (the
  /// weights of both functions then become one blob).
  bool extractWeights = true;
};

/// Appends the passes of `stage` (which turn the IR of the previous stage
/// into the IR of this stage) to `pm`. Import adds nothing.
void addStagePasses(OpPassManager &pm, Stage stage,
                    const PipelineOptions &options);

/// Canonicalize + CSE, the cleanup after each step.
void addCleanupPasses(OpPassManager &pm);

/// Tensors -> buffers, shared by the CPU and GPU pipelines: empty-tensor
/// elimination, one-shot bufferization across function boundaries with
/// identity layouts, then the model's results become out-params (allocs
/// hoisted so they are replaced, not copied).
void addOneShotBufferizePasses(OpPassManager &pm);

/// Registers the named pipelines (kiln-graph-pipeline, ...) with the pass
/// registry.
void registerPipelines();

/// A stage pipeline registered by name for model-opt.
struct StagePipelineInfo {
  const char *name;
  const char *description;
  Stage stage;
};

/// Registers each of `pipelines` under its name, built by
/// `addPasses(pm, stage, options)` (the CPU and the GPU flow each have their
/// own options and passes).
template <typename OptionsT>
void registerStagePipelines(
    llvm::ArrayRef<StagePipelineInfo> pipelines,
    void (*addPasses)(OpPassManager &, Stage, const OptionsT &)) {
  for (const StagePipelineInfo &info : pipelines) {
    Stage stage = info.stage;
    PassPipelineRegistration<OptionsT>(
        info.name, info.description,
        [stage, addPasses](OpPassManager &pm, const OptionsT &options) {
          addPasses(pm, stage, options);
        });
  }
}

} // namespace mlir::kiln

#endif
