#include <stdlib.h>

#include "collector/sched.h"
#include "common/util.h"

struct sched_ent {
	double when;
	size_t idx;
};

struct sched {
	struct sched_ent *heap;
	size_t  n;
	size_t  nslots;
	size_t *pos;	/* pos[idx] = heap position + 1, 0 when absent */
};

struct sched *
sched_new(size_t nslots)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->heap = xcalloc(nslots ? nslots : 1, sizeof *s->heap);
	s->pos = xcalloc(nslots ? nslots : 1, sizeof *s->pos);
	s->nslots = nslots;
	return s;
}

void
sched_free(struct sched **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	free((*sp)->heap);
	free((*sp)->pos);
	free(*sp);
	*sp = NULL;
}

static void
s_set(struct sched *s, size_t i, struct sched_ent e)
{
	s->heap[i] = e;
	s->pos[e.idx] = i + 1;
}

static void
s_up(struct sched *s, size_t i)
{
	struct sched_ent e = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (s->heap[parent].when <= e.when)
			break;
		s_set(s, i, s->heap[parent]);
		i = parent;
	}
	s_set(s, i, e);
}

static void
s_down(struct sched *s, size_t i)
{
	struct sched_ent e = s->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		double mw = e.when;
		if (l < s->n && s->heap[l].when < mw) {
			m = l;
			mw = s->heap[l].when;
		}
		if (r < s->n && s->heap[r].when < mw)
			m = r;
		if (m == i)
			break;
		s_set(s, i, s->heap[m]);
		i = m;
	}
	s_set(s, i, e);
}

static void
s_remove_at(struct sched *s, size_t i)
{
	s->pos[s->heap[i].idx] = 0;
	if (--s->n == i)
		return;
	s_set(s, i, s->heap[s->n]);
	s_down(s, i);
	s_up(s, s->pos[s->heap[i].idx] - 1);
}

void
sched_at(struct sched *s, size_t idx, double when)
{
	if (idx >= s->nslots)
		return;
	if (s->pos[idx])
		s_remove_at(s, s->pos[idx] - 1);
	s->heap[s->n] = (struct sched_ent){ when, idx };
	s->pos[idx] = ++s->n;
	s_up(s, s->n - 1);
}

void
sched_cancel(struct sched *s, size_t idx)
{
	if (idx < s->nslots && s->pos[idx])
		s_remove_at(s, s->pos[idx] - 1);
}

int
sched_pop_due(struct sched *s, double now, size_t *idx)
{
	if (s->n == 0 || s->heap[0].when > now)
		return 0;
	*idx = s->heap[0].idx;
	s_remove_at(s, 0);
	return 1;
}

double
sched_next(const struct sched *s)
{
	return s->n ? s->heap[0].when : -1;
}

size_t
sched_count(const struct sched *s)
{
	return s->n;
}

int
sched_has(const struct sched *s, size_t idx)
{
	return idx < s->nslots && s->pos[idx] != 0;
}
