//===- ConstantFolding.cpp - Import-time folding of small constants -------===//
//
// PyTorch exports compute shapes with Shape -> Gather -> Unsqueeze -> Concat
// -> Reshape chains. The importer evaluates such chains on the host so that
// every shape reaching a kiln op is static. These helpers do the arithmetic
// on small DenseElementsAttrs.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

std::optional<int64_t>
onnx_importer::numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d) || d < 0)
      return std::nullopt;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

llvm::SmallVector<int64_t>
onnx_importer::rowMajorStrides(llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::optional<llvm::SmallVector<int64_t>>
onnx_importer::getIntValues(DenseElementsAttr attr) {
  auto intType = dyn_cast<IntegerType>(attr.getElementType());
  if (!intType)
    return std::nullopt;
  llvm::SmallVector<int64_t> values;
  values.reserve(attr.getNumElements());
  bool zeroExtend = intType.isUnsigned() || intType.getWidth() == 1;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(zeroExtend ? static_cast<int64_t>(v.getZExtValue())
                                : v.getSExtValue());
  return values;
}

llvm::SmallVector<double>
onnx_importer::getFloatValues(DenseElementsAttr attr) {
  llvm::SmallVector<double> values;
  values.reserve(attr.getNumElements());
  if (isa<FloatType>(attr.getElementType())) {
    for (const APFloat &v : attr.getValues<APFloat>()) {
      APFloat d = v;
      bool losesInfo = false;
      d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      values.push_back(d.convertToDouble());
    }
    return values;
  }
  if (auto ints = getIntValues(attr))
    for (int64_t v : *ints)
      values.push_back(cast<IntegerType>(attr.getElementType()).isUnsigned()
                           ? static_cast<double>(static_cast<uint64_t>(v))
                           : static_cast<double>(v));
  return values;
}

DenseElementsAttr
onnx_importer::makeIntElements(RankedTensorType type,
                               llvm::ArrayRef<int64_t> values) {
  auto intType = cast<IntegerType>(type.getElementType());
  if (intType.getWidth() == 1) {
    llvm::SmallVector<bool> bits(llvm::map_range(
        values, [](int64_t v) { return v != 0; }));
    return DenseElementsAttr::get(type, bits);
  }
  llvm::SmallVector<APInt> ints;
  ints.reserve(values.size());
  for (int64_t v : values)
    ints.push_back(APInt(intType.getWidth(), static_cast<uint64_t>(v),
                         /*isSigned=*/!intType.isUnsigned(),
                         /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, ints);
}

DenseElementsAttr
onnx_importer::makeFloatOrIntElements(RankedTensorType type,
                                      llvm::ArrayRef<double> values) {
  Type elementType = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(elementType)) {
    llvm::SmallVector<APFloat> floats;
    floats.reserve(values.size());
    for (double v : values) {
      APFloat f(v);
      bool losesInfo = false;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      floats.push_back(f);
    }
    return DenseElementsAttr::get(type, floats);
  }
  auto intType = cast<IntegerType>(elementType);
  llvm::SmallVector<int64_t> ints;
  ints.reserve(values.size());
  for (double v : values) {
    if (intType.getWidth() == 1) {
      ints.push_back(v != 0.0);
      continue;
    }
    // ONNX Cast: truncate toward zero; out-of-range values are undefined, so
    // saturate rather than invoke undefined behaviour on the host.
    double t = std::trunc(v);
    if (std::isnan(t))
      t = 0;
    if (intType.isUnsigned())
      ints.push_back(static_cast<int64_t>(static_cast<uint64_t>(
          std::clamp(t, 0.0, 18446744073709549568.0))));
    else
      ints.push_back(static_cast<int64_t>(
          std::clamp(t, -9223372036854775808.0, 9223372036854774784.0)));
  }
  return makeIntElements(type, ints);
}

DenseElementsAttr
onnx_importer::remapElements(DenseElementsAttr source,
                             RankedTensorType resultType,
                             llvm::ArrayRef<int64_t> indices) {
  if (source.isSplat())
    return DenseElementsAttr::get(resultType,
                                  source.getSplatValue<Attribute>());
  Type elementType = source.getElementType();
  if (elementType.isInteger(1)) {
    auto values = llvm::to_vector(source.getValues<bool>());
    llvm::SmallVector<bool> result;
    result.reserve(indices.size());
    for (int64_t i : indices)
      result.push_back(values[i]);
    return DenseElementsAttr::get(resultType, result);
  }
  llvm::ArrayRef<char> raw = source.getRawData();
  int64_t width = llvm::divideCeil(elementType.getIntOrFloatBitWidth(), 8);
  std::vector<char> bytes(indices.size() * width);
  for (auto [i, from] : llvm::enumerate(indices))
    std::memcpy(bytes.data() + i * width, raw.data() + from * width, width);
  if (indices.empty())
    return DenseElementsAttr::getFromRawBuffer(resultType, {});
  return DenseElementsAttr::getFromRawBuffer(resultType, bytes);
}

llvm::SmallVector<int64_t>
onnx_importer::broadcastIndexMap(llvm::ArrayRef<int64_t> shape,
                                 llvm::ArrayRef<int64_t> resultShape) {
  int64_t count = numElements(resultShape).value_or(0);
  llvm::SmallVector<int64_t> map(count, 0);
  llvm::SmallVector<int64_t> resultStrides = rowMajorStrides(resultShape);
  llvm::SmallVector<int64_t> strides = rowMajorStrides(shape);
  size_t offset = resultShape.size() - shape.size();
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, index = 0;
    for (size_t d = 0; d < resultShape.size(); ++d) {
      int64_t coord = rest / resultStrides[d];
      rest %= resultStrides[d];
      if (d >= offset && shape[d - offset] != 1)
        index += coord * strides[d - offset];
    }
    map[i] = index;
  }
  return map;
}

/// Applies `fn` elementwise (numpy broadcasting) to small constants whose
/// values `read` extracts; `make` builds the result of `shape`.
template <typename T>
static DenseElementsAttr foldElementwise(
    llvm::ArrayRef<DenseElementsAttr> operands,
    llvm::function_ref<std::optional<llvm::SmallVector<T>>(DenseElementsAttr)>
        read,
    llvm::function_ref<std::optional<T>(llvm::ArrayRef<T>)> fn,
    llvm::function_ref<DenseElementsAttr(llvm::ArrayRef<int64_t>,
                                         llvm::ArrayRef<T>)>
        make) {
  llvm::SmallVector<int64_t> shape;
  llvm::SmallVector<llvm::SmallVector<T>> values;
  for (DenseElementsAttr operand : operands) {
    auto elements = read(operand);
    if (!elements)
      return nullptr;
    values.push_back(std::move(*elements));
    auto broadcast =
        broadcastShapes(shape, operand.getType().getShape());
    if (failed(broadcast))
      return nullptr;
    shape = *broadcast;
  }
  std::optional<int64_t> count = numElements(shape);
  if (!count || *count > kMaxFoldElements)
    return nullptr;
  llvm::SmallVector<llvm::SmallVector<int64_t>> maps;
  for (DenseElementsAttr operand : operands)
    maps.push_back(broadcastIndexMap(operand.getType().getShape(), shape));
  llvm::SmallVector<T> result(*count);
  llvm::SmallVector<T> args(operands.size());
  for (int64_t i = 0; i < *count; ++i) {
    for (size_t k = 0; k < operands.size(); ++k)
      args[k] = values[k][maps[k][i]];
    std::optional<T> r = fn(args);
    if (!r)
      return nullptr;
    result[i] = *r;
  }
  return make(shape, result);
}

DenseElementsAttr onnx_importer::foldIntElementwise(
    llvm::ArrayRef<DenseElementsAttr> operands, Type resultElementType,
    llvm::function_ref<std::optional<int64_t>(llvm::ArrayRef<int64_t>)> fn) {
  return foldElementwise<int64_t>(
      operands, getIntValues, fn,
      [&](llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> values) {
        return makeIntElements(
            RankedTensorType::get(shape, resultElementType), values);
      });
}

DenseElementsAttr onnx_importer::foldFloatElementwise(
    llvm::ArrayRef<DenseElementsAttr> operands,
    llvm::function_ref<std::optional<double>(llvm::ArrayRef<double>)> fn) {
  Type elementType = operands.front().getElementType();
  // One float type for all operands; the values are exact in double, and
  // one +, -, *, / of them rounded once to f32/f16 is the f32/f16 result.
  if (!isa<FloatType>(elementType) ||
      llvm::any_of(operands, [&](DenseElementsAttr a) {
        return a.getElementType() != elementType;
      }))
    return nullptr;
  return foldElementwise<double>(
      operands,
      [](DenseElementsAttr a) -> std::optional<llvm::SmallVector<double>> {
        return getFloatValues(a);
      },
      fn,
      [&](llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<double> values) {
        return makeFloatOrIntElements(
            RankedTensorType::get(shape, elementType), values);
      });
}

DenseElementsAttr onnx_importer::castElements(DenseElementsAttr attr,
                                              Type elementType) {
  auto type = RankedTensorType::get(attr.getType().getShape(), elementType);
  if (attr.getElementType() == elementType)
    return attr;
  auto intType = dyn_cast<IntegerType>(elementType);
  if (intType && isa<IntegerType>(attr.getElementType())) {
    auto ints = getIntValues(attr);
    return makeIntElements(type, *ints);
  }
  if (!intType && !isa<FloatType>(elementType))
    return nullptr;
  return makeFloatOrIntElements(type, getFloatValues(attr));
}
