/*
 * kill -9 of the collector at each dangerous moment, made exact by the
 * failpoints of common/failpoint.h instead of a random sleep:
 *   push.before_send      records taken from a device, the batch not sent;
 *   push.after_send       the batch sent, not kept as pending, no ack yet;
 *   push.after_ack        the batch acked, its cursor moved in memory only;
 *   cursor.before_rename  a cursor's temp file written and synced, not
 *                         renamed (at the very first save, and mid-run);
 *   cursor.after_rename   renamed, the directory not fsync'd.
 * Each test runs devsim's flapping fleet through the real pipeline
 * (collector, analyzer, alert stage), starts the collector alone with
 * LOGHAUL_FAILPOINT, waits for it to die by SIGKILL at that point, restarts
 * it without the variable, lets the fleet flap on, and checks that the
 * alerts equal what devsim's journal implies: nothing missing, nothing
 * doubled. It also checks what the restart found on disk and said about it.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"

static const char *const flapping_fleet[] = {
	"--devices", "12", "--rate", "2", "--seed", "31", "--prefill", "5",
	"--flap-every", "3", "--buffer-size", "262144", "--platforms",
	"cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr", NULL,
};
enum { NDEVS = 12 };

/* In the state dir: how many files end in suffix; their names, one a line. */
static size_t
s_state_files(const char *dir, const char *suffix, char **names)
{
	char *path = xasprintf("%s/state", dir), *all = xstrdup("");
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);
	size_t found = 0, sl = strlen(suffix);

	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > sl && !strcmp(ents[i]->d_name + len - sl, suffix)) {
			char *next = xasprintf("%s%s\n", all, ents[i]->d_name);

			free(all);
			all = next;
			found++;
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(path);
	if (names)
		*names = all;
	else
		free(all);
	return found;
}

/* Occurrences of needle in s. */
static size_t
s_count(const char *s, const char *needle)
{
	size_t n = 0;

	while (s && (s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static off_t
s_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* What the collector logged from byte off on (caller frees). */
static char *
s_log_since(const char *path, off_t off)
{
	size_t len;
	char *all = ch_slurp(path, &len), *tail;

	cr_assert_not_null(all, "%s", path);
	tail = xstrdup((size_t)off <= len ? all + off : "");
	free(all);
	return tail;
}

struct killpoint {
	const char *spec;	/* LOGHAUL_FAILPOINT */
	int         analyzers;
	size_t      cursors;	/* cursor files on disk when it dies */
	int         tmp_left;	/* a temp file is certainly left behind */
};

static void
s_killpoint(const struct killpoint *k)
{
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s" };
	struct pipeline *p = pipeline_with_conf(&ds, flapping_fleet, k->analyzers, &o);
	char *log = xasprintf("%s/collector-0.log", devsim_dir(ds));
	char *tmps, *after, *line, *name, reached[160];
	size_t ncur, ntmp, n;
	double t0, died;
	int status = 0;
	off_t off;

	cr_assert_eq(pipeline_start(p, PL_ALERTS, 0), 0);
	for (int i = 0; i < k->analyzers; i++)
		cr_assert_eq(pipeline_start(p, PL_ANALYZER, i), 0);
	/* The collector alone gets the variable (pipeline_start() forks). */
	cr_assert_eq(setenv("LOGHAUL_FAILPOINT", k->spec, 1), 0);
	t0 = util_monotime();
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	unsetenv("LOGHAUL_FAILPOINT");
	cr_assert_eq(pipeline_wait_exit(p, PL_COLLECTOR, 0, 30, &status), 0,
	    "%s: the collector did not die within 30 s", k->spec);
	died = util_monotime() - t0;
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "%s: the collector ended otherwise than by SIGKILL (status 0x%x)",
	    k->spec, status);
	/* ... and by this failpoint, at the pass asked for. */
	name = xstrdup(k->spec);
	if (strchr(name, ':'))
		*strchr(name, ':') = '\0';
	snprintf(reached, sizeof reached, "failpoint %s reached (pass %s)",
	    name, strchr(k->spec, ':') ? strchr(k->spec, ':') + 1 : "1");
	cr_assert_eq(ch_count_in(log, reached), 1, "%s: no '%s' in the log",
	    k->spec, reached);

	ncur = s_state_files(devsim_dir(ds), ".cursor", NULL);
	ntmp = s_state_files(devsim_dir(ds), ".cursor.tmp", &tmps);
	cr_expect_eq(ncur, k->cursors, "%s: %zu cursor files on disk at the "
	    "crash, expected %zu", k->spec, ncur, k->cursors);
	if (k->tmp_left)
		cr_expect_geq(ntmp, 1, "%s: no temp file left", k->spec);

	/* Restart without the variable; the fleet flaps on. */
	off = s_size(log);
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	sleep(6);
	pipeline_check_journal(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0, "SIGTERM: exit 0");

	after = s_log_since(log, off);
	cr_expect_eq(s_count(after, "failpoint"), 0, "%s: the restart has a "
	    "failpoint armed:\n%s", k->spec, after);
	cr_expect_eq(s_count(after, "is unusable"), 0, "%s: a cursor file was "
	    "damaged by the crash:\n%s", k->spec, after);
	cr_expect_eq(s_count(after, "is missing"), 0, "%s:\n%s", k->spec, after);
	cr_expect_eq(s_count(after, "no cursor file"), NDEVS - ncur,
	    "%s: cursor files not reused after the crash:\n%s", k->spec, after);
	/* Every temp file the crash left is found, said and removed. */
	n = 0;
	for (line = strtok(tmps, "\n"); line; line = strtok(NULL, "\n")) {
		char pat[300];

		snprintf(pat, sizeof pat, "state/%s left by an interrupted write",
		    line);
		cr_expect_eq(s_count(after, pat), 1, "%s: no '%s' in\n%s", k->spec,
		    pat, after);
		n++;
	}
	cr_expect_eq(s_state_files(devsim_dir(ds), ".cursor.tmp", NULL), 0,
	    "%s: temp files left after a clean stop", k->spec);
	cr_expect_eq(s_state_files(devsim_dir(ds), ".cursor", NULL), NDEVS);
	fprintf(stderr, "killpoints: %s: killed %.1f s after start with %zu "
	    "cursor files and %zu temp files on disk; the restart removed %zu "
	    "temp files and reused %zu cursor files\n", k->spec, died, ncur,
	    ntmp, n, ncur);
	free(after);
	free(tmps);
	free(name);
	free(log);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/* (a) A mid-run poll's records taken, its batch about to be sent. */
Test(collector_killpoints, before_send, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "push.before_send:30", 1, NDEVS, 0 });
}

/* (b) Sent, not kept for re-sending: the device's buffer gives it again. */
Test(collector_killpoints, after_send, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "push.after_send:20", 2, NDEVS, 0 });
}

/* (b) Acked: the cursor moved in memory, the file still behind it. */
Test(collector_killpoints, after_ack, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "push.after_ack:15", 1, NDEVS, 0 });
}

/* (c) The very first cursor file of the first device, never renamed. */
Test(collector_killpoints, before_rename_first_save, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "cursor.before_rename", 1, 0, 1 });
}

/* (c) Mid-run, in a flush round: its temp files synced, not all renamed. */
Test(collector_killpoints, before_rename, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "cursor.before_rename:40", 1, NDEVS,
	    1 });
}

/*
 * (c) Renamed, the directory not fsync'd: pass 14 is the second file of
 * the first flush round (12 first saves before it), so the rest of that
 * round is usually left as temp files too.
 */
Test(collector_killpoints, after_rename, .timeout = 60)
{
	s_killpoint(&(struct killpoint){ "cursor.after_rename:14", 1, NDEVS,
	    0 });
}
