/*
 * Interface-table snapshots against devsim, through the collector's
 * --print output (collector/print.c, collector/device_snap.c): one at
 * session start; after `clear logging` a gap, then a snapshot before any
 * later line, holding the state an interface took meanwhile; periodic ones
 * every collector.snapshot_interval, none with 0; Junos rows with the
 * descriptions of the second command; exec-channel sessions; a device
 * that refuses the command (devsim's no_iftable fault) logs it once,
 * counts it, and keeps harvesting lines.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "common/wire.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"

struct st {
	struct devsim *ds;
	pid_t  pid;
	char  *out, *log, *ready;
	int    metrics;	/* st_spawn() with a metrics listener */
};


/* devsim: the platforms given, rate 0, a few lines in every buffer. */
static void
st_devsim(struct st *t, const char *platforms, const char *spec)
{
	char err[512], tmpl[] = "/tmp/loghaul-snapspec-XXXXXX";
	int fd = mkstemp(tmpl);
	size_t n = 1;
	char nbuf[8];
	FILE *f;

	memset(t, 0, sizeof *t);
	cr_assert_geq(fd, 0);
	cr_assert_not_null(f = fdopen(fd, "w"));
	fprintf(f, "devices:\n%s", spec ? spec : "");
	fclose(f);
	for (const char *p = platforms; *p; p++)
		n += *p == ',';
	snprintf(nbuf, sizeof nbuf, "%zu", n);
	{
		const char *args[] = { "--devices", nbuf, "--rate", "0",
		    "--prefill", "3", "--seed", "13", "--platforms", platforms,
		    spec ? "--spec" : NULL, tmpl, NULL };

		t->ds = devsim_start(args, err, sizeof err);
	}
	unlink(tmpl);
	cr_assert_not_null(t->ds, "%s", err);
}

/* A running `loghaul-collector --print`, polling every 300 ms. */
static void
st_spawn(struct st *t, const char *name, const char *snap_interval,
    const char *hosts)
{
	char extra[192];
	struct ch_conf co = { .interval = "300ms", .command = "5s",
	    .hosts = hosts, .collector_extra = extra };
	char *cfg, *cfgname = xasprintf("%s.yaml", name);

	/* full reads only when needed: a snapshot must not cause one */
	snprintf(extra, sizeof extra, "  snapshot_interval: %s\n"
	    "  full_read_every: 0\n%s", snap_interval,
	    t->metrics ? "  metrics: 127.0.0.1:0\n" : "");
	cfg = ch_config(devsim_dir(t->ds), cfgname, &co);
	cr_assert_not_null(cfg);
	free(t->out);
	free(t->log);
	free(t->ready);
	t->out = xasprintf("%s/%s.jsonl", devsim_dir(t->ds), name);
	t->log = xasprintf("%s/%s.log", devsim_dir(t->ds), name);
	t->ready = xasprintf("%s/%s.ready", devsim_dir(t->ds), name);
	{
		const char *args[] = { "--config", cfg, "--print", "-v",
		    "--ready-file", t->ready, NULL };

		t->pid = ch_spawn("loghaul-collector", args, devsim_dir(t->ds),
		    t->out, t->log);
	}
	cr_assert_gt(t->pid, 0);
	free(cfg);
	free(cfgname);
}

static void
st_term(struct st *t)
{
	if (t->pid > 0)
		cr_expect_eq(ch_term(t->pid, 30), 0, "collector exit status");
	t->pid = 0;
}

static void
st_free(struct st *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGCONT);
		st_term(t);
	}
	free(t->out);
	free(t->log);
	free(t->ready);
	devsim_stop(&t->ds);
}

/* The running collector's /metrics (its port from the ready file). */
static char *
st_metrics(const struct st *t)
{
	char *ready = NULL, *m, *text;
	int port = -1;

	for (double end = util_monotime() + 10; port < 0 &&
	    util_monotime() < end; ch_msleep(100)) {
		size_t len;

		free(ready);
		ready = ch_slurp(t->ready, &len);
		if (ready && (m = strstr(ready, "metrics=")) != NULL)
			port = atoi(m + 8);
	}
	free(ready);
	cr_assert_gt(port, 0, "no metrics port in %s", t->ready);
	cr_assert_not_null(text = proc_metrics(port), "GET :%d/metrics", port);
	return text;
}

/* The value of the series line starting with series in text; -1 if none. */
static double
st_value(const char *text, const char *series)
{
	const char *p = text;
	size_t n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return atof(p + n + 1);
		p += n;
	}
	return -1;
}

/* dev's snapshots with reason (NULL: any) in the output so far. */
static size_t
st_count(const struct st *t, const char *dev, const char *reason)
{
	struct ch_snaps s = { 0 };
	size_t n = 0;

	if (ch_snaps_load(t->out, &s) != 0)
		return 0;
	for (size_t i = 0; i < s.len; i++)
		if (!strcmp(s.v[i].dev, dev) &&
		    (reason == NULL || !strcmp(s.v[i].reason, reason)))
			n++;
	ch_snaps_free(&s);
	return n;
}

/* Wait until dev has at least n snapshots with reason. */
static void
st_wait(const struct st *t, const char *dev, const char *reason, size_t n,
    double timeout_s)
{
	double until = util_monotime() + timeout_s;

	while (st_count(t, dev, reason) < n) {
		cr_assert_lt(util_monotime(), until, "%s: %zu of %zu '%s' "
		    "snapshots after %.0f s", dev, st_count(t, dev, reason), n,
		    reason ? reason : "any", timeout_s);
		ch_msleep(100);
	}
}

/* The last snapshot of dev with reason; ss keeps it (ch_snaps_free). */
static const struct ch_snap *
st_last(const struct st *t, struct ch_snaps *ss, const char *dev,
    const char *reason)
{
	const struct ch_snap *last = NULL;

	cr_assert_eq(ch_snaps_load(t->out, ss), 0);
	cr_assert_eq(ss->bad, 0, "snapshot lines that do not parse");
	for (size_t i = 0; i < ss->len; i++)
		if (!strcmp(ss->v[i].dev, dev) && !strcmp(ss->v[i].reason, reason))
			last = &ss->v[i];
	cr_assert_not_null(last, "%s: no '%s' snapshot", dev, reason);
	cr_assert_eq(last->nrows, last->interfaces, "%s: rows", dev);
	return last;
}

/* Every record and snapshot of dev in the output: ids grow in order. */
static void
st_assert_order(const struct st *t, const char *dev)
{
	struct ch_order *v;
	size_t n = ch_order_load(t->out, dev, &v);

	cr_assert_gt(n, 0, "%s: nothing printed", dev);
	for (size_t i = 1; i < n; i++)
		cr_assert_gt(v[i].id, v[i - 1].id, "%s: %c %llu after %c %llu",
		    dev, v[i].kind, (unsigned long long)v[i].id, v[i - 1].kind,
		    (unsigned long long)v[i - 1].id);
	free(v);
}

static void
st_assert_row(const struct ch_snap *s, const char *name, const char *admin,
    const char *oper)
{
	const struct ch_ifrow *r = ch_snap_row(s, name);

	cr_assert_not_null(r, "%s: no row %s in snapshot %llu (%s)", s->dev,
	    name, (unsigned long long)s->id, s->reason);
	cr_expect_str_eq(r->admin, admin, "%s %s admin (%s)", s->dev, name,
	    s->reason);
	cr_expect_str_eq(r->oper, oper, "%s %s oper (%s)", s->dev, name,
	    s->reason);
}

/*
 * A start snapshot; then, with the collector stopped, an interface goes
 * down and the buffer is cleared: the next poll yields the gap, then a
 * snapshot tagged "cleared" that shows the interface down, and every line
 * logged later comes after it.
 */
Test(collector_snapshot, start_then_gap_then_lines, .timeout = 120)
{
	struct st t;
	struct ch_snaps ss = { 0 };
	struct ch_order *v;
	const struct ch_snap *s;
	size_t n, gap = 0, snap = 0, later = 0;

	st_devsim(&t, "cisco_ios", NULL);
	st_spawn(&t, "gap", "0", NULL);
	st_wait(&t, "r001", WIRE_SNAP_START, 1, 30);
	s = st_last(&t, &ss, "r001", WIRE_SNAP_START);
	cr_assert_geq(s->nrows, 4);
	st_assert_row(s, "Gi0/2", "up", "up");
	ch_snaps_free(&ss);

	cr_assert_eq(kill(t.pid, SIGSTOP), 0);
	devsim_ctlf(t.ds, "flap r001 GigabitEthernet0/2 down");
	devsim_ctlf(t.ds, "clear r001");
	devsim_ctlf(t.ds, "log r001 %%SYS-5-CONFIG_I: Configured from console by "
	    "admin on vty0 (10.0.0.1)");
	cr_assert_eq(kill(t.pid, SIGCONT), 0);
	st_wait(&t, "r001", "cleared", 1, 30);
	s = st_last(&t, &ss, "r001", "cleared");
	st_assert_row(s, "Gi0/2", "up", "down");
	st_assert_row(s, "Gi0/1", "up", "up");

	/* a line logged after the snapshot comes after it */
	devsim_ctlf(t.ds, "log r001 %%LINK-3-UPDOWN: Interface GigabitEthernet0/3, "
	    "changed state to up");
	cr_assert(ch_wait_in(t.out, "GigabitEthernet0/3, changed state to up",
	    30), "the later line was not printed");
	st_term(&t);

	st_assert_order(&t, "r001");
	n = ch_order_load(t.out, "r001", &v);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == 'g' && !strcmp(v[i].reason, "cleared"))
			gap = i + 1;
		if (v[i].kind == 's' && !strcmp(v[i].reason, "cleared"))
			snap = i + 1;
		if (snap && v[i].kind == 'l')
			later++;
	}
	cr_assert(gap > 0, "no gap record");
	cr_assert_gt(snap, gap, "the snapshot is not after the gap");
	/* the gap's poll: the gap, the line logged after the clear */
	cr_expect_eq(snap, gap + 2, "records between the gap and its snapshot");
	cr_assert_geq(later, 1, "no line after the snapshot");
	free(v);
	ch_snaps_free(&ss);
	cr_expect_eq(ch_count_in(t.log, "snapshot=failed"), 0);
	st_free(&t);
}

/*
 * Periodic snapshots every second, which leave incremental reads
 * incremental; none with snapshot_interval 0.
 */
Test(collector_snapshot, periodic_and_off, .timeout = 120)
{
	struct st t;

	st_devsim(&t, "arista_eos,cisco_nxos", NULL);
	st_spawn(&t, "periodic", "1s", NULL);
	st_wait(&t, "r001", WIRE_SNAP_PERIODIC, 3, 30);
	st_wait(&t, "r002", WIRE_SNAP_PERIODIC, 3, 30);
	st_term(&t);
	/* a snapshot's id keeps the incremental filter valid */
	cr_expect_eq(ch_count_in(t.log, "device=r001 poll ok read=full"), 1);
	cr_expect_eq(ch_count_in(t.log, "device=r002 poll ok read=full"), 1);
	cr_expect_gt(ch_count_in(t.log, "device=r001 poll ok read=incremental"),
	    3);
	cr_expect_eq(st_count(&t, "r001", WIRE_SNAP_START), 1);
	cr_expect_eq(st_count(&t, "r002", WIRE_SNAP_START), 1);
	st_assert_order(&t, "r001");
	st_assert_order(&t, "r002");

	/* the same devices, periodic off: the start snapshot only */
	st_spawn(&t, "off", "0", NULL);
	st_wait(&t, "r001", WIRE_SNAP_START, 1, 30);
	st_wait(&t, "r002", WIRE_SNAP_START, 1, 30);
	/* ten polls and more than two of the earlier periods */
	cr_assert(ch_wait_in(t.log, "device=r001 poll ok", 10));
	sleep(3);
	st_term(&t);
	cr_expect_gt(ch_count_in(t.log, "device=r001 poll ok"), 5);
	cr_expect_eq(st_count(&t, "r001", NULL), 1);
	cr_expect_eq(st_count(&t, "r002", NULL), 1);
	st_free(&t);
}

/*
 * An inventory of devsim's first n devices on exec channels; its name.
 * Exec sessions are not persistent: devsim, as IOS, takes one session
 * channel per connection.
 */
static const char *
st_exec_hosts(struct st *t, int n)
{
	char *hp = xasprintf("%s/hosts-exec.yaml", devsim_dir(t->ds));
	FILE *f = fopen(hp, "w");

	cr_assert_not_null(f);
	for (int i = 1; i <= n; i++) {
		char dev[16];

		snprintf(dev, sizeof dev, "r%03d", i);
		fprintf(f, "%s:\n  hostname: 127.0.0.1\n  port: %d\n"
		    "  username: admin\n  password: admin\n"
		    "  platform: %s\n  data:\n    loghaul:\n"
		    "      exec: true\n      persistent: false\n",
		    dev, devsim_port(t->ds, dev), devsim_platform(t->ds, dev));
	}
	fclose(f);
	free(hp);
	return "hosts-exec.yaml";
}

/*
 * Junos: the rows carry the descriptions of the second command; an
 * interface without one has none. A description's bytes come whole, also
 * those that are not text (IOS beside it). Over an exec channel as well as a
 * shell, the same table.
 */
static void
st_junos(int exec)
{
	struct st t;
	struct ch_snaps ss = { 0 };
	const struct ch_snap *s;
	const struct ch_ifrow *r;
	const char *want = "uplink to core-1 \xc3\xa9";
	static const char hostile[] = "up\x01link \"to\" caf\xff";
	const char *hosts = NULL;

	st_devsim(&t, "juniper_junos,cisco_ios", NULL);
	devsim_ctlf(t.ds, "descr r001 ge-0/0/1 %s", want);
	devsim_ctlf(t.ds, "descr r001 ge-0/0/2");
	devsim_ctlf(t.ds, "flap r001 ge-0/0/3 admin_down");
	/* bytes that are no text: --print gives them whole in base64 */
	devsim_ctlf(t.ds, "descr r002 GigabitEthernet0/5 up\\x01link \"to\" caf\\xff");
	if (exec)
		hosts = st_exec_hosts(&t, 2);
	st_spawn(&t, exec ? "exec" : "shell", "0", hosts);
	st_wait(&t, "r001", WIRE_SNAP_START, 1, 30);
	st_wait(&t, "r002", WIRE_SNAP_START, 1, 30);
	cr_assert(ch_wait_in(t.log, "device=r001 poll ok", 10));
	st_term(&t);

	s = st_last(&t, &ss, "r001", WIRE_SNAP_START);
	r = ch_snap_row(s, "ge-0/0/1");
	cr_assert_not_null(r, "no row ge-0/0/1");
	cr_expect_str_eq(r->descr, want);
	r = ch_snap_row(s, "ge-0/0/2");
	cr_assert_not_null(r, "no row ge-0/0/2");
	cr_expect_eq(r->descr_len, 0, "ge-0/0/2: '%s'", r->descr);
	st_assert_row(s, "ge-0/0/3", "down", "down");
	st_assert_row(s, "ge-0/0/1", "up", "up");
	s = st_last(&t, &ss, "r002", WIRE_SNAP_START);
	st_assert_row(s, "Gi0/1", "up", "up");
	r = ch_snap_row(s, "Gi0/5");
	cr_assert_not_null(r, "no row Gi0/5");
	cr_expect(r->descr_len == sizeof hostile - 1 &&
	    !memcmp(r->descr, hostile, sizeof hostile - 1), "Gi0/5: '%s'",
	    ch_show(r->descr, r->descr_len));
	st_assert_order(&t, "r001");
	st_assert_order(&t, "r002");
	ch_snaps_free(&ss);
	cr_expect_eq(ch_count_in(t.log, "snapshot=failed"), 0);
	st_free(&t);
}

Test(collector_snapshot, junos_descriptions_shell, .timeout = 120)
{
	st_junos(0);
}

Test(collector_snapshot, junos_descriptions_exec_channel, .timeout = 120)
{
	st_junos(1);
}

/*
 * A device that knows no interface-table command: one log line, the
 * failed count, no snapshot, and its lines keep coming; the device beside
 * it is not disturbed. Asked again at the periodic time, silently.
 */
Test(collector_snapshot, refused_command_logged_once, .timeout = 120)
{
	struct st t;
	size_t before;
	char *text;

	st_devsim(&t, "cisco_ios,cisco_ios",
	    "  r001:\n    faults: [no_iftable]\n");
	t.metrics = 1;
	st_spawn(&t, "refused", "1s", NULL);
	st_wait(&t, "r002", WIRE_SNAP_PERIODIC, 2, 30);
	cr_assert(ch_wait_in(t.log, "device=r001 snapshot=failed", 10));
	before = ch_count_in(t.out, "\"device\":\"r001\"");
	devsim_ctlf(t.ds, "log r001 %%SYS-5-CONFIG_I: Configured from console by "
	    "admin on vty0 (10.0.0.2)");
	cr_assert(ch_wait_in(t.out, "(10.0.0.2)", 10), "r001's line");
	/* past two more periodic times */
	sleep(3);
	text = st_metrics(&t);
	st_term(&t);
	cr_expect_geq(st_value(text, "loghaul_collector_snapshots_total{device="
	    "\"r001\",result=\"failed\"}"), 3, "%s", text);
	cr_expect_eq(st_value(text, "loghaul_collector_snapshots_total{device="
	    "\"r001\",result=\"ok\"}"), 0, "%s", text);
	cr_expect_geq(st_value(text, "loghaul_collector_snapshots_total{device="
	    "\"r002\",result=\"ok\"}"), 3, "%s", text);
	cr_expect_geq(st_value(text, "loghaul_collector_snapshot_interfaces{"
	    "device=\"r002\"}"), 4, "%s", text);
	free(text);
	cr_expect_gt(ch_count_in(t.out, "\"device\":\"r001\""), before);
	cr_expect_eq(st_count(&t, "r001", NULL), 0);
	cr_expect_eq(ch_count_in(t.log, "device=r001 snapshot=failed"), 1);
	cr_expect_gt(ch_count_in(t.log, "reason=\"'show interfaces description'"
	    ": no table header"), 0);
	cr_expect_gt(ch_count_in(t.log, "command=\"show interfaces "
	    "description\""), 0);
	cr_expect_gt(ch_count_in(t.log, "reply=\"% Invalid input detected at "
	    "'^' marker.\""), 0);
	cr_expect_eq(ch_count_in(t.log, "device=r001 poll failed"), 0);
	st_assert_order(&t, "r001");
	st_assert_order(&t, "r002");
	st_free(&t);
}

/*
 * The clock check on exec-channel sessions: the clock command is a poll
 * of its own (collector/clockcheck.c), so devices that the collector
 * reads over exec channels get their skew measured as shell ones do.
 */
Test(collector_snapshot, clock_check_on_exec_channel, .timeout = 120)
{
	struct st t;
	char *text = NULL;
	double r1 = -1, r2 = -1;

	st_devsim(&t, "cisco_ios,juniper_junos",
	    "  r001: {clock_offset: 95s}\n  r002: {clock_offset: -42s}\n");
	t.metrics = 1;
	st_spawn(&t, "clock", "0", st_exec_hosts(&t, 2));
	st_wait(&t, "r001", WIRE_SNAP_START, 1, 30);
	st_wait(&t, "r002", WIRE_SNAP_START, 1, 30);
	for (double end = util_monotime() + 20; util_monotime() < end;
	    ch_msleep(200)) {
		free(text);
		text = st_metrics(&t);
		r1 = st_value(text, "loghaul_collector_clock_skew_seconds{device="
		    "\"r001\"}");
		r2 = st_value(text, "loghaul_collector_clock_skew_seconds{device="
		    "\"r002\"}");
		if (r1 != -1 && r2 != -1)
			break;
	}
	st_term(&t);
	/* read to a few ms over loopback, the connect not included */
	cr_expect(r1 > 93.5 && r1 < 96.5, "r001 skew %.3f s, want 95:\n%s", r1,
	    text);
	cr_expect(r2 > -43.5 && r2 < -40.5, "r002 skew %.3f s, want -42", r2);
	cr_expect_gt(ch_count_in(t.log, "device=r001 clock is +95."), 0);
	cr_expect_gt(ch_count_in(t.log, "device=r002 clock is -42."), 0);
	cr_expect_eq(ch_count_in(t.log, "poll failed"), 0);
	free(text);
	st_free(&t);
}
