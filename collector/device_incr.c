/*
 * device_incr.c — incremental reads: whether a poll may ask the device only
 * for what follows the cursor, the command that does, what an unproven
 * reply means, and the cursor's last entry kept as the next filter.
 *
 * A poll reads incrementally only when every one of these holds: the
 * device and config allow it (incremental: auto), the device has not
 * refused the filter, a full read was made by this process (after a start,
 * the cursor file's position is proven against the whole buffer first),
 * fewer than collector.full_read_every polls were incremental since, and
 * the entry the cursor stands after is known (its text is the filter). The
 * reply is then proven by cursor_advance_incr(); when it is not, the same
 * poll reads the whole buffer (dev_poll_done() returns 1).
 */
#include <string.h>

#include "collector/collector.h"
#include "collector/platform.h"
#include "common/conf.h"
#include "common/inventory.h"
#include "common/metrics.h"

static const char *const read_names[] = {
#define DEV_READ_STR(name, str) str,
	DEV_READ_MAP(DEV_READ_STR)
#undef DEV_READ_STR
};

const char *
dev_read_str(enum dev_read r)
{
	return (unsigned)r < DEV_READ__COUNT ? read_names[r] : "?";
}

static int
s_needle_valid(const struct dev *d)
{
	const struct cursor_pos *p = cursor_sent(d->cur);

	/* A rewind or a new epoch moved the cursor elsewhere. */
	return d->needle_len > 0 && p->nwin > 0 &&
	    p->epoch == d->needle_epoch && p->counter == d->needle_counter;
}

void
dev_choose_read(struct collector *c, struct dev *d)
{
	char cmd[PLATFORM_INCR_RE_MAX * 2 + 128];
	int every = c->conf->collector.full_read_every;

	d->read = DEV_READ_FULL;
	if (d->incr && !d->incr_rejected && d->full_done &&
	    (every == 0 || d->since_full < (unsigned)every) &&
	    s_needle_valid(d) &&
	    platform_incr_cmd(d->pf, d->needle, d->needle_len, cmd,
	    sizeof cmd) == 0 && sshc_set_command(d->s, cmd) == 0) {
		d->read = DEV_READ_INCREMENTAL;
		return;
	}
	(void)sshc_set_command(d->s, NULL);
}

/*
 * Does an output with no log entry in it read like the CLI refusing the
 * command? IOS/XE/XR "% Invalid input detected at '^' marker.", NX-OS
 * "% Invalid command at '^' marker.", EOS "% Invalid input", Junos
 * "syntax error." / "unknown command.", and their "% Incomplete" and
 * "% Ambiguous" kin.
 */
static int
s_refused(const char *out, size_t len)
{
	static const char *const marks[] = { "% Invalid", "% Incomplete",
	    "% Ambiguous", "% Unknown", "syntax error", "unknown command",
	    NULL };

	for (size_t i = 0; marks[i] != NULL; i++)
		if (memmem(out, len, marks[i], strlen(marks[i])) != NULL)
			return 1;
	return 0;
}

void
dev_incr_unproven(struct collector *c, struct dev *d, const char *out,
    size_t len)
{
	if (c->pr.nentries == 0 && s_refused(out, len)) {
		/* Said once: from now on this device gets full reads only. */
		d->incr_rejected = 1;
		if (c->m.reg)
			metrics_inc(c->m.filter_rejected);
		log_warnx("device=%s the device refused the output filter "
		    "('%s'): reading its whole buffer at every poll from now on "
		    "(set data.loghaul.incremental: off to say so)",
		    d->host->name, sshc_command(d->s));
	} else {
		log_debug("device=%s incremental reply not proven (%zu entries, "
		    "%zu bytes): reading the whole buffer", d->host->name,
		    c->pr.nentries, len);
	}
	d->read = DEV_READ_FALLBACK;
	(void)sshc_set_command(d->s, NULL);
}

static void
s_set_needle(struct dev *d, struct wire_bytes raw)
{
	size_t n = raw.len;
	const char *nl = memchr(raw.ptr, '\n', raw.len);

	if (nl != NULL)
		n = (size_t)(nl - raw.ptr);
	if (n > sizeof d->needle)
		n = sizeof d->needle;
	memcpy(d->needle, raw.ptr, n);
	d->needle_len = (uint16_t)n;
}

void
dev_incr_note(struct collector *c, struct dev *d, size_t pushed)
{
	const struct cursor_batch *b = &c->cb;
	const struct cursor_pos *p = cursor_sent(d->cur);

	if (pushed > 0) {
		/* The sent position stands after the last record pushed. */
		if (b->recs[pushed - 1].kind != REC_LINE) {
			d->needle_len = 0;
			return;
		}
		s_set_needle(d, b->recs[pushed - 1].line);
	} else if (b->first_entry > 0 &&
	    (b->nrecs == 0 || b->recs[0].kind == REC_LINE)) {
		/* Nothing taken: the cursor stands after the entry found. */
		s_set_needle(d, c->pr.entries[b->first_entry - 1].raw);
	} else {
		/* Unchanged; still valid only if the cursor did not move. */
		return;
	}
	d->needle_epoch = p->epoch;
	d->needle_counter = p->counter;
}

/*
 * A snapshot record took the id after counter from: the buffer position
 * did not move, so a needle valid before stays valid (else every snapshot
 * would cost the next poll a full read).
 */
void
dev_incr_counter_moved(struct dev *d, uint32_t from)
{
	const struct cursor_pos *p = cursor_sent(d->cur);

	if (d->needle_len > 0 && d->needle_epoch == p->epoch &&
	    d->needle_counter == from)
		d->needle_counter = p->counter;
}
