/*
 * rules_int.h — what rules_load.c builds and rules_match.c reads. Private to
 * the rule engine (and its tests and fuzzer).
 */
#ifndef LOGHAUL_RULES_INT_H
#define LOGHAUL_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string.h>

#include "analyzer/rules.h"

enum rules_dispatch {
	RD_TAG,		/* exact tag */
	RD_PREFIX,	/* tag prefix ("ETHPORT-5-IF_DOWN_*") */
	RD_LITERAL,	/* a literal the line must hold */
	RD_ALWAYS,	/* every line of the rule's platforms */
};

enum rules_anchor {
	RA_NONE,	/* match anywhere from offset 0 */
	RA_MARKER,	/* pattern begins with '%': anchored at the tag's '%' */
	RA_TOKEN,	/* pattern begins with the tag text itself */
};

struct rules_mapent {
	char        *from;
	size_t       fromlen;
	enum ifstate to;
};

/* One piece of an interface template: a capture group or literal text. */
struct rules_tpart {
	uint32_t group;		/* 0: literal text */
	char    *text;
	size_t   len;
};

struct rules_group {
	const char *name;	/* from PCRE2's name table */
	uint32_t    num;
};

struct rule {
	char                *name;
	char                *file;
	unsigned             line;
	char                *pattern;
	size_t               patlen;
	char                *event;
	char                *severity;
	char               **platforms;
	size_t               nplatforms;
	int                  any_platform;

	enum rules_dispatch  dispatch;
	enum rules_anchor    anchor;
	char                *key;	/* tag, tag prefix or literal */
	size_t               keylen;
	int                  key_given;	/* from `tag`/`literal`, not the pattern */

	enum ifstate         state;	/* static state, when state_group is 0 */
	uint32_t             state_group;
	struct rules_mapent *map;
	size_t               nmap;
	enum ifkind          kind;
	int                  kind_set;

	struct rules_label  *labels;
	size_t               nlabels;

	uint32_t             iface_group;	/* 0: none, or template */
	struct rules_tpart  *tmpl;
	size_t               ntmpl;

	struct rules_group  *groups;	/* named groups */
	size_t               ngroups;

	pcre2_code          *code;
	int                  jit;
	struct rules_rule_stats st;
};

/* A tag (or tag prefix) and the rules it dispatches to, in load order. */
struct rules_tagent {
	const char *key;	/* NULL: empty slot */
	uint32_t    len;
	uint64_t    hash;
	uint32_t   *idx;
	uint32_t    n;
};

/* What runs for one platform: built at load so matching never filters. */
struct rules_plan {
	struct rules_tagent *slots;	/* open addressing, power of two */
	size_t               mask;
	struct rules_tagent *prefixes;
	size_t               nprefixes;
	uint32_t            *lits;	/* RD_LITERAL rules */
	size_t               nlits;
	uint32_t            *always;	/* RD_ALWAYS rules */
	size_t               nalways;
	/*
	 * Quick refusal: a bit per hash of the first four bytes of every
	 * tag and prefix. When "fast" holds (every key has four bytes and a
	 * '-' or '/', and no literal or always rule needs the tag's place),
	 * a line whose '%' is followed by four bytes with no bit set cannot
	 * reach a tag rule, and needs no further scan.
	 */
	uint64_t             bloom[64];
	int                  fast;
};

static inline uint32_t
rules_bloom_bit(const char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return (w * 0x9e3779b1u) >> 20;		/* 12 bits */
}

struct rules {
	struct rule          *rules;
	size_t                nrules;
	char                **platforms;	/* every name the rules list */
	size_t                nplatforms;
	/* plans[0..nplatforms-1]: by name; [nplatforms]: other platforms
	 * ("any" rules only); [nplatforms+1]: every rule (platform NULL). */
	struct rules_plan    *plans;

	/* Matching context: one thread at a time. */
	pcre2_match_context  *mctx;
	pcre2_jit_stack      *jstack;
	pcre2_match_data     *md;
	struct rules_capture *caps;
	size_t                maxgroups;
	char                 *scratch;	/* template interfaces */
	size_t                scratchcap;
	size_t                last_plan;
	char                  last_platform[64];
	char                  errbuf[160];

	uint32_t              match_limit;
	struct rules_stats    st;
};

/* rules_load.c */
void rules_rule_free(struct rule *ru);
/* rules_plan.c: builds plans and the matching context; -1 on failure. */
int  rules_plan_build(struct rules *r);

/* Dispatch-key hash, the same at load and at match time. */
uint64_t rules_hash(const char *s, size_t n);

/* rules_load.c: pattern analysis, exposed for tests. */
size_t rules_leading_literal(const char *pat, size_t len, char *out,
    size_t outlen);
/* 1 when the pattern has a top-level '|' (or a construct not followed). */
int    rules_top_alternation(const char *pat, size_t len);
size_t rules_required_literal(const char *pat, size_t len, char *out,
    size_t outlen);

#endif
