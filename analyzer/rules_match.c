/*
 * rules_match.c — the hot path: find the line's tag with one scan, look it
 * up in the platform's plan, and run only the regexes that can match. An
 * IOS line that is not an interface event costs a memchr, a short token
 * scan and one hash probe.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer/rules_int.h"
#include "common/util.h"

/* 1: tag character; 2: '-' (Cisco separator); 4: '/' (Huawei separator). */
static const unsigned char s_tagch[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1, ['_'] = 1, ['-'] = 2, ['/'] = 4,
};

/*
 * "%FAC-SEV-MNEM" at p (p[0] == '%'): the token after the '%' must hold
 * two '-' (XR has three), not end in '-', and be followed by ':', ' ' or
 * the end of the line. Huawei's "%%01MOD/4/MNEM(l)" gives "MOD/4/MNEM".
 */
static int
s_pct_tag(const char *p, const char *end, const char **tag, size_t *taglen)
{
	const unsigned char *s = (const unsigned char *)p + 1, *e =
	    (const unsigned char *)end, *t;
	unsigned sep = 0, want = 2;

	if (s < e && *s == '%') {
		want = 4;
		s++;
		while (s < e && *s >= '0' && *s <= '9')
			s++;
	}
	t = s;
	while (s < e) {
		unsigned char k = s_tagch[*s];
		if (k == 1)
			;
		else if (k == want)
			sep++;
		else
			break;
		s++;
	}
	if (s - t < 5 || sep < 2 || s_tagch[*t] != 1 || s_tagch[s[-1]] != 1)
		return 0;
	if (s < e) {
		if (want == 2 && *s != ':' && *s != ' ')
			return 0;
		if (want == 4 && *s != '(' && *s != '[' && *s != ':' && *s != ' ')
			return 0;
	}
	*tag = (const char *)t;
	*taglen = (size_t)(s - t);
	return 1;
}

/* Junos: "... proc[pid]: TAG: text"; the tag is upper case and '_'. */
static long
s_junos_tag(const char *line, size_t len, const char **tag, size_t *taglen)
{
	const char *q = memchr(line, ']', len), *end = line + len, *t;

	if (q == NULL || end - q < 5 || q[1] != ':' || q[2] != ' ')
		return -1;
	t = q + 3;
	for (q = t; q < end && ((*q >= 'A' && *q <= 'Z') || *q == '_' ||
	    (*q >= '0' && *q <= '9')); q++)
		;
	if (q == end || *q != ':' || q - t < 3 || *t < 'A' || *t > 'Z')
		return -1;
	*tag = t;
	*taglen = (size_t)(q - t);
	return t - line;
}

/*
 * RFC 5424, as Junos writes its files with `structured-data`:
 * "<PRI>1 STAMP HOST APP PROCID MSGID [SD] text". MSGID is the tag; it is
 * read as the fifth field after "<PRI>1 ", upper case, digits and '_'.
 */
static long
s_5424_tag(const char *line, size_t len, const char **tag, size_t *taglen)
{
	const char *p = line + 1, *end = line + len, *t;
	int field;

	while (p < end && p - line < 5 && *p >= '0' && *p <= '9')
		p++;
	if (p == line + 1 || end - p < 3 || p[0] != '>' || p[1] != '1' ||
	    p[2] != ' ')
		return -1;
	p += 3;
	for (field = 0; field < 4; field++) {
		if ((p = memchr(p, ' ', (size_t)(end - p))) == NULL)
			return -1;
		p++;
	}
	for (t = p; p < end && ((*p >= 'A' && *p <= 'Z') || *p == '_' ||
	    (*p >= '0' && *p <= '9')); p++)
		;
	if ((p < end && *p != ' ') || p - t < 3 || *t < 'A' || *t > 'Z')
		return -1;
	*tag = t;
	*taglen = (size_t)(p - t);
	return t - line;
}

/* rules_find_tag() once the line's first '%' (or NULL) is known. */
static long
s_find_tag(const char *line, size_t len, const char *p, const char **tag,
    size_t *taglen)
{
	long off;

	/* Only the first '%' of the line can start its tag, and only at the
	 * start or after a space: tag text quoted further on is text. */
	if (p != NULL && (p == line || p[-1] == ' ' || p[-1] == '\t') &&
	    s_pct_tag(p, line + len, tag, taglen))
		return p - line;
	if (len > 0 && line[0] == '<' && (off = s_5424_tag(line, len, tag,
	    taglen)) >= 0)
		return off;
	return s_junos_tag(line, len, tag, taglen);
}

long
rules_find_tag(const char *line, size_t len, const char **tag, size_t *taglen)
{
	return s_find_tag(line, len, memchr(line, '%', len), tag, taglen);
}

static struct rules_plan *
s_plan(struct rules *r, const char *platform)
{
	size_t i;

	if (platform == NULL)
		return &r->plans[r->nplatforms + 1];
	if (strcmp(platform, r->last_platform) == 0 && r->last_platform[0] != '\0')
		return &r->plans[r->last_plan];
	for (i = 0; i < r->nplatforms; i++)
		if (strcmp(r->platforms[i], platform) == 0)
			break;
	if (strlen(platform) < sizeof(r->last_platform)) {
		memcpy(r->last_platform, platform, strlen(platform) + 1);
		r->last_plan = i;
	}
	return &r->plans[i];
}

static const struct rules_tagent *
s_lookup(const struct rules_plan *pl, const char *tag, size_t len)
{
	uint64_t h;
	size_t i;

	if (pl->slots == NULL)
		return NULL;
	h = rules_hash(tag, len);
	for (i = (size_t)h & pl->mask; pl->slots[i].key != NULL; i = (i + 1) & pl->mask)
		if (pl->slots[i].hash == h && pl->slots[i].len == len &&
		    memcmp(pl->slots[i].key, tag, len) == 0)
			return &pl->slots[i];
	return NULL;
}

/* The state a match stands for: static, or the `state` capture mapped. */
static enum ifstate
s_state(const struct rule *ru, const char *line, const PCRE2_SIZE *ov)
{
	size_t i, a, b;

	if (ru->state_group == 0)
		return ru->state;
	a = ov[2 * ru->state_group];
	b = ov[2 * ru->state_group + 1];
	if (a == PCRE2_UNSET)
		return IF_UNKNOWN;
	for (i = 0; i < ru->nmap; i++)
		if (ru->map[i].fromlen == b - a &&
		    memcmp(ru->map[i].from, line + a, b - a) == 0)
			return ru->map[i].to;
	return IF_UNKNOWN;
}

/* Builds a template interface in the rule set's scratch space. */
static void
s_template(struct rules *r, const struct rule *ru, const char *line,
    const PCRE2_SIZE *ov, struct rules_hit *h)
{
	size_t need = 0, i, o = 0, a, b;

	for (i = 0; i < ru->ntmpl; i++) {
		if (ru->tmpl[i].group == 0)
			need += ru->tmpl[i].len;
		else if (ov[2 * ru->tmpl[i].group] != PCRE2_UNSET)
			need += ov[2 * ru->tmpl[i].group + 1] - ov[2 * ru->tmpl[i].group];
	}
	if (need + 1 > r->scratchcap) {
		r->scratchcap = need + 64;
		r->scratch = xrealloc(r->scratch, r->scratchcap);
	}
	for (i = 0; i < ru->ntmpl; i++) {
		if (ru->tmpl[i].group == 0) {
			memcpy(r->scratch + o, ru->tmpl[i].text, ru->tmpl[i].len);
			o += ru->tmpl[i].len;
			continue;
		}
		a = ov[2 * ru->tmpl[i].group];
		b = ov[2 * ru->tmpl[i].group + 1];
		if (a != PCRE2_UNSET) {
			memcpy(r->scratch + o, line + a, b - a);
			o += b - a;
		}
	}
	r->scratch[o] = '\0';
	h->interface = r->scratch;
	h->interface_len = o;
}

static void
s_report(struct rules *r, const struct rule *ru, const char *line,
    struct rules_hit *h)
{
	const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	size_t i, n = 0;
	uint32_t g;

	memset(h, 0, sizeof(*h));
	h->rule = ru->name;
	h->file = ru->file;
	h->platform = ru->any_platform || ru->nplatforms == 0 ? NULL :
	    ru->platforms[0];
	h->line = ru->line;
	h->event = ru->event;
	h->severity = ru->severity ? ru->severity : "";
	h->state = s_state(ru, line, ov);
	h->kind = ru->kind_set ? ru->kind :
	    (h->state == IF_ADMIN_DOWN ? IFK_ADMIN : IFK_NONE);
	h->labels = ru->labels;
	h->nlabels = ru->nlabels;
	for (i = 0; i < ru->ngroups; i++) {
		g = ru->groups[i].num;
		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		r->caps[n].name = ru->groups[i].name;
		r->caps[n].ptr = line + ov[2 * g];
		r->caps[n].len = ov[2 * g + 1] - ov[2 * g];
		n++;
	}
	h->captures = r->caps;
	h->ncaptures = n;
	if (ru->ntmpl > 0)
		s_template(r, ru, line, ov, h);
	else if (ru->iface_group != 0 && ov[2 * ru->iface_group] != PCRE2_UNSET) {
		h->interface = line + ov[2 * ru->iface_group];
		h->interface_len = ov[2 * ru->iface_group + 1] - ov[2 * ru->iface_group];
	}
}

/* The state of one line's matching, shared by the rules it runs. */
struct mline {
	const char *line;
	size_t      len;
	long        marker;	/* offset of the tag's '%' (or token), -1 */
	long        token;	/* offset of the tag text, -1 */
	rules_cb    cb;
	void       *arg;
	int         nmatch;
	int         bad;
	int         ran;
	int         stop;
};

static void
s_run(struct rules *r, uint32_t i, struct mline *ml)
{
	struct rule *ru = &r->rules[i];
	struct rules_hit hit;
	PCRE2_SIZE start = 0;
	int rc;

	if (ml->stop)
		return;
	if (ru->anchor == RA_MARKER) {
		if (ml->marker < 0)
			return;
		start = (PCRE2_SIZE)ml->marker;
	} else if (ru->anchor == RA_TOKEN) {
		if (ml->token < 0)
			return;
		start = (PCRE2_SIZE)ml->token;
	}
	ml->ran = 1;
	r->st.regex_runs++;
	ru->st.runs++;
	if (ru->jit)
		rc = pcre2_jit_match(ru->code, (PCRE2_SPTR)ml->line, ml->len, start,
		    0, r->md, r->mctx);
	else
		rc = pcre2_match(ru->code, (PCRE2_SPTR)ml->line, ml->len, start, 0,
		    r->md, r->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return;
	if (rc < 0) {
		PCRE2_UCHAR msg[120];

		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
			r->st.limit_hits++;
			ru->st.limit_hits++;
		} else
			r->st.match_errors++;
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(r->errbuf, sizeof(r->errbuf), "rule=%s: %s", ru->name,
		    (char *)msg);
		ml->bad = 1;
		return;
	}
	r->st.matches++;
	ru->st.matches++;
	ml->nmatch++;
	if (ml->cb != NULL) {
		s_report(r, ru, ml->line, &hit);
		if (ml->cb(&hit, ml->arg) != 0)
			ml->stop = 1;
	}
}

static void
s_run_list(struct rules *r, const uint32_t *idx, size_t n, struct mline *ml)
{
	size_t i;

	for (i = 0; i < n; i++)
		s_run(r, idx[i], ml);
}

int
rules_match(struct rules *r, const char *platform, const char *line,
    size_t len, rules_cb cb, void *arg)
{
	return rules_match_plan(r, s_plan(r, platform), line, len, cb, arg);
}

const struct rules_plan *
rules_plan_for(struct rules *r, const char *platform)
{
	return s_plan(r, platform);
}

int
rules_match_plan(struct rules *r, const struct rules_plan *pl,
    const char *line, size_t len, rules_cb cb, void *arg)
{
	const struct rules_tagent *te;
	struct mline ml;
	const char *tag = NULL, *p;
	size_t taglen = 0, i;

	ml.line = line;
	ml.len = len;
	ml.cb = cb;
	ml.arg = arg;
	ml.nmatch = ml.bad = ml.ran = ml.stop = 0;
	r->st.lines++;
	p = memchr(line, '%', len);
	/* Most lines stop here: their tag cannot be one the plan knows. */
	if (pl->fast && (p == NULL || (p + 5 <= line + len && p[1] != '%' &&
	    !(pl->bloom[rules_bloom_bit(p + 1) >> 6] >>
	    (rules_bloom_bit(p + 1) & 63) & 1)))) {
		ml.marker = ml.token = -1;
		goto untagged;
	}
	ml.marker = s_find_tag(line, len, p, &tag, &taglen);
	ml.token = ml.marker < 0 ? -1 : (long)(tag - line);
	if (ml.marker >= 0) {
		if ((te = s_lookup(pl, tag, taglen)) != NULL)
			s_run_list(r, te->idx, te->n, &ml);
		else {
			for (i = 0; i < pl->nprefixes; i++)
				if (pl->prefixes[i].len <= taglen &&
				    memcmp(pl->prefixes[i].key, tag, pl->prefixes[i].len) == 0)
					s_run_list(r, pl->prefixes[i].idx,
					    pl->prefixes[i].n, &ml);
		}
	}
untagged:
	for (i = 0; i < pl->nlits; i++) {
		const struct rule *ru = &r->rules[pl->lits[i]];
		if (memmem(line, len, ru->key, ru->keylen) != NULL)
			s_run(r, pl->lits[i], &ml);
	}
	s_run_list(r, pl->always, pl->nalways, &ml);
	if (ml.ran)
		r->st.dispatched++;
	return ml.bad ? -1 : ml.nmatch;
}
