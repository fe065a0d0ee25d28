//===- Pooling.cpp - kiln max_pool / avg_pool -> linalg pooling -----------===//
//
// Pad (max: -inf or the smallest integer, so padding never wins; avg: 0),
// then linalg.pooling_nc[h]w_{max,sum} with a window tensor.empty; 3-D and
// unsigned max pooling use the same computation as a linalg.generic.
// The end padding is whatever makes the last window of the kiln op's
// inferred output fit (ceil_mode). avg_pool then divides by the number of
// window positions inside the input (count_include_pad=0) or inside the
// input plus its explicit pads (count_include_pad=1); both counts are
// separable per spatial dim and computed at compile time.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "dialects/Kiln/IR/KilnFoldBudget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

enum class PoolKind { Max, Sum };

struct PoolParams {
  SmallVector<int64_t> kernel, strides, dilations, padsLow, padsHigh;
};

/// Attributes of a kiln pooling op, with the end padding widened or narrowed
/// to exactly what the inferred output size reads.
template <typename OpTy> PoolParams getPoolParams(OpTy op) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t spatial = inputType.getRank() - 2;
  PoolParams p;
  p.kernel = llvm::to_vector(op.getKernelShape());
  p.strides = llvm::to_vector(op.getStrides());
  p.dilations = llvm::to_vector(op.getDilations());
  p.padsLow = llvm::to_vector(op.getPads().take_front(spatial));
  for (int64_t i = 0; i < spatial; ++i) {
    // A dynamic dim: the explicit end padding, plus what a ceil_mode window
    // may read past it (stride - 1; max pooling only, avg_pool over a
    // dynamic dim has no ceil_mode, checked up front).
    if (resultType.isDynamicDim(i + 2) || inputType.isDynamicDim(i + 2)) {
      p.padsHigh.push_back(op.getPads()[i + spatial] +
                           (op.getCeilMode() ? p.strides[i] - 1 : 0));
      continue;
    }
    int64_t span = p.dilations[i] * (p.kernel[i] - 1) + 1;
    int64_t needed = (resultType.getDimSize(i + 2) - 1) * p.strides[i] + span;
    int64_t available = inputType.getDimSize(i + 2) + p.padsLow[i];
    p.padsHigh.push_back(std::max<int64_t>(0, needed - available));
  }
  return p;
}

/// The pooling computation as a linalg.generic, for any number of spatial
/// dims: loops (n, c, o..., k...) reading input[n, c, o*s + k*d].
Value buildPoolingGeneric(OpBuilder &b, Location loc, Value input, Value window,
                          Value init, const PoolParams &p, PoolKind kind,
                          bool isUnsigned) {
  MLIRContext *ctx = b.getContext();
  auto initType = cast<RankedTensorType>(init.getType());
  unsigned spatial = p.kernel.size();
  unsigned numLoops = 2 + 2 * spatial;
  SmallVector<AffineExpr> inputExprs = {getAffineDimExpr(0, ctx),
                                        getAffineDimExpr(1, ctx)};
  SmallVector<AffineExpr> windowExprs, outputExprs = inputExprs;
  SmallVector<utils::IteratorType> iterators = parallelIterators(numLoops);
  for (unsigned i = 0; i < spatial; ++i) {
    AffineExpr out = getAffineDimExpr(2 + i, ctx);
    AffineExpr win = getAffineDimExpr(2 + spatial + i, ctx);
    inputExprs.push_back(out * p.strides[i] + win * p.dilations[i]);
    windowExprs.push_back(win);
    outputExprs.push_back(out);
    iterators[2 + spatial + i] = utils::IteratorType::reduction;
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inputExprs, ctx),
                                 AffineMap::get(numLoops, 0, windowExprs, ctx),
                                 AffineMap::get(numLoops, 0, outputExprs, ctx)};
  bool isF = isa<FloatType>(initType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{initType}, ValueRange{input, window}, ValueRange{init},
      maps, iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value in = args[0], acc = args[2], r;
        if (kind == PoolKind::Sum)
          r = isF ? Value(arith::AddFOp::create(nb, nloc, acc, in))
                  : Value(arith::AddIOp::create(nb, nloc, acc, in));
        else if (isF)
          r = arith::MaximumFOp::create(nb, nloc, acc, in);
        else if (isUnsigned)
          r = arith::MaxUIOp::create(nb, nloc, acc, in);
        else
          r = arith::MaxSIOp::create(nb, nloc, acc, in);
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

/// Pads `input`, then pools it into `init` with named ops for 1-D/2-D
/// (signed or float) and a generic otherwise.
Value buildPooling(OpBuilder &b, Location loc, Value input, Value padValue,
                   Value init, const PoolParams &p, PoolKind kind,
                   bool isUnsigned) {
  auto initType = cast<RankedTensorType>(init.getType());
  Type elementType = initType.getElementType();
  SmallVector<int64_t> low = {0, 0}, high = {0, 0};
  llvm::append_range(low, p.padsLow);
  llvm::append_range(high, p.padsHigh);
  Value padded = padConstant(b, loc, input, low, high, padValue);
  Value window = createEmpty(b, loc, p.kernel, elementType);
  size_t spatial = p.kernel.size();
  if (spatial > 2 || (kind == PoolKind::Max && isUnsigned))
    return buildPoolingGeneric(b, loc, padded, window, init, p, kind,
                               isUnsigned);
  DenseIntElementsAttr strides = getI64VectorAttr(b, p.strides);
  DenseIntElementsAttr dilations = getI64VectorAttr(b, p.dilations);
  SmallVector<Value> ins = {padded, window};
  SmallVector<Type> types = {initType};
  if (spatial == 2 && kind == PoolKind::Max)
    return linalg::PoolingNchwMaxOp::create(b, loc, types, ins, init, strides,
                                            dilations)
        .getResult(0);
  if (spatial == 2)
    return linalg::PoolingNchwSumOp::create(b, loc, types, ins, init, strides,
                                            dilations)
        .getResult(0);
  if (kind == PoolKind::Max)
    return linalg::PoolingNcwMaxOp::create(b, loc, types, ins, init, strides,
                                           dilations)
        .getResult(0);
  return linalg::PoolingNcwSumOp::create(b, loc, types, ins, init, strides,
                                         dilations)
      .getResult(0);
}

class MaxPoolOpLowering : public KilnLowering<MaxPoolOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(MaxPoolOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Type kilnType = getElementTypeOrSelf(op.getInput().getType());
    Value lowest = createLowest(rewriter, loc, kilnType);
    FailureOr<SmallVector<Value>> dynamicSizes =
        getDynamicResultSizes(rewriter, op);
    if (failed(dynamicSizes))
      return rewriter.notifyMatchFailure(op, "unknown result sizes");
    Value init = createFilled(rewriter, loc, resultType.getShape(), lowest,
                              *dynamicSizes);
    Value result =
        buildPooling(rewriter, loc, adaptor.getInput(), lowest, init,
                     getPoolParams(op), PoolKind::Max, isUnsignedInt(kilnType));
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// For each output position of one spatial dim, how many window taps fall
/// in [begin, end) of the unpadded input's coordinates (at least 1, so an
/// all-padding window divides by 1 instead of 0).
SmallVector<int64_t> countTaps(int64_t outSize, int64_t kernel, int64_t stride,
                               int64_t dilation, int64_t padLow, int64_t begin,
                               int64_t end) {
  SmallVector<int64_t> counts;
  for (int64_t o = 0; o < outSize; ++o) {
    int64_t count = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t pos = o * stride - padLow + k * dilation;
      count += pos >= begin && pos < end;
    }
    counts.push_back(std::max<int64_t>(count, 1));
  }
  return counts;
}

class AvgPoolOpLowering : public KilnLowering<AvgPoolOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(AvgPoolOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    Type elementType = resultType.getElementType();
    ArrayRef<int64_t> shape = resultType.getShape();
    int64_t spatial = shape.size() - 2;
    PoolParams p = getPoolParams(op);
    Value zero = createScalar(rewriter, loc, elementType, 0.0);
    FailureOr<SmallVector<Value>> dynamicSizes =
        getDynamicResultSizes(rewriter, op);
    if (failed(dynamicSizes))
      return rewriter.notifyMatchFailure(op, "unknown result sizes");
    Value init = createFilled(rewriter, loc, shape, zero, *dynamicSizes);
    Value sum = buildPooling(rewriter, loc, adaptor.getInput(), zero, init, p,
                             PoolKind::Sum, /*isUnsigned=*/false);

    // The divisor is a product of per-dim tap counts: a constant factor for
    // dims where every window has the same count, a 1-D constant otherwise.
    ArrayRef<int64_t> explicitHigh = op.getPads().drop_front(spatial);
    double uniform = 1.0;
    SmallVector<Value> inputs = {sum};
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(shape.size())};
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t inSize = inputType.getDimSize(i + 2);
      if (ShapedType::isDynamic(inSize)) {
        // Unpadded windows over a dynamic dim (checked up front): all full.
        uniform *= p.kernel[i];
        continue;
      }
      int64_t begin = op.getCountIncludePad() ? -p.padsLow[i] : 0;
      int64_t end = op.getCountIncludePad() ? inSize + explicitHigh[i] : inSize;
      SmallVector<int64_t> counts =
          countTaps(shape[i + 2], p.kernel[i], p.strides[i], p.dilations[i],
                    p.padsLow[i], begin, end);
      if (llvm::all_equal(counts)) {
        uniform *= counts.front();
        continue;
      }
      SmallVector<Attribute> values;
      for (int64_t c : counts)
        values.push_back(rewriter.getFloatAttr(elementType, c));
      auto countType = RankedTensorType::get({shape[i + 2]}, elementType);
      inputs.push_back(arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(countType, values)));
      maps.push_back(
          AffineMap::get(shape.size(), 0, rewriter.getAffineDimExpr(i + 2)));
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(shape.size()));
    Value empty = createEmpty(rewriter, loc, shape, elementType, *dynamicSizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, inputs, ValueRange{empty}, maps,
        parallelIterators(shape.size()),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value divisor = createScalar(b, nloc, elementType, uniform);
          for (Value count : args.slice(1, inputs.size() - 1))
            divisor = arith::MulFOp::create(b, nloc, divisor, count);
          linalg::YieldOp::create(
              b, nloc,
              arith::DivFOp::create(b, nloc, args[0], divisor).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

std::optional<std::string>
lowering::getPoolingUnsupportedReason(Operation *op) {
  if (!isa<MaxPoolOp, AvgPoolOp>(op))
    return std::nullopt;
  std::string name = op->getName().getStringRef().str();
  auto inputType = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t spatial = inputType.getRank() - 2;
  if (spatial < 1 || spatial > 3)
    return name + " with " + std::to_string(spatial) +
           " spatial dims is not supported (1-D, 2-D and 3-D are)";
  if (isa<AvgPoolOp>(op) && !isa<FloatType>(inputType.getElementType())) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << name << " on " << inputType.getElementType()
       << " tensors is not supported (floating-point only)";
    return s;
  }
  if (auto avg = dyn_cast<AvgPoolOp>(op)) {
    ArrayRef<int64_t> pads = avg.getPads();
    auto resultType = cast<RankedTensorType>(avg.getType());
    for (int64_t i = 0; i < spatial; ++i) {
      // The divisor of a padded window over a dynamic dim depends on the
      // run-time size.
      if (inputType.isDynamicDim(i + 2)) {
        if (pads[i] != 0 || pads[i + spatial] != 0 || avg.getCeilMode())
          return name + " with padding or ceil_mode over a dynamic spatial "
                        "dim is not supported yet";
        continue;
      }
      // The divisor tables are planned at compile time, one count per
      // output position of a dim and kernel tap: keep that within the
      // folding budget (a model can name a 10^12-element input in a few
      // bytes).
      int64_t outSize = resultType.getDimSize(i + 2);
      int64_t kernel = std::max<int64_t>(avg.getKernelShape()[i], 1);
      if (outSize > kFoldMaxWork / kernel)
        return name + " with " + std::to_string(outSize) +
               " output positions and a kernel of " + std::to_string(kernel) +
               " in one dim is too large to plan at compile time";
    }
  }
  return std::nullopt;
}

void lowering::populatePoolingPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<MaxPoolOpLowering, AvgPoolOpLowering>(converter,
                                                     patterns.getContext());
}
