//===- KilnIndexingOps.cpp - gather/scatter type inference ----------------===//
//
// Result types and verification of gather_elements, scatter_elements,
// gather_nd and scatter_nd (KilnIndexingOps.td). As in KilnOps.cpp, each
// op's inferReturnTypes is its verifier.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;

static RankedTensorType rankedOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static bool isEmpty(RankedTensorType type) {
  return llvm::is_contained(type.getShape(), 0);
}

/// Dims of `a` and `b` that must match: equal unless one is dynamic.
static bool dimsMatch(int64_t a, int64_t b) {
  return a == b || ShapedType::isDynamic(a) || ShapedType::isDynamic(b);
}

/// Checks what the element-wise gather and scatter share: `indices` has the
/// rank of `input` (>= 1), `axis` is in range, and outside `axis` the
/// indices are no larger than the input (so those coordinates are in
/// bounds). Non-empty indices into an empty axis can never be in range.
static LogicalResult verifyElementsIndexing(std::optional<Location> loc,
                                            StringRef opName,
                                            RankedTensorType input,
                                            RankedTensorType indices,
                                            int64_t axis) {
  int64_t rank = input.getRank();
  if (rank < 1)
    return emitOptionalError(loc, opName, " needs an input of rank >= 1");
  if (indices.getRank() != rank)
    return emitOptionalError(
        loc, opName, " indices ", formatShape(indices.getShape()),
        " must have the rank of the input ", formatShape(input.getShape()));
  if (axis < 0 || axis >= rank)
    return emitOptionalError(loc, opName, " axis ", axis,
                             " is out of range for rank ", rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = input.getDimSize(d), idx = indices.getDimSize(d);
    if (d != axis && !ShapedType::isDynamic(in) &&
        !ShapedType::isDynamic(idx) && idx > in)
      return emitOptionalError(
          loc, opName, " indices ", formatShape(indices.getShape()),
          " exceed the input ", formatShape(input.getShape()), " in dim ", d);
  }
  if (input.getDimSize(axis) == 0 && indices.hasStaticShape() &&
      !isEmpty(indices))
    return emitOptionalError(loc, opName, " indexes axis ", axis,
                             ", which is empty");
  return success();
}

/// Scatters with a reduction need arithmetic on the element type.
static LogicalResult verifyReduction(std::optional<Location> loc,
                                     StringRef opName, Type elementType,
                                     ScatterReduction reduction) {
  if (reduction != ScatterReduction::none && elementType.isInteger(1))
    return emitOptionalError(loc, opName, " reduction ",
                             stringifyScatterReduction(reduction),
                             " is not defined for i1");
  return success();
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor a,
                                                 SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOf(a.getInput());
  RankedTensorType indices = rankedOf(a.getIndices());
  if (failed(verifyElementsIndexing(loc, "gather_elements", input, indices,
                                    a.getAxis())))
    return failure();
  types.push_back(
      RankedTensorType::get(indices.getShape(), input.getElementType()));
  return success();
}

LogicalResult
ScatterElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                    Adaptor a, SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOf(a.getInput());
  RankedTensorType indices = rankedOf(a.getIndices());
  RankedTensorType updates = rankedOf(a.getUpdates());
  if (failed(verifyElementsIndexing(loc, "scatter_elements", input, indices,
                                    a.getAxis())))
    return failure();
  if (updates.getElementType() != input.getElementType())
    return emitOptionalError(loc, "scatter_elements updates must have the "
                                  "input's element type");
  if (updates.getRank() != indices.getRank() ||
      !llvm::all_of(llvm::zip(updates.getShape(), indices.getShape()),
                    [](auto dims) {
                      return dimsMatch(std::get<0>(dims), std::get<1>(dims));
                    }))
    return emitOptionalError(loc, "scatter_elements updates ",
                             formatShape(updates.getShape()),
                             " must have the shape of the indices ",
                             formatShape(indices.getShape()));
  if (failed(verifyReduction(loc, "scatter_elements", input.getElementType(),
                             a.getReduction())))
    return failure();
  types.push_back(input);
  return success();
}

/// Checks the index tuples of gather_nd/scatter_nd: `indices` has rank >= 1
/// and a static last dim m with 1 <= m <= rank(input) - batchDims. Returns m.
static FailureOr<int64_t> verifyTupleIndexing(std::optional<Location> loc,
                                              StringRef opName,
                                              RankedTensorType input,
                                              RankedTensorType indices,
                                              int64_t batchDims) {
  int64_t rank = input.getRank();
  if (rank < 1 || indices.getRank() < 1)
    return emitOptionalError(loc, opName,
                             " needs input and indices of rank >= 1");
  int64_t m = indices.getShape().back();
  if (ShapedType::isDynamic(m))
    return emitOptionalError(loc, opName,
                             " needs a static last dim of the indices");
  if (m < 1 || m > rank - batchDims)
    return emitOptionalError(loc, opName, " index tuples of length ", m,
                             " do not fit the input ",
                             formatShape(input.getShape()),
                             batchDims ? " after the batch dims" : "");
  return m;
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor a,
                                           SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOf(a.getInput());
  RankedTensorType indices = rankedOf(a.getIndices());
  int64_t b = a.getBatchDims();
  if (b < 0 || b >= std::min(input.getRank(), indices.getRank()))
    return emitOptionalError(loc, "gather_nd batch_dims ", b,
                             " must be less than the ranks of the input "
                             "and the indices");
  for (int64_t d = 0; d < b; ++d)
    if (!dimsMatch(input.getDimSize(d), indices.getDimSize(d)))
      return emitOptionalError(loc, "gather_nd batch dim ", d,
                               " differs: ", formatShape(input.getShape()),
                               " vs ", formatShape(indices.getShape()));
  FailureOr<int64_t> m =
      verifyTupleIndexing(loc, "gather_nd", input, indices, b);
  if (failed(m))
    return failure();
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, input.getShape().drop_front(b + *m));
  RankedTensorType result =
      RankedTensorType::get(shape, input.getElementType());
  for (int64_t d = b; d < b + *m; ++d)
    if (input.getDimSize(d) == 0 && result.hasStaticShape() && !isEmpty(result))
      return emitOptionalError(loc, "gather_nd indexes dim ", d,
                               ", which is empty");
  types.push_back(result);
  return success();
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor a,
                                            SmallVectorImpl<Type> &types) {
  RankedTensorType input = rankedOf(a.getInput());
  RankedTensorType indices = rankedOf(a.getIndices());
  RankedTensorType updates = rankedOf(a.getUpdates());
  FailureOr<int64_t> m =
      verifyTupleIndexing(loc, "scatter_nd", input, indices, 0);
  if (failed(m))
    return failure();
  if (updates.getElementType() != input.getElementType())
    return emitOptionalError(loc, "scatter_nd updates must have the input's "
                                  "element type");
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, input.getShape().drop_front(*m));
  if (updates.getRank() != static_cast<int64_t>(expected.size()) ||
      !llvm::all_of(llvm::zip(updates.getShape(), expected), [](auto dims) {
        return dimsMatch(std::get<0>(dims), std::get<1>(dims));
      }))
    return emitOptionalError(loc, "scatter_nd updates ",
                             formatShape(updates.getShape()),
                             " must have shape ", formatShape(expected));
  for (int64_t d = 0; d < *m; ++d)
    if (input.getDimSize(d) == 0 && updates.hasStaticShape() &&
        !isEmpty(updates))
      return emitOptionalError(loc, "scatter_nd indexes dim ", d,
                               ", which is empty");
  if (failed(verifyReduction(loc, "scatter_nd", input.getElementType(),
                             a.getReduction())))
    return failure();
  types.push_back(input);
  return success();
}
