/*
 * LOGHAUL_FAILPOINT parsing and counting (common/failpoint.h). Each case
 * runs in a fork()ed child that sets the variable, calls failpoint_init()
 * and then passes FAILPOINT()s, writing one byte to a pipe before each
 * pass of the point under test: the parent reads how far it got and how
 * it ended, so "killed at the Nth pass and not before" is exact.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/failpoint.h"

enum { PASSES = 8 };

struct fp_run {
	int status;	/* wait(2) status */
	int passes;	/* passes of "test.point" begun before the end */
	int armed;	/* failpoint_armed after failpoint_init() */
	int init_rc;
};

/*
 * spec: the variable's value (NULL: unset). The child passes "test.other"
 * and "test.point" in turn, PASSES times each.
 */
static struct fp_run
s_run(const char *spec)
{
	struct fp_run r = { 0 };
	unsigned char hdr[2];
	int fds[2];
	pid_t pid;
	char ch;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* its log lines ("armed", "reached") are not this test's output */
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fds[0]);
		if (spec)
			setenv("LOGHAUL_FAILPOINT", spec, 1);
		else
			unsetenv("LOGHAUL_FAILPOINT");
		hdr[0] = (unsigned char)(failpoint_init() + 1);
		hdr[1] = (unsigned char)failpoint_armed;
		if (write(fds[1], hdr, 2) != 2)
			_exit(3);
		for (int i = 0; i < PASSES; i++) {
			FAILPOINT("test.other");
			if (write(fds[1], "p", 1) != 1)
				_exit(3);
			FAILPOINT("test.point");
		}
		_exit(0);
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], hdr, 2), 2, "the child said nothing");
	r.init_rc = (int)hdr[0] - 1;
	r.armed = hdr[1];
	while (read(fds[0], &ch, 1) == 1)
		r.passes++;
	close(fds[0]);
	cr_assert_eq(waitpid(pid, &r.status, 0), pid);
	return r;
}

static void
s_expect_killed_at(const char *spec, int n)
{
	struct fp_run r = s_run(spec);

	cr_expect_eq(r.init_rc, 0, "%s: failpoint_init() %d", spec, r.init_rc);
	cr_expect_eq(r.armed, 1, "%s: not armed", spec);
	cr_expect(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL,
	    "%s: the child was not killed by SIGKILL (status 0x%x)", spec,
	    r.status);
	cr_expect_eq(r.passes, n, "%s: killed at pass %d, wanted %d", spec,
	    r.passes, n);
}

/* A valid spec arms its point even if the run never gets to its pass. */
static void
s_expect_survives(const char *spec, int init_rc, int armed)
{
	struct fp_run r = s_run(spec);

	cr_expect_eq(r.init_rc, init_rc, "%s: failpoint_init() %d", spec ? spec :
	    "(unset)", r.init_rc);
	cr_expect_eq(r.armed, armed, "%s: armed %d", spec ? spec : "(unset)",
	    r.armed);
	cr_expect(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
	    "%s: the child did not run to its end (status 0x%x)",
	    spec ? spec : "(unset)", r.status);
	cr_expect_eq(r.passes, PASSES);
}

Test(failpoint, name_alone_kills_at_the_first_pass)
{
	s_expect_killed_at("test.point", 1);
}

Test(failpoint, name_n_kills_at_the_nth_pass_not_before)
{
	s_expect_killed_at("test.point:1", 1);
	s_expect_killed_at("test.point:2", 2);
	s_expect_killed_at("test.point:5", 5);
	s_expect_killed_at("test.point:8", PASSES);
}

Test(failpoint, unset_arms_nothing)
{
	s_expect_survives(NULL, 0, 0);
}

Test(failpoint, other_names_and_later_passes_do_not_kill)
{
	/* "test.other" is passed as often, and must not count. */
	s_expect_survives("test.nowhere", 0, 1);
	s_expect_survives("test.poin", 0, 1);
	s_expect_survives("test.point.x", 0, 1);
	s_expect_survives("test.point:9", 0, 1);
	s_expect_survives("test.point:18446744073709551615", 0, 1);
}

Test(failpoint, malformed_is_refused_and_arms_nothing)
{
	static const char *const bad[] = {
		"", ":3", "test.point:", "test.point:0", "test.point:x",
		"test.point:-1", "test.point:+2", "test.point:2:3",
		"test.point: 2", "test.point:18446744073709551616",
		"a-name-of-sixty-four-bytes-is-too-long-for-the-failpoint-name-xx",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		s_expect_survives(bad[i], -1, 0);
}
