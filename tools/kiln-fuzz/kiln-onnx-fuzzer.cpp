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
//===----------------------------------------------------------------------===//
#include "dialects/Kiln/IR/KilnDialect.h"
#include "kiln/Frontend/Onnx/OnnxImporter.h"
#include "passes/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
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

  void mutate(::onnx::ModelProto &model) {
    ::onnx::GraphProto &graph = *model.mutable_graph();
    int nodes = graph.node_size();
    switch (pick(12)) {
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
  // The model lives alone in a private directory: external-data references
  // resolve next to it and find nothing.
  llvm::SmallString<128> dir;
  if (llvm::sys::fs::createUniqueDirectory("kiln-onnx-fuzzer", dir)) {
    llvm::errs() << "kiln-onnx-fuzzer: cannot create a temporary directory\n";
    std::exit(2);
  }
  llvm::sys::path::append(dir, "model.onnx");
  state->modelPath = std::string(dir);
  return 0;
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
  return 0;
}
