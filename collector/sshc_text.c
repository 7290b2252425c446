/*
 * sshc_text.c — prompt, pager, pager residue and echo in shell output.
 */
#include <string.h>
#include <strings.h>

#include "collector/sshc_text.h"

/*
 * Length of a terminal control sequence at p (ESC '[' params final, or ESC
 * and one byte), 0 when p does not start one. *incomplete is set when the
 * buffer ends inside one.
 */
static size_t
s_escape_len(const char *p, size_t n, int *incomplete)
{
	size_t i;

	*incomplete = 0;
	if (n == 0 || p[0] != '\033')
		return 0;
	if (n == 1) {
		*incomplete = 1;
		return 0;
	}
	if (p[1] != '[')
		return 2;
	for (i = 2; i < n && i < 32; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x40 && c <= 0x7e)
			return i + 1;
		if (!((c >= '0' && c <= '9') || c == ';' || c == '?'))
			return 0;
	}
	if (i == n)
		*incomplete = 1;
	return 0;
}

size_t
sshc_text_last_line(const char *buf, size_t len)
{
	size_t i = len;

	while (i > 0 && buf[i - 1] != '\n' && buf[i - 1] != '\r')
		i--;
	return i;
}

int
sshc_text_find_pager(const char *buf, size_t len, size_t *at)
{
	char vis[64];
	size_t ls = len, nv = 0, i, el;
	int inc;

	while (ls > 0 && buf[ls - 1] != '\n')
		ls--;
	if (len - ls > 128)
		return 0;
	/* The visible characters of the last line, blanks and escapes aside. */
	for (i = ls; i < len;) {
		unsigned char c = (unsigned char)buf[i];

		if ((el = s_escape_len(buf + i, len - i, &inc)) > 0) {
			i += el;
			continue;
		}
		if (c == ' ' || c == '\r' || c == '\b' || c == '\t') {
			i++;
			continue;
		}
		if (nv == sizeof vis - 1)
			return 0;
		vis[nv++] = (char)c;
		i++;
	}
	vis[nv] = '\0';
	if (strcasecmp(vis, "--more--") == 0)
		goto found;
	/* Junos: "---(more)---", "---(more 45%)---". */
	if (nv >= 12 && strncasecmp(vis, "---(more", 8) == 0 &&
	    strcmp(vis + nv - 4, ")---") == 0) {
		for (i = 8; i < nv - 4; i++)
			if (!((vis[i] >= '0' && vis[i] <= '9') || vis[i] == '%'))
				return 0;
		goto found;
	}
	return 0;
found:
	*at = ls;
	return 1;
}

size_t
sshc_text_pager_residue(const char *buf, size_t len, int final, int *more)
{
	size_t i = 0, end = 0, el;
	int inc;

	*more = 0;
	while (i < len) {
		char c = buf[i];

		if (c == '\b' || c == '\r') {
			end = ++i;
			continue;
		}
		if ((el = s_escape_len(buf + i, len - i, &inc)) > 0) {
			end = i += el;
			continue;
		}
		if (inc) {
			if (!final)
				*more = 1;
			return final ? end : 0;
		}
		/* Spaces belong to the residue only between erase characters. */
		if (c == ' ' && end > 0) {
			i++;
			continue;
		}
		return end;
	}
	/* Ran out of bytes inside what may still be a residue. */
	if (!final && len > 0 && (end > 0 || buf[0] == '\033')) {
		*more = 1;
		return 0;
	}
	return end;
}

int
sshc_text_ends_with_prompt(const char *buf, size_t len, const char *prompt,
    size_t plen)
{
	if (plen == 0 || len < plen)
		return 0;
	if (memcmp(buf + len - plen, prompt, plen) != 0)
		return 0;
	return len == plen || buf[len - plen - 1] == '\n' ||
	    buf[len - plen - 1] == '\r';
}

/* line[0..ll) is p (trailing spaces of both aside) followed by tail. */
static int
s_is(const char *line, size_t ll, const char *p, size_t pl, const char *tail,
    size_t tl)
{
	while (pl > 0 && p[pl - 1] == ' ')
		pl--;
	if (ll < tl || memcmp(line + ll - tl, tail, tl) != 0)
		return 0;
	ll -= tl;
	while (ll > 0 && line[ll - 1] == ' ')
		ll--;
	return ll == pl && (pl == 0 || memcmp(line, p, pl) == 0);
}

int
sshc_text_find_echo(const char *buf, size_t len, const char *cmd,
    const char *prompt, size_t *end)
{
	size_t pos = 0, cl = strlen(cmd), pl = prompt ? strlen(prompt) : 0;
	char line[512];

	/* Nothing read yet: the buffer may be unallocated (sshc_release). */
	if (buf == NULL || len == 0)
		return 0;
	/* Only the first lines matter: stale prompts are few. */
	for (int n = 0; n < 8; n++) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = 0;

		if (nl == NULL)
			return 0;
		for (const char *p = buf + pos; p < nl && ll < sizeof line; p++)
			if (*p != '\r')
				line[ll++] = *p;
		if (ll == sizeof line)	/* too long for an echo */
			break;
		while (ll > 0 && line[ll - 1] == ' ')
			ll--;
		if (s_is(line, ll, prompt ? prompt : "", pl, cmd, cl) ||
		    s_is(line, ll, "", 0, cmd, cl)) {
			*end = (size_t)(nl - buf) + 1;
			return 1;
		}
		if (!(ll == 0 || s_is(line, ll, prompt ? prompt : "", pl, "", 0)))
			break;
		pos = (size_t)(nl - buf) + 1;
	}
	*end = pos;
	return 1;
}
