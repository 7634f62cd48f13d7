#!/usr/bin/env bash
# `rdp lattice` in high dimension: products whose covolume leaves the range of a double
# (leech^40: 2^1440) give finite constants, the factor's G within the Monte-Carlo error, and no
# null or non-finite field. Usage: lattice_cli_test.sh PATH_TO_RDP
set -u
rdp=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

for lattice in leech^29 leech^40 leech^42; do
  "$rdp" lattice --lattice "$lattice" --samples 2000 --seed 1 --json >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
    echo "FAIL: rdp lattice --lattice $lattice exited $rc: $(cat "$tmp/err")" >&2
    fail=1
    continue
  fi
  # A product has its factor's G (0.065771, SPLAG Table 2.3) and log2 V = 36 k.
  if ! /usr/bin/python3 - "$lattice" "$tmp/out" <<'PY'
import json, math, sys
name, path = sys.argv[1], sys.argv[2]
k = int(name.split("^")[1])
text = open(path).read()
assert text.count("\n") == 1, "not one line"
j = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
def walk(v):
    if v is None: raise ValueError("null field")
    if isinstance(v, float) and not math.isfinite(v): raise ValueError("non-finite field")
    if isinstance(v, dict): [walk(x) for x in v.values()]
for key, v in j.items():
    try: walk(v)
    except ValueError as e: raise SystemExit(f"{key}: {e}")
assert j["dimension"] == 24 * k, j["dimension"]
assert abs(j["log2_covolume"] - 36 * k) < 1e-9 * 36 * k, j["log2_covolume"]
assert j["nsm_reference"] == 0.065771, j.get("nsm_reference")
assert abs(j["nsm"] - 0.065771) <= 4 * j["nsm_stderr"] + 1e-6, (j["nsm"], j["nsm_stderr"])
assert 0 < j["nsm_stderr"] < 1e-3, j["nsm_stderr"]
assert j["kissing_number"] == 196560 * k, j["kissing_number"]
PY
  then
    echo "FAIL: rdp lattice --lattice $lattice: $(head -c 400 "$tmp/out")" >&2
    fail=1
  fi
done
[ $fail -eq 0 ] && echo "lattice_cli_test: all passed"
exit $fail
