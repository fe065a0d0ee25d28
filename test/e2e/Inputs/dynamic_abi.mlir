// A model with dimension ranges written at the linalg stage (model-compile
// takes MODULE.mlir) for test/e2e/dynamic_abi.test: inputs x and z of
// [1..8]x[2..4] (both dims shared: symbols 0 and 1) and a static s[3];
// outputs y = x + z (dynamic, its dims in a dims result) and t = 2 * s.
// The ops update their first input in place, so the test needs no dynamic
// intermediate buffer.
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0) -> (d0)>
func.func @main(%x: tensor<?x?xf32>, %z: tensor<?x?xf32>, %s: tensor<3xf32>)
    -> (tensor<?x?xf32>, tensor<3xf32>, tensor<2xi64>)
    attributes {kiln.input_names = ["x", "z", "s"],
                kiln.output_names = ["y", "t"],
                kiln.output_dims = array<i64: 2, -1>,
                kiln.input_ranges = [array<i64: 1, 8, 8, 2, 4, 4>,
                                     array<i64: 1, 8, 8, 2, 4, 4>,
                                     array<i64: 3, 3, 3>],
                kiln.input_dim_symbols = [array<i64: 0, 1>, array<i64: 0, 1>,
                                          array<i64: -1>],
                kiln.output_upper_bounds = [array<i64: 8, 4>, array<i64: 3>]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %two = arith.constant 2.0 : f32
  %y = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%z : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
  ^bb0(%b: f32, %a: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  %t = linalg.generic {indexing_maps = [#map1], iterator_types = ["parallel"]}
      outs(%s : tensor<3xf32>) {
  ^bb0(%a: f32):
    %r = arith.mulf %a, %two : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %ni = arith.index_cast %n : index to i64
  %mi = arith.index_cast %m : index to i64
  %dims = tensor.from_elements %ni, %mi : tensor<2xi64>
  return %y, %t, %dims : tensor<?x?xf32>, tensor<3xf32>, tensor<2xi64>
}
