/*
 * test_rules.c — the rule engine against real device lines (napalm-logs
 * syslog lines with the structured data that project extracts, whole IOS
 * buffers from ntc-templates with that project's parse), bad rule files,
 * pathological patterns and hostile line bytes.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "analyzer/rules.h"
#include "analyzer/rules_int.h"
#include "analyzer/ruletool.h"
#include "tests/support/fixture.h"
#include "tests/support/rulepack.h"

#define MAXHITS 16

struct hit {
	char         rule[64];
	char         event[64];
	enum ifstate state;
	enum ifkind  kind;
	char         iface[128];
	size_t       iface_len;
	char         reason[256];
	char         description[256];
};

struct hits {
	int        n;
	struct hit h[MAXHITS];
};

static void
s_copy(char *dst, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static int
s_collect(const struct rules_hit *rh, void *arg)
{
	struct hits *hs = arg;
	struct hit *h;
	size_t i;

	cr_assert_lt(hs->n, MAXHITS);
	h = &hs->h[hs->n++];
	memset(h, 0, sizeof(*h));
	s_copy(h->rule, sizeof(h->rule), rh->rule, strlen(rh->rule));
	s_copy(h->event, sizeof(h->event), rh->event, strlen(rh->event));
	h->state = rh->state;
	h->kind = rh->kind;
	if (rh->interface != NULL) {
		s_copy(h->iface, sizeof(h->iface), rh->interface, rh->interface_len);
		h->iface_len = rh->interface_len;
	}
	for (i = 0; i < rh->ncaptures; i++) {
		if (strcmp(rh->captures[i].name, "reason") == 0)
			s_copy(h->reason, sizeof(h->reason), rh->captures[i].ptr,
			    rh->captures[i].len);
		if (strcmp(rh->captures[i].name, "description") == 0)
			s_copy(h->description, sizeof(h->description),
			    rh->captures[i].ptr, rh->captures[i].len);
	}
	return 0;
}

static struct rules *
s_buf(const char *yaml, uint32_t limit)
{
	char err[RULES_ERRLEN];
	struct rules *r = rules_load_buf("test.yaml", yaml, strlen(yaml), limit,
	    err, sizeof(err));

	cr_assert_not_null(r, "rules do not load: %s", err);
	return r;
}

static char *
s_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert_not_null(fp, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

/* ---- a small walker over a YAML (or JSON) document ---- */

static yaml_node_t *
s_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;
	yaml_node_t *k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *
s_scalar(yaml_node_t *n)
{
	return (n && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

static void
s_load_doc(const char *path, yaml_document_t *doc)
{
	yaml_parser_t parser;
	FILE *fp = fopen(path, "rb");

	cr_assert_not_null(fp, "cannot open %s", path);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	cr_assert(yaml_parser_load(&parser, doc), "%s does not parse: %s", path,
	    parser.problem);
	yaml_parser_delete(&parser);
	fclose(fp);
}

/* ---- napalm-logs ---- */

static const char *
s_platform_of(const char *os)
{
	static const char *const map[][2] = {
		{ "eos", "arista_eos" }, { "huawei", "huawei" },
		{ "ios", "cisco_ios" }, { "iosxr", "cisco_xr" },
		{ "junos", "juniper_junos" }, { "netiron", "extreme_netiron" },
		{ "nxos", "cisco_nxos" }, { "sonic", "sonic" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], os) == 0)
			return map[i][1];
	return NULL;
}

static enum ifstate
s_status(const char *s)
{
	if (s == NULL)
		return IF_UNKNOWN;
	if (strcmp(s, "DOWN") == 0)
		return IF_DOWN;
	if (strcmp(s, "UP") == 0)
		return IF_UP;
	return IF_UNKNOWN;
}

/*
 * The state napalm-logs' structured data describes. An interface whose
 * admin status is down is administratively down, except on NX-OS, where
 * napalm-logs files every down under admin_status while the mnemonic
 * (LINK_FAILURE, ERROR_DISABLED, PORT_INDIVIDUAL_DOWN) is an operational
 * down; there the reason tells ("Administratively down").
 */
static enum ifstate
s_expected(const char *os, const char *admin, const char *oper, const char *reason)
{
	enum ifstate a = s_status(admin), o = s_status(oper);

	if (a == IF_DOWN && strcmp(os, "nxos") == 0)
		return (reason && strstr(reason, "Administratively")) ? IF_ADMIN_DOWN : IF_DOWN;
	if (a == IF_DOWN)
		return IF_ADMIN_DOWN;
	if (o != IF_UNKNOWN)
		return o;
	return a;
}

Test(rules, napalm_logs_lines_yield_their_yang_interface_and_state)
{
	struct rules *r = rulepack_load();
	char dir[1024], path[1400], os_seen[16][16];
	int nos = 0, nfiles = 0, ndown = 0, nup = 0, i;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/napalm-logs", fixture_dir());
	cr_assert_not_null(d = opendir(dir), "no fixtures at %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name), len;
		yaml_document_t doc;
		yaml_node_t *root, *ifs, *ifnode = NULL, *state;
		yaml_node_pair_t *p;
		const char *os, *error, *platform, *ifname = NULL;
		const char *admin, *oper, *reason;
		struct hits hs = { 0 };
		enum ifstate want;
		char *line;

		if (nl < 11 || strcmp(de->d_name + nl - 11, "_syslog.msg") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		line = s_slurp(path, &len);
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;

		snprintf(path, sizeof(path), "%s/%.*s_yang.json", dir, (int)(nl - 11),
		    de->d_name);
		s_load_doc(path, &doc);
		root = yaml_document_get_root_node(&doc);
		os = s_scalar(s_get(&doc, root, "os"));
		error = s_scalar(s_get(&doc, root, "error"));
		cr_assert_not_null(os, "%s: no os", path);
		cr_assert_not_null(error, "%s: no error", path);
		cr_assert_not_null(platform = s_platform_of(os), "unknown os %s", os);
		ifs = s_get(&doc, s_get(&doc, s_get(&doc, root, "yang_message"),
		    "interfaces"), "interface");
		cr_assert(ifs && ifs->type == YAML_MAPPING_NODE, "%s: no interfaces", path);
		cr_assert_eq(ifs->data.mapping.pairs.top - ifs->data.mapping.pairs.start, 1);
		p = ifs->data.mapping.pairs.start;
		ifname = s_scalar(yaml_document_get_node(&doc, p->key));
		ifnode = yaml_document_get_node(&doc, p->value);
		state = s_get(&doc, ifnode, "state");
		admin = s_scalar(s_get(&doc, state, "admin_status"));
		oper = s_scalar(s_get(&doc, state, "oper_status"));
		reason = s_scalar(s_get(&doc, state, "change_reason"));
		want = s_expected(os, admin, oper, reason);

		cr_assert_eq(rules_match(r, platform, line, len, s_collect, &hs), 1,
		    "%s: %d rules matched, want 1", de->d_name, hs.n);
		cr_assert_str_eq(hs.h[0].iface, ifname, "%s: interface %s, yang says %s",
		    de->d_name, hs.h[0].iface, ifname);
		cr_assert_eq(hs.h[0].state, want, "%s: state %s, yang says %s",
		    de->d_name, ifstate_str(hs.h[0].state), ifstate_str(want));
		if (strcmp(error, "INTERFACE_DOWN") == 0) {
			cr_assert_str_eq(hs.h[0].event, "interface_down", "%s", de->d_name);
			ndown++;
		} else {
			cr_assert_str_eq(error, "INTERFACE_UP");
			cr_assert_str_eq(hs.h[0].event, "interface_up", "%s", de->d_name);
			nup++;
		}
		if (reason != NULL)
			cr_assert_str_eq(hs.h[0].reason, reason, "%s", de->d_name);
		/* The same line on another platform matches nothing. */
		hs.n = 0;
		cr_assert_eq(rules_match(r, "no_such_platform", line, len, s_collect, &hs), 0);

		for (i = 0; i < nos && strcmp(os_seen[i], os) != 0; i++)
			;
		if (i == nos && nos < 16)
			snprintf(os_seen[nos++], sizeof(os_seen[0]), "%s", os);
		nfiles++;
		yaml_document_delete(&doc);
		free(line);
	}
	closedir(d);
	cr_assert_eq(nos, 8, "want the eight OS folders, saw %d", nos);
	cr_assert_geq(ndown, 8);
	cr_assert_geq(nup, 8);
	cr_assert_eq(nfiles, ndown + nup);
	rules_free(&r);
}

/* ---- ntc-templates IOS buffers ---- */

struct ifev {
	char         iface[128];
	enum ifstate state;
	enum ifkind  kind;
};

/* The interface events ntc-templates' own parse of the buffer names. */
static int
s_ntc_expected(const char *path, struct ifev *ev, int max)
{
	yaml_document_t doc;
	yaml_node_t *root, *list, *e;
	yaml_node_item_t *it;
	int n = 0;

	s_load_doc(path, &doc);
	root = yaml_document_get_root_node(&doc);
	list = s_get(&doc, root, "parsed_sample");
	cr_assert(list && list->type == YAML_SEQUENCE_NODE);
	for (it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		const char *fac, *mnem, *msg, *on, *st;
		yaml_node_t *m;

		e = yaml_document_get_node(&doc, *it);
		fac = s_scalar(s_get(&doc, e, "facility"));
		mnem = s_scalar(s_get(&doc, e, "mnemonic"));
		m = s_get(&doc, e, "message");
		msg = s_scalar(yaml_document_get_node(&doc, *m->data.sequence.items.start));
		if (!((strcmp(fac, "LINK") == 0 && (strcmp(mnem, "UPDOWN") == 0 ||
		    strcmp(mnem, "CHANGED") == 0)) ||
		    (strcmp(fac, "LINEPROTO") == 0 && strcmp(mnem, "UPDOWN") == 0)))
			continue;
		cr_assert_lt(n, max);
		on = strstr(msg, "Interface ");
		st = strstr(msg, ", changed state to ");
		cr_assert(on && st && st > on);
		on += strlen("Interface ");
		s_copy(ev[n].iface, sizeof(ev[n].iface), on, (size_t)(st - on));
		st += strlen(", changed state to ");
		ev[n].state = strcmp(st, "up") == 0 ? IF_UP :
		    strcmp(st, "down") == 0 ? IF_DOWN :
		    strncmp(st, "administratively down", 21) == 0 ? IF_ADMIN_DOWN : IF_UNKNOWN;
		ev[n].kind = strcmp(fac, "LINEPROTO") == 0 ? IFK_PROTOCOL :
		    strcmp(mnem, "CHANGED") == 0 ? IFK_ADMIN : IFK_LINK;
		n++;
	}
	yaml_document_delete(&doc);
	return n;
}

Test(rules, ntc_templates_ios_buffers_yield_their_interface_events)
{
	struct rules *r = rulepack_load();
	int f, total = 0;

	for (f = 1; f <= 5; f++) {
		char path[1024];
		struct ifev want[32];
		struct hits hs;
		char *buf, *line, *nl;
		size_t len;
		int nwant, ngot = 0, ncount = 0, i;

		snprintf(path, sizeof(path), "%s/ntc-templates/cisco_ios_show_logging_%d.yml",
		    fixture_dir(), f);
		nwant = s_ntc_expected(path, want, 32);
		snprintf(path, sizeof(path), "%s/ntc-templates/cisco_ios_show_logging_%d.raw",
		    fixture_dir(), f);
		buf = s_slurp(path, &len);
		/* every line of the output, header included, as the collector
		 * might pass it; CR stripped as the collector does */
		for (line = buf; line < buf + len; line = nl + 1) {
			size_t n;

			if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) == NULL)
				nl = buf + len;
			n = (size_t)(nl - line);
			if (n > 0 && line[n - 1] == '\r')
				n--;
			/* independent count: lines holding an interface tag */
			{
				char tmp[2048];
				s_copy(tmp, sizeof(tmp), line, n);
				if (strstr(tmp, "%LINK-3-UPDOWN:") || strstr(tmp, "%LINEPROTO-5-UPDOWN:") ||
				    strstr(tmp, "%LINK-5-CHANGED:"))
					ncount++;
			}
			hs.n = 0;
			cr_assert_geq(rules_match(r, "cisco_ios", line, n, s_collect, &hs), 0);
			for (i = 0; i < hs.n; i++) {
				if (strncmp(hs.h[i].event, "interface_", 10) != 0)
					continue;
				cr_assert_lt(ngot, nwant, "%s: more events than the buffer holds "
				    "(%s %s)", path, hs.h[i].rule, hs.h[i].iface);
				cr_assert_str_eq(hs.h[i].iface, want[ngot].iface, "%s event %d", path, ngot);
				cr_assert_eq(hs.h[i].state, want[ngot].state, "%s event %d", path, ngot);
				cr_assert_eq(hs.h[i].kind, want[ngot].kind, "%s event %d", path, ngot);
				ngot++;
			}
			if (nl == buf + len)
				break;
		}
		cr_assert_eq(ngot, nwant, "%s: %d events, ntc-templates says %d", path, ngot, nwant);
		cr_assert_eq(ngot, ncount, "%s: %d events, %d tagged lines", path, ngot, ncount);
		total += ngot;
		free(buf);
	}
	cr_assert_eq(total, 7, "the five buffers hold 7 interface events, got %d", total);
	rules_free(&r);
}

/* ---- bad rule files ---- */

struct diags {
	char msgs[32][RULES_ERRLEN + 300];
	int  n;
	int  nerr;
};

static void
s_diag(int is_error, const char *msg, void *arg)
{
	struct diags *d = arg;

	if (d->n < 32)
		snprintf(d->msgs[d->n++], sizeof(d->msgs[0]), "%s", msg);
	d->nerr += is_error;
}

static struct diags *
s_load_bad(const char *name)
{
	static struct diags d;
	char path[1024];
	char *paths[1] = { path };

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/tests/data/rules/%s", rulepack_src(), name);
	cr_assert_null(rules_load_diag(paths, 1, 0, s_diag, &d), "%s loaded", name);
	cr_assert_gt(d.nerr, 0);
	return &d;
}

/* Some message holds both "FILE:LINE:" and what. */
static void
s_has(struct diags *d, const char *file, int line, const char *what)
{
	char loc[256];
	int i;

	snprintf(loc, sizeof(loc), "%s:%d:", file, line);
	for (i = 0; i < d->n; i++)
		if (strstr(d->msgs[i], loc) && strstr(d->msgs[i], what))
			return;
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->msgs[i]);
	cr_assert_fail("no message with '%s' and '%s'", loc, what);
}

Test(rules, regex_that_does_not_compile_names_file_line_rule_and_pcre2_message)
{
	struct diags *d = s_load_bad("bad_regex.yaml");

	cr_assert_eq(d->nerr, 1);
	s_has(d, "bad_regex.yaml", 11, "rule 'broken': pattern does not compile at offset");
	s_has(d, "bad_regex.yaml", 11, "missing closing parenthesis");
}

Test(rules, unknown_key_missing_pattern_duplicate_name)
{
	struct diags *d;

	d = s_load_bad("unknown_key.yaml");
	s_has(d, "unknown_key.yaml", 3, "rule 'typo': unknown key 'patern'");
	d = s_load_bad("missing_pattern.yaml");
	s_has(d, "missing_pattern.yaml", 1, "rule 'nopattern': missing key 'pattern'");
	d = s_load_bad("duplicate_name.yaml");
	s_has(d, "duplicate_name.yaml", 6, "duplicate rule name 'twice'");
	s_has(d, "duplicate_name.yaml", 6, "duplicate_name.yaml:1)");
}

Test(rules, wrong_types_are_each_reported)
{
	struct diags *d = s_load_bad("wrong_types.yaml");

	cr_assert_eq(d->nerr, 6);
	s_has(d, "wrong_types.yaml", 2, "'platforms' must be a list");
	s_has(d, "wrong_types.yaml", 10, "'labels' must be a map");
	s_has(d, "wrong_types.yaml", 16, "'severity' must be a string");
	s_has(d, "wrong_types.yaml", 20, "'pattern' must be a string");
	s_has(d, "wrong_types.yaml", 27, "state 'sideways' is not down, up or admin_down");
	s_has(d, "wrong_types.yaml", 33, "kind 'wire' is not link, protocol or admin");
}

Test(rules, file_shape_yaml_syntax_and_captures)
{
	struct diags *d;

	d = s_load_bad("not_a_list.yaml");
	s_has(d, "not_a_list.yaml", 1, "a rule file is a list of rules");
	d = s_load_bad("yaml_syntax.yaml");
	cr_assert(strstr(d->msgs[0], "yaml_syntax.yaml:") && strstr(d->msgs[0], "YAML:"),
	    "%s", d->msgs[0]);
	d = s_load_bad("captures.yaml");
	cr_assert_eq(d->nerr, 6);
	s_has(d, "captures.yaml", 4, "rule 'no_interface': event 'interface_down' needs a capture");
	s_has(d, "captures.yaml", 29, "rule 'reserved_capture': the capture name 'interface_raw'");
	s_has(d, "captures.yaml", 35, "rule 'too_many_captures': 65 named captures, at most 63");
	s_has(d, "captures.yaml", 11, "names 'slot', which the pattern does not capture");
	s_has(d, "captures.yaml", 19, "a state map needs a capture named 'state'");
	s_has(d, "captures.yaml", 23, "tag 'LINEPROTO-5-UPDOWN' does not agree");
}

Test(rules, missing_file_and_empty_glob_refuse_the_load)
{
	char err[RULES_ERRLEN];
	char *p1[] = { "/nonexistent/loghaul/rules.yaml" };
	char *p2[] = { "/nonexistent/loghaul/*.yaml" };

	cr_assert_null(rules_load(p1, 1, 0, err, sizeof(err)));
	cr_assert(strstr(err, "/nonexistent/loghaul/rules.yaml: No such file"), "%s", err);
	cr_assert_null(rules_load(p2, 1, 0, err, sizeof(err)));
	cr_assert(strstr(err, "no file matches"), "%s", err);
	cr_assert_null(rules_load_buf("empty.yaml", "", 0, 0, err, sizeof(err)));
	cr_assert(strstr(err, "no rules loaded"), "%s", err);
}

/* ---- matching ---- */

static const char s_redos_yaml[] =
    "- name: catastrophic\n"
    "  platforms: [any]\n"
    "  pattern: '%REDOS-1-TEST: (a+)+$'\n"
    "  event: redos\n"
    "- name: link_down\n"
    "  platforms: [any]\n"
    "  pattern: '%LINK-3-UPDOWN: Interface (?<interface>[^\\s,]+), changed state to down'\n"
    "  event: interface_down\n"
    "  state: down\n";

Test(rules, catastrophic_pattern_hits_the_limit_is_counted_and_next_line_matches)
{
	struct rules *r = s_buf(s_redos_yaml, 10000);
	struct rules_stats st;
	struct rules_rule_stats rs;
	struct hits hs = { 0 };
	char evil[128];
	const char *ok = "Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi0/3, changed state to down";

	snprintf(evil, sizeof(evil), "Jun 19 03:02:32: %%REDOS-1-TEST: %s!",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	cr_assert_eq(rules_match(r, "cisco_ios", evil, strlen(evil), s_collect, &hs), -1);
	cr_assert_eq(hs.n, 0);
	rules_stats(r, &st);
	cr_assert_eq(st.limit_hits, 1);
	cr_assert(strstr(rules_last_error(r), "rule=catastrophic"), "%s", rules_last_error(r));
	cr_assert(strstr(rules_last_error(r), "limit"), "%s", rules_last_error(r));
	cr_assert_eq(rules_rule_stats(r, 0, &rs), 0);
	cr_assert_eq(rs.limit_hits, 1);

	cr_assert_eq(rules_match(r, "cisco_ios", ok, strlen(ok), s_collect, &hs), 1);
	cr_assert_str_eq(hs.h[0].iface, "Gi0/3");
	/* the same rule still matches a line it can decide */
	snprintf(evil, sizeof(evil), "Jun 19 03:02:32: %%REDOS-1-TEST: aaaa");
	cr_assert_eq(rules_match(r, "cisco_ios", evil, strlen(evil), s_collect, &hs), 1);
	rules_stats(r, &st);
	cr_assert_eq(st.limit_hits, 1);
	cr_assert_eq(st.matches, 2);
	rules_free(&r);
	cr_assert_null(r);
}

Test(rules, quoted_events_do_not_match)
{
	struct rules *r = rulepack_load();
	struct hits hs = { 0 };
	static const char *const fakes[][2] = {
		{ "cisco_ios", "Jun 19 03:02:31: %SYS-5-CONFIG_I: Configured from console by admin on vty0 "
		    "(%LINK-3-UPDOWN: Interface Gi0/1, changed state to down)" },
		{ "cisco_ios", "022701: Jun 19 03:02:31: %SYS-5-CONFIG_I: Configured from console by "
		    "%LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/1, changed state to down" },
		{ "cisco_ios", "Jun 19 03:02:31: x%LINK-3-UPDOWN: Interface Gi0/1, changed state to down" },
		{ "cisco_ios", "Jun 19 03:02:31: %LINK-3-UPDOWNX: Interface Gi0/1, changed state to down" },
		{ "cisco_ios", "%LINK-3-UPDOWN: Interface Gi0/1, changed state to downright" },
		{ "cisco_xr", "RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: config[65]: %MGBL-CONFIG-6-DB_COMMIT : "
		    "'description %PKT_INFRA-LINK-3-UPDOWN : Interface Gi0/0/0/1, changed state to Down'" },
		{ "juniper_junos", "Nov 22 00:48:05  r1 mgd[123]: UI_CMDLINE_READ_LINE: User 'x', command "
		    "'set interfaces ge-0/0/1 description \"SNMP_TRAP_LINK_DOWN: ifIndex 1, ifAdminStatus up(1), "
		    "ifOperStatus down(2), ifName ge-0/0/1\"'" },
		{ "cisco_nxos", "2026 Nov 22 00:48:05 sw1 %VSHD-5-VSHD_SYSLOG_CONFIG_I: Configured from vty "
		    "by admin: interface e1/1 ; description %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface "
		    "Ethernet1/1 is down (Link failure)" },
	};
	size_t i;

	for (i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		hs.n = 0;
		cr_assert_eq(rules_match(r, fakes[i][0], fakes[i][1], strlen(fakes[i][1]),
		    s_collect, &hs), 0, "fake event %zu matched %s", i, hs.n ? hs.h[0].rule : "");
	}
	rules_free(&r);
}

Test(rules, eos_description_is_captured_apart_and_cannot_fake_the_state)
{
	struct rules *r = rulepack_load();
	struct hits hs = { 0 };
	const char *l1 = "Nov 22 00:48:05 sw1 Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface "
	    "Ethernet28 (uplink-1 (to core), changed state to down), changed state to up";
	const char *l2 = "Nov 22 00:48:05 sw1 Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface "
	    "Ethernet28 (uplink-1), changed state to down";

	cr_assert_eq(rules_match(r, "arista_eos", l1, strlen(l1), s_collect, &hs), 1);
	cr_assert_str_eq(hs.h[0].iface, "Ethernet28");
	cr_assert_eq(hs.h[0].state, IF_UP);
	cr_assert_str_eq(hs.h[0].description, "uplink-1 (to core), changed state to down");
	hs.n = 0;
	cr_assert_eq(rules_match(r, "arista_eos", l2, strlen(l2), s_collect, &hs), 1);
	cr_assert_str_eq(hs.h[0].iface, "Ethernet28");
	cr_assert_eq(hs.h[0].state, IF_DOWN);
	cr_assert_str_eq(hs.h[0].description, "uplink-1");
	rules_free(&r);
}

Test(rules, nul_bytes_and_invalid_utf8_do_not_break_matching)
{
	struct rules *r = rulepack_load();
	struct hits hs = { 0 };
	static const char l1[] = "\0\0\xff 022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface "
	    "Gi\xff\xfe\x00/1, changed state to down";
	static const char l2[] = "Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi0/1, changed "
	    "state to up\0 trailing \xc3\x28 bytes";
	static const char l3[] = "\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x90\x28\xbc %SYS-5-CONFIG_I: \0";

	cr_assert_eq(rules_match(r, "cisco_ios", l1, sizeof(l1) - 1, s_collect, &hs), 1);
	cr_assert_eq(hs.h[0].iface_len, 7);
	cr_assert_eq(memcmp(hs.h[0].iface, "Gi\xff\xfe\x00/1", 7), 0);
	cr_assert_eq(hs.h[0].state, IF_DOWN);
	hs.n = 0;
	cr_assert_eq(rules_match(r, "cisco_ios", l2, sizeof(l2) - 1, s_collect, &hs), 1);
	cr_assert_eq(hs.h[0].state, IF_UP);
	hs.n = 0;
	cr_assert_eq(rules_match(r, "cisco_ios", l3, sizeof(l3) - 1, s_collect, &hs), 0);
	cr_assert_eq(rules_match(r, NULL, "", 0, s_collect, &hs), 0);
	rules_free(&r);
}

Test(rules, tag_finder_reads_every_platform_format)
{
	static const char *const cases[][2] = {
		{ "022701: Jun 19 03:02:31: %LINEPROTO-5-UPDOWN: Line protocol", "LINEPROTO-5-UPDOWN" },
		{ "7:04: %LINEPROTO-5-UPDOWN: Line", "LINEPROTO-5-UPDOWN" },
		{ "RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: %PKT_INFRA-LINK-3-UPDOWN : Interface",
		    "PKT_INFRA-LINK-3-UPDOWN" },
		{ "2026 Nov 22 00:48:05 HOST %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface", "ETHPORT-5-IF_DOWN_LINK_FAILURE" },
		{ "Nov 22 00:48:05 HOST Ebra: %LINEPROTO-5-UPDOWN: Line", "LINEPROTO-5-UPDOWN" },
		{ "2018-7-23 01:00:34.270.1 sw %%01IFNET/4/IF_STATE(l)[4997]:Interface", "IFNET/4/IF_STATE" },
		{ "Nov 22 00:48:05  HOST mib2d[2424]: SNMP_TRAP_LINK_DOWN: ifIndex 502", "SNMP_TRAP_LINK_DOWN" },
		{ "<28>1 2023-05-08T14:25:07.466+10:00 host mib2d 8956 SNMP_TRAP_LINK_DOWN "
		    "[junos@2636.1.1.1.2.57 interface-name=\"st0.60\"]", "SNMP_TRAP_LINK_DOWN" },
		{ "<29>1 2023-05-08T14:25:07Z host mib2d 8956 SNMP_TRAP_LINK_UP", "SNMP_TRAP_LINK_UP" },
		{ "<28>Jul 20 21:45:59 vmx01 mib2d[2424]: SNMP_TRAP_LINK_UP: ifIndex 502", "SNMP_TRAP_LINK_UP" },
		{ "<30>1 2023-05-08T14:25:10Z host sshd 77 - - session opened", "" },
		{ "<30>1 2023-05-08T14:25:10Z host sshd", "" },
		{ "<30>1 2023-05-08T14:25:10Z h a 1 lowercase x", "" },
		{ "Nov 22 00:48:05 HOST: 100% done", "" },
		{ "000048: Dec  2 12:09:21.207: CEF-HWIDB: EDSP0 LES switching vector set to Null", "" },
		{ "%", "" },
		{ "%%", "" },
		{ "x]: ", "" },
	};
	const char *tag;
	size_t i, tl;
	long off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		off = rules_find_tag(cases[i][0], strlen(cases[i][0]), &tag, &tl);
		if (cases[i][1][0] == '\0') {
			cr_assert_lt(off, 0, "case %zu found a tag", i);
			continue;
		}
		cr_assert_geq(off, 0, "case %zu: no tag", i);
		cr_assert_eq(tl, strlen(cases[i][1]), "case %zu", i);
		cr_assert_eq(memcmp(tag, cases[i][1], tl), 0, "case %zu", i);
	}
}

Test(rules, most_lines_never_reach_a_regex)
{
	struct rules *r = rulepack_load();
	struct rules_stats st;
	const char *noise = "022701: Jun 19 03:02:31: %SEC-6-IPACCESSLOGP: list 101 denied tcp "
	    "10.1.1.1(1234) -> 10.2.2.2(22), 1 packet";
	const char *cont = "    connection id=29, sequence number=219";
	const char *ev = "022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down";
	int i;

	for (i = 0; i < 100; i++) {
		cr_assert_eq(rules_match(r, "cisco_ios", noise, strlen(noise), NULL, NULL), 0);
		cr_assert_eq(rules_match(r, "cisco_ios", cont, strlen(cont), NULL, NULL), 0);
	}
	rules_stats(r, &st);
	cr_assert_eq(st.lines, 200);
	cr_assert_eq(st.dispatched, 0);
	cr_assert_eq(st.regex_runs, 0);
	cr_assert_eq(rules_match(r, "cisco_ios", ev, strlen(ev), NULL, NULL), 1);
	rules_stats(r, &st);
	cr_assert_eq(st.dispatched, 1);
	cr_assert_geq(st.regex_runs, 1);
	cr_assert_leq(st.regex_runs, 2, "only the rules of the line's tag run");
	cr_assert_eq(st.matches, 1);
	rules_free(&r);
}

/* Junos structured-data lines reach only the rules of their MSGID. */
Test(rules, structured_data_lines_dispatch_on_their_msgid)
{
	struct rules *r = rulepack_load();
	struct rules_stats st;
	struct hits hs = { 0 };
	const char *noise = "<30>1 2023-05-08T14:25:07.466+10:00 host rpd 1234 RPD_OSPF_NBRDOWN "
	    "[junos@2636.1.1.1.1.1 interface-name=\"ge-0/0/1.0\"]";
	const char *ev = "<28>1 2023-05-08T14:25:07.466+10:00 host mib2d 8956 SNMP_TRAP_LINK_DOWN "
	    "[junos@2636.1.1.1.2.57 snmp-interface-index=\"508\" admin-status=\"up(1)\" "
	    "operational-status=\"down(2)\" interface-name=\"st0.60\"]";

	cr_assert_eq(rules_match(r, "juniper_junos", noise, strlen(noise), NULL, NULL), 0);
	rules_stats(r, &st);
	cr_assert_eq(st.regex_runs, 0);
	cr_assert_eq(rules_match(r, "juniper_junos", ev, strlen(ev), s_collect, &hs), 1);
	rules_stats(r, &st);
	cr_assert_leq(st.regex_runs, 4, "only SNMP_TRAP_LINK_DOWN's rules run");
	cr_assert_str_eq(hs.h[0].rule, "junos_sd_link_down");
	cr_assert_str_eq(hs.h[0].iface, "st0.60");
	cr_assert_eq(hs.h[0].state, IF_DOWN);
	rules_free(&r);
}

Test(rules, state_maps_templates_platforms_and_labels)
{
	static const char yaml[] =
	    "- name: mapped\n"
	    "  platforms: [vendor_a]\n"
	    "  pattern: '%PORT-1-STATE: (?<interface>\\S+) is (?<state>\\w+)'\n"
	    "  event: interface_change\n"
	    "  state: {gone: down, back: up, 'shut by admin': admin_down}\n"
	    "  labels: {team: noc, tier: '1'}\n"
	    "- name: default_map\n"
	    "  platforms: [any]\n"
	    "  pattern: 'ifmon: port (?<slot>\\d+) (?<port>\\d+) went (?<state>administratively down|Down|Up)'\n"
	    "  interface: 'eth$$${slot}/${port}'\n"
	    "  event: interface_change\n";
	struct rules *r = s_buf(yaml, 0);
	struct hits hs = { 0 };
	const char *a = "Jan 1 00:00:00 h %PORT-1-STATE: p1 is gone";
	const char *b = "Jan 1 00:00:00 h %PORT-1-STATE: p1 is back";
	const char *c = "Jan 1 00:00:00 h %PORT-1-STATE: p1 is weird";
	const char *d = "ifmon: port 3 14 went administratively down";
	const char *e = "ifmon: port 3 14 went Up";

	cr_assert_eq(rules_match(r, "vendor_a", a, strlen(a), s_collect, &hs), 1);
	cr_assert_eq(hs.h[0].state, IF_DOWN);
	cr_assert_eq(rules_match(r, "vendor_a", b, strlen(b), s_collect, &hs), 1);
	cr_assert_eq(hs.h[1].state, IF_UP);
	cr_assert_eq(rules_match(r, "vendor_a", c, strlen(c), s_collect, &hs), 1);
	cr_assert_eq(hs.h[2].state, IF_UNKNOWN);
	cr_assert_eq(rules_match(r, "vendor_b", a, strlen(a), s_collect, &hs), 0,
	    "a rule applies only to its platforms");
	cr_assert_eq(rules_match(r, "vendor_b", d, strlen(d), s_collect, &hs), 1, "any");
	cr_assert_eq(hs.h[3].state, IF_ADMIN_DOWN);
	cr_assert_eq(hs.h[3].kind, IFK_ADMIN);
	cr_assert_str_eq(hs.h[3].iface, "eth$3/14");
	cr_assert_eq(rules_match(r, NULL, e, strlen(e), s_collect, &hs), 1);
	cr_assert_eq(hs.h[4].state, IF_UP);
	cr_assert_eq(hs.h[4].kind, IFK_NONE);
	rules_free(&r);
}

static int
s_labels(const struct rules_hit *h, void *arg)
{
	int *ok = arg;

	*ok = h->nlabels == 2 && strcmp(h->labels[0].key, "team") == 0 &&
	    strcmp(h->labels[0].value, "noc") == 0 && strcmp(h->labels[1].value, "1") == 0;
	return 0;
}

Test(rules, labels_reach_the_callback_and_two_sets_live_apart)
{
	static const char yaml[] =
	    "- name: l\n"
	    "  platforms: [any]\n"
	    "  pattern: '%A-1-B: x'\n"
	    "  event: e\n"
	    "  labels: {team: noc, tier: '1'}\n";
	struct rules *r1 = s_buf(yaml, 0), *r2 = s_buf(yaml, 0);
	int ok = 0;

	/* a reload builds a second set; freeing the old one leaves it whole */
	rules_free(&r1);
	cr_assert_eq(rules_match(r2, "x", "%A-1-B: x", 9, s_labels, &ok), 1);
	cr_assert(ok);
	rules_free(&r2);
	rules_free(&r2);
}

Test(rules, literal_analysis)
{
	char out[256];

	cr_assert_eq(rules_required_literal("foo(a|b)barbaz", 14, out, sizeof(out)), 6);
	cr_assert_str_eq(out, "barbaz");
	cr_assert_eq(rules_required_literal("abcd|efgh", 9, out, sizeof(out)), 0);
	cr_assert_eq(rules_required_literal("abc?def", 7, out, sizeof(out)), 3);
	cr_assert_str_eq(out, "def");
	cr_assert_eq(rules_required_literal("(ab){123}c", 10, out, sizeof(out)), 0);
	cr_assert_eq(rules_required_literal("x{2}yyyy", 8, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "yyyy");
	cr_assert_eq(rules_required_literal("(?i)abcdef", 10, out, sizeof(out)), 0);
	cr_assert_eq(rules_required_literal("abcd(?i)xyzzy", 13, out, sizeof(out)), 4);
	cr_assert_eq(rules_required_literal("[]abc]defg", 10, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "defg");
	cr_assert_eq(rules_required_literal("ab\\Q|\\Ecdef", 11, out, sizeof(out)), 0);
	cr_assert_eq(rules_required_literal("\\d+ ifName\\: (?<i>\\S+)", 22, out, sizeof(out)), 9);
	cr_assert_str_eq(out, " ifName: ");
	cr_assert_eq(rules_leading_literal("%LINK-3-UPDOWN: x", 17, out, sizeof(out)), 17);
	cr_assert_eq(rules_leading_literal("%AB?", 4, out, sizeof(out)), 2);
	cr_assert_str_eq(out, "%A");
	cr_assert_eq(rules_leading_literal("\\%A\\.B\\d", 8, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "%A.B");
}

/* ---- ruletool ---- */

static char *
s_run_tool(int check, char **files, int n, const char *input, int *rc)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *o = open_memstream(&out, &outlen), *in = NULL;

	cr_assert_not_null(o);
	if (check)
		*rc = ruletool_check(n, files, o);
	else {
		in = fmemopen((void *)(uintptr_t)input, strlen(input), "r");
		cr_assert_not_null(in);
		*rc = ruletool_test(n, files, in, o);
		fclose(in);
	}
	fclose(o);
	return out;
}

Test(rules, ruletool_check_reports_ok_and_errors)
{
	char pack[1024], bad[1024], *out;
	char *files[2] = { pack, bad };
	int rc;

	snprintf(pack, sizeof(pack), "%s/analyzer/rules/*.yaml", rulepack_src());
	snprintf(bad, sizeof(bad), "%s/tests/data/rules/bad_regex.yaml", rulepack_src());
	out = s_run_tool(1, files, 1, NULL, &rc);
	cr_assert_eq(rc, 0, "%s", out);
	cr_assert(strncmp(out, "OK: ", 4) == 0, "%s", out);
	free(out);
	out = s_run_tool(1, files, 2, NULL, &rc);
	cr_assert_eq(rc, 1);
	cr_assert(strstr(out, "error: ") && strstr(out, "bad_regex.yaml:11: rule 'broken'"), "%s", out);
	cr_assert(strstr(out, "FAILED: 1 error"), "%s", out);
	free(out);
}

Test(rules, ruletool_test_prints_rule_and_captures_per_line)
{
	char pack[1024], *out;
	char *files[1] = { pack };
	int rc;

	snprintf(pack, sizeof(pack), "%s/analyzer/rules/*.yaml", rulepack_src());
	out = s_run_tool(0, files, 1,
	    "022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down\r\n"
	    "Nov 22 00:48:05 sw Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface Et1 (\"q\"), changed state to up\n"
	    "just text\n", &rc);
	cr_assert_eq(rc, 0, "%s", out);
	/* no platform given: every rule runs, so the EOS rule matches too */
	cr_assert(strstr(out, "1: \"022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, "
	    "changed state to down\"\n  match rule="), "%s", out);
	cr_assert(strstr(out, "  match rule=ios_link_down event=interface_down state=down "
	    "kind=link severity=critical interface=\"GigabitEthernet2/0/3\" raw=\"Gi2/0/3\"\n"
	    "    interface=\"Gi2/0/3\"\n"), "%s", out);
	cr_assert(strstr(out, "match rule=eos_lineproto_up event=interface_up state=up kind=protocol "
	    "severity=info interface=\"Ethernet1\" raw=\"Et1\"\n"), "%s", out);
	cr_assert(strstr(out, "    description=\"\\\"q\\\"\"\n"), "%s", out);
	cr_assert(strstr(out, "3: \"just text\"\n  no match\n"), "%s", out);
	cr_assert(strstr(out, "# 3 lines, 2 matched"), "%s", out);
	free(out);
}

Test(rules, top_level_alternation_is_not_dispatched_on_its_first_tag)
{
	static const char yaml[] =
	    "- name: either\n"
	    "  platforms: [any]\n"
	    "  pattern: '%A-1-B: x|%Z-2-Z: (?<what>\\w+)'\n"
	    "  event: either\n";
	struct rules *r = s_buf(yaml, 0);
	const char *l1 = "Jan 1 00:00:00: %A-1-B: x", *l2 = "Jan 1 00:00:00: %Z-2-Z: y";
	const char *l3 = "Jan 1 00:00:00: %Q-1-Q: text %Z-2-Z: y";

	cr_assert_eq(r->rules[0].dispatch, RD_ALWAYS);
	cr_assert_eq(r->rules[0].anchor, RA_MARKER);
	cr_assert_eq(rules_match(r, "x", l1, strlen(l1), NULL, NULL), 1);
	cr_assert_eq(rules_match(r, "x", l2, strlen(l2), NULL, NULL), 1);
	cr_assert_eq(rules_match(r, "x", l3, strlen(l3), NULL, NULL), 0, "anchored at the tag");
	rules_free(&r);
}

Test(rules, check_warns_about_rules_that_run_on_every_line)
{
	char path[] = "/tmp/loghaul-rules-XXXXXX.yaml", *out = NULL;
	char *files[1] = { path };
	size_t outlen = 0;
	FILE *o;
	int fd = mkstemps(path, 5);

	cr_assert_geq(fd, 0);
	cr_assert_gt(dprintf(fd, "- name: everywhere\n  platforms: [any]\n"
	    "  pattern: '(a|b)\\d'\n  event: ab\n"), 0);
	close(fd);
	o = open_memstream(&out, &outlen);
	cr_assert_eq(ruletool_check(1, files, o), 0);
	fclose(o);
	unlink(path);
	cr_assert(strstr(out, "warning: ") && strstr(out, ":3: rule 'everywhere': no tag or literal"),
	    "%s", out);
	cr_assert(strstr(out, "OK: 1 rules, 1 warning\n"), "%s", out);
	free(out);
}

/* The buffer lines of every shipped platform, as formats.md writes them. */
Test(rules, buffer_lines_of_every_platform)
{
	static const struct {
		const char  *platform;
		const char  *line;
		const char  *iface;
		enum ifstate state;
		enum ifkind  kind;
	} c[] = {
		{ "cisco_ios", "*Mar  1 00:01:23.456: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
		    "GigabitEthernet0/1", IF_DOWN, IFK_LINK },
		{ "cisco_xe", ".Nov 22 00:48:05.123 UTC: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to up",
		    "GigabitEthernet0/1", IF_UP, IFK_PROTOCOL },
		{ "cisco_ios", "022701: Nov 22 00:48:05 UTC: %LINK-5-CHANGED: Interface GigabitEthernet0/1, changed state to administratively down",
		    "GigabitEthernet0/1", IF_ADMIN_DOWN, IFK_ADMIN },
		{ "cisco_nxos", "2026 Nov 22 00:48:05.123 HOST %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/33 is down (Link failure)",
		    "Ethernet1/33", IF_DOWN, IFK_LINK },
		{ "cisco_nxos", "2026 Nov 22 00:48:05 HOST %ETHPORT-5-IF_DOWN_ADMIN_DOWN: Interface Ethernet1/1 is down (Administratively down)",
		    "Ethernet1/1", IF_ADMIN_DOWN, IFK_ADMIN },
		{ "cisco_nxos", "2026 Nov 22 00:48:05 HOST %ETHPORT-5-IF_UP: Interface Ethernet1/33 is up in mode trunk",
		    "Ethernet1/33", IF_UP, IFK_LINK },
		{ "arista_eos", "Nov 22 00:48:05 HOST Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface Ethernet28 (uplink-1), changed state to down",
		    "Ethernet28", IF_DOWN, IFK_PROTOCOL },
		{ "juniper_junos", "Nov 22 00:48:05  HOST mib2d[2424]: SNMP_TRAP_LINK_DOWN: ifIndex 502, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1",
		    "ge-0/0/1", IF_DOWN, IFK_LINK },
		{ "cisco_xr", "RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: %PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/1, changed state to Down",
		    "GigabitEthernet0/0/0/1", IF_DOWN, IFK_LINK },
		{ "cisco_xr", "94307: RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: %PKT_INFRA-LINEPROTO-5-UPDOWN : Line protocol on Interface GigabitEthernet0/0/0/1, changed state to Up",
		    "GigabitEthernet0/0/0/1", IF_UP, IFK_PROTOCOL },
	};
	struct rules *r = rulepack_load();
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct hits hs = { 0 };

		cr_assert_eq(rules_match(r, c[i].platform, c[i].line, strlen(c[i].line),
		    s_collect, &hs), 1, "case %zu", i);
		cr_assert_str_eq(hs.h[0].iface, c[i].iface, "case %zu", i);
		cr_assert_eq(hs.h[0].state, c[i].state, "case %zu", i);
		cr_assert_eq(hs.h[0].kind, c[i].kind, "case %zu", i);
	}
	rules_free(&r);
}
