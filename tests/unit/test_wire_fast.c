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
	msgpack_pack_array(&pk, 9);
	s_str("LH");
	msgpack_pack_uint64(&pk, WIRE_VERSION);
	msgpack_pack_uint64(&pk, WIRE_BATCH);
	s_str("coll");
	s_str("r1");
	s_str("cisco_ios");
	msgpack_pack_uint64(&pk, 10);
	msgpack_pack_uint64(&pk, 12);
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

/* Both decoders on sb; returns the reference's code, checks agreement. */
static enum cerr
s_both(void)
{
	struct wire_msg ref, fast;
	char err[256];
	enum cerr rc = wire_decode_ref(sb.data, sb.size, &ref, err, sizeof err);
	int frc = wire_decode_batch_fast(sb.data, sb.size, &fast);

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
			s_raw("\x99\xd9\x02LH\x02\x01\xa1" "c\xa1" "d\xa0\x00\x00"
			    "\xdc\x00\x01", 17);
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

Test(wire_fast, refuses_what_the_reference_refuses)
{
	/* A good one-record frame, then one byte of it changed at a time. */
	/* two records: stamp and tag as bytes, then as refs into the line */
	static const unsigned char good[] =
	    "\x99\xa2LH\x02\x01\xa1" "c\xa1" "d\xa1p\x01\x02\x92"
	    "\x97\x00\x00\xd0\xfb\xc4\x01T\x00\xa3TAG\xc4\x02ok"
	    "\x97\x01\x00\x05\x92\x00\x02\x00\x92\x01\x02\xc4\x03" "abc";
	const size_t n = sizeof good - 1;
	unsigned char f[sizeof good];
	size_t refused = 0;

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
		/* every truncation, and a byte too many */
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
	cr_assert_gt(refused, n, "single-byte changes should break frames");
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
			s_raw("\x99\xa2LH\x02\x01\xa1" "c\xa1" "d\xa0\x07\x07\x91"
			    "\x97\x00\x00\x00", 18);
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
	    "\x99\xa2LH\x02\x01\xa1" "c\xa1" "d\xa0\x05\x05\x90";
	struct wire_msg m;

	memset(&m, 0xa5, sizeof m);
	cr_assert_eq(wire_decode_batch_fast(frame, sizeof frame - 1, &m), 0);
	cr_assert_eq(m.type, WIRE_BATCH);
	cr_assert_eq(m.u.batch.nrecs, 0);
	cr_assert_null(m.u.batch.recs);
	cr_assert_null(m.priv_);
	wire_msg_free(&m);
}
