//===- GpuPipeline.cpp - Kiln's CUDA compilation pipeline -----------------===//
//
// The passes of the CUDA stages (see kiln/Pipeline/GpuPipeline.h) and their
// registration as model-opt pipelines.
//
//===----------------------------------------------------------------------===//
#include "kiln/Pipeline/GpuPipeline.h"
#include "kiln/Pipeline/Pipelines.h"

#include "passes/Codegen/Passes.h"
#include "passes/GPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

using namespace mlir;

namespace mlir::kiln {

static void addDistributePasses(OpPassManager &pm,
                                const GpuPipelineOptions &options) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  fpm.addPass(createKilnGpuConvToGemm());
  KilnGpuTileAndDistributeOptions tileOptions;
  tileOptions.precision = options.precision;
  fpm.addPass(createKilnGpuTileAndDistribute(tileOptions));
  addCleanupPasses(fpm);
}

static void addBufferizePasses(OpPassManager &pm) {
  addOneShotBufferizePasses(pm);
  pm.nest<func::FuncOp>().addPass(createKilnGpuContractionKernel());
  pm.nest<func::FuncOp>().addPass(createKilnGpuMapForallToLaunch());
  addCleanupPasses(pm);
  // Device memory: I/O copies and weights, then one planned workspace that
  // lives on the device.
  pm.addPass(createKilnGpuDeviceBuffers());
  pm.addPass(createKilnPlanWorkspace());
  KilnGpuDeviceBuffersOptions workspaceOptions;
  workspaceOptions.workspace = true;
  pm.addPass(createKilnGpuDeviceBuffers(workspaceOptions));
  addCleanupPasses(pm);
}

// Host: one stream per model call, mgpu* calls; the model function keeps
// the bare-pointer ABI of the CPU target.
static void addHostLLVMPasses(OpPassManager &pm) {
  pm.nest<func::FuncOp>().addPass(createGpuAsyncRegionPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  GpuToLLVMConversionPassOptions hostOptions;
  hostOptions.hostBarePtrCallConv = true;
  hostOptions.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(hostOptions));
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  addCleanupPasses(pm);
}

static void addLLVMPasses(OpPassManager &pm,
                          const GpuPipelineOptions &options) {
  // Kernel bodies: structured ops to loops, views to plain address math.
  pm.addPass(createKilnLowerMemRefCopy());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  addCleanupPasses(pm);
  // Constants and index math into the kernels (not kernel arguments).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());

  if (options.emulate) {
    // Emulation: the kernels become host functions; their math goes
    // through the host's lowering (libm where LLVM has no intrinsic).
    KilnGpuEmulateKernelsOptions emulateOptions;
    emulateOptions.symbolPrefix = options.symbolPrefix;
    pm.addPass(createKilnGpuEmulateKernels(emulateOptions));
    // bf16 conversions as integer math (no compiler-rt on the link line).
    arith::ArithExpandOpsPassOptions expandOptions;
    expandOptions.includeBf16 = true;
    pm.addPass(arith::createArithExpandOpsPass(expandOptions));
    pm.addPass(createConvertMathToFuncs());
    pm.addPass(createConvertMathToLLVMPass());
    pm.addPass(createConvertMathToLibmPass());
    addCleanupPasses(pm);
    addHostLLVMPasses(pm);
    pm.addPass(createKilnGpuRegisterEmulatedKernels());
    return;
  }

  // Device: NVVM, then a binary for --gpu-arch.
  GpuNVVMAttachTargetOptions targetOptions;
  targetOptions.chip = options.gpuArch;
  targetOptions.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(targetOptions));
  OpPassManager &gpm = pm.nest<gpu::GPUModuleOp>();
  gpm.addPass(createSCFToControlFlowPass());
  // mma.sync, cp.async (vector ops go with the GPU ops below).
  gpm.addPass(createKilnGpuLowerBf16Mma());
  gpm.addPass(createConvertNVGPUToNVVMPass());
  ConvertGpuOpsToNVVMOpsOptions nvvmOptions;
  nvvmOptions.indexBitwidth = 64;
  // Kernel arguments are bare pointers (static shapes), as on the host.
  nvvmOptions.useBarePtrCallConv = true;
  gpm.addPass(createConvertGpuOpsToNVVMOps(nvvmOptions));
  gpm.addPass(createReconcileUnrealizedCastsPass());
  addCleanupPasses(gpm);

  addHostLLVMPasses(pm);

  GpuModuleToBinaryPassOptions binaryOptions;
  binaryOptions.toolkitPath = options.cudaPath;
  if (binaryOptions.toolkitPath.empty()) {
    const char *env = std::getenv("KILN_CUDA_PATH");
    binaryOptions.toolkitPath = env && *env ? env : "/usr/local/cuda";
  }
  binaryOptions.compilationTarget = options.binaryFormat;
  pm.addPass(createGpuModuleToBinaryPass(binaryOptions));
}

void addGpuStagePasses(OpPassManager &pm, Stage stage,
                       const GpuPipelineOptions &options) {
  switch (stage) {
  case Stage::Import:
  case Stage::Graph:
  case Stage::Linalg: {
    PipelineOptions cpuOptions;
    return addStagePasses(pm, stage, cpuOptions);
  }
  case Stage::Vector:
    return addDistributePasses(pm, options);
  case Stage::Bufferize:
    return addBufferizePasses(pm);
  case Stage::LLVM:
    return addLLVMPasses(pm, options);
  }
}

void registerGpuPipelines() {
  registerKilnGPUPasses();
  static const StagePipelineInfo pipelines[] = {
      {"kiln-gpu-distribute-pipeline",
       "Tile linalg on tensors into block/thread-mapped scf.forall loops",
       Stage::Vector},
      {"kiln-gpu-bufferize-pipeline",
       "Bufferize, map loops to gpu.launch, device buffers and workspace",
       Stage::Bufferize},
      {"kiln-gpu-llvm-pipeline",
       "Outline kernels, lower to NVVM and the host to LLVM, serialize the "
       "GPU binary (emulate=true: kernels as host functions for the GPU "
       "emulation)",
       Stage::LLVM},
  };
  registerStagePipelines<GpuPipelineOptions>(pipelines, addGpuStagePasses);
}

} // namespace mlir::kiln
