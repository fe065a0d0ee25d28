// kiln-fold-constants evaluates kiln ops on constant operands (dense
// attributes and resource blobs); results over 64 elements become new blobs.
// RUN: model-opt %s -kiln-fold-constants | FileCheck %s
// RUN: model-opt %s -kiln-fold-constants=max-elements=4 | FileCheck %s --check-prefix=LIMIT

// CHECK-LABEL: func.func @transpose_dense
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<{{\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-NEXT: return %[[C]]
// LIMIT-LABEL: func.func @transpose_dense
// LIMIT: kiln.transpose
func.func @transpose_dense() -> tensor<3x2xf32> {
  %c = kiln.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = kiln.transpose %c {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// A blob in, a new blob out, named after the op's location.
// CHECK-LABEL: func.func @transpose_blob
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense_resource<fc_weight_folded> : tensor<16x5xi8>
// CHECK-NEXT: return %[[C]]
func.func @transpose_blob() -> tensor<16x5xi8> {
  %c = kiln.constant dense_resource<w_i8> : tensor<5x16xi8>
  %0 = kiln.transpose %c {perm = array<i64: 1, 0>} : tensor<5x16xi8> -> tensor<16x5xi8> loc("fc.weight")
  return %0 : tensor<16x5xi8>
}

// A reshape of a blob shares the blob.
// CHECK-LABEL: func.func @reshape_blob
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense_resource<w_i8> : tensor<80xi8>
// CHECK-NEXT: return %[[C]]
func.func @reshape_blob() -> tensor<80xi8> {
  %c = kiln.constant dense_resource<w_i8> : tensor<5x16xi8>
  %0 = kiln.reshape %c {shape = array<i64: 80>} : tensor<5x16xi8> -> tensor<80xi8>
  return %0 : tensor<80xi8>
}

// A splat stays a splat however large the result.
// CHECK-LABEL: func.func @expand_splat
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<2.500000e+00> : tensor<64x128x3xf32>
// CHECK-NEXT: return %[[C]]
func.func @expand_splat() -> tensor<64x128x3xf32> {
  %c = kiln.constant dense<2.5> : tensor<128x1xf32>
  %0 = kiln.expand %c {shape = array<i64: 64, 1, 3>} : tensor<128x1xf32> -> tensor<64x128x3xf32>
  return %0 : tensor<64x128x3xf32>
}

// A non-splat broadcast that would grow the constants past 64K elements and
// 4x is left to run time.
// CHECK-LABEL: func.func @expand_growth
// CHECK: kiln.expand
func.func @expand_growth() -> tensor<40000x2xf32> {
  %c = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = kiln.expand %c {shape = array<i64: 40000, 2>} : tensor<2xf32> -> tensor<40000x2xf32>
  return %0 : tensor<40000x2xf32>
}

// i1 results stay dense attributes at any size.
// CHECK-LABEL: func.func @bool_dense
// CHECK-NEXT: kiln.constant dense<{{\[\[}}false, true, true, {{.*}}> : tensor<5x16xi1>
func.func @bool_dense() -> tensor<5x16xi1> {
  %c = kiln.constant dense_resource<w_i8> : tensor<5x16xi8>
  %0 = kiln.cast %c {to = i1} : tensor<5x16xi8> -> tensor<5x16xi1>
  return %0 : tensor<5x16xi1>
}

// CHECK-LABEL: func.func @expand_slice
// CHECK-DAG: kiln.constant dense<{{\[\[}}1, 2, 3], [1, 2, 3]]> : tensor<2x3xi64>
// CHECK-DAG: kiln.constant dense<[6, 4, 2]> : tensor<3xi32>
func.func @expand_slice() -> (tensor<2x3xi64>, tensor<3xi32>) {
  %c = kiln.constant dense<[1, 2, 3]> : tensor<3xi64>
  %0 = kiln.expand %c {shape = array<i64: 2, 1>} : tensor<3xi64> -> tensor<2x3xi64>
  %d = kiln.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
  %1 = kiln.slice %d {offsets = array<i64: 5>, sizes = array<i64: 3>, strides = array<i64: -2>} : tensor<6xi32> -> tensor<3xi32>
  return %0, %1 : tensor<2x3xi64>, tensor<3xi32>
}

// CHECK-LABEL: func.func @concat_gather_pad
// CHECK-DAG: kiln.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 5.000000e+00], [3.000000e+00, 4.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// Negative indices count from the end, out-of-range ones clamp.
// CHECK-DAG: kiln.constant dense<{{\[\[}}3.000000e+00, 4.000000e+00], [1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: kiln.constant dense<[9, 1, 2, 3, 9]> : tensor<5xi32>
// CHECK-DAG: kiln.constant dense<[3, 2, 1, 2, 3, 2, 1]> : tensor<7xi32>
// CHECK-DAG: kiln.constant dense<[1, 1, 1, 2, 3, 3]> : tensor<6xi32>
func.func @concat_gather_pad() -> (tensor<2x3xf32>, tensor<3x2xf32>, tensor<5xi32>, tensor<7xi32>, tensor<6xi32>) {
  %a = kiln.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = kiln.constant dense<[[5.0], [6.0]]> : tensor<2x1xf32>
  %0 = kiln.concat %a, %b {axis = 1 : i64} : (tensor<2x2xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %i = kiln.constant dense<[-1, 0, 7]> : tensor<3xi64>
  %1 = kiln.gather %a, %i {axis = 0 : i64} : (tensor<2x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
  %p = kiln.constant dense<[1, 2, 3]> : tensor<3xi32>
  %2 = kiln.pad %p {pads = array<i64: 1, 1>, value = 9.0 : f64} : tensor<3xi32> -> tensor<5xi32>
  %3 = kiln.pad %p {pads = array<i64: 2, 2>, mode = 1 : i32} : tensor<3xi32> -> tensor<7xi32>
  %4 = kiln.pad %p {pads = array<i64: 2, 1>, mode = 2 : i32} : tensor<3xi32> -> tensor<6xi32>
  return %0, %1, %2, %3, %4 : tensor<2x3xf32>, tensor<3x2xf32>, tensor<5xi32>, tensor<7xi32>, tensor<6xi32>
}

// Float to int truncates toward zero; to i1 is x != 0; f16 rounds to
// nearest even.
// CHECK-LABEL: func.func @cast
// CHECK-DAG: kiln.constant dense<[1, -2, 0, 65504]> : tensor<4xi32>
// CHECK-DAG: kiln.constant dense<[true, true, false, true]> : tensor<4xi1>
// CHECK-DAG: kiln.constant dense<[1.500000e+00, -2.500000e+00, 0.000000e+00, 6.550400e+04]> : tensor<4xf16>
// CHECK-DAG: kiln.constant dense<[2.550000e+02, 1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: kiln.constant dense<[-1, 1]> : tensor<2xi8>
func.func @cast() -> (tensor<4xi32>, tensor<4xi1>, tensor<4xf16>, tensor<2xf32>, tensor<2xi8>) {
  %c = kiln.constant dense<[1.5, -2.5, 0.0, 65504.0]> : tensor<4xf32>
  %0 = kiln.cast %c {to = i32} : tensor<4xf32> -> tensor<4xi32>
  %1 = kiln.cast %c {to = i1} : tensor<4xf32> -> tensor<4xi1>
  %2 = kiln.cast %c {to = f16} : tensor<4xf32> -> tensor<4xf16>
  %u = kiln.constant dense<[255, 1]> : tensor<2xui8>
  %3 = kiln.cast %u {to = f32} : tensor<2xui8> -> tensor<2xf32>
  %4 = kiln.cast %u {to = i8} : tensor<2xui8> -> tensor<2xi8>
  return %0, %1, %2, %3, %4 : tensor<4xi32>, tensor<4xi1>, tensor<4xf16>, tensor<2xf32>, tensor<2xi8>
}

// Undefined at run time: NaN or out-of-range float to int stays.
// CHECK-LABEL: func.func @cast_undefined
// CHECK: kiln.cast
// CHECK: kiln.cast
func.func @cast_undefined() -> (tensor<1xi32>, tensor<1xui8>) {
  %c = kiln.constant dense<0x7FC00000> : tensor<1xf32>
  %0 = kiln.cast %c {to = i32} : tensor<1xf32> -> tensor<1xi32>
  %d = kiln.constant dense<-1.0> : tensor<1xf32>
  %1 = kiln.cast %d {to = ui8} : tensor<1xf32> -> tensor<1xui8>
  return %0, %1 : tensor<1xi32>, tensor<1xui8>
}

// CHECK-LABEL: func.func @unary
// relu keeps NaN, round is half to even, sign keeps zeros.
// CHECK-DAG: kiln.constant dense<[0.000000e+00, 0.000000e+00, 2.500000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: kiln.constant dense<[-0.000000e+00, -2.000000e+00, 2.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: kiln.constant dense<[-1.000000e+00, -1.000000e+00, 1.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: kiln.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf64>
// CHECK-DAG: kiln.constant dense<[false, true]> : tensor<2xi1>
// CHECK-DAG: kiln.constant dense<[5, 0, -128]> : tensor<3xi8>
func.func @unary() -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf64>, tensor<2xi1>, tensor<3xi8>) {
  %c = kiln.constant dense<[-0.5, -2.5, 2.5, 0x7FC00000]> : tensor<4xf32>
  %0 = kiln.relu %c : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.round %c : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.sign %c : tensor<4xf32> -> tensor<4xf32>
  %d = kiln.constant dense<[4.0, 9.0]> : tensor<2xf64>
  %3 = kiln.sqrt %d : tensor<2xf64> -> tensor<2xf64>
  %b = kiln.constant dense<[true, false]> : tensor<2xi1>
  %4 = kiln.not %b : tensor<2xi1> -> tensor<2xi1>
  %i = kiln.constant dense<[-5, 0, -128]> : tensor<3xi8>
  %5 = kiln.abs %i : tensor<3xi8> -> tensor<3xi8>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf64>, tensor<2xi1>, tensor<3xi8>
}

// Integer clip bounds round inward and saturate to the type's range.
// CHECK-LABEL: func.func @clip_integer
// CHECK-NEXT: kiln.constant dense<[2, 2, 3, 255]> : tensor<4xui8>
func.func @clip_integer() -> tensor<4xui8> {
  %c = kiln.constant dense<[0, 2, 3, 255]> : tensor<4xui8>
  %0 = kiln.clip %c {min = 1.5 : f64, max = 1000.0 : f64} : tensor<4xui8> -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// CHECK-LABEL: func.func @binary_broadcast
// CHECK-DAG: kiln.constant dense<{{\[\[}}1.100000e+01, 2.200000e+01, 3.300000e+01], [1.400000e+01, 2.500000e+01, 3.600000e+01]]> : tensor<2x3xf32>
// max and min propagate NaN.
// CHECK-DAG: kiln.constant dense<[0x7FC00000, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: kiln.constant dense<[true, false, false]> : tensor<3xi1>
func.func @binary_broadcast() -> (tensor<2x3xf32>, tensor<2xf32>, tensor<3xi1>) {
  %a = kiln.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = kiln.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %0 = kiln.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %n = kiln.constant dense<[0x7FC00000, 1.0]> : tensor<2xf32>
  %t = kiln.constant dense<2.0> : tensor<2xf32>
  %1 = kiln.max %n, %t : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %c = kiln.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %s = kiln.constant dense<2.0> : tensor<1xf32>
  %2 = kiln.less %c, %s : (tensor<3xf32>, tensor<1xf32>) -> tensor<3xi1>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2xf32>, tensor<3xi1>
}

// Integer division truncates toward zero; mod takes the divisor's sign,
// fmod the dividend's.
// CHECK-LABEL: func.func @integer
// CHECK-DAG: kiln.constant dense<[-3, 3, -3, 3]> : tensor<4xi32>
// CHECK-DAG: kiln.constant dense<[1, 1, -1, -1]> : tensor<4xi32>
// CHECK-DAG: kiln.constant dense<[-1, 1, 1, -1]> : tensor<4xi32>
// CHECK-DAG: kiln.constant dense<[254, 4]> : tensor<2xui8>
// CHECK-DAG: kiln.constant dense<[false, true]> : tensor<2xi1>
func.func @integer() -> (tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<2xui8>, tensor<2xi1>) {
  %a = kiln.constant dense<[-7, 7, 7, -7]> : tensor<4xi32>
  %b = kiln.constant dense<[2, 2, -2, -2]> : tensor<4xi32>
  %0 = kiln.div %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = kiln.mod %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = kiln.mod %a, %b {fmod = true} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %u = kiln.constant dense<[255, 2]> : tensor<2xui8>
  %v = kiln.constant dense<[255, 2]> : tensor<2xui8>
  %3 = kiln.add %u, %v : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xui8>
  %w = kiln.constant dense<[1, 200]> : tensor<2xui8>
  %4 = kiln.greater %w, %v : (tensor<2xui8>, tensor<2xui8>) -> tensor<2xi1>
  return %0, %1, %2, %3, %4 : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>, tensor<2xui8>, tensor<2xi1>
}

// Division by zero and signed overflow are undefined at run time.
// CHECK-LABEL: func.func @integer_undefined
// CHECK: kiln.div
// CHECK: kiln.div
func.func @integer_undefined() -> (tensor<2xi32>, tensor<1xi8>) {
  %a = kiln.constant dense<[1, 2]> : tensor<2xi32>
  %z = kiln.constant dense<[1, 0]> : tensor<2xi32>
  %0 = kiln.div %a, %z : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  %m = kiln.constant dense<-128> : tensor<1xi8>
  %n = kiln.constant dense<-1> : tensor<1xi8>
  %1 = kiln.div %m, %n : (tensor<1xi8>, tensor<1xi8>) -> tensor<1xi8>
  return %0, %1 : tensor<2xi32>, tensor<1xi8>
}

// CHECK-LABEL: func.func @where_logic
// CHECK-DAG: kiln.constant dense<[1.000000e+00, -2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK-DAG: kiln.constant dense<[true, false, true]> : tensor<3xi1>
func.func @where_logic() -> (tensor<3xf32>, tensor<3xi1>) {
  %c = kiln.constant dense<[true, false, true]> : tensor<3xi1>
  %a = kiln.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = kiln.constant dense<-2.0> : tensor<1xf32>
  %0 = kiln.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<1xf32>) -> tensor<3xf32>
  %d = kiln.constant dense<[false, false, true]> : tensor<3xi1>
  %1 = kiln.or %c, %d : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %0, %1 : tensor<3xf32>, tensor<3xi1>
}

// CHECK-LABEL: func.func @reductions
// CHECK-DAG: kiln.constant dense<[6.000000e+00, 1.500000e+01]> : tensor<2xf32>
// CHECK-DAG: kiln.constant dense<{{\[\[}}2.500000e+00, 3.500000e+00, 4.500000e+00]]> : tensor<1x3xf32>
// CHECK-DAG: kiln.constant dense<6> : tensor<1x1xi64>
// CHECK-DAG: kiln.constant dense<[2, 0]> : tensor<2xi64>
// CHECK-DAG: kiln.constant dense<{{\[\[}}0], [2]]> : tensor<2x1xi64>
func.func @reductions() -> (tensor<2xf32>, tensor<1x3xf32>, tensor<1x1xi64>, tensor<2xi64>, tensor<2x1xi64>) {
  %a = kiln.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %0 = kiln.reduce_sum %a {axes = array<i64: 1>, keepdims = false} : tensor<2x3xf32> -> tensor<2xf32>
  %1 = kiln.reduce_mean %a {axes = array<i64: 0>} : tensor<2x3xf32> -> tensor<1x3xf32>
  %i = kiln.constant dense<[[1, 2, 3], [3, 1, 2]]> : tensor<2x3xi64>
  %2 = kiln.reduce_max %i {axes = array<i64: 0, 1>} : tensor<2x3xi64> -> tensor<1x1xi64>
  %p = kiln.reduce_prod %i {axes = array<i64: 0, 1>} : tensor<2x3xi64> -> tensor<1x1xi64>
  %3 = kiln.argmax %i {axis = 1 : i64, keepdims = false} : tensor<2x3xi64> -> tensor<2xi64>
  %t = kiln.constant dense<[[1, 3, 3], [2, 1, 1]]> : tensor<2x3xi64>
  %4 = kiln.argmin %t {axis = 1 : i64, select_last_index = true} : tensor<2x3xi64> -> tensor<2x1xi64>
  %5 = kiln.add %2, %p : (tensor<1x1xi64>, tensor<1x1xi64>) -> tensor<1x1xi64>
  %6 = kiln.sub %5, %p : (tensor<1x1xi64>, tensor<1x1xi64>) -> tensor<1x1xi64>
  %7 = kiln.add %6, %6 : (tensor<1x1xi64>, tensor<1x1xi64>) -> tensor<1x1xi64>
  return %0, %1, %7, %3, %4 : tensor<2xf32>, tensor<1x3xf32>, tensor<1x1xi64>, tensor<2xi64>, tensor<2x1xi64>
}

// f16 and bf16 compute in double and round once.
// CHECK-LABEL: func.func @half
// CHECK-DAG: kiln.constant dense<[3.000000e+00, 1.000000e+00]> : tensor<2xf16>
// CHECK-DAG: kiln.constant dense<[2.000000e+00, 8.000000e+00]> : tensor<2xbf16>
func.func @half() -> (tensor<2xf16>, tensor<2xbf16>) {
  %a = kiln.constant dense<[1.0, 0.5]> : tensor<2xf16>
  %b = kiln.constant dense<[2.0, 0.5]> : tensor<2xf16>
  %0 = kiln.add %a, %b : (tensor<2xf16>, tensor<2xf16>) -> tensor<2xf16>
  %c = kiln.constant dense<[4.0, 64.0]> : tensor<2xbf16>
  %1 = kiln.sqrt %c : tensor<2xbf16> -> tensor<2xbf16>
  return %0, %1 : tensor<2xf16>, tensor<2xbf16>
}

// Ops with a non-constant operand, and blobs without data, stay.
// CHECK-LABEL: func.func @not_constant
// CHECK: kiln.add
// CHECK: kiln.neg
func.func @not_constant(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %c = kiln.constant dense<1.0> : tensor<2xf32>
  %0 = kiln.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %e = kiln.constant dense_resource<__elided__> : tensor<2xf32>
  %1 = kiln.neg %e : tensor<2xf32> -> tensor<2xf32>
  return %0, %1 : tensor<2xf32>, tensor<2xf32>
}

// The resource section holds the transposed bytes.
// CHECK: dialect_resources
// CHECK: fc_weight_folded: "0x0100000000102030400111213141021222324203132333430414243444051525354506162636460717273747081828384809192939490A1A2A3A4A0B1B2B3B4B0C1C2C3C4C0D1D2D3D4D0E1E2E3E4E0F1F2F3F4F"

{-#
  dialect_resources: {
    builtin: {
      w_i8: "0x01000000000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F"
    }
  }
#-}
