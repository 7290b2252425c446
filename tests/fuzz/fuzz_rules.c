/*
 * fuzz_rules.c — libFuzzer target for the rule engine.
 *
 * The first byte chooses: even, the rest is a YAML rule file for
 * rules_load_buf() (which must refuse or load, never crash or leak), and a
 * set that loads is then run over a few lines and over its own bytes; odd,
 * the rest is one line, matched on several platforms against the shipped
 * pack (LOGHAUL_SRC, or ./analyzer/rules) and a built-in set.
 *
 * Beyond "no crash", every line checks the dispatcher against the regexes
 * themselves: a rule dispatched on a literal it worked out from its
 * pattern must never match a line that lacks the literal, and a pattern
 * anchored at its tag that matches there must have been dispatched on that
 * tag. Either failure would mean events silently lost, so it aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/rules_int.h"
#include "common/ifname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_builtin[] =
    "- name: ios_link\n"
    "  platforms: [cisco_ios]\n"
    "  pattern: '%LINK-3-UPDOWN: Interface (?<interface>[^\\s,]+), changed state to (?<state>up|down)'\n"
    "  event: interface_change\n"
    "- name: prefix\n"
    "  platforms: [any]\n"
    "  pattern: '%ETHPORT-5-IF_DOWN_(?<m>\\w+): Interface (?<interface>\\S+) is down'\n"
    "  event: interface_down\n"
    "  state: down\n"
    "- name: literal\n"
    "  platforms: [any]\n"
    "  pattern: '(?<x>\\w+) System: Interface (?<t>[a-z]+) ?(?<p>[\\d/]+), state (?<state>up|down)'\n"
    "  interface: '${t}$$${p}'\n"
    "  event: interface_change\n"
    "- name: junos\n"
    "  platforms: [juniper_junos]\n"
    "  tag: SNMP_TRAP_LINK_DOWN\n"
    "  pattern: 'SNMP_TRAP_LINK_DOWN: .*ifName (?<interface>\\S+)'\n"
    "  event: interface_down\n"
    "  state: down\n"
    "- name: huawei\n"
    "  platforms: [huawei]\n"
    "  tag: IFNET/4/IF_STATE\n"
    "  pattern: '%%\\d*IFNET/4/IF_STATE.*Interface (?<interface>\\S+) has turned into (?<state>UP|DOWN)'\n"
    "  event: interface_change\n"
    "- name: always\n"
    "  platforms: [any]\n"
    "  pattern: '(a|b)+(?<n>\\d)'\n"
    "  event: ab\n"
    "- name: slow\n"
    "  platforms: [any]\n"
    "  pattern: '%SLOW-1-X: (a+)+$'\n"
    "  event: slow\n";

static const char *const s_platforms[] = {
	NULL, "cisco_ios", "cisco_xr", "cisco_nxos", "arista_eos",
	"juniper_junos", "huawei", "extreme_netiron", "sonic", "other",
};

static const char *const s_lines[] = {
	"022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down",
	"2026 Nov 22 00:48:05 sw %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down (Link failure)",
	"Nov 22 00:48:05  r1 mib2d[2424]: SNMP_TRAP_LINK_DOWN: ifIndex 502, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1",
	"2018-7-23 01:00:34.270.1 sw %%01IFNET/4/IF_STATE(l)[4997]:Interface Ethernet0/0/8 has turned into DOWN state.",
	"<14>Nov  6 13:36:45 HOST System: Interface ethernet 1/1/36, state down",
	"<28>1 2023-05-08T14:25:07.466+10:00 h mib2d 8956 SNMP_TRAP_LINK_DOWN [junos@2636.1.1.1.2.57 "
	    "snmp-interface-index=\"508\" admin-status=\"up(1)\" operational-status=\"down(2)\" "
	    "interface-name=\"st0.60\"]",
};

static struct rules *s_pack, *s_fixed;
static pcre2_match_data *s_md;

static void
s_die(const char *what, const char *rule)
{
	fprintf(stderr, "fuzz_rules: %s (rule %s)\n", what, rule);
	abort();
}

/*
 * The canonical name of a hit's interface is a fixed point: normalising it
 * again changes nothing (else one interface would get two keys).
 */
static void
s_check_ifname(const struct rules_hit *h)
{
	char a[IFNAME_MAX + 1], b[IFNAME_MAX + 1];
	long n, m;

	n = ifname_canon(h->platform, h->interface, h->interface_len, a, sizeof(a));
	if (n < 0)
		return;
	m = ifname_canon(h->platform, a, (size_t)n, b, sizeof(b));
	if (m != n || memcmp(a, b, (size_t)n) != 0)
		s_die("canonical interface name is not a fixed point", h->rule);
}

static int
s_hit(const struct rules_hit *h, void *arg)
{
	size_t i;

	(void)arg;
	if (h->rule == NULL || h->event == NULL || h->severity == NULL)
		s_die("hit without names", "?");
	for (i = 0; i < h->ncaptures; i++)
		if (h->captures[i].name == NULL || h->captures[i].ptr == NULL)
			s_die("capture without name or value", h->rule);
	if (h->interface != NULL)
		s_check_ifname(h);
	return 0;
}

/* The dispatcher must not drop a line a rule's regex matches. */
static void
s_check_dispatch(struct rules *r, const char *line, size_t len)
{
	const char *tag;
	size_t taglen, i;
	long marker = rules_find_tag(line, len, &tag, &taglen);
	int rc;

	for (i = 0; i < r->nrules; i++) {
		const struct rule *ru = &r->rules[i];

		if (ru->key_given)
			continue;
		if (ru->dispatch == RD_LITERAL && ru->anchor == RA_NONE) {
			rc = pcre2_match(ru->code, (PCRE2_SPTR)line, len, 0, 0, s_md, r->mctx);
			if (rc > 0 && memmem(line, len, ru->key, ru->keylen) == NULL)
				s_die("regex matched a line without its literal", ru->name);
		}
		if ((ru->dispatch == RD_TAG || ru->dispatch == RD_PREFIX) &&
		    ru->anchor == RA_MARKER && marker >= 0) {
			rc = pcre2_match(ru->code, (PCRE2_SPTR)line, len,
			    (PCRE2_SIZE)marker, 0, s_md, r->mctx);
			if (rc > 0 && !(ru->keylen <= taglen &&
			    memcmp(ru->key, tag, ru->keylen) == 0 &&
			    (ru->dispatch == RD_PREFIX || ru->keylen == taglen)))
				s_die("regex matched at a tag it is not dispatched on", ru->name);
		}
	}
}

static void
s_match_all(struct rules *r, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(s_platforms) / sizeof(s_platforms[0]); i++)
		(void)rules_match(r, s_platforms[i], line, len, s_hit, NULL);
	s_check_dispatch(r, line, len);
}

static void
s_init(void)
{
	char err[RULES_ERRLEN], glob[1024];
	char *paths[1] = { glob };
	const char *src = getenv("LOGHAUL_SRC");

	s_md = pcre2_match_data_create(256, NULL);
	s_fixed = rules_load_buf("builtin", s_builtin, strlen(s_builtin), 5000,
	    err, sizeof(err));
	if (s_fixed == NULL) {
		fprintf(stderr, "fuzz_rules: builtin rules: %s\n", err);
		abort();
	}
	snprintf(glob, sizeof(glob), "%s/analyzer/rules/*.yaml", src ? src : ".");
	s_pack = rules_load(paths, 1, 5000, err, sizeof(err));
	if (s_pack == NULL)
		fprintf(stderr, "fuzz_rules: no shipped pack (%s): built-in rules only\n", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	const char *body = (const char *)data + 1;
	char err[RULES_ERRLEN];
	struct rules *r;
	size_t i, n = size ? size - 1 : 0;

	if (!inited) {
		s_init();
		inited = 1;
	}
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		r = rules_load_buf("fuzz.yaml", body, n, 2000, err, sizeof(err));
		if (r == NULL) {
			if (err[0] == '\0')
				s_die("refused without a message", "-");
			return 0;
		}
		for (i = 0; i < sizeof(s_lines) / sizeof(s_lines[0]); i++)
			s_match_all(r, s_lines[i], strlen(s_lines[i]));
		s_match_all(r, body, n);
		rules_free(&r);
		if (r != NULL)
			s_die("rules_free left the pointer", "-");
		return 0;
	}
	s_match_all(s_fixed, body, n);
	if (s_pack != NULL)
		s_match_all(s_pack, body, n);
	return 0;
}
