/*
 * rules_pat.c — what a pattern's text says before it is compiled: the
 * literal it begins with (to find its tag and whether it is anchored at the
 * tag) and the longest literal every match must contain (to dispatch rules
 * that have no tag). Both err on the side of "nothing": a literal that is
 * returned must appear in every match, or the prefilter would drop lines
 * the regex matches.
 */
#include <ctype.h>
#include <string.h>

#include "analyzer/rules_int.h"

static int
s_is_meta(unsigned char c)
{
	return strchr(".^$|()[]{}*+?", c) != NULL && c != '\0';
}

static int
s_is_quant(unsigned char c)
{
	return c == '?' || c == '*' || c == '+' || c == '{';
}

/*
 * Reads one literal character at pat[*i]: returns it (0..255), or -1 when
 * the pattern has something else there (a metacharacter, a class escape
 * such as \d, \x41 which we do not decode). Advances *i past it.
 */
static int
s_literal_at(const char *pat, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)pat[*i], d;

	if (s_is_meta(c))
		return -1;
	if (c == '\\') {
		if (*i + 1 >= len)
			return -1;
		d = (unsigned char)pat[*i + 1];
		if (isalnum(d) || d >= 0x80)
			return -1;
		*i += 2;
		return d;
	}
	*i += 1;
	return c;
}

size_t
rules_leading_literal(const char *pat, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, j;
	int c;

	if (outlen == 0)
		return 0;
	while (i < len && o + 1 < outlen) {
		j = i;
		if ((c = s_literal_at(pat, len, &j)) < 0)
			break;
		/* A quantified character is not required. */
		if (j < len && s_is_quant((unsigned char)pat[j]))
			break;
		out[o++] = (char)c;
		i = j;
	}
	out[o] = '\0';
	return o;
}

/* Skips a character class starting at pat[i] == '['; returns the index past it. */
static size_t
s_skip_class(const char *pat, size_t len, size_t i)
{
	i++;
	if (i < len && pat[i] == '^')
		i++;
	if (i < len && pat[i] == ']')	/* a leading ] is literal */
		i++;
	while (i < len) {
		if (pat[i] == '\\') {
			i += 2;
			continue;
		}
		if (pat[i] == '[' && i + 1 < len && strchr(":.=", pat[i + 1])) {
			char end = pat[i + 1];
			i += 2;
			while (i + 1 < len && !(pat[i] == end && pat[i + 1] == ']'))
				i++;
			i += 2;
			continue;
		}
		if (pat[i] == ']')
			return i + 1;
		i++;
	}
	return len;
}

/*
 * Does the pattern have an alternative at its top level, or a construct we
 * do not follow? Either way no literal is required of every match.
 */
static int
s_unsure(const char *pat, size_t len)
{
	size_t i = 0;
	int depth = 0;

	while (i < len) {
		switch (pat[i]) {
		case '\\':
			if (i + 1 < len && (pat[i + 1] == 'Q' || pat[i + 1] == 'E'))
				return 1;
			i += 2;
			continue;
		case '[':
			i = s_skip_class(pat, len, i);
			continue;
		case '(':
			if (i + 2 < len && pat[i + 1] == '?' && pat[i + 2] == '#') {
				while (i < len && pat[i] != ')')
					i++;
				i++;
				continue;
			}
			depth++;
			break;
		case ')':
			if (--depth < 0)
				return 1;
			break;
		case '|':
			if (depth == 0)
				return 1;
			break;
		}
		i++;
	}
	return depth != 0;
}

/* Index past a quantifier "{n}", "{n,}", "{n,m}" at pat[i], or i when there is none. */
static size_t
s_skip_braces(const char *pat, size_t len, size_t i)
{
	size_t k = i + 1;

	while (k < len && (isdigit((unsigned char)pat[k]) || pat[k] == ','))
		k++;
	if (k < len && pat[k] == '}' && k > i + 1)
		return k + 1;
	return i;
}

/* Keeps the longer of the current run and the best so far. */
static void
s_keep(const char *cur, size_t run, char *out, size_t outlen, size_t *best)
{
	if (run > *best && run < outlen) {
		memcpy(out, cur, run);
		out[run] = '\0';
		*best = run;
	}
}

int
rules_top_alternation(const char *pat, size_t len)
{
	return s_unsure(pat, len);
}

size_t
rules_required_literal(const char *pat, size_t len, char *out, size_t outlen)
{
	size_t i = 0, best = 0, run = 0, j, k;
	char cur[256];
	int depth = 0, c;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (s_unsure(pat, len))
		return 0;
	while (i < len) {
		if (depth == 0) {
			j = i;
			c = s_literal_at(pat, len, &j);
			if (c >= 0 && !(j < len && s_is_quant((unsigned char)pat[j]))) {
				if (run < sizeof(cur))
					cur[run++] = (char)c;
				i = j;
				continue;
			}
			if (c >= 0) {
				/* A quantified character: not required. */
				s_keep(cur, run, out, outlen, &best);
				run = 0;
				i = j;
				continue;
			}
		}
		s_keep(cur, run, out, outlen, &best);
		run = 0;
		switch (pat[i]) {
		case '\\':
			i += 2;
			continue;
		case '[':
			i = s_skip_class(pat, len, i);
			continue;
		case '{':
			if ((k = s_skip_braces(pat, len, i)) != i) {
				i = k;
				continue;
			}
			break;
		case '(':
			if (i + 2 < len && pat[i + 1] == '?' && pat[i + 2] == '#') {
				while (i < len && pat[i] != ')')
					i++;
				i++;
				continue;
			}
			/* "(?i)" or "(?x)" at the top level changes what the
			 * rest means: keep what we have and stop. */
			if (depth == 0 && i + 1 < len && pat[i + 1] == '?') {
				for (k = i + 2; k < len && (isalpha((unsigned char)pat[k]) ||
				    pat[k] == '-' || pat[k] == '^'); k++)
					;
				if (k < len && pat[k] == ')' && k > i + 2)
					goto done;
			}
			depth++;
			break;
		case ')':
			depth--;
			break;
		}
		i++;
	}
	s_keep(cur, run, out, outlen, &best);
done:
	if (best < 3) {
		out[0] = '\0';
		return 0;
	}
	return best;
}
