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

/* Runs in the child; its return value is the child's exit status. */
typedef int (*supervise_fn)(int idx, int n, void *arg);

/*
 * Blocks until *quit is set. what names the workers in log lines
 * ("collector"). Returns 0.
 */
int supervise_run(const char *what, int n, supervise_fn fn, void *arg,
    volatile sig_atomic_t *quit, volatile sig_atomic_t *hup, int drain_s);

#endif
