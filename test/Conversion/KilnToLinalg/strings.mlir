// String ops -> calls of runtime/strings.c through a private wrapper that
// takes the buffers as static memrefs (so the workspace planner sees them
// used by the call) and passes their addresses; string tensors become i64
// tensors (addresses).
// RUN: model-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: module attributes {kiln.uses_strings}
// CHECK:       llvm.func @kiln_string_normalize(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i32)
// CHECK-LABEL: func.func @normalize(
// CHECK-SAME:    %[[X:.*]]: tensor<1x4xi64>) -> (tensor<1x4xi64>, tensor<i64>)
// Stopwords: "monday\0x\0".
// CHECK:         %[[BLOB:.*]] = arith.constant dense<[109, 111, 110, 100, 97, 121, 0, 120, 0]> : tensor<9xi8>
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<1x4xi64>
// CHECK:         %[[OUTT:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         %[[CNT:.*]] = memref.alloc() : memref<i64>
// CHECK:         %[[CNTT:.*]] = bufferization.to_tensor %[[CNT]] restrict writable
// CHECK:         %[[IN:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<1x4xi64> to memref<1x4xi64>
// CHECK:         %[[SW:.*]] = bufferization.to_buffer %[[BLOB]] read_only : tensor<9xi8> to memref<9xi8>
// CHECK:         call @kiln_string_normalize_call(%[[IN]], %[[OUT]], %[[CNT]], %[[SW]]) : (memref<1x4xi64>, memref<1x4xi64>, memref<i64>, memref<9xi8>) -> ()
// CHECK:         return %[[OUTT]], %[[CNTT]]
// CHECK-LABEL: func.func private @kiln_string_normalize_call(
// CHECK-SAME:    %[[A0:.*]]: memref<1x4xi64>, %[[A1:.*]]: memref<1x4xi64>, %[[A2:.*]]: memref<i64>, %[[A3:.*]]: memref<9xi8>)
// CHECK:         %[[P0:.*]] = memref.extract_aligned_pointer_as_index %[[A0]]
// CHECK:         %[[I0:.*]] = arith.index_cast %[[P0]] : index to i64
// CHECK:         %[[Q0:.*]] = llvm.inttoptr %[[I0]] : i64 to !llvm.ptr
// CHECK:         %[[N:.*]] = arith.constant 4 : i64
// CHECK:         memref.extract_aligned_pointer_as_index %[[A1]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[A2]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[A3]]
// CHECK:         %[[Q3:.*]] = llvm.inttoptr
// Two stopwords; flags: upper (2), not case sensitive.
// CHECK:         %[[NSTOP:.*]] = arith.constant 2 : i64
// CHECK:         %[[FLAGS:.*]] = arith.constant 2 : i32
// CHECK:         llvm.call @kiln_string_normalize(%[[Q0]], %[[N]], %{{.*}}, %{{.*}}, %[[Q3]], %[[NSTOP]], %[[FLAGS]])
func.func @normalize(%x: tensor<1x4x!kiln.string>) -> (tensor<1x4x!kiln.string>, tensor<i64>) {
  %r, %n = kiln.string_normalize %x {case_change = "upper", case_sensitive = false, stopwords = ["monday", "x"]} : tensor<1x4x!kiln.string> -> (tensor<1x4x!kiln.string>, tensor<i64>)
  return %r, %n : tensor<1x4x!kiln.string>, tensor<i64>
}

// -----

// No stopwords: a one-byte blob (no zero-size buffers); lower + case
// sensitive = 1 | 4.
// CHECK-LABEL: func.func @normalize_lower
// CHECK:         arith.constant dense<0> : tensor<1xi8>
// CHECK-LABEL: func.func private @kiln_string_normalize_call(
// CHECK:         arith.constant 0 : i64
// CHECK:         arith.constant 5 : i32
func.func @normalize_lower(%x: tensor<3x!kiln.string>) -> tensor<3x!kiln.string> {
  %r, %n = kiln.string_normalize %x {case_change = "lower", case_sensitive = true, stopwords = []} : tensor<3x!kiln.string> -> (tensor<3x!kiln.string>, tensor<i64>)
  return %r : tensor<3x!kiln.string>
}

// -----

// Two casts: one declaration per runtime function, one wrapper per call
// (renamed on a clash).
// CHECK-DAG:   llvm.func @kiln_string_from_f32(!llvm.ptr, i64, !llvm.ptr)
// CHECK-DAG:   llvm.func @kiln_string_to_f64(!llvm.ptr, i64, !llvm.ptr)
// CHECK-LABEL: func.func @casts(
// CHECK-SAME:    %{{.*}}: tensor<2x3xf32>) -> tensor<2x3xf64>
// CHECK:         %[[S:.*]] = memref.alloc() : memref<2x3xi64>
// CHECK:         call @kiln_string_from_f32_call(%{{.*}}, %[[S]]) : (memref<2x3xf32>, memref<2x3xi64>) -> ()
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<2x3xf64>
// CHECK:         call @kiln_string_to_f64_call(%{{.*}}, %[[Y]]) : (memref<2x3xi64>, memref<2x3xf64>) -> ()
// CHECK-LABEL: func.func private @kiln_string_from_f32_call(
// CHECK:         arith.constant 6 : i64
// CHECK:         llvm.call @kiln_string_from_f32
// CHECK-LABEL: func.func private @kiln_string_to_f64_call(
// CHECK:         llvm.call @kiln_string_to_f64
func.func @casts(%x: tensor<2x3xf32>) -> tensor<2x3xf64> {
  %s = kiln.number_to_string %x : tensor<2x3xf32> -> tensor<2x3x!kiln.string>
  %y = kiln.string_to_number %s {to = f64} : tensor<2x3x!kiln.string> -> tensor<2x3xf64>
  return %y : tensor<2x3xf64>
}
