/*
 * collector.h — the collector daemon's private structures, shared by its
 * modules: device (per-device poll results), push (ZeroMQ out, acks in,
 * re-sends), loop (the poll() loop) and main (arguments, supervisor).
 *
 * One collector process drives all of its devices' SSH sessions from one
 * thread (sshc is non-blocking). A device's poll output becomes records
 * (logparse + cursor), records become batches, batches are pushed and kept
 * until acked; a batch unacked after ack_timeout is sent again. A device
 * has one batch in flight at a time, so that its batches reach the alert
 * stage in record-id order; what follows waits in the device's buffer and
 * the ack fetches it. The device's cursor is persisted only for acked
 * batches. Besides its log, a device's interface table is read now and
 * then (device_snap.c) and sent as a REC_SNAPSHOT record in the same
 * stream of record ids.
 */
#ifndef LOGHAUL_COLLECTOR_H
#define LOGHAUL_COLLECTOR_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "collector/backoff.h"
#include "collector/cursor.h"
#include "collector/ifsnap.h"
#include "collector/logparse.h"
#include "collector/sshc.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/mq.h"

struct conf;
struct inventory;
struct inv_host;
struct metrics;
struct metrics_http;
struct metrics_series;
struct metrics_family;
struct sched;

/* One batch pushed and not yet acknowledged. */
struct pending {
	struct pending *next;
	uint64_t first_id, last_id;
	double   sent_at;	/* monotonic */
	unsigned resends;
	size_t   len;
	char    *frame;		/* the encoded frame, sent again as it is */
};

enum dev_status { DEV_NEVER, DEV_OK, DEV_FAILED };

/*
 * How a poll read the device's buffer: all of it (first poll, after a
 * restart or any doubt, every collector.full_read_every polls), only what
 * follows the cursor (the platform's `| begin` filter), or all of it in
 * the same poll because the incremental reply did not prove itself.
 */
#define DEV_READ_MAP(X)                    \
	X(FULL,        "full")             \
	X(INCREMENTAL, "incremental")      \
	X(FALLBACK,    "fallback")

enum dev_read {
#define DEV_READ_ENUM(name, str) DEV_READ_##name,
	DEV_READ_MAP(DEV_READ_ENUM)
#undef DEV_READ_ENUM
	DEV_READ__COUNT
};

/*
 * Which command a device's poll in progress runs: the log (or its
 * incremental filter), or a snapshot's interface table, or (Junos) the
 * table's descriptions (device_snap.c), or the clock on an exec channel
 * (clockcheck.c).
 */
enum dev_phase { DEV_PHASE_LOG, DEV_PHASE_TABLE, DEV_PHASE_DESCR,
	DEV_PHASE_CLOCK };

/* The cursor's last entry, as the filter of the next incremental read. */
#define DEV_NEEDLE_MAX	256

struct dev {
	size_t                 idx;
	const struct inv_host *host;	/* borrowed from the inventory */
	const struct platform *pf;
	struct sshc           *s;
	struct cursor         *cur;
	struct tzfile         *tz;	/* data.loghaul.timezone; NULL: none */
	struct backoff         bo;
	uint64_t               interval_ms;
	int                    busy;	/* a poll is in progress */
	int                    queued;	/* waiting for a session slot */
	double                 poll_started;	/* monotonic */

	/* incremental reads */
	int                    incr;	/* collector.incremental / data.loghaul */
	int                    incr_rejected;	/* the device refused the filter */
	int                    full_done;	/* a full read since the start */
	unsigned               since_full;	/* polls since the last full read */
	enum dev_read          read;	/* of the poll in progress */
	uint32_t               needle_epoch, needle_counter;	/* of cursor_sent */
	uint16_t               needle_len;	/* 0: no needle */
	char                   needle[DEV_NEEDLE_MAX];
	uint64_t               reads[DEV_READ__COUNT];	/* polls by read */
	uint64_t               read_bytes[DEV_READ__COUNT];

	struct pending        *pend_head, *pend_tail;
	size_t                 npend;

	/* the last poll */
	enum dev_status        status;
	enum cerr              last_err;
	char                   last_msg[256];
	double                 last_dur;	/* seconds */
	int64_t                last_wall_ms;
	uint64_t               last_new;	/* records the last poll added */
	size_t                 held;	/* records the last poll could not push */
	unsigned               polls_done;	/* finished polls, ok or not */

	/* totals */
	uint64_t               polls_ok, polls_failed;
	uint64_t               records, gaps, bytes, cut, truncated;

	struct log_ratelimit   rl;
	struct log_ratelimit   rl_trunc;	/* "entry cut to 1 MiB" lines */
	int                    archive_fd;	/* -1: no archive */
	struct metrics_series *m_lines, *m_bytes, *m_poll_ok, *m_poll_fail;
	struct metrics_series *m_last_ok;

	/* device_snap.c: interface-table snapshots */
	enum dev_phase         phase;	/* of the poll in progress */
	const char            *snap_why;	/* one is due: its tag; NULL none */
	double                 snap_next;	/* monotonic: periodic; 0 off */
	int                    snap_refused;	/* the device refused: periodic only */
	int                    snap_ready;	/* taken, waits to be pushed */
	uint64_t               snap_id;	/* its id, once taken; 0 before */
	uint64_t               snap_save_errors;	/* cursor's, then */
	const char            *snap_tag;	/* of the one taken */
	int64_t                snap_ms;	/* wall clock when it was read */
	struct ifsnap          snap;
	struct wire_ifrow     *snap_rows;	/* borrow from snap */
	size_t                 snap_cap;
	uint64_t               snaps_ok, snaps_failed;
	struct log_ratelimit   rl_snap;
	struct metrics_series *m_snap_ok, *m_snap_fail, *m_snap_ifs;

	/* clockcheck.c */
	double                 clock_next;	/* monotonic: next clock check */
	int                    clock_measured, clock_warned, clock_zone_hint;
	int                    clock_due;	/* exec channel: a clock poll */
	int64_t                clock_skew_ms;
	struct devtime_zone    zone;	/* a zone word learned from the clock */
	char                   zone_name[32];
	size_t                 nzones;
	struct log_ratelimit   rl_clock;
	struct metrics_series *m_skew;
};

struct collector_metrics {
	struct metrics        *reg;
	struct metrics_http   *http;
	struct metrics_family *lines, *bytes, *polls, *gaps, *last_ok;
	struct metrics_family *clock_skew;
	struct metrics_family *snaps, *snap_ifs;
	struct metrics_series *poll_seconds;
	struct metrics_series *sessions_active, *sessions_open, *backlog;
	struct metrics_series *batches_sent, *batches_acked, *batches_resent;
	struct metrics_series *acks_bad, *acks_unknown, *batches_held;
	struct metrics_series *records_cut;
	struct metrics_series *lines_truncated;
	struct metrics_series *reads[DEV_READ__COUNT];
	struct metrics_series *read_bytes[DEV_READ__COUNT];
	struct metrics_series *filter_rejected;
};

struct collector {
	struct conf      *conf;
	struct inventory *inv;
	struct dev       *devs;
	size_t            ndevs;
	size_t           *by_name;	/* dev indices sorted by name */
	struct sched     *sched;
	struct sshc_opts  sopts;
	int               shard, nshards;
	char             *id;		/* collector id carried in batches */

	/* modes */
	int               once;		/* poll each device once, then exit */
	FILE             *print;	/* --print: JSON lines here, no push */
	int               print_failed;	/* writing them failed: stop, exit 1 */
	int               progress;	/* show progress on stderr */
	/* Where cursors live; NULL: memory only (--print with no usable dir). */
	const char       *state_dir;
	double            once_deadline;	/* --once: give up on held records */

	/* sessions */
	size_t            active;	/* polls in progress */
	size_t           *ready;	/* ring of devices waiting for a slot */
	size_t            ready_head, ready_len;

	/* transport */
	void             *push, *acks;
	char             *push_ep, *ack_ep;
	struct mq_keypair keys;		/* CURVE, when configured */
	size_t            backlog;	/* pending batches, all devices */
	uint64_t          batches_held;	/* polls whose records waited for room */
	int               holding;	/* the last poll that pushed held records back */
	struct log_ratelimit rl_held, rl_full, rl_resend;
	struct buf        frame;
	double            next_resend_check;
	double            next_flush;

	/* scratch for the poll being processed */
	struct logparse_result pr;
	struct cursor_batch    cb;

	struct collector_metrics m;
	/* for /healthz, read from the HTTP thread (atomics) */
	int64_t           last_ok_ms;	/* wall time of the last good poll */
	int64_t           started_ms;
	uint64_t          max_interval_ms;
	unsigned          once_done;	/* devices whose single poll ended */
};

extern volatile sig_atomic_t collector_quit;
extern volatile sig_atomic_t collector_reconfig;

/* device.c */
int   dev_setup(struct collector *c, struct dev *d, const struct inv_host *h,
    size_t idx);
void  dev_teardown(struct dev *d);
struct dev *dev_find(struct collector *c, const char *name, size_t len);
/* Before a poll starts: full or incremental read, and its command. */
void  dev_choose_read(struct collector *c, struct dev *d);
/*
 * A poll finished with output: parse, make records, push or print them.
 * Returns 1 when an incremental reply did not prove itself: nothing was
 * taken from it, and the whole buffer must be read now (d->read is then
 * DEV_READ_FALLBACK and the session's command the platform's); else 0.
 */
int   dev_poll_done(struct collector *c, struct dev *d, const char *out,
    size_t len, double now);
/* device_incr.c: an incremental reply proved nothing: say why, read all. */
void  dev_incr_unproven(struct collector *c, struct dev *d, const char *out,
    size_t len);
/* After a poll's records went out: keep the cursor's last entry. */
void  dev_incr_note(struct collector *c, struct dev *d, size_t pushed);
/* "full", "incremental", "fallback" */
const char *dev_read_str(enum dev_read r);
void  dev_poll_failed(struct collector *c, struct dev *d, double now);

/*
 * device_snap.c. A snapshot is its own poll on the device's session, run
 * right after a log poll (see the file's comment for when).
 */
void  dev_snap_setup(struct collector *c, struct dev *d, double now);
void  dev_snap_free(struct dev *d);
/* After a log poll pushed (or printed) n records: a gap asks for one. */
void  dev_snap_note(struct collector *c, struct dev *d, size_t n);
/* The session failed: the next session starts fresh. */
void  dev_snap_fresh(struct dev *d);
/* After a log poll: start a snapshot poll if one is due; 1 if started. */
int   dev_snap_start(struct collector *c, struct dev *d, double now);
/* A snapshot poll finished: 1 when it started another (Junos). */
int   dev_snap_done(struct collector *c, struct dev *d, const char *out,
    size_t len, double now);
/*
 * Push (or print) the snapshot taken and not yet sent. Returns 0 when
 * nothing waits any more, 1 while it must wait (for the ack of the
 * device's batch, or room): the device's later records wait with it.
 */
int   dev_snap_flush(struct collector *c, struct dev *d, double now);
/* device_incr.c: a snapshot took id counter from; keep the needle valid. */
void  dev_incr_counter_moved(struct dev *d, uint32_t from);

/* clockcheck.c */
/* Before a poll: ask for the device's clock when a check is due. */
void  dev_clock_want(struct collector *c, struct dev *d, double now);
/* After a poll: measure the clock's answer if there was one. */
void  dev_clock_take(struct collector *c, struct dev *d);
/* Exec channel, end of the device's turn: start the clock poll if one is
 * due; 1 if started. */
int   dev_clock_start(struct collector *c, struct dev *d, double now);
/* The clock poll finished: measure its answer. */
void  dev_clock_done(struct collector *c, struct dev *d, const char *out,
    size_t len);

/* push.c */
int   push_open(struct collector *c, char *err, size_t errlen);
void  push_close(struct collector *c);
/* Send one encoded frame for d's records [first, last]; 0 or -1 (no room). */
int   push_batch(struct collector *c, struct dev *d, uint64_t first,
    uint64_t last, double now);
void  push_recv_acks(struct collector *c, double now);
void  push_resend(struct collector *c, double now);
void  push_flush_cursors(struct collector *c, int force);
int   push_has_room(const struct collector *c);

/* Why gap record i of b was made: "wrap", "cleared", "reload". */
const char *dev_gap_reason(const struct cursor_batch *b, size_t i);
/*
 * The parsed entry (in c->pr) that line record i of cb (made from c->pr)
 * came from; NULL for a gap record. Walk i upward with *k starting at
 * cb->first_entry: each call moves *k past the entry it returns.
 */
const struct logparse_entry *dev_rec_entry(const struct collector *c,
    const struct cursor_batch *cb, size_t i, size_t *k);

/* print.c */
/* 0, or -1 when the records could not be written (nothing is delivered). */
int   print_records(struct collector *c, struct dev *d,
    const struct cursor_batch *b);
/* One snapshot record and its rows; 0 or -1 as print_records(). */
int   print_snapshot(struct collector *c, struct dev *d,
    const struct wire_rec *r, size_t nskipped);
void  print_summary(struct collector *c, FILE *f);
void  print_progress(struct collector *c, int final);

/* loop.c */
int   collector_init(struct collector *c, struct conf *conf,
    struct inventory *inv, int shard, int nshards, char *err, size_t errlen);
void  collector_fini(struct collector *c);
/* Run until told to stop (or, with once, until every device is polled). */
int   collector_run(struct collector *c);
/* Shard endpoint: process i of n binds base's port + 2*i (tcp) or base.i. */
char *collector_shard_endpoint(const char *base, int i);

#endif
