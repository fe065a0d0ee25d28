//===- CpuBlockConvChannels.cpp - Output-channel-blocked convolutions -----===//
//
// kiln-cpu-block-conv-channels: an NCHW convolution vectorizes along the
// output width (kiln-cpu-tile-and-fuse's windowed plan), which wastes most of
// each vector on the narrow images of a network's last stages (7 of 16 lanes
// on a 7x7 map), and a 1x1 one becomes a matmul with vectors along the
// flattened image (a partial vector when H*W is not a multiple of it). A
// convolution with constant weights that the register-tile cost model
// (RegisterTiles.h) prices cheaper with vectors along output channels is
// rewritten into a blocked layout:
//
//   out_b[n, fo, oh, ow, fi] += in[n, c, oh*sh + kh*dh, ow*sw + kw*dw]
//                               * w_b[fo, kh, kw, c, fi]
//
// with fi a block of two vectors of output channels and w_b the weights
// repacked at compile time (w_b[fo, kh, kw, c, fi] = w[fo*nb + fi, c, kh,
// kw]), so the register tile is (a row of output pixels) x (2 vectors of
// channels) and every multiply-add broadcasts one input element. The input
// channel is the innermost reduction loop: consecutive steps read different
// input elements, where with the window taps innermost the same input
// element feeds three taps of one row of pixels and LLVM keeps these
// broadcasts alive across the taps (more than 16 registers: spills). A 1x1
// stride-1 convolution on a static image runs over the flattened image,
// out_b[n, fo, p, fi] += in[n, c, p] * w_b[fo, c, fi]: a contraction, tiled
// like a matmul (rows of pixels, cache tiles of the input channels). The
// result goes back to NCHW with one linalg.transpose per convolution (the
// output is a small tensor; the reduction above is C*KH*KW times larger),
// which the cost model charges to the blocked path. The batch and the image
// sizes may be dynamic; the decision then looks at the output width at the
// `opt` shape.
//
//===----------------------------------------------------------------------===//
#include "passes/Codegen/Passes.h"
#include "passes/Codegen/ConstantLayout.h"
#include "passes/Codegen/DimBounds.h"
#include "passes/Codegen/RegisterTiles.h"

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

  /// The accumulator of the blocked convolution [N, FO, OH, OW, NB] (or
  /// [N, FO, OH*OW, NB] when `flat`) built from the convolution's init
  /// `init` [N, F, OH, OW]: a broadcast bias or a fill is rebuilt in the
  /// blocked shape (so it is still fused into the tiles), anything else is
  /// transposed.
  static Value blockInit(RewriterBase &rewriter, Location loc, Value init,
                         RankedTensorType blockedType, bool flat) {
    ArrayRef<int64_t> shape = blockedType.getShape();
    Type elemType = blockedType.getElementType();
    int64_t rank = blockedType.getRank();
    int64_t fo = shape[1], nb = shape[rank - 1];
    // The batch and image sizes of the init (run-time ones included).
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, init);
    SmallVector<OpFoldResult> blockedSizes = {sizes[0],
                                              rewriter.getIndexAttr(fo)};
    if (flat)
      blockedSizes.push_back(rewriter.getIndexAttr(shape[2]));
    else
      blockedSizes.append({sizes[2], sizes[3]});
    blockedSizes.push_back(rewriter.getIndexAttr(nb));
    auto empty = [&] {
      return tensor::EmptyOp::create(rewriter, loc, blockedSizes, elemType);
    };
    // The image dims of the blocked shape (1 or 2) after the channel block.
    SmallVector<int64_t> imageDims =
        llvm::to_vector(llvm::seq<int64_t>(2, rank - 1));
    SmallVector<int64_t> bcastDims = {0};
    llvm::append_range(bcastDims, imageDims);
    if (auto bcast = init.getDefiningOp<linalg::BroadcastOp>();
        bcast && bcast.getDimensions() == ArrayRef<int64_t>{0, 2, 3} &&
        bcast.getInit().getDefiningOp<tensor::EmptyOp>()) {
      Value bias = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({fo, nb}, elemType),
          bcast.getInput(), SmallVector<ReassociationIndices>{{0, 1}});
      return linalg::BroadcastOp::create(rewriter, loc, bias, empty(),
                                         bcastDims)
          ->getResult(0);
    }
    if (auto fill = init.getDefiningOp<linalg::FillOp>();
        fill && fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
      return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0],
                                    Value(empty()))
          .getResult(0);
    // [N, F, OH, OW] (-> [N, F, OH*OW]) -> [N, FO, NB, image...] ->
    // [N, FO, image..., NB].
    if (flat)
      init = tensor::CollapseShapeOp::create(
          rewriter, loc, init,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    SmallVector<int64_t> splitShape = {shape[0], fo, nb};
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
    for (int64_t d : imageDims) {
      groups.push_back({static_cast<int64_t>(splitShape.size())});
      splitShape.push_back(shape[d]);
    }
    Value split = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(splitShape, elemType), init,
        groups);
    SmallVector<int64_t> perm = {0, 1};
    for (int64_t d : imageDims)
      perm.push_back(d + 1);
    perm.push_back(2);
    return linalg::TransposeOp::create(rewriter, loc, split, empty(), perm)
        ->getResult(0);
  }

  /// The elementwise consumer of `conv` (its only user: activation, residual
  /// add) rewritten to run on the blocked result `blocked` [N, FO, OH, OW, NB]
  /// ([N, FO, OH*OW, NB] when `flat`) before the transpose back to NCHW, so
  /// it is fused into the blocked convolution's tiles as an epilogue and the
  /// transpose is the only pass over the output. Operands other than the
  /// convolution's result are read through the blocked indices (channel dims
  /// split into [FO, NB], adjacent OH, OW dims collapsed when `flat`).
  /// Returns the blocked result, or null when the consumer does not qualify.
  static Value sinkEpilogue(RewriterBase &rewriter,
                            linalg::Conv2DNchwFchwOp conv, Value blocked,
                            bool flat) {
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
    // through projected permutations (broadcasts, another NCHW tensor); on
    // the flat image, OH and OW only together (OH right before OW).
    auto readsFlatImage = [](AffineMap map) {
      ArrayRef<AffineExpr> results = map.getResults();
      auto dimAt = [&](int64_t i) -> int64_t {
        if (i < 0 || i >= static_cast<int64_t>(results.size()))
          return -1;
        auto d = dyn_cast<AffineDimExpr>(results[i]);
        return d ? d.getPosition() : -1;
      };
      for (int64_t i = 0, e = results.size(); i < e; ++i)
        if ((dimAt(i) == 2 && dimAt(i + 1) != 3) ||
            (dimAt(i) == 3 && dimAt(i - 1) != 2))
          return false;
      return true;
    };
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(in);
      if (in->get() == nchw ? !map.isIdentity()
                            : !isa<RankedTensorType>(in->get().getType()) ||
                                  !map.isProjectedPermutation(
                                      /*allowZeroInResults=*/true) ||
                                  (flat && !readsFlatImage(map)))
        return {};
    }

    auto blockedType = cast<RankedTensorType>(blocked.getType());
    ArrayRef<int64_t> blockedShape = blockedType.getShape();
    int64_t numDims = blockedType.getRank();
    int64_t fo = blockedShape[1], nb = blockedShape[numDims - 1];
    MLIRContext *ctx = rewriter.getContext();
    // Blocked loop dims: (n, fo, oh, ow, fi) or (n, fo, p, fi).
    AffineExpr dn = getAffineDimExpr(0, ctx), dfo = getAffineDimExpr(1, ctx),
               dfi = getAffineDimExpr(numDims - 1, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(numDims, ctx);
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
      // (n, f, h, w) -> (n, fo * nb + fi, oh, ow): dims indexed by a
      // constant are sliced away (a constant index in a map would keep the
      // op from being tiled), OH and OW are collapsed into one when `flat`,
      // a channel dim is split into [FO, NB].
      SmallVector<OpFoldResult> offsets, sizes;
      SmallVector<int64_t> kept, flatShape, shape;
      SmallVector<AffineExpr> exprs;
      SmallVector<ReassociationIndices> flatGroups, groups;
      for (auto [i, e] : llvm::enumerate(map.getResults())) {
        auto d = dyn_cast<AffineDimExpr>(e);
        int64_t offset = 0;
        if (auto c = dyn_cast<AffineConstantExpr>(e))
          offset = c.getValue();
        bool dropped = !d;
        offsets.push_back(rewriter.getIndexAttr(offset));
        sizes.push_back(dropped ? OpFoldResult(rewriter.getIndexAttr(1))
                                : tensor::getMixedSize(rewriter, loc,
                                                       in->get(), i));
        if (dropped)
          continue;
        int64_t keptIndex = kept.size();
        kept.push_back(type.getDimSize(i));
        if (flat && d.getPosition() == 3) {
          // OW joins the OH group before it.
          flatGroups.back().push_back(keptIndex);
          flatShape.back() *= type.getDimSize(i);
          shape.back() = flatShape.back();
          continue;
        }
        flatGroups.push_back({keptIndex});
        flatShape.push_back(type.getDimSize(i));
        int64_t first = shape.size();
        if (d.getPosition() == 1) {
          exprs.append({dfo, dfi});
          shape.append({fo, nb});
        } else {
          exprs.push_back(d.getPosition() == 0 ? dn
                                               : getAffineDimExpr(
                                                     flat ? 2
                                                          : d.getPosition(),
                                                     ctx));
          shape.push_back(type.getDimSize(i));
        }
        groups.emplace_back(llvm::to_vector(
            llvm::seq<int64_t>(first, static_cast<int64_t>(shape.size()))));
      }
      if (kept.size() != static_cast<size_t>(type.getRank()))
        v = tensor::ExtractSliceOp::create(
            rewriter, loc,
            RankedTensorType::get(kept, type.getElementType()), v, offsets,
            sizes,
            SmallVector<OpFoldResult>(type.getRank(),
                                      rewriter.getIndexAttr(1)));
      if (flatShape != kept)
        v = tensor::CollapseShapeOp::create(rewriter, loc, v, flatGroups);
      if (shape != flatShape)
        v = tensor::ExpandShapeOp::create(
            rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
            v, groups);
      inputs.push_back(v);
      maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
    }
    maps.push_back(identity);
    auto sunkType = RankedTensorType::get(blockedShape,
                                          resultType.getElementType());
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, blocked),
        sunkType.getElementType());
    auto sunk = linalg::GenericOp::create(
        rewriter, loc, TypeRange{sunkType}, inputs, ValueRange{empty}, maps,
        SmallVector<utils::IteratorType>(numDims,
                                         utils::IteratorType::parallel));
    rewriter.cloneRegionBefore(op.getRegion(), sunk.getRegion(),
                               sunk.getRegion().end());
    return sunk.getResult(0);
  }

  /// Whether the register-tile cost model prices a convolution with `f`
  /// output channels, `steps` reduction steps (input channels x window
  /// taps) and `rows` x `width` output pixels cheaper blocked: rows of
  /// pixels x 2 vectors of channels (the pixels of a `flat` 1x1 convolution
  /// are one flat dimension of rows), plus the transpose back to NCHW (a
  /// load and a store per vector of the output), against the path it takes
  /// otherwise: vectors along the output width, rows of channels, with
  /// input vectors read at the width stride `sw`; for a 1x1 convolution
  /// that becomes a matmul (`matmul`: batch 1, static), vectors along the
  /// flattened image. An image of run-time size is priced per output row
  /// (`rows` = 1) at its `opt` width.
  static bool blockedIsCheaper(const kiln::RegisterTileModel &model,
                               int64_t nb, int64_t f, int64_t steps,
                               int64_t rows, int64_t width, int64_t sw,
                               bool flat, bool matmul) {
    double perStep = static_cast<double>(steps);
    double blocked =
        flat ? (f / nb) * model.coverCycles(rows * width, 2)
             : rows * (f / nb) * model.coverCycles(width, 2);
    double other = matmul ? model.gridCycles(f, rows * width)
                          : rows * model.gridCycles(f, width, sw);
    double transpose = 2.0 * f * rows * width / model.lanes;
    return perStep * blocked + transpose < perStep * other;
  }

  /// Rewrites `conv` into the blocked form; false when it does not qualify.
  bool blockConv(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp conv,
                 const kiln::RegisterTileModel &model, int64_t nb) {
    if (!conv.hasPureTensorSemantics())
      return false;
    Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
    Value init = conv.getOutputs()[0];
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    auto wType = dyn_cast<RankedTensorType>(filter.getType());
    auto outType = dyn_cast<RankedTensorType>(init.getType());
    // Batch and image sizes may be dynamic; channels must be static.
    if (!inType || !wType || !outType || !wType.hasStaticShape() ||
        ShapedType::isDynamic(inType.getDimSize(1)) ||
        ShapedType::isDynamic(outType.getDimSize(1)))
      return false;
    Type f32 = rewriter.getF32Type();
    if (inType.getElementType() != f32 || wType.getElementType() != f32 ||
        outType.getElementType() != f32)
      return false;
    ArrayRef<int64_t> in = inType.getShape(), w = wType.getShape(),
                      out = outType.getShape();
    int64_t f = w[0], c = w[1], kh = w[2], kw = w[3];
    int64_t oh = out[2], ow = out[3];
    if (in[1] != c || f % nb != 0)
      return false;
    SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
    // An image of run-time size is judged at its `opt` width (the size the
    // user asked to tune for), per output row.
    bool dynamicImage = ShapedType::isDynamic(oh) || ShapedType::isDynamic(ow);
    int64_t tuneWidth = ow;
    if (ShapedType::isDynamic(ow)) {
      auto func = conv->getParentOfType<func::FuncOp>();
      FailureOr<int64_t> opt =
          func ? kiln::computeOptSize(init, 3, func) : FailureOr<int64_t>();
      if (failed(opt))
        return false;
      tuneWidth = *opt;
    }
    // A 1x1 stride-1 convolution on a static image: over the flattened
    // image (a contraction), against the matmul kiln-cpu-tile-and-fuse
    // makes of it (batch 1) or the windowed plan.
    bool flat = !dynamicImage && kh == 1 && kw == 1 && strides[0] == 1 &&
                strides[1] == 1;
    bool matmul = flat && in[0] == 1;
    if (!blockedIsCheaper(model, nb, f, c * kh * kw, dynamicImage ? 1 : oh,
                          tuneWidth, strides[1], flat, matmul))
      return false;
    ElementsAttr weights;
    if (!matchPattern(filter, m_Constant(&weights)))
      return false;
    // w_b[j, y, x, ci, l] = w[j * nb + l, ci, y, x]: w viewed as
    // [F/nb, nb, C, KH*KW], transposed (0, 3, 2, 1).
    int64_t fo = f / nb;
    SmallVector<int64_t> wShape =
        flat ? SmallVector<int64_t>{fo, c, nb}
             : SmallVector<int64_t>{fo, kh, kw, c, nb};
    ElementsAttr blockedWAttr = kiln::transposeConstant(
        weights, {fo, nb, c, kh * kw}, {0, 3, 2, 1}, wShape, "_blocked");
    if (!blockedWAttr)
      return false;

    Location loc = conv.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    rewriter.setInsertionPoint(conv);
    Value blockedW = arith::ConstantOp::create(
        rewriter, loc, cast<TypedAttr>(blockedWAttr));
    auto blockedType =
        flat ? RankedTensorType::get({out[0], fo, oh * ow, nb}, f32)
             : RankedTensorType::get({out[0], fo, oh, ow, nb}, f32);
    Value acc = blockInit(rewriter, loc, init, blockedType, flat);

    using utils::IteratorType;
    SmallVector<AffineMap> maps;
    SmallVector<IteratorType> iterators;
    if (flat) {
      // (n, fo, p, fi, c): in[n, c, p] * w_b[fo, c, fi] -> out_b[n, fo, p, fi].
      AffineExpr dn, dfo, dp, dfi, dc;
      bindDims(ctx, dn, dfo, dp, dfi, dc);
      input = tensor::CollapseShapeOp::create(
          rewriter, loc, input,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      maps = {AffineMap::get(5, 0, {dn, dc, dp}, ctx),
              AffineMap::get(5, 0, {dfo, dc, dfi}, ctx),
              AffineMap::get(5, 0, {dn, dfo, dp, dfi}, ctx)};
      iterators.assign(4, IteratorType::parallel);
      iterators.push_back(IteratorType::reduction);
    } else {
      // (n, fo, oh, ow, fi, kh, kw, c): the input channel innermost.
      AffineExpr dn, dfo, doh, dow, dfi, dkh, dkw, dc;
      bindDims(ctx, dn, dfo, doh, dow, dfi, dkh, dkw, dc);
      maps = {AffineMap::get(8, 0,
                             {dn, dc, doh * strides[0] + dkh * dilations[0],
                              dow * strides[1] + dkw * dilations[1]},
                             ctx),
              AffineMap::get(8, 0, {dfo, dkh, dkw, dc, dfi}, ctx),
              AffineMap::get(8, 0, {dn, dfo, doh, dow, dfi}, ctx)};
      iterators.assign(5, IteratorType::parallel);
      iterators.append(3, IteratorType::reduction);
    }
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{blockedType}, ValueRange{input, blockedW},
        ValueRange{acc}, maps, iterators,
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value mul = arith::MulFOp::create(b, loc, args[0], args[1]);
          Value add = arith::AddFOp::create(b, loc, args[2], mul);
          linalg::YieldOp::create(b, loc, add);
        });

    // An elementwise consumer runs on the blocked result; then back to
    // [N, F, OH, OW].
    Value blocked = generic.getResult(0);
    Operation *replaced = conv;
    if (Value sunk = sinkEpilogue(rewriter, conv, blocked, flat)) {
      blocked = sunk;
      replaced = *conv->getUsers().begin();
      rewriter.setInsertionPoint(replaced);
    }
    Type elemType = cast<ShapedType>(blocked.getType()).getElementType();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, blocked);
    // [N, FO, image..., NB] -> [N, FO, NB, image...] -> [N, F, image...]
    // (-> [N, F, OH, OW]).
    int64_t rank = blockedType.getRank();
    SmallVector<OpFoldResult> nchwSizes = {sizes[0], sizes[1], sizes[rank - 1]};
    SmallVector<int64_t> perm = {0, 1, rank - 1};
    for (int64_t d = 2; d < rank - 1; ++d) {
      nchwSizes.push_back(sizes[d]);
      perm.push_back(d);
    }
    Value empty = tensor::EmptyOp::create(rewriter, loc, nchwSizes, elemType);
    Value nchw =
        linalg::TransposeOp::create(rewriter, loc, blocked, empty, perm)
            ->getResult(0);
    SmallVector<ReassociationIndices> channelGroups = {{0}, {1, 2}};
    for (int64_t d = 3; d < rank; ++d)
      channelGroups.push_back({d});
    nchw = tensor::CollapseShapeOp::create(rewriter, loc, nchw, channelGroups);
    Type resultType = replaced->getResult(0).getType();
    if (flat)
      nchw = tensor::ExpandShapeOp::create(
          rewriter, loc, resultType, nchw,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (nchw.getType() != resultType)
      nchw = tensor::CastOp::create(rewriter, loc, resultType, nchw);
    rewriter.replaceOp(replaced, nchw);
    if (replaced != conv)
      rewriter.eraseOp(conv);
    return true;
  }

  void runOnOperation() override {
    int64_t lanes = std::max<int64_t>(1, vectorBits / 32);
    int64_t nb = 2 * lanes;
    kiln::RegisterTileModel model{lanes, vectorRegisters};
    SmallVector<linalg::Conv2DNchwFchwOp> candidates;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp op) { candidates.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp op : candidates)
      (void)blockConv(rewriter, op, model, nb);
  }
};
} // namespace
