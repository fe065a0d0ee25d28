//===- Passes.td - Kiln conversion passes ------------------*- tablegen -*-===//
//
// Passes that lower the kiln dialect to upstream dialects.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToLinalg : Pass<"convert-kiln-to-linalg", "ModuleOp"> {
  let summary = "Lower kiln ops to linalg, tensor, arith, math and scf on tensors";
  let description = [{
    Rewrites every kiln op into named linalg ops where one exists
    (`linalg.matmul`, `linalg.conv_2d_nchw_fchw`, `linalg.pooling_nchw_max`,
    `linalg.transpose`, ...) and `linalg.generic` otherwise, plus `tensor`
    ops for data movement. Numpy broadcasting becomes indexing maps; nothing
    is materialized.

    Unsigned element types (`ui8` ... `ui64`) become signless at this
    boundary, function signatures included; the lowering picks the unsigned
    arith ops (`divui`, `cmpi ult`, `uitofp`, ...) from the kiln types.

    Before rewriting, every kiln op that cannot be lowered (dynamic shapes,
    unsupported attribute combinations) is reported at its location, which
    carries the ONNX node name, and the pass fails:

    ```mlir
    %r = kiln.relu %x : tensor<1x64xf32> -> tensor<1x64xf32>
    // becomes
    %e = tensor.empty() : tensor<1x64xf32>
    %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
           ins(%x : tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %zero = arith.constant 0.0 : f32
      %m = arith.maximumf %in, %zero : f32
      linalg.yield %m : f32
    } -> tensor<1x64xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
