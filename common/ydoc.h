/*
 * ydoc.h — typed, checked access to a YAML document (libyaml's document
 * API, yaml_parser_load), with the file, line and key path of every value at
 * hand, so that every error a user sees reads
 *
 *     FILE:LINE: key 'a.b[2].c': message
 *
 * The config loader, the inventory loader and the rule loader all read YAML
 * through this; use it for any new YAML file so that errors look the same.
 *
 * How to use it:
 *
 *	struct ydoc *d;
 *	struct ydoc_node root, v;
 *	const char *s;
 *	static const char *const keys[] = { "name", "pattern", NULL };
 *
 *	if (ydoc_load_file(path, &d, err, errlen) != CERR_OK)
 *		return CERR_PARSE;		// err says why
 *	ydoc_root(d, &root);			// absent when the file is empty
 *	if (ydoc_check_map(&root, keys, err, errlen) != CERR_OK)
 *		goto fail;			// not a mapping, unknown key
 *	ydoc_get(&root, "pattern", &v);
 *	if (ydoc_str(&v, &s, err, errlen) != CERR_OK)
 *		goto fail;			// "FILE:3: key 'pattern': ..."
 *	...
 *	ydoc_free(&d);				// s is gone now
 *
 * A struct ydoc_node is a small value: a node (or the fact that it is
 * absent), the line to point errors at, and its key path. Copy it freely;
 * it stays valid until ydoc_free() of its document. Borrowed strings
 * (ydoc_str) live as long as the document.
 *
 * Values: every getter accepts a scalar, plain or quoted ("22" is a number
 * where a number is expected). A null value (`key:`, `key: ~`, `key: null`)
 * is reported by ydoc_kind() as YDOC_NULL and is refused by the getters;
 * callers that give null a meaning ("use the default") test for it first.
 * An absent node makes the getters fail with "required key is missing".
 *
 * Merge keys (`<<: *anchor`, `<<: [*a, *b]`), which Nornir's YAML loader
 * understands, are expanded at load time: the keys of the merged mappings
 * are added to the mapping unless it already has them, so callers never see
 * a `<<` key. Aliases may form cycles (`&a [*a]`): never walk a document
 * recursively without a depth limit.
 *
 * Secrets: a node marked secret (node.secret = 1, set by the caller before
 * asking for it) never has its value printed in an error.
 */
#ifndef LOGHAUL_YDOC_H
#define LOGHAUL_YDOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"

/* Largest file ydoc_load_file() reads. */
#define YDOC_MAX_FILE	(16u * 1024 * 1024)
/* Key paths longer than this are cut (with "...") in messages. */
#define YDOC_KEYLEN	160

struct ydoc;
struct yaml_node_s;

enum ydoc_kind {
	YDOC_ABSENT,	/* the key is not there */
	YDOC_NULL,	/* there, but empty, ~ or null */
	YDOC_SCALAR,
	YDOC_SEQ,
	YDOC_MAP,
};

struct ydoc_node {
	struct ydoc        *doc;
	struct yaml_node_s *node;	/* NULL when absent */
	size_t              line;	/* 1-based; absent: its parent's */
	int                 secret;	/* never print the value */
	char                key[YDOC_KEYLEN];	/* "" for the root */
};

/*
 * Parse one YAML document from a file (at most YDOC_MAX_FILE bytes) or from
 * memory. name is what errors call the file (the path as the user gave it);
 * relative paths in the document are relative to name's directory, made
 * absolute against the working directory (ydoc_dir()). A second document
 * in the stream is an error. A syntax error reads
 * "FILE:LINE:COL: PROBLEM (CONTEXT at line L)". A missing file reads
 * "FILE: No such file or directory". Caller owns *out: ydoc_free(&d).
 */
enum cerr ydoc_load_file(const char *path, struct ydoc **out, char *err,
    size_t errlen);
enum cerr ydoc_load_mem(const char *name, const void *data, size_t len,
    struct ydoc **out, char *err, size_t errlen);
void      ydoc_free(struct ydoc **d);

const char *ydoc_name(const struct ydoc *d);	/* as given to load */
const char *ydoc_dir(const struct ydoc *d);	/* absolute, no trailing '/' */

/* The root node; absent when the document is empty or only comments. */
void ydoc_root(struct ydoc *d, struct ydoc_node *out);

enum ydoc_kind ydoc_kind(const struct ydoc_node *n);
/* "nothing", "null", "a string", "a list", "a mapping": for messages. */
const char     *ydoc_kindname(const struct ydoc_node *n);
/* Present and not null. */
int             ydoc_isset(const struct ydoc_node *n);

/*
 * Look key up in a mapping. Returns 1 and fills *out when the key is there
 * (its value may be null), 0 with *out absent (its line the map's)
 * otherwise, including when map is not a mapping. The first of duplicate
 * keys wins; ydoc_check_map() reports duplicates.
 */
int ydoc_get(const struct ydoc_node *map, const char *key,
    struct ydoc_node *out);

/*
 * Check that n is a mapping (absent and null count as an empty mapping)
 * whose keys are non-empty strings, each at most once, and, when known is
 * not NULL, one of the NULL-terminated known names ("unknown key 'x'
 * (known: a, b, c)"). Call it before reading a mapping so that typos are
 * reported instead of ignored.
 */
enum cerr ydoc_check_map(const struct ydoc_node *n, const char *const *known,
    char *err, size_t errlen);

/* Items of a list or pairs of a mapping; 0 for anything else. */
size_t    ydoc_len(const struct ydoc_node *n);
/* The i-th item of a list; its key path is "parent[i]". */
void      ydoc_item(const struct ydoc_node *seq, size_t i,
    struct ydoc_node *out);
/*
 * The i-th pair of a mapping. *key is borrowed; its path is "parent.key".
 * Fails (naming the line) when the key is not a non-empty string scalar.
 */
enum cerr ydoc_pair(const struct ydoc_node *map, size_t i, const char **key,
    struct ydoc_node *val, char *err, size_t errlen);

/* The line of the i-th key of a mapping (its value may start later). */
size_t    ydoc_pair_line(const struct ydoc_node *map, size_t i);

/*
 * Typed getters. Each fails with a message such as
 *   "FILE:12: key 'collector.max_sessions': expected an integer from 1 to
 *    100000, got 'many'"
 * and leaves *out untouched on failure.
 *
 * ydoc_str: a scalar (not null), without NUL bytes; *out borrowed.
 * ydoc_strdup: the same, non-empty, copied (caller frees).
 * ydoc_int: a whole decimal number in [min, max].
 * ydoc_bool: true/false, yes/no, on/off (any case of the first letter, or
 *   all upper case).
 * ydoc_duration_ms: util_parse_duration_ms() syntax, in [min_ms, max_ms].
 * ydoc_size: util_parse_size() syntax, in [min, max].
 * ydoc_enum: one of the NULL-terminated names; *out is its index.
 * ydoc_path: a non-empty string made absolute against ydoc_dir(); caller
 *   frees.
 */
enum cerr ydoc_str(const struct ydoc_node *n, const char **out, char *err,
    size_t errlen);
enum cerr ydoc_strdup(const struct ydoc_node *n, char **out, char *err,
    size_t errlen);
enum cerr ydoc_int(const struct ydoc_node *n, int64_t min, int64_t max,
    int64_t *out, char *err, size_t errlen);
enum cerr ydoc_bool(const struct ydoc_node *n, int *out, char *err,
    size_t errlen);
enum cerr ydoc_duration_ms(const struct ydoc_node *n, uint64_t min_ms,
    uint64_t max_ms, uint64_t *out, char *err, size_t errlen);
enum cerr ydoc_size(const struct ydoc_node *n, uint64_t min, uint64_t max,
    uint64_t *out, char *err, size_t errlen);
enum cerr ydoc_enum(const struct ydoc_node *n, const char *const *names,
    int *out, char *err, size_t errlen);
enum cerr ydoc_path(const struct ydoc_node *n, char **out, char *err,
    size_t errlen);

/* path made absolute against dir (an absolute path is kept). Caller frees. */
char *ydoc_abspath(const char *dir, const char *path);

/*
 * Write "FILE:LINE: key 'K': " and the formatted message into err (without
 * the key part for the root). ydoc_errv() appends " (value 'V')", with V
 * escaped and cut to a readable length, unless the node is secret or not a
 * scalar. Both return CERR_PARSE so that callers can `return ydoc_err(...)`.
 */
enum cerr ydoc_err(const struct ydoc_node *n, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum cerr ydoc_errv(const struct ydoc_node *n, char *err, size_t errlen,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum cerr ydoc_verr(const struct ydoc_node *n, int with_value, char *err,
    size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * The scalar's value escaped for a message (control bytes as \xNN, cut to
 * about 60 bytes with "..."), into buf; "***" for a secret node, the kind
 * name for a non-scalar. Returns buf.
 */
const char *ydoc_quote(const struct ydoc_node *n, char *buf, size_t len);

#endif
