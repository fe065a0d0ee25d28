// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file -verify-diagnostics

// Every unsupported op is reported at its location (the importer's NameLoc
// carries the ONNX node name), all of them before anything is rewritten.

func.func @dynamic(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error@+1 {{kiln.cumsum with dynamic shape tensor<?x4xf32> is not supported yet; pin the dimension at compile time (--input-shape NAME=DIMS or --dim NAME=N)}}
  %r = kiln.cumsum %a {axis = 1 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

func.func @two_at_once(%x: tensor<1x4x5x5x5x5xf32>, %w: tensor<2x2x1x1x1x1xf32>, %p: tensor<1x1x4x4xi32>) -> (tensor<1x2x5x5x5x5xf32>, tensor<1x1x2x2xi32>) {
  // expected-error@+1 {{kiln.conv with 4 spatial dims is not supported (1-D, 2-D and 3-D are)}}
  %r = kiln.conv %x, %w {strides = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, group = 2 : i64} : (tensor<1x4x5x5x5x5xf32>, tensor<2x2x1x1x1x1xf32>) -> tensor<1x2x5x5x5x5xf32>
  // expected-error@+1 {{kiln.avg_pool on i32 tensors is not supported (floating-point only)}}
  %s = kiln.avg_pool %p {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x1x4x4xi32> -> tensor<1x1x2x2xi32>
  return %r, %s : tensor<1x2x5x5x5x5xf32>, tensor<1x1x2x2xi32>
}

// -----

func.func @pool_4d(%x: tensor<1x2x4x4x4x4xf32>) -> tensor<1x2x3x3x3x3xf32> {
  // expected-error@+1 {{kiln.max_pool with 4 spatial dims is not supported (1-D, 2-D and 3-D are)}}
  %r = kiln.max_pool %x {kernel_shape = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1, 1, 1>, pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>} : tensor<1x2x4x4x4x4xf32> -> tensor<1x2x3x3x3x3xf32>
  return %r : tensor<1x2x3x3x3x3xf32>
}

// -----

func.func @pad_empty_dim(%x: tensor<0x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{kiln.pad with mode=edge cannot pad an empty dim}}
  %r = kiln.pad %x {pads = array<i64: 1, 0, 1, 0>, mode = 2 : i32} : tensor<0x3xf32> -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// avg_pool's divisor tables are planned at compile time (one count per
// output position and tap of a dim): beyond the folding budget (64 M) the
// op is refused rather than planned for hours.
func.func @avg_pool_too_large(%x: tensor<1x1x1000000000000xf32>) -> tensor<1x1x1000000000000xf32> {
  // expected-error@+1 {{kiln.avg_pool with 1000000000000 output positions and a kernel of 3 in one dim is too large to plan at compile time}}
  %r = kiln.avg_pool %x {kernel_shape = array<i64: 3>, strides = array<i64: 1>, dilations = array<i64: 1>, pads = array<i64: 1, 1>} : tensor<1x1x1000000000000xf32> -> tensor<1x1x1000000000000xf32>
  return %r : tensor<1x1x1000000000000xf32>
}
