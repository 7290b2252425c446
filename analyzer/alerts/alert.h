/*
 * alert.h — the alert stage's state machine: one state per (device,
 * interface), fed with the events of WIRE_EVENTS messages, producing alert
 * changes (firing, resolved, flapping) for the outputs.
 *
 * Ordering is decided by the device's record id, never by arrival: every
 * interface remembers the id of the last event applied to it, and an event
 * whose id is not larger changes nothing. Because an event touches exactly
 * one interface, that alone makes redelivery and reordering harmless.
 *
 * Each interface has at most one open alert at a time:
 *   ALERT_T_DOWN   the interface is down (link or line protocol; the link
 *                  and protocol messages of one event are one alert),
 *   ALERT_T_ADMIN  it was shut down by an operator (lower severity),
 *   ALERT_T_FLAP   it changed state flap_changes times within flap_window;
 *                  while flapping, further changes are silent; once no change
 *                  came for flap_stable the flap resolves and the final state
 *                  is reported (a down interface fires again).
 *
 * Late events. Batches of one device can overtake each other on the way
 * (a resent batch arrives after a newer one). Every interface keeps a short
 * history of the events applied to it (at most ALERT_HIST_MAX, none older
 * than ALERT_HIST_KEEP_MS by arrival). An event older than the interface's
 * last one but newer than what the history has forgotten is placed where
 * its record id says: the current state does not change (newer events
 * decided it), but an episode the late event reveals (a down and its up
 * that both happened before the newest event) is reported, each change
 * marked late = 1, in the order it happened. Older still, or one whose
 * placement would rewrite the meaning of later events, is stale: counted,
 * ignored.
 *
 * Reconciliation. An event of kind IFK_SNAPSHOT is one row of the device's
 * interface table, read after the records before it (a gap, the session's
 * start, the periodic snapshot). It is the device's truth, and acts only
 * where loghaul's belief differs:
 *   - an interface the stage has never seen takes the row's state as its
 *     baseline, silently (a port that was always down is no news);
 *   - a row older than the interface's last event (by record id) is stale;
 *   - a row that agrees with the interface's state changes nothing;
 *   - a row that differs makes the transition a line would have made
 *     (fire, resolve, admin), each change marked reconciled = 1 with the
 *     snapshot's reason; it is not counted toward flapping.
 * Interfaces absent from a snapshot are left as they are. A stale row is
 * ignored (the late-event placing is for lines only). Every other row
 * takes the interface's last id, and all but a baseline enter its history
 * like a line, so a late line is placed before or after the snapshot as
 * its id says (a baseline starts the history: nothing older is placed).
 * While a flap is open, a differing row changes the state silently and
 * becomes the flap's last cause, so the flap's end reports the device's
 * state; it does not move the end of the flap.
 *
 * Descriptions. Every interface keeps the latest description the device
 * gave (a snapshot row's, or an event's "description" capture), cut to
 * ALERT_MAX_DESCR bytes; every change carries the interface's description
 * at the time. A snapshot row without one clears it.
 * (Only an event that becomes the interface's newest speaks: a late or
 * stale one does not, nor a line whose capture is absent or empty. The cut
 * never splits a UTF-8 sequence; other bytes are kept as they are.)
 *
 * Names. Interfaces are keyed on the canonical name (common/ifname.h) for
 * the event's platform, whatever the analyzer sent; a state loaded from
 * before canonical names is renamed and its duplicates merged. A
 * resolution names the interface as the alert it ends did when it fired.
 *
 * The engine does no I/O and reads no clock: callers pass "now" (wall-clock
 * milliseconds), so tests are deterministic and a restart replays the same.
 */
#ifndef LOGHAUL_ALERT_H
#define LOGHAUL_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"

#define ALERT_MAX_FLAP    64		/* ceiling for flap_changes */
#define ALERT_MAX_IFNAME  256		/* longer interface names are refused */
#define ALERT_MAX_LINE    8192		/* a longer line is cut in alerts */
#define ALERT_MAX_FIELD   256		/* rule, event, severity, platform, ts_raw */
#define ALERT_MAX_DESCR   256		/* a longer description is cut */
#define ALERT_MAX_IFACES  (1u << 20)	/* interfaces tracked, all devices */
#define ALERT_HIST_MAX    16		/* events remembered per interface */
#define ALERT_HIST_KEEP_MS (10 * 60 * 1000)	/* ... for this long */

enum alert_status {
	ALERT_FIRING   = 1,
	ALERT_RESOLVED = 2,
	ALERT_FLAPPING = 3,
};

enum alert_type {
	ALERT_T_NONE  = 0,
	ALERT_T_DOWN  = 1,
	ALERT_T_ADMIN = 2,
	ALERT_T_FLAP  = 3,
};

/* Owned bytes, always followed by a NUL that len does not count. */
struct alert_str {
	char  *p;
	size_t len;
};

/*
 * One change of one alert: what every output turns into its own format.
 * Owned by whoever holds the pointer; alert_change_free() releases it.
 */
struct alert_change {
	uint64_t          seq;		/* stage-wide, strictly increasing */
	enum alert_status status;
	enum alert_type   type;		/* which alert this is about */
	enum ifstate      state;	/* interface state after the change */
	enum ifkind       kind;		/* kind of the event that caused it */
	struct alert_str  device, interface, rule, event, severity, platform;
	struct alert_str  ts_raw, line;	/* line cut at ALERT_MAX_LINE */
	uint64_t          record_id;	/* the event that caused it */
	int64_t           device_time;	/* that event's ts_ms; 0 unknown */
	int64_t           starts_at;	/* ms: when the alert began */
	int64_t           ends_at;	/* ms: resolved only; else 0 */
	int64_t           raised_at;	/* ms wall clock: when the stage made it */
	int64_t           received_at;	/* ms: when the collector read the
					 * event's line (wire rx_ms); 0 unknown */
	int               late;		/* about the past: from a late event */
	int               reconciled;	/* made by a snapshot, not a line */
	struct alert_str  reason;	/* reconciled: the snapshot's reason
					 * ("wrap", "start", ...); else empty */
	struct alert_str  description;	/* the interface's description;
					 * empty when none is known */
};

/* A growable list of changes; the list owns them. */
struct alert_changes {
	struct alert_change **v;
	size_t                n, cap;
};

struct alert_conf {
	int      flap_changes;		/* K: 2..ALERT_MAX_FLAP; 0 disables */
	uint64_t flap_window_ms;	/* W */
	uint64_t flap_stable_ms;	/* quiet time that ends a flap */
};

/* One applied event in an interface's history. */
struct alert_hist {
	uint64_t             id;
	int64_t              wall;	/* when it was applied */
	enum ifstate         state;	/* what the event said */
	enum ifkind          kind;
	enum ifstate         eff;	/* the interface's state after it */
	struct alert_change *cause;	/* owned */
};

/*
 * The persisted state of one interface. alertstate.c reads and writes it;
 * everybody else treats it as read-only.
 */
struct alert_iface {
	struct alert_str     device, name;
	struct alert_str     descr;	/* latest description; empty: none */
	uint64_t             last_id;	/* record id of the last applied event */
	enum ifstate         state;
	enum alert_type      open;	/* the alert now open */
	struct alert_change *opened;	/* the change that opened it; NULL if none */
	struct alert_change *last;	/* while flapping: the last change's cause */
	int64_t              last_change;	/* event time of the last state change */
	int64_t              last_change_wall;	/* wall time it was applied */
	uint32_t             nflap;	/* entries in flap[], oldest first */
	int64_t             *flap;	/* event times of recent changes (cap K) */
	uint32_t             nhist;	/* entries in hist[], by increasing id */
	struct alert_hist   *hist;	/* cap ALERT_HIST_MAX */
	uint64_t             hist_floor;	/* id of the newest forgotten event */
	enum ifstate         hist_base;	/* the state after it */

	/* engine-private */
	uint64_t             hash;
	struct alert_iface  *next;
	int                  dirty;
	int                  flapping_idx;	/* index in the engine's flap list, -1 */
	int                  hist_idx;	/* index in the engine's history list, -1 */
};

struct alert_stats {
	uint64_t applied;	/* events that changed an interface's last id */
	uint64_t duplicates;	/* id equal to the interface's last id */
	uint64_t stale;		/* too old to place: ignored */
	uint64_t late;		/* older than the last id, placed in history */
	uint64_t ignored;	/* unknown state, empty or oversized interface */
	uint64_t dropped;	/* refused: too many interfaces */
	uint64_t changes;	/* alert changes produced */
	/* Snapshot rows (IFK_SNAPSHOT), by what they did; a row counts in
	 * applied or duplicates too, never in stale or late. */
	uint64_t snap_baseline;		/* first sight of the interface */
	uint64_t snap_agreed;		/* same state: nothing to do */
	uint64_t snap_reconciled;	/* differed: state changed */
	uint64_t snap_stale;		/* older than the last event: ignored */
};

struct alert_engine;

/* Caller owns the engine: alert_free(&e). */
struct alert_engine *alert_new(const struct alert_conf *conf);
void alert_free(struct alert_engine **e);
/* Take a new flap configuration (SIGHUP); values are clamped as in alert_new. */
void alert_setconf(struct alert_engine *e, const struct alert_conf *conf);

/*
 * Apply the events of one message from device, in record-id order (the
 * array is not modified). Changes are appended to out. now_ms is the wall
 * clock, used where an event has no device time. Returns the number of
 * events that were applied (not duplicates, stale or ignored).
 */
size_t alert_apply(struct alert_engine *e, struct wire_bytes device,
    const struct wire_event *evs, size_t nevs, int64_t now_ms,
    struct alert_changes *out);

/* Record that a device's message up to last_id was applied (informational). */
void alert_device_seen(struct alert_engine *e, struct wire_bytes device,
    uint64_t last_id);

/* End the flaps that have been quiet for flap_stable; changes go to out. */
void alert_tick(struct alert_engine *e, int64_t now_ms, struct alert_changes *out);
/* The wall time of the next alert_tick() that can change something;
 * INT64_MAX when none. */
int64_t alert_next_deadline(const struct alert_engine *e);

const struct alert_stats *alert_stats(const struct alert_engine *e);
size_t alert_count_ifaces(const struct alert_engine *e);
size_t alert_count_open(const struct alert_engine *e, enum alert_type t);

/* Look one interface up; NULL when unknown. */
const struct alert_iface *alert_lookup(const struct alert_engine *e,
    struct wire_bytes device, struct wire_bytes iface);

/* Call fn on every interface / every device (persistence, seeding outputs). */
void alert_foreach_iface(const struct alert_engine *e,
    void (*fn)(const struct alert_iface *, void *), void *arg);
void alert_foreach_device(const struct alert_engine *e,
    void (*fn)(const struct alert_str *, uint64_t hw, void *), void *arg);
/* Interfaces and devices changed since the last alert_clear_dirty(). */
void alert_foreach_dirty(const struct alert_engine *e,
    void (*fn_iface)(const struct alert_iface *, void *),
    void (*fn_dev)(const struct alert_str *, uint64_t hw, void *), void *arg);
void alert_clear_dirty(struct alert_engine *e);

/*
 * Restore state (alertstate.c): an interface record (copied; replaces any
 * record of the same key), a device's high-water mark, the next change
 * sequence number. Return 0, or -1 when the record is refused (bad values).
 */
int  alert_restore_iface(struct alert_engine *e, const struct alert_iface *rec);
void alert_restore_device(struct alert_engine *e, struct wire_bytes device, uint64_t hw);
uint64_t alert_next_seq(const struct alert_engine *e);
void alert_restore_seq(struct alert_engine *e, uint64_t next_seq);
/* Drop every interface and device (a bad state file: start empty). */
void alert_reset(struct alert_engine *e);

uint64_t alert_device_hw(const struct alert_engine *e, struct wire_bytes device);

/* Changes: constructors for tests and persistence, copies, lists. */
struct alert_change *alert_change_new(void);
struct alert_change *alert_change_dup(const struct alert_change *c);
void alert_change_free(struct alert_change **c);
void alert_changes_push(struct alert_changes *l, struct alert_change *c);
void alert_changes_clear(struct alert_changes *l);	/* frees the elements */
/* Set s to a copy of len bytes (NULs kept), cut at max bytes. */
void alert_str_set(struct alert_str *s, const void *p, size_t len, size_t max);
void alert_str_free(struct alert_str *s);

/* Names for logs and outputs. */
const char *alert_strstatus(enum alert_status s);	/* firing resolved flapping */
const char *alert_strtype(enum alert_type t);		/* none down admin flap */
const char *alert_name(enum alert_type t);		/* InterfaceDown ... */

#endif
