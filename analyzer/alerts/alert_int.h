/*
 * alert_int.h — what the engine's files share: alert.c (the state
 * machine, reconciliation), alert_late.c (the per-interface history and
 * the placing of late events), alert_names.c (canonical names),
 * alert_change.c (the change values) and alert_query.c (reading the
 * state). Private to analyzer/alerts/.
 */
#ifndef LOGHAUL_ALERT_INT_H
#define LOGHAUL_ALERT_INT_H

#include <stdint.h>

#include "analyzer/alerts/alert.h"

struct alert_dev {
	struct alert_str  name;
	uint64_t          hw;
	uint64_t          hash;
	int               dirty;
	struct alert_dev *next;
};

struct alert_engine {
	struct alert_conf    conf;
	struct alert_iface **tab;	/* hash buckets, chained */
	size_t               tabsize, nifaces;
	struct alert_dev   **dtab;
	size_t               dtabsize, ndevs;
	struct alert_iface **flapping;	/* interfaces with a flap open */
	size_t               nflapping, capflapping;
	struct alert_iface **histlist;	/* interfaces with a history */
	size_t               nhistlist, caphistlist;
	struct alert_iface **dirty;
	size_t               ndirty, capdirty;
	struct alert_dev   **ddirty;
	size_t               nddirty, capddirty;
	uint64_t             next_seq;
	struct alert_stats   stats;
};

/* ---- alert.c ---- */

/* Decide an opening alert's severity (labels must not change after). */
void     alert_severity_set(struct alert_change *c, enum alert_type t);
/* When a cause happened: its device time, else when it was raised. */
int64_t  alert_cause_time(const struct alert_change *cause);
/* The change an event of f causes (caller owns it). */
struct alert_change *alert_cause_new(const struct alert_iface *f,
    const struct wire_event *ev, int64_t now);

/* Bytes of the prefix of p[0..len) no longer than max that does not end
 * inside a UTF-8 sequence. */
size_t   alert_utf8_cut(const char *p, size_t len, size_t max);
/* The value of the event's capture called name; {NULL, 0} when absent. */
struct wire_bytes alert_capture(const struct wire_event *ev, const char *name);
/* The interface of device called name[0..len), or NULL. */
struct alert_iface *alert_find(struct alert_engine *e,
    const struct alert_str *device, const char *name, size_t len);
/* Give f another name (the key changes; the causes still to be reported
 * take it too, the opened change keeps its own). */
void     alert_iface_rename(struct alert_engine *e, struct alert_iface *f,
    const char *name, size_t len);
/* Forget f altogether. */
void     alert_iface_drop(struct alert_engine *e, struct alert_iface *f);

/* ---- alert_names.c ---- */

#define ALERT_CANON_BUF (ALERT_MAX_IFNAME + 1)
/*
 * The canonical name of raw for platform (common/ifname.h), written to out
 * (ALERT_CANON_BUF bytes) when it differs; else raw itself.
 */
struct wire_bytes alert_canon_name(struct wire_bytes platform,
    struct wire_bytes raw, char *out);
/*
 * Make every interface's name canonical after a load (state written before
 * names were canonical), merging the records two spellings left behind.
 * *renamed and *merged count what it did.
 */
void     alert_canon_all(struct alert_engine *e, size_t *renamed,
    size_t *merged);

/* ---- alert_late.c ---- */

/* The interfaces with a history, for ageing (e->histlist). */
void     alert_histlist_add(struct alert_engine *e, struct alert_iface *f);
void     alert_histlist_del(struct alert_engine *e, struct alert_iface *f);
/* Forget what is too old or too much; 1 when something was forgotten. */
int      alert_hist_prune(struct alert_engine *e, struct alert_iface *f,
    int64_t now);
/* Insert ev at position i (ids stay increasing; takes cause), then prune. */
void     alert_hist_insert(struct alert_engine *e, struct alert_iface *f,
    uint32_t i, const struct wire_event *ev, enum ifstate eff,
    struct alert_change *cause, int64_t now);
int      alert_hist_has(const struct alert_iface *f, uint64_t id);
/*
 * Place an event older than the interface's last one: 0 when placed
 * (changes for a missed episode appended to out), -1 when stale.
 */
int      alert_late_place(struct alert_engine *e, struct alert_iface *f,
    const struct wire_event *ev, int64_t now, struct alert_changes *out);

#endif
