//===- InitAll.cpp - Register everything Kiln's tools use -----------------===//
#include "kiln/InitAll.h"

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "kiln/Pipeline/Pipelines.h"
#include "passes/Codegen/Passes.h"
#include "passes/Conversion/Passes.h"
#include "passes/Transforms/Passes.h"

void mlir::kiln::registerAllDialects(DialectRegistry &registry) {
  registry.insert<KilnDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates device code to LLVM IR (CUDA target).
  mlir::registerAllToLLVMIRTranslations(registry);
}

void mlir::kiln::registerAllPasses() {
  mlir::registerAllPasses();
  registerKilnConversionPasses();
  registerKilnTransformsPasses();
  registerKilnCodegenPasses();
  registerPipelines();
}
