//===- KilnOps.td - kiln dialect operations ----------------*- tablegen -*-===//
//
// Every op infers its result type (InferTypeOpAdaptor): the same function
// builds the op and verifies it, so a malformed op cannot be created.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "dialects/Kiln/IR/KilnBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Kiln_ConstantOp : Kiln_Op<"constant",
    [ConstantLike, Pure, InferTypeOpAdaptor]> {
  let summary = "a constant tensor (weights are held as resource blobs)";
  let description = [{
    ```mlir
    %w = kiln.constant dense_resource<conv1.weight> : tensor<64x3x7x7xf32>
    %c = kiln.constant dense<1.0> : tensor<4xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise ops (numpy broadcasting)
//===----------------------------------------------------------------------===//

class Kiln_BinaryOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)
  }];
  let description = [{
    Elementwise with numpy (multidirectional) broadcasting; both operands have
    the same element type.
    ```mlir
    %r = kiln.}] # mnemonic # [{ %a, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
}

def Kiln_AddOp : Kiln_BinaryOp<"add", [Commutative]> {
  let summary = "elementwise addition";
  let hasFolder = 1;
}
def Kiln_SubOp : Kiln_BinaryOp<"sub"> {
  let summary = "elementwise subtraction";
  let hasCanonicalizer = 1;
}
def Kiln_MulOp : Kiln_BinaryOp<"mul", [Commutative]> {
  let summary = "elementwise multiplication";
  let hasFolder = 1;
}
def Kiln_DivOp : Kiln_BinaryOp<"div"> {
  let summary = "elementwise division (integers truncate toward zero)";
  let hasCanonicalizer = 1;
}
def Kiln_PowOp : Kiln_BinaryOp<"pow"> {
  let summary = "elementwise power";
  let hasCanonicalizer = 1;
}
def Kiln_MaxOp : Kiln_BinaryOp<"max", [Commutative]> {
  let summary = "elementwise maximum (NaN propagating)";
  let hasCanonicalizer = 1;
}
def Kiln_MinOp : Kiln_BinaryOp<"min", [Commutative]> {
  let summary = "elementwise minimum (NaN propagating)";
  let hasCanonicalizer = 1;
}
def Kiln_ModOp : Kiln_BinaryOp<"mod"> {
  let summary = "elementwise remainder; fmod=1 keeps the dividend's sign";
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
}
def Kiln_AndOp : Kiln_BinaryOp<"and", [Commutative]> {
  let summary = "elementwise logical/bitwise and";
  let hasCanonicalizer = 1;
}
def Kiln_OrOp : Kiln_BinaryOp<"or", [Commutative]> {
  let summary = "elementwise logical/bitwise or";
  let hasCanonicalizer = 1;
}
def Kiln_XorOp : Kiln_BinaryOp<"xor", [Commutative]> {
  let summary = "elementwise logical/bitwise xor";
}

// Comparisons: the result is a tensor of i1.
class Kiln_CompareOp<string mnemonic, list<Trait> traits = []>
    : Kiln_BinaryOp<mnemonic, traits> {
  let results = (outs Kiln_BoolTensor:$result);
}
def Kiln_EqualOp : Kiln_CompareOp<"equal", [Commutative]> {
  let summary = "elementwise ==";
}
def Kiln_LessOp : Kiln_CompareOp<"less"> { let summary = "elementwise <"; }
def Kiln_LessEqualOp : Kiln_CompareOp<"less_equal"> {
  let summary = "elementwise <=";
}
def Kiln_GreaterOp : Kiln_CompareOp<"greater"> { let summary = "elementwise >"; }
def Kiln_GreaterEqualOp : Kiln_CompareOp<"greater_equal"> {
  let summary = "elementwise >=";
}

class Kiln_UnaryOp<string mnemonic, list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins Kiln_Tensor:$input);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let description = [{
    Elementwise; the result has the operand's type.
    ```mlir
    %r = kiln.}] # mnemonic # [{ %x : tensor<1x512xf32> -> tensor<1x512xf32>
    ```
  }];
}

def Kiln_NegOp : Kiln_UnaryOp<"neg"> {
  let summary = "elementwise negation";
  let hasCanonicalizer = 1;
}
def Kiln_AbsOp : Kiln_UnaryOp<"abs"> {
  let summary = "elementwise |x|";
  let hasCanonicalizer = 1;
}
def Kiln_ExpOp : Kiln_UnaryOp<"exp"> { let summary = "elementwise e^x"; }
def Kiln_LogOp : Kiln_UnaryOp<"log"> { let summary = "elementwise ln x"; }
def Kiln_SqrtOp : Kiln_UnaryOp<"sqrt"> { let summary = "elementwise sqrt"; }
def Kiln_ReciprocalOp : Kiln_UnaryOp<"reciprocal"> {
  let summary = "elementwise 1/x";
}
def Kiln_TanhOp : Kiln_UnaryOp<"tanh"> { let summary = "elementwise tanh"; }
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid"> {
  let summary = "elementwise 1/(1+e^-x)";
}
def Kiln_ErfOp : Kiln_UnaryOp<"erf"> { let summary = "elementwise erf"; }
def Kiln_ReluOp : Kiln_UnaryOp<"relu"> {
  let summary = "elementwise max(x,0)";
  let hasCanonicalizer = 1;
}
def Kiln_FloorOp : Kiln_UnaryOp<"floor"> { let summary = "elementwise floor"; }
def Kiln_CeilOp : Kiln_UnaryOp<"ceil"> { let summary = "elementwise ceil"; }
def Kiln_RoundOp : Kiln_UnaryOp<"round"> {
  let summary = "elementwise round half to even";
}
def Kiln_SinOp : Kiln_UnaryOp<"sin"> { let summary = "elementwise sin"; }
def Kiln_CosOp : Kiln_UnaryOp<"cos"> { let summary = "elementwise cos"; }
def Kiln_SignOp : Kiln_UnaryOp<"sign"> { let summary = "elementwise sign"; }
def Kiln_NotOp : Kiln_UnaryOp<"not"> {
  let summary = "elementwise logical not (i1)";
  let arguments = (ins Kiln_BoolTensor:$input);
  let results = (outs Kiln_BoolTensor:$result);
  let hasCanonicalizer = 1;
}

def Kiln_ClipOp : Kiln_Op<"clip", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise clamp to [min, max]";
  let description = [{
    ```mlir
    %r = kiln.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<1x32xf32> -> tensor<1x32xf32>
    ```
    A missing bound is unbounded.
  }];
  let arguments = (ins Kiln_Tensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Kiln_CastOp : Kiln_Op<"cast", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    ONNX Cast semantics: float -> int truncates toward zero, to i1 is `x != 0`.
    ```mlir
    %r = kiln.cast %x {to = i64} : tensor<4xf32> -> tensor<4xi64>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, TypeAttr:$to);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kiln_WhereOp : Kiln_Op<"where", [Pure, InferTypeOpAdaptor]> {
  let summary = "elementwise select with broadcasting";
  let description = [{
    ```mlir
    %r = kiln.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins Kiln_BoolTensor:$condition, Kiln_Tensor:$on_true,
                       Kiln_Tensor:$on_false);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict `:`
    `(` type($condition) `,` type($on_true) `,` type($on_false) `)` `->` type($result)
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Contractions, convolution, normalization, pooling
//===----------------------------------------------------------------------===//

def Kiln_MatMulOp : Kiln_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "numpy matmul on operands of rank >= 2 (batch dims broadcast)";
  let description = [{
    ```mlir
    %r = kiln.matmul %a, %b : (tensor<4x128x64xf32>, tensor<64x32xf32>) -> tensor<4x128x32xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)
  }];
}

def Kiln_ConvOp : Kiln_Op<"conv", [Pure, InferTypeOpAdaptor]> {
  let summary = "N-d grouped convolution, NC[D]HW layout, optional bias";
  let description = [{
    `pads` holds the begin paddings of each spatial dim, then the end paddings
    (ONNX order). The weight is [F, C/group, k...]. Integer convs (ConvInteger
    after widening to i32) accumulate in the element type, as kiln.matmul.
    ```mlir
    %r = kiln.conv %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
           pads = array<i64: 3, 3, 3, 3>, group = 1 : i64}
         : (tensor<1x3x224x224xf32>, tensor<64x3x7x7xf32>, tensor<64xf32>) -> tensor<1x64x112x112xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_Tensor:$weight,
                       Optional<Kiln_Tensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` `(` type($input) `,` type($weight)
    (`,` type($bias)^)? `)` `->` type($result)
  }];
}

def Kiln_BatchNormOp : Kiln_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "inference batch normalization over dim 1";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, per channel (dim 1).
    ```mlir
    %r = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64}
         : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>,
            tensor<64xf32>) -> tensor<1x64x56x56xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       Kiln_FloatTensor:$bias, Kiln_FloatTensor:$mean,
                       Kiln_FloatTensor:$variance, F64Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` `(` type($input) `,`
    type($scale) `,` type($bias) `,` type($mean) `,` type($variance) `)` `->` type($result)
  }];
}

def Kiln_LayerNormOp : Kiln_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "layer normalization over dims [axis, rank)";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`; scale and bias
    broadcast against the normalized dims.
    ```mlir
    %r = kiln.layer_norm %x, %s, %b {axis = 2 : i64, epsilon = 1.0e-05 : f64}
         : (tensor<1x128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x128x256xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, Kiln_FloatTensor:$scale,
                       Kiln_FloatTensor:$bias, I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias attr-dict `:` `(` type($input) `,` type($scale) `,`
    type($bias) `)` `->` type($result)
  }];
}

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure, InferTypeOpAdaptor]> {
  let summary = "softmax along one axis (ONNX opset >= 13 semantics)";
  let description = [{
    ```mlir
    %r = kiln.softmax %x {axis = 3 : i64} : tensor<1x4x128x128xf32> -> tensor<1x4x128x128xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

class Kiln_PoolOp<string mnemonic> : Kiln_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let description = [{
    NC[D]HW pooling window; `pads` as for kiln.conv.
    ```mlir
    %r = kiln.}] # mnemonic # [{ %x {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>,
           dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}
         : tensor<1x64x112x112xf32> -> tensor<1x64x56x56xf32>
    ```
  }];
}
def Kiln_MaxPoolOp : Kiln_PoolOp<"max_pool"> {
  let summary = "max pooling (padding never wins)";
}
def Kiln_AvgPoolOp : Kiln_PoolOp<"avg_pool"> {
  let summary = "average pooling; count_include_pad chooses the divisor";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Kiln_ReduceOp<string mnemonic> : Kiln_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let description = [{
    Reduces the listed axes (sorted, unique, non-negative); keepdims keeps
    them as size-1 dims.
    ```mlir
    %r = kiln.}] # mnemonic # [{ %x {axes = array<i64: 2, 3>, keepdims = true}
         : tensor<1x512x7x7xf32> -> tensor<1x512x1x1xf32>
    ```
  }];
}
def Kiln_ReduceSumOp : Kiln_ReduceOp<"reduce_sum"> { let summary = "sum"; }
def Kiln_ReduceMeanOp : Kiln_ReduceOp<"reduce_mean"> { let summary = "mean"; }
def Kiln_ReduceMaxOp : Kiln_ReduceOp<"reduce_max"> { let summary = "maximum"; }
def Kiln_ReduceMinOp : Kiln_ReduceOp<"reduce_min"> { let summary = "minimum"; }
def Kiln_ReduceProdOp : Kiln_ReduceOp<"reduce_prod"> { let summary = "product"; }

class Kiln_ArgReduceOp<string mnemonic>
    : Kiln_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let arguments = (ins Kiln_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let description = [{
    Index (i64) of the extreme element along `axis`; ties pick the first
    index unless select_last_index.
    ```mlir
    %r = kiln.}] # mnemonic # [{ %x {axis = 1 : i64, keepdims = false} : tensor<1x10xf32> -> tensor<1xi64>
    ```
  }];
}
def Kiln_ArgMaxOp : Kiln_ArgReduceOp<"argmax"> { let summary = "index of the maximum"; }
def Kiln_ArgMinOp : Kiln_ArgReduceOp<"argmin"> { let summary = "index of the minimum"; }

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Kiln_TransposeOp : Kiln_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "permutes dimensions: result dim i is input dim perm[i]";
  let description = [{
    ```mlir
    %r = kiln.transpose %x {perm = array<i64: 0, 2, 1, 3>}
         : tensor<1x128x4x64xf32> -> tensor<1x4x128x64xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Kiln_ReshapeOp : Kiln_Op<"reshape", [Pure, InferTypeOpAdaptor]> {
  let summary = "reinterprets the row-major elements with a new static shape";
  let description = [{
    ```mlir
    %r = kiln.reshape %x {shape = array<i64: 1, 512>} : tensor<1x512x1x1xf32> -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Kiln_ExpandOp : Kiln_Op<"expand", [Pure, InferTypeOpAdaptor]> {
  let summary = "broadcasts to a shape (numpy rules, like ONNX Expand)";
  let description = [{
    ```mlir
    %r = kiln.expand %x {shape = array<i64: 4, 3>} : tensor<3xf32> -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice", [Pure, InferTypeOpAdaptor]> {
  let summary = "strided slice with static, normalized bounds per dim";
  let description = [{
    Result dim i takes `sizes[i]` elements starting at `offsets[i]` with step
    `strides[i]` (non-zero, may be negative to walk backwards).
    ```mlir
    %r = kiln.slice %x {offsets = array<i64: 0, 1>, sizes = array<i64: 2, 3>,
           strides = array<i64: 1, 2>} : tensor<2x8xf32> -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kiln_GatherOp : Kiln_Op<"gather", [Pure, InferTypeOpAdaptor]> {
  let summary = "gathers slices along an axis by (possibly negative) indices";
  let description = [{
    ONNX Gather: result shape is data[:axis] + indices + data[axis+1:].
    Out-of-range indices are clamped (never read out of bounds).
    ```mlir
    %r = kiln.gather %table, %ids {axis = 0 : i64}
         : (tensor<1000x64xf32>, tensor<1x16xi64>) -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, Kiln_IndexTensor:$indices, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $indices attr-dict `:` `(` type($input) `,` type($indices) `)` `->` type($result)
  }];
}

def Kiln_ConcatOp : Kiln_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "concatenates tensors along an axis";
  let description = [{
    ```mlir
    %r = kiln.concat %a, %b {axis = 1 : i64}
         : (tensor<1x2xf32>, tensor<1x3xf32>) -> tensor<1x5xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` `(` type($inputs) `)` `->` type($result)
  }];
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Kiln_PadModeAttr : I32EnumAttr<"PadMode", "padding mode", [
    I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"edge", 2>]> {
  let cppNamespace = "::mlir::kiln";
}

def Kiln_PadOp : Kiln_Op<"pad", [Pure, InferTypeOpAdaptor]> {
  let summary = "pads each dim (begins then ends, non-negative)";
  let description = [{
    ```mlir
    %r = kiln.pad %x {pads = array<i64: 0, 1, 0, 1>, value = 0.0 : f64, mode = 0 : i32}
         : tensor<2x3xf32> -> tensor<2x5xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<F64Attr, "0.0">:$value,
                       DefaultValuedAttr<Kiln_PadModeAttr, "::mlir::kiln::PadMode::constant">:$mode);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

include "dialects/Kiln/IR/KilnIndexingOps.td"
include "dialects/Kiln/IR/KilnSpatialOps.td"
include "dialects/Kiln/IR/KilnMathOps.td"
include "dialects/Kiln/IR/KilnScanOps.td"
include "dialects/Kiln/IR/KilnStringOps.td"

#endif // KILN_OPS_TD
