/*
 * alertrec.c — encoding and checked decoding of the alert state's items
 * (alertrec.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/alertrec.h"
#include "common/log.h"
#include "common/util.h"
#include "common/wire.h"

/* Cursors kept from a file at most (one per output ever configured). */
#define MAX_CURSORS	1024u

/* ---- encoding: little-endian integers, u32-length-prefixed bytes ---- */

void
alertrec_put(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) != CERR_OK)
		fatalx("alert state: encoding buffer full");
}

void
alertrec_put_u8(struct buf *b, uint8_t v)
{
	alertrec_put(b, &v, 1);
}

void
alertrec_put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	alertrec_put(b, x, 4);
}

void
alertrec_put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (8 * i));
	alertrec_put(b, x, 8);
}

static void
s_put_str(struct buf *b, const void *p, size_t len)
{
	alertrec_put_u32(b, (uint32_t)len);
	if (len > 0)
		alertrec_put(b, p, len);
}

void
alertrec_put_change(struct buf *b, const struct alert_change *c)
{
	alertrec_put_u64(b, c->seq);
	alertrec_put_u8(b, (uint8_t)c->status);
	alertrec_put_u8(b, (uint8_t)c->type);
	alertrec_put_u8(b, (uint8_t)c->state);
	alertrec_put_u8(b, (uint8_t)c->kind);
	s_put_str(b, c->device.p, c->device.len);
	s_put_str(b, c->interface.p, c->interface.len);
	s_put_str(b, c->rule.p, c->rule.len);
	s_put_str(b, c->event.p, c->event.len);
	s_put_str(b, c->severity.p, c->severity.len);
	s_put_str(b, c->platform.p, c->platform.len);
	s_put_str(b, c->ts_raw.p, c->ts_raw.len);
	s_put_str(b, c->line.p, c->line.len);
	alertrec_put_u64(b, c->record_id);
	alertrec_put_u64(b, (uint64_t)c->device_time);
	alertrec_put_u64(b, (uint64_t)c->starts_at);
	alertrec_put_u64(b, (uint64_t)c->ends_at);
	alertrec_put_u64(b, (uint64_t)c->raised_at);
	alertrec_put_u8(b, c->late ? 1 : 0);
	/* version 2 */
	alertrec_put_u8(b, c->reconciled ? 1 : 0);
	s_put_str(b, c->reason.p, c->reason.len);
	s_put_str(b, c->description.p, c->description.len);
	alertrec_put_u64(b, (uint64_t)c->received_at);
}

void
alertrec_put_iface(const struct alert_iface *f, void *arg)
{
	struct buf *b = arg;

	alertrec_put_u8(b, IT_IFACE);
	s_put_str(b, f->device.p, f->device.len);
	s_put_str(b, f->name.p, f->name.len);
	alertrec_put_u64(b, f->last_id);
	alertrec_put_u8(b, (uint8_t)f->state);
	alertrec_put_u8(b, (uint8_t)f->open);
	alertrec_put_u64(b, (uint64_t)f->last_change);
	alertrec_put_u64(b, (uint64_t)f->last_change_wall);
	alertrec_put_u32(b, f->nflap);
	for (uint32_t i = 0; i < f->nflap; i++)
		alertrec_put_u64(b, (uint64_t)f->flap[i]);
	alertrec_put_u8(b, f->opened != NULL);
	if (f->opened)
		alertrec_put_change(b, f->opened);
	alertrec_put_u8(b, f->last != NULL);
	if (f->last)
		alertrec_put_change(b, f->last);
	alertrec_put_u64(b, f->hist_floor);
	alertrec_put_u8(b, (uint8_t)f->hist_base);
	alertrec_put_u32(b, f->nhist);
	for (uint32_t i = 0; i < f->nhist; i++) {
		alertrec_put_u64(b, f->hist[i].id);
		alertrec_put_u64(b, (uint64_t)f->hist[i].wall);
		alertrec_put_u8(b, (uint8_t)f->hist[i].state);
		alertrec_put_u8(b, (uint8_t)f->hist[i].kind);
		alertrec_put_u8(b, (uint8_t)f->hist[i].eff);
		alertrec_put_change(b, f->hist[i].cause);
	}
	/* version 2 */
	s_put_str(b, f->descr.p, f->descr.len);
}

void
alertrec_put_dev(const struct alert_str *name, uint64_t hw, void *arg)
{
	struct buf *b = arg;

	alertrec_put_u8(b, IT_DEV);
	s_put_str(b, name->p, name->len);
	alertrec_put_u64(b, hw);
}

void
alertrec_put_tail(struct buf *b, struct alert_engine *e,
    const struct alertstate_cursors *cursors)
{
	for (size_t i = 0; cursors && i < cursors->n; i++) {
		alertrec_put_u8(b, IT_CURSOR);
		s_put_str(b, cursors->v[i].key, strlen(cursors->v[i].key));
		alertrec_put_u64(b, cursors->v[i].seq);
	}
	alertrec_put_u8(b, IT_SEQ);
	alertrec_put_u64(b, alert_next_seq(e));
}

/* ---- decoding: every read is checked against the end ---- */

struct rd {
	const unsigned char *p, *end;
	int                  bad;
	unsigned             ver;	/* of the file: what an item holds */
};

static uint64_t
s_get_n(struct rd *r, int n)
{
	uint64_t v = 0;

	if (r->bad || r->end - r->p < n) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static struct wire_bytes
s_get_str(struct rd *r, size_t max)
{
	struct wire_bytes w = { "", 0 };
	uint64_t len = s_get_n(r, 4);

	if (r->bad || len > max || (uint64_t)(r->end - r->p) < len) {
		r->bad = 1;
		return w;
	}
	w.ptr = (const char *)r->p;
	w.len = (size_t)len;
	r->p += len;
	return w;
}

static void
s_str_from(struct alert_str *s, struct wire_bytes w)
{
	alert_str_set(s, w.ptr, w.len, SIZE_MAX);
}

static struct alert_change *
s_get_change(struct rd *r)
{
	struct alert_change *c = alert_change_new();

	c->seq = s_get_n(r, 8);
	c->status = (enum alert_status)s_get_n(r, 1);
	c->type = (enum alert_type)s_get_n(r, 1);
	c->state = (enum ifstate)s_get_n(r, 1);
	c->kind = (enum ifkind)s_get_n(r, 1);
	s_str_from(&c->device, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->interface, s_get_str(r, ALERT_MAX_IFNAME));
	s_str_from(&c->rule, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->event, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->severity, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->platform, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->ts_raw, s_get_str(r, ALERT_MAX_FIELD));
	s_str_from(&c->line, s_get_str(r, ALERT_MAX_LINE));
	c->record_id = s_get_n(r, 8);
	c->device_time = (int64_t)s_get_n(r, 8);
	c->starts_at = (int64_t)s_get_n(r, 8);
	c->ends_at = (int64_t)s_get_n(r, 8);
	c->raised_at = (int64_t)s_get_n(r, 8);
	c->late = (int)s_get_n(r, 1);
	if (r->ver >= 2) {
		c->reconciled = (int)s_get_n(r, 1);
		s_str_from(&c->reason, s_get_str(r, ALERT_MAX_FIELD));
		s_str_from(&c->description, s_get_str(r, ALERT_MAX_DESCR));
		c->received_at = (int64_t)s_get_n(r, 8);
	}
	/* Version 1 has none of these: not reconciled, no reason, no
	 * description, receive time unknown (alert_change_new's zeros). */
	if (!r->bad && (c->status < ALERT_FIRING || c->status > ALERT_FLAPPING ||
	    c->type > ALERT_T_FLAP || c->state > IF_ADMIN_DOWN ||
	    c->kind > IFK_MAX || c->late > 1 || c->reconciled > 1))
		r->bad = 1;
	return c;
}

static void
s_item_dev(struct rd *r, struct alertrec_load *ld)
{
	struct wire_bytes name = s_get_str(r, ALERT_MAX_FIELD);
	uint64_t hw = s_get_n(r, 8);

	if (!r->bad && ld->e)
		alert_restore_device(ld->e, name, hw);
}

/* The flap times and the late-event history of an interface record. */
static void
s_iface_series(struct rd *r, struct alert_iface *f, int64_t *flap,
    struct alert_hist *hist)
{
	uint64_t nflap, nhist;

	nflap = s_get_n(r, 4);
	if (nflap > ALERT_MAX_FLAP)
		r->bad = 1;
	for (uint64_t i = 0; !r->bad && i < nflap; i++)
		flap[i] = (int64_t)s_get_n(r, 8);
	f->nflap = (uint32_t)nflap;
	f->flap = flap;
	if (s_get_n(r, 1))
		f->opened = s_get_change(r);
	if (s_get_n(r, 1))
		f->last = s_get_change(r);
	f->hist_floor = s_get_n(r, 8);
	f->hist_base = (enum ifstate)s_get_n(r, 1);
	nhist = s_get_n(r, 4);
	if (nhist > ALERT_HIST_MAX)
		r->bad = 1;
	memset(hist, 0, ALERT_HIST_MAX * sizeof *hist);
	for (uint64_t i = 0; !r->bad && i < nhist; i++) {
		hist[i].id = s_get_n(r, 8);
		hist[i].wall = (int64_t)s_get_n(r, 8);
		hist[i].state = (enum ifstate)s_get_n(r, 1);
		hist[i].kind = (enum ifkind)s_get_n(r, 1);
		if (hist[i].kind > IFK_MAX)
			r->bad = 1;
		hist[i].eff = (enum ifstate)s_get_n(r, 1);
		hist[i].cause = s_get_change(r);
		f->nhist = (uint32_t)i + 1;
	}
	f->hist = hist;
}

static void
s_item_iface(struct rd *r, struct alertrec_load *ld)
{
	struct alert_iface f;
	int64_t flap[ALERT_MAX_FLAP];
	struct alert_hist hist[ALERT_HIST_MAX];
	struct wire_bytes dev, name;

	memset(&f, 0, sizeof f);
	dev = s_get_str(r, ALERT_MAX_FIELD);
	name = s_get_str(r, ALERT_MAX_IFNAME);
	f.last_id = s_get_n(r, 8);
	f.state = (enum ifstate)s_get_n(r, 1);
	f.open = (enum alert_type)s_get_n(r, 1);
	f.last_change = (int64_t)s_get_n(r, 8);
	f.last_change_wall = (int64_t)s_get_n(r, 8);
	s_iface_series(r, &f, flap, hist);
	if (r->ver >= 2) {
		struct wire_bytes d = s_get_str(r, ALERT_MAX_DESCR);

		/* alert_restore_iface copies it */
		f.descr.p = (char *)(uintptr_t)d.ptr;
		f.descr.len = d.len;
	}
	/* alert_restore_iface reads device/name as alert_str. */
	f.device.p = (char *)(uintptr_t)dev.ptr;
	f.device.len = dev.len;
	f.name.p = (char *)(uintptr_t)name.ptr;
	f.name.len = name.len;
	if (!r->bad && ld->e && alert_restore_iface(ld->e, &f) < 0)
		r->bad = 1;
	else if (!r->bad && !ld->e && (dev.len == 0 || name.len == 0))
		r->bad = 1;
	alert_change_free(&f.opened);
	alert_change_free(&f.last);
	for (uint32_t i = 0; i < f.nhist; i++)
		alert_change_free(&hist[i].cause);
}

static void
s_item_change(struct rd *r, struct alertrec_load *ld)
{
	struct alert_change *c = s_get_change(r);

	if (!r->bad && ld->e) {
		alert_restore_seq(ld->e, c->seq + 1);
		alert_changes_push(ld->outbox, c);
	} else {
		alert_change_free(&c);
	}
}

static void
s_item_cursor(struct rd *r, struct alertrec_load *ld)
{
	struct wire_bytes key = s_get_str(r, 4096);
	uint64_t seq = s_get_n(r, 8);

	if (!r->bad && memchr(key.ptr, '\0', key.len) != NULL)
		r->bad = 1;
	if (!r->bad && ld->e) {
		char *k = xstrndup(key.ptr, key.len);
		int found;

		alertstate_cursor_get(ld->cursors, k, &found);
		if (found || ld->cursors->n < MAX_CURSORS)
			alertstate_cursor_set(ld->cursors, k, seq);
		free(k);
	}
}

static void
s_item_seq(struct rd *r, struct alertrec_load *ld)
{
	uint64_t seq = s_get_n(r, 8);

	if (!r->bad && ld->e)
		alert_restore_seq(ld->e, seq);
}

/* One reader per item tag; any other tag makes the record bad. */
static void (*const s_item_fn[])(struct rd *, struct alertrec_load *) = {
	[IT_DEV] = s_item_dev,
	[IT_IFACE] = s_item_iface,
	[IT_CHANGE] = s_item_change,
	[IT_CURSOR] = s_item_cursor,
	[IT_SEQ] = s_item_seq,
};

/*
 * Decode a run of items. With ld->e NULL nothing is applied, so a record
 * can be checked whole before any of it changes the state.
 */
int
alertrec_items(const void *data, size_t len, struct alertrec_load *ld)
{
	struct rd r = { data, (const unsigned char *)data + len, 0, ld->ver };

	while (!r.bad && r.p < r.end) {
		uint64_t tag = s_get_n(&r, 1);

		if (!r.bad && tag < sizeof s_item_fn / sizeof s_item_fn[0] &&
		    s_item_fn[tag] != NULL)
			s_item_fn[tag](&r, ld);
		else
			r.bad = 1;
	}
	return r.bad ? -1 : 0;
}

