// RUN: model-opt %s -split-input-file -kiln-read-inserted-slices | FileCheck %s

// The activation stored into its padded copy and read again later (a
// residual add) is read back from the insert; the insert itself and readers
// before it keep the value.
// CHECK-LABEL: func.func @residual(
// CHECK-SAME: %[[FILLED:.*]]: tensor<1x4x8x8xf32>, %[[X:.*]]: tensor<1x4x6x6xf32>
// CHECK: %[[R:.*]] = arith.negf %[[X]]
// CHECK: %[[EARLY:.*]] = arith.addf %[[R]], %[[R]]
// CHECK: %[[P:.*]] = tensor.insert_slice %[[R]] into %[[FILLED]][0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
// CHECK: %[[BACK:.*]] = tensor.extract_slice %[[P]][0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
// CHECK: %[[LATE:.*]] = arith.mulf %[[BACK]], %[[EARLY]]
// CHECK: return %[[P]], %[[LATE]]
func.func @residual(%filled: tensor<1x4x8x8xf32>, %x: tensor<1x4x6x6xf32>)
    -> (tensor<1x4x8x8xf32>, tensor<1x4x6x6xf32>) {
  %r = arith.negf %x : tensor<1x4x6x6xf32>
  %early = arith.addf %r, %r : tensor<1x4x6x6xf32>
  %p = tensor.insert_slice %r into %filled[0, 0, 1, 1] [1, 4, 6, 6] [1, 1, 1, 1]
      : tensor<1x4x6x6xf32> into tensor<1x4x8x8xf32>
  %late = arith.mulf %r, %early : tensor<1x4x6x6xf32>
  return %p, %late : tensor<1x4x8x8xf32>, tensor<1x4x6x6xf32>
}

// -----

// No later reader: nothing changes.
// CHECK-LABEL: func.func @no_reader(
// CHECK-NOT: tensor.extract_slice
// CHECK: return
func.func @no_reader(%filled: tensor<8xf32>, %x: tensor<4xf32>) -> tensor<8xf32> {
  %p = tensor.insert_slice %x into %filled[2] [4] [1] : tensor<4xf32> into tensor<8xf32>
  return %p : tensor<8xf32>
}
