/*
 * platform_filter.c — the incremental log command: the platform's output
 * filter (`| begin`, Junos `| find`) with a regex that matches one buffer
 * line literally, in the dialect the device's CLI reads.
 *
 * Dialects (vendor documentation):
 *   Cisco IOS, IOS XE, IOS XR ("Understanding Regular Expressions, Special
 *     Characters, and Patterns"): . * + ? ^ $ [ ] ( ) | and '_' (which
 *     matches a space, comma, brace, parenthesis or either end) are
 *     special; a backslash makes one literal. The regex is the rest of the
 *     line, spaces included.
 *   NX-OS: the same characters; words with spaces are grouped in double
 *     quotes.
 *   Arista EOS: POSIX extended; Junos `| find "..."`: POSIX extended in
 *     quotes.
 * Why these filters: they print from one exact line on. NX-OS also offers
 * `show logging logfile start-time YYYY MMM DD HH:MM:SS`, but to the second
 * only (a second holds many entries) and in the device's own clock and
 * year, which the collector would have to know; `| last N` (NX-OS, Junos)
 * would need N guessed. Junos's `| find` is its `| begin`.
 * Whatever cannot be typed safely becomes '.', which matches any one
 * character: '?' (a CLI prints help at it), '|' (another filter), braces
 * (interval counts in POSIX), the quote of a quoted dialect, a repeated
 * space (a CLI may fold runs of blanks), control and non-ASCII bytes.
 * A looser regex can only begin the reply at an earlier line; the
 * collector proves every reply against its cursor (cursor_advance_incr),
 * so looseness costs bytes, never correctness.
 */
#include <stdio.h>
#include <string.h>

#include "collector/platform.h"

/* Characters escaped with a backslash in each dialect. */
#define ESC_POSIX	".*+^$[]()\\"
#define ESC_CISCO	ESC_POSIX "_"

static int
s_wildcard(const struct platform *p, unsigned char ch, unsigned char prev)
{
	int quoted = p->dialect == PLATFORM_RE_CISCO_QUOTED ||
	    p->dialect == PLATFORM_RE_POSIX_QUOTED;

	if (ch < 0x20 || ch >= 0x7f)
		return 1;
	if (ch == '?' || ch == '|' || ch == '{' || ch == '}')
		return 1;
	if (ch == '"' && quoted)
		return 1;
	return ch == ' ' && prev == ' ';
}

int
platform_incr_cmd(const struct platform *p, const char *line, size_t len,
    char *out, size_t outlen)
{
	char re[PLATFORM_INCR_RE_MAX + 1];
	const char *esc;
	size_t n = 0, i;
	unsigned char prev = 0;
	int w;

	if (p == NULL || p->incr_pre == NULL || line == NULL)
		return -1;
	esc = p->dialect == PLATFORM_RE_CISCO ||
	    p->dialect == PLATFORM_RE_CISCO_QUOTED ? ESC_CISCO : ESC_POSIX;
	/* The entry's first line only, without its line end. */
	for (i = 0; i < len && line[i] != '\n' && line[i] != '\r'; i++)
		;
	len = i;
	while (len > 0 && line[len - 1] == ' ')
		len--;
	if (len == 0)
		return -1;
	re[n++] = '^';	/* a buffer entry starts its line */
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (s_wildcard(p, ch, prev)) {
			if (n + 1 > PLATFORM_INCR_RE_MAX)
				break;
			re[n++] = '.';
		} else if (strchr(esc, ch) != NULL) {
			if (n + 2 > PLATFORM_INCR_RE_MAX)
				break;
			re[n++] = '\\';
			re[n++] = (char)ch;
		} else {
			if (n + 1 > PLATFORM_INCR_RE_MAX)
				break;
			re[n++] = (char)ch;
		}
		prev = ch;
	}
	/* A cut regex must not end in a blank the CLI would drop. */
	while (n > 1 && re[n - 1] == ' ')
		n--;
	re[n] = '\0';
	if (n < 2)
		return -1;
	w = snprintf(out, outlen, "%s%s%s", p->incr_pre, re, p->incr_post);
	return w < 0 || (size_t)w >= outlen ? -1 : 0;
}
