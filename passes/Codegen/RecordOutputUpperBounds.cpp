//===- RecordOutputUpperBounds.cpp - Output shapes at the upper bounds ----===//
//
// kiln-record-output-upper-bounds: the caller of a model compiled with input
// ranges sizes each output buffer for the largest output; this records those
// sizes on the model function while its results are still tensors.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNRECORDOUTPUTUPPERBOUNDS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnRecordOutputUpperBoundsPass
    : public kiln::impl::KilnRecordOutputUpperBoundsBase<
          KilnRecordOutputUpperBoundsPass> {
  using Base::Base;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(funcName);
    if (!func || func.isExternal() || !func->hasAttr("kiln.input_ranges"))
      return;
    auto ret = dyn_cast<func::ReturnOp>(func.getBody().back().getTerminator());
    if (!ret)
      return;
    // Model outputs come first; dims results follow them.
    unsigned numOutputs = ret.getNumOperands();
    if (auto names = func->getAttrOfType<ArrayAttr>("kiln.output_names"))
      numOutputs = std::min<unsigned>(numOutputs, names.size());
    Builder b(&getContext());
    SmallVector<Attribute> bounds;
    bool failedAny = false;
    for (unsigned i = 0; i < numOutputs; ++i) {
      Value v = ret.getOperand(i);
      auto type = dyn_cast<ShapedType>(v.getType());
      if (!type || !type.hasRank()) {
        bounds.push_back(b.getDenseI64ArrayAttr({}));
        continue;
      }
      SmallVector<int64_t> dims;
      for (int64_t d = 0, e = type.getRank(); d < e; ++d) {
        FailureOr<int64_t> ub = kiln::computeUpperBound(v, d, func);
        if (failed(ub)) {
          ret.emitError() << "kiln-record-output-upper-bounds: dimension " << d
                          << " of output " << i
                          << " has no upper bound over the input ranges";
          failedAny = true;
          break;
        }
        dims.push_back(*ub);
      }
      bounds.push_back(b.getDenseI64ArrayAttr(dims));
    }
    if (failedAny)
      return signalPassFailure();
    func->setAttr("kiln.output_upper_bounds", b.getArrayAttr(bounds));
  }
};
} // namespace
