/*
 * conf.c — the deployment's YAML configuration.
 *
 * Every key is a row of a table (name, type, default, offset, range,
 * description), in the manner of Fluent Bit's config_map: the same table
 * sets the defaults, reads the file, refuses unknown keys and frees the
 * result, so a new key is one line. Loading is conf_defaults() first, the
 * file on top (each value checked as it is read, while its line is at
 * hand), then s_validate() for the checks that involve several keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/conf_key.h"
#include "common/inventory.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/util.h"
#include "common/wire.h"
#include "common/ydoc.h"

#define NO_OFF	CONF_NO_OFF
#define C(m)	offsetof(struct conf, m)
#define SEC	CONF_SEC
#define MIN	CONF_MIN
#define HOUR	CONF_HOUR
#define DAY	CONF_DAY
/* A key; a required one; an enum; a nested section. */
#define K	CONF_K
#define KREQ	CONF_KREQ
#define KENUM(n, o, d, nm, ds) \
	{ .name = n, .type = CK_ENUM, .off = o, .def = d, .names = nm, \
	  .flag_off = NO_OFF, .desc = ds }
#define SECTION(n, s, d)	{ .name = n, .type = CK_SECTION, .sub = s, \
				  .off = NO_OFF, .flag_off = NO_OFF, .desc = d }

static const char *const hostkey_names[] = { "strict", "accept-new", NULL };
static const char *const incremental_names[] = { "off", "auto", NULL };

static const struct conf_key inventory_keys[] = {
	K("hosts", CK_PATH, C(inventory.hosts), "hosts.yaml", 0, 0,
	    "Nornir SimpleInventory hosts file"),
	K("groups", CK_PATH, C(inventory.groups), NULL, 0, 0,
	    "groups file (default: groups.yaml beside hosts, if any)"),
	K("defaults", CK_PATH, C(inventory.defaults), NULL, 0, 0,
	    "defaults file (default: defaults.yaml beside hosts, if any)"),
	{ 0 }
};

static const struct conf_key timeout_keys[] = {
	/* What collector/sshc.c's sshc_enter() gives each state. */
	K("connect", CK_DURATION, C(ssh.connect_ms), "10s", 100, HOUR,
	    "name resolution and TCP connect (all of a name's addresses)"),
	K("banner", CK_DURATION, C(ssh.banner_ms), "10s", 100, HOUR,
	    "SSH handshake: server banner, key exchange, host key check"),
	K("auth", CK_DURATION, C(ssh.auth_ms), "10s", 100, HOUR,
	    "authentication"),
	K("command", CK_DURATION, C(ssh.command_ms), "30s", 100, HOUR,
	    "channel, shell and the first prompt, then each command: the device "
	    "must send something within it, and finish within 4 times it"),
	{ 0 }
};

static const struct conf_key ssh_keys[] = {
	K("known_hosts", CK_PATH, C(ssh.known_hosts),
	    "/etc/loghaul/known_hosts", 0, 0,
	    "OpenSSH known_hosts file devices are checked against"),
	KENUM("host_key_policy", C(ssh.host_key_policy), "strict",
	    hostkey_names, "strict, or accept-new (trust on first use)"),
	SECTION("timeouts", timeout_keys, "per-phase timeouts"),
	K("keepalive", CK_DURATION, C(ssh.keepalive_ms), "30s", 0, HOUR,
	    "idle keepalive on persistent sessions; 0 turns it off"),
	{ 0 }
};

static const struct conf_key backoff_keys[] = {
	K("min", CK_DURATION, C(collector.backoff_min_ms), "1s", 10, HOUR,
	    "first retry delay after a failed poll"),
	K("max", CK_DURATION, C(collector.backoff_max_ms), "5m", 10, DAY,
	    "longest retry delay"),
	{ 0 }
};

static const struct conf_key clock_keys[] = {
	K("check", CK_DURATION, C(collector.clock_check_ms), "1h", 0, DAY,
	    "read each device's clock (show clock) on its first session, after "
	    "a failed poll and this often; 0 turns it off"),
	K("skew_warn", CK_DURATION, C(collector.clock_skew_warn_ms), "10s", 0,
	    DAY, "log a device whose clock is further than this from the "
	    "collector's"),
	{ 0 }
};

static const struct conf_key collector_keys[] = {
	K("interval", CK_DURATION, C(collector.interval_ms), "30s", 100, DAY,
	    "poll interval per device"),
	K("max_sessions", CK_INT, C(collector.max_sessions), "64", 1, 100000,
	    "SSH sessions working at once, per process"),
	K("processes", CK_INT, C(collector.processes), "1", 1, 1024,
	    "collector processes sharing the inventory"),
	K("state_dir", CK_PATH, C(collector.state_dir), NULL, 0, 0,
	    "cursors are kept here (unset: " COLLECTOR_STATE_DIR_DEFAULT
	    ", or memory only with --print)"),
	K("push", CK_ENDPOINT, C(collector.push), "tcp://127.0.0.1:5550", 0, 0,
	    "PUSH endpoint analyzers connect to"),
	K("acks", CK_ENDPOINT, C(collector.acks), NULL, 0, 0,
	    "ack endpoint (default: derived from push)"),
	K("ack_timeout", CK_DURATION, C(collector.ack_timeout_ms), "30s",
	    100, HOUR, "re-send an unacked batch after this"),
	K("max_backlog", CK_INT, C(collector.max_backlog), "10000", 1, 10000000,
	    "unacked batches held before polling pauses"),
	K("batch_max_records", CK_INT, C(collector.batch_max_records), "512",
	    1, 1000000,
	    "records per batch"),
	K("archive_dir", CK_PATH, C(collector.archive_dir), NULL, 0, 0,
	    "optional per-device raw log archive"),
	KENUM("incremental", C(collector.incremental), "auto",
	    incremental_names, "ask devices only for what follows the cursor"),
	K("full_read_every", CK_INT, C(collector.full_read_every), "100", 0,
	    1000000, "a full read every N polls as a check (0: only when needed)"),
	K("snapshot_interval", CK_DURATION, C(collector.snapshot_interval_ms),
	    "15m", 0, DAY, "read each device's interface table this often, "
	    "besides at session start and after a gap (0: only then)"),
	SECTION("backoff", backoff_keys, "retry delays after failures"),
	K("metrics", CK_HOSTPORT, C(collector.metrics), NULL, 0, 0,
	    "metrics listener (default: metrics.listen)"),
	SECTION("clock", clock_keys, "device clock checks"),
	{ 0 }
};

/* One entry of analyzer.collectors written as a mapping. */
struct upstream_entry {
	char *push, *acks;
};

static const struct conf_key upstream_keys[] = {
	CONF_KREQ("push", CK_ENDPOINT, offsetof(struct upstream_entry, push),
	    "the collector's push endpoint"),
	K("acks", CK_ENDPOINT, offsetof(struct upstream_entry, acks), NULL, 0,
	    0, "its ack endpoint (default: derived from push)"),
	{ 0 }
};

static const struct conf_key analyzer_keys[] = {
	{ .name = "collectors", .type = CK_UPSTREAMV,
	  .off = C(analyzer.collectors), .aux_off = C(analyzer.collector_acks),
	  .def = "tcp://127.0.0.1:5550", .min = 1, .sub = upstream_keys,
	  .flag_off = NO_OFF,
	  .desc = "collectors to connect to: push endpoints, or "
	    "{push: EP, acks: EP} to name the ack endpoint" },
	K("rules", CK_GLOBV, C(analyzer.rules), "/etc/loghaul/rules/*.yaml",
	    0, 0, "rule files (glob patterns)"),
	K("alerts", CK_ENDPOINT, C(analyzer.alerts), "tcp://127.0.0.1:5560",
	    0, 0, "alert stage endpoint"),
	K("workers", CK_INT, C(analyzer.workers), "1", 1, 1024,
	    "matching threads"),
	K("match_limit", CK_U32, C(analyzer.match_limit), "10000", 1,
	    UINT32_MAX, "PCRE2 match limit per line"),
	K("metrics", CK_HOSTPORT, C(analyzer.metrics), NULL, 0, 0,
	    "metrics listener (default: metrics.listen)"),
	{ 0 }
};

static const struct conf_key flap_keys[] = {
	K("changes", CK_INT, C(alerts.flap_changes), "5", 2, 1000000,
	    "state changes within window that make a flap"),
	K("window", CK_DURATION, C(alerts.flap_window_ms), "60s", SEC, DAY,
	    "flap detection window"),
	K("stable", CK_DURATION, C(alerts.flap_stable_ms), "120s", 0, DAY,
	    "quiet time that ends a flap"),
	{ 0 }
};

static const struct conf_key alerts_keys[] = {
	K("listen", CK_ENDPOINT, C(alerts.listen), "tcp://127.0.0.1:5560", 0, 0,
	    "endpoint analyzers push events to"),
	K("state_dir", CK_PATH, C(alerts.state_dir), "/var/lib/loghaul", 0, 0,
	    "interface state is kept here"),
	SECTION("flap", flap_keys, "flap detection"),
	K("outputs", CK_PLUGINS, NO_OFF, NULL, 0, 0,
	    "where alerts go (default: JSON lines on stdout)"),
	K("metrics", CK_HOSTPORT, C(alerts.metrics), NULL, 0, 0,
	    "metrics listener (default: metrics.listen)"),
	{ 0 }
};

static const struct conf_key metrics_keys[] = {
	K("listen", CK_HOSTPORT, C(metrics.listen), NULL, 0, 0,
	    "HOST:PORT of the metrics and health server; unset: none"),
	{ 0 }
};

static const struct conf_key curve_keys[] = {
	K("secret_key", CK_PATH, C(curve.secret_key), NULL, 0, 0,
	    "this process's key pair file"),
	K("public_key", CK_PATH, C(curve.public_key), NULL, 0, 0,
	    "this process's public key"),
	K("server_key", CK_PATH, C(curve.server_key), NULL, 0, 0,
	    "the server's public key, for connecting sockets"),
	K("allow", CK_GLOBV, C(curve.allow), NULL, 0, 0,
	    "public keys admitted by the ZAP handler (glob patterns)"),
	{ 0 }
};

static const struct conf_key top_keys[] = {
	SECTION("inventory", inventory_keys, "inventory files"),
	SECTION("ssh", ssh_keys, "SSH client settings"),
	SECTION("collector", collector_keys, "the collector daemon"),
	SECTION("analyzer", analyzer_keys, "the analyzer daemon"),
	SECTION("alerts", alerts_keys, "the alert stage"),
	SECTION("metrics", metrics_keys, "metrics server"),
	{ .name = "curve", .type = CK_SECTION, .sub = curve_keys, .off = NO_OFF,
	  .flag_off = C(curve.enabled),
	  .desc = "CURVE encryption for tcp endpoints" },
	{ 0 }
};

/* Where each key came from, for the checks that involve several keys. */
struct conf_seen {
	const void   *base;
	size_t        off;
	struct ydoc_node  at;
};

struct conf_ctx {
	const char       *dir;	/* for relative paths */
	struct conf_seen *seen;
	size_t            nseen;
	char             *err;
	size_t            errlen;
};

/* ---- checks for strings with a shape ---- */

static int
s_port_ok(const char *s, size_t len, int allow_zero)
{
	int64_t v;
	char buf[8];

	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return util_parse_i64(buf, allow_zero ? 0 : 1, 65535, &v) == CERR_OK;
}

static int
s_has_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 1;
	return 0;
}

/* "host:port", "[v6]:port"; *why says what is wrong. */
static int
s_hostport_ok(const char *s, int allow_zero, int allow_star, const char **why)
{
	const char *colon;
	size_t hlen;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':') {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return 0;
		}
		colon = rb + 1;
		hlen = (size_t)(rb - s) - 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*why = "no :PORT";
			return 0;
		}
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL) {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return 0;
		}
	}
	if (hlen == 0 || s_has_space(s, hlen) || memchr(s, '/', hlen) != NULL) {
		*why = "bad host";
		return 0;
	}
	if (!(allow_star && strcmp(colon + 1, "*") == 0) &&
	    !s_port_ok(colon + 1, strlen(colon + 1), allow_zero)) {
		*why = "port must be from 1 to 65535";
		return 0;
	}
	return 1;
}

/* sun_path is 108 bytes on Linux, including the NUL. */
#define IPC_PATH_MAX	107

/*
 * Check a ZeroMQ endpoint; relative ipc:// paths are made absolute against
 * dir so that every daemon agrees on them whatever its working directory.
 */
static int
s_endpoint_ok(const char *s, const char *dir, char **norm, const char **why)
{
	*norm = NULL;
	if (strncmp(s, "tcp://", 6) == 0)
		return s_hostport_ok(s + 6, 0, 1, why);
	if (strncmp(s, "inproc://", 9) == 0) {
		if (s[9] == '\0' || s_has_space(s + 9, strlen(s + 9))) {
			*why = "bad inproc name";
			return 0;
		}
		return 1;
	}
	if (strncmp(s, "ipc://", 6) == 0) {
		const char *p = s + 6;
		char *abs;

		if (*p == '\0') {
			*why = "no path";
			return 0;
		}
		if (*p == '@' || strcmp(p, "*") == 0 || *p == '/')
			abs = xstrdup(p);
		else
			abs = ydoc_abspath(dir, p);
		if (strlen(abs) > IPC_PATH_MAX) {
			*why = "ipc path longer than 107 bytes";
			free(abs);
			return 0;
		}
		*norm = xasprintf("ipc://%s", abs);
		free(abs);
		return 1;
	}
	*why = "unknown transport";
	return 0;
}

static int
s_url_ok(const char *s, const char **why)
{
	const char *p, *end, *at, *hp, *rb;
	char *auth;
	int ok;

	if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else {
		*why = "the scheme must be http:// or https://";
		return 0;
	}
	if (s_has_space(s, strlen(s))) {
		*why = "spaces or control characters in the URL";
		return 0;
	}
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	hp = at ? at + 1 : p;
	if (hp == end) {
		*why = "no host in the URL";
		return 0;
	}
	auth = xstrndup(hp, (size_t)(end - hp));
	if (auth[0] != '[' && strchr(auth, ':') == NULL)
		ok = 1;
	else if (auth[0] == '[' && (rb = strchr(auth, ']')) != NULL &&
	    rb[1] == '\0')
		ok = 1;
	else
		ok = s_hostport_ok(auth, 0, 0, why);
	free(auth);
	return ok;
}

/* ---- the table engine ---- */

static void *
s_field(void *base, size_t off)
{
	return (char *)base + off;
}

static void
s_strv_free(struct conf_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static void
s_strv_push(struct conf_strv *v, char *s)
{
	v->v = xrealloc(v->v, (v->n + 1) * sizeof *v->v);
	v->v[v->n++] = s;
}

static void
s_set_str(void *base, size_t off, char *s)
{
	char **f = s_field(base, off);

	free(*f);
	*f = s;
}

static void s_outputs_free(struct conf *c);

/* Free what a table's strings point to (the struct itself is the caller's). */
static void
s_table_free(const struct conf_key *tbl, void *base)
{
	for (const struct conf_key *k = tbl; k->name; k++) {
		switch (k->type) {
		case CK_SECTION:
			s_table_free(k->sub, base);
			break;
		case CK_STR: case CK_PATH: case CK_OUTPATH: case CK_ENDPOINT:
		case CK_HOSTPORT: case CK_URL:
			s_set_str(base, k->off, NULL);
			break;
		case CK_ENDPOINTV: case CK_GLOBV:
			s_strv_free(s_field(base, k->off));
			break;
		case CK_UPSTREAMV:
			s_strv_free(s_field(base, k->off));
			s_strv_free(s_field(base, k->aux_off));
			break;
		case CK_PLUGINS:
			s_outputs_free(base);
			break;
		default:
			break;
		}
	}
}

/* Defaults are trusted text: a bad one is a bug, caught by the unit tests. */
static void
s_table_defaults(const struct conf_key *tbl, void *base, const char *dir)
{
	for (const struct conf_key *k = tbl; k->name; k++) {
		int64_t i64;
		uint64_t u64;
		const char *why;
		char *norm;

		if (k->type == CK_SECTION) {
			s_table_defaults(k->sub, base, dir);
			continue;
		}
		if (k->def == NULL)
			continue;
		switch (k->type) {
		case CK_STR: case CK_HOSTPORT: case CK_URL:
			s_set_str(base, k->off, xstrdup(k->def));
			break;
		case CK_ENDPOINT:
			if (!s_endpoint_ok(k->def, dir, &norm, &why))
				fatalx("conf: bad default for %s: %s",
				    k->name, why);
			s_set_str(base, k->off, norm ? norm : xstrdup(k->def));
			break;
		case CK_PATH:
			s_set_str(base, k->off, ydoc_abspath(dir, k->def));
			break;
		case CK_OUTPATH:
			s_set_str(base, k->off, strcmp(k->def, "-") == 0 ?
			    xstrdup("-") : ydoc_abspath(dir, k->def));
			break;
		case CK_INT:
			if (util_parse_i64(k->def, k->min, k->max, &i64) !=
			    CERR_OK)
				fatalx("conf: bad default for %s", k->name);
			*(int *)s_field(base, k->off) = (int)i64;
			break;
		case CK_U32:
			if (util_parse_i64(k->def, k->min, k->max, &i64) !=
			    CERR_OK)
				fatalx("conf: bad default for %s", k->name);
			*(uint32_t *)s_field(base, k->off) = (uint32_t)i64;
			break;
		case CK_DURATION:
			if (util_parse_duration_ms(k->def, &u64) != CERR_OK)
				fatalx("conf: bad default for %s", k->name);
			*(uint64_t *)s_field(base, k->off) = u64;
			break;
		case CK_ENUM:
			for (int i = 0; k->names[i]; i++)
				if (strcmp(k->names[i], k->def) == 0)
					*(int *)s_field(base, k->off) = i;
			break;
		case CK_ENDPOINTV:
			s_strv_push(s_field(base, k->off), xstrdup(k->def));
			break;
		case CK_UPSTREAMV: {
			char *acks = wire_ack_endpoint(k->def);

			if (acks == NULL)
				fatalx("conf: bad default for %s", k->name);
			s_strv_push(s_field(base, k->off), xstrdup(k->def));
			s_strv_push(s_field(base, k->aux_off), acks);
			break;
		}
		case CK_GLOBV:
			s_strv_push(s_field(base, k->off),
			    ydoc_abspath(dir, k->def));
			break;
		default:
			break;
		}
	}
}

static void
s_seen(struct conf_ctx *ctx, const void *base, size_t off,
    const struct ydoc_node *at)
{
	ctx->seen = xrealloc(ctx->seen, (ctx->nseen + 1) * sizeof *ctx->seen);
	ctx->seen[ctx->nseen].base = base;
	ctx->seen[ctx->nseen].off = off;
	ctx->seen[ctx->nseen].at = *at;
	ctx->nseen++;
}

static const struct ydoc_node *
s_where(const struct conf_ctx *ctx, const void *base, size_t off)
{
	for (size_t i = ctx->nseen; i-- > 0; )
		if (ctx->seen[i].base == base && ctx->seen[i].off == off)
			return &ctx->seen[i].at;
	return NULL;
}

static enum cerr s_table_apply(struct conf_ctx *ctx, const struct conf_key *tbl,
    void *base, const struct ydoc_node *map);
static enum cerr s_table_apply_x(struct conf_ctx *ctx,
    const struct conf_key *tbl, void *base, const struct ydoc_node *map,
    const char *extra);
static enum cerr s_outputs_apply(struct conf_ctx *ctx, struct conf *c,
    const struct ydoc_node *n);

static enum cerr
s_endpoint_apply(struct conf_ctx *ctx, const struct ydoc_node *v, char **out)
{
	const char *s, *why;
	char *norm, q[128];
	enum cerr e;

	if ((e = ydoc_str(v, &s, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	if (!s_endpoint_ok(s, ctx->dir, &norm, &why))
		return ydoc_err(v, ctx->err, ctx->errlen,
		    "expected tcp://HOST:PORT, ipc://PATH or inproc://NAME, "
		    "got '%s' (%s)",
		    ydoc_quote(v, q, sizeof q), why);
	*out = norm ? norm : xstrdup(s);
	return CERR_OK;
}

/*
 * One entry of a CK_UPSTREAMV list: an endpoint, whose ack endpoint is
 * derived, or a mapping that may name it. A collector whose ack endpoint
 * cannot be derived (a port bound as 0, port 65535) must have it named.
 */
static enum cerr
s_upstream_apply(struct conf_ctx *ctx, const struct conf_key *k,
    const struct ydoc_node *v, char **push, char **acks)
{
	struct upstream_entry ent = { NULL, NULL };
	enum cerr e;

	if (ydoc_kind(v) == YDOC_MAP)
		e = s_table_apply(ctx, k->sub, &ent, v);
	else
		e = s_endpoint_apply(ctx, v, &ent.push);
	if (e == CERR_OK && ent.acks == NULL &&
	    (ent.acks = wire_ack_endpoint(ent.push)) == NULL)
		e = ydoc_err(v, ctx->err, ctx->errlen,
		    "cannot derive the ack endpoint of '%s' (push port + 1); "
		    "name it: {push: %s, acks: ENDPOINT}", ent.push, ent.push);
	if (e != CERR_OK) {
		free(ent.push);
		free(ent.acks);
		return e;
	}
	*push = ent.push;
	*acks = ent.acks;
	return CERR_OK;
}

/*
 * A string or a list of strings, each checked by type; for CK_UPSTREAMV
 * the entries may be mappings too, and their ack endpoints go to .aux_off.
 */
static enum cerr
s_strv_apply(struct conf_ctx *ctx, const struct conf_key *k, void *base,
    const struct ydoc_node *v)
{
	struct conf_strv nv = { NULL, 0 }, aux = { NULL, 0 };
	struct ydoc_node item;
	size_t cnt = ydoc_kind(v) == YDOC_SEQ ? ydoc_len(v) : 1;
	enum cerr e = CERR_OK;

	if (ydoc_kind(v) == YDOC_MAP && k->type != CK_UPSTREAMV)
		return ydoc_err(v, ctx->err, ctx->errlen,
		    "expected a list of strings, got a mapping");
	for (size_t i = 0; i < cnt && e == CERR_OK; i++) {
		char *s = NULL, *a = NULL;

		if (ydoc_kind(v) == YDOC_SEQ)
			ydoc_item(v, i, &item);
		else
			item = *v;
		if (k->type == CK_UPSTREAMV)
			e = s_upstream_apply(ctx, k, &item, &s, &a);
		else if (k->type == CK_ENDPOINTV)
			e = s_endpoint_apply(ctx, &item, &s);
		else
			e = ydoc_path(&item, &s, ctx->err, ctx->errlen);
		if (e == CERR_OK)
			s_strv_push(&nv, s);
		if (e == CERR_OK && a)
			s_strv_push(&aux, a);
	}
	if (e == CERR_OK && nv.n < (size_t)k->min)
		e = ydoc_err(v, ctx->err, ctx->errlen,
		    "expected at least %lld entr%s", (long long)k->min,
		    k->min == 1 ? "y" : "ies");
	if (e != CERR_OK) {
		s_strv_free(&nv);
		s_strv_free(&aux);
		return e;
	}
	s_strv_free(s_field(base, k->off));
	*(struct conf_strv *)s_field(base, k->off) = nv;
	if (k->type == CK_UPSTREAMV) {
		s_strv_free(s_field(base, k->aux_off));
		*(struct conf_strv *)s_field(base, k->aux_off) = aux;
	}
	return CERR_OK;
}

/* Read one key's value into its field. A null value keeps the default. */
static enum cerr
s_key_apply(struct conf_ctx *ctx, const struct conf_key *k, void *base,
    const struct ydoc_node *v)
{
	char *s = NULL, q[128];
	const char *cs, *why;
	int64_t i64;
	uint64_t u64;
	int iv;
	enum cerr e = CERR_OK;

	if (k->type == CK_SECTION) {
		if (k->flag_off != NO_OFF)
			*(int *)s_field(base, k->flag_off) = 1;
		s_seen(ctx, base, k->flag_off, v);
		return s_table_apply(ctx, k->sub, base, v);
	}
	if (k->type == CK_IGNORE || ydoc_kind(v) == YDOC_NULL)
		return CERR_OK;
	s_seen(ctx, base, k->off, v);
	switch (k->type) {
	case CK_STR:
		e = ydoc_strdup(v, &s, ctx->err, ctx->errlen);
		break;
	case CK_PATH:
		e = ydoc_path(v, &s, ctx->err, ctx->errlen);
		break;
	case CK_OUTPATH:
		if (ydoc_str(v, &cs, NULL, 0) == CERR_OK &&
		    strcmp(cs, "-") == 0)
			s = xstrdup("-");
		else
			e = ydoc_path(v, &s, ctx->err, ctx->errlen);
		break;
	case CK_ENDPOINT:
		e = s_endpoint_apply(ctx, v, &s);
		break;
	case CK_HOSTPORT:
		if ((e = ydoc_str(v, &cs, ctx->err, ctx->errlen)) != CERR_OK)
			break;
		if (!s_hostport_ok(cs, 1, 0, &why))
			return ydoc_err(v, ctx->err, ctx->errlen,
			    "expected HOST:PORT such as 127.0.0.1:9464, "
			    "got '%s' (%s)",
			    ydoc_quote(v, q, sizeof q), why);
		s = xstrdup(cs);
		break;
	case CK_URL: {
		struct ydoc_node sv = *v;

		/* URLs can carry tokens: never print them */
		sv.secret = 1;
		e = secret_resolve(&sv, &s, ctx->err, ctx->errlen);
		if (e != CERR_OK)
			break;
		if (!s_url_ok(s, &why)) {
			secret_free(&s);
			return ydoc_err(&sv, ctx->err, ctx->errlen,
			    "expected an http:// or https:// URL (%s)", why);
		}
		break;
	}
	case CK_INT:
		if ((e = ydoc_int(v, k->min, k->max, &i64, ctx->err,
		    ctx->errlen)) == CERR_OK)
			*(int *)s_field(base, k->off) = (int)i64;
		return e;
	case CK_U32:
		if ((e = ydoc_int(v, k->min, k->max, &i64, ctx->err,
		    ctx->errlen)) == CERR_OK)
			*(uint32_t *)s_field(base, k->off) = (uint32_t)i64;
		return e;
	case CK_DURATION:
		if ((e = ydoc_duration_ms(v, (uint64_t)k->min, (uint64_t)k->max,
		    &u64, ctx->err, ctx->errlen)) == CERR_OK)
			*(uint64_t *)s_field(base, k->off) = u64;
		return e;
	case CK_ENUM:
		if ((e = ydoc_enum(v, k->names, &iv, ctx->err, ctx->errlen)) ==
		    CERR_OK)
			*(int *)s_field(base, k->off) = iv;
		return e;
	case CK_ENDPOINTV:
	case CK_UPSTREAMV:
	case CK_GLOBV:
		return s_strv_apply(ctx, k, base, v);
	case CK_PLUGINS:
		return s_outputs_apply(ctx, base, v);
	default:
		return CERR_OK;
	}
	if (e == CERR_OK)
		s_set_str(base, k->off, s);
	return e;
}

static enum cerr
s_table_apply(struct conf_ctx *ctx, const struct conf_key *tbl, void *base,
    const struct ydoc_node *map)
{
	return s_table_apply_x(ctx, tbl, base, map, NULL);
}

/* s_table_apply, where the mapping may also hold the key extra (read by hand). */
static enum cerr
s_table_apply_x(struct conf_ctx *ctx, const struct conf_key *tbl, void *base,
    const struct ydoc_node *map, const char *extra)
{
	const char *names[32];
	size_t n = 0;
	enum cerr e;

	if (extra)
		names[n++] = extra;
	for (const struct conf_key *k = tbl; k->name && n + 1 < 32; k++)
		names[n++] = k->name;
	names[n] = NULL;
	if ((e = ydoc_check_map(map, names, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	for (const struct conf_key *k = tbl; k->name; k++) {
		struct ydoc_node v;

		if (!ydoc_get(map, k->name, &v) || ydoc_kind(&v) == YDOC_NULL) {
			if (k->required)
				return ydoc_err(&v, ctx->err, ctx->errlen,
				    "required key is missing (%s)", k->desc);
			continue;
		}
		if ((e = s_key_apply(ctx, k, base, &v)) != CERR_OK)
			return e;
	}
	return CERR_OK;
}

/* ---- alerts.outputs: plugins ---- */

/*
 * The output plugins, registered by the program that runs them (the alert
 * stage); common/ knows the shape of the list, not its members. NULL until
 * then: the list is read for its shape only (the other daemons).
 */
#define MAX_PLUGINS	32
static const struct conf_plugin *const *s_plugins;

void
conf_set_output_plugins(const struct conf_plugin *const *v)
{
	s_plugins = v;
}

static void
s_output_clear(struct conf_output *o)
{
	if (o->plugin && o->opts)
		s_table_free(o->plugin->keys, o->opts);
	free(o->opts);
	o->opts = NULL;
	o->plugin = NULL;
}

/* A plugin's defaults into o. */
static void
s_output_init(struct conf_output *o, const struct conf_plugin *p,
    const char *dir)
{
	o->plugin = p;
	o->opts = xcalloc(1, p->size ? p->size : 1);
	s_table_defaults(p->keys, o->opts, dir);
}

static void
s_outputs_free(struct conf *c)
{
	for (size_t i = 0; i < c->alerts.noutputs; i++)
		s_output_clear(&c->alerts.outputs[i]);
	free(c->alerts.outputs);
	c->alerts.outputs = NULL;
	c->alerts.noutputs = 0;
}

/* One {type: NAME, ...}: NAME's plugin reads the rest with its table. */
static enum cerr
s_output_apply(struct conf_ctx *ctx, struct conf_output *o,
    const struct ydoc_node *item)
{
	const char *names[MAX_PLUGINS + 1];
	struct ydoc_node tn;
	size_t n = 0;
	int t = 0;
	enum cerr e;

	if (ydoc_kind(item) != YDOC_MAP)
		return ydoc_err(item, ctx->err, ctx->errlen,
		    "expected a mapping with a type, got %s",
		    ydoc_kindname(item));
	ydoc_get(item, "type", &tn);
	if (s_plugins == NULL) {
		const char *s;
		return ydoc_str(&tn, &s, ctx->err, ctx->errlen);
	}
	for (; s_plugins[n] && n < MAX_PLUGINS; n++)
		names[n] = s_plugins[n]->name;
	names[n] = NULL;
	if ((e = ydoc_enum(&tn, names, &t, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	s_output_init(o, s_plugins[t], ctx->dir);
	return s_table_apply_x(ctx, o->plugin->keys, o->opts, item, "type");
}

static enum cerr
s_outputs_apply(struct conf_ctx *ctx, struct conf *c, const struct ydoc_node *n)
{
	struct conf_output *outs;
	size_t cnt;
	enum cerr e = CERR_OK;

	if (ydoc_kind(n) != YDOC_SEQ)
		return ydoc_err(n, ctx->err, ctx->errlen, "expected a list of "
		    "outputs such as [{type: jsonl, path: \"-\"}], got %s",
		    ydoc_kindname(n));
	if ((cnt = ydoc_len(n)) == 0)
		return ydoc_err(n, ctx->err, ctx->errlen,
		    "expected at least one output");
	outs = xcalloc(cnt, sizeof *outs);
	for (size_t i = 0; i < cnt && e == CERR_OK; i++) {
		struct ydoc_node item;

		ydoc_item(n, i, &item);
		e = s_output_apply(ctx, &outs[i], &item);
	}
	s_outputs_free(c);
	c->alerts.outputs = outs;
	c->alerts.noutputs = cnt;
	return e;
}

static int
s_is_str(enum ck_type t)
{
	return t == CK_STR || t == CK_PATH || t == CK_OUTPATH ||
	    t == CK_ENDPOINT || t == CK_HOSTPORT || t == CK_URL;
}

/* A plugin's key of type t (CK_IGNORE: any string type). */
static const struct conf_key *
s_plugin_key(const struct conf_output *o, const char *name, enum ck_type t)
{
	if (o->plugin == NULL)
		return NULL;
	for (const struct conf_key *k = o->plugin->keys; k->name; k++)
		if (strcmp(k->name, name) == 0 && (t == CK_IGNORE ?
		    s_is_str(k->type) : k->type == t))
			return k;
	return NULL;
}

void
conf_output_init(struct conf_output *o, const struct conf_plugin *p,
    const char *dir)
{
	memset(o, 0, sizeof *o);
	s_output_init(o, p, dir);
}

void
conf_output_clear(struct conf_output *o)
{
	s_output_clear(o);
}

int
conf_output_set_str(struct conf_output *o, const char *key, const char *v)
{
	const struct conf_key *k = s_plugin_key(o, key, CK_IGNORE);

	if (k == NULL)
		return -1;
	s_set_str(o->opts, k->off, v ? xstrdup(v) : NULL);
	return 0;
}

int
conf_output_set_ms(struct conf_output *o, const char *key, uint64_t ms)
{
	const struct conf_key *k = s_plugin_key(o, key, CK_DURATION);

	if (k == NULL)
		return -1;
	*(uint64_t *)s_field(o->opts, k->off) = ms;
	return 0;
}

const char *
conf_output_str(const struct conf_output *o, const char *key)
{
	const struct conf_key *k = s_plugin_key(o, key, CK_IGNORE);

	return k ? *(char **)s_field(o->opts, k->off) : NULL;
}

uint64_t
conf_output_ms(const struct conf_output *o, const char *key)
{
	const struct conf_key *k = s_plugin_key(o, key, CK_DURATION);

	return k ? *(uint64_t *)s_field(o->opts, k->off) : 0;
}

/* ---- defaults, load, validate ---- */

/* Every default of the configuration, in one place: the tables. */
static void
conf_defaults(struct conf *c, const char *dir)
{
	memset(c, 0, sizeof *c);
	s_table_defaults(top_keys, c, dir);
	/* The first plugin, with its defaults, is the default output. */
	if (s_plugins && s_plugins[0]) {
		c->alerts.outputs = xcalloc(1, sizeof *c->alerts.outputs);
		c->alerts.noutputs = 1;
		s_output_init(&c->alerts.outputs[0], s_plugins[0], dir);
	}
}

/* The checks that need more than one key. */
static enum cerr
s_validate(struct conf_ctx *ctx, struct conf *c, const struct ydoc_node *root)
{
	const struct ydoc_node *at;

	if (c->collector.backoff_min_ms > c->collector.backoff_max_ms) {
		at = s_where(ctx, c, C(collector.backoff_min_ms));
		if (at == NULL)
			at = s_where(ctx, c, C(collector.backoff_max_ms));
		if (at == NULL)
			at = root;
		return ydoc_err(at, ctx->err, ctx->errlen,
		    "collector.backoff.min must not exceed "
		    "collector.backoff.max");
	}
	if (c->curve.enabled && (c->curve.secret_key == NULL ||
	    c->curve.public_key == NULL)) {
		if ((at = s_where(ctx, c, C(curve.enabled))) == NULL)
			at = root;
		return ydoc_err(at, ctx->err, ctx->errlen,
		    "curve needs secret_key and public_key");
	}
	return CERR_OK;
}

static enum cerr
s_load(struct ydoc *d, const char *path, struct conf **out, char *err,
    size_t errlen)
{
	struct conf_ctx ctx = { .dir = ydoc_dir(d), .err = err,
	    .errlen = errlen };
	struct conf *c;
	struct ydoc_node root;
	char cwd[4096];
	enum cerr e;

	c = xcalloc(1, sizeof *c);
	conf_defaults(c, ctx.dir);
	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		c->path = ydoc_abspath("/", path);
	else
		c->path = ydoc_abspath(cwd, path);
	ydoc_root(d, &root);
	if (ydoc_kind(&root) != YDOC_ABSENT && ydoc_kind(&root) != YDOC_NULL &&
	    ydoc_kind(&root) != YDOC_MAP) {
		e = ydoc_err(&root, err, errlen, "expected a mapping of "
		    "sections at the top level, got %s", ydoc_kindname(&root));
		goto fail;
	}
	if ((e = s_table_apply(&ctx, top_keys, c, &root)) != CERR_OK)
		goto fail;
	if ((e = s_validate(&ctx, c, &root)) != CERR_OK)
		goto fail;
	free(ctx.seen);
	*out = c;
	return CERR_OK;
fail:
	free(ctx.seen);
	conf_free(&c);
	return e;
}

enum cerr
conf_load(const char *path, struct conf **out, char *err, size_t errlen)
{
	struct ydoc *d;
	enum cerr e;

	*out = NULL;
	if ((e = ydoc_load_file(path, &d, err, errlen)) != CERR_OK)
		return e;
	e = s_load(d, path, out, err, errlen);
	ydoc_free(&d);
	return e;
}

enum cerr
conf_load_mem(const char *name, const void *data, size_t len,
    struct conf **out, char *err, size_t errlen)
{
	struct ydoc *d;
	enum cerr e;

	*out = NULL;
	if ((e = ydoc_load_mem(name, data, len, &d, err, errlen)) != CERR_OK)
		return e;
	e = s_load(d, name, out, err, errlen);
	ydoc_free(&d);
	return e;
}

void
conf_free(struct conf **cp)
{
	struct conf *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	s_table_free(top_keys, c);
	free(c->path);
	free(c);
	*cp = NULL;
}

/* groups.yaml / defaults.yaml beside hosts.yaml, when the config names none. */
static char *
s_beside(const char *hosts, const char *name)
{
	const char *slash = strrchr(hosts, '/');
	char *p;

	p = xasprintf("%.*s/%s", slash ? (int)(slash - hosts) : 1,
	    slash ? hosts : ".", name);
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return NULL;
}

enum cerr
conf_load_inventory(const struct conf *c, struct inventory **out, char *err,
    size_t errlen)
{
	char *groups = NULL, *defaults = NULL;
	enum cerr e;

	if (c->inventory.groups == NULL)
		groups = s_beside(c->inventory.hosts, "groups.yaml");
	if (c->inventory.defaults == NULL)
		defaults = s_beside(c->inventory.hosts, "defaults.yaml");
	e = inventory_load(c->inventory.hosts,
	    c->inventory.groups ? c->inventory.groups : groups,
	    c->inventory.defaults ? c->inventory.defaults : defaults,
	    out, err, errlen);
	free(groups);
	free(defaults);
	return e;
}

static void
s_describe(FILE *f, const struct conf_key *tbl, const char *prefix)
{
	for (const struct conf_key *k = tbl; k->name; k++) {
		char path[128];

		snprintf(path, sizeof path, "%s%s%s", prefix,
		    *prefix ? "." : "", k->name);
		if (k->type == CK_SECTION) {
			s_describe(f, k->sub, path);
			continue;
		}
		fprintf(f, "%-32s %-26s %s\n", path, k->def ? k->def : "-",
		    k->desc);
	}
}

void
conf_describe(FILE *f)
{
	fprintf(f, "%-32s %-26s %s\n", "KEY", "DEFAULT", "DESCRIPTION");
	s_describe(f, top_keys, "");
	for (size_t t = 0; s_plugins && s_plugins[t]; t++) {
		char prefix[64];

		snprintf(prefix, sizeof prefix, "alerts.outputs[type=%s]",
		    s_plugins[t]->name);
		s_describe(f, s_plugins[t]->keys, prefix);
	}
}
