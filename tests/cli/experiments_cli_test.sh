#!/usr/bin/env bash
# Command-line contract of the figure/table binaries: bad --out and --seed exit 2 with one line on
# stderr before any work, and a run leaves each CSV with a sidecar that describes it and no
# temporary files. Usage: experiments_cli_test.sh DIR_OF_BINARIES
set -u
bin=$1
source "$(dirname "$0")/contract.sh"

# expect_usage_error PATTERN BINARY ARGS...: the binaries refuse bad options before any work, so
# within 5 s.
expect_usage_error() { check_usage_error 5 "$1" "$bin/$2" "${@:3}"; }

touch "$tmp/a_file"
for exe in fig_codecs fig_images fig_numerical fig_theory table_closed_forms table_lattices; do
  [ -x "$bin/$exe" ] || { bad "$exe not built"; continue; }
  # fig_codecs computed for 11 s before finding these.
  expect_usage_error "invalid out: '$tmp/a_file' .*valid range a writable directory" "$exe" --quick --out "$tmp/a_file"
  expect_usage_error "invalid out: '$tmp/a_file/sub'" "$exe" --quick --out "$tmp/a_file/sub"
  expect_usage_error "invalid out: '/proc/rdp_out'" "$exe" --quick --out /proc/rdp_out
  expect_usage_error "invalid out: ''" "$exe" --quick --out ''
  expect_usage_error 'invalid seed: 18446744073709551616; valid range integer in \[0, 2\^64-1 = 18446744073709551615\]$' "$exe" --quick --seed 18446744073709551616
  expect_usage_error "invalid seed: ''" "$exe" --quick --seed ''
done

# Every CSV of a run has its sidecar, whose row count and hash match; no temporary file is left.
for exe in table_closed_forms table_lattices; do
  "$bin/$exe" --quick --out "$tmp/run" --seed 18446744073709551615 >/dev/null 2>"$tmp/err" || bad "$exe failed: $(cat "$tmp/err")"
done
if python3 - "$tmp/run" <<'PY'
import glob, json, os, sys
d = sys.argv[1]
csvs = glob.glob(os.path.join(d, "*.csv"))
assert len(csvs) == 2, csvs
for c in csvs:
    data = open(c, "rb").read()
    h = 0xcbf29ce484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001b3) % (1 << 64)
    side = json.load(open(c[:-4] + ".json"))
    assert side["csv"] == os.path.basename(c), side
    assert side["csv_fnv1a64"] == f"{h:016x}", (c, side["csv_fnv1a64"], f"{h:016x}")
    assert side["rows"] == data.count(b"\n") - 1, c
    assert side["seed"] == 18446744073709551615, side["seed"]
    assert "parameters" in side
assert not [f for f in os.listdir(d) if f.endswith(".tmp")], os.listdir(d)
PY
then ok; else bad "sidecars do not describe their CSVs"; fi

finish
