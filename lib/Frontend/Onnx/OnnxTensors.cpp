//===- OnnxTensors.cpp - ONNX TensorProto -> MLIR elements attributes ----===//
//
// Element-type mapping and the conversion of initializers and Constant
// tensors (raw_data, the typed *_data fields, external data files) into
// dense attributes (small tensors) or resource blobs (weights). External
// data is read only from regular files inside the model's directory (or
// --external-data-dir), after resolving symlinks: models may be untrusted.
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

#include <cerrno>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

//===----------------------------------------------------------------------===//
// External data: confined to one directory
//===----------------------------------------------------------------------===//

namespace {
/// Where external data lives: file, byte offset and length (-1: to the end).
struct ExternalData {
  std::string location;
  /// The real path (symlinks resolved), inside the external data directory.
  std::string resolvedPath;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
};
} // namespace

static const char *describeFileType(llvm::sys::fs::file_type type) {
  using llvm::sys::fs::file_type;
  switch (type) {
  case file_type::directory_file:
    return "a directory";
  case file_type::fifo_file:
    return "a FIFO";
  case file_type::block_file:
  case file_type::character_file:
    return "a device";
  case file_type::socket_file:
    return "a socket";
  default:
    return "not a regular file";
  }
}

/// Resolves external data `location` against `directory` the way a reader
/// would (realpath: symlinks followed) and requires the result to be a
/// regular file inside the directory, so that a model cannot make the
/// compiler embed /etc/passwd or block on a FIFO. Returns the real path;
/// an empty string for a missing file when `mustExist` is false.
static FailureOr<std::string>
resolveExternalDataPath(const ExternalDataDir &directory,
                        llvm::StringRef location, bool mustExist,
                        Location loc, const llvm::Twine &what) {
  auto outside = [&]() {
    InFlightDiagnostic diag = emitError(loc)
                              << what << ": external data path '" << location
                              << "' resolves outside the ";
    if (directory.isModelDirectory)
      diag << "model directory";
    else
      diag << "external data directory '" << directory.path << "'";
    return diag;
  };
  if (location.contains('\0'))
    return emitError(loc) << what
                          << ": external data path contains a NUL character";
  if (llvm::sys::path::is_absolute(location) ||
      llvm::sys::path::has_root_name(location) ||
      llvm::sys::path::has_root_directory(location))
    return emitError(loc) << what << ": external data path '" << location
                          << "' is absolute; it must be relative to the "
                          << (directory.isModelDirectory
                                  ? "model directory"
                                  : "external data directory");
  // `..` that climbs out is refused before the file system is asked, so
  // that errors do not tell which files exist outside.
  llvm::SmallString<256> normalized(location);
  llvm::sys::path::remove_dots(normalized, /*remove_dot_dot=*/true);
  if (llvm::sys::path::begin(normalized) != llvm::sys::path::end(normalized) &&
      *llvm::sys::path::begin(normalized) == "..")
    return outside();

  llvm::SmallString<256> root;
  if (std::error_code ec = llvm::sys::fs::real_path(directory.path, root))
    return emitError(loc) << what << ": cannot open the external data "
                          << "directory '" << directory.path
                          << "': " << ec.message();
  llvm::SmallString<256> joined(root);
  llvm::sys::path::append(joined, location);
  llvm::SmallString<256> real;
  if (std::error_code ec = llvm::sys::fs::real_path(joined, real)) {
    if (!mustExist && ec == std::errc::no_such_file_or_directory)
      return std::string();
    llvm::SmallString<256> shown(directory.path);
    llvm::sys::path::append(shown, location);
    return emitError(loc) << what << ": cannot open external data file '"
                          << location << "' (looked for '" << shown
                          << "'): " << ec.message();
  }
  llvm::StringRef realRef = real.str(), rootRef = root.str();
  bool inside = realRef.starts_with(rootRef) &&
                (rootRef.ends_with("/") ||
                 (realRef.size() > rootRef.size() &&
                  realRef[rootRef.size()] == '/'));
  if (!inside && realRef != rootRef)
    return outside();
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(realRef, status))
    return emitError(loc) << what << ": cannot open external data file '"
                          << location << "': " << ec.message();
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return emitError(loc) << what << ": external data path '" << location
                          << "' is " << describeFileType(status.type())
                          << ", not a regular file";
  return std::string(realRef);
}

/// The `location` entry of a TensorProto's external data, or "".
static std::string externalLocation(const TensorProto &t) {
  std::string location;
  for (const auto &entry : t.external_data())
    if (entry.key() == "location")
      location = entry.value();
  return location;
}

static FailureOr<ExternalData> getExternalData(const TensorProto &t,
                                               const ExternalDataDir &directory,
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
  FailureOr<std::string> resolved = resolveExternalDataPath(
      directory, info.location, /*mustExist=*/true, loc, what);
  if (failed(resolved))
    return failure();
  info.resolvedPath = std::move(*resolved);
  return info;
}

/// Reads `numBytes` at `offset` of a file checked by getExternalData. The
/// file is opened without following a symlink and without blocking, and
/// must still be a regular file once open (it may have been swapped since
/// the check).
static llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
readExternalData(const ExternalData &info, uint64_t numBytes) {
  int fd = ::open(info.resolvedPath.c_str(),
                  O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0)
    return std::error_code(errno, std::generic_category());
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return std::make_error_code(std::errc::invalid_argument);
  }
  auto buffer = llvm::MemoryBuffer::getOpenFileSlice(
      llvm::sys::fs::convertFDToNativeFile(fd), info.resolvedPath, numBytes,
      static_cast<int64_t>(info.offset), /*IsVolatile=*/false);
  ::close(fd);
  return buffer;
}

namespace {
/// Visits every TensorProto of a model that a reader could take data from.
class ExternalDataPathChecker {
public:
  ExternalDataPathChecker(const ExternalDataDir &directory, Location loc)
      : directory(directory), loc(loc) {}

  void check(const TensorProto &t, const llvm::Twine &what) {
    if (t.data_location() != TensorProto::EXTERNAL)
      return;
    std::string location = externalLocation(t);
    if (!location.empty())
      ok &= succeeded(resolveExternalDataPath(directory, location,
                                              /*mustExist=*/false, loc, what));
  }
  void check(const ::onnx::SparseTensorProto &t, const llvm::Twine &what) {
    check(t.values(), what + " (values)");
    check(t.indices(), what + " (indices)");
  }
  void checkNode(const ::onnx::NodeProto &node) {
    for (const auto &attr : node.attribute()) {
      std::string what =
          "attribute '" + attr.name() + "' of node '" + node.name() + "'";
      if (attr.has_t())
        check(attr.t(), what);
      for (const auto &t : attr.tensors())
        check(t, what);
      if (attr.has_sparse_tensor())
        check(attr.sparse_tensor(), what);
      for (const auto &t : attr.sparse_tensors())
        check(t, what);
      if (attr.has_g())
        checkGraph(attr.g());
      for (const auto &g : attr.graphs())
        checkGraph(g);
    }
  }
  void checkGraph(const ::onnx::GraphProto &graph) {
    for (const auto &t : graph.initializer())
      check(t, "initializer '" + t.name() + "'");
    for (const auto &t : graph.sparse_initializer())
      check(t, "sparse initializer '" + t.values().name() + "'");
    for (const auto &node : graph.node())
      checkNode(node);
  }

  bool ok = true;

private:
  const ExternalDataDir &directory;
  Location loc;
};
} // namespace

LogicalResult
onnx_importer::verifyExternalDataPaths(const ::onnx::ModelProto &model,
                                       const ExternalDataDir &directory,
                                       Location loc) {
  ExternalDataPathChecker checker(directory, loc);
  checker.checkGraph(model.graph());
  for (const auto &function : model.functions())
    for (const auto &node : function.node())
      checker.checkNode(node);
  return success(checker.ok);
}

LogicalResult onnx_importer::verifyTensorProto(const TensorProto &t,
                                               const ExternalDataDir &directory,
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

ElementsAttr onnx_importer::makeElementsAttr(
    RankedTensorType type, llvm::ArrayRef<char> bytes, llvm::StringRef blobName,
    int64_t maxDenseElements, std::unique_ptr<llvm::MemoryBuffer> owner) {
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
  // External data stays in its mapping: the blob owns it, no copy (the
  // compiler holds the weights once, and only the pages it reads).
  if (owner && reinterpret_cast<uintptr_t>(bytes.data()) % width == 0) {
    AsmResourceBlob mapped(
        bytes, /*align=*/width,
        [keep = std::move(owner)](void *, size_t, size_t) mutable {
          keep.reset();
        },
        /*dataIsMutable=*/false);
    return DenseResourceElementsAttr::get(type, sanitizeBlobName(blobName),
                                          std::move(mapped));
  }
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytes, /*align=*/width, /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, sanitizeBlobName(blobName),
                                        std::move(blob));
}

FailureOr<ElementsAttr> onnx_importer::convertTensorProto(
    const TensorProto &t, MLIRContext *context,
    const ExternalDataDir &directory,
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
    auto buffer = readExternalData(*info, numBytes);
    if (!buffer)
      return emitError(loc) << what << ": cannot read external data file '"
                            << info->location
                            << "': " << buffer.getError().message();
    llvm::StringRef data = (*buffer)->getBuffer();
    return makeElementsAttr(type, llvm::ArrayRef<char>(data.data(), numBytes),
                            blobName, maxDenseElements, std::move(*buffer));
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
  // Splats obey the bound too: the importer's folds read every element
  // (getValues on a splat of 10^12 elements is itself a compile-time bomb);
  // a bigger splat stays a kiln.constant for kiln-fold-constants, which
  // handles splats analytically within the folding budget.
  if (type.getNumElements() > maxElements)
    return nullptr;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense;
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || type.getElementType().isInteger(1))
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
