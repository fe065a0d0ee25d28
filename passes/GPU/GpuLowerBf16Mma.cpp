//===- GpuLowerBf16Mma.cpp - bf16 mma.sync to NVVM ------------------------===//
//
// kiln-gpu-lower-bf16-mma: upstream's convert-nvgpu-to-nvvm (LLVM 22)
// lowers nvgpu.mma.sync for tf32, f16, integers and f64 but not bf16
// ("failed to deduce operand PTX types"). This pass, run on the device
// modules just before it, rewrites the bf16 m16n8k16 form into
// nvvm.mma.sync with the operands packed two bf16 per 32-bit register, as
// the PTX ISA passes them. See Passes.td.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPULOWERBF16MMA
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// The 32-bit registers of a fragment vector<R x 2 x bf16>: row r packed.
static SmallVector<Value> packRows(OpBuilder &b, Location loc, Value fragment) {
  auto type = cast<VectorType>(fragment.getType());
  auto packed = VectorType::get({1}, b.getI32Type());
  SmallVector<Value> registers;
  for (int64_t r = 0; r < type.getShape()[0]; ++r) {
    Value row = vector::ExtractOp::create(b, loc, fragment, ArrayRef<int64_t>{r});
    Value bits = vector::BitCastOp::create(b, loc, packed, row);
    registers.push_back(
        vector::ExtractOp::create(b, loc, bits, ArrayRef<int64_t>{0}));
  }
  return registers;
}

struct LowerBf16Mma
    : public kiln::impl::KilnGpuLowerBf16MmaBase<LowerBf16Mma> {
  void runOnOperation() override {
    SmallVector<nvgpu::MmaSyncOp> ops;
    getOperation()->walk([&](nvgpu::MmaSyncOp op) {
      if (op.getMatrixA().getType().getElementType().isBF16())
        ops.push_back(op);
    });
    for (nvgpu::MmaSyncOp op : ops) {
      auto shape = llvm::map_to_vector(op.getMmaShape(), [](Attribute a) {
        return cast<IntegerAttr>(a).getInt();
      });
      VectorType aType = op.getMatrixA().getType();
      VectorType bType = op.getMatrixB().getType();
      VectorType cType = op.getMatrixC().getType();
      if (shape != SmallVector<int64_t>{16, 8, 16} ||
          aType.getShape() != ArrayRef<int64_t>{4, 2} ||
          bType.getShape() != ArrayRef<int64_t>{2, 2} ||
          cType.getShape() != ArrayRef<int64_t>{2, 2} ||
          !cType.getElementType().isF32()) {
        op.emitOpError("kiln-gpu-lower-bf16-mma: only m16n8k16 bf16 x bf16 "
                       "+ f32 is supported");
        return signalPassFailure();
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      Type f32 = b.getF32Type();
      SmallVector<Value> a = packRows(b, loc, op.getMatrixA());
      SmallVector<Value> bRegs = packRows(b, loc, op.getMatrixB());
      SmallVector<Value> c;
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 2; ++j)
          c.push_back(vector::ExtractOp::create(b, loc, op.getMatrixC(),
                                                ArrayRef<int64_t>{i, j}));
      auto resultType = LLVM::LLVMStructType::getLiteral(
          b.getContext(), SmallVector<Type>(4, f32));
      auto mma = NVVM::MmaOp::create(
          b, loc, resultType, a, bRegs, c, shape, std::nullopt, std::nullopt,
          std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                        NVVM::MMATypes::bf16},
          std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                         NVVM::MMALayout::col});
      Value d = arith::ConstantOp::create(b, loc, cType, b.getZeroAttr(cType));
      for (int64_t e = 0; e < 4; ++e) {
        Value v = LLVM::ExtractValueOp::create(b, loc, mma.getResult(), e);
        d = vector::InsertOp::create(b, loc, v, d,
                                     ArrayRef<int64_t>{e / 2, e % 2});
      }
      op.replaceAllUsesWith(d);
      op.erase();
    }
  }
};

} // namespace
