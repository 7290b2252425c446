/*
 * conf.h — the one YAML configuration file of a deployment (libyaml).
 *
 * Every daemon reads the whole file and uses its own section. Loading is
 * defaults first, then the file on top, then validation; any error names
 * "FILE:LINE: key 'section.key': message (value ...)" and the daemon refuses
 * to start (or, on SIGHUP, keeps the old config). Unknown keys are errors.
 * Durations take util_parse_duration_ms() syntax ("30s", "5m"), sizes
 * util_parse_size() syntax. Relative paths are relative to the directory of
 * the config file, and so are relative ipc:// paths; rules and allow are
 * glob patterns, made absolute but not expanded here. A key given as null
 * (`key:` or `key: ~`) keeps its default. A list of strings may be given as
 * one string. URLs may be secret references ({env: X}, {file: P}, see
 * secret.h) and are never printed in errors, since they may hold tokens.
 * `conf_describe()` prints every key with its default; the table in conf.c
 * is the reference.
 *
 *   inventory: {hosts: hosts.yaml, groups: groups.yaml, defaults: defaults.yaml}
 *   ssh:
 *     known_hosts: /etc/loghaul/known_hosts
 *     host_key_policy: strict          # strict | accept-new
 *     timeouts: {connect: 10s, banner: 10s, auth: 10s, command: 30s}
 *     keepalive: 30s
 *   collector:
 *     interval: 30s
 *     max_sessions: 64
 *     processes: 1
 *     state_dir: /var/lib/loghaul       # unset: this for the daemon,
 *                                       # memory only with --print
 *     push: tcp://127.0.0.1:5550        # analyzers connect here
 *     acks: tcp://127.0.0.1:5551        # default: derived from push
 *     ack_timeout: 30s                  # re-send an unacked batch after this
 *     max_backlog: 10000                # unacked batches held before polling pauses
 *     batch_max_records: 512
 *     archive_dir: /var/log/loghaul/devices   # optional, per-device raw logs
 *     backoff: {min: 1s, max: 5m}
 *     clock: {check: 1h, skew_warn: 10s}   # device clocks: first session, after failures, this often
 *   analyzer:
 *     collectors: [tcp://127.0.0.1:5550]   # acks derived: push port + 1
 *     # or name a collector's ack endpoint:
 *     #   - {push: tcp://10.0.0.5:5550, acks: tcp://10.0.0.5:6000}
 *     rules: [/etc/loghaul/rules/loghaul-*.yaml]   # globs
 *     alerts: tcp://127.0.0.1:5560
 *     workers: 1
 *     match_limit: 10000
 *   alerts:
 *     listen: tcp://127.0.0.1:5560
 *     state_dir: /var/lib/loghaul
 *     flap: {changes: 5, window: 60s, stable: 120s}
 *     outputs:                                 # plugins: analyzer/alerts/out_*.c
 *       - {type: jsonl, path: "-"}                 # "-" is stdout
 *       - {type: alertmanager, url: http://127.0.0.1:9093, resend: 60s}
 *       - {type: webhook, url: http://127.0.0.1:8080/hook}
 *       - {type: zmq, endpoint: tcp://127.0.0.1:5570}
 *   metrics: {listen: 127.0.0.1:9464}          # each daemon may override:
 *                                              # collector.metrics, analyzer.metrics, alerts.metrics
 *   curve:                                     # optional; tcp endpoints only
 *     secret_key: /etc/loghaul/keys/self.key   # this process's key pair file
 *     public_key: /etc/loghaul/keys/self.pub
 *     server_key: /etc/loghaul/keys/server.pub # for connecting sockets
 *     allow: [/etc/loghaul/keys/peers/peer-*.pub]   # ZAP allow list
 */
#ifndef LOGHAUL_CONF_H
#define LOGHAUL_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cerr.h"

struct inventory;

/* Where a collector daemon keeps its cursors when the file names no place. */
#define COLLECTOR_STATE_DIR_DEFAULT "/var/lib/loghaul"

enum hostkey_policy { HOSTKEY_STRICT = 0, HOSTKEY_ACCEPT_NEW = 1 };

struct conf_plugin;

/*
 * One entry of alerts.outputs: the plugin its type names and the options
 * its key table filled (conf_key.h). Both NULL when no plugins are
 * registered (conf_set_output_plugins): daemons that run no outputs read
 * the list for its shape only.
 */
struct conf_output {
	const struct conf_plugin *plugin;
	void                     *opts;
};

struct conf_strv {
	char  **v;
	size_t  n;
};

struct conf {
	char *path;		/* the file this came from */

	struct {
		char *hosts, *groups, *defaults;	/* absolute paths; groups/defaults may be NULL */
	} inventory;

	struct {
		char    *known_hosts;
		enum hostkey_policy host_key_policy;
		uint64_t connect_ms, banner_ms, auth_ms, command_ms;
		uint64_t keepalive_ms;
	} ssh;

	struct {
		uint64_t interval_ms;
		int      max_sessions;
		int      processes;
		char    *state_dir;	/* NULL: see COLLECTOR_STATE_DIR_DEFAULT */
		char    *push;
		char    *acks;		/* NULL: wire_ack_endpoint(push) */
		uint64_t ack_timeout_ms;
		int      max_backlog;
		int      batch_max_records;
		char    *archive_dir;	/* NULL: off */
		int      incremental;	/* 0 off, 1 auto */
		int      full_read_every;	/* polls; 0: only when needed */
		/* interface-table snapshots besides start and gaps; 0 off */
		uint64_t snapshot_interval_ms;
		uint64_t backoff_min_ms, backoff_max_ms;
		char    *metrics;	/* NULL: metrics.listen */
		uint64_t clock_check_ms;	/* devices' clocks read this often; 0 off */
		uint64_t clock_skew_warn_ms;	/* skew logged past this */
	} collector;

	struct {
		struct conf_strv collectors;	/* their push endpoints */
		struct conf_strv collector_acks;	/* and their ack endpoints, entry for entry */
		struct conf_strv rules;	/* globs, already made absolute */
		char    *alerts;
		int      workers;
		uint32_t match_limit;
		char    *metrics;
	} analyzer;

	struct {
		char    *listen;
		char    *state_dir;
		int      flap_changes;
		uint64_t flap_window_ms, flap_stable_ms;
		struct conf_output *outputs;
		size_t   noutputs;
		char    *metrics;
	} alerts;

	struct {
		char *listen;	/* NULL: no metrics server */
	} metrics;

	struct {
		char *secret_key, *public_key, *server_key;
		struct conf_strv allow;
		int   enabled;
	} curve;
};

/*
 * Load and validate path. On error returns non-OK, writes
 * "FILE:LINE: key 'K': message" into err, and leaves *out NULL.
 * Caller owns *out: conf_free(&c).
 */
enum cerr conf_load(const char *path, struct conf **out, char *err, size_t errlen);
/*
 * The same from memory (tests, fuzzing): name stands for the file in
 * messages and its directory anchors relative paths.
 */
enum cerr conf_load_mem(const char *name, const void *data, size_t len,
    struct conf **out, char *err, size_t errlen);
void      conf_free(struct conf **c);

/*
 * The plugins alerts.outputs may name, NULL-terminated, in the order an
 * error lists them; the first is the default output. Set once, before any
 * load, by the program that runs them; v must outlive every load.
 */
void      conf_set_output_plugins(const struct conf_plugin *const *v);
/*
 * An output's option by key name: a string (NULL: unset or no such key),
 * or a duration in milliseconds (0: no such key).
 */
const char *conf_output_str(const struct conf_output *o, const char *key);
uint64_t  conf_output_ms(const struct conf_output *o, const char *key);
/*
 * Build an output in code (tests, tools): p's defaults (relative paths
 * against dir), then options set by key name, unchecked; 0, or -1 when p
 * has no such key of that kind. conf_output_clear frees what it holds.
 */
void      conf_output_init(struct conf_output *o, const struct conf_plugin *p,
    const char *dir);
int       conf_output_set_str(struct conf_output *o, const char *key,
    const char *v);
int       conf_output_set_ms(struct conf_output *o, const char *key,
    uint64_t ms);
void      conf_output_clear(struct conf_output *o);

/* Print every key with its default and description (for -h and docs). */
void      conf_describe(FILE *f);

/*
 * Load the inventory the config names (inventory_load on its paths). When
 * the config names no groups or defaults file, groups.yaml and
 * defaults.yaml beside the hosts file are used if they exist, as Nornir's
 * SimpleInventory does.
 */
enum cerr conf_load_inventory(const struct conf *c, struct inventory **out,
    char *err, size_t errlen);

#endif
