/*
 * alert_names.c — one key per interface in the alert stage: names are made
 * canonical (common/ifname.h) as events are applied, and once after a load,
 * because a state saved before the analyzer spelt names canonically may
 * hold "Gi2/0/3" where events now say "GigabitEthernet2/0/3"; an alert open
 * under the short name would never be resolved.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alert_int.h"
#include "common/ifname.h"
#include "common/util.h"

struct wire_bytes
alert_canon_name(struct wire_bytes platform, struct wire_bytes raw, char *out)
{
	char plat[ALERT_MAX_FIELD + 1];
	const char *canon;
	size_t clen;

	if (platform.len == 0 || platform.len > ALERT_MAX_FIELD ||
	    memchr(platform.ptr, '\0', platform.len) != NULL)
		return raw;
	memcpy(plat, platform.ptr, platform.len);
	plat[platform.len] = '\0';
	ifname_canon_ref(plat, raw.ptr, raw.len, out, ALERT_CANON_BUF, &canon,
	    &clen);
	return (struct wire_bytes){ canon, clen };
}

/* The platform a record's own changes name; empty when none does. */
static struct wire_bytes
s_platform(const struct alert_iface *f)
{
	struct wire_bytes none = { "", 0 };

	if (f->opened && f->opened->platform.len > 0)
		return (struct wire_bytes){ f->opened->platform.p,
		    f->opened->platform.len };
	if (f->last && f->last->platform.len > 0)
		return (struct wire_bytes){ f->last->platform.p,
		    f->last->platform.len };
	for (uint32_t i = f->nhist; i > 0; i--)
		if (f->hist[i - 1].cause->platform.len > 0)
			return (struct wire_bytes){ f->hist[i - 1].cause->platform.p,
			    f->hist[i - 1].cause->platform.len };
	return none;
}

static int
s_strcmp(const struct alert_str *a, const struct alert_str *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->p, b->p, n) : 0;

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* By device, then name: the order decides ties, so it must not be the
 * hash table's. */
static int
s_cmp(const void *x, const void *y)
{
	const struct alert_iface *a = *(struct alert_iface *const *)x;
	const struct alert_iface *b = *(struct alert_iface *const *)y;
	int c = s_strcmp(&a->device, &b->device);

	return c ? c : s_strcmp(&a->name, &b->name);
}

static void
s_collect(const struct alert_iface *f, void *arg)
{
	struct alert_iface ***pp = arg;

	*(*pp)++ = (struct alert_iface *)(uintptr_t)f;
}

void
alert_canon_all(struct alert_engine *e, size_t *renamed, size_t *merged)
{
	size_t n = alert_count_ifaces(e), i = 0;
	struct alert_iface **v, **p;

	*renamed = *merged = 0;
	if (n == 0)
		return;
	v = xmalloc(n * sizeof *v);
	p = v;
	alert_foreach_iface(e, s_collect, &p);
	qsort(v, n, sizeof *v, s_cmp);

	while (i < n) {
		/* One device: a record without a change of its own takes the
		 * platform of the device's newest record that has one. */
		struct wire_bytes devplat = { "", 0 };
		char plat[ALERT_MAX_FIELD + 1];
		uint64_t best = 0;
		size_t j = i;

		for (; j < n && s_strcmp(&v[j]->device, &v[i]->device) == 0; j++) {
			struct wire_bytes pl = s_platform(v[j]);
			if (pl.len > 0 && (devplat.len == 0 || v[j]->last_id > best)) {
				devplat = pl;
				best = v[j]->last_id;
			}
		}
		/* The platform's bytes live in a record that may be dropped. */
		memcpy(plat, devplat.ptr, devplat.len);
		devplat.ptr = plat;

		for (size_t k = i; k < j; k++) {
			struct alert_iface *f = v[k], *g;
			struct wire_bytes pl, raw, cn;
			char out[ALERT_CANON_BUF];

			if (f == NULL)
				continue;	/* merged away */
			pl = s_platform(f);
			raw = (struct wire_bytes){ f->name.p, f->name.len };
			cn = alert_canon_name(pl.len > 0 ? pl : devplat, raw, out);
			if (cn.ptr == raw.ptr)
				continue;
			g = alert_find(e, &f->device, cn.ptr, cn.len);
			if (g == NULL) {
				alert_iface_rename(e, f, cn.ptr, cn.len);
				(*renamed)++;
				continue;
			}
			/* Two spellings of one interface: the newer record
			 * wins; on a tie, the one already canonical (or
			 * merged first in this order). */
			(*merged)++;
			if (f->last_id > g->last_id) {
				for (size_t m = i; m < j; m++)
					if (v[m] == g)
						v[m] = NULL;
				alert_iface_drop(e, g);
				alert_iface_rename(e, f, cn.ptr, cn.len);
			} else {
				v[k] = NULL;
				alert_iface_drop(e, f);
			}
		}
		i = j;
	}
	free(v);
}
