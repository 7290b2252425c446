/*
 * A ReDoS rule beside the shipped pack, through the real analyzer binary
 * (`loghaul-analyzer --test-rules`, the same rules_load/rules_match the
 * daemon runs). tests/data/rules/redos.yaml holds a user rule with a
 * nested quantifier, (\w+\s?)+, on %SYS-5-CONFIG_I; 1 % of the generated
 * lines are built to make it backtrack without bound. Each of those that
 * reaches the rule must end at the match limit and be counted, the ones
 * whose text only quotes the tag must not reach it, and every other line
 * must come out as without the rule: interface lines of every platform
 * still match with their interface and state, well-formed config lines
 * match the rule itself. No timing is asserted (issue 7 measures speed):
 * the limit is what keeps the cost per line bounded.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"

#define REDOS_LINES	5000
#define REDOS_RULE	"redos_config_source"

enum redos_kind { RK_IFACE, RK_CONFIG, RK_NOISE, RK_PATH, RK_DECOY };

struct redos_line {
	enum redos_kind kind;
	char iface[48];
	const char *state;
	char text[256];
};

/* One interface line per template: platform prefix, message, state. */
struct redos_tmpl {
	const char *fmt;	/* %s: the interface */
	const char *ifbase;	/* the interface is ifbase + a number */
	const char *state;
};

static const struct redos_tmpl redos_tmpls[] = {
	{ "000417: Nov 22 00:48:05.123 UTC: %%LINK-3-UPDOWN: Interface %s, "
	  "changed state to down", "GigabitEthernet0/", "down" },
	{ "000418: Nov 22 00:48:06.001 UTC: %%LINEPROTO-5-UPDOWN: Line protocol "
	  "on Interface %s, changed state to up", "GigabitEthernet0/", "up" },
	{ "*Nov 22 00:48:07.456: %%LINK-5-CHANGED: Interface %s, changed state "
	  "to administratively down", "TenGigabitEthernet1/0/", "admin_down" },
	{ "2026 Nov 22 00:48:05 n9k-1 %%ETHPORT-5-IF_DOWN_LINK_FAILURE: "
	  "Interface %s is down (Link failure)", "Ethernet1/", "down" },
	{ "2026 Nov 22 00:48:09 n9k-1 %%ETHPORT-5-IF_UP: Interface %s is up in "
	  "mode trunk", "Ethernet1/", "up" },
	{ "Nov 22 00:48:05 sw-7 Ebra: %%LINEPROTO-5-UPDOWN: Line protocol on "
	  "Interface %s (uplink-1), changed state to down", "Ethernet", "down" },
	{ "Nov 22 00:48:05  mx-1 mib2d[2424]: SNMP_TRAP_LINK_DOWN: ifIndex 502, "
	  "ifAdminStatus up(1), ifOperStatus down(2), ifName %s", "ge-0/0/", "down" },
	{ "Nov 22 00:48:15  mx-1 mib2d[2424]: SNMP_TRAP_LINK_UP: ifIndex 502, "
	  "ifAdminStatus up(1), ifOperStatus up(1), ifName %s", "ge-0/0/", "up" },
	{ "RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: "
	  "%%PKT_INFRA-LINK-3-UPDOWN : Interface %s, changed state to Down",
	  "GigabitEthernet0/0/0/", "down" },
};
#define REDOS_NTMPL (sizeof redos_tmpls / sizeof redos_tmpls[0])

static const char *const redos_noise[] = {
	"000501: Nov 22 00:48:05.123 UTC: %SEC-6-IPACCESSLOGP: list 101 denied "
	"tcp 10.0.0.1(1234) -> 10.0.0.2(22), 1 packet",
	"000502: Nov 22 00:48:05.123 UTC: %SYS-6-LOGGINGHOST_STARTSTOP: Logging "
	"to host 10.1.1.1 port 514 started - CLI initiated",
	"Nov 22 00:48:05 sw-7 Ebra: %SYS-5-SYSTEM_RESTARTED: System restarted",
};

/*
 * A run of word characters with no " by USER" after it: (\w+\s?)+ can
 * split it in 2^(len-1) ways and tries them all before failing.
 */
static void
s_pathological(char *out, size_t len, unsigned i)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	size_t n = 32 + i % 24, k;

	for (k = 0; k < n && k + 2 < len; k++)
		out[k] = alpha[(i * 7 + k) % (sizeof alpha - 1)];
	out[k++] = '!';
	out[k] = '\0';
}

/*
 * 1 % pathological (every hundredth line); of those, two in five only quote
 * the tag inside another message, so they never reach the rule (a rule
 * anchored at its tag runs at the line's own tag only).
 */
static void
s_gen(struct redos_line *v, size_t n)
{
	unsigned npath = 0;

	for (size_t i = 0; i < n; i++) {
		struct redos_line *l = &v[i];
		char run[64];

		memset(l, 0, sizeof *l);
		if (i % 100 == 37) {
			s_pathological(run, sizeof run, npath);
			if (npath % 5 == 3) {
				l->kind = RK_DECOY;
				snprintf(l->text, sizeof l->text, "000%03zu: Nov 22 "
				    "00:48:05.123 UTC: %%PARSER-5-CFGLOG_LOGGEDCMD: "
				    "User:admin logged command:send log "
				    "%%SYS-5-CONFIG_I: Configured from %s", i % 1000, run);
			} else if (npath % 5 == 4) {
				l->kind = RK_DECOY;
				snprintf(l->text, sizeof l->text, "Nov 22 00:48:05 sw-7 "
				    "Ebra: %%LINK-3-UPDOWN: Interface Ethernet9 (desc "
				    "%%SYS-5-CONFIG_I: Configured from %s), changed state "
				    "to down", run);
				snprintf(l->iface, sizeof l->iface, "Ethernet9");
				l->state = "down";
			} else {
				l->kind = RK_PATH;
				snprintf(l->text, sizeof l->text, "000%03zu: Nov 22 "
				    "00:48:05.123 UTC: %%SYS-5-CONFIG_I: Configured from "
				    "%s", i % 1000, run);
			}
			npath++;
			continue;
		}
		switch (i % 10) {
		case 6:
			l->kind = RK_CONFIG;
			snprintf(l->text, sizeof l->text, "000%03zu: Nov 22 "
			    "00:48:05.123 UTC: %%SYS-5-CONFIG_I: Configured from "
			    "console by admin%zu", i % 1000, i % 7);
			break;
		case 7:
		case 8:
			l->kind = RK_NOISE;
			snprintf(l->text, sizeof l->text, "%s",
			    redos_noise[(i / 10) % 3]);
			break;
		default: {
			const struct redos_tmpl *t = &redos_tmpls[(i / 3) % REDOS_NTMPL];

			l->kind = RK_IFACE;
			snprintf(l->iface, sizeof l->iface, "%s%zu", t->ifbase, i % 48);
			l->state = t->state;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(l->text, sizeof l->text, t->fmt, l->iface);
#pragma GCC diagnostic pop
			break;
		}
		}
	}
}

/* Run argv with stdin from in_path, stdout to out_path; bounded. */
static int
s_run(char *const *argv, const char *in_path, const char *out_path,
    const char *err_path, int timeout_s)
{
	struct proc_opts o = { .in = in_path, .out = out_path, .err = err_path,
	    .truncate = 1 };
	struct proc p;
	int status;

	if (proc_start(&p, argv, &o) != 0)
		return -1;
	if ((status = proc_wait_exit(&p, timeout_s)) < 0) {
		proc_stop(&p, SIGKILL, 0);
		return -1;
	}
	return proc_exit_code(status);
}

/* What --test-rules said about one input line. */
struct redos_seen {
	int limit;		/* "LIMIT rule=redos_config_source" */
	int nomatch;
	int iface_ok;		/* an interface_* event with the expected if/state */
	int config_ok;		/* the ReDoS rule matched, user captured */
	int any_match;
};

/* Parse the per-line report; returns 0, or -1 if it is not what we expect. */
static int
s_parse(char *out, struct redos_seen *seen, const struct redos_line *v,
    size_t n, unsigned long sum[4])
{
	char *save = NULL, *ln;
	size_t cur = 0;
	int have = 0;

	for (ln = strtok_r(out, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *end;

		if (ln[0] >= '0' && ln[0] <= '9') {
			unsigned long no = strtoul(ln, &end, 10);

			if (*end != ':' || no < 1 || no > n)
				return -1;
			cur = no - 1;
			have = 1;
		} else if (ln[0] == '#') {
			if (sscanf(ln, "# %lu lines, %lu matched, %lu regex runs, %lu "
			    "limit hits", &sum[0], &sum[1], &sum[2], &sum[3]) != 4)
				return -1;
		} else if (have && strncmp(ln, "  LIMIT ", 8) == 0) {
			if (strstr(ln, "rule=" REDOS_RULE ":") != NULL)
				seen[cur].limit = 1;
		} else if (have && strcmp(ln, "  no match") == 0) {
			seen[cur].nomatch = 1;
		} else if (have && strncmp(ln, "  match ", 8) == 0) {
			const struct redos_line *l = &v[cur];
			char st[40], ifc[80];

			seen[cur].any_match = 1;
			if (l->state != NULL) {
				snprintf(st, sizeof st, " state=%s ", l->state);
				snprintf(ifc, sizeof ifc, " interface=\"%s\"", l->iface);
				if (strstr(ln, " event=interface_") && strstr(ln, st) &&
				    strstr(ln, ifc))
					seen[cur].iface_ok = 1;
			}
			if (strstr(ln, "rule=" REDOS_RULE " "))
				seen[cur].config_ok = 1;
		}
	}
	return 0;
}

struct redos_run {
	char dir[64];
	char in[128], out[128], err[128];
	struct redos_line *v;
	struct redos_seen *seen;
	unsigned long sum[4];	/* lines, matched, regex runs, limit hits */
};

/* Generate the input, run --test-rules over the shipped pack (+ extra). */
static void
s_test_rules(struct redos_run *r, const char *extra)
{
	const char *src = getenv("LOGHAUL_SRC"), *bin = getenv("LOGHAUL_BIN");
	char pat[600], binp[600], extrap[600], *out;
	char **argv;
	glob_t g;
	size_t i, k = 0;
	FILE *f;
	int rc;

	snprintf(r->dir, sizeof r->dir, "/tmp/loghaul-redos-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
	snprintf(r->in, sizeof r->in, "%s/lines", r->dir);
	snprintf(r->out, sizeof r->out, "%s/out", r->dir);
	snprintf(r->err, sizeof r->err, "%s/err", r->dir);
	r->v = xcalloc(REDOS_LINES, sizeof *r->v);
	r->seen = xcalloc(REDOS_LINES, sizeof *r->seen);
	s_gen(r->v, REDOS_LINES);
	cr_assert_not_null(f = fopen(r->in, "w"));
	for (i = 0; i < REDOS_LINES; i++)
		fprintf(f, "%s\n", r->v[i].text);
	cr_assert_eq(fclose(f), 0);

	snprintf(pat, sizeof pat, "%s/analyzer/rules/*.yaml", src ? src : ".");
	cr_assert_eq(glob(pat, 0, NULL, &g), 0, "no shipped rules at %s", pat);
	argv = xcalloc(g.gl_pathc + 4, sizeof *argv);
	snprintf(binp, sizeof binp, "%s/loghaul-analyzer",
	    bin && *bin ? bin : "build/bin");
	argv[k++] = binp;
	argv[k++] = (char *)"--test-rules";
	for (i = 0; i < g.gl_pathc; i++)
		argv[k++] = g.gl_pathv[i];
	if (extra != NULL) {
		snprintf(extrap, sizeof extrap, "%s/%s", src ? src : ".", extra);
		argv[k++] = extrap;
	}
	argv[k] = NULL;
	rc = s_run(argv, r->in, r->out, r->err, 120);
	free(argv);
	globfree(&g);
	cr_assert_eq(rc, 0, "--test-rules exited %d; see %s", rc, r->err);

	cr_assert_not_null(out = devsim_slurp(r->out, NULL));
	memset(r->sum, 0, sizeof r->sum);
	r->sum[0] = (unsigned long)-1;
	cr_assert_eq(s_parse(out, r->seen, r->v, REDOS_LINES, r->sum), 0,
	    "unexpected --test-rules output in %s", r->out);
	free(out);
	cr_assert_eq(r->sum[0], REDOS_LINES, "summary line missing or wrong: "
	    "%lu lines", r->sum[0]);
}

static void
s_cleanup(struct redos_run *r)
{
	unlink(r->in);
	unlink(r->out);
	unlink(r->err);
	rmdir(r->dir);
	free(r->v);
	free(r->seen);
}

/* Count the kinds, and check every non-pathological line. */
static void
s_check_normal_lines(const struct redos_run *r, int with_rule,
    size_t *npath, size_t *nmatch_want)
{
	size_t bad = 0;

	*npath = *nmatch_want = 0;
	for (size_t i = 0; i < REDOS_LINES; i++) {
		const struct redos_line *l = &r->v[i];
		const struct redos_seen *s = &r->seen[i];
		int ok = 1;

		switch (l->kind) {
		case RK_PATH:
			(*npath)++;
			ok = with_rule ? s->limit && !s->any_match :
			    !s->limit && s->nomatch;
			break;
		case RK_DECOY:
			/* the quoted tag is not the line's own: never reached */
			ok = !s->limit && !s->config_ok &&
			    (l->state == NULL ? s->nomatch : s->iface_ok);
			*nmatch_want += l->state != NULL;
			break;
		case RK_IFACE:
			ok = !s->limit && s->iface_ok && !s->config_ok;
			(*nmatch_want)++;
			break;
		case RK_CONFIG:
			ok = !s->limit && (with_rule ? s->config_ok : s->nomatch);
			*nmatch_want += with_rule;
			break;
		case RK_NOISE:
			ok = !s->limit && s->nomatch;
			break;
		}
		if (!ok && bad++ < 5)
			cr_log_error("line %zu (kind %d): %s [limit=%d match=%d "
			    "iface_ok=%d config_ok=%d]", i + 1, (int)l->kind, l->text,
			    s->limit, s->any_match, s->iface_ok, s->config_ok);
	}
	cr_expect_eq(bad, 0, "%zu lines not reported as expected (first "
	    "ones above; output in %s)", bad, r->out);
}

Test(redos, limit_hits_counted_and_other_lines_unaffected, .timeout = 180)
{
	struct redos_run r;
	size_t npath, nmatch_want;

	s_test_rules(&r, "tests/data/rules/redos.yaml");
	s_check_normal_lines(&r, 1, &npath, &nmatch_want);
	cr_assert_eq(npath, 30, "generator: 30 of 50 pathological lines reach "
	    "the rule, got %zu", npath);
	cr_expect_eq(r.sum[3], npath, "limit hits: %lu, pathological lines that "
	    "reach the rule: %zu", r.sum[3], npath);
	cr_expect_eq(r.sum[1], nmatch_want, "matched lines: %lu, want %zu",
	    r.sum[1], nmatch_want);
	cr_log_info("redos: %lu lines, %lu matched, %lu regex runs, %lu limit "
	    "hits", r.sum[0], r.sum[1], r.sum[2], r.sum[3]);
	if (r.sum[3] == npath)
		s_cleanup(&r);
}

/*
 * The same lines without the user's rule: the shipped pack never reaches
 * its match limit on them, so the hits above are the ReDoS rule's alone.
 */
Test(redos, shipped_pack_alone_has_no_limit_hits, .timeout = 180)
{
	struct redos_run r;
	size_t npath, nmatch_want;

	s_test_rules(&r, NULL);
	s_check_normal_lines(&r, 0, &npath, &nmatch_want);
	cr_expect_eq(r.sum[3], 0, "limit hits with the shipped pack: %lu",
	    r.sum[3]);
	cr_expect_eq(r.sum[1], nmatch_want, "matched lines: %lu, want %zu",
	    r.sum[1], nmatch_want);
	s_cleanup(&r);
}
