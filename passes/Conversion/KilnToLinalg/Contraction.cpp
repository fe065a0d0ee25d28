//===- Contraction.cpp - kiln matmul and conv -> linalg named ops ---------===//
//
// matmul: linalg.matmul / linalg.batch_matmul, with batch dims collapsed to
// one and broadcast batches either folded into M (2-D rhs, the transformer
// case) or materialized with linalg.broadcast.
// conv: tensor.pad + linalg.conv_2d_nchw_fchw / depthwise_conv_2d_nchw_chw /
// conv_2d_ngchw_gfchw (1-D convs run as 2-D with H = 1), conv_3d /
// depthwise_conv_3d for 3-D and a generic grouped 3-D conv;
// the bias is broadcast into the init so the conv accumulates onto it.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <numeric>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

static int64_t product(ArrayRef<int64_t> values) {
  return std::accumulate(values.begin(), values.end(), int64_t(1),
                         std::multiplies<int64_t>());
}

static SmallVector<int64_t> concat(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  SmallVector<int64_t> result(a);
  llvm::append_range(result, b);
  return result;
}

namespace {

//===----------------------------------------------------------------------===//
// MatMul
//===----------------------------------------------------------------------===//

class MatMulOpLowering : public KilnLowering<MatMulOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(MatMulOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    if (!resultType.hasStaticShape() ||
        !cast<RankedTensorType>(lhs.getType()).hasStaticShape() ||
        !cast<RankedTensorType>(rhs.getType()).hasStaticShape())
      return lowerDynamic(op, lhs, rhs, resultType, rewriter);
    ArrayRef<int64_t> lhsShape =
        cast<RankedTensorType>(lhs.getType()).getShape();
    ArrayRef<int64_t> rhsShape =
        cast<RankedTensorType>(rhs.getType()).getShape();
    ArrayRef<int64_t> resultShape = resultType.getShape();
    Type elementType = resultType.getElementType();
    int64_t m = lhsShape[lhsShape.size() - 2], k = lhsShape.back();
    int64_t n = rhsShape.back();
    ArrayRef<int64_t> batch = resultShape.drop_back(2);
    int64_t batchSize = product(batch);
    // Integer matmuls accumulate in the element type, as ONNX MatMul.
    Value zero = createScalar(rewriter, loc, elementType, 0.0);

    Value result;
    if (product(rhsShape.drop_back(2)) == 1) {
      // No rhs batch (the transformer case 4x128x64 by 64x32): the lhs
      // batch folds into M and one linalg.matmul does it all.
      Value lhs2 = reshapeTo(rewriter, loc, lhs, {batchSize * m, k});
      Value rhs2 = reshapeTo(rewriter, loc, rhs, {k, n});
      Value init = createFilled(rewriter, loc, {batchSize * m, n}, zero);
      result = linalg::MatmulOp::create(rewriter, loc, ValueRange{lhs2, rhs2},
                                        ValueRange{init})
                   .getResult(0);
    } else {
      // Broadcast whichever operand lacks batch dims, then one
      // batch_matmul over the collapsed batch.
      Value lhs3 = reshapeTo(
          rewriter, loc, broadcastTo(rewriter, loc, lhs, concat(batch, {m, k})),
          {batchSize, m, k});
      Value rhs3 = reshapeTo(
          rewriter, loc, broadcastTo(rewriter, loc, rhs, concat(batch, {k, n})),
          {batchSize, k, n});
      Value init = createFilled(rewriter, loc, {batchSize, m, n}, zero);
      result = linalg::BatchMatmulOp::create(
                   rewriter, loc, ValueRange{lhs3, rhs3}, ValueRange{init})
                   .getResult(0);
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, result, resultShape));
    return success();
  }

  /// Dynamic dims: the batch dims of both operands match one to one (a
  /// dynamic batch dim is never broadcast) or rhs has none (folded into M).
  LogicalResult lowerDynamic(MatMulOp op, Value lhs, Value rhs,
                             RankedTensorType resultType,
                             ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    int64_t lhsRank = lhsType.getRank(), rhsRank = rhsType.getRank();
    Type elementType = resultType.getElementType();
    Value zero = createScalar(rewriter, loc, elementType, 0.0);
    FailureOr<SmallVector<OpFoldResult>> resultSizes =
        reifyKilnResultSizes(rewriter, op);
    if (failed(resultSizes))
      return rewriter.notifyMatchFailure(op, "unknown result sizes");
    OpFoldResult k = getDimSize(rewriter, loc, lhs, lhsRank - 1);
    OpFoldResult n = getDimSize(rewriter, loc, rhs, rhsRank - 1);

    auto flatten = [&](Value v, int64_t keep) -> FailureOr<Value> {
      // Collapses all leading dims of `v` but the last `keep` into one.
      auto type = cast<RankedTensorType>(v.getType());
      int64_t lead = type.getRank() - keep;
      if (lead == 1)
        return v;
      SmallVector<ReassociationIndices> groups(1);
      for (int64_t d = 0; d < lead; ++d)
        groups.front().push_back(d);
      for (int64_t d = lead; d < type.getRank(); ++d)
        groups.push_back({d});
      if (lead == 0) {
        groups.erase(groups.begin());
        SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
        llvm::append_range(sizes, getMixedShape(rewriter, loc, v));
        return reshapeToSizes(rewriter, loc, v, sizes);
      }
      return tensor::CollapseShapeOp::create(rewriter, loc, v, groups)
          .getResult();
    };

    bool rhsUnbatched =
        rhsRank == 2 || llvm::all_of(rhsType.getShape().drop_back(2),
                                     [](int64_t d) { return d == 1; });
    Value result;
    if (rhsUnbatched) {
      FailureOr<Value> lhs2 = flatten(lhs, 1);
      FailureOr<Value> rhs2 = reshapeToSizes(rewriter, loc, rhs, {k, n});
      if (failed(lhs2) || failed(rhs2))
        return rewriter.notifyMatchFailure(op, "cannot flatten operands");
      OpFoldResult m = getDimSize(rewriter, loc, *lhs2, 0);
      SmallVector<OpFoldResult> initSizes = {m, n};
      Value init = createFilled(rewriter, loc, getStaticShape(initSizes), zero,
                                getDynamicValues(rewriter, loc, initSizes));
      result = linalg::MatmulOp::create(rewriter, loc, ValueRange{*lhs2, *rhs2},
                                        ValueRange{init})
                   .getResult(0);
    } else {
      if (lhsRank != rhsRank)
        return rewriter.notifyMatchFailure(op, "broadcast batch dims");
      for (int64_t d = 0; d < lhsRank - 2; ++d)
        if (lhsType.getDimSize(d) != rhsType.getDimSize(d))
          return rewriter.notifyMatchFailure(op, "broadcast batch dims");
      FailureOr<Value> lhs3 = flatten(lhs, 2), rhs3 = flatten(rhs, 2);
      if (failed(lhs3) || failed(rhs3))
        return rewriter.notifyMatchFailure(op, "cannot flatten operands");
      SmallVector<OpFoldResult> initSizes = {
          getDimSize(rewriter, loc, *lhs3, 0),
          getDimSize(rewriter, loc, *lhs3, 1), n};
      Value init = createFilled(rewriter, loc, getStaticShape(initSizes), zero,
                                getDynamicValues(rewriter, loc, initSizes));
      result = linalg::BatchMatmulOp::create(
                   rewriter, loc, ValueRange{*lhs3, *rhs3}, ValueRange{init})
                   .getResult(0);
    }
    // Expand the flattened leading dim back into the result's.
    int64_t resultRank = resultType.getRank();
    int64_t kept = rhsUnbatched ? 1 : 2;
    if (cast<RankedTensorType>(result.getType()).getRank() == resultRank) {
      rewriter.replaceOp(op, result);
      return success();
    }
    SmallVector<ReassociationIndices> groups(1);
    for (int64_t d = 0; d < resultRank - kept; ++d)
      groups.front().push_back(d);
    for (int64_t d = resultRank - kept; d < resultRank; ++d)
      groups.push_back({d});
    rewriter.replaceOp(op, tensor::ExpandShapeOp::create(
                               rewriter, loc, resultType, result, groups,
                               *resultSizes));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Conv
//===----------------------------------------------------------------------===//

/// The parts of a kiln.conv the builders below need, for 2 or 3 spatial
/// dims (1-D convs are rewritten into 2-D ones first).
struct ConvParams {
  Value input, weight, bias; // bias may be null
  SmallVector<int64_t> strides, dilations, padsLow, padsHigh;
  int64_t group;
  RankedTensorType resultType;
  ValueRange resultDynamicSizes; // the dynamic dims of resultType
};

/// Splits dim `dim` of `v` into [parts, size / parts] (expand_shape).
Value splitDim(OpBuilder &b, Location loc, Value v, int64_t dim,
               int64_t parts) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    OpFoldResult size = getDimSize(b, loc, v, d);
    if (d != dim) {
      groups.push_back({int64_t(sizes.size())});
      sizes.push_back(size);
      continue;
    }
    groups.push_back({int64_t(sizes.size()), int64_t(sizes.size()) + 1});
    sizes.push_back(b.getIndexAttr(parts));
    sizes.push_back(b.getIndexAttr(type.getDimSize(d) / parts));
  }
  auto resultType =
      RankedTensorType::get(getStaticShape(sizes), type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, v, groups, sizes);
}

/// Merges dims `dim` and `dim + 1` of `v` (collapse_shape).
Value mergeDims(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == dim + 1)
      continue;
    groups.push_back(d == dim ? ReassociationIndices{d, d + 1}
                              : ReassociationIndices{d});
  }
  return tensor::CollapseShapeOp::create(b, loc, v, groups);
}

/// Inserts a unit dim at position `dim` of `v` (rank >= 1): it joins the
/// group of the source dim now after it (or before it, at the end).
Value insertUnitDim(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = getMixedShape(b, loc, v);
  sizes.insert(sizes.begin() + dim, b.getIndexAttr(1));
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d)
    groups.push_back({d + (d >= dim ? 1 : 0)});
  if (dim < rank)
    groups[dim].insert(groups[dim].begin(), dim);
  else
    groups.back().push_back(dim);
  auto resultType =
      RankedTensorType::get(getStaticShape(sizes), type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, resultType, v, groups, sizes);
}

/// The conv's init: zeros, or the bias broadcast along dim 1 so the conv
/// accumulates onto it.
Value createConvInit(OpBuilder &b, Location loc, const ConvParams &p) {
  ArrayRef<int64_t> shape = p.resultType.getShape();
  Type elementType = p.resultType.getElementType();
  if (!p.bias)
    return createFilled(b, loc, shape, createScalar(b, loc, elementType, 0.0),
                        p.resultDynamicSizes);
  SmallVector<int64_t> dims = {0};
  for (int64_t d = 2, e = shape.size(); d < e; ++d)
    dims.push_back(d);
  Value init = createEmpty(b, loc, shape, elementType, p.resultDynamicSizes);
  return linalg::BroadcastOp::create(b, loc, p.bias, init, dims).getResult()[0];
}

/// Whether the conv is depthwise with multiplier 1 (weight [C, 1, k...]).
bool isDepthwise(const ConvParams &p) {
  auto inputShape = cast<RankedTensorType>(p.input.getType()).getShape();
  auto weightShape = cast<RankedTensorType>(p.weight.getType()).getShape();
  return p.group > 1 && p.group == inputShape[1] && p.group == weightShape[0] &&
         weightShape[1] == 1;
}

/// Weight [C, 1, k...] -> [C, k...] for linalg's depthwise ops.
Value collapseDepthwiseWeight(OpBuilder &b, Location loc, Value weight) {
  auto shape = cast<RankedTensorType>(weight.getType()).getShape();
  SmallVector<int64_t> collapsed = {shape[0]};
  llvm::append_range(collapsed, shape.drop_front(2));
  return reshapeTo(b, loc, weight, collapsed);
}

Value buildConv2D(OpBuilder &b, Location loc, const ConvParams &p) {
  Value input = padConstant(
      b, loc, p.input, concat({0, 0}, p.padsLow), concat({0, 0}, p.padsHigh),
      createScalar(b, loc, p.resultType.getElementType(), 0.0));
  Value init = createConvInit(b, loc, p);
  DenseIntElementsAttr strides = getI64VectorAttr(b, p.strides);
  DenseIntElementsAttr dilations = getI64VectorAttr(b, p.dilations);
  if (p.group == 1)
    return linalg::Conv2DNchwFchwOp::create(
               b, loc, TypeRange{p.resultType}, ValueRange{input, p.weight},
               ValueRange{init}, strides, dilations)
        .getResult(0);
  if (isDepthwise(p))
    return linalg::DepthwiseConv2DNchwChwOp::create(
               b, loc, TypeRange{p.resultType},
               ValueRange{input, collapseDepthwiseWeight(b, loc, p.weight)},
               ValueRange{init}, strides, dilations)
        .getResult(0);

  // Grouped: split the channel dims into [G, C/G] and run the ngchw form.
  if (!p.resultType.hasStaticShape()) {
    Value groupedInit = splitDim(b, loc, init, 1, p.group);
    Value conv =
        linalg::Conv2DNgchwGfchwOp::create(
            b, loc, TypeRange{groupedInit.getType()},
            ValueRange{splitDim(b, loc, input, 1, p.group),
                       splitDim(b, loc, p.weight, 0, p.group)},
            ValueRange{groupedInit}, strides, dilations)
            .getResult(0);
    return mergeDims(b, loc, conv, 1);
  }
  ArrayRef<int64_t> x = cast<RankedTensorType>(input.getType()).getShape();
  ArrayRef<int64_t> w = cast<RankedTensorType>(p.weight.getType()).getShape();
  ArrayRef<int64_t> o = p.resultType.getShape();
  int64_t g = p.group;
  Value groupedInput =
      reshapeTo(b, loc, input, {x[0], g, x[1] / g, x[2], x[3]});
  Value groupedWeight =
      reshapeTo(b, loc, p.weight, {g, w[0] / g, w[1], w[2], w[3]});
  SmallVector<int64_t> groupedShape = {o[0], g, o[1] / g, o[2], o[3]};
  Value groupedInit = reshapeTo(b, loc, init, groupedShape);
  Value conv = linalg::Conv2DNgchwGfchwOp::create(
                   b, loc,
                   TypeRange{RankedTensorType::get(
                       groupedShape, p.resultType.getElementType())},
                   ValueRange{groupedInput, groupedWeight},
                   ValueRange{groupedInit}, strides, dilations)
                   .getResult(0);
  return reshapeTo(b, loc, conv, o);
}

/// A grouped 3-D convolution as the linalg.generic a conv_3d_ngcdhw_gfcdhw
/// named op would generalize to (linalg has no such named op): input
/// [N, G, C/G, D, H, W], weight [G, F/G, C/G, kd, kh, kw], output
/// [N, G, F/G, OD, OH, OW]; loops (n, g, f, od, oh, ow, c, kd, kh, kw). The
/// CPU tiling recognizes it as a convolution through its loop structure,
/// like the named ops.
Value buildGroupedConv3D(OpBuilder &b, Location loc, const ConvParams &p,
                         Value input, Value init) {
  ArrayRef<int64_t> x = cast<RankedTensorType>(input.getType()).getShape();
  ArrayRef<int64_t> w = cast<RankedTensorType>(p.weight.getType()).getShape();
  ArrayRef<int64_t> o = p.resultType.getShape();
  int64_t g = p.group;
  Value groupedInput =
      reshapeTo(b, loc, input, {x[0], g, x[1] / g, x[2], x[3], x[4]});
  Value groupedWeight =
      reshapeTo(b, loc, p.weight, {g, w[0] / g, w[1], w[2], w[3], w[4]});
  SmallVector<int64_t> groupedShape = {o[0], g, o[1] / g, o[2], o[3], o[4]};
  Value groupedInit = reshapeTo(b, loc, init, groupedShape);

  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> d;
  for (unsigned i = 0; i < 10; ++i)
    d.push_back(getAffineDimExpr(i, ctx));
  // d0 n, d1 g, d2 f, d3..d5 output window, d6 c, d7..d9 kernel window.
  SmallVector<AffineExpr> inputExprs = {d[0], d[1], d[6]};
  for (unsigned i = 0; i < 3; ++i)
    inputExprs.push_back(d[3 + i] * p.strides[i] + d[7 + i] * p.dilations[i]);
  AffineMap inputMap = AffineMap::get(10, 0, inputExprs, ctx);
  AffineMap weightMap =
      AffineMap::get(10, 0, {d[1], d[2], d[6], d[7], d[8], d[9]}, ctx);
  AffineMap outputMap =
      AffineMap::get(10, 0, {d[0], d[1], d[2], d[3], d[4], d[5]}, ctx);
  SmallVector<utils::IteratorType> iterators = parallelIterators(6);
  iterators.append(4, utils::IteratorType::reduction);
  Value conv =
      linalg::GenericOp::create(
          b, loc, TypeRange{groupedInit.getType()},
          ValueRange{groupedInput, groupedWeight}, ValueRange{groupedInit},
          ArrayRef<AffineMap>{inputMap, weightMap, outputMap}, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value product = arith::MulFOp::create(nb, nloc, args[0], args[1]);
            Value sum = arith::AddFOp::create(nb, nloc, args[2], product);
            linalg::YieldOp::create(nb, nloc, sum);
          })
          .getResult(0);
  return reshapeTo(b, loc, conv, o);
}

Value buildConv3D(OpBuilder &b, Location loc, const ConvParams &p) {
  Value input = padConstant(
      b, loc, p.input, concat({0, 0}, p.padsLow), concat({0, 0}, p.padsHigh),
      createScalar(b, loc, p.resultType.getElementType(), 0.0));
  Value init = createConvInit(b, loc, p);
  DenseIntElementsAttr strides = getI64VectorAttr(b, p.strides);
  DenseIntElementsAttr dilations = getI64VectorAttr(b, p.dilations);
  if (isDepthwise(p))
    return linalg::DepthwiseConv3DNcdhwCdhwOp::create(
               b, loc, TypeRange{p.resultType},
               ValueRange{input, collapseDepthwiseWeight(b, loc, p.weight)},
               ValueRange{init}, strides, dilations)
        .getResult(0);
  if (p.group != 1)
    return buildGroupedConv3D(b, loc, p, input, init);
  return linalg::Conv3DNcdhwFcdhwOp::create(
             b, loc, TypeRange{p.resultType}, ValueRange{input, p.weight},
             ValueRange{init}, strides, dilations)
      .getResult(0);
}

class ConvOpLowering : public KilnLowering<ConvOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ConvOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    int64_t spatial = resultType.getRank() - 2;
    ConvParams p;
    p.input = adaptor.getInput();
    p.weight = adaptor.getWeight();
    p.bias = adaptor.getBias();
    p.strides = llvm::to_vector(op.getStrides());
    p.dilations = llvm::to_vector(op.getDilations());
    p.padsLow = llvm::to_vector(op.getPads().take_front(spatial));
    p.padsHigh = llvm::to_vector(op.getPads().drop_front(spatial));
    p.group = op.getGroup();
    p.resultType = resultType;
    FailureOr<SmallVector<Value>> dynamicSizes =
        getDynamicResultSizes(rewriter, op);
    if (failed(dynamicSizes))
      return rewriter.notifyMatchFailure(op, "unknown result sizes");
    p.resultDynamicSizes = *dynamicSizes;
    if (!resultType.hasStaticShape() && spatial == 3)
      return rewriter.notifyMatchFailure(op, "dynamic 3-D conv");

    Value result;
    if (spatial == 1 && !resultType.hasStaticShape()) {
      // As below, with the unit H dim inserted and dropped by reshapes
      // that carry the dynamic sizes.
      p.input = insertUnitDim(rewriter, loc, p.input, 2);
      p.weight = insertUnitDim(rewriter, loc, p.weight, 2);
      p.strides.insert(p.strides.begin(), 1);
      p.dilations.insert(p.dilations.begin(), 1);
      p.padsLow.insert(p.padsLow.begin(), 0);
      p.padsHigh.insert(p.padsHigh.begin(), 0);
      ArrayRef<int64_t> o = resultType.getShape();
      p.resultType = RankedTensorType::get({o[0], o[1], 1, o[2]},
                                           resultType.getElementType());
      result = tensor::CollapseShapeOp::create(
          rewriter, loc, buildConv2D(rewriter, loc, p),
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    } else if (spatial == 1) {
      // [N, C, W] -> [N, C, 1, W]: the 2-D path (groups, depthwise) covers
      // 1-D convs too.
      auto expandH = [&](Value v) {
        ArrayRef<int64_t> s = cast<RankedTensorType>(v.getType()).getShape();
        return reshapeTo(rewriter, loc, v, {s[0], s[1], 1, s[2]});
      };
      ArrayRef<int64_t> o = resultType.getShape();
      p.input = expandH(p.input);
      p.weight = expandH(p.weight);
      p.strides.insert(p.strides.begin(), 1);
      p.dilations.insert(p.dilations.begin(), 1);
      p.padsLow.insert(p.padsLow.begin(), 0);
      p.padsHigh.insert(p.padsHigh.begin(), 0);
      p.resultType = RankedTensorType::get({o[0], o[1], 1, o[2]},
                                           resultType.getElementType());
      result = reshapeTo(rewriter, loc, buildConv2D(rewriter, loc, p),
                         resultType.getShape());
    } else if (spatial == 2) {
      result = buildConv2D(rewriter, loc, p);
    } else {
      result = buildConv3D(rewriter, loc, p);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

std::optional<std::string>
lowering::getContractionUnsupportedReason(Operation *op) {
  auto conv = dyn_cast<ConvOp>(op);
  if (!conv)
    return std::nullopt;
  auto inputType = cast<RankedTensorType>(conv.getInput().getType());
  auto weightType = cast<RankedTensorType>(conv.getWeight().getType());
  int64_t spatial = inputType.getRank() - 2;
  int64_t group = conv.getGroup();
  if (spatial < 1 || spatial > 3)
    return "kiln.conv with " + std::to_string(spatial) +
           " spatial dims is not supported (1-D, 2-D and 3-D are)";
  // Shape rules the verifier owns; rechecked so a bad op fails cleanly.
  int64_t channels = inputType.getDimSize(1);
  int64_t filters = weightType.getDimSize(0);
  if (group < 1 || channels % group != 0 || filters % group != 0 ||
      weightType.getDimSize(1) * group != channels)
    return "kiln.conv with group=" + std::to_string(group) +
           " does not match its input and weight shapes";
  return std::nullopt;
}

void lowering::populateContractionPatterns(const TypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<MatMulOpLowering, ConvOpLowering>(converter,
                                                 patterns.getContext());
}
