//===- ContractionKernel.h - Register-tiled GPU contraction kernels -*- C++ -*-===//
//
// The contraction kernels of --target=cuda (and cuda-emu): a block tile of a
// matmul-like op whose operand tiles are staged in shared memory by
// asynchronous copies (cp.async, double buffered) and whose accumulators
// stay in registers, computed by tensor cores (mma.sync: tf32, bf16, fp16)
// or, at fp32, by each thread's outer-product register tile. Its
// accumulator initializer (fill, bias) and elementwise epilogue are applied
// to the registers.
//
// kiln-gpu-tile-and-distribute plans the kernel on tensors
// (planContractionKernel) and marks the ops of the block tile with the
// attributes below; kiln-gpu-contraction-kernel writes the kernel after
// bufferization. Both live in GpuContractionKernel.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_GPU_CONTRACTIONKERNEL_H
#define KILN_PASSES_GPU_CONTRACTIONKERNEL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <optional>

namespace mlir::kiln::gpu_kernel {

/// Multiplication precision of contractions (--gpu-precision).
enum class Precision { FP32, TF32, BF16, FP16 };
std::optional<Precision> parsePrecision(llvm::StringRef name);
llvm::StringRef toString(Precision precision);

/// Marks the contraction of a block tile (a DictionaryAttr: the config).
constexpr llvm::StringLiteral kContractionAttr = "kiln.gpu.contraction";
/// Marks the pointwise op that writes the contraction's accumulator.
constexpr llvm::StringLiteral kInitAttr = "kiln.gpu.contraction_init";
/// Marks the pointwise consumer of the contraction (an integer attr: the
/// number of the operand that reads the contraction's result).
constexpr llvm::StringLiteral kEpilogueAttr = "kiln.gpu.contraction_epilogue";

/// Marks a generic that only gathers (an im2col: yields its one input read
/// through a non-permutation map) and feeds a contraction kernel, which
/// reads through it instead of materializing it.
constexpr llvm::StringLiteral kGatherAttr = "kiln.gpu.gather";

/// The tile shapes of one contraction kernel.
struct ContractionConfig {
  Precision precision = Precision::FP32;
  int64_t bm = 0, bn = 0, bk = 0; // block tile (M x N), K step
  int64_t warpsM = 0, warpsN = 0; // mma: warps along M and N
  int64_t tm = 0, tn = 0;         // fp32: each thread's tm x tn outputs
  int64_t vecA = 1, vecB = 1;     // elements per asynchronous copy

  bool usesMma() const { return precision != Precision::FP32; }
  int64_t threads() const;
  /// K of one mma.sync (8 for tf32, 16 for bf16/fp16), 1 at fp32.
  int64_t kStep() const;
  DictionaryAttr toAttr(MLIRContext *ctx) const;
  static std::optional<ContractionConfig> fromAttr(Attribute attr);
};

/// The kernel for `op` (a contraction on tensors with static shapes), or
/// nullopt when the op is not one the kernel handles (then it keeps the
/// generic staged path). `precision` above fp32 falls back to the fp32
/// kernel where tensor cores do not pay (fewer than 16 rows).
std::optional<ContractionConfig>
planContractionKernel(linalg::LinalgOp op, Precision precision);

} // namespace mlir::kiln::gpu_kernel

#endif // KILN_PASSES_GPU_CONTRACTIONKERNEL_H
