/*
 * cursor.c — per-device buffer cursor: what is new, record ids, gaps,
 * pipelining (see cursor.h for the model; the file is cursor_file.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/cursor_int.h"
#include "common/log.h"
#include "common/util.h"

#define STAMP_SKIP	7	/* "Jan 15 ": a cut entry may lack these, not the time */
#define SRC_GAP		((size_t)1 << (sizeof(size_t) * 8 - 1))

/* Where each record of a batch came from. */
struct cursor_src_ {
	size_t ent;	/* entry index; for a gap, the entry it precedes | SRC_GAP */
	size_t roff;	/* gap: offset of its reason in reasons_ */
	enum cursor_gap gap;
};


static const char *const gap_names[] = {
#define CURSOR_GAP_STR(name, str) str,
	CURSOR_GAP_MAP(CURSOR_GAP_STR)
#undef CURSOR_GAP_STR
};

const char *
cursor_gap_str(enum cursor_gap g)
{
	if ((unsigned)g >= CURSOR_GAP__COUNT)
		return "unknown";
	return gap_names[g];
}

/* ---- names and lifecycle ------------------------------------------------ */

struct cursor *
cursor_new(const char *state_dir, const char *device)
{
	struct cursor *c;

	if (device == NULL || device[0] == '\0')
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->device = xstrdup(device);
	if (state_dir != NULL) {
		char *safe = util_safe_name(device);

		c->dir = xstrdup(state_dir);
		c->path = xasprintf("%s/%s.cursor", state_dir, safe);
		c->tmp = xasprintf("%s.tmp", c->path);
		c->prev = xasprintf("%s.prev", c->path);
		free(safe);
	}
	c->save_rl.interval = 60;
	return c;
}

void
cursor_free(struct cursor **cp)
{
	struct cursor *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	free(c->device);
	free(c->dir);
	free(c->path);
	free(c->tmp);
	free(c->prev);
	free(c->inflight);
	free(c);
	*cp = NULL;
}

const struct cursor_pos *cursor_acked(const struct cursor *c) { return &c->acked; }
const struct cursor_pos *cursor_sent(const struct cursor *c) { return &c->sent; }
const struct cursor_stats *cursor_stats(const struct cursor *c) { return &c->stats; }
size_t cursor_inflight(const struct cursor *c) { return c->ninflight; }
int cursor_dirty(const struct cursor *c) { return c->dirty; }
const char *cursor_device(const struct cursor *c) { return c->device; }
const char *cursor_path(const struct cursor *c) { return c->path; }

/* ---- finding the cursor in a buffer ------------------------------------- */

static void
s_fmt_ms(int64_t ms, char *out, size_t outlen)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(out, outlen, "time unknown");
		return;
	}
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)(ms % 1000));
}

static int
s_has_seq(const struct logparse_entry *e)
{
	return (e->flags & LOGPARSE_E_SEQ) != 0;
}

/* Does the window of p end at entry i? A window may run off the front. */
static int
s_window_at(const struct cursor_pos *p, const struct logparse_result *pr,
    size_t i)
{
	size_t m = p->nwin < i + 1 ? p->nwin : i + 1;

	for (size_t k = 0; k < m; k++)
		if (pr->entries[i - k].fp != p->win[p->nwin - 1 - k])
			return 0;
	return 1;
}

/*
 * The window of p ends at entry i allowing for entries that changed shape
 * since it was taken: the cursor's own entry must be i, the older ones
 * must follow in order with at most CURSOR_WINDOW entries between them in
 * all (lines that became entries of their own) and at most one missing
 * (an entry that became part of the one before it).
 */
static int
s_window_loose(const struct cursor_pos *p, const struct logparse_result *pr,
    size_t i)
{
	size_t j = i, skips = 0, misses = 0, found = 0;

	if (pr->entries[i].fp != p->win[p->nwin - 1])
		return 0;
	for (size_t k = p->nwin - 1; k-- > 0;) {
		size_t m = 0;

		while (m < j && m <= CURSOR_WINDOW - skips &&
		    pr->entries[j - 1 - m].fp != p->win[k])
			m++;
		if (m == j)
			break;	/* the window ran off the front */
		if (m > CURSOR_WINDOW - skips) {
			if (++misses > 1)
				return 0;
			continue;
		}
		found++;
		skips += m;
		j -= m + 1;
	}
	/* one older entry at least must agree, unless none was checked */
	return misses == 0 || found > 0;
}

/* The cut first entry is the tail of the cursor's own entry. */
static int
s_cut_is_ours(const struct cursor_pos *p, const struct logparse_result *pr)
{
	if (pr->ncut == 0 || p->cut_need == 0 || pr->cut.len < p->cut_need)
		return 0;
	return logparse_hash(pr->cut.ptr + pr->cut.len - p->cut_need,
	    p->cut_need) == p->cut_fp;
}

/*
 * The latest entry at or before hi where match holds (a ring loses entries
 * only at the front, so the cursor's entry can only have moved forward),
 * else the latest after it; -1 when none.
 */
static long
s_search(const struct cursor_pos *p, const struct logparse_result *pr,
    size_t hi, int (*match)(const struct cursor_pos *,
    const struct logparse_result *, size_t))
{
	size_t i;

	for (i = hi + 1; i-- > 0;)
		if (match(p, pr, i))
			return (long)i;
	for (i = pr->nentries - 1; i > hi; i--)
		if (match(p, pr, i))
			return (long)i;
	return -1;
}

#define LOC_BEFORE	(-1L)	/* all of the buffer is new */
#define LOC_LOST	(-2L)	/* the cursor's entry is gone */

/*
 * Index of the cursor's entry in pr. By sequence number when both sides
 * have them, else the latest window match no later than the cursor's old
 * index (a ring loses entries only at the front), then any later one.
 */
static long
s_locate(const struct cursor_pos *p, const struct logparse_result *pr,
    int *seqmode)
{
	size_t n = pr->nentries, hi, i;
	int buf_seq = 0;

	*seqmode = 0;
	if (p->nwin == 0)
		return LOC_BEFORE;
	if (p->flags & CURSOR_POS_SEQ) {
		for (i = n; i-- > 0;) {
			const struct logparse_entry *e = &pr->entries[i];

			if (!s_has_seq(e))
				continue;
			buf_seq = 1;
			if (e->seq == p->seq && e->fp == p->win[p->nwin - 1])
				return (long)i;
		}
		*seqmode = buf_seq;
	}
	if (!*seqmode && n > 0) {
		long at;

		hi = p->index < n - 1 ? (size_t)p->index : n - 1;
		if ((at = s_search(p, pr, hi, s_window_at)) >= 0)
			return at;
		/* An older entry of the window may have changed shape since
		 * (a line left it to be an entry of its own, or joined it). */
		if ((at = s_search(p, pr, hi, s_window_loose)) >= 0)
			return at;
	}
	return LOC_LOST;
}

static int
s_bytes_eq(struct wire_bytes b, const char *s)
{
	size_t n = strlen(s);

	return b.len == n && memcmp(b.ptr, s, n) == 0;
}

/*
 * Why the cursor's entry is gone, in words; CURSOR_GAP_NONE when the ring
 * dropped exactly up to it. The buffer "wrapped" when it is cut at the front
 * or about as full as it was; "cleared" when it is shorter; "reload" when
 * sequence numbers went back.
 */
static enum cursor_gap
s_verdict(const struct cursor_pos *p, const struct logparse_result *pr,
    int seqmode, char *why, size_t whylen)
{
	char last[96], oldest[96];
	uint64_t lo = UINT64_MAX, hi = 0;
	int same_seq = 0, full;
	size_t i;

	why[0] = '\0';
	full = pr->ncut > 0 || pr->bytes >= p->buf_bytes - p->buf_bytes / 4;
	s_fmt_ms(p->ts_ms, last, sizeof(last));
	s_fmt_ms(pr->nentries ? pr->entries[0].ts_ms : 0, oldest, sizeof(oldest));
	if (seqmode) {
		for (i = 0; i < pr->nentries; i++) {
			const struct logparse_entry *e = &pr->entries[i];

			if (!s_has_seq(e))
				continue;
			lo = e->seq < lo ? e->seq : lo;
			hi = e->seq > hi ? e->seq : hi;
			same_seq |= e->seq == p->seq;
		}
		if (same_seq) {
			snprintf(why, whylen, "lines may be lost: sequence "
			    "numbers restarted (device reloaded?): seq %" PRIu64
			    " now belongs to another message; last seen %s",
			    p->seq, last);
			return CURSOR_GAP_RELOAD;
		}
		if (lo < p->seq) {
			snprintf(why, whylen, "lines may be lost: sequence "
			    "numbers restarted (device reloaded?): last seen seq %"
			    PRIu64 " (%s), the buffer now holds seq %" PRIu64
			    "..%" PRIu64, p->seq, last, lo, hi);
			return CURSOR_GAP_RELOAD;
		}
		if (full && lo == p->seq + 1)
			return CURSOR_GAP_NONE;
		if (full) {
			snprintf(why, whylen, "lines lost: the buffer wrapped "
			    "past the cursor: last seen seq %" PRIu64 " (%s) is "
			    "gone, the oldest entry is now seq %" PRIu64 " (%s)",
			    p->seq, last, lo, oldest);
			return CURSOR_GAP_WRAP;
		}
		snprintf(why, whylen, "%s: the buffer was cleared: last seen seq %"
		    PRIu64 " (%s) is gone and the buffer is shorter (%zu entries, "
		    "%zu bytes; it held %" PRIu64 " entries, %" PRIu64 " bytes)%s",
		    lo == p->seq + 1 ? "no line lost" : "lines may be lost",
		    p->seq, last, pr->nentries, pr->bytes, p->buf_entries,
		    p->buf_bytes, lo == p->seq + 1 ? "; the next seq follows" : "");
		return CURSOR_GAP_CLEARED;
	}
	for (i = 0; i < pr->nentries; i++)
		if (s_bytes_eq(pr->entries[i].tag, "SYS-5-RESTART")) {
			snprintf(why, whylen, "lines may be lost: the last seen "
			    "entry (%s) is gone and the buffer shows a restart "
			    "(%%SYS-5-RESTART at %.*s)", last,
			    (int)(pr->entries[i].ts.len > 40 ? 40 :
			    pr->entries[i].ts.len), pr->entries[i].ts.ptr);
			return CURSOR_GAP_RELOAD;
		}
	if (full && s_cut_is_ours(p, pr))
		return CURSOR_GAP_NONE;
	if (full) {
		snprintf(why, whylen, "lines lost: the buffer wrapped past the "
		    "cursor: the last seen entry (%s) is gone, the oldest entry "
		    "is now from %s", last, oldest);
		return CURSOR_GAP_WRAP;
	}
	snprintf(why, whylen, "lines may be lost: the buffer was cleared: the "
	    "last seen entry (%s) is gone and the buffer is shorter (%zu "
	    "entries, %zu bytes; it held %" PRIu64 " entries, %" PRIu64
	    " bytes)", last, pr->nentries, pr->bytes, p->buf_entries,
	    p->buf_bytes);
	return CURSOR_GAP_CLEARED;
}

/* ---- building a batch --------------------------------------------------- */

void
cursor_batch_init(struct cursor_batch *b)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->reasons_, 0);
}

void
cursor_batch_free(struct cursor_batch *b)
{
	free(b->recs);
	free(b->src_);
	buf_free(&b->reasons_);
	memset(b, 0, sizeof(*b));
}

static void
s_reserve(struct cursor_batch *b, size_t n)
{
	size_t cap;

	if (n <= b->cap_)
		return;
	cap = b->cap_ ? b->cap_ : 64;
	while (cap < n)
		cap *= 2;
	b->recs = xrealloc(b->recs, cap * sizeof(*b->recs));
	b->src_ = xrealloc(b->src_, cap * sizeof(*b->src_));
	b->cap_ = cap;
}

/* A new line record from entry e, with e's stamp; the caller sets the rest. */
static struct wire_rec *
s_new_line(struct cursor_batch *b, const struct logparse_entry *en, size_t e)
{
	struct wire_rec *r;

	s_reserve(b, b->nrecs + 1);
	r = &b->recs[b->nrecs];
	memset(r, 0, sizeof(*r));
	r->kind = REC_LINE;
	r->ts_ms = en->ts_ms;
	r->ts_raw = en->ts;
	b->src_[b->nrecs].ent = e;
	b->src_[b->nrecs].gap = CURSOR_GAP_NONE;
	b->nrecs++;
	return r;
}

static void
s_add_line(struct cursor_batch *b, const struct logparse_result *pr, size_t e)
{
	const struct logparse_entry *en = &pr->entries[e];
	struct wire_rec *r = s_new_line(b, en, e);

	r->seq = s_has_seq(en) ? en->seq : 0;
	r->tag = en->tag;
	r->line = en->raw;
}

/*
 * Lines that joined entry e after it was sent (a continuation the device
 * wrote later): one record of the added lines, with the entry's stamp.
 * Returns 1 when there were any. A line that instead leaves an entry it
 * was sent with becomes an entry of its own after the cursor: sent again,
 * never lost.
 */
static int
s_add_grown(struct cursor_batch *b, const struct cursor_pos *p,
    const struct logparse_result *pr, size_t e)
{
	const struct logparse_entry *en = &pr->entries[e];
	struct wire_rec *r;

	if (p->whole_len == 0 || en->raw.len <= (size_t)p->whole_len + 1 ||
	    en->raw.ptr[p->whole_len] != '\n' ||
	    logparse_hash(en->raw.ptr, p->whole_len) != p->whole_fp)
		return 0;
	r = s_new_line(b, en, e);
	r->line.ptr = en->raw.ptr + p->whole_len + 1;
	r->line.len = en->raw.len - p->whole_len - 1;
	return 1;
}

static void
s_add_gap(struct cursor_batch *b, size_t before, enum cursor_gap g,
    const char *why, int64_t now_ms)
{
	struct wire_rec *r;
	size_t off = b->reasons_.len, len = strlen(why);

	/* The reasons buffer has no ceiling: one short line per gap. */
	(void)buf_append(&b->reasons_, why, len);
	s_reserve(b, b->nrecs + 1);
	r = &b->recs[b->nrecs];
	memset(r, 0, sizeof(*r));
	r->kind = REC_GAP;
	r->ts_ms = now_ms;
	r->line.len = len;
	b->src_[b->nrecs].ent = before | SRC_GAP;
	b->src_[b->nrecs].roff = off;
	b->src_[b->nrecs].gap = g;
	if (b->ngaps++ == 0)
		b->gap = g;
	b->nrecs++;
}

static void
s_batch_reset(const struct cursor *c, const struct logparse_result *pr,
    struct cursor_batch *b)
{
	b->nrecs = b->ngaps = b->ngrown = b->sent_ = 0;
	b->gap = CURSOR_GAP_NONE;
	buf_reset(&b->reasons_);
	b->pr_ = pr;
	b->pr_gen_ = pr->gen_;
	b->gen_ = c->gen;
	b->epoch_ = c->sent.epoch;
	b->incr_ = 0;
	b->incr_at_ = 0;
}

static enum cerr s_fill(const struct cursor *c,
    const struct logparse_result *pr, long at, size_t first, int64_t now_ms,
    struct cursor_batch *b);

enum cerr
cursor_advance(const struct cursor *c, const struct logparse_result *pr,
    int64_t now_ms, struct cursor_batch *b)
{
	const struct cursor_pos *p = &c->sent;
	char why[512];
	long at;
	int seqmode;
	size_t first;

	s_batch_reset(c, pr, b);
	if (now_ms == 0)
		now_ms = util_wallms();

	at = s_locate(p, pr, &seqmode);
	if (at == LOC_LOST) {
		enum cursor_gap g = s_verdict(p, pr, seqmode, why, sizeof(why));

		if (g != CURSOR_GAP_NONE)
			s_add_gap(b, 0, g, why, now_ms);
		first = 0;
	} else
		first = (size_t)(at + 1);
	return s_fill(c, pr, at, first, now_ms, b);
}

/* Where the cursor's entry stands in an incremental reply; -1: unproven. */
static long
s_locate_incr(const struct cursor_pos *p, const struct logparse_result *pr)
{
	uint64_t last;
	long at = -1;
	size_t i, found = 0;

	if (p->nwin == 0 || pr->nentries == 0)
		return -1;
	last = p->win[p->nwin - 1];
	if (pr->entries[0].fp != last)
		return -1;
	if (p->flags & CURSOR_POS_SEQ) {
		/* Sequence numbers tell twins apart; each must have one. */
		for (i = 0; i < pr->nentries; i++) {
			const struct logparse_entry *e = &pr->entries[i];

			if (!s_has_seq(e))
				return -1;
			if (e->seq == p->seq && e->fp == last) {
				found++;
				at = (long)i;
			}
		}
		return found == 1 ? at : -1;
	}
	for (i = 0; i < pr->nentries; i++) {
		if (!s_window_at(p, pr, i))
			continue;
		/* The entry just before the reply did not match the filter. */
		if (i + 1 < p->nwin && p->win[p->nwin - 2 - i] == last)
			continue;
		found++;
		at = (long)i;
	}
	return found == 1 ? at : -1;
}

enum cerr
cursor_advance_incr(const struct cursor *c, const struct logparse_result *pr,
    int64_t now_ms, struct cursor_batch *b)
{
	long at;
	enum cerr e;

	s_batch_reset(c, pr, b);
	b->first_entry = 0;
	if (now_ms == 0)
		now_ms = util_wallms();
	if ((at = s_locate_incr(&c->sent, pr)) < 0)
		return CERR_NOTFOUND;
	e = s_fill(c, pr, at, (size_t)at + 1, now_ms, b);
	b->incr_ = 1;
	b->incr_at_ = (size_t)at;
	b->incr_from_ = c->sent;
	return e;
}

/* Records for pr's entries from first on; at: the cursor's entry or < 0. */
static enum cerr
s_fill(const struct cursor *c, const struct logparse_result *pr, long at,
    size_t first, int64_t now_ms, struct cursor_batch *b)
{
	const struct cursor_pos *p = &c->sent;
	char why[512];
	int have_prev = 0, gapdone;
	uint64_t prev = 0;
	size_t i;

	b->first_entry = first;
	if (at >= 0)
		b->ngrown = (size_t)s_add_grown(b, p, pr, (size_t)at);
	if (at >= 0 && s_has_seq(&pr->entries[at])) {
		prev = pr->entries[at].seq;
		have_prev = 1;
	}
	gapdone = at >= 0 && (p->flags & CURSOR_POS_GAPDONE);
	for (i = first; i < pr->nentries; i++) {
		const struct logparse_entry *e = &pr->entries[i];

		if (s_has_seq(e)) {
			if (have_prev && e->seq < prev && !(i == first && gapdone)) {
				snprintf(why, sizeof(why), "lines may be lost: "
				    "sequence numbers restarted (device "
				    "reloaded?): seq %" PRIu64 " follows seq %"
				    PRIu64, e->seq, prev);
				s_add_gap(b, i, CURSOR_GAP_RELOAD, why, now_ms);
			}
			prev = e->seq;
			have_prev = 1;
		}
		s_add_line(b, pr, i);
	}
	if ((uint64_t)p->counter + b->nrecs > UINT32_MAX) {
		log_warnx("device=%s record ids of epoch %" PRIu32 " used up",
		    c->device, p->epoch);
		b->nrecs = b->ngaps = 0;
		b->gap = CURSOR_GAP_NONE;
		return CERR_RANGE;
	}
	for (i = 0; i < b->nrecs; i++) {
		b->recs[i].id = cursor_id(p->epoch, p->counter + (uint32_t)i + 1);
		if (b->src_[i].ent & SRC_GAP)
			b->recs[i].line.ptr = b->reasons_.data + b->src_[i].roff;
	}
	return CERR_OK;
}

enum cursor_gap
cursor_rec_gap(const struct cursor_batch *b, size_t i)
{
	if (i >= b->nrecs || !(b->src_[i].ent & SRC_GAP))
		return CURSOR_GAP_NONE;
	return b->src_[i].gap;
}

/* The position just after entry last (or before entry 0 when none). */
static void
s_pos_after_entry(struct cursor_pos *pos, const struct logparse_result *pr,
    size_t count)
{
	const struct logparse_entry *e;
	size_t from, k;

	pos->flags = 0;
	pos->buf_entries = pr->nentries;
	pos->buf_bytes = pr->bytes;
	memset(pos->win, 0, sizeof(pos->win));
	pos->nwin = 0;
	pos->index = 0;
	pos->seq = 0;
	pos->ts_ms = 0;
	pos->cut_need = 0;
	pos->cut_fp = 0;
	pos->whole_len = 0;
	pos->whole_fp = 0;
	if (count == 0)
		return;
	e = &pr->entries[count - 1];
	from = count > CURSOR_WINDOW ? count - CURSOR_WINDOW : 0;
	for (k = from; k < count; k++)
		pos->win[k - from] = pr->entries[k].fp;
	pos->nwin = (uint32_t)(count - from);
	pos->index = count - 1;
	if (s_has_seq(e)) {
		pos->flags |= CURSOR_POS_SEQ;
		pos->seq = e->seq;
	}
	pos->ts_ms = e->ts_ms;
	if (e->raw.len <= UINT32_MAX && !(e->flags & LOGPARSE_E_TRUNCATED)) {
		pos->whole_len = (uint32_t)e->raw.len;
		pos->whole_fp = logparse_hash(e->raw.ptr, e->raw.len);
	}
	if (e->ts.len > 0 && e->full_len <= UINT32_MAX) {
		size_t stamp_end = (size_t)(e->ts.ptr - e->raw.ptr) + e->ts.len;
		size_t keep = e->ts.len > STAMP_SKIP ? e->ts.len - STAMP_SKIP :
		    e->ts.len;

		pos->cut_need = (uint32_t)(e->full_len - stamp_end + keep);
		pos->cut_fp = logparse_hash(e->raw.ptr + e->full_len -
		    pos->cut_need, pos->cut_need);
	}
}

/*
 * A position after reply entry count - 1 of an incremental batch, in terms
 * of the whole buffer: the window reaches back into the fingerprints the
 * cursor had before the reply's first entry, and the index and size hints
 * continue those of the last full read (a reply is no measure of the
 * buffer: taken as one, a later `clear logging` would look like a wrap).
 */
static void
s_pos_incr(struct cursor_pos *pos, const struct cursor_batch *b, size_t count)
{
	const struct cursor_pos *from = &b->incr_from_;
	uint64_t win[2 * CURSOR_WINDOW];
	size_t n = 0, before, k;

	if (count < CURSOR_WINDOW && from->nwin > b->incr_at_ + 1) {
		/* old fingerprints of entries before the reply's first */
		before = from->nwin - (b->incr_at_ + 1);
		for (k = 0; k < before; k++)
			win[n++] = from->win[k];
		for (k = 0; k < count; k++)
			win[n++] = b->pr_->entries[k].fp;
		k = n > CURSOR_WINDOW ? n - CURSOR_WINDOW : 0;
		pos->nwin = (uint32_t)(n - k);
		memcpy(pos->win, win + k, pos->nwin * sizeof(*pos->win));
	}
	pos->index = (from->index >= b->incr_at_ ? from->index - b->incr_at_ :
	    0) + count - 1;
	pos->buf_entries = from->buf_entries > pos->index + 1 ?
	    from->buf_entries : pos->index + 1;
	pos->buf_bytes = from->buf_bytes > b->pr_->bytes ? from->buf_bytes :
	    b->pr_->bytes;
}

/* Remember a batch in flight up to last_id, ending at pos. */
static void
s_inflight_add(struct cursor *c, uint64_t last_id, const struct cursor_pos *pos)
{
	struct cursor_inflight *f;

	if (c->ninflight == c->inflight_cap) {
		c->inflight_cap = c->inflight_cap ? c->inflight_cap * 2 : 4;
		c->inflight = xrealloc(c->inflight,
		    c->inflight_cap * sizeof(*c->inflight));
	}
	f = &c->inflight[c->ninflight++];
	f->last_id = last_id;
	f->pos = *pos;
	f->acked = 0;
	c->sent = *pos;
	c->gen++;
}

enum cerr
cursor_mark_sent(struct cursor *c, struct cursor_batch *b, size_t upto)
{
	struct cursor_pos pos;
	const struct cursor_src_ *s;

	if (b->gen_ != c->gen || b->epoch_ != c->sent.epoch || upto > b->nrecs ||
	    upto < b->sent_ || b->pr_ == NULL || b->pr_->gen_ != b->pr_gen_)
		return CERR_INVAL;
	if (upto == b->sent_)
		return CERR_OK;
	if (c->ninflight == CURSOR_MAX_INFLIGHT)
		return CERR_AGAIN;

	pos = c->sent;
	s = &b->src_[upto - 1];
	if (s->ent & SRC_GAP) {
		s_pos_after_entry(&pos, b->pr_, s->ent & ~SRC_GAP);
		if ((s->ent & ~SRC_GAP) > 0)
			pos.flags |= CURSOR_POS_GAPDONE;
	} else
		s_pos_after_entry(&pos, b->pr_, s->ent + 1);
	if (b->incr_)
		s_pos_incr(&pos, b, pos.index + 1);
	pos.counter = (uint32_t)b->recs[upto - 1].id;

	for (size_t i = b->sent_; i < upto; i++) {
		if (!(b->src_[i].ent & SRC_GAP))
			continue;
		c->stats.gaps[b->src_[i].gap]++;
		log_warnx("device=%s gap=%s id=%" PRIu64 " %.*s", c->device,
		    cursor_gap_str(b->src_[i].gap), b->recs[i].id,
		    (int)b->recs[i].line.len, b->recs[i].line.ptr);
	}
	if (b->ngrown > 0 && b->sent_ == 0) {
		c->stats.grown++;
		log_info("device=%s id=%" PRIu64 " %zu bytes joined the entry "
		    "sent last (a continuation written after it was read): sent "
		    "as a record of their own", c->device, b->recs[0].id,
		    b->recs[0].line.len);
	}
	c->stats.records += upto - b->sent_;

	s_inflight_add(c, b->recs[upto - 1].id, &pos);
	b->sent_ = upto;
	b->gen_ = c->gen;
	return CERR_OK;
}

uint64_t
cursor_snapshot_id(const struct cursor *c)
{
	if (c->sent.counter == UINT32_MAX)
		return 0;
	return cursor_id(c->sent.epoch, c->sent.counter + 1);
}

enum cerr
cursor_add_snapshot(struct cursor *c, uint64_t id)
{
	if (id == 0 || id != cursor_snapshot_id(c))
		return CERR_INVAL;
	if (c->ninflight > 0)
		return CERR_AGAIN;
	/* Delivered as far as the file goes: written before it is sent. */
	c->sent.counter++;
	c->acked = c->sent;
	c->dirty = 1;
	c->gen++;
	c->stats.records++;
	c->stats.snapshots++;
	return CERR_OK;
}

enum cerr
cursor_mark_acked(struct cursor *c, uint64_t last_id)
{
	size_t i, done = 0;

	for (i = 0; i < c->ninflight; i++)
		if (c->inflight[i].last_id == last_id && !c->inflight[i].acked)
			break;
	if (i == c->ninflight)
		return CERR_NOTFOUND;
	c->inflight[i].acked = 1;
	c->stats.acked_batches++;
	while (done < c->ninflight && c->inflight[done].acked) {
		c->acked = c->inflight[done].pos;
		c->dirty = 1;
		done++;
	}
	if (done > 0) {
		memmove(c->inflight, c->inflight + done,
		    (c->ninflight - done) * sizeof(*c->inflight));
		c->ninflight -= done;
	}
	return CERR_OK;
}

void
cursor_rewind(struct cursor *c)
{
	c->ninflight = 0;
	c->sent = c->acked;
	c->gen++;
}

void
cursor_next_epoch(struct cursor *c, int64_t now_ms)
{
	uint64_t e = (uint64_t)(now_ms > 0 ? now_ms : util_wallms()) / 1000;

	if (e <= c->sent.epoch)
		e = (uint64_t)c->sent.epoch + 1;
	if (e <= c->epoch_floor)
		e = (uint64_t)c->epoch_floor + 1;
	if (e > UINT32_MAX)
		e = UINT32_MAX;
	log_info("device=%s record ids of epoch %" PRIu32 " used up: epoch %"
	    PRIu64 " follows", c->device, c->sent.epoch, e);
	c->sent.epoch = (uint32_t)e;
	c->sent.counter = 0;
	c->epoch_floor = (uint32_t)e;
	c->gen++;
}

