#!/usr/bin/env bash
# Installs the Debian packages rdpkit needs, if any is missing. Idempotent; needs root (or sudo).
set -euo pipefail
packages=(
  g++ clang libomp-dev clang-format cmake ninja-build pkg-config
  libboost-dev libeigen3-dev libnlopt-cxx-dev librandom123-dev
  doctest-dev libcli11-dev libfmt-dev nlohmann-json3-dev libbenchmark-dev zlib1g-dev
  python3 python3-matplotlib python3-numpy python3-dev python3-pytest pybind11-dev
  dataset-fashion-mnist
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi
