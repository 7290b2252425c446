/*
 * bench_analyzer.c — throughput of real loghaul-analyzer processes. This
 * program plays both of the analyzer's neighbours: the collector (it binds
 * the PUSH data endpoint and the PULL ack endpoint, wire.h) and the alert
 * stage (it binds the ROUTER and acks every EVENTS message at once), so the
 * analyzer does exactly its production work: decode each batch, run the
 * whole rule pack on every record, encode and send events, wait for their
 * ack, ack the batch.
 *
 *   bench_analyzer --push EP --alerts EP [--lines N] [--batch B]
 *                  [--rounds R] [--devices D] [--log FILE] [--rules GLOB]...
 *                  [--timeout S] [--redos-every N] [--match-limit M]
 *
 * The input is tests/bench/benchgen.h's generated IOS buffer, parsed by the
 * collector's parser and encoded (before the clock starts) into batches of
 * B records, spread over D device names. --log writes the same text for
 * the peers (grep, pcre2grep, syslog-ng). A warm-up batch waits until
 * every analyzer is connected; then each round sends every batch and ends
 * when the last one is acked. Lines per second count the lines of the text
 * (what grep reads), over first send to last ack.
 *
 * --watch PID: the CPU time (utime + stime) that process and its children
 * (analyzer workers) used in each round, from /proc: lines per CPU-second
 * is the figure that survives a busy machine.
 *
 * The events the analyzer sends are counted and checked against the same
 * rule pack run here over the same records: a round that gets another
 * count is reported as wrong (exit 1). One JSON object on stdout.
 *
 * --redos-every N replaces one line in N of the input with a ReDoS bait
 * (benchgen_new_redos(); with tests/data/rules/redos.yaml among the rules,
 * each ends at the match limit). --rules may be given several times; the
 * events expected are computed with --match-limit (default 10000, the
 * analyzer's own default, conf.c), and the JSON says how many (line, rule)
 * pairs hit it in one pass over the records: "limit_hits_per_pass".
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#include "analyzer/rules.h"
#include "common/buf.h"
#include "common/mq.h"
#include "common/util.h"
#include "common/wire.h"
#include "tests/bench/benchgen.h"

#define MAX_ROUNDS 16

struct frame {
	char   *data;
	size_t  len;
	size_t  nrecs;
	int     acked;
};

struct feeder {
	void         *push, *acks, *router;
	struct frame *frames;
	size_t        nframes;
	uint64_t      first_id;		/* of the corpus: batch = (id - first) / B */
	size_t        batch;
	/* per round */
	size_t        sent, nacked, dup_acks, bad_acks, resends;
	uint64_t      events, event_msgs;
	double        last_ack;
	struct buf    ackbuf;
};

static void
s_usage(void)
{
	fprintf(stderr, "usage: bench_analyzer --push EP --alerts EP [--lines N] "
	    "[--batch B] [--rounds R]\n"
	    "                      [--devices D] [--log FILE] [--rules GLOB]... "
	    "[--timeout S] [--watch PID]\n"
	    "                      [--redos-every N] [--match-limit M]\n");
	exit(2);
}

/* utime + stime of one process, in clock ticks; 0 when it is gone. */
static unsigned long long
s_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces: state is 3. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* Ticks of pid and of its children (one level: analyzer workers). */
static unsigned long long
s_tree_ticks(long pid)
{
	unsigned long long t;
	char path[64];
	DIR *d;
	struct dirent *de;

	if (pid <= 0)
		return 0;
	t = s_ticks(pid);
	snprintf(path, sizeof path, "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return t;
	while ((de = readdir(d)) != NULL) {
		char cp[300];
		FILE *f;
		long kid;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cp, sizeof cp, "/proc/%ld/task/%s/children", pid, de->d_name);
		if ((f = fopen(cp, "r")) == NULL)
			continue;
		while (fscanf(f, "%ld", &kid) == 1)
			t += s_ticks(kid);
		fclose(f);
	}
	closedir(d);
	return t;
}

static uint64_t
s_num(const char *opt, const char *v, uint64_t max)
{
	uint64_t u;

	if (util_parse_u64(v, max, &u) != CERR_OK || u == 0) {
		fprintf(stderr, "--%s: expected 1 to %llu, got '%s'\n", opt,
		    (unsigned long long)max, v);
		exit(2);
	}
	return u;
}

static int
s_count_hit(const struct rules_hit *h, void *arg)
{
	(void)h;
	(*(uint64_t *)arg)++;
	return 0;
}

/*
 * The events the analyzer must produce: the same rules over the same
 * records. *limit_hits: the lines that hit the match limit, *first_hits
 * those of them among the first `first` records (the warm-up batch).
 */
static uint64_t
s_expected_events(const struct benchgen *g, char *const *globs, size_t nglobs,
    uint32_t match_limit, size_t first, uint64_t *limit_hits,
    uint64_t *first_hits)
{
	char err[RULES_ERRLEN];
	struct rules *r = rules_load(globs, nglobs, match_limit, err, sizeof err);
	struct rules_stats st;
	uint64_t n = 0;

	if (r == NULL) {
		fprintf(stderr, "rules: %s\n", err);
		exit(1);
	}
	*limit_hits = *first_hits = 0;
	for (size_t i = 0; i < g->nrecs; i++)
		if (rules_match(r, "cisco_ios", g->recs[i].line.ptr,
		    g->recs[i].line.len, s_count_hit, &n) < 0) {
			++*limit_hits;
			*first_hits += i < first;
		}
	rules_stats(r, &st);
	if (st.limit_hits != *limit_hits)
		fprintf(stderr, "bench_analyzer: rules_stats counts %llu limit hits, "
		    "rules_match() said %llu\n", (unsigned long long)st.limit_hits,
		    (unsigned long long)*limit_hits);
	rules_free(&r);
	return n;
}

static void
s_encode(struct feeder *f, const struct benchgen *g, size_t ndev)
{
	struct buf b;
	char dev[32];

	f->nframes = (g->nrecs + f->batch - 1) / f->batch;
	f->frames = xcalloc(f->nframes ? f->nframes : 1, sizeof *f->frames);
	f->first_id = g->nrecs ? g->recs[0].id : 0;
	buf_init(&b, WIRE_MAX_FRAME);
	for (size_t k = 0; k < f->nframes; k++) {
		size_t off = k * f->batch;
		size_t n = g->nrecs - off < f->batch ? g->nrecs - off : f->batch;
		struct wire_batch wb;

		snprintf(dev, sizeof dev, "bench-rtr-%03zu", k % ndev);
		memset(&wb, 0, sizeof wb);
		wb.key.collector = wire_str("bench-collector/0");
		wb.key.device = wire_str(dev);
		wb.key.first_id = g->recs[off].id;
		wb.key.last_id = g->recs[off + n - 1].id;
		wb.platform = wire_str("cisco_ios");
		wb.nrecs = n;
		wb.recs = &g->recs[off];
		buf_reset(&b);
		if (wire_encode_batch(&b, &wb) != CERR_OK) {
			fprintf(stderr, "batch %zu does not encode\n", k);
			exit(1);
		}
		f->frames[k].data = xmalloc(b.len);
		memcpy(f->frames[k].data, b.data, b.len);
		f->frames[k].len = b.len;
		f->frames[k].nrecs = n;
	}
	buf_free(&b);
}

/* Send frames [f->sent, upto) not yet acked until the socket would block. */
static void
s_send_some(struct feeder *f, size_t upto)
{
	while (f->sent < upto) {
		struct frame *fr = &f->frames[f->sent];
		zmq_msg_t m;

		if (fr->acked) {
			f->sent++;
			continue;
		}

		/* Zero copy: the frames live as long as the program. */
		zmq_msg_init_data(&m, fr->data, fr->len, NULL, NULL);
		if (zmq_msg_send(&m, f->push, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			if (errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "send: %s\n", zmq_strerror(errno));
				exit(1);
			}
			return;
		}
		f->sent++;
	}
}

/* The alert stage's part: ack every EVENTS message to its sender. */
static void
s_drain_router(struct feeder *f)
{
	for (;;) {
		zmq_msg_t id, body;
		struct wire_msg wm;
		char err[256];
		int more;

		zmq_msg_init(&id);
		if (zmq_msg_recv(&id, f->router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&id);
			return;
		}
		zmq_msg_init(&body);
		if (!zmq_msg_more(&id) || zmq_msg_recv(&body, f->router, 0) < 0) {
			fprintf(stderr, "router: message without a body\n");
			exit(1);
		}
		/* DEALERs may send an empty delimiter first. */
		if (zmq_msg_size(&body) == 0 && zmq_msg_more(&body)) {
			zmq_msg_close(&body);
			zmq_msg_init(&body);
			zmq_msg_recv(&body, f->router, 0);
		}
		more = zmq_msg_more(&body);
		while (more) {
			zmq_msg_t x;
			zmq_msg_init(&x);
			zmq_msg_recv(&x, f->router, 0);
			more = zmq_msg_more(&x);
			zmq_msg_close(&x);
		}
		if (wire_decode(zmq_msg_data(&body), zmq_msg_size(&body), &wm, err,
		    sizeof err) != CERR_OK || wm.type != WIRE_EVENTS) {
			fprintf(stderr, "router: not an EVENTS frame: %s\n", err);
			exit(1);
		}
		f->events += wm.u.events.nevents;
		f->event_msgs++;
		buf_reset(&f->ackbuf);
		if (wire_encode_ack(&f->ackbuf, &wm.u.events.key) != CERR_OK) {
			fprintf(stderr, "router: ack does not encode\n");
			exit(1);
		}
		wire_msg_free(&wm);
		if (zmq_send(f->router, zmq_msg_data(&id), zmq_msg_size(&id),
		    ZMQ_SNDMORE) < 0 ||
		    zmq_send(f->router, f->ackbuf.data, f->ackbuf.len, 0) < 0) {
			fprintf(stderr, "router: send ack: %s\n", zmq_strerror(errno));
			exit(1);
		}
		zmq_msg_close(&id);
		zmq_msg_close(&body);
	}
}

/* The collector's part: take the analyzers' acks. */
static void
s_drain_acks(struct feeder *f)
{
	for (;;) {
		zmq_msg_t m;
		struct wire_msg wm;
		char err[256];

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, f->acks, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&m);
			return;
		}
		if (wire_decode(zmq_msg_data(&m), zmq_msg_size(&m), &wm, err,
		    sizeof err) != CERR_OK || wm.type != WIRE_ACK) {
			f->bad_acks++;
		} else {
			uint64_t k = (wm.u.ack.first_id - f->first_id) / f->batch;

			if (wm.u.ack.first_id < f->first_id || k >= f->nframes)
				f->bad_acks++;
			else if (f->frames[k].acked)
				f->dup_acks++;
			else {
				f->frames[k].acked = 1;
				f->nacked++;
				f->last_ack = util_monotime();
			}
			wire_msg_free(&wm);
		}
		zmq_msg_close(&m);
	}
}

/*
 * Send frames [from, to) and wait for all their acks. As a collector does,
 * send again what is not acked after a while (an analyzer drops a batch
 * whose events it cannot forward yet, e.g. before its DEALER is connected).
 * Returns the seconds from first send to last ack, or -1 when nothing moved
 * for timeout_s.
 */
#define RESEND_S 2.0
static double
s_round(struct feeder *f, size_t from, size_t to, double timeout_s)
{
	double t0 = util_monotime(), progress = t0;
	size_t want = to - from, last_acked = 0;

	for (size_t k = from; k < to; k++)
		f->frames[k].acked = 0;
	f->sent = from;
	f->nacked = 0;
	f->resends = 0;
	f->events = f->event_msgs = 0;
	f->last_ack = t0;
	while (f->nacked < want) {
		zmq_pollitem_t it[3] = {
			{ .socket = f->push, .events = f->sent < to ? ZMQ_POLLOUT : 0 },
			{ .socket = f->acks, .events = ZMQ_POLLIN },
			{ .socket = f->router, .events = ZMQ_POLLIN },
		};
		double now;

		if (zmq_poll(it, 3, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "zmq_poll: %s\n", zmq_strerror(errno));
			exit(1);
		}
		if (it[0].revents & ZMQ_POLLOUT)
			s_send_some(f, to);
		if (it[2].revents & ZMQ_POLLIN)
			s_drain_router(f);
		if (it[1].revents & ZMQ_POLLIN)
			s_drain_acks(f);
		now = util_monotime();
		if (f->nacked != last_acked) {
			last_acked = f->nacked;
			progress = now;
		} else if (f->sent == to && now - progress > RESEND_S *
		    (double)(f->resends + 1) && now - progress <= timeout_s) {
			f->resends++;
			f->sent = from;
		} else if (now - progress > timeout_s) {
			fprintf(stderr, "no ack for %.0f s: %zu of %zu batches sent, "
			    "%zu acked\n", timeout_s, f->sent - from, want, f->nacked);
			return -1;
		}
	}
	return f->last_ack - t0;
}

static int
s_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *
s_bind(int type, const char *ep, int hwm)
{
	struct mq_opts o;
	char err[256];
	void *s;

	mq_opts_init(&o);
	o.sndhwm = o.rcvhwm = hwm;
	o.immediate = 0;
	if ((s = mq_socket(type, &o, err, sizeof err)) == NULL ||
	    mq_bind(s, ep, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	return s;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "push", required_argument, NULL, 'p' },
		{ "alerts", required_argument, NULL, 'a' },
		{ "lines", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "devices", required_argument, NULL, 'd' },
		{ "log", required_argument, NULL, 'l' },
		{ "rules", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 't' },
		{ "watch", required_argument, NULL, 'w' },
		{ "redos-every", required_argument, NULL, 'e' },
		{ "match-limit", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *push_ep = NULL, *alerts_ep = NULL, *logpath = NULL;
	char *rglobs[8] = { "analyzer/rules/*.yaml" }, *ack_ep;
	size_t nrglobs = 0;
	unsigned redos_every = 0;
	uint32_t match_limit = 10000;
	uint64_t limit_hits = 0, warmup_hits = 0;
	size_t nlines = 1000000, ndev = 64, rounds = 3, wb;
	double timeout = 60, secs[MAX_ROUNDS], sorted[MAX_ROUNDS], tgen;
	uint64_t expected, wire_bytes = 0;
	struct feeder f;
	struct benchgen *g;
	struct rusage ru;
	long watch = 0, hz = sysconf(_SC_CLK_TCK);
	double cpu_total = 0, lines_total = 0;
	int c, wrong = 0;

	memset(&f, 0, sizeof f);
	f.batch = 512;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'p': push_ep = optarg; break;
		case 'a': alerts_ep = optarg; break;
		case 'n': nlines = s_num("lines", optarg, 50000000); break;
		case 'b': f.batch = s_num("batch", optarg, WIRE_MAX_RECORDS); break;
		case 'r': rounds = s_num("rounds", optarg, MAX_ROUNDS); break;
		case 'd': ndev = s_num("devices", optarg, 100000); break;
		case 'l': logpath = optarg; break;
		case 'R':
			if (nrglobs == sizeof rglobs / sizeof rglobs[0]) {
				fprintf(stderr, "--rules: at most %zu\n", nrglobs);
				return 2;
			}
			rglobs[nrglobs++] = optarg;
			break;
		case 'e': redos_every = (unsigned)s_num("redos-every", optarg,
		    1000000); break;
		case 'm': match_limit = (uint32_t)s_num("match-limit", optarg,
		    UINT32_MAX); break;
		case 't': timeout = (double)s_num("timeout", optarg, 3600); break;
		case 'w': watch = (long)s_num("watch", optarg, 1u << 30); break;
		default: s_usage();
		}
	}
	if (push_ep == NULL || alerts_ep == NULL || optind != argc)
		s_usage();
	if ((ack_ep = wire_ack_endpoint(push_ep)) == NULL) {
		fprintf(stderr, "cannot derive the ack endpoint of %s\n", push_ep);
		return 2;
	}

	tgen = util_monotime();
	if (nrglobs == 0)
		nrglobs = 1;
	if ((g = benchgen_new_redos(nlines, redos_every)) == NULL) {
		fprintf(stderr, "benchgen: the generated buffer does not parse\n");
		return 1;
	}
	if (logpath && benchgen_write(g, logpath) != 0) {
		perror(logpath);
		return 1;
	}
	expected = s_expected_events(g, rglobs, nrglobs, match_limit, f.batch,
	    &limit_hits, &warmup_hits);
	s_encode(&f, g, ndev);
	for (size_t k = 0; k < f.nframes; k++)
		wire_bytes += f.frames[k].len;
	tgen = util_monotime() - tgen;
	buf_init(&f.ackbuf, 0);

	f.push = s_bind(ZMQ_PUSH, push_ep, 1000);
	f.acks = s_bind(ZMQ_PULL, ack_ep, 100000);
	f.router = s_bind(ZMQ_ROUTER, alerts_ep, 100000);
	fprintf(stderr, "bench_analyzer: %zu lines, %zu records, %zu batches of %zu, "
	    "%.1f MB on the wire, %llu events expected (prepared in %.1f s); "
	    "waiting for the analyzer\n", g->nlines, g->nrecs, f.nframes, f.batch,
	    (double)wire_bytes / 1e6, (unsigned long long)expected, tgen);

	/* Warm-up: the first batch, until it is acked (analyzers connected). */
	if (s_round(&f, 0, 1, timeout) < 0)
		return 1;
	if (f.resends)
		fprintf(stderr, "bench_analyzer: the warm-up batch was sent %zu times "
		    "before an ack came\n", f.resends + 1);
	/* Let every analyzer process connect before the clock starts. */
	{
		double until = util_monotime() + 1.0;
		while (util_monotime() < until) {
			zmq_pollitem_t it[2] = {
				{ .socket = f.acks, .events = ZMQ_POLLIN },
				{ .socket = f.router, .events = ZMQ_POLLIN },
			};
			zmq_poll(it, 2, 100);
			s_drain_router(&f);
			s_drain_acks(&f);
		}
	}

	printf("{\"lines\":%zu,\"records\":%zu,\"batches\":%zu,\"batch\":%zu,"
	    "\"devices\":%zu,\"wire_bytes\":%llu,\"events_expected\":%llu,"
	    "\"pathological_lines\":%u,\"limit_hits_per_pass\":%llu,"
	    "\"limit_hits_warmup\":%llu,\"rounds\":[", g->nlines, g->nrecs,
	    f.nframes, f.batch, ndev, (unsigned long long)wire_bytes,
	    (unsigned long long)expected, g->npath,
	    (unsigned long long)limit_hits, (unsigned long long)warmup_hits);
	for (size_t r = 0; r < rounds; r++) {
		unsigned long long t0 = s_tree_ticks(watch), t1;
		double cpu;

		secs[r] = s_round(&f, 0, f.nframes, timeout);
		if (secs[r] < 0)
			return 1;
		t1 = s_tree_ticks(watch);
		cpu = (double)(t1 - t0) / (double)hz;
		cpu_total += cpu;
		lines_total += (double)g->nlines;
		/* After a re-send, duplicates are expected; without, none is. */
		if (f.bad_acks || (f.resends == 0 && (f.events != expected ||
		    f.dup_acks)) || f.events < expected)
			wrong = 1;
		printf("%s{\"seconds\":%.6f,\"lines_per_s\":%.0f,\"events\":%llu,"
		    "\"event_msgs\":%llu,\"dup_acks\":%zu,\"bad_acks\":%zu,"
		    "\"resends\":%zu,\"analyzer_cpu_s\":%.2f}",
		    r ? "," : "", secs[r], (double)g->nlines / secs[r],
		    (unsigned long long)f.events, (unsigned long long)f.event_msgs,
		    f.dup_acks, f.bad_acks, f.resends, cpu);
		fprintf(stderr, "bench_analyzer: round %zu: %.3f s, %.0f lines/s, "
		    "%llu events%s\n", r + 1, secs[r], (double)g->nlines / secs[r],
		    (unsigned long long)f.events, f.resends ? " (after re-sends)" : "");
	}
	memcpy(sorted, secs, rounds * sizeof *secs);
	qsort(sorted, rounds, sizeof *sorted, s_cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	wb = f.nframes;
	printf("],\"best_lines_per_s\":%.0f,\"median_lines_per_s\":%.0f,"
	    "\"lines_per_cpu_s\":%.0f,"
	    "\"correct\":%s,\"feeder_cpu_s\":%.3f,\"batches_per_round\":%zu}\n",
	    (double)g->nlines / sorted[0],
	    (double)g->nlines / sorted[rounds / 2],
	    cpu_total > 0 ? lines_total / cpu_total : 0, wrong ? "false" : "true",
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, wb);
	fflush(stdout);
	if (wrong)
		fprintf(stderr, "bench_analyzer: WRONG: events or acks differ from "
		    "what the rules give (%llu expected)\n",
		    (unsigned long long)expected);

	mq_close(&f.push);
	mq_close(&f.acks);
	mq_close(&f.router);
	mq_shutdown();
	for (size_t k = 0; k < f.nframes; k++)
		free(f.frames[k].data);
	free(f.frames);
	free(ack_ep);
	buf_free(&f.ackbuf);
	benchgen_free(&g);
	return wrong;
}
