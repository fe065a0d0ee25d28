// RUN: model-opt %s -split-input-file -kiln-gpu-device-buffers -verify-diagnostics

// Without the input names, inputs cannot be told from out-params.
// expected-error @+1 {{the model function needs its `kiln.input_names`}}
func.func @main_graph(%in: memref<8xf32>, %out: memref<8xf32>) {
  memref.copy %in, %out : memref<8xf32> to memref<8xf32>
  return
}

// -----

func.func @main_graph(%in: memref<8xf32>, %out: memref<8xf32>) attributes {kiln.input_names = ["x"]} {
  %s = memref.subview %in[0] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2]>>
  %o = memref.subview %out[0] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1]>>
  // expected-error @+1 {{the CUDA target cannot copy a strided buffer on the host}}
  memref.copy %s, %o : memref<4xf32, strided<[2]>> to memref<4xf32, strided<[1]>>
  return
}
