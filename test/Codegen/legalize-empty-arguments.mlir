// kiln-legalize-empty-arguments: zero-element memref arguments of functions
// nothing calls become one-element memrefs reinterpreted to their shape.
// RUN: model-opt %s -split-input-file -allow-unregistered-dialect --pass-pipeline='builtin.module(func.func(kiln-legalize-empty-arguments))' | FileCheck %s

// CHECK-LABEL: func.func @main_graph(
// CHECK-SAME:    %[[X:.*]]: memref<20x10x5xf32>, %[[Y:.*]]: memref<1xf32>, %[[W:.*]]: memref<1xi8>)
// CHECK:         %[[YV:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [20, 0, 5], strides: [0, 5, 1] : memref<1xf32> to memref<20x0x5xf32>
// CHECK:         %[[WV:.*]] = memref.reinterpret_cast %[[W]] to offset: [0], sizes: [0], strides: [1] : memref<1xi8> to memref<0xi8>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[YV]] : memref<20x0x5xf32>)
// CHECK:         "test.use"(%[[WV]], %[[X]])
func.func @main_graph(%x: memref<20x10x5xf32>, %y: memref<20x0x5xf32>, %ws: memref<0xi8>) {
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%y : memref<20x0x5xf32>)
  "test.use"(%ws, %x) : (memref<0xi8>, memref<20x10x5xf32>) -> ()
  return
}

// -----

// A function with callers keeps its signature (the calls must match), and
// so do non-empty, dynamic and strided memrefs.
// CHECK-LABEL: func.func private @callee(%{{.*}}: memref<0xf32>)
// CHECK-LABEL: func.func @caller(
// CHECK-SAME:    memref<1xf32>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<4xf32, strided<[2]>>)
func.func private @callee(%a: memref<0xf32>) {
  return
}
func.func @caller(%a: memref<0xf32>, %b: memref<?xf32>, %c: memref<4xf32, strided<[2]>>) {
  call @callee(%a) : (memref<0xf32>) -> ()
  return
}
