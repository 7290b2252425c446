/*
 * Several hosts, really: scripts/netns-cluster builds hosts from network
 * namespaces (devsim, two collectors, two analyzers, the alert stage, CURVE
 * on), cuts one analyzer host off and brings it back, and compares the
 * alerts with devsim's journal. This runs it where namespaces can be made
 * (root, `ip netns`), and says why it skips elsewhere.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/proc.h"

/* The script's own watchdog is 170 s; this is the outer bound. */
#define NETNS_LIMIT_S	200

/*
 * Run argv with stdout and stderr to logpath (NULL: /dev/null); its exit
 * status, or -1 if it could not run or was still running after limit_s
 * (then it gets SIGTERM, so the script's trap cleans up, and later SIGKILL).
 * SIGTERM too if the test dies.
 */
static int
s_run(char *const argv[], const char *logpath, int limit_s)
{
	struct proc_opts o = { .out = logpath, .err = logpath, .truncate = 1,
	    .deathsig = SIGTERM };
	struct proc p;
	int status;

	if (proc_start(&p, argv, &o) != 0)
		return -1;
	if ((status = proc_wait_exit(&p, limit_s)) < 0) {
		proc_stop(&p, SIGTERM, 30);
		return -1;
	}
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
