/*
 * wire_enc.c — the wire format's encoder (wire.h): packs with msgpack-c
 * straight into the caller's struct buf, after checking what it is given
 * against the limits the decoder enforces.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "common/buf.h"
#include "common/util.h"
#include "common/wire.h"
#include "common/wire_int.h"

/* ---------------------------------------------------------------------
 * Encoding
 */

/*
 * msgpack-c calls this for every header and body it packs, about a dozen
 * times per record, so the common case is a bare memcpy into spare room.
 */
static int
s_write(void *data, const char *p, size_t n)
{
	struct buf *b = data;

	if (n == 0)
		return 0;
	if (b->data != NULL && b->cap - b->len > n && n <= b->max - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	return buf_append(b, p, n) == CERR_OK ? 0 : -1;
}

struct enc {
	msgpack_packer pk;
	struct buf    *out;
	size_t         start;
	int            rc;		/* any packer failure */
	size_t         values;		/* MessagePack values written */
};

static void
s_enc_init(struct enc *e, struct buf *out)
{
	msgpack_packer_init(&e->pk, out, s_write);
	e->out = out;
	e->start = out->len;
	e->rc = 0;
	e->values = 0;
}

static void
s_pack_uint(struct enc *e, uint64_t v)
{
	e->rc |= msgpack_pack_uint64(&e->pk, v);
	e->values++;
}

static void
s_pack_int(struct enc *e, int64_t v)
{
	e->rc |= msgpack_pack_int64(&e->pk, v);
	e->values++;
}

static void
s_pack_array(struct enc *e, size_t n)
{
	e->rc |= msgpack_pack_array(&e->pk, n);
	e->values++;
}

static void
s_pack_str(struct enc *e, struct wire_bytes s)
{
	e->rc |= msgpack_pack_str(&e->pk, s.len);
	e->rc |= msgpack_pack_str_body(&e->pk, s.ptr, s.len);
	e->values++;
}

static void
s_pack_bin(struct enc *e, struct wire_bytes s)
{
	e->rc |= msgpack_pack_bin(&e->pk, s.len);
	e->rc |= msgpack_pack_bin_body(&e->pk, s.ptr, s.len);
	e->values++;
}

/*
 * A record's stamp and tag are usually bytes of its line: then they travel
 * as [offset, length] into it, not a second time. Returns 0 when s is not
 * inside line (or empty), and the caller packs the bytes.
 */
static int
s_pack_ref(struct enc *e, struct wire_bytes s, struct wire_bytes line)
{
	uintptr_t at = (uintptr_t)s.ptr, base = (uintptr_t)line.ptr;

	if (s.len == 0 || line.len == 0 || at < base || at - base > line.len ||
	    s.len > line.len - (at - base))
		return 0;
	s_pack_array(e, 2);
	s_pack_uint(e, at - base);
	s_pack_uint(e, s.len);
	return 1;
}

static void
s_pack_head(struct enc *e, enum wire_type t, size_t nfields)
{
	s_pack_array(e, nfields);
	s_pack_str(e, wire_str(WIRE_MAGIC));
	s_pack_uint(e, WIRE_VERSION);
	s_pack_uint(e, (uint64_t)t);
}

/* Finish a frame: roll back on any failure so the buffer is as it was. */
static enum cerr
s_enc_end(struct enc *e)
{
	struct buf *b = e->out;
	enum cerr rv = CERR_OK;

	if (e->rc != 0 || b->len - e->start > WIRE_MAX_FRAME ||
	    e->values > WIRE_MAX_VALUES)
		rv = CERR_TOOBIG;
	if (rv != CERR_OK)
		b->len = e->start;
	if (b->data != NULL)
		b->data[b->len] = '\0';
	return rv;
}

/*
 * The checks the decoder makes, made before anything is written. Each
 * keeps the first failure in *rv, so a run of them reads as a list.
 */
static void
s_check(enum cerr *rv, struct wire_bytes s, int is_str)
{
	if (*rv != CERR_OK)
		return;
	if (s.ptr == NULL && s.len > 0)
		*rv = CERR_INVAL;
	else if (s.len > WIRE_MAX_LINE)
		*rv = CERR_TOOBIG;
	else if (is_str && s.len > 0 && memchr(s.ptr, '\0', s.len) != NULL)
		*rv = CERR_INVAL;
}

/* Only a snapshot has rows; each has a name and states in range. */
static enum cerr
s_check_rows(const struct wire_rec *r, size_t *bytes)
{
	enum cerr rv = CERR_OK;
	size_t j;

	if (r->nifs == 0)
		return CERR_OK;
	if (r->kind != REC_SNAPSHOT || r->ifs == NULL)
		return CERR_INVAL;
	if (r->nifs > WIRE_MAX_IFS)
		return CERR_TOOBIG;
	for (j = 0; j < r->nifs && rv == CERR_OK; j++) {
		const struct wire_ifrow *w = &r->ifs[j];

		if (w->name.len == 0 || (unsigned)w->admin > WIRE_IFROW_MAX ||
		    (unsigned)w->oper > WIRE_IFROW_MAX)
			return CERR_INVAL;
		s_check(&rv, w->name, 0);
		s_check(&rv, w->descr, 0);
		*bytes += w->name.len + w->descr.len;
		if (*bytes > WIRE_MAX_FRAME)
			return CERR_TOOBIG;
	}
	return rv;
}

static enum cerr
s_check_batch(const struct wire_batch *b)
{
	enum cerr rv = CERR_OK;
	size_t i, bytes = 0;

	s_check(&rv, b->key.collector, 1);
	s_check(&rv, b->key.device, 1);
	s_check(&rv, b->platform, 1);
	if (rv != CERR_OK)
		return rv;
	if (b->nrecs > WIRE_MAX_RECORDS)
		return CERR_TOOBIG;
	if (b->nrecs > 0 && b->recs == NULL)
		return CERR_INVAL;
	for (i = 0; i < b->nrecs && rv == CERR_OK; i++) {
		const struct wire_rec *r = &b->recs[i];

		if ((unsigned)r->kind > REC_KIND_MAX)
			return CERR_INVAL;
		s_check(&rv, r->ts_raw, 0);
		s_check(&rv, r->tag, 1);
		s_check(&rv, r->line, 0);
		bytes += r->line.len + r->ts_raw.len + r->tag.len;
		if (rv == CERR_OK)
			rv = s_check_rows(r, &bytes);
		/* Fail fast rather than pack megabytes only to drop them. */
		if (bytes > WIRE_MAX_FRAME)
			return CERR_TOOBIG;
	}
	return rv;
}

static void
s_pack_rows(struct enc *e, const struct wire_rec *r)
{
	size_t j;

	s_pack_array(e, r->nifs);
	for (j = 0; j < r->nifs && e->rc == 0; j++) {
		s_pack_array(e, WIRE_IFROW_FIELDS);
		s_pack_bin(e, r->ifs[j].name);
		s_pack_bin(e, r->ifs[j].descr);
		s_pack_uint(e, (uint64_t)r->ifs[j].admin);
		s_pack_uint(e, (uint64_t)r->ifs[j].oper);
	}
}

enum cerr
wire_encode_batch(struct buf *out, const struct wire_batch *b)
{
	struct enc e;
	enum cerr rv;
	size_t i;

	if ((rv = s_check_batch(b)) != CERR_OK)
		return rv;
	s_enc_init(&e, out);
	s_pack_head(&e, WIRE_BATCH, WIRE_BATCH_FIELDS);
	s_pack_str(&e, b->key.collector);
	s_pack_str(&e, b->key.device);
	s_pack_str(&e, b->platform);
	s_pack_uint(&e, b->key.first_id);
	s_pack_uint(&e, b->key.last_id);
	s_pack_int(&e, b->rx_ms);
	s_pack_array(&e, b->nrecs);
	for (i = 0; i < b->nrecs && e.rc == 0; i++) {
		const struct wire_rec *r = &b->recs[i];

		s_pack_array(&e, r->kind == REC_SNAPSHOT ? WIRE_SNAP_FIELDS :
		    WIRE_REC_FIELDS);
		s_pack_uint(&e, r->id - b->key.first_id);	/* mod 2^64 */
		s_pack_uint(&e, (uint64_t)r->kind);
		s_pack_int(&e, r->ts_ms);
		if (!s_pack_ref(&e, r->ts_raw, r->line))
			s_pack_bin(&e, r->ts_raw);
		s_pack_uint(&e, r->seq);
		if (!s_pack_ref(&e, r->tag, r->line))
			s_pack_str(&e, r->tag);
		s_pack_bin(&e, r->line);
		if (r->kind == REC_SNAPSHOT)
			s_pack_rows(&e, r);
	}
	return s_enc_end(&e);
}

enum cerr
wire_encode_ack(struct buf *out, const struct wire_key *k)
{
	struct enc e;
	enum cerr rv = CERR_OK;

	s_check(&rv, k->collector, 1);
	s_check(&rv, k->device, 1);
	if (rv != CERR_OK)
		return rv;
	s_enc_init(&e, out);
	s_pack_head(&e, WIRE_ACK, WIRE_ACK_FIELDS);
	s_pack_str(&e, k->collector);
	s_pack_str(&e, k->device);
	s_pack_uint(&e, k->first_id);
	s_pack_uint(&e, k->last_id);
	return s_enc_end(&e);
}

static enum cerr
s_check_events(const struct wire_events *ev)
{
	enum cerr rv = CERR_OK;
	size_t i, j, bytes = 0;

	s_check(&rv, ev->key.collector, 1);
	s_check(&rv, ev->key.device, 1);
	if (rv != CERR_OK)
		return rv;
	if (ev->nevents > WIRE_MAX_RECORDS)
		return CERR_TOOBIG;
	if (ev->nevents > 0 && ev->events == NULL)
		return CERR_INVAL;
	for (i = 0; i < ev->nevents && rv == CERR_OK; i++) {
		const struct wire_event *x = &ev->events[i];

		if ((unsigned)x->state > IF_ADMIN_DOWN ||
		    (unsigned)x->kind > IFK_MAX)
			return CERR_INVAL;
		s_check(&rv, x->rule, 1);
		s_check(&rv, x->event, 1);
		s_check(&rv, x->platform, 1);
		s_check(&rv, x->interface, 0);
		s_check(&rv, x->severity, 1);
		s_check(&rv, x->ts_raw, 0);
		s_check(&rv, x->line, 0);
		if (x->ncaptures > WIRE_MAX_CAPTURES)
			return CERR_TOOBIG;
		if (x->ncaptures > 0 && x->captures == NULL)
			return CERR_INVAL;
		for (j = 0; j < x->ncaptures; j++) {
			s_check(&rv, x->captures[j].name, 0);
			s_check(&rv, x->captures[j].value, 0);
			bytes += x->captures[j].name.len + x->captures[j].value.len;
		}
		bytes += x->line.len + x->interface.len + x->ts_raw.len;
		if (bytes > WIRE_MAX_FRAME)
			return CERR_TOOBIG;
	}
	return rv;
}

enum cerr
wire_encode_events(struct buf *out, const struct wire_events *ev)
{
	struct enc e;
	enum cerr rv;
	size_t i, j;

	if ((rv = s_check_events(ev)) != CERR_OK)
		return rv;
	s_enc_init(&e, out);
	s_pack_head(&e, WIRE_EVENTS, WIRE_EVENTS_FIELDS);
	s_pack_str(&e, ev->key.collector);
	s_pack_str(&e, ev->key.device);
	s_pack_uint(&e, ev->key.first_id);
	s_pack_uint(&e, ev->key.last_id);
	s_pack_array(&e, ev->nevents);
	for (i = 0; i < ev->nevents && e.rc == 0; i++) {
		const struct wire_event *x = &ev->events[i];

		s_pack_array(&e, WIRE_EVENT_FIELDS);
		s_pack_uint(&e, x->id);
		s_pack_str(&e, x->rule);
		s_pack_str(&e, x->event);
		s_pack_str(&e, x->platform);
		s_pack_bin(&e, x->interface);
		s_pack_uint(&e, (uint64_t)x->state);
		s_pack_uint(&e, (uint64_t)x->kind);
		s_pack_str(&e, x->severity);
		s_pack_int(&e, x->ts_ms);
		s_pack_bin(&e, x->ts_raw);
		s_pack_bin(&e, x->line);
		e.rc |= msgpack_pack_map(&e.pk, x->ncaptures);
		e.values++;
		for (j = 0; j < x->ncaptures; j++) {
			s_pack_bin(&e, x->captures[j].name);
			s_pack_bin(&e, x->captures[j].value);
		}
		s_pack_int(&e, x->rx_ms);
	}
	return s_enc_end(&e);
}
