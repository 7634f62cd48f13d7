#!/usr/bin/env bash
# fig_images, the image experiment: a user's own .npy data run end to end (CSV + sidecars, the
# plot script renders them), and bad data — a file that is neither IDX nor .npy, a truncated
# file, NaN, the wrong shape, n larger than d or not a multiple of every lattice dimension, an
# unknown data spec — exits 2 with one line on stderr and writes nothing into --out.
# Usage: images_cli_test.sh PATH_TO_FIG_IMAGES
set -u
exe=$1
py=/usr/bin/python3
[ -x "$py" ] || py=python3
source "$(dirname "$0")/contract.sh"

"$py" - "$tmp" <<'EOF2'
import gzip, sys
import numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
# 700 "images" of 8 x 8 with a decaying spectrum: d = 64.
basis = np.linalg.qr(rng.normal(size=(64, 64)))[0]
x = rng.normal(size=(700, 64)) * (0.8 ** np.arange(64)) @ basis.T + 0.5
np.save(f"{d}/x.npy", x)
np.save(f"{d}/x3.npy", x.reshape(700, 8, 8).astype(np.float32))
y = x.copy(); y[650, 3] = np.nan; np.save(f"{d}/nan.npy", y)
np.save(f"{d}/flat.npy", x.ravel())
hdr = bytes([0, 0, 8, 3]) + (300).to_bytes(4, "big") + (8).to_bytes(4, "big") + (8).to_bytes(4, "big")
body = (rng.random(300 * 64) * 255).astype(np.uint8).tobytes()
open(f"{d}/img.idx", "wb").write(hdr + body)
with gzip.open(f"{d}/short.idx.gz", "wb") as f:
    f.write(hdr + body[:-10])
open(f"{d}/text.idx", "w").write("not an IDX file at all\n")
EOF2

# A user's own data: runs, every CSV with its sidecar, the plots render from them alone.
for spec in "npy:$tmp/x.npy" "npy:$tmp/x3.npy" "idx:$tmp/img.idx"; do
  rm -rf "$tmp/run_out"
  if timeout 120 "$exe" --quick --data "$spec" --out "$tmp/run_out" >"$tmp/stdout" 2>"$tmp/err"; then
    if [ -s "$tmp/run_out/fig_images.json" ] && [ -s "$tmp/run_out/fig10_images_codecs.csv" ] &&
      [ -s "$tmp/run_out/fig8_images_grid.csv" ]; then ok; else bad "$spec: outputs missing: $(ls "$tmp/run_out")"; fi
    if "$py" "$(dirname "$0")/../../plots/render_all.py" "$tmp/run_out" >/dev/null 2>"$tmp/perr" &&
      [ -s "$tmp/run_out/figures/fig10_images_codecs.png" ] && [ -s "$tmp/run_out/figures/fig8_images_grid.png" ]; then
      ok
    else
      bad "$spec: plots failed: $(head -c 300 "$tmp/perr")"
    fi
  else
    bad "fig_images --data $spec failed: $(head -c 300 "$tmp/err")"
  fi
done

# Bad input: one line, exit 2, nothing written into --out.
bad_data() {
  local pattern=$1
  shift
  rm -rf "$tmp/bad_out"
  check_usage_error 20 "$pattern" "$exe" --quick --out "$tmp/bad_out" "$@"
  if [ -z "$(ls -A "$tmp/bad_out" 2>/dev/null)" ]; then ok; else bad "$*: wrote $(ls "$tmp/bad_out")"; fi
}
bad_data "invalid data: 'mnist'; valid range fashion-mnist, idx:PATH" --data mnist
bad_data "invalid data: '$tmp/text.idx': not IDX" --data "idx:$tmp/text.idx"
bad_data "no .npy magic" --data "npy:$tmp/text.idx"
bad_data "truncated in the data" --data "idx:$tmp/short.idx.gz"
bad_data "readable IDX file" --data "idx:$tmp/none.idx"
bad_data "non-finite value in the test split at row 50, column 3" --data "npy:$tmp/nan.npy"
bad_data "N x d or N x h x w array" --data "npy:$tmp/flat.npy"
bad_data "invalid n: 40; valid range a multiple of 48" --data "npy:$tmp/x.npy" --n 40
bad_data "invalid n: 96; valid range a multiple of 48 .* in \[48, 64\]" --data "npy:$tmp/x.npy" --n 96
bad_data "invalid lattice" --data "npy:$tmp/x.npy" --lattice e9
# The missing Debian package is named with the command that installs it: RDP_FASHION_MNIST_DIR
# points the reader at an empty directory, as on a machine without the package.
mkdir -p "$tmp/no_data"
export RDP_FASHION_MNIST_DIR="$tmp/no_data"
bad_data "dataset-fashion-mnist: sudo apt-get install dataset-fashion-mnist, or scripts/setup.sh" --data fashion-mnist
unset RDP_FASHION_MNIST_DIR

finish
