//===- Spatial.cpp - kiln resize/grid_sample/roi_align -> linalg ----------===//
//
// resize: shapes, scales and the region of interest are static, so where
// each result coordinate samples the input is known at compile time. Each
// resampled dim gets constant tables (per result position: the clamped
// input index and the weight of every tap, and whether the position lies
// outside the input for tf_crop_and_resize), computed here in double
// precision exactly as ONNX's reference does. nearest is one linalg.generic
// over the result reading one element (tensor.extract at the tabled
// indices); linear and cubic are separable and resample one dim at a time,
// innermost first (the reference's order), each a linalg.generic that sums
// 2 or 4 taps. Dims that resampling maps onto themselves (batch and
// channels, typically) are skipped.
//
// grid_sample: the coordinates come from the grid at run time, so the
// linalg.generic over [N, C, Ho, Wo] computes them in its body (torch's
// grid_sampler_2d arithmetic: unnormalize, border/reflection, taps) and
// reads the input with tensor.extract at clamped indices, masking taps
// outside the input to zero.
//
// roi_align: a linalg.generic over [R, C, Ho, Wo] whose body loops (scf.for)
// over the bin's sampling grid, whose size is static with sampling_ratio > 0
// and depends on the box otherwise; the sampling follows onnxruntime's
// RoiAlign (which ONNX's reference reproduces), max mode included.
//
//===----------------------------------------------------------------------===//
#include "passes/Conversion/KilnToLinalg/Utils.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// How one dim of a resize samples its input: for result position x, the
/// input indices (clamped into the input, the reference's edge padding) and
/// weights of its `taps` taps, and whether x lies outside the input
/// (tf_crop_and_resize extrapolation).
struct AxisPlan {
  int64_t taps = 1;
  SmallVector<int64_t> indices; // [out][taps]
  SmallVector<double> weights;  // [out][taps]
  SmallVector<bool> outside;    // [out]
  bool anyOutside = false;
  /// Result position x reads input x with weight 1 and nothing else.
  bool identity = false;
  /// A dynamic dim: the tables are computed at run time (index and weight
  /// of each tap, as 1-D tensors over the result dim), not listed above.
  SmallVector<Value> indexTables, weightTables;
  Value outSize; // index
};

/// The input coordinate of result coordinate `x` (ONNX's formulas; the
/// resized length is scale * input length, not the rounded result size).
double sourceCoordinate(CoordinateTransform mode, double x, double scale,
                        int64_t inSize, double roiBegin, double roiEnd) {
  double resized = scale * static_cast<double>(inSize);
  switch (mode) {
  case CoordinateTransform::half_pixel:
    return (x + 0.5) / scale - 0.5;
  case CoordinateTransform::pytorch_half_pixel:
    return resized == 1.0 ? -0.5 : (x + 0.5) / scale - 0.5;
  case CoordinateTransform::align_corners:
    return resized == 1.0
               ? 0.0
               : x * static_cast<double>(inSize - 1) / (resized - 1.0);
  case CoordinateTransform::asymmetric:
    return x / scale;
  case CoordinateTransform::tf_half_pixel_for_nn:
    return (x + 0.5) / scale;
  case CoordinateTransform::tf_crop_and_resize: {
    double length = static_cast<double>(inSize - 1);
    double offset = roiBegin * length;
    if (resized == 1.0)
      return offset + (roiEnd - roiBegin) * length / 2.0;
    return offset + x * (roiEnd - roiBegin) * length / (resized - 1.0);
  }
  }
  llvm_unreachable("unknown coordinate transform");
}

/// Keys' cubic convolution weights of the 4 taps around a point at `ratio`
/// in (0, 1] past the second tap.
std::array<double, 4> cubicWeights(double ratio, double a) {
  auto near = [&](double t) { return ((a + 2) * t - (a + 3)) * t * t + 1; };
  auto far = [&](double t) {
    return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  };
  return {far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)};
}

AxisPlan planAxis(ResizeOp op, int64_t dim) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  int64_t inSize = inputType.getDimSize(dim);
  int64_t outSize = op.getSizes()[dim];
  int64_t rank = inputType.getRank();
  double scale = op.getScales()[dim];
  CoordinateTransform transform = op.getCoordinateTransform();
  double roiBegin = 0.0, roiEnd = 1.0;
  if (!op.getRoi().empty()) {
    roiBegin = op.getRoi()[dim];
    roiEnd = op.getRoi()[dim + rank];
  }
  InterpolationMode mode = op.getMode();
  AxisPlan plan;
  plan.taps = mode == InterpolationMode::nearest  ? 1
              : mode == InterpolationMode::linear ? 2
                                                  : 4;
  for (int64_t x = 0; x < outSize; ++x) {
    double coord = sourceCoordinate(transform, static_cast<double>(x), scale,
                                    inSize, roiBegin, roiEnd);
    bool outside = transform == CoordinateTransform::tf_crop_and_resize &&
                   (coord < 0.0 || coord > static_cast<double>(inSize - 1));
    plan.outside.push_back(outside);
    plan.anyOutside |= outside;
    // The reference's neighbours: the taps around `base` (the input index
    // just before coord, or coord - 1 when coord is integral) with `ratio`
    // in (0, 1].
    double base = std::ceil(coord) - 1.0;
    double ratio = coord - base;
    SmallVector<double, 4> taps, weights;
    switch (mode) {
    case InterpolationMode::nearest: {
      // Integral coordinates (ratio 1) read the second tap.
      bool second = true;
      if (ratio != 1.0) {
        switch (op.getNearestMode()) {
        case NearestRounding::round_prefer_floor:
          second = ratio > 0.5;
          break;
        case NearestRounding::round_prefer_ceil:
          second = ratio >= 0.5;
          break;
        case NearestRounding::floor:
          second = false;
          break;
        case NearestRounding::ceil:
          second = true;
          break;
        }
      }
      taps = {second ? base + 1 : base};
      weights = {1.0};
      break;
    }
    case InterpolationMode::linear:
      taps = {base, base + 1};
      weights = {1.0 - ratio, ratio};
      break;
    case InterpolationMode::cubic: {
      std::array<double, 4> w =
          cubicWeights(ratio, op.getCubicCoeffA().convertToDouble());
      taps = {base - 1, base, base + 1, base + 2};
      weights.assign(w.begin(), w.end());
      if (op.getExcludeOutside()) {
        double sum = 0.0;
        for (int t = 0; t < 4; ++t) {
          if (taps[t] < 0 || taps[t] > static_cast<double>(inSize - 1))
            weights[t] = 0.0;
          sum += weights[t];
        }
        for (double &w : weights)
          w = sum != 0.0 ? w / sum : 0.0;
      }
      break;
    }
    }
    for (int64_t t = 0; t < plan.taps; ++t) {
      double clamped =
          std::clamp(taps[t], 0.0, static_cast<double>(inSize - 1));
      plan.indices.push_back(static_cast<int64_t>(clamped));
      plan.weights.push_back(outside ? 0.0 : weights[t]);
    }
  }
  plan.identity = inSize == outSize && !plan.anyOutside;
  for (int64_t x = 0; plan.identity && x < outSize; ++x) {
    double self = 0.0, other = 0.0;
    for (int64_t t = 0; t < plan.taps; ++t) {
      double w = plan.weights[x * plan.taps + t];
      (plan.indices[x * plan.taps + t] == x ? self : other) += std::fabs(w);
    }
    plan.identity = self == 1.0 && other == 0.0;
  }
  return plan;
}

/// The plan of dynamic dim `dim`: its tables computed at run time by one
/// linalg.generic over the result dim, with the formulas of planAxis
/// (nearest and linear modes; no tf_crop_and_resize, checked up front).
AxisPlan planDynamicAxis(OpBuilder &b, Location loc, ResizeOp op, Value input,
                         int64_t dim, FloatType ft) {
  AxisPlan plan;
  double scale = op.getScales()[dim];
  InterpolationMode mode = op.getMode();
  CoordinateTransform transform = op.getCoordinateTransform();
  plan.taps = mode == InterpolationMode::nearest ? 1 : 2;
  plan.identity = scale == 1.0;
  if (plan.identity)
    return plan;
  Value inSize = tensor::DimOp::create(b, loc, input, dim);
  AffineExpr s0 = b.getAffineSymbolExpr(0);
  AffineExpr e = scale >= 1.0 ? s0 * static_cast<int64_t>(scale)
                              : s0.floorDiv(static_cast<int64_t>(1.0 / scale));
  plan.outSize = affine::AffineApplyOp::create(b, loc, AffineMap::get(0, 1, e),
                                               ValueRange{inSize});
  Type i64 = b.getI64Type();
  SmallVector<Type> types;
  SmallVector<Value> inits;
  for (int64_t t = 0; t < plan.taps; ++t)
    for (Type et : {i64, Type(ft)}) {
      inits.push_back(
          createEmpty(b, loc, {ShapedType::kDynamic}, et, plan.outSize));
      types.push_back(inits.back().getType());
    }
  SmallVector<AffineMap> maps(inits.size(), b.getMultiDimIdentityMap(1));
  auto generic = linalg::GenericOp::create(
      b, loc, types, ValueRange{}, inits, maps, parallelIterators(1),
      [&](OpBuilder &nb, Location l, ValueRange) {
        auto c = [&](double v) { return createScalar(nb, l, ft, v); };
        auto toFloat = [&](Value index) -> Value {
          Value i = arith::IndexCastOp::create(nb, l, i64, index);
          return arith::SIToFPOp::create(nb, l, ft, i);
        };
        Value x = toFloat(linalg::IndexOp::create(nb, l, 0));
        Value in = toFloat(inSize);
        Value sc = c(scale);
        Value resized = arith::MulFOp::create(nb, l, sc, in);
        Value isOne = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            resized, c(1.0));
        auto halfPixel = [&] {
          Value v = arith::DivFOp::create(
              nb, l, arith::AddFOp::create(nb, l, x, c(0.5)), sc);
          return arith::SubFOp::create(nb, l, v, c(0.5)).getResult();
        };
        Value coord;
        switch (transform) {
        case CoordinateTransform::half_pixel:
          coord = halfPixel();
          break;
        case CoordinateTransform::pytorch_half_pixel:
          coord = arith::SelectOp::create(nb, l, isOne, c(-0.5), halfPixel());
          break;
        case CoordinateTransform::asymmetric:
          coord = arith::DivFOp::create(nb, l, x, sc);
          break;
        case CoordinateTransform::tf_half_pixel_for_nn:
          coord = arith::DivFOp::create(
              nb, l, arith::AddFOp::create(nb, l, x, c(0.5)), sc);
          break;
        case CoordinateTransform::align_corners:
        default: {
          Value num = arith::MulFOp::create(
              nb, l, x, arith::SubFOp::create(nb, l, in, c(1.0)));
          Value v = arith::DivFOp::create(
              nb, l, num, arith::SubFOp::create(nb, l, resized, c(1.0)));
          coord = arith::SelectOp::create(nb, l, isOne, c(0.0), v);
          break;
        }
        }
        Value base = arith::SubFOp::create(
            nb, l, math::CeilOp::create(nb, l, coord), c(1.0));
        Value ratio = arith::SubFOp::create(nb, l, coord, base);
        SmallVector<Value> taps, weights;
        if (mode == InterpolationMode::nearest) {
          Value second;
          auto cmp = [&](arith::CmpFPredicate p, double v) {
            return arith::CmpFOp::create(nb, l, p, ratio, c(v)).getResult();
          };
          switch (op.getNearestMode()) {
          case NearestRounding::round_prefer_floor:
            second = cmp(arith::CmpFPredicate::OGT, 0.5);
            break;
          case NearestRounding::round_prefer_ceil:
            second = cmp(arith::CmpFPredicate::OGE, 0.5);
            break;
          case NearestRounding::floor:
            second = cmp(arith::CmpFPredicate::OEQ, 1.0);
            break;
          case NearestRounding::ceil:
            second = createScalar(nb, l, nb.getI1Type(), 1.0);
            break;
          }
          // Integral coordinates (ratio 1) read the second tap.
          second = arith::OrIOp::create(nb, l, second,
                                        cmp(arith::CmpFPredicate::OEQ, 1.0));
          taps.push_back(arith::SelectOp::create(
              nb, l, second, arith::AddFOp::create(nb, l, base, c(1.0)),
              base));
          weights.push_back(c(1.0));
        } else {
          taps = {base, arith::AddFOp::create(nb, l, base, c(1.0))};
          weights = {arith::SubFOp::create(nb, l, c(1.0), ratio), ratio};
        }
        SmallVector<Value> results;
        Value last = arith::SubFOp::create(nb, l, in, c(1.0));
        for (auto [tap, weight] : llvm::zip(taps, weights)) {
          Value clamped = arith::MinNumFOp::create(
              nb, l, arith::MaxNumFOp::create(nb, l, tap, c(0.0)), last);
          results.push_back(arith::FPToSIOp::create(nb, l, i64, clamped));
          results.push_back(weight);
        }
        linalg::YieldOp::create(nb, l, results);
      });
  for (int64_t t = 0; t < plan.taps; ++t) {
    plan.indexTables.push_back(generic.getResult(2 * t));
    plan.weightTables.push_back(generic.getResult(2 * t + 1));
  }
  return plan;
}

/// A constant 1-D table.
Value createTable(OpBuilder &b, Location loc, Type elementType,
                  ArrayRef<Attribute> values) {
  auto type =
      RankedTensorType::get({static_cast<int64_t>(values.size())}, elementType);
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

/// Column `tap` of the plan's index table, as i64.
Value createIndexTable(OpBuilder &b, Location loc, const AxisPlan &plan,
                       int64_t tap) {
  if (!plan.indexTables.empty())
    return plan.indexTables[tap];
  SmallVector<Attribute> values;
  for (size_t x = 0, e = plan.outside.size(); x < e; ++x)
    values.push_back(b.getI64IntegerAttr(plan.indices[x * plan.taps + tap]));
  return createTable(b, loc, b.getI64Type(), values);
}

Value createWeightTable(OpBuilder &b, Location loc, const AxisPlan &plan,
                        int64_t tap, FloatType type) {
  if (!plan.weightTables.empty())
    return plan.weightTables[tap];
  SmallVector<Attribute> values;
  for (size_t x = 0, e = plan.outside.size(); x < e; ++x)
    values.push_back(b.getFloatAttr(type, plan.weights[x * plan.taps + tap]));
  return createTable(b, loc, type, values);
}

Value createOutsideTable(OpBuilder &b, Location loc, const AxisPlan &plan) {
  SmallVector<Attribute> values;
  for (bool outside : plan.outside)
    values.push_back(b.getBoolAttr(outside));
  return createTable(b, loc, b.getI1Type(), values);
}

/// The indices of the current iteration of the enclosing linalg.generic.
SmallVector<Value> iterationIndices(OpBuilder &b, Location loc, int64_t rank) {
  SmallVector<Value> indices;
  for (int64_t d = 0; d < rank; ++d)
    indices.push_back(linalg::IndexOp::create(b, loc, d));
  return indices;
}

Value toIndex(OpBuilder &b, Location loc, Value i64) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i64);
}

/// Nearest: one linalg.generic over the result; each resampled dim reads
/// its index table, the others their own index.
Value lowerNearest(OpBuilder &b, Location loc, ResizeOp op, Value input,
                   RankedTensorType resultType, ArrayRef<AxisPlan> plans) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<Value> tables;
  SmallVector<AffineMap> maps;
  SmallVector<int64_t> tableDim; // per dim: operand number or -1
  SmallVector<int64_t> outsideOperands;
  for (int64_t d = 0; d < rank; ++d) {
    if (plans[d].identity) {
      tableDim.push_back(-1);
      continue;
    }
    tableDim.push_back(tables.size());
    tables.push_back(createIndexTable(b, loc, plans[d], 0));
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, ctx)));
    if (plans[d].anyOutside) {
      outsideOperands.push_back(tables.size());
      tables.push_back(createOutsideTable(b, loc, plans[d]));
      maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, ctx)));
    }
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Type elementType = resultType.getElementType();
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(plans[d].outSize
                                 ? plans[d].outSize
                                 : tensor::DimOp::create(b, loc, input, d));
  Value init =
      createEmpty(b, loc, resultType.getShape(), elementType, dynamicSizes);
  double extrapolation = op.getExtrapolationValue().convertToDouble();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, tables, ValueRange{init}, maps,
             parallelIterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               SmallVector<Value> indices = iterationIndices(nb, nloc, rank);
               for (int64_t d = 0; d < rank; ++d)
                 if (tableDim[d] >= 0)
                   indices[d] = toIndex(nb, nloc, args[tableDim[d]]);
               Value v = tensor::ExtractOp::create(nb, nloc, input, indices);
               if (!outsideOperands.empty()) {
                 Value outside = args[outsideOperands.front()];
                 for (int64_t i :
                      ArrayRef<int64_t>(outsideOperands).drop_front())
                   outside = arith::OrIOp::create(nb, nloc, outside, args[i]);
                 Value fill =
                     createScalar(nb, nloc, elementType, extrapolation);
                 v = arith::SelectOp::create(nb, nloc, outside, fill, v);
               }
               linalg::YieldOp::create(nb, nloc, v);
             })
      .getResult(0);
}

/// Linear/cubic along dim `dim` of `input`: sum over taps of
/// weight * input[..., index, ...], in the compute type.
Value resampleAxis(OpBuilder &b, Location loc, Value input, int64_t dim,
                   const AxisPlan &plan, double extrapolation) {
  MLIRContext *ctx = b.getContext();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  Type elementType = inputType.getElementType();
  auto computeType = cast<FloatType>(getComputeType(elementType));
  SmallVector<int64_t> shape(inputType.getShape());
  shape[dim] = plan.outSize ? ShapedType::kDynamic : plan.outside.size();
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dynamicSizes.push_back(d == dim ? plan.outSize
                                      : tensor::DimOp::create(b, loc, input, d)
                                            .getResult());
  SmallVector<Value> tables;
  for (int64_t t = 0; t < plan.taps; ++t) {
    tables.push_back(createIndexTable(b, loc, plan, t));
    tables.push_back(createWeightTable(b, loc, plan, t, computeType));
  }
  if (plan.anyOutside)
    tables.push_back(createOutsideTable(b, loc, plan));
  SmallVector<AffineMap> maps(
      tables.size(), AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx)));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = createEmpty(b, loc, shape, elementType, dynamicSizes);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, tables, ValueRange{init}, maps,
             parallelIterators(rank),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               SmallVector<Value> indices = iterationIndices(nb, nloc, rank);
               Value acc;
               for (int64_t t = 0; t < plan.taps; ++t) {
                 indices[dim] = toIndex(nb, nloc, args[2 * t]);
                 Value v = tensor::ExtractOp::create(nb, nloc, input, indices);
                 v = castScalar(nb, nloc, v, elementType, computeType);
                 Value term =
                     arith::MulFOp::create(nb, nloc, args[2 * t + 1], v);
                 acc = acc ? Value(arith::AddFOp::create(nb, nloc, acc, term))
                           : term;
               }
               if (plan.anyOutside)
                 acc = arith::SelectOp::create(
                     nb, nloc, args[2 * plan.taps],
                     createScalar(nb, nloc, computeType, extrapolation), acc);
               linalg::YieldOp::create(
                   nb, nloc,
                   castScalar(nb, nloc, acc, computeType, elementType));
             })
      .getResult(0);
}

class ResizeOpLowering : public KilnLowering<ResizeOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(ResizeOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    int64_t rank = resultType.getRank();
    if (resultType.hasStaticShape() && resultType.getNumElements() == 0) {
      rewriter.replaceOp(op, createEmpty(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType()));
      return success();
    }
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    auto tableType = cast<FloatType>(getComputeType(
        isa<FloatType>(resultType.getElementType())
            ? resultType.getElementType()
            : Type(rewriter.getF32Type())));
    SmallVector<AxisPlan, 4> plans;
    for (int64_t d = 0; d < rank; ++d)
      plans.push_back(inputType.isDynamicDim(d)
                          ? planDynamicAxis(rewriter, loc, op,
                                            adaptor.getInput(), d, tableType)
                          : planAxis(op, d));
    Value result = adaptor.getInput();
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    if (op.getMode() == InterpolationMode::nearest) {
      if (!llvm::all_of(plans, [](const AxisPlan &p) { return p.identity; }))
        result = lowerNearest(rewriter, loc, op, result, resultType, plans);
    } else {
      for (int64_t d = rank - 1; d >= 0; --d)
        if (!plans[d].identity)
          result =
              resampleAxis(rewriter, loc, result, d, plans[d], extrapolation);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

/// Emits grid_sample's per-dim coordinate arithmetic (torch's
/// grid_sampler_2d) in a linalg.generic body, in float type `ft`.
class GridMath {
public:
  GridMath(OpBuilder &b, Location loc, FloatType ft, GridSampleOp op)
      : b(b), loc(loc), ft(ft), padding(op.getPaddingMode()),
        alignCorners(op.getAlignCorners()) {}

  Value c(double v) { return createScalar(b, loc, ft, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  /// Clamps into [lo, hi]; NaN becomes lo (so indices stay in bounds).
  Value clamp(Value x, double lo, double hi) {
    x = arith::MaxNumFOp::create(b, loc, x, c(lo));
    return arith::MinNumFOp::create(b, loc, x, c(hi));
  }

  /// Grid value in [-1, 1] -> input coordinate along a dim of `size`.
  Value unnormalize(Value g, int64_t size) {
    Value s = c(static_cast<double>(size));
    if (alignCorners)
      return mul(mul(add(g, c(1.0)), c(0.5)), c(static_cast<double>(size - 1)));
    return mul(sub(mul(add(g, c(1.0)), s), c(1.0)), c(0.5));
  }

  /// Reflects `x` into [lo2 / 2, hi2 / 2] (bounds given doubled).
  Value reflect(Value x, int64_t lo2, int64_t hi2) {
    if (lo2 == hi2)
      return c(0.0);
    double min = lo2 / 2.0, span = (hi2 - lo2) / 2.0;
    Value in = math::AbsFOp::create(b, loc, sub(x, c(min)));
    Value flips = floor(arith::DivFOp::create(b, loc, in, c(span)));
    Value extra = sub(in, mul(flips, c(span)));
    Value half = mul(flips, c(0.5));
    Value even = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                       floor(half), half);
    return arith::SelectOp::create(b, loc, even, add(extra, c(min)),
                                   add(sub(c(span), extra), c(min)));
  }

  /// border: clip into the input; reflection: reflect at the borders
  /// (pixel centers with align_corners, edges otherwise), then clip.
  Value applyPadding(Value x, int64_t size) {
    switch (padding) {
    case GridPadding::zeros:
      return x;
    case GridPadding::border:
      return clamp(x, 0.0, static_cast<double>(size - 1));
    case GridPadding::reflection:
      x = alignCorners ? reflect(x, 0, 2 * (size - 1))
                       : reflect(x, -1, 2 * size - 1);
      return clamp(x, 0.0, static_cast<double>(size - 1));
    }
    llvm_unreachable("unknown grid padding");
  }

  /// Whether integral coordinate `x` lies in [0, size).
  Value inBounds(Value x, int64_t size) {
    Value ge =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, c(0.0));
    Value le = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x,
                                     c(static_cast<double>(size - 1)));
    return arith::AndIOp::create(b, loc, ge, le);
  }

  /// Integral coordinate `x` as an index clamped into [0, size).
  Value toClampedIndex(Value x, int64_t size) {
    Value clamped = clamp(x, 0.0, static_cast<double>(size - 1));
    Value i = arith::FPToSIOp::create(b, loc, b.getI64Type(), clamped);
    return arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  }

  OpBuilder &b;
  Location loc;
  FloatType ft;
  GridPadding padding;
  bool alignCorners;
};

/// One dim's taps: integral coordinates (padding applied, maybe outside the
/// input) and their weights.
struct Taps {
  SmallVector<Value, 4> coords, weights;
};

Taps computeTaps(GridMath &m, InterpolationMode mode, Value g, int64_t size) {
  Taps taps;
  Value x = m.unnormalize(g, size);
  switch (mode) {
  case InterpolationMode::nearest:
    taps.coords = {
        Value(math::RoundEvenOp::create(m.b, m.loc, m.applyPadding(x, size)))};
    taps.weights = {m.c(1.0)};
    return taps;
  case InterpolationMode::linear: {
    x = m.applyPadding(x, size);
    Value x0 = m.floor(x);
    Value t = m.sub(x, x0);
    taps.coords = {x0, m.add(x0, m.c(1.0))};
    taps.weights = {m.sub(m.c(1.0), t), t};
    return taps;
  }
  case InterpolationMode::cubic: {
    // Padding applies to each tap, not to the sampled point.
    Value x0 = m.floor(x);
    Value t = m.sub(x, x0);
    constexpr double a = -0.75;
    auto near = [&](Value v) { // ((a + 2) v - (a + 3)) v v + 1
      Value p = m.sub(m.mul(m.c(a + 2), v), m.c(a + 3));
      return m.add(m.mul(m.mul(p, v), v), m.c(1.0));
    };
    auto far = [&](Value v) { // ((a v - 5a) v + 8a) v - 4a
      Value p = m.sub(m.mul(m.c(a), v), m.c(5 * a));
      p = m.add(m.mul(p, v), m.c(8 * a));
      return m.sub(m.mul(p, v), m.c(4 * a));
    };
    Value one = m.c(1.0);
    taps.weights = {far(m.add(t, one)), near(t), near(m.sub(one, t)),
                    far(m.sub(m.c(2.0), t))};
    for (int i = -1; i <= 2; ++i)
      taps.coords.push_back(
          m.applyPadding(m.add(x0, m.c(static_cast<double>(i))), size));
    return taps;
  }
  }
  llvm_unreachable("unknown interpolation mode");
}

class GridSampleOpLowering : public KilnLowering<GridSampleOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(GridSampleOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput(), grid = adaptor.getGrid();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto gridType = cast<RankedTensorType>(grid.getType());
    int64_t height = inputType.getDimSize(2), width = inputType.getDimSize(3);
    Type elementType = resultType.getElementType();
    Type gridElementType = gridType.getElementType();
    auto ft = cast<FloatType>(getComputeType(elementType));
    if (resultType.getNumElements() == 0 || height == 0 || width == 0) {
      // Nothing to read: every tap is outside (zeros) or nothing is written.
      rewriter.replaceOp(
          op, createFilled(rewriter, loc, resultType.getShape(),
                           createScalar(rewriter, loc, elementType, 0.0)));
      return success();
    }

    // The grid's x and y planes, [N, Ho, Wo] each.
    ArrayRef<int64_t> gs = gridType.getShape();
    auto plane = [&](int64_t k) {
      SmallVector<OpFoldResult> offsets = {
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
          rewriter.getIndexAttr(0), rewriter.getIndexAttr(k)};
      SmallVector<OpFoldResult> sizes = {
          rewriter.getIndexAttr(gs[0]), rewriter.getIndexAttr(gs[1]),
          rewriter.getIndexAttr(gs[2]), rewriter.getIndexAttr(1)};
      SmallVector<OpFoldResult> strides(4, rewriter.getIndexAttr(1));
      auto type = RankedTensorType::get({gs[0], gs[1], gs[2]}, gridElementType);
      return tensor::ExtractSliceOp::create(rewriter, loc, type, grid, offsets,
                                            sizes, strides)
          .getResult();
    };
    Value gx = plane(0), gy = plane(1);
    AffineMap gridMap =
        AffineMap::get(4, 0,
                       {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx),
                        getAffineDimExpr(3, ctx)},
                       ctx);
    Value init = createEmpty(rewriter, loc, resultType.getShape(), elementType);
    InterpolationMode mode = op.getMode();
    bool zeros = op.getPaddingMode() == GridPadding::zeros;
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{gx, gy},
            ValueRange{init},
            ArrayRef<AffineMap>{gridMap, gridMap,
                                rewriter.getMultiDimIdentityMap(4)},
            parallelIterators(4),
            [&](OpBuilder &b, Location nloc, ValueRange args) {
              GridMath m(b, nloc, ft, op);
              Value x = castScalar(b, nloc, args[0], gridElementType, ft);
              Value y = castScalar(b, nloc, args[1], gridElementType, ft);
              Taps tx = computeTaps(m, mode, x, width);
              Taps ty = computeTaps(m, mode, y, height);
              Value n = linalg::IndexOp::create(b, nloc, 0);
              Value ch = linalg::IndexOp::create(b, nloc, 1);
              SmallVector<Value> xi, yi, xin, yin;
              for (Value cx : tx.coords) {
                xi.push_back(m.toClampedIndex(cx, width));
                xin.push_back(m.inBounds(cx, width));
              }
              for (Value cy : ty.coords) {
                yi.push_back(m.toClampedIndex(cy, height));
                yin.push_back(m.inBounds(cy, height));
              }
              Value acc;
              for (size_t j = 0; j < yi.size(); ++j) {
                Value row;
                for (size_t i = 0; i < xi.size(); ++i) {
                  Value v = tensor::ExtractOp::create(
                      b, nloc, input, ValueRange{n, ch, yi[j], xi[i]});
                  v = castScalar(b, nloc, v, elementType, ft);
                  if (zeros)
                    v = arith::SelectOp::create(
                        b, nloc, arith::AndIOp::create(b, nloc, xin[i], yin[j]),
                        v, m.c(0.0));
                  Value term = m.mul(tx.weights[i], v);
                  row = row ? m.add(row, term) : term;
                }
                Value term = m.mul(ty.weights[j], row);
                acc = acc ? m.add(acc, term) : term;
              }
              linalg::YieldOp::create(
                  b, nloc, castScalar(b, nloc, acc, ft, elementType));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

class RoiAlignOpLowering : public KilnLowering<RoiAlignOp> {
public:
  using KilnLowering::KilnLowering;

protected:
  LogicalResult lower(RoiAlignOp op, OpAdaptor adaptor, TypeRange resultTypes,
                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(resultTypes.front());
    Value input = adaptor.getInput(), rois = adaptor.getRois(),
          batchIndices = adaptor.getBatchIndices();
    auto inputType = cast<RankedTensorType>(input.getType());
    Type elementType = resultType.getElementType();
    auto ft = cast<FloatType>(getComputeType(elementType));
    int64_t batch = inputType.getDimSize(0);
    int64_t height = inputType.getDimSize(2), width = inputType.getDimSize(3);
    if (resultType.getNumElements() == 0 || batch == 0 || height == 0 ||
        width == 0) {
      rewriter.replaceOp(
          op, createFilled(rewriter, loc, resultType.getShape(),
                           createScalar(rewriter, loc, elementType, 0.0)));
      return success();
    }
    bool isMax = op.getMode() == RoiReduction::max;
    bool halfPixel = op.getHalfPixel();
    int64_t pooledH = op.getOutputHeight(), pooledW = op.getOutputWidth();
    int64_t samplingRatio = op.getSamplingRatio();
    double spatialScale = op.getSpatialScale().convertToDouble();
    Type indexElementType =
        cast<RankedTensorType>(batchIndices.getType()).getElementType();

    Value init = createEmpty(rewriter, loc, resultType.getShape(), elementType);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{init},
            ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(4)},
            parallelIterators(4),
            [&](OpBuilder &b, Location nloc, ValueRange) {
              auto c = [&](double v) { return createScalar(b, nloc, ft, v); };
              auto add = [&](Value x, Value y) -> Value {
                return arith::AddFOp::create(b, nloc, x, y);
              };
              auto sub = [&](Value x, Value y) -> Value {
                return arith::SubFOp::create(b, nloc, x, y);
              };
              auto mul = [&](Value x, Value y) -> Value {
                return arith::MulFOp::create(b, nloc, x, y);
              };
              auto div = [&](Value x, Value y) -> Value {
                return arith::DivFOp::create(b, nloc, x, y);
              };
              auto cmp = [&](arith::CmpFPredicate p, Value x, double y) {
                return arith::CmpFOp::create(b, nloc, p, x, c(y));
              };
              auto indexToFloat = [&](Value i) -> Value {
                Value i64 =
                    arith::IndexCastOp::create(b, nloc, b.getI64Type(), i);
                return arith::SIToFPOp::create(b, nloc, ft, i64);
              };
              // NaN-safe: NaN becomes lo.
              auto clampF = [&](Value x, double lo, double hi) -> Value {
                x = arith::MaxNumFOp::create(b, nloc, x, c(lo));
                return arith::MinNumFOp::create(b, nloc, x, c(hi));
              };
              auto toIndexF = [&](Value x) -> Value {
                Value i = arith::FPToSIOp::create(b, nloc, b.getI64Type(), x);
                return arith::IndexCastOp::create(b, nloc, b.getIndexType(), i);
              };

              Value r = linalg::IndexOp::create(b, nloc, 0);
              Value ch = linalg::IndexOp::create(b, nloc, 1);
              Value ph = indexToFloat(linalg::IndexOp::create(b, nloc, 2));
              Value pw = indexToFloat(linalg::IndexOp::create(b, nloc, 3));
              auto roiAt = [&](int64_t k) {
                Value kk = arith::ConstantIndexOp::create(b, nloc, k);
                Value v =
                    tensor::ExtractOp::create(b, nloc, rois, ValueRange{r, kk});
                v = castScalar(b, nloc, v, elementType, ft);
                return sub(mul(v, c(spatialScale)), c(halfPixel ? 0.5 : 0.0));
              };
              Value x1 = roiAt(0), y1 = roiAt(1), x2 = roiAt(2), y2 = roiAt(3);
              Value roiW = sub(x2, x1), roiH = sub(y2, y1);
              if (!halfPixel) {
                roiW = arith::MaxNumFOp::create(b, nloc, roiW, c(1.0));
                roiH = arith::MaxNumFOp::create(b, nloc, roiH, c(1.0));
              }
              Value binH = div(roiH, c(static_cast<double>(pooledH)));
              Value binW = div(roiW, c(static_cast<double>(pooledW)));
              // Samples per bin side: sampling_ratio, or ceil(bin size).
              auto gridSize = [&](Value bin) -> Value {
                if (samplingRatio > 0)
                  return arith::ConstantIndexOp::create(b, nloc, samplingRatio);
                Value n = math::CeilOp::create(b, nloc, bin);
                return toIndexF(clampF(n, 0.0, 1 << 20));
              };
              Value gridH = gridSize(binH), gridW = gridSize(binW);
              Value gridHF = indexToFloat(gridH), gridWF = indexToFloat(gridW);
              Value stepY = div(binH, gridHF), stepX = div(binW, gridWF);
              Value startY = add(y1, mul(ph, binH));
              Value startX = add(x1, mul(pw, binW));

              Value image = tensor::ExtractOp::create(b, nloc, batchIndices,
                                                      ValueRange{r});
              Value maxImage = arith::ConstantOp::create(
                  b, nloc, b.getIntegerAttr(indexElementType, batch - 1));
              Value zeroImage = arith::ConstantOp::create(
                  b, nloc, b.getIntegerAttr(indexElementType, 0));
              image = arith::MaxSIOp::create(b, nloc, image, zeroImage);
              image = arith::MinSIOp::create(b, nloc, image, maxImage);
              image =
                  arith::IndexCastOp::create(b, nloc, b.getIndexType(), image);

              // onnxruntime's bilinear_interpolate for one sample: the 4
              // weighted taps (all weights 0 outside [-1, size]).
              auto sample = [&](Value y, Value x, Value acc) -> Value {
                Value outside = arith::OrIOp::create(
                    b, nloc,
                    arith::OrIOp::create(
                        b, nloc, cmp(arith::CmpFPredicate::OLT, y, -1.0),
                        cmp(arith::CmpFPredicate::OGT, y,
                            static_cast<double>(height))),
                    arith::OrIOp::create(
                        b, nloc, cmp(arith::CmpFPredicate::OLT, x, -1.0),
                        cmp(arith::CmpFPredicate::OGT, x,
                            static_cast<double>(width))));
                auto axis = [&](Value v, int64_t size, Value &lowIdx,
                                Value &highIdx, Value &frac) {
                  v = clampF(v, 0.0, static_cast<double>(size - 1));
                  Value low = math::FloorOp::create(b, nloc, v);
                  Value high = arith::MinNumFOp::create(
                      b, nloc, add(low, c(1.0)),
                      c(static_cast<double>(size - 1)));
                  frac = sub(v, low);
                  lowIdx = toIndexF(low);
                  highIdx = toIndexF(high);
                };
                Value yl, yh, ly, xl, xh, lx;
                axis(y, height, yl, yh, ly);
                axis(x, width, xl, xh, lx);
                Value hy = sub(c(1.0), ly), hx = sub(c(1.0), lx);
                Value zero = c(0.0);
                auto tap = [&](Value yi, Value xi, Value w) -> Value {
                  Value v = tensor::ExtractOp::create(
                      b, nloc, input, ValueRange{image, ch, yi, xi});
                  v = castScalar(b, nloc, v, elementType, ft);
                  w = arith::SelectOp::create(b, nloc, outside, zero, w);
                  return mul(w, v);
                };
                Value t1 = tap(yl, xl, mul(hy, hx));
                Value t2 = tap(yl, xh, mul(hy, lx));
                Value t3 = tap(yh, xl, mul(ly, hx));
                Value t4 = tap(yh, xh, mul(ly, lx));
                if (!isMax)
                  return add(acc, add(add(t1, t2), add(t3, t4)));
                // onnxruntime's max mode: the largest weighted tap.
                Value m = arith::MaximumFOp::create(b, nloc, t1, t2);
                m = arith::MaximumFOp::create(b, nloc, m, t3);
                m = arith::MaximumFOp::create(b, nloc, m, t4);
                return arith::MaximumFOp::create(b, nloc, acc, m);
              };

              Value zeroIdx = arith::ConstantIndexOp::create(b, nloc, 0);
              Value oneIdx = arith::ConstantIndexOp::create(b, nloc, 1);
              Value accInit = isMax ? createLowest(b, nloc, ft) : c(0.0);
              // for iy < gridH: for ix < gridW: acc = sample(y, x, acc).
              auto outer = scf::ForOp::create(b, nloc, zeroIdx, gridH, oneIdx,
                                              ValueRange{accInit});
              {
                OpBuilder::InsertionGuard guard(b);
                b.setInsertionPointToStart(outer.getBody());
                Value y =
                    add(startY,
                        mul(add(indexToFloat(outer.getInductionVar()), c(0.5)),
                            stepY));
                auto inner = scf::ForOp::create(
                    b, nloc, zeroIdx, gridW, oneIdx,
                    ValueRange{outer.getRegionIterArgs()[0]});
                {
                  OpBuilder::InsertionGuard innerGuard(b);
                  b.setInsertionPointToStart(inner.getBody());
                  Value x = add(
                      startX,
                      mul(add(indexToFloat(inner.getInductionVar()), c(0.5)),
                          stepX));
                  scf::YieldOp::create(
                      b, nloc, sample(y, x, inner.getRegionIterArgs()[0]));
                }
                scf::YieldOp::create(b, nloc, inner.getResult(0));
              }
              Value acc = outer.getResult(0);
              Value count = mul(gridHF, gridWF);
              Value empty = cmp(arith::CmpFPredicate::OEQ, count, 0.0);
              Value value =
                  isMax ? acc
                        : div(acc,
                              arith::MaxNumFOp::create(b, nloc, count, c(1.0)));
              value = arith::SelectOp::create(b, nloc, empty, c(0.0), value);
              linalg::YieldOp::create(
                  b, nloc, castScalar(b, nloc, value, ft, elementType));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

std::optional<std::string>
lowering::getSpatialUnsupportedReason(Operation *op) {
  if (auto resize = dyn_cast<ResizeOp>(op)) {
    auto inputType = cast<RankedTensorType>(resize.getInput().getType());
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      if (inputType.getDimSize(d) == 0 && resize.getSizes()[d] != 0)
        return "kiln.resize of an empty dim " + std::to_string(d) +
               " to a non-empty one";
    if (!inputType.hasStaticShape()) {
      if (resize.getMode() == InterpolationMode::cubic ||
          resize.getCoordinateTransform() ==
              CoordinateTransform::tf_crop_and_resize)
        return "kiln.resize of a dynamic dim supports nearest and linear "
               "modes without tf_crop_and_resize";
    }
    // Tables are one entry per result position and tap of each dim.
    constexpr int64_t kMaxTable = int64_t(1) << 24;
    for (int64_t size : resize.getSizes())
      if (size > kMaxTable)
        return "kiln.resize to a dim of " + std::to_string(size) +
               " elements is too large";
  }
  return std::nullopt;
}

void lowering::populateSpatialPatterns(const TypeConverter &converter,
                                       RewritePatternSet &patterns) {
  patterns.add<ResizeOpLowering, GridSampleOpLowering, RoiAlignOpLowering>(
      converter, patterns.getContext());
}
