// Canonicalization patterns (KilnCanonicalize.cpp): exact for every input,
// NaN and signed zeros included.
// RUN: model-opt %s -canonicalize -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @unary_chains
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xi1>)
// CHECK: %[[RELU:.*]] = kiln.relu %[[X]] : tensor<4xf32> -> tensor<4xf32>
// CHECK: %[[ABS1:.*]] = kiln.abs %[[X]] : tensor<4xf32> -> tensor<4xf32>
// CHECK: %[[ABS2:.*]] = kiln.abs %[[X]] : tensor<4xf32> -> tensor<4xf32>
// CHECK-NEXT: return %[[RELU]], %[[ABS1]], %[[ABS2]], %[[X]], %[[B]]
func.func @unary_chains(%x: tensor<4xf32>, %b: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>) {
  %0 = kiln.relu %x : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.relu %0 : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.abs %x : tensor<4xf32> -> tensor<4xf32>
  %3 = kiln.abs %2 : tensor<4xf32> -> tensor<4xf32>
  %n = kiln.neg %x : tensor<4xf32> -> tensor<4xf32>
  %4 = kiln.abs %n : tensor<4xf32> -> tensor<4xf32>
  %5 = kiln.neg %n : tensor<4xf32> -> tensor<4xf32>
  %6 = kiln.not %b : tensor<4xi1> -> tensor<4xi1>
  %7 = kiln.not %6 : tensor<4xi1> -> tensor<4xi1>
  return %1, %3, %4, %5, %7 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @clip_of_clip
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<4xi32>)
// CHECK: %[[A:.*]] = kiln.clip %[[X]] {max = 4.000000e+00 : f64, min = 1.000000e+00 : f64}
// CHECK: %[[B:.*]] = kiln.clip %[[I]] {max = 6.000000e+00 : f64, min = 2.000000e+00 : f64}
// CHECK: return %[[A]], %[[B]]
func.func @clip_of_clip(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = kiln.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.clip %0 {min = 1.0 : f64, max = 4.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.clip %i {max = 6.5 : f64} : tensor<4xi32> -> tensor<4xi32>
  %3 = kiln.clip %2 {min = 1.5 : f64} : tensor<4xi32> -> tensor<4xi32>
  return %1, %3 : tensor<4xf32>, tensor<4xi32>
}

// -----

// Disjoint ranges; float clips where the outer clip adds a bound the inner
// one lacks (a NaN could come out of the inner clip as its other bound); and
// integer clips whose range holds no integer ([0.2, 0.4] maps everything to
// its max, 0, which the outer clip then raises to 1): all stay.
// CHECK-LABEL: func.func @clip_of_clip_kept
// CHECK-COUNT-6: kiln.clip
func.func @clip_of_clip_kept(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi32>) {
  %0 = kiln.clip %x {min = 0.0 : f64, max = 1.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %1 = kiln.clip %0 {min = 2.0 : f64, max = 3.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %2 = kiln.clip %x {max = 6.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %3 = kiln.clip %2 {min = 0.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  %4 = kiln.clip %i {min = 0.2 : f64, max = 0.4 : f64} : tensor<4xi32> -> tensor<4xi32>
  %5 = kiln.clip %4 {min = 0.3 : f64, max = 1.5 : f64} : tensor<4xi32> -> tensor<4xi32>
  return %1, %3, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xi32>
}

// -----

// A cast through a type that holds every value is one cast; back to the
// source type it disappears.
// CHECK-LABEL: func.func @cast_of_cast
// CHECK-SAME: (%[[H:.*]]: tensor<4xf16>, %[[I:.*]]: tensor<4xi8>, %[[U:.*]]: tensor<4xui8>, %[[B:.*]]: tensor<4xi1>)
// CHECK-DAG: %[[A:.*]] = kiln.cast %[[H]] {to = f64} : tensor<4xf16> -> tensor<4xf64>
// CHECK-DAG: %[[F:.*]] = kiln.cast %[[I]] {to = f32} : tensor<4xi8> -> tensor<4xf32>
// CHECK-DAG: %[[G:.*]] = kiln.cast %[[U]] {to = i64} : tensor<4xui8> -> tensor<4xi64>
// CHECK-DAG: %[[K:.*]] = kiln.cast %[[B]] {to = f16} : tensor<4xi1> -> tensor<4xf16>
// CHECK: return %[[A]], %[[F]], %[[G]], %[[I]], %[[K]]
func.func @cast_of_cast(%h: tensor<4xf16>, %i: tensor<4xi8>, %u: tensor<4xui8>, %b: tensor<4xi1>) -> (tensor<4xf64>, tensor<4xf32>, tensor<4xi64>, tensor<4xi8>, tensor<4xf16>) {
  %0 = kiln.cast %h {to = f32} : tensor<4xf16> -> tensor<4xf32>
  %1 = kiln.cast %0 {to = f64} : tensor<4xf32> -> tensor<4xf64>
  %2 = kiln.cast %i {to = i32} : tensor<4xi8> -> tensor<4xi32>
  %3 = kiln.cast %2 {to = f32} : tensor<4xi32> -> tensor<4xf32>
  %4 = kiln.cast %u {to = i16} : tensor<4xui8> -> tensor<4xi16>
  %5 = kiln.cast %4 {to = i64} : tensor<4xi16> -> tensor<4xi64>
  %6 = kiln.cast %i {to = f16} : tensor<4xi8> -> tensor<4xf16>
  %7 = kiln.cast %6 {to = i8} : tensor<4xf16> -> tensor<4xi8>
  %8 = kiln.cast %b {to = ui8} : tensor<4xi1> -> tensor<4xui8>
  %9 = kiln.cast %8 {to = f16} : tensor<4xui8> -> tensor<4xf16>
  return %1, %3, %5, %7, %9 : tensor<4xf64>, tensor<4xf32>, tensor<4xi64>, tensor<4xi8>, tensor<4xf16>
}

// -----

// Lossy inner casts stay: f32 -> f16 rounds, i32 -> f32 rounds above 2^24,
// i8 -> ui8 wraps negatives, anything -> i1 keeps only zero-ness.
// CHECK-LABEL: func.func @cast_of_lossy_cast
// CHECK-COUNT-8: kiln.cast
func.func @cast_of_lossy_cast(%x: tensor<4xf32>, %i: tensor<4xi32>, %j: tensor<4xi8>) -> (tensor<4xf32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) {
  %0 = kiln.cast %x {to = f16} : tensor<4xf32> -> tensor<4xf16>
  %1 = kiln.cast %0 {to = f32} : tensor<4xf16> -> tensor<4xf32>
  %2 = kiln.cast %i {to = f32} : tensor<4xi32> -> tensor<4xf32>
  %3 = kiln.cast %2 {to = i32} : tensor<4xf32> -> tensor<4xi32>
  %4 = kiln.cast %j {to = ui8} : tensor<4xi8> -> tensor<4xui8>
  %5 = kiln.cast %4 {to = i32} : tensor<4xui8> -> tensor<4xi32>
  %6 = kiln.cast %i {to = i1} : tensor<4xi32> -> tensor<4xi1>
  %7 = kiln.cast %6 {to = i32} : tensor<4xi1> -> tensor<4xi32>
  return %1, %3, %5, %7 : tensor<4xf32>, tensor<4xi32>, tensor<4xi32>, tensor<4xi32>
}

// -----

// CHECK-LABEL: func.func @slice_of_slice
// CHECK-SAME: (%[[X:.*]]: tensor<20xf32>)
// CHECK: %[[S:.*]] = kiln.slice %[[X]] {offsets = array<i64: 8>, sizes = array<i64: 3>, strides = array<i64: -4>} : tensor<20xf32> -> tensor<3xf32>
// CHECK: return %[[S]]
func.func @slice_of_slice(%x: tensor<20xf32>) -> tensor<3xf32> {
  // y = x[0], x[2], ..., x[18]; z = y[4], y[2], y[0] = x[8], x[4], x[0].
  %0 = kiln.slice %x {offsets = array<i64: 0>, sizes = array<i64: 10>, strides = array<i64: 2>} : tensor<20xf32> -> tensor<10xf32>
  %1 = kiln.slice %0 {offsets = array<i64: 4>, sizes = array<i64: 3>, strides = array<i64: -2>} : tensor<10xf32> -> tensor<3xf32>
  return %1 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @concat_inputs
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x0xf32>, %[[C:.*]]: tensor<2x1xf32>)
// CHECK: %[[R:.*]] = kiln.concat %[[A]], %[[C]], %[[A]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
// CHECK: return %[[R]]
func.func @concat_inputs(%a: tensor<2x3xf32>, %b: tensor<2x0xf32>, %c: tensor<2x1xf32>) -> tensor<2x7xf32> {
  %0 = kiln.concat %a, %b, %c {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x0xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  %1 = kiln.concat %0, %a {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
  return %1 : tensor<2x7xf32>
}

// -----

// A concat along another axis is not spliced.
// CHECK-LABEL: func.func @concat_other_axis
// CHECK-COUNT-2: kiln.concat
func.func @concat_other_axis(%a: tensor<2x3xf32>) -> tensor<4x6xf32> {
  %0 = kiln.concat %a, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = kiln.concat %0, %0 {axis = 1 : i64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// CHECK-LABEL: func.func @where_splat
// CHECK-SAME: (%[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[S:.*]]: tensor<1xf32>)
// CHECK: %[[W:.*]] = kiln.where
// CHECK: return %[[A]], %[[B]], %[[W]]
func.func @where_splat(%a: tensor<4xf32>, %b: tensor<4xf32>, %s: tensor<1xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %t = kiln.constant dense<true> : tensor<4xi1>
  %f = kiln.constant dense<false> : tensor<1xi1>
  %0 = kiln.where %t, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.where %f, %a, %b : (tensor<1xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  // The chosen operand would need a broadcast: kept.
  %2 = kiln.where %t, %s, %b : (tensor<4xi1>, tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// x - (+0.0), x / 1, x ** 1 are exact; x - (-0.0) is not (-0.0 - -0.0 is +0.0).
// CHECK-LABEL: func.func @binary_identities
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<4xi64>)
// CHECK: %[[S:.*]] = kiln.sub %[[X]]
// CHECK-NOT: kiln.div
// CHECK-NOT: kiln.pow
// CHECK: return %[[X]], %[[S]], %[[X]], %[[X]], %[[I]], %[[I]]
func.func @binary_identities(%x: tensor<4xf32>, %i: tensor<4xi64>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi64>, tensor<4xi64>) {
  %pz = kiln.constant dense<0.0> : tensor<4xf32>
  %nz = kiln.constant dense<-0.0> : tensor<4xf32>
  %one = kiln.constant dense<1.0> : tensor<4xf32>
  %0 = kiln.sub %x, %pz : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.sub %x, %nz : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.div %x, %one : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = kiln.pow %x, %one : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %zi = kiln.constant dense<0> : tensor<4xi64>
  %oi = kiln.constant dense<1> : tensor<4xi64>
  %4 = kiln.sub %i, %zi : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %5 = kiln.div %i, %oi : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xi64>, tensor<4xi64>
}

// -----

// op(x, x) == x for max, min, and, or (max(NaN, NaN) is NaN).
// CHECK-LABEL: func.func @same_operands
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<4xi32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[I]], %[[I]]
func.func @same_operands(%x: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>) {
  %0 = kiln.max %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = kiln.min %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.and %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %3 = kiln.or %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<4xi32>
}
