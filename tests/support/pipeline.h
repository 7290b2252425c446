/*
 * pipeline.h — run the real daemons (collector, analyzers, alert stage)
 * against a running devsim from a test, and compare the alerts they wrote
 * with devsim's ground-truth journal.
 *
 *   struct devsim *ds = devsim_start(...);
 *   struct pipeline *p = pipeline_new(ds, &opts, err, sizeof err);
 *   pipeline_start_all(p);            (or pipeline_start(p, PL_ANALYZER, 1) ...)
 *   ... flaps through devsim_control ...
 *   pipeline_wait_alerts(p, expected, 60);
 *   pipeline_stop_all(&p);
 *
 * Every daemon runs as a child process (tests/support/proc.h) with its own
 * log file and ready file in devsim's directory, dies with the test
 * (PR_SET_PDEATHSIG), and is stopped by pid.
 */
#ifndef LOGHAUL_PIPELINE_H
#define LOGHAUL_PIPELINE_H

#include <stddef.h>
#include <sys/types.h>

struct devsim;
struct pipeline;

enum pl_role { PL_COLLECTOR, PL_ANALYZER, PL_ALERTS, PL__ROLES };

#define PL_MAX_ANALYZERS 8

struct pipeline_opts {
	int         analyzers;		/* instances, each its own process */
	int         collector_processes;	/* collector.processes */
	const char *interval;		/* collector.interval, e.g. "1s" */
	const char *ack_timeout;	/* collector.ack_timeout */
	int         flap_changes;	/* alerts.flap.changes */
	const char *extra_yaml;		/* appended to the config, may be NULL */
	/* appended to a second config that only the analyzers read (their
	 * own CURVE keys, say); NULL: they read the same one */
	const char *analyzer_extra_yaml;
	int         tcp;		/* tcp on 127.0.0.1 instead of ipc (one
					 * collector process) */
};

struct pipeline *pipeline_new(struct devsim *ds, const struct pipeline_opts *o,
    char *err, size_t errlen);
/*
 * Start instance i of a role; 0 or -1. Over tcp the alert stage and the
 * collector bind any free ports at their first start, which then go into
 * the configurations (for the analyzers and for their own restarts): start
 * both before the analyzers.
 */
int   pipeline_start(struct pipeline *p, enum pl_role role, int i);
int   pipeline_start_all(struct pipeline *p);
pid_t pipeline_pid(const struct pipeline *p, enum pl_role role, int i);
/*
 * The port instance i bound as NAME (its ready file: "metrics", "push",
 * "acks", "listen"), waiting up to timeout_s for the file; -1 if none.
 */
int   pipeline_port(const struct pipeline *p, enum pl_role role, int i,
    const char *name, double timeout_s);
/* SIGTERM and wait (bounded, then SIGKILL); returns the exit status or -1. */
int   pipeline_stop(struct pipeline *p, enum pl_role role, int i);
/* SIGKILL and reap. */
void  pipeline_kill9(struct pipeline *p, enum pl_role role, int i);
/*
 * Wait up to timeout_s for instance i to end by itself (a failpoint's
 * SIGKILL, a crash, an exit) and reap it: 0 with its wait(2) status in
 * *status, -1 if it still runs then (left running) or is not running.
 */
int   pipeline_wait_exit(struct pipeline *p, enum pl_role role, int i,
    double timeout_s, int *status);
void  pipeline_stop_all(struct pipeline **p);
const char *pipeline_config(const struct pipeline *p);
/* The collector's (process 0) data endpoint (tcp: once it started). */
const char *pipeline_push_endpoint(const struct pipeline *p);
const char *pipeline_alerts_path(const struct pipeline *p);

/* One alert change as the jsonl output wrote it. */
struct pl_alert {
	char dev[32];
	char iface[96];
	char status[16];	/* firing, resolved, flapping */
	char state[16];		/* down, up, admin_down */
};

/* Read the alerts file; returns the count, *out malloc'd (caller frees). */
size_t pipeline_read_alerts(const struct pipeline *p, struct pl_alert **out);

/*
 * What the alerts must be, from devsim's journal: for each (device,
 * interface), the firing/resolved changes its flaps imply (one firing per
 * down or admin_down, one resolution per up after one). Written one per
 * line as "dev iface status state" into *out, sorted, malloc'd; returns the
 * count of changes.
 */
size_t pipeline_expected(struct devsim *ds, char **out);
/* The same text form of what the alerts file holds, sorted. */
size_t pipeline_actual(const struct pipeline *p, char **out);

/*
 * Wait (up to timeout_s) until the alerts file holds at least want changes
 * and has stopped growing for settle_s. Returns the count seen.
 */
size_t pipeline_wait_alerts(const struct pipeline *p, size_t want,
    int settle_s, int timeout_s);

/*
 * devsim started with args and a pipeline of `analyzers` analyzers whose
 * config carries o's collector settings (collector_harness.h); asserts on
 * failure (Criterion).
 */
struct ch_conf;
struct pipeline *pipeline_with_conf(struct devsim **dsp,
    const char *const *args, int analyzers, const struct ch_conf *o);
/*
 * Pause devsim's generator, let the last alerts through, and expect the
 * alerts file to equal what the journal implies (Criterion expectations).
 */
void pipeline_check_journal(struct devsim *ds, struct pipeline *p);
/* The same for a scripted run: at least min_changes in the journal. */
void pipeline_check_journal_min(struct devsim *ds, struct pipeline *p,
    size_t min_changes);

#endif
