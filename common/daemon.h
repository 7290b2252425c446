/*
 * daemon.h — what the three daemons (collector, analyzer, alerts) share
 * about starting: the signal set-up, the command-line options every one of
 * them takes, the metrics server on "port + i" for process i, and the
 * ready file (--ready-file PATH) that tells a test or a script the pid and
 * the ports a daemon actually bound, once it serves.
 */
#ifndef LOGHAUL_DAEMON_H
#define LOGHAUL_DAEMON_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

struct metrics;
struct metrics_health;
struct metrics_http;

/*
 * SIGTERM and SIGINT set *quit, SIGHUP sets *reconfig (the handler does
 * nothing else); SIGPIPE is ignored. The flags must outlive the process.
 */
void daemon_signals(volatile sig_atomic_t *quit,
    volatile sig_atomic_t *reconfig);

/* The options every daemon takes. */
struct daemon_opts {
	const char *config;	/* -f, -c, --config FILE */
	const char *ready_file;	/* --ready-file PATH */
	int         check;	/* -n, --check */
	int         verbose;	/* -v, --verbose (repeatable); -d is -v once */
};

/* Continue after daemon_getopt (any other value is an exit status). */
#define DAEMON_RUN	(-1)

/*
 * Parse argv: the shared options above plus the daemon's own (extra, a
 * getopt_long table ending with a zeroed row; their short forms, if any,
 * in extra_short). Each of the daemon's own options goes to
 * on_opt(ch, optarg, arg), which returns DAEMON_RUN or an exit status.
 * -h prints usage to stdout and returns 0; an unknown option prints it to
 * stderr and returns 2. Returns DAEMON_RUN to go on; optind is left after
 * the options.
 */
int daemon_getopt(int argc, char **argv, const struct option *extra,
    const char *extra_short, int (*on_opt)(int ch, const char *optarg,
    void *arg), void *arg, void (*usage)(FILE *f), struct daemon_opts *o);
/*
 * A count option (--processes N, --workers N): 1 to 256 into *out and
 * DAEMON_RUN, or 2 after saying on stderr what is wrong.
 */
int daemon_opt_count(const char *opt, const char *arg, int *out);
/* The usage lines of the shared options. */
void daemon_usage_common(FILE *f);

/*
 * "HOST:PORT" with PORT + i (process i of a daemon listens on the
 * configured port + i; port 0, any free port, stays 0). NULL with err set
 * when hostport has no numeric port or the sum passes 65535. malloc'd.
 */
char *daemon_port_plus(const char *hostport, int i, char *err, size_t errlen);

/*
 * Start the metrics server of process i on listen's port + i (health may
 * be NULL). Logs "who metrics=HOST:PORT port=BOUND" or why not; NULL on
 * failure, with err set.
 */
struct metrics_http *daemon_metrics_start(struct metrics *m, const char *listen,
    int i, const struct metrics_health *health, const char *who, char *err,
    size_t errlen);

/*
 * The ready file (--ready-file PATH): "pid=PID" then one "NAME=PORT" line
 * per port bound, so that tests and scripts bind port 0 and read the real
 * port (memcached's port file). Process i > 0 of a daemon (--processes,
 * --workers) writes PATH.i. Written to a temporary name and renamed, so a
 * reader sees it whole or not at all; nothing happens without the option.
 * daemon_ready_port records a port (up to 16; daemon_metrics_start records
 * "metrics"), daemon_ready_endpoint the port a ZeroMQ socket bound (tcp
 * only), daemon_ready writes the file once the process serves: 0, or -1
 * with err set.
 */
void daemon_ready_port(const char *name, int port);
void daemon_ready_endpoint(const char *name, void *sock);
int  daemon_ready(int i, char *err, size_t errlen);

#endif
