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
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUEMULATEKERNELS
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

constexpr StringLiteral kBarrierFn = "kiln_emu_barrier";
constexpr StringLiteral kOutOfBoundsFn = "kiln_emu_shared_out_of_bounds";
constexpr StringLiteral kMmaFn = "kiln_emu_mma_sync";
constexpr StringLiteral kAsyncCopyFn = "kiln_emu_async_copy";
constexpr StringLiteral kAsyncCommitFn = "kiln_emu_async_commit";
constexpr StringLiteral kAsyncWaitFn = "kiln_emu_async_wait";

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

/// A load or store of `elements` consecutive elements of `memref`.
struct Access {
  Value memref;
  ValueRange indices;
  int64_t elements = 1;
};

static std::optional<Access> getAccess(Operation *op) {
  if (auto load = dyn_cast<memref::LoadOp>(op))
    return Access{load.getMemRef(), load.getIndices()};
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return Access{store.getMemRef(), store.getIndices()};
  if (auto load = dyn_cast<vector::LoadOp>(op))
    return Access{load.getBase(), load.getIndices(),
                  load.getVectorType().getNumElements()};
  if (auto store = dyn_cast<vector::StoreOp>(op))
    return Access{store.getBase(), store.getIndices(),
                  store.getVectorType().getNumElements()};
  if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op))
    return Access{copy.getDst(), copy.getDstIndices(),
                  copy.getDstElements().getSExtValue()};
  return std::nullopt;
}

/// Byte address (as an index) of element `indices` of `memref`.
static Value addressOf(OpBuilder &b, Location loc, Value memref,
                       ValueRange indices) {
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value linear = metadata.getOffset();
  for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
    linear = arith::AddIOp::create(
        b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(
      b, loc, metadata.getBaseBuffer());
  int64_t bytes =
      cast<MemRefType>(memref.getType()).getElementTypeBitWidth() / 8;
  return arith::AddIOp::create(
      b, loc, base,
      arith::MulIOp::create(b, loc, linear,
                            arith::ConstantIndexOp::create(b, loc, bytes)));
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
  LogicalResult replaceNvgpuOps(Value ctxArg);
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
    if (isa<nvgpu::NVGPUDialect>(op->getDialect())) {
      if (isa<nvgpu::MmaSyncOp, nvgpu::DeviceAsyncCopyOp,
              nvgpu::DeviceAsyncCreateGroupOp, nvgpu::DeviceAsyncWaitOp>(op))
        return WalkResult::advance();
      op->emitOpError("is not supported by the GPU emulation "
                      "(--target=cuda-emu) yet");
      return WalkResult::interrupt();
    }
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
    if (std::optional<Access> access = getAccess(op)) {
      if (workgroupBuffer(access->memref, workgroup))
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
    Access access = *getAccess(op);
    Value memref = access.memref;
    ValueRange indices = access.indices;
    unsigned buffer = *workgroupBuffer(memref, workgroup);
    auto bufferType = cast<MemRefType>(workgroup[buffer].getType());
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, memref);
    Value linear = metadata.getOffset();
    for (auto [index, stride] : llvm::zip(indices, metadata.getStrides()))
      linear = arith::AddIOp::create(
          b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
    Value size = arith::ConstantIndexOp::create(b, loc,
                                                bufferType.getNumElements());
    // Unsigned: a negative index is out of bounds too. An access of
    // several elements (a vector, an asynchronous copy) checks its last.
    Value outside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                          linear, size);
    if (access.elements > 1) {
      Value last = arith::AddIOp::create(
          b, loc, linear,
          arith::ConstantIndexOp::create(b, loc, access.elements - 1));
      outside = arith::OrIOp::create(
          b, loc, outside,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, last,
                                size));
    }
    auto ifOp = scf::IfOp::create(b, loc, outside, /*withElseRegion=*/false);
    OpBuilder then = ifOp.getThenBodyBuilder();
    func::CallOp::create(
        then, loc, kOutOfBoundsFn, TypeRange{},
        ValueRange{ctxArg, arith::ConstantIndexOp::create(then, loc, buffer),
                   linear, size});
  }
  return success();
}

/// Warp-level and asynchronous-copy ops become runtime calls: mma.sync
/// hands the lane's fragments (as f32) to kiln_emu_mma_sync, which waits
/// for the whole warp and computes in the PTX ISA's fragment layout; the
/// copies are queued per thread and done at kiln_emu_async_wait (as late
/// as the device may do them).
LogicalResult KernelEmulator::replaceNvgpuOps(Value ctxArg) {
  IRRewriter rewriter(ctx);
  Type f32 = Float32Type::get(ctx);
  SmallVector<Operation *> waits, groups, ops;
  kernel.walk([&](Operation *op) {
    if (isa<nvgpu::DeviceAsyncWaitOp>(op))
      waits.push_back(op);
    else if (isa<nvgpu::DeviceAsyncCreateGroupOp>(op))
      groups.push_back(op);
    else if (isa<nvgpu::NVGPUDialect>(op->getDialect()))
      ops.push_back(op);
  });
  // Fragment buffers, reused by every mma.sync of the thread.
  Value fragments[4];
  if (llvm::any_of(ops, [](Operation *op) { return isa<nvgpu::MmaSyncOp>(op); })) {
    rewriter.setInsertionPointToStart(&kernel.getBody().front());
    static constexpr int64_t sizes[4] = {8, 4, 4, 4}; // a, b, c, d
    for (int i = 0; i < 4; ++i)
      fragments[i] = memref::AllocaOp::create(
          rewriter, kernel.getLoc(), MemRefType::get({sizes[i]}, f32));
  }
  auto cst = [&](Location loc, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  // Waits and groups first: they use the tokens of the copies.
  for (Operation *op : waits) {
    Location loc = op->getLoc();
    rewriter.setInsertionPoint(op);
    auto wait = cast<nvgpu::DeviceAsyncWaitOp>(op);
    int64_t pending = wait.getNumGroups() ? *wait.getNumGroups() : 0;
    func::CallOp::create(rewriter, loc, kAsyncWaitFn, TypeRange{},
                         ValueRange{ctxArg, cst(loc, pending)});
    rewriter.eraseOp(op);
  }
  for (Operation *op : groups) {
    rewriter.setInsertionPoint(op);
    func::CallOp::create(rewriter, op->getLoc(), kAsyncCommitFn, TypeRange{},
                         ValueRange{ctxArg});
    if (!op->use_empty())
      return op->emitOpError("used other than by a wait in the GPU emulation");
    rewriter.eraseOp(op);
  }
  for (Operation *op : ops) {
    Location loc = op->getLoc();
    if (auto copy = dyn_cast<nvgpu::DeviceAsyncCopyOp>(op)) {
      rewriter.setInsertionPoint(op);
      int64_t elementBytes =
          cast<MemRefType>(copy.getDst().getType()).getElementTypeBitWidth() /
          8;
      int64_t bytes = copy.getDstElements().getSExtValue() * elementBytes;
      Value srcBytes = cst(loc, bytes);
      if (Value elements = copy.getSrcElements())
        srcBytes = arith::MulIOp::create(rewriter, loc, elements,
                                         cst(loc, elementBytes));
      Value dst = addressOf(rewriter, loc, copy.getDst(), copy.getDstIndices());
      Value src = addressOf(rewriter, loc, copy.getSrc(), copy.getSrcIndices());
      func::CallOp::create(rewriter, loc, kAsyncCopyFn, TypeRange{},
                           ValueRange{ctxArg, dst, src, cst(loc, bytes),
                                      srcBytes});
      if (!op->use_empty())
        return op->emitOpError("used other than by a group in the GPU "
                               "emulation");
      rewriter.eraseOp(op);
      continue;
    }
    auto mma = dyn_cast<nvgpu::MmaSyncOp>(op);
    if (!mma)
      continue;
    Type element = mma.getMatrixA().getType().getElementType();
    SmallVector<int64_t> shape = llvm::map_to_vector(
        mma.getMmaShape(), [](Attribute a) {
          return cast<IntegerAttr>(a).getInt();
        });
    int64_t kind = -1;
    if (element.isF32() && mma.getTf32Enabled() &&
        shape == SmallVector<int64_t>{16, 8, 8})
      kind = KILN_EMU_MMA_M16N8K8_TF32;
    else if (element.isBF16() && shape == SmallVector<int64_t>{16, 8, 16})
      kind = KILN_EMU_MMA_M16N8K16_BF16;
    else if (element.isF16() && shape == SmallVector<int64_t>{16, 8, 16})
      kind = KILN_EMU_MMA_M16N8K16_F16;
    if (kind < 0 || !mma.getMatrixC().getType().getElementType().isF32())
      return op->emitOpError("of this shape and type is not supported by "
                             "the GPU emulation (--target=cuda-emu) yet");
    rewriter.setInsertionPoint(op);
    // Fragments in row-major order of their vectors.
    auto spill = [&](Value vector, Value buffer) {
      auto type = cast<VectorType>(vector.getType());
      int64_t cols = type.getShape()[1];
      for (int64_t i = 0; i < type.getNumElements(); ++i) {
        Value v = vector::ExtractOp::create(rewriter, loc, vector,
                                            ArrayRef<int64_t>{i / cols, i % cols});
        if (!v.getType().isF32())
          v = arith::ExtFOp::create(rewriter, loc, f32, v);
        memref::StoreOp::create(rewriter, loc, v, buffer, cst(loc, i));
      }
    };
    spill(mma.getMatrixA(), fragments[0]);
    spill(mma.getMatrixB(), fragments[1]);
    spill(mma.getMatrixC(), fragments[2]);
    func::CallOp::create(
        rewriter, loc, kMmaFn, TypeRange{},
        ValueRange{ctxArg, cst(loc, numBarriers++), cst(loc, kind),
                   fragments[0], fragments[1], fragments[2], fragments[3]});
    auto resultType = cast<VectorType>(mma.getType());
    Value result = arith::ConstantOp::create(rewriter, loc, resultType,
                                             rewriter.getZeroAttr(resultType));
    int64_t cols = resultType.getShape()[1];
    for (int64_t i = 0; i < resultType.getNumElements(); ++i) {
      Value v = memref::LoadOp::create(rewriter, loc, fragments[3],
                                       cst(loc, i));
      result = vector::InsertOp::create(rewriter, loc, v, result,
                                        ArrayRef<int64_t>{i / cols, i % cols});
    }
    rewriter.replaceOp(op, result);
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

  if (failed(addBoundsChecks(workgroup, ctxArg)) ||
      failed(replaceNvgpuOps(ctxArg)))
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
  // Synchronization sites: barriers and warp-level ops (the threads of
  // such a kernel run on fibers).
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
  Type f32 = Float32Type::get(ctx);
  declare(kMmaFn, {ctxType, index, index, MemRefType::get({8}, f32),
                   MemRefType::get({4}, f32), MemRefType::get({4}, f32),
                   MemRefType::get({4}, f32)});
  declare(kAsyncCopyFn, {ctxType, index, index, index, index});
  declare(kAsyncCommitFn, {ctxType});
  declare(kAsyncWaitFn, {ctxType, index});
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
