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
 *
 * Annotations: summary, line (the log line, when there is one), description
 * (the interface's, when it has one), rule, kind, state, record_id,
 * received_at (when the collector read it, when known), and for a change a
 * snapshot made, reconciled "true" and reason. A description is the
 * device's text: like every device string it is cut (OUTPUT_DESCR_MAX
 * bytes, whatever the engine did), made valid UTF-8 without control
 * characters (output_label_value) and escaped (json_str), so it can only
 * ever be the value of its own key.
 *
 * With description_label: true the description is also the label
 * "description", so routes and inhibitions can match on it. A label is
 * part of the alert's identity in Alertmanager: an alert keeps the label it
 * fired with until it resolves (its resolution carries the same one, even
 * if the description changed meanwhile), or the resolution would name
 * another alert and the first would keep firing.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/alerts/out_http.h"
#include "analyzer/alerts/output.h"
#include "common/json.h"
#include "common/log.h"
#include "common/util.h"

#define AM_BATCH 500

/* The plugin: {type: alertmanager, url: URL, resend: 60s,
 * description_label: false} */
struct am_conf {
	char    *url;
	uint64_t resend_ms;
	int      description_label;	/* index in s_bool: 0 false, 1 true */
};

static const char *const s_bool[] = { "false", "true", NULL };

static const struct conf_key s_keys[] = {
	CONF_KREQ("url", CK_URL, offsetof(struct am_conf, url),
	    "Alertmanager base URL"),
	CONF_K("resend", CK_DURATION, offsetof(struct am_conf, resend_ms), "60s",
	    CONF_SEC, CONF_DAY, "re-send firing alerts this often"),
	{ .name = "description_label", .type = CK_ENUM,
	  .off = offsetof(struct am_conf, description_label), .def = "false",
	  .names = s_bool, .flag_off = CONF_NO_OFF,
	  .desc = "true: the interface description is also a label" },
	{ 0 }
};

/*
 * The queue lives in the shared worker (out_http.h): each entry's key is
 * the label identity, its body the object up to (not including) endsAt, its
 * arg the endsAt of a resolution (ms), 0 for a firing alert.
 */
struct amopen {
	char          *key;
	char          *obj;
	char          *dlabel;	/* the description label it fired with; NULL */
	struct amopen *next;
};

/* The backend's state, under the worker's lock. */
struct am {
	uint64_t             resend_ms;
	int                  descr_label;	/* description_label */
	struct amopen      **open;	/* firing alerts by key */
	size_t               opensize, nopen;
	int64_t              next_resend;	/* monotonic ms; 0: now */
};

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

/*
 * The description as a label value (malloc'd), or NULL when there is none:
 * an empty label is no label to Alertmanager.
 */
static char *
s_dlabel(const struct alert_change *c)
{
	struct buf t;
	char *v;

	buf_init(&t, 0);
	output_label_value(&t, c->description.p, output_cut(c->description.p,
	    c->description.len, OUTPUT_DESCR_MAX), OUTPUT_LABEL_MAX);
	v = t.len > 0 ? xstrndup(t.data, t.len) : NULL;
	buf_free(&t);
	return v;
}

/* An annotation of device bytes, when there are any. */
static void
s_annot(struct buf *b, const char *name, const char *p, size_t len, size_t max)
{
	struct buf t;

	if (len == 0)
		return;
	buf_init(&t, 0);
	output_label_value(&t, p, len, max);
	buf_printf(b, ",\"%s\":", name);
	json_str(b, t.data ? t.data : "", t.len);
	buf_free(&t);
}

/*
 * The alert object without endsAt and its closing brace. dlabel: the
 * description label (clean, from s_dlabel), or NULL for none.
 */
static char *
s_render(const struct alert_change *c, const char *dlabel)
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
	if (dlabel) {
		buf_printf(&b, ",\"description\":");
		json_str(&b, dlabel, strlen(dlabel));
	}
	buf_printf(&b, "},\"annotations\":{\"summary\":");
	output_label_value(&t, c->interface.p, c->interface.len, OUTPUT_LABEL_MAX);
	buf_printf(&t, " on ");
	output_label_value(&t, c->device.p, c->device.len, OUTPUT_LABEL_MAX);
	buf_printf(&t, " %s", s_what(c->type));
	json_str(&b, t.data, t.len);
	buf_reset(&t);
	s_annot(&b, "line", c->line.p, c->line.len, OUTPUT_ANNOT_MAX);
	/* Each input byte is at most 3 output bytes (U+FFFD): never cut twice. */
	s_annot(&b, "description", c->description.p, output_cut(c->description.p,
	    c->description.len, OUTPUT_DESCR_MAX), 3 * OUTPUT_DESCR_MAX);
	output_label_value(&t, c->rule.p, c->rule.len, OUTPUT_LABEL_MAX);
	buf_printf(&b, ",\"rule\":");
	json_str(&b, t.data ? t.data : "", t.len);
	buf_printf(&b, ",\"kind\":\"%s\",\"state\":\"%s\",\"record_id\":\"%llu\"",
	    ifkind_str(c->kind), ifstate_str(c->state),
	    (unsigned long long)c->record_id);
	if (c->reconciled) {
		buf_printf(&b, ",\"reconciled\":\"true\"");
		s_annot(&b, "reason", c->reason.p, output_cut(c->reason.p,
		    c->reason.len, ALERT_MAX_FIELD), OUTPUT_LABEL_MAX);
	}
	if (c->received_at != 0) {
		buf_printf(&b, ",\"received_at\":\"");
		output_time(&b, c->received_at);
		buf_printf(&b, "\"");
	}
	buf_printf(&b, "},\"startsAt\":\"");
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

/* The open entry of key, or NULL. */
static struct amopen *
s_open_get(const struct am *a, const char *key)
{
	for (struct amopen *o = a->open[s_slot(a, key)]; o; o = o->next)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Takes key, obj and dlabel. */
static void
s_open_put(struct am *a, char *key, char *obj, char *dlabel)
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
			free((*pp)->dlabel);
			(*pp)->dlabel = dlabel;
			free(key);
			return;
		}
	}
	o = xcalloc(1, sizeof *o);
	o->key = key;
	o->obj = obj;
	o->dlabel = dlabel;
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
			free(o->dlabel);
			free(o);
			a->nopen--;
			return;
		}
	}
}

/* ---- the worker's side ---- */

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

/* One POST (the lock is dropped around it); see out_http_post(). */
static int
s_post(struct out_http *h, void *curl, const struct buf *body,
    const char *what)
{
	struct am *a = h->ctx;
	int rc = out_http_post(h, curl, body->data, body->len, what);

	/* Whatever it missed meanwhile is resent once it is back. */
	if (rc < 0)
		a->next_resend = 0;
	return rc;
}

static void
s_send_queue(struct out_http *h, void *curl)
{
	struct am *a = h->ctx;
	struct buf body;
	size_t n = h->len < AM_BATCH ? h->len : AM_BATCH;
	uint64_t last;
	int rc;

	buf_init(&body, 0);
	buf_appendc(&body, '[');
	for (size_t i = 0; i < n; i++) {
		struct out_http_item *it = out_http_at(h, i);

		if (i)
			buf_appendc(&body, ',');
		s_end(&body, a, it->arg, it->body);
	}
	buf_appendc(&body, ']');
	last = out_http_at(h, n - 1)->seq;
	rc = s_post(h, curl, &body, "batch=changes");
	buf_free(&body);
	if (rc < 0 || atomic_load(&h->stop))
		return;
	/* The main thread may have dropped items meanwhile: go by seq. */
	n = 0;
	while (h->len > 0 && out_http_at(h, 0)->seq <= last) {
		out_http_remove(h, 0);
		n++;
	}
	if (rc > 0)
		h->st.sent += n;
	else
		h->st.dropped += n;
	out_http_update_done(h);
}

static void
s_resend_all(struct out_http *h, void *curl)
{
	struct am *a = h->ctx;
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
		if (ok && !atomic_load(&h->stop) &&
		    s_post(h, curl, &bodies[i], "batch=firing") < 0)
			ok = 0;
		buf_free(&bodies[i]);
	}
	free(bodies);
	if (ok)
		a->next_resend = out_http_now_ms() + (int64_t)a->resend_ms;
}

/* Changes first, in order; then the firing set when a resend is due. */
static int
s_step(struct out_http *h, void *curl, int64_t now_ms, int64_t *wake_at)
{
	struct am *a = h->ctx;

	if (h->len > 0) {
		s_send_queue(h, curl);
		return 1;
	}
	if (a->nopen > 0 && now_ms >= a->next_resend) {
		s_resend_all(h, curl);
		return 1;
	}
	if (a->nopen > 0)
		*wake_at = a->next_resend;
	return 0;
}

/* ---- ops (main thread) ---- */

static void
s_push(struct out_http *h, uint64_t seq, char *key, char *obj,
    int64_t ends_at)
{
	struct am *a = h->ctx;

	if (h->len >= OUTPUT_MAX_QUEUE) {
		size_t i;
		/* A firing entry is also in the firing set: drop it first. */
		for (i = 0; i < h->len && out_http_at(h, i)->arg != 0; i++)
			;
		if (i == h->len) {
			i = 0;
			/* That alert expires at its last endsAt. */
			log_warnx("output alertmanager: url=%s queue full of "
			    "resolutions dropped seq=%llu", h->logurl,
			    (unsigned long long)out_http_at(h, 0)->seq);
		} else {
			a->next_resend = 0;
		}
		out_http_remove(h, i);
		h->st.dropped++;
	}
	out_http_push(h, (struct out_http_item){ .seq = seq, .key = key,
	    .body = obj, .len = strlen(obj), .arg = ends_at });
}

/*
 * The description label a change of alert key carries (malloc'd; NULL:
 * none): while the alert is open, the one it fired with, so its label set
 * stays one alert's; else the change's own, when the option is on.
 */
static char *
s_dlabel_for(const struct am *a, const char *key, const struct alert_change *c)
{
	const struct amopen *o = s_open_get(a, key);

	if (o)
		return o->dlabel ? xstrdup(o->dlabel) : NULL;
	return a->descr_label ? s_dlabel(c) : NULL;
}

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct out_http *h = o->priv;
	struct am *a = h->ctx;
	char *key, *obj, *dlabel;

	(void)json;
	(void)len;
	if (c->late) {
		/* An episode that is over and was never current: Alertmanager
		 * holds current alerts, and a late firing/resolved pair with the
		 * label set of an alert open now would end that one. */
		pthread_mutex_lock(&h->mu);
		h->emitted = c->seq;
		out_http_update_done(h);
		pthread_mutex_unlock(&h->mu);
		return 0;
	}
	key = s_key(c);
	pthread_mutex_lock(&h->mu);
	dlabel = s_dlabel_for(a, key, c);
	obj = s_render(c, dlabel);
	if (c->status == ALERT_RESOLVED) {
		s_open_del(a, key);
		free(dlabel);
		s_push(h, c->seq, key, obj, c->ends_at > 0 ? c->ends_at :
		    c->raised_at);
	} else {
		s_open_put(a, xstrdup(key), xstrdup(obj), dlabel);
		s_push(h, c->seq, key, obj, 0);
	}
	out_http_taken(h, c->seq);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static void
s_seed(struct output *o, const struct alert_change *opened)
{
	struct out_http *h = o->priv;
	struct am *a = h->ctx;

	char *key = s_key(opened), *dlabel;

	pthread_mutex_lock(&h->mu);
	dlabel = s_dlabel_for(a, key, opened);
	s_open_put(a, key, s_render(opened, dlabel), dlabel);
	a->next_resend = 0;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void
s_reconf(struct output *o, const void *opts)
{
	const struct am_conf *c = opts;
	struct out_http *h = o->priv;
	struct am *a = h->ctx;

	pthread_mutex_lock(&h->mu);
	if (c->resend_ms > 0)
		a->resend_ms = c->resend_ms;
	/* Alerts open now keep the labels they fired with (s_dlabel_for). */
	a->descr_label = c->description_label == 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static void
s_am_free(void *ctx)
{
	struct am *a = ctx;

	if (a == NULL)
		return;
	for (size_t i = 0; i < a->opensize; i++) {
		struct amopen *x = a->open[i], *nx;
		for (; x; x = nx) {
			nx = x->next;
			free(x->key);
			free(x->obj);
			free(x->dlabel);
			free(x);
		}
	}
	free(a->open);
	free(a);
}

static const struct output_ops s_ops = {
	.type = "alertmanager",
	.emit = s_emit,
	.delivered = out_http_delivered,
	.seed = s_seed,
	.reconf = s_reconf,
	.stats = out_http_stats,
	.free = out_http_free,
};

static const struct out_http_backend s_backend = {
	.type = "alertmanager",
	.step = s_step,
	.free = s_am_free,
};

static char *
s_conf_key(const void *opts)
{
	const struct am_conf *c = opts;

	return output_url_key("alertmanager", c->url);
}

static struct output *
s_new(const void *opts, const struct mq_opts *zopts, char *err, size_t errlen)
{
	static const char api[] = "/api/v2/alerts";
	const struct am_conf *c = opts;
	struct output *o;
	struct am *a;
	char *url;
	size_t ulen;

	(void)zopts;
	if (c->url == NULL || (strncmp(c->url, "http://", 7) != 0 &&
	    strncmp(c->url, "https://", 8) != 0)) {
		snprintf(err, errlen, "alertmanager output: url must be http:// "
		    "or https://");
		return NULL;
	}
	ulen = strlen(c->url);
	while (ulen > 0 && c->url[ulen - 1] == '/')
		ulen--;
	if (ulen >= sizeof api - 1 &&
	    strncmp(c->url + ulen - (sizeof api - 1), api, sizeof api - 1) == 0)
		url = xstrndup(c->url, ulen);
	else
		url = xasprintf("%.*s%s", (int)ulen, c->url, api);
	a = xcalloc(1, sizeof *a);
	a->resend_ms = c->resend_ms > 0 ? c->resend_ms : 60000;
	a->descr_label = c->description_label == 1;
	a->opensize = 64;
	a->open = xcalloc(a->opensize, sizeof *a->open);
	o = out_http_new(&s_ops, &s_backend, a, url, err, errlen);
	free(url);
	return o;
}

static const struct output_impl s_impl = { .key = s_conf_key, .make = s_new };
const struct conf_plugin out_alertmanager_plugin = {
	.name = "alertmanager", .keys = s_keys, .size = sizeof(struct am_conf),
	.impl = &s_impl,
};
