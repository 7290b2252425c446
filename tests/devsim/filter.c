/*
 * filter.c — output filters after '|', as each platform reads them:
 *   IOS, IOS XE, IOS XR, NX-OS, EOS: include, exclude, begin;
 *   Junos: match, except, find (output from the first match on), no-more.
 * Several may follow one another. `begin`/`find` print from the first
 * line that matches on, so the header above it never shows, and a regex
 * that matches no line prints nothing at all.
 *
 * The regex dialects (vendor documentation, "Understanding Regular
 * Expressions"): Cisco's CLIs treat '_' as matching a space, comma, brace,
 * parenthesis or either end of the line, and "\_" as a plain underscore;
 * the rest reads as POSIX extended, which is also what EOS and Junos use.
 * NX-OS and Junos group a pattern with spaces in double quotes. Each
 * pattern is translated to POSIX extended and run with regexec(), one line
 * at a time.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

enum { F_INCLUDE = 1, F_EXCLUDE, F_BEGIN };

static int
s_cisco(int plat)
{
	return plat == PLAT_IOS || plat == PLAT_XE || plat == PLAT_XR ||
	    plat == PLAT_NXOS;
}

/* pat (a Cisco CLI regex) as POSIX extended, into out. */
static void
s_from_cisco(const char *pat, struct buf *out)
{
	for (const char *p = pat; *p; p++) {
		if (p[0] == '\\' && p[1] == '_') {
			buf_appendc(out, '_');
			p++;
		} else if (p[0] == '\\' && p[1] != '\0') {
			buf_append(out, p, 2);
			p++;
		} else if (*p == '_') {
			buf_printf(out, "(^|$|[,{}() ])");
		} else {
			buf_appendc(out, *p);
		}
	}
}

/* One filter "WORD PATTERN" (or "no-more"); 0 or -1. */
static int
s_one(int plat, const char *seg, size_t len, struct filter_chain *fc)
{
	char word[32], *pat;
	size_t n = 0, i = 0;
	int junos = plat == PLAT_JUNOS, kind = 0, rc;
	struct buf re;

	while (i < len && isspace((unsigned char)seg[i]))
		i++;
	while (i < len && !isspace((unsigned char)seg[i]) && n < sizeof(word) - 1)
		word[n++] = seg[i++];
	word[n] = '\0';
	while (i < len && isspace((unsigned char)seg[i]))
		i++;
	while (len > i && isspace((unsigned char)seg[len - 1]))
		len--;
	if (n == 0)
		return -1;
	if (junos && strncasecmp("no-more", word, n) == 0) {
		fc->no_more = 1;
		return i < len ? -1 : 0;
	}
	if (strncasecmp(junos ? "match" : "include", word, n) == 0)
		kind = F_INCLUDE;
	else if (strncasecmp(junos ? "except" : "exclude", word, n) == 0)
		kind = F_EXCLUDE;
	else if (strncasecmp(junos ? "find" : "begin", word, n) == 0)
		kind = F_BEGIN;
	if (kind == 0 || i == len || fc->n == FILTER_MAX)
		return -1;
	pat = xstrndup(seg + i, len - i);
	n = strlen(pat);
	if ((plat == PLAT_NXOS || junos) && n >= 2 && pat[0] == '"' &&
	    pat[n - 1] == '"') {
		memmove(pat, pat + 1, n - 2);
		pat[n - 2] = '\0';
	}
	buf_init(&re, 0);
	if (s_cisco(plat))
		s_from_cisco(pat, &re);
	else
		buf_append(&re, pat, strlen(pat));
	free(pat);
	rc = regcomp(&fc->f[fc->n].re, re.data ? re.data : "",
	    REG_EXTENDED | REG_NOSUB);
	buf_free(&re);
	if (rc != 0)
		return -1;
	fc->f[fc->n++].kind = kind;
	return 0;
}

int
filter_parse(int plat, const char *pipe, struct filter_chain *fc)
{
	const char *p = pipe, *seg = pipe;
	int quoted = 0;

	fc->n = 0;
	fc->no_more = 0;
	for (;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == '|' && !quoted) || *p == '\0') {
			if (s_one(plat, seg, (size_t)(p - seg), fc) < 0) {
				filter_apply(fc, NULL);
				return -1;
			}
			if (*p == '\0')
				return 0;
			seg = p + 1;
		}
	}
}

static void
s_apply(int kind, const regex_t *re, struct buf *o)
{
	struct buf res;
	size_t i = 0;
	int begun = 0;

	buf_init(&res, 0);
	while (i < o->len) {
		char *nl = memchr(o->data + i, '\n', o->len - i);
		size_t end = nl ? (size_t)(nl - o->data) : o->len;
		char save = o->data[end];
		int m;

		o->data[end] = '\0';
		m = begun || regexec(re, o->data + i, 0, NULL, 0) == 0;
		o->data[end] = save;
		if (kind == F_BEGIN && m)
			begun = 1;
		if ((kind == F_EXCLUDE) != m) {
			buf_append(&res, o->data + i, end - i);
			buf_appendc(&res, '\n');
		}
		i = end + 1;
	}
	buf_reset(o);
	buf_append(o, res.data, res.len);
	buf_free(&res);
}

void
filter_apply(struct filter_chain *fc, struct buf *o)
{
	for (int k = 0; k < fc->n; k++) {
		if (o != NULL)
			s_apply(fc->f[k].kind, &fc->f[k].re, o);
		regfree(&fc->f[k].re);
	}
	fc->n = 0;
}
