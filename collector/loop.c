/*
 * loop.c — the collector's one thread: a zmq_poll() over the ack socket and
 * every session's descriptor, as ntpd's main loop reads (STYLE.md §7):
 * start the polls that are due (at most max_sessions at once), step the
 * sessions that are ready or past a deadline, take acks, re-send overdue
 * batches, write moved cursors, then act on the signal flags.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "collector/collector.h"
#include "collector/sched.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/inventory.h"
#include "common/metrics.h"
#include "common/mq.h"
#include "common/util.h"

volatile sig_atomic_t collector_quit;
volatile sig_atomic_t collector_reconfig;

static struct collector *s_sort_ctx;

static int
s_by_name(const void *a, const void *b)
{
	const struct dev *da = &s_sort_ctx->devs[*(const size_t *)a];
	const struct dev *db = &s_sort_ctx->devs[*(const size_t *)b];

	return strcmp(da->host->name, db->host->name);
}

char *
collector_shard_endpoint(const char *base, int i)
{
	const char *colon;
	char *end;
	long port;

	if (i == 0)
		return xstrdup(base);
	if (strncmp(base, "tcp://", 6) == 0) {
		colon = strrchr(base, ':');
		if (colon == NULL || colon < base + 6)
			return NULL;
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port <= 0 || port + 2L * i > 65535)
			return NULL;
		return xasprintf("%.*s:%ld", (int)(colon - base), base, port + 2L * i);
	}
	return xasprintf("%s.%d", base, i);
}

/*
 * /healthz: a collector that has devices but has not finished a good poll
 * for three of its longest intervals (and a minute's grace after start) is
 * not healthy, whatever else it does: it must never look healthy while
 * harvesting nothing. Runs on the HTTP thread: last_ok_ms is read
 * atomically; started_ms and max_interval_ms are written before the
 * listener starts and never after.
 */
static int
s_health(void *arg, char *reason, size_t len)
{
	struct collector *c = arg;
	int64_t now = util_wallms();
	int64_t last = __atomic_load_n(&c->last_ok_ms, __ATOMIC_RELAXED);
	int64_t since = last ? last : c->started_ms;
	int64_t limit = 3 * (int64_t)c->max_interval_ms + 60000;

	if (c->max_interval_ms == 0)	/* no devices in this shard */
		return 1;
	if (now - since > limit) {
		snprintf(reason, len, "no successful poll for %llds (%s)",
		    (long long)((now - since) / 1000),
		    last ? "devices failing or held back" : "none since start");
		return 0;
	}
	return 1;
}

/* The families with a series per device (dev_setup() makes them). */
static void
s_metrics_devices(struct collector_metrics *m)
{
	m->lines = metrics_counter(m->reg, "loghaul_collector_lines_total",
	    "Log lines harvested", "device");
	m->bytes = metrics_counter(m->reg, "loghaul_collector_bytes_total",
	    "Bytes of log lines harvested", "device");
	m->polls = metrics_counter(m->reg, "loghaul_collector_polls_total",
	    "Polls by result", "device,result");
	m->gaps = metrics_counter(m->reg, "loghaul_collector_gaps_total",
	    "Lines lost on the device (buffer wrapped, cleared, reload)",
	    "device,reason");
	m->last_ok = metrics_gauge(m->reg, "loghaul_collector_last_success_seconds",
	    "Unix time of the last successful poll", "device");
	m->clock_skew = metrics_gauge(m->reg, "loghaul_collector_clock_skew_seconds",
	    "Device clock minus collector clock at the last clock check", "device");
	m->snaps = metrics_counter(m->reg, "loghaul_collector_snapshots_total",
	    "Interface-table snapshots: ok (sent), failed (the device refused "
	    "the command, or the record could not be encoded)", "device,result");
	m->snap_ifs = metrics_gauge(m->reg,
	    "loghaul_collector_snapshot_interfaces",
	    "Interfaces in the device's last snapshot", "device");
}

/* The collector's own series, one per family. */
static void
s_metrics_collector(struct collector_metrics *m)
{
	static const double poll_bounds[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	    1, 2.5, 5, 10, 30 };

	m->poll_seconds = metrics_series(metrics_histogram(m->reg,
	    "loghaul_collector_poll_duration_seconds", "Poll duration", NULL,
	    poll_bounds, sizeof poll_bounds / sizeof poll_bounds[0]), NULL);
#define GAUGE(f, name, help) \
	m->f = metrics_series(metrics_gauge(m->reg, name, help, NULL), NULL)
#define COUNTER(f, name, help) \
	m->f = metrics_series(metrics_counter(m->reg, name, help, NULL), NULL)
	GAUGE(sessions_active, "loghaul_collector_sessions_active",
	    "Polls in progress");
	GAUGE(sessions_open, "loghaul_collector_sessions_open",
	    "SSH sessions open");
	GAUGE(backlog, "loghaul_collector_backlog_batches",
	    "Batches pushed and not yet acknowledged");
	COUNTER(batches_sent, "loghaul_collector_batches_sent_total",
	    "Batches pushed");
	COUNTER(batches_acked, "loghaul_collector_batches_acked_total",
	    "Batches acknowledged");
	COUNTER(batches_resent, "loghaul_collector_batches_resent_total",
	    "Batches sent again after the ack timeout");
	COUNTER(acks_bad, "loghaul_collector_acks_rejected_total",
	    "Ack frames that did not decode");
	COUNTER(acks_unknown, "loghaul_collector_acks_unknown_total",
	    "Acks for no batch in flight (duplicates)");
	COUNTER(batches_held, "loghaul_collector_polls_held_total",
	    "Polls whose records waited for room downstream");
	COUNTER(records_cut, "loghaul_collector_cut_entries_total",
	    "Entries cut by the ring buffer wrap at the head of a poll");
	COUNTER(lines_truncated, "loghaul_collector_lines_truncated_total",
	    "Entries longer than the 1 MiB record ceiling, forwarded cut to it");
#undef GAUGE
#undef COUNTER
}

/* How polls read the devices' buffers (device_incr.c). */
static void
s_metrics_reads(struct collector_metrics *m)
{
	struct metrics_family *rf, *bf;

	rf = metrics_counter(m->reg, "loghaul_collector_reads_total",
	    "Polls by how they read the device's buffer (full, "
	    "incremental, fallback: an incremental reply that proved "
	    "nothing, then a full read)", "mode");
	bf = metrics_counter(m->reg, "loghaul_collector_read_bytes_total",
	    "Bytes of log command output read, by read mode", "mode");
	for (int r = 0; r < DEV_READ__COUNT; r++) {
		m->reads[r] = metrics_series1(rf, dev_read_str(r));
		m->read_bytes[r] = metrics_series1(bf, dev_read_str(r));
	}
	m->filter_rejected = metrics_series(metrics_counter(m->reg,
	    "loghaul_collector_filter_rejected_total",
	    "Devices that refused the incremental output filter", NULL),
	    NULL);
}

/*
 * The collector's series, and its HTTP listener when one is configured.
 * -1 with err when the listener cannot start: a daemon that cannot serve
 * the port its configuration names refuses to run, so that nobody scrapes
 * another process's port believing it is this one.
 */
static int
s_metrics_init(struct collector *c, char *errbuf, size_t errlen)
{
	struct collector_metrics *m = &c->m;
	const char *listen = c->conf->collector.metrics ? c->conf->collector.metrics :
	    c->conf->metrics.listen;
	char err[256];

	m->reg = metrics_new();
	s_metrics_devices(m);
	s_metrics_collector(m);
	s_metrics_reads(m);
	/* Refused ZeroMQ peers (README: "refused, logged and counted"). */
	if (mq_metrics_export(m->reg) < 0)
		log_warnx("collector=%s metrics: cannot export mq counters", c->id);
	if (listen && !c->once) {
		/* process i of n listens on the configured port + i */
		struct metrics_health h = { s_health, c };
		char *who = xasprintf("collector=%s", c->id);

		m->http = daemon_metrics_start(m->reg, listen, c->shard, &h, who,
		    err, sizeof err);
		free(who);
		if (m->http == NULL) {
			snprintf(errbuf, errlen, "%s", err);
			return -1;
		}
	}
	return 0;
}

/* The id carried in batches and logs: this host and the shard. */
static char *
s_collector_id(int shard)
{
	char host[256];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "collector");
	host[sizeof host - 1] = '\0';
	return xasprintf("%s/%d", host, shard);
}

static int
s_make_dirs(struct collector *c, char *err, size_t errlen)
{
	const struct conf *conf = c->conf;

	/*
	 * A daemon must keep its cursors: without them a restart re-reads
	 * every buffer under a new epoch. A first try with --print must not
	 * leave state in a system directory, so it keeps them in memory
	 * unless the file names a directory.
	 */
	c->state_dir = conf->collector.state_dir;
	if (c->state_dir == NULL && c->print == NULL)
		c->state_dir = COLLECTOR_STATE_DIR_DEFAULT;
	if (c->state_dir && util_mkdir_p(c->state_dir, 0750) != 0) {
		if (c->print == NULL) {
			snprintf(err, errlen, "collector.state_dir %s: %s",
			    c->state_dir, strerror(errno));
			return -1;
		}
		/* Trying loghaul out with --print needs no writable state. */
		log_warnx("collector=%s collector.state_dir %s: %s: cursors are "
		    "kept in memory only, so every run prints whole buffers",
		    c->id, c->state_dir, strerror(errno));
		c->state_dir = NULL;
	}
	if (conf->collector.archive_dir &&
	    util_mkdir_p(conf->collector.archive_dir, 0750) != 0) {
		snprintf(err, errlen, "collector.archive_dir %s: %s",
		    conf->collector.archive_dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
s_in_shard(const struct collector *c, const struct inv_host *h)
{
	return util_hash64(h->name, strlen(h->name)) % (uint64_t)c->nshards ==
	    (uint64_t)c->shard;
}

/* The longest interval of the shard's devices, which /healthz goes by. */
static void
s_max_interval(struct collector *c)
{
	for (size_t i = 0; i < c->inv->nhosts; i++) {
		const struct inv_host *h = &c->inv->hosts[i];
		uint64_t iv = h->interval_ms > 0 ? (uint64_t)h->interval_ms :
		    c->conf->collector.interval_ms;
		if (s_in_shard(c, h) && iv > c->max_interval_ms)
			c->max_interval_ms = iv;
	}
}

static int
s_devs_setup(struct collector *c, char *err, size_t errlen)
{
	const struct inventory *inv = c->inv;
	size_t n = 0;

	c->devs = xcalloc(inv->nhosts ? inv->nhosts : 1, sizeof *c->devs);
	for (size_t i = 0; i < inv->nhosts; i++) {
		const struct inv_host *h = &inv->hosts[i];
		if (!s_in_shard(c, h))
			continue;
		if (dev_setup(c, &c->devs[n], h, n) != 0) {
			snprintf(err, errlen, "device %s: cannot set up (see above)",
			    h->name);
			dev_teardown(&c->devs[n]);
			c->ndevs = n;
			return -1;
		}
		n++;
	}
	c->ndevs = n;
	return 0;
}

/* The devices' indices sorted by name, which dev_find() searches. */
static void
s_by_name_index(struct collector *c)
{
	size_t n = c->ndevs;

	c->by_name = xcalloc(n ? n : 1, sizeof *c->by_name);
	for (size_t i = 0; i < n; i++)
		c->by_name[i] = i;
	s_sort_ctx = c;
	qsort(c->by_name, n, sizeof *c->by_name, s_by_name);
}

/*
 * Spread the first polls over the first interval so that a thousand
 * devices do not all connect in the same second (not in --once, which
 * wants everything now).
 */
static void
s_first_polls(struct collector *c, double now)
{
	for (size_t i = 0; i < c->ndevs; i++) {
		double off = c->once ? 0 : (double)(util_hash64(
		    c->devs[i].host->name, strlen(c->devs[i].host->name)) % 1000) /
		    1000.0 * (double)c->devs[i].interval_ms / 1000.0;
		sched_at(c->sched, i, now + off);
	}
}

int
collector_init(struct collector *c, struct conf *conf, struct inventory *inv,
    int shard, int nshards, char *err, size_t errlen)
{
	double now;

	c->conf = conf;
	c->inv = inv;
	c->shard = shard;
	c->nshards = nshards > 0 ? nshards : 1;
	c->id = s_collector_id(shard);
	c->rl_held.interval = 10;
	c->rl_full.interval = 10;
	c->rl_resend.interval = 10;
	if (s_make_dirs(c, err, errlen) != 0)
		return -1;
	sshc_opts_from_conf(&c->sopts, conf);
	buf_init(&c->frame, WIRE_MAX_FRAME);
	logparse_result_init(&c->pr);
	cursor_batch_init(&c->cb);
	c->started_ms = util_wallms();
	s_max_interval(c);
	if (s_metrics_init(c, err, errlen) != 0)
		return -1;

	if (s_devs_setup(c, err, errlen) != 0)
		return -1;
	s_by_name_index(c);
	c->ready = xcalloc(c->ndevs ? c->ndevs : 1, sizeof *c->ready);
	c->sched = sched_new(c->ndevs);

	if (c->print == NULL && push_open(c, err, errlen) != 0)
		return -1;

	now = util_monotime();
	c->once_deadline = now + conf->collector.ack_timeout_ms / 1000.0;
	s_first_polls(c, now);
	log_info("collector=%s devices=%zu of %zu (shard %d/%d) interval=%llums "
	    "max_sessions=%d", c->id, c->ndevs, inv->nhosts, shard, c->nshards,
	    (unsigned long long)conf->collector.interval_ms,
	    conf->collector.max_sessions);
	return 0;
}

void
collector_fini(struct collector *c)
{
	for (size_t i = 0; i < c->ndevs; i++)
		dev_teardown(&c->devs[i]);
	free(c->devs);
	free(c->by_name);
	free(c->ready);
	sched_free(&c->sched);
	push_close(c);
	buf_free(&c->frame);
	logparse_result_free(&c->pr);
	cursor_batch_free(&c->cb);
	metrics_http_stop(&c->m.http);
	metrics_free(&c->m.reg);
	free(c->id);
	memset(c, 0, sizeof *c);
}

static void s_step(struct collector *c, struct dev *d, double now);

static void
s_ready_push(struct collector *c, size_t i)
{
	if (c->devs[i].queued || c->devs[i].busy)
		return;
	c->ready[(c->ready_head + c->ready_len) % c->ndevs] = i;
	c->ready_len++;
	c->devs[i].queued = 1;
}

static void
s_start_polls(struct collector *c, double now)
{
	size_t i;

	while (sched_pop_due(c->sched, now, &i))
		s_ready_push(c, i);
	while (c->ready_len > 0 &&
	    c->active < (size_t)c->conf->collector.max_sessions) {
		struct dev *d;

		/* Downstream full: poll no more until acks make room. */
		if (c->print == NULL && !push_has_room(c)) {
			if (log_ratelimit(&c->rl_full))
				log_warnx("collector=%s backlog full: %zu batches "
				    "unacknowledged (max_backlog %d): polling "
				    "paused until acks make room, %zu devices due",
				    c->id, c->backlog,
				    c->conf->collector.max_backlog, c->ready_len);
			c->rl_full.suppressed = 0;
			c->holding = 1;
			break;
		}
		i = c->ready[c->ready_head];
		c->ready_head = (c->ready_head + 1) % c->ndevs;
		c->ready_len--;
		d = &c->devs[i];
		d->queued = 0;
		dev_clock_want(c, d, now);
		dev_choose_read(c, d);
		if (sshc_start_poll(d->s, now) != 0)
			continue;
		d->busy = 1;
		d->poll_started = now;
		c->active++;
		/* Connect (or send the command) now, not after the next wait. */
		s_step(c, d, now);
	}
}

/* After a poll ends: when the device is due next. */
static void
s_reschedule(struct collector *c, struct dev *d, double now, int failed)
{
	double next;

	if (c->once) {
		if (!failed && (d->held > 0 || d->snap_ready)) {
			/*
			 * No analyzer took the records (none connected yet, or
			 * the backlog is full): poll again for the same records
			 * (same ids) until they go, or fail the device.
			 */
			if (now < c->once_deadline) {
				sched_at(c->sched, d->idx, now + 0.2);
				return;
			}
			d->status = DEV_FAILED;
			d->last_err = CERR_AGAIN;
			snprintf(d->last_msg, sizeof d->last_msg, "%zu records%s not "
			    "delivered: no analyzer took them within ack_timeout",
			    d->held, d->snap_ready ? " and a snapshot" : "");
			log_warnx("device=%s %s", d->host->name, d->last_msg);
		}
		c->once_done++;
		if (c->progress)
			print_progress(c, 0);
		return;
	}
	if (failed) {
		/*
		 * Exponential back-off with jitter (collector.backoff), past the
		 * interval if failures go on: a device refusing our password must
		 * not be hammered every interval. Its buffer keeps the lines.
		 */
		next = now + backoff_next(&d->bo) / 1000.0;
	} else {
		/* Keep the cadence: interval from the start of this poll. */
		next = d->poll_started + d->interval_ms / 1000.0;
	}
	sched_at(c->sched, d->idx, next > now ? next : now);
}

/*
 * A poll of the device's turn finished with output. 1 when the turn goes
 * on with another poll, already started: the whole buffer after an
 * unproven incremental reply, a snapshot (device_snap.c), which a log
 * poll is followed by when one is due, before any later read, or the
 * clock on an exec channel (clockcheck.c).
 */
static int
s_done(struct collector *c, struct dev *d, const char *out, size_t len,
    double now)
{
	switch (d->phase) {
	case DEV_PHASE_CLOCK:
		dev_clock_done(c, d, out, len);
		return 0;
	case DEV_PHASE_TABLE:
	case DEV_PHASE_DESCR:
		if (dev_snap_done(c, d, out, len, now))
			return 1;
		return dev_clock_start(c, d, now);
	case DEV_PHASE_LOG:
		break;
	}
	/* Fallback: the whole buffer, in the same poll. */
	if (dev_poll_done(c, d, out, len, now))
		return sshc_start_poll(d->s, now) == 0;
	return dev_snap_start(c, d, now) || dev_clock_start(c, d, now);
}

static void
s_step(struct collector *c, struct dev *d, double now)
{
	enum sshc_result r;
	size_t len;
	const char *out;

	r = sshc_step(d->s, now);
	if (!d->busy) {
		/* An idle session: the device hung up or logged us out. */
		if (r == SSHC_ERROR)
			log_debug("device=%s idle session closed: %s",
			    d->host->name, sshc_errmsg(d->s));
		return;
	}
	switch (r) {
	case SSHC_DONE:
		out = sshc_output(d->s, &len);
		if (s_done(c, d, out ? out : "", out ? len : 0, now)) {
			s_step(c, d, now);
			break;
		}
		d->busy = 0;
		c->active--;
		/* An idle session keeps no copy of a large buffer. */
		sshc_release(d->s);
		s_reschedule(c, d, now, 0);
		break;
	case SSHC_ERROR:
		d->busy = 0;
		c->active--;
		dev_poll_failed(c, d, now);
		s_reschedule(c, d, now, 1);
		break;
	case SSHC_IDLE:
	case SSHC_CLOSED:
		/* A poll that ended without output cannot happen; be safe. */
		d->busy = 0;
		d->phase = DEV_PHASE_LOG;
		c->active--;
		s_reschedule(c, d, now, 0);
		break;
	case SSHC_AGAIN:
		break;
	}
}

/* SIGHUP: is the file on disk now a configuration we can run? */
static int
s_new_conf_valid(struct collector *c)
{
	struct conf *conf = NULL;
	struct inventory *inv = NULL;
	char err[1024];
	int ok = 0;

	if (c->once || c->print)
		return 0;
	if (conf_load(c->conf->path, &conf, err, sizeof err) != CERR_OK)
		log_warnx("collector=%s SIGHUP: keeping the running configuration: %s",
		    c->id, err);
	else if (conf_load_inventory(conf, &inv, err, sizeof err) != CERR_OK)
		log_warnx("collector=%s SIGHUP: keeping the running inventory: %s",
		    c->id, err);
	else
		ok = 1;
	inventory_free(&inv);
	conf_free(&conf);
	if (ok)
		log_info("collector=%s SIGHUP: new configuration is valid; "
		    "draining and restarting on it", c->id);
	return ok;
}

static int
s_once_finished(const struct collector *c)
{
	if (c->once_done < c->ndevs)
		return 0;
	for (size_t i = 0; i < c->ndevs; i++)
		if (c->devs[i].snap_ready && c->devs[i].status == DEV_OK)
			return 0;
	return c->print != NULL || c->backlog == 0;
}

/* What collector_run keeps from one pass of its loop to the next. */
struct run {
	zmq_pollitem_t *items;
	size_t         *who;	/* device of items[k]; (size_t)-1: the acks */
	size_t          n;
	double          ack_deadline, drain_deadline, acks_deadline;
	double          idle_sweep;
	int             rc, reload;
};

/*
 * Stopping (SIGTERM, or a reload): let the polls in progress finish, then
 * wait a little for acks. Otherwise start the polls that are due. 1 when
 * the loop is to end.
 */
static int
s_run_drain(struct collector *c, struct run *r, double now)
{
	if (collector_quit && r->drain_deadline == 0) {
		r->drain_deadline = now + c->sopts.command_ms / 1000.0 + 1;
		log_info("collector=%s stopping: draining %zu polls, %zu "
		    "batches in flight", c->id, c->active, c->backlog);
	}
	if (r->drain_deadline == 0) {
		s_start_polls(c, now);
		return 0;
	}
	if (c->active == 0 && r->acks_deadline == 0)
		r->acks_deadline = now + 5;
	if (c->active == 0 && (c->backlog == 0 || c->print))
		return 1;
	if (now > r->drain_deadline ||
	    (r->acks_deadline && now > r->acks_deadline)) {
		log_warnx("collector=%s stopping with %zu polls and %zu "
		    "batches unfinished; the next start re-reads them",
		    c->id, c->active, c->backlog);
		return 1;
	}
	return 0;
}

/* --once: every device polled; 1 when the loop is to end (r->rc set). */
static int
s_run_once(struct collector *c, struct run *r, double now)
{
	if (!c->once || c->once_done != c->ndevs)
		return 0;
	if (s_once_finished(c))
		return 1;
	/*
	 * Room for one re-send: an ack can be lost on the way (an analyzer
	 * whose ack socket was not connected yet drops it), and the batch
	 * goes again after ack_timeout.
	 */
	if (r->ack_deadline == 0) {
		r->ack_deadline = now + 2.0 *
		    c->conf->collector.ack_timeout_ms / 1000.0 + 1;
	} else if (now > r->ack_deadline) {
		log_warnx("collector=%s %zu batches were not acknowledged",
		    c->id, c->backlog);
		r->rc = 1;
		return 1;
	}
	return 0;
}

/*
 * The poll set: the ack socket and the sessions to watch. Returns how long
 * to wait (ms): until the earliest session deadline or due poll, at most
 * a second.
 */
static long
s_run_pollset(struct collector *c, struct run *r, double now)
{
	double wake = now + 1.0, t;
	size_t open = 0;
	int sweep = now >= r->idle_sweep;
	long timeout_ms;

	r->n = 0;
	if (c->acks) {
		r->items[r->n] = (zmq_pollitem_t){ .socket = c->acks,
		    .events = ZMQ_POLLIN };
		r->who[r->n++] = (size_t)-1;
	}
	for (size_t i = 0; i < c->ndevs; i++) {
		int fd = sshc_fd(c->devs[i].s);
		short ev;

		t = sshc_deadline(c->devs[i].s);
		if (t < wake)
			wake = t;
		if (fd < 0)
			continue;
		open++;
		ev = sshc_events(c->devs[i].s);
		/*
		 * An idle persistent session is only watched for the device
		 * hanging up, once a second: polling a thousand idle sockets
		 * on every wake-up was most of the collector's CPU at 1000
		 * devices (perf: sock_poll, tcp_poll, fdget,
		 * ssh_get_poll_flags).
		 */
		if (!c->devs[i].busy && !sweep && !(ev & POLLOUT))
			continue;
		r->items[r->n] = (zmq_pollitem_t){ .fd = fd,
		    .events = (short)((ev & POLLIN ? ZMQ_POLLIN : 0) |
		    (ev & POLLOUT ? ZMQ_POLLOUT : 0)) };
		r->who[r->n++] = i;
	}
	if (sweep)
		r->idle_sweep = now + 1.0;
	t = sched_next(c->sched);
	if (t >= 0 && t < wake && (c->ready_len == 0 ||
	    c->active < (size_t)c->conf->collector.max_sessions))
		wake = t;
	timeout_ms = (long)ceil((wake - now) * 1000.0);
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (timeout_ms > 1000)
		timeout_ms = 1000;
	if (c->m.reg) {
		metrics_set(c->m.sessions_open, (double)open);
		metrics_set(c->m.sessions_active, (double)c->active);
	}
	return timeout_ms;
}

/* Step what the poll found ready, and the sessions past a deadline. */
static void
s_run_dispatch(struct collector *c, struct run *r, double now)
{
	for (size_t k = 0; k < r->n; k++) {
		if (r->who[k] == (size_t)-1) {
			if (r->items[k].revents & ZMQ_POLLIN)
				push_recv_acks(c, now);
			continue;
		}
		if (r->items[k].revents)
			s_step(c, &c->devs[r->who[k]], now);
	}
	/* Sessions past a deadline, or without a descriptor yet. */
	for (size_t i = 0; i < c->ndevs; i++) {
		struct dev *d = &c->devs[i];
		if (sshc_deadline(d->s) <= now ||
		    (d->busy && sshc_fd(d->s) < 0))
			s_step(c, d, now);
	}
	if (c->acks) {
		push_recv_acks(c, now);
		push_resend(c, now);
	}
	push_flush_cursors(c, 0);
	/*
	 * Snapshots whose id the flush just wrote, or that no analyzer took
	 * at first (an ack pushes the one that waited for it).
	 */
	for (size_t i = 0; i < c->ndevs; i++)
		if (c->devs[i].snap_ready && c->devs[i].npend == 0)
			(void)dev_snap_flush(c, &c->devs[i], now);
}

int
collector_run(struct collector *c)
{
	struct run r = { 0 };

	r.items = xcalloc(c->ndevs + 1, sizeof *r.items);
	r.who = xcalloc(c->ndevs + 1, sizeof *r.who);
	for (;;) {
		double now = util_monotime();
		long timeout_ms;

		if (s_run_drain(c, &r, now) || s_run_once(c, &r, now))
			break;
		timeout_ms = s_run_pollset(c, &r, now);
		if (zmq_poll(r.items, (int)r.n, timeout_ms) < 0 && errno != EINTR) {
			log_warnx("collector=%s zmq_poll: %s", c->id,
			    zmq_strerror(errno));
			r.rc = 1;
			break;
		}
		s_run_dispatch(c, &r, util_monotime());
		if (collector_reconfig) {
			collector_reconfig = 0;
			if (s_new_conf_valid(c)) {
				/* Drain as for SIGTERM, then main starts over. */
				r.reload = 1;
				collector_quit = 1;
			}
		}
	}
	if (r.reload) {
		collector_quit = 0;
		r.rc = 2;
	}
	if (c->print_failed)
		r.rc = 1;
	push_flush_cursors(c, 1);
	if (c->once) {
		for (size_t i = 0; i < c->ndevs; i++)
			if (c->devs[i].status != DEV_OK)
				r.rc = 1;
	}
	free(r.items);
	free(r.who);
	return r.rc;
}
