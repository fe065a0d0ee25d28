// RUN: model-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect -kiln-lower-dynamic-arguments | FileCheck %s

// A bufferized MLP layer with a dynamic batch, as kiln-plan-workspace leaves
// it: the input and the out-param become flat buffers at their upper bounds
// (8x64 and 8x32), the run-time dims come in one more argument before the
// workspace, the input is rebuilt from them at the entry and the out-param
// in the shape of the value copied into it.
// CHECK: module attributes {kiln.dynamic_input_dims = array<i64: 0, 0>}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[X:[^:]*]]: memref<512xf32>, %[[Y:[^:]*]]: memref<256xf32>, %[[DIMS:[^:]*]]: memref<2xi64>, %[[IN_DIMS:[^:]*]]: memref<1xi64>, %[[WS:[^:]*]]: memref<2048xi8>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = memref.load %[[IN_DIMS]][%[[C0]]] : memref<1xi64>
// CHECK: %[[N:.*]] = arith.index_cast %[[D0]] : i64 to index
// CHECK: %[[XV:.*]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [%[[N]], 64], strides: [64, 1] : memref<512xf32> to memref<?x64xf32>
// CHECK: memref.dim %[[XV]], %{{.*}} : memref<?x64xf32>
// CHECK: linalg.matmul ins(%[[XV]], %{{.*}} : memref<?x64xf32>, memref<64x32xf32>) outs(%[[T:.*]] : memref<?x32xf32>)
// CHECK: memref.store %{{.*}}, %[[DIMS]]
// CHECK: %[[M:.*]] = memref.dim %[[T]], %{{.*}} : memref<?x32xf32>
// CHECK: %[[YV:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [%[[M]], 32], strides: [32, 1] : memref<256xf32> to memref<?x32xf32>
// CHECK: memref.copy %[[T]], %[[YV]] : memref<?x32xf32> to memref<?x32xf32>
memref.global "private" constant @w : memref<64x32xf32> = dense<1.0>
func.func @main_graph(%x: memref<?x64xf32>, %y: memref<?x32xf32>, %dims: memref<2xi64>, %ws: memref<2048xi8>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 8, 8, 64, 64, 64>],
                kiln.input_dim_symbols = [array<i64: 0, -1>],
                kiln.output_upper_bounds = [array<i64: 8, 32>]} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.view %ws[%c0][%n] : memref<2048xi8> to memref<?x32xf32>
  %w = memref.get_global @w : memref<64x32xf32>
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%t : memref<?x32xf32>)
  linalg.matmul ins(%x, %w : memref<?x64xf32>, memref<64x32xf32>) outs(%t : memref<?x32xf32>)
  %i = arith.index_cast %n : index to i64
  %c32 = arith.constant 32 : i64
  memref.store %i, %dims[%c0] : memref<2xi64>
  memref.store %c32, %dims[%c1] : memref<2xi64>
  memref.copy %t, %y : memref<?x32xf32> to memref<?x32xf32>
  return
}

// -----

// Several dynamic dims (two inputs share the batch symbol; z has two
// dynamic dims), a static input in between, no workspace: the dims buffer
// holds (0,0), (2,0), (2,1) and goes last; strides of a fully dynamic
// input are computed at run time.
// CHECK: module attributes {kiln.dynamic_input_dims = array<i64: 0, 0, 2, 0, 2, 1>}
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %[[A:[^:]*]]: memref<32xf32>, %[[S:[^:]*]]: memref<4xi64>, %[[Z:[^:]*]]: memref<64xf32>, %[[O:[^:]*]]: memref<4xi64>, %[[IN_DIMS:[^:]*]]: memref<3xi64>)
// CHECK: memref.reinterpret_cast %[[A]] to offset: [0], sizes: [%{{.*}}, 4], strides: [4, 1] : memref<32xf32> to memref<?x4xf32>
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[Z0:.*]] = memref.load %[[IN_DIMS]][%[[C1]]] : memref<3xi64>
// CHECK: %[[Z0I:.*]] = arith.index_cast %[[Z0]] : i64 to index
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[Z1:.*]] = memref.load %[[IN_DIMS]][%[[C2]]] : memref<3xi64>
// CHECK: %[[Z1I:.*]] = arith.index_cast %[[Z1]] : i64 to index
// CHECK-NEXT: memref.reinterpret_cast %[[Z]] to offset: [0], sizes: [%[[Z0I]], %[[Z1I]]], strides: [%[[Z1I]], 1] : memref<64xf32> to memref<?x?xf32>
// CHECK: "test.use"(%[[S]], %[[O]])
func.func @main_graph(%a: memref<?x4xf32>, %s: memref<4xi64>, %z: memref<?x?xf32>, %o: memref<4xi64>)
    attributes {kiln.input_names = ["a", "s", "z"], kiln.output_names = ["o"],
                kiln.input_ranges = [array<i64: 1, 8, 8, 4, 4, 4>, array<i64: 4, 4, 4>,
                                     array<i64: 1, 8, 8, 2, 8, 8>],
                kiln.input_dim_symbols = [array<i64: 0, -1>, array<i64: -1>, array<i64: 0, 1>]} {
  "test.use"(%a, %z) : (memref<?x4xf32>, memref<?x?xf32>) -> ()
  "test.use"(%s, %o) : (memref<4xi64>, memref<4xi64>) -> ()
  return
}

// -----

// A static model is left as it is.
// CHECK-NOT: kiln.dynamic_input_dims
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>)
// CHECK-NEXT: memref.copy
func.func @main_graph(%x: memref<4xf32>, %y: memref<4xf32>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  memref.copy %x, %y : memref<4xf32> to memref<4xf32>
  return
}

// -----

// An out-param written in place is viewed in the shape its dims result
// holds, from where the stored dims are defined on (here they are stored
// into a buffer copied into the dims out-param).
// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME: %{{[^:]*}}: memref<8xf32>, %[[Y:[^:]*]]: memref<8xf32>, %[[DIMS:[^:]*]]: memref<1xi64>, %{{[^:]*}}: memref<1xi64>, %[[WS:[^:]*]]: memref<64xi8>)
// CHECK: %[[N:.*]] = arith.index_cast %[[XN:.*]] : index to i64
// CHECK-NEXT: %[[NI:.*]] = arith.index_cast %[[N]] : i64 to index
// CHECK-NEXT: %[[YV:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [%[[NI]]], strides: [1] : memref<8xf32> to memref<?xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[YV]] : memref<?xf32>)
// CHECK: memref.copy %{{.*}}, %[[DIMS]]
func.func @main_graph(%x: memref<?xf32>, %y: memref<?xf32>, %dims: memref<1xi64>, %ws: memref<64xi8>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.output_dims = array<i64: 1>,
                kiln.input_ranges = [array<i64: 1, 8, 8>],
                kiln.output_upper_bounds = [array<i64: 8>]} {
  %c0 = arith.constant 0 : index
  %xn = memref.dim %x, %c0 : memref<?xf32>
  %n = arith.index_cast %xn : index to i64
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?xf32>)
  %d = memref.view %ws[%c0][] : memref<64xi8> to memref<1xi64>
  memref.store %n, %d[%c0] : memref<1xi64>
  memref.copy %d, %dims : memref<1xi64> to memref<1xi64>
  return
}

// -----

// Without a copy or stored dims, an out-param cannot be given its shape.
// expected-error@+1 {{dynamic output 0 must be written by one memref.copy into its out-param, or its dims result must be stored at the top level}}
func.func @main_graph(%x: memref<?xf32>, %y: memref<?xf32>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.input_ranges = [array<i64: 1, 8, 8>],
                kiln.output_upper_bounds = [array<i64: 8>]} {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?xf32>)
  return
}

// -----

// expected-error@+1 {{dynamic output 0 needs its upper bounds in kiln.output_upper_bounds}}
func.func @main_graph(%x: memref<?xf32>, %y: memref<?xf32>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"],
                kiln.input_ranges = [array<i64: 1, 8, 8>]} {
  memref.copy %x, %y : memref<?xf32> to memref<?xf32>
  return
}

// -----

// expected-error@+1 {{dynamic inputs need kiln.input_ranges}}
func.func @main_graph(%x: memref<?xf32>, %y: memref<4xf32>)
    attributes {kiln.input_names = ["x"], kiln.output_names = ["y"]} {
  return
}

// -----

// An expand_shape with two dynamic dims in one group (which LLVM 22's
// expand-strided-metadata cannot lower) becomes a reinterpret_cast of its
// source's base buffer, in any function.
// CHECK-LABEL: func.func @expand(
// CHECK-SAME: %[[SRC:[^:]*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %[[N:[^:]*]]: index, %[[M:[^:]*]]: index)
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %{{.*}}:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[SRC]]
// CHECK: %[[S1:.*]] = arith.muli %[[STRIDES]]#1, %[[N]] : index
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%[[N]], %[[M]], %[[N]]], strides: [%[[STRIDES]]#0, %[[S1]], 1]
// CHECK-NOT: memref.expand_shape
func.func @expand(%c: memref<?x?xf32, strided<[?, 1], offset: ?>>, %n: index, %m: index) -> memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>> {
  %e = memref.expand_shape %c [[0], [1, 2]] output_shape [%n, %m, %n] : memref<?x?xf32, strided<[?, 1], offset: ?>> into memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
  return %e : memref<?x?x?xf32, strided<[?, ?, 1], offset: ?>>
}
