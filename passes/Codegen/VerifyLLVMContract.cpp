//===- VerifyLLVMContract.cpp - Check the llvm stage's output -------------===//
//
// kiln-verify-llvm-contract: the last pass of kiln-cpu-llvm-pipeline. What
// follows (mlir-translate, the object writer, the C header) assumes an
// all-LLVM module whose model function takes bare pointers; fail here, at
// the offending op, rather than somewhere downstream.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNVERIFYLLVMCONTRACT
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnVerifyLLVMContractPass
    : public kiln::impl::KilnVerifyLLVMContractBase<
          KilnVerifyLLVMContractPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failed = false;
    // Report each kind of leftover op once: a stray dialect usually leaves
    // thousands of them.
    llvm::StringSet<> reported;
    module.walk([&](Operation *op) {
      if (op == module.getOperation() || isa<LLVM::LLVMDialect>(op->getDialect()))
        return;
      failed = true;
      if (reported.insert(op->getName().getStringRef()).second)
        op->emitError() << "kiln-cpu-llvm-pipeline left a non-LLVM op '"
                        << op->getName() << "'";
    });

    auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(funcName);
    if (!fn) {
      module.emitError() << "no llvm.func @" << funcName
                         << " (the model function) after lowering";
      return signalPassFailure();
    }
    LLVM::LLVMFunctionType type = fn.getFunctionType();
    if (!isa<LLVM::LLVMVoidType>(type.getReturnType()) || type.isVarArg() ||
        !llvm::all_of(type.getParams(),
                      [](Type t) { return isa<LLVM::LLVMPointerType>(t); })) {
      fn.emitError() << "@" << funcName
                     << " must take one !llvm.ptr per input and output and "
                        "return nothing, got "
                     << type;
      failed = true;
    }

    module.walk([&](LLVM::LLVMFuncOp decl) {
      StringRef name = decl.getSymName();
      if (decl.isExternal() &&
          (name == "memrefCopy" || name.starts_with("_mlir_"))) {
        decl.emitError() << "generated code calls @" << name
                         << " from MLIR's runtime support library";
        failed = true;
      }
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
