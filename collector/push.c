/*
 * push.c — the collector's side of the transport: batches go out on a PUSH
 * socket, acks come back on a PULL socket that only analyzers connected to
 * this process write to (common/wire.h). Every pushed batch is kept until
 * its ack arrives and sent again after ack_timeout, so a batch that died in
 * a crashed or frozen analyzer's queue is not lost. The number kept is
 * bounded (collector.max_backlog): when it is reached, polling holds its
 * records back and the devices' own buffers are the spool.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "collector/collector.h"
#include "collector/sched.h"
#include "common/conf.h"
#include "common/failpoint.h"
#include "common/inventory.h"
#include "common/metrics.h"
#include "common/mq.h"
#include "common/util.h"
#include "common/wire.h"

static struct log_ratelimit push_rl_bad = { .interval = 10 };

/*
 * Bind, waiting out EADDRINUSE for a few seconds: after a SIGHUP the
 * previous sockets are closed, but libzmq releases their ports in its I/O
 * thread a moment later.
 */
static int
s_bind(void *sock, const char *ep, char *err, size_t errlen)
{
	double end = util_monotime() + 5;

	while (mq_bind(sock, ep, err, errlen) != 0) {
		if (zmq_errno() != EADDRINUSE || util_monotime() > end)
			return -1;
		usleep(50 * 1000);
	}
	return 0;
}

/*
 * With a curve section, tcp endpoints are CURVE servers: this process's
 * key pair, and a ZAP handler that admits only the analyzers' public keys
 * listed in curve.allow (mq refuses a CURVE server without one).
 */
static int
s_curve(struct collector *c, struct mq_opts *o, char *err, size_t errlen)
{
	const struct conf *cf = c->conf;

	if (!cf->curve.enabled || strncmp(c->push_ep, "tcp://", 6) != 0)
		return 0;
	if (mq_keypair_load(cf->curve.secret_key, cf->curve.public_key, &c->keys,
	    err, errlen) < 0)
		return -1;
	if (!mq_zap_running() && mq_zap_start(err, errlen) < 0)
		return -1;
	if (mq_zap_load_allow((const char *const *)cf->curve.allow.v,
	    cf->curve.allow.n, err, errlen) < 0)
		return -1;
	o->curve = MQ_CURVE_SERVER;
	o->keys = &c->keys;
	return 0;
}

int
push_open(struct collector *c, char *err, size_t errlen)
{
	struct mq_opts o;
	const char *acks = c->conf->collector.acks;
	char *ack_base = NULL;

	mq_opts_init(&o);
	o.sndhwm = c->conf->collector.max_backlog + 16;
	c->push_ep = collector_shard_endpoint(c->conf->collector.push, c->shard);
	if (c->push_ep == NULL) {
		snprintf(err, errlen, "collector.push: cannot derive endpoints from '%s'",
		    c->conf->collector.push);
		return -1;
	}
	/*
	 * Analyzers find a collector's ack socket from the data endpoint they
	 * connect to (wire_ack_endpoint()), so derive it from this shard's
	 * own data endpoint: for ipc, push.1 acks on push.1.ack, not on
	 * push.ack.1. Only a configured collector.acks is sharded as it is.
	 */
	if (acks) {
		ack_base = xstrdup(acks);
		c->ack_ep = collector_shard_endpoint(ack_base, c->shard);
		free(ack_base);
	} else {
		c->ack_ep = wire_ack_endpoint(c->push_ep);
	}
	if (c->ack_ep == NULL) {
		snprintf(err, errlen, "collector.acks: cannot derive the ack endpoint");
		return -1;
	}
	if (s_curve(c, &o, err, errlen) != 0)
		return -1;
	c->push = mq_socket(ZMQ_PUSH, &o, err, errlen);
	if (c->push == NULL || s_bind(c->push, c->push_ep, err, errlen) != 0)
		return -1;
	c->acks = mq_socket(ZMQ_PULL, &o, err, errlen);
	if (c->acks == NULL || s_bind(c->acks, c->ack_ep, err, errlen) != 0)
		return -1;
	log_info("collector=%s push=%s acks=%s%s", c->id, c->push_ep, c->ack_ep,
	    o.curve == MQ_CURVE_SERVER ? " curve=on" : "");
	return 0;
}

void
push_close(struct collector *c)
{
	mq_close(&c->push);
	mq_close(&c->acks);
	free(c->push_ep);
	free(c->ack_ep);
	c->push_ep = c->ack_ep = NULL;
}

int
push_has_room(const struct collector *c)
{
	return c->backlog < (size_t)c->conf->collector.max_backlog;
}

int
push_batch(struct collector *c, struct dev *d, uint64_t first, uint64_t last,
    double now)
{
	struct pending *p;

	FAILPOINT("push.before_send");
	if (mq_send(c->push, c->frame.data, c->frame.len, 0) != CERR_OK)
		return -1;	/* no analyzer took it: hold the records back */
	FAILPOINT("push.after_send");
	p = xcalloc(1, sizeof *p);
	p->first_id = first;
	p->last_id = last;
	p->sent_at = now;
	p->len = c->frame.len;
	p->frame = xmalloc(p->len);
	memcpy(p->frame, c->frame.data, p->len);
	if (d->pend_tail)
		d->pend_tail->next = p;
	else
		d->pend_head = p;
	d->pend_tail = p;
	d->npend++;
	c->backlog++;
	if (c->m.reg) {
		metrics_inc(c->m.batches_sent);
		metrics_set(c->m.backlog, (double)c->backlog);
	}
	return 0;
}

static void
s_ack(struct collector *c, const struct wire_key *k, double now)
{
	struct dev *d = dev_find(c, k->device.ptr, k->device.len);
	struct pending *p, *prev = NULL;

	if (d == NULL || !wire_bytes_eq(k->collector, wire_str(c->id))) {
		if (c->m.reg)
			metrics_inc(c->m.acks_unknown);
		return;
	}
	for (p = d->pend_head; p; prev = p, p = p->next)
		if (p->first_id == k->first_id && p->last_id == k->last_id)
			break;
	if (p == NULL) {
		/* The ack of a batch sent twice: the first ack removed it. */
		if (c->m.reg)
			metrics_inc(c->m.acks_unknown);
		return;
	}
	if (prev)
		prev->next = p->next;
	else
		d->pend_head = p->next;
	if (d->pend_tail == p)
		d->pend_tail = prev;
	d->npend--;
	c->backlog--;
	free(p->frame);
	free(p);
	cursor_mark_acked(d->cur, k->last_id);
	FAILPOINT("push.after_ack");
	/* A snapshot waited for this ack: it goes before any later record. */
	if (d->npend == 0)
		(void)dev_snap_flush(c, d, now);
	/* Records held behind this batch: fetch them now, not next interval. */
	if (d->held > 0 && d->npend == 0 && !d->busy && !d->queued)
		sched_at(c->sched, d->idx, now);
	if (c->m.reg) {
		metrics_inc(c->m.batches_acked);
		metrics_set(c->m.backlog, (double)c->backlog);
	}
}

void
push_recv_acks(struct collector *c, double now)
{
	zmq_msg_t msg;
	struct wire_msg wm;
	char err[256];

	for (;;) {
		zmq_msg_init(&msg);
		if (mq_recv(c->acks, &msg, 0) != CERR_OK) {
			zmq_msg_close(&msg);
			break;
		}
		enum cerr e = wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg),
		    &wm, err, sizeof err);
		if (e == CERR_OK && wm.type == WIRE_ACK) {
			s_ack(c, &wm.u.ack, now);
		} else {
			if (e == CERR_OK)
				snprintf(err, sizeof err, "frame type %d is not an ack",
				    (int)wm.type);
			if (c->m.reg)
				metrics_inc(c->m.acks_bad);
			if (log_ratelimit(&push_rl_bad))
				log_warnx("collector=%s dropped a bad ack frame: %s",
				    c->id, err);
		}
		if (e == CERR_OK)
			wire_msg_free(&wm);
		mq_recv_drain(c->acks);
		zmq_msg_close(&msg);
	}
}

/* Send again every batch whose ack is overdue. */
void
push_resend(struct collector *c, double now)
{
	double timeout = c->conf->collector.ack_timeout_ms / 1000.0;

	if (now < c->next_resend_check)
		return;
	c->next_resend_check = now + (timeout < 4 ? timeout / 4 : 1);
	for (size_t i = 0; i < c->ndevs; i++) {
		for (struct pending *p = c->devs[i].pend_head; p; p = p->next) {
			if (now - p->sent_at < timeout)
				continue;
			if (mq_send(c->push, p->frame, p->len, 0) != CERR_OK) {
				/* nobody to take it now; try later */
				if (log_ratelimit(&c->rl_resend))
					log_warnx("collector=%s %zu batches "
					    "unacknowledged and no analyzer takes "
					    "them again; the devices' buffers keep "
					    "the records", c->id, c->backlog);
				c->rl_resend.suppressed = 0;
				return;
			}
			if (p->resends == 0 && log_ratelimit(&c->rl_resend)) {
				log_warnx("collector=%s device=%s batch %llu-%llu "
				    "unacknowledged after %.1f s: sending it again "
				    "(%zu batches unacknowledged in all)", c->id,
				    c->devs[i].host->name,
				    (unsigned long long)p->first_id,
				    (unsigned long long)p->last_id, now - p->sent_at,
				    c->backlog);
				c->rl_resend.suppressed = 0;
			}
			p->sent_at = now;
			p->resends++;
			if (c->m.reg)
				metrics_inc(c->m.batches_resent);
			log_debug("device=%s re-sent batch %llu-%llu (try %u)",
			    c->devs[i].host->name,
			    (unsigned long long)p->first_id,
			    (unsigned long long)p->last_id, p->resends + 1);
		}
	}
}

/*
 * Write the cursors that acks moved, once a second: a crash in between
 * only means re-sending what was acked, and the alert stage absorbs
 * duplicates. All of a round's files share one data sync (syncfs) and one
 * directory fsync instead of two fsyncs each, which was most of a poll's
 * CPU in --once and a stall for every session in a big fleet.
 */
void
push_flush_cursors(struct collector *c, int force)
{
	double now = util_monotime();
	char err[256];
	size_t staged = 0;

	if (!force && now < c->next_flush)
		return;
	c->next_flush = now + 1.0;
	for (size_t i = 0; i < c->ndevs; i++)
		if (c->devs[i].cur && cursor_save_stage(c->devs[i].cur, err,
		    sizeof err) == CERR_OK)
			staged++;
	if (staged == 0)
		return;
	if (cursor_sync_dir(c->state_dir, 1) != 0) {
		log_warn("collector=%s syncfs %s; cursors not saved this round",
		    c->id, c->state_dir);
		return;	/* the temp files are rewritten next round */
	}
	for (size_t i = 0; i < c->ndevs; i++)
		if (c->devs[i].cur)
			cursor_save_commit(c->devs[i].cur, err, sizeof err);
	if (cursor_sync_dir(c->state_dir, 0) != 0)
		log_warn("collector=%s fsync %s", c->id, c->state_dir);
}
