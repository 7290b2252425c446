/* json.c — see json.h. */
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/log.h"

static const char s_hex[] = "0123456789abcdef";

/*
 * Length of the valid UTF-8 sequence at p (1..4) and its code point, or 0
 * when the bytes there are not valid UTF-8 (overlong forms, surrogates and
 * values past U+10FFFF are not).
 */
size_t
json_utf8(const unsigned char *p, size_t left, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static void
s_append(struct buf *b, const void *p, size_t n)
{
	/* Our buffers have no ceiling that JSON of bounded fields can pass. */
	if (buf_append(b, p, n) != CERR_OK)
		fatalx("json: buffer ceiling passed");
}

static void
s_u_escape(struct buf *b, uint32_t cp)
{
	char e[6] = { '\\', 'u', s_hex[(cp >> 12) & 15], s_hex[(cp >> 8) & 15],
	    s_hex[(cp >> 4) & 15], s_hex[cp & 15] };

	s_append(b, e, 6);
}

void
json_str(struct buf *b, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i = 0, run;

	s_append(b, "\"", 1);
	while (i < len) {
		uint32_t cp;
		size_t n;

		/* Copy plain printable ASCII in runs. */
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			s_append(b, p + i, run - i);
			i = run;
			continue;
		}
		n = json_utf8(p + i, len - i, &cp);
		if (n == 0) {
			s_u_escape(b, 0xfffd);
			i++;
			continue;
		}
		switch (cp) {
		case '"':	s_append(b, "\\\"", 2); break;
		case '\\':	s_append(b, "\\\\", 2); break;
		case '\n':	s_append(b, "\\n", 2); break;
		case '\r':	s_append(b, "\\r", 2); break;
		case '\t':	s_append(b, "\\t", 2); break;
		default:
			/* Everything else outside printable ASCII is written as
			 * an escape: the output stays ASCII whatever came in. */
			if (cp <= 0xffff) {
				s_u_escape(b, cp);
			} else {
				uint32_t v = cp - 0x10000;
				s_u_escape(b, 0xd800 + (v >> 10));
				s_u_escape(b, 0xdc00 + (v & 0x3ff));
			}
		}
		i += n;
	}
	s_append(b, "\"", 1);
}

