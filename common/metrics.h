/*
 * metrics.h — a small Prometheus registry and the HTTP server that exposes
 * it (libmicrohttpd): GET /metrics in text format 0.0.4, GET /healthz.
 *
 * Shape: a registry holds families (one metric name, its type, help and
 * label names); a family holds series (one set of label values). Register
 * families once at start, look a series up once per entity (a device) and
 * keep the pointer: updating a series is a lock-free atomic operation, safe
 * from any thread, and cheap enough for hot paths. Series live as long as
 * the registry. Lookups and scrapes take the registry's mutex.
 *
 *   struct metrics *m = metrics_new();
 *   struct metrics_family *polls = metrics_counter(m,
 *       "loghaul_polls_total", "Polls by device and result.", "device,result");
 *   struct metrics_series *ok = metrics_series(polls,
 *       (const char *[]){ dev->name, "ok" });
 *   metrics_inc(ok);
 *
 * Label values may be anything (a device name from a user's inventory):
 * rendering escapes backslash, double quote and newline as the format
 * requires, and replaces invalid UTF-8 so a scrape never breaks.
 */
#ifndef LOGHAUL_METRICS_H
#define LOGHAUL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"

#define METRICS_MAX_LABELS 8

struct buf;
struct metrics;
struct metrics_family;
struct metrics_series;

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

/* Caller owns the registry: metrics_free(&m), after metrics_http_stop(). */
struct metrics *metrics_new(void);
void            metrics_free(struct metrics **m);

/*
 * Register a family. name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: NULL or ""
 * for none, else comma-separated label names ("device,result"), at most
 * METRICS_MAX_LABELS, none starting with "__" or named "le". Registering
 * the same name again with the same type and labels returns the same
 * family; anything else invalid returns NULL (a programming error: the
 * caller may fatalx). A family without labels has its one series from the
 * start, so it renders 0 before the first update.
 * Histogram bounds: strictly increasing finite upper bounds (+Inf is
 * implied), 1 to 64 of them; they are copied.
 */
struct metrics_family *metrics_counter(struct metrics *m, const char *name,
    const char *help, const char *labels);
struct metrics_family *metrics_gauge(struct metrics *m, const char *name,
    const char *help, const char *labels);
struct metrics_family *metrics_histogram(struct metrics *m, const char *name,
    const char *help, const char *labels, const double *bounds, size_t nbounds);

/*
 * The series for these label values (one per label name, in order; NULL
 * for a family without labels), created on first use; values are copied.
 * NULL only when f is NULL or a value is NULL. Borrowed: valid until the
 * registry is freed.
 */
struct metrics_series *metrics_series(struct metrics_family *f,
    const char *const *values);
/* The same for a family with exactly one label. */
struct metrics_series *metrics_series1(struct metrics_family *f,
    const char *value);

/*
 * Updates. Each accepts NULL (does nothing) and ignores a series of the
 * wrong type, so a failed registration never crashes the caller.
 */
void metrics_inc(struct metrics_series *s);			/* counter += 1 */
void metrics_add(struct metrics_series *s, uint64_t n);		/* counter += n */
void metrics_set(struct metrics_series *s, double v);		/* gauge = v */
void metrics_gauge_add(struct metrics_series *s, double d);	/* gauge += d */
void metrics_observe(struct metrics_series *s, double v);	/* histogram */

/*
 * Counter = max(counter, v): for a counter that mirrors a count kept
 * elsewhere (a library's own statistics), refreshed from a render hook.
 */
void metrics_counter_raise(struct metrics_series *s, uint64_t v);

/* Current values (0 for NULL or the wrong type): for tests and status. */
uint64_t metrics_counter_value(const struct metrics_series *s);
double   metrics_gauge_value(const struct metrics_series *s);
uint64_t metrics_histogram_count(const struct metrics_series *s);

/*
 * Call fn(m, arg) at the start of every metrics_render(), before any family
 * is rendered, so that values kept elsewhere (read, not counted here) are
 * current in every scrape. fn runs on the rendering thread (libmicrohttpd's)
 * without the registry's lock held, so it may look series up; it must only
 * read what is safe to read from that thread. At most 4 hooks; -1 past that.
 */
int metrics_on_render(struct metrics *m,
    void (*fn)(struct metrics *m, void *arg), void *arg);

/* Append the text exposition (format 0.0.4) of every family to out. */
enum cerr metrics_render(struct metrics *m, struct buf *out);

/* ---- HTTP ------------------------------------------------------------- */

struct metrics_http;

/*
 * The health callback: return 1 when healthy; else 0 with a one-line
 * reason written into reason. It runs on libmicrohttpd's thread, so it must
 * only read state that is safe to read from another thread (atomics, or
 * data under the owner's lock).
 */
struct metrics_health {
	int  (*fn)(void *arg, char *reason, size_t len);
	void  *arg;
};

/*
 * Serve m on listen, "HOST:PORT" (HOST an address or name, IPv6 in
 * brackets: "[::1]:9464"; PORT 0 picks a free port, see
 * metrics_http_port()). health may be NULL (always healthy). Serves
 * GET/HEAD /metrics and /healthz, 405 for other methods on them, 404 for
 * any other path. NULL on failure with "metrics listen HOST:PORT: reason"
 * in err. Caller owns the server: metrics_http_stop().
 */
struct metrics_http *metrics_http_start(struct metrics *m, const char *listen,
    const struct metrics_health *health, char *err, size_t errlen);
/* The port actually bound. */
int  metrics_http_port(const struct metrics_http *h);
/* Stop serving (waits for the server thread) and free; accepts NULL. */
void metrics_http_stop(struct metrics_http **h);

#endif
