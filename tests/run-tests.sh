#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds shimgate from scratch in BUILD_DIR (default: build) and runs the whole test suite:
# unit, vectors, fuzz-corpus replays and the end-to-end tests on a private containerd.
# Run as root (the end-to-end tests start their own containerd).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHIMGATE_WERROR=ON
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure --timeout 600
