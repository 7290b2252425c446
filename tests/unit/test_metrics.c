/*
 * test_metrics.c — the Prometheus registry, its text exposition, and the
 * HTTP server scraped for real with libcurl over 127.0.0.1.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/metrics.h"

static char *
s_render(struct metrics *m)
{
	struct buf b;

	buf_init(&b, 0);
	cr_assert_eq(metrics_render(m, &b), CERR_OK);
	return b.data ? b.data : calloc(1, 1);
}

static void
s_has(const char *text, const char *line)
{
	cr_assert(strstr(text, line) != NULL, "missing:\n%s\nin:\n%s", line, text);
}

Test(metrics, counters_gauges_histograms)
{
	static const double bounds[] = { 0.1, 0.5, 2.5 };
	struct metrics *m = metrics_new();
	struct metrics_family *polls, *up, *open, *dur;
	struct metrics_series *ok, *fail, *r1, *total;
	char *text;

	polls = metrics_counter(m, "loghaul_polls_total", "Polls by result.",
	    "device,result");
	up = metrics_counter(m, "loghaul_lines_total", "Lines harvested.", NULL);
	open = metrics_gauge(m, "loghaul_sessions_open", "SSH sessions open.", "");
	dur = metrics_histogram(m, "loghaul_poll_seconds", "Poll duration.",
	    "device", bounds, 3);
	cr_assert(polls && up && open && dur);

	ok = metrics_series(polls, (const char *[]){ "r001", "ok" });
	fail = metrics_series(polls, (const char *[]){ "r001", "timeout" });
	cr_assert_eq(metrics_series(polls, (const char *[]){ "r001", "ok" }), ok,
	    "a lookup returns the same series");
	metrics_inc(ok);
	metrics_inc(ok);
	metrics_add(fail, 5);
	total = metrics_series(up, NULL);
	metrics_add(total, 1234567890123ull);
	metrics_set(metrics_series(open, NULL), 3);
	metrics_gauge_add(metrics_series(open, NULL), -0.5);
	r1 = metrics_series1(dur, "r001");
	metrics_observe(r1, 0.05);
	metrics_observe(r1, 0.1);	/* le is inclusive */
	metrics_observe(r1, 1.0);
	metrics_observe(r1, 100.0);

	cr_assert_eq(metrics_counter_value(ok), 2);
	cr_assert_eq(metrics_counter_value(fail), 5);
	cr_assert_eq(metrics_histogram_count(r1), 4);
	cr_assert_float_eq(metrics_gauge_value(metrics_series(open, NULL)), 2.5, 1e-9);

	text = s_render(m);
	s_has(text, "# HELP loghaul_polls_total Polls by result.\n"
	    "# TYPE loghaul_polls_total counter\n"
	    "loghaul_polls_total{device=\"r001\",result=\"ok\"} 2\n"
	    "loghaul_polls_total{device=\"r001\",result=\"timeout\"} 5\n");
	s_has(text, "# TYPE loghaul_lines_total counter\n"
	    "loghaul_lines_total 1234567890123\n");
	s_has(text, "# TYPE loghaul_sessions_open gauge\nloghaul_sessions_open 2.5\n");
	s_has(text, "# TYPE loghaul_poll_seconds histogram\n"
	    "loghaul_poll_seconds_bucket{device=\"r001\",le=\"0.1\"} 2\n"
	    "loghaul_poll_seconds_bucket{device=\"r001\",le=\"0.5\"} 2\n"
	    "loghaul_poll_seconds_bucket{device=\"r001\",le=\"2.5\"} 3\n"
	    "loghaul_poll_seconds_bucket{device=\"r001\",le=\"+Inf\"} 4\n"
	    "loghaul_poll_seconds_sum{device=\"r001\"} 101.15\n"
	    "loghaul_poll_seconds_count{device=\"r001\"} 4\n");
	free(text);
	metrics_free(&m);
	cr_assert_null(m);
	metrics_free(&m);
}

Test(metrics, unlabeled_family_renders_zero_and_specials)
{
	struct metrics *m = metrics_new();
	struct metrics_family *g = metrics_gauge(m, "g", "", NULL);
	char *text;

	metrics_counter(m, "c_total", "help with \\ and\nnewline", NULL);
	text = s_render(m);
	s_has(text, "# HELP c_total help with \\\\ and\\nnewline\n");
	s_has(text, "\nc_total 0\n");
	s_has(text, "\ng 0\n");
	free(text);
	metrics_set(metrics_series(g, NULL), INFINITY);
	text = s_render(m);
	s_has(text, "\ng +Inf\n");
	free(text);
	metrics_set(metrics_series(g, NULL), 0.1);
	text = s_render(m);
	s_has(text, "\ng 0.1\n");
	free(text);
	metrics_free(&m);
}

Test(metrics, registration_rules)
{
	static const double b[] = { 1, 2 }, bad[] = { 2, 1 };
	struct metrics *m = metrics_new();
	struct metrics_family *f;

	f = metrics_counter(m, "x_total", "x", "device");
	cr_assert_not_null(f);
	cr_assert_eq(metrics_counter(m, "x_total", "other help", "device"), f);
	cr_assert_null(metrics_gauge(m, "x_total", "x", "device"), "type differs");
	cr_assert_null(metrics_counter(m, "x_total", "x", "host"), "labels differ");
	cr_assert_null(metrics_counter(m, "9bad", "x", NULL));
	cr_assert_null(metrics_counter(m, "bad-name", "x", NULL));
	cr_assert_null(metrics_counter(m, "", "x", NULL));
	cr_assert_null(metrics_counter(m, "__reserved", "x", NULL));
	cr_assert_not_null(metrics_counter(m, "ns:sub_total", "colons are fine", NULL));
	cr_assert_null(metrics_counter(m, "y", "x", "a,a"), "duplicate label");
	cr_assert_null(metrics_counter(m, "y", "x", "a,"), "empty label");
	cr_assert_null(metrics_counter(m, "y", "x", "le"), "reserved label");
	cr_assert_null(metrics_counter(m, "y", "x", "__x"), "reserved label");
	cr_assert_null(metrics_counter(m, "y", "x", "a:b"), "colon in a label");
	cr_assert_null(metrics_counter(m, "y", "x", "a,b,c,d,e,f,g,h,i"), "too many");
	cr_assert_null(metrics_histogram(m, "h", "x", NULL, bad, 2));
	cr_assert_null(metrics_histogram(m, "h", "x", NULL, b, 0));
	cr_assert_not_null(metrics_histogram(m, "h", "x", NULL, b, 2));
	/* Wrong arity, NULL values, wrong type: no crash, no effect. */
	cr_assert_null(metrics_series(f, NULL));
	cr_assert_null(metrics_series(f, (const char *[]){ NULL }));
	cr_assert_null(metrics_series(NULL, NULL));
	cr_assert_null(metrics_series1(metrics_counter(m, "z_total", "", NULL), "v"));
	metrics_set(metrics_series1(f, "r1"), 5);
	metrics_observe(metrics_series1(f, "r1"), 5);
	metrics_inc(NULL);
	cr_assert_eq(metrics_counter_value(metrics_series1(f, "r1")), 0);
	metrics_free(&m);
}

Test(metrics, hostile_label_values_are_escaped)
{
	struct metrics *m = metrics_new();
	struct metrics_family *f = metrics_counter(m, "e_total", "", "device");
	char *text;

	metrics_inc(metrics_series1(f, "a\\b\"c\nd"));
	metrics_inc(metrics_series1(f, "} injected_total 99\n#"));
	metrics_inc(metrics_series1(f, "bad\xff\xc3(utf8\xed\xa0\x80"));
	metrics_inc(metrics_series1(f, "caf\xc3\xa9-\xf0\x9f\x98\x80"));
	text = s_render(m);
	s_has(text, "e_total{device=\"a\\\\b\\\"c\\nd\"} 1\n");
	s_has(text, "e_total{device=\"} injected_total 99\\n#\"} 1\n");
	s_has(text, "e_total{device=\"bad\xef\xbf\xbd\xef\xbf\xbd(utf8"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"} 1\n");
	s_has(text, "e_total{device=\"caf\xc3\xa9-\xf0\x9f\x98\x80\"} 1\n");
	cr_assert_null(strstr(text, "\ninjected_total"), "a label value made a line");
	free(text);
	metrics_free(&m);
}

Test(metrics, render_refuses_to_cut_a_page)
{
	struct metrics *m = metrics_new();
	struct buf b;

	metrics_counter(m, "long_name_counter_total", "some help text", NULL);
	buf_init(&b, 16);
	cr_assert_eq(metrics_render(m, &b), CERR_TOOBIG);
	cr_assert_eq(b.len, 0);
	buf_free(&b);
	metrics_free(&m);
}

struct counter_job {
	struct metrics_family *f;
	struct metrics_series *s;
	int n;
};

static void *
s_bump(void *arg)
{
	struct counter_job *j = arg;
	int i;

	for (i = 0; i < j->n; i++) {
		metrics_inc(j->s);
		/* Lookups and new series race with increments and scrapes. */
		if (i % 1000 == 0)
			metrics_inc(metrics_series1(j->f, "shared"));
	}
	return NULL;
}

Test(metrics, concurrent_updates_are_not_lost)
{
	struct metrics *m = metrics_new();
	struct metrics_family *f = metrics_counter(m, "c_total", "", "device");
	struct counter_job j = { f, metrics_series1(f, "r1"), 200000 };
	pthread_t t[4];
	struct buf b;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, s_bump, &j);
	buf_init(&b, 0);
	for (i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof name, "r%d", i + 2);
		metrics_inc(metrics_series1(f, name));
		buf_reset(&b);
		cr_assert_eq(metrics_render(m, &b), CERR_OK);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	cr_assert_eq(metrics_counter_value(j.s), 4 * 200000);
	cr_assert_eq(metrics_counter_value(metrics_series1(f, "shared")), 4 * 200);
	buf_free(&b);
	metrics_free(&m);
}

/* ---- HTTP ---------------------------------------------------------------- */

static size_t
s_collect(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return size * n;
}

/* GET (or another method) on 127.0.0.1:port; returns the status code. */
static long
s_http(int port, const char *method, const char *path, struct buf *body,
    char *ctype, size_t ctlen)
{
	CURL *c = curl_easy_init();
	char url[128];
	long code = 0;
	char *ct = NULL;
	CURLcode rc;

	cr_assert_not_null(c);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	buf_reset(body);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	rc = curl_easy_perform(c);
	cr_assert_eq(rc, CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (ctype != NULL) {
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		snprintf(ctype, ctlen, "%s", ct ? ct : "");
	}
	curl_easy_cleanup(c);
	return code;
}

static atomic_int healthy = 1;

static int
s_health(void *arg, char *reason, size_t len)
{
	if (atomic_load(&healthy))
		return 1;
	snprintf(reason, len, "%s: no device polled for 300s", (const char *)arg);
	return 0;
}

Test(metrics, scrape_over_http)
{
	struct metrics *m = metrics_new();
	struct metrics_family *f = metrics_counter(m, "loghaul_batches_sent_total",
	    "Batches sent.", "device");
	struct metrics_health h = { s_health, (void *)"collector" };
	struct metrics_http *srv;
	char err[256], ctype[128];
	struct buf body;
	int port;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	metrics_add(metrics_series1(f, "r001"), 7);
	srv = metrics_http_start(m, "127.0.0.1:0", &h, err, sizeof err);
	cr_assert_not_null(srv, "%s", err);
	port = metrics_http_port(srv);
	cr_assert_gt(port, 0);
	buf_init(&body, 0);

	cr_assert_eq(s_http(port, "GET", "/metrics", &body, ctype, sizeof ctype), 200);
	cr_assert(strstr(ctype, "text/plain") && strstr(ctype, "version=0.0.4"), "%s", ctype);
	s_has(body.data, "# TYPE loghaul_batches_sent_total counter\n"
	    "loghaul_batches_sent_total{device=\"r001\"} 7\n");
	metrics_inc(metrics_series1(f, "r001"));
	cr_assert_eq(s_http(port, "GET", "/metrics", &body, NULL, 0), 200);
	s_has(body.data, "loghaul_batches_sent_total{device=\"r001\"} 8\n");
	cr_assert_eq(s_http(port, "GET", "/metrics?x=1", &body, NULL, 0), 200);

	cr_assert_eq(s_http(port, "GET", "/healthz", &body, NULL, 0), 200);
	cr_assert_str_eq(body.data, "ok\n");
	atomic_store(&healthy, 0);
	cr_assert_eq(s_http(port, "GET", "/healthz", &body, NULL, 0), 503);
	cr_assert_str_eq(body.data, "collector: no device polled for 300s\n");
	atomic_store(&healthy, 1);
	cr_assert_eq(s_http(port, "GET", "/healthz", &body, NULL, 0), 200);

	cr_assert_eq(s_http(port, "GET", "/", &body, NULL, 0), 404);
	cr_assert_eq(s_http(port, "GET", "/metrics/../etc/passwd", &body, NULL, 0), 404);
	cr_assert_eq(s_http(port, "POST", "/metrics", &body, NULL, 0), 405);
	cr_assert_eq(s_http(port, "DELETE", "/healthz", &body, NULL, 0), 405);

	buf_free(&body);
	metrics_http_stop(&srv);
	cr_assert_null(srv);
	metrics_http_stop(&srv);
	metrics_free(&m);
	curl_global_cleanup();
}

/*
 * A collector with 1,000 sessions holds descriptors past FD_SETSIZE (1024):
 * the server must still answer (libmicrohttpd under select() refuses every
 * connection whose descriptor is 1024 or more).
 */
Test(metrics, scrape_with_descriptors_past_fd_setsize)
{
	struct metrics *m = metrics_new();
	struct metrics_http *srv;
	struct rlimit rl;
	char err[256];
	struct buf body;
	int fds[1100], nfd = 0;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 1200)
		cr_skip_test("RLIMIT_NOFILE hard limit %llu",
		    (unsigned long long)rl.rlim_max);
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1200) {
		rl.rlim_cur = 1200;
		cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	while (nfd < 1100 && (fds[nfd] = open("/dev/null", O_RDONLY)) >= 0 &&
	    fds[nfd] < 1060)
		nfd++;
	cr_assert_geq(fds[nfd], 1060, "descriptors past 1024");
	nfd++;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	srv = metrics_http_start(m, "127.0.0.1:0", NULL, err, sizeof err);
	cr_assert_not_null(srv, "%s", err);
	buf_init(&body, 0);
	for (int k = 0; k < 3; k++)
		cr_assert_eq(s_http(metrics_http_port(srv), "GET", "/healthz", &body,
		    NULL, 0), 200);
	buf_free(&body);
	metrics_http_stop(&srv);
	metrics_free(&m);
	curl_global_cleanup();
	while (nfd > 0)
		close(fds[--nfd]);
}

Test(metrics, no_health_callback_means_healthy)
{
	struct metrics *m = metrics_new();
	struct metrics_http *srv;
	char err[256];
	struct buf body;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	srv = metrics_http_start(m, "127.0.0.1:0", NULL, err, sizeof err);
	cr_assert_not_null(srv, "%s", err);
	buf_init(&body, 0);
	cr_assert_eq(s_http(metrics_http_port(srv), "GET", "/healthz", &body, NULL, 0),
	    200);
	cr_assert_eq(s_http(metrics_http_port(srv), "GET", "/metrics", &body, NULL, 0),
	    200);
	buf_free(&body);
	metrics_http_stop(&srv);
	metrics_free(&m);
	curl_global_cleanup();
}

Test(metrics, listen_errors_name_the_address)
{
	struct metrics *m = metrics_new();
	struct metrics_http *a, *b;
	char err[256], addr[64];

	a = metrics_http_start(m, "127.0.0.1:0", NULL, err, sizeof err);
	cr_assert_not_null(a, "%s", err);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", metrics_http_port(a));
	b = metrics_http_start(m, addr, NULL, err, sizeof err);
	cr_assert_null(b);
	cr_assert(strstr(err, addr) && strstr(err, "in use"), "%s", err);
	cr_assert_null(metrics_http_start(m, "127.0.0.1", NULL, err, sizeof err));
	cr_assert(strstr(err, "HOST:PORT"), "%s", err);
	cr_assert_null(metrics_http_start(m, "127.0.0.1:70000", NULL, err, sizeof err));
	cr_assert_null(metrics_http_start(m, "127.0.0.1:abc", NULL, err, sizeof err));
	cr_assert_null(metrics_http_start(m, ":9464", NULL, err, sizeof err));
	metrics_http_stop(&a);
	/* Stopping released the port. */
	a = metrics_http_start(m, addr, NULL, err, sizeof err);
	cr_assert_not_null(a, "%s", err);
	metrics_http_stop(&a);
	metrics_free(&m);
}
