/*
 * ruletool.c — `--check-rules` and `--test-rules`: what a rule author runs
 * before deploying a rule file. Output is meant for people and for diffs
 * in a test suite, so it is stable and escapes whatever the lines hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/rules.h"
#include "analyzer/ruletool.h"
#include "common/ifname.h"

#define RULETOOL_MAX_LINE (1024 * 1024)

struct check {
	FILE *out;
	int   nerr;
	int   nwarn;
};

static void
s_check_diag(int is_error, const char *msg, void *arg)
{
	struct check *c = arg;

	fprintf(c->out, "%s: %s\n", is_error ? "error" : "warning", msg);
	if (is_error)
		c->nerr++;
	else
		c->nwarn++;
}

int
ruletool_check(int nfiles, char **files, FILE *out)
{
	struct check c = { out, 0, 0 };
	struct rules *r;

	if (nfiles <= 0) {
		fprintf(out, "error: no rule file given\n");
		return 1;
	}
	r = rules_load_diag(files, (size_t)nfiles, 0, s_check_diag, &c);
	if (r == NULL) {
		fprintf(out, "FAILED: %d error%s, %d warning%s\n", c.nerr,
		    c.nerr == 1 ? "" : "s", c.nwarn, c.nwarn == 1 ? "" : "s");
		return 1;
	}
	fprintf(out, "OK: %zu rules, %d warning%s\n", rules_count(r), c.nwarn,
	    c.nwarn == 1 ? "" : "s");
	rules_free(&r);
	return 0;
}

/* Prints bytes in double quotes, escaping anything not plain printable ASCII. */
static void
s_quoted(FILE *out, const char *p, size_t n)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, out);
		else if (c == '\t')
			fputs("\\t", out);
		else
			fprintf(out, "\\x%02x", c);
	}
	fputc('"', out);
}

struct test_ctx {
	FILE       *out;
	const char *platform;	/* --platform, or NULL */
};

static int
s_test_hit(const struct rules_hit *h, void *arg)
{
	const struct test_ctx *t = arg;
	FILE *out = t->out;
	char canon[IFNAME_MAX + 1];
	const char *c;
	size_t i, clen;

	fprintf(out, "  match rule=%s event=%s state=%s", h->rule, h->event,
	    ifstate_str(h->state));
	if (h->kind != IFK_NONE)
		fprintf(out, " kind=%s", ifkind_str(h->kind));
	if (h->severity[0] != '\0')
		fprintf(out, " severity=%s", h->severity);
	if (h->interface != NULL) {
		/* The name the alert is keyed and shown by, then the device's. */
		ifname_canon_ref(t->platform ? t->platform : h->platform,
		    h->interface, h->interface_len, canon, sizeof(canon), &c, &clen);
		fputs(" interface=", out);
		s_quoted(out, c, clen);
		fputs(" raw=", out);
		s_quoted(out, h->interface, h->interface_len);
	}
	fputc('\n', out);
	for (i = 0; i < h->ncaptures; i++) {
		fprintf(out, "    %s=", h->captures[i].name);
		s_quoted(out, h->captures[i].ptr, h->captures[i].len);
		fputc('\n', out);
	}
	for (i = 0; i < h->nlabels; i++)
		fprintf(out, "    label %s=%s\n", h->labels[i].key, h->labels[i].value);
	return 0;
}

int
ruletool_test_platform(int nfiles, char **files, const char *platform,
    FILE *in, FILE *out)
{
	char err[RULES_ERRLEN];
	struct rules_stats st;
	struct rules *r;
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t got;
	unsigned long lineno = 0, nmatched = 0;
	struct test_ctx tc = { out, platform };
	int rc;

	if (nfiles <= 0) {
		fprintf(out, "error: no rule file given\n");
		return 1;
	}
	if ((r = rules_load(files, (size_t)nfiles, 0, err, sizeof(err))) == NULL) {
		fprintf(out, "error: %s\n", err);
		return 1;
	}
	while ((got = getline(&line, &cap, in)) > 0) {
		n = (size_t)got;
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n > RULETOOL_MAX_LINE)
			n = RULETOOL_MAX_LINE;
		fprintf(out, "%lu: ", lineno);
		s_quoted(out, line, n);
		fputc('\n', out);
		rc = rules_match(r, platform, line, n, s_test_hit, &tc);
		if (rc < 0)
			fprintf(out, "  LIMIT %s\n", rules_last_error(r));
		else if (rc == 0)
			fputs("  no match\n", out);
		else
			nmatched++;
	}
	rules_stats(r, &st);
	fprintf(out, "# %lu lines, %lu matched, %llu regex runs, %llu limit hits\n",
	    lineno, nmatched, (unsigned long long)st.regex_runs,
	    (unsigned long long)st.limit_hits);
	free(line);
	rc = ferror(in) ? 1 : 0;
	if (rc)
		fprintf(out, "error: reading input failed\n");
	rules_free(&r);
	return rc;
}

int
ruletool_test(int nfiles, char **files, FILE *in, FILE *out)
{
	return ruletool_test_platform(nfiles, files, NULL, in, out);
}
