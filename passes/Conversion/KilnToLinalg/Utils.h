//===- Utils.h - Shared helpers of the kiln -> linalg lowering --*- C++ -*-===//
//
// Internal to passes/Conversion/KilnToLinalg: the pattern base class that
// checks support before rewriting, element-type helpers that remember kiln's
// signedness, and builders for the IR shapes every family needs (numpy
// broadcast maps, filled inits, reshapes, broadcasts).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CONVERSION_KILNTOLINALG_UTILS_H
#define KILN_PASSES_CONVERSION_KILNTOLINALG_UTILS_H

#include "dialects/Kiln/IR/KilnOps.h"
#include "passes/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>
#include <string>

namespace mlir::kiln::lowering {

//===----------------------------------------------------------------------===//
// Pattern base
//===----------------------------------------------------------------------===//

/// Lowers one kiln op. matchAndRewrite first asks
/// getKilnToLinalgUnsupportedReason (the same check the pass runs up front,
/// so the two never disagree) and fails with that reason; `lower` may then
/// assume static shapes and supported attributes.
template <typename OpTy> class KilnLowering : public OpConversionPattern<OpTy> {
public:
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const final {
    if (std::optional<std::string> why =
            getKilnToLinalgUnsupportedReason(op.getOperation()))
      return rewriter.notifyMatchFailure(op, *why);
    SmallVector<Type> resultTypes;
    if (failed(this->getTypeConverter()->convertTypes(op->getResultTypes(),
                                                      resultTypes)))
      return rewriter.notifyMatchFailure(op, "cannot convert result types");
    return lower(op, adaptor, resultTypes, rewriter);
  }

protected:
  /// `resultTypes` are the op's result types after type conversion.
  virtual LogicalResult lower(OpTy op, OpAdaptor adaptor, TypeRange resultTypes,
                              ConversionPatternRewriter &rewriter) const = 0;
};

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// Kiln types carry signedness: ui* are unsigned and i1 (bool) orders
/// false < true, so both pick unsigned arith ops. Takes an element or shaped
/// type of the *original* kiln IR.
bool isUnsignedInt(Type type);
/// The signless counterpart of a kiln element type (ui8 -> i8).
Type toSignless(Type elementType);
/// The type float math is carried out in: f32 for 16-bit floats (their
/// sums lose too much), the type itself otherwise.
Type getComputeType(Type elementType);

/// Converts scalar `value` from kiln element type `from` to `to` with ONNX
/// Cast semantics (truncating float -> int, `x != 0` for i1, signedness from
/// the kiln types). `value` has the signless form of `from`.
Value castScalar(OpBuilder &b, Location loc, Value value, Type from, Type to);

/// A constant of signless element type `type` holding `value` (truncated
/// toward zero and clamped for integers, != 0 for i1).
Value createScalar(OpBuilder &b, Location loc, Type type, double value);
/// -inf, or the smallest integer of the kiln type (0 for unsigned/i1).
Value createLowest(OpBuilder &b, Location loc, Type kilnType);
/// +inf, or the largest integer of the kiln type.
Value createHighest(OpBuilder &b, Location loc, Type kilnType);

//===----------------------------------------------------------------------===//
// Tensors and maps
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> parallelIterators(unsigned n);

/// The indexing map that reads an operand of `operandShape` inside loops
/// over `resultShape` under numpy broadcasting: operand dims align to the
/// right, missing leading dims are dropped, and size-1 dims that broadcast
/// read index 0.
AffineMap getBroadcastMap(MLIRContext *ctx, ArrayRef<int64_t> operandShape,
                          ArrayRef<int64_t> resultShape);

/// The map from `rank` loops to the loops not listed in `reduced`.
AffineMap getReducedMap(MLIRContext *ctx, unsigned rank,
                        ArrayRef<int64_t> reduced);

/// tensor.empty of `shape`; `dynamicSizes` gives its dynamic dims in order.
Value createEmpty(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type elementType, ValueRange dynamicSizes = {});
/// tensor.empty + linalg.fill with `scalar`.
Value createFilled(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Value scalar, ValueRange dynamicSizes = {});

//===----------------------------------------------------------------------===//
// Dynamic dims
//===----------------------------------------------------------------------===//

/// The run-time sizes of the dynamic dims of kiln op `op`'s result, in
/// order (what its tensor.empty takes), through the op's shape function
/// (dialects/Kiln/IR/KilnShapes.h). Empty when the result is static.
FailureOr<SmallVector<Value>> getDynamicResultSizes(OpBuilder &b,
                                                    Operation *op);

/// The dynamic dims of `resultType` as numpy broadcasting of `inputs`
/// produces them: each from the first input that has that dim dynamic.
SmallVector<Value> getBroadcastDynamicSizes(OpBuilder &b, Location loc,
                                            ValueRange inputs,
                                            RankedTensorType resultType);

/// tensor.dim of each dynamic dim of `value` not listed in `dropped`, in
/// order: the dynamic sizes of a tensor shaped like it (minus those dims).
SmallVector<Value> getDynamicDims(OpBuilder &b, Location loc, Value value,
                                  ArrayRef<int64_t> dropped = {});

/// `value`'s size along `dim`: a constant index or a tensor.dim.
OpFoldResult getDimSize(OpBuilder &b, Location loc, Value value, int64_t dim);
/// Every dim of `value`, as getDimSize.
SmallVector<OpFoldResult> getMixedShape(OpBuilder &b, Location loc,
                                        Value value);
/// The dynamic entries of `sizes` as values, in order.
SmallVector<Value> getDynamicValues(OpBuilder &b, Location loc,
                                    ArrayRef<OpFoldResult> sizes);
/// The static shape of `sizes` (kDynamic where it holds a value).
SmallVector<int64_t> getStaticShape(ArrayRef<OpFoldResult> sizes);

/// Reshapes `value` to `sizes` (mixed static/dynamic) by collapsing or
/// expanding dims; the groups must exist (kiln::getReshapeGroups).
FailureOr<Value> reshapeToSizes(OpBuilder &b, Location loc, Value value,
                                ArrayRef<OpFoldResult> sizes);

using ScalarBuilder =
    function_ref<Value(OpBuilder &b, Location loc, ValueRange args)>;

/// One linalg.generic over `resultType` reading `inputs` with numpy
/// broadcasting; `body` maps the scalar inputs to the result scalar.
Value buildElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType resultType, ScalarBuilder body);

/// A linalg.generic reducing `input` over the sorted dims `reduced` into the
/// (already filled) `init`; `body(b, loc, {in, acc})` combines.
Value buildReduction(OpBuilder &b, Location loc, Value input,
                     ArrayRef<int64_t> reduced, Value init, ScalarBuilder body);

/// Reshapes with tensor.collapse_shape/expand_shape: directly when a
/// reassociation exists, else through a 1-D tensor. Never tensor.reshape.
Value reshapeTo(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> shape);

/// Broadcasts `value` to `shape` under numpy rules: size-1 and missing dims
/// are collapsed away, then linalg.broadcast adds them back at full size.
Value broadcastTo(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> shape);

/// tensor.pad with a constant; returns `value` itself if all pads are 0.
Value padConstant(OpBuilder &b, Location loc, Value value,
                  ArrayRef<int64_t> low, ArrayRef<int64_t> high,
                  Value padValue);

/// A DenseIntElementsAttr (tensor<Nxi64>), the form linalg's conv and
/// pooling ops take strides and dilations in.
DenseIntElementsAttr getI64VectorAttr(OpBuilder &b, ArrayRef<int64_t> values);

//===----------------------------------------------------------------------===//
// Op families
//===----------------------------------------------------------------------===//

// Each family adds its patterns and answers, for the ops it owns, why one
// cannot be lowered (std::nullopt for ops it does not own or supports).
void populateElementwisePatterns(const TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populateContractionPatterns(const TypeConverter &converter,
                                 RewritePatternSet &patterns);
void populatePoolingPatterns(const TypeConverter &converter,
                             RewritePatternSet &patterns);
void populateNormalizationPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns);
void populateReductionPatterns(const TypeConverter &converter,
                               RewritePatternSet &patterns);
void populateDataMovementPatterns(const TypeConverter &converter,
                                  RewritePatternSet &patterns);
void populateIndexingPatterns(const TypeConverter &converter,
                              RewritePatternSet &patterns);
void populateStringPatterns(const TypeConverter &converter,
                            RewritePatternSet &patterns);
void populateSpatialPatterns(const TypeConverter &converter,
                             RewritePatternSet &patterns);

std::optional<std::string> getContractionUnsupportedReason(Operation *op);
std::optional<std::string> getPoolingUnsupportedReason(Operation *op);
std::optional<std::string> getSpatialUnsupportedReason(Operation *op);
std::optional<std::string> getDataMovementUnsupportedReason(Operation *op);

} // namespace mlir::kiln::lowering

#endif // KILN_PASSES_CONVERSION_KILNTOLINALG_UTILS_H
