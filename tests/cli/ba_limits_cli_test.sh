#!/usr/bin/env bash
# The solver's resource limits from the command line: problems over the memory cap are rejected by
# the contract (exit 2, one stderr line naming the parameter, its range and the value, nothing on
# stdout) before any allocation, and --max-seconds stops a solve with valid bounds.
# Usage: ba_limits_cli_test.sh PATH_TO_RDP
set -u
rdp=$1
source "$(dirname "$0")/contract.sh"

# A rejection must come at once, before any allocation: 20 s per call.
expect_usage_error() { check_usage_error 20 "$1" "$rdp" "${@:2}"; }

# 100000 was inside the documented --grid range [2, 100000] but needs 88·100000² bytes (120· since the transports' arrays are counted): it was
# std::bad_alloc, exit 1; the range now ends at the memory cap.
expect_usage_error 'invalid grid: 100000; valid range integer in \[2, 5982\]' \
  rate --source gaussian:sigma=1 --perception w2sq --method ba --grid 100000 --D 0.5 --P 0.1
expect_usage_error 'invalid grid: 7000; valid range integer in \[2, 5982\]' \
  surface --source laplace:b=1 --perception rkl --grid 7000 --D-points 2 --P-points 2
expect_usage_error 'invalid grid: 50000' \
  level-set --source gaussian:sigma=1 --perception rkl --method ba --grid 50000 --rate 0.5
expect_usage_error 'invalid grid: 8000' \
  section --source gaussian:sigma=1 --perception rkl --method ba --grid 8000 --fixed D --value 0.5
# A 10,000-letter finite source: ran for over 300 s and reached 5.1 GB with no output.
spec="finite:points=$(seq -s/ 0 9999),pmf=$(yes 0.0001 | head -n 10000 | paste -sd/)"
expect_usage_error 'invalid source alphabet size: 10000; valid range \[1, 5982\]' \
  rate --source "$spec" --D 100 --method ba
expect_usage_error 'invalid max-seconds: 0; valid range \(0, 1e\+09\]' \
  rate --source bernoulli:p=0.1 --perception tv --method ba --D 0.05 --P 0.02 --max-seconds 0
expect_usage_error 'invalid max-seconds: -1' \
  surface --source bernoulli:p=0.1 --perception tv --method ba --max-seconds -1
expect_usage_error 'max-seconds' \
  rate --source bernoulli:p=0.1 --perception tv --method ba --D 0.05 --P 0.02 --max-seconds nan

# A tiny budget: status iteration_limit, and the bounds bracket the closed form R(0.05, 0.02) of
# Bernoulli(0.1)-Hamming-TV (Blau & Michaeli 2019, Thm. 3), printed by the closed-form path.
truth=$("$rdp" rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json |
  sed -E 's/.*"rate_bits":([0-9.e+-]+).*/\1/')
out=$("$rdp" rate --source bernoulli:p=0.1 --perception tv --method ba --D 0.05 --P 0.02 \
  --gap 1e-9 --max-seconds 1e-9 --json)
rc=$?
if [ $rc -ne 0 ]; then
  bad "rate --max-seconds 1e-9 exited $rc"
elif ! grep -q '"status":"iteration_limit"' <<<"$out"; then
  bad "rate --max-seconds 1e-9: no iteration_limit: $out"
else
  lower=$(sed -E 's/.*"lower_bits":([0-9.e+-]+).*/\1/' <<<"$out")
  upper=$(sed -E 's/.*"upper_bits":([0-9.e+-]+|null).*/\1/' <<<"$out")
  [ "$upper" = null ] && upper=inf
  if awk -v l="$lower" -v u="$upper" -v t="$truth" 'BEGIN { exit !(l <= t + 1e-9 && (u == "inf" || t <= u + 1e-9)) }'; then
    ok
  else
    bad "rate --max-seconds 1e-9: [$lower, $upper] does not bracket $truth"
  fi
fi

finish
