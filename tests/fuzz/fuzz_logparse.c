/*
 * fuzz_logparse.c — libFuzzer target for the log buffer parser, the cursor
 * logic that follows it, and the cursor file decoder.
 *
 * The input is one device's output. For every platform: parse a first poll
 * (a prefix of the input; byte 0 says how long), send all its records, then
 * parse the whole input as the next poll (the buffer grew), and the second
 * half alone (it wrapped or was cleared), checking on the way that
 *   - every span the parser returns lies inside its own copy, within the
 *     entry's bytes, with no line-end CR and no leading/trailing '\n';
 *   - record ids follow each other from the cursor, gap records say why;
 *   - advancing is pure (twice gives the same records), and once all is
 *     sent, the same buffer has nothing new.
 * The input is also given to the cursor file decoder; what it accepts must
 * encode and decode to the same position.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/cursor.h"
#include "collector/logparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1768478400000LL

static FILE *s_err;	/* the real stderr: our log lines go to /dev/null */

static void
s_die(const char *what)
{
	fprintf(s_err ? s_err : stderr, "fuzz_logparse: %s\n", what);
	abort();
}

static void
s_inside(struct wire_bytes b, const char *lo, const char *hi, const char *what)
{
	if (b.len == 0)
		return;
	if (b.ptr < lo || b.ptr > hi || (size_t)(hi - b.ptr) < b.len)
		s_die(what);
}

static void
s_check_parse(const struct logparse_result *r, size_t max_entry)
{
	const char *lo = r->text_, *hi;
	size_t bytes = 0;

	if (r->nentries == 0 && r->ncut == 0)
		return;
	hi = r->text_ + r->text_cap_;
	s_inside(r->cut, lo, hi, "cut outside the text");
	for (size_t i = 0; i < r->nentries; i++) {
		const struct logparse_entry *e = &r->entries[i];
		const char *end = e->raw.ptr + e->raw.len;

		s_inside(e->raw, lo, hi, "raw outside the text");
		if (e->raw.len == 0 || e->raw.len > max_entry)
			s_die("raw length");
		if (e->raw.ptr[0] == '\n' || end[-1] == '\n')
			s_die("raw starts or ends with a line end");
		if (e->raw.len != e->full_len && !(e->flags & LOGPARSE_E_TRUNCATED))
			s_die("cut without the flag");
		s_inside(e->msg, e->raw.ptr, end, "msg outside raw");
		s_inside(e->ts, e->raw.ptr, end, "ts outside raw");
		s_inside(e->tag, e->raw.ptr, end, "tag outside raw");
		s_inside(e->host, e->raw.ptr, end, "host outside raw");
		for (size_t k = 1; k < e->raw.len; k++)
			if (e->raw.ptr[k] == '\n' && e->raw.ptr[k - 1] == '\r')
				s_die("CR before LF in raw");
		if (e->severity > 7 || e->severity < -1)
			s_die("severity");
		bytes += e->raw.len;
	}
	if (bytes != r->bytes)
		s_die("bytes");
}

static void
s_check_batch(const struct cursor *c, const struct cursor_batch *b)
{
	const struct cursor_pos *p = cursor_sent(c);
	size_t gaps = 0;

	for (size_t i = 0; i < b->nrecs; i++) {
		const struct wire_rec *r = &b->recs[i];

		if (r->id != cursor_id(p->epoch, p->counter + (uint32_t)i + 1))
			s_die("ids do not follow the cursor");
		if (r->kind == REC_GAP) {
			gaps++;
			if (r->line.len == 0)
				s_die("gap without a reason");
		} else if (r->kind != REC_LINE || r->line.len == 0)
			s_die("bad record");
	}
	if (gaps != b->ngaps || (gaps > 0) != (b->gap != CURSOR_GAP_NONE))
		s_die("gap count");
}

static void
s_same(const struct cursor_batch *a, const struct cursor_batch *b)
{
	if (a->nrecs != b->nrecs)
		s_die("advance is not pure (count)");
	for (size_t i = 0; i < a->nrecs; i++)
		if (a->recs[i].id != b->recs[i].id ||
		    a->recs[i].line.len != b->recs[i].line.len ||
		    memcmp(a->recs[i].line.ptr, b->recs[i].line.ptr,
		    a->recs[i].line.len) != 0)
			s_die("advance is not pure (records)");
}

/* Parse, advance twice, send a part or all, ack what was sent. */
static void
s_poll(struct cursor *c, enum platform_id pf, const char *buf, size_t len,
    unsigned flags, size_t send_frac, struct logparse_result *r,
    struct cursor_batch *b, struct cursor_batch *b2)
{
	struct logparse_opts o;
	size_t upto;

	logparse_opts_init(&o, NOW_MS);
	o.flags = flags;
	o.max_entry = 1024;
	if (logparse_parse(pf, buf, len, &o, r) != CERR_OK)
		s_die("parse failed");
	s_check_parse(r, 1024);
	if (cursor_advance(c, r, NOW_MS, b) != CERR_OK ||
	    cursor_advance(c, r, NOW_MS, b2) != CERR_OK)
		s_die("advance failed");
	s_check_batch(c, b);
	s_same(b, b2);
	upto = b->nrecs * send_frac / 4;
	if (upto > 0) {
		if (cursor_mark_sent(c, b, upto) != CERR_OK)
			s_die("mark_sent");
		if (cursor_mark_acked(c, b->recs[upto - 1].id) != CERR_OK)
			s_die("mark_acked");
	}
	if (upto == b->nrecs) {
		/* all sent: the same buffer has nothing new */
		if (cursor_advance(c, r, NOW_MS, b2) != CERR_OK)
			s_die("advance failed");
		if (b2->nrecs != 0)
			s_die("records again after sending all");
	}
}

static void
s_file(const uint8_t *data, size_t size)
{
	struct cursor_pos p, q;
	char err[256], out[2048];
	size_t n;

	if (cursor_decode((const char *)data, size, "edge-1", &p, err,
	    sizeof(err)) != CERR_OK)
		return;
	if (cursor_encode(&p, "edge-1", out, sizeof(out), &n) != CERR_OK ||
	    cursor_decode(out, n, "edge-1", &q, err, sizeof(err)) != CERR_OK)
		s_die("decoded cursor does not round-trip");
	if (p.epoch != q.epoch || p.counter != q.counter || p.seq != q.seq ||
	    p.nwin != q.nwin || p.cut_fp != q.cut_fp || p.flags != q.flags)
		s_die("cursor round-trip differs");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logparse_result r;
	struct cursor_batch b, b2;
	const char *buf = (const char *)data;
	size_t first;

	if (s_err == NULL) {
		/*
		 * Gap log lines would drown the fuzzer's output. Only the stdio
		 * stream is swapped: sanitizers and libFuzzer keep fd 2.
		 */
		FILE *null = fopen("/dev/null", "w");

		s_err = stderr;
		if (null != NULL)
			stderr = null;
	}
	s_file(data, size);
	first = size ? (size_t)data[0] * size / 256 : 0;
	logparse_result_init(&r);
	cursor_batch_init(&b);
	cursor_batch_init(&b2);
	for (int pf = 0; pf < PLATFORM__COUNT; pf++) {
		struct cursor *c = cursor_new(NULL, "edge-1");
		char err[128];

		cursor_load(c, NOW_MS, err, sizeof(err));
		s_poll(c, (enum platform_id)pf, buf, first, 0, 4, &r, &b, &b2);
		s_poll(c, (enum platform_id)pf, buf, size, LOGPARSE_COMPLETE,
		    size ? data[size - 1] % 5 : 4, &r, &b, &b2);
		s_poll(c, (enum platform_id)pf, buf + size / 2, size - size / 2, 0,
		    4, &r, &b, &b2);
		cursor_rewind(c);
		s_poll(c, (enum platform_id)pf, buf, size, 0, 4, &r, &b, &b2);
		cursor_free(&c);
	}
	cursor_batch_free(&b);
	cursor_batch_free(&b2);
	logparse_result_free(&r);
	return 0;
}
