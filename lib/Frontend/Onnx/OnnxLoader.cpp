//===- OnnxLoader.cpp - Read, check, convert and shape-infer a model -----===//
//
// The one place that calls libonnx APIs that throw (checker, version
// converter, function expansion, shape inference). This file is compiled
// with -fexceptions; every call is wrapped so that no exception ever reaches
// LLVM/MLIR code, which is built without exception support. Diagnostics are
// emitted only outside the try blocks. Version conversion and shape
// inference, which crash on some malformed models in libonnx 1.12, run in a
// child process.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"

#include "llvm/ADT/STLExtras.h"

#include <array>
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/checker.h"
#include "onnx/defs/function.h"
#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <exception>
#include <map>
#include <memory>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#define KILN_HAVE_FORK 1
#endif

// Exported by libonnx 1.12 (check_model(path) uses it to set the model
// directory) but not declared in its checker.h.
namespace onnx::checker {
void check_model(const ModelProto &model, CheckerContext &ctx);
} // namespace onnx::checker

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_importer;

/// The opset every model is converted to (when older) before import.
static constexpr int64_t kTargetOpset = 13;
/// Nested function expansion stops after this many rounds.
static constexpr int kMaxExpansionRounds = 8;
/// The newest ai.onnx opset released (ONNX 1.18); newer models are rejected
/// rather than imported with semantics the handlers do not know.
static constexpr int64_t kNewestOpset = 23;

namespace {
/// Runs `fn`, turning any exception into an error message.
template <typename Fn>
bool runCatching(Fn &&fn, std::string &error) {
  try {
    fn();
    return true;
  } catch (const std::exception &e) {
    error = e.what();
  } catch (...) {
    error = "unknown error";
  }
  return false;
}

/// libonnx messages end with newlines and carry a "==> Context:" tail.
std::string cleanMessage(llvm::StringRef message) {
  return message.trim().str();
}

#ifdef KILN_HAVE_FORK
bool writeAll(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= n;
  }
  return true;
}
#endif

/// Runs `fn` in a child process and returns the bytes it produces. libonnx's
/// shape inference and version converter index out of bounds on some
/// malformed models (e.g. LayerNormalization with an axis beyond the rank);
/// isolating them turns such a crash into an error instead of taking the
/// compiler down. The child shares the parent's memory copy-on-write, so
/// nothing is serialized on the way in. Falls back to running in-process
/// where fork() is unavailable.
std::optional<std::string>
runIsolated(const std::function<std::string()> &fn, std::string &error) {
#ifdef KILN_HAVE_FORK
  int fds[2];
  if (::pipe(fds) == 0) {
    pid_t pid = ::fork();
    if (pid == 0) {
      // The child: no crash reporters, no core dumps, no atexit handlers.
      for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL})
        std::signal(sig, SIG_DFL);
      struct rlimit noCore = {0, 0};
      ::setrlimit(RLIMIT_CORE, &noCore);
      // What the child has to say goes through the pipe; whatever libonnx
      // or an allocation failure would print on stderr ("LLVM ERROR: out
      // of memory") must not reach the user next to the parent's error.
      int devNull = ::open("/dev/null", O_WRONLY);
      if (devNull >= 0) {
        ::dup2(devNull, STDERR_FILENO);
        ::close(devNull);
      }
      ::close(fds[0]);
      char status = 'O';
      std::string payload;
      if (!runCatching([&] { payload = fn(); }, payload))
        status = 'E';
      bool ok = writeAll(fds[1], &status, 1) &&
                writeAll(fds[1], payload.data(), payload.size());
      ::_exit(ok ? 0 : 1);
    }
    ::close(fds[1]);
    if (pid > 0) {
      std::string data;
      char chunk[1 << 16];
      for (;;) {
        ssize_t n = ::read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
          continue;
        if (n <= 0)
          break;
        data.append(chunk, n);
      }
      ::close(fds[0]);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFSIGNALED(status)) {
        error = "crashed with signal " + std::to_string(WTERMSIG(status)) +
                " (the model is probably malformed)";
        return std::nullopt;
      }
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || data.empty()) {
        error = "failed without a message";
        return std::nullopt;
      }
      if (data[0] == 'E') {
        error = data.substr(1);
        return std::nullopt;
      }
      return data.substr(1);
    }
    ::close(fds[0]);
  }
#endif
  std::string payload;
  if (!runCatching([&] { payload = fn(); }, error))
    return std::nullopt;
  return payload;
}
} // namespace

static bool isDefaultDomain(llvm::StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

/// The newest ai.onnx opset this build's libonnx has schemas for (0 if
/// unknown).
static int64_t libOnnxNewestOpset() {
  int64_t known = 0;
  std::string error;
  runCatching(
      [&] {
        const auto &ranges =
            ::onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
        auto it = ranges.find("");
        if (it != ranges.end())
          known = it->second.second;
      },
      error);
  return known;
}

/// Whether libonnx knows `opType` in the default domain at `opset`.
static bool isOnnxOperator(const std::string &opType, int64_t opset) {
  bool known = true;
  std::string error;
  runCatching(
      [&] {
        known = ::onnx::OpSchemaRegistry::Schema(opType, static_cast<int>(opset),
                                                 "") != nullptr;
      },
      error);
  return known;
}

//===----------------------------------------------------------------------===//
// Input shapes
//===----------------------------------------------------------------------===//

static std::string shapeSuggestion(const ::onnx::TensorShapeProto &shape) {
  std::string s;
  for (const auto &dim : shape.dim()) {
    if (!s.empty())
      s += "x";
    s += dim.has_dim_value() && dim.dim_value() >= 0
             ? std::to_string(dim.dim_value())
             : "N";
  }
  return s;
}

static std::string formatDims(llvm::ArrayRef<DimRange> dims) {
  std::string s;
  for (const DimRange &d : dims) {
    s += s.empty() ? "" : "x";
    s += d.isPinned() ? std::to_string(d.min)
                      : std::to_string(d.min) + ":" + std::to_string(d.max);
  }
  return s.empty() ? "scalar" : s;
}

std::optional<DimRange> mlir::kiln::parseDimRange(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ':');
  if (parts.size() > 3)
    return std::nullopt;
  std::array<int64_t, 3> values{};
  size_t count = 0;
  for (llvm::StringRef part : parts) {
    int64_t v = 0;
    if (part.getAsInteger(10, v) || v < 0)
      return std::nullopt;
    values[count++] = v;
  }
  DimRange range;
  range.min = values[0];
  range.max = values[count - 1];
  range.optGiven = count == 3;
  range.opt = range.optGiven ? values[1] : range.max;
  if (range.min > range.opt || range.opt > range.max)
    return std::nullopt;
  return range;
}

std::optional<std::vector<DimRange>>
mlir::kiln::parseShapeRanges(llvm::StringRef text) {
  if (text.empty())
    return std::nullopt;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, 'x');
  std::vector<DimRange> dims;
  for (llvm::StringRef part : parts) {
    std::optional<DimRange> range = parseDimRange(part);
    if (!range)
      return std::nullopt;
    dims.push_back(*range);
  }
  return dims;
}

bool mlir::kiln::hasOptHint(const OnnxImportOptions &options) {
  auto given = [](const DimRange &range) {
    return range.optGiven && !range.isPinned();
  };
  for (const auto &[name, shape] : options.inputShapes)
    if (llvm::any_of(shape, given))
      return true;
  return llvm::any_of(options.dimRanges,
                      [&](const auto &entry) { return given(entry.second); });
}

OnnxImportOptions mlir::kiln::pinnedAtOpt(const OnnxImportOptions &options) {
  OnnxImportOptions pinned = options;
  for (auto &[name, shape] : pinned.inputShapes)
    for (DimRange &range : shape)
      range = DimRange::pinned(range.opt);
  for (auto &[name, range] : pinned.dimRanges)
    range = DimRange::pinned(range.opt);
  return pinned;
}

std::string mlir::kiln::formatDimRange(const DimRange &range) {
  if (range.isPinned())
    return std::to_string(range.min);
  return std::to_string(range.min) + ".." + std::to_string(range.max);
}

/// Binds the dims of graph inputs from --input-shape (by input name, or by
/// the name of a symbolic dim) and --dim: a pinned dim gets its value; a
/// ranged dim keeps (or gets) a dim_param naming its symbol, whose range is
/// recorded in `symbolRanges`. Returns false if some input dim has neither.
static bool bindInputShapes(::onnx::GraphProto &graph,
                            const OnnxImportOptions &options, Location loc,
                            std::map<std::string, DimRange> &symbolRanges) {
  bool ok = true;
  llvm::StringSet<> initializers, usedKeys, dimParams;
  for (const auto &tensor : graph.initializer())
    initializers.insert(tensor.name());

  // Ranges of named dims: --dim, and --input-shape SYMBOL=N (legacy form).
  std::map<std::string, DimRange> named(options.dimRanges.begin(),
                                        options.dimRanges.end());
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (input.type().has_tensor_type())
      for (const auto &dim : input.type().tensor_type().shape().dim())
        if (dim.has_dim_param() && !dim.dim_param().empty())
          dimParams.insert(dim.dim_param());
  for (const auto &[key, dims] : options.inputShapes) {
    bool isInput = llvm::any_of(graph.input(), [&](const auto &input) {
      return input.name() == key;
    });
    if (isInput || !dimParams.contains(key))
      continue;
    if (dims.size() != 1) {
      emitError(loc) << "--input-shape " << key << "=" << formatDims(dims)
                     << ": a symbolic dimension takes a single value or range";
      ok = false;
    } else if (named.count(key) && !(named[key] == dims.front())) {
      emitError(loc) << "--input-shape " << key << " and --dim " << key
                     << " disagree";
      ok = false;
    } else {
      named[key] = dims.front();
    }
  }
  for (const auto &[key, range] : named)
    if (!dimParams.contains(key) && !options.inputShapes.count(key)) {
      emitError(loc) << "--dim names '" << key
                     << "', which is not a symbolic dimension of the "
                        "model's inputs"
                     << (dimParams.empty()
                             ? std::string()
                             : " (they are: " +
                                   llvm::join(llvm::map_range(
                                                  dimParams,
                                                  [](const auto &e) {
                                                    return e.getKey().str();
                                                  }),
                                              ", ") +
                                   ")");
      ok = false;
    }

  // A symbol's range, checked for agreement where several dims share it.
  auto bindSymbol = [&](const std::string &symbol, const DimRange &range,
                        llvm::StringRef input) {
    auto [it, inserted] = symbolRanges.emplace(symbol, range);
    if (!inserted && !(it->second == range)) {
      emitError(loc) << "input '" << input << "': dimension '" << symbol
                     << "' is given the range " << formatDimRange(range)
                     << " here and " << formatDimRange(it->second)
                     << " elsewhere; dims that share a name share a range";
      ok = false;
    }
  };

  // Inputs with an --input-shape first: the symbols they range also
  // apply where other inputs name them.
  for (int pass = 0; pass < 2; ++pass) {
  if (pass == 1)
    for (const auto &[symbol, range] : symbolRanges)
      named.emplace(symbol, range);
  for (::onnx::ValueInfoProto &input : *graph.mutable_input()) {
    const std::string &name = input.name();
    if (initializers.contains(name) ||
        options.inputShapes.count(name) != (pass == 0 ? 1u : 0u))
      continue;
    if (!input.type().has_tensor_type()) {
      emitError(loc) << "input '" << name
                     << "' is not a tensor, which is not supported";
      ok = false;
      continue;
    }
    auto *tensorType = input.mutable_type()->mutable_tensor_type();
    auto given = options.inputShapes.find(name);
    if (given != options.inputShapes.end()) {
      usedKeys.insert(name);
      const std::vector<DimRange> &dims = given->second;
      if (!tensorType->has_shape()) {
        auto *shape = tensorType->mutable_shape();
        for (size_t i = 0; i < dims.size(); ++i)
          shape->add_dim();
      }
      const auto &shape = tensorType->shape();
      if (shape.dim_size() != static_cast<int>(dims.size())) {
        emitError(loc) << "--input-shape " << name << "=" << formatDims(dims)
                       << " has rank " << dims.size() << " but input '"
                       << name << "' has rank " << shape.dim_size();
        ok = false;
        continue;
      }
      bool conflict = false;
      for (int i = 0; i < shape.dim_size() && !conflict; ++i) {
        if (shape.dim(i).has_dim_value() &&
            !(dims[i] == DimRange::pinned(shape.dim(i).dim_value()))) {
          emitError(loc) << "--input-shape " << name << "="
                         << formatDims(dims) << " conflicts with dimension "
                         << i << " of input '" << name << "', which is "
                         << shape.dim(i).dim_value();
          conflict = true;
        }
      }
      if (conflict) {
        ok = false;
        continue;
      }
      for (int i = 0; i < shape.dim_size(); ++i) {
        auto *dim = tensorType->mutable_shape()->mutable_dim(i);
        if (dims[i].isPinned()) {
          dim->set_dim_value(dims[i].min);
          continue;
        }
        // A ranged dim keeps its name (so every dim of that name shares
        // the range) or gets a unique one for shape inference to carry.
        std::string symbol = dim->has_dim_param() && !dim->dim_param().empty()
                                 ? dim->dim_param()
                                 : name + "_dim" + std::to_string(i);
        auto byName = named.find(symbol);
        if (byName != named.end() && !(byName->second == dims[i])) {
          emitError(loc) << "--input-shape " << name << "=" << formatDims(dims)
                         << " gives dimension " << i << " ('" << symbol
                         << "') the range " << formatDimRange(dims[i])
                         << ", but --dim gives it "
                         << formatDimRange(byName->second);
          ok = false;
        }
        dim->set_dim_param(symbol);
        bindSymbol(symbol, dims[i], name);
      }
      continue;
    }
    if (!tensorType->has_shape()) {
      emitError(loc) << "input '" << name
                     << "' has an unknown rank; give its shape with "
                        "--input-shape "
                     << name << "=...";
      ok = false;
      continue;
    }
    std::string unresolved, pins, ranges;
    int numUnresolved = 0;
    for (int i = 0; i < tensorType->shape().dim_size(); ++i) {
      auto *dim = tensorType->mutable_shape()->mutable_dim(i);
      if (dim->has_dim_value() && dim->dim_value() >= 0)
        continue;
      if (dim->has_dim_param()) {
        auto byName = named.find(dim->dim_param());
        if (byName != named.end()) {
          usedKeys.insert(dim->dim_param());
          if (byName->second.isPinned())
            dim->set_dim_value(byName->second.min);
          else
            bindSymbol(dim->dim_param(), byName->second, name);
          continue;
        }
      }
      ++numUnresolved;
      unresolved += (unresolved.empty() ? "" : ", ") + std::to_string(i);
      if (dim->has_dim_param() && !dim->dim_param().empty()) {
        unresolved += " ('" + dim->dim_param() + "')";
        pins += " or --dim " + dim->dim_param() + "=N";
        ranges += " or --dim " + dim->dim_param() + "=MIN:MAX";
      }
    }
    if (numUnresolved) {
      std::string shape = shapeSuggestion(tensorType->shape());
      std::string rangeShape;
      for (llvm::StringRef part : llvm::split(shape, 'x'))
        rangeShape += (rangeShape.empty() ? "" : "x") +
                      (part == "N" ? std::string("MIN:MAX") : part.str());
      emitError(loc) << "input '" << name << "' has dynamic dimension"
                     << (numUnresolved > 1 ? "s " : " ") << unresolved
                     << "; pin it with --input-shape " << name << "=" << shape
                     << pins << ", or give it a range with --input-shape "
                     << name << "=" << rangeShape << ranges;
      ok = false;
    }
  }
  }
  for (const auto &[key, dims] : options.inputShapes) {
    if (usedKeys.contains(key) || dimParams.contains(key))
      continue;
    emitError(loc) << "--input-shape names '" << key
                   << "', which is neither an input nor a symbolic "
                      "dimension of the model";
    ok = false;
  }
  for (const auto &[symbol, range] : symbolRanges)
    if (range.min < 1) {
      emitError(loc) << "dimension '" << symbol << "' has the range "
                     << formatDimRange(range)
                     << "; a dynamic dimension must be at least 1";
      ok = false;
    }
  return ok;
}

//===----------------------------------------------------------------------===//
// Constant inputs
//===----------------------------------------------------------------------===//

/// Turns the graph inputs named in options.constantInputs into initializers
/// read from TensorProto files.
static LogicalResult bindConstantInputs(::onnx::GraphProto &graph,
                                        const OnnxImportOptions &options,
                                        Location loc) {
  bool ok = true;
  for (const auto &[name, file] : options.constantInputs) {
    const ::onnx::ValueInfoProto *input = nullptr;
    for (const auto &candidate : graph.input())
      if (candidate.name() == name)
        input = &candidate;
    if (!input) {
      emitError(loc) << "--constant-input names '" << name
                     << "', which is not an input of the model";
      ok = false;
      continue;
    }
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      emitError(loc) << "cannot open '" << file
                     << "': " << buffer.getError().message();
      ok = false;
      continue;
    }
    llvm::StringRef bytes = (*buffer)->getBuffer();
    ::onnx::TensorProto tensor;
    std::string error;
    bool parsed = false;
    if (bytes.size() <= static_cast<size_t>(INT_MAX))
      runCatching(
          [&] {
            parsed = tensor.ParseFromArray(bytes.data(),
                                           static_cast<int>(bytes.size()));
          },
          error);
    if (!parsed || tensor.data_location() == ::onnx::TensorProto::EXTERNAL) {
      emitError(loc) << "cannot parse '" << file
                     << "' as an ONNX TensorProto";
      ok = false;
      continue;
    }
    const auto &declared = input->type().tensor_type();
    bool matches =
        declared.elem_type() == 0 || declared.elem_type() == tensor.data_type();
    if (declared.has_shape()) {
      matches &= declared.shape().dim_size() == tensor.dims_size();
      for (int i = 0; matches && i < tensor.dims_size(); ++i)
        if (declared.shape().dim(i).has_dim_value())
          matches &= declared.shape().dim(i).dim_value() == tensor.dims(i);
    }
    if (!matches) {
      emitError(loc) << "--constant-input " << name << ": the tensor in '"
                     << file << "' does not match the input's type";
      ok = false;
      continue;
    }
    tensor.set_name(name);
    bool replaced = false;
    for (auto &initializer : *graph.mutable_initializer())
      if (initializer.name() == name) {
        initializer = tensor;
        replaced = true;
      }
    if (!replaced)
      *graph.add_initializer() = std::move(tensor);
  }
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Graph structure
//===----------------------------------------------------------------------===//

/// The location the importer gives node `index`: its name (or
/// "<OpType>_<index>") fused with the op type, so that diagnostics read
/// `<file>: <node> (<op type>): ...`.
static Location nodeLocation(const ::onnx::NodeProto &node, int index,
                             Location fileLoc) {
  MLIRContext *context = fileLoc->getContext();
  std::string name = node.name().empty()
                         ? node.op_type() + "_" + std::to_string(index)
                         : node.name();
  return FusedLoc::get(
      context, {NameLoc::get(StringAttr::get(context, name), fileLoc)},
      StringAttr::get(context, node.op_type()));
}

/// Checks that the main graph is a well-formed dataflow graph before the
/// ONNX checker runs (which stops at the first problem and does not name
/// the node in the form the driver prints, and is skipped for opsets newer
/// than libonnx): unique graph input, initializer and node output names,
/// every node input defined, no cycles, nodes in topological order, node
/// domains imported. Reports every problem at its node. Inputs that nested
/// graphs (If/Loop bodies) capture from the outer scope are not checked
/// here.
static LogicalResult checkGraphStructure(const ::onnx::ModelProto &proto,
                                         Location fileLoc) {
  const ::onnx::GraphProto &graph = proto.graph();
  bool ok = true;
  // Graph inputs and initializers. (Before IR 4 initializers are also
  // listed as inputs; both lists must be duplicate-free on their own.)
  llvm::StringSet<> inputs, initializers;
  for (const auto &input : graph.input())
    if (!input.name().empty() && !inputs.insert(input.name()).second) {
      emitError(fileLoc) << "graph input '" << input.name()
                         << "' is declared more than once";
      ok = false;
    }
  for (const auto &tensor : graph.initializer())
    if (!tensor.name().empty() && !initializers.insert(tensor.name()).second) {
      emitError(fileLoc) << "initializer '" << tensor.name()
                         << "' is defined more than once";
      ok = false;
    }

  // The node producing each value.
  llvm::StringMap<int> producer;
  for (int i = 0; i < graph.node_size(); ++i) {
    const ::onnx::NodeProto &node = graph.node(i);
    for (const std::string &output : node.output()) {
      if (output.empty())
        continue;
      if (inputs.contains(output) || initializers.contains(output)) {
        emitError(nodeLocation(node, i, fileLoc))
            << "output '" << output << "' redefines the graph "
            << (inputs.contains(output) ? "input" : "initializer")
            << " of that name";
        ok = false;
        continue;
      }
      auto [it, inserted] = producer.try_emplace(output, i);
      if (!inserted) {
        const ::onnx::NodeProto &first = graph.node(it->second);
        std::string firstName =
            first.name().empty()
                ? first.op_type() + "_" + std::to_string(it->second)
                : first.name();
        emitError(nodeLocation(node, i, fileLoc))
            << "output '" << output << "' is also an output of node '"
            << firstName << "' (" << first.op_type() << ")";
        ok = false;
      }
    }
  }

  llvm::StringSet<> domains;
  int64_t defaultOpset = 0;
  for (const auto &opset : proto.opset_import()) {
    domains.insert(opset.domain());
    if (isDefaultDomain(opset.domain()))
      defaultOpset = opset.version();
  }
  // Op types the default domain does not have are listed here, every one;
  // the ONNX checker would stop at the first. (Not for opsets newer than
  // libonnx, whose new ops it does not know.)
  bool checkOpTypes =
      defaultOpset > 0 && defaultOpset <= libOnnxNewestOpset();
  auto nodeName = [&](int i) {
    const ::onnx::NodeProto &node = graph.node(i);
    return node.name().empty() ? node.op_type() + "_" + std::to_string(i)
                               : node.name();
  };

  // Inputs, and the edges to later nodes (either a cycle or a graph that is
  // not topologically sorted).
  std::vector<llvm::SmallVector<int, 2>> users(graph.node_size());
  std::vector<std::pair<int, std::string>> laterUses; // (node, input)
  for (int i = 0; i < graph.node_size(); ++i) {
    const ::onnx::NodeProto &node = graph.node(i);
    if (!isDefaultDomain(node.domain()) && !domains.contains(node.domain())) {
      emitError(nodeLocation(node, i, fileLoc))
          << "domain '" << node.domain()
          << "' is not imported by the model (no opset_import entry)";
      ok = false;
    } else if (checkOpTypes && isDefaultDomain(node.domain()) &&
               !isOnnxOperator(node.op_type(), defaultOpset)) {
      emitError(nodeLocation(node, i, fileLoc))
          << "'" << node.op_type()
          << "' is not an operator of the ONNX default domain (ai.onnx "
             "opset "
          << defaultOpset << ")";
      ok = false;
    }
    for (const std::string &input : node.input()) {
      if (input.empty() || inputs.contains(input) ||
          initializers.contains(input))
        continue;
      auto it = producer.find(input);
      if (it == producer.end()) {
        emitError(nodeLocation(node, i, fileLoc))
            << "input '" << input
            << "' is not a graph input, an initializer or the output of "
               "any node";
        ok = false;
        continue;
      }
      users[it->second].push_back(i);
      if (it->second >= i)
        laterUses.emplace_back(i, input);
    }
  }
  if (laterUses.empty())
    return success(ok);

  // Cycles: an iterative depth-first search over producer -> user edges;
  // each cycle found is reported once, at its first node in graph order.
  // Cycles and unsorted uses are listed up to kMaxReported each.
  constexpr int kMaxReported = 10;
  int cycles = 0;
  enum : char { Unvisited, Active, Done };
  std::vector<char> state(graph.node_size(), Unvisited);
  std::vector<bool> inCycle(graph.node_size(), false);
  std::vector<std::pair<int, size_t>> stack; // (node, next user to visit)
  for (int root = 0; root < graph.node_size(); ++root) {
    if (state[root] != Unvisited)
      continue;
    state[root] = Active;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto &[n, next] = stack.back();
      if (next == users[n].size()) {
        state[n] = Done;
        stack.pop_back();
        continue;
      }
      int user = users[n][next++];
      if (state[user] == Unvisited) {
        state[user] = Active;
        stack.emplace_back(user, 0);
        continue;
      }
      if (state[user] != Active)
        continue;
      std::vector<int> cycle;
      for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
        cycle.push_back(it->first);
        if (it->first == user)
          break;
      }
      std::reverse(cycle.begin(), cycle.end());
      if (llvm::any_of(cycle, [&](int c) { return inCycle[c]; }))
        continue;
      std::rotate(cycle.begin(), llvm::min_element(cycle), cycle.end());
      // Long cycles are shown by their first and last nodes.
      constexpr size_t kShown = 8;
      std::string path;
      for (size_t k = 0; k < cycle.size(); ++k) {
        inCycle[cycle[k]] = true;
        if (k < kShown - 2 || k + 2 >= cycle.size() || cycle.size() <= kShown)
          path += nodeName(cycle[k]) + " -> ";
        else if (k == kShown - 2)
          path += "... (" + std::to_string(cycle.size() - kShown) +
                  " more) -> ";
      }
      path += nodeName(cycle.front());
      ok = false;
      if (++cycles <= kMaxReported)
        emitError(nodeLocation(graph.node(cycle.front()), cycle.front(),
                               fileLoc))
            << "the graph has a cycle: " << path;
    }
  }

  if (cycles > kMaxReported)
    emitError(fileLoc) << (cycles - kMaxReported) << " more cycles";
  // Unsorted (acyclic) uses.
  int unsorted = 0;
  for (const auto &[i, input] : laterUses) {
    int from = producer.lookup(input);
    if (inCycle[i] && inCycle[from])
      continue;
    ok = false;
    if (++unsorted > kMaxReported)
      continue;
    emitError(nodeLocation(graph.node(i), i, fileLoc))
        << "input '" << input << "' is the output of node '"
        << nodeName(from) << "' (" << graph.node(from).op_type()
        << "), which comes later; ONNX graphs must be topologically sorted";
  }
  if (unsorted > kMaxReported)
    emitError(fileLoc) << (unsorted - kMaxReported)
                       << " more node inputs are defined by later nodes";
  return success(ok);
}

//===----------------------------------------------------------------------===//
// Function expansion
//===----------------------------------------------------------------------===//

/// Appends the body of model-local function `function`, called by `node`,
/// to `graph`: formal inputs/outputs become the call's values, internal
/// values get `prefix`, attribute references take the call's attributes.
/// (libonnx's FunctionExpandHelper needs an OpSchema, which local functions
/// do not have.)
static void expandLocalFunction(const ::onnx::NodeProto &node,
                                const ::onnx::FunctionProto &function,
                                const std::string &prefix,
                                ::onnx::GraphProto &graph) {
  std::map<std::string, std::string> rename;
  for (int i = 0; i < function.input_size(); ++i)
    rename[function.input(i)] = i < node.input_size() ? node.input(i) : "";
  for (int i = 0; i < function.output_size(); ++i)
    if (i < node.output_size() && !node.output(i).empty())
      rename[function.output(i)] = node.output(i);
  std::map<std::string, const ::onnx::AttributeProto *> attributes;
  for (const auto &attr : node.attribute())
    attributes[attr.name()] = &attr;
  auto mapName = [&](const std::string &name) -> std::string {
    if (name.empty())
      return name;
    auto it = rename.find(name);
    return it != rename.end() ? it->second : prefix + name;
  };
  for (const ::onnx::NodeProto &inner : function.node()) {
    ::onnx::NodeProto *copy = graph.add_node();
    *copy = inner;
    for (std::string &name : *copy->mutable_input())
      name = mapName(name);
    for (std::string &name : *copy->mutable_output())
      name = mapName(name);
    copy->clear_attribute();
    for (const auto &attr : inner.attribute()) {
      if (attr.ref_attr_name().empty()) {
        *copy->add_attribute() = attr;
        continue;
      }
      auto it = attributes.find(attr.ref_attr_name());
      if (it == attributes.end())
        continue;
      ::onnx::AttributeProto *bound = copy->add_attribute();
      *bound = *it->second;
      bound->set_name(attr.name());
    }
  }
}

/// Expands nodes that call model-local functions, and (with
/// `schemaFunctions`) default-domain nodes without a kiln handler whose ONNX
/// schema defines them as a function. Returns whether anything was
/// expanded; `error` is set on failure.
static bool expandFunctions(LoadedModel &model, const OnnxOpRegistry &registry,
                            bool schemaFunctions, std::string &error) {
  ::onnx::GraphProto *graph = model.proto.mutable_graph();
  std::map<std::pair<std::string, std::string>, const ::onnx::FunctionProto *>
      localFunctions;
  for (const auto &function : model.proto.functions())
    localFunctions[{function.domain(), function.name()}] = &function;

  std::map<std::string, const ::onnx::TypeProto *> types;
  for (const auto &info : graph->input())
    types[info.name()] = &info.type();
  for (const auto &info : graph->value_info())
    types[info.name()] = &info.type();
  for (const auto &info : graph->output())
    types[info.name()] = &info.type();
  std::vector<std::unique_ptr<::onnx::TypeProto>> initializerTypes;
  for (const auto &tensor : graph->initializer()) {
    auto type = std::make_unique<::onnx::TypeProto>();
    auto *tensorType = type->mutable_tensor_type();
    tensorType->set_elem_type(tensor.data_type());
    for (int64_t d : tensor.dims())
      tensorType->mutable_shape()->add_dim()->set_dim_value(d);
    types.emplace(tensor.name(), type.get());
    initializerTypes.push_back(std::move(type));
  }

  bool expanded = false;
  ::onnx::GraphProto rebuilt;
  std::vector<NodeOrigin> origins;
  bool ok = runCatching(
      [&] {
        for (int i = 0; i < graph->node_size(); ++i) {
          const ::onnx::NodeProto &node = graph->node(i);
          NodeOrigin origin;
          if (i < static_cast<int>(model.origins.size()))
            origin = model.origins[i];
          if (origin.opType.empty()) {
            origin.name = node.name().empty()
                              ? node.op_type() + "_" + std::to_string(i)
                              : node.name();
            origin.opType = node.op_type();
          }

          ::onnx::FunctionProto built;
          const ::onnx::FunctionProto *function = nullptr;
          auto local = localFunctions.find({node.domain(), node.op_type()});
          if (local != localFunctions.end()) {
            expanded = true;
            expandLocalFunction(node, *local->second, origin.name + "/",
                                rebuilt);
            origins.resize(rebuilt.node_size(), origin);
            continue;
          }
          // Default-domain ops without a handler that ONNX defines as
          // functions (e.g. MeanVarianceNormalization, Celu).
          if (schemaFunctions && isDefaultDomain(node.domain()) &&
              !registry.lookup(node.op_type(), model.opset)) {
            const ::onnx::OpSchema *schema =
                ::onnx::OpSchemaRegistry::Schema(
                    node.op_type(), static_cast<int>(model.opset), "");
            if (schema && schema->HasFunction()) {
              function = schema->GetFunction();
            } else if (schema && schema->HasContextDependentFunction()) {
              std::vector<::onnx::TypeProto> inputTypes;
              for (const std::string &input : node.input()) {
                auto it = types.find(input);
                inputTypes.push_back(it != types.end() ? *it->second
                                                       : ::onnx::TypeProto());
              }
              ::onnx::FunctionBodyBuildContextImpl ctx(node, inputTypes);
              if (schema->BuildContextDependentFunction(ctx, built))
                function = &built;
            }
          }
          if (!function) {
            *rebuilt.add_node() = node;
            origins.push_back(i < static_cast<int>(model.origins.size())
                                  ? model.origins[i]
                                  : NodeOrigin());
            continue;
          }
          expanded = true;
          ::onnx::GraphProto body;
          ::onnx::FunctionExpandHelper(node, *function, body,
                                       origin.name + "/");
          for (auto &inner : *body.mutable_node()) {
            // libonnx 1.12 binds a reference to an optional attribute the
            // call leaves unset (and that has no default) to an empty
            // AttributeProto. Drop those so the inner node sees the
            // attribute as absent: otherwise SoftmaxCrossEntropyLoss's
            // inner NegativeLogLikelihoodLoss gets ignore_index=0.
            auto *attrs = inner.mutable_attribute();
            for (int a = attrs->size() - 1; a >= 0; --a) {
              ::onnx::AttributeProto valueOnly = attrs->Get(a);
              valueOnly.clear_name();
              if (valueOnly.ByteSizeLong() == 0)
                attrs->DeleteSubrange(a, 1);
            }
            *rebuilt.add_node() = inner;
            origins.push_back(origin);
          }
        }
      },
      error);
  if (!ok || !expanded)
    return false;
  graph->mutable_node()->Swap(rebuilt.mutable_node());
  model.origins = std::move(origins);
  return true;
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

LogicalResult onnx_importer::loadOnnxModel(llvm::StringRef path,
                                           const OnnxImportOptions &options,
                                           const OnnxOpRegistry &registry,
                                           Location fileLoc,
                                           LoadedModel &model) {
  model.path = path.str();
  llvm::SmallString<256> directory(path);
  llvm::sys::path::remove_filename(directory);
  model.directory.path = directory.empty() ? "." : std::string(directory);
  if (!options.externalDataDir.empty()) {
    model.directory.path = options.externalDataDir;
    model.directory.isModelDirectory = false;
  }

  // Parsed straight from the file: the weights stored in it are held once,
  // by the protobuf, not also in a copy of the whole file.
  std::string pathString = path.str();
  int fd = ::open(pathString.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  std::error_code openError;
  if (fd < 0)
    openError = std::error_code(errno, std::generic_category());
  else if (::fstat(fd, &st) != 0)
    openError = std::error_code(errno, std::generic_category());
  else if (S_ISDIR(st.st_mode))
    openError = std::make_error_code(std::errc::is_a_directory);
  if (openError) {
    if (fd >= 0)
      ::close(fd);
    return emitError(fileLoc) << "cannot open '" << path
                              << "': " << openError.message();
  }
  std::string error;
  bool parsed = false;
  if (!S_ISREG(st.st_mode) ||
      (st.st_size > 0 && st.st_size <= static_cast<off_t>(INT_MAX)))
    runCatching([&] { parsed = model.proto.ParseFromFileDescriptor(fd); },
                error);
  ::close(fd);
  // An empty file or unrelated protobuf parses "successfully" into a model
  // without a graph.
  if (!parsed || !model.proto.has_graph())
    return emitError(fileLoc) << "cannot parse '" << path
                              << "' as an ONNX model";

  bool importsDefault = false;
  for (const auto &opset : model.proto.opset_import())
    if (isDefaultDomain(opset.domain())) {
      importsDefault = true;
      model.originalOpset = opset.version();
    }
  if (!importsDefault)
    return emitError(fileLoc)
           << "the model does not import the default ONNX opset (ai.onnx)";
  if (model.originalOpset < 1)
    return emitError(fileLoc)
           << "the model imports ai.onnx opset " << model.originalOpset
           << ", which does not exist (opsets start at 1)";
  if (model.originalOpset > kNewestOpset)
    return emitError(fileLoc)
           << "the model imports ai.onnx opset " << model.originalOpset
           << ", newer than the newest opset Kiln supports (" << kNewestOpset
           << ")";
  model.opset = model.originalOpset;

  // Untrusted models: no external data path may leave its directory or
  // name a FIFO or device (which a read would block on); checked before
  // anything (the ONNX checker included) looks at the files.
  if (failed(verifyExternalDataPaths(model.proto, model.directory, fileLoc)))
    return failure();

  if (failed(bindConstantInputs(*model.proto.mutable_graph(), options,
                                fileLoc)) ||
      failed(checkGraphStructure(model.proto, fileLoc)))
    return failure();

  // libonnx checks and infers a newer opset with the schemas of the last one
  // it knows, which rejects or mis-infers ops that changed since (e.g.
  // ReduceMean taking axes as an input in opset 18). Such models are
  // imported with the kiln handlers' own checks only.
  int64_t knownOpset = libOnnxNewestOpset();
  bool newerThanLibOnnx = knownOpset > 0 && model.opset > knownOpset;
  if (newerThanLibOnnx)
    emitWarning(fileLoc) << "the model uses opset " << model.opset
                         << ", newer than the " << knownOpset
                         << " this build's ONNX library knows; it is imported "
                            "without the ONNX checker and shape inference";

  // The checker resolves external data relative to the model's directory.
  ::onnx::checker::CheckerContext checkerContext;
  checkerContext.set_model_dir(model.directory.path);
  if (!newerThanLibOnnx &&
      !runCatching(
          [&] { ::onnx::checker::check_model(model.proto, checkerContext); },
          error))
    return emitError(fileLoc) << "invalid ONNX model: " << cleanMessage(error);

  model.hasInputShapeErrors = !bindInputShapes(
      *model.proto.mutable_graph(), options, fileLoc, model.symbolRanges);

  // libonnx reads tensor data without checking its size: verify every
  // initializer and tensor attribute first.
  bool tensorsOk = true;
  for (const auto &tensor : model.proto.graph().initializer())
    tensorsOk &= succeeded(verifyTensorProto(
        tensor, model.directory, fileLoc,
        "initializer '" + tensor.name() + "'"));
  for (const auto &node : model.proto.graph().node())
    for (const auto &attr : node.attribute())
      if (attr.has_t())
        tensorsOk &= succeeded(verifyTensorProto(
            attr.t(), model.directory, fileLoc,
            "attribute '" + attr.name() + "' of node '" + node.name() + "'"));
  if (!tensorsOk)
    return failure();

  if (model.opset < kTargetOpset) {
    std::optional<std::string> converted = runIsolated(
        [&] {
          return ::onnx::version_conversion::ConvertVersion(
                     model.proto, static_cast<int>(kTargetOpset))
              .SerializeAsString();
        },
        error);
    // If conversion fails the graph is imported with its own opset; nodes
    // without handlers for that opset are reported as unsupported.
    ::onnx::ModelProto convertedModel;
    if (converted && converted->size() <= static_cast<size_t>(INT_MAX) &&
        convertedModel.ParseFromArray(converted->data(),
                                      static_cast<int>(converted->size()))) {
      model.proto = std::move(convertedModel);
      model.opset = kTargetOpset;
    }
  }

  // Shape inference adds value_info and refines the outputs' types; only
  // those come back from the child process.
  auto inferShapes = [&] {
    std::optional<std::string> inferred = runIsolated(
        [&] {
          ::onnx::ShapeInferenceOptions inferenceOptions(
              /*check_type=*/false, /*strict_mode=*/0, /*data_prop=*/true);
          ::onnx::shape_inference::InferShapes(
              model.proto, ::onnx::OpSchemaRegistry::Instance(),
              inferenceOptions);
          ::onnx::GraphProto types;
          *types.mutable_value_info() = model.proto.graph().value_info();
          *types.mutable_output() = model.proto.graph().output();
          return types.SerializeAsString();
        },
        error);
    ::onnx::GraphProto types;
    if (!inferred || inferred->size() > static_cast<size_t>(INT_MAX) ||
        !types.ParseFromArray(inferred->data(),
                              static_cast<int>(inferred->size()))) {
      if (inferred)
        error = "cannot read its result";
      return false;
    }
    ::onnx::GraphProto *graph = model.proto.mutable_graph();
    graph->mutable_value_info()->Swap(types.mutable_value_info());
    if (types.output_size() == graph->output_size())
      graph->mutable_output()->Swap(types.mutable_output());
    return true;
  };
  bool useLibOnnx = !newerThanLibOnnx;
  if (useLibOnnx && !inferShapes())
    return emitError(fileLoc) << "ONNX shape inference failed: "
                              << cleanMessage(error);

  for (int round = 0; round < kMaxExpansionRounds; ++round) {
    error.clear();
    if (!expandFunctions(model, registry, /*schemaFunctions=*/useLibOnnx,
                         error)) {
      if (!error.empty())
        return emitError(fileLoc)
               << "cannot expand an ONNX function: " << cleanMessage(error);
      break;
    }
    if (useLibOnnx && !inferShapes())
      return emitError(fileLoc) << "ONNX shape inference failed: "
                                << cleanMessage(error);
  }
  return success();
}
