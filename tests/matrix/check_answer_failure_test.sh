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

# Each further check runs on an edited expected answer (python3 edits the JSON:
# j is the whole answer, m its mode MODE).
answer() {  # answer NAME TRACE_BASE MODE PYTHON: check_answer's status on the edit
  python3 -c "import json,sys; j=json.load(open(sys.argv[1])); m=j['modes']['$3']; $4; json.dump(j,open(sys.argv[2],'w'))" \
    "traces/$2.expected.json" "$out/$1.expected.json" || fail "$1: could not edit"
  tests/matrix/check_answer fake_driver/fakedrv probe/nvprobe "traces/$2.trace.jsonl" "$out/$1.expected.json" $3 \
    >"$out/cell.txt" 2>&1
}
plant() {  # plant NAME TRACE_BASE MODE PYTHON: the edited (wrong) answer must fail
  answer "$@"
  rc=$?
  [ $rc -eq 1 ] || fail "$1: check_answer exited $rc, not 1"
}
l4=580.95.05/fault-upgraded-not-reloaded-l4
# sources_tried[].error and .found are compared.
plant source_error 580.95.05/no-driver fast "m['sources'][2]['error_has']='nvidia-smi timed out'"
grep -q 'sources_tried\[2\].error: expected a string containing "nvidia-smi timed out"' "$out/cell.txt" || fail "no source error difference"
plant source_found 580.95.05/hgx-h100-8x fast "m['sources'][0]['found_has']='driver 580.95.06'"
grep -q 'sources_tried\[0\].found: expected a string containing "driver 580.95.06"' "$out/cell.txt" || fail "no source found difference"
plant source_found_null 580.95.05/no-driver fast "m['sources'][0].pop('error_has'); m['sources'][0]['error']=None"
grep -q 'sources_tried\[0\].error: expected null, got "open /dev/nvidiactl' "$out/cell.txt" || fail "no source null difference"
# A key nvprobe prints that the expected answer lacks is a difference, unless free.
plant extra_gpu_key 580.95.05/hgx-h100-8x fast "[g.pop('chip') for g in m['gpus']]"
grep -q 'gpus\[0\].chip: printed, but the expected answer lacks it' "$out/cell.txt" || fail "no extra-key difference"
plant extra_driver_key 580.95.05/hgx-h100-8x fast "m['driver'].pop('abi_release')"
grep -q 'driver.abi_release: printed, but the expected answer lacks it' "$out/cell.txt" || fail "no extra driver key difference"
answer free 580.95.05/hgx-h100-8x fast "[g.pop('chip') for g in m['gpus']]; m['free_keys']=['chip']" ||
  fail "a key listed in free_keys failed"
# Warnings match one to one: two expected warnings cannot both take the same one.
plant warnings_one_to_one $l4 full "m['warnings']=['/proc/driver/nvidia/version says', '/proc/driver/nvidia/version says']"
grep -q 'warnings: no warning of its own contains "/proc/driver/nvidia/version says"' "$out/cell.txt" || fail "no one-to-one difference"
grep -q 'warnings: unexpected "/sys/module/nvidia/version says' "$out/cell.txt" || fail "the left-over warning is not named"
plant warnings_left_over $l4 full "m['warnings']=m['warnings'][:1]"
grep -q 'warnings: unexpected "/proc/driver/nvidia/version says' "$out/cell.txt" || fail "no left-over difference"
# Overlapping substrings that can each take a warning of their own still pass.
answer overlap $l4 full "m['warnings']=['version says', '/sys/module/nvidia/version says']" ||
  fail "a one-to-one assignment was missed"

# smi mode (issue 15): a fake nvidia-smi in PATH, written from the trace header, is
# the only source on the WSL2 machine; it answers nvprobe's query and nothing else.
wsl=580.95.05/wsl2-rtx4090
tests/matrix/check_answer fake_driver/fakedrv probe/nvprobe traces/$wsl.trace.jsonl traces/$wsl.expected.json smi \
  >"$out/cell.txt" 2>&1 || fail "the true smi answer failed"
smi="$out/smi-path/nvidia-smi"
[ -x "$smi" ] || fail "no executable fake nvidia-smi at $smi"
[ "$("$smi" --query-gpu=driver_version,name,pci.bus_id,uuid,compute_cap,memory.total --format=csv,noheader,nounits)" = \
  "580.95.05, NVIDIA GeForce RTX 4090, 00000000:01:00.0, GPU-d59d59d5-0000-4000-8000-000000000001, 8.9, 24564" ] ||
  fail "the fake nvidia-smi does not answer as NVIDIA's does"
"$smi" -L >"$out/smi.txt"; rc=$?
[ $rc -eq 1 ] && grep -q 'answers only --query-gpu=' "$out/smi.txt" || fail "the fake nvidia-smi answered another query (rc $rc)"
plant smi_name $wsl smi "m['gpus'][0]['name']='NVIDIA GeForce RTX 4080'"
grep -q 'gpus\[0\].name: expected "NVIDIA GeForce RTX 4080", got "NVIDIA GeForce RTX 4090"' "$out/cell.txt" || fail "no smi name difference"
plant smi_source $wsl smi "m['driver']['source']='files'"
grep -q 'driver.source: expected "files", got "nvidia-smi"' "$out/cell.txt" || fail "no smi driver source difference"
# Without the fake (fast mode's empty PATH) the smi answer is not what nvprobe gives.
answer nosmi $wsl fast "j['modes']['fast']=j['modes']['smi']" && fail "the smi answer passed without a nvidia-smi"
echo PASS
