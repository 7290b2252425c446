/*
 * main.c — loghaul-alerts, the alert stage: one per deployment.
 *
 *   loghaul-alerts --config FILE [-d] [-v] [-n]
 *
 * A ROUTER socket at alerts.listen receives WIRE_EVENTS from the analyzers
 * (one DEALER each). For each message: apply its events to the state
 * machine (alert.c), make the state and the resulting alert changes durable
 * (alertstate.c), write them to the outputs (output.c), and only then
 * answer WIRE_ACK with the same key to the identity it came from. Messages
 * waiting on the socket are taken in a group (up to GROUP), so one fsync
 * covers many of them under load.
 *
 * A frame that does not decode, is too big, has another version or type, or
 * comes in a wrong envelope is counted, logged (rate-limited) and dropped;
 * it never stops the loop. If the state cannot be written (disk full), no
 * message is acked and no change is delivered until a write succeeds again:
 * the analyzers re-send, nothing is lost, and the log says so loudly.
 *
 * Metrics (alerts.metrics, else metrics.listen): loghaul_alerts_* on
 * /metrics (stage_metrics.h); /healthz fails while the state cannot be
 * written, since the stage then acks nothing.
 *
 * Signals: SIGTERM/SIGINT finish the current group, give the HTTP outputs a
 * few seconds to deliver, and exit 0. SIGHUP reopens the jsonl files
 * (logrotate) and reloads the config, keeping the old one if the new one
 * is invalid.
 */
#include <errno.h>
#include <getopt.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"
#include "analyzer/alerts/output.h"
#include "analyzer/alerts/stage_metrics.h"
#include "common/buf.h"
#include "common/daemon.h"
#include "common/conf.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/mq.h"
#include "common/util.h"
#include "common/wire.h"

#define GROUP             256	/* messages per commit at most */
#define MAX_PENDING_ACKS  4096	/* held while the state cannot be written */
#define TICK_MS           1000
#define DRAIN_MS          5000	/* on SIGTERM, for HTTP outputs */

static volatile sig_atomic_t s_quit, s_reload;

struct pack {			/* an ack waiting for its state to be durable */
	unsigned char id[256];
	size_t        idlen;
	int           delim;	/* the sender used an empty delimiter frame */
	struct buf    frame;
};

struct counters {
	uint64_t msgs;		/* EVENTS messages applied */
	uint64_t events;
	uint64_t acks, acks_failed, acks_dropped;
	uint64_t bad_parse, bad_toobig, bad_proto, bad_type, bad_envelope;
	uint64_t commits, commit_failures;
};

struct stage {
	const char                *confpath;
	struct conf               *conf;
	struct alert_engine       *engine;
	struct alertstate         *state;
	struct output_set         *outs;
	struct mq_keypair          keys;
	struct mq_opts             zopts;
	void                      *router;
	struct alert_changes       fresh;	/* made since the last commit */
	struct pack               *acks;
	size_t                     nacks;
	uint64_t                   durable;	/* highest seq committed */
	int                        failing;	/* the last commit failed */
	int64_t                    retry_at;	/* next commit attempt when failing */
	struct counters            n;
	struct stage_metrics       g;
	atomic_int                 unhealthy;	/* read by the metrics thread */
	struct log_ratelimit       rl_bad, rl_commit, rl_ack, rl_stale;
};

static void
s_usage(FILE *f)
{
	fprintf(f, "usage: loghaul-alerts --config FILE [-v] [-n]\n");
	daemon_usage_common(f);
}

static void
s_flapconf(const struct conf *c, struct alert_conf *ac)
{
	ac->flap_changes = c->alerts.flap_changes;
	ac->flap_window_ms = c->alerts.flap_window_ms;
	ac->flap_stable_ms = c->alerts.flap_stable_ms;
	if (ac->flap_changes > ALERT_MAX_FLAP)
		log_warnx("alerts: flap.changes=%d above max=%d; using %d",
		    ac->flap_changes, ALERT_MAX_FLAP, ALERT_MAX_FLAP);
}

/* Printable form of untrusted bytes for a log line (no escapes, bounded). */
static const char *
s_clean(struct buf *b, const void *p, size_t len)
{
	buf_reset(b);
	output_label_value(b, p, len, 128);
	return b->data ? b->data : "";
}

static void
s_hexid(char *out, size_t outlen, const unsigned char *id, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 3 <= outlen; i++, o += 2)
		snprintf(out + o, 3, "%02x", id[i]);
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* ---- sockets ---- */

static int
s_mq_opts(struct stage *s, const struct conf *c, char *err, size_t errlen)
{
	mq_opts_init(&s->zopts);
	if (!c->curve.enabled)
		return 0;
	if (mq_keypair_load(c->curve.secret_key, c->curve.public_key, &s->keys,
	    err, errlen) < 0)
		return -1;
	if (!mq_zap_running() && mq_zap_start(err, errlen) < 0)
		return -1;
	if (c->curve.allow.n > 0 && mq_zap_load_allow((const char *const *)
	    c->curve.allow.v, c->curve.allow.n, err, errlen) < 0)
		return -1;
	s->zopts.curve = MQ_CURVE_SERVER;
	s->zopts.keys = &s->keys;
	return 0;
}

static int
s_bind(struct stage *s, char *err, size_t errlen)
{
	struct mq_opts o = s->zopts;
	const char *ep = s->conf->alerts.listen;

	if (strncmp(ep, "tcp://", 6) != 0)
		o.curve = MQ_CURVE_OFF;
	/* Acks are small and the analyzers wait for them: never lose one to
	 * a full queue while a peer is merely slow. */
	o.sndhwm = 100000;
	s->router = mq_socket(ZMQ_ROUTER, &o, err, errlen);
	if (s->router == NULL)
		return -1;
	if (mq_bind(s->router, ep, err, errlen) < 0) {
		mq_close(&s->router);
		return -1;
	}
	return 0;
}

/* ---- acks ---- */

static void
s_ack_queue(struct stage *s, const unsigned char *id, size_t idlen, int delim,
    const struct wire_key *key)
{
	struct pack *p;

	if (s->nacks == MAX_PENDING_ACKS) {
		/* The sender re-sends it after its timeout; we hold none forever. */
		buf_free(&s->acks[0].frame);
		memmove(s->acks, s->acks + 1, (s->nacks - 1) * sizeof *s->acks);
		s->nacks--;
		s->n.acks_dropped++;
		metrics_inc(s->g.acks[2]);
	}
	s->acks = xrealloc(s->acks, (s->nacks + 1) * sizeof *s->acks);
	p = &s->acks[s->nacks];
	memcpy(p->id, id, idlen);
	p->idlen = idlen;
	p->delim = delim;
	buf_init(&p->frame, 0);
	if (wire_encode_ack(&p->frame, key) != CERR_OK) {
		buf_free(&p->frame);
		return;
	}
	s->nacks++;
}

static void
s_ack_send_all(struct stage *s)
{
	for (size_t i = 0; i < s->nacks; i++) {
		struct pack *p = &s->acks[i];
		enum cerr e = mq_send(s->router, p->id, p->idlen, MQ_MORE);

		if (e == CERR_OK && p->delim)
			e = mq_send(s->router, "", 0, MQ_MORE);
		if (e == CERR_OK)
			e = mq_send(s->router, p->frame.data, p->frame.len, 0);
		if (e == CERR_OK) {
			s->n.acks++;
			metrics_inc(s->g.acks[0]);
		} else {
			/* A vanished peer: it will re-send to us when it is back. */
			s->n.acks_failed++;
			metrics_inc(s->g.acks[1]);
			if (log_ratelimit(&s->rl_ack)) {
				char hex[64];
				s_hexid(hex, sizeof hex, p->id, p->idlen);
				log_warnx("alerts: peer=%s ack not delivered reason=\"%s\"",
				    hex, zmq_strerror(errno));
			}
		}
		buf_free(&p->frame);
	}
	s->nacks = 0;
}

/* ---- one message ---- */

static void
s_bad(struct stage *s, const unsigned char *id, size_t idlen, uint64_t *counter,
    const char *why)
{
	char hex[64];

	(*counter)++;
	metrics_inc(s->g.bad[counter == &s->n.bad_parse ? 0 :
	    counter == &s->n.bad_toobig ? 1 : counter == &s->n.bad_proto ? 2 :
	    counter == &s->n.bad_type ? 3 : 4]);
	if (log_ratelimit(&s->rl_bad)) {
		s_hexid(hex, sizeof hex, id, idlen);
		log_warnx("alerts: peer=%s dropped a frame reason=\"%s\" "
		    "suppressed=%u", hex, why, s->rl_bad.suppressed);
		s->rl_bad.suppressed = 0;
	}
}

/*
 * A snapshot's reason as a label value: the collector's names (wire.h),
 * anything else "other", so no peer can grow the series without bound.
 */
static const char *
s_snap_reason(const struct alert_change *c)
{
	static const char *const known[] = { "start", "periodic", "wrap",
	    "cleared", "reload" };

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (c->reason.len == strlen(known[i]) &&
		    memcmp(c->reason.p, known[i], c->reason.len) == 0)
			return known[i];
	return "other";
}

static void
s_log_change(struct stage *s, const struct alert_change *c)
{
	struct buf a, b, r;

	buf_init(&a, 0);
	buf_init(&b, 0);
	buf_init(&r, 0);
	log_info("alert device=%s interface=%s alert=%s status=%s state=%s "
	    "record_id=%llu seq=%llu%s%s", s_clean(&a, c->device.p, c->device.len),
	    s_clean(&b, c->interface.p, c->interface.len), alert_name(c->type),
	    alert_strstatus(c->status), ifstate_str(c->state),
	    (unsigned long long)c->record_id, (unsigned long long)c->seq,
	    c->reconciled ? " reconciled=1 reason=" : "",
	    c->reconciled ? s_clean(&r, c->reason.p, c->reason.len) : "");
	buf_free(&a);
	buf_free(&b);
	buf_free(&r);
	metrics_inc(s->g.changes[c->status == ALERT_FIRING ? 0 :
	    c->status == ALERT_RESOLVED ? 1 : 2]);
	if (c->reconciled && s->g.reconciled) {
		const char *v[2] = { s_snap_reason(c), alert_strstatus(c->status) };
		metrics_inc(metrics_series(s->g.reconciled, v));
	}
}

/*
 * Take one message off the socket, if any: returns 1 when one was taken
 * (good or bad), 0 when none is waiting.
 */
static int
s_recv_one(struct stage *s)
{
	zmq_msg_t f[3];
	int nf = 0, more = 1, rc = 0;
	struct wire_msg msg;
	char err[256];
	enum cerr e;
	const unsigned char *id;
	size_t idlen, i;

	while (more) {
		if (nf == 3) {
			mq_recv_drain(s->router);
			break;
		}
		zmq_msg_init(&f[nf]);
		if (mq_recv(s->router, &f[nf], 0) != CERR_OK) {
			zmq_msg_close(&f[nf]);
			if (nf == 0)
				return 0;
			break;
		}
		more = zmq_msg_more(&f[nf]);
		nf++;
	}
	rc = 1;
	id = zmq_msg_data(&f[0]);
	idlen = zmq_msg_size(&f[0]);
	/* [identity][payload] from a DEALER, [identity][""][payload] from a
	 * REQ-style sender; anything else is not ours. */
	if (more || nf < 2 || idlen > sizeof s->acks[0].id ||
	    (nf == 3 && zmq_msg_size(&f[1]) != 0)) {
		s_bad(s, id, idlen > 32 ? 32 : idlen, &s->n.bad_envelope,
		    "not [identity][payload]");
		goto out;
	}
	e = wire_decode(zmq_msg_data(&f[nf - 1]), zmq_msg_size(&f[nf - 1]), &msg,
	    err, sizeof err);
	if (e != CERR_OK) {
		s_bad(s, id, idlen, e == CERR_TOOBIG ? &s->n.bad_toobig :
		    e == CERR_PROTO ? &s->n.bad_proto : &s->n.bad_parse, err);
		goto out;
	}
	if (msg.type != WIRE_EVENTS) {
		s_bad(s, id, idlen, &s->n.bad_type, "not an EVENTS message");
		wire_msg_free(&msg);
		goto out;
	}
	{
		int64_t now = util_wallms();
		size_t before = s->fresh.n;
		uint64_t stale = alert_stats(s->engine)->stale;
		alert_apply(s->engine, msg.u.events.key.device,
		    msg.u.events.events, msg.u.events.nevents, now, &s->fresh);
		if (alert_stats(s->engine)->stale > stale &&
		    log_ratelimit(&s->rl_stale)) {
			struct buf a;
			buf_init(&a, 0);
			/* Older than anything the interface still remembers. */
			/* Redelivered or overtaken long after. */
			log_warnx("alerts: device=%s batch=%llu-%llu stale=%llu "
			    "events too old for their interface's history "
			    "ignored",
			    s_clean(&a, msg.u.events.key.device.ptr,
			    msg.u.events.key.device.len),
			    (unsigned long long)msg.u.events.key.first_id,
			    (unsigned long long)msg.u.events.key.last_id,
			    (unsigned long long)(alert_stats(s->engine)->stale - stale));
			buf_free(&a);
		}
		alert_device_seen(s->engine, msg.u.events.key.device,
		    msg.u.events.key.last_id);
		for (i = before; i < s->fresh.n; i++)
			s_log_change(s, s->fresh.v[i]);
	}
	s->n.msgs++;
	s->n.events += msg.u.events.nevents;
	metrics_inc(s->g.msgs);
	s_ack_queue(s, id, idlen, nf == 3, &msg.u.events.key);
	wire_msg_free(&msg);
out:
	for (int k = 0; k < nf; k++)
		zmq_msg_close(&f[k]);
	return rc;
}

/* ---- commit, deliver, ack ---- */

static void
s_commit(struct stage *s, int64_t now_ms)
{
	struct alertstate_cursors cur = { 0 };
	struct alert_change *const *box;
	size_t nbox;
	char err[512];

	if (s->fresh.n == 0 && s->nacks == 0 && !s->failing)
		return;
	if (s->failing && now_ms < s->retry_at)
		return;
	for (size_t i = 0; i < s->fresh.n; i++)
		output_set_push(s->outs, alert_change_dup(s->fresh.v[i]));
	output_set_cursors(s->outs, &cur);
	box = output_set_outbox(s->outs, &nbox);
	if (alertstate_commit(s->state, s->engine, s->fresh.v, s->fresh.n, box,
	    nbox, &cur, err, sizeof err) < 0) {
		s->n.commit_failures++;
		metrics_inc(s->g.commits[1]);
		if (!s->failing || log_ratelimit(&s->rl_commit))
			/* Acks and new alerts wait; analyzers re-send. */
			log_warnx("alerts: state write failed reason=\"%s\" "
			    "held_acks=%zu holding new alerts until it works",
			    err, s->nacks);
		s->failing = 1;
		s->retry_at = now_ms + 1000;
	} else {
		if (s->failing)
			log_info("alerts: state write ok again");
		s->failing = 0;
		s->n.commits++;
		metrics_inc(s->g.commits[0]);
		s->durable = alert_next_seq(s->engine) - 1;
	}
	/* The outbox holds them now; a failed commit is followed by a full
	 * snapshot, which includes the outbox. */
	alert_changes_clear(&s->fresh);
	alertstate_cursors_free(&cur);
}

static void
s_deliver(struct stage *s, int64_t now_ms)
{
	output_set_pump(s->outs, s->durable, now_ms);
	if (!s->failing)
		s_ack_send_all(s);
}

/* ---- metrics ---- */

static int
s_health(void *arg, char *reason, size_t len)
{
	struct stage *s = arg;

	if (atomic_load(&s->unhealthy)) {
		snprintf(reason, len, "the alert state cannot be written: nothing "
		    "is acked");
		return 0;
	}
	return 1;
}

static int
s_metrics_start(struct stage *s, char *err, size_t errlen)
{
	const char *listen = s->conf->alerts.metrics ? s->conf->alerts.metrics :
	    s->conf->metrics.listen;
	struct metrics_health h = { s_health, s };

	return stage_metrics_start(&s->g, listen, &h, err, errlen);
}

/* ---- config ---- */

static int
s_outputs(struct stage *s, const struct conf *c, char *err, size_t errlen)
{
	return output_set_configure(s->outs, c->alerts.outputs,
	    c->alerts.noutputs, alert_next_seq(s->engine), err, errlen);
}

static void
s_reload_conf(struct stage *s)
{
	struct conf *nc = NULL;
	struct alert_conf ac;
	char err[1024];

	output_set_reopen(s->outs);
	if (conf_load(s->confpath, &nc, err, sizeof err) != CERR_OK) {
		log_warnx("alerts: reload failed reason=\"%s\" keeping the running "
		    "configuration", err);
		return;
	}
	if (strcmp(nc->alerts.listen, s->conf->alerts.listen) != 0 ||
	    strcmp(nc->alerts.state_dir, s->conf->alerts.state_dir) != 0)
		log_warnx("alerts: reload keys=alerts.listen,alerts.state_dir "
		    "take effect at the next start");
	if (s_outputs(s, nc, err, sizeof err) < 0) {
		log_warnx("alerts: reload failed reason=\"%s\" keeping the running "
		    "configuration", err);
		conf_free(&nc);
		return;
	}
	output_set_seed(s->outs, s->engine);
	s_flapconf(nc, &ac);
	alert_setconf(s->engine, &ac);
	conf_free(&s->conf);
	s->conf = nc;
	log_info("alerts: configuration reloaded config=%s outputs=%zu",
	    s->confpath, output_set_count(s->outs));
}

/* ---- start, loop, stop ---- */

static int
s_start(struct stage *s, char *err, size_t errlen)
{
	struct alert_conf ac;
	struct alert_changes outbox = { 0 };
	struct alertstate_cursors cur = { 0 };
	char e2[1024];
	int rc;

	s_flapconf(s->conf, &ac);
	s->engine = alert_new(&ac);
	s->state = alertstate_open(s->conf->alerts.state_dir, err, errlen);
	if (s->state == NULL)
		return -1;
	rc = alertstate_load(s->state, s->engine, &outbox, &cur, e2, sizeof e2);
	if (rc < 0) {
		snprintf(err, errlen, "%s", e2);
		alertstate_cursors_free(&cur);
		alert_changes_clear(&outbox);
		return -1;
	}
	if (rc > 0)
		log_warnx("alerts: started from a damaged state directory "
		    "reason=\"%s\"", e2);
	if (s_mq_opts(s, s->conf, err, errlen) < 0)
		goto fail;
	output_http_global_init();
	s->outs = output_set_new(&s->zopts);
	if (s_outputs(s, s->conf, err, errlen) < 0)
		goto fail;
	output_set_restore(s->outs, &outbox, &cur);
	output_set_seed(s->outs, s->engine);
	s->durable = alert_next_seq(s->engine) - 1;
	alertstate_cursors_free(&cur);
	/* Deliver what a previous run left undelivered before taking more. */
	output_set_pump(s->outs, s->durable, util_wallms());
	if (s_bind(s, err, errlen) < 0)
		return -1;
	if (s_metrics_start(s, err, errlen) < 0)
		return -1;
	log_info("alerts: listening on endpoint=%s state_dir=%s interfaces=%zu open=%zu "
	    "outputs=%zu undelivered=%zu",
	    s->conf->alerts.listen, s->conf->alerts.state_dir,
	    alert_count_ifaces(s->engine),
	    alert_count_open(s->engine, ALERT_T_DOWN) +
	    alert_count_open(s->engine, ALERT_T_ADMIN) +
	    alert_count_open(s->engine, ALERT_T_FLAP),
	    output_set_count(s->outs), output_set_backlog(s->outs));
	return 0;
fail:
	alertstate_cursors_free(&cur);
	alert_changes_clear(&outbox);
	return -1;
}

static void
s_loop(struct stage *s)
{
	while (!s_quit) {
		zmq_pollitem_t pi = { s->router, 0, ZMQ_POLLIN, 0 };
		int64_t now = util_wallms(), dl = alert_next_deadline(s->engine);
		long timeout = TICK_MS;
		int taken = 0;

		if (dl != INT64_MAX && dl - now < timeout)
			timeout = dl > now ? (long)(dl - now) : 0;
		if (zmq_poll(&pi, 1, timeout) < 0 && errno != EINTR) {
			log_warnx("alerts: poll failed reason=\"%s\"",
			    zmq_strerror(errno));
			usleep(100000);
		}
		/* While the state cannot be written, take nothing new: it
		 * could not be acked anyway. */
		while (!s->failing && taken < GROUP && s_recv_one(s))
			taken++;
		now = util_wallms();
		{
			size_t before = s->fresh.n;
			alert_tick(s->engine, now, &s->fresh);
			for (size_t i = before; i < s->fresh.n; i++)
				s_log_change(s, s->fresh.v[i]);
		}
		s_commit(s, now);
		s_deliver(s, now);
		output_set_tick(s->outs, s->durable, now);
		atomic_store(&s->unhealthy, s->failing);
		stage_metrics_update(&s->g, s->engine, s->outs, s->state,
		    s->failing, now);
		if (s_reload) {
			s_reload = 0;
			s_reload_conf(s);
		}
	}
}

static void
s_stop(struct stage *s)
{
	double until = util_monotime() + DRAIN_MS / 1000.0;
	char err[512];

	if (s->engine) {
		const struct alert_stats *st = alert_stats(s->engine);
		log_info("alerts: events applied=%llu late=%llu duplicates=%llu "
		    "stale=%llu ignored=%llu dropped=%llu changes=%llu "
		    "snapshot_baseline=%llu snapshot_agreed=%llu "
		    "snapshot_reconciled=%llu snapshot_stale=%llu",
		    (unsigned long long)st->applied, (unsigned long long)st->late,
		    (unsigned long long)st->duplicates,
		    (unsigned long long)st->stale, (unsigned long long)st->ignored,
		    (unsigned long long)st->dropped, (unsigned long long)st->changes,
		    (unsigned long long)st->snap_baseline,
		    (unsigned long long)st->snap_agreed,
		    (unsigned long long)st->snap_reconciled,
		    (unsigned long long)st->snap_stale);
	}
	log_info("alerts: stopping msgs=%llu events=%llu acks=%llu bad=%llu "
	    "parse=%llu toobig=%llu proto=%llu type=%llu envelope=%llu",
	    (unsigned long long)s->n.msgs, (unsigned long long)s->n.events,
	    (unsigned long long)s->n.acks,
	    (unsigned long long)(s->n.bad_parse + s->n.bad_toobig +
	    s->n.bad_proto + s->n.bad_type + s->n.bad_envelope),
	    (unsigned long long)s->n.bad_parse,
	    (unsigned long long)s->n.bad_toobig,
	    (unsigned long long)s->n.bad_proto, (unsigned long long)s->n.bad_type,
	    (unsigned long long)s->n.bad_envelope);
	if (s->engine && s->state && s->outs) {
		s_commit(s, util_wallms());
		s_deliver(s, util_wallms());
		/* Give the HTTP outputs a moment; what they miss is in the
		 * state and is delivered at the next start. */
		while (output_set_backlog(s->outs) > 0 && util_monotime() < until) {
			usleep(50000);
			output_set_pump(s->outs, s->durable, util_wallms());
		}
		if (!s->failing) {
			struct alertstate_cursors cur = { 0 };
			struct alert_change *const *box;
			size_t nbox;
			output_set_cursors(s->outs, &cur);
			box = output_set_outbox(s->outs, &nbox);
			if (alertstate_compact(s->state, s->engine, box, nbox, &cur,
			    err, sizeof err) < 0)
				log_warnx("alerts: final snapshot failed "
				    "reason=\"%s\"", err);
			alertstate_cursors_free(&cur);
		}
	}
	stage_metrics_stop(&s->g);
	mq_close(&s->router);
	output_set_free(&s->outs);
	alertstate_free(&s->state);
	alert_free(&s->engine);
	alert_changes_clear(&s->fresh);
	for (size_t i = 0; i < s->nacks; i++)
		buf_free(&s->acks[i].frame);
	free(s->acks);
	conf_free(&s->conf);
	mq_shutdown();
}

int
main(int argc, char **argv)
{
	struct daemon_opts dopts = { 0 };
	struct stage s;
	char err[1024];
	int rc;

	memset(&s, 0, sizeof s);
	s.rl_bad.interval = 5;
	s.rl_commit.interval = 10;
	s.rl_ack.interval = 10;
	s.rl_stale.interval = 10;
	rc = daemon_getopt(argc, argv, NULL, NULL, NULL, NULL, s_usage, &dopts);
	if (rc != DAEMON_RUN)
		return rc;
	if (optind != argc || dopts.config == NULL) {
		s_usage(stderr);
		return 2;
	}
	s.confpath = dopts.config;
	log_init("loghaul-alerts", dopts.verbose);
	output_plugins_register();

	if (conf_load(s.confpath, &s.conf, err, sizeof err) != CERR_OK) {
		log_warnx("%s", err);
		return 1;
	}
	if (dopts.check) {
		printf("configuration OK\n");
		conf_free(&s.conf);
		return 0;
	}
	daemon_signals(&s_quit, &s_reload);
	if (s_start(&s, err, sizeof err) < 0) {
		log_warnx("alerts: cannot start reason=\"%s\"", err);
		s_stop(&s);
		return 1;
	}
	daemon_ready_endpoint("listen", s.router);
	if (daemon_ready(0, err, sizeof err) < 0)
		log_warnx("alerts: %s", err);
	s_loop(&s);
	s_stop(&s);
	return 0;
}
