//===- RecurrentOps.cpp - ONNX RNN, GRU, LSTM -------------------*- C++ -*-===//
//
// RNN, GRU and LSTM are unrolled over their static sequence length into
// kiln ops: one matmul projects the inputs of every time step at once
// (X * W^T + biases, [seq * batch, gates * hidden]); each step then adds the
// recurrent projection H * R^T, applies the gate activations and updates the
// state. Directions are unrolled one after the other; a bidirectional node
// concatenates them. Per-batch `sequence_lens` (constant or not) mask the
// state update and zero Y past each sequence's end, which also makes the
// reverse direction start at each sequence's own last element.
//
// Gate orders follow ONNX: LSTM i, o, f, c (peepholes i, o, f); GRU z, r, h.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

enum class CellKind { RNN, GRU, LSTM };

/// Gates per cell and activation functions per direction.
int64_t numGates(CellKind kind) {
  switch (kind) {
  case CellKind::RNN:
    return 1;
  case CellKind::GRU:
    return 3;
  case CellKind::LSTM:
    return 4;
  }
  return 1;
}

int64_t numActivations(CellKind kind) {
  switch (kind) {
  case CellKind::RNN:
    return 1;
  case CellKind::GRU:
    return 2;
  case CellKind::LSTM:
    return 3;
  }
  return 1;
}

llvm::SmallVector<std::string> defaultActivations(CellKind kind) {
  switch (kind) {
  case CellKind::RNN:
    return {"Tanh"};
  case CellKind::GRU:
    return {"Sigmoid", "Tanh"};
  case CellKind::LSTM:
    return {"Sigmoid", "Tanh", "Tanh"};
  }
  return {};
}

enum class ActKind {
  Relu,
  Tanh,
  Sigmoid,
  Affine,
  LeakyRelu,
  ThresholdedRelu,
  ScaledTanh,
  HardSigmoid,
  Elu,
  Softsign,
  Softplus,
  Unknown
};

ActKind parseActivation(llvm::StringRef name) {
  return llvm::StringSwitch<ActKind>(name.lower())
      .Case("relu", ActKind::Relu)
      .Case("tanh", ActKind::Tanh)
      .Case("sigmoid", ActKind::Sigmoid)
      .Case("affine", ActKind::Affine)
      .Case("leakyrelu", ActKind::LeakyRelu)
      .Case("thresholdedrelu", ActKind::ThresholdedRelu)
      .Case("scaledtanh", ActKind::ScaledTanh)
      .Case("hardsigmoid", ActKind::HardSigmoid)
      .Case("elu", ActKind::Elu)
      .Case("softsign", ActKind::Softsign)
      .Case("softplus", ActKind::Softplus)
      .Default(ActKind::Unknown);
}

/// Whether an activation reads alpha / beta from activation_alpha/beta, and
/// the defaults of the ONNX op of the same name when the lists run out.
bool usesAlpha(ActKind k) {
  return k == ActKind::Affine || k == ActKind::LeakyRelu ||
         k == ActKind::ThresholdedRelu || k == ActKind::ScaledTanh ||
         k == ActKind::HardSigmoid || k == ActKind::Elu;
}
bool usesBeta(ActKind k) {
  return k == ActKind::Affine || k == ActKind::ScaledTanh ||
         k == ActKind::HardSigmoid;
}
double defaultAlpha(ActKind k) {
  switch (k) {
  case ActKind::LeakyRelu:
    return 0.01;
  case ActKind::HardSigmoid:
    return 0.2;
  default:
    return 1.0;
  }
}
double defaultBeta(ActKind k) {
  switch (k) {
  case ActKind::HardSigmoid:
    return 0.5;
  case ActKind::ScaledTanh:
    return 1.0;
  default:
    return 0.0;
  }
}

struct Activation {
  ActKind kind;
  double alpha;
  double beta;
};

/// The activation functions of every direction (numActivations each), with
/// their parameters taken in order from activation_alpha/beta by the
/// functions that use them. Emits an error on unknown names or a wrong count.
FailureOr<llvm::SmallVector<Activation>>
getActivations(const NodeInfo &info, CellKind kind, int64_t numDirections) {
  llvm::SmallVector<std::string> names;
  if (const ::onnx::AttributeProto *attr = info.getAttr("activations")) {
    for (const std::string &s : attr->strings())
      names.push_back(s);
  } else {
    for (int64_t d = 0; d < numDirections; ++d)
      llvm::append_range(names, defaultActivations(kind));
  }
  int64_t expected = numActivations(kind) * numDirections;
  if (static_cast<int64_t>(names.size()) != expected)
    return info.emitError() << "expected " << expected
                            << " activation functions, got " << names.size();
  llvm::SmallVector<float> alphas = info.getFloats("activation_alpha");
  llvm::SmallVector<float> betas = info.getFloats("activation_beta");
  size_t nextAlpha = 0, nextBeta = 0;
  llvm::SmallVector<Activation> result;
  for (const std::string &name : names) {
    ActKind k = parseActivation(name);
    if (k == ActKind::Unknown)
      return info.emitError() << "unsupported activation function '" << name
                              << "'";
    Activation act{k, defaultAlpha(k), defaultBeta(k)};
    if (usesAlpha(k) && nextAlpha < alphas.size())
      act.alpha = alphas[nextAlpha++];
    if (usesBeta(k) && nextBeta < betas.size())
      act.beta = betas[nextBeta++];
    result.push_back(act);
  }
  return result;
}

FailureOr<int64_t> getNumDirections(const NodeInfo &info) {
  std::string direction = info.getString("direction", "forward");
  if (direction == "forward" || direction == "reverse")
    return 1;
  if (direction == "bidirectional")
    return 2;
  return info.emitUnsupportedAttr("direction")
         << " (expected forward, reverse or bidirectional)";
}

LogicalResult validateRecurrent(const NodeInfo &info, CellKind kind) {
  FailureOr<int64_t> numDirections = getNumDirections(info);
  if (failed(numDirections))
    return failure();
  if (failed(getActivations(info, kind, *numDirections)))
    return failure();
  int64_t layout = info.getInt("layout", 0);
  if (layout != 0 && layout != 1)
    return info.emitUnsupportedAttr("layout") << " (expected 0 or 1)";
  if (info.hasAttr("clip") && !(info.getFloat("clip", 0.0f) > 0.0f))
    return info.emitUnsupportedAttr("clip") << " (must be positive)";
  if (kind == CellKind::LSTM) {
    int64_t inputForget = info.getInt("input_forget", 0);
    if (inputForget != 0 && inputForget != 1)
      return info.emitUnsupportedAttr("input_forget") << " (expected 0 or 1)";
  }
  if (info.hasAttr("hidden_size") && info.getInt("hidden_size", 0) <= 0)
    return info.emitUnsupportedAttr("hidden_size") << " (must be positive)";
  return success(!info.hadError());
}

/// Builds the unrolled cell of one node.
class RecurrentBuilder {
public:
  RecurrentBuilder(NodeContext &ctx, CellKind kind) : ctx(ctx), kind(kind) {}

  LogicalResult build();

private:
  Value scalar(double v) { return ctx.constantScalar(elementType, v); }
  Value add(Value a, Value b) { return ctx.create<AddOp>(a, b); }
  Value sub(Value a, Value b) { return ctx.create<SubOp>(a, b); }
  Value mul(Value a, Value b) { return ctx.create<MulOp>(a, b); }
  Value matmul(Value a, Value b) { return ctx.create<MatMulOp>(a, b); }
  /// input[offset : offset + size] along `axis` (all of the other dims).
  Value sliceAxis(Value input, int64_t axis, int64_t offset, int64_t size);
  /// Direction `d` of a [numDirections, ...] tensor, without that dim.
  Value direction(Value input, int64_t d);
  Value activate(Value x, const Activation &act);
  Value clip(Value x);
  Value concat(llvm::ArrayRef<Value> values, int64_t axis) {
    if (values.size() == 1)
      return values.front();
    return ctx.create<ConcatOp>(llvm::SmallVector<Value>(values),
                                static_cast<uint64_t>(axis));
  }
  LogicalResult readInputs();
  /// Unrolls direction `d`; returns its per-step outputs (in time order)
  /// and final states.
  LogicalResult buildDirection(int64_t d, bool reverse,
                               llvm::ArrayRef<Activation> acts,
                               llvm::SmallVectorImpl<Value> &ys, Value &hLast,
                               Value &cLast);

  NodeContext &ctx;
  CellKind kind;
  Type elementType;
  int64_t seqLength = 0, batch = 0, inputSize = 0, hidden = 0, gates = 0;
  int64_t numDirections = 1;
  int64_t layout = 0;
  std::optional<double> clipValue;
  /// X as [seq, batch, input]; W, R, B, initial states, P as given by ONNX
  /// (direction-major after the layout transpose); null when absent.
  Value x, w, r, b, initialH, initialC, peepholes;
  /// [batch, 1] masks of the steps each batch element takes; empty when all
  /// sequences have the full length.
  llvm::SmallVector<Value> masks;
};

Value RecurrentBuilder::sliceAxis(Value input, int64_t axis, int64_t offset,
                                  int64_t size) {
  RankedTensorType type = typeOf(input);
  if (!type)
    return nullptr;
  if (offset == 0 && size == type.getDimSize(axis))
    return input;
  llvm::SmallVector<int64_t> offsets(type.getRank(), 0);
  llvm::SmallVector<int64_t> sizes(type.getShape());
  llvm::SmallVector<int64_t> strides(type.getRank(), 1);
  offsets[axis] = offset;
  sizes[axis] = size;
  return ctx.create<SliceOp>(input, offsets, sizes, strides);
}

Value RecurrentBuilder::direction(Value input, int64_t d) {
  Value slice = sliceAxis(input, 0, d, 1);
  RankedTensorType type = typeOf(slice);
  if (!type)
    return nullptr;
  return ctx.reshape(slice, type.getShape().drop_front());
}

Value RecurrentBuilder::clip(Value x) {
  if (!clipValue || !x)
    return x;
  OpBuilder &builder = ctx.getBuilder();
  return ctx.create<ClipOp>(x, builder.getF64FloatAttr(-*clipValue),
                            builder.getF64FloatAttr(*clipValue));
}

Value RecurrentBuilder::activate(Value x, const Activation &act) {
  if (!x)
    return nullptr;
  switch (act.kind) {
  case ActKind::Relu:
    return ctx.create<ReluOp>(x);
  case ActKind::Tanh:
    return ctx.create<TanhOp>(x);
  case ActKind::Sigmoid:
    return ctx.create<SigmoidOp>(x);
  case ActKind::Affine:
    return add(mul(x, scalar(act.alpha)), scalar(act.beta));
  case ActKind::LeakyRelu: {
    Value negative = ctx.create<LessOp>(x, scalar(0.0));
    return ctx.create<WhereOp>(negative, mul(x, scalar(act.alpha)), x);
  }
  case ActKind::ThresholdedRelu: {
    Value above = ctx.create<GreaterOp>(x, scalar(act.alpha));
    return ctx.create<WhereOp>(above, x, scalar(0.0));
  }
  case ActKind::ScaledTanh:
    return mul(scalar(act.alpha),
               ctx.create<TanhOp>(mul(x, scalar(act.beta))));
  case ActKind::HardSigmoid: {
    OpBuilder &builder = ctx.getBuilder();
    return ctx.create<ClipOp>(add(mul(x, scalar(act.alpha)), scalar(act.beta)),
                              builder.getF64FloatAttr(0.0),
                              builder.getF64FloatAttr(1.0));
  }
  case ActKind::Elu: {
    Value negative = ctx.create<LessOp>(x, scalar(0.0));
    Value expm1 = sub(ctx.create<ExpOp>(x), scalar(1.0));
    return ctx.create<WhereOp>(negative, mul(expm1, scalar(act.alpha)), x);
  }
  case ActKind::Softsign:
    return ctx.create<DivOp>(x, add(ctx.create<AbsOp>(x), scalar(1.0)));
  case ActKind::Softplus: {
    // max(x, 0) + log(1 + exp(-|x|)): no overflow for large |x|.
    Value tail = ctx.create<LogOp>(add(
        ctx.create<ExpOp>(ctx.create<NegOp>(ctx.create<AbsOp>(x))),
        scalar(1.0)));
    return add(ctx.create<ReluOp>(x), tail);
  }
  case ActKind::Unknown:
    break;
  }
  ctx.emitError() << "unsupported activation function";
  return nullptr;
}

LogicalResult RecurrentBuilder::readInputs() {
  RankedTensorType xType = ctx.operandType(0);
  RankedTensorType wType = ctx.operandType(1);
  RankedTensorType rType = ctx.operandType(2);
  if (!xType || !wType || !rType)
    return ctx.emitError() << "inputs X, W and R are required";
  elementType = xType.getElementType();
  if (!isa<FloatType>(elementType))
    return ctx.emitError() << "X must be a float tensor, not " << Type(xType);
  if (xType.getRank() != 3 || wType.getRank() != 3 || rType.getRank() != 3)
    return ctx.emitError() << "X, W and R must have rank 3, got "
                           << formatShape(xType.getShape()) << ", "
                           << formatShape(wType.getShape()) << ", "
                           << formatShape(rType.getShape());
  FailureOr<int64_t> dirs = getNumDirections(ctx);
  if (failed(dirs))
    return failure();
  numDirections = *dirs;
  layout = ctx.getInt("layout", 0);
  gates = numGates(kind);
  hidden = ctx.getInt("hidden_size", rType.getDimSize(2));
  if (ctx.hasAttr("clip"))
    clipValue = ctx.getFloat("clip", 0.0f);

  x = ctx.operand(0);
  if (layout == 1)
    x = ctx.transpose(x, {1, 0, 2});
  if (!x)
    return failure();
  seqLength = typeOf(x).getDimSize(0);
  batch = typeOf(x).getDimSize(1);
  inputSize = typeOf(x).getDimSize(2);

  auto expectShape = [&](unsigned i, llvm::StringRef what,
                         llvm::ArrayRef<int64_t> shape) -> LogicalResult {
    RankedTensorType type = ctx.operandType(i);
    if (!type || type.getShape() != shape || type.getElementType() !=
                                                 elementType)
      return ctx.emitError()
             << what << " must be " << formatShape(shape) << " of "
             << elementType << ", got "
             << (type ? Type(type) : Type(ctx.getBuilder().getNoneType()));
    return success();
  };
  int64_t gh = gates * hidden;
  if (failed(expectShape(1, "W", {numDirections, gh, inputSize})) ||
      failed(expectShape(2, "R", {numDirections, gh, hidden})))
    return failure();
  w = ctx.operand(1);
  r = ctx.operand(2);
  if (ctx.hasInput(3)) {
    if (failed(expectShape(3, "B", {numDirections, 2 * gh})))
      return failure();
    b = ctx.operand(3);
  }
  // Initial states: [dirs, batch, hidden], or [batch, dirs, hidden] with
  // layout 1.
  llvm::SmallVector<int64_t> stateShape =
      layout == 0 ? llvm::SmallVector<int64_t>{numDirections, batch, hidden}
                  : llvm::SmallVector<int64_t>{batch, numDirections, hidden};
  auto readState = [&](unsigned i, llvm::StringRef what,
                       Value &state) -> LogicalResult {
    if (!ctx.hasInput(i))
      return success();
    if (failed(expectShape(i, what, stateShape)))
      return failure();
    state = ctx.operand(i);
    if (layout == 1)
      state = ctx.transpose(state, {1, 0, 2});
    return success(state != nullptr);
  };
  if (failed(readState(5, "initial_h", initialH)))
    return failure();
  if (kind == CellKind::LSTM) {
    if (failed(readState(6, "initial_c", initialC)))
      return failure();
    if (ctx.hasInput(7)) {
      if (failed(expectShape(7, "P", {numDirections, 3 * hidden})))
        return failure();
      peepholes = ctx.operand(7);
    }
  }

  // sequence_lens: steps at or past a batch element's length leave its
  // state unchanged and give zeros in Y.
  if (ctx.hasInput(4)) {
    RankedTensorType lensType = ctx.operandType(4);
    if (!lensType || lensType.getRank() != 1 ||
        lensType.getDimSize(0) != batch ||
        !isa<IntegerType>(lensType.getElementType()))
      return ctx.emitError() << "sequence_lens must be an integer tensor of "
                             << "shape " << formatShape({batch});
    bool allFull = false;
    if (DenseElementsAttr lens = ctx.constantOperand(4)) {
      std::optional<llvm::SmallVector<int64_t>> values = getIntValues(lens);
      if (values) {
        for (int64_t len : *values)
          if (len < 0 || len > seqLength)
            return ctx.emitError()
                   << "sequence_lens value " << len
                   << " is out of range for a sequence length of "
                   << seqLength;
        allFull = llvm::all_of(*values,
                               [&](int64_t len) { return len == seqLength; });
      }
    }
    if (!allFull) {
      Value lens = ctx.operand(4);
      Type lensElement = lensType.getElementType();
      for (int64_t t = 0; t < seqLength; ++t) {
        Value step = ctx.constantScalar(lensElement, static_cast<double>(t));
        masks.push_back(
            ctx.reshape(ctx.create<LessOp>(step, lens), {batch, 1}));
        if (!masks.back())
          return failure();
      }
    }
  }
  return success();
}

LogicalResult RecurrentBuilder::buildDirection(
    int64_t d, bool reverse, llvm::ArrayRef<Activation> acts,
    llvm::SmallVectorImpl<Value> &ys, Value &hLast, Value &cLast) {
  int64_t gh = gates * hidden;
  // [input, gates*hidden] and [hidden, gates*hidden].
  Value wT = ctx.transpose(direction(w, d), {1, 0});
  Value rT = ctx.transpose(direction(r, d), {1, 0});
  if (!wT || !rT)
    return failure();

  // Biases folded into the input projection; GRU with linear_before_reset
  // keeps Rb of the h gate apart (it is scaled by the reset gate).
  bool linearBeforeReset =
      kind == CellKind::GRU && ctx.getInt("linear_before_reset", 0) != 0;
  Value inputBias, hiddenBiasH;
  if (b) {
    Value bd = direction(b, d);
    Value wb = sliceAxis(bd, 0, 0, gh);
    Value rb = sliceAxis(bd, 0, gh, gh);
    if (linearBeforeReset) {
      Value zr = add(sliceAxis(wb, 0, 0, 2 * hidden),
                     sliceAxis(rb, 0, 0, 2 * hidden));
      inputBias = concat({zr, sliceAxis(wb, 0, 2 * hidden, hidden)}, 0);
      hiddenBiasH = sliceAxis(rb, 0, 2 * hidden, hidden);
    } else {
      inputBias = add(wb, rb);
    }
    if (!inputBias)
      return failure();
  }

  // All steps' input projections at once: [seq, batch, gates*hidden].
  Value xw = matmul(ctx.reshape(x, {seqLength * batch, inputSize}), wT);
  if (inputBias)
    xw = add(xw, inputBias);
  xw = ctx.reshape(xw, {seqLength, batch, gh});
  if (!xw)
    return failure();

  Value zeros = ctx.create<ExpandOp>(scalar(0.0),
                                     llvm::ArrayRef<int64_t>{batch, hidden});
  Value h = initialH ? direction(initialH, d) : zeros;
  Value c;
  if (kind == CellKind::LSTM)
    c = initialC ? direction(initialC, d) : zeros;
  Value pi, po, pf;
  if (peepholes) {
    Value pd = direction(peepholes, d);
    pi = sliceAxis(pd, 0, 0, hidden);
    po = sliceAxis(pd, 0, hidden, hidden);
    pf = sliceAxis(pd, 0, 2 * hidden, hidden);
  }
  // GRU without linear_before_reset multiplies r * H by R_h separately.
  Value rTzr, rTh;
  if (kind == CellKind::GRU && !linearBeforeReset) {
    rTzr = sliceAxis(rT, 1, 0, 2 * hidden);
    rTh = sliceAxis(rT, 1, 2 * hidden, hidden);
  }

  ys.assign(seqLength, nullptr);
  for (int64_t s = 0; s < seqLength; ++s) {
    int64_t t = reverse ? seqLength - 1 - s : s;
    Value xt = ctx.reshape(sliceAxis(xw, 0, t, 1), {batch, gh});
    Value hNew, cNew;
    switch (kind) {
    case CellKind::RNN:
      hNew = activate(clip(add(xt, matmul(h, rT))), acts[0]);
      break;
    case CellKind::LSTM: {
      Value pre = add(xt, matmul(h, rT));
      auto gate = [&](int64_t k) { return sliceAxis(pre, 1, k * hidden, hidden); };
      Value iPre = gate(0), oPre = gate(1), fPre = gate(2), cPre = gate(3);
      if (pi) {
        iPre = add(iPre, mul(pi, c));
        fPre = add(fPre, mul(pf, c));
      }
      Value i = activate(clip(iPre), acts[0]);
      Value f = ctx.getInt("input_forget", 0) != 0
                    ? sub(scalar(1.0), i)
                    : activate(clip(fPre), acts[0]);
      Value g = activate(clip(cPre), acts[1]);
      cNew = add(mul(f, c), mul(i, g));
      if (po)
        oPre = add(oPre, mul(po, cNew));
      Value o = activate(clip(oPre), acts[0]);
      hNew = mul(o, activate(cNew, acts[2]));
      break;
    }
    case CellKind::GRU: {
      Value xz = sliceAxis(xt, 1, 0, hidden);
      Value xr = sliceAxis(xt, 1, hidden, hidden);
      Value xh = sliceAxis(xt, 1, 2 * hidden, hidden);
      Value hr = matmul(h, linearBeforeReset ? rT : rTzr);
      Value z = activate(clip(add(xz, sliceAxis(hr, 1, 0, hidden))), acts[0]);
      Value rg =
          activate(clip(add(xr, sliceAxis(hr, 1, hidden, hidden))), acts[0]);
      Value hPre;
      if (linearBeforeReset) {
        Value hh = sliceAxis(hr, 1, 2 * hidden, hidden);
        if (hiddenBiasH)
          hh = add(hh, hiddenBiasH);
        hPre = add(xh, mul(rg, hh));
      } else {
        hPre = add(xh, matmul(mul(rg, h), rTh));
      }
      Value candidate = activate(clip(hPre), acts[1]);
      // (1 - z) * candidate + z * h
      hNew = add(candidate, mul(z, sub(h, candidate)));
      break;
    }
    }
    if (!hNew || (kind == CellKind::LSTM && !cNew))
      return failure();
    Value y = hNew;
    if (!masks.empty()) {
      hNew = ctx.create<WhereOp>(masks[t], hNew, h);
      if (cNew)
        cNew = ctx.create<WhereOp>(masks[t], cNew, c);
      y = ctx.create<WhereOp>(masks[t], y, zeros);
    }
    if (!hNew || !y)
      return failure();
    ys[t] = y;
    h = hNew;
    c = cNew;
  }
  hLast = h;
  cLast = c;
  return success();
}

LogicalResult RecurrentBuilder::build() {
  if (failed(readInputs()))
    return failure();
  FailureOr<llvm::SmallVector<Activation>> acts =
      getActivations(ctx, kind, numDirections);
  if (failed(acts))
    return failure();
  std::string dirAttr = ctx.getString("direction", "forward");
  int64_t perDirection = numActivations(kind);

  llvm::SmallVector<Value> yDirs, hDirs, cDirs;
  for (int64_t d = 0; d < numDirections; ++d) {
    bool reverse = dirAttr == "reverse" || d == 1;
    llvm::SmallVector<Value> ys;
    Value hLast, cLast;
    if (failed(buildDirection(
            d, reverse,
            llvm::ArrayRef(*acts).slice(d * perDirection, perDirection), ys,
            hLast, cLast)))
      return failure();
    if (ctx.isOutputUsed(0)) {
      llvm::SmallVector<Value> steps;
      for (Value y : ys)
        steps.push_back(ctx.reshape(y, {1, 1, batch, hidden}));
      yDirs.push_back(seqLength == 0
                          ? ctx.create<ExpandOp>(
                                scalar(0.0), llvm::ArrayRef<int64_t>{
                                                 0, 1, batch, hidden})
                          : concat(steps, 0));
    }
    hDirs.push_back(ctx.reshape(hLast, {1, batch, hidden}));
    if (cLast)
      cDirs.push_back(ctx.reshape(cLast, {1, batch, hidden}));
  }

  // Y: [seq, dirs, batch, hidden] or [batch, seq, dirs, hidden] (layout 1);
  // Y_h, Y_c: [dirs, batch, hidden] or [batch, dirs, hidden].
  if (ctx.isOutputUsed(0)) {
    Value y = concat(yDirs, 1);
    if (layout == 1)
      y = ctx.transpose(y, {2, 0, 1, 3});
    if (!y)
      return failure();
    ctx.setResult(0, y);
  }
  auto finishState = [&](unsigned i, llvm::ArrayRef<Value> dirs) {
    if (!ctx.isOutputUsed(i) || dirs.empty())
      return success();
    Value state = concat(dirs, 0);
    if (layout == 1)
      state = ctx.transpose(state, {1, 0, 2});
    if (!state)
      return failure();
    ctx.setResult(i, state);
    return success();
  };
  if (failed(finishState(1, hDirs)))
    return failure();
  if (kind == CellKind::LSTM && failed(finishState(2, cDirs)))
    return failure();
  return success();
}

template <CellKind kind>
LogicalResult importRecurrent(NodeContext &ctx) {
  return RecurrentBuilder(ctx, kind).build();
}

template <CellKind kind>
LogicalResult validate(const NodeInfo &info) {
  return validateRecurrent(info, kind);
}

} // namespace

void onnx_importer::populateRecurrentHandlers(OnnxOpRegistry &r) {
  r.onOp("RNN", 1, importRecurrent<CellKind::RNN>, validate<CellKind::RNN>);
  r.onOp("GRU", 1, importRecurrent<CellKind::GRU>, validate<CellKind::GRU>);
  r.onOp("LSTM", 1, importRecurrent<CellKind::LSTM>,
         validate<CellKind::LSTM>);
}
