/*
 * inventory.c — Nornir SimpleInventory (hosts.yaml, groups.yaml,
 * defaults.yaml) read with the resolution rules of nornir.core.inventory,
 * so that an inventory means here what it means to the user's Nornir
 * scripts. See inventory.h for the rules.
 *
 * Loading is in three passes: every element (host, group, defaults) is
 * checked on its own, so that a typo in a group no host uses is still
 * reported; then the group graph is linked and checked for cycles; then
 * each host is resolved along its chain (host, its extended groups,
 * defaults). Values are kept as YAML nodes until the winning one is known,
 * so that an error points at the line that supplied it and a secret is
 * only looked up when it is the one in use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/inventory.h"
#include "common/secret.h"
#include "common/util.h"
#include "common/ydoc.h"

const char *const inv_platforms[] = {
	"cisco_ios", "cisco_xe", "cisco_nxos", "arista_eos", "juniper_junos",
	"cisco_xr", NULL
};

/* Nornir/NAPALM and Netmiko names for the same platforms. */
static const struct {
	const char *alias, *name;
} inv_aliases[] = {
	{ "ios", "cisco_ios" }, { "iosxe", "cisco_xe" },
	{ "nxos", "cisco_nxos" }, { "nxos_ssh", "cisco_nxos" },
	{ "eos", "arista_eos" }, { "junos", "juniper_junos" },
	{ "juniper", "juniper_junos" }, { "iosxr", "cisco_xr" },
	{ "cisco_ios_ssh", "cisco_ios" }, { "cisco_xe_ssh", "cisco_xe" },
	{ "cisco_nxos_ssh", "cisco_nxos" }, { "arista_eos_ssh", "arista_eos" },
	{ "juniper_junos_ssh", "juniper_junos" },
	{ "cisco_xr_ssh", "cisco_xr" },
};

static const char *const elem_keys[] = { "hostname", "port", "username",
	"password", "platform", "groups", "data", "connection_options", NULL };
static const char *const defaults_keys[] = { "hostname", "port", "username",
	"password", "platform", "data", "connection_options", NULL };
static const char *const co_keys[] = { "hostname", "port", "username",
	"password", "platform", "extras", NULL };
static const char *const loghaul_keys[] = { "interval", "persistent", "exec",
	"legacy_algorithms", "key_file", "timezone", "incremental", NULL };
/* data.loghaul.incremental, in the order of inv_host.incremental */
static const char *const incremental_names[] = { "off", "auto", NULL };

#define INV_INTERVAL_MIN	100ULL
#define INV_INTERVAL_MAX	(86400ULL * 1000)

const char *
inv_platform_name(const char *name)
{
	for (size_t i = 0; inv_platforms[i] != NULL; i++)
		if (strcmp(inv_platforms[i], name) == 0)
			return inv_platforms[i];
	for (size_t i = 0; i < sizeof inv_aliases / sizeof inv_aliases[0]; i++)
		if (strcmp(inv_aliases[i].alias, name) == 0)
			return inv_aliases[i].name;
	return NULL;
}

int
inv_platform_known(const char *name)
{
	return inv_platform_name(name) != NULL;
}

/* A host, a group or the defaults, as written. */
struct inv_elem {
	const char   *name;	/* borrowed from its document */
	struct ydoc_node  self;	/* its mapping; absent or null: empty */
	size_t       *parents;	/* indices into groups */
	size_t        nparents;
	int           color;	/* cycle search: 0 new, 1 on path, 2 done */
};

struct inv_ctx {
	struct ydoc     *hdoc, *gdoc, *ddoc;
	struct inv_elem *hosts, *groups, defaults;
	size_t           nhosts, ngroups;
	size_t          *byname;	/* group indices sorted by name */
	/* per-host scratch */
	const struct inv_elem **chain;
	size_t           nchain;
	unsigned char   *visited;
	size_t          *stack;
	char            *err;
	size_t           errlen;
};

/* ---- groups by name ---- */

static const struct inv_ctx *s_sort_ctx;

static int
s_cmp_group(const void *a, const void *b)
{
	return strcmp(s_sort_ctx->groups[*(const size_t *)a].name,
	    s_sort_ctx->groups[*(const size_t *)b].name);
}

static void
s_index_groups(struct inv_ctx *ctx)
{
	ctx->byname = xcalloc(ctx->ngroups + 1, sizeof *ctx->byname);
	for (size_t i = 0; i < ctx->ngroups; i++)
		ctx->byname[i] = i;
	s_sort_ctx = ctx;	/* loading is single-threaded start-up work */
	qsort(ctx->byname, ctx->ngroups, sizeof *ctx->byname, s_cmp_group);
	s_sort_ctx = NULL;
}

static int
s_find_group(const struct inv_ctx *ctx, const char *name, size_t *out)
{
	size_t lo = 0, hi = ctx->ngroups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, ctx->groups[ctx->byname[mid]].name);

		if (c == 0) {
			*out = ctx->byname[mid];
			return 1;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* ---- pass 1: each element on its own ---- */

static enum cerr
s_check_str(struct inv_ctx *ctx, const struct ydoc_node *n)
{
	const char *s;
	enum cerr e;

	if (!ydoc_isset(n))
		return CERR_OK;
	if ((e = ydoc_str(n, &s, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	if (*s == '\0')
		return ydoc_err(n, ctx->err, ctx->errlen,
		    "expected a non-empty string");
	return CERR_OK;
}

static enum cerr
s_check_port(struct inv_ctx *ctx, const struct ydoc_node *n)
{
	int64_t v;

	if (!ydoc_isset(n))
		return CERR_OK;
	return ydoc_int(n, 1, 65535, &v, ctx->err, ctx->errlen);
}

static enum cerr
s_check_hostname(struct inv_ctx *ctx, const struct ydoc_node *n)
{
	const char *s;
	enum cerr e;

	if ((e = s_check_str(ctx, n)) != CERR_OK || !ydoc_isset(n))
		return e;
	ydoc_str(n, &s, NULL, 0);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return ydoc_errv(n, ctx->err, ctx->errlen,
			    "a hostname cannot contain spaces or control "
			    "characters");
	return CERR_OK;
}

static enum cerr
s_check_secret(const struct ydoc_node *n, char *err, size_t errlen)
{
	if (!ydoc_isset(n))
		return CERR_OK;
	return secret_check(n, err, errlen);
}

/* connection_options: {PLUGIN: {hostname, port, ..., extras}} */
static enum cerr
s_check_copts(struct inv_ctx *ctx, const struct ydoc_node *co)
{
	enum cerr e;

	if ((e = ydoc_check_map(co, NULL, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	for (size_t i = 0; i < ydoc_len(co); i++) {
		const char *plugin;
		struct ydoc_node p, v;

		if ((e = ydoc_pair(co, i, &plugin, &p, ctx->err,
		    ctx->errlen)) != CERR_OK)
			return e;
		if ((e = ydoc_check_map(&p, co_keys, ctx->err, ctx->errlen)) !=
		    CERR_OK)
			return e;
		ydoc_get(&p, "extras", &v);
		if ((e = ydoc_check_map(&v, NULL, ctx->err, ctx->errlen)) !=
		    CERR_OK)
			return e;
		/* Only netmiko's options are ours to interpret. */
		if (strcmp(plugin, "netmiko") != 0)
			continue;
		ydoc_get(&p, "hostname", &v);
		if ((e = s_check_hostname(ctx, &v)) != CERR_OK)
			return e;
		ydoc_get(&p, "port", &v);
		if ((e = s_check_port(ctx, &v)) != CERR_OK)
			return e;
		ydoc_get(&p, "username", &v);
		if ((e = s_check_str(ctx, &v)) != CERR_OK)
			return e;
		ydoc_get(&p, "platform", &v);
		if ((e = s_check_str(ctx, &v)) != CERR_OK)
			return e;
		ydoc_get(&p, "password", &v);
		if ((e = s_check_secret(&v, ctx->err, ctx->errlen)) != CERR_OK)
			return e;
		ydoc_get(&p, "extras", &v);
		ydoc_get(&v, "secret", &v);
		if ((e = s_check_secret(&v, ctx->err, ctx->errlen)) != CERR_OK)
			return e;
	}
	return CERR_OK;
}

static enum cerr
s_check_data(struct inv_ctx *ctx, const struct ydoc_node *data)
{
	struct ydoc_node lh, v;
	uint64_t ms;
	int b;
	enum cerr e;

	if ((e = ydoc_check_map(data, NULL, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	ydoc_get(data, "enable_secret", &v);
	if ((e = s_check_secret(&v, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	ydoc_get(data, "loghaul", &lh);
	if ((e = ydoc_check_map(&lh, loghaul_keys, ctx->err, ctx->errlen)) !=
	    CERR_OK)
		return e;
	if (ydoc_get(&lh, "interval", &v) && ydoc_isset(&v) &&
	    (e = ydoc_duration_ms(&v, INV_INTERVAL_MIN, INV_INTERVAL_MAX, &ms,
	    ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	for (size_t i = 1; i <= 3; i++) {
		if (ydoc_get(&lh, loghaul_keys[i], &v) && ydoc_isset(&v) &&
		    (e = ydoc_bool(&v, &b, ctx->err, ctx->errlen)) != CERR_OK)
			return e;
	}
	if (ydoc_get(&lh, "incremental", &v) && ydoc_isset(&v) &&
	    (e = ydoc_enum(&v, incremental_names, &b, ctx->err, ctx->errlen)) !=
	    CERR_OK)
		return e;
	ydoc_get(&lh, "key_file", &v);
	if ((e = s_check_str(ctx, &v)) != CERR_OK)
		return e;
	/* the zone itself is looked up when the device is set up */
	ydoc_get(&lh, "timezone", &v);
	return s_check_str(ctx, &v);
}

/* The groups list of a host or group: names of existing groups. */
static enum cerr
s_link_groups(struct inv_ctx *ctx, struct inv_elem *el)
{
	struct ydoc_node gl, item;
	size_t cnt;
	enum cerr e;

	ydoc_get(&el->self, "groups", &gl);
	if (!ydoc_isset(&gl))
		return CERR_OK;
	if (ydoc_kind(&gl) != YDOC_SEQ)
		return ydoc_errv(&gl, ctx->err, ctx->errlen,
		    "expected a list of group names such as [core, site-a], "
		    "got %s", ydoc_kindname(&gl));
	cnt = ydoc_len(&gl);
	el->parents = xcalloc(cnt + 1, sizeof *el->parents);
	for (size_t i = 0; i < cnt; i++) {
		const char *gname;
		size_t gi;

		ydoc_item(&gl, i, &item);
		e = ydoc_str(&item, &gname, ctx->err, ctx->errlen);
		if (e != CERR_OK)
			return e;
		if (!s_find_group(ctx, gname, &gi)) {
			char q[128];

			return ydoc_err(&item, ctx->err, ctx->errlen,
			    "unknown group '%s'%s",
			    ydoc_quote(&item, q, sizeof q),
			    ctx->gdoc ? "" : " (no groups file)");
		}
		el->parents[el->nparents++] = gi;
	}
	return CERR_OK;
}

static enum cerr
s_check_elem(struct inv_ctx *ctx, struct inv_elem *el, int is_defaults)
{
	struct ydoc_node v;
	enum cerr e;

	if (ydoc_isset(&el->self) && ydoc_kind(&el->self) != YDOC_MAP)
		return ydoc_err(&el->self, ctx->err, ctx->errlen,
		    "expected a mapping of %s, got %s", "hostname, port, "
		    "username, password, platform, groups, data, "
		    "connection_options", ydoc_kindname(&el->self));
	e = ydoc_check_map(&el->self, is_defaults ? defaults_keys : elem_keys,
	    ctx->err, ctx->errlen);
	if (e != CERR_OK) {
		/* Nornir 2 kept data at the top; say where it goes now. */
		size_t l = strlen(ctx->err ? ctx->err : "");
		if (ctx->err && strstr(ctx->err, "unknown key") &&
		    l + 1 < ctx->errlen)
			snprintf(ctx->err + l, ctx->errlen - l,
			    "; free-form keys go under data");
		return e;
	}
	ydoc_get(&el->self, "hostname", &v);
	if ((e = s_check_hostname(ctx, &v)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "port", &v);
	if ((e = s_check_port(ctx, &v)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "username", &v);
	if ((e = s_check_str(ctx, &v)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "platform", &v);
	if ((e = s_check_str(ctx, &v)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "password", &v);
	if ((e = s_check_secret(&v, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "data", &v);
	if ((e = s_check_data(ctx, &v)) != CERR_OK)
		return e;
	ydoc_get(&el->self, "connection_options", &v);
	if ((e = s_check_copts(ctx, &v)) != CERR_OK)
		return e;
	if (!is_defaults)
		return s_link_groups(ctx, el);
	return CERR_OK;
}

/* Device names become log tags and file names: keep them tame. */
static enum cerr
s_check_hostkey(struct inv_ctx *ctx, const char *name,
    const struct ydoc_node *at)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strchr(name, '/') != NULL)
		return ydoc_err(at, ctx->err, ctx->errlen,
		    "a host name cannot be '.', '..' or contain '/'");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return ydoc_err(at, ctx->err, ctx->errlen,
			    "a host name cannot contain spaces or control "
			    "characters");
	return CERR_OK;
}

/* Read the top-level mapping of hosts.yaml or groups.yaml into elements. */
static enum cerr
s_read_elems(struct inv_ctx *ctx, struct ydoc *d, const char *what,
    struct inv_elem **out, size_t *nout)
{
	struct ydoc_node root;
	size_t cnt;
	enum cerr e;

	*out = NULL;
	*nout = 0;
	if (d == NULL)
		return CERR_OK;
	ydoc_root(d, &root);
	if (ydoc_isset(&root) && ydoc_kind(&root) != YDOC_MAP)
		return ydoc_err(&root, ctx->err, ctx->errlen,
		    "expected a mapping of %s names to %ss, got %s", what, what,
		    ydoc_kindname(&root));
	if ((e = ydoc_check_map(&root, NULL, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	cnt = ydoc_len(&root);
	*out = xcalloc(cnt + 1, sizeof **out);
	for (size_t i = 0; i < cnt; i++) {
		struct inv_elem *el = &(*out)[i];

		if ((e = ydoc_pair(&root, i, &el->name, &el->self, ctx->err,
		    ctx->errlen)) != CERR_OK)
			return e;
		(*nout)++;
		if (strcmp(what, "host") == 0 &&
		    (e = s_check_hostkey(ctx, el->name, &el->self)) != CERR_OK)
			return e;
	}
	return CERR_OK;
}

/* ---- pass 2: the group graph ---- */

/*
 * Depth-first search for a cycle, with an explicit stack so that a long
 * chain of groups cannot overflow the C stack. On a cycle, names it from
 * where it starts, at the groups list that closes it.
 */
static enum cerr
s_check_cycles(struct inv_ctx *ctx)
{
	size_t *path = xcalloc(ctx->ngroups + 1, sizeof *path);
	size_t *next = xcalloc(ctx->ngroups + 1, sizeof *next);
	enum cerr e = CERR_OK;

	for (size_t root = 0; root < ctx->ngroups && e == CERR_OK; root++) {
		size_t depth = 0;

		if (ctx->groups[root].color != 0)
			continue;
		path[depth] = root;
		next[depth++] = 0;
		ctx->groups[root].color = 1;
		while (depth > 0 && e == CERR_OK) {
			struct inv_elem *g = &ctx->groups[path[depth - 1]];
			size_t c;

			if (next[depth - 1] == g->nparents) {
				g->color = 2;
				depth--;
				continue;
			}
			c = g->parents[next[depth - 1]++];
			if (ctx->groups[c].color == 0) {
				ctx->groups[c].color = 1;
				path[depth] = c;
				next[depth++] = 0;
			} else if (ctx->groups[c].color == 1) {
				char msg[512] = "";
				size_t from = 0, l = 0;
				struct ydoc_node gl;

				while (path[from] != c)
					from++;
				for (size_t i = from; i < depth &&
				    l + 1 < sizeof msg; i++)
					l += (size_t)snprintf(msg + l,
					    sizeof msg - l, "%s -> ",
					    ctx->groups[path[i]].name);
				if (l + 1 < sizeof msg)
					snprintf(msg + l, sizeof msg - l, "%s",
					    ctx->groups[c].name);
				ydoc_get(&g->self, "groups", &gl);
				e = ydoc_err(&gl, ctx->err, ctx->errlen,
				    "group cycle: %s", msg);
			}
		}
	}
	free(path);
	free(next);
	return e;
}

/* ---- pass 3: each host along its chain ---- */

/*
 * The chain Nornir searches for a host: the host, then its groups in
 * order, each followed depth-first by its own parents, each group once
 * (Host.extended_groups()), then the defaults.
 */
static void
s_build_chain(struct inv_ctx *ctx, const struct inv_elem *h)
{
	size_t sp = 0;

	ctx->nchain = 0;
	ctx->chain[ctx->nchain++] = h;
	for (size_t i = h->nparents; i-- > 0; )
		ctx->stack[sp++] = h->parents[i];
	while (sp > 0) {
		size_t g = ctx->stack[--sp];
		const struct inv_elem *ge = &ctx->groups[g];

		if (ctx->visited[g])
			continue;
		ctx->visited[g] = 1;
		ctx->chain[ctx->nchain++] = ge;
		for (size_t i = ge->nparents; i-- > 0; )
			if (!ctx->visited[ge->parents[i]])
				ctx->stack[sp++] = ge->parents[i];
	}
	ctx->chain[ctx->nchain++] = &ctx->defaults;
	for (size_t i = 1; i + 1 < ctx->nchain; i++)
		ctx->visited[ctx->chain[i] - ctx->groups] = 0;
}

/* The first element of the chain that sets key (null counts as unset). */
static int
s_pick(const struct inv_ctx *ctx, const char *key, struct ydoc_node *out)
{
	for (size_t i = 0; i < ctx->nchain; i++)
		if (ydoc_get(&ctx->chain[i]->self, key, out) && ydoc_isset(out))
			return 1;
	return 0;
}

/*
 * The same for connection_options.netmiko.KEY. Nornir's own recursion
 * (_get_connection_options_recursively) also consults the defaults inside
 * each group's subtree, so a default can beat a later group there; the
 * plain order (host, extended groups, defaults) is kept here on purpose, as
 * it is what the attributes and data use and what users expect.
 */
static int
s_pick_netmiko(const struct inv_ctx *ctx, const char *key,
    struct ydoc_node *out)
{
	struct ydoc_node co;

	for (size_t i = 0; i < ctx->nchain; i++) {
		ydoc_get(&ctx->chain[i]->self, "connection_options", &co);
		ydoc_get(&co, "netmiko", &co);
		if (ydoc_get(&co, key, out) && ydoc_isset(out))
			return 1;
	}
	return 0;
}

/* data.KEY, and data.loghaul.KEY (which resolves key by key, too). */
static int
s_pick_data(const struct inv_ctx *ctx, const char *sub, const char *key,
    struct ydoc_node *out)
{
	struct ydoc_node d;

	for (size_t i = 0; i < ctx->nchain; i++) {
		ydoc_get(&ctx->chain[i]->self, "data", &d);
		if (sub != NULL)
			ydoc_get(&d, sub, &d);
		if (ydoc_get(&d, key, out) && ydoc_isset(out))
			return 1;
	}
	return 0;
}

/* Say which host an error found in a group or the defaults was about. */
static enum cerr
s_for_host(struct inv_ctx *ctx, const struct ydoc_node *at, const char *host,
    enum cerr e)
{
	size_t l;

	if (ctx->err == NULL || at->doc == ctx->hdoc)
		return e;
	l = strlen(ctx->err);
	if (l + 1 < ctx->errlen)
		snprintf(ctx->err + l, ctx->errlen - l, " (for host '%s')",
		    host);
	return e;
}

static void
s_label_add(struct inv_host *h, const char *key, const char *value)
{
	h->labels = xrealloc(h->labels, (h->nlabels + 1) * sizeof *h->labels);
	h->labels[h->nlabels].key = xstrdup(key);
	h->labels[h->nlabels].value = value ? xstrdup(value) : NULL;
	h->nlabels++;
}

/*
 * The rest of data, merged key by key along the chain: the first element
 * that has a key decides it, even when its value is a mapping or null (which
 * are then left out, being no label).
 */
static enum cerr
s_labels(struct inv_ctx *ctx, struct inv_host *h)
{
	const char **seen = NULL;
	size_t nseen = 0;
	enum cerr e = CERR_OK;

	for (size_t i = 0; i < ctx->nchain && e == CERR_OK; i++) {
		struct ydoc_node d, v;

		ydoc_get(&ctx->chain[i]->self, "data", &d);
		for (size_t j = 0; j < ydoc_len(&d); j++) {
			const char *key, *val;
			int dup = 0;

			if ((e = ydoc_pair(&d, j, &key, &v, ctx->err,
			    ctx->errlen)) != CERR_OK)
				break;
			if (strcmp(key, "loghaul") == 0 ||
			    strcmp(key, "enable_secret") == 0)
				continue;
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = strcmp(seen[k], key) == 0;
			if (dup)
				continue;
			seen = xrealloc(seen, (nseen + 1) * sizeof *seen);
			seen[nseen++] = key;
			if (ydoc_kind(&v) == YDOC_SCALAR &&
			    ydoc_str(&v, &val, NULL, 0) == CERR_OK)
				s_label_add(h, key, val);
		}
	}
	free(seen);
	return e;
}

/* data.loghaul, each key on its own; the values were checked in pass 1. */
static void
s_resolve_loghaul(struct inv_ctx *ctx, struct inv_host *h)
{
	struct ydoc_node v;
	uint64_t ms;

	if (s_pick_data(ctx, "loghaul", "interval", &v) &&
	    ydoc_duration_ms(&v, INV_INTERVAL_MIN, INV_INTERVAL_MAX, &ms, NULL,
	    0) == CERR_OK)
		h->interval_ms = (int64_t)ms;
	if (s_pick_data(ctx, "loghaul", "persistent", &v))
		ydoc_bool(&v, &h->persistent, NULL, 0);
	if (s_pick_data(ctx, "loghaul", "exec", &v))
		ydoc_bool(&v, &h->exec_mode, NULL, 0);
	if (s_pick_data(ctx, "loghaul", "legacy_algorithms", &v))
		ydoc_bool(&v, &h->legacy_algorithms, NULL, 0);
	if (s_pick_data(ctx, "loghaul", "key_file", &v))
		ydoc_path(&v, &h->key_file, NULL, 0);
	if (s_pick_data(ctx, "loghaul", "timezone", &v))
		ydoc_strdup(&v, &h->timezone, NULL, 0);
	if (s_pick_data(ctx, "loghaul", "incremental", &v))
		ydoc_enum(&v, incremental_names, &h->incremental, NULL, 0);
}

/*
 * Where Nornir's netmiko plugin would find the enable secret: `secret` in
 * the first connection_options.netmiko.extras along the chain (extras is
 * taken whole, not merged, as Nornir does), else data.enable_secret.
 */
static enum cerr
s_resolve_enable(struct inv_ctx *ctx, struct inv_host *h)
{
	struct ydoc_node ex, v;
	enum cerr e;

	if (s_pick_netmiko(ctx, "extras", &ex) && ydoc_get(&ex, "secret", &v) &&
	    ydoc_isset(&v))
		;
	else if (!s_pick_data(ctx, NULL, "enable_secret", &v))
		return CERR_OK;
	e = secret_resolve(&v, &h->enable_secret, ctx->err, ctx->errlen);
	if (e != CERR_OK)
		return s_for_host(ctx, &v, h->name, e);
	return CERR_OK;
}

static enum cerr
s_resolve_host(struct inv_ctx *ctx, const struct inv_elem *el,
    struct inv_host *h)
{
	struct ydoc_node v, gl, item;
	const char *s;
	int64_t port;
	enum cerr e;

	h->name = xstrdup(el->name);
	h->port = 22;
	h->interval_ms = -1;
	h->persistent = h->exec_mode = h->legacy_algorithms = -1;
	h->incremental = -1;
	s_build_chain(ctx, el);

	/*
	 * Nornir's get_connection_parameters("netmiko"): a value under
	 * connection_options.netmiko anywhere along the chain comes before
	 * the plain attribute.
	 */
	if (s_pick_netmiko(ctx, "hostname", &v) || s_pick(ctx, "hostname", &v))
		ydoc_strdup(&v, &h->hostname, NULL, 0);
	if (h->hostname == NULL)
		h->hostname = xstrdup(el->name);
	if (s_pick_netmiko(ctx, "port", &v) || s_pick(ctx, "port", &v)) {
		if (ydoc_int(&v, 1, 65535, &port, NULL, 0) == CERR_OK)
			h->port = (int)port;
	}
	if (s_pick_netmiko(ctx, "username", &v) || s_pick(ctx, "username", &v))
		ydoc_strdup(&v, &h->username, NULL, 0);
	if (s_pick_netmiko(ctx, "password", &v) ||
	    s_pick(ctx, "password", &v)) {
		if ((e = secret_resolve(&v, &h->password, ctx->err,
		    ctx->errlen)) != CERR_OK)
			return s_for_host(ctx, &v, h->name, e);
	}
	if (s_pick_netmiko(ctx, "platform", &v) ||
	    s_pick(ctx, "platform", &v)) {
		ydoc_str(&v, &s, NULL, 0);
		if (inv_platform_name(s) == NULL) {
			char known[256] = "", q[128];
			for (size_t i = 0; inv_platforms[i]; i++)
				snprintf(known + strlen(known), sizeof known -
				    strlen(known), "%s%s", i ? ", " : "",
				    inv_platforms[i]);
			e = ydoc_err(&v, ctx->err, ctx->errlen, "unknown "
			    "platform '%s' (known: %s; also ios, iosxe, nxos, "
			    "eos, junos, iosxr)", ydoc_quote(&v, q, sizeof q),
			    known);
			return s_for_host(ctx, &v, h->name, e);
		}
		h->platform = xstrdup(inv_platform_name(s));
	} else {
		ydoc_get(&el->self, "platform", &v);
		return ydoc_err(&v, ctx->err, ctx->errlen, "no platform: set "
		    "it on the host, in one of its groups or in defaults");
	}

	ydoc_get(&el->self, "groups", &gl);
	h->groups = xcalloc(el->nparents + 1, sizeof *h->groups);
	for (size_t i = 0; i < el->nparents; i++) {
		ydoc_item(&gl, i, &item);
		ydoc_str(&item, &s, NULL, 0);
		h->groups[h->ngroups++] = xstrdup(s);
	}
	if ((e = s_resolve_enable(ctx, h)) != CERR_OK)
		return e;
	s_resolve_loghaul(ctx, h);
	return s_labels(ctx, h);
}

/* ---- entry points ---- */

static void
s_ctx_free(struct inv_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nhosts; i++)
		free(ctx->hosts[i].parents);
	for (size_t i = 0; i < ctx->ngroups; i++)
		free(ctx->groups[i].parents);
	free(ctx->hosts);
	free(ctx->groups);
	free(ctx->byname);
	free(ctx->chain);
	free(ctx->visited);
	free(ctx->stack);
	ydoc_free(&ctx->hdoc);
	ydoc_free(&ctx->gdoc);
	ydoc_free(&ctx->ddoc);
}

/* With the documents loaded: check, link, resolve. */
static enum cerr
s_build(struct inv_ctx *ctx, struct inventory **out)
{
	struct inventory *inv;
	size_t edges = 0;
	enum cerr e;

	if (ctx->ddoc != NULL) {
		ydoc_root(ctx->ddoc, &ctx->defaults.self);
		if ((e = s_check_elem(ctx, &ctx->defaults, 1)) != CERR_OK)
			return e;
	} else {
		memset(&ctx->defaults.self, 0, sizeof ctx->defaults.self);
	}
	if ((e = s_read_elems(ctx, ctx->gdoc, "group", &ctx->groups,
	    &ctx->ngroups)) != CERR_OK)
		return e;
	s_index_groups(ctx);
	if ((e = s_read_elems(ctx, ctx->hdoc, "host", &ctx->hosts,
	    &ctx->nhosts)) != CERR_OK)
		return e;
	for (size_t i = 0; i < ctx->ngroups; i++)
		if ((e = s_check_elem(ctx, &ctx->groups[i], 0)) != CERR_OK)
			return e;
	if ((e = s_check_cycles(ctx)) != CERR_OK)
		return e;
	for (size_t i = 0; i < ctx->nhosts; i++)
		if ((e = s_check_elem(ctx, &ctx->hosts[i], 0)) != CERR_OK)
			return e;
	for (size_t i = 0; i < ctx->nhosts; i++)
		edges += ctx->hosts[i].nparents;
	for (size_t i = 0; i < ctx->ngroups; i++)
		edges += ctx->groups[i].nparents;
	ctx->chain = xcalloc(ctx->ngroups + 2, sizeof *ctx->chain);
	ctx->visited = xcalloc(ctx->ngroups + 1, 1);
	ctx->stack = xcalloc(edges + 1, sizeof *ctx->stack);

	inv = xcalloc(1, sizeof *inv);
	inv->hosts = xcalloc(ctx->nhosts + 1, sizeof *inv->hosts);
	for (size_t i = 0; i < ctx->nhosts; i++) {
		inv->nhosts++;
		if ((e = s_resolve_host(ctx, &ctx->hosts[i], &inv->hosts[i])) !=
		    CERR_OK) {
			inventory_free(&inv);
			return e;
		}
	}
	*out = inv;
	return CERR_OK;
}

static enum cerr
s_load(struct inv_ctx *ctx, struct inventory **out)
{
	enum cerr e = s_build(ctx, out);

	s_ctx_free(ctx);
	return e;
}

enum cerr
inventory_load(const char *hosts, const char *groups, const char *defaults,
    struct inventory **out, char *err, size_t errlen)
{
	struct inv_ctx ctx = { .err = err, .errlen = errlen };
	enum cerr e;

	*out = NULL;
	e = ydoc_load_file(hosts, &ctx.hdoc, err, errlen);
	if (e == CERR_OK && groups != NULL)
		e = ydoc_load_file(groups, &ctx.gdoc, err, errlen);
	if (e == CERR_OK && defaults != NULL)
		e = ydoc_load_file(defaults, &ctx.ddoc, err, errlen);
	if (e != CERR_OK) {
		s_ctx_free(&ctx);
		return e;
	}
	return s_load(&ctx, out);
}

enum cerr
inventory_load_mem(const struct inv_source *hosts,
    const struct inv_source *groups, const struct inv_source *defaults,
    struct inventory **out, char *err, size_t errlen)
{
	struct inv_ctx ctx = { .err = err, .errlen = errlen };
	enum cerr e;

	*out = NULL;
	e = ydoc_load_mem(hosts->name, hosts->data, hosts->len, &ctx.hdoc,
	    err, errlen);
	if (e == CERR_OK && groups != NULL)
		e = ydoc_load_mem(groups->name, groups->data, groups->len,
		    &ctx.gdoc, err, errlen);
	if (e == CERR_OK && defaults != NULL)
		e = ydoc_load_mem(defaults->name, defaults->data,
		    defaults->len, &ctx.ddoc, err, errlen);
	if (e != CERR_OK) {
		s_ctx_free(&ctx);
		return e;
	}
	return s_load(&ctx, out);
}

void
inventory_free(struct inventory **invp)
{
	struct inventory *inv;

	if (invp == NULL || (inv = *invp) == NULL)
		return;
	for (size_t i = 0; i < inv->nhosts; i++) {
		struct inv_host *h = &inv->hosts[i];

		free(h->name);
		free(h->hostname);
		free(h->username);
		secret_free(&h->password);
		secret_free(&h->enable_secret);
		free(h->platform);
		for (size_t j = 0; j < h->ngroups; j++)
			free(h->groups[j]);
		free(h->groups);
		free(h->key_file);
		free(h->timezone);
		for (size_t j = 0; j < h->nlabels; j++) {
			free(h->labels[j].key);
			free(h->labels[j].value);
		}
		free(h->labels);
	}
	free(inv->hosts);
	free(inv);
	*invp = NULL;
}

const struct inv_host *
inventory_find(const struct inventory *inv, const char *name)
{
	for (size_t i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return &inv->hosts[i];
	return NULL;
}
