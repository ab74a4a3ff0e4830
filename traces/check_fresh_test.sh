#!/bin/bash
# check_fresh.sh must fail when it compared nothing or not the corpus's count.
# Arg: check_fresh.sh. Builds small fake runfiles trees under TEST_TMPDIR.
set -u
check=$(realpath "$1")
tmp=${TEST_TMPDIR:-/tmp}/check_fresh_test
fails=0

# tree N_GEN: traces/gen with N_GEN generated files, each with a committed copy.
tree() {
  rm -rf "$tmp" && mkdir -p "$tmp/traces/gen/580.95.05"
  for i in $(seq 1 "$1"); do
    echo "file $i" >"$tmp/traces/gen/580.95.05/m$i.trace.jsonl"
    mkdir -p "$tmp/traces/580.95.05"
    echo "file $i" >"$tmp/traces/580.95.05/m$i.trace.jsonl"
  done
}

expect() {  # expect 0|fail LABEL ARGS...
  local want=$1 label=$2
  shift 2
  local out status
  out=$(cd "$tmp" && "$check" "$@" 2>&1)
  status=$?
  if { [ "$want" = 0 ] && [ "$status" -ne 0 ]; } || { [ "$want" = fail ] && [ "$status" -eq 0 ]; }; then
    echo "FAILED: $label: exit $status, wanted $want: $out"
    fails=$((fails + 1))
  else
    echo "ok: $label: exit $status: $out"
  fi
}

tree 0
expect fail "no generated files, corpus defines 4" 4
expect fail "no generated files, no count given"
expect fail "no generated files, count 0" 0
rm -rf "$tmp/traces/gen"
expect fail "no traces/gen at all" 4
tree 2
expect 0 "2 fresh files, corpus defines 2" 2
expect fail "2 files, corpus defines 3" 3
expect fail "2 files, corpus defines 1" 1
expect fail "a count that is not a number" two
echo "changed" >"$tmp/traces/580.95.05/m1.trace.jsonl"
expect fail "a stale file" 2

[ "$fails" -eq 0 ] && echo "all held" || echo "$fails FAILED"
exit $((fails != 0))
