//===- KilnFolders.cpp - cheap folds of kiln ops --------------------------===//
//
// Only folds that cost O(1): identities and op chains. Evaluating ops on
// constant tensors (weights) is the job of the kiln-fold-constants pass.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnOps.h"
#include "dialects/Kiln/IR/KilnShapes.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::kiln;

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

// True if `attr` is a splat whose value equals `value` exactly.
static bool isSplatOf(Attribute attr, int64_t value) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type t = splat.getElementType();
  if (isa<FloatType>(t))
    return splat.getSplatValue<APFloat>().isExactlyValue(value);
  if (isa<IntegerType>(t))
    return splat.getSplatValue<APInt>().getSExtValue() == value;
  return false;
}

// True if `attr` is a splat of -0.0, the additive identity of floats.
static bool isSplatOfNegativeZero(Attribute attr) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(attr);
  return splat && isa<FloatType>(splat.getElementType()) &&
         splat.getSplatValue<APFloat>().isNegZero();
}

// A layout op (reshape, transpose, expand, slice) of a splat is a splat of
// the result type: O(1) whatever the size.
static Attribute foldSplatLayout(Attribute input, RankedTensorType type) {
  auto splat = dyn_cast_if_present<SplatElementsAttr>(input);
  if (!splat || !type.hasStaticShape())
    return {};
  return SplatElementsAttr::get(type, splat.getSplatValue<Attribute>());
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  // x + 0 == x for integers; for floats only x + (-0.0) is exact
  // (-0.0 + +0.0 is +0.0).
  if (getType() == getLhs().getType() &&
      ((isa<IntegerType>(getType().getElementType()) &&
        isSplatOf(adaptor.getRhs(), 0)) ||
       isSplatOfNegativeZero(adaptor.getRhs())))
    return getLhs();
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (getType() == getLhs().getType() && isSplatOf(adaptor.getRhs(), 1))
    return getLhs();
  return {};
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return getInput();
  if (Attribute splat = foldSplatLayout(adaptor.getInput(), getType()))
    return splat;
  // transpose(transpose(x, p), q) == transpose(x, p o q).
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    SmallVector<int64_t> composed;
    for (int64_t q : perm)
      composed.push_back(inner.getPerm()[q]);
    setPerm(composed);
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute splat = foldSplatLayout(adaptor.getInput(), getType()))
    return splat;
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    // With dynamic dims the outer target must still be reachable from the
    // inner input by regrouping dims.
    auto source = cast<RankedTensorType>(inner.getInput().getType());
    if (!(source.hasStaticShape() && getType().hasStaticShape()) &&
        !getReshapeGroups(source, getType()))
      return {};
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (Attribute splat = foldSplatLayout(adaptor.getInput(), getType()))
    return splat;
  return {};
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  if (Attribute splat = foldSplatLayout(adaptor.getInput(), getType()))
    return splat;
  auto type = getInput().getType();
  if (type != getType())
    return {};
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (getOffsets()[d] != 0 || getStrides()[d] != 1)
      return {};
  return getInput();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return getInputs().front();
  return {};
}
