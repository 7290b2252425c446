/*
 * out_alertmanager.c — Prometheus Alertmanager, API v2 (output.h).
 *
 * Alertmanager identifies an alert by its label set: alertname
 * (InterfaceDown, InterfaceAdminDown, InterfaceFlapping), device, interface,
 * severity. A change is POSTed to /api/v2/alerts as soon as the worker
 * thread can; as Alertmanager's clients must, every alert still firing is
 * POSTed again every `resend` with endsAt = now + 4 x resend, so that if
 * the stage disappears its alerts expire instead of firing for ever. A
 * resolution carries endsAt = the device time of the up event (never in
 * the future, never before startsAt).
 *
 * The worker keeps two things: a queue of changes not yet accepted by
 * Alertmanager (sent in order, up to 500 per request, retried with backoff
 * while Alertmanager is down) and the set of firing alerts (for resends;
 * seeded at start from the loaded state). The queue is bounded: when full,
 * a firing entry is dropped first (it is resent from the firing set
 * anyway); only a queue full of resolutions loses one, and then that alert
 * still ends at its last endsAt because nobody refreshes it.
 *
 * Late changes (alert.h) are not sent: Alertmanager holds what is current,
 * and a past episode's firing/resolved pair, having the label set of an
 * alert that may be open now, would end that one.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/alerts/output.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#define AM_BATCH 500

struct amitem {
	uint64_t seq;
	char    *key;		/* label identity */
	char    *obj;		/* the object up to (not including) endsAt */
	int64_t  ends_at;	/* resolved: endsAt (ms); 0: firing */
};

struct amopen {
	char          *key;
	char          *obj;
	struct amopen *next;
};

struct am {
	char                *url;
	char                *logurl;	/* url without credentials */
	uint64_t             resend_ms;
	pthread_t            thr;
	int                  started;
	pthread_mutex_t      mu;
	pthread_cond_t       cv;
	atomic_int           stop;
	struct amitem       *q;
	size_t               qlen, qcap;
	struct amopen      **open;	/* firing alerts by key */
	size_t               opensize, nopen;
	uint64_t             emitted;
	_Atomic uint64_t     done;
	int64_t              next_resend;	/* monotonic ms; 0: now */
	int64_t              retry_at;
	uint64_t             backoff_ms;
	struct output_stats  st;
	struct log_ratelimit rl;
};

static int64_t
s_mono_ms(void)
{
	return (int64_t)(util_monotime() * 1000.0);
}

static uint64_t
s_lifetime(const struct am *a)
{
	uint64_t l = 4 * a->resend_ms;

	return l < 60000 ? 60000 : l;
}

/* ---- rendering ---- */

static void
s_label(struct buf *b, const char *name, const struct alert_str *v)
{
	struct buf t;

	buf_init(&t, 0);
	output_label_value(&t, v->p, v->len, OUTPUT_LABEL_MAX);
	buf_printf(b, ",\"%s\":", name);
	json_str(b, t.data ? t.data : "", t.len);
	buf_free(&t);
}

static const char *
s_what(enum alert_type t)
{
	switch (t) {
	case ALERT_T_DOWN:	return "is down";
	case ALERT_T_ADMIN:	return "is administratively down";
	case ALERT_T_FLAP:	return "is flapping";
	case ALERT_T_NONE:	break;
	}
	return "changed";
}

/* The identity of an alert: its labels as Alertmanager sees them. */
static char *
s_key(const struct alert_change *c)
{
	struct buf b;
	char *k;

	buf_init(&b, 0);
	buf_printf(&b, "%s", alert_name(c->type));
	buf_appendc(&b, '\x1f');
	output_label_value(&b, c->device.p, c->device.len, OUTPUT_LABEL_MAX);
	buf_appendc(&b, '\x1f');
	output_label_value(&b, c->interface.p, c->interface.len,
	    OUTPUT_LABEL_MAX);
	buf_appendc(&b, '\x1f');
	output_label_value(&b, c->severity.p, c->severity.len, OUTPUT_LABEL_MAX);
	k = xstrndup(b.data, b.len);
	buf_free(&b);
	return k;
}

/* The alert object without endsAt and its closing brace. */
static char *
s_render(const struct alert_change *c)
{
	struct buf b, t;
	int64_t now = util_wallms(), starts = c->starts_at;
	char *obj;

	if (starts <= 0 || starts > now)
		starts = starts <= 0 ? c->raised_at : now;
	buf_init(&b, 0);
	buf_init(&t, 0);
	buf_printf(&b, "{\"labels\":{\"alertname\":\"%s\"", alert_name(c->type));
	s_label(&b, "device", &c->device);
	s_label(&b, "interface", &c->interface);
	s_label(&b, "severity", &c->severity);
	buf_printf(&b, "},\"annotations\":{\"summary\":");
	output_label_value(&t, c->interface.p, c->interface.len, OUTPUT_LABEL_MAX);
	buf_printf(&t, " on ");
	output_label_value(&t, c->device.p, c->device.len, OUTPUT_LABEL_MAX);
	buf_printf(&t, " %s", s_what(c->type));
	json_str(&b, t.data, t.len);
	buf_reset(&t);
	output_label_value(&t, c->line.p, c->line.len, OUTPUT_ANNOT_MAX);
	buf_printf(&b, ",\"description\":");
	json_str(&b, t.data ? t.data : "", t.len);
	buf_reset(&t);
	output_label_value(&t, c->rule.p, c->rule.len, OUTPUT_LABEL_MAX);
	buf_printf(&b, ",\"rule\":");
	json_str(&b, t.data ? t.data : "", t.len);
	buf_printf(&b, ",\"kind\":\"%s\",\"state\":\"%s\",\"record_id\":\"%llu\""
	    "},\"startsAt\":\"", ifkind_str(c->kind), ifstate_str(c->state),
	    (unsigned long long)c->record_id);
	output_time(&b, starts);
	buf_printf(&b, "\"");
	obj = xstrndup(b.data, b.len);
	buf_free(&b);
	buf_free(&t);
	return obj;
}

/* ---- the firing set ---- */

static size_t
s_slot(const struct am *a, const char *key)
{
	return util_hash64(key, strlen(key)) & (a->opensize - 1);
}

static void
s_open_put(struct am *a, char *key, char *obj)
{
	struct amopen **pp, *o;

	if (a->nopen >= a->opensize) {
		size_t nsize = a->opensize * 2;
		struct amopen **nt = xcalloc(nsize, sizeof *nt);
		for (size_t i = 0; i < a->opensize; i++) {
			struct amopen *x = a->open[i], *nx;
			for (; x; x = nx) {
				size_t s = util_hash64(x->key, strlen(x->key)) &
				    (nsize - 1);
				nx = x->next;
				x->next = nt[s];
				nt[s] = x;
			}
		}
		free(a->open);
		a->open = nt;
		a->opensize = nsize;
	}
	for (pp = &a->open[s_slot(a, key)]; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			free((*pp)->obj);
			(*pp)->obj = obj;
			free(key);
			return;
		}
	}
	o = xcalloc(1, sizeof *o);
	o->key = key;
	o->obj = obj;
	*pp = o;
	a->nopen++;
}

static void
s_open_del(struct am *a, const char *key)
{
	struct amopen **pp, *o;

	for (pp = &a->open[s_slot(a, key)]; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			o = *pp;
			*pp = o->next;
			free(o->key);
			free(o->obj);
			free(o);
			a->nopen--;
			return;
		}
	}
}

/* ---- queue ---- */

static void
s_item_free(struct amitem *it)
{
	free(it->key);
	free(it->obj);
}

static void
s_q_remove(struct am *a, size_t i)
{
	s_item_free(&a->q[i]);
	memmove(a->q + i, a->q + i + 1, (a->qlen - i - 1) * sizeof *a->q);
	a->qlen--;
}

static void
s_update_done(struct am *a)
{
	atomic_store(&a->done, a->qlen == 0 ? a->emitted : a->q[0].seq - 1);
}

static void
s_end(struct buf *b, const struct am *a, int64_t ends_at, const char *obj)
{
	int64_t now = util_wallms();

	buf_printf(b, "%s,\"endsAt\":\"", obj);
	if (ends_at == 0) {
		output_time(b, now + (int64_t)s_lifetime(a));
	} else {
		/* Alertmanager refuses endsAt before startsAt; a device clock
		 * ahead of ours must not keep the alert open. */
		if (ends_at > now)
			ends_at = now;
		output_time(b, ends_at);
	}
	buf_printf(b, "\"}");
}

/*
 * One POST; the lock is dropped around it. Returns 1 accepted, 0 refused
 * for good (4xx), -1 failed.
 */
static int
s_post(struct am *a, CURL *h, const struct buf *body, const char *what)
{
	char err[CURL_ERROR_SIZE + 64];
	long status;

	pthread_mutex_unlock(&a->mu);
	status = h ? output_http_post(h, a->url, body->data, body->len, &a->stop,
	    err, sizeof err) : -1;
	if (h == NULL)
		snprintf(err, sizeof err, "curl_easy_init failed");
	pthread_mutex_lock(&a->mu);
	if (status >= 200 && status < 300) {
		if (a->backoff_ms > 0)
			log_info("output alertmanager: url=%s reachable again",
			    a->logurl);
		a->backoff_ms = 0;
		a->retry_at = 0;
		return 1;
	}
	if (status >= 400 && status < 500 && status != 408 && status != 429) {
		log_warnx("output alertmanager: url=%s refused %s with HTTP %ld: "
		    "dropped", a->logurl, what, status);
		return 0;
	}
	a->st.failures++;
	a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : OUTPUT_BACKOFF_MIN;
	if (a->backoff_ms > OUTPUT_BACKOFF_MAX)
		a->backoff_ms = OUTPUT_BACKOFF_MAX;
	a->retry_at = s_mono_ms() + (int64_t)a->backoff_ms;
	/* Whatever it missed meanwhile is resent once it is back. */
	a->next_resend = 0;
	if (log_ratelimit(&a->rl)) {
		if (status < 0)
			log_warnx("output alertmanager: url=%s: %s; retrying in "
			    "%llums (%zu queued)", a->logurl, err,
			    (unsigned long long)a->backoff_ms, a->qlen);
		else
			log_warnx("output alertmanager: url=%s: HTTP %ld; retrying "
			    "in %llums (%zu queued)", a->logurl, status,
			    (unsigned long long)a->backoff_ms, a->qlen);
	}
	return -1;
}

static void
s_send_queue(struct am *a, CURL *h)
{
	struct buf body;
	size_t n = a->qlen < AM_BATCH ? a->qlen : AM_BATCH;
	uint64_t last;
	int rc;

	buf_init(&body, 0);
	buf_appendc(&body, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_appendc(&body, ',');
		s_end(&body, a, a->q[i].ends_at, a->q[i].obj);
	}
	buf_appendc(&body, ']');
	last = a->q[n - 1].seq;
	rc = s_post(a, h, &body, "a batch of changes");
	buf_free(&body);
	if (rc < 0 || atomic_load(&a->stop))
		return;
	/* The main thread may have dropped items meanwhile: go by seq. */
	n = 0;
	while (n < a->qlen && a->q[n].seq <= last)
		n++;
	for (size_t i = 0; i < n; i++)
		s_item_free(&a->q[i]);
	memmove(a->q, a->q + n, (a->qlen - n) * sizeof *a->q);
	a->qlen -= n;
	if (rc > 0)
		a->st.sent += n;
	else
		a->st.dropped += n;
	s_update_done(a);
}

static void
s_resend_all(struct am *a, CURL *h)
{
	struct buf *bodies = NULL;
	size_t nb = 0, k = 0;
	int ok = 1;

	/* Render under the lock, post without it. */
	for (size_t i = 0; i < a->opensize; i++) {
		for (struct amopen *o = a->open[i]; o; o = o->next) {
			if (k % AM_BATCH == 0) {
				bodies = xrealloc(bodies, (nb + 1) * sizeof *bodies);
				buf_init(&bodies[nb], 0);
				buf_appendc(&bodies[nb], '[');
				nb++;
			} else {
				buf_appendc(&bodies[nb - 1], ',');
			}
			s_end(&bodies[nb - 1], a, 0, o->obj);
			k++;
		}
	}
	for (size_t i = 0; i < nb; i++) {
		buf_appendc(&bodies[i], ']');
		if (ok && !atomic_load(&a->stop) &&
		    s_post(a, h, &bodies[i], "firing alerts") < 0)
			ok = 0;
		buf_free(&bodies[i]);
	}
	free(bodies);
	if (ok)
		a->next_resend = s_mono_ms() + (int64_t)a->resend_ms;
}

static void
s_wait_until(struct am *a, int64_t at_ms)
{
	struct timespec ts;

	ts.tv_sec = at_ms / 1000;
	ts.tv_nsec = (at_ms % 1000) * 1000000L;
	pthread_cond_timedwait(&a->cv, &a->mu, &ts);
}

static void *
s_worker(void *arg)
{
	struct am *a = arg;
	CURL *h = curl_easy_init();

	pthread_mutex_lock(&a->mu);
	while (!atomic_load(&a->stop)) {
		int64_t now = s_mono_ms();

		if (now < a->retry_at) {
			s_wait_until(a, a->retry_at);
		} else if (a->qlen > 0) {
			s_send_queue(a, h);
		} else if (a->nopen > 0 && now >= a->next_resend) {
			s_resend_all(a, h);
		} else if (a->nopen > 0) {
			s_wait_until(a, a->next_resend);
		} else {
			pthread_cond_wait(&a->cv, &a->mu);
		}
	}
	pthread_mutex_unlock(&a->mu);
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

/* ---- ops (main thread) ---- */

static void
s_push(struct am *a, uint64_t seq, char *key, char *obj, int64_t ends_at)
{
	if (a->qlen >= OUTPUT_MAX_QUEUE) {
		size_t i;
		/* A firing entry is also in the firing set: drop it first. */
		for (i = 0; i < a->qlen && a->q[i].ends_at != 0; i++)
			;
		if (i == a->qlen) {
			i = 0;
			log_warnx("output alertmanager: url=%s queue full of "
			    "resolutions: dropping seq=%llu (it expires at its last "
			    "endsAt)", a->logurl, (unsigned long long)a->q[0].seq);
		} else {
			a->next_resend = 0;
		}
		s_q_remove(a, i);
		a->st.dropped++;
	}
	if (a->qlen == a->qcap) {
		a->qcap = a->qcap ? a->qcap * 2 : 64;
		a->q = xrealloc(a->q, a->qcap * sizeof *a->q);
	}
	a->q[a->qlen++] = (struct amitem){ seq, key, obj, ends_at };
}

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct am *a = o->priv;
	char *key, *obj;

	(void)json;
	(void)len;
	if (c->late) {
		/* An episode that is over and was never current: Alertmanager
		 * holds current alerts, and a late firing/resolved pair with the
		 * label set of an alert open now would end that one. */
		pthread_mutex_lock(&a->mu);
		a->emitted = c->seq;
		s_update_done(a);
		pthread_mutex_unlock(&a->mu);
		return 0;
	}
	key = s_key(c);
	obj = s_render(c);
	pthread_mutex_lock(&a->mu);
	if (c->status == ALERT_RESOLVED) {
		s_open_del(a, key);
		s_push(a, c->seq, key, obj, c->ends_at > 0 ? c->ends_at :
		    c->raised_at);
	} else {
		s_open_put(a, xstrdup(key), xstrdup(obj));
		s_push(a, c->seq, key, obj, 0);
	}
	a->emitted = c->seq;
	s_update_done(a);
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return 0;
}

static void
s_seed(struct output *o, const struct alert_change *opened)
{
	struct am *a = o->priv;

	pthread_mutex_lock(&a->mu);
	s_open_put(a, s_key(opened), s_render(opened));
	a->next_resend = 0;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static uint64_t
s_delivered(struct output *o)
{
	struct am *a = o->priv;

	return atomic_load(&a->done);
}

static void
s_reconf(struct output *o, const struct conf_output *c)
{
	struct am *a = o->priv;

	pthread_mutex_lock(&a->mu);
	if (c->resend_ms > 0)
		a->resend_ms = c->resend_ms;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

static void
s_stats(struct output *o, struct output_stats *st)
{
	struct am *a = o->priv;

	pthread_mutex_lock(&a->mu);
	*st = a->st;
	pthread_mutex_unlock(&a->mu);
}

static void
s_free(struct output *o)
{
	struct am *a = o->priv;

	if (a == NULL)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		atomic_store(&a->stop, 1);
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thr, NULL);
	}
	for (size_t i = 0; i < a->qlen; i++)
		s_item_free(&a->q[i]);
	free(a->q);
	for (size_t i = 0; i < a->opensize; i++) {
		struct amopen *x = a->open[i], *nx;
		for (; x; x = nx) {
			nx = x->next;
			free(x->key);
			free(x->obj);
			free(x);
		}
	}
	free(a->open);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->url);
	free(a->logurl);
	free(a);
	o->priv = NULL;
}

static const struct output_ops s_ops = {
	.type = "alertmanager",
	.emit = s_emit,
	.delivered = s_delivered,
	.seed = s_seed,
	.reconf = s_reconf,
	.stats = s_stats,
	.free = s_free,
};

struct output *
out_alertmanager_new(const struct conf_output *c, char *err, size_t errlen)
{
	static const char api[] = "/api/v2/alerts";
	struct output *o;
	struct am *a;
	pthread_condattr_t ca;
	size_t ulen;

	if (c->url == NULL || (strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "alertmanager output: url must be http:// "
		    "or https://");
		return NULL;
	}
	output_http_global_init();
	a = xcalloc(1, sizeof *a);
	ulen = strlen(c->url);
	while (ulen > 0 && c->url[ulen - 1] == '/')
		ulen--;
	if (ulen >= sizeof api - 1 &&
	    strncmp(c->url + ulen - (sizeof api - 1), api, sizeof api - 1) == 0)
		a->url = xstrndup(c->url, ulen);
	else
		a->url = xasprintf("%.*s%s", (int)ulen, c->url, api);
	a->logurl = output_url_redact(a->url);
	a->resend_ms = c->resend_ms > 0 ? c->resend_ms : 60000;
	a->opensize = 64;
	a->open = xcalloc(a->opensize, sizeof *a->open);
	a->rl.interval = 10;
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	o = xcalloc(1, sizeof *o);
	o->ops = &s_ops;
	o->priv = a;
	if (pthread_create(&a->thr, NULL, s_worker, a) != 0) {
		snprintf(err, errlen, "alertmanager output: cannot start its thread");
		output_free(&o);
		return NULL;
	}
	a->started = 1;
	return o;
}
