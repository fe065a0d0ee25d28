//===- ModelABI.h - The C ABI of a compiled model --------------*- C++ -*-===//
//
// After lowering, the model is `main_graph(ptr in0, ..., ptr out0, ...)`.
// This adds what deployed code calls (see include/kiln/runtime.h):
//   int  <prefix>_run(const void *const in[], void *const out[], void *ws)
//   const kiln_model_info <info symbol>   (names, dtypes, shapes, run)
// and hides every other symbol of the model so that several models link
// into one program.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_MODELABI_H
#define KILN_TARGET_MODELABI_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::kiln {

struct TensorSignature {
  std::string name;
  int32_t dtype; // enum kiln_dtype (ONNX TensorProto codes)
  std::vector<int64_t> shape;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
};

/// The model function the importer creates.
inline constexpr const char *kModelFunctionName = "main_graph";

/// Reads names, dtypes and static shapes from the imported @main_graph;
/// emits an error at the function and fails on a dynamic shape or an
/// element type the ABI cannot carry.
FailureOr<ModelSignature> getModelSignature(func::FuncOp func);

/// Error codes <prefix>_run returns (0 is success).
inline constexpr int kErrorNullArgument = 1;

/// Adds <prefix>_run and the descriptor `infoSymbol` to `module`, renames the
/// model function and internalizes everything else the module defines. With
/// `withLibraryAPI`, also defines the functions declared by the generated C
/// header: <prefix>_workspace_size, _num_inputs/_num_outputs,
/// _input_name/_dtype/_rank/_shape (and output_*), _error_message, _version.
llvm::Error emitModelABI(llvm::Module &module, const ModelSignature &signature,
                         llvm::StringRef prefix, llvm::StringRef infoSymbol,
                         uint64_t workspaceSize, bool withLibraryAPI);

} // namespace mlir::kiln

#endif
