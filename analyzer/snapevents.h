/*
 * snapevents.h — one row of a REC_SNAPSHOT record (common/wire.h) as the
 * event the alert stage reconciles against (kind IFK_SNAPSHOT).
 *
 * A row becomes one event: rule "snapshot", event "interface_snapshot",
 * the record's id and ts_ms, the batch's platform and rx_ms, ts_raw and
 * line empty. Its state is what the table says: admin down is
 * IF_ADMIN_DOWN whatever the line protocol; else the line protocol, down
 * IF_DOWN, up IF_UP; a line protocol the table did not give (unknown)
 * makes no event, since the stage would have nothing to compare. The
 * interface is canonical for the platform exactly as a line event's is
 * (common/ifname.h): a name ifname does not know keeps the device's
 * spelling, and a name it changed travels raw as the capture
 * "interface_raw". Captures: "reason" (the record's tag: why the table
 * was read) and, when the row has one, "description" (device bytes, any).
 *
 * Sub-interfaces and logical units (a dot after the port: Gi0/1.100,
 * ge-0/0/1.0, Bundle-Ether1.20) make no event. The table lists them with
 * their parent, in the state the parent's fault gives them; reconciling
 * them would double every alert of the parent (Junos' terse table shows
 * ge-0/0/1.0 down with ge-0/0/1), and their own log lines still alert.
 *
 * Severity is what the platform rules give the state a line would report
 * (critical down, warning admin down, info up): the alert a reconciliation
 * opens then carries the labels the same alert opened by a line would,
 * and Alertmanager sees one alert, not two.
 *
 * The caller owns the storage of a batch's events (analyzer/intake.c):
 * this file only fills one event and its captures, borrowing the record's
 * bytes, so it is tested without sockets (tests/unit/test_snapevents.c).
 */
#ifndef LOGHAUL_SNAPEVENTS_H
#define LOGHAUL_SNAPEVENTS_H

#include <stddef.h>

#include "common/ifname.h"
#include "common/wire.h"

#define SNAPEV_MAX_CAPTURES 3	/* reason, description, interface_raw */

/* One row's event. Pointers borrow from the record, or from canon. */
struct snapev {
	struct wire_event   ev;		/* ev.captures points at cap */
	struct wire_capture cap[SNAPEV_MAX_CAPTURES];
	/* The canonical name when ifname changed it: ev.interface points
	 * here, so a caller that keeps the event copies it. */
	char                canon[IFNAME_MAX + 1];
	int                 renamed;	/* ev.interface is canon */
};

enum snapev_result {
	SNAPEV_EVENT   = 0,	/* out holds the row's event */
	SNAPEV_UNKNOWN = 1,	/* line protocol unknown: no event */
	SNAPEV_NONAME  = 2,	/* the row has no name: no event */
	SNAPEV_SUBIF   = 3,	/* a sub-interface or unit: no event */
};

/*
 * Build the event of row i of snapshot record r (kind REC_SNAPSHOT), which
 * came in batch b; platform is b's platform as a C string (the one
 * ifname_canon takes). out is overwritten; valid while r's bytes are.
 */
enum snapev_result snapev_row(const struct wire_batch *b, const char *platform,
    const struct wire_rec *r, size_t i, struct snapev *out);

/* What the severity of a snapshot event of state s is ("info" fallback). */
const char *snapev_severity(enum ifstate s);

#endif
