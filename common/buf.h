/*
 * buf.h — a growable byte buffer with a ceiling (curl's dynbuf idea): one
 * chatty device must not be able to use up the process's memory. An append
 * that would pass the ceiling fails with CERR_TOOBIG and leaves the buffer as
 * it was. The contents are always NUL-terminated for convenience, but may
 * hold NUL bytes: use len.
 */
#ifndef LOGHAUL_BUF_H
#define LOGHAUL_BUF_H

#include <stddef.h>

#include "common/cerr.h"

struct buf {
	char  *data;
	size_t len;
	size_t cap;
	size_t max;	/* ceiling for len; 0 means SIZE_MAX / 2 */
};

void      buf_init(struct buf *b, size_t max);
void      buf_free(struct buf *b);
void      buf_reset(struct buf *b);	/* len = 0, keeps the memory */
enum cerr buf_append(struct buf *b, const void *data, size_t len);
enum cerr buf_appendc(struct buf *b, char c);
enum cerr buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes. */
void      buf_consume(struct buf *b, size_t n);

#endif
