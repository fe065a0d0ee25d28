//===- GpuRegisterEmulatedKernels.cpp - Emulated kernels' entry points ----===//
//
// kiln-gpu-register-emulated-kernels: after the host lowering, each kernel
// that kiln-gpu-emulate-kernels turned into a host function gets the entry
// point of the emulation ABI (`void entry(void **params, void *shared,
// int64_t *ctx)`: the kernel arguments unpacked from mgpuLaunchKernel's
// array), and a constructor registers them all with the emulation layer.
// See Passes.td and include/kiln/gpu_emulation.h.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUREGISTEREMULATEDKERNELS
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

constexpr StringLiteral kKernelsAttr = "kiln.gpu_emulated_kernels";
constexpr StringLiteral kRegisterFn = "kiln_emu_register_kernel";
constexpr StringLiteral kConstructor = "__kiln_emu_register_kernels";
/// Before the modules are loaded (priority 123 in the gpu.binary
/// translation): mgpuModuleLoad checks that its kernels are known.
constexpr int32_t kConstructorPriority = 101;

/// One letter per kernel parameter: 'p' pointer, 'i' integer, 'f' float.
static FailureOr<std::string> paramKinds(LLVM::LLVMFuncOp kernel,
                                         unsigned numParams) {
  std::string kinds;
  for (Type type : kernel.getFunctionType().getParams().take_front(numParams)) {
    if (isa<LLVM::LLVMPointerType>(type))
      kinds += 'p';
    else if (isa<IntegerType>(type))
      kinds += 'i';
    else if (isa<FloatType>(type))
      kinds += 'f';
    else
      return failure();
  }
  return kinds;
}

/// void <kernel>_entry(void **params, void *shared, int64_t *ctx)
static LLVM::LLVMFuncOp buildEntry(OpBuilder &b, LLVM::LLVMFuncOp kernel,
                                   unsigned numParams) {
  MLIRContext *ctx = b.getContext();
  Location loc = kernel.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx),
                                          {ptr, ptr, ptr});
  auto entry = LLVM::LLVMFuncOp::create(b, loc, (kernel.getName() + "_entry").str(),
                                        type, LLVM::Linkage::Internal);
  Block *body = entry.addEntryBlock(b);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> args;
  ArrayRef<Type> params = kernel.getFunctionType().getParams();
  for (unsigned i = 0; i < numParams; ++i) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    Value argPtr = LLVM::LoadOp::create(b, loc, ptr, slot);
    args.push_back(LLVM::LoadOp::create(b, loc, params[i], argPtr));
  }
  args.push_back(body->getArgument(1));
  args.push_back(body->getArgument(2));
  LLVM::CallOp::create(b, loc, kernel, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return entry;
}

struct RegisterEmulatedKernels
    : public kiln::impl::KilnGpuRegisterEmulatedKernelsBase<
          RegisterEmulatedKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = module->getAttrOfType<ArrayAttr>(kKernelsAttr);
    if (!kernels)
      return;
    module->removeAttr(kKernelsAttr);
    if (kernels.empty())
      return;
    MLIRContext *ctx = module.getContext();
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    Type i64 = b.getI64Type();
    auto voidType = LLVM::LLVMVoidType::get(ctx);

    auto registerFn = module.lookupSymbol<LLVM::LLVMFuncOp>(kRegisterFn);
    if (!registerFn)
      registerFn = LLVM::LLVMFuncOp::create(
          b, loc, kRegisterFn,
          LLVM::LLVMFunctionType::get(voidType, {ptr, ptr, ptr, i64, ptr, i64}));

    auto constructor = LLVM::LLVMFuncOp::create(
        b, loc, kConstructor, LLVM::LLVMFunctionType::get(voidType, {}),
        LLVM::Linkage::Internal);
    OpBuilder body = OpBuilder::atBlockBegin(constructor.addEntryBlock(b));
    unsigned stringId = 0;
    auto string = [&](StringRef value) {
      OpBuilder::InsertionGuard guard(body);
      return LLVM::createGlobalString(
          loc, body, ("__kiln_emu_str_" + Twine(stringId++)).str(),
          (value + Twine('\0')).str(), LLVM::Linkage::Internal);
    };
    for (Attribute attr : kernels) {
      auto info = dyn_cast<DictionaryAttr>(attr);
      auto symbol = info ? info.getAs<FlatSymbolRefAttr>("function") : nullptr;
      auto kernel =
          symbol ? module.lookupSymbol<LLVM::LLVMFuncOp>(symbol) : nullptr;
      if (!kernel || kernel.getNumArguments() < 2) {
        module.emitError("internal error: ")
            << kKernelsAttr << " names no lowered kernel: " << attr;
        return signalPassFailure();
      }
      // The emulated kernel takes the launch's arguments, then (shared, ctx).
      unsigned numParams = kernel.getNumArguments() - 2;
      FailureOr<std::string> kinds = paramKinds(kernel, numParams);
      if (failed(kinds)) {
        kernel.emitOpError("has a kernel parameter that the GPU emulation "
                           "cannot pass (not a pointer, integer or float)");
        return signalPassFailure();
      }
      kernel.setLinkage(LLVM::Linkage::Internal);
      OpBuilder entryBuilder = OpBuilder::atBlockEnd(module.getBody());
      LLVM::LLVMFuncOp entry = buildEntry(entryBuilder, kernel, numParams);
      Value entryAddress = LLVM::AddressOfOp::create(body, loc, entry);
      auto i64Const = [&](int64_t v) -> Value {
        return LLVM::ConstantOp::create(body, loc, i64, body.getI64IntegerAttr(v));
      };
      LLVM::CallOp::create(
          body, loc, registerFn,
          ValueRange{string(info.getAs<StringAttr>("module").getValue()),
                     string(info.getAs<StringAttr>("kernel").getValue()),
                     entryAddress,
                     i64Const(info.getAs<IntegerAttr>("shared_bytes").getInt()),
                     string(*kinds),
                     i64Const(info.getAs<IntegerAttr>("barriers").getInt())});
    }
    LLVM::ReturnOp::create(body, loc, ValueRange{});

    LLVM::GlobalCtorsOp::create(
        b, loc, b.getArrayAttr({FlatSymbolRefAttr::get(constructor)}),
        b.getI32ArrayAttr({kConstructorPriority}),
        b.getArrayAttr({LLVM::ZeroAttr::get(ctx)}));
  }
};

} // namespace
