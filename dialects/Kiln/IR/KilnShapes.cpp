//===- KilnShapes.cpp - Run-time result shapes of kiln ops ----------------===//
//
// The sizes of a kiln op's result in terms of its operands' sizes, for ops
// whose result has dynamic dims: the upstream ReifyRankedShapedTypeOpInterface,
// attached to every kiln op that takes dynamically shaped operands. Lowerings
// use it for the sizes of their tensor.empty destinations, and tensor.dim of
// a kiln result folds through it (resolve-ranked-shaped-type-result-dims).
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnShapes.h"
#include "dialects/Kiln/IR/KilnOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;

namespace {

using Sizes = SmallVector<OpFoldResult>;

OpFoldResult dimOf(OpBuilder &b, Location loc, Value v, int64_t d) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(d))
    return b.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(b, loc, v, d).getResult();
}

/// Result dims of a numpy broadcast of `operands` to `resultType`: each
/// dynamic result dim is the (aligned) dim of the first operand that has it
/// dynamic (a dynamic dim is never broadcast, see the README).
FailureOr<Sizes> broadcastSizes(OpBuilder &b, Location loc,
                                ValueRange operands,
                                RankedTensorType resultType) {
  Sizes sizes;
  int64_t rank = resultType.getRank();
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(d)));
      continue;
    }
    OpFoldResult size;
    for (Value v : operands) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        continue;
      int64_t od = d - (rank - t.getRank());
      if (od >= 0 && t.isDynamicDim(od)) {
        size = dimOf(b, loc, v, od);
        break;
      }
    }
    if (!size)
      return failure();
    sizes.push_back(size);
  }
  return sizes;
}

/// Output size of a sliding window: (in + lo + hi - span) / stride + 1,
/// rounded up with ceil mode.
OpFoldResult windowSize(OpBuilder &b, Location loc, OpFoldResult in,
                        int64_t kernel, int64_t stride, int64_t dilation,
                        int64_t lo, int64_t hi, bool ceilMode) {
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  int64_t span = dilation * (kernel - 1) + 1;
  AffineExpr avail = s0 + (lo + hi - span);
  AffineExpr out = (ceilMode ? avail.ceilDiv(stride) : avail.floorDiv(stride)) + 1;
  return affine::makeComposedFoldedAffineApply(
      b, loc, AffineMap::get(0, 1, out), {in});
}

FailureOr<Sizes> windowOpSizes(OpBuilder &b, Location loc, Value input,
                               ArrayRef<int64_t> kernel,
                               ArrayRef<int64_t> strides,
                               ArrayRef<int64_t> dilations,
                               ArrayRef<int64_t> pads, bool ceilMode,
                               OpFoldResult channels) {
  auto type = cast<RankedTensorType>(input.getType());
  size_t n = kernel.size();
  if (type.getRank() != static_cast<int64_t>(n) + 2 || strides.size() != n ||
      dilations.size() != n || pads.size() != 2 * n)
    return failure();
  Sizes sizes = {dimOf(b, loc, input, 0), channels};
  for (size_t i = 0; i < n; ++i)
    sizes.push_back(windowSize(b, loc, dimOf(b, loc, input, i + 2), kernel[i],
                               strides[i], dilations[i], pads[i], pads[i + n],
                               ceilMode));
  return sizes;
}

FailureOr<Sizes> reduceSizes(OpBuilder &b, Location loc, Value input,
                             ArrayRef<int64_t> axes, bool keepdims) {
  auto type = cast<RankedTensorType>(input.getType());
  Sizes sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!llvm::is_contained(axes, d))
      sizes.push_back(dimOf(b, loc, input, d));
    else if (keepdims)
      sizes.push_back(b.getIndexAttr(1));
  }
  return sizes;
}

FailureOr<Sizes> reshapeSizes(OpBuilder &b, Location loc, ReshapeOp op) {
  auto source = cast<RankedTensorType>(op.getInput().getType());
  auto target = cast<RankedTensorType>(op.getType());
  std::optional<SmallVector<ReassociationIndices>> groups =
      getReshapeGroups(source, target);
  if (!groups)
    return failure();
  bool collapsing = source.getRank() >= target.getRank();
  Sizes sizes;
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  for (auto [g, group] : llvm::enumerate(*groups)) {
    if (collapsing) {
      // Target dim g is the product of the source dims of its group.
      AffineExpr product = b.getAffineConstantExpr(1);
      SmallVector<OpFoldResult> operands;
      for (int64_t d : group) {
        product = product * b.getAffineSymbolExpr(operands.size());
        operands.push_back(dimOf(b, loc, op.getInput(), d));
      }
      sizes.push_back(affine::makeComposedFoldedAffineApply(
          b, loc, AffineMap::get(0, operands.size(), product), operands));
      continue;
    }
    // Source dim g splits into the target dims of its group; the one
    // dynamic dim among them takes what the static ones leave.
    int64_t known = 1;
    for (int64_t d : group)
      if (!target.isDynamicDim(d))
        known *= target.getDimSize(d);
    for (int64_t d : group)
      sizes.push_back(
          target.isDynamicDim(d)
              ? affine::makeComposedFoldedAffineApply(
                    b, loc, AffineMap::get(0, 1, s0.floorDiv(known)),
                    {dimOf(b, loc, op.getInput(), g)})
              : OpFoldResult(b.getIndexAttr(target.getDimSize(d))));
  }
  return sizes;
}

FailureOr<Sizes> concatSizes(OpBuilder &b, Location loc, ConcatOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  int64_t axis = op.getAxis();
  Sizes sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d != axis) {
      FailureOr<Sizes> one = broadcastSizes(b, loc, op.getInputs(), type);
      if (failed(one))
        return failure();
      sizes.push_back((*one)[d]);
      continue;
    }
    AffineExpr sum = b.getAffineConstantExpr(0);
    SmallVector<OpFoldResult> operands;
    for (Value v : op.getInputs()) {
      sum = sum + b.getAffineSymbolExpr(operands.size());
      operands.push_back(dimOf(b, loc, v, d));
    }
    sizes.push_back(affine::makeComposedFoldedAffineApply(
        b, loc, AffineMap::get(0, operands.size(), sum), operands));
  }
  return sizes;
}

FailureOr<Sizes> matmulSizes(OpBuilder &b, Location loc, MatMulOp op) {
  auto type = cast<RankedTensorType>(op.getType());
  auto lhs = cast<RankedTensorType>(op.getLhs().getType());
  auto rhs = cast<RankedTensorType>(op.getRhs().getType());
  int64_t rank = type.getRank();
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return failure();
  // Batch dims broadcast; M comes from lhs, N from rhs.
  auto batchType = RankedTensorType::get(type.getShape().drop_back(2),
                                         type.getElementType());
  Sizes sizes;
  for (int64_t d = 0; d < rank - 2; ++d) {
    if (!type.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(type.getDimSize(d)));
      continue;
    }
    OpFoldResult size;
    for (Value v : {op.getLhs(), op.getRhs()}) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t od = d - (batchType.getRank() - (t.getRank() - 2));
      if (od >= 0 && t.isDynamicDim(od)) {
        size = dimOf(b, loc, v, od);
        break;
      }
    }
    if (!size)
      return failure();
    sizes.push_back(size);
  }
  sizes.push_back(dimOf(b, loc, op.getLhs(), lhs.getRank() - 2));
  sizes.push_back(dimOf(b, loc, op.getRhs(), rhs.getRank() - 1));
  return sizes;
}

FailureOr<Sizes> padSizes(OpBuilder &b, Location loc, PadOp op) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  ArrayRef<int64_t> pads = op.getPads();
  int64_t rank = type.getRank();
  Sizes sizes;
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(affine::makeComposedFoldedAffineApply(
        b, loc, AffineMap::get(0, 1, s0 + (pads[d] + pads[d + rank])),
        {dimOf(b, loc, op.getInput(), d)}));
  return sizes;
}

FailureOr<Sizes> gatherSizes(OpBuilder &b, Location loc, GatherOp op) {
  auto type = cast<RankedTensorType>(op.getInput().getType());
  auto indices = cast<RankedTensorType>(op.getIndices().getType());
  int64_t axis = op.getAxis();
  Sizes sizes;
  for (int64_t d = 0; d < axis; ++d)
    sizes.push_back(dimOf(b, loc, op.getInput(), d));
  for (int64_t d = 0; d < indices.getRank(); ++d)
    sizes.push_back(dimOf(b, loc, op.getIndices(), d));
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    sizes.push_back(dimOf(b, loc, op.getInput(), d));
  return sizes;
}

FailureOr<Sizes> resultSizes(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type)
    return failure();
  return TypeSwitch<Operation *, FailureOr<Sizes>>(op)
      // Same dims as the (first) input.
      .Case<SoftmaxOp, LayerNormOp, BatchNormOp, CumSumOp, ClipOp, CastOp>(
          [&](Operation *op) {
            return broadcastSizes(b, loc, op->getOperand(0), type);
          })
      .Case<MatMulOp>([&](MatMulOp op) { return matmulSizes(b, loc, op); })
      .Case<ConvOp>([&](ConvOp op) {
        auto w = cast<RankedTensorType>(op.getWeight().getType());
        return windowOpSizes(b, loc, op.getInput(), w.getShape().drop_front(2),
                             op.getStrides(), op.getDilations(), op.getPads(),
                             /*ceilMode=*/false, dimOf(b, loc, op.getWeight(), 0));
      })
      .Case<MaxPoolOp, AvgPoolOp>([&](auto op) {
        return windowOpSizes(b, loc, op.getInput(), op.getKernelShape(),
                             op.getStrides(), op.getDilations(), op.getPads(),
                             op.getCeilMode(), dimOf(b, loc, op.getInput(), 1));
      })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp>(
          [&](auto op) {
            return reduceSizes(b, loc, op.getInput(), op.getAxes(),
                               op.getKeepdims());
          })
      .Case<ArgMaxOp, ArgMinOp>([&](auto op) {
        int64_t axis = static_cast<int64_t>(op.getAxis());
        return reduceSizes(b, loc, op.getInput(), ArrayRef<int64_t>(axis),
                           op.getKeepdims());
      })
      .Case<TransposeOp>([&](TransposeOp op) -> FailureOr<Sizes> {
        Sizes sizes;
        for (int64_t p : op.getPerm())
          sizes.push_back(dimOf(b, loc, op.getInput(), p));
        return sizes;
      })
      .Case<ReshapeOp>([&](ReshapeOp op) { return reshapeSizes(b, loc, op); })
      .Case<ConcatOp>([&](ConcatOp op) { return concatSizes(b, loc, op); })
      .Case<PadOp>([&](PadOp op) { return padSizes(b, loc, op); })
      .Case<GatherOp>([&](GatherOp op) { return gatherSizes(b, loc, op); })
      .Case<ResizeOp>([&](ResizeOp op) -> FailureOr<Sizes> {
        // A dynamic dim: in * k, or in floordiv k for a scale of 1/k.
        Sizes sizes;
        AffineExpr s0 = b.getAffineSymbolExpr(0);
        for (auto [d, size] : llvm::enumerate(op.getSizes())) {
          if (size != -1) {
            sizes.push_back(b.getIndexAttr(size));
            continue;
          }
          double scale = op.getScales()[d];
          AffineExpr e = scale >= 1.0
                             ? s0 * static_cast<int64_t>(scale)
                             : s0.floorDiv(static_cast<int64_t>(1.0 / scale));
          sizes.push_back(affine::makeComposedFoldedAffineApply(
              b, loc, AffineMap::get(0, 1, e),
              {dimOf(b, loc, op.getInput(), d)}));
        }
        return sizes;
      })
      .Case<SliceOp>([&](SliceOp op) -> FailureOr<Sizes> {
        Sizes sizes;
        for (auto [d, size] : llvm::enumerate(op.getSizes()))
          sizes.push_back(size == -1 ? dimOf(b, loc, op.getInput(), d)
                                     : OpFoldResult(b.getIndexAttr(size)));
        return sizes;
      })
      .Default([&](Operation *op) -> FailureOr<Sizes> {
        // The elementwise ops attached below: numpy broadcasting.
        return broadcastSizes(b, loc, op->getOperands(), type);
      });
}

/// Kiln ops whose result sizes follow from their operands (above).
template <typename OpTy>
struct KilnReifyModel
    : ReifyRankedShapedTypeOpInterface::ExternalModel<KilnReifyModel<OpTy>,
                                                      OpTy> {
  LogicalResult
  reifyResultShapes(Operation *op, OpBuilder &b,
                    ReifiedRankedShapedTypeDims &reified) const {
    if (op->getNumResults() != 1)
      return failure();
    FailureOr<Sizes> sizes = resultSizes(b, op);
    if (failed(sizes))
      return failure();
    reified.push_back(*sizes);
    return success();
  }
};

template <typename... OpTys> void attachReify(MLIRContext *ctx) {
  (OpTys::template attachInterface<KilnReifyModel<OpTys>>(*ctx), ...);
}

} // namespace

std::optional<SmallVector<ReassociationIndices>>
mlir::kiln::getReshapeGroups(RankedTensorType source,
                             RankedTensorType target) {
  if (source.getRank() == 0 || target.getRank() == 0)
    return std::nullopt;
  std::optional<SmallVector<ReassociationIndices>> groups =
      getReassociationIndicesForReshape(source, target);
  if (!groups)
    return std::nullopt;
  // Expanding, a group may split a dim into at most one dynamic dim (its
  // size is what the static ones leave); collapsing, sizes multiply.
  if (source.getRank() < target.getRank())
    for (const ReassociationIndices &group : *groups)
      if (llvm::count_if(group, [&](int64_t d) {
            return target.isDynamicDim(d);
          }) > 1)
        return std::nullopt;
  return groups;
}

void mlir::kiln::attachKilnShapeInterfaces(MLIRContext *ctx) {
  attachReify<
      // Elementwise
      AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ModOp, AndOp, OrOp,
      XorOp, EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, NegOp,
      AbsOp, ExpOp, LogOp, SqrtOp, ReciprocalOp, TanhOp, SigmoidOp, ErfOp,
      ReluOp, FloorOp, CeilOp, RoundOp, SinOp, CosOp, SignOp, NotOp, ClipOp,
      CastOp, WhereOp, AcosOp, AsinOp, AtanOp, AcoshOp, AsinhOp, AtanhOp,
      // Others
      MatMulOp, ConvOp, BatchNormOp, LayerNormOp, SoftmaxOp, MaxPoolOp,
      AvgPoolOp, ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp,
      ReduceProdOp, ArgMaxOp, ArgMinOp, TransposeOp, ReshapeOp, ConcatOp,
      PadOp, GatherOp, SliceOp, ResizeOp, CumSumOp>(ctx);
}

FailureOr<SmallVector<OpFoldResult>>
mlir::kiln::reifyKilnResultSizes(OpBuilder &b, Operation *op) {
  return resultSizes(b, op);
}
