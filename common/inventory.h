/*
 * inventory.h — devices, read from an inventory in Nornir's SimpleInventory
 * format (hosts.yaml, groups.yaml, defaults.yaml), so that users' existing
 * inventories work unchanged.
 *
 * Resolution, as Nornir does it: a host's own value wins; then each of its
 * groups in the order listed (a group's own parent groups are searched
 * depth-first right after it); then defaults. `data` maps merge key by key
 * with the same precedence. A group cycle, an unknown group, a host with no
 * platform after resolution, an unknown platform, unknown keys and wrong
 * types are errors naming file, line and key.
 *
 * Secrets (password, enable secret) may be written as plain text, or as a
 * reference resolved at load time:
 *     password: {env: ROUTER_PASSWORD}      the environment variable's value
 *     password: {file: /etc/loghaul/pw}     the file's content, one trailing
 *                                           newline stripped
 *     password: "${env:ROUTER_PASSWORD}"    the same as {env: ...}, for
 *     password: "${file:/path}"             inventories kept as flat strings
 * A missing variable or unreadable file is an error naming the host and key,
 * never the value.
 *
 * The enable secret is read from `connection_options.netmiko.extras.secret`
 * (where Nornir users keep it) or from `data.enable_secret`.
 *
 * loghaul's own per-device settings live under `data.loghaul` (so that the
 * file stays valid for Nornir): interval, persistent, exec, legacy_algorithms,
 * key_file. Unknown keys under data.loghaul are errors; the rest of `data` is
 * kept as free-form labels.
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
	char     *username;
	char     *password;	/* resolved secret; never logged */
	char     *enable_secret;/* resolved; NULL when none */
	char     *platform;	/* one of platform names below */
	char    **groups;	/* as listed on the host */
	size_t    ngroups;

	/* data.loghaul overrides; < 0 / NULL means "use the config's" */
	int64_t   interval_ms;
	int       persistent;	/* -1 unset, 0, 1 */
	int       exec_mode;	/* -1 unset, 0 shell, 1 exec channel */
	int       legacy_algorithms; /* -1 unset, 0, 1 */
	char     *key_file;

	struct inv_label *labels;	/* the rest of data, flattened scalars */
	size_t    nlabels;
};

struct inventory {
	struct inv_host *hosts;
	size_t           nhosts;
};

/* Platforms loghaul has a profile for. */
extern const char *const inv_platforms[];	/* NULL-terminated */
int inv_platform_known(const char *name);

/*
 * Load an inventory. groups and defaults may be NULL (files not used). On
 * error returns non-OK and writes "FILE:LINE: key 'K': message" into err.
 * Caller owns *out and frees it with inventory_free().
 */
enum cerr inventory_load(const char *hosts, const char *groups,
    const char *defaults, struct inventory **out, char *err, size_t errlen);
void      inventory_free(struct inventory **inv);
const struct inv_host *inventory_find(const struct inventory *inv, const char *name);

#endif
