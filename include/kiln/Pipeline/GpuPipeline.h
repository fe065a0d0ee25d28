//===- GpuPipeline.h - Kiln's CUDA compilation pipeline --------*- C++ -*-===//
//
// `--target=cuda` shares the import, graph and linalg stages with the CPU
// flow; its later stages (see GpuPipeline.cpp):
//
//   vector     kiln-gpu-distribute-pipeline: tile linalg on tensors into
//              scf.forall loops mapped to blocks and threads, contraction
//              operand tiles in workgroup memory, epilogues fused
//   bufferize  kiln-gpu-bufferize-pipeline: one-shot bufferization, block
//              loops become gpu.launch, host buffers become device buffers
//              (inputs/outputs copied, weights uploaded once, intermediates
//              in one planned device workspace)
//   llvm       kiln-gpu-llvm-pipeline: kernels outlined, lowered to NVVM and
//              serialized by gpu-module-to-binary (ptxas) into a fatbin (cubin
//              for --gpu-arch plus PTX); the host code calls the mgpu* entry
//              points of runtime/cuda
//              With `emulate` (--target=cuda-emu) the outlined kernels become
//              host functions instead of NVVM (kiln-gpu-emulate-kernels),
//              run by the GPU emulation of runtime/cuda/cuda_emu.c behind
//              the same host code and mgpu* entry points.
//
// Contract of the last stage: the same model function as the CPU target's
// (host pointers to inputs and outputs, a workspace pointer the function
// does not use: `kiln.workspace_size` is 0), plus the embedded GPU binary.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PIPELINE_GPUPIPELINE_H
#define KILN_PIPELINE_GPUPIPELINE_H

#include "kiln/Pipeline/Pipelines.h"

namespace mlir::kiln {

/// Options of the CUDA stages (also the registered pipelines' options).
struct GpuPipelineOptions : public PassPipelineOptions<GpuPipelineOptions> {
  Option<std::string> gpuArch{
      *this, "gpu-arch",
      llvm::cl::desc("GPU architecture of the cubin (sm_80, sm_90, ...)"),
      llvm::cl::init("sm_90")};
  Option<std::string> cudaPath{
      *this, "cuda-path",
      llvm::cl::desc("CUDA toolkit with ptxas, fatbinary and libdevice "
                     "(default: $KILN_CUDA_PATH, else /usr/local/cuda)")};
  Option<std::string> binaryFormat{
      *this, "binary-format",
      llvm::cl::desc("gpu-module-to-binary format: fatbin (cubin + PTX), "
                     "bin (cubin), isa (PTX text)"),
      llvm::cl::init("fatbin")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("Device optimization level 0-3"),
                            llvm::cl::init(2)};
  Option<std::string> precision{
      *this, "precision",
      llvm::cl::desc("Multiplication precision of matmul-like contractions: "
                     "fp32 (CUDA cores), tf32, bf16 or fp16 (tensor cores, "
                     "sm_80 and later)"),
      llvm::cl::init("fp32")};
  Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Lower the kernels for the host's GPU emulation "
                     "(--target=cuda-emu) instead of NVVM; needs no CUDA "
                     "toolkit"),
      llvm::cl::init(false)};
  Option<std::string> symbolPrefix{
      *this, "symbol-prefix",
      llvm::cl::desc("With emulate: the model's symbol prefix (keeps the "
                     "emulated modules' names unique in a program)"),
      llvm::cl::init("main_graph")};
};

/// Appends the CUDA passes of `stage` to `pm` (import, graph and linalg are
/// the CPU flow's).
void addGpuStagePasses(OpPassManager &pm, Stage stage,
                       const GpuPipelineOptions &options);

/// Registers kiln-gpu-*-pipeline and the kiln-gpu-* passes.
void registerGpuPipelines();

} // namespace mlir::kiln

#endif
