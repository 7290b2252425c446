/*
 * alert_query.c — reading the engine's state without changing it: counts
 * for the metrics, and the walks over interfaces and devices that
 * persistence (alertstate.c) and the outputs' seeding use; plus the dirty
 * marks persistence clears once it wrote them.
 */
#include <stddef.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alert_int.h"

const struct alert_stats *
alert_stats(const struct alert_engine *e)
{
	return &e->stats;
}

size_t
alert_count_ifaces(const struct alert_engine *e)
{
	return e->nifaces;
}

size_t
alert_count_open(const struct alert_engine *e, enum alert_type t)
{
	size_t n = 0;

	for (size_t i = 0; i < e->tabsize; i++)
		for (const struct alert_iface *f = e->tab[i]; f; f = f->next)
			if (f->open == t)
				n++;
	return n;
}

void
alert_foreach_iface(const struct alert_engine *e,
    void (*fn)(const struct alert_iface *, void *), void *arg)
{
	for (size_t i = 0; i < e->tabsize; i++)
		for (const struct alert_iface *f = e->tab[i]; f; f = f->next)
			fn(f, arg);
}

void
alert_foreach_device(const struct alert_engine *e,
    void (*fn)(const struct alert_str *, uint64_t, void *), void *arg)
{
	for (size_t i = 0; i < e->dtabsize; i++)
		for (const struct alert_dev *d = e->dtab[i]; d; d = d->next)
			fn(&d->name, d->hw, arg);
}

void
alert_foreach_dirty(const struct alert_engine *e,
    void (*fn_iface)(const struct alert_iface *, void *),
    void (*fn_dev)(const struct alert_str *, uint64_t, void *), void *arg)
{
	for (size_t i = 0; i < e->ndirty; i++)
		fn_iface(e->dirty[i], arg);
	for (size_t i = 0; i < e->nddirty; i++)
		fn_dev(&e->ddirty[i]->name, e->ddirty[i]->hw, arg);
}

void
alert_clear_dirty(struct alert_engine *e)
{
	for (size_t i = 0; i < e->ndirty; i++)
		e->dirty[i]->dirty = 0;
	for (size_t i = 0; i < e->nddirty; i++)
		e->ddirty[i]->dirty = 0;
	e->ndirty = e->nddirty = 0;
}
