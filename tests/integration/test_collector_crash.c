/*
 * The collector's crash safety and bounded memory, against the real
 * pipeline (devsim -> collector -> analyzer -> alert stage) or, where the
 * exact records matter, --print:
 *   - kill -9 while batches are pushed and unacknowledged (the alert stage
 *     frozen): the cursors on disk do not move without acks, and after a
 *     restart the alerts still equal what the journal implies;
 *   - kill -9 at random moments, again and again;
 *   - cursor files truncated, zeroed, garbage, empty, of another device, a
 *     temp file left by an interrupted write, a full disk;
 *   - every analyzer gone, then the alert stage frozen: memory stays
 *     bounded, the collector says it holds records back, and everything
 *     flows once they return.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"

static const char *const six_platforms =
    "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr";

/* The state dir's cursor files, concatenated (to see whether they moved). */
static char *
s_cursors(const char *dir)
{
	char *path = xasprintf("%s/state", dir), *all = xstrdup("");
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 7 && !strcmp(ents[i]->d_name + len - 7, ".cursor")) {
			char *f = xasprintf("%s/%s", path, ents[i]->d_name);
			char *body = ch_slurp(f, &len), *next;

			next = xasprintf("%s%s\n%s", all, ents[i]->d_name,
			    body ? body : "");
			free(all);
			all = next;
			free(body);
			free(f);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	free(path);
	return all;
}

static const char *const flapping_fleet[] = {
	"--devices", "12", "--rate", "2", "--seed", "31", "--prefill", "5",
	"--flap-every", "3", "--buffer-size", "262144", "--platforms",
	"cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr", NULL,
};

Test(collector_crash, killed_with_batches_unacked, .timeout = 120)
{
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s" };
	struct pipeline *p = pipeline_with_conf(&ds, flapping_fleet, 1, &o);
	pid_t alerts;
	char *before, *after, *log;

	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(4);
	/*
	 * Freeze the alert stage: the analyzer still forwards, no ack comes
	 * back, batches pile up unacknowledged in the collector. Its cursors
	 * on disk must stay where the last ack left them.
	 */
	alerts = pipeline_pid(p, PL_ALERTS, 0);
	cr_assert_eq(kill(alerts, SIGSTOP), 0);
	sleep(2);
	before = s_cursors(devsim_dir(ds));
	sleep(3);
	after = s_cursors(devsim_dir(ds));
	cr_expect_str_eq(after, before, "cursors moved on disk with no ack");
	cr_expect_gt(strlen(before), 100, "no cursor files");
	/* The crash: whatever was pushed and not acked must come again. */
	pipeline_kill9(p, PL_COLLECTOR, 0);
	cr_assert_eq(kill(alerts, SIGCONT), 0);
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	sleep(6);
	pipeline_check_journal(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0, "SIGTERM: exit 0");
	log = xasprintf("%s/collector-0.log", devsim_dir(ds));
	cr_expect_eq(ch_count_in(log, "no cursor file"), 12 /* first start */,
	    "cursor files were not reused after the crash");
	cr_expect_eq(ch_count_in(log, "is unusable"), 0, "a cursor file was "
	    "damaged by the crash");
	free(log);
	free(before);
	free(after);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

Test(collector_crash, killed_at_random_moments, .timeout = 120)
{
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s" };
	struct pipeline *p = pipeline_with_conf(&ds, flapping_fleet, 2, &o);
	unsigned seed = (unsigned)time(NULL);

	srand(seed);
	fprintf(stderr, "collector_crash/killed_at_random_moments: seed %u\n",
	    seed);
	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(2);
	for (int k = 0; k < 8; k++) {
		/* 100 ms to 1.6 s: before, during and after pushes and flushes */
		ch_msleep(100 + rand() % 1500);
		pipeline_kill9(p, PL_COLLECTOR, 0);
		ch_msleep(rand() % 300);
		cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	}
	sleep(5);
	pipeline_check_journal(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/* Damage each cursor file its own way; returns what was written. */
static void
s_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* The single NAME.cursor.bad.* in state; its contents. */
static char *
s_bad_file(const char *state, const char *dev, size_t *len)
{
	char prefix[64];
	struct dirent **ents;
	char *found = NULL;
	int n = scandir(state, &ents, NULL, alphasort), nbad = 0;

	snprintf(prefix, sizeof prefix, "%s.cursor.bad.", dev);
	for (int i = 0; i < n; i++) {
		if (!strncmp(ents[i]->d_name, prefix, strlen(prefix)) && !found) {
			char *path = xasprintf("%s/%s", state, ents[i]->d_name);

			found = ch_slurp(path, len);
			free(path);
		}
		nbad += !strncmp(ents[i]->d_name, prefix, strlen(prefix));
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	cr_expect_leq(nbad, 1, "%s: %d bad files", dev, nbad);
	return found;
}

static size_t
s_nrecs(const struct ch_recs *r, const char *dev)
{
	const struct ch_rec **v;
	size_t n = ch_dev_recs(r, dev, &v);

	free(v);
	return n;
}

static void
s_run_once(struct devsim *ds, const char *cfg, int run, struct ch_recs *r,
    char **logtext)
{
	char *out = xasprintf("%s/run%d.jsonl", devsim_dir(ds), run);
	char *log = xasprintf("%s/run%d.log", devsim_dir(ds), run);
	size_t len;
	int rc = ch_once(cfg, out, log, 60);

	*logtext = ch_slurp(log, &len);
	cr_assert_eq(rc, 0, "run %d: exit status %d\n%s", run, rc,
	    *logtext ? *logtext : "");
	memset(r, 0, sizeof *r);
	cr_assert_eq(ch_recs_load(out, r), 0);
	cr_assert_eq(r->bad, 0, "%s", r->badmsg);
	free(out);
	free(log);
}

Test(collector_crash, damaged_cursor_files, .timeout = 90)
{
	static const char *const damage[] = {
		"truncated", "zeroed", "garbage", "empty", "tmp_left",
		"other_device", "intact",
	};
	enum { N = 7 };
	const char *args[] = { "--devices", "7", "--rate", "0", "--prefill", "4",
	    "--seed", "4", "--platforms", six_platforms, NULL };
	struct ch_conf o = { 0 };
	char err[512], *cfg, *state, *text;
	struct devsim *ds = devsim_start(args, err, sizeof err);
	struct devsim_journal j = { 0 };
	struct ch_recs r;

	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &o);
	state = xasprintf("%s/state", devsim_dir(ds));
	s_run_once(ds, cfg, 1, &r, &text);
	cr_assert_eq(r.len, N * 4, "run 1: %zu records", r.len);
	ch_recs_free(&r);
	free(text);

	for (int i = 0; i < N; i++) {
		char cmd[256];

		snprintf(cmd, sizeof cmd, "log r%03d %%SYS-5-CONFIG_I: Configured "
		    "from console by admin on vty0 (10.1.1.%d)", i + 1, i + 1);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		snprintf(cmd, sizeof cmd, "log r%03d %%SYS-5-CONFIG_I: Configured "
		    "from console by ops on vty1 (10.1.2.%d)", i + 1, i + 1);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
	}
	/* r001..r007: one kind of damage each (r007 left intact). */
	{
		char *p[N], *body[N];
		size_t blen[N];

		for (int i = 0; i < N; i++) {
			p[i] = xasprintf("%s/r%03d.cursor", state, i + 1);
			body[i] = ch_slurp(p[i], &blen[i]);
			cr_assert_not_null(body[i], "%s", p[i]);
		}
		s_write(p[0], body[0], blen[0] / 2);
		memset(body[1], 0, blen[1]);
		s_write(p[1], body[1], blen[1]);
		{
			char junk[300];

			for (size_t k = 0; k < sizeof junk; k++)
				junk[k] = (char)(k * 131 + 7);
			s_write(p[2], junk, sizeof junk);
		}
		s_write(p[3], "", 0);
		{
			/* a write cut short: the temp file, never renamed */
			char *tmp = xasprintf("%s.tmp", p[4]);

			s_write(tmp, body[4], blen[4] / 3);
			free(tmp);
		}
		s_write(p[5], body[6], blen[6]);	/* r007's file as r006's */
		for (int i = 0; i < N; i++) {
			free(p[i]);
			free(body[i]);
		}
	}

	s_run_once(ds, cfg, 2, &r, &text);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	for (int i = 0; i < N; i++) {
		char dev[16], pat[128], *bad;
		size_t *jl, nj, n, badlen;
		int reread = i < 4 || i == 5;

		snprintf(dev, sizeof dev, "r%03d", i + 1);
		nj = ch_jlines(&j, dev, &jl);
		n = s_nrecs(&r, dev);
		/* Nothing missing: a damaged cursor re-reads the whole buffer. */
		cr_expect_eq(n, reread ? nj : 2, "%s (%s): %zu records, journal "
		    "%zu", dev, damage[i], n, nj);
		free(jl);
		bad = s_bad_file(state, dev, &badlen);
		if (reread && i != 3) {
			snprintf(pat, sizeof pat, "device=%s cursor file %s/%s.cursor "
			    "is unusable", dev, state, dev);
			cr_expect_not_null(strstr(text, pat), "%s (%s): no '%s' in\n%s",
			    dev, damage[i], pat, text);
			cr_expect_not_null(bad, "%s (%s): not kept aside", dev,
			    damage[i]);
		} else if (i == 3) {
			/* An empty file is damage too (the write is atomic). */
			snprintf(pat, sizeof pat, "device=%s cursor file", dev);
			cr_expect_not_null(strstr(text, pat), "%s: %s", dev, text);
		} else {
			cr_expect_null(bad, "%s (%s): set aside", dev, damage[i]);
		}
		free(bad);
	}
	cr_expect_not_null(strstr(text, "r005.cursor.tmp left by an interrupted "
	    "write"), "%s", text);
	{
		char *tmp = xasprintf("%s/r005.cursor.tmp", state);
		struct stat st;

		cr_expect_neq(stat(tmp, &st), 0, "the temp file is still there");
		free(tmp);
	}
	ch_recs_free(&r);
	free(text);
	/* Resumed: the next run finds good cursors everywhere. */
	s_run_once(ds, cfg, 3, &r, &text);
	cr_expect_eq(r.len, 0, "run 3: %zu records re-read", r.len);
	cr_expect_null(strstr(text, "unusable"), "%s", text);
	ch_recs_free(&r);
	free(text);
	devsim_journal_free(&j);
	free(state);
	free(cfg);
	devsim_stop(&ds);
}

/* Where the small tmpfs is mounted; unmounted even when an assert fails. */
static char small_mnt[256];

static void
s_umount_small(void)
{
	if (small_mnt[0])
		umount2(small_mnt, MNT_DETACH);
	small_mnt[0] = '\0';
}

static void
s_unlink_prevs(const char *state, int ndev)
{
	for (int i = 1; i <= ndev; i++) {
		char *p = xasprintf("%s/r%03d.cursor.prev", state, i);

		cr_assert_eq(unlink(p), 0, "%s: %s", p, strerror(errno));
		free(p);
	}
}

/* Fill the file system at state; returns the filler's path. */
static char *
s_fill_disk(const char *state)
{
	char *fill = xasprintf("%s/filler", state), block[4096];
	FILE *f = fopen(fill, "a");

	cr_assert_not_null(f);
	memset(block, 'x', sizeof block);
	while (fwrite(block, 1, sizeof block, f) == sizeof block &&
	    fflush(f) == 0)
		;
	fclose(f);
	return fill;
}

/* Something new on each of the three devices. */
static void
s_log_new_line(struct devsim *ds, int round)
{
	for (int i = 1; i <= 3; i++) {
		char cmd[160];

		snprintf(cmd, sizeof cmd, "log r%03d %%SYS-5-CONFIG_I: Configured "
		    "from console by admin on vty0 (10.2.%d.%d)", i, round, i);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
	}
}

Test(collector_crash, full_disk_keeps_the_old_cursor, .timeout = 90,
    .fini = s_umount_small)
{
	const char *args[] = { "--devices", "3", "--rate", "0", "--prefill", "3",
	    "--platforms", "cisco_ios,cisco_nxos,juniper_junos", NULL };
	struct ch_conf o = { .state_dir = "small" };
	char err[512], *cfg, *state, *fill, *text;
	struct devsim *ds = devsim_start(args, err, sizeof err);
	struct ch_recs r;

	cr_assert_not_null(ds, "%s", err);
	state = xasprintf("%s/small", devsim_dir(ds));
	cr_assert_eq(mkdir(state, 0700), 0);
	if (mount("tmpfs", state, "tmpfs", 0, "size=64k") != 0) {
		devsim_stop(&ds);
		cr_skip_test("cannot mount a small tmpfs here (%s)", strerror(errno));
	}
	snprintf(small_mnt, sizeof small_mnt, "%s", state);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &o);
	s_run_once(ds, cfg, 1, &r, &text);
	cr_assert_eq(r.len, 9);
	ch_recs_free(&r);
	free(text);
	/*
	 * A save writes into the .prev file's blocks (cursor_file.c), so it
	 * needs no new space: without them it must allocate, which a full
	 * disk refuses.
	 */
	s_unlink_prevs(state, 3);
	fill = s_fill_disk(state);
	s_log_new_line(ds, 2);
	s_run_once(ds, cfg, 2, &r, &text);
	cr_expect_eq(r.len, 3, "run 2: %zu records", r.len);
	cr_expect_geq(ch_count_in(fill, "x"), 1);
	for (int i = 1; i <= 3; i++) {
		char pat[96];

		snprintf(pat, sizeof pat, "device=r%03d cursor not saved", i);
		cr_expect_not_null(strstr(text, pat), "no '%s' in\n%s", pat, text);
	}
	cr_expect_not_null(strstr(text, "No space left on device"), "%s", text);
	ch_recs_free(&r);
	free(text);
	/* Room again: the old cursor was kept whole, so the same line comes
	 * again (a duplicate, never a loss), then nothing. */
	unlink(fill);
	s_run_once(ds, cfg, 3, &r, &text);
	cr_expect_eq(r.len, 3, "run 3: %zu records", r.len);
	cr_expect_null(strstr(text, "unusable"), "%s", text);
	ch_recs_free(&r);
	free(text);
	s_run_once(ds, cfg, 4, &r, &text);
	cr_expect_eq(r.len, 0, "run 4: %zu records", r.len);
	ch_recs_free(&r);
	free(text);
	/* Full again, .prev files in place: the saves still succeed. */
	free(fill);
	fill = s_fill_disk(state);
	s_log_new_line(ds, 3);
	s_run_once(ds, cfg, 5, &r, &text);
	cr_expect_eq(r.len, 3, "run 5: %zu records", r.len);
	cr_expect_null(strstr(text, "cursor not saved"), "%s", text);
	ch_recs_free(&r);
	free(text);
	s_run_once(ds, cfg, 6, &r, &text);
	cr_expect_eq(r.len, 0, "run 6: %zu records", r.len);
	ch_recs_free(&r);
	free(text);
	s_umount_small();
	free(fill);
	free(state);
	free(cfg);
	devsim_stop(&ds);
}

/* The largest VmRSS seen while sleeping secs, sampled every 200 ms. */
static long
s_rss_peak(pid_t pid, double secs, long *last)
{
	double end = util_monotime() + secs;
	long peak = 0;

	while (util_monotime() < end) {
		long kb = ch_rss_kb(pid);

		if (kb > peak)
			peak = kb;
		if (kb > 0)
			*last = kb;
		ch_msleep(200);
	}
	return peak;
}

Test(collector_crash, all_analyzers_gone_memory_bounded, .timeout = 240)
{
	const char *args[] = { "--devices", "24", "--rate", "3", "--seed", "8",
	    "--prefill", "5", "--flap-every", "3", "--buffer-size", "1M",
	    "--platforms", six_platforms, NULL };
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s",
	    .max_backlog = 16 };
	struct pipeline *p = pipeline_with_conf(&ds, args, 2, &o);
	long base, peak_gone = 0, gone_at[6], peak_frozen, peak_flow, last = 0;
	char *log = xasprintf("%s/collector-0.log", devsim_dir(ds));
	pid_t coll, alerts;

	/* No analyzer at all for a full minute: the collector polls and holds
	 * everything back, in bounded memory. */
	ch_asan_small_quarantine();
	cr_assert_eq(pipeline_start(p, PL_ALERTS, 0), 0);
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	coll = pipeline_pid(p, PL_COLLECTOR, 0);
	sleep(3);
	base = ch_rss_kb(coll);
	cr_assert_gt(base, 0);
	/* Sampled in six 10 s slices: a slow leak shows as a trend. */
	for (int i = 0; i < 6; i++) {
		long pk = s_rss_peak(coll, 10, &last);

		if (pk > peak_gone)
			peak_gone = pk;
		gone_at[i] = last;
	}
	cr_expect_gt(ch_count_in(log, "holding records back: no analyzer is "
	    "taking batches"), 0, "the collector never said it holds records");

	/* Analyzers, but the alert stage frozen: no acks, the backlog fills
	 * to max_backlog and polling stops. */
	alerts = pipeline_pid(p, PL_ALERTS, 0);
	cr_assert_eq(kill(alerts, SIGSTOP), 0);
	cr_assert_eq(pipeline_start(p, PL_ANALYZER, 0), 0);
	cr_assert_eq(pipeline_start(p, PL_ANALYZER, 1), 0);
	peak_frozen = s_rss_peak(coll, 8, &last);
	cr_expect_gt(ch_count_in(log, "backlog full: 16 batches unacknowledged"),
	    0, "the collector never said its backlog is full");
	cr_assert_eq(kill(alerts, SIGCONT), 0);
	peak_flow = s_rss_peak(coll, 6, &last);
	cr_expect_gt(ch_count_in(log, "batches flow again"), 0);
	fprintf(stderr, "collector RSS (KiB): baseline %ld, analyzers gone 60 s "
	    "peak %ld (every 10 s: %ld %ld %ld %ld %ld %ld), alert stage frozen "
	    "8 s peak %ld, flowing peak %ld\n", base, peak_gone, gone_at[0],
	    gone_at[1], gone_at[2], gone_at[3], gone_at[4], gone_at[5],
	    peak_frozen, peak_flow);
	cr_expect_leq(peak_gone, base * 2, "RSS grew from %ld to %ld KiB with no "
	    "analyzer", base, peak_gone);
	cr_expect_leq(peak_frozen, base * 2, "RSS grew from %ld to %ld KiB with "
	    "the backlog full", base, peak_frozen);
	pipeline_check_journal(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0, "SIGTERM: exit 0");
	free(log);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/* The supervisor's worker pids, from /proc. */
static size_t
s_children(pid_t sup, pid_t *out, size_t max)
{
	char path[64], *text, *p, *end;
	size_t len, n = 0;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)sup,
	    (int)sup);
	text = ch_slurp(path, &len);
	for (p = text; p && n < max; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		out[n++] = (pid_t)v;
	}
	free(text);
	return n;
}

/*
 * --processes 2: the devices are shared between two workers; one killed
 * -9 is restarted by the supervisor, and no alert is lost or doubled.
 */
Test(collector_crash, supervised_worker_killed_and_restarted, .timeout = 120)
{
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s",
	    .processes = 2 };
	struct pipeline *p = pipeline_with_conf(&ds, flapping_fleet, 1, &o);
	pid_t sup, kids[4], now[4], victim;
	char *log = xasprintf("%s/collector-0.log", devsim_dir(ds));
	double end;
	size_t n;

	cr_assert_eq(pipeline_start_all(p), 0);
	sup = pipeline_pid(p, PL_COLLECTOR, 0);
	end = util_monotime() + 10;
	while ((n = s_children(sup, kids, 4)) < 2 && util_monotime() < end)
		ch_msleep(50);
	cr_assert_eq(n, 2, "%zu collector workers", n);
	sleep(3);
	victim = kids[0];
	cr_assert_eq(kill(victim, SIGKILL), 0);
	end = util_monotime() + 15;
	do {
		ch_msleep(100);
		n = s_children(sup, now, 4);
	} while ((n < 2 || now[0] == victim || now[1] == victim) &&
	    util_monotime() < end);
	cr_assert(n == 2 && now[0] != victim && now[1] != victim,
	    "the killed worker was not restarted");
	cr_expect_gt(ch_count_in(log, "killed by signal"), 0,
	    "the supervisor did not log the death");
	sleep(4);
	pipeline_check_journal(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0, "SIGTERM: exit 0");
	free(log);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * A damaged cursor file under the real pipeline: the device's buffer is
 * read again under a new epoch (new, larger record ids), so the alert
 * stage must not take the old flaps in it for new ones.
 */
Test(collector_crash, damaged_cursor_no_duplicate_alerts, .timeout = 120)
{
	struct devsim *ds;
	struct ch_conf o = { .interval = "1s", .ack_timeout = "2s" };
	struct pipeline *p = pipeline_with_conf(&ds, flapping_fleet, 1, &o);

	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(6);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0);
	for (int i = 1; i <= 12; i += 2) {
		char *path = xasprintf("%s/state/r%03d.cursor", devsim_dir(ds), i);

		s_write(path, "garbage\n", 8);
		free(path);
	}
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	sleep(4);
	pipeline_check_journal(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}
