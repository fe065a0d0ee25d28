// RUN: model-opt %s -split-input-file -kiln-cpu-lower-vectors | FileCheck %s

// The register-tile contraction becomes one broadcast + FMA per row.
// CHECK-LABEL: func.func @contract(
// CHECK-NOT: vector.contract
// CHECK-COUNT-8: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK-NOT: vector.fma
func.func @contract(%a: vector<8x1xf32>, %b: vector<1x32xf32>,
                    %c: vector<8x32xf32>) -> vector<8x32xf32> {
  %0 = vector.contract {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>,
                                         affine_map<(d0, d1, d2) -> (d2, d1)>,
                                         affine_map<(d0, d1, d2) -> (d0, d1)>],
                        iterator_types = ["parallel", "parallel", "reduction"],
                        kind = #vector.kind<add>}
      %a, %b, %c : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
  return %0 : vector<8x32xf32>
}

// -----

// A read with stride 2 (strided convolution input): one contiguous read of
// the 31 elements spanned (a masked load of 32) and a shuffle, not 16
// scalar loads.
// CHECK-LABEL: func.func @strided_read(
// CHECK: memref.reinterpret_cast %{{.*}} to offset: [%{{.*}}], sizes: [31], strides: [1]
// CHECK: %[[M:.*]] = vector.maskedload {{.*}} : memref<31xf32, strided<[1], offset: ?>>, vector<32xi1>, vector<32xf32> into vector<32xf32>
// CHECK: %[[W:.*]] = vector.shuffle %[[M]], %[[M]] [0, 1, 2,
// CHECK: vector.shuffle %[[W]], %[[W]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK-NOT: memref.load
func.func @strided_read(%m: memref<1x64xf32, strided<[128, 2], offset: ?>>,
                        %i: index) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0.0 : f32
  %0 = vector.transfer_read %m[%c0, %i], %p {in_bounds = [true]}
      : memref<1x64xf32, strided<[128, 2], offset: ?>>, vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// Activation functions stay vectorized (polynomial approximation), instead
// of one libm call per lane.
// CHECK-LABEL: func.func @gelu_parts(
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK: return
func.func @gelu_parts(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %0 = math.erf %x : vector<16xf32>
  %1 = math.exp %x : vector<16xf32>
  %2 = math.tanh %x : vector<16xf32>
  return %0, %1, %2 : vector<16xf32>, vector<16xf32>, vector<16xf32>
}

// -----

// Row reductions (softmax, layer_norm): a 1-D multi_reduction becomes one
// vector.reduction; float max/min become a shuffle tree of elementwise ops
// (llvm.vector.reduce.fmaximum would be scalarized by the x86 backend).
// CHECK-LABEL: func.func @row_reductions(
// CHECK-SAME: %[[V:.*]]: vector<8xf32>, %[[ACC:.*]]: f32)
// CHECK-NOT: vector.multi_reduction
// CHECK: %[[LO:.*]] = vector.shuffle %[[V]], %[[V]] [0, 1, 2, 3]
// CHECK: %[[HI:.*]] = vector.shuffle %[[V]], %[[V]] [4, 5, 6, 7]
// CHECK: arith.maximumf %[[LO]], %[[HI]] : vector<4xf32>
// CHECK: arith.maximumf {{.*}} : vector<2xf32>
// CHECK: arith.maximumf {{.*}} : vector<1xf32>
// CHECK: %[[M:.*]] = arith.maximumf %{{.*}}, %[[ACC]] : f32
// CHECK: %[[S:.*]] = vector.reduction <add>, %[[V]], %[[ACC]] : vector<8xf32> into f32
// CHECK: return %[[M]], %[[S]]
func.func @row_reductions(%v: vector<8xf32>, %acc: f32) -> (f32, f32) {
  %0 = vector.multi_reduction <maximumf>, %v, %acc [0] : vector<8xf32> to f32
  %1 = vector.multi_reduction <add>, %v, %acc [0] : vector<8xf32> to f32
  return %0, %1 : f32, f32
}

// -----

// Odd-sized loads and stores (a 7-wide feature-map row) become one masked
// load/store of the next power of two.
// CHECK-LABEL: func.func @odd_row(
// CHECK: %[[MASK:.*]] = arith.constant dense<[true, true, true, true, true, true, true, false]> : vector<8xi1>
// CHECK: %[[L:.*]] = vector.maskedload %{{.*}}[%{{.*}}], %[[MASK]], %{{.*}} : memref<16xf32>, vector<8xi1>, vector<8xf32> into vector<8xf32>
// CHECK: %[[V:.*]] = vector.shuffle %[[L]], %[[L]] [0, 1, 2, 3, 4, 5, 6] : vector<8xf32>, vector<8xf32>
// CHECK: %[[W:.*]] = vector.shuffle %[[V]], %[[V]] [0, 1, 2, 3, 4, 5, 6, 0] : vector<7xf32>, vector<7xf32>
// CHECK: vector.maskedstore %{{.*}}[%{{.*}}], %[[MASK]], %[[W]] : memref<16xf32>, vector<8xi1>, vector<8xf32>
func.func @odd_row(%m: memref<16xf32>, %i: index, %j: index) {
  %0 = vector.load %m[%i] : memref<16xf32>, vector<7xf32>
  vector.store %0, %m[%j] : memref<16xf32>, vector<7xf32>
  return
}
