/*
 * test_rules_catalog.c — the shipped rule pack against its catalog,
 * tests/data/rules/catalog.tsv: every interface-state message listed
 * there raises exactly its rule's event with the canonical and the raw
 * interface name, every decoy raises nothing, and every interface rule of
 * the pack has at least one line there.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/rules.h"
#include "common/ifname.h"
#include "tests/support/rulepack.h"

#define NFIELDS 7

struct seen {
	int          n;
	char         rule[64];
	enum ifstate state;
	enum ifkind  kind;
	char         raw[IFNAME_MAX + 1];
	char         canon[IFNAME_MAX + 1];
	const char  *platform;
};

static int
s_hit(const struct rules_hit *h, void *arg)
{
	struct seen *s = arg;
	size_t n = h->interface_len < IFNAME_MAX ? h->interface_len : IFNAME_MAX;

	if (s->n++ > 0)
		return 0;
	snprintf(s->rule, sizeof(s->rule), "%s", h->rule);
	s->state = h->state;
	s->kind = h->kind;
	if (h->interface != NULL) {
		memcpy(s->raw, h->interface, n);
		s->raw[n] = '\0';
		cr_assert_geq(ifname_canon(s->platform, h->interface,
		    h->interface_len, s->canon, sizeof(s->canon)), 0);
	}
	return 0;
}

/* Splits line at tabs into f[NFIELDS]; returns the number of fields. */
static int
s_split(char *line, char **f)
{
	int n = 0;
	char *p = line, *t;

	while (n < NFIELDS) {
		f[n++] = p;
		if ((t = strchr(p, '\t')) == NULL)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

Test(rules_catalog, every_listed_message_raises_its_event_and_decoys_raise_none)
{
	char path[1024], *line = NULL, *f[NFIELDS];
	size_t cap = 0, i, nrules;
	unsigned lineno = 0, nev = 0, ndecoy = 0;
	struct rules *r = rulepack_load();
	ssize_t got;
	FILE *in;
	char *covered;

	nrules = rules_count(r);
	covered = calloc(nrules, 1);
	snprintf(path, sizeof(path), "%s/tests/data/rules/catalog.tsv", rulepack_src());
	cr_assert_not_null(in = fopen(path, "r"), "%s", path);
	while ((got = getline(&line, &cap, in)) > 0) {
		struct seen s;

		lineno++;
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (got == 0 || line[0] == '#')
			continue;
		cr_assert_eq(s_split(line, f), NFIELDS, "catalog line %u: want %d "
		    "tab-separated fields", lineno, NFIELDS);
		memset(&s, 0, sizeof(s));
		s.platform = f[0];
		cr_assert_geq(rules_match(r, f[0], f[6], strlen(f[6]), s_hit, &s), 0);
		if (strcmp(f[2], "none") == 0) {
			cr_assert_eq(s.n, 0, "catalog line %u (decoy) raised %s", lineno,
			    s.rule);
			ndecoy++;
			continue;
		}
		cr_assert_eq(s.n, 1, "catalog line %u: %d rules matched, want 1 (%s)",
		    lineno, s.n, f[1]);
		cr_assert_str_eq(s.rule, f[1], "catalog line %u", lineno);
		cr_assert_str_eq(ifstate_str(s.state), f[2], "catalog line %u", lineno);
		cr_assert_str_eq(ifkind_str(s.kind), f[3], "catalog line %u", lineno);
		cr_assert_str_eq(s.canon, f[4], "catalog line %u: canonical", lineno);
		cr_assert_str_eq(s.raw, f[5], "catalog line %u: raw", lineno);
		for (i = 0; i < nrules; i++)
			if (strcmp(rules_name(r, i), f[1]) == 0)
				covered[i] = 1;
		nev++;
	}
	fclose(in);
	free(line);
	cr_assert_geq(nev, 50);
	cr_assert_geq(ndecoy, 20);
	/* Every interface rule has a line; the BGP and power examples are not
	 * interface events. */
	for (i = 0; i < nrules; i++) {
		const char *n = rules_name(r, i);
		if (strstr(n, "_bgp_") || strstr(n, "_power_supply_"))
			continue;
		cr_assert(covered[i], "rule %s has no line in the catalog", n);
	}
	free(covered);
	rules_free(&r);
}
