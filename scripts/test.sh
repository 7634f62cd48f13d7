#!/usr/bin/env bash
# Builds rdpkit and runs the whole test suite:
#   1. warnings-as-errors Release build, every doctest case through ctest;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. `cmake --install`, then the out-of-tree example built against the installed package;
#   4. the figure pipeline in --quick mode, proving the figures still build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

cmake -S . -B build-ci -G Ninja -DCMAKE_BUILD_TYPE=Release -DRDP_WERROR=ON >/dev/null
cmake --build build-ci -j "$jobs"
ctest --test-dir build-ci --output-on-failure -j "$jobs"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRDP_WERROR=ON \
  -DRDP_SANITIZE=ON -DRDP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install build-ci --prefix "$prefix/install" >/dev/null
cmake -S examples/custom_source -B "$prefix/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix/install" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$prefix/example"
"$prefix/example/custom_source"

if [ -x scripts/figures.sh ]; then
  RDP_BUILD_DIR=build-ci scripts/figures.sh --quick --out "$prefix/out"
fi
echo "test.sh: all stages passed"
