# Shared by the command-line test scripts (sourced, not run): counters, a scratch directory, and
# the two checks of the contract. A script sets `set -u`, sources this file, then calls the
# checks and ends with `finish`.
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*" >&2
}

# What a message shows of a command: the program's name and its first 160 characters of arguments.
shown() { printf '%s %s' "$(basename "$1")" "$(shift; printf '%s ' "$@" | cut -c1-160)"; }

# check_ok SECONDS PATTERN COMMAND...: exit 0 within SECONDS, stdout matches the extended regex.
check_ok() {
  local limit=$1 pattern=$2
  shift 2
  timeout "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 0 ]; then bad "$(shown "$@") exited $rc: $(head -c 300 "$tmp/err")"; return; fi
  if ! grep -Eq -- "$pattern" "$tmp/out"; then
    bad "$(shown "$@"): output lacks /$pattern/: $(head -c 300 "$tmp/out")"
    return
  fi
  ok
}

# check_usage_error SECONDS PATTERN COMMAND...: exit 2 within SECONDS, nothing on stdout, one
# stderr line matching the extended regex PATTERN.
check_usage_error() {
  local limit=$1 pattern=$2
  shift 2
  timeout "$limit" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 2 ]; then bad "$(shown "$@") exited $rc (want 2): $(head -c 300 "$tmp/err")"; return; fi
  if [ -s "$tmp/out" ]; then bad "$(shown "$@") wrote to stdout on error"; return; fi
  if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    bad "$(shown "$@"): stderr is not one line: $(head -c 300 "$tmp/err")"
    return
  fi
  if ! grep -Eq -- "$pattern" "$tmp/err"; then
    bad "$(shown "$@"): stderr lacks /$pattern/: $(cat "$tmp/err")"
    return
  fi
  ok
}

finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
