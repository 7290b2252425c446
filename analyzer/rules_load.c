/*
 * rules_load.c — reads rule files (through common/ydoc, like every YAML
 * loader, so that every message can name file:line), validates each rule against a key table,
 * compiles its pattern once with JIT and works out how it is dispatched.
 * Every problem is reported; the set is refused if there was any error.
 */
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/rules_int.h"
#include "common/util.h"
#include "common/ydoc.h"

#define RULES_MAX_RULES   100000
#define RULES_MAX_PATTERN 65536

struct ld {
	rules_diag_cb    diag;
	void            *arg;
	int              nerr;
	const char      *file;
	struct rule     *rules;
	size_t           nrules;
	size_t           cap;
};

static void s_diag(struct ld *ld, int is_error, const struct ydoc_node *n,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Present in the document (null counts: `key:` is there, and empty). */
static int
s_has(const struct ydoc_node *n)
{
	return ydoc_kind(n) != YDOC_ABSENT;
}

/*
 * Reports "FILE:LINE: message" (LINE from the node), or "FILE: message"
 * without a node or for one that is absent.
 */
static void
s_diag(struct ld *ld, int is_error, const struct ydoc_node *n,
    const char *fmt, ...)
{
	char msg[RULES_ERRLEN], full[RULES_ERRLEN + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL && s_has(n))
		snprintf(full, sizeof(full), "%s:%zu: %s", ld->file, n->line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", ld->file, msg);
	if (is_error)
		ld->nerr++;
	if (ld->diag != NULL)
		ld->diag(is_error, full, ld->arg);
}

/*
 * A scalar as a C string: NULL (and an error) for anything else, or for a
 * scalar holding a NUL byte where the caller wants plain text. A null
 * value (`key:`) is an empty string.
 */
static const char *
s_str(struct ld *ld, const char *rname, const char *key,
    const struct ydoc_node *n)
{
	const char *s = "";

	if (ydoc_kind(n) != YDOC_SCALAR && ydoc_kind(n) != YDOC_NULL) {
		s_diag(ld, 1, n, "rule '%s': key '%s' must be a string", rname, key);
		return NULL;
	}
	if (ydoc_kind(n) == YDOC_SCALAR && ydoc_str(n, &s, NULL, 0) != CERR_OK) {
		s_diag(ld, 1, n, "rule '%s': key '%s' holds a NUL byte", rname, key);
		return NULL;
	}
	if (*s == '\0') {
		s_diag(ld, 1, n, "rule '%s': key '%s' is empty", rname, key);
		return NULL;
	}
	return s;
}

/* Where the i-th key of map stands, for messages about the key. */
static struct ydoc_node
s_keyat(const struct ydoc_node *map, size_t i)
{
	struct ydoc_node k = *map;

	k.line = ydoc_pair_line(map, i);
	return k;
}

/* The i-th pair of a mapping; 0 when its key is not text. */
static int
s_pair(const struct ydoc_node *map, size_t i, const char **key,
    struct ydoc_node *val)
{
	return ydoc_pair(map, i, key, val, NULL, 0) == CERR_OK;
}

static int
s_name_ok(const char *s, int label)
{
	const char *p;

	if (label && !(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ||
		    (!label && (c == '-' || c == '.'))))
			return 0;
	}
	return 1;
}

static int
s_parse_state(const char *s, enum ifstate *out)
{
	if (strcmp(s, "down") == 0)
		*out = IF_DOWN;
	else if (strcmp(s, "up") == 0)
		*out = IF_UP;
	else if (strcmp(s, "admin_down") == 0)
		*out = IF_ADMIN_DOWN;
	else
		return -1;
	return 0;
}

static void
s_add_map(struct rule *ru, const char *from, size_t len, enum ifstate to)
{
	ru->map = xrealloc(ru->map, (ru->nmap + 1) * sizeof(*ru->map));
	ru->map[ru->nmap].from = xstrndup(from, len);
	ru->map[ru->nmap].fromlen = len;
	ru->map[ru->nmap].to = to;
	ru->nmap++;
}

/* The map used when a pattern captures `state` and the rule gives none. */
static void
s_default_map(struct rule *ru)
{
	static const struct {
		const char  *from;
		enum ifstate to;
	} def[] = {
		{ "down", IF_DOWN }, { "Down", IF_DOWN }, { "DOWN", IF_DOWN },
		{ "up", IF_UP }, { "Up", IF_UP }, { "UP", IF_UP },
		{ "administratively down", IF_ADMIN_DOWN },
		{ "Administratively Down", IF_ADMIN_DOWN },
		{ "Administratively down", IF_ADMIN_DOWN },
		{ "admin_down", IF_ADMIN_DOWN },
	};
	size_t i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		s_add_map(ru, def[i].from, strlen(def[i].from), def[i].to);
}

static int
s_get_state(struct ld *ld, struct rule *ru, const struct ydoc_node *v)
{
	struct ydoc_node val;
	enum ifstate st;
	const char *s, *from;

	if (ydoc_kind(v) == YDOC_SCALAR || ydoc_kind(v) == YDOC_NULL) {
		if ((s = s_str(ld, ru->name, "state", v)) == NULL)
			return -1;
		if (s_parse_state(s, &ru->state) < 0) {
			s_diag(ld, 1, v, "rule '%s': state '%s' is not down, up or admin_down",
			    ru->name, s);
			return -1;
		}
		return 0;
	}
	if (ydoc_kind(v) != YDOC_MAP) {
		s_diag(ld, 1, v, "rule '%s': key 'state' must be a state or a map "
		    "from captured text to a state", ru->name);
		return -1;
	}
	ru->state_group = UINT32_MAX;	/* resolved once compiled */
	for (size_t i = 0; i < ydoc_len(v); i++) {
		if (!s_pair(v, i, &from, &val) || ydoc_kind(&val) != YDOC_SCALAR) {
			struct ydoc_node k = s_keyat(v, i);

			s_diag(ld, 1, &k, "rule '%s': state map entries must be "
			    "text: state", ru->name);
			return -1;
		}
		if ((s = s_str(ld, ru->name, "state", &val)) == NULL)
			return -1;
		if (s_parse_state(s, &st) < 0) {
			s_diag(ld, 1, &val, "rule '%s': state '%s' is not down, up or "
			    "admin_down", ru->name, s);
			return -1;
		}
		s_add_map(ru, from, strlen(from), st);
	}
	if (ru->nmap == 0) {
		s_diag(ld, 1, v, "rule '%s': state map is empty", ru->name);
		return -1;
	}
	return 0;
}

static int
s_get_platforms(struct ld *ld, struct rule *ru, const struct ydoc_node *v)
{
	struct ydoc_node n;
	const char *s;
	size_t cnt;

	if (ydoc_kind(v) != YDOC_SEQ) {
		s_diag(ld, 1, v, "rule '%s': key 'platforms' must be a list of "
		    "platform names (or [any])", ru->name);
		return -1;
	}
	if ((cnt = ydoc_len(v)) == 0) {
		s_diag(ld, 1, v, "rule '%s': key 'platforms' is empty", ru->name);
		return -1;
	}
	ru->platforms = xcalloc(cnt, sizeof(char *));
	for (size_t i = 0; i < cnt; i++) {
		ydoc_item(v, i, &n);
		if ((s = s_str(ld, ru->name, "platforms", &n)) == NULL)
			return -1;
		if (!s_name_ok(s, 0)) {
			s_diag(ld, 1, &n, "rule '%s': platform '%s' is not a name",
			    ru->name, s);
			return -1;
		}
		if (strcmp(s, "any") == 0)
			ru->any_platform = 1;
		ru->platforms[ru->nplatforms++] = xstrdup(s);
	}
	return 0;
}

static int
s_get_labels(struct ld *ld, struct rule *ru, const struct ydoc_node *v)
{
	struct ydoc_node val;
	const char *ks, *vs;

	if (ydoc_kind(v) != YDOC_MAP) {
		s_diag(ld, 1, v, "rule '%s': key 'labels' must be a map", ru->name);
		return -1;
	}
	for (size_t i = 0; i < ydoc_len(v); i++) {
		struct ydoc_node k = s_keyat(v, i);

		if (!s_pair(v, i, &ks, &val)) {
			s_diag(ld, 1, &k, "rule '%s': key 'labels' must be a string",
			    ru->name);
			return -1;
		}
		if ((vs = s_str(ld, ru->name, "labels", &val)) == NULL)
			return -1;
		if (!s_name_ok(ks, 1)) {
			s_diag(ld, 1, &k, "rule '%s': label name '%s' is not "
			    "[a-zA-Z_][a-zA-Z0-9_]*", ru->name, ks);
			return -1;
		}
		ru->labels = xrealloc(ru->labels, (ru->nlabels + 1) * sizeof(*ru->labels));
		ru->labels[ru->nlabels].key = xstrdup(ks);
		ru->labels[ru->nlabels].value = xstrdup(vs);
		ru->nlabels++;
	}
	return 0;
}

enum rkey {
	K_NAME, K_PLATFORMS, K_PATTERN, K_TAG, K_LITERAL, K_EVENT, K_STATE,
	K_KIND, K_SEVERITY, K_LABELS, K_INTERFACE, K__COUNT
};

static const char *const s_keys[K__COUNT] = {
	"name", "platforms", "pattern", "tag", "literal", "event", "state",
	"kind", "severity", "labels", "interface",
};

/* What the parse of one rule's mapping leaves for s_finish(). */
struct rdraft {
	struct ydoc_node at[K__COUNT];	/* absent: not given */
	const char      *tag;
	const char      *literal;
	const char      *iface;
};

static int
s_get_scalar_keys(struct ld *ld, struct rule *ru, struct rdraft *d)
{
	const char *s;
	struct ydoc_node *n;

	if (s_has(n = &d->at[K_PATTERN])) {
		if (ydoc_kind(n) != YDOC_SCALAR && ydoc_kind(n) != YDOC_NULL) {
			s_diag(ld, 1, n, "rule '%s': key 'pattern' must be a string", ru->name);
			return -1;
		}
		s = "";
		if (ydoc_kind(n) == YDOC_SCALAR && ydoc_str(n, &s, NULL, 0) != CERR_OK) {
			s_diag(ld, 1, n, "rule '%s': key 'pattern' holds a NUL byte "
			    "(write \\x00 in the pattern)", ru->name);
			return -1;
		}
		if (*s == '\0' || strlen(s) > RULES_MAX_PATTERN) {
			s_diag(ld, 1, n, "rule '%s': pattern is empty or longer than %d bytes",
			    ru->name, RULES_MAX_PATTERN);
			return -1;
		}
		ru->patlen = strlen(s);
		ru->pattern = xstrdup(s);
	}
	if (s_has(n = &d->at[K_EVENT])) {
		if ((s = s_str(ld, ru->name, "event", n)) == NULL)
			return -1;
		if (!s_name_ok(s, 1)) {
			s_diag(ld, 1, n, "rule '%s': event '%s' is not [a-zA-Z_][a-zA-Z0-9_]*",
			    ru->name, s);
			return -1;
		}
		ru->event = xstrdup(s);
	}
	if (s_has(n = &d->at[K_SEVERITY])) {
		if ((s = s_str(ld, ru->name, "severity", n)) == NULL)
			return -1;
		ru->severity = xstrdup(s);
	}
	if (s_has(n = &d->at[K_KIND])) {
		if ((s = s_str(ld, ru->name, "kind", n)) == NULL)
			return -1;
		if (strcmp(s, "link") == 0)
			ru->kind = IFK_LINK;
		else if (strcmp(s, "protocol") == 0)
			ru->kind = IFK_PROTOCOL;
		else if (strcmp(s, "admin") == 0)
			ru->kind = IFK_ADMIN;
		else {
			s_diag(ld, 1, n, "rule '%s': kind '%s' is not link, protocol or admin",
			    ru->name, s);
			return -1;
		}
		ru->kind_set = 1;
	}
	if (s_has(&d->at[K_TAG]) &&
	    (d->tag = s_str(ld, ru->name, "tag", &d->at[K_TAG])) == NULL)
		return -1;
	if (s_has(&d->at[K_LITERAL]) &&
	    (d->literal = s_str(ld, ru->name, "literal", &d->at[K_LITERAL])) == NULL)
		return -1;
	if (s_has(&d->at[K_INTERFACE]) &&
	    (d->iface = s_str(ld, ru->name, "interface", &d->at[K_INTERFACE])) == NULL)
		return -1;
	return 0;
}

/* Reads one rule's mapping into ru; -1 (reported) when it is not valid. */
static int
s_parse_rule(struct ld *ld, const struct ydoc_node *rn, struct rule *ru,
    struct rdraft *d)
{
	struct ydoc_node v;
	const char *ks, *name;
	char what[160];
	int i, rc = 0;

	memset(d, 0, sizeof(*d));
	ru->line = (unsigned)rn->line;
	snprintf(what, sizeof(what), "rule at line %u", ru->line);
	ru->file = xstrdup(ld->file);
	if (ydoc_kind(rn) != YDOC_MAP) {
		s_diag(ld, 1, rn, "a rule must be a map of keys (name, platforms, "
		    "pattern, event, ...)");
		return -1;
	}
	/* The name first, so that every message can carry it. */
	for (size_t k = 0; k < ydoc_len(rn); k++)
		if (s_pair(rn, k, &ks, &v) && strcmp(ks, "name") == 0 &&
		    ydoc_str(&v, &name, NULL, 0) == CERR_OK)
			snprintf(what, sizeof(what), "rule '%s'", name);
	for (size_t k = 0; k < ydoc_len(rn); k++) {
		struct ydoc_node kn = s_keyat(rn, k);

		if (!s_pair(rn, k, &ks, &v))
			ks = "";
		for (i = 0; i < K__COUNT && strcmp(ks, s_keys[i]) != 0; i++)
			;
		if (i == K__COUNT) {
			s_diag(ld, 1, &kn, "%s: unknown key '%s' (known: name, "
			    "platforms, pattern, tag, literal, event, state, kind, "
			    "severity, labels, interface)", what, ks);
			rc = -1;
		} else if (s_has(&d->at[i])) {
			s_diag(ld, 1, &kn, "%s: key '%s' given twice", what, ks);
			rc = -1;
		} else
			d->at[i] = v;
	}
	if (!s_has(&d->at[K_NAME])) {
		s_diag(ld, 1, rn, "rule without a name");
		return -1;
	}
	if ((ks = s_str(ld, "?", "name", &d->at[K_NAME])) == NULL)
		return -1;
	ru->name = xstrdup(ks);
	if (!s_name_ok(ks, 0)) {
		s_diag(ld, 1, &d->at[K_NAME], "rule '%s': name must be letters, "
		    "digits, '_', '-' or '.'", ks);
		return -1;
	}
	if (rc < 0)
		return -1;
	for (i = 0; i < K__COUNT; i++) {
		if (!s_has(&d->at[i]) &&
		    (i == K_PLATFORMS || i == K_PATTERN || i == K_EVENT)) {
			s_diag(ld, 1, rn, "rule '%s': missing key '%s'", ru->name,
			    s_keys[i]);
			rc = -1;
		}
	}
	if (rc < 0)
		return -1;
	if (s_get_platforms(ld, ru, &d->at[K_PLATFORMS]) < 0 ||
	    s_get_scalar_keys(ld, ru, d) < 0)
		return -1;
	if (s_has(&d->at[K_STATE]) && s_get_state(ld, ru, &d->at[K_STATE]) < 0)
		return -1;
	if (s_has(&d->at[K_LABELS]) && s_get_labels(ld, ru, &d->at[K_LABELS]) < 0)
		return -1;
	if (d->tag && d->literal) {
		s_diag(ld, 1, &d->at[K_LITERAL], "rule '%s': give 'tag' or 'literal', "
		    "not both", ru->name);
		return -1;
	}
	return 0;
}

static uint32_t
s_group(const struct rule *ru, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ru->ngroups; i++)
		if (strlen(ru->groups[i].name) == len &&
		    memcmp(ru->groups[i].name, name, len) == 0)
			return ru->groups[i].num;
	return 0;
}

/* Parses "${a}-${b}" into parts; -1 (reported) on a bad reference. */
static int
s_template(struct ld *ld, struct rule *ru, const char *t,
    const struct ydoc_node *n)
{
	const char *p = t, *lit = t, *end;
	uint32_t g;

	for (;;) {
		if (*p != '\0' && *p != '$') {
			p++;
			continue;
		}
		if (p > lit) {
			ru->tmpl = xrealloc(ru->tmpl, (ru->ntmpl + 1) * sizeof(*ru->tmpl));
			ru->tmpl[ru->ntmpl].group = 0;
			ru->tmpl[ru->ntmpl].text = xstrndup(lit, (size_t)(p - lit));
			ru->tmpl[ru->ntmpl].len = (size_t)(p - lit);
			ru->ntmpl++;
		}
		if (*p == '\0')
			return 0;
		if (p[1] == '$') {
			lit = p + 1;
			p += 2;
			continue;
		}
		if (p[1] != '{' || (end = strchr(p + 2, '}')) == NULL) {
			s_diag(ld, 1, n, "rule '%s': interface template '%s': write "
			    "${capture}, or $$ for a dollar", ru->name, t);
			return -1;
		}
		if ((g = s_group(ru, p + 2, (size_t)(end - p - 2))) == 0) {
			s_diag(ld, 1, n, "rule '%s': interface template '%s' names "
			    "'%.*s', which the pattern does not capture", ru->name, t,
			    (int)(end - p - 2), p + 2);
			return -1;
		}
		ru->tmpl = xrealloc(ru->tmpl, (ru->ntmpl + 1) * sizeof(*ru->tmpl));
		ru->tmpl[ru->ntmpl].group = g;
		ru->tmpl[ru->ntmpl].text = NULL;
		ru->tmpl[ru->ntmpl].len = 0;
		ru->ntmpl++;
		p = lit = end + 1;
	}
}

/*
 * From the text after "%" in a pattern's leading literal, the tag it
 * names: *prefix is set when the literal stops before the tag ends.
 * Returns the key length, 0 when the text is no tag.
 */
static size_t
s_tag_from_lead(const char *lead, size_t n, char *key, size_t keylen, int *prefix)
{
	size_t i = 0, o = 0;
	int huawei = 0;

	if (i < n && lead[i] == '%') {
		huawei = 1;
		i++;
		while (i < n && lead[i] >= '0' && lead[i] <= '9')
			i++;
	}
	for (; i < n && o + 1 < keylen; i++) {
		unsigned char c = (unsigned char)lead[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == (huawei ? '/' : '-'))
			key[o++] = (char)c;
		else
			break;
	}
	key[o] = '\0';
	if (o == 0)
		return 0;
	*prefix = (i == n);	/* the literal ended inside the token */
	return o;
}

/* Works out tag/literal dispatch and anchoring (see rules.h). */
static int
s_dispatch(struct ld *ld, struct rule *ru, struct rdraft *d)
{
	char lead[256], key[256];
	size_t nlead, nkey;
	int prefix = 0;

	nlead = rules_leading_literal(ru->pattern, ru->patlen, lead, sizeof(lead));
	if (nlead > 0 && lead[0] == '%')
		ru->anchor = RA_MARKER;
	/* With a top-level '|' the leading literal is one alternative's,
	 * not something every match begins with. */
	nkey = (nlead > 0 && lead[0] == '%' &&
	    !rules_top_alternation(ru->pattern, ru->patlen)) ?
	    s_tag_from_lead(lead + 1, nlead - 1, key, sizeof(key), &prefix) : 0;

	if (d->tag != NULL) {
		size_t tl = strlen(d->tag);
		int tprefix = tl > 0 && d->tag[tl - 1] == '*';

		if (tprefix)
			tl--;
		if (tl == 0 || memchr(d->tag, '*', tl) != NULL) {
			s_diag(ld, 1, &d->at[K_TAG], "rule '%s': tag '%s': only a "
			    "trailing '*' is allowed", ru->name, d->tag);
			return -1;
		}
		if (nkey > 0 && (memcmp(key, d->tag, nkey < tl ? nkey : tl) != 0 ||
		    (!prefix && !tprefix && nkey != tl) || (!prefix && nkey < tl))) {
			s_diag(ld, 1, &d->at[K_TAG], "rule '%s': tag '%s' does not "
			    "agree with the pattern's leading '%%%s'", ru->name, d->tag, key);
			return -1;
		}
		if (ru->anchor == RA_NONE && !tprefix && nlead >= tl &&
		    memcmp(lead, d->tag, tl) == 0)
			ru->anchor = RA_TOKEN;
		ru->dispatch = tprefix ? RD_PREFIX : RD_TAG;
		ru->key_given = 1;
		ru->key = xstrndup(d->tag, tl);
		ru->keylen = tl;
		return 0;
	}
	if (nkey > 0) {
		ru->dispatch = prefix ? RD_PREFIX : RD_TAG;
		ru->key = xstrndup(key, nkey);
		ru->keylen = nkey;
		return 0;
	}
	if (d->literal != NULL) {
		ru->dispatch = RD_LITERAL;
		ru->key_given = 1;
		ru->key = xstrdup(d->literal);
		ru->keylen = strlen(d->literal);
		return 0;
	}
	nkey = rules_required_literal(ru->pattern, ru->patlen, key, sizeof(key));
	if (nkey > 0) {
		ru->dispatch = RD_LITERAL;
		ru->key = xstrndup(key, nkey);
		ru->keylen = nkey;
		return 0;
	}
	ru->dispatch = RD_ALWAYS;
	s_diag(ld, 0, &d->at[K_PATTERN], "rule '%s': no tag or literal to dispatch "
	    "on: its pattern runs on every line of its platforms", ru->name);
	return 0;
}

/* Compiles the pattern and checks what depends on its captures. */
static int
s_compile(struct ld *ld, struct rule *ru, struct rdraft *d)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	PCRE2_SPTR table;
	uint32_t cnt = 0, esz = 0, i, opts;
	int ec;

	opts = ru->anchor != RA_NONE ? PCRE2_ANCHORED : 0;
	ru->code = pcre2_compile((PCRE2_SPTR)ru->pattern, ru->patlen, opts, &ec,
	    &off, NULL);
	if (ru->code == NULL) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		s_diag(ld, 1, &d->at[K_PATTERN], "rule '%s': pattern does not compile "
		    "at offset %zu: %s", ru->name, (size_t)off, (char *)msg);
		return -1;
	}
	ec = pcre2_jit_compile(ru->code, PCRE2_JIT_COMPLETE);
	if (ec == 0)
		ru->jit = 1;
	else {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		s_diag(ld, 0, &d->at[K_PATTERN], "rule '%s': no JIT (%s): the "
		    "interpreter will run it, slower", ru->name, (char *)msg);
	}
	pcre2_pattern_info(ru->code, PCRE2_INFO_NAMECOUNT, &cnt);
	pcre2_pattern_info(ru->code, PCRE2_INFO_NAMEENTRYSIZE, &esz);
	pcre2_pattern_info(ru->code, PCRE2_INFO_NAMETABLE, &table);
	ru->groups = cnt ? xcalloc(cnt, sizeof(*ru->groups)) : NULL;
	for (i = 0; i < cnt; i++) {
		const unsigned char *e = table + (size_t)i * esz;
		ru->groups[i].num = ((uint32_t)e[0] << 8) | e[1];
		ru->groups[i].name = (const char *)(e + 2);
	}
	ru->ngroups = cnt;
	/* An event carries the captures and the analyzer's interface_raw in
	 * one wire map (WIRE_MAX_CAPTURES): refuse here what could not travel. */
	if (cnt > WIRE_MAX_CAPTURES - 1) {
		s_diag(ld, 1, &d->at[K_PATTERN], "rule '%s': %u named captures, at "
		    "most %u", ru->name, (unsigned)cnt, WIRE_MAX_CAPTURES - 1);
		return -1;
	}
	if (s_group(ru, "interface_raw", 13) != 0) {
		s_diag(ld, 1, &d->at[K_PATTERN], "rule '%s': the capture name "
		    "'interface_raw' is the analyzer's (the device's spelling of "
		    "the interface)", ru->name);
		return -1;
	}

	if (ru->state_group == UINT32_MAX || (!s_has(&d->at[K_STATE]) &&
	    s_group(ru, "state", 5) != 0)) {
		if ((ru->state_group = s_group(ru, "state", 5)) == 0) {
			s_diag(ld, 1, &d->at[K_STATE], "rule '%s': a state map needs "
			    "a capture named 'state' in the pattern", ru->name);
			return -1;
		}
		if (ru->nmap == 0)
			s_default_map(ru);
	}
	if (d->iface != NULL) {
		if (s_template(ld, ru, d->iface, &d->at[K_INTERFACE]) < 0)
			return -1;
	} else
		ru->iface_group = s_group(ru, "interface", 9);
	if (strncmp(ru->event, "interface_", 10) == 0 && ru->iface_group == 0 &&
	    ru->ntmpl == 0) {
		s_diag(ld, 1, &d->at[K_PATTERN], "rule '%s': event '%s' needs a "
		    "capture named 'interface' (or an 'interface' template)",
		    ru->name, ru->event);
		return -1;
	}
	return 0;
}

void
rules_rule_free(struct rule *ru)
{
	size_t i;

	free(ru->name);
	free(ru->file);
	free(ru->pattern);
	free(ru->event);
	free(ru->severity);
	for (i = 0; i < ru->nplatforms; i++)
		free(ru->platforms[i]);
	free(ru->platforms);
	free(ru->key);
	for (i = 0; i < ru->nmap; i++)
		free(ru->map[i].from);
	free(ru->map);
	for (i = 0; i < ru->nlabels; i++) {
		free((char *)(uintptr_t)ru->labels[i].key);
		free((char *)(uintptr_t)ru->labels[i].value);
	}
	free(ru->labels);
	for (i = 0; i < ru->ntmpl; i++)
		free(ru->tmpl[i].text);
	free(ru->tmpl);
	free(ru->groups);
	pcre2_code_free(ru->code);
	memset(ru, 0, sizeof(*ru));
}

static void
s_one_rule(struct ld *ld, const struct ydoc_node *rn)
{
	struct rule ru;
	struct rdraft d;
	size_t i;

	memset(&ru, 0, sizeof(ru));
	if (s_parse_rule(ld, rn, &ru, &d) < 0 || s_dispatch(ld, &ru, &d) < 0 ||
	    s_compile(ld, &ru, &d) < 0) {
		rules_rule_free(&ru);
		return;
	}
	for (i = 0; i < ld->nrules; i++) {
		if (strcmp(ld->rules[i].name, ru.name) == 0) {
			s_diag(ld, 1, &d.at[K_NAME], "duplicate rule name '%s' (first "
			    "defined at %s:%u)", ru.name, ld->rules[i].file,
			    ld->rules[i].line);
			rules_rule_free(&ru);
			return;
		}
	}
	if (ld->nrules >= RULES_MAX_RULES) {
		s_diag(ld, 1, rn, "more than %d rules", RULES_MAX_RULES);
		rules_rule_free(&ru);
		return;
	}
	if (ld->nrules == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 16;
		ld->rules = xrealloc(ld->rules, ld->cap * sizeof(*ld->rules));
	}
	ld->rules[ld->nrules++] = ru;
}

/*
 * A document ydoc could not load: a syntax error keeps its "YAML:" tag
 * ("FILE:LINE:COL: YAML: problem ..."); anything else (a missing file)
 * reads as ydoc wrote it.
 */
static void
s_load_failed(struct ld *ld, enum cerr e, const char *err)
{
	size_t fl = strlen(ld->file);
	const char *rest = err, *sep;
	char full[RULES_ERRLEN + 16];

	if (strncmp(err, ld->file, fl) == 0 && err[fl] == ':')
		rest = err + fl + 1;
	if (e == CERR_PARSE && rest != err && (sep = strstr(rest, ": ")) != NULL)
		snprintf(full, sizeof(full), "%s:%.*s: YAML: %s", ld->file,
		    (int)(sep - rest), rest, sep + 2);
	else
		snprintf(full, sizeof(full), "%s", err);
	ld->nerr++;
	if (ld->diag)
		ld->diag(1, full, ld->arg);
}

/* The rules of one loaded document (a file or a buffer). */
static void
s_load_doc(struct ld *ld, struct ydoc *doc)
{
	struct ydoc_node root, n;

	ydoc_root(doc, &root);
	if (ydoc_kind(&root) == YDOC_ABSENT || ydoc_kind(&root) == YDOC_NULL)
		return;		/* an empty document: no rules */
	if (ydoc_kind(&root) != YDOC_SEQ) {
		s_diag(ld, 1, &root, "a rule file is a list of rules");
		return;
	}
	for (size_t i = 0; i < ydoc_len(&root); i++) {
		ydoc_item(&root, i, &n);
		s_one_rule(ld, &n);
	}
}

static void
s_load_file(struct ld *ld, const char *path)
{
	char err[RULES_ERRLEN];
	struct ydoc *doc;
	enum cerr e;

	ld->file = path;
	if ((e = ydoc_load_file(path, &doc, err, sizeof(err))) != CERR_OK) {
		s_load_failed(ld, e, err);
		return;
	}
	s_load_doc(ld, doc);
	ydoc_free(&doc);
}

static int
s_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static struct rules *
s_finish(struct ld *ld, uint32_t match_limit)
{
	struct rules *r;
	size_t i;

	if (ld->nerr == 0 && ld->nrules == 0) {
		ld->file = "rules";
		s_diag(ld, 1, NULL, "no rules loaded");
	}
	if (ld->nerr > 0) {
		for (i = 0; i < ld->nrules; i++)
			rules_rule_free(&ld->rules[i]);
		free(ld->rules);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->rules = ld->rules;
	r->nrules = ld->nrules;
	r->match_limit = match_limit ? match_limit : RULES_DEFAULT_MATCH_LIMIT;
	if (rules_plan_build(r) < 0) {
		rules_free(&r);
		return NULL;
	}
	return r;
}

struct rules *
rules_load_diag(char *const *paths, size_t npaths, uint32_t match_limit,
    rules_diag_cb diag, void *arg)
{
	struct ld ld;
	glob_t g;
	size_t i, j;
	int rc;

	memset(&ld, 0, sizeof(ld));
	ld.diag = diag;
	ld.arg = arg;
	for (i = 0; i < npaths; i++) {
		if (!s_has_glob(paths[i])) {
			s_load_file(&ld, paths[i]);
			continue;
		}
		rc = glob(paths[i], 0, NULL, &g);
		if (rc == GLOB_NOMATCH) {
			ld.file = paths[i];
			s_diag(&ld, 1, NULL, "no file matches");
			continue;
		}
		if (rc != 0) {
			ld.file = paths[i];
			s_diag(&ld, 1, NULL, "cannot expand the pattern");
			continue;
		}
		for (j = 0; j < g.gl_pathc; j++)
			s_load_file(&ld, g.gl_pathv[j]);
		globfree(&g);
	}
	return s_finish(&ld, match_limit);
}

/* Keeps the first error for callers that want one message. */
struct first_err {
	char  *buf;
	size_t len;
	int    n;
};

static void
s_first_err(int is_error, const char *msg, void *arg)
{
	struct first_err *fe = arg;

	if (!is_error)
		return;
	if (fe->n++ == 0 && fe->len > 0)
		snprintf(fe->buf, fe->len, "%s", msg);
}

static void
s_more(struct first_err *fe)
{
	size_t l;

	if (fe->n > 1 && fe->len > 0) {
		l = strlen(fe->buf);
		snprintf(fe->buf + l, fe->len - l, " (and %d more errors)", fe->n - 1);
	}
}

struct rules *
rules_load(char *const *paths, size_t npaths, uint32_t match_limit, char *err,
    size_t errlen)
{
	struct first_err fe = { err, errlen, 0 };
	struct rules *r;

	if (errlen > 0)
		err[0] = '\0';
	r = rules_load_diag(paths, npaths, match_limit, s_first_err, &fe);
	s_more(&fe);
	return r;
}

struct rules *
rules_load_buf(const char *name, const void *data, size_t len,
    uint32_t match_limit, char *err, size_t errlen)
{
	struct first_err fe = { err, errlen, 0 };
	char derr[RULES_ERRLEN];
	struct ydoc *doc;
	struct ld ld;
	enum cerr e;
	struct rules *r;

	if (errlen > 0)
		err[0] = '\0';
	memset(&ld, 0, sizeof(ld));
	ld.diag = s_first_err;
	ld.arg = &fe;
	ld.file = name;
	if ((e = ydoc_load_mem(name, data, len, &doc, derr, sizeof(derr))) !=
	    CERR_OK) {
		s_load_failed(&ld, e, derr);
	} else {
		s_load_doc(&ld, doc);
		ydoc_free(&doc);
	}
	r = s_finish(&ld, match_limit);
	s_more(&fe);
	return r;
}
