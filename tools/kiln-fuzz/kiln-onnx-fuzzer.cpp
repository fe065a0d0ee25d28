//===- kiln-onnx-fuzzer.cpp - libFuzzer target: ONNX bytes -> kiln IR -----===//
//
// Each input is the bytes of an .onnx file. They go through what
// model-compile does before lowering: the importer (parse, ONNX checker,
// version conversion and shape inference in the forked child, function
// expansion, kiln handlers), the MLIR verifier, then the graph-level passes
// (canonicalization with kiln's folders, constant folding, BatchNorm
// folding, layout simplification) and the verifier again
// (KILN_FUZZ_STAGE=import stops after the import). The target links only
// the importer and the graph passes, so the fuzz build stays small. Besides
// crashes, ASan reports and LLVM fatal errors, the target aborts when
//   - the importer or a pass fails without emitting an error (the user would
//     see exit status 1 and no message), or
//   - the IR it produces does not verify.
// Set KILN_FUZZ_VERBOSE=1 to print the diagnostics (useful when reproducing
// a finding: ./kiln-onnx-fuzzer crash-<hash>).
//
// Mutation is structure-aware (LLVMFuzzerCustomMutator): an input that
// parses as a ModelProto is usually edited as a model -- op types, node
// inputs/outputs, attribute values, input dims and dtypes, initializers,
// opsets, node order -- and re-serialized, so that most mutants reach the
// checker and the kiln handlers instead of failing to parse; the rest get
// libFuzzer's byte-level mutations.
//
// Untrusted models (README, "Compiling untrusted models"): the mutator also
// points initializers at external data (paths that climb out, absolute
// paths, and the traps set up next to the model: a symlink to a secret file
// outside the model directory, a FIFO, a directory) and turns the constants
// that carry shapes (inputs of ConstantOfShape, Expand, Tile, Reshape,
// Resize, Range, Pad) into huge values. A finding is then also
//   - the secret file's bytes in the imported or folded IR, and
//   - a run past libFuzzer's -timeout (a blocked read of the FIFO, folding
//     beyond the budget): libFuzzer reports it as a timeout and fails.
//
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnDialect.h"
#include "kiln/Frontend/Onnx/OnnxImporter.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "onnx/defs/schema.h"
#include "onnx/onnx_pb.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::kiln;

namespace {
/// The contents of the secret file outside the model directory, which no
/// model may get the importer to read.
constexpr llvm::StringLiteral kSecretPattern = "KILN-SECRET-FUZZ";
constexpr size_t kSecretBytes = 1 << 16;

struct FuzzState {
  DialectRegistry registry;
  std::string modelPath;
  bool graphPasses = true;
  bool verbose = false;
};
FuzzState *state = nullptr;

[[noreturn]] void findingAbort(const char *what) {
  llvm::errs() << "kiln-onnx-fuzzer: " << what << "\n";
  std::abort();
}

void fatalError(void *, const char *reason, bool) {
  llvm::errs() << "LLVM fatal error: " << reason << "\n";
  std::abort();
}
} // namespace

//===----------------------------------------------------------------------===//
// Structure-aware mutation
//===----------------------------------------------------------------------===//

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize);

namespace {
struct ModelMutator {
  std::minstd_rand rng;
  std::vector<std::string> opTypes, attributeNames;

  size_t pick(size_t n) { return n ? rng() % n : 0; }
  /// How many elements of `t` a mutation may write values for.
  static int64_t smallCount(const ::onnx::TensorProto &t) {
    int64_t n = 1;
    for (int64_t d : t.dims()) {
      if (d < 0 || d > 16)
        return -1;
      n *= d;
    }
    return n <= 16 ? n : -1;
  }
  bool coin(unsigned oneIn) { return rng() % oneIn == 0; }

  int64_t interestingInt() {
    static const int64_t values[] = {
        0, 1, 2, 3, 4, -1, -2, 7, 16, 255, 256, 1 << 16, int64_t(1) << 31,
        int64_t(1) << 32, int64_t(1) << 62, std::numeric_limits<int64_t>::max(),
        std::numeric_limits<int64_t>::min()};
    return coin(4) ? static_cast<int64_t>(rng()) - (1 << 30)
                   : values[pick(std::size(values))];
  }
  float interestingFloat() {
    static const float values[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 1e-30f,
                                   1e30f, std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::quiet_NaN()};
    return values[pick(std::size(values))];
  }

  /// Every value name of the graph, to rewire node inputs.
  std::vector<std::string> valueNames(const ::onnx::GraphProto &graph) {
    std::vector<std::string> names;
    for (const auto &input : graph.input())
      names.push_back(input.name());
    for (const auto &tensor : graph.initializer())
      names.push_back(tensor.name());
    for (const auto &node : graph.node())
      for (const auto &output : node.output())
        names.push_back(output);
    return names;
  }

  void mutateAttribute(::onnx::AttributeProto &attr) {
    switch (pick(6)) {
    case 0:
      attr.set_type(::onnx::AttributeProto::INT);
      attr.set_i(interestingInt());
      break;
    case 1:
      if (attr.ints_size())
        attr.set_ints(pick(attr.ints_size()), interestingInt());
      else
        attr.add_ints(interestingInt());
      if (coin(3))
        attr.add_ints(interestingInt());
      break;
    case 2:
      if (attr.ints_size())
        attr.mutable_ints()->RemoveLast();
      break;
    case 3:
      attr.set_type(::onnx::AttributeProto::FLOAT);
      attr.set_f(interestingFloat());
      break;
    case 4:
      if (!attributeNames.empty())
        attr.set_name(attributeNames[pick(attributeNames.size())]);
      break;
    default:
      attr.set_s(coin(2) ? std::string() : attr.name());
      break;
    }
  }

  void mutateType(::onnx::TypeProto &type) {
    auto *tensor = type.mutable_tensor_type();
    auto *shape = tensor->mutable_shape();
    switch (pick(4)) {
    case 0:
      tensor->set_elem_type(static_cast<int32_t>(pick(24)));
      break;
    case 1:
      if (shape->dim_size())
        shape->mutable_dim(pick(shape->dim_size()))
            ->set_dim_value(interestingInt());
      break;
    case 2:
      if (shape->dim_size() && coin(2))
        shape->mutable_dim()->RemoveLast();
      else
        shape->add_dim()->set_dim_value(pick(5));
      break;
    default:
      if (shape->dim_size())
        shape->mutable_dim(pick(shape->dim_size()))->set_dim_param("N");
      break;
    }
  }

  void mutateTensor(::onnx::TensorProto &tensor) {
    switch (pick(4)) {
    case 0:
      tensor.set_data_type(static_cast<int32_t>(pick(24)));
      break;
    case 1:
      if (tensor.dims_size())
        tensor.set_dims(pick(tensor.dims_size()), interestingInt());
      break;
    case 2:
      if (tensor.dims_size() && coin(2))
        tensor.mutable_dims()->RemoveLast();
      else
        tensor.add_dims(1);
      break;
    default:
      if (!tensor.raw_data().empty())
        tensor.mutable_raw_data()->resize(pick(tensor.raw_data().size() * 2));
      else if (tensor.int64_data_size())
        tensor.set_int64_data(pick(tensor.int64_data_size()),
                              interestingInt());
      break;
    }
  }

  /// A tensor that a reader could take from a file: an initializer or the
  /// value of a Constant node.
  ::onnx::TensorProto *pickTensor(::onnx::GraphProto &graph) {
    std::vector<::onnx::TensorProto *> tensors;
    for (auto &t : *graph.mutable_initializer())
      tensors.push_back(&t);
    for (auto &node : *graph.mutable_node())
      for (auto &attr : *node.mutable_attribute())
        if (attr.has_t())
          tensors.push_back(attr.mutable_t());
    return tensors.empty() ? nullptr : tensors[pick(tensors.size())];
  }

  /// Moves a tensor's data to external data: a location that climbs out of
  /// the model directory, is absolute, or names one of the traps next to
  /// the model (see LLVMFuzzerInitialize); offsets and lengths near limits.
  void mutateExternalData(::onnx::TensorProto &tensor) {
    static const char *const locations[] = {
        "../outside/secret.bin", "link.bin", "linkdir/secret.bin",
        "fifo.bin", "subdir", ".", "..", "", "weights.bin",
        "subdir/../weights.bin", "subdir/../../outside/secret.bin",
        "/etc/passwd", "//etc/passwd", "model.onnx", "missing.bin",
        "weights.bin\0../outside/secret.bin"};
    static const char *const numbers[] = {
        "0", "1", "16", "4096", "65535", "65536", "-1", "x",
        "18446744073709551615", "9223372036854775807"};
    if (tensor.data_location() != ::onnx::TensorProto::EXTERNAL || coin(3)) {
      tensor.set_data_location(::onnx::TensorProto::EXTERNAL);
      tensor.clear_raw_data();
      tensor.clear_external_data();
    }
    auto set = [&](const std::string &key, const std::string &value) {
      for (auto &entry : *tensor.mutable_external_data())
        if (entry.key() == key) {
          entry.set_value(value);
          return;
        }
      auto *entry = tensor.add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    };
    switch (pick(3)) {
    case 0: {
      llvm::StringRef location = locations[pick(std::size(locations))];
      // One location holds a NUL byte, which C paths would cut short.
      auto [before, after] = location.split("\\0");
      set("location", after.empty() ? before.str()
                                    : before.str() + '\0' + after.str());
      break;
    }
    case 1:
      set("offset", numbers[pick(std::size(numbers))]);
      break;
    default:
      set("length", numbers[pick(std::size(numbers))]);
      break;
    }
  }

  /// Values that make a shape, size, repeat count or range huge.
  int64_t hugeInt() {
    static const int64_t values[] = {
        1000000,          int64_t(1) << 20, int64_t(1) << 31,
        1000000000000LL,  int64_t(1) << 40, int64_t(1) << 62,
        -1,               0};
    return values[pick(std::size(values))];
  }
  float hugeFloat() {
    static const float values[] = {1e6f, 5e5f, 1e12f, 1e30f, 3.4e38f, -1e12f,
                                   0.0f};
    return values[pick(std::size(values))];
  }

  /// Rewrites the constant feeding a shape-carrying input (ConstantOfShape
  /// shape, Expand shape, Tile repeats, Reshape shape, Resize scales/sizes,
  /// Range start/limit/delta, Pad pads) toward huge values.
  void mutateShapeConstant(::onnx::GraphProto &graph) {
    std::vector<std::string> names;
    for (const auto &node : graph.node()) {
      const std::string &op = node.op_type();
      auto add = [&](int i) {
        if (i < node.input_size() && !node.input(i).empty())
          names.push_back(node.input(i));
      };
      if (op == "ConstantOfShape")
        add(0);
      else if (op == "Expand" || op == "Tile" || op == "Reshape" ||
               op == "Pad")
        add(1);
      else if (op == "Resize")
        for (int i : {2, 3})
          add(i);
      else if (op == "Range")
        for (int i : {0, 1, 2})
          add(i);
    }
    if (names.empty())
      return;
    const std::string &name = names[pick(names.size())];
    ::onnx::TensorProto *tensor = nullptr;
    for (auto &t : *graph.mutable_initializer())
      if (t.name() == name)
        tensor = &t;
    for (auto &node : *graph.mutable_node())
      if (node.op_type() == "Constant" && node.output_size() &&
          node.output(0) == name)
        for (auto &attr : *node.mutable_attribute())
          if (attr.has_t())
            tensor = attr.mutable_t();
    int64_t count = tensor ? smallCount(*tensor) : -1;
    if (count <= 0)
      return;
    tensor->clear_raw_data();
    tensor->clear_int64_data();
    tensor->clear_float_data();
    tensor->clear_int32_data();
    tensor->clear_double_data();
    tensor->set_data_location(::onnx::TensorProto::DEFAULT);
    tensor->clear_external_data();
    bool isFloat = tensor->data_type() == ::onnx::TensorProto::FLOAT;
    if (!isFloat)
      tensor->set_data_type(::onnx::TensorProto::INT64);
    int64_t keep = coin(2) ? pick(count) : -1;
    for (int64_t i = 0; i < count; ++i) {
      bool huge = keep < 0 || i == keep;
      if (isFloat)
        tensor->add_float_data(huge ? hugeFloat() : 1.0f);
      else
        tensor->add_int64_data(huge ? hugeInt() : 1);
    }
  }

  void mutate(::onnx::ModelProto &model) {
    ::onnx::GraphProto &graph = *model.mutable_graph();
    int nodes = graph.node_size();
    switch (pick(14)) {
    case 12: // external data
      if (::onnx::TensorProto *tensor = pickTensor(graph))
        mutateExternalData(*tensor);
      return;
    case 13: // shape-carrying constants toward huge values
      mutateShapeConstant(graph);
      return;
    case 0: // op type
      if (nodes && !opTypes.empty())
        graph.mutable_node(pick(nodes))
            ->set_op_type(opTypes[pick(opTypes.size())]);
      return;
    case 1: { // rewire an input
      std::vector<std::string> names = valueNames(graph);
      if (!nodes || names.empty())
        return;
      auto &node = *graph.mutable_node(pick(nodes));
      std::string name = coin(8) ? std::string() : names[pick(names.size())];
      if (node.input_size() && !coin(4))
        node.set_input(pick(node.input_size()), name);
      else
        node.add_input(name);
      return;
    }
    case 2: { // drop an input or output
      if (!nodes)
        return;
      auto &node = *graph.mutable_node(pick(nodes));
      if (coin(2) && node.input_size())
        node.mutable_input()->RemoveLast();
      else if (node.output_size() > 1)
        node.mutable_output()->RemoveLast();
      return;
    }
    case 3:
    case 4: { // attribute values (twice as likely)
      if (!nodes)
        return;
      auto &node = *graph.mutable_node(pick(nodes));
      if (node.attribute_size() && !coin(4))
        mutateAttribute(*node.mutable_attribute(pick(node.attribute_size())));
      else if (!attributeNames.empty()) {
        auto *attr = node.add_attribute();
        attr->set_name(attributeNames[pick(attributeNames.size())]);
        mutateAttribute(*attr);
      }
      return;
    }
    case 5: // graph input types
      if (graph.input_size())
        mutateType(*graph.mutable_input(pick(graph.input_size()))
                        ->mutable_type());
      return;
    case 6: // graph output types
      if (graph.output_size())
        mutateType(*graph.mutable_output(pick(graph.output_size()))
                        ->mutable_type());
      return;
    case 7: // initializers
      if (graph.initializer_size())
        mutateTensor(*graph.mutable_initializer(pick(graph.initializer_size())));
      return;
    case 8: // opset
      if (model.opset_import_size())
        model.mutable_opset_import(pick(model.opset_import_size()))
            ->set_version(static_cast<int64_t>(pick(26)));
      return;
    case 9: // duplicate a node, feeding on the original's outputs
      if (nodes) {
        auto *copy = graph.add_node();
        *copy = graph.node(pick(nodes));
        for (auto &output : *copy->mutable_output())
          output += "_dup";
      }
      return;
    case 10: // remove a node
      if (nodes > 1) {
        graph.mutable_node()->SwapElements(pick(nodes), nodes - 1);
        graph.mutable_node()->RemoveLast();
      }
      return;
    default: // swap two nodes
      if (nodes > 1)
        graph.mutable_node()->SwapElements(pick(nodes), pick(nodes));
      return;
    }
  }
};
ModelMutator *mutator = nullptr;
} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  mutator->rng.seed(seed);
  ::onnx::ModelProto model;
  if (mutator->coin(5) || size > static_cast<size_t>(INT32_MAX) ||
      !model.ParseFromArray(data, static_cast<int>(size)) ||
      !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  for (unsigned n = 1 + mutator->pick(3); n > 0; --n)
    mutator->mutate(model);
  std::string bytes = model.SerializeAsString();
  if (bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

//===----------------------------------------------------------------------===//
// The target
//===----------------------------------------------------------------------===//

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  mutator = new ModelMutator;
  {
    std::set<std::string> attributes;
    for (const ::onnx::OpSchema &schema :
         ::onnx::OpSchemaRegistry::get_all_schemas()) {
      if (schema.domain().empty())
        mutator->opTypes.push_back(schema.Name());
      for (const auto &attr : schema.attributes())
        attributes.insert(attr.first);
    }
    mutator->attributeNames.assign(attributes.begin(), attributes.end());
  }
  state = new FuzzState;
  // What model-compile registers (kiln::registerAllDialects), without the
  // pass libraries.
  state->registry.insert<KilnDialect>();
  mlir::registerAllDialects(state->registry);
  mlir::registerAllExtensions(state->registry);
  llvm::install_fatal_error_handler(fatalError);
  if (const char *stage = std::getenv("KILN_FUZZ_STAGE")) {
    if (std::strcmp(stage, "import") != 0 && std::strcmp(stage, "graph")) {
      llvm::errs() << "KILN_FUZZ_STAGE: expected import or graph\n";
      std::exit(2);
    }
    state->graphPasses = std::strcmp(stage, "graph") == 0;
  }
  const char *verbose = std::getenv("KILN_FUZZ_VERBOSE");
  state->verbose = verbose && *verbose && std::strcmp(verbose, "0") != 0;
  // The model lives in a private directory, next to traps for external
  // data: weights.bin (a regular file: allowed), link.bin and linkdir (
  // symlinks to a secret file and its directory outside), fifo.bin (a
  // FIFO, which a read blocks on) and subdir (a directory).
  llvm::SmallString<128> base;
  if (llvm::sys::fs::createUniqueDirectory("kiln-onnx-fuzzer", base)) {
    llvm::errs() << "kiln-onnx-fuzzer: cannot create a temporary directory\n";
    std::exit(2);
  }
  auto path = [&](std::initializer_list<llvm::StringRef> parts) {
    llvm::SmallString<128> p(base);
    for (llvm::StringRef part : parts)
      llvm::sys::path::append(p, part);
    return std::string(p);
  };
  auto writeFile = [](const std::string &file, char fill) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    std::string bytes(kSecretBytes, fill);
    if (fill == 'S')
      for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = kSecretPattern[i % kSecretPattern.size()];
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
  };
  bool ok = !llvm::sys::fs::create_directory(path({"model"})) &&
            !llvm::sys::fs::create_directory(path({"outside"})) &&
            !llvm::sys::fs::create_directory(path({"model", "subdir"})) &&
            writeFile(path({"outside", "secret.bin"}), 'S') &&
            writeFile(path({"model", "weights.bin"}), '\0') &&
            !llvm::sys::fs::create_link("../outside/secret.bin",
                                        path({"model", "link.bin"})) &&
            !llvm::sys::fs::create_link("../outside",
                                        path({"model", "linkdir"})) &&
            ::mkfifo(path({"model", "fifo.bin"}).c_str(), 0600) == 0;
  if (!ok) {
    llvm::errs() << "kiln-onnx-fuzzer: cannot set up " << base << "\n";
    std::exit(2);
  }
  state->modelPath = path({"model", "model.onnx"});
  // Leave nothing behind in the temporary directory (libFuzzer exits
  // through exit(), after -max_total_time or -runs).
  static std::string baseDir;
  baseDir = std::string(base);
  std::atexit([] {
    // llvm::sys::fs::remove refuses FIFOs.
    ::unlink((baseDir + "/model/fifo.bin").c_str());
    (void)llvm::sys::fs::remove_directories(baseDir);
  });
  return 0;
}

/// Whether the secret file outside the model directory leaked into the IR
/// (as the bytes of a constant, folded or not).
static bool containsSecret(ModuleOp module) {
  auto leaks = [](llvm::ArrayRef<char> bytes) {
    llvm::StringRef data(bytes.data(), bytes.size());
    // Any 2 * 16 bytes of the file hold the pattern, rotated.
    for (size_t i = 0; i < kSecretPattern.size(); ++i) {
      std::string rotated =
          kSecretPattern.substr(i).str() + kSecretPattern.substr(0, i).str();
      if (data.contains(rotated))
        return true;
    }
    return false;
  };
  bool found = false;
  module->walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs()) {
      if (auto dense = dyn_cast<DenseElementsAttr>(attr.getValue()))
        found |= leaks(dense.getRawData());
      else if (auto resource =
                   dyn_cast<DenseResourceElementsAttr>(attr.getValue()))
        if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
          found |= leaks(blob->getData());
    }
  });
  return found;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  {
    std::ofstream out(state->modelPath, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data),
              static_cast<std::streamsize>(size));
    if (!out)
      findingAbort("cannot write the model file");
  }

  MLIRContext context(state->registry);
  context.printOpOnDiagnostic(false);
  unsigned errors = 0;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errors;
    if (state->verbose)
      llvm::errs() << diag.getLocation() << ": " << diag << "\n";
    return success();
  });

  OwningOpRef<ModuleOp> module =
      importOnnxModel(context, state->modelPath, OnnxImportOptions());
  if (!module) {
    if (errors == 0)
      findingAbort("the importer failed without an error message");
    return 0;
  }
  if (errors != 0)
    findingAbort("the importer reported errors but returned a module");
  if (failed(verify(*module)))
    findingAbort("the imported module does not verify");
  if (containsSecret(*module))
    findingAbort("the importer read external data from outside the model "
                 "directory");

  if (!state->graphPasses)
    return 0;
  // The passes of the graph stage (addGraphPasses in
  // lib/Pipeline/Pipelines.cpp). The module is verified here rather than by
  // the pass manager, whose verifier failure would read as a diagnostic.
  PassManager pm(&context);
  pm.enableVerifier(false);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createKilnFoldConstants());
  pm.addPass(createKilnFoldBatchNorm());
  pm.addPass(createKilnSimplifyLayout());
  pm.addPass(createKilnFoldConstants());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(*module))) {
    if (errors == 0)
      findingAbort("a graph pass failed without an error message");
    return 0;
  }
  if (failed(verify(*module)))
    findingAbort("the module does not verify after the graph passes");
  if (containsSecret(*module))
    findingAbort("the graph passes hold external data from outside the "
                 "model directory");
  return 0;
}
