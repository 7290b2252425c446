/*
 * proc.h — one way to run a daemon (or any program) from a test: start it
 * with its output in a log file, wait until it says it serves (its
 * --ready-file), read the ports it bound from that file, read a metric,
 * and stop it by pid with SIGTERM, then SIGKILL after a grace period.
 *
 *   struct proc p;
 *   char *const argv[] = { proc_bin(bin, sizeof bin, "loghaul-alerts"),
 *       "--config", conf, NULL };
 *   proc_spawn(&p, argv, "/tmp/x/alerts.log", "/tmp/x/alerts.ready");
 *   cr_assert_eq(proc_wait_ready(&p, 10), 0);
 *   port = proc_ready_value(&p, "metrics");
 *   proc_stop(&p, SIGTERM, 15);
 *
 * Children get PR_SET_PDEATHSIG(SIGKILL): none outlives the test process.
 */
#ifndef LOGHAUL_TEST_PROC_H
#define LOGHAUL_TEST_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct proc {
	pid_t pid;		/* 0: not running (or reaped) */
	int   status;		/* wait(2) status once reaped */
	int   session;		/* leads its own session: stopped as a group */
	char  log[512];
	/*
	 * "" without a ready file. A program that writes a ready file of its
	 * own, where it chooses, gets that path set here after the start.
	 */
	char  ready[1024];
};

/* proc_start's choices; a zeroed struct: proc_spawn(p, argv, NULL, NULL, NULL). */
struct proc_opts {
	const char        *in;		/* stdin (NULL: /dev/null) */
	const char        *out, *err;	/* appended (NULL: /dev/null) */
	int                truncate;	/* out and err emptied first */
	const char        *ready;	/* adds "--ready-file READY" to argv */
	const char        *cwd;		/* NULL: the test's */
	const char *const *env;		/* "NAME=VALUE" entries added, NULL ended */
	int                deathsig;	/* when the test dies (0: SIGKILL); a
					 * script that cleans up wants SIGTERM */
	int                session;	/* setsid(): no terminal, and the
					 * whole group is signalled */
};

/* $LOGHAUL_BIN/name into buf (asserts LOGHAUL_BIN is set); returns buf. */
char *proc_bin(char *buf, size_t len, const char *name);

/*
 * Start argv[0] with argv (without a slash it is looked up in PATH), as o
 * says. 0, or -1 when it cannot fork.
 */
int  proc_start(struct proc *p, char *const argv[], const struct proc_opts *o);

/*
 * Start argv[0] with argv, stdin from /dev/null, stdout and stderr
 * appended to log (NULL: /dev/null), in the directory cwd (NULL: the
 * test's). With ready not NULL, any old ready file is removed and
 * "--ready-file READY" is added to argv. 0, or -1 when it cannot fork.
 * proc_spawn_io: the same with stdout and stderr apart.
 */
int  proc_spawn(struct proc *p, char *const argv[], const char *log,
    const char *ready, const char *cwd);
int  proc_spawn_io(struct proc *p, char *const argv[], const char *out,
    const char *err, const char *ready, const char *cwd);

/*
 * Wait up to timeout_s for the ready file: 0 once it is there, -1 when the
 * process exited first (reaped, status in p->status) or time ran out.
 */
int  proc_wait_ready(struct proc *p, double timeout_s);

/*
 * Wait up to timeout_s for the process to end by itself: its wait(2)
 * status, or -1 while it still runs (left running) or was not running.
 */
int  proc_wait_exit(struct proc *p, double timeout_s);

/* A wait(2) status as a shell reports it: the exit code, or 128+signal. */
int  proc_exit_code(int status);

/* The value of NAME=N in the ready file, or -1. */
int  proc_ready_value(const struct proc *p, const char *name);

/*
 * Send sig (to its group too with o.session), wait up to grace_s for the
 * exit, then SIGKILL. Returns the wait(2) status, or -1 when it was not
 * running.
 */
int  proc_stop(struct proc *p, int sig, double grace_s);

/* 1 while the process runs (reaps it, setting p->status, once it ended). */
int  proc_alive(struct proc *p);

/*
 * GET http://127.0.0.1:port/metrics and read the sample whose series
 * (name and labels, as printed) is series: 0 with *out, -1 when the server
 * does not answer or has no such sample.
 */
int  proc_metric(int port, const char *series, double *out);
/* The whole text of that /metrics; NULL when it does not answer. Caller
 * frees. */
char *proc_metrics(int port);

#endif
