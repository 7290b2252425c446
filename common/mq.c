/*
 * mq.c — the process's ZeroMQ context and sockets with our standard
 * options (see mq.h for why each option is set).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mq.h"
#include "common/mq_int.h"

static pthread_mutex_t mq_lock = PTHREAD_MUTEX_INITIALIZER;
static void *mq_ctx;
static pid_t mq_ctx_pid;
static int mq_io_threads = 1;

void
mq_opts_init(struct mq_opts *o)
{
	memset(o, 0, sizeof *o);
	o->sndhwm = 1000;
	o->rcvhwm = 1000;
	o->linger_ms = 2000;
	o->heartbeat_ivl_ms = 1000;
	o->heartbeat_timeout_ms = 5000;
	o->heartbeat_ttl_ms = 10000;
	o->handshake_ms = 10000;
	o->reconnect_ms = 250;
	o->reconnect_max_ms = 5000;
	o->keepalive_idle_s = 60;
	o->immediate = 1;
	o->maxmsgsize = MQ_MAXMSGSIZE;
	o->curve = MQ_CURVE_OFF;
}

void *
mq_context(void)
{
	void *ctx;

	pthread_mutex_lock(&mq_lock);
	/*
	 * A context inherited across fork() belongs to the parent: its I/O
	 * threads did not come along. Leave it alone and make our own.
	 */
	if (mq_ctx != NULL && mq_ctx_pid != getpid()) {
		mq_ctx = NULL;
		mq_zap_forget();
	}
	if (mq_ctx == NULL) {
		mq_ctx = zmq_ctx_new();
		if (mq_ctx != NULL) {
			mq_ctx_pid = getpid();
			zmq_ctx_set(mq_ctx, ZMQ_IO_THREADS, mq_io_threads);
			/* Never let zmq_ctx_term() wait forever on a socket. */
			zmq_ctx_set(mq_ctx, ZMQ_BLOCKY, 0);
		}
	}
	ctx = mq_ctx;
	pthread_mutex_unlock(&mq_lock);
	return ctx;
}

void
mq_shutdown(void)
{
	void *ctx;

	if (mq_zap_running() && mq_zap_stop() < 0)
		log_warnx("mq: shutdown with CURVE server sockets still open");
	pthread_mutex_lock(&mq_lock);
	ctx = (mq_ctx_pid == getpid()) ? mq_ctx : NULL;
	mq_ctx = NULL;
	pthread_mutex_unlock(&mq_lock);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
}

static int
s_receives(int type)
{
	return type != ZMQ_PUSH && type != ZMQ_PUB && type != ZMQ_XPUB;
}

static int
s_sends(int type)
{
	return type != ZMQ_PULL && type != ZMQ_SUB && type != ZMQ_XSUB;
}

static int
s_setint(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof v);
}

/* Apply o to s; on failure name the option so a bad value is findable. */
static int
s_apply(void *s, int type, const struct mq_opts *o, char *err, size_t errlen)
{
	struct { int opt; int val; const char *name; int when; } iv[] = {
		{ ZMQ_LINGER, o->linger_ms, "linger", 1 },
		{ ZMQ_SNDHWM, o->sndhwm, "sndhwm", s_sends(type) },
		{ ZMQ_RCVHWM, o->rcvhwm, "rcvhwm", s_receives(type) },
		{ ZMQ_HEARTBEAT_IVL, o->heartbeat_ivl_ms, "heartbeat_ivl", 1 },
		{ ZMQ_HEARTBEAT_TIMEOUT, o->heartbeat_timeout_ms, "heartbeat_timeout",
		    o->heartbeat_ivl_ms > 0 },
		{ ZMQ_HEARTBEAT_TTL, o->heartbeat_ttl_ms, "heartbeat_ttl",
		    o->heartbeat_ivl_ms > 0 },
		{ ZMQ_HANDSHAKE_IVL, o->handshake_ms, "handshake_ivl", 1 },
		{ ZMQ_RECONNECT_IVL, o->reconnect_ms, "reconnect_ivl", 1 },
		{ ZMQ_RECONNECT_IVL_MAX, o->reconnect_max_ms, "reconnect_ivl_max", 1 },
		{ ZMQ_TCP_KEEPALIVE, 1, "tcp_keepalive", 1 },
		{ ZMQ_TCP_KEEPALIVE_IDLE, o->keepalive_idle_s, "tcp_keepalive_idle",
		    o->keepalive_idle_s > 0 },
		{ ZMQ_TCP_KEEPALIVE_INTVL, 10, "tcp_keepalive_intvl",
		    o->keepalive_idle_s > 0 },
		{ ZMQ_TCP_KEEPALIVE_CNT, 3, "tcp_keepalive_cnt", o->keepalive_idle_s > 0 },
		{ ZMQ_IMMEDIATE, o->immediate ? 1 : 0, "immediate", 1 },
		{ ZMQ_ROUTER_MANDATORY, 1, "router_mandatory", type == ZMQ_ROUTER },
	};
	size_t i;

	for (i = 0; i < sizeof iv / sizeof iv[0]; i++) {
		if (!iv[i].when)
			continue;
		if (s_setint(s, iv[i].opt, iv[i].val) != 0) {
			snprintf(err, errlen, "socket option %s=%d: %s", iv[i].name,
			    iv[i].val, zmq_strerror(zmq_errno()));
			return -1;
		}
	}
	if (s_receives(type) && zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &o->maxmsgsize,
	    sizeof o->maxmsgsize) != 0) {
		snprintf(err, errlen, "socket option maxmsgsize: %s",
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

static int
s_apply_curve(void *s, const struct mq_opts *o, char *err, size_t errlen)
{
	if (o->curve == MQ_CURVE_OFF)
		return 0;
	if (!zmq_has("curve")) {
		snprintf(err, errlen, "this libzmq has no CURVE support");
		return -1;
	}
	if (o->keys == NULL || !mq_curve_key_valid(o->keys->sec) ||
	    !mq_curve_key_valid(o->keys->pub)) {
		snprintf(err, errlen, "CURVE needs this process's key pair");
		return -1;
	}
	if (o->curve == MQ_CURVE_SERVER) {
		if (s_setint(s, ZMQ_CURVE_SERVER, 1) != 0 ||
		    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keys->sec, MQ_KEYLEN) != 0 ||
		    zmq_setsockopt(s, ZMQ_ZAP_DOMAIN, MQ_ZAP_DOMAIN,
		    strlen(MQ_ZAP_DOMAIN)) != 0)
			goto out_zmq;
		return 0;
	}
	if (o->server_key == NULL || !mq_curve_key_valid(o->server_key)) {
		snprintf(err, errlen, "CURVE client needs the server's public key");
		return -1;
	}
	if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->server_key, MQ_KEYLEN) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->keys->pub, MQ_KEYLEN) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->keys->sec, MQ_KEYLEN) != 0)
		goto out_zmq;
	return 0;

out_zmq:
	snprintf(err, errlen, "CURVE socket options: %s", zmq_strerror(zmq_errno()));
	return -1;
}

void *
mq_socket(int type, const struct mq_opts *o, char *err, size_t errlen)
{
	struct mq_opts defaults;
	void *ctx, *s;

	if (o == NULL) {
		mq_opts_init(&defaults);
		o = &defaults;
	}
	if ((ctx = mq_context()) == NULL) {
		snprintf(err, errlen, "zmq context: %s", zmq_strerror(zmq_errno()));
		return NULL;
	}
	if ((s = zmq_socket(ctx, type)) == NULL) {
		snprintf(err, errlen, "zmq socket type %d: %s", type,
		    zmq_strerror(zmq_errno()));
		return NULL;
	}
	if (s_apply(s, type, o, err, errlen) < 0 ||
	    s_apply_curve(s, o, err, errlen) < 0)
		goto out_close;
	/* Last, so that nothing can fail after the ZAP thread counted it. */
	if (o->curve == MQ_CURVE_SERVER && mq_zap_watch(s, 1, err, errlen) < 0)
		goto out_close;
	return s;

out_close:
	s_setint(s, ZMQ_LINGER, 0);
	zmq_close(s);
	return NULL;
}

void
mq_close(void **sock)
{
	if (sock == NULL || *sock == NULL)
		return;
	mq_zap_unwatch(*sock);
	zmq_close(*sock);
	*sock = NULL;
}

/*
 * A plain socket about to bind: a ZAP domain (libzmq then refuses ZMTP
 * 1.0/2.0 peers, see mq.h) and the ZAP thread's monitor. Done once per
 * socket: the domain marks it done. inproc has no handshake to watch.
 */
static int
s_plain_bind_prep(void *sock, const char *endpoint, char *err, size_t errlen)
{
	char dom[64];
	size_t len = sizeof dom;
	int mech = ZMQ_NULL;
	size_t mlen = sizeof mech;

	if (strncmp(endpoint, "inproc://", 9) == 0)
		return 0;
	if (zmq_getsockopt(sock, ZMQ_MECHANISM, &mech, &mlen) != 0 ||
	    mech != ZMQ_NULL)
		return 0;	/* CURVE: its domain and monitor came with it */
	if (zmq_getsockopt(sock, ZMQ_ZAP_DOMAIN, dom, &len) == 0 && len > 1)
		return 0;
	if (!mq_zap_running() && mq_zap_start(err, errlen) < 0)
		return -1;
	if (mq_zap_watch(sock, 0, err, errlen) < 0)
		return -1;
	if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, MQ_ZAP_DOMAIN_PLAIN,
	    strlen(MQ_ZAP_DOMAIN_PLAIN)) != 0) {
		snprintf(err, errlen, "bind %s: zap domain: %s", endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int
mq_bind(void *sock, const char *endpoint, char *err, size_t errlen)
{
	if (s_plain_bind_prep(sock, endpoint, err, errlen) < 0)
		return -1;
	if (zmq_bind(sock, endpoint) != 0) {
		snprintf(err, errlen, "bind %s: %s", endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int
mq_connect(void *sock, const char *endpoint, char *err, size_t errlen)
{
	if (zmq_connect(sock, endpoint) != 0) {
		snprintf(err, errlen, "connect %s: %s", endpoint,
		    zmq_strerror(zmq_errno()));
		return -1;
	}
	return 0;
}

int
mq_endpoint(void *sock, char *out, size_t len)
{
	size_t n = len;

	if (len == 0 || zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, out, &n) != 0)
		return -1;
	out[len - 1] = '\0';
	return 0;
}

static enum cerr
s_result(int rc)
{
	if (rc >= 0)
		return CERR_OK;
	if (errno == EAGAIN || errno == EINTR)
		return CERR_AGAIN;
	return CERR_IO;
}

enum cerr
mq_send(void *sock, const void *data, size_t len, int flags)
{
	int zf = 0;

	if (flags & MQ_MORE)
		zf |= ZMQ_SNDMORE;
	if (!(flags & MQ_BLOCK))
		zf |= ZMQ_DONTWAIT;
	return s_result(zmq_send(sock, data, len, zf));
}

enum cerr
mq_recv(void *sock, zmq_msg_t *msg, int flags)
{
	return s_result(zmq_msg_recv(msg, sock, (flags & MQ_BLOCK) ? 0 : ZMQ_DONTWAIT));
}

int
mq_recv_drain(void *sock)
{
	zmq_msg_t part;
	int more = 0, n = 0;
	size_t len = sizeof more;

	if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &len) != 0)
		return 0;
	while (more) {
		zmq_msg_init(&part);
		/* The rest of a message is already here: libzmq delivers it whole. */
		if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&part);
			break;
		}
		n++;
		more = zmq_msg_more(&part);
		zmq_msg_close(&part);
	}
	return n;
}
