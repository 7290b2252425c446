/*
 * test_outputs.c — the alert outputs (analyzer/alerts/output.c, out_*.c): JSON
 * escaping of hostile bytes, the outbox and its cursors, the jsonl file
 * across restarts, ZeroMQ PUB, and the HTTP outputs against a real HTTP
 * server (libmicrohttpd on 127.0.0.1, ephemeral port).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/output.h"
#include "common/json.h"
#include "common/buf.h"
#include "common/util.h"
#include "tests/support/outconf.h"
#include "tests/support/tmpdir.h"

#define T0 INT64_C(1700000000000)

/* ---- helpers ---- */



static char *
s_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

static int
s_count_lines(const char *p)
{
	int n = 0;

	for (; *p; p++)
		n += *p == '\n';
	return n;
}

/*
 * Run a Python snippet over a file of JSON lines: the real json module
 * decides whether what we wrote is JSON, and what it decodes to.
 */
static char *
s_py(const char *code, const char *path)
{
	char cmd[4096], *out = calloc(1, 65536);
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c '%s' '%s' 2>&1", code, path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "python failed: %s", out);
	return out;
}

static struct alert_change *
s_change(uint64_t seq, enum alert_status st, const char *dev, const void *ifname,
    size_t iflen)
{
	struct alert_change *c = alert_change_new();

	c->seq = seq;
	c->status = st;
	c->type = st == ALERT_FLAPPING ? ALERT_T_FLAP : ALERT_T_DOWN;
	c->state = st == ALERT_RESOLVED ? IF_UP : IF_DOWN;
	c->kind = IFK_LINK;
	alert_str_set(&c->device, dev, strlen(dev), 256);
	alert_str_set(&c->interface, ifname, iflen, 256);
	alert_str_set(&c->rule, "ios_link", 8, 256);
	alert_str_set(&c->event, "interface_down", 14, 256);
	alert_str_set(&c->severity, "critical", 8, 256);
	alert_str_set(&c->platform, "cisco_ios", 9, 256);
	alert_str_set(&c->ts_raw, "Nov 14 22:13:20.000", 19, 256);
	alert_str_set(&c->line, "%LINK-3-UPDOWN: Interface Gi0/1, changed state",
	    46, 8192);
	c->record_id = 1000 + seq;
	c->device_time = T0;
	c->starts_at = T0;
	c->ends_at = st == ALERT_RESOLVED ? T0 + 5000 : 0;
	c->raised_at = T0 + 10;
	return c;
}

static struct alert_change *
s_simple(uint64_t seq, enum alert_status st)
{
	return s_change(seq, st, "r1", "Gi0/1", 5);
}

/* ---- JSON ---- */

static char *
s_esc(const void *p, size_t n)
{
	struct buf b;
	char *r;

	buf_init(&b, 0);
	json_str(&b, p, n);
	r = strdup(b.data);
	buf_free(&b);
	return r;
}

Test(outputs, json_escapes_every_hostile_byte)
{
	static const struct {
		const char *in;
		size_t      n;
		const char *out;
	} cases[] = {
		{ "plain Gi0/1", 11, "\"plain Gi0/1\"" },
		{ "q\"b\\", 4, "\"q\\\"b\\\\\"" },
		{ "n\nr\rt\t", 6, "\"n\\nr\\rt\\t\"" },
		{ "nul\0x", 5, "\"nul\\u0000x\"" },
		{ "\x1b[2J\x07\x7f", 6, "\"\\u001b[2J\\u0007\\u007f\"" },
		{ "\xff\xfe", 2, "\"\\ufffd\\ufffd\"" },
		{ "\xc3\x28", 2, "\"\\ufffd(\"" },		/* bad continuation */
		{ "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },	/* overlong '/' */
		{ "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },	/* surrogate */
		{ "\xe2\x82", 2, "\"\\ufffd\\ufffd\"" },	/* cut short */
		{ "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "\xc2\x9b" "31m", 5, "\"\\u009b31m\"" },	/* C1 CSI */
		{ "\xc3\xa9\xe2\x82\xac", 5, "\"\\u00e9\\u20ac\"" },
		{ "\xf0\x9f\x98\x80", 4, "\"\\ud83d\\ude00\"" },
		{ "\xe2\x80\xa8", 3, "\"\\u2028\"" },
		{ "", 0, "\"\"" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = s_esc(cases[i].in, cases[i].n);
		cr_assert_str_eq(got, cases[i].out, "case %zu", i);
		for (char *p = got; *p; p++)
			cr_assert(*p >= 0x20 && *p < 0x7f, "case %zu: byte %02x",
			    i, (unsigned char)*p);
		free(got);
	}
}

Test(outputs, json_line_has_every_field_and_real_json_parses_it)
{
	static const char name[] = "Gi0/1\"},\"status\":\"resolved\n../\0\x1b[31m\xff";
	static const char line[] = "%LINK-3-UPDOWN\0 \x1b]0;owned\x07 \xc3\x28 {\"x\":1}";
	struct alert_change *c = s_change(7, ALERT_FIRING, "edge-1", name,
	    sizeof name - 1);
	char *dir = tmpdir_new("outputs"), path[512], *out;
	struct buf b;
	FILE *f;

	alert_str_set(&c->line, line, sizeof line - 1, 8192);
	buf_init(&b, 0);
	output_json(&b, c);
	cr_assert_null(memchr(b.data, '\n', b.len), "a line must be one line");
	snprintf(path, sizeof path, "%s/l.jsonl", dir);
	f = fopen(path, "w");
	fwrite(b.data, 1, b.len, f);
	fputc('\n', f);
	fclose(f);
	out = s_py("import json,sys\n"
	    "o=json.loads(open(sys.argv[1]).read())\n"
	    "print(sorted(o.keys()))\n"
	    "print(ascii(o[\"interface\"]))\n"
	    "print(ascii(o[\"line\"]))\n"
	    "print(o[\"status\"], o[\"state\"], o[\"kind\"], o[\"severity\"], "
	    "o[\"record_id\"], o[\"seq\"], o[\"device_time\"], o[\"ends_at\"], "
	    "o[\"alert\"], o[\"raised_at\"])\n", path);
	cr_assert_str_eq(out,
	    "['alert', 'description', 'device', 'device_time', 'device_time_raw', "
	    "'ends_at', 'event', 'interface', 'kind', 'late', 'line', 'platform', "
	    "'raised_at', 'reason', 'received_at', 'reconciled', 'record_id', "
	    "'rule', 'seq', 'severity', 'starts_at', 'state', 'status']\n"
	    "'Gi0/1\"},\"status\":\"resolved\\n../\\x00\\x1b[31m\\ufffd'\n"
	    "'%LINK-3-UPDOWN\\x00 \\x1b]0;owned\\x07 \\ufffd( {\"x\":1}'\n"
	    "firing down link critical 1007 7 2023-11-14T22:13:20.000Z None "
	    "InterfaceDown 2023-11-14T22:13:20.010Z\n");
	free(out);
	buf_free(&b);
	alert_change_free(&c);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, label_values_are_clean_utf8)
{
	struct buf b;

	buf_init(&b, 0);
	output_label_value(&b, "Gi0/1\n\x1b[2J\xff\"{}../", 17, 256);
	cr_assert_str_eq(b.data, "Gi0/1\xef\xbf\xbd\xef\xbf\xbd[2J\xef\xbf\xbd\"{}../");
	buf_reset(&b);
	/* Cut at a character boundary, never inside one. */
	output_label_value(&b, "ab\xc3\xa9", 4, 3);
	cr_assert_eq(b.len, 2);
	cr_assert_str_eq(b.data, "ab");
	buf_reset(&b);
	output_label_value(&b, "x\xc2\x9b", 3, 256);
	cr_assert_str_eq(b.data, "x\xef\xbf\xbd", "C1 controls go too");
	buf_free(&b);
}

Test(outputs, times_are_iso8601_utc)
{
	struct buf b;

	buf_init(&b, 0);
	output_time(&b, T0 + 123);
	cr_assert_str_eq(b.data, "2023-11-14T22:13:20.123Z");
	buf_reset(&b);
	output_time(&b, -5);
	cr_assert_str_eq(b.data, "1970-01-01T00:00:00.000Z");
	buf_free(&b);
}

Test(outputs, urls_lose_credentials_in_logs_and_keys)
{
	char *r = output_url_redact("https://user:pw@hooks.example.net:8443/x/y?token=abc#f");
	struct conf_output c = outconf("webhook", "url",
	    "https://u:secret@h/x?token=abc");
	char *k = output_key(&c);

	cr_assert_str_eq(r, "https://hooks.example.net:8443/x/y");
	cr_assert_null(strstr(k, "secret"));
	cr_assert_null(strstr(k, "abc"));
	cr_assert(strncmp(k, "webhook:https://h/x#", 20) == 0, "%s", k);
	free(r);
	free(k);
	conf_output_clear(&c);
}

/* ---- jsonl and the outbox ---- */

static struct output_set *
s_jsonl_set(const char *path, uint64_t next_seq)
{
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("jsonl", "path", path);
	char err[256];

	cr_assert_eq(output_set_configure(s, &co, 1, next_seq, err, sizeof err), 0,
	    "%s", err);
	conf_output_clear(&co);
	return s;
}

Test(outputs, jsonl_writes_only_what_is_durable_and_trims)
{
	char *dir = tmpdir_new("outputs"), path[512], *txt;
	struct output_set *s;
	struct alertstate_cursors cur = { 0 };
	size_t n;

	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	s = s_jsonl_set(path, 1);
	for (uint64_t i = 1; i <= 5; i++)
		output_set_push(s, s_simple(i, i % 2 ? ALERT_FIRING : ALERT_RESOLVED));
	output_set_pump(s, 3, T0);
	txt = s_slurp(path, NULL);
	cr_assert_eq(s_count_lines(txt), 3, "wrote past what is durable");
	free(txt);
	output_set_outbox(s, &n);
	cr_assert_eq(n, 2, "delivered changes stay in the outbox");
	output_set_cursors(s, &cur);
	cr_assert_eq(cur.n, 1);
	cr_assert_eq(cur.v[0].seq, 3);
	output_set_pump(s, 5, T0);
	output_set_outbox(s, &n);
	cr_assert_eq(n, 0);
	txt = s_slurp(path, NULL);
	cr_assert_eq(s_count_lines(txt), 5);
	cr_assert(strncmp(txt, "{\"seq\":1,", 9) == 0);
	free(txt);
	alertstate_cursors_free(&cur);
	output_set_free(&s);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, jsonl_restart_never_writes_a_line_twice)
{
	char *dir = tmpdir_new("outputs"), path[512], *txt;
	struct output_set *s;
	struct alert_changes box = { 0 };
	struct alertstate_cursors cur = { 0 };
	FILE *f;

	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	s = s_jsonl_set(path, 1);
	for (uint64_t i = 1; i <= 4; i++)
		output_set_push(s, s_simple(i, ALERT_FIRING));
	output_set_pump(s, 4, T0);
	output_set_free(&s);
	/* A crash mid-write left half a line behind. */
	f = fopen(path, "a");
	fputs("{\"seq\":5,\"alert\":\"Interf", f);
	fclose(f);

	/* The state still believed only seq 2 was written: the file knows. */
	s = s_jsonl_set(path, 1);
	for (uint64_t i = 1; i <= 6; i++)
		alert_changes_push(&box, s_simple(i, ALERT_FIRING));
	alertstate_cursor_set(&cur, output_set_get(s, 0)->key, 2);
	output_set_restore(s, &box, &cur);
	output_set_pump(s, 6, T0);
	txt = s_slurp(path, NULL);
	cr_assert_eq(s_count_lines(txt), 6, "file:\n%s", txt);
	for (int i = 1; i <= 6; i++) {
		char want[32];
		snprintf(want, sizeof want, "{\"seq\":%d,", i);
		cr_assert_not_null(strstr(txt, want), "seq %d missing", i);
	}
	cr_assert_null(strstr(txt, "Interf{"), "the half line was not cut");
	free(txt);
	alertstate_cursors_free(&cur);
	alert_changes_clear(&box);
	output_set_free(&s);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, new_output_starts_at_the_end_and_outbox_is_bounded)
{
	char *dir = tmpdir_new("outputs"), path[512], path2[512];
	struct output_set *s;
	struct conf_output co[2];
	char err[256];
	size_t n;

	snprintf(path, sizeof path, "%s/a.jsonl", dir);
	snprintf(path2, sizeof path2, "%s/b.jsonl", dir);
	s = s_jsonl_set(path, 1);
	/* Nothing is durable: everything stays queued, up to the bound. */
	for (uint64_t i = 1; i <= OUTPUT_MAX_OUTBOX + 10; i++)
		output_set_push(s, s_simple(i, ALERT_FIRING));
	output_set_outbox(s, &n);
	cr_assert_eq(n, OUTPUT_MAX_OUTBOX);
	cr_assert_eq(output_set_get(s, 0)->st.dropped, 10);
	/* A second output added by a reload sees only what comes next. */
	co[0] = outconf("jsonl", "path", path);
	co[1] = outconf("jsonl", "path", path2);
	cr_assert_eq(output_set_configure(s, co, 2, OUTPUT_MAX_OUTBOX + 11, err,
	    sizeof err), 0);
	output_set_push(s, s_simple(OUTPUT_MAX_OUTBOX + 11, ALERT_FIRING));
	output_set_pump(s, UINT64_MAX, T0);
	{
		char *a = s_slurp(path, NULL), *b = s_slurp(path2, NULL);
		/* The push that made room for b dropped one more for a. */
		cr_assert_eq(s_count_lines(a), OUTPUT_MAX_OUTBOX);
		cr_assert_eq(s_count_lines(b), 1);
		free(a);
		free(b);
	}
	/* The same output twice is refused, and nothing changes. */
	conf_output_set_str(&co[1], "path", path);
	cr_assert_eq(output_set_configure(s, co, 2, 1, err, sizeof err), -1);
	conf_output_clear(&co[0]);
	conf_output_clear(&co[1]);
	cr_assert_eq(output_set_count(s), 2);
	output_set_free(&s);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, jsonl_reopen_follows_logrotate)
{
	char *dir = tmpdir_new("outputs"), path[512], rot[512], *txt;
	struct output_set *s;

	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	snprintf(rot, sizeof rot, "%s/alerts.jsonl.1", dir);
	s = s_jsonl_set(path, 1);
	output_set_push(s, s_simple(1, ALERT_FIRING));
	output_set_pump(s, 1, T0);
	cr_assert_eq(rename(path, rot), 0);
	output_set_reopen(s);
	output_set_push(s, s_simple(2, ALERT_RESOLVED));
	output_set_pump(s, 2, T0);
	txt = s_slurp(path, NULL);
	cr_assert_eq(s_count_lines(txt), 1);
	cr_assert(strncmp(txt, "{\"seq\":2,", 9) == 0);
	free(txt);
	output_set_free(&s);
	tmpdir_remove(dir);
	free(dir);
}

/* ---- ZeroMQ PUB ---- */

Test(outputs, zmq_publishes_device_topic_and_json)
{
	char *dir = tmpdir_new("outputs"), ep[512], buf[4096];
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("zmq", NULL, NULL);
	void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
	int tmo = 5000, n, got = 0;
	char err[256];

	snprintf(ep, sizeof ep, "ipc://%s/pub.sock", dir);
	conf_output_set_str(&co, "endpoint", ep);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "edge-2", 6);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
	cr_assert_eq(zmq_connect(sub, ep), 0);
	/* PUB drops until the subscription arrives: publish until it does. */
	for (uint64_t i = 1; i <= 200 && !got; i++) {
		output_set_push(s, s_change(2 * i, ALERT_FIRING, "edge-1", "Gi0/1",
		    5));
		output_set_push(s, s_change(2 * i + 1, ALERT_FIRING, "edge-2",
		    "Gi0/2", 5));
		output_set_pump(s, UINT64_MAX, T0);
		{
			zmq_pollitem_t pi = { sub, 0, ZMQ_POLLIN, 0 };
			if (zmq_poll(&pi, 1, 50) == 1)
				got = 1;
		}
	}
	cr_assert(got, "nothing published");
	n = zmq_recv(sub, buf, sizeof buf - 1, 0);
	cr_assert_eq(n, 6);
	cr_assert(memcmp(buf, "edge-2", 6) == 0, "only the subscribed device");
	n = zmq_recv(sub, buf, sizeof buf - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_not_null(strstr(buf, "\"device\":\"edge-2\""), "%s", buf);
	cr_assert_not_null(strstr(buf, "\"status\":\"firing\""));
	zmq_close(sub);
	output_set_free(&s);
	zmq_ctx_term(ctx);
	tmpdir_remove(dir);
	free(dir);
}

/* ---- a real HTTP receiver ---- */

struct hsrv {
	struct MHD_Daemon *d;
	int                port;
	pthread_mutex_t    mu;
	char             **bodies;	/* accepted POST bodies */
	char             **paths;
	size_t             n;
	int                fail_first;	/* answer 503 to this many first */
	int                refuse_with;	/* answer this to bodies holding "REFUSE" */
	int                seen;
};

struct hreq {
	char  *p;
	size_t n;
};

static enum MHD_Result
s_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **ctx)
{
	struct hsrv *h = cls;
	struct hreq *r = *ctx;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned int code = 200;

	(void)version;
	if (r == NULL) {
		*ctx = calloc(1, sizeof *r);
		return MHD_YES;
	}
	if (*size > 0) {
		r->p = realloc(r->p, r->n + *size + 1);
		memcpy(r->p + r->n, data, *size);
		r->n += *size;
		r->p[r->n] = '\0';
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&h->mu);
	h->seen++;
	if (strcmp(method, "POST") != 0) {
		code = 405;
	} else if (h->seen <= h->fail_first) {
		code = 503;
	} else if (h->refuse_with && r->p && strstr(r->p, "REFUSE")) {
		code = (unsigned int)h->refuse_with;
	} else {
		h->bodies = realloc(h->bodies, (h->n + 1) * sizeof *h->bodies);
		h->paths = realloc(h->paths, (h->n + 1) * sizeof *h->paths);
		h->bodies[h->n] = strdup(r->p ? r->p : "");
		h->paths[h->n] = strdup(url);
		h->n++;
	}
	pthread_mutex_unlock(&h->mu);
	resp = MHD_create_response_from_buffer(2, (void *)(uintptr_t)"{}",
	    MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
s_done(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode t)
{
	struct hreq *r = *ctx;

	(void)cls;
	(void)c;
	(void)t;
	if (r) {
		free(r->p);
		free(r);
	}
	*ctx = NULL;
}

static void
s_hsrv_start(struct hsrv *h)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	pthread_mutex_init(&h->mu, NULL);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, s_handler, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, s_done, NULL, MHD_OPTION_END);
	cr_assert_not_null(h->d);
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	cr_assert_not_null(info);
	h->port = info->port;
}

static void
s_hsrv_stop(struct hsrv *h)
{
	MHD_stop_daemon(h->d);
	for (size_t i = 0; i < h->n; i++) {
		free(h->bodies[i]);
		free(h->paths[i]);
	}
	free(h->bodies);
	free(h->paths);
}

static size_t
s_hsrv_count(struct hsrv *h)
{
	size_t n;

	pthread_mutex_lock(&h->mu);
	n = h->n;
	pthread_mutex_unlock(&h->mu);
	return n;
}

/* Pump until cond holds, at most about seconds; returns whether it did. */
static int
s_pump_until(struct output_set *s, int (*cond)(void *), void *arg, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		output_set_tick(s, UINT64_MAX, util_wallms());
		if (cond(arg))
			return 1;
		usleep(50000);
	}
	return 0;
}

struct want {
	struct hsrv       *h;
	size_t             n;
	struct output_set *s;
};

static int
s_have_n(void *arg)
{
	struct want *w = arg;
	size_t n;

	output_set_outbox(w->s, &n);
	return s_hsrv_count(w->h) >= w->n && n == 0;
}

Test(outputs, webhook_posts_each_change_in_order_and_retries)
{
	struct hsrv h = { .fail_first = 2 };
	struct output_set *s;
	struct conf_output co = outconf("webhook", NULL, NULL);
	char url[128], err[256];
	struct want w;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", h.port);
	conf_output_set_str(&co, "url", url);
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s", err);
	conf_output_clear(&co);
	for (uint64_t i = 1; i <= 3; i++)
		output_set_push(s, s_simple(i, i == 2 ? ALERT_RESOLVED : ALERT_FIRING));
	w = (struct want){ &h, 3, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 30), "got %zu posts", s_hsrv_count(&h));
	cr_assert_eq(h.n, 3);
	for (size_t i = 0; i < 3; i++) {
		char want[32];
		snprintf(want, sizeof want, "{\"seq\":%zu,", i + 1);
		cr_assert(strncmp(h.bodies[i], want, strlen(want)) == 0,
		    "post %zu out of order: %s", i, h.bodies[i]);
		cr_assert_str_eq(h.paths[i], "/hook");
	}
	cr_assert_geq(h.seen, 5, "the two 503s were retried");
	cr_assert_eq(output_set_get(s, 0)->done, 3);
	output_set_free(&s);
	s_hsrv_stop(&h);
}

Test(outputs, webhook_drops_what_the_receiver_refuses)
{
	struct hsrv h = { .refuse_with = 400 };
	struct output_set *s;
	struct conf_output co = outconf("webhook", NULL, NULL);
	struct output_stats st = { 0 };
	char url[128], err[256];
	struct alert_change *c;
	struct want w;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", h.port);
	conf_output_set_str(&co, "url", url);
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0);
	conf_output_clear(&co);
	c = s_simple(1, ALERT_FIRING);
	alert_str_set(&c->line, "REFUSE", 6, 100);
	output_set_push(s, c);
	output_set_push(s, s_simple(2, ALERT_FIRING));
	w = (struct want){ &h, 1, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 20));
	cr_assert_eq(h.n, 1);
	cr_assert(strncmp(h.bodies[0], "{\"seq\":2,", 9) == 0);
	output_set_get(s, 0)->ops->stats(output_set_get(s, 0), &st);
	cr_assert_eq(st.dropped, 1);
	output_set_free(&s);
	s_hsrv_stop(&h);
}

Test(outputs, alertmanager_payload_labels_times_and_resend)
{
	struct hsrv h = { 0 };
	struct output_set *s;
	struct conf_output co = outconf("alertmanager", NULL, NULL);
	static const char name[] = "Gi0/1\"}\n\x1b\xff";
	struct alert_change *fire, *res;
	int64_t starts;
	char url[128], err[256], path[256], *out;
	struct want w;
	FILE *f;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", h.port);
	conf_output_set_ms(&co, "resend", 1000);
	conf_output_set_str(&co, "url", url);
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0);
	conf_output_clear(&co);
	fire = s_change(1, ALERT_FIRING, "edge-1", name, sizeof name - 1);
	fire->starts_at = starts = util_wallms() - 60000;
	/* Without description_label the description is no label. */
	alert_str_set(&fire->description, "to \"core\"}\n", 11, 256);
	output_set_push(s, fire);	/* the set owns it now */
	w = (struct want){ &h, 1, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 20));
	cr_assert_str_eq(h.paths[0], "/api/v2/alerts");
	/* Firing alerts come again every resend interval. */
	w.n = 3;
	cr_assert(s_pump_until(s, s_have_n, &w, 20), "no resend");
	res = s_change(2, ALERT_RESOLVED, "edge-1", name, sizeof name - 1);
	res->starts_at = starts;
	res->ends_at = util_wallms() + 3600000;	/* a device clock ahead */
	output_set_push(s, res);
	w.n = s_hsrv_count(&h) + 1;
	cr_assert(s_pump_until(s, s_have_n, &w, 20));
	{
		char *dir = tmpdir_new("outputs");
		snprintf(path, sizeof path, "%s/posts", dir);
		f = fopen(path, "w");
		pthread_mutex_lock(&h.mu);
		fprintf(f, "%s\n%s\n", h.bodies[0], h.bodies[h.n - 1]);
		pthread_mutex_unlock(&h.mu);
		fclose(f);
		out = s_py("import json,sys,datetime as d\n"
		    "L=open(sys.argv[1]).read().splitlines()\n"
		    "a=json.loads(L[0]);b=json.loads(L[1])\n"
		    "assert len(a)==1 and len(b)==1\n"
		    "a=a[0];b=b[0]\n"
		    "t=lambda s:d.datetime.strptime(s,\"%Y-%m-%dT%H:%M:%S.%fZ\")\n"
		    "now=d.datetime.now(d.timezone.utc).replace(tzinfo=None)\n"
		    "print(ascii(sorted(a[\"labels\"].items())))\n"
		    "print(a[\"labels\"]==b[\"labels\"], a[\"startsAt\"]==b[\"startsAt\"])\n"
		    "print(t(a[\"endsAt\"])>now, t(b[\"endsAt\"])<=now+d.timedelta(seconds=1))\n"
		    "print(t(b[\"endsAt\"])>=t(b[\"startsAt\"]))\n"
		    "print(ascii(a[\"annotations\"][\"summary\"]))\n"
		    "print(ascii(a[\"annotations\"][\"description\"]))\n", path);
		cr_assert_str_eq(out,
		    "[('alertname', 'InterfaceDown'), ('device', 'edge-1'), "
		    "('interface', 'Gi0/1\"}\\ufffd\\ufffd\\ufffd'), "
		    "('severity', 'critical')]\n"
		    "True True\n"
		    "True True\n"
		    "True\n"
		    "'Gi0/1\"}\\ufffd\\ufffd\\ufffd on edge-1 is down'\n"
		    "'to \"core\"}\\ufffd'\n");
		free(out);
		tmpdir_remove(dir);
		free(dir);
	}
	output_set_free(&s);
	s_hsrv_stop(&h);
}

Test(outputs, alertmanager_down_keeps_the_resolution_until_it_is_back)
{
	struct hsrv h = { .fail_first = 3 };
	struct output_set *s;
	struct conf_output co = outconf("alertmanager", NULL, NULL);
	char url[128], err[256];
	struct want w;
	int resolved = 0;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", h.port);
	conf_output_set_ms(&co, "resend", 600000);
	conf_output_set_str(&co, "url", url);
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0);
	conf_output_clear(&co);
	output_set_push(s, s_simple(1, ALERT_FIRING));
	output_set_push(s, s_simple(2, ALERT_RESOLVED));
	w = (struct want){ &h, 1, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 30));
	cr_assert_geq(h.seen, 4, "failures were retried");
	pthread_mutex_lock(&h.mu);
	for (size_t i = 0; i < h.n; i++)
		if (strstr(h.bodies[i], "\"state\":\"up\"") &&
		    strstr(h.bodies[i], "InterfaceDown"))
			resolved++;
	pthread_mutex_unlock(&h.mu);
	cr_assert_geq(resolved, 1);
	cr_assert_eq(output_set_get(s, 0)->done, 2, "the resolution was delivered");
	output_set_free(&s);
	s_hsrv_stop(&h);
}

Test(outputs, bad_output_configs_are_refused)
{
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("alertmanager", "url", "ftp://x");
	char err[256] = "";

	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), -1);
	cr_assert(strlen(err) > 0);
	conf_output_clear(&co);
	co = outconf("jsonl", "path", "/nonexistent-dir-lh/x/alerts.jsonl");
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), -1);
	conf_output_clear(&co);
	co = outconf("zmq", "endpoint", "bogus://x");
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), -1);
	conf_output_clear(&co);
	cr_assert_eq(output_set_count(s), 0);
	output_set_free(&s);
}

/* ---- descriptions: device text in every output ---- */

/*
 * Interface descriptions a device may set, and how each output shows them
 * (Python's ascii() of the decoded value): JSON lines, the webhook and
 * ZeroMQ keep every character (escaped), Alertmanager shows control
 * characters as U+FFFD; invalid UTF-8 becomes U+FFFD everywhere. The long
 * one is checked apart (s_py_descr).
 */
#define L(s) s, sizeof s - 1
static const struct {
	const char *p;
	size_t      n;
	const char *json;
	const char *am;
} s_descr[] = {
	/* an attempt to close the string and add labels */
	{ L("up\"},\"labels\":{\"alertname\":\"Evil\"},\"x\":{\"y\":\"\\"),
	  "'up\"},\"labels\":{\"alertname\":\"Evil\"},\"x\":{\"y\":\"\\\\'",
	  "'up\"},\"labels\":{\"alertname\":\"Evil\"},\"x\":{\"y\":\"\\\\'" },
	{ L("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	  "'caf\\xe9 \\u20ac \\U0001f600'", "'caf\\xe9 \\u20ac \\U0001f600'" },
	{ L("\x1b[2J\x07\n\r\t|\xc2\x9b"),
	  "'\\x1b[2J\\x07\\n\\r\\t|\\x9b'",
	  "'\\ufffd[2J\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd'" },
	{ L("\xff\xfe\xc3\x28\xed\xa0\x80"),
	  "'\\ufffd\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd'",
	  "'\\ufffd\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd'" },
	{ L("a\0b\0"), "'a\\x00b\\x00'", "'a\\ufffdb\\ufffd'" },
	{ NULL, 10240, "(True, 171)", "(True, 171)" },	/* 10 KiB, below */
	{ L(""), "''", "None" },
};
#undef L
#define NDESCR (sizeof s_descr / sizeof s_descr[0])

/* 10 KiB of "aé": cut at 256 bytes it is 85 "aé" and one "a" (171 characters),
 * the next "é" not split. */
static char s_long[10240];

static void
s_descr_set(struct alert_change *c, size_t i)
{
	const char *p = s_descr[i].p;

	if (p == NULL) {
		for (size_t k = 0; k < sizeof s_long; k += 3)
			memcpy(s_long + k, "a\xc3\xa9", sizeof s_long - k < 3 ?
			    sizeof s_long - k : 3);
		p = s_long;
	}
	/* No cut here: outputs must bound what they are handed. */
	alert_str_set(&c->description, p, s_descr[i].n, SIZE_MAX);
}

/* Change i of the description set: if<i>, odd ones made by a snapshot. */
static struct alert_change *
s_descr_change(uint64_t seq, size_t i)
{
	char ifname[16];
	struct alert_change *c;

	snprintf(ifname, sizeof ifname, "if%zu", i);
	c = s_change(seq, ALERT_FIRING, "edge-9", ifname, strlen(ifname));
	s_descr_set(c, i);
	if (i % 2) {
		c->reconciled = 1;
		alert_str_set(&c->reason, "wrap", 4, 256);
		c->received_at = T0 + 20;
	}
	return c;
}

/* What every JSON-object output (jsonl, webhook, zmq) must show. */
static char *
s_descr_want_json(void)
{
	struct buf b;
	char *r;

	buf_init(&b, 0);
	for (size_t i = 0; i < NDESCR; i++)
		buf_printf(&b, "if%zu %s %s %s %s\n", i, i % 2 ? "True" : "False",
		    i % 2 ? "'wrap'" : "''",
		    i % 2 ? "2023-11-14T22:13:20.020Z" : "None", s_descr[i].json);
	r = strdup(b.data);
	buf_free(&b);
	return r;
}

/* Python's reading of a file of JSON objects, one per line. */
static char *
s_py_descr(const char *path)
{
	return s_py("import json,sys\n"
	    "f=lambda d: ascii(d) if len(d)<60 else (d==\"a\\xe9\"*85+\"a\",len(d))\n"
	    "for l in open(sys.argv[1]).read().splitlines():\n"
	    "  o=json.loads(l)\n"
	    "  print(o[\"interface\"],o[\"reconciled\"],ascii(o[\"reason\"]),"
	    "o[\"received_at\"],f(o[\"description\"]))\n", path);
}

/* Every line of a JSON-lines text is at most max bytes. */
static void
s_assert_lines_bounded(const char *txt, size_t max)
{
	for (const char *p = txt; *p; ) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		cr_assert_leq(n, max, "a line of %zu bytes", n);
		p += n + (nl != NULL);
	}
}

Test(outputs, jsonl_descriptions_are_valid_json_bounded_with_every_field)
{
	char *dir = tmpdir_new("outputs"), path[512], *txt, *out, *want;
	struct output_set *s;

	snprintf(path, sizeof path, "%s/alerts.jsonl", dir);
	s = s_jsonl_set(path, 1);
	for (size_t i = 0; i < NDESCR; i++)
		output_set_push(s, s_descr_change(i + 1, i));
	output_set_pump(s, UINT64_MAX, T0);
	txt = s_slurp(path, NULL);
	cr_assert_eq(s_count_lines(txt), (int)NDESCR, "NUL or newline split a line");
	/* 256 description bytes, at most 6 JSON bytes each, and the rest */
	s_assert_lines_bounded(txt, 2048);
	out = s_py_descr(path);
	want = s_descr_want_json();
	cr_assert_str_eq(out, want);
	free(want);
	free(out);
	free(txt);
	output_set_free(&s);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, webhook_bodies_carry_the_same_fields)
{
	struct hsrv h = { 0 };
	struct output_set *s;
	struct conf_output co = outconf("webhook", NULL, NULL);
	char url[128], err[256], *dir = tmpdir_new("outputs"), path[512], *out, *want;
	struct want w;
	FILE *f;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", h.port);
	conf_output_set_str(&co, "url", url);
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	for (size_t i = 0; i < NDESCR; i++)
		output_set_push(s, s_descr_change(i + 1, i));
	w = (struct want){ &h, NDESCR, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 30), "got %zu posts",
	    s_hsrv_count(&h));
	snprintf(path, sizeof path, "%s/bodies", dir);
	f = fopen(path, "w");
	pthread_mutex_lock(&h.mu);
	for (size_t i = 0; i < h.n; i++) {
		cr_assert_null(strchr(h.bodies[i], '\n'));
		fprintf(f, "%s\n", h.bodies[i]);
	}
	pthread_mutex_unlock(&h.mu);
	fclose(f);
	out = s_py_descr(path);
	want = s_descr_want_json();
	cr_assert_str_eq(out, want);
	free(want);
	free(out);
	output_set_free(&s);
	s_hsrv_stop(&h);
	tmpdir_remove(dir);
	free(dir);
}

Test(outputs, zmq_messages_carry_the_same_fields)
{
	char *dir = tmpdir_new("outputs"), ep[512], path[512], *out, *want;
	static char msg[65536];
	struct output_set *s = output_set_new(NULL);
	struct conf_output co = outconf("zmq", NULL, NULL);
	void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
	int tmo = 5000, got = 0;
	uint64_t seq = 1;
	char err[256];
	FILE *f;

	snprintf(ep, sizeof ep, "ipc://%s/pub.sock", dir);
	conf_output_set_str(&co, "endpoint", ep);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	zmq_setsockopt(sub, ZMQ_RCVTIMEO, &tmo, sizeof tmo);
	cr_assert_eq(zmq_connect(sub, ep), 0);
	/* PUB drops until the subscription arrives: publish until it has. */
	for (int i = 0; i < 200 && !got; i++) {
		zmq_pollitem_t pi = { sub, 0, ZMQ_POLLIN, 0 };

		output_set_push(s, s_simple(seq++, ALERT_FIRING));
		output_set_pump(s, UINT64_MAX, T0);
		got = zmq_poll(&pi, 1, 50) == 1;
	}
	cr_assert(got, "nothing published");
	for (;;) {
		zmq_pollitem_t pi = { sub, 0, ZMQ_POLLIN, 0 };
		if (zmq_poll(&pi, 1, 200) != 1)
			break;
		cr_assert_geq(zmq_recv(sub, msg, sizeof msg, 0), 0);
	}
	/* Subscribed now: nothing more is dropped. */
	for (size_t i = 0; i < NDESCR; i++)
		output_set_push(s, s_descr_change(seq++, i));
	output_set_pump(s, UINT64_MAX, T0);
	snprintf(path, sizeof path, "%s/msgs", dir);
	f = fopen(path, "w");
	for (size_t i = 0; i < NDESCR; i++) {
		int n = zmq_recv(sub, msg, sizeof msg, 0);
		cr_assert_eq(n, 6, "topic of message %zu", i);
		cr_assert(memcmp(msg, "edge-9", 6) == 0);
		n = zmq_recv(sub, msg, sizeof msg - 1, 0);
		cr_assert_gt(n, 0);
		cr_assert_lt(n, 2048, "bounded");
		msg[n] = '\0';
		cr_assert_eq(strlen(msg), (size_t)n, "a NUL in the JSON");
		fprintf(f, "%s\n", msg);
	}
	fclose(f);
	out = s_py_descr(path);
	want = s_descr_want_json();
	cr_assert_str_eq(out, want);
	free(want);
	free(out);
	zmq_close(sub);
	output_set_free(&s);
	zmq_ctx_term(ctx);
	tmpdir_remove(dir);
	free(dir);
}

/*
 * Python's reading of Alertmanager posts (one JSON array per line): the
 * last object of each interface, by interface.
 */
static char *
s_py_am(const char *path)
{
	return s_py("import json,sys\n"
	    "f=lambda d: ascii(d) if d is None or len(d)<60 else "
	    "(d==\"a\\xe9\"*85+\"a\",len(d))\n"
	    "last={}\n"
	    "for l in open(sys.argv[1]).read().splitlines():\n"
	    "  for a in json.loads(l):\n"
	    "    last[a[\"labels\"][\"interface\"]]=a\n"
	    "for k in sorted(last):\n"
	    "  a=last[k];l=a[\"labels\"];n=a[\"annotations\"]\n"
	    "  assert all(type(v) is str for v in list(l.values())+list(n.values()))\n"
	    "  print(k,sorted(l),f(l.get(\"description\")),f(n.get(\"description\")),"
	    "n.get(\"reconciled\"),n.get(\"reason\"),n.get(\"received_at\"),"
	    "\"line\" in n)\n", path);
}

static void
s_dump_bodies(struct hsrv *h, const char *path)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n; i++) {
		cr_assert_null(strchr(h->bodies[i], '\n'));
		fprintf(f, "%s\n", h->bodies[i]);
	}
	pthread_mutex_unlock(&h->mu);
	fclose(f);
}

Test(outputs, alertmanager_descriptions_are_annotations_and_optional_labels)
{
	struct hsrv h = { 0 };
	struct output_set *s;
	struct conf_output co = outconf("alertmanager", NULL, NULL);
	char url[128], err[256], *dir = tmpdir_new("outputs"), path[512], *out;
	struct alert_change *res;
	struct buf want;
	struct want w;

	s_hsrv_start(&h);
	snprintf(url, sizeof url, "http://127.0.0.1:%d", h.port);
	conf_output_set_ms(&co, "resend", 600000);
	conf_output_set_str(&co, "url", url);
	outconf_enum(&co, "description_label", "true");
	s = output_set_new(NULL);
	cr_assert_eq(output_set_configure(s, &co, 1, 1, err, sizeof err), 0, "%s",
	    err);
	conf_output_clear(&co);
	for (size_t i = 0; i < NDESCR; i++)
		output_set_push(s, s_descr_change(i + 1, i));
	w = (struct want){ &h, 1, s };
	cr_assert(s_pump_until(s, s_have_n, &w, 30));
	snprintf(path, sizeof path, "%s/posts", dir);
	s_dump_bodies(&h, path);
	out = s_py_am(path);
	buf_init(&want, 0);
	for (size_t i = 0; i < NDESCR; i++) {
		int none = s_descr[i].n == 0;
		/* Label and annotation agree: both are short enough here. */
		buf_printf(&want, "if%zu ['alertname', %s'device', 'interface', "
		    "'severity'] %s %s %s %s %s True\n", i,
		    none ? "" : "'description', ", s_descr[i].am, s_descr[i].am,
		    i % 2 ? "true" : "None", i % 2 ? "wrap" : "None",
		    i % 2 ? "2023-11-14T22:13:20.020Z" : "None");
	}
	cr_assert_str_eq(out, want.data);
	free(out);

	/*
	 * The description changes before the alert resolves: the resolution
	 * must carry the label the alert fired with, or Alertmanager would
	 * see another alert and the first would go on firing.
	 */
	res = s_change(NDESCR + 1, ALERT_RESOLVED, "edge-9", "if1", 3);
	alert_str_set(&res->description, "changed", 7, 256);
	output_set_push(s, res);
	w.n = s_hsrv_count(&h) + 1;
	cr_assert(s_pump_until(s, s_have_n, &w, 30));
	s_dump_bodies(&h, path);
	out = s_py_am(path);
	cr_assert_not_null(strstr(out, "if1 ['alertname', 'description', 'device', "
	    "'interface', 'severity'] 'caf\\xe9 \\u20ac \\U0001f600' 'changed' None "
	    "None None True\n"), "%s", out);
	free(out);
	buf_free(&want);
	output_set_free(&s);
	s_hsrv_stop(&h);
	tmpdir_remove(dir);
	free(dir);
}
