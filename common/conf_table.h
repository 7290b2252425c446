/*
 * conf_table.h — the machinery behind the key tables (conf_table.c), for
 * conf.c: its tables are walked by these, and its checks that involve
 * several keys ask where a value came from. Private to common/.
 */
#ifndef LOGHAUL_CONF_TABLE_H
#define LOGHAUL_CONF_TABLE_H

#include <stddef.h>

#include "common/cerr.h"
#include "common/conf_key.h"
#include "common/ydoc.h"

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

/*
 * One entry of analyzer.collectors written as a mapping; the sub-table of
 * a CK_UPSTREAMV key fills it.
 */
struct upstream_entry {
	char *push, *acks;
};

/* Every default of tbl into base; dir makes relative paths absolute. */
void conf_table_defaults(const struct conf_key *tbl, void *base,
    const char *dir);

/*
 * The mapping map into base, key by key as tbl describes; a key map has
 * and tbl does not is an error naming FILE:LINE in ctx->err.
 */
enum cerr conf_table_apply(struct conf_ctx *ctx, const struct conf_key *tbl,
    void *base, const struct ydoc_node *map);

/* Free what tbl's strings in base point to (base itself is the caller's). */
void conf_table_free(const struct conf_key *tbl, void *base);

/* Where the value of the field at base + off was read; NULL: a default. */
const struct ydoc_node *conf_table_where(const struct conf_ctx *ctx,
    const void *base, size_t off);

/* The plugins conf_set_output_plugins() registered; NULL: none. */
const struct conf_plugin *const *conf_table_plugins(void);

#endif
