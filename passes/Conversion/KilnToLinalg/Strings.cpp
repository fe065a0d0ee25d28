//===- Strings.cpp - kiln string ops -> runtime calls ---------------------===//
//
// A string tensor lowers to a tensor of i64: element i is the address of a
// NUL-terminated UTF-8 string (the C ABI's `const char *`; generated code
// never dereferences it). Each string op becomes a call of its function in
// runtime/strings.c (declared in include/kiln/runtime.h), which reads the
// input buffers and writes the result buffers; new strings go into the
// string arena that the model's run function sets up at the end of the
// workspace.
//
// The call goes through a private func.func that takes the op's buffers as
// static memrefs and passes their addresses to the runtime: until that
// wrapper is inlined (LLVM stage), the workspace planner sees a call that
// uses each buffer, so their lifetimes cover it.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"
#include "kiln/runtime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

/// One argument of a runtime call: a buffer (passed as its address) or a
/// constant scalar.
struct RuntimeArg {
  Value buffer;
  TypedAttr scalar;
};

/// The `llvm.func` declaration of runtime function `name`, created once.
LLVM::LLVMFuncOp declareRuntimeFunction(OpBuilder &b, ModuleOp module,
                                        StringRef name, TypeRange argTypes) {
  if (auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto fnType = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(b.getContext()), SmallVector<Type>(argTypes));
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, fnType);
}

/// Calls runtime function `callee` (void, C arguments `args` in order)
/// through a new private wrapper taking the buffers as memrefs.
void callRuntime(ConversionPatternRewriter &rewriter, Location loc,
                 StringRef callee, ArrayRef<RuntimeArg> args) {
  auto module = rewriter.getInsertionBlock()
                    ->getParentOp()
                    ->getParentOfType<ModuleOp>();
  MLIRContext *ctx = rewriter.getContext();
  auto ptrType = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Value> buffers;
  SmallVector<Type> cTypes;
  for (const RuntimeArg &arg : args) {
    if (arg.buffer)
      buffers.push_back(arg.buffer);
    cTypes.push_back(arg.buffer ? Type(ptrType) : arg.scalar.getType());
  }
  LLVM::LLVMFuncOp function =
      declareRuntimeFunction(rewriter, module, callee, cTypes);

  func::FuncOp wrapper;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    wrapper = func::FuncOp::create(
        rewriter, loc, (callee + "_call").str(),
        rewriter.getFunctionType(ValueRange(buffers).getTypes(), {}));
    wrapper.setPrivate();
    SymbolTable(module).insert(wrapper); // renames on a clash
    Block *body = wrapper.addEntryBlock();
    rewriter.setInsertionPointToStart(body);
    SmallVector<Value> cArgs;
    unsigned next = 0;
    for (const RuntimeArg &arg : args) {
      if (!arg.buffer) {
        cArgs.push_back(arith::ConstantOp::create(rewriter, loc, arg.scalar));
        continue;
      }
      Value address = memref::ExtractAlignedPointerAsIndexOp::create(
          rewriter, loc, body->getArgument(next++));
      Value asInt = arith::IndexCastOp::create(rewriter, loc,
                                               rewriter.getI64Type(), address);
      cArgs.push_back(LLVM::IntToPtrOp::create(rewriter, loc, ptrType, asInt));
    }
    LLVM::CallOp::create(rewriter, loc, function, cArgs);
    func::ReturnOp::create(rewriter, loc);
  }
  func::CallOp::create(rewriter, loc, wrapper, buffers);
  // The model's run function sets up the string arena when this is set.
  module->setAttr("kiln.uses_strings", rewriter.getUnitAttr());
}

/// A read-only buffer of tensor `value`.
Value toBuffer(ConversionPatternRewriter &rewriter, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  return bufferization::ToBufferOp::create(
      rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
      value, /*readOnly=*/true);
}

/// A new buffer for a result of `type`, and the tensor it holds once the
/// runtime call wrote it.
std::pair<Value, Value> newResult(ConversionPatternRewriter &rewriter,
                                  Location loc, Type type) {
  auto tensorType = cast<RankedTensorType>(type);
  Value buffer = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get(tensorType.getShape(), tensorType.getElementType()));
  Value tensor = bufferization::ToTensorOp::create(
      rewriter, loc, tensorType, buffer, /*restrict=*/true, /*writable=*/true);
  return {buffer, tensor};
}

TypedAttr i64Attr(Builder &b, int64_t v) { return b.getI64IntegerAttr(v); }

class StringNormalizeLowering : public KilnLowering<StringNormalizeOp> {
  using KilnLowering::KilnLowering;
  LogicalResult lower(StringNormalizeOp op, OpAdaptor adaptor,
                      TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // Stopwords as one constant blob of NUL-terminated strings.
    SmallVector<int8_t> blob;
    for (StringRef word : op.getStopwords().getAsValueRange<StringAttr>()) {
      blob.append(word.begin(), word.end());
      blob.push_back(0);
    }
    if (blob.empty())
      blob.push_back(0); // no zero-size buffers
    auto blobType = RankedTensorType::get({int64_t(blob.size())},
                                          rewriter.getI8Type());
    Value stopwords = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(blobType, ArrayRef(blob)));
    int32_t flags = 0;
    if (op.getCaseChange() == "lower")
      flags |= KILN_STRNORM_LOWER;
    else if (op.getCaseChange() == "upper")
      flags |= KILN_STRNORM_UPPER;
    if (op.getCaseSensitive())
      flags |= KILN_STRNORM_CASE_SENSITIVE;

    auto [out, outTensor] = newResult(rewriter, loc, resultTypes[0]);
    auto [count, countTensor] = newResult(rewriter, loc, resultTypes[1]);
    int64_t n = op.getInput().getType().getNumElements();
    callRuntime(rewriter, loc, "kiln_string_normalize",
                {{toBuffer(rewriter, loc, adaptor.getInput()), {}},
                 {{}, i64Attr(rewriter, n)},
                 {out, {}},
                 {count, {}},
                 {toBuffer(rewriter, loc, stopwords), {}},
                 {{}, i64Attr(rewriter, op.getStopwords().size())},
                 {{}, rewriter.getI32IntegerAttr(flags)}});
    rewriter.replaceOp(op, {outTensor, countTensor});
    return success();
  }
};

/// `kiln_string_<direction>_<f32|f64>(in, n, out)`.
template <typename OpTy>
class StringCastLowering : public KilnLowering<OpTy> {
  using KilnLowering<OpTy>::KilnLowering;
  using OpAdaptor = typename KilnLowering<OpTy>::OpAdaptor;
  LogicalResult lower(OpTy op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    bool toString = std::is_same_v<OpTy, NumberToStringOp>;
    auto numberType = cast<RankedTensorType>(
        toString ? op.getInput().getType() : op.getResult().getType());
    std::string callee =
        std::string(toString ? "kiln_string_from_" : "kiln_string_to_") +
        (numberType.getElementType().isF32() ? "f32" : "f64");
    auto [out, outTensor] = newResult(rewriter, loc, resultTypes[0]);
    callRuntime(rewriter, loc, callee,
                {{toBuffer(rewriter, loc, adaptor.getInput()), {}},
                 {{}, i64Attr(rewriter, numberType.getNumElements())},
                 {out, {}}});
    rewriter.replaceOp(op, outTensor);
    return success();
  }
};

} // namespace

void mlir::kiln::lowering::populateStringPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<StringNormalizeLowering, StringCastLowering<NumberToStringOp>,
               StringCastLowering<StringToNumberOp>>(converter,
                                                     patterns.getContext());
}
