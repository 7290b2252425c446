/*
 * rules_plan.c — turns the loaded rules into one dispatch plan per platform
 * (a tag hash table, tag prefixes, literal and always-run lists), so that
 * matching a line never looks at a rule that cannot apply to it; and owns
 * the rule set's lifecycle and counters.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/rules_int.h"
#include "common/util.h"

uint64_t
rules_hash(const char *s, size_t n)
{
	uint64_t a = 0, b = 0, h;

	/* Tags are short: the first and last eight bytes and the length
	 * tell them apart; memcmp settles the rest. */
	if (n >= 8) {
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
	} else
		memcpy(&a, s, n);
	h = (a ^ (b * 0x9e3779b97f4a7c15ULL) ^ n) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

static int
s_applies(const struct rules *r, const struct rule *ru, size_t plan)
{
	size_t i;

	if (plan == r->nplatforms + 1 || ru->any_platform)
		return 1;
	if (plan == r->nplatforms)
		return 0;
	for (i = 0; i < ru->nplatforms; i++)
		if (strcmp(ru->platforms[i], r->platforms[plan]) == 0)
			return 1;
	return 0;
}

static void
s_push(uint32_t **v, size_t *n, uint32_t x)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = x;
}

static int
s_is_prefix(const struct rule *pre, const char *key, size_t len)
{
	return pre->keylen <= len && memcmp(pre->key, key, pre->keylen) == 0;
}

static void
s_insert(struct rules_plan *pl, const char *key, size_t len, uint32_t *idx,
    size_t n)
{
	uint64_t h = rules_hash(key, len);
	size_t i = (size_t)h & pl->mask;

	while (pl->slots[i].key != NULL)
		i = (i + 1) & pl->mask;
	pl->slots[i].key = key;
	pl->slots[i].len = (uint32_t)len;
	pl->slots[i].hash = h;
	pl->slots[i].idx = idx;
	pl->slots[i].n = (uint32_t)n;
}

static void
s_bloom_key(struct rules_plan *pl, const char *key, size_t len)
{
	uint32_t b;

	if (len < 4 || (memchr(key, '-', len) == NULL && memchr(key, '/', len) == NULL)) {
		pl->fast = 0;
		return;
	}
	b = rules_bloom_bit(key);
	pl->bloom[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* Sets the quick-refusal bits of plan p (see rules_int.h). */
static void
s_bloom(const struct rules *r, struct rules_plan *pl, size_t p)
{
	const struct rule *ru;
	size_t i;

	pl->fast = 1;
	for (i = 0; i < r->nrules; i++) {
		ru = &r->rules[i];
		if (!s_applies(r, ru, p))
			continue;
		if (ru->dispatch == RD_TAG || ru->dispatch == RD_PREFIX)
			s_bloom_key(pl, ru->key, ru->keylen);
		else if (ru->anchor != RA_NONE)
			pl->fast = 0;
	}
}

static void
s_build_plan(struct rules *r, size_t p)
{
	struct rules_plan *pl = &r->plans[p];
	const struct rule *ru, *o;
	uint32_t *idx;
	size_t i, j, k, n, nkeys = 0, cap;

	for (i = 0; i < r->nrules; i++) {
		ru = &r->rules[i];
		if (!s_applies(r, ru, p))
			continue;
		switch (ru->dispatch) {
		case RD_TAG:
			/* count each key once: at its first rule */
			for (j = 0; j < i; j++)
				if (s_applies(r, &r->rules[j], p) &&
				    r->rules[j].dispatch == RD_TAG &&
				    r->rules[j].keylen == ru->keylen &&
				    memcmp(r->rules[j].key, ru->key, ru->keylen) == 0)
					break;
			if (j == i)
				nkeys++;
			break;
		case RD_PREFIX:
			for (j = 0; j < pl->nprefixes; j++)
				if (pl->prefixes[j].len == ru->keylen &&
				    memcmp(pl->prefixes[j].key, ru->key, ru->keylen) == 0)
					break;
			if (j == pl->nprefixes) {
				pl->prefixes = xrealloc(pl->prefixes,
				    (pl->nprefixes + 1) * sizeof(*pl->prefixes));
				memset(&pl->prefixes[j], 0, sizeof(pl->prefixes[j]));
				pl->prefixes[j].key = ru->key;
				pl->prefixes[j].len = (uint32_t)ru->keylen;
				pl->nprefixes++;
			}
			n = pl->prefixes[j].n;
			s_push(&pl->prefixes[j].idx, &n, (uint32_t)i);
			pl->prefixes[j].n = (uint32_t)n;
			break;
		case RD_LITERAL:
			s_push(&pl->lits, &pl->nlits, (uint32_t)i);
			break;
		case RD_ALWAYS:
			s_push(&pl->always, &pl->nalways, (uint32_t)i);
			break;
		}
	}
	s_bloom(r, pl, p);
	if (nkeys == 0)
		return;
	for (cap = 8; cap < nkeys * 2; cap *= 2)
		;
	pl->slots = xcalloc(cap, sizeof(*pl->slots));
	pl->mask = cap - 1;
	/* Each distinct tag's list also holds the prefix rules that cover
	 * it, so an exact hit needs no second look. */
	for (i = 0; i < r->nrules; i++) {
		ru = &r->rules[i];
		if (!s_applies(r, ru, p) || ru->dispatch != RD_TAG)
			continue;
		for (j = 0; j < i; j++)
			if (s_applies(r, &r->rules[j], p) && r->rules[j].dispatch == RD_TAG &&
			    r->rules[j].keylen == ru->keylen &&
			    memcmp(r->rules[j].key, ru->key, ru->keylen) == 0)
				break;
		if (j < i)
			continue;
		idx = NULL;
		n = 0;
		for (k = 0; k < r->nrules; k++) {
			o = &r->rules[k];
			if (!s_applies(r, o, p))
				continue;
			if ((o->dispatch == RD_TAG && o->keylen == ru->keylen &&
			    memcmp(o->key, ru->key, ru->keylen) == 0) ||
			    (o->dispatch == RD_PREFIX && s_is_prefix(o, ru->key, ru->keylen)))
				s_push(&idx, &n, (uint32_t)k);
		}
		s_insert(pl, ru->key, ru->keylen, idx, n);
	}
}

static void
s_free_plan(struct rules_plan *pl)
{
	size_t i;

	for (i = 0; pl->slots != NULL && i <= pl->mask; i++)
		free(pl->slots[i].idx);
	free(pl->slots);
	for (i = 0; i < pl->nprefixes; i++)
		free(pl->prefixes[i].idx);
	free(pl->prefixes);
	free(pl->lits);
	free(pl->always);
}

int
rules_plan_build(struct rules *r)
{
	uint32_t cc, maxcc = 0;
	size_t i, j, k;

	for (i = 0; i < r->nrules; i++) {
		struct rule *ru = &r->rules[i];

		for (j = 0; j < ru->nplatforms; j++) {
			if (strcmp(ru->platforms[j], "any") == 0)
				continue;
			for (k = 0; k < r->nplatforms; k++)
				if (strcmp(r->platforms[k], ru->platforms[j]) == 0)
					break;
			if (k == r->nplatforms) {
				r->platforms = xrealloc(r->platforms,
				    (r->nplatforms + 1) * sizeof(char *));
				r->platforms[r->nplatforms++] = ru->platforms[j];
			}
		}
		if (pcre2_pattern_info(ru->code, PCRE2_INFO_CAPTURECOUNT, &cc) == 0 &&
		    cc > maxcc)
			maxcc = cc;
		if (ru->ngroups > r->maxgroups)
			r->maxgroups = ru->ngroups;
	}
	r->plans = xcalloc(r->nplatforms + 2, sizeof(*r->plans));
	for (i = 0; i < r->nplatforms + 2; i++)
		s_build_plan(r, i);

	r->mctx = pcre2_match_context_create(NULL);
	r->md = pcre2_match_data_create(maxcc + 1, NULL);
	/* 32 KiB is PCRE2's own default; allow growth for long lines. */
	r->jstack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	if (r->mctx == NULL || r->md == NULL || r->jstack == NULL)
		return -1;
	pcre2_set_match_limit(r->mctx, r->match_limit);
	pcre2_set_depth_limit(r->mctx, r->match_limit);
	pcre2_set_heap_limit(r->mctx, 16 * 1024);	/* KiB, interpreter only */
	pcre2_jit_stack_assign(r->mctx, NULL, r->jstack);
	r->caps = xcalloc(r->maxgroups + 1, sizeof(*r->caps));
	r->last_plan = r->nplatforms + 1;
	return 0;
}

void
rules_free(struct rules **rp)
{
	struct rules *r;
	size_t i;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	for (i = 0; r->plans != NULL && i < r->nplatforms + 2; i++)
		s_free_plan(&r->plans[i]);
	free(r->plans);
	free(r->platforms);	/* the names belong to the rules */
	for (i = 0; i < r->nrules; i++)
		rules_rule_free(&r->rules[i]);
	free(r->rules);
	pcre2_match_data_free(r->md);
	pcre2_jit_stack_free(r->jstack);
	pcre2_match_context_free(r->mctx);
	free(r->caps);
	free(r->scratch);
	free(r);
	*rp = NULL;
}

void
rules_stats(const struct rules *r, struct rules_stats *out)
{
	*out = r->st;
}

size_t
rules_count(const struct rules *r)
{
	return r->nrules;
}

const char *
rules_name(const struct rules *r, size_t i)
{
	return i < r->nrules ? r->rules[i].name : NULL;
}

int
rules_rule_stats(const struct rules *r, size_t i, struct rules_rule_stats *out)
{
	if (i >= r->nrules)
		return -1;
	*out = r->rules[i].st;
	return 0;
}

const char *
rules_last_error(const struct rules *r)
{
	return r->errbuf;
}

