#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/supervise.h"
#include "common/util.h"

static pid_t
s_spawn(const char *what, int idx, int n, supervise_fn fn, void *arg)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(1);	/* the supervisor died before prctl took */
	log_init(xasprintf("%s[%d/%d]", what, idx, n), log_getverbose());
	_exit(fn(idx, n, arg));
}

int
supervise_run(const char *what, int n, supervise_fn fn, void *arg,
    volatile sig_atomic_t *quit, volatile sig_atomic_t *hup, int drain_s)
{
	pid_t *pids = xcalloc((size_t)n, sizeof *pids);
	double *next_start = xcalloc((size_t)n, sizeof *next_start);
	unsigned *restarts = xcalloc((size_t)n, sizeof *restarts);
	int alive = 0, refused = 0;

	log_info("supervisor: starting %d %s processes", n, what);
	while (!*quit && !refused) {
		double now = util_monotime();
		int status;
		pid_t pid;

		if (hup && *hup) {
			*hup = 0;
			for (int i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGHUP);
		}
		for (int i = 0; i < n; i++) {
			if (pids[i] > 0 || now < next_start[i])
				continue;
			pids[i] = s_spawn(what, i, n, fn, arg);
			if (pids[i] < 0) {
				log_warn("supervisor: fork");
				pids[i] = 0;
				next_start[i] = now + 1;
			} else {
				alive++;
			}
		}
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			usleep(100 * 1000);
			continue;
		}
		for (int i = 0; i < n; i++) {
			double delay;

			if (pids[i] != pid)
				continue;
			pids[i] = 0;
			alive--;
			if (WIFEXITED(status) &&
			    WEXITSTATUS(status) == SUPERVISE_EXIT_REFUSED) {
				log_warnx("supervisor: %s %d/%d (pid %d) refused to "
				    "start (see above); stopping", what, i, n,
				    (int)pid);
				refused = 1;
				break;
			}
			restarts[i]++;
			delay = restarts[i] > 5 ? 30 : (double)(1u << (restarts[i] - 1));
			next_start[i] = util_monotime() + delay;
			if (WIFSIGNALED(status))
				log_warnx("supervisor: %s %d/%d (pid %d) killed by signal "
				    "%d; restart in %.0fs", what, i, n, (int)pid,
				    WTERMSIG(status), delay);
			else
				log_warnx("supervisor: %s %d/%d (pid %d) exited with %d; "
				    "restart in %.0fs", what, i, n, (int)pid,
				    WEXITSTATUS(status), delay);
		}
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	double give_up = util_monotime() + drain_s;
	while (alive > 0 && util_monotime() < give_up) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);
		if (pid > 0) {
			for (int i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = 0;
			alive--;
		} else if (pid < 0 && errno == ECHILD) {
			break;
		} else {
			usleep(50 * 1000);
		}
	}
	for (int i = 0; i < n; i++)
		if (pids[i] > 0) {
			log_warnx("supervisor: %s %d/%d did not stop; killing it",
			    what, i, n);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
		}
	free(pids);
	free(next_start);
	free(restarts);
	log_info("supervisor: stopped");
	return refused;
}
