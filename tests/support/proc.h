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
	char  log[512];
	char  ready[1024];	/* "" without a ready file */
};

/* $LOGHAUL_BIN/name into buf (asserts LOGHAUL_BIN is set); returns buf. */
char *proc_bin(char *buf, size_t len, const char *name);

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

/* The value of NAME=N in the ready file, or -1. */
int  proc_ready_value(const struct proc *p, const char *name);

/*
 * Send sig, wait up to grace_s for the exit, then SIGKILL. Returns the
 * wait(2) status, or -1 when it was not running.
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

#endif
