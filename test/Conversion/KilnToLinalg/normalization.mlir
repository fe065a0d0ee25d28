// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// batch_norm: scale / sqrt(var + eps) once per channel, then
// (x - mean) * that + bias per element, the channel params read along dim 1.
// CHECK-DAG: #[[V:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batch_norm(
// CHECK-SAME: %[[X:.*]]: tensor<1x64x56x56xf32>, %[[S:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>, %[[M:.*]]: tensor<64xf32>, %[[VAR:.*]]: tensor<64xf32>)
// CHECK: %[[MUL:.*]] = linalg.generic {indexing_maps = [#[[V]], #[[V]], #[[V]]], iterator_types = ["parallel"]} ins(%[[S]], %[[VAR]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: ^bb0(%[[SC:.*]]: f32, %[[VA:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// CHECK: %[[VE:.*]] = arith.addf %[[VA]], %[[EPS]] : f32
// CHECK: %[[SQ:.*]] = math.sqrt %[[VE]] : f32
// CHECK: arith.divf %[[SC]], %[[SQ]] : f32
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]], %[[M]], %[[MUL]], %[[B]] : {{.*}})
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[MU:.*]]: f32, %[[BI:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[C:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[C]], %[[MU]] : f32
// CHECK: %[[Y:.*]] = arith.addf %[[SCALED]], %[[BI]] : f32
// CHECK: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]]
func.func @batch_norm(%x: tensor<1x64x56x56xf32>, %s: tensor<64xf32>, %b: tensor<64xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>) -> tensor<1x64x56x56xf32> {
  %r = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64} : (tensor<1x64x56x56xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}

// -----

// layer_norm: sum, mean, sum of squared deviations (second pass), rsqrt,
// then one normalizing generic; scale/bias align with the trailing dims.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm(
// CHECK-SAME: %[[X:.*]]: tensor<1x128x256xf32>, %[[S:.*]]: tensor<256xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[SUMINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x128xf32>)
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] : tensor<1x128x256xf32>) outs(%[[SUMINIT]] : tensor<1x128xf32>)
// CHECK: arith.addf
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x128xf32>)
// CHECK: arith.constant 3.906250e-03 : f32
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<1x128x256xf32>, tensor<1x128xf32>)
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[D:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK: %[[D2:.*]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK: arith.addf %[[ACC]], %[[D2]] : f32
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<1x128xf32>)
// CHECK: math.rsqrt
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[LAST]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[MEAN]], %[[INV]], %[[S]], %[[B]] :
// CHECK: return %[[R]]
func.func @layer_norm(%x: tensor<1x128x256xf32>, %s: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<1x128x256xf32> {
  %r = kiln.layer_norm %x, %s, %b {axis = 2 : i64, epsilon = 1.0e-05 : f64} : (tensor<1x128x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<1x128x256xf32>
  return %r : tensor<1x128x256xf32>
}

// -----

// 16-bit floats compute in f32 and round once at the end.
// CHECK-LABEL: func.func @layer_norm_f16_axis1(
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<2x4x8xf16>) outs(%{{.*}} : tensor<2xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @layer_norm_f16_axis1(%x: tensor<2x4x8xf16>, %s: tensor<4x1xf16>, %b: tensor<8xf16>) -> tensor<2x4x8xf16> {
  %r = kiln.layer_norm %x, %s, %b {axis = -2 : i64, epsilon = 1.0e-05 : f64} : (tensor<2x4x8xf16>, tensor<4x1xf16>, tensor<8xf16>) -> tensor<2x4x8xf16>
  return %r : tensor<2x4x8xf16>
}

// -----

// softmax: row max (NaN-propagating), sum of exp(x - max), then divide.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax(
// CHECK-SAME: %[[X:.*]]: tensor<2x6x4xf32>)
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]] : tensor<2x6x4xf32>) outs(%[[MAXINIT]] : tensor<2x4xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X]], %[[MAX]] : tensor<2x6x4xf32>, tensor<2x4xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[MAX]], %[[SUM]] :
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SH:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK: %[[E:.*]] = math.exp %[[SH]] : f32
// CHECK: arith.divf %[[E]], %[[SI]] : f32
// CHECK: return %[[R]]
func.func @softmax(%x: tensor<2x6x4xf32>) -> tensor<2x6x4xf32> {
  %r = kiln.softmax %x {axis = 1 : i64} : tensor<2x6x4xf32> -> tensor<2x6x4xf32>
  return %r : tensor<2x6x4xf32>
}

// -----

// log-softmax: x - max - log(sum).
// CHECK-LABEL: func.func @log_softmax(
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[MI:.*]]: f32, %[[SI:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[SH:.*]] = arith.subf %[[XI]], %[[MI]] : f32
// CHECK: %[[L:.*]] = math.log %[[SI]] : f32
// CHECK: %[[Y:.*]] = arith.subf %[[SH]], %[[L]] : f32
// CHECK: linalg.yield %[[Y]] : f32
func.func @log_softmax(%x: tensor<2x6x4xf32>) -> tensor<2x6x4xf32> {
  %r = kiln.softmax %x {axis = -1 : i64, log = true} : tensor<2x6x4xf32> -> tensor<2x6x4xf32>
  return %r : tensor<2x6x4xf32>
}
