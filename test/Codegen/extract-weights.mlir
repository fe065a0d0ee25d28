// RUN: model-opt %s -split-input-file -kiln-extract-weights | FileCheck %s

// Constant tensor globals leave the module: each user reads base + offset
// (64-byte aligned offsets, in module order), the base loaded once per
// function from @kiln_weights; the values move to `kiln.weights`. A
// mutable global, a string and a global whose symbol is used otherwise stay.
// CHECK-LABEL: module attributes
// CHECK-SAME: kiln.weights = [{name = "blob", offset = 0 : i64, value = dense_resource<blob> : tensor<3xf32>}, {name = "small", offset = 64 : i64, value = dense<[1, 2]> : tensor<2xi64>}, {name = "flags", offset = 128 : i64, value = dense<[true, false, true]> : tensor<3xi1>}]
// CHECK: llvm.mlir.global external @kiln_weights() {addr_space = 0 : i32} : !llvm.ptr
// CHECK-NOT: @blob(
// CHECK-NOT: @small(
// CHECK-NOT: @flags(
// CHECK: llvm.mlir.global private @state(
// CHECK: llvm.mlir.global private constant @text("abc")
// CHECK: llvm.mlir.global private constant @aliased(
// CHECK-LABEL: llvm.func @f(
// CHECK: %[[ADDR:.*]] = llvm.mlir.addressof @kiln_weights : !llvm.ptr
// CHECK: %[[BASE:.*]] = llvm.load %[[ADDR]] invariant {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
// CHECK-NOT: llvm.load %{{.*}} invariant
// CHECK: %[[O0:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.getelementptr inbounds %[[BASE]][%[[O0]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[O1:.*]] = llvm.mlir.constant(64 : i64) : i64
// CHECK: llvm.getelementptr inbounds %[[BASE]][%[[O1]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[O2:.*]] = llvm.mlir.constant(128 : i64) : i64
// CHECK: llvm.getelementptr inbounds %[[BASE]][%[[O2]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: %[[O3:.*]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.getelementptr inbounds %[[BASE]][%[[O3]]] : (!llvm.ptr, i64) -> !llvm.ptr, i8
// CHECK: llvm.mlir.addressof @state
// CHECK-LABEL: llvm.func @g(
// CHECK: llvm.mlir.addressof @kiln_weights
// CHECK: llvm.load %{{.*}} invariant
module {
  llvm.mlir.global private constant @blob(dense_resource<blob> : tensor<3xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<3 x f32>
  llvm.mlir.global private constant @small(dense<[1, 2]> : tensor<2xi64>) {addr_space = 0 : i32} : !llvm.array<2 x i64>
  llvm.mlir.global private constant @flags(dense<[true, false, true]> : tensor<3xi1>) {addr_space = 0 : i32} : !llvm.array<3 x i1>
  llvm.mlir.global private @state(dense<0.0> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @text("abc") {addr_space = 0 : i32} : !llvm.array<3 x i8>
  llvm.mlir.global private constant @aliased(dense<1.0> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @table() {addr_space = 0 : i32} : !llvm.ptr {
    %0 = llvm.mlir.addressof @aliased : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.func @use(!llvm.ptr)
  llvm.func @f() {
    %0 = llvm.mlir.addressof @blob : !llvm.ptr
    llvm.call @use(%0) : (!llvm.ptr) -> ()
    %1 = llvm.mlir.addressof @small : !llvm.ptr
    llvm.call @use(%1) : (!llvm.ptr) -> ()
    %2 = llvm.mlir.addressof @flags : !llvm.ptr
    llvm.call @use(%2) : (!llvm.ptr) -> ()
    %3 = llvm.mlir.addressof @blob : !llvm.ptr
    llvm.call @use(%3) : (!llvm.ptr) -> ()
    %4 = llvm.mlir.addressof @state : !llvm.ptr
    llvm.call @use(%4) : (!llvm.ptr) -> ()
    llvm.return
  }
  llvm.func @g() {
    %0 = llvm.mlir.addressof @small : !llvm.ptr
    llvm.call @use(%0) : (!llvm.ptr) -> ()
    llvm.return
  }
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x04000000000080BF0000003F00004040"
    }
  }
#-}

// -----

// A module without weights still gets the base pointer and an empty list.
// CHECK-LABEL: module attributes {kiln.weights = []}
// CHECK: llvm.mlir.global external @kiln_weights()
module {
  llvm.func @h() {
    llvm.return
  }
}

// -----

// Identical weights are stored once: the same bytes in two resource blobs
// (e.g. the weights of the opt-shape specialization and of the general
// function), and the same dense value; the same bytes as another type, and
// other bytes, are not.
// CHECK-LABEL: module attributes
// CHECK-SAME: kiln.weights = [{name = "w1", offset = 0 : i64, value = dense_resource<w1> : tensor<2xf32>}, {name = "w3", offset = 64 : i64, value = dense_resource<w3> : tensor<2xf32>}, {name = "w4", offset = 128 : i64, value = dense_resource<w4> : tensor<2xi32>}, {name = "e", offset = 192 : i64, value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}]
// CHECK-LABEL: llvm.func @twins(
// CHECK-COUNT-2: llvm.mlir.constant(0 : i64) : i64
// CHECK: llvm.mlir.constant(64 : i64) : i64
// CHECK: llvm.mlir.constant(128 : i64) : i64
// CHECK-COUNT-2: llvm.mlir.constant(192 : i64) : i64
module {
  llvm.mlir.global private constant @a(dense_resource<w1> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @b(dense_resource<w2> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @c(dense_resource<w3> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @d(dense_resource<w4> : tensor<2xi32>) {addr_space = 0 : i32} : !llvm.array<2 x i32>
  llvm.mlir.global private constant @e(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.mlir.global private constant @f(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
  llvm.func @use(!llvm.ptr)
  llvm.func @twins() {
    %0 = llvm.mlir.addressof @a : !llvm.ptr
    llvm.call @use(%0) : (!llvm.ptr) -> ()
    %1 = llvm.mlir.addressof @b : !llvm.ptr
    llvm.call @use(%1) : (!llvm.ptr) -> ()
    %2 = llvm.mlir.addressof @c : !llvm.ptr
    llvm.call @use(%2) : (!llvm.ptr) -> ()
    %3 = llvm.mlir.addressof @d : !llvm.ptr
    llvm.call @use(%3) : (!llvm.ptr) -> ()
    %4 = llvm.mlir.addressof @e : !llvm.ptr
    llvm.call @use(%4) : (!llvm.ptr) -> ()
    %5 = llvm.mlir.addressof @f : !llvm.ptr
    llvm.call @use(%5) : (!llvm.ptr) -> ()
    llvm.return
  }
}
{-#
  dialect_resources: {
    builtin: {
      w1: "0x040000000000803F00000040",
      w2: "0x040000000000803F00000040",
      w3: "0x040000000000803F00004040",
      w4: "0x040000000000803F00000040"
    }
  }
#-}
