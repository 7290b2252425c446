/*
 * ydoc.c — libyaml's document API with marks and key paths kept next to
 * every value, so that a bad value can always be reported as
 * "FILE:LINE: key 'a.b.c': ...". See ydoc.h for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "common/util.h"
#include "common/ydoc.h"

/* Bounds on merge-key expansion, so that a hostile file cannot blow up. */
#define YDOC_MERGE_DEPTH	64
#define YDOC_MERGE_PAIRS	100000

struct ydoc {
	yaml_document_t doc;
	int             loaded;
	char           *name;
	char           *dir;
	/* merge expansion bookkeeping, only during load */
	unsigned char  *mstate;
	size_t          mpairs;
};

static void
s_put(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_put(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- paths ---- */

char *
ydoc_abspath(const char *dir, const char *path)
{
	char *joined, *out, *w;
	const char *p, *seg;
	size_t sl;

	joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", dir, path);
	out = w = xmalloc(strlen(joined) + 2);
	/* Lexical clean-up only: "//" and "/./" go; ".." stays (symlinks). */
	for (p = joined; *p; ) {
		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		sl = (size_t)(p - seg);
		if (sl == 0 || (sl == 1 && seg[0] == '.'))
			continue;
		*w++ = '/';
		memcpy(w, seg, sl);
		w += sl;
	}
	if (w == out)
		*w++ = '/';
	*w = '\0';
	free(joined);
	return out;
}

/* The absolute directory of a file name, for resolving relative paths. */
static char *
s_dirof(const char *name)
{
	const char *slash = strrchr(name, '/');
	char cwd[4096], *dir, *abs;

	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == name)
		dir = xstrdup("/");
	else
		dir = xstrndup(name, (size_t)(slash - name));
	if (dir[0] != '/' && getcwd(cwd, sizeof cwd) == NULL)
		strcpy(cwd, "/");
	abs = ydoc_abspath(cwd, dir);
	free(dir);
	return abs;
}

/* ---- loading ---- */

static int
s_is_merge_key(const yaml_node_t *k)
{
	return k != NULL && k->type == YAML_SCALAR_NODE &&
	    k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    k->data.scalar.length == 2 &&
	    memcmp(k->data.scalar.value, "<<", 2) == 0;
}

static int
s_same_scalar(const yaml_node_t *a, const yaml_node_t *b)
{
	return a != NULL && b != NULL && a->type == YAML_SCALAR_NODE &&
	    b->type == YAML_SCALAR_NODE &&
	    a->data.scalar.length == b->data.scalar.length &&
	    memcmp(a->data.scalar.value, b->data.scalar.value,
	    a->data.scalar.length) == 0;
}

static int
s_map_has(yaml_document_t *doc, const yaml_node_t *map, const yaml_node_t *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (s_same_scalar(yaml_document_get_node(doc, p->key), key))
			return 1;
	return 0;
}

static enum cerr s_merge(struct ydoc *d, int idx, int depth, char *err,
    size_t errlen);

static enum cerr
s_merge_err(struct ydoc *d, const yaml_node_t *at, char *err, size_t errlen,
    const char *msg)
{
	s_put(err, errlen, "%s:%zu: %s", d->name, at->start_mark.line + 1, msg);
	return CERR_PARSE;
}

/* Add the keys of mapping src that map idx lacks. */
static enum cerr
s_merge_from(struct ydoc *d, int idx, int src, const yaml_node_t *at,
    int depth, char *err, size_t errlen)
{
	yaml_document_t *doc = &d->doc;
	yaml_node_t *s = yaml_document_get_node(doc, src);
	enum cerr e;

	if (s == NULL || s->type != YAML_MAPPING_NODE)
		return s_merge_err(d, at, err, errlen,
		    "key '<<': a merge key takes a mapping or a list of "
		    "mappings");
	if (src == idx)
		return s_merge_err(d, at, err, errlen,
		    "key '<<': a mapping cannot merge itself");
	if ((e = s_merge(d, src, depth + 1, err, errlen)) != CERR_OK)
		return e;
	s = yaml_document_get_node(doc, src);
	for (size_t i = 0; i < (size_t)(s->data.mapping.pairs.top -
	    s->data.mapping.pairs.start); i++) {
		yaml_node_pair_t p = s->data.mapping.pairs.start[i];
		yaml_node_t *m = yaml_document_get_node(doc, idx);

		if (s_map_has(doc, m, yaml_document_get_node(doc, p.key)))
			continue;
		if (++d->mpairs > YDOC_MERGE_PAIRS)
			return s_merge_err(d, at, err, errlen,
			    "key '<<': too many merged keys");
		if (!yaml_document_append_mapping_pair(doc, idx, p.key,
		    p.value))
			return CERR_NOMEM;
	}
	return CERR_OK;
}

/*
 * Expand the merge keys of mapping idx (after the ones it merges from).
 * Explicit keys win over merged ones, earlier sources over later ones, as
 * YAML 1.1's merge type says.
 */
static enum cerr
s_merge(struct ydoc *d, int idx, int depth, char *err, size_t errlen)
{
	yaml_document_t *doc = &d->doc;
	yaml_node_t *n = yaml_document_get_node(doc, idx);
	yaml_node_pair_t *p, *w, *mp = NULL;
	size_t nm = 0;
	enum cerr e = CERR_OK;

	if (n == NULL || n->type != YAML_MAPPING_NODE || d->mstate[idx] == 2)
		return CERR_OK;
	if (d->mstate[idx] == 1)
		return s_merge_err(d, n, err, errlen,
		    "key '<<': mappings merge each other in a cycle");
	if (depth > YDOC_MERGE_DEPTH)
		return s_merge_err(d, n, err, errlen,
		    "key '<<': merges nested too deep");
	d->mstate[idx] = 1;
	/* Take the "<<" pairs out first, keeping the others in order. */
	for (p = w = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		if (s_is_merge_key(yaml_document_get_node(doc, p->key))) {
			mp = xrealloc(mp, (nm + 1) * sizeof *mp);
			mp[nm++] = *p;
		} else
			*w++ = *p;
	}
	n->data.mapping.pairs.top = w;
	for (size_t i = 0; i < nm && e == CERR_OK; i++) {
		yaml_node_t *at = yaml_document_get_node(doc, mp[i].key);
		yaml_node_t *v = yaml_document_get_node(doc, mp[i].value);

		if (v != NULL && v->type == YAML_SEQUENCE_NODE) {
			size_t cnt = (size_t)(v->data.sequence.items.top -
			    v->data.sequence.items.start);
			for (size_t j = 0; j < cnt && e == CERR_OK; j++) {
				v = yaml_document_get_node(doc, mp[i].value);
				e = s_merge_from(d, idx,
				    v->data.sequence.items.start[j], at, depth,
				    err, errlen);
			}
		} else
			e = s_merge_from(d, idx, mp[i].value, at, depth, err,
			    errlen);
	}
	free(mp);
	d->mstate[idx] = 2;
	return e;
}

static enum cerr
s_expand_merges(struct ydoc *d, char *err, size_t errlen)
{
	size_t n = (size_t)(d->doc.nodes.top - d->doc.nodes.start);
	enum cerr e = CERR_OK;

	d->mstate = xcalloc(n + 1, 1);
	for (size_t i = 1; i <= n && e == CERR_OK; i++)
		e = s_merge(d, (int)i, 0, err, errlen);
	free(d->mstate);
	d->mstate = NULL;
	return e;
}

static size_t
s_line_at(const unsigned char *data, size_t len, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

static void
s_syntax_err(const yaml_parser_t *p, const char *name, const void *data,
    size_t len, char *err, size_t errlen)
{
	const char *problem = p->problem ? p->problem : "cannot parse YAML";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		s_put(err, errlen, "%s: out of memory parsing YAML", name);
		break;
	case YAML_READER_ERROR:
		if (p->problem_value != -1)
			s_put(err, errlen, "%s:%zu: %s (byte 0x%02X)", name,
			    s_line_at(data, len, p->problem_offset), problem,
			    (unsigned)p->problem_value & 0xffu);
		else
			s_put(err, errlen, "%s:%zu: %s", name,
			    s_line_at(data, len, p->problem_offset), problem);
		break;
	default:
		if (p->context)
			s_put(err, errlen, "%s:%zu:%zu: %s (%s at line %zu)",
			    name, p->problem_mark.line + 1,
			    p->problem_mark.column + 1, problem, p->context,
			    p->context_mark.line + 1);
		else
			s_put(err, errlen, "%s:%zu:%zu: %s", name,
			    p->problem_mark.line + 1,
			    p->problem_mark.column + 1, problem);
		break;
	}
}

enum cerr
ydoc_load_mem(const char *name, const void *data, size_t len,
    struct ydoc **out, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	struct ydoc *d;
	enum cerr e = CERR_PARSE;

	*out = NULL;
	d = xcalloc(1, sizeof *d);
	d->name = xstrdup(name);
	d->dir = s_dirof(name);
	if (!yaml_parser_initialize(&parser)) {
		s_put(err, errlen, "%s: cannot initialise the YAML parser",
		    name);
		e = CERR_NOMEM;
		goto out_free_doc;
	}
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &d->doc)) {
		s_syntax_err(&parser, name, data, len, err, errlen);
		goto out_parser;
	}
	d->loaded = 1;
	/* One document per file: a second one would be silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		s_syntax_err(&parser, name, data, len, err, errlen);
		goto out_parser;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		s_put(err, errlen, "%s:%zu: only one YAML document per file",
		    name, extra.start_mark.line + 1);
		yaml_document_delete(&extra);
		goto out_parser;
	}
	yaml_document_delete(&extra);
	if ((e = s_expand_merges(d, err, errlen)) != CERR_OK) {
		if (e == CERR_NOMEM)
			s_put(err, errlen, "%s: out of memory", name);
		goto out_parser;
	}
	yaml_parser_delete(&parser);
	*out = d;
	return CERR_OK;

out_parser:
	yaml_parser_delete(&parser);
out_free_doc:
	ydoc_free(&d);
	return e;
}

enum cerr
ydoc_load_file(const char *path, struct ydoc **out, char *err, size_t errlen)
{
	struct stat st;
	char *data;
	size_t len = 0, cap;
	ssize_t r;
	int fd;
	enum cerr e;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		int saved = errno;

		s_put(err, errlen, "%s: %s", path, strerror(saved));
		return saved == ENOENT ? CERR_NOTFOUND : CERR_IO;
	}
	if (fstat(fd, &st) == -1)
		memset(&st, 0, sizeof st);
	if (S_ISDIR(st.st_mode)) {
		s_put(err, errlen, "%s: %s", path, strerror(EISDIR));
		close(fd);
		return CERR_IO;
	}
	/* sized from fstat, grown for files that do not say (pipes, /proc) */
	cap = 65536;
	if (S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < YDOC_MAX_FILE)
		cap = (size_t)st.st_size + 1;
	data = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			cap *= 2;
			if (cap > YDOC_MAX_FILE + 1)
				cap = YDOC_MAX_FILE + 1;
			data = xrealloc(data, cap);
		}
		r = read(fd, data + len, cap - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			s_put(err, errlen, "%s: %s", path, strerror(errno));
			e = CERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > YDOC_MAX_FILE) {
			s_put(err, errlen, "%s: file larger than %u bytes",
			    path, YDOC_MAX_FILE);
			e = CERR_TOOBIG;
			goto out;
		}
	}
	e = ydoc_load_mem(path, data, len, out, err, errlen);
out:
	close(fd);
	free(data);
	return e;
}

void
ydoc_free(struct ydoc **dp)
{
	struct ydoc *d;

	if (dp == NULL || (d = *dp) == NULL)
		return;
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->mstate);
	free(d->name);
	free(d->dir);
	free(d);
	*dp = NULL;
}

const char *
ydoc_name(const struct ydoc *d)
{
	return d->name;
}

const char *
ydoc_dir(const struct ydoc *d)
{
	return d->dir;
}

/* ---- nodes ---- */

static size_t
s_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

/* Append src to the key path, escaping control bytes, cutting with "...". */
static void
s_keycat(char *dst, const char *src, size_t srclen)
{
	size_t l = strlen(dst);
	const size_t cut = YDOC_KEYLEN - 4;

	for (size_t i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c < 0x20 || c == 0x7f) ? 4 : 1;

		if (l + need > cut) {
			memcpy(dst + (l < cut ? l : cut), "...", 4);
			return;
		}
		if (need == 4)
			snprintf(dst + l, 5, "\\x%02X", c);
		else
			dst[l] = (char)c;
		l += need;
		dst[l] = '\0';
	}
}

static void
s_node(struct ydoc_node *out, struct ydoc *d, yaml_node_t *n, size_t line,
    int secret)
{
	out->doc = d;
	out->node = n;
	out->line = n ? s_line(n) : line;
	out->secret = secret;
}

void
ydoc_root(struct ydoc *d, struct ydoc_node *out)
{
	yaml_node_t *n = yaml_document_get_root_node(&d->doc);

	s_node(out, d, n, 1, 0);
	out->key[0] = '\0';
}

static int
s_is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return n->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
	    strcmp(v, "NULL") == 0;
}

enum ydoc_kind
ydoc_kind(const struct ydoc_node *n)
{
	if (n->node == NULL)
		return YDOC_ABSENT;
	switch (n->node->type) {
	case YAML_SCALAR_NODE:
		return s_is_null(n->node) ? YDOC_NULL : YDOC_SCALAR;
	case YAML_SEQUENCE_NODE:
		return YDOC_SEQ;
	case YAML_MAPPING_NODE:
		return YDOC_MAP;
	default:
		return YDOC_NULL;
	}
}

const char *
ydoc_kindname(const struct ydoc_node *n)
{
	switch (ydoc_kind(n)) {
	case YDOC_ABSENT: return "nothing";
	case YDOC_NULL:   return "null";
	case YDOC_SCALAR: return "a string";
	case YDOC_SEQ:    return "a list";
	case YDOC_MAP:    return "a mapping";
	}
	return "?";
}

int
ydoc_isset(const struct ydoc_node *n)
{
	enum ydoc_kind k = ydoc_kind(n);

	return k != YDOC_ABSENT && k != YDOC_NULL;
}

static void
s_child(const struct ydoc_node *parent, yaml_node_t *n, const char *key,
    size_t keylen, struct ydoc_node *out)
{
	char path[YDOC_KEYLEN];

	/* parent and out may be the same struct */
	memcpy(path, parent->key, sizeof path);
	if (path[0] != '\0')
		s_keycat(path, ".", 1);
	s_keycat(path, key, keylen);
	s_node(out, parent->doc, n, parent->line, 0);
	memcpy(out->key, path, sizeof path);
}

int
ydoc_get(const struct ydoc_node *map, const char *key, struct ydoc_node *out)
{
	yaml_document_t *doc;
	size_t klen = strlen(key);

	if (ydoc_kind(map) == YDOC_MAP) {
		doc = &map->doc->doc;
		for (yaml_node_pair_t *p = map->node->data.mapping.pairs.start;
		    p < map->node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			if (k && k->type == YAML_SCALAR_NODE &&
			    k->data.scalar.length == klen &&
			    memcmp(k->data.scalar.value, key, klen) == 0) {
				s_child(map, yaml_document_get_node(doc,
				    p->value), key, klen, out);
				return 1;
			}
		}
	}
	s_child(map, NULL, key, klen, out);
	out->line = map->line;
	return 0;
}

size_t
ydoc_len(const struct ydoc_node *n)
{
	switch (ydoc_kind(n)) {
	case YDOC_SEQ:
		return (size_t)(n->node->data.sequence.items.top -
		    n->node->data.sequence.items.start);
	case YDOC_MAP:
		return (size_t)(n->node->data.mapping.pairs.top -
		    n->node->data.mapping.pairs.start);
	default:
		return 0;
	}
}

void
ydoc_item(const struct ydoc_node *seq, size_t i, struct ydoc_node *out)
{
	char path[YDOC_KEYLEN], idx[32];
	yaml_node_t *n = NULL;

	if (ydoc_kind(seq) == YDOC_SEQ && i < ydoc_len(seq))
		n = yaml_document_get_node(&seq->doc->doc,
		    seq->node->data.sequence.items.start[i]);
	memcpy(path, seq->key, sizeof path);
	snprintf(idx, sizeof idx, "[%zu]", i);
	s_keycat(path, idx, strlen(idx));
	s_node(out, seq->doc, n, seq->line, 0);
	memcpy(out->key, path, sizeof path);
}

enum cerr
ydoc_pair(const struct ydoc_node *map, size_t i, const char **key,
    struct ydoc_node *val, char *err, size_t errlen)
{
	yaml_document_t *doc;
	yaml_node_pair_t *p;
	yaml_node_t *k;
	struct ydoc_node kn;

	if (ydoc_kind(map) != YDOC_MAP || i >= ydoc_len(map))
		return ydoc_err(map, err, errlen, "no pair %zu here", i);
	doc = &map->doc->doc;
	p = &map->node->data.mapping.pairs.start[i];
	k = yaml_document_get_node(doc, p->key);
	kn = *map;
	s_node(&kn, map->doc, k, map->line, 0);
	if (k == NULL || k->type != YAML_SCALAR_NODE)
		return ydoc_err(&kn, err, errlen,
		    "a key must be a string, not %s", ydoc_kindname(&kn));
	if (k->data.scalar.length == 0 ||
	    strlen((const char *)k->data.scalar.value) != k->data.scalar.length)
		return ydoc_err(&kn, err, errlen,
		    "a key must be a non-empty string without NUL bytes");
	*key = (const char *)k->data.scalar.value;
	s_child(map, yaml_document_get_node(doc, p->value), *key,
	    k->data.scalar.length, val);
	return CERR_OK;
}

size_t
ydoc_pair_line(const struct ydoc_node *map, size_t i)
{
	yaml_node_t *k;

	if (ydoc_kind(map) != YDOC_MAP || i >= ydoc_len(map))
		return map->line;
	k = yaml_document_get_node(&map->doc->doc,
	    map->node->data.mapping.pairs.start[i].key);
	return k ? s_line(k) : map->line;
}

static void
s_known_list(const char *const *known, char *buf, size_t len)
{
	size_t l = 0;

	buf[0] = '\0';
	for (size_t i = 0; known[i] != NULL && l + 1 < len; i++) {
		int r = snprintf(buf + l, len - l, "%s%s", i ? ", " : "",
		    known[i]);
		if (r < 0)
			break;
		l += (size_t)r;
	}
}

/* The key node of pair i of mapping n. */
static const yaml_node_t *
s_key_at(const struct ydoc_node *n, size_t i)
{
	return yaml_document_get_node(&n->doc->doc,
	    n->node->data.mapping.pairs.start[i].key);
}

/* Order pair indices by key text, then by position, for s_check_dups(). */
static int
s_cmp_pairs(const void *a, const void *b, void *arg)
{
	const struct ydoc_node *n = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const yaml_node_t *ka = s_key_at(n, ia), *kb = s_key_at(n, ib);
	size_t la = ka->data.scalar.length, lb = kb->data.scalar.length;
	int c = memcmp(ka->data.scalar.value, kb->data.scalar.value,
	    la < lb ? la : lb);

	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
	if (c == 0)
		c = ia < ib ? -1 : ia > ib;
	return c;
}

/*
 * Report the first repeated key in file order, pointing at its first
 * occurrence too. Sorting keeps this O(n log n): a hosts.yaml can have
 * tens of thousands of keys. Every key is a scalar by now.
 */
static enum cerr
s_check_dups(const struct ydoc_node *n, char *err, size_t errlen)
{
	size_t cnt = ydoc_len(n), *idx, dup = SIZE_MAX, first = 0, run = 0;
	enum cerr e = CERR_OK;

	if (cnt < 2)
		return CERR_OK;
	idx = xcalloc(cnt, sizeof *idx);
	for (size_t i = 0; i < cnt; i++)
		idx[i] = i;
	qsort_r(idx, cnt, sizeof *idx, s_cmp_pairs, (void *)(uintptr_t)n);
	/* equal keys sort together, in file order: run is where they start */
	for (size_t i = 1; i < cnt; i++) {
		if (!s_same_scalar(s_key_at(n, idx[run]), s_key_at(n, idx[i]))) {
			run = i;
			continue;
		}
		if (i == run + 1 && idx[i] < dup) {
			dup = idx[i];
			first = idx[run];
		}
	}
	if (dup != SIZE_MAX) {
		const char *key;
		struct ydoc_node v;

		ydoc_pair(n, dup, &key, &v, NULL, 0);
		v.line = s_line(s_key_at(n, dup));
		e = ydoc_err(&v, err, errlen,
		    "duplicate key (first at line %zu)",
		    s_line(s_key_at(n, first)));
	}
	free(idx);
	return e;
}

enum cerr
ydoc_check_map(const struct ydoc_node *n, const char *const *known, char *err,
    size_t errlen)
{
	enum ydoc_kind kind = ydoc_kind(n);
	size_t cnt;

	if (kind == YDOC_ABSENT || kind == YDOC_NULL)
		return CERR_OK;
	if (kind != YDOC_MAP)
		return ydoc_err(n, err, errlen, "expected a mapping, got %s",
		    ydoc_kindname(n));
	cnt = ydoc_len(n);
	for (size_t i = 0; i < cnt; i++) {
		const char *key;
		struct ydoc_node v;
		enum cerr e;
		int ok = known == NULL;
		yaml_node_t *ki;

		if ((e = ydoc_pair(n, i, &key, &v, err, errlen)) != CERR_OK)
			return e;
		/* point at the key, not at its value */
		ki = yaml_document_get_node(&n->doc->doc,
		    n->node->data.mapping.pairs.start[i].key);
		v.line = s_line(ki);
		for (size_t j = 0; known != NULL && known[j] != NULL; j++)
			if (strcmp(known[j], key) == 0)
				ok = 1;
		if (!ok) {
			char list[512];

			s_known_list(known, list, sizeof list);
			return ydoc_err(&v, err, errlen,
			    "unknown key (known keys: %s)", list);
		}
	}
	return s_check_dups(n, err, errlen);
}

/* ---- messages ---- */

const char *
ydoc_quote(const struct ydoc_node *n, char *buf, size_t len)
{
	const unsigned char *s;
	size_t slen, l = 0, cut;

	if (len == 0)
		return buf;
	if (ydoc_kind(n) != YDOC_SCALAR || n->secret || len < 16) {
		snprintf(buf, len, "%s", n->secret && ydoc_kind(n) ==
		    YDOC_SCALAR ? "***" : ydoc_kindname(n));
		return buf;
	}
	s = n->node->data.scalar.value;
	slen = n->node->data.scalar.length;
	/* room for an escape or a UTF-8 tail, "..." and the NUL */
	cut = len - 12 < 60 ? len - 12 : 60;
	for (size_t i = 0; i < slen; i++) {
		unsigned char c = s[i];
		int cont = c >= 0x80 && c < 0xc0;

		/* cut only at a character boundary */
		if (l >= cut && !cont) {
			memcpy(buf + l, "...", 3);
			l += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			l += (size_t)snprintf(buf + l, len - l, "\\x%02X", c);
		else
			buf[l++] = (char)c;
	}
	buf[l] = '\0';
	return buf;
}

enum cerr
ydoc_verr(const struct ydoc_node *n, int with_value, char *err, size_t errlen,
    const char *fmt, va_list ap)
{
	char msg[1024], q[128];
	const char *name = n->doc ? n->doc->name : "?";

	if (err == NULL || errlen == 0)
		return CERR_PARSE;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (with_value && !n->secret && ydoc_kind(n) == YDOC_SCALAR)
		snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		    " (value '%s')", ydoc_quote(n, q, sizeof q));
	if (n->key[0] != '\0')
		snprintf(err, errlen, "%s:%zu: key '%s': %s", name, n->line,
		    n->key, msg);
	else
		snprintf(err, errlen, "%s:%zu: %s", name, n->line, msg);
	return CERR_PARSE;
}

enum cerr
ydoc_err(const struct ydoc_node *n, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ydoc_verr(n, 0, err, errlen, fmt, ap);
	va_end(ap);
	return CERR_PARSE;
}

enum cerr
ydoc_errv(const struct ydoc_node *n, char *err, size_t errlen,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ydoc_verr(n, 1, err, errlen, fmt, ap);
	va_end(ap);
	return CERR_PARSE;
}
