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
	char *body = s_get("/api/v2/alerts", &status), path[128], cmd[4096];
	char *out = calloc(1, 65536);
	FILE *p;
	size_t n;

	cr_assert_not_null(body, "GET /api/v2/alerts failed");
	cr_assert_eq(status, 200, "GET /api/v2/alerts: %ld %s", status, body);
	snprintf(path, sizeof path, "%s/alerts.json", A.dir);
	s_write(path, body);
	free(body);
	/* Descriptions are shown as their first 40 characters, their length
	 * and whether the rest is the test's padding ("x"). */
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c '"
	    "import json,sys,datetime as d\n"
	    "now=d.datetime.now(d.timezone.utc)\n"
	    "f=lambda v: None if v is None else ascii(v[:40])+\" %%d %%s\"%%(len(v),"
	    "v[40:]==\"x\"*(len(v)-40))\n"
	    "for a in json.load(open(sys.argv[1])):\n"
	    "  l=a[\"labels\"];n=a[\"annotations\"]\n"
	    "  e=d.datetime.strptime(a[\"endsAt\"][:19],\"%%Y-%%m-%%dT%%H:%%M:%%S\")"
	    ".replace(tzinfo=d.timezone.utc)\n"
	    "  print(l[\"alertname\"],l[\"device\"],ascii(l[\"interface\"]),l[\"severity\"],"
	    "a[\"status\"][\"state\"],\"future\" if e>now else \"past\","
	    "a[\"startsAt\"][:19],ascii(n.get(\"line\")),sorted(l),"
	    "\"label\",f(l.get(\"description\")),\"annotation\",f(n.get(\"description\")),"
	    "n.get(\"reconciled\"),n.get(\"reason\"),n.get(\"received_at\"))\n"
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
s_send_descr(void *dealer, const char *device, uint64_t id, enum ifstate st,
    int64_t ts, struct wire_bytes descr)
{
	struct wire_event ev;
	struct wire_events m;
	struct wire_capture cap = { s_w("description"), descr };
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
	ev.rx_ms = ts + 500;
	if (descr.len > 0) {
		ev.captures = &cap;
		ev.ncaptures = 1;
	}
	memset(&m, 0, sizeof m);
	m.key.collector = s_w("c1");
	m.key.device = s_w(device);
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

static void
s_send(void *dealer, uint64_t id, enum ifstate st, int64_t ts)
{
	s_send_descr(dealer, "edge-7", id, st, ts, s_w(""));
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

/* ---- descriptions ---- */

/*
 * A device's interface description at its most hostile: quotes, braces and
 * a backslash that would end a JSON string or open an object, a terminal
 * escape, a newline, invalid UTF-8, UTF-8, a NUL; padded with "x" to 10 KiB.
 */
static const char s_hostile[] = "to \"core-1\" {}\\ \x1b[31m\n\xff\xfe caf\xc3\xa9 \0nul ";
static char s_descr10k[10240];

static struct wire_bytes
s_descr(void)
{
	memcpy(s_descr10k, s_hostile, sizeof s_hostile - 1);
	memset(s_descr10k + sizeof s_hostile - 1, 'x',
	    sizeof s_descr10k - (sizeof s_hostile - 1));
	return (struct wire_bytes){ s_descr10k, sizeof s_descr10k };
}

/*
 * What Alertmanager shows of it: the first 256 bytes (the cut), control
 * characters and invalid bytes as U+FFFD; the annotation is 255 characters,
 * the label, at most 256 bytes, 245. First 40 characters, length, and
 * whether the rest is the padding.
 */
#define HOSTILE40 "'to \"core-1\" {}\\\\ \\ufffd[31m\\ufffd\\ufffd\\ufffd caf\\xe9 " \
	"\\ufffdnul xxxxx'"
#define HOSTILE_LABEL HOSTILE40 " 245 True"
#define HOSTILE_ANNOT HOSTILE40 " 255 True"

static int
s_edge8_firing(const char *out)
{
	return strstr(out, "InterfaceDown edge-8 'GigabitEthernet0/3' critical "
	    "active future") != NULL;
}

static int
s_edge8_gone(const char *out)
{
	return strstr(out, "InterfaceDown edge-8") == NULL;
}

static struct alert_change *
s_snap_change(uint64_t seq, enum alert_status st, int64_t t,
    struct wire_bytes descr)
{
	struct alert_change *c = alert_change_new();

	c->seq = seq;
	c->status = st;
	c->type = ALERT_T_DOWN;
	c->state = st == ALERT_RESOLVED ? IF_UP : IF_DOWN;
	c->kind = IFK_SNAPSHOT;
	alert_str_set(&c->device, "edge-8", 6, SIZE_MAX);
	alert_str_set(&c->interface, "GigabitEthernet0/3", 18, SIZE_MAX);
	alert_str_set(&c->rule, "snapshot", 8, SIZE_MAX);
	alert_str_set(&c->event, "interface_snapshot", 18, SIZE_MAX);
	alert_str_set(&c->severity, "critical", 8, SIZE_MAX);
	alert_str_set(&c->platform, "cisco_ios", 9, SIZE_MAX);
	c->record_id = 1000 + seq;
	c->device_time = t;
	c->starts_at = t;
	c->ends_at = st == ALERT_RESOLVED ? t + 1000 : 0;
	c->raised_at = util_wallms();
	c->received_at = t + 500;
	c->reconciled = 1;
	alert_str_set(&c->reason, "wrap", 4, SIZE_MAX);
	/* Uncut: the output must bound it itself. */
	alert_str_set(&c->description, descr.ptr, descr.len, SIZE_MAX);
	return c;
}

/* The time as output_time() writes it (what Alertmanager echoes). */
static void
s_time(char *dst, size_t len, int64_t ms)
{
	struct buf t;

	buf_init(&t, 0);
	output_time(&t, ms);
	snprintf(dst, len, "%s", t.data);
	buf_free(&t);
}

Test(alertmanager, hostile_description_reaches_alertmanager_as_one_annotation_and_label)
{
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("alertmanager", NULL, NULL);
	int64_t t = util_wallms() - 600000;
	char url[64], err[256], want[1024], rx[40], *out;

	s_am_start();
	snprintf(url, sizeof url, "http://127.0.0.1:%d", A.port);
	conf_output_set_ms(&co, "resend", 1000);
	conf_output_set_str(&co, "url", url);
	outconf_enum(&co, "description_label", "true");
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	output_set_push(s, s_snap_change(1, ALERT_FIRING, t, s_descr()));
	output_set_pump(s, UINT64_MAX, util_wallms());
	out = s_am_wait(s_edge8_firing, 30, s);
	s_time(rx, sizeof rx, t + 500);
	snprintf(want, sizeof want, "None ['alertname', 'description', 'device', "
	    "'interface', 'severity'] label " HOSTILE_LABEL " annotation "
	    HOSTILE_ANNOT " true wrap %s\n", rx);
	cr_assert_not_null(strstr(out, want), "want: %s\nAlertmanager holds:\n%s",
	    want, out);
	free(out);

	/* The description changed before the resolution: it still ends the
	 * alert that fired (same label set), which then goes. */
	output_set_push(s, s_snap_change(2, ALERT_RESOLVED, t, s_w("changed")));
	output_set_pump(s, UINT64_MAX, util_wallms());
	out = s_am_wait(s_edge8_gone, 30, s);
	free(out);
	output_set_free(&s);
}

/*
 * Through the daemon the description comes as the event's capture
 * "description" (a snapshot row's, or a rule's), which the alert stage
 * keeps per interface; the receive time is the event's rx_ms.
 */
static int
s_edge6_firing(const char *out)
{
	return strstr(out, "InterfaceDown edge-6 'Gi0/1\"{}\\ufffd\\ufffd' "
	    "critical active future") != NULL;
}

static int
s_edge6_gone(const char *out)
{
	return strstr(out, "InterfaceDown edge-6") == NULL;
}

Test(alertmanager, description_capture_through_the_daemon)
{
	char conf[128], logp[128], text[1024], ep[128], ready[160], bin[512];
	char want[1024], rx[40], *out;
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
	    "    - {type: alertmanager, url: \"http://127.0.0.1:%d\", resend: 1s,"
	    " description_label: true}\n",
	    ep, A.dir, A.port);
	s_write(conf, text);
	snprintf(ready, sizeof ready, "%s/stage.ready", A.dir);
	cr_assert_eq(proc_spawn(&A.stage, argv, logp, ready, NULL), 0);
	cr_assert_eq(proc_wait_ready(&A.stage, 10), 0,
	    "loghaul-alerts did not start");
	ctx = zmq_ctx_new();
	dealer = zmq_socket(ctx, ZMQ_DEALER);
	zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
	cr_assert_eq(zmq_connect(dealer, ep), 0);

	s_send_descr(dealer, "edge-6", 1, IF_DOWN, t, s_descr());
	out = s_am_wait(s_edge6_firing, 30, NULL);
	s_time(rx, sizeof rx, t + 500);
	snprintf(want, sizeof want, "['alertname', 'description', 'device', "
	    "'interface', 'severity'] label " HOSTILE_LABEL " annotation "
	    HOSTILE_ANNOT " None None %s\n", rx);
	cr_assert_not_null(strstr(out, want), "want: %s\nAlertmanager holds:\n%s",
	    want, out);
	free(out);
	s_send_descr(dealer, "edge-6", 2, IF_UP, t + 1000, s_w(""));
	out = s_am_wait(s_edge6_gone, 30, NULL);
	free(out);
	zmq_close(dealer);
	zmq_ctx_term(ctx);
	{
		int st = proc_stop(&A.stage, SIGTERM, 15);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}
