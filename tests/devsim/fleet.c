/*
 * fleet.c — the devices and everything that changes their buffers: logging
 * an entry, an interface change, clear logging, reload. Each change goes to
 * the ring buffer and the journal in the same critical section, so the
 * journal is always exactly what the buffers hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "tests/devsim/devsim.h"

static const char *const s_fault_names[FAULTB__COUNT] = {
#define FAULT_STR(n, s) s,
	FAULT_MAP(FAULT_STR)
#undef FAULT_STR
};

const char *
fleet_fault_name(unsigned bit)
{
	return bit < FAULTB__COUNT ? s_fault_names[bit] : "?";
}

/* Returns the fault's bit mask, or 0 for an unknown name. */
int
fleet_fault_parse(const char *s)
{
	unsigned i;

	for (i = 0; i < FAULTB__COUNT; i++)
		if (strcmp(s, s_fault_names[i]) == 0)
			return 1 << i;
	return 0;
}

void
fleet_lock(struct fleet *fl)
{
	pthread_mutex_lock(&fl->mu);
}

void
fleet_unlock(struct fleet *fl)
{
	pthread_mutex_unlock(&fl->mu);
}

double
fleet_vnow_locked(const struct fleet *fl)
{
	double now = util_monotime();
	double paused = fl->paused_total + (fl->paused ? now - fl->pause_started : 0);

	return now - fl->t0 - paused;
}

struct device *
fleet_find(struct fleet *fl, const char *name)
{
	size_t i;

	for (i = 0; i < fl->ndevs; i++)
		if (strcmp(fl->devs[i].name, name) == 0)
			return &fl->devs[i];
	return NULL;
}

int
fleet_init(struct fleet *fl, const struct opts *o, char *err, size_t errlen)
{
	unsigned i, width = 3;
	int j;

	memset(fl, 0, sizeof(*fl));
	pthread_mutex_init(&fl->mu, NULL);
	pthread_cond_init(&fl->gen_cv, NULL);
	fl->seed = o->seed;
	fl->dir = xstrdup(o->out);
	fl->ndevs = o->devices;
	for (i = o->devices; i >= 1000; i /= 10)
		width++;
	fl->devs = xcalloc(fl->ndevs, sizeof(*fl->devs));
	for (i = 0; i < o->devices; i++) {
		struct device *d = &fl->devs[i];

		snprintf(d->name, sizeof(d->name), "r%0*u", (int)width, i + 1);
		d->idx = (int)i;
		d->plat = o->plats[i % (unsigned)o->nplats];
		d->seq_numbers = 1;
		d->ts = plat_whole_lines(d->plat) ? TS_NOMSEC : TS_MSEC_TZ;
		d->buffer_size = o->buffer_size;
		d->username = xstrdup(o->username);
		d->password = xstrdup(o->password);
		d->rate = o->rate;
		d->flap_every = o->flap_every;
		d->listen_fd = -1;
		d->nifaces = DS_IFACES;
		for (j = 0; j < d->nifaces; j++) {
			plat_iface_name(d->plat, j, d->ifaces[j].name, sizeof(d->ifaces[j].name));
			iftable_default_descr(d, j);
		}
	}
	(void)err;
	(void)errlen;
	return 0;
}

void
fleet_free(struct fleet *fl)
{
	size_t i;

	for (i = 0; i < fl->ndevs; i++) {
		struct device *d = &fl->devs[i];

		ring_free(&d->ring);
		free(d->username);
		free(d->password);
		free(d->enable_secret);
		zone_free(d);
		for (int j = 0; j < d->nifaces; j++)
			free(d->ifaces[j].descr);
	}
	free(fl->devs);
	free(fl->dir);
	journal_close(&fl->jr);
	pthread_cond_destroy(&fl->gen_cv);
	pthread_mutex_destroy(&fl->mu);
}

uint64_t
fleet_log_locked(struct fleet *fl, struct device *d, int64_t t_ms,
    const char *body, size_t len, int raw)
{
	struct buf b;

	buf_init(&b, 0);
	if (!raw)
		plat_prefix(d, ++d->seq, t_ms, &b);
	buf_append(&b, body, len);
	d->n++;
	d->logged++;
	ring_push(&d->ring, b.data, b.len);
	journal_line(fl->jr, t_ms, d->name, d->n, b.data, b.len);
	atomic_fetch_add(&fl->lines, 1);
	buf_free(&b);
	return d->n;
}

static const char *
s_state_name(int state)
{
	return state == IF_UP ? "up" : state == IF_DOWN ? "down" : "admin_down";
}

uint64_t
fleet_flap_locked(struct fleet *fl, struct device *d, const char *iface,
    int state, int64_t t_ms)
{
	struct buf b;
	int i, ifidx = -1, count;
	size_t off = 0;
	uint64_t first = d->n + 1;

	for (i = 0; i < d->nifaces; i++)
		if (strcmp(d->ifaces[i].name, iface) == 0)
			ifidx = i;
	if (ifidx >= 0) {
		d->ifaces[ifidx].state = state;
		d->ifaces[ifidx].up_at = 0;	/* an explicit change cancels the script's */
	}
	journal_flap(fl->jr, t_ms, d->name, iface, s_state_name(state), first);
	buf_init(&b, 0);
	count = plat_flap_bodies(d, iface, ifidx, state, &b);
	for (i = 0; i < count; i++) {
		size_t len = strlen(b.data + off);

		fleet_log_locked(fl, d, t_ms, b.data + off, len, 0);
		off += len + 1;
	}
	buf_free(&b);
	return first;
}

void
fleet_clear_locked(struct fleet *fl, struct device *d)
{
	ring_clear(&d->ring);
	journal_event(fl->jr, util_wallms(), d->name, "clear");
	journal_flush(fl->jr);
}

/* The device comes (back) up: clock and counters restart, RESTART logged. */
void
fleet_boot_locked(struct fleet *fl, struct device *d)
{
	struct buf b;
	int64_t t_ms = util_wallms();
	int i, count;
	size_t off = 0;

	d->boot_ms = t_ms;
	buf_init(&b, 0);
	plat_restart_bodies(d, &b, &count);
	for (i = 0; i < count; i++) {
		size_t len = strlen(b.data + off);

		fleet_log_locked(fl, d, t_ms, b.data + off, len, 0);
		off += len + 1;
	}
	buf_free(&b);
	journal_flush(fl->jr);
}

void
fleet_reload_locked(struct fleet *fl, struct device *d, double downtime)
{
	int i;

	int64_t t_ms = util_wallms();

	journal_event(fl->jr, t_ms, d->name, "reload");
	ring_clear(&d->ring);
	d->seq = 0;
	d->logged = 0;
	d->epoch++;
	/*
	 * A reload brings the links back up, and what was shut down in the
	 * configuration stays shut. No line says so (they would be in the
	 * buffer the reload just emptied): the journal records the change
	 * with n 0, so that it stays the truth of every interface's state.
	 */
	for (i = 0; i < d->nifaces; i++) {
		d->ifaces[i].up_at = 0;
		if (d->ifaces[i].state != IF_DOWN)
			continue;
		d->ifaces[i].state = IF_UP;
		journal_flap(fl->jr, t_ms, d->name, d->ifaces[i].name, "up", 0);
	}
	if (downtime > 0) {
		d->down_until = util_monotime() + downtime;
		journal_flush(fl->jr);
	} else {
		fleet_boot_locked(fl, d);
	}
}
