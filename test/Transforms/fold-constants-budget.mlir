// kiln-fold-constants keeps to the folding budget (KilnFoldBudget.h): ops
// over splats fold in constant time whatever their shape (here 10^12
// elements: element by element this would not finish), and folds that would
// materialise or touch more elements than the budget are left to run time.
// RUN: timeout 120 model-opt %s -split-input-file -kiln-fold-constants | FileCheck %s
// RUN: timeout 120 model-opt %s -split-input-file -kiln-fold-constants=max-elements=1000000000000 | FileCheck %s --check-prefix=WORK

// The sum of a splat is its value times the count; a partial sum is a splat.
// CHECK-LABEL: func.func @sum_of_splat
// CHECK-DAG: %[[ALL:.*]] = kiln.constant dense<9.99999995E+11> : tensor<f32>
// CHECK-DAG: %[[ROWS:.*]] = kiln.constant dense<5.000000e+05> : tensor<1000000xf32>
// CHECK-DAG: %[[INT:.*]] = kiln.constant dense<7000000000000> : tensor<1x1xi64>
// CHECK-NOT: kiln.reduce_sum
// CHECK: return %[[ALL]], %[[ROWS]], %[[INT]]
func.func @sum_of_splat() -> (tensor<f32>, tensor<1000000xf32>, tensor<1x1xi64>) {
  %one = kiln.constant dense<1.0> : tensor<1000000x1000000xf32>
  %0 = kiln.reduce_sum %one {axes = array<i64: 0, 1>, keepdims = false} : tensor<1000000x1000000xf32> -> tensor<f32>
  %half = kiln.constant dense<0.5> : tensor<1000000x1000000xf32>
  %1 = kiln.reduce_sum %half {axes = array<i64: 1>, keepdims = false} : tensor<1000000x1000000xf32> -> tensor<1000000xf32>
  %seven = kiln.constant dense<7> : tensor<1000000x1000000xi64>
  %2 = kiln.reduce_sum %seven {axes = array<i64: 0, 1>} : tensor<1000000x1000000xi64> -> tensor<1x1xi64>
  return %0, %1, %2 : tensor<f32>, tensor<1000000xf32>, tensor<1x1xi64>
}

// -----

// max, min and mean of a splat are its value; a product is value^count
// (integers wrap like the run-time product: 3^4 = 81, 2^64 = 0 in i64).
// CHECK-LABEL: func.func @other_reductions_of_splat
// CHECK-DAG: %[[MAX:.*]] = kiln.constant dense<2.500000e-01> : tensor<f32>
// CHECK-DAG: %[[MIN:.*]] = kiln.constant dense<-3.000000e+00> : tensor<1x1xf32>
// CHECK-DAG: %[[MEAN:.*]] = kiln.constant dense<1.500000e+00> : tensor<1000000xf32>
// CHECK-DAG: %[[P81:.*]] = kiln.constant dense<81> : tensor<i32>
// CHECK-DAG: %[[P0:.*]] = kiln.constant dense<0> : tensor<i64>
// CHECK-NOT: kiln.reduce
// CHECK: return %[[MAX]], %[[MIN]], %[[MEAN]], %[[P81]], %[[P0]]
func.func @other_reductions_of_splat() -> (tensor<f32>, tensor<1x1xf32>, tensor<1000000xf32>, tensor<i32>, tensor<i64>) {
  %q = kiln.constant dense<0.25> : tensor<1000000x1000000xf32>
  %0 = kiln.reduce_max %q {axes = array<i64: 0, 1>, keepdims = false} : tensor<1000000x1000000xf32> -> tensor<f32>
  %m = kiln.constant dense<-3.0> : tensor<1000000x1000000xf32>
  %1 = kiln.reduce_min %m {axes = array<i64: 0, 1>} : tensor<1000000x1000000xf32> -> tensor<1x1xf32>
  %h = kiln.constant dense<1.5> : tensor<1000000x1000000xf32>
  %2 = kiln.reduce_mean %h {axes = array<i64: 0>, keepdims = false} : tensor<1000000x1000000xf32> -> tensor<1000000xf32>
  %three = kiln.constant dense<3> : tensor<2x2xi32>
  %3 = kiln.reduce_prod %three {axes = array<i64: 0, 1>, keepdims = false} : tensor<2x2xi32> -> tensor<i32>
  %two = kiln.constant dense<2> : tensor<8x8xi64>
  %4 = kiln.reduce_prod %two {axes = array<i64: 0, 1>, keepdims = false} : tensor<8x8xi64> -> tensor<i64>
  return %0, %1, %2, %3, %4 : tensor<f32>, tensor<1x1xf32>, tensor<1000000xf32>, tensor<i32>, tensor<i64>
}

// -----

// Layout ops, elementwise ops and casts of splats stay splats at any size.
// CHECK-LABEL: func.func @splat_chain
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<3.000000e+00> : tensor<1000000x1000000xf64>
// CHECK-NEXT: return %[[C]]
func.func @splat_chain() -> tensor<1000000x1000000xf64> {
  %c = kiln.constant dense<2.0> : tensor<1x1xf32>
  %e = kiln.expand %c {shape = array<i64: 1000000, 1000000>} : tensor<1x1xf32> -> tensor<1000000x1000000xf32>
  %one = kiln.constant dense<1.0> : tensor<1000000x1xf32>
  %s = kiln.add %e, %one : (tensor<1000000x1000000xf32>, tensor<1000000x1xf32>) -> tensor<1000000x1000000xf32>
  %t = kiln.transpose %s {perm = array<i64: 1, 0>} : tensor<1000000x1000000xf32> -> tensor<1000000x1000000xf32>
  %r = kiln.cast %t {to = f64} : tensor<1000000x1000000xf32> -> tensor<1000000x1000000xf64>
  return %r : tensor<1000000x1000000xf64>
}

// -----

// A non-splat result beyond max-elements (16 M by default) is left to run
// time: here a broadcast of two values to 10^12 elements.
// CHECK-LABEL: func.func @expand_beyond_budget
// CHECK: kiln.expand
// CHECK: kiln.reduce_sum
func.func @expand_beyond_budget() -> tensor<f32> {
  %c = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = kiln.expand %c {shape = array<i64: 500000000000, 2>} : tensor<2xf32> -> tensor<500000000000x2xf32>
  %0 = kiln.reduce_sum %e {axes = array<i64: 0, 1>, keepdims = false} : tensor<500000000000x2xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Even with max-elements raised, no fold does more than 64 M element
// operations: concatenating two splats of 5*10^7 elements would write 10^8.
// WORK-LABEL: func.func @concat_beyond_work
// WORK: kiln.concat
func.func @concat_beyond_work() -> tensor<100000000xf32> {
  %a = kiln.constant dense<1.0> : tensor<50000000xf32>
  %b = kiln.constant dense<2.0> : tensor<50000000xf32>
  %0 = kiln.concat %a, %b {axis = 0 : i64} : (tensor<50000000xf32>, tensor<50000000xf32>) -> tensor<100000000xf32>
  return %0 : tensor<100000000xf32>
}
