/*
 * supervise.h — run N copies of a worker in child processes and restart any
 * that dies, with a back-off (1 s, 2 s, 4 s ... 30 s), the way a collector
 * or analyzer with --processes/--workers N runs. SIGHUP is passed on to the
 * workers; on quit they get SIGTERM, have up to drain_s seconds to finish,
 * and are then killed. Workers get PR_SET_PDEATHSIG so that none outlives
 * its supervisor.
 */
#ifndef LOGHAUL_SUPERVISE_H
#define LOGHAUL_SUPERVISE_H

#include <signal.h>

/*
 * A worker that cannot do what its configuration says (bind a port, open
 * a directory) exits with this status (sysexits' EX_CONFIG). Restarting it
 * could only fail again, so the supervisor stops the others and returns 1:
 * the daemon refuses to start instead of running on part of its shards.
 */
#define SUPERVISE_EXIT_REFUSED	78

/* Runs in the child; its return value is the child's exit status. */
typedef int (*supervise_fn)(int idx, int n, void *arg);

/*
 * Blocks until *quit is set. what names the workers in log lines
 * ("collector"). Returns 0, or 1 when a worker exited with
 * SUPERVISE_EXIT_REFUSED.
 */
int supervise_run(const char *what, int n, supervise_fn fn, void *arg,
    volatile sig_atomic_t *quit, volatile sig_atomic_t *hup, int drain_s);

#endif
