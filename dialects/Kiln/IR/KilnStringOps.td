//===- KilnStringOps.td - ops on string tensors ------------*- tablegen -*-===//
//
// ONNX string tensors: StringNormalizer and Cast to/from strings. The
// lowering calls the runtime's string functions (runtime/strings.c), which
// write new strings into the string arena at the end of the workspace.
// Included at the end of KilnOps.td; inference in KilnStringOps.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_STRING_OPS_TD
#define KILN_STRING_OPS_TD

def Kiln_StringNormalizeOp : Kiln_Op<"string_normalize",
                                     [Pure, InferTypeOpAdaptor]> {
  let summary = "removes stopwords and changes case (ONNX StringNormalizer)";
  let description = [{
    The input is `[N]` or `[1, N]`. Stopwords are removed (compared
    case-insensitively unless `case_sensitive`), then the kept strings are
    converted to `case_change` ("lower", "upper" or "none"). How many are
    kept depends on the data: `result` has the input's shape with its last
    dimension `max(N, 1)` (an upper bound), the first `count` elements of
    the last dimension hold the kept strings in input order; when none is
    kept, the result is one empty string and `count` is 1.
    ```mlir
    %r, %n = kiln.string_normalize %x {case_change = "upper",
               case_sensitive = false, stopwords = ["monday"]}
             : tensor<4x!kiln.string> -> (tensor<4x!kiln.string>, tensor<i64>)
    ```
  }];
  let arguments = (ins Kiln_StringTensor:$input, StrAttr:$case_change,
                       BoolAttr:$case_sensitive, StrArrayAttr:$stopwords);
  let results = (outs Kiln_StringTensor:$result, RankedTensorOf<[I64]>:$count);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` `(` type($result) `,` type($count) `)`
  }];
}

def Kiln_NumberToStringOp : Kiln_Op<"number_to_string",
                                    [Pure, InferTypeOpAdaptor]> {
  let summary = "formats floats as strings (ONNX Cast to STRING)";
  let description = [{
    Each element becomes the shortest decimal that reads back as the same
    value, as numpy's `str()` prints it ("0.1", "1e-05", "inf", "nan").
    ```mlir
    %r = kiln.number_to_string %x : tensor<3xf32> -> tensor<3x!kiln.string>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32, F64]>:$input);
  let results = (outs Kiln_StringTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def Kiln_StringToNumberOp : Kiln_Op<"string_to_number",
                                    [Pure, InferTypeOpAdaptor]> {
  let summary = "parses strings as floats (ONNX Cast from STRING)";
  let description = [{
    Accepts what C's `strtod` does ("1e-3", "inf", "NaN", surrounding
    spaces); a string that is not a number gives NaN.
    ```mlir
    %r = kiln.string_to_number %x {to = f32} : tensor<3x!kiln.string> -> tensor<3xf32>
    ```
  }];
  let arguments = (ins Kiln_StringTensor:$input, TypeAttr:$to);
  let results = (outs RankedTensorOf<[F32, F64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

#endif // KILN_STRING_OPS_TD
