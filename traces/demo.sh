#!/bin/bash
# bazel run //:demo [-- NVPROBE_ARGS...]: nvprobe on the bundled default machine, an
# 8x H100 SXM5 HGX node, under the fake driver: first on driver 580.95.05 by exact
# replay of traces/580.95.05/hgx-h100-8x.trace.jsonl, then on the machine model of
# traces/machines/hgx-h100-8x.json with driver 550.163.01, beside NVIDIA's own
# nvidia-smi of that release (Debian's, fetched by tools/bootstrap). No GPU, no
# NVIDIA driver needed. Any program runs the same way:
#   fakedrv run --trace traces/<release>/<machine>.trace.jsonl -- PROGRAM ARGS...
#   fakedrv run --machine traces/machines/<machine>.json --driver V -- PROGRAM ARGS...
set -eu
cd "${RUNFILES_DIR:-$0.runfiles}/nvprobe" 2>/dev/null || true
trace=traces/580.95.05/hgx-h100-8x.trace.jsonl
echo "\$ fakedrv run --strict --trace $trace -- nvprobe $*"
fake_driver/fakedrv run --strict --trace "$trace" -- probe/nvprobe "$@"

release=550.163.01
machine=traces/machines/hgx-h100-8x.json
dist=../nvidia_userspace/dist/$release
if [[ ! -x $dist/bin/nvidia-smi ]]; then
  echo "demo: NVIDIA's nvidia-smi $release is missing: run tools/bootstrap" >&2
  exit 1
fi
log=$(mktemp "${TMPDIR:-/tmp}/fakedrv-demo-XXXXXX.log")
trap 'rm -f "$log"' EXIT
echo
echo "NVIDIA's own tools on the same machine, modelled (driver $release, no trace):"
echo "\$ fakedrv run --machine $machine --driver $release -- nvprobe --full"
fake_driver/fakedrv run --log "$log" --machine "$machine" --driver "$release" -- probe/nvprobe --full
echo
echo "\$ fakedrv run --machine $machine --driver $release -- nvidia-smi"
LD_LIBRARY_PATH=$dist/lib fake_driver/fakedrv run --log "$log" --machine "$machine" \
  --driver "$release" -- "$dist/bin/nvidia-smi"
echo "($(grep -c 'not supported' "$log") requests NVIDIA's tools made were answered \"not supported\" by the model: fakedrv run --log FILE lists them)"
