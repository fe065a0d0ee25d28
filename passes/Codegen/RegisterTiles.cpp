//===- RegisterTiles.cpp - Cost model of register tiles -------------------===//
#include "passes/Codegen/RegisterTiles.h"

#include <algorithm>

using namespace mlir::kiln;

// Two FMA pipes of latency 4, two vector loads per cycle, and about half a
// cycle of loop overhead (counter, addresses) per step.
static constexpr double kFmaPipes = 2, kFmaLatency = 4, kLoadPorts = 2,
                        kStepOverhead = 0.5;

int64_t RegisterTileModel::maxRows(int64_t vectors) const {
  int64_t fit = (registers - vectors - 1) / std::max<int64_t>(1, vectors);
  return std::max<int64_t>(1, std::min<int64_t>(registers >= 32 ? 8 : 6, fit));
}

double RegisterTileModel::stepCycles(int64_t rows, int64_t vectors,
                                     int64_t stride) const {
  double fmas = static_cast<double>(rows * vectors);
  double loads = static_cast<double>(rows + vectors * stride);
  // A strided read is `stride` contiguous loads and shuffles per vector.
  double shuffles = stride > 1 ? static_cast<double>(vectors * stride) : 0;
  return std::max({fmas / kFmaPipes, kFmaLatency, loads / kLoadPorts,
                   shuffles}) +
         kStepOverhead;
}

int64_t RegisterTileModel::chooseRows(int64_t extent, int64_t vectors,
                                      int64_t stride) const {
  // On a tie: no remainder tile (no peeled loop: less code), then more rows.
  int64_t best = 0;
  double bestCycles = 0;
  int64_t limit = std::max<int64_t>(1, std::min(extent, maxRows(vectors)));
  for (int64_t rows = 1; rows <= limit; ++rows) {
    int64_t rest = extent % rows;
    double cycles = (extent / rows) * stepCycles(rows, vectors, stride) +
                    (rest ? stepCycles(rest, vectors, stride) : 0);
    bool better = best == 0 || cycles < bestCycles ||
                  (cycles == bestCycles &&
                   (rest == 0 || extent % best != 0));
    if (better) {
      best = rows;
      bestCycles = cycles;
    }
  }
  return best;
}

double RegisterTileModel::coverCycles(int64_t extent, int64_t vectors,
                                      int64_t stride) const {
  int64_t rows = chooseRows(extent, vectors, stride);
  int64_t rest = extent % rows;
  return (extent / rows) * stepCycles(rows, vectors, stride) +
         (rest ? stepCycles(rest, vectors, stride) : 0);
}

double RegisterTileModel::gridCycles(int64_t rows, int64_t columns,
                                     int64_t stride) const {
  int64_t tile = 2 * lanes;
  int64_t rest = columns % tile;
  double cycles = (columns / tile) * coverCycles(rows, 2, stride);
  if (rest)
    cycles += coverCycles(rows, (rest + lanes - 1) / lanes, stride);
  return cycles;
}
