//===- OnnxImporterImpl.h - Internals of the ONNX importer ------*- C++ -*-===//
//
// Shared by the importer's driver and its op handlers: the loaded model, the
// opset-versioned handler registry, the per-node context handlers work with,
// tensor conversion and import-time constant folding.
//
// Only OnnxLoader.cpp calls libonnx functions that throw; everything declared
// here is exception-free.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H
#define KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H

#include "dialects/Kiln/IR/KilnOps.h"
#include "kiln/Frontend/Onnx/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/onnx_pb.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::kiln::onnx_importer {

class NodeContext;
class NodeInfo;
class GraphImporter;

/// Constants folded at import time (shape arithmetic) are at most this big;
/// larger constant expressions are left to the kiln-level constant folder.
constexpr int64_t kMaxFoldElements = 1 << 16;
/// Constant tensors with at most this many elements are printed inline as
/// dense attributes; larger ones become resource blobs.
constexpr int64_t kMaxInlineElements = 16;

//===----------------------------------------------------------------------===//
// Handler registry
//===----------------------------------------------------------------------===//

/// Builds kiln ops for one ONNX node. Returns failure after emitting an error
/// at the node's location.
using OnnxHandler = std::function<LogicalResult(NodeContext &)>;
/// Checks a node's attributes (and which outputs are used) before anything is
/// built, so that every unsupported node is reported at once.
using OnnxValidator = std::function<LogicalResult(const NodeInfo &)>;

class OnnxOpRegistry {
public:
  struct Entry {
    int64_t sinceVersion;
    OnnxHandler handler;
    OnnxValidator validator;
  };

  /// Registers `handler` for ONNX op `opType` (default domain) from opset
  /// `sinceVersion` on, until the next registration of the same op.
  void onOp(llvm::StringRef opType, int64_t sinceVersion, OnnxHandler handler,
            OnnxValidator validator = nullptr);

  /// The entry with the highest since-version <= `opset`, or null.
  const Entry *lookup(llvm::StringRef opType, int64_t opset) const;

  /// Marks ops whose handlers (and the kiln ops they build) take operands
  /// with dynamic dims; a node of any other op type with such an operand is
  /// reported, naming the op, instead of being imported.
  void allowDynamicShapes(llvm::ArrayRef<llvm::StringRef> opTypes);
  bool allowsDynamicShapes(llvm::StringRef opType) const {
    return dynamicOps.contains(opType);
  }

private:
  llvm::StringMap<llvm::SmallVector<Entry, 2>> entries;
  llvm::StringSet<> dynamicOps;
};

/// The registry with every handler; built once, then read-only.
const OnnxOpRegistry &getOnnxOpRegistry();

/// The dims of `value` as a tensor<rank x i64> (tensor.dim for its dynamic
/// dims): the actual shape of a dynamically shaped graph output.
Value buildShapeOf(OpBuilder &b, Location loc, Value value);

void populateElementwiseHandlers(OnnxOpRegistry &registry);
void populateLinearAlgebraHandlers(OnnxOpRegistry &registry);
void populateIndexingHandlers(OnnxOpRegistry &registry);
void populateNNHandlers(OnnxOpRegistry &registry);
void populateQuantizationHandlers(OnnxOpRegistry &registry);
void populateTextHandlers(OnnxOpRegistry &registry);
void populateSignalHandlers(OnnxOpRegistry &registry);
void populateReductionHandlers(OnnxOpRegistry &registry);
void populateSpatialHandlers(OnnxOpRegistry &registry);
void populateTensorHandlers(OnnxOpRegistry &registry);
void populateRecurrentHandlers(OnnxOpRegistry &registry);
void populateControlFlowHandlers(OnnxOpRegistry &registry);

//===----------------------------------------------------------------------===//
// Loading (OnnxLoader.cpp: the only code that calls throwing libonnx APIs)
//===----------------------------------------------------------------------===//

/// Where a node came from when it was produced by expanding an ONNX function:
/// the call site's name and op type, used for its location.
struct NodeOrigin {
  std::string name;
  std::string opType;
};

/// The one directory external data may be read from: the model's own
/// directory, or --external-data-dir. Paths are resolved (symlinks
/// followed) and must stay inside it.
struct ExternalDataDir {
  std::string path;
  /// False when it comes from --external-data-dir (for error messages).
  bool isModelDirectory = true;
};

struct LoadedModel {
  ::onnx::ModelProto proto;
  /// The model path as given, and where its external data lives.
  std::string path;
  ExternalDataDir directory;
  /// The default-domain opset the graph is imported with (after conversion).
  int64_t opset = 0;
  /// The opset the file declared (differs from `opset` after conversion).
  int64_t originalOpset = 0;
  /// Parallel to proto.graph().node() when functions were expanded.
  std::vector<NodeOrigin> origins;
  /// Set when some graph input has a dimension --input-shape must pin; the
  /// errors are already emitted, the import fails after listing
  /// unsupported nodes too.
  bool hasInputShapeErrors = false;
  /// Ranges of the symbolic input dims that stay dynamic, by dim_param
  /// (every dynamic input dim has one after loading).
  std::map<std::string, DimRange> symbolRanges;
};

/// Reads `path`, binds options.constantInputs, checks the model with
/// onnx::checker and its tensors' data sizes, pins input dimensions from
/// options.inputShapes, converts opsets < 13 to 13, runs ONNX shape
/// inference and expands model-local functions and ONNX function ops that
/// have no handler. Emits errors at `fileLoc`.
LogicalResult loadOnnxModel(llvm::StringRef path,
                            const OnnxImportOptions &options,
                            const OnnxOpRegistry &registry, Location fileLoc,
                            LoadedModel &model);

//===----------------------------------------------------------------------===//
// Tensors and element types (OnnxTensors.cpp)
//===----------------------------------------------------------------------===//

/// The MLIR element type of an ONNX TensorProto::DataType, or null if Kiln
/// does not support it (string, complex, undefined).
Type convertElementType(MLIRContext *context, int32_t dataType);
/// ONNX's name of a data type ("float", "int64", "string", ...).
std::string onnxTypeName(int32_t dataType);

/// Checks a TensorProto's dtype, dims and data size (and that external data
/// is a regular file inside `directory`) without reading the data. `what`
/// names it in errors.
LogicalResult verifyTensorProto(const ::onnx::TensorProto &tensor,
                                const ExternalDataDir &directory, Location loc,
                                const llvm::Twine &what);

/// Checks every external-data location in the model (initializers, sparse
/// initializers and tensor attributes, in subgraphs and functions too):
/// relative, resolving (symlinks followed) inside `directory`, and a
/// regular file if it exists. Missing files are left to the later checks,
/// which name them.
LogicalResult verifyExternalDataPaths(const ::onnx::ModelProto &model,
                                      const ExternalDataDir &directory,
                                      Location loc);

/// Converts a TensorProto to an ElementsAttr: a DenseElementsAttr when it has
/// at most `maxDenseElements` elements or is a splat, otherwise a
/// DenseResourceElementsAttr whose blob is named after `blobName`.
FailureOr<ElementsAttr> convertTensorProto(const ::onnx::TensorProto &tensor,
                                           MLIRContext *context,
                                           const ExternalDataDir &directory,
                                           Location loc,
                                           const llvm::Twine &what,
                                           llvm::StringRef blobName,
                                           int64_t maxDenseElements);

/// Wraps raw little-endian element bytes (bools: one byte each) into an
/// ElementsAttr, dense or resource as above. With `owner` (the mapped
/// external data file holding `bytes`), a resource blob keeps the mapping
/// instead of copying the bytes (when they are aligned for the element type).
ElementsAttr makeElementsAttr(
    RankedTensorType type, llvm::ArrayRef<char> bytes, llvm::StringRef blobName,
    int64_t maxDenseElements = kMaxInlineElements,
    std::unique_ptr<llvm::MemoryBuffer> owner = nullptr);

/// A host-readable (DenseElementsAttr) view of `attr` if it has at most
/// `maxElements` elements, else null.
DenseElementsAttr toDenseElements(ElementsAttr attr,
                                  int64_t maxElements = kMaxFoldElements);

//===----------------------------------------------------------------------===//
// Import-time constant folding (ConstantFolding.cpp)
//===----------------------------------------------------------------------===//

/// Elements of an integer (or bool) constant as int64 (unsigned types are
/// zero-extended); nullopt for float constants.
std::optional<llvm::SmallVector<int64_t>> getIntValues(DenseElementsAttr attr);
/// Elements of any numeric constant as doubles.
llvm::SmallVector<double> getFloatValues(DenseElementsAttr attr);
/// Builds a constant of `type` from int64 values (truncated to the width).
DenseElementsAttr makeIntElements(RankedTensorType type,
                                  llvm::ArrayRef<int64_t> values);
/// Builds a constant of `type` (int or float) from doubles.
DenseElementsAttr makeFloatOrIntElements(RankedTensorType type,
                                         llvm::ArrayRef<double> values);

/// result[i] = source[indices[i]] (row-major), with `resultType`'s shape.
DenseElementsAttr remapElements(DenseElementsAttr source,
                                RankedTensorType resultType,
                                llvm::ArrayRef<int64_t> indices);

/// For each row-major index of `resultShape`, the index of the element of a
/// tensor of `shape` that numpy broadcasting reads.
llvm::SmallVector<int64_t>
broadcastIndexMap(llvm::ArrayRef<int64_t> shape,
                  llvm::ArrayRef<int64_t> resultShape);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> rowMajorStrides(llvm::ArrayRef<int64_t> shape);

/// Number of elements, or nullopt on a dynamic dim or overflow.
std::optional<int64_t> numElements(llvm::ArrayRef<int64_t> shape);

/// Integer elementwise fold of `operands` with numpy broadcasting; `fn`
/// returns nullopt to refuse (e.g. division by zero). Null if not foldable.
DenseElementsAttr foldIntElementwise(
    llvm::ArrayRef<DenseElementsAttr> operands, Type resultElementType,
    llvm::function_ref<std::optional<int64_t>(llvm::ArrayRef<int64_t>)> fn);
/// The float counterpart (all operands of one float type, the result too);
/// null when an operand is not such a constant or `fn` refuses.
DenseElementsAttr foldFloatElementwise(
    llvm::ArrayRef<DenseElementsAttr> operands,
    llvm::function_ref<std::optional<double>(llvm::ArrayRef<double>)> fn);

/// Converts a constant's elements to `elementType` with ONNX Cast semantics
/// (float -> int truncates, -> bool is != 0). Null if unsupported.
DenseElementsAttr castElements(DenseElementsAttr attr, Type elementType);

//===----------------------------------------------------------------------===//
// Values of the graph
//===----------------------------------------------------------------------===//

/// What the importer knows about one ONNX value: an SSA value, a constant
/// (materialized as kiln.constant on first use as an SSA value), or an
/// initializer not converted yet.
struct ValueEntry {
  std::string name;
  Value value;
  ElementsAttr constant;
  const ::onnx::TensorProto *initializer = nullptr;
  /// Host-readable contents, computed on demand.
  DenseElementsAttr hostConstant;
  bool hostConstantComputed = false;
  /// Where a materialized constant goes: the producing node or initializer.
  LocationAttr loc;
  /// Produced by a node that failed to import: dependents are skipped.
  bool failed = false;
  /// Set when the value's shape depends on the input data (StringNormalizer
  /// drops stopwords): `value` is padded to a static upper bound and this
  /// tensor<rank x i64> holds the actual dims. Only graph outputs may be
  /// such values; a node consuming one is an error.
  Value dataDims;
  /// Run-time shape arithmetic (dynamic dims): `value` is a rank-0 or rank-1
  /// integer tensor whose elements are known here as constants or index
  /// values (dims of dynamically shaped tensors), so that Reshape, Expand
  /// and the like can use them as sizes. Empty for other values.
  llvm::SmallVector<OpFoldResult> shapeElements;

  /// Sequences and optionals are resolved at import time: a sequence is the
  /// ordered list of its elements' entries, an optional holds zero or one.
  enum class Kind { Tensor, Sequence, Optional };
  Kind kind = Kind::Tensor;
  llvm::SmallVector<ValueEntry *, 4> elements;
  bool isTensor() const { return kind == Kind::Tensor; }
};

//===----------------------------------------------------------------------===//
// NodeInfo: a node's attributes, before and while importing it
//===----------------------------------------------------------------------===//

/// Read-only view of one ONNX node: name, op type, opset, attributes with
/// typed getters, and which inputs/outputs are present. Attribute getters
/// never fail hard: a wrongly typed attribute emits an error, marks the node
/// as failed and yields the default.
class NodeInfo {
public:
  NodeInfo(const ::onnx::NodeProto &node, int64_t opset, Location loc,
           const GraphImporter &graph)
      : node(node), opset(opset), loc(loc), graph(graph) {}

  const ::onnx::NodeProto &getNode() const { return node; }
  llvm::StringRef getOpType() const { return node.op_type(); }
  int64_t getOpset() const { return opset; }
  Location getLoc() const { return loc; }
  MLIRContext *getContext() const { return loc.getContext(); }

  /// Inputs/outputs as listed (absent optional ones have empty names).
  unsigned getNumInputs() const { return node.input_size(); }
  unsigned getNumOutputs() const { return node.output_size(); }
  bool hasInput(unsigned i) const {
    return i < getNumInputs() && !node.input(i).empty();
  }
  bool hasOutput(unsigned i) const {
    return i < getNumOutputs() && !node.output(i).empty();
  }
  llvm::StringRef getInputName(unsigned i) const {
    return i < getNumInputs() ? llvm::StringRef(node.input(i)) : "";
  }
  llvm::StringRef getOutputName(unsigned i) const {
    return i < getNumOutputs() ? llvm::StringRef(node.output(i)) : "";
  }
  /// True if output `i` is consumed by another node or is a graph output.
  bool isOutputUsed(unsigned i) const;
  /// Where external data is read from (relative to it, confined to it).
  const ExternalDataDir &getExternalDataDir() const;

  const ::onnx::AttributeProto *getAttr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return getAttr(name) != nullptr; }
  int64_t getInt(llvm::StringRef name, int64_t defaultValue) const;
  float getFloat(llvm::StringRef name, float defaultValue) const;
  std::string getString(llvm::StringRef name,
                        llvm::StringRef defaultValue = "") const;
  llvm::SmallVector<int64_t> getInts(llvm::StringRef name) const;
  llvm::SmallVector<float> getFloats(llvm::StringRef name) const;
  /// The ints attribute if present (an explicit empty list is present).
  std::optional<llvm::SmallVector<int64_t>>
  getOptionalInts(llvm::StringRef name) const;
  const ::onnx::TensorProto *getTensor(llvm::StringRef name) const;

  /// Error at the node's location; converts to failure().
  InFlightDiagnostic emitError() const;
  /// `unsupported attribute value NAME=VALUE` (+ streamed detail).
  InFlightDiagnostic emitUnsupportedAttr(llvm::StringRef name) const;

  /// Whether an error has been emitted for this node.
  bool hadError() const { return errorEmitted; }
  void markError() const { errorEmitted = true; }

protected:
  const ::onnx::NodeProto &node;
  int64_t opset;
  Location loc;
  const GraphImporter &graph;
  mutable bool errorEmitted = false;

private:
  const ::onnx::AttributeProto *
  getTypedAttr(llvm::StringRef name,
               ::onnx::AttributeProto::AttributeType type) const;
};

//===----------------------------------------------------------------------===//
// NodeContext: what a handler builds with
//===----------------------------------------------------------------------===//

/// A node being imported: its operands (as SSA values or as known constants),
/// its results, and a builder positioned at the end of @main_graph whose ops
/// all get the node's location.
class NodeContext : public NodeInfo {
public:
  NodeContext(const ::onnx::NodeProto &node, int64_t opset, Location loc,
              GraphImporter &graph, OpBuilder &builder)
      : NodeInfo(node, opset, loc, graph), mutableGraph(graph),
        builder(builder) {}

  OpBuilder &getBuilder() { return builder; }

  /// Operand `i` as an SSA value (constants are materialized here); emits an
  /// error and returns null if it is absent.
  Value operand(unsigned i);
  /// The type of operand `i` without materializing it; null if absent.
  RankedTensorType operandType(unsigned i) const;
  /// Operand `i` as a host-readable constant (small constants, folded shape
  /// arithmetic), or null.
  DenseElementsAttr constantOperand(unsigned i) const;
  /// Integer contents of constant operand `i`; emits an error naming `what`
  /// if it is absent, not constant or not integer.
  FailureOr<llvm::SmallVector<int64_t>>
  requireConstantInts(unsigned i, llvm::StringRef what);
  /// The single numeric value of constant scalar (or 1-element) operand `i`.
  FailureOr<double> requireConstantScalar(unsigned i, llvm::StringRef what);
  /// The error for operand `i` (named `what`) not being a compile-time
  /// constant; names --constant-input when the operand is a graph input.
  InFlightDiagnostic emitNotConstant(unsigned i, llvm::StringRef what) const;

  /// Defines output `i` (ignored if the node does not name it).
  void setResult(unsigned i, Value value);
  /// Defines output `i` as `value` padded to a static bound, whose actual
  /// dims (tensor<rank x i64>) are `dims` (see ValueEntry::dataDims).
  void setResultWithDataDims(unsigned i, Value value, Value dims);
  /// Defines output `i` as a constant known at import time.
  void setConstantResult(unsigned i, ElementsAttr value);
  /// Output `i` is operand `j` unchanged (Identity, Dropout); keeps constants
  /// foldable.
  LogicalResult forwardOperand(unsigned i, unsigned j);

  // Run-time shape arithmetic (see ValueEntry::shapeElements).
  /// The elements of integer operand `i` of rank <= 1 when each is known as a
  /// constant or an index value (a constant operand, or a shape value).
  std::optional<llvm::SmallVector<OpFoldResult>> shapeOperand(unsigned i);
  /// Whether operand `i` is a shape value with some run-time element.
  bool isShapeValue(unsigned i) const;
  /// Defines output `i` as an i64 tensor (rank 0 if `scalar`, else 1) of
  /// `elements`, remembered as a shape value.
  LogicalResult setShapeResult(unsigned i,
                               llvm::ArrayRef<OpFoldResult> elements,
                               bool scalar = false);
  /// Add/Sub/Mul/Div (this node's op type) of two integer operands of rank
  /// <= 1, one a shape value and the other one too or a constant: the
  /// result is a shape value. None when the operands are not such.
  std::optional<LogicalResult> tryShapeArithmetic();
  /// The size of dim `d` of operand value `v`: constant or tensor.dim.
  OpFoldResult dimOf(Value v, int64_t d);
  /// Like requireConstantInts, but a run-time element of a shape value
  /// becomes ShapedType::kDynamic and `dynamicElements` receives it.
  FailureOr<llvm::SmallVector<int64_t>>
  requireShapeInts(unsigned i, llvm::StringRef what,
                   llvm::SmallVectorImpl<Value> *dynamicElements = nullptr);

  // Sequences, optionals and subgraphs (used by ControlFlow.cpp).
  /// The entry of input `i` (any kind), or null if absent.
  ValueEntry *inputEntry(unsigned i) const { return getInputEntry(i); }
  /// Elements of sequence input `i`; emits an error if it is not a sequence.
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> sequenceOperand(unsigned i);
  /// A new tensor entry holding `value` (an element of a sequence).
  ValueEntry *newTensorEntry(Value value);
  /// A new tensor entry holding a constant known at import time.
  ValueEntry *newConstantEntry(ElementsAttr value);
  /// Host-readable contents of a constant tensor entry, or null.
  DenseElementsAttr constantOf(ValueEntry *entry) const;
  /// A new sequence or optional entry with `elements`.
  ValueEntry *newCompositeEntry(ValueEntry::Kind kind,
                                llvm::ArrayRef<ValueEntry *> elements);
  /// Output `i` is `entry` (any kind).
  void setEntryResult(unsigned i, ValueEntry *entry);
  /// The SSA value of a tensor entry (constants are materialized); emits an
  /// error and returns null for other kinds.
  Value materialize(ValueEntry *entry);
  /// Imports the nodes of `body` at the builder's position, with its inputs
  /// bound to `inputs` and outer values visible; `outputs` receives the
  /// entries of its outputs. Names it defines are restored afterwards, so a
  /// body can be imported once per loop iteration.
  LogicalResult importSubgraph(const ::onnx::GraphProto &body,
                               llvm::ArrayRef<ValueEntry *> inputs,
                               llvm::SmallVectorImpl<ValueEntry *> &outputs);

  /// Creates `OpTy` at the node's location with its inferred result type.
  /// Returns null (the error already emitted) when an operand is null or
  /// type inference rejects the operands/attributes; never crashes.
  template <typename OpTy, typename... Args>
  Value create(Args &&...args) {
    OpTy op = createOp<OpTy>(std::forward<Args>(args)...);
    return op ? op->getResult(0) : nullptr;
  }
  /// As create, for ops with several results; returns the op or null.
  template <typename OpTy, typename... Args>
  OpTy createOp(Args &&...args) {
    OperationState state(loc, OpTy::getOperationName());
    OpTy::build(builder, state, builder.getNoneType(),
                std::forward<Args>(args)...);
    // A null operand comes from a helper that already failed (and said
    // why, or the driver reports the node generically).
    if (llvm::is_contained(state.operands, Value()))
      return nullptr;
    llvm::SmallVector<Type, 1> types;
    if (failed(OpTy::inferReturnTypes(
            builder.getContext(), state.location, state.operands,
            state.attributes.getDictionary(builder.getContext()),
            state.getRawProperties(), state.regions, types))) {
      markError();
      return nullptr;
    }
    state.types.assign(types.begin(), types.end());
    return cast<OpTy>(builder.create(state));
  }

  // Helpers shared by handlers; all return null after emitting an error.
  /// A rank-0 constant of `elementType` (float or int) holding `value`.
  Value constantScalar(Type elementType, double value);
  /// A constant op for `attr`.
  Value constant(ElementsAttr attr);
  Value reshape(Value input, llvm::ArrayRef<int64_t> shape);
  Value transpose(Value input, llvm::ArrayRef<int64_t> perm);
  Value castTo(Value input, Type elementType);

  /// Normalizes `axis` into [0, rank) (or [0, rank] with `inclusiveEnd`).
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                   llvm::StringRef what = "axis",
                                   bool inclusiveEnd = false);
  /// Normalizes, sorts and checks `axes` for duplicates.
  FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                llvm::StringRef what = "axes");

private:
  friend class GraphImporter;
  ValueEntry *getInputEntry(unsigned i) const;
  ValueEntry &newEntry();
  void emitDataDependentUse(const ValueEntry &entry);

  /// Outputs defined by the handler: either a fresh entry or an alias of an
  /// input's entry.
  struct Result {
    bool defined = false;
    ValueEntry *alias = nullptr;
    Value value;
    ElementsAttr constant;
    Value dataDims;
    llvm::SmallVector<OpFoldResult> shapeElements;
  };
  GraphImporter &mutableGraph;
  OpBuilder &builder;
  llvm::SmallVector<Result, 2> results;
};

//===----------------------------------------------------------------------===//
// Conv and pool windows (NNOps.cpp; also used by QuantizationOps.cpp)
//===----------------------------------------------------------------------===//

/// strides/dilations/pads of a Conv- or pool-like node, auto_pad resolved
/// into explicit pads (pads: all begins, then all ends).
struct Window {
  llvm::SmallVector<int64_t> strides, dilations, pads;
  bool autoPadded = false;
};
/// Reads strides/dilations/pads/auto_pad for a window of `kernel` over
/// `spatial` input dims; emits an error on bad values.
FailureOr<Window> resolveWindow(NodeContext &ctx,
                                llvm::ArrayRef<int64_t> spatial,
                                llvm::ArrayRef<int64_t> kernel);
/// Validator: auto_pad is NOTSET, VALID, SAME_UPPER or SAME_LOWER.
LogicalResult validateAutoPad(const NodeInfo &node);

/// Defines output 0 of the node as `result`; failure when `result` is null
/// (its builder already reported why). The usual last line of a handler.
LogicalResult finish(NodeContext &ctx, Value result);

/// Emits "<message>, not <element type>" unless `type` has a floating-point
/// element type. A null `type` passes (a missing input is the caller's to
/// report).
LogicalResult requireFloatElements(
    NodeContext &ctx, RankedTensorType type,
    const llvm::Twine &message = "expects a floating-point input");

/// Static type of a value built by the importer.
inline RankedTensorType typeOf(Value v) {
  return v ? llvm::dyn_cast<RankedTensorType>(v.getType()) : nullptr;
}

// Shapes in messages: mlir::kiln::formatShape (dialects/Kiln/IR/KilnOps.h).

} // namespace mlir::kiln::onnx_importer

#endif // KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H
