#!/bin/bash
# The benchmark still runs: every section, with tiny counts (--quick). Timings are
# not checked (a benchmark is not a test); a failed run or a wrong answer is.
set -u
out="${TEST_TMPDIR:-/tmp}/bench.out"
bench/fakedrv_bench --quick >"$out" 2>&1
status=$?
cat "$out"
if [[ $status -ne 0 ]]; then
  echo "FAIL: fakedrv_bench --quick exited $status"
  exit 1
fi
for want in '[1 replay per intercepted ioctl]' '[2 nvprobe end to end under fakedrv run' \
    '[3 system calls per probe (ptrace count)]' '[4 matrix throughput' \
    "[5 NVIDIA's tools vs nvprobe (machine model)]" '[targets (issues 7 and 14)]'; do
  if ! grep -qF "$want" "$out"; then
    echo "FAIL: no '$want' section in the output"
    exit 1
  fi
done
echo "OK"
