//===- GpuDeviceBuffers.cpp - Device buffers of the model function --------===//
//
// kiln-gpu-device-buffers: the model function keeps the host ABI (host
// pointers to inputs and outputs); its body works on device memory: device
// copies of inputs and outputs, weights uploaded once by the runtime, and
// the planned workspace in device memory. See Passes.td.
//
// The runtime hands out device pointers (kiln_cuda_weight,
// kiln_cuda_workspace in runtime/cuda); a raw pointer becomes a memref
// through its LLVM descriptor and an unrealized cast that the LLVM
// conversions resolve.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUDEVICEBUFFERS
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

constexpr StringLiteral kWeightFn = "kiln_cuda_weight";
constexpr StringLiteral kWorkspaceFn = "kiln_cuda_workspace";

/// Declares `name` as an external llvm.func of type `type` once.
static LLVM::LLVMFuncOp declare(ModuleOp module, StringRef name,
                                LLVM::LLVMFunctionType type) {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return fn;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
}

/// A memref of static shape and identity layout over the raw pointer `ptr`.
static Value memrefFromPointer(OpBuilder &b, Location loc, Value ptr,
                               MemRefType type) {
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  int64_t rank = type.getRank();
  SmallVector<Type> fields = {ptrType, ptrType, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  auto cst = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  Value desc = LLVM::PoisonOp::create(b, loc, descType);
  desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(b, loc, desc, ptr, ArrayRef<int64_t>{1});
  desc = LLVM::InsertValueOp::create(b, loc, desc, cst(0), ArrayRef<int64_t>{2});
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    desc = LLVM::InsertValueOp::create(b, loc, desc, cst(type.getDimSize(d)),
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(b, loc, desc, cst(stride),
                                       ArrayRef<int64_t>{4, d});
    stride *= type.getDimSize(d);
  }
  return UnrealizedConversionCastOp::create(b, loc, type, desc).getResult(0);
}

/// The host address of a memref as an !llvm.ptr; `user` is the op reading
/// the memref.
static Value pointerOf(OpBuilder &b, Location loc, Value memref,
                       Operation *&user) {
  auto index = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  user = index;
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
  return LLVM::IntToPtrOp::create(b, loc,
                                  LLVM::LLVMPointerType::get(b.getContext()),
                                  i64);
}

/// A contiguous buffer as a memref of identity layout (what gpu.memcpy's
/// lowering takes): a slice along a size-1 dimension, e.g. one image of a
/// channel concatenation, keeps the strides of its source in its type.
static Value identityView(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type.getLayout().isIdentity())
    return memref;
  Operation *user = nullptr;
  Value base = pointerOf(b, loc, memref, user);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value offset = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                            metadata.getOffset());
  Value start = LLVM::GEPOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()),
      type.getElementType(), base, ValueRange{offset});
  return memrefFromPointer(
      b, loc, start, MemRefType::get(type.getShape(), type.getElementType()));
}

static std::optional<int64_t> getByteSize(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return std::nullopt;
  int64_t bits = type.getElementTypeBitWidth();
  return type.getNumElements() * ((bits + 7) / 8);
}

struct GpuDeviceBuffers
    : public kiln::impl::KilnGpuDeviceBuffersBase<GpuDeviceBuffers> {
  using Base::Base;
  void runOnOperation() override;
  LogicalResult deviceBuffers(ModuleOp module, func::FuncOp func);
  LogicalResult deviceWorkspace(ModuleOp module, func::FuncOp func);
};

} // namespace

LogicalResult GpuDeviceBuffers::deviceBuffers(ModuleOp module,
                                              func::FuncOp func) {
  MLIRContext *ctx = module.getContext();
  IRRewriter b(ctx);
  Block &body = func.getBody().front();
  auto returnOp = cast<func::ReturnOp>(body.getTerminator());
  if (returnOp.getNumOperands() != 0)
    return func.emitError("kiln-gpu-device-buffers: expected results as "
                          "out-params");
  // Inputs come first, then the out-params of the results.
  auto inputNames = func->getAttrOfType<ArrayAttr>("kiln.input_names");
  if (!inputNames || inputNames.size() > func.getNumArguments())
    return func.emitError("kiln-gpu-device-buffers: the model function needs "
                          "its `kiln.input_names` (one per input argument)");
  unsigned numInputs = inputNames.size();

  // Inputs and outputs: device copies.
  for (BlockArgument arg : body.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type || !getByteSize(type))
      return func.emitError("kiln-gpu-device-buffers: argument ")
             << arg.getArgNumber() << " is not a dense static buffer";
    Location loc = arg.getLoc();
    b.setInsertionPointToStart(&body);
    auto device =
        memref::AllocOp::create(b, loc, type, b.getI64IntegerAttr(64));
    Operation *copy;
    if (arg.getArgNumber() < numInputs) {
      copy = gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, device,
                                   arg);
    } else {
      b.setInsertionPoint(returnOp);
      copy = gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, arg,
                                   device);
    }
    arg.replaceAllUsesExcept(device, copy);
  }

  // Weights: uploaded once by the runtime.
  DenseMap<StringRef, int64_t> weightIds;
  int64_t nextId = 0;
  for (auto global : module.getOps<memref::GlobalOp>())
    weightIds[global.getSymName()] = nextId++;
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type();
  LLVM::LLVMFuncOp weightFn = declare(
      module, kWeightFn,
      LLVM::LLVMFunctionType::get(ptrType, {i64, ptrType, i64}));
  SmallVector<memref::GetGlobalOp> globals;
  func.walk([&](memref::GetGlobalOp op) { globals.push_back(op); });
  for (memref::GetGlobalOp op : globals) {
    if (op->getParentOp() != func)
      return op.emitError("kiln-gpu-device-buffers: weight used inside a "
                          "kernel");
    std::optional<int64_t> bytes = getByteSize(op.getType());
    if (!bytes)
      return op.emitError("kiln-gpu-device-buffers: weight is not a dense "
                          "static buffer");
    Location loc = op.getLoc();
    // At the entry, before the first copy: the runtime call does not split
    // the model's stream of device work.
    op->moveBefore(&body.front());
    b.setInsertionPointAfter(op);
    Operation *hostUser;
    Value host = pointerOf(b, loc, op.getResult(), hostUser);
    auto cst = [&](int64_t v) -> Value {
      return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
    };
    Value id = cst(weightIds.lookup(op.getName()));
    Value device = LLVM::CallOp::create(b, loc, weightFn,
                                        ValueRange{id, host, cst(*bytes)})
                       .getResult();
    Value memref = memrefFromPointer(b, loc, device, op.getType());
    op.getResult().replaceAllUsesExcept(memref, hostUser);
  }

  // Contiguous copies between device buffers.
  SmallVector<memref::CopyOp> copies;
  for (Operation &op : body)
    if (auto copy = dyn_cast<memref::CopyOp>(op))
      copies.push_back(copy);
  for (memref::CopyOp copy : copies) {
    auto src = cast<MemRefType>(copy.getSource().getType());
    auto dst = cast<MemRefType>(copy.getTarget().getType());
    if (!memref::isStaticShapeAndContiguousRowMajor(src) ||
        !memref::isStaticShapeAndContiguousRowMajor(dst))
      return copy.emitError("the CUDA target cannot copy a strided buffer "
                            "on the host");
    b.setInsertionPoint(copy);
    Value target = identityView(b, copy.getLoc(), copy.getTarget());
    Value source = identityView(b, copy.getLoc(), copy.getSource());
    gpu::MemcpyOp::create(b, copy.getLoc(), TypeRange{}, ValueRange{}, target,
                          source);
    b.eraseOp(copy);
  }
  return success();
}

LogicalResult GpuDeviceBuffers::deviceWorkspace(ModuleOp module,
                                                func::FuncOp func) {
  MLIRContext *ctx = module.getContext();
  auto size = module->getAttrOfType<IntegerAttr>("kiln.workspace_size");
  Block &body = func.getBody().front();
  if (!size || body.getNumArguments() == 0)
    return func.emitError("kiln-gpu-device-buffers: run kiln-plan-workspace "
                          "first");
  BlockArgument workspace = body.getArguments().back();
  auto type = dyn_cast<MemRefType>(workspace.getType());
  if (!type || type.getRank() != 1 || !type.hasStaticShape())
    return func.emitError("kiln-gpu-device-buffers: the last argument is "
                          "not the planned workspace");
  IRRewriter b(ctx);
  Location loc = func.getLoc();
  b.setInsertionPointToStart(&body);
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type();
  LLVM::LLVMFuncOp fn =
      declare(module, kWorkspaceFn, LLVM::LLVMFunctionType::get(ptrType, {i64}));
  Value bytes = LLVM::ConstantOp::create(b, loc, i64, size);
  Value device =
      LLVM::CallOp::create(b, loc, fn, ValueRange{bytes}).getResult();
  Value memref = memrefFromPointer(b, loc, device, type);
  workspace.replaceAllUsesWith(memref);
  module->setAttr("kiln.gpu_workspace_size", size);
  module->setAttr("kiln.workspace_size", b.getI64IntegerAttr(0));
  module->setAttr("kiln.workspace_naive_size", b.getI64IntegerAttr(0));
  return success();
}

void GpuDeviceBuffers::runOnOperation() {
  ModuleOp module = getOperation();
  auto func = module.lookupSymbol<func::FuncOp>(funcName);
  if (!func || func.isExternal())
    return;
  if (failed(workspace ? deviceWorkspace(module, func)
                       : deviceBuffers(module, func)))
    signalPassFailure();
}
