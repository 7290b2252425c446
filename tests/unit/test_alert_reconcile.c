/*
 * test_alert_reconcile.c — the alert stage and interface snapshots
 * (analyzer/alerts/alert.h, "Reconciliation" and "Descriptions"): rows that
 * repair what lost lines hid, rows that must change nothing, descriptions,
 * receive times, canonical names, and their persistence.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"

#include "tests/support/tmpdir.h"

#define T0 INT64_C(1700000000000)	/* a device time, ms */
#define RX INT64_C(1700000000500)	/* when the collector read it */

static struct wire_bytes
s_w(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

/* An event with room for its captures (wire_event points into it). */
struct ev {
	struct wire_event   e;
	struct wire_capture cap[2];
};

/* A log line's event, as the analyzer sends it. */
static struct ev
s_line(uint64_t id, const char *ifname, enum ifstate st, int64_t ts)
{
	struct ev v;

	memset(&v, 0, sizeof v);
	v.e.id = id;
	v.e.rule = s_w(st == IF_ADMIN_DOWN ? "ios_admin" : "ios_link");
	v.e.event = s_w(st == IF_UP ? "interface_up" : "interface_down");
	v.e.platform = s_w("cisco_ios");
	v.e.interface = s_w(ifname);
	v.e.state = st;
	v.e.kind = st == IF_ADMIN_DOWN ? IFK_ADMIN : IFK_LINK;
	v.e.severity = s_w(st == IF_UP ? "info" : "critical");
	v.e.ts_ms = ts;
	v.e.ts_raw = s_w("Nov 22 00:48:05.123");
	v.e.line = s_w("%LINK-3-UPDOWN: Interface x, changed state");
	v.e.rx_ms = RX + (int64_t)id;
	return v;
}

/* One row of a snapshot record, as intake turns it into an event. */
static struct ev
s_row(uint64_t id, const char *ifname, enum ifstate st, int64_t ts,
    const char *reason, const char *descr, size_t descrlen)
{
	struct ev v;

	memset(&v, 0, sizeof v);
	v.e.id = id;
	v.e.rule = s_w("snapshot");
	v.e.event = s_w("interface_snapshot");
	v.e.platform = s_w("cisco_ios");
	v.e.interface = s_w(ifname);
	v.e.state = st;
	v.e.kind = IFK_SNAPSHOT;
	v.e.ts_ms = ts;
	v.e.rx_ms = RX + (int64_t)id;
	v.cap[0].name = s_w("reason");
	v.cap[0].value = s_w(reason);
	v.e.ncaptures = 1;
	if (descr) {
		v.cap[1].name = s_w("description");
		v.cap[1].value = (struct wire_bytes){ descr, descrlen };
		v.e.ncaptures = 2;
	}
	return v;
}

/* Apply one event as its own message (the captures are wired here: the
 * struct was copied since it was made). */
static size_t
s_one(struct alert_engine *e, struct ev v, int64_t now,
    struct alert_changes *out)
{
	v.e.captures = v.e.ncaptures ? v.cap : NULL;
	return alert_apply(e, s_w("r1"), &v.e, 1, now, out);
}

static struct alert_engine *
s_engine(int k, uint64_t window, uint64_t stable)
{
	struct alert_conf c = { k, window, stable };

	return alert_new(&c);
}

static const struct alert_iface *
s_if(struct alert_engine *e, const char *name)
{
	return alert_lookup(e, s_w("r1"), s_w(name));
}

static void
s_expect(const struct alert_change *c, enum alert_status st,
    enum alert_type t, enum ifstate s)
{
	cr_assert_eq(c->status, st, "status %s, want %s",
	    alert_strstatus(c->status), alert_strstatus(st));
	cr_assert_eq(c->type, t, "type %s, want %s", alert_strtype(c->type),
	    alert_strtype(t));
	cr_assert_eq(c->state, s, "state %s, want %s", ifstate_str(c->state),
	    ifstate_str(s));
}

#define GI1 "GigabitEthernet0/1"

Test(alert_reconcile, lost_down_then_snapshot_down_fires_once_reconciled)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	cr_assert_eq(out.n, 0);
	/* The down line (id 2) was lost when the buffer wrapped. */
	cr_assert_eq(s_one(e, s_row(3, GI1, IF_DOWN, T0 + 9000, "wrap", NULL, 0),
	    20, &out), 1);
	cr_assert_eq(out.n, 1);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->reconciled, 1);
	cr_assert_str_eq(out.v[0]->reason.p, "wrap");
	cr_assert_eq(out.v[0]->kind, IFK_SNAPSHOT);
	cr_assert_eq(out.v[0]->record_id, 3);
	cr_assert_eq(out.v[0]->device_time, T0 + 9000);
	cr_assert_eq(out.v[0]->starts_at, T0 + 9000);
	cr_assert_eq(out.v[0]->received_at, RX + 3);
	cr_assert_eq(out.v[0]->late, 0);
	cr_assert_str_eq(out.v[0]->severity.p, "critical");
	cr_assert_str_eq(out.v[0]->interface.p, GI1);
	cr_assert_eq(alert_stats(e)->snap_reconciled, 1);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 1);

	/* The next snapshot agrees: still one alert. */
	s_one(e, s_row(9, GI1, IF_DOWN, T0 + 99000, "periodic", NULL, 0), 30,
	    &out);
	cr_assert_eq(out.n, 1);
	/* And the line that brings it up resolves it, not reconciled. */
	s_one(e, s_line(10, "Gi0/1", IF_UP, T0 + 100000), 40, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->reconciled, 0);
	cr_assert_eq(out.v[1]->reason.len, 0);
	cr_assert_eq(out.v[1]->starts_at, T0 + 9000);
	cr_assert_eq(out.v[1]->received_at, RX + 10);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, lost_up_then_snapshot_up_resolves_reconciled)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_DOWN, T0), 10, &out);
	cr_assert_eq(out.n, 1);
	s_one(e, s_row(5, GI1, IF_UP, T0 + 7000, "wrap", NULL, 0), 20, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->reconciled, 1);
	cr_assert_str_eq(out.v[1]->reason.p, "wrap");
	cr_assert_eq(out.v[1]->starts_at, T0, "the alert it ends began at the line");
	cr_assert_eq(out.v[1]->ends_at, T0 + 7000);
	cr_assert_eq(out.v[1]->record_id, 5);
	cr_assert_str_eq(out.v[1]->severity.p, out.v[0]->severity.p);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 0);
	cr_assert_eq(s_if(e, GI1)->state, IF_UP);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, snapshot_agreeing_with_lines_changes_nothing)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	const struct alert_stats *st = alert_stats(e);

	s_one(e, s_line(1, "Gi0/1", IF_DOWN, T0), 10, &out);
	cr_assert_eq(out.n, 1);
	s_one(e, s_row(2, GI1, IF_DOWN, T0 + 1, "start", NULL, 0), 20, &out);
	s_one(e, s_row(3, GI1, IF_DOWN, T0 + 2, "periodic", NULL, 0), 30, &out);
	/* Redelivered: a duplicate, not a second agreement. */
	s_one(e, s_row(3, GI1, IF_DOWN, T0 + 2, "periodic", NULL, 0), 40, &out);
	cr_assert_eq(out.n, 1, "exactly one alert");
	cr_assert_eq(st->snap_agreed, 2);
	cr_assert_eq(st->duplicates, 1);
	cr_assert_eq(st->snap_reconciled, 0);
	cr_assert_eq(s_if(e, GI1)->last_id, 3);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, stale_snapshot_row_does_not_undo_a_newer_down)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	const struct alert_stats *st = alert_stats(e);

	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	s_one(e, s_line(10, "Gi0/1", IF_DOWN, T0 + 10), 20, &out);
	cr_assert_eq(out.n, 1);
	/* A table read before the down, delivered after it. */
	cr_assert_eq(s_one(e, s_row(5, GI1, IF_UP, T0 + 5, "periodic", "old",
	    3), 30, &out), 0);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(s_if(e, GI1)->state, IF_DOWN);
	cr_assert_eq(s_if(e, GI1)->last_id, 10);
	cr_assert_eq(s_if(e, GI1)->descr.len, 0, "a stale row's description is old");
	cr_assert_eq(st->snap_stale, 1);
	cr_assert_eq(st->stale, 0, "counted apart from stale lines");
	cr_assert_eq(st->late, 0);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 1);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, admin_down_via_snapshot_is_the_milder_alert)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	s_one(e, s_row(2, GI1, IF_ADMIN_DOWN, T0 + 1, "cleared", NULL, 0), 20,
	    &out);
	cr_assert_eq(out.n, 1);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_ADMIN, IF_ADMIN_DOWN);
	cr_assert_str_eq(out.v[0]->severity.p, "info");
	cr_assert_eq(out.v[0]->reconciled, 1);
	cr_assert_str_eq(out.v[0]->reason.p, "cleared");
	/* No shutdown, but the link stays down: admin resolves, down fires. */
	s_one(e, s_row(3, GI1, IF_DOWN, T0 + 2, "periodic", NULL, 0), 30, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_ADMIN, IF_DOWN);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert(out.v[1]->reconciled && out.v[2]->reconciled);
	cr_assert_str_eq(out.v[2]->reason.p, "periodic");
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, unknown_interface_is_a_silent_baseline_then_lines_work)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	const struct alert_stats *st = alert_stats(e);

	cr_assert_eq(s_one(e, s_row(4, GI1, IF_DOWN, T0, "start", NULL, 0), 10,
	    &out), 1);
	s_one(e, s_row(4, "GigabitEthernet0/2", IF_ADMIN_DOWN, T0, "start", NULL,
	    0), 10, &out);
	s_one(e, s_row(4, "GigabitEthernet0/3", IF_UP, T0, "start", NULL, 0), 10,
	    &out);
	cr_assert_eq(out.n, 0, "a port that was always down is no news");
	cr_assert_eq(st->snap_baseline, 3);
	cr_assert_eq(s_if(e, GI1)->state, IF_DOWN);
	cr_assert_eq(s_if(e, GI1)->last_id, 4);
	cr_assert_eq(s_if(e, "GigabitEthernet0/2")->state, IF_ADMIN_DOWN);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 0);

	/* Then lines: up is no alert (none was open), down fires. */
	s_one(e, s_line(5, "Gi0/1", IF_UP, T0 + 1), 20, &out);
	cr_assert_eq(out.n, 0);
	s_one(e, s_line(6, "Gi0/1", IF_DOWN, T0 + 2), 30, &out);
	cr_assert_eq(out.n, 1);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->reconciled, 0);
	s_one(e, s_line(7, "Gi0/3", IF_DOWN, T0 + 3), 40, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	/* A line older than the baseline has nothing to be placed against. */
	s_one(e, s_line(2, "Gi0/2", IF_UP, T0 - 5), 50, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(st->stale, 1);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, snapshot_rows_do_not_count_toward_flapping)
{
	struct alert_engine *e = s_engine(3, 60000, 120000);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_DOWN, T0), 10, &out);
	s_one(e, s_row(2, GI1, IF_UP, T0 + 1000, "wrap", NULL, 0), 20, &out);
	s_one(e, s_line(3, "Gi0/1", IF_DOWN, T0 + 2000), 30, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(s_if(e, GI1)->nflap, 2, "three changes, two of them lines");
	cr_assert_eq(alert_count_open(e, ALERT_T_FLAP), 0);
	/* The third line change within the window is the flap. */
	s_one(e, s_line(4, "Gi0/1", IF_UP, T0 + 3000), 40, &out);
	cr_assert_eq(out.n, 5);
	s_expect(out.v[4], ALERT_FLAPPING, ALERT_T_FLAP, IF_UP);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, snapshot_while_flapping_sets_the_state_the_flap_ends_in)
{
	struct alert_engine *e = s_engine(3, 60000, 1000);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_DOWN, T0), 10, &out);
	s_one(e, s_line(2, "Gi0/1", IF_UP, T0 + 1), 10, &out);
	s_one(e, s_line(3, "Gi0/1", IF_DOWN, T0 + 2), 10, &out);
	s_one(e, s_line(4, "Gi0/1", IF_UP, T0 + 3), 10, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[2], ALERT_FLAPPING, ALERT_T_FLAP, IF_DOWN);
	/* The lines left it up; the table says down: silent for now, and it
	 * does not push the flap's end. */
	s_one(e, s_row(9, GI1, IF_DOWN, T0 + 500, "wrap", NULL, 0), 500, &out);
	cr_assert_eq(out.n, 3);
	cr_assert_eq(s_if(e, GI1)->state, IF_DOWN);
	cr_assert_eq(s_if(e, GI1)->nflap, 3);
	cr_assert_eq(alert_next_deadline(e), 10 + 1000);
	alert_tick(e, 1010, &out);
	cr_assert_eq(out.n, 5);
	s_expect(out.v[3], ALERT_RESOLVED, ALERT_T_FLAP, IF_DOWN);
	s_expect(out.v[4], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[4]->reconciled, 1, "the snapshot told the final state");
	cr_assert_eq(out.v[4]->record_id, 9);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, late_line_around_a_snapshot_row_is_placed)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	/* The down line's batch was overtaken by the snapshot that shows it:
	 * when it comes, the down is already reported. */
	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	s_one(e, s_row(20, GI1, IF_DOWN, T0 + 20, "periodic", NULL, 0), 20, &out);
	cr_assert_eq(out.n, 1);
	s_one(e, s_line(12, "Gi0/1", IF_DOWN, T0 + 12), 30, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(alert_stats(e)->late, 1);

	/* A snapshot agreeing with a down hid an up and a down again; the
	 * late up reveals the episode, reported late. */
	s_one(e, s_line(30, "Gi0/2", IF_DOWN, T0 + 30), 40, &out);
	cr_assert_eq(out.n, 2);
	s_one(e, s_row(40, "GigabitEthernet0/2", IF_DOWN, T0 + 40, "periodic",
	    NULL, 0), 50, &out);
	cr_assert_eq(out.n, 2);
	s_one(e, s_line(35, "Gi0/2", IF_UP, T0 + 35), 60, &out);
	cr_assert_eq(out.n, 4);
	s_expect(out.v[2], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	s_expect(out.v[3], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert(out.v[2]->late && out.v[3]->late);
	cr_assert_eq(out.v[3]->record_id, 40);
	cr_assert_eq(out.v[3]->reconciled, 1);
	cr_assert_eq(s_if(e, "GigabitEthernet0/2")->state, IF_DOWN);

	/* A line between the snapshot and a newer line: placed after it. */
	s_one(e, s_line(50, "Gi0/2", IF_UP, T0 + 50), 70, &out);
	cr_assert_eq(out.n, 5);
	/* It was up earlier than reported: placed, nothing to tell. */
	s_one(e, s_line(45, "Gi0/2", IF_UP, T0 + 45), 80, &out);
	cr_assert_eq(out.n, 5);
	cr_assert_eq(alert_stats(e)->late, 3);
	cr_assert_eq(alert_stats(e)->stale, 0);
	alert_changes_clear(&out);
	alert_free(&e);
}

/* ---- descriptions ---- */

Test(alert_reconcile, descriptions_from_rows_and_lines_ride_on_changes)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	struct ev v;

	s_one(e, s_row(1, GI1, IF_UP, T0, "start", "uplink core-1", 13), 10,
	    &out);
	cr_assert_str_eq(s_if(e, GI1)->descr.p, "uplink core-1");
	s_one(e, s_line(2, "Gi0/1", IF_DOWN, T0 + 1), 20, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_str_eq(out.v[0]->description.p, "uplink core-1",
	    "a line without the capture leaves it");
	/* A row without one clears it; the change made by it carries none. */
	s_one(e, s_row(3, GI1, IF_UP, T0 + 2, "periodic", NULL, 0), 30, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(s_if(e, GI1)->descr.len, 0);
	cr_assert_eq(out.v[1]->description.len, 0);
	/* An empty one clears it too. */
	s_one(e, s_row(4, GI1, IF_UP, T0 + 3, "periodic", "x", 1), 40, &out);
	cr_assert_str_eq(s_if(e, GI1)->descr.p, "x");
	s_one(e, s_row(5, GI1, IF_UP, T0 + 4, "periodic", "", 0), 50, &out);
	cr_assert_eq(s_if(e, GI1)->descr.len, 0);
	/* An EOS link line names it. */
	v = s_line(6, "Gi0/1", IF_DOWN, T0 + 5);
	v.cap[0].name = s_w("description");
	v.cap[0].value = s_w("to spine-2");
	v.e.ncaptures = 1;
	s_one(e, v, 60, &out);
	cr_assert_eq(out.n, 3);
	cr_assert_str_eq(out.v[2]->description.p, "to spine-2");
	cr_assert_str_eq(s_if(e, GI1)->descr.p, "to spine-2");
	/* A later change made without a description keeps the latest. */
	s_one(e, s_line(7, "Gi0/1", IF_UP, T0 + 6), 70, &out);
	cr_assert_str_eq(out.v[3]->description.p, "to spine-2");
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, long_description_is_cut_at_a_utf8_boundary)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	size_t n = 10 * 1024;
	char *d = malloc(n);

	cr_assert_not_null(d);
	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	/* 255 ASCII bytes, then "é" (2 bytes) across byte 256, then more. */
	memset(d, 'a', n);
	d[255] = (char)0xc3;
	d[256] = (char)0xa9;
	s_one(e, s_row(2, GI1, IF_UP, T0, "start", d, n), 10, &out);
	cr_assert_eq(s_if(e, GI1)->descr.len, 255);
	cr_assert(memcmp(s_if(e, GI1)->descr.p, d, 255) == 0);

	/* A 3-byte sequence (U+20AC) at 254..256: cut before it. */
	d[254] = (char)0xe2;
	d[255] = (char)0x82;
	d[256] = (char)0xac;
	s_one(e, s_row(3, GI1, IF_UP, T0, "periodic", d, n), 20, &out);
	cr_assert_eq(s_if(e, GI1)->descr.len, 254);

	/* A 4-byte sequence ending exactly at 256 is kept whole. */
	memset(d, 'a', n);
	memcpy(d + 252, "\xf0\x9f\x98\x80", 4);
	s_one(e, s_row(4, GI1, IF_UP, T0, "periodic", d, n), 30, &out);
	cr_assert_eq(s_if(e, GI1)->descr.len, ALERT_MAX_DESCR);
	cr_assert(memcmp(s_if(e, GI1)->descr.p + 252, "\xf0\x9f\x98\x80", 4) == 0);

	/* Plain ASCII is cut at the limit; the change carries the cut one. */
	memset(d, 'b', n);
	cr_assert_eq(out.n, 0);
	s_one(e, s_row(5, GI1, IF_DOWN, T0 + 1, "periodic", d, n), 40, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0]->description.len, ALERT_MAX_DESCR);
	cr_assert_eq(out.v[0]->description.p[ALERT_MAX_DESCR], '\0');
	free(d);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, description_bytes_are_kept_raw)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	static const char raw[] = "a\"}{\\\x01\x1b[2J\n\r\t\x7f\xff\0z";

	s_one(e, s_row(1, GI1, IF_UP, T0, "start", raw, sizeof raw - 1), 10, &out);
	s_one(e, s_line(2, "Gi0/1", IF_DOWN, T0 + 1), 20, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0]->description.len, sizeof raw - 1);
	cr_assert(memcmp(out.v[0]->description.p, raw, sizeof raw - 1) == 0);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert_reconcile, reason_is_bounded_and_copied)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	char reason[1000];
	struct ev v;

	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	s_one(e, s_line(1, "Gi0/1", IF_UP, T0), 10, &out);
	v = s_row(2, GI1, IF_DOWN, T0 + 1, reason, NULL, 0);
	s_one(e, v, 20, &out);
	memset(reason, 'x', sizeof reason - 1);	/* the caller's bytes go away */
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0]->reason.len, ALERT_MAX_FIELD);
	cr_assert_eq(out.v[0]->reason.p[0], 'r');
	alert_changes_clear(&out);
	alert_free(&e);
}

/* ---- names ---- */

Test(alert_reconcile, short_and_canonical_spellings_are_one_interface)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, s_line(1, "Gi0/1", IF_DOWN, T0), 10, &out);
	s_one(e, s_line(2, "GigabitEthernet0/1", IF_UP, T0 + 1), 20, &out);
	s_one(e, s_row(3, "gi0/1", IF_UP, T0 + 2, "periodic", NULL, 0), 30, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(alert_count_ifaces(e), 1);
	cr_assert_null(s_if(e, "Gi0/1"));
	cr_assert_eq(s_if(e, GI1)->last_id, 3);
	alert_changes_clear(&out);
	alert_free(&e);
}

/* ---- persistence ---- */



struct stage {
	struct alertstate        *st;
	struct alert_engine      *e;
	struct alert_changes      outbox;
	struct alertstate_cursors cur;
};

static const struct alert_conf s_conf = { 3, 60000, 1000 };

static void
s_open(struct stage *s, const char *dir)
{
	char err[1024] = "";

	memset(s, 0, sizeof *s);
	s->st = alertstate_open(dir, err, sizeof err);
	cr_assert_not_null(s->st, "open: %s", err);
	s->e = alert_new(&s_conf);
	cr_assert_eq(alertstate_load(s->st, s->e, &s->outbox, &s->cur, err,
	    sizeof err), 0, "load: %s", err);
}

static void
s_close(struct stage *s)
{
	alertstate_free(&s->st);
	alert_free(&s->e);
	alert_changes_clear(&s->outbox);
	alertstate_cursors_free(&s->cur);
}

/* Apply, append to the outbox and commit, as the daemon does; the changes
 * made are also copied to log. */
static void
s_apply(struct stage *s, struct ev v, int64_t now, struct alert_changes *log)
{
	struct alert_changes fresh = { 0 };
	char err[1024];

	s_one(s->e, v, now, &fresh);
	for (size_t i = 0; i < fresh.n; i++) {
		alert_changes_push(&s->outbox, alert_change_dup(fresh.v[i]));
		alert_changes_push(log, alert_change_dup(fresh.v[i]));
	}
	cr_assert_eq(alertstate_commit(s->st, s->e, fresh.v, fresh.n,
	    s->outbox.v, s->outbox.n, &s->cur, err, sizeof err), 0, "commit: %s",
	    err);
	alert_changes_clear(&fresh);
}

static void
s_same_change(const struct alert_change *a, const struct alert_change *b)
{
	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->status, b->status);
	cr_assert_eq(a->type, b->type);
	cr_assert_eq(a->state, b->state);
	cr_assert_eq(a->kind, b->kind);
	cr_assert_eq(a->record_id, b->record_id);
	cr_assert_eq(a->device_time, b->device_time);
	cr_assert_eq(a->starts_at, b->starts_at);
	cr_assert_eq(a->ends_at, b->ends_at);
	cr_assert_eq(a->raised_at, b->raised_at);
	cr_assert_eq(a->received_at, b->received_at);
	cr_assert_eq(a->late, b->late);
	cr_assert_eq(a->reconciled, b->reconciled);
	cr_assert_eq(a->interface.len, b->interface.len);
	cr_assert(memcmp(a->interface.p, b->interface.p, a->interface.len) == 0);
	cr_assert_eq(a->reason.len, b->reason.len);
	cr_assert(memcmp(a->reason.p, b->reason.p, a->reason.len) == 0);
	cr_assert_eq(a->description.len, b->description.len);
	cr_assert(memcmp(a->description.p, b->description.p,
	    a->description.len) == 0);
}

Test(alert_reconcile, new_fields_survive_journal_and_snapshot)
{
	char *dir = tmpdir_new("alertrec");
	struct stage a, b, c;
	struct alert_changes log = { 0 };
	static const char d[] = "core \"1\"\x01\xc3\xa9";
	char err[1024];

	s_open(&a, dir);
	s_apply(&a, s_row(1, GI1, IF_UP, T0, "start", d, sizeof d - 1), 10, &log);
	s_apply(&a, s_row(2, GI1, IF_DOWN, T0 + 1, "wrap", d, sizeof d - 1), 20,
	    &log);
	cr_assert_eq(log.n, 1);
	s_close(&a);

	/* From the journal. */
	s_open(&b, dir);
	cr_assert_eq(b.outbox.n, 1);
	s_same_change(b.outbox.v[0], log.v[0]);
	cr_assert_eq(b.outbox.v[0]->reconciled, 1);
	cr_assert_str_eq(b.outbox.v[0]->reason.p, "wrap");
	cr_assert_eq(b.outbox.v[0]->received_at, RX + 2);
	{
		const struct alert_iface *f = s_if(b.e, GI1);
		cr_assert_not_null(f);
		cr_assert_eq(f->descr.len, sizeof d - 1);
		cr_assert(memcmp(f->descr.p, d, sizeof d - 1) == 0);
		cr_assert_not_null(f->opened);
		s_same_change(f->opened, log.v[0]);
		cr_assert_eq(f->nhist, 1);
		cr_assert_eq(f->hist[0].kind, IFK_SNAPSHOT);
		cr_assert_eq(f->hist[0].cause->reconciled, 1);
	}
	/* Written again as a snapshot (load compacts), read again. */
	cr_assert_eq(alertstate_compact(b.st, b.e, b.outbox.v, b.outbox.n, &b.cur,
	    err, sizeof err), 0, "%s", err);
	s_close(&b);
	s_open(&c, dir);
	cr_assert_eq(c.outbox.n, 1);
	s_same_change(c.outbox.v[0], log.v[0]);
	cr_assert_eq(s_if(c.e, GI1)->descr.len, sizeof d - 1);
	s_same_change(s_if(c.e, GI1)->opened, log.v[0]);
	s_close(&c);
	alert_changes_clear(&log);
	tmpdir_remove(dir);
	free(dir);
}

/* The events of a day with lost lines and snapshots, in arrival order. */
static struct ev
s_script(size_t i)
{
	switch (i) {
	case 0: return s_row(1, GI1, IF_UP, T0, "start", "uplink", 6);
	case 1: return s_row(1, "GigabitEthernet0/2", IF_DOWN, T0, "start", NULL, 0);
	case 2: return s_line(2, "Gi0/1", IF_DOWN, T0 + 10);
	case 3: return s_row(5, GI1, IF_UP, T0 + 50, "wrap", "uplink", 6);
	case 4: return s_row(5, "GigabitEthernet0/2", IF_UP, T0 + 50, "wrap",
	    NULL, 0);
	case 5: return s_line(3, "Gi0/1", IF_UP, T0 + 30);	/* late */
	case 6: return s_line(6, "Gi0/1", IF_DOWN, T0 + 60);
	case 7: return s_line(7, "Gi0/1", IF_UP, T0 + 70);
	case 8: return s_line(8, "Gi0/1", IF_DOWN, T0 + 80);
	case 9: return s_row(9, GI1, IF_UP, T0 + 90, "periodic", "uplink 2", 8);
	case 10: return s_row(4, "GigabitEthernet0/2", IF_DOWN, T0 + 40,
	    "periodic", NULL, 0);			/* stale */
	default: return s_line(10, "Gi0/2", IF_DOWN, T0 + 100);
	}
}
#define SCRIPT_N 12

Test(alert_reconcile, restart_replay_is_deterministic)
{
	char *dir = tmpdir_new("alertrec");
	struct alert_changes one = { 0 }, two = { 0 }, redo = { 0 };
	struct stage a, b;
	char err[1024];

	/* Straight through, no restart. */
	s_open(&a, dir);
	for (size_t i = 0; i < SCRIPT_N; i++)
		s_apply(&a, s_script(i), 100 + (int64_t)i, &one);
	alert_tick(a.e, 100000, &one);
	s_close(&a);
	tmpdir_remove(dir);
	free(dir);
	cr_assert_geq(one.n, 4);

	/* With a restart after every event, and every event delivered
	 * twice (the ack was lost): the same changes, nothing more. */
	dir = tmpdir_new("alertrec");
	for (size_t i = 0; i < SCRIPT_N; i++) {
		s_open(&b, dir);
		s_apply(&b, s_script(i), 100 + (int64_t)i, &two);
		s_close(&b);
		s_open(&b, dir);
		s_apply(&b, s_script(i), 100 + (int64_t)i, &redo);
		s_close(&b);
	}
	s_open(&b, dir);
	{
		struct alert_changes t = { 0 };
		alert_tick(b.e, 100000, &t);
		for (size_t i = 0; i < t.n; i++)
			alert_changes_push(&two, alert_change_dup(t.v[i]));
		alert_changes_clear(&t);
	}
	cr_assert_eq(alertstate_compact(b.st, b.e, b.outbox.v, b.outbox.n,
	    &b.cur, err, sizeof err), 0, "%s", err);
	s_close(&b);
	cr_assert_eq(redo.n, 0, "a redelivered event changes nothing");
	cr_assert_eq(two.n, one.n);
	for (size_t i = 0; i < one.n; i++)
		s_same_change(two.v[i], one.v[i]);
	alert_changes_clear(&one);
	alert_changes_clear(&two);
	alert_changes_clear(&redo);
	tmpdir_remove(dir);
	free(dir);
}
