//===- OnnxImporter.h - ONNX model -> kiln dialect -------------*- C++ -*-===//
#ifndef KILN_FRONTEND_ONNX_ONNXIMPORTER_H
#define KILN_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kiln {

/// The sizes a dimension may take at run time: `min`..`max` (inclusive);
/// `opt` is the size to tune for (`max` unless given: `optGiven`). min ==
/// max pins it.
struct DimRange {
  int64_t min = 0, opt = 0, max = 0;
  bool optGiven = false;
  bool isPinned() const { return min == max; }
  static DimRange pinned(int64_t size) { return {size, size, size}; }
  bool operator==(const DimRange &o) const {
    return min == o.min && opt == o.opt && max == o.max;
  }
};

/// Parses `N`, `MIN:MAX` or `MIN:OPT:MAX` (non-negative, MIN <= OPT <= MAX).
std::optional<DimRange> parseDimRange(llvm::StringRef text);
/// Parses `1x3x32:512x32:512` (dims separated by `x`, each a DimRange).
std::optional<std::vector<DimRange>> parseShapeRanges(llvm::StringRef text);
/// `N` or `MIN..MAX` (as the executable's --help prints it).
std::string formatDimRange(const DimRange &range);

struct OnnxImportOptions {
  /// --input-shape NAME=1x3x224x224: the dims of an input, each pinned or a
  /// range (`1x3x32:512x32:512`); NAME may also be a symbolic dim (one dim).
  std::map<std::string, std::vector<DimRange>> inputShapes;
  /// --dim NAME=MIN:MAX (or N): the range of ONNX dim_param NAME, wherever
  /// it appears.
  std::map<std::string, DimRange> dimRanges;
  /// NAME -> path of a serialized onnx.TensorProto (.pb): imports graph
  /// input NAME as that constant instead of a function argument. Lets models
  /// whose shape operands are inputs (e.g. the ONNX backend node tests) be
  /// compiled with static shapes.
  std::map<std::string, std::string> constantInputs;
  /// --external-data-dir: read external data from this directory instead of
  /// the model's. Either way, no external data path may leave it.
  std::string externalDataDir;
};

/// Reads, checks (onnx::checker), shape-infers and imports the model at
/// `path` into a module holding `func.func @main_graph`, whose arguments are
/// the graph inputs (initializers excluded) and whose results are the graph
/// outputs, in order; the function carries `kiln.input_names` and
/// `kiln.output_names` (arrays of strings). Every op gets a NameLoc with the
/// ONNX node name (fused with the file location).
///
/// On any problem (unreadable or malformed file, invalid model, unsupported
/// ops/attributes/dtypes, unresolved dynamic dims) emits errors through the
/// context's diagnostic engine -- all unsupported nodes at once -- and
/// returns nullptr. Never crashes or throws on bad input.
/// True when some range of `options` names its OPT size (MIN:OPT:MAX).
bool hasOptHint(const OnnxImportOptions &options);

/// `options` with every range pinned at its opt size: the import of the
/// model at the shape a MIN:OPT:MAX range asks to make fastest.
OnnxImportOptions pinnedAtOpt(const OnnxImportOptions &options);

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext &context,
                                      llvm::StringRef path,
                                      const OnnxImportOptions &options);

} // namespace mlir::kiln

#endif
