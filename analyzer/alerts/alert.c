/*
 * alert.c — the per-interface state machine of the alert stage (alert.h).
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alert_int.h"
#include "common/util.h"

/* ---- engine ---- */

static void
s_clamp_conf(struct alert_conf *c)
{
	if (c->flap_changes < 2)
		c->flap_changes = 0;		/* flap detection off */
	if (c->flap_changes > ALERT_MAX_FLAP)
		c->flap_changes = ALERT_MAX_FLAP;
}

struct alert_engine *
alert_new(const struct alert_conf *conf)
{
	struct alert_engine *e = xcalloc(1, sizeof *e);

	e->conf = *conf;
	s_clamp_conf(&e->conf);
	e->tabsize = 1024;
	e->tab = xcalloc(e->tabsize, sizeof *e->tab);
	e->dtabsize = 64;
	e->dtab = xcalloc(e->dtabsize, sizeof *e->dtab);
	e->next_seq = 1;
	return e;
}

static void
s_iface_free(struct alert_iface *f)
{
	alert_str_free(&f->device);
	alert_str_free(&f->name);
	alert_str_free(&f->descr);
	alert_change_free(&f->opened);
	alert_change_free(&f->last);
	for (uint32_t i = 0; i < f->nhist; i++)
		alert_change_free(&f->hist[i].cause);
	free(f->hist);
	free(f->flap);
	free(f);
}

void
alert_reset(struct alert_engine *e)
{
	for (size_t i = 0; i < e->tabsize; i++) {
		struct alert_iface *f = e->tab[i], *nx;
		for (; f; f = nx) {
			nx = f->next;
			s_iface_free(f);
		}
		e->tab[i] = NULL;
	}
	for (size_t i = 0; i < e->dtabsize; i++) {
		struct alert_dev *d = e->dtab[i], *nx;
		for (; d; d = nx) {
			nx = d->next;
			alert_str_free(&d->name);
			free(d);
		}
		e->dtab[i] = NULL;
	}
	e->nifaces = e->ndevs = 0;
	e->nflapping = e->ndirty = e->nddirty = e->nhistlist = 0;
}

void
alert_free(struct alert_engine **ep)
{
	struct alert_engine *e;

	if (ep == NULL || (e = *ep) == NULL)
		return;
	alert_reset(e);
	free(e->tab);
	free(e->dtab);
	free(e->flapping);
	free(e->histlist);
	free(e->dirty);
	free(e->ddirty);
	free(e);
	*ep = NULL;
}

void
alert_setconf(struct alert_engine *e, const struct alert_conf *conf)
{
	struct alert_conf c = *conf;

	s_clamp_conf(&c);
	if (c.flap_changes != e->conf.flap_changes) {
		/* Keep the most recent changes that fit the new ring. */
		uint32_t k = (uint32_t)c.flap_changes;
		for (size_t i = 0; i < e->tabsize; i++) {
			for (struct alert_iface *f = e->tab[i]; f; f = f->next) {
				if (f->nflap > k) {
					memmove(f->flap, f->flap + (f->nflap - k),
					    k * sizeof *f->flap);
					f->nflap = k;
				}
				f->flap = xrealloc(f->flap,
				    (k ? k : 1) * sizeof *f->flap);
			}
		}
	}
	e->conf = c;
}

/* FNV-1a over device, a separator no name can hold in the hash's eyes, iface. */
static uint64_t
s_hash2(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *p;
	uint64_t h = 1469598103934665603ULL;

	p = a;
	for (size_t i = 0; i < alen; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	h ^= 0xff;
	h *= 1099511628211ULL;
	h ^= (uint64_t)alen;
	h *= 1099511628211ULL;
	p = b;
	for (size_t i = 0; i < blen; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static int
s_eq(const struct alert_str *s, const void *p, size_t len)
{
	return s->len == len && (len == 0 || memcmp(s->p, p, len) == 0);
}

static void
s_grow_tab(struct alert_engine *e)
{
	size_t nsize = e->tabsize * 2;
	struct alert_iface **nt = xcalloc(nsize, sizeof *nt);

	for (size_t i = 0; i < e->tabsize; i++) {
		struct alert_iface *f = e->tab[i], *nx;
		for (; f; f = nx) {
			nx = f->next;
			f->next = nt[f->hash & (nsize - 1)];
			nt[f->hash & (nsize - 1)] = f;
		}
	}
	free(e->tab);
	e->tab = nt;
	e->tabsize = nsize;
}

static struct alert_iface *
s_find(const struct alert_engine *e, const void *dev, size_t devlen,
    const void *name, size_t namelen, uint64_t h)
{
	struct alert_iface *f = e->tab[h & (e->tabsize - 1)];

	for (; f; f = f->next)
		if (f->hash == h && s_eq(&f->device, dev, devlen) &&
		    s_eq(&f->name, name, namelen))
			return f;
	return NULL;
}

static struct alert_iface *
s_insert(struct alert_engine *e, const void *dev, size_t devlen,
    const void *name, size_t namelen, uint64_t h)
{
	struct alert_iface *f;

	if (e->nifaces >= ALERT_MAX_IFACES)
		return NULL;
	if (e->nifaces >= e->tabsize)
		s_grow_tab(e);
	f = xcalloc(1, sizeof *f);
	alert_str_set(&f->device, dev, devlen, SIZE_MAX);
	alert_str_set(&f->name, name, namelen, SIZE_MAX);
	f->hash = h;
	f->flapping_idx = -1;
	f->hist_idx = -1;
	f->flap = xcalloc(e->conf.flap_changes ? (size_t)e->conf.flap_changes : 1,
	    sizeof *f->flap);
	f->next = e->tab[h & (e->tabsize - 1)];
	e->tab[h & (e->tabsize - 1)] = f;
	e->nifaces++;
	return f;
}

const struct alert_iface *
alert_lookup(const struct alert_engine *e, struct wire_bytes device,
    struct wire_bytes iface)
{
	uint64_t h = s_hash2(device.ptr, device.len, iface.ptr, iface.len);

	return s_find(e, device.ptr, device.len, iface.ptr, iface.len, h);
}

static struct alert_dev *
s_dev(struct alert_engine *e, const void *name, size_t len, int create)
{
	uint64_t h = util_hash64(name, len);
	struct alert_dev *d = e->dtab[h & (e->dtabsize - 1)];

	for (; d; d = d->next)
		if (d->hash == h && s_eq(&d->name, name, len))
			return d;
	if (!create)
		return NULL;
	if (e->ndevs >= e->dtabsize) {
		size_t nsize = e->dtabsize * 2;
		struct alert_dev **nt = xcalloc(nsize, sizeof *nt);
		for (size_t i = 0; i < e->dtabsize; i++) {
			struct alert_dev *x = e->dtab[i], *nx;
			for (; x; x = nx) {
				nx = x->next;
				x->next = nt[x->hash & (nsize - 1)];
				nt[x->hash & (nsize - 1)] = x;
			}
		}
		free(e->dtab);
		e->dtab = nt;
		e->dtabsize = nsize;
	}
	d = xcalloc(1, sizeof *d);
	alert_str_set(&d->name, name, len, SIZE_MAX);
	d->hash = h;
	d->next = e->dtab[h & (e->dtabsize - 1)];
	e->dtab[h & (e->dtabsize - 1)] = d;
	e->ndevs++;
	return d;
}

static void
s_mark_dirty(struct alert_engine *e, struct alert_iface *f)
{
	if (f->dirty)
		return;
	f->dirty = 1;
	if (e->ndirty == e->capdirty) {
		e->capdirty = e->capdirty ? e->capdirty * 2 : 64;
		e->dirty = xrealloc(e->dirty, e->capdirty * sizeof *e->dirty);
	}
	e->dirty[e->ndirty++] = f;
}

static void
s_dev_hw(struct alert_engine *e, struct alert_dev *d, uint64_t id)
{
	if (id <= d->hw)
		return;
	d->hw = id;
	if (d->dirty)
		return;
	d->dirty = 1;
	if (e->nddirty == e->capddirty) {
		e->capddirty = e->capddirty ? e->capddirty * 2 : 64;
		e->ddirty = xrealloc(e->ddirty, e->capddirty * sizeof *e->ddirty);
	}
	e->ddirty[e->nddirty++] = d;
}

static void
s_flap_add(struct alert_engine *e, struct alert_iface *f)
{
	if (f->flapping_idx >= 0)
		return;
	if (e->nflapping == e->capflapping) {
		e->capflapping = e->capflapping ? e->capflapping * 2 : 16;
		e->flapping = xrealloc(e->flapping,
		    e->capflapping * sizeof *e->flapping);
	}
	f->flapping_idx = (int)e->nflapping;
	e->flapping[e->nflapping++] = f;
}

static void
s_flap_del(struct alert_engine *e, struct alert_iface *f)
{
	size_t i = (size_t)f->flapping_idx;

	if (f->flapping_idx < 0)
		return;
	e->flapping[i] = e->flapping[--e->nflapping];
	e->flapping[i]->flapping_idx = (int)i;
	f->flapping_idx = -1;
}

struct alert_iface *
alert_find(struct alert_engine *e, const struct alert_str *device,
    const char *name, size_t len)
{
	uint64_t h = s_hash2(device->p, device->len, name, len);

	return s_find(e, device->p, device->len, name, len, h);
}

static void
s_unlink(struct alert_engine *e, struct alert_iface *f)
{
	struct alert_iface **pp = &e->tab[f->hash & (e->tabsize - 1)];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	f->next = NULL;
}

void
alert_iface_rename(struct alert_engine *e, struct alert_iface *f,
    const char *name, size_t len)
{
	s_unlink(e, f);
	alert_str_set(&f->name, name, len, SIZE_MAX);
	f->hash = s_hash2(f->device.p, f->device.len, name, len);
	f->next = e->tab[f->hash & (e->tabsize - 1)];
	e->tab[f->hash & (e->tabsize - 1)] = f;
	/* What is still to be reported comes from these; the opened
	 * change keeps the name its alert went out under. */
	if (f->last)
		alert_str_set(&f->last->interface, name, len, SIZE_MAX);
	for (uint32_t i = 0; i < f->nhist; i++)
		alert_str_set(&f->hist[i].cause->interface, name, len, SIZE_MAX);
	s_mark_dirty(e, f);
}

void
alert_iface_drop(struct alert_engine *e, struct alert_iface *f)
{
	s_unlink(e, f);
	s_flap_del(e, f);
	alert_histlist_del(e, f);
	for (size_t i = 0; f->dirty && i < e->ndirty; i++) {
		if (e->dirty[i] == f) {
			e->dirty[i] = e->dirty[--e->ndirty];
			break;
		}
	}
	e->nifaces--;
	s_iface_free(f);
}

/* ---- transitions ---- */

/* What severity an alert gets: labels must not change between its firing
 * and its resolution, so this is decided once, when it opens. */
void
alert_severity_set(struct alert_change *c, enum alert_type t)
{
	const char *sev = NULL;

	switch (t) {
	case ALERT_T_DOWN:
		if (c->severity.len == 0)
			sev = "critical";
		break;
	case ALERT_T_ADMIN:
		/* An operator's shutdown is never more than a warning. */
		if (strcmp(c->severity.p, "warning") != 0 || c->severity.len != 7)
			sev = "info";
		break;
	case ALERT_T_FLAP:
		sev = "warning";
		break;
	case ALERT_T_NONE:
		break;
	}
	if (sev)
		alert_str_set(&c->severity, sev, strlen(sev), ALERT_MAX_FIELD);
}

int64_t
alert_cause_time(const struct alert_change *cause)
{
	return cause->device_time ? cause->device_time : cause->raised_at;
}

/* A change built from its cause; appended to out, returned borrowed. */
static struct alert_change *
s_emit(struct alert_engine *e, struct alert_iface *f, struct alert_changes *out,
    enum alert_status st, enum alert_type t, const struct alert_change *cause,
    int64_t now)
{
	struct alert_change *c = alert_change_dup(cause);

	c->status = st;
	c->type = t;
	c->state = f->state;
	c->seq = e->next_seq++;
	c->raised_at = now;
	alert_str_set(&c->description, f->descr.p, f->descr.len, ALERT_MAX_DESCR);
	if (st == ALERT_RESOLVED && f->opened) {
		/*
		 * Same identity as the alert it ends: severity, and the
		 * interface as it was spelt when it fired (an alert restored
		 * from a state that predates canonical names fired under the
		 * short name; its resolution must name the same alert).
		 */
		alert_str_set(&c->severity, f->opened->severity.p,
		    f->opened->severity.len, ALERT_MAX_FIELD);
		alert_str_set(&c->interface, f->opened->interface.p,
		    f->opened->interface.len, ALERT_MAX_IFNAME);
		c->starts_at = f->opened->starts_at;
		c->ends_at = alert_cause_time(cause);
		if (c->ends_at < c->starts_at)
			c->ends_at = c->starts_at;
	} else {
		alert_severity_set(c, t);
		c->starts_at = alert_cause_time(cause);
		c->ends_at = 0;
	}
	alert_changes_push(out, c);
	e->stats.changes++;
	return c;
}

static void
s_open(struct alert_engine *e, struct alert_iface *f, struct alert_changes *out,
    enum alert_status st, enum alert_type t, const struct alert_change *cause,
    int64_t now)
{
	struct alert_change *c = s_emit(e, f, out, st, t, cause, now);

	alert_change_free(&f->opened);
	f->opened = alert_change_dup(c);
	f->open = t;
}

static void
s_close(struct alert_engine *e, struct alert_iface *f, struct alert_changes *out,
    const struct alert_change *cause, int64_t now)
{
	s_emit(e, f, out, ALERT_RESOLVED, f->open, cause, now);
	alert_change_free(&f->opened);
	f->open = ALERT_T_NONE;
}

/* Open the alert the interface's current state calls for, if any. */
static void
s_open_for_state(struct alert_engine *e, struct alert_iface *f,
    struct alert_changes *out, const struct alert_change *cause, int64_t now)
{
	if (f->state == IF_DOWN)
		s_open(e, f, out, ALERT_FIRING, ALERT_T_DOWN, cause, now);
	else if (f->state == IF_ADMIN_DOWN)
		s_open(e, f, out, ALERT_FIRING, ALERT_T_ADMIN, cause, now);
}

/*
 * A flap is over: resolve it at ends_at and report the state the interface
 * settled in, caused by the last change seen while it flapped.
 */
static void
s_end_flap(struct alert_engine *e, struct alert_iface *f,
    struct alert_changes *out, int64_t now, int64_t ends_at)
{
	struct alert_change *cause = f->last;

	if (cause == NULL)		/* cannot happen; restore refuses it */
		cause = alert_change_dup(f->opened);
	f->last = NULL;
	s_emit(e, f, out, ALERT_RESOLVED, ALERT_T_FLAP, cause, now)->ends_at =
	    ends_at < f->opened->starts_at ? f->opened->starts_at : ends_at;
	alert_change_free(&f->opened);
	f->open = ALERT_T_NONE;
	s_flap_del(e, f);
	f->nflap = 0;
	s_open_for_state(e, f, out, cause, now);
	alert_change_free(&cause);
	s_mark_dirty(e, f);
}

static void
s_flap_push(struct alert_engine *e, struct alert_iface *f, int64_t t)
{
	uint32_t k = (uint32_t)e->conf.flap_changes;

	if (k == 0)
		return;
	if (f->nflap == k) {
		memmove(f->flap, f->flap + 1, (k - 1) * sizeof *f->flap);
		f->nflap--;
	}
	f->flap[f->nflap++] = t;
}

static int
s_is_flapping(const struct alert_engine *e, const struct alert_iface *f)
{
	uint32_t k = (uint32_t)e->conf.flap_changes;

	if (k == 0 || f->nflap < k)
		return 0;
	/* A clock that went backwards makes the span negative: still "within". */
	return f->flap[f->nflap - 1] - f->flap[f->nflap - k] <=
	    (int64_t)e->conf.flap_window_ms;
}

struct alert_change *
alert_cause_new(const struct alert_iface *f, const struct wire_event *ev, int64_t now)
{
	struct alert_change *c = alert_change_new();

	alert_str_set(&c->device, f->device.p, f->device.len, SIZE_MAX);
	alert_str_set(&c->interface, f->name.p, f->name.len, SIZE_MAX);
	alert_str_set(&c->rule, ev->rule.ptr, ev->rule.len, ALERT_MAX_FIELD);
	alert_str_set(&c->event, ev->event.ptr, ev->event.len, ALERT_MAX_FIELD);
	alert_str_set(&c->severity, ev->severity.ptr, ev->severity.len,
	    ALERT_MAX_FIELD);
	alert_str_set(&c->platform, ev->platform.ptr, ev->platform.len,
	    ALERT_MAX_FIELD);
	alert_str_set(&c->ts_raw, ev->ts_raw.ptr, ev->ts_raw.len, ALERT_MAX_FIELD);
	alert_str_set(&c->line, ev->line.ptr, ev->line.len, ALERT_MAX_LINE);
	/* A cause is stored (flap) and persisted: keep every enum valid. */
	c->status = ALERT_FIRING;
	c->type = ALERT_T_NONE;
	c->kind = ev->kind <= IFK_MAX ? ev->kind : IFK_NONE;
	c->state = ev->state;
	c->record_id = ev->id;
	c->device_time = ev->ts_ms > 0 ? ev->ts_ms : 0;
	c->raised_at = now;
	c->received_at = ev->rx_ms > 0 ? ev->rx_ms : 0;
	alert_str_set(&c->description, f->descr.p, f->descr.len, ALERT_MAX_DESCR);
	if (ev->kind == IFK_SNAPSHOT) {
		struct wire_bytes why = alert_capture(ev, "reason");

		c->reconciled = 1;
		alert_str_set(&c->reason, why.ptr, why.len, ALERT_MAX_FIELD);
	}
	return c;
}

static void
s_transition(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out)
{
	enum ifstate old = f->state, nw = ev->state;
	int64_t t = ev->ts_ms > 0 ? ev->ts_ms : now;
	struct alert_change *cause;
	int counted;

	/* A shutdown takes the line protocol down too: same event. */
	if (nw == IF_DOWN && old == IF_ADMIN_DOWN && ev->kind == IFK_PROTOCOL)
		return;
	/* Link and line protocol of one event: the second changes nothing. */
	if (nw == old)
		return;
	/* The device's own clock says the flap was over before this event. */
	if (f->open == ALERT_T_FLAP && e->conf.flap_stable_ms > 0 &&
	    t - f->last_change >= (int64_t)e->conf.flap_stable_ms)
		s_end_flap(e, f, out, now,
		    f->last_change + (int64_t)e->conf.flap_stable_ms);

	cause = alert_cause_new(f, ev, now);
	/* Seeing an interface up for the first time is not a change. */
	counted = !(old == IF_UNKNOWN && nw == IF_UP);
	f->state = nw;
	f->last_change = t;
	f->last_change_wall = now;
	if (counted)
		s_flap_push(e, f, t);

	if (f->open == ALERT_T_FLAP) {
		alert_change_free(&f->last);
		f->last = cause;
		return;
	}
	if ((f->open == ALERT_T_DOWN && nw != IF_DOWN) ||
	    (f->open == ALERT_T_ADMIN && nw != IF_ADMIN_DOWN))
		s_close(e, f, out, cause, now);
	if (counted && s_is_flapping(e, f)) {
		s_open(e, f, out, ALERT_FLAPPING, ALERT_T_FLAP, cause, now);
		f->last = cause;
		s_flap_add(e, f);
		return;
	}
	if (f->open == ALERT_T_NONE)
		s_open_for_state(e, f, out, cause, now);
	alert_change_free(&cause);
}

/*
 * A snapshot row that differs from what the lines told (alert.h,
 * Reconciliation): the transition a line would make, not counted toward
 * flapping. While a flap is open the row only corrects the state the flap
 * will settle in (its cause becomes the flap's last one), exactly as a
 * line would; it does not move the flap's quiet period, which belongs to
 * the lines' changes.
 */
static void
s_reconcile(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out)
{
	struct alert_change *cause = alert_cause_new(f, ev, now);

	f->state = ev->state;
	if (f->open == ALERT_T_FLAP) {
		alert_change_free(&f->last);
		f->last = cause;
		return;
	}
	f->last_change = ev->ts_ms > 0 ? ev->ts_ms : now;
	f->last_change_wall = now;
	if ((f->open == ALERT_T_DOWN && f->state != IF_DOWN) ||
	    (f->open == ALERT_T_ADMIN && f->state != IF_ADMIN_DOWN))
		s_close(e, f, out, cause, now);
	if (f->open == ALERT_T_NONE)
		s_open_for_state(e, f, out, cause, now);
	alert_change_free(&cause);
}

/* The interface's description from a device's bytes; NULL ptr clears. */
static void
s_descr_set(struct alert_iface *f, struct wire_bytes d)
{
	alert_str_set(&f->descr, d.ptr, alert_utf8_cut(d.ptr, d.len,
	    ALERT_MAX_DESCR), ALERT_MAX_DESCR);
}

/*
 * Apply a snapshot row newer than nothing the interface has seen, or
 * account for it: 0 when it was applied (its id is now the interface's
 * last), -1 when not (counted).
 *
 * An applied row other than a baseline enters the history like a line
 * event, with the row's state as the state after it: a late line event
 * older than the snapshot is then placed before it and can reveal an
 * episode the snapshot hid (down and up again in between), and one newer
 * than the snapshot but older than a later line is placed after it. A
 * snapshot is the device's own table, so no late line placed before it
 * can change what it meant. A baseline starts the history instead: it
 * reported nothing, so nothing before it can be placed.
 */
static int
s_apply_row(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out)
{
	struct wire_bytes d = alert_capture(ev, "description");

	if (ev->id == f->last_id || alert_hist_has(f, ev->id)) {
		e->stats.duplicates++;
		return -1;
	}
	if (ev->id < f->last_id) {
		/* Older than what a line told: the table was read before it. */
		e->stats.snap_stale++;
		return -1;
	}
	f->last_id = ev->id;
	s_descr_set(f, d);
	if (f->state == IF_UNKNOWN) {
		/* A port that was always down is no news. */
		f->state = ev->state;
		f->last_change = ev->ts_ms > 0 ? ev->ts_ms : now;
		f->last_change_wall = now;
		if (f->nhist == 0) {
			f->hist_floor = ev->id;
			f->hist_base = f->state;
		}
		e->stats.snap_baseline++;
		return 0;
	}
	if (f->state == ev->state) {
		e->stats.snap_agreed++;
	} else {
		s_reconcile(e, f, ev, now, out);
		e->stats.snap_reconciled++;
	}
	alert_hist_insert(e, f, f->nhist, ev, f->state,
	    alert_cause_new(f, ev, now), now);
	return 0;
}

/* Apply a line's event, or account for it: 0 applied, -1 not (counted). */
static int
s_apply_line(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out)
{
	struct wire_bytes d;

	if (ev->id == f->last_id || alert_hist_has(f, ev->id)) {
		e->stats.duplicates++;
		return -1;
	}
	if (ev->id < f->last_id) {
		if (alert_late_place(e, f, ev, now, out) < 0) {
			e->stats.stale++;
			return -1;
		}
		e->stats.late++;
		return 0;
	}
	/* Only the newest event speaks for the interface now, and a line
	 * without the capture says nothing about the description. */
	d = alert_capture(ev, "description");
	if (d.len > 0)
		s_descr_set(f, d);
	f->last_id = ev->id;
	s_transition(e, f, ev, now, out);
	alert_hist_insert(e, f, f->nhist, ev, f->state,
	    alert_cause_new(f, ev, now), now);
	return 0;
}

struct s_idx {
	uint64_t id;
	size_t   i;
};

static int
s_idx_cmp(const void *a, const void *b)
{
	const struct s_idx *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

size_t
alert_apply(struct alert_engine *e, struct wire_bytes device,
    const struct wire_event *evs, size_t nevs, int64_t now_ms,
    struct alert_changes *out)
{
	struct s_idx *order;
	struct alert_dev *d;
	size_t applied = 0;

	if (device.len == 0 || device.len > ALERT_MAX_FIELD) {
		e->stats.ignored += nevs;
		return 0;
	}
	if (nevs == 0)
		return 0;
	d = s_dev(e, device.ptr, device.len, 1);
	order = xmalloc(nevs * sizeof *order);
	for (size_t i = 0; i < nevs; i++) {
		order[i].id = evs[i].id;
		order[i].i = i;
	}
	qsort(order, nevs, sizeof *order, s_idx_cmp);

	for (size_t k = 0; k < nevs; k++) {
		const struct wire_event *ev = &evs[order[k].i];
		char canon[ALERT_CANON_BUF];
		struct wire_bytes name;
		struct alert_iface *f;
		uint64_t h;

		if ((ev->state != IF_DOWN && ev->state != IF_UP &&
		    ev->state != IF_ADMIN_DOWN) || ev->interface.len == 0 ||
		    ev->interface.len > ALERT_MAX_IFNAME || ev->id == 0) {
			e->stats.ignored++;
			continue;
		}
		/* One key per interface whatever the analyzer's version. */
		name = alert_canon_name(ev->platform, ev->interface, canon);
		h = s_hash2(device.ptr, device.len, name.ptr, name.len);
		f = s_find(e, device.ptr, device.len, name.ptr, name.len, h);
		if (f == NULL &&
		    (f = s_insert(e, device.ptr, device.len, name.ptr,
		    name.len, h)) == NULL) {
			e->stats.dropped++;
			continue;
		}
		if ((ev->kind == IFK_SNAPSHOT ? s_apply_row(e, f, ev, now_ms, out) :
		    s_apply_line(e, f, ev, now_ms, out)) < 0)
			continue;
		s_mark_dirty(e, f);
		s_dev_hw(e, d, ev->id);
		e->stats.applied++;
		applied++;
	}
	free(order);
	return applied;
}

void
alert_device_seen(struct alert_engine *e, struct wire_bytes device,
    uint64_t last_id)
{
	if (device.len == 0 || device.len > ALERT_MAX_FIELD)
		return;
	s_dev_hw(e, s_dev(e, device.ptr, device.len, 1), last_id);
}

uint64_t
alert_device_hw(const struct alert_engine *e, struct wire_bytes device)
{
	struct alert_dev *d = s_dev((struct alert_engine *)(uintptr_t)e,
	    device.ptr, device.len, 0);

	return d ? d->hw : 0;
}

void
alert_tick(struct alert_engine *e, int64_t now_ms, struct alert_changes *out)
{
	int64_t stable = (int64_t)e->conf.flap_stable_ms;
	size_t i = 0;

	/* Histories age out (alert_hist_prune may remove f from the list). */
	while (i < e->nhistlist) {
		struct alert_iface *f = e->histlist[i];
		if (alert_hist_prune(e, f, now_ms))
			s_mark_dirty(e, f);
		if (f->hist_idx == (int)i)
			i++;
	}
	i = 0;

	while (i < e->nflapping) {
		struct alert_iface *f = e->flapping[i];
		if (now_ms - f->last_change_wall >= stable) {
			/* s_end_flap removes f from the list: do not advance. */
			s_end_flap(e, f, out, now_ms, f->last_change + stable);
			continue;
		}
		i++;
	}
}

int64_t
alert_next_deadline(const struct alert_engine *e)
{
	int64_t best = INT64_MAX;

	for (size_t i = 0; i < e->nflapping; i++) {
		int64_t t = e->flapping[i]->last_change_wall +
		    (int64_t)e->conf.flap_stable_ms;
		if (t < best)
			best = t;
	}
	return best;
}

/* ---- restore ---- */

static int
s_valid_change(const struct alert_change *c)
{
	return c != NULL && c->status >= ALERT_FIRING &&
	    c->status <= ALERT_FLAPPING && c->type <= ALERT_T_FLAP &&
	    c->state <= IF_ADMIN_DOWN && c->kind <= IFK_MAX &&
	    c->description.len <= ALERT_MAX_DESCR;
}

int
alert_restore_iface(struct alert_engine *e, const struct alert_iface *r)
{
	struct alert_iface *f;
	uint32_t k = (uint32_t)e->conf.flap_changes, n;
	uint64_t h;

	if (r->device.len == 0 || r->device.len > ALERT_MAX_FIELD ||
	    r->name.len == 0 || r->name.len > ALERT_MAX_IFNAME ||
	    r->state > IF_ADMIN_DOWN || r->open > ALERT_T_FLAP ||
	    (r->open != ALERT_T_NONE && !s_valid_change(r->opened)) ||
	    (r->open == ALERT_T_FLAP && !s_valid_change(r->last)) ||
	    (r->nflap > 0 && r->flap == NULL) || r->nhist > ALERT_HIST_MAX ||
	    (r->nhist > 0 && r->hist == NULL) || r->hist_base > IF_ADMIN_DOWN ||
	    r->descr.len > ALERT_MAX_DESCR)
		return -1;
	for (uint32_t i = 0; i < r->nhist; i++)
		if (!s_valid_change(r->hist[i].cause) ||
		    r->hist[i].eff > IF_ADMIN_DOWN ||
		    r->hist[i].state > IF_ADMIN_DOWN ||
		    r->hist[i].kind > IFK_MAX ||
		    r->hist[i].id <= (i ? r->hist[i - 1].id : r->hist_floor))
			return -1;
	h = s_hash2(r->device.p, r->device.len, r->name.p, r->name.len);
	f = s_find(e, r->device.p, r->device.len, r->name.p, r->name.len, h);
	if (f == NULL &&
	    (f = s_insert(e, r->device.p, r->device.len, r->name.p,
	    r->name.len, h)) == NULL)
		return -1;
	f->last_id = r->last_id;
	f->state = r->state;
	f->open = r->open;
	alert_str_set(&f->descr, r->descr.p, r->descr.len, ALERT_MAX_DESCR);
	alert_change_free(&f->opened);
	alert_change_free(&f->last);
	if (r->open != ALERT_T_NONE)
		f->opened = alert_change_dup(r->opened);
	if (r->open == ALERT_T_FLAP)
		f->last = alert_change_dup(r->last);
	f->last_change = r->last_change;
	f->last_change_wall = r->last_change_wall;
	n = r->nflap < k ? r->nflap : k;
	if (n > 0)
		memcpy(f->flap, r->flap + (r->nflap - n), n * sizeof *f->flap);
	f->nflap = n;
	if (f->open == ALERT_T_FLAP)
		s_flap_add(e, f);
	else
		s_flap_del(e, f);
	for (uint32_t i = 0; i < f->nhist; i++)
		alert_change_free(&f->hist[i].cause);
	f->nhist = 0;
	f->hist_floor = r->hist_floor;
	f->hist_base = r->hist_base;
	if (r->nhist > 0 && f->hist == NULL)
		f->hist = xcalloc(ALERT_HIST_MAX + 1, sizeof *f->hist);
	for (uint32_t i = 0; i < r->nhist; i++) {
		f->hist[i] = r->hist[i];
		f->hist[i].cause = alert_change_dup(r->hist[i].cause);
	}
	f->nhist = r->nhist;
	if (f->nhist > 0)
		alert_histlist_add(e, f);
	else
		alert_histlist_del(e, f);
	return 0;
}

void
alert_restore_device(struct alert_engine *e, struct wire_bytes device,
    uint64_t hw)
{
	struct alert_dev *d;

	if (device.len == 0 || device.len > ALERT_MAX_FIELD)
		return;
	d = s_dev(e, device.ptr, device.len, 1);
	if (hw > d->hw)
		d->hw = hw;
}

uint64_t
alert_next_seq(const struct alert_engine *e)
{
	return e->next_seq;
}

void
alert_restore_seq(struct alert_engine *e, uint64_t next_seq)
{
	if (next_seq > e->next_seq)
		e->next_seq = next_seq;
}
