//===- TestDimBounds.cpp - Lit tests of the bounds utility -----------------===//
//
// kiln-test-dim-bounds: writes the bounds that passes/Codegen/DimBounds.h
// computes onto the ops, so lit tests can check them.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/Passes.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNTESTDIMBOUNDS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnTestDimBoundsPass
    : public kiln::impl::KilnTestDimBoundsBase<KilnTestDimBoundsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!func->hasAttr("kiln.input_ranges"))
      return;
    Builder b(&getContext());
    func.walk([&](Operation *op) {
      if (op->getNumResults() == 0)
        return;
      Value v = op->getResult(0);
      if (v.getType().isIndex()) {
        FailureOr<int64_t> lb = kiln::computeLowerBound(v, func);
        FailureOr<int64_t> ub = kiln::computeUpperBound(v, func);
        if (failed(lb) && failed(ub)) {
          op->setAttr("kiln.bounds", b.getStringAttr("none"));
          return;
        }
        op->setAttr("kiln.bounds", b.getDenseI64ArrayAttr(
                                       {succeeded(lb) ? *lb : -1,
                                        succeeded(ub) ? *ub : -1}));
        return;
      }
      auto type = dyn_cast<ShapedType>(v.getType());
      if (!type || !type.hasRank() || type.hasStaticShape())
        return;
      SmallVector<int64_t> bounds, opt;
      for (int64_t d = 0, e = type.getRank(); d < e; ++d) {
        FailureOr<int64_t> lb = kiln::computeLowerBound(v, d, func);
        FailureOr<int64_t> ub = kiln::computeUpperBound(v, d, func);
        FailureOr<int64_t> o = kiln::computeOptSize(v, d, func);
        bounds.push_back(succeeded(lb) ? *lb : -1);
        bounds.push_back(succeeded(ub) ? *ub : -1);
        opt.push_back(succeeded(o) ? *o : -1);
      }
      op->setAttr("kiln.dim_bounds", b.getDenseI64ArrayAttr(bounds));
      op->setAttr("kiln.dim_opt", b.getDenseI64ArrayAttr(opt));
    });
  }
};
} // namespace
