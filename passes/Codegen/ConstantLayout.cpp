//===- ConstantLayout.cpp - Relayout of constant weights ------------------===//
#include "passes/Codegen/ConstantLayout.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

ElementsAttr mlir::kiln::transposeConstant(ElementsAttr weights,
                                           ArrayRef<int64_t> view,
                                           ArrayRef<int64_t> permutation,
                                           ArrayRef<int64_t> shape,
                                           StringRef suffix) {
  int64_t rank = view.size();
  SmallVector<int64_t> transposed;
  for (int64_t d : permutation)
    transposed.push_back(view[d]);
  Type elemType = weights.getElementType();
  auto type = RankedTensorType::get(shape, elemType);
  if (!elemType.isIntOrFloat() || elemType.getIntOrFloatBitWidth() != 32 ||
      type.getNumElements() != weights.getNumElements() ||
      ShapedType::getNumElements(transposed) != type.getNumElements())
    return {};
  ArrayRef<char> bytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(weights)) {
    if (dense.isSplat())
      return dense.resizeSplat(type);
    bytes = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(weights)) {
    bytes = resource.getData();
  }
  constexpr size_t kElem = 4;
  size_t size = static_cast<size_t>(type.getNumElements()) * kElem;
  if (bytes.size() != size)
    return {};

  // Row-major strides of the view, in the order of the result's dims.
  SmallVector<int64_t> viewStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    viewStrides[d] = viewStrides[d + 1] * view[d + 1];
  SmallVector<int64_t> srcStrides;
  for (int64_t d : permutation)
    srcStrides.push_back(viewStrides[d]);

  // Walk the result in order; the innermost dim is copied as a run when it
  // is contiguous in the source too.
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(size, kElem);
  const char *src = bytes.data();
  char *dst = blob.getMutableData().data();
  int64_t inner = rank ? transposed.back() : 1;
  int64_t innerStride = rank ? srcStrides.back() : 1;
  SmallVector<int64_t> index(rank, 0);
  for (int64_t out = 0, total = type.getNumElements(); out < total;
       out += inner) {
    int64_t from = 0;
    for (int64_t d = 0; d + 1 < rank; ++d)
      from += index[d] * srcStrides[d];
    if (innerStride == 1) {
      std::memcpy(dst + out * kElem, src + from * kElem, inner * kElem);
    } else {
      for (int64_t i = 0; i < inner; ++i)
        std::memcpy(dst + (out + i) * kElem,
                    src + (from + i * innerStride) * kElem, kElem);
    }
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++index[d] < transposed[d])
        break;
      index[d] = 0;
    }
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(weights))
    return DenseResourceElementsAttr::get(
        type, (resource.getRawHandle().getKey() + suffix).str(),
        std::move(blob));
  return DenseElementsAttr::getFromRawBuffer(type, blob.getData());
}
