// RUN: model-opt %s -split-input-file -verify-diagnostics -kiln-record-output-upper-bounds | FileCheck %s

// One array per model output (not per dims result): the batch bound from
// kiln.input_ranges, static dims as they are.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: kiln.output_upper_bounds = [array<i64: 8, 32>]
func.func @main_graph(%x: tensor<?x64xf32>) -> (tensor<?x32xf32>, tensor<2xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 8, 8, 64, 64, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %e = tensor.empty(%d0) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %i = arith.index_cast %d0 : index to i64
  %c32 = arith.constant 32 : i64
  %dims = tensor.from_elements %i, %c32 : tensor<2xi64>
  return %y, %dims : tensor<?x32xf32>, tensor<2xi64>
}

// -----

// Sizes computed from the input dims (a valid 3x3 convolution: H - 2) and
// a static output.
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: kiln.output_upper_bounds = [array<i64: 4, 16, 62, 30>, array<i64: 3>]
func.func @main_graph(%x: tensor<?x8x?x?xf32>) -> (tensor<?x16x?x?xf32>, tensor<3xf32>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y", "s"],
                kiln.input_ranges = [array<i64: 1, 1, 4, 8, 8, 8, 8, 32, 64, 8, 16, 32>]} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %n = tensor.dim %x, %c0 : tensor<?x8x?x?xf32>
  %h = tensor.dim %x, %c2 : tensor<?x8x?x?xf32>
  %w = tensor.dim %x, %c3 : tensor<?x8x?x?xf32>
  %oh = arith.subi %h, %c2 : index
  %ow = arith.subi %w, %c2 : index
  %e = tensor.empty(%n, %oh, %ow) : tensor<?x16x?x?xf32>
  %s = arith.constant dense<1.0> : tensor<3xf32>
  return %e, %s : tensor<?x16x?x?xf32>, tensor<3xf32>
}

// -----

// An output sized by data has no bound: a clear error.
func.func @main_graph(%x: tensor<?xf32>, %n: tensor<index>) -> tensor<?xf32>
    attributes {kiln.input_names = ["x", "n"], kiln.output_names = ["y"],
                kiln.input_ranges = [array<i64: 1, 4, 8>, array<i64>]} {
  %size = tensor.extract %n[] : tensor<index>
  %e = tensor.empty(%size) : tensor<?xf32>
  // expected-error@+1 {{kiln-record-output-upper-bounds: dimension 0 of output 0 has no upper bound over the input ranges}}
  return %e : tensor<?xf32>
}

// -----

// Static models (no kiln.input_ranges) are left unchanged.
// CHECK-LABEL: func.func @main_graph(
// CHECK-NOT: kiln.output_upper_bounds
func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32>
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  return %x : tensor<4xf32>
}
