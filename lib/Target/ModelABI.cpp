//===- ModelABI.cpp - The C ABI of a compiled model -----------------------===//
#include "kiln/Target/ModelABI.h"

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;
using namespace mlir::kiln;

// ONNX TensorProto.DataType code of an element type, or 0.
static int32_t dtypeCode(Type t) {
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

static FailureOr<TensorSignature> tensorSignature(func::FuncOp func,
                                                  StringRef kind, unsigned i,
                                                  Type type, ArrayAttr names) {
  TensorSignature sig;
  if (names && i < names.size())
    if (auto s = dyn_cast<StringAttr>(names[i]))
      sig.name = s.str();
  if (sig.name.empty())
    sig.name = (kind + Twine(i)).str();
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return func.emitError() << kind << " '" << sig.name << "' has type " << type
                            << "; compiled models need static shapes (pin "
                               "them with --input-shape NAME=DxDx...)";
  sig.dtype = dtypeCode(tensor.getElementType());
  if (!sig.dtype)
    return func.emitError() << kind << " '" << sig.name
                            << "' has unsupported element type "
                            << tensor.getElementType();
  sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  return sig;
}

FailureOr<ModelSignature> mlir::kiln::getModelSignature(func::FuncOp func) {
  ModelSignature signature;
  auto inNames = func->getAttrOfType<ArrayAttr>("kiln.input_names");
  auto outNames = func->getAttrOfType<ArrayAttr>("kiln.output_names");
  // Results after the outputs hold the dims of data-dependent outputs.
  auto outDims = func->getAttrOfType<DenseI64ArrayAttr>("kiln.output_dims");
  FunctionType type = func.getFunctionType();
  size_t numOutputs = outNames ? outNames.size() : type.getNumResults();
  if (numOutputs > type.getNumResults() ||
      (outDims && outDims.size() != static_cast<int64_t>(numOutputs)))
    return func.emitError() << "internal error: kiln.output_names/"
                               "kiln.output_dims do not match the results";
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto sig = tensorSignature(func, "input", i, t, inNames);
    if (failed(sig))
      return failure();
    signature.inputs.push_back(*sig);
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    auto sig = tensorSignature(func, "output", i, type.getResult(i), outNames);
    if (failed(sig))
      return failure();
    if (outDims && outDims[i] >= 0) {
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
        //                           int64 dims_offset; }
        tensorDescTy(
            llvm::StructType::get(ctx, {ptrTy, i32Ty, i32Ty, ptrTy, i64Ty})),
        // struct kiln_model_info { const char*; int32; int32; desc*; desc*;
        //                          uint64; run fn*; uint64 string_arena }
        infoTy(llvm::StructType::get(
            ctx, {ptrTy, i32Ty, i32Ty, ptrTy, ptrTy, i64Ty, ptrTy, i64Ty})) {}

  llvm::Constant *string(StringRef s, StringRef what) {
    auto *init = llvm::ConstantDataArray::getString(ctx, s);
    return privateGlobal(init, what);
  }

  llvm::Constant *descTable(ArrayRef<TensorSignature> tensors,
                            StringRef what) {
    if (tensors.empty())
      return llvm::ConstantPointerNull::get(ptrTy);
    std::vector<llvm::Constant *> descs;
    for (auto [i, t] : llvm::enumerate(tensors)) {
      std::string tag = (what + Twine(i)).str();
      auto *shape = llvm::ConstantDataArray::get(
          ctx, ArrayRef<uint64_t>(
                   reinterpret_cast<const uint64_t *>(t.shape.data()),
                   t.shape.size()));
      descs.push_back(llvm::ConstantStruct::get(
          tensorDescTy,
          {string(t.name, tag + "_name"),
           llvm::ConstantInt::get(i32Ty, t.dtype),
           llvm::ConstantInt::get(i32Ty, t.shape.size()),
           t.shape.empty() ? llvm::ConstantPointerNull::get(ptrTy)
                           : privateGlobal(shape, tag + "_shape"),
           llvm::ConstantInt::getSigned(i64Ty, t.dimsOffset)}));
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

// The functions of the generated C header (lib/Target/HeaderWriter.cpp).
static void emitLibraryAPI(DescriptorBuilder &b,
                           const ModelSignature &signature,
                           llvm::Constant *inputs, llvm::Constant *outputs,
                           uint64_t workspaceSize) {
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
  for (auto [code, text] :
       {std::pair<int, StringRef>{0, "success"},
        {kErrorNullArgument,
         "an input, output or workspace pointer is NULL"},
        {kErrorStringArena, "the string arena is too small for this run's "
                            "strings (recompile with a larger "
                            "--string-arena)"}}) {
    auto *bb = llvm::BasicBlock::Create(b.ctx, "code", fn);
    builder.SetInsertPoint(bb);
    builder.CreateRet(b.string(text, ("error_" + Twine(code)).str()));
    sw->addCase(builder.getInt32(code), bb);
  }
}

llvm::Error mlir::kiln::emitModelABI(llvm::Module &module,
                                     const ModelSignature &signature,
                                     StringRef prefix, StringRef infoSymbol,
                                     uint64_t workspaceSize,
                                     bool withLibraryAPI) {
  llvm::Function *graph = module.getFunction(kModelFunctionName);
  size_t numDims = signature.numDimsResults();
  size_t numArgs =
      signature.inputs.size() + signature.outputs.size() + numDims;
  // A planned model takes its workspace as a trailing pointer.
  bool takesWorkspace = graph && graph->arg_size() == numArgs + 1;
  if (!graph || graph->arg_size() != numArgs + (takesWorkspace ? 1 : 0) ||
      !llvm::all_of(graph->args(),
                    [](llvm::Argument &a) { return a.getType()->isPointerTy(); }))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "internal error: lowered module has no @main_graph(ptr...) with " +
            Twine(numArgs) + " pointer arguments");

  // Only the API stays visible: internalize what lowering produced.
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &g : module.globals())
    if (!g.isDeclaration())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
  graph->setName(prefix + "_main_graph");

  DescriptorBuilder b(module, prefix);
  llvm::LLVMContext &ctx = module.getContext();

  // int <prefix>_run(const void *const in[], void *const out[], void *ws)
  auto *runTy = llvm::FunctionType::get(b.i32Ty, {b.ptrTy, b.ptrTy, b.ptrTy},
                                        /*isVarArg=*/false);
  auto *run = llvm::Function::Create(runTy, llvm::GlobalValue::ExternalLinkage,
                                     prefix + "_run", module);
  run->getArg(0)->setName("inputs");
  run->getArg(1)->setName("outputs");
  run->getArg(2)->setName("workspace");
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
    checkNonNull(run->getArg(0));
  checkNonNull(run->getArg(1));
  if (workspaceSize > 0)
    checkNonNull(run->getArg(2));
  for (size_t i = 0; i < signature.inputs.size(); ++i)
    args.push_back(loadPtr(run->getArg(0), i));
  for (size_t i = 0; i < signature.outputs.size(); ++i)
    args.push_back(loadPtr(run->getArg(1), i));
  // Then the dims of data-dependent outputs, into the workspace, in the
  // order of their results.
  std::vector<const TensorSignature *> dimsOutputs;
  for (const TensorSignature &output : signature.outputs)
    if (output.dimsResult >= 0)
      dimsOutputs.push_back(&output);
  llvm::sort(dimsOutputs, [](auto *x, auto *y) {
    return x->dimsResult < y->dimsResult;
  });
  for (const TensorSignature *output : dimsOutputs)
    args.push_back(builder.CreateConstInBoundsGEP1_64(
        builder.getInt8Ty(), run->getArg(2), output->dimsOffset));
  if (takesWorkspace)
    args.push_back(run->getArg(2));
  if (!signature.usesStrings) {
    builder.CreateCall(graph, args);
    builder.CreateRet(llvm::ConstantInt::get(b.i32Ty, 0));
  } else {
    // String ops allocate from the arena at the end of the workspace
    // (runtime/strings.c); an overflow is reported when the run ends.
    auto *beginTy = llvm::FunctionType::get(builder.getVoidTy(),
                                            {b.ptrTy, b.i64Ty}, false);
    auto begin = module.getOrInsertFunction("kiln_strings_begin", beginTy);
    auto end = module.getOrInsertFunction(
        "kiln_strings_end", llvm::FunctionType::get(b.i32Ty, false));
    builder.CreateCall(
        begin, {builder.CreateConstInBoundsGEP1_64(
                    builder.getInt8Ty(), run->getArg(2),
                    signature.stringArenaOffset),
                builder.getInt64(signature.stringArenaSize)});
    builder.CreateCall(graph, args);
    builder.CreateRet(builder.CreateCall(end));
  }

  llvm::Constant *inputs = b.descTable(signature.inputs, "input");
  llvm::Constant *outputs = b.descTable(signature.outputs, "output");
  auto *info = llvm::ConstantStruct::get(
      b.infoTy,
      {b.string(prefix, "name"),
       llvm::ConstantInt::get(b.i32Ty, signature.inputs.size()),
       llvm::ConstantInt::get(b.i32Ty, signature.outputs.size()), inputs,
       outputs, llvm::ConstantInt::get(b.i64Ty, workspaceSize), run,
       llvm::ConstantInt::get(b.i64Ty, signature.stringArenaSize)});
  new llvm::GlobalVariable(module, b.infoTy, /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, info,
                           infoSymbol);
  if (withLibraryAPI)
    emitLibraryAPI(b, signature, inputs, outputs, workspaceSize);
  return llvm::Error::success();
}
