//===- LowerDynamicArguments.cpp - Run-time dims for the model function ---===//
//
// kiln-lower-dynamic-arguments: the model function is lowered with the
// bare-pointer calling convention (one pointer per tensor), which cannot
// carry the sizes of a dynamic memref. A model compiled with dimension
// ranges therefore takes its actual input dims as one more argument (a
// buffer of int64, one per dynamic input dim, in input order and dim order,
// placed before the workspace), and every dynamic memref argument becomes a
// static flat buffer of its upper-bound size, rebuilt with
// memref.reinterpret_cast:
//  - an input from the run-time dims, at the function entry;
//  - an out-param from the shape of the value copied into it (the usual
//    form after buffer-results-to-out-params), right before that copy, so
//    the output is written densely in its actual shape at the start of the
//    caller's buffer; an out-param written in place, from the dims its dims
//    result stores. The caller learns that shape from the output's dims
//    result (kiln.output_dims).
// It also works around an LLVM 22 crash on expand_shapes with several
// dynamic dims in one group (see relaxMultiDynamicExpandShapes).
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLOWERDYNAMICARGUMENTS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// Elements of a buffer with the given dims (upper bounds), at least one (a
/// bare pointer always points at something); nullopt on overflow.
static std::optional<int64_t> flatElements(ArrayRef<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && n > std::numeric_limits<int64_t>::max() / d))
      return std::nullopt;
    n *= d;
  }
  return std::max<int64_t>(n, 1);
}

/// Row-major strides of `sizes` (constants where the later sizes are).
static SmallVector<OpFoldResult> rowMajorStrides(OpBuilder &b, Location loc,
                                                 ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(sizes.size());
  OpFoldResult running = b.getIndexAttr(1);
  auto toValue = [&](OpFoldResult v) -> Value {
    if (auto value = dyn_cast<Value>(v))
      return value;
    return arith::ConstantIndexOp::create(b, loc, *getConstantIntValue(v));
  };
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    strides[d] = running;
    if (d == 0)
      break;
    std::optional<int64_t> r = getConstantIntValue(running);
    std::optional<int64_t> s = getConstantIntValue(sizes[d]);
    if (r && s)
      running = b.getIndexAttr(*r * *s);
    else if (r && *r == 1)
      running = sizes[d];
    else
      running = arith::MulIOp::create(b, loc, toValue(running),
                                      toValue(sizes[d]))
                    .getResult();
  }
  return strides;
}

/// `flat` viewed as `type` (identity layout) with the given sizes.
static Value viewAs(OpBuilder &b, Location loc, MemRefType type, Value flat,
                    ArrayRef<OpFoldResult> sizes) {
  return memref::ReinterpretCastOp::create(b, loc, type, flat,
                                           b.getIndexAttr(0), sizes,
                                           rowMajorStrides(b, loc, sizes));
}

/// An out-param written in place: viewed in the shape its dims result holds
/// (the i64 values stored, at the top level of `entry`, into `dimsParam` or
/// into a buffer copied into it), from where those values are defined on.
static LogicalResult viewFromDimsResult(Block &entry, BlockArgument arg,
                                        MemRefType type, Value dimsParam) {
  SmallVector<Value> sources = {dimsParam};
  for (Operation *user : dimsParam.getUsers())
    if (auto copy = dyn_cast<memref::CopyOp>(user))
      if (copy.getTarget() == dimsParam)
        sources.push_back(copy.getSource());
  SmallVector<Value> stored(type.getRank());
  for (Operation &op : entry) {
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store || !llvm::is_contained(sources, store.getMemRef()) ||
        store.getIndices().size() != 1)
      continue;
    std::optional<int64_t> d = getConstantIntValue(store.getIndices()[0]);
    if (!d || *d < 0 || *d >= type.getRank())
      return failure();
    if (stored[*d] && stored[*d] != store.getValue())
      return failure(); // stored twice: which one is final is unclear
    stored[*d] = store.getValue();
  }
  // The view goes after the last definition of a needed dim, before every
  // use of the out-param.
  Operation *after = nullptr;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    if (!stored[d] || !stored[d].getType().isInteger(64))
      return failure();
    // A dim stored as index_cast(%size) (the importer's form) is %size,
    // which is usually defined long before the out-param is written.
    if (auto cast = stored[d].getDefiningOp<arith::IndexCastOp>())
      stored[d] = cast.getIn();
    Operation *def = stored[d].getDefiningOp();
    if (!def)
      continue; // a block argument of the entry block
    if (def->getBlock() != &entry)
      return failure();
    if (!after || after->isBeforeInBlock(def))
      after = def;
  }
  for (Operation *user : arg.getUsers()) {
    Operation *top = entry.findAncestorOpInBlock(*user);
    if (!top || (after && (top == after || top->isBeforeInBlock(after))))
      return failure();
  }
  OpBuilder b = after ? OpBuilder(after->getBlock(), ++after->getIterator())
                      : OpBuilder::atBlockBegin(&entry);
  Location loc = arg.getLoc();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(
        !type.isDynamicDim(d) ? OpFoldResult(b.getIndexAttr(type.getDimSize(d)))
        : stored[d].getType().isIndex()
            ? OpFoldResult(stored[d])
            : OpFoldResult(arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                                      stored[d])
                               .getResult()));
  Value view = viewAs(b, loc, type, arg, sizes);
  arg.replaceAllUsesExcept(view, view.getDefiningOp());
  return success();
}

/// LLVM 22's expand-strided-metadata crashes on a memref.expand_shape with
/// more than one dynamic dim in a reassociation group (llvm-project#186830,
/// fixed for LLVM 23), which collapsed elementwise ops over several dynamic
/// dims produce. Such an expand_shape becomes a reinterpret_cast of its
/// source's base buffer with the sizes of its output_shape and the strides
/// they imply.
static void relaxMultiDynamicExpandShapes(ModuleOp module) {
  SmallVector<memref::ExpandShapeOp> worklist;
  module.walk([&](memref::ExpandShapeOp op) {
    MemRefType type = op.getResultType();
    for (const ReassociationIndices &group : op.getReassociationIndices())
      if (llvm::count_if(group, [&](int64_t d) {
            return type.isDynamicDim(d);
          }) > 1) {
        worklist.push_back(op);
        return;
      }
  });
  for (memref::ExpandShapeOp op : worklist) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    MemRefType type = op.getResultType();
    auto [resultStrides, resultOffset] = type.getStridesAndOffset();
    auto meta =
        memref::ExtractStridedMetadataOp::create(b, loc, op.getSrc());
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(type.getRank());
    auto mul = [&](OpFoldResult x, OpFoldResult y) -> OpFoldResult {
      std::optional<int64_t> cx = getConstantIntValue(x);
      std::optional<int64_t> cy = getConstantIntValue(y);
      if (cx && cy)
        return b.getIndexAttr(*cx * *cy);
      if (cx && *cx == 1)
        return y;
      if (cy && *cy == 1)
        return x;
      auto value = [&](OpFoldResult v) -> Value {
        if (auto c = getConstantIntValue(v))
          return arith::ConstantIndexOp::create(b, loc, *c);
        return cast<Value>(v);
      };
      return arith::MulIOp::create(b, loc, value(x), value(y)).getResult();
    };
    for (auto [srcDim, group] : llvm::enumerate(op.getReassociationIndices())) {
      OpFoldResult stride = getAsOpFoldResult(meta.getStrides()[srcDim]);
      for (int64_t k = static_cast<int64_t>(group.size()) - 1; k >= 0; --k) {
        strides[group[k]] = stride;
        if (k > 0)
          stride = mul(stride, sizes[group[k]]);
      }
    }
    // What the result type has static must be given static.
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (!ShapedType::isDynamic(resultStrides[d]))
        strides[d] = b.getIndexAttr(resultStrides[d]);
    OpFoldResult offset =
        ShapedType::isDynamic(resultOffset)
            ? getAsOpFoldResult(meta.getOffset())
            : OpFoldResult(b.getIndexAttr(resultOffset));
    auto view = memref::ReinterpretCastOp::create(
        b, loc, type, meta.getBaseBuffer(), offset, sizes, strides);
    op.replaceAllUsesWith(view.getResult());
    op.erase();
  }
}

struct KilnLowerDynamicArgumentsPass
    : public kiln::impl::KilnLowerDynamicArgumentsBase<
          KilnLowerDynamicArgumentsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    relaxMultiDynamicExpandShapes(module);
    auto func = module.lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal())
      return;
    auto isDynamic = [](Type t) {
      auto m = dyn_cast<MemRefType>(t);
      return m && !m.hasStaticShape();
    };
    if (!llvm::any_of(func.getArgumentTypes(), isDynamic))
      return;
    if (failed(lower(module, func)))
      signalPassFailure();
  }

  LogicalResult lower(ModuleOp module, func::FuncOp func) {
    MLIRContext *ctx = &getContext();
    auto inNames = func->getAttrOfType<ArrayAttr>("kiln.input_names");
    auto outNames = func->getAttrOfType<ArrayAttr>("kiln.output_names");
    auto ranges = func->getAttrOfType<ArrayAttr>("kiln.input_ranges");
    auto outBounds =
        func->getAttrOfType<ArrayAttr>("kiln.output_upper_bounds");
    auto outDims = func->getAttrOfType<DenseI64ArrayAttr>("kiln.output_dims");
    if (!inNames || !outNames)
      return func.emitError("a model function with dynamic memref arguments "
                            "needs kiln.input_names and kiln.output_names");
    size_t numInputs = inNames.size(), numOutputs = outNames.size();
    size_t numDimsResults =
        outDims ? llvm::count_if(outDims.asArrayRef(),
                                 [](int64_t r) { return r >= 0; })
                : 0;
    size_t numArgs = func.getNumArguments();
    size_t expected = numInputs + numOutputs + numDimsResults;
    // kiln-plan-workspace appends the workspace.
    if (numArgs != expected && numArgs != expected + 1)
      return func.emitError()
             << "expected " << expected
             << " arguments (inputs, out-params, dims results) and an "
                "optional workspace, got "
             << numArgs;
    if (!ranges || ranges.size() != numInputs)
      return func.emitError("dynamic inputs need kiln.input_ranges (one "
                            "entry per input)");

    Block &entry = func.getBody().front();
    SmallVector<Type> argTypes(func.getArgumentTypes());
    // Every dynamic (input, dim), in order: the layout of the dims argument.
    SmallVector<int64_t> dynamicDims;
    struct Input {
      unsigned arg;
      MemRefType type;
      SmallVector<unsigned> dimSlots; // slot in the dims buffer per `?` dim
    };
    SmallVector<Input> inputs;
    for (unsigned i = 0; i < numArgs; ++i) {
      auto type = dyn_cast<MemRefType>(argTypes[i]);
      if (!type || type.hasStaticShape())
        continue;
      bool isInput = i < numInputs;
      bool isOutput = !isInput && i < numInputs + numOutputs;
      if (!isInput && !isOutput)
        return func.emitError() << "argument " << i
                                << " (dims result or workspace) must have a "
                                   "static shape, got "
                                << type;
      if (!type.getLayout().isIdentity())
        return func.emitError() << "dynamic argument " << i
                                << " must have the identity layout, got "
                                << type;
      // Upper bounds: from the input ranges (3 values per dim, max last) or
      // the output bounds the bufferize stage recorded.
      SmallVector<int64_t> bounds;
      if (isInput) {
        auto range = dyn_cast<DenseI64ArrayAttr>(ranges[i]);
        if (!range || range.size() != 3 * type.getRank())
          return func.emitError() << "kiln.input_ranges[" << i
                                  << "] must hold 3 values per dimension";
        for (int64_t d = 0; d < type.getRank(); ++d)
          bounds.push_back(range[3 * d + 2]);
      } else {
        size_t o = i - numInputs;
        auto bound = outBounds && o < outBounds.size()
                         ? dyn_cast<DenseI64ArrayAttr>(outBounds[o])
                         : DenseI64ArrayAttr();
        if (!bound || bound.size() != type.getRank())
          return func.emitError()
                 << "dynamic output " << o
                 << " needs its upper bounds in kiln.output_upper_bounds";
        bounds.assign(bound.asArrayRef().begin(), bound.asArrayRef().end());
      }
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (!type.isDynamicDim(d) && type.getDimSize(d) != bounds[d])
          return func.emitError()
                 << "argument " << i << " has static dim " << d << " = "
                 << type.getDimSize(d) << " but its upper bound is "
                 << bounds[d];
      std::optional<int64_t> elements = flatElements(bounds);
      if (!elements ||
          *elements > std::numeric_limits<int64_t>::max() /
                          std::max<int64_t>(
                              1, llvm::divideCeil(
                                     type.getElementTypeBitWidth(), 8)))
        return func.emitError() << "argument " << i
                                << " is too large at its upper bounds";
      argTypes[i] = MemRefType::get({*elements}, type.getElementType(),
                                    MemRefLayoutAttrInterface(),
                                    type.getMemorySpace());
      if (isInput) {
        Input in{i, type, {}};
        for (int64_t d = 0; d < type.getRank(); ++d) {
          if (!type.isDynamicDim(d))
            continue;
          in.dimSlots.push_back(dynamicDims.size() / 2);
          dynamicDims.append({int64_t(i), d});
        }
        inputs.push_back(std::move(in));
      }
    }

    // The dims argument goes before the workspace (if any).
    unsigned dimsIndex = expected;
    int64_t numDynamic = std::max<int64_t>(dynamicDims.size() / 2, 1);
    auto dimsType = MemRefType::get({numDynamic}, IntegerType::get(ctx, 64));
    if (failed(func.insertArgument(dimsIndex, dimsType, DictionaryAttr(),
                                   func.getLoc())))
      return func.emitError("cannot add the input dims argument");
    Value dimsArg = entry.getArgument(dimsIndex);
    argTypes.insert(argTypes.begin() + dimsIndex, dimsType);

    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Location loc = func.getLoc();
    for (Input &in : inputs) {
      BlockArgument arg = entry.getArgument(in.arg);
      arg.setType(argTypes[in.arg]);
      SmallVector<OpFoldResult> sizes;
      unsigned k = 0;
      for (int64_t d = 0; d < in.type.getRank(); ++d) {
        if (!in.type.isDynamicDim(d)) {
          sizes.push_back(b.getIndexAttr(in.type.getDimSize(d)));
          continue;
        }
        Value slot = arith::ConstantIndexOp::create(b, loc, in.dimSlots[k++]);
        Value dim = memref::LoadOp::create(b, loc, dimsArg, slot);
        sizes.push_back(
            arith::IndexCastOp::create(b, loc, b.getIndexType(), dim)
                .getResult());
      }
      Value view = viewAs(b, loc, in.type, arg, sizes);
      arg.replaceAllUsesExcept(view, view.getDefiningOp());
    }

    // Out-params: viewed in the shape of what is copied into them.
    for (unsigned i = numInputs; i < numInputs + numOutputs; ++i) {
      BlockArgument arg = entry.getArgument(i);
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || type.hasStaticShape())
        continue;
      arg.setType(argTypes[i]);
      if (arg.use_empty())
        continue;
      auto copy = dyn_cast<memref::CopyOp>(*arg.getUsers().begin());
      if (!arg.hasOneUse() || !copy || copy.getTarget() != arg) {
        int64_t dimsResult = outDims ? outDims[i - numInputs] : -1;
        if (dimsResult < 0 ||
            failed(viewFromDimsResult(
                entry, arg, type, entry.getArgument(numInputs + dimsResult))))
          return func.emitError()
                 << "dynamic output " << (i - numInputs)
                 << " must be written by one memref.copy into its out-param, "
                    "or its dims result must be stored at the top level "
                    "(its actual shape is taken from the copied value or "
                    "the stored dims)";
        continue;
      }
      b.setInsertionPoint(copy);
      Location copyLoc = copy.getLoc();
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(
            type.isDynamicDim(d)
                ? OpFoldResult(
                      memref::DimOp::create(b, copyLoc, copy.getSource(), d)
                          .getResult())
                : OpFoldResult(b.getIndexAttr(type.getDimSize(d))));
      Value view = viewAs(b, copyLoc, type, arg, sizes);
      copy.getTargetMutable().assign(view);
    }

    func.setType(FunctionType::get(ctx, argTypes, func.getResultTypes()));
    // The ABI (lib/Target/ModelABI.cpp) fills the dims buffer in this
    // order; the driver checks it against the model's signature.
    module->setAttr("kiln.dynamic_input_dims",
                    DenseI64ArrayAttr::get(ctx, dynamicDims));
    return success();
  }
};
} // namespace
