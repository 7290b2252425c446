/*
 * The collector daemon against devsim: a fleet of 200 devices, some of
 * them faulty, polled continuously for several intervals; every line each
 * healthy device logged comes out of --print once, in order, byte for
 * byte, and the faulty ones fail cleanly without holding the others up.
 * Also --once: exit status, summary, and what happens without analyzers.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc.h"

/* Faulty devices of the fleet test; the others must be harvested exactly. */
static const struct {
	const char *dev, *fault, *reason;	/* reason: the log's reason= */
} faulty[] = {
	{ "r010", "wrong_password", "authentication failed" },
	{ "r020", "hang_mid_line", "timed out" },
	{ "r021", "hang_mid_line", "timed out" },
	{ "r030", "drop_mid_output", "connection closed by peer" },
	{ "r031", "drop_mid_output", "connection closed by peer" },
	{ "r050", "slow_output", NULL },
};

/* Faults that must not cost a line: harvested as exactly as the rest. */
static const char *const harmless_spec =
    "  r040: {faults: [garbage_bytes]}\n"
    "  r041: {faults: [garbage_bytes], platform: cisco_nxos}\n"
    "  r060: {faults: [no_paging_off]}\n"
    "  r061: {faults: [no_paging_off], platform: cisco_xr}\n"
    "  r062: {faults: [no_paging_off], platform: arista_eos}\n"
    "  r100: {platform: cisco_ios, seq_numbers: false, ts_style: unsync_star}\n"
    "  r101: {platform: cisco_ios, seq_numbers: false, ts_style: leading_dot}\n"
    "  r102: {platform: cisco_xe, ts_style: nomsec}\n"
    "  r103: {platform: cisco_ios, seq_numbers: false, ts_style: msec}\n";

static int
s_faulty(const char *dev)
{
	for (size_t i = 0; i < sizeof faulty / sizeof faulty[0]; i++)
		if (!strcmp(faulty[i].dev, dev))
			return (int)i;
	return -1;
}

static char *
s_write_spec(const char *dir)
{
	char *path = xasprintf("%s/spec.yaml", dir);
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fprintf(f, "devices:\n");
	for (size_t i = 0; i < sizeof faulty / sizeof faulty[0]; i++)
		fprintf(f, "  %s: {faults: [%s]}\n", faulty[i].dev, faulty[i].fault);
	fputs(harmless_spec, f);
	fclose(f);
	return path;
}

/* Healthy devices' successful polls logged within [from, to] (unix ms). */
static void
s_polls_in(const char *log, int64_t from, int64_t to, unsigned *count,
    size_t ndev)
{
	FILE *f = fopen(log, "r");
	char *line = NULL;
	size_t cap = 0;

	cr_assert_not_null(f);
	memset(count, 0, ndev * sizeof *count);
	while (getline(&line, &cap, f) > 0) {
		const char *p = strstr(line, "device=r");
		int64_t t = ch_log_ms(line);
		unsigned idx;

		if (p == NULL || strstr(p, " poll ok ") == NULL || t < from || t > to)
			continue;
		if (sscanf(p, "device=r%u", &idx) == 1 && idx >= 1 && idx <= ndev)
			count[idx - 1]++;
	}
	free(line);
	fclose(f);
}

/* The log line of dev's first failure: its time and duration. */
static int
s_first_failure(const char *log, const char *dev, const char *reason,
    int64_t *t, double *secs)
{
	FILE *f = fopen(log, "r");
	char *line = NULL, pat[64];
	size_t cap = 0;
	int found = 0;

	cr_assert_not_null(f);
	snprintf(pat, sizeof pat, "device=%s poll failed reason=", dev);
	while (!found && getline(&line, &cap, f) > 0) {
		const char *p = strstr(line, pat), *s;

		if (p == NULL || (reason && strncmp(p + strlen(pat), reason,
		    strlen(reason)) != 0))
			continue;
		*t = ch_log_ms(line);
		*secs = (s = strstr(p, "seconds=")) ? strtod(s + 8, NULL) : -1;
		found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

Test(collector, fleet_of_200_harvested_exactly, .timeout = 150)
{
	enum { NDEV = 200 };
	char tmpd[] = "/tmp/loghaul-ctest-XXXXXX", err[512], msg[1024];
	char *spec, *cfg, *out, *log;
	struct devsim *ds;
	struct devsim_journal j = { 0 };
	struct ch_recs r = { 0 };
	struct ch_conf co = { .interval = "1s", .command = "3s",
	    .max_sessions = 64 };
	unsigned polls[NDEV];
	size_t total = 0, exact = 0;
	pid_t pid;
	int rc;

	cr_assert_not_null(mkdtemp(tmpd));
	spec = s_write_spec(tmpd);
	{
		const char *args[] = { "--devices", "200", "--rate", "0.5",
		    "--prefill", "10", "--seed", "5", "--flap-every", "6",
		    "--spec", spec, "--platforms",
		    "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr",
		    NULL };

		ds = devsim_start(args, err, sizeof err);
	}
	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	out = xasprintf("%s/records.jsonl", devsim_dir(ds));
	log = xasprintf("%s/collector.log", devsim_dir(ds));
	{
		const char *args[] = { "--config", cfg, "--print", "-v", NULL };

		pid = ch_spawn("loghaul-collector", args, devsim_dir(ds), out, log);
	}
	cr_assert_gt(pid, 0);
	/* Several intervals with traffic, then one more with none. */
	sleep(8);
	cr_assert_eq(devsim_control(ds, "pause", NULL, 0), 0);
	sleep(3);
	rc = ch_term(pid, 40);
	cr_expect_eq(rc, 0, "SIGTERM: the collector exits 0 (got %d)", rc);

	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out, &r), 0);
	cr_assert_eq(r.bad, 0, "%zu bad JSON lines, first: %s", r.bad, r.badmsg);

	for (unsigned k = 1; k <= NDEV; k++) {
		char dev[16];
		const struct ch_rec **v;
		size_t *jl, n, nj;
		int fi;

		snprintf(dev, sizeof dev, "r%03u", k);
		n = ch_dev_recs(&r, dev, &v);
		nj = ch_jlines(&j, dev, &jl);
		fi = s_faulty(dev);
		total += n;
		for (size_t i = 0; i < n; i++) {
			const char *res = ch_residue(v[i]);

			cr_expect_null(res, "%s record %zu holds residue (%s): %s", dev,
			    i, res, ch_show(v[i]->line, v[i]->len));
			cr_expect(i == 0 || v[i]->id > v[i - 1]->id,
			    "%s ids not increasing at %zu", dev, i);
		}
		if (fi >= 0 && faulty[fi].reason) {
			char pat[160];

			/* Nothing at all from a device whose polls never finish. */
			cr_expect_eq(n, 0, "%s (%s): %zu records forwarded", dev,
			    faulty[fi].fault, n);
			snprintf(pat, sizeof pat, "device=%s poll failed reason=%s",
			    dev, faulty[fi].reason);
			cr_expect_geq(ch_count_in(log, pat), 1,
			    "%s (%s): no '%s' in the log", dev, faulty[fi].fault, pat);
		} else {
			/* Every line, once, in order, byte for byte. A slow device
			 * may still have been in a poll at the stop: a prefix. */
			int slow = fi >= 0;

			cr_expect_eq(ch_count_gaps(v, n, NULL), 0, "%s: gap records",
			    dev);
			if (slow)
				cr_expect(n >= 10 && n <= nj, "%s (slow): %zu records, "
				    "journal %zu", dev, n, nj);
			else
				cr_expect_eq(n, nj, "%s: %zu records, journal has %zu "
				    "lines", dev, n, nj);
			for (size_t i = 0; i < n && i < nj; i++) {
				const struct devsim_jentry *e = &j.v[jl[i]];

				if (v[i]->len != e->len ||
				    memcmp(v[i]->line, e->text, e->len) != 0) {
					cr_expect_fail("%s line %zu differs:\n got  %s\n "
					    "want %s", dev, i, ch_show(v[i]->line,
					    v[i]->len), ch_show(e->text, e->len));
					break;
				}
			}
			exact += !slow && n == nj;
		}
		free(v);
		free(jl);
	}
	cr_expect_eq(exact, NDEV - sizeof faulty / sizeof faulty[0],
	    "%zu devices harvested exactly", exact);

	/*
	 * The others kept their schedule: while a hung device's poll waited
	 * for its timeout, every healthy device finished polls.
	 */
	{
		int64_t t = 0;
		double secs;
		size_t starved = 0;

		cr_assert(s_first_failure(log, "r020", "timed out", &t, &secs),
		    "no timeout logged for r020");
		cr_assert_gt(secs, 2.0, "hang reported after %.3f s", secs);
		s_polls_in(log, t - (int64_t)(secs * 1000), t, polls, NDEV);
		msg[0] = '\0';
		for (unsigned k = 1; k <= NDEV; k++) {
			char dev[16];

			snprintf(dev, sizeof dev, "r%03u", k);
			if (s_faulty(dev) >= 0 || polls[k - 1] > 0)
				continue;
			starved++;
			if (strlen(msg) < sizeof msg - 8)
				strcat(msg, dev), strcat(msg, " ");
		}
		cr_expect_eq(starved, 0, "%zu healthy devices were not polled "
		    "during r020's %.1f s hang: %s", starved, secs, msg);
	}
	fprintf(stderr, "collector fleet: %zu records from %d devices, %zu "
	    "journal entries\n", total, NDEV, j.len);

	ch_recs_free(&r);
	devsim_journal_free(&j);
	free(cfg);
	free(out);
	free(log);
	devsim_stop(&ds);
	unlink(spec);
	rmdir(tmpd);
	free(spec);
}

static const char *const six_platforms =
    "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr";

/* The records of dev in out equal its journal lines [skip, end). */
static void
s_expect_lines(const struct ch_recs *r, const struct devsim_journal *j,
    const char *dev, size_t skip)
{
	const struct ch_rec **v;
	size_t *jl, n = ch_dev_recs(r, dev, &v), nj = ch_jlines(j, dev, &jl);

	cr_expect_eq(n, nj - skip, "%s: %zu records, want %zu", dev, n,
	    nj - skip);
	for (size_t i = 0; i < n && skip + i < nj; i++) {
		const struct devsim_jentry *e = &j->v[jl[skip + i]];

		cr_expect(v[i]->len == e->len && !memcmp(v[i]->line, e->text,
		    e->len), "%s record %zu: %s, want %s", dev, i,
		    ch_show(v[i]->line, v[i]->len), ch_show(e->text, e->len));
	}
	free(v);
	free(jl);
}

Test(collector, once_exit_status_summary_and_cursor, .timeout = 90)
{
	char tmpd[] = "/tmp/loghaul-ctest-XXXXXX", err[512], want[128];
	char *spec, *cfg, *out1, *out2, *log1, *log2, *text;
	struct devsim *ds;
	struct devsim_journal j = { 0 };
	struct ch_recs r1 = { 0 }, r2 = { 0 };
	struct ch_conf co = { 0 };
	size_t total = 0, len;
	FILE *f;

	cr_assert_not_null(mkdtemp(tmpd));
	spec = xasprintf("%s/spec.yaml", tmpd);
	cr_assert_not_null(f = fopen(spec, "w"));
	fprintf(f, "devices:\n  r003: {faults: [wrong_password]}\n");
	fclose(f);
	{
		const char *args[] = { "--devices", "6", "--rate", "0",
		    "--prefill", "5", "--seed", "9", "--spec", spec,
		    "--platforms", six_platforms, NULL };

		ds = devsim_start(args, err, sizeof err);
	}
	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	out1 = xasprintf("%s/out1.jsonl", devsim_dir(ds));
	out2 = xasprintf("%s/out2.jsonl", devsim_dir(ds));
	log1 = xasprintf("%s/once1.log", devsim_dir(ds));
	log2 = xasprintf("%s/once2.log", devsim_dir(ds));

	/* One device refuses the password: exit status 1, named in the table. */
	cr_assert_eq(ch_once(cfg, out1, log1, 60), 1);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out1, &r1), 0);
	cr_assert_eq(r1.bad, 0, "%s", r1.badmsg);
	for (int k = 1; k <= 6; k++) {
		char dev[16];
		size_t *jl;

		snprintf(dev, sizeof dev, "r%03d", k);
		if (k == 3) {
			const struct ch_rec **v;

			cr_expect_eq(ch_dev_recs(&r1, dev, &v), 0);
			free(v);
			continue;
		}
		total += ch_jlines(&j, dev, &jl);
		free(jl);
		s_expect_lines(&r1, &j, dev, 0);
	}
	text = ch_slurp(log1, &len);
	cr_assert_not_null(text);
	cr_expect_not_null(strstr(text, "DEVICE"), "no summary table:\n%s", text);
	cr_expect_not_null(strstr(text, "r003                     FAILED"),
	    "r003 not FAILED in:\n%s", text);
	cr_expect_not_null(strstr(text, "authentication failed"), "%s", text);
	snprintf(want, sizeof want, "5 ok, 1 failed, %zu new records", total);
	cr_expect_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(text);

	/* Fixed, plus one new line elsewhere: exit 0, only what is new. */
	cr_assert_eq(devsim_control(ds, "fault r003 wrong_password off", NULL, 0), 0);
	cr_assert_eq(devsim_control(ds, "log r001 %SYS-5-CONFIG_I: Configured "
	    "from console by admin on vty0 (10.0.0.9)", NULL, 0), 0);
	cr_assert_eq(ch_once(cfg, out2, log2, 60), 0);
	devsim_journal_free(&j);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(ch_recs_load(out2, &r2), 0);
	s_expect_lines(&r2, &j, "r003", 0);
	{
		size_t *jl, nj = ch_jlines(&j, "r001", &jl);

		free(jl);
		s_expect_lines(&r2, &j, "r001", nj - 1);
		total = nj + 0;
	}
	for (int k = 2; k <= 6; k++) {
		char dev[16];
		const struct ch_rec **v;

		snprintf(dev, sizeof dev, "r%03d", k);
		if (k != 3)
			cr_expect_eq(ch_dev_recs(&r2, dev, &v), 0,
			    "%s: re-harvested after the cursor was saved", dev);
		else
			(void)ch_dev_recs(&r2, dev, &v);
		free(v);
	}
	text = ch_slurp(log2, &len);
	{
		size_t *jl, n3 = ch_jlines(&j, "r003", &jl);

		free(jl);
		snprintf(want, sizeof want, "6 ok, 0 failed, %zu new records",
		    n3 + 1);
	}
	cr_expect_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
	free(text);

	ch_recs_free(&r1);
	ch_recs_free(&r2);
	devsim_journal_free(&j);
	free(cfg);
	free(out1);
	free(out2);
	free(log1);
	free(log2);
	devsim_stop(&ds);
	unlink(spec);
	rmdir(tmpd);
	free(spec);
}

Test(collector, once_without_analyzer_fails_clearly, .timeout = 60)
{
	char err[512];
	char *cfg, *log, *bin, *text;
	struct devsim *ds;
	struct ch_conf co = { .ack_timeout = "2s" };
	size_t len;
	int rc;
	const char *args[] = { "--devices", "3", "--rate", "0", "--prefill", "4",
	    NULL };

	ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	log = xasprintf("%s/once.log", devsim_dir(ds));
	bin = ch_bin("loghaul-collector");
	{
		const char *argv[] = { bin, "--config", cfg, "--once", NULL };

		rc = devsim_run(argv, NULL, NULL, log, 30);
	}
	text = ch_slurp(log, &len);
	cr_assert_not_null(text);
	/* Polled fine, delivered nothing: that is a failure, and it says so. */
	cr_expect_eq(rc, 1, "exit status %d:\n%s", rc, text);
	cr_expect_not_null(strstr(text, "holding records back: no analyzer"),
	    "%s", text);
	cr_expect_not_null(strstr(text, "records not delivered: no analyzer"),
	    "%s", text);
	cr_expect_not_null(strstr(text, "0 ok, 3 failed"), "%s", text);
	free(text);
	free(bin);
	free(cfg);
	free(log);
	devsim_stop(&ds);
}

Test(collector, once_pushes_through_analyzer, .timeout = 90)
{
	char err[512], *want = NULL, *got = NULL;
	char *cfg, *log, *bin, *text;
	struct devsim *ds;
	struct pipeline *p;
	struct pipeline_opts po = { .analyzers = 1 };
	struct ch_conf co = { .ack_timeout = "3s" };
	size_t len, nwant, ngot;
	int rc;
	const char *args[] = { "--devices", "4", "--rate", "0", "--prefill", "3",
	    "--platforms", "cisco_ios,cisco_nxos,juniper_junos,cisco_xr", NULL };

	ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &po, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	/* Same layout as the pipeline's file, with this test's settings. */
	cfg = ch_config(devsim_dir(ds), "loghaul.yaml", &co);
	cr_assert_str_eq(cfg, pipeline_config(p));
	cr_assert_eq(pipeline_start(p, PL_ALERTS, 0), 0);
	cr_assert_eq(pipeline_start(p, PL_ANALYZER, 0), 0);
	cr_assert_eq(devsim_control(ds, "flap r001 GigabitEthernet0/1 down", NULL,
	    0), 0);
	cr_assert_eq(devsim_control(ds, "flap r002 Ethernet1/2 down", NULL, 0), 0);
	cr_assert_eq(devsim_control(ds, "flap r002 Ethernet1/2 up", NULL, 0), 0);
	cr_assert_eq(devsim_control(ds, "flap r004 GigabitEthernet0/0/0/1 "
	    "admin_down", NULL, 0), 0);

	/* Started at once: the analyzer may connect after the first polls. */
	log = xasprintf("%s/once.log", devsim_dir(ds));
	bin = ch_bin("loghaul-collector");
	{
		const char *argv[] = { bin, "--config", cfg, "--once", NULL };

		rc = devsim_run(argv, NULL, NULL, log, 60);
	}
	text = ch_slurp(log, &len);
	cr_expect_eq(rc, 0, "exit status %d:\n%s", rc, text);
	cr_expect_not_null(strstr(text, "4 ok, 0 failed"), "%s", text);
	free(text);
	nwant = pipeline_expected(ds, &want);
	cr_assert_eq(nwant, 4);
	pipeline_wait_alerts(p, nwant, 1, 30);
	ngot = pipeline_actual(p, &got);
	cr_expect_eq(ngot, nwant);
	cr_expect_str_eq(got, want, "--- got\n%s--- want\n%s", got, want);
	free(want);
	free(got);
	free(bin);
	free(cfg);
	free(log);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/* stdout that cannot be written: stop, exit 1, and deliver nothing. */
Test(collector, print_write_failure_stops_without_advancing, .timeout = 60)
{
	char err[512], *cfg, *log, *out, *text;
	struct devsim *ds;
	struct devsim_journal j = { 0 };
	struct ch_recs r = { 0 };
	struct ch_conf co = { 0 };
	size_t len;
	pid_t pid;
	int rc;
	const char *args[] = { "--devices", "2", "--rate", "0", "--prefill", "4",
	    NULL };

	ds = devsim_start(args, err, sizeof err);
	cr_assert_not_null(ds, "%s", err);
	cfg = ch_config(devsim_dir(ds), "c.yaml", &co);
	log = xasprintf("%s/full.log", devsim_dir(ds));
	out = xasprintf("%s/out.jsonl", devsim_dir(ds));
	{
		const char *a[] = { "--config", cfg, "--print", NULL };

		pid = ch_spawn("loghaul-collector", a, devsim_dir(ds), "/dev/full",
		    log);
	}
	rc = ch_wait(pid, 30);
	text = ch_slurp(log, &len);
	cr_expect_eq(rc, 1, "exit status %d\n%s", rc, text);
	cr_expect_not_null(strstr(text, "writing records to stdout: No space "
	    "left on device; stopping"), "%s", text);
	free(text);
	/* The cursors did not move: a working run prints every line. */
	cr_assert_eq(ch_once(cfg, out, NULL, 30), 0);
	cr_assert_eq(ch_recs_load(out, &r), 0);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err,
	    sizeof err), 0, "%s", err);
	s_expect_lines(&r, &j, "r001", 0);
	s_expect_lines(&r, &j, "r002", 0);
	ch_recs_free(&r);
	devsim_journal_free(&j);
	free(cfg);
	free(log);
	free(out);
	devsim_stop(&ds);
}

/*
 * SIGHUP: a valid new configuration (more devices) is taken after a drain,
 * on the same TCP ports; a broken one is refused and the running one kept.
 * Nothing is lost across the restart. The collector binds port 0 for push
 * and acks at its first start; the analyzer and the reloaded collector are
 * given the ports it reported.
 */
Test(collector, sighup_reload_and_refusal, .timeout = 120)
{
	const char *args[] = { "--devices", "4", "--rate", "2", "--seed", "13",
	    "--prefill", "3", "--flap-every", "2", "--buffer-size", "256k",
	    "--platforms", "cisco_ios,cisco_nxos,arista_eos,cisco_xr", NULL };
	char err[512], push[64], acks[64], *cfg, *log, *want = NULL, *got = NULL;
	struct devsim *ds = devsim_start(args, err, sizeof err);
	struct pipeline_opts po = { .analyzers = 1 };
	struct ch_conf o = { .push = "tcp://127.0.0.1:*",
	    .acks = "tcp://127.0.0.1:*", .hosts = "hosts-a.yaml",
	    .collector_extra = "  metrics: 127.0.0.1:0\n" };
	struct pipeline *p;
	size_t nwant, ngot;
	pid_t pid;
	FILE *f;
	int pport, aport, mport;
	double acked = 0;

	cr_assert_not_null(ds, "%s", err);
	/* First only r001 and r002. */
	{
		char *hp = xasprintf("%s/hosts-a.yaml", devsim_dir(ds));

		cr_assert_not_null(f = fopen(hp, "w"));
		for (int i = 1; i <= 2; i++) {
			char dev[16];

			snprintf(dev, sizeof dev, "r%03d", i);
			fprintf(f, "%s:\n  hostname: 127.0.0.1\n  port: %d\n"
			    "  username: admin\n  password: admin\n  platform: %s\n",
			    dev, devsim_port(ds, dev), devsim_platform(ds, dev));
		}
		fclose(f);
		free(hp);
	}
	p = pipeline_new(ds, &po, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cfg = ch_config(devsim_dir(ds), "loghaul.yaml", &o);
	cr_assert_str_eq(cfg, pipeline_config(p));
	cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	pid = pipeline_pid(p, PL_COLLECTOR, 0);
	pport = pipeline_port(p, PL_COLLECTOR, 0, "push", 20);
	aport = pipeline_port(p, PL_COLLECTOR, 0, "acks", 20);
	cr_assert_gt(pport, 0, "no push port in the ready file");
	cr_assert_gt(aport, 0, "no acks port in the ready file");
	snprintf(push, sizeof push, "tcp://127.0.0.1:%d", pport);
	snprintf(acks, sizeof acks, "tcp://127.0.0.1:%d", aport);
	o.push = push;
	o.acks = acks;
	free(ch_config(devsim_dir(ds), "loghaul.yaml", &o));
	cr_assert_eq(pipeline_start(p, PL_ALERTS, 0), 0);
	cr_assert_eq(pipeline_start(p, PL_ANALYZER, 0), 0);
	log = xasprintf("%s/collector-0.log", devsim_dir(ds));
	sleep(3);
	o.hosts = NULL;
	free(ch_config(devsim_dir(ds), "loghaul.yaml", &o));
	cr_assert_eq(kill(pid, SIGHUP), 0);
	sleep(3);
	cr_expect_gt(ch_count_in(log, "devices=4 of 4"), 0, "not reloaded");
	cr_assert_not_null(f = fopen(cfg, "a"));
	fprintf(f, "collector: {interval: 1s}\n");	/* a duplicate key */
	fclose(f);
	cr_assert_eq(kill(pid, SIGHUP), 0);
	sleep(3);
	cr_expect_gt(ch_count_in(log, "SIGHUP: keeping the running "
	    "configuration"), 0, "the broken file was not refused");
	cr_expect_eq(ch_count_in(log, "devices=4 of 4"), 1, "restarted on a "
	    "broken file");
	cr_expect_eq(ch_count_in(log, "Address already in use"), 0);
	cr_assert_eq(devsim_control(ds, "pause", NULL, 0), 0);
	nwant = pipeline_expected(ds, &want);
	cr_assert_gt(nwant, 5);
	pipeline_wait_alerts(p, nwant, 3, 60);
	ngot = pipeline_actual(p, &got);
	cr_expect_eq(ngot, nwant);
	cr_expect_str_eq(got, want, "--- got\n%s--- want\n%s", got, want);
	/* The analyzer's acks reached the ack port its entry named. */
	mport = pipeline_port(p, PL_COLLECTOR, 0, "metrics", 10);
	cr_assert_gt(mport, 0, "no metrics port in the ready file");
	cr_expect_eq(proc_metric(mport, "loghaul_collector_batches_acked_total",
	    &acked), 0);
	cr_expect_gt(acked, 0, "no batch acknowledged");
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0, "SIGTERM: exit 0");
	free(want);
	free(got);
	free(cfg);
	free(log);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}
