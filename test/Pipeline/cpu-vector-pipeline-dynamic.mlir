// RUN: model-opt %s -split-input-file -kiln-cpu-vector-pipeline="vector-bits=512" | FileCheck %s
// RUN: model-opt %s -split-input-file -kiln-cpu-vector-pipeline="opt-level=0" | FileCheck %s --check-prefix=O0

// Models with dynamic dimensions (kiln.input_ranges), as convert-kiln-to-linalg
// produces them: every op is tiled and vectorized (no linalg op is left for
// the scalar-loop fallback), full tiles as static vectors and the remainder
// tiles of loops over a dynamic dimension with masks (vector.mask) or as
// static power-of-two pieces (masked transfers take their mask as an operand). -O0 keeps whole ops (scalar loops later).

// A matmul with a dynamic M, bias and ReLU epilogue.
// CHECK-LABEL: func.func @main_graph(
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK: arith.maximumf {{.*}} : vector<32xf32>
// CHECK: vector.contract {{.*}} : vector<4x1xf32>, vector<1x32xf32> into vector<4x32xf32>
// CHECK-NOT: linalg.
// O0-LABEL: func.func @main_graph(
// O0-NOT: vector.
// O0: linalg.matmul
func.func @main_graph(%x: tensor<?x64xf32>) -> (tensor<?x32xf32>, tensor<2xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 16, 200, 64, 64, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %bias = arith.constant dense<0.25> : tensor<32xf32>
  %e = tensor.empty(%d0) : tensor<?x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%f : tensor<?x32xf32>) -> tensor<?x32xf32>
  %e2 = tensor.empty(%d0) : tensor<?x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y, %bias : tensor<?x32xf32>, tensor<32xf32>) outs(%e2 : tensor<?x32xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x32xf32>
  %i = arith.index_cast %d0 : index to i64
  %c32 = arith.constant 32 : i64
  %dims = tensor.from_elements %i, %c32 : tensor<2xi64>
  return %r, %dims : tensor<?x32xf32>, tensor<2xi64>
}

// -----

// A 3x3 convolution with dynamic batch, height and width (bias broadcast
// fused into its tiles, ReLU epilogue): full tiles as wide as the output
// at the opt shape (30 columns: 16 + 14), the remaining columns as
// 16/8/4/2/1-wide static tiles.
// CHECK-LABEL: func.func @main_graph(
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x14xf32> into vector<8x14xf32>
// CHECK: scf.for {{.*}} step %c16
// CHECK: vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// CHECK-NOT: linalg.
// O0-LABEL: func.func @main_graph(
// O0: linalg.conv_2d_nchw_fchw
func.func @main_graph(%x: tensor<?x8x?x?xf32>) -> (tensor<?x16x?x?xf32>, tensor<4xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 1, 4, 8, 8, 8, 8, 32, 64, 8, 32, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1, 1, 2>]} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x8x?x?xf32>
  %h = tensor.dim %x, %c2 : tensor<?x8x?x?xf32>
  %w = tensor.dim %x, %c3 : tensor<?x8x?x?xf32>
  %oh = arith.subi %h, %c2 : index
  %ow = arith.subi %w, %c2 : index
  %wt = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %bias = arith.constant dense<0.25> : tensor<16xf32>
  %e = tensor.empty(%n, %oh, %ow) : tensor<?x16x?x?xf32>
  %b = linalg.broadcast ins(%bias : tensor<16xf32>) outs(%e : tensor<?x16x?x?xf32>) dimensions = [0, 2, 3]
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %wt : tensor<?x8x?x?xf32>, tensor<16x8x3x3xf32>) outs(%b : tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
  %e2 = tensor.empty(%n, %oh, %ow) : tensor<?x16x?x?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<?x16x?x?xf32>) outs(%e2 : tensor<?x16x?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x16x?x?xf32>
  %ni = arith.index_cast %n : index to i64
  %hi = arith.index_cast %oh : index to i64
  %wi = arith.index_cast %ow : index to i64
  %c16 = arith.constant 16 : i64
  %dims = tensor.from_elements %ni, %c16, %hi, %wi : tensor<4xi64>
  return %r, %dims : tensor<?x16x?x?xf32>, tensor<4xi64>
}

// -----

// A row reduction (sum of exp) over a dynamic number of rows: the init of
// the remainder rows is masked, each row reduced as 64 + 32 + 4 lanes.
// CHECK-LABEL: func.func @main_graph(
// CHECK: vector.transfer_write {{.*}}, %{{.*}} {in_bounds = [true]} : vector<63xf32>, tensor<?xf32>
// CHECK: math.exp {{.*}} : vector<64xf32>
// CHECK: vector.multi_reduction <add>, {{.*}} : vector<64xf32> to f32
// CHECK-NOT: linalg.
func.func @main_graph(%x: tensor<?x100xf32>) -> (tensor<?xf32>, tensor<1xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 64, 512, 100, 100, 100>],
                kiln.input_dim_symbols = [array<i64: 0, -1>]} {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x100xf32>
  %e = tensor.empty(%d0) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x100xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e1 = math.exp %a : f32
    %s = arith.addf %e1, %o : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %i = arith.index_cast %d0 : index to i64
  %dims = tensor.from_elements %i : tensor<1xi64>
  return %r, %dims : tensor<?xf32>, tensor<1xi64>
}

// -----

// Max pooling and a depthwise convolution with dynamic batch and image,
// tiled for the opt shape (30 x 30 outputs: rows of 16 + 14 columns); the
// depthwise convolution's register tile has 4 image rows (read at a
// run-time stride, each needs an address register).
// CHECK-LABEL: func.func @main_graph(
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<14xf32>
// CHECK: vector.fma {{.*}} : vector<4x16xf32>
// CHECK: vector.fma {{.*}} : vector<4x14xf32>
// CHECK-NOT: linalg.
func.func @main_graph(%x: tensor<?x16x?x?xf32>) -> (tensor<?x16x?x?xf32>, tensor<?x16x?x?xf32>, tensor<4xi64>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y", "z"],
                kiln.input_ranges = [array<i64: 1, 1, 4, 16, 16, 16, 8, 32, 64, 8, 32, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1, 1, 2>]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x16x?x?xf32>
  %h = tensor.dim %x, %c2 : tensor<?x16x?x?xf32>
  %w = tensor.dim %x, %c3 : tensor<?x16x?x?xf32>
  %oh = arith.subi %h, %c2 : index
  %ow = arith.subi %w, %c2 : index
  %win = tensor.empty() : tensor<3x3xf32>
  %e = tensor.empty(%n, %oh, %ow) : tensor<?x16x?x?xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %win : tensor<?x16x?x?xf32>, tensor<3x3xf32>) outs(%f : tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
  %dw = arith.constant dense<0.5> : tensor<16x3x3xf32>
  %e2 = tensor.empty(%n, %oh, %ow) : tensor<?x16x?x?xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
  %d = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %dw : tensor<?x16x?x?xf32>, tensor<16x3x3xf32>) outs(%f2 : tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
  %ni = arith.index_cast %n : index to i64
  %hi = arith.index_cast %oh : index to i64
  %wi = arith.index_cast %ow : index to i64
  %c16 = arith.constant 16 : i64
  %dims = tensor.from_elements %ni, %c16, %hi, %wi : tensor<4xi64>
  return %p, %d, %dims : tensor<?x16x?x?xf32>, tensor<?x16x?x?xf32>, tensor<4xi64>
}

// -----

// An elementwise op on two dynamic 4-D inputs (width at most 64, the
// strip): rows of 64 lanes when the width is 64, else masked vectors.
// CHECK-LABEL: func.func @main_graph(
// CHECK: math.tanh {{.*}} : vector<64xf32>
// CHECK: %[[MASK:.*]] = vector.create_mask {{.*}} : vector<1x1x1x63xi1>
// CHECK: vector.transfer_read {{.*}}, %[[MASK]] {in_bounds = [true, true, true, true]} : tensor<1x1x1x?xf32>, vector<1x1x1x63xf32>
// CHECK: math.tanh {{.*}} : vector<1x1x1x63xf32>
// CHECK-NOT: linalg.
func.func @main_graph(%x: tensor<?x16x?x?xf32>, %y: tensor<?x16x?x?xf32>) -> tensor<?x16x?x?xf32>
    attributes {kiln.input_names = ["x", "y"], kiln.output_names = ["z"],
                kiln.input_ranges = [array<i64: 1, 1, 4, 16, 16, 16, 8, 32, 64, 8, 32, 64>, array<i64: 1, 1, 4, 16, 16, 16, 8, 32, 64, 8, 32, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1, 1, 2>, array<i64: 0, -1, 1, 2>]} {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %n = tensor.dim %x, %c0 : tensor<?x16x?x?xf32>
  %h = tensor.dim %x, %c2 : tensor<?x16x?x?xf32>
  %w = tensor.dim %x, %c3 : tensor<?x16x?x?xf32>
  %e = tensor.empty(%n, %h, %w) : tensor<?x16x?x?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<?x16x?x?xf32>, tensor<?x16x?x?xf32>) outs(%e : tensor<?x16x?x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %t = math.tanh %s : f32
    linalg.yield %t : f32
  } -> tensor<?x16x?x?xf32>
  return %r : tensor<?x16x?x?xf32>
}
