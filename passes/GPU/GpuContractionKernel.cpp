//===- GpuContractionKernel.cpp - Register-tiled GPU contraction kernels --===//
//
// planContractionKernel (used by kiln-gpu-tile-and-distribute on tensors)
// and kiln-gpu-contraction-kernel (after bufferization): a block tile of a
// matmul-like op becomes one thread-level scf.forall of whole warps that
//
//   - stages the A and B tiles of each K step in workgroup memory with
//     asynchronous copies (nvgpu.device_async_copy: 16 bytes where the
//     layout allows, zero-filled past the edges), two stages in flight;
//   - keeps the accumulators in registers: per warp, mma.sync fragments
//     (nvgpu.mma.sync m16n8k8 tf32, m16n8k16 bf16/fp16, fragment layouts of
//     the PTX ISA) or, at fp32, each thread's tm x tn outer-product tile;
//   - starts the accumulators from the fused initializer (fill, bias
//     broadcast) evaluated in registers, and applies the fused elementwise
//     epilogue to them before the only store of the result.
//
// See ContractionKernel.h and Passes.td.
//
//===----------------------------------------------------------------------===//
#include "passes/GPU/ContractionKernel.h"
#include "passes/GPU/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNGPUCONTRACTIONKERNEL
#include "passes/GPU/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln::gpu_kernel;

//===----------------------------------------------------------------------===//
// Configuration
//===----------------------------------------------------------------------===//

std::optional<Precision> mlir::kiln::gpu_kernel::parsePrecision(StringRef name) {
  return llvm::StringSwitch<std::optional<Precision>>(name)
      .Case("fp32", Precision::FP32)
      .Case("tf32", Precision::TF32)
      .Case("bf16", Precision::BF16)
      .Case("fp16", Precision::FP16)
      .Default(std::nullopt);
}

StringRef mlir::kiln::gpu_kernel::toString(Precision precision) {
  switch (precision) {
  case Precision::FP32:
    return "fp32";
  case Precision::TF32:
    return "tf32";
  case Precision::BF16:
    return "bf16";
  case Precision::FP16:
    return "fp16";
  }
  llvm_unreachable("precision");
}

constexpr int64_t kLanesPerWarp = 32;

int64_t ContractionConfig::threads() const {
  return usesMma() ? kLanesPerWarp * warpsM * warpsN : (bm / tm) * (bn / tn);
}

int64_t ContractionConfig::kStep() const {
  switch (precision) {
  case Precision::FP32:
    return 1;
  case Precision::TF32:
    return 8;
  case Precision::BF16:
  case Precision::FP16:
    return 16;
  }
  llvm_unreachable("precision");
}

DictionaryAttr ContractionConfig::toAttr(MLIRContext *ctx) const {
  Builder b(ctx);
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("precision", b.getStringAttr(toString(precision))),
      b.getNamedAttr("tile", b.getDenseI64ArrayAttr({bm, bn, bk})),
      b.getNamedAttr("warps", b.getDenseI64ArrayAttr({warpsM, warpsN})),
      b.getNamedAttr("thread_tile", b.getDenseI64ArrayAttr({tm, tn})),
      b.getNamedAttr("copy_vector", b.getDenseI64ArrayAttr({vecA, vecB}))};
  return b.getDictionaryAttr(attrs);
}

std::optional<ContractionConfig> ContractionConfig::fromAttr(Attribute attr) {
  auto dict = dyn_cast_or_null<DictionaryAttr>(attr);
  if (!dict)
    return std::nullopt;
  auto precision = dict.getAs<StringAttr>("precision");
  auto tile = dict.getAs<DenseI64ArrayAttr>("tile");
  auto warps = dict.getAs<DenseI64ArrayAttr>("warps");
  auto threadTile = dict.getAs<DenseI64ArrayAttr>("thread_tile");
  auto vec = dict.getAs<DenseI64ArrayAttr>("copy_vector");
  if (!precision || !tile || tile.size() != 3 || !warps || warps.size() != 2 ||
      !threadTile || threadTile.size() != 2 || !vec || vec.size() != 2)
    return std::nullopt;
  std::optional<Precision> p = parsePrecision(precision.getValue());
  if (!p)
    return std::nullopt;
  ContractionConfig c;
  c.precision = *p;
  c.bm = tile[0];
  c.bn = tile[1];
  c.bk = tile[2];
  c.warpsM = warps[0];
  c.warpsN = warps[1];
  c.tm = threadTile[0];
  c.tn = threadTile[1];
  c.vecA = vec[0];
  c.vecB = vec[1];
  // The shapes the kernel builder relies on.
  auto positive = [](int64_t v) { return v > 0; };
  if (!llvm::all_of(ArrayRef<int64_t>{c.bm, c.bn, c.bk, c.vecA, c.vecB},
                    positive) ||
      c.bk % c.kStep() != 0)
    return std::nullopt;
  if (c.usesMma()) {
    if (c.warpsM <= 0 || c.warpsN <= 0 || c.bm % (16 * c.warpsM) != 0 ||
        c.bn % (8 * c.warpsN) != 0)
      return std::nullopt;
  } else if (c.tm <= 0 || c.tn <= 0 || c.bm % c.tm != 0 || c.bn % c.tn != 0 ||
             c.threads() % kLanesPerWarp != 0) {
    return std::nullopt;
  }
  return c;
}

//===----------------------------------------------------------------------===//
// Analysis of the contraction
//===----------------------------------------------------------------------===//

namespace {

/// Loop dims of a contraction C[batch.., m, n] += A[.., m|k, k|m] *
/// B[.., k|n, n|k] and the layout of its operands.
struct ContractionLayout {
  unsigned a = 0, b = 1; // input numbers of A and B
  unsigned m = 0, n = 0, k = 0;
  SmallVector<unsigned> batch;
  bool aInnerK = true; // A's last dim is k (else m)
  bool bInnerN = true; // B's last dim is n (else k)
};

} // namespace

/// The payload is acc + a * b (either order) in f32.
static bool isMulAddBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3 || body->getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value x = body->getArgument(0), y = body->getArgument(1);
  return (mul.getLhs() == x && mul.getRhs() == y) ||
         (mul.getLhs() == y && mul.getRhs() == x);
}

static FailureOr<ContractionLayout> analyzeContraction(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumRegions() != 1 || !isMulAddBody(op))
    return failure();
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1)
    return failure();
  // M and N: the last two dims of C. Other M/N-like dims (a dim of C and of
  // one operand only, such as the image of an implicit-GEMM convolution,
  // absent from its filter) are looped over like batch dims.
  AffineMap cMap = op.getIndexingMapsArray().back();
  if (cMap.getNumResults() < 2)
    return failure();
  auto cDim = [&](unsigned i) -> std::optional<unsigned> {
    if (auto d = dyn_cast<AffineDimExpr>(cMap.getResult(i)))
      return d.getPosition();
    return std::nullopt;
  };
  std::optional<unsigned> m = cDim(cMap.getNumResults() - 2),
                          n = cDim(cMap.getNumResults() - 1);
  if (!m || !n || !llvm::is_contained(dims->m, *m) ||
      !llvm::is_contained(dims->n, *n))
    return failure();
  ContractionLayout layout;
  layout.m = *m;
  layout.n = *n;
  layout.k = dims->k[0];
  layout.batch.assign(dims->batch.begin(), dims->batch.end());
  for (unsigned d : llvm::concat<const unsigned>(dims->m, dims->n))
    if (d != *m && d != *n)
      layout.batch.push_back(d);
  auto isBatch = [&](AffineExpr e) {
    auto d = dyn_cast<AffineDimExpr>(e);
    return d && llvm::is_contained(layout.batch, d.getPosition());
  };
  auto dimAt = [](AffineMap map, unsigned i) -> std::optional<unsigned> {
    if (auto d = dyn_cast<AffineDimExpr>(map.getResult(i)))
      return d.getPosition();
    return std::nullopt;
  };
  // Each operand: batch dims first, then its two own dims.
  auto split = [&](AffineMap map, unsigned x, unsigned y,
                   bool &innerY) -> bool {
    unsigned r = map.getNumResults();
    if (r < 2 || !map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return false;
    for (unsigned i = 0; i + 2 < r; ++i)
      if (!isBatch(map.getResult(i)))
        return false;
    std::optional<unsigned> outer = dimAt(map, r - 2), inner = dimAt(map, r - 1);
    if (outer == x && inner == y)
      innerY = true;
    else if (outer == y && inner == x)
      innerY = false;
    else
      return false;
    return true;
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // A is the input with m.
  if (maps[0].isFunctionOfDim(layout.m)) {
    layout.a = 0;
    layout.b = 1;
  } else {
    layout.a = 1;
    layout.b = 0;
  }
  if (!split(maps[layout.a], layout.m, layout.k, layout.aInnerK) ||
      !split(maps[layout.b], layout.k, layout.n, layout.bInnerN))
    return failure();
  bool cInnerN = false;
  if (!split(maps[2], layout.m, layout.n, cInnerN) || !cInnerN ||
      maps[2].getNumResults() != layout.batch.size() + 2)
    return failure();
  return layout;
}

/// Number of streaming multiprocessors the tile choice aims to fill (an
/// H100 SXM has 132).
constexpr int64_t kTargetBlocks = 132;

std::optional<ContractionConfig>
mlir::kiln::gpu_kernel::planContractionKernel(linalg::LinalgOp op,
                                              Precision precision) {
  FailureOr<ContractionLayout> layout = analyzeContraction(op);
  if (failed(layout) || !op.hasPureTensorSemantics())
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  int64_t m = ranges[layout->m], n = ranges[layout->n], k = ranges[layout->k];
  int64_t batch = 1;
  for (unsigned d : layout->batch)
    batch *= ranges[d];

  ContractionConfig c;
  c.precision = m >= 16 ? precision : Precision::FP32;
  if (c.usesMma()) {
    int64_t bigBlocks = llvm::divideCeil(m, 128) * llvm::divideCeil(n, 128) *
                        batch;
    if (m >= 128 && n >= 128 && bigBlocks >= kTargetBlocks) {
      c.bm = c.bn = 128;
      c.warpsM = 2;
      c.warpsN = 4;
      c.bk = 16;
    } else {
      c.bm = c.bn = 64;
      c.warpsM = c.warpsN = 2;
      c.bk = 32;
    }
  } else if (m >= 64) {
    c.bm = c.bn = 64;
    c.tm = 8;
    c.tn = 4;
    c.bk = 32;
  } else if (m > 8) {
    c.bm = 16;
    c.bn = 64;
    c.tm = 2;
    c.tn = 4;
    c.bk = 32;
  } else {
    // Matrix-vector-like: every thread owns a strip of m x 4 outputs.
    c.bm = c.tm = m;
    c.bn = 128;
    c.tn = 4;
    c.bk = 32;
  }
  // A short K needs no more than its own length (in whole mma steps).
  c.bk = std::min<int64_t>(
      c.bk, llvm::PowerOf2Ceil(std::max<int64_t>(k, c.kStep())));
  // 16-byte copies need the operand's innermost extent to be a multiple of
  // 4 (no copy straddles an edge, every copy stays 16-byte aligned).
  auto innerExtent = [&](unsigned input, bool innerFirst, unsigned first,
                         unsigned second) {
    return ranges[innerFirst ? first : second];
  };
  int64_t aInner = innerExtent(layout->a, layout->aInnerK, layout->k, layout->m);
  int64_t bInner = innerExtent(layout->b, layout->bInnerN, layout->n, layout->k);
  c.vecA = aInner % 4 == 0 ? 4 : 1;
  c.vecB = bInner % 4 == 0 ? 4 : 1;
  // A gathered operand (an implicit-GEMM convolution's columns) is staged
  // element by element.
  auto gathered = [&](unsigned input) {
    Operation *producer = op.getDpsInputOperand(input)->get().getDefiningOp();
    return producer && producer->hasAttr(kGatherAttr);
  };
  if (gathered(layout->a))
    c.vecA = 1;
  if (gathered(layout->b))
    c.vecB = 1;
  return c;
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

namespace {

/// Rows of padding that keep a staged row 16-byte aligned and the fragment
/// reads of one warp on distinct banks (32 banks of 4 bytes): lanes spread
/// over 8 outer x 4 inner positions need an outer stride of 4 (mod 32,
/// odd multiple), over 4 outer x 8 inner ones a stride of 8 (mod 32, odd
/// multiple).
static int64_t paddedRow(int64_t inner, bool groupAlongOuter) {
  for (int64_t pad = 0;; pad += 4) {
    int64_t r = (inner + pad) % 32;
    if (groupAlongOuter ? (r == 4 || r == 12 || r == 20 || r == 28)
                        : (r == 8 || r == 24))
      return inner + pad;
  }
}

/// One staged operand (A or B): its two loop dims, tile extents and shared
/// buffer [2][outer][row].
struct StagedOperand {
  Value global;   // the operand's block tile (memref)
  AffineMap map;  // its indexing map
  unsigned outerDim, innerDim;
  int64_t outerExtent, innerExtent, row, vec;
  Value shared;   // memref<2 x outer x row x f32, workgroup>
  // A gathered operand: the tile is a view (at `offsets`) of the result of
  // this kiln.gpu.gather op, read through its input map instead.
  linalg::LinalgOp gather;
  SmallVector<OpFoldResult> offsets;
};

/// The kiln.gpu.gather op whose result `tile` is a unit-stride view of, and
/// the view's offsets. Several gathers may write one buffer (their
/// destinations were one tensor.empty): the last one before the kernel.
static linalg::LinalgOp findGather(Value tile, Operation *reader,
                                   SmallVector<OpFoldResult> &offsets) {
  auto view = tile.getDefiningOp<memref::SubViewOp>();
  Value buffer = view ? view.getSource() : tile;
  linalg::LinalgOp found;
  for (Operation *user : buffer.getUsers()) {
    auto op = dyn_cast<linalg::LinalgOp>(user);
    if (!op || !op->hasAttr(kGatherAttr) || op.getNumDpsInits() != 1 ||
        op.getDpsInits()[0] != buffer)
      continue;
    Operation *kernel = op->getBlock()->findAncestorOpInBlock(*reader);
    if (!kernel || !op->isBeforeInBlock(kernel))
      continue;
    if (!found || found->isBeforeInBlock(op))
      found = op;
  }
  if (!found)
    return nullptr;
  if (view) {
    if (!llvm::all_of(view.getStaticStrides(), [](int64_t s) { return s == 1; }) ||
        view.getSourceType().getRank() != view.getType().getRank())
      return nullptr;
    offsets = view.getMixedOffsets();
  } else {
    offsets.assign(cast<MemRefType>(buffer.getType()).getRank(),
                   OpBuilder(tile.getContext()).getIndexAttr(0));
  }
  return found;
}

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, linalg::LinalgOp contraction,
                const ContractionLayout &layout,
                const ContractionConfig &config, linalg::LinalgOp init,
                linalg::LinalgOp epilogue, unsigned epilogueOperand)
      : b(b), loc(loc), op(contraction), layout(layout), config(config),
        init(init), epilogue(epilogue), epilogueOperand(epilogueOperand) {}

  LogicalResult build();

private:
  Value cst(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value zeros(VectorType type) {
    return arith::ConstantOp::create(b, loc, type, b.getZeroAttr(type));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }

  StagedOperand stageOperand(unsigned input, unsigned first, unsigned second,
                             bool innerSecond, int64_t firstExtent,
                             int64_t secondExtent, int64_t vec,
                             bool groupAlongOuter);
  Value limitOf(unsigned dim);
  SmallVector<Value> issueCopies(StagedOperand &x, Value stage, Value k0,
                                 Value active);
  Value readGathered(const StagedOperand &x, Value valid,
                     ArrayRef<Value> tileIndices);
  Value readStaged(const StagedOperand &x, Value stage, Value first,
                   Value second, unsigned firstDim);
  SmallVector<Value> computeMma(Value stage, ValueRange acc);
  SmallVector<Value> computeFp32(Value stage, ValueRange acc);

  /// Element (row, col) of this thread's accumulators: the value's
  /// position in `acc` and in its vector.
  struct Element {
    unsigned value;
    SmallVector<int64_t> pos;
    Value row, col;
  };
  SmallVector<Element> ownedElements();
  SmallVector<Value> initialAccumulators(ArrayRef<Element> elements);
  void storeResults(ArrayRef<Element> elements, ValueRange acc);
  SmallVector<Value> cCoords(Value row, Value col);
  Value inTile(Value row, Value col);
  SmallVector<Value> evalPointwise(linalg::LinalgOp pointwise,
                                   ArrayRef<Value> outputCoords,
                                   OpOperand *override, Value value);

  OpBuilder &b;
  Location loc;
  linalg::LinalgOp op;
  const ContractionLayout &layout;
  const ContractionConfig &config;
  linalg::LinalgOp init, epilogue;
  unsigned epilogueOperand;

  Value c;            // the accumulator buffer of the contraction
  Value sizeM, sizeN; // the block tile's extent (edge tiles are smaller)
  int64_t k = 0;      // the whole reduction
  Value tid, warp, lane;
  DenseMap<unsigned, Value> batchIvs; // batch loop dim -> index
  StagedOperand a, bOp;
};

} // namespace

StagedOperand KernelBuilder::stageOperand(unsigned input, unsigned first,
                                          unsigned second, bool innerSecond,
                                          int64_t firstExtent,
                                          int64_t secondExtent, int64_t vec,
                                          bool groupAlongOuter) {
  StagedOperand x;
  OpOperand *operand = op.getDpsInputOperand(input);
  x.global = operand->get();
  x.map = op.getMatchingIndexingMap(operand);
  x.outerDim = innerSecond ? first : second;
  x.innerDim = innerSecond ? second : first;
  x.outerExtent = innerSecond ? firstExtent : secondExtent;
  x.innerExtent = innerSecond ? secondExtent : firstExtent;
  x.vec = vec;
  x.row = paddedRow(x.innerExtent, groupAlongOuter);
  // Extra (never read) rows so that every thread issues the same number of
  // copies.
  int64_t perRow = x.innerExtent / vec, threads = config.threads();
  while (x.outerExtent * perRow % threads != 0)
    ++x.outerExtent;
  auto type = MemRefType::get(
      {2, x.outerExtent, x.row}, b.getF32Type(), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  x.shared = memref::AllocOp::create(b, loc, type);
  x.gather = findGather(x.global, op, x.offsets);
  return x;
}

/// The extent of loop dim `dim` in this block tile.
Value KernelBuilder::limitOf(unsigned dim) {
  if (dim == layout.m)
    return sizeM;
  if (dim == layout.n)
    return sizeN;
  return cst(k);
}

/// Every thread copies its share of the operand's K step `k0` into
/// `stage`: `vec` elements per copy, zero-filled outside the operand (and
/// everywhere unless `active`). Returns the copies' tokens.
SmallVector<Value> KernelBuilder::issueCopies(StagedOperand &x, Value stage,
                                              Value k0, Value active) {
  int64_t perRow = x.innerExtent / x.vec;
  int64_t total = x.outerExtent * perRow;
  int64_t threads = config.threads();
  Value zero = cst(0);
  SmallVector<Value> tokens;
  for (int64_t round = 0; round < total / threads; ++round) {
    Value chunk = add(cst(round * threads), tid);
    Value outer = arith::DivUIOp::create(b, loc, chunk, cst(perRow));
    Value inner =
        mul(arith::RemUIOp::create(b, loc, chunk, cst(perRow)), cst(x.vec));
    auto coordOf = [&](unsigned dim, Value local) {
      return dim == layout.k ? add(local, k0) : local;
    };
    Value outerCoord = coordOf(x.outerDim, outer);
    Value innerCoord = coordOf(x.innerDim, inner);
    Value valid = arith::AndIOp::create(
        b, loc, active,
        arith::AndIOp::create(b, loc, lt(outerCoord, limitOf(x.outerDim)),
                              lt(innerCoord, limitOf(x.innerDim))));
    auto clamp = [&](Value v) {
      return arith::SelectOp::create(b, loc, valid, v, zero).getResult();
    };
    SmallVector<Value> srcIndices;
    for (AffineExpr e : x.map.getResults()) {
      unsigned d = cast<AffineDimExpr>(e).getPosition();
      if (d == x.outerDim)
        srcIndices.push_back(clamp(outerCoord));
      else if (d == x.innerDim)
        srcIndices.push_back(clamp(innerCoord));
      else
        srcIndices.push_back(batchIvs.lookup(d));
    }
    if (x.gather) {
      // Gathered: element by element through the gather's map, synchronous
      // stores (visible after the barrier before this stage is read).
      Value value = readGathered(x, valid, srcIndices);
      memref::StoreOp::create(b, loc, value, x.shared,
                              ValueRange{stage, outer, inner});
      continue;
    }
    Value srcElements =
        arith::SelectOp::create(b, loc, valid, cst(x.vec), zero);
    UnitAttr bypassL1 = x.vec * 4 == 16 ? b.getUnitAttr() : UnitAttr();
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), x.shared,
        ValueRange{stage, outer, inner}, x.global, srcIndices,
        b.getIndexAttr(x.vec), srcElements, bypassL1));
  }
  return tokens;
}

/// Element `tileIndices` of a gathered operand's tile (0 outside the
/// operand): the gather's input at its map applied to the element's
/// position in the gather's result.
Value KernelBuilder::readGathered(const StagedOperand &x, Value valid,
                                  ArrayRef<Value> tileIndices) {
  Type f32 = b.getF32Type();
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{f32}, valid,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Value> ivs;
  for (auto [index, offset] : llvm::zip(tileIndices, x.offsets))
    ivs.push_back(add(index, getValueOrCreateConstantIndexOp(b, loc, offset)));
  linalg::LinalgOp gather = x.gather;
  OpOperand *input = gather.getDpsInputOperand(0);
  AffineMap map = gather.getMatchingIndexingMap(input);
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(
        affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  Value v = memref::LoadOp::create(b, loc, input->get(), indices);
  scf::YieldOp::create(b, loc, v);
  b.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(
      b, loc, arith::ConstantOp::create(b, loc, f32, b.getZeroAttr(f32)).getResult());
  return ifOp.getResult(0);
}

/// The staged element at (first, second) of the operand's two loop dims,
/// `first` being the coordinate along `firstDim`.
Value KernelBuilder::readStaged(const StagedOperand &x, Value stage,
                                Value first, Value second, unsigned firstDim) {
  Value outer = x.outerDim == firstDim ? first : second;
  Value inner = x.outerDim == firstDim ? second : first;
  return memref::LoadOp::create(b, loc, x.shared,
                                ValueRange{stage, outer, inner});
}

/// Where element i of a lane's A fragment lies (PTX ISA, "Matrix Fragments
/// for mma.m16n8k8" (.tf32) and "mma.m16n8k16" (.bf16/.f16)), with
/// g = lane / 4 and t = lane % 4: row g + rowOffset, column
/// tScale * t + colOffset.
struct FragmentPosition {
  int64_t rowOffset, colOffset, tScale;
};
static FragmentPosition aFragment(bool tf32, int64_t i) {
  if (tf32) // a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4)
    return {(i % 2) * 8, (i / 2) * 4, 1};
  // a0,a1 (g, 2t+{0,1}); a2,a3 (g+8, 2t+{0,1}); a4,a5 (g, 2t+8+{0,1});
  // a6,a7 (g+8, 2t+8+{0,1})
  return {((i / 2) % 2) * 8, (i % 2) + (i / 4) * 8, 2};
}

SmallVector<Value> KernelBuilder::computeMma(Value stage, ValueRange acc) {
  bool tf32 = config.precision == Precision::TF32;
  int64_t ks = config.kStep();
  int64_t wm = config.bm / config.warpsM, wn = config.bn / config.warpsN;
  int64_t mTiles = wm / 16, nTiles = wn / 8;
  Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
  Value t = arith::RemUIOp::create(b, loc, lane, cst(4));
  Value warpRow = mul(arith::DivUIOp::create(b, loc, warp, cst(config.warpsN)),
                      cst(wm));
  Value warpCol = mul(arith::RemUIOp::create(b, loc, warp, cst(config.warpsN)),
                      cst(wn));
  Type f32 = b.getF32Type();
  Type operandType = f32;
  if (config.precision == Precision::BF16)
    operandType = b.getBF16Type();
  else if (config.precision == Precision::FP16)
    operandType = b.getF16Type();
  auto aType = tf32 ? VectorType::get({4, 1}, f32)
                    : VectorType::get({4, 2}, operandType);
  auto bType = tf32 ? VectorType::get({2, 1}, f32)
                    : VectorType::get({2, 2}, operandType);
  auto convert = [&](Value v) -> Value {
    if (operandType == f32)
      return v;
    return arith::TruncFOp::create(b, loc, operandType, v);
  };
  auto zeroVector = [&](VectorType type) { return zeros(type); };
  SmallVector<Value> result(acc.begin(), acc.end());
  for (int64_t kk = 0; kk < config.bk; kk += ks) {
    SmallVector<Value> aFrags, bFrags;
    for (int64_t mi = 0; mi < mTiles; ++mi) {
      Value frag = zeroVector(aType);
      int64_t count = tf32 ? 4 : 8;
      for (int64_t i = 0; i < count; ++i) {
        FragmentPosition p = aFragment(tf32, i);
        Value row = add(add(warpRow, cst(mi * 16 + p.rowOffset)), g);
        Value col = add(mul(t, cst(p.tScale)), cst(kk + p.colOffset));
        Value v = convert(readStaged(a, stage, row, col, layout.m));
        SmallVector<int64_t> pos = tf32 ? SmallVector<int64_t>{i, 0}
                                        : SmallVector<int64_t>{i / 2, i % 2};
        frag = vector::InsertOp::create(b, loc, v, frag, pos);
      }
      aFrags.push_back(frag);
    }
    for (int64_t ni = 0; ni < nTiles; ++ni) {
      Value frag = zeroVector(bType);
      int64_t count = tf32 ? 2 : 4;
      for (int64_t i = 0; i < count; ++i) {
        // tf32: b0 (k=t, n=g), b1 (k=t+4, n=g);
        // 16-bit: b_i (k = 2t + i%2 + 8*(i/2), n = g).
        Value kIndex =
            tf32 ? add(t, cst(kk + i * 4))
                 : add(mul(t, cst(2)), cst(kk + (i % 2) + (i / 2) * 8));
        Value col = add(add(warpCol, cst(ni * 8)), g);
        Value v = convert(readStaged(bOp, stage, kIndex, col, layout.k));
        SmallVector<int64_t> pos = tf32 ? SmallVector<int64_t>{i, 0}
                                        : SmallVector<int64_t>{i / 2, i % 2};
        frag = vector::InsertOp::create(b, loc, v, frag, pos);
      }
      bFrags.push_back(frag);
    }
    for (int64_t mi = 0; mi < mTiles; ++mi)
      for (int64_t ni = 0; ni < nTiles; ++ni) {
        Value &accumulator = result[mi * nTiles + ni];
        accumulator = nvgpu::MmaSyncOp::create(
            b, loc, aFrags[mi], bFrags[ni], accumulator,
            ArrayRef<int64_t>{16, 8, ks}, /*tf32Enabled=*/tf32);
      }
  }
  return result;
}

SmallVector<Value> KernelBuilder::computeFp32(Value stage, ValueRange acc) {
  int64_t columns = config.bn / config.tn;
  Value tx = arith::RemUIOp::create(b, loc, tid, cst(columns));
  Value ty = arith::DivUIOp::create(b, loc, tid, cst(columns));
  Value row0 = mul(ty, cst(config.tm));
  Value col0 = mul(tx, cst(config.tn));
  auto vecType = VectorType::get({config.tn}, b.getF32Type());
  SmallVector<Value> result(acc.begin(), acc.end());
  auto loop = scf::ForOp::create(b, loc, cst(0), cst(config.bk), cst(1),
                                 result);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kk = loop.getInductionVar();
  Value bRow;
  if (bOp.innerDim == layout.n) {
    bRow = vector::LoadOp::create(b, loc, vecType, bOp.shared,
                                  ValueRange{stage, kk, col0});
  } else {
    SmallVector<Value> elements;
    for (int64_t j = 0; j < config.tn; ++j)
      elements.push_back(
          readStaged(bOp, stage, kk, add(col0, cst(j)), layout.k));
    bRow = vector::FromElementsOp::create(b, loc, vecType, elements);
  }
  SmallVector<Value> next;
  for (int64_t i = 0; i < config.tm; ++i) {
    Value aValue = readStaged(a, stage, add(row0, cst(i)), kk, layout.m);
    Value splat = vector::BroadcastOp::create(b, loc, vecType, aValue);
    next.push_back(vector::FMAOp::create(b, loc, splat, bRow,
                                         loop.getRegionIterArgs()[i]));
  }
  scf::YieldOp::create(b, loc, next);
  return SmallVector<Value>(loop.getResults());
}

SmallVector<KernelBuilder::Element> KernelBuilder::ownedElements() {
  SmallVector<Element> elements;
  if (config.usesMma()) {
    int64_t wm = config.bm / config.warpsM, wn = config.bn / config.warpsN;
    int64_t nTiles = wn / 8;
    Value g = arith::DivUIOp::create(b, loc, lane, cst(4));
    Value t = arith::RemUIOp::create(b, loc, lane, cst(4));
    Value warpRow =
        mul(arith::DivUIOp::create(b, loc, warp, cst(config.warpsN)), cst(wm));
    Value warpCol =
        mul(arith::RemUIOp::create(b, loc, warp, cst(config.warpsN)), cst(wn));
    for (int64_t mi = 0; mi < wm / 16; ++mi)
      for (int64_t ni = 0; ni < nTiles; ++ni)
        for (int64_t i = 0; i < 2; ++i)
          for (int64_t j = 0; j < 2; ++j) {
            // c_{2i+j}: (g + 8i, 2t + j)
            Value row = add(add(warpRow, cst(mi * 16 + 8 * i)), g);
            Value col = add(add(warpCol, cst(ni * 8 + j)), mul(t, cst(2)));
            elements.push_back({static_cast<unsigned>(mi * nTiles + ni),
                                {i, j}, row, col});
          }
    return elements;
  }
  int64_t columns = config.bn / config.tn;
  Value tx = arith::RemUIOp::create(b, loc, tid, cst(columns));
  Value ty = arith::DivUIOp::create(b, loc, tid, cst(columns));
  for (int64_t i = 0; i < config.tm; ++i)
    for (int64_t j = 0; j < config.tn; ++j)
      elements.push_back({static_cast<unsigned>(i),
                          {j},
                          add(mul(ty, cst(config.tm)), cst(i)),
                          add(mul(tx, cst(config.tn)), cst(j))});
  return elements;
}

/// Indices of C's element (row, col) in the current batch.
SmallVector<Value> KernelBuilder::cCoords(Value row, Value col) {
  SmallVector<Value> coords;
  for (AffineExpr e : op.getIndexingMapsArray().back().getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    coords.push_back(d == layout.m   ? row
                     : d == layout.n ? col
                                     : batchIvs.lookup(d));
  }
  return coords;
}

Value KernelBuilder::inTile(Value row, Value col) {
  return arith::AndIOp::create(b, loc, lt(row, sizeM), lt(col, sizeN));
}

/// The values a pointwise op yields at the point whose output coordinates
/// (of its first init) are `outputCoords`; `override` (if set) reads
/// `value` instead of memory.
SmallVector<Value> KernelBuilder::evalPointwise(linalg::LinalgOp pointwise,
                                                ArrayRef<Value> outputCoords,
                                                OpOperand *override,
                                                Value value) {
  AffineMap outMap =
      pointwise.getMatchingIndexingMap(pointwise.getDpsInitOperand(0));
  SmallVector<Value> ivs(pointwise.getNumLoops());
  for (auto [i, e] : llvm::enumerate(outMap.getResults()))
    ivs[cast<AffineDimExpr>(e).getPosition()] = outputCoords[i];
  Block *body = pointwise.getBlock();
  IRMapping mapping;
  for (OpOperand &operand : pointwise->getOpOperands()) {
    BlockArgument arg = body->getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    Value v;
    if (&operand == override) {
      v = value;
    } else if (isa<MemRefType>(operand.get().getType())) {
      SmallVector<Value> indices;
      for (AffineExpr e : pointwise.getMatchingIndexingMap(&operand).getResults())
        indices.push_back(ivs[cast<AffineDimExpr>(e).getPosition()]);
      v = memref::LoadOp::create(b, loc, operand.get(), indices);
    } else {
      v = operand.get();
    }
    mapping.map(arg, v);
  }
  for (Operation &inner : body->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(inner)) {
      mapping.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(inner, mapping);
  }
  return llvm::map_to_vector(body->getTerminator()->getOperands(),
                             [&](Value v) { return mapping.lookupOrDefault(v); });
}

SmallVector<Value>
KernelBuilder::initialAccumulators(ArrayRef<Element> elements) {
  SmallVector<Value> acc;
  Type f32 = b.getF32Type();
  unsigned numValues = elements.back().value + 1;
  VectorType type = config.usesMma() ? VectorType::get({2, 2}, f32)
                                     : VectorType::get({config.tn}, f32);
  for (unsigned i = 0; i < numValues; ++i)
    acc.push_back(zeros(type));
  for (const Element &e : elements) {
    // Outside the tile the accumulator is never stored: 0 keeps it finite.
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{f32},
                                  inTile(e.row, e.col), /*withElse=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      SmallVector<Value> coords = cCoords(e.row, e.col);
      Value v = init ? evalPointwise(init, coords, nullptr, Value())[0]
                     : memref::LoadOp::create(b, loc, c, coords).getResult();
      scf::YieldOp::create(b, loc, v);
      b.setInsertionPointToStart(ifOp.elseBlock());
      scf::YieldOp::create(b, loc,
                           arith::ConstantOp::create(b, loc, f32,
                                                     b.getZeroAttr(f32))
                               .getResult());
    }
    acc[e.value] = vector::InsertOp::create(b, loc, ifOp.getResult(0),
                                            acc[e.value], e.pos);
  }
  return acc;
}

void KernelBuilder::storeResults(ArrayRef<Element> elements, ValueRange acc) {
  for (const Element &e : elements) {
    auto ifOp = scf::IfOp::create(b, loc, inTile(e.row, e.col),
                                  /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value v = vector::ExtractOp::create(b, loc, acc[e.value], e.pos);
    SmallVector<Value> coords = cCoords(e.row, e.col);
    if (!epilogue) {
      memref::StoreOp::create(b, loc, v, c, coords);
      continue;
    }
    SmallVector<Value> results = evalPointwise(
        epilogue, coords, &epilogue->getOpOperand(epilogueOperand), v);
    for (auto [result, out] : llvm::zip(results, epilogue.getDpsInits())) {
      // The epilogue's outputs share C's coordinates (identity maps).
      memref::StoreOp::create(b, loc, result, out, coords);
    }
  }
}

LogicalResult KernelBuilder::build() {
  c = op.getDpsInits()[0];
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  k = ranges[layout.k];
  if (ShapedType::isDynamic(k))
    return op.emitError("kiln-gpu-contraction-kernel: dynamic reduction");
  AffineMap cMap = op.getIndexingMapsArray().back();
  auto cDim = [&](unsigned dim) -> Value {
    unsigned pos = *cMap.getResultPosition(b.getAffineDimExpr(dim));
    auto type = cast<MemRefType>(c.getType());
    if (!type.isDynamicDim(pos))
      return cst(type.getDimSize(pos));
    // The size the buffer was made with (a block-local accumulator is
    // erased with the kernel's ops: no memref.dim may keep it).
    if (auto alloc = c.getDefiningOp<memref::AllocOp>())
      return alloc.getDynamicSizes()[type.getDynamicDimIndex(pos)];
    return memref::DimOp::create(b, loc, c, pos);
  };
  sizeM = cDim(layout.m);
  sizeN = cDim(layout.n);

  // Shared staging buffers (block level: they become attributions).
  bool groupAOuter = layout.aInnerK;  // A rows (m) vary with g
  bool groupBOuter = !layout.bInnerN; // B columns (n) vary with g
  a = stageOperand(layout.a, layout.m, layout.k, layout.aInnerK, config.bm,
                   config.bk, config.vecA, groupAOuter);
  bOp = stageOperand(layout.b, layout.k, layout.n, layout.bInnerN, config.bk,
                     config.bn, config.vecB, groupBOuter);

  // One thread forall over whole warps: (warp, lane) -> (y, x) (just the
  // lanes, x, for one warp: the thread mapping mishandles a loop of one).
  MLIRContext *ctx = b.getContext();
  int64_t warps = config.threads() / kLanesPerWarp;
  SmallVector<OpFoldResult> counts;
  SmallVector<Attribute> mapping;
  if (warps > 1) {
    counts.push_back(b.getIndexAttr(warps));
    mapping.push_back(
        gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::DimY));
  }
  counts.push_back(b.getIndexAttr(kLanesPerWarp));
  mapping.push_back(gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::DimX));
  auto forall = scf::ForallOp::create(b, loc, counts, ValueRange{},
                                      b.getArrayAttr(mapping));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  warp = warps > 1 ? forall.getInductionVar(0) : cst(0);
  lane = forall.getInductionVars().back();
  tid = add(mul(warp, cst(kLanesPerWarp)), lane);

  // Batch dims of the tile: loops around the whole pipeline (every thread
  // runs them alike, so the barriers inside stay uniform).
  for (unsigned d : layout.batch) {
    Value extent = cDim(d);
    auto loop = scf::ForOp::create(b, loc, cst(0), extent, cst(1));
    batchIvs[d] = loop.getInductionVar();
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }

  SmallVector<Element> elements = ownedElements();
  SmallVector<Value> acc = initialAccumulators(elements);

  auto tokenType = nvgpu::DeviceAsyncTokenType::get(ctx);
  auto commit = [&](ArrayRef<Value> tokens) {
    return nvgpu::DeviceAsyncCreateGroupOp::create(b, loc, tokenType, tokens)
        .getResult();
  };
  Value always = arith::ConstantIntOp::create(b, loc, 1, 1);
  // Prologue: K step 0 into stage 0.
  int64_t steps = llvm::divideCeil(k, config.bk);
  SmallVector<Value> tokens = issueCopies(a, cst(0), cst(0), always);
  llvm::append_range(tokens, issueCopies(bOp, cst(0), cst(0), always));
  commit(tokens);
  auto loop = scf::ForOp::create(b, loc, cst(0), cst(steps), cst(1), acc);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value step = loop.getInductionVar();
    Value stage = arith::RemUIOp::create(b, loc, step, cst(2));
    // Step + 1 into the other stage (last read one step ago, behind a
    // barrier) while this one is computed; past the last step the copies
    // only write zeros, so every step commits one group and waiting for all
    // but the newest completes this step's.
    Value next = add(step, cst(1));
    Value nextStage = arith::RemUIOp::create(b, loc, next, cst(2));
    Value k0 = mul(next, cst(config.bk));
    Value active = lt(next, cst(steps));
    SmallVector<Value> nextTokens = issueCopies(a, nextStage, k0, active);
    llvm::append_range(nextTokens, issueCopies(bOp, nextStage, k0, active));
    Value group = commit(nextTokens);
    nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(1));
    gpu::BarrierOp::create(b, loc);
    SmallVector<Value> updated =
        config.usesMma() ? computeMma(stage, loop.getRegionIterArgs())
                         : computeFp32(stage, loop.getRegionIterArgs());
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, updated);
  }
  storeResults(elements, loop.getResults());
  return success();
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {

struct GpuContractionKernel
    : public kiln::impl::KilnGpuContractionKernelBase<GpuContractionKernel> {
  void runOnOperation() override;
};

} // namespace

/// Rewrites the marked ops of one block tile into the kernel.
static LogicalResult rewriteBlock(linalg::LinalgOp contraction) {
  std::optional<ContractionConfig> config =
      ContractionConfig::fromAttr(contraction->getAttr(kContractionAttr));
  if (!config)
    return contraction.emitError(
        "kiln-gpu-contraction-kernel: bad kiln.gpu.contraction config");
  FailureOr<ContractionLayout> layout = analyzeContraction(contraction);
  if (failed(layout) || !contraction.hasPureBufferSemantics())
    return contraction.emitError("kiln-gpu-contraction-kernel: expected a "
                                 "matmul-like linalg op on buffers");
  Block *block = contraction->getBlock();
  linalg::LinalgOp init, epilogue;
  unsigned epilogueOperand = 0;
  for (Operation &other : *block) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(other);
    if (!linalgOp)
      continue;
    if (other.hasAttr(kInitAttr))
      init = linalgOp;
    if (auto number = other.getAttrOfType<IntegerAttr>(kEpilogueAttr)) {
      epilogue = linalgOp;
      epilogueOperand = number.getInt();
    }
  }
  if (init && (init->isBeforeInBlock(contraction) == false ||
               init.getNumDpsInits() != 1 || !init.hasPureBufferSemantics()))
    return init.emitError("kiln-gpu-contraction-kernel: unexpected "
                          "accumulator initializer");
  if (epilogue && (contraction->isBeforeInBlock(epilogue) == false ||
                   !epilogue.hasPureBufferSemantics() ||
                   epilogueOperand >= epilogue->getNumOperands()))
    return epilogue.emitError("kiln-gpu-contraction-kernel: unexpected "
                              "epilogue");
  // At the last of the ops: every operand they read is defined by then.
  OpBuilder b(epilogue ? epilogue.getOperation() : contraction.getOperation());
  KernelBuilder builder(b, contraction.getLoc(), contraction, *layout, *config,
                        init, epilogue, epilogueOperand);
  if (failed(builder.build()))
    return failure();
  // The ops are the kernel now; a block-local accumulator buffer that only
  // they used goes with them.
  llvm::SetVector<Operation *> candidates;
  for (linalg::LinalgOp used : {init, contraction, epilogue})
    if (used)
      for (Value v : used->getOperands())
        if (Operation *def = v.getDefiningOp())
          candidates.insert(def);
  for (linalg::LinalgOp used : {epilogue, contraction, init})
    if (used)
      used->erase();
  // Views and allocations that fed only these ops, down to their sources.
  llvm::SmallPtrSet<Operation *, 8> erased;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < candidates.size(); ++i) {
      Operation *def = candidates[i];
      if (erased.contains(def))
        continue;
      bool view = isa<memref::SubViewOp>(def) && def->use_empty();
      bool alloc = isa<memref::AllocOp>(def) && def->getBlock() == block &&
                   llvm::all_of(def->getUsers(), [](Operation *u) {
                     return isa<memref::DeallocOp>(u);
                   });
      if (!view && !alloc)
        continue;
      if (view)
        if (Operation *source =
                cast<memref::SubViewOp>(def).getSource().getDefiningOp())
          candidates.insert(source);
      for (Operation *u : llvm::make_early_inc_range(def->getUsers()))
        u->erase();
      def->erase();
      erased.insert(def);
      changed = true;
    }
  }
  return success();
}

void GpuContractionKernel::runOnOperation() {
  SmallVector<linalg::LinalgOp> contractions;
  getOperation().walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kContractionAttr))
      contractions.push_back(op);
  });
  for (linalg::LinalgOp op : contractions)
    if (failed(rewriteBlock(op)))
      return signalPassFailure();
  // Gathers the kernels read through: their results are never written
  // (kiln-gpu-tile-and-distribute kept only gathers that contraction
  // kernels alone read). Their buffers go too unless something else uses
  // them (a destination CSE merged with another op's).
  SmallVector<linalg::LinalgOp> gathers;
  getOperation().walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kGatherAttr))
      gathers.push_back(op);
  });
  llvm::SetVector<Value> buffers;
  for (linalg::LinalgOp gather : gathers) {
    buffers.insert(gather.getDpsInits()[0]);
    gather->erase();
  }
  for (Value buffer : buffers) {
    Operation *alloc = buffer.getDefiningOp<memref::AllocOp>();
    if (!alloc || !llvm::all_of(buffer.getUsers(), [](Operation *user) {
          return isa<memref::DeallocOp>(user);
        }))
      continue;
    for (Operation *user : llvm::make_early_inc_range(buffer.getUsers()))
      user->erase();
    alloc->erase();
  }
}
