// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// Numpy broadcasting lives in the indexing maps: size-1 dims read index 0,
// missing leading dims are dropped.
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func.func @add_broadcast(
// CHECK-SAME: %[[A:.*]]: tensor<1x64x56x56xf32>, %[[B:.*]]: tensor<64x1x1xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x64x56x56xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[BCAST]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) outs(%[[E]] : tensor<1x64x56x56xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK:   linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_broadcast(%a: tensor<1x64x56x56xf32>, %b: tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32> {
  %r = kiln.add %a, %b : (tensor<1x64x56x56xf32>, tensor<64x1x1xf32>) -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}

// -----

// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @sub_row_mul_scalar(
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[ID2]], #[[ID2]]]
// CHECK: arith.subf
// CHECK: linalg.generic {indexing_maps = [#[[SCALAR]], #[[ID2]], #[[ID2]]]
// CHECK: arith.mulf
func.func @sub_row_mul_scalar(%a: tensor<f32>, %b: tensor<1x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = kiln.sub %b, %c : (tensor<1x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = kiln.mul %a, %r : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @float_semantics(
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.powf
// CHECK: arith.divf
// CHECK: math.erf
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.*}}, %[[ZERO]] : f32
func.func @float_semantics(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %0 = kiln.max %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = kiln.min %0, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %2 = kiln.pow %1, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = kiln.div %2, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = kiln.erf %3 : tensor<8xf32> -> tensor<8xf32>
  %5 = kiln.relu %4 : tensor<8xf32> -> tensor<8xf32>
  return %5 : tensor<8xf32>
}

// -----

// sigmoid(x) = x >= 0 ? 1/(1+e) : e/(1+e) with e = exp(-|x|): never
// overflows.
// CHECK-LABEL: func.func @sigmoid(
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[ABS:.*]] = math.absf %[[X]] : f32
// CHECK: %[[NEG:.*]] = arith.negf %[[ABS]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.*]] = arith.addf %[[ONE]], %[[E]] : f32
// CHECK: %[[T:.*]] = arith.divf %[[ONE]], %[[DEN]] : f32
// CHECK: %[[ET:.*]] = arith.mulf %[[E]], %[[T]] : f32
// CHECK: %[[POS:.*]] = arith.cmpf oge, %[[X]], %[[ZERO]] : f32
// CHECK: %[[R:.*]] = arith.select %[[POS]], %[[T]], %[[ET]] : f32
// CHECK: linalg.yield %[[R]] : f32
func.func @sigmoid(%a: tensor<8xf32>) -> tensor<8xf32> {
  %r = kiln.sigmoid %a : tensor<8xf32> -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @int_semantics(
// CHECK: arith.divsi
// CHECK: math.ipowi
// CHECK: arith.maxsi
// CHECK: arith.remsi
// CHECK-LABEL: func.func @python_mod(
// CHECK: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[REM:.*]] = arith.remsi %[[A]], %[[B]] : i32
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[REM]], %[[ZERO]] : i32
// CHECK: %[[RNEG:.*]] = arith.cmpi slt, %[[REM]], %[[ZERO]] : i32
// CHECK: %[[BNEG:.*]] = arith.cmpi slt, %[[B]], %[[ZERO]] : i32
// CHECK: %[[FIXED:.*]] = arith.addi %[[REM]], %[[B]] : i32
// CHECK: %[[DIFF:.*]] = arith.xori %[[RNEG]], %[[BNEG]] : i1
// CHECK: %[[FIX:.*]] = arith.andi %[[NZ]], %[[DIFF]] : i1
// CHECK: %[[R:.*]] = arith.select %[[FIX]], %[[FIXED]], %[[REM]] : i32
// CHECK: linalg.yield %[[R]] : i32
func.func @int_semantics(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  %0 = kiln.div %a, %b : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  %1 = kiln.pow %0, %b : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  %2 = kiln.relu %1 : tensor<8xi32> -> tensor<8xi32>
  %3 = kiln.mod %2, %b {fmod = true} : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  return %3 : tensor<8xi32>
}
func.func @python_mod(%a: tensor<8xi32>, %b: tensor<8xi32>) -> tensor<8xi32> {
  %r = kiln.mod %a, %b : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  return %r : tensor<8xi32>
}

// -----

// CHECK-LABEL: func.func @compare_and_logic(
// CHECK: arith.cmpf olt, %{{.*}}, %{{.*}} : f32
// CHECK: arith.cmpf oge, %{{.*}}, %{{.*}} : f32
// CHECK: arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[TRUE]] : i1
// CHECK: arith.cmpi sle, %{{.*}}, %{{.*}} : i64
func.func @compare_and_logic(%a: tensor<4xf32>, %b: tensor<4xf32>, %c: tensor<4xi64>) -> (tensor<4xi1>, tensor<4xi1>) {
  %0 = kiln.less %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = kiln.greater_equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %2 = kiln.and %0, %1 : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %3 = kiln.not %2 : tensor<4xi1> -> tensor<4xi1>
  %4 = kiln.less_equal %c, %c : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  return %3, %4 : tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @clip(
// CHECK: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[M:.*]] = arith.maximumf %{{.*}}, %[[LO]] : f32
// CHECK: %[[HI:.*]] = arith.constant 6.000000e+00 : f32
// CHECK: arith.minimumf %[[M]], %[[HI]] : f32
// CHECK-LABEL: func.func @clip_int(
// CHECK: %[[ILO:.*]] = arith.constant -4 : i8
// CHECK: arith.maxsi %{{.*}}, %[[ILO]] : i8
// CHECK-NOT: arith.minsi
func.func @clip(%a: tensor<4xf32>) -> tensor<4xf32> {
  %r = kiln.clip %a {min = 0.0 : f64, max = 6.0 : f64} : tensor<4xf32> -> tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func @clip_int(%a: tensor<4xi8>) -> tensor<4xi8> {
  %r = kiln.clip %a {min = -4.5 : f64} : tensor<4xi8> -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// ONNX Cast: float -> int truncates, to bool is x != 0, ints extend by their
// own signedness.
// CHECK-LABEL: func.func @casts(
// CHECK: arith.fptosi %{{.*}} : f32 to i32
// CHECK: arith.sitofp %{{.*}} : i32 to f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK: arith.extui %{{.*}} : i1 to i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.uitofp %{{.*}} : i1 to f32
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @casts(%a: tensor<4xf32>, %h: tensor<4xbf16>) -> (tensor<4xf32>, tensor<4xi32>, tensor<4xf32>, tensor<4xf16>) {
  %0 = kiln.cast %a {to = i32} : tensor<4xf32> -> tensor<4xi32>
  %1 = kiln.cast %0 {to = f16} : tensor<4xi32> -> tensor<4xf16>
  %2 = kiln.cast %1 {to = f32} : tensor<4xf16> -> tensor<4xf32>
  %3 = kiln.cast %2 {to = i1} : tensor<4xf32> -> tensor<4xi1>
  %4 = kiln.cast %3 {to = i64} : tensor<4xi1> -> tensor<4xi64>
  %5 = kiln.cast %4 {to = i8} : tensor<4xi64> -> tensor<4xi8>
  %6 = kiln.cast %5 {to = i32} : tensor<4xi8> -> tensor<4xi32>
  %7 = kiln.cast %3 {to = f32} : tensor<4xi1> -> tensor<4xf32>
  %8 = kiln.cast %h {to = f16} : tensor<4xbf16> -> tensor<4xf16>
  return %2, %6, %7, %8 : tensor<4xf32>, tensor<4xi32>, tensor<4xf32>, tensor<4xf16>
}

// -----

// CHECK-DAG: #[[COND:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[TRUE:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[FALSE:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @where(
// CHECK: linalg.generic {indexing_maps = [#[[COND]], #[[TRUE]], #[[FALSE]], #[[TRUE]]]
// CHECK: ^bb0(%[[C:.*]]: i1, %[[T:.*]]: f32, %[[F:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.select %[[C]], %[[T]], %[[F]] : f32
func.func @where(%c: tensor<2x1xi1>, %a: tensor<2x6xf32>, %b: tensor<6xf32>) -> tensor<2x6xf32> {
  %r = kiln.where %c, %a, %b : (tensor<2x1xi1>, tensor<2x6xf32>, tensor<6xf32>) -> tensor<2x6xf32>
  return %r : tensor<2x6xf32>
}

// -----

// Unsigned types become signless at the boundary (signature and constants);
// the arith ops carry the signedness.
// CHECK-LABEL: func.func @unsigned(
// CHECK-SAME: %[[A:.*]]: tensor<4xi8>, %[[B:.*]]: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>)
// CHECK: arith.divui %{{.*}}, %{{.*}} : i8
// CHECK: %[[CST:.*]] = arith.constant dense<[1, 2, 3, -1]> : tensor<4xi8>
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i8
// CHECK: arith.remui %{{.*}}, %{{.*}} : i8
// CHECK: arith.cmpi ult, %{{.*}}, %{{.*}} : i8
// CHECK: arith.uitofp %{{.*}} : i8 to f32
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>
func.func @unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) {
  %0 = kiln.div %a, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %c = kiln.constant dense<[1, 2, 3, 255]> : tensor<4xui8>
  %1 = kiln.max %0, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %2 = kiln.mod %1, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %3 = kiln.less %2, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %4 = kiln.cast %2 {to = f32} : tensor<4xui8> -> tensor<4xf32>
  %5 = kiln.cast %2 {to = i32} : tensor<4xui8> -> tensor<4xi32>
  return %2, %3, %4, %5 : tensor<4xui8>, tensor<4xi1>, tensor<4xf32>, tensor<4xi32>
}

// -----

// Callers follow the converted signature.
// CHECK-LABEL: func.func @callee(%{{.*}}: tensor<2xi16>) -> tensor<2xi16>
// CHECK-LABEL: func.func @caller(
// CHECK: call @callee(%{{.*}}) : (tensor<2xi16>) -> tensor<2xi16>
func.func @callee(%a: tensor<2xui16>) -> tensor<2xui16> {
  %r = kiln.abs %a : tensor<2xui16> -> tensor<2xui16>
  return %r : tensor<2xui16>
}
func.func @caller(%a: tensor<2xui16>) -> tensor<2xui16> {
  %r = call @callee(%a) : (tensor<2xui16>) -> tensor<2xui16>
  return %r : tensor<2xui16>
}
