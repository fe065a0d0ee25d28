//===- CompileDriver.cpp - model-compile's compile flow -------------------===//
#include "kiln/Pipeline/CompileDriver.h"

#include "kiln/InitAll.h"
#include "kiln/Pipeline/GpuPipeline.h"
#include "kiln/Pipeline/Specialize.h"
#include "kiln/Target/CpuCheck.h"
#include "kiln/Target/Library.h"
#include "kiln/Target/Linker.h"
#include "kiln/Target/ModelABI.h"
#include "kiln/Target/ObjectEmitter.h"
#include "kiln/Target/TargetMachine.h"
#include "kiln/Target/Weights.h"
#include "passes/Codegen/Passes.h"
#include "passes/GPU/ContractionKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/xxhash.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <chrono>
#include <cstdlib>

using namespace mlir;
using namespace mlir::kiln;

//===----------------------------------------------------------------------===//
// Diagnostics: error: <file>: <node> (<op type>): <reason>
//===----------------------------------------------------------------------===//

namespace {
struct ModelLocation {
  std::string file, node, opType;
};
} // namespace

// The importer gives each op FusedLoc<"OpType">[NameLoc<"node">(file:0:0)].
static ModelLocation describe(Location loc) {
  ModelLocation where;
  loc->walk([&](Location l) {
    if (auto fused = dyn_cast<FusedLoc>(l)) {
      if (auto type = dyn_cast_if_present<StringAttr>(fused.getMetadata()))
        if (where.opType.empty())
          where.opType = type.str();
    } else if (auto name = dyn_cast<NameLoc>(l)) {
      if (where.node.empty())
        where.node = name.getName().str();
    } else if (auto file = dyn_cast<FileLineColLoc>(l)) {
      if (where.file.empty())
        where.file = file.getFilename().str();
    }
    return WalkResult::advance();
  });
  return where;
}

static void printDiagnostic(Diagnostic &diag, StringRef inputPath) {
  llvm::raw_ostream &os = llvm::errs();
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  ModelLocation where = describe(diag.getLocation());
  os << (where.file.empty() ? inputPath.str() : where.file) << ": ";
  if (!where.node.empty()) {
    os << where.node;
    if (!where.opType.empty())
      os << " (" << where.opType << ")";
    os << ": ";
  }
  os << diag.str() << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(note, inputPath);
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

namespace {
/// --timing: the wall time of each step of the compile, printed to stderr
/// when it ends (also when it fails).
class StepTimer {
public:
  explicit StepTimer(bool enabled) : enabled(enabled) {}
  StepTimer(const StepTimer &) = delete;
  StepTimer &operator=(const StepTimer &) = delete;
  ~StepTimer() {
    if (!enabled || steps.empty())
      return;
    llvm::raw_ostream &os = llvm::errs();
    os << "timing (wall seconds):\n";
    for (const auto &[name, seconds] : steps)
      os << llvm::format("  %-18s %8.3f\n", name.c_str(), seconds);
    os << llvm::format("  %-18s %8.3f\n", "total",
                       elapsed(start, Clock::now()));
  }
  /// Ends the step that ran since the previous one (or the start) as `name`.
  void step(const llvm::Twine &name) {
    if (!enabled)
      return;
    Clock::time_point now = Clock::now();
    steps.emplace_back(name.str(), elapsed(last, now));
    last = now;
  }

private:
  using Clock = std::chrono::steady_clock;
  static double elapsed(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
  }
  bool enabled;
  Clock::time_point start = Clock::now(), last = start;
  std::vector<std::pair<std::string, double>> steps;
};
} // namespace

static int fail(const llvm::Twine &message, StringRef inputPath) {
  llvm::errs() << "error: " << inputPath << ": " << message << "\n";
  return 1;
}

static int failWith(llvm::Error error, StringRef inputPath) {
  return fail(llvm::toString(std::move(error)), inputPath);
}

// A C identifier from the output file's name: "out/resnet-18" -> resnet_18.
static std::string symbolPrefix(const CompileOptions &options) {
  if (!options.name.empty())
    return options.name;
  StringRef base = llvm::sys::path::stem(options.outputPath.empty()
                                             ? options.inputPath
                                             : options.outputPath);
  base.consume_front("lib");
  std::string prefix;
  for (char c : base)
    prefix.push_back(llvm::isAlnum(c) ? c : '_');
  if (prefix.empty() || llvm::isDigit(prefix.front()))
    prefix.insert(prefix.begin(), '_');
  return prefix;
}

static std::string defaultOutput(const CompileOptions &options) {
  switch (options.emit) {
  case EmitKind::MLIR:
  case EmitKind::LLVMIR:
    return "-";
  case EmitKind::Obj:
    return llvm::sys::path::stem(options.inputPath).str() + ".o";
  case EmitKind::Lib:
    return "lib" + llvm::sys::path::stem(options.inputPath).str() + ".a";
  case EmitKind::Shared:
    return "lib" + llvm::sys::path::stem(options.inputPath).str() + ".so";
  case EmitKind::Weights:
    return llvm::sys::path::stem(options.inputPath).str() + ".weights";
  default:
    return llvm::sys::path::stem(options.inputPath).str();
  }
}

static LogicalResult printModule(ModuleOp module,
                                 const CompileOptions &options) {
  std::string error;
  auto out = openOutputFile(options.outputPath, &error);
  if (!out) {
    llvm::errs() << "error: " << error << "\n";
    return failure();
  }
  OpPrintingFlags flags;
  if (options.printLocations)
    flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  if (options.elideWeights)
    flags.elideLargeResourceString(/*largeResourceLimit=*/1024);
  module.print(out->os(), flags);
  out->os() << "\n";
  out->keep();
  return success();
}

// MODULE.mlir instead of an ONNX model: a module whose `func.func @main`
// (or @main_graph) works on tensors in the dialects the linalg stage takes
// (linalg, tensor, arith, math; kiln too), with the kiln.* function
// attributes of an imported model where it needs them (names, dims results,
// ranges). It goes through the same stages and gets the same ABI.
static OwningOpRef<ModuleOp> parseModelModule(MLIRContext &context,
                                              StringRef path) {
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, &context);
  if (!module)
    return nullptr;
  if (!module->lookupSymbol<func::FuncOp>(kModelFunctionName)) {
    auto main = module->lookupSymbol<func::FuncOp>("main");
    if (!main || main.isExternal()) {
      fail("expected a func.func @main in the module", path);
      return nullptr;
    }
    main.setSymName(kModelFunctionName);
  }
  return module;
}

// Weights that no op refers to any more (replaced by a folded, transposed
// or repacked copy) are freed: the resource blob manager would keep every
// version until the end, so the compiler would hold the weights several
// times over. `modules` are all that are alive (the blobs belong to the
// context).
static void releaseUnusedWeights(ArrayRef<ModuleOp> modules) {
  llvm::DenseSet<const void *> used;
  for (ModuleOp module : modules)
    module->walk([&](Operation *op) {
      op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
        used.insert(attr.getRawHandle().getResource());
      });
    });
  DialectResourceBlobManager &manager =
      DenseResourceElementsHandle::getManagerInterface(
          ModuleOp(modules.front()).getContext())
          .getBlobManager();
  std::vector<std::string> unused;
  manager.getBlobMap(
      [&](const llvm::StringMap<DialectResourceBlobManager::BlobEntry> &map) {
        for (const auto &entry : map)
          if (!used.contains(&entry.second) && entry.second.getBlob() &&
              !entry.second.getBlob()->getData().empty())
            unused.push_back(entry.getKey().str());
      });
  for (const std::string &key : unused)
    manager.lookup(key)->setBlob(AsmResourceBlob());
}

// --target=cuda and cuda-emu: the option values, checked before any work.
static LogicalResult checkCudaOptions(const CompileOptions &options,
                                      GpuPipelineOptions &gpuOptions) {
  StringRef input = options.inputPath;
  bool emulate = options.target == "cuda-emu";
  StringRef arch = options.gpuArch;
  unsigned smVersion = 0;
  if (!arch.consume_front("sm_") || arch.getAsInteger(10, smVersion) ||
      smVersion < 50) {
    fail("bad --gpu-arch '" + options.gpuArch +
             "' (expected sm_NN, e.g. sm_80 or sm_90)",
         input);
    return failure();
  }
  std::optional<gpu_kernel::Precision> precision =
      gpu_kernel::parsePrecision(options.gpuPrecision);
  if (!precision) {
    fail("bad --gpu-precision '" + options.gpuPrecision +
             "' (expected fp32, tf32, bf16 or fp16)",
         input);
    return failure();
  }
  // mma.sync with tf32/bf16 operands: Ampere (sm_80) and later.
  if (*precision != gpu_kernel::Precision::FP32 && smVersion < 80) {
    fail("--gpu-precision=" + options.gpuPrecision +
             " needs tensor cores of sm_80 or later (--gpu-arch=" +
             options.gpuArch + ")",
         input);
    return failure();
  }
  std::string flag = "--target=" + options.target;
  if (options.emit == EmitKind::Lib || options.emit == EmitKind::Shared) {
    fail(flag + " produces executables, objects, MLIR or LLVM IR "
                "(--emit=lib/shared are not supported yet)",
         input);
    return failure();
  }
  if (!options.mtriple.empty() &&
      llvm::Triple(options.mtriple).getArch() !=
          llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch()) {
    fail(flag + " compiles for the host only (no --mtriple)", input);
    return failure();
  }
  gpuOptions.gpuArch = options.gpuArch;
  gpuOptions.precision = options.gpuPrecision;
  gpuOptions.optLevel = std::min(options.optLevel, 3u);
  if (emulate) {
    // The kernels run on the host: no CUDA toolkit involved.
    gpuOptions.emulate = true;
    gpuOptions.symbolPrefix = symbolPrefix(options);
    return success();
  }
  std::string cudaPath = options.cudaPath;
  if (cudaPath.empty())
    if (const char *env = std::getenv("KILN_CUDA_PATH"))
      cudaPath = env;
  if (cudaPath.empty())
    cudaPath = "/usr/local/cuda";
  llvm::SmallString<256> ptxas(cudaPath);
  llvm::sys::path::append(ptxas, "bin", "ptxas");
  bool needsPtxas = options.emit != EmitKind::MLIR ||
                    options.stopAfter.value_or(Stage::LLVM) == Stage::LLVM;
  if (needsPtxas && !llvm::sys::fs::can_execute(ptxas)) {
    fail("--target=cuda needs the CUDA toolkit's ptxas, not found at " +
             ptxas + " (set --cuda-path or KILN_CUDA_PATH)",
         input);
    return failure();
  }
  gpuOptions.cudaPath = cudaPath;
  return success();
}

// The opt-shape specialization of `general` (a model with ranges, at the
// llvm stage without its weights extracted): the model imported again with
// every range pinned at its opt size, compiled by `runStages`, merged into
// `general` (kiln/Pipeline/Specialize.h); then the weights of both are
// extracted. Returns the specialization's signature and sets its planned
// workspace size.
static FailureOr<ModelSignature> compileSpecialization(
    MLIRContext &context, ModuleOp general, const CompileOptions &options,
    llvm::function_ref<LogicalResult(ModuleOp, StringRef)> runStages,
    uint64_t &workspaceSize, StepTimer &timer) {
  StringRef input = options.inputPath;
  auto failSpecialization = [&](const Twine &message) {
    fail(message + " (--specialize-opt=false compiles without it)", input);
    return failure();
  };
  OwningOpRef<ModuleOp> opt =
      importOnnxModel(context, input, pinnedAtOpt(options.import));
  if (!opt)
    return failSpecialization("the model does not import at its opt shape");
  timer.step("opt-shape import");
  auto graph = opt->lookupSymbol<func::FuncOp>(kModelFunctionName);
  FailureOr<ModelSignature> optSignature =
      graph ? getModelSignature(graph) : FailureOr<ModelSignature>(failure());
  if (failed(optSignature))
    return failSpecialization("internal error: no model function at the opt "
                              "shape");
  // (emitModelABI checks that it is the model at one shape in its ranges.)
  if (failed(runStages(*opt, "opt-shape ")))
    return failSpecialization("the model does not compile at its opt shape");
  if (auto size = (*opt)->getAttrOfType<IntegerAttr>("kiln.workspace_size"))
    workspaceSize = size.getInt();
  if ((*opt)->hasAttr("kiln.uses_strings"))
    general->setAttr("kiln.uses_strings", UnitAttr::get(&context));
  if (failed(mergeSpecialization(general, *opt)))
    return failure();
  PassManager pm(&context);
  pm.addPass(createKilnExtractWeights());
  if (failed(pm.run(general)))
    return failure();
  releaseUnusedWeights(general);
  timer.step("opt-shape merge");
  return optSignature;
}

int mlir::kiln::compileModel(const CompileOptions &optionsIn,
                             const char *argv0) {
  CompileOptions options = optionsIn;
  StringRef input = options.inputPath;
  if (options.outputPath.empty())
    options.outputPath = defaultOutput(options);
  // cuda-emu is the CUDA flow with its kernels run by a host emulation of
  // the GPU: everything below treats it as CUDA.
  bool cuda = options.target == "cuda" || options.target == "cuda-emu";
  if (options.target != "cpu" && !cuda)
    return fail("--target=" + options.target +
                    " is not supported by this build (supported: cpu, cuda, "
                    "cuda-emu)",
                input);
  GpuPipelineOptions gpuOptions;
  if (cuda) {
    if (failed(checkCudaOptions(options, gpuOptions)))
      return 1;
  }
  if (options.stopAfter && options.emit != EmitKind::MLIR)
    return fail("--stop-after needs --emit=mlir", input);
  if (cuda && (options.weights == WeightsPlacement::File ||
               options.emit == EmitKind::Weights))
    return fail("--target=" + options.target +
                    " keeps the weights inside the artifact (--weights=file "
                    "and --emit=weights are CPU-only for now)",
                input);

  // The target comes first: a bad --mtriple/--mcpu is reported before any
  // work, and the pipelines need its SIMD width.
  CpuTargetOptions targetOptions;
  targetOptions.triple = options.mtriple;
  targetOptions.cpu = options.mcpu;
  targetOptions.optLevel = options.optLevel;
  auto tm = createCpuTargetMachine(targetOptions);
  if (!tm)
    return failWith(tm.takeError(), input);

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    printDiagnostic(diag, input);
    return success();
  });

  StepTimer timer(options.timing);
  OwningOpRef<ModuleOp> module =
      input.ends_with(".mlir") ? parseModelModule(context, input)
                               : importOnnxModel(context, input, options.import);
  if (!module)
    return 1;
  timer.step("import");
  auto graph = module->lookupSymbol<func::FuncOp>(kModelFunctionName);
  if (!graph)
    return fail("internal error: the importer produced no @main_graph", input);
  FailureOr<ModelSignature> signature = getModelSignature(graph);
  if (failed(signature))
    return 1;
  if (cuda && signature->hasDynamicInputs())
    return fail("dynamic dimensions are not supported with --target=" +
                    options.target +
                    " yet; pin them with --input-shape NAME=DxDx... or compile "
                "for --target=cpu",
                input);
  if (cuda)
    for (const TensorSignature &t : llvm::concat<const TensorSignature>(
             signature->inputs, signature->outputs))
      if (t.dtype == 8 || t.dimsResult >= 0)
        return fail("--target=" + options.target + " does not support " +
                        std::string(t.dtype == 8 ? "string tensors"
                                                 : "data-dependent shapes") +
                        " ('" + t.name + "'); compile for --target=cpu",
                    input);

  PipelineOptions pipelineOptions;
  pipelineOptions.optLevel = options.optLevel;
  pipelineOptions.vectorBits = getNativeVectorBits(**tm);
  pipelineOptions.vectorRegisters = getNativeVectorRegisters(**tm);
  // A range with an OPT size: the model is also compiled at the opt shape
  // (kiln/Pipeline/Specialize.h); its weights are extracted with the
  // general function's, once both are in one module.
  bool specialize = !cuda && options.specializeOpt && options.optLevel > 0 &&
                    options.emit != EmitKind::MLIR &&
                    signature->hasDynamicInputs() && !input.ends_with(".mlir") &&
                    hasOptHint(options.import);
  pipelineOptions.extractWeights = !specialize;

  Stage last = options.emit == EmitKind::MLIR
                   ? options.stopAfter.value_or(Stage::LLVM)
                   : Stage::LLVM;
  // `stagedModule` through the stages, while `general` (if it is another
  // module) keeps its weights.
  ModuleOp general = *module;
  auto runStages = [&](ModuleOp stagedModule, StringRef label) {
    for (StringRef name : stageNames()) {
      Stage stage = *parseStage(name);
      if (stage > last)
        break;
      PassManager pm(&context);
      if (cuda)
        addGpuStagePasses(pm, stage, gpuOptions);
      else
        addStagePasses(pm, stage, pipelineOptions);
      if (failed(pm.run(stagedModule)))
        return failure();
      SmallVector<ModuleOp, 2> live = {general};
      if (stagedModule != general)
        live.push_back(stagedModule);
      releaseUnusedWeights(live);
      if (stage != Stage::Import)
        timer.step(label + name);
    }
    return success();
  };
  if (failed(runStages(*module, "")))
    return 1;
  std::optional<ModelSignature> optSignature;
  uint64_t optWorkspaceSize = 0;
  if (specialize) {
    FailureOr<ModelSignature> compiled =
        compileSpecialization(context, *module, options, runStages,
                              optWorkspaceSize, timer);
    if (failed(compiled))
      return 1;
    optSignature = std::move(*compiled);
  }
  if (options.emit == EmitKind::MLIR)
    return failed(printModule(*module, options)) ? 1 : 0;

  // A model compiled with ranges: the bufferize stage recorded the bounds
  // of the dynamic outputs; kiln-lower-dynamic-arguments the layout of the
  // run-time input dims, which the ABI must fill the same way.
  if (Operation *lowered = module->lookupSymbol(kModelFunctionName))
    if (failed(setOutputUpperBounds(*signature, lowered)))
      return 1;
  if (signature->hasDynamicInputs()) {
    auto layout =
        (*module)->getAttrOfType<DenseI64ArrayAttr>("kiln.dynamic_input_dims");
    if (!layout || layout.asArrayRef() !=
                       ArrayRef<int64_t>(signature->dynamicInputDims()))
      return fail("internal error: the lowered model function does not take "
                  "the run-time input dims the signature expects",
                  input);
  }

  // The memory plan (kiln-plan-workspace) records the workspace it needs.
  uint64_t workspaceSize = optWorkspaceSize;
  if (auto size = (*module)->getAttrOfType<IntegerAttr>("kiln.workspace_size"))
    workspaceSize = std::max<uint64_t>(workspaceSize, size.getInt());
  if (options.reportWorkspace && cuda) {
    // The planned buffers live on the device (kiln-gpu-device-buffers).
    uint64_t deviceSize = 0;
    if (auto size =
            (*module)->getAttrOfType<IntegerAttr>("kiln.gpu_workspace_size"))
      deviceSize = size.getInt();
    llvm::outs() << "workspace: " << deviceSize
                 << " bytes planned in device memory\n";
  } else if (options.reportWorkspace) {
    uint64_t naive = workspaceSize;
    if (auto sum =
            (*module)->getAttrOfType<IntegerAttr>("kiln.workspace_naive_size"))
      naive = sum.getInt();
    llvm::outs() << "workspace: " << workspaceSize << " bytes planned, "
                 << naive << " bytes without reuse\n";
  }

  // Dims of data-dependent outputs and the string arena follow the plan.
  signature->usesStrings = (*module)->hasAttr("kiln.uses_strings");
  workspaceSize =
      layoutWorkspace(*signature, workspaceSize, options.stringArena);

  // The weights left the code (kiln-extract-weights); the fingerprint of
  // what remains keys the weights to it.
  std::string prefix = symbolPrefix(options);
  FailureOr<std::optional<WeightTable>> takenWeights =
      takeWeightTable(*module);
  if (failed(takenWeights))
    return 1;
  std::optional<WeightTable> weights = std::move(*takenWeights);
  bool weightsInFile = false;
  std::string weightsPath;
  if (weights) {
    std::string description;
    llvm::raw_string_ostream os(description);
    // The feature list is long (with --mcpu=native every host feature):
    // it enters as a short hash.
    os << (*tm)->getTargetTriple().str() << " cpu=" << (*tm)->getTargetCPU()
       << " features=" << llvm::format_hex_no_prefix(
                              llvm::xxh3_64bits((*tm)->getTargetFeatureString()),
                              16)
       << " -O" << options.optLevel << " kiln " KILN_VERSION_STRING;
    finalizeWeightTable(*weights, *module, description);
    weightsInFile = options.weights == WeightsPlacement::File ||
                    (options.weights == WeightsPlacement::Auto &&
                     weights->fileSize() >= kAutoEmbedLimit);
    if (options.emit == EmitKind::Weights) {
      weightsPath = options.outputPath;
    } else if (options.emit == EmitKind::Exe) {
      weightsPath = options.outputPath + ".weights";
    } else {
      llvm::SmallString<256> path(
          llvm::sys::path::parent_path(options.outputPath));
      llvm::sys::path::append(path, prefix + ".weights");
      weightsPath = std::string(path);
    }
  }
  if (options.emit == EmitKind::Weights) {
    if (!weights)
      return fail("internal error: no weights table", input);
    if (auto err = writeWeightsFile(*weights, weightsPath))
      return failWith(std::move(err), input);
    return 0;
  }
  if (weightsInFile && options.emit != EmitKind::LLVMIR) {
    if (options.weights == WeightsPlacement::Auto)
      llvm::errs() << "note: " << input << ": "
                   << formatBytes(weights->dataSize)
                   << " of weights go to " << weightsPath
                   << " (--weights=auto: a file from "
                   << formatBytes(kAutoEmbedLimit)
                   << "; --weights=embed keeps them inside)\n";
    if (auto err = writeWeightsFile(*weights, weightsPath))
      return failWith(std::move(err), input);
    timer.step("weights file");
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, "kiln_model");
  if (!llvmModule)
    return fail("internal error: translation to LLVM IR failed", input);
  std::string infoSymbol = options.emit == EmitKind::Exe
                               ? std::string("kiln_exe_model")
                               : prefix + "_model_info";
  bool isLibrary = options.emit != EmitKind::Exe;
  std::string imageSymbol =
      weights && !weightsInFile ? prefix + "_weights_image" : "";
  if (auto err = emitModelABI(*llvmModule, *signature, prefix, infoSymbol,
                              workspaceSize, isLibrary,
                              weights ? &*weights : nullptr, imageSymbol,
                              optSignature ? &*optSignature : nullptr))
    return failWith(std::move(err), input);
  // The artifact checks the CPU it runs on (KILN_ERROR_CPU, not SIGILL).
  if (auto err = emitCpuCheck(*llvmModule, **tm, prefix, infoSymbol,
                              isLibrary))
    return failWith(std::move(err), input);
  if ((options.emit == EmitKind::Lib || options.emit == EmitKind::Shared) &&
      usesNativeCpu(options.mcpu, **tm))
    llvm::errs() << "note: " << input << ": " << nativeCpuNote(**tm, prefix)
                 << "\n";
  timer.step("translate");
  optimizeModule(*llvmModule, **tm, options.optLevel);
  timer.step("llvm optimize");

  if (options.emit == EmitKind::LLVMIR) {
    std::string error;
    auto out = openOutputFile(options.outputPath, &error);
    if (!out)
      return fail(error, input);
    llvmModule->print(out->os(), nullptr);
    out->keep();
    return 0;
  }
  // Embedded weights: their own object (streamed from the blobs, never
  // LLVM IR), linked next to the code's.
  llvm::Triple triple = (*tm)->getTargetTriple();
  llvm::SmallString<128> weightsObjectPath;
  std::optional<llvm::FileRemover> removeWeightsObject;
  if (!imageSymbol.empty()) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "kiln-" + prefix + "-weights", "o", weightsObjectPath))
      return fail("cannot create a temporary file: " + ec.message(), input);
    removeWeightsObject.emplace(weightsObjectPath);
    if (auto err = writeWeightsObject(*weights, triple, imageSymbol,
                                      weightsObjectPath))
      return failWith(std::move(err), input);
    timer.step("weights object");
  }

  if (options.emit == EmitKind::Obj && imageSymbol.empty()) {
    if (auto err = emitObjectFile(*llvmModule, **tm, options.outputPath))
      return failWith(std::move(err), input);
    timer.step("codegen");
    return 0;
  }

  // exe, lib, shared (and obj with embedded weights): object in a temporary
  // file, then link or archive it with the runtime.
  llvm::SmallString<128> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "kiln-" + prefix, "o", objectPath))
    return fail("cannot create a temporary file: " + ec.message(), input);
  llvm::FileRemover removeObject(objectPath);
  if (auto err = emitObjectFile(*llvmModule, **tm, objectPath))
    return failWith(std::move(err), input);
  timer.step("codegen");
  std::vector<std::string> objects = {std::string(objectPath)};
  if (!imageSymbol.empty())
    objects.push_back(std::string(weightsObjectPath));
  if (options.emit == EmitKind::Obj) {
    if (auto err = linkRelocatable(objects, triple, options.outputPath))
      return failWith(std::move(err), input);
    timer.step("link");
    return 0;
  }

  auto runtimeDir = findRuntimeDir(argv0, triple);
  if (!runtimeDir)
    return failWith(runtimeDir.takeError(), input);
  if (options.emit == EmitKind::Exe) {
    DeviceRuntime device = !cuda ? DeviceRuntime::None
                           : options.target == "cuda-emu"
                               ? DeviceRuntime::CudaEmulation
                               : DeviceRuntime::Cuda;
    if (auto err = linkExecutable(objects, *runtimeDir, triple,
                                  options.outputPath, device))
      return failWith(std::move(err), input);
    timer.step("link");
    return 0;
  }
  // lib/shared: DIR/libNAME.{a,so} and DIR/NAME.h.
  llvm::SmallString<256> headerPath(
      llvm::sys::path::parent_path(options.outputPath));
  llvm::sys::path::append(headerPath, prefix + ".h");
  if (auto err = writeTextFile(
          headerPath, generateHeader(*signature, prefix, workspaceSize, input,
                                     weights.has_value(), weightsInFile)))
    return failWith(std::move(err), input);
  if (auto err = options.emit == EmitKind::Lib
                     ? writeModelArchive(objects, *runtimeDir, prefix,
                                         options.outputPath)
                     : linkSharedLibrary(objects, *runtimeDir, triple,
                                         prefix, options.outputPath))
    return failWith(std::move(err), input);
  timer.step("link");
  return 0;
}
