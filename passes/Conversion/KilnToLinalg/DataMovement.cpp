//===- DataMovement.cpp - kiln layout/indexing ops -> linalg and tensor ---===//
//
// transpose -> linalg.transpose; reshape -> collapse/expand_shape; expand ->
// linalg.broadcast; slice -> tensor.extract_slice (+ a flipping generic for
// negative steps); gather -> a generic over the result that extracts with
// clamped, normalized indices; concat -> insert_slices into a tensor.empty;
// pad -> tensor.pad (constant) or a generic with mirrored/clamped index
// math (reflect/edge); constant -> arith.constant with the same attribute.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

#include "dialects/Kiln/IR/KilnFoldBudget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

class TransposeOpLowering : public KilnLowering<TransposeOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(TransposeOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    SmallVector<Value> dynamicSizes;
    for (auto [d, p] : llvm::enumerate(op.getPerm()))
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, op.getLoc(),
                                                     adaptor.getInput(), p));
    Value init = createEmpty(rewriter, op.getLoc(), resultType.getShape(),
                             resultType.getElementType(), dynamicSizes);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init,
                                                       op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

class ReshapeOpLowering : public KilnLowering<ReshapeOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ReshapeOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    if (resultType.hasStaticShape() &&
        cast<RankedTensorType>(adaptor.getInput().getType()).hasStaticShape()) {
      rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(),
                                       adaptor.getInput(),
                                       resultType.getShape()));
      return success();
    }
    FailureOr<SmallVector<OpFoldResult>> sizes =
        reifyKilnResultSizes(rewriter, op);
    FailureOr<Value> result =
        succeeded(sizes)
            ? reshapeToSizes(rewriter, op.getLoc(), adaptor.getInput(), *sizes)
            : FailureOr<Value>(failure());
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "no dim grouping");
    rewriter.replaceOp(op, *result);
    return success();
  }
};

class ExpandOpLowering : public KilnLowering<ExpandOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ExpandOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    rewriter.replaceOp(op,
                       broadcastTo(rewriter, op.getLoc(), adaptor.getInput(),
                                   resultType.getShape()));
    return success();
  }
};

class SliceOpLowering : public KilnLowering<SliceOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(SliceOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    ArrayRef<int64_t> sizes = op.getSizes();
    if (!resultType.hasStaticShape()) {
      // All of the dynamic dims (size -1), static slices of the others.
      SmallVector<OpFoldResult> offsets, sizeFolds, strides;
      for (auto [d, offset, size, stride] :
           llvm::enumerate(op.getOffsets(), sizes, op.getStrides())) {
        if (stride < 0)
          return rewriter.notifyMatchFailure(op, "dynamic reversed slice");
        offsets.push_back(rewriter.getIndexAttr(offset));
        sizeFolds.push_back(size == -1 ? getDimSize(rewriter, loc,
                                                    adaptor.getInput(), d)
                                       : rewriter.getIndexAttr(size));
        strides.push_back(rewriter.getIndexAttr(stride));
      }
      rewriter.replaceOp(op, tensor::ExtractSliceOp::create(
                                 rewriter, loc, resultType, adaptor.getInput(),
                                 offsets, sizeFolds, strides));
      return success();
    }
    if (resultType.getNumElements() == 0) {
      rewriter.replaceOp(
          op, createEmpty(rewriter, loc, sizes, resultType.getElementType()));
      return success();
    }
    // Take the elements with positive steps (a negative-step dim starts at
    // its last element), then flip the negative-step dims.
    SmallVector<OpFoldResult> offsets, sizeFolds, strides;
    SmallVector<AffineExpr> flipped;
    bool anyNegative = false;
    for (auto [d, offset, size, stride] :
         llvm::enumerate(op.getOffsets(), sizes, op.getStrides())) {
      int64_t first = stride > 0 ? offset : offset + (size - 1) * stride;
      offsets.push_back(rewriter.getIndexAttr(first));
      sizeFolds.push_back(rewriter.getIndexAttr(size));
      strides.push_back(rewriter.getIndexAttr(std::abs(stride)));
      AffineExpr dim = getAffineDimExpr(d, ctx);
      flipped.push_back(stride > 0 ? dim : (size - 1) - dim);
      anyNegative |= stride < 0;
    }
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, resultType,
                                                 adaptor.getInput(), offsets,
                                                 sizeFolds, strides);
    if (anyNegative) {
      unsigned rank = sizes.size();
      Value init =
          createEmpty(rewriter, loc, sizes, resultType.getElementType());
      slice = linalg::GenericOp::create(
                  rewriter, loc, TypeRange{resultType}, ValueRange{slice},
                  ValueRange{init},
                  SmallVector<AffineMap>{AffineMap::get(rank, 0, flipped, ctx),
                                         rewriter.getMultiDimIdentityMap(rank)},
                  parallelIterators(rank),
                  [](OpBuilder &b, Location l, ValueRange args) {
                    linalg::YieldOp::create(b, l, args[0]);
                  })
                  .getResult(0);
    }
    rewriter.replaceOp(op, slice);
    return success();
  }
};

class GatherOpLowering : public KilnLowering<GatherOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(GatherOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value data = adaptor.getInput(), indices = adaptor.getIndices();
    auto dataType = cast<RankedTensorType>(data.getType());
    auto indicesType = cast<RankedTensorType>(indices.getType());
    int64_t axis = op.getAxis();
    int64_t numIndexDims = indicesType.getRank();
    int64_t axisSize = dataType.getDimSize(axis);
    unsigned rank = resultType.getRank();

    // Loops over the result; the indices operand is read at the result dims
    // [axis, axis + rank(indices)).
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < numIndexDims; ++d)
      indexExprs.push_back(getAffineDimExpr(axis + d, ctx));
    FailureOr<SmallVector<Value>> dynamicSizes =
        getDynamicResultSizes(rewriter, op);
    if (failed(dynamicSizes) || ShapedType::isDynamic(axisSize))
      return rewriter.notifyMatchFailure(op, "gather along a dynamic dim");
    Value init = createEmpty(rewriter, loc, resultType.getShape(),
                             resultType.getElementType(), *dynamicSizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices},
        ValueRange{init},
        SmallVector<AffineMap>{AffineMap::get(rank, 0, indexExprs, ctx),
                               rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          // Negative indices count from the end; anything still out of range
          // is clamped so a bad index never reads out of bounds.
          Type i64 = b.getI64Type();
          Value index = args[0];
          if (index.getType() != i64)
            index = arith::ExtSIOp::create(b, l, i64, index);
          Value zero = createScalar(b, l, i64, 0.0);
          Value size = createScalar(b, l, i64, static_cast<double>(axisSize));
          Value isNegative = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::slt, index, zero);
          index = arith::SelectOp::create(
              b, l, isNegative, arith::AddIOp::create(b, l, index, size),
              index);
          index = arith::MaxSIOp::create(b, l, index, zero);
          index = arith::MinSIOp::create(
              b, l, index, createScalar(b, l, i64, double(axisSize - 1)));
          SmallVector<Value> coords;
          for (int64_t d = 0; d < axis; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          coords.push_back(
              arith::IndexCastOp::create(b, l, b.getIndexType(), index));
          for (int64_t d = axis + numIndexDims; d < rank; ++d)
            coords.push_back(linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, data, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

class ConcatOpLowering : public KilnLowering<ConcatOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ConcatOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    int64_t axis = op.getAxis();
    ValueRange inputs = adaptor.getInputs();
    if (inputs.size() == 1) {
      rewriter.replaceOp(op, inputs.front());
      return success();
    }
    if (!resultType.hasStaticShape() ||
        llvm::any_of(inputs, [](Value v) {
          return !cast<RankedTensorType>(v.getType()).hasStaticShape();
        }))
      return lowerDynamic(op, inputs, resultType, rewriter);
    Value result = createEmpty(rewriter, loc, resultType.getShape(),
                               resultType.getElementType());
    int64_t offset = 0;
    for (Value input : inputs) {
      ArrayRef<int64_t> shape =
          cast<RankedTensorType>(input.getType()).getShape();
      if (shape[axis] == 0)
        continue;
      SmallVector<OpFoldResult> offsets(shape.size(), rewriter.getIndexAttr(0));
      offsets[axis] = rewriter.getIndexAttr(offset);
      SmallVector<OpFoldResult> sizes,
          strides(shape.size(), rewriter.getIndexAttr(1));
      for (int64_t s : shape)
        sizes.push_back(rewriter.getIndexAttr(s));
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, sizes, strides);
      offset += shape[axis];
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  /// As above with run-time sizes and offsets.
  LogicalResult lowerDynamic(ConcatOp op, ValueRange inputs,
                             RankedTensorType resultType,
                             ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    FailureOr<SmallVector<Value>> dynamicSizes =
        getDynamicResultSizes(rewriter, op);
    if (failed(dynamicSizes))
      return rewriter.notifyMatchFailure(op, "unknown result sizes");
    Value result = createEmpty(rewriter, loc, resultType.getShape(),
                               resultType.getElementType(), *dynamicSizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    AffineExpr s0 = rewriter.getAffineSymbolExpr(0),
               s1 = rewriter.getAffineSymbolExpr(1);
    for (Value input : inputs) {
      int64_t rank = resultType.getRank();
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes = getMixedShape(rewriter, loc, input),
                                strides(rank, rewriter.getIndexAttr(1));
      result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                             offsets, sizes, strides);
      offset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, AffineMap::get(0, 2, s0 + s1), {offset, sizes[axis]});
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

class PadOpLowering : public KilnLowering<PadOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(PadOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput();
    ArrayRef<int64_t> inShape =
        cast<RankedTensorType>(input.getType()).getShape();
    int64_t rank = inShape.size();
    ArrayRef<int64_t> low = op.getPads().take_front(rank);
    ArrayRef<int64_t> high = op.getPads().drop_front(rank);
    Type elementType = resultType.getElementType();

    if (op.getMode() == PadMode::constant) {
      Value value = createScalar(rewriter, loc, elementType,
                                 op.getValue().convertToDouble());
      rewriter.replaceOp(op,
                         padConstant(rewriter, loc, input, low, high, value));
      return success();
    }
    if (llvm::all_of(op.getPads(), [](int64_t p) { return p == 0; })) {
      rewriter.replaceOp(op, input);
      return success();
    }
    // reflect/edge: each result coordinate i maps to j = i - low, folded
    // back into [0, n): mirrored (reflect, without repeating the edge) or
    // clamped (edge).
    bool reflect = op.getMode() == PadMode::reflect;
    Value init = createEmpty(rewriter, loc, resultType.getShape(), elementType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            Value i = linalg::IndexOp::create(b, l, d);
            if (low[d] == 0 && high[d] == 0) {
              coords.push_back(i);
              continue;
            }
            auto cst = [&](int64_t v) -> Value {
              return arith::ConstantIndexOp::create(b, l, v);
            };
            Value j = arith::SubIOp::create(b, l, i, cst(low[d]));
            Value last = cst(inShape[d] - 1);
            if (reflect) {
              // j < 0 -> -j;  j > n-1 -> 2(n-1) - j.
              Value neg = arith::SubIOp::create(b, l, cst(0), j);
              Value below = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::slt, j, cst(0));
              j = arith::SelectOp::create(b, l, below, neg, j);
              Value mirrored =
                  arith::SubIOp::create(b, l, cst(2 * (inShape[d] - 1)), j);
              Value above = arith::CmpIOp::create(
                  b, l, arith::CmpIPredicate::sgt, j, last);
              j = arith::SelectOp::create(b, l, above, mirrored, j);
            } else {
              j = arith::MaxSIOp::create(b, l, j, cst(0));
              j = arith::MinSIOp::create(b, l, j, last);
            }
            coords.push_back(j);
          }
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

class ConstantOpLowering : public KilnLowering<ConstantOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ConstantOp op, OpAdaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    ElementsAttr value = op.getValue();
    TypedAttr attr;
    if (value.getType() == resultType) {
      attr = cast<TypedAttr>(value);
    } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
      // ui8 -> i8: same bits, signless type.
      attr = dense.bitcast(resultType.getElementType());
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      // Weights stay in their resource blob; only the type changes.
      attr =
          DenseResourceElementsAttr::get(resultType, resource.getRawHandle());
    }
    if (!attr)
      return rewriter.notifyMatchFailure(op, "cannot retype the constant");
    // A splat beyond the folding budget (e.g. ConstantOfShape [10^6, 10^6])
    // must never become bytes: as a fill it costs one scalar at compile
    // time and, if it is materialised at all, workspace at run time.
    auto dense = dyn_cast<DenseElementsAttr>(attr);
    if (dense && dense.isSplat() &&
        resultType.getNumElements() > kFoldMaxElements) {
      Value scalar = arith::ConstantOp::create(
          rewriter, op.getLoc(),
          cast<TypedAttr>(dense.getSplatValue<Attribute>()));
      rewriter.replaceOp(op, lowering::createFilled(rewriter, op.getLoc(),
                                                    resultType.getShape(),
                                                    scalar));
      return success();
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, attr);
    return success();
  }
};

} // namespace

std::optional<std::string>
lowering::getDataMovementUnsupportedReason(Operation *op) {
  if (auto gather = dyn_cast<GatherOp>(op)) {
    auto dataType = cast<RankedTensorType>(gather.getInput().getType());
    if (dataType.getDimSize(gather.getAxis()) == 0 &&
        cast<RankedTensorType>(gather.getType()).getNumElements() != 0)
      return std::string("kiln.gather from an empty axis is not supported");
  }
  if (auto pad = dyn_cast<PadOp>(op)) {
    auto inputType = cast<RankedTensorType>(pad.getInput().getType());
    int64_t rank = inputType.getRank();
    for (int64_t d = 0; d < rank; ++d)
      if (pad.getMode() != PadMode::constant && inputType.getDimSize(d) == 0 &&
          (pad.getPads()[d] != 0 || pad.getPads()[d + rank] != 0))
        return std::string("kiln.pad with mode=") +
               stringifyPadMode(pad.getMode()).str() +
               " cannot pad an empty dim";
  }
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    ElementsAttr value = constant.getValue();
    if (isUnsignedInt(value.getType()) &&
        !getElementTypeOrSelf(value.getType()).isInteger(1) &&
        !isa<DenseElementsAttr, DenseResourceElementsAttr>(value))
      return std::string("kiln.constant of an unsigned type must hold a "
                         "dense or dense_resource attribute");
  }
  return std::nullopt;
}

void lowering::populateDataMovementPatterns(const TypeConverter &converter,
                                            RewritePatternSet &patterns) {
  patterns.add<TransposeOpLowering, ReshapeOpLowering, ExpandOpLowering,
               SliceOpLowering, GatherOpLowering, ConcatOpLowering,
               PadOpLowering, ConstantOpLowering>(converter,
                                                  patterns.getContext());
}
