/*
 * alert_late.c — each interface's recent history, and the placing of a
 * late event in it by record id (alert.h: an event that arrives after
 * newer ones changes nothing already reported, but may reveal an episode
 * nobody saw, reported as late changes).
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alert_int.h"
#include "common/util.h"

/* ---- history ---- */

void
alert_histlist_add(struct alert_engine *e, struct alert_iface *f)
{
	if (f->hist_idx >= 0)
		return;
	if (e->nhistlist == e->caphistlist) {
		e->caphistlist = e->caphistlist ? e->caphistlist * 2 : 64;
		e->histlist = xrealloc(e->histlist,
		    e->caphistlist * sizeof *e->histlist);
	}
	f->hist_idx = (int)e->nhistlist;
	e->histlist[e->nhistlist++] = f;
}

void
alert_histlist_del(struct alert_engine *e, struct alert_iface *f)
{
	size_t i = (size_t)f->hist_idx;

	if (f->hist_idx < 0)
		return;
	e->histlist[i] = e->histlist[--e->nhistlist];
	e->histlist[i]->hist_idx = (int)i;
	f->hist_idx = -1;
}

/*
 * Forget what is too old or too much; remember where the forgetting
 * stopped, so that a later event can still tell whether it can be placed.
 * Returns 1 when something was forgotten.
 */
int
alert_hist_prune(struct alert_engine *e, struct alert_iface *f, int64_t now)
{
	int pruned = 0;

	while (f->nhist > 0 && (f->nhist > ALERT_HIST_MAX ||
	    now - f->hist[0].wall >= ALERT_HIST_KEEP_MS)) {
		f->hist_floor = f->hist[0].id;
		f->hist_base = f->hist[0].eff;
		alert_change_free(&f->hist[0].cause);
		memmove(f->hist, f->hist + 1, (f->nhist - 1) * sizeof *f->hist);
		f->nhist--;
		pruned = 1;
	}
	if (f->nhist == 0)
		alert_histlist_del(e, f);
	return pruned;
}

/* Insert at position i (ids stay increasing), then prune. */
void
alert_hist_insert(struct alert_engine *e, struct alert_iface *f, uint32_t i,
    const struct wire_event *ev, enum ifstate eff, struct alert_change *cause,
    int64_t now)
{
	if (f->hist == NULL)
		f->hist = xcalloc(ALERT_HIST_MAX + 1, sizeof *f->hist);
	memmove(f->hist + i + 1, f->hist + i, (f->nhist - i) * sizeof *f->hist);
	f->hist[i].id = ev->id;
	f->hist[i].wall = now;
	f->hist[i].state = ev->state;
	f->hist[i].kind = ev->kind <= IFK_MAX ? ev->kind : IFK_NONE;
	f->hist[i].eff = eff;
	f->hist[i].cause = cause;
	f->nhist++;
	alert_histlist_add(e, f);
	alert_hist_prune(e, f, now);
}

int
alert_hist_has(const struct alert_iface *f, uint64_t id)
{
	for (uint32_t i = 0; i < f->nhist; i++)
		if (f->hist[i].id == id)
			return 1;
	return 0;
}

/* ---- late events ---- */

/* The state after an event, given the state before it (s_transition's
 * rule: a shutdown's line protocol down changes nothing). */
static enum ifstate
s_eff(enum ifstate st, enum ifkind kind, enum ifstate prev)
{
	if (st == IF_DOWN && kind == IFK_PROTOCOL && prev == IF_ADMIN_DOWN)
		return IF_ADMIN_DOWN;
	return st;
}

static enum alert_type
s_atype(enum ifstate s)
{
	return s == IF_DOWN ? ALERT_T_DOWN :
	    s == IF_ADMIN_DOWN ? ALERT_T_ADMIN : ALERT_T_NONE;
}

struct s_step {
	enum alert_status st;
	enum alert_type   t;
	int               at_n;	/* at the next event, else at the late one */
};

/* The alert changes of going from x to y, appended to v. */
static size_t
s_steps(enum ifstate x, enum ifstate y, int at_n, struct s_step *v, size_t n)
{
	enum alert_type ax = s_atype(x), ay = s_atype(y);

	if (ax != ALERT_T_NONE && ax != ay)
		v[n++] = (struct s_step){ ALERT_RESOLVED, ax, at_n };
	if (ay != ALERT_T_NONE && ay != ax)
		v[n++] = (struct s_step){ ALERT_FIRING, ay, at_n };
	return n;
}

static void
s_emit_late(struct alert_engine *e, const struct alert_iface *f,
    struct alert_changes *out, const struct s_step *st,
    const struct alert_change *cause, enum ifstate state, int64_t starts,
    int64_t ends, int64_t now)
{
	struct alert_change *c = alert_change_dup(cause);

	alert_str_set(&c->description, f->descr.p, f->descr.len,
	    ALERT_MAX_DESCR);
	c->status = st->st;
	c->type = st->t;
	c->state = state;
	c->seq = e->next_seq++;
	c->raised_at = now;
	c->late = 1;
	alert_severity_set(c, st->t);
	c->starts_at = starts;
	c->ends_at = st->st == ALERT_RESOLVED ? (ends < starts ? starts : ends) : 0;
	alert_changes_push(out, c);
	e->stats.changes++;
}

/*
 * Place an event older than the interface's last one. Returns 0 when it
 * was placed (possibly reporting a missed episode), -1 when it is stale.
 */
int
alert_late_place(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out)
{
	struct s_step corr[4], orig[2];
	size_t ncorr = 0, norig = 0;
	enum ifstate sp, se, sn, sn2;
	struct alert_change *cause;
	const struct alert_hist *n;
	uint32_t i;
	int64_t te, tn, tp;

	if (ev->id <= f->hist_floor || f->nhist == 0)
		return -1;		/* before what the history remembers */
	for (i = 0; i < f->nhist && f->hist[i].id < ev->id; i++)
		;
	if (i == f->nhist)
		return -1;		/* cannot be: last_id is in the history */
	n = &f->hist[i];
	sp = i > 0 ? f->hist[i - 1].eff : f->hist_base;
	se = s_eff(ev->state, ev->kind, sp);
	sn = n->eff;
	sn2 = s_eff(n->state, n->kind, se);
	if (sn2 != sn)
		return -1;		/* it would change what later events meant */

	cause = alert_cause_new(f, ev, now);
	te = alert_cause_time(cause);
	tn = alert_cause_time(n->cause);
	/* When the state before the late event began: the start of its run. */
	tp = te;
	for (uint32_t k = i; k > 0 && f->hist[k - 1].eff == sp; k--)
		tp = alert_cause_time(f->hist[k - 1].cause);

	if (se != sp && se != sn && f->open != ALERT_T_FLAP) {
		/* What happened (sp -> se at e, se -> sn at n) minus what was
		 * reported (sp -> sn at n): the episode nobody saw. */
		ncorr = s_steps(sp, se, 0, corr, ncorr);
		ncorr = s_steps(se, sn, 1, corr, ncorr);
		norig = s_steps(sp, sn, 1, orig, norig);
		for (size_t k = 0; k < ncorr; k++) {
			int reported = 0;
			for (size_t m = 0; m < norig; m++) {
				if (orig[m].t == corr[k].t && orig[m].st == corr[k].st) {
					orig[m].t = (enum alert_type)-1;
					reported = 1;
					break;
				}
			}
			if (reported)
				continue;
			if (!corr[k].at_n)
				s_emit_late(e, f, out, &corr[k], cause, se,
				    corr[k].st == ALERT_RESOLVED ? tp : te, te, now);
			else
				s_emit_late(e, f, out, &corr[k], n->cause, sn,
				    corr[k].st == ALERT_RESOLVED ? te : tn, tn, now);
		}
	}
	alert_hist_insert(e, f, i, ev, se, cause, now);
	return 0;
}
