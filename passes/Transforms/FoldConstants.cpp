//===- FoldConstants.cpp - Evaluate kiln ops on constant operands ---------===//
//
// kiln-fold-constants: replaces kiln ops whose operands are all constants by
// the constant they compute. Exporters leave many such ops around weights
// (transposed matmul weights, reshaped biases, casts of shape constants), and
// folding them at compile time removes work from every inference.
//
// Every kernel works on raw row-major buffers (see ConstantTensor.h); a
// kernel returns failure where the run-time result would be undefined (so
// the op stays and behaves like it would have) or the input is not handled.
//
//===----------------------------------------------------------------------===//
#include "passes/Transforms/ConstantTensor.h"
#include "passes/Transforms/Passes.h"

#include "dialects/Kiln/IR/KilnFoldBudget.h"
#include "dialects/Kiln/IR/KilnOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFOLDCONSTANTS
#include "passes/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

using Pointers1 = std::array<const char *, 1>;
using Pointers2 = std::array<const char *, 2>;
using Pointers3 = std::array<const char *, 3>;

//===----------------------------------------------------------------------===//
// Shared kernels
//===----------------------------------------------------------------------===//

/// A splat of `type` holding `source`'s (stored) first element.
HostTensor splatOf(const HostTensor &source, RankedTensorType type) {
  HostTensor out = HostTensor::allocate(type, /*splat=*/true);
  std::memcpy(out.getMutableData(), source.getData().data(),
              source.getElementBytes());
  return out;
}

/// Evaluates an elementwise function of N operands with numpy broadcasting
/// into a tensor of `resultType`; `fn(char *out, std::array<const char *, N>
/// in)` reads and writes one element each. All-splat operands give a splat.
template <size_t N, typename Fn>
HostTensor mapElements(std::array<const HostTensor *, N> operands,
                       RankedTensorType resultType, Fn &&fn) {
  bool allSplat =
      llvm::all_of(operands, [](const HostTensor *t) { return t->isSplat(); });
  HostTensor out = HostTensor::allocate(resultType, allSplat);
  ArrayRef<int64_t> shape =
      allSplat ? ArrayRef<int64_t>() : resultType.getShape();
  std::array<SmallVector<int64_t>, N> strides;
  std::array<ArrayRef<int64_t>, N> strideRefs;
  std::array<const char *, N> bases;
  std::array<int64_t, N> bytes;
  for (size_t k = 0; k < N; ++k) {
    if (!allSplat)
      strides[k] = broadcastStrides(operands[k]->getShape(),
                                    operands[k]->getStrides(), shape);
    strideRefs[k] = strides[k];
    bases[k] = operands[k]->getData().data();
    bytes[k] = operands[k]->getElementBytes();
  }
  char *outData = out.getMutableData();
  int64_t outBytes = out.getElementBytes();
  std::array<int64_t, N> zero{};
  forEachIndex<N>(shape, strideRefs, zero,
                  [&](int64_t i, const std::array<int64_t, N> &off) {
                    std::array<const char *, N> in;
                    for (size_t k = 0; k < N; ++k)
                      in[k] = bases[k] + off[k] * bytes[k];
                    fn(outData + i * outBytes, in);
                  });
  return out;
}

bool fitsSigned(int64_t v, unsigned bytes) {
  if (bytes >= 8)
    return true;
  int64_t bound = int64_t(1) << (bytes * 8 - 1);
  return v >= -bound && v < bound;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

FailureOr<HostTensor> evalTranspose(TransposeOp op, const HostTensor &in,
                                    RankedTensorType type) {
  if (in.isSplat())
    return splatOf(in, type);
  SmallVector<int64_t> inStrides = in.getStrides();
  SmallVector<int64_t> srcStrides;
  for (int64_t p : op.getPerm())
    srcStrides.push_back(inStrides[p]);
  HostTensor out = HostTensor::allocate(type);
  stridedCopy(out.getMutableData(), in.getData().data(), in.getElementBytes(),
              type.getShape(), srcStrides, 0);
  return out;
}

FailureOr<HostTensor> evalExpand(const HostTensor &in, RankedTensorType type) {
  if (in.isSplat())
    return splatOf(in, type);
  HostTensor out = HostTensor::allocate(type);
  stridedCopy(out.getMutableData(), in.getData().data(), in.getElementBytes(),
              type.getShape(),
              broadcastStrides(in.getShape(), in.getStrides(), type.getShape()),
              0);
  return out;
}

FailureOr<HostTensor> evalSlice(SliceOp op, const HostTensor &in,
                                RankedTensorType type) {
  if (in.isSplat())
    return splatOf(in, type);
  SmallVector<int64_t> inStrides = in.getStrides();
  SmallVector<int64_t> srcStrides;
  int64_t base = 0;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    base += op.getOffsets()[d] * inStrides[d];
    srcStrides.push_back(op.getStrides()[d] * inStrides[d]);
  }
  HostTensor out = HostTensor::allocate(type);
  stridedCopy(out.getMutableData(), in.getData().data(), in.getElementBytes(),
              type.getShape(), srcStrides, base);
  return out;
}

FailureOr<HostTensor> evalConcat(ConcatOp op, ArrayRef<HostTensor> inputs,
                                 RankedTensorType type) {
  int64_t axis = op.getAxis();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= type.getDimSize(d);
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < type.getRank(); ++d)
    inner *= type.getDimSize(d);
  unsigned bytes = inputs.front().getElementBytes();
  HostTensor out = HostTensor::allocate(type);
  char *dst = out.getMutableData();
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor &in : inputs) {
      int64_t chunk = in.getShape()[axis] * inner;
      if (in.isSplat()) {
        for (int64_t i = 0; i < chunk; ++i, dst += bytes)
          std::memcpy(dst, in.getData().data(), bytes);
      } else {
        std::memcpy(dst, in.getData().data() + o * chunk * bytes,
                    chunk * bytes);
        dst += chunk * bytes;
      }
    }
  }
  return out;
}

FailureOr<HostTensor> evalGather(GatherOp op, const HostTensor &data,
                                 const HostTensor &indices,
                                 RankedTensorType type) {
  if (data.isSplat())
    return splatOf(data, type);
  int64_t axis = op.getAxis();
  int64_t dim = data.getShape()[axis];
  int64_t count = indices.getNumElements();
  if (dim == 0 && count > 0)
    return failure();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.getShape()[d];
  int64_t inner = 1;
  for (int64_t d = axis + 1; d < data.getRank(); ++d)
    inner *= data.getShape()[d];
  // Negative indices count from the end; out-of-range ones clamp, as the op
  // defines.
  SmallVector<int64_t> rows(count);
  for (int64_t j = 0; j < count; ++j) {
    int64_t idx = static_cast<int64_t>(loadInt(
        indices.element(indices.isSplat() ? 0 : j), indices.getFormat()));
    if (idx < 0)
      idx += dim;
    rows[j] = std::clamp<int64_t>(idx, 0, dim - 1);
  }
  unsigned bytes = data.getElementBytes();
  HostTensor out = HostTensor::allocate(type);
  char *dst = out.getMutableData();
  const char *src = data.getData().data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j, dst += inner * bytes)
      std::memcpy(dst, src + (o * dim + rows[j]) * inner * bytes,
                  inner * bytes);
  return out;
}

/// Stores the f64 attribute `value` (pad value, clip bound) as one element
/// of `format`; fails for non-integral or out-of-range integer values.
LogicalResult storeScalar(char *dst, const ElementFormat &format,
                          double value) {
  if (format.isFloat()) {
    storeFloat(dst, format.kind, value);
    return success();
  }
  if (format.kind == ElementKind::Bool) {
    storeInt(dst, format, value != 0.0);
    return success();
  }
  if (value != std::trunc(value))
    return failure();
  if (format.kind == ElementKind::UInt) {
    if (value < 0 || value >= std::ldexp(1.0, 8 * format.bytes))
      return failure();
    storeInt(dst, format, static_cast<uint64_t>(value));
    return success();
  }
  double bound = std::ldexp(1.0, 8 * format.bytes - 1);
  if (value < -bound || value >= bound)
    return failure();
  storeInt(dst, format, static_cast<uint64_t>(static_cast<int64_t>(value)));
  return success();
}

FailureOr<HostTensor> evalPad(PadOp op, const HostTensor &in,
                              RankedTensorType type) {
  int64_t rank = in.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  // Source index of every result coordinate per dim, -1 for padding.
  SmallVector<SmallVector<int64_t>> maps(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t dim = in.getShape()[d];
    for (int64_t o = 0; o < type.getDimSize(d); ++o) {
      int64_t i = o - pads[d];
      if (i < 0 || i >= dim) {
        switch (op.getMode()) {
        case PadMode::constant:
          i = -1;
          break;
        case PadMode::edge:
          if (dim == 0)
            return failure();
          i = std::clamp<int64_t>(i, 0, dim - 1);
          break;
        case PadMode::reflect:
          if (dim < 2)
            return failure();
          while (i < 0 || i >= dim)
            i = i < 0 ? -i : 2 * (dim - 1) - i;
          break;
        }
      }
      maps[d].push_back(i);
    }
  }
  unsigned bytes = in.getElementBytes();
  SmallVector<char, 8> padValue(bytes, 0);
  if (failed(storeScalar(padValue.data(), in.getFormat(),
                         op.getValue().convertToDouble())))
    return failure();
  HostTensor out = HostTensor::allocate(type);
  if (type.getNumElements() == 0)
    return out;
  SmallVector<int64_t> inStrides = in.getStrides();
  SmallVector<int64_t> index(rank, 0);
  char *dst = out.getMutableData();
  for (int64_t n = type.getNumElements(); n > 0; --n, dst += bytes) {
    int64_t offset = 0;
    bool padded = false;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t i = maps[d][index[d]];
      padded |= i < 0;
      offset += i * inStrides[d];
    }
    std::memcpy(dst, padded ? padValue.data() : in.element(offset), bytes);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < type.getDimSize(d))
        break;
      index[d] = 0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

void storeFloatFromInt(char *dst, ElementKind kind, uint64_t bits,
                       bool isSigned) {
  switch (kind) {
  case ElementKind::F32:
    return storeRaw<float>(dst, isSigned ? float(int64_t(bits)) : float(bits));
  case ElementKind::F64:
    return storeRaw<double>(dst,
                            isSigned ? double(int64_t(bits)) : double(bits));
  default: {
    // One correctly rounded conversion straight from the integer.
    llvm::APFloat f(kind == ElementKind::F16 ? llvm::APFloat::IEEEhalf()
                                             : llvm::APFloat::BFloat());
    f.convertFromAPInt(llvm::APInt(64, bits), isSigned,
                       llvm::APFloat::rmNearestTiesToEven);
    return storeRaw<uint16_t>(
        dst, static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue()));
  }
  }
}

FailureOr<HostTensor> evalCast(const HostTensor &in, RankedTensorType type) {
  ElementFormat from = in.getFormat();
  ElementFormat to = *ElementFormat::get(type.getElementType());
  bool undefined = false;
  HostTensor out =
      mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
        if (from.isFloat()) {
          double v = loadFloat(src[0], from.kind);
          if (to.kind == ElementKind::Bool)
            return storeInt(dst, to, v != 0.0);
          if (to.isFloat())
            return storeFloat(dst, to.kind, v);
          // Float to integer truncates toward zero; NaN and values out of
          // the target's range are undefined at run time: do not fold.
          double t = std::trunc(v);
          double limit = std::ldexp(1.0, 8 * to.bytes);
          if (to.kind == ElementKind::UInt) {
            if (!(t >= 0 && t < limit)) {
              undefined = true;
              return;
            }
            return storeInt(dst, to, static_cast<uint64_t>(t));
          }
          if (!(t >= -limit / 2 && t < limit / 2)) {
            undefined = true;
            return;
          }
          return storeInt(dst, to, static_cast<uint64_t>(int64_t(t)));
        }
        uint64_t bits = loadInt(src[0], from);
        if (to.kind == ElementKind::Bool)
          return storeInt(dst, to, bits != 0);
        if (to.isFloat())
          return storeFloatFromInt(dst, to.kind, bits,
                                   from.kind == ElementKind::SInt);
        storeInt(dst, to, bits);
      });
  if (undefined)
    return failure();
  return out;
}

//===----------------------------------------------------------------------===//
// Unary elementwise and clip
//===----------------------------------------------------------------------===//

double roundHalfToEven(double a) {
  double r = std::floor(a);
  double diff = a - r;
  if (diff > 0.5 || (diff == 0.5 && std::fmod(r, 2.0) != 0.0))
    r += 1.0;
  return r == 0.0 ? std::copysign(0.0, a) : r;
}

/// f(x) for a float unary op, or nullopt if `op` is not one.
std::optional<double (*)(double)> floatUnaryFn(Operation *op) {
  using Fn = double (*)(double);
  return llvm::TypeSwitch<Operation *, std::optional<Fn>>(op)
      .Case([](NegOp) -> Fn { return [](double a) { return -a; }; })
      .Case([](AbsOp) -> Fn { return [](double a) { return std::fabs(a); }; })
      .Case([](ExpOp) -> Fn { return [](double a) { return std::exp(a); }; })
      .Case([](LogOp) -> Fn { return [](double a) { return std::log(a); }; })
      .Case([](SqrtOp) -> Fn { return [](double a) { return std::sqrt(a); }; })
      .Case([](ReciprocalOp) -> Fn { return [](double a) { return 1.0 / a; }; })
      .Case([](TanhOp) -> Fn { return [](double a) { return std::tanh(a); }; })
      .Case([](SigmoidOp) -> Fn {
        return [](double a) { return 1.0 / (1.0 + std::exp(-a)); };
      })
      .Case([](ErfOp) -> Fn { return [](double a) { return std::erf(a); }; })
      .Case([](ReluOp) -> Fn {
        return [](double a) { return (a > 0.0 || std::isnan(a)) ? a : 0.0; };
      })
      .Case(
          [](FloorOp) -> Fn { return [](double a) { return std::floor(a); }; })
      .Case([](CeilOp) -> Fn { return [](double a) { return std::ceil(a); }; })
      .Case([](RoundOp) -> Fn { return roundHalfToEven; })
      .Case([](SinOp) -> Fn { return [](double a) { return std::sin(a); }; })
      .Case([](CosOp) -> Fn { return [](double a) { return std::cos(a); }; })
      .Case([](SignOp) -> Fn {
        return [](double a) { return a > 0.0 ? 1.0 : a < 0.0 ? -1.0 : a; };
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// f(x) on 64-bit integer values (signed or not) for an integer unary op.
std::optional<uint64_t (*)(uint64_t, bool)> intUnaryFn(Operation *op) {
  using Fn = uint64_t (*)(uint64_t, bool);
  return llvm::TypeSwitch<Operation *, std::optional<Fn>>(op)
      .Case([](NegOp) -> Fn { return [](uint64_t a, bool) { return 0 - a; }; })
      .Case([](AbsOp) -> Fn {
        return [](uint64_t a, bool isSigned) {
          return isSigned && int64_t(a) < 0 ? 0 - a : a;
        };
      })
      .Case([](ReluOp) -> Fn {
        return [](uint64_t a, bool isSigned) {
          return isSigned && int64_t(a) < 0 ? uint64_t(0) : a;
        };
      })
      .Case([](SignOp) -> Fn {
        return [](uint64_t a, bool isSigned) -> uint64_t {
          if (isSigned && int64_t(a) < 0)
            return uint64_t(-1);
          return a != 0;
        };
      })
      .Default([](Operation *) { return std::nullopt; });
}

FailureOr<HostTensor> evalUnary(Operation *op, const HostTensor &in,
                                RankedTensorType type) {
  ElementFormat format = in.getFormat();
  if (isa<NotOp>(op))
    return mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
      storeInt(dst, format, loadInt(src[0], format) == 0);
    });
  if (format.isFloat()) {
    auto fn = floatUnaryFn(op);
    if (!fn)
      return failure();
    return mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
      storeFloat(dst, format.kind, (*fn)(loadFloat(src[0], format.kind)));
    });
  }
  // i1 has no agreed signedness for arithmetic; leave it to run time.
  auto fn = intUnaryFn(op);
  if (!fn || format.kind == ElementKind::Bool)
    return failure();
  bool isSigned = format.kind == ElementKind::SInt;
  return mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
    storeInt(dst, format, (*fn)(loadInt(src[0], format), isSigned));
  });
}

FailureOr<HostTensor> evalClip(ClipOp op, const HostTensor &in,
                               RankedTensorType type) {
  ElementFormat format = in.getFormat();
  std::optional<double> lo, hi;
  if (op.getMin())
    lo = op.getMin()->convertToDouble();
  if (op.getMax())
    hi = op.getMax()->convertToDouble();
  if (format.isFloat()) {
    // Compare against the bounds as rounded to the element type.
    char tmp[8];
    if (lo) {
      storeFloat(tmp, format.kind, *lo);
      lo = loadFloat(tmp, format.kind);
    }
    if (hi) {
      storeFloat(tmp, format.kind, *hi);
      hi = loadFloat(tmp, format.kind);
    }
    return mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
      double v = loadFloat(src[0], format.kind);
      if (lo && v < *lo)
        v = *lo;
      if (hi && v > *hi)
        v = *hi;
      storeFloat(dst, format.kind, v);
    });
  }
  if (format.kind == ElementKind::Bool)
    return failure();
  // Integer bounds clamp to the integers inside the range (min rounds up,
  // max down), saturated to the type's range, as kiln.clip's lowering does.
  bool isSigned = format.kind == ElementKind::SInt;
  unsigned bits = 8 * format.bytes;
  auto saturate = [&](double b) -> uint64_t {
    if (isSigned) {
      int64_t max = int64_t(uint64_t(-1) >> (65 - bits));
      double limit = std::ldexp(1.0, bits - 1);
      if (b >= limit)
        return uint64_t(max);
      if (b < -limit)
        return uint64_t(-max - 1);
      return uint64_t(int64_t(b));
    }
    if (b <= 0)
      return 0;
    if (b >= std::ldexp(1.0, bits))
      return uint64_t(-1) >> (64 - bits);
    return uint64_t(b);
  };
  std::optional<uint64_t> loBits, hiBits;
  if (lo)
    loBits = saturate(std::ceil(*lo));
  if (hi)
    hiBits = saturate(std::floor(*hi));
  auto less = [&](uint64_t a, uint64_t b) {
    return isSigned ? int64_t(a) < int64_t(b) : a < b;
  };
  return mapElements<1>({&in}, type, [&](char *dst, const Pointers1 &src) {
    uint64_t v = loadInt(src[0], format);
    if (loBits && less(v, *loBits))
      v = *loBits;
    if (hiBits && less(*hiBits, v))
      v = *hiBits;
    storeInt(dst, format, v);
  });
}

//===----------------------------------------------------------------------===//
// Binary elementwise, comparisons, where
//===----------------------------------------------------------------------===//

enum class Binary {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Max,
  Min,
  Mod,
  FMod,
  And,
  Or,
  Xor,
  Equal,
  Less,
  LessEqual,
  Greater,
  GreaterEqual
};

std::optional<Binary> binaryKind(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<Binary>>(op)
      .Case([](AddOp) { return Binary::Add; })
      .Case([](SubOp) { return Binary::Sub; })
      .Case([](MulOp) { return Binary::Mul; })
      .Case([](DivOp) { return Binary::Div; })
      .Case([](PowOp) { return Binary::Pow; })
      .Case([](MaxOp) { return Binary::Max; })
      .Case([](MinOp) { return Binary::Min; })
      .Case(
          [](ModOp mod) { return mod.getFmod() ? Binary::FMod : Binary::Mod; })
      .Case([](AndOp) { return Binary::And; })
      .Case([](OrOp) { return Binary::Or; })
      .Case([](XorOp) { return Binary::Xor; })
      .Case([](EqualOp) { return Binary::Equal; })
      .Case([](LessOp) { return Binary::Less; })
      .Case([](LessEqualOp) { return Binary::LessEqual; })
      .Case([](GreaterOp) { return Binary::Greater; })
      .Case([](GreaterEqualOp) { return Binary::GreaterEqual; })
      .Default([](Operation *) { return std::nullopt; });
}

bool isComparison(Binary kind) { return kind >= Binary::Equal; }

/// NaN-propagating maximum (min if `isMin`); +0 beats -0 in max.
double floatMax(double a, double b, bool isMin) {
  if (std::isnan(a) || std::isnan(b))
    return std::numeric_limits<double>::quiet_NaN();
  if (a == b)
    return (std::signbit(a) != isMin) ? b : a;
  return (a > b) != isMin ? a : b;
}

double floatBinary(Binary kind, double a, double b) {
  switch (kind) {
  case Binary::Add:
    return a + b;
  case Binary::Sub:
    return a - b;
  case Binary::Mul:
    return a * b;
  case Binary::Div:
    return a / b;
  case Binary::Pow:
    return std::pow(a, b);
  case Binary::Max:
    return floatMax(a, b, false);
  case Binary::Min:
    return floatMax(a, b, true);
  case Binary::FMod:
    return std::fmod(a, b);
  case Binary::Mod: {
    // Python-style: the result takes the divisor's sign.
    double r = std::fmod(a, b);
    if (r != 0.0 && ((r < 0.0) != (b < 0.0)))
      r += b;
    return r;
  }
  case Binary::Equal:
    return a == b;
  case Binary::Less:
    return a < b;
  case Binary::LessEqual:
    return a <= b;
  case Binary::Greater:
    return a > b;
  case Binary::GreaterEqual:
    return a >= b;
  default:
    return 0.0;
  }
}

/// Integer op on 64-bit extended values; nullopt where the result is
/// undefined (division by zero, signed overflow of division, negative
/// exponent).
std::optional<uint64_t> intBinary(Binary kind, uint64_t a, uint64_t b,
                                  bool isSigned, unsigned bytes) {
  int64_t sa = int64_t(a), sb = int64_t(b);
  auto less = [&](uint64_t x, uint64_t y) {
    return isSigned ? int64_t(x) < int64_t(y) : x < y;
  };
  switch (kind) {
  case Binary::Add:
    return a + b;
  case Binary::Sub:
    return a - b;
  case Binary::Mul:
    return a * b;
  case Binary::Div:
    if (b == 0)
      return std::nullopt;
    if (!isSigned)
      return a / b;
    if (sb == -1) {
      if (sa == std::numeric_limits<int64_t>::min() || !fitsSigned(-sa, bytes))
        return std::nullopt;
      return uint64_t(-sa);
    }
    return uint64_t(sa / sb);
  case Binary::FMod:
  case Binary::Mod: {
    if (b == 0)
      return std::nullopt;
    if (!isSigned)
      return a % b;
    int64_t r = sb == -1 ? 0 : sa % sb;
    if (kind == Binary::Mod && r != 0 && ((r < 0) != (sb < 0)))
      r += sb;
    return uint64_t(r);
  }
  case Binary::Pow: {
    if (isSigned && sb < 0)
      return std::nullopt;
    uint64_t result = 1, base = a;
    for (uint64_t e = b; e; e >>= 1, base *= base)
      if (e & 1)
        result *= base;
    return result;
  }
  case Binary::Max:
    return less(a, b) ? b : a;
  case Binary::Min:
    return less(b, a) ? b : a;
  case Binary::And:
    return a & b;
  case Binary::Or:
    return a | b;
  case Binary::Xor:
    return a ^ b;
  case Binary::Equal:
    return a == b;
  case Binary::Less:
    return less(a, b);
  case Binary::LessEqual:
    return !less(b, a);
  case Binary::Greater:
    return less(b, a);
  case Binary::GreaterEqual:
    return !less(a, b);
  }
  return std::nullopt;
}

FailureOr<HostTensor> evalBinary(Binary kind, const HostTensor &lhs,
                                 const HostTensor &rhs, RankedTensorType type) {
  ElementFormat in = lhs.getFormat();
  ElementFormat out = *ElementFormat::get(type.getElementType());
  if (in.isFloat()) {
    if (kind == Binary::And || kind == Binary::Or || kind == Binary::Xor)
      return failure();
    return mapElements<2>(
        {&lhs, &rhs}, type, [&](char *dst, const Pointers2 &src) {
          double r = floatBinary(kind, loadFloat(src[0], in.kind),
                                 loadFloat(src[1], in.kind));
          if (isComparison(kind))
            storeInt(dst, out, r != 0.0);
          else
            storeFloat(dst, out.kind, r);
        });
  }
  // On i1 only the logical ops and equality have one meaning.
  if (in.kind == ElementKind::Bool && kind != Binary::And &&
      kind != Binary::Or && kind != Binary::Xor && kind != Binary::Equal)
    return failure();
  bool isSigned = in.kind == ElementKind::SInt;
  bool undefined = false;
  HostTensor result =
      mapElements<2>({&lhs, &rhs}, type, [&](char *dst, const Pointers2 &src) {
        std::optional<uint64_t> r = intBinary(
            kind, loadInt(src[0], in), loadInt(src[1], in), isSigned, in.bytes);
        if (!r) {
          undefined = true;
          return;
        }
        storeInt(dst, out, *r);
      });
  if (undefined)
    return failure();
  return result;
}

FailureOr<HostTensor> evalWhere(const HostTensor &cond, const HostTensor &a,
                                const HostTensor &b, RankedTensorType type) {
  unsigned bytes = a.getElementBytes();
  return mapElements<3>({&cond, &a, &b}, type,
                        [&](char *dst, const Pointers3 &src) {
                          std::memcpy(dst, *src[0] ? src[1] : src[2], bytes);
                        });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

enum class Reduce { Sum, Mean, Max, Min, Prod };

/// x^n with wrap-around (two's complement) multiplication.
uint64_t wrappingPow(uint64_t x, uint64_t n) {
  uint64_t result = 1;
  for (; n; n >>= 1, x *= x)
    if (n & 1)
      result *= x;
  return result;
}

/// The reduction of `count` copies of a splat's value, computed in one
/// step rather than element by element (the count can be 10^12): a sum is
/// value times count (integers wrap like the run-time sum does), a product
/// value^count, a mean, max and min the value itself. The result is a
/// splat of `type`.
HostTensor reduceSplat(Reduce kind, int64_t count, const HostTensor &in,
                       RankedTensorType type) {
  ElementFormat format = in.getFormat();
  HostTensor out = HostTensor::allocate(type, /*splat=*/true);
  char *dst = out.getMutableData();
  if (format.isFloat()) {
    double v = loadFloat(in.element(0), format.kind);
    double r = v;
    if (kind == Reduce::Sum)
      r = count == 0 ? 0.0 : v * double(count);
    else if (kind == Reduce::Prod)
      r = count == 0 ? 1.0 : std::pow(v, double(count));
    storeFloat(dst, format.kind, r);
    return out;
  }
  uint64_t v = loadInt(in.element(0), format);
  uint64_t r = v;
  if (kind == Reduce::Sum)
    r = v * uint64_t(count);
  else if (kind == Reduce::Prod)
    r = wrappingPow(v, uint64_t(count));
  storeInt(dst, format, r);
  return out;
}

FailureOr<HostTensor> evalReduce(Reduce kind, ArrayRef<int64_t> axes,
                                 const HostTensor &in, RankedTensorType type) {
  ElementFormat format = in.getFormat();
  if (format.kind == ElementKind::Bool ||
      (kind == Reduce::Mean && !format.isFloat()))
    return failure();
  int64_t rank = in.getRank();
  // Result strides in input index space: reduced dims map to 0.
  SmallVector<int64_t> outStrides(rank, 0);
  int64_t stride = 1, count = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (llvm::is_contained(axes, d)) {
      count *= in.getShape()[d];
      continue;
    }
    outStrides[d] = stride;
    stride *= in.getShape()[d];
  }
  int64_t numOut = type.getNumElements();
  if (count == 0 && numOut > 0 && kind != Reduce::Sum && kind != Reduce::Prod)
    return failure();
  if (in.isSplat())
    return reduceSplat(kind, count, in, type);
  HostTensor out = HostTensor::allocate(type);
  SmallVector<int64_t> inStrides = in.getStrides();
  std::array<ArrayRef<int64_t>, 2> strides = {ArrayRef<int64_t>(inStrides),
                                              ArrayRef<int64_t>(outStrides)};
  unsigned bytes = format.bytes;
  const char *src = in.getData().data();
  char *dst = out.getMutableData();

  if (format.isFloat()) {
    double init =
        kind == Reduce::Prod  ? 1.0
        : kind == Reduce::Max ? -std::numeric_limits<double>::infinity()
        : kind == Reduce::Min ? std::numeric_limits<double>::infinity()
                              : 0.0;
    std::vector<double> acc(numOut, init);
    forEachIndex<2>(in.getShape(), strides, {0, 0},
                    [&](int64_t, const std::array<int64_t, 2> &off) {
                      double v = loadFloat(src + off[0] * bytes, format.kind);
                      double &a = acc[off[1]];
                      switch (kind) {
                      case Reduce::Sum:
                      case Reduce::Mean:
                        a += v;
                        break;
                      case Reduce::Prod:
                        a *= v;
                        break;
                      case Reduce::Max:
                      case Reduce::Min:
                        a = floatMax(a, v, kind == Reduce::Min);
                        break;
                      }
                    });
    for (int64_t i = 0; i < numOut; ++i)
      storeFloat(dst + i * bytes, format.kind,
                 kind == Reduce::Mean ? acc[i] / double(count) : acc[i]);
    return out;
  }

  bool isSigned = format.kind == ElementKind::SInt;
  unsigned bits = 8 * bytes;
  uint64_t maxBits =
      isSigned ? (uint64_t(-1) >> (65 - bits)) : (uint64_t(-1) >> (64 - bits));
  uint64_t minBits = isSigned ? ~maxBits : 0;
  uint64_t init = kind == Reduce::Prod  ? 1
                  : kind == Reduce::Max ? minBits
                  : kind == Reduce::Min ? maxBits
                                        : 0;
  std::vector<uint64_t> acc(numOut, init);
  auto less = [&](uint64_t a, uint64_t b) {
    return isSigned ? int64_t(a) < int64_t(b) : a < b;
  };
  forEachIndex<2>(in.getShape(), strides, {0, 0},
                  [&](int64_t, const std::array<int64_t, 2> &off) {
                    uint64_t v = loadInt(src + off[0] * bytes, format);
                    uint64_t &a = acc[off[1]];
                    switch (kind) {
                    case Reduce::Sum:
                    case Reduce::Mean:
                      a += v;
                      break;
                    case Reduce::Prod:
                      a *= v;
                      break;
                    case Reduce::Max:
                      a = less(a, v) ? v : a;
                      break;
                    case Reduce::Min:
                      a = less(v, a) ? v : a;
                      break;
                    }
                  });
  for (int64_t i = 0; i < numOut; ++i)
    storeInt(dst + i * bytes, format, acc[i]);
  return out;
}

FailureOr<HostTensor> evalArgReduce(bool isMax, int64_t axis, bool selectLast,
                                    const HostTensor &in,
                                    RankedTensorType type) {
  ElementFormat format = in.getFormat();
  if (format.kind == ElementKind::Bool)
    return failure();
  int64_t n = in.getShape()[axis];
  if (n == 0)
    return failure();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= in.getShape()[d];
  for (int64_t d = axis + 1; d < in.getRank(); ++d)
    inner *= in.getShape()[d];
  ElementFormat i64 = *ElementFormat::get(type.getElementType());
  if (in.isSplat()) {
    HostTensor out = HostTensor::allocate(type, /*splat=*/true);
    storeInt(out.getMutableData(), i64, selectLast ? n - 1 : 0);
    return out;
  }
  bool isSigned = format.kind == ElementKind::SInt;
  // `better(v, best)`: v replaces the current extreme (ties go to the
  // later index only with select_last_index).
  auto better = [&](auto v, auto best) {
    if (v == best)
      return selectLast;
    return isMax ? v > best : v < best;
  };
  HostTensor out = HostTensor::allocate(type);
  char *dst = out.getMutableData();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      int64_t bestIndex = 0;
      const char *base = in.element(o * n * inner + i);
      int64_t step = inner * format.bytes;
      if (format.isFloat()) {
        double best = loadFloat(base, format.kind);
        for (int64_t k = 0; k < n; ++k) {
          double v = loadFloat(base + k * step, format.kind);
          if (std::isnan(v))
            return failure();
          if (k > 0 && better(v, best)) {
            best = v;
            bestIndex = k;
          }
        }
      } else {
        uint64_t first = loadInt(base, format);
        int64_t bestS = int64_t(first);
        uint64_t bestU = first;
        for (int64_t k = 1; k < n; ++k) {
          uint64_t v = loadInt(base + k * step, format);
          bool take = isSigned ? better(int64_t(v), bestS) : better(v, bestU);
          if (take) {
            bestS = int64_t(v);
            bestU = v;
            bestIndex = k;
          }
        }
      }
      storeInt(dst + (o * inner + i) * 8, i64, bestIndex);
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

FailureOr<HostTensor> evaluate(Operation *op, MutableArrayRef<HostTensor> in,
                               RankedTensorType type) {
  if (std::optional<Binary> kind = binaryKind(op))
    return evalBinary(*kind, in[0], in[1], type);
  return llvm::TypeSwitch<Operation *, FailureOr<HostTensor>>(op)
      .Case([&](TransposeOp t) { return evalTranspose(t, in[0], type); })
      .Case([&](ReshapeOp) -> FailureOr<HostTensor> {
        return std::move(in[0]).reshape(type);
      })
      .Case([&](ExpandOp) { return evalExpand(in[0], type); })
      .Case([&](SliceOp s) { return evalSlice(s, in[0], type); })
      .Case([&](ConcatOp c) { return evalConcat(c, in, type); })
      .Case([&](GatherOp g) { return evalGather(g, in[0], in[1], type); })
      .Case([&](PadOp p) { return evalPad(p, in[0], type); })
      .Case([&](CastOp) { return evalCast(in[0], type); })
      .Case([&](ClipOp c) { return evalClip(c, in[0], type); })
      .Case([&](WhereOp) { return evalWhere(in[0], in[1], in[2], type); })
      .Case([&](ReduceSumOp r) {
        return evalReduce(Reduce::Sum, r.getAxes(), in[0], type);
      })
      .Case([&](ReduceMeanOp r) {
        return evalReduce(Reduce::Mean, r.getAxes(), in[0], type);
      })
      .Case([&](ReduceMaxOp r) {
        return evalReduce(Reduce::Max, r.getAxes(), in[0], type);
      })
      .Case([&](ReduceMinOp r) {
        return evalReduce(Reduce::Min, r.getAxes(), in[0], type);
      })
      .Case([&](ReduceProdOp r) {
        return evalReduce(Reduce::Prod, r.getAxes(), in[0], type);
      })
      .Case([&](ArgMaxOp r) {
        return evalArgReduce(true, r.getAxis(), r.getSelectLastIndex(), in[0],
                             type);
      })
      .Case([&](ArgMinOp r) {
        return evalArgReduce(false, r.getAxis(), r.getSelectLastIndex(), in[0],
                             type);
      })
      .Case<NegOp, AbsOp, ExpOp, LogOp, SqrtOp, ReciprocalOp, TanhOp, SigmoidOp,
            ErfOp, ReluOp, FloorOp, CeilOp, RoundOp, SinOp, CosOp, SignOp,
            NotOp>([&](Operation *u) { return evalUnary(u, in[0], type); })
      .Default([](Operation *) { return failure(); });
}

//===----------------------------------------------------------------------===//
// Pattern and pass
//===----------------------------------------------------------------------===//

/// Results larger than their constant operands by more than kMaxGrowth
/// times and larger than kMaxGrowthFreeElements elements are not folded.
constexpr int64_t kMaxGrowth = 4;
constexpr int64_t kMaxGrowthFreeElements = int64_t(1) << 16;

/// Whether the kernel for `op` computes a splat from one element of each
/// operand, in constant time whatever the shapes (see the eval* kernels).
bool evaluatesToSplat(Operation *op, ArrayRef<HostTensor> in) {
  if (isa<ConcatOp, PadOp>(op))
    return false;
  if (isa<GatherOp>(op))
    return in[0].isSplat();
  return llvm::all_of(in, [](const HostTensor &t) { return t.isSplat(); });
}

/// Element operations the kernel for `op` does: one per result element,
/// plus one per element a reduction reads or per stored operand element.
/// Saturates above kFoldMaxWork.
int64_t foldWork(Operation *op, ArrayRef<HostTensor> in,
                 RankedTensorType type) {
  int64_t work = 1;
  auto add = [&](int64_t n) {
    work = std::min(work + std::min(n, kFoldMaxWork), kFoldMaxWork + 1);
  };
  if (evaluatesToSplat(op, in)) {
    add(int64_t(in.size()));
    return work;
  }
  add(type.getNumElements());
  if (isa<ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp,
          ArgMaxOp, ArgMinOp>(op)) {
    add(in[0].getNumElements());
    return work;
  }
  for (const HostTensor &t : in)
    add(t.isSplat() ? 1 : t.getNumElements());
  return work;
}

/// Replaces a kiln op whose operands are all constants by its value.
struct FoldConstantOperands : public RewritePattern {
  FoldConstantOperands(MLIRContext *context, int64_t maxElements)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context),
        maxElements(maxElements) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa_and_nonnull<KilnDialect>(op->getDialect()) ||
        op->hasTrait<OpTrait::ConstantLike>() || op->getNumResults() != 1 ||
        op->getNumOperands() == 0)
      return failure();
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!type || !type.hasStaticShape() ||
        !ElementFormat::get(type.getElementType()))
      return rewriter.notifyMatchFailure(op, "result type not supported");
    SmallVector<HostTensor> operands;
    int64_t storedElements = 0;
    bool allSplat = true;
    for (Value operand : op->getOperands()) {
      FailureOr<HostTensor> t = HostTensor::fromValue(operand);
      if (failed(t))
        return rewriter.notifyMatchFailure(
            op, "operand is not a readable constant");
      if (!t->isSplat() && t->getNumElements() > maxElements)
        return rewriter.notifyMatchFailure(op, "operand exceeds max-elements");
      storedElements += t->isSplat() ? 1 : t->getNumElements();
      allSplat &= t->isSplat();
      operands.push_back(std::move(*t));
    }
    // The folding budget (KilnFoldBudget.h): a splat result costs one
    // element whatever its shape; anything else is bounded by its size and
    // by the work its kernel does, and is otherwise left to run time.
    if (!evaluatesToSplat(op, operands) && type.getNumElements() > maxElements)
      return rewriter.notifyMatchFailure(op, "result exceeds max-elements");
    if (foldWork(op, operands, type) > kFoldMaxWork)
      return rewriter.notifyMatchFailure(op, "exceeds the folding work budget");
    // A broadcast at run time is cheap and fuses into its consumer; a
    // materialized one makes the artifact carry the copy.
    if (!allSplat && type.getNumElements() > kMaxGrowthFreeElements &&
        type.getNumElements() > kMaxGrowth * storedElements)
      return rewriter.notifyMatchFailure(op, "result would grow the constants");
    FailureOr<HostTensor> result = evaluate(op, operands, type);
    if (failed(result))
      return rewriter.notifyMatchFailure(op, "not evaluated");
    ElementsAttr value = std::move(*result).toAttr(blobNameFor(op));
    rewriter.replaceOp(op, ConstantOp::create(rewriter, op->getLoc(), value));
    return success();
  }

  int64_t maxElements;
};

struct KilnFoldConstantsPass
    : public mlir::kiln::impl::KilnFoldConstantsBase<KilnFoldConstantsPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateKilnFoldConstantsPatterns(patterns, maxElements);
    // Not converging within the iteration limit leaves correct IR; the
    // remaining ops are simply evaluated at run time.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::kiln::populateKilnFoldConstantsPatterns(RewritePatternSet &patterns,
                                                   int64_t maxElements) {
  patterns.add<FoldConstantOperands>(patterns.getContext(), maxElements);
}
