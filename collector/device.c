/*
 * device.c — what happens to one device's poll: its session and cursor, and
 * turning a finished poll's output into records that are pushed (or, with
 * --print, written out) in batches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector/archive.h"
#include "collector/collector.h"
#include "collector/platform.h"
#include "collector/tzfile.h"
#include "common/conf.h"
#include "common/inventory.h"
#include "common/metrics.h"
#include "common/util.h"
#include "common/wire.h"

int
dev_setup(struct collector *c, struct dev *d, const struct inv_host *h,
    size_t idx)
{
	char err[256];

	memset(d, 0, sizeof *d);
	d->archive_fd = -1;	/* dev_teardown() closes it after any failure */
	d->idx = idx;
	d->host = h;
	d->pf = platform_find(h->platform);
	if (d->pf == NULL) {
		log_warnx("device=%s unknown platform '%s'", h->name, h->platform);
		return -1;
	}
	if (h->timezone != NULL) {
		d->tz = tzfile_load(h->timezone, err, sizeof err);
		if (d->tz == NULL) {
			log_warnx("device=%s data.loghaul.timezone: %s", h->name,
			    err);
			return -1;
		}
	}
	d->s = sshc_new(h, &c->sopts, err, sizeof err);
	if (d->s == NULL) {
		log_warnx("device=%s %s", h->name, err);
		return -1;
	}
	if (c->conf->collector.archive_dir) {
		d->archive_fd = archive_open(c->conf->collector.archive_dir,
		    h->name, err, sizeof err);
		if (d->archive_fd < 0) {
			log_warnx("device=%s %s", h->name, err);
			return -1;
		}
	}
	/* NULL (--print with no usable state dir): memory-only cursors. */
	d->cur = cursor_new(c->state_dir, h->name);
	if (d->cur == NULL)
		return -1;
	/* A damaged or unreadable file is logged there, and set aside. */
	(void)cursor_load(d->cur, 0, err, sizeof err);
	d->interval_ms = h->interval_ms > 0 ? (uint64_t)h->interval_ms :
	    c->conf->collector.interval_ms;
	backoff_init(&d->bo, c->conf->collector.backoff_min_ms,
	    c->conf->collector.backoff_max_ms,
	    util_hash64(h->name, strlen(h->name)) ^ (uint64_t)getpid());
	d->rl.interval = 60;
	d->rl_trunc.interval = 60;
	d->rl_clock.interval = 3600;
	d->incr = h->incremental >= 0 ? h->incremental :
	    c->conf->collector.incremental;
	d->read = DEV_READ_FULL;
	if (c->m.reg) {
		d->m_lines = metrics_series1(c->m.lines, h->name);
		d->m_bytes = metrics_series1(c->m.bytes, h->name);
		d->m_poll_ok = metrics_series(c->m.polls,
		    (const char *const[]){ h->name, "ok" });
		d->m_poll_fail = metrics_series(c->m.polls,
		    (const char *const[]){ h->name, "error" });
		d->m_last_ok = metrics_series1(c->m.last_ok, h->name);
	}
	dev_snap_setup(c, d, util_monotime());
	return 0;
}

void
dev_teardown(struct dev *d)
{
	struct pending *p, *next;

	for (p = d->pend_head; p; p = next) {
		next = p->next;
		free(p->frame);
		free(p);
	}
	d->pend_head = d->pend_tail = NULL;
	d->npend = 0;
	sshc_free(&d->s);
	cursor_free(&d->cur);
	dev_snap_free(d);
	tzfile_free(&d->tz);
	archive_close(&d->archive_fd);
}

static int
s_cmp_name(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r;
	return alen < blen ? -1 : alen > blen;
}

struct dev *
dev_find(struct collector *c, const char *name, size_t len)
{
	size_t lo = 0, hi = c->ndevs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct dev *d = &c->devs[c->by_name[mid]];
		int r = s_cmp_name(name, len, d->host->name);
		if (r == 0)
			return d;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Push b's records in slices of batch_max_records, marking each slice sent
 * as soon as the transport took it. Stops at the first slice there is no
 * room for: the cursor's sent position then stays before it, so the next
 * poll makes the same records again (same ids) from the device's buffer.
 */
static size_t
s_push_records(struct collector *c, struct dev *d, int64_t rx_ms, double now)
{
	struct cursor_batch *b = &c->cb;
	size_t max = (size_t)c->conf->collector.batch_max_records;
	size_t done = 0;

	while (done < b->nrecs) {
		size_t n = b->nrecs - done < max ? b->nrecs - done : max;
		struct wire_rec *r = &b->recs[done];
		struct wire_batch wb = {
			.key = {
				.collector = wire_str(c->id),
				.device = wire_str(d->host->name),
				.first_id = r[0].id,
				.last_id = r[n - 1].id,
			},
			.platform = wire_str(d->pf->name),
			.rx_ms = rx_ms,
			.nrecs = n,
			.recs = r,
		};

		/*
		 * One batch in flight per device. Analyzers take batches in
		 * turn and the alert stage applies a device's events in
		 * record-id order, dropping any older than one it has applied:
		 * a batch that overtook the one before it (another analyzer,
		 * a re-send) would cost that one's alert changes. The rest
		 * waits in the device's buffer; its ack polls the device again.
		 */
		if (d->npend > 0 || !push_has_room(c) || d->snap_ready ||
		    cursor_inflight(d->cur) >= CURSOR_MAX_INFLIGHT)
			break;
		buf_reset(&c->frame);
		if (wire_encode_batch(&c->frame, &wb) != CERR_OK) {
			/* One slice too big for a frame: halve it and retry. */
			if (n > 1) {
				max = n / 2;
				continue;
			}
			log_warnx("device=%s record %llu does not fit a frame; "
			    "skipped", d->host->name, (unsigned long long)r->id);
		} else if (push_batch(c, d, r[0].id, r[n - 1].id, now) != 0) {
			break;
		}
		done += n;
		if (cursor_mark_sent(d->cur, b, done) != CERR_OK)
			break;
	}
	return done;
}

/*
 * A batch holds at most one gap of each poll's verdict (the first gap
 * record, b->gap); any gap after it is a sequence restart found inside the
 * buffer, which cursor_advance() always reports as a reload.
 */
const char *
dev_gap_reason(const struct cursor_batch *b, size_t i)
{
	for (size_t k = 0; k < i && k < b->nrecs; k++)
		if (b->recs[k].kind == REC_GAP)
			return cursor_gap_str(CURSOR_GAP_RELOAD);
	return cursor_gap_str(b->gap);
}

/* Why a poll's records could not all be pushed. */
static const char *
s_held_why(const struct collector *c, const struct dev *d)
{
	if (!push_has_room(c))
		return "the backlog of unacknowledged batches is full";
	if (d->npend > 0)
		return "the device's last batch is not acknowledged yet";
	if (d->snap_ready)
		return "the device's interface snapshot waits to be pushed";
	if (cursor_inflight(d->cur) >= CURSOR_MAX_INFLIGHT)
		return "too many of the device's batches are unacknowledged";
	return "no analyzer is taking batches";
}

static size_t
s_print_records(struct collector *c, struct dev *d)
{
	struct cursor_batch *b = &c->cb;

	if (print_records(c, d, b) != 0) {
		/* The reader is gone (EPIPE) or the disk full: nothing of
		 * this poll counts as delivered; stop rather than poll on. */
		if (!c->print_failed)
			log_warnx("collector=%s writing records to stdout: %s; "
			    "stopping (the cursors stay before them)", c->id,
			    strerror(errno));
		c->print_failed = 1;
		collector_quit = 1;
		return 0;
	}
	if (b->nrecs == 0)
		return 0;
	/* Written to stdout is delivered: advance; the flush writes it. */
	if (cursor_mark_sent(d->cur, b, b->nrecs) == CERR_OK)
		cursor_mark_acked(d->cur, b->recs[b->nrecs - 1].id);
	return b->nrecs;
}

static void s_failed(struct collector *c, struct dev *d, double now,
    enum cerr e, const char *msg);

const struct logparse_entry *
dev_rec_entry(const struct collector *c, const struct cursor_batch *cb,
    size_t i, size_t *k)
{
	const struct logparse_result *pr = &c->pr;
	const struct wire_rec *r = &cb->recs[i];

	if (r->kind == REC_GAP)
		return NULL;
	/* A line record's bytes are its entry's (cursor.c: line = raw). */
	while (*k < pr->nentries && pr->entries[*k].raw.ptr != r->line.ptr)
		(*k)++;
	if (*k == pr->nentries)
		return NULL;
	return &pr->entries[(*k)++];
}

/*
 * Of the n records just forwarded, those whose entry logparse cut to the
 * record ceiling (WIRE_MAX_LINE): counted, and said (rate-limited) with the
 * sizes, since the device's line is then not what the analyzers see. Each
 * poll re-reads the whole buffer: only forwarded records count, so an entry
 * is reported once, not at every poll that still finds it in the buffer.
 */
static void
s_truncated(struct collector *c, struct dev *d, size_t n)
{
	const struct logparse_entry *e;
	size_t k = c->cb.first_entry, ntrunc = 0, largest = 0;

	if (c->pr.ntruncated == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if ((e = dev_rec_entry(c, &c->cb, i, &k)) == NULL ||
		    !(e->flags & LOGPARSE_E_TRUNCATED))
			continue;
		ntrunc++;
		if (e->full_len > largest)
			largest = e->full_len;
	}
	if (ntrunc == 0)
		return;
	d->truncated += ntrunc;
	if (c->m.reg)
		metrics_add(c->m.lines_truncated, ntrunc);
	if (log_ratelimit(&d->rl_trunc)) {
		log_warnx("device=%s truncated %zu log entries to %u bytes "
		    "(longest %zu bytes)%s", d->host->name, ntrunc,
		    (unsigned)WIRE_MAX_LINE, largest, d->rl_trunc.suppressed ?
		    " (earlier ones suppressed)" : "");
		d->rl_trunc.suppressed = 0;
	}
}

/* Bytes of one read, and (when it ends the poll) the poll, by read. */
static void
s_count_read(struct collector *c, struct dev *d, enum dev_read r, size_t len,
    int poll)
{
	d->read_bytes[r] += len;
	if (poll)
		d->reads[r]++;
	if (c->m.reg) {
		metrics_add(c->m.read_bytes[r], len);
		if (poll)
			metrics_inc(c->m.reads[r]);
	}
}

static enum cerr
s_advance(struct collector *c, struct dev *d, int64_t now_ms)
{
	if (d->read == DEV_READ_INCREMENTAL)
		return cursor_advance_incr(d->cur, &c->pr, now_ms, &c->cb);
	return cursor_advance(d->cur, &c->pr, now_ms, &c->cb);
}

/* A finished poll's output, parsed into c->pr. */
static void
s_parse(struct collector *c, struct dev *d, const char *out, size_t len,
    int64_t now_ms)
{
	struct logparse_opts po;

	logparse_opts_init(&po, now_ms);
	po.time.tz = d->tz;
	po.time.zones = &d->zone;
	po.time.nzones = d->nzones;
	/* The prompt came back, so the last line is whole. */
	po.flags |= LOGPARSE_COMPLETE;
	logparse_parse(d->pf->id, out, len, &po, &c->pr);
}

/* The parsed output's records, into c->cb. */
static enum cerr
s_make_records(struct collector *c, struct dev *d, int64_t now_ms)
{
	enum cerr e = s_advance(c, d, now_ms);

	if (e == CERR_RANGE) {
		/* 2^32 ids used up: a new epoch, and the same poll again. */
		cursor_next_epoch(d->cur, now_ms);
		e = s_advance(c, d, now_ms);
	}
	return e;
}

/* Polls since the last full read, which dev_choose_read() goes by. */
static void
s_count_since_full(struct collector *c, struct dev *d)
{
	int every;

	if (d->read == DEV_READ_INCREMENTAL) {
		d->since_full++;
	} else {
		/*
		 * The checks of a fleet started together would all fall on
		 * the same poll: the first one comes after a share of the
		 * period picked by the device's name, spreading them out.
		 */
		every = c->conf->collector.full_read_every;
		d->since_full = d->full_done || every <= 0 ? 0 :
		    (unsigned)(util_hash64(d->host->name,
		    strlen(d->host->name)) % (uint64_t)every);
		d->full_done = 1;
	}
}

/* After a push: records held back (d->held), and their flowing again. */
static void
s_note_held(struct collector *c, struct dev *d, size_t pushed)
{
	if (d->held > 0 && d->npend > 0 && push_has_room(c)) {
		/* Waiting for the ack of its batch: ordinary flow. */
		log_debug("device=%s %zu records wait for the ack of batch "
		    "%llu-%llu", d->host->name, d->held,
		    (unsigned long long)d->pend_head->first_id,
		    (unsigned long long)d->pend_head->last_id);
	} else if (d->held > 0 && d->snap_ready && push_has_room(c)) {
		/* Its snapshot's id is being written: ordinary too. */
		log_debug("device=%s %zu records wait for the device's "
		    "snapshot to be pushed", d->host->name, d->held);
	} else if (d->held > 0) {
		/*
		 * Said at warning level (rate-limited): a collector that
		 * polls and forwards nothing must not look healthy.
		 */
		c->batches_held++;
		if (c->m.reg)
			metrics_inc(c->m.batches_held);
		if (log_ratelimit(&c->rl_held)) {
			log_warnx("collector=%s holding records back: %s "
			    "(%zu batches unacknowledged, max_backlog %d; "
			    "device=%s: %zu records wait, %u more polls "
			    "held since the last line); the devices' "
			    "buffers keep them", c->id, s_held_why(c, d),
			    c->backlog, c->conf->collector.max_backlog,
			    d->host->name, d->held, c->rl_held.suppressed);
			c->rl_held.suppressed = 0;
		}
		c->holding = 1;
	} else if (c->holding && pushed > 0) {
		log_info("collector=%s batches flow again (device=%s pushed "
		    "%zu records)", c->id, d->host->name, pushed);
		c->holding = 0;
	}
}

/* The gaps and lines of the n records forwarded; returns the lines. */
static size_t
s_count_records(struct collector *c, struct dev *d, size_t n)
{
	size_t lines = 0;

	for (size_t i = 0; i < n; i++) {
		if (c->cb.recs[i].kind == REC_GAP) {
			d->gaps++;
			if (c->m.reg)
				metrics_inc(metrics_series(c->m.gaps,
				    (const char *const[]){ d->host->name,
				    dev_gap_reason(&c->cb, i) }));
		} else {
			lines++;
			d->bytes += c->cb.recs[i].line.len;
			if (c->m.reg)
				metrics_add(d->m_bytes, c->cb.recs[i].line.len);
		}
	}
	return lines;
}

/* The counterpart of s_failed(): a poll that made its records. */
static void
s_ok(struct collector *c, struct dev *d, double now, int64_t now_ms,
    size_t len, size_t pushed, size_t lines)
{
	d->last_dur = now - d->poll_started;
	d->last_wall_ms = now_ms;
	d->polls_done++;
	d->records += pushed;
	d->last_new = pushed;
	d->status = DEV_OK;
	d->last_err = CERR_OK;
	d->last_msg[0] = '\0';
	d->polls_ok++;
	backoff_reset(&d->bo);
	if (c->m.reg) {
		metrics_add(d->m_lines, lines);
		metrics_inc(d->m_poll_ok);
		metrics_set(d->m_last_ok, (double)now_ms / 1000.0);
		metrics_observe(c->m.poll_seconds, d->last_dur);
	}
	/* Healthy means harvesting: a poll whose records wait counts not. */
	if (c->print || d->held == 0)
		__atomic_store_n(&c->last_ok_ms, now_ms, __ATOMIC_RELAXED);
	log_debug("device=%s poll ok read=%s bytes=%zu new=%zu cut=%zu "
	    "seconds=%.3f", d->host->name, dev_read_str(d->read), len, pushed,
	    c->pr.ncut, d->last_dur);
}

int
dev_poll_done(struct collector *c, struct dev *d, const char *out, size_t len,
    double now)
{
	int64_t now_ms = util_wallms();
	size_t pushed, lines;
	enum cerr e;

	dev_clock_take(c, d);
	s_parse(c, d, out, len, now_ms);

	/* A snapshot taken before this read goes first: ids stay ordered. */
	(void)dev_snap_flush(c, d, now);
	e = s_make_records(c, d, now_ms);
	if (e == CERR_NOTFOUND && d->read == DEV_READ_INCREMENTAL) {
		/* Not proven: nothing of it is taken; read it all now. */
		s_count_read(c, d, DEV_READ_FALLBACK, len, 0);
		dev_incr_unproven(c, d, out, len);
		return 1;
	}
	d->cut += c->pr.ncut;
	if (c->m.reg && c->pr.ncut)
		metrics_add(c->m.records_cut, c->pr.ncut);
	if (e != CERR_OK) {
		s_failed(c, d, now, e, "cursor: cannot make records of the "
		    "output");
		return 0;
	}
	s_count_read(c, d, d->read, len, 1);
	s_count_since_full(c, d);
	if (c->print) {
		pushed = s_print_records(c, d);
	} else {
		pushed = s_push_records(c, d, now_ms, now);
		d->held = c->cb.nrecs - pushed;
		s_note_held(c, d, pushed);
	}
	dev_incr_note(c, d, pushed);
	dev_snap_note(c, d, pushed);
	s_truncated(c, d, pushed);
	if (archive_write(d->archive_fd, c->cb.recs, pushed) != 0 &&
	    log_ratelimit(&d->rl))
		log_warn("device=%s archive write", d->host->name);
	lines = s_count_records(c, d, pushed);
	s_ok(c, d, now, now_ms, len, pushed, lines);
	return 0;
}

static void
s_failed(struct collector *c, struct dev *d, double now, enum cerr e,
    const char *msg)
{
	d->last_dur = now - d->poll_started;
	d->last_wall_ms = util_wallms();
	d->polls_done++;
	d->status = DEV_FAILED;
	d->last_err = e;
	snprintf(d->last_msg, sizeof d->last_msg, "%s", msg);
	d->polls_failed++;
	d->last_new = 0;
	d->held = 0;
	/* The reconnect that follows is a fresh start (device_snap.c). */
	d->phase = DEV_PHASE_LOG;
	dev_snap_fresh(d);
	if (c->m.reg)
		metrics_inc(d->m_poll_fail);
	if (log_ratelimit(&d->rl)) {
		log_warnx("device=%s poll failed reason=%s seconds=%.3f %s%s",
		    d->host->name, cerr_str(d->last_err), d->last_dur,
		    d->last_msg, d->rl.suppressed ?
		    " (repeated failures suppressed)" : "");
		d->rl.suppressed = 0;
	}
}

void
dev_poll_failed(struct collector *c, struct dev *d, double now)
{
	s_failed(c, d, now, sshc_error(d->s), sshc_errmsg(d->s));
}
