/*
 * output.h — where alert changes go: JSON lines, Alertmanager, a webhook,
 * a ZeroMQ PUB socket, any combination (conf.h, alerts.outputs).
 *
 * Every change gets a stage-wide sequence number and first lands in the
 * outbox, which alertstate persists with the interface state. Each output
 * keeps a cursor, the highest seq it has delivered for good; the outbox
 * keeps what some output still lacks, so a crash, a dead Alertmanager or a
 * full disk delays a change but does not lose it:
 *   jsonl         write(2) + fdatasync before the stage acks; at start the
 *                 file's last line tells which seq is already there, so a
 *                 crash between write and cursor never doubles a line;
 *   alertmanager  a worker thread POSTs to /api/v2/alerts (libcurl), resends
 *                 firing alerts every `resend`, retries with backoff;
 *   webhook       a worker thread POSTs each change's JSON object, in order,
 *                 with retries (at least once: receivers dedupe on "seq");
 *   zmq           PUB, two frames: device (topic), JSON (best effort, as PUB is).
 *                 With curve configured a tcp PUB is a CURVE server: only
 *                 subscribers on the allow list get in.
 * The outbox is bounded (OUTPUT_MAX_OUTBOX); past it the oldest changes are
 * dropped for the outputs that lag, counted and logged.
 */
#ifndef LOGHAUL_OUTPUT_H
#define LOGHAUL_OUTPUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"
#include "common/buf.h"
#include "common/conf.h"
#include "common/conf_key.h"

#define OUTPUT_MAX_OUTBOX   50000u
#define OUTPUT_MAX_QUEUE    20000u	/* per HTTP output */
#define OUTPUT_LABEL_MAX    256u	/* bytes of an Alertmanager label value */
#define OUTPUT_ANNOT_MAX    4096u	/* bytes of an annotation */
/* Bytes of an interface description any output takes: the engine's cut,
 * applied again, as outputs trust no length they are handed. */
#define OUTPUT_DESCR_MAX    ALERT_MAX_DESCR
#define OUTPUT_BACKOFF_MIN  1000u	/* ms */
#define OUTPUT_BACKOFF_MAX  60000u

struct output_stats {
	uint64_t sent;		/* changes delivered */
	uint64_t failures;	/* failed attempts (write, HTTP, send) */
	uint64_t dropped;	/* changes given up on (queue full, refused) */
};

struct output;

/* What a backend implements. */
struct output_ops {
	const char *type;
	/* Take one change (json is output_json() of it, no newline). 0 taken;
	 * -1 not now (the set retries it after a backoff). */
	int      (*emit)(struct output *o, const struct alert_change *c,
	    const char *json, size_t len);
	/* Make what emit took durable; 0 or -1. NULL: nothing to do. */
	int      (*flush)(struct output *o);
	/* Highest seq delivered for good; NULL: what emit took, once flushed. */
	uint64_t (*delivered)(struct output *o);
	/* An alert that is open at start (state loaded): resend it. NULL: no. */
	void     (*seed)(struct output *o, const struct alert_change *opened);
	void     (*tick)(struct output *o, int64_t now_ms);
	void     (*reopen)(struct output *o);	/* SIGHUP: logrotate */
	void     (*reconf)(struct output *o, const void *opts);	/* SIGHUP */
	void     (*stats)(struct output *o, struct output_stats *st);
	void     (*free)(struct output *o);
};

struct output {
	const struct output_ops *ops;
	char    *key;		/* "jsonl:PATH" ...: identity across restarts */
	uint64_t handed;	/* highest seq given to emit */
	uint64_t done;		/* highest seq delivered for good */
	uint64_t floor;		/* seqs up to here were dropped for it */
	int64_t  retry_at;	/* wall ms; 0 none */
	uint64_t backoff_ms;
	struct output_stats st;	/* kept by the set (sync) or backend */
	void    *priv;
};

/*
 * An output is a plugin (conf_key.h): its file declares its name, its keys
 * (with types, ranges and defaults, checked by the configuration loader)
 * and, as the plugin's impl, the two functions below. Adding an output is
 * its file plus one line in OUTPUT_PLUGINS (output.c).
 */
struct mq_opts;
struct output_impl {
	/* The identity of the output in the state file (output_key). */
	char          *(*key)(const void *opts);
	/* A new output or NULL with err set; zopts: the options of ZeroMQ
	 * sockets (CURVE applies to tcp only). */
	struct output *(*make)(const void *opts, const struct mq_opts *zopts,
	    char *err, size_t errlen);
};

/* Register the plugins with the configuration (before any conf_load). */
void output_plugins_register(void);
/* The plugin named name, or NULL. */
const struct conf_plugin *output_plugin(const char *name);
/* Build one configured output; NULL with err set. Caller owns it. */
struct output *output_new(const struct conf_output *c,
    const struct mq_opts *zopts, char *err, size_t errlen);
/* Free any output (calls ops->free). */
void output_free(struct output **o);
/*
 * "jsonl:PATH", "zmq:ENDPOINT", "alertmanager:URL#HASH": the identity of an
 * output in the state file; URLs lose userinfo and query (they may hold
 * credentials) and a hash of the whole URL tells them apart. malloc'd.
 */
char *output_key(const struct conf_output *c);
/* "TYPE:REDACTED-URL#HASH", the key of an output that posts to url. */
char *output_url_key(const char *type, const char *url);
/* A URL fit for logs: no userinfo, query or fragment. malloc'd. */
char *output_url_redact(const char *url);

/* ---- the set: outbox + outputs ---- */

struct output_set;

/* zopts: options for zmq outputs, copied (NULL: mq defaults). */
struct output_set *output_set_new(const struct mq_opts *zopts);
void output_set_free(struct output_set **s);

/*
 * Build the outputs of a configuration. Outputs whose key is unchanged are
 * kept as they are (queues, open alerts, cursors); new ones start at the
 * current end of the outbox; removed ones are freed. On error (an output
 * cannot be created) nothing changes, -1 and err.
 */
int output_set_configure(struct output_set *s, const struct conf_output *outs,
    size_t n, uint64_t next_seq, char *err, size_t errlen);

/*
 * Take over a loaded outbox (the list is emptied) and the cursors. An
 * output without a cursor starts after the outbox: it never saw those.
 */
void output_set_restore(struct output_set *s, struct alert_changes *outbox,
    const struct alertstate_cursors *cursors);
/* Give every open alert of e to the outputs that resend them (start). */
void output_set_seed(struct output_set *s, const struct alert_engine *e);

/* Append one change to the outbox; the set owns it. */
void output_set_push(struct output_set *s, struct alert_change *c);
/*
 * Hand each output what it has not seen yet, up to seq upto (what is
 * durable: a change is never delivered before alertstate has it, or a
 * crash could deliver it twice), flush, trim the outbox.
 */
void output_set_pump(struct output_set *s, uint64_t upto, int64_t now_ms);
/* Timers (retries, resends), then a pump up to upto. */
void output_set_tick(struct output_set *s, uint64_t upto, int64_t now_ms);
void output_set_reopen(struct output_set *s);

/* The outbox as it is now (persistence), and the cursors to persist. */
struct alert_change *const *output_set_outbox(const struct output_set *s,
    size_t *n);
void output_set_cursors(const struct output_set *s, struct alertstate_cursors *c);
size_t output_set_count(const struct output_set *s);
struct output *output_set_get(const struct output_set *s, size_t i);
/* Changes not yet delivered by every output (health, metrics). */
size_t output_set_backlog(const struct output_set *s);

/* ---- JSON ---- */

/*
 * The JSON object of a change, one line: seq, alert, status, device,
 * interface, state, kind, rule, event, severity, platform, device_time,
 * device_time_raw, record_id, starts_at, ends_at, raised_at, received_at
 * (when the collector read the line or table: the time, or null when
 * unknown), late (true: an episode revealed by an event that arrived after
 * newer ones), reconciled (true: made by a snapshot of the device's
 * interface table, not a line), reason (why that snapshot was taken:
 * "start", "periodic", "wrap"...; always present, "" when not
 * reconciled), description (the interface's, at most OUTPUT_DESCR_MAX
 * bytes of it; always present, "" when none), line. Times are RFC 3339
 * UTC with milliseconds. Every key is always present, so consumers need
 * no defaults.
 */
void output_json(struct buf *b, const struct alert_change *c);
/*
 * How many of p's len bytes to keep to stay within max: len when it fits,
 * else cut where no valid UTF-8 character is split.
 */
size_t output_cut(const void *p, size_t len, size_t max);
/*
 * A label value: valid UTF-8 without control characters (each invalid byte
 * or control character becomes U+FFFD), at most max bytes (cut at a
 * character boundary), appended unquoted and unescaped to b.
 */
void output_label_value(struct buf *b, const void *p, size_t len, size_t max);
/* "2026-11-22T01:02:03.456Z"; appended without quotes. */
void output_time(struct buf *b, int64_t ms);

/* ---- HTTP, for the backends ---- */

/*
 * POST body to url with libcurl (handle is a CURL *), Content-Type JSON,
 * bounded by connect/total timeouts; aborts early when *stop turns
 * non-zero. Returns the HTTP status (>= 100), or -1 with err set when no
 * response came.
 */
long output_http_post(void *curl, const char *url, const char *body,
    size_t len, const atomic_int *stop, char *err, size_t errlen);
/* curl_global_init once, from the main thread. */
void output_http_global_init(void);

#endif
