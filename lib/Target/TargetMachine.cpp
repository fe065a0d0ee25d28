//===- TargetMachine.cpp - Host/cross CPU target description --------------===//
#include "kiln/Target/TargetMachine.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

static void initializeTargets() {
  static bool done = [] {
    InitializeAllTargetInfos();
    InitializeAllTargets();
    InitializeAllTargetMCs();
    InitializeAllAsmPrinters();
    InitializeAllAsmParsers();
    return true;
  }();
  (void)done;
}

Expected<std::unique_ptr<TargetMachine>>
mlir::kiln::createCpuTargetMachine(const CpuTargetOptions &options) {
  initializeTargets();
  std::string tripleStr = options.triple.empty()
                              ? sys::getDefaultTargetTriple()
                              : Triple::normalize(options.triple);
  Triple triple(tripleStr);
  std::string error;
  const Target *target = TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return createStringError(inconvertibleErrorCode(),
                             "unsupported target triple '" + tripleStr +
                                 "': " + error);

  bool host = options.triple.empty() ||
              Triple(sys::getDefaultTargetTriple()).getArch() ==
                  triple.getArch();
  // No CPU given: the host's own for host code, a generic one otherwise.
  std::string cpu = options.cpu.empty() ? (host ? "native" : "generic")
                                        : options.cpu;
  bool native = cpu == "native";
  SubtargetFeatures features;
  if (native) {
    if (!host)
      return createStringError(
          inconvertibleErrorCode(),
          "--mcpu=native needs a host target; name a CPU for '" + tripleStr +
              "' (e.g. --mcpu=generic)");
    cpu = sys::getHostCPUName().str();
    for (const auto &feature : sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
  }
  if (!options.features.empty())
    features.addFeaturesVector(
        SmallVector<std::string>(llvm::split(options.features, ',')));

  std::unique_ptr<MCSubtargetInfo> sti(
      target->createMCSubtargetInfo(triple, cpu, features.getString()));
  if (!sti || (!native && !sti->isCPUStringValid(cpu)))
    return createStringError(inconvertibleErrorCode(),
                             "unknown CPU '" + cpu + "' for target '" +
                                 tripleStr + "'");

  CodeGenOptLevel level = options.optLevel == 0   ? CodeGenOptLevel::None
                          : options.optLevel == 1 ? CodeGenOptLevel::Less
                          : options.optLevel == 2 ? CodeGenOptLevel::Default
                                                  : CodeGenOptLevel::Aggressive;
  TargetOptions targetOptions;
  std::unique_ptr<TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features.getString(), targetOptions, Reloc::PIC_,
      std::nullopt, level));
  if (!tm)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for '" +
                                 tripleStr + "'");
  return tm;
}

unsigned mlir::kiln::getNativeVectorBits(const TargetMachine &tm) {
  const MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  if (tm.getTargetTriple().isX86()) {
    if (sti->checkFeatures("+avx512f"))
      return 512;
    if (sti->checkFeatures("+avx2") || sti->checkFeatures("+avx"))
      return 256;
  }
  return 128; // SSE, NEON and everything else.
}

unsigned mlir::kiln::getNativeVectorRegisters(const TargetMachine &tm) {
  if (tm.getTargetTriple().isX86())
    return tm.getMCSubtargetInfo()->checkFeatures("+avx512f") ? 32 : 16;
  return 32; // AArch64 NEON/SVE; the default elsewhere.
}
