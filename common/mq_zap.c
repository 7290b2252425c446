/*
 * mq_zap.c — the ZAP handler (ZeroMQ RFC 27) and the monitors of bound
 * sockets (CURVE servers, plain binders), served by one thread.
 *
 * The thread owns three kinds of sockets: the REP bound at
 * inproc://zeromq.zap.01 that libzmq asks about every CURVE client, a PAIR
 * on which the owner sends commands ("MON c|p <endpoint>", "STOP"), and one
 * PAIR per watched socket reading libzmq's monitor events. The allow list is
 * shared with the owner under a mutex; counters are atomics.
 *
 * Plain sockets and ZAP. A plain socket that binds has a ZAP domain only so
 * that libzmq refuses ZMTP 1.0/2.0 peers (mq.h). But a NULL-mechanism
 * socket with a domain also asks the ZAP handler about every peer, when one
 * is bound in the process (when none is, libzmq admits the peer unasked:
 * ZMQ_ZAP_ENFORCE_DOMAIN is off). So the handler must answer those requests,
 * and answer yes: plain means unauthenticated by configuration. They come
 * in their own domain, MQ_ZAP_DOMAIN_PLAIN, and only a NULL request in that
 * domain is admitted without a key; MQ_ZAP_DOMAIN stays CURVE-only, so no
 * request that reaches a CURVE server's domain can be let in by the plain
 * rule, whatever mechanism a future libzmq lets it carry.
 */
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mq.h"
#include "common/mq_int.h"
#include "common/util.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define CTL_ENDPOINT "inproc://loghaul.zap.ctl"
#define MON_EVENTS (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |	\
	ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |				\
	ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |				\
	ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_MONITOR_STOPPED)

struct zap_key {
	uint8_t k[32];
};

/*
 * Two locks, because the owner waits on the thread while holding ctl_lock
 * (for a reply, or in pthread_join), and the thread needs keys_lock for
 * every ZAP request: the thread must never wait on ctl_lock.
 */
static struct {
	pthread_mutex_t keys_lock;	/* keys, nkeys */
	struct zap_key *keys;
	size_t          nkeys;
	pthread_mutex_t ctl_lock;	/* running, thread, ctl */
	int             running;
	pthread_t       thread;
	void           *ctl;		/* the owner's end of the command PAIR */
	atomic_int      servers;	/* open CURVE server sockets */
	atomic_uint     mon_seq;
	struct log_ratelimit rl;	/* the thread's only */
} zap = {
	.keys_lock = PTHREAD_MUTEX_INITIALIZER,
	.ctl_lock = PTHREAD_MUTEX_INITIALIZER,
	.rl = { 10.0, 0, 0 },
};

static struct {
	atomic_uint_fast64_t allowed, denied, no_curve, bad_key, failed,
	    hs_ok, accepted, disconnected;
} zst;

void
mq_stats_get(struct mq_stats *out)
{
	out->zap_allowed = atomic_load(&zst.allowed);
	out->zap_denied = atomic_load(&zst.denied);
	out->hs_no_curve = atomic_load(&zst.no_curve);
	out->hs_bad_key = atomic_load(&zst.bad_key);
	out->hs_failed = atomic_load(&zst.failed);
	out->handshakes_ok = atomic_load(&zst.hs_ok);
	out->accepted = atomic_load(&zst.accepted);
	out->disconnected = atomic_load(&zst.disconnected);
}

/* ---- allow list ------------------------------------------------------- */

static int
s_allowed(const uint8_t *key)
{
	size_t i;
	int ok = 0;

	pthread_mutex_lock(&zap.keys_lock);
	for (i = 0; i < zap.nkeys && !ok; i++)
		ok = memcmp(zap.keys[i].k, key, 32) == 0;
	pthread_mutex_unlock(&zap.keys_lock);
	return ok;
}

int
mq_zap_allow(const char *pub_z85)
{
	struct zap_key k;

	if (!mq_curve_key_valid(pub_z85))
		return -1;
	zmq_z85_decode(k.k, pub_z85);
	pthread_mutex_lock(&zap.keys_lock);
	zap.keys = xrealloc(zap.keys, (zap.nkeys + 1) * sizeof *zap.keys);
	zap.keys[zap.nkeys++] = k;
	pthread_mutex_unlock(&zap.keys_lock);
	return 0;
}

size_t
mq_zap_allow_count(void)
{
	size_t n;

	pthread_mutex_lock(&zap.keys_lock);
	n = zap.nkeys;
	pthread_mutex_unlock(&zap.keys_lock);
	return n;
}

int
mq_zap_load_allow(const char *const *globs, size_t n, char *err, size_t errlen)
{
	struct zap_key *keys = NULL;
	size_t nkeys = 0, i, j;
	char z85[MQ_KEYLEN + 1];
	glob_t g;
	int rc;

	for (i = 0; i < n; i++) {
		rc = glob(globs[i], GLOB_ERR, NULL, &g);
		if (rc != 0) {
			snprintf(err, errlen, "CURVE allow list: no key file matches '%s'",
			    globs[i]);
			if (rc != GLOB_NOMATCH)
				globfree(&g);
			goto out_free;
		}
		for (j = 0; j < g.gl_pathc; j++) {
			if (mq_key_load(g.gl_pathv[j], 0, z85, err, errlen) < 0) {
				globfree(&g);
				goto out_free;
			}
			keys = xrealloc(keys, (nkeys + 1) * sizeof *keys);
			zmq_z85_decode(keys[nkeys++].k, z85);
		}
		globfree(&g);
	}
	pthread_mutex_lock(&zap.keys_lock);
	free(zap.keys);
	zap.keys = keys;
	zap.nkeys = nkeys;
	pthread_mutex_unlock(&zap.keys_lock);
	return 0;

out_free:
	free(keys);
	return -1;
}

/* ---- the thread ------------------------------------------------------- */

struct zap_mon {
	void *sock;		/* the thread's end of a monitor PAIR */
	int   curve;		/* it watches a CURVE server */
};

struct zap_thread {
	void  *ctx;
	void  *rep;
	void  *ctl;		/* the thread's end of the command PAIR */
	struct zap_mon *mons;
	size_t nmons;
};

/* Receive a whole multi-frame message; frames past max are dropped. */
static int
s_recv_frames(void *s, zmq_msg_t *f, int max)
{
	int n = 0, more = 1;

	while (more) {
		zmq_msg_t tmp;
		zmq_msg_t *m = n < max ? &f[n] : &tmp;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, s, 0) < 0) {
			zmq_msg_close(m);
			return -1;
		}
		more = zmq_msg_more(m);
		if (m == &tmp)
			zmq_msg_close(m);
		else
			n++;
	}
	return n;
}

static int
s_frame_is(zmq_msg_t *m, const char *s)
{
	size_t n = strlen(s);

	return zmq_msg_size(m) == n && memcmp(zmq_msg_data(m), s, n) == 0;
}

/*
 * One ZAP request: version, request id, domain, address, identity,
 * mechanism, then the credentials (for CURVE, the client's 32-byte public
 * key). The reply carries the request id back with 200 or 400.
 */
static void
s_zap_serve(void *rep)
{
	zmq_msg_t f[8];
	const char *status = "400", *text = "key not on the allow list";
	char z85[MQ_KEYLEN + 1] = "", addr[64] = "?";
	int n, i, ok = 0;

	if ((n = s_recv_frames(rep, f, 8)) < 0)
		return;
	if (n >= 7 && s_frame_is(&f[0], "1.0") &&
	    s_frame_is(&f[2], MQ_ZAP_DOMAIN) && s_frame_is(&f[5], "CURVE") &&
	    zmq_msg_size(&f[6]) == 32) {
		ok = s_allowed(zmq_msg_data(&f[6]));
		zmq_z85_encode(z85, zmq_msg_data(&f[6]), 32);
	} else if (n >= 6 && s_frame_is(&f[0], "1.0") &&
	    s_frame_is(&f[2], MQ_ZAP_DOMAIN_PLAIN) && s_frame_is(&f[5], "NULL")) {
		/* A plain socket's peer (see the top): not a CURVE admission. */
		ok = 2;
	} else {
		text = "only CURVE clients are admitted";
	}
	if (n >= 4)
		snprintf(addr, sizeof addr, "%.*s", (int)zmq_msg_size(&f[3]),
		    (const char *)zmq_msg_data(&f[3]));
	if (ok == 2) {
		status = "200";
		text = "OK";
	} else if (ok) {
		status = "200";
		text = "OK";
		atomic_fetch_add(&zst.allowed, 1);
	} else {
		atomic_fetch_add(&zst.denied, 1);
		if (log_ratelimit(&zap.rl))
			log_warnx("zap: refused peer=%s key=%s reason=\"%s\"", addr,
			    z85[0] ? z85 : "-", text);
	}
	/* version, request id, status, text, user id, metadata */
	zmq_send(rep, "1.0", 3, ZMQ_SNDMORE);
	if (n >= 2)
		zmq_send(rep, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
	else
		zmq_send(rep, "", 0, ZMQ_SNDMORE);
	zmq_send(rep, status, 3, ZMQ_SNDMORE);
	zmq_send(rep, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(rep, ok == 1 ? z85 : "", ok == 1 ? MQ_KEYLEN : 0, ZMQ_SNDMORE);
	zmq_send(rep, "", 0, 0);
	for (i = 0; i < n && i < 8; i++)
		zmq_msg_close(&f[i]);
}

/* One monitor event: a 6-byte frame (event, value) and the endpoint. */
static int
s_monitor_read(const struct zap_mon *mon)
{
	zmq_msg_t f[2];
	const uint8_t *d;
	uint16_t ev;
	uint32_t val;
	int n, stopped = 0;

	if ((n = s_recv_frames(mon->sock, f, 2)) < 1)
		return 0;
	if (zmq_msg_size(&f[0]) == 6) {
		d = zmq_msg_data(&f[0]);
		memcpy(&ev, d, 2);
		memcpy(&val, d + 2, 4);
		switch (ev) {
		case ZMQ_EVENT_ACCEPTED:
			atomic_fetch_add(&zst.accepted, 1);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			atomic_fetch_add(&zst.disconnected, 1);
			break;
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			atomic_fetch_add(&zst.hs_ok, 1);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
			/* At a plain socket a mismatch is a CURVE peer: "failed". */
			if (val == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH &&
			    mon->curve)
				atomic_fetch_add(&zst.no_curve, 1);
			else if (val == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
				atomic_fetch_add(&zst.bad_key, 1);
			else
				atomic_fetch_add(&zst.failed, 1);
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			atomic_fetch_add(&zst.failed, 1);
			break;
		case ZMQ_EVENT_MONITOR_STOPPED:
			stopped = 1;
			break;
		}
	}
	while (n-- > 0)
		zmq_msg_close(&f[n]);
	return stopped;
}

/* A command from the owner; returns 1 on STOP. */
static int
s_ctl_serve(struct zap_thread *t)
{
	char cmd[256];
	int n;
	void *mon;

	n = zmq_recv(t->ctl, cmd, sizeof cmd - 1, 0);
	if (n < 0)
		return 0;
	cmd[n < (int)sizeof cmd - 1 ? n : (int)sizeof cmd - 1] = '\0';
	if (strcmp(cmd, "STOP") == 0)
		return 1;
	if (strncmp(cmd, "MON ", 4) == 0 && (cmd[4] == 'c' || cmd[4] == 'p') &&
	    cmd[5] == ' ') {
		mon = zmq_socket(t->ctx, ZMQ_PAIR);
		if (mon != NULL && zmq_connect(mon, cmd + 6) == 0) {
			t->mons = xrealloc(t->mons, (t->nmons + 1) * sizeof *t->mons);
			t->mons[t->nmons].sock = mon;
			t->mons[t->nmons++].curve = cmd[4] == 'c';
			zmq_send(t->ctl, "OK", 2, 0);
			return 0;
		}
		if (mon != NULL)
			zmq_close(mon);
	}
	zmq_send(t->ctl, "ERR", 3, 0);
	return 0;
}

static void *
s_zap_main(void *arg)
{
	struct zap_thread *t = arg;
	zmq_pollitem_t *items = NULL;
	size_t i, n;
	int stop = 0;

	while (!stop) {
		n = 2 + t->nmons;
		items = xrealloc(items, n * sizeof *items);
		memset(items, 0, n * sizeof *items);
		items[0].socket = t->rep;
		items[1].socket = t->ctl;
		for (i = 0; i < t->nmons; i++)
			items[2 + i].socket = t->mons[i].sock;
		for (i = 0; i < n; i++)
			items[i].events = ZMQ_POLLIN;
		if (zmq_poll(items, (int)n, -1) < 0) {
			if (zmq_errno() == ETERM)
				break;
			continue;
		}
		if (items[0].revents & ZMQ_POLLIN)
			s_zap_serve(t->rep);
		/* Monitors before commands: a new one changes t->mons. */
		for (i = t->nmons; i-- > 0;) {
			if (!(items[2 + i].revents & ZMQ_POLLIN) ||
			    !s_monitor_read(&t->mons[i]))
				continue;
			zmq_close(t->mons[i].sock);
			t->mons[i] = t->mons[--t->nmons];
		}
		if (items[1].revents & ZMQ_POLLIN)
			stop = s_ctl_serve(t);
	}
	free(items);
	for (i = 0; i < t->nmons; i++)
		zmq_close(t->mons[i].sock);
	free(t->mons);
	zmq_close(t->rep);
	zmq_close(t->ctl);
	free(t);
	return NULL;
}

int
mq_zap_start(char *err, size_t errlen)
{
	struct zap_thread *t;
	void *ctx;
	int zero = 0, rc;

	if ((ctx = mq_context()) == NULL) {
		snprintf(err, errlen, "zmq context: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	pthread_mutex_lock(&zap.ctl_lock);
	if (zap.running) {
		pthread_mutex_unlock(&zap.ctl_lock);
		return 0;
	}
	t = xcalloc(1, sizeof *t);
	t->ctx = ctx;
	t->rep = zmq_socket(ctx, ZMQ_REP);
	t->ctl = zmq_socket(ctx, ZMQ_PAIR);
	zap.ctl = zmq_socket(ctx, ZMQ_PAIR);
	if (t->rep == NULL || t->ctl == NULL || zap.ctl == NULL) {
		snprintf(err, errlen, "zap sockets: %s", zmq_strerror(zmq_errno()));
		goto out_close;
	}
	zmq_setsockopt(t->rep, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(t->ctl, ZMQ_LINGER, &zero, sizeof zero);
	zmq_setsockopt(zap.ctl, ZMQ_LINGER, &zero, sizeof zero);
	if (zmq_bind(t->rep, ZAP_ENDPOINT) != 0) {
		snprintf(err, errlen, "bind %s: %s (another ZAP handler?)",
		    ZAP_ENDPOINT, zmq_strerror(zmq_errno()));
		goto out_close;
	}
	if (zmq_bind(t->ctl, CTL_ENDPOINT) != 0 ||
	    zmq_connect(zap.ctl, CTL_ENDPOINT) != 0) {
		snprintf(err, errlen, "zap control: %s", zmq_strerror(zmq_errno()));
		goto out_close;
	}
	/* pthread_create is a full barrier: the sockets may change threads. */
	if ((rc = pthread_create(&zap.thread, NULL, s_zap_main, t)) != 0) {
		snprintf(err, errlen, "zap thread: %s", strerror(rc));
		goto out_close;
	}
	zap.running = 1;
	pthread_mutex_unlock(&zap.ctl_lock);
	return 0;

out_close:
	if (t->rep != NULL)
		zmq_close(t->rep);
	if (t->ctl != NULL)
		zmq_close(t->ctl);
	if (zap.ctl != NULL)
		zmq_close(zap.ctl);
	zap.ctl = NULL;
	free(t);
	pthread_mutex_unlock(&zap.ctl_lock);
	return -1;
}

int
mq_zap_running(void)
{
	int r;

	pthread_mutex_lock(&zap.ctl_lock);
	r = zap.running;
	pthread_mutex_unlock(&zap.ctl_lock);
	return r;
}

int
mq_zap_stop(void)
{
	pthread_mutex_lock(&zap.ctl_lock);
	if (!zap.running) {
		pthread_mutex_unlock(&zap.ctl_lock);
		return 0;
	}
	/* Without a handler libzmq would admit any CURVE client. */
	if (atomic_load(&zap.servers) > 0) {
		pthread_mutex_unlock(&zap.ctl_lock);
		errno = EBUSY;
		return -1;
	}
	zmq_send(zap.ctl, "STOP", 4, 0);
	pthread_join(zap.thread, NULL);
	zmq_close(zap.ctl);
	zap.ctl = NULL;
	zap.running = 0;
	pthread_mutex_unlock(&zap.ctl_lock);
	pthread_mutex_lock(&zap.keys_lock);
	free(zap.keys);
	zap.keys = NULL;
	zap.nkeys = 0;
	pthread_mutex_unlock(&zap.keys_lock);
	return 0;
}

int
mq_zap_watch(void *sock, int curve, char *err, size_t errlen)
{
	char ep[64], cmd[80], reply[8];
	int n;

	pthread_mutex_lock(&zap.ctl_lock);
	if (!zap.running) {
		pthread_mutex_unlock(&zap.ctl_lock);
		if (curve)
			snprintf(err, errlen, "refusing a CURVE server socket "
			    "without the ZAP handler: libzmq would admit any "
			    "client key");
		else
			snprintf(err, errlen, "monitor: the ZAP thread is not "
			    "running");
		return -1;
	}
	snprintf(ep, sizeof ep, "inproc://loghaul.mon.%u",
	    atomic_fetch_add(&zap.mon_seq, 1));
	if (zmq_socket_monitor(sock, ep, MON_EVENTS) != 0) {
		pthread_mutex_unlock(&zap.ctl_lock);
		snprintf(err, errlen, "monitor: %s", zmq_strerror(zmq_errno()));
		return -1;
	}
	/* Wait until the thread listens: events before that would be lost. */
	snprintf(cmd, sizeof cmd, "MON %c %s", curve ? 'c' : 'p', ep);
	zmq_send(zap.ctl, cmd, strlen(cmd), 0);
	n = zmq_recv(zap.ctl, reply, sizeof reply, 0);
	if (n != 2 || memcmp(reply, "OK", 2) != 0) {
		zmq_socket_monitor(sock, NULL, 0);
		pthread_mutex_unlock(&zap.ctl_lock);
		snprintf(err, errlen, "monitor: the ZAP thread did not attach");
		return -1;
	}
	if (curve)
		atomic_fetch_add(&zap.servers, 1);
	pthread_mutex_unlock(&zap.ctl_lock);
	return 0;
}

void
mq_zap_unwatch(void *sock)
{
	int server = 0;
	size_t len = sizeof server;

	/*
	 * Stopping sends MONITOR_STOPPED, on which the thread closes its end;
	 * on a socket nobody monitors it does nothing, so plain sockets that
	 * never bound need no bookkeeping.
	 */
	zmq_socket_monitor(sock, NULL, 0);
	if (zmq_getsockopt(sock, ZMQ_CURVE_SERVER, &server, &len) == 0 && server)
		atomic_fetch_sub(&zap.servers, 1);
}

void
mq_zap_forget(void)
{
	/* Called with mq.c's lock held, in a child after fork: no thread here. */
	zap.running = 0;
	zap.ctl = NULL;
	atomic_store(&zap.servers, 0);
}
