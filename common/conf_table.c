/*
 * conf_table.c — the machinery behind the key tables of conf.c and of the
 * output plugins (conf_key.h): one walk of a table sets its defaults,
 * another reads a YAML mapping into the struct it describes (each value
 * checked as it is read, while its line is at hand; unknown keys refused),
 * a third frees what the strings point to. conf.c holds the tables and
 * the checks that involve several keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/conf_key.h"
#include "common/conf_shape.h"
#include "common/conf_table.h"
#include "common/log.h"
#include "common/secret.h"
#include "common/util.h"
#include "common/wire.h"
#include "common/ydoc.h"

#define NO_OFF	CONF_NO_OFF

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
void
conf_table_free(const struct conf_key *tbl, void *base)
{
	for (const struct conf_key *k = tbl; k->name; k++) {
		switch (k->type) {
		case CK_SECTION:
			conf_table_free(k->sub, base);
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
void
conf_table_defaults(const struct conf_key *tbl, void *base, const char *dir)
{
	for (const struct conf_key *k = tbl; k->name; k++) {
		int64_t i64;
		uint64_t u64;
		const char *why;
		char *norm;

		if (k->type == CK_SECTION) {
			conf_table_defaults(k->sub, base, dir);
			continue;
		}
		if (k->def == NULL)
			continue;
		switch (k->type) {
		case CK_STR: case CK_HOSTPORT: case CK_URL:
			s_set_str(base, k->off, xstrdup(k->def));
			break;
		case CK_ENDPOINT:
			if (!conf_endpoint_ok(k->def, dir, &norm, &why))
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

const struct ydoc_node *
conf_table_where(const struct conf_ctx *ctx, const void *base, size_t off)
{
	for (size_t i = ctx->nseen; i-- > 0; )
		if (ctx->seen[i].base == base && ctx->seen[i].off == off)
			return &ctx->seen[i].at;
	return NULL;
}

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
	if (!conf_endpoint_ok(s, ctx->dir, &norm, &why))
		return ydoc_err(v, ctx->err, ctx->errlen,
		    "expected tcp://HOST:PORT, ipc://PATH or inproc://NAME, "
		    "got '%s' (%s)",
		    ydoc_quote(v, q, sizeof q), why);
	*out = norm ? norm : xstrdup(s);
	return CERR_OK;
}

static enum cerr
s_hostport_apply(struct conf_ctx *ctx, const struct ydoc_node *v, char **out)
{
	const char *s, *why;
	char q[128];
	enum cerr e;

	if ((e = ydoc_str(v, &s, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	if (!conf_hostport_ok(s, 1, 0, &why))
		return ydoc_err(v, ctx->err, ctx->errlen,
		    "expected HOST:PORT such as 127.0.0.1:9464, got '%s' (%s)",
		    ydoc_quote(v, q, sizeof q), why);
	*out = xstrdup(s);
	return CERR_OK;
}

static enum cerr
s_url_apply(struct conf_ctx *ctx, const struct ydoc_node *v, char **out)
{
	struct ydoc_node sv = *v;
	const char *why;
	enum cerr e;

	/* URLs can carry tokens: never print them */
	sv.secret = 1;
	if ((e = secret_resolve(&sv, out, ctx->err, ctx->errlen)) != CERR_OK)
		return e;
	if (!conf_url_ok(*out, &why)) {
		secret_free(out);
		return ydoc_err(&sv, ctx->err, ctx->errlen,
		    "expected an http:// or https:// URL (%s)", why);
	}
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
		e = conf_table_apply(ctx, k->sub, &ent, v);
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
	char *s = NULL;
	const char *cs;
	int64_t i64;
	uint64_t u64;
	int iv;
	enum cerr e = CERR_OK;

	if (k->type == CK_SECTION) {
		if (k->flag_off != NO_OFF)
			*(int *)s_field(base, k->flag_off) = 1;
		s_seen(ctx, base, k->flag_off, v);
		return conf_table_apply(ctx, k->sub, base, v);
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
		e = s_hostport_apply(ctx, v, &s);
		break;
	case CK_URL:
		e = s_url_apply(ctx, v, &s);
		break;
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

enum cerr
conf_table_apply(struct conf_ctx *ctx, const struct conf_key *tbl, void *base,
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

const struct conf_plugin *const *
conf_table_plugins(void)
{
	return s_plugins;
}

static void
s_output_clear(struct conf_output *o)
{
	if (o->plugin && o->opts)
		conf_table_free(o->plugin->keys, o->opts);
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
	conf_table_defaults(p->keys, o->opts, dir);
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
