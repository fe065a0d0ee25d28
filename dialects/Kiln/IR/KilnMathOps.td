//===- KilnMathOps.td - inverse trigonometric and shift ops -*- tablegen -*-===//
//
// Elementwise math beyond KilnOps.td: inverse (hyperbolic) trigonometric
// functions (ONNX Acos, Asin, Atan, Acosh, Asinh, Atanh) and logical bit
// shifts of unsigned integers (ONNX BitShift). Included at the end of
// KilnOps.td; inference and verification in KilnMathOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_MATH_OPS_TD
#define KILN_MATH_OPS_TD

def Kiln_AcosOp : Kiln_UnaryOp<"acos"> { let summary = "elementwise arccos"; }
def Kiln_AsinOp : Kiln_UnaryOp<"asin"> { let summary = "elementwise arcsin"; }
def Kiln_AtanOp : Kiln_UnaryOp<"atan"> { let summary = "elementwise arctan"; }
def Kiln_AcoshOp : Kiln_UnaryOp<"acosh"> {
  let summary = "elementwise inverse hyperbolic cosine";
}
def Kiln_AsinhOp : Kiln_UnaryOp<"asinh"> {
  let summary = "elementwise inverse hyperbolic sine";
}
def Kiln_AtanhOp : Kiln_UnaryOp<"atanh"> {
  let summary = "elementwise inverse hyperbolic tangent";
}

class Kiln_ShiftOp<string mnemonic> : Kiln_BinaryOp<mnemonic> {
  let description = [{
    Elementwise with numpy broadcasting on unsigned integers of one type:
    `lhs` shifted by `rhs` bits. Shifting by the bit width or more gives 0
    (numpy and onnxruntime semantics, unlike C).
    ```mlir
    %r = kiln.}] # mnemonic # [{ %a, %b : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
    ```
  }];
}
def Kiln_ShiftLeftOp : Kiln_ShiftOp<"shift_left"> {
  let summary = "elementwise logical shift left";
}
def Kiln_ShiftRightOp : Kiln_ShiftOp<"shift_right"> {
  let summary = "elementwise logical shift right";
}

#endif // KILN_MATH_OPS_TD
