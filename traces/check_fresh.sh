#!/bin/bash
# Fails when a committed trace or expected answer differs from what `fakedrv synth`
# generates from the machine descriptions (traces/synth.bzl). Runs from the runfiles.
set -u
cd traces/gen || { echo "no generated traces"; exit 1; }
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
if [ "$stale" -ne 0 ]; then
  echo "$stale of $count files are stale: run  bazel run //traces:update  and commit traces/"
  exit 1
fi
echo "OK: $count committed files are fresh"
