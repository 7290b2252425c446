/*
 * device_snap.c — interface-table snapshots (collector/ifsnap.h): when a
 * device's table is read, the poll that reads it, and the REC_SNAPSHOT
 * record that carries it on the device's record stream.
 *
 * A snapshot is its own poll on the device's session: the session's
 * command becomes ifsnap_command() (and, on Junos, ifsnap_descr_command()
 * in a second poll), in shell and exec-channel sessions alike, and the
 * next log poll's dev_choose_read() sets the log command again. It runs
 * right after a log poll (same turn: no later line of the device is read
 * before it) when one is due:
 *   start     the first log poll of a fresh session: after the collector's
 *             start and after a failed poll (the reconnect that follows a
 *             failure). A non-persistent session's connect at every poll
 *             is no fresh start: nothing was lost in between;
 *   <gap>     a log poll pushed a gap record; the tag is the gap's reason
 *             (wrap, cleared, reload);
 *   periodic  collector.snapshot_interval passed since the last one (0:
 *             never); so it comes at the first log poll after that time.
 * A log poll whose records could not all be pushed (no room downstream)
 * puts the snapshot off to the first log poll that pushes everything: the
 * held records are read again then and take the next ids, so a table read
 * now would go before lines that happened before it, and the alert stage,
 * learning an interface from the table, would take the down line that
 * follows for old news and never fire. No line read after the table goes
 * before it either: the table is the last thing of its poll.
 *
 * The record (a batch of its own, rx_ms = ts_ms = when the table was
 * read) takes the next id of the device's cursor once nothing of the
 * device is in flight (cursor_add_snapshot()); the id is written to the
 * cursor file before the record is sent (--print: at once; a daemon: the
 * next push_flush_cursors() round, within a second), so no id is ever
 * handed out twice (cursor.h). It is acked and sent again like any batch.
 * While it waits (for the ack of the device's batch before it, for room,
 * for the write), the device's later records wait too.
 *
 * Metrics: loghaul_collector_snapshots_total{device,result}: "ok" when a
 * snapshot was sent (printed), "failed" when the device refused the
 * command or the record could not be encoded; and
 * loghaul_collector_snapshot_interfaces{device}, the last one's rows.
 *
 * A device that rejects the command (the reply has no table header) gets
 * one log line, result="failed" in the metric, and keeps working from log
 * lines; it is asked again at the next periodic time only. A snapshot
 * poll that fails on the session is a failed poll.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/archive.h"
#include "collector/collector.h"
#include "collector/platform.h"
#include "common/conf.h"
#include "common/inventory.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/wire.h"

void
dev_snap_setup(struct collector *c, struct dev *d, double now)
{
	uint64_t iv = c->conf->collector.snapshot_interval_ms;
	const char *name = d->host->name;

	d->phase = DEV_PHASE_LOG;
	d->rl_snap.interval = 3600;
	if (ifsnap_command(d->pf->id) == NULL)
		return;		/* no table known for the platform: none */
	d->snap_why = WIRE_SNAP_START;
	d->snap_next = iv > 0 ? now + (double)iv / 1000.0 : 0;
	if (c->m.reg) {
		d->m_snap_ok = metrics_series(c->m.snaps,
		    (const char *const[]){ name, "ok" });
		d->m_snap_fail = metrics_series(c->m.snaps,
		    (const char *const[]){ name, "failed" });
		d->m_snap_ifs = metrics_series1(c->m.snap_ifs, name);
	}
}

void
dev_snap_free(struct dev *d)
{
	ifsnap_free(&d->snap);
	free(d->snap_rows);
	d->snap_rows = NULL;
	d->snap_cap = 0;
	d->snap_ready = 0;
}

void
dev_snap_fresh(struct dev *d)
{
	/* A gap's snapshot still due says more than "start". */
	if (ifsnap_command(d->pf->id) != NULL && d->snap_why == NULL)
		d->snap_why = WIRE_SNAP_START;
}

void
dev_snap_note(struct collector *c, struct dev *d, size_t n)
{
	if (ifsnap_command(d->pf->id) == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		if (c->cb.recs[i].kind != REC_GAP)
			continue;
		/* The first gap of the poll names it; a start gives way. */
		if (d->snap_why == NULL ||
		    strcmp(d->snap_why, WIRE_SNAP_START) == 0)
			d->snap_why = dev_gap_reason(&c->cb, i);
		return;
	}
}

/* The tag of the snapshot due now, or NULL. */
static const char *
s_due(const struct collector *c, const struct dev *d, double now)
{
	int periodic = d->snap_next > 0 && now >= d->snap_next;

	if (c->print_failed || d->snap_ready || d->held > 0 ||
	    ifsnap_command(d->pf->id) == NULL)
		return NULL;
	if (d->snap_refused)
		return periodic ? WIRE_SNAP_PERIODIC : NULL;
	if (d->snap_why != NULL)
		return d->snap_why;
	return periodic ? WIRE_SNAP_PERIODIC : NULL;
}

static int
s_run(struct dev *d, const char *cmd, enum dev_phase phase, double now)
{
	if (sshc_set_command(d->s, cmd) != 0 || sshc_start_poll(d->s, now) != 0) {
		d->phase = DEV_PHASE_LOG;
		(void)sshc_set_command(d->s, NULL);
		return 0;
	}
	d->phase = phase;
	return 1;
}

int
dev_snap_start(struct collector *c, struct dev *d, double now)
{
	const char *why = s_due(c, d, now);

	if (why == NULL)
		return 0;
	d->snap_tag = why;
	return s_run(d, ifsnap_command(d->pf->id), DEV_PHASE_TABLE, now);
}

/* The next periodic time counts from this attempt. */
static void
s_attempted(struct collector *c, struct dev *d, double now)
{
	uint64_t iv = c->conf->collector.snapshot_interval_ms;

	d->snap_why = NULL;
	d->snap_next = iv > 0 ? now + (double)iv / 1000.0 : 0;
	d->phase = DEV_PHASE_LOG;
	(void)sshc_set_command(d->s, NULL);
}

/*
 * What the device answered, for the log: its first line that says
 * something (not blank, not the caret under the command), made printable
 * and cut short.
 */
static void
s_reply(const char *out, size_t len, char *buf, size_t size)
{
	const char *p = out, *end = out + len, *nl;
	size_t n, k = 0;

	buf[0] = '\0';
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		for (k = 0; k < n && p[k] != '\0' &&
		    strchr(" \t\r^", p[k]) != NULL; k++)
			;
		if (k == n)
			continue;
		k = 0;
		for (size_t i = 0; i < n && k + 1 < size; i++)
			buf[k++] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' ?
			    p[i] : '?';
		while (k > 0 && buf[k - 1] == '?')
			k--;	/* a CR */
		buf[k] = '\0';
		return;
	}
}

static void
s_refused(struct collector *c, struct dev *d, const char *err,
    const char *out, size_t len, double now)
{
	char reply[121];

	d->snaps_failed++;
	if (c->m.reg)
		metrics_inc(d->m_snap_fail);
	s_reply(out, len, reply, sizeof reply);
	if (!d->snap_refused)
		log_warnx("device=%s snapshot=failed command=\"%s\" reason=\"%s\" "
		    "reply=\"%s\": interface states come from log lines only; "
		    "asked again every collector.snapshot_interval",
		    d->host->name, sshc_command(d->s), err, reply);
	d->snap_refused = 1;
	s_attempted(c, d, now);
}

static void
s_rows(struct dev *d)
{
	static const enum wire_ifrow_state map[] = {
		[IFSNAP_UNKNOWN] = WIRE_IFROW_UNKNOWN,
		[IFSNAP_UP] = WIRE_IFROW_UP,
		[IFSNAP_DOWN] = WIRE_IFROW_DOWN,
	};

	if (d->snap.nrows > d->snap_cap) {
		d->snap_cap = d->snap.nrows;
		d->snap_rows = xrealloc(d->snap_rows,
		    d->snap_cap * sizeof *d->snap_rows);
	}
	for (size_t i = 0; i < d->snap.nrows; i++) {
		const struct ifsnap_row *r = &d->snap.rows[i];

		d->snap_rows[i] = (struct wire_ifrow){
			.name = wire_str(r->name),
			.descr = { r->descr, r->descr_len },
			.admin = map[r->admin],
			.oper = map[r->oper],
		};
	}
}

/* The table is read whole: keep it as the record to send. */
static void
s_taken(struct collector *c, struct dev *d, double now)
{
	s_rows(d);
	d->snap_ready = 1;
	if (d->snap_refused)
		log_info("device=%s snapshot=ok command='%s': the device answers "
		    "the interface table again", d->host->name,
		    sshc_command(d->s));
	d->snap_refused = 0;
	log_debug("device=%s snapshot=ok reason=%s interfaces=%zu skipped=%zu",
	    d->host->name, d->snap_tag, d->snap.nrows, d->snap.nskipped);
	s_attempted(c, d, now);
	(void)dev_snap_flush(c, d, now);
}

int
dev_snap_done(struct collector *c, struct dev *d, const char *out, size_t len,
    double now)
{
	enum platform_id p = d->pf->id;
	char err[256];

	if (d->phase == DEV_PHASE_TABLE) {
		d->snap_ms = util_wallms();
		if (ifsnap_parse(p, out, len, &d->snap, err, sizeof err) != 0) {
			s_refused(c, d, err, out, len, now);
			return 0;
		}
		if (ifsnap_descr_command(p) != NULL)
			return s_run(d, ifsnap_descr_command(p),
			    DEV_PHASE_DESCR, now);
	} else if (ifsnap_add_descr(p, &d->snap, out, len, err,
	    sizeof err) != 0) {
		/* Sent without them, the rows would clear every description. */
		s_refused(c, d, err, out, len, now);
		return 0;
	}
	s_taken(c, d, now);
	return 0;
}

/* The record of the snapshot taken, under id. */
static struct wire_rec
s_rec(const struct dev *d, uint64_t id)
{
	return (struct wire_rec){
		.id = id,
		.kind = REC_SNAPSHOT,
		.ts_ms = d->snap_ms,
		.ts_raw = wire_str(""),
		.tag = wire_str(d->snap_tag),
		.line = wire_str(""),
		.nifs = d->snap.nrows,
		.ifs = d->snap_rows,
	};
}

/* Sent (or printed). */
static void
s_sent(struct collector *c, struct dev *d)
{
	struct wire_rec r = s_rec(d, d->snap_id);

	if (archive_write(d->archive_fd, &r, 1) != 0 && log_ratelimit(&d->rl))
		log_warn("device=%s archive write", d->host->name);
	d->snap_ready = 0;
	d->snap_id = 0;
	d->snaps_ok++;
	if (c->m.reg) {
		metrics_inc(d->m_snap_ok);
		metrics_set(d->m_snap_ifs, (double)d->snap.nrows);
	}
}

static void
s_lost(struct collector *c, struct dev *d, const char *why)
{
	d->snap_ready = 0;
	d->snap_id = 0;
	d->snaps_failed++;
	if (c->m.reg)
		metrics_inc(d->m_snap_fail);
	if (log_ratelimit(&d->rl_snap))
		log_warnx("device=%s snapshot=failed reason='%s': dropped",
		    d->host->name, why);
}

/*
 * Take the snapshot's id (cursor_add_snapshot(): the cursor counts it
 * delivered, and must be written before it is sent). 1 while it cannot:
 * the device's batches before it are not all acked, or no room.
 */
static int
s_reserve(struct collector *c, struct dev *d)
{
	uint32_t from = cursor_sent(d->cur)->counter;
	uint64_t id;
	char err[256];

	if (!c->print && (d->npend > 0 || !push_has_room(c)))
		return 1;
	if (cursor_inflight(d->cur) > 0)
		return 1;
	id = cursor_snapshot_id(d->cur);
	if (id == 0) {
		cursor_next_epoch(d->cur, util_wallms());
		from = cursor_sent(d->cur)->counter;
		id = cursor_snapshot_id(d->cur);
	}
	if (cursor_add_snapshot(d->cur, id) != CERR_OK)
		return 1;
	dev_incr_counter_moved(d, from);
	d->snap_id = id;
	d->snap_save_errors = cursor_stats(d->cur)->save_errors;
	/* --print: written now (a daemon's next flush round writes it). */
	if (c->print && cursor_path(d->cur) != NULL)
		(void)cursor_save(d->cur, err, sizeof err);
	return 0;
}

/* The cursor file holds the id, or cannot be written (it says so). */
static int
s_written(const struct dev *d)
{
	return cursor_path(d->cur) == NULL || !cursor_dirty(d->cur) ||
	    cursor_stats(d->cur)->save_errors > d->snap_save_errors;
}

static int
s_print(struct collector *c, struct dev *d)
{
	struct wire_rec r = s_rec(d, d->snap_id);

	if (print_snapshot(c, d, &r, d->snap.nskipped) != 0) {
		/* as for records: stop, nothing more is delivered */
		c->print_failed = 1;
		collector_quit = 1;
		d->snap_ready = 0;
		d->snap_id = 0;
		return 0;
	}
	s_sent(c, d);
	return 0;
}

int
dev_snap_flush(struct collector *c, struct dev *d, double now)
{
	struct wire_rec r;
	struct wire_batch wb;

	if (!d->snap_ready)
		return 0;
	if (d->snap_id == 0 && s_reserve(c, d) != 0)
		return 1;
	if (c->print)
		return s_print(c, d);
	if (!s_written(d))
		return 1;	/* push_flush_cursors() writes it */
	r = s_rec(d, d->snap_id);
	wb = (struct wire_batch){
		.key = {
			.collector = wire_str(c->id),
			.device = wire_str(d->host->name),
			.first_id = r.id,
			.last_id = r.id,
		},
		.platform = wire_str(d->pf->name),
		.rx_ms = d->snap_ms,
		.nrecs = 1,
		.recs = &r,
	};
	buf_reset(&c->frame);
	if (wire_encode_batch(&c->frame, &wb) != CERR_OK) {
		s_lost(c, d, "the record cannot be encoded");
		return 0;
	}
	if (push_batch(c, d, r.id, r.id, now) != 0)
		return 1;	/* no analyzer took it: again later, same id */
	s_sent(c, d);
	return 0;
}
