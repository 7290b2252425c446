/*
 * journal.c — the ground truth: one JSON object per line for every buffer
 * entry and every interface change, clear and reload. Tests compare what
 * the pipeline delivered against this file, so it is exact: entry text is
 * escaped byte for byte, and bytes that are not valid UTF-8 are written as
 * \u00XX of the byte (a reader maps \u0080-\u00ff back to single bytes;
 * valid non-ASCII text is never written as \u escapes).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

struct journal {
	FILE      *fp;
	struct buf line;
};

struct journal *
journal_open(const char *path, char *err, size_t errlen)
{
	struct journal *jr;
	FILE *fp;

	fp = fopen(path, "we");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IOFBF, 1 << 16);
	jr = xcalloc(1, sizeof(*jr));
	jr->fp = fp;
	buf_init(&jr->line, 0);
	return jr;
}

void
journal_close(struct journal **jrp)
{
	struct journal *jr = *jrp;

	if (jr == NULL)
		return;
	fflush(jr->fp);
	fclose(jr->fp);
	buf_free(&jr->line);
	free(jr);
	*jrp = NULL;
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static size_t
s_utf8_len(const unsigned char *s, size_t avail)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
journal_escape(struct buf *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':  buf_append(out, "\\\"", 2); i++; continue;
		case '\\': buf_append(out, "\\\\", 2); i++; continue;
		case '\n': buf_append(out, "\\n", 2); i++; continue;
		case '\r': buf_append(out, "\\r", 2); i++; continue;
		case '\t': buf_append(out, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_printf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = s_utf8_len(s + i, len - i);
		if (n == 0) {
			buf_printf(out, "\\u%04x", c);
			i++;
			continue;
		}
		buf_append(out, s + i, n);
		i += n;
	}
}

static void
s_emit(struct journal *jr)
{
	buf_appendc(&jr->line, '\n');
	fwrite(jr->line.data, 1, jr->line.len, jr->fp);
	buf_reset(&jr->line);
}

void
journal_line(struct journal *jr, int64_t t, const char *dev, uint64_t n,
    const char *text, size_t len)
{
	buf_printf(&jr->line, "{\"t\":%" PRId64 ",\"dev\":\"%s\",\"n\":%" PRIu64
	    ",\"kind\":\"line\",\"text\":\"", t, dev, n);
	journal_escape(&jr->line, text, len);
	buf_append(&jr->line, "\"}", 2);
	s_emit(jr);
}

void
journal_flap(struct journal *jr, int64_t t, const char *dev, const char *iface,
    const char *state, uint64_t n)
{
	buf_printf(&jr->line, "{\"t\":%" PRId64 ",\"dev\":\"%s\",\"kind\":\"flap\","
	    "\"iface\":\"", t, dev);
	journal_escape(&jr->line, iface, strlen(iface));
	buf_printf(&jr->line, "\",\"state\":\"%s\",\"n\":%" PRIu64 "}", state, n);
	s_emit(jr);
}

void
journal_event(struct journal *jr, int64_t t, const char *dev, const char *kind)
{
	buf_printf(&jr->line, "{\"t\":%" PRId64 ",\"dev\":\"%s\",\"kind\":\"%s\"}",
	    t, dev, kind);
	s_emit(jr);
}

void
journal_flush(struct journal *jr)
{
	fflush(jr->fp);
}
