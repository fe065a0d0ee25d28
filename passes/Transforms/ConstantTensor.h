//===- ConstantTensor.h - Host buffers for constant evaluation -*- C++ -*-===//
//
// Constant folding of weights must be fast on tensors with millions of
// elements, so it works on raw row-major buffers in the element type's
// storage format instead of per-element Attribute objects. This header is
// private to passes/Transforms.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_TRANSFORMS_CONSTANTTENSOR_H
#define KILN_PASSES_TRANSFORMS_CONSTANTTENSOR_H

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/APFloat.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

namespace mlir::kiln {

/// How one element of a supported type is stored. Signless integers are
/// signed; i1 is stored as one byte holding 0 or 1.
enum class ElementKind { F16, BF16, F32, F64, Bool, SInt, UInt };

struct ElementFormat {
  ElementKind kind;
  unsigned bytes;

  /// The format of `type`, or nullopt if constant evaluation does not
  /// support it (e.g. i4, f8 types).
  static std::optional<ElementFormat> get(Type type);
  bool isFloat() const {
    return kind == ElementKind::F16 || kind == ElementKind::BF16 ||
           kind == ElementKind::F32 || kind == ElementKind::F64;
  }
  bool isInteger() const { return !isFloat(); }
  /// Unsigned comparison/division semantics (ui* and i1).
  bool isUnsignedInt() const {
    return kind == ElementKind::UInt || kind == ElementKind::Bool;
  }
};

//===----------------------------------------------------------------------===//
// Element access
//===----------------------------------------------------------------------===//

template <typename T> inline T loadRaw(const char *p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}
template <typename T> inline void storeRaw(char *p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

/// f16 -> f32 is exact; done with bit operations because it is hot.
float halfToFloat(uint16_t h);
/// Rounds `v` to nearest-even in `semantics` (one rounding from double).
uint16_t doubleToHalfBits(double v, const llvm::fltSemantics &semantics);

/// Reads a float element as double (exact for every supported format).
inline double loadFloat(const char *p, ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return loadRaw<float>(p);
  case ElementKind::F64:
    return loadRaw<double>(p);
  case ElementKind::F16:
    return halfToFloat(loadRaw<uint16_t>(p));
  case ElementKind::BF16: {
    uint32_t bits = uint32_t(loadRaw<uint16_t>(p)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  default:
    return 0.0;
  }
}

/// Writes `v` rounded to nearest-even into a float element.
inline void storeFloat(char *p, ElementKind kind, double v) {
  switch (kind) {
  case ElementKind::F32:
    return storeRaw<float>(p, static_cast<float>(v));
  case ElementKind::F64:
    return storeRaw<double>(p, v);
  case ElementKind::F16:
    return storeRaw<uint16_t>(p,
                              doubleToHalfBits(v, llvm::APFloat::IEEEhalf()));
  case ElementKind::BF16:
    return storeRaw<uint16_t>(p, doubleToHalfBits(v, llvm::APFloat::BFloat()));
  default:
    return;
  }
}

/// Reads an integer element, sign-extended for signed formats and
/// zero-extended otherwise, as 64 bits.
inline uint64_t loadInt(const char *p, const ElementFormat &f) {
  bool sext = f.kind == ElementKind::SInt;
  switch (f.bytes) {
  case 1:
    return sext ? uint64_t(int64_t(loadRaw<int8_t>(p))) : loadRaw<uint8_t>(p);
  case 2:
    return sext ? uint64_t(int64_t(loadRaw<int16_t>(p))) : loadRaw<uint16_t>(p);
  case 4:
    return sext ? uint64_t(int64_t(loadRaw<int32_t>(p))) : loadRaw<uint32_t>(p);
  default:
    return loadRaw<uint64_t>(p);
  }
}

/// Writes the low bits of `v` (i1: `v != 0`).
inline void storeInt(char *p, const ElementFormat &f, uint64_t v) {
  switch (f.bytes) {
  case 1:
    return storeRaw<uint8_t>(p, f.kind == ElementKind::Bool ? (v != 0)
                                                            : uint8_t(v));
  case 2:
    return storeRaw<uint16_t>(p, uint16_t(v));
  case 4:
    return storeRaw<uint32_t>(p, uint32_t(v));
  default:
    return storeRaw<uint64_t>(p, v);
  }
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

/// The elements of a statically shaped constant tensor in a row-major host
/// buffer, either borrowed from an attribute or owned. A splat stores one
/// element that stands for all of them.
class HostTensor {
public:
  /// Reads a DenseElementsAttr or DenseResourceElementsAttr. Fails for other
  /// attributes, dynamic shapes, unsupported element types and resource
  /// blobs that are missing or of the wrong size.
  static FailureOr<HostTensor> fromAttr(ElementsAttr attr);
  /// The constant value of `value` (through its ConstantLike producer).
  static FailureOr<HostTensor> fromValue(Value value);
  /// A zero-initialized owned tensor of `type` (one element if `splat`).
  static HostTensor allocate(RankedTensorType type, bool splat = false);

  HostTensor(HostTensor &&) = default;
  HostTensor &operator=(HostTensor &&) = default;

  RankedTensorType getType() const { return type; }
  ArrayRef<int64_t> getShape() const { return type.getShape(); }
  int64_t getRank() const { return type.getRank(); }
  int64_t getNumElements() const { return type.getNumElements(); }
  const ElementFormat &getFormat() const { return format; }
  unsigned getElementBytes() const { return format.bytes; }
  bool isSplat() const { return splat; }

  /// Bytes of the stored elements (one element for a splat).
  ArrayRef<char> getData() const { return data; }
  const char *element(int64_t storedIndex) const {
    return data.data() + storedIndex * format.bytes;
  }
  /// Only for owned tensors.
  char *getMutableData() { return owned->getMutableData().data(); }

  /// Row-major strides in elements; all zero for a splat, so that strided
  /// loops read the single element everywhere.
  SmallVector<int64_t> getStrides() const;

  /// The same elements viewed with another shape of equal element count.
  HostTensor reshape(RankedTensorType newType) && {
    HostTensor t = std::move(*this);
    t.type = newType;
    return t;
  }

  /// The resource this tensor was read from, if any.
  std::optional<DenseResourceElementsHandle> getResourceHandle() const {
    return resourceHandle;
  }

  /// Builds the constant attribute, consuming the owned buffer: a dense
  /// attribute for splats, i1 and up to `maxInlineElements` elements,
  /// otherwise a new resource blob whose name is derived from `blobName`.
  ElementsAttr toAttr(StringRef blobName, int64_t maxInlineElements = 64) &&;

private:
  HostTensor(RankedTensorType type, ElementFormat format)
      : type(type), format(format) {}

  RankedTensorType type;
  ElementFormat format;
  bool splat = false;
  ArrayRef<char> data;
  std::optional<AsmResourceBlob> owned;
  std::optional<DenseResourceElementsHandle> resourceHandle;
};

/// A resource-blob name for constants computed from `op`: the sanitized
/// name of its NameLoc (the ONNX node name) or "kiln_folded".
std::string blobNameFor(Operation *op, StringRef suffix = "folded");

//===----------------------------------------------------------------------===//
// Strided iteration
//===----------------------------------------------------------------------===//

/// Visits every index of `shape` in row-major order, calling
/// `fn(linearIndex, offsets)` where offsets[k] = base[k] + sum over dims of
/// index[d] * strides[k][d]. Strides may be 0 (broadcast) or negative.
template <size_t N, typename Fn>
void forEachIndex(ArrayRef<int64_t> shape,
                  const std::array<ArrayRef<int64_t>, N> &strides,
                  std::array<int64_t, N> base, Fn &&fn) {
  int64_t rank = shape.size();
  for (int64_t d : shape)
    if (d == 0)
      return;
  if (rank == 0) {
    fn(int64_t(0), base);
    return;
  }
  int64_t inner = shape[rank - 1];
  std::array<int64_t, N> innerStride;
  for (size_t k = 0; k < N; ++k)
    innerStride[k] = strides[k][rank - 1];
  SmallVector<int64_t, 8> index(rank, 0);
  int64_t linear = 0;
  while (true) {
    std::array<int64_t, N> off = base;
    for (int64_t i = 0; i < inner; ++i) {
      fn(linear++, off);
      for (size_t k = 0; k < N; ++k)
        off[k] += innerStride[k];
    }
    int64_t d = rank - 2;
    for (; d >= 0; --d) {
      for (size_t k = 0; k < N; ++k)
        base[k] += strides[k][d];
      if (++index[d] < shape[d])
        break;
      for (size_t k = 0; k < N; ++k)
        base[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
    if (d < 0)
      return;
  }
}

/// Strides of an operand of shape `operandShape` (with element strides
/// `operandStrides`) read at the indices of the numpy broadcast result of
/// rank `resultRank`: leading missing dims and size-1 dims get stride 0.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> operandShape,
                                      ArrayRef<int64_t> operandStrides,
                                      ArrayRef<int64_t> resultShape);

/// Copies elements of `elementBytes` bytes: dst[i] = src[offset(i)] for the
/// row-major indices of `shape`, with `srcStrides` and `srcBase` in elements.
void stridedCopy(char *dst, const char *src, unsigned elementBytes,
                 ArrayRef<int64_t> shape, ArrayRef<int64_t> srcStrides,
                 int64_t srcBase);

} // namespace mlir::kiln

#endif // KILN_PASSES_TRANSFORMS_CONSTANTTENSOR_H
