// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// cumsum over 5 elements: steps with distances 1, 2, 4, each a slice of the
// running sums padded with zeros at the front, added elementwise.
// CHECK-LABEL: func.func @cumsum(
// CHECK-SAME: %[[X:.*]]: tensor<2x5xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[X]][0, 0] [2, 4] [1, 1]
// CHECK: %[[P1:.*]] = tensor.pad %[[S1]] low[0, 1] high[0, 0]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: %[[A1:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[P1]] : tensor<2x5xf32>, tensor<2x5xf32>)
// CHECK: arith.addf
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[A1]][0, 0] [2, 3] [1, 1]
// CHECK: %[[P2:.*]] = tensor.pad %[[S2]] low[0, 2] high[0, 0]
// CHECK: %[[A2:.*]] = linalg.generic {{.*}} ins(%[[A1]], %[[P2]] :
// CHECK: %[[S4:.*]] = tensor.extract_slice %[[A2]][0, 0] [2, 1] [1, 1]
// CHECK: %[[P4:.*]] = tensor.pad %[[S4]] low[0, 4] high[0, 0]
// CHECK: %[[A4:.*]] = linalg.generic {{.*}} ins(%[[A2]], %[[P4]] :
// CHECK-NOT: tensor.pad
// CHECK: return %[[A4]]
func.func @cumsum(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %r = kiln.cumsum %x {axis = 1 : i64} : tensor<2x5xf32> -> tensor<2x5xf32>
  return %r : tensor<2x5xf32>
}

// -----

// reverse + exclusive: the slices are taken from the back and padded at the
// end, and a final shift by one makes the sums exclusive.
// CHECK-LABEL: func.func @cumsum_reverse_exclusive(
// CHECK-SAME: %[[X:.*]]: tensor<3xi32>)
// CHECK: %[[S1:.*]] = tensor.extract_slice %[[X]][1] [2] [1]
// CHECK: %[[P1:.*]] = tensor.pad %[[S1]] low[0] high[1]
// CHECK: %[[A1:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[P1]] :
// CHECK: arith.addi
// CHECK: %[[S2:.*]] = tensor.extract_slice %[[A1]][2] [1] [1]
// CHECK: %[[P2:.*]] = tensor.pad %[[S2]] low[0] high[2]
// CHECK: %[[A2:.*]] = linalg.generic {{.*}} ins(%[[A1]], %[[P2]] :
// CHECK: %[[SE:.*]] = tensor.extract_slice %[[A2]][1] [2] [1]
// CHECK: %[[EX:.*]] = tensor.pad %[[SE]] low[0] high[1]
// CHECK: return %[[EX]]
func.func @cumsum_reverse_exclusive(%x: tensor<3xi32>) -> tensor<3xi32> {
  %r = kiln.cumsum %x {axis = 0 : i64, exclusive = true, reverse = true} : tensor<3xi32> -> tensor<3xi32>
  return %r : tensor<3xi32>
}

// -----

// f16 sums are carried in f32.
// CHECK-LABEL: func.func @cumsum_f16(
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @cumsum_f16(%x: tensor<2xf16>) -> tensor<2xf16> {
  %r = kiln.cumsum %x {axis = 0 : i64} : tensor<2xf16> -> tensor<2xf16>
  return %r : tensor<2xf16>
}

// -----

// topk: an scf.for over the k picks; each round is one generic reducing the
// axis into (value, index) after the previous pick (read back from the
// results), inserted at position p along the axis.
// CHECK-LABEL: func.func @topk(
// CHECK-SAME: %[[X:.*]]: tensor<3x4xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[K:.*]] = arith.constant 2 : index
// CHECK: %[[V0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: %[[I0:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%{{.*}} : tensor<3x2xi64>)
// CHECK: %[[R:.*]]:2 = scf.for %[[P:.*]] = %[[C0]] to %[[K]] step %[[C1]] iter_args(%[[V:.*]] = %[[V0]], %[[I:.*]] = %[[I0]])
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[P]], %[[C0]] : index
// CHECK: %[[PM1:.*]] = arith.subi %[[P]], %[[C1]]
// CHECK: %[[PREV:.*]] = arith.maxsi %[[PM1]], %[[C0]]
// CHECK: %[[PV:.*]] = tensor.extract_slice %[[V]][0, %[[PREV]]] [3, 1] [1, 1] : tensor<3x2xf32> to tensor<3xf32>
// CHECK: %[[PI:.*]] = tensor.extract_slice %[[I]][0, %[[PREV]]] [3, 1] [1, 1] : tensor<3x2xi64> to tensor<3xi64>
// CHECK: %[[PICK:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[X]], %[[PV]], %[[PI]] : tensor<3x4xf32>, tensor<3xf32>, tensor<3xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf uno
// CHECK: arith.ori %[[FIRST]]
// CHECK: linalg.yield
// CHECK: %[[NV:.*]] = tensor.insert_slice %[[PICK]]#0 into %[[V]][0, %[[P]]] [3, 1] [1, 1] : tensor<3xf32> into tensor<3x2xf32>
// CHECK: %[[NI:.*]] = tensor.insert_slice %[[PICK]]#1 into %[[I]][0, %[[P]]] [3, 1] [1, 1] : tensor<3xi64> into tensor<3x2xi64>
// CHECK: scf.yield %[[NV]], %[[NI]]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @topk(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>) {
  %v, %i = kiln.topk %x {axis = 1 : i64, k = 2 : i64} : tensor<3x4xf32> -> (tensor<3x2xf32>, tensor<3x2xi64>)
  return %v, %i : tensor<3x2xf32>, tensor<3x2xi64>
}

// -----

// Unsigned smallest: unsigned compares, the first value is 0.
// CHECK-LABEL: func.func @topk_smallest_unsigned(
// CHECK: scf.for
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction"]
// CHECK: arith.cmpi ult
// CHECK-NOT: arith.cmpf
// CHECK: scf.yield
func.func @topk_smallest_unsigned(%x: tensor<5xui8>) -> (tensor<1xui8>, tensor<1xi64>) {
  %v, %i = kiln.topk %x {axis = 0 : i64, k = 1 : i64, largest = false} : tensor<5xui8> -> (tensor<1xui8>, tensor<1xi64>)
  return %v, %i : tensor<1xui8>, tensor<1xi64>
}

// -----

// k = 0: empty results, no loop.
// CHECK-LABEL: func.func @topk_zero(
// CHECK-NOT: scf.for
// CHECK: %[[V:.*]] = tensor.empty() : tensor<3x0xf32>
// CHECK: %[[I:.*]] = tensor.empty() : tensor<3x0xi64>
// CHECK-NEXT: return %[[V]], %[[I]]
func.func @topk_zero(%x: tensor<3x4xf32>) -> (tensor<3x0xf32>, tensor<3x0xi64>) {
  %v, %i = kiln.topk %x {axis = 1 : i64, k = 0 : i64} : tensor<3x4xf32> -> (tensor<3x0xf32>, tensor<3x0xi64>)
  return %v, %i : tensor<3x0xf32>, tensor<3x0xi64>
}
