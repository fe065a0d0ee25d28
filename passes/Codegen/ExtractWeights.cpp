//===- ExtractWeights.cpp - Weights out of the code, behind one pointer ---===//
//
// kiln-extract-weights: constant tensor globals (the weights) leave the LLVM
// module. Their users read them at `base + offset` in one weights blob whose
// base is loaded from @kiln_weights; the values move, unchanged (the same
// resource blobs, no copy), to the module attribute `kiln.weights`, which
// the compile driver streams into the artifact or a weights file. The code
// then never holds weight values: it is the same whatever the weights are
// and wherever they are placed.
// Identical weights (the same type and bytes, e.g. a tensor folded or
// packed the same way for two specializations of the model) are stored once.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/xxhash.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNEXTRACTWEIGHTS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// Name of the global holding the weights' base address (defined by the
/// model ABI, lib/Target/ModelABI.cpp).
constexpr StringLiteral kWeightsBase = "kiln_weights";
/// Every weight starts at a multiple of this in the blob.
constexpr uint64_t kWeightAlign = 64;

/// Bytes of a tensor value as laid out in memory (bools: one byte each), or
/// 0 when the pass leaves it in the code.
static uint64_t weightBytes(ElementsAttr value) {
  if (!isa<DenseElementsAttr, DenseResourceElementsAttr>(value))
    return 0;
  ShapedType type = value.getShapedType();
  Type element = type.getElementType();
  if (!type.hasStaticShape() || !(element.isIntOrFloat()))
    return 0;
  unsigned width = element.getIntOrFloatBitWidth();
  if (width != 1 && width % 8 != 0)
    return 0;
  if (isa<DenseResourceElementsAttr>(value) &&
      !cast<DenseResourceElementsAttr>(value).getRawHandle().getBlob())
    return 0;
  return type.getNumElements() * std::max(1u, width / 8);
}

/// The raw bytes of a weight's resource blob (empty for other values:
/// uniqued attributes, equal exactly when they are the same attribute).
static ArrayRef<char> resourceBytes(ElementsAttr value) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return resource.getRawHandle().getBlob()->getData();
  return {};
}

struct KilnExtractWeightsPass
    : public kiln::impl::KilnExtractWeightsBase<KilnExtractWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    if (module->hasAttr("kiln.weights") || module.lookupSymbol(kWeightsBase))
      return; // already extracted

    // Globals referred to other than by an address taken in a function
    // (one walk over the module) stay: only those can become base + offset.
    llvm::StringSet<> pinned;
    if (std::optional<SymbolTable::UseRange> all =
            SymbolTable::getSymbolUses(&module.getBodyRegion())) {
      for (const SymbolTable::SymbolUse &use : *all)
        if (!isa<LLVM::AddressOfOp>(use.getUser()) ||
            !use.getUser()->getParentOfType<LLVM::LLVMFuncOp>())
          pinned.insert(use.getSymbolRef().getRootReference().getValue());
    } else {
      return; // unknown ops that may refer to symbols: leave the module
    }

    // The weights, in module order, and where each goes.
    SmallVector<LLVM::GlobalOp> weights;
    llvm::StringMap<uint64_t> offsets;
    SmallVector<Attribute> table;
    uint64_t end = 0;
    // Weights placed so far by content: (type, hash of the bytes) -> the
    // values of that content (compared in full on a hash match).
    DenseMap<std::pair<Type, uint64_t>, SmallVector<ElementsAttr, 1>> placed;
    DenseMap<Attribute, uint64_t> offsetOf;
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      auto value = dyn_cast_if_present<ElementsAttr>(global.getValueOrNull());
      if (!global.getConstant() || !value || global.getInitializerBlock())
        continue;
      uint64_t bytes = weightBytes(value);
      if (bytes == 0)
        continue;
      if (pinned.contains(global.getSymName()))
        continue;
      weights.push_back(global);
      ArrayRef<char> data = resourceBytes(value);
      auto key = std::make_pair(
          value.getShapedType(),
          data.empty()
              ? reinterpret_cast<uintptr_t>(value.getAsOpaquePointer())
              : llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
                    reinterpret_cast<const uint8_t *>(data.data()),
                    data.size())));
      SmallVector<ElementsAttr, 1> &same = placed[key];
      auto twin = llvm::find_if(same, [&](ElementsAttr other) {
        return other == value || (!data.empty() && resourceBytes(other) == data);
      });
      if (twin != same.end()) {
        offsets[global.getSymName()] = offsetOf.lookup(*twin);
        continue;
      }
      same.push_back(value);
      uint64_t offset = llvm::alignTo(end, kWeightAlign);
      end = offset + bytes;
      offsets[global.getSymName()] = offset;
      offsetOf[value] = offset;
      StringRef name = global.getSymName();
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
        name = resource.getRawHandle().getKey();
      Builder b(ctx);
      table.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("name", b.getStringAttr(name)),
           b.getNamedAttr("offset", b.getI64IntegerAttr(offset)),
           b.getNamedAttr("value", value)}));
    }

    // The base pointer, declared here, defined by the model ABI.
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto ptrType = LLVM::LLVMPointerType::get(ctx);
    LLVM::GlobalOp::create(b, module.getLoc(), ptrType, /*isConstant=*/false,
                           LLVM::Linkage::External, kWeightsBase,
                           /*value=*/Attribute());
    module->setAttr("kiln.weights", b.getArrayAttr(table));
    if (weights.empty())
      return;

    // One load of the base per function, at its entry.
    DenseMap<Operation *, Value> bases;
    auto baseIn = [&](LLVM::LLVMFuncOp fn) {
      Value &base = bases[fn];
      if (!base) {
        OpBuilder entry = OpBuilder::atBlockBegin(&fn.getBody().front());
        Value address = LLVM::AddressOfOp::create(entry, fn.getLoc(), ptrType,
                                                  kWeightsBase);
        base = LLVM::LoadOp::create(entry, fn.getLoc(), ptrType, address,
                                    /*alignment=*/8, /*isVolatile=*/false,
                                    /*isNonTemporal=*/false,
                                    /*isInvariant=*/true);
      }
      return base;
    };
    SmallVector<LLVM::AddressOfOp> uses;
    module.walk([&](LLVM::AddressOfOp op) {
      if (offsets.count(op.getGlobalName()))
        uses.push_back(op);
    });
    for (LLVM::AddressOfOp op : uses) {
      auto fn = op->getParentOfType<LLVM::LLVMFuncOp>();
      // An i64 index: GEP's constant indices are 32-bit, blobs may not be.
      OpBuilder rewriter(op);
      Value offset = LLVM::ConstantOp::create(
          rewriter, op.getLoc(), rewriter.getI64Type(),
          static_cast<int64_t>(offsets.lookup(op.getGlobalName())));
      Value slice = LLVM::GEPOp::create(
          rewriter, op.getLoc(), ptrType, rewriter.getI8Type(), baseIn(fn),
          ArrayRef<LLVM::GEPArg>{offset}, LLVM::GEPNoWrapFlags::inbounds);
      op.replaceAllUsesWith(slice);
      op.erase();
    }
    for (LLVM::GlobalOp global : weights)
      global.erase();
  }
};
} // namespace
