#!/usr/bin/env bash
# The main job: installs what is missing, builds, and regenerates the default tables and figures
# into out/ (or the directory given with --out). Pass --quick for the small version.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
RDP_BUILD_DIR=build scripts/figures.sh "$@"
