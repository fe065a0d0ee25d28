//===- CpuBlockConvChannels.cpp - Output-channel-blocked convolutions -----===//
//
// kiln-cpu-block-conv-channels: an NCHW convolution vectorizes along the
// output width (kiln-cpu-tile-and-fuse's windowed plan), which wastes most of
// each vector on the narrow images of a network's last stages (7 of 16 lanes
// on a 7x7 map). Such a convolution with constant weights is rewritten to run
// its vectors along output channels instead, in a blocked layout:
//
//   out_b[fo, oh, ow, fi] += in[c, oh*sh + kh*dh, ow*sw + kw*dw]
//                            * w_b[fo, c, kh, kw, fi]
//
// with fi a block of two vectors of output channels and w_b the weights
// repacked at compile time (w_b[fo, c, kh, kw, fi] = w[fo*nb + fi, c, kh,
// kw]), so the register tile is (a row of output pixels) x (2 vectors of
// channels) and every multiply-add broadcasts one input element. The result
// goes back to NCHW with one linalg.transpose per convolution (the output is
// a small tensor; the reduction above is C*KH*KW times larger).
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"
#include "passes/Codegen/ConstantLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNCPUBLOCKCONVCHANNELS
#include "passes/Codegen/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

struct KilnCpuBlockConvChannelsPass
    : public kiln::impl::KilnCpuBlockConvChannelsBase<
          KilnCpuBlockConvChannelsPass> {
  using Base::Base;

  /// The accumulator of the blocked convolution [FO, OH, OW, NB] built from
  /// the convolution's init `init` [1, F, OH, OW]: a broadcast bias or a
  /// fill is rebuilt in the blocked shape (so it is still fused into the
  /// tiles), anything else is transposed.
  static Value blockInit(RewriterBase &rewriter, Location loc, Value init,
                         RankedTensorType blockedType) {
    ArrayRef<int64_t> shape = blockedType.getShape();
    Type elemType = blockedType.getElementType();
    int64_t fo = shape[0], nb = shape[3];
    auto empty = [&] {
      return tensor::EmptyOp::create(rewriter, loc, shape, elemType);
    };
    if (auto bcast = init.getDefiningOp<linalg::BroadcastOp>();
        bcast && bcast.getDimensions() == ArrayRef<int64_t>{0, 2, 3} &&
        bcast.getInit().getDefiningOp<tensor::EmptyOp>()) {
      Value bias = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({fo, nb}, elemType),
          bcast.getInput(), SmallVector<ReassociationIndices>{{0, 1}});
      return linalg::BroadcastOp::create(rewriter, loc, bias, empty(),
                                         ArrayRef<int64_t>{1, 2})
          ->getResult(0);
    }
    if (auto fill = init.getDefiningOp<linalg::FillOp>();
        fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0],
                                    Value(empty()))
          .getResult(0);
    // [1, F, OH, OW] -> [FO, NB, OH, OW] -> [FO, OH, OW, NB].
    Value split = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({fo * nb, shape[1], shape[2]},
                                             elemType),
        init, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    split = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({fo, nb, shape[1], shape[2]}, elemType), split,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    return linalg::TransposeOp::create(rewriter, loc, split, empty(),
                                       ArrayRef<int64_t>{0, 2, 3, 1})
        ->getResult(0);
  }

  /// The elementwise consumer of `conv` (its only user: activation, residual
  /// add) rewritten to run on the blocked result `blocked` [FO, OH, OW, NB]
  /// before the transpose back to NCHW, so it is fused into the blocked
  /// convolution's tiles as an epilogue and the transpose is the only pass
  /// over the output. Operands other than the convolution's result are read
  /// through the blocked indices (channel dims split into [FO, NB]). Returns
  /// the blocked result, or null when the consumer does not qualify.
  static Value sinkEpilogue(RewriterBase &rewriter,
                            linalg::Conv2DNchwFchwOp conv, Value blocked) {
    Value nchw = conv->getResult(0);
    if (!nchw.hasOneUse())
      return {};
    auto op = dyn_cast<linalg::GenericOp>(*nchw.getUsers().begin());
    if (!op || op->getBlock() != conv->getBlock() ||
        !op.hasPureTensorSemantics() || op.hasIndexSemantics() ||
        op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
        op.getNumLoops() != 4 || op.getNumReductionLoops() != 0)
      return {};
    OpOperand *init = op.getDpsInitOperand(0);
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    if (!op.getMatchingIndexingMap(init).isIdentity() ||
        op.payloadUsesValueFromOperand(init) ||
        resultType.getShape() != cast<ShapedType>(nchw.getType()).getShape())
      return {};

    // The convolution's result is read elementwise, the other operands
    // through projected permutations (broadcasts, another NCHW tensor).
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(in);
      if (in->get() == nchw ? !map.isIdentity()
                            : !isa<RankedTensorType>(in->get().getType()) ||
                                  !map.isProjectedPermutation(
                                      /*allowZeroInResults=*/true))
        return {};
    }

    auto blockedType = cast<RankedTensorType>(blocked.getType());
    int64_t fo = blockedType.getDimSize(0), oh = blockedType.getDimSize(1),
            ow = blockedType.getDimSize(2), nb = blockedType.getDimSize(3);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr dfo, doh, dow, dfi;
    bindDims(ctx, dfo, doh, dow, dfi);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    Location loc = op.getLoc();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(in);
      if (in->get() == nchw) {
        inputs.push_back(blocked);
        maps.push_back(identity);
        continue;
      }
      auto type = cast<RankedTensorType>(in->get().getType());
      // (n, f, h, w) -> (fo * nb + fi, oh, ow): dims indexed by the batch or
      // by a constant are sliced away (a constant index in a map would
      // keep the op from being tiled), a channel dim is split into [FO, NB].
      SmallVector<OpFoldResult> offsets, sizes;
      SmallVector<int64_t> kept, shape;
      SmallVector<AffineExpr> exprs;
      SmallVector<ReassociationIndices> groups;
      for (auto [i, e] : llvm::enumerate(map.getResults())) {
        auto d = dyn_cast<AffineDimExpr>(e);
        int64_t offset = 0;
        if (auto c = dyn_cast<AffineConstantExpr>(e))
          offset = c.getValue();
        bool dropped = !d || d.getPosition() == 0;
        offsets.push_back(rewriter.getIndexAttr(offset));
        sizes.push_back(
            rewriter.getIndexAttr(dropped ? 1 : type.getDimSize(i)));
        if (dropped)
          continue;
        kept.push_back(type.getDimSize(i));
        int64_t first = shape.size();
        if (d.getPosition() == 1) {
          exprs.append({dfo, dfi});
          shape.append({fo, nb});
        } else {
          exprs.push_back(d.getPosition() == 2 ? doh : dow);
          shape.push_back(d.getPosition() == 2 ? oh : ow);
        }
        groups.emplace_back(llvm::to_vector(
            llvm::seq<int64_t>(first, static_cast<int64_t>(shape.size()))));
      }
      // Reshaped before the blocked convolution when the operand is
      // available there (defined before the original convolution, which the
      // blocked one was built right before), so the consumer can be fused
      // into its tiles.
      Value v = in->get();
      Operation *def = v.getDefiningOp();
      OpBuilder::InsertionGuard operandGuard(rewriter);
      if (!def || (def->getBlock() == conv->getBlock() &&
                   def->isBeforeInBlock(conv)))
        rewriter.setInsertionPoint(blocked.getDefiningOp());
      if (kept.size() != static_cast<size_t>(type.getRank()))
        v = tensor::ExtractSliceOp::create(
            rewriter, loc,
            RankedTensorType::get(kept, type.getElementType()), v, offsets,
            sizes,
            SmallVector<OpFoldResult>(type.getRank(),
                                      rewriter.getIndexAttr(1)));
      if (shape != kept)
        v = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
            v, groups);
      inputs.push_back(v);
      maps.push_back(AffineMap::get(4, 0, exprs, ctx));
    }
    maps.push_back(identity);
    auto sunkType =
        RankedTensorType::get({fo, oh, ow, nb}, resultType.getElementType());
    Value empty = tensor::EmptyOp::create(rewriter, loc, sunkType.getShape(),
                                          sunkType.getElementType());
    auto sunk = linalg::GenericOp::create(
        rewriter, loc, TypeRange{sunkType}, inputs, ValueRange{empty}, maps,
        SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel));
    rewriter.cloneRegionBefore(op.getRegion(), sunk.getRegion(),
                               sunk.getRegion().end());
    return sunk.getResult(0);
  }

  /// Rewrites `conv` into the blocked form; false when it does not qualify.
  bool blockConv(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp conv,
                 int64_t nb) {
    if (!conv.hasPureTensorSemantics())
      return false;
    Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
    Value init = conv.getOutputs()[0];
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    auto wType = dyn_cast<RankedTensorType>(filter.getType());
    auto outType = dyn_cast<RankedTensorType>(init.getType());
    if (!inType || !wType || !outType || !inType.hasStaticShape() ||
        !wType.hasStaticShape() || !outType.hasStaticShape())
      return false;
    Type f32 = rewriter.getF32Type();
    if (inType.getElementType() != f32 || wType.getElementType() != f32 ||
        outType.getElementType() != f32)
      return false;
    ArrayRef<int64_t> in = inType.getShape(), w = wType.getShape(),
                      out = outType.getShape();
    int64_t f = w[0], c = w[1], kh = w[2], kw = w[3];
    int64_t oh = out[2], ow = out[3];
    SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
    // 1x1 stride-1 convolutions on small images become matmuls over the
    // flattened image (kiln-cpu-tile-and-fuse), with full vectors when the
    // image size is a multiple of the vector (not 7x7 = 49, 14x14 = 196).
    bool pointwise = kh == 1 && kw == 1 && strides[0] == 1 &&
                     strides[1] == 1 && (oh * ow) % (nb / 2) == 0;
    if (in[0] != 1 || in[1] != c || f % nb != 0 || ow >= maxWidth ||
        pointwise)
      return false;
    ElementsAttr weights;
    if (!matchPattern(filter, m_Constant(&weights)))
      return false;
    // w_b[j, ci, y, x, l] = w[j * nb + l, ci, y, x]: w viewed as
    // [F/nb, nb, C*KH*KW], transposed (0, 2, 1).
    int64_t fo = f / nb;
    ElementsAttr blockedWAttr =
        kiln::transposeConstant(weights, {fo, nb, c * kh * kw}, {0, 2, 1},
                                {fo, c, kh, kw, nb}, "_blocked");
    if (!blockedWAttr)
      return false;

    Location loc = conv.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    rewriter.setInsertionPoint(conv);
    Value blockedW = arith::ConstantOp::create(
        rewriter, loc, cast<TypedAttr>(blockedWAttr));
    Value image = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({c, in[2], in[3]}, f32), input,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    auto blockedType = RankedTensorType::get({fo, oh, ow, nb}, f32);
    Value acc = blockInit(rewriter, loc, init, blockedType);

    AffineExpr dfo, doh, dow, dfi, dc, dkh, dkw;
    bindDims(ctx, dfo, doh, dow, dfi, dc, dkh, dkw);
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0,
                       {dc, doh * strides[0] + dkh * dilations[0],
                        dow * strides[1] + dkw * dilations[1]},
                       ctx),
        AffineMap::get(7, 0, {dfo, dc, dkh, dkw, dfi}, ctx),
        AffineMap::get(7, 0, {dfo, doh, dow, dfi}, ctx)};
    using utils::IteratorType;
    SmallVector<IteratorType> iterators(4, IteratorType::parallel);
    iterators.append(3, IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{blockedType}, ValueRange{image, blockedW},
        ValueRange{acc}, maps, iterators,
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value mul = arith::MulFOp::create(b, loc, args[0], args[1]);
          Value add = arith::AddFOp::create(b, loc, args[2], mul);
          linalg::YieldOp::create(b, loc, add);
        });

    // An elementwise consumer runs on the blocked result; then back to
    // [1, F, OH, OW].
    Value blocked = generic.getResult(0);
    Operation *replaced = conv;
    if (Value sunk = sinkEpilogue(rewriter, conv, blocked)) {
      blocked = sunk;
      replaced = *conv->getUsers().begin();
      rewriter.setInsertionPoint(replaced);
    }
    Type elemType = cast<ShapedType>(blocked.getType()).getElementType();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<int64_t>{fo, nb, oh, ow}, elemType);
    Value nchw = linalg::TransposeOp::create(rewriter, loc, blocked, empty,
                                             ArrayRef<int64_t>{0, 3, 1, 2})
                     ->getResult(0);
    nchw = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({f, oh, ow}, elemType), nchw,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        replaced, replaced->getResult(0).getType(), nchw,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    if (replaced != conv)
      rewriter.eraseOp(conv);
    return true;
  }

  void runOnOperation() override {
    int64_t nb = 2 * std::max<int64_t>(1, vectorBits / 32);
    SmallVector<linalg::Conv2DNchwFchwOp> candidates;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp op : candidates)
      (void)blockConv(rewriter, op, nb);
  }
};
} // namespace
