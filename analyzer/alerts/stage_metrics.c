/*
 * stage_metrics.c — the alert stage's series: made once at start, the read
 * ones refreshed by stage_metrics_update(); see stage_metrics.h.
 */
#include <stdint.h>
#include <stddef.h>

#include "analyzer/alerts/stage_metrics.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/mq.h"

int
stage_metrics_start(struct stage_metrics *g, const char *listen,
    const struct metrics_health *h, char *err, size_t errlen)
{
	struct metrics_family *f;
	static const char *const ev[] = { "applied", "duplicate", "stale",
	    "ignored", "dropped", "late" };
	static const char *const bad[] = { "parse", "toobig", "proto", "type",
	    "envelope" };
	static const char *const ack[] = { "sent", "failed", "dropped" };
	static const char *const st[] = { "firing", "resolved", "flapping" };
	static const char *const rows[] = { "baseline", "agreed", "reconciled",
	    "stale" };

	if (listen == NULL)
		return 0;
	g->m = metrics_new();
	g->msgs = metrics_series(metrics_counter(g->m,
	    "loghaul_alerts_messages_total", "EVENTS messages applied.", NULL),
	    NULL);
	f = metrics_counter(g->m, "loghaul_alerts_events_total",
	    "Events received, by what became of them.", "result");
	for (int i = 0; i < 6; i++)
		g->events[i] = metrics_series1(f, ev[i]);
	f = metrics_counter(g->m, "loghaul_alerts_frames_dropped_total",
	    "Frames dropped as undecodable, oversized, of another version or "
	    "type, or in a wrong envelope.", "reason");
	for (int i = 0; i < 5; i++)
		g->bad[i] = metrics_series1(f, bad[i]);
	f = metrics_counter(g->m, "loghaul_alerts_acks_total",
	    "Acks to analyzers.", "result");
	for (int i = 0; i < 3; i++)
		g->acks[i] = metrics_series1(f, ack[i]);
	f = metrics_counter(g->m, "loghaul_alerts_state_commits_total",
	    "Writes of the alert state.", "result");
	g->commits[0] = metrics_series1(f, "ok");
	g->commits[1] = metrics_series1(f, "failed");
	f = metrics_counter(g->m, "loghaul_alerts_changes_total",
	    "Alert changes made.", "status");
	for (int i = 0; i < 3; i++)
		g->changes[i] = metrics_series1(f, st[i]);
	g->reconciled = metrics_counter(g->m, "loghaul_alerts_reconciled_total",
	    "Alert changes made by interface snapshots, by the snapshot's "
	    "reason.", "reason,status");
	f = metrics_counter(g->m, "loghaul_alerts_snapshot_rows_total",
	    "Interface snapshot rows, by what they did.", "result");
	for (int i = 0; i < 4; i++)
		g->rows[i] = metrics_series1(f, rows[i]);
	f = metrics_gauge(g->m, "loghaul_alerts_open", "Alerts open now.",
	    "alertname");
	g->open[0] = metrics_series1(f, alert_name(ALERT_T_DOWN));
	g->open[1] = metrics_series1(f, alert_name(ALERT_T_ADMIN));
	g->open[2] = metrics_series1(f, alert_name(ALERT_T_FLAP));
	g->ifaces = metrics_series(metrics_gauge(g->m, "loghaul_alerts_interfaces",
	    "Interfaces with state.", NULL), NULL);
	g->backlog = metrics_series(metrics_gauge(g->m,
	    "loghaul_alerts_output_backlog",
	    "Changes not yet delivered by every output.", NULL), NULL);
	g->failing = metrics_series(metrics_gauge(g->m,
	    "loghaul_alerts_state_failing",
	    "1 while the alert state cannot be written.", NULL), NULL);
	g->journal = metrics_series(metrics_gauge(g->m,
	    "loghaul_alerts_state_journal_bytes", "Size of the state journal.",
	    NULL), NULL);
	g->out_sent = metrics_gauge(g->m, "loghaul_alerts_output_sent",
	    "Changes delivered, by output.", "output");
	g->out_fail = metrics_gauge(g->m, "loghaul_alerts_output_failures",
	    "Failed delivery attempts, by output.", "output");
	g->out_drop = metrics_gauge(g->m, "loghaul_alerts_output_dropped",
	    "Changes given up on, by output.", "output");
	if (mq_metrics_export(g->m) < 0)
		log_warnx("alerts: metrics cannot export mq counters");
	g->http = daemon_metrics_start(g->m, listen, 0, h, "alerts:", err,
	    errlen);
	return g->http ? 0 : -1;
}

void
stage_metrics_update(struct stage_metrics *g, struct alert_engine *e,
    struct output_set *outs, struct alertstate *state, int failing,
    int64_t now)
{
	const struct alert_stats *st = alert_stats(e);
	uint64_t cur[6] = { st->applied, st->duplicates, st->stale, st->ignored,
	    st->dropped, st->late };
	uint64_t last[6] = { g->last.applied, g->last.duplicates, g->last.stale,
	    g->last.ignored, g->last.dropped, g->last.late };

	if (g->m == NULL || now < g->next_at)
		return;
	g->next_at = now + 1000;
	for (int i = 0; i < 6; i++)
		metrics_add(g->events[i], cur[i] - last[i]);
	metrics_add(g->rows[0], st->snap_baseline - g->last.snap_baseline);
	metrics_add(g->rows[1], st->snap_agreed - g->last.snap_agreed);
	metrics_add(g->rows[2], st->snap_reconciled - g->last.snap_reconciled);
	metrics_add(g->rows[3], st->snap_stale - g->last.snap_stale);
	g->last = *st;
	metrics_set(g->open[0], (double)alert_count_open(e, ALERT_T_DOWN));
	metrics_set(g->open[1], (double)alert_count_open(e, ALERT_T_ADMIN));
	metrics_set(g->open[2], (double)alert_count_open(e, ALERT_T_FLAP));
	metrics_set(g->ifaces, (double)alert_count_ifaces(e));
	metrics_set(g->backlog, (double)output_set_backlog(outs));
	metrics_set(g->failing, failing ? 1 : 0);
	metrics_set(g->journal, (double)alertstate_journal_size(state));
	for (size_t i = 0; i < output_set_count(outs); i++) {
		struct output *o = output_set_get(outs, i);
		struct output_stats os = o->st;
		if (o->ops->stats) {
			struct output_stats b;
			o->ops->stats(o, &b);
			os.sent += b.sent;
			os.failures += b.failures;
			os.dropped += b.dropped;
		}
		metrics_set(metrics_series1(g->out_sent, o->key), (double)os.sent);
		metrics_set(metrics_series1(g->out_fail, o->key),
		    (double)os.failures);
		metrics_set(metrics_series1(g->out_drop, o->key), (double)os.dropped);
	}
}

void
stage_metrics_stop(struct stage_metrics *g)
{
	metrics_http_stop(&g->http);
	metrics_free(&g->m);
}
