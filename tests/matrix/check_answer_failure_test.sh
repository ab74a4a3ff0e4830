#!/bin/bash
# A matrix cell that fails must say why: the differing fields, and the recorded
# events the run involved as `fakedrv show` decodes them. Here the expected memory
# of GPU 2 is wrong on purpose; the cell must fail and point at FB_GET_INFO.
set -u
trace=traces/580.95.05/hgx-h100-8x.trace.jsonl
out="${TEST_TMPDIR:-/tmp}"
fail() { echo "FAIL: $*"; echo "--- check_answer output ---"; cat "$out/cell.txt"; exit 1; }

sed '0,/"memory_mib": 81559/s//"memory_mib": 1/' traces/580.95.05/hgx-h100-8x.expected.json \
  >"$out/wrong.expected.json"
tests/matrix/check_answer fake_driver/fakedrv probe/nvprobe $trace "$out/wrong.expected.json" full \
  >"$out/cell.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "check_answer exited $rc, not 1"
grep -q 'gpus\[0\].memory_mib: expected 1, got 81559' "$out/cell.txt" || fail "no field difference"
grep -q 'fakedrv show: the [0-9]* recorded event(s) involved' "$out/cell.txt" || fail "no excerpt"
grep -q 'NV2080_CTRL_CMD_FB_GET_INFO' "$out/cell.txt" || fail "the excerpt lacks FB_GET_INFO"
grep -q -- '-> fbInfoList: NV2080_CTRL_FB_INFO' "$out/cell.txt" || fail "the excerpt lacks the nested list"
grep -q 'fakedrv: served' "$out/cell.txt" && fail "served lines belong in the excerpt, not the diagnostics"

# The matching answer passes.
tests/matrix/check_answer fake_driver/fakedrv probe/nvprobe $trace \
  traces/580.95.05/hgx-h100-8x.expected.json full >"$out/cell.txt" 2>&1 || fail "the true answer failed"
echo PASS
