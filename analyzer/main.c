/*
 * main.c — loghaul-analyzer: arguments, signals, the rule-author tools, and
 * --workers N matching processes under a supervisor (common/supervise.h).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/intake.h"
#include "analyzer/rules.h"
#include "analyzer/ruletool.h"
#include "common/conf.h"
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
	    "  -f, --config FILE   the deployment's YAML configuration\n"
	    "      --workers N     run N matching processes (default analyzer.workers)\n"
	    "      --check-rules   load and compile rule files; errors as FILE:LINE\n"
	    "      --test-rules    print, for each input line, the rules that match\n"
	    "                      and their captures\n"
	    "      --platform P    with --test-rules: the device platform (default any)\n"
	    "  -n, --check         check the configuration and rules, exit\n"
	    "  -v, --verbose\n");
}

static void
s_on_signal(int sig)
{
	if (sig == SIGHUP)
		intake_reconfig = 1;
	else
		intake_quit = 1;
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
		{ "config", required_argument, NULL, 'f' },
		{ "workers", required_argument, NULL, 'w' },
		{ "check-rules", no_argument, NULL, 'C' },
		{ "test-rules", no_argument, NULL, 'T' },
		{ "platform", required_argument, NULL, 'p' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *config = NULL;
	const char *platform = NULL;
	int ch, check = 0, verbose = 0, workers = 0, check_rules = 0, test_rules = 0;
	struct conf *c = NULL;
	struct rules *r;
	struct sigaction sa;
	char err[1024];
	int64_t v;

	while ((ch = getopt_long(argc, argv, "f:nvhd", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': config = optarg; break;
		case 'w':
			if (util_parse_i64(optarg, 1, 256, &v) != CERR_OK) {
				fprintf(stderr, "--workers: expected 1 to 256, got '%s'\n",
				    optarg);
				return 2;
			}
			workers = (int)v;
			break;
		case 'C': check_rules = 1; break;
		case 'T': test_rules = 1; break;
		case 'p': platform = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'd': break;
		case 'h': s_usage(stdout); return 0;
		default: s_usage(stderr); return 2;
		}
	}
	log_init("analyzer", verbose);
	if (check_rules || test_rules) {
		if (optind == argc) {
			s_usage(stderr);
			return 2;
		}
		if (check_rules)
			return ruletool_check(argc - optind, argv + optind, stdout);
		return ruletool_test_platform(argc - optind, argv + optind, platform,
		    stdin, stdout);
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
	if (check) {
		printf("configuration OK: %s, %zu rules\n", config, rules_count(r));
		rules_free(&r);
		conf_free(&c);
		return 0;
	}
	rules_free(&r);
	if (workers == 0)
		workers = c->analyzer.workers;
	conf_free(&c);

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (workers <= 1)
		return s_worker(0, 1, config);
	return supervise_run("analyzer", workers, s_worker, config,
	    &intake_quit, &intake_reconfig, 10);
}
