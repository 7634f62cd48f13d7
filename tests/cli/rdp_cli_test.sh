#!/usr/bin/env bash
# Command-line contract of `rdp`: the documented forms work, and every kind of bad input exits 2
# with one line on stderr and nothing on stdout. Usage: rdp_cli_test.sh PATH_TO_RDP
set -u
rdp=$1
py=/usr/bin/python3  # Debian's (scripts/setup.sh)
source "$(dirname "$0")/contract.sh"

# The whole suite of one command is well under a minute; 120 s per call catches a hang.
expect_ok() { check_ok 120 "$1" "$rdp" "${@:2}"; }
expect_usage_error() { check_usage_error 120 "$1" "$rdp" "${@:2}"; }

json_one_line='^\{.*"method":"closed".*"rate_bits":[0-9.e-]+.*"region":"[A-Za-z0-9_]+".*\}$'
expect_ok "$json_one_line" rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json
expect_ok '"region":"S2"' rate --source bernoulli:p=0.1 --perception tv --D 0.05 --P 0.02 --json
expect_ok "$json_one_line" rate --source gaussian:sigma=1 --perception w2sq --D 0.5 --P 0.04 --json
# σ = 1, D = 0.5, P = 0.04: s = 0.8, ρ = 0.7125, R = −½ log2(1 − ρ²) = 0.51113107537859...
expect_ok '"rate_bits":0\.5111310753785' rate --source gaussian:sigma=1 --perception w2sq --D 0.5 --P 0.04 --json
expect_ok "$json_one_line" rate --source gaussian:sigma=1 --perception kl --D 0.5 --P 0.1 --method closed --json
expect_ok '"note":"jointly Gaussian reconstructions only.*"optimality":"jointly_gaussian"' rate --source gaussian:sigma=1 --perception kl --D 0.5 --P 0.1 --method closed --json
# auto: the certified bracket, the jointly Gaussian value beside it and above the explicit channel.
expect_ok '"method":"bracket"' rate --source gaussian:sigma=1 --perception kl --D 0.8 --P 0.05 --json
if "$py" -c "
import json, sys
j = json.load(open(sys.argv[1]))
assert j['lower_bits'] < j['discretised_lower_bits'] <= j['discretised_upper_bits'] < j['upper_bits'] < j['jointly_gaussian_bits'], j
assert j['upper_bits'] <= 0.2349 and j['channel_distortion'] <= 0.8 and j['channel_perception_nats'] <= 0.05, j
" "$tmp/out"; then ok; else bad "rate --perception kl bracket: $(cat "$tmp/out")"; fi
expect_ok 'in \[0\.16' rate --source gaussian:sigma=2,mu=1 --perception kl --D 3.2 --P 0.05
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

# Empty values are rejected with the parameter's range (never read as 0).
expect_usage_error "invalid D: ''; valid range \[0, inf\)" rate --source bernoulli:p=0.1 --D ''
expect_usage_error "invalid P: ''; valid range" rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P ''
expect_usage_error "invalid P: ''; valid range" simulate --lattice z1 --D 0.3 --P '' --samples 1000
expect_usage_error "invalid value: ''; valid range" section --source bernoulli:p=0.1 --perception tv --fixed P --value ''
expect_usage_error "invalid distortion: ''; valid range" rate --source bernoulli:p=0.1 --D 0.1 --distortion ''
expect_usage_error "invalid grid: ''; valid range" rate --source gaussian --D 0.1 --method ba --grid ''
expect_usage_error "invalid samples: ''; valid range" simulate --lattice e8 --D 0.3 --samples ''
expect_usage_error "invalid source: ''; valid range" rate --source '' --D 0.1
# section --fixed P: the P range options are refused or checked, never ignored.
expect_usage_error 'invalid P-min: -1; valid range' section --source bernoulli:p=0.1 --perception tv --fixed P --value 0.1 --P-min -1
expect_usage_error 'invalid P-max: -1; valid range' section --source bernoulli:p=0.1 --perception tv --fixed P --value 0.1 --P-max -1
expect_usage_error 'invalid P-min: 0\.5; valid range absent with --fixed P' section --source bernoulli:p=0.1 --perception tv --fixed P --value 0.1 --P-min 0.5 --P-max 0.1
expect_usage_error 'invalid D-points: 7; valid range absent with --fixed D' section --source bernoulli:p=0.1 --perception tv --fixed D --value 0.1 --D-points 7
expect_ok '^D,P,rate_bits,region$' section --source bernoulli:p=0.1 --perception tv --fixed P --value 0.02
# Seeds: 2^64-1 is the largest; beyond it is an error (not saturation), with a short range.
seed_range='valid range integer in \[0, 2\^64-1 = 18446744073709551615\]$'
expect_usage_error "invalid seed: 18446744073709551616; $seed_range" lattice --lattice z1 --samples 100 --seed 18446744073709551616
expect_usage_error "invalid seed: 18446744073709551616; $seed_range" simulate --lattice z1 --D 0.3 --samples 1000 --seed 18446744073709551616
expect_usage_error "invalid seed: -1; $seed_range" simulate --lattice z1 --D 0.3 --seed -1
expect_usage_error "invalid seed: '1e3'; $seed_range" lattice --lattice z1 --seed 1e3
expect_ok 'seed 18446744073709551615' lattice --lattice z1 --samples 100 --seed 18446744073709551615
# Conversion errors carry the range and the text as typed.
expect_usage_error "invalid D: 'abc'; valid range \[0, inf\)" rate --source gaussian --D abc
expect_usage_error "invalid D: '0x10'; valid range" rate --source gaussian --D 0x10
expect_usage_error 'invalid D: 1e-400 \(rounds to 0\); valid range' rate --source gaussian --D 1e-400
expect_usage_error 'invalid D: 1e400; valid range' rate --source gaussian --D 1e400
expect_usage_error 'invalid P-max: nan; valid range \[0, inf\)' surface --source gaussian --perception w2sq --P-max nan
expect_usage_error "invalid grid: '1\.5'; valid range integer in \[2, 5982\]" rate --source gaussian --D 0.1 --method ba --grid 1.5
expect_usage_error "invalid rate-points: 'x'; valid range integer in \[1, 4096\]" simulate --lattice e8 --D 0.3 --rate-points x
expect_usage_error "invalid D: '1.x0a2'; valid range" rate --source gaussian --D $'1\n2'
expect_usage_error "invalid D: ' 1'; valid range" rate --source gaussian --D ' 1'
# Spec errors show the whole spec as typed.
expect_usage_error "invalid gaussian sigma: 'abc' in --source 'gaussian:sigma=abc'; valid range" rate --source gaussian:sigma=abc --D 0.1
expect_usage_error "invalid finite pmf sum: 0\.6 in --source 'finite:points=0/1,pmf=0\.3/0\.3'; valid range" rate --source 'finite:points=0/1,pmf=0.3/0.3' --D 0.1
expect_usage_error "in --source 'gaussian:sigma=x'" simulate --lattice e8 --D 0.3 --source gaussian:sigma=x
expect_usage_error "in --distortion 'abs:r=abc'" rate --source gaussian --D 0.1 --distortion abs:r=abc
# Huge values name the user's parameter, not an internal one.
expect_usage_error 'invalid P-max: 1e308; valid range \[P-min = 0, 1e6 times' surface --source bernoulli:p=0.1 --perception tv --P-max 1e308
expect_usage_error "invalid source points: 'finite:points=0/1e308,pmf=0\.5/0\.5'; valid range" rate --source 'finite:points=0/1e308,pmf=0.5/0.5' --D 0.1
expect_usage_error 'invalid D-max: 0\.001; valid range \(D-min = 0\.01,' surface --source gaussian --perception w2sq --D-max 0.001 --D-min 0.01

# CLI11's own errors about an option are restated with its range.
expect_usage_error 'invalid D: nothing \(it is required\); valid range \[0, inf\)$' rate --source gaussian
expect_usage_error 'invalid D: nothing after --D; valid range \[0, inf\)$' rate --source gaussian --D
expect_usage_error 'invalid D: more than one value; valid range' rate --source gaussian --D 1 --D 2
expect_usage_error "invalid codec: 'xx'; valid range one of sd, pd, qsd$" simulate --codec xx --D 0.3
expect_usage_error "invalid method: 'foo'; valid range one of closed, ba, auto$" rate --source gaussian --D 1 --method foo
expect_usage_error "invalid fixed: 'Q'; valid range one of P, D, R$" section --source bernoulli:p=0.1 --perception tv --fixed Q --value 1

# Output files are checked before the solve.
expect_usage_error "invalid witness: '$tmp/missing/w\.json'" rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P 0.01 --method ba --witness "$tmp/missing/w.json"
expect_usage_error "invalid witness: '$tmp' \(a directory\)" rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P 0.01 --method ba --witness "$tmp"
expect_ok '"method":"ba"' rate --source bernoulli:p=0.1 --perception tv --D 0.1 --P 0.01 --method ba --witness "$tmp/w.json" --json
if [ -s "$tmp/w.json" ] && [ -z "$(find "$tmp" -name '*.tmp')" ]; then ok; else bad "witness not written, or a temporary file left"; fi
# Every witness rechecks from the file alone; a tampered one fails with exit 3, a foreign file is
# bad input.
expect_ok 'certificate holds' check-witness "$tmp/w.json"
for spec in "gaussian:sigma=1 w2sq 0.3 0.02" "gaussian:sigma=1 kl 0.4 0.05" "gaussian:sigma=1 w1 0.5 0" \
  "finite:points=0/1/2,pmf=0.5/0.3/0.2 rkl 0.2 0.05" "bernoulli:p=0.2 tv 0.1 0" "laplace:b=1 none 0.3 -"; do
  set -- $spec
  expect_ok '"method":"ba"' rate --source "$1" --perception "$2" --D "$3" $([ "$4" = - ] || echo --P "$4") \
    --method ba --grid 48 --witness "$tmp/w2.json" --json
  expect_ok '"agrees":true' check-witness "$tmp/w2.json" --json
done
# A query settled exactly (D = 0: the identity is the only channel, R = H(X), no dual point)
# rechecks too: check-witness recomputes H(X) from the source pmf.
expect_ok '"lower_bits":0\.88129' rate --source bernoulli:p=0.3 --perception tv --method ba --D 0 --P 0.1 \
  --witness "$tmp/w0.json" --json
expect_ok 'certificate holds: R\(D,P\) in \[0\.88129[0-9]*, 0\.88129[0-9]*\] bits \(D at its minimum' \
  check-witness "$tmp/w0.json"
"$py" -c "import json,sys; j=json.load(open(sys.argv[1])); j['lower_bits'] += 0.01; json.dump(j, open(sys.argv[2], 'w'))" "$tmp/w.json" "$tmp/tampered.json"
timeout 60 "$rdp" check-witness "$tmp/tampered.json" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 3 ] && grep -q 'lower bound' "$tmp/err" && [ -s "$tmp/out" ]; then ok; else bad "a tampered witness did not fail with exit 3: $(cat "$tmp/err")"; fi
echo '{"source_points": [0]}' >"$tmp/foreign.json"
expect_usage_error "invalid witness: none; valid range a witness with 'source_pmf'" check-witness "$tmp/foreign.json"
echo 'not json' >"$tmp/foreign.json"
expect_usage_error 'invalid witness: text that is not JSON' check-witness "$tmp/foreign.json"
expect_usage_error "invalid file: '$tmp/none.json'" check-witness "$tmp/none.json"
# The documented maximum of --samples is refused up front when it cannot fit, not a bad_alloc.
expect_usage_error 'invalid samples: 2e9; valid range' simulate --lattice z1 --D 0.3 --samples 2e9
# One list of fields: the perception measures are named apart.
expect_ok '"perception_marginal_w2sq":[0-9].*"perception_frechet_w2sq":[0-9].*"perception_sliced_w2sq":[0-9]' simulate --lattice z1 --D 0.3 --samples 4000 --json

# Extreme scales inside the documented ranges: the closed forms are scale invariant, so σ = 1e100 at
# (D, P) = (0.3σ², 0.01σ²) is σ = 1 at (0.3, 0.01): s = 0.9, ρ = 1.51/1.8, R = −½ log2(1 − ρ²)
# = 0.87751889536228 (it printed -nan); a denormal D is ½ log2(1/D) = 155 log2(10) = 514.8988547
# bits (it printed null).
expect_ok '"rate_bits":0\.87751889536227' rate --source gaussian:sigma=1e100 --perception w2sq --D 3e199 --P 1e198 --json
expect_ok '"rate_bits":0\.87751889536227' rate --source gaussian:sigma=1e-100 --perception w2sq --D 3e-201 --P 1e-202 --json
expect_ok '"rate_bits":514\.898854707541' rate --source gaussian:sigma=1 --D 1e-310 --json
# Beyond what a double sample can resolve (x − μ keeps log2(σ/ulp(μ)) bits), refused by name.
expect_usage_error "invalid gaussian mu: 1e\+16 in --source 'gaussian:sigma=1,mu=1e16'; valid range \[-1e6·sigma, 1e6·sigma\]" simulate --lattice e8 --source gaussian:sigma=1,mu=1e16 --D 0.3
expect_usage_error 'invalid gaussian mu: 1e\+300' rate --source gaussian:sigma=1,mu=1e300 --D 0.3
expect_usage_error 'invalid laplace mu' rate --source laplace:b=1,mu=-2e6 --D 0.3 --perception rkl --P 0.1
# Codecs: σ⁴ of the simulation's error moments and a lattice step far above 2^-52 σ.
expect_usage_error 'invalid source sigma: 1e\+100; valid range \[1e-60, 1e60\] for a codec' simulate --lattice e8 --source gaussian:sigma=1e100 --D 3e199
expect_usage_error 'invalid D: 1e-310; valid range \[1e-20, 2\)' simulate --lattice e8 --D 1e-310
expect_ok '"rate_bits":[0-9]' simulate --lattice d4 --source gaussian:sigma=1e50 --D 3e99 --samples 4000 --json

finish
