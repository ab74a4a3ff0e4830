#!/bin/bash
# Fails when a committed trace or expected answer differs from what `fakedrv synth`
# generates from the machine descriptions (traces/synth.bzl). Runs from the runfiles.
# Arg: how many generated files the corpus defines (synth.bzl passes the number of
# its genrule outputs, so it follows corpus.bzl); fewer or more found is a failure,
# and so is 0: a check that compared nothing has checked nothing.
set -u
expected=${1:-}
if ! [[ "$expected" =~ ^[1-9][0-9]*$ ]]; then
  echo "FAILED: usage: check_fresh.sh N, N > 0 the number of generated files the corpus defines (got '$expected')"
  exit 2
fi
cd traces/gen || { echo "FAILED: no generated traces (traces/gen)"; exit 1; }
stale=0
count=0
while IFS= read -r f; do
  count=$((count + 1))
  if ! cmp -s "$f" "../$f"; then
    echo "STALE: traces/$f differs from what fakedrv synth generates"
    diff <(head -c 2000 "../$f" 2>/dev/null) <(head -c 2000 "$f") | head -5
    stale=$((stale + 1))
  fi
done < <(find -L . -type f | sed 's|^\./||' | sort)
if [ "$count" -ne "$expected" ]; then
  echo "FAILED: compared $count generated files, the corpus defines $expected"
  exit 1
fi
if [ "$stale" -ne 0 ]; then
  echo "$stale of $count files are stale: run  bazel run //traces:update  and commit traces/"
  exit 1
fi
echo "OK: $count committed files are fresh (the corpus defines $expected)"
