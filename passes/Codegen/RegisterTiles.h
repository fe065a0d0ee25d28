//===- RegisterTiles.h - Cost model of register tiles -----------*- C++ -*-===//
//
// The cost, in cycles per step of the reduction (one input channel and
// window tap, or one K), of covering an output of `rows` x `columns` with
// register tiles of r rows x v vectors: r*v accumulators, v vector loads and
// r broadcasts per step. A step of one tile is bound by the FMA throughput
// (r*v FMAs on two pipes), the FMA latency (each accumulator is a chain of
// dependent FMAs: a tile with fewer than latency x pipes of them waits on
// its own results), and the loads (two per cycle), plus the loop's own
// overhead. Both the row count of a tile
// (kiln-cpu-tile-and-fuse) and the choice between convolution paths
// (kiln-cpu-block-conv-channels: vectors along the image or along output
// channels) are read from it, so remainder tiles (7 = 6 + 1 rows, a 49-wide
// image in 16-lane tiles) are priced where they are made instead of being
// avoided by thresholds on image sizes. The pipe counts and latency are those
// of every target Kiln vectorizes for (Zen 3/4, Intel cores since Haswell,
// Neoverse N1/V1); only the register count and vector width differ.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CODEGEN_REGISTERTILES_H
#define KILN_PASSES_CODEGEN_REGISTERTILES_H

#include <cstdint>

namespace mlir::kiln {

struct RegisterTileModel {
  int64_t lanes;     // elements per vector register
  int64_t registers; // vector registers (16: AVX2; 32: AVX-512, NEON)

  /// The most rows of a tile of `vectors` vectors whose accumulators, one
  /// broadcast and `vectors` operand vectors fit the registers (6 x 2 with
  /// 16 registers, 8 x 2 with 32: more rows do not pay for the cache tiles
  /// they need).
  int64_t maxRows(int64_t vectors) const;

  /// Cycles of one reduction step of one tile of `rows` x `vectors` vectors
  /// whose input vectors are read with stride `stride` (a strided
  /// convolution read along its output width: `stride` loads and shuffles
  /// per vector).
  double stepCycles(int64_t rows, int64_t vectors, int64_t stride = 1) const;

  /// The row count (at most maxRows(vectors)) that covers `extent` rows of
  /// `vectors`-vector tiles in the fewest cycles; on a tie one that leaves
  /// no remainder tile, then the larger one.
  int64_t chooseRows(int64_t extent, int64_t vectors, int64_t stride = 1) const;

  /// Cycles per reduction step of covering `extent` rows of `vectors`-vector
  /// tiles with chooseRows(extent, vectors) rows per tile.
  double coverCycles(int64_t extent, int64_t vectors, int64_t stride = 1) const;

  /// Cycles per reduction step of an output of `rows` x `columns`, vectors
  /// along the columns in tiles of 2 vectors (the last tile: the vectors
  /// the remainder needs, a partial vector costing a whole one).
  double gridCycles(int64_t rows, int64_t columns, int64_t stride = 1) const;
};

} // namespace mlir::kiln

#endif // KILN_PASSES_CODEGEN_REGISTERTILES_H
