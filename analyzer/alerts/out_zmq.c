/*
 * out_zmq.c — publish each change on a ZeroMQ PUB socket (output.h).
 *
 * Two frames per change: the device name (the topic: subscribe to "edge-3"
 * for one device, "" for all; it is a prefix match, as PUB/SUB always is)
 * and the JSON object. PUB never blocks and drops for a slow subscriber at
 * its high-water mark; that is the contract subscribers accept, so a change
 * counts as delivered once it is queued.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/output.h"
#include "common/log.h"
#include "common/mq.h"
#include "common/util.h"

struct zpub {
	void                *sock;
	struct output_stats  st;
	struct log_ratelimit rl;
};

static int
s_emit(struct output *o, const struct alert_change *c, const char *json,
    size_t len)
{
	struct zpub *z = o->priv;

	if (mq_send(z->sock, c->device.p, c->device.len, MQ_MORE) != CERR_OK ||
	    mq_send(z->sock, json, len, 0) != CERR_OK) {
		/* PUB fails only on a closing context; drop rather than stall. */
		z->st.dropped++;
		if (log_ratelimit(&z->rl))
			log_warnx("output zmq: output=%s send failed reason=\"%s\"",
			    o->key, zmq_strerror(errno));
		return 0;
	}
	z->st.sent++;
	return 0;
}

static void
s_stats(struct output *o, struct output_stats *st)
{
	struct zpub *z = o->priv;

	*st = z->st;
}

static void
s_free(struct output *o)
{
	struct zpub *z = o->priv;

	if (z == NULL)
		return;
	mq_close(&z->sock);
	free(z);
	o->priv = NULL;
}

static const struct output_ops s_ops = {
	.type = "zmq",
	.emit = s_emit,
	.stats = s_stats,
	.free = s_free,
};

/* The plugin: {type: zmq, endpoint: tcp://HOST:PORT} */
struct zmq_conf {
	char *endpoint;
};

static const struct conf_key s_keys[] = {
	CONF_KREQ("endpoint", CK_ENDPOINT, offsetof(struct zmq_conf, endpoint),
	    "PUB endpoint to bind"),
	{ 0 }
};

static char *
s_key(const void *opts)
{
	const struct zmq_conf *c = opts;

	return xasprintf("zmq:%s", c->endpoint ? c->endpoint : "");
}

static struct output *
s_new(const void *copts, const struct mq_opts *opts, char *err, size_t errlen)
{
	const struct zmq_conf *c = copts;
	struct output *o;
	struct zpub *z;
	struct mq_opts mo;
	char e[256];

	if (c->endpoint == NULL) {
		snprintf(err, errlen, "zmq output: no endpoint");
		return NULL;
	}
	if (opts)
		mo = *opts;
	else
		mq_opts_init(&mo);
	if (strncmp(c->endpoint, "tcp://", 6) != 0)
		mo.curve = MQ_CURVE_OFF;
	else if (mo.curve != MQ_CURVE_OFF)
		mo.curve = MQ_CURVE_SERVER;
	mo.linger_ms = 0;	/* nothing a subscriber missed is worth a hang */
	z = xcalloc(1, sizeof *z);
	z->rl.interval = 10;
	z->sock = mq_socket(ZMQ_PUB, &mo, e, sizeof e);
	if (z->sock == NULL) {
		snprintf(err, errlen, "zmq output: %s", e);
		free(z);
		return NULL;
	}
	if (mq_bind(z->sock, c->endpoint, e, sizeof e) < 0) {
		snprintf(err, errlen, "zmq output: %s", e);
		mq_close(&z->sock);
		free(z);
		return NULL;
	}
	o = xcalloc(1, sizeof *o);
	o->ops = &s_ops;
	o->priv = z;
	return o;
}

static const struct output_impl s_impl = { .key = s_key, .make = s_new };
const struct conf_plugin out_zmq_plugin = {
	.name = "zmq", .keys = s_keys, .size = sizeof(struct zmq_conf),
	.impl = &s_impl,
};
