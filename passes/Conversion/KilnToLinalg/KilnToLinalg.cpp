//===- KilnToLinalg.cpp - The convert-kiln-to-linalg pass -----------------===//
//
// The type converter (unsigned -> signless), the support check shared by the
// pass and the patterns, and the pass itself: a thin wrapper that first
// reports every kiln op it cannot lower, then runs a partial conversion with
// the kiln dialect illegal.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_CONVERTKILNTOLINALG
#include "passes/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

//===----------------------------------------------------------------------===//
// Type conversion
//===----------------------------------------------------------------------===//

KilnToLinalgTypeConverter::KilnToLinalgTypeConverter() {
  // Later conversions are tried first; this one keeps everything else.
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type { return toSignless(type); });
  addConversion([](RankedTensorType type) -> Type {
    return type.clone(toSignless(type.getElementType()));
  });
  // Strings are addresses (lowering/Strings.cpp).
  addConversion([](StringType type) -> Type {
    return IntegerType::get(type.getContext(), 64);
  });
  addConversion([](RankedTensorType type) -> std::optional<Type> {
    if (!isa<StringType>(type.getElementType()))
      return std::nullopt;
    return type.clone(IntegerType::get(type.getContext(), 64));
  });
}

//===----------------------------------------------------------------------===//
// Support check
//===----------------------------------------------------------------------===//

/// Ops whose lowering handles dynamic dims (their tensor.empty sizes come
/// from the op's shape function, KilnShapes.cpp).
static bool lowersDynamicShapes(Operation *op) {
  if (op->hasTrait<OpTrait::Elementwise>())
    return true;
  return isa<
      // Elementwise (numpy broadcasting in the indexing maps).
      AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ModOp, AndOp, OrOp,
      XorOp, EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, NegOp,
      AbsOp, ExpOp, LogOp, SqrtOp, ReciprocalOp, TanhOp, SigmoidOp, ErfOp,
      ReluOp, FloorOp, CeilOp, RoundOp, SinOp, CosOp, SignOp, NotOp, ClipOp,
      CastOp, WhereOp, AcosOp, AsinOp, AtanOp, AcoshOp, AsinhOp, AtanhOp,
      // Others.
      MatMulOp, ConvOp, MaxPoolOp, AvgPoolOp, ReduceSumOp, ReduceMeanOp,
      ReduceMaxOp, ReduceMinOp, ReduceProdOp, SoftmaxOp, LayerNormOp,
      BatchNormOp, TransposeOp, ReshapeOp, ConcatOp, SliceOp, GatherOp,
      ResizeOp>(op);
}

std::optional<std::string>
mlir::kiln::getKilnToLinalgUnsupportedReason(Operation *op) {
  if (!isa_and_nonnull<KilnDialect>(op->getDialect()))
    return std::nullopt;
  StringRef name = op->getName().getStringRef();
  // Only some lowerings build dynamically sized tensors.
  if (!lowersDynamicShapes(op))
    for (Type type : llvm::concat<Type>(llvm::to_vector(op->getOperandTypes()),
                                        llvm::to_vector(op->getResultTypes()))) {
      auto shaped = dyn_cast<ShapedType>(type);
      if (shaped && !shaped.hasStaticShape()) {
        std::string s;
        llvm::raw_string_ostream os(s);
        os << name << " with dynamic shape " << type
           << " is not supported yet; pin the dimension at compile time "
              "(--input-shape NAME=DIMS or --dim NAME=N)";
        return s;
      }
    }
  if (auto why = getContractionUnsupportedReason(op))
    return why;
  if (auto why = getPoolingUnsupportedReason(op))
    return why;
  if (auto why = getSpatialUnsupportedReason(op))
    return why;
  if (auto why = getDataMovementUnsupportedReason(op))
    return why;
  return std::nullopt;
}

LogicalResult mlir::kiln::checkKilnToLinalgSupport(Operation *root) {
  bool ok = true;
  root->walk([&](Operation *op) {
    if (std::optional<std::string> why = getKilnToLinalgUnsupportedReason(op)) {
      op->emitError(*why);
      ok = false;
    }
  });
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Patterns and pass
//===----------------------------------------------------------------------===//

void mlir::kiln::populateKilnToLinalgPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns) {
  populateElementwisePatterns(typeConverter, patterns);
  populateContractionPatterns(typeConverter, patterns);
  populatePoolingPatterns(typeConverter, patterns);
  populateNormalizationPatterns(typeConverter, patterns);
  populateReductionPatterns(typeConverter, patterns);
  populateDataMovementPatterns(typeConverter, patterns);
  populateIndexingPatterns(typeConverter, patterns);
  populateSpatialPatterns(typeConverter, patterns);
  populateStringPatterns(typeConverter, patterns);
}

namespace {

struct ConvertKilnToLinalgPass
    : public mlir::kiln::impl::ConvertKilnToLinalgBase<
          ConvertKilnToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // List every unsupported op at once, before anything is rewritten.
    if (failed(checkKilnToLinalgSupport(module)))
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    KilnToLinalgTypeConverter typeConverter;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<KilnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           bufferization::BufferizationDialect,
                           memref::MemRefDialect, LLVM::LLVMDialect>();
    // Functions (and calls/returns) are legal once their types are signless.
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return typeConverter.isSignatureLegal(func.getFunctionType()) &&
             typeConverter.isLegal(&func.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return typeConverter.isLegal(op); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

    RewritePatternSet patterns(ctx);
    populateKilnToLinalgPatterns(typeConverter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
        patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);
    populateCallOpTypeConversionPattern(patterns, typeConverter);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
