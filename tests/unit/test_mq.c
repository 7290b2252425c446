/*
 * test_mq.c — real ZeroMQ sockets over 127.0.0.1 (ephemeral ports) and ipc
 * in a temporary directory: round trips, our socket options, CURVE with the
 * ZAP allow list (and the peers it must refuse), oversized frames, and key
 * files. Every wait is bounded; nothing asserts on elapsed time.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/metrics.h"
#include "common/mq.h"

#define WAIT_MS 15000	/* generous bound for anything that must happen */

static char err[512];

static void *
s_sock(int type, const struct mq_opts *o)
{
	void *s = mq_socket(type, o, err, sizeof err);

	cr_assert_not_null(s, "mq_socket: %s", err);
	return s;
}

/* Bind to an ephemeral port on loopback and return the resolved endpoint. */
static void
s_bind_any(void *s, char *ep, size_t eplen)
{
	cr_assert_eq(mq_bind(s, "tcp://127.0.0.1:*", err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_endpoint(s, ep, eplen), 0);
	cr_assert(strncmp(ep, "tcp://127.0.0.1:", 16) == 0, "%s", ep);
}

/* Send, waiting (bounded) while the socket says CERR_AGAIN. */
static void
s_send(void *s, const char *text)
{
	zmq_pollitem_t it = { s, 0, ZMQ_POLLOUT, 0 };
	int waited = 0;
	enum cerr e;

	while ((e = mq_send(s, text, strlen(text), 0)) == CERR_AGAIN &&
	    waited < WAIT_MS) {
		zmq_poll(&it, 1, 50);
		waited += 50;
	}
	cr_assert_eq(e, CERR_OK, "send '%s': %s", text, cerr_str(e));
}

/* Receive one frame within ms; returns its length or -1 when none came. */
static int
s_recv(void *s, char *out, size_t outlen, int ms)
{
	zmq_pollitem_t it = { s, 0, ZMQ_POLLIN, 0 };
	zmq_msg_t m;
	int n;

	if (zmq_poll(&it, 1, ms) <= 0)
		return -1;
	zmq_msg_init(&m);
	cr_assert_eq(mq_recv(s, &m, 0), CERR_OK);
	n = (int)zmq_msg_size(&m);
	if (outlen > 0) {
		size_t c = (size_t)n < outlen - 1 ? (size_t)n : outlen - 1;

		memcpy(out, zmq_msg_data(&m), c);
		out[c] = '\0';
	}
	zmq_msg_close(&m);
	return n;
}

Test(mq, push_pull_tcp)
{
	void *pull = s_sock(ZMQ_PULL, NULL), *push = s_sock(ZMQ_PUSH, NULL);
	char ep[128], got[64];

	s_bind_any(pull, ep, sizeof ep);
	cr_assert_eq(mq_connect(push, ep, err, sizeof err), 0, "%s", err);
	s_send(push, "hello over tcp");
	cr_assert_gt(s_recv(pull, got, sizeof got, WAIT_MS), 0);
	cr_assert_str_eq(got, "hello over tcp");
	mq_close(&push);
	mq_close(&pull);
	cr_assert_null(pull);
	mq_close(&pull);	/* NULL is fine */
	mq_shutdown();
}

Test(mq, push_pull_ipc)
{
	char dir[] = "/tmp/loghaul-mq-XXXXXX", ep[256], got[64];
	void *pull, *push;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(ep, sizeof ep, "ipc://%s/data.sock", dir);
	pull = s_sock(ZMQ_PULL, NULL);
	push = s_sock(ZMQ_PUSH, NULL);
	cr_assert_eq(mq_bind(pull, ep, err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_connect(push, ep, err, sizeof err), 0, "%s", err);
	s_send(push, "hello over ipc");
	cr_assert_gt(s_recv(pull, got, sizeof got, WAIT_MS), 0);
	cr_assert_str_eq(got, "hello over ipc");
	mq_close(&push);
	mq_close(&pull);
	mq_shutdown();
	snprintf(ep, sizeof ep, "%s/data.sock", dir);
	unlink(ep);
	rmdir(dir);
}

static int
s_getint(void *s, int opt)
{
	int v = -12345;
	size_t len = sizeof v;

	cr_assert_eq(zmq_getsockopt(s, opt, &v, &len), 0);
	return v;
}

Test(mq, standard_options_are_set)
{
	void *pull = s_sock(ZMQ_PULL, NULL), *push = s_sock(ZMQ_PUSH, NULL);
	void *router = s_sock(ZMQ_ROUTER, NULL);
	int64_t max = 0;
	size_t len = sizeof max;
	struct mq_opts o;

	mq_opts_init(&o);
	cr_assert_eq(s_getint(pull, ZMQ_HEARTBEAT_IVL), o.heartbeat_ivl_ms);
	cr_assert_gt(o.heartbeat_ivl_ms, 0);
	cr_assert_eq(s_getint(pull, ZMQ_HEARTBEAT_TIMEOUT), o.heartbeat_timeout_ms);
	cr_assert_eq(s_getint(pull, ZMQ_HEARTBEAT_TTL), o.heartbeat_ttl_ms);
	cr_assert_eq(s_getint(push, ZMQ_HEARTBEAT_IVL), o.heartbeat_ivl_ms);
	cr_assert_eq(s_getint(pull, ZMQ_LINGER), o.linger_ms);
	cr_assert_geq(o.linger_ms, 0, "linger must be bounded");
	cr_assert_eq(s_getint(pull, ZMQ_RCVHWM), o.rcvhwm);
	cr_assert_eq(s_getint(push, ZMQ_SNDHWM), o.sndhwm);
	cr_assert_eq(s_getint(push, ZMQ_IMMEDIATE), 1);
	cr_assert_eq(s_getint(pull, ZMQ_TCP_KEEPALIVE), 1);
	cr_assert_eq(s_getint(pull, ZMQ_HANDSHAKE_IVL), o.handshake_ms);
	cr_assert_eq(zmq_getsockopt(pull, ZMQ_MAXMSGSIZE, &max, &len), 0);
	cr_assert_eq(max, MQ_MAXMSGSIZE);
	cr_assert_gt(max, (int64_t)WIRE_MAX_FRAME);
	len = sizeof max;
	cr_assert_eq(zmq_getsockopt(push, ZMQ_MAXMSGSIZE, &max, &len), 0);
	cr_assert_eq(max, -1, "a socket that only sends keeps libzmq's default");
	mq_close(&router);
	mq_close(&push);
	mq_close(&pull);
	mq_shutdown();
}

Test(mq, send_reports_again)
{
	void *push = s_sock(ZMQ_PUSH, NULL);
	char ep[128];

	s_bind_any(push, ep, sizeof ep);
	/* No peer: a non-blocking send must say so, not block or drop. */
	cr_assert_eq(mq_send(push, "x", 1, 0), CERR_AGAIN);
	mq_close(&push);
	mq_shutdown();
}

Test(mq, bind_and_connect_errors_name_the_endpoint)
{
	void *a = s_sock(ZMQ_PULL, NULL), *b = s_sock(ZMQ_PULL, NULL);
	char ep[128];

	cr_assert_eq(mq_bind(a, "tcp://127.0.0.1:notaport", err, sizeof err), -1);
	cr_assert(strstr(err, "tcp://127.0.0.1:notaport") != NULL, "%s", err);
	s_bind_any(a, ep, sizeof ep);
	cr_assert_eq(mq_bind(b, ep, err, sizeof err), -1);
	cr_assert(strstr(err, ep) != NULL, "%s", err);
	cr_assert(strstr(err, "in use") != NULL, "%s", err);
	cr_assert_eq(mq_connect(b, "bogus://x", err, sizeof err), -1);
	cr_assert(strstr(err, "connect bogus://x") != NULL, "%s", err);
	mq_close(&a);
	mq_close(&b);
	mq_shutdown();
}

Test(mq, recv_drain_drops_extra_frames)
{
	void *pull = s_sock(ZMQ_PULL, NULL), *push = s_sock(ZMQ_PUSH, NULL);
	char ep[128], got[16];

	s_bind_any(pull, ep, sizeof ep);
	cr_assert_eq(mq_connect(push, ep, err, sizeof err), 0, "%s", err);
	while (mq_send(push, "a", 1, MQ_MORE) == CERR_AGAIN)
		zmq_poll(NULL, 0, 10);
	cr_assert_eq(mq_send(push, "b", 1, MQ_MORE | MQ_BLOCK), CERR_OK);
	cr_assert_eq(mq_send(push, "c", 1, MQ_BLOCK), CERR_OK);
	s_send(push, "next");
	cr_assert_eq(s_recv(pull, got, sizeof got, WAIT_MS), 1);
	cr_assert_eq(mq_recv_drain(pull), 2);
	cr_assert_eq(s_recv(pull, got, sizeof got, WAIT_MS), 4);
	cr_assert_str_eq(got, "next");
	mq_close(&push);
	mq_close(&pull);
	mq_shutdown();
}

Test(mq, oversized_frame_refused_by_receiver)
{
	void *pull = s_sock(ZMQ_PULL, NULL);
	void *push = zmq_socket(mq_context(), ZMQ_PUSH);	/* a peer without our limits */
	size_t big = (size_t)MQ_MAXMSGSIZE + 4096;
	char *data = calloc(1, big), ep[128], got[32];
	int linger = 0, n, i, pings = 0;

	cr_assert_not_null(push);
	cr_assert_not_null(data);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
	s_bind_any(pull, ep, sizeof ep);
	cr_assert_eq(zmq_connect(push, ep), 0);
	cr_assert_eq(zmq_send(push, data, big, 0), (int)big);
	/*
	 * libzmq drops the connection on the oversized header; the sender
	 * reconnects and the small frames still in its queue arrive. The big
	 * one must never be delivered.
	 */
	for (i = 0; i < 100 && pings == 0; i++) {
		zmq_send(push, "ping", 4, ZMQ_DONTWAIT);
		while ((n = s_recv(pull, got, sizeof got, 150)) >= 0) {
			cr_assert_lt(n, (int)MQ_MAXMSGSIZE, "oversized frame delivered");
			cr_assert_str_eq(got, "ping");
			pings++;
		}
	}
	cr_assert_gt(pings, 0, "the receiver stopped working after the big frame");
	zmq_close(push);
	mq_close(&pull);
	free(data);
	mq_shutdown();
}

/* ---- CURVE and ZAP ------------------------------------------------------ */

Test(mq, curve_server_refused_without_zap)
{
	struct mq_keypair kp;
	struct mq_opts o;

	cr_assert_eq(mq_curve_keypair(&kp), 0);
	mq_opts_init(&o);
	o.curve = MQ_CURVE_SERVER;
	o.keys = &kp;
	cr_assert_null(mq_socket(ZMQ_PULL, &o, err, sizeof err));
	cr_assert(strstr(err, "ZAP") != NULL, "%s", err);
	cr_assert_eq(mq_zap_start(err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_zap_start(err, sizeof err), 0, "starting twice is harmless");
	void *s = s_sock(ZMQ_PULL, &o);
	errno = 0;
	cr_assert_eq(mq_zap_stop(), -1, "ZAP must not stop under a CURVE server");
	cr_assert_eq(errno, EBUSY);
	cr_assert(mq_zap_running());
	mq_close(&s);
	cr_assert_eq(mq_zap_stop(), 0);
	cr_assert(!mq_zap_running());
	mq_shutdown();
}

static void *
s_client(const struct mq_keypair *kp, const char *server_pub, const char *ep)
{
	struct mq_opts o;
	void *s;

	mq_opts_init(&o);
	if (kp != NULL) {
		o.curve = MQ_CURVE_CLIENT;
		o.keys = kp;
		o.server_key = server_pub;
	}
	s = s_sock(ZMQ_PUSH, &o);
	cr_assert_eq(mq_connect(s, ep, err, sizeof err), 0, "%s", err);
	return s;
}

Test(mq, curve_admits_listed_keys_and_counts_refusals, .timeout = 60)
{
	struct mq_keypair server, good, unlisted, other;
	struct mq_stats st;
	struct mq_opts o;
	void *pull, *ok, *bad_key, *plain, *wrong_server;
	char ep[128], got[64];
	int i, n;

	cr_assert_eq(mq_curve_keypair(&server), 0);
	cr_assert_eq(mq_curve_keypair(&good), 0);
	cr_assert_eq(mq_curve_keypair(&unlisted), 0);
	cr_assert_eq(mq_curve_keypair(&other), 0);
	cr_assert_eq(mq_zap_start(err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_zap_allow(good.pub), 0);
	cr_assert_eq(mq_zap_allow("not a key"), -1);
	cr_assert_eq(mq_zap_allow_count(), 1);

	mq_opts_init(&o);
	o.curve = MQ_CURVE_SERVER;
	o.keys = &server;
	pull = s_sock(ZMQ_PULL, &o);
	s_bind_any(pull, ep, sizeof ep);

	ok = s_client(&good, server.pub, ep);
	s_send(ok, "ok-1");
	cr_assert_gt(s_recv(pull, got, sizeof got, WAIT_MS), 0);
	cr_assert_str_eq(got, "ok-1");

	bad_key = s_client(&unlisted, server.pub, ep);
	plain = s_client(NULL, NULL, ep);
	wrong_server = s_client(&good, other.pub, ep);
	/* Their sends can only queue (or say AGAIN): no handshake completes. */
	mq_send(bad_key, "bad-key", 7, 0);
	mq_send(plain, "plain", 5, 0);
	mq_send(wrong_server, "wrong-server", 12, 0);

	for (i = 0; i < WAIT_MS / 50; i++) {
		mq_stats_get(&st);
		if (st.zap_denied > 0 && st.hs_no_curve > 0 && st.hs_bad_key > 0)
			break;
		while ((n = s_recv(pull, got, sizeof got, 50)) >= 0)
			cr_assert(strncmp(got, "ok-", 3) == 0, "refused peer got in: %s", got);
	}
	mq_stats_get(&st);
	cr_assert_gt(st.zap_denied, 0, "unlisted key not counted");
	cr_assert_gt(st.hs_no_curve, 0, "client without CURVE not counted");
	cr_assert_gt(st.hs_bad_key, 0, "client with the wrong server key not counted");
	cr_assert_geq(st.zap_allowed, 1);
	cr_assert_geq(st.accepted, 4);

	/* The legitimate client keeps flowing while the others keep trying. */
	s_send(ok, "ok-2");
	while ((n = s_recv(pull, got, sizeof got, WAIT_MS)) >= 0) {
		cr_assert(strncmp(got, "ok-", 3) == 0, "refused peer got in: %s", got);
		if (strcmp(got, "ok-2") == 0)
			break;
	}
	cr_assert_str_eq(got, "ok-2");

	mq_close(&ok);
	mq_close(&bad_key);
	mq_close(&plain);
	mq_close(&wrong_server);
	mq_close(&pull);
	mq_shutdown();
}

/* ---- key files ------------------------------------------------------------ */

static char keydir[64];

static void
s_keydir(void)
{
	snprintf(keydir, sizeof keydir, "/tmp/loghaul-keys-XXXXXX");
	cr_assert_not_null(mkdtemp(keydir));
}

static char *
s_path(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", keydir, name);
	return p[i];
}

static void
s_rmkeydir(void)
{
	const char *names[] = { "a.key", "a.pub", "b.key", "b.pub", "junk.pub",
	    "peers" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(s_path(names[i]));
	rmdir(keydir);
}

static void
s_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

Test(mq, keygen_files_and_loading)
{
	struct mq_keypair kp, kp2;
	struct stat st;
	char key[MQ_KEYLEN + 1];

	s_keydir();
	cr_assert_eq(mq_curve_keygen_files(s_path("a.key"), s_path("a.pub"), err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(stat(s_path("a.key"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(stat(s_path("a.pub"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);
	cr_assert_eq(mq_keypair_load(s_path("a.key"), s_path("a.pub"), &kp, err,
	    sizeof err), 0, "%s", err);
	cr_assert(mq_curve_key_valid(kp.pub));
	cr_assert(mq_curve_key_valid(kp.sec));
	cr_assert_eq(mq_keypair_load(s_path("a.key"), NULL, &kp2, err, sizeof err), 0);
	cr_assert_str_eq(kp.pub, kp2.pub, "public key derived from the secret");

	/* Never overwrite a key. */
	cr_assert_eq(mq_curve_keygen_files(s_path("a.key"), s_path("b.pub"), err,
	    sizeof err), -1);
	cr_assert(strstr(err, "overwrite") != NULL, "%s", err);
	cr_assert_eq(access(s_path("b.pub"), F_OK), -1);
	cr_assert_eq(mq_keypair_load(s_path("a.key"), s_path("a.pub"), &kp2, err,
	    sizeof err), 0, "the existing key survives");

	/* A loose secret key file is refused, naming the file. */
	chmod(s_path("a.key"), 0644);
	cr_assert_eq(mq_key_load(s_path("a.key"), 1, key, err, sizeof err), -1);
	cr_assert(strstr(err, "a.key") != NULL && strstr(err, "0644") != NULL, "%s", err);
	cr_assert_eq(mq_key_load(s_path("a.key"), 0, key, err, sizeof err), 0,
	    "as a public file the mode does not matter");
	chmod(s_path("a.key"), 0600);

	/* A public key that belongs to another secret key. */
	cr_assert_eq(mq_curve_keygen_files(s_path("b.key"), s_path("b.pub"), err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(mq_keypair_load(s_path("a.key"), s_path("b.pub"), &kp2, err,
	    sizeof err), -1);
	cr_assert(strstr(err, "b.pub") != NULL, "%s", err);

	/* Garbage and missing files. */
	s_write(s_path("junk.pub"), "# comment\n\n  not-a-key-at-all  \n", 0644);
	cr_assert_eq(mq_key_load(s_path("junk.pub"), 0, key, err, sizeof err), -1);
	cr_assert(strstr(err, "junk.pub") != NULL, "%s", err);
	cr_assert_eq(mq_key_load(s_path("nope.pub"), 0, key, err, sizeof err), -1);
	cr_assert(strstr(err, "nope.pub") != NULL, "%s", err);

	/* Comments, blanks and trailing spaces around a valid key. */
	snprintf(err, sizeof err, "# hello\n\n   %s  \r\n", kp.pub);
	s_write(s_path("junk.pub"), err, 0644);
	cr_assert_eq(mq_key_load(s_path("junk.pub"), 0, key, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(key, kp.pub);
	s_rmkeydir();
}

Test(mq, zap_allow_list_from_globs)
{
	char glob_ok[160], glob_none[160];
	const char *globs[2];

	s_keydir();
	cr_assert_eq(mq_curve_keygen_files(s_path("a.key"), s_path("a.pub"), err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(mq_curve_keygen_files(s_path("b.key"), s_path("b.pub"), err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(mq_zap_start(err, sizeof err), 0, "%s", err);
	snprintf(glob_ok, sizeof glob_ok, "%s/*.pub", keydir);
	snprintf(glob_none, sizeof glob_none, "%s/peers/*.pub", keydir);
	globs[0] = glob_ok;
	cr_assert_eq(mq_zap_load_allow(globs, 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(mq_zap_allow_count(), 2);

	/* All or nothing: a glob matching nothing keeps the old list. */
	globs[1] = glob_none;
	cr_assert_eq(mq_zap_load_allow(globs, 2, err, sizeof err), -1);
	cr_assert(strstr(err, "peers/*.pub") != NULL, "%s", err);
	cr_assert_eq(mq_zap_allow_count(), 2);

	/* So does a file that is not a key. */
	s_write(s_path("junk.pub"), "garbage\n", 0644);
	cr_assert_eq(mq_zap_load_allow(globs, 1, err, sizeof err), -1);
	cr_assert(strstr(err, "junk.pub") != NULL, "%s", err);
	cr_assert_eq(mq_zap_allow_count(), 2);
	cr_assert_eq(mq_zap_stop(), 0);
	mq_shutdown();
	s_rmkeydir();
}

/* ---- plain sockets that bind ------------------------------------------- */

/* A raw TCP connection to the port of ep ("tcp://127.0.0.1:PORT"). */
static int
s_raw_connect(const char *ep)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)atoi(ep + 16));
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "%s: %s",
	    ep, strerror(errno));
	return fd;
}

/* Read until EOF/reset or ms pass; returns the bytes read (-1: not cut). */
static long
s_raw_until_cut(int fd, int ms)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	char buf[4096];
	long got = 0;

	for (int waited = 0; waited < ms; waited += 50) {
		ssize_t r;

		if (poll(&pf, 1, 50) <= 0)
			continue;
		r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (r > 0)
			got += r;
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			return got;
	}
	return -1;
}

/*
 * A peer whose first byte is not 0xff is ZMTP 1.0 to libzmq; a plain PUSH
 * used to send it what it had queued. Now: cut after the signature, and
 * the queued message goes to the real peer that connects afterwards.
 */
Test(mq, plain_bind_refuses_zmtp1_peer, .timeout = 60)
{
	void *push = s_sock(ZMQ_PUSH, NULL), *pull;
	char ep[128], got[64], one[] = { 0x05, 0x00, 'h', 'e', 'l', 'l', 'o' };
	enum cerr e = CERR_AGAIN;
	long n;
	int fd;

	s_bind_any(push, ep, sizeof ep);
	fd = s_raw_connect(ep);
	cr_assert_eq(send(fd, one, sizeof one, MSG_NOSIGNAL), (ssize_t)sizeof one);
	/* Once its "handshake" is done, the PUSH would send to it alone. */
	for (int i = 0; i < 40 && e == CERR_AGAIN; i++) {
		e = mq_send(push, "secret batch", 12, 0);
		if (e == CERR_AGAIN)
			usleep(50 * 1000);
	}
	pull = s_sock(ZMQ_PULL, NULL);
	cr_assert_eq(mq_connect(pull, ep, err, sizeof err), 0, "%s", err);
	if (e == CERR_AGAIN)
		s_send(push, "secret batch");
	n = s_raw_until_cut(fd, WAIT_MS);
	close(fd);
	cr_assert_geq(n, 0, "a ZMTP 1.0 peer was not cut");
	cr_assert_leq(n, 10, "a ZMTP 1.0 peer got %ld bytes (a batch?)", n);
	cr_assert_gt(s_recv(pull, got, sizeof got, WAIT_MS), 0);
	cr_assert_str_eq(got, "secret batch");
	mq_close(&pull);
	mq_close(&push);
	mq_shutdown();
}

/*
 * With the ZAP handler running for a CURVE server in the same process, a
 * plain socket's ZMTP 3 peers are asked about in MQ_ZAP_DOMAIN_PLAIN and
 * admitted: plain traffic flows beside CURVE, and is no ZAP admission.
 */
Test(mq, plain_and_curve_share_the_zap_handler, .timeout = 60)
{
	struct mq_keypair server;
	struct mq_stats st;
	struct mq_opts o;
	void *cpull, *pull, *push;
	char cep[128], ep[128], got[64];
	char dom[64];
	size_t len = sizeof dom;

	cr_assert_eq(mq_curve_keypair(&server), 0);
	cr_assert_eq(mq_zap_start(err, sizeof err), 0, "%s", err);
	mq_opts_init(&o);
	o.curve = MQ_CURVE_SERVER;
	o.keys = &server;
	cpull = s_sock(ZMQ_PULL, &o);
	s_bind_any(cpull, cep, sizeof cep);

	pull = s_sock(ZMQ_PULL, NULL);
	s_bind_any(pull, ep, sizeof ep);
	cr_assert_eq(zmq_getsockopt(pull, ZMQ_ZAP_DOMAIN, dom, &len), 0);
	cr_assert_str_eq(dom, MQ_ZAP_DOMAIN_PLAIN);
	push = s_sock(ZMQ_PUSH, NULL);
	cr_assert_eq(mq_connect(push, ep, err, sizeof err), 0, "%s", err);
	s_send(push, "plain beside curve");
	cr_assert_gt(s_recv(pull, got, sizeof got, WAIT_MS), 0);
	cr_assert_str_eq(got, "plain beside curve");
	mq_stats_get(&st);
	cr_assert_eq(st.zap_allowed, 0);
	cr_assert_eq(st.zap_denied, 0);
	mq_close(&push);
	mq_close(&pull);
	mq_close(&cpull);
	cr_assert_eq(mq_zap_stop(), 0);
	mq_shutdown();
}

/* The value of "series " in a rendered registry; -1 if absent. */
static long
s_metric(struct metrics *m, const char *series)
{
	struct buf b;
	char *pat = NULL;
	const char *at;
	long v = -1;

	buf_init(&b, 0);
	cr_assert_eq(metrics_render(m, &b), CERR_OK);
	cr_assert_gt(asprintf(&pat, "\n%s ", series), 0);
	if (b.data != NULL && (at = strstr(b.data, pat)) != NULL)
		v = strtol(at + strlen(pat), NULL, 10);
	free(pat);
	buf_free(&b);
	return v;
}

/* A plain socket's handshake failures reach /metrics at the next scrape. */
Test(mq, plain_handshake_failures_exported, .timeout = 60)
{
	struct metrics *m = metrics_new();
	void *pull = s_sock(ZMQ_PULL, NULL);
	char ep[128], bad[64];
	const char *refused =
	    "loghaul_mq_peers_refused_total{reason=\"handshake_failed\"}";
	long v = 0;
	int fd;

	cr_assert_eq(mq_metrics_export(m), 0);
	cr_assert_eq(s_metric(m, refused), 0, "every reason renders from the start");
	cr_assert_eq(s_metric(m, "loghaul_mq_peers_refused_total"
	    "{reason=\"zap_denied\"}"), 0);
	s_bind_any(pull, ep, sizeof ep);
	/* A ZMTP 3 signature, then a greeting no version of ZMTP has. */
	memset(bad, 0xee, sizeof bad);
	bad[0] = (char)0xff;
	memset(bad + 1, 0, 8);
	bad[9] = 0x7f;
	bad[10] = 3;
	fd = s_raw_connect(ep);
	cr_assert_eq(send(fd, bad, sizeof bad, MSG_NOSIGNAL), (ssize_t)sizeof bad);
	cr_assert_geq(s_raw_until_cut(fd, WAIT_MS), 0, "garbage greeting not cut");
	close(fd);
	for (int i = 0; i < WAIT_MS / 50 && (v = s_metric(m, refused)) < 1; i++)
		usleep(50 * 1000);
	cr_assert_eq(v, 1, "%s %ld", refused, v);
	cr_assert_geq(s_metric(m, "loghaul_mq_connections_accepted_total"), 1);
	mq_close(&pull);
	mq_shutdown();
	metrics_free(&m);
}
