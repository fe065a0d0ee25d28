//===- model-opt.cpp - Kiln's pass driver ---------------------------------===//
//
// mlir-opt with the kiln dialect, every kiln pass and pipeline, and the
// upstream dialects and passes registered.
//
//===----------------------------------------------------------------------===//
#include "kiln/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::kiln::registerAllDialects(registry);
  mlir::kiln::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Kiln pass driver\n", registry));
}
