/*
 * End to end: devsim -> collector -> analyzers -> alert stage, the real
 * daemons over real ZeroMQ sockets. Every interface change in devsim's
 * journal must give exactly one alert change, and nothing else may appear.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "common/mq.h"
#include "common/util.h"

#include "tests/support/devsim_harness.h"
#include "tests/support/pipeline.h"

static const char *const fleet_args[] = {
	"--devices", "24", "--rate", "2", "--seed", "11", "--prefill", "5",
	"--flap-every", "4",
	"--platforms", "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr",
	NULL,
};

/* Let the fleet flap for run_s seconds, then stop the generator. */
static void
s_run_fleet(struct devsim *ds, int run_s)
{
	sleep((unsigned)run_s);
	cr_assert_eq(devsim_control(ds, "pause", NULL, 0), 0, "devsim pause");
}

static void
s_check(struct devsim *ds, struct pipeline *p)
{
	char *want = NULL, *got = NULL;
	size_t nwant = pipeline_expected(ds, &want);
	size_t ngot;

	cr_assert_gt(nwant, 10, "the fleet should have flapped (journal has %zu)",
	    nwant);
	pipeline_wait_alerts(p, nwant, 3, 60);
	ngot = pipeline_actual(p, &got);
	cr_expect_eq(ngot, nwant, "alert changes: %zu, journal implies %zu", ngot,
	    nwant);
	cr_expect_str_eq(got, want, "alerts differ from the journal\n"
	    "--- got\n%s--- want\n%s", got, want);
	free(want);
	free(got);
}

Test(pipeline, every_flap_alerts_exactly_once, .timeout = 180)
{
	char err[512];
	struct devsim *ds = devsim_start(fleet_args, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 3, .interval = "1s" };

	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	s_run_fleet(ds, 20);
	s_check(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_COLLECTOR, 0), 0,
	    "the collector drains and exits 0 on SIGTERM");
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

Test(pipeline, analyzer_killed_and_restarted, .timeout = 180)
{
	char err[512];
	struct devsim *ds = devsim_start(fleet_args, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 3, .interval = "1s",
	    .ack_timeout = "2s" };

	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(6);
	/* Whatever sat in its queue is lost with it: the collector re-sends. */
	pipeline_kill9(p, PL_ANALYZER, 1);
	sleep(6);
	cr_assert_eq(pipeline_start(p, PL_ANALYZER, 1), 0);
	s_run_fleet(ds, 8);
	s_check(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * Connections accepted on the collector's ipc endpoint at path: the
 * entries of /proc/net/unix bound to that path in the connected state (03),
 * which leaves out the listening socket. The analyzers' own ends have no
 * path. -1 if /proc/net/unix cannot be read.
 */
static int
s_ipc_peers(const char *path)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[1024], st[8], name[900];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		name[0] = '\0';
		if (sscanf(line, "%*s %*s %*s %*s %*s %7s %*s %899s", st, name) == 2 &&
		    strcmp(st, "03") == 0 && strcmp(name, path) == 0)
			n++;
	}
	fclose(f);
	return n;
}

/* Wait up to timeout_s until the endpoint has want peers; seconds or -1. */
static double
s_wait_ipc_peers(const char *path, int want, double timeout_s)
{
	double t0 = util_monotime();

	while (util_monotime() - t0 < timeout_s) {
		if (s_ipc_peers(path) == want)
			return util_monotime() - t0;
		usleep(100 * 1000);
	}
	return -1;
}

static size_t
s_alert_count(const struct pipeline *p)
{
	struct pl_alert *v;
	size_t n = pipeline_read_alerts(p, &v);

	free(v);
	return n;
}

static long
s_file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Whether the file holds needle past offset off. */
static int
s_log_has(const char *path, long off, const char *needle)
{
	size_t len;
	char *text = devsim_slurp(path, &len);
	int found;

	if (text == NULL)
		return 0;
	found = off >= 0 && (size_t)off <= len && strstr(text + off, needle) != NULL;
	free(text);
	return found;
}

/*
 * An analyzer SIGSTOPped for 30 s under load, then SIGCONTed. Its kernel
 * still accepts bytes, so only ZeroMQ's heartbeat can tell it is gone: the
 * collector must drop the connection (seen from outside: its accepted
 * socket on the push endpoint goes away), stop handing it batches, re-send
 * what it held after ack_timeout, and the alerts keep coming from the other
 * two meanwhile. After SIGCONT, the stale batches the thawed analyzer still
 * had (their events reach the alert stage late, their acks find nothing)
 * must change nothing: the alerts are exactly the journal's.
 *
 * Nothing may abort the test while the analyzer is stopped (a stopped
 * process would not even see the SIGTERM of PR_SET_PDEATHSIG), so the
 * figures of the freeze are checked after SIGCONT.
 */
Test(pipeline, analyzer_frozen_30s_and_resumed, .timeout = 180)
{
	char err[512], push[600], clog[600];
	struct devsim *ds = devsim_start(fleet_args, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 3, .interval = "1s",
	    .ack_timeout = "2s" };
	double t0, dropped_after, back_after;
	size_t alerts_early, alerts_late;
	long log_off;
	int resent, peers_frozen;
	pid_t frozen;

	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	cr_assert_eq(strncmp(pipeline_push_endpoint(p), "ipc://", 6), 0);
	snprintf(push, sizeof push, "%s", pipeline_push_endpoint(p) + 6);
	snprintf(clog, sizeof clog, "%s/collector-0.log", devsim_dir(ds));
	sleep(6);
	cr_assert_geq(s_wait_ipc_peers(push, 3, 10), 0, "the collector should "
	    "have 3 analyzers connected, has %d", s_ipc_peers(push));

	frozen = pipeline_pid(p, PL_ANALYZER, 1);
	log_off = s_file_size(clog);
	cr_assert_eq(kill(frozen, SIGSTOP), 0);
	t0 = util_monotime();
	/* heartbeat_timeout is 5 s after a 1 s interval: allow for a slow box */
	dropped_after = s_wait_ipc_peers(push, 2, 20);
	peers_frozen = s_ipc_peers(push);
	while (util_monotime() - t0 < 10)
		usleep(100 * 1000);
	alerts_early = s_alert_count(p);
	while (util_monotime() - t0 < 30)
		usleep(100 * 1000);
	alerts_late = s_alert_count(p);
	kill(frozen, SIGCONT);

	resent = s_log_has(clog, log_off, ": sending it again");
	cr_log_info("frozen analyzer dropped by the collector after %.1f s; "
	    "alerts %zu at 10 s, %zu at 30 s of the freeze; re-sent: %s",
	    dropped_after, alerts_early, alerts_late, resent ? "yes" : "no");
	cr_expect_geq(dropped_after, 0, "the collector still holds the frozen "
	    "analyzer's connection after 20 s (%d connected): no heartbeat",
	    peers_frozen);
	cr_expect_gt(alerts_late, alerts_early, "no alert during the last 20 s of "
	    "the freeze (%zu): the two live analyzers should have carried on",
	    alerts_late);
	cr_expect(resent, "the collector did not log re-sending the batches the "
	    "frozen analyzer held (%s)", clog);

	/* Thawed, it reconnects (and does its stale work, harmlessly). */
	back_after = s_wait_ipc_peers(push, 3, 20);
	cr_expect_geq(back_after, 0, "the thawed analyzer did not reconnect "
	    "(%d connected)", s_ipc_peers(push));
	cr_expect_eq(kill(frozen, 0), 0, "the thawed analyzer died");
	s_run_fleet(ds, 8);
	s_check(ds, p);
	cr_expect_eq(pipeline_stop(p, PL_ANALYZER, 1), 0,
	    "the thawed analyzer stops cleanly on SIGTERM");
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

Test(pipeline, alert_stage_killed_and_restarted, .timeout = 180)
{
	char err[512];
	struct devsim *ds = devsim_start(fleet_args, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 2, .interval = "1s",
	    .ack_timeout = "2s" };

	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	sleep(7);
	pipeline_kill9(p, PL_ALERTS, 0);
	sleep(4);
	cr_assert_eq(pipeline_start(p, PL_ALERTS, 0), 0);
	s_run_fleet(ds, 8);
	/* No alert lost, none fired twice, across the crash. */
	s_check(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

Test(pipeline, collector_killed_and_restarted, .timeout = 180)
{
	char err[512];
	struct devsim *ds = devsim_start(fleet_args, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 1, .interval = "1s" };

	cr_assert_not_null(ds, "%s", err);
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);
	for (int k = 0; k < 3; k++) {
		sleep(3);
		pipeline_kill9(p, PL_COLLECTOR, 0);
		usleep(300 * 1000);
		cr_assert_eq(pipeline_start(p, PL_COLLECTOR, 0), 0);
	}
	s_run_fleet(ds, 6);
	s_check(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}

/*
 * Over tcp with CURVE: the collector and the alert stage are CURVE servers
 * whose ZAP handlers admit only the analyzer's key. The pipeline still
 * gives exactly the journal's alerts, while a peer with an unlisted key and
 * one without CURVE, both connected to the collector's push endpoint, get
 * nothing (PUSH would otherwise hand them batches).
 */
Test(pipeline, curve_admits_only_listed_keys, .timeout = 180)
{
	static const char *const small[] = { "--devices", "8", "--rate", "2",
	    "--seed", "5", "--prefill", "5", "--flap-every", "3", NULL };
	char err[512], dir[256], a[320], b[320], ep[640];
	struct devsim *ds = devsim_start(small, err, sizeof err);
	struct pipeline *p;
	struct pipeline_opts o = { .analyzers = 2, .interval = "1s", .tcp = 1,
	    .extra_yaml = "curve:\n  secret_key: keys/server.key\n"
		"  public_key: keys/server.pub\n  allow: [keys/analyzer.pub]\n",
	    .analyzer_extra_yaml = "curve:\n  secret_key: keys/analyzer.key\n"
		"  public_key: keys/analyzer.pub\n  server_key: keys/server.pub\n" };
	const char *pairs[][2] = { { "server.key", "server.pub" },
	    { "analyzer.key", "analyzer.pub" }, { "rogue.key", "rogue.pub" } };
	struct mq_keypair rogue;
	char server_pub[MQ_KEYLEN + 1];
	void *intruder, *plain;
	struct mq_opts mo;
	zmq_pollitem_t items[2];
	int got = 0;

	cr_assert_not_null(ds, "%s", err);
	snprintf(dir, sizeof dir, "%s/keys", devsim_dir(ds));
	cr_assert_eq(mkdir(dir, 0700), 0);
	for (size_t i = 0; i < 3; i++) {
		snprintf(a, sizeof a, "%s/%s", dir, pairs[i][0]);
		snprintf(b, sizeof b, "%s/%s", dir, pairs[i][1]);
		cr_assert_eq(mq_curve_keygen_files(a, b, err, sizeof err), 0, "%s", err);
	}
	p = pipeline_new(ds, &o, err, sizeof err);
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(pipeline_start_all(p), 0);

	/* Two intruders on the collector's data endpoint. */
	snprintf(a, sizeof a, "%s/rogue.key", dir);
	snprintf(b, sizeof b, "%s/rogue.pub", dir);
	cr_assert_eq(mq_keypair_load(a, b, &rogue, err, sizeof err), 0, "%s", err);
	snprintf(a, sizeof a, "%s/server.pub", dir);
	cr_assert_eq(mq_key_load(a, 0, server_pub, err, sizeof err), 0, "%s", err);
	mq_opts_init(&mo);
	mo.curve = MQ_CURVE_CLIENT;
	mo.keys = &rogue;
	mo.server_key = server_pub;
	intruder = mq_socket(ZMQ_PULL, &mo, err, sizeof err);
	cr_assert_not_null(intruder, "%s", err);
	plain = mq_socket(ZMQ_PULL, NULL, err, sizeof err);
	cr_assert_not_null(plain, "%s", err);
	snprintf(ep, sizeof ep, "%s", pipeline_push_endpoint(p));
	cr_assert_eq(mq_connect(intruder, ep, err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_connect(plain, ep, err, sizeof err), 0, "%s", err);
	for (int k = 0; k < 40; k++) {
		items[0] = (zmq_pollitem_t){ .socket = intruder, .events = ZMQ_POLLIN };
		items[1] = (zmq_pollitem_t){ .socket = plain, .events = ZMQ_POLLIN };
		if (zmq_poll(items, 2, 250) > 0)
			got++;
	}
	cr_expect_eq(got, 0, "an unlisted or plain peer received batches");
	mq_close(&intruder);
	mq_close(&plain);

	s_run_fleet(ds, 2);
	s_check(ds, p);
	pipeline_stop_all(&p);
	devsim_stop(&ds);
}
