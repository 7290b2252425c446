/*
 * conf.c — the deployment's YAML configuration.
 *
 * Every key is a row of a table (name, type, default, offset, range,
 * description), in the manner of Fluent Bit's config_map: the same table
 * sets the defaults, reads the file, refuses unknown keys and frees the
 * result, so a new key is one line. Loading is conf_defaults() first, the
 * file on top (each value checked as it is read, while its line is at
 * hand), then s_validate() for the checks that involve several keys.
 * This file holds the tables and those checks; conf_table.c walks the
 * tables, conf_shape.c checks strings with a shape (HOST:PORT, endpoints,
 * URLs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "common/conf_key.h"
#include "common/conf_table.h"
#include "common/inventory.h"
#include "common/util.h"
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

/* ---- defaults, load, validate ---- */

/* Every default of the configuration, in one place: the tables. */
static void
conf_defaults(struct conf *c, const char *dir)
{
	const struct conf_plugin *const *plugins = conf_table_plugins();

	memset(c, 0, sizeof *c);
	conf_table_defaults(top_keys, c, dir);
	/* The first plugin, with its defaults, is the default output. */
	if (plugins && plugins[0]) {
		c->alerts.outputs = xcalloc(1, sizeof *c->alerts.outputs);
		c->alerts.noutputs = 1;
		conf_output_init(&c->alerts.outputs[0], plugins[0], dir);
	}
}

/* The checks that need more than one key. */
static enum cerr
s_validate(struct conf_ctx *ctx, struct conf *c, const struct ydoc_node *root)
{
	const struct ydoc_node *at;

	if (c->collector.backoff_min_ms > c->collector.backoff_max_ms) {
		at = conf_table_where(ctx, c, C(collector.backoff_min_ms));
		if (at == NULL)
			at = conf_table_where(ctx, c, C(collector.backoff_max_ms));
		if (at == NULL)
			at = root;
		return ydoc_err(at, ctx->err, ctx->errlen,
		    "collector.backoff.min must not exceed "
		    "collector.backoff.max");
	}
	if (c->curve.enabled && (c->curve.secret_key == NULL ||
	    c->curve.public_key == NULL)) {
		if ((at = conf_table_where(ctx, c, C(curve.enabled))) == NULL)
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
	if ((e = conf_table_apply(&ctx, top_keys, c, &root)) != CERR_OK)
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
	conf_table_free(top_keys, c);
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
	const struct conf_plugin *const *plugins = conf_table_plugins();

	fprintf(f, "%-32s %-26s %s\n", "KEY", "DEFAULT", "DESCRIPTION");
	s_describe(f, top_keys, "");
	for (size_t t = 0; plugins && plugins[t]; t++) {
		char prefix[64];

		snprintf(prefix, sizeof prefix, "alerts.outputs[type=%s]",
		    plugins[t]->name);
		s_describe(f, plugins[t]->keys, prefix);
	}
}
