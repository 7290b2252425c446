/*
 * main.c — loghaul-analyzer: arguments, signals, the rule-author tools, and
 * --workers N matching processes under a supervisor (common/supervise.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/intake.h"
#include "analyzer/rules.h"
#include "analyzer/ruletool.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/mq.h"
#include "common/supervise.h"
#include "common/util.h"

static void
s_usage(FILE *f)
{
	fprintf(f,
	    "usage: loghaul-analyzer -f CONFIG [--workers N] [-v]\n"
	    "       loghaul-analyzer --check-rules FILE...\n"
	    "       loghaul-analyzer --test-rules FILE... [--platform P] < lines\n"
	    "      --workers N         run N matching processes (default analyzer.workers)\n"
	    "      --check-rules       load and compile rule files; errors as FILE:LINE\n"
	    "      --test-rules        print, for each input line, the rules that match\n"
	    "                          and their captures\n"
	    "      --platform P        with --test-rules: the device platform (default any)\n");
	daemon_usage_common(f);
}

/* The analyzer's own options (daemon_getopt). */
struct aopts {
	const char *platform;
	int workers, check_rules, test_rules;
};

static int
s_opt(int ch, const char *arg, void *p)
{
	struct aopts *ao = p;

	switch (ch) {
	case 'w':
		return daemon_opt_count("workers", arg, &ao->workers);
	case 'C': ao->check_rules = 1; break;
	case 'T': ao->test_rules = 1; break;
	case 'p': ao->platform = arg; break;
	default:
		s_usage(stderr);
		return 2;
	}
	return DAEMON_RUN;
}

static struct rules *
s_load_rules(const struct conf *c)
{
	char err[1024];
	struct rules *r = rules_load(c->analyzer.rules.v, c->analyzer.rules.n,
	    c->analyzer.match_limit, err, sizeof err);

	if (r == NULL)
		log_warnx("%s", err);
	return r;
}

static int
s_worker(int idx, int n, void *arg)
{
	const char *path = arg;
	struct conf *c = NULL;
	struct rules *r;
	char err[1024];
	int rc;

	(void)n;
	if (conf_load(path, &c, err, sizeof err) != CERR_OK) {
		log_warnx("%s", err);
		return SUPERVISE_EXIT_REFUSED;
	}
	if ((r = s_load_rules(c)) == NULL) {
		conf_free(&c);
		return SUPERVISE_EXIT_REFUSED;
	}
	rc = intake_run(c, &r, idx);
	rules_free(&r);
	conf_free(&c);
	mq_shutdown();
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "check-rules", no_argument, NULL, 'C' },
		{ "test-rules", no_argument, NULL, 'T' },
		{ "platform", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts dopts = { 0 };
	struct aopts ao = { 0 };
	const char *config;
	struct conf *c = NULL;
	struct rules *r;
	char err[1024];
	int rc, workers;

	rc = daemon_getopt(argc, argv, longopts, NULL, s_opt, &ao, s_usage,
	    &dopts);
	if (rc != DAEMON_RUN)
		return rc;
	config = dopts.config;
	log_init("analyzer", dopts.verbose);
	if (ao.check_rules || ao.test_rules) {
		if (optind == argc) {
			s_usage(stderr);
			return 2;
		}
		if (ao.check_rules)
			return ruletool_check(argc - optind, argv + optind, stdout);
		return ruletool_test_platform(argc - optind, argv + optind,
		    ao.platform, stdin, stdout);
	}
	if (config == NULL || optind != argc) {
		s_usage(stderr);
		return 2;
	}
	if (conf_load(config, &c, err, sizeof err) != CERR_OK) {
		log_warnx("%s", err);
		return 1;
	}
	if ((r = s_load_rules(c)) == NULL) {
		conf_free(&c);
		return 1;
	}
	if (dopts.check) {
		printf("configuration OK: %s, %zu rules\n", config, rules_count(r));
		rules_free(&r);
		conf_free(&c);
		return 0;
	}
	rules_free(&r);
	workers = ao.workers ? ao.workers : c->analyzer.workers;
	conf_free(&c);
	daemon_signals(&intake_quit, &intake_reconfig);
	if (workers <= 1)
		return s_worker(0, 1, (void *)(uintptr_t)config);
	return supervise_run("analyzer", workers, s_worker,
	    (void *)(uintptr_t)config, &intake_quit, &intake_reconfig, 10);
}
