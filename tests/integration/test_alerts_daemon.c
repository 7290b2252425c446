/*
 * test_alerts_daemon.c — loghaul-alerts as a process: EVENTS over a real
 * DEALER socket, ACKs back, the jsonl file, kill -9 and restart, garbage
 * frames, hostile names, SIGHUP, a damaged state directory.
 *
 * Every daemon is started by the test with PR_SET_PDEATHSIG (it dies with
 * the test process whatever happens) and killed by pid in the fini.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "common/buf.h"
#include "common/wire.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/proc.h"

#define T0 INT64_C(1700000000000)

struct dmn {
	char  dir[64], conf[128], jsonl[128], log[128], ep[128], state[128];
	char  ready[128];
	struct proc p;
	void *ctx, *dealer;
};

static struct dmn D;

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

static int
s_lines(const char *path)
{
	char *t = s_slurp(path);
	int n = 0;

	for (char *p = t; *p; p++)
		n += *p == '\n';
	free(t);
	return n;
}

static void
s_conf(const char *extra)
{
	char text[2048];

	snprintf(text, sizeof text,
	    "alerts:\n"
	    "  listen: %s\n"
	    "  state_dir: %s\n"
	    "  flap: {changes: 5, window: 60s, stable: 120s}\n"
	    "  outputs:\n"
	    "    - {type: jsonl, path: %s}\n"
	    "%s",
	    D.ep, D.state, D.jsonl, extra ? extra : "");
	s_write(D.conf, text);
}

static void
s_setup(void)
{
	char tmpl[] = "/tmp/lh-alertsd-XXXXXX";
	int tmo = 10000, zero = 0;

	cr_assert_not_null(mkdtemp(tmpl));
	memset(&D, 0, sizeof D);
	snprintf(D.dir, sizeof D.dir, "%s", tmpl);
	snprintf(D.conf, sizeof D.conf, "%s/loghaul.yaml", D.dir);
	snprintf(D.jsonl, sizeof D.jsonl, "%s/alerts.jsonl", D.dir);
	snprintf(D.log, sizeof D.log, "%s/stderr.log", D.dir);
	snprintf(D.ready, sizeof D.ready, "%s/ready", D.dir);
	snprintf(D.ep, sizeof D.ep, "ipc://%s/alerts.sock", D.dir);
	snprintf(D.state, sizeof D.state, "%s/state", D.dir);
	s_conf(NULL);
	D.ctx = zmq_ctx_new();
	D.dealer = zmq_socket(D.ctx, ZMQ_DEALER);
	zmq_setsockopt(D.dealer, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
	zmq_setsockopt(D.dealer, ZMQ_LINGER, &zero, sizeof zero);
	cr_assert_eq(zmq_connect(D.dealer, D.ep), 0);
}

static void
s_teardown(void)
{
	char cmd[256];

	proc_stop(&D.p, SIGKILL, 5);
	zmq_close(D.dealer);
	zmq_ctx_term(D.ctx);
	if (getenv("LOGHAUL_KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", D.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", D.dir);
	}
}

/* Start loghaul-alerts on conf into q, its output appended to D.log. */
static void
s_spawn(struct proc *q, const char *conf, const char *ready)
{
	char bin[512];
	char *const argv[] = { proc_bin(bin, sizeof bin, "loghaul-alerts"),
	    (char *)(uintptr_t)"--config", (char *)(uintptr_t)conf,
	    (char *)(uintptr_t)"-v", NULL };

	cr_assert_eq(proc_spawn(q, argv, D.log, ready, NULL), 0);
}

/* Start the daemon and wait (bounded) until it serves. */
static void
s_start(void)
{
	s_spawn(&D.p, D.conf, D.ready);
	if (proc_wait_ready(&D.p, 10) == 0)
		return;
	if (D.p.pid == 0)
		cr_assert_fail("loghaul-alerts exited at start:\n%s", s_slurp(D.log));
	cr_assert_fail("loghaul-alerts did not start in 10 s");
}

/* Signal the daemon and wait (bounded) for its exit status. */
static int
s_stop(int sig)
{
	int st;

	cr_assert_gt(D.p.pid, 0);
	st = proc_stop(&D.p, sig, 15);
	if (sig != SIGKILL && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		cr_assert_fail("loghaul-alerts did not stop in 15 s after signal "
		    "%d", sig);
	return st;
}

static struct wire_bytes
s_w(const char *s)
{
	return (struct wire_bytes){ s, strlen(s) };
}

static struct wire_event
s_ev(uint64_t id, struct wire_bytes ifname, enum ifstate st, enum ifkind k,
    int64_t ts)
{
	struct wire_event e;

	memset(&e, 0, sizeof e);
	e.id = id;
	e.rule = s_w(k == IFK_PROTOCOL ? "ios_lineproto" : "ios_link");
	e.event = s_w(st == IF_UP ? "interface_up" : "interface_down");
	e.platform = s_w("cisco_ios");
	e.interface = ifname;
	e.state = st;
	e.kind = k;
	e.severity = s_w("critical");
	e.ts_ms = ts;
	e.ts_raw = s_w("Nov 14 22:13:20.000");
	e.line = s_w("%LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state");
	return e;
}

static void
s_send_frame(const void *p, size_t n)
{
	cr_assert_eq(zmq_send(D.dealer, p, n, 0), (int)n);
}

static void
s_send_events(const char *dev, uint64_t first, uint64_t last,
    struct wire_event *evs, size_t n)
{
	struct wire_events m;
	struct buf b;

	memset(&m, 0, sizeof m);
	m.key.collector = s_w("c1");
	m.key.device = s_w(dev);
	m.key.first_id = first;
	m.key.last_id = last;
	m.events = evs;
	m.nevents = n;
	buf_init(&b, 0);
	cr_assert_eq(wire_encode_events(&b, &m), CERR_OK);
	s_send_frame(b.data, b.len);
	buf_free(&b);
}

/*
 * Wait for the ack of (dev, first, last), skipping acks of other keys (a
 * re-sent message is acked again). 1 when it came within ms.
 */
static int
s_wait_ack(const char *dev, uint64_t first, uint64_t last, int ms)
{
	for (int waited = 0; waited < ms; waited += 100) {
		zmq_pollitem_t pi = { D.dealer, 0, ZMQ_POLLIN, 0 };
		char buf[4096], err[128];
		struct wire_msg msg;
		int n;

		if (zmq_poll(&pi, 1, 100) != 1)
			continue;
		n = zmq_recv(D.dealer, buf, sizeof buf, 0);
		cr_assert_gt(n, 0);
		cr_assert_eq(wire_decode(buf, (size_t)n, &msg, err, sizeof err),
		    CERR_OK, "ack does not decode: %s", err);
		cr_assert_eq(msg.type, WIRE_ACK);
		if (wire_bytes_eq(msg.u.ack.device, s_w(dev)) &&
		    msg.u.ack.first_id == first && msg.u.ack.last_id == last) {
			cr_assert(wire_bytes_eq(msg.u.ack.collector, s_w("c1")));
			wire_msg_free(&msg);
			return 1;
		}
		wire_msg_free(&msg);
	}
	return 0;
}

/* Send until acked, as an analyzer does after its ack timeout. */
static void
s_deliver(const char *dev, uint64_t first, uint64_t last,
    struct wire_event *evs, size_t n)
{
	for (int tries = 0; tries < 10; tries++) {
		s_send_events(dev, first, last, evs, n);
		if (s_wait_ack(dev, first, last, 2000))
			return;
	}
	cr_assert_fail("no ack for %s %llu-%llu", dev, (unsigned long long)first,
	    (unsigned long long)last);
}

/* Run Python's json module over the jsonl file; returns its output. */
static char *
s_py(const char *code)
{
	char cmd[4096], *out = calloc(1, 65536);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c '%s' '%s' 2>&1", code,
	    D.jsonl);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "python: %s", out);
	return out;
}

#define PY_SUMMARY \
	"import json,sys\n" \
	"for l in open(sys.argv[1]):\n" \
	"  o=json.loads(l)\n" \
	"  print(o[\"seq\"],o[\"status\"],o[\"alert\"],ascii(o[\"interface\"])," \
	"o[\"state\"],o[\"record_id\"])\n"

TestSuite(alerts_daemon, .init = s_setup, .fini = s_teardown);

Test(alerts_daemon, down_up_acked_written_once_and_sigterm_exits_0)
{
	struct wire_event down[2] = {
		s_ev(1, s_w("Gi0/1"), IF_DOWN, IFK_LINK, T0),
		s_ev(2, s_w("Gi0/1"), IF_DOWN, IFK_PROTOCOL, T0 + 1),
	};
	struct wire_event up[2] = {
		s_ev(3, s_w("Gi0/1"), IF_UP, IFK_LINK, T0 + 5000),
		s_ev(4, s_w("Gi0/1"), IF_UP, IFK_PROTOCOL, T0 + 5001),
	};
	char *out;
	int st;

	s_start();
	s_deliver("r1", 1, 2, down, 2);
	cr_assert_eq(s_lines(D.jsonl), 1, "the ack came before the line");
	/* Redelivered: acked again, nothing new. */
	s_deliver("r1", 1, 2, down, 2);
	s_deliver("r1", 1, 2, down, 2);
	cr_assert_eq(s_lines(D.jsonl), 1, "a redelivery wrote a line");
	s_deliver("r1", 3, 4, up, 2);
	out = s_py(PY_SUMMARY);
	cr_assert_str_eq(out,
	    "1 firing InterfaceDown 'GigabitEthernet0/1' down 1\n"
	    "2 resolved InterfaceDown 'GigabitEthernet0/1' up 3\n");
	free(out);
	st = s_stop(SIGTERM);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
}

Test(alerts_daemon, kill9_and_restart_lose_nothing_and_double_nothing)
{
	enum { N = 24, IFS = 4 };
	char names[IFS][16];
	char *out, *p;
	int seen[N + 1] = { 0 };

	for (int i = 0; i < IFS; i++)
		snprintf(names[i], sizeof names[i], "Gi0/%d", i);
	s_start();
	for (int i = 0; i < N; i++) {
		/* Message i toggles interface i % IFS: down on even rounds. */
		int round = i / IFS;
		struct wire_event ev = s_ev((uint64_t)i + 1, s_w(names[i % IFS]),
		    round % 2 ? IF_UP : IF_DOWN, IFK_LINK,
		    T0 + (int64_t)i * 600000);

		if (i % 3 == 1) {
			/* Crash at some moment after the send: before, during
			 * or after the commit; the ack may or may not come. */
			s_send_events("r1", (uint64_t)i + 1, (uint64_t)i + 1, &ev, 1);
			usleep((useconds_t)(i * 700));
			s_stop(SIGKILL);
			s_start();
		}
		s_deliver("r1", (uint64_t)i + 1, (uint64_t)i + 1, &ev, 1);
		if (i % 5 == 4) {
			/* And a crash with nothing in flight. */
			s_stop(SIGKILL);
			s_start();
		}
	}
	cr_assert_eq(s_lines(D.jsonl), N, "%d lines for %d changes", s_lines(D.jsonl),
	    N);
	out = s_py(PY_SUMMARY);
	/* Each record id exactly once, with the status its event calls for. */
	for (p = out; *p; p = strchr(p, '\n') + 1) {
		unsigned long long seq, rid;
		char status[16], alert[32], ifn[32], state[16];
		cr_assert_eq(sscanf(p, "%llu %15s %31s %31s %15s %llu", &seq, status,
		    alert, ifn, state, &rid), 6, "bad line %s", p);
		cr_assert(rid >= 1 && rid <= N);
		cr_assert_eq(seen[rid], 0, "record %llu alerted twice", rid);
		seen[rid] = 1;
		cr_assert_str_eq(status, ((rid - 1) / IFS) % 2 ? "resolved" : "firing",
		    "record %llu", rid);
	}
	for (int i = 1; i <= N; i++)
		cr_assert_eq(seen[i], 1, "record %d lost", i);
	free(out);
}

static long
s_metric(const char *text, const char *series)
{
	const char *p = strstr(text, series);

	if (p == NULL)
		return -1;
	return strtol(p + strlen(series), NULL, 10);
}

static size_t
s_curl_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, size * n);
	return size * n;
}

static char *
s_get(const char *url, long *status)
{
	CURL *h = curl_easy_init();
	struct buf b;
	char *r;

	buf_init(&b, 0);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_curl_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
	cr_assert_eq(curl_easy_perform(h), CURLE_OK);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	r = strdup(b.data ? b.data : "");
	buf_free(&b);
	return r;
}

static int
s_metrics_port(void)
{
	int port = proc_ready_value(&D.p, "metrics");

	cr_assert_gt(port, 0, "no metrics port in %s", D.ready);
	return port;
}

Test(alerts_daemon, garbage_frames_are_counted_and_the_socket_keeps_working)
{
	static const unsigned char junk[] = { 0xc1, 0xff, 0x00, 0x13, 0x37 };
	static const unsigned char not_lh[] = { 0x93, 0xa2, 'X', 'Y', 0x01, 0x02 };
	struct wire_event ev = s_ev(1, s_w("Gi0/1"), IF_DOWN, IFK_LINK, T0);
	struct wire_batch batch;
	struct wire_events m;
	struct buf b;
	char url[64], *text;
	long status;
	char *big;
	int st;

	s_conf("  metrics: 127.0.0.1:0\n");
	s_start();
	s_send_frame(junk, sizeof junk);
	s_send_frame("", 0);
	s_send_frame(not_lh, sizeof not_lh);
	/* An EVENTS message from a newer version. */
	memset(&m, 0, sizeof m);
	m.key.collector = s_w("c1");
	m.key.device = s_w("r1");
	m.key.first_id = m.key.last_id = 1;
	m.events = &ev;
	m.nevents = 1;
	buf_init(&b, 0);
	cr_assert_eq(wire_encode_events(&b, &m), CERR_OK);
	{
		char *lh = memmem(b.data, b.len, "\xa2LH", 3);
		cr_assert_not_null(lh);
		cr_assert_eq(lh[3], WIRE_VERSION, "version is the uint after the magic");
		lh[3] = WIRE_VERSION + 1;
	}
	s_send_frame(b.data, b.len);
	/* A well-formed message of a type the stage does not take. */
	memset(&batch, 0, sizeof batch);
	batch.key = m.key;
	batch.platform = s_w("cisco_ios");
	buf_reset(&b);
	cr_assert_eq(wire_encode_batch(&b, &batch), CERR_OK);
	s_send_frame(b.data, b.len);
	buf_free(&b);
	/* Over WIRE_MAX_FRAME (libzmq itself cuts a peer only past more). */
	big = calloc(1, WIRE_MAX_FRAME + 1000);
	s_send_frame(big, WIRE_MAX_FRAME + 1000);
	free(big);
	/* Two frames from a DEALER: [identity][x][payload] at the ROUTER. */
	cr_assert_eq(zmq_send(D.dealer, "x", 1, ZMQ_SNDMORE), 1);
	s_send_frame("y", 1);

	/* And the stage still works. */
	s_deliver("r1", 1, 1, &ev, 1);
	cr_assert_eq(s_lines(D.jsonl), 1);

	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", s_metrics_port());
	/* Counters are refreshed once a second: give them a bounded moment. */
	for (int i = 0; i < 50; i++) {
		text = s_get(url, &status);
		if (s_metric(text, "loghaul_alerts_events_total{result=\"applied\"} ") == 1)
			break;
		free(text);
		text = NULL;
		usleep(100000);
	}
	cr_assert_not_null(text, "metrics never showed the applied event");
	cr_assert_eq(status, 200);
	{
		long parse = s_metric(text,
		    "loghaul_alerts_frames_dropped_total{reason=\"parse\"} ");
		long proto = s_metric(text,
		    "loghaul_alerts_frames_dropped_total{reason=\"proto\"} ");
		long toobig = s_metric(text,
		    "loghaul_alerts_frames_dropped_total{reason=\"toobig\"} ");
		long type = s_metric(text,
		    "loghaul_alerts_frames_dropped_total{reason=\"type\"} ");
		long env = s_metric(text,
		    "loghaul_alerts_frames_dropped_total{reason=\"envelope\"} ");
		cr_assert_eq(parse + proto, 4, "junk, empty, not LH, newer version: "
		    "parse=%ld proto=%ld\n%s", parse, proto, text);
		cr_assert_eq(toobig, 1);
		cr_assert_eq(type, 1);
		cr_assert_eq(env, 1);
		cr_assert_eq(s_metric(text, "loghaul_alerts_acks_total{result=\"sent\"} "),
		    1);
		cr_assert_eq(s_metric(text, "loghaul_alerts_open{alertname=\"InterfaceDown\"} "),
		    1);
	}
	free(text);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", s_metrics_port());
	text = s_get(url, &status);
	cr_assert_eq(status, 200, "healthz: %s", text);
	free(text);
	st = s_stop(SIGTERM);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	text = s_slurp(D.log);
	cr_assert_not_null(strstr(text, "dropped a frame"));
	cr_assert_not_null(strstr(text, "bad=7 "), "%s", text);
	free(text);
}

Test(alerts_daemon, hostile_names_and_lines_are_escaped_not_injected)
{
	static const char name[] = "Gi0/1\",\"status\":\"resolved\"}\n../../etc\0\x1b[2J\xff{";
	static const char line[] = "%LINK-3-UPDOWN: \0\x1b]0;owned\x07\r\xc3\x28\n{\"x\":1}";
	struct wire_event ev = s_ev(1, (struct wire_bytes){ name, sizeof name - 1 },
	    IF_DOWN, IFK_LINK, T0);
	char *out, cmd[256];

	ev.line = (struct wire_bytes){ line, sizeof line - 1 };
	s_start();
	s_deliver("../r1", 1, 1, &ev, 1);
	cr_assert_eq(s_lines(D.jsonl), 1, "one change, one line");
	out = s_py("import json,sys\n"
	    "for l in open(sys.argv[1]):\n"
	    "  o=json.loads(l)\n"
	    "  print(ascii(o[\"interface\"]))\n"
	    "  print(ascii(o[\"line\"]))\n"
	    "  print(o[\"status\"], o[\"device\"])\n");
	cr_assert_str_eq(out,
	    "'Gi0/1\",\"status\":\"resolved\"}\\n../../etc\\x00\\x1b[2J\\ufffd{'\n"
	    "'%LINK-3-UPDOWN: \\x00\\x1b]0;owned\\x07\\r\\ufffd(\\n{\"x\":1}'\n"
	    "firing ../r1\n");
	free(out);
	/* Names never become paths: the state directory holds only ours. */
	snprintf(cmd, sizeof cmd, "test -z \"$(ls '%s' | grep -v '^alerts\\.')\"",
	    D.state);
	cr_assert_eq(system(cmd), 0, "stray files in the state directory");
	/* The log line is one line, without the escape sequence. */
	out = s_slurp(D.log);
	cr_assert_null(strstr(out, "\x1b[2J"), "a terminal escape reached the log");
	free(out);
}

Test(alerts_daemon, sighup_reopens_jsonl_and_a_bad_reload_keeps_running)
{
	struct wire_event down = s_ev(1, s_w("Gi0/1"), IF_DOWN, IFK_LINK, T0);
	struct wire_event up = s_ev(2, s_w("Gi0/1"), IF_UP, IFK_LINK, T0 + 1000);
	struct wire_event d2 = s_ev(3, s_w("Gi0/2"), IF_DOWN, IFK_LINK, T0 + 2000);
	char rotated[160], *log;

	s_start();
	s_deliver("r1", 1, 1, &down, 1);
	snprintf(rotated, sizeof rotated, "%s.1", D.jsonl);
	cr_assert_eq(rename(D.jsonl, rotated), 0);
	kill(D.p.pid, SIGHUP);
	/* The reload is done when the log says so (bounded wait). */
	for (int i = 0; i < 100; i++) {
		log = s_slurp(D.log);
		int done = strstr(log, "configuration reloaded") != NULL;
		free(log);
		if (done)
			break;
		usleep(50000);
	}
	s_deliver("r1", 2, 2, &up, 1);
	cr_assert_eq(s_lines(rotated), 1);
	cr_assert_eq(s_lines(D.jsonl), 1, "the resolution went to the new file");

	s_write(D.conf, "alerts:\n  flap: {changes: banana}\n");
	kill(D.p.pid, SIGHUP);
	for (int i = 0; i < 100; i++) {
		log = s_slurp(D.log);
		int done = strstr(log, "keeping the running configuration") != NULL;
		free(log);
		if (done)
			break;
		usleep(50000);
	}
	log = s_slurp(D.log);
	cr_assert_not_null(strstr(log, "keeping the running configuration"));
	free(log);
	s_deliver("r1", 3, 3, &d2, 1);
	cr_assert_eq(s_lines(D.jsonl), 2);
	cr_assert(WIFEXITED(s_stop(SIGTERM)));
}

Test(alerts_daemon, damaged_state_is_set_aside_and_a_second_stage_refused)
{
	struct wire_event ev = s_ev(1, s_w("Gi0/1"), IF_DOWN, IFK_LINK, T0);
	char snap[160], *log;
	struct proc second;
	int st = 0;

	cr_assert_eq(mkdir(D.state, 0750), 0);
	snprintf(snap, sizeof snap, "%s/alerts.snap", D.state);
	s_write(snap, "garbage, not a snapshot\n");
	s_start();
	log = s_slurp(D.log);
	cr_assert_not_null(strstr(log, "moved aside"), "%s", log);
	free(log);
	s_deliver("r1", 1, 1, &ev, 1);
	cr_assert_eq(s_lines(D.jsonl), 1);
	/* A second stage on the same state directory must not start. */
	s_spawn(&second, D.conf, NULL);
	for (int i = 0; i < 200 && proc_alive(&second); i++)
		usleep(50000);
	if (second.pid > 0) {
		proc_stop(&second, SIGKILL, 5);
		cr_assert_fail("a second stage kept running");
	}
	st = second.status;
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	log = s_slurp(D.log);
	cr_assert_not_null(strstr(log, "another alert stage"), "%s", log);
	free(log);
}

Test(alerts_daemon, flap_becomes_one_alert_and_resolves_when_stable)
{
	struct wire_event evs[8];
	char *out;

	s_conf("");
	{
		/* Short stable time so the test need not wait two minutes. */
		char text[1024];
		snprintf(text, sizeof text,
		    "alerts:\n  listen: %s\n  state_dir: %s\n"
		    "  flap: {changes: 3, window: 60s, stable: 1s}\n"
		    "  outputs:\n    - {type: jsonl, path: %s}\n",
		    D.ep, D.state, D.jsonl);
		s_write(D.conf, text);
	}
	s_start();
	for (int i = 0; i < 8; i++)
		evs[i] = s_ev((uint64_t)i + 1, s_w("Gi0/1"), i % 2 ? IF_UP : IF_DOWN,
		    IFK_LINK, T0 + i * 100);
	s_deliver("r1", 1, 8, evs, 8);
	/* fire, resolve, flapping; then silence; then, once stable, the
	 * flap resolves (the last event left it up). Bounded wait. */
	for (int i = 0; i < 100 && s_lines(D.jsonl) < 4; i++)
		usleep(100000);
	out = s_py(PY_SUMMARY);
	cr_assert_str_eq(out,
	    "1 firing InterfaceDown 'GigabitEthernet0/1' down 1\n"
	    "2 resolved InterfaceDown 'GigabitEthernet0/1' up 2\n"
	    "3 flapping InterfaceFlapping 'GigabitEthernet0/1' down 3\n"
	    "4 resolved InterfaceFlapping 'GigabitEthernet0/1' up 8\n");
	free(out);
}
