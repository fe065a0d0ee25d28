//===- GpuEmulateKernels.cpp - Outlined GPU kernels as host functions -----===//
//
// kiln-gpu-emulate-kernels: the last step of --target=cuda-emu that differs
// from --target=cuda. The outlined kernels are not lowered to NVVM but to
// host functions that the emulation layer (runtime/cuda/cuda_emu.c) runs
// once per emulated GPU thread, each thread on its own fiber; everything
// before (tiling, workgroup staging, barriers, outlining) and the host code
// that launches them are the CUDA target's. See Passes.td and
// include/kiln/gpu_emulation.h (the ABI).
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/Passes.h"

#include "kiln/gpu_emulation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUEMULATEKERNELS
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

constexpr StringLiteral kBarrierFn = "kiln_emu_barrier";
constexpr StringLiteral kOutOfBoundsFn = "kiln_emu_shared_out_of_bounds";

/// `type` without its GPU address space (workgroup and private memory are
/// plain host memory under emulation).
static Type hostType(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !isa_and_nonnull<gpu::AddressSpaceAttr>(memref.getMemorySpace()))
    return type;
  return MemRefType::get(memref.getShape(), memref.getElementType(),
                         memref.getLayout());
}

/// Bytes of a static, identity-layout attribution (elements are stored as
/// the LLVM lowering stores them: i1 as a byte, index as 8 bytes).
static FailureOr<int64_t> attributionBytes(BlockArgument arg) {
  auto type = dyn_cast<MemRefType>(arg.getType());
  if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity())
    return failure();
  Type element = type.getElementType();
  int64_t bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
  return type.getNumElements() * ((bits + 7) / 8);
}

/// The workgroup attribution that `memref` is a view of, if any.
static std::optional<unsigned>
workgroupBuffer(Value memref, ArrayRef<BlockArgument> workgroup) {
  while (true) {
    if (auto arg = dyn_cast<BlockArgument>(memref)) {
      auto it = llvm::find(workgroup, arg);
      if (it == workgroup.end())
        return std::nullopt;
      return static_cast<unsigned>(it - workgroup.begin());
    }
    auto view = memref.getDefiningOp<ViewLikeOpInterface>();
    if (!view)
      return std::nullopt;
    memref = view.getViewSource();
  }
}

class KernelEmulator {
public:
  KernelEmulator(ModuleOp module, gpu::GPUModuleOp gpuModule,
                 gpu::GPUFuncOp kernel)
      : module(module), gpuModule(gpuModule), kernel(kernel),
        ctx(module.getContext()) {}

  /// Builds the host function; returns its description for the registration
  /// (kiln.gpu_emulated_kernels), or failure after an error.
  FailureOr<DictionaryAttr> run(StringRef moduleKey);

private:
  LogicalResult checkOps();
  LogicalResult addBoundsChecks(ArrayRef<BlockArgument> workgroup,
                                Value ctxArg);
  void replaceGpuOps(Value ctxArg);

  ModuleOp module;
  gpu::GPUModuleOp gpuModule;
  gpu::GPUFuncOp kernel;
  MLIRContext *ctx;
  int64_t numBarriers = 0;
};

LogicalResult KernelEmulator::checkOps() {
  if (!kernel.isKernel())
    return kernel.emitOpError(
        "is a device function; the GPU emulation (--target=cuda-emu) runs "
        "kernels only");
  WalkResult result = kernel.walk([&](Operation *op) {
    if (op->getDialect() != op->getContext()->getLoadedDialect<gpu::GPUDialect>())
      return WalkResult::advance();
    if (isa<gpu::ThreadIdOp, gpu::BlockIdOp, gpu::BlockDimOp, gpu::GridDimOp,
            gpu::BarrierOp, gpu::ReturnOp, gpu::GPUFuncOp>(op))
      return WalkResult::advance();
    op->emitOpError("is not supported by the GPU emulation "
                    "(--target=cuda-emu) yet");
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

/// Every load and store of workgroup memory first checks that its element
/// lies inside its buffer (the linear index relative to the buffer, from the
/// view's strided metadata).
LogicalResult
KernelEmulator::addBoundsChecks(ArrayRef<BlockArgument> workgroup,
                                Value ctxArg) {
  SmallVector<Operation *> accesses;
  WalkResult result = kernel.walk([&](Operation *op) {
    Value memref;
    if (auto load = dyn_cast<memref::LoadOp>(op))
      memref = load.getMemRef();
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      memref = store.getMemRef();
    if (memref) {
      if (workgroupBuffer(memref, workgroup))
        accesses.push_back(op);
      return WalkResult::advance();
    }
    if (isa<ViewLikeOpInterface, memref::ExtractStridedMetadataOp>(op))
      return WalkResult::advance();
    for (Value operand : op->getOperands())
      if (isa<MemRefType>(operand.getType()) &&
          workgroupBuffer(operand, workgroup)) {
        op->emitOpError("on workgroup memory is not supported by the GPU "
                        "emulation (--target=cuda-emu) yet");
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();

  for (Operation *op : accesses) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    Value memref;
    ValueRange indices;
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      memref = load.getMemRef();
      indices = load.getIndices();
    } else {
      auto store = cast<memref::StoreOp>(op);
      memref = store.getMemRef();
      indices = store.getIndices();
    }
    unsigned buffer = *workgroupBuffer(memref, workgroup);
    auto bufferType = cast<MemRefType>(workgroup[buffer].getType());
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value linear = metadata.getOffset();
    for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
      linear = arith::AddIOp::create(
          b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
    Value size = arith::ConstantIndexOp::create(b, loc,
                                                bufferType.getNumElements());
    // Unsigned: a negative index is out of bounds too.
    Value outside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                          linear, size);
    auto ifOp = scf::IfOp::create(b, loc, outside, /*withElseRegion=*/false);
    OpBuilder then = ifOp.getThenBodyBuilder();
    func::CallOp::create(
        then, loc, kOutOfBoundsFn, TypeRange{},
        ValueRange{ctxArg, arith::ConstantIndexOp::create(then, loc, buffer),
                   linear, size});
  }
  return success();
}

void KernelEmulator::replaceGpuOps(Value ctxArg) {
  IRRewriter rewriter(ctx);
  auto ctxLoad = [&](Operation *op, int64_t base, gpu::Dimension dim) {
    rewriter.setInsertionPoint(op);
    Value index = arith::ConstantIndexOp::create(
        rewriter, op->getLoc(), base + static_cast<int64_t>(dim));
    rewriter.replaceOpWithNewOp<memref::LoadOp>(op, ctxArg, index);
  };
  kernel.walk([&](Operation *op) {
    if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
      return ctxLoad(op, KILN_EMU_CTX_THREAD_ID, id.getDimension());
    if (auto id = dyn_cast<gpu::BlockIdOp>(op))
      return ctxLoad(op, KILN_EMU_CTX_BLOCK_ID, id.getDimension());
    if (auto dim = dyn_cast<gpu::BlockDimOp>(op))
      return ctxLoad(op, KILN_EMU_CTX_BLOCK_DIM, dim.getDimension());
    if (auto dim = dyn_cast<gpu::GridDimOp>(op))
      return ctxLoad(op, KILN_EMU_CTX_GRID_DIM, dim.getDimension());
    if (isa<gpu::BarrierOp>(op)) {
      rewriter.setInsertionPoint(op);
      Value site =
          arith::ConstantIndexOp::create(rewriter, op->getLoc(), numBarriers++);
      rewriter.replaceOpWithNewOp<func::CallOp>(op, kBarrierFn, TypeRange{},
                                                ValueRange{ctxArg, site});
      return;
    }
    if (isa<gpu::ReturnOp>(op)) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOpWithNewOp<func::ReturnOp>(op);
    }
  });
}

FailureOr<DictionaryAttr> KernelEmulator::run(StringRef moduleKey) {
  if (failed(checkOps()))
    return failure();

  // Workgroup buffers: consecutive, aligned slices of the block's shared
  // memory.
  // (Copies: adding block arguments below invalidates the kernel's views.)
  SmallVector<BlockArgument> workgroup(kernel.getWorkgroupAttributions());
  SmallVector<BlockArgument> privates(kernel.getPrivateAttributions());
  SmallVector<int64_t> offsets;
  int64_t sharedBytes = 0;
  for (BlockArgument arg : llvm::concat<BlockArgument>(workgroup, privates))
    if (failed(attributionBytes(arg))) {
      kernel.emitOpError("has an attribution that is not a static, "
                         "identity-layout memref: ")
          << arg.getType();
      return failure();
    }
  for (BlockArgument arg : workgroup) {
    offsets.push_back(sharedBytes);
    sharedBytes = llvm::alignTo(sharedBytes + *attributionBytes(arg),
                                uint64_t(KILN_EMU_SHARED_ALIGN));
  }

  auto sharedType = MemRefType::get({sharedBytes}, IntegerType::get(ctx, 8));
  auto ctxType = MemRefType::get({KILN_EMU_CTX_SIZE}, IndexType::get(ctx));
  SmallVector<Type> inputs(kernel.getArgumentTypes());
  inputs.push_back(sharedType);
  inputs.push_back(ctxType);
  std::string name =
      ("__kiln_emu_" + gpuModule.getName() + "_" + kernel.getName()).str();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto fn = func::FuncOp::create(b, kernel.getLoc(), name,
                                 b.getFunctionType(inputs, {}));
  Block &entry = kernel.getBody().front();
  Value sharedArg = entry.addArgument(sharedType, kernel.getLoc());
  Value ctxArg = entry.addArgument(ctxType, kernel.getLoc());

  if (failed(addBoundsChecks(workgroup, ctxArg)))
    return failure();
  replaceGpuOps(ctxArg);

  // Workgroup and private memory are host memory: no address spaces left.
  kernel.walk([&](Operation *op) {
    for (OpResult result : op->getResults())
      result.setType(hostType(result.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          arg.setType(hostType(arg.getType()));
  });

  OpBuilder body = OpBuilder::atBlockBegin(&entry);
  Location loc = kernel.getLoc();
  for (auto [arg, offset] : llvm::zip(workgroup, offsets)) {
    Value shift = arith::ConstantIndexOp::create(body, loc, offset);
    Value view = memref::ViewOp::create(body, loc, arg.getType(), sharedArg,
                                        shift, ValueRange{});
    arg.replaceAllUsesWith(view);
  }
  for (BlockArgument arg : privates)
    arg.replaceAllUsesWith(
        memref::AllocaOp::create(body, loc, cast<MemRefType>(arg.getType())));

  // The attributions are gone; the entry block takes the function's
  // arguments.
  unsigned numArgs = kernel.getNumArguments();
  unsigned numAttributions = workgroup.size() + privates.size();
  fn.getBody().takeBody(kernel.getBody());
  Block &fnEntry = fn.getBody().front();
  fnEntry.eraseArguments(numArgs, numAttributions);

  NamedAttrList info;
  info.append("module", b.getStringAttr(moduleKey));
  info.append("kernel", kernel.getNameAttr());
  info.append("function", FlatSymbolRefAttr::get(fn.getSymNameAttr()));
  info.append("shared_bytes", b.getI64IntegerAttr(sharedBytes));
  info.append("barriers", b.getI64IntegerAttr(numBarriers));
  return info.getDictionary(ctx);
}

/// Declares the runtime functions the emulated kernels call.
static void declareRuntime(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type index = IndexType::get(ctx);
  auto ctxType = MemRefType::get({KILN_EMU_CTX_SIZE}, index);
  auto declare = [&](StringRef name, TypeRange inputs) {
    if (module.lookupSymbol(name))
      return;
    auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(inputs, {}));
    fn.setPrivate();
  };
  declare(kBarrierFn, {ctxType, index});
  declare(kOutOfBoundsFn, {ctxType, index, index, index});
}

struct EmulateKernels
    : public kiln::impl::KilnGpuEmulateKernelsBase<EmulateKernels> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    SmallVector<Attribute> kernels;
    SmallVector<gpu::GPUModuleOp> gpuModules(
        module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.empty())
      return;
    declareRuntime(module);
    for (gpu::GPUModuleOp gpuModule : gpuModules) {
      std::string key = (KILN_EMU_MODULE_MAGIC + symbolPrefix + ":" +
                         gpuModule.getName())
                            .str();
      for (Operation &op : gpuModule.getBody()->getOperations()) {
        auto kernel = dyn_cast<gpu::GPUFuncOp>(op);
        if (!kernel) {
          op.emitOpError("in a GPU module is not supported by the GPU "
                         "emulation (--target=cuda-emu) yet");
          return signalPassFailure();
        }
      }
      for (auto kernel : llvm::make_early_inc_range(
               gpuModule.getBody()->getOps<gpu::GPUFuncOp>())) {
        FailureOr<DictionaryAttr> info =
            KernelEmulator(module, gpuModule, kernel).run(key);
        if (failed(info))
          return signalPassFailure();
        kernels.push_back(*info);
      }
      // The module's "binary" names it for the emulation layer: the host
      // code loads it and launches its kernels as it would on a device.
      OpBuilder b(gpuModule);
      auto object = gpu::ObjectAttr::get(
          ctx, NVVM::NVVMTargetAttr::get(ctx), gpu::CompilationTarget::Binary,
          b.getStringAttr(key),
          b.getDictionaryAttr(b.getNamedAttr("kiln.emulation", b.getUnitAttr())),
          nullptr);
      gpu::BinaryOp::create(b, gpuModule.getLoc(), gpuModule.getName(),
                            Attribute(), b.getArrayAttr({object}));
      gpuModule.erase();
    }
    module->setAttr("kiln.gpu_emulated_kernels", ArrayAttr::get(ctx, kernels));
  }
};

} // namespace
