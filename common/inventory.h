/*
 * inventory.h — devices, read from an inventory in Nornir's SimpleInventory
 * format (hosts.yaml, groups.yaml, defaults.yaml), so that users' existing
 * inventories work unchanged.
 *
 *   hosts.yaml                         groups.yaml
 *     edge-1:                            core:
 *       hostname: 10.0.0.1                 platform: ios
 *       groups: [core, site-a]             groups: [global]
 *       data: {site: a, role: edge}        data: {role: core}
 *                                        global:
 *   defaults.yaml                          username: netops
 *     password: {env: ROUTER_PASSWORD}     connection_options:
 *     data:                                  netmiko:
 *       loghaul: {interval: 60s}               extras: {secret: {file: enable.txt}}
 *
 * Keys of a host or group: hostname, port, username, password, platform,
 * groups, data, connection_options (defaults: the same without groups).
 * Any other key is an error (Nornir 2 kept free-form keys at the top; they
 * go under data now).
 *
 * Resolution, as Nornir does it: a host's own value wins; then each of its
 * groups in the order listed (a group's own parent groups are searched
 * depth-first right after it, each group once: Host.extended_groups());
 * then defaults. A null value counts as unset. `data` maps merge key by key
 * with the same precedence (the first element that has a key decides it).
 * A group cycle ("group cycle: a -> b -> a"), an unknown group, a host with
 * no platform after resolution, an unknown platform, unknown keys and wrong
 * types are errors naming file, line and key; an error found in a group or
 * the defaults while resolving a host ends with "(for host 'NAME')".
 *
 * As Nornir's netmiko connection does (Host.get_connection_parameters),
 * connection_options.netmiko.{hostname, port, username, password, platform}
 * found anywhere along the chain come before the plain attributes, and
 * connection_options.netmiko.extras is taken whole from the first element
 * that has it. Other connection plugins' options are checked for shape only.
 *
 * Platforms: the names in inv_platforms[], and the Nornir/NAPALM and
 * Netmiko names for them (ios, iosxe, nxos, nxos_ssh, eos, junos, juniper,
 * iosxr, and each name with "_ssh"); inv_host.platform is always the
 * canonical name.
 *
 * Host names (the keys of hosts.yaml) become log tags and file names: they
 * cannot contain '/', spaces or control characters, nor be "." or "..".
 *
 * Secrets (password, enable secret) may be written as plain text, or as a
 * reference resolved at load time (secret.h has the details):
 *     password: {env: ROUTER_PASSWORD}      the environment variable's value
 *     password: {file: /etc/loghaul/pw}     the file's content, one trailing
 *                                           newline stripped; a relative
 *                                           path is relative to the YAML
 *                                           file that names it
 *     password: "${env:ROUTER_PASSWORD}"    the same as {env: ...}, for
 *     password: "${file:/path}"             inventories kept as flat strings
 * Only the value a host ends up using is looked up. A missing variable or
 * unreadable file is an error naming the host and key, never the value.
 *
 * The enable secret is read from `connection_options.netmiko.extras.secret`
 * (where Nornir users keep it) or, when that is not set, from
 * `data.enable_secret`.
 *
 * loghaul's own per-device settings live under `data.loghaul` (so that the
 * file stays valid for Nornir): interval (duration), persistent, exec,
 * legacy_algorithms (booleans), key_file (path, relative to its file),
 * timezone (an IANA zone name, looked up by the collector), incremental
 * (auto | off: ask the device only for what is new). Each
 * resolves on its own along the chain. Unknown keys under data.loghaul are
 * errors; the rest of `data` is kept as free-form labels (enable_secret is
 * never a label).
 *
 * An empty hosts.yaml is an empty inventory.
 */
#ifndef LOGHAUL_INVENTORY_H
#define LOGHAUL_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"

struct inv_label {
	char *key;
	char *value;	/* scalars only; nested data is skipped */
};

struct inv_host {
	char     *name;		/* the key in hosts.yaml */
	char     *hostname;	/* address; defaults to name */
	int       port;		/* default 22 */
	char     *username;	/* NULL when none is given */
	char     *password;	/* resolved secret; never logged; NULL: none */
	char     *enable_secret;/* resolved; NULL when none */
	char     *platform;	/* one of platform names below */
	char    **groups;	/* as listed on the host */
	size_t    ngroups;

	/* data.loghaul overrides; < 0 / NULL means "use the config's" */
	int64_t   interval_ms;
	int       persistent;	/* -1 unset, 0, 1 */
	int       exec_mode;	/* -1 unset, 0 shell, 1 exec channel */
	int       legacy_algorithms; /* -1 unset, 0, 1 */
	int       incremental;	/* -1 unset, 0 off, 1 auto */
	char     *key_file;
	char     *timezone;	/* IANA zone of the device's clock; NULL: none */

	struct inv_label *labels;	/* the rest of data, flattened scalars */
	size_t    nlabels;
};

struct inventory {
	struct inv_host *hosts;
	size_t           nhosts;
};

/* Platforms loghaul has a profile for. */
extern const char *const inv_platforms[];	/* NULL-terminated */
/* 1 for a platform name or one of its aliases. */
int inv_platform_known(const char *name);
/* The canonical name for a name or alias ("ios" -> "cisco_ios"), or NULL. */
const char *inv_platform_name(const char *name);

/*
 * Load an inventory. groups and defaults may be NULL (files not used). On
 * error returns non-OK and writes "FILE:LINE: key 'K': message" into err.
 * Caller owns *out and frees it with inventory_free().
 */
enum cerr inventory_load(const char *hosts, const char *groups,
    const char *defaults, struct inventory **out, char *err, size_t errlen);
/*
 * The same from memory (tests, fuzzing). Each name stands for the file in
 * messages, and its directory anchors relative paths.
 */
struct inv_source {
	const char *name;
	const void *data;
	size_t      len;
};
enum cerr inventory_load_mem(const struct inv_source *hosts,
    const struct inv_source *groups, const struct inv_source *defaults,
    struct inventory **out, char *err, size_t errlen);
/* Zeroes the secrets, frees everything, sets *inv to NULL; accepts NULL. */
void      inventory_free(struct inventory **inv);
/* A host by name (linear search), or NULL. */
const struct inv_host *inventory_find(const struct inventory *inv, const char *name);

#endif
