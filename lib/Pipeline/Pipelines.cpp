//===- Pipelines.cpp - Kiln's named compilation pipelines -----------------===//
//
// The passes of each stage (see kiln/Pipeline/Pipelines.h) and their
// registration as model-opt pipelines. The CPU stages follow the measured
// recipe in shared/reference (tile, vectorize and hoist on tensors,
// bufferize, lower vectors progressively).
//
//===----------------------------------------------------------------------===//
#include "kiln/Pipeline/Pipelines.h"
#include "kiln/Pipeline/GpuPipeline.h"

#include "passes/Codegen/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace mlir::kiln {

ArrayRef<StringRef> stageNames() {
  static const StringRef names[] = {"import", "graph",     "linalg",
                                    "vector", "bufferize", "llvm"};
  return names;
}

std::optional<Stage> parseStage(StringRef name) {
  static const Stage stages[] = {Stage::Import, Stage::Graph,
                                 Stage::Linalg, Stage::Vector,
                                 Stage::Bufferize, Stage::LLVM};
  for (auto [stageName, stage] : llvm::zip(stageNames(), stages))
    if (stageName == name)
      return stage;
  return std::nullopt;
}

void addCleanupPasses(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

static void addGraphPasses(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createKilnFoldConstants());
  pm.addPass(createKilnFoldBatchNorm());
  pm.addPass(createKilnSimplifyLayout());
  pm.addPass(createKilnFoldConstants());
  addCleanupPasses(pm);
}

static void addLinalgPasses(OpPassManager &pm, const PipelineOptions &options) {
  pm.addPass(createConvertKilnToLinalg());
  pm.addPass(createCanonicalizerPass());
  // Always: linalg.softmax and tensor.concat cannot be bufferized or lowered
  // to loops as they are.
  pm.addPass(createKilnDecomposeAggregates());
  if (options.optLevel > 0) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createKilnFuseElementwise());
  }
  addCleanupPasses(pm);
}

static void addVectorPasses(OpPassManager &pm, const PipelineOptions &options) {
  // -O0 keeps whole ops; they become scalar loops (the correctness
  // reference for the vectorized code).
  if (options.optLevel == 0)
    return;
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  KilnCpuPackMatmulWeightsOptions packOptions;
  packOptions.vectorBits = options.vectorBits;
  fpm.addPass(createKilnCpuPackMatmulWeights(packOptions));
  KilnCpuBlockConvChannelsOptions blockConvOptions;
  blockConvOptions.vectorBits = options.vectorBits;
  blockConvOptions.vectorRegisters = options.vectorRegisters;
  fpm.addPass(createKilnCpuBlockConvChannels(blockConvOptions));
  KilnCpuTileAndFuseOptions tileOptions;
  tileOptions.vectorBits = options.vectorBits;
  tileOptions.vectorRegisters = options.vectorRegisters;
  tileOptions.numThreads = options.numThreads;
  fpm.addPass(createKilnCpuTileAndFuse(tileOptions));
  KilnCpuVectorizeOptions vectorizeOptions;
  vectorizeOptions.vectorBits = options.vectorBits;
  fpm.addPass(createKilnCpuVectorize(vectorizeOptions));
  addCleanupPasses(fpm);
}

void addOneShotBufferizePasses(OpPassManager &pm) {
  // While results are still tensors: the largest size of each output of a
  // model with input ranges (kiln.output_upper_bounds, read by the ABI).
  pm.addPass(createKilnRecordOutputUpperBounds());
  // Values inserted into a bigger tensor and read again later are read back
  // from it (no copy out of a padded buffer and back).
  pm.nest<func::FuncOp>().addPass(createKilnReadInsertedSlices());
  // tensor.empty destinations of ops whose result is inserted into a bigger
  // tensor become slices of it, so the op writes in place.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  // Self-copies of in-place insert_slices only vanish after canonicalize ->
  // cse -> canonicalize (shared/NOTES-codegen.md, pitfall 3); the loops'
  // memref iter_args fold away too, so the function returns its allocs
  // directly and buffer-results-to-out-params can replace them by the
  // out-params instead of copying.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::BufferResultsToOutParamsPassOptions outParamOptions;
  outParamOptions.hoistStaticAllocs = true;
  // Also a dynamically shaped result (a model with input ranges): computed
  // in the out-param, which the caller shapes like the actual output.
  outParamOptions.hoistDynamicAllocs = true;
  outParamOptions.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParamOptions));
  // Buffers that fused epilogues left write-only (after the results became
  // out-params, so no returned buffer looks unused).
  pm.nest<func::FuncOp>().addPass(createKilnEraseWriteOnlyBuffers());
  addCleanupPasses(pm);
}

static void addBufferizePasses(OpPassManager &pm) {
  addOneShotBufferizePasses(pm);
  pm.nest<func::FuncOp>().addPass(bufferization::createBufferLoopHoistingPass());
  // No heap at run time: intermediates get offsets in the caller's workspace
  // (a trailing argument of the model function) instead of malloc/free.
  pm.addPass(createKilnPlanWorkspace());
  addCleanupPasses(pm);
}

static void addLLVMPasses(OpPassManager &pm, const PipelineOptions &options) {
  // A model compiled with dimension ranges: dynamic memref arguments become
  // flat buffers and the run-time input dims one more argument, which the
  // bare-pointer calling convention below can pass.
  pm.addPass(createKilnLowerDynamicArguments());
  // Parallel loops first: their bodies are outlined into functions that go
  // through the same lowering as everything else.
  pm.addPass(createKilnLowerForallToRuntime());
  pm.nest<func::FuncOp>().addPass(createKilnLegalizeEmptyArguments());
  pm.addPass(createKilnFlattenConstantGlobals());
  pm.addPass(createKilnCpuLowerVectors());
  pm.addPass(createKilnLowerMemRefCopy());
  pm.addPass(createConvertLinalgToLoopsPass());
  // Integer powers have no LLVM intrinsic: generated helper functions.
  pm.addPass(createConvertMathToFuncs());
  // Private helpers may take dynamically
  // shaped memrefs, which the bare-pointer calling convention cannot pass.
  pm.addPass(createInlinerPass());
  addCleanupPasses(pm);
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Math before vectors: libm calls for vector operands are made per lane
  // with vector.extract / vector.from_elements.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.reassociateFPReductions = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanupPasses(pm);
  // Weights leave the code: one blob behind a base pointer (the driver
  // places it in the artifact or a weights file).
  if (options.extractWeights)
    pm.addPass(createKilnExtractWeights());
  pm.addPass(createKilnVerifyLLVMContract());
}

void addStagePasses(OpPassManager &pm, Stage stage,
                    const PipelineOptions &options) {
  switch (stage) {
  case Stage::Import:
    return;
  case Stage::Graph:
    return addGraphPasses(pm);
  case Stage::Linalg:
    return addLinalgPasses(pm, options);
  case Stage::Vector:
    return addVectorPasses(pm, options);
  case Stage::Bufferize:
    return addBufferizePasses(pm);
  case Stage::LLVM:
    return addLLVMPasses(pm, options);
  }
}

void registerPipelines() {
  registerGpuPipelines();
  static const StagePipelineInfo pipelines[] = {
      {"kiln-graph-pipeline",
       "Graph-level clean-ups on the kiln dialect (fold constants and "
       "BatchNorm, simplify layout)",
       Stage::Graph},
      {"kiln-linalg-pipeline",
       "Lower kiln to linalg on tensors and fuse elementwise ops",
       Stage::Linalg},
      {"kiln-cpu-vector-pipeline",
       "Tile (threads, cache, registers) and vectorize linalg ops on tensors",
       Stage::Vector},
      {"kiln-cpu-bufferize-pipeline",
       "One-shot bufferization, results as out-params, intermediates in "
       "the workspace",
       Stage::Bufferize},
      {"kiln-cpu-llvm-pipeline",
       "Lower bufferized code to the llvm dialect (bare-pointer model "
       "function, parallel loops through kiln_parallel_for)",
       Stage::LLVM},
  };
  registerStagePipelines<PipelineOptions>(pipelines, addStagePasses);
  PassPipelineRegistration<PipelineOptions>(
      "kiln-cpu-pipeline",
      "The whole CPU flow: kiln dialect (as imported) to the llvm dialect",
      [](OpPassManager &pm, const PipelineOptions &options) {
        for (StringRef name : stageNames().drop_front())
          addStagePasses(pm, *parseStage(name), options);
      });
}

} // namespace mlir::kiln
