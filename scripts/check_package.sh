#!/usr/bin/env bash
# Proves that the installed CMake package carries its own usage requirements (run by
# scripts/test.sh; usable alone). In WORKDIR (default: a fresh temporary directory):
#   1. copies Random123's headers to WORKDIR/random123/include, outside the default include paths,
#      and configures, builds and installs rdpkit's libraries against that copy;
#   2. builds examples/custom_source against the installed package with clang++ and no C++
#      standard, include path or library of its own, checks from the compile line that the
#      package supplied -std=...17 and the copy's include path, and runs the example;
#   3. compiles every installed public header as a translation unit of its own (included twice,
#      so a missing include guard shows too) with the same requirements.
# Usage: scripts/check_package.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  work=$1
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
work=$(cd "$work" && pwd)
jobs=$(nproc)
cxx=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$cxx" ]; then
  echo "check_package: clang++ not found (Debian package clang; scripts/setup.sh installs it)" >&2
  exit 1
fi
fail() {
  echo "check_package: $*" >&2
  exit 1
}

# --- 1. rdpkit against a Random123 outside the default paths
system_header=$(printf '#include <Random123/philox.h>\n' | c++ -x c++ -M - 2>/dev/null |
  tr ' \\' '\n\n' | grep '/Random123/philox\.h$' | head -n 1) ||
  fail "Random123/philox.h not found (Debian package librandom123-dev)"
r123="$work/random123/include"
rm -rf "$r123"
mkdir -p "$r123"
cp -R "$(dirname "$system_header")" "$r123/"
cmake -S . -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRDP_BUILD_TESTS=OFF \
  -DRDP_BUILD_BENCHMARKS=OFF -DRDP_BUILD_EXPERIMENTS=OFF -DRandom123_INCLUDE_DIR="$r123" >/dev/null
cmake --build "$work/build" -j "$jobs"
rm -rf "$work/install"
cmake --install "$work/build" --prefix "$work/install" >/dev/null

# --- 2. the example, with nothing but the package's usage requirements
rm -rf "$work/example"
cmake -S examples/custom_source -B "$work/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/install" >/dev/null
cmake --build "$work/example" --verbose >"$work/example.log" 2>&1 ||
  { cat "$work/example.log" >&2; fail "the example does not build against the installed package"; }
compile_line=$(grep -- ' -c .*main\.cpp' "$work/example.log" || true)
[ -n "$compile_line" ] || fail "no compile line for main.cpp in $work/example.log"
grep -q -- "-isystem $r123 " <<<"$compile_line" ||
  fail "the consumer's compile line lacks the package's Random123 path $r123: $compile_line"
grep -Eq -- '-std=(gnu|c)\+\+17' <<<"$compile_line" ||
  fail "the consumer's compile line lacks a C++17 flag from the package: $compile_line"
"$work/example/custom_source"

# --- 3. every installed header on its own
headers="$work/headers"
rm -rf "$headers"
mkdir -p "$headers/tu"
count=0
while IFS= read -r h; do
  rel=${h#"$work/install/include/"}
  tu="$headers/tu/$(tr '/.' '__' <<<"$rel").cpp"
  printf '#include "%s"\n#include "%s"\n' "$rel" "$rel" >"$tu"
  count=$((count + 1))
done < <(find "$work/install/include/rdp" -name '*.hpp' | sort)
[ "$count" -gt 0 ] || fail "no headers installed under $work/install/include/rdp"
cat >"$headers/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(rdpkit_headers LANGUAGES CXX)
find_package(rdpkit CONFIG REQUIRED)
file(GLOB tus ${CMAKE_CURRENT_SOURCE_DIR}/tu/*.cpp)
add_library(each_header OBJECT ${tus})
target_link_libraries(each_header PRIVATE rdp::solvers rdp::core)
CMAKE
cmake -S "$headers" -B "$headers/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$work/install" >/dev/null
cmake --build "$headers/build" -j "$jobs" >"$headers/build.log" 2>&1 ||
  { grep -E 'error|FAILED' "$headers/build.log" | head -n 40 >&2; fail "installed headers do not compile on their own"; }
echo "check_package: the example and all $count installed headers build with $(basename "$cxx")" \
  "and the package's requirements alone"
