/*
 * gen.c — the log generator: realistic messages at a set rate and scripted
 * interface flaps, all drawn from per-device random streams seeded from
 * --seed, so a device's message sequence repeats run after run.
 *
 * Time is virtual (monotonic seconds minus time spent paused): each device
 * has the virtual time of its next message and next flap, and every tick
 * processes, per device and in time order, whatever has fallen due. What is
 * logged comes from one stream (content) and when from another (timing), so
 * changing a rate changes the pace but not the words.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "tests/devsim/devsim.h"

#define GEN_TICK_MS 50

static uint64_t
s_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
gen_rng_seed(struct rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = s_splitmix(&seed);
}

static uint64_t
s_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
gen_rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = s_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = s_rotl(s[3], 45);
	return out;
}

uint32_t
gen_rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)((gen_rng_next(r) >> 32) % n) : 0;
}

double
gen_rng_unit(struct rng *r)
{
	return (double)(gen_rng_next(r) >> 11) / 9007199254740992.0;
}

static double
s_msg_interval(struct device *d)
{
	if (d->rate <= 0)
		return INFINITY;
	return (0.5 + gen_rng_unit(&d->timing)) / d->rate;
}

static double
s_flap_interval(struct device *d)
{
	if (d->flap_every <= 0)
		return INFINITY;
	return d->flap_every * (0.5 + gen_rng_unit(&d->timing));
}

void
gen_device_start(struct fleet *fl, struct device *d, double vnow)
{
	uint64_t base = fl->seed * 1000003ULL + (uint64_t)d->idx;

	gen_rng_seed(&d->content, base ^ 0x636f6e74656e74ULL);
	gen_rng_seed(&d->timing, base ^ 0x74696d696e67ULL);
	/* a random phase, so a fleet does not log in lockstep */
	d->next_msg = d->rate > 0 ? vnow + gen_rng_unit(&d->timing) / d->rate : INFINITY;
	d->next_flap = vnow + s_flap_interval(d);
}

void
gen_device_reschedule(struct device *d, double vnow, int flaps_too)
{
	d->next_msg = vnow + s_msg_interval(d);
	if (flaps_too)
		d->next_flap = vnow + s_flap_interval(d);
}

/* Garbage a device may log: NULs, invalid UTF-8, terminal escapes. */
static void
s_garbage(struct rng *r, struct buf *o)
{
	static const char *const frag[] = {
		"\x1b[2K", "\x1b[0m", "\x1b[1;31m", "\xff", "\xfe\xfe", "\xc3\x28",
		"\x80", "\xed\xa0\x80", "\x07", "\x1b]0;x\x07", "\x08",
	};
	unsigned i, n = 1 + gen_rng_below(r, 4);

	buf_appendc(o, ' ');
	for (i = 0; i < n; i++) {
		uint32_t k = gen_rng_below(r, 13);

		if (k == 11)
			buf_appendc(o, '\0');
		else if (k == 12)
			buf_appendc(o, (char)(0x0e + gen_rng_below(r, 16)));
		else
			buf_append(o, frag[k], strlen(frag[k]));
	}
}

static void
s_draw_msg(struct device *d, struct msg *m)
{
	/* weights: config, acl, ospf, bgp, eigrp, ssh, login, multi-line */
	static const unsigned w[MSG__COUNT] = { 10, 30, 12, 12, 10, 12, 6, 8 };
	unsigned total = 0, k, i, x;

	for (k = 0; k < MSG__COUNT; k++)
		total += w[k];
	x = gen_rng_below(&d->content, total);
	for (k = 0; k < MSG__COUNT - 1 && x >= w[k]; k++)
		x -= w[k];
	m->kind = (int)k;
	for (i = 0; i < 8; i++)
		m->p[i] = (uint32_t)(gen_rng_next(&d->content) >> 32);
}

static void
s_log_one(struct fleet *fl, struct device *d, int64_t t_ms)
{
	struct msg m;
	struct buf b;

	buf_init(&b, 0);
	s_draw_msg(d, &m);
	plat_body(d, &m, &b);
	if (d->faults & FAULT(GARBAGE_BYTES))
		s_garbage(&d->content, &b);
	d->xr_admin = d->plat == PLAT_XR && plat_xr_admin(&m);
	fleet_log_locked(fl, d, t_ms, b.data, b.len, 0);
	d->xr_admin = 0;
	buf_free(&b);
}

void
gen_prefill(struct fleet *fl, struct device *d, unsigned count)
{
	int64_t now = util_wallms();
	int64_t step = d->rate > 0 ? (int64_t)(1000.0 / d->rate) : 1000;
	unsigned i;

	if (step < 1)
		step = 1;
	for (i = 0; i < count; i++)
		s_log_one(fl, d, now - (int64_t)(count - i) * step);
}

/* A scripted flap: an interface that is up goes down (sometimes shut), and
 * comes back a while later. */
static void
s_flap(struct fleet *fl, struct device *d, double when, int64_t t_ms)
{
	int up[DS_IFACES], nup = 0, i, state;
	struct iface *ifc;

	for (i = 0; i < d->nifaces; i++)
		if (d->ifaces[i].state == IF_UP)
			up[nup++] = i;
	/* draw the same numbers whether or not a port is free */
	i = (int)gen_rng_below(&d->content, 1000);
	state = gen_rng_below(&d->content, 100) < 15 ? IF_ADMIN_DOWN : IF_DOWN;
	if (nup == 0)
		return;
	ifc = &d->ifaces[up[i % nup]];
	fleet_flap_locked(fl, d, ifc->name, state, t_ms);
	ifc->up_at = when + d->flap_every * (0.2 + 0.3 * gen_rng_unit(&d->timing));
}

/* Process everything due on one device up to virtual time vnow (not while
 * it is down for a reload). */
static void
s_device_step(struct fleet *fl, struct device *d, double vnow, int64_t t_ms)
{
	if (d->down_until > 0)
		return;
	for (;;) {
		double when = d->next_msg;
		int which = 0, i;	/* 0 msg, 1 flap, 2+i recovery of iface i */

		if (d->next_flap < when)
			when = d->next_flap, which = 1;
		for (i = 0; i < d->nifaces; i++)
			if (d->ifaces[i].up_at > 0 && d->ifaces[i].up_at < when)
				when = d->ifaces[i].up_at, which = 2 + i;
		if (when > vnow)
			break;
		if (which == 0) {
			s_log_one(fl, d, t_ms);
			d->next_msg = when + s_msg_interval(d);
		} else if (which == 1) {
			s_flap(fl, d, when, t_ms);
			d->next_flap = when + s_flap_interval(d);
		} else {
			struct iface *ifc = &d->ifaces[which - 2];

			ifc->up_at = 0;
			fleet_flap_locked(fl, d, ifc->name, IF_UP, t_ms);
		}
	}
}

void *
gen_thread(void *arg)
{
	struct fleet *fl = arg;
	struct timespec ts;
	double vnow, mono, last_trim = 0;
	int64_t t_ms;
	size_t i;

	fleet_lock(fl);
	while (!atomic_load(&fl->quit)) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GEN_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&fl->gen_cv, &fl->mu, &ts);
		if (atomic_load(&fl->quit))
			break;
		vnow = fleet_vnow_locked(fl);
		mono = util_monotime();
		t_ms = util_wallms();
		for (i = 0; i < fl->ndevs; i++) {
			struct device *d = &fl->devs[i];

			/* a reload ends on time even while the generator is paused */
			if (d->down_until > 0 && mono >= d->down_until) {
				d->down_until = 0;
				fleet_boot_locked(fl, d);
				gen_device_reschedule(d, vnow, 1);
			}
			if (!fl->paused)
				s_device_step(fl, d, vnow, t_ms);
		}
		journal_flush(fl->jr);
		if (mono - last_trim > 10.0) {
			/*
			 * Give freed pages back (sessions that ended, buffers
			 * freed after each command), so a long run's RSS shows
			 * what the fleet holds, not what it once used.
			 */
			last_trim = mono;
			fleet_unlock(fl);
			malloc_trim(0);
			fleet_lock(fl);
		}
	}
	fleet_unlock(fl);
	return NULL;
}
