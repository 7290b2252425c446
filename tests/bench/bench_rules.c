/*
 * bench_rules.c — throughput of the rule engine alone: generates a
 * realistic IOS buffer (tests/bench/benchgen.h), writes it to a file for
 * grep -P / pcre2grep to read, then runs rules_match() over every line
 * with the whole shipped pack. scripts/bench-rules builds and runs it.
 *
 *   bench_rules [-n LINES] [-o FILE] [-r RULEGLOB] [-p PLATFORM] [-R REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/rules.h"
#include "tests/bench/benchgen.h"

static double
s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
s_count(const struct rules_hit *h, void *arg)
{
	(void)h;
	(*(unsigned long *)arg)++;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *outfile = NULL, *platform = "cisco_ios";
	char *rglob = "analyzer/rules/*.yaml", err[RULES_ERRLEN], *buf, *p, *nl;
	size_t nlines = 1000000, len, i, n = 0;
	struct benchgen *g;
	struct { const char *p; size_t n; } *lines;
	struct rules_stats st;
	struct rules *r;
	unsigned long hits = 0;
	double best = 1e9, t0, t;
	int c, rep, repeat = 5;

	while ((c = getopt(argc, argv, "n:o:r:p:R:")) != -1) {
		switch (c) {
		case 'n': nlines = strtoul(optarg, NULL, 10); break;
		case 'o': outfile = optarg; break;
		case 'r': rglob = optarg; break;
		case 'p': platform = optarg; break;
		case 'R': repeat = (int)strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench_rules [-n LINES] [-o FILE] [-r RULEGLOB] [-p PLATFORM] [-R REPEAT]\n");
			return 2;
		}
	}
	if ((g = benchgen_new(nlines)) == NULL) {
		fprintf(stderr, "benchgen: cannot parse the generated buffer\n");
		return 1;
	}
	buf = g->text;
	len = g->len;
	if (outfile != NULL && benchgen_write(g, outfile) != 0) {
		perror(outfile);
		return 1;
	}
	lines = malloc(nlines * sizeof(*lines));
	for (p = buf; p < buf + len && n < nlines; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		lines[n].p = p;
		lines[n].n = (size_t)(nl - p);
		n++;
	}
	if ((r = rules_load(&rglob, 1, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rules: %s\n", err);
		return 1;
	}
	for (rep = 0; rep < repeat; rep++) {
		hits = 0;
		t0 = s_now();
		for (i = 0; i < n; i++)
			rules_match(r, platform, lines[i].p, lines[i].n, s_count, &hits);
		t = s_now() - t0;
		if (t < best)
			best = t;
	}
	rules_stats(r, &st);
	printf("lines=%zu events_generated=%u matches=%lu rules=%zu seconds=%.4f lines_per_sec=%.0f\n",
	    n, g->nevents, hits, rules_count(r), best, (double)n / best);
	printf("per_run: dispatched=%llu regex_runs=%llu limit_hits=%llu\n",
	    (unsigned long long)(st.dispatched / (unsigned)repeat),
	    (unsigned long long)(st.regex_runs / (unsigned)repeat),
	    (unsigned long long)st.limit_hits);
	rules_free(&r);
	free(lines);
	benchgen_free(&g);
	return 0;
}
