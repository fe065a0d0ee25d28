//===- KilnOps.h - kiln dialect operations ---------------------*- C++ -*-===//
#ifndef KILN_DIALECT_KILN_IR_KILNOPS_H
#define KILN_DIALECT_KILN_IR_KILNOPS_H

#include "dialects/Kiln/IR/KilnDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/Kiln/IR/KilnEnums.h.inc"

#define GET_OP_CLASSES
#include "dialects/Kiln/IR/KilnOps.h.inc"

namespace mlir::kiln {
/// Numpy (multidirectional) broadcast of two shapes; failure if they are
/// incompatible. Dynamic dims broadcast against 1 or an equal/dynamic dim.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);
/// "1x3x?x224" ("scalar" for rank 0), as diagnostics print shapes.
std::string formatShape(ArrayRef<int64_t> shape);
} // namespace mlir::kiln

#endif
