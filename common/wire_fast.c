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

/*
 * Where a frame's snapshot rows go while it is read: behind the records in
 * the same block, grown by doubling (so a frame of many small snapshots
 * costs amortized linear copying). Rows are placed in record order; their
 * pointers are set once the block stops moving.
 */
struct rows {
	char    *block;		/* nrecs records, then cap rows */
	size_t   nrecs;
	size_t   used;
	size_t   cap;
	uint64_t values;	/* the frame's MessagePack values so far */
};

/*
 * Room for n more rows. The caller has counted them into w->values, so
 * used + n rows fit the value budget, which also caps the doubling.
 */
static int
rows_reserve(struct rows *w, uint64_t n)
{
	const size_t most = WIRE_MAX_VALUES / (1 + WIRE_IFROW_FIELDS);
	size_t cap = w->cap ? w->cap : 16;
	char *p;

	if (n <= w->cap - w->used)
		return 0;
	while (cap - w->used < n)
		cap *= 2;
	if (cap > most)
		cap = most > w->used + n ? most : w->used + n;
	p = realloc(w->block, w->nrecs * sizeof(struct wire_rec) +
	    cap * sizeof(struct wire_ifrow));
	if (p == NULL)
		return -1;
	w->block = p;
	w->cap = cap;
	return 0;
}

/*
 * A snapshot's table. The count is checked against the bytes left and the
 * frame's value budget before anything is allocated for it.
 */
static inline int
rd_rows(struct rd *r, struct rows *w, size_t *nifs)
{
	struct wire_ifrow *rows;
	uint64_t n, j, f, admin, oper;

	if (rd_array(r, &n) < 0 || n > WIRE_MAX_IFS ||
	    n > (uint64_t)(r->end - r->p) / WIRE_IFROW_MIN_BYTES)
		return -1;
	w->values += 1 + n * (1 + WIRE_IFROW_FIELDS);
	if (w->values > WIRE_MAX_VALUES || rows_reserve(w, n) < 0)
		return -1;
	rows = (struct wire_ifrow *)(void *)(w->block +
	    w->nrecs * sizeof(struct wire_rec)) + w->used;
	for (j = 0; j < n; j++) {
		if (rd_array(r, &f) < 0 || f != WIRE_IFROW_FIELDS ||
		    rd_bin(r, &rows[j].name) < 0 || rows[j].name.len == 0 ||
		    rd_bin(r, &rows[j].descr) < 0 ||
		    rd_uint(r, WIRE_IFROW_MAX, &admin) < 0 ||
		    rd_uint(r, WIRE_IFROW_MAX, &oper) < 0)
			return -1;
		rows[j].admin = (enum wire_ifrow_state)admin;
		rows[j].oper = (enum wire_ifrow_state)oper;
	}
	w->used += n;
	*nifs = (size_t)n;
	return 0;
}

/* Record i of the block; rd_rows() may move the block, so not kept. */
static inline struct wire_rec *
rows_rec(struct rows *w, size_t i)
{
	return (struct wire_rec *)(void *)w->block + i;
}

static inline int
rd_rec(struct rd *r, uint64_t first_id, struct rows *w, size_t i)
{
	struct wire_rec *x = rows_rec(w, i);
	uint64_t n, kind, delta, ts_off, ts_len, tag_off, tag_len;
	size_t nifs = 0;

	if (rd_array(r, &n) < 0 ||
	    (n != WIRE_REC_FIELDS && n != WIRE_SNAP_FIELDS) ||
	    rd_uint(r, UINT64_MAX, &delta) < 0 ||
	    rd_uint(r, REC_KIND_MAX, &kind) < 0 ||
	    n != (kind == REC_SNAPSHOT ? WIRE_SNAP_FIELDS : WIRE_REC_FIELDS) ||
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
	/* the record's array and fields, and the two values of each ref */
	w->values += 1 + WIRE_REC_FIELDS + 2 * (ts_off != UINT64_MAX) +
	    2 * (tag_off != UINT64_MAX);
	x->id = first_id + delta;	/* mod 2^64, as encoded */
	x->kind = (enum rec_kind)kind;
	x->nifs = 0;
	x->ifs = NULL;
	if (kind != REC_SNAPSHOT)
		return 0;
	if (rd_rows(r, w, &nifs) < 0)
		return -1;
	rows_rec(w, i)->nifs = nifs;
	return 0;
}

int
wire_decode_batch_fast(const void *data, size_t len, struct wire_msg *msg)
{
	struct rd r = { data, (const unsigned char *)data + len };
	struct wire_batch *b = &msg->u.batch;
	struct wire_bytes magic;
	struct wire_rec *recs;
	struct wire_ifrow *rows;
	struct rows w = { NULL, 0, 0, 0, 0 };
	uint64_t n, version, type, nrecs, i;

	/* An empty batch sets no record field: start from a zeroed message. */
	memset(msg, 0, sizeof *msg);
	if (rd_array(&r, &n) < 0 || n != WIRE_BATCH_FIELDS ||
	    rd_str(&r, &magic) < 0 ||
	    magic.len != 2 || memcmp(magic.ptr, WIRE_MAGIC, 2) != 0 ||
	    rd_uint(&r, UINT64_MAX, &version) < 0 || version != WIRE_VERSION ||
	    rd_uint(&r, UINT64_MAX, &type) < 0 || type != WIRE_BATCH ||
	    rd_str(&r, &b->key.collector) < 0 ||
	    rd_str(&r, &b->key.device) < 0 ||
	    rd_str(&r, &b->platform) < 0 ||
	    rd_uint(&r, UINT64_MAX, &b->key.first_id) < 0 ||
	    rd_uint(&r, UINT64_MAX, &b->key.last_id) < 0 ||
	    rd_int(&r, &b->rx_ms) < 0 ||
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
	/*
	 * Not calloc: rd_rec sets every field. The block moves while a
	 * snapshot's rows are added: records are addressed through it.
	 */
	w.nrecs = (size_t)nrecs;
	if ((w.block = malloc(w.nrecs * sizeof *recs)) == NULL)
		goto fail;
	w.values = 1 + WIRE_BATCH_FIELDS;	/* the frame and its fields */
	for (i = 0; i < nrecs; i++)
		if (rd_rec(&r, b->key.first_id, &w, (size_t)i) < 0)
			break;
	/* The scan's limit, which a frame of line records cannot reach. */
	if (i < nrecs || r.p != r.end || w.values > WIRE_MAX_VALUES) {
		free(w.block);
		goto fail;
	}
	recs = (struct wire_rec *)(void *)w.block;
	rows = (struct wire_ifrow *)(void *)(recs + nrecs);
	for (i = 0; i < nrecs && w.used > 0; i++) {
		if (recs[i].nifs > 0) {
			recs[i].ifs = rows;
			rows += recs[i].nifs;
		}
	}
	b->recs = recs;
	b->nrecs = (size_t)nrecs;
	msg->priv_ = w.block;
	return 0;

fail:
	memset(msg, 0, sizeof *msg);
	return -1;
}
