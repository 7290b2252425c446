/*
 * out_http.c — the delivery worker of the HTTP outputs (out_http.h).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/alerts/out_http.h"
#include "common/log.h"
#include "common/util.h"

int64_t
out_http_now_ms(void)
{
	return (int64_t)(util_monotime() * 1000.0);
}

static void
s_wait_until(struct out_http *h, int64_t at_ms)
{
	struct timespec ts;

	ts.tv_sec = at_ms / 1000;
	ts.tv_nsec = (at_ms % 1000) * 1000000L;
	pthread_cond_timedwait(&h->cv, &h->mu, &ts);
}

struct out_http_item *
out_http_at(struct out_http *h, size_t i)
{
	return &h->q[(h->head + i) % h->cap];
}

void
out_http_push(struct out_http *h, struct out_http_item it)
{
	if (h->len == h->cap) {
		size_t ncap = h->cap ? h->cap * 2 : 64;
		struct out_http_item *nq = xcalloc(ncap, sizeof *nq);

		for (size_t i = 0; i < h->len; i++)
			nq[i] = *out_http_at(h, i);
		free(h->q);
		h->q = nq;
		h->cap = ncap;
		h->head = 0;
	}
	h->q[(h->head + h->len) % h->cap] = it;
	h->len++;
}

void
out_http_remove(struct out_http *h, size_t i)
{
	struct out_http_item *it = out_http_at(h, i);

	free(it->key);
	free(it->body);
	/* The oldest goes by moving the head; any other closes the gap. */
	for (size_t j = i; j > 0; j--)
		*out_http_at(h, j) = *out_http_at(h, j - 1);
	h->head = (h->head + 1) % h->cap;
	h->len--;
}

void
out_http_update_done(struct out_http *h)
{
	atomic_store(&h->done, h->len == 0 ? h->emitted :
	    out_http_at(h, 0)->seq - 1);
}

void
out_http_taken(struct out_http *h, uint64_t seq)
{
	h->emitted = seq;
	out_http_update_done(h);
	pthread_cond_signal(&h->cv);
}

int
out_http_post(struct out_http *h, void *curl, const char *body, size_t len,
    const char *what)
{
	char err[CURL_ERROR_SIZE + 64];
	long status;

	pthread_mutex_unlock(&h->mu);
	status = curl ? output_http_post(curl, h->url, body, len, &h->stop,
	    err, sizeof err) : -1;
	if (curl == NULL)
		snprintf(err, sizeof err, "curl_easy_init failed");
	pthread_mutex_lock(&h->mu);
	if (status >= 200 && status < 300) {
		if (h->backoff_ms > 0)
			log_info("output %s: url=%s reachable again",
			    h->be->type, h->logurl);
		h->backoff_ms = 0;
		h->retry_at = 0;
		return 1;
	}
	if (status >= 400 && status < 500 && status != 408 && status != 429) {
		log_warnx("output %s: url=%s refused status=%ld dropped %s",
		    h->be->type, h->logurl, status, what);
		return 0;
	}
	h->st.failures++;
	h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : OUTPUT_BACKOFF_MIN;
	if (h->backoff_ms > OUTPUT_BACKOFF_MAX)
		h->backoff_ms = OUTPUT_BACKOFF_MAX;
	h->retry_at = out_http_now_ms() + (int64_t)h->backoff_ms;
	if (log_ratelimit(&h->rl)) {
		if (status < 0)
			log_warnx("output %s: url=%s failed reason=\"%s\" "
			    "retry_ms=%llu queued=%zu", h->be->type, h->logurl,
			    err, (unsigned long long)h->backoff_ms, h->len);
		else
			log_warnx("output %s: url=%s failed status=%ld "
			    "retry_ms=%llu queued=%zu", h->be->type, h->logurl,
			    status, (unsigned long long)h->backoff_ms, h->len);
	}
	return -1;
}

static void *
s_worker(void *arg)
{
	struct out_http *h = arg;
	CURL *curl = curl_easy_init();

	pthread_mutex_lock(&h->mu);
	while (!atomic_load(&h->stop)) {
		int64_t now = out_http_now_ms(), wake_at = 0;

		if (now < h->retry_at)
			s_wait_until(h, h->retry_at);
		else if (h->be->step(h, curl, now, &wake_at))
			continue;
		else if (wake_at > 0)
			s_wait_until(h, wake_at);
		else
			pthread_cond_wait(&h->cv, &h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	if (curl)
		curl_easy_cleanup(curl);
	return NULL;
}

uint64_t
out_http_delivered(struct output *o)
{
	struct out_http *h = o->priv;

	return atomic_load(&h->done);
}

void
out_http_stats(struct output *o, struct output_stats *st)
{
	struct out_http *h = o->priv;

	pthread_mutex_lock(&h->mu);
	*st = h->st;
	pthread_mutex_unlock(&h->mu);
}

void
out_http_free(struct output *o)
{
	struct out_http *h = o->priv;

	if (h == NULL)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		atomic_store(&h->stop, 1);
		pthread_cond_signal(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thr, NULL);
	}
	while (h->len > 0)
		out_http_remove(h, 0);
	free(h->q);
	if (h->be->free)
		h->be->free(h->ctx);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->url);
	free(h->logurl);
	free(h);
	o->priv = NULL;
}

struct output *
out_http_new(const struct output_ops *ops, const struct out_http_backend *be,
    void *ctx, const char *url, char *err, size_t errlen)
{
	struct output *o;
	struct out_http *h;
	pthread_condattr_t ca;

	output_http_global_init();
	h = xcalloc(1, sizeof *h);
	h->be = be;
	h->ctx = ctx;
	h->url = xstrdup(url);
	h->logurl = output_url_redact(url);
	h->rl.interval = 10;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	o = xcalloc(1, sizeof *o);
	o->ops = ops;
	o->priv = h;
	if (pthread_create(&h->thr, NULL, s_worker, h) != 0) {
		snprintf(err, errlen, "%s output: cannot start its thread",
		    be->type);
		output_free(&o);
		return NULL;
	}
	h->started = 1;
	return o;
}
