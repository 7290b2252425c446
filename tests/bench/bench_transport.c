/*
 * bench_transport.c — the wire format's cost over ZeroMQ, beside bare
 * ZeroMQ carrying the same bytes.
 *
 *   bench_transport [--lines N] [--batch B] [--rounds R] [--modes wire,bare,frames]
 *                   [--ipc DIR]
 *
 * Two processes, as collector and analyzer are: the parent sends over a
 * PUSH socket connected to tcp://127.0.0.1, the child receives on a bound
 * PULL. Each round moves every record of tests/bench/benchgen.h's corpus.
 *   wire  the parent encodes B records per frame with wire_encode_batch()
 *         (the collector's encoder) and sends it; the child decodes each
 *         frame with wire_decode() and counts the records.
 *   bare  the parent sends the same records' line bytes, B lines joined
 *         with '\n' per frame (prepared before the clock starts); the child
 *         receives and counts frames.
 *   frames (diagnostic) bare ZeroMQ carrying the wire frames, encoded
 *         before the clock starts and not decoded: what the format's extra
 *         bytes cost, apart from encoding and decoding.
 * --ipc DIR uses ipc://DIR/... instead of tcp (the single-machine default
 * of a deployment). Both sides use the sockets loghaul uses (common/mq.h options). The time
 * runs from the parent's first send (after a handshake) to the child's last
 * receive, both on CLOCK_MONOTONIC. Modes alternate round by round so drift
 * hits both alike. One JSON object on stdout: best and median per mode.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "common/buf.h"
#include "common/mq.h"
#include "common/util.h"
#include "common/wire.h"
#include "tests/bench/benchgen.h"

#define MAX_ROUNDS 32

static const char *s_ipc_dir;	/* NULL: tcp://127.0.0.1 */

enum mode { M_WIRE, M_BARE, M_FRAMES, M__COUNT };

static const char *const s_mode_name[M__COUNT] = { "wire", "bare", "frames" };

struct child_report {
	double   t_last;
	uint64_t lines;
	uint64_t frames;
	uint64_t bad;
};

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

static void
s_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		c += w;
		n -= (size_t)w;
	}
}

static int
s_read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The receiver: bind, tell the parent the endpoint, take one handshake
 * frame, then count until `want` lines arrived; report the time of the last.
 */
static void
s_child(enum mode m, size_t batch, uint64_t want, int to_parent)
{
	char err[256], ep[256];
	struct child_report rep = { 0 };
	struct mq_opts o;
	void *pull;
	zmq_msg_t msg;

	mq_opts_init(&o);
	if (s_ipc_dir)
		snprintf(ep, sizeof ep, "ipc://%s/bench-transport-%ld", s_ipc_dir,
		    (long)getpid());
	else
		snprintf(ep, sizeof ep, "tcp://127.0.0.1:*");
	if ((pull = mq_socket(ZMQ_PULL, &o, err, sizeof err)) == NULL ||
	    mq_bind(pull, ep, err, sizeof err) != 0 ||
	    mq_endpoint(pull, ep, sizeof ep) != 0) {
		fprintf(stderr, "child: %s\n", err);
		_exit(1);
	}
	s_write_all(to_parent, ep, sizeof ep);
	zmq_msg_init(&msg);
	if (zmq_msg_recv(&msg, pull, 0) < 0)		/* handshake */
		_exit(1);
	s_write_all(to_parent, "h", 1);
	while (rep.lines < want) {
		if (zmq_msg_recv(&msg, pull, 0) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		rep.frames++;
		if (m == M_WIRE) {
			struct wire_msg wm;

			if (wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm,
			    err, sizeof err) != CERR_OK || wm.type != WIRE_BATCH) {
				rep.bad++;
				rep.lines += batch;	/* keep the count moving */
				continue;
			}
			rep.lines += wm.u.batch.nrecs;
			wire_msg_free(&wm);
		} else {
			/* The sender says how many lines each frame holds: the last
			 * frame may hold fewer than batch. */
			rep.lines += batch;
		}
	}
	rep.t_last = util_monotime();
	zmq_msg_close(&msg);
	s_write_all(to_parent, &rep, sizeof rep);
	mq_close(&pull);
	mq_shutdown();
	_exit(0);
}

struct corpus {
	const struct benchgen *g;
	size_t batch;
	size_t nframes;
	/* bare and frames: prepared frames */
	char  **bare, **enc;
	size_t *bare_len, *enc_len;
};

/* One round of one mode; returns lines per second, or -1. */
static double
s_round(const struct corpus *c, enum mode m, uint64_t *bad)
{
	int p2c[2], c2p[2];
	char ep[256], h, err[256];
	struct child_report rep;
	struct mq_opts o;
	struct buf frame;
	void *push;
	pid_t pid;
	double t0;
	int status;
	uint64_t want = m == M_WIRE ? c->g->nrecs : (uint64_t)c->nframes * c->batch;

	if (pipe(c2p) != 0 || pipe(p2c) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		close(c2p[0]);
		close(p2c[1]);
		s_child(m, c->batch, want, c2p[1]);
	}
	close(c2p[1]);
	close(p2c[0]);
	if (s_read_all(c2p[0], ep, sizeof ep) != 0)
		goto fail;
	mq_opts_init(&o);
	o.immediate = 0;
	if ((push = mq_socket(ZMQ_PUSH, &o, err, sizeof err)) == NULL ||
	    mq_connect(push, ep, err, sizeof err) != 0) {
		fprintf(stderr, "%s\n", err);
		goto fail;
	}
	zmq_send(push, "x", 1, 0);
	if (s_read_all(c2p[0], &h, 1) != 0)
		goto fail_sock;

	buf_init(&frame, WIRE_MAX_FRAME);
	t0 = util_monotime();
	for (size_t k = 0; k < c->nframes; k++) {
		int rc;

		if (m == M_WIRE) {
			size_t off = k * c->batch;
			size_t n = c->g->nrecs - off < c->batch ? c->g->nrecs - off :
			    c->batch;
			struct wire_batch wb = {
				.key = {
					.collector = wire_str("bench/0"),
					.device = wire_str("bench-rtr-001"),
					.first_id = c->g->recs[off].id,
					.last_id = c->g->recs[off + n - 1].id,
				},
				.platform = wire_str("cisco_ios"),
				.nrecs = n,
				.recs = &c->g->recs[off],
			};
			buf_reset(&frame);
			if (wire_encode_batch(&frame, &wb) != CERR_OK) {
				fprintf(stderr, "encode failed\n");
				goto fail_sock;
			}
			rc = zmq_send(push, frame.data, frame.len, 0);
		} else if (m == M_BARE) {
			rc = zmq_send(push, c->bare[k], c->bare_len[k], 0);
		} else {
			rc = zmq_send(push, c->enc[k], c->enc_len[k], 0);
		}
		if (rc < 0) {
			fprintf(stderr, "send: %s\n", zmq_strerror(errno));
			goto fail_sock;
		}
	}
	buf_free(&frame);
	if (s_read_all(c2p[0], &rep, sizeof rep) != 0)
		goto fail_sock;
	mq_close(&push);
	close(c2p[0]);
	close(p2c[1]);
	waitpid(pid, &status, 0);
	*bad += rep.bad;
	return (double)c->g->nrecs / (rep.t_last - t0);

fail_sock:
	mq_close(&push);
fail:
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(c2p[0]);
	close(p2c[1]);
	return -1;
}

static int
s_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
s_prepare(struct corpus *c)
{
	struct buf b;

	buf_init(&b, WIRE_MAX_FRAME);
	c->bare = xcalloc(c->nframes, sizeof *c->bare);
	c->bare_len = xcalloc(c->nframes, sizeof *c->bare_len);
	c->enc = xcalloc(c->nframes, sizeof *c->enc);
	c->enc_len = xcalloc(c->nframes, sizeof *c->enc_len);
	for (size_t k = 0; k < c->nframes; k++) {
		size_t off = k * c->batch, len = 0;
		size_t n = c->g->nrecs - off < c->batch ? c->g->nrecs - off : c->batch;

		for (size_t i = 0; i < n; i++)
			len += c->g->recs[off + i].line.len + 1;
		c->bare[k] = xmalloc(len);
		len = 0;
		for (size_t i = 0; i < n; i++) {
			const struct wire_bytes *l = &c->g->recs[off + i].line;
			memcpy(c->bare[k] + len, l->ptr, l->len);
			len += l->len;
			c->bare[k][len++] = '\n';
		}
		c->bare_len[k] = len;

		struct wire_batch wb = {
			.key = {
				.collector = wire_str("bench/0"),
				.device = wire_str("bench-rtr-001"),
				.first_id = c->g->recs[off].id,
				.last_id = c->g->recs[off + n - 1].id,
			},
			.platform = wire_str("cisco_ios"),
			.nrecs = n,
			.recs = &c->g->recs[off],
		};
		buf_reset(&b);
		if (wire_encode_batch(&b, &wb) != CERR_OK) {
			fprintf(stderr, "encode failed\n");
			exit(1);
		}
		c->enc[k] = xmalloc(b.len);
		memcpy(c->enc[k], b.data, b.len);
		c->enc_len[k] = b.len;
	}
	buf_free(&b);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "lines", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "modes", required_argument, NULL, 'm' },
		{ "ipc", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	size_t nlines = 1000000, rounds = 5;
	double res[M__COUNT][MAX_ROUNDS];
	size_t nres[M__COUNT] = { 0 };
	const char *modes = "wire,bare,frames";
	struct corpus c = { .batch = 64 };
	struct benchgen *g;
	uint64_t bad = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'n': nlines = s_num("lines", optarg, 50000000); break;
		case 'b': c.batch = s_num("batch", optarg, WIRE_MAX_RECORDS); break;
		case 'r': rounds = s_num("rounds", optarg, MAX_ROUNDS); break;
		case 'm': modes = optarg; break;
		case 'i': s_ipc_dir = optarg; break;
		default:
			fprintf(stderr, "usage: bench_transport [--lines N] [--batch B] "
			    "[--rounds R] [--modes wire,bare,frames] [--ipc DIR]\n");
			return 2;
		}
	}
	if ((g = benchgen_new(nlines)) == NULL)
		return 1;
	c.g = g;
	c.nframes = (g->nrecs + c.batch - 1) / c.batch;
	/* The last frame of a bare round is counted as full: keep it full. */
	if (g->nrecs % c.batch)
		c.nframes--;
	s_prepare(&c);
	{
		/* Count only whole frames, for both modes alike. */
		static struct benchgen trimmed;
		trimmed = *g;
		trimmed.nrecs = c.nframes * c.batch;
		c.g = &trimmed;
	}
	signal(SIGPIPE, SIG_IGN);
	for (size_t r = 0; r < rounds; r++) {
		for (int m = 0; m < M__COUNT; m++) {
			double v;

			if (strstr(modes, s_mode_name[m]) == NULL)
				continue;
			if ((v = s_round(&c, (enum mode)m, &bad)) < 0) {
				fprintf(stderr, "round %zu (%s) failed\n", r,
				    s_mode_name[m]);
				return 1;
			}
			res[m][nres[m]++] = v;
			fprintf(stderr, "bench_transport: round %zu %s: %.0f lines/s\n",
			    r + 1, s_mode_name[m], v);
		}
	}
	{
		uint64_t bb = 0, wb = 0;
		for (size_t k = 0; k < c.nframes; k++) {
			bb += c.bare_len[k];
			wb += c.enc_len[k];
		}
		printf("{\"transport\":\"%s\",\"lines\":%zu,\"batch\":%zu,\"frames\":%zu,"
		    "\"decode_errors\":%llu,\"bare_bytes\":%llu,\"wire_bytes\":%llu",
		    s_ipc_dir ? "ipc" : "tcp", c.g->nrecs, c.batch, c.nframes,
		    (unsigned long long)bad,
		    (unsigned long long)bb, (unsigned long long)wb);
	}
	for (int m = 0; m < M__COUNT; m++) {
		double s[MAX_ROUNDS];

		if (nres[m] == 0)
			continue;
		memcpy(s, res[m], nres[m] * sizeof *s);
		qsort(s, nres[m], sizeof *s, s_cmp_double);
		printf(",\"%s\":{\"best_lines_per_s\":%.0f,\"median_lines_per_s\":%.0f,"
		    "\"rounds\":[", s_mode_name[m], s[nres[m] - 1],
		    s[nres[m] / 2]);
		for (size_t i = 0; i < nres[m]; i++)
			printf("%s%.0f", i ? "," : "", res[m][i]);
		printf("]}");
	}
	printf("}\n");
	for (size_t k = 0; k < c.nframes; k++) {
		free(c.bare[k]);
		free(c.enc[k]);
	}
	free(c.bare);
	free(c.bare_len);
	free(c.enc);
	free(c.enc_len);
	mq_shutdown();
	benchgen_free(&g);
	return bad ? 1 : 0;
}
