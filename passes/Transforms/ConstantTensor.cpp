//===- ConstantTensor.cpp - Host buffers for constant evaluation ----------===//
//
// Reading constant attributes into raw buffers and turning computed buffers
// back into dense or resource attributes.
//
//===----------------------------------------------------------------------===//
#include "passes/Transforms/ConstantTensor.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::kiln;

std::optional<ElementFormat> ElementFormat::get(Type type) {
  if (type.isF16())
    return ElementFormat{ElementKind::F16, 2};
  if (type.isBF16())
    return ElementFormat{ElementKind::BF16, 2};
  if (type.isF32())
    return ElementFormat{ElementKind::F32, 4};
  if (type.isF64())
    return ElementFormat{ElementKind::F64, 8};
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return std::nullopt;
  unsigned width = intType.getWidth();
  if (width == 1)
    return ElementFormat{ElementKind::Bool, 1};
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return std::nullopt;
  return ElementFormat{
      intType.isUnsigned() ? ElementKind::UInt : ElementKind::SInt, width / 8};
}

float mlir::kiln::halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalize into an f32 exponent.
    int e = -1;
    do {
      ++e;
      mantissa <<= 1;
    } while ((mantissa & 0x400) == 0);
    bits = sign | (uint32_t(112 - e) << 23) | ((mantissa & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t mlir::kiln::doubleToHalfBits(double v,
                                      const llvm::fltSemantics &semantics) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

HostTensor HostTensor::allocate(RankedTensorType type, bool splat) {
  ElementFormat format = *ElementFormat::get(type.getElementType());
  HostTensor t(type, format);
  t.splat = splat;
  size_t size = (splat ? 1 : type.getNumElements()) * format.bytes;
  // A zero-byte heap allocation is not portable; keep at least one byte.
  t.owned =
      HeapAsmResourceBlob::allocate(std::max<size_t>(size, 1), format.bytes);
  std::memset(t.owned->getMutableData().data(), 0, std::max<size_t>(size, 1));
  t.data = t.owned->getData().take_front(size);
  return t;
}

FailureOr<HostTensor> HostTensor::fromAttr(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.hasStaticShape())
    return failure();
  std::optional<ElementFormat> format =
      ElementFormat::get(type.getElementType());
  if (!format)
    return failure();
  int64_t numElements = type.getNumElements();
  if (numElements == 0)
    return allocate(type);

  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (format->kind == ElementKind::Bool) {
      // i1 dense attributes are bit-packed; unpack to one byte each.
      if (dense.isSplat()) {
        HostTensor t = allocate(type, /*splat=*/true);
        t.getMutableData()[0] = dense.getSplatValue<bool>();
        return t;
      }
      HostTensor t = allocate(type);
      char *out = t.getMutableData();
      for (bool b : dense.getValues<bool>())
        *out++ = b;
      return t;
    }
    HostTensor t(type, *format);
    t.splat = dense.isSplat();
    t.data = dense.getRawData();
    size_t expected = (t.splat ? 1 : numElements) * format->bytes;
    if (t.data.size() != expected)
      return failure();
    return t;
  }

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // Missing (elided) blobs read as empty and fail the size check.
    HostTensor t(type, *format);
    t.data = resource.getData();
    if (t.data.size() != static_cast<size_t>(numElements) * format->bytes)
      return failure();
    t.resourceHandle = resource.getRawHandle();
    return t;
  }
  return failure();
}

FailureOr<HostTensor> HostTensor::fromValue(Value value) {
  ElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return failure();
  return fromAttr(attr);
}

SmallVector<int64_t> HostTensor::getStrides() const {
  SmallVector<int64_t> strides(getRank(), 0);
  if (splat)
    return strides;
  int64_t stride = 1;
  for (int64_t d = getRank() - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= getShape()[d];
  }
  return strides;
}

ElementsAttr HostTensor::toAttr(StringRef blobName,
                                int64_t maxInlineElements) && {
  int64_t numElements = getNumElements();
  if (numElements == 0)
    return DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>());
  bool inlineIt = splat || numElements <= maxInlineElements;
  // i1 stays a (bit-packed) dense attribute at any size: masks are small,
  // and byte-per-element i1 blobs are poorly supported downstream.
  if (format.kind == ElementKind::Bool) {
    if (splat)
      return DenseElementsAttr::get(type, data[0] != 0);
    SmallVector<bool> values(numElements);
    for (int64_t i = 0; i < numElements; ++i)
      values[i] = data[i] != 0;
    return DenseElementsAttr::get(type, values);
  }
  if (inlineIt)
    return DenseElementsAttr::getFromRawBuffer(type, data);
  if (!owned) {
    // Same bytes under a new shape: share the source blob, or keep a dense
    // source dense.
    if (resourceHandle)
      return DenseResourceElementsAttr::get(type, *resourceHandle);
    return DenseElementsAttr::getFromRawBuffer(type, data);
  }
  AsmResourceBlob blob = std::move(*owned);
  owned.reset();
  data = {};
  return DenseResourceElementsAttr::get(type, blobName, std::move(blob));
}

std::string mlir::kiln::blobNameFor(Operation *op, StringRef suffix) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto nameLoc = dyn_cast<NameLoc>(loc)) {
      name = nameLoc.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  // Keep resource keys bare identifiers so they print without quotes.
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty())
    name = "kiln";
  else if (llvm::isDigit(name.front()))
    name.insert(name.begin(), '_');
  return name + "_" + suffix.str();
}

//===----------------------------------------------------------------------===//
// Strided iteration
//===----------------------------------------------------------------------===//

SmallVector<int64_t>
mlir::kiln::broadcastStrides(ArrayRef<int64_t> operandShape,
                             ArrayRef<int64_t> operandStrides,
                             ArrayRef<int64_t> resultShape) {
  size_t rank = resultShape.size();
  size_t lead = rank - operandShape.size();
  SmallVector<int64_t> strides(rank, 0);
  for (size_t d = 0; d < operandShape.size(); ++d)
    if (operandShape[d] != 1)
      strides[lead + d] = operandStrides[d];
  return strides;
}

template <typename T>
static void stridedCopyTyped(char *dst, const char *src,
                             ArrayRef<int64_t> shape,
                             ArrayRef<int64_t> srcStrides, int64_t srcBase) {
  int64_t rank = shape.size();
  // A 2-d transposition pattern (the innermost result dim walks the source
  // with a large stride while some outer dim is contiguous) is copied in
  // tiles so that both sides stay in cache.
  if (rank >= 2 && srcStrides[rank - 1] != 1 && srcStrides[rank - 2] == 1 &&
      shape[rank - 1] >= 16 && shape[rank - 2] >= 16) {
    int64_t rows = shape[rank - 2], cols = shape[rank - 1];
    int64_t rowStride = srcStrides[rank - 2], colStride = srcStrides[rank - 1];
    SmallVector<int64_t> outerShape(shape.drop_back(2));
    SmallVector<int64_t> outerStrides(srcStrides.drop_back(2));
    SmallVector<int64_t> dstStrides(rank - 2, 0);
    int64_t stride = rows * cols;
    for (int64_t d = rank - 3; d >= 0; --d) {
      dstStrides[d] = stride;
      stride *= shape[d];
    }
    forEachIndex<2>(
        outerShape,
        {ArrayRef<int64_t>(outerStrides), ArrayRef<int64_t>(dstStrides)},
        {srcBase, 0}, [&](int64_t, std::array<int64_t, 2> off) {
          const char *s = src + off[0] * int64_t(sizeof(T));
          char *d = dst + off[1] * int64_t(sizeof(T));
          constexpr int64_t tile = 32;
          for (int64_t r0 = 0; r0 < rows; r0 += tile)
            for (int64_t c0 = 0; c0 < cols; c0 += tile) {
              int64_t r1 = std::min(rows, r0 + tile);
              int64_t c1 = std::min(cols, c0 + tile);
              for (int64_t c = c0; c < c1; ++c)
                for (int64_t r = r0; r < r1; ++r)
                  storeRaw<T>(d + (r * cols + c) * int64_t(sizeof(T)),
                              loadRaw<T>(s + (r * rowStride + c * colStride) *
                                                 int64_t(sizeof(T))));
            }
        });
    return;
  }
  forEachIndex<1>(shape, {srcStrides}, {srcBase},
                  [&](int64_t i, std::array<int64_t, 1> off) {
                    storeRaw<T>(dst + i * int64_t(sizeof(T)),
                                loadRaw<T>(src + off[0] * int64_t(sizeof(T))));
                  });
}

void mlir::kiln::stridedCopy(char *dst, const char *src, unsigned elementBytes,
                             ArrayRef<int64_t> shape,
                             ArrayRef<int64_t> srcStrides, int64_t srcBase) {
  switch (elementBytes) {
  case 1:
    return stridedCopyTyped<uint8_t>(dst, src, shape, srcStrides, srcBase);
  case 2:
    return stridedCopyTyped<uint16_t>(dst, src, shape, srcStrides, srcBase);
  case 4:
    return stridedCopyTyped<uint32_t>(dst, src, shape, srcStrides, srcBase);
  default:
    return stridedCopyTyped<uint64_t>(dst, src, shape, srcStrides, srcBase);
  }
}
