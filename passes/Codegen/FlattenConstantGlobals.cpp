//===- FlattenConstantGlobals.cpp - Weights as 1-D globals ----------------===//
//
// kiln-flatten-constant-globals: a memref.global of rank r becomes an LLVM
// global of r nested arrays ([512 x [512 x [3 x [3 x float]]]]), i.e. one
// uniqued LLVM constant per innermost row (786k for one ResNet layer), which
// dominates compile time and memory. A 1-D global is one constant holding
// the raw blob; users see the original shape through memref.expand_shape.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFLATTENCONSTANTGLOBALS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
/// The 1-D form of a global's initial value, or null if it has none the
/// pass can reshape without copying.
static Attribute flattenInitialValue(Attribute value, RankedTensorType flat) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.reshape(flat);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(flat, resource.getRawHandle());
  return nullptr;
}

struct KilnFlattenConstantGlobalsPass
    : public kiln::impl::KilnFlattenConstantGlobalsBase<
          KilnFlattenConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<MemRefType> flattened; // global -> its original type
    for (auto global : module.getOps<memref::GlobalOp>()) {
      MemRefType type = global.getType();
      if (!global.getConstant() || type.getRank() < 2 ||
          !type.hasStaticShape() || !type.getLayout().isIdentity())
        continue;
      std::optional<Attribute> init = global.getInitialValue();
      if (!init)
        continue;
      auto flatTensor =
          RankedTensorType::get({type.getNumElements()}, type.getElementType());
      Attribute flatInit = flattenInitialValue(*init, flatTensor);
      if (!flatInit)
        continue;
      auto flatType = MemRefType::get({type.getNumElements()},
                                      type.getElementType(), AffineMap(),
                                      type.getMemorySpace());
      global.setType(flatType);
      global.setInitialValueAttr(flatInit);
      flattened[global.getSymName()] = type;
    }
    if (flattened.empty())
      return;

    module.walk([&](memref::GetGlobalOp get) {
      auto it = flattened.find(get.getName());
      if (it == flattened.end())
        return;
      MemRefType original = it->second;
      OpBuilder b(get);
      auto flatType = MemRefType::get({original.getNumElements()},
                                      original.getElementType(), AffineMap(),
                                      original.getMemorySpace());
      Value flat = memref::GetGlobalOp::create(b, get.getLoc(), flatType,
                                               get.getName());
      ReassociationIndices all =
          llvm::to_vector(llvm::seq<int64_t>(0, original.getRank()));
      Value shaped = memref::ExpandShapeOp::create(
          b, get.getLoc(), original, flat, ArrayRef<ReassociationIndices>{all});
      get.replaceAllUsesWith(shaped);
      get.erase();
    });
  }
};
} // namespace
