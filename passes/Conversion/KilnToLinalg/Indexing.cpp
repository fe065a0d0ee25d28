//===- Indexing.cpp - kiln gather/scatter ops -> linalg, tensor and scf ---===//
//
// gather_elements and gather_nd -> one linalg.generic over the result that
// reads its index values and extracts from the input; scatter_elements and
// scatter_nd -> an scf.for nest over the updates, carrying the result tensor
// (initially the input) and inserting one element per iteration, in row-major
// order so that reductions and duplicate indices behave as ONNX specifies.
// (Upstream's tensor.scatter has no lowering.)
//
// Every index value is normalized (negative values count from the end of
// their dim) and then clamped to the dim, so an out-of-range index reads or
// writes the nearest edge element instead of memory outside the tensor.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

/// `index` (an i32/i64 element of an index tensor) as an `index` value in
/// [0, size): size is added to negative values, then the result is clamped.
/// `size` is > 0 (the verifiers reject non-empty indexing of empty dims).
Value normalizeIndex(OpBuilder &b, Location loc, Value index, int64_t size) {
  Type i64 = b.getI64Type();
  if (index.getType() != i64)
    index = arith::ExtSIOp::create(b, loc, i64, index);
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value isNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::AddIOp::create(
      b, loc, index, arith::ConstantIntOp::create(b, loc, i64, size));
  index = arith::SelectOp::create(b, loc, isNegative, wrapped, index);
  index = arith::MaxSIOp::create(b, loc, index, zero);
  index = arith::MinSIOp::create(
      b, loc, index, arith::ConstantIntOp::create(b, loc, i64, size - 1));
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
}

/// Combines the element `old` with `update` (signless scalars of kiln
/// element type `kilnType`).
Value combine(OpBuilder &b, Location loc, ScatterReduction reduction,
              Type kilnType, Value old, Value update) {
  bool isFloat = isa<FloatType>(old.getType());
  bool isUnsigned = isUnsignedInt(kilnType);
  switch (reduction) {
  case ScatterReduction::none:
    return update;
  case ScatterReduction::add:
    return isFloat ? arith::AddFOp::create(b, loc, old, update).getResult()
                   : arith::AddIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::mul:
    return isFloat ? arith::MulFOp::create(b, loc, old, update).getResult()
                   : arith::MulIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::max:
    if (isFloat)
      return arith::MaximumFOp::create(b, loc, old, update);
    return isUnsigned ? arith::MaxUIOp::create(b, loc, old, update).getResult()
                      : arith::MaxSIOp::create(b, loc, old, update).getResult();
  case ScatterReduction::min:
    if (isFloat)
      return arith::MinimumFOp::create(b, loc, old, update);
    return isUnsigned ? arith::MinUIOp::create(b, loc, old, update).getResult()
                      : arith::MinSIOp::create(b, loc, old, update).getResult();
  }
  llvm_unreachable("unknown scatter reduction");
}

/// An scf.for nest over every element of `updates` (row-major) carrying
/// `input`; `coordsOf(b, loc, ivs)` gives the input coordinates an update
/// lands on. Returns the updated tensor.
Value buildScatter(
    OpBuilder &b, Location loc, Value input, Value updates,
    ScatterReduction reduction, Type kilnElementType,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
        coordsOf) {
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(updates.getType()).getShape();
  if (llvm::is_contained(shape, 0))
    return input;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(shape.size(), zero), ubs, steps(shape.size(), one);
  for (int64_t size : shape)
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, size));
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{input},
      [&](OpBuilder &nb, Location l, ValueRange ivs,
          ValueRange iterArgs) -> scf::ValueVector {
        Value acc = iterArgs.front();
        SmallVector<Value> coords = coordsOf(nb, l, ivs);
        Value value = tensor::ExtractOp::create(nb, l, updates, ivs);
        if (reduction != ScatterReduction::none) {
          Value old = tensor::ExtractOp::create(nb, l, acc, coords);
          value = combine(nb, l, reduction, kilnElementType, old, value);
        }
        return {
            tensor::InsertOp::create(nb, l, value, acc, coords).getResult()};
      });
  return nest.results.front();
}

class GatherElementsOpLowering : public KilnLowering<GatherElementsOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(GatherElementsOp op, OpAdaptor adaptor,
                      TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput();
    int64_t axis = op.getAxis();
    int64_t axisSize = cast<RankedTensorType>(input.getType()).getDimSize(axis);
    unsigned rank = resultType.getRank();
    Value init = createEmpty(rewriter, loc, resultType.getShape(),
                             resultType.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{adaptor.getIndices()},
        ValueRange{init}, SmallVector<AffineMap>{identity, identity},
        parallelIterators(rank),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d)
            coords.push_back(d == axis
                                 ? normalizeIndex(b, l, args[0], axisSize)
                                 : Value(linalg::IndexOp::create(b, l, d)));
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

class ScatterElementsOpLowering : public KilnLowering<ScatterElementsOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ScatterElementsOp op, OpAdaptor adaptor, TypeRange,
                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    int64_t axis = op.getAxis();
    int64_t axisSize = cast<RankedTensorType>(input.getType()).getDimSize(axis);
    Value result = buildScatter(
        rewriter, op.getLoc(), input, adaptor.getUpdates(), op.getReduction(),
        getElementTypeOrSelf(op.getInput().getType()),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          SmallVector<Value> coords = llvm::to_vector(ivs);
          coords[axis] = normalizeIndex(
              b, l, tensor::ExtractOp::create(b, l, indices, ivs), axisSize);
          return coords;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The input coordinates addressed by index tuple `prefix` of `indices`
/// (shape `prefix x m`), normalized against input dims [first, first + m).
SmallVector<Value> readIndexTuple(OpBuilder &b, Location loc, Value indices,
                                  ValueRange prefix,
                                  ArrayRef<int64_t> inputShape, int64_t first) {
  int64_t m = cast<RankedTensorType>(indices.getType()).getShape().back();
  SmallVector<Value> coords;
  for (int64_t k = 0; k < m; ++k) {
    SmallVector<Value> at = llvm::to_vector(prefix);
    at.push_back(arith::ConstantIndexOp::create(b, loc, k));
    Value index = tensor::ExtractOp::create(b, loc, indices, at);
    coords.push_back(normalizeIndex(b, loc, index, inputShape[first + k]));
  }
  return coords;
}

class GatherNDOpLowering : public KilnLowering<GatherNDOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(GatherNDOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    ArrayRef<int64_t> inputShape =
        cast<RankedTensorType>(input.getType()).getShape();
    int64_t batchDims = op.getBatchDims();
    // Result dims: the indices' leading dims (batch dims first), then the
    // input dims after the addressed ones.
    int64_t numTupleDims =
        cast<RankedTensorType>(indices.getType()).getRank() - 1;
    unsigned rank = resultType.getRank();
    Value init = createEmpty(rewriter, loc, resultType.getShape(),
                             resultType.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallelIterators(rank), [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> loops;
          for (unsigned d = 0; d < rank; ++d)
            loops.push_back(linalg::IndexOp::create(b, l, d));
          ValueRange tuple = ValueRange(loops).take_front(numTupleDims);
          SmallVector<Value> coords =
              llvm::to_vector(tuple.take_front(batchDims));
          llvm::append_range(coords, readIndexTuple(b, l, indices, tuple,
                                                    inputShape, batchDims));
          llvm::append_range(coords,
                             ValueRange(loops).drop_front(numTupleDims));
          linalg::YieldOp::create(
              b, l, tensor::ExtractOp::create(b, l, input, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

class ScatterNDOpLowering : public KilnLowering<ScatterNDOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ScatterNDOp op, OpAdaptor adaptor, TypeRange,
                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput(), indices = adaptor.getIndices();
    ArrayRef<int64_t> inputShape =
        cast<RankedTensorType>(input.getType()).getShape();
    int64_t numTupleDims =
        cast<RankedTensorType>(indices.getType()).getRank() - 1;
    Value result = buildScatter(
        rewriter, op.getLoc(), input, adaptor.getUpdates(), op.getReduction(),
        getElementTypeOrSelf(op.getInput().getType()),
        [&](OpBuilder &b, Location l, ValueRange ivs) {
          // Update dims: the index tuple's position, then the slice dims.
          SmallVector<Value> coords = readIndexTuple(
              b, l, indices, ivs.take_front(numTupleDims), inputShape, 0);
          llvm::append_range(coords, ivs.drop_front(numTupleDims));
          return coords;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void lowering::populateIndexingPatterns(const TypeConverter &converter,
                                        RewritePatternSet &patterns) {
  patterns.add<GatherElementsOpLowering, ScatterElementsOpLowering,
               GatherNDOpLowering, ScatterNDOpLowering>(converter,
                                                        patterns.getContext());
}
