#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/cursor.h"
#include "collector/logparse.h"

#define NOW_MS 1768478400000LL	/* 2026-01-15T12:00:00Z */
#define EPOCH  1768478400u

/* ---- a device's ring buffer, simulated ---------------------------------- */

struct ring {
	char    *e[512];
	size_t   n;
	size_t   cap;	/* entries kept; older ones fall off the front */
	unsigned seq;	/* next sequence number; 0: no sequence numbers */
	char    *cut;	/* tail of the entry that fell off last, if shown */
	size_t   cut_skip;	/* bytes the ring overwrote of it; 0: half */
};

static void
ring_init(struct ring *r, size_t cap, unsigned first_seq)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->seq = first_seq;
}

static void
ring_free(struct ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i]);
	free(r->cut);
	memset(r, 0, sizeof(*r));
}

/* Append a message; ts "10:00:05" style. */
static void
ring_add(struct ring *r, const char *ts, const char *text)
{
	char line[512];

	if (r->seq)
		snprintf(line, sizeof(line), "%06u: Jan 15 %s.000 UTC: %s", r->seq++,
		    ts, text);
	else
		snprintf(line, sizeof(line), "Jan 15 %s.000 UTC: %s", ts, text);
	if (r->n == r->cap) {
		free(r->cut);
		/* the ring overwrote the start of the oldest entry */
		r->cut = strdup(r->e[0] + (r->cut_skip ? r->cut_skip :
		    strlen(r->e[0]) / 2));
		free(r->e[0]);
		memmove(r->e, r->e + 1, (r->n - 1) * sizeof(r->e[0]));
		r->n--;
	}
	cr_assert_lt(r->n, 512);
	r->e[r->n++] = strdup(line);
}

static void
ring_addn(struct ring *r, int from, int count)
{
	for (int i = from; i < from + count; i++) {
		char ts[16], text[128];

		snprintf(ts, sizeof(ts), "10:%02d:%02d", (i / 60) % 60, i % 60);
		snprintf(text, sizeof(text), "%%LINK-3-UPDOWN: Interface "
		    "GigabitEthernet0/%d, changed state to %s", i, i % 2 ? "up" : "down");
		ring_add(r, ts, text);
	}
}

static void
ring_clear(struct ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i]);
	r->n = 0;
	free(r->cut);
	r->cut = NULL;
}

/* "show logging" as the device prints it. */
static char *
ring_render(const struct ring *r)
{
	size_t len = 256 + (r->cut ? strlen(r->cut) + 2 : 0);
	char *s;

	for (size_t i = 0; i < r->n; i++)
		len += strlen(r->e[i]) + 2;
	s = malloc(len);
	strcpy(s, "Syslog logging: enabled (0 messages dropped)\r\n"
	    "    Buffer logging:  level debugging\r\n\r\n"
	    "Log Buffer (8192 bytes):\r\n\r\n");
	if (r->cut) {
		strcat(s, r->cut);
		strcat(s, "\r\n");
	}
	for (size_t i = 0; i < r->n; i++) {
		strcat(s, r->e[i]);
		strcat(s, "\r\n");
	}
	return s;
}

/* `show logging | begin RE` when RE matches entry from first: no header. */
static char *
ring_render_from(const struct ring *r, size_t from)
{
	size_t len = 1;
	char *s;

	for (size_t i = from; i < r->n; i++)
		len += strlen(r->e[i]) + 2;
	s = malloc(len);
	s[0] = '\0';
	for (size_t i = from; i < r->n; i++) {
		strcat(s, r->e[i]);
		strcat(s, "\r\n");
	}
	return s;
}

/* ---- one device's collector side ---------------------------------------- */

struct dev {
	struct cursor          *c;
	struct logparse_result  pr;
	struct cursor_batch     b;
	char                    dir[64];
};

static void
dev_init(struct dev *d, int on_disk)
{
	char err[512];

	memset(d, 0, sizeof(*d));
	if (on_disk) {
		strcpy(d->dir, "/tmp/lh-cursor-XXXXXX");
		cr_assert_not_null(mkdtemp(d->dir));
	}
	d->c = cursor_new(on_disk ? d->dir : NULL, "edge-1");
	cr_assert_not_null(d->c);
	cr_assert_eq(cursor_load(d->c, NOW_MS, err, sizeof(err)), CERR_NOTFOUND);
	logparse_result_init(&d->pr);
	cursor_batch_init(&d->b);
}

static void
rm_rf(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char p[512];

	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(dir);
}

static void
dev_free(struct dev *d)
{
	cursor_free(&d->c);
	cr_assert_null(d->c);
	logparse_result_free(&d->pr);
	cursor_batch_free(&d->b);
	if (d->dir[0])
		rm_rf(d->dir);
}

/* Parse an output and compute what is new (nothing marked yet). */
static void
dev_poll_out(struct dev *d, const char *out, size_t len, unsigned flags)
{
	struct logparse_opts o;

	logparse_opts_init(&o, NOW_MS);
	o.flags = flags;
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, len, &o, &d->pr),
	    CERR_OK);
	cr_assert_eq(cursor_advance(d->c, &d->pr, NOW_MS, &d->b), CERR_OK);
}

static void
dev_poll(struct dev *d, const struct ring *r)
{
	char *out = ring_render(r);

	dev_poll_out(d, out, strlen(out), 0);
	/* the records borrow from pr, not from out */
	memset(out, 'X', strlen(out));
	free(out);
}

/* Send everything in the batch and have it acked. */
static void
dev_deliver(struct dev *d)
{
	if (d->b.nrecs == 0)
		return;
	cr_assert_eq(cursor_mark_sent(d->c, &d->b, d->b.nrecs), CERR_OK);
	cr_assert_eq(cursor_mark_acked(d->c, d->b.recs[d->b.nrecs - 1].id), CERR_OK);
}

static int
line_is(const struct wire_rec *r, const char *s)
{
	return r->line.len == strlen(s) && memcmp(r->line.ptr, s, r->line.len) == 0;
}

/* Record i is ring message k (by its unique interface number). */
static void
assert_msg(const struct wire_rec *r, int k)
{
	char want[64];

	snprintf(want, sizeof(want), "GigabitEthernet0/%d,", k);
	cr_assert_eq(r->kind, REC_LINE);
	cr_assert_not_null(memmem(r->line.ptr, r->line.len, want, strlen(want)),
	    "record \"%.*s\" is not message %d", (int)r->line.len, r->line.ptr, k);
}

static int
reason_has(const struct wire_rec *r, const char *s)
{
	return memmem(r->line.ptr, r->line.len, s, strlen(s)) != NULL;
}

/* An incremental reply: what cursor_advance_incr() makes of it. */
static enum cerr
dev_poll_incr(struct dev *d, const char *out)
{
	struct logparse_opts o;

	logparse_opts_init(&o, NOW_MS);
	o.flags = LOGPARSE_COMPLETE;
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, strlen(out), &o,
	    &d->pr), CERR_OK);
	return cursor_advance_incr(d->c, &d->pr, NOW_MS, &d->b);
}

static enum cerr
dev_poll_incr_from(struct dev *d, const struct ring *r, size_t from)
{
	char *out = ring_render_from(r, from);
	enum cerr e = dev_poll_incr(d, out);

	free(out);
	return e;
}

/* ---- finding what is new ------------------------------------------------- */

Test(cursor, by_sequence_number)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 22701);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 3);
	cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
	for (int i = 0; i < 3; i++) {
		assert_msg(&d.b.recs[i], i);
		cr_assert_eq(d.b.recs[i].seq, 22701u + (unsigned)i);
		cr_assert_eq(d.b.recs[i].id, cursor_id(EPOCH, (uint32_t)i + 1));
	}
	dev_deliver(&d);
	cr_assert(cursor_acked(d.c)->flags & CURSOR_POS_SEQ);
	cr_assert_eq(cursor_acked(d.c)->seq, 22703);

	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 0, "nothing new");
	ring_addn(&r, 3, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	assert_msg(&d.b.recs[0], 3);
	assert_msg(&d.b.recs[1], 4);
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 4));
	cr_assert_eq(d.b.recs[1].id, cursor_id(EPOCH, 5));
	cr_assert_eq(d.b.first_entry, 3);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, by_content_with_identical_timestamps)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: Configured from console by a");
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: Configured from console by b");
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: Configured from console by c");
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 3);
	dev_deliver(&d);
	cr_assert_not(cursor_acked(d.c)->flags & CURSOR_POS_SEQ);
	cr_assert_eq(cursor_acked(d.c)->nwin, 3);

	/* same second, one new text and one that repeats the first */
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: Configured from console by d");
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: Configured from console by a");
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert(line_is(&d.b.recs[0],
	    "Jan 15 10:00:00.000 UTC: %SYS-5-CONFIG_I: Configured from console by d"));
	cr_assert(line_is(&d.b.recs[1],
	    "Jan 15 10:00:00.000 UTC: %SYS-5-CONFIG_I: Configured from console by a"));
	cr_assert_eq(d.b.recs[1].id, cursor_id(EPOCH, 5));
	dev_deliver(&d);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 0);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, same_stamp_and_text_at_different_positions)
{
	static const char *const x = "%LINK-3-UPDOWN: Interface Gi0/1, changed state to down";
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_add(&r, "10:00:00", x);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 1);
	dev_deliver(&d);
	for (int k = 2; k <= 5; k++) {
		/* one more identical line each poll: exactly one new record */
		ring_add(&r, "10:00:00", x);
		dev_poll(&d, &r);
		cr_assert_eq(d.b.nrecs, 1, "poll %d: %zu records", k, d.b.nrecs);
		cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, (uint32_t)k));
		cr_assert_eq(d.b.first_entry, (size_t)k - 1);
		dev_deliver(&d);
	}
	/* two at once, after a different line */
	ring_add(&r, "10:00:01", "%SYS-5-CONFIG_I: Configured");
	ring_add(&r, "10:00:00", x);
	ring_add(&r, "10:00:00", x);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 3);
	cr_assert_eq(d.b.first_entry, 5);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, clock_jumping_backwards)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: a");
	ring_add(&r, "10:01:00", "%SYS-5-CONFIG_I: b");
	dev_poll(&d, &r);
	dev_deliver(&d);
	/* NTP stepped the clock back an hour */
	ring_add(&r, "09:01:05", "%SYS-5-CONFIG_I: c");
	ring_add(&r, "09:01:06", "%SYS-5-CONFIG_I: d");
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
	cr_assert_lt(d.b.recs[0].ts_ms, cursor_acked(d.c)->ts_ms);
	dev_deliver(&d);
	/* and the old time comes round again with the same text */
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: a");
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert_eq(d.b.first_entry, 4);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, wrap_past_cursor)
{
	struct dev d;
	struct ring r;

	for (int seq = 0; seq < 2; seq++) {
		dev_init(&d, 0);
		ring_init(&r, 10, seq ? 1 : 0);
		ring_addn(&r, 0, 5);
		dev_poll(&d, &r);
		dev_deliver(&d);
		/* 20 more into a ring of 10 before the next poll */
		ring_addn(&r, 5, 20);
		dev_poll(&d, &r);
		cr_assert_eq(d.pr.ncut, 1);
		cr_assert_eq(d.b.nrecs, 11);
		cr_assert_eq(d.b.gap, CURSOR_GAP_WRAP, "seq=%d: %s", seq,
		    cursor_gap_str(d.b.gap));
		cr_assert_eq(d.b.ngaps, 1);
		cr_assert_eq(d.b.recs[0].kind, REC_GAP);
		cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 6));
		cr_assert_eq(d.b.recs[0].ts_ms, NOW_MS);
		cr_assert(reason_has(&d.b.recs[0], "wrapped past the cursor"),
		    "%.*s", (int)d.b.recs[0].line.len, d.b.recs[0].line.ptr);
		if (seq)
			cr_assert(reason_has(&d.b.recs[0], "last seen seq 5"));
		for (int i = 0; i < 10; i++)
			assert_msg(&d.b.recs[1 + i], 15 + i);
		cr_assert_eq(d.b.recs[10].id, cursor_id(EPOCH, 16));
		dev_deliver(&d);
		cr_assert_eq(cursor_stats(d.c)->gaps[CURSOR_GAP_WRAP], 1);
		/* reported once */
		ring_addn(&r, 25, 1);
		dev_poll(&d, &r);
		cr_assert_eq(d.b.nrecs, 1);
		cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
		assert_msg(&d.b.recs[0], 25);
		ring_free(&r);
		dev_free(&d);
	}
}

/*
 * The ring dropped exactly up to the cursor: its own entry is the cut one
 * (recognised by its stamp and text), or gone with the next sequence number
 * first. Nothing is lost, so no gap.
 */
Test(cursor, ring_dropped_exactly_to_cursor_is_no_gap)
{
	static const struct {
		unsigned seq;
		size_t   skip;
		enum cursor_gap want;
	} cases[] = {
		{ 0, 3, CURSOR_GAP_NONE },	/* "Jan" cut: time and text intact */
		{ 0, 0, CURSOR_GAP_WRAP },	/* cut mid-text: may be another line */
		{ 1, 3, CURSOR_GAP_NONE },	/* "000" cut from the seq */
		{ 1, 0, CURSOR_GAP_NONE },	/* seq 6 follows seq 5 */
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct dev d;
		struct ring r;

		dev_init(&d, 0);
		ring_init(&r, 5, cases[k].seq);
		r.cut_skip = cases[k].skip;
		ring_addn(&r, 0, 5);
		dev_poll(&d, &r);
		dev_deliver(&d);
		/* exactly a ring's worth */
		ring_addn(&r, 5, 5);
		dev_poll(&d, &r);
		cr_assert_eq(d.pr.ncut, 1);
		cr_assert_eq(d.b.gap, cases[k].want, "case %zu: %s", k,
		    cursor_gap_str(d.b.gap));
		cr_assert_eq(d.b.nrecs, cases[k].want == CURSOR_GAP_NONE ? 5u : 6u);
		assert_msg(&d.b.recs[d.b.nrecs - 5], 5);
		ring_free(&r);
		dev_free(&d);
	}
}

Test(cursor, repeated_text_in_cut_entry_is_not_the_cursor)
{
	static const char *const x = "%LINK-3-UPDOWN: Interface Gi0/1, changed state to down";
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 3, 0);
	ring_add(&r, "10:00:00", "%SYS-5-CONFIG_I: a");
	ring_add(&r, "10:00:01", x);
	dev_poll(&d, &r);
	dev_deliver(&d);
	/* the same text later, lines in between, then its front cut off */
	r.cut_skip = 17;
	ring_add(&r, "10:05:00", "%SYS-5-CONFIG_I: b");
	ring_add(&r, "10:05:01", x);
	ring_add(&r, "10:05:02", "%SYS-5-CONFIG_I: c");
	ring_add(&r, "10:05:03", "%SYS-5-CONFIG_I: d");
	ring_add(&r, "10:05:04", "%SYS-5-CONFIG_I: e");
	dev_poll(&d, &r);
	cr_assert_eq(d.pr.ncut, 1);
	cr_assert_eq(d.b.gap, CURSOR_GAP_WRAP, "the lost line b must be reported");
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, clear_logging)
{
	struct dev d;
	struct ring r;

	for (int seq = 0; seq < 2; seq++) {
		dev_init(&d, 0);
		ring_init(&r, 100, seq ? 500 : 0);
		ring_addn(&r, 0, 10);
		dev_poll(&d, &r);
		dev_deliver(&d);
		ring_clear(&r);
		ring_addn(&r, 10, 2);
		dev_poll(&d, &r);
		cr_assert_eq(d.b.gap, CURSOR_GAP_CLEARED, "seq=%d: %s", seq,
		    cursor_gap_str(d.b.gap));
		cr_assert_eq(d.b.nrecs, 3);
		cr_assert(reason_has(&d.b.recs[0], "cleared"));
		assert_msg(&d.b.recs[1], 10);
		assert_msg(&d.b.recs[2], 11);
		dev_deliver(&d);
		ring_addn(&r, 12, 1);
		dev_poll(&d, &r);
		cr_assert_eq(d.b.nrecs, 1);
		cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
		ring_free(&r);
		dev_free(&d);
	}
}

Test(cursor, incremental_reply_proves_itself)
{
	struct dev d;
	struct ring r;

	for (int seq = 0; seq < 2; seq++) {
		dev_init(&d, 0);
		ring_init(&r, 100, seq ? 500 : 0);
		ring_addn(&r, 0, 10);
		dev_poll(&d, &r);
		dev_deliver(&d);
		/* from the cursor's entry (index 9) on: the three new ones */
		ring_addn(&r, 10, 3);
		cr_assert_eq(dev_poll_incr_from(&d, &r, 9), CERR_OK);
		cr_assert_eq(d.b.nrecs, 3);
		cr_assert_eq(d.b.ngaps, 0);
		for (int k = 0; k < 3; k++)
			assert_msg(&d.b.recs[k], 10 + k);
		dev_deliver(&d);
		/* nothing new: the reply is the cursor's entry alone */
		cr_assert_eq(dev_poll_incr_from(&d, &r, 12), CERR_OK);
		cr_assert_eq(d.b.nrecs, 0);
		/* no proof: another first entry, nothing, a CLI error */
		cr_assert_eq(dev_poll_incr_from(&d, &r, 11), CERR_NOTFOUND);
		cr_assert_eq(d.b.nrecs, 0);
		cr_assert_eq(dev_poll_incr(&d, ""), CERR_NOTFOUND);
		cr_assert_eq(dev_poll_incr(&d, "                    ^\r\n% Invalid "
		    "input detected at '^' marker.\r\n\r\n"), CERR_NOTFOUND);
		/* a full read after incremental ones still tells a clear from
		 * a wrap: the buffer's size is the last full read's */
		ring_clear(&r);
		ring_addn(&r, 13, 2);
		dev_poll(&d, &r);
		cr_assert_eq(d.b.gap, CURSOR_GAP_CLEARED, "seq=%d: %s", seq,
		    cursor_gap_str(d.b.gap));
		cr_assert_eq(d.b.nrecs, 3);
		ring_free(&r);
		dev_free(&d);
	}
}

/*
 * Twins (same stamp, same text): the device's regex begins at the first
 * of them. The reply is taken only where the cursor's place in it is
 * certain; a window of twins alone proves nothing.
 */
Test(cursor, incremental_reply_with_twins)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	ring_add(&r, "11:00:00", "%SYS-5-CONFIG_I: twin");
	ring_add(&r, "11:00:00", "%SYS-5-CONFIG_I: twin");
	dev_poll(&d, &r);
	dev_deliver(&d);
	ring_add(&r, "11:00:00", "%SYS-5-CONFIG_I: twin");
	ring_addn(&r, 3, 1);
	/* reply from the first twin: twin twin | twin msg3 */
	cr_assert_eq(dev_poll_incr_from(&d, &r, 3), CERR_OK);
	cr_assert_eq(d.b.nrecs, 2, "%zu records", d.b.nrecs);
	cr_assert(line_is(&d.b.recs[0], "Jan 15 11:00:00.000 UTC: "
	    "%SYS-5-CONFIG_I: twin"));
	assert_msg(&d.b.recs[1], 3);
	dev_deliver(&d);
	/* the same incremental reply again: the window stands after msg3 */
	cr_assert_eq(dev_poll_incr_from(&d, &r, 6), CERR_OK);
	cr_assert_eq(d.b.nrecs, 0);
	/* five twins in a row: the window cannot place the cursor */
	for (int k = 0; k < 5; k++)
		ring_add(&r, "11:00:00", "%SYS-5-CONFIG_I: twin");
	dev_poll(&d, &r);
	dev_deliver(&d);
	ring_addn(&r, 4, 1);
	cr_assert_eq(dev_poll_incr_from(&d, &r, 3), CERR_NOTFOUND);
	/* the full read does: only msg4 is new */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 1);
	assert_msg(&d.b.recs[0], 4);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, clear_logging_then_empty_buffer)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 4);
	dev_poll(&d, &r);
	dev_deliver(&d);
	ring_clear(&r);
	dev_poll(&d, &r);
	cr_assert_eq(d.pr.nentries, 0);
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert_eq(d.b.gap, CURSOR_GAP_CLEARED);
	dev_deliver(&d);
	cr_assert_eq(cursor_acked(d.c)->nwin, 0);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 0, "the clear is reported once");
	ring_addn(&r, 4, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 6));
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, reload_restarts_sequence_numbers)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 100);
	ring_addn(&r, 0, 6);
	dev_poll(&d, &r);
	dev_deliver(&d);
	/* reload: buffer gone, numbering from 1 */
	ring_clear(&r);
	r.seq = 1;
	ring_addn(&r, 6, 3);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.gap, CURSOR_GAP_RELOAD);
	cr_assert_eq(d.b.nrecs, 4);
	cr_assert(reason_has(&d.b.recs[0], "restarted"));
	cr_assert(reason_has(&d.b.recs[0], "last seen seq 105"));
	assert_msg(&d.b.recs[1], 6);
	dev_deliver(&d);
	ring_addn(&r, 9, 1);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert_eq(d.b.gap, CURSOR_GAP_NONE);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, reload_that_passed_the_old_sequence_number)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 1);
	ring_addn(&r, 0, 5);
	dev_poll(&d, &r);
	dev_deliver(&d);
	/* reloaded, then logged more than before: seq 5 exists, another text */
	ring_clear(&r);
	r.seq = 1;
	ring_addn(&r, 50, 8);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.gap, CURSOR_GAP_RELOAD);
	cr_assert(reason_has(&d.b.recs[0], "another message"));
	cr_assert_eq(d.b.nrecs, 9);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, restart_inside_the_buffer_reported_once)
{
	struct dev d;
	struct ring r;
	uint64_t gap_id;

	dev_init(&d, 0);
	ring_init(&r, 100, 100);
	ring_addn(&r, 0, 6);		/* seq 100..105 */
	dev_poll(&d, &r);
	dev_deliver(&d);
	ring_addn(&r, 6, 2);		/* 106, 107 */
	r.seq = 1;			/* persistent buffer across a reload */
	ring_addn(&r, 8, 2);		/* 1, 2 */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 5);
	assert_msg(&d.b.recs[0], 6);
	assert_msg(&d.b.recs[1], 7);
	cr_assert_eq(d.b.recs[2].kind, REC_GAP);
	cr_assert_eq(cursor_rec_gap(&d.b, 2), CURSOR_GAP_RELOAD);
	cr_assert_eq(cursor_rec_gap(&d.b, 1), CURSOR_GAP_NONE);
	cr_assert_eq(cursor_rec_gap(&d.b, 99), CURSOR_GAP_NONE);
	cr_assert(reason_has(&d.b.recs[2], "seq 1 follows seq 107"));
	assert_msg(&d.b.recs[3], 8);
	gap_id = d.b.recs[2].id;
	/* a batch that ends on the gap record, then the next poll */
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 3), CERR_OK);
	cr_assert(cursor_sent(d.c)->flags & CURSOR_POS_GAPDONE);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2, "no second gap record");
	assert_msg(&d.b.recs[0], 8);
	cr_assert_eq(d.b.recs[0].id, gap_id + 1);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 0);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, partial_last_line_completed_next_poll)
{
	struct dev d;
	struct ring r;
	char *out;
	size_t len;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	out = ring_render(&r);
	len = strlen(out);
	/* the output stopped 20 bytes into the last line's end */
	dev_poll_out(&d, out, len - 20, 0);
	cr_assert(d.pr.partial);
	cr_assert_eq(d.b.nrecs, 2);
	dev_deliver(&d);
	free(out);
	ring_addn(&r, 3, 1);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	assert_msg(&d.b.recs[0], 2);
	assert_msg(&d.b.recs[1], 3);
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 3));
	ring_free(&r);
	dev_free(&d);
}

/* ---- lines that join or leave an entry between polls --------------------- */

static void
dev_poll_pf(struct dev *d, enum platform_id pf, const char *out)
{
	struct logparse_opts o;

	logparse_opts_init(&o, NOW_MS);
	cr_assert_eq(logparse_parse(pf, out, strlen(out), &o, &d->pr), CERR_OK);
	cr_assert_eq(cursor_advance(d->c, &d->pr, NOW_MS, &d->b), CERR_OK);
}

#define XR_HDR "Syslog logging: enabled (0 messages dropped, 0 flushes, 0 overruns)\r\n" \
	"Log Buffer (2097152 bytes):\r\n\r\n"
#define XR_RP1 "RP/0/RP0/CPU0:Sep 25 23:25:20.100 UTC: ifmgr[257]: " \
	"%PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/1, changed state to Down"
#define XR_ADM "0/RP0/ADMIN0:Sep 25 23:25:25.856 UTC: wd_diskmon[3204]: " \
	"%INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN : Sysadmin: Device: /var/log Usage %: 84 , " \
	"State: MINOR, MINOR Threshold %: 80"
#define XR_RP2 "RP/0/RP0/CPU0:Sep 25 23:25:30.200 UTC: ifmgr[257]: " \
	"%PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/1, changed state to Up"

/* An admin-plane line logged after the entry before it was sent. */
Test(cursor, xr_admin_plane_line_after_a_sent_entry)
{
	struct dev d;

	dev_init(&d, 0);
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_RP1 "\r\n");
	cr_assert_eq(d.b.nrecs, 1);
	dev_deliver(&d);
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_RP1 "\r\n" XR_ADM "\r\n");
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert(line_is(&d.b.recs[0], XR_ADM));
	cr_assert_eq(d.b.ngrown, 0);
	dev_deliver(&d);
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_RP1 "\r\n" XR_ADM "\r\n"
	    XR_RP2 "\r\n");
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert(line_is(&d.b.recs[0], XR_RP2));
	/* the admin line at the front of a buffer is an entry, not a cut */
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_ADM "\r\n" XR_RP2 "\r\n");
	cr_assert_eq(d.pr.ncut, 0);
	cr_assert_eq(d.pr.nentries, 2);
	dev_free(&d);
}

#define IOS_E1 "000101: Jan 15 10:00:01.000 UTC: %SYS-2-MALLOCFAIL: Memory allocation of 65536 bytes failed"
#define IOS_C1 " -Traceback= 1A2B3C 4D5E6F"
#define IOS_C2 " -Process= \"Exec\", ipl= 0, pid= 144"
#define IOS_E2 "000102: Jan 15 10:00:02.000 UTC: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down"

/*
 * Continuation lines the device wrote after the entry was read join an
 * entry the cursor has already sent: they are sent as a record of their
 * own, also across a restart (the cursor file keeps the entry's length).
 */
Test(cursor, continuation_written_after_the_entry_was_sent)
{
	struct dev d;
	char err[512];

	dev_init(&d, 1);
	dev_poll_pf(&d, PLATFORM_CISCO_IOS, IOS_E1 "\r\n");
	cr_assert_eq(d.b.nrecs, 1);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	dev_poll_pf(&d, PLATFORM_CISCO_IOS, IOS_E1 "\r\n" IOS_C1 "\r\n");
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert_eq(d.b.ngrown, 1);
	cr_assert(line_is(&d.b.recs[0], IOS_C1));
	cr_assert_eq(d.b.recs[0].ts_ms, d.pr.entries[0].ts_ms);
	dev_deliver(&d);
	cr_assert_eq(cursor_stats(d.c)->grown, 1);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	/* a restart between the polls */
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	dev_poll_pf(&d, PLATFORM_CISCO_IOS, IOS_E1 "\r\n" IOS_C1 "\r\n"
	    IOS_C2 "\r\n" IOS_E2 "\r\n");
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert(line_is(&d.b.recs[0], IOS_C2));
	cr_assert(line_is(&d.b.recs[1], IOS_E2));
	dev_deliver(&d);
	/* nothing new: nothing sent twice */
	dev_poll_pf(&d, PLATFORM_CISCO_IOS, IOS_E1 "\r\n" IOS_C1 "\r\n"
	    IOS_C2 "\r\n" IOS_E2 "\r\n");
	cr_assert_eq(d.b.nrecs, 0);
	dev_free(&d);
}

/*
 * An entry of the cursor's window changed shape between polls: a line left
 * the entry it was sent with, or one joined it. The cursor's own entry
 * still places the position; nothing after it is skipped.
 */
Test(cursor, window_entry_changed_shape)
{
	struct dev d;

	dev_init(&d, 0);
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_RP1 "\r\n " XR_ADM "\r\n"
	    XR_RP2 "\r\n");
	cr_assert_eq(d.b.nrecs, 2);
	dev_deliver(&d);
	/* the admin line (a continuation of XR_RP1 before: indented) is its own
	 * entry now: the window [RP1, RP2] no longer matches */
	dev_poll_pf(&d, PLATFORM_CISCO_XR, XR_HDR XR_RP1 "\r\n" XR_ADM "\r\n"
	    XR_RP2 "\r\n" IOS_E2 "\r\n");
	cr_assert_eq(d.pr.nentries, 4);
	cr_assert_eq(d.b.ngaps, 0);
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert(line_is(&d.b.recs[0], IOS_E2));
	dev_free(&d);
}

/* ---- pipelining and acks ------------------------------------------------ */

Test(cursor, pipelining_and_out_of_order_acks)
{
	struct dev d;
	struct ring r;
	uint64_t a_last, b_last;

	dev_init(&d, 0);
	ring_init(&r, 100, 1);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 3), CERR_OK);
	a_last = d.b.recs[2].id;
	/* the next poll continues from what was sent, not what was acked */
	ring_addn(&r, 3, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 4));
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 1), CERR_OK);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	b_last = d.b.recs[1].id;
	cr_assert_eq(cursor_inflight(d.c), 3);
	/* a batch not made from the current sent position is refused */
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	ring_addn(&r, 5, 1);
	dev_poll(&d, &r);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 5), CERR_INVAL);
	cursor_rewind(d.c);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 1), CERR_INVAL);

	/* acks out of order: nothing moves until the first batch is acked */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 6, "rewound to acked: everything again");
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH, 1));
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 3), CERR_OK);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 5), CERR_OK);
	cr_assert_eq(d.b.recs[2].id, a_last);
	cr_assert_eq(d.b.recs[4].id, b_last);
	cr_assert_eq(cursor_mark_acked(d.c, b_last), CERR_OK);
	cr_assert_eq(cursor_acked(d.c)->counter, 0);
	cr_assert_not(cursor_dirty(d.c));
	cr_assert_eq(cursor_mark_acked(d.c, a_last), CERR_OK);
	cr_assert_eq(cursor_acked(d.c)->counter, 5);
	cr_assert(cursor_dirty(d.c));
	cr_assert_eq(cursor_inflight(d.c), 0);
	cr_assert_eq(cursor_mark_acked(d.c, a_last), CERR_NOTFOUND, "duplicate ack");
	cr_assert_eq(cursor_mark_acked(d.c, 12345), CERR_NOTFOUND);
	cr_assert_eq(cursor_stats(d.c)->acked_batches, 2);
	ring_free(&r);
	dev_free(&d);
}

/* ---- persistence -------------------------------------------------------- */

static void
assert_pos_eq(const struct cursor_pos *a, const struct cursor_pos *b)
{
	cr_assert_eq(a->epoch, b->epoch);
	cr_assert_eq(a->counter, b->counter);
	cr_assert_eq(a->flags, b->flags);
	cr_assert_eq(a->nwin, b->nwin);
	for (uint32_t i = 0; i < a->nwin; i++)
		cr_assert_eq(a->win[i], b->win[i]);
	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->ts_ms, b->ts_ms);
	cr_assert_eq(a->index, b->index);
	cr_assert_eq(a->buf_entries, b->buf_entries);
	cr_assert_eq(a->buf_bytes, b->buf_bytes);
	cr_assert_eq(a->cut_need, b->cut_need);
	cr_assert_eq(a->cut_fp, b->cut_fp);
	cr_assert_eq(a->whole_len, b->whole_len);
	cr_assert_eq(a->whole_fp, b->whole_fp);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(65536);

	cr_assert_not_null(f, "%s", path);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int
count_prefix(const char *dir, const char *prefix)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(dp);
	while ((de = readdir(dp)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(dp);
	return n;
}

Test(cursor, reread_after_crash_gives_same_ids)
{
	struct dev d;
	struct ring r;
	char err[512];
	uint64_t ids[8];
	char *lines[8];

	dev_init(&d, 1);
	cr_assert_eq(access(cursor_path(d.c), F_OK), 0, "a new epoch is saved at once");
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	ring_addn(&r, 3, 4);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 4);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	cr_assert_eq(cursor_mark_acked(d.c, d.b.recs[1].id), CERR_OK);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 4), CERR_OK);
	for (int i = 0; i < 4; i++) {
		ids[i] = d.b.recs[i].id;
		lines[i] = strndup(d.b.recs[i].line.ptr, d.b.recs[i].line.len);
	}
	/* crash: the second ack was never persisted, the rest never acked */
	cursor_free(&d.c);

	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS + 5000, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_acked(d.c)->epoch, EPOCH);
	cr_assert_eq(cursor_acked(d.c)->counter, 3);
	ring_addn(&r, 7, 1);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 5);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(d.b.recs[i].id, ids[i], "record %d", i);
		cr_assert(line_is(&d.b.recs[i], lines[i]));
		free(lines[i]);
	}
	cr_assert_eq(d.b.recs[4].id, cursor_id(EPOCH, 8));
	ring_free(&r);
	dev_free(&d);
}

/*
 * A snapshot record takes the next id between the records of two polls,
 * moves no buffer position, and counts as delivered at once (it is written
 * before it is sent): after a restart the lines that follow keep the ids
 * they had, after it, and a batch made before it is stale.
 */
Test(cursor, snapshot_ids_persist_and_order)
{
	struct dev d;
	struct ring r;
	char err[512];
	uint64_t sid, ids[2];
	struct cursor_pos before;

	dev_init(&d, 1);
	ring_init(&r, 100, 1);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);

	/* not while a batch is in flight: the acked position would jump it */
	ring_addn(&r, 3, 1);
	dev_poll(&d, &r);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 1), CERR_OK);
	sid = cursor_snapshot_id(d.c);
	cr_assert_eq(sid, cursor_id(EPOCH, 5));
	cr_assert_eq(cursor_add_snapshot(d.c, sid), CERR_AGAIN);
	cr_assert_eq(cursor_mark_acked(d.c, d.b.recs[0].id), CERR_OK);
	before = *cursor_sent(d.c);

	/* a batch made before the snapshot is stale once it is added */
	ring_addn(&r, 4, 2);
	dev_poll(&d, &r);
	cr_assert_eq(cursor_add_snapshot(d.c, sid + 1), CERR_INVAL,
	    "not the next id");
	cr_assert_eq(cursor_add_snapshot(d.c, sid), CERR_OK);
	cr_assert_eq(cursor_add_snapshot(d.c, sid), CERR_INVAL, "used already");
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, d.b.nrecs), CERR_INVAL);
	cr_assert_eq(cursor_stats(d.c)->snapshots, 1);
	cr_assert_eq(cursor_inflight(d.c), 0);
	/* delivered as far as the file goes; the buffer position is kept */
	before.counter++;
	assert_pos_eq(cursor_sent(d.c), &before);
	assert_pos_eq(cursor_acked(d.c), &before);
	cr_assert(cursor_dirty(d.c));
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);

	/* the lines that follow come after it, and keep their ids across a
	 * crash that lost their acks */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	assert_msg(&d.b.recs[0], 4);
	cr_assert_eq(d.b.recs[0].id, sid + 1);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	ids[0] = d.b.recs[0].id;
	ids[1] = d.b.recs[1].id;
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS + 5000, err, sizeof(err)), CERR_OK,
	    "%s", err);
	cr_assert_eq(cursor_acked(d.c)->counter, (uint32_t)sid);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	assert_msg(&d.b.recs[0], 4);
	cr_assert_eq(d.b.recs[0].id, ids[0]);
	cr_assert_eq(d.b.recs[1].id, ids[1]);
	dev_deliver(&d);

	/* the epoch's ids used up: a snapshot takes the next epoch's first */
	cursor_next_epoch(d.c, NOW_MS + 10000);
	cr_assert_eq(cursor_snapshot_id(d.c), cursor_id(EPOCH + 10, 1));
	ring_free(&r);
	dev_free(&d);
}

/*
 * The same property under many schedules: polls that grow the buffer,
 * batches split anywhere, acks and saves at random, crashes at random. Every
 * message must always get the same id, and the ids must follow each other.
 */
Test(cursor, ids_are_a_function_of_the_acked_cursor)
{
	struct dev d;
	struct ring r;
	uint64_t id_of[400];
	char err[512];
	unsigned rnd = 12345;
	int added = 0;

#define RND(n) ((rnd = rnd * 1103515245u + 12345u) >> 16) % (n)
	memset(id_of, 0, sizeof(id_of));
	dev_init(&d, 1);
	ring_init(&r, 500, RND(2) ? 1 : 0);
	for (int step = 0; step < 300; step++) {
		int add = (int)RND(4);

		if (added + add >= 400)
			add = 0;
		ring_addn(&r, added, add);
		added += add;
		dev_poll(&d, &r);
		for (size_t i = 0; i < d.b.nrecs; i++) {
			const struct wire_rec *rec = &d.b.recs[i];
			const char *p = memmem(rec->line.ptr, rec->line.len,
			    "GigabitEthernet0/", 17);
			int k = (int)strtol(p + 17, NULL, 10);

			cr_assert_eq(rec->kind, REC_LINE);
			if (id_of[k] == 0)
				id_of[k] = rec->id;
			cr_assert_eq(rec->id, id_of[k], "step %d: message %d got "
			    "id %#llx, before %#llx", step, k,
			    (unsigned long long)rec->id, (unsigned long long)id_of[k]);
			cr_assert_eq(rec->id, cursor_id(EPOCH, (uint32_t)k + 1));
		}
		if (d.b.nrecs && RND(4)) {
			size_t cut = 1 + RND(d.b.nrecs);

			cr_assert_eq(cursor_mark_sent(d.c, &d.b, cut), CERR_OK);
			if (RND(2))
				cursor_mark_acked(d.c, d.b.recs[cut - 1].id);
		}
		if (RND(3) == 0)
			cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
		switch (RND(10)) {
		case 0:		/* crash */
			cursor_free(&d.c);
			d.c = cursor_new(d.dir, "edge-1");
			cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)),
			    CERR_OK, "%s", err);
			break;
		case 1:		/* ack timeout */
			cursor_rewind(d.c);
			break;
		}
	}
#undef RND
	cr_assert_gt(added, 200);
	ring_free(&r);
	dev_free(&d);
}

static void
corrupt_case(const char *name, void (*spoil)(const char *path), const char *why)
{
	struct dev d;
	struct ring r;
	char err[1024], path[512], prev[600];
	struct cursor_pos pos;
	size_t len;
	char *data;

	dev_init(&d, 1);
	/* make the file hold an older epoch, as on a real device */
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	snprintf(path, sizeof(path), "%s", cursor_path(d.c));
	cursor_free(&d.c);

	spoil(path);
	/* Without the previous file to fall back on (see prev_fallback). */
	snprintf(prev, sizeof(prev), "%s.prev", path);
	unlink(prev);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS + 60000, err, sizeof(err)),
	    CERR_PARSE, "%s: loaded", name);
	cr_assert_not_null(strstr(err, why), "%s: \"%s\" lacks \"%s\"", name, err, why);
	cr_assert_not_null(strstr(err, ".bad."), "%s: %s", name, err);
	cr_assert_eq(count_prefix(d.dir, "edge-1.cursor.bad."), 1, "%s: not moved aside", name);
	cr_assert_eq(cursor_stats(d.c)->load_errors, 1);
	/* a fresh, larger epoch, already on disk */
	cr_assert_gt(cursor_acked(d.c)->epoch, EPOCH);
	cr_assert_eq(cursor_acked(d.c)->counter, 0);
	data = read_file(path, &len);
	cr_assert_eq(cursor_decode(data, len, "edge-1", &pos, err, sizeof(err)),
	    CERR_OK, "%s: %s", name, err);
	cr_assert_eq(pos.epoch, cursor_acked(d.c)->epoch);
	free(data);
	/* the whole buffer is read again, under the new epoch */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 3);
	cr_assert_eq(d.b.recs[0].id, cursor_id(cursor_acked(d.c)->epoch, 1));
	ring_free(&r);
	dev_free(&d);
}

/*
 * A lost or damaged cursor file with PATH.prev beside it: the device goes
 * back to the previous position of the same epoch, so the records read
 * again get the ids they were first sent with (the alert stage ignores
 * them) instead of new ones under a fresh epoch.
 */
Test(cursor, prev_fallback)
{
	struct dev d;
	struct ring r;
	char err[1024], path[512];
	uint64_t first_ids[5];

	dev_init(&d, 1);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	for (size_t i = 0; i < 3; i++)
		first_ids[i] = d.b.recs[i].id;
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	ring_addn(&r, 3, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	first_ids[3] = d.b.recs[0].id;
	first_ids[4] = d.b.recs[1].id;
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	snprintf(path, sizeof(path), "%s", cursor_path(d.c));
	cursor_free(&d.c);

	write_file(path, "garbage\n", 8);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS + 60000, err, sizeof(err)),
	    CERR_PARSE);
	cr_assert_not_null(strstr(err, "previous"), "%s", err);
	cr_assert_eq(count_prefix(d.dir, "edge-1.cursor.bad."), 1);
	cr_assert_eq(cursor_acked(d.c)->epoch, EPOCH, "same epoch");
	/* back after the first three: the last two come again, same ids */
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert_eq(d.b.recs[0].id, first_ids[3]);
	cr_assert_eq(d.b.recs[1].id, first_ids[4]);

	/* the file gone altogether: the same fallback */
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	cursor_free(&d.c);
	cr_assert_eq(unlink(path), 0);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS + 60000, err, sizeof(err)),
	    CERR_PARSE);
	cr_assert_eq(cursor_acked(d.c)->epoch, EPOCH);
	dev_poll(&d, &r);
	cr_assert_leq(d.b.nrecs, 2);
	for (size_t i = 0; i < d.b.nrecs; i++)
		cr_assert_eq(d.b.recs[i].id, first_ids[5 - d.b.nrecs + i]);
	ring_free(&r);
	dev_free(&d);
}

static ino_t
inode_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	return st.st_ino;
}

/*
 * A save writes into PATH.prev's inode instead of a new file (no inode
 * created or freed per save), and never when .prev is a second name of
 * PATH, as a crash between link() and rename() leaves it.
 */
Test(cursor, save_reuses_the_prev_inode_but_never_the_cursor)
{
	struct dev d;
	struct ring r;
	char err[1024], path[512], prev[600];
	ino_t old_prev, cur;
	uint32_t counter;

	dev_init(&d, 1);
	ring_init(&r, 100, 0);
	for (int k = 0; k < 3; k++) {
		ring_addn(&r, (size_t)k, 1);
		dev_poll(&d, &r);
		dev_deliver(&d);
		cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	}
	snprintf(path, sizeof(path), "%s", cursor_path(d.c));
	snprintf(prev, sizeof(prev), "%s.prev", path);
	old_prev = inode_of(prev);
	cur = inode_of(path);
	ring_addn(&r, 3, 1);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(inode_of(path), old_prev, "the new cursor is the old .prev inode");
	cr_assert_eq(inode_of(prev), cur, "the replaced cursor is the new .prev");

	/* the crash between link() and rename(): .prev is PATH's other name */
	cr_assert_eq(unlink(prev), 0);
	cr_assert_eq(link(path, prev), 0);
	counter = cursor_acked(d.c)->counter;
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_acked(d.c)->counter, counter);
	cur = inode_of(path);
	ring_addn(&r, 4, 1);
	dev_poll(&d, &r);
	dev_deliver(&d);
	/* staged, not committed: PATH must still hold the last position */
	cr_assert_eq(cursor_save_stage(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(inode_of(path), cur);
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_acked(d.c)->counter, counter, "PATH was written into");
	ring_free(&r);
	dev_free(&d);
}

/* The batched save: stage, one sync, commit; a crash before the commit
 * leaves the old file whole and the temp file is cleaned up on load. */
Test(cursor, staged_save)
{
	struct dev d;
	struct ring r;
	char err[1024];
	uint32_t counter;

	dev_init(&d, 1);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 3);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert(cursor_dirty(d.c));
	cr_assert_eq(cursor_save_stage(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_sync_dir(d.dir, 1), 0);
	cr_assert_eq(cursor_save_commit(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_sync_dir(d.dir, 0), 0);
	cr_assert_not(cursor_dirty(d.c));
	cr_assert_eq(cursor_save_stage(d.c, err, sizeof(err)), CERR_NOTFOUND);
	counter = cursor_acked(d.c)->counter;
	cr_assert_eq(counter, 3);

	/* two more, staged but never committed: the "crash" */
	ring_addn(&r, 3, 2);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert_eq(cursor_save_stage(d.c, err, sizeof(err)), CERR_OK);
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_acked(d.c)->counter, counter, "the committed position");
	cr_assert_eq(count_prefix(d.dir, "edge-1.cursor.tmp"), 0);
	ring_free(&r);
	dev_free(&d);
}

static void
spoil_truncate(const char *path)
{
	cr_assert_eq(truncate(path, 40), 0);
}

static void
spoil_zero(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);

	memset(data, 0, len);
	write_file(path, data, len);
	free(data);
}

static void
spoil_garbage(const char *path)
{
	static const char junk[] = "\x89PNG\r\n\x1a\n\0\0garbage";

	write_file(path, junk, sizeof(junk) - 1);
}

static void
spoil_empty(const char *path)
{
	cr_assert_eq(truncate(path, 0), 0);
}

static void
spoil_version(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);

	cr_assert_eq(memcmp(data, "loghaul-cursor 1\n", 17), 0);
	data[15] = '7';
	write_file(path, data, len);
	free(data);
}

static void
spoil_bitflip(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);
	char *p = strstr(data, "counter 3");

	cr_assert_not_null(p);
	p[8] = '9';
	write_file(path, data, len);
	free(data);
}

static void
spoil_other_device(const char *path)
{
	char data[2048];
	size_t n;
	struct cursor_pos pos;

	memset(&pos, 0, sizeof(pos));
	pos.epoch = EPOCH;
	cr_assert_eq(cursor_encode(&pos, "core-9", data, sizeof(data), &n), CERR_OK);
	write_file(path, data, n);
}

static void
spoil_cut_end(const char *path)
{
	size_t len;
	char *data = read_file(path, &len);

	write_file(path, data, len - 10);
	free(data);
}

Test(cursor, corrupt_truncated) { corrupt_case("truncated", spoil_truncate, "truncated"); }
Test(cursor, corrupt_cut_end) { corrupt_case("cut end", spoil_cut_end, "truncated"); }
Test(cursor, corrupt_zeroed) { corrupt_case("zeroed", spoil_zero, "zero-filled"); }
Test(cursor, corrupt_garbage) { corrupt_case("garbage", spoil_garbage, "not a loghaul cursor file"); }
Test(cursor, corrupt_empty) { corrupt_case("empty", spoil_empty, "empty"); }
Test(cursor, corrupt_version) { corrupt_case("version", spoil_version, "version 7"); }
Test(cursor, corrupt_checksum) { corrupt_case("bitflip", spoil_bitflip, "checksum mismatch"); }
Test(cursor, corrupt_other_device) { corrupt_case("device", spoil_other_device, "belongs to device \"core-9\""); }

Test(cursor, stale_temp_file_removed)
{
	struct dev d;
	char err[512], tmp[512];

	dev_init(&d, 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cursor_path(d.c));
	/* a write that died before its rename */
	write_file(tmp, "loghaul-cursor 1\ndevice edge-1\nepo", 35);
	cursor_free(&d.c);
	d.c = cursor_new(d.dir, "edge-1");
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_eq(cursor_acked(d.c)->epoch, EPOCH);
	cr_assert_neq(access(tmp, F_OK), 0, "the temp file is gone");
	dev_free(&d);
}

Test(cursor, save_is_atomic_rename)
{
	struct dev d;
	struct ring r;
	struct stat st1, st2;
	char err[512], tmp[512];
	struct cursor_pos pos;
	size_t len;
	char *data;

	dev_init(&d, 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cursor_path(d.c));
	cr_assert_eq(stat(cursor_path(d.c), &st1), 0);
	ring_init(&r, 100, 7);
	ring_addn(&r, 0, 2);
	dev_poll(&d, &r);
	dev_deliver(&d);
	cr_assert(cursor_dirty(d.c));
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_not(cursor_dirty(d.c));
	cr_assert_eq(stat(cursor_path(d.c), &st2), 0);
	/* a new file took the name: the old one was never written in place */
	cr_assert_neq(st1.st_ino, st2.st_ino);
	cr_assert_neq(access(tmp, F_OK), 0);
	data = read_file(cursor_path(d.c), &len);
	cr_assert_eq(cursor_decode(data, len, "edge-1", &pos, err, sizeof(err)), CERR_OK);
	cr_assert_eq(pos.counter, 2);
	cr_assert_eq(pos.seq, 8);
	cr_assert_eq(pos.nwin, 2);
	/* what is read back is what was acked */
	assert_pos_eq(&pos, cursor_acked(d.c));
	cr_assert_gt(pos.cut_need, 0);
	free(data);
	/* nothing changed: nothing written */
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	cr_assert_eq(stat(cursor_path(d.c), &st1), 0);
	cr_assert_eq(st1.st_ino, st2.st_ino);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, full_disk_keeps_old_cursor)
{
	struct dev d;
	struct ring r;
	struct rlimit old, tiny;
	char err[512], tmp[512];
	size_t len1, len2;
	char *before, *after;
	enum cerr e;

	dev_init(&d, 1);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cursor_path(d.c));
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 2);
	dev_poll(&d, &r);
	dev_deliver(&d);
	before = read_file(cursor_path(d.c), &len1);

	/* writes past 64 bytes fail with EFBIG, as on a full disk */
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	tiny.rlim_cur = 64;
	tiny.rlim_max = old.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &tiny), 0);
	e = cursor_save(d.c, err, sizeof(err));
	setrlimit(RLIMIT_FSIZE, &old);
	cr_assert_eq(e, CERR_IO);
	cr_assert_not_null(strstr(err, "write"), "%s", err);
	cr_assert_eq(cursor_stats(d.c)->save_errors, 1);
	cr_assert(cursor_dirty(d.c), "still to be saved");
	cr_assert_neq(access(tmp, F_OK), 0, "no temp file left");
	after = read_file(cursor_path(d.c), &len2);
	cr_assert_eq(len1, len2);
	cr_assert_eq(memcmp(before, after, len1), 0, "old cursor untouched");
	free(after);
	/* space again: the next save works */
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK, "%s", err);
	cr_assert_not(cursor_dirty(d.c));
	free(before);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, file_names_are_safe)
{
	char dir[] = "/tmp/lh-cursor-XXXXXX", err[512];
	struct cursor *c;
	const char *p, *base;

	cr_assert_not_null(mkdtemp(dir));
	c = cursor_new(dir, "../../etc/passwd x");
	p = cursor_path(c);
	cr_assert_eq(strncmp(p, dir, strlen(dir)), 0);
	base = p + strlen(dir) + 1;
	cr_assert_null(strchr(base, '/'), "%s", p);
	cr_assert_str_eq(base, "%2E.%2F..%2Fetc%2Fpasswd%20x.cursor");
	cr_assert_eq(cursor_load(c, NOW_MS, err, sizeof(err)), CERR_NOTFOUND);
	cr_assert_eq(access(p, F_OK), 0);
	cr_assert_str_eq(cursor_device(c), "../../etc/passwd x");
	cursor_free(&c);
	cr_assert_null(cursor_new(dir, ""));
	rm_rf(dir);
}

Test(cursor, encode_decode_round_trip)
{
	struct cursor_pos a, b;
	char buf[2048], err[256];
	size_t n;

	memset(&a, 0, sizeof(a));
	a.epoch = EPOCH;
	a.counter = 4000000000u;
	a.flags = CURSOR_POS_SEQ | CURSOR_POS_GAPDONE;
	a.nwin = 4;
	for (int i = 0; i < 4; i++)
		a.win[i] = 0xfedcba9876543210ULL + (uint64_t)i;
	a.seq = 18446744073709551615ULL;
	a.ts_ms = -5;
	a.index = 9;
	a.buf_entries = 10;
	a.buf_bytes = 1234;
	a.cut_need = 77;
	a.cut_fp = 0x0123456789abcdefULL;
	a.whole_len = 123;
	a.whole_fp = 0xfeedfacecafebeefULL;
	cr_assert_eq(cursor_encode(&a, "edge 1\n", buf, sizeof(buf), &n), CERR_OK);
	cr_assert_eq(cursor_decode(buf, n, "edge 1\n", &b, err, sizeof(err)), CERR_OK,
	    "%s", err);
	assert_pos_eq(&a, &b);
	cr_assert_eq(cursor_encode(&a, "edge", buf, 100, &n), CERR_TOOBIG);
}

static void
parse_only(struct dev *d, const struct ring *r)
{
	char *out = ring_render(r);
	struct logparse_opts o;

	logparse_opts_init(&o, NOW_MS);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, strlen(out), &o,
	    &d->pr), CERR_OK);
	free(out);
}

Test(cursor, epoch_ids_used_up)
{
	struct dev d;
	struct ring r;
	struct cursor_pos pos;
	char data[2048], err[512];
	size_t n;

	dev_init(&d, 1);
	memset(&pos, 0, sizeof(pos));
	pos.epoch = EPOCH;
	pos.counter = UINT32_MAX - 2;
	cr_assert_eq(cursor_encode(&pos, "edge-1", data, sizeof(data), &n), CERR_OK);
	write_file(cursor_path(d.c), data, n);
	cr_assert_eq(cursor_load(d.c, NOW_MS, err, sizeof(err)), CERR_OK, "%s", err);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	cr_assert_eq(d.b.recs[1].id, cursor_id(EPOCH, UINT32_MAX));
	dev_deliver(&d);

	ring_addn(&r, 2, 1);
	parse_only(&d, &r);
	cr_assert_eq(cursor_advance(d.c, &d.pr, NOW_MS, &d.b), CERR_RANGE);
	cr_assert_eq(d.b.nrecs, 0);
	cursor_next_epoch(d.c, NOW_MS + 10000);
	cr_assert_eq(cursor_advance(d.c, &d.pr, NOW_MS, &d.b), CERR_OK);
	cr_assert_eq(d.b.nrecs, 1);
	cr_assert_eq(d.b.recs[0].id, cursor_id(EPOCH + 10, 1));
	assert_msg(&d.b.recs[0], 2);
	dev_deliver(&d);
	cr_assert_eq(cursor_save(d.c, err, sizeof(err)), CERR_OK);
	cr_assert_eq(cursor_acked(d.c)->epoch, EPOCH + 10);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, batch_of_a_reparsed_result_is_refused)
{
	struct dev d;
	struct ring r;

	dev_init(&d, 0);
	ring_init(&r, 100, 0);
	ring_addn(&r, 0, 2);
	dev_poll(&d, &r);
	cr_assert_eq(d.b.nrecs, 2);
	/* the result is parsed again before the batch is marked sent */
	parse_only(&d, &r);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_INVAL);
	cr_assert_eq(cursor_advance(d.c, &d.pr, NOW_MS, &d.b), CERR_OK);
	logparse_result_free(&d.pr);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_INVAL);
	dev_poll(&d, &r);
	cr_assert_eq(cursor_mark_sent(d.c, &d.b, 2), CERR_OK);
	ring_free(&r);
	dev_free(&d);
}

Test(cursor, unusable_state_dir)
{
	char dir[] = "/tmp/lh-cursor-XXXXXX", sub[128], err[512];
	struct cursor *c;

	cr_assert_not_null(mkdtemp(dir));
	/* the state directory does not exist */
	snprintf(sub, sizeof(sub), "%s/missing", dir);
	c = cursor_new(sub, "edge-1");
	cr_assert_eq(cursor_load(c, NOW_MS, err, sizeof(err)), CERR_NOTFOUND);
	cr_assert_not_null(strstr(err, "saving a new one failed"), "%s", err);
	cr_assert_eq(cursor_save(c, err, sizeof(err)), CERR_IO);
	cr_assert(cursor_dirty(c));
	cursor_free(&c);
	/* the cursor "file" cannot be read (a directory) */
	c = cursor_new(dir, "edge-1");
	snprintf(sub, sizeof(sub), "%s", cursor_path(c));
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(cursor_load(c, NOW_MS, err, sizeof(err)), CERR_IO);
	cr_assert_not_null(strstr(err, "read"), "%s", err);
	cr_assert_eq(cursor_acked(c)->epoch, EPOCH, "usable, fresh epoch");
	cr_assert_eq(cursor_stats(c)->load_errors, 1);
	cursor_free(&c);
	rmdir(sub);
	rm_rf(dir);
}

Test(cursor, memory_only)
{
	struct cursor *c = cursor_new(NULL, "edge-1");
	char err[128];

	cr_assert_null(cursor_path(c));
	cr_assert_eq(cursor_load(c, NOW_MS, err, sizeof(err)), CERR_NOTFOUND);
	cr_assert_eq(cursor_acked(c)->epoch, EPOCH);
	cr_assert_eq(cursor_save(c, err, sizeof(err)), CERR_OK);
	/* a second load in the same second still gives a larger epoch */
	cr_assert_eq(cursor_load(c, NOW_MS, err, sizeof(err)), CERR_NOTFOUND);
	cr_assert_eq(cursor_acked(c)->epoch, EPOCH + 1);
	cursor_free(&c);
	cursor_free(&c);
	cr_assert_str_eq(cursor_gap_str(CURSOR_GAP_CLEARED), "cleared");
}
