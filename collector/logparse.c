/*
 * logparse.c — log command output to entries (see logparse.h).
 *
 * Two passes, both linear: a copy that normalises line ends and pager
 * residue, then a line scan that classifies each line by looking at a
 * bounded prefix of it (sequence number, node, stamp, tag), so a 10 MB line
 * costs a memchr and a hash, nothing quadratic.
 */
#include <stdlib.h>
#include <string.h>

#include "collector/logparse.h"
#include "common/ascii.h"
#include "common/util.h"

#define MIN_ENTRY	1024	/* a ceiling below this would cut the fields */
#define MAX_SEQ_DIGITS	19	/* fits in uint64_t */
#define MAX_NODE	48	/* "RP/0/RSP0/CPU0" */
#define MAX_PROC	64	/* "ifmgr[257]", "Ebra", "mib2d[2424]" */
#define MAX_TAG		96
#define MAX_HOST	255

static struct wire_bytes
s_span(const char *p, size_t len)
{
	struct wire_bytes b = { p, len };

	return b;
}

void
logparse_result_init(struct logparse_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
logparse_result_free(struct logparse_result *r)
{
	uint64_t gen = r->gen_;

	free(r->text_);
	free(r->entries);
	memset(r, 0, sizeof(*r));
	r->gen_ = gen + 1;
}

void
logparse_opts_init(struct logparse_opts *o, int64_t now_ms)
{
	memset(o, 0, sizeof(*o));
	devtime_opts_init(&o->time, now_ms);
}

/* Length of a pager prompt at s, 0 if none. */
static size_t
s_pager_marker(const char *s, size_t len)
{
	if (len >= 8 && memcmp(s, "--More--", 8) == 0)
		return 8;
	if (len >= 12 && memcmp(s, "---(more", 8) == 0)
		for (size_t k = 8; k + 4 <= len && k < 24; k++)
			if (memcmp(s + k, ")---", 4) == 0)
				return k + 4;
	return 0;
}

/*
 * Length of the erase sequence a pager leaves (backspaces, CRs, erase-line
 * escapes, with spaces between them). Spaces count only when an erase byte
 * follows them: an indented line after the pager keeps its indentation. A
 * CR that ends a line (CRLF) is not an erase.
 */
static size_t
s_erase_run(const char *s, size_t len)
{
	size_t i = 0, last = 0;

	while (i < len) {
		if (s[i] == '\b') {
			last = ++i;
		} else if (s[i] == '\r') {
			if (i + 1 < len && s[i + 1] == '\n')
				break;
			last = ++i;
		} else if (s[i] == ' ') {
			i++;
		} else if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			size_t j = i + 2;

			while (j < len && j - i < 16 &&
			    (ascii_isdigit(s[j]) || s[j] == ';' || s[j] == '?'))
				j++;
			if (j >= len || !ascii_isalpha(s[j]))
				break;
			last = i = j + 1;
		} else
			break;
	}
	return last;
}

/* Bytes the normaliser must look at; everything else is copied in runs. */
static int
s_special(unsigned char c)
{
	return c == '\r' || c == '\n' || c == '-';
}

/* The normaliser's output so far; see s_normalize() for last_ns. */
struct norm {
	char   *out;
	size_t  o;
	size_t  line_start;
	size_t  last_ns;
	int     any_ns;	/* a non-space byte was written since line_start */
};

static void
s_norm_byte(struct norm *w, char c)
{
	w->last_ns = w->o;
	w->any_ns = 1;
	w->out[w->o++] = c;
}

/* Ordinary bytes: one memcpy, and a look back over trailing spaces only. */
static void
s_norm_run(struct norm *w, const char *in, size_t n)
{
	size_t k = n;

	memcpy(w->out + w->o, in, n);
	while (k > 0 && in[k - 1] == ' ')
		k--;
	if (k > 0) {
		w->last_ns = w->o + k - 1;
		w->any_ns = 1;
	}
	w->o += n;
}

/*
 * The run of CRs at in[i]: dropped if a line end (or the end) follows it,
 * else kept whole. Returns where the input goes on. The whole run at once:
 * keeping one CR and scanning the rest of the run again for the next was
 * quadratic (200k CRs before a byte took 9.5 s).
 */
static size_t
s_norm_cr(struct norm *w, const char *in, size_t len, size_t i)
{
	size_t j = i;

	while (j < len && in[j] == '\r')
		j++;
	if (j == len || in[j] == '\n')
		return j;
	for (; i < j; i++)
		s_norm_byte(w, '\r');
	return j;
}

static void
s_norm_eol(struct norm *w)
{
	/* a CR that pager removal left before the line end */
	while (w->o > w->line_start && w->out[w->o - 1] == '\r')
		w->o--;
	w->out[w->o++] = '\n';
	w->line_start = w->o;
	w->any_ns = 0;
}

/*
 * A pager prompt at in[i] and the erase run after it. Returns where the
 * input goes on after them, having taken them out of the output; i if
 * they stay: a prompt that is neither alone on its line nor followed by
 * an erase run is text.
 */
static size_t
s_norm_pager(struct norm *w, const char *in, size_t len, size_t i)
{
	size_t m = s_pager_marker(in + i, len - i), j, e;
	int line_blank = !w->any_ns || w->last_ns < w->line_start;

	if (m == 0)
		return i;
	j = i + m;
	e = s_erase_run(in + j, len - j);
	if (e == 0 && !line_blank)
		return i;
	if (line_blank)
		w->o = w->line_start;
	else if (w->o > w->line_start && w->out[w->o - 1] == ' ')
		w->o--;
	j += e;
	if (e == 0 && j < len && in[j] == ' ')
		j++;
	if (line_blank) {
		/* A line that held only the pager goes. */
		size_t k = j;

		while (k < len && (in[k] == ' ' || in[k] == '\r'))
			k++;
		if (k < len && in[k] == '\n')
			j = k + 1;
		else if (k == len)
			j = k;
	}
	return j;
}

/*
 * Copy in[0..len) to out, dropping line-end CRs and pager residue. Returns
 * the output length; *eol tells whether the input ended with a line end.
 * Ordinary bytes go over in memcpy runs; "is the line blank so far" is
 * kept as the position of the last non-space byte written, so that a line
 * full of pager markers still costs linear time.
 */
static size_t
s_normalize(const char *in, size_t len, char *out, size_t *npager, int *eol)
{
	struct norm w = { out, 0, 0, 0, 0 };
	size_t i = 0;

	while (i < len) {
		size_t run = i, j;

		while (run < len && !s_special((unsigned char)in[run]))
			run++;
		if (run > i) {
			s_norm_run(&w, in + i, run - i);
			i = run;
			if (i == len)
				break;
		}
		if (in[i] == '\r') {
			i = s_norm_cr(&w, in, len, i);
			continue;
		}
		if (in[i] == '\n') {
			s_norm_eol(&w);
			i++;
			continue;
		}
		/* '-': a pager prompt? */
		j = s_norm_pager(&w, in, len, i);
		if (j != i) {
			(*npager)++;
			i = j;
			continue;
		}
		s_norm_byte(&w, in[i]);
		i++;
	}
	*eol = len > 0 && (in[len - 1] == '\n' || in[len - 1] == '\r');
	return w.o;
}

uint64_t
logparse_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
	size_t i = 0;

	/* Little-endian word loads whatever the host, so the value (kept in
	 * cursor files) does not depend on the machine. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w = (uint64_t)p[i] | (uint64_t)p[i + 1] << 8 |
		    (uint64_t)p[i + 2] << 16 | (uint64_t)p[i + 3] << 24 |
		    (uint64_t)p[i + 4] << 32 | (uint64_t)p[i + 5] << 40 |
		    (uint64_t)p[i + 6] << 48 | (uint64_t)p[i + 7] << 56;

		h = (h ^ w) * 0x9fb21c651e98df25ULL;
		h ^= h >> 28;
	}
	if (i < len) {
		uint64_t w = 0;

		for (size_t k = 0; i + k < len; k++)
			w |= (uint64_t)p[i + k] << (8 * k);
		h = (h ^ w) * 0x9fb21c651e98df25ULL;
		h ^= h >> 28;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static int
s_blank(const char *l, size_t ll)
{
	for (size_t i = 0; i < ll; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return 1;
}

static int
s_prefix(const char *l, size_t ll, const char *p)
{
	size_t n = strlen(p);

	return ll >= n && memcmp(l, p, n) == 0;
}

/*
 * The tag and where the message text starts, from region (just after the
 * stamp, or after the host for syslog-style platforms). An optional
 * process or origin token ("ifmgr[257]: ", "Ebra: ", "mib2d[2424]: ")
 * may precede the tag. Without a tag the message is the whole region.
 */
static void
s_tag(enum platform_id pf, const char *l, size_t ll, size_t region,
    struct logparse_entry *e)
{
	size_t t = region;
	int proc = 0;

	e->severity = -1;
	e->msg = s_span(l + region, 0);
	if (region < ll && l[region] != '%') {
		size_t j = region;

		while (j < ll && j - region < MAX_PROC && l[j] != ' ' && l[j] != ':')
			j++;
		if (j > region && j + 1 < ll && l[j] == ':' && l[j + 1] == ' ') {
			t = j + 2;
			proc = 1;
		}
	}
	if (t < ll && l[t] == '%') {
		size_t k = t + 1, sev = 0, colon;

		while (k < ll && k - t <= MAX_TAG &&
		    (ascii_isalnum(l[k]) || l[k] == '_' || l[k] == '-'))
			k++;
		colon = (k < ll && l[k] == ' ') ? k + 1 : k;
		if (colon >= ll || l[colon] != ':')
			return;
		/* FACILITY-SEV-MNEMONIC: the first "-digit-" splits it. */
		for (size_t p = t + 2; p + 3 < k; p++)
			if (l[p] == '-' && l[p + 1] >= '0' && l[p + 1] <= '7' &&
			    l[p + 2] == '-') {
				sev = p;
				break;
			}
		if (sev == 0)
			return;
		e->tag = s_span(l + t + 1, k - t - 1);
		e->facility = s_span(l + t + 1, sev - t - 1);
		e->mnemonic = s_span(l + sev + 3, k - sev - 3);
		e->severity = l[sev + 1] - '0';
		colon++;
		if (colon < ll && l[colon] == ' ')
			colon++;
		e->msg.ptr = l + colon;
		return;
	}
	if (pf == PLATFORM_JUNIPER_JUNOS && proc && t < ll &&
	    l[t] >= 'A' && l[t] <= 'Z') {
		size_t k = t, under = 0;

		/* Junos event tags are SUBSYSTEM_EVENT ("SNMP_TRAP_LINK_DOWN",
		 * "UI_COMMIT"): an upper-case word with no '_' before a colon
		 * is message text ("chassisd[91550]: JAM:PL: mod info"). */
		while (k < ll && k - t <= MAX_TAG && ((l[k] >= 'A' && l[k] <= 'Z') ||
		    ascii_isdigit(l[k]) || l[k] == '_')) {
			if (l[k] == '_' && under == 0)
				under = k;
			k++;
		}
		if (k >= ll || l[k] != ':' || under == 0 ||
		    l[k - 1] == '_')
			return;
		e->tag = s_span(l + t, k - t);
		e->mnemonic = e->tag;
		k++;
		if (k < ll && l[k] == ' ')
			k++;
		e->msg.ptr = l + k;
	}
}

static void
s_set_time(struct logparse_entry *e, const char *p, const struct devtime *dt)
{
	e->ts = s_span(p, dt->len);
	e->ts_ms = dt->ms;
	e->ts_alt_ms = dt->alt_ms;
	e->ts_flags = dt->flags;
	e->ts_style = (uint8_t)dt->style;
}

/* IOS, IOS XE, IOS XR: [SEQ: ][NODE:]STAMP[ ]: [proc: ]%TAG[ ]: text */
static int
s_start_cisco(enum platform_id pf, const char *l, size_t ll,
    const struct logparse_opts *o, struct logparse_entry *e)
{
	struct devtime dt;
	size_t i = 0, region;

	if (ascii_isdigit(l[0])) {
		size_t j = 0;
		uint64_t v = 0;

		while (j < ll && j < MAX_SEQ_DIGITS && ascii_isdigit(l[j]))
			v = v * 10 + (uint64_t)(l[j++] - '0');
		if (j + 1 < ll && l[j] == ':' && l[j + 1] == ' ') {
			e->seq = v;
			e->flags |= LOGPARSE_E_SEQ;
			e->seq_digits = (uint8_t)j;
			i = j + 2;
		}
	}
	/* A node is a slash path ending in ':': "RP/0/RSP0/CPU0:" on the route
	 * processor, "0/RP0/ADMIN0:" on the admin plane (a digit first, so
	 * never a letter-only rule). The slash keeps it apart from a sequence
	 * number ("94307: ") and an uptime ("00:01:23: "). */
	if (i < ll && ascii_isalnum(l[i])) {
		size_t j = i;
		int slash = 0;

		while (j < ll && j - i < MAX_NODE && (ascii_isalnum(l[j]) ||
		    l[j] == '/' || l[j] == '_' || l[j] == '-')) {
			slash |= l[j] == '/';
			j++;
		}
		if (slash && j < ll && l[j] == ':') {
			e->host = s_span(l + i, j - i);
			i = j + 1;
		}
	}
	if (devtime_parse(l + i, ll - i, DEVTIME_ACCEPT_ZONE |
	    DEVTIME_ACCEPT_MARK | DEVTIME_ACCEPT_UPTIME, &o->time, &dt) == 0) {
		size_t j = i + dt.len;

		while (j < ll && l[j] == ' ' && j - (i + dt.len) < 4)
			j++;
		if (j >= ll || l[j] != ':')
			return 0;
		j++;
		if (j < ll && l[j] == ' ')
			j++;
		s_set_time(e, l + i, &dt);
		region = j;
	} else if (i < ll && l[i] == '%') {
		region = i;	/* "no service timestamps log" */
	} else
		return 0;
	s_tag(pf, l, ll, region, e);
	if (e->ts.len == 0 && e->tag.len == 0)
		return 0;
	return 1;
}

/* The next space-separated field of an RFC 5424 header from *i. */
static struct wire_bytes
s_field(const char *l, size_t ll, size_t *i, size_t max)
{
	size_t j = *i;

	while (j < ll && l[j] != ' ' && j - *i < max)
		j++;
	if (j == *i || (j < ll && l[j] != ' '))
		return s_span(NULL, 0);
	struct wire_bytes b = s_span(l + *i, j - *i);
	*i = j < ll ? j + 1 : j;
	return b;
}

/*
 * RFC 5424, the form Junos writes its files in with `structured-data`:
 * "<PRI>1 STAMP HOST APP PROCID MSGID [SD] text". MSGID is the tag
 * ("SNMP_TRAP_LINK_DOWN"); "-" is none.
 */
static int
s_start_5424(const char *l, size_t ll, const struct logparse_opts *o,
    struct logparse_entry *e)
{
	struct devtime dt;
	struct wire_bytes app, procid, msgid;
	size_t i = 1;

	while (i < ll && i < 5 && l[i] >= '0' && l[i] <= '9')
		i++;
	if (i == 1 || i + 2 >= ll || l[i] != '>' || l[i + 1] != '1' ||
	    l[i + 2] != ' ')
		return 0;
	i += 3;
	if (devtime_parse(l + i, ll - i, 0, &o->time, &dt) < 0 ||
	    i + dt.len >= ll || l[i + dt.len] != ' ')
		return 0;
	s_set_time(e, l + i, &dt);
	i += dt.len + 1;
	e->host = s_field(l, ll, &i, MAX_HOST);
	app = s_field(l, ll, &i, MAX_PROC);
	procid = s_field(l, ll, &i, MAX_PROC);
	msgid = s_field(l, ll, &i, MAX_TAG);
	/* With a tag or without, the text is what follows the header
	 * fields; a NULL msg would be read as a span up to the entry's end. */
	e->msg = s_span(l + i, ll - i);
	if (app.len > 0 && procid.len > 0 && msgid.len > 0 &&
	    !(msgid.len == 1 && msgid.ptr[0] == '-'))
		e->tag = e->mnemonic = msgid;
	return 1;
}

/* NX-OS, EOS, Junos: STAMP HOST [proc: ][%]TAG: text */
static int
s_start_syslog(enum platform_id pf, const char *l, size_t ll,
    const struct logparse_opts *o, struct logparse_entry *e)
{
	struct devtime dt;
	size_t i, j;

	if (l[0] == '<')
		return s_start_5424(l, ll, o, e);
	if (devtime_parse(l, ll, 0, &o->time, &dt) < 0)
		return 0;
	i = dt.len;
	if (i >= ll || l[i] != ' ')
		return 0;
	while (i < ll && l[i] == ' ' && i - dt.len < 4)
		i++;
	if (i >= ll)
		return 0;
	s_set_time(e, l, &dt);
	if (l[i] != '%') {
		j = i;
		while (j < ll && l[j] != ' ' && j - i < MAX_HOST)
			j++;
		e->host = s_span(l + i, j - i);
		i = j;
		while (i < ll && l[i] == ' ' && i - j < 4)
			i++;
	}
	s_tag(pf, l, ll, i, e);
	return 1;
}

static int
s_entry_start(enum platform_id pf, const char *l, size_t ll,
    const struct logparse_opts *o, struct logparse_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->severity = -1;
	if (ll == 0 || l[0] == ' ' || l[0] == '\t')
		return 0;
	switch (pf) {
	case PLATFORM_CISCO_IOS:
	case PLATFORM_CISCO_XE:
	case PLATFORM_CISCO_XR:
		return s_start_cisco(pf, l, ll, o, e);
	default:
		return s_start_syslog(pf, l, ll, o, e);
	}
}

static int
s_has_header(enum platform_id pf)
{
	return pf != PLATFORM_CISCO_NXOS && pf != PLATFORM_JUNIPER_JUNOS;
}

/*
 * A first entry that parses but only because the ring buffer's cut fell on
 * a field boundary: it lacks a stamp the next one has, its stamp looks like
 * an uptime where the next one is a date ("03:02:31: " left of
 * "Jun 19 03:02:31: "), or its sequence number lost leading digits.
 */
static int
s_looks_cut(const struct logparse_entry *a, const struct logparse_entry *b)
{
	if (a->ts.len == 0 && b->ts.len != 0)
		return 1;
	if (a->ts_style == DEVTIME_UPTIME && b->ts.len != 0 &&
	    b->ts_style != DEVTIME_UPTIME)
		return 1;
	/* Zero-padded numbers never get shorter; unpadded ones do only at
	 * 99999 -> 100000. */
	if ((a->flags & b->flags & LOGPARSE_E_SEQ) &&
	    a->seq_digits < b->seq_digits &&
	    (b->raw.ptr[0] == '0' || a->seq + 1 != b->seq))
		return 1;
	return 0;
}

static struct logparse_entry *
s_push(struct logparse_result *r)
{
	if (r->nentries == r->entries_cap_) {
		size_t cap = r->entries_cap_ ? r->entries_cap_ * 2 : 64;

		r->entries = xrealloc(r->entries, cap * sizeof(*r->entries));
		r->entries_cap_ = cap;
	}
	return &r->entries[r->nentries++];
}

/* Close the entry: its raw span ends at end (after its last non-blank line). */
static void
s_finish(struct logparse_result *r, struct logparse_entry *e, const char *end,
    uint32_t nlines, size_t max_entry)
{
	const char *raw_end;

	e->full_len = (size_t)(end - e->raw.ptr);
	e->raw.len = e->full_len;
	e->nlines = nlines;
	if (nlines > 1)
		e->flags |= LOGPARSE_E_MULTILINE;
	if (e->raw.len > max_entry) {
		e->raw.len = max_entry;
		/* a cut right after a line end would leave it dangling */
		while (e->raw.len > 1 && e->raw.ptr[e->raw.len - 1] == '\n')
			e->raw.len--;
		e->flags |= LOGPARSE_E_TRUNCATED;
		r->ntruncated++;
	}
	raw_end = e->raw.ptr + e->raw.len;
	e->msg.len = e->msg.ptr < raw_end ? (size_t)(raw_end - e->msg.ptr) : 0;
	if (e->msg.ptr > raw_end)
		e->msg.ptr = raw_end;
	r->bytes += e->raw.len;
}

/* Drop a trailing Junos "{master:0}" / "{primary:node0}" line. */
static size_t
s_strip_junos(struct logparse_result *r, const char *t, size_t tl)
{
	size_t end = tl, start;

	if (end > 0 && t[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && t[start - 1] != '\n' && end - start <= 64)
		start--;
	if (end - start >= 3 && end - start <= 64 && t[start] == '{' &&
	    t[end - 1] == '}' && (start == 0 || t[start - 1] == '\n') &&
	    memchr(t + start, ' ', end - start) == NULL) {
		r->nstripped++;
		return start;
	}
	return tl;
}

/* How far a stamp may run ahead of the entry after it before its inferred
 * year is taken to be one too late: more than a clock set back by hand or
 * a time source usually moves it, far less than a year. */
#define YEAR_BACK_SLACK_MS	(31 * 86400000LL)

/*
 * The order of the buffer settles the DST repeated hour and the year of
 * stamps written without one (see logparse.h). The first is decided as
 * each entry starts (before: the last stamp seen); the second needs a
 * pass backwards, made only when some stamp ran ahead of the one after it
 * (*years_back), which is rare: a buffer that spans two New Years.
 */
static void
s_order_step(struct logparse_entry *e, int64_t *before, int *years_back)
{
	if (e->ts_ms == 0)
		return;
	if (*before > e->ts_ms + YEAR_BACK_SLACK_MS)
		*years_back = 1;
	if ((e->ts_flags & DEVTIME_AMBIGUOUS) && e->ts_ms < *before &&
	    e->ts_alt_ms >= *before)
		e->ts_ms = e->ts_alt_ms;
	*before = e->ts_ms;
}

static void
s_years_back(struct logparse_result *r, const struct logparse_opts *o)
{
	struct devtime_opts to = o->time;
	int64_t later = 0;

	for (size_t i = r->nentries; i-- > 0;) {
		struct logparse_entry *e = &r->entries[i];
		struct devtime dt;

		if (e->ts_ms == 0)
			continue;
		if (later != 0 && (e->ts_flags & DEVTIME_YEAR_INFERRED) &&
		    !(e->ts_flags & (DEVTIME_UNSYNCED | DEVTIME_LOSTSYNC)) &&
		    e->ts_ms > later + YEAR_BACK_SLACK_MS) {
			/* infer again as if polled when the next entry was */
			to.now_ms = later;
			if (devtime_parse(e->ts.ptr, e->ts.len, DEVTIME_ACCEPT_ZONE |
			    DEVTIME_ACCEPT_MARK, &to, &dt) == 0 && dt.ms != 0) {
				e->ts_ms = dt.ms;
				e->ts_alt_ms = dt.alt_ms;
				e->ts_flags = dt.flags;
			}
		}
		later = e->ts_ms;
	}
}

enum phase { PH_HEADER, PH_PRE, PH_BODY };

/* What logparse_parse() carries from one line to the next. */
struct scan {
	enum platform_id            pf;
	const struct logparse_opts *o;
	size_t                      max_entry;
	enum phase                  ph;
	size_t                      hdr_pending;	/* lines in PH_HEADER */
	int                         saw_syslog;
	/* non-blank lines before the first entry: header, or a cut tail */
	const char                 *pre_start, *pre_end;
	struct logparse_entry      *cur;	/* the entry still open, */
	const char                 *cur_end;	/* to its last non-blank line */
	uint32_t                    cur_lines, lines_since;
	int64_t                     ts_before;
	int                         years_back;
};

static void
s_result_reset(struct logparse_result *r, enum platform_id pf)
{
	r->nentries = 0;
	r->bytes = r->nlines = r->header_lines = r->ncut = 0;
	r->ntruncated = r->npager = r->nstripped = 0;
	r->header_found = r->partial = 0;
	r->cut = s_span(NULL, 0);
	r->platform = pf;
	r->gen_++;
}

static void
s_scan_init(struct scan *s, enum platform_id pf, const struct logparse_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->pf = pf;
	s->o = o;
	s->max_entry = o->max_entry ? o->max_entry : WIRE_MAX_LINE;
	if (s->max_entry < MIN_ENTRY)
		s->max_entry = MIN_ENTRY;
	s->ph = s_has_header(pf) ? PH_HEADER : PH_PRE;
}

/* The normalised copy of out into r->text_; returns its length. */
static size_t
s_copy_text(enum platform_id pf, const char *out, size_t len,
    struct logparse_result *r, int *eol)
{
	size_t tl;

	if (r->text_cap_ < len + 1) {
		free(r->text_);
		r->text_ = xmalloc(len + 1);
		r->text_cap_ = len + 1;
	}
	tl = s_normalize(out ? out : "", out ? len : 0, r->text_, &r->npager,
	    eol);
	if (pf == PLATFORM_JUNIPER_JUNOS && r->nstripped == 0 &&
	    (tl = s_strip_junos(r, r->text_, tl), r->nstripped > 0))
		*eol = 1;	/* the line before it ended */
	r->text_[tl] = '\0';
	return tl;
}

static void
s_note_pre(struct scan *s, const char *l, size_t ll)
{
	if (!s_blank(l, ll)) {
		if (s->pre_start == NULL)
			s->pre_start = l;
		s->pre_end = l + ll;
	}
}

static void
s_cut_pre(struct logparse_result *r, const struct scan *s)
{
	r->ncut = 1;
	r->cut = s_span(s->pre_start, (size_t)(s->pre_end - s->pre_start));
}

/* A line while the header may still go on: 1 if it was the header's. */
static int
s_header_line(struct logparse_result *r, struct scan *s, const char *l,
    size_t ll, int is_start)
{
	if (!is_start) {
		if (s_prefix(l, ll, "Log Buffer")) {
			r->header_found = 1;
			r->header_lines = s->hdr_pending + 1;
			s->pre_start = s->pre_end = NULL;
			s->ph = PH_PRE;
		} else {
			if (s_prefix(l, ll, "Syslog logging"))
				s->saw_syslog = 1;
			s_note_pre(s, l, ll);
			s->hdr_pending++;
		}
		return 1;
	}
	/* No "Log Buffer" line: a header only if it looked like one. */
	if (s->saw_syslog) {
		r->header_lines = s->hdr_pending;
		s->pre_start = s->pre_end = NULL;
	}
	s->ph = PH_PRE;
	return 0;
}

/* A line before the first entry: 1 if it was one of those. */
static int
s_pre_line(struct logparse_result *r, struct scan *s, const char *l,
    size_t ll, int is_start)
{
	if (!is_start) {
		s_note_pre(s, l, ll);
		return 1;
	}
	if (s->pre_start != NULL)
		s_cut_pre(r, s);
	s->ph = PH_BODY;
	return 0;
}

/* Close the entry before, if any, and open the one start begins. */
static void
s_open_entry(struct logparse_result *r, struct scan *s,
    struct logparse_entry *start, const char *l, size_t ll)
{
	start->raw = s_span(l, ll);
	if (s->cur != NULL)
		s_finish(r, s->cur, s->cur_end, s->cur_lines, s->max_entry);
	if (r->nentries == 1 && r->ncut == 0 &&
	    s_looks_cut(&r->entries[0], start)) {
		r->ncut = 1;
		r->cut = s_span(r->entries[0].raw.ptr, r->entries[0].full_len);
		r->bytes -= r->entries[0].raw.len;
		r->nentries = 0;
	}
	s->cur = s_push(r);
	*s->cur = *start;
	s_order_step(s->cur, &s->ts_before, &s->years_back);
	s->cur->fp = logparse_hash(l, ll < s->max_entry ? ll : s->max_entry);
	s->cur_end = l + ll;
	s->cur_lines = s->lines_since = 1;
}

/* A continuation line; blank ones count only if more text follows. */
static void
s_continue_entry(struct scan *s, const char *l, size_t ll)
{
	s->lines_since++;
	if (!s_blank(l, ll)) {
		s->cur_end = l + ll;
		s->cur_lines = s->lines_since;
	}
}

static void
s_scan_line(struct logparse_result *r, struct scan *s, const char *l,
    size_t ll)
{
	struct logparse_entry start;
	int is_start;

	r->nlines++;
	is_start = s_entry_start(s->pf, l, ll, s->o, &start);
	if (s->ph == PH_HEADER && s_header_line(r, s, l, ll, is_start))
		return;
	if (s->ph == PH_PRE && s_pre_line(r, s, l, ll, is_start))
		return;
	if (is_start)
		s_open_entry(r, s, &start, l, ll);
	else
		s_continue_entry(s, l, ll);
}

/* After the last line of text_[0..tl): the last entry, header and cut. */
static void
s_scan_end(struct logparse_result *r, const struct scan *s, size_t tl,
    int eol)
{
	if (s->cur != NULL) {
		if (!eol && tl > 0 && !(s->o->flags & LOGPARSE_COMPLETE)) {
			/* The output stopped mid-line: the next poll has it whole. */
			r->partial = 1;
			r->nentries--;
		} else
			s_finish(r, s->cur, s->cur_end, s->cur_lines,
			    s->max_entry);
	} else if (!eol && tl > 0 && !(s->o->flags & LOGPARSE_COMPLETE))
		r->partial = 1;
	if (s->ph == PH_HEADER && s->saw_syslog) {
		r->header_lines = s->hdr_pending;
	} else if (s->ph != PH_BODY && s->pre_start != NULL) {
		/* Only lines that are neither header nor entry: a cut tail. */
		s_cut_pre(r, s);
	}
}

enum cerr
logparse_parse(enum platform_id pf, const char *out, size_t len,
    const struct logparse_opts *opts, struct logparse_result *r)
{
	struct logparse_opts defaults;
	const struct logparse_opts *o = opts;
	struct scan s;
	size_t tl, pos = 0;
	int eol = 0;

	s_result_reset(r, pf);
	if ((unsigned)pf >= PLATFORM__COUNT)
		return CERR_INVAL;
	if (o == NULL) {
		logparse_opts_init(&defaults, 0);
		o = &defaults;
	}
	s_scan_init(&s, pf, o);
	tl = s_copy_text(pf, out, len, r, &eol);
	while (pos < tl) {
		const char *l = r->text_ + pos, *nl = memchr(l, '\n', tl - pos);
		size_t ll = nl ? (size_t)(nl - l) : tl - pos;

		s_scan_line(r, &s, l, ll);
		pos += ll + (nl ? 1 : 0);
	}
	s_scan_end(r, &s, tl, eol);
	if (s.years_back)
		s_years_back(r, o);
	return CERR_OK;
}
