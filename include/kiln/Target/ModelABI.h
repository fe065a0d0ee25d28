//===- ModelABI.h - The C ABI of a compiled model --------------*- C++ -*-===//
//
// After lowering, the model is `main_graph(ptr in0, ..., ptr out0, ...)`.
// This adds what deployed code calls (see include/kiln/runtime.h):
//   int  <prefix>_run(const void *const in[], void *const out[], void *ws)
//   const kiln_model_info <info symbol>   (names, dtypes, shapes, run)
// and, for a model compiled with dimension ranges (its model function takes
// the run-time input dims before the workspace: kiln-lower-dynamic-arguments)
//   int  <prefix>_run_dims(const void *const in[],
//                          const int64_t *const in_dims[],
//                          void *const out[], void *ws)
// and hides every other symbol of the model so that several models link
// into one program.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_TARGET_MODELABI_H
#define KILN_TARGET_MODELABI_H

#include "kiln/Target/Weights.h"

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
  std::vector<int64_t> shape; // upper bounds when dimsResult >= 0 or dynamic
  /// Inputs of a model compiled with ranges (empty otherwise): the lower
  /// bound of each dim, and its symbol: -1 for a static dim, else an id >= 0
  /// (dims with the same id must be equal at run time). A dim is dynamic
  /// (a run-time value of the model function) exactly when its symbol is set.
  std::vector<int64_t> minShape;
  std::vector<int64_t> dimSymbols;
  /// Outputs whose shape depends on the data: the model function's result
  /// holding the actual dims (tensor<rank x i64>), and where the run
  /// function puts them in the workspace (layoutWorkspace). -1 otherwise.
  int64_t dimsResult = -1;
  int64_t dimsOffset = -1;
};

struct ModelSignature {
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
  /// Whether the model calls the runtime's string functions, which need the
  /// string arena; its place in the workspace (layoutWorkspace).
  bool usesStrings = false;
  uint64_t stringArenaOffset = 0, stringArenaSize = 0;
  /// Results of the model function after the outputs (their dims).
  size_t numDimsResults() const;
  /// Whether an input has a dynamic dim (the model takes its input dims).
  bool hasDynamicInputs() const;
  /// The (input, dim) pairs of the dynamic input dims, flattened, in the
  /// order of the model function's dims argument.
  std::vector<int64_t> dynamicInputDims() const;
};

/// ONNX TensorProto.DataType code of an element type (enum kiln_dtype), or
/// 0 when the ABI cannot carry it.
int32_t dtypeCode(Type type);

/// The model function the importer creates.
inline constexpr const char *kModelFunctionName = "main_graph";
/// The model function compiled at the opt shape, next to the general one
/// (kiln/Pipeline/Specialize.h).
inline constexpr const char *kSpecializedFunctionName = "main_graph_opt";

/// Reads names, dtypes and shapes from the imported @main_graph; emits an
/// error at the function and fails on a dynamic shape without a range or an
/// element type the ABI cannot carry. Input ranges and symbols come from
/// `kiln.input_ranges` / `kiln.input_dim_symbols`; a dynamic output (which
/// needs a dims result) gets its bounds from setOutputUpperBounds.
FailureOr<ModelSignature> getModelSignature(func::FuncOp func);

/// The upper bounds of dynamic outputs, from `kiln.output_upper_bounds` of
/// the model function (`fn`, at any stage) that the bufferize stage records;
/// fails with an error at `fn` when a dynamic output has none.
LogicalResult setOutputUpperBounds(ModelSignature &signature, Operation *fn);

/// The caller's workspace: the planned intermediates (`plannedBytes`), then
/// the actual dims of data-dependent outputs, then (for models with
/// `usesStrings`) the string arena of `stringArenaBytes`. Sets the offsets
/// in `signature` and returns the workspace's total size.
uint64_t layoutWorkspace(ModelSignature &signature, uint64_t plannedBytes,
                         uint64_t stringArenaBytes);

/// Error codes <prefix>_run returns (0 is success; enum kiln_error).
inline constexpr int kErrorNullArgument = 1;
inline constexpr int kErrorStringArena = 2;
inline constexpr int kErrorInputShape = 3;
inline constexpr int kErrorWeightsNotLoaded = 4;
inline constexpr int kErrorWeightsFile = 5;
inline constexpr int kErrorWeightsFormat = 6;
inline constexpr int kErrorWeightsModel = 7;
inline constexpr int kErrorCpu = 8; // emitCpuCheck (kiln/Target/CpuCheck.h)

/// The field of kiln_model_info that points at the kiln_cpu_requirements;
/// emitModelABI leaves it NULL, emitCpuCheck sets it.
inline constexpr unsigned kModelInfoCpuField = 11;

/// Adds <prefix>_run and the descriptor `infoSymbol` to `module`, renames the
/// model function and internalizes everything else the module defines. With
/// `withLibraryAPI`, also defines the functions declared by the generated C
/// header: <prefix>_workspace_size, _num_inputs/_num_outputs,
/// _input_name/_dtype/_rank/_shape (and output_*), _output_dims,
/// _error_message, _version; for a model with dynamic inputs also
/// _run_dims, _input_min_shape and _input_dim_symbols. `workspaceSize` is
/// layoutWorkspace's total.
///
/// With `weights` (the code reads them through @kiln_weights, see
/// kiln-extract-weights): defines that global as the model's
/// kiln_weights_state, the descriptor the runtime checks weights files
/// against, and with `withLibraryAPI` _load_weights, _load_weights_flags,
/// _set_weights and _weights_message; runs fail with
/// KILN_ERROR_WEIGHTS_NOT_LOADED until weights are there. With
/// `embeddedSymbol`, the weights file image is linked in under that symbol
/// (--weights=embed) and is the initial weights.
///
/// With `optSignature` (a model with ranges whose module also holds its
/// opt-shape specialization, kSpecializedFunctionName, of that signature):
/// the run calls it instead when every dynamic input dim has its opt size.
llvm::Error emitModelABI(llvm::Module &module, const ModelSignature &signature,
                         llvm::StringRef prefix, llvm::StringRef infoSymbol,
                         uint64_t workspaceSize, bool withLibraryAPI,
                         const WeightTable *weights = nullptr,
                         llvm::StringRef embeddedSymbol = "",
                         const ModelSignature *optSignature = nullptr);

} // namespace mlir::kiln

#endif
