//===- TextOps.cpp - ONNX text feature ops -> kiln ------------------------===//
//
// StringNormalizer maps onto kiln.string_normalize; how many strings it keeps
// depends on the data, so its result carries its actual dims (the graph
// returns them next to the output).
//
// TfIdfVectorizer over integer token ids, decomposed into kiln ops. The pool
// of n-grams is an attribute, so every comparison is against a constant:
// for each gram length n and skip distance d, the n strided slices
// x[.., j*d : j*d + count] (j < n) are compared with the j-th token of every
// pool n-gram, the comparisons and-ed and summed over positions; a constant
// 0/1 matrix maps pool n-grams to output coordinates (ngram_indexes). All
// counts are small integers, exact in f32.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

/// The attributes of a TfIdfVectorizer, checked.
struct TfIdfConfig {
  int64_t minGram, maxGram, maxSkip;
  std::string mode;
  llvm::SmallVector<int64_t> ngramCounts, ngramIndexes, pool;
  llvm::SmallVector<float> weights;
  int64_t outputSize;
};

FailureOr<TfIdfConfig> readTfIdfConfig(const NodeInfo &node) {
  TfIdfConfig c;
  c.minGram = node.getInt("min_gram_length", 0);
  c.maxGram = node.getInt("max_gram_length", 0);
  c.maxSkip = node.getInt("max_skip_count", 0);
  c.mode = node.getString("mode", "");
  c.ngramCounts = node.getInts("ngram_counts");
  c.ngramIndexes = node.getInts("ngram_indexes");
  c.pool = node.getInts("pool_int64s");
  c.weights = node.getFloats("weights");
  if (node.hasAttr("pool_strings"))
    return node.emitError()
           << "pool_strings is not supported (Kiln has no string tensors)";
  if (c.mode != "TF" && c.mode != "IDF" && c.mode != "TFIDF")
    return node.emitUnsupportedAttr("mode");
  if (c.minGram < 1 || c.maxGram < c.minGram)
    return node.emitError() << "min_gram_length " << c.minGram
                            << " and max_gram_length " << c.maxGram
                            << " must satisfy 1 <= min <= max";
  if (c.maxSkip < 0)
    return node.emitError() << "max_skip_count must be >= 0";
  if (static_cast<int64_t>(c.ngramCounts.size()) != c.maxGram)
    return node.emitError() << "ngram_counts has " << c.ngramCounts.size()
                            << " entries, expected max_gram_length = "
                            << c.maxGram;
  // Pool n-grams of length n start at ngram_counts[n-1]; their number is
  // (next start - start) / n.
  int64_t numGrams = 0;
  for (int64_t n = 1; n <= c.maxGram; ++n) {
    int64_t begin = c.ngramCounts[n - 1];
    int64_t end = n < c.maxGram ? c.ngramCounts[n]
                                : static_cast<int64_t>(c.pool.size());
    if (begin < 0 || end < begin || end > static_cast<int64_t>(c.pool.size()) ||
        (end - begin) % n != 0)
      return node.emitError() << "ngram_counts do not split pool_int64s ("
                              << c.pool.size()
                              << " tokens) into whole n-grams";
    numGrams += (end - begin) / n;
  }
  if (static_cast<int64_t>(c.ngramIndexes.size()) != numGrams)
    return node.emitError() << "ngram_indexes has " << c.ngramIndexes.size()
                            << " entries, the pool has " << numGrams
                            << " n-grams";
  c.outputSize = 0;
  for (int64_t index : c.ngramIndexes) {
    if (index < 0 || index >= kMaxFoldElements)
      return node.emitError() << "ngram_indexes entry " << index
                              << " is out of range";
    c.outputSize = std::max(c.outputSize, index + 1);
  }
  if (!c.weights.empty() &&
      static_cast<int64_t>(c.weights.size()) < c.outputSize)
    return node.emitError() << "weights has " << c.weights.size()
                            << " entries, the output has " << c.outputSize;
  return c;
}

LogicalResult validateTfIdf(const NodeInfo &node) {
  return failure(failed(readTfIdfConfig(node)));
}

/// Y[b, o] = sum over pool n-grams k with ngram_indexes[k] = o of the number
/// of occurrences of n-gram k in row b (with skips), then IDF/TFIDF weights.
LogicalResult importTfIdfVectorizer(NodeContext &ctx) {
  FailureOr<TfIdfConfig> config = readTfIdfConfig(ctx);
  if (failed(config))
    return failure();
  const TfIdfConfig &c = *config;
  RankedTensorType xType = ctx.operandType(0);
  if (!xType)
    return ctx.emitError() << "missing input 'X'";
  if (!xType.getElementType().isSignlessInteger(32) &&
      !xType.getElementType().isSignlessInteger(64))
    return ctx.emitError() << "input 'X' must be int32 or int64, not "
                           << xType.getElementType();
  if (xType.getRank() != 1 && xType.getRank() != 2)
    return ctx.emitError() << "input 'X' must be 1-D or 2-D, got "
                           << formatShape(xType.getShape());
  if (!xType.hasStaticShape())
    return ctx.emitError() << "input 'X' needs a static shape, got "
                           << formatShape(xType.getShape());

  MLIRContext *context = ctx.getContext();
  Type i64 = IntegerType::get(context, 64);
  Type f32 = Float32Type::get(context);
  int64_t batch = xType.getRank() == 2 ? xType.getDimSize(0) : 1;
  int64_t length = xType.getShape().back();
  Value x = ctx.castTo(ctx.reshape(ctx.operand(0), {batch, length}), i64);

  // counts[b, k] for every pool n-gram k, in pool order.
  llvm::SmallVector<Value> counts;
  int64_t gramIndex = 0;
  for (int64_t n = 1; n <= c.maxGram; ++n) {
    int64_t begin = c.ngramCounts[n - 1];
    int64_t end = n < c.maxGram ? c.ngramCounts[n]
                                : static_cast<int64_t>(c.pool.size());
    int64_t numGrams = (end - begin) / n;
    gramIndex += numGrams;
    if (n < c.minGram || numGrams == 0)
      continue;
    // The j-th token of every pool n-gram, as a [1, 1, numGrams] constant.
    llvm::SmallVector<Value> tokens;
    for (int64_t j = 0; j < n; ++j) {
      llvm::SmallVector<int64_t> values;
      for (int64_t g = 0; g < numGrams; ++g)
        values.push_back(c.pool[begin + g * n + j]);
      tokens.push_back(ctx.constant(makeIntElements(
          RankedTensorType::get({1, 1, numGrams}, i64), values)));
    }
    Value sum;
    // Unigrams have no gaps: they are counted once, not once per skip.
    int64_t maxSkip = n == 1 ? 0 : c.maxSkip;
    for (int64_t skip = 0; skip <= maxSkip; ++skip) {
      int64_t distance = skip + 1;
      int64_t positions = length - (n - 1) * distance;
      if (positions <= 0)
        break;
      Value match;
      for (int64_t j = 0; j < n; ++j) {
        Value slice = ctx.create<SliceOp>(
            x, llvm::ArrayRef<int64_t>{0, j * distance},
            llvm::ArrayRef<int64_t>{batch, positions},
            llvm::ArrayRef<int64_t>{1, 1});
        Value equal = ctx.create<EqualOp>(
            ctx.reshape(slice, {batch, positions, 1}), tokens[j]);
        match = match ? ctx.create<AndOp>(match, equal) : equal;
      }
      Value count = ctx.create<ReduceSumOp>(ctx.castTo(match, f32),
                                            llvm::ArrayRef<int64_t>{1},
                                            /*keepdims=*/false);
      sum = sum ? ctx.create<AddOp>(sum, count) : count;
    }
    if (!sum) // The input is shorter than every n-gram of this length.
      sum = ctx.constant(makeFloatOrIntElements(
          RankedTensorType::get({batch, numGrams}, f32), {0.0}));
    counts.push_back(sum);
  }
  int64_t numGrams = gramIndex;

  // Pool n-gram k -> output coordinate ngram_indexes[k], as a 0/1 matmul
  // over the n-grams that were counted (lengths >= min_gram_length).
  int64_t firstCounted = 0;
  for (int64_t n = 1; n < c.minGram; ++n) {
    int64_t begin = c.ngramCounts[n - 1];
    int64_t end = c.ngramCounts[n];
    firstCounted += (end - begin) / n;
  }
  int64_t numCounted = numGrams - firstCounted;
  Value y;
  if (numCounted == 0 || counts.empty()) {
    y = ctx.constant(makeFloatOrIntElements(
        RankedTensorType::get({batch, c.outputSize}, f32), {0.0}));
  } else {
    Value all = counts.size() == 1
                    ? counts.front()
                    : ctx.create<ConcatOp>(counts, static_cast<uint64_t>(1));
    llvm::SmallVector<double> mapping(numCounted * c.outputSize, 0.0);
    for (int64_t k = 0; k < numCounted; ++k)
      mapping[k * c.outputSize + c.ngramIndexes[firstCounted + k]] = 1.0;
    Value mappingConst = ctx.constant(makeFloatOrIntElements(
        RankedTensorType::get({numCounted, c.outputSize}, f32), mapping));
    y = ctx.create<MatMulOp>(all, mappingConst);
  }
  if (c.mode != "TF") {
    if (c.mode == "IDF")
      y = ctx.castTo(ctx.create<GreaterOp>(y, ctx.constantScalar(f32, 0.0)),
                     f32);
    if (!c.weights.empty()) {
      llvm::SmallVector<double> weights(c.weights.begin(),
                                        c.weights.begin() + c.outputSize);
      y = ctx.create<MulOp>(
          y, ctx.constant(makeFloatOrIntElements(
                 RankedTensorType::get({c.outputSize}, f32), weights)));
    }
  }
  if (xType.getRank() == 1)
    y = ctx.reshape(y, {c.outputSize});
  return finish(ctx, y);
}

LogicalResult validateStringNormalizer(const NodeInfo &node) {
  std::string action = node.getString("case_change_action", "NONE");
  if (action != "NONE" && action != "LOWER" && action != "UPPER")
    return node.emitUnsupportedAttr("case_change_action")
           << " (expected LOWER, UPPER or NONE)";
  if (const ::onnx::AttributeProto *stopwords = node.getAttr("stopwords"))
    for (const std::string &word : stopwords->strings())
      if (word.find('\0') != std::string::npos)
        return node.emitUnsupportedAttr("stopwords")
               << " (a stopword contains a NUL character)";
  return success();
}

LogicalResult importStringNormalizer(NodeContext &ctx) {
  RankedTensorType xType = ctx.operandType(0);
  if (!xType || !isa<StringType>(xType.getElementType()))
    return ctx.emitError() << "input X must be a string tensor";
  Builder b(ctx.getContext());
  std::string action = llvm::StringRef(
      ctx.getString("case_change_action", "NONE")).lower();
  llvm::SmallVector<llvm::StringRef> stopwords;
  if (const ::onnx::AttributeProto *attr = ctx.getAttr("stopwords"))
    for (const std::string &word : attr->strings())
      stopwords.push_back(word);
  // `locale` only selects the case mapping; the runtime's is
  // locale-independent (ASCII plus the C library's Unicode mapping).
  auto op = ctx.createOp<StringNormalizeOp>(
      ctx.operand(0), b.getStringAttr(action),
      b.getBoolAttr(ctx.getInt("is_case_sensitive", 0) != 0),
      b.getStrArrayAttr(stopwords));
  if (!op)
    return failure();
  // Actual dims: [count] or [1, count].
  Value dims = ctx.reshape(op.getCount(), {1});
  if (xType.getRank() == 2) {
    Value one = ctx.constant(makeFloatOrIntElements(
        RankedTensorType::get({1}, b.getI64Type()), {1}));
    dims = ctx.create<ConcatOp>(ValueRange{one, dims}, int64_t(0));
  }
  if (!dims)
    return failure();
  ctx.setResultWithDataDims(0, op.getResult(), dims);
  return success();
}

} // namespace

void onnx_importer::populateTextHandlers(OnnxOpRegistry &r) {
  r.onOp("StringNormalizer", 10, importStringNormalizer,
         validateStringNormalizer);
  r.onOp("TfIdfVectorizer", 9, importTfIdfVectorizer, validateTfIdf);
}
