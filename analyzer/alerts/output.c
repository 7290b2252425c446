/*
 * output.c — the outbox shared by all outputs, the JSON every output
 * carries, and the HTTP helper of the HTTP backends (output.h).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/alerts/output.h"
#include "common/json.h"
#include "common/log.h"
#include "common/mq.h"
#include "common/util.h"

struct output_set {
	struct mq_opts        zopts;
	struct output       **v;
	size_t                n;
	struct alert_change **box;	/* outbox, by increasing seq */
	size_t                head, len, cap;	/* live: box[head .. head+len) */
	uint64_t              next_seq;	/* first seq a new output has not seen */
	struct log_ratelimit  rl_drop;
};

/* ---- JSON ---- */

static void
s_append(struct buf *b, const void *p, size_t n)
{
	/* Our buffers have no ceiling that JSON of bounded fields can pass. */
	if (buf_append(b, p, n) != CERR_OK)
		fatalx("output: buffer ceiling passed");
}

static void
s_appends(struct buf *b, const char *s)
{
	s_append(b, s, strlen(s));
}

void
output_label_value(struct buf *b, const void *data, size_t len, size_t max)
{
	static const char repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char *p = data;
	size_t i = 0, out = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = json_utf8(p + i, len - i, &cp);
		const void *src = p + i;
		size_t sn = n;

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029) {
			src = repl;
			sn = 3;
			if (n == 0)
				n = 1;
		}
		if (out + sn > max)
			break;
		s_append(b, src, sn);
		out += sn;
		i += n;
	}
}

size_t
output_cut(const void *data, size_t len, size_t max)
{
	const unsigned char *p = data;
	size_t i = 0;

	if (len <= max)
		return len;
	/* Step by characters so that a valid one is never split; an invalid
	 * byte is one step (it becomes U+FFFD wherever it goes). */
	while (i < max) {
		uint32_t cp;
		size_t n = json_utf8(p + i, len - i, &cp);

		if (n == 0)
			n = 1;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

void
output_time(struct buf *b, int64_t ms)
{
	struct tm tm;
	time_t t;
	char s[96];
	int64_t frac;

	/* Keep within what gmtime and every consumer accept. */
	if (ms < 0)
		ms = 0;
	if (ms > INT64_C(253402300799999))	/* 9999-12-31T23:59:59.999Z */
		ms = INT64_C(253402300799999);
	t = (time_t)(ms / 1000);
	frac = ms % 1000;
	gmtime_r(&t, &tm);
	snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (int)frac);
	s_appends(b, s);
}

static void
s_key_str(struct buf *b, const char *key, const struct alert_str *v)
{
	s_append(b, ",\"", 2);
	s_appends(b, key);
	s_append(b, "\":", 2);
	json_str(b, v->p, v->len);
}

/* A string of device bytes, at most max of them. */
static void
s_key_cut(struct buf *b, const char *key, const struct alert_str *v, size_t max)
{
	s_append(b, ",\"", 2);
	s_appends(b, key);
	s_append(b, "\":", 2);
	json_str(b, v->p, output_cut(v->p, v->len, max));
}

static void
s_key_time(struct buf *b, const char *key, int64_t ms)
{
	s_append(b, ",\"", 2);
	s_appends(b, key);
	s_append(b, "\":", 2);
	if (ms == 0) {
		s_appends(b, "null");
		return;
	}
	s_append(b, "\"", 1);
	output_time(b, ms);
	s_append(b, "\"", 1);
}

void
output_json(struct buf *b, const struct alert_change *c)
{
	char num[64];

	/* seq first: the jsonl backend finds it at the start of a line. */
	snprintf(num, sizeof num, "{\"seq\":%llu", (unsigned long long)c->seq);
	s_appends(b, num);
	s_appends(b, ",\"alert\":\"");
	s_appends(b, alert_name(c->type));
	s_appends(b, "\",\"status\":\"");
	s_appends(b, alert_strstatus(c->status));
	s_appends(b, "\"");
	s_key_str(b, "device", &c->device);
	s_key_str(b, "interface", &c->interface);
	s_appends(b, ",\"state\":\"");
	s_appends(b, ifstate_str(c->state));
	s_appends(b, "\",\"kind\":\"");
	s_appends(b, ifkind_str(c->kind));
	s_appends(b, "\"");
	s_key_str(b, "rule", &c->rule);
	s_key_str(b, "event", &c->event);
	s_key_str(b, "severity", &c->severity);
	s_key_str(b, "platform", &c->platform);
	s_key_time(b, "device_time", c->device_time);
	s_key_str(b, "device_time_raw", &c->ts_raw);
	snprintf(num, sizeof num, ",\"record_id\":%llu",
	    (unsigned long long)c->record_id);
	s_appends(b, num);
	s_key_time(b, "starts_at", c->starts_at);
	s_key_time(b, "ends_at", c->ends_at);
	s_key_time(b, "raised_at", c->raised_at);
	s_key_time(b, "received_at", c->received_at);
	s_appends(b, c->late ? ",\"late\":true" : ",\"late\":false");
	s_appends(b, c->reconciled ? ",\"reconciled\":true" :
	    ",\"reconciled\":false");
	s_key_cut(b, "reason", &c->reason, ALERT_MAX_FIELD);
	s_key_cut(b, "description", &c->description, OUTPUT_DESCR_MAX);
	s_key_str(b, "line", &c->line);
	s_append(b, "}", 1);
}

/* ---- HTTP ---- */

void
output_http_global_init(void)
{
	static int done;

	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = 1;
	}
}

static size_t
s_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static int
s_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const atomic_int *stop = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stop && atomic_load(stop) ? 1 : 0;
}

long
output_http_post(void *curl, const char *url, const char *body, size_t len,
    const atomic_int *stop, char *err, size_t errlen)
{
	CURL *h = curl;
	struct curl_slist *hdrs = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long status = 0;

	curl_easy_reset(h);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, s_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)(uintptr_t)stop);
	/* Alerts go to the configured URL only; never follow elsewhere. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(h);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 100) {
		snprintf(err, errlen, "no HTTP status");
		return -1;
	}
	return status;
}

/* ---- outputs ---- */

char *
output_url_redact(const char *url)
{
	const char *p, *host, *at, *end;

	if (url == NULL)
		return xstrdup("");
	p = strstr(url, "://");
	host = p ? p + 3 : url;
	end = host + strcspn(host, "?#");
	/* userinfo is whatever precedes an '@' in the authority. */
	at = memchr(host, '@', strcspn(host, "/?#"));
	if (at)
		return xasprintf("%.*s%.*s", (int)(host - url), url,
		    (int)(end - at - 1), at + 1);
	return xasprintf("%.*s", (int)(end - url), url);
}

char *
output_url_key(const char *type, const char *url)
{
	char *red = output_url_redact(url), *k;

	k = xasprintf("%s:%s#%016llx", type, red, (unsigned long long)
	    util_hash64(url ? url : "", url ? strlen(url) : 0));
	free(red);
	return k;
}

/*
 * The output plugins, in the order configuration errors list them; the
 * first is the default output. A new output: its out_X.c defines
 * out_X_plugin, and one X(...) line here.
 */
#define OUTPUT_PLUGINS(X) \
	X(jsonl) \
	X(alertmanager) \
	X(webhook) \
	X(zmq)

#define X_DECLARE(n)	extern const struct conf_plugin out_##n##_plugin;
#define X_ENTRY(n)	&out_##n##_plugin,
OUTPUT_PLUGINS(X_DECLARE)
static const struct conf_plugin *const s_plugins[] = {
	OUTPUT_PLUGINS(X_ENTRY)
	NULL
};

void
output_plugins_register(void)
{
	conf_set_output_plugins(s_plugins);
}

const struct conf_plugin *
output_plugin(const char *name)
{
	for (size_t i = 0; s_plugins[i]; i++)
		if (strcmp(s_plugins[i]->name, name) == 0)
			return s_plugins[i];
	return NULL;
}

static const struct output_impl *
s_impl(const struct conf_output *c)
{
	return c->plugin ? c->plugin->impl : NULL;
}

char *
output_key(const struct conf_output *c)
{
	const struct output_impl *im = s_impl(c);

	return im ? im->key(c->opts) : xstrdup("unknown:");
}

void
output_free(struct output **op)
{
	struct output *o;

	if (op == NULL || (o = *op) == NULL)
		return;
	if (o->ops && o->ops->free)
		o->ops->free(o);
	free(o->key);
	free(o);
	*op = NULL;
}

struct output *
output_new(const struct conf_output *c, const struct mq_opts *zopts, char *err,
    size_t errlen)
{
	const struct output_impl *im = s_impl(c);

	if (im == NULL) {
		snprintf(err, errlen, "output without a plugin");
		return NULL;
	}
	return im->make(c->opts, zopts, err, errlen);
}

struct output_set *
output_set_new(const struct mq_opts *zopts)
{
	struct output_set *s = xcalloc(1, sizeof *s);

	if (zopts)
		s->zopts = *zopts;
	else
		mq_opts_init(&s->zopts);
	s->next_seq = 1;
	s->rl_drop.interval = 10;
	return s;
}

void
output_set_free(struct output_set **sp)
{
	struct output_set *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		output_free(&s->v[i]);
	free(s->v);
	for (size_t i = 0; i < s->len; i++)
		alert_change_free(&s->box[s->head + i]);
	free(s->box);
	free(s);
	*sp = NULL;
}

static uint64_t
s_last_seq(const struct output_set *s)
{
	if (s->len > 0)
		return s->box[s->head + s->len - 1]->seq;
	return s->next_seq - 1;
}

int
output_set_configure(struct output_set *s, const struct conf_output *outs,
    size_t n, uint64_t next_seq, char *err, size_t errlen)
{
	struct output **nv = xcalloc(n ? n : 1, sizeof *nv);
	int *kept = xcalloc(s->n ? s->n : 1, sizeof *kept);
	uint64_t start;

	if (next_seq > s->next_seq)
		s->next_seq = next_seq;
	start = s_last_seq(s);
	for (size_t i = 0; i < n; i++) {
		char *key = output_key(&outs[i]);
		for (size_t j = 0; j < s->n; j++) {
			if (!kept[j] && strcmp(s->v[j]->key, key) == 0) {
				nv[i] = s->v[j];
				kept[j] = 1;
				if (nv[i]->ops->reconf)
					nv[i]->ops->reconf(nv[i], outs[i].opts);
				break;
			}
		}
		if (nv[i] == NULL) {
			for (size_t j = 0; j < i; j++) {
				if (strcmp(nv[j]->key, key) == 0) {
					snprintf(err, errlen, "output %zu: %s is "
					    "configured twice", i + 1, key);
					free(key);
					goto fail;
				}
			}
			nv[i] = output_new(&outs[i], &s->zopts, err, errlen);
			if (nv[i] == NULL) {
				free(key);
				goto fail;
			}
			nv[i]->key = key;
			nv[i]->handed = nv[i]->done = start;
			key = NULL;
		}
		free(key);
	}
	for (size_t j = 0; j < s->n; j++)
		if (!kept[j])
			output_free(&s->v[j]);
	free(s->v);
	free(kept);
	s->v = nv;
	s->n = n;
	return 0;
fail:
	/* Free only what this call created. */
	for (size_t i = 0; i < n; i++) {
		int old = 0;
		for (size_t j = 0; j < s->n; j++)
			if (nv[i] == s->v[j])
				old = 1;
		if (nv[i] && !old)
			output_free(&nv[i]);
	}
	free(nv);
	free(kept);
	return -1;
}

void
output_set_restore(struct output_set *s, struct alert_changes *outbox,
    const struct alertstate_cursors *cursors)
{
	uint64_t first = 0, last;

	for (size_t i = 0; i < outbox->n; i++) {
		struct alert_change *c = outbox->v[i];
		outbox->v[i] = NULL;
		/* Keep the outbox sorted and free of repeats whatever the file had. */
		if (s->len > 0 && c->seq <= s->box[s->head + s->len - 1]->seq) {
			alert_change_free(&c);
			continue;
		}
		output_set_push(s, c);
	}
	alert_changes_clear(outbox);
	if (s->len > 0)
		first = s->box[s->head]->seq;
	last = s_last_seq(s);
	for (size_t i = 0; i < s->n; i++) {
		struct output *o = s->v[i];
		int found;
		uint64_t cur = alertstate_cursor_get(cursors, o->key, &found);
		if (!found)
			cur = last;		/* a new output: from now on */
		else if (s->len > 0 && cur + 1 < first)
			cur = first - 1;	/* trimmed: nothing older is kept */
		if (cur > last)
			cur = last;
		o->handed = o->done = cur;
	}
}

static void
s_seed_one(const struct alert_iface *f, void *arg)
{
	struct output_set *s = arg;

	if (f->open == ALERT_T_NONE || f->opened == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->ops->seed)
			s->v[i]->ops->seed(s->v[i], f->opened);
}

void
output_set_seed(struct output_set *s, const struct alert_engine *e)
{
	alert_foreach_iface(e, s_seed_one, s);
}

static void
s_drop_oldest(struct output_set *s)
{
	struct alert_change *c = s->box[s->head];
	int lagging = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct output *o = s->v[i];
		uint64_t eff = o->done > o->floor ? o->done : o->floor;
		if (eff < c->seq) {
			o->floor = c->seq;
			if (o->handed < c->seq)
				o->handed = c->seq;
			o->st.dropped++;
			lagging = 1;
		}
	}
	if (lagging && log_ratelimit(&s->rl_drop)) {
		log_warnx("outputs: outbox full max=%u dropped the oldest "
		    "undelivered seq=%llu suppressed=%u", OUTPUT_MAX_OUTBOX,
		    (unsigned long long)c->seq, s->rl_drop.suppressed);
		s->rl_drop.suppressed = 0;
	}
	alert_change_free(&s->box[s->head]);
	s->head++;
	s->len--;
}

void
output_set_push(struct output_set *s, struct alert_change *c)
{
	if (s->head + s->len == s->cap) {
		if (s->head > 0) {
			memmove(s->box, s->box + s->head, s->len * sizeof *s->box);
			s->head = 0;
		}
		if (s->len == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 256;
			s->box = xrealloc(s->box, s->cap * sizeof *s->box);
		}
	}
	s->box[s->head + s->len++] = c;
	if (c->seq >= s->next_seq)
		s->next_seq = c->seq + 1;
	while (s->len > OUTPUT_MAX_OUTBOX)
		s_drop_oldest(s);
}

static uint64_t
s_effective(const struct output *o)
{
	return o->done > o->floor ? o->done : o->floor;
}

/* Trim what every output has. */
static void
s_trim(struct output_set *s)
{
	uint64_t min = UINT64_MAX;

	for (size_t i = 0; i < s->n; i++) {
		uint64_t e = s_effective(s->v[i]);
		if (e < min)
			min = e;
	}
	while (s->len > 0 && s->box[s->head]->seq <= min) {
		alert_change_free(&s->box[s->head]);
		s->head++;
		s->len--;
	}
	if (s->len == 0)
		s->head = 0;
}

static void
s_backoff(struct output *o, int64_t now)
{
	o->backoff_ms = o->backoff_ms ? o->backoff_ms * 2 : OUTPUT_BACKOFF_MIN;
	if (o->backoff_ms > OUTPUT_BACKOFF_MAX)
		o->backoff_ms = OUTPUT_BACKOFF_MAX;
	o->retry_at = now + (int64_t)o->backoff_ms;
	o->st.failures++;
}

void
output_set_pump(struct output_set *s, uint64_t upto, int64_t now_ms)
{
	struct buf json;

	buf_init(&json, 0);
	for (size_t i = 0; i < s->n; i++) {
		struct output *o = s->v[i];
		int failed = 0;

		if (o->retry_at != 0 && now_ms < o->retry_at)
			goto delivered;
		for (size_t k = 0; k < s->len; k++) {
			const struct alert_change *c = s->box[s->head + k];
			if (c->seq <= o->handed)
				continue;
			if (c->seq > upto)
				break;
			buf_reset(&json);
			output_json(&json, c);
			if (o->ops->emit(o, c, json.data, json.len) < 0) {
				failed = 1;
				break;
			}
			o->handed = c->seq;
		}
		if (!failed && o->ops->flush && o->handed > o->done &&
		    o->ops->flush(o) < 0)
			failed = 1;
		if (failed) {
			s_backoff(o, now_ms);
		} else {
			o->retry_at = 0;
			o->backoff_ms = 0;
			if (o->ops->delivered == NULL && o->handed > o->done) {
				o->st.sent += o->handed - o->done;
				o->done = o->handed;
			}
		}
delivered:
		if (o->ops->delivered) {
			uint64_t d = o->ops->delivered(o);
			if (d > o->done)
				o->done = d;
		}
	}
	buf_free(&json);
	s_trim(s);
}

void
output_set_tick(struct output_set *s, uint64_t upto, int64_t now_ms)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i]->ops->tick)
			s->v[i]->ops->tick(s->v[i], now_ms);
	output_set_pump(s, upto, now_ms);
}

void
output_set_reopen(struct output_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i]->ops->reopen)
			s->v[i]->ops->reopen(s->v[i]);
		s->v[i]->retry_at = 0;	/* a reopened file may work again */
	}
}

struct alert_change *const *
output_set_outbox(const struct output_set *s, size_t *n)
{
	*n = s->len;
	return s->box ? s->box + s->head : NULL;
}

void
output_set_cursors(const struct output_set *s, struct alertstate_cursors *c)
{
	for (size_t i = 0; i < s->n; i++)
		alertstate_cursor_set(c, s->v[i]->key, s_effective(s->v[i]));
}

size_t
output_set_count(const struct output_set *s)
{
	return s->n;
}

struct output *
output_set_get(const struct output_set *s, size_t i)
{
	return i < s->n ? s->v[i] : NULL;
}

size_t
output_set_backlog(const struct output_set *s)
{
	return s->len;
}
