/*
 * ctl_main.c — loghaulctl: small operator commands.
 *
 *   loghaulctl status --config FILE   a table of devices and their last poll,
 *                                     read from each running collector
 *                                     process's metrics endpoint
 *   loghaulctl keygen SECRET PUBLIC   a CURVE key pair for curve.secret_key /
 *                                     public_key (the secret file is 0600)
 *
 * status needs collector.metrics (or metrics.listen) in the config: the
 * collectors publish per-device results there, so no extra socket or
 * protocol is needed to ask a running daemon.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/mq.h"
#include "common/util.h"

struct row {
	char    device[128];
	double  ok, err, lines, last_ok;
};

struct table {
	struct row *v;
	size_t      n, cap;
};

static size_t
s_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	return buf_append(b, p, size * n) == CERR_OK ? size * n : 0;
}

static struct row *
s_row(struct table *t, const char *dev)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].device, dev) == 0)
			return &t->v[i];
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	memset(&t->v[t->n], 0, sizeof t->v[t->n]);
	snprintf(t->v[t->n].device, sizeof t->v[t->n].device, "%s", dev);
	return &t->v[t->n++];
}

/* The value of label key in a sample line's {...}, into out. */
static int
s_label(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *s, *e;

	snprintf(pat, sizeof pat, "%s=\"", key);
	if ((s = strstr(line, pat)) == NULL)
		return -1;
	s += strlen(pat);
	if ((e = strchr(s, '"')) == NULL)
		return -1;
	snprintf(out, len, "%.*s", (int)(e - s), s);
	return 0;
}

static void
s_parse(struct table *t, char *text)
{
	char dev[128], res[16];

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		const char *sp = strrchr(line, ' ');
		double v;
		struct row *r;

		if (line[0] == '#' || sp == NULL || s_label(line, "device", dev,
		    sizeof dev) != 0)
			continue;
		v = strtod(sp + 1, NULL);
		r = s_row(t, dev);
		if (strncmp(line, "loghaul_collector_polls_total{", 30) == 0 &&
		    s_label(line, "result", res, sizeof res) == 0) {
			if (strcmp(res, "ok") == 0)
				r->ok = v;
			else
				r->err = v;
		} else if (strncmp(line, "loghaul_collector_lines_total{", 30) == 0) {
			r->lines = v;
		} else if (strncmp(line, "loghaul_collector_last_success_seconds{",
		    39) == 0) {
			r->last_ok = v;
		}
	}
}

static int
s_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->device, ((const struct row *)b)->device);
}

static int
s_status(const char *config)
{
	struct conf *c = NULL;
	struct table t = { 0 };
	char err[1024];
	const char *listen;
	int reached = 0;
	CURL *curl;

	if (conf_load(config, &c, err, sizeof err) != CERR_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	listen = c->collector.metrics ? c->collector.metrics : c->metrics.listen;
	if (listen == NULL) {
		fprintf(stderr, "%s: no collector.metrics (or metrics.listen): the "
		    "collectors publish their status there\n", config);
		conf_free(&c);
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	for (int i = 0; i < c->collector.processes; i++) {
		/* collector process i serves metrics on the port + i */
		char *hp = daemon_port_plus(listen, i, err, sizeof err), *url;
		struct buf b;

		if (hp == NULL) {
			fprintf(stderr, "collector %d: %s\n", i, err);
			continue;
		}
		url = xasprintf("http://%s/metrics", hp);
		free(hp);

		buf_init(&b, 64u << 20);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_write);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
		if (curl_easy_perform(curl) == CURLE_OK && b.data) {
			s_parse(&t, b.data);
			reached++;
		} else {
			fprintf(stderr, "collector %d: %s not reachable\n", i, url);
		}
		buf_free(&b);
		free(url);
	}
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	qsort(t.v, t.n, sizeof *t.v, s_cmp);
	printf("%-24s %8s %8s %10s  %s\n", "DEVICE", "POLLS", "FAILED", "LINES",
	    "LAST SUCCESS");
	for (size_t i = 0; i < t.n; i++) {
		char when[32] = "never";
		if (t.v[i].last_ok > 0) {
			time_t s = (time_t)t.v[i].last_ok;
			struct tm tm;
			gmtime_r(&s, &tm);
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		printf("%-24s %8.0f %8.0f %10.0f  %s\n", t.v[i].device,
		    t.v[i].ok + t.v[i].err, t.v[i].err, t.v[i].lines, when);
	}
	free(t.v);
	conf_free(&c);
	return reached == 0;
}

static void
s_usage(FILE *f)
{
	fprintf(f, "usage: loghaulctl status --config FILE\n"
	    "       loghaulctl keygen SECRET_FILE PUBLIC_FILE\n");
}

int
main(int argc, char **argv)
{
	char err[512];

	log_init("loghaulctl", 0);
	if (argc == 4 && strcmp(argv[1], "status") == 0 &&
	    (strcmp(argv[2], "--config") == 0 || strcmp(argv[2], "-f") == 0))
		return s_status(argv[3]);
	if (argc == 4 && strcmp(argv[1], "keygen") == 0) {
		if (mq_curve_keygen_files(argv[2], argv[3], err, sizeof err) != 0) {
			fprintf(stderr, "keygen: %s\n", err);
			return 1;
		}
		printf("wrote %s (secret, mode 0600) and %s (public)\n", argv[2],
		    argv[3]);
		return 0;
	}
	s_usage(argc > 1 && strcmp(argv[1], "-h") == 0 ? stdout : stderr);
	return 2;
}
