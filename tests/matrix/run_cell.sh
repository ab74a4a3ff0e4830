#!/bin/bash
# One matrix cell: check_answer FAKEDRV NVPROBE TRACE EXPECTED MODE (see matrix.bzl).
exec "$@"
