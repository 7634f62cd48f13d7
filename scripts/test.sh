#!/usr/bin/env bash
# Builds rdpkit and runs the whole test suite:
#   0. every C++ file follows the committed .clang-format (before anything is built);
#   1. warnings-as-errors Release build, every doctest case through ctest;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the installed CMake package carries its own usage requirements: rdpkit is configured
#      against a copy of Random123 outside the default include paths and installed, then the
#      out-of-tree example and one translation unit per installed header are built with clang++
#      without any standard, include path or library of their own;
#   4. the figure pipeline in --quick mode, proving the figures still build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)

# --- 0. formatting: tracked files and new ones not yet added (ignored build trees excluded)
mapfile -t sources < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp')
unformatted=()
for f in "${sources[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if ((${#unformatted[@]})); then
  echo "test.sh: ${#unformatted[@]} file(s) not formatted per .clang-format" \
    "(fix: clang-format -i FILE):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi

# --- 1. the suite
cmake -S . -B build-ci -G Ninja -DCMAKE_BUILD_TYPE=Release -DRDP_WERROR=ON >/dev/null
cmake --build build-ci -j "$jobs"
ctest --test-dir build-ci --output-on-failure -j "$jobs"

# --- 2. the suite under the sanitizers
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRDP_WERROR=ON \
  -DRDP_SANITIZE=ON -DRDP_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

# --- 3. the installed package
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
scripts/check_package.sh "$prefix/package"

# --- 4. the figures
if [ -x scripts/figures.sh ]; then
  RDP_BUILD_DIR=build-ci scripts/figures.sh --quick --out "$prefix/out"
fi
echo "test.sh: all stages passed"
