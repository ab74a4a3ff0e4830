#!/bin/bash
# bazel run //traces:update: copies the generated traces and expected answers over
# the committed ones (and removes committed ones no longer in the corpus).
set -eu
ws="${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run //traces:update}"
cd traces/gen
find "$ws/traces" -mindepth 2 -maxdepth 2 \( -name '*.trace.jsonl' -o -name '*.expected.json' \) \
  -path "$ws/traces/[0-9]*" -delete
find "$ws/traces/nvidia" -mindepth 2 -maxdepth 2 -name '*.trace.jsonl' -delete 2>/dev/null || true
n=0
while IFS= read -r f; do
  mkdir -p "$ws/traces/$(dirname "$f")"
  cp -f "$f" "$ws/traces/$f"
  chmod 644 "$ws/traces/$f"
  n=$((n + 1))
done < <(find -L . -type f | sed 's|^\./||' | sort)
find "$ws/traces" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -empty -delete
find "$ws/traces/nvidia" -mindepth 1 -maxdepth 1 -type d -empty -delete 2>/dev/null || true
echo "wrote $n files under $ws/traces"
