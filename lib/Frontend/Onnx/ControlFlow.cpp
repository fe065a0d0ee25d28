//===- ControlFlow.cpp - ONNX sequences, optionals, If, Loop, Scan -------===//
//
// Everything here is resolved while importing, so the kiln program stays a
// straight-line graph of tensor ops:
//
//  * A sequence is the ordered list of its elements' value entries and an
//    optional holds zero or one entry (ValueEntry::Kind). Positions must be
//    compile-time constants; SequenceLength and OptionalHasElement fold.
//  * If imports only the taken branch when the condition is a constant;
//    otherwise it imports both (ONNX ops are side-effect free) and selects
//    each output with kiln.where, which needs both branches to give outputs
//    of the same types.
//  * Loop and Scan are unrolled: the body is imported once per iteration
//    with its inputs bound to the current values. Loop needs a constant trip
//    count (or a condition that becomes a constant false); a runtime
//    condition predicates the loop-carried values with kiln.where, which is
//    impossible for scan outputs (their length would depend on it).
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

using Kind = ValueEntry::Kind;

/// Bodies are unrolled; beyond this many iterations the code would be
/// unreasonably large.
constexpr int64_t kMaxUnrolledIterations = 4096;

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::Tensor:
    return "tensor";
  case Kind::Sequence:
    return "sequence";
  case Kind::Optional:
    return "optional";
  }
  return "value";
}

ElementsAttr scalarI64(MLIRContext *context, int64_t value) {
  auto type = RankedTensorType::get({}, IntegerType::get(context, 64));
  return makeIntElements(type, {value});
}

ElementsAttr scalarBool(MLIRContext *context, bool value) {
  auto type = RankedTensorType::get({}, IntegerType::get(context, 1));
  return makeIntElements(type, {value ? 1 : 0});
}

/// Input `i` as a tensor entry; emits an error otherwise.
ValueEntry *tensorInput(NodeContext &ctx, unsigned i, llvm::StringRef what) {
  ValueEntry *entry = ctx.inputEntry(i);
  if (!entry) {
    ctx.emitError() << "missing input '" << what << "'";
    return nullptr;
  }
  if (!entry->isTensor()) {
    ctx.emitError() << "input '" << what << "' must be a tensor, not a "
                    << kindName(entry->kind);
    return nullptr;
  }
  return entry;
}

/// The constant position input `i` normalized into [0, size) (or
/// [0, size] when `inclusiveEnd`), or `defaultPos` if absent.
FailureOr<int64_t> getPosition(NodeContext &ctx, unsigned i, int64_t size,
                               bool inclusiveEnd, int64_t defaultPos) {
  if (!ctx.hasInput(i))
    return defaultPos;
  FailureOr<llvm::SmallVector<int64_t>> pos =
      ctx.requireConstantInts(i, "position");
  if (failed(pos))
    return failure();
  if (pos->size() != 1)
    return ctx.emitError() << "position must hold one value, not "
                           << pos->size();
  int64_t p = pos->front();
  int64_t upper = inclusiveEnd ? size : size - 1;
  if (p < -size || p > upper)
    return ctx.emitError() << "position " << p
                           << " is out of range for a sequence of length "
                           << size;
  return p < 0 ? p + size : p;
}

//===----------------------------------------------------------------------===//
// Sequences
//===----------------------------------------------------------------------===//

LogicalResult importSequenceEmpty(NodeContext &ctx) {
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Sequence, {}));
  return success();
}

LogicalResult importSequenceConstruct(NodeContext &ctx) {
  llvm::SmallVector<ValueEntry *, 4> elements;
  for (unsigned i = 0; i < ctx.getNumInputs(); ++i) {
    ValueEntry *entry = tensorInput(ctx, i, ctx.getInputName(i));
    if (!entry)
      return failure();
    elements.push_back(entry);
  }
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Sequence, elements));
  return success();
}

LogicalResult importSequenceInsert(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> elements =
      ctx.sequenceOperand(0);
  ValueEntry *tensor = tensorInput(ctx, 1, "tensor");
  if (failed(elements) || !tensor)
    return failure();
  int64_t size = elements->size();
  FailureOr<int64_t> pos = getPosition(ctx, 2, size, true, size);
  if (failed(pos))
    return failure();
  elements->insert(elements->begin() + *pos, tensor);
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Sequence, *elements));
  return success();
}

LogicalResult importSequenceErase(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> elements =
      ctx.sequenceOperand(0);
  if (failed(elements))
    return failure();
  int64_t size = elements->size();
  if (size == 0)
    return ctx.emitError() << "cannot erase from an empty sequence";
  FailureOr<int64_t> pos = getPosition(ctx, 1, size, false, size - 1);
  if (failed(pos))
    return failure();
  elements->erase(elements->begin() + *pos);
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Sequence, *elements));
  return success();
}

LogicalResult importSequenceAt(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> elements =
      ctx.sequenceOperand(0);
  if (failed(elements))
    return failure();
  int64_t size = elements->size();
  if (!ctx.hasInput(1))
    return ctx.emitError() << "missing input 'position'";
  FailureOr<int64_t> pos = getPosition(ctx, 1, size, false, 0);
  if (failed(pos))
    return failure();
  ctx.setEntryResult(0, (*elements)[*pos]);
  return success();
}

LogicalResult importSequenceLength(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> elements =
      ctx.sequenceOperand(0);
  if (failed(elements))
    return failure();
  ctx.setConstantResult(0, scalarI64(ctx.getContext(), elements->size()));
  return success();
}

LogicalResult importSplitToSequence(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "input must be a tensor";
  FailureOr<int64_t> axis =
      ctx.normalizeAxis(ctx.getInt("axis", 0), type.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = type.getDimSize(*axis);
  bool squeeze = false;
  llvm::SmallVector<int64_t> sizes;
  if (!ctx.hasInput(1)) {
    // One element per index; keepdims=0 drops the split axis.
    sizes.assign(dim, 1);
    squeeze = ctx.getInt("keepdims", 1) == 0;
  } else {
    FailureOr<llvm::SmallVector<int64_t>> split =
        ctx.requireConstantInts(1, "split");
    if (failed(split))
      return failure();
    RankedTensorType splitType = ctx.operandType(1);
    if (splitType.getRank() == 0) {
      int64_t chunk = split->front();
      if (chunk <= 0)
        return ctx.emitError() << "split size must be positive, not " << chunk;
      for (int64_t offset = 0; offset < dim; offset += chunk)
        sizes.push_back(std::min(chunk, dim - offset));
    } else {
      sizes = *split;
      int64_t total = 0;
      for (int64_t s : sizes) {
        if (s < 0)
          return ctx.emitError() << "split sizes must be non-negative";
        total += s;
      }
      if (total != dim)
        return ctx.emitError() << "split sizes " << formatShape(sizes)
                               << " do not add up to the dim of size " << dim;
    }
  }
  Value input = ctx.operand(0);
  if (!input)
    return failure();
  llvm::SmallVector<ValueEntry *, 4> elements;
  llvm::SmallVector<int64_t> offsets(type.getRank(), 0);
  llvm::SmallVector<int64_t> shape(type.getShape());
  llvm::SmallVector<int64_t> strides(type.getRank(), 1);
  for (int64_t size : sizes) {
    shape[*axis] = size;
    Value piece = ctx.create<SliceOp>(input, offsets, shape, strides);
    if (squeeze) {
      llvm::SmallVector<int64_t> squeezed(shape);
      squeezed.erase(squeezed.begin() + *axis);
      piece = ctx.reshape(piece, squeezed);
    }
    if (!piece)
      return failure();
    elements.push_back(ctx.newTensorEntry(piece));
    offsets[*axis] += size;
  }
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Sequence, elements));
  return success();
}

LogicalResult importConcatFromSequence(NodeContext &ctx) {
  FailureOr<llvm::SmallVector<ValueEntry *, 4>> elements =
      ctx.sequenceOperand(0);
  if (failed(elements))
    return failure();
  if (elements->empty())
    return ctx.emitError() << "cannot concatenate an empty sequence";
  bool newAxis = ctx.getInt("new_axis", 0) != 0;
  llvm::SmallVector<Value> values;
  for (ValueEntry *entry : *elements) {
    Value v = ctx.materialize(entry);
    if (!v)
      return failure();
    values.push_back(v);
  }
  // With new_axis the axis counts in the result's rank (one more).
  int64_t rank = typeOf(values.front()).getRank() + (newAxis ? 1 : 0);
  FailureOr<int64_t> axis = ctx.normalizeAxis(ctx.getInt("axis", 0), rank);
  if (failed(axis))
    return failure();
  if (newAxis) {
    for (Value &v : values) {
      llvm::SmallVector<int64_t> shape(typeOf(v).getShape());
      shape.insert(shape.begin() + *axis, 1);
      v = ctx.reshape(v, shape);
      if (!v)
        return failure();
    }
  }
  Value result = values.size() == 1
                     ? values.front()
                     : ctx.create<ConcatOp>(values,
                                            static_cast<uint64_t>(*axis));
  return finish(ctx, result);
}

//===----------------------------------------------------------------------===//
// Optionals
//===----------------------------------------------------------------------===//

LogicalResult importOptional(NodeContext &ctx) {
  llvm::SmallVector<ValueEntry *, 1> elements;
  if (ctx.hasInput(0))
    elements.push_back(ctx.inputEntry(0));
  ctx.setEntryResult(0, ctx.newCompositeEntry(Kind::Optional, elements));
  return success();
}

LogicalResult importOptionalHasElement(NodeContext &ctx) {
  // Since opset 18 the input may be absent (an empty optional) or a plain
  // tensor or sequence (always present).
  bool present = false;
  if (ValueEntry *entry = ctx.inputEntry(0))
    present = entry->kind != Kind::Optional || !entry->elements.empty();
  ctx.setConstantResult(0, scalarBool(ctx.getContext(), present));
  return success();
}

LogicalResult importOptionalGetElement(NodeContext &ctx) {
  ValueEntry *entry = ctx.inputEntry(0);
  if (!entry)
    return ctx.emitError() << "missing input";
  if (entry->kind != Kind::Optional) {
    ctx.setEntryResult(0, entry);
    return success();
  }
  if (entry->elements.empty())
    return ctx.emitError() << "input '" << entry->name
                           << "' is an empty optional";
  ctx.setEntryResult(0, entry->elements.front());
  return success();
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

const ::onnx::GraphProto *getGraphAttr(NodeContext &ctx,
                                       llvm::StringRef name) {
  const ::onnx::AttributeProto *attr = ctx.getAttr(name);
  if (!attr || !attr->has_g()) {
    ctx.emitError() << "missing graph attribute '" << name << "'";
    return nullptr;
  }
  return &attr->g();
}

/// `condition ? a : b` for entries of the same kind and types. `what`
/// starts the error messages, e.g. "output 'y': the branches".
ValueEntry *selectEntries(NodeContext &ctx, Value condition, ValueEntry *a,
                          ValueEntry *b, llvm::StringRef what) {
  if (a == b)
    return a;
  if (a->kind != b->kind) {
    ctx.emitError() << what << " produce a "
                    << kindName(a->kind) << " and a " << kindName(b->kind);
    return nullptr;
  }
  if (a->kind == Kind::Tensor) {
    Value va = ctx.materialize(a);
    Value vb = ctx.materialize(b);
    if (!va || !vb)
      return nullptr;
    if (va.getType() != vb.getType()) {
      ctx.emitError() << what << " produce different types "
                      << va.getType() << " and " << vb.getType()
                      << " (only static shapes are supported)";
      return nullptr;
    }
    return ctx.newTensorEntry(ctx.create<WhereOp>(condition, va, vb));
  }
  if (a->elements.size() != b->elements.size()) {
    ctx.emitError() << what << " produce "
                    << (a->kind == Kind::Sequence ? "sequences of lengths "
                                                  : "optionals with ")
                    << a->elements.size() << " and " << b->elements.size()
                    << (a->kind == Kind::Sequence ? "" : " elements")
                    << ", which depends on the runtime condition";
    return nullptr;
  }
  llvm::SmallVector<ValueEntry *, 4> elements;
  for (auto [ea, eb] : llvm::zip(a->elements, b->elements)) {
    ValueEntry *merged = selectEntries(ctx, condition, ea, eb, what);
    if (!merged)
      return nullptr;
    elements.push_back(merged);
  }
  return ctx.newCompositeEntry(a->kind, elements);
}

LogicalResult importIf(NodeContext &ctx) {
  const ::onnx::GraphProto *thenBranch = getGraphAttr(ctx, "then_branch");
  const ::onnx::GraphProto *elseBranch = getGraphAttr(ctx, "else_branch");
  if (!thenBranch || !elseBranch)
    return failure();
  if (thenBranch->output_size() != static_cast<int>(ctx.getNumOutputs()) ||
      elseBranch->output_size() != static_cast<int>(ctx.getNumOutputs()))
    return ctx.emitError() << "the branches must have " << ctx.getNumOutputs()
                           << " outputs, like the node";
  RankedTensorType condType = ctx.operandType(0);
  if (!condType || !condType.getElementType().isInteger(1) ||
      condType.getNumElements() != 1)
    return ctx.emitError() << "cond must be a bool tensor with one element";

  // A constant condition selects a branch at compile time.
  if (DenseElementsAttr cond = ctx.constantOperand(0)) {
    bool taken = getIntValues(cond)->front() != 0;
    llvm::SmallVector<ValueEntry *> outputs;
    if (failed(ctx.importSubgraph(taken ? *thenBranch : *elseBranch, {},
                                  outputs)))
      return failure();
    for (auto [i, entry] : llvm::enumerate(outputs))
      ctx.setEntryResult(i, entry);
    return success();
  }

  llvm::SmallVector<ValueEntry *> thenOutputs, elseOutputs;
  if (failed(ctx.importSubgraph(*thenBranch, {}, thenOutputs)) ||
      failed(ctx.importSubgraph(*elseBranch, {}, elseOutputs)))
    return failure();
  Value cond = ctx.reshape(ctx.operand(0), {});
  if (!cond)
    return failure();
  for (unsigned i = 0; i < ctx.getNumOutputs(); ++i) {
    if (!ctx.isOutputUsed(i))
      continue;
    ValueEntry *merged =
        selectEntries(ctx, cond, thenOutputs[i], elseOutputs[i],
                      "output '" + ctx.getOutputName(i).str() +
                          "': the branches");
    if (!merged)
      return failure();
    ctx.setEntryResult(i, merged);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Loop and Scan
//===----------------------------------------------------------------------===//

/// Stacks the per-iteration values of a scan output along `axis` (of the
/// result, which has one dim more than each value).
FailureOr<Value> stackValues(NodeContext &ctx,
                             llvm::ArrayRef<ValueEntry *> entries,
                             int64_t axis, llvm::StringRef what) {
  if (entries.empty())
    return ctx.emitError() << what
                           << ": a scan output of zero iterations is not "
                              "supported";
  llvm::SmallVector<Value> values;
  Type firstType;
  for (ValueEntry *entry : entries) {
    Value v = ctx.materialize(entry);
    if (!v)
      return failure();
    if (!firstType)
      firstType = v.getType();
    if (v.getType() != firstType)
      return ctx.emitError() << what << ": iterations produce different types "
                             << firstType << " and " << v.getType();
    llvm::SmallVector<int64_t> shape(typeOf(v).getShape());
    if (axis < 0 || axis > static_cast<int64_t>(shape.size()))
      return ctx.emitError() << what << ": axis " << axis
                             << " is out of range";
    shape.insert(shape.begin() + axis, 1);
    values.push_back(ctx.reshape(v, shape));
    if (!values.back())
      return failure();
  }
  Value result = values.size() == 1
                     ? values.front()
                     : ctx.create<ConcatOp>(values,
                                            static_cast<uint64_t>(axis));
  if (!result)
    return failure();
  return result;
}

LogicalResult importLoop(NodeContext &ctx) {
  const ::onnx::GraphProto *body = getGraphAttr(ctx, "body");
  if (!body)
    return failure();
  unsigned numCarried = ctx.getNumInputs() >= 2 ? ctx.getNumInputs() - 2 : 0;
  if (body->input_size() != static_cast<int>(numCarried) + 2 ||
      body->output_size() < static_cast<int>(numCarried) + 1)
    return ctx.emitError() << "the body must have " << numCarried + 2
                           << " inputs and at least " << numCarried + 1
                           << " outputs";
  unsigned numScans = body->output_size() - 1 - numCarried;

  std::optional<int64_t> tripCount;
  if (ctx.hasInput(0)) {
    if (!ctx.constantOperand(0))
      return ctx.emitNotConstant(0, "M") << " (loops are unrolled)";
    FailureOr<double> m = ctx.requireConstantScalar(0, "M");
    if (failed(m))
      return failure();
    tripCount = static_cast<int64_t>(*m);
    if (*tripCount > kMaxUnrolledIterations)
      return ctx.emitError() << "trip count " << *tripCount
                             << " is too large to unroll (at most "
                             << kMaxUnrolledIterations << ")";
  }

  MLIRContext *context = ctx.getContext();
  ValueEntry *cond = ctx.hasInput(1)
                         ? tensorInput(ctx, 1, "cond")
                         : ctx.newConstantEntry(scalarBool(context, true));
  if (!cond)
    return failure();
  llvm::SmallVector<ValueEntry *> carried;
  for (unsigned i = 0; i < numCarried; ++i)
    carried.push_back(ctx.inputEntry(2 + i));
  llvm::SmallVector<llvm::SmallVector<ValueEntry *>> scans(numScans);

  // `running` is null while every iteration so far certainly ran; once the
  // condition is a runtime value it is the bool of the current iteration.
  Value running;
  auto condValue = [&](ValueEntry *entry) -> std::optional<bool> {
    DenseElementsAttr attr = ctx.constantOf(entry);
    if (!attr || attr.getNumElements() != 1)
      return std::nullopt;
    return getIntValues(attr)->front() != 0;
  };

  for (int64_t i = 0;; ++i) {
    if (tripCount && i >= *tripCount)
      break;
    std::optional<bool> known = condValue(cond);
    if (known && !*known)
      break;
    if (!known) {
      if (numScans > 0 && i == 0)
        return ctx.emitNotConstant(1, "cond")
               << " (the length of the scan outputs would depend on it)";
      if (numScans > 0)
        return ctx.emitError()
               << "the condition computed by the body is not a compile-time "
                  "constant, and the length of the scan outputs would "
                  "depend on it";
      if (!tripCount)
        return ctx.emitError() << "a loop with a runtime condition needs a "
                                  "constant trip count M (loops are unrolled)";
      Value c = ctx.reshape(ctx.materialize(cond), {});
      if (!c)
        return failure();
      running = running ? ctx.create<AndOp>(running, c) : c;
    }
    if (!tripCount && i >= kMaxUnrolledIterations)
      return ctx.emitError() << "the loop has no trip count and did not stop "
                                "within "
                             << kMaxUnrolledIterations << " iterations";

    llvm::SmallVector<ValueEntry *> inputs;
    inputs.push_back(ctx.newConstantEntry(scalarI64(context, i)));
    inputs.push_back(cond);
    llvm::append_range(inputs, carried);
    llvm::SmallVector<ValueEntry *> outputs;
    if (failed(ctx.importSubgraph(*body, inputs, outputs)))
      return failure();
    ValueEntry *condOut = outputs[0];
    if (!condOut->isTensor())
      return ctx.emitError() << "the body's condition output is not a tensor";
    for (unsigned k = 0; k < numCarried; ++k) {
      ValueEntry *next = outputs[1 + k];
      if (running) {
        ValueEntry *kept = selectEntries(
            ctx, running, next, carried[k],
            "loop-carried value '" + ctx.getOutputName(k).str() +
                "': consecutive iterations");
        if (!kept)
          return failure();
        next = kept;
      }
      carried[k] = next;
    }
    for (unsigned k = 0; k < numScans; ++k)
      scans[k].push_back(outputs[1 + numCarried + k]);
    cond = condOut;
  }

  for (unsigned k = 0; k < numCarried; ++k)
    ctx.setEntryResult(k, carried[k]);
  for (unsigned k = 0; k < numScans; ++k) {
    if (!ctx.isOutputUsed(numCarried + k))
      continue;
    FailureOr<Value> stacked = stackValues(
        ctx, scans[k], 0,
        "scan output '" + ctx.getOutputName(numCarried + k).str() + "'");
    if (failed(stacked))
      return failure();
    ctx.setResult(numCarried + k, *stacked);
  }
  return success();
}

LogicalResult importScan(NodeContext &ctx) {
  const ::onnx::GraphProto *body = getGraphAttr(ctx, "body");
  if (!body)
    return failure();
  int64_t numScanInputs = ctx.getInt("num_scan_inputs", 0);
  int64_t numInputs = ctx.getNumInputs();
  if (numScanInputs <= 0 || numScanInputs > numInputs)
    return ctx.emitUnsupportedAttr("num_scan_inputs")
           << " (the node has " << numInputs << " inputs)";
  int64_t numStates = numInputs - numScanInputs;
  int64_t numScanOutputs = ctx.getNumOutputs() - numStates;
  if (body->input_size() != numInputs ||
      body->output_size() != static_cast<int>(ctx.getNumOutputs()) ||
      numScanOutputs < 0)
    return ctx.emitError() << "the body must have " << numInputs
                           << " inputs and " << ctx.getNumOutputs()
                           << " outputs, like the node";

  auto listAttr = [&](llvm::StringRef name,
                      int64_t count) -> FailureOr<llvm::SmallVector<int64_t>> {
    std::optional<llvm::SmallVector<int64_t>> values =
        ctx.getOptionalInts(name);
    if (!values)
      return llvm::SmallVector<int64_t>(count, 0);
    if (static_cast<int64_t>(values->size()) != count)
      return ctx.emitUnsupportedAttr(name)
             << " (expected " << count << " values)";
    return *values;
  };
  FailureOr<llvm::SmallVector<int64_t>> inputAxes =
      listAttr("scan_input_axes", numScanInputs);
  FailureOr<llvm::SmallVector<int64_t>> inputDirections =
      listAttr("scan_input_directions", numScanInputs);
  FailureOr<llvm::SmallVector<int64_t>> outputAxes =
      listAttr("scan_output_axes", numScanOutputs);
  FailureOr<llvm::SmallVector<int64_t>> outputDirections =
      listAttr("scan_output_directions", numScanOutputs);
  if (failed(inputAxes) || failed(inputDirections) || failed(outputAxes) ||
      failed(outputDirections))
    return failure();

  // Scan inputs, their (normalized) axes and the common length.
  llvm::SmallVector<Value> scanInputs;
  int64_t length = -1;
  for (int64_t j = 0; j < numScanInputs; ++j) {
    Value input = ctx.operand(numStates + j);
    if (!input)
      return failure();
    FailureOr<int64_t> axis = ctx.normalizeAxis(
        (*inputAxes)[j], typeOf(input).getRank(), "scan_input_axes");
    if (failed(axis))
      return failure();
    (*inputAxes)[j] = *axis;
    int64_t dim = typeOf(input).getDimSize(*axis);
    if (length >= 0 && dim != length)
      return ctx.emitError() << "scan inputs have different lengths "
                             << length << " and " << dim;
    length = dim;
    scanInputs.push_back(input);
  }
  if (length > kMaxUnrolledIterations)
    return ctx.emitError() << "scan length " << length
                           << " is too large to unroll (at most "
                           << kMaxUnrolledIterations << ")";

  llvm::SmallVector<ValueEntry *> states;
  for (int64_t k = 0; k < numStates; ++k)
    states.push_back(ctx.inputEntry(k));
  llvm::SmallVector<llvm::SmallVector<ValueEntry *>> scans(numScanOutputs);
  for (int64_t t = 0; t < length; ++t) {
    llvm::SmallVector<ValueEntry *> inputs(states);
    for (int64_t j = 0; j < numScanInputs; ++j) {
      RankedTensorType type = typeOf(scanInputs[j]);
      int64_t axis = (*inputAxes)[j];
      int64_t index = (*inputDirections)[j] != 0 ? length - 1 - t : t;
      llvm::SmallVector<int64_t> offsets(type.getRank(), 0);
      llvm::SmallVector<int64_t> sizes(type.getShape());
      llvm::SmallVector<int64_t> strides(type.getRank(), 1);
      offsets[axis] = index;
      sizes[axis] = 1;
      Value slice =
          ctx.create<SliceOp>(scanInputs[j], offsets, sizes, strides);
      sizes.erase(sizes.begin() + axis);
      slice = ctx.reshape(slice, sizes);
      if (!slice)
        return failure();
      inputs.push_back(ctx.newTensorEntry(slice));
    }
    llvm::SmallVector<ValueEntry *> outputs;
    if (failed(ctx.importSubgraph(*body, inputs, outputs)))
      return failure();
    for (int64_t k = 0; k < numStates; ++k)
      states[k] = outputs[k];
    for (int64_t k = 0; k < numScanOutputs; ++k)
      scans[k].push_back(outputs[numStates + k]);
  }

  for (int64_t k = 0; k < numStates; ++k)
    ctx.setEntryResult(k, states[k]);
  for (int64_t k = 0; k < numScanOutputs; ++k) {
    unsigned index = numStates + k;
    if (!ctx.isOutputUsed(index))
      continue;
    std::string what = "scan output '" + ctx.getOutputName(index).str() + "'";
    llvm::SmallVector<ValueEntry *> entries(scans[k]);
    if ((*outputDirections)[k] != 0)
      std::reverse(entries.begin(), entries.end());
    if (entries.empty())
      return ctx.emitError() << what
                             << ": a scan output of zero iterations is not "
                                "supported";
    Value first = ctx.materialize(entries.front());
    if (!first)
      return failure();
    FailureOr<int64_t> axis =
        ctx.normalizeAxis((*outputAxes)[k], typeOf(first).getRank() + 1,
                          "scan_output_axes");
    if (failed(axis))
      return failure();
    FailureOr<Value> stacked = stackValues(ctx, entries, *axis, what);
    if (failed(stacked))
      return failure();
    ctx.setResult(index, *stacked);
  }
  return success();
}

} // namespace

void onnx_importer::populateControlFlowHandlers(OnnxOpRegistry &r) {
  r.onOp("SequenceEmpty", 11, importSequenceEmpty);
  r.onOp("SequenceConstruct", 11, importSequenceConstruct);
  r.onOp("SequenceInsert", 11, importSequenceInsert);
  r.onOp("SequenceErase", 11, importSequenceErase);
  r.onOp("SequenceAt", 11, importSequenceAt);
  r.onOp("SequenceLength", 11, importSequenceLength);
  r.onOp("SplitToSequence", 11, importSplitToSequence);
  r.onOp("ConcatFromSequence", 11, importConcatFromSequence);
  r.onOp("Optional", 15, importOptional);
  r.onOp("OptionalHasElement", 15, importOptionalHasElement);
  r.onOp("OptionalGetElement", 15, importOptionalGetElement);
  r.onOp("If", 1, importIf);
  r.onOp("Loop", 1, importLoop);
  r.onOp("Scan", 9, importScan);
}
