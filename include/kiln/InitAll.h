//===- InitAll.h - Register everything Kiln's tools use --------*- C++ -*-===//
#ifndef KILN_INITALL_H
#define KILN_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::kiln {
/// Adds the kiln dialect and every upstream dialect (and its interface
/// models) that Kiln's pipelines use.
void registerAllDialects(DialectRegistry &registry);
/// Registers every kiln pass and pipeline, and the upstream passes, with the
/// global pass registry (for model-opt and pass-pipeline parsing).
void registerAllPasses();
} // namespace mlir::kiln

#endif
