// Every verifier rule of the ops in KilnMathOps.td and KilnScanOps.td.
// RUN: model-opt %s -split-input-file -verify-diagnostics

func.func @acos_int(%x: tensor<3xi32>) {
  // expected-error@+2 {{acos operand must be a floating-point tensor, got 'tensor<3xi32>'}}
  // expected-error@+1 {{'kiln.acos' op failed to infer returned types}}
  %0 = kiln.acos %x : tensor<3xi32> -> tensor<3xi32>
  return
}
// -----
func.func @atanh_result(%x: tensor<3xf32>) {
  // expected-error@+2 {{'kiln.atanh' op inferred type(s) 'tensor<3xf32>' are incompatible with return type(s) of operation 'tensor<3xf16>'}}
  // expected-error@+1 {{'kiln.atanh' op failed to infer returned types}}
  %0 = kiln.atanh %x : tensor<3xf32> -> tensor<3xf16>
  return
}
// -----
func.func @shift_signed(%a: tensor<3xi8>, %b: tensor<3xi8>) {
  // expected-error@+2 {{shift_left operands must be unsigned integers, got 'i8'}}
  // expected-error@+1 {{'kiln.shift_left' op failed to infer returned types}}
  %0 = kiln.shift_left %a, %b : (tensor<3xi8>, tensor<3xi8>) -> tensor<3xi8>
  return
}
// -----
func.func @shift_types(%a: tensor<3xui8>, %b: tensor<3xui16>) {
  // expected-error@+2 {{shift_right operand element types differ: 'ui8' vs 'ui16'}}
  // expected-error@+1 {{'kiln.shift_right' op failed to infer returned types}}
  %0 = kiln.shift_right %a, %b : (tensor<3xui8>, tensor<3xui16>) -> tensor<3xui8>
  return
}
// -----
func.func @shift_shapes(%a: tensor<3xui8>, %b: tensor<4xui8>) {
  // expected-error@+2 {{shift_right operand shapes 3 and 4 are not broadcastable}}
  // expected-error@+1 {{'kiln.shift_right' op failed to infer returned types}}
  %0 = kiln.shift_right %a, %b : (tensor<3xui8>, tensor<4xui8>) -> tensor<3xui8>
  return
}
// -----
func.func @cumsum_axis(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{cumsum axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.cumsum' op failed to infer returned types}}
  %0 = kiln.cumsum %x {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @cumsum_negative_axis(%x: tensor<2x3xf32>) {
  // expected-error@+2 {{cumsum axis -1 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.cumsum' op failed to infer returned types}}
  %0 = kiln.cumsum %x {axis = -1 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}
// -----
func.func @cumsum_scalar(%x: tensor<f32>) {
  // expected-error@+2 {{cumsum needs an input of rank >= 1}}
  // expected-error@+1 {{'kiln.cumsum' op failed to infer returned types}}
  %0 = kiln.cumsum %x {axis = 0 : i64} : tensor<f32> -> tensor<f32>
  return
}
// -----
func.func @cumsum_bool(%x: tensor<3xi1>) {
  // expected-error@+2 {{cumsum is not defined for i1}}
  // expected-error@+1 {{'kiln.cumsum' op failed to infer returned types}}
  %0 = kiln.cumsum %x {axis = 0 : i64} : tensor<3xi1> -> tensor<3xi1>
  return
}
// -----
func.func @topk_k(%x: tensor<3x4xf32>) {
  // expected-error@+2 {{topk k = 5 is out of range for an axis of size 4}}
  // expected-error@+1 {{'kiln.topk' op failed to infer returned types}}
  %v, %i = kiln.topk %x {axis = 1 : i64, k = 5 : i64} : tensor<3x4xf32> -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return
}
// -----
func.func @topk_negative_k(%x: tensor<3x4xf32>) {
  // expected-error@+2 {{topk k = -1 is out of range for an axis of size 4}}
  // expected-error@+1 {{'kiln.topk' op failed to infer returned types}}
  %v, %i = kiln.topk %x {axis = 1 : i64, k = -1 : i64} : tensor<3x4xf32> -> (tensor<3x4xf32>, tensor<3x4xi64>)
  return
}
// -----
func.func @topk_axis(%x: tensor<3x4xf32>) {
  // expected-error@+2 {{topk axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.topk' op failed to infer returned types}}
  %v, %i = kiln.topk %x {axis = 2 : i64, k = 1 : i64} : tensor<3x4xf32> -> (tensor<3x1xf32>, tensor<3x1xi64>)
  return
}
// -----
func.func @topk_bool(%x: tensor<4xi1>) {
  // expected-error@+2 {{topk is not defined for i1}}
  // expected-error@+1 {{'kiln.topk' op failed to infer returned types}}
  %v, %i = kiln.topk %x {axis = 0 : i64, k = 1 : i64} : tensor<4xi1> -> (tensor<1xi1>, tensor<1xi64>)
  return
}
// -----
func.func @topk_result(%x: tensor<3x4xf32>) {
  // expected-error@+2 {{'kiln.topk' op inferred type(s) 'tensor<3x2xf32>', 'tensor<3x2xi64>' are incompatible with return type(s) of operation 'tensor<3x3xf32>', 'tensor<3x3xi64>'}}
  // expected-error@+1 {{'kiln.topk' op failed to infer returned types}}
  %v, %i = kiln.topk %x {axis = 1 : i64, k = 2 : i64} : tensor<3x4xf32> -> (tensor<3x3xf32>, tensor<3x3xi64>)
  return
}
