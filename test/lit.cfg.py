# -*- Python -*-
# lit configuration of the Kiln test suites.
import os
import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "KILN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".onnxtxt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "README.md"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%kiln_obj", config.kiln_obj_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

# Python scripts that make test data import shared helpers from test/utils.
config.environment["PYTHONPATH"] = os.path.join(config.kiln_src_root, "test", "utils")
# Keep torch/numpy single-threaded and quiet so tests are deterministic.
config.environment["OMP_NUM_THREADS"] = "1"

tool_dirs = [config.kiln_tools_dir, config.llvm_tools_dir]
tools = ["model-opt", "model-compile", "FileCheck", "not", "count"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.kiln_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Long-running end-to-end tests (real models) can be left out with
# `lit --param kiln_quick=1`.
if lit_config.params.get("kiln_quick"):
    config.available_features.add("quick")

# AArch64 cross tests need the cross runtime (built when the AArch64 C library
# is installed) and qemu-user to run the executables.
import shutil
if (os.path.exists(os.path.join(config.kiln_lib_dir, "aarch64-unknown-linux-gnu",
                                "libkiln_runtime.a"))
        and shutil.which("qemu-aarch64")):
    config.available_features.add("aarch64-cross")
    config.substitutions.append(
        ("%run_aarch64", "qemu-aarch64 -L /usr/aarch64-linux-gnu"))

# The CPU feature check runs x86-64 executables under qemu-user with CPUs
# that lack features (-cpu Haswell: no AVX-512; -cpu Nehalem: no AVX).
import platform
if platform.machine() in ("x86_64", "AMD64") and shutil.which("qemu-x86_64"):
    config.available_features.add("qemu-x86_64")

# KILN_ENABLE_SANITIZERS builds: executables link the sanitized runtime
# (KILN_CC), and the tests that link the runtime without the sanitizers'
# runtime libraries (plain cc/CMake programs, the AArch64 cross runtime) or
# check that executables need no shared library (check_deps.py) do not apply.
# %cc: the C compiler for test programs that link a model archive (the
# sanitized build's archives need the sanitizers' runtime libraries).
config.substitutions.append(("%cc", config.kiln_sanitizer_cc or "cc"))
if config.kiln_sanitizer_cc:
    config.available_features.add("sanitizers")
    config.environment["KILN_CC"] = config.kiln_sanitizer_cc
    config.excludes += ["examples", "standalone_deps.test", "emit-lib.test",
                        "aarch64.test", "e2e-mlp.test", "cpu_check.test",
                        "cpu_check_aarch64.test"]
