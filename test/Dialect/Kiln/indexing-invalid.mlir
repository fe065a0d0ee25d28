// Every verifier rule of the indexing ops (KilnIndexingOps.cpp).
// RUN: model-opt %s -split-input-file -verify-diagnostics

func.func @gather_elements_rank(%x: tensor<3x4xf32>, %i: tensor<3xi64>) {
  // expected-error@+2 {{gather_elements indices 3 must have the rank of the input 3x4}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}
// -----
func.func @gather_elements_scalar(%x: tensor<f32>, %i: tensor<i64>) {
  // expected-error@+2 {{gather_elements needs an input of rank >= 1}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 0 : i64} : (tensor<f32>, tensor<i64>) -> tensor<f32>
  return
}
// -----
func.func @gather_elements_axis(%x: tensor<3x4xf32>, %i: tensor<3x4xi64>) {
  // expected-error@+2 {{gather_elements axis 2 is out of range for rank 2}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 2 : i64} : (tensor<3x4xf32>, tensor<3x4xi64>) -> tensor<3x4xf32>
  return
}
// -----
func.func @gather_elements_larger(%x: tensor<3x4xf32>, %i: tensor<3x5xi64>) {
  // expected-error@+2 {{gather_elements indices 3x5 exceed the input 3x4 in dim 1}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3x5xi64>) -> tensor<3x5xf32>
  return
}
// -----
func.func @gather_elements_empty_axis(%x: tensor<3x0xf32>, %i: tensor<3x2xi64>) {
  // expected-error@+2 {{gather_elements indexes axis 1, which is empty}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x0xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return
}
// -----
func.func @gather_elements_index_type(%x: tensor<3x4xf32>, %i: tensor<3x4xf32>) {
  // expected-error@+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = kiln.gather_elements %x, %i {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return
}
// -----
func.func @gather_elements_result(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) {
  // expected-error@+2 {{'kiln.gather_elements' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<3x4xf32>'}}
  // expected-error@+1 {{'kiln.gather_elements' op failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x4xf32>
  return
}
// -----
func.func @scatter_elements_updates_shape(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<3x2xf32>) {
  // expected-error@+2 {{scatter_elements updates 3x2 must have the shape of the indices 2x3}}
  // expected-error@+1 {{'kiln.scatter_elements' op failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<3x2xf32>) -> tensor<3x3xf32>
  return
}
// -----
func.func @scatter_elements_updates_type(%x: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf16>) {
  // expected-error@+2 {{scatter_elements updates must have the input's element type}}
  // expected-error@+1 {{'kiln.scatter_elements' op failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf16>) -> tensor<3x3xf32>
  return
}
// -----
func.func @scatter_elements_larger(%x: tensor<3x3xf32>, %i: tensor<2x4xi64>, %u: tensor<2x4xf32>) {
  // expected-error@+2 {{scatter_elements indices 2x4 exceed the input 3x3 in dim 1}}
  // expected-error@+1 {{'kiln.scatter_elements' op failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x4xi64>, tensor<2x4xf32>) -> tensor<3x3xf32>
  return
}
// -----
func.func @scatter_elements_bool_add(%x: tensor<3xi1>, %i: tensor<2xi64>, %u: tensor<2xi1>) {
  // expected-error@+2 {{scatter_elements reduction add is not defined for i1}}
  // expected-error@+1 {{'kiln.scatter_elements' op failed to infer returned types}}
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = 1 : i32} : (tensor<3xi1>, tensor<2xi64>, tensor<2xi1>) -> tensor<3xi1>
  return
}
// -----
func.func @scatter_elements_bad_reduction(%x: tensor<3xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) {
  // expected-error@+1 {{attribute 'reduction' failed to satisfy constraint}}
  %0 = kiln.scatter_elements %x, %i, %u {axis = 0 : i64, reduction = 7 : i32} : (tensor<3xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<3xf32>
  return
}
// -----
func.func @gather_nd_batch_dims(%x: tensor<2x3xf32>, %i: tensor<2x1xi64>) {
  // expected-error@+2 {{gather_nd batch_dims 2 must be less than the ranks of the input and the indices}}
  // expected-error@+1 {{'kiln.gather_nd' op failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i {batch_dims = 2 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return
}
// -----
func.func @gather_nd_batch_mismatch(%x: tensor<2x3xf32>, %i: tensor<3x1xi64>) {
  // expected-error@+2 {{gather_nd batch dim 0 differs: 2x3 vs 3x1}}
  // expected-error@+1 {{'kiln.gather_nd' op failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i {batch_dims = 1 : i64} : (tensor<2x3xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return
}
// -----
func.func @gather_nd_tuple_too_long(%x: tensor<2x3xf32>, %i: tensor<4x3xi64>) {
  // expected-error@+2 {{gather_nd index tuples of length 3 do not fit the input 2x3}}
  // expected-error@+1 {{'kiln.gather_nd' op failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i : (tensor<2x3xf32>, tensor<4x3xi64>) -> tensor<4xf32>
  return
}
// -----
func.func @gather_nd_dynamic_tuple(%x: tensor<2x3xf32>, %i: tensor<4x?xi64>) {
  // expected-error@+2 {{gather_nd needs a static last dim of the indices}}
  // expected-error@+1 {{'kiln.gather_nd' op failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i : (tensor<2x3xf32>, tensor<4x?xi64>) -> tensor<4xf32>
  return
}
// -----
func.func @gather_nd_empty_dim(%x: tensor<0x3xf32>, %i: tensor<4x1xi64>) {
  // expected-error@+2 {{gather_nd indexes dim 0, which is empty}}
  // expected-error@+1 {{'kiln.gather_nd' op failed to infer returned types}}
  %0 = kiln.gather_nd %x, %i : (tensor<0x3xf32>, tensor<4x1xi64>) -> tensor<4x3xf32>
  return
}
// -----
func.func @scatter_nd_updates_shape(%x: tensor<4x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) {
  // expected-error@+2 {{scatter_nd updates 2x3 must have shape 2x4}}
  // expected-error@+1 {{'kiln.scatter_nd' op failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x4xf32>
  return
}
// -----
func.func @scatter_nd_tuple_empty(%x: tensor<4x4xf32>, %i: tensor<2x0xi64>, %u: tensor<2x4x4xf32>) {
  // expected-error@+2 {{scatter_nd index tuples of length 0 do not fit the input 4x4}}
  // expected-error@+1 {{'kiln.scatter_nd' op failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<4x4xf32>, tensor<2x0xi64>, tensor<2x4x4xf32>) -> tensor<4x4xf32>
  return
}
// -----
func.func @scatter_nd_updates_type(%x: tensor<8xf32>, %i: tensor<2x1xi64>, %u: tensor<2xi32>) {
  // expected-error@+2 {{scatter_nd updates must have the input's element type}}
  // expected-error@+1 {{'kiln.scatter_nd' op failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u : (tensor<8xf32>, tensor<2x1xi64>, tensor<2xi32>) -> tensor<8xf32>
  return
}
// -----
func.func @scatter_nd_bool_mul(%x: tensor<8xi1>, %i: tensor<2x1xi64>, %u: tensor<2xi1>) {
  // expected-error@+2 {{scatter_nd reduction mul is not defined for i1}}
  // expected-error@+1 {{'kiln.scatter_nd' op failed to infer returned types}}
  %0 = kiln.scatter_nd %x, %i, %u {reduction = 2 : i32} : (tensor<8xi1>, tensor<2x1xi64>, tensor<2xi1>) -> tensor<8xi1>
  return
}
