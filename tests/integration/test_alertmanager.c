/*
 * test_alertmanager.c — the alert stage's Alertmanager output against a
 * REAL Alertmanager (Debian's prometheus-alertmanager), started by the test
 * on 127.0.0.1 with a free port, its own config (one route to a null
 * receiver), its own --storage.path, clustering off. What Alertmanager
 * holds is read back through its own API (GET /api/v2/alerts).
 *
 * Alertmanager is killed by pid in the fini, and dies with the test process
 * anyway (PR_SET_PDEATHSIG).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/output.h"
#include "common/buf.h"
#include "common/util.h"
#include "common/wire.h"
#include "tests/support/net.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/outconf.h"
#include "tests/support/proc.h"

#define AM_BIN "/usr/bin/prometheus-alertmanager"

struct am {
	char  dir[64];
	int   port;
	struct proc am;		/* Alertmanager */
	struct proc stage;	/* loghaul-alerts, when a test runs one */
};

static struct am A;

static void
s_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* The file's text, or "" when it cannot be read (caller frees). */
static char *
s_slurp(const char *path)
{
	char *p = devsim_slurp(path, NULL);

	return p ? p : strdup("");
}

static size_t
s_curl_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, size * n);
	return size * n;
}

/* GET a URL on 127.0.0.1; returns the body (malloc'd) or NULL. */
static char *
s_get(const char *path, long *status)
{
	CURL *h = curl_easy_init();
	struct buf b;
	char url[256], *r = NULL;

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", A.port, path);
	buf_init(&b, 0);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	*status = 0;
	if (curl_easy_perform(h) == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
		r = strdup(b.data ? b.data : "");
	}
	curl_easy_cleanup(h);
	buf_free(&b);
	return r;
}

static void
s_setup(void)
{
	char tmpl[] = "/tmp/lh-am-XXXXXX";

	cr_assert_not_null(mkdtemp(tmpl));
	memset(&A, 0, sizeof A);
	snprintf(A.dir, sizeof A.dir, "%s", tmpl);
	output_http_global_init();
}

static void
s_teardown(void)
{
	char cmd[256];

	proc_stop(&A.stage, SIGKILL, 5);
	proc_stop(&A.am, SIGKILL, 5);
	if (getenv("LOGHAUL_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", A.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", A.dir);
	}
}

/*
 * Alertmanager's port from its log: it logs the address it bound
 * (msg="Listening on" address=127.0.0.1:PORT), so port 0 works. 0: not yet.
 */
static int
s_am_logged_port(const char *logp)
{
	char *log = s_slurp(logp), *p = strstr(log, "msg=\"Listening on\"");
	int port = 0;

	if (p && (p = strstr(p, "address=127.0.0.1:")) != NULL)
		port = (int)strtol(p + strlen("address=127.0.0.1:"), NULL, 10);
	free(log);
	return port;
}

/*
 * Start Alertmanager and wait (bounded) until it is ready: on A.port when a
 * test fixed it before, else on any free port, read back from its log.
 */
static void
s_am_start(void)
{
	char cfg[128], data[128], logp[128], listen[64], cfgarg[160], dataarg[160];
	char *const argv[] = { (char *)(uintptr_t)AM_BIN, cfgarg, dataarg, listen,
	    (char *)(uintptr_t)"--cluster.listen-address=",
	    (char *)(uintptr_t)"--log.level=info", NULL };
	int fixed = A.port != 0;

	cr_assert_eq(access(AM_BIN, X_OK), 0, AM_BIN " is not installed "
	    "(scripts/install-deps installs prometheus-alertmanager)");
	snprintf(cfg, sizeof cfg, "%s/alertmanager.yml", A.dir);
	snprintf(data, sizeof data, "%s/am-data", A.dir);
	snprintf(logp, sizeof logp, "%s/am.log", A.dir);
	s_write(cfg,
	    "route:\n"
	    "  receiver: 'null'\n"
	    "  group_wait: 1s\n"
	    "  group_interval: 1s\n"
	    "receivers:\n"
	    "  - name: 'null'\n");
	mkdir(data, 0700);
	snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d", A.port);
	snprintf(cfgarg, sizeof cfgarg, "--config.file=%s", cfg);
	snprintf(dataarg, sizeof dataarg, "--storage.path=%s", data);
	unlink(logp);
	cr_assert_eq(proc_spawn(&A.am, argv, logp, NULL, NULL), 0);
	for (int i = 0; i < 300 && proc_alive(&A.am); i++) {
		long status = 0;
		char *r;

		if (!fixed && (A.port = s_am_logged_port(logp)) == 0) {
			usleep(100000);
			continue;
		}
		r = s_get("/-/ready", &status);
		free(r);
		if (status == 200)
			return;
		usleep(100000);
	}
	proc_stop(&A.am, SIGKILL, 5);
	{
		char *log = s_slurp(logp);
		cr_assert_fail("Alertmanager did not become ready:\n%s", log);
	}
}

/* Ask Alertmanager through Python's json module what it holds. */
static char *
s_am_alerts(void)
{
	long status;
	char *body = s_get("/api/v2/alerts", &status), path[128], cmd[1024];
	char *out = calloc(1, 65536);
	FILE *p;
	size_t n;

	cr_assert_not_null(body, "GET /api/v2/alerts failed");
	cr_assert_eq(status, 200, "GET /api/v2/alerts: %ld %s", status, body);
	snprintf(path, sizeof path, "%s/alerts.json", A.dir);
	s_write(path, body);
	free(body);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c '"
	    "import json,sys,datetime as d\n"
	    "now=d.datetime.now(d.timezone.utc)\n"
	    "for a in json.load(open(sys.argv[1])):\n"
	    "  l=a[\"labels\"]\n"
	    "  e=d.datetime.strptime(a[\"endsAt\"][:19],\"%%Y-%%m-%%dT%%H:%%M:%%S\")"
	    ".replace(tzinfo=d.timezone.utc)\n"
	    "  print(l[\"alertname\"],l[\"device\"],ascii(l[\"interface\"]),l[\"severity\"],"
	    "a[\"status\"][\"state\"],\"future\" if e>now else \"past\","
	    "a[\"startsAt\"][:19],ascii(a[\"annotations\"][\"description\"]))\n"
	    "' '%s' 2>&1", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "python: %s", out);
	return out;
}

/* Poll Alertmanager until want() holds for what it returns (bounded). */
static char *
s_am_wait(int (*want)(const char *), int seconds, struct output_set *s)
{
	char *out = NULL;

	for (int i = 0; i < seconds * 5; i++) {
		if (s)
			output_set_tick(s, UINT64_MAX, util_wallms());
		free(out);
		out = s_am_alerts();
		if (want(out))
			return out;
		usleep(200000);
	}
	cr_assert_fail("Alertmanager never showed what was expected; it holds:\n%s",
	    out);
	return out;
}

static int
s_firing(const char *out)
{
	return strstr(out, "InterfaceDown edge-7 'Gi0/1\"{}\\ufffd\\ufffd' "
	    "critical active future") != NULL;
}

static int
s_gone(const char *out)
{
	/* Alertmanager's API lists only alerts that have not ended. */
	return strstr(out, "InterfaceDown edge-7") == NULL;
}

static struct wire_bytes
s_w(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

TestSuite(alertmanager, .init = s_setup, .fini = s_teardown);

Test(alertmanager, down_fires_and_up_resolves_in_a_real_alertmanager)
{
	static const char ifname[] = "Gi0/1\"{}\n\x1b";
	struct alert_conf ac = { 5, 60000, 120000 };
	struct alert_engine *e = alert_new(&ac);
	struct alert_changes ch = { 0 };
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("alertmanager", NULL, NULL);
	struct wire_event ev;
	int64_t dev_time = util_wallms() - 3600 * 1000;	/* an hour ago */
	char url[64], err[256], *out;
	int hold;

	/* The stage starts first: Alertmanager is not there yet, so the
	 * firing alert must wait in the retry queue, not be lost. Its port
	 * refuses connections, held by us until Alertmanager takes it. */
	A.port = net_refused_port(&hold);
	cr_assert_gt(A.port, 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", A.port);
	conf_output_set_ms(&co, "resend", 1000);
	conf_output_set_str(&co, "url", url);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	memset(&ev, 0, sizeof ev);
	ev.id = 100;
	ev.rule = s_w("ios_link");
	ev.event = s_w("interface_down");
	ev.platform = s_w("cisco_ios");
	ev.interface = (struct wire_bytes){ ifname, sizeof ifname - 1 };
	ev.state = IF_DOWN;
	ev.kind = IFK_LINK;
	ev.severity = s_w("critical");
	ev.ts_ms = dev_time;
	ev.ts_raw = s_w("Nov 22 00:48:05.123");
	ev.line = s_w("%LINK-3-UPDOWN: Interface Gi0/1, changed state to down");
	alert_apply(e, s_w("edge-7"), &ev, 1, util_wallms(), &ch);
	cr_assert_eq(ch.n, 1);
	output_set_push(s, alert_change_dup(ch.v[0]));
	output_set_pump(s, UINT64_MAX, util_wallms());
	usleep(300000);			/* let the first POST fail */

	close(hold);
	s_am_start();
	out = s_am_wait(s_firing, 60, s);
	/* startsAt is the device's time of the down event. */
	{
		char want[32];
		struct buf t;
		buf_init(&t, 0);
		output_time(&t, dev_time);
		snprintf(want, sizeof want, "%.19s", t.data);
		cr_assert_not_null(strstr(out, want), "startsAt %s not in:\n%s", want,
		    out);
		buf_free(&t);
	}
	cr_assert_not_null(strstr(out, "'%LINK-3-UPDOWN: Interface Gi0/1, changed "
	    "state to down'"), "annotation: %s", out);
	free(out);

	/* The up event resolves it. */
	ev.id = 101;
	ev.state = IF_UP;
	ev.event = s_w("interface_up");
	ev.ts_ms = dev_time + 60000;
	ev.line = s_w("%LINK-3-UPDOWN: Interface Gi0/1, changed state to up");
	alert_apply(e, s_w("edge-7"), &ev, 1, util_wallms(), &ch);
	cr_assert_eq(ch.n, 2);
	cr_assert_eq(ch.v[1]->status, ALERT_RESOLVED);
	output_set_push(s, alert_change_dup(ch.v[1]));
	output_set_pump(s, UINT64_MAX, util_wallms());
	out = s_am_wait(s_gone, 30, s);
	free(out);
	/* And it stays resolved: the periodic resend does not revive it. */
	for (int i = 0; i < 15; i++) {
		output_set_tick(s, UINT64_MAX, util_wallms());
		usleep(200000);
	}
	out = s_am_alerts();
	cr_assert(s_gone(out), "revived:\n%s", out);
	free(out);
	{
		struct output *o = output_set_get(s, 0);
		struct output_stats st;
		o->ops->stats(o, &st);
		cr_assert_geq(st.failures, 1, "the first POST should have failed");
		cr_assert_eq(o->done, ch.v[1]->seq, "the resolution is delivered");
	}
	output_set_free(&s);
	alert_changes_clear(&ch);
	alert_free(&e);
}

/* The same through the daemon: EVENTS in, Alertmanager out. */
static void
s_send(void *dealer, uint64_t id, enum ifstate st, int64_t ts)
{
	struct wire_event ev;
	struct wire_events m;
	struct buf b;

	memset(&ev, 0, sizeof ev);
	ev.id = id;
	ev.rule = s_w("ios_link");
	ev.event = s_w(st == IF_UP ? "interface_up" : "interface_down");
	ev.platform = s_w("cisco_ios");
	ev.interface = s_w("Gi0/1\"{}\n\x1b");
	ev.state = st;
	ev.kind = IFK_LINK;
	ev.severity = s_w("critical");
	ev.ts_ms = ts;
	ev.ts_raw = s_w("Nov 22 00:48:05.123");
	ev.line = s_w("%LINK-3-UPDOWN: Interface Gi0/1, changed state to down");
	memset(&m, 0, sizeof m);
	m.key.collector = s_w("c1");
	m.key.device = s_w("edge-7");
	m.key.first_id = m.key.last_id = id;
	m.events = &ev;
	m.nevents = 1;
	buf_init(&b, 0);
	cr_assert_eq(wire_encode_events(&b, &m), CERR_OK);
	for (int tries = 0; tries < 10; tries++) {
		zmq_pollitem_t pi = { dealer, 0, ZMQ_POLLIN, 0 };
		char ack[1024];
		cr_assert_eq(zmq_send(dealer, b.data, b.len, 0), (int)b.len);
		if (zmq_poll(&pi, 1, 3000) == 1 &&
		    zmq_recv(dealer, ack, sizeof ack, 0) > 0)
			break;
		cr_assert_lt(tries, 9, "no ack from loghaul-alerts");
	}
	buf_free(&b);
}

Test(alertmanager, through_the_daemon)
{
	char conf[128], logp[128], text[1024], ep[128], ready[160], bin[512], *out;
	char *const argv[] = { proc_bin(bin, sizeof bin, "loghaul-alerts"),
	    (char *)(uintptr_t)"--config", conf, NULL };
	void *ctx, *dealer;
	int zero = 0;
	int64_t t = util_wallms() - 600000;

	s_am_start();
	snprintf(conf, sizeof conf, "%s/loghaul.yaml", A.dir);
	snprintf(logp, sizeof logp, "%s/stage.log", A.dir);
	snprintf(ep, sizeof ep, "ipc://%s/alerts.sock", A.dir);
	snprintf(text, sizeof text,
	    "alerts:\n  listen: %s\n  state_dir: %s/state\n"
	    "  outputs:\n"
	    "    - {type: jsonl, path: %s/alerts.jsonl}\n"
	    "    - {type: alertmanager, url: \"http://127.0.0.1:%d\", resend: 1s}\n",
	    ep, A.dir, A.dir, A.port);
	s_write(conf, text);
	snprintf(ready, sizeof ready, "%s/stage.ready", A.dir);
	cr_assert_eq(proc_spawn(&A.stage, argv, logp, ready, NULL), 0);
	cr_assert_eq(proc_wait_ready(&A.stage, 10), 0,
	    "loghaul-alerts did not start");
	ctx = zmq_ctx_new();
	dealer = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
	cr_assert_eq(zmq_connect(dealer, ep), 0);

	s_send(dealer, 1, IF_DOWN, t);
	out = s_am_wait(s_firing, 30, NULL);
	free(out);
	s_send(dealer, 2, IF_UP, t + 1000);
	out = s_am_wait(s_gone, 30, NULL);
	free(out);
	zmq_close(dealer);
	zmq_ctx_term(ctx);
	{
		int st = proc_stop(&A.stage, SIGTERM, 15);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}
