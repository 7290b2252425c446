/*
 * intake.c — the analyzer worker's loop: zmq_poll over the collectors' PULL
 * sockets and the alert stage's DEALER; decode, match, forward, ack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "analyzer/intake.h"
#include "analyzer/rules.h"
#include "analyzer/snapevents.h"
#include "common/buf.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/ifname.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/mq.h"
#include "common/supervise.h"
#include "common/util.h"
#include "common/wire.h"

volatile sig_atomic_t intake_quit;
volatile sig_atomic_t intake_reconfig;

#define PENDING_BUCKETS 4096
#define PENDING_MAX     65536
#define PENDING_TTL_S   300.0

/* An ack the collector's socket could not take yet (still connecting). */
struct ackq {
	struct ackq *next;
	size_t       len;
	char         frame[];
};

#define ACKQ_MAX 65536

struct upstream {
	char *ep, *ack_ep;
	void *pull, *ack;
	struct ackq *q_head, *q_tail;	/* acks waiting to be sent, in order */
	size_t       q_len;
};

/* A batch whose events wait for the alert stage's ack. */
struct pend {
	struct pend *hnext;		/* hash chain */
	struct pend *older, *newer;	/* age list */
	uint64_t     hash;
	size_t       up;		/* which collector it came from */
	double       at;
	size_t       keylen;
	char         key[];		/* the encoded ack frame: also the key */
};

/* A name in in->names that an event or capture points at, once matched. */
struct namefix {
	int    is_cap;	/* 0: in->ev[idx].interface, 1: in->cap[idx].value */
	size_t idx;
	size_t off, len;
};

struct intake {
	const struct conf *conf;
	struct rules     **rules;
	struct upstream   *ups;
	size_t             nups;
	void              *dealer;
	struct pend       *buckets[PENDING_BUCKETS];
	struct pend       *oldest, *newest;
	size_t             npend;
	struct buf         out;		/* EVENTS frame being built */
	struct buf         ackbuf;
	/* per-batch scratch */
	struct wire_event   *ev;
	size_t               nev, evcap;
	struct wire_capture *cap;
	size_t               ncap, capcap;
	const struct wire_rec *cur;	/* record being matched */
	const struct wire_batch *batch;
	const char           *platform;	/* the batch's, NUL-terminated */
	struct buf            names;	/* canonical and raw names copied */
	struct namefix       *fix;
	size_t                nfix, fixcap;
	int                   overflow;
	/* snapshots of the batch: counted once it is matched for good */
	uint64_t              snap_recs, snap_rows, snap_skipped;
	struct log_ratelimit rl_bad, rl_limit, rl_gap;
	struct mq_keypair    keys;
	char                 server_key[MQ_KEYLEN + 1];
	/* metrics */
	struct metrics       *reg;
	struct metrics_http  *http;
	struct metrics_series *m_batches, *m_lines, *m_rejected, *m_events,
	    *m_limit, *m_gaps, *m_acked, *m_forward_fail, *m_pending, *m_expired,
	    *m_acks_dropped, *m_snap_recs, *m_snap_rows, *m_snap_skipped;
	struct metrics_family *m_matches;
};

static uint64_t
s_hash(const void *p, size_t n)
{
	return util_hash64(p, n);
}

static void
s_pend_unlink(struct intake *in, struct pend *p)
{
	struct pend **pp = &in->buckets[p->hash % PENDING_BUCKETS];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	if (p->older)
		p->older->newer = p->newer;
	else
		in->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		in->newest = p->older;
	in->npend--;
	free(p);
}

static void
s_pend_add(struct intake *in, const void *ackframe, size_t len, size_t up,
    double now)
{
	struct pend *p;
	uint64_t h = s_hash(ackframe, len);

	/* The same batch again (a re-send): refresh, do not duplicate. */
	for (p = in->buckets[h % PENDING_BUCKETS]; p; p = p->hnext)
		if (p->hash == h && p->keylen == len &&
		    memcmp(p->key, ackframe, len) == 0) {
			p->up = up;
			return;
		}
	if (in->npend >= PENDING_MAX)
		s_pend_unlink(in, in->oldest);
	p = xmalloc(sizeof *p + len);
	p->hash = h;
	p->up = up;
	p->at = now;
	p->keylen = len;
	memcpy(p->key, ackframe, len);
	p->hnext = in->buckets[h % PENDING_BUCKETS];
	in->buckets[h % PENDING_BUCKETS] = p;
	p->older = in->newest;
	p->newer = NULL;
	if (in->newest)
		in->newest->newer = p;
	else
		in->oldest = p;
	in->newest = p;
	in->npend++;
}

static struct pend *
s_pend_find(struct intake *in, const void *ackframe, size_t len)
{
	uint64_t h = s_hash(ackframe, len);

	for (struct pend *p = in->buckets[h % PENDING_BUCKETS]; p; p = p->hnext)
		if (p->hash == h && p->keylen == len &&
		    memcmp(p->key, ackframe, len) == 0)
			return p;
	return NULL;
}

/* Forget batches the alert stage never answered: the collector re-sends. */
static void
s_pend_expire(struct intake *in, double now)
{
	while (in->oldest && now - in->oldest->at > PENDING_TTL_S) {
		s_pend_unlink(in, in->oldest);
		metrics_inc(in->m_expired);
	}
}

static void
s_fix(struct intake *in, int is_cap, size_t idx, const char *p, size_t len)
{
	if (in->nfix == in->fixcap) {
		in->fixcap = in->fixcap ? in->fixcap * 2 : 64;
		in->fix = xrealloc(in->fix, in->fixcap * sizeof *in->fix);
	}
	in->fix[in->nfix++] = (struct namefix){ is_cap, idx, in->names.len, len };
	if (buf_append(&in->names, p, len) != CERR_OK)
		in->nfix--;	/* cannot happen below the buffer's ceiling */
}

/*
 * The event's interface is the platform's canonical name (common/ifname.h),
 * so the alert stage keys "Gi0/1" and "GigabitEthernet0/1" on one device as
 * one interface. When the device wrote it otherwise, its spelling travels
 * as the capture "interface_raw" (and in the line). A name that is not
 * bytes of the line (a template's, built in the rule set's scratch space,
 * which the next hit reuses) is copied too. Copies go to in->names, which
 * may move while it grows, so pointers are set once the batch is matched.
 */
static void
s_interface(struct intake *in, struct wire_event *e, const struct rules_hit *h)
{
	const struct wire_rec *r = in->cur;
	char canon[IFNAME_MAX + 1];
	const char *c;
	size_t clen, ei = (size_t)(e - in->ev);
	int in_line = h->interface >= r->line.ptr &&
	    h->interface + h->interface_len <= r->line.ptr + r->line.len;

	if (!ifname_canon_ref(in->platform, h->interface, h->interface_len,
	    canon, sizeof canon, &c, &clen)) {
		if (in_line)
			e->interface = (struct wire_bytes){ c, clen };
		else
			s_fix(in, 0, ei, c, clen);
		return;
	}
	s_fix(in, 0, ei, c, clen);
	in->cap[in->ncap].name = wire_str("interface_raw");
	if (in_line)
		in->cap[in->ncap].value = (struct wire_bytes){ h->interface,
		    h->interface_len };
	else
		s_fix(in, 1, in->ncap, h->interface, h->interface_len);
	in->ncap++;
	e->ncaptures++;
}

/* Points events and captures at their copied names (s_interface). */
static void
s_fix_names(struct intake *in)
{
	for (size_t i = 0; i < in->nfix; i++) {
		const struct namefix *f = &in->fix[i];
		struct wire_bytes v = { in->names.data + f->off, f->len };

		if (f->is_cap)
			in->cap[f->idx].value = v;
		else
			in->ev[f->idx].interface = v;
	}
}

static int
s_on_hit(const struct rules_hit *h, void *arg)
{
	struct intake *in = arg;
	const struct wire_rec *r = in->cur;
	struct wire_event *e;

	if (in->nev == in->evcap) {
		in->evcap = in->evcap ? in->evcap * 2 : 64;
		in->ev = xrealloc(in->ev, in->evcap * sizeof *in->ev);
	}
	if (in->ncap + h->ncaptures + 1 > in->capcap) {
		/*
		 * Captures of earlier events point into this array: growing it
		 * would move them. Start a fresh batch of events instead.
		 */
		in->overflow = 1;
		return 1;
	}
	e = &in->ev[in->nev++];
	memset(e, 0, sizeof *e);
	e->id = r->id;
	e->rule = wire_str(h->rule);
	e->event = wire_str(h->event);
	e->platform = in->batch->platform;
	e->state = h->state;
	e->kind = h->kind;
	e->severity = wire_str(h->severity);
	e->ts_ms = r->ts_ms;
	e->ts_raw = r->ts_raw;
	e->line = r->line;
	e->rx_ms = in->batch->rx_ms;
	e->captures = &in->cap[in->ncap];
	for (size_t i = 0; i < h->ncaptures; i++) {
		in->cap[in->ncap + i].name = wire_str(h->captures[i].name);
		in->cap[in->ncap + i].value = (struct wire_bytes){
			h->captures[i].ptr, h->captures[i].len };
	}
	e->ncaptures = h->ncaptures;
	in->ncap += h->ncaptures;
	if (h->interface)
		s_interface(in, e, h);
	if (in->m_matches)
		metrics_inc(metrics_series1(in->m_matches, h->rule));
	return 0;
}

/*
 * One event per row of a snapshot record (analyzer/snapevents.h), in the
 * batch's event and capture arrays like a line's: 0, or -1 when the
 * captures do not fit (the batch is matched again, larger).
 */
static int
s_snapshot(struct intake *in, const struct wire_rec *r)
{
	const struct wire_batch *b = in->batch;
	struct snapev sv;

	in->snap_recs++;
	for (size_t i = 0; i < r->nifs; i++) {
		struct wire_event *e;
		size_t ei;

		in->snap_rows++;
		if (snapev_row(b, in->platform, r, i, &sv) != SNAPEV_EVENT) {
			in->snap_skipped++;
			continue;
		}
		if (in->ncap + sv.ev.ncaptures > in->capcap) {
			in->overflow = 1;
			return -1;
		}
		if (in->nev == in->evcap) {
			in->evcap = in->evcap ? in->evcap * 2 : 64;
			in->ev = xrealloc(in->ev, in->evcap * sizeof *in->ev);
		}
		ei = in->nev++;
		e = &in->ev[ei];
		*e = sv.ev;
		e->captures = &in->cap[in->ncap];
		memcpy(e->captures, sv.cap, sv.ev.ncaptures * sizeof *sv.cap);
		in->ncap += sv.ev.ncaptures;
		/* The canonical name lives in sv: copy it (s_fix_names). */
		if (sv.renamed)
			s_fix(in, 0, ei, sv.canon, e->interface.len);
	}
	return 0;
}

/* Send the queued acks of one collector, oldest first, while it takes them. */
static void
s_flush_acks(struct intake *in, struct upstream *u)
{
	while (u->q_head) {
		struct ackq *a = u->q_head;

		if (mq_send(u->ack, a->frame, a->len, 0) != CERR_OK)
			return;
		metrics_inc(in->m_acked);
		u->q_head = a->next;
		if (u->q_head == NULL)
			u->q_tail = NULL;
		u->q_len--;
		free(a);
	}
}

/*
 * An ack that cannot go now (the ack socket is still connecting, or the
 * collector is slow) is queued, not dropped: a dropped ack stalls that
 * device until the collector's ack_timeout. The queue is bounded; past it
 * the oldest goes, counted, and the collector's re-send covers it.
 */
static void
s_send_ack(struct intake *in, size_t up, const void *frame, size_t len)
{
	struct upstream *u = &in->ups[up];
	struct ackq *a;

	s_flush_acks(in, u);
	if (u->q_head == NULL && mq_send(u->ack, frame, len, 0) == CERR_OK) {
		metrics_inc(in->m_acked);
		return;
	}
	if (u->q_len >= ACKQ_MAX) {
		a = u->q_head;
		u->q_head = a->next;
		u->q_len--;
		free(a);
		metrics_inc(in->m_acks_dropped);
	}
	a = xmalloc(sizeof *a + len);
	a->next = NULL;
	a->len = len;
	memcpy(a->frame, frame, len);
	if (u->q_tail)
		u->q_tail->next = a;
	else
		u->q_head = a;
	u->q_tail = a;
	u->q_len++;
}

/* Match every line of a batch; returns -1 if it must be retried larger. */
static int
s_match_batch(struct intake *in, const struct wire_batch *b, char *platform)
{
	const struct rules_plan *pl = rules_plan_for(*in->rules, platform);

	in->nev = 0;
	in->ncap = 0;
	in->nfix = 0;
	buf_reset(&in->names);
	in->overflow = 0;
	in->snap_recs = in->snap_rows = in->snap_skipped = 0;
	in->batch = b;
	in->platform = platform;
	for (size_t i = 0; i < b->nrecs; i++) {
		const struct wire_rec *r = &b->recs[i];

		if (r->kind == REC_GAP) {
			metrics_inc(in->m_gaps);
			if (log_ratelimit(&in->rl_gap))
				log_warnx("device=%.*s gap reported by the collector: "
				    "%.*s", (int)b->key.device.len, b->key.device.ptr,
				    (int)(r->line.len > 200 ? 200 : r->line.len),
				    r->line.ptr);
			continue;
		}
		if (r->kind == REC_SNAPSHOT) {
			if (s_snapshot(in, r) < 0)
				return -1;
			continue;
		}
		in->cur = r;
		if (rules_match_plan(*in->rules, pl, r->line.ptr, r->line.len,
		    s_on_hit, in) < 0) {
			metrics_inc(in->m_limit);
			if (log_ratelimit(&in->rl_limit))
				log_warnx("device=%.*s record=%llu %s",
				    (int)b->key.device.len, b->key.device.ptr,
				    (unsigned long long)r->id, rules_last_error(*in->rules));
		}
		if (in->overflow)
			return -1;
	}
	s_fix_names(in);
	metrics_add(in->m_lines, b->nrecs - in->snap_recs);
	if (in->snap_recs > 0) {
		metrics_add(in->m_snap_recs, in->snap_recs);
		metrics_add(in->m_snap_rows, in->snap_rows);
		metrics_add(in->m_snap_skipped, in->snap_skipped);
		for (size_t i = 0; i < b->nrecs; i++) {
			const struct wire_rec *r = &b->recs[i];

			if (r->kind == REC_SNAPSHOT)
				log_debug("device=%.*s snapshot record=%llu "
				    "reason=%.*s rows=%zu rx_ms=%lld",
				    (int)b->key.device.len, b->key.device.ptr,
				    (unsigned long long)r->id, (int)r->tag.len,
				    r->tag.ptr ? r->tag.ptr : "", r->nifs,
				    (long long)b->rx_ms);
		}
	}
	return 0;
}

static void
s_on_batch(struct intake *in, size_t up, const struct wire_batch *b, double now)
{
	char platform[64];
	size_t plen = b->platform.len < sizeof platform - 1 ? b->platform.len :
	    sizeof platform - 1;

	memcpy(platform, b->platform.ptr, plen);
	platform[plen] = '\0';
	metrics_inc(in->m_batches);
	if (in->capcap == 0) {
		in->capcap = 1024;
		in->cap = xmalloc(in->capcap * sizeof *in->cap);
	}
	while (s_match_batch(in, b, platform) < 0) {
		in->capcap *= 2;
		in->cap = xrealloc(in->cap, in->capcap * sizeof *in->cap);
	}

	buf_reset(&in->ackbuf);
	if (wire_encode_ack(&in->ackbuf, &b->key) != CERR_OK)
		return;
	if (in->nev == 0) {
		s_send_ack(in, up, in->ackbuf.data, in->ackbuf.len);
		return;
	}
	struct wire_events we = { .key = b->key, .nevents = in->nev,
	    .events = in->ev };
	buf_reset(&in->out);
	if (wire_encode_events(&in->out, &we) != CERR_OK ||
	    mq_send(in->dealer, in->out.data, in->out.len, 0) != CERR_OK) {
		/* Alert stage unreachable or full: the collector re-sends. */
		metrics_inc(in->m_forward_fail);
		return;
	}
	metrics_add(in->m_events, in->nev);
	s_pend_add(in, in->ackbuf.data, in->ackbuf.len, up, now);
}

static void
s_reject(struct intake *in, const char *from, const char *why)
{
	metrics_inc(in->m_rejected);
	if (log_ratelimit(&in->rl_bad)) {
		log_warnx("from=%s dropped a frame: %s%s", from, why,
		    in->rl_bad.suppressed ? " (others suppressed)" : "");
		in->rl_bad.suppressed = 0;
	}
}

static void
s_drain_upstream(struct intake *in, size_t up, double now)
{
	zmq_msg_t msg;
	struct wire_msg wm;
	char err[256];

	/* Bounded, so that one busy collector does not starve the others. */
	for (int k = 0; k < 64; k++) {
		enum cerr e;

		zmq_msg_init(&msg);
		if (mq_recv(in->ups[up].pull, &msg, 0) != CERR_OK) {
			zmq_msg_close(&msg);
			return;
		}
		if (zmq_msg_more(&msg)) {
			mq_recv_drain(in->ups[up].pull);
			s_reject(in, in->ups[up].ep, "multi-frame message");
			zmq_msg_close(&msg);
			continue;
		}
		e = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm, err,
		    sizeof err);
		if (e != CERR_OK) {
			s_reject(in, in->ups[up].ep, err);
		} else {
			if (wm.type == WIRE_BATCH)
				s_on_batch(in, up, &wm.u.batch, now);
			else
				s_reject(in, in->ups[up].ep, "not a batch frame");
			wire_msg_free(&wm);
		}
		zmq_msg_close(&msg);
	}
}

static void
s_drain_alerts(struct intake *in)
{
	zmq_msg_t msg;
	struct wire_msg wm;
	char err[256];

	for (;;) {
		struct pend *p;

		zmq_msg_init(&msg);
		if (mq_recv(in->dealer, &msg, 0) != CERR_OK) {
			zmq_msg_close(&msg);
			return;
		}
		if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm, err,
		    sizeof err) != CERR_OK) {
			s_reject(in, in->conf->analyzer.alerts, err);
		} else {
			if (wm.type != WIRE_ACK) {
				s_reject(in, in->conf->analyzer.alerts, "not an ack frame");
			} else {
				/* Pending batches are keyed by our own encoding of the ack. */
				buf_reset(&in->ackbuf);
				if (wire_encode_ack(&in->ackbuf, &wm.u.ack) == CERR_OK &&
				    (p = s_pend_find(in, in->ackbuf.data,
				    in->ackbuf.len)) != NULL) {
					s_send_ack(in, p->up, p->key, p->keylen);
					s_pend_unlink(in, p);
				}
			}
			wire_msg_free(&wm);
		}
		mq_recv_drain(in->dealer);
		zmq_msg_close(&msg);
	}
}

/*
 * The worker's series and HTTP listener; -1 with err when the listener
 * cannot start (the daemon refuses to run rather than serve no metrics).
 */
static int
s_metrics(struct intake *in, int worker, char *errbuf, size_t errlen)
{
	const char *listen = in->conf->analyzer.metrics ? in->conf->analyzer.metrics :
	    in->conf->metrics.listen;
	char err[256];

	in->reg = metrics_new();
#define C(f, name, help) \
	in->f = metrics_series(metrics_counter(in->reg, name, help, NULL), NULL)
	C(m_batches, "loghaul_analyzer_batches_total", "Batches received");
	C(m_lines, "loghaul_analyzer_lines_total", "Lines matched against the rules");
	C(m_rejected, "loghaul_analyzer_frames_rejected_total",
	    "Frames that did not decode, were too big or of the wrong kind");
	C(m_events, "loghaul_analyzer_events_total", "Events sent to the alert stage");
	C(m_limit, "loghaul_analyzer_regex_limit_hits_total",
	    "Lines that hit the PCRE2 match limit");
	C(m_gaps, "loghaul_analyzer_gap_records_total", "Gap records received");
	C(m_snap_recs, "loghaul_analyzer_snapshot_records_total",
	    "Interface-table snapshot records received");
	C(m_snap_rows, "loghaul_analyzer_snapshot_rows_total",
	    "Rows of snapshot records received");
	C(m_snap_skipped, "loghaul_analyzer_snapshot_rows_skipped_total",
	    "Snapshot rows that made no event (line protocol unknown, no name)");
	C(m_acked, "loghaul_analyzer_batches_acked_total", "Batches acked upstream");
	C(m_forward_fail, "loghaul_analyzer_forward_failures_total",
	    "EVENTS messages the alert stage could not take (collector re-sends)");
	C(m_acks_dropped, "loghaul_analyzer_acks_dropped_total",
	    "Acks no collector socket took while the queue was full");
	C(m_expired, "loghaul_analyzer_pending_expired_total",
	    "Batches never acked by the alert stage, forgotten");
#undef C
	in->m_matches = metrics_counter(in->reg, "loghaul_analyzer_rule_matches_total",
	    "Rule matches", "rule");
	in->m_pending = metrics_series(metrics_gauge(in->reg,
	    "loghaul_analyzer_pending_batches", "Batches waiting for the alert stage",
	    NULL), NULL);
	if (mq_metrics_export(in->reg) < 0)
		log_warnx("metrics: cannot export mq counters");
	if (listen) {
		/* worker i of n listens on the configured port + i */
		char who[64];

		snprintf(who, sizeof who, "analyzer worker=%d", worker);
		in->http = daemon_metrics_start(in->reg, listen, worker, NULL, who,
		    err, sizeof err);
		if (in->http == NULL) {
			snprintf(errbuf, errlen, "%s", err);
			return -1;
		}
	}
	return 0;
}

/*
 * With a curve section, every tcp socket is a CURVE client: this process's
 * key pair, and the public key of the collectors and the alert stage
 * (curve.server_key) that their ZAP handlers check us against.
 */
static int
s_curve_opts(struct intake *in, struct mq_opts *o, char *err, size_t errlen)
{
	const struct conf *c = in->conf;

	if (!c->curve.enabled)
		return 0;
	if (c->curve.server_key == NULL) {
		snprintf(err, errlen, "curve.server_key: required to connect with CURVE");
		return -1;
	}
	if (mq_keypair_load(c->curve.secret_key, c->curve.public_key, &in->keys,
	    err, errlen) < 0 ||
	    mq_key_load(c->curve.server_key, 0, in->server_key, err, errlen) < 0)
		return -1;
	o->curve = MQ_CURVE_CLIENT;
	o->keys = &in->keys;
	o->server_key = in->server_key;
	return 0;
}

/* CURVE applies to tcp only; ipc peers are on this host. */
static const struct mq_opts *
s_opts_for(const struct mq_opts *curve, const struct mq_opts *plain,
    const char *ep)
{
	return strncmp(ep, "tcp://", 6) == 0 ? curve : plain;
}

static int
s_dealer_writable(struct intake *in)
{
	int ev = 0;
	size_t len = sizeof ev;

	if (zmq_getsockopt(in->dealer, ZMQ_EVENTS, &ev, &len) != 0)
		return 0;
	return (ev & ZMQ_POLLOUT) != 0;
}

static int
s_acks_queued(const struct intake *in)
{
	for (size_t i = 0; i < in->nups; i++)
		if (in->ups[i].q_head)
			return 1;
	return 0;
}

static int
s_open(struct intake *in, char *err, size_t errlen)
{
	struct mq_opts o, plain;

	mq_opts_init(&plain);
	o = plain;
	if (s_curve_opts(in, &o, err, errlen) != 0)
		return -1;
	in->nups = in->conf->analyzer.collectors.n;
	in->ups = xcalloc(in->nups ? in->nups : 1, sizeof *in->ups);
	for (size_t i = 0; i < in->nups; i++) {
		struct upstream *u = &in->ups[i];
		u->ep = xstrdup(in->conf->analyzer.collectors.v[i]);
		/* named or derived by the configuration (conf.h) */
		u->ack_ep = xstrdup(in->conf->analyzer.collector_acks.v[i]);
		u->pull = mq_socket(ZMQ_PULL, s_opts_for(&o, &plain, u->ep), err,
		    errlen);
		if (u->pull == NULL || mq_connect(u->pull, u->ep, err, errlen) != 0)
			return -1;
		u->ack = mq_socket(ZMQ_PUSH, s_opts_for(&o, &plain, u->ack_ep), err,
		    errlen);
		if (u->ack == NULL || mq_connect(u->ack, u->ack_ep, err, errlen) != 0)
			return -1;
	}
	in->dealer = mq_socket(ZMQ_DEALER, s_opts_for(&o, &plain,
	    in->conf->analyzer.alerts), err, errlen);
	if (in->dealer == NULL ||
	    mq_connect(in->dealer, in->conf->analyzer.alerts, err, errlen) != 0)
		return -1;
	return 0;
}

static void
s_close(struct intake *in)
{
	for (size_t i = 0; i < in->nups; i++) {
		while (in->ups[i].q_head) {
			struct ackq *a = in->ups[i].q_head;
			in->ups[i].q_head = a->next;
			free(a);
		}
		mq_close(&in->ups[i].pull);
		mq_close(&in->ups[i].ack);
		free(in->ups[i].ep);
		free(in->ups[i].ack_ep);
	}
	free(in->ups);
	mq_close(&in->dealer);
	while (in->oldest)
		s_pend_unlink(in, in->oldest);
	buf_free(&in->out);
	buf_free(&in->ackbuf);
	free(in->ev);
	free(in->cap);
	free(in->fix);
	buf_free(&in->names);
	metrics_http_stop(&in->http);
	metrics_free(&in->reg);
}

/* SIGHUP: new rules from the same configuration, only if all compile. */
static void
s_reload(struct intake *in)
{
	struct conf *nc = NULL;
	struct rules *nr;
	char err[1024];

	if (conf_load(in->conf->path, &nc, err, sizeof err) != CERR_OK) {
		log_warnx("SIGHUP: keeping the running rules: %s", err);
		return;
	}
	nr = rules_load(nc->analyzer.rules.v, nc->analyzer.rules.n,
	    nc->analyzer.match_limit, err, sizeof err);
	conf_free(&nc);
	if (nr == NULL) {
		log_warnx("SIGHUP: keeping the running rules: %s", err);
		return;
	}
	rules_free(in->rules);
	*in->rules = nr;
	log_info("SIGHUP: %zu rules loaded", rules_count(nr));
}

int
intake_run(const struct conf *conf, struct rules **rules, int worker)
{
	struct intake in;
	zmq_pollitem_t *items;
	char err[512];
	int rc = 0;

	memset(&in, 0, sizeof in);
	in.conf = conf;
	in.rules = rules;
	in.rl_bad.interval = in.rl_limit.interval = in.rl_gap.interval = 10;
	buf_init(&in.out, WIRE_MAX_FRAME);
	buf_init(&in.ackbuf, 0);
	buf_init(&in.names, 0);
	if (s_metrics(&in, worker, err, sizeof err) != 0 ||
	    s_open(&in, err, sizeof err) != 0) {
		log_warnx("%s", err);
		s_close(&in);
		return SUPERVISE_EXIT_REFUSED;
	}
	log_info("worker=%d collectors=%zu alerts=%s rules=%zu", worker, in.nups,
	    conf->analyzer.alerts, rules_count(*rules));
	if (daemon_ready(worker, err, sizeof err) < 0)
		log_warnx("worker=%d %s", worker, err);
	items = xcalloc(in.nups + 1, sizeof *items);
	while (!intake_quit) {
		double now;
		int ready = s_dealer_writable(&in);

		/*
		 * Take batches only while the alert stage's socket can take their
		 * events (ZMQ_IMMEDIATE: not before its handshake): a batch read
		 * now could only be dropped and waited for until the collector's
		 * ack_timeout. Unread, it waits in the collector's queue or goes
		 * to another analyzer.
		 */
		for (size_t i = 0; i < in.nups; i++)
			items[i] = (zmq_pollitem_t){ .socket = in.ups[i].pull,
			    .events = ready ? ZMQ_POLLIN : 0 };
		items[in.nups] = (zmq_pollitem_t){ .socket = in.dealer,
		    .events = (short)(ZMQ_POLLIN | (ready ? 0 : ZMQ_POLLOUT)) };
		if (zmq_poll(items, (int)in.nups + 1, s_acks_queued(&in) ? 50 : 500) < 0 &&
		    errno != EINTR) {
			log_warnx("zmq_poll: %s", zmq_strerror(errno));
			rc = 1;
			break;
		}
		now = util_monotime();
		/* Acks first: they free the collectors' backlog. */
		if (items[in.nups].revents & ZMQ_POLLIN)
			s_drain_alerts(&in);
		for (size_t i = 0; i < in.nups; i++) {
			s_flush_acks(&in, &in.ups[i]);
			if (items[i].revents & ZMQ_POLLIN)
				s_drain_upstream(&in, i, now);
		}
		s_pend_expire(&in, now);
		metrics_set(in.m_pending, (double)in.npend);
		if (intake_reconfig) {
			intake_reconfig = 0;
			s_reload(&in);
		}
	}
	/* Drain: give the alert stage a moment to ack what it has. */
	double until = util_monotime() + 2;
	while (in.npend > 0 && util_monotime() < until) {
		zmq_pollitem_t it = { .socket = in.dealer, .events = ZMQ_POLLIN };
		if (zmq_poll(&it, 1, 100) > 0)
			s_drain_alerts(&in);
	}
	free(items);
	s_close(&in);
	return rc;
}
