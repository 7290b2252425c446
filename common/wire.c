/*
 * wire.c — the wire format's small helpers and its defensive decoder
 * (wire.h); the encoder is wire_enc.c.
 *
 * Decoding runs in three steps:
 *   1. s_scan() walks the raw bytes once, without building anything, and
 *      checks that they are one complete MessagePack value with nothing
 *      after it, that no container claims more elements than the bytes left
 *      could hold, and that the limits hold. msgpack-c allocates an array's
 *      slots as soon as it reads the header, so without this a 5-byte frame
 *      claiming 4 G elements would make it ask for ~100 GB.
 *   2. msgpack_unpack() builds the object tree in a zone sized by the scan
 *      (one allocation). Its str/bin objects point into the frame.
 *   3. s_decode_*() check the exact shape and types and fill struct wire_msg
 *      with one block per message (records and their snapshot rows, or
 *      events and their captures); the zone is then dropped.
 * That is wire_decode_ref(), which defines every refusal. A well-formed
 * BATCH frame, the bulk of the traffic, first goes through the one-pass
 * reader in wire_fast.c, which yields the same message at a third of the
 * cost or hands the frame to wire_decode_ref().
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/buf.h"
#include "common/util.h"
#include "common/wire.h"
#include "common/wire_int.h"

/* ---------------------------------------------------------------------
 * Small helpers
 */

struct wire_bytes
wire_str(const char *s)
{
	struct wire_bytes b;

	b.ptr = s ? s : "";
	b.len = s ? strlen(s) : 0;
	return b;
}

int
wire_bytes_eq(struct wire_bytes a, struct wire_bytes b)
{
	if (a.len != b.len)
		return 0;
	return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
}

char *
wire_bytes_dup(struct wire_bytes a)
{
	char *s = xmalloc(a.len + 1);

	if (a.len)
		memcpy(s, a.ptr, a.len);
	s[a.len] = '\0';
	return s;
}

const char *
ifstate_str(enum ifstate s)
{
	switch (s) {
	case IF_DOWN:		return "down";
	case IF_UP:		return "up";
	case IF_ADMIN_DOWN:	return "admin_down";
	case IF_UNKNOWN:	break;
	}
	return "unknown";
}

const char *
ifkind_str(enum ifkind k)
{
	switch (k) {
	case IFK_LINK:		return "link";
	case IFK_PROTOCOL:	return "protocol";
	case IFK_ADMIN:		return "admin";
	case IFK_SNAPSHOT:	return "snapshot";
	case IFK_NONE:		break;
	}
	return "";
}

const char *
wire_ifrow_str(enum wire_ifrow_state s)
{
	switch (s) {
	case WIRE_IFROW_UP:	return "up";
	case WIRE_IFROW_DOWN:	return "down";
	case WIRE_IFROW_UNKNOWN: break;
	}
	return "unknown";
}

/*
 * Derive the ack endpoint from a data endpoint. Only forms we can be sure
 * of are derived; anything else (a wildcard port, port 65535, an unknown
 * transport) makes the config name the ack endpoint itself.
 */
char *
wire_ack_endpoint(const char *ep)
{
	const char *colon, *p;
	uint64_t port;
	char *host;
	char *out;

	if (ep == NULL)
		return NULL;
	if (strncmp(ep, "ipc://", 6) == 0 && ep[6] != '\0')
		return xasprintf("%s.ack", ep);
	if (strncmp(ep, "inproc://", 9) == 0 && ep[9] != '\0')
		return xasprintf("%s.ack", ep);
	if (strncmp(ep, "tcp://", 6) != 0)
		return NULL;
	colon = strrchr(ep + 6, ':');
	if (colon == NULL || colon == ep + 6)
		return NULL;
	for (p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return NULL;
	if (util_parse_u64(colon + 1, 65534, &port) != CERR_OK || port == 0)
		return NULL;
	host = xstrndup(ep, (size_t)(colon - ep));
	out = xasprintf("%s:%" PRIu64, host, port + 1);
	free(host);
	return out;
}

/* ---------------------------------------------------------------------
 * Decoding, step 1: the raw scan
 */

struct dec {
	char       *err;
	size_t      errlen;
	enum cerr   code;	/* set by s_fail() */
	const char *what;	/* "record", "event" or NULL */
	size_t      idx;
	const char *sub;	/* "row" (of record idx) or NULL */
	size_t      subidx;
};

/*
 * Record why a frame is refused. Returns -1 so that checks chain with ||:
 * the first failing one writes the reason, the rest are not evaluated.
 */
__attribute__((format(printf, 3, 4)))
static int
s_fail(struct dec *d, enum cerr code, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	d->code = code;
	if (d->err == NULL || d->errlen == 0)
		return -1;
	if (d->what != NULL && d->sub != NULL)
		n = snprintf(d->err, d->errlen, "%s %zu: %s %zu: ", d->what,
		    d->idx, d->sub, d->subidx);
	else if (d->what != NULL)
		n = snprintf(d->err, d->errlen, "%s %zu: ", d->what, d->idx);
	if (n < 0 || (size_t)n >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

struct scan {
	size_t values;
	size_t zone;	/* bytes msgpack-c will take from its zone */
};

/*
 * What follows each MessagePack type byte, as (class << 5) | arg:
 *   0 scalar or fixstr: arg body bytes follow
 *   1 str/bin, 2 ext:   arg length bytes, then that many (+1 type for ext)
 *   3 fixarray, 4 fixmap: arg entries
 *   5 array, 6 map:     arg count bytes, then the entries
 *   7 never used (0xc1)
 * A table keeps the scan to one load and one branch for most values.
 */
enum { SC_FIX, SC_VAR, SC_EXT, SC_ARRI, SC_MAPI, SC_ARR, SC_MAP, SC_BAD };

static const uint8_t s_msgpack_type[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 00 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 20 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 30 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 40 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 50 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 60 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 70 */
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,	/* 80 */
	0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,	/* 90 */
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,	/* a0 */
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,	/* b0 */
	0x00, 0xe0, 0x00, 0x00, 0x21, 0x22, 0x24, 0x41, 0x42, 0x44, 0x04, 0x08, 0x01, 0x02, 0x04, 0x08,	/* c0 */
	0x01, 0x02, 0x04, 0x08, 0x02, 0x03, 0x05, 0x09, 0x11, 0x21, 0x22, 0x24, 0xa2, 0xa4, 0xc2, 0xc4,	/* d0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* e0 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* f0 */
};

/*
 * Walk one MessagePack value without recursion: `need` counts the values
 * still owed by open containers. Every pending value takes at least one
 * byte, so need > bytes left means the frame is truncated or lying.
 */
static int
s_scan(const unsigned char *p, size_t len, struct scan *sc, struct dec *d)
{
	size_t pos = 0, need = 1, values = 0, zone = 0, body, hdr;
	uint64_t n;
	unsigned c, t;

	while (need > 0) {
		if (pos >= len)
			goto out_truncated;
		c = p[pos++];
		need--;
		values++;
		t = s_msgpack_type[c];
		switch (t >> 5) {
		case SC_FIX:
			body = t & 0x1f;
			if (len - pos < body)
				goto out_truncated;
			pos += body;
			continue;
		case SC_VAR:
		case SC_EXT:
			hdr = t & 0x1f;
			if (len - pos < hdr)
				goto out_truncated;
			body = (size_t)wire_be(p + pos, hdr);
			pos += hdr;
			if (body > WIRE_MAX_LINE)
				return s_fail(d, CERR_TOOBIG, "field of %zu bytes at "
				    "offset %zu passes %u", body, pos, WIRE_MAX_LINE);
			body += (t >> 5) == SC_EXT;	/* the ext type byte */
			if (len - pos < body)
				goto out_truncated;
			pos += body;
			continue;
		case SC_ARRI:
		case SC_MAPI:
			n = t & 0x1f;
			break;
		case SC_ARR:
		case SC_MAP:
			hdr = t & 0x1f;
			if (len - pos < hdr)
				goto out_truncated;
			n = wire_be(p + pos, hdr);
			pos += hdr;
			break;
		default:
			return s_fail(d, CERR_PARSE,
			    "byte 0x%02x at offset %zu is not MessagePack", c, pos - 1);
		}
		if ((t >> 5) == SC_ARRI || (t >> 5) == SC_ARR) {
			if (n > WIRE_MAX_RECORDS)
				return s_fail(d, CERR_TOOBIG, "array of %" PRIu64
				    " entries passes %u", n, WIRE_MAX_RECORDS);
		} else {
			if (n > WIRE_MAX_CAPTURES)
				return s_fail(d, CERR_TOOBIG, "map of %" PRIu64
				    " entries passes %u", n, WIRE_MAX_CAPTURES);
			n *= 2;		/* a key and a value per entry */
		}
		if (n > len - pos || need > len - pos - n)
			goto out_truncated;
		need += n;
		zone += n * sizeof(msgpack_object);
		/* values + need counts every value announced so far. */
		if (values + need > WIRE_MAX_VALUES)
			return s_fail(d, CERR_TOOBIG, "more than %u values in frame",
			    WIRE_MAX_VALUES);
	}
	if (pos != len)
		return s_fail(d, CERR_PARSE, "%zu trailing bytes after the message",
		    len - pos);
	sc->values = values;
	sc->zone = zone;
	return 0;

out_truncated:
	return s_fail(d, CERR_PARSE, "truncated frame (%zu bytes)", len);
}

/* ---------------------------------------------------------------------
 * Decoding, step 3: shape and types
 */

static const char *
s_typename(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:		return "nil";
	case MSGPACK_OBJECT_BOOLEAN:		return "bool";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:	return "uint";
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:	return "negative int";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:		return "float";
	case MSGPACK_OBJECT_STR:		return "str";
	case MSGPACK_OBJECT_ARRAY:		return "array";
	case MSGPACK_OBJECT_MAP:		return "map";
	case MSGPACK_OBJECT_BIN:		return "bin";
	case MSGPACK_OBJECT_EXT:		return "ext";
	}
	return "unknown";
}

/*
 * Field getters: the check that passes is inline, the reason for a refusal
 * is built out of line, since refusals are rare and reasons are long.
 */
__attribute__((noinline))
static int
s_bad_type(struct dec *d, const msgpack_object *o, const char *field,
    const char *want)
{
	if (o->type == MSGPACK_OBJECT_STR && strcmp(want, "str") == 0)
		return s_fail(d, CERR_PARSE, "%s: NUL byte in a str field", field);
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && strcmp(want, "uint") == 0)
		return s_fail(d, CERR_PARSE, "%s: value %" PRIu64 " out of range",
		    field, o->via.u64);
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && strcmp(want, "int64") == 0)
		return s_fail(d, CERR_PARSE, "%s: expected int64, got uint past "
		    "INT64_MAX", field);
	return s_fail(d, CERR_PARSE, "%s: expected %s, got %s", field, want,
	    s_typename(o));
}

static inline int
s_get_str(struct dec *d, const msgpack_object *o, const char *field,
    struct wire_bytes *out)
{
	if (o->type != MSGPACK_OBJECT_STR || (o->via.str.size > 0 &&
	    memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL))
		return s_bad_type(d, o, field, "str");
	out->ptr = o->via.str.size ? o->via.str.ptr : "";
	out->len = o->via.str.size;
	return 0;
}

static inline int
s_get_bin(struct dec *d, const msgpack_object *o, const char *field,
    struct wire_bytes *out)
{
	if (o->type != MSGPACK_OBJECT_BIN)
		return s_bad_type(d, o, field, "bin");
	out->ptr = o->via.bin.size ? o->via.bin.ptr : "";
	out->len = o->via.bin.size;
	return 0;
}

static inline int
s_get_uint(struct dec *d, const msgpack_object *o, const char *field,
    uint64_t max, uint64_t *out)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
		return s_bad_type(d, o, field, "uint");
	*out = o->via.u64;
	return 0;
}

static inline int
s_get_int(struct dec *d, const msgpack_object *o, const char *field,
    int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 0;
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*out = (int64_t)o->via.u64;
		return 0;
	}
	return s_bad_type(d, o, field, "int64");
}

/* An array of exactly `want` entries (or any count when want is 0). */
static int
s_get_array(struct dec *d, const msgpack_object *o, const char *field,
    size_t want, const msgpack_object **items, size_t *n)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return s_fail(d, CERR_PARSE, "%s: expected array, got %s", field,
		    s_typename(o));
	if (want > 0 && o->via.array.size != want)
		return s_fail(d, CERR_PARSE, "%s has %u fields, expected %zu",
		    field, o->via.array.size, want);
	*items = o->via.array.ptr;
	*n = o->via.array.size;
	return 0;
}

/*
 * A stamp or tag sent as [offset, length] into the record's line (see
 * s_pack_ref()): at least one byte, inside the line; a tag, like any str
 * field, holds no NUL byte.
 */
static int
s_get_ref(struct dec *d, const msgpack_object *o, const char *field,
    struct wire_bytes line, int is_str, struct wire_bytes *out)
{
	const msgpack_object *v = o->via.array.ptr;
	uint64_t off, len;

	if (o->via.array.size != 2 ||
	    v[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    v[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return s_fail(d, CERR_PARSE, "%s: a reference is [offset, length]",
		    field);
	off = v[0].via.u64;
	len = v[1].via.u64;
	if (len == 0 || off > line.len || len > line.len - off)
		return s_fail(d, CERR_PARSE, "%s: [%" PRIu64 ", %" PRIu64 "] is "
		    "not inside the %zu-byte line", field, off, len, line.len);
	out->ptr = line.ptr + off;
	out->len = (size_t)len;
	if (is_str && memchr(out->ptr, '\0', out->len) != NULL)
		return s_fail(d, CERR_PARSE, "%s: NUL byte in a str field", field);
	return 0;
}

static const char *
s_rec_kind_name(uint64_t kind)
{
	switch (kind) {
	case REC_LINE:		return "line";
	case REC_GAP:		return "gap";
	case REC_SNAPSHOT:	return "snapshot";
	}
	return "unknown";
}

/* A snapshot's table; its rows are the next ones of the message's block. */
static int
s_decode_rows(struct dec *d, const msgpack_object *o, struct wire_rec *r,
    struct wire_ifrow *rows)
{
	const msgpack_object *items = NULL, *f = NULL;
	size_t j, n = 0, nf = 0;
	uint64_t admin = 0, oper = 0;

	if (s_get_array(d, o, "ifs", 0, &items, &n))
		return -1;
	/* The scan enforces this while WIRE_MAX_IFS is WIRE_MAX_RECORDS. */
	if (n > WIRE_MAX_IFS)
		return s_fail(d, CERR_TOOBIG, "%zu rows pass %u", n, WIRE_MAX_IFS);
	d->sub = "row";
	for (j = 0; j < n; j++) {
		struct wire_ifrow *w = &rows[j];

		d->subidx = j;
		if (s_get_array(d, &items[j], "row", WIRE_IFROW_FIELDS, &f, &nf) ||
		    s_get_bin(d, &f[0], "name", &w->name) ||
		    s_get_bin(d, &f[1], "descr", &w->descr) ||
		    s_get_uint(d, &f[2], "admin", WIRE_IFROW_MAX, &admin) ||
		    s_get_uint(d, &f[3], "oper", WIRE_IFROW_MAX, &oper))
			return -1;
		if (w->name.len == 0)
			return s_fail(d, CERR_PARSE, "name is empty");
		w->admin = (enum wire_ifrow_state)admin;
		w->oper = (enum wire_ifrow_state)oper;
	}
	d->sub = NULL;
	r->nifs = n;
	r->ifs = n ? rows : NULL;
	return 0;
}

/*
 * A REC_LINE or REC_GAP record has WIRE_REC_FIELDS, a REC_SNAPSHOT one its
 * rows as well: the count must match the kind, so each record has one
 * encoding.
 */
static int
s_decode_rec(struct dec *d, const msgpack_object *o, uint64_t first_id,
    struct wire_rec *r, struct wire_ifrow *rows)
{
	const msgpack_object *f = NULL;
	size_t n = 0, want;
	uint64_t kind = 0, delta = 0;

	if (s_get_array(d, o, "record", 0, &f, &n))
		return -1;
	if (n != WIRE_REC_FIELDS && n != WIRE_SNAP_FIELDS)
		return s_fail(d, CERR_PARSE, "record has %zu fields, expected %d "
		    "(%d for a snapshot)", n, WIRE_REC_FIELDS, WIRE_SNAP_FIELDS);
	if (s_get_uint(d, &f[0], "id", UINT64_MAX, &delta) ||
	    s_get_uint(d, &f[1], "kind", REC_KIND_MAX, &kind))
		return -1;
	want = kind == REC_SNAPSHOT ? WIRE_SNAP_FIELDS : WIRE_REC_FIELDS;
	if (n != want)
		return s_fail(d, CERR_PARSE, "a %s record has %zu fields, "
		    "expected %zu", s_rec_kind_name(kind), n, want);
	if (s_get_int(d, &f[2], "ts_ms", &r->ts_ms) ||
	    s_get_bin(d, &f[6], "line", &r->line) ||
	    (f[3].type == MSGPACK_OBJECT_ARRAY ?
	    s_get_ref(d, &f[3], "ts_raw", r->line, 0, &r->ts_raw) :
	    s_get_bin(d, &f[3], "ts_raw", &r->ts_raw)) ||
	    s_get_uint(d, &f[4], "seq", UINT64_MAX, &r->seq) ||
	    (f[5].type == MSGPACK_OBJECT_ARRAY ?
	    s_get_ref(d, &f[5], "tag", r->line, 1, &r->tag) :
	    s_get_str(d, &f[5], "tag", &r->tag)))
		return -1;
	r->id = first_id + delta;	/* mod 2^64, as encoded */
	r->kind = (enum rec_kind)kind;
	r->nifs = 0;
	r->ifs = NULL;
	if (kind == REC_SNAPSHOT)
		return s_decode_rows(d, &f[7], r, rows);
	return 0;
}

/*
 * Rows share one allocation with the records: count them first. Counted
 * from the shape alone, so a record refused later may count rows no record
 * uses; each row is at least five values, so WIRE_MAX_VALUES bounds them.
 */
static size_t
s_count_rows(const msgpack_object *recs, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++) {
		const msgpack_object *o = &recs[i];

		if (o->type == MSGPACK_OBJECT_ARRAY &&
		    o->via.array.size == WIRE_SNAP_FIELDS &&
		    o->via.array.ptr[7].type == MSGPACK_OBJECT_ARRAY)
			total += o->via.array.ptr[7].via.array.size;
	}
	return total;
}

/* The frame's fields after "LH", version and type. */
static int
s_decode_batch(struct dec *d, const msgpack_object *f, struct wire_msg *msg)
{
	struct wire_batch *b = &msg->u.batch;
	const msgpack_object *recs = NULL;
	struct wire_ifrow *rows;
	size_t i, nrecs = 0, nrows, used = 0;
	char *block;

	if (s_get_str(d, &f[0], "collector", &b->key.collector) ||
	    s_get_str(d, &f[1], "device", &b->key.device) ||
	    s_get_str(d, &f[2], "platform", &b->platform) ||
	    s_get_uint(d, &f[3], "first_id", UINT64_MAX, &b->key.first_id) ||
	    s_get_uint(d, &f[4], "last_id", UINT64_MAX, &b->key.last_id) ||
	    s_get_int(d, &f[5], "rx_ms", &b->rx_ms) ||
	    s_get_array(d, &f[6], "records", 0, &recs, &nrecs))
		return -1;
	/* The scan enforces this already; the decoder must not depend on it. */
	if (nrecs > WIRE_MAX_RECORDS)
		return s_fail(d, CERR_TOOBIG, "%zu records pass %u", nrecs,
		    WIRE_MAX_RECORDS);
	if (nrecs == 0)
		return 0;
	nrows = s_count_rows(recs, nrecs);
	/* Not calloc: s_decode_rec and s_decode_rows set every field. */
	block = malloc(nrecs * sizeof(struct wire_rec) +
	    nrows * sizeof(struct wire_ifrow));
	if (block == NULL)
		return s_fail(d, CERR_NOMEM, "out of memory for %zu records", nrecs);
	msg->priv_ = block;
	b->recs = (struct wire_rec *)(void *)block;
	rows = (struct wire_ifrow *)(void *)(block + nrecs * sizeof(struct wire_rec));
	d->what = "record";
	for (i = 0; i < nrecs; i++) {
		d->idx = i;
		if (s_decode_rec(d, &recs[i], b->key.first_id, &b->recs[i],
		    rows + used))
			return -1;	/* wire_decode frees priv_ */
		used += b->recs[i].nifs;
	}
	d->what = NULL;
	b->nrecs = nrecs;
	return 0;
}

static int
s_decode_event(struct dec *d, const msgpack_object *o, struct wire_event *x,
    struct wire_capture *caps)
{
	const msgpack_object *f = NULL;
	const msgpack_object_map *m;
	size_t n = 0, j;
	uint64_t state = 0, kind = 0;

	if (s_get_array(d, o, "event", WIRE_EVENT_FIELDS, &f, &n) ||
	    s_get_uint(d, &f[0], "id", UINT64_MAX, &x->id) ||
	    s_get_str(d, &f[1], "rule", &x->rule) ||
	    s_get_str(d, &f[2], "event", &x->event) ||
	    s_get_str(d, &f[3], "platform", &x->platform) ||
	    s_get_bin(d, &f[4], "interface", &x->interface) ||
	    s_get_uint(d, &f[5], "state", IF_ADMIN_DOWN, &state) ||
	    s_get_uint(d, &f[6], "kind", IFK_MAX, &kind) ||
	    s_get_str(d, &f[7], "severity", &x->severity) ||
	    s_get_int(d, &f[8], "ts_ms", &x->ts_ms) ||
	    s_get_bin(d, &f[9], "ts_raw", &x->ts_raw) ||
	    s_get_bin(d, &f[10], "line", &x->line) ||
	    s_get_int(d, &f[12], "rx_ms", &x->rx_ms))
		return -1;
	x->state = (enum ifstate)state;
	x->kind = (enum ifkind)kind;
	if (f[11].type != MSGPACK_OBJECT_MAP)
		return s_fail(d, CERR_PARSE, "captures: expected map, got %s",
		    s_typename(&f[11]));
	m = &f[11].via.map;
	if (m->size > WIRE_MAX_CAPTURES)
		return s_fail(d, CERR_TOOBIG, "%u captures pass %u", m->size,
		    WIRE_MAX_CAPTURES);
	for (j = 0; j < m->size; j++)
		if (s_get_bin(d, &m->ptr[j].key, "capture name", &caps[j].name) ||
		    s_get_bin(d, &m->ptr[j].val, "capture value", &caps[j].value))
			return -1;
	x->ncaptures = m->size;
	x->captures = m->size ? caps : NULL;
	return 0;
}

/* Captures share one allocation with the events: count them first. */
static size_t
s_count_captures(const msgpack_object *evs, size_t n)
{
	size_t i, total = 0;

	for (i = 0; i < n; i++) {
		const msgpack_object *o = &evs[i];

		if (o->type == MSGPACK_OBJECT_ARRAY &&
		    o->via.array.size == WIRE_EVENT_FIELDS &&
		    o->via.array.ptr[11].type == MSGPACK_OBJECT_MAP)
			total += o->via.array.ptr[11].via.map.size;
	}
	return total;
}

static int
s_decode_events(struct dec *d, const msgpack_object *f, struct wire_msg *msg)
{
	struct wire_events *ev = &msg->u.events;
	const msgpack_object *evs = NULL;
	struct wire_capture *caps;
	size_t i, nev = 0, ncaps, used = 0;
	char *block;

	if (s_get_str(d, &f[0], "collector", &ev->key.collector) ||
	    s_get_str(d, &f[1], "device", &ev->key.device) ||
	    s_get_uint(d, &f[2], "first_id", UINT64_MAX, &ev->key.first_id) ||
	    s_get_uint(d, &f[3], "last_id", UINT64_MAX, &ev->key.last_id) ||
	    s_get_array(d, &f[4], "events", 0, &evs, &nev))
		return -1;
	if (nev > WIRE_MAX_RECORDS)
		return s_fail(d, CERR_TOOBIG, "%zu events pass %u", nev,
		    WIRE_MAX_RECORDS);
	if (nev == 0)
		return 0;
	ncaps = s_count_captures(evs, nev);
	/* Not calloc: s_decode_event sets every field it hands out. */
	block = malloc(nev * sizeof(struct wire_event) +
	    ncaps * sizeof(struct wire_capture));
	if (block == NULL)
		return s_fail(d, CERR_NOMEM, "out of memory for %zu events", nev);
	msg->priv_ = block;
	ev->events = (struct wire_event *)(void *)block;
	caps = (struct wire_capture *)(void *)(block + nev * sizeof(struct wire_event));
	d->what = "event";
	for (i = 0; i < nev; i++) {
		d->idx = i;
		if (s_decode_event(d, &evs[i], &ev->events[i], caps + used))
			return -1;
		used += ev->events[i].ncaptures;
	}
	d->what = NULL;
	ev->nevents = nev;
	return 0;
}

static int
s_decode_ack(struct dec *d, const msgpack_object *f, struct wire_msg *msg)
{
	struct wire_key *k = &msg->u.ack;

	if (s_get_str(d, &f[0], "collector", &k->collector) ||
	    s_get_str(d, &f[1], "device", &k->device) ||
	    s_get_uint(d, &f[2], "first_id", UINT64_MAX, &k->first_id) ||
	    s_get_uint(d, &f[3], "last_id", UINT64_MAX, &k->last_id))
		return -1;
	return 0;
}

/*
 * Magic, version and type come first, so that a frame from a newer peer is
 * reported as such (CERR_PROTO) rather than as a malformed one.
 */
static int
s_decode_obj(struct dec *d, const msgpack_object *root, struct wire_msg *msg)
{
	const msgpack_object *f;
	size_t n, want;
	uint64_t type;

	if (root->type != MSGPACK_OBJECT_ARRAY)
		return s_fail(d, CERR_PARSE, "not a loghaul frame (%s)",
		    s_typename(root));
	f = root->via.array.ptr;
	n = root->via.array.size;
	if (n < 1 || f[0].type != MSGPACK_OBJECT_STR || f[0].via.str.size != 2 ||
	    memcmp(f[0].via.str.ptr, WIRE_MAGIC, 2) != 0)
		return s_fail(d, CERR_PROTO, "bad magic, not a loghaul frame");
	if (n < 3)
		return s_fail(d, CERR_PARSE, "frame has %zu fields", n);
	if (f[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return s_fail(d, CERR_PARSE, "version: expected uint, got %s",
		    s_typename(&f[1]));
	if (f[1].via.u64 != WIRE_VERSION)
		return s_fail(d, CERR_PROTO, "wire version %" PRIu64
		    " not supported (this is version %u)", f[1].via.u64,
		    WIRE_VERSION);
	if (f[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return s_fail(d, CERR_PARSE, "type: expected uint, got %s",
		    s_typename(&f[2]));
	type = f[2].via.u64;
	switch (type) {
	case WIRE_BATCH:	want = WIRE_BATCH_FIELDS; break;
	case WIRE_ACK:		want = WIRE_ACK_FIELDS; break;
	case WIRE_EVENTS:	want = WIRE_EVENTS_FIELDS; break;
	default:
		return s_fail(d, CERR_PROTO, "unknown message type %" PRIu64, type);
	}
	if (n != want)
		return s_fail(d, CERR_PARSE, "type %" PRIu64 " frame has %zu fields,"
		    " expected %zu", type, n, want);
	msg->type = (enum wire_type)type;
	switch (msg->type) {
	case WIRE_BATCH:
		return s_decode_batch(d, f + 3, msg);
	case WIRE_ACK:
		return s_decode_ack(d, f + 3, msg);
	case WIRE_EVENTS:
		return s_decode_events(d, f + 3, msg);
	}
	return -1;
}

enum cerr
wire_decode(const void *data, size_t len, struct wire_msg *msg, char *err,
    size_t errlen)
{
	memset(msg, 0, sizeof *msg);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len <= WIRE_MAX_FRAME && data != NULL &&
	    wire_decode_batch_fast(data, len, msg) == 0)
		return CERR_OK;
	return wire_decode_ref(data, len, msg, err, errlen);
}

enum cerr
wire_decode_ref(const void *data, size_t len, struct wire_msg *msg, char *err,
    size_t errlen)
{
	struct dec d = { err, errlen, CERR_OK, NULL, 0, NULL, 0 };
	struct scan sc = { 0, 0 };
	msgpack_zone zone;
	msgpack_object root;
	msgpack_unpack_return ur;
	size_t off = 0;
	int rc;

	memset(msg, 0, sizeof *msg);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > WIRE_MAX_FRAME) {
		s_fail(&d, CERR_TOOBIG, "frame of %zu bytes passes %u", len,
		    WIRE_MAX_FRAME);
		return d.code;
	}
	if (len == 0 || data == NULL) {
		s_fail(&d, CERR_PARSE, "empty frame");
		return d.code;
	}
	if (s_scan(data, len, &sc, &d) < 0)
		return d.code;
	if (!msgpack_zone_init(&zone, sc.zone + 64)) {
		s_fail(&d, CERR_NOMEM, "out of memory for %zu values", sc.values);
		return d.code;
	}
	ur = msgpack_unpack(data, len, &off, &zone, &root);
	if (ur != MSGPACK_UNPACK_SUCCESS)
		/* The scan passed it: nesting deeper than msgpack-c allows. */
		rc = s_fail(&d, CERR_PARSE, "msgpack-c refused the frame (%d)",
		    (int)ur);
	else
		rc = s_decode_obj(&d, &root, msg);
	msgpack_zone_destroy(&zone);
	if (rc < 0) {
		free(msg->priv_);
		memset(msg, 0, sizeof *msg);
		return d.code;
	}
	return CERR_OK;
}

void
wire_msg_free(struct wire_msg *msg)
{
	if (msg == NULL)
		return;
	free(msg->priv_);
	msg->priv_ = NULL;
	switch (msg->type) {
	case WIRE_BATCH:
		msg->u.batch.recs = NULL;
		msg->u.batch.nrecs = 0;
		break;
	case WIRE_EVENTS:
		msg->u.events.events = NULL;
		msg->u.events.nevents = 0;
		break;
	case WIRE_ACK:
		break;
	}
}
