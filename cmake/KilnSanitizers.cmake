# Sanitizer and fuzzer builds (README: "Sanitizers and fuzzing").
#
# KILN_ENABLE_SANITIZERS=ON: the compiler, the runtime and the test helpers
#   are built with AddressSanitizer + UndefinedBehaviorSanitizer; undefined
#   behaviour aborts (-fno-sanitize-recover). libMLIR/libLLVM/libonnx stay
#   uninstrumented (Debian's). Executables that model-compile links get the
#   sanitized runtime through bin/kiln-sanitized-cc (the lit config points
#   KILN_CC at it).
# KILN_ENABLE_FUZZERS=ON: needs clang (-DCMAKE_C_COMPILER=clang-22
#   -DCMAKE_CXX_COMPILER=clang++-22); Kiln's code is built with libFuzzer
#   coverage + ASan and tools/kiln-fuzz adds the fuzz targets. Build only those
#   targets in such a build directory (ninja kiln-onnx-fuzzer).

option(KILN_ENABLE_SANITIZERS
  "Build the compiler and runtime with AddressSanitizer + UBSan" OFF)
option(KILN_ENABLE_FUZZERS
  "Build the libFuzzer targets (needs clang, e.g. clang-22)" OFF)

set(KILN_SANITIZER_CC "")

if(KILN_ENABLE_SANITIZERS AND KILN_ENABLE_FUZZERS)
  message(FATAL_ERROR "KILN_ENABLE_SANITIZERS and KILN_ENABLE_FUZZERS need "
                      "separate build directories")
endif()

if(KILN_ENABLE_SANITIZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang" OR
     NOT CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "KILN_ENABLE_SANITIZERS needs GCC or Clang")
  endif()
  # vptr needs RTTI, which LLVM code is built without. -O0 (after the build
  # type's -O) halves the build time; the time of a compile is spent in the
  # optimized libMLIR/libLLVM anyway. The runtime keeps its own -O2.
  set(KILN_SANITIZE_FLAGS -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-sanitize=vptr)
  add_compile_options(${KILN_SANITIZE_FLAGS} -fno-omit-frame-pointer -O0)
  add_link_options(-fsanitize=address,undefined)
  list(JOIN KILN_SANITIZE_FLAGS " " KILN_SANITIZE_FLAGS_STRING)
  set(KILN_SANITIZER_CC ${PROJECT_BINARY_DIR}/bin/kiln-sanitized-cc)
  file(WRITE ${KILN_SANITIZER_CC}
    "#!/bin/sh\n"
    "# Links model-compile's outputs with the sanitized Kiln runtime.\n"
    "exec \"${CMAKE_C_COMPILER}\" ${KILN_SANITIZE_FLAGS_STRING} \"$@\"\n")
  file(CHMOD ${KILN_SANITIZER_CC} PERMISSIONS OWNER_READ OWNER_WRITE
       OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  message(STATUS "Kiln: building with ASan + UBSan")
endif()

if(KILN_ENABLE_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KILN_ENABLE_FUZZERS needs clang: configure with "
      "-DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22")
  endif()
  # Coverage for libFuzzer and ASan on Kiln's own code; libFuzzer's main is
  # linked into the fuzz targets only (tools/kiln-fuzz). -O0 as above.
  add_compile_options(-fsanitize=fuzzer-no-link,address
                      -fno-omit-frame-pointer -gline-tables-only -O0)
  add_link_options(-fsanitize=address)
  message(STATUS "Kiln: building with libFuzzer instrumentation")
endif()
