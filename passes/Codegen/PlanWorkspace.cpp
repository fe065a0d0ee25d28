//===- PlanWorkspace.cpp - Static memory plan of the model function -------===//
//
// kiln-plan-workspace: `NAME_run` never allocates (shared/DESIGN.md), so every
// intermediate buffer of the bufferized model function is given a
// compile-time byte offset in one caller-provided workspace, a trailing
// `memref<Nxi8>` argument; buffers whose lifetimes overlap never share bytes.
// Buffers private to the iterations of a parallel loop go on each thread's
// stack (small ones) or get one workspace slot per iteration.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/BufferViewFlowAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNPLANWORKSPACE
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Every buffer starts at a multiple of this many bytes from the workspace
/// base (a cache line; what one-shot-bufferize asks of malloc).
constexpr int64_t kAlignment = 64;

/// One buffer that gets a workspace offset. Positions are indices of ops in
/// the function's body block; the buffer is live on [start, end].
struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes = 0;     // one copy, aligned to kAlignment
  int64_t copies = 1;    // one per iteration of its enclosing parallel loops
  /// Those loops (outermost first) and the trip count of each of their
  /// dimensions, in order: known before any buffer becomes a view of the
  /// workspace (through which dynamic bounds can no longer be computed).
  SmallVector<Operation *> parallelLoops;
  SmallVector<int64_t> tripCounts;
  unsigned start = 0, end = 0;
  int64_t offset = -1;
  int64_t footprint() const { return bytes * copies; }
};

/// Ops whose region bodies may run concurrently, or whose execution we do not
/// know (treated alike: each execution of the region gets private memory).
static bool isParallelRegionOp(Operation *op) {
  return isa<scf::ForallOp, scf::ParallelOp>(op) ||
         !isa<RegionBranchOpInterface>(op);
}

/// Trip count of each dimension of a parallel loop, if all are static; with
/// `func`, a dynamic upper bound may instead be bounded from the input ranges
/// (the largest trip count: a loop tiling a dynamic dimension).
static std::optional<SmallVector<int64_t>>
getStaticTripCounts(Operation *op, func::FuncOp func = nullptr) {
  SmallVector<OpFoldResult> lbs, ubs, steps;
  if (auto forall = dyn_cast<scf::ForallOp>(op)) {
    lbs = forall.getMixedLowerBound();
    ubs = forall.getMixedUpperBound();
    steps = forall.getMixedStep();
  } else if (auto par = dyn_cast<scf::ParallelOp>(op)) {
    lbs = getAsOpFoldResult(par.getLowerBound());
    ubs = getAsOpFoldResult(par.getUpperBound());
    steps = getAsOpFoldResult(par.getStep());
  } else {
    return std::nullopt;
  }
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] : llvm::zip(lbs, ubs, steps)) {
    std::optional<int64_t> l = getConstantIntValue(lb),
                           u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!u && func)
      if (auto ubValue = dyn_cast<Value>(ub))
        if (FailureOr<int64_t> bound = kiln::computeUpperBound(ubValue, func);
            succeeded(bound))
          u = *bound;
    if (!l || !u || !s || *s <= 0)
      return std::nullopt;
    counts.push_back(std::max<int64_t>(0, llvm::divideCeil(*u - *l, *s)));
  }
  return counts;
}

/// Builds, at the builder's insertion point (inside the body of every loop in
/// `loops`, outermost first), the row-major linear index of the current
/// iteration over all of them; `tripCounts` has the trip count of each of
/// their dimensions, in order.
static Value buildLinearIteration(OpBuilder &b, Location loc,
                                  ArrayRef<Operation *> loops,
                                  ArrayRef<int64_t> tripCounts) {
  Value linear = arith::ConstantIndexOp::create(b, loc, 0);
  for (Operation *loop : loops) {
    SmallVector<OpFoldResult> lbs, steps;
    SmallVector<Value> ivs;
    if (auto forall = dyn_cast<scf::ForallOp>(loop)) {
      lbs = forall.getMixedLowerBound();
      steps = forall.getMixedStep();
      ivs = llvm::to_vector(forall.getInductionVars());
    } else {
      auto par = cast<scf::ParallelOp>(loop);
      lbs = getAsOpFoldResult(par.getLowerBound());
      steps = getAsOpFoldResult(par.getStep());
      ivs = llvm::to_vector(par.getInductionVars());
    }
    ArrayRef<int64_t> counts = tripCounts.take_front(ivs.size());
    tripCounts = tripCounts.drop_front(ivs.size());
    for (auto [lb, step, iv, count] : llvm::zip_equal(lbs, steps, ivs, counts)) {
      Value lbValue = arith::ConstantIndexOp::create(
          b, loc, *getConstantIntValue(lb));
      Value stepValue = arith::ConstantIndexOp::create(
          b, loc, *getConstantIntValue(step));
      Value countValue = arith::ConstantIndexOp::create(b, loc, count);
      Value index = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, iv, lbValue), stepValue);
      linear = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, linear, countValue), index);
    }
  }
  return linear;
}

struct KilnPlanWorkspacePass
    : public kiln::impl::KilnPlanWorkspaceBase<KilnPlanWorkspacePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return; // Nothing to plan (e.g. a test module without a model).
    if (failed(plan(module, func)))
      signalPassFailure();
  }

  /// All values through which the buffer `root` can be reached: views and
  /// region-forwarded values (BufferViewFlowAnalysis), and values that carry
  /// its address in another type (casts to LLVM descriptors, raw pointers).
  static SetVector<Value> collectAliases(Value root,
                                         const BufferViewFlowAnalysis &flow) {
    SetVector<Value> aliases;
    SmallVector<Value> worklist{root};
    while (!worklist.empty()) {
      Value v = worklist.pop_back_val();
      if (!aliases.insert(v))
        continue;
      for (Value a : flow.resolve(v))
        if (!aliases.contains(a))
          worklist.push_back(a);
      for (Operation *user : v.getUsers())
        if (isa<UnrealizedConversionCastOp,
                memref::ExtractAlignedPointerAsIndexOp>(user) ||
            isa<LLVM::LLVMDialect>(user->getDialect()))
          llvm::append_range(worklist, user->getResults());
    }
    return aliases;
  }

  LogicalResult plan(ModuleOp module, func::FuncOp func) {
    MLIRContext *ctx = &getContext();
    if (!func.getBody().hasOneBlock())
      return func.emitError()
             << "kiln-plan-workspace: @" << funcName
             << " must have a single block (structured control flow only)";
    Block &body = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;

    BufferViewFlowAnalysis flow(func);
    DataLayout layout = DataLayout::closest(func);

    SmallVector<Buffer> buffers;
    // Allocs that become stack memory private to one parallel iteration, and
    // the stack bytes already given out per parallel region block.
    SmallVector<std::pair<memref::AllocOp, Block *>> stackAllocs;
    DenseMap<Block *, int64_t> stackBytes;
    DenseMap<Operation *, int64_t> stackBufferBytes;
    bool failedAny = false;

    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs) {
      MemRefType type = alloc.getType();
      auto fail = [&]() -> InFlightDiagnostic {
        failedAny = true;
        return alloc.emitError() << "kiln-plan-workspace: ";
      };
      if (!alloc.getSymbolOperands().empty()) {
        fail() << "cannot place a buffer with symbol operands " << type;
        continue;
      }
      // A dynamically sized buffer gets the bytes of its largest size over
      // the input ranges (kiln.input_ranges): the plan holds for every run.
      int64_t numElements = 1;
      bool unbounded = false;
      for (int64_t d = 0, e = type.getRank(); d < e; ++d) {
        FailureOr<int64_t> size =
            kiln::computeUpperBound(alloc.getResult(), d, func);
        if (failed(size)) {
          fail() << "cannot place a dynamically sized buffer " << type
                 << ": dimension " << d
                 << " has no upper bound over the input ranges"
                 << (func->hasAttr("kiln.input_ranges")
                         ? ""
                         : " (the model function has no kiln.input_ranges)");
          unbounded = true;
          break;
        }
        numElements *= std::max<int64_t>(0, *size);
      }
      if (unbounded)
        continue;
      if (!type.getLayout().isIdentity() || type.getMemorySpace()) {
        fail() << "cannot place a buffer with a layout or memory space: "
               << type;
        continue;
      }
      if (alloc.getAlignment() &&
          *alloc.getAlignment() > static_cast<uint64_t>(kAlignment)) {
        fail() << "cannot place a buffer aligned to " << *alloc.getAlignment()
               << " bytes (the workspace guarantees " << kAlignment << ")";
        continue;
      }
      int64_t rawBytes =
          numElements *
          static_cast<int64_t>(
              layout.getTypeSize(type.getElementType()).getFixedValue());
      int64_t bytes = llvm::alignTo(rawBytes, kAlignment);
      SetVector<Value> aliases = collectAliases(alloc.getResult(), flow);

      // The op this buffer is hoisted to the start of: the innermost parallel
      // region op around it, or none (the function body).
      Operation *scope = nullptr;
      SmallVector<Operation *> parallelLoops; // outermost first
      for (Operation *p = alloc->getParentOp(); p != func;
           p = p->getParentOp()) {
        if (!isParallelRegionOp(p))
          continue;
        if (!scope)
          scope = p;
        parallelLoops.insert(parallelLoops.begin(), p);
      }
      Operation *scopeOp = scope ? scope : func.getOperation();

      // Hoisting out of sequential loops is only sound if no iteration's
      // buffer is still reachable in the next one; and nothing escapes the
      // function or a parallel iteration.
      bool escapes = false;
      for (Value a : aliases) {
        for (Operation *user : a.getUsers()) {
          if (isa<func::ReturnOp>(user)) {
            fail() << "cannot place a buffer returned by the function";
            escapes = true;
          } else if (scope && (!scope->isProperAncestor(user) ||
                               (user->hasTrait<OpTrait::IsTerminator>() &&
                                user->getParentOp() == scope))) {
            fail() << "cannot place a buffer that escapes its parallel "
                      "loop iteration";
            escapes = true;
          } else if (user->hasTrait<OpTrait::IsTerminator>() &&
                     isa<LoopLikeOpInterface>(user->getParentOp()) &&
                     user->getParentOp()->isAncestor(alloc) &&
                     scopeOp->isProperAncestor(user->getParentOp())) {
            fail() << "cannot place a buffer that escapes its loop iteration";
            escapes = true;
          }
          if (escapes)
            break;
        }
        if (escapes)
          break;
      }
      if (escapes)
        continue;

      if (scope) {
        if (!llvm::hasSingleElement(alloc->getParentRegion()->getBlocks()) ||
            scope->getNumRegions() != 1 ||
            !scope->getRegion(0).hasOneBlock()) {
          fail() << "cannot place a buffer inside a multi-block region";
          continue;
        }
        Block *scopeBlock = &scope->getRegion(0).front();
        int64_t &used = stackBytes[scopeBlock];
        if (used + bytes <= maxStackBytes) {
          used += bytes;
          stackAllocs.push_back({alloc, scopeBlock});
          stackBufferBytes[alloc] = bytes;
          continue;
        }
        // Too big for the stack: one workspace copy per iteration of the
        // enclosing parallel loops, if their trip counts are known.
        int64_t copies = 1;
        SmallVector<int64_t> tripCounts;
        for (Operation *loop : parallelLoops) {
          std::optional<SmallVector<int64_t>> counts =
              getStaticTripCounts(loop, func);
          if (!counts) {
            copies = -1;
            break;
          }
          for (int64_t c : *counts)
            copies *= c;
          llvm::append_range(tripCounts, *counts);
        }
        if (copies < 0) {
          fail() << "cannot place a " << rawBytes
                 << "-byte buffer allocated inside a loop (private to each "
                    "iteration of a parallel loop without a static trip "
                    "count, and over the "
                 << maxStackBytes << "-byte stack budget)";
          continue;
        }
        Buffer buffer;
        buffer.alloc = alloc;
        buffer.bytes = bytes;
        buffer.copies = copies;
        buffer.parallelLoops = parallelLoops;
        buffer.tripCounts = std::move(tripCounts);
        buffers.push_back(buffer);
      } else {
        Buffer buffer;
        buffer.alloc = alloc;
        buffer.bytes = bytes;
        buffers.push_back(buffer);
      }

      // Live range: from the (top-level ancestor of the) alloc to the last
      // top-level op using any alias; an op with regions uses what they use.
      Buffer &buffer = buffers.back();
      buffer.start = buffer.end = position[body.findAncestorOpInBlock(*alloc)];
      for (Value a : aliases)
        for (Operation *user : a.getUsers()) {
          if (isa<memref::DeallocOp>(user))
            continue;
          if (Operation *top = body.findAncestorOpInBlock(*user))
            buffer.end = std::max(buffer.end, position[top]);
        }
    }
    if (failedAny)
      return failure();

    // Greedy placement by size: largest first, each at the lowest
    // 64-byte-aligned offset not overlapping any already-placed buffer whose
    // live range intersects its own. Big buffers are the hard ones to fit;
    // small ones then fill the holes between them.
    SmallVector<unsigned> order(buffers.size());
    std::iota(order.begin(), order.end(), 0);
    llvm::stable_sort(order, [&](unsigned a, unsigned b) {
      if (buffers[a].footprint() != buffers[b].footprint())
        return buffers[a].footprint() > buffers[b].footprint();
      return buffers[a].start < buffers[b].start;
    });
    int64_t workspaceSize = 0, naiveSize = 0;
    SmallVector<unsigned> placed;
    for (unsigned i : order) {
      Buffer &buffer = buffers[i];
      SmallVector<unsigned> conflicts;
      for (unsigned j : placed)
        if (buffers[j].start <= buffer.end && buffer.start <= buffers[j].end)
          conflicts.push_back(j);
      llvm::sort(conflicts, [&](unsigned a, unsigned b) {
        return buffers[a].offset < buffers[b].offset;
      });
      int64_t offset = 0;
      for (unsigned j : conflicts) {
        if (offset + buffer.footprint() <= buffers[j].offset)
          break;
        offset = std::max(offset, buffers[j].offset + buffers[j].footprint());
      }
      buffer.offset = offset;
      placed.push_back(i);
      workspaceSize = std::max(workspaceSize, offset + buffer.footprint());
      naiveSize += buffer.footprint();
    }

    // The workspace argument.
    auto workspaceType =
        MemRefType::get({workspaceSize}, IntegerType::get(ctx, 8));
    unsigned workspaceIndex = func.getNumArguments();
    if (failed(func.insertArgument(workspaceIndex, workspaceType,
                                   DictionaryAttr::get(ctx), func.getLoc())))
      return func.emitError() << "kiln-plan-workspace: cannot add the "
                                 "workspace argument";
    Value workspace = func.getArgument(workspaceIndex);

    // Deallocs of planned buffers go: the caller owns the workspace.
    SmallVector<memref::DeallocOp> deallocs;
    func.walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    DenseSet<Value> planned;
    for (Buffer &buffer : buffers)
      for (Value a : collectAliases(buffer.alloc.getResult(), flow))
        planned.insert(a);
    for (auto [alloc, block] : stackAllocs)
      for (Value a : collectAliases(alloc.getResult(), flow))
        planned.insert(a);
    for (memref::DeallocOp op : deallocs)
      if (planned.contains(op.getMemref()))
        op.erase();

    // Workspace buffers become views at their offsets: in place at the top
    // level, before their top-level ancestor op if nested, and inside their
    // innermost parallel loop (offset by the iteration) if copied.
    for (Buffer &buffer : buffers) {
      memref::AllocOp alloc = buffer.alloc;
      Location loc = alloc.getLoc();
      OpBuilder b(alloc);
      Value offset;
      if (buffer.copies > 1 || alloc->getBlock() != &body) {
        ArrayRef<Operation *> loops = buffer.parallelLoops;
        if (!loops.empty()) {
          Operation *innermost = loops.back();
          b.setInsertionPointToStart(&innermost->getRegion(0).front());
          Value linear =
              buildLinearIteration(b, loc, loops, buffer.tripCounts);
          Value base = arith::ConstantIndexOp::create(b, loc, buffer.offset);
          Value stride = arith::ConstantIndexOp::create(b, loc, buffer.bytes);
          offset = arith::AddIOp::create(
              b, loc, base, arith::MulIOp::create(b, loc, linear, stride));
        } else {
          b.setInsertionPoint(body.findAncestorOpInBlock(*alloc));
        }
      }
      if (!offset)
        offset = arith::ConstantIndexOp::create(b, loc, buffer.offset);
      // Dynamic sizes are defined where the alloc was: the view stays
      // there, at the offset computed above.
      if (!alloc.getDynamicSizes().empty())
        b.setInsertionPoint(alloc);
      auto view = memref::ViewOp::create(b, loc, alloc.getType(), workspace,
                                         offset, alloc.getDynamicSizes());
      alloc.replaceAllUsesWith(view.getResult());
      alloc.erase();
    }

    // Stack buffers: allocas at the start of their parallel region, whose
    // every execution saves and restores the stack pointer. Without that,
    // allocas in a loop body (the region runs in a loop once outlined) grow
    // the stack by one copy per iteration.
    llvm::SetVector<Block *> stackBlocks;
    for (auto [alloc, block] : stackAllocs)
      stackBlocks.insert(block);
    DenseMap<Block *, Operation *> stackSaves;
    for (Block *block : stackBlocks) {
      Location loc = block->getParentOp()->getLoc();
      OpBuilder b = OpBuilder::atBlockBegin(block);
      auto save = LLVM::StackSaveOp::create(b, loc, LLVM::LLVMPointerType::get(ctx));
      b.setInsertionPoint(block->getTerminator());
      LLVM::StackRestoreOp::create(b, loc, save.getResult());
      stackSaves[block] = save;
    }
    for (auto [alloc, block] : stackAllocs) {
      OpBuilder b(ctx);
      b.setInsertionPointAfter(stackSaves[block]);
      if (alloc.getDynamicSizes().empty()) {
        auto alloca = memref::AllocaOp::create(
            b, alloc.getLoc(), alloc.getType(), alloc.getAlignmentAttr());
        alloc.replaceAllUsesWith(alloca.getResult());
        alloc.erase();
        continue;
      }
      // A dynamic size: the bytes of its upper bound on the stack, viewed
      // with the actual sizes where they are known (the alloc's place).
      auto bytesType = MemRefType::get({stackBufferBytes.lookup(alloc)},
                                       IntegerType::get(ctx, 8));
      auto alloca = memref::AllocaOp::create(
          b, alloc.getLoc(), bytesType,
          b.getI64IntegerAttr(kAlignment));
      b.setInsertionPoint(alloc);
      Value zero = arith::ConstantIndexOp::create(b, alloc.getLoc(), 0);
      auto view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(),
                                         alloca, zero, alloc.getDynamicSizes());
      alloc.replaceAllUsesWith(view.getResult());
      alloc.erase();
    }

    // The promise: no heap memory in the model function.
    WalkResult leftover = func.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp, memref::ReallocOp,
              bufferization::CloneOp, bufferization::DeallocOp>(op)) {
        op->emitError() << "kiln-plan-workspace: '" << op->getName()
                        << "' left in @" << funcName
                        << " (the model function must not use the heap)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      return failure();

    Builder b(ctx);
    module->setAttr("kiln.workspace_size", b.getI64IntegerAttr(workspaceSize));
    module->setAttr("kiln.workspace_naive_size",
                    b.getI64IntegerAttr(naiveSize));
    return success();
  }
};
} // namespace
