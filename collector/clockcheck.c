/*
 * clockcheck.c — each device's clock, read on its first session, after a
 * failed poll, and every collector.clock.check (see devclock.h for what is
 * measured):
 *   - the skew (device clock minus collector clock) is the gauge
 *     loghaul_collector_clock_skew_seconds{device}, and a log line when it
 *     first passes collector.clock.skew_warn (again after it came back);
 *   - a zone word the tables do not know, or read differently from the
 *     device's own clock ("HQ", "MET-DST", CST at +08:00), is learned with
 *     the offset the clock shows and used for the device's log stamps with
 *     that word when no timezone is configured;
 *   - a device whose clock is not at UTC while no timezone is configured
 *     gets one log line: its stamps without a zone word are still read as
 *     UTC (IOS logs UTC unless told "localtime"), and the fix is to say.
 * A clock answer that cannot be read is logged (rate-limited) and changes
 * nothing: records keep the zones their stamps and the inventory give.
 *
 * A shell session runs the clock command right after the log command
 * (sshc_want_clock()). An exec-channel session cannot (a device such as
 * IOS takes one channel per connection): there the clock command is a
 * poll of its own, run at the end of the device's turn (after the log
 * poll and any snapshot), measured from the times its exec request was
 * sent and its output complete (sshc_cmd_times()).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/collector.h"
#include "collector/devclock.h"
#include "common/inventory.h"
#include "common/metrics.h"
#include "common/util.h"

void
dev_clock_want(struct collector *c, struct dev *d, double now)
{
	uint64_t every = c->conf->collector.clock_check_ms;
	enum sshc_state st = sshc_state(d->s);

	if (every == 0 || d->pf->clock_cmd == NULL)
		return;
	/* The first session, one after a failure (the device may have
	 * rebooted with its clock reset), or time for one; not every
	 * session of a device polled with persistent: false. */
	if (st == SSHC_S_INIT || st == SSHC_S_ERROR || now >= d->clock_next) {
		if (sshc_exec(d->s))
			d->clock_due = 1;
		else
			sshc_want_clock(d->s);
		d->clock_next = now + (double)every / 1000.0;
	}
}

int
dev_clock_start(struct collector *c, struct dev *d, double now)
{
	if (!d->clock_due || c->print_failed)
		return 0;
	d->clock_due = 0;
	if (sshc_set_command(d->s, d->pf->clock_cmd) != 0 ||
	    sshc_start_poll(d->s, now) != 0) {
		(void)sshc_set_command(d->s, NULL);
		return 0;
	}
	d->phase = DEV_PHASE_CLOCK;
	return 1;
}

static void s_measure(struct collector *c, struct dev *d, const char *out,
    size_t len, int64_t sent, int64_t recv);

void
dev_clock_done(struct collector *c, struct dev *d, const char *out,
    size_t len)
{
	int64_t sent, recv;

	d->phase = DEV_PHASE_LOG;
	(void)sshc_set_command(d->s, NULL);
	sshc_cmd_times(d->s, &sent, &recv);
	s_measure(c, d, out, len, sent, recv);
}

static void
s_fmt_offset(int min, char *out, size_t len)
{
	int a = min < 0 ? -min : min;

	snprintf(out, len, "%c%02d:%02d", min < 0 ? '-' : '+', a / 60, a % 60);
}

void
dev_clock_take(struct collector *c, struct dev *d)
{
	const char *out;
	size_t len;
	int64_t sent, recv;

	out = sshc_clock_output(d->s, &len, &sent, &recv);
	if (out != NULL)
		s_measure(c, d, out, len, sent, recv);
}

/* The clock's answer out[0..len), asked at sent and complete at recv. */
static void
s_measure(struct collector *c, struct dev *d, const char *out, size_t len,
    int64_t sent, int64_t recv)
{
	struct devtime_opts o;
	struct devclock k;
	char err[256], off[16];
	int64_t warn = (int64_t)c->conf->collector.clock_skew_warn_ms;

	if (sent <= 0 || recv < sent)
		return;
	devtime_opts_init(&o, recv);
	o.tz = d->tz;
	if (devclock_measure(d->pf->id, out, len, &o, sent + (recv - sent) / 2,
	    &k, err, sizeof err) < 0) {
		if (log_ratelimit(&d->rl_clock))
			log_warnx("device=%s clock check: %s; its log stamps are "
			    "read as before", d->host->name, err);
		return;
	}
	d->clock_measured = 1;
	d->clock_skew_ms = k.skew_ms;
	/* the series appears with the first measurement: no false zero */
	if (d->m_skew == NULL && c->m.reg)
		d->m_skew = metrics_series1(c->m.clock_skew, d->host->name);
	if (d->m_skew)
		metrics_set(d->m_skew, (double)k.skew_ms / 1000.0);
	s_fmt_offset(k.offset_min, off, sizeof off);
	if (warn > 0 && llabs(k.skew_ms) > warn) {
		if (!d->clock_warned) {
			struct tm tm;
			time_t lt = (time_t)(k.local_ms / 1000);

			gmtime_r(&lt, &tm);
			int64_t q = llabs(k.skew_ms) % (15 * 60000LL);

			log_warnx("device=%s clock is %+.3f s off the collector's "
			    "(it reads %04d-%02d-%02d %02d:%02d:%02d %s, %s%s; "
			    "measured to +-%.3f s)%s", d->host->name,
			    (double)k.skew_ms / 1000.0, tm.tm_year + 1900,
			    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec, k.zone[0] ? k.zone : "(no zone word)", off,
			    (k.flags & DEVCLOCK_UNSYNCED) ? ", never set" : "",
			    (double)(recv - sent) / 2000.0,
			    /* whole quarter hours off: more likely a zone word
			     * read wrongly than a clock that far off */
			    llabs(k.skew_ms) >= 15 * 60000LL && (q < 60000 ||
			    q > 14 * 60000) && k.zone[0] != '\0' ?
			    "; if the clock is right, its zone word means another "
			    "offset here: set data.loghaul.timezone" : "");
		}
		d->clock_warned = 1;
	} else if (d->clock_warned) {
		log_info("device=%s clock is back within %.3f s of the "
		    "collector's (%+.3f s)", d->host->name, (double)warn / 1000.0,
		    (double)k.skew_ms / 1000.0);
		d->clock_warned = 0;
	}
	if ((k.flags & DEVCLOCK_INFERRED) && k.zone[0] != '\0' && d->tz == NULL) {
		int was = d->nzones > 0 ? d->zone.offset_min : INT32_MIN;

		snprintf(d->zone_name, sizeof d->zone_name, "%s", k.zone);
		d->zone.name = d->zone_name;
		d->zone.offset_min = k.offset_min;
		d->nzones = 1;
		if (was != k.offset_min)
			log_info("device=%s its clock shows zone %s at %s: log "
			    "stamps with %s are read so", d->host->name, k.zone,
			    off, k.zone);
	}
	if (d->tz == NULL && k.offset_min != 0 && !d->clock_zone_hint) {
		log_warnx("device=%s its clock is at %s (%s) but no "
		    "data.loghaul.timezone is set: log stamps without a zone "
		    "word are read as UTC; set it if the device logs in local "
		    "time", d->host->name, off, k.zone[0] ? k.zone : "no zone word");
		d->clock_zone_hint = 1;
	}
}
