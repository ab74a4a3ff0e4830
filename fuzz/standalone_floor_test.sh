#!/bin/bash
# The standalone driver's floors (standalone_main.cc): a smoke run that read no
# input or ran no mutation fails; a time cap of 0 still runs the floor of mutations.
# Args: the fuzzer binary, then one seed file.
set -u
fuzzer=$1
seed=$2
empty_dir=${TEST_TMPDIR:-/tmp}/empty_seed_dir
rm -rf "$empty_dir" && mkdir -p "$empty_dir"
fails=0

# expect_status WANT LABEL CMD...: runs CMD; WANT is 0 or "fail" (any non-zero).
expect() {
  local want=$1 label=$2
  shift 2
  local out status
  out=$("$@" 2>&1)
  status=$?
  if { [ "$want" = 0 ] && [ "$status" -ne 0 ]; } || { [ "$want" = fail ] && [ "$status" -eq 0 ]; }; then
    echo "FAILED: $label: exit $status, wanted $want"
    fails=$((fails + 1))
  else
    echo "ok: $label: exit $status"
  fi
  printf '%s\n' "$out" | sed 's/^/    /' | tail -3
  last_out=$out
}

expect fail "no inputs at all" "$fuzzer" -runs=10
expect fail "an empty seed directory" "$fuzzer" -runs=10 -min_inputs=0 "$empty_dir"
expect fail "fewer inputs than -min_inputs" "$fuzzer" -runs=10 -min_inputs=2 "$seed"
expect fail "-runs below -min_runs" "$fuzzer" -runs=0 -min_runs=50 "$seed"
expect fail "NVPROBE_FUZZ_RUNS=0 below -min_runs" env NVPROBE_FUZZ_RUNS=0 "$fuzzer" -runs=100 -min_runs=50 "$seed"

# A time cap of 0 is checked only after the floor: exactly the floor runs, and the
# summary line says both counts.
expect 0 "a time cap of 0 still runs the floor" "$fuzzer" -max_total_time=0 -runs=100000 -min_runs=50 "$seed"
if ! grep -q "1 seed/regression inputs in .* then 50 mutations .*(floors: 1 inputs, 50 mutations)" <<<"$last_out"; then
  echo "FAILED: the summary line does not report 1 input and 50 mutations"
  fails=$((fails + 1))
fi
expect 0 "NVPROBE_FUZZ_SECONDS=0 still runs the floor" env NVPROBE_FUZZ_SECONDS=0 "$fuzzer" -min_runs=50 "$seed"
if ! grep -q " then 50 mutations " <<<"$last_out"; then
  echo "FAILED: NVPROBE_FUZZ_SECONDS=0 did not run exactly the floor of 50 mutations"
  fails=$((fails + 1))
fi
# By hand, -runs=0 reruns files without mutating (fuzz/README.md): still allowed.
expect 0 "-runs=0 by hand (no floor asked)" "$fuzzer" -runs=0 "$seed"

[ "$fails" -eq 0 ] && echo "all held" || echo "$fails FAILED"
exit $((fails != 0))
