/*
 * util.h — checked parsing of numbers and durations, clocks, and the
 * allocation wrappers that are allowed to abort (out of memory is the one
 * failure a daemon cannot carry on from).
 */
#ifndef LOGHAUL_UTIL_H
#define LOGHAUL_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"

/*
 * Parse a whole decimal string into [min, max]. No sign unless min < 0, no
 * leading or trailing junk, no empty string: "port: abc" must not become 0.
 */
enum cerr util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
enum cerr util_parse_u64(const char *s, uint64_t max, uint64_t *out);
enum cerr util_parse_double(const char *s, double *out);

/*
 * Parse a duration into milliseconds: "250ms", "30s", "5m", "2h", "1d", or
 * a sum such as "1m30s". A bare number means seconds. Fractions are allowed
 * ("1.5s"). Negative, empty and overflowing values are refused.
 */
enum cerr util_parse_duration_ms(const char *s, uint64_t *out_ms);

/* Parse a byte size: "512", "64k", "16KiB", "1M", "2GB" (powers of 1024). */
enum cerr util_parse_size(const char *s, uint64_t *out);

/* Seconds on CLOCK_MONOTONIC as a double. */
double util_monotime(void);
/* Milliseconds since the epoch, CLOCK_REALTIME. */
int64_t util_wallms(void);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Like asprintf, aborting on failure. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * mkdir -p: create dir and its missing parents with mode. 0, or -1 with
 * errno set (EEXIST when a part of the path is not a directory).
 */
int util_mkdir_p(const char *dir, unsigned mode);

/*
 * A file name from a device name: letters, digits, '-', '_' and '.' (not
 * leading) stay, anything else becomes %XX, so "../x" or "a/b" cannot leave
 * its directory and two names never map to one file; names longer than
 * UTIL_NAME_MAX_SAFE are cut and get a hash of the whole name. Caller frees.
 */
#define UTIL_NAME_MAX_SAFE 128
char *util_safe_name(const char *name);

/* FNV-1a 64-bit: a stable hash for sharding devices across processes. */
uint64_t util_hash64(const void *data, size_t len);

#endif
