/*
 * Several hosts, really: scripts/netns-cluster builds hosts from network
 * namespaces (devsim, two collectors, two analyzers, the alert stage, CURVE
 * on), cuts one analyzer host off and brings it back, and compares the
 * alerts with devsim's journal. This runs it where namespaces can be made
 * (root, `ip netns`), and says why it skips elsewhere.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"

/* The script's own watchdog is 170 s; this is the outer bound. */
#define NETNS_LIMIT_S	200

/*
 * Run argv with stdout and stderr to logpath (NULL: /dev/null); its exit
 * status, or -1 if it could not run or was still running after limit_s
 * (then it gets SIGTERM, so the script's trap cleans up, and later SIGKILL).
 */
static int
s_run(char *const argv[], const char *logpath, int limit_s)
{
	double deadline = util_monotime() + limit_s;
	struct timespec nap = { 0, 100 * 1000000L };
	int status, termed = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(logpath ? logpath : "/dev/null",
		    O_WRONLY | O_CREAT | O_TRUNC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0)
			return -1;
		if (!termed && util_monotime() > deadline) {
			kill(pid, SIGTERM);
			termed = 1;
			deadline = util_monotime() + 30;
		} else if (termed && util_monotime() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	if (termed)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Can this process make a network namespace with ip netns? */
static int
s_can_netns(char *why, size_t len)
{
	char name[64];
	char *add[] = { "ip", "netns", "add", name, NULL };
	char *del[] = { "ip", "netns", "del", name, NULL };

	if (geteuid() != 0) {
		snprintf(why, len, "not root (network namespaces need root)");
		return 0;
	}
	snprintf(name, sizeof name, "lh-probe-%ld", (long)getpid());
	if (s_run(add, NULL, 10) != 0) {
		snprintf(why, len, "'ip netns add' does not work here "
		    "(no iproute2, or no namespace support)");
		return 0;
	}
	s_run(del, NULL, 10);
	return 1;
}

/* The last max bytes of a file, for the failure message. */
static char *
s_tail(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *s = xcalloc(1, max + 1);
	long size;

	if (f == NULL)
		return s;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > (long)max)
		fseek(f, size - (long)max, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	s[fread(s, 1, max, f)] = '\0';
	fclose(f);
	return s;
}

Test(netns, cluster_survives_a_cut_analyzer_host, .timeout = NETNS_LIMIT_S + 40)
{
	const char *src = getenv("LOGHAUL_SRC");
	char why[160], script[1024], dir[] = "/tmp/lh-netns-XXXXXX", logp[64];
	char *argv[] = { "bash", script, NULL };
	char *tail;
	int rc;

	if (!s_can_netns(why, sizeof why))
		cr_skip_test("netns cluster skipped: %s", why);
	snprintf(script, sizeof script, "%s/scripts/netns-cluster",
	    src && *src ? src : ".");
	cr_assert_eq(access(script, R_OK), 0, "%s: %s", script, strerror(errno));
	cr_assert_not_null(mkdtemp(dir));
	snprintf(logp, sizeof logp, "%s/out.log", dir);
	rc = s_run(argv, logp, NETNS_LIMIT_S);
	tail = s_tail(logp, 3000);
	cr_expect_eq(rc, 0, "scripts/netns-cluster %s (output in %s):\n%s",
	    rc < 0 ? "ran out of time" : "failed", logp, tail);
	free(tail);
	if (rc == 0) {
		unlink(logp);
		rmdir(dir);
	}
}
