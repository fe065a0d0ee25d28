//===- CpuCheck.cpp - The CPU features a compiled model needs -------------===//
#include "kiln/Target/CpuCheck.h"

#include "kiln/Target/ModelABI.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;
using namespace mlir::kiln;

namespace {
// enum kiln_cpu_arch of include/kiln/runtime.h.
enum CpuArch : int32_t { kArchOther = 0, kArchX86_64 = 1, kArchAArch64 = 2 };

struct TableEntry {
  const char *name;
  int level; // x86-64-vN (x86 only; 0: none)
};

const TableEntry kX86Features[] = {
#define KILN_X86_FEATURE(name, leaf, subleaf, reg, bit, state, level)          \
  {name, level},
#include "kiln/cpu_features.def"
#undef KILN_X86_FEATURE
};

const TableEntry kAArch64Features[] = {
#define KILN_AARCH64_FEATURE(name, hwcap, bit) {name, 0},
#include "kiln/cpu_features.def"
#undef KILN_AARCH64_FEATURE
};
} // namespace

static CpuArch archOf(const Triple &triple) {
  if (triple.getArch() == Triple::x86_64)
    return kArchX86_64;
  if (triple.getArch() == Triple::aarch64)
    return kArchAArch64;
  return kArchOther;
}

static ArrayRef<TableEntry> tableOf(CpuArch arch) {
  if (arch == kArchX86_64)
    return kX86Features;
  if (arch == kArchAArch64)
    return kAArch64Features;
  return {};
}

// Whether `tm` has the feature `name` (false for a name this LLVM does not
// know: looked up, never passed to checkFeatures, which aborts on those).
static bool hasFeature(const TargetMachine &tm, StringRef name) {
  const MCSubtargetInfo *sti = tm.getMCSubtargetInfo();
  for (const SubtargetFeatureKV &kv : sti->getAllProcessorFeatures())
    if (name == kv.Key)
      return sti->getFeatureBits()[kv.Value];
  return false;
}

CpuRequirements mlir::kiln::getCpuRequirements(const TargetMachine &tm) {
  CpuRequirements req;
  req.cpu = tm.getTargetCPU().str();
  CpuArch arch = archOf(tm.getTargetTriple());
  req.arch = arch;
  for (const TableEntry &entry : tableOf(arch))
    if (hasFeature(tm, entry.name))
      req.features.push_back(entry.name);
  return req;
}

// The baseline CPU of an architecture the check covers.
static StringRef baselineCpu(CpuArch arch) {
  return arch == kArchX86_64 ? "x86-64" : "generic";
}

// Compiles `fn` for the baseline: it may run before the check.
static void setBaseline(Function &fn, CpuArch arch) {
  fn.addFnAttr("target-cpu", baselineCpu(arch));
  fn.addFnAttr("target-features", "");
  fn.removeFnAttr("tune-cpu");
}

// Renames `fn` (<prefix>_run or _run_dims) to an internal function and puts
// under its name one that checks the CPU first: KILN_ERROR_CPU, or the
// result of `fn`. Its users (the model info, _run calling _run_dims) get
// the checking one.
static void guardEntry(Function *fn, Constant *requirements,
                       FunctionCallee check) {
  Module &m = *fn->getParent();
  std::string name = fn->getName().str();
  fn->setName(name + "_unchecked");
  fn->setLinkage(GlobalValue::InternalLinkage);
  Function *guarded = Function::Create(fn->getFunctionType(),
                                       GlobalValue::ExternalLinkage, name, m);
  fn->replaceAllUsesWith(guarded);
  for (auto [from, to] : llvm::zip(fn->args(), guarded->args()))
    to.setName(from.getName());
  LLVMContext &ctx = m.getContext();
  auto *entry = BasicBlock::Create(ctx, "entry", guarded);
  auto *run = BasicBlock::Create(ctx, "cpu_ok", guarded);
  auto *fail = BasicBlock::Create(ctx, "cpu_lacks", guarded);
  IRBuilder<> b(entry);
  llvm::Value *status = b.CreateCall(check, {requirements});
  b.CreateCondBr(b.CreateICmpEQ(status, b.getInt32(0)), run, fail);
  b.SetInsertPoint(fail);
  b.CreateRet(status);
  b.SetInsertPoint(run);
  SmallVector<llvm::Value *> args;
  for (Argument &arg : guarded->args())
    args.push_back(&arg);
  b.CreateRet(b.CreateCall(fn, args));
}

Error mlir::kiln::emitCpuCheck(Module &m, const TargetMachine &tm,
                               StringRef prefix, StringRef infoSymbol,
                               bool withLibraryAPI) {
  CpuRequirements req = getCpuRequirements(tm);
  auto arch = static_cast<CpuArch>(req.arch);
  LLVMContext &ctx = m.getContext();
  auto *ptrTy = PointerType::getUnqual(ctx);
  auto *i32Ty = llvm::Type::getInt32Ty(ctx);
  auto string = [&](StringRef s, const Twine &what) -> Constant * {
    auto *g = new GlobalVariable(
        m, ArrayType::get(llvm::Type::getInt8Ty(ctx), s.size() + 1),
        /*isConstant=*/true, GlobalValue::PrivateLinkage,
        ConstantDataArray::getString(ctx, s), prefix + "_cpu_" + what);
    g->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    return g;
  };

  // struct kiln_cpu_requirements { const char *subject, *cpu; int32 arch,
  //   num_features; const char *const *features; int32 status;
  //   char message[1024]; }
  auto *messageTy = ArrayType::get(llvm::Type::getInt8Ty(ctx), 1024);
  auto *reqTy = StructType::get(
      ctx, {ptrTy, ptrTy, i32Ty, i32Ty, ptrTy, i32Ty, messageTy});
  std::vector<Constant *> names;
  for (auto [i, name] : llvm::enumerate(req.features))
    names.push_back(string(name, "feature" + Twine(i)));
  Constant *features = ConstantPointerNull::get(ptrTy);
  if (!names.empty()) {
    auto *tableTy = ArrayType::get(ptrTy, names.size());
    features = new GlobalVariable(
        m, tableTy, /*isConstant=*/true, GlobalValue::PrivateLinkage,
        ConstantArray::get(tableTy, names), prefix + "_cpu_features");
  }
  std::string subject = withLibraryAPI ? ("model '" + prefix + "'").str()
                                       : std::string("this executable");
  auto *requirements = new GlobalVariable(
      m, reqTy, /*isConstant=*/false, GlobalValue::InternalLinkage,
      ConstantStruct::get(reqTy,
                          {string(subject, "subject"), string(req.cpu, "name"),
                           ConstantInt::get(i32Ty, req.arch),
                           ConstantInt::get(i32Ty, req.features.size()),
                           features, ConstantInt::get(i32Ty, 0),
                           ConstantAggregateZero::get(messageTy)}),
      prefix + "_cpu_requirements");

  // The model info points at it (the executable's start-up check).
  GlobalVariable *info = m.getNamedGlobal(infoSymbol);
  auto *infoInit =
      info ? dyn_cast_or_null<ConstantStruct>(info->getInitializer()) : nullptr;
  if (!infoInit || infoInit->getNumOperands() <= kModelInfoCpuField ||
      !infoInit->getOperand(kModelInfoCpuField)->isNullValue())
    return createStringError(inconvertibleErrorCode(),
                             "internal error: no model info '" + infoSymbol +
                                 "' with an empty cpu field");
  SmallVector<Constant *> fields;
  for (unsigned i = 0; i < infoInit->getNumOperands(); ++i)
    fields.push_back(infoInit->getOperand(i));
  fields[kModelInfoCpuField] = requirements;
  info->setInitializer(ConstantStruct::get(infoInit->getType(), fields));

  // Every entry that runs model code checks first.
  FunctionCallee check = m.getOrInsertFunction(
      "kiln_cpu_check", llvm::FunctionType::get(i32Ty, {ptrTy}, false));
  FunctionCallee message = m.getOrInsertFunction(
      "kiln_cpu_message", llvm::FunctionType::get(ptrTy, {ptrTy}, false));
  for (StringRef entry : {"_run_dims", "_run"}) {
    Function *fn = m.getFunction((prefix + entry).str());
    if (!fn || fn->isDeclaration())
      continue;
    guardEntry(fn, requirements, check);
  }
  if (!m.getFunction((prefix + "_run").str()))
    return createStringError(inconvertibleErrorCode(),
                             "internal error: no " + prefix + "_run");

  if (withLibraryAPI) {
    // int <prefix>_cpu_supported(void)
    auto *supported = Function::Create(llvm::FunctionType::get(i32Ty, false),
                                       GlobalValue::ExternalLinkage,
                                       prefix + "_cpu_supported", m);
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", supported));
    b.CreateRet(b.CreateZExt(
        b.CreateICmpEQ(b.CreateCall(check, {requirements}), b.getInt32(0)),
        i32Ty));

    // <prefix>_error_message(KILN_ERROR_CPU): why, from the check.
    Function *base = m.getFunction((prefix + "_error_message").str());
    if (!base || base->isDeclaration())
      return createStringError(inconvertibleErrorCode(), "internal error: no " +
                                                             prefix +
                                                             "_error_message");
    std::string name = base->getName().str();
    base->setName(name + "_base");
    base->setLinkage(GlobalValue::InternalLinkage);
    if (arch != kArchOther)
      setBaseline(*base, arch);
    auto *fn = Function::Create(base->getFunctionType(),
                                GlobalValue::ExternalLinkage, name, m);
    base->replaceAllUsesWith(fn);
    auto *entry = BasicBlock::Create(ctx, "entry", fn);
    auto *cpu = BasicBlock::Create(ctx, "cpu", fn);
    auto *other = BasicBlock::Create(ctx, "other", fn);
    b.SetInsertPoint(entry);
    b.CreateCondBr(b.CreateICmpEQ(fn->getArg(0), b.getInt32(kErrorCpu)), cpu,
                   other);
    b.SetInsertPoint(cpu);
    b.CreateRet(b.CreateCall(message, {requirements}));
    b.SetInsertPoint(other);
    b.CreateRet(b.CreateCall(base, {fn->getArg(0)}));
  }

  // Nothing that runs before the check may need the features: the exported
  // functions and the static constructors/destructors are compiled for the
  // baseline. (The model's own code stays internal to them, and is not
  // inlined into them: its features are not a subset of the baseline's.)
  if (arch == kArchOther)
    return Error::success();
  for (Function &fn : m.functions())
    if (!fn.isDeclaration() && !fn.hasLocalLinkage())
      setBaseline(fn, arch);
  for (StringRef list : {"llvm.global_ctors", "llvm.global_dtors"}) {
    GlobalVariable *g = m.getNamedGlobal(list);
    auto *entries =
        g ? dyn_cast_or_null<ConstantArray>(g->getInitializer()) : nullptr;
    if (!entries)
      continue;
    for (llvm::Value *entry : entries->operand_values())
      if (auto *s = dyn_cast<ConstantStruct>(entry))
        if (auto *ctor = dyn_cast<Function>(s->getOperand(1)))
          if (!ctor->isDeclaration())
            setBaseline(*ctor, arch);
  }
  return Error::success();
}

bool mlir::kiln::usesNativeCpu(StringRef mcpu, const TargetMachine &tm) {
  if (mcpu == "native")
    return true;
  return mcpu.empty() && Triple(sys::getDefaultTargetTriple()).getArch() ==
                             tm.getTargetTriple().getArch();
}

std::string mlir::kiln::nativeCpuNote(const TargetMachine &tm,
                                      StringRef prefix) {
  CpuRequirements req = getCpuRequirements(tm);
  auto arch = static_cast<CpuArch>(req.arch);
  // On x86-64, the highest x86-64-vN level whose features it has all of
  // stands for them (as in the runtime's message) and is the suggestion.
  int level = 0;
  if (arch == kArchX86_64) {
    level = 4;
    for (const TableEntry &entry : kX86Features)
      if (entry.level && entry.level <= level &&
          !llvm::is_contained(req.features, entry.name))
        level = entry.level - 1;
  }
  std::string suggestion = baselineCpu(arch).str();
  std::vector<std::string> needs;
  if (level >= 2) {
    suggestion = "x86-64-v" + std::to_string(level);
    needs.push_back(suggestion);
  }
  for (const std::string &name : req.features)
    if (!llvm::any_of(kX86Features, [&](const TableEntry &entry) {
          return arch == kArchX86_64 && entry.level && entry.level <= level &&
                 name == entry.name;
        }))
      needs.push_back(name);
  std::string note =
      "compiled for this machine's CPU (--mcpu=native: " + req.cpu + ")";
  if (!needs.empty())
    note += ", so the library needs " + llvm::join(needs, ", ") +
            "; on a CPU without them " + prefix.str() + "_run returns " +
            prefix.str() + "_ERROR_CPU";
  return note +
         ". To deploy on other machines, compile with --mcpu=" + suggestion +
         " (or the oldest CPU it must run on)";
}
