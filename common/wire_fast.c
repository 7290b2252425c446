/*
 * wire_fast.c — a single-pass reader for well-formed BATCH frames, the
 * analyzer's hot path.
 *
 * Why it exists: callgrind on an analyzer fed 512-record batches put 81 %
 * of its instructions in decoding, half of it msgpack-c building an object
 * tree (one msgpack_object per field) that wire.c then walks once and drops.
 * A BATCH frame has one fixed shape, so it can be read straight into
 * struct wire_rec in one pass over the bytes.
 *
 * It is deliberately not a second decoder with its own rules: it accepts a
 * subset of what the reference decoder in wire.c (scan, msgpack-c, shape
 * checks) accepts and yields the same fields, and it returns -1 on anything
 * else without saying why. wire_decode() then runs the reference decoder,
 * which refuses the frame with its reason (or, for an ACK or EVENTS frame,
 * decodes it). So the reasons, the limits and the error codes are defined
 * in one place; fuzz_wire checks on every input that both agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "common/wire_int.h"

struct rd {
	const unsigned char *p;
	const unsigned char *end;
};

/* n big-endian bytes as an unsigned number; -1 when the frame ends first. */
static inline int
rd_num(struct rd *r, size_t n, uint64_t *v)
{
	if ((size_t)(r->end - r->p) < n) {
		*v = 0;		/* gcc -O1 -fsanitize=thread cannot tell it is unused */
		return -1;
	}
	*v = wire_be(r->p, n);
	r->p += n;
	return 0;
}

/* The width of a MessagePack int type byte's body, 0 when it is not one. */
static inline size_t
rd_int_width(unsigned c)
{
	switch (c) {
	case 0xcc: case 0xd0: return 1;
	case 0xcd: case 0xd1: return 2;
	case 0xce: case 0xd2: return 4;
	case 0xcf: case 0xd3: return 8;
	}
	return 0;
}

/*
 * Any MessagePack integer as (negative, magnitude bits). msgpack-c, and so
 * the reference decoder, treats a signed encoding of a value >= 0 as a
 * positive integer; so does this.
 */
static inline int
rd_int_any(struct rd *r, int *neg, uint64_t *v)
{
	unsigned c;
	size_t w;

	if (r->p >= r->end)
		return -1;
	c = *r->p++;
	*neg = 0;
	if (c <= 0x7f) {
		*v = c;
		return 0;
	}
	if (c >= 0xe0) {
		*neg = 1;
		*v = (uint64_t)(int64_t)(int8_t)c;
		return 0;
	}
	if ((w = rd_int_width(c)) == 0 || rd_num(r, w, v) < 0)
		return -1;
	if (c >= 0xd0) {
		int64_t s;

		switch (w) {
		case 1:  s = (int8_t)*v; break;
		case 2:  s = (int16_t)*v; break;
		case 4:  s = (int32_t)*v; break;
		default: s = (int64_t)*v; break;
		}
		*neg = s < 0;
		*v = (uint64_t)s;
	}
	return 0;
}

static inline int
rd_uint(struct rd *r, uint64_t max, uint64_t *out)
{
	int neg;

	/* Most fields of a record are one-byte integers. */
	if (r->p < r->end && *r->p <= 0x7f) {
		*out = *r->p++;
		return *out > max ? -1 : 0;
	}
	if (rd_int_any(r, &neg, out) < 0 || neg || *out > max)
		return -1;
	return 0;
}

static inline int
rd_int(struct rd *r, int64_t *out)
{
	uint64_t v;
	int neg;

	if (rd_int_any(r, &neg, &v) < 0 || (!neg && v > INT64_MAX))
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* The body of a str or bin of n bytes, borrowed from the frame. */
static inline int
rd_body(struct rd *r, uint64_t n, struct wire_bytes *out)
{
	if (n > WIRE_MAX_LINE || (uint64_t)(r->end - r->p) < n)
		return -1;
	out->ptr = n ? (const char *)r->p : "";
	out->len = (size_t)n;
	r->p += n;
	return 0;
}

static inline int
rd_str(struct rd *r, struct wire_bytes *out)
{
	unsigned c;
	uint64_t n;

	if (r->p >= r->end)
		return -1;
	c = *r->p++;
	if ((c & 0xe0) == 0xa0)
		n = c & 0x1f;
	else if (c < 0xd9 || c > 0xdb || rd_num(r, (size_t)1 << (c - 0xd9), &n))
		return -1;
	if (rd_body(r, n, out) < 0 ||
	    (out->len > 0 && memchr(out->ptr, '\0', out->len) != NULL))
		return -1;
	return 0;
}

static inline int
rd_bin(struct rd *r, struct wire_bytes *out)
{
	unsigned c;
	uint64_t n;

	if (r->p >= r->end)
		return -1;
	c = *r->p++;
	if (c < 0xc4 || c > 0xc6 || rd_num(r, (size_t)1 << (c - 0xc4), &n))
		return -1;
	return rd_body(r, n, out);
}

static inline int
rd_array(struct rd *r, uint64_t *n)
{
	unsigned c;

	if (r->p >= r->end)
		return -1;
	c = *r->p++;
	if ((c & 0xf0) == 0x90) {
		*n = c & 0x0f;
		return 0;
	}
	if (c < 0xdc || c > 0xdd || rd_num(r, c == 0xdc ? 2 : 4, n) ||
	    *n > WIRE_MAX_RECORDS)
		return -1;
	return 0;
}

/*
 * A stamp or tag: its bytes, or a ref [offset, length] into the line
 * (wire.h) that comes later in the record; a ref is kept in off/len and
 * resolved by rd_resolve() once the line is known (off == UINT64_MAX: none).
 */
static inline int
rd_field(struct rd *r, int is_str, struct wire_bytes *out, uint64_t *off,
    uint64_t *len)
{
	*off = UINT64_MAX;
	*len = 0;
	if (r->p < r->end && *r->p == 0x92) {
		r->p++;
		if (rd_uint(r, UINT64_MAX - 1, off) < 0 ||
		    rd_uint(r, UINT64_MAX, len) < 0)
			return -1;
		return 0;
	}
	return is_str ? rd_str(r, out) : rd_bin(r, out);
}

static inline int
rd_resolve(uint64_t off, uint64_t len, struct wire_bytes line,
    struct wire_bytes *out)
{
	if (off == UINT64_MAX)
		return 0;
	if (len == 0 || off > line.len || len > line.len - off)
		return -1;
	out->ptr = line.ptr + off;
	out->len = (size_t)len;
	return 0;
}

static inline int
rd_rec(struct rd *r, uint64_t first_id, struct wire_rec *x)
{
	uint64_t n, kind, delta, ts_off, ts_len, tag_off, tag_len;

	if (rd_array(r, &n) < 0 || n != 7 ||
	    rd_uint(r, UINT64_MAX, &delta) < 0 ||
	    rd_uint(r, REC_GAP, &kind) < 0 ||
	    rd_int(r, &x->ts_ms) < 0 ||
	    rd_field(r, 0, &x->ts_raw, &ts_off, &ts_len) < 0 ||
	    rd_uint(r, UINT64_MAX, &x->seq) < 0 ||
	    rd_field(r, 1, &x->tag, &tag_off, &tag_len) < 0 ||
	    rd_bin(r, &x->line) < 0 ||
	    rd_resolve(ts_off, ts_len, x->line, &x->ts_raw) < 0)
		return -1;
	if (tag_off != UINT64_MAX &&
	    (rd_resolve(tag_off, tag_len, x->line, &x->tag) < 0 ||
	    memchr(x->tag.ptr, '\0', x->tag.len) != NULL))
		return -1;
	x->id = first_id + delta;	/* mod 2^64, as encoded */
	x->kind = (enum rec_kind)kind;
	return 0;
}

int
wire_decode_batch_fast(const void *data, size_t len, struct wire_msg *msg)
{
	struct rd r = { data, (const unsigned char *)data + len };
	struct wire_batch *b = &msg->u.batch;
	struct wire_bytes magic;
	struct wire_rec *recs;
	uint64_t n, version, type, nrecs, i;

	/* An empty batch sets no record field: start from a zeroed message. */
	memset(msg, 0, sizeof *msg);
	if (rd_array(&r, &n) < 0 || n != 9 || rd_str(&r, &magic) < 0 ||
	    magic.len != 2 || memcmp(magic.ptr, WIRE_MAGIC, 2) != 0 ||
	    rd_uint(&r, UINT64_MAX, &version) < 0 || version != WIRE_VERSION ||
	    rd_uint(&r, UINT64_MAX, &type) < 0 || type != WIRE_BATCH ||
	    rd_str(&r, &b->key.collector) < 0 ||
	    rd_str(&r, &b->key.device) < 0 ||
	    rd_str(&r, &b->platform) < 0 ||
	    rd_uint(&r, UINT64_MAX, &b->key.first_id) < 0 ||
	    rd_uint(&r, UINT64_MAX, &b->key.last_id) < 0 ||
	    rd_array(&r, &nrecs) < 0)
		goto fail;
	msg->type = WIRE_BATCH;
	if (nrecs == 0) {
		if (r.p != r.end)
			goto fail;
		return 0;
	}
	/* A record takes at least 8 bytes: a lying count allocates nothing. */
	if (nrecs > (uint64_t)(r.end - r.p) / 8)
		goto fail;
	/* Not calloc: rd_rec sets every field. */
	if ((recs = malloc(nrecs * sizeof *recs)) == NULL)
		goto fail;
	for (i = 0; i < nrecs; i++)
		if (rd_rec(&r, b->key.first_id, &recs[i]) < 0)
			break;
	if (i < nrecs || r.p != r.end) {
		free(recs);
		goto fail;
	}
	b->recs = recs;
	b->nrecs = nrecs;
	msg->priv_ = recs;
	return 0;

fail:
	memset(msg, 0, sizeof *msg);
	return -1;
}
