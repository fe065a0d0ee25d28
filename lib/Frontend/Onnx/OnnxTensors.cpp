//===- OnnxTensors.cpp - ONNX TensorProto -> MLIR elements attributes ----===//
//
// Element-type mapping and the conversion of initializers and Constant
// tensors (raw_data, the typed *_data fields, external data files) into
// dense attributes (small tensors) or resource blobs (weights).
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;
using ::onnx::TensorProto;

Type onnx_importer::convertElementType(MLIRContext *context,
                                       int32_t dataType) {
  Builder b(context);
  switch (dataType) {
  case TensorProto::FLOAT:
    return b.getF32Type();
  case TensorProto::DOUBLE:
    return b.getF64Type();
  case TensorProto::FLOAT16:
    return b.getF16Type();
  case TensorProto::BFLOAT16:
    return b.getBF16Type();
  case TensorProto::BOOL:
    return b.getI1Type();
  case TensorProto::INT8:
    return b.getIntegerType(8);
  case TensorProto::INT16:
    return b.getIntegerType(16);
  case TensorProto::INT32:
    return b.getIntegerType(32);
  case TensorProto::INT64:
    return b.getIntegerType(64);
  case TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case TensorProto::UINT16:
    return b.getIntegerType(16, /*isSigned=*/false);
  case TensorProto::UINT32:
    return b.getIntegerType(32, /*isSigned=*/false);
  case TensorProto::UINT64:
    return b.getIntegerType(64, /*isSigned=*/false);
  case TensorProto::STRING:
    return StringType::get(context);
  default:
    return nullptr;
  }
}

std::string onnx_importer::onnxTypeName(int32_t dataType) {
  if (TensorProto::DataType_IsValid(dataType)) {
    std::string name = TensorProto::DataType_Name(
        static_cast<TensorProto::DataType>(dataType));
    return llvm::StringRef(name).lower();
  }
  return "data type " + std::to_string(dataType);
}

/// Bytes per element in raw_data (bools take one byte).
static int64_t byteWidth(Type elementType) {
  if (elementType.isInteger(1))
    return 1;
  return llvm::divideCeil(elementType.getIntOrFloatBitWidth(), 8);
}

/// Number of values the typed field matching `dataType` holds.
static int64_t typedFieldSize(const TensorProto &t) {
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    return t.float_data_size();
  case TensorProto::DOUBLE:
    return t.double_data_size();
  case TensorProto::INT64:
    return t.int64_data_size();
  case TensorProto::UINT32:
  case TensorProto::UINT64:
    return t.uint64_data_size();
  default:
    return t.int32_data_size();
  }
}

namespace {
/// Where external data lives: file, byte offset and length (-1: to the end).
struct ExternalData {
  std::string location;
  std::string resolvedPath;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
};
} // namespace

static FailureOr<ExternalData> getExternalData(const TensorProto &t,
                                               llvm::StringRef directory,
                                               Location loc,
                                               const llvm::Twine &what) {
  ExternalData info;
  for (const auto &entry : t.external_data()) {
    uint64_t value = 0;
    if (entry.key() == "location") {
      info.location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      if (llvm::StringRef(entry.value()).getAsInteger(10, value))
        return emitError(loc) << what << ": external data " << entry.key()
                              << " '" << entry.value()
                              << "' is not a non-negative integer";
      if (entry.key() == "offset")
        info.offset = value;
      else
        info.length = value;
    }
  }
  if (info.location.empty())
    return emitError(loc) << what
                          << ": external data without a 'location' entry";
  llvm::SmallString<256> path(info.location);
  if (llvm::sys::path::is_relative(path)) {
    path = directory;
    llvm::sys::path::append(path, info.location);
  }
  info.resolvedPath = std::string(path);
  return info;
}

LogicalResult onnx_importer::verifyTensorProto(const TensorProto &t,
                                               llvm::StringRef directory,
                                               Location loc,
                                               const llvm::Twine &what) {
  Type elementType = convertElementType(loc.getContext(), t.data_type());
  if (!elementType)
    return emitError(loc) << what << " has unsupported element type "
                          << onnxTypeName(t.data_type());
  if (isa<StringType>(elementType))
    return emitError(loc) << what
                          << " is a string constant; string tensors are "
                             "supported as graph inputs and outputs and "
                             "results of string ops, not as constants";
  if (t.has_segment())
    return emitError(loc) << what << " is segmented, which is not supported";
  int64_t numElements = 1;
  for (int64_t d : t.dims()) {
    if (d < 0)
      return emitError(loc) << what << " has a negative dimension " << d;
    if (d != 0 && numElements > std::numeric_limits<int64_t>::max() / 16 / d)
      return emitError(loc) << what << " is too large";
    numElements *= d;
  }
  int64_t expectedBytes = numElements * byteWidth(elementType);

  if (t.data_location() == TensorProto::EXTERNAL) {
    FailureOr<ExternalData> info = getExternalData(t, directory, loc, what);
    if (failed(info))
      return failure();
    uint64_t fileSize = 0;
    if (std::error_code ec =
            llvm::sys::fs::file_size(info->resolvedPath, fileSize))
      return emitError(loc) << what << ": cannot open external data file '"
                            << info->location << "' (looked for '"
                            << info->resolvedPath << "'): " << ec.message();
    if (info->length && *info->length != static_cast<uint64_t>(expectedBytes))
      return emitError(loc) << what << ": external data length "
                            << *info->length << " does not match the "
                            << expectedBytes << " bytes of its type";
    if (info->offset > fileSize ||
        fileSize - info->offset < static_cast<uint64_t>(expectedBytes))
      return emitError(loc) << what << ": external data file '"
                            << info->location << "' has " << fileSize
                            << " bytes, too few for " << expectedBytes
                            << " bytes at offset " << info->offset;
    return success();
  }
  if (!t.raw_data().empty()) {
    if (static_cast<int64_t>(t.raw_data().size()) != expectedBytes)
      return emitError(loc) << what << " has " << t.raw_data().size()
                            << " bytes of raw data, expected "
                            << expectedBytes;
    return success();
  }
  int64_t count = typedFieldSize(t);
  if (count != numElements)
    return emitError(loc) << what << " has " << count << " values, expected "
                          << numElements;
  return success();
}

/// Writes the typed *_data field of `t` as little-endian element bytes.
static void writeTypedFields(const TensorProto &t, Type elementType,
                             llvm::MutableArrayRef<char> out) {
  auto store = [&](int64_t index, auto value) {
    std::memcpy(out.data() + index * sizeof(value), &value, sizeof(value));
  };
  switch (t.data_type()) {
  case TensorProto::FLOAT:
    for (auto [i, v] : llvm::enumerate(t.float_data()))
      store(i, static_cast<float>(v));
    return;
  case TensorProto::DOUBLE:
    for (auto [i, v] : llvm::enumerate(t.double_data()))
      store(i, static_cast<double>(v));
    return;
  case TensorProto::INT64:
    for (auto [i, v] : llvm::enumerate(t.int64_data()))
      store(i, static_cast<int64_t>(v));
    return;
  case TensorProto::UINT64:
    for (auto [i, v] : llvm::enumerate(t.uint64_data()))
      store(i, static_cast<uint64_t>(v));
    return;
  case TensorProto::UINT32:
    for (auto [i, v] : llvm::enumerate(t.uint64_data()))
      store(i, static_cast<uint32_t>(v));
    return;
  case TensorProto::INT32:
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<int32_t>(v));
    return;
  case TensorProto::INT16:
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<int16_t>(v));
    return;
  case TensorProto::UINT16:
  case TensorProto::FLOAT16:
  case TensorProto::BFLOAT16:
    // 16-bit floats are stored as their bit patterns in int32_data.
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<uint16_t>(v));
    return;
  case TensorProto::INT8:
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<int8_t>(v));
    return;
  case TensorProto::UINT8:
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<uint8_t>(v));
    return;
  case TensorProto::BOOL:
    for (auto [i, v] : llvm::enumerate(t.int32_data()))
      store(i, static_cast<uint8_t>(v != 0));
    return;
  default:
    (void)elementType;
    return;
  }
}

/// A resource key the MLIR parser reads back: [A-Za-z_][A-Za-z0-9_.]*.
static std::string sanitizeBlobName(llvm::StringRef name) {
  std::string key;
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (key.empty() || !(llvm::isAlpha(key[0]) || key[0] == '_'))
    key.insert(0, "_");
  return key;
}

ElementsAttr onnx_importer::makeElementsAttr(RankedTensorType type,
                                             llvm::ArrayRef<char> bytes,
                                             llvm::StringRef blobName,
                                             int64_t maxDenseElements) {
  Type elementType = type.getElementType();
  int64_t numElements = type.getNumElements();
  if (elementType.isInteger(1)) {
    // Bools stay dense (bit-packed): kiln keeps no i1 resource blobs.
    llvm::SmallVector<bool> values;
    values.reserve(numElements);
    for (char c : bytes.take_front(numElements))
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  int64_t width = byteWidth(elementType);
  if (numElements <= maxDenseElements)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  // A splat (all-equal) tensor costs one element as a dense attribute.
  bool isSplat = true;
  for (int64_t i = 1; i < numElements && isSplat; ++i)
    isSplat = std::memcmp(bytes.data(), bytes.data() + i * width, width) == 0;
  if (isSplat)
    return DenseElementsAttr::getFromRawBuffer(type, bytes.take_front(width));
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytes, /*align=*/width, /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, sanitizeBlobName(blobName),
                                        std::move(blob));
}

FailureOr<ElementsAttr> onnx_importer::convertTensorProto(
    const TensorProto &t, MLIRContext *context, llvm::StringRef directory,
    Location loc, const llvm::Twine &what, llvm::StringRef blobName,
    int64_t maxDenseElements) {
  if (failed(verifyTensorProto(t, directory, loc, what)))
    return failure();
  Type elementType = convertElementType(context, t.data_type());
  llvm::SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  auto type = RankedTensorType::get(shape, elementType);
  int64_t numBytes = type.getNumElements() * byteWidth(elementType);

  if (t.data_location() == TensorProto::EXTERNAL) {
    FailureOr<ExternalData> info = getExternalData(t, directory, loc, what);
    if (failed(info))
      return failure();
    auto buffer = llvm::MemoryBuffer::getFileSlice(
        info->resolvedPath, numBytes, info->offset, /*IsVolatile=*/false);
    if (!buffer)
      return emitError(loc) << what << ": cannot read external data file '"
                            << info->resolvedPath
                            << "': " << buffer.getError().message();
    llvm::StringRef data = (*buffer)->getBuffer();
    return makeElementsAttr(type, llvm::ArrayRef<char>(data.data(), numBytes),
                            blobName, maxDenseElements);
  }
  if (!t.raw_data().empty())
    return makeElementsAttr(
        type, llvm::ArrayRef<char>(t.raw_data().data(), numBytes), blobName,
        maxDenseElements);
  std::vector<char> bytes(numBytes);
  writeTypedFields(t, elementType, bytes);
  return makeElementsAttr(type, bytes, blobName, maxDenseElements);
}

DenseElementsAttr onnx_importer::toDenseElements(ElementsAttr attr,
                                                 int64_t maxElements) {
  if (!attr)
    return nullptr;
  auto type = dyn_cast<RankedTensorType>(attr.getShapedType());
  if (!type || !type.hasStaticShape())
    return nullptr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat() || type.getNumElements() <= maxElements)
      return dense;
    return nullptr;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || type.getNumElements() > maxElements ||
      type.getElementType().isInteger(1))
    return nullptr;
  const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return nullptr;
  llvm::ArrayRef<char> data = blob->getData();
  bool isSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, data, isSplat))
    return nullptr;
  return DenseElementsAttr::getFromRawBuffer(type, data);
}
