/*
 * stage_metrics.h — the alert stage's Prometheus series (loghaul_alerts_*).
 *
 * The daemon counts what it does itself (messages, acks, frames dropped,
 * commits, changes) straight into the series below; stage_metrics_update()
 * refreshes, at most once a second, what is read rather than counted: the
 * engine's event and snapshot-row tallies, open alerts, interfaces, output
 * backlog and per-output delivery figures, the journal's size.
 *
 * Every series is NULL without a metrics listener, and the metrics calls
 * are no-ops on NULL, so the daemon never asks whether metrics are on.
 */
#ifndef LOGHAUL_STAGE_METRICS_H
#define LOGHAUL_STAGE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"
#include "analyzer/alerts/output.h"
#include "common/metrics.h"

struct stage_metrics {
	struct metrics         *m;
	struct metrics_http    *http;
	struct metrics_series  *msgs, *events[6], *bad[5], *acks[3], *commits[2];
	struct metrics_series  *changes[3], *open[3], *ifaces, *backlog, *failing;
	struct metrics_series  *journal, *rows[4];
	struct metrics_family  *out_sent, *out_fail, *out_drop, *reconciled;
	struct alert_stats      last;	/* engine stats already added */
	int64_t                 next_at;
};

/*
 * Make the series and serve them on listen (HOST:PORT; NULL: no metrics,
 * g stays zeroed). -1 with err when the listener cannot start.
 */
int stage_metrics_start(struct stage_metrics *g, const char *listen,
    const struct metrics_health *h, char *err, size_t errlen);

/* Refresh the read figures; does nothing sooner than a second after the last. */
void stage_metrics_update(struct stage_metrics *g, struct alert_engine *e,
    struct output_set *outs, struct alertstate *st, int failing, int64_t now);

/* Stop the listener and free the series. */
void stage_metrics_stop(struct stage_metrics *g);

#endif
