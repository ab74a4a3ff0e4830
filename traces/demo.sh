#!/bin/bash
# bazel run //:demo [-- NVPROBE_ARGS...]: nvprobe on the bundled default machine, an
# 8x H100 SXM5 HGX node on driver 580.95.05 (traces/580.95.05/hgx-h100-8x.trace.jsonl,
# synthesized from traces/machines/hgx-h100-8x.json), under the fake driver. No GPU,
# no NVIDIA driver needed. Any program runs the same way:
#   fakedrv run --trace traces/<release>/<machine>.trace.jsonl -- PROGRAM ARGS...
set -eu
cd "${RUNFILES_DIR:-$0.runfiles}/nvprobe" 2>/dev/null || true
trace=traces/580.95.05/hgx-h100-8x.trace.jsonl
echo "\$ fakedrv run --strict --trace $trace -- nvprobe $*"
exec fake_driver/fakedrv run --strict --trace "$trace" -- probe/nvprobe "$@"
