/*
 * mq.h — ZeroMQ helpers: the process's one context, sockets created with
 * loghaul's standard options, CURVE key files, and the ZAP handler that
 * admits only listed public keys.
 *
 * Why the options (mq_opts_init() sets them):
 *   ZMQ_LINGER bounded          close and exit never hang on a dead peer
 *   ZMQ_SNDHWM / ZMQ_RCVHWM     memory per peer is bounded; a full queue
 *                               shows up as CERR_AGAIN from mq_send()
 *   ZMQ_HEARTBEAT_*             a frozen (SIGSTOPped) or vanished peer is
 *                               dropped within seconds; TCP keepalive alone
 *                               cannot see a frozen process, its kernel
 *                               still ACKs
 *   ZMQ_MAXMSGSIZE              on sockets that receive: libzmq drops a peer
 *                               that announces a frame over MQ_MAXMSGSIZE
 *                               before reading it
 *   ZMQ_IMMEDIATE               a connecting PUSH/DEALER queues only to peers
 *                               whose handshake (CURVE included) completed
 *   ZMQ_HANDSHAKE_IVL           a peer that connects and says nothing is cut
 *   ZMQ_ROUTER_MANDATORY        a ROUTER send to a vanished peer fails
 *                               (EHOSTUNREACH) instead of vanishing
 *
 * CURVE and ZAP. libzmq lets any client with a valid CURVE handshake in
 * unless a ZAP handler is bound at inproc://zeromq.zap.01. mq_zap_start()
 * binds one, served by a thread, that admits only the public keys on its
 * allow list; mq_socket() refuses to create a CURVE server socket while it
 * is not running, and mq_zap_stop() refuses to stop it while such a socket
 * is open. The same thread watches every CURVE server socket through a
 * libzmq monitor, so that peers refused before ZAP is asked (no CURVE at
 * all, wrong server key, garbage) are counted too: see mq_stats_get().
 *
 * Plain (NULL mechanism) sockets that bind. libzmq talks ZMTP 1.0 and 2.0
 * to a peer whose first byte is not 0xff, and to such a peer it sends
 * queued messages without any handshake: a PUSH hands batches to anything
 * that connects and sends a byte. It refuses those protocol versions on a
 * socket with ZAP enabled (zmtp_engine.cpp, handshake_v1_0/_v2_0: "reject
 * ZMTP 1.0 connections if ZAP is enabled"; libzmq 4.3.4), and ZAP is
 * enabled on a NULL socket by giving it a ZAP domain. So mq_bind() gives
 * every plain socket MQ_ZAP_DOMAIN_PLAIN, its own domain (see mq_zap.c for
 * why not MQ_ZAP_DOMAIN), and has the ZAP thread (started on demand)
 * watch it, so its handshake failures are counted too.
 *
 * Threads: the context and mq_stats_get() may be used from any thread; a
 * socket only from the thread that uses it (libzmq's rule).
 */
#ifndef LOGHAUL_MQ_H
#define LOGHAUL_MQ_H

#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "common/cerr.h"
#include "common/wire.h"

#define MQ_KEYLEN      40	/* a CURVE key as z85 text */
#define MQ_MAXMSGSIZE  ((int64_t)WIRE_MAX_FRAME + 65536)
#define MQ_ZAP_DOMAIN  "loghaul"	/* CURVE servers */
#define MQ_ZAP_DOMAIN_PLAIN "loghaul.plain"	/* NULL-mechanism binders */

/* Flags for mq_send() / mq_recv(). Without MQ_BLOCK both never wait. */
#define MQ_MORE   0x1	/* more frames of this message follow */
#define MQ_BLOCK  0x2	/* wait for room / for a message */

struct mq_keypair {
	char pub[MQ_KEYLEN + 1];	/* z85, NUL-terminated */
	char sec[MQ_KEYLEN + 1];
};

enum mq_curve {
	MQ_CURVE_OFF = 0,
	MQ_CURVE_SERVER,	/* binds; clients proven by ZAP */
	MQ_CURVE_CLIENT,	/* connects; needs the server's public key */
};

struct mq_opts {
	int     sndhwm, rcvhwm;		/* messages */
	int     linger_ms;
	int     heartbeat_ivl_ms;	/* 0 disables heartbeats */
	int     heartbeat_timeout_ms;
	int     heartbeat_ttl_ms;
	int     handshake_ms;
	int     reconnect_ms, reconnect_max_ms;
	int     keepalive_idle_s;	/* TCP keepalive; 0 leaves the OS default */
	int     immediate;
	int64_t maxmsgsize;		/* applied only to sockets that receive */
	enum mq_curve    curve;
	const struct mq_keypair *keys;	/* CURVE: this process's pair */
	const char      *server_key;	/* CURVE client: server's public key, z85 */
};

/* Fill o with the defaults above (no CURVE). */
void mq_opts_init(struct mq_opts *o);

/*
 * The process's context, created on first use (a forked child gets a new
 * one: libzmq contexts do not survive fork). NULL only if libzmq cannot
 * create one.
 */
void *mq_context(void);
/* Stop the ZAP thread and terminate the context; close every socket first. */
void  mq_shutdown(void);

/*
 * A socket of a ZMQ_* type with the options in o (NULL: defaults). NULL on
 * failure with the reason in err. The caller owns the socket: mq_close().
 */
void *mq_socket(int type, const struct mq_opts *o, char *err, size_t errlen);
/* Close and set *sock to NULL; accepts NULL. */
void  mq_close(void **sock);

/*
 * 0, or -1 with "bind tcp://...: reason" in err. A plain (non-CURVE) socket
 * gets MQ_ZAP_DOMAIN_PLAIN, so that it refuses ZMTP 1.0/2.0 peers, and a
 * monitor on the ZAP thread (started here if it is not running), so that its
 * handshake failures are counted.
 */
int mq_bind(void *sock, const char *endpoint, char *err, size_t errlen);
int mq_connect(void *sock, const char *endpoint, char *err, size_t errlen);
/* The endpoint last bound, with a wildcard port resolved ("tcp://127.0.0.1:*"). */
int mq_endpoint(void *sock, char *out, size_t len);

/*
 * Send one frame. CERR_OK; CERR_AGAIN when it would block (queue at its
 * high-water mark, or no peer ready) or a signal interrupted it; CERR_IO
 * otherwise (errno says why, e.g. EHOSTUNREACH from a ROUTER).
 */
enum cerr mq_send(void *sock, const void *data, size_t len, int flags);
/*
 * Receive one frame into msg, which the caller has initialised with
 * zmq_msg_init() and owns (zmq_msg_close()). Same results as mq_send().
 * zmq_msg_more(msg) tells whether more frames of the message follow.
 */
enum cerr mq_recv(void *sock, zmq_msg_t *msg, int flags);
/* Discard what is left of a multi-frame message; returns frames dropped. */
int       mq_recv_drain(void *sock);

/* ---- CURVE keys --------------------------------------------------------- */

/* A new key pair. -1 when libzmq was built without CURVE. */
int mq_curve_keypair(struct mq_keypair *kp);
/* 1 when s is a valid z85 CURVE key (40 characters that decode). */
int mq_curve_key_valid(const char *s);

/*
 * Key files are text: lines starting with '#' and blank lines are ignored,
 * the first other line is the z85 key. A secret key file must not be
 * readable or writable by group or others (like ssh, we refuse it).
 */
int mq_key_load(const char *path, int secret, char out[MQ_KEYLEN + 1],
    char *err, size_t errlen);
/* Load a pair and check that the public key belongs to the secret one. */
int mq_keypair_load(const char *sec_path, const char *pub_path,
    struct mq_keypair *kp, char *err, size_t errlen);
/*
 * Generate a pair and write it: secret file mode 0600, public 0644. Never
 * overwrites an existing file. On failure nothing is left behind.
 */
int mq_curve_keygen_files(const char *sec_path, const char *pub_path,
    char *err, size_t errlen);

/* ---- ZAP ---------------------------------------------------------------- */

/* Bind the ZAP handler and start its thread. The allow list starts empty. */
int  mq_zap_start(char *err, size_t errlen);
/* -1 (errno EBUSY) while a CURVE server socket is open; else stops it. */
int  mq_zap_stop(void);
int  mq_zap_running(void);
/* Add one public key (z85) to the allow list; -1 if it is not a key. */
int  mq_zap_allow(const char *pub_z85);
/*
 * Replace the allow list with the keys in the files matching the globs
 * (each must match at least one file, each file must hold a valid key).
 * All or nothing: on error the old list stays and err says which file.
 */
int  mq_zap_load_allow(const char *const *globs, size_t n, char *err,
    size_t errlen);
size_t mq_zap_allow_count(void);

/*
 * Counters since start, for metrics. "Bound sockets" are the ones the ZAP
 * thread watches: CURVE servers, and plain sockets that mq_bind() bound.
 * libzmq 4.3.4 reports no event when it refuses a ZMTP 1.0/2.0 peer (it
 * only disconnects it), so those refusals show only as accepted minus
 * handshakes_ok minus the failures below.
 */
struct mq_stats {
	uint64_t zap_allowed;	/* CURVE clients admitted */
	uint64_t zap_denied;	/* CURVE clients whose key is not listed */
	uint64_t hs_no_curve;	/* peers that did not speak CURVE to a CURVE server */
	uint64_t hs_bad_key;	/* CURVE handshake failed: wrong server key */
	uint64_t hs_failed;	/* other handshake failures on bound sockets
				   (garbage, silence past ZMQ_HANDSHAKE_IVL, ...) */
	uint64_t handshakes_ok;	/* handshakes completed on bound sockets */
	uint64_t accepted;	/* connections accepted on bound sockets */
	uint64_t disconnected;
};
void mq_stats_get(struct mq_stats *out);

struct metrics;
/*
 * Export mq_stats_get() in m, refreshed at every scrape:
 *   loghaul_mq_peers_refused_total{reason="zap_denied|no_curve|bad_key|
 *       handshake_failed"}
 *   loghaul_mq_peers_admitted_total        CURVE clients ZAP admitted
 *   loghaul_mq_connections_accepted_total  on bound sockets
 *   loghaul_mq_handshakes_total            completed, on bound sockets
 *   loghaul_mq_disconnections_total        on bound sockets
 * -1 when m is NULL or refuses the families or the hook.
 */
int mq_metrics_export(struct metrics *m);

#endif
