//===- Weights.cpp - The model's weights blob: table, file, object --------===//
#include "kiln/Target/Weights.h"

#include "kiln/Target/ModelABI.h"
#include "kiln/weights_format.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace mlir::kiln;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string mlir::kiln::formatBytes(uint64_t bytes) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (bytes >= (1ull << 30))
    os << llvm::format("%.2f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20))
    os << llvm::format("%.1f MiB", bytes / double(1ull << 20));
  else if (bytes >= 1024)
    os << llvm::format("%.1f KiB", bytes / 1024.0);
  else
    os << bytes << " bytes";
  return text;
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

FailureOr<std::optional<WeightTable>>
mlir::kiln::takeWeightTable(ModuleOp module) {
  Attribute attr = module->getAttr("kiln.weights");
  if (!attr)
    return std::optional<WeightTable>();
  module->removeAttr("kiln.weights");
  auto list = dyn_cast<ArrayAttr>(attr);
  if (!list)
    return module.emitError("internal error: kiln.weights is not a list");
  WeightTable table;
  uint64_t end = 0;
  for (Attribute entry : list) {
    auto dict = dyn_cast<DictionaryAttr>(entry);
    auto name = dict ? dict.getAs<StringAttr>("name") : StringAttr();
    auto offset = dict ? dict.getAs<IntegerAttr>("offset") : IntegerAttr();
    auto value = dict ? dict.getAs<ElementsAttr>("value") : ElementsAttr();
    if (!name || !offset || !value || offset.getInt() < 0 ||
        static_cast<uint64_t>(offset.getInt()) < end ||
        offset.getInt() % KILN_WEIGHTS_TENSOR_ALIGN)
      return module.emitError("internal error: bad kiln.weights entry ")
             << entry;
    ShapedType type = value.getShapedType();
    WeightTensor tensor;
    tensor.name = name.str();
    tensor.dtype = dtypeCode(type.getElementType());
    tensor.shape.assign(type.getShape().begin(), type.getShape().end());
    tensor.offset = offset.getInt();
    unsigned width = type.getElementType().getIntOrFloatBitWidth();
    tensor.size = type.getNumElements() * std::max(1u, width / 8);
    tensor.value = value;
    end = tensor.offset + tensor.size;
    table.tensors.push_back(std::move(tensor));
  }
  table.dataSize = llvm::alignTo(end, KILN_WEIGHTS_TENSOR_ALIGN);
  return std::optional<WeightTable>(std::move(table));
}

namespace {
/// A raw_ostream that only hashes what is printed to it.
class SHA256Stream : public llvm::raw_ostream {
public:
  SHA256Stream() { SetUnbuffered(); }
  llvm::SHA256 sha;

private:
  void write_impl(const char *ptr, size_t size) override {
    sha.update(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(ptr), size));
    pos += size;
  }
  uint64_t current_pos() const override { return pos; }
  uint64_t pos = 0;
};

/// The table, dims and strings of a weights file, as written after the
/// header (little-endian hosts only, as the targets are).
std::string tableBytes(const WeightTable &table, uint32_t &descriptionOffset) {
  std::string entries, dims, strings;
  uint64_t entriesSize = table.tensors.size() * sizeof(kiln_weights_entry);
  uint64_t numDims = 0;
  for (const WeightTensor &t : table.tensors)
    numDims += t.shape.size();
  uint64_t stringsStart = entriesSize + numDims * sizeof(int64_t);
  uint32_t dimsIndex = 0;
  for (const WeightTensor &t : table.tensors) {
    kiln_weights_entry e;
    std::memset(&e, 0, sizeof e);
    e.offset = t.offset;
    e.size = t.size;
    e.dtype = t.dtype;
    e.rank = t.shape.size();
    e.dims_index = dimsIndex;
    e.name_offset = stringsStart + strings.size();
    e.name_size = t.name.size();
    entries.append(reinterpret_cast<const char *>(&e), sizeof e);
    dims.append(reinterpret_cast<const char *>(t.shape.data()),
                t.shape.size() * sizeof(int64_t));
    dimsIndex += t.shape.size();
    strings += t.name;
    strings.push_back('\0');
  }
  descriptionOffset = stringsStart + strings.size();
  strings += table.description;
  strings.push_back('\0');
  return entries + dims + strings;
}
} // namespace

void mlir::kiln::finalizeWeightTable(WeightTable &table, ModuleOp module,
                                     llvm::StringRef description) {
  table.description = description.str();
  SHA256Stream hash;
  OpPrintingFlags flags;
  flags.elideLargeResourceString(0);
  module.print(hash, flags);
  hash << "\n--- description\n" << description << "\n--- tensors\n";
  for (const WeightTensor &t : table.tensors) {
    hash << t.name << " " << t.dtype << " " << t.offset << " " << t.size;
    for (int64_t d : t.shape)
      hash << " " << d;
    hash << "\n";
  }
  table.fingerprint = hash.sha.final();
  uint32_t descriptionOffset;
  uint64_t tableSize = tableBytes(table, descriptionOffset).size();
  table.dataOffset = llvm::alignTo(sizeof(kiln_weights_header) + tableSize,
                                   KILN_WEIGHTS_DATA_ALIGN);
}

//===----------------------------------------------------------------------===//
// Streaming the image
//===----------------------------------------------------------------------===//

namespace {
/// Feeds the bytes of a weight to `sink` in pieces, as they are laid out in
/// memory (bools one byte each, splats repeated).
llvm::Error forEachPiece(const WeightTensor &t,
                         llvm::function_ref<void(llvm::StringRef)> sink) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(t.value)) {
    const AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != t.size)
      return makeError("weight '" + t.name + "' has no data (its resource "
                                             "blob is missing or elided)");
    llvm::ArrayRef<char> data = blob->getData();
    sink(llvm::StringRef(data.data(), data.size()));
    return llvm::Error::success();
  }
  auto dense = dyn_cast<DenseElementsAttr>(t.value);
  if (!dense)
    return makeError("weight '" + t.name + "' is not a dense tensor");
  constexpr size_t kPiece = 1 << 16;
  std::string piece;
  auto flush = [&](bool force) {
    if (piece.size() >= kPiece || (force && !piece.empty())) {
      sink(piece);
      piece.clear();
    }
  };
  if (dense.getElementType().isInteger(1)) {
    for (bool v : dense.getValues<bool>()) {
      piece.push_back(v ? 1 : 0);
      flush(false);
    }
    flush(true);
    return llvm::Error::success();
  }
  llvm::ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat()) {
    sink(llvm::StringRef(raw.data(), raw.size()));
    return llvm::Error::success();
  }
  for (uint64_t done = 0; done < t.size; done += raw.size()) {
    piece.append(raw.data(), raw.size());
    flush(false);
  }
  flush(true);
  return llvm::Error::success();
}

/// Writes the weights file image at the stream's current position; the
/// header goes last (it holds the data checksum), by seeking back.
llvm::Error writeImage(const WeightTable &table, llvm::raw_fd_ostream &os) {
  uint64_t base = os.tell();
  uint32_t descriptionOffset;
  std::string tableData = tableBytes(table, descriptionOffset);
  kiln_weights_header header;
  std::memset(&header, 0, sizeof header);
  std::memcpy(header.magic, KILN_WEIGHTS_MAGIC, sizeof header.magic);
  header.version = KILN_WEIGHTS_VERSION;
  header.header_size = sizeof header;
  std::memcpy(header.fingerprint, table.fingerprint.data(),
              sizeof header.fingerprint);
  header.file_size = table.fileSize();
  header.num_tensors = table.tensors.size();
  header.table_offset = sizeof header;
  header.table_size = tableData.size();
  header.data_offset = table.dataOffset;
  header.data_size = table.dataSize;
  header.description_offset = descriptionOffset;
  header.description_size = table.description.size();

  // Placeholder header, the table, padding up to the data.
  std::string front(table.dataOffset, '\0');
  std::memcpy(front.data() + sizeof header, tableData.data(), tableData.size());
  os.write(front.data(), front.size());

  // The data, with zero padding between tensors; the checksum follows the
  // stream in 8-byte words (a piece may end inside one).
  uint64_t checksum = KILN_WEIGHTS_CHECKSUM_SEED, written = 0;
  char carry[8];
  size_t carried = 0;
  auto emit = [&](llvm::StringRef bytes) {
    os.write(bytes.data(), bytes.size());
    written += bytes.size();
    const char *p = bytes.data();
    size_t n = bytes.size();
    if (carried) {
      size_t take = std::min(n, 8 - carried);
      std::memcpy(carry + carried, p, take);
      carried += take;
      p += take;
      n -= take;
      if (carried < 8)
        return;
      checksum = kiln_weights_checksum(checksum, carry, 8);
      carried = 0;
    }
    size_t whole = n & ~size_t(7);
    checksum = kiln_weights_checksum(checksum, p, whole);
    std::memcpy(carry, p + whole, n - whole);
    carried = n - whole;
  };
  static const char zeros[KILN_WEIGHTS_TENSOR_ALIGN] = {};
  auto padTo = [&](uint64_t offset) {
    while (written < offset)
      emit(llvm::StringRef(zeros, std::min<uint64_t>(sizeof zeros,
                                                     offset - written)));
  };
  for (const WeightTensor &t : table.tensors) {
    padTo(t.offset);
    if (llvm::Error err = forEachPiece(t, emit))
      return err;
    if (written != t.offset + t.size)
      return makeError("internal error: weight '" + t.name + "' has " +
                       llvm::Twine(written - t.offset) + " bytes, expected " +
                       llvm::Twine(t.size));
  }
  padTo(table.dataSize);
  header.data_checksum = checksum;

  // The header checksum covers [0, data_offset) with its own field as 0.
  std::memcpy(front.data(), &header, sizeof header);
  header.header_checksum =
      kiln_weights_checksum(KILN_WEIGHTS_CHECKSUM_SEED, front.data(),
                            front.size());
  uint64_t end = os.tell();
  os.seek(base);
  os.write(reinterpret_cast<const char *>(&header), sizeof header);
  os.seek(end);
  return llvm::Error::success();
}

llvm::Error closeChecked(llvm::raw_fd_ostream &os, llvm::StringRef path) {
  os.close();
  if (os.has_error()) {
    std::error_code ec = os.error();
    os.clear_error();
    return llvm::createStringError(ec, "error writing '" + path +
                                           "': " + ec.message());
  }
  return llvm::Error::success();
}
} // namespace

llvm::Error mlir::kiln::writeWeightsFile(const WeightTable &table,
                                         llvm::StringRef path) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  if (llvm::Error err = writeImage(table, os))
    return err;
  return closeChecked(os, path);
}

//===----------------------------------------------------------------------===//
// The ELF object of --weights=embed
//===----------------------------------------------------------------------===//

llvm::Error mlir::kiln::writeWeightsObject(const WeightTable &table,
                                           const llvm::Triple &triple,
                                           llvm::StringRef symbol,
                                           llvm::StringRef path) {
  namespace ELF = llvm::ELF;
  bool x86 = triple.getArch() == llvm::Triple::x86_64;
  bool arm = triple.getArch() == llvm::Triple::aarch64;
  if (!triple.isOSBinFormatELF() || !(x86 || arm))
    return makeError("--weights=embed is implemented for x86-64 and AArch64 "
                     "ELF targets, not '" + triple.str() +
                     "'; use --weights=file");
  // AArch64 code reaches the data around it with 32-bit ADRP offsets; a
  // section this big between them would break that (x86-64 has large-data
  // sections, placed away from the code and small data).
  if (!x86 && table.fileSize() >= (1ull << 31))
    return makeError("weights of " + formatBytes(table.fileSize()) +
                     " cannot be embedded for '" + triple.str() +
                     "' (at most 2 GiB); use --weights=file");

  // Sections: null, weights, .note.GNU-stack, .symtab, .strtab, .shstrtab.
  std::string shstrtab("\0", 1);
  auto addName = [&](llvm::StringRef name) {
    uint32_t at = shstrtab.size();
    shstrtab += name.str();
    shstrtab.push_back('\0');
    return at;
  };
  // .lrodata: x86-64's large read-only data (SHF_X86_64_LARGE), which the
  // linkers place after the small data, out of reach of nothing.
  uint32_t dataName = addName(x86 ? ".lrodata" : ".rodata.kiln_weights");
  uint32_t noteName = addName(".note.GNU-stack");
  uint32_t symtabName = addName(".symtab");
  uint32_t strtabName = addName(".strtab");
  uint32_t shstrtabName = addName(".shstrtab");
  std::string strtab("\0", 1);
  strtab += symbol.str();
  strtab.push_back('\0');

  ELF::Elf64_Sym syms[2];
  std::memset(syms, 0, sizeof syms);
  syms[1].st_name = 1;
  syms[1].setBindingAndType(ELF::STB_GLOBAL, ELF::STT_OBJECT);
  syms[1].st_other = ELF::STV_HIDDEN;
  syms[1].st_shndx = 1;
  syms[1].st_value = 0;
  syms[1].st_size = table.fileSize();

  constexpr uint64_t kDataAlign = KILN_WEIGHTS_DATA_ALIGN;
  uint64_t dataStart = kDataAlign;
  uint64_t shstrtabStart = dataStart + table.fileSize();
  uint64_t strtabStart = shstrtabStart + shstrtab.size();
  uint64_t symtabStart = llvm::alignTo(strtabStart + strtab.size(), 8);
  uint64_t shdrStart = symtabStart + sizeof syms;

  ELF::Elf64_Shdr shdrs[6];
  std::memset(shdrs, 0, sizeof shdrs);
  shdrs[1].sh_name = dataName;
  shdrs[1].sh_type = ELF::SHT_PROGBITS;
  shdrs[1].sh_flags =
      ELF::SHF_ALLOC | (x86 ? uint64_t(ELF::SHF_X86_64_LARGE) : uint64_t(0));
  shdrs[1].sh_offset = dataStart;
  shdrs[1].sh_size = table.fileSize();
  shdrs[1].sh_addralign = kDataAlign;
  shdrs[2].sh_name = noteName;
  shdrs[2].sh_type = ELF::SHT_PROGBITS;
  shdrs[2].sh_offset = dataStart;
  shdrs[2].sh_addralign = 1;
  shdrs[3].sh_name = symtabName;
  shdrs[3].sh_type = ELF::SHT_SYMTAB;
  shdrs[3].sh_offset = symtabStart;
  shdrs[3].sh_size = sizeof syms;
  shdrs[3].sh_link = 4;
  shdrs[3].sh_info = 1; // first global symbol
  shdrs[3].sh_addralign = 8;
  shdrs[3].sh_entsize = sizeof(ELF::Elf64_Sym);
  shdrs[4].sh_name = strtabName;
  shdrs[4].sh_type = ELF::SHT_STRTAB;
  shdrs[4].sh_offset = strtabStart;
  shdrs[4].sh_size = strtab.size();
  shdrs[4].sh_addralign = 1;
  shdrs[5].sh_name = shstrtabName;
  shdrs[5].sh_type = ELF::SHT_STRTAB;
  shdrs[5].sh_offset = shstrtabStart;
  shdrs[5].sh_size = shstrtab.size();
  shdrs[5].sh_addralign = 1;

  ELF::Elf64_Ehdr ehdr;
  std::memset(&ehdr, 0, sizeof ehdr);
  std::memcpy(ehdr.e_ident, ELF::ElfMagic, 4);
  ehdr.e_ident[ELF::EI_CLASS] = ELF::ELFCLASS64;
  ehdr.e_ident[ELF::EI_DATA] = ELF::ELFDATA2LSB;
  ehdr.e_ident[ELF::EI_VERSION] = ELF::EV_CURRENT;
  ehdr.e_ident[ELF::EI_OSABI] = ELF::ELFOSABI_NONE;
  ehdr.e_type = ELF::ET_REL;
  ehdr.e_machine = x86 ? ELF::EM_X86_64 : ELF::EM_AARCH64;
  ehdr.e_version = ELF::EV_CURRENT;
  ehdr.e_shoff = shdrStart;
  ehdr.e_ehsize = sizeof ehdr;
  ehdr.e_shentsize = sizeof(ELF::Elf64_Shdr);
  ehdr.e_shnum = 6;
  ehdr.e_shstrndx = 5;

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path +
                                           "': " + ec.message());
  os.write(reinterpret_cast<const char *>(&ehdr), sizeof ehdr);
  os.write_zeros(dataStart - sizeof ehdr);
  if (llvm::Error err = writeImage(table, os))
    return err;
  os << shstrtab << strtab;
  os.write_zeros(symtabStart - (strtabStart + strtab.size()));
  os.write(reinterpret_cast<const char *>(syms), sizeof syms);
  os.write(reinterpret_cast<const char *>(shdrs), sizeof shdrs);
  return closeChecked(os, path);
}
