/*
 * Devices' clocks against devsim: devices in America/New_York that log in
 * local time (with and without the zone word) through both DST changes,
 * whose records must carry the true UTC times devsim's journal holds; and
 * IOS XR admin-plane lines, logged between polls, that must come out as
 * entries of their own.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"

/*
 * The last time before `before` (unix s) when New York's offset changed
 * to one with isdst == want_dst, found with libc (not the code under test).
 */
static int64_t
s_last_change(int64_t before, int want_dst)
{
	struct tm tm;
	time_t t;
	int prev = -1;

	setenv("TZ", "America/New_York", 1);
	tzset();
	for (int64_t s = before; s > before - 2 * 366 * 86400LL; s -= 600) {
		t = (time_t)s;
		localtime_r(&t, &tm);
		if (prev >= 0 && tm.tm_isdst != prev && prev == want_dst) {
			/* the change lies in (s, s + 600]: find the second */
			int64_t lo = s, hi = s + 600;

			while (hi - lo > 1) {
				int64_t mid = lo + (hi - lo) / 2;

				t = (time_t)mid;
				localtime_r(&t, &tm);
				if (tm.tm_isdst == want_dst)
					hi = mid;
				else
					lo = mid;
			}
			unsetenv("TZ");
			tzset();
			return hi;
		}
		prev = tm.tm_isdst;
	}
	cr_assert_fail("no DST change in two years");
	return 0;
}

/* devsim over the spec text, written into a new temporary directory. */
static struct devsim *
s_start(const char *spec_text, const char *const *args, char *tmpd,
    char **spec)
{
	char err[512];
	const char *argv[16];
	size_t n = 0;
	struct devsim *ds;
	FILE *f;

	cr_assert_not_null(mkdtemp(tmpd));
	*spec = xasprintf("%s/spec.yaml", tmpd);
	cr_assert_not_null(f = fopen(*spec, "w"));
	fputs(spec_text, f);
	fclose(f);
	argv[n++] = "--spec";
	argv[n++] = *spec;
	for (size_t i = 0; args[i] != NULL && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	ds = devsim_start(argv, err, sizeof err);
	cr_assert_not_null(ds, "%s", err);
	return ds;
}

static void
s_stop(struct devsim **ds, const char *tmpd, char *spec)
{
	cr_expect_eq(devsim_stop(ds), 0, "devsim did not stop cleanly");
	unlink(spec);
	rmdir(tmpd);
	free(spec);
}

static void
s_logat(struct devsim *ds, const char *dev, int64_t t_ms, const char *text)
{
	char cmd[512], reply[128];

	snprintf(cmd, sizeof cmd, "logat %s %lld %s", dev, (long long)t_ms, text);
	cr_assert_eq(devsim_control(ds, cmd, reply, sizeof reply), 0, "%s: %s",
	    cmd, reply);
}

static const char *const zoned_spec =
    "defaults: {rate: 0, timezone: America/New_York}\n"
    "devices:\n"
    "  r001: {platform: cisco_ios, ts_style: msec}\n"
    "  r002: {platform: juniper_junos}\n"
    "  r003: {platform: cisco_xr, ts_style: msec_tz}\n"
    "  r004: {platform: cisco_nxos, ts_style: msec}\n";

Test(device_clock, new_york_local_time_through_dst, .timeout = 90)
{
	char tmpd[] = "/tmp/loghaul-clk-XXXXXX", err[512];
	char *spec, *cfg, *out, *log;
	struct devsim *ds;
	struct devsim_journal j = { 0 };
	struct ch_recs r = { 0 };
	struct ch_conf co = { 0 };
	int64_t now = util_wallms() / 1000 - 2 * 86400;
	int64_t fwd = s_last_change(now, 1), back = s_last_change(now, 0);
	int64_t first = fwd < back ? fwd : back, second = fwd < back ? back : fwd;
	/* either side of each change, and through the hour repeated at the
	 * fall-back (seconds from the change) */
	static const int at[] = { -3700, -1800, -61, 59, 1250, 2400, 3500, 3700 };
	const char *args[] = { "--devices", "4", "--seed", "3", NULL };

	ds = s_start(zoned_spec, args, tmpd, &spec);
	for (int pass = 0; pass < 2; pass++) {
		int64_t base = pass == 0 ? first : second;

		for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
			int64_t t = (base + at[i]) * 1000 + 123 * (int64_t)i;
			char text[160];

			snprintf(text, sizeof text, "%%SYS-5-CONFIG_I: Configured "
			    "from console by admin on vty0 (10.0.%d.%zu)", pass, i);
			s_logat(ds, "r001", t, text);
			s_logat(ds, "r004", t, text);
			snprintf(text, sizeof text, "config[65710]: %%MGBL-CONFIG-6-"
			    "DB_COMMIT : Configuration committed by user 'admin'. "
			    "pass %d step %zu", pass, i);
			s_logat(ds, "r003", t, text);
			snprintf(text, sizeof text, "mgd[4411]: UI_COMMIT: User "
			    "'admin' requested 'commit' operation (pass %d step %zu)",
			    pass, i);
			s_logat(ds, "r002", (base + at[i]) * 1000, text);
		}
	}
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	out = xasprintf("%s/out.jsonl", devsim_dir(ds));
	log = xasprintf("%s/once.log", devsim_dir(ds));
	cr_assert_eq(ch_once(cfg, out, log, 60), 0, "collector failed: %s",
	    ch_slurp(log, &(size_t){ 0 }));
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out, &r), 0);
	cr_assert_eq(r.bad, 0, "%s", r.badmsg);
	for (int k = 1; k <= 4; k++) {
		char dev[16], msg[512];
		const struct ch_rec **v;
		size_t n, *map;

		snprintf(dev, sizeof dev, "r%03d", k);
		n = ch_dev_recs(&r, dev, &v);
		cr_assert_eq(n, 16, "%s: %zu records, want 16", dev, n);
		map = calloc(n, sizeof *map);
		cr_assert_eq(ch_map(v, n, &j, dev, 0, map, msg, sizeof msg), 0,
		    "%s: %s", dev, msg);
		for (size_t i = 0; i < n; i++)
			cr_expect_eq(v[i]->ts_ms, j.v[map[i]].t, "%s record %zu "
			    "(%s): ts_ms %lld, journal %lld (off by %lld s)", dev, i,
			    ch_show(v[i]->line, v[i]->len), (long long)v[i]->ts_ms,
			    (long long)j.v[map[i]].t,
			    (long long)(v[i]->ts_ms - j.v[map[i]].t) / 1000);
		free(map);
		free(v);
	}
	ch_recs_free(&r);
	devsim_journal_free(&j);
	free(cfg);
	free(out);
	free(log);
	s_stop(&ds, tmpd, spec);
}

/* "0/RSP0/ADMIN0:Dec  7 03:50:01.123 UTC: " for now, as devsim's XR writes it. */
static void
s_admin_line(char *out, size_t len, const char *what)
{
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int64_t ms = util_wallms();
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "0/RSP0/ADMIN0:%s %2d %02d:%02d:%02d.%03d UTC: "
	    "wd_diskmon[3204]: %%INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN : "
	    "Sysadmin: Device: /var/log Usage %%: 84 , State: MINOR, MINOR "
	    "Threshold %%: 80 (%s)", mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000), what);
}

/* The records of dev in r are its journal lines [skip, upto), in order. */
static void
s_expect_lines(const struct ch_recs *r, const struct devsim_journal *j,
    const char *dev, size_t skip, size_t upto)
{
	const struct ch_rec **v;
	size_t *jl, *map, n = ch_dev_recs(r, dev, &v), nj = ch_jlines(j, dev, &jl);
	char msg[512];

	nj = upto < nj ? upto : nj;
	cr_expect_eq(n, nj - skip, "%s: %zu records, want %zu", dev, n, nj - skip);
	map = calloc(n + 1, sizeof *map);
	cr_expect_eq(ch_map(v, n, j, dev, jl[skip], map, msg, sizeof msg), 0,
	    "%s: %s", dev, msg);
	for (size_t i = 0; i < n && skip + i < nj; i++)
		cr_expect_eq(map[i], jl[skip + i], "%s record %zu is not journal "
		    "line %zu", dev, i, skip + i);
	free(map);
	free(v);
	free(jl);
}

Test(device_clock, xr_admin_plane_lines_across_polls, .timeout = 90)
{
	char err[512], line[512];
	char *cfg, *out1, *out2, *log;
	struct devsim *ds;
	struct devsim_journal j = { 0 };
	struct ch_recs r1 = { 0 }, r2 = { 0 };
	struct ch_conf co = { 0 };
	size_t nadmin = 0, *jl, nj;
	const char *args[] = { "--devices", "1", "--rate", "0", "--prefill",
	    "150", "--seed", "5", "--platforms", "cisco_xr", "--buffer-size",
	    "1M", NULL };

	ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	out1 = xasprintf("%s/out1.jsonl", devsim_dir(ds));
	out2 = xasprintf("%s/out2.jsonl", devsim_dir(ds));
	log = xasprintf("%s/once.log", devsim_dir(ds));
	cr_assert_eq(ch_once(cfg, out1, log, 60), 0);
	/* admin-plane lines logged right after the entry sent last */
	s_admin_line(line, sizeof line, "first");
	{
		char cmd[700];

		snprintf(cmd, sizeof cmd, "lograw r001 %s", line);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		s_admin_line(line, sizeof line, "second");
		snprintf(cmd, sizeof cmd, "lograw r001 %s", line);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		cr_assert_eq(devsim_control(ds, "log r001 config[65710]: "
		    "%MGBL-CONFIG-6-DB_COMMIT : Configuration committed by user "
		    "'admin'.", NULL, 0), 0);
	}
	cr_assert_eq(ch_once(cfg, out2, log, 60), 0);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out1, &r1), 0);
	cr_assert_eq(ch_recs_load(out2, &r2), 0);
	nj = ch_jlines(&j, "r001", &jl);
	cr_assert_eq(nj, 153);
	for (size_t i = 0; i < nj; i++)
		nadmin += strstr(j.v[jl[i]].text, "0/RSP0/ADMIN0:") != NULL;
	cr_assert_geq(nadmin, 5, "devsim's XR logged %zu admin-plane lines",
	    nadmin);
	free(jl);
	s_expect_lines(&r1, &j, "r001", 0, 150);
	s_expect_lines(&r2, &j, "r001", 150, nj);
	ch_recs_free(&r1);
	ch_recs_free(&r2);
	devsim_journal_free(&j);
	free(cfg);
	free(out1);
	free(out2);
	free(log);
	cr_expect_eq(devsim_stop(&ds), 0, "devsim did not stop cleanly");
}

/* ---- clock skew ----------------------------------------------------------- */

/* The skew gauge of dev in text, in seconds; NAN when absent. */
static double
s_skew(const char *text, const char *dev)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof pat, "\nloghaul_collector_clock_skew_seconds"
	    "{device=\"%s\"} ", dev);
	p = text ? strstr(text, pat) : NULL;
	return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static const char *const skew_spec =
    "defaults: {rate: 0}\n"
    "devices:\n"
    "  r001: {platform: cisco_ios, clock_offset: 95s}\n"
    "  r002: {platform: juniper_junos, clock_offset: -42s}\n"
    "  r003: {platform: arista_eos, timezone: America/New_York, clock_offset: -20s}\n"
    "  r004: {platform: cisco_xr, timezone: Europe/Berlin, clock_offset: 3s}\n"
    "  r005: {platform: cisco_nxos}\n"
    "  r006: {platform: cisco_ios, timezone: Africa/Nairobi}\n";

/* Take r006's timezone out of devsim's inventory: a device whose zone
 * nobody configured, stamping "EAT", a word no built-in table knows. */
static void
s_forget_zone(const char *dir)
{
	static const char key[] = "    loghaul:\n      timezone: Africa/Nairobi\n";
	char *path = xasprintf("%s/hosts.yaml", dir), *text, *at;
	size_t len;
	FILE *f;

	text = ch_slurp(path, &len);
	cr_assert_not_null(text);
	at = strstr(text, key);
	cr_assert_not_null(at, "%s", text);
	memmove(at, at + sizeof key - 1, strlen(at + sizeof key - 1) + 1);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	free(text);
	free(path);
}

Test(device_clock, skew_measured_reported_and_logged, .timeout = 90)
{
	static const struct { const char *dev; double skew; int logged; } want[] = {
		{ "r001", 95, 1 }, { "r002", -42, 1 }, { "r003", -20, 1 },
		{ "r004", 3, 0 }, { "r005", 0, 0 }, { "r006", 0, 0 },
	};
	struct devsim_journal j = { 0 };
	struct ch_recs r = { 0 };
	const struct ch_rec **v;
	size_t n, map[3];
	char err[256], msg[512];
	char tmpd[] = "/tmp/loghaul-skew-XXXXXX", extra[160];
	char *spec, *cfg, *out, *log, *text = NULL, *logtext;
	struct devsim *ds;
	struct ch_conf co = { 0 };
	struct proc pc;
	int port, done = 0;
	size_t len;
	const char *dargs[] = { "--devices", "6", "--prefill", "3", NULL };

	ds = s_start(skew_spec, dargs, tmpd, &spec);
	s_forget_zone(devsim_dir(ds));
	/* port 0: the collector binds a free one and names it in its ready file */
	snprintf(extra, sizeof extra, "  metrics: 127.0.0.1:0\n"
	    "  clock: {check: 1h, skew_warn: 10s}\n");
	co.collector_extra = extra;
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	out = xasprintf("%s/out.jsonl", devsim_dir(ds));
	log = xasprintf("%s/collector.log", devsim_dir(ds));
	{
		char bin[512], *ready = xasprintf("%s/collector.ready",
		    devsim_dir(ds));
		char *const args[] = { proc_bin(bin, sizeof bin,
		    "loghaul-collector"), "--config", cfg, "--print", NULL };

		cr_assert_eq(proc_spawn_io(&pc, args, out, log, ready,
		    devsim_dir(ds)), 0);
		free(ready);
	}
	cr_assert_eq(proc_wait_ready(&pc, 30), 0, "the collector did not start");
	port = proc_ready_value(&pc, "metrics");
	cr_assert_gt(port, 0);
	for (double end = util_monotime() + 30; !done && util_monotime() < end;) {
		free(text);
		text = proc_metrics(port);
		done = 1;
		for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
			done &= !isnan(s_skew(text, want[i].dev));
		if (!done)
			usleep(200 * 1000);
	}
	cr_assert_eq(proc_stop(&pc, SIGTERM, 30), 0);
	cr_assert(done, "not every device's skew in:\n%s", text ? text : "(none)");
	logtext = ch_slurp(log, &len);
	cr_assert_not_null(logtext);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		double got = s_skew(text, want[i].dev);
		char pat[64];

		/* the clock is read to a few ms over loopback; allow 1.5 s */
		cr_expect(fabs(got - want[i].skew) < 1.5, "%s: skew %.3f s, want "
		    "%.0f s", want[i].dev, got, want[i].skew);
		snprintf(pat, sizeof pat, "device=%s clock is ", want[i].dev);
		cr_expect_eq(strstr(logtext, pat) != NULL, want[i].logged,
		    "%s: logged %d, want %d:\n%s", want[i].dev,
		    strstr(logtext, pat) != NULL, want[i].logged, logtext);
	}
	/* a zoned clock whose timezone is configured needs no hint */
	cr_expect_null(strstr(logtext, "device=r003 its clock is at"), "%s", logtext);
	/* one nobody configured: named, and its zone word learned from the
	 * clock, so that its records still carry true UTC */
	cr_expect_not_null(strstr(logtext, "device=r006 its clock shows zone EAT "
	    "at +03:00"), "%s", logtext);
	cr_expect_not_null(strstr(logtext, "device=r006 its clock is at +03:00 "
	    "(EAT) but no data.loghaul.timezone"), "%s", logtext);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), "r006", &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out, &r), 0);
	n = ch_dev_recs(&r, "r006", &v);
	cr_assert_eq(n, 3, "r006: %zu records", n);
	cr_assert_eq(ch_map(v, n, &j, "r006", 0, map, msg, sizeof msg), 0, "%s", msg);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(v[i]->ts_ms, j.v[map[i]].t, "r006 record %zu (%s): "
		    "%lld, journal %lld", i, ch_show(v[i]->line, v[i]->len),
		    (long long)v[i]->ts_ms, (long long)j.v[map[i]].t);
	free(v);
	ch_recs_free(&r);
	devsim_journal_free(&j);
	free(logtext);
	free(text);
	free(cfg);
	free(out);
	free(log);
	s_stop(&ds, tmpd, spec);
}
