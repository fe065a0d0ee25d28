//===- Linker.cpp - Link model objects with the Kiln runtime --------------===//
//
// The system C compiler driver links (it knows the C library's start files
// and search paths); clang-22 is used for cross targets.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/Linker.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;

static bool isHostTriple(const Triple &triple) {
  Triple host(sys::getDefaultTargetTriple());
  return host.getArch() == triple.getArch() && host.getOS() == triple.getOS();
}

Expected<std::string> mlir::kiln::findRuntimeDir(const char *argv0,
                                                 const Triple &triple) {
  static int anchor;
  std::string exe = sys::fs::getMainExecutable(argv0, &anchor);
  SmallString<256> dir(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(dir, "lib");
  if (!isHostTriple(triple))
    sys::path::append(dir, triple.str());
  SmallString<256> archive(dir);
  sys::path::append(archive, "libkiln_runtime.a");
  if (!sys::fs::exists(archive))
    return createStringError(inconvertibleErrorCode(),
                             "the Kiln runtime for '" + triple.str() +
                                 "' is not installed (looked for " + archive +
                                 ")");
  return std::string(dir);
}

// The C compiler driver used as the linker: $KILN_CC, else cc (host) or
// clang-22 / clang (any target).
static Expected<std::string> findLinkerDriver(const Triple &triple) {
  if (const char *env = std::getenv("KILN_CC"))
    if (*env)
      return std::string(env);
  std::vector<StringRef> candidates;
  if (isHostTriple(triple))
    candidates = {"cc", "clang-22", "clang", "gcc"};
  else
    candidates = {"clang-22", "clang"};
  for (StringRef name : candidates)
    if (auto path = sys::findProgramByName(name))
      return *path;
  // Debian's clang-22 lives outside PATH.
  if (sys::fs::can_execute("/usr/lib/llvm-22/bin/clang"))
    return std::string("/usr/lib/llvm-22/bin/clang");
  return createStringError(inconvertibleErrorCode(),
                           "no C compiler found to link the executable "
                           "(install cc or clang, or set KILN_CC)");
}

// Runs the C compiler driver for `triple` with `args` to produce `output`.
static Error runLinker(const Triple &triple, ArrayRef<std::string> args,
                       StringRef outputPath) {
  auto driver = findLinkerDriver(triple);
  if (!driver)
    return driver.takeError();
  std::vector<std::string> argv = {*driver};
  if (!isHostTriple(triple)) {
    argv.push_back("--target=" + triple.str());
    argv.push_back("-fuse-ld=lld");
  }
  argv.push_back("-o");
  argv.push_back(outputPath.str());
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<StringRef> argRefs(argv.begin(), argv.end());

  std::string errMsg;
  int rc = sys::ExecuteAndWait(argv[0], argRefs, std::nullopt, {}, 0, 0,
                               &errMsg);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking '" + outputPath + "' failed (" +
                                 argv[0] + " exited with " + Twine(rc) +
                                 (errMsg.empty() ? "" : ": " + errMsg) + ")");
  return Error::success();
}

static std::string runtimeArchive(StringRef runtimeDir, StringRef name) {
  SmallString<256> path(runtimeDir);
  sys::path::append(path, name);
  return std::string(path);
}

Error mlir::kiln::linkExecutable(ArrayRef<std::string> objectPaths,
                                 StringRef runtimeDir, const Triple &triple,
                                 StringRef outputPath, DeviceRuntime device) {
  std::vector<std::string> args(objectPaths.begin(), objectPaths.end());
  args.push_back(runtimeArchive(runtimeDir, "libkiln_main.a"));
  if (device != DeviceRuntime::None) {
    bool emulation = device == DeviceRuntime::CudaEmulation;
    std::string archive = runtimeArchive(
        runtimeDir, emulation ? "libkiln_cuda_emu.a" : "libkiln_cuda.a");
    if (!sys::fs::exists(archive))
      return createStringError(inconvertibleErrorCode(),
                               Twine("the Kiln CUDA ") +
                                   (emulation ? "emulation " : "") +
                                   "runtime is not installed (looked for " +
                                   archive + ")");
    args.push_back(archive);
  }
  args.push_back(runtimeArchive(runtimeDir, "libkiln_runtime.a"));
  args.push_back("-lm");
  args.push_back("-lpthread");
  if (device == DeviceRuntime::Cuda)
    args.push_back("-ldl");
  return runLinker(triple, args, outputPath);
}

Error mlir::kiln::linkSharedLibrary(ArrayRef<std::string> objectPaths,
                                    StringRef runtimeDir,
                                    const Triple &triple, StringRef prefix,
                                    StringRef outputPath) {
  // Only the model's API is exported; the runtime's services stay inside.
  SmallString<128> scriptPath;
  if (std::error_code ec = sys::fs::createTemporaryFile("kiln-exports", "map",
                                                        scriptPath))
    return createStringError(ec, "cannot create a temporary file: " +
                                     ec.message());
  FileRemover removeScript(scriptPath);
  {
    std::error_code ec;
    raw_fd_ostream script(scriptPath, ec);
    if (ec)
      return createStringError(ec, "cannot write '" + scriptPath + "'");
    script << "{\n  global: " << prefix << "_*;\n  local: *;\n};\n";
  }
  std::vector<std::string> args = {"-shared"};
  args.insert(args.end(), objectPaths.begin(), objectPaths.end());
  args.insert(args.end(),
              {runtimeArchive(runtimeDir, "libkiln_runtime.a"), "-lm",
               "-lpthread", "-Wl,--version-script=" + scriptPath.str().str()});
  return runLinker(triple, args, outputPath);
}

Error mlir::kiln::linkRelocatable(ArrayRef<std::string> objectPaths,
                                  const Triple &triple, StringRef outputPath) {
  std::vector<std::string> args = {"-r", "-nostdlib"};
  args.insert(args.end(), objectPaths.begin(), objectPaths.end());
  return runLinker(triple, args, outputPath);
}
