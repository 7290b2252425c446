/*
 * test_alert.c — the alert stage's state machine (analyzer/alerts/alert.c).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/alerts/alert.h"

#define T0 INT64_C(1700000000000)	/* a device time, ms */

static struct wire_bytes
s_w(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

static struct wire_event
s_ev(uint64_t id, const char *ifname, enum ifstate st, enum ifkind k,
    int64_t ts)
{
	struct wire_event e;

	memset(&e, 0, sizeof e);
	e.id = id;
	e.rule = s_w(k == IFK_PROTOCOL ? "ios_lineproto" :
	    k == IFK_ADMIN ? "ios_admin" : "ios_link");
	e.event = s_w(st == IF_UP ? "interface_up" : "interface_down");
	e.platform = s_w("cisco_ios");
	e.interface = s_w(ifname);
	e.state = st;
	e.kind = k;
	e.severity = s_w(st == IF_UP ? "info" : "critical");
	e.ts_ms = ts;
	e.ts_raw = s_w("Nov 22 00:48:05.123");
	e.line = s_w("%LINK-3-UPDOWN: Interface Gi0/1, changed state");
	return e;
}

static struct alert_engine *
s_engine(int k, uint64_t window, uint64_t stable)
{
	struct alert_conf c = { k, window, stable };

	return alert_new(&c);
}

/* Apply one event as its own message. */
static size_t
s_one(struct alert_engine *e, const char *dev, struct wire_event ev,
    int64_t now, struct alert_changes *out)
{
	return alert_apply(e, s_w(dev), &ev, 1, now, out);
}

static void
s_expect(const struct alert_change *c, enum alert_status st,
    enum alert_type t, enum ifstate s)
{
	cr_assert_eq(c->status, st, "status %s, want %s", alert_strstatus(c->status),
	    alert_strstatus(st));
	cr_assert_eq(c->type, t, "type %s, want %s", alert_strtype(c->type),
	    alert_strtype(t));
	cr_assert_eq(c->state, s, "state %s, want %s", ifstate_str(c->state),
	    ifstate_str(s));
}

Test(alert, link_and_protocol_down_are_one_alert)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	struct wire_event evs[4] = {
		s_ev(1, "Gi0/1", IF_DOWN, IFK_LINK, T0),
		s_ev(2, "Gi0/1", IF_DOWN, IFK_PROTOCOL, T0 + 1),
		s_ev(3, "Gi0/1", IF_UP, IFK_LINK, T0 + 5000),
		s_ev(4, "Gi0/1", IF_UP, IFK_PROTOCOL, T0 + 5001),
	};

	cr_assert_eq(alert_apply(e, s_w("r1"), evs, 2, 100, &out), 2);
	cr_assert_eq(out.n, 1);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->kind, IFK_LINK);
	cr_assert_eq(out.v[0]->record_id, 1);
	cr_assert_eq(out.v[0]->starts_at, T0);
	cr_assert_str_eq(out.v[0]->severity.p, "critical");
	cr_assert_str_eq(out.v[0]->interface.p, "GigabitEthernet0/1");
	cr_assert_str_eq(out.v[0]->device.p, "r1");

	cr_assert_eq(alert_apply(e, s_w("r1"), evs + 2, 2, 200, &out), 2);
	cr_assert_eq(out.n, 2, "link up then protocol up resolve once");
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->record_id, 3);
	cr_assert_eq(out.v[1]->starts_at, T0);
	cr_assert_eq(out.v[1]->ends_at, T0 + 5000);
	cr_assert_str_eq(out.v[1]->severity.p, "critical",
	    "a resolution keeps the labels of its alert");
	cr_assert_gt(out.v[1]->seq, out.v[0]->seq);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 0);
	alert_changes_clear(&out);
	alert_free(&e);
	cr_assert_null(e);
}

Test(alert, protocol_down_alone_fires_protocol_up_resolves)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(10, "Gi0/2", IF_UP, IFK_LINK, T0), 1, &out);
	cr_assert_eq(out.n, 0, "first sight of an up interface is no alert");
	s_one(e, "r1", s_ev(11, "Gi0/2", IF_DOWN, IFK_PROTOCOL, T0 + 1), 1, &out);
	cr_assert_eq(out.n, 1);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->kind, IFK_PROTOCOL);
	s_one(e, "r1", s_ev(12, "Gi0/2", IF_UP, IFK_PROTOCOL, T0 + 2), 1, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, link_up_alone_resolves)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(1, "Gi0/3", IF_DOWN, IFK_LINK, T0), 1, &out);
	s_one(e, "r1", s_ev(2, "Gi0/3", IF_UP, IFK_LINK, T0 + 9), 1, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	/* A later protocol up changes nothing. */
	s_one(e, "r1", s_ev(3, "Gi0/3", IF_UP, IFK_PROTOCOL, T0 + 10), 1, &out);
	cr_assert_eq(out.n, 2);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, admin_down_is_its_own_lower_alert)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	struct wire_event shut[2] = {
		s_ev(5, "Gi0/4", IF_ADMIN_DOWN, IFK_ADMIN, T0),
		s_ev(6, "Gi0/4", IF_DOWN, IFK_PROTOCOL, T0 + 1),
	};

	alert_apply(e, s_w("r1"), shut, 2, 1, &out);
	cr_assert_eq(out.n, 1, "shutdown and its line protocol down: one alert");
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_ADMIN, IF_ADMIN_DOWN);
	cr_assert_eq(out.v[0]->kind, IFK_ADMIN);
	cr_assert_str_eq(out.v[0]->severity.p, "info",
	    "admin down is never critical");
	cr_assert_str_eq(alert_name(out.v[0]->type), "InterfaceAdminDown");
	s_one(e, "r1", s_ev(7, "Gi0/4", IF_UP, IFK_LINK, T0 + 2), 1, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_ADMIN, IF_UP);
	cr_assert_str_eq(out.v[1]->severity.p, "info");
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, no_shutdown_with_link_down_turns_admin_into_down)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(1, "Gi0/5", IF_ADMIN_DOWN, IFK_ADMIN, T0), 1, &out);
	s_one(e, "r1", s_ev(2, "Gi0/5", IF_DOWN, IFK_LINK, T0 + 1), 1, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_ADMIN, IF_DOWN);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, shutdown_of_a_down_interface_swaps_alerts)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(1, "Gi0/6", IF_DOWN, IFK_LINK, T0), 1, &out);
	s_one(e, "r1", s_ev(2, "Gi0/6", IF_ADMIN_DOWN, IFK_ADMIN, T0 + 1), 1, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_ADMIN_DOWN);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_ADMIN, IF_ADMIN_DOWN);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, redelivery_changes_nothing)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	struct wire_event msg[2] = {
		s_ev(100, "Gi0/1", IF_DOWN, IFK_LINK, T0),
		s_ev(101, "Gi0/1", IF_DOWN, IFK_PROTOCOL, T0),
	};

	cr_assert_eq(alert_apply(e, s_w("r1"), msg, 2, 1, &out), 2);
	cr_assert_eq(out.n, 1);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(alert_apply(e, s_w("r1"), msg, 2, 2, &out), 0);
	cr_assert_eq(out.n, 1, "a redelivered message raised something");
	cr_assert_eq(alert_stats(e)->duplicates, 6);
	cr_assert_eq(alert_stats(e)->stale, 0);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, older_event_arriving_late_changes_nothing)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(20, "Gi0/1", IF_DOWN, IFK_LINK, T0 + 20), 1, &out);
	s_one(e, "r1", s_ev(21, "Gi0/1", IF_UP, IFK_LINK, T0 + 21), 1, &out);
	cr_assert_eq(out.n, 2);
	/* A batch from before, delivered late (another analyzer). */
	s_one(e, "r1", s_ev(15, "Gi0/1", IF_DOWN, IFK_LINK, T0 + 15), 1, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/1"))->state, IF_UP);
	cr_assert_eq(alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/1"))->last_id, 21);
	/* An older id for another interface is applied: it is new there. */
	s_one(e, "r1", s_ev(16, "Gi0/9", IF_DOWN, IFK_LINK, T0 + 16), 1, &out);
	cr_assert_eq(out.n, 3);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, events_within_a_message_apply_in_record_order)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	struct wire_event msg[3] = {
		s_ev(32, "Gi0/1", IF_UP, IFK_LINK, T0 + 2),
		s_ev(30, "Gi0/1", IF_DOWN, IFK_LINK, T0),
		s_ev(31, "Gi0/1", IF_DOWN, IFK_PROTOCOL, T0 + 1),
	};

	cr_assert_eq(alert_apply(e, s_w("r1"), msg, 3, 1, &out), 3);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->record_id, 30);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->record_id, 32);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, same_interface_name_on_two_devices_is_two_states)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(1, "Gi0/1", IF_DOWN, IFK_LINK, T0), 1, &out);
	s_one(e, "r2", s_ev(1, "Gi0/1", IF_DOWN, IFK_LINK, T0), 1, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(alert_count_ifaces(e), 2);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 2);
	alert_changes_clear(&out);
	alert_free(&e);
}

/* Five changes within the window: four plain changes, then one flap. */
static void
s_flap5(struct alert_engine *e, struct alert_changes *out, uint64_t id0,
    int64_t t0, int64_t now)
{
	for (int i = 0; i < 5; i++)
		s_one(e, "r1", s_ev(id0 + (uint64_t)i, "Gi0/7",
		    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, t0 + i * 1000), now, out);
}

Test(alert, k_changes_in_window_become_one_flapping_alert)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	int64_t now = T0 + 10;

	s_flap5(e, &out, 1, T0, now);
	cr_assert_eq(out.n, 5);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	s_expect(out.v[3], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	s_expect(out.v[4], ALERT_FLAPPING, ALERT_T_FLAP, IF_DOWN);
	cr_assert_str_eq(out.v[4]->severity.p, "warning");
	cr_assert_str_eq(alert_name(out.v[4]->type), "InterfaceFlapping");

	/* A storm of further changes: silent. */
	for (int i = 5; i < 40; i++)
		s_one(e, "r1", s_ev(1 + (uint64_t)i, "Gi0/7",
		    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, T0 + i * 1000), now, &out);
	cr_assert_eq(out.n, 5, "changes while flapping must not be a storm");
	cr_assert_eq(alert_next_deadline(e), now + 120000);

	/* Not yet stable. */
	alert_tick(e, now + 119999, &out);
	cr_assert_eq(out.n, 5);
	/* The last change (i = 39) left it up: the flap just resolves. */
	alert_tick(e, now + 120000, &out);
	cr_assert_eq(out.n, 6);
	s_expect(out.v[5], ALERT_RESOLVED, ALERT_T_FLAP, IF_UP);
	cr_assert_eq(out.v[5]->record_id, 40);
	cr_assert_str_eq(out.v[5]->severity.p, "warning");
	cr_assert_eq(alert_next_deadline(e), INT64_MAX);
	alert_tick(e, now + 999999, &out);
	cr_assert_eq(out.n, 6);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, flap_ending_down_still_fires)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	int64_t now = T0;

	s_flap5(e, &out, 1, T0, now);
	s_one(e, "r1", s_ev(6, "Gi0/7", IF_UP, IFK_LINK, T0 + 5000), now, &out);
	s_one(e, "r1", s_ev(7, "Gi0/7", IF_DOWN, IFK_PROTOCOL, T0 + 6000), now + 5,
	    &out);
	cr_assert_eq(out.n, 5);
	alert_tick(e, now + 5 + 120000, &out);
	cr_assert_eq(out.n, 7);
	s_expect(out.v[5], ALERT_RESOLVED, ALERT_T_FLAP, IF_DOWN);
	s_expect(out.v[6], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[6]->record_id, 7);
	cr_assert_eq(out.v[6]->kind, IFK_PROTOCOL);
	cr_assert_eq(out.v[6]->starts_at, T0 + 6000);
	/* And the up that follows resolves that alert once. */
	s_one(e, "r1", s_ev(8, "Gi0/7", IF_UP, IFK_LINK, T0 + 999000), now, &out);
	s_one(e, "r1", s_ev(9, "Gi0/7", IF_UP, IFK_PROTOCOL, T0 + 999001), now,
	    &out);
	cr_assert_eq(out.n, 8);
	s_expect(out.v[7], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, flap_ending_admin_down_raises_admin)
{
	struct alert_engine *e = s_engine(3, 60000, 1000);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(1, "Gi0/8", IF_DOWN, IFK_LINK, T0), 0, &out);
	s_one(e, "r1", s_ev(2, "Gi0/8", IF_UP, IFK_LINK, T0 + 1), 0, &out);
	s_one(e, "r1", s_ev(3, "Gi0/8", IF_ADMIN_DOWN, IFK_ADMIN, T0 + 2), 0, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[2], ALERT_FLAPPING, ALERT_T_FLAP, IF_ADMIN_DOWN);
	alert_tick(e, 1000, &out);
	cr_assert_eq(out.n, 5);
	s_expect(out.v[3], ALERT_RESOLVED, ALERT_T_FLAP, IF_ADMIN_DOWN);
	s_expect(out.v[4], ALERT_FIRING, ALERT_T_ADMIN, IF_ADMIN_DOWN);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, flap_window_uses_device_time_not_arrival)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	/* A backlog arriving at once: the changes were 30 s apart on the
	 * device, so no five of them fall within 60 s. */
	for (int i = 0; i < 8; i++)
		s_one(e, "r1", s_ev(1 + (uint64_t)i, "Gi0/1",
		    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, T0 + i * 30000), 5, &out);
	cr_assert_eq(out.n, 8);
	for (size_t i = 0; i < out.n; i++)
		cr_assert_neq(out.v[i]->status, ALERT_FLAPPING);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, flap_window_falls_back_to_arrival_time)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	/* No device time: 10 s apart by arrival makes a flap. */
	for (int i = 0; i < 5; i++)
		s_one(e, "r1", s_ev(1 + (uint64_t)i, "Gi0/1",
		    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, 0), T0 + i * 10000, &out);
	cr_assert_eq(out.n, 5);
	s_expect(out.v[4], ALERT_FLAPPING, ALERT_T_FLAP, IF_DOWN);
	cr_assert_eq(out.v[4]->device_time, 0);
	cr_assert_eq(out.v[4]->starts_at, T0 + 40000);
	alert_changes_clear(&out);

	/* And 20 s apart with K=5 / W=60 s does not. */
	{
		struct alert_engine *e2 = s_engine(5, 60000, 120000);
		for (int i = 0; i < 5; i++)
			s_one(e2, "r1", s_ev(1 + (uint64_t)i, "Gi0/1",
			    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, 0),
			    T0 + i * 20000, &out);
		cr_assert_eq(out.n, 5);
		cr_assert_eq(out.v[4]->status, ALERT_FIRING);
		alert_free(&e2);
	}
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, device_clock_ends_a_flap_before_the_next_event)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };

	s_flap5(e, &out, 1, T0, 0);
	cr_assert_eq(out.n, 5);
	/* The next event is 10 minutes later on the device but arrives at
	 * once (backlog): the flap ended at last change + stable. */
	s_one(e, "r1", s_ev(6, "Gi0/7", IF_UP, IFK_LINK, T0 + 600000), 1, &out);
	cr_assert_eq(out.n, 8);
	s_expect(out.v[5], ALERT_RESOLVED, ALERT_T_FLAP, IF_DOWN);
	cr_assert_eq(out.v[5]->ends_at, T0 + 4000 + 120000);
	s_expect(out.v[6], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	s_expect(out.v[7], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, unusable_events_are_ignored)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	char longname[ALERT_MAX_IFNAME + 2];
	struct wire_event bad[4];

	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	bad[0] = s_ev(1, "Gi0/1", IF_UNKNOWN, IFK_NONE, T0);
	bad[1] = s_ev(2, "", IF_DOWN, IFK_LINK, T0);
	bad[2] = s_ev(3, longname, IF_DOWN, IFK_LINK, T0);
	bad[3] = s_ev(4, "Gi0/1", (enum ifstate)77, IFK_LINK, T0);
	cr_assert_eq(alert_apply(e, s_w("r1"), bad, 4, 1, &out), 0);
	cr_assert_eq(out.n, 0);
	cr_assert_eq(alert_stats(e)->ignored, 4);
	cr_assert_eq(alert_apply(e, s_w(""), bad, 1, 1, &out), 0);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, hostile_bytes_are_kept_verbatim_in_changes)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	static const char name[] = "Gi0/1\"}\n../\0\x1b[2J\xff";
	static const char line[] = "a\0b\x1b]0;pwn\x07\xc3\x28";
	struct wire_event ev = s_ev(1, "x", IF_DOWN, IFK_LINK, T0);

	ev.interface = (struct wire_bytes){ name, sizeof name - 1 };
	ev.line = (struct wire_bytes){ line, sizeof line - 1 };
	s_one(e, "r1", ev, 1, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(out.v[0]->interface.len, sizeof name - 1);
	cr_assert(memcmp(out.v[0]->interface.p, name, sizeof name - 1) == 0);
	cr_assert_eq(out.v[0]->line.len, sizeof line - 1);
	cr_assert(memcmp(out.v[0]->line.p, line, sizeof line - 1) == 0);
	/* The NUL inside the name is part of the key, not its end. */
	cr_assert_null(alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/1\"}\n../")));
	cr_assert_not_null(alert_lookup(e, s_w("r1"),
	    (struct wire_bytes){ name, sizeof name - 1 }));
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, long_lines_are_cut)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	static char big[ALERT_MAX_LINE * 3];
	struct wire_event ev = s_ev(1, "Gi0/1", IF_DOWN, IFK_LINK, T0);

	memset(big, 'L', sizeof big);
	ev.line = (struct wire_bytes){ big, sizeof big };
	s_one(e, "r1", ev, 1, &out);
	cr_assert_eq(out.v[0]->line.len, ALERT_MAX_LINE);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, dirty_tracking_and_device_high_water)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(7, "Gi0/1", IF_DOWN, IFK_LINK, T0), 1, &out);
	alert_device_seen(e, s_w("r1"), 9);
	cr_assert_eq(alert_device_hw(e, s_w("r1")), 9);
	alert_device_seen(e, s_w("r1"), 3);
	cr_assert_eq(alert_device_hw(e, s_w("r1")), 9, "high-water never goes back");
	cr_assert_eq(alert_device_hw(e, s_w("nope")), 0);
	alert_clear_dirty(e);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, restore_round_trip_keeps_behaviour)
{
	struct alert_engine *a = s_engine(5, 60000, 120000);
	struct alert_engine *b = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	const struct alert_iface *f;

	s_flap5(a, &out, 1, T0, 50);
	f = alert_lookup(a, s_w("r1"), s_w("GigabitEthernet0/7"));
	cr_assert_not_null(f);
	cr_assert_eq(f->open, ALERT_T_FLAP);
	cr_assert_eq(alert_restore_iface(b, f), 0);
	alert_restore_seq(b, alert_next_seq(a));
	alert_changes_clear(&out);
	/* Both engines end the flap the same way. */
	alert_tick(b, 50 + 120000, &out);
	cr_assert_eq(out.n, 2);
	s_expect(out.v[0], ALERT_RESOLVED, ALERT_T_FLAP, IF_DOWN);
	s_expect(out.v[1], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->seq, alert_next_seq(a));
	alert_changes_clear(&out);
	/* A bad record is refused. */
	{
		struct alert_iface bad = *f;
		bad.open = ALERT_T_DOWN;
		bad.opened = NULL;
		cr_assert_eq(alert_restore_iface(b, &bad), -1);
		bad = *f;
		bad.state = (enum ifstate)9;
		cr_assert_eq(alert_restore_iface(b, &bad), -1);
	}
	alert_free(&a);
	alert_free(&b);
}

Test(alert, setconf_shrinks_the_flap_ring)
{
	struct alert_engine *e = s_engine(5, 60000, 120000);
	struct alert_changes out = { 0 };
	struct alert_conf c = { 3, 60000, 120000 };

	for (int i = 0; i < 4; i++)
		s_one(e, "r1", s_ev(1 + (uint64_t)i, "Gi0/1",
		    i % 2 ? IF_UP : IF_DOWN, IFK_LINK, T0 + i), 1, &out);
	cr_assert_eq(out.n, 4);
	alert_setconf(e, &c);
	cr_assert_eq(alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/1"))->nflap, 3);
	s_one(e, "r1", s_ev(9, "Gi0/1", IF_DOWN, IFK_LINK, T0 + 9), 1, &out);
	s_expect(out.v[4], ALERT_FLAPPING, ALERT_T_FLAP, IF_DOWN);
	alert_changes_clear(&out);
	alert_free(&e);
}

/* ---- late events: batches of one device overtaking each other ---- */

Test(alert, late_down_between_two_ups_reports_the_missed_episode)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	const struct alert_iface *f;

	s_one(e, "r1", s_ev(10, "Gi0/1", IF_UP, IFK_LINK, T0 + 10), 1, &out);
	s_one(e, "r1", s_ev(20, "Gi0/1", IF_UP, IFK_LINK, T0 + 20), 1, &out);
	cr_assert_eq(out.n, 0);
	/* The batch holding 15 (down) arrives after the one holding 20. */
	s_one(e, "r1", s_ev(15, "Gi0/1", IF_DOWN, IFK_LINK, T0 + 15), 2, &out);
	cr_assert_eq(out.n, 2, "the down and its up must not be lost");
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[0]->record_id, 15);
	cr_assert_eq(out.v[0]->late, 1);
	cr_assert_eq(out.v[0]->starts_at, T0 + 15);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->record_id, 20);
	cr_assert_eq(out.v[1]->late, 1);
	cr_assert_eq(out.v[1]->starts_at, T0 + 15);
	cr_assert_eq(out.v[1]->ends_at, T0 + 20);
	f = alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/1"));
	cr_assert_eq(f->state, IF_UP, "the newest event decides the state");
	cr_assert_eq(f->open, ALERT_T_NONE);
	cr_assert_eq(f->last_id, 20);
	cr_assert_eq(alert_stats(e)->late, 1);
	/* Redelivered, the late event is now a duplicate. */
	s_one(e, "r1", s_ev(15, "Gi0/1", IF_DOWN, IFK_LINK, T0 + 15), 3, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(alert_stats(e)->duplicates, 1);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, late_down_and_up_pair_arriving_after_a_newer_up)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	struct wire_event old[2] = {
		s_ev(5, "Gi0/2", IF_DOWN, IFK_LINK, T0 + 5),
		s_ev(6, "Gi0/2", IF_UP, IFK_LINK, T0 + 6),
	};

	s_one(e, "r1", s_ev(1, "Gi0/2", IF_UP, IFK_LINK, T0 + 1), 1, &out);
	s_one(e, "r1", s_ev(9, "Gi0/2", IF_UP, IFK_LINK, T0 + 9), 1, &out);
	alert_apply(e, s_w("r1"), old, 2, 2, &out);
	/* 5 reveals down between 1 and 9; 6 then only moves the up earlier. */
	cr_assert_eq(out.n, 2);
	s_expect(out.v[0], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->record_id, 9);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, late_up_inside_a_long_down_reports_resolve_and_refire)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	const struct alert_iface *f;

	s_one(e, "r1", s_ev(10, "Gi0/3", IF_DOWN, IFK_LINK, T0 + 10), 1, &out);
	s_one(e, "r1", s_ev(20, "Gi0/3", IF_DOWN, IFK_PROTOCOL, T0 + 20), 1, &out);
	cr_assert_eq(out.n, 1);
	s_one(e, "r1", s_ev(15, "Gi0/3", IF_UP, IFK_LINK, T0 + 15), 2, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[1], ALERT_RESOLVED, ALERT_T_DOWN, IF_UP);
	cr_assert_eq(out.v[1]->starts_at, T0 + 10);
	cr_assert_eq(out.v[1]->ends_at, T0 + 15);
	s_expect(out.v[2], ALERT_FIRING, ALERT_T_DOWN, IF_DOWN);
	cr_assert_eq(out.v[2]->record_id, 20);
	f = alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/3"));
	cr_assert_eq(f->open, ALERT_T_DOWN, "it is still down now");
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, late_event_that_changes_nothing_reports_nothing)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(10, "Gi0/4", IF_DOWN, IFK_LINK, T0 + 10), 1, &out);
	s_one(e, "r1", s_ev(20, "Gi0/4", IF_UP, IFK_LINK, T0 + 20), 1, &out);
	cr_assert_eq(out.n, 2);
	/* Down again before the up: the down was already reported. */
	s_one(e, "r1", s_ev(12, "Gi0/4", IF_DOWN, IFK_PROTOCOL, T0 + 12), 2, &out);
	/* Up before the up that resolved it: a timing detail. */
	s_one(e, "r1", s_ev(18, "Gi0/4", IF_UP, IFK_PROTOCOL, T0 + 18), 2, &out);
	cr_assert_eq(out.n, 2);
	cr_assert_eq(alert_stats(e)->late, 2);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, late_event_that_would_rewrite_later_ones_is_stale)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };

	/* Shut (admin), then its line protocol down (absorbed). */
	s_one(e, "r1", s_ev(10, "Gi0/5", IF_ADMIN_DOWN, IFK_ADMIN, T0), 1, &out);
	s_one(e, "r1", s_ev(20, "Gi0/5", IF_DOWN, IFK_PROTOCOL, T0 + 2), 1, &out);
	cr_assert_eq(out.n, 1);
	/* An up between them would turn 20 into a real down: refused. */
	s_one(e, "r1", s_ev(15, "Gi0/5", IF_UP, IFK_LINK, T0 + 1), 2, &out);
	cr_assert_eq(out.n, 1);
	cr_assert_eq(alert_stats(e)->stale, 1);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, history_is_bounded_in_count_and_time)
{
	struct alert_engine *e = s_engine(0, 0, 0);
	struct alert_changes out = { 0 };
	const struct alert_iface *f;

	for (uint64_t i = 1; i <= ALERT_HIST_MAX + 5; i++)
		s_one(e, "r1", s_ev(i * 10, "Gi0/6", IF_UP, IFK_LINK,
		    T0 + (int64_t)i), 1, &out);
	f = alert_lookup(e, s_w("r1"), s_w("GigabitEthernet0/6"));
	cr_assert_eq(f->nhist, ALERT_HIST_MAX);
	cr_assert_eq(f->hist_floor, 50);
	/* Older than what is remembered: stale. */
	s_one(e, "r1", s_ev(45, "Gi0/6", IF_DOWN, IFK_LINK, T0), 1, &out);
	cr_assert_eq(alert_stats(e)->stale, 1);
	/* Within: placed. */
	s_one(e, "r1", s_ev(55, "Gi0/6", IF_DOWN, IFK_LINK, T0 + 5), 1, &out);
	cr_assert_eq(alert_stats(e)->late, 1);
	cr_assert_eq(out.n, 2);
	/* Time forgets everything, keeping where it stopped. */
	alert_tick(e, 1 + ALERT_HIST_KEEP_MS, &out);
	cr_assert_eq(f->nhist, 0);
	cr_assert_eq(f->hist_floor, (ALERT_HIST_MAX + 5) * 10);
	s_one(e, "r1", s_ev(100, "Gi0/6", IF_DOWN, IFK_LINK, T0), 2, &out);
	cr_assert_eq(alert_stats(e)->stale, 2);
	alert_changes_clear(&out);
	alert_free(&e);
}

Test(alert, late_events_while_flapping_stay_silent)
{
	struct alert_engine *e = s_engine(3, 60000, 120000);
	struct alert_changes out = { 0 };

	s_one(e, "r1", s_ev(10, "Gi0/7", IF_DOWN, IFK_LINK, T0), 1, &out);
	s_one(e, "r1", s_ev(20, "Gi0/7", IF_UP, IFK_LINK, T0 + 1000), 1, &out);
	s_one(e, "r1", s_ev(30, "Gi0/7", IF_DOWN, IFK_LINK, T0 + 2000), 1, &out);
	s_one(e, "r1", s_ev(40, "Gi0/7", IF_DOWN, IFK_PROTOCOL, T0 + 3000), 1, &out);
	cr_assert_eq(out.n, 3);
	s_expect(out.v[2], ALERT_FLAPPING, ALERT_T_FLAP, IF_DOWN);
	s_one(e, "r1", s_ev(35, "Gi0/7", IF_UP, IFK_LINK, T0 + 2500), 2, &out);
	cr_assert_eq(out.n, 3);
	cr_assert_eq(alert_stats(e)->late, 1);
	alert_changes_clear(&out);
	alert_free(&e);
}
