/* nvprobe C API: the probe's JSON document (schema nvprobe/1, see probe/README.md)
 * in a caller's buffer. No allocation crosses the boundary; thread-compatible. */
#ifndef NVPROBE_PROBE_NVPROBE_H_
#define NVPROBE_PROBE_NVPROBE_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return values: the CLI's exit statuses, plus buffer errors. */
#define NVPROBE_FOUND 0
#define NVPROBE_ERROR 1
#define NVPROBE_NO_DRIVER 3
#define NVPROBE_BUFFER_TOO_SMALL (-1) /* *needed says how much; buf untouched */
#define NVPROBE_BAD_ARGUMENT (-2) /* buf NULL with a size, or an unknown flag */

/* Flags. */
#define NVPROBE_FLAG_FULL 1u /* the full path for every GPU (as --full) */
#define NVPROBE_FLAG_DETAILS 2u /* every GPU's procfs/sysfs files too (as --details) */

/* Probes the machine and writes the JSON document, NUL-terminated, to buf (size
 * bytes). `needed` (may be NULL) receives a size that holds the document with its
 * NUL, with room for its timings to grow: a second call with a buffer that large
 * succeeds unless the machine changed in between.
 * The environment variable NVPROBE_DRIVER_VERSION is honoured as by the CLI. */
int nvprobe_json(char* buf, size_t size, size_t* needed, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* NVPROBE_PROBE_NVPROBE_H_ */
