//===- KilnShapes.h - Run-time result shapes of kiln ops --------*- C++ -*-===//
#ifndef KILN_DIALECTS_KILN_IR_KILNSHAPES_H
#define KILN_DIALECTS_KILN_IR_KILNSHAPES_H

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::kiln {

/// Attaches ReifyRankedShapedTypeOpInterface to the kiln ops that accept
/// dynamically shaped operands (called from KilnDialect::initialize).
void attachKilnShapeInterfaces(MLIRContext *ctx);

/// The sizes of the (single) result of kiln op `op`, built at `b`'s
/// insertion point from its operands' dims: constants for static dims,
/// tensor.dim / affine.apply for dynamic ones.
FailureOr<SmallVector<OpFoldResult>> reifyKilnResultSizes(OpBuilder &b,
                                                          Operation *op);

/// How kiln.reshape regroups dims when some are dynamic: a reassociation
/// of the higher-rank shape into the lower-rank one, where an expanded
/// group holds at most one dynamic dim. None when no such grouping exists.
std::optional<SmallVector<ReassociationIndices>>
getReshapeGroups(RankedTensorType source, RankedTensorType target);

} // namespace mlir::kiln

#endif
