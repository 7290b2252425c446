/*
 * out_webhook.c — POST each change's JSON object (the jsonl line) to a URL
 * (output.h), through the shared HTTP delivery worker (out_http.h).
 *
 * Changes go one per request, in order; a failure (no answer, 5xx, 408,
 * 429) is retried with exponential backoff; any other 4xx means the
 * receiver refuses that object for good: it is dropped, counted and logged
 * rather than blocking every later change behind it. Delivery is at least
 * once (a crash between POST and cursor repeats it): receivers dedupe on
 * "seq".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/out_http.h"
#include "analyzer/alerts/output.h"
#include "common/log.h"
#include "common/util.h"

/* The plugin: {type: webhook, url: URL} */
struct webhook_conf {
	char *url;
};

static const struct conf_key s_keys[] = {
	CONF_KREQ("url", CK_URL, offsetof(struct webhook_conf, url),
	    "URL to POST to"),
	{ 0 }
};

/* The oldest queued change, one per request. */
static int
s_step(struct out_http *h, void *curl, int64_t now_ms, int64_t *wake_at)
{
	struct out_http_item *it;
	uint64_t seq;
	char *json, what[64];
	size_t len;
	int rc;

	(void)now_ms;
	(void)wake_at;
	if (h->len == 0)
		return 0;
	it = out_http_at(h, 0);
	seq = it->seq;
	len = it->len;
	/* The main thread may drop the entry while the lock is down. */
	json = xstrndup(it->body, len);
	snprintf(what, sizeof what, "seq=%llu", (unsigned long long)seq);
	rc = out_http_post(h, curl, json, len, what);
	free(json);
	if (atomic_load(&h->stop))
		return 1;
	if (rc >= 0 && h->len > 0 && out_http_at(h, 0)->seq == seq)
		out_http_remove(h, 0);
	if (rc > 0)
		h->st.sent++;
	else if (rc == 0)
		h->st.dropped++;
	out_http_update_done(h);
	return 1;
}

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct out_http *h = o->priv;

	pthread_mutex_lock(&h->mu);
	if (h->len == OUTPUT_MAX_QUEUE) {
		if (log_ratelimit(&h->rl))
			log_warnx("output webhook: url=%s queue full max=%u "
			    "dropped seq=%llu", h->logurl, OUTPUT_MAX_QUEUE,
			    (unsigned long long)out_http_at(h, 0)->seq);
		out_http_remove(h, 0);
		h->st.dropped++;
	}
	out_http_push(h, (struct out_http_item){ .seq = c->seq,
	    .body = xstrndup(json, len), .len = len });
	out_http_taken(h, c->seq);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static const struct output_ops s_ops = {
	.type = "webhook",
	.emit = s_emit,
	.delivered = out_http_delivered,
	.stats = out_http_stats,
	.free = out_http_free,
};

static const struct out_http_backend s_backend = {
	.type = "webhook",
	.step = s_step,
};

static char *
s_key(const void *opts)
{
	const struct webhook_conf *c = opts;

	return output_url_key("webhook", c->url);
}

static struct output *
s_new(const void *opts, const struct mq_opts *zopts, char *err, size_t errlen)
{
	const struct webhook_conf *c = opts;

	(void)zopts;
	if (c->url == NULL || (strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "webhook output: url must be http:// or "
		    "https://");
		return NULL;
	}
	return out_http_new(&s_ops, &s_backend, NULL, c->url, err, errlen);
}

static const struct output_impl s_impl = { .key = s_key, .make = s_new };
const struct conf_plugin out_webhook_plugin = {
	.name = "webhook", .keys = s_keys, .size = sizeof(struct webhook_conf),
	.impl = &s_impl,
};
