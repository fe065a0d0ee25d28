//===- LowerForallToRuntime.cpp - Parallel loops -> kiln_parallel_for -----===//
//
// kiln-lower-forall-to-runtime: deployed artifacts thread through the Kiln
// runtime's pool (kiln/runtime.h), not OpenMP. Each outermost scf.forall /
// scf.parallel on buffers becomes
//
//   ctx = alloca {captured values}; store ...
//   kiln_parallel_for(n, @body, ctx)
//
// with @body(ctx, begin, end) running iterations [begin, end) of the
// linearized iteration space. Memrefs travel as their LLVM descriptors,
// bridged with unrealized_conversion_cast ops that the LLVM conversions and
// reconcile-unrealized-casts resolve.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLOWERFORALLTORUNTIME
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
constexpr StringLiteral kParallelFor = "kiln_parallel_for";

/// The loop's bounds, whatever its kind.
struct LoopBounds {
  SmallVector<OpFoldResult> lbs, ubs, steps;
};

static std::optional<LoopBounds> getBounds(Operation *loop) {
  LoopBounds b;
  if (auto forall = dyn_cast<scf::ForallOp>(loop)) {
    if (forall.getNumResults() != 0)
      return std::nullopt;
    b.lbs = forall.getMixedLowerBound();
    b.ubs = forall.getMixedUpperBound();
    b.steps = forall.getMixedStep();
    return b;
  }
  auto par = cast<scf::ParallelOp>(loop);
  if (par.getNumResults() != 0 || !par.getInitVals().empty())
    return std::nullopt;
  for (auto [lb, ub, step] : llvm::zip(par.getLowerBound(),
                                       par.getUpperBound(), par.getStep())) {
    b.lbs.push_back(lb);
    b.ubs.push_back(ub);
    b.steps.push_back(step);
  }
  return b;
}

/// Clones side-effect-free constants used inside `region` but defined above
/// it into the region, so they need not travel through the context.
static void sinkConstants(Region &region) {
  SetVector<Value> above;
  getUsedValuesDefinedAbove(region, above);
  OpBuilder b(region.getContext());
  b.setInsertionPointToStart(&region.front());
  for (Value v : above) {
    Operation *def = v.getDefiningOp();
    if (!def || !matchPattern(v, m_Constant()))
      continue;
    Operation *clone = b.clone(*def);
    replaceAllUsesInRegionWith(v, clone->getResult(cast<OpResult>(v).getResultNumber()),
                               region);
  }
}

struct KilnLowerForallToRuntimePass
    : public kiln::impl::KilnLowerForallToRuntimeBase<
          KilnLowerForallToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> loops;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ForallOp, scf::ParallelOp>(op)) {
        loops.push_back(op);
        return WalkResult::skip(); // nested ones stay sequential
      }
      return WalkResult::advance();
    });
    if (loops.empty())
      return;

    SymbolTable symbols(module);
    for (Operation *loop : loops)
      if (failed(outline(loop, symbols)))
        return signalPassFailure();
  }

  func::FuncOp getOrDeclareParallelFor(SymbolTable &symbols) {
    if (auto fn = symbols.lookup<func::FuncOp>(kParallelFor))
      return fn;
    MLIRContext *ctx = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    auto fnType = FunctionType::get(ctx, {ptr, i64, i64}, {});
    OpBuilder b(ctx);
    ModuleOp module = getOperation();
    b.setInsertionPointToStart(module.getBody());
    auto decl = func::FuncOp::create(
        b, module.getLoc(), kParallelFor,
        FunctionType::get(ctx, {i64, fnType, ptr}, {}));
    decl.setPrivate();
    symbols.insert(decl);
    return decl;
  }

  LogicalResult outline(Operation *loop, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = loop->getLoc();
    std::optional<LoopBounds> bounds = getBounds(loop);
    if (!bounds) {
      // Loops with results/reductions stay sequential (still correct).
      return success();
    }
    auto parentFn = loop->getParentOfType<FunctionOpInterface>();
    if (!parentFn)
      return loop->emitError("parallel loop outside a function");

    Region &region = loop->getRegion(0);
    sinkConstants(region);
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(region, captured);
    // Run-time bounds (a loop over a dynamic dimension): the body recomputes
    // the trip counts from them to delinearize its iterations.
    for (ArrayRef<OpFoldResult> ofrs : {ArrayRef<OpFoldResult>(bounds->lbs),
                                        ArrayRef<OpFoldResult>(bounds->ubs),
                                        ArrayRef<OpFoldResult>(bounds->steps)})
      for (OpFoldResult ofr : ofrs)
        if (auto v = dyn_cast<Value>(ofr))
          captured.insert(v);

    auto ptrTy = LLVM::LLVMPointerType::get(ctx);
    auto i64 = IntegerType::get(ctx, 64);
    LLVMTypeConverter converter(ctx);
    SmallVector<Type> fieldTypes;
    for (Value v : captured) {
      Type t = v.getType();
      if (isa<MemRefType>(t)) {
        Type desc = converter.convertType(t);
        if (!desc)
          return loop->emitError("cannot pass ") << t << " to a parallel body";
        fieldTypes.push_back(desc);
      } else if (isa<IndexType>(t)) {
        fieldTypes.push_back(i64);
      } else if (LLVM::isCompatibleType(t)) {
        fieldTypes.push_back(t);
      } else {
        return loop->emitError("cannot pass a value of type ")
               << t << " to a parallel body";
      }
    }
    auto structTy = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);

    // --- Caller side: trip count, context, call. ---
    OpBuilder b(loop);
    int64_t rank = bounds->lbs.size();
    SmallVector<Value> tripCounts;
    Value total = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank; ++d) {
      Value lb = getValueOrCreateConstantIndexOp(b, loc, bounds->lbs[d]);
      Value ub = getValueOrCreateConstantIndexOp(b, loc, bounds->ubs[d]);
      Value step = getValueOrCreateConstantIndexOp(b, loc, bounds->steps[d]);
      Value diff = arith::SubIOp::create(b, loc, ub, lb);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value tc = arith::CeilDivSIOp::create(b, loc, diff, step);
      tc = arith::MaxSIOp::create(b, loc, tc, zero);
      tripCounts.push_back(tc);
      total = arith::MulIOp::create(b, loc, total, tc);
    }
    Value totalI64 = arith::IndexCastOp::create(b, loc, i64, total);

    Value ctxPtr;
    if (captured.empty()) {
      ctxPtr = LLVM::ZeroOp::create(b, loc, ptrTy);
    } else {
      OpBuilder entry(ctx);
      entry.setInsertionPointToStart(&parentFn.getFunctionBody().front());
      Value one = LLVM::ConstantOp::create(entry, loc, i64,
                                           entry.getI64IntegerAttr(1));
      ctxPtr = LLVM::AllocaOp::create(entry, loc, ptrTy, structTy, one);
      for (auto [i, v] : llvm::enumerate(captured)) {
        Value field = v;
        if (isa<MemRefType>(v.getType()))
          field = UnrealizedConversionCastOp::create(b, loc, fieldTypes[i], v)
                      .getResult(0);
        else if (isa<IndexType>(v.getType()))
          field = arith::IndexCastOp::create(b, loc, i64, v);
        Value addr = LLVM::GEPOp::create(
            b, loc, ptrTy, structTy, ctxPtr,
            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        LLVM::StoreOp::create(b, loc, field, addr);
      }
    }

    // --- The outlined body. ---
    auto bodyType = FunctionType::get(ctx, {ptrTy, i64, i64}, {});
    OpBuilder mb(ctx);
    mb.setInsertionPointAfter(parentFn);
    std::string name = (parentFn.getName() + "__kiln_par").str();
    auto bodyFn = func::FuncOp::create(mb, loc, name, bodyType);
    bodyFn.setPrivate();
    bodyFn->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    symbols.insert(bodyFn); // renames on collision
    Block *entryBlock = bodyFn.addEntryBlock();
    OpBuilder fb = OpBuilder::atBlockBegin(entryBlock);
    Value ctxArg = entryBlock->getArgument(0);
    IRMapping mapping;
    for (auto [i, v] : llvm::enumerate(captured)) {
      Value addr = LLVM::GEPOp::create(
          fb, loc, ptrTy, structTy, ctxArg,
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      Value field = LLVM::LoadOp::create(fb, loc, fieldTypes[i], addr);
      if (isa<MemRefType>(v.getType()))
        field = UnrealizedConversionCastOp::create(fb, loc, v.getType(), field)
                    .getResult(0);
      else if (isa<IndexType>(v.getType()))
        field = arith::IndexCastOp::create(fb, loc, fb.getIndexType(), field);
      mapping.map(v, field);
    }
    auto toBodyValue = [&](OpFoldResult ofr) -> Value {
      if (auto v = dyn_cast<Value>(ofr))
        return mapping.lookupOrDefault(v);
      return arith::ConstantIndexOp::create(
          fb, loc, cast<IntegerAttr>(cast<Attribute>(ofr)).getInt());
    };
    SmallVector<Value> lbs, steps, tcs;
    for (int64_t d = 0; d < rank; ++d) {
      lbs.push_back(toBodyValue(bounds->lbs[d]));
      steps.push_back(toBodyValue(bounds->steps[d]));
      // Trip counts are recomputed from the bounds inside the body.
      Value ub = toBodyValue(bounds->ubs[d]);
      Value diff = arith::SubIOp::create(fb, loc, ub, lbs.back());
      tcs.push_back(arith::CeilDivSIOp::create(fb, loc, diff, steps.back()));
    }
    Value begin = arith::IndexCastOp::create(fb, loc, fb.getIndexType(),
                                             entryBlock->getArgument(1));
    Value end = arith::IndexCastOp::create(fb, loc, fb.getIndexType(),
                                           entryBlock->getArgument(2));
    Value one = arith::ConstantIndexOp::create(fb, loc, 1);
    auto forOp = scf::ForOp::create(fb, loc, begin, end, one);
    func::ReturnOp::create(fb, loc);

    OpBuilder lb = OpBuilder::atBlockBegin(forOp.getBody());
    // Delinearize (row-major, last dimension fastest).
    Block &loopBlock = region.front();
    Value rest = forOp.getInductionVar();
    SmallVector<Value> ivs(rank);
    for (int64_t d = rank - 1; d >= 0; --d) {
      Value idx = rest;
      if (d > 0) {
        idx = arith::RemSIOp::create(lb, loc, rest, tcs[d]);
        rest = arith::DivSIOp::create(lb, loc, rest, tcs[d]);
      }
      Value scaled = arith::MulIOp::create(lb, loc, idx, steps[d]);
      ivs[d] = arith::AddIOp::create(lb, loc, lbs[d], scaled);
    }
    for (int64_t d = 0; d < rank; ++d)
      mapping.map(loopBlock.getArgument(d), ivs[d]);
    for (Operation &op : loopBlock.without_terminator())
      lb.clone(op, mapping);

    // --- Replace the loop. ---
    func::FuncOp parallelFor = getOrDeclareParallelFor(symbols);
    Value fnRef = func::ConstantOp::create(b, loc, bodyType,
                                           SymbolRefAttr::get(bodyFn));
    func::CallOp::create(b, loc, parallelFor,
                         ValueRange{totalI64, fnRef, ctxPtr});
    loop->erase();
    return success();
  }
};
} // namespace
