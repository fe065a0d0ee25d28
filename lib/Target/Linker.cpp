//===- Linker.cpp - Link model objects with the Kiln runtime --------------===//
//
// The system C compiler driver links (it knows the C library's start files
// and search paths); clang-22 is used for cross targets.
//
//===----------------------------------------------------------------------===//
#include "kiln/Target/Linker.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
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

Error mlir::kiln::linkExecutable(StringRef objectPath, StringRef runtimeDir,
                                 const Triple &triple, StringRef outputPath) {
  auto driver = findLinkerDriver(triple);
  if (!driver)
    return driver.takeError();
  SmallString<256> mainLib(runtimeDir), runtimeLib(runtimeDir);
  sys::path::append(mainLib, "libkiln_main.a");
  sys::path::append(runtimeLib, "libkiln_runtime.a");

  std::vector<std::string> args = {*driver};
  if (!isHostTriple(triple)) {
    args.push_back("--target=" + triple.str());
    args.push_back("-fuse-ld=lld");
  }
  for (std::string a : {std::string("-o"), outputPath.str(), objectPath.str(),
                        std::string(mainLib), std::string(runtimeLib),
                        std::string("-lm"), std::string("-lpthread")})
    args.push_back(a);
  std::vector<StringRef> argRefs(args.begin(), args.end());

  std::string errMsg;
  int rc = sys::ExecuteAndWait(args[0], argRefs, std::nullopt, {}, 0, 0,
                               &errMsg);
  if (rc != 0)
    return createStringError(inconvertibleErrorCode(),
                             "linking '" + outputPath + "' failed (" +
                                 args[0] + " exited with " + Twine(rc) +
                                 (errMsg.empty() ? "" : ": " + errMsg) + ")");
  return Error::success();
}
