/*
 * test_wire_fast.c — the one-pass BATCH reader (common/wire_fast.c) against
 * the reference decoder: every encoding MessagePack allows for a field is
 * read to the same value, and whatever the reference refuses the fast
 * reader refuses too (fuzz_wire checks the same on random frames).
 */
#include <criterion/criterion.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/wire.h"
#include "common/wire_int.h"

static msgpack_sbuffer sb;
static msgpack_packer pk;

static void
s_begin(void)
{
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
}

static void
s_raw(const void *p, size_t n)
{
	if (n > 0)	/* msgpack-c would memcpy into a NULL buffer */
		msgpack_sbuffer_write(&sb, p, n);
}

static void
s_str(const char *s)
{
	msgpack_pack_str(&pk, strlen(s));
	msgpack_pack_str_body(&pk, s, strlen(s));
}

static void
s_head(uint32_t nrecs)
{
	msgpack_pack_array(&pk, 10);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("coll");
	s_str("r1");
	s_str("cisco_ios");
	msgpack_pack_uint64(&pk, 10);
	msgpack_pack_uint64(&pk, 12);
	msgpack_pack_int64(&pk, 1700000000456);
	msgpack_pack_array(&pk, nrecs);
}

static void
s_good_rec(uint64_t id)
{
	msgpack_pack_array(&pk, 7);
	msgpack_pack_uint64(&pk, id);
	msgpack_pack_uint64(&pk, REC_LINE);
	msgpack_pack_int64(&pk, 1700000000123);
	msgpack_pack_bin(&pk, 6);
	msgpack_pack_bin_body(&pk, "Nov  1", 6);
	msgpack_pack_uint64(&pk, 77);
	s_str("LINK-3-UPDOWN");
	msgpack_pack_bin(&pk, 5);
	msgpack_pack_bin_body(&pk, "li\0ne", 5);
}

static int
s_same(struct wire_bytes a, struct wire_bytes b)
{
	return a.len == b.len && (a.len == 0 || a.ptr == b.ptr);
}

/* The rows of two decodings of the same record: the same bytes. */
static void
s_same_rows(const struct wire_rec *x, const struct wire_rec *y, size_t i)
{
	cr_assert_eq(x->nifs, y->nifs, "record %zu rows", i);
	cr_assert_eq(x->ifs == NULL, x->nifs == 0, "record %zu ifs", i);
	cr_assert_eq(y->ifs == NULL, y->nifs == 0, "record %zu ifs", i);
	for (size_t j = 0; j < x->nifs; j++) {
		cr_assert(s_same(x->ifs[j].name, y->ifs[j].name), "row %zu", j);
		cr_assert(s_same(x->ifs[j].descr, y->ifs[j].descr), "row %zu", j);
		cr_assert_eq(x->ifs[j].admin, y->ifs[j].admin, "row %zu", j);
		cr_assert_eq(x->ifs[j].oper, y->ifs[j].oper, "row %zu", j);
	}
}

/*
 * Both decoders on sb; returns the reference's code, checks agreement:
 * the fast reader takes exactly what the reference takes, with the same
 * fields, and wire_decode(), which tries it first, refuses with the
 * reference's code and reason.
 */
static enum cerr
s_both(void)
{
	struct wire_msg ref, fast, pub;
	char err[256], perr[256];
	enum cerr rc = wire_decode_ref(sb.data, sb.size, &ref, err, sizeof err);
	int frc = wire_decode_batch_fast(sb.data, sb.size, &fast);
	enum cerr prc = wire_decode(sb.data, sb.size, &pub, perr, sizeof perr);

	cr_assert_eq(prc, rc, "wire_decode: %s, the reference: %s", cerr_str(prc),
	    cerr_str(rc));
	if (rc != CERR_OK)
		cr_assert_str_eq(perr, err);
	wire_msg_free(&pub);
	if (rc != CERR_OK || ref.type != WIRE_BATCH) {
		cr_assert_eq(frc, -1, "the fast reader took a frame the reference "
		    "refuses (%s)", err);
		cr_assert_null(fast.priv_);
		cr_assert_eq(fast.u.batch.nrecs, 0);
	} else {
		const struct wire_batch *a = &ref.u.batch, *b = &fast.u.batch;

		cr_assert_eq(frc, 0, "the fast reader refused a good batch");
		cr_assert_eq(fast.type, WIRE_BATCH);
		cr_assert(s_same(a->key.collector, b->key.collector));
		cr_assert(s_same(a->key.device, b->key.device));
		cr_assert(s_same(a->platform, b->platform));
		cr_assert_eq(a->key.first_id, b->key.first_id);
		cr_assert_eq(a->key.last_id, b->key.last_id);
		cr_assert_eq(a->rx_ms, b->rx_ms);
		cr_assert_eq(a->nrecs, b->nrecs);
		for (size_t i = 0; i < a->nrecs; i++) {
			const struct wire_rec *x = &a->recs[i], *y = &b->recs[i];

			cr_assert_eq(x->id, y->id, "record %zu id", i);
			cr_assert_eq(x->kind, y->kind);
			cr_assert_eq(x->ts_ms, y->ts_ms, "record %zu ts_ms", i);
			cr_assert_eq(x->seq, y->seq);
			cr_assert(s_same(x->ts_raw, y->ts_raw));
			cr_assert(s_same(x->tag, y->tag));
			cr_assert(s_same(x->line, y->line));
			s_same_rows(x, y, i);
		}
	}
	wire_msg_free(&ref);
	wire_msg_free(&fast);
	return rc;
}

Test(wire_fast, encoder_output_reads_the_same)
{
	s_begin();
	s_head(3);
	for (uint64_t id = 10; id <= 12; id++)
		s_good_rec(id);
	cr_assert_eq(s_both(), CERR_OK);
	msgpack_sbuffer_destroy(&sb);
}

/*
 * Integers in every width and signedness, strings and bins in every
 * length class: a peer with another MessagePack library may pick any.
 */
Test(wire_fast, every_encoding_of_a_field)
{
	static const unsigned char ids[][9] = {
		{ 0x05 }, { 0xcc, 0xf0 }, { 0xcd, 0x12, 0x34 },
		{ 0xce, 0x12, 0x34, 0x56, 0x78 },
		{ 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 1 },
		{ 0xd0, 0x7f }, { 0xd1, 0x7f, 0xff }, { 0xd2, 0x00, 0, 0, 9 },
		{ 0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	static const size_t idlen[] = { 1, 2, 3, 5, 9, 2, 3, 5, 9 };
	static const unsigned char ts[][9] = {
		{ 0xff }, { 0xe0 }, { 0xd0, 0x80 }, { 0xd1, 0x80, 0x00 },
		{ 0xd2, 0xff, 0xff, 0xff, 0xfe }, { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 },
		{ 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x00 },
	};
	static const size_t tslen[] = { 1, 1, 2, 3, 5, 9, 9, 1 };
	char line[300];

	memset(line, 'x', sizeof line);
	for (size_t i = 0; i < sizeof idlen / sizeof idlen[0]; i++) {
		for (size_t j = 0; j < sizeof tslen / sizeof tslen[0]; j++) {
			s_begin();
			/* array16 of one record, "LH" as str8 */
			s_raw("\x9a\xd9\x02LH\x03\x01\xa1" "c\xa1" "d\xa0\x00\x00"
			    "\xff\xdc\x00\x01", 18);
			s_raw("\x97", 1);
			s_raw(ids[i], idlen[i]);
			s_raw("\x01", 1);			/* kind: gap */
			s_raw(ts[j], tslen[j]);
			s_raw("\xc5\x00\x00", 3);		/* bin16, empty */
			s_raw("\xd1\x00\x05", 3);		/* seq as int16 */
			s_raw("\xda\x00\x03" "TAG", 6);		/* str16 */
			s_raw("\xc6\x00\x00\x01\x2c", 5);	/* bin32, 300 */
			s_raw(line, sizeof line);
			cr_assert_eq(s_both(), CERR_OK, "id form %zu, ts form %zu",
			    i, j);
			msgpack_sbuffer_destroy(&sb);
		}
	}
}

/*
 * A good frame, then one byte of it changed to every value, every
 * truncation and a byte too many: the two decoders agree on all of them.
 */
static void
s_mutate_all(const unsigned char *good, size_t n)
{
	unsigned char *f = malloc(n);
	size_t refused = 0;

	cr_assert_not_null(f);
	s_begin();
	s_raw(good, n);
	cr_assert_eq(s_both(), CERR_OK);
	msgpack_sbuffer_destroy(&sb);
	for (size_t at = 0; at < n; at++) {
		for (unsigned v = 0; v < 256; v++) {
			memcpy(f, good, n);
			f[at] = (unsigned char)v;
			s_begin();
			s_raw(f, n);
			refused += s_both() != CERR_OK;
			msgpack_sbuffer_destroy(&sb);
		}
		s_begin();
		s_raw(good, at);
		cr_assert_neq(s_both(), CERR_OK);
		msgpack_sbuffer_destroy(&sb);
	}
	s_begin();
	s_raw(good, n);
	s_raw("\xc0", 1);
	cr_assert_neq(s_both(), CERR_OK);
	msgpack_sbuffer_destroy(&sb);
	free(f);
	cr_assert_gt(refused, n, "single-byte changes should break frames");
}

Test(wire_fast, refuses_what_the_reference_refuses)
{
	/* two records: stamp and tag as bytes, then as refs into the line */
	static const unsigned char good[] =
	    "\x9a\xa2LH\x03\x01\xa1" "c\xa1" "d\xa1p\x01\x02\x07\x92"
	    "\x97\x00\x00\xd0\xfb\xc4\x01T\x00\xa3TAG\xc4\x02ok"
	    "\x97\x01\x00\x05\x92\x00\x02\x00\x92\x01\x02\xc4\x03" "abc";

	s_mutate_all(good, sizeof good - 1);
}

Test(wire_fast, refuses_what_the_reference_refuses_in_snapshots)
{
	/* a line, a snapshot of two rows (NUL and 0xff in a descr), an empty one */
	static const unsigned char good[] =
	    "\x9a\xa2LH\x03\x01\xa1" "c\xa1" "d\xa1p\x01\x03\x07\x93"
	    "\x97\x00\x00\x05\x92\x00\x02\x00\x92\x01\x02\xc4\x03" "abc"
	    "\x98\x01\x02\x06\xc4\x00\x00\xa5start\xc4\x00\x92"
	    "\x94\xc4\x05Gi0/1\xc4\x03" "d\x00\xff\x01\x01"
	    "\x94\xc4\x02Lo\xc4\x00\x02\x00"
	    "\x98\x02\x02\x00\xc4\x00\x00\xa4wrap\xc4\x00\x90";

	s_mutate_all(good, sizeof good - 1);
}

/* Refs (wire.h) with offsets and lengths in any integer width. */
Test(wire_fast, refs_in_every_width)
{
	static const char *const refs[] = {
		"\x92\x00\x05", "\x92\xcc\x00\xcd\x00\x05",
		"\x92\xd0\x01\xce\x00\x00\x00\x04",
		"\x92\xcf\x00\x00\x00\x00\x00\x00\x00\x04\x01",
		"\x92\x05\x00",	/* empty: refused by both */
		"\x92\x04\x02",	/* past the end: refused by both */
		"\x92\xff\x01",	/* negative offset: refused by both */
	};
	static const size_t len[] = { 3, 6, 8, 11, 3, 3, 3 };
	int ok = 0;

	for (size_t i = 0; i < sizeof len / sizeof len[0]; i++) {
		for (int field = 0; field < 2; field++) {
			s_begin();
			s_raw("\x9a\xa2LH\x03\x01\xa1" "c\xa1" "d\xa0\x07\x07\x00"
			    "\x91\x97\x00\x00\x00", 19);
			if (field == 0)
				s_raw(refs[i], len[i]);
			else
				s_raw("\xc4\x00", 2);
			s_raw("\x00", 1);
			if (field == 1)
				s_raw(refs[i], len[i]);
			else
				s_raw("\xa0", 1);
			s_raw("\xc4\x05" "hello", 7);
			ok += s_both() == CERR_OK;
			msgpack_sbuffer_destroy(&sb);
		}
	}
	cr_assert_eq(ok, 8, "the first four refs are good in both fields");
}

/* What the collector sends: stamp and tag point into the line. */
Test(wire_fast, encoder_sends_refs_and_they_read_back)
{
	static const char line[] = "*Mar  1 00:00:01.123: %LINK-3-UPDOWN: x";
	struct wire_rec rec = { .id = (7ull << 32) | 9, .kind = REC_LINE,
	    .ts_ms = 1, .ts_raw = { line + 1, 19 }, .seq = 3,
	    .tag = { line + 23, 13 }, .line = { line, sizeof line - 1 } };
	struct wire_batch wb = { .key = { wire_str("c"), wire_str("r1"),
	    (7ull << 32) | 1, (7ull << 32) | 9 }, .platform = wire_str("cisco_ios"),
	    .nrecs = 1, .recs = &rec };
	static const char stamp[] = "Mar  1 00:00:01.123", tag[] = "LINK-3-UPDOWN";
	struct wire_rec apart = rec;
	struct wire_batch wa = wb;
	struct wire_msg m;
	struct buf b, c;

	buf_init(&b, 0);
	buf_init(&c, 0);
	cr_assert_eq(wire_encode_batch(&b, &wb), CERR_OK);
	/* The same record with stamp and tag outside the line: sent as bytes. */
	apart.ts_raw = (struct wire_bytes){ stamp, 19 };
	apart.tag = (struct wire_bytes){ tag, 13 };
	wa.recs = &apart;
	cr_assert_eq(wire_encode_batch(&c, &wa), CERR_OK);
	/* bin8 of 19 (21 bytes) and fixstr of 13 (14) against two 3-byte refs */
	cr_assert_eq(c.len - b.len, 29, "refs saved %zu bytes", c.len - b.len);
	buf_free(&c);
	cr_assert_eq(wire_decode_batch_fast(b.data, b.len, &m), 0);
	cr_assert_eq(m.u.batch.recs[0].id, rec.id);
	cr_assert_eq(m.u.batch.recs[0].ts_raw.len, 19);
	cr_assert_eq(memcmp(m.u.batch.recs[0].ts_raw.ptr, "Mar  1 00:00:01.123", 19), 0);
	cr_assert_eq(memcmp(m.u.batch.recs[0].tag.ptr, "LINK-3-UPDOWN", 13), 0);
	wire_msg_free(&m);
	sb.data = NULL;
	msgpack_sbuffer_init(&sb);
	s_raw(b.data, b.len);
	cr_assert_eq(s_both(), CERR_OK);
	msgpack_sbuffer_destroy(&sb);
	buf_free(&b);
}

Test(wire_fast, other_types_go_to_the_reference)
{
	struct wire_key k = { wire_str("c"), wire_str("d"), 1, 2 };
	struct wire_msg m;
	struct buf b;

	buf_init(&b, 0);
	cr_assert_eq(wire_encode_ack(&b, &k), CERR_OK);
	cr_assert_eq(wire_decode_batch_fast(b.data, b.len, &m), -1);
	cr_assert_eq(wire_decode(b.data, b.len, &m, NULL, 0), CERR_OK);
	cr_assert_eq(m.type, WIRE_ACK);
	wire_msg_free(&m);
	buf_free(&b);
}

/* fuzz_wire found it: an empty batch into a message that was not zeroed. */
Test(wire_fast, empty_batch_into_a_dirty_message)
{
	static const unsigned char frame[] =
	    "\x9a\xa2LH\x03\x01\xa1" "c\xa1" "d\xa0\x05\x05\x00\x90";
	struct wire_msg m;

	memset(&m, 0xa5, sizeof m);
	cr_assert_eq(wire_decode_batch_fast(frame, sizeof frame - 1, &m), 0);
	cr_assert_eq(m.type, WIRE_BATCH);
	cr_assert_eq(m.u.batch.nrecs, 0);
	cr_assert_null(m.u.batch.recs);
	cr_assert_null(m.priv_);
	wire_msg_free(&m);
}

/* ---------------------------------------------------------------------
 * Snapshot records (wire.h, version 3)
 */

static void
s_bin(const char *p, size_t n)
{
	msgpack_pack_bin(&pk, n);
	msgpack_pack_bin_body(&pk, p, n);
}

static void
s_row(const char *name, size_t nlen, const char *descr, size_t dlen,
    uint64_t admin, uint64_t oper)
{
	msgpack_pack_array(&pk, 4);
	s_bin(name, nlen);
	s_bin(descr, dlen);
	msgpack_pack_uint64(&pk, admin);
	msgpack_pack_uint64(&pk, oper);
}

/* A record of `kind` with `nfields`, up to its line; the table follows. */
static void
s_rec_head(uint64_t id, uint64_t kind, uint32_t nfields, const char *tag)
{
	msgpack_pack_array(&pk, nfields);
	msgpack_pack_uint64(&pk, id);
	msgpack_pack_uint64(&pk, kind);
	msgpack_pack_int64(&pk, 1700000000999);
	s_bin("", 0);
	msgpack_pack_uint64(&pk, 0);
	s_str(tag);
	s_bin("", 0);
}

Test(wire_fast, snapshot_records_read_the_same)
{
	static const char descr[] = "uplink \0 to \xff\xfe core";
	char *big = malloc(10 * 1024);
	struct wire_msg m;
	const struct wire_rec *r;

	cr_assert_not_null(big);
	memset(big, 'D', 10 * 1024);
	s_begin();
	s_head(5);
	s_good_rec(10);
	s_rec_head(0, REC_SNAPSHOT, 8, "start");
	msgpack_pack_array(&pk, 0);
	s_rec_head(1, REC_SNAPSHOT, 8, "periodic");
	msgpack_pack_array(&pk, 3);
	s_row("Gi0/1", 5, descr, sizeof descr - 1, WIRE_IFROW_UP, WIRE_IFROW_DOWN);
	s_row("Lo\0", 3, "", 0, WIRE_IFROW_UNKNOWN, WIRE_IFROW_UNKNOWN);
	s_row("\xff", 1, big, 10 * 1024, WIRE_IFROW_DOWN, WIRE_IFROW_DOWN);
	s_rec_head(2, REC_GAP, 7, "");
	s_rec_head(2, REC_SNAPSHOT, 8, "wrap");
	/* one row in other encodings: bin16 and bin32, states as int8, int64 */
	s_raw("\x91\x94\xc5\x00\x02" "Gi\xc6\x00\x00\x00\x01" "x"
	    "\xd0\x01\xd3\x00\x00\x00\x00\x00\x00\x00\x02", 24);
	cr_assert_eq(s_both(), CERR_OK);

	cr_assert_eq(wire_decode_batch_fast(sb.data, sb.size, &m), 0);
	cr_assert_eq(m.u.batch.rx_ms, 1700000000456);
	cr_assert_eq(m.u.batch.nrecs, 5);
	r = m.u.batch.recs;
	cr_assert_eq(r[0].nifs, 0);
	cr_assert_null(r[0].ifs);
	cr_assert_eq(r[1].kind, REC_SNAPSHOT);
	cr_assert_eq(r[1].nifs, 0, "an empty table is a table");
	cr_assert_null(r[1].ifs);
	cr_assert_eq(r[1].tag.len, 5);
	cr_assert_eq(memcmp(r[1].tag.ptr, "start", 5), 0);
	cr_assert_eq(r[2].nifs, 3);
	cr_assert_eq(r[2].ifs[0].descr.len, sizeof descr - 1);
	cr_assert_eq(memcmp(r[2].ifs[0].descr.ptr, descr, sizeof descr - 1), 0);
	cr_assert_eq(r[2].ifs[0].admin, WIRE_IFROW_UP);
	cr_assert_eq(r[2].ifs[0].oper, WIRE_IFROW_DOWN);
	cr_assert_eq(r[2].ifs[1].name.len, 3);
	cr_assert_eq(r[2].ifs[2].descr.len, 10 * 1024);
	cr_assert_eq(r[3].kind, REC_GAP);
	cr_assert_null(r[3].ifs);
	cr_assert_eq(r[4].nifs, 1);
	cr_assert_eq(r[4].ifs, r[2].ifs + 3, "rows follow each other in order");
	cr_assert_eq(r[4].ifs[0].name.len, 2);
	cr_assert_eq(r[4].ifs[0].admin, WIRE_IFROW_UP);
	cr_assert_eq(r[4].ifs[0].oper, WIRE_IFROW_DOWN);
	wire_msg_free(&m);
	msgpack_sbuffer_destroy(&sb);
	free(big);
}

enum {
	BAD_LINE_WITH_TABLE, BAD_SNAP_WITHOUT, BAD_ROW3, BAD_ROW5, BAD_EMPTY_NAME,
	BAD_ADMIN, BAD_OPER, BAD_NEG_STATE, BAD_NAME_STR, BAD_DESCR_STR,
	BAD_DESCR_NIL, BAD_TABLE_MAP, BAD_TABLE_NIL, BAD_ROW_NOT_ARRAY,
	BAD_LYING_COUNT, BAD_KIND3, BAD_TOO_MANY_ROWS, BAD_LONG_NAME,
	GOOD_LONG_DESCR, GOOD_MAX_ROWS, NCASES
};

/* What the reference says to each; the fast reader must agree. */
static const enum cerr s_want[NCASES] = {
	[BAD_LINE_WITH_TABLE] = CERR_PARSE, [BAD_SNAP_WITHOUT] = CERR_PARSE,
	[BAD_ROW3] = CERR_PARSE, [BAD_ROW5] = CERR_PARSE,
	[BAD_EMPTY_NAME] = CERR_PARSE, [BAD_ADMIN] = CERR_PARSE,
	[BAD_OPER] = CERR_PARSE, [BAD_NEG_STATE] = CERR_PARSE,
	[BAD_NAME_STR] = CERR_PARSE, [BAD_DESCR_STR] = CERR_PARSE,
	[BAD_DESCR_NIL] = CERR_PARSE, [BAD_TABLE_MAP] = CERR_PARSE,
	[BAD_TABLE_NIL] = CERR_PARSE, [BAD_ROW_NOT_ARRAY] = CERR_PARSE,
	[BAD_LYING_COUNT] = CERR_PARSE, [BAD_KIND3] = CERR_PARSE,
	[BAD_TOO_MANY_ROWS] = CERR_TOOBIG, [BAD_LONG_NAME] = CERR_TOOBIG,
	[GOOD_LONG_DESCR] = CERR_OK, [GOOD_MAX_ROWS] = CERR_OK,
};

static void
s_forge_case(int c, char *big)
{
	s_begin();
	s_head(2);
	s_good_rec(10);
	switch (c) {
	case BAD_LINE_WITH_TABLE:
		s_rec_head(1, REC_LINE, 8, "");
		msgpack_pack_array(&pk, 0);
		return;
	case BAD_SNAP_WITHOUT:
		s_rec_head(1, REC_SNAPSHOT, 7, "start");
		return;
	case BAD_KIND3:
		s_rec_head(1, 3, 8, "start");
		msgpack_pack_array(&pk, 0);
		return;
	}
	s_rec_head(1, REC_SNAPSHOT, 8, "periodic");
	switch (c) {
	case BAD_TABLE_MAP:
		msgpack_pack_map(&pk, 0);
		return;
	case BAD_TABLE_NIL:
		msgpack_pack_nil(&pk);
		return;
	case BAD_LYING_COUNT:	/* array16 of 1000 rows, one behind it */
		s_raw("\xdc\x03\xe8", 3);
		s_row("Gi0/1", 5, "", 0, 1, 1);
		return;
	case BAD_TOO_MANY_ROWS:
	case GOOD_MAX_ROWS:
		msgpack_pack_array(&pk, WIRE_MAX_IFS + (c == BAD_TOO_MANY_ROWS));
		for (uint32_t j = 0; j < WIRE_MAX_IFS + (c == BAD_TOO_MANY_ROWS); j++)
			s_row("e", 1, "", 0, 1, 2);
		return;
	}
	msgpack_pack_array(&pk, 2);
	s_row("Gi0/1", 5, "a", 1, 1, 1);
	switch (c) {
	case BAD_ROW3:
		msgpack_pack_array(&pk, 3);
		s_bin("Gi0/2", 5);
		s_bin("", 0);
		msgpack_pack_uint64(&pk, 1);
		return;
	case BAD_ROW5:
		msgpack_pack_array(&pk, 5);
		s_bin("Gi0/2", 5);
		s_bin("", 0);
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_uint64(&pk, 1);
		return;
	case BAD_EMPTY_NAME:	s_row("", 0, "x", 1, 1, 1); return;
	case BAD_ADMIN:		s_row("Gi0/2", 5, "", 0, WIRE_IFROW_MAX + 1, 1); return;
	case BAD_OPER:		s_row("Gi0/2", 5, "", 0, 1, WIRE_IFROW_MAX + 1); return;
	case BAD_NEG_STATE:
		msgpack_pack_array(&pk, 4);
		s_bin("Gi0/2", 5);
		s_bin("", 0);
		msgpack_pack_int64(&pk, -1);
		msgpack_pack_uint64(&pk, 1);
		return;
	case BAD_NAME_STR:
	case BAD_DESCR_STR:
	case BAD_DESCR_NIL:
		msgpack_pack_array(&pk, 4);
		if (c == BAD_NAME_STR)
			s_str("Gi0/2");
		else
			s_bin("Gi0/2", 5);
		if (c == BAD_DESCR_STR)
			s_str("d");
		else if (c == BAD_DESCR_NIL)
			msgpack_pack_nil(&pk);
		else
			s_bin("d", 1);
		msgpack_pack_uint64(&pk, 1);
		msgpack_pack_uint64(&pk, 1);
		return;
	case BAD_ROW_NOT_ARRAY:
		s_bin("Gi0/2", 5);
		return;
	case BAD_LONG_NAME:
		s_row(big, WIRE_MAX_LINE + 1, "", 0, 1, 1);
		return;
	case GOOD_LONG_DESCR:
		s_row("Gi0/2", 5, big, WIRE_MAX_LINE, 1, 1);
		return;
	}
	cr_assert_fail("case %d", c);
}

Test(wire_fast, malformed_rows_refused_alike)
{
	char *big = calloc(1, WIRE_MAX_LINE + 1);

	cr_assert_not_null(big);
	for (int c = 0; c < NCASES; c++) {
		s_forge_case(c, big);
		cr_assert_eq(s_both(), s_want[c], "case %d", c);
		msgpack_sbuffer_destroy(&sb);
	}
	free(big);
}

/*
 * WIRE_MAX_VALUES bounds the rows a frame can make us store. A frame of 9
 * snapshot records is 1 + 9 + 1 + 9 * (1 + 7 + 1) values before its rows,
 * five each: 419412 rows make exactly WIRE_MAX_VALUES, one more passes it.
 */
Test(wire_fast, rows_stop_at_the_value_budget)
{
	const uint32_t total = (WIRE_MAX_VALUES - 11 - 9 * 9) / 5;

	cr_assert_eq(11 + 9 * 9 + 5 * (size_t)total, WIRE_MAX_VALUES);
	for (uint32_t extra = 0; extra < 2; extra++) {
		uint32_t left = total + extra;

		s_begin();
		s_head(9);
		for (int k = 0; k < 9; k++) {
			uint32_t n = k < 8 ? left / (uint32_t)(9 - k) : left;

			s_rec_head((uint64_t)k, REC_SNAPSHOT, 8, "start");
			msgpack_pack_array(&pk, n);
			for (uint32_t j = 0; j < n; j++)
				s_row("e", 1, "", 0, 0, 0);
			left -= n;
		}
		cr_assert_eq(s_both(), extra ? CERR_TOOBIG : CERR_OK,
		    "%u rows", total + extra);
		msgpack_sbuffer_destroy(&sb);
	}
}
