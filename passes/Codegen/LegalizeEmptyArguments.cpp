//===- LegalizeEmptyArguments.cpp - Zero-element memref arguments ---------===//
//
// kiln-legalize-empty-arguments: the bare-pointer calling convention of the
// model function (func-to-llvm use-bare-ptr-memref-call-conv) cannot pass a
// memref without elements (an ONNX tensor with a 0 dim, e.g. 20x0x5), so
// such a function would stay unconverted. Each such argument becomes a
// one-element memref of the same element type (the caller still passes one
// pointer per tensor), reinterpreted back to the zero-element shape for its
// uses; no element is ever read or written through it.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLEGALIZEEMPTYARGUMENTS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnLegalizeEmptyArgumentsPass
    : public kiln::impl::KilnLegalizeEmptyArgumentsBase<
          KilnLegalizeEmptyArgumentsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Only entry points (public, never called: callees' signatures must
    // match their calls). Private functions are skipped before the walk
    // over the module that looks for calls, which would make the pass
    // quadratic in the functions outlined from parallel loops.
    if (func.isExternal() || func.isPrivate() ||
        !func.getSymbolUses(func->getParentOp())
             .value_or(SymbolTable::UseRange({}))
             .empty())
      return;
    Block &entry = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    SmallVector<Type> inputs(func.getArgumentTypes());
    bool changed = false;
    for (auto [i, arg] : llvm::enumerate(entry.getArguments())) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || !type.hasStaticShape() || type.getNumElements() != 0 ||
          !type.getLayout().isIdentity())
        continue;
      auto oneElement = MemRefType::get({1}, type.getElementType(),
                                        MemRefLayoutAttrInterface(),
                                        type.getMemorySpace());
      arg.setType(oneElement);
      inputs[i] = oneElement;
      SmallVector<int64_t> strides(type.getRank(), 1);
      for (int64_t d = type.getRank() - 2; d >= 0; --d)
        strides[d] = strides[d + 1] * type.getDimSize(d + 1);
      auto view = memref::ReinterpretCastOp::create(
          b, func.getLoc(), type, arg, /*offset=*/0, type.getShape(), strides);
      arg.replaceAllUsesExcept(view, view);
      changed = true;
    }
    if (changed)
      func.setType(FunctionType::get(&getContext(), inputs,
                                     func.getResultTypes()));
  }
};
} // namespace
