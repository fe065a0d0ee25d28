// Round trip of the string type and the ops in KilnStringOps.td.
// RUN: model-opt %s | model-opt | FileCheck %s

// CHECK-LABEL: func.func @normalize(
// CHECK-SAME:    %[[X:.*]]: tensor<1x4x!kiln.string>) -> (tensor<1x4x!kiln.string>, tensor<i64>)
// CHECK:         %[[R:.*]], %[[N:.*]] = kiln.string_normalize %[[X]] {case_change = "upper", case_sensitive = false, stopwords = ["monday", "x"]} : tensor<1x4x!kiln.string> -> (tensor<1x4x!kiln.string>, tensor<i64>)
func.func @normalize(%x: tensor<1x4x!kiln.string>) -> (tensor<1x4x!kiln.string>, tensor<i64>) {
  %r, %n = kiln.string_normalize %x {case_change = "upper", case_sensitive = false, stopwords = ["monday", "x"]} : tensor<1x4x!kiln.string> -> (tensor<1x4x!kiln.string>, tensor<i64>)
  return %r, %n : tensor<1x4x!kiln.string>, tensor<i64>
}

// An empty input still has room for the one empty string of the result.
// CHECK-LABEL: func.func @normalize_empty
// CHECK:         kiln.string_normalize %{{.*}} : tensor<0x!kiln.string> -> (tensor<1x!kiln.string>, tensor<i64>)
func.func @normalize_empty(%x: tensor<0x!kiln.string>) -> tensor<1x!kiln.string> {
  %r, %n = kiln.string_normalize %x {case_change = "none", case_sensitive = true, stopwords = []} : tensor<0x!kiln.string> -> (tensor<1x!kiln.string>, tensor<i64>)
  return %r : tensor<1x!kiln.string>
}

// CHECK-LABEL: func.func @casts
// CHECK:         %[[S:.*]] = kiln.number_to_string %{{.*}} : tensor<2x3xf64> -> tensor<2x3x!kiln.string>
// CHECK:         kiln.string_to_number %[[S]] {to = f32} : tensor<2x3x!kiln.string> -> tensor<2x3xf32>
func.func @casts(%x: tensor<2x3xf64>) -> tensor<2x3xf32> {
  %s = kiln.number_to_string %x : tensor<2x3xf64> -> tensor<2x3x!kiln.string>
  %y = kiln.string_to_number %s {to = f32} : tensor<2x3x!kiln.string> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
