#!/bin/bash
# fakedrv synth on the command line: writes a trace that `fakedrv show` loads and an
# expected answer; bad input exits 1, bad usage 2, and nothing is written then.
set -u
fakedrv=fake_driver/fakedrv
machine=traces/machines/hgx-h100-8x.json
out="${TEST_TMPDIR:-/tmp}"
fail() { echo "FAIL: $*"; exit 1; }

$fakedrv synth --machine $machine --driver 525.147.05 -o "$out/t.jsonl" --expected "$out/e.json" \
  || fail "synth exited $?"
$fakedrv show "$out/t.jsonl" | grep -q 'NV_ESC_CARD_INFO' || fail "show cannot decode the trace"
grep -q '"version": "525.147.05"' "$out/e.json" || fail "expected answer lacks the version"

$fakedrv synth --machine $machine --driver 580.95.99 -o "$out/u.jsonl" 2>"$out/err"
[ $? -eq 1 ] || fail "an unknown release must exit 1"
grep -q "not a known release" "$out/err" || fail "no message for an unknown release: $(cat "$out/err")"
[ ! -e "$out/u.jsonl" ] || fail "a trace was written for an unknown release"

echo '{"name":"x","source":"y","gpus":[{"pci_bus_id":"bad"}]}' >"$out/bad.json"
$fakedrv synth --machine "$out/bad.json" --driver 580.95.05 -o "$out/b.jsonl" 2>"$out/err"
[ $? -eq 1 ] || fail "a bad machine must exit 1"
grep -q "gpus\[0\].pci_bus_id" "$out/err" || fail "the message must name the key: $(cat "$out/err")"

$fakedrv synth --machine $machine -o "$out/c.jsonl" 2>/dev/null
[ $? -eq 2 ] || fail "a missing --driver must exit 2"
echo PASS
