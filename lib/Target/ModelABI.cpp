//===- ModelABI.cpp - The C ABI of a compiled model -----------------------===//
#include "kiln/Target/ModelABI.h"

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;
using namespace mlir::kiln;

int32_t mlir::kiln::dtypeCode(Type t) {
  if (isa<StringType>(t))
    return 8;
  if (t.isF32())
    return 1;
  if (t.isF16())
    return 10;
  if (t.isF64())
    return 11;
  if (t.isBF16())
    return 16;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool isUnsigned = i.isUnsigned();
    switch (i.getWidth()) {
    case 1:
      return 9;
    case 8:
      return isUnsigned ? 2 : 3;
    case 16:
      return isUnsigned ? 4 : 5;
    case 32:
      return isUnsigned ? 12 : 6;
    case 64:
      return isUnsigned ? 13 : 7;
    default:
      return 0;
    }
  }
  return 0;
}

// Outputs: a dynamic dim is allowed when the output has a dims result (its
// bound is set later by setOutputUpperBounds; -1 until then). Inputs: a
// dynamic dim needs its range.
static FailureOr<TensorSignature>
tensorSignature(func::FuncOp func, StringRef kind, unsigned i, Type type,
                ArrayAttr names, bool allowDynamic = false) {
  TensorSignature sig;
  if (names && i < names.size())
    if (auto s = dyn_cast<StringAttr>(names[i]))
      sig.name = s.str();
  if (sig.name.empty())
    sig.name = (kind + Twine(i)).str();
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || (!allowDynamic && !tensor.hasStaticShape()))
    return func.emitError() << kind << " '" << sig.name << "' has type " << type
                            << "; compiled models need static shapes or "
                               "ranges (pin them with --input-shape "
                               "NAME=DxDx..., or give ranges with --dim "
                               "NAME=MIN:MAX)";
  sig.dtype = dtypeCode(tensor.getElementType());
  if (!sig.dtype)
    return func.emitError() << kind << " '" << sig.name
                            << "' has unsupported element type "
                            << tensor.getElementType();
  for (int64_t d : tensor.getShape())
    sig.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return sig;
}

// Ranges and symbols of the inputs of a model compiled with ranges.
static LogicalResult setInputRanges(func::FuncOp func,
                                    MutableArrayRef<TensorSignature> inputs) {
  auto ranges = func->getAttrOfType<ArrayAttr>("kiln.input_ranges");
  auto symbols = func->getAttrOfType<ArrayAttr>("kiln.input_dim_symbols");
  bool dynamic = llvm::any_of(inputs, [](const TensorSignature &t) {
    return llvm::is_contained(t.shape, -1);
  });
  if (!dynamic)
    return success();
  if (!ranges || ranges.size() != inputs.size() ||
      (symbols && symbols.size() != inputs.size()))
    return func.emitError() << "internal error: dynamic inputs without "
                               "kiln.input_ranges/kiln.input_dim_symbols";
  // A dynamic dim without a symbol gets one of its own.
  int64_t nextSymbol = 0;
  if (symbols)
    for (Attribute a : symbols)
      if (auto s = dyn_cast<DenseI64ArrayAttr>(a))
        for (int64_t id : s.asArrayRef())
          nextSymbol = std::max(nextSymbol, id + 1);
  for (auto [i, t] : llvm::enumerate(inputs)) {
    auto range = dyn_cast<DenseI64ArrayAttr>(ranges[i]);
    auto sym = symbols ? dyn_cast<DenseI64ArrayAttr>(symbols[i])
                       : DenseI64ArrayAttr();
    size_t rank = t.shape.size();
    if (!range || range.size() != static_cast<int64_t>(3 * rank) ||
        (symbols && (!sym || sym.size() != static_cast<int64_t>(rank))))
      return func.emitError() << "internal error: bad kiln.input_ranges/"
                                 "kiln.input_dim_symbols of input '"
                              << t.name << "'";
    for (size_t d = 0; d < rank; ++d) {
      if (t.shape[d] >= 0) { // static
        t.minShape.push_back(t.shape[d]);
        t.dimSymbols.push_back(-1);
        continue;
      }
      int64_t lo = range[3 * d], hi = range[3 * d + 2];
      if (lo < 0 || hi < lo)
        return func.emitError() << "input '" << t.name << "': dimension " << d
                                << " has an invalid range " << lo << ".."
                                << hi;
      t.minShape.push_back(lo);
      t.shape[d] = hi;
      int64_t id = sym && sym[d] >= 0 ? sym[d] : nextSymbol++;
      t.dimSymbols.push_back(id);
    }
  }
  // Dims with one symbol must be able to be equal: their ranges are one.
  for (const TensorSignature &a : inputs)
    for (size_t d = 0; d < a.dimSymbols.size(); ++d)
      for (const TensorSignature &b : inputs)
        for (size_t e = 0; e < b.dimSymbols.size(); ++e)
          if (a.dimSymbols[d] >= 0 && a.dimSymbols[d] == b.dimSymbols[e] &&
              (a.minShape[d] != b.minShape[e] || a.shape[d] != b.shape[e]))
            return func.emitError()
                   << "internal error: inputs '" << a.name << "' and '"
                   << b.name << "' share a dimension symbol with different "
                   << "ranges";
  return success();
}

FailureOr<ModelSignature> mlir::kiln::getModelSignature(func::FuncOp func) {
  ModelSignature signature;
  auto inNames = func->getAttrOfType<ArrayAttr>("kiln.input_names");
  auto outNames = func->getAttrOfType<ArrayAttr>("kiln.output_names");
  // Results after the outputs hold the dims of data-dependent outputs.
  auto outDims = func->getAttrOfType<DenseI64ArrayAttr>("kiln.output_dims");
  bool hasRanges = func->hasAttr("kiln.input_ranges");
  FunctionType type = func.getFunctionType();
  size_t numOutputs = outNames ? outNames.size() : type.getNumResults();
  if (numOutputs > type.getNumResults() ||
      (outDims && outDims.size() != static_cast<int64_t>(numOutputs)))
    return func.emitError() << "internal error: kiln.output_names/"
                               "kiln.output_dims do not match the results";
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto sig = tensorSignature(func, "input", i, t, inNames, hasRanges);
    if (failed(sig))
      return failure();
    signature.inputs.push_back(*sig);
  }
  if (failed(setInputRanges(func, signature.inputs)))
    return failure();
  for (size_t i = 0; i < numOutputs; ++i) {
    bool hasDims = outDims && outDims[i] >= 0;
    auto sig = tensorSignature(func, "output", i, type.getResult(i), outNames,
                               hasDims);
    if (failed(sig))
      return failure();
    if (hasDims) {
      auto dimsType = dyn_cast<RankedTensorType>(
          outDims[i] < type.getNumResults() ? type.getResult(outDims[i])
                                            : Type());
      if (outDims[i] < static_cast<int64_t>(numOutputs) || !dimsType ||
          dimsType.getShape() != ArrayRef<int64_t>{int64_t(sig->shape.size())})
        return func.emitError() << "internal error: bad dims result for "
                                << "output '" << sig->name << "'";
      sig->dimsResult = outDims[i];
    }
    signature.outputs.push_back(*sig);
  }
  if (signature.numDimsResults() != type.getNumResults() - numOutputs)
    return func.emitError() << "internal error: unexpected extra results";
  return signature;
}

LogicalResult mlir::kiln::setOutputUpperBounds(ModelSignature &signature,
                                               Operation *fn) {
  auto bounds = fn->getAttrOfType<ArrayAttr>("kiln.output_upper_bounds");
  for (auto [i, output] : llvm::enumerate(signature.outputs)) {
    if (!llvm::is_contained(output.shape, -1))
      continue;
    auto bound = bounds && i < bounds.size()
                     ? dyn_cast<DenseI64ArrayAttr>(bounds[i])
                     : DenseI64ArrayAttr();
    if (!bound || bound.size() != static_cast<int64_t>(output.shape.size()))
      return fn->emitError() << "internal error: no upper bound for the "
                                "dynamic shape of output '"
                             << output.name << "' (kiln.output_upper_bounds)";
    for (auto [d, b] : llvm::enumerate(bound.asArrayRef())) {
      if (b < 0 || (output.shape[d] >= 0 && output.shape[d] != b))
        return fn->emitError() << "internal error: bad upper bound " << b
                               << " of dimension " << d << " of output '"
                               << output.name << "'";
      output.shape[d] = b;
    }
  }
  return success();
}

bool ModelSignature::hasDynamicInputs() const {
  return llvm::any_of(inputs, [](const TensorSignature &t) {
    return llvm::any_of(t.dimSymbols, [](int64_t s) { return s >= 0; });
  });
}

std::vector<int64_t> ModelSignature::dynamicInputDims() const {
  std::vector<int64_t> dims;
  for (auto [i, t] : llvm::enumerate(inputs))
    for (auto [d, s] : llvm::enumerate(t.dimSymbols))
      if (s >= 0)
        dims.insert(dims.end(), {int64_t(i), int64_t(d)});
  return dims;
}

size_t ModelSignature::numDimsResults() const {
  return llvm::count_if(
      outputs, [](const TensorSignature &t) { return t.dimsResult >= 0; });
}

uint64_t mlir::kiln::layoutWorkspace(ModelSignature &signature,
                                     uint64_t plannedBytes,
                                     uint64_t stringArenaBytes) {
  uint64_t end = plannedBytes;
  for (TensorSignature &output : signature.outputs) {
    if (output.dimsResult < 0)
      continue;
    output.dimsOffset = llvm::alignTo(end, 8);
    end = output.dimsOffset + 8 * output.shape.size();
  }
  if (signature.usesStrings) {
    signature.stringArenaOffset = llvm::alignTo(end, 64);
    signature.stringArenaSize = stringArenaBytes;
    end = signature.stringArenaOffset + stringArenaBytes;
  }
  return end;
}

namespace {
/// Builds the constant descriptor tables of include/kiln/runtime.h.
class DescriptorBuilder {
public:
  DescriptorBuilder(llvm::Module &m, StringRef prefix)
      : m(m), ctx(m.getContext()), prefix(prefix.str()),
        ptrTy(llvm::PointerType::getUnqual(ctx)),
        i32Ty(llvm::Type::getInt32Ty(ctx)), i64Ty(llvm::Type::getInt64Ty(ctx)),
        // struct kiln_tensor_desc { const char*; int32; int32; const int64*;
        //                           int64 dims_offset; const int64 *min_shape;
        //                           const int64 *dim_symbols; }
        tensorDescTy(llvm::StructType::get(
            ctx, {ptrTy, i32Ty, i32Ty, ptrTy, i64Ty, ptrTy, ptrTy})),
        // struct kiln_model_info { const char*; int32; int32; desc*; desc*;
        //                          uint64; run fn*; uint64 string_arena;
        //                          run_dims fn*; weights desc*;
        //                          weights state*; cpu requirements* }
        infoTy(llvm::StructType::get(ctx, {ptrTy, i32Ty, i32Ty, ptrTy, ptrTy,
                                           i64Ty, ptrTy, i64Ty, ptrTy, ptrTy,
                                           ptrTy, ptrTy})) {}

  llvm::Constant *string(StringRef s, StringRef what) {
    auto *init = llvm::ConstantDataArray::getString(ctx, s);
    return privateGlobal(init, what);
  }

  /// A constant int64 array (NULL when empty).
  llvm::Constant *int64Array(ArrayRef<int64_t> values, StringRef what) {
    if (values.empty())
      return llvm::ConstantPointerNull::get(ptrTy);
    auto *init = llvm::ConstantDataArray::get(
        ctx, ArrayRef<uint64_t>(reinterpret_cast<const uint64_t *>(values.data()),
                                values.size()));
    return privateGlobal(init, what);
  }

  llvm::Constant *descTable(ArrayRef<TensorSignature> tensors,
                            StringRef what) {
    if (tensors.empty())
      return llvm::ConstantPointerNull::get(ptrTy);
    std::vector<llvm::Constant *> descs;
    for (auto [i, t] : llvm::enumerate(tensors)) {
      std::string tag = (what + Twine(i)).str();
      llvm::Constant *shape = int64Array(t.shape, tag + "_shape");
      shapes.push_back(shape);
      descs.push_back(llvm::ConstantStruct::get(
          tensorDescTy,
          {string(t.name, tag + "_name"),
           llvm::ConstantInt::get(i32Ty, t.dtype),
           llvm::ConstantInt::get(i32Ty, t.shape.size()), shape,
           llvm::ConstantInt::getSigned(i64Ty, t.dimsOffset),
           // Only models with ranges have these (for every input).
           t.dimSymbols.empty() ? llvm::ConstantPointerNull::get(ptrTy)
                                : int64Array(t.minShape, tag + "_min_shape"),
           t.dimSymbols.empty()
               ? llvm::ConstantPointerNull::get(ptrTy)
               : int64Array(t.dimSymbols, tag + "_dim_symbols")}));
    }
    auto *arrayTy = llvm::ArrayType::get(tensorDescTy, descs.size());
    return privateGlobal(llvm::ConstantArray::get(arrayTy, descs), what);
  }

  llvm::Constant *privateGlobal(llvm::Constant *init, StringRef what) {
    auto *g = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                       llvm::GlobalValue::PrivateLinkage, init,
                                       prefix + "_" + what);
    g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return g;
  }

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  std::string prefix;
  llvm::PointerType *ptrTy;
  llvm::IntegerType *i32Ty, *i64Ty;
  llvm::StructType *tensorDescTy, *infoTy;
  /// The shape arrays of the tables built so far, in order.
  std::vector<llvm::Constant *> shapes;
};
} // namespace

// Defines `ret NAME(void) { return value; }`.
static void defineConstantGetter(DescriptorBuilder &b, StringRef name,
                                 llvm::Constant *value) {
  auto *fnTy = llvm::FunctionType::get(value->getType(), false);
  auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                    b.prefix + "_" + name, b.m);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(b.ctx, "entry", fn));
  builder.CreateRet(value);
}

// Defines `ret NAME(int i)` returning field `field` of tensor descriptor i of
// `table`, or `fallback` when i is out of range.
static void defineDescGetter(DescriptorBuilder &b, StringRef name,
                             llvm::Constant *table, size_t count,
                             unsigned field, llvm::Type *retTy,
                             llvm::Constant *fallback) {
  auto *fnTy = llvm::FunctionType::get(retTy, {b.i32Ty}, false);
  auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                    b.prefix + "_" + name, b.m);
  auto *entry = llvm::BasicBlock::Create(b.ctx, "entry", fn);
  auto *inRange = llvm::BasicBlock::Create(b.ctx, "in_range", fn);
  auto *outOfRange = llvm::BasicBlock::Create(b.ctx, "out_of_range", fn);
  llvm::IRBuilder<> builder(entry);
  llvm::Value *index = fn->getArg(0);
  builder.CreateCondBr(
      builder.CreateICmpULT(index, llvm::ConstantInt::get(b.i32Ty, count)),
      inRange, outOfRange);
  builder.SetInsertPoint(outOfRange);
  builder.CreateRet(fallback);
  builder.SetInsertPoint(inRange);
  llvm::Value *slot = builder.CreateInBoundsGEP(
      b.tensorDescTy, table,
      {builder.CreateZExt(index, b.i64Ty), builder.getInt32(field)});
  builder.CreateRet(builder.CreateLoad(retTy, slot));
}

namespace {
/// The model's weights globals (null without extracted weights).
struct WeightsGlobals {
  llvm::GlobalVariable *desc = nullptr;  // const kiln_weights_desc
  llvm::GlobalVariable *state = nullptr; // kiln_weights_state
};
} // namespace

/// Name of the global kiln-extract-weights reads the weights' base from.
static constexpr const char *kWeightsBase = "kiln_weights";

// Defines @kiln_weights, which the code loads the weights' base address
// from, as the model's kiln_weights_state (whose first field is that
// address), and the kiln_weights_desc the runtime checks weights against.
static llvm::Expected<WeightsGlobals>
emitWeights(DescriptorBuilder &b, const WeightTable *table,
            StringRef embeddedSymbol) {
  WeightsGlobals globals;
  llvm::GlobalVariable *base = b.m.getNamedGlobal(kWeightsBase);
  if (!base && !table)
    return globals; // weights stay in the code (the CUDA flow)
  if (!base || !table || !base->isDeclaration())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "internal error: the weights table and @kiln_weights do not match");

  // struct kiln_weights_state { const void *data; void *mapping;
  //   uint64_t mapping_size; void *heap; char message[512]; }
  auto *stateTy = llvm::StructType::get(
      b.ctx, {b.ptrTy, b.ptrTy, b.i64Ty, b.ptrTy,
              llvm::ArrayType::get(llvm::Type::getInt8Ty(b.ctx), 512)});
  llvm::Constant *embedded = llvm::ConstantPointerNull::get(b.ptrTy);
  llvm::Constant *data = embedded;
  if (!embeddedSymbol.empty()) {
    auto *i8 = llvm::Type::getInt8Ty(b.ctx);
    auto *image = new llvm::GlobalVariable(
        b.m, llvm::ArrayType::get(i8, table->fileSize()), /*isConstant=*/true,
        llvm::GlobalValue::ExternalLinkage, nullptr, embeddedSymbol);
    image->setVisibility(llvm::GlobalValue::HiddenVisibility);
    image->setAlignment(llvm::Align(4096));
    embedded = image;
    data = llvm::ConstantExpr::getInBoundsGetElementPtr(
        i8, image, llvm::ConstantInt::get(b.i64Ty, table->dataOffset));
  }
  llvm::Constant *stateInit = llvm::ConstantStruct::get(
      stateTy,
      {data, llvm::ConstantPointerNull::get(b.ptrTy),
       llvm::ConstantInt::get(b.i64Ty, 0),
       llvm::ConstantPointerNull::get(b.ptrTy),
       llvm::ConstantAggregateZero::get(stateTy->getElementType(4))});
  globals.state = new llvm::GlobalVariable(
      b.m, stateTy, /*isConstant=*/false, llvm::GlobalValue::InternalLinkage,
      stateInit, b.prefix + "_weights_state");
  globals.state->setAlignment(llvm::Align(64));
  base->replaceAllUsesWith(globals.state);
  base->eraseFromParent();

  // struct kiln_weights_tensor { const char *name; int32 dtype, rank;
  //   const int64 *shape; uint64 offset, size; }
  auto *tensorTy = llvm::StructType::get(
      b.ctx, {b.ptrTy, b.i32Ty, b.i32Ty, b.ptrTy, b.i64Ty, b.i64Ty});
  std::vector<llvm::Constant *> tensors;
  for (auto [i, t] : llvm::enumerate(table->tensors)) {
    std::string tag = ("weight" + Twine(i)).str();
    tensors.push_back(llvm::ConstantStruct::get(
        tensorTy,
        {b.string(t.name, tag + "_name"),
         llvm::ConstantInt::get(b.i32Ty, t.dtype),
         llvm::ConstantInt::get(b.i32Ty, t.shape.size()),
         b.int64Array(t.shape, tag + "_shape"),
         llvm::ConstantInt::get(b.i64Ty, t.offset),
         llvm::ConstantInt::get(b.i64Ty, t.size)}));
  }
  llvm::Constant *tensorTable =
      tensors.empty()
          ? static_cast<llvm::Constant *>(
                llvm::ConstantPointerNull::get(b.ptrTy))
          : b.privateGlobal(
                llvm::ConstantArray::get(
                    llvm::ArrayType::get(tensorTy, tensors.size()), tensors),
                "weights_tensors");
  // struct kiln_weights_desc { uint8 fingerprint[32]; uint64 data_size,
  //   num_tensors; tensors*; const void *embedded; const char *description; }
  auto *descTy = llvm::StructType::get(
      b.ctx, {llvm::ArrayType::get(llvm::Type::getInt8Ty(b.ctx), 32),
              b.i64Ty, b.i64Ty, b.ptrTy, b.ptrTy, b.ptrTy});
  llvm::Constant *desc = llvm::ConstantStruct::get(
      descTy,
      {llvm::ConstantDataArray::get(b.ctx, llvm::ArrayRef<uint8_t>(
                                               table->fingerprint)),
       llvm::ConstantInt::get(b.i64Ty, table->dataSize),
       llvm::ConstantInt::get(b.i64Ty, table->tensors.size()), tensorTable,
       embedded, b.string(table->description, "weights_description")});
  globals.desc = new llvm::GlobalVariable(
      b.m, descTy, /*isConstant=*/true, llvm::GlobalValue::InternalLinkage,
      desc, b.prefix + "_weights_desc");
  return globals;
}

// NAME_load_weights(path), NAME_load_weights_flags(path, flags),
// NAME_set_weights(blob, size) and NAME_weights_message(): the runtime's
// kiln_weights_load/_set on this model's descriptor and state.
static void emitWeightsAPI(DescriptorBuilder &b,
                           const WeightsGlobals &weights) {
  llvm::Module &m = b.m;
  auto load = m.getOrInsertFunction(
      "kiln_weights_load",
      llvm::FunctionType::get(b.i32Ty, {b.ptrTy, b.ptrTy, b.ptrTy, b.i32Ty},
                              false));
  auto set = m.getOrInsertFunction(
      "kiln_weights_set",
      llvm::FunctionType::get(b.i32Ty,
                              {b.ptrTy, b.ptrTy, b.ptrTy, b.i64Ty, b.i32Ty},
                              false));
  auto define = [&](StringRef name, llvm::Type *ret,
                    ArrayRef<llvm::Type *> params) {
    return llvm::Function::Create(llvm::FunctionType::get(ret, params, false),
                                  llvm::GlobalValue::ExternalLinkage,
                                  b.prefix + "_" + name, m);
  };
  auto entry = [&](llvm::Function *fn) {
    return llvm::BasicBlock::Create(b.ctx, "entry", fn);
  };
  llvm::Function *fn = define("load_weights", b.i32Ty, {b.ptrTy});
  llvm::IRBuilder<> builder(entry(fn));
  builder.CreateRet(builder.CreateCall(
      load,
      {weights.desc, weights.state, fn->getArg(0), builder.getInt32(0)}));

  fn = define("load_weights_flags", b.i32Ty, {b.ptrTy, b.i32Ty});
  builder.SetInsertPoint(entry(fn));
  builder.CreateRet(builder.CreateCall(
      load, {weights.desc, weights.state, fn->getArg(0), fn->getArg(1)}));

  fn = define("set_weights", b.i32Ty, {b.ptrTy, b.i64Ty});
  builder.SetInsertPoint(entry(fn));
  builder.CreateRet(builder.CreateCall(
      set, {weights.desc, weights.state, fn->getArg(0), fn->getArg(1),
            builder.getInt32(0)}));

  fn = define("weights_message", b.ptrTy, {});
  builder.SetInsertPoint(entry(fn));
  builder.CreateRet(builder.CreateConstInBoundsGEP2_32(
      weights.state->getValueType(), weights.state, 0, 4));
}

// The functions of the generated C header (lib/Target/HeaderWriter.cpp).
static void emitLibraryAPI(DescriptorBuilder &b,
                           const ModelSignature &signature,
                           llvm::Constant *inputs, llvm::Constant *outputs,
                           uint64_t workspaceSize,
                           const WeightsGlobals &weights) {
  llvm::Constant *nullPtr = llvm::ConstantPointerNull::get(b.ptrTy);
  llvm::Constant *minusOne = llvm::ConstantInt::getSigned(b.i32Ty, -1);
  defineConstantGetter(b, "workspace_size",
                       llvm::ConstantInt::get(b.i64Ty, workspaceSize));
  defineConstantGetter(b, "num_inputs",
                       llvm::ConstantInt::get(b.i32Ty, signature.inputs.size()));
  defineConstantGetter(
      b, "num_outputs",
      llvm::ConstantInt::get(b.i32Ty, signature.outputs.size()));
  defineConstantGetter(b, "version",
                       b.string(("kiln " KILN_VERSION_STRING " model ") +
                                    b.prefix,
                                "version_string"));
  for (auto [kind, table, count] :
       {std::tuple<StringRef, llvm::Constant *, size_t>{
            "input", inputs, signature.inputs.size()},
        {"output", outputs, signature.outputs.size()}}) {
    defineDescGetter(b, (kind + "_name").str(), table, count, 0, b.ptrTy,
                     nullPtr);
    defineDescGetter(b, (kind + "_dtype").str(), table, count, 1, b.i32Ty,
                     minusOne);
    defineDescGetter(b, (kind + "_rank").str(), table, count, 2, b.i32Ty,
                     minusOne);
    defineDescGetter(b, (kind + "_shape").str(), table, count, 3, b.ptrTy,
                     nullPtr);
  }
  // Ranges of a model with dynamic inputs (_input_shape: the upper bounds).
  bool dynamic = signature.hasDynamicInputs();
  if (dynamic) {
    defineDescGetter(b, "input_min_shape", inputs, signature.inputs.size(), 5,
                     b.ptrTy, nullPtr);
    defineDescGetter(b, "input_dim_symbols", inputs, signature.inputs.size(),
                     6, b.ptrTy, nullPtr);
  }

  // const int64_t *NAME_output_dims(const void *workspace, int i): the
  // shape output i had in the last run with `workspace` (data-dependent
  // shapes), its static shape otherwise, NULL when i is out of range.
  {
    auto *fnTy = llvm::FunctionType::get(b.ptrTy, {b.ptrTy, b.i32Ty}, false);
    auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                      b.prefix + "_output_dims", b.m);
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(b.ctx, "entry", fn));
    auto *sw = builder.CreateSwitch(
        fn->getArg(1), llvm::BasicBlock::Create(b.ctx, "out_of_range", fn));
    builder.SetInsertPoint(sw->getDefaultDest());
    builder.CreateRet(nullPtr);
    for (auto [i, output] : llvm::enumerate(signature.outputs)) {
      auto *bb = llvm::BasicBlock::Create(b.ctx, "output", fn);
      builder.SetInsertPoint(bb);
      if (output.dimsOffset >= 0) {
        builder.CreateRet(builder.CreateConstInBoundsGEP1_64(
            builder.getInt8Ty(), fn->getArg(0), output.dimsOffset));
      } else {
        llvm::Value *shape = builder.CreateInBoundsGEP(
            b.tensorDescTy, outputs, {builder.getInt64(i), builder.getInt32(3)});
        builder.CreateRet(builder.CreateLoad(b.ptrTy, shape));
      }
      sw->addCase(builder.getInt32(i), bb);
    }
  }

  // const char *NAME_error_message(int code)
  auto *fnTy = llvm::FunctionType::get(b.ptrTy, {b.i32Ty}, false);
  auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage,
                                    b.prefix + "_error_message", b.m);
  auto *entry = llvm::BasicBlock::Create(b.ctx, "entry", fn);
  auto *unknown = llvm::BasicBlock::Create(b.ctx, "unknown", fn);
  llvm::IRBuilder<> builder(unknown);
  builder.CreateRet(b.string("unknown error code", "error_unknown"));
  builder.SetInsertPoint(entry);
  auto *sw = builder.CreateSwitch(fn->getArg(0), unknown);
  std::vector<std::pair<int, std::string>> messages = {
      {0, "success"},
      {kErrorNullArgument, "an input, output or workspace pointer is NULL"},
      {kErrorStringArena, "the string arena is too small for this run's "
                          "strings (recompile with a larger --string-arena)"}};
  if (dynamic)
    messages.push_back(
        {kErrorInputShape,
         "an input dimension is outside the range the model was compiled "
         "for, or dimensions that must be equal differ (see " +
             b.prefix + "_input_min_shape/_input_shape/_input_dim_symbols)"});
  if (weights.state) {
    std::string detail = " (" + b.prefix + "_weights_message() says why)";
    messages.push_back({kErrorWeightsNotLoaded,
                        "the model has no weights yet: call " + b.prefix +
                            "_load_weights(\"" + b.prefix +
                            ".weights\") first"});
    messages.push_back(
        {kErrorWeightsFile, "the weights file cannot be opened" + detail});
    messages.push_back({kErrorWeightsFormat,
                        "not a Kiln weights file of this format version, or "
                        "truncated or corrupted" + detail});
    messages.push_back({kErrorWeightsModel,
                        "the weights belong to another model or were "
                        "compiled differently" + detail});
    emitWeightsAPI(b, weights);
  }
  for (auto [code, text] : messages) {
    auto *bb = llvm::BasicBlock::Create(b.ctx, "code", fn);
    builder.SetInsertPoint(bb);
    builder.CreateRet(b.string(text, ("error_" + Twine(code)).str()));
    sw->addCase(builder.getInt32(code), bb);
  }
}

/// The model function compiled at the opt shape (kSpecializedFunctionName)
/// and its signature: run when the actual input dims are the opt dims.
struct Specialization {
  llvm::Function *graph = nullptr;
  const ModelSignature *signature = nullptr;
};

/// Whether `opt` is `signature` at one shape within its ranges: the same
/// inputs and outputs (names, dtypes, ranks), the dynamic input dims of
/// `signature` static in range, the data-dependent outputs of `opt` dynamic
/// in `signature`.
static bool dynamicInputsMatch(const ModelSignature &signature,
                               const ModelSignature &opt) {
  if (opt.inputs.size() != signature.inputs.size() ||
      opt.outputs.size() != signature.outputs.size() || opt.hasDynamicInputs())
    return false;
  auto same = [](const TensorSignature &x, const TensorSignature &y) {
    return x.name == y.name && x.dtype == y.dtype &&
           x.shape.size() == y.shape.size();
  };
  for (auto [general, at] : llvm::zip(signature.inputs, opt.inputs)) {
    if (!same(general, at))
      return false;
    for (size_t d = 0; d < general.shape.size(); ++d) {
      int64_t lo = general.minShape.empty() ? general.shape[d]
                                            : general.minShape[d];
      if (at.shape[d] < lo || at.shape[d] > general.shape[d])
        return false;
    }
  }
  for (auto [general, at] : llvm::zip(signature.outputs, opt.outputs))
    if (!same(general, at) ||
        (at.dimsResult >= 0 && general.dimsOffset < 0))
      return false;
  return true;
}

// The body of <prefix>_run (or, for a model with dynamic inputs,
// <prefix>_run_dims, whose second argument is `input_dims`): checks, then
// calls the model function (or its opt-shape specialization).
static void emitRunBody(DescriptorBuilder &b, llvm::Function *run,
                        llvm::Function *graph, const ModelSignature &signature,
                        uint64_t workspaceSize, bool takesWorkspace,
                        llvm::GlobalVariable *weightsState,
                        Specialization opt) {
  llvm::LLVMContext &ctx = b.ctx;
  bool dynamic = signature.hasDynamicInputs();
  llvm::Value *inputsArg = run->getArg(0);
  llvm::Value *inputDimsArg = dynamic ? run->getArg(1) : nullptr;
  llvm::Value *outputsArg = run->getArg(dynamic ? 2 : 1);
  llvm::Value *workspaceArg = run->getArg(dynamic ? 3 : 2);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", run);
  auto *bad = llvm::BasicBlock::Create(ctx, "null_argument", run);
  llvm::IRBuilder<> builder(bad);
  builder.CreateRet(llvm::ConstantInt::get(b.i32Ty, kErrorNullArgument));
  builder.SetInsertPoint(entry);
  // Every pointer is checked before the model touches memory: a NULL
  // returns kErrorNullArgument instead of crashing the caller.
  auto checkNonNull = [&](llvm::Value *ptr) {
    auto *next = llvm::BasicBlock::Create(ctx, "checked", run);
    builder.CreateCondBr(builder.CreateIsNull(ptr), bad, next);
    builder.SetInsertPoint(next);
  };
  std::vector<llvm::Value *> args;
  auto loadPtr = [&](llvm::Value *array, size_t i) {
    llvm::Value *slot = builder.CreateConstInBoundsGEP1_64(b.ptrTy, array, i);
    llvm::Value *ptr = builder.CreateLoad(b.ptrTy, slot);
    checkNonNull(ptr);
    return ptr;
  };
  if (!signature.inputs.empty())
    checkNonNull(inputsArg);
  checkNonNull(outputsArg);
  if (workspaceSize > 0)
    checkNonNull(workspaceArg);
  // Weights from a file: none until the caller loads them.
  if (weightsState) {
    auto *noWeights = llvm::BasicBlock::Create(ctx, "no_weights", run);
    auto *next = llvm::BasicBlock::Create(ctx, "weights_ok", run);
    builder.CreateCondBr(
        builder.CreateIsNull(builder.CreateLoad(b.ptrTy, weightsState)),
        noWeights, next);
    builder.SetInsertPoint(noWeights);
    builder.CreateRet(llvm::ConstantInt::get(b.i32Ty, kErrorWeightsNotLoaded));
    builder.SetInsertPoint(next);
  }

  // Run-time dims: every dim within its range and dims of one symbol
  // equal, before any input is read; the dynamic ones go to the model
  // function in a buffer on the stack.
  llvm::Value *dimsBuffer = nullptr;
  // Whether every dynamic dim has its opt size.
  llvm::Value *atOpt = nullptr;
  if (dynamic) {
    std::vector<int64_t> dynamicDims = signature.dynamicInputDims();
    auto *bufferTy = llvm::ArrayType::get(
        b.i64Ty, std::max<size_t>(dynamicDims.size() / 2, 1));
    {
      llvm::IRBuilder<> entryBuilder(entry, entry->getFirstInsertionPt());
      dimsBuffer = entryBuilder.CreateAlloca(bufferTy, nullptr, "input_dims");
    }
    auto *shapeError = llvm::BasicBlock::Create(ctx, "input_shape", run);
    {
      llvm::IRBuilder<> errorBuilder(shapeError);
      errorBuilder.CreateRet(
          llvm::ConstantInt::get(b.i32Ty, kErrorInputShape));
    }
    checkNonNull(inputDimsArg);
    llvm::DenseMap<int64_t, llvm::Value *> symbolValue;
    unsigned slot = 0;
    for (auto [i, input] : llvm::enumerate(signature.inputs)) {
      if (input.shape.empty())
        continue;
      bool inputIsDynamic = llvm::any_of(input.dimSymbols,
                                         [](int64_t s) { return s >= 0; });
      llvm::Value *dims = builder.CreateLoad(
          b.ptrTy, builder.CreateConstInBoundsGEP1_64(b.ptrTy, inputDimsArg, i));
      // A static input's dims may be left out (NULL); given, they are
      // checked like the others.
      llvm::BasicBlock *after = nullptr;
      if (inputIsDynamic) {
        checkNonNull(dims);
      } else {
        auto *check = llvm::BasicBlock::Create(ctx, "static_dims", run);
        after = llvm::BasicBlock::Create(ctx, "static_dims_done", run);
        builder.CreateCondBr(builder.CreateIsNull(dims), after, check);
        builder.SetInsertPoint(check);
      }
      for (size_t d = 0; d < input.shape.size(); ++d) {
        llvm::Value *value = builder.CreateLoad(
            b.i64Ty, builder.CreateConstInBoundsGEP1_64(b.i64Ty, dims, d));
        int64_t lo = input.minShape.empty() ? input.shape[d]
                                            : input.minShape[d];
        int64_t hi = input.shape[d];
        // lo <= value <= hi as one unsigned compare.
        llvm::Value *outside = builder.CreateICmpUGT(
            builder.CreateSub(value, builder.getInt64(lo)),
            builder.getInt64(hi - lo));
        int64_t symbol = input.dimSymbols.empty() ? -1 : input.dimSymbols[d];
        if (symbol >= 0) {
          auto [it, first] = symbolValue.try_emplace(symbol, value);
          if (!first)
            outside = builder.CreateOr(
                outside, builder.CreateICmpNE(value, it->second));
        }
        auto *next = llvm::BasicBlock::Create(ctx, "dim_ok", run);
        builder.CreateCondBr(outside, shapeError, next);
        builder.SetInsertPoint(next);
        if (symbol >= 0)
          builder.CreateStore(value, builder.CreateConstInBoundsGEP2_64(
                                         bufferTy, dimsBuffer, 0, slot++));
        if (symbol >= 0 && opt.graph) {
          llvm::Value *isOpt = builder.CreateICmpEQ(
              value, builder.getInt64(opt.signature->inputs[i].shape[d]));
          atOpt = atOpt ? builder.CreateAnd(atOpt, isOpt) : isOpt;
        }
      }
      if (after) {
        builder.CreateBr(after);
        builder.SetInsertPoint(after);
      }
    }
  }

  for (size_t i = 0; i < signature.inputs.size(); ++i)
    args.push_back(loadPtr(inputsArg, i));
  for (size_t i = 0; i < signature.outputs.size(); ++i)
    args.push_back(loadPtr(outputsArg, i));
  std::vector<llvm::Value *> tensorArgs = args;
  auto dimsPointer = [&](const TensorSignature &output) {
    return builder.CreateConstInBoundsGEP1_64(builder.getInt8Ty(),
                                              workspaceArg, output.dimsOffset);
  };
  // Then the dims of data-dependent outputs, into the workspace, in the
  // order of their results.
  auto dimsOutputs = [](const ModelSignature &s) {
    std::vector<size_t> outputs;
    for (auto [i, output] : llvm::enumerate(s.outputs))
      if (output.dimsResult >= 0)
        outputs.push_back(i);
    llvm::sort(outputs, [&](size_t x, size_t y) {
      return s.outputs[x].dimsResult < s.outputs[y].dimsResult;
    });
    return outputs;
  };
  for (size_t i : dimsOutputs(signature))
    args.push_back(dimsPointer(signature.outputs[i]));
  if (dimsBuffer)
    args.push_back(dimsBuffer);
  if (takesWorkspace)
    args.push_back(workspaceArg);
  auto callModel = [&]() {
    if (!opt.graph || !atOpt) {
      builder.CreateCall(graph, args);
      return;
    }
    auto *atOptBlock = llvm::BasicBlock::Create(ctx, "opt_shape", run);
    auto *generalBlock = llvm::BasicBlock::Create(ctx, "any_shape", run);
    auto *done = llvm::BasicBlock::Create(ctx, "done", run);
    builder.CreateCondBr(atOpt, atOptBlock, generalBlock);
    builder.SetInsertPoint(generalBlock);
    builder.CreateCall(graph, args);
    builder.CreateBr(done);
    // The specialization's outputs are static where the general ones are
    // dynamic: their dims are constants, written where the general function
    // writes them. Its data-dependent outputs write their own.
    builder.SetInsertPoint(atOptBlock);
    std::vector<llvm::Value *> optArgs = tensorArgs;
    for (size_t i : dimsOutputs(*opt.signature))
      optArgs.push_back(dimsPointer(signature.outputs[i]));
    for (auto [i, output] : llvm::enumerate(signature.outputs)) {
      if (output.dimsResult < 0 || opt.signature->outputs[i].dimsResult >= 0)
        continue;
      for (auto [d, size] : llvm::enumerate(opt.signature->outputs[i].shape))
        builder.CreateStore(builder.getInt64(size),
                            builder.CreateConstInBoundsGEP1_64(
                                b.i64Ty, dimsPointer(output), d));
    }
    if (opt.graph->arg_size() > optArgs.size())
      optArgs.push_back(workspaceArg);
    builder.CreateCall(opt.graph, optArgs);
    builder.CreateBr(done);
    builder.SetInsertPoint(done);
  };
  if (!signature.usesStrings) {
    callModel();
    builder.CreateRet(llvm::ConstantInt::get(b.i32Ty, 0));
    return;
  }
  // String ops allocate from the arena at the end of the workspace
  // (runtime/strings.c); an overflow is reported when the run ends.
  llvm::Module &module = *run->getParent();
  auto *beginTy =
      llvm::FunctionType::get(builder.getVoidTy(), {b.ptrTy, b.i64Ty}, false);
  auto begin = module.getOrInsertFunction("kiln_strings_begin", beginTy);
  auto end = module.getOrInsertFunction(
      "kiln_strings_end", llvm::FunctionType::get(b.i32Ty, false));
  builder.CreateCall(begin,
                     {builder.CreateConstInBoundsGEP1_64(
                          builder.getInt8Ty(), workspaceArg,
                          signature.stringArenaOffset),
                      builder.getInt64(signature.stringArenaSize)});
  callModel();
  builder.CreateRet(builder.CreateCall(end));
}

llvm::Error mlir::kiln::emitModelABI(llvm::Module &module,
                                     const ModelSignature &signature,
                                     StringRef prefix, StringRef infoSymbol,
                                     uint64_t workspaceSize,
                                     bool withLibraryAPI,
                                     const WeightTable *weightTable,
                                     StringRef embeddedSymbol,
                                     const ModelSignature *optSignature) {
  llvm::Function *graph = module.getFunction(kModelFunctionName);
  Specialization opt;
  if (optSignature) {
    opt.graph = module.getFunction(kSpecializedFunctionName);
    opt.signature = optSignature;
    size_t optArgs = signature.inputs.size() + signature.outputs.size() +
                     optSignature->numDimsResults();
    if (!opt.graph || opt.graph->arg_size() < optArgs ||
        opt.graph->arg_size() > optArgs + 1 ||
        !dynamicInputsMatch(signature, *optSignature))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "internal error: lowered module has no @" +
              Twine(kSpecializedFunctionName) + " matching the model");
  }
  size_t numDims = signature.numDimsResults();
  bool dynamic = signature.hasDynamicInputs();
  // A model with dynamic inputs takes its input dims before the workspace.
  size_t numArgs = signature.inputs.size() + signature.outputs.size() +
                   numDims + (dynamic ? 1 : 0);
  // A planned model takes its workspace as a trailing pointer.
  bool takesWorkspace = graph && graph->arg_size() == numArgs + 1;
  if (!graph || graph->arg_size() != numArgs + (takesWorkspace ? 1 : 0) ||
      !llvm::all_of(graph->args(),
                    [](llvm::Argument &a) { return a.getType()->isPointerTy(); }))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "internal error: lowered module has no @main_graph(ptr...) with " +
            Twine(numArgs) + " pointer arguments");
  for (const TensorSignature &output : signature.outputs)
    if (llvm::is_contained(output.shape, -1))
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "internal error: output '" + output.name +
              "' has no upper bound for its dynamic shape");

  // Only the API stays visible: internalize what lowering produced.
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  // (Not llvm.global_ctors and the like: their appending linkage is what
  // makes them run; the CUDA target loads its GPU modules from constructors.)
  for (llvm::GlobalVariable &g : module.globals())
    if (!g.isDeclaration() && !g.hasAppendingLinkage())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
  graph->setName(prefix + "_main_graph");
  if (opt.graph)
    opt.graph->setName(prefix + "_main_graph_opt");

  DescriptorBuilder b(module, prefix);
  llvm::Expected<WeightsGlobals> weightsOr =
      emitWeights(b, weightTable, embeddedSymbol);
  if (!weightsOr)
    return weightsOr.takeError();
  WeightsGlobals weights = *weightsOr;
  llvm::Constant *inputs = b.descTable(signature.inputs, "input");
  std::vector<llvm::Constant *> inputShapes = b.shapes;
  llvm::Constant *outputs = b.descTable(signature.outputs, "output");

  // int <prefix>_run(const void *const in[], void *const out[], void *ws)
  auto *runTy = llvm::FunctionType::get(b.i32Ty, {b.ptrTy, b.ptrTy, b.ptrTy},
                                        /*isVarArg=*/false);
  auto *run = llvm::Function::Create(runTy, llvm::GlobalValue::ExternalLinkage,
                                     prefix + "_run", module);
  run->getArg(0)->setName("inputs");
  run->getArg(1)->setName("outputs");
  run->getArg(2)->setName("workspace");
  llvm::Function *runDims = nullptr;
  if (!dynamic) {
    emitRunBody(b, run, graph, signature, workspaceSize, takesWorkspace,
                weights.state, Specialization());
  } else {
    // int <prefix>_run_dims(const void *const in[],
    //                       const int64_t *const in_dims[],
    //                       void *const out[], void *ws)
    auto *runDimsTy = llvm::FunctionType::get(
        b.i32Ty, {b.ptrTy, b.ptrTy, b.ptrTy, b.ptrTy}, /*isVarArg=*/false);
    runDims = llvm::Function::Create(runDimsTy,
                                     llvm::GlobalValue::ExternalLinkage,
                                     prefix + "_run_dims", module);
    runDims->getArg(0)->setName("inputs");
    runDims->getArg(1)->setName("input_dims");
    runDims->getArg(2)->setName("outputs");
    runDims->getArg(3)->setName("workspace");
    emitRunBody(b, runDims, graph, signature, workspaceSize, takesWorkspace,
                weights.state, opt);
    // <prefix>_run runs at the upper bounds: the descriptors' shapes.
    std::vector<llvm::Constant *> shapes(inputShapes);
    if (shapes.empty())
      shapes.push_back(llvm::ConstantPointerNull::get(b.ptrTy));
    llvm::Constant *upperBounds = b.privateGlobal(
        llvm::ConstantArray::get(llvm::ArrayType::get(b.ptrTy, shapes.size()),
                                 shapes),
        "upper_bounds");
    llvm::IRBuilder<> builder(llvm::BasicBlock::Create(b.ctx, "entry", run));
    builder.CreateRet(builder.CreateCall(
        runDims, {run->getArg(0), upperBounds, run->getArg(1),
                  run->getArg(2)}));
  }

  llvm::Constant *nullPtr = llvm::ConstantPointerNull::get(b.ptrTy);
  auto *info = llvm::ConstantStruct::get(
      b.infoTy,
      {b.string(prefix, "name"),
       llvm::ConstantInt::get(b.i32Ty, signature.inputs.size()),
       llvm::ConstantInt::get(b.i32Ty, signature.outputs.size()), inputs,
       outputs, llvm::ConstantInt::get(b.i64Ty, workspaceSize), run,
       llvm::ConstantInt::get(b.i64Ty, signature.stringArenaSize),
       runDims ? static_cast<llvm::Constant *>(runDims) : nullPtr,
       weights.desc ? weights.desc : nullPtr,
       weights.state ? weights.state : nullPtr,
       nullPtr /* kModelInfoCpuField: set by emitCpuCheck */});
  new llvm::GlobalVariable(module, b.infoTy, /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, info,
                           infoSymbol);
  if (withLibraryAPI)
    emitLibraryAPI(b, signature, inputs, outputs, workspaceSize, weights);
  return llvm::Error::success();
}
