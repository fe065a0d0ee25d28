//===- GpuMapForallToLaunch.cpp - Block/thread foralls to gpu.launch ------===//
//
// kiln-gpu-map-forall-to-launch: each top-level block-mapped scf.forall (on
// buffers) becomes a gpu.launch, its thread-mapped foralls are distributed
// over the block's threads, and workgroup allocations become attributions
// of the launch. See Passes.td.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/TransformOps/GPUTransformOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUMAPFORALLTOLAUNCH
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// Threads per warp on NVIDIA GPUs.
constexpr int64_t kWarpSize = 32;
/// Most threads in one block.
constexpr int64_t kMaxThreadsPerBlock = 1024;

/// The gpu dimension (0: x, 1: y, 2: z) of each loop of a mapped forall, or
/// nullopt when the mapping is not `kind` along x/y/z.
template <typename MappingAttr>
static std::optional<SmallVector<unsigned>> getMappedDims(scf::ForallOp op) {
  std::optional<ArrayAttr> mapping = op.getMapping();
  if (!mapping || mapping->empty())
    return std::nullopt;
  SmallVector<unsigned> dims;
  for (Attribute attr : *mapping) {
    auto m = dyn_cast<MappingAttr>(attr);
    if (!m)
      return std::nullopt;
    int64_t id = m.getMappingId();
    if (id > 2)
      return std::nullopt;
    dims.push_back(id);
  }
  return dims;
}

/// Static trip counts of a forall's loops.
static std::optional<SmallVector<int64_t>> getTripCounts(scf::ForallOp op) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip(op.getMixedLowerBound(), op.getMixedUpperBound(),
                 op.getMixedStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s <= 0)
      return std::nullopt;
    counts.push_back(llvm::divideCeil(std::max<int64_t>(0, *u - *l), *s));
  }
  return counts;
}

/// Static shared memory a CUDA kernel may declare.
constexpr int64_t kMaxStaticSharedBytes = 48 * 1024;

static bool isWorkgroupMemory(MemRefType type) {
  auto space = dyn_cast_if_present<gpu::AddressSpaceAttr>(type.getMemorySpace());
  return space && space.getValue() == gpu::AddressSpace::Workgroup;
}

struct GpuMapForallToLaunch
    : public kiln::impl::KilnGpuMapForallToLaunchBase<GpuMapForallToLaunch> {
  void runOnOperation() override;
  LogicalResult mapKernel(IRRewriter &rewriter, scf::ForallOp forall);
};

} // namespace

LogicalResult GpuMapForallToLaunch::mapKernel(IRRewriter &rewriter,
                                              scf::ForallOp forall) {
  Location loc = forall.getLoc();
  std::optional<SmallVector<unsigned>> gridDims =
      getMappedDims<gpu::GPUBlockMappingAttr>(forall);
  std::optional<SmallVector<int64_t>> gridCounts = getTripCounts(forall);
  if (!gridDims || !gridCounts)
    return forall.emitError("kiln-gpu-map-forall-to-launch: expected a "
                            "block-mapped scf.forall with static trip counts");
  int64_t grid[3] = {1, 1, 1};
  for (auto [dim, count] : llvm::zip(*gridDims, *gridCounts))
    grid[dim] = count;
  // CUDA's grid limits: 2^31-1 blocks along x, 65535 along y and z.
  if (grid[0] > INT32_MAX || grid[1] > 65535 || grid[2] > 65535)
    return forall.emitError("kiln-gpu-map-forall-to-launch: grid ")
           << grid[0] << "x" << grid[1] << "x" << grid[2]
           << " exceeds CUDA's limits";

  // The block is as large as the largest thread forall along each dim.
  int64_t block[3] = {1, 1, 1};
  WalkResult walk = forall.getBody()->walk([&](scf::ForallOp inner) {
    std::optional<SmallVector<unsigned>> dims =
        getMappedDims<gpu::GPUThreadMappingAttr>(inner);
    std::optional<SmallVector<int64_t>> counts = getTripCounts(inner);
    if (!dims || !counts) {
      inner.emitError("kiln-gpu-map-forall-to-launch: expected a "
                      "thread-mapped scf.forall with static trip counts");
      return WalkResult::interrupt();
    }
    for (auto [dim, count] : llvm::zip(*dims, *counts))
      block[dim] = std::max(block[dim], count);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (block[0] * block[1] * block[2] > kMaxThreadsPerBlock)
    return forall.emitError("kiln-gpu-map-forall-to-launch: ")
           << block[0] * block[1] * block[2] << " threads in one block (at "
           << "most " << kMaxThreadsPerBlock << ")";

  // Outside the thread loops every thread of the block runs the code: a
  // buffer allocated there would be private to each thread, and a copy
  // into it would race with the threads that then update it. (Bufferizing
  // a block tile out of place produces these; tile-and-distribute avoids
  // it.)
  WalkResult blockLevel =
      forall.getBody()->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ForallOp>(op))
      return WalkResult::skip();
    bool privateBuffer = false;
    if (auto alloc = dyn_cast<memref::AllocOp>(op))
      privateBuffer = !isWorkgroupMemory(alloc.getType());
    if (isa<memref::AllocaOp, memref::CopyOp>(op) || privateBuffer) {
      op->emitError("kiln-gpu-map-forall-to-launch: a buffer allocated or "
                    "copied in a block outside its thread loops (it would "
                    "be per thread)");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (blockLevel.wasInterrupted())
    return failure();

  rewriter.setInsertionPoint(forall);
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  // Workgroup buffers become attributions of the launch.
  SmallVector<memref::AllocOp> sharedAllocs;
  forall.getBody()->walk([&](memref::AllocOp alloc) {
    if (isWorkgroupMemory(alloc.getType()))
      sharedAllocs.push_back(alloc);
  });
  SmallVector<Type> sharedTypes;
  int64_t sharedBytes = 0;
  for (memref::AllocOp alloc : sharedAllocs) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape())
      return alloc.emitError("kiln-gpu-map-forall-to-launch: workgroup "
                             "buffers need static shapes");
    Type element = type.getElementType();
    if (!element.isIndex() && !element.isIntOrFloat())
      return alloc.emitError("kiln-gpu-map-forall-to-launch: workgroup "
                             "buffers of ")
             << element << " are not supported";
    int64_t bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
    sharedBytes += type.getNumElements() * llvm::divideCeil(bits, 8);
    sharedTypes.push_back(type);
  }
  // Past 48 KiB, static shared memory fails in ptxas (more needs the
  // dynamic opt-in): the tiling chose tiles too large for this op.
  if (sharedBytes > kMaxStaticSharedBytes)
    return forall.emitError("kiln-gpu-map-forall-to-launch: the kernel needs ")
           << sharedBytes << " bytes of shared memory (at most "
           << kMaxStaticSharedBytes << " static)";
  auto launch = gpu::LaunchOp::create(
      rewriter, loc, cst(grid[0]), cst(grid[1]), cst(grid[2]), cst(block[0]),
      cst(block[1]), cst(block[2]), /*dynamicSharedMemorySize=*/nullptr,
      /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{}, sharedTypes);
  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);

  // Induction variables: lb + blockId * step.
  rewriter.setInsertionPoint(terminator);
  gpu::KernelDim3 ids = launch.getBlockIds();
  Value blockIds[3] = {ids.x, ids.y, ids.z};
  SmallVector<Value> ivReplacements;
  for (auto [i, iv] : llvm::enumerate(forall.getInductionVars())) {
    Value id = blockIds[(*gridDims)[i]];
    Value step = getValueOrCreateConstantIndexOp(rewriter, loc,
                                                 forall.getMixedStep()[i]);
    Value lb = getValueOrCreateConstantIndexOp(rewriter, loc,
                                               forall.getMixedLowerBound()[i]);
    Value scaled = arith::MulIOp::create(rewriter, loc, id, step);
    ivReplacements.push_back(arith::AddIOp::create(rewriter, loc, lb, scaled));
  }
  Block *forallBody = forall.getBody();
  if (forall.getNumResults() != 0 ||
      !forallBody->getTerminator()->getRegion(0).front().empty())
    return forall.emitError("kiln-gpu-map-forall-to-launch: expected a "
                            "bufferized scf.forall");
  rewriter.eraseOp(forallBody->getTerminator());
  rewriter.inlineBlockBefore(forallBody, terminator, ivReplacements);
  rewriter.eraseOp(forall);

  for (auto [alloc, attribution] :
       llvm::zip(sharedAllocs, launch.getWorkgroupAttributions())) {
    rewriter.replaceAllUsesWith(alloc.getResult(), attribution);
    rewriter.eraseOp(alloc);
  }
  SmallVector<memref::DeallocOp> deallocs;
  launch.walk([&](memref::DeallocOp d) {
    if (isa<BlockArgument>(d.getMemref()))
      deallocs.push_back(d);
  });
  for (memref::DeallocOp d : deallocs)
    rewriter.eraseOp(d);

  // Weights are host symbols: the host passes them in.
  SmallVector<memref::GetGlobalOp> globals;
  launch.walk([&](memref::GetGlobalOp op) { globals.push_back(op); });
  for (memref::GetGlobalOp op : globals)
    rewriter.moveOpBefore(op, launch);

  DiagnosedSilenceableFailure mapped =
      transform::gpu::mapNestedForallToThreadsImpl(
          rewriter, std::nullopt, launch, {block[0], block[1], block[2]},
          kWarpSize, /*syncAfterDistribute=*/true);
  if (!mapped.succeeded())
    return launch.emitError("kiln-gpu-map-forall-to-launch: cannot map the "
                            "thread loops of the kernel");
  return success();
}

/// A copy between strided buffers (left by bufferization on the host)
/// becomes a kernel: a grid-stride loop over the elements.
static LogicalResult copyToKernel(IRRewriter &rewriter, memref::CopyOp copy) {
  auto type = cast<MemRefType>(copy.getSource().getType());
  if (!type.hasStaticShape())
    return copy.emitError("the CUDA target needs static shapes");
  constexpr int64_t kThreads = 256, kMaxBlocks = 65535;
  int64_t n = type.getNumElements();
  int64_t blocks =
      std::clamp<int64_t>(llvm::divideCeil(n, kThreads), 1, kMaxBlocks);
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(copy);
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  Value one = cst(1);
  auto launch = gpu::LaunchOp::create(rewriter, loc, cst(blocks), one, one,
                                      cst(kThreads), one, one);
  rewriter.setInsertionPointToEnd(&launch.getBody().front());
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);
  rewriter.setInsertionPoint(terminator);
  Value first = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, launch.getBlockIds().x,
                            cst(kThreads)),
      launch.getThreadIds().x);
  auto loop = scf::ForOp::create(rewriter, loc, first, cst(n),
                                 cst(blocks * kThreads));
  rewriter.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> indices;
  if (type.getRank() > 0)
    indices = affine::AffineDelinearizeIndexOp::create(
                  rewriter, loc, loop.getInductionVar(), type.getShape())
                  .getResults();
  Value value =
      memref::LoadOp::create(rewriter, loc, copy.getSource(), indices);
  memref::StoreOp::create(rewriter, loc, value, copy.getTarget(), indices);
  rewriter.eraseOp(copy);
  return success();
}

/// Ops the host may run: allocation, views, constants and index math,
/// contiguous copies (they become gpu.memcpy) and launches.
static bool isHostOp(Operation &op) {
  if (isa<gpu::LaunchOp, func::ReturnOp>(op))
    return true;
  if (isa<memref::CopyOp>(op))
    return true; // contiguous: kiln-gpu-device-buffers makes it a memcpy
  if (op.getNumRegions() != 0 || isa<linalg::LinalgOp>(op))
    return false;
  if (isa<memref::LoadOp, memref::StoreOp>(op))
    return false;
  StringRef dialect = op.getDialect() ? op.getDialect()->getNamespace() : "";
  return dialect == "memref" || dialect == "arith" || dialect == "affine" ||
         dialect == "bufferization" || dialect == "index";
}

void GpuMapForallToLaunch::runOnOperation() {
  func::FuncOp func = getOperation();
  if (func.isExternal())
    return;
  IRRewriter rewriter(&getContext());
  SmallVector<scf::ForallOp> kernels;
  for (Operation &op : func.getBody().front())
    if (auto forall = dyn_cast<scf::ForallOp>(op))
      kernels.push_back(forall);
  for (scf::ForallOp forall : kernels)
    if (failed(mapKernel(rewriter, forall)))
      return signalPassFailure();
  // Contiguous copies stay (they become gpu.memcpy); strided ones are
  // kernels.
  SmallVector<memref::CopyOp> stridedCopies;
  for (Operation &op : func.getBody().front())
    if (auto copy = dyn_cast<memref::CopyOp>(op))
      if (!memref::isStaticShapeAndContiguousRowMajor(
              cast<MemRefType>(copy.getSource().getType())) ||
          !memref::isStaticShapeAndContiguousRowMajor(
              cast<MemRefType>(copy.getTarget().getType())))
        stridedCopies.push_back(copy);
  for (memref::CopyOp copy : stridedCopies)
    if (failed(copyToKernel(rewriter, copy)))
      return signalPassFailure();
  for (Operation &op : func.getBody().front())
    if (!isHostOp(op)) {
      op.emitError("the CUDA target cannot run '")
          << op.getName() << "' outside a kernel";
      return signalPassFailure();
    }
}
