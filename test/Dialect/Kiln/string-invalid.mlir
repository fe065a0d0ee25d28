// Every verifier rule of the ops in KilnStringOps.td.
// RUN: model-opt %s -split-input-file -verify-diagnostics

func.func @normalize_rank3(%x: tensor<1x2x3x!kiln.string>) {
  // expected-error@+2 {{string_normalize takes [N] or [1, N], got 1x2x3}}
  // expected-error@+1 {{'kiln.string_normalize' op failed to infer returned types}}
  %r, %n = kiln.string_normalize %x {case_change = "none", case_sensitive = true, stopwords = []} : tensor<1x2x3x!kiln.string> -> (tensor<1x2x3x!kiln.string>, tensor<i64>)
  return
}
// -----
func.func @normalize_batch(%x: tensor<2x3x!kiln.string>) {
  // expected-error@+2 {{string_normalize takes [N] or [1, N], got 2x3}}
  // expected-error@+1 {{'kiln.string_normalize' op failed to infer returned types}}
  %r, %n = kiln.string_normalize %x {case_change = "none", case_sensitive = true, stopwords = []} : tensor<2x3x!kiln.string> -> (tensor<2x3x!kiln.string>, tensor<i64>)
  return
}
// -----
func.func @normalize_case(%x: tensor<3x!kiln.string>) {
  // expected-error@+2 {{string_normalize case_change must be "none", "lower" or "upper", got "title"}}
  // expected-error@+1 {{'kiln.string_normalize' op failed to infer returned types}}
  %r, %n = kiln.string_normalize %x {case_change = "title", case_sensitive = true, stopwords = []} : tensor<3x!kiln.string> -> (tensor<3x!kiln.string>, tensor<i64>)
  return
}
// -----
func.func @normalize_numbers(%x: tensor<3xf32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of a UTF-8 string}}
  %r, %n = "kiln.string_normalize"(%x) {case_change = "none", case_sensitive = true, stopwords = []} : (tensor<3xf32>) -> (tensor<3x!kiln.string>, tensor<i64>)
  return
}
// -----
func.func @to_string_int(%x: tensor<3xi32>) {
  // expected-error@+1 {{operand #0 must be ranked tensor of 32-bit float or 64-bit float values}}
  %s = "kiln.number_to_string"(%x) : (tensor<3xi32>) -> tensor<3x!kiln.string>
  return
}
// -----
func.func @to_number_int(%x: tensor<3x!kiln.string>) {
  // expected-error@+1 {{'kiln.string_to_number' op result #0 must be ranked tensor of 32-bit float or 64-bit float values, but got 'tensor<3xi64>'}}
  %y = kiln.string_to_number %x {to = i64} : tensor<3x!kiln.string> -> tensor<3xi64>
  return
}
