/*
 * out_webhook.c — POST each change's JSON object (the jsonl line) to a URL
 * (output.h).
 *
 * A worker thread owns the libcurl handle, so a slow or dead receiver never
 * blocks the stage. Changes go one per request, in order; a failure (no
 * answer, 5xx, 408, 429) is retried with exponential backoff; any other 4xx
 * means the receiver refuses that object for good: it is dropped, counted
 * and logged rather than blocking every later change behind it. Delivery is
 * at least once (a crash between POST and cursor repeats it): receivers
 * dedupe on "seq".
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/alerts/output.h"
#include "common/log.h"
#include "common/util.h"

struct whitem {
	uint64_t seq;
	char    *json;
	size_t   len;
};

struct webhook {
	char                *url;
	char                *logurl;	/* url without credentials */
	pthread_t            thr;
	int                  started;
	pthread_mutex_t      mu;
	pthread_cond_t       cv;
	atomic_int           stop;
	struct whitem       *q;		/* ring */
	size_t               head, len, cap;
	uint64_t             emitted;	/* highest seq queued */
	_Atomic uint64_t     done;
	uint64_t             backoff_ms;
	int64_t              retry_at;	/* monotonic ms */
	struct output_stats  st;
	struct log_ratelimit rl;
};

static int64_t
s_mono_ms(void)
{
	return (int64_t)(util_monotime() * 1000.0);
}

static void
s_wait_until(struct webhook *w, int64_t at_ms)
{
	struct timespec ts;

	ts.tv_sec = at_ms / 1000;
	ts.tv_nsec = (at_ms % 1000) * 1000000L;
	pthread_cond_timedwait(&w->cv, &w->mu, &ts);
}

/* Under the lock. */
static void
s_update_done(struct webhook *w)
{
	atomic_store(&w->done, w->len == 0 ? w->emitted : w->q[w->head].seq - 1);
}

static void
s_pop(struct webhook *w)
{
	free(w->q[w->head].json);
	w->head = (w->head + 1) % w->cap;
	w->len--;
}

static void *
s_worker(void *arg)
{
	struct webhook *w = arg;
	CURL *h = curl_easy_init();

	pthread_mutex_lock(&w->mu);
	while (!atomic_load(&w->stop)) {
		struct whitem it;
		char err[CURL_ERROR_SIZE + 64];
		long status;

		if (w->len == 0) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		if (s_mono_ms() < w->retry_at) {
			s_wait_until(w, w->retry_at);
			continue;
		}
		it = w->q[w->head];
		it.json = xstrndup(it.json, it.len);
		pthread_mutex_unlock(&w->mu);
		status = h ? output_http_post(h, w->url, it.json, it.len, &w->stop,
		    err, sizeof err) : -1;
		if (h == NULL)
			snprintf(err, sizeof err, "curl_easy_init failed");
		pthread_mutex_lock(&w->mu);
		free(it.json);
		if (atomic_load(&w->stop))
			break;
		if (status >= 200 && status < 300) {
			if (w->len > 0 && w->q[w->head].seq == it.seq)
				s_pop(w);
			w->st.sent++;
			w->backoff_ms = 0;
			w->retry_at = 0;
		} else if (status >= 400 && status < 500 && status != 408 &&
		    status != 429) {
			if (w->len > 0 && w->q[w->head].seq == it.seq)
				s_pop(w);
			w->st.dropped++;
			log_warnx("output webhook: url=%s refused seq=%llu with HTTP "
			    "%ld: dropped", w->logurl, (unsigned long long)it.seq,
			    status);
		} else {
			w->st.failures++;
			w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 :
			    OUTPUT_BACKOFF_MIN;
			if (w->backoff_ms > OUTPUT_BACKOFF_MAX)
				w->backoff_ms = OUTPUT_BACKOFF_MAX;
			w->retry_at = s_mono_ms() + (int64_t)w->backoff_ms;
			if (log_ratelimit(&w->rl)) {
				if (status < 0)
					log_warnx("output webhook: url=%s: %s; retrying "
					    "in %llums (%zu queued)", w->logurl, err,
					    (unsigned long long)w->backoff_ms, w->len);
				else
					log_warnx("output webhook: url=%s: HTTP %ld; "
					    "retrying in %llums (%zu queued)", w->logurl,
					    status, (unsigned long long)w->backoff_ms,
					    w->len);
			}
		}
		s_update_done(w);
	}
	pthread_mutex_unlock(&w->mu);
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct webhook *w = o->priv;

	pthread_mutex_lock(&w->mu);
	if (w->len == OUTPUT_MAX_QUEUE) {
		if (log_ratelimit(&w->rl))
			log_warnx("output webhook: url=%s queue full (%u): dropping "
			    "seq=%llu", w->logurl, OUTPUT_MAX_QUEUE,
			    (unsigned long long)w->q[w->head].seq);
		s_pop(w);
		w->st.dropped++;
	}
	if (w->len == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct whitem *nq = xcalloc(ncap, sizeof *nq);
		for (size_t i = 0; i < w->len; i++)
			nq[i] = w->q[(w->head + i) % w->cap];
		free(w->q);
		w->q = nq;
		w->cap = ncap;
		w->head = 0;
	}
	w->q[(w->head + w->len) % w->cap] = (struct whitem){ c->seq,
	    xstrndup(json, len), len };
	w->len++;
	w->emitted = c->seq;
	s_update_done(w);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static uint64_t
s_delivered(struct output *o)
{
	struct webhook *w = o->priv;

	return atomic_load(&w->done);
}

static void
s_stats(struct output *o, struct output_stats *st)
{
	struct webhook *w = o->priv;

	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

static void
s_free(struct output *o)
{
	struct webhook *w = o->priv;

	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		atomic_store(&w->stop, 1);
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thr, NULL);
	}
	while (w->len > 0)
		s_pop(w);
	free(w->q);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->url);
	free(w->logurl);
	free(w);
	o->priv = NULL;
}

static const struct output_ops s_ops = {
	.type = "webhook",
	.emit = s_emit,
	.delivered = s_delivered,
	.stats = s_stats,
	.free = s_free,
};

struct output *
out_webhook_new(const struct conf_output *c, char *err, size_t errlen)
{
	struct output *o;
	struct webhook *w;
	pthread_condattr_t ca;

	if (c->url == NULL || (strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "webhook output: url must be http:// or "
		    "https://");
		return NULL;
	}
	output_http_global_init();
	w = xcalloc(1, sizeof *w);
	w->url = xstrdup(c->url);
	w->logurl = output_url_redact(c->url);
	w->rl.interval = 10;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	o = xcalloc(1, sizeof *o);
	o->ops = &s_ops;
	o->priv = w;
	if (pthread_create(&w->thr, NULL, s_worker, w) != 0) {
		snprintf(err, errlen, "webhook output: cannot start its thread");
		output_free(&o);
		return NULL;
	}
	w->started = 1;
	return o;
}
