#!/usr/bin/env bash
# install-deps.sh: installs every Debian package Kiln's build, tests and demo need.
# Idempotent; run as root on Debian 12 (bookworm). LLVM/MLIR 22 comes from bookworm-security.
set -euo pipefail

PACKAGES=(
  # Build
  cmake ninja-build g++ pkg-config
  # LLVM/MLIR 22 (libMLIR.so, libLLVM.so, lit, FileCheck, clang for the runtime and cross builds)
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22 libclang-rt-22-dev
  # ONNX C++ library (protobuf classes, checker, shape inference, version converter)
  libonnx-dev libprotobuf-dev protobuf-compiler
  # Test data and scripts that make test models/references
  libonnx-testdata python3 python3-onnx python3-numpy python3-torch python3-torchvision python3-sklearn
  # An optimized BLAS for PyTorch, the bench/ baseline (without it Debian's
  # torch runs its matmuls on the reference BLAS, ~50x slower)
  libopenblas0-pthread
  # AArch64 cross-compilation (runtime built with clang-22, linked with lld) and
  # running the cross-compiled tests under qemu-user
  libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-user
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
