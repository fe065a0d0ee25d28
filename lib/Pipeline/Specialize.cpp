//===- Specialize.cpp - The opt-shape specialization of a model -----------===//
#include "kiln/Pipeline/Specialize.h"

#include "kiln/Target/ModelABI.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

/// An external function or global: the same symbol in both modules is the
/// same thing (a runtime or libm function).
static bool isExternalDeclaration(Operation *op) {
  if (auto fn = dyn_cast<LLVM::LLVMFuncOp>(op))
    return fn.isExternal();
  if (auto global = dyn_cast<LLVM::GlobalOp>(op))
    return !global.getValueOrNull() && !global.getInitializerBlock() &&
           global.getLinkage() == LLVM::Linkage::External;
  return false;
}

LogicalResult mlir::kiln::mergeSpecialization(ModuleOp general,
                                              ModuleOp specialized) {
  SymbolTable generalTable(general), specializedTable(specialized);
  Operation *model = specializedTable.lookup(kModelFunctionName);
  if (!model || !generalTable.lookup(kModelFunctionName) ||
      generalTable.lookup(kSpecializedFunctionName))
    return general.emitError()
           << "internal error: cannot merge the opt-shape specialization "
              "(expected one @"
           << kModelFunctionName << " in each module)";
  if (failed(specializedTable.rename(model, kSpecializedFunctionName)))
    return model->emitError() << "internal error: cannot rename the "
                                 "specialized model function";

  SmallVector<Operation *> moved;
  for (Operation &op : llvm::make_early_inc_range(*specialized.getBody())) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol)
      return op.emitError() << "internal error: '" << op.getName()
                            << "' of the opt-shape specialization cannot be "
                               "merged into the general model";
    Operation *existing = generalTable.lookup(symbol.getNameAttr());
    if (existing) {
      if (isExternalDeclaration(&op) && isExternalDeclaration(existing) &&
          op.getName() == existing->getName()) {
        specializedTable.erase(&op); // its uses now name the general one
        continue;
      }
      if (isExternalDeclaration(&op) ||
          failed(specializedTable.renameToUnique(&op, {&generalTable})))
        return op.emitError() << "internal error: symbol @"
                              << symbol.getName()
                              << " of the opt-shape specialization clashes "
                                 "with the general model's";
    }
    moved.push_back(&op);
  }
  for (Operation *op : moved) {
    op->moveBefore(general.getBody(), general.getBody()->end());
    generalTable.insert(op);
  }
  return success();
}
