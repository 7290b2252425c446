/*
 * test_wire.c — the wire format (version 3): round trips of every message
 * type, and every way the decoder refuses a frame. Hostile frames are forged with
 * msgpack-c directly so that each test breaks exactly one rule.
 */
#include <criterion/criterion.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/cerr.h"
#include "common/wire.h"
#include "common/wire_int.h"

static struct wire_bytes
s_bytes(const char *p, size_t n)
{
	struct wire_bytes b = { p, n };

	return b;
}

/* The decoder must borrow: every non-empty field points into the frame. */
static void
s_assert_inside(struct wire_bytes b, const struct buf *frame)
{
	if (b.len == 0)
		return;
	cr_assert(b.ptr >= frame->data && b.ptr + b.len <= frame->data + frame->len,
	    "field is not borrowed from the frame");
}

static void
s_assert_bytes(struct wire_bytes got, struct wire_bytes want, const char *what)
{
	cr_assert_eq(got.len, want.len, "%s: length %zu, want %zu", what, got.len,
	    want.len);
	cr_assert(wire_bytes_eq(got, want), "%s differs", what);
}

static enum cerr
s_decode(const struct buf *b, struct wire_msg *m, char *err, size_t errlen)
{
	return wire_decode(b->data, b->len, m, err, errlen);
}

Test(wire, batch_round_trip_hostile_bytes)
{
	static const char nul_line[] = "before\0after\0";
	static const char bad_utf8[] = "\xff\xfe\xc3\x28 \x1b[2J\x1b]0;pwned\x07\r\n";
	char *big = malloc(WIRE_MAX_LINE);
	struct wire_rec recs[5];
	struct wire_batch b = { 0 };
	struct wire_msg m;
	struct buf frame;
	char err[256];
	size_t i;

	cr_assert_not_null(big);
	for (i = 0; i < WIRE_MAX_LINE; i++)
		big[i] = (char)(i * 131 + 7);
	memset(recs, 0, sizeof recs);
	recs[0].id = (1700000000ull << 32) | 1;
	recs[0].kind = REC_LINE;
	recs[0].ts_ms = 1700000000123;
	recs[0].ts_raw = wire_str("*Mar  1 00:00:01.123");
	recs[0].seq = 4242;
	recs[0].tag = wire_str("LINK-3-UPDOWN");
	recs[0].line = s_bytes(nul_line, sizeof nul_line - 1);
	recs[1].id = recs[0].id + 1;
	recs[1].ts_ms = -5;
	recs[1].line = s_bytes(bad_utf8, sizeof bad_utf8 - 1);
	recs[2].id = UINT64_MAX;
	recs[2].kind = REC_GAP;
	recs[2].ts_ms = INT64_MIN;
	recs[2].seq = UINT64_MAX;
	recs[2].line = wire_str("buffer wrapped past the cursor: 17 lines lost");
	recs[3].id = 4;		/* everything empty */
	recs[4].id = 5;
	recs[4].ts_ms = INT64_MAX;
	recs[4].line = s_bytes(big, WIRE_MAX_LINE);
	b.key.collector = wire_str("collector-1");
	b.key.device = wire_str("r001.example.net");
	b.key.first_id = recs[0].id;
	b.key.last_id = recs[4].id;
	b.platform = wire_str("cisco_ios");
	b.rx_ms = 1700000000456;
	b.nrecs = 5;
	b.recs = recs;

	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	cr_assert_eq(s_decode(&frame, &m, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(m.type, WIRE_BATCH);
	s_assert_bytes(m.u.batch.key.collector, b.key.collector, "collector");
	s_assert_bytes(m.u.batch.key.device, b.key.device, "device");
	s_assert_bytes(m.u.batch.platform, b.platform, "platform");
	cr_assert_eq(m.u.batch.key.first_id, b.key.first_id);
	cr_assert_eq(m.u.batch.key.last_id, b.key.last_id);
	cr_assert_eq(m.u.batch.rx_ms, b.rx_ms);
	cr_assert_eq(m.u.batch.nrecs, 5);
	for (i = 0; i < 5; i++) {
		const struct wire_rec *g = &m.u.batch.recs[i], *w = &recs[i];

		cr_assert_eq(g->id, w->id, "record %zu id", i);
		cr_assert_eq(g->kind, w->kind, "record %zu kind", i);
		cr_assert_eq(g->ts_ms, w->ts_ms, "record %zu ts_ms", i);
		cr_assert_eq(g->seq, w->seq, "record %zu seq", i);
		s_assert_bytes(g->ts_raw, w->ts_raw, "ts_raw");
		s_assert_bytes(g->tag, w->tag, "tag");
		s_assert_bytes(g->line, w->line, "line");
		s_assert_inside(g->line, &frame);
		s_assert_inside(g->ts_raw, &frame);
		cr_assert_eq(g->nifs, 0);
		cr_assert_null(g->ifs);
	}
	cr_assert_eq(memcmp(m.u.batch.recs[0].line.ptr, "before\0after\0", 13), 0);
	wire_msg_free(&m);
	wire_msg_free(&m);	/* idempotent */
	buf_free(&frame);
	free(big);
}

Test(wire, empty_batch_and_append_to_buffer)
{
	struct wire_batch b = { 0 };
	struct wire_msg m;
	struct buf frame;
	char err[128];

	b.key.collector = wire_str("c");
	b.key.device = wire_str("d");
	buf_init(&frame, 0);
	cr_assert_eq(buf_append(&frame, "xyz", 3), CERR_OK);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	cr_assert_eq(memcmp(frame.data, "xyz", 3), 0, "encoder must append");
	cr_assert_eq(wire_decode(frame.data + 3, frame.len - 3, &m, err, sizeof err),
	    CERR_OK, "%s", err);
	cr_assert_eq(m.u.batch.nrecs, 0);
	cr_assert_null(m.u.batch.recs);
	cr_assert_eq(m.u.batch.platform.len, 0);
	wire_msg_free(&m);
	buf_free(&frame);
}

Test(wire, ack_round_trip)
{
	struct wire_key k = { 0 };
	struct wire_msg m;
	struct buf frame;

	k.collector = wire_str("collector-2");
	k.device = wire_str("sw\xc3\xa9-7");
	k.first_id = (1ull << 32) | 1;
	k.last_id = UINT64_MAX;
	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_ack(&frame, &k), CERR_OK);
	cr_assert_eq(s_decode(&frame, &m, NULL, 0), CERR_OK);
	cr_assert_eq(m.type, WIRE_ACK);
	s_assert_bytes(m.u.ack.collector, k.collector, "collector");
	s_assert_bytes(m.u.ack.device, k.device, "device");
	cr_assert_eq(m.u.ack.first_id, k.first_id);
	cr_assert_eq(m.u.ack.last_id, k.last_id);
	cr_assert_null(m.priv_);
	wire_msg_free(&m);
	buf_free(&frame);
}

Test(wire, events_round_trip_with_captures)
{
	struct wire_capture caps[WIRE_MAX_CAPTURES];
	struct wire_event evs[4];
	struct wire_events e = { 0 };
	struct wire_msg m;
	struct buf frame;
	char names[WIRE_MAX_CAPTURES][8];
	char err[256];
	size_t i, j;

	for (i = 0; i < WIRE_MAX_CAPTURES; i++) {
		snprintf(names[i], sizeof names[i], "c%zu", i);
		caps[i].name = wire_str(names[i]);
		caps[i].value = s_bytes("v\0\xff", 3);
	}
	memset(evs, 0, sizeof evs);
	evs[0].id = 77;
	evs[0].rule = wire_str("ios_link_updown");
	evs[0].event = wire_str("interface_down");
	evs[0].platform = wire_str("cisco_ios");
	evs[0].interface = wire_str("Gi0/1\"}{../../etc");
	evs[0].state = IF_DOWN;
	evs[0].kind = IFK_LINK;
	evs[0].severity = wire_str("critical");
	evs[0].ts_ms = 1;
	evs[0].ts_raw = wire_str("Mar 1 00:00:01");
	evs[0].line = s_bytes("%LINK-3-UPDOWN: \0\xfe", 19);
	evs[0].ncaptures = 2;
	evs[0].captures = caps;
	evs[1] = evs[0];
	evs[1].id = 78;
	evs[1].state = IF_ADMIN_DOWN;
	evs[1].kind = IFK_ADMIN;
	evs[1].ncaptures = 0;
	evs[1].captures = NULL;
	evs[2] = evs[0];
	evs[2].id = 79;
	evs[2].state = IF_UP;
	evs[2].kind = IFK_PROTOCOL;
	evs[2].ts_ms = -1;
	evs[2].ncaptures = WIRE_MAX_CAPTURES;
	evs[2].rx_ms = 1700000000456;
	evs[0].rx_ms = -1;
	evs[3] = evs[0];	/* one row of a snapshot */
	evs[3].id = 80;
	evs[3].rule = wire_str("snapshot");
	evs[3].event = wire_str("interface_snapshot");
	evs[3].kind = IFK_SNAPSHOT;
	evs[3].state = IF_ADMIN_DOWN;
	evs[3].ts_raw = wire_str("");
	evs[3].line = wire_str("");
	evs[3].ncaptures = 1;
	evs[3].rx_ms = INT64_MAX;
	e.key.collector = wire_str("c1");
	e.key.device = wire_str("r1");
	e.key.first_id = 70;
	e.key.last_id = 80;
	e.nevents = 4;
	e.events = evs;

	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_events(&frame, &e), CERR_OK);
	cr_assert_eq(s_decode(&frame, &m, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(m.type, WIRE_EVENTS);
	cr_assert_eq(m.u.events.key.first_id, 70);
	cr_assert_eq(m.u.events.key.last_id, 80);
	cr_assert_eq(m.u.events.nevents, 4);
	for (i = 0; i < 4; i++) {
		const struct wire_event *g = &m.u.events.events[i], *w = &evs[i];

		cr_assert_eq(g->id, w->id);
		cr_assert_eq(g->state, w->state);
		cr_assert_eq(g->kind, w->kind);
		cr_assert_eq(g->ts_ms, w->ts_ms);
		cr_assert_eq(g->rx_ms, w->rx_ms, "event %zu rx_ms", i);
		s_assert_bytes(g->rule, w->rule, "rule");
		s_assert_bytes(g->event, w->event, "event");
		s_assert_bytes(g->platform, w->platform, "platform");
		s_assert_bytes(g->interface, w->interface, "interface");
		s_assert_bytes(g->severity, w->severity, "severity");
		s_assert_bytes(g->ts_raw, w->ts_raw, "ts_raw");
		s_assert_bytes(g->line, w->line, "line");
		s_assert_inside(g->line, &frame);
		cr_assert_eq(g->ncaptures, w->ncaptures);
		for (j = 0; j < g->ncaptures; j++) {
			s_assert_bytes(g->captures[j].name, w->captures[j].name, "cap name");
			s_assert_bytes(g->captures[j].value, w->captures[j].value, "cap value");
		}
	}
	cr_assert_null(m.u.events.events[1].captures);
	wire_msg_free(&m);
	buf_free(&frame);
}

/* ---------------------------------------------------------------------
 * Forged frames
 */

static msgpack_sbuffer sb;
static msgpack_packer pk;

static void
s_forge_begin(void)
{
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
}

static void
s_str(const char *s)
{
	msgpack_pack_str(&pk, strlen(s));
	msgpack_pack_str_body(&pk, s, strlen(s));
}

static void
s_bin(const char *s, size_t n)
{
	msgpack_pack_bin(&pk, n);
	msgpack_pack_bin_body(&pk, s, n);
}

/* ["LH", 3, BATCH, "c", "d", "p", 1, 2, rx_ms, [ <nrecs records follow> ]] */
static void
s_forge_batch_head(uint32_t nrecs)
{
	msgpack_pack_array(&pk, 10);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("c");
	s_str("d");
	s_str("p");
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	msgpack_pack_int64(&pk, 1700000000000);
	msgpack_pack_array(&pk, nrecs);
}

static void
s_forge_good_rec(void)
{
	msgpack_pack_array(&pk, 7);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, REC_LINE);
	msgpack_pack_int64(&pk, 0);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 0);
	s_str("");
	s_bin("x", 1);
}

static enum cerr
s_forged(char *err, size_t errlen)
{
	struct wire_msg m;
	enum cerr e = wire_decode(sb.data, sb.size, &m, err, errlen);

	if (e != CERR_OK) {
		cr_assert_null(m.priv_, "a refused frame must leave nothing to free");
		cr_assert_eq(m.u.batch.nrecs, 0);
	}
	wire_msg_free(&m);
	msgpack_sbuffer_destroy(&sb);
	return e;
}

static void
s_expect(enum cerr want, const char *needle)
{
	char err[256];
	enum cerr got = s_forged(err, sizeof err);

	cr_assert_eq(got, want, "got %s (%s), want %s", cerr_str(got), err,
	    cerr_str(want));
	cr_assert(strstr(err, needle) != NULL, "error '%s' lacks '%s'", err, needle);
}

Test(wire, forged_good_frame_decodes)
{
	s_forge_begin();
	s_forge_batch_head(1);
	s_forge_good_rec();
	cr_assert_eq(s_forged(NULL, 0), CERR_OK);
}

Test(wire, refuses_every_truncation)
{
	struct wire_batch b = { 0 };
	struct wire_rec r = { 0 };
	struct wire_msg m;
	struct buf frame;
	char err[128];
	size_t n;

	r.line = wire_str("%LINK-3-UPDOWN: Interface Gi0/1, changed state to down");
	r.tag = wire_str("LINK-3-UPDOWN");
	b.key.collector = wire_str("c");
	b.key.device = wire_str("d");
	b.nrecs = 1;
	b.recs = &r;
	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	for (n = 0; n < frame.len; n++) {
		enum cerr e = wire_decode(frame.data, n, &m, err, sizeof err);

		cr_assert_eq(e, CERR_PARSE, "prefix of %zu bytes: %s", n, cerr_str(e));
		cr_assert_null(m.priv_);
	}
	buf_free(&frame);
}

Test(wire, refuses_trailing_bytes)
{
	s_forge_begin();
	s_forge_batch_head(1);
	s_forge_good_rec();
	msgpack_pack_nil(&pk);
	s_expect(CERR_PARSE, "trailing");
}

Test(wire, refuses_empty_and_not_msgpack)
{
	struct wire_msg m;
	char err[128];

	cr_assert_eq(wire_decode("", 0, &m, err, sizeof err), CERR_PARSE);
	cr_assert_eq(wire_decode(NULL, 0, &m, err, sizeof err), CERR_PARSE);
	cr_assert_eq(wire_decode("\xc1", 1, &m, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "0xc1") != NULL, "%s", err);
	cr_assert_eq(wire_decode("hello", 5, &m, err, sizeof err), CERR_PARSE);
	cr_assert_eq(wire_decode("\x93\xa2LH\x01", 5, &m, err, sizeof err), CERR_PARSE);
}

Test(wire, refuses_wrong_magic)
{
	s_forge_begin();
	msgpack_pack_array(&pk, 9);
	s_str("LX");
	s_expect(CERR_PARSE, "truncated");	/* the scan notices first */

	s_forge_begin();
	msgpack_pack_array(&pk, 3);
	s_str("LX");
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 1);
	s_expect(CERR_PROTO, "magic");

	s_forge_begin();
	msgpack_pack_array(&pk, 3);
	s_bin("LH", 2);		/* magic is str, not bin */
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 1);
	s_expect(CERR_PROTO, "magic");

	s_forge_begin();
	s_str("LH");		/* not an array at all */
	s_expect(CERR_PARSE, "not a loghaul frame");
}

Test(wire, refuses_wrong_version)
{
	s_forge_begin();
	msgpack_pack_array(&pk, 10);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION + 1);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("c");
	s_str("d");
	s_str("p");
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	msgpack_pack_int64(&pk, 0);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PROTO, "version 3");

	s_forge_begin();
	msgpack_pack_array(&pk, 3);
	s_str("LH");
	s_str("1");
	msgpack_pack_uint64(&pk, WIRE_ACK);
	s_expect(CERR_PARSE, "version");

	s_forge_begin();
	msgpack_pack_array(&pk, 3);
	s_str("LH");
	msgpack_pack_int64(&pk, -1);
	msgpack_pack_uint64(&pk, WIRE_ACK);
	s_expect(CERR_PARSE, "version");
}

Test(wire, refuses_unknown_type_and_field_counts)
{
	s_forge_begin();
	msgpack_pack_array(&pk, 3);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, 9);
	s_expect(CERR_PROTO, "type 9");

	s_forge_begin();	/* an ack with a field missing */
	msgpack_pack_array(&pk, 6);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_ACK);
	s_str("c");
	s_str("d");
	msgpack_pack_uint64(&pk, 1);
	s_expect(CERR_PARSE, "fields");

	s_forge_begin();	/* a record with a field missing */
	s_forge_batch_head(2);
	s_forge_good_rec();
	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, REC_LINE);
	msgpack_pack_int64(&pk, 0);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 0);
	s_str("");
	s_expect(CERR_PARSE, "record 1: record has 6 fields, expected 7 (8 for a snapshot)");

	s_forge_begin();	/* a record that is not an array */
	s_forge_batch_head(1);
	msgpack_pack_map(&pk, 0);
	s_expect(CERR_PARSE, "record 0: record: expected array, got map");
}

/* One record whose field `bad` (0..6) is replaced by what `put` packs. */
static void
s_forge_rec_with(int bad, void (*put)(void))
{
	s_forge_begin();
	s_forge_batch_head(1);
	msgpack_pack_array(&pk, 7);
	if (bad == 0) put(); else msgpack_pack_uint64(&pk, 1);
	if (bad == 1) put(); else msgpack_pack_uint64(&pk, REC_LINE);
	if (bad == 2) put(); else msgpack_pack_int64(&pk, 0);
	if (bad == 3) put(); else s_bin("", 0);
	if (bad == 4) put(); else msgpack_pack_uint64(&pk, 0);
	if (bad == 5) put(); else s_str("");
	if (bad == 6) put(); else s_bin("x", 1);
}

static void s_put_str(void) { s_str("line"); }
static void s_put_bin(void) { s_bin("tag", 3); }
static void s_put_neg(void) { msgpack_pack_int64(&pk, -7); }
static void s_put_huge(void) { msgpack_pack_uint64(&pk, UINT64_MAX); }
static void s_put_kind7(void) { msgpack_pack_uint64(&pk, 7); }
static void s_put_float(void) { msgpack_pack_double(&pk, 1.5); }
static void s_put_nil(void) { msgpack_pack_nil(&pk); }
static void s_put_bool(void) { msgpack_pack_true(&pk); }
static void s_put_ext(void) { msgpack_pack_ext(&pk, 1, 5); msgpack_pack_ext_body(&pk, "x", 1); }
static void s_put_ref(uint64_t off, uint64_t len) { msgpack_pack_array(&pk, 2); msgpack_pack_uint64(&pk, off); msgpack_pack_uint64(&pk, len); }
static void s_put_ref_outside(void) { s_put_ref(0, 5); }
static void s_put_ref_empty(void) { s_put_ref(0, 0); }
static void s_put_ref_three(void) { msgpack_pack_array(&pk, 3); msgpack_pack_uint64(&pk, 0); msgpack_pack_uint64(&pk, 1); msgpack_pack_uint64(&pk, 1); }
static void s_put_nulstr(void) { msgpack_pack_str(&pk, 3); msgpack_pack_str_body(&pk, "a\0b", 3); }

Test(wire, refuses_wrong_types)
{
	s_forge_rec_with(6, s_put_str);
	s_expect(CERR_PARSE, "line: expected bin, got str");
	s_forge_rec_with(3, s_put_str);
	s_expect(CERR_PARSE, "ts_raw: expected bin, got str");
	s_forge_rec_with(3, s_put_ref_outside);
	s_expect(CERR_PARSE, "ts_raw: [0, 5] is not inside the 1-byte line");
	s_forge_rec_with(5, s_put_ref_empty);
	s_expect(CERR_PARSE, "tag: [0, 0] is not inside");
	s_forge_rec_with(5, s_put_ref_three);
	s_expect(CERR_PARSE, "tag: a reference is [offset, length]");
	s_forge_rec_with(5, s_put_bin);
	s_expect(CERR_PARSE, "tag: expected str, got bin");
	s_forge_rec_with(5, s_put_nulstr);
	s_expect(CERR_PARSE, "NUL byte");
	s_forge_rec_with(0, s_put_neg);
	s_expect(CERR_PARSE, "id: expected uint");
	s_forge_rec_with(0, s_put_float);
	s_expect(CERR_PARSE, "id: expected uint, got float");
	s_forge_rec_with(1, s_put_kind7);
	s_expect(CERR_PARSE, "kind: value 7 out of range");
	s_forge_rec_with(2, s_put_huge);
	s_expect(CERR_PARSE, "ts_ms");
	s_forge_rec_with(4, s_put_nil);
	s_expect(CERR_PARSE, "seq: expected uint, got nil");
	s_forge_rec_with(6, s_put_bool);
	s_expect(CERR_PARSE, "line: expected bin, got bool");
	s_forge_rec_with(6, s_put_ext);
	s_expect(CERR_PARSE, "line: expected bin, got ext");

	s_forge_begin();	/* device as bin */
	msgpack_pack_array(&pk, 7);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_ACK);
	s_str("c");
	s_bin("d", 1);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	s_expect(CERR_PARSE, "device: expected str, got bin");
}

Test(wire, refuses_bad_event_fields)
{
	/*
	 * state 4 is not an ifstate, kind 5 not an ifkind; captures keyed by
	 * str, not bin; rx_ms as str; rx_ms missing
	 */
	for (int which = 0; which < 5; which++) {
		s_forge_begin();
		msgpack_pack_array(&pk, 8);
		s_str("LH");
		msgpack_pack_uint64(&pk, WIRE_VERSION);
		msgpack_pack_uint64(&pk, WIRE_EVENTS);
		s_str("c");
		s_str("d");
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_uint64(&pk, 2);
		msgpack_pack_array(&pk, 1);
		msgpack_pack_array(&pk, which == 4 ? 12 : 13);
		msgpack_pack_uint64(&pk, 1);
		s_str("rule");
		s_str("interface_down");
		s_str("cisco_ios");
		s_bin("Gi0/1", 5);
		msgpack_pack_uint64(&pk, which == 0 ? 4 : IF_DOWN);
		msgpack_pack_uint64(&pk, which == 1 ? IFK_MAX + 1 : IFK_SNAPSHOT);
		s_str("critical");
		msgpack_pack_int64(&pk, 0);
		s_bin("", 0);
		s_bin("line", 4);
		msgpack_pack_map(&pk, 1);
		if (which == 2)
			s_str("interface");
		else
			s_bin("interface", 9);
		s_bin("Gi0/1", 5);
		if (which == 3)
			s_str("1700000000000");
		else if (which != 4)
			msgpack_pack_int64(&pk, 1700000000000);
		if (which == 0)
			s_expect(CERR_PARSE, "event 0: state: value 4");
		else if (which == 1)
			s_expect(CERR_PARSE, "event 0: kind: value 5");
		else if (which == 2)
			s_expect(CERR_PARSE, "capture name: expected bin, got str");
		else if (which == 3)
			s_expect(CERR_PARSE, "event 0: rx_ms: expected int64, got str");
		else
			s_expect(CERR_PARSE, "event 0: event has 12 fields, expected 13");
	}
}

Test(wire, refuses_too_many_records)
{
	uint32_t i;

	s_forge_begin();
	s_forge_batch_head(WIRE_MAX_RECORDS + 1);
	for (i = 0; i < WIRE_MAX_RECORDS + 1; i++)
		msgpack_pack_nil(&pk);
	s_expect(CERR_TOOBIG, "65537");

	/* The same count claimed by a header with nothing behind it. */
	s_forge_begin();
	s_forge_batch_head(UINT32_MAX);
	s_expect(CERR_TOOBIG, "array");
}

Test(wire, refuses_oversized_frame_and_line)
{
	size_t n = WIRE_MAX_FRAME + 1;
	char *big = calloc(1, n);
	struct wire_msg m;
	char err[128];
	char *line;

	cr_assert_not_null(big);
	cr_assert_eq(wire_decode(big, n, &m, err, sizeof err), CERR_TOOBIG);
	cr_assert(strstr(err, "passes") != NULL, "%s", err);
	free(big);

	line = calloc(1, WIRE_MAX_LINE + 1);
	cr_assert_not_null(line);
	s_forge_begin();
	s_forge_batch_head(1);
	msgpack_pack_array(&pk, 7);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, REC_LINE);
	msgpack_pack_int64(&pk, 0);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 0);
	s_str("");
	s_bin(line, WIRE_MAX_LINE + 1);
	s_expect(CERR_TOOBIG, "field of 1048577 bytes");
	free(line);
}

Test(wire, refuses_nested_garbage)
{
	struct wire_msg m;
	char err[128];
	unsigned char deep[2000];
	size_t i;

	/* Arrays nested far deeper than any frame: no recursion, no crash. */
	for (i = 0; i < sizeof deep - 1; i++)
		deep[i] = 0x91;
	deep[sizeof deep - 1] = 0xc0;
	cr_assert_eq(wire_decode(deep, sizeof deep, &m, err, sizeof err), CERR_PARSE);

	/* A 16-bit array header claiming 60000 entries with 3 bytes behind it. */
	cr_assert_eq(wire_decode("\xdc\xea\x60\xc0\xc0\xc0", 6, &m, err, sizeof err),
	    CERR_PARSE);
	cr_assert(strstr(err, "truncated") != NULL, "%s", err);

	/* str32 claiming 4 GB. */
	cr_assert_eq(wire_decode("\xdb\xff\xff\xff\xff", 5, &m, err, sizeof err),
	    CERR_TOOBIG);

	/* A map with more entries than any event may carry. */
	s_forge_begin();
	msgpack_pack_map(&pk, WIRE_MAX_CAPTURES + 1);
	for (i = 0; i < 2 * (WIRE_MAX_CAPTURES + 1); i++)
		msgpack_pack_nil(&pk);
	s_expect(CERR_TOOBIG, "map");

	/* Valid MessagePack in the right places, nonsense inside. */
	s_forge_begin();
	s_forge_batch_head(1);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 0);
	s_expect(CERR_PARSE, "record 0");
}

Test(wire, refuses_too_many_values)
{
	uint32_t i, j;

	/* 65536 * 32 values in 2 MB: each allocates 24 bytes in msgpack-c. */
	s_forge_begin();
	msgpack_pack_array(&pk, WIRE_MAX_RECORDS);
	for (i = 0; i < WIRE_MAX_RECORDS; i++) {
		msgpack_pack_array(&pk, 31);
		for (j = 0; j < 31; j++)
			msgpack_pack_nil(&pk);
	}
	s_expect(CERR_TOOBIG, "values");
}

Test(wire, encoder_refuses_and_leaves_buffer)
{
	struct wire_rec recs[20];
	struct wire_batch b = { 0 };
	struct buf out;
	char *line = calloc(1, WIRE_MAX_LINE + 1);
	size_t i;

	cr_assert_not_null(line);
	memset(recs, 0, sizeof recs);
	b.key.collector = wire_str("c");
	b.key.device = wire_str("d");
	b.recs = recs;
	buf_init(&out, 0);
	cr_assert_eq(buf_append(&out, "keep", 4), CERR_OK);

	recs[0].line = s_bytes(line, WIRE_MAX_LINE + 1);
	b.nrecs = 1;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG);

	for (i = 0; i < 20; i++)	/* 20 lines of 1 MiB: a frame > 16 MiB */
		recs[i].line = s_bytes(line, WIRE_MAX_LINE);
	b.nrecs = 20;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG);

	b.nrecs = 1;
	recs[0].kind = (enum rec_kind)9;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL);
	recs[0].kind = REC_LINE;
	recs[0].line = s_bytes(NULL, 3);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL);
	recs[0].line = wire_str("ok");
	b.key.device = s_bytes("a\0b", 3);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL);
	b.key.device = wire_str("d");
	b.nrecs = WIRE_MAX_RECORDS + 1;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG);

	cr_assert_eq(out.len, 4);
	cr_assert_str_eq(out.data, "keep");
	buf_free(&out);

	/* The buffer's own ceiling is honoured and rolled back too. */
	buf_init(&out, 64);
	cr_assert_eq(buf_append(&out, "keep", 4), CERR_OK);
	recs[0].line = s_bytes(line, 100);
	b.nrecs = 1;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG);
	cr_assert_eq(out.len, 4);
	cr_assert_str_eq(out.data, "keep");
	buf_free(&out);
	free(line);
}

Test(wire, encoder_refuses_bad_events)
{
	struct wire_event ev = { 0 };
	struct wire_events e = { 0 };
	struct buf out;

	e.key.collector = wire_str("c");
	e.key.device = wire_str("d");
	e.nevents = 1;
	e.events = &ev;
	buf_init(&out, 0);
	ev.state = (enum ifstate)4;
	cr_assert_eq(wire_encode_events(&out, &e), CERR_INVAL);
	ev.state = IF_DOWN;
	ev.kind = (enum ifkind)-1;
	cr_assert_eq(wire_encode_events(&out, &e), CERR_INVAL);
	ev.kind = (enum ifkind)(IFK_MAX + 1);
	cr_assert_eq(wire_encode_events(&out, &e), CERR_INVAL);
	ev.kind = IFK_LINK;
	ev.ncaptures = WIRE_MAX_CAPTURES + 1;
	cr_assert_eq(wire_encode_events(&out, &e), CERR_TOOBIG);
	ev.ncaptures = 1;
	cr_assert_eq(wire_encode_events(&out, &e), CERR_INVAL, "NULL captures");
	ev.ncaptures = 0;
	cr_assert_eq(wire_encode_events(&out, &e), CERR_OK);
	buf_free(&out);
}

Test(wire, ack_endpoint)
{
	struct { const char *in, *out; } cases[] = {
		{ "tcp://127.0.0.1:5550", "tcp://127.0.0.1:5551" },
		{ "tcp://*:5550", "tcp://*:5551" },
		{ "tcp://[::1]:9", "tcp://[::1]:10" },
		{ "tcp://collector-1:65534", "tcp://collector-1:65535" },
		{ "ipc:///run/loghaul/c1.sock", "ipc:///run/loghaul/c1.sock.ack" },
		{ "inproc://data", "inproc://data.ack" },
		{ "tcp://127.0.0.1:65535", NULL },
		{ "tcp://127.0.0.1:*", NULL },
		{ "tcp://127.0.0.1:0", NULL },
		{ "tcp://127.0.0.1:", NULL },
		{ "tcp://127.0.0.1:+5", NULL },
		{ "tcp://127.0.0.1", NULL },
		{ "tcp://:5550", NULL },
		{ "ipc://", NULL },
		{ "udp://127.0.0.1:5", NULL },
		{ "", NULL },
	};
	size_t i;

	cr_assert_null(wire_ack_endpoint(NULL));
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = wire_ack_endpoint(cases[i].in);

		if (cases[i].out == NULL)
			cr_assert_null(got, "%s gave %s", cases[i].in, got);
		else {
			cr_assert_not_null(got, "%s gave NULL", cases[i].in);
			cr_assert_str_eq(got, cases[i].out);
		}
		free(got);
	}
}

Test(wire, helpers)
{
	struct wire_bytes a = s_bytes("a\0b", 3), e = wire_str(NULL);
	char *d;

	cr_assert_eq(e.len, 0);
	cr_assert_not_null(e.ptr);
	cr_assert(wire_bytes_eq(e, s_bytes(NULL, 0)));
	cr_assert(wire_bytes_eq(a, s_bytes("a\0b", 3)));
	cr_assert(!wire_bytes_eq(a, s_bytes("a\0c", 3)));
	cr_assert(!wire_bytes_eq(a, wire_str("a")));
	d = wire_bytes_dup(a);
	cr_assert_eq(memcmp(d, "a\0b\0", 4), 0);
	free(d);
	cr_assert_str_eq(ifstate_str(IF_DOWN), "down");
	cr_assert_str_eq(ifstate_str(IF_UP), "up");
	cr_assert_str_eq(ifstate_str(IF_ADMIN_DOWN), "admin_down");
	cr_assert_str_eq(ifstate_str(IF_UNKNOWN), "unknown");
	cr_assert_str_eq(ifstate_str((enum ifstate)99), "unknown");
	cr_assert_str_eq(ifkind_str(IFK_LINK), "link");
	cr_assert_str_eq(ifkind_str(IFK_PROTOCOL), "protocol");
	cr_assert_str_eq(ifkind_str(IFK_ADMIN), "admin");
	cr_assert_str_eq(ifkind_str(IFK_SNAPSHOT), "snapshot");
	cr_assert_str_eq(ifkind_str(IFK_NONE), "");
	cr_assert_str_eq(wire_ifrow_str(WIRE_IFROW_UP), "up");
	cr_assert_str_eq(wire_ifrow_str(WIRE_IFROW_DOWN), "down");
	cr_assert_str_eq(wire_ifrow_str(WIRE_IFROW_UNKNOWN), "unknown");
	cr_assert_str_eq(wire_ifrow_str((enum wire_ifrow_state)7), "unknown");
}

/* ---------------------------------------------------------------------
 * Snapshot records and rx_ms (version 3)
 */

static void
s_assert_rows(const struct wire_rec *g, const struct wire_rec *w,
    const struct buf *frame)
{
	size_t j;

	cr_assert_eq(g->nifs, w->nifs);
	cr_assert_eq(g->ifs == NULL, g->nifs == 0, "ifs is NULL exactly when empty");
	for (j = 0; j < g->nifs; j++) {
		s_assert_bytes(g->ifs[j].name, w->ifs[j].name, "row name");
		s_assert_bytes(g->ifs[j].descr, w->ifs[j].descr, "row descr");
		s_assert_inside(g->ifs[j].name, frame);
		s_assert_inside(g->ifs[j].descr, frame);
		cr_assert_eq(g->ifs[j].admin, w->ifs[j].admin, "row %zu admin", j);
		cr_assert_eq(g->ifs[j].oper, w->ifs[j].oper, "row %zu oper", j);
	}
}

/* Decode frame, compare with b, and encode the result to the same bytes. */
static void
s_round_trip(const struct wire_batch *b, const struct buf *frame)
{
	struct wire_msg m;
	struct buf again;
	char err[256];
	size_t i;

	cr_assert_eq(s_decode(frame, &m, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(m.type, WIRE_BATCH);
	cr_assert_eq(m.u.batch.rx_ms, b->rx_ms);
	cr_assert_eq(m.u.batch.nrecs, b->nrecs);
	for (i = 0; i < b->nrecs; i++) {
		const struct wire_rec *g = &m.u.batch.recs[i], *w = &b->recs[i];

		cr_assert_eq(g->id, w->id, "record %zu id", i);
		cr_assert_eq(g->kind, w->kind, "record %zu kind", i);
		cr_assert_eq(g->ts_ms, w->ts_ms);
		cr_assert_eq(g->seq, w->seq);
		s_assert_bytes(g->ts_raw, w->ts_raw, "ts_raw");
		s_assert_bytes(g->tag, w->tag, "tag");
		s_assert_bytes(g->line, w->line, "line");
		s_assert_rows(g, w, frame);
	}
	buf_init(&again, 0);
	cr_assert_eq(wire_encode_batch(&again, &m.u.batch), CERR_OK);
	cr_assert_eq(again.len, frame->len, "re-encoded to %zu bytes, not %zu",
	    again.len, frame->len);
	cr_assert_eq(memcmp(again.data, frame->data, frame->len), 0,
	    "the encoding is not canonical");
	buf_free(&again);
	wire_msg_free(&m);
}

Test(wire, batch_round_trip_with_snapshots)
{
	static const char line[] = "*Mar  1 00:00:01.123: %LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down";
	static const char nul_name[] = "Gi0/\0\xff";
	const size_t dlen = 10 * 1024;
	char *descr = malloc(dlen);
	struct wire_ifrow rows[4];
	struct wire_rec recs[5];
	struct wire_batch b = { 0 };
	struct buf frame;
	size_t i;

	cr_assert_not_null(descr);
	for (i = 0; i < dlen; i++)	/* NULs and invalid UTF-8 among them */
		descr[i] = (char)(i * 37);
	rows[0] = (struct wire_ifrow){ wire_str("GigabitEthernet0/1"),
	    wire_str("uplink to core"), WIRE_IFROW_UP, WIRE_IFROW_UP };
	rows[1] = (struct wire_ifrow){ s_bytes(nul_name, sizeof nul_name - 1),
	    s_bytes("\0\xc3\x28", 3), WIRE_IFROW_DOWN, WIRE_IFROW_DOWN };
	rows[2] = (struct wire_ifrow){ wire_str("Lo0"), wire_str(""),
	    WIRE_IFROW_UNKNOWN, WIRE_IFROW_UNKNOWN };
	rows[3] = (struct wire_ifrow){ wire_str("Te1/0/1"), s_bytes(descr, dlen),
	    WIRE_IFROW_UP, WIRE_IFROW_DOWN };
	memset(recs, 0, sizeof recs);
	recs[0].id = (7ull << 32) | 1;
	recs[0].kind = REC_LINE;
	recs[0].ts_ms = 1700000000123;
	recs[0].ts_raw = s_bytes(line + 1, 19);
	recs[0].tag = s_bytes(line + 23, 13);
	recs[0].seq = 12;
	recs[0].line = wire_str(line);
	recs[1].id = recs[0].id + 1;
	recs[1].kind = REC_SNAPSHOT;	/* an empty table is a table */
	recs[1].ts_ms = 1700000000200;
	recs[1].tag = wire_str(WIRE_SNAP_START);
	recs[2].id = recs[0].id + 2;
	recs[2].kind = REC_GAP;
	recs[2].line = wire_str("buffer wrapped past the cursor");
	recs[3].id = recs[0].id + 3;
	recs[3].kind = REC_SNAPSHOT;
	recs[3].ts_ms = 1700000000300;
	recs[3].tag = wire_str("wrap");
	recs[3].nifs = 4;
	recs[3].ifs = rows;
	recs[4].id = recs[0].id + 4;
	recs[4].kind = REC_SNAPSHOT;
	recs[4].tag = wire_str(WIRE_SNAP_PERIODIC);
	recs[4].nifs = 1;
	recs[4].ifs = rows + 1;
	b.key.collector = wire_str("c1");
	b.key.device = wire_str("r1");
	b.key.first_id = recs[0].id;
	b.key.last_id = recs[4].id;
	b.rx_ms = 1700000000789;
	b.nrecs = 5;
	b.recs = recs;

	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	s_round_trip(&b, &frame);
	/* A snapshot's line is empty: its tag cannot be a ref, it is a str. */
	cr_assert_not_null(memmem(frame.data, frame.len, "\xa5start\xc4\x00\x90", 8));
	cr_assert_not_null(memmem(frame.data, frame.len, "\xa4wrap\xc4\x00\x94", 8));
	buf_free(&frame);

	/* rx_ms: negative, zero (unknown) and the largest */
	b.rx_ms = -1;
	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	s_round_trip(&b, &frame);
	buf_free(&frame);
	b.rx_ms = INT64_MAX;
	b.nrecs = 0;
	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	s_round_trip(&b, &frame);
	buf_free(&frame);
	free(descr);
}

/*
 * Version 3 adds rx_ms to the batch header and nothing to a line record:
 * a line record is its array byte, the id delta, kind, ts_ms (9 bytes for
 * a date in ms), the stamp and tag refs (3 bytes each), seq and the line
 * as bin8 (2 bytes + the line).
 */
Test(wire, a_line_record_costs_what_it_did)
{
	static const char line[] = "*Mar  1 00:00:01.123: %LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down";
	struct wire_rec r = { .id = 5, .kind = REC_LINE, .ts_ms = 1700000000123,
	    .ts_raw = { line + 1, 19 }, .seq = 3, .tag = { line + 23, 13 },
	    .line = { line, sizeof line - 1 } };
	struct wire_batch b = { .key = { wire_str("c"), wire_str("r1"), 5, 5 },
	    .platform = wire_str("cisco_ios"), .rx_ms = 0, .nrecs = 0, .recs = &r };
	struct buf empty, one, stamped;

	buf_init(&empty, 0);
	buf_init(&one, 0);
	buf_init(&stamped, 0);
	cr_assert_eq(wire_encode_batch(&empty, &b), CERR_OK);
	b.nrecs = 1;
	cr_assert_eq(wire_encode_batch(&one, &b), CERR_OK);
	cr_assert_eq(one.len - empty.len, 1 + 1 + 1 + 9 + 3 + 1 + 3 + 2 + (sizeof line - 1));
	b.rx_ms = 1700000000789;
	cr_assert_eq(wire_encode_batch(&stamped, &b), CERR_OK);
	cr_assert_eq(stamped.len - one.len, 8, "a real rx_ms takes 9 bytes, not 1");
	buf_free(&empty);
	buf_free(&one);
	buf_free(&stamped);
}

Test(wire, snapshot_with_the_most_rows)
{
	struct wire_ifrow *rows = calloc(WIRE_MAX_IFS + 1, sizeof *rows);
	struct wire_rec r = { .id = 1, .kind = REC_SNAPSHOT, .tag = { "start", 5 } };
	struct wire_batch b = { .key = { wire_str("c"), wire_str("d"), 1, 1 },
	    .nrecs = 1, .recs = &r };
	struct buf frame;
	size_t i;

	cr_assert_not_null(rows);
	for (i = 0; i <= WIRE_MAX_IFS; i++) {
		rows[i].name = s_bytes((const char *)&rows[i], 1 + i % 16);
		rows[i].admin = (enum wire_ifrow_state)(i % 3);
		rows[i].oper = (enum wire_ifrow_state)((i / 3) % 3);
	}
	r.ifs = rows;
	r.nifs = WIRE_MAX_IFS;
	buf_init(&frame, 0);
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
	s_round_trip(&b, &frame);
	r.nifs = WIRE_MAX_IFS + 1;
	cr_assert_eq(wire_encode_batch(&frame, &b), CERR_TOOBIG);
	buf_free(&frame);
	free(rows);
}

/*
 * Rows count against WIRE_MAX_VALUES like any value: nine tables of
 * 419412 rows in all make a frame of exactly that many values, and the
 * encoder refuses one row more, as the decoder would.
 */
Test(wire, rows_count_against_the_value_limit)
{
	struct wire_ifrow *rows = calloc(WIRE_MAX_IFS, sizeof *rows);
	const size_t total = (WIRE_MAX_VALUES - 11 - 9 * 9) / 5;
	struct wire_rec recs[9];
	struct wire_batch b = { .key = { wire_str("c"), wire_str("d"), 0, 8 },
	    .nrecs = 9, .recs = recs };
	struct buf frame;
	size_t i, extra, left;

	cr_assert_not_null(rows);
	for (i = 0; i < WIRE_MAX_IFS; i++)
		rows[i].name = wire_str("e");
	for (extra = 0; extra < 2; extra++) {
		memset(recs, 0, sizeof recs);
		left = total + extra;
		for (i = 0; i < 9; i++) {
			recs[i].id = i;
			recs[i].kind = REC_SNAPSHOT;
			recs[i].ifs = rows;
			recs[i].nifs = i < 8 ? left / (9 - i) : left;
			left -= recs[i].nifs;
		}
		buf_init(&frame, 0);
		if (extra == 0) {
			cr_assert_eq(wire_encode_batch(&frame, &b), CERR_OK);
			s_round_trip(&b, &frame);
		} else {
			cr_assert_eq(wire_encode_batch(&frame, &b), CERR_TOOBIG);
			cr_assert_eq(frame.len, 0);
		}
		buf_free(&frame);
	}
	free(rows);
}

/* A batch with one record of `kind` and `nfields`, up to its line. */
static void
s_forge_rec_head(uint64_t kind, uint32_t nfields)
{
	s_forge_begin();
	s_forge_batch_head(1);
	msgpack_pack_array(&pk, nfields);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, kind);
	msgpack_pack_int64(&pk, 0);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 0);
	s_str("start");
	s_bin("", 0);
}

/* A snapshot whose table is [good row, the row `put` packs]. */
static void
s_forge_second_row(void (*put)(void))
{
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_array(&pk, 4);
	s_bin("Gi0/1", 5);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, WIRE_IFROW_UP);
	msgpack_pack_uint64(&pk, WIRE_IFROW_UP);
	put();
}

static void
s_put_row(const char *name, size_t nlen, int descr_type, int64_t admin,
    int64_t oper)
{
	msgpack_pack_array(&pk, 4);
	s_bin(name, nlen);
	if (descr_type == 0)
		s_bin("d", 1);
	else if (descr_type == 1)
		s_str("d");
	else
		msgpack_pack_nil(&pk);
	msgpack_pack_int64(&pk, admin);
	msgpack_pack_int64(&pk, oper);
}

static void s_row_empty_name(void) { s_put_row("", 0, 0, 1, 1); }
static void s_row_admin3(void) { s_put_row("x", 1, 0, 3, 1); }
static void s_row_oper3(void) { s_put_row("x", 1, 0, 1, 3); }
static void s_row_admin_neg(void) { s_put_row("x", 1, 0, -1, 1); }
static void s_row_descr_str(void) { s_put_row("x", 1, 1, 1, 1); }
static void s_row_descr_nil(void) { s_put_row("x", 1, 2, 1, 1); }
static void s_row_three(void) { msgpack_pack_array(&pk, 3); s_bin("x", 1); s_bin("", 0); msgpack_pack_uint64(&pk, 1); }
static void s_row_five(void) { s_put_row("x", 1, 0, 1, 1); }	/* after a 5-array header */
static void s_row_bin(void) { s_bin("Gi0/2", 5); }
static void
s_row_name_str(void)
{
	msgpack_pack_array(&pk, 4);
	s_str("Gi0/2");
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 1);
}

Test(wire, refuses_bad_snapshots)
{
	char *big;
	uint32_t j;

	s_forge_rec_head(REC_LINE, 8);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PARSE, "record 0: a line record has 8 fields, expected 7");
	s_forge_rec_head(REC_GAP, 8);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PARSE, "record 0: a gap record has 8 fields, expected 7");
	s_forge_rec_head(REC_SNAPSHOT, 7);
	s_expect(CERR_PARSE, "record 0: a snapshot record has 7 fields, expected 8");
	s_forge_rec_head(REC_KIND_MAX + 1, 8);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PARSE, "record 0: kind: value 3 out of range");
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_map(&pk, 0);
	s_expect(CERR_PARSE, "record 0: ifs: expected array, got map");
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_nil(&pk);
	s_expect(CERR_PARSE, "record 0: ifs: expected array, got nil");

	s_forge_second_row(s_row_empty_name);
	s_expect(CERR_PARSE, "record 0: row 1: name is empty");
	s_forge_second_row(s_row_admin3);
	s_expect(CERR_PARSE, "record 0: row 1: admin: value 3 out of range");
	s_forge_second_row(s_row_oper3);
	s_expect(CERR_PARSE, "record 0: row 1: oper: value 3 out of range");
	s_forge_second_row(s_row_admin_neg);
	s_expect(CERR_PARSE, "row 1: admin: expected uint, got negative int");
	s_forge_second_row(s_row_descr_str);
	s_expect(CERR_PARSE, "row 1: descr: expected bin, got str");
	s_forge_second_row(s_row_descr_nil);
	s_expect(CERR_PARSE, "row 1: descr: expected bin, got nil");
	s_forge_second_row(s_row_name_str);
	s_expect(CERR_PARSE, "row 1: name: expected bin, got str");
	s_forge_second_row(s_row_three);
	s_expect(CERR_PARSE, "record 0: row 1: row has 3 fields, expected 4");
	s_forge_second_row(s_row_bin);
	s_expect(CERR_PARSE, "record 0: row 1: row: expected array, got bin");
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 5);
	s_row_five();
	s_expect(CERR_PARSE, "truncated");	/* 5 claimed, the row is 1 */

	/* a table longer than WIRE_MAX_IFS, a name longer than a line */
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_array(&pk, WIRE_MAX_IFS + 1);
	for (j = 0; j < WIRE_MAX_IFS + 1; j++)
		s_put_row("x", 1, 0, 1, 1);
	s_expect(CERR_TOOBIG, "array of 65537 entries passes 65536");
	big = calloc(1, WIRE_MAX_LINE + 1);
	cr_assert_not_null(big);
	s_forge_rec_head(REC_SNAPSHOT, 8);
	msgpack_pack_array(&pk, 1);
	s_put_row(big, WIRE_MAX_LINE + 1, 0, 1, 1);
	s_expect(CERR_TOOBIG, "field of 1048577 bytes");
	s_forge_rec_head(REC_SNAPSHOT, 8);	/* the longest name is fine */
	msgpack_pack_array(&pk, 1);
	s_put_row(big, WIRE_MAX_LINE, 0, 1, 1);
	cr_assert_eq(s_forged(NULL, 0), CERR_OK);
	free(big);

	/* rx_ms is an int; a batch without it is a version 2 body */
	s_forge_begin();
	msgpack_pack_array(&pk, 10);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("c");
	s_str("d");
	s_str("p");
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	s_bin("\x01", 1);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PARSE, "rx_ms: expected int64, got bin");
	s_forge_begin();
	msgpack_pack_array(&pk, 9);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("c");
	s_str("d");
	s_str("p");
	msgpack_pack_uint64(&pk, 1);
	msgpack_pack_uint64(&pk, 2);
	msgpack_pack_array(&pk, 0);
	s_expect(CERR_PARSE, "type 1 frame has 9 fields, expected 10");
}

/* What a version 2 peer sends, byte for byte: refused as a version. */
Test(wire, refuses_version_2_frames)
{
	static const unsigned char batch[] =
	    "\x99\xa2LH\x02\x01\xa1" "c\xa1" "d\xa1p\x01\x02\x91"
	    "\x97\x00\x00\x05\x92\x00\x02\x00\x92\x01\x02\xc4\x03" "abc";
	static const unsigned char ack[] = "\x97\xa2LH\x02\x02\xa1" "c\xa1" "d\x01\x02";
	static const unsigned char events[] =
	    "\x98\xa2LH\x02\x03\xa1" "c\xa1" "d\x01\x02\x91"
	    "\x9c\x01\xa1r\xa1" "e\xa1p\xc4\x01" "G\x01\x01\xa1s\x00\xc4\x00\xc4\x00\x80";
	const unsigned char *frames[] = { batch, ack, events };
	const size_t lens[] = { sizeof batch - 1, sizeof ack - 1, sizeof events - 1 };
	struct wire_msg m;
	char err[128];
	size_t i;

	for (i = 0; i < 3; i++) {
		cr_assert_eq(wire_decode(frames[i], lens[i], &m, err, sizeof err),
		    CERR_PROTO, "frame %zu: %s", i, err);
		cr_assert_str_eq(err, "wire version 2 not supported (this is version 3)");
		cr_assert_null(m.priv_);
		cr_assert_eq(wire_decode_ref(frames[i], lens[i], &m, err, sizeof err),
		    CERR_PROTO);
	}
}

Test(wire, encoder_refuses_bad_snapshots)
{
	struct wire_ifrow row = { wire_str("Gi0/1"), wire_str(""), WIRE_IFROW_UP,
	    WIRE_IFROW_DOWN };
	struct wire_rec r = { .id = 1, .kind = REC_SNAPSHOT, .tag = { "start", 5 },
	    .nifs = 1, .ifs = &row };
	struct wire_batch b = { .key = { wire_str("c"), wire_str("d"), 1, 1 },
	    .nrecs = 1, .recs = &r };
	char *big = calloc(1, WIRE_MAX_LINE + 1);
	struct buf out;

	cr_assert_not_null(big);
	buf_init(&out, 0);
	cr_assert_eq(buf_append(&out, "keep", 4), CERR_OK);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_OK, "the good one");
	out.len = 4;

	r.kind = REC_LINE;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "rows on a line");
	r.kind = REC_GAP;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "rows on a gap");
	r.kind = (enum rec_kind)(REC_KIND_MAX + 1);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "kind");
	r.kind = REC_SNAPSHOT;
	r.ifs = NULL;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "NULL rows");
	r.ifs = &row;
	row.name = wire_str("");
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "empty name");
	row.name = s_bytes(NULL, 3);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "NULL name");
	row.name = wire_str("Gi0/1");
	row.descr = s_bytes(NULL, 3);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "NULL descr");
	row.descr = s_bytes(big, WIRE_MAX_LINE + 1);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG, "long descr");
	row.descr = wire_str("");
	row.admin = (enum wire_ifrow_state)(WIRE_IFROW_MAX + 1);
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "admin");
	row.admin = WIRE_IFROW_UP;
	row.oper = (enum wire_ifrow_state)-1;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_INVAL, "oper");
	row.oper = WIRE_IFROW_DOWN;
	r.nifs = WIRE_MAX_IFS + 1;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_TOOBIG, "rows");
	cr_assert_eq(out.len, 4);
	cr_assert_eq(memcmp(out.data, "keep", 4), 0);

	/* no rows: fine for any kind, and ifs is not looked at */
	r.nifs = 0;
	r.ifs = NULL;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_OK);
	r.kind = REC_LINE;
	r.ifs = &row;
	cr_assert_eq(wire_encode_batch(&out, &b), CERR_OK);
	buf_free(&out);
	free(big);
}
