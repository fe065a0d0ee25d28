//===- ConstantLayout.h - Relayout of constant weights ----------*- C++ -*-===//
//
// Compile-time repacking of constant weights into the blocked layouts the CPU
// kernels read (kiln-cpu-pack-matmul-weights, kiln-cpu-block-conv-channels).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_PASSES_CODEGEN_CONSTANTLAYOUT_H
#define KILN_PASSES_CODEGEN_CONSTANTLAYOUT_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::kiln {

/// The data of the constant `weights` (dense or `dense_resource`) viewed
/// with the row-major shape `view`, transposed by `permutation` (dim i of the
/// transpose is dim permutation[i] of the view) and viewed again with the
/// row-major shape `shape`, as a constant of the same kind: a
/// `dense_resource` blob named after the original plus `suffix`, or a dense
/// attribute. A splat is resized. Null when the data cannot be read (an
/// elided blob), the element type is not 4 bytes wide or the element counts
/// differ.
ElementsAttr transposeConstant(ElementsAttr weights, ArrayRef<int64_t> view,
                               ArrayRef<int64_t> permutation,
                               ArrayRef<int64_t> shape, StringRef suffix);

} // namespace mlir::kiln

#endif // KILN_PASSES_CODEGEN_CONSTANTLAYOUT_H
