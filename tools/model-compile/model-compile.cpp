//===- model-compile.cpp - Compile an ONNX model ahead of time ------------===//
//
// model-compile MODEL.onnx -o OUT [options]: a thin command line over
// mlir::kiln::compileModel (lib/Pipeline/CompileDriver.cpp).
//
//===----------------------------------------------------------------------===//
#include "kiln/Pipeline/CompileDriver.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace llvm;
using namespace mlir::kiln;

static cl::OptionCategory category("model-compile options");

static cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                                      cl::Required, cl::cat(category));
static cl::opt<std::string>
    outputPath("o", cl::desc("Output file (default: the model's name; stdout "
                             "for --emit=mlir|llvm)"),
               cl::value_desc("path"), cl::cat(category));
static cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Exe),
    cl::values(clEnumValN(EmitKind::Exe, "exe",
                          "standalone executable (default)"),
               clEnumValN(EmitKind::Obj, "obj", "relocatable object file"),
               clEnumValN(EmitKind::Lib, "lib", "static library + C header"),
               clEnumValN(EmitKind::Shared, "shared",
                          "shared library + C header"),
               clEnumValN(EmitKind::MLIR, "mlir",
                          "MLIR of the last stage (see --stop-after)"),
               clEnumValN(EmitKind::LLVMIR, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Weights, "weights",
                          "only the weights file (same graph, other "
                          "weights: loads into an artifact compiled with "
                          "the same options)")),
    cl::cat(category));
static cl::opt<std::string>
    target("target", cl::desc("Target device: cpu (default), cuda (NVIDIA "
                              "GPUs; the executable loads the CUDA driver at "
                              "run time) or cuda-emu (the CUDA flow with its "
                              "kernels run by a host emulation of the GPU, "
                              "for testing without one)"),
           cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    gpuArch("gpu-arch",
            cl::desc("With --target=cuda: GPU architecture of the cubin, "
                     "sm_80, sm_90, ... (default sm_90; PTX is embedded too, "
                     "for newer GPUs)"),
            cl::init("sm_90"), cl::cat(category));
static cl::opt<std::string> gpuPrecision(
    "gpu-precision",
    cl::desc("With --target=cuda: fp32 (default, exact CUDA-core math) or "
             "tf32 (tensor cores; not implemented yet)"),
    cl::init("fp32"), cl::cat(category));
static cl::opt<std::string>
    cudaPath("cuda-path",
             cl::desc("With --target=cuda: the CUDA toolkit that provides "
                      "ptxas, fatbinary and libdevice (default: "
                      "$KILN_CUDA_PATH, else /usr/local/cuda)"),
             cl::cat(category));
static cl::opt<std::string>
    mcpu("mcpu", cl::desc("CPU to tune and select features for (default: "
                          "native for the host, generic for --mtriple)"),
         cl::cat(category));
static cl::opt<std::string>
    mtriple("mtriple", cl::desc("Target triple (default: the host's), e.g. "
                                "aarch64-linux-gnu"),
            cl::cat(category));
static cl::opt<unsigned> optLevel("O", cl::desc("Optimization level 0-3 "
                                                "(default 2)"),
                                  cl::Prefix, cl::init(2), cl::cat(category));
static cl::list<std::string>
    inputShapes("input-shape",
                cl::desc("An input's dims: NAME=1x3x224x224 pins them; a dim "
                         "written MIN:MAX (or MIN:OPT:MAX) stays dynamic in "
                         "that range: NAME=1x3x32:512x32:512"),
                cl::value_desc("name=shape"), cl::cat(category));
static cl::list<std::string>
    dimSpecs("dim",
             cl::desc("Range of a named symbolic dim (ONNX dim_param) "
                      "wherever it appears: NAME=MIN:MAX, NAME=MIN:OPT:MAX "
                      "(OPT: the size to tune for), or NAME=N to pin it"),
             cl::value_desc("name=range"), cl::cat(category));
static cl::opt<bool> specializeOpt(
    "specialize-opt",
    cl::desc("With a MIN:OPT:MAX range, also compile the model at the opt "
             "shape (all dims at OPT), run when the inputs have that shape; "
             "=false: one general version, about half the code "
             "(default true)"),
    cl::init(true), cl::cat(category));
static cl::list<std::string> constantInputs(
    "constant-input",
    cl::desc("Freeze a graph input to the value in an ONNX TensorProto file "
             "(NAME=FILE.pb): it becomes a weight, and the executable no "
             "longer takes it; use for shape/axes/size inputs"),
    cl::value_desc("name=file"), cl::cat(category));
static cl::opt<std::string> externalDataDir(
    "external-data-dir",
    cl::desc("Read the model's external data from DIR instead of the "
             "model's directory; no external data path may leave it"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<WeightsPlacement> weights(
    "weights", cl::desc("Where the weights go"),
    cl::init(WeightsPlacement::Auto),
    cl::values(clEnumValN(WeightsPlacement::Auto, "auto",
                          "inside the artifact below 1 GiB, else a file "
                          "(default)"),
               clEnumValN(WeightsPlacement::Embed, "embed",
                          "inside the artifact, at any size"),
               clEnumValN(WeightsPlacement::File, "file",
                          "in OUT.weights (DIR/NAME.weights for lib, shared "
                          "and obj), mapped at load time")),
    cl::cat(category));
static cl::opt<std::string>
    name("name", cl::desc("Symbol prefix of the generated API (default: "
                          "from the output name)"),
         cl::cat(category));
static cl::opt<bool> printLocations(
    "print-locations",
    cl::desc("With --emit=mlir, print locations (ONNX node names)"),
    cl::cat(category));
static cl::opt<bool>
    keepWeights("keep-weights",
                cl::desc("With --emit=mlir, print weight blobs in full"),
                cl::cat(category));

static cl::opt<bool> reportWorkspace(
    "report-workspace",
    cl::desc("Print the workspace the memory plan needs and the naive sum"),
    cl::cat(category));

static cl::opt<bool> timing(
    "timing",
    cl::desc("Print the wall time of each step (import, the stages graph to "
             "llvm, translate, llvm optimize, codegen, link) to stderr"),
    cl::cat(category));

static cl::opt<uint64_t> stringArena(
    "string-arena",
    cl::desc("Bytes of the workspace reserved for strings that string ops "
             "create at run time (models with string ops only; default 1 "
             "MiB). A run that needs more returns an error."),
    cl::value_desc("bytes"), cl::init(1 << 20), cl::cat(category));

static void fatalError(void *, const char *reason, bool) {
  errs() << "error: internal compiler error: " << reason << "\n";
  std::_Exit(1);
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  install_fatal_error_handler(fatalError);
  // libLLVM registers llc's own -stop-after; Kiln's means a pipeline stage.
  if (cl::Option *llcStopAfter = cl::getRegisteredOptions().lookup("stop-after"))
    llcStopAfter->removeArgument();
  cl::opt<std::string> stopAfter(
      "stop-after",
      cl::desc("With --emit=mlir, print the IR after this stage: import, "
               "graph, linalg, vector, bufferize, llvm"),
      cl::value_desc("stage"), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Kiln: compile an ONNX model ahead of time into native code\n\n"
      "  model-compile model.onnx -o model        standalone executable\n"
      "  ./model input.npy -o output.npy [--bench N] [--threads T]\n");

  CompileOptions options;
  options.inputPath = inputPath;
  options.outputPath = outputPath;
  options.emit = emit;
  options.target = target;
  options.gpuArch = gpuArch;
  options.gpuPrecision = gpuPrecision;
  options.cudaPath = cudaPath;
  options.mcpu = mcpu;
  options.mtriple = mtriple;
  options.optLevel = optLevel;
  options.name = name;
  options.printLocations = printLocations;
  options.elideWeights = !keepWeights;
  options.reportWorkspace = reportWorkspace;
  options.timing = timing;
  options.stringArena = stringArena;
  options.weights = weights;
  options.specializeOpt = specializeOpt;
  if (optLevel > 3) {
    errs() << "error: -O" << optLevel << " is not a level (use -O0..-O3)\n";
    return 1;
  }
  if (!stopAfter.empty()) {
    options.stopAfter = parseStage(stopAfter);
    if (!options.stopAfter) {
      errs() << "error: unknown stage '" << stopAfter << "' (stages: "
             << join(stageNames(), ", ") << ")\n";
      return 1;
    }
  }
  for (StringRef spec : inputShapes) {
    auto [inputName, dims] = spec.rsplit('=');
    auto shape = parseShapeRanges(dims);
    if (inputName.empty() || !shape) {
      errs() << "error: bad --input-shape '" << spec
             << "' (expected NAME=1x3x224x224; a dim may be a range such as "
                "1:8, or 1:4:8 to tune for 4)\n";
      return 1;
    }
    options.import.inputShapes[inputName.str()] = *shape;
  }
  for (StringRef spec : dimSpecs) {
    auto [dimName, text] = spec.rsplit('=');
    auto range = parseDimRange(text);
    if (dimName.empty() || !range) {
      errs() << "error: bad --dim '" << spec
             << "' (expected NAME=MIN:MAX such as batch=1:8, NAME=MIN:TUNE:MAX, "
                "or NAME=N)\n";
      return 1;
    }
    options.import.dimRanges[dimName.str()] = *range;
  }
  for (StringRef spec : constantInputs) {
    auto [inputName, file] = spec.split('=');
    if (inputName.empty() || file.empty()) {
      errs() << "error: bad --constant-input '" << spec
             << "' (expected NAME=FILE.pb)\n";
      return 1;
    }
    options.import.constantInputs[inputName.str()] = file.str();
  }
  options.import.externalDataDir = externalDataDir;
  return compileModel(options, argv[0]);
}
