/*
 * metrics.c — the registry and the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Values are atomics so that the owner's threads update them without a lock
 * while libmicrohttpd's thread renders them; the lock only guards the lists
 * (families, series). Gauges and histogram sums are doubles kept as their
 * bit patterns in a uint64_t, updated with compare-and-swap.
 */
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/metrics.h"
#include "common/util.h"

#define METRICS_MAX_BOUNDS 64
#define METRICS_MAX_HOOKS  4

struct metrics_series {
	struct metrics_family *fam;
	char                 **values;	/* fam->nlabels copies */
	uint64_t               hash;
	struct metrics_series *hnext;	/* hash chain */
	struct metrics_series *next;	/* registration order */
	atomic_uint_fast64_t   v;	/* counter value, or gauge/sum bits */
	atomic_uint_fast64_t   buckets[];	/* histogram: nbounds + 1 */
};

struct metrics_family {
	enum metrics_type      type;
	char                  *name;
	char                  *help;
	char                  *labels[METRICS_MAX_LABELS];
	size_t                 nlabels;
	double                *bounds;
	size_t                 nbounds;
	struct metrics_series *first, *last;
	struct metrics_series **tab;	/* hash table of series */
	size_t                 tabsize, nseries;
	struct metrics_family *next;
	struct metrics        *reg;
};

struct metrics_hook {
	void (*fn)(struct metrics *m, void *arg);
	void  *arg;
};

struct metrics {
	pthread_mutex_t        lock;
	struct metrics_family *first, *last;
	struct metrics_hook    hooks[METRICS_MAX_HOOKS];	/* under lock */
	size_t                 nhooks;
};

static uint64_t
s_bits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof b);
	return b;
}

static double
s_double(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof v);
	return v;
}

struct metrics *
metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof *m);

	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void
s_series_free(struct metrics_series *s, size_t nlabels)
{
	size_t i;

	for (i = 0; i < nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s);
}

static void
s_family_free(struct metrics_family *f)
{
	struct metrics_series *s, *next;
	size_t i;

	for (s = f->first; s != NULL; s = next) {
		next = s->next;
		s_series_free(s, f->nlabels);
	}
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->tab);
	free(f->bounds);
	free(f->name);
	free(f->help);
	free(f);
}

void
metrics_free(struct metrics **mp)
{
	struct metrics_family *f, *next;

	if (mp == NULL || *mp == NULL)
		return;
	for (f = (*mp)->first; f != NULL; f = next) {
		next = f->next;
		s_family_free(f);
	}
	pthread_mutex_destroy(&(*mp)->lock);
	free(*mp);
	*mp = NULL;
}

/* ---- registration ----------------------------------------------------- */

static int
s_name_ok(const char *s, int colon_ok)
{
	const char *p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = s; *p; p++) {
		int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    *p == '_' || (colon_ok && *p == ':');

		if (!alpha && (p == s || *p < '0' || *p > '9'))
			return 0;
	}
	return 1;
}

/* Split "a,b" into label names; -1 when one is not a valid label name. */
static int
s_parse_labels(const char *labels, char **out, size_t *n)
{
	const char *p = labels, *comma;
	size_t i, j;

	*n = 0;
	if (labels == NULL || *labels == '\0')
		return 0;
	for (;;) {
		comma = strchr(p, ',');
		if (*n == METRICS_MAX_LABELS)
			goto out_free;
		out[*n] = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		(*n)++;
		if (!s_name_ok(out[*n - 1], 0) || strncmp(out[*n - 1], "__", 2) == 0 ||
		    strcmp(out[*n - 1], "le") == 0)
			goto out_free;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	for (i = 0; i < *n; i++)
		for (j = i + 1; j < *n; j++)
			if (strcmp(out[i], out[j]) == 0)
				goto out_free;
	return 0;

out_free:
	for (i = 0; i < *n; i++)
		free(out[i]);
	*n = 0;
	return -1;
}

static int
s_same_shape(const struct metrics_family *f, enum metrics_type type,
    char **labels, size_t nlabels, const double *bounds, size_t nbounds)
{
	size_t i;

	if (f->type != type || f->nlabels != nlabels || f->nbounds != nbounds)
		return 0;
	for (i = 0; i < nlabels; i++)
		if (strcmp(f->labels[i], labels[i]) != 0)
			return 0;
	for (i = 0; i < nbounds; i++)
		if (f->bounds[i] != bounds[i])
			return 0;
	return 1;
}

static struct metrics_family *
s_register(struct metrics *m, enum metrics_type type, const char *name,
    const char *help, const char *labels, const double *bounds, size_t nbounds)
{
	struct metrics_family *f;
	char *lv[METRICS_MAX_LABELS];
	size_t nl, i;

	if (m == NULL || !s_name_ok(name, 1) || strncmp(name, "__", 2) == 0)
		return NULL;
	if (s_parse_labels(labels, lv, &nl) < 0)
		return NULL;
	pthread_mutex_lock(&m->lock);
	for (f = m->first; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			break;
	if (f != NULL) {
		if (!s_same_shape(f, type, lv, nl, bounds, nbounds))
			f = NULL;
		pthread_mutex_unlock(&m->lock);
		for (i = 0; i < nl; i++)
			free(lv[i]);
		return f;
	}
	f = xcalloc(1, sizeof *f);
	f->type = type;
	f->name = xstrdup(name);
	f->help = xstrdup(help ? help : "");
	memcpy(f->labels, lv, nl * sizeof lv[0]);
	f->nlabels = nl;
	if (nbounds > 0) {
		f->bounds = xmalloc(nbounds * sizeof *bounds);
		memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
	}
	f->nbounds = nbounds;
	f->tabsize = 16;
	f->tab = xcalloc(f->tabsize, sizeof *f->tab);
	f->reg = m;
	if (m->last)
		m->last->next = f;
	else
		m->first = f;
	m->last = f;
	pthread_mutex_unlock(&m->lock);
	if (nl == 0)
		metrics_series(f, NULL);
	return f;
}

struct metrics_family *
metrics_counter(struct metrics *m, const char *name, const char *help,
    const char *labels)
{
	return s_register(m, METRICS_COUNTER, name, help, labels, NULL, 0);
}

struct metrics_family *
metrics_gauge(struct metrics *m, const char *name, const char *help,
    const char *labels)
{
	return s_register(m, METRICS_GAUGE, name, help, labels, NULL, 0);
}

struct metrics_family *
metrics_histogram(struct metrics *m, const char *name, const char *help,
    const char *labels, const double *bounds, size_t nbounds)
{
	size_t i;

	if (bounds == NULL || nbounds == 0 || nbounds > METRICS_MAX_BOUNDS)
		return NULL;
	for (i = 0; i < nbounds; i++)
		if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
			return NULL;
	return s_register(m, METRICS_HISTOGRAM, name, help, labels, bounds, nbounds);
}

/* ---- series ------------------------------------------------------------ */

static uint64_t
s_hash_values(const char *const *values, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;
	const char *p;

	for (i = 0; i < n; i++) {
		for (p = values[i]; ; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ull;
			if (*p == '\0')
				break;
		}
	}
	return h;
}

static int
s_values_eq(const struct metrics_series *s, const char *const *values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s->values[i], values[i]) != 0)
			return 0;
	return 1;
}

static void
s_grow(struct metrics_family *f)
{
	struct metrics_series **tab, *s;
	size_t size = f->tabsize * 2;

	tab = xcalloc(size, sizeof *tab);
	for (s = f->first; s != NULL; s = s->next) {
		s->hnext = tab[s->hash & (size - 1)];
		tab[s->hash & (size - 1)] = s;
	}
	free(f->tab);
	f->tab = tab;
	f->tabsize = size;
}

struct metrics_series *
metrics_series(struct metrics_family *f, const char *const *values)
{
	struct metrics_series *s;
	uint64_t h;
	size_t i, nb;

	if (f == NULL || (f->nlabels > 0 && values == NULL))
		return NULL;
	for (i = 0; i < f->nlabels; i++)
		if (values[i] == NULL)
			return NULL;
	h = s_hash_values(values, f->nlabels);
	pthread_mutex_lock(&f->reg->lock);
	for (s = f->tab[h & (f->tabsize - 1)]; s != NULL; s = s->hnext)
		if (s->hash == h && s_values_eq(s, values, f->nlabels))
			goto out;
	nb = f->type == METRICS_HISTOGRAM ? f->nbounds + 1 : 0;
	s = xcalloc(1, sizeof *s + nb * sizeof s->buckets[0]);
	s->fam = f;
	s->hash = h;
	s->values = xcalloc(f->nlabels ? f->nlabels : 1, sizeof *s->values);
	for (i = 0; i < f->nlabels; i++)
		s->values[i] = xstrdup(values[i]);
	atomic_init(&s->v, f->type == METRICS_COUNTER ? 0 : s_bits(0.0));
	for (i = 0; i < nb; i++)
		atomic_init(&s->buckets[i], 0);
	if (f->nseries + 1 > f->tabsize)
		s_grow(f);
	s->hnext = f->tab[h & (f->tabsize - 1)];
	f->tab[h & (f->tabsize - 1)] = s;
	if (f->last)
		f->last->next = s;
	else
		f->first = s;
	f->last = s;
	f->nseries++;
out:
	pthread_mutex_unlock(&f->reg->lock);
	return s;
}

struct metrics_series *
metrics_series1(struct metrics_family *f, const char *value)
{
	const char *v[1] = { value };

	if (f == NULL || f->nlabels != 1)
		return NULL;
	return metrics_series(f, v);
}

/* ---- updates ------------------------------------------------------------ */

static int
s_is(const struct metrics_series *s, enum metrics_type t)
{
	return s != NULL && s->fam->type == t;
}

void
metrics_inc(struct metrics_series *s)
{
	metrics_add(s, 1);
}

void
metrics_add(struct metrics_series *s, uint64_t n)
{
	if (s_is(s, METRICS_COUNTER))
		atomic_fetch_add_explicit(&s->v, n, memory_order_relaxed);
}

void
metrics_set(struct metrics_series *s, double v)
{
	if (s_is(s, METRICS_GAUGE))
		atomic_store_explicit(&s->v, s_bits(v), memory_order_relaxed);
}

static void
s_add_double(atomic_uint_fast64_t *a, double d)
{
	uint_fast64_t old = atomic_load_explicit(a, memory_order_relaxed);

	while (!atomic_compare_exchange_weak_explicit(a, &old,
	    s_bits(s_double(old) + d), memory_order_relaxed, memory_order_relaxed))
		;
}

void
metrics_gauge_add(struct metrics_series *s, double d)
{
	if (s_is(s, METRICS_GAUGE))
		s_add_double(&s->v, d);
}

void
metrics_observe(struct metrics_series *s, double v)
{
	const struct metrics_family *f;
	size_t i;

	if (!s_is(s, METRICS_HISTOGRAM))
		return;
	f = s->fam;
	/* Buckets are few (<= 64): a linear scan beats a branchy search. */
	for (i = 0; i < f->nbounds && !(v <= f->bounds[i]); i++)
		;
	atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
	s_add_double(&s->v, v);
}

void
metrics_counter_raise(struct metrics_series *s, uint64_t v)
{
	uint_fast64_t old;

	if (!s_is(s, METRICS_COUNTER))
		return;
	/* A max, not a store: two scrapes racing never move it backwards. */
	old = atomic_load_explicit(&s->v, memory_order_relaxed);
	while (old < v && !atomic_compare_exchange_weak_explicit(&s->v, &old, v,
	    memory_order_relaxed, memory_order_relaxed))
		;
}

uint64_t
metrics_counter_value(const struct metrics_series *s)
{
	if (!s_is(s, METRICS_COUNTER))
		return 0;
	return atomic_load_explicit(&((struct metrics_series *)(uintptr_t)s)->v,
	    memory_order_relaxed);
}

double
metrics_gauge_value(const struct metrics_series *s)
{
	if (!s_is(s, METRICS_GAUGE))
		return 0;
	return s_double(atomic_load_explicit(
	    &((struct metrics_series *)(uintptr_t)s)->v, memory_order_relaxed));
}

uint64_t
metrics_histogram_count(const struct metrics_series *s)
{
	struct metrics_series *w = (struct metrics_series *)(uintptr_t)s;
	uint64_t n = 0;
	size_t i;

	if (!s_is(s, METRICS_HISTOGRAM))
		return 0;
	for (i = 0; i <= s->fam->nbounds; i++)
		n += atomic_load_explicit(&w->buckets[i], memory_order_relaxed);
	return n;
}

/* ---- rendering ---------------------------------------------------------- */

/*
 * The output and its first failure: an append fails only at the buffer's
 * ceiling, and then the page is dropped whole rather than served cut.
 */
struct rend {
	struct buf *b;
	enum cerr   e;
};

static void
r_put(struct rend *r, const void *p, size_t n)
{
	if (r->e == CERR_OK)
		r->e = buf_append(r->b, p, n);
}

static void
r_putc(struct rend *r, char c)
{
	r_put(r, &c, 1);
}

__attribute__((format(printf, 2, 3)))
static void
r_printf(struct rend *r, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		if (r->e == CERR_OK)
			r->e = CERR_TOOBIG;
		return;
	}
	r_put(r, tmp, (size_t)n);
}


/* Shortest "%g" form that reads back as the same double. */
static void
s_fmt_double(char *out, size_t len, double v)
{
	int prec;

	if (isnan(v)) {
		snprintf(out, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(out, len, "%sInf", v > 0 ? "+" : "-");
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(out, len, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t
s_utf8_len(const unsigned char *p)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0;	/* overlong, past U+10FFFF */
		return 4;
	}
	return 0;
}

/*
 * A label value as the format wants it: \\, \" and \n escaped; invalid
 * UTF-8 becomes U+FFFD, since one bad byte would make Prometheus reject
 * the whole scrape. (The checks above stop at the NUL terminator.)
 */
static void
s_put_label_value(struct rend *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n;

	while (*p) {
		if (*p == '\\')
			r_put(out, "\\\\", 2);
		else if (*p == '"')
			r_put(out, "\\\"", 2);
		else if (*p == '\n')
			r_put(out, "\\n", 2);
		else if ((n = s_utf8_len(p)) > 0) {
			r_put(out, p, n);
			p += n;
			continue;
		} else
			r_put(out, "\xef\xbf\xbd", 3);
		p++;
	}
}

static void
s_put_help(struct rend *out, const char *h)
{
	for (; *h; h++) {
		if (*h == '\\')
			r_put(out, "\\\\", 2);
		else if (*h == '\n')
			r_put(out, "\\n", 2);
		else
			r_putc(out, *h);
	}
}

/* {a="x",b="y"} with an optional le="..." last; nothing when empty. */
static void
s_put_labels(struct rend *out, const struct metrics_series *s, const char *le)
{
	const struct metrics_family *f = s->fam;
	size_t i;

	if (f->nlabels == 0 && le == NULL)
		return;
	r_putc(out, '{');
	for (i = 0; i < f->nlabels; i++) {
		r_printf(out, "%s%s=\"", i ? "," : "", f->labels[i]);
		s_put_label_value(out, s->values[i]);
		r_putc(out, '"');
	}
	if (le != NULL)
		r_printf(out, "%sle=\"%s\"", f->nlabels ? "," : "", le);
	r_putc(out, '}');
}

static void
s_render_series(struct rend *out, struct metrics_series *s)
{
	const struct metrics_family *f = s->fam;
	uint64_t cum = 0;
	char num[40];
	size_t i;

	switch (f->type) {
	case METRICS_COUNTER:
		r_put(out, f->name, strlen(f->name));
		s_put_labels(out, s, NULL);
		r_printf(out, " %llu\n", (unsigned long long)
		    atomic_load_explicit(&s->v, memory_order_relaxed));
		return;
	case METRICS_GAUGE:
		s_fmt_double(num, sizeof num, s_double(atomic_load_explicit(&s->v,
		    memory_order_relaxed)));
		r_put(out, f->name, strlen(f->name));
		s_put_labels(out, s, NULL);
		r_printf(out, " %s\n", num);
		return;
	case METRICS_HISTOGRAM:
		for (i = 0; i <= f->nbounds; i++) {
			cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
			if (i < f->nbounds)
				s_fmt_double(num, sizeof num, f->bounds[i]);
			else
				snprintf(num, sizeof num, "+Inf");
			r_printf(out, "%s_bucket", f->name);
			s_put_labels(out, s, num);
			r_printf(out, " %llu\n", (unsigned long long)cum);
		}
		s_fmt_double(num, sizeof num, s_double(atomic_load_explicit(&s->v,
		    memory_order_relaxed)));
		r_printf(out, "%s_sum", f->name);
		s_put_labels(out, s, NULL);
		r_printf(out, " %s\n", num);
		/* _count is the +Inf bucket by definition: use the same sum. */
		r_printf(out, "%s_count", f->name);
		s_put_labels(out, s, NULL);
		r_printf(out, " %llu\n", (unsigned long long)cum);
		return;
	}
}

int
metrics_on_render(struct metrics *m, void (*fn)(struct metrics *m, void *arg),
    void *arg)
{
	int rc = -1;

	if (m == NULL || fn == NULL)
		return -1;
	pthread_mutex_lock(&m->lock);
	if (m->nhooks < METRICS_MAX_HOOKS) {
		m->hooks[m->nhooks].fn = fn;
		m->hooks[m->nhooks++].arg = arg;
		rc = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

enum cerr
metrics_render(struct metrics *m, struct buf *b)
{
	static const char *const tname[] = { "counter", "gauge", "histogram" };
	struct rend r = { b, CERR_OK }, *out = &r;
	struct metrics_hook hooks[METRICS_MAX_HOOKS];
	struct metrics_family *f;
	struct metrics_series *s;
	size_t start = b->len, nhooks, i;

	/* Hooks run unlocked: they look series up, which takes the lock. */
	pthread_mutex_lock(&m->lock);
	nhooks = m->nhooks;
	memcpy(hooks, m->hooks, sizeof hooks);
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < nhooks; i++)
		hooks[i].fn(m, hooks[i].arg);
	pthread_mutex_lock(&m->lock);
	for (f = m->first; f != NULL && r.e == CERR_OK; f = f->next) {
		r_printf(out, "# HELP %s ", f->name);
		s_put_help(out, f->help);
		r_printf(out, "\n# TYPE %s %s\n", f->name, tname[f->type]);
		for (s = f->first; s != NULL; s = s->next)
			s_render_series(out, s);
	}
	pthread_mutex_unlock(&m->lock);
	if (r.e != CERR_OK) {
		b->len = start;
		if (b->data)
			b->data[start] = '\0';
	}
	return r.e;
}
