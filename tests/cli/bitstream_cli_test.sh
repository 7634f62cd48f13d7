#!/usr/bin/env bash
# `rdp encode` / `rdp decode`: round trips through files, byte-identical files and outputs for 1
# and 2 threads, and bad input (missing, empty, foreign, truncated, corrupt or wrong-version files;
# .npy of the wrong dtype, order or size; NaN) exits 2 with one line on stderr and leaves no output
# file. Usage: bitstream_cli_test.sh PATH_TO_RDP
set -u
rdp=$1
source "$(dirname "$0")/contract.sh"
py=/usr/bin/python3  # Debian's, with python3-numpy (scripts/setup.sh)

expect_ok() { check_ok 120 "$1" "$rdp" "${@:2}"; }
expect_usage_error() { check_usage_error 120 "$1" "$rdp" "${@:2}"; }
# An error must not leave the output file behind.
no_file() { if [ -e "$1" ]; then bad "$1 left behind after an error"; else ok; fi; }

for sub in encode decode; do expect_ok 'Usage' "$sub" --help; done

# Round trips, 1 and 2 threads: the same file and the same reconstruction, byte for byte.
for spec in "sd z1 1" "pd z1^4 1" "qsd z8 3" "sd e8 1" "qsd leech 2"; do
  set -- $spec
  for t in 1 2; do
    OMP_NUM_THREADS=$t expect_ok '"coded_rate_bits":' encode --codec "$1" --lattice "$2" \
      $([ "$1" = qsd ] && echo --nesting "$3") --D 0.1 --samples 100003 --seed 7 \
      --out "$tmp/$1.$t.rdpb" --json
    OMP_NUM_THREADS=$t expect_ok '"samples":100003' decode --in "$tmp/$1.$t.rdpb" \
      --out "$tmp/$1.$t.npy" --json
  done
  if cmp -s "$tmp/$1.1.rdpb" "$tmp/$1.2.rdpb"; then ok; else bad "$1: files differ by threads"; fi
  if cmp -s "$tmp/$1.1.npy" "$tmp/$1.2.npy"; then ok; else bad "$1: outputs differ by threads"; fi
done

# .npy in (float32, 2-D) and out with the same shape; raw float64 in and out.
"$py" - "$tmp" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(1)
np.save(f"{d}/x32.npy", rng.normal(size=(300, 7)).astype(np.float32))
x = rng.normal(size=(40, 3)); x[5, 2] = np.nan; np.save(f"{d}/nan.npy", x)
x = rng.normal(size=40); x[9] = np.inf; np.save(f"{d}/inf.npy", x)
np.save(f"{d}/int.npy", np.arange(10))
np.save(f"{d}/big.npy", np.ones(4, dtype=">f8"))
np.save(f"{d}/fortran.npy", np.asfortranarray(np.ones((3, 4))))
rng.normal(size=99).tofile(f"{d}/x.raw")
open(f"{d}/odd.raw", "wb").write(b"\0" * 12)
EOF
head -c 150 "$tmp/x32.npy" >"$tmp/short.npy"
expect_ok 'samples' encode --codec qsd --lattice z2 --D 0.2 --in "$tmp/x32.npy" --out "$tmp/f.rdpb"
expect_ok 'samples' decode --in "$tmp/f.rdpb" --out "$tmp/f.npy"
if "$py" -c "import numpy as np, sys; a = np.load(sys.argv[1]); sys.exit(not (a.shape == (300, 7) and a.dtype == np.float64))" "$tmp/f.npy"; then ok; else bad "decode: wrong .npy shape or dtype"; fi
expect_ok 'samples' encode --D 0.2 --in "$tmp/x.raw" --out "$tmp/r.rdpb"
expect_ok 'samples' decode --in "$tmp/r.rdpb" --out "$tmp/r.raw"
if [ "$(stat -c %s "$tmp/r.raw")" -eq 792 ]; then ok; else bad "decode: raw output is not 99 float64"; fi

# Bad arrays.
expect_usage_error 'invalid x: a non-finite value at index 17' encode --D 0.2 --in "$tmp/nan.npy" --out "$tmp/e.rdpb"
expect_usage_error 'invalid x: a non-finite value at index 9' encode --D 0.2 --in "$tmp/inf.npy" --out "$tmp/e.rdpb"
expect_usage_error "'<i8'.*dtype" encode --D 0.2 --in "$tmp/int.npy" --out "$tmp/e.rdpb"
expect_usage_error "'>f8'.*dtype" encode --D 0.2 --in "$tmp/big.npy" --out "$tmp/e.rdpb"
expect_usage_error 'Fortran order' encode --D 0.2 --in "$tmp/fortran.npy" --out "$tmp/e.rdpb"
expect_usage_error 'bytes' encode --D 0.2 --in "$tmp/short.npy" --out "$tmp/e.rdpb"
expect_usage_error 'multiple of 8 bytes' encode --D 0.2 --in "$tmp/odd.raw" --out "$tmp/e.rdpb"
expect_usage_error 'readable file' encode --D 0.2 --in "$tmp/none.npy" --out "$tmp/e.rdpb"
no_file "$tmp/e.rdpb"
expect_usage_error 'invalid lattice' encode --lattice e9 --D 0.2 --samples 100 --out "$tmp/e.rdpb"
expect_usage_error 'exactly one of' encode --D 0.2 --samples 100 --in "$tmp/x.raw" --out "$tmp/e.rdpb"
expect_usage_error 'exactly one of' encode --D 0.2 --out "$tmp/e.rdpb"
expect_usage_error 'nesting' encode --codec sd --nesting 3 --D 0.2 --samples 100 --out "$tmp/e.rdpb"
no_file "$tmp/e.rdpb"

# Bad files.
good="$tmp/sd.1.rdpb"
: >"$tmp/empty.rdpb"
head -c 1000 "$good" >"$tmp/trunc.rdpb"
cp "$tmp/x32.npy" "$tmp/foreign.rdpb"
"$py" - "$good" "$tmp" <<'EOF'
import sys, zlib
good, d = sys.argv[1], sys.argv[2]
b = bytearray(open(good, "rb").read())
c = bytearray(b); c[len(c) // 2] ^= 0x04; open(f"{d}/flip.rdpb", "wb").write(c)
v = bytearray(b); v[8] = 9; v[-4:] = zlib.crc32(bytes(v[:-4])).to_bytes(4, "little")
open(f"{d}/version.rdpb", "wb").write(v)
open(f"{d}/longer.rdpb", "wb").write(b + b"\0")
EOF
expect_usage_error 'empty file' decode --in "$tmp/empty.rdpb" --out "$tmp/o.npy"
expect_usage_error 'truncated|payload length' decode --in "$tmp/trunc.rdpb" --out "$tmp/o.npy"
expect_usage_error 'another kind of file' decode --in "$tmp/foreign.rdpb" --out "$tmp/o.npy"
expect_usage_error 'CRC-32' decode --in "$tmp/flip.rdpb" --out "$tmp/o.npy"
expect_usage_error 'format version 1' decode --in "$tmp/version.rdpb" --out "$tmp/o.npy"
expect_usage_error 'payload length' decode --in "$tmp/longer.rdpb" --out "$tmp/o.npy"
expect_usage_error 'readable file' decode --in "$tmp/none.rdpb" --out "$tmp/o.npy"
no_file "$tmp/o.npy"

# `rdp simulate` codes its own blocks: its coded_payload_bytes is the payload of `rdp encode` with
# the same seed and samples (the file's size minus its header), and on Z the coded rate differs
# from the exact mean of −log2 P(c | u) over the same blocks by the coder's overheads only (the
# quantised model and rANS's per-symbol slack, rans.hpp: well under 0.002 bits per dimension).
"$rdp" simulate --codec sd --lattice z1 --D 0.1 --samples 100000 --seed 7 --json >"$tmp/sim.json" 2>"$tmp/err" &&
  "$rdp" encode --codec sd --lattice z1 --D 0.1 --samples 100000 --seed 7 --out "$tmp/sim.rdpb" \
    --json >"$tmp/enc.json" 2>>"$tmp/err"
if "$py" - "$tmp/sim.json" "$tmp/enc.json" <<'PY'; then ok; else bad "simulate's coded rate: $(cat "$tmp/err")"; fi
import json, sys
sim, enc = (json.load(open(p)) for p in sys.argv[1:3])
assert sim["coded_payload_bytes"] == enc["payload_bytes"], (sim["coded_payload_bytes"], enc)
excess = sim["coded_rate_bits"] - sim["rate_bits"]
assert sim["rate_method"] == "exact_box_cells", sim["rate_method"]
assert abs(excess) < 0.002, excess
PY
# Every lattice: simulate's coded payload is rdp encode's for the same seed (same parameters, same
# common randomness), and its header count is the file's.
for spec in "pd e8" "sd leech" "qsd d4"; do
  set -- $spec
  "$rdp" simulate --codec "$1" --lattice "$2" --D 0.3 --samples 4800 --seed 5 --json \
    >"$tmp/sim8.json" 2>"$tmp/err" &&
    "$rdp" encode --codec "$1" --lattice "$2" --D 0.3 --samples 4800 --seed 5 \
      --out "$tmp/e8.rdpb" --json >"$tmp/enc8.json" 2>>"$tmp/err"
  if "$py" - "$tmp/sim8.json" "$tmp/enc8.json" <<'PY'; then ok; else bad "simulate's coded rate on $2: $(cat "$tmp/err")"; fi
import json, sys
sim, enc = (json.load(open(p)) for p in sys.argv[1:3])
assert sim["coded_payload_bytes"] == enc["payload_bytes"], (sim["coded_payload_bytes"], enc)
assert sim["coded_header_bytes"] == enc["header_bytes"], (sim["coded_header_bytes"], enc)
assert sim["coded_rate_bits"] > 0, sim
PY
done

finish
