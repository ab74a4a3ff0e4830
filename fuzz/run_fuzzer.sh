#!/usr/bin/env bash
# Long fuzzing runs by hand (fuzz/README.md): builds TARGET's libFuzzer binary with
# --config=fuzz in its own Bazel output base, then runs it on a writable corpus seeded
# with everything its smoke test uses. Extra arguments go to libFuzzer.
#
#   fuzz/run_fuzzer.sh TARGET [-max_total_time=3600] [-jobs=2] [...]
#
# TARGET: trace_parser, probe_replies, driver_version, files_parsers, smi_parser,
# machine_parser. Environment: NVPROBE_FUZZ_OUTPUT_BASE (default
# ~/.cache/bazel-fuzz), NVPROBE_FUZZ_WORK (default /tmp/nvprobe-fuzz): the growing
# corpus lands in $NVPROBE_FUZZ_WORK/TARGET/corpus, crashes in .../TARGET/.
set -euo pipefail

if [[ $# -lt 1 || $1 == -* ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
target=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
output_base=${NVPROBE_FUZZ_OUTPUT_BASE:-$HOME/.cache/bazel-fuzz}
work=${NVPROBE_FUZZ_WORK:-/tmp/nvprobe-fuzz}/$target

cd "$repo"
bazel="bazel --output_base=$output_base"
$bazel build --config=fuzz "//fuzz:${target}_fuzzer" "//fuzz:${target}_fuzz_test"
bin=$($bazel info --config=fuzz bazel-bin 2>/dev/null)

# The seeds: the smoke test's runfiles (checked-in corpus, regressions, genrule
# outputs, traces), copied so that libFuzzer may add to and merge the corpus.
mkdir -p "$work/corpus"
runfiles="$bin/fuzz/${target}_fuzz_test.runfiles/nvprobe"
{ find -L "$runfiles/fuzz/corpus/$target" "$runfiles/fuzz/regressions/$target" \
  "$runfiles/fuzz/seeds" "$runfiles/traces" -type f 2>/dev/null || true; } |
  while read -r f; do
    case $f in
      */seeds/*) [[ $f == */seeds/${target}_* ]] || continue ;;
    esac
    cp -f "$f" "$work/corpus/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
  done
echo "run_fuzzer: $(find "$work/corpus" -type f | wc -l) inputs in $work/corpus"

cd "$work"
exec "$bin/fuzz/${target}_fuzzer" -artifact_prefix="$work/" "$@" "$work/corpus"
