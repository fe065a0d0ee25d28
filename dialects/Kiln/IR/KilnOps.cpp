//===- KilnOps.cpp - kiln op type inference and verifiers -----------------===//
//
// Each op's inferReturnTypes is its verifier too: InferTypeOpInterface checks
// that the declared result type equals the inferred one, so every rule about
// operand shapes and attributes lives here, once.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

using namespace mlir;
using namespace mlir::kiln;

#include "dialects/Kiln/IR/KilnEnums.cpp.inc"

#define GET_OP_CLASSES
#include "dialects/Kiln/IR/KilnOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string mlir::kiln::formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return s.empty() ? "scalar" : s;
}

static RankedTensorType tensorOf(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

static RankedTensorType rankedOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

FailureOr<SmallVector<int64_t>> mlir::kiln::broadcastShapes(
    ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t r;
    if (da == db)
      r = da;
    else if (da == 1)
      r = db;
    else if (db == 1)
      r = da;
    else if (ShapedType::isDynamic(da))
      r = db;
    else if (ShapedType::isDynamic(db))
      r = da;
    else
      return failure();
    result[rank - 1 - i] = r;
  }
  return result;
}

static bool isFloatTensor(Type t) {
  return isa<FloatType>(cast<ShapedType>(t).getElementType());
}

// Normalizes `axis` into [0, rank) or reports an error.
static FailureOr<int64_t> normalizeAxis(std::optional<Location> loc,
                                        int64_t axis, int64_t rank,
                                        StringRef what = "axis") {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return emitOptionalError(loc, what, " ", axis,
                             " is out of range for rank ", rank);
  return axis < 0 ? axis + rank : axis;
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type)
    return emitOptionalError(loc, "constant value must be a ranked tensor");
  types.push_back(type);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

enum class BinaryKind { Arithmetic, Compare, Logical };

static LogicalResult inferBinary(MLIRContext *ctx, std::optional<Location> loc,
                                 Type lhsType, Type rhsType, BinaryKind kind,
                                 SmallVectorImpl<Type> &types) {
  auto lhs = cast<RankedTensorType>(lhsType);
  auto rhs = cast<RankedTensorType>(rhsType);
  if (lhs.getElementType() != rhs.getElementType())
    return emitOptionalError(loc, "operand element types differ: ",
                             lhs.getElementType(), " vs ",
                             rhs.getElementType());
  if (kind == BinaryKind::Logical && !lhs.getElementType().isInteger())
    return emitOptionalError(loc, "logical ops need integer or i1 operands");
  auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape))
    return emitOptionalError(loc, "operand shapes ", formatShape(lhs.getShape()),
                             " and ", formatShape(rhs.getShape()),
                             " are not broadcastable");
  Type elementType = kind == BinaryKind::Compare ? IntegerType::get(ctx, 1)
                                                 : lhs.getElementType();
  types.push_back(tensorOf(*shape, elementType));
  return success();
}

#define KILN_BINARY_INFER(OP, KIND)                                            \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx,                         \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    return inferBinary(ctx, loc, adaptor.getLhs().getType(),                   \
                       adaptor.getRhs().getType(), BinaryKind::KIND, types);   \
  }
KILN_BINARY_INFER(AddOp, Arithmetic)
KILN_BINARY_INFER(SubOp, Arithmetic)
KILN_BINARY_INFER(MulOp, Arithmetic)
KILN_BINARY_INFER(DivOp, Arithmetic)
KILN_BINARY_INFER(PowOp, Arithmetic)
KILN_BINARY_INFER(MaxOp, Arithmetic)
KILN_BINARY_INFER(MinOp, Arithmetic)
KILN_BINARY_INFER(ModOp, Arithmetic)
KILN_BINARY_INFER(AndOp, Logical)
KILN_BINARY_INFER(OrOp, Logical)
KILN_BINARY_INFER(XorOp, Logical)
KILN_BINARY_INFER(EqualOp, Compare)
KILN_BINARY_INFER(LessOp, Compare)
KILN_BINARY_INFER(LessEqualOp, Compare)
KILN_BINARY_INFER(GreaterOp, Compare)
KILN_BINARY_INFER(GreaterEqualOp, Compare)
#undef KILN_BINARY_INFER

static LogicalResult inferUnary(std::optional<Location> loc, Type input,
                                bool floatOnly, SmallVectorImpl<Type> &types) {
  if (floatOnly && !isFloatTensor(input))
    return emitOptionalError(loc, "operand must be a floating-point tensor, got ",
                             input);
  types.push_back(input);
  return success();
}

#define KILN_UNARY_INFER(OP, FLOAT_ONLY)                                       \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &types) {           \
    return inferUnary(loc, adaptor.getInput().getType(), FLOAT_ONLY, types);   \
  }
KILN_UNARY_INFER(NegOp, false)
KILN_UNARY_INFER(AbsOp, false)
KILN_UNARY_INFER(SignOp, false)
KILN_UNARY_INFER(ReluOp, false)
KILN_UNARY_INFER(NotOp, false)
KILN_UNARY_INFER(ExpOp, true)
KILN_UNARY_INFER(LogOp, true)
KILN_UNARY_INFER(SqrtOp, true)
KILN_UNARY_INFER(ReciprocalOp, true)
KILN_UNARY_INFER(TanhOp, true)
KILN_UNARY_INFER(SigmoidOp, true)
KILN_UNARY_INFER(ErfOp, true)
KILN_UNARY_INFER(FloorOp, true)
KILN_UNARY_INFER(CeilOp, true)
KILN_UNARY_INFER(RoundOp, true)
KILN_UNARY_INFER(SinOp, true)
KILN_UNARY_INFER(CosOp, true)
KILN_UNARY_INFER(ClipOp, false)
#undef KILN_UNARY_INFER

LogicalResult ClipOp::verify() {
  if (getMin() && std::isnan(getMin()->convertToDouble()))
    return emitOpError("min bound is NaN");
  if (getMax() && std::isnan(getMax()->convertToDouble()))
    return emitOpError("max bound is NaN");
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  Type to = adaptor.getTo();
  if (!isa<FloatType, IntegerType>(to))
    return emitOptionalError(loc, "cannot cast to ", to);
  auto input = rankedOf(adaptor.getInput());
  types.push_back(tensorOf(input.getShape(), to));
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto cond = rankedOf(adaptor.getCondition());
  auto a = rankedOf(adaptor.getOnTrue());
  auto b = rankedOf(adaptor.getOnFalse());
  if (a.getElementType() != b.getElementType())
    return emitOptionalError(loc, "branch element types differ: ",
                             a.getElementType(), " vs ", b.getElementType());
  auto ab = broadcastShapes(a.getShape(), b.getShape());
  FailureOr<SmallVector<int64_t>> all = failure();
  if (succeeded(ab))
    all = broadcastShapes(cond.getShape(), *ab);
  if (failed(all))
    return emitOptionalError(loc, "shapes ", formatShape(cond.getShape()), ", ",
                             formatShape(a.getShape()), " and ",
                             formatShape(b.getShape()), " are not broadcastable");
  types.push_back(tensorOf(*all, a.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto a = rankedOf(adaptor.getLhs());
  auto b = rankedOf(adaptor.getRhs());
  if (a.getRank() < 2 || b.getRank() < 2)
    return emitOptionalError(loc, "matmul operands must have rank >= 2, got ",
                             formatShape(a.getShape()), " and ",
                             formatShape(b.getShape()));
  if (a.getElementType() != b.getElementType())
    return emitOptionalError(loc, "operand element types differ: ",
                             a.getElementType(), " vs ", b.getElementType());
  int64_t k1 = a.getShape().back(), k2 = b.getShape()[b.getRank() - 2];
  if (!ShapedType::isDynamic(k1) && !ShapedType::isDynamic(k2) && k1 != k2)
    return emitOptionalError(loc, "contraction dims differ: ",
                             formatShape(a.getShape()), " by ",
                             formatShape(b.getShape()));
  auto batch = broadcastShapes(a.getShape().drop_back(2),
                               b.getShape().drop_back(2));
  if (failed(batch))
    return emitOptionalError(loc, "batch dims of ", formatShape(a.getShape()),
                             " and ", formatShape(b.getShape()),
                             " are not broadcastable");
  SmallVector<int64_t> shape = *batch;
  shape.push_back(a.getShape()[a.getRank() - 2]);
  shape.push_back(b.getShape().back());
  types.push_back(tensorOf(shape, a.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// Windowed ops: conv and pooling
//===----------------------------------------------------------------------===//

// Checks strides/dilations/pads for `spatial` dims and computes output sizes.
static LogicalResult
inferWindowOutput(std::optional<Location> loc, ArrayRef<int64_t> inSpatial,
                  ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                  bool ceilMode, SmallVectorImpl<int64_t> &out) {
  size_t n = inSpatial.size();
  if (kernel.size() != n || strides.size() != n || dilations.size() != n ||
      pads.size() != 2 * n)
    return emitOptionalError(
        loc, "expected ", n, " kernel dims, strides and dilations and ", 2 * n,
        " pads; got ", kernel.size(), ", ", strides.size(), ", ",
        dilations.size(), " and ", pads.size());
  for (size_t i = 0; i < n; ++i) {
    if (strides[i] < 1 || dilations[i] < 1 || kernel[i] < 1)
      return emitOptionalError(loc,
                               "strides, dilations and kernel sizes must be >= 1");
    if (pads[i] < 0 || pads[i + n] < 0)
      return emitOptionalError(loc, "pads must be non-negative");
    if (ShapedType::isDynamic(inSpatial[i])) {
      out.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t span = dilations[i] * (kernel[i] - 1) + 1;
    int64_t avail = inSpatial[i] + pads[i] + pads[i + n] - span;
    if (avail < 0)
      return emitOptionalError(loc, "window of size ", span,
                               " does not fit spatial dim ", i, " of size ",
                               inSpatial[i], " with its padding");
    int64_t o = ceilMode ? llvm::divideCeil(avail, strides[i]) + 1
                         : avail / strides[i] + 1;
    out.push_back(o);
  }
  return success();
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto x = rankedOf(adaptor.getInput());
  auto w = rankedOf(adaptor.getWeight());
  if (x.getRank() < 3 || w.getRank() != x.getRank())
    return emitOptionalError(loc, "conv input ", formatShape(x.getShape()),
                             " and weight ", formatShape(w.getShape()),
                             " must have the same rank >= 3");
  if (x.getElementType() != w.getElementType())
    return emitOptionalError(loc, "input and weight element types differ");
  int64_t group = adaptor.getGroup();
  int64_t c = x.getDimSize(1), f = w.getDimSize(0), cg = w.getDimSize(1);
  if (group < 1)
    return emitOptionalError(loc, "group must be >= 1, got ", group);
  if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(cg) &&
      c != cg * group)
    return emitOptionalError(loc, "input has ", c, " channels but weight ",
                             formatShape(w.getShape()), " with group ", group,
                             " expects ", cg * group);
  if (!ShapedType::isDynamic(f) && f % group != 0)
    return emitOptionalError(loc, "output channels ", f,
                             " are not divisible by group ", group);
  if (Value bias = adaptor.getBias()) {
    auto b = rankedOf(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != f ||
        b.getElementType() != x.getElementType())
      return emitOptionalError(loc, "bias must be a 1-d tensor of ", f,
                               " elements of the input's type");
  }
  SmallVector<int64_t> shape = {x.getDimSize(0), f};
  if (failed(inferWindowOutput(loc, x.getShape().drop_front(2),
                               w.getShape().drop_front(2), adaptor.getStrides(),
                               adaptor.getDilations(), adaptor.getPads(),
                               /*ceilMode=*/false, shape)))
    return failure();
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

static LogicalResult inferPool(std::optional<Location> loc, Value input,
                               ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations, ArrayRef<int64_t> pads,
                               bool ceilMode, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(input);
  if (x.getRank() < 3)
    return emitOptionalError(loc, "pooling input must have rank >= 3, got ",
                             formatShape(x.getShape()));
  SmallVector<int64_t> shape = {x.getDimSize(0), x.getDimSize(1)};
  if (failed(inferWindowOutput(loc, x.getShape().drop_front(2), kernel,
                               strides, dilations, pads, ceilMode, shape)))
    return failure();
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &types) {
  return inferPool(loc, a.getInput(), a.getKernelShape(), a.getStrides(),
                   a.getDilations(), a.getPads(), a.getCeilMode(), types);
}

LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &types) {
  return inferPool(loc, a.getInput(), a.getKernelShape(), a.getStrides(),
                   a.getDilations(), a.getPads(), a.getCeilMode(), types);
}

//===----------------------------------------------------------------------===//
// Normalizations and softmax
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  if (x.getRank() < 2)
    return emitOptionalError(loc, "batch_norm input must have rank >= 2");
  int64_t c = x.getDimSize(1);
  for (Value p : {a.getScale(), a.getBias(), a.getMean(), a.getVariance()}) {
    auto t = rankedOf(p);
    if (t.getRank() != 1 || t.getDimSize(0) != c ||
        t.getElementType() != x.getElementType())
      return emitOptionalError(loc, "batch_norm parameters must be 1-d tensors of ",
                               c, " elements of the input's type, got ", t);
  }
  types.push_back(x);
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  auto axis = normalizeAxis(loc, a.getAxis(), x.getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized = x.getShape().drop_front(*axis);
  for (Value p : {a.getScale(), a.getBias()}) {
    auto t = rankedOf(p);
    auto b = broadcastShapes(normalized, t.getShape());
    if (t.getElementType() != x.getElementType() || failed(b) ||
        ArrayRef<int64_t>(*b) != normalized)
      return emitOptionalError(loc, "layer_norm scale/bias ", t,
                               " must broadcast to the normalized shape ",
                               formatShape(normalized));
  }
  types.push_back(x);
  return success();
}

LogicalResult SoftmaxOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  if (failed(normalizeAxis(loc, a.getAxis(), x.getRank())))
    return failure();
  types.push_back(x);
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static LogicalResult inferReduce(std::optional<Location> loc, Value input,
                                 ArrayRef<int64_t> axes, bool keepdims,
                                 SmallVectorImpl<Type> &types) {
  auto x = rankedOf(input);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    if (axis < 0 || axis >= x.getRank())
      return emitOptionalError(loc, "reduction axis ", axis,
                               " is out of range for rank ", x.getRank());
    if (i > 0 && axes[i - 1] >= axis)
      return emitOptionalError(loc, "reduction axes must be sorted and unique");
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < x.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      shape.push_back(x.getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

#define KILN_REDUCE(OP)                                                        \
  LogicalResult OP::inferReturnTypes(MLIRContext *, std::optional<Location> loc, \
                                     Adaptor a, SmallVectorImpl<Type> &types) { \
    return inferReduce(loc, a.getInput(), a.getAxes(), a.getKeepdims(), types); \
  }
KILN_REDUCE(ReduceSumOp)
KILN_REDUCE(ReduceMeanOp)
KILN_REDUCE(ReduceMaxOp)
KILN_REDUCE(ReduceMinOp)
KILN_REDUCE(ReduceProdOp)
#undef KILN_REDUCE

static LogicalResult inferArgReduce(MLIRContext *ctx, std::optional<Location> loc,
                                    Value input, int64_t axis, bool keepdims,
                                    SmallVectorImpl<Type> &types) {
  auto x = rankedOf(input);
  if (axis < 0 || axis >= x.getRank())
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             x.getRank());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < x.getRank(); ++d) {
    if (d != axis)
      shape.push_back(x.getDimSize(d));
    else if (keepdims)
      shape.push_back(1);
  }
  types.push_back(tensorOf(shape, IntegerType::get(ctx, 64)));
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, a.getInput(), a.getAxis(), a.getKeepdims(),
                        types);
}

LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &types) {
  return inferArgReduce(ctx, loc, a.getInput(), a.getAxis(), a.getKeepdims(),
                        types);
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  ArrayRef<int64_t> perm = a.getPerm();
  if (static_cast<int64_t>(perm.size()) != x.getRank())
    return emitOptionalError(loc, "perm has ", perm.size(),
                             " entries for an input of rank ", x.getRank());
  llvm::SmallSet<int64_t, 8> seen;
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= x.getRank() || !seen.insert(p).second)
      return emitOptionalError(loc, "perm is not a permutation of 0..",
                               x.getRank() - 1);
    shape.push_back(x.getDimSize(p));
  }
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  // -1: a dynamic dim, sized by the dims it regroups (getReshapeGroups).
  SmallVector<int64_t> shape(a.getShape());
  for (int64_t &d : shape) {
    if (d < -1)
      return emitOptionalError(loc, "reshape target ", formatShape(a.getShape()),
                               " has a negative dim");
    if (d == -1)
      d = ShapedType::kDynamic;
  }
  if (!x.hasStaticShape() || llvm::is_contained(shape, ShapedType::kDynamic)) {
    auto target = tensorOf(shape, x.getElementType());
    if (!getReshapeGroups(x, target))
      return emitOptionalError(loc, "cannot reshape ", formatShape(x.getShape()),
                               " to ", formatShape(shape),
                               ": each dynamic dim must map to one group of "
                               "dims of the other shape");
    types.push_back(target);
    return success();
  }
  {
    int64_t in = x.getNumElements();
    int64_t out = 1;
    for (int64_t d : shape)
      out *= d;
    if (in != out)
      return emitOptionalError(loc, "cannot reshape ", formatShape(x.getShape()),
                               " (", in, " elements) to ", formatShape(shape),
                               " (", out, " elements)");
  }
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  // A negative target dim would broadcast against a 1 into an invalid type.
  if (llvm::any_of(a.getShape(), [](int64_t d) { return d < 0; }))
    return emitOptionalError(loc, "expand target ", formatShape(a.getShape()),
                             " must be non-negative");
  auto shape = broadcastShapes(x.getShape(), a.getShape());
  if (failed(shape))
    return emitOptionalError(loc, "cannot expand ", formatShape(x.getShape()),
                             " to ", formatShape(a.getShape()));
  types.push_back(tensorOf(*shape, x.getElementType()));
  return success();
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  ArrayRef<int64_t> offsets = a.getOffsets(), sizes = a.getSizes(),
                    strides = a.getStrides();
  if (static_cast<int64_t>(offsets.size()) != x.getRank() ||
      sizes.size() != offsets.size() || strides.size() != offsets.size())
    return emitOptionalError(loc, "slice needs one offset, size and stride per dim");
  SmallVector<int64_t> shape(sizes);
  for (int64_t d = 0; d < x.getRank(); ++d) {
    int64_t dim = x.getDimSize(d);
    // -1: all of a dynamic dim.
    if (sizes[d] == -1 && ShapedType::isDynamic(dim) && offsets[d] == 0 &&
        strides[d] == 1) {
      shape[d] = ShapedType::kDynamic;
      continue;
    }
    if (strides[d] == 0 || sizes[d] < 0)
      return emitOptionalError(loc, "slice strides must be non-zero and sizes >= 0");
    if (sizes[d] == 0 || ShapedType::isDynamic(dim))
      continue;
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    if (offsets[d] < 0 || offsets[d] >= dim || last < 0 || last >= dim)
      return emitOptionalError(loc, "slice of dim ", d, " (size ", dim,
                               ") reads out of bounds: offset ", offsets[d],
                               ", size ", sizes[d], ", stride ", strides[d]);
  }
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  auto idx = rankedOf(a.getIndices());
  int64_t axis = a.getAxis();
  if (axis < 0 || axis >= x.getRank())
    return emitOptionalError(loc, "gather axis ", axis,
                             " is out of range for rank ", x.getRank());
  SmallVector<int64_t> shape(x.getShape().take_front(axis));
  llvm::append_range(shape, idx.getShape());
  llvm::append_range(shape, x.getShape().drop_front(axis + 1));
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor a, SmallVectorImpl<Type> &types) {
  if (a.getInputs().empty())
    return emitOptionalError(loc, "concat needs at least one input");
  auto first = rankedOf(a.getInputs().front());
  int64_t axis = a.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(loc, "concat axis ", axis,
                             " is out of range for rank ", first.getRank());
  SmallVector<int64_t> shape(first.getShape());
  for (Value v : a.getInputs().drop_front()) {
    auto t = rankedOf(v);
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return emitOptionalError(loc, "concat inputs must share rank and element type");
    for (int64_t d = 0; d < t.getRank(); ++d) {
      if (d == axis) {
        if (ShapedType::isDynamic(shape[d]) || t.isDynamicDim(d))
          shape[d] = ShapedType::kDynamic;
        else
          shape[d] += t.getDimSize(d);
      } else if (t.getDimSize(d) != shape[d] && !t.isDynamicDim(d) &&
                 !ShapedType::isDynamic(shape[d])) {
        return emitOptionalError(loc, "concat inputs ", formatShape(first.getShape()),
                                 " and ", formatShape(t.getShape()),
                                 " differ outside axis ", axis);
      }
    }
  }
  types.push_back(tensorOf(shape, first.getElementType()));
  return success();
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor a, SmallVectorImpl<Type> &types) {
  auto x = rankedOf(a.getInput());
  ArrayRef<int64_t> pads = a.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * x.getRank())
    return emitOptionalError(loc, "pad needs ", 2 * x.getRank(),
                             " pads, got ", pads.size());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < x.getRank(); ++d) {
    int64_t lo = pads[d], hi = pads[d + x.getRank()];
    if (lo < 0 || hi < 0)
      return emitOptionalError(loc, "pads must be non-negative");
    int64_t dim = x.getDimSize(d);
    if ((lo > 0 || hi > 0) && a.getMode() == PadMode::reflect &&
        !ShapedType::isDynamic(dim) && (lo >= dim || hi >= dim))
      return emitOptionalError(loc, "reflect pads must be smaller than the dim");
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim + lo + hi);
  }
  types.push_back(tensorOf(shape, x.getElementType()));
  return success();
}
