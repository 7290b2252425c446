/*
 * main.c — loghaul-collector: arguments and signals. With --processes N it
 * supervises N workers (common/supervise.h), each owning the devices whose
 * name hashes to its shard.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/collector.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/failpoint.h"
#include "common/inventory.h"
#include "common/mq.h"
#include "common/supervise.h"
#include "common/util.h"

static void
s_usage(FILE *f)
{
	fprintf(f,
	    "usage: loghaul-collector -f CONFIG [options]\n"
	    "      --once              poll every device once, wait for acks, exit\n"
	    "      --print             write new records as JSON lines to stdout\n"
	    "                          instead of pushing them (no analyzer needed)\n"
	    "      --processes N       run N collector processes (overrides\n"
	    "                          collector.processes)\n"
	    "      --shard I/N         run only shard I of N (what the supervisor\n"
	    "                          starts; useful under systemd templates)\n");
	daemon_usage_common(f);
	fprintf(f,
	    "Exit status: 0 ok; 1 a device failed (with --once) or an error; 2 usage;\n"
	    "78 cannot start as configured (a port, a directory: see the log).\n");
}

static int
s_load(const char *path, struct conf **conf, struct inventory **inv)
{
	char err[1024];

	if (conf_load(path, conf, err, sizeof err) != CERR_OK) {
		log_warnx("%s", err);
		return -1;
	}
	if (conf_load_inventory(*conf, inv, err, sizeof err) != CERR_OK) {
		log_warnx("%s", err);
		conf_free(conf);
		return -1;
	}
	return 0;
}

struct run_opts {
	const char *config;
	const char *ready_file;
	int once, print, shard, nshards, processes;
};

/* One worker: its shard of the inventory, until told to stop. */
static int
s_worker(const struct run_opts *ro, struct conf *conf, struct inventory *inv)
{
	struct collector c;
	char err[1024];
	int rc, started = 0;

	/*
	 * A full read of a big log buffer needs megabytes for a moment (the
	 * output, libssh's channel buffer, the parse); an incremental poll
	 * needs kilobytes. A fixed mmap threshold gives every large block
	 * back to the system when freed: glibc's sliding threshold would
	 * rise after the first such free and keep them in the heap, so that
	 * RSS stayed at the first poll's peak.
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	for (;;) {
		memset(&c, 0, sizeof c);
		c.once = ro->once;
		c.print = ro->print ? stdout : NULL;
		c.progress = ro->once && isatty(STDERR_FILENO);
		if (collector_init(&c, conf, inv, ro->shard, ro->nshards, err,
		    sizeof err) != 0) {
			log_warnx("%s", err);
			collector_fini(&c);
			/* after a reload, the old configuration's run ended well */
			rc = started ? 1 : SUPERVISE_EXIT_REFUSED;
			break;
		}
		started = 1;
		daemon_ready_endpoint("push", c.push);
		daemon_ready_endpoint("acks", c.acks);
		if (daemon_ready(ro->shard, err, sizeof err) < 0)
			log_warnx("collector=%s %s", c.id, err);
		rc = collector_run(&c);
		if (ro->once) {
			if (c.progress)
				print_progress(&c, 1);
			print_summary(&c, stderr);
		}
		collector_fini(&c);
		if (rc != 2)
			break;
		/* SIGHUP with a valid new configuration: start over on it. */
		struct conf *nconf = NULL;
		struct inventory *ninv = NULL;
		if (s_load(ro->config, &nconf, &ninv) == 0) {
			inventory_free(&inv);
			conf_free(&conf);
			conf = nconf;
			inv = ninv;
			log_info("configuration reloaded from %s", ro->config);
		}
	}
	inventory_free(&inv);
	conf_free(&conf);
	mq_shutdown();
	return rc;
}

/* A supervised worker: loads the configuration itself, runs its shard. */
static int
s_child(int idx, int n, void *arg)
{
	struct run_opts wo = *(const struct run_opts *)arg;
	struct conf *conf = NULL;
	struct inventory *inv = NULL;

	if (s_load(wo.config, &conf, &inv) != 0)
		return SUPERVISE_EXIT_REFUSED;
	wo.shard = idx;
	wo.nshards = n;
	return s_worker(&wo, conf, inv);
}

/* The collector's own options (daemon_getopt). */
static int
s_opt(int ch, const char *arg, void *p)
{
	struct run_opts *ro = p;

	switch (ch) {
	case 'o': ro->once = 1; break;
	case 'p': ro->print = 1; break;
	case 'P':
		return daemon_opt_count("processes", arg, &ro->processes);
	case 'S':
		if (sscanf(arg, "%d/%d", &ro->shard, &ro->nshards) != 2 ||
		    ro->nshards < 1 || ro->shard < 0 || ro->shard >= ro->nshards) {
			fprintf(stderr, "--shard: expected I/N with 0 <= I < N, "
			    "got '%s'\n", arg);
			return 2;
		}
		break;
	default:
		s_usage(stderr);
		return 2;
	}
	return DAEMON_RUN;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "print", no_argument, NULL, 'p' },
		{ "processes", required_argument, NULL, 'P' },
		{ "shard", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts ro = { .nshards = 1 };
	struct daemon_opts dopts = { 0 };
	struct conf *conf = NULL;
	struct inventory *inv = NULL;
	int rc, processes;

	rc = daemon_getopt(argc, argv, longopts, NULL, s_opt, &ro, s_usage,
	    &dopts);
	if (rc != DAEMON_RUN)
		return rc;
	ro.config = dopts.config;
	ro.ready_file = dopts.ready_file;
	if (ro.config == NULL || optind != argc) {
		s_usage(stderr);
		return 2;
	}
	log_init("collector", dopts.verbose);
	if (failpoint_init() != 0)	/* LOGHAUL_FAILPOINT malformed */
		return 2;
	if (s_load(ro.config, &conf, &inv) != 0)
		return 1;
	if (dopts.check) {
		printf("configuration OK: %s, %zu devices\n", ro.config, inv->nhosts);
		inventory_free(&inv);
		conf_free(&conf);
		return 0;
	}
	daemon_signals(&collector_quit, &collector_reconfig);
	processes = ro.processes ? ro.processes : conf->collector.processes;
	if (ro.once || ro.print || processes <= 1 || ro.nshards > 1)
		return s_worker(&ro, conf, inv);
	inventory_free(&inv);
	conf_free(&conf);
	return supervise_run("collector", processes, s_child, &ro,
	    &collector_quit, &collector_reconfig, 60);
}
