/*
 * mq_metrics.c — mq_stats_get() in a daemon's /metrics. The counts live in
 * mq_zap.c's atomics (the ZAP thread updates them); a render hook copies
 * them into the registry at every scrape, so they are never stale and no
 * daemon loop has to remember to refresh them.
 */
#include "common/metrics.h"
#include "common/mq.h"

static const char *const refused_reason[] = {
	"zap_denied", "no_curve", "bad_key", "handshake_failed",
};
#define NREASONS (sizeof refused_reason / sizeof refused_reason[0])

static struct metrics_family *
s_refused(struct metrics *m)
{
	return metrics_counter(m, "loghaul_mq_peers_refused_total",
	    "ZeroMQ peers refused: key not on the allow list (zap_denied), not "
	    "speaking CURVE to a CURVE socket (no_curve), wrong server key "
	    "(bad_key), any other handshake failure on a bound socket "
	    "(handshake_failed: garbage, silence)", "reason");
}

#define ONE(m, name, help) \
	metrics_series(metrics_counter((m), (name), (help), NULL), NULL)

/* Registering again returns the same family: the lookups cost a mutex. */
static void
s_refresh(struct metrics *m, void *arg)
{
	struct metrics_family *f = s_refused(m);
	struct mq_stats st;
	uint64_t v[NREASONS];

	(void)arg;
	mq_stats_get(&st);
	v[0] = st.zap_denied;
	v[1] = st.hs_no_curve;
	v[2] = st.hs_bad_key;
	v[3] = st.hs_failed;
	for (size_t i = 0; i < NREASONS; i++)
		metrics_counter_raise(metrics_series1(f, refused_reason[i]), v[i]);
	metrics_counter_raise(ONE(m, "loghaul_mq_peers_admitted_total",
	    "CURVE clients the ZAP handler admitted"), st.zap_allowed);
	metrics_counter_raise(ONE(m, "loghaul_mq_connections_accepted_total",
	    "Connections accepted on bound ZeroMQ sockets"), st.accepted);
	metrics_counter_raise(ONE(m, "loghaul_mq_handshakes_total",
	    "ZMTP handshakes completed on bound ZeroMQ sockets"),
	    st.handshakes_ok);
	metrics_counter_raise(ONE(m, "loghaul_mq_disconnections_total",
	    "Connections closed on bound ZeroMQ sockets"), st.disconnected);
}

int
mq_metrics_export(struct metrics *m)
{
	struct metrics_family *f;

	if (m == NULL || (f = s_refused(m)) == NULL)
		return -1;
	/* Every reason from the start, so a rate() sees its first 0. */
	for (size_t i = 0; i < NREASONS; i++)
		if (metrics_series1(f, refused_reason[i]) == NULL)
			return -1;
	s_refresh(m, NULL);
	return metrics_on_render(m, s_refresh, NULL);
}
