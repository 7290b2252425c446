/*
 * test_snapevents.c — a snapshot record's rows as IFK_SNAPSHOT events
 * (analyzer/snapevents.c): the state each admin/line-protocol pair means,
 * names made canonical as the log lines' are, the reason and description
 * captures (any bytes), rows with an unknown line protocol skipped, and the
 * batch's rx_ms on every event.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "analyzer/snapevents.h"
#include "common/wire.h"

static struct wire_bytes
s_b(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

static struct wire_ifrow
s_row(const char *name, struct wire_bytes descr, enum wire_ifrow_state admin,
    enum wire_ifrow_state oper)
{
	return (struct wire_ifrow){ s_b(name), descr, admin, oper };
}

/* The value of capture name, or NULL when the event has none. */
static const struct wire_bytes *
s_cap(const struct wire_event *e, const char *name)
{
	for (size_t i = 0; i < e->ncaptures; i++)
		if (wire_bytes_eq(e->captures[i].name, s_b(name)))
			return &e->captures[i].value;
	return NULL;
}

static int
s_eq(struct wire_bytes a, const char *s)
{
	return wire_bytes_eq(a, s_b(s));
}

#define REC_ID  ((UINT64_C(1700000000) << 32) | 42)
#define REC_TS  INT64_C(1765000000123)
#define RX_MS   INT64_C(1765000000456)

static void
s_batch(struct wire_batch *b, struct wire_rec *r, struct wire_ifrow *rows,
    size_t n, const char *platform, const char *reason)
{
	memset(b, 0, sizeof *b);
	memset(r, 0, sizeof *r);
	r->id = REC_ID;
	r->kind = REC_SNAPSHOT;
	r->ts_ms = REC_TS;
	r->tag = s_b(reason);
	r->ifs = rows;
	r->nifs = n;
	b->key.collector = s_b("c1");
	b->key.device = s_b("edge-1");
	b->key.first_id = b->key.last_id = REC_ID;
	b->platform = s_b(platform);
	b->rx_ms = RX_MS;
	b->recs = r;
	b->nrecs = 1;
}

Test(snapevents, each_row_is_an_event_with_the_states_the_table_means)
{
	struct wire_ifrow rows[] = {
		s_row("GigabitEthernet0/1", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_UP),
		s_row("GigabitEthernet0/2", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		/* shut: admin down wins over whatever the protocol says */
		s_row("GigabitEthernet0/3", s_b(""), WIRE_IFROW_DOWN, WIRE_IFROW_DOWN),
		s_row("GigabitEthernet0/4", s_b(""), WIRE_IFROW_DOWN, WIRE_IFROW_UNKNOWN),
		/* a table without an admin column */
		s_row("GigabitEthernet0/5", s_b(""), WIRE_IFROW_UNKNOWN, WIRE_IFROW_UP),
		s_row("GigabitEthernet0/6", s_b(""), WIRE_IFROW_UNKNOWN, WIRE_IFROW_DOWN),
	};
	static const struct {
		enum ifstate st;
		const char  *sev;
	} want[] = {
		{ IF_UP, "info" }, { IF_DOWN, "critical" },
		{ IF_ADMIN_DOWN, "warning" }, { IF_ADMIN_DOWN, "warning" },
		{ IF_UP, "info" }, { IF_DOWN, "critical" },
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;

	s_batch(&b, &r, rows, 6, "cisco_ios", WIRE_SNAP_PERIODIC);
	for (size_t i = 0; i < 6; i++) {
		const struct wire_event *e = &sv.ev;

		cr_assert_eq(snapev_row(&b, "cisco_ios", &r, i, &sv), SNAPEV_EVENT,
		    "row %zu", i);
		cr_assert_eq(e->state, want[i].st, "row %zu: state %d", i, e->state);
		cr_assert(s_eq(e->severity, want[i].sev), "row %zu: severity %.*s",
		    i, (int)e->severity.len, e->severity.ptr);
		cr_assert_eq(e->kind, IFK_SNAPSHOT);
		cr_assert_eq(e->id, REC_ID);
		cr_assert_eq(e->ts_ms, REC_TS);
		cr_assert_eq(e->rx_ms, RX_MS);
		cr_assert(s_eq(e->rule, "snapshot"));
		cr_assert(s_eq(e->event, "interface_snapshot"));
		cr_assert(s_eq(e->platform, "cisco_ios"));
		cr_assert(s_eq(e->interface, rows[i].name.ptr));
		cr_assert_eq(e->ts_raw.len, 0);
		cr_assert_eq(e->line.len, 0);
		cr_assert_eq(sv.renamed, 0, "the long form is already canonical");
		/* Only the reason: no description, the name was not changed. */
		cr_assert_eq(e->ncaptures, 1, "row %zu", i);
		cr_assert_not_null(s_cap(e, "reason"));
		cr_assert(s_eq(*s_cap(e, "reason"), "periodic"));
	}
}

Test(snapevents, unknown_line_protocol_and_nameless_rows_make_no_event)
{
	struct wire_ifrow rows[] = {
		s_row("Gi0/1", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_UNKNOWN),
		s_row("Gi0/2", s_b(""), WIRE_IFROW_UNKNOWN, WIRE_IFROW_UNKNOWN),
		{ { NULL, 0 }, { NULL, 0 }, WIRE_IFROW_UP, WIRE_IFROW_DOWN },
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;

	s_batch(&b, &r, rows, 3, "cisco_ios", WIRE_SNAP_START);
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 0, &sv), SNAPEV_UNKNOWN);
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 1, &sv), SNAPEV_UNKNOWN);
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 2, &sv), SNAPEV_NONAME);
}

Test(snapevents, names_are_canonical_like_the_log_lines)
{
	struct wire_ifrow rows[] = {
		s_row("Gi0/1", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		s_row("Po10", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_UP),
		/* not a name the table knows: the device's spelling, byte for byte */
		s_row("Weird\"if\x1b", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
	};
	struct wire_ifrow jrows[] = {
		/* Junos names are kept as written */
		s_row("ge-0/0/1", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;
	const struct wire_bytes *raw;

	s_batch(&b, &r, rows, 3, "cisco_ios", "wrap");
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 0, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(sv.ev.interface, "GigabitEthernet0/1"), "%.*s",
	    (int)sv.ev.interface.len, sv.ev.interface.ptr);
	cr_assert_eq(sv.renamed, 1);
	cr_assert_eq(sv.ev.interface.ptr, sv.canon, "the copy the caller keeps");
	raw = s_cap(&sv.ev, "interface_raw");
	cr_assert_not_null(raw, "the device's spelling travels, as for lines");
	cr_assert(s_eq(*raw, "Gi0/1"));
	cr_assert(s_eq(*s_cap(&sv.ev, "reason"), "wrap"));

	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 1, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(sv.ev.interface, "Port-channel10"));

	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 2, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(sv.ev.interface, "Weird\"if\x1b"));
	cr_assert_eq(sv.renamed, 0);
	cr_assert_null(s_cap(&sv.ev, "interface_raw"));

	/* The same name on another platform: that platform's table decides. */
	s_batch(&b, &r, rows, 1, "cisco_nxos", "wrap");
	cr_assert_eq(snapev_row(&b, "cisco_nxos", &r, 0, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(sv.ev.platform, "cisco_nxos"));

	s_batch(&b, &r, jrows, 1, "juniper_junos", "start");
	cr_assert_eq(snapev_row(&b, "juniper_junos", &r, 0, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(sv.ev.interface, "ge-0/0/1"));
	cr_assert_eq(sv.renamed, 0);
}

/*
 * Units and sub-interfaces follow their parent in the table: a snapshot
 * taken while ge-0/0/1 is down shows ge-0/0/1.0 down too, and one alert
 * for the link is what the operator wants, not two.
 */
Test(snapevents, units_and_subinterfaces_make_no_event)
{
	struct wire_ifrow rows[] = {
		s_row("ge-0/0/1.0", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		s_row("Gi0/1.100", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		s_row("Bundle-Ether1.20", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_UP),
		s_row("st0.60", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		/* dots that are not units */
		s_row("Serial1/0:1.", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		s_row("my.if", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;

	s_batch(&b, &r, rows, 6, "juniper_junos", "wrap");
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(snapev_row(&b, "juniper_junos", &r, i, &sv),
		    SNAPEV_SUBIF, "row %zu", i);
	cr_assert_eq(snapev_row(&b, "juniper_junos", &r, 4, &sv), SNAPEV_EVENT);
	cr_assert_eq(snapev_row(&b, "juniper_junos", &r, 5, &sv), SNAPEV_EVENT);
}

Test(snapevents, descriptions_travel_as_any_bytes)
{
	static const char hostile[] = "uplink \"core-1\" {}\\\0\x1b[2J\xff\xc3\xa9";
	struct wire_ifrow rows[] = {
		s_row("Gi0/1", (struct wire_bytes){ hostile, sizeof hostile - 1 },
		    WIRE_IFROW_UP, WIRE_IFROW_DOWN),
		s_row("Gi0/2", s_b("customer ACME site 2"), WIRE_IFROW_DOWN,
		    WIRE_IFROW_DOWN),
		s_row("Gi0/3", (struct wire_bytes){ NULL, 0 }, WIRE_IFROW_UP,
		    WIRE_IFROW_UP),
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;
	const struct wire_bytes *d;

	s_batch(&b, &r, rows, 3, "cisco_ios", "cleared");
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 0, &sv), SNAPEV_EVENT);
	d = s_cap(&sv.ev, "description");
	cr_assert_not_null(d);
	cr_assert_eq(d->len, sizeof hostile - 1, "NUL and all: %zu", d->len);
	cr_assert_eq(memcmp(d->ptr, hostile, d->len), 0);
	cr_assert(s_eq(*s_cap(&sv.ev, "reason"), "cleared"));
	cr_assert_eq(sv.ev.ncaptures, 3, "reason, description, interface_raw");

	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 1, &sv), SNAPEV_EVENT);
	cr_assert(s_eq(*s_cap(&sv.ev, "description"), "customer ACME site 2"));
	cr_assert_eq(sv.ev.state, IF_ADMIN_DOWN);

	/* No description: no capture (the alert stage then clears it). */
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 2, &sv), SNAPEV_EVENT);
	cr_assert_null(s_cap(&sv.ev, "description"));
}

Test(snapevents, an_empty_tag_is_an_empty_reason_not_a_null_pointer)
{
	struct wire_ifrow rows[] = {
		s_row("Gi0/1", s_b(""), WIRE_IFROW_UP, WIRE_IFROW_DOWN),
	};
	struct wire_batch b;
	struct wire_rec r;
	struct snapev sv;
	const struct wire_bytes *reason;

	s_batch(&b, &r, rows, 1, "cisco_ios", "");
	r.tag = (struct wire_bytes){ NULL, 0 };
	cr_assert_eq(snapev_row(&b, "cisco_ios", &r, 0, &sv), SNAPEV_EVENT);
	reason = s_cap(&sv.ev, "reason");
	cr_assert_not_null(reason);
	cr_assert_eq(reason->len, 0);
	cr_assert_not_null(reason->ptr, "bytes, never NULL");
}
