/*
 * out_http.h — the delivery worker the HTTP outputs share (alertmanager,
 * webhook): a worker thread that owns the libcurl handle, so a slow or
 * dead receiver never blocks the stage; a bounded queue of changes not yet
 * accepted, in seq order; exponential back-off while the receiver fails;
 * the stats; the "delivered" cursor.
 *
 * A backend says what to post next (its step, called by the worker under
 * the lock when no back-off is pending) and what its queue entries mean;
 * out_http_post() does the request and the retry policy: 2xx accepted, any
 * other 4xx but 408 and 429 refused for good (the entry is dropped rather
 * than blocking every later change behind it), anything else retried.
 */
#ifndef LOGHAUL_OUT_HTTP_H
#define LOGHAUL_OUT_HTTP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "analyzer/alerts/output.h"
#include "common/log.h"

struct out_http_item {
	uint64_t seq;
	char    *key;		/* the backend's (NULL for webhook) */
	char    *body;		/* what is posted, or the backend's part of it */
	size_t   len;
	int64_t  arg;		/* the backend's */
};

struct out_http;

struct out_http_backend {
	const char *type;	/* in log lines: "output TYPE: url=..." */
	/*
	 * Under the lock, not backing off: post what is due and return 1, or
	 * return 0 with *wake_at the monotonic ms to look again (0: when
	 * signalled).
	 */
	int  (*step)(struct out_http *h, void *curl, int64_t now_ms,
	    int64_t *wake_at);
	void (*free)(void *ctx);	/* the backend's ctx; NULL: none */
};

struct out_http {
	const struct out_http_backend *be;
	void                *ctx;		/* the backend's state */
	char                *url;
	char                *logurl;		/* url without credentials */
	pthread_t            thr;
	int                  started;
	pthread_mutex_t      mu;
	pthread_cond_t       cv;
	atomic_int           stop;
	struct out_http_item *q;		/* ring: q[head .. head+len) mod cap */
	size_t               head, len, cap;
	uint64_t             emitted;		/* highest seq taken */
	_Atomic uint64_t     done;
	uint64_t             backoff_ms;
	int64_t              retry_at;		/* monotonic ms; 0: none */
	struct output_stats  st;
	struct log_ratelimit rl;
};

/*
 * A new HTTP output posting to url with ops (whose delivered, stats and
 * free are the out_http_* below) and backend be; it owns ctx from now on,
 * even on failure. NULL with err set.
 */
struct output *out_http_new(const struct output_ops *ops,
    const struct out_http_backend *be, void *ctx, const char *url,
    char *err, size_t errlen);

/* The output_ops every HTTP output shares. */
uint64_t out_http_delivered(struct output *o);
void     out_http_stats(struct output *o, struct output_stats *st);
void     out_http_free(struct output *o);

/* Monotonic milliseconds, the worker's clock. */
int64_t  out_http_now_ms(void);

/* ---- under the lock ---- */

/* The i-th queued entry, oldest first. */
struct out_http_item *out_http_at(struct out_http *h, size_t i);
/* Append (the queue takes key and body); the caller bounds the length. */
void     out_http_push(struct out_http *h, struct out_http_item it);
/* Drop the i-th entry (frees it). */
void     out_http_remove(struct out_http *h, size_t i);
/* Take seq as emitted, update the delivered cursor, wake the worker. */
void     out_http_taken(struct out_http *h, uint64_t seq);
/* Recompute the delivered cursor from the queue. */
void     out_http_update_done(struct out_http *h);
/*
 * POST body to the output's URL, dropping the lock around the request.
 * 1 accepted, 0 refused for good (logged with what), -1 failed (counted,
 * backed off, logged with a rate limit).
 */
int      out_http_post(struct out_http *h, void *curl, const char *body,
    size_t len, const char *what);

#endif
