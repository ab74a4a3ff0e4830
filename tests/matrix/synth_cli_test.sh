#!/bin/bash
# fakedrv synth on the command line: writes a trace that `fakedrv show` loads and an
# expected answer; bad input exits 1, bad usage 2, and nothing is written then.
set -u
fakedrv=fake_driver/fakedrv
machine=traces/machines/hgx-h100-8x.json
out="${TEST_TMPDIR:-/tmp}"
fail() { echo "FAIL: $*"; exit 1; }
# synth records nvprobe (found in PATH by default) on the machine model.
PATH="$PWD/probe:$PATH"

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

# Issue 15. A directory as the description: exit 134 (uncaught ios_base::failure).
$fakedrv synth --machine "$out" --driver 580.95.05 -o "$out/d.jsonl" 2>"$out/err"
rc=$?
[ $rc -eq 1 ] || fail "--machine DIR exited $rc: $(cat "$out/err")"
grep -qF "fakedrv synth: $out: cannot read: Is a directory" "$out/err" || fail "no reason: $(cat "$out/err")"

# Errors say why and where.
$fakedrv synth --machine "$out/none.json" --driver 580.95.05 -o "$out/d.jsonl" 2>"$out/err"
grep -qF "$out/none.json: cannot open: No such file or directory" "$out/err" || fail "open: $(cat "$out/err")"
printf '{"name": "x",\n "source": "y",,\n}' >"$out/syntax.json"
$fakedrv synth --machine "$out/syntax.json" --driver 580.95.05 -o "$out/d.jsonl" 2>"$out/err"
grep -qF "$out/syntax.json:2:16: not valid JSON: syntax error while parsing object key" "$out/err" \
  || fail "JSON error without line:column: $(cat "$out/err")"
$fakedrv synth --machine $machine --driver 580.95.05 -o /nonexistent/t.jsonl 2>"$out/err"
[ $? -eq 1 ] || fail "an unwritable output must exit 1"
grep -qF "cannot write /nonexistent/t.jsonl: directory /nonexistent: No such file or directory" "$out/err" \
  || fail "write error without its reason: $(cat "$out/err")"

# 580.95.5 is 580.95.05 written differently; no stand-in is named while refusing.
$fakedrv synth --machine $machine --driver 580.95.5 -o "$out/p.jsonl" 2>"$out/err"
[ $? -eq 1 ] || fail "580.95.5 must be refused"
grep -qF "NVIDIA writes it 580.95.05" "$out/err" || fail "no spelling given: $(cat "$out/err")"
! grep -q "using" "$out/err" || fail "says it uses a release while refusing: $(cat "$out/err")"

# An output that is an input is refused, and nothing is touched.
cp $machine "$out/m.json"
$fakedrv synth --machine "$out/m.json" --driver 580.95.05 -o "$out/./m.json" 2>"$out/err"
[ $? -eq 1 ] || fail "-o M --machine M must exit 1"
grep -qF "is the machine description (--machine)" "$out/err" || fail "-o M --machine M: $(cat "$out/err")"
cmp -s $machine "$out/m.json" || fail "the machine description was overwritten"
$fakedrv synth --machine $machine --driver 580.95.05 -o "$out/t.jsonl" --expected "$out/t.jsonl" 2>"$out/err"
[ $? -eq 1 ] || fail "-o X --expected X must exit 1"
grep -qF "is the trace (-o)" "$out/err" || fail "-o X --expected X: $(cat "$out/err")"
$fakedrv show "$out/t.jsonl" >/dev/null || fail "the trace was replaced"

# Issue 21: an output that is the program being run is refused, and the program
# is left as it was (synth --nvprobe ./np -o np replaced the binary and exited 0).
cp probe/nvprobe "$out/np"
chmod u+w "$out/np"
(cd "$out" && "$OLDPWD/$fakedrv" synth --machine "$OLDPWD/$machine" --driver 580.95.05 \
  --nvprobe ./np -o np 2>"$out/err")
[ $? -eq 1 ] || fail "synth --nvprobe ./np -o np must exit 1"
grep -qF -- "-o np is the program synth runs (./np)" "$out/err" || fail "no reason: $(cat "$out/err")"
cmp -s probe/nvprobe "$out/np" || fail "synth overwrote the nvprobe it runs"
$fakedrv synth --machine $machine --driver 580.95.05 -o "$out/t2.jsonl" --expected "$out/np" \
  --nvprobe "$out/np" 2>"$out/err"
[ $? -eq 1 ] || fail "--expected NP --nvprobe NP must exit 1"
cmp -s probe/nvprobe "$out/np" || fail "synth overwrote the nvprobe it runs (--expected)"
$fakedrv synth --machine $machine --driver 580.95.05 -o "$out/np" -- "$out/np" 2>"$out/err"
[ $? -eq 1 ] || fail "synth -o CMD -- CMD must exit 1"
cmp -s probe/nvprobe "$out/np" || fail "synth overwrote the command it runs"
$fakedrv record -o "$out/np" -- "$out/np" 2>"$out/err"
[ $? -ne 0 ] || fail "record -o CMD -- CMD must fail"
grep -qF "is the program to record" "$out/err" || fail "record: no reason: $(cat "$out/err")"
cmp -s probe/nvprobe "$out/np" || fail "record overwrote the program it records"

# A write that fails part-way (here a 20 KB file-size limit) leaves the old trace
# whole: synth writes a temporary file beside it and renames it over it.
cp "$out/t.jsonl" "$out/good.jsonl"
(ulimit -f 20; $fakedrv synth --machine $machine --driver 580.95.05 -o "$out/t.jsonl" 2>"$out/err")
rc=$?
[ $rc -eq 1 ] || fail "a failed write exited $rc: $(cat "$out/err")"
grep -qF "cannot write $out/t.jsonl: File too large" "$out/err" || fail "no reason: $(cat "$out/err")"
cmp -s "$out/good.jsonl" "$out/t.jsonl" || fail "the good trace was cut short"
[ -z "$(ls "$out" | grep '^t\.jsonl\.')" ] || fail "temporary files left: $(ls "$out")"

# Without nvprobe in PATH nor --nvprobe: an error naming the fix, nothing written.
rm -f "$out/n.jsonl"
PATH=/nonexistent $fakedrv synth --machine $machine --driver 580.95.05 -o "$out/n.jsonl" 2>"$out/err"
[ $? -eq 1 ] || fail "synth without nvprobe did not exit 1"
grep -qF "fakedrv synth: nvprobe: not found in PATH (give --nvprobe PATH)" "$out/err" \
  || fail "no reason: $(cat "$out/err")"
[ ! -e "$out/n.jsonl" ] || fail "a trace was written without nvprobe"
PATH=/nonexistent $fakedrv synth --machine $machine --driver 580.95.05 -o "$out/n.jsonl" \
  --nvprobe probe/nvprobe || fail "synth --nvprobe exited $?"

# A command of one's own: the trace holds what the model answered it (the full
# path's controls) and every file the model presents.
$fakedrv synth --machine $machine --driver 580.95.05 -o "$out/own.jsonl" -- probe/nvprobe --full \
  || fail "synth -- CMD exited $?"
$fakedrv show "$out/own.jsonl" | grep -q 'NV2080_CTRL_CMD_FB_GET_INFO' || fail "no FB_GET_INFO recorded"
grep -q '"path":"/proc/driver/nvidia/params"' "$out/own.jsonl" || fail "model files missing"
grep -q 'recorded serving: nvprobe --full' "$out/own.jsonl" || fail "provenance does not name the command"
$fakedrv run --strict --trace "$out/own.jsonl" -- probe/nvprobe --full >/dev/null \
  || fail "the recording does not replay strictly"
$fakedrv synth --machine $machine --driver 580.95.05 -o "$out/x.jsonl" -- /nonexistent/tool 2>"$out/err"
[ $? -eq 1 ] || fail "synth of a missing command did not exit 1"
grep -qF "/nonexistent/tool: not an executable file" "$out/err" || fail "no reason: $(cat "$out/err")"
[ ! -e "$out/x.jsonl" ] || fail "a trace was written for a command that never ran"
echo PASS
