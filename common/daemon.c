/*
 * daemon.c — the start-up the daemons share (daemon.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/daemon.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/mq.h"
#include "common/util.h"

static volatile sig_atomic_t *s_quit, *s_reconfig;
static const char *s_ready_path;

static void
s_on_signal(int sig)
{
	if (sig == SIGHUP)
		*s_reconfig = 1;
	else
		*s_quit = 1;
}

void
daemon_signals(volatile sig_atomic_t *quit, volatile sig_atomic_t *reconfig)
{
	struct sigaction sa;

	s_quit = quit;
	s_reconfig = reconfig;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = s_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Long-only options of the shared set. */
enum { OPT_READY = 0x1000 };

static const struct option s_common[] = {
	{ "config", required_argument, NULL, 'f' },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "check", no_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
#define NCOMMON	(sizeof s_common / sizeof s_common[0])

void
daemon_usage_common(FILE *f)
{
	fprintf(f,
	    "  -f, --config FILE       the deployment's YAML configuration\n"
	    "      --ready-file PATH   once serving, write pid=PID and NAME=PORT\n"
	    "                          lines of the ports bound to PATH\n"
	    "  -n, --check             check the configuration, exit\n"
	    "  -v, --verbose           debug logging (repeatable)\n"
	    "  -h, --help\n");
}

int
daemon_getopt(int argc, char **argv, const struct option *extra,
    const char *extra_short, int (*on_opt)(int ch, const char *optarg,
    void *arg), void *arg, void (*usage)(FILE *f), struct daemon_opts *o)
{
	struct option *all;
	char shortopts[64];
	size_t n = 0;
	int ch, rc = DAEMON_RUN;

	for (n = 0; extra && extra[n].name; n++)
		;
	all = xcalloc(n + NCOMMON + 1, sizeof *all);
	memcpy(all, s_common, sizeof s_common);
	if (n)
		memcpy(all + NCOMMON, extra, n * sizeof *all);
	snprintf(shortopts, sizeof shortopts, "f:c:nvhd%s",
	    extra_short ? extra_short : "");
	while (rc == DAEMON_RUN &&
	    (ch = getopt_long(argc, argv, shortopts, all, NULL)) != -1) {
		switch (ch) {
		case 'f':
		case 'c':
			o->config = optarg;
			break;
		case OPT_READY:
			o->ready_file = s_ready_path = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'd':
			/* Always in the foreground with logs on stderr. */
			if (o->verbose < 1)
				o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			break;
		case '?':
			usage(stderr);
			rc = 2;
			break;
		default:
			rc = on_opt ? on_opt(ch, optarg, arg) : 2;
			if (rc == 2 && on_opt == NULL)
				usage(stderr);
			break;
		}
	}
	free(all);
	return rc;
}

int
daemon_opt_count(const char *opt, const char *arg, int *out)
{
	int64_t v;

	if (util_parse_i64(arg, 1, 256, &v) != CERR_OK) {
		fprintf(stderr, "--%s: expected 1 to 256, got '%s'\n", opt, arg);
		return 2;
	}
	*out = (int)v;
	return DAEMON_RUN;
}

char *
daemon_port_plus(const char *hostport, int i, char *err, size_t errlen)
{
	const char *colon = hostport ? strrchr(hostport, ':') : NULL;
	int64_t port;

	if (colon == NULL || util_parse_i64(colon + 1, 0, 65535, &port) !=
	    CERR_OK) {
		snprintf(err, errlen, "'%s': expected HOST:PORT",
		    hostport ? hostport : "");
		return NULL;
	}
	if (port == 0 || i == 0)
		return xstrdup(hostport);
	if (i < 0 || port + i > 65535) {
		snprintf(err, errlen, "'%s': port %lld + %d is past 65535",
		    hostport, (long long)port, i);
		return NULL;
	}
	return xasprintf("%.*s:%lld", (int)(colon - hostport), hostport,
	    (long long)(port + i));
}

struct metrics_http *
daemon_metrics_start(struct metrics *m, const char *listen, int i,
    const struct metrics_health *health, const char *who, char *err,
    size_t errlen)
{
	struct metrics_http *h;
	char *ep = daemon_port_plus(listen, i, err, errlen);

	if (ep == NULL) {
		log_warnx("%s metrics: %s", who, err);
		return NULL;
	}
	h = metrics_http_start(m, ep, health, err, errlen);
	if (h == NULL) {
		log_warnx("%s metrics: %s", who, err);
	} else {
		log_info("%s metrics=%s port=%d", who, ep, metrics_http_port(h));
		daemon_ready_port("metrics", metrics_http_port(h));
	}
	free(ep);
	return h;
}

/* ---- the ready file ---- */

#define READY_MAX	16

static struct {
	char name[32];
	int  port;
} s_ready[READY_MAX];
static size_t s_nready;

void
daemon_ready_port(const char *name, int port)
{
	for (size_t i = 0; i < s_nready; i++) {
		if (strcmp(s_ready[i].name, name) == 0) {
			s_ready[i].port = port;
			return;
		}
	}
	if (s_nready == READY_MAX)
		return;
	snprintf(s_ready[s_nready].name, sizeof s_ready[s_nready].name, "%s",
	    name);
	s_ready[s_nready++].port = port;
}

void
daemon_ready_endpoint(const char *name, void *sock)
{
	char ep[256];
	const char *colon;
	int64_t port;

	if (sock == NULL || mq_endpoint(sock, ep, sizeof ep) < 0 ||
	    strncmp(ep, "tcp://", 6) != 0)
		return;
	colon = strrchr(ep, ':');
	if (colon && util_parse_i64(colon + 1, 1, 65535, &port) == CERR_OK)
		daemon_ready_port(name, (int)port);
}

int
daemon_ready(int i, char *err, size_t errlen)
{
	char *path, *tmp;
	FILE *f;
	int rc = 0;

	if (s_ready_path == NULL)
		return 0;
	path = i > 0 ? xasprintf("%s.%d", s_ready_path, i) : xstrdup(s_ready_path);
	tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "ready file %s: %s", tmp, strerror(errno));
		free(tmp);
		free(path);
		return -1;
	}
	fprintf(f, "pid=%ld\n", (long)getpid());
	for (size_t k = 0; k < s_nready; k++)
		fprintf(f, "%s=%d\n", s_ready[k].name, s_ready[k].port);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "ready file %s: %s", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return rc;
}
