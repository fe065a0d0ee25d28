// The ops of KilnMathOps.td and KilnScanOps.td parse, verify and print back.
// RUN: model-opt %s | model-opt | FileCheck %s

// CHECK-LABEL: func.func @math
// CHECK: kiln.acos %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.asin %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.atan %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.acosh %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.asinh %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.atanh %{{.*}} : tensor<3xf32> -> tensor<3xf32>
// CHECK: kiln.shift_left %{{.*}}, %{{.*}} : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
// CHECK: kiln.shift_right %{{.*}}, %{{.*}} : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
func.func @math(%x: tensor<3xf32>, %a: tensor<2x3xui8>, %b: tensor<3xui8>) {
  %0 = kiln.acos %x : tensor<3xf32> -> tensor<3xf32>
  %1 = kiln.asin %x : tensor<3xf32> -> tensor<3xf32>
  %2 = kiln.atan %x : tensor<3xf32> -> tensor<3xf32>
  %3 = kiln.acosh %x : tensor<3xf32> -> tensor<3xf32>
  %4 = kiln.asinh %x : tensor<3xf32> -> tensor<3xf32>
  %5 = kiln.atanh %x : tensor<3xf32> -> tensor<3xf32>
  %6 = kiln.shift_left %a, %b : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
  %7 = kiln.shift_right %a, %b : (tensor<2x3xui8>, tensor<3xui8>) -> tensor<2x3xui8>
  return
}

// CHECK-LABEL: func.func @scan
// CHECK: kiln.cumsum %{{.*}} {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3xi64> -> tensor<2x3xi64>
// CHECK: kiln.topk %{{.*}} {axis = 0 : i64, k = 2 : i64, largest = false} : tensor<4x3xf32> -> (tensor<2x3xf32>, tensor<2x3xi64>)
func.func @scan(%x: tensor<2x3xi64>, %y: tensor<4x3xf32>) {
  %0 = kiln.cumsum %x {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3xi64> -> tensor<2x3xi64>
  %v, %i = kiln.topk %y {axis = 0 : i64, k = 2 : i64, largest = false} : tensor<4x3xf32> -> (tensor<2x3xf32>, tensor<2x3xi64>)
  return
}
