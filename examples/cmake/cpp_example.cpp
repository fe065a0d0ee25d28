// cpp_example.cpp - a Kiln model from C++: the generated header is plain C
// with extern "C", so it needs nothing else.
#include "tiny_cnn.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

static std::vector<float> readRaw(const char *path, size_t count) {
  std::vector<float> data(count);
  std::ifstream f(path, std::ios::binary);
  f.read(reinterpret_cast<char *>(data.data()), count * sizeof(float));
  if (!f)
    data.clear();
  return data;
}

int main() {
  std::printf("%s: input '%s' rank %d, output '%s'\n", tiny_cnn_version(),
              tiny_cnn_input_name(0), tiny_cnn_input_rank(0),
              tiny_cnn_output_name(0));
  std::vector<float> x = readRaw(MODELS_DIR "/tiny_cnn.input.bin", 3 * 16 * 16);
  std::vector<float> ref = readRaw(MODELS_DIR "/tiny_cnn.output.bin", 10);
  if (x.empty() || ref.empty()) {
    std::fprintf(stderr, "error: cannot read the tiny_cnn data\n");
    return 1;
  }
  std::vector<float> y(10);
  // 64-byte aligned scratch memory, as the header asks.
  std::vector<unsigned char> storage(tiny_cnn_workspace_size() + 64);
  void *workspace = storage.data() + (64 - reinterpret_cast<uintptr_t>(
                                               storage.data()) % 64) % 64;
  const void *inputs[] = {x.data()};
  void *outputs[] = {y.data()};
  if (int rc = tiny_cnn_run(inputs, outputs, workspace)) {
    std::fprintf(stderr, "error: %s\n", tiny_cnn_error_message(rc));
    return 1;
  }
  float maxErr = 0, maxRef = 0;
  for (int i = 0; i < 10; ++i) {
    maxErr = std::fmax(maxErr, std::fabs(y[i] - ref[i]));
    maxRef = std::fmax(maxRef, std::fabs(ref[i]));
  }
  std::printf("tiny_cnn from C++: max |kiln - torch| = %g\n", maxErr);
  bool ok = maxErr <= 1e-4f * maxRef;
  std::printf("%s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}
