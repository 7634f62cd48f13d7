#!/usr/bin/env bash
# Reproducibility: every experiment binary (--quick) and every `rdp` subcommand gives the same
# bytes with OMP_NUM_THREADS=1 and with OMP_NUM_THREADS=2 (two separate runs, so a difference
# between repeated runs shows up too). Timing is the one thing allowed to differ; it is removed
# before comparing: JSON keys ending in "seconds" or "_ns_per_point" (wall_seconds, the seconds
# object of `rdp simulate`, monte_carlo_seconds and decode_ns_per_point of `rdp lattice`) and the
# thread count `rdp lattice` reports beside its timing; CSV columns with those names; in `rdp
# lattice`'s and table_lattices' text lines, the decode speed (ns/point) and the thread count; and
# a sidecar's size and hash of its CSV (which cover the CSV's timing columns).
#
# Usage: reproducibility_test.sh PATH_TO_RDP [EXPERIMENT_BINARY...]
set -u
rdp=$1
shift
python=/usr/bin/python3  # Debian's, as scripts/figures.sh (installed by scripts/setup.sh)
[ -x "$python" ] || python=python3
source "$(dirname "$0")/contract.sh"

# normalise FILE: prints FILE with its timing removed (JSON: one object per line, or one
# pretty-printed document; CSV: a header row; anything else: text lines).
normalise() {
  "$python" - "$1" <<'EOF'
import json, re, sys

path = sys.argv[1]
timing = re.compile(r"(seconds|_ns_per_point)$")

def is_timing(key):
    # A sidecar's size and hash of its CSV follow the CSV's timing columns (table_lattices'
    # decode speed); the CSV itself is compared, timing aside, on its own.
    return bool(timing.search(key)) or key in ("threads", "csv_bytes", "csv_fnv1a64")

def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not is_timing(k)}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x

text = open(path, encoding="utf-8").read()
if path.endswith(".json"):
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    # Keys in file order, numbers as written: only timing is removed, nothing is rounded.
    for d in docs:
        print(json.dumps(strip(d), ensure_ascii=False))
elif path.endswith(".csv"):
    lines = text.split("\n")
    header = lines[0].split(",")
    keep = [i for i, h in enumerate(header) if not is_timing(h)]
    for line in lines:
        cells = line.split(",")
        print(",".join(cells[i] for i in keep if i < len(cells)))
else:
    text = re.sub(r"[0-9.e+-]+ ns/point", "<timing> ns/point", text)
    text = re.sub(r"[0-9]+ threads?\]", "<threads>]", text)
    sys.stdout.write(text)
EOF
}

# same_file LABEL FILE1 FILE2: equal after normalise() (byte-identical files need no parsing).
same_file() {
  local label=$1 a=$2 b=$3
  if cmp -s "$a" "$b"; then
    ok
    return
  fi
  if ! normalise "$a" >"$tmp/na" 2>"$tmp/nerr" || ! normalise "$b" >"$tmp/nb" 2>>"$tmp/nerr"; then
    bad "$label: cannot parse: $(head -c 300 "$tmp/nerr")"
    return
  fi
  if cmp -s "$tmp/na" "$tmp/nb"; then
    ok
  else
    bad "$label differs between 1 and 2 threads: $(diff "$tmp/na" "$tmp/nb" | head -6)"
  fi
}

# same_files LABEL DIR1 DIR2: the two directories hold the same, non-empty set of file names,
# each pair the same by same_file.
same_files() {
  local label=$1 a=$2 b=$3
  local names_a names_b f
  names_a=$(cd "$a" && ls -A)
  names_b=$(cd "$b" && ls -A)
  if [ "$names_a" != "$names_b" ]; then
    bad "$label: different files: [$names_a] vs [$names_b]"
    return
  fi
  if [ -z "$names_a" ]; then
    bad "$label: no output"
    return
  fi
  for f in $names_a; do same_file "$label: $f" "$a/$f" "$b/$f"; done
}

# The experiment binaries: --quick into run-specific directories.
for bin in "$@"; do
  name=$(basename "$bin")
  for t in 1 2; do
    mkdir -p "$tmp/exp$t"
    if ! OMP_NUM_THREADS=$t "$bin" --quick --out "$tmp/exp$t/$name" >"$tmp/exp$t/$name.stdout.txt" 2>"$tmp/err"; then
      bad "$name --quick (OMP_NUM_THREADS=$t) failed: $(head -c 300 "$tmp/err")"
      continue 2
    fi
  done
  same_files "$name" "$tmp/exp1/$name" "$tmp/exp2/$name"
  same_file "$name: stdout" "$tmp/exp1/$name.stdout.txt" "$tmp/exp2/$name.stdout.txt"
done

# The rdp subcommands: each case's stdout (and any file it writes, under @DIR@) per thread count. The
# 512-cell surface takes the solver's FFT passes (≥ 512 cells on a uniform grid).
cases=(
  "rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json"
  "rate --source gaussian:sigma=1 --perception w2sq --D 0.5 --P 0.04 --method ba --grid 64 --gap 1e-4 --json"
  "rate --source finite:points=0/1/2,pmf=0.5/0.3/0.2 --perception w1 --D 0.2 --P 0.05 --witness @DIR@/witness.json"
  "rate --source laplace:b=1 --perception rkl --D 0.5 --P 0.1 --grid 48 --gap 1e-4"
  "level-set --source bernoulli:p=0.1 --perception tv --rate 0.2 --P-points 11"
  "level-set --source gaussian:sigma=1 --perception rkl --rate 0.5 --method ba --grid 32 --gap 1e-3 --P-points 4"
  "surface --source gaussian:sigma=1 --perception w2sq --D-points 8 --P-points 8"
  "surface --source bernoulli:p=0.1 --perception tv --method ba --D-points 5 --P-points 5"
  "surface --source laplace:b=1 --perception rkl --grid 32 --gap 1e-3 --D-points 4 --P-points 4"
  "surface --source gaussian:sigma=1 --perception kl --method ba --grid 512 --D-min 0.3 --D-max 0.9 --D-points 3 --P-min 0.01 --P-max 0.2 --P-points 3"
  "section --source bernoulli:p=0.1 --perception tv --method ba --fixed P --value 0.05 --D-points 6"
  "section --source gaussian:sigma=1 --perception w2sq --method ba --grid 32 --gap 1e-3 --fixed D --value 0.3 --P-points 5"
  "section --source bernoulli:p=0.1 --perception tv --method ba --fixed R --value 0.3 --P-points 5"
  "lattice --lattice e8 --samples 20000 --json"
  "lattice --lattice d4 --samples 20000"
  "simulate --codec sd --lattice e8 --D 0.3 --P 0.05 --samples 20000 --json"
  "simulate --codec pd --lattice d4 --D 0.4 --samples 20000 --json"
  "simulate --codec qsd --lattice e8 --D 0.3 --nesting 2 --samples 20000 --json"
  "simulate --codec sd --lattice z1 --D 0.3 --samples 20000"
)
k=0
for c in "${cases[@]}"; do
  k=$((k + 1))
  ext=txt
  case "$c" in *--json*) ext=json ;; esac
  for t in 1 2; do
    dir="$tmp/rdp$t/$k"
    mkdir -p "$dir"
    # Word splitting of the case string is intended (no argument contains a space).
    # shellcheck disable=SC2086
    if ! OMP_NUM_THREADS=$t "$rdp" ${c//@DIR@/$dir} >"$dir/stdout.$ext" 2>"$tmp/err"; then
      bad "rdp $c (OMP_NUM_THREADS=$t) exited non-zero: $(head -c 300 "$tmp/err")"
      continue 2
    fi
  done
  same_files "rdp $c" "$tmp/rdp1/$k" "$tmp/rdp2/$k"
done

finish
