//===- KilnBase.td - The kiln dialect ----------------------*- tablegen -*-===//
//
// The kiln dialect: graph-level tensor ops with value semantics on ranked
// tensors. Smaller than ONNX; the importer maps ONNX ops onto it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_BASE_TD
#define KILN_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::mlir::kiln";
  let summary = "Graph-level tensor ops of the Kiln compiler";
  let description = [{
    Value-semantics ops on ranked tensors, produced by the ONNX importer and
    lowered to linalg. Every op infers its result type from its operands and
    attributes; the same inference is its verifier.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultTypePrinterParser = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

// ONNX string tensors: elements are UTF-8 strings. Only string ops and the
// graph's inputs/outputs take them; lowering turns them into 64-bit
// addresses of NUL-terminated strings (the C ABI's `const char *`).
def Kiln_StringType : TypeDef<Kiln_Dialect, "String"> {
  let mnemonic = "string";
  let summary = "a UTF-8 string, the element type of ONNX string tensors";
}
def Kiln_StringTensor : RankedTensorOf<[Kiln_StringType]>;

// Element types the dialect computes with.
def Kiln_Float : AnyTypeOf<[F16, BF16, F32, F64]>;
def Kiln_Int : AnyTypeOf<[AnySignlessInteger, AnyUnsignedInteger]>;
// Signless integers are signed ONNX integers; ui8..ui64 are unsigned ones.
def Kiln_Tensor : RankedTensorOf<[F16, BF16, F32, F64, AnySignlessInteger,
                                  AnyUnsignedInteger]>;
def Kiln_FloatTensor : RankedTensorOf<[F16, BF16, F32, F64]>;
def Kiln_BoolTensor : RankedTensorOf<[I1]>;
def Kiln_IndexTensor : RankedTensorOf<[I32, I64]>;

#endif // KILN_BASE_TD
