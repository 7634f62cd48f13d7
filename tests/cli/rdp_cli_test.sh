#!/usr/bin/env bash
# Command-line contract of `rdp`: the documented forms work, and every kind of bad input exits 2
# with one line on stderr and nothing on stdout. Usage: rdp_cli_test.sh PATH_TO_RDP
set -u
rdp=$1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_ok PATTERN ARGS...: exit 0, stdout matches the extended regex PATTERN.
expect_ok() {
  local pattern=$1; shift
  "$rdp" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ]; then bad "rdp $* exited $rc: $(cat "$tmp/err")"; return; fi
  if ! grep -Eq -- "$pattern" "$tmp/out"; then bad "rdp $*: output lacks /$pattern/: $(head -c 300 "$tmp/out")"; return; fi
  ok
}

# expect_usage_error PATTERN ARGS...: exit 2, empty stdout, one stderr line matching PATTERN.
expect_usage_error() {
  local pattern=$1; shift
  "$rdp" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 2 ]; then bad "rdp $* exited $rc (want 2): $(cat "$tmp/err")"; return; fi
  if [ -s "$tmp/out" ]; then bad "rdp $* wrote to stdout on error"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then bad "rdp $*: stderr is not one line: $(cat "$tmp/err")"; return; fi
  if ! grep -Eq -- "$pattern" "$tmp/err"; then bad "rdp $*: stderr lacks /$pattern/: $(cat "$tmp/err")"; return; fi
  ok
}

json_one_line='^\{.*"method":"closed".*"rate_bits":[0-9.e-]+.*"region":"[A-Za-z0-9_]+".*\}$'
expect_ok "$json_one_line" rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json
expect_ok '"region":"S2"' rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json
expect_ok "$json_one_line" rate --source gaussian:sigma=1 --perception w2sq --D 0.5 --P 0.04 --json
# σ = 1, D = 0.5, P = 0.04: s = 0.8, ρ = 0.7125, R = −½ log2(1 − ρ²) = 0.51113107537859...
expect_ok '"rate_bits":0\.5111310753785' rate --source gaussian:sigma=1 --perception w2sq --D 0.5 --P 0.04 --json
expect_ok "$json_one_line" rate --source gaussian:sigma=1 --perception kl --D 0.5 --P 0.1 --json
expect_ok '"optimality":"jointly_gaussian"' rate --source gaussian:sigma=1 --perception kl --D 0.5 --P 0.1 --json
expect_ok "$json_one_line" rate --source gaussian:sigma=1 --perception rkl --D 0.5 --P 0.1 --json
expect_ok '"rate_bits":0\.5[,}]' rate --source gaussian:sigma=1 --D 0.5 --json
expect_ok '^R\(D=0\.5\) = 0\.5 bits' rate --source gaussian:sigma=1 --D 0.5
expect_ok '^D,P$' level-set --source bernoulli:p=0.1 --perception tv --rate 0.2
expect_ok '^D,P,rate_bits,region$' surface --source gaussian:sigma=1 --perception w2sq
for sub in rate level-set surface; do expect_ok 'Usage' "$sub" --help; done
expect_ok 'Usage' --help

expect_usage_error 'bernoulli p.*\(0, 1\).*1\.5|bernoulli p: 1\.5' rate --source bernoulli:p=1.5 --D 0.1
expect_usage_error 'bernoulli p' rate --source bernoulli:p=0 --D 0.1
expect_usage_error 'gaussian sigma' rate --source gaussian:sigma=-1 --D 0.1
expect_usage_error 'gaussian sigma' rate --source gaussian:sigma=0 --D 0.1
expect_usage_error 'invalid D: -0\.1' rate --source gaussian:sigma=1 --D -0.1
expect_usage_error 'invalid D: nan' rate --source gaussian:sigma=1 --D nan
expect_usage_error 'invalid D: inf' rate --source gaussian:sigma=1 --D inf
expect_usage_error 'invalid P: -1' rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P -1
expect_usage_error 'invalid P: nan' rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P nan
expect_usage_error 'invalid P: nothing' rate --source bernoulli:p=0.1 --perception tv --D 0.1
expect_usage_error "invalid source: 'cauchy'" rate --source cauchy --D 0.1
expect_usage_error "invalid gaussian key: 'scale'" rate --source gaussian:scale=1 --D 0.1
expect_usage_error "invalid perception: 'w3'" rate --source gaussian --perception w3 --D 0.1 --P 1
expect_usage_error "invalid perception: 'tv'" rate --source gaussian --perception tv --D 0.1 --P 1
expect_usage_error "invalid distortion: 'hamming'" rate --source gaussian --distortion hamming --D 0.1
expect_usage_error 'D' rate --source gaussian --D abc
expect_usage_error 'bogus' rate --source gaussian --D 1 --bogus
expect_usage_error 'subcommand' 
expect_usage_error 'frobnicate|subcommand' frobnicate
expect_usage_error 'invalid rate' level-set --source bernoulli:p=0.1 --perception tv --rate -1
expect_usage_error 'invalid P-max' surface --source bernoulli:p=0.1 --perception tv --P-max -1
expect_usage_error 'invalid D-points' surface --source bernoulli:p=0.1 --perception tv --D-points 0

expect_usage_error 'D-max' level-set --source bernoulli:p=0.1 --perception tv --rate 0.2 --D-max nan
expect_usage_error 'P-max' surface --source gaussian --perception w2sq --P-max inf
expect_usage_error 'D-max' level-set --source bernoulli:p=0.1 --perception tv --rate 0.2 --D-max 1e300
expect_usage_error 'D-points x P-points' surface --source gaussian --perception w2sq --D-points 100000 --P-points 100000
expect_usage_error 'seed' simulate --lattice e8 --D 0.3 --seed -1
expect_usage_error 'nesting' simulate --codec qsd --lattice e8 --D 0.3 --nesting 0
expect_usage_error 'nesting' simulate --codec sd --lattice e8 --D 0.3 --nesting 3
expect_usage_error 'gaussian sigma' rate --source gaussian:sigma=1e200 --D 1
expect_usage_error "invalid lattice" simulate --lattice e9 --D 0.3
# A huge KL budget makes the constraint inactive: Shannon's 1 bit at D = σ²/4, not null.
expect_ok '"rate_bits":1(\.0)?[,}]' rate --source gaussian:sigma=1 --perception kl --D 0.25 --P 1e308 --json
# Low rate in high dimension: the cell integral stays finite.
expect_ok '"rate_bits":[0-9]' simulate --lattice e8 --D 1.7 --samples 4000 --json

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
