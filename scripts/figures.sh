#!/usr/bin/env bash
# Runs every figure/table binary into OUT (default out/) and renders the plots.
# Usage: scripts/figures.sh [--quick] [--out DIR] [--seed N]; RDP_BUILD_DIR names the build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${RDP_BUILD_DIR:-build}
out=out quick=() seed=1
while (($#)); do
  case "$1" in
    --quick) quick=(--quick) ;;
    --out) out=$2; shift ;;
    --seed) seed=$2; shift ;;
    *) echo "figures.sh: error: unknown option '$1' (valid: --quick, --out DIR, --seed N)" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
start=$(date +%s)
for bin in "$build"/experiments/table_* "$build"/experiments/fig_*; do
  [ -x "$bin" ] || continue
  echo "== $(basename "$bin")" >&2
  "$bin" --out "$out" --seed "$seed" "${quick[@]}"
done
# Plots use Debian's own python3 (with python3-matplotlib), not whatever python3 is first on PATH.
if compgen -G "plots/*.py" >/dev/null; then
  /usr/bin/python3 plots/render_all.py "$out"
fi
echo "figures.sh: outputs in $out ($(( $(date +%s) - start )) s)" >&2
