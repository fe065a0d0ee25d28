//===- SignalOps.cpp - ONNX signal-processing ops -> kiln -----------------===//
//
// DFT and STFT as matrix products with constant cosine/sine matrices (exact
// up to f32 rounding; O(n^2) per transform, which suits the short frames of
// audio front ends), STFT's frames as one constant-index gather, and
// MelWeightMatrix folded to a constant at import time (all its inputs are
// scalars that must be known). The window ops (Hann/Hamming/Blackman) are
// ONNX functions the loader expands.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

/// Bound on the DFT length: the two constant matrices hold 2 * n * n' values.
constexpr int64_t kMaxDftLength = 4096;

/// The DFT along `axis` of a signal given as real and imaginary parts (`imag`
/// may be null for a real signal) of the same shape, zero-padded or
/// truncated to `length`. Returns {real, imag} of the transform, with
/// length/2+1 bins along `axis` when `onesided`, else `length`.
FailureOr<std::pair<Value, Value>> buildDft(NodeContext &ctx, Value real,
                                            Value imag, int64_t axis,
                                            int64_t length, bool inverse,
                                            bool onesided) {
  RankedTensorType type = typeOf(real);
  if (!type)
    return failure();
  int64_t rank = type.getRank();
  int64_t n = type.getDimSize(axis);
  if (ShapedType::isDynamic(n))
    return ctx.emitError() << "the DFT axis needs a static size";
  if (length < 1 || length > kMaxDftLength)
    return ctx.emitError() << "DFT length " << length
                           << " is not supported (1.." << kMaxDftLength << ")";
  // The signal axis last, so the transform is one matmul: [..., n] x [n, m].
  llvm::SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  llvm::SmallVector<int64_t> inversePerm(rank);
  for (int64_t d = 0; d < rank; ++d)
    inversePerm[perm[d]] = d;

  auto fitLength = [&](Value v) -> Value {
    if (!v)
      return v;
    v = ctx.transpose(v, perm);
    if (length == n)
      return v;
    llvm::SmallVector<int64_t> shape(typeOf(v).getShape());
    if (length < n) {
      llvm::SmallVector<int64_t> offsets(rank, 0), strides(rank, 1);
      shape.back() = length;
      return ctx.create<SliceOp>(v, offsets, shape, strides);
    }
    llvm::SmallVector<int64_t> pads(2 * rank, 0);
    pads[2 * rank - 1] = length - n;
    return ctx.create<PadOp>(v, pads, llvm::APFloat(0.0),
                             PadMode::constant);
  };
  real = fitLength(real);
  imag = fitLength(imag);

  int64_t bins = onesided ? length / 2 + 1 : length;
  Type elementType = type.getElementType();
  llvm::SmallVector<double> cosValues(length * bins), sinValues(length * bins);
  double scale = inverse ? 1.0 / static_cast<double>(length) : 1.0;
  for (int64_t j = 0; j < length; ++j) {
    for (int64_t k = 0; k < bins; ++k) {
      // j * k mod length keeps the angle small, so cos/sin stay accurate.
      double angle = 2.0 * llvm::numbers::pi *
                     static_cast<double>((j * k) % length) /
                     static_cast<double>(length);
      cosValues[j * bins + k] = std::cos(angle) * scale;
      sinValues[j * bins + k] = std::sin(angle) * scale;
    }
  }
  auto matrixType = RankedTensorType::get({length, bins}, elementType);
  Value cosMatrix = ctx.constant(makeFloatOrIntElements(matrixType, cosValues));
  Value sinMatrix = ctx.constant(makeFloatOrIntElements(matrixType, sinValues));
  // Forward: X = sum x * e^{-i theta}; inverse: e^{+i theta} / length.
  //   re = xr C + s xi S, im = xi C - s xr S with s = +1 (forward), -1.
  Value outReal = ctx.create<MatMulOp>(real, cosMatrix);
  Value outImag = ctx.create<MatMulOp>(real, sinMatrix);
  outImag = inverse ? outImag : ctx.create<NegOp>(outImag);
  if (imag) {
    Value imagCos = ctx.create<MatMulOp>(imag, cosMatrix);
    Value imagSin = ctx.create<MatMulOp>(imag, sinMatrix);
    outReal = inverse ? ctx.create<SubOp>(outReal, imagSin)
                      : ctx.create<AddOp>(outReal, imagSin);
    outImag = ctx.create<AddOp>(outImag, imagCos);
  }
  outReal = ctx.transpose(outReal, inversePerm);
  outImag = ctx.transpose(outImag, inversePerm);
  if (!outReal || !outImag)
    return failure();
  return std::make_pair(outReal, outImag);
}

/// Splits [..., 1] (real) or [..., 2] (complex) into real and imaginary
/// parts without the last dim; the imaginary part is null for real input.
FailureOr<std::pair<Value, Value>> splitComplex(NodeContext &ctx, Value x,
                                                llvm::StringRef what) {
  RankedTensorType type = typeOf(x);
  if (!type)
    return failure();
  if (!isa<FloatType>(type.getElementType()))
    return ctx.emitError() << "input '" << what
                           << "' must be a floating-point tensor";
  int64_t rank = type.getRank();
  int64_t parts = rank > 0 ? type.getShape().back() : 0;
  if (rank < 2 || (parts != 1 && parts != 2))
    return ctx.emitError() << "input '" << what
                           << "' must have rank >= 2 and a last dim of 1 "
                              "(real) or 2 (complex), got "
                           << formatShape(type.getShape());
  llvm::SmallVector<int64_t> shape(type.getShape().drop_back());
  auto part = [&](int64_t i) {
    llvm::SmallVector<int64_t> offsets(rank, 0), sizes(type.getShape()),
        strides(rank, 1);
    offsets.back() = i;
    sizes.back() = 1;
    return ctx.reshape(ctx.create<SliceOp>(x, offsets, sizes, strides), shape);
  };
  if (parts == 1)
    return std::make_pair(ctx.reshape(x, shape), Value());
  return std::make_pair(part(0), part(1));
}

/// Stacks real and imaginary parts into a trailing dim of 2.
Value joinComplex(NodeContext &ctx, Value real, Value imag) {
  if (!real || !imag)
    return nullptr;
  llvm::SmallVector<int64_t> shape(typeOf(real).getShape());
  shape.push_back(1);
  return ctx.create<ConcatOp>(
      ValueRange{ctx.reshape(real, shape), ctx.reshape(imag, shape)},
      static_cast<uint64_t>(shape.size() - 1));
}

/// DFT-17: x [batch, ..., n, ..., 1|2]; optional dft_length; attributes
/// axis (default 1), inverse, onesided.
LogicalResult importDft(NodeContext &ctx) {
  Value x = ctx.operand(0);
  if (!x)
    return failure();
  FailureOr<std::pair<Value, Value>> parts = splitComplex(ctx, x, "input");
  if (failed(parts))
    return failure();
  int64_t signalRank = typeOf(x).getRank() - 1;
  int64_t rawAxis = ctx.getInt("axis", 1);
  // Negative axes count from the end of the full input (last dim included).
  if (rawAxis < 0)
    rawAxis += signalRank + 1;
  if (rawAxis < 0 || rawAxis >= signalRank)
    return ctx.emitError() << "axis " << ctx.getInt("axis", 1)
                           << " is not a signal dim of an input of rank "
                           << signalRank + 1;
  bool inverse = ctx.getInt("inverse", 0) != 0;
  bool onesided = ctx.getInt("onesided", 0) != 0;
  if (onesided && parts->second)
    return ctx.emitError() << "onesided DFT requires a real input";
  if (onesided && inverse)
    return ctx.emitError() << "onesided inverse DFT is not supported";
  int64_t length = typeOf(parts->first).getDimSize(rawAxis);
  if (ctx.hasInput(1)) {
    FailureOr<double> value = ctx.requireConstantScalar(1, "dft_length");
    if (failed(value))
      return failure();
    length = static_cast<int64_t>(*value);
  }
  FailureOr<std::pair<Value, Value>> result =
      buildDft(ctx, parts->first, parts->second, rawAxis, length, inverse,
               onesided);
  if (failed(result))
    return failure();
  return finish(ctx, joinComplex(ctx, result->first, result->second));
}

/// STFT-17: signal [batch, length, 1|2], frame_step, window [frame_length]
/// (optional), frame_length (optional); attribute onesided (default 1).
/// Output [batch, frames, bins, 2].
LogicalResult importStft(NodeContext &ctx) {
  Value signal = ctx.operand(0);
  if (!signal)
    return failure();
  RankedTensorType signalType = typeOf(signal);
  if (signalType.getRank() != 3 || signalType.isDynamicDim(1))
    return ctx.emitError() << "input 'signal' must be [batch, length, 1|2] "
                              "with a static length, got "
                           << formatShape(signalType.getShape());
  FailureOr<double> step = ctx.requireConstantScalar(1, "frame_step");
  if (failed(step))
    return failure();
  int64_t frameStep = static_cast<int64_t>(*step);
  int64_t frameLength = -1;
  Value window;
  if (ctx.hasInput(2)) {
    window = ctx.operand(2);
    if (!window)
      return failure();
    if (typeOf(window).getRank() != 1 || typeOf(window).isDynamicDim(0))
      return ctx.emitError() << "input 'window' must be 1-D and static";
    frameLength = typeOf(window).getDimSize(0);
  }
  if (ctx.hasInput(3)) {
    FailureOr<double> value = ctx.requireConstantScalar(3, "frame_length");
    if (failed(value))
      return failure();
    if (frameLength >= 0 && frameLength != static_cast<int64_t>(*value))
      return ctx.emitError() << "frame_length " << *value
                             << " differs from the window's length "
                             << frameLength;
    frameLength = static_cast<int64_t>(*value);
  }
  if (frameLength < 0)
    return ctx.emitError() << "STFT needs a window or a frame_length";
  int64_t signalLength = signalType.getDimSize(1);
  if (frameStep < 1 || frameLength < 1 || frameLength > signalLength)
    return ctx.emitError() << "frame_step " << frameStep << " and frame_length "
                           << frameLength
                           << " must be >= 1, the frame at most the signal "
                           << "length " << signalLength;
  int64_t frames = 1 + (signalLength - frameLength) / frameStep;
  if (frames * frameLength > kMaxFoldElements)
    return ctx.emitError() << "too many frames (" << frames << " of "
                           << frameLength << ")";

  // frames[b, f, j, c] = signal[b, f * step + j, c]: one gather.
  llvm::SmallVector<int64_t> indices;
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t j = 0; j < frameLength; ++j)
      indices.push_back(f * frameStep + j);
  Value indexConst = ctx.constant(makeIntElements(
      RankedTensorType::get({frames, frameLength},
                            IntegerType::get(ctx.getContext(), 64)),
      indices));
  Value framed =
      ctx.create<GatherOp>(signal, indexConst, static_cast<uint64_t>(1));
  if (!framed)
    return failure();
  if (window) {
    Value w = ctx.reshape(ctx.castTo(window, signalType.getElementType()),
                          {frameLength, 1});
    framed = ctx.create<MulOp>(framed, w);
  }
  FailureOr<std::pair<Value, Value>> parts =
      splitComplex(ctx, framed, "signal");
  if (failed(parts))
    return failure();
  bool onesided = ctx.getInt("onesided", 1) != 0;
  if (onesided && parts->second)
    return ctx.emitError() << "onesided STFT requires a real signal";
  FailureOr<std::pair<Value, Value>> result =
      buildDft(ctx, parts->first, parts->second, /*axis=*/2, frameLength,
               /*inverse=*/false, onesided);
  if (failed(result))
    return failure();
  return finish(ctx, joinComplex(ctx, result->first, result->second));
}

/// MelWeightMatrix-17 as a constant [dft_length/2+1, num_mel_bins]: the
/// triangular filters of the ONNX reference (its integer bin rounding
/// included).
LogicalResult importMelWeightMatrix(NodeContext &ctx) {
  FailureOr<double> numMelBins = ctx.requireConstantScalar(0, "num_mel_bins");
  FailureOr<double> dftLength = ctx.requireConstantScalar(1, "dft_length");
  FailureOr<double> sampleRate = ctx.requireConstantScalar(2, "sample_rate");
  FailureOr<double> lowerEdge =
      ctx.requireConstantScalar(3, "lower_edge_hertz");
  FailureOr<double> upperEdge =
      ctx.requireConstantScalar(4, "upper_edge_hertz");
  if (failed(numMelBins) || failed(dftLength) || failed(sampleRate) ||
      failed(lowerEdge) || failed(upperEdge))
    return failure();
  int64_t mels = static_cast<int64_t>(*numMelBins);
  int64_t length = static_cast<int64_t>(*dftLength);
  int64_t rate = static_cast<int64_t>(*sampleRate);
  if (mels < 1 || length < 1 || rate < 1 || *lowerEdge < 0 ||
      *upperEdge <= *lowerEdge)
    return ctx.emitError() << "MelWeightMatrix needs num_mel_bins, "
                              "dft_length, sample_rate >= 1 and 0 <= "
                              "lower_edge_hertz < upper_edge_hertz";
  int64_t bins = length / 2 + 1;
  if (bins * mels > kMaxFoldElements)
    return ctx.emitError() << "the mel weight matrix " << bins << "x" << mels
                           << " is too large to fold";
  Type outputType = Float32Type::get(ctx.getContext());
  if (const ::onnx::AttributeProto *attr = ctx.getAttr("output_datatype")) {
    outputType = convertElementType(ctx.getContext(), attr->i());
    if (!outputType || !isa<FloatType>(outputType))
      return ctx.emitUnsupportedAttr("output_datatype");
  }

  // The ONNX reference: mel = 2595 log10(1 + hz / 700); the mel range split
  // into num_mel_bins + 2 points, mapped back to Hz and to DFT bins with
  // floor((length + 1) * hz / sample_rate).
  auto hzToMel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
  auto melToHz = [](double mel) {
    return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
  };
  double lowMel = hzToMel(*lowerEdge), highMel = hzToMel(*upperEdge);
  double melStep = (highMel - lowMel) / static_cast<double>(mels + 2);
  llvm::SmallVector<int64_t> points(mels + 2);
  for (int64_t i = 0; i < mels + 2; ++i) {
    double hz = melToHz(lowMel + melStep * static_cast<double>(i));
    points[i] = static_cast<int64_t>(
        std::floor(static_cast<double>(length + 1) * hz /
                   static_cast<double>(rate)));
  }
  llvm::SmallVector<double> weights(bins * mels, 0.0);
  auto set = [&](int64_t bin, int64_t mel, double value) {
    if (bin >= 0 && bin < bins)
      weights[bin * mels + mel] = value;
  };
  for (int64_t m = 0; m < mels; ++m) {
    int64_t lower = points[m], center = points[m + 1], upper = points[m + 2];
    // Rising edge [lower, center] (a single 1 when they coincide), then the
    // falling edge [center, upper).
    if (center == lower)
      set(center, m, 1.0);
    for (int64_t j = lower; center > lower && j <= center; ++j)
      set(j, m, double(j - lower) / double(center - lower));
    for (int64_t j = center; j < upper; ++j)
      set(j, m, double(upper - j) / double(upper - center));
  }
  ctx.setConstantResult(
      0, makeFloatOrIntElements(RankedTensorType::get({bins, mels}, outputType),
                                weights));
  return success();
}

} // namespace

void onnx_importer::populateSignalHandlers(OnnxOpRegistry &r) {
  r.onOp("DFT", 17, importDft);
  r.onOp("STFT", 17, importStft);
  r.onOp("MelWeightMatrix", 17, importMelWeightMatrix);
}
