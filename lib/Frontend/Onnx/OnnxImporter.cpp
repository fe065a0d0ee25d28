//===- OnnxImporter.cpp - ONNX graph -> func.func @main_graph -------------===//
//
// The importer's driver: checks every node against the handler registry
// (reporting all unsupported ones at once), then builds @main_graph from the
// graph inputs, initializers (resource blobs, converted on first use) and
// nodes in order, giving each op its node's location, and checks every
// result against ONNX's own shape inference.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <deque>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

void OnnxOpRegistry::onOp(llvm::StringRef opType, int64_t sinceVersion,
                          OnnxHandler handler, OnnxValidator validator) {
  auto &list = entries[opType];
  auto it = llvm::find_if(
      list, [&](const Entry &e) { return e.sinceVersion > sinceVersion; });
  list.insert(it,
              Entry{sinceVersion, std::move(handler), std::move(validator)});
}

void OnnxOpRegistry::allowDynamicShapes(
    llvm::ArrayRef<llvm::StringRef> opTypes) {
  for (llvm::StringRef opType : opTypes)
    dynamicOps.insert(opType);
}

const OnnxOpRegistry::Entry *OnnxOpRegistry::lookup(llvm::StringRef opType,
                                                    int64_t opset) const {
  auto it = entries.find(opType);
  if (it == entries.end())
    return nullptr;
  const Entry *best = nullptr;
  for (const Entry &e : it->second)
    if (e.sinceVersion <= opset)
      best = &e;
  return best;
}

const OnnxOpRegistry &onnx_importer::getOnnxOpRegistry() {
  static const OnnxOpRegistry registry = [] {
    OnnxOpRegistry r;
    populateElementwiseHandlers(r);
    populateLinearAlgebraHandlers(r);
    populateIndexingHandlers(r);
    populateNNHandlers(r);
    populateQuantizationHandlers(r);
    populateTextHandlers(r);
    populateSignalHandlers(r);
    populateReductionHandlers(r);
    populateSpatialHandlers(r);
    populateTensorHandlers(r);
    // Ops whose handlers and lowerings take dynamically shaped operands
    // (model-compile --dim / ranges in --input-shape).
    r.allowDynamicShapes(
        {// Elementwise
         "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean",
         "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And",
         "Or", "Xor", "Not", "Neg", "Abs", "Sign", "Relu", "Sqrt",
         "Reciprocal", "Exp", "Log", "Tanh", "Sigmoid", "Erf", "Floor", "Ceil",
         "Round", "Sin", "Cos", "LeakyRelu", "Elu", "Selu", "Celu",
         "HardSigmoid", "HardSwish", "Softplus", "Softsign", "Clip", "Cast",
         "Where", "Identity", "Dropout", "Gelu", "Mish",
         // Linear algebra, windows, normalization
         "Gemm", "MatMul", "Conv", "MaxPool", "AveragePool",
         "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization",
         "LayerNormalization", "Softmax", "LogSoftmax", "ReduceMean",
         "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
         // Layout
         "Flatten", "Reshape", "Transpose", "Concat", "Squeeze",
         "Unsqueeze", "Split", "Slice", "Gather", "Resize", "Upsample",
         // Run-time shape arithmetic (shape values)
         "Shape", "Range"});
    populateRecurrentHandlers(r);
    populateControlFlowHandlers(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

namespace mlir::kiln::onnx_importer {

/// Imports the graph of one loaded model into a module.
class GraphImporter {
public:
  GraphImporter(MLIRContext &context, LoadedModel &model,
                const OnnxOpRegistry &registry, Location fileLoc)
      : context(context), model(model), graph(model.proto.graph()),
        registry(registry), fileLoc(fileLoc) {}

  OwningOpRef<ModuleOp> import();

  bool isUsed(llvm::StringRef name) const { return usedNames.contains(name); }
  const ExternalDataDir &getExternalDataDir() const {
    return model.directory;
  }
  ValueEntry *lookup(llvm::StringRef name) const {
    return values.lookup(name);
  }
  /// The entry's SSA value, materializing constants with `builder`.
  Value materialize(ValueEntry &entry, OpBuilder &builder);
  /// The entry's type without materializing or converting it.
  RankedTensorType getType(const ValueEntry &entry) const;
  /// Host-readable contents of a constant entry (small ones only).
  DenseElementsAttr getHostConstant(ValueEntry &entry);
  /// A fresh entry (not bound to a name in the value map).
  ValueEntry &createEntry(llvm::StringRef name) { return newEntry(name); }
  /// The graph inputs (not initializers) whose values the value `name`
  /// depends on, following node inputs back from its producer; values known
  /// at compile time and shape queries (Shape, Size) end the walk.
  llvm::SmallVector<std::string> graphInputsFeeding(llvm::StringRef name);
  /// See NodeContext::importSubgraph.
  LogicalResult importSubgraph(const ::onnx::GraphProto &body,
                               llvm::ArrayRef<ValueEntry *> inputs,
                               llvm::SmallVectorImpl<ValueEntry *> &outputs,
                               OpBuilder &builder, Location callerLoc);

private:
  Location nodeLoc(int index) const;
  Location nodeLoc(const ::onnx::NodeProto &node, int index) const;
  Type convertValueType(const ::onnx::TypeProto &type, llvm::StringRef name,
                        Location loc);
  LogicalResult checkNodes(const ::onnx::GraphProto &g, bool isMain);
  void collectUses(const ::onnx::GraphProto &g);
  LogicalResult defineInitializers();
  LogicalResult defineInputs(func::FuncOp func);
  LogicalResult importNode(const ::onnx::NodeProto &node, Location loc,
                           OpBuilder &builder);
  LogicalResult commitResults(NodeContext &ctx);
  /// With `bounds`, `type` holds upper bounds of a data-dependent shape:
  /// declared dims may be smaller.
  LogicalResult checkAgainstOnnxType(llvm::StringRef name,
                                     RankedTensorType type, Location loc,
                                     bool bounds = false);
  LogicalResult ensureConstant(ValueEntry &entry);
  ValueEntry &newEntry(llvm::StringRef name) {
    storage.emplace_back();
    storage.back().name = name.str();
    return storage.back();
  }

  MLIRContext &context;
  LoadedModel &model;
  const ::onnx::GraphProto &graph;
  const OnnxOpRegistry &registry;
  Location fileLoc;

  /// ONNX name -> entry; forwarding ops (Identity) alias entries.
  llvm::StringMap<ValueEntry *> values;
  std::deque<ValueEntry> storage;
  /// Names consumed by some node or by the graph outputs.
  llvm::StringSet<> usedNames;
  /// Declared or inferred types: graph inputs/outputs and value_info.
  llvm::StringMap<const ::onnx::TypeProto *> onnxTypes;
  llvm::StringSet<> initializerNames;
  /// kiln.input_ranges / kiln.input_dim_symbols of the model function.
  llvm::SmallVector<Attribute> inputRanges, inputSymbols;
  bool hasDynamicInputs = false;
};

} // namespace mlir::kiln::onnx_importer

Location GraphImporter::nodeLoc(int index) const {
  const ::onnx::NodeProto &node = graph.node(index);
  if (index < static_cast<int>(model.origins.size()) &&
      !model.origins[index].opType.empty()) {
    ::onnx::NodeProto origin;
    origin.set_name(model.origins[index].name);
    origin.set_op_type(model.origins[index].opType);
    return nodeLoc(origin, index);
  }
  return nodeLoc(node, index);
}

/// Location of `node`, the `index`-th of its graph (main graph or subgraph).
Location GraphImporter::nodeLoc(const ::onnx::NodeProto &node,
                                int index) const {
  std::string name = node.name();
  std::string opType = node.op_type();
  if (name.empty())
    name = opType + "_" + std::to_string(index);
  return FusedLoc::get(
      &context, {NameLoc::get(StringAttr::get(&context, name), fileLoc)},
      StringAttr::get(&context, opType));
}

RankedTensorType GraphImporter::getType(const ValueEntry &entry) const {
  if (entry.value)
    return typeOf(entry.value);
  if (entry.constant)
    return dyn_cast<RankedTensorType>(entry.constant.getShapedType());
  if (entry.initializer) {
    Type elementType =
        convertElementType(&context, entry.initializer->data_type());
    if (!elementType)
      return nullptr;
    llvm::SmallVector<int64_t> shape(entry.initializer->dims().begin(),
                                     entry.initializer->dims().end());
    return RankedTensorType::get(shape, elementType);
  }
  return nullptr;
}

LogicalResult GraphImporter::ensureConstant(ValueEntry &entry) {
  if (entry.constant || !entry.initializer)
    return success();
  FailureOr<ElementsAttr> attr = convertTensorProto(
      *entry.initializer, &context, model.directory, fileLoc,
      "initializer '" + entry.name + "'", entry.name, kMaxInlineElements);
  if (failed(attr))
    return failure();
  entry.constant = *attr;
  // A weight's resource blob holds its own copy of the bytes: the model's
  // protobuf drops its copy, so the compiler holds each weight once. (The
  // loader owns the protobuf, mutable; nothing reads the data again: the
  // entry's constant stands for the initializer from now on.)
  const ::onnx::TensorProto &tensor = *entry.initializer;
  if (isa<DenseResourceElementsAttr>(*attr) &&
      tensor.data_location() != ::onnx::TensorProto::EXTERNAL &&
      !tensor.raw_data().empty())
    std::string().swap(
        *const_cast<::onnx::TensorProto &>(tensor).mutable_raw_data());
  return success();
}

Value GraphImporter::materialize(ValueEntry &entry, OpBuilder &builder) {
  if (entry.value)
    return entry.value;
  if (failed(ensureConstant(entry)) || !entry.constant)
    return nullptr;
  ElementsAttr attr = entry.constant;
  // Folded constants are dense; keep big ones out of the printed IR.
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!dense.isSplat() && dense.getNumElements() > kMaxInlineElements &&
        !dense.getElementType().isInteger(1))
      attr = makeElementsAttr(cast<RankedTensorType>(dense.getType()),
                              dense.getRawData(), entry.name);
  }
  entry.value = ConstantOp::create(builder, Location(entry.loc), attr);
  return entry.value;
}

llvm::SmallVector<std::string>
GraphImporter::graphInputsFeeding(llvm::StringRef name) {
  llvm::StringMap<const ::onnx::NodeProto *> producer;
  for (const ::onnx::NodeProto &node : graph.node())
    for (const std::string &output : node.output())
      producer[output] = &node;
  llvm::StringSet<> inputs, visited;
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (!initializerNames.contains(input.name()))
      inputs.insert(input.name());
  llvm::SmallVector<std::string> found;
  llvm::SmallVector<llvm::StringRef> worklist{name};
  while (!worklist.empty()) {
    llvm::StringRef value = worklist.pop_back_val();
    if (value.empty() || !visited.insert(value).second)
      continue;
    if (ValueEntry *entry = lookup(value))
      if (getHostConstant(*entry))
        continue;
    if (inputs.contains(value)) {
      found.push_back(value.str());
      continue;
    }
    const ::onnx::NodeProto *node = producer.lookup(value);
    if (!node || node->op_type() == "Shape" || node->op_type() == "Size")
      continue;
    for (const std::string &input : node->input())
      worklist.push_back(input);
  }
  llvm::sort(found);
  return found;
}

DenseElementsAttr GraphImporter::getHostConstant(ValueEntry &entry) {
  if (entry.hostConstantComputed)
    return entry.hostConstant;
  entry.hostConstantComputed = true;
  if (entry.constant) {
    entry.hostConstant = toDenseElements(entry.constant);
  } else if (entry.initializer) {
    RankedTensorType type = getType(entry);
    if (!type || type.getNumElements() > kMaxFoldElements)
      return nullptr;
    FailureOr<ElementsAttr> attr = convertTensorProto(
        *entry.initializer, &context, model.directory, fileLoc,
        "initializer '" + entry.name + "'", entry.name, kMaxFoldElements);
    if (succeeded(attr))
      entry.hostConstant = toDenseElements(*attr);
  }
  return entry.hostConstant;
}

Type GraphImporter::convertValueType(const ::onnx::TypeProto &type,
                                     llvm::StringRef name, Location loc) {
  if (!type.has_tensor_type()) {
    emitError(loc) << "'" << name << "' is not a tensor";
    return nullptr;
  }
  const auto &tensorType = type.tensor_type();
  Type elementType = convertElementType(&context, tensorType.elem_type());
  if (!elementType) {
    emitError(loc) << "'" << name << "' has unsupported element type "
                   << onnxTypeName(tensorType.elem_type());
    return nullptr;
  }
  if (!tensorType.has_shape()) {
    emitError(loc) << "'" << name << "' has an unknown rank";
    return nullptr;
  }
  llvm::SmallVector<int64_t> shape;
  // Graph inputs have a value or a ranged symbol for every dim by now
  // (bindInputShapes); a dim without a value stays dynamic.
  for (const auto &dim : tensorType.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementType);
}

//===----------------------------------------------------------------------===//
// Checking every node before building anything
//===----------------------------------------------------------------------===//

/// Ops whose GRAPH attributes the importer inlines (ControlFlow.cpp).
static bool takesSubgraphs(llvm::StringRef opType) {
  return opType == "If" || opType == "Loop" || opType == "Scan";
}

LogicalResult GraphImporter::checkNodes(const ::onnx::GraphProto &g,
                                        bool isMain) {
  bool ok = true;
  for (int i = 0; i < g.node_size(); ++i) {
    const ::onnx::NodeProto &node = g.node(i);
    Location loc = isMain ? nodeLoc(i) : nodeLoc(node, i);
    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      emitError(loc) << "unsupported operator '" << node.domain() << "."
                     << node.op_type() << "' (domain '" << node.domain()
                     << "')";
      ok = false;
      continue;
    }
    const OnnxOpRegistry::Entry *entry =
        registry.lookup(node.op_type(), model.opset);
    if (!entry) {
      emitError(loc) << "unsupported operator '" << node.op_type()
                     << "' (opset " << model.opset << ")";
      ok = false;
      continue;
    }
    // Element types ONNX inferred for the node's values.
    bool typesOk = true;
    auto checkType = [&](llvm::StringRef name, llvm::StringRef kind) {
      if (name.empty() || !typesOk)
        return;
      const ::onnx::TypeProto *type = onnxTypes.lookup(name);
      if (!type || !type->has_tensor_type() ||
          type->tensor_type().elem_type() == 0)
        return;
      int32_t elemType = type->tensor_type().elem_type();
      if (!convertElementType(&context, elemType)) {
        emitError(loc) << "unsupported element type " << onnxTypeName(elemType)
                       << " of " << kind << " '" << name << "'";
        typesOk = false;
      }
    };
    for (const std::string &name : node.input())
      checkType(name, "input");
    for (const std::string &name : node.output())
      checkType(name, "output");
    if (!typesOk) {
      ok = false;
      continue;
    }
    for (const auto &attr : node.attribute()) {
      if (attr.type() == ::onnx::AttributeProto::GRAPH &&
          takesSubgraphs(node.op_type())) {
        typesOk &= succeeded(checkNodes(attr.g(), /*isMain=*/false));
        continue;
      }
      if (attr.type() == ::onnx::AttributeProto::GRAPH ||
          attr.type() == ::onnx::AttributeProto::GRAPHS) {
        emitError(loc) << "unsupported subgraph attribute '" << attr.name()
                       << "'";
        typesOk = false;
        break;
      }
    }
    if (!typesOk) {
      ok = false;
      continue;
    }
    NodeInfo info(node, model.opset, loc, *this);
    if (entry->validator && failed(entry->validator(info)))
      info.markError();
    if (info.hadError())
      ok = false;
  }
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Graph inputs and initializers
//===----------------------------------------------------------------------===//

LogicalResult GraphImporter::defineInitializers() {
  bool ok = true;
  for (const ::onnx::TensorProto &tensor : graph.initializer()) {
    if (tensor.name().empty()) {
      emitError(fileLoc) << "an initializer has no name";
      ok = false;
      continue;
    }
    // Data sizes were verified when the model was loaded.
    ValueEntry &entry = newEntry(tensor.name());
    entry.initializer = &tensor;
    entry.loc = NameLoc::get(StringAttr::get(&context, tensor.name()), fileLoc);
    values[tensor.name()] = &entry;
    initializerNames.insert(tensor.name());
  }
  if (graph.sparse_initializer_size() > 0) {
    emitError(fileLoc) << "sparse initializers are not supported";
    ok = false;
  }
  return success(ok);
}

LogicalResult GraphImporter::defineInputs(func::FuncOp func) {
  Block *block = &func.getBody().front();
  bool ok = true;
  for (const ::onnx::ValueInfoProto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    Type type = convertValueType(input.type(), input.name(), fileLoc);
    if (!type) {
      ok = false;
      continue;
    }
    BlockArgument arg = block->addArgument(
        type, NameLoc::get(StringAttr::get(&context, input.name()), fileLoc));
    ValueEntry &entry = newEntry(input.name());
    entry.value = arg;
    values[input.name()] = &entry;

    // [min, opt, max] and the symbol of each dim (-1: static).
    auto tensorType = cast<RankedTensorType>(type);
    llvm::SmallVector<int64_t> ranges, symbols;
    for (auto [i, size] : llvm::enumerate(tensorType.getShape())) {
      if (!ShapedType::isDynamic(size)) {
        ranges.append({size, size, size});
        symbols.push_back(-1);
        continue;
      }
      const std::string &param =
          input.type().tensor_type().shape().dim(i).dim_param();
      auto range = model.symbolRanges.find(param);
      if (range == model.symbolRanges.end()) {
        emitError(fileLoc) << "internal error: dynamic dim " << i
                           << " of input '" << input.name()
                           << "' has no range";
        ok = false;
        continue;
      }
      ranges.append({range->second.min, range->second.opt, range->second.max});
      symbols.push_back(
          std::distance(model.symbolRanges.begin(), range));
    }
    inputRanges.push_back(DenseI64ArrayAttr::get(&context, ranges));
    inputSymbols.push_back(DenseI64ArrayAttr::get(&context, symbols));
    hasDynamicInputs |= !tensorType.hasStaticShape();
  }
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

LogicalResult GraphImporter::checkAgainstOnnxType(llvm::StringRef name,
                                                  RankedTensorType type,
                                                  Location loc, bool bounds) {
  const ::onnx::TypeProto *onnxType = onnxTypes.lookup(name);
  if (!onnxType || !onnxType->has_tensor_type())
    return success();
  const auto &tensorType = onnxType->tensor_type();
  bool matches = true;
  Type expectedElement;
  if (tensorType.elem_type() != 0) {
    expectedElement = convertElementType(&context, tensorType.elem_type());
    matches = expectedElement == type.getElementType();
  }
  std::string expectedShape = "?";
  if (tensorType.has_shape()) {
    llvm::SmallVector<int64_t> shape;
    for (const auto &dim : tensorType.shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value()
                                          : ShapedType::kDynamic);
    expectedShape = formatShape(shape);
    if (static_cast<int64_t>(shape.size()) != type.getRank()) {
      matches = false;
    } else {
      // A dim ONNX knows and Kiln does not (a dynamic dim that the model
      // pins, e.g. through a Reshape) is checked when the model runs.
      for (auto [expected, actual] : llvm::zip(shape, type.getShape()))
        if (!ShapedType::isDynamic(expected) &&
            !ShapedType::isDynamic(actual) &&
            (bounds ? expected > actual : expected != actual))
          matches = false;
    }
  }
  if (matches)
    return success();
  InFlightDiagnostic diag = emitError(loc);
  diag << "'" << name << "' is imported as " << Type(type)
       << " but ONNX shape inference expects " << expectedShape;
  if (expectedElement)
    diag << " of " << expectedElement;
  return diag;
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node,
                                        Location loc, OpBuilder &builder) {
  auto markOutputsFailed = [&] {
    for (const std::string &name : node.output()) {
      if (name.empty())
        continue;
      ValueEntry &entry = newEntry(name);
      entry.failed = true;
      values[name] = &entry;
    }
  };
  for (const std::string &name : node.input()) {
    if (name.empty())
      continue;
    ValueEntry *entry = lookup(name);
    if (!entry) {
      markOutputsFailed();
      return emitError(loc) << "input '" << name
                            << "' is not defined before this node";
    }
    if (entry->failed) {
      // Its producer already reported an error.
      markOutputsFailed();
      return failure();
    }
  }

  // Dynamic dims reach only the ops whose import and lowering handle them.
  if (!registry.allowsDynamicShapes(node.op_type()))
    for (const std::string &name : node.input()) {
      ValueEntry *input = name.empty() ? nullptr : lookup(name);
      RankedTensorType type =
          input && input->isTensor() ? getType(*input) : RankedTensorType();
      if (!type || type.hasStaticShape())
        continue;
      markOutputsFailed();
      return emitError(loc) << node.op_type()
                            << " does not support dynamic dimensions yet "
                               "(input '"
                            << name << "' has shape "
                            << formatShape(type.getShape())
                            << "); pin the model's dynamic input dims with "
                               "--input-shape or --dim NAME=N";
    }

  const OnnxOpRegistry::Entry *entry =
      registry.lookup(node.op_type(), model.opset);
  NodeContext ctx(node, model.opset, loc, *this, builder);
  ctx.results.resize(node.output_size());
  LogicalResult result = entry ? entry->handler(ctx) : failure();
  if (failed(result) || ctx.hadError()) {
    if (!ctx.hadError())
      emitError(loc) << "failed to import this node";
    markOutputsFailed();
    return failure();
  }
  if (failed(commitResults(ctx))) {
    markOutputsFailed();
    return failure();
  }
  return success();
}

LogicalResult GraphImporter::commitResults(NodeContext &ctx) {
  const ::onnx::NodeProto &node = ctx.getNode();
  bool ok = true;
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &name = node.output(i);
    if (name.empty())
      continue;
    NodeContext::Result &result = ctx.results[i];
    if (!result.defined) {
      // Optional outputs the handler does not produce; validators reject
      // nodes whose such outputs are used.
      if (isUsed(name)) {
        emitError(ctx.getLoc()) << "output #" << i << " ('" << name
                                << "') is not supported";
        ok = false;
      }
      continue;
    }
    ValueEntry *entry = result.alias;
    if (!entry) {
      entry = &newEntry(name);
      entry->value = result.value;
      entry->constant = result.constant;
      entry->dataDims = result.dataDims;
      entry->shapeElements = result.shapeElements;
      entry->loc = ctx.getLoc();
    }
    if (!entry->isTensor()) {
      // Sequences and optionals exist only at import time.
      values[name] = entry;
      continue;
    }
    RankedTensorType type = getType(*entry);
    if (!type) {
      emitError(ctx.getLoc()) << "output '" << name << "' has no tensor type";
      ok = false;
      continue;
    }
    if (failed(checkAgainstOnnxType(name, type, ctx.getLoc(),
                                    /*bounds=*/bool(entry->dataDims)))) {
      ok = false;
      continue;
    }
    values[name] = entry;
  }
  return success(ok);
}

//===----------------------------------------------------------------------===//
// The whole graph
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> GraphImporter::import() {
  for (const auto &info : graph.input())
    onnxTypes[info.name()] = &info.type();
  for (const auto &info : graph.value_info())
    onnxTypes[info.name()] = &info.type();
  for (const auto &info : graph.output())
    onnxTypes[info.name()] = &info.type();
  collectUses(graph);

  bool ok = succeeded(checkNodes(graph, /*isMain=*/true));
  ok &= succeeded(defineInitializers());
  if (!ok || model.hasInputShapeErrors)
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  OpBuilder builder(module->getBodyRegion());
  auto func = func::FuncOp::create(builder, fileLoc, "main_graph",
                                   builder.getFunctionType({}, {}));
  func.addEntryBlock();
  if (failed(defineInputs(func)))
    return nullptr;

  Block *body = &func.getBody().front();
  builder.setInsertionPointToEnd(body);
  for (int i = 0; i < graph.node_size(); ++i)
    if (failed(importNode(graph.node(i), nodeLoc(i), builder)))
      ok = false;
  if (!ok)
    return nullptr;

  llvm::SmallVector<Value> results, dataDims;
  llvm::SmallVector<Attribute> outputNames;
  llvm::SmallVector<int64_t> dimsResults;
  for (const ::onnx::ValueInfoProto &output : graph.output()) {
    ValueEntry *entry = lookup(output.name());
    if (!entry) {
      emitError(fileLoc) << "graph output '" << output.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    if (!entry->isTensor()) {
      emitError(fileLoc) << "graph output '" << output.name() << "' is a "
                         << (entry->kind == ValueEntry::Kind::Sequence
                                 ? "sequence"
                                 : "optional")
                         << "; only tensor outputs are supported";
      return nullptr;
    }
    Value value = materialize(*entry, builder);
    if (!value)
      return nullptr;
    if (failed(checkAgainstOnnxType(output.name(), typeOf(value), fileLoc,
                                    /*bounds=*/bool(entry->dataDims))))
      return nullptr;
    results.push_back(value);
    outputNames.push_back(builder.getStringAttr(output.name()));
    // An output with dynamic dims returns its actual dims like a
    // data-dependent one (the caller's buffer is sized by upper bounds).
    Value dims = entry->dataDims;
    if (!dims && !typeOf(value).hasStaticShape())
      dims = buildShapeOf(builder, fileLoc, value);
    dimsResults.push_back(dims ? graph.output_size() + dataDims.size() : -1);
    if (dims)
      dataDims.push_back(dims);
  }
  // Outputs whose shape depends on the data return their actual dims as
  // extra results, after the model's outputs (see kiln.output_dims).
  results.append(dataDims);
  func::ReturnOp::create(builder, fileLoc, results);

  llvm::SmallVector<Attribute> inputNames;
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (!initializerNames.contains(input.name()))
      inputNames.push_back(builder.getStringAttr(input.name()));
  func.setType(builder.getFunctionType(body->getArgumentTypes(),
                                       ValueRange(results).getTypes()));
  func->setAttr("kiln.input_names", builder.getArrayAttr(inputNames));
  func->setAttr("kiln.output_names", builder.getArrayAttr(outputNames));
  if (!dataDims.empty())
    func->setAttr("kiln.output_dims", builder.getDenseI64ArrayAttr(dimsResults));
  if (hasDynamicInputs) {
    func->setAttr("kiln.input_ranges", builder.getArrayAttr(inputRanges));
    func->setAttr("kiln.input_dim_symbols",
                  builder.getArrayAttr(inputSymbols));
  }

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

Value onnx_importer::buildShapeOf(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  llvm::SmallVector<Value> dims;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d)) {
      dims.push_back(arith::ConstantIntOp::create(b, loc, type.getDimSize(d),
                                                  /*width=*/64));
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, value, d);
    dims.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), dim));
  }
  return tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({type.getRank()}, b.getI64Type()), dims);
}

//===----------------------------------------------------------------------===//
// NodeInfo
//===----------------------------------------------------------------------===//

bool NodeInfo::isOutputUsed(unsigned i) const {
  return hasOutput(i) && graph.isUsed(node.output(i));
}

const ExternalDataDir &NodeInfo::getExternalDataDir() const {
  return graph.getExternalDataDir();
}

const ::onnx::AttributeProto *NodeInfo::getAttr(llvm::StringRef name) const {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

/// Whether `attr` holds a value of `type`; attributes from old exporters may
/// leave `type` unset and only fill the value field.
static bool hasAttrType(const ::onnx::AttributeProto &attr,
                        ::onnx::AttributeProto::AttributeType type) {
  using A = ::onnx::AttributeProto;
  if (attr.type() != A::UNDEFINED)
    return attr.type() == type;
  switch (type) {
  case A::INT:
    return attr.has_i();
  case A::FLOAT:
    return attr.has_f();
  case A::STRING:
    return attr.has_s();
  case A::TENSOR:
    return attr.has_t();
  case A::INTS:
    return attr.ints_size() > 0;
  case A::FLOATS:
    return attr.floats_size() > 0;
  default:
    return false;
  }
}

const ::onnx::AttributeProto *
NodeInfo::getTypedAttr(llvm::StringRef name,
                       ::onnx::AttributeProto::AttributeType type) const {
  const ::onnx::AttributeProto *attr = getAttr(name);
  if (!attr)
    return nullptr;
  if (hasAttrType(*attr, type))
    return attr;
  emitError() << "attribute '" << name << "' must be of type "
              << ::onnx::AttributeProto::AttributeType_Name(type) << ", not "
              << ::onnx::AttributeProto::AttributeType_Name(attr->type());
  return nullptr;
}

int64_t NodeInfo::getInt(llvm::StringRef name, int64_t defaultValue) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::INT);
  return attr ? attr->i() : defaultValue;
}

float NodeInfo::getFloat(llvm::StringRef name, float defaultValue) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::FLOAT);
  return attr ? attr->f() : defaultValue;
}

std::string NodeInfo::getString(llvm::StringRef name,
                                llvm::StringRef defaultValue) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::STRING);
  return attr ? attr->s() : defaultValue.str();
}

llvm::SmallVector<int64_t> NodeInfo::getInts(llvm::StringRef name) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::INTS);
  if (!attr)
    return {};
  return llvm::SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

std::optional<llvm::SmallVector<int64_t>>
NodeInfo::getOptionalInts(llvm::StringRef name) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::INTS);
  if (!attr)
    return std::nullopt;
  return llvm::SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

llvm::SmallVector<float> NodeInfo::getFloats(llvm::StringRef name) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::FLOATS);
  if (!attr)
    return {};
  return llvm::SmallVector<float>(attr->floats().begin(),
                                  attr->floats().end());
}

const ::onnx::TensorProto *NodeInfo::getTensor(llvm::StringRef name) const {
  const auto *attr = getTypedAttr(name, ::onnx::AttributeProto::TENSOR);
  return attr ? &attr->t() : nullptr;
}

InFlightDiagnostic NodeInfo::emitError() const {
  errorEmitted = true;
  return mlir::emitError(loc);
}

InFlightDiagnostic NodeInfo::emitUnsupportedAttr(llvm::StringRef name) const {
  InFlightDiagnostic diag = emitError();
  diag << "unsupported attribute value " << name << "=";
  const ::onnx::AttributeProto *attr = getAttr(name);
  if (!attr)
    return diag;
  switch (attr->type()) {
  case ::onnx::AttributeProto::INT:
    diag << attr->i();
    break;
  case ::onnx::AttributeProto::FLOAT:
    diag << attr->f();
    break;
  case ::onnx::AttributeProto::STRING:
    diag << "'" << attr->s() << "'";
    break;
  case ::onnx::AttributeProto::INTS:
    diag << "[";
    llvm::interleaveComma(attr->ints(), diag,
                          [&](int64_t v) { diag << v; });
    diag << "]";
    break;
  default:
    diag << "<" << ::onnx::AttributeProto::AttributeType_Name(attr->type())
         << ">";
    break;
  }
  return diag;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

ValueEntry *NodeContext::getInputEntry(unsigned i) const {
  if (!hasInput(i))
    return nullptr;
  return graph.lookup(node.input(i));
}

Value NodeContext::operand(unsigned i) {
  ValueEntry *entry = getInputEntry(i);
  if (!entry) {
    emitError() << "missing input #" << i;
    return nullptr;
  }
  if (!entry->isTensor()) {
    emitError() << "input '" << entry->name << "' is a "
                << (entry->kind == ValueEntry::Kind::Sequence ? "sequence"
                                                              : "optional")
                << ", not a tensor";
    return nullptr;
  }
  if (entry->dataDims) {
    emitDataDependentUse(*entry);
    return nullptr;
  }
  Value value = mutableGraph.materialize(*entry, builder);
  if (!value)
    markError();
  return value;
}

void NodeContext::emitDataDependentUse(const ValueEntry &entry) {
  InFlightDiagnostic diag = emitError();
  diag << "input '" << entry.name << "' has a shape that depends on the input "
       << "data";
  // Node locations are fused<"OpType">[name].
  auto fused = dyn_cast_or_null<FusedLoc>(entry.loc);
  if (fused && !fused.getLocations().empty())
    if (auto name = dyn_cast<NameLoc>(fused.getLocations().front()))
      diag << " (computed by " << name.getName().getValue() << ")";
  diag << "; such values can only be graph outputs";
}

RankedTensorType NodeContext::operandType(unsigned i) const {
  ValueEntry *entry = getInputEntry(i);
  return entry ? graph.getType(*entry) : nullptr;
}

DenseElementsAttr NodeContext::constantOperand(unsigned i) const {
  // A constant stays one after an earlier consumer materialized it.
  ValueEntry *entry = getInputEntry(i);
  if (!entry)
    return nullptr;
  return mutableGraph.getHostConstant(*entry);
}

std::optional<llvm::SmallVector<OpFoldResult>>
NodeContext::shapeOperand(unsigned i) {
  ValueEntry *entry = getInputEntry(i);
  if (!entry || !entry->isTensor())
    return std::nullopt;
  if (!entry->shapeElements.empty())
    return entry->shapeElements;
  DenseElementsAttr attr = constantOperand(i);
  if (!attr || attr.getType().getRank() > 1)
    return std::nullopt;
  std::optional<llvm::SmallVector<int64_t>> ints = getIntValues(attr);
  if (!ints)
    return std::nullopt;
  llvm::SmallVector<OpFoldResult> elements;
  for (int64_t v : *ints)
    elements.push_back(builder.getIndexAttr(v));
  return elements;
}

bool NodeContext::isShapeValue(unsigned i) const {
  ValueEntry *entry = getInputEntry(i);
  return entry && !entry->shapeElements.empty();
}

LogicalResult NodeContext::setShapeResult(unsigned i,
                                          llvm::ArrayRef<OpFoldResult> elements,
                                          bool scalar) {
  if (i >= results.size() || (scalar && elements.size() != 1))
    return failure();
  Type i64 = builder.getI64Type();
  // All constant: an ordinary constant, folded like any other.
  if (llvm::all_of(elements, [](OpFoldResult e) { return isa<Attribute>(e); })) {
    llvm::SmallVector<int64_t> ints;
    for (OpFoldResult e : elements)
      ints.push_back(*getConstantIntValue(e));
    auto type = scalar ? RankedTensorType::get({}, i64)
                       : RankedTensorType::get(
                             {static_cast<int64_t>(ints.size())}, i64);
    setConstantResult(i, DenseIntElementsAttr::get(type, ints));
    return success();
  }
  llvm::SmallVector<Value> values;
  for (OpFoldResult e : elements) {
    if (auto v = dyn_cast<Value>(e))
      values.push_back(arith::IndexCastOp::create(builder, loc, i64, v));
    else
      values.push_back(arith::ConstantIntOp::create(
          builder, loc, *getConstantIntValue(e), /*width=*/64));
  }
  auto type = scalar ? RankedTensorType::get({}, i64)
                     : RankedTensorType::get(
                           {static_cast<int64_t>(values.size())}, i64);
  Value tensor = tensor::FromElementsOp::create(builder, loc, type, values);
  results[i] = Result{true, nullptr, tensor, nullptr, nullptr,
                      llvm::SmallVector<OpFoldResult>(elements)};
  return success();
}

std::optional<LogicalResult> NodeContext::tryShapeArithmetic() {
  llvm::StringRef op = node.op_type();
  if (getNumInputs() != 2 || !(isShapeValue(0) || isShapeValue(1)) ||
      !llvm::is_contained({"Add", "Sub", "Mul", "Div"}, op))
    return std::nullopt;
  auto lhs = shapeOperand(0), rhs = shapeOperand(1);
  RankedTensorType lhsType = operandType(0), rhsType = operandType(1);
  if (!lhs || !rhs || lhs->empty() || rhs->empty() ||
      (lhs->size() != rhs->size() && lhs->size() != 1 && rhs->size() != 1))
    return std::nullopt;
  auto asValue = [&](OpFoldResult v) -> Value {
    if (auto value = dyn_cast<Value>(v))
      return value;
    return arith::ConstantIndexOp::create(builder, loc,
                                          *getConstantIntValue(v));
  };
  llvm::SmallVector<OpFoldResult> elements;
  size_t n = std::max(lhs->size(), rhs->size());
  for (size_t i = 0; i < n; ++i) {
    OpFoldResult a = (*lhs)[lhs->size() == 1 ? 0 : i];
    OpFoldResult b = (*rhs)[rhs->size() == 1 ? 0 : i];
    std::optional<int64_t> ca = getConstantIntValue(a),
                           cb = getConstantIntValue(b);
    if (ca && cb) {
      // Sizes are non-negative: Div's truncation is a floor.
      if (op == "Div" && *cb == 0)
        return emitError() << "division by zero in shape arithmetic";
      int64_t r = op == "Add"   ? *ca + *cb
                  : op == "Sub" ? *ca - *cb
                  : op == "Mul" ? *ca * *cb
                                : *ca / *cb;
      elements.push_back(builder.getIndexAttr(r));
      continue;
    }
    Value x = asValue(a), y = asValue(b), r;
    if (op == "Add")
      r = arith::AddIOp::create(builder, loc, x, y);
    else if (op == "Sub")
      r = arith::SubIOp::create(builder, loc, x, y);
    else if (op == "Mul")
      r = arith::MulIOp::create(builder, loc, x, y);
    else
      r = arith::DivSIOp::create(builder, loc, x, y);
    elements.push_back(r);
  }
  bool scalar = lhsType && rhsType && lhsType.getRank() == 0 &&
                rhsType.getRank() == 0;
  return setShapeResult(0, elements, scalar);
}

OpFoldResult NodeContext::dimOf(Value v, int64_t d) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(d))
    return builder.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(builder, loc, v, d).getResult();
}

FailureOr<llvm::SmallVector<int64_t>>
NodeContext::requireShapeInts(unsigned i, llvm::StringRef what,
                              llvm::SmallVectorImpl<Value> *dynamicElements) {
  if (!isShapeValue(i))
    return requireConstantInts(i, what);
  llvm::SmallVector<int64_t> ints;
  llvm::SmallVector<OpFoldResult> elements = *shapeOperand(i);
  for (OpFoldResult e : elements) {
    if (auto v = dyn_cast<Value>(e)) {
      ints.push_back(ShapedType::kDynamic);
      if (dynamicElements)
        dynamicElements->push_back(v);
    } else {
      ints.push_back(*getConstantIntValue(e));
    }
  }
  return ints;
}

InFlightDiagnostic NodeContext::emitNotConstant(unsigned i,
                                                llvm::StringRef what) const {
  // A constant too big to evaluate on the host (a splat of 10^12 elements
  // from ConstantOfShape, say) is not "unknown": say what it is.
  if (ValueEntry *entry = getInputEntry(i); entry && entry->constant) {
    int64_t count = entry->constant.getShapedType().getNumElements();
    if (count > kMaxFoldElements)
      return emitError() << "input '" << what << "' is a constant of " << count
                         << " elements, more than the " << kMaxFoldElements
                         << " the compiler evaluates at compile time";
  }
  InFlightDiagnostic diag = emitError()
                            << "input '" << what
                            << "' must be a constant known at compile time";
  // Graph inputs can be frozen by the user; say which and how.
  ValueEntry *entry = getInputEntry(i);
  if (entry && entry->value && isa<BlockArgument>(entry->value)) {
    diag << " (it is the graph input '" << entry->name
         << "': freeze it with --constant-input " << entry->name
         << "=FILE.pb)";
    return diag;
  }
  llvm::SmallVector<std::string> inputs =
      mutableGraph.graphInputsFeeding(getInputName(i));
  if (inputs.empty())
    return diag;
  diag << " (it is computed from the graph input"
       << (inputs.size() > 1 ? "s" : "") << " '" << llvm::join(inputs, "', '")
       << "': freeze " << (inputs.size() > 1 ? "them" : "it") << " with";
  for (const std::string &input : inputs)
    diag << " --constant-input " << input << "=FILE.pb";
  diag << ")";
  return diag;
}

FailureOr<llvm::SmallVector<int64_t>>
NodeContext::requireConstantInts(unsigned i, llvm::StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing input '" << what << "'";
  DenseElementsAttr attr = constantOperand(i);
  if (!attr)
    return emitNotConstant(i, what);
  auto ints = getIntValues(attr);
  if (!ints)
    return emitError() << "input '" << what << "' must be an integer tensor";
  return *ints;
}

FailureOr<double> NodeContext::requireConstantScalar(unsigned i,
                                                     llvm::StringRef what) {
  if (!hasInput(i))
    return emitError() << "missing input '" << what << "'";
  DenseElementsAttr attr = constantOperand(i);
  if (!attr)
    return emitNotConstant(i, what);
  if (attr.getNumElements() != 1)
    return emitError() << "input '" << what << "' must hold one value, not "
                       << attr.getNumElements();
  return getFloatValues(attr).front();
}

void NodeContext::setResult(unsigned i, Value value) {
  if (i >= results.size() || !value)
    return;
  results[i] = Result{true, nullptr, value, nullptr};
}

void NodeContext::setResultWithDataDims(unsigned i, Value value, Value dims) {
  if (i >= results.size() || !value || !dims)
    return;
  results[i] = Result{true, nullptr, value, nullptr, dims};
}

LogicalResult onnx_importer::finish(NodeContext &ctx, Value result) {
  if (!result)
    return failure();
  ctx.setResult(0, result);
  return success();
}

LogicalResult onnx_importer::requireFloatElements(NodeContext &ctx,
                                                  RankedTensorType type,
                                                  const llvm::Twine &message) {
  if (!type || isa<FloatType>(type.getElementType()))
    return success();
  return ctx.emitError() << message << ", not " << type.getElementType();
}

void NodeContext::setConstantResult(unsigned i, ElementsAttr value) {
  if (i >= results.size() || !value)
    return;
  results[i] = Result{true, nullptr, nullptr, value};
}

LogicalResult NodeContext::forwardOperand(unsigned i, unsigned j) {
  ValueEntry *entry = getInputEntry(j);
  if (!entry)
    return emitError() << "missing input #" << j;
  if (i < results.size())
    results[i] = Result{true, entry, nullptr, nullptr};
  return success();
}

Value NodeContext::constantScalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  return constant(makeFloatOrIntElements(type, {value}));
}

Value NodeContext::constant(ElementsAttr attr) {
  if (!attr)
    return nullptr;
  return create<ConstantOp>(attr);
}

Value NodeContext::reshape(Value input, llvm::ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(input);
  if (type && type.getShape() == shape &&
      llvm::count_if(shape, ShapedType::isDynamic) <= 1)
    return input;
  // kiln.reshape writes a dynamic dim as -1.
  llvm::SmallVector<int64_t> attr(shape);
  for (int64_t &d : attr)
    if (ShapedType::isDynamic(d))
      d = -1;
  return create<ReshapeOp>(input, attr);
}

Value NodeContext::transpose(Value input, llvm::ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return input;
  return create<TransposeOp>(input, perm);
}

Value NodeContext::castTo(Value input, Type elementType) {
  RankedTensorType type = typeOf(input);
  if (type && type.getElementType() == elementType)
    return input;
  return create<CastOp>(input, elementType);
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank,
                                              llvm::StringRef what,
                                              bool inclusiveEnd) {
  int64_t upper = inclusiveEnd ? rank + 1 : rank;
  if (axis < -rank || axis >= upper)
    return emitError() << what << " " << axis << " is out of range for rank "
                       << rank;
  return axis < 0 ? axis + rank : axis;
}

FailureOr<llvm::SmallVector<int64_t>>
NodeContext::normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank,
                           llvm::StringRef what) {
  llvm::SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = normalizeAxis(axis, rank, what);
    if (failed(a))
      return failure();
    result.push_back(*a);
  }
  llvm::sort(result);
  if (std::adjacent_find(result.begin(), result.end()) != result.end())
    return emitError() << what << " contain duplicates";
  return result;
}

//===----------------------------------------------------------------------===//
// Subgraphs, sequences and optionals (handlers in ControlFlow.cpp)
//===----------------------------------------------------------------------===//

/// Records the names used by `g`'s nodes and outputs, including those of
/// nested subgraphs (which may capture values of enclosing graphs).
void GraphImporter::collectUses(const ::onnx::GraphProto &g) {
  for (const auto &node : g.node()) {
    for (const std::string &name : node.input())
      if (!name.empty())
        usedNames.insert(name);
    for (const auto &attr : node.attribute()) {
      if (attr.has_g())
        collectUses(attr.g());
      for (const auto &sub : attr.graphs())
        collectUses(sub);
    }
  }
  for (const auto &output : g.output())
    usedNames.insert(output.name());
}

LogicalResult
GraphImporter::importSubgraph(const ::onnx::GraphProto &body,
                              llvm::ArrayRef<ValueEntry *> inputs,
                              llvm::SmallVectorImpl<ValueEntry *> &outputs,
                              OpBuilder &builder, Location callerLoc) {
  if (body.input_size() != static_cast<int>(inputs.size()))
    return emitError(callerLoc)
           << "subgraph '" << body.name() << "' has " << body.input_size()
           << " inputs, expected " << inputs.size();
  if (body.sparse_initializer_size() > 0)
    return emitError(callerLoc) << "sparse initializers are not supported";

  // The names the body defines shadow outer ones until it is done.
  llvm::SmallVector<std::pair<std::string, ValueEntry *>> shadowed;
  auto bind = [&](const std::string &name, ValueEntry *entry) {
    shadowed.emplace_back(name, values.lookup(name));
    values[name] = entry;
  };
  for (auto [info, entry] : llvm::zip(body.input(), inputs))
    bind(info.name(), entry);
  for (const ::onnx::TensorProto &tensor : body.initializer()) {
    ValueEntry &entry = newEntry(tensor.name());
    entry.initializer = &tensor;
    entry.loc = NameLoc::get(StringAttr::get(&context, tensor.name()), fileLoc);
    bind(tensor.name(), &entry);
  }
  for (const auto &node : body.node())
    for (const std::string &name : node.output())
      if (!name.empty())
        shadowed.emplace_back(name, values.lookup(name));

  bool ok = true;
  for (int i = 0; i < body.node_size(); ++i)
    if (failed(importNode(body.node(i), nodeLoc(body.node(i), i), builder)))
      ok = false;
  if (ok) {
    for (const ::onnx::ValueInfoProto &output : body.output()) {
      ValueEntry *entry = lookup(output.name());
      if (!entry || entry->failed) {
        if (!entry)
          emitError(callerLoc) << "subgraph output '" << output.name()
                               << "' is not defined";
        ok = false;
        break;
      }
      outputs.push_back(entry);
    }
  }
  // Restore in reverse so the outermost binding of a name wins.
  for (auto &[name, previous] : llvm::reverse(shadowed)) {
    if (previous)
      values[name] = previous;
    else
      values.erase(name);
  }
  return success(ok);
}

FailureOr<llvm::SmallVector<ValueEntry *, 4>>
NodeContext::sequenceOperand(unsigned i) {
  ValueEntry *entry = getInputEntry(i);
  if (!entry)
    return emitError() << "missing input #" << i;
  if (entry->kind != ValueEntry::Kind::Sequence)
    return emitError() << "input '" << entry->name << "' is not a sequence";
  return entry->elements;
}

/// An unbound entry for a value this node creates, named after its first
/// output (the name only appears in messages).
ValueEntry &NodeContext::newEntry() {
  ValueEntry &entry = mutableGraph.createEntry(
      getNumOutputs() > 0 ? getOutputName(0) : getOpType());
  entry.loc = getLoc();
  return entry;
}

ValueEntry *NodeContext::newTensorEntry(Value value) {
  if (!value)
    return nullptr;
  ValueEntry &entry = newEntry();
  entry.value = value;
  return &entry;
}

ValueEntry *NodeContext::newConstantEntry(ElementsAttr value) {
  if (!value)
    return nullptr;
  ValueEntry &entry = newEntry();
  entry.constant = value;
  return &entry;
}

DenseElementsAttr NodeContext::constantOf(ValueEntry *entry) const {
  if (!entry || entry->value || !entry->isTensor())
    return nullptr;
  return mutableGraph.getHostConstant(*entry);
}

ValueEntry *
NodeContext::newCompositeEntry(ValueEntry::Kind kind,
                               llvm::ArrayRef<ValueEntry *> elements) {
  ValueEntry &entry = newEntry();
  entry.kind = kind;
  entry.elements.assign(elements.begin(), elements.end());
  return &entry;
}

void NodeContext::setEntryResult(unsigned i, ValueEntry *entry) {
  if (i >= results.size() || !entry)
    return;
  results[i] = Result{true, entry, nullptr, nullptr};
}

Value NodeContext::materialize(ValueEntry *entry) {
  if (!entry || !entry->isTensor()) {
    emitError() << "expected a tensor"
                << (entry ? ", got '" + entry->name + "'" : std::string());
    return nullptr;
  }
  if (entry->dataDims) {
    emitDataDependentUse(*entry);
    return nullptr;
  }
  Value value = mutableGraph.materialize(*entry, builder);
  if (!value)
    markError();
  return value;
}

LogicalResult
NodeContext::importSubgraph(const ::onnx::GraphProto &body,
                            llvm::ArrayRef<ValueEntry *> inputs,
                            llvm::SmallVectorImpl<ValueEntry *> &outputs) {
  if (failed(mutableGraph.importSubgraph(body, inputs, outputs, builder, loc)))
    return emitError() << "cannot import subgraph '" << body.name() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp>
mlir::kiln::importOnnxModel(MLIRContext &context, llvm::StringRef path,
                            const OnnxImportOptions &options) {
  context.loadDialect<func::FuncDialect, KilnDialect, tensor::TensorDialect,
                      arith::ArithDialect, affine::AffineDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  const OnnxOpRegistry &registry = getOnnxOpRegistry();
  LoadedModel model;
  if (failed(loadOnnxModel(path, options, registry, fileLoc, model)))
    return nullptr;
  GraphImporter importer(context, model, registry, fileLoc);
  return importer.import();
}
