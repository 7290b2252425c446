/*
 * ring.c — the device logging buffer, bounded in bytes.
 *
 * Entries are kept whole (a deque of strings) rather than as one byte
 * array, so memory follows what is logged, not the configured size, and the
 * view can be cut at any byte exactly as IOS's circular buffer is.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

void
ring_init(struct ring *r, size_t limit, int whole_lines)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->whole_lines = whole_lines;
}

static struct ring_entry *
s_at(const struct ring *r, size_t i)
{
	return &r->v[(r->head + i) % r->cap];
}

void
ring_clear(struct ring *r)
{
	size_t i;

	for (i = 0; i < r->count; i++)
		free(s_at(r, i)->text);
	r->head = r->count = 0;
	r->bytes = 0;
}

void
ring_free(struct ring *r)
{
	ring_clear(r);
	free(r->v);
	r->v = NULL;
	r->cap = 0;
}

static void
s_pop(struct ring *r)
{
	struct ring_entry *e = s_at(r, 0);

	r->bytes -= (size_t)e->len + 1;
	free(e->text);
	e->text = NULL;
	r->head = (r->head + 1) % r->cap;
	r->count--;
}

/*
 * Drop what can no longer be printed: in byte mode an entry goes once all of
 * its bytes lie before the last `limit` bytes; in line mode as soon as the
 * total passes the limit.
 */
static void
s_trim(struct ring *r)
{
	while (r->count > 0) {
		size_t front = (size_t)s_at(r, 0)->len + 1;

		if (r->whole_lines ? r->bytes <= r->limit
		    : r->bytes - front < r->limit)
			break;
		s_pop(r);
	}
}

void
ring_push(struct ring *r, const char *text, size_t len)
{
	struct ring_entry *e;

	if (r->count == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 16, i;
		struct ring_entry *nv = xcalloc(ncap, sizeof(*nv));

		for (i = 0; i < r->count; i++)
			nv[i] = *s_at(r, i);
		free(r->v);
		r->v = nv;
		r->cap = ncap;
		r->head = 0;
	}
	e = &r->v[(r->head + r->count) % r->cap];
	e->text = xmalloc(len + 1);
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->len = (uint32_t)len;
	r->count++;
	r->bytes += len + 1;
	s_trim(r);
}

void
ring_view(const struct ring *r, struct buf *out)
{
	size_t i, skip;

	if (r->whole_lines) {
		for (i = 0; i < r->count; i++) {
			const struct ring_entry *e = s_at(r, i);

			buf_append(out, e->text, e->len);
			buf_appendc(out, '\n');
		}
		return;
	}
	/* IOS: each entry is stored behind its line break. */
	skip = r->bytes > r->limit ? r->bytes - r->limit : 0;
	for (i = 0; i < r->count; i++) {
		const struct ring_entry *e = s_at(r, i);

		if (skip == 0) {
			buf_appendc(out, '\n');
			buf_append(out, e->text, e->len);
		} else {
			/* only the first entry can be cut (s_trim) */
			buf_append(out, e->text + (skip - 1), e->len - (skip - 1));
			skip = 0;
		}
	}
}
