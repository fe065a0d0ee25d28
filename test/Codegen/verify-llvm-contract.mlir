// RUN: model-opt %s -split-input-file -verify-diagnostics -kiln-verify-llvm-contract | FileCheck %s

// The contract holds: all LLVM, @main_graph takes pointers, returns nothing.
// CHECK-LABEL: llvm.func @main_graph(
llvm.func @main_graph(%in: !llvm.ptr, %out: !llvm.ptr) {
  llvm.return
}

// -----

llvm.func @main_graph(%in: !llvm.ptr) {
  llvm.return
}
// expected-error@+1 {{kiln-cpu-llvm-pipeline left a non-LLVM op 'func.func'}}
func.func @helper(%in: memref<4xf32>) {
  // expected-error@+1 {{kiln-cpu-llvm-pipeline left a non-LLVM op 'func.return'}}
  return
}

// -----

// expected-error@+1 {{@main_graph must take one !llvm.ptr per input and output and return nothing}}
llvm.func @main_graph(%in: !llvm.ptr, %n: i64) {
  llvm.return
}

// -----

// expected-error@+1 {{no llvm.func @main_graph}}
module {
  llvm.func @other() {
    llvm.return
  }
}

// -----

// expected-error@+1 {{generated code calls @memrefCopy from MLIR's runtime support library}}
llvm.func @memrefCopy(i64, !llvm.ptr, !llvm.ptr)
llvm.func @main_graph(%in: !llvm.ptr) {
  llvm.return
}
