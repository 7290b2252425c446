/*
 * ydoc_get.c — the typed getters of ydoc.h: a scalar read as a string,
 * number, boolean, duration, size, enum or path, each refusing anything
 * else with "FILE:LINE: key 'K': expected WHAT, got 'VALUE'".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "common/util.h"
#include "common/ydoc.h"

/* "expected WHAT, got 'value'" / "got a list" / "required key is missing" */
static enum cerr
s_expected(const struct ydoc_node *n, char *err, size_t errlen,
    const char *what)
{
	char q[128];

	if (ydoc_kind(n) == YDOC_ABSENT)
		return ydoc_err(n, err, errlen, "required key is missing (%s)",
		    what);
	if (ydoc_kind(n) == YDOC_NULL)
		return ydoc_err(n, err, errlen, "expected %s, got nothing",
		    what);
	if (ydoc_kind(n) != YDOC_SCALAR)
		return ydoc_err(n, err, errlen, "expected %s, got %s", what,
		    ydoc_kindname(n));
	if (n->secret)
		return ydoc_err(n, err, errlen, "expected %s", what);
	return ydoc_err(n, err, errlen, "expected %s, got '%s'", what,
	    ydoc_quote(n, q, sizeof q));
}

static int
s_scalar_ok(const struct ydoc_node *n)
{
	return ydoc_kind(n) == YDOC_SCALAR &&
	    strlen((const char *)n->node->data.scalar.value) ==
	    n->node->data.scalar.length;
}

enum cerr
ydoc_str(const struct ydoc_node *n, const char **out, char *err, size_t errlen)
{
	if (ydoc_kind(n) == YDOC_SCALAR && !s_scalar_ok(n))
		return ydoc_err(n, err, errlen,
		    "a string must not contain NUL bytes");
	if (!s_scalar_ok(n))
		return s_expected(n, err, errlen, "a string");
	*out = (const char *)n->node->data.scalar.value;
	return CERR_OK;
}

enum cerr
ydoc_strdup(const struct ydoc_node *n, char **out, char *err, size_t errlen)
{
	const char *s;
	enum cerr e;

	if ((e = ydoc_str(n, &s, err, errlen)) != CERR_OK)
		return e;
	if (*s == '\0')
		return ydoc_err(n, err, errlen, "expected a non-empty string");
	*out = xstrdup(s);
	return CERR_OK;
}

enum cerr
ydoc_int(const struct ydoc_node *n, int64_t min, int64_t max, int64_t *out,
    char *err, size_t errlen)
{
	char what[96];
	int64_t v;

	if (max == INT64_MAX)
		snprintf(what, sizeof what, "an integer of at least %" PRId64,
		    min);
	else
		snprintf(what, sizeof what, "an integer from %" PRId64
		    " to %" PRId64, min, max);
	if (!s_scalar_ok(n) ||
	    util_parse_i64((const char *)n->node->data.scalar.value, min, max,
	    &v) != CERR_OK)
		return s_expected(n, err, errlen, what);
	*out = v;
	return CERR_OK;
}

enum cerr
ydoc_bool(const struct ydoc_node *n, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes",
	    "YES", "on", "On", "ON", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No",
	    "NO", "off", "Off", "OFF", NULL };
	const char *s;

	if (!s_scalar_ok(n))
		return s_expected(n, err, errlen, "true or false");
	s = (const char *)n->node->data.scalar.value;
	for (size_t i = 0; yes[i] != NULL; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return CERR_OK;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return CERR_OK;
		}
	}
	return s_expected(n, err, errlen, "true or false");
}

/* 90000 -> "90s", 300000 -> "5m": the largest unit that is exact. */
static void
s_fmt_ms(uint64_t ms, char *buf, size_t len)
{
	static const struct { uint64_t ms; const char *u; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" },
		{ 1000, "s" }, { 1, "ms" },
	};

	if (ms == 0) {
		snprintf(buf, len, "0s");
		return;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ms / units[i].ms,
			    units[i].u);
			return;
		}
}

enum cerr
ydoc_duration_ms(const struct ydoc_node *n, uint64_t min_ms, uint64_t max_ms,
    uint64_t *out, char *err, size_t errlen)
{
	char what[128], a[32], b[32];
	uint64_t v;

	s_fmt_ms(min_ms, a, sizeof a);
	s_fmt_ms(max_ms, b, sizeof b);
	snprintf(what, sizeof what,
	    "a duration from %s to %s (such as 30s, 5m)", a, b);
	if (!s_scalar_ok(n) ||
	    util_parse_duration_ms((const char *)n->node->data.scalar.value,
	    &v) != CERR_OK || v < min_ms || v > max_ms)
		return s_expected(n, err, errlen, what);
	*out = v;
	return CERR_OK;
}

enum cerr
ydoc_size(const struct ydoc_node *n, uint64_t min, uint64_t max, uint64_t *out,
    char *err, size_t errlen)
{
	char what[128];
	uint64_t v;

	snprintf(what, sizeof what, "a size from %" PRIu64 " to %" PRIu64
	    " bytes (such as 512, 64k, 1M)", min, max);
	if (!s_scalar_ok(n) ||
	    util_parse_size((const char *)n->node->data.scalar.value, &v) !=
	    CERR_OK || v < min || v > max)
		return s_expected(n, err, errlen, what);
	*out = v;
	return CERR_OK;
}

enum cerr
ydoc_enum(const struct ydoc_node *n, const char *const *names, int *out,
    char *err, size_t errlen)
{
	char what[512] = "one of ";

	if (s_scalar_ok(n))
		for (int i = 0; names[i] != NULL; i++)
			if (strcmp((const char *)n->node->data.scalar.value,
			    names[i]) == 0) {
				*out = i;
				return CERR_OK;
			}
	for (int i = 0; names[i] != NULL; i++)
		snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s",
		    i ? ", " : "", names[i]);
	return s_expected(n, err, errlen, what);
}

enum cerr
ydoc_path(const struct ydoc_node *n, char **out, char *err, size_t errlen)
{
	const char *s;
	enum cerr e;

	if ((e = ydoc_str(n, &s, err, errlen)) != CERR_OK)
		return e;
	if (*s == '\0')
		return ydoc_err(n, err, errlen, "expected a path, got ''");
	*out = ydoc_abspath(ydoc_dir(n->doc), s);
	return CERR_OK;
}
