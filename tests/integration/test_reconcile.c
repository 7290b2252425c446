/*
 * Reconciliation end to end (issue 13): devsim -> collector -> analyzer ->
 * alert stage, the real daemons. Log lines are lost on the device while the
 * collector is frozen (SIGSTOP): a storm wraps the buffer, `clear logging`,
 * a reload. The interface table the collector reads after the gap must
 * still make every alert right, marked reconciled with the gap's reason;
 * and when lines and tables agree, nothing may be doubled.
 *
 * One device per platform: r001 cisco_ios, r002 cisco_xe, r003 cisco_nxos,
 * r004 arista_eos, r005 juniper_junos, r006 cisco_xr (devsim assigns the
 * platforms round-robin in this order).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/util.h"

#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"
#include "tests/support/proc.h"

#define NDEV 6

static const char *const fleet_args[] = {
	"--devices", "6", "--rate", "1", "--seed", "13", "--prefill", "5",
	"--buffer-size", "8192",
	"--platforms", "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr",
	NULL,
};

/* Interface i of device d, as devsim names it and the alerts spell it. */
static const char *
s_iface(int d, int i)
{
	static char name[64];

	switch (d) {
	case 1: snprintf(name, sizeof name, "GigabitEthernet0/%d", i); break;
	case 2: snprintf(name, sizeof name, "GigabitEthernet1/0/%d", i + 1); break;
	case 3: snprintf(name, sizeof name, "Ethernet1/%d", i + 1); break;
	case 4: snprintf(name, sizeof name, "Ethernet%d", i + 1); break;
	case 5: snprintf(name, sizeof name, "ge-0/0/%d", i); break;
	default: snprintf(name, sizeof name, "GigabitEthernet0/0/0/%d", i); break;
	}
	return name;
}


/* Enough lines to wrap an 8 KB buffer twice over. */
static void
s_storm(struct devsim *ds, int d)
{
	for (int k = 0; k < 200; k++)
		devsim_ctlf(ds, "log r%03d %%SYS-5-CONFIG_I: Configured from console by "
		    "admin on vty0 (192.0.2.%d) storm line %d", d, k % 250, k);
}

static struct pipeline *
s_start(struct devsim **ds, const char *snapshot_interval)
{
	char extra[128];
	struct ch_conf o = { .interval = "1s", .collector_extra = extra };
	struct pipeline *p;

	snprintf(extra, sizeof extra, "  snapshot_interval: %s\n"
	    "  metrics: 127.0.0.1:0\n", snapshot_interval);
	p = pipeline_with_conf(ds, fleet_args, 1, &o);
	cr_assert_eq(pipeline_start_all(p), 0);
	return p;
}

/* The alerts file's lines that are about dev/iface with this status. */
static size_t
s_changes(const struct pipeline *p, int d, const char *iface,
    const char *status, char **first)
{
	char *text = devsim_slurp(pipeline_alerts_path(p), NULL), *line, *save;
	char dev[64], ifn[128], st[64];
	size_t n = 0;

	if (first)
		*first = NULL;
	if (text == NULL)
		return 0;
	snprintf(dev, sizeof dev, "\"device\":\"r%03d\"", d);
	snprintf(ifn, sizeof ifn, "\"interface\":\"%s\"", iface);
	snprintf(st, sizeof st, "\"status\":\"%s\"", status);
	for (line = strtok_r(text, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, dev) || !strstr(line, ifn) || !strstr(line, st))
			continue;
		if (n++ == 0 && first)
			*first = xstrdup(line);
	}
	free(text);
	return n;
}

/* Wait up to timeout_s for the first such change; its line (caller frees). */
static char *
s_wait_change(const struct pipeline *p, int d, const char *iface,
    const char *status, int timeout_s)
{
	double end = util_monotime() + timeout_s;
	char *line;

	for (;;) {
		if (s_changes(p, d, iface, status, &line) > 0)
			return line;
		if (util_monotime() > end)
			return NULL;
		usleep(200 * 1000);
	}
}

/* Count of reconciled changes in the alerts file. */
static size_t
s_reconciled(const struct pipeline *p)
{
	char *text = devsim_slurp(pipeline_alerts_path(p), NULL), *at;
	size_t n = 0;

	for (at = text; at && (at = strstr(at, "\"reconciled\":true")); at++)
		n++;
	free(text);
	return n;
}

static void
s_expect_reconciled(const char *line, const char *reason)
{
	char want[64];

	cr_assert_not_null(line);
	snprintf(want, sizeof want, "\"reason\":\"%s\"", reason);
	cr_expect(strstr(line, "\"reconciled\":true") != NULL,
	    "not marked reconciled: %s", line);
	cr_expect(strstr(line, want) != NULL, "reason is not %s: %s", reason,
	    line);
}

/*
 * Every device's session-start snapshot is sent (the alert stage learns
 * every interface from it), and has had time to be applied.
 */
static void
s_wait_baseline(struct pipeline *p)
{
	int port = pipeline_port(p, PL_COLLECTOR, 0, "metrics", 10);
	double end = util_monotime() + 30, v;
	char series[160];
	int d = 1;

	cr_assert_gt(port, 0, "the collector's metrics port");
	while (d <= NDEV && util_monotime() < end) {
		snprintf(series, sizeof series, "loghaul_collector_snapshots_total"
		    "{device=\"r%03d\",result=\"ok\"}", d);
		if (proc_metric(port, series, &v) == 0 && v >= 1)
			d++;
		else
			usleep(200 * 1000);
	}
	cr_assert_gt(d, NDEV, "r%03d sent no snapshot within 30 s", d);
	sleep(1);
}

/*
 * A down whose line the storm wraps away while the collector is frozen:
 * the snapshot after the gap fires the alert, on every platform.
 */
Test(reconcile, wrap_past_down_fires, .timeout = 240)
{
	struct devsim *ds;
	struct pipeline *p = s_start(&ds, "15m");
	pid_t coll = pipeline_pid(p, PL_COLLECTOR, 0);
	double t0;

	s_wait_baseline(p);
	cr_assert_eq(kill(coll, SIGSTOP), 0);
	for (int d = 1; d <= NDEV; d++) {
		devsim_ctlf(ds, "flap r%03d %s down", d, s_iface(d, 1));
		s_storm(ds, d);
	}
	cr_assert_eq(kill(coll, SIGCONT), 0);
	t0 = util_monotime();
	for (int d = 1; d <= NDEV; d++) {
		char *line = s_wait_change(p, d, s_iface(d, 1), "firing", 30);

		cr_assert_not_null(line, "r%03d %s: no alert after the wrap", d,
		    s_iface(d, 1));
		s_expect_reconciled(line, "wrap");
		free(line);
	}
	cr_log_info("reconciled alerts of 6 platforms within %.1f s of the "
	    "collector's return (1 s polls)", util_monotime() - t0);
	pipeline_check_journal_min(ds, p, NDEV);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/* An up lost the same way resolves the alert the line had fired. */
Test(reconcile, wrap_past_up_resolves, .timeout = 240)
{
	struct devsim *ds;
	struct pipeline *p = s_start(&ds, "15m");
	pid_t coll = pipeline_pid(p, PL_COLLECTOR, 0);

	s_wait_baseline(p);
	for (int d = 1; d <= NDEV; d++)
		devsim_ctlf(ds, "flap r%03d %s down", d, s_iface(d, 2));
	for (int d = 1; d <= NDEV; d++) {
		char *line = s_wait_change(p, d, s_iface(d, 2), "firing", 30);

		cr_assert_not_null(line, "r%03d: the down line did not alert", d);
		cr_expect(strstr(line, "\"reconciled\":false") != NULL,
		    "a line's alert is marked reconciled: %s", line);
		free(line);
	}
	cr_assert_eq(kill(coll, SIGSTOP), 0);
	for (int d = 1; d <= NDEV; d++) {
		devsim_ctlf(ds, "flap r%03d %s up", d, s_iface(d, 2));
		s_storm(ds, d);
	}
	cr_assert_eq(kill(coll, SIGCONT), 0);
	for (int d = 1; d <= NDEV; d++) {
		char *line = s_wait_change(p, d, s_iface(d, 2), "resolved", 30);

		cr_assert_not_null(line, "r%03d: the lost up did not resolve", d);
		s_expect_reconciled(line, "wrap");
		free(line);
	}
	pipeline_check_journal_min(ds, p, NDEV);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * `clear logging` during an outage empties the buffer with the up line in
 * it; a reload brings links back up with no line at all. Both resolve.
 */
Test(reconcile, clear_and_reload_during_outage, .timeout = 240)
{
	struct devsim *ds;
	struct pipeline *p = s_start(&ds, "15m");
	pid_t coll = pipeline_pid(p, PL_COLLECTOR, 0);
	char *line;

	s_wait_baseline(p);
	devsim_ctlf(ds, "flap r001 %s down", s_iface(1, 3));
	devsim_ctlf(ds, "flap r002 %s down", s_iface(2, 3));
	devsim_ctlf(ds, "flap r002 %s admin_down", s_iface(2, 4));
	cr_assert_not_null(line = s_wait_change(p, 1, s_iface(1, 3), "firing", 30));
	free(line);
	cr_assert_not_null(line = s_wait_change(p, 2, s_iface(2, 3), "firing", 30));
	free(line);
	cr_assert_not_null(line = s_wait_change(p, 2, s_iface(2, 4), "firing", 30));
	free(line);

	cr_assert_eq(kill(coll, SIGSTOP), 0);
	devsim_ctlf(ds, "flap r001 %s up", s_iface(1, 3));
	devsim_ctlf(ds, "clear r001");
	devsim_ctlf(ds, "reload r002");
	cr_assert_eq(kill(coll, SIGCONT), 0);

	line = s_wait_change(p, 1, s_iface(1, 3), "resolved", 30);
	cr_assert_not_null(line, "the up cleared from the buffer did not resolve");
	s_expect_reconciled(line, "cleared");
	free(line);
	line = s_wait_change(p, 2, s_iface(2, 3), "resolved", 40);
	cr_assert_not_null(line, "the link the reload brought up did not resolve");
	s_expect_reconciled(line, "reload");
	free(line);
	/* shut in the configuration: still shut after the reload */
	cr_expect_eq(s_changes(p, 2, s_iface(2, 4), "resolved", NULL), 0,
	    "an admin-down interface was resolved by the reload");
	pipeline_check_journal_min(ds, p, 5);	/* 2 on r001, 3 on r002 */
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * Lines and tables agree: each down is one alert, each up one resolution,
 * however many snapshots (every 2 s here) see the same states.
 */
Test(reconcile, agreement_alerts_exactly_once, .timeout = 240)
{
	struct devsim *ds;
	struct pipeline *p = s_start(&ds, "2s");

	s_wait_baseline(p);
	for (int d = 1; d <= NDEV; d++)
		devsim_ctlf(ds, "flap r%03d %s down", d, s_iface(d, 5));
	sleep(7);
	for (int d = 1; d <= NDEV; d++)
		devsim_ctlf(ds, "flap r%03d %s up", d, s_iface(d, 5));
	sleep(7);
	for (int d = 1; d <= NDEV; d++) {
		cr_expect_eq(s_changes(p, d, s_iface(d, 5), "firing", NULL), 1,
		    "r%03d: firing changes", d);
		cr_expect_eq(s_changes(p, d, s_iface(d, 5), "resolved", NULL), 1,
		    "r%03d: resolved changes", d);
	}
	cr_expect_eq(s_reconciled(p), 0, "snapshots that agree with the lines "
	    "changed alerts");
	pipeline_check_journal_min(ds, p, NDEV);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * Descriptions come from the device's table into the alert, escaped and
 * bounded, whatever bytes the device holds.
 */
Test(reconcile, hostile_descriptions_reach_the_alert, .timeout = 240)
{
	struct devsim *ds;
	struct pipeline *p;
	struct buf want;
	char *line, *longtext;
	static const char hostile[] = "uplink \"core-2\" {\"a\":1} \\ caf\xc3\xa9 \xe2\x86\x91 \x01" "bell\x07";

	p = s_start(&ds, "15m");
	/* before the session-start snapshot or after it: both must work */
	devsim_ctlf(ds, "descr r001 %s uplink \"core-2\" {\"a\":1} \\\\ caf\\xc3\\xa9 "
	    "\\xe2\\x86\\x91 \\x01bell\\x07", s_iface(1, 6));
	longtext = xmalloc(10 * 1024 + 1);
	memset(longtext, 'x', 10 * 1024);
	longtext[10 * 1024] = '\0';
	devsim_ctlf(ds, "descr r004 %s %s", s_iface(4, 6), longtext);
	s_wait_baseline(p);
	/* the periodic snapshot is off: the new description must come with
	 * the snapshot a gap brings, or the one at the start */
	devsim_ctlf(ds, "clear r001");
	devsim_ctlf(ds, "clear r004");
	sleep(3);
	devsim_ctlf(ds, "flap r001 %s down", s_iface(1, 6));
	devsim_ctlf(ds, "flap r004 %s down", s_iface(4, 6));

	line = s_wait_change(p, 1, s_iface(1, 6), "firing", 30);
	cr_assert_not_null(line);
	buf_init(&want, 0);
	buf_printf(&want, "\"description\":");
	json_str(&want, hostile, sizeof hostile - 1);
	buf_appendc(&want, '\0');
	cr_expect(strstr(line, want.data) != NULL, "want %s in %s", want.data,
	    line);
	free(line);

	line = s_wait_change(p, 4, s_iface(4, 6), "firing", 30);
	cr_assert_not_null(line);
	buf_reset(&want);
	buf_printf(&want, "\"description\":\"");
	buf_append(&want, longtext, 256);
	buf_appendc(&want, '"');
	buf_appendc(&want, '\0');
	cr_expect(strstr(line, want.data) != NULL, "a 10 KB description is "
	    "not cut to 256 bytes: %.400s", line);
	free(line);
	buf_free(&want);
	free(longtext);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}
