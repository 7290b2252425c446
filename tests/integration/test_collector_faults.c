/*
 * Device-side faults, one test each, against a few devsim devices: the
 * buffer wrapping past the cursor, `clear logging`, a reload, identical
 * lines, the clock going backwards. Most tests hold the generator still
 * (rate 0), change the buffers through devsim's control socket, and run
 * `loghaul-collector --once --print` with a state dir between changes, so
 * that what each poll must yield is known exactly from the journal: every
 * entry whole in the buffer and not harvested before, once, in order, byte
 * for byte, after a gap record of the right reason when lines were lost.
 *
 * A partial last line cannot come from devsim (it prints its buffer in one
 * piece, and a hang fails the poll); test_cursor.c's
 * partial_last_line_completed_next_poll covers it below the daemon.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"

#define FT_MAXDEV 8

struct ft {
	struct devsim *ds;
	char   *cfg;
	int     run;
	size_t  bsize;
	size_t  ndev;
	char    dev[FT_MAXDEV][16];
	int     whole[FT_MAXDEV];
	size_t  next[FT_MAXDEV];	/* journal index after the last harvested */
	char    spec[64];
	/* live: one running collector (incremental reads) instead of --once
	 * runs; it is stopped (SIGSTOP) between phases */
	int     live;
	pid_t   pid;
	char   *out, *log;
	size_t  seen;		/* records of earlier phases in out */
	size_t  polls[FT_MAXDEV];	/* "poll ok" lines seen per device */
	uint64_t last_id[FT_MAXDEV];	/* of the last record before a kill */
	int     restarted;
	int     every;		/* collector.full_read_every; 0: 1000 */
};

/* devsim with spec (device lines under "devices:"); n devices, rate 0. */
static void
ft_start(struct ft *t, size_t n, const char *platforms, const char *devices,
    size_t bsize, const char *prefill)
{
	char err[512], tmpl[] = "/tmp/loghaul-ftspec-XXXXXX";
	struct ch_conf co = { .command = "5s" };
	char nbuf[8], bbuf[16];
	FILE *f;
	int fd;

	memset(t, 0, sizeof *t);
	cr_assert_leq(n, FT_MAXDEV);
	fd = mkstemp(tmpl);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(t->spec, sizeof t->spec, "%s", tmpl);
	cr_assert_not_null(f = fopen(t->spec, "w"));
	fprintf(f, "devices:\n%s", devices ? devices : "");
	fclose(f);
	snprintf(nbuf, sizeof nbuf, "%zu", n);
	snprintf(bbuf, sizeof bbuf, "%zu", bsize);
	{
		const char *args[] = { "--devices", nbuf, "--rate", "0",
		    "--prefill", prefill, "--seed", "21", "--buffer-size", bbuf,
		    "--spec", t->spec, "--platforms", platforms, NULL };

		t->ds = devsim_start(args, err, sizeof err);
	}
	cr_assert_not_null(t->ds, "%s", err);
	t->cfg = ch_config(devsim_dir(t->ds), "c.yaml", &co);
	cr_assert_not_null(t->cfg);
	t->bsize = bsize;
	t->ndev = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(t->dev[i], sizeof t->dev[i], "r%03zu", i + 1);
		t->whole[i] = devsim_whole_lines(devsim_platform(t->ds, t->dev[i]));
	}
}

static void ft_stop(struct ft *t);
static size_t ft_polls(const struct ft *t, size_t i, const char *read);

/* Live: every device's polls read incrementally at least once. */
static void
ft_stop_reads(struct ft *t)
{
	for (size_t i = 0; t->live && i < t->ndev; i++) {
		size_t inc = ft_polls(t, i, "incremental");

		cr_expect_gt(inc, 0, "%s: no incremental read (%zu full, %zu "
		    "fallback)", t->dev[i], ft_polls(t, i, "full"),
		    ft_polls(t, i, "fallback"));
	}
	ft_stop(t);
}

/* Live: the gap was found by an incremental reply falling back. */
static void
ft_expect_fallback(struct ft *t)
{
	for (size_t i = 0; t->live && i < t->ndev; i++)
		cr_expect_gt(ft_polls(t, i, "fallback"), 0, "%s: no fallback",
		    t->dev[i]);
}

static void
ft_stop(struct ft *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGCONT);
		cr_expect_eq(ch_term(t->pid, 30), 0, "collector exit status");
	}
	free(t->out);
	free(t->log);
	free(t->cfg);
	devsim_stop(&t->ds);
	unlink(t->spec);
}


static void
ft_spawn(struct ft *t)
{
	char extra[64];
	struct ch_conf co = { .interval = "300ms", .command = "5s",
	    .state_dir = "state-live", .collector_extra = extra };
	char *cfg;

	snprintf(extra, sizeof extra, "  full_read_every: %d\n",
	    t->every ? t->every : 1000);
	cfg = ch_config(devsim_dir(t->ds), "live.yaml", &co);
	const char *args[] = { "--config", cfg, "--print", "-v", NULL };

	cr_assert_not_null(cfg);
	if (t->out == NULL) {
		t->out = xasprintf("%s/live.jsonl", devsim_dir(t->ds));
		t->log = xasprintf("%s/live.log", devsim_dir(t->ds));
	}
	t->pid = ch_spawn("loghaul-collector", args, devsim_dir(t->ds), t->out,
	    t->log);
	cr_assert_gt(t->pid, 0);
	free(cfg);
}

/* Polls of dev (ok) that the live collector logged, or of one read kind. */
static size_t
ft_polls(const struct ft *t, size_t i, const char *read)
{
	char pat[96];

	snprintf(pat, sizeof pat, "device=%s poll ok%s%s", t->dev[i],
	    read ? " read=" : "", read ? read : "");
	return ch_count_in(t->log, pat);
}

/*
 * A phase of the live collector: let it run until every device finished
 * two more polls (so one began after the changes), stop it, and give the
 * records it printed since the last phase. After ft_kill_restart(),
 * records the killed process printed again (ids it had printed: its
 * cursor file was not written yet) are left out, as the alert stage
 * drops them by id.
 */
static void
ft_live(struct ft *t, struct ch_recs *r, struct devsim_journal *j)
{
	struct ch_recs all = { 0 };
	char err[512];
	double until = util_monotime() + 30;
	size_t i, k, n;

	if (t->pid <= 0)
		ft_spawn(t);
	else
		kill(t->pid, SIGCONT);
	for (i = 0; i < t->ndev; i++) {
		while (ft_polls(t, i, NULL) < t->polls[i] + 2) {
			cr_assert_lt(util_monotime(), until, "run %d %s: no poll",
			    t->run, t->dev[i]);
			ch_msleep(20);
		}
	}
	kill(t->pid, SIGSTOP);
	ch_msleep(50);
	for (i = 0; i < t->ndev; i++)
		t->polls[i] = ft_polls(t, i, NULL);
	cr_assert_eq(ch_recs_load(t->out, &all), 0);
	cr_assert_eq(all.bad, 0, "run %d: %s", t->run, all.badmsg);
	cr_assert_geq(all.len, t->seen);
	memset(r, 0, sizeof *r);
	*r = all;
	for (k = 0; k < t->seen; k++)
		free(all.v[k].line);
	n = 0;
	for (k = t->seen; k < all.len; k++) {
		struct ch_rec *x = &all.v[k];
		int drop = 0;

		for (i = 0; i < t->ndev && t->restarted; i++)
			if (!strcmp(x->dev, t->dev[i]) && x->id <= t->last_id[i])
				drop = 1;
		if (drop) {
			free(x->line);
			continue;
		}
		r->v[n++] = *x;
	}
	t->seen = all.len;
	r->len = n;
	t->restarted = 0;
	memset(j, 0, sizeof *j);
	cr_assert_eq(devsim_journal_load(devsim_dir(t->ds), NULL, j, err,
	    sizeof err), 0, "%s", err);
}

/* SIGKILL the live collector and start another on the same state. */
static void
ft_kill_restart(struct ft *t)
{
	struct ch_recs all = { 0 };

	kill(t->pid, SIGKILL);
	cr_assert_eq(ch_wait(t->pid, 10), 128 + SIGKILL);
	cr_assert_eq(ch_recs_load(t->out, &all), 0);
	for (size_t k = 0; k < all.len; k++)
		for (size_t i = 0; i < t->ndev; i++)
			if (!strcmp(all.v[k].dev, t->dev[i]))
				t->last_id[i] = all.v[k].id;
	ch_recs_free(&all);
	t->restarted = 1;
	t->pid = 0;
	for (size_t i = 0; i < t->ndev; i++)
		t->polls[i] = 0;
	/* the new process logs into the same file: count from here */
	ft_spawn(t);
	for (size_t i = 0; i < t->ndev; i++)
		t->polls[i] = ft_polls(t, i, NULL);
	kill(t->pid, SIGSTOP);
}

/*
 * A scenario twice: with --once runs (full reads) and with a live
 * collector reading incrementally between phases.
 */
#define FT_BOTH(name, fn)                                              \
	Test(collector_faults, name, .timeout = 90) { fn(0); }         \
	Test(collector_incremental, name, .timeout = 90) { fn(1); }

/* One --once --print run: its records in r, the journal as it stands in j. */
static void
ft_once(struct ft *t, struct ch_recs *r, struct devsim_journal *j)
{
	char *out, *log, err[512];
	int rc;

	t->run++;
	if (t->live) {
		ft_live(t, r, j);
		return;
	}
	out = xasprintf("%s/run%d.jsonl", devsim_dir(t->ds), t->run);
	log = xasprintf("%s/run%d.log", devsim_dir(t->ds), t->run);
	rc = ch_once(t->cfg, out, log, 60);
	if (rc != 0) {
		size_t len;
		char *text = ch_slurp(log, &len);

		cr_assert_fail("run %d: exit status %d:\n%s", t->run, rc,
		    text ? text : "(no log)");
	}
	memset(r, 0, sizeof *r);
	cr_assert_eq(ch_recs_load(out, r), 0);
	cr_assert_eq(r->bad, 0, "run %d: %s", t->run, r->badmsg);
	memset(j, 0, sizeof *j);
	cr_assert_eq(devsim_journal_load(devsim_dir(t->ds), NULL, j, err,
	    sizeof err), 0, "%s", err);
	free(out);
	free(log);
}

/*
 * Device i's records of this run: a gap of reason gap first when gap is
 * not NULL ("any": of any reason), none otherwise; then every entry whole
 * in its buffer (as the journal says it is now) that no earlier run
 * harvested, once, in order, byte for byte.
 */
static void
ft_expect(struct ft *t, size_t i, const struct ch_recs *r,
    const struct devsim_journal *j, const char *gap)
{
	const char *dev = t->dev[i];
	const struct ch_rec **v;
	size_t *view, maybe, nv, n, k = 0, ngaps, w = 0;

	n = ch_dev_recs(r, dev, &v);
	nv = ch_view(j, dev, t->bsize, t->whole[i], &view, &maybe);
	ngaps = ch_count_gaps(v, n, NULL);
	if (gap) {
		cr_expect_eq(ngaps, 1, "run %d %s: %zu gap records, want one (%s)",
		    t->run, dev, ngaps, gap);
		cr_expect(n > 0 && v[0]->gap, "run %d %s: the gap does not come "
		    "first", t->run, dev);
		if (n > 0 && v[0]->gap && strcmp(gap, "any") != 0)
			cr_expect_str_eq(v[0]->reason, gap, "run %d %s: gap reason "
			    "%s, want %s (%s)", t->run, dev, v[0]->reason, gap,
			    ch_show(v[0]->line, v[0]->len));
		k = n > 0 && v[0]->gap;
	} else {
		cr_expect_eq(ngaps, 0, "run %d %s: unexpected gap: %s", t->run,
		    dev, n ? ch_show(v[0]->line, v[0]->len) : "");
	}
	/* The entry on the byte boundary may be taken either way. */
	if (maybe != SIZE_MAX && maybe >= t->next[i] && k < n &&
	    v[k]->len == j->v[maybe].len &&
	    !memcmp(v[k]->line, j->v[maybe].text, v[k]->len)) {
		k++;
		t->next[i] = maybe + 1;
	}
	while (w < nv && view[w] < t->next[i])
		w++;
	for (; w < nv; w++, k++) {
		const struct devsim_jentry *e = &j->v[view[w]];

		if (k >= n) {
			cr_expect_fail("run %d %s: missing %s", t->run, dev,
			    ch_show(e->text, e->len));
			break;
		}
		if (v[k]->gap || v[k]->len != e->len ||
		    memcmp(v[k]->line, e->text, e->len) != 0) {
			cr_expect_fail("run %d %s: record %zu is %s\n want %s",
			    t->run, dev, k, ch_show(v[k]->line, v[k]->len),
			    ch_show(e->text, e->len));
			break;
		}
		t->next[i] = view[w] + 1;
	}
	cr_expect_eq(k, n, "run %d %s: %zu records, %zu expected", t->run, dev,
	    n, k);
	free(v);
	free(view);
}

static void
ft_expect_all(struct ft *t, const struct ch_recs *r,
    const struct devsim_journal *j, const char *gap)
{
	for (size_t i = 0; i < t->ndev; i++)
		ft_expect(t, i, r, j, gap);
}

static void
ft_done(struct ch_recs *r, struct devsim_journal *j)
{
	ch_recs_free(r);
	devsim_journal_free(j);
}

/* A message body every platform's prefix accepts. */
static void
ft_log(struct ft *t, size_t i, int k)
{
	devsim_ctlf(t->ds, "log %s %%SYS-5-CONFIG_I: Configured from console by admin on "
	    "vty0 (10.0.%d.%d) change %d", t->dev[i], k / 250, k % 250 + 1, k);
}

/* IOS "Nov 22 01:02:03.456 UTC" of now + off_ms. */
static void
ft_ios_stamp(int64_t off_ms, char *out, size_t len)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t t = util_wallms() + off_ms;
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, len, "%s %2d %02d:%02d:%02d.%03d UTC", mon[tm.tm_mon],
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t % 1000));
}

/* IOS with and without sequence numbers, NX-OS and Junos (whole lines). */
static const char *const mixed_platforms = "cisco_ios,cisco_ios,cisco_nxos,"
    "juniper_junos";
static const char *const mixed_spec =
    "  r002: {seq_numbers: false, ts_style: msec_tz}\n";

static void
s_wraps(int live)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;

	ft_start(&t, 4, mixed_platforms, mixed_spec, 2048, "5");
	t.live = live;
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	/* More than the buffer holds: the cursor's entry is overwritten. */
	for (size_t i = 0; i < t.ndev; i++)
		for (int k = 0; k < 30; k++)
			ft_log(&t, i, k);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, "wrap");
	ft_done(&r, &j);
	/* Nothing new: nothing, and no second gap. */
	ft_once(&t, &r, &j);
	cr_expect_eq(r.len, 0, "run 3: %zu records from an unchanged fleet", r.len);
	ft_done(&r, &j);
	/* And on from the position after the gap. */
	for (size_t i = 0; i < t.ndev; i++)
		for (int k = 30; k < 33; k++)
			ft_log(&t, i, k);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	ft_expect_fallback(&t);
	ft_stop_reads(&t);
}

FT_BOTH(buffer_wraps_past_the_cursor, s_wraps)

static void
s_clear(int live)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;

	ft_start(&t, 4, mixed_platforms, mixed_spec, 16384, "6");
	t.live = live;
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	for (size_t i = 0; i < t.ndev; i++) {
		for (int k = 0; k < 3; k++)
			ft_log(&t, i, k);
		devsim_ctlf(t.ds, "clear %s", t.dev[i]);
		for (int k = 3; k < 5; k++)
			ft_log(&t, i, k);
	}
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, "cleared");
	ft_done(&r, &j);
	ft_once(&t, &r, &j);
	cr_expect_eq(r.len, 0, "run 3: %zu records from an unchanged fleet", r.len);
	ft_done(&r, &j);
	ft_expect_fallback(&t);
	ft_stop_reads(&t);
}

FT_BOTH(clear_logging_is_a_gap, s_clear)

static void
s_reload(int live)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;

	/* IOS with and without sequence numbers, IOS XR; then NX-OS, Junos. */
	ft_start(&t, 5, "cisco_ios,cisco_ios,cisco_xr,cisco_nxos,juniper_junos",
	    "  r002: {seq_numbers: false, ts_style: msec_tz}\n"
	    "  r003: {seq_numbers: true}\n", 16384, "6");
	t.live = live;
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	for (size_t i = 0; i < t.ndev; i++) {
		ft_log(&t, i, 1);
		devsim_ctlf(t.ds, "reload %s", t.dev[i]);
		ft_log(&t, i, 2);
	}
	ft_once(&t, &r, &j);
	/* The restart banner or restarted sequence numbers say "reload";
	 * NX-OS and Junos buffers show neither: some gap, of either kind. */
	for (size_t i = 0; i < t.ndev; i++)
		ft_expect(&t, i, &r, &j, i < 3 ? "reload" : "any");
	ft_done(&r, &j);
	for (size_t i = 0; i < t.ndev; i++)
		ft_log(&t, i, 3);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	ft_expect_fallback(&t);
	ft_stop_reads(&t);
}

FT_BOTH(reload_is_a_gap, s_reload)

static void
s_identical(int live)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;
	char ts[64], line[256];

	/* No sequence numbers: stamp and text are all there is to go by. */
	ft_start(&t, 2, "cisco_ios,cisco_xe",
	    "  r001: {seq_numbers: false, ts_style: msec_tz}\n"
	    "  r002: {seq_numbers: false, ts_style: msec_tz}\n", 16384, "3");
	t.live = live;
	ft_ios_stamp(-30000, ts, sizeof ts);
	snprintf(line, sizeof line, "%s: %%SYS-5-CONFIG_I: Configured from "
	    "console by admin on vty0 (10.9.9.9)", ts);
	for (size_t i = 0; i < t.ndev; i++)
		for (int k = 0; k < 2; k++)
			devsim_ctlf(t.ds, "lograw %s %s", t.dev[i], line);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	/* The same line again, once, then twice, then a run of five. */
	for (int round = 1; round <= 3; round++) {
		for (size_t i = 0; i < t.ndev; i++)
			for (int k = 0; k < (round == 3 ? 5 : round); k++)
				devsim_ctlf(t.ds, "lograw %s %s", t.dev[i], line);
		ft_once(&t, &r, &j);
		ft_expect_all(&t, &r, &j, NULL);
		for (size_t i = 0; i < t.ndev; i++) {
			const struct ch_rec **v;

			cr_expect_eq(ch_dev_recs(&r, t.dev[i], &v),
			    (size_t)(round == 3 ? 5 : round), "round %d %s", round,
			    t.dev[i]);
			free(v);
		}
		ft_done(&r, &j);
	}
	ft_stop_reads(&t);
}

FT_BOTH(identical_lines_each_harvested, s_identical)

static void
s_clock(int live)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;
	char ts[64];

	ft_start(&t, 2, "cisco_ios,cisco_xe",
	    "  r001: {seq_numbers: false, ts_style: msec_tz}\n"
	    "  r002: {seq_numbers: false, ts_style: msec_tz}\n", 16384, "4");
	t.live = live;
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	/* now, an hour ago, now */
	ft_ios_stamp(-3600 * 1000, ts, sizeof ts);
	for (size_t i = 0; i < t.ndev; i++) {
		ft_log(&t, i, 1);
		devsim_ctlf(t.ds, "lograw %s %s: %%SYS-6-CLOCKUPDATE: System clock has been "
		    "updated from 10:00:00 UTC to %s", t.dev[i], ts, ts);
		ft_log(&t, i, 2);
	}
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	/* The cursor now stands on an entry older than the one before it. */
	ft_ios_stamp(-7200 * 1000, ts, sizeof ts);
	for (size_t i = 0; i < t.ndev; i++)
		devsim_ctlf(t.ds, "lograw %s %s: %%SYS-6-CLOCKUPDATE: System clock has been "
		    "updated to %s", t.dev[i], ts, ts);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	for (size_t i = 0; i < t.ndev; i++)
		ft_log(&t, i, 3);
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	for (size_t i = 0; i < t.ndev; i++) {
		const struct ch_rec **v;

		cr_expect_eq(ch_dev_recs(&r, t.dev[i], &v), 1, "%s", t.dev[i]);
		free(v);
	}
	ft_done(&r, &j);
	ft_stop_reads(&t);
}

FT_BOTH(clock_jumping_backwards, s_clock)

/*
 * The same under load: the generator fills a small buffer several times
 * over between polls of a running collector. Whatever it harvests is the
 * journal's lines in order, each once; every line it skips is behind a gap
 * record; and the last poll, after the generator stopped, takes the whole
 * buffer that is left.
 */
Test(collector_faults, wrap_under_load, .timeout = 90)
{
	struct ft t;
	struct ch_recs r = { 0 };
	struct devsim_journal j = { 0 };
	char *out, *log, err[512];
	pid_t pid;
	int rc;

	ft_start(&t, 3, "cisco_ios,cisco_ios,cisco_nxos", mixed_spec, 2048, "5");
	devsim_ctlf(t.ds, "rate all 15");
	{
		struct ch_conf co = { .interval = "2s", .command = "5s",
		    .state_dir = "state-load" };
		char *cfg = ch_config(devsim_dir(t.ds), "load.yaml", &co);
		const char *args[] = { "--config", cfg, "--print", NULL };

		out = xasprintf("%s/load.jsonl", devsim_dir(t.ds));
		log = xasprintf("%s/load.log", devsim_dir(t.ds));
		pid = ch_spawn("loghaul-collector", args, devsim_dir(t.ds), out, log);
		free(cfg);
	}
	cr_assert_gt(pid, 0);
	sleep(7);
	devsim_ctlf(t.ds, "pause");
	sleep(4);
	rc = ch_term(pid, 30);
	cr_expect_eq(rc, 0, "SIGTERM: exit status %d", rc);
	cr_assert_eq(ch_recs_load(out, &r), 0);
	cr_assert_eq(r.bad, 0, "%s", r.badmsg);
	cr_assert_eq(devsim_journal_load(devsim_dir(t.ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	for (size_t i = 0; i < t.ndev; i++) {
		const char *dev = t.dev[i];
		const struct ch_rec **v;
		size_t n = ch_dev_recs(&r, dev, &v), *map = xcalloc(n + 1, sizeof *map);
		size_t *view, nv, maybe, prev = SIZE_MAX, lost = 0, wraps;
		char msg[512];
		int gap_since = 0, seen_line = 0;

		cr_assert_eq(ch_map(v, n, &j, dev, 0, map, msg, sizeof msg), 0,
		    "%s", msg);
		for (size_t k = 0; k < n; k++) {
			if (v[k]->gap) {
				cr_expect_str_eq(v[k]->reason, "wrap", "%s: %s", dev,
				    ch_show(v[k]->line, v[k]->len));
				gap_since = 1;
				continue;
			}
			if (seen_line) {
				size_t skipped = 0;

				for (size_t x = prev + 1; x < map[k]; x++)
					skipped += j.v[x].kind == DEVSIM_J_LINE &&
					    !strcmp(j.v[x].dev, dev);
				lost += skipped;
				cr_expect(skipped == 0 || gap_since, "%s: %zu lines "
				    "skipped before record %zu with no gap record",
				    dev, skipped, k);
				/* With sequence numbers a gap is never a false alarm. */
				if (i == 0)
					cr_expect(!gap_since || skipped > 0, "%s: gap "
					    "before record %zu, nothing lost", dev, k);
			}
			seen_line = 1;
			gap_since = 0;
			prev = map[k];
		}
		wraps = ch_count_gaps(v, n, "wrap");
		cr_expect_gt(wraps, 0, "%s: the buffer never wrapped past the "
		    "cursor (%zu records)", dev, n);
		/* The last poll: everything the buffer still holds. */
		nv = ch_view(&j, dev, t.bsize, t.whole[i], &view, &maybe);
		for (size_t w = 0; w < nv; w++) {
			size_t k;

			for (k = 0; k < n && map[k] != view[w]; k++)
				;
			cr_expect(k < n, "%s: the final buffer's %s was not "
			    "harvested", dev, ch_show(j.v[view[w]].text,
			    j.v[view[w]].len));
		}
		fprintf(stderr, "wrap under load %s: %zu records, %zu gaps, %zu "
		    "lines lost between records\n", dev, n, wraps, lost);
		free(view);
		free(map);
		free(v);
	}
	ft_done(&r, &j);
	free(out);
	free(log);
	ft_stop(&t);
}

/*
 * Incremental reads (live collector, `| begin REGEX`): lines holding every
 * regex metacharacter of the dialects, quotes, and the device's own prompt
 * text; lines that share a long prefix with the cursor's entry (the
 * device's regex then begins earlier, and the reply must not be taken);
 * every platform.
 */
Test(collector_incremental, metacharacters_and_prompt_text, .timeout = 120)
{
	static const char *const prompts[] = { "%s#", "%s#", "%s#", "%s#",
	    "admin@%s>", "RP/0/RSP0/CPU0:%s#" };
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;
	char ts[64], p[64];

	ft_start(&t, 6, "cisco_ios,cisco_xe,cisco_nxos,arista_eos,"
	    "juniper_junos,cisco_xr",
	    "  r001: {seq_numbers: false, ts_style: msec_tz}\n", 16384, "5");
	t.live = 1;
	ft_once(&t, &r, &j);
	ft_expect_all(&t, &r, &j, NULL);
	ft_done(&r, &j);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < t.ndev; i++) {
			snprintf(p, sizeof p, prompts[i], t.dev[i]);
			devsim_ctlf(t.ds, "log %s %%SYS-5-CONFIG_I: Configured from console "
			    "by a.b*c+d?e|f[g]h{1,2}j^k$l\\\\m_n (x) \"q\" 'r' <%d>",
			    t.dev[i], round);
			devsim_ctlf(t.ds, "log %s %%SYS-5-CONFIG_I: Configured from console "
			    "by admin on vty0 %s show logging | begin %s", t.dev[i],
			    p, p);
			devsim_ctlf(t.ds, "log %s %s", t.dev[i], p);
		}
		ft_once(&t, &r, &j);
		ft_expect_all(&t, &r, &j, NULL);
		ft_done(&r, &j);
	}
	/* IOS: same stamp, same long beginning, different ends. */
	ft_ios_stamp(-1000, ts, sizeof ts);
	for (int k = 0; k < 3; k++) {
		devsim_ctlf(t.ds, "lograw r001 %s: %%SYS-5-CONFIG_I: Configured from "
		    "console by admin on vty0 (10.1.1.1) for a change that is "
		    "long enough to pass the filter's length %d", ts, k);
		ft_once(&t, &r, &j);
		ft_expect_all(&t, &r, &j, NULL);
		ft_done(&r, &j);
	}
	ft_stop_reads(&t);
}

/*
 * An old IOS without output modifiers: it refuses `| begin`; the poll reads
 * the whole buffer at once, the collector says so once and from then on
 * reads that device whole, and loses or doubles nothing. Its neighbour
 * reads incrementally, with a full read every 3 polls.
 */
Test(collector_incremental, filter_refused, .timeout = 90)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;

	ft_start(&t, 2, "cisco_ios", "  r001: {faults: [no_output_filter]}\n",
	    16384, "5");
	t.live = 1;
	t.every = 3;
	for (int round = 0; round < 4; round++) {
		if (round > 0)
			for (size_t i = 0; i < t.ndev; i++)
				ft_log(&t, i, round);
		ft_once(&t, &r, &j);
		ft_expect_all(&t, &r, &j, NULL);
		ft_done(&r, &j);
	}
	cr_expect_eq(ch_count_in(t.log, "device=r001 the device refused the "
	    "output filter"), 1);
	cr_expect_eq(ch_count_in(t.log, "device=r002 the device refused"), 0);
	cr_expect_eq(ft_polls(&t, 0, "incremental"), 0);
	cr_expect_eq(ft_polls(&t, 0, "fallback"), 1);
	cr_expect_gt(ft_polls(&t, 1, "incremental"), 0);
	/* and a check now and then: full_read_every 3 over 8 polls or more */
	cr_expect_geq(ft_polls(&t, 1, "full"), 2, "r002: %zu full reads, %zu "
	    "incremental", ft_polls(&t, 1, "full"), ft_polls(&t, 1, "incremental"));
	ft_stop(&t);
}

/*
 * The collector killed (SIGKILL) between polls and started again: the new
 * process reads whole buffers first, from the persisted cursors, then
 * incrementally; records re-sent under ids already printed are what the
 * alert stage drops; beyond those every line arrives once, in order.
 */
Test(collector_incremental, killed_and_restarted, .timeout = 120)
{
	struct ft t;
	struct ch_recs r;
	struct devsim_journal j;

	ft_start(&t, 4, mixed_platforms, mixed_spec, 16384, "5");
	t.live = 1;
	for (int round = 0; round < 5; round++) {
		if (round > 0)
			for (size_t i = 0; i < t.ndev; i++)
				for (int k = 0; k < 3; k++)
					ft_log(&t, i, round * 10 + k);
		if (round == 2 || round == 4)
			ft_kill_restart(&t);
		ft_once(&t, &r, &j);
		ft_expect_all(&t, &r, &j, NULL);
		ft_done(&r, &j);
	}
	ft_stop_reads(&t);
}
