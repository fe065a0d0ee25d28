//===- LinearAlgebraOps.cpp - ONNX Einsum and Det -> kiln -----------------===//
//
// Both are decomposed at import into ops kiln already lowers well.
//
// Einsum:
//   1. per operand, repeated labels (diagonals) become a multiplication by
//      an identity mask and a reduce_sum;
//   2. labels no later operand and not the output needs are summed out;
//   3. operands are contracted pairwise, left to right, by one batched
//      kiln.matmul: [batch, lhs-only, contracted] x [batch, contracted,
//      rhs-only] after a transpose and a reshape of each side;
//   4. the result is transposed into the output's label order.
// Explicit ("ij,jk->ik") and implicit ("ij,jk") forms and ellipses ("...")
// are supported; ellipsis dims broadcast as in numpy. Shapes must be static.
//
// Det: Gaussian elimination with partial pivoting, unrolled over the n
// columns of the static n x n matrices and batched over the leading dims
// (O(n) kiln ops of O(n^2) work each). The determinant is the product of the
// pivots, negated once per row swap.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

namespace {

/// A dim's label: a letter's character code, or kEllipsisLabel + i for the
/// i-th dim of the (right-aligned) broadcast ellipsis.
using Label = int;
constexpr Label kEllipsisLabel = 256;
using Labels = llvm::SmallVector<Label, 6>;

bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Splits one term into its letters around an optional "...": returns
/// {letters before, letters after, has ellipsis}, or failure.
struct Term {
  std::string before, after;
  bool hasEllipsis = false;
};

FailureOr<Term> parseTerm(NodeContext &ctx, llvm::StringRef text) {
  Term term;
  size_t dots = text.find("...");
  llvm::StringRef head = text, tail;
  if (dots != llvm::StringRef::npos) {
    term.hasEllipsis = true;
    head = text.substr(0, dots);
    tail = text.substr(dots + 3);
  }
  for (llvm::StringRef part : {head, tail})
    for (char c : part)
      if (!isLetter(c))
        return ctx.emitError() << "Einsum equation term '" << text
                               << "' may hold only letters and one '...'";
  term.before = head.str();
  term.after = tail.str();
  return term;
}

/// The labels of a term whose ellipsis covers `ellipsisDims` of the
/// `maxEllipsisDims` broadcast ellipsis dims (the trailing ones).
Labels termLabels(const Term &term, int64_t ellipsisDims,
                  int64_t maxEllipsisDims) {
  Labels labels(term.before.begin(), term.before.end());
  for (int64_t i = maxEllipsisDims - ellipsisDims; i < maxEllipsisDims; ++i)
    labels.push_back(kEllipsisLabel + i);
  labels.append(term.after.begin(), term.after.end());
  return labels;
}

struct Operand {
  Value value;
  Labels labels;
};

llvm::ArrayRef<int64_t> shapeOf(Value v) { return typeOf(v).getShape(); }

/// Replaces each pair of equal labels of `op` by one dim: the diagonal.
LogicalResult takeDiagonals(NodeContext &ctx, Operand &op) {
  for (;;) {
    int64_t p = -1, q = -1;
    for (int64_t i = 0; i < (int64_t)op.labels.size() && p < 0; ++i)
      for (int64_t j = i + 1; j < (int64_t)op.labels.size(); ++j)
        if (op.labels[i] == op.labels[j]) {
          p = i;
          q = j;
          break;
        }
    if (p < 0)
      return success();
    int64_t n = shapeOf(op.value)[p];
    if (shapeOf(op.value)[q] != n)
      return ctx.emitError() << "Einsum label repeated in one operand has "
                                "different sizes "
                             << n << " and " << shapeOf(op.value)[q];
    // Move p, q last, mask with the identity, sum q away.
    llvm::SmallVector<int64_t> perm;
    Labels labels;
    for (int64_t i = 0; i < (int64_t)op.labels.size(); ++i)
      if (i != p && i != q) {
        perm.push_back(i);
        labels.push_back(op.labels[i]);
      }
    perm.push_back(p);
    perm.push_back(q);
    labels.push_back(op.labels[p]);
    Value moved = ctx.transpose(op.value, perm);
    Type elementType = typeOf(op.value).getElementType();
    llvm::SmallVector<double> eye(n * n, 0.0);
    for (int64_t i = 0; i < n; ++i)
      eye[i * n + i] = 1.0;
    Value mask = ctx.constant(makeFloatOrIntElements(
        RankedTensorType::get({n, n}, elementType), eye));
    int64_t rank = perm.size();
    op.value = ctx.create<ReduceSumOp>(ctx.create<MulOp>(moved, mask),
                                       llvm::ArrayRef<int64_t>{rank - 1},
                                       /*keepdims=*/false);
    op.labels = labels;
    if (!op.value)
      return failure();
  }
}

/// Sums out the dims of `op` whose labels `needed` does not hold.
LogicalResult sumOut(NodeContext &ctx, Operand &op,
                     const llvm::SmallVector<Label> &needed) {
  llvm::SmallVector<int64_t> axes;
  Labels kept;
  for (auto [i, label] : llvm::enumerate(op.labels)) {
    if (llvm::is_contained(needed, label))
      kept.push_back(label);
    else
      axes.push_back(i);
  }
  if (axes.empty())
    return success();
  op.value = ctx.create<ReduceSumOp>(op.value, axes, /*keepdims=*/false);
  op.labels = kept;
  return success(op.value != nullptr);
}

/// Broadcasts size-1 dims of `op` to the sizes in `sizes` (ellipsis dims).
LogicalResult broadcastDims(NodeContext &ctx, Operand &op,
                            const std::map<Label, int64_t> &sizes) {
  llvm::SmallVector<int64_t> shape(shapeOf(op.value));
  bool changed = false;
  for (auto [i, label] : llvm::enumerate(op.labels)) {
    int64_t size = sizes.at(label);
    if (shape[i] != size) {
      shape[i] = size;
      changed = true;
    }
  }
  if (changed)
    op.value = ctx.create<ExpandOp>(op.value, shape);
  return success(op.value != nullptr);
}

int64_t product(const Labels &labels, const std::map<Label, int64_t> &sizes) {
  int64_t n = 1;
  for (Label l : labels)
    n *= sizes.at(l);
  return n;
}

/// Position of each of `order`'s labels in `labels`.
llvm::SmallVector<int64_t> permutationTo(const Labels &labels,
                                         const Labels &order) {
  llvm::SmallVector<int64_t> perm;
  for (Label l : order)
    perm.push_back(llvm::find(labels, l) - labels.begin());
  return perm;
}

/// lhs x rhs over their shared labels; `needed` are the labels later
/// operands or the output use (shared ones among them are batch dims).
Operand contract(NodeContext &ctx, Operand lhs, Operand rhs,
                 const llvm::SmallVector<Label> &needed,
                 const std::map<Label, int64_t> &sizes) {
  Labels batch, contracted, lhsOnly, rhsOnly;
  for (Label l : lhs.labels) {
    if (!llvm::is_contained(rhs.labels, l))
      lhsOnly.push_back(l);
    else if (llvm::is_contained(needed, l))
      batch.push_back(l);
    else
      contracted.push_back(l);
  }
  for (Label l : rhs.labels)
    if (!llvm::is_contained(lhs.labels, l))
      rhsOnly.push_back(l);

  Labels lhsOrder = batch, rhsOrder = batch;
  lhsOrder.append(lhsOnly);
  lhsOrder.append(contracted);
  rhsOrder.append(contracted);
  rhsOrder.append(rhsOnly);
  int64_t b = product(batch, sizes), m = product(lhsOnly, sizes),
          k = product(contracted, sizes), n = product(rhsOnly, sizes);
  Value a = ctx.reshape(
      ctx.transpose(lhs.value, permutationTo(lhs.labels, lhsOrder)), {b, m, k});
  Value c = ctx.reshape(
      ctx.transpose(rhs.value, permutationTo(rhs.labels, rhsOrder)), {b, k, n});
  Operand result;
  result.labels = batch;
  result.labels.append(lhsOnly);
  result.labels.append(rhsOnly);
  llvm::SmallVector<int64_t> shape;
  for (Label l : result.labels)
    shape.push_back(sizes.at(l));
  result.value = ctx.reshape(ctx.create<MatMulOp>(a, c), shape);
  return result;
}

LogicalResult importEinsum(NodeContext &ctx) {
  std::string equation;
  for (char c : ctx.getString("equation"))
    if (c != ' ')
      equation.push_back(c);
  unsigned numInputs = ctx.getNumInputs();
  if (numInputs == 0)
    return ctx.emitError() << "Einsum expects at least one input";

  llvm::StringRef eq(equation);
  auto [lhsText, rhsText] = eq.split("->");
  bool explicitOutput = eq.contains("->");
  llvm::SmallVector<llvm::StringRef> termTexts;
  lhsText.split(termTexts, ',');
  if (termTexts.size() != numInputs)
    return ctx.emitError() << "Einsum equation '" << equation << "' has "
                           << termTexts.size() << " operand terms for "
                           << numInputs << " inputs";

  // Parse the terms and size the broadcast ellipsis.
  llvm::SmallVector<Term> terms;
  llvm::SmallVector<int64_t> ellipsisDims;
  int64_t maxEllipsisDims = 0;
  for (unsigned i = 0; i < numInputs; ++i) {
    RankedTensorType type = ctx.operandType(i);
    if (!type)
      return ctx.emitError() << "missing input " << i;
    if (!type.hasStaticShape())
      return ctx.emitError() << "Einsum needs static shapes, not "
                             << formatShape(type.getShape());
    FailureOr<Term> term = parseTerm(ctx, termTexts[i]);
    if (failed(term))
      return failure();
    int64_t letters = term->before.size() + term->after.size();
    int64_t extra = type.getRank() - letters;
    if (extra < 0 || (!term->hasEllipsis && extra != 0))
      return ctx.emitError()
             << "Einsum term '" << termTexts[i] << "' does not match input "
             << i << " of shape " << formatShape(type.getShape());
    terms.push_back(*term);
    ellipsisDims.push_back(extra);
    maxEllipsisDims = std::max(maxEllipsisDims, extra);
  }

  // Operands, label sizes (ellipsis dims broadcast; letters must agree).
  llvm::SmallVector<Operand> operands;
  std::map<Label, int64_t> sizes;
  std::map<Label, int> uses;
  for (unsigned i = 0; i < numInputs; ++i) {
    Operand op;
    op.value = ctx.operand(i);
    if (!op.value)
      return failure();
    op.labels = termLabels(terms[i], ellipsisDims[i], maxEllipsisDims);
    for (auto [d, label] : llvm::enumerate(op.labels)) {
      int64_t size = shapeOf(op.value)[d];
      auto [it, inserted] = sizes.try_emplace(label, size);
      if (!inserted && it->second != size) {
        if (label >= kEllipsisLabel && (it->second == 1 || size == 1))
          it->second = std::max(it->second, size);
        else
          return ctx.emitError()
                 << "Einsum label '"
                 << (label < kEllipsisLabel ? std::string(1, char(label))
                                            : std::string("..."))
                 << "' has sizes " << it->second << " and " << size;
      }
      ++uses[label];
    }
    operands.push_back(op);
  }

  // The output's labels.
  Labels output;
  if (explicitOutput) {
    FailureOr<Term> term = parseTerm(ctx, rhsText);
    if (failed(term))
      return failure();
    if (term->hasEllipsis || maxEllipsisDims == 0)
      output = termLabels(*term, term->hasEllipsis ? maxEllipsisDims : 0,
                          maxEllipsisDims);
    else
      return ctx.emitError()
             << "Einsum output '" << rhsText << "' must keep the inputs' '...'";
    for (auto [i, label] : llvm::enumerate(output)) {
      if (!sizes.count(label))
        return ctx.emitError() << "Einsum output label '" << char(label)
                               << "' is not in any input";
      if (llvm::is_contained(llvm::ArrayRef<Label>(output).take_front(i),
                             label))
        return ctx.emitError()
               << "Einsum output label '" << char(label) << "' is repeated";
    }
  } else {
    // numpy: the ellipsis, then the letters used once, alphabetically.
    for (int64_t i = 0; i < maxEllipsisDims; ++i)
      output.push_back(kEllipsisLabel + i);
    for (auto [label, count] : uses)
      if (label < kEllipsisLabel && count == 1)
        output.push_back(label);
  }

  // Labels needed after operand i: the output's and later operands'.
  auto neededAfter = [&](unsigned i) {
    llvm::SmallVector<Label> needed(output.begin(), output.end());
    for (unsigned j = i + 1; j < numInputs; ++j)
      needed.append(operands[j].labels.begin(), operands[j].labels.end());
    return needed;
  };

  for (Operand &op : operands)
    if (failed(takeDiagonals(ctx, op)) || failed(broadcastDims(ctx, op, sizes)))
      return failure();

  Operand acc = operands[0];
  for (unsigned i = 1; i < numInputs; ++i) {
    // Sum out what neither the next operand nor anything later needs.
    llvm::SmallVector<Label> needed = neededAfter(i);
    llvm::SmallVector<Label> neededHere = needed;
    neededHere.append(operands[i].labels.begin(), operands[i].labels.end());
    Operand rhs = operands[i];
    llvm::SmallVector<Label> neededByRhs = needed;
    neededByRhs.append(acc.labels.begin(), acc.labels.end());
    if (failed(sumOut(ctx, acc, neededHere)) ||
        failed(sumOut(ctx, rhs, neededByRhs)))
      return failure();
    acc = contract(ctx, acc, rhs, needed, sizes);
    if (!acc.value)
      return failure();
  }
  llvm::SmallVector<Label> outputLabels(output.begin(), output.end());
  if (failed(sumOut(ctx, acc, outputLabels)))
    return failure();
  return finish(ctx,
                ctx.transpose(acc.value, permutationTo(acc.labels, output)));
}

LogicalResult importDet(NodeContext &ctx) {
  RankedTensorType type = ctx.operandType(0);
  if (!type)
    return ctx.emitError() << "missing input 'X'";
  if (failed(requireFloatElements(ctx, type)))
    return failure();
  int64_t rank = type.getRank();
  if (rank < 2 || !type.hasStaticShape() ||
      type.getDimSize(rank - 1) != type.getDimSize(rank - 2))
    return ctx.emitError() << "expects static square matrices [..., n, n], "
                              "not "
                           << formatShape(type.getShape());
  int64_t n = type.getDimSize(rank - 1);
  ArrayRef<int64_t> batchShape = type.getShape().drop_back(2);
  int64_t batch = 1;
  for (int64_t d : batchShape)
    batch *= d;
  Type elementType = type.getElementType();
  Type i64 = ctx.getBuilder().getI64Type();
  Builder &b = ctx.getBuilder();

  Value a = ctx.reshape(ctx.operand(0), {batch, n, n});
  Value zero = ctx.constantScalar(elementType, 0.0);
  Value one = ctx.constantScalar(elementType, 1.0);
  // Broadcasts to [batch, 1, 1] with the first factor.
  Value det = one;
  Value minusOne = ctx.constantScalar(elementType, -1.0);
  // Row numbers, shaped [1, n, 1] to broadcast over batches and columns.
  Value rows =
      ctx.constant(makeIntElements(RankedTensorType::get({1, n, 1}, i64),
                                   llvm::to_vector(llvm::seq<int64_t>(0, n))));
  for (int64_t j = 0; j < n && a; ++j) {
    // The pivot row p >= j: the largest |A[p, j]|.
    Value column = ctx.create<SliceOp>(a, llvm::ArrayRef<int64_t>{0, j, j},
                                       llvm::ArrayRef<int64_t>{batch, n - j, 1},
                                       llvm::ArrayRef<int64_t>{1, 1, 1});
    // One op per statement: the IR order must not depend on the host
    // compiler's argument evaluation order.
    Value pivotInColumn =
        ctx.create<ArgMaxOp>(ctx.create<AbsOp>(column), b.getI64IntegerAttr(1),
                             b.getBoolAttr(true), b.getBoolAttr(false));
    Value pivotRow =
        ctx.create<AddOp>(pivotInColumn, ctx.constantScalar(i64, j));
    // Swap rows j and p (a no-op when p == j).
    Value isPivotRow = ctx.create<EqualOp>(rows, pivotRow);
    Value isRowJ = ctx.create<EqualOp>(rows, ctx.constantScalar(i64, j));
    Value rowP = ctx.create<ReduceSumOp>(
        ctx.create<WhereOp>(isPivotRow, a, zero), llvm::ArrayRef<int64_t>{1},
        /*keepdims=*/true);
    Value rowJ = ctx.create<SliceOp>(a, llvm::ArrayRef<int64_t>{0, j, 0},
                                     llvm::ArrayRef<int64_t>{batch, 1, n},
                                     llvm::ArrayRef<int64_t>{1, 1, 1});
    a = ctx.create<WhereOp>(isRowJ, rowP,
                            ctx.create<WhereOp>(isPivotRow, rowJ, a));
    Value swapped = ctx.create<GreaterOp>(pivotRow, ctx.constantScalar(i64, j));
    det = ctx.create<MulOp>(det, ctx.create<WhereOp>(swapped, minusOne, one));
    // det *= pivot; rows below j lose factor * row j (a zero pivot divides
    // by 1 instead: the determinant is 0 from here on anyway).
    Value pivot = ctx.create<SliceOp>(a, llvm::ArrayRef<int64_t>{0, j, j},
                                      llvm::ArrayRef<int64_t>{batch, 1, 1},
                                      llvm::ArrayRef<int64_t>{1, 1, 1});
    det = ctx.create<MulOp>(det, pivot);
    if (j + 1 == n)
      break;
    Value safePivot =
        ctx.create<WhereOp>(ctx.create<EqualOp>(pivot, zero), one, pivot);
    Value columnJ = ctx.create<SliceOp>(a, llvm::ArrayRef<int64_t>{0, 0, j},
                                        llvm::ArrayRef<int64_t>{batch, n, 1},
                                        llvm::ArrayRef<int64_t>{1, 1, 1});
    Value below = ctx.create<GreaterOp>(rows, ctx.constantScalar(i64, j));
    Value factor =
        ctx.create<WhereOp>(below, ctx.create<DivOp>(columnJ, safePivot), zero);
    Value pivotRowValues = ctx.create<SliceOp>(
        a, llvm::ArrayRef<int64_t>{0, j, 0},
        llvm::ArrayRef<int64_t>{batch, 1, n}, llvm::ArrayRef<int64_t>{1, 1, 1});
    a = ctx.create<SubOp>(a, ctx.create<MulOp>(factor, pivotRowValues));
  }
  if (!a || !det)
    return failure();
  Value result = n == 0 ? ctx.create<ExpandOp>(det, batchShape)
                        : ctx.reshape(det, batchShape);
  return finish(ctx, result);
}

} // namespace

void onnx_importer::populateLinearAlgebraHandlers(OnnxOpRegistry &r) {
  r.onOp("Einsum", 12, importEinsum);
  r.onOp("Det", 11, importDet);
}
