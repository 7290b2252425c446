/*
 * devclock.h — a device's clock, read from its answer to the platform's
 * clock command (platform.clock_cmd), against the collector's clock.
 *
 * Answers understood (real outputs in tests/fixtures/real):
 *   IOS, IOS XE, NX-OS, IOS XR  [*.]HH:MM:SS[.mmm] ZONE Www Mmm d yyyy
 *                               (XR prints its date line before it; NX-OS
 *                               may print "Time source is NTP" first)
 *   EOS                         Www Mmm d HH:MM:SS yyyy
 *                               then "Timezone: NAME" or "timezone is NAME"
 *   Junos (show system uptime)  Current time: yyyy-mm-dd HH:MM:SS ZONE
 *
 * The device's offset from UTC comes, in this order, from its zone word in
 * the device's zone table (devtime_opts: the configured time zone's
 * abbreviations, then the built-in ones), from a tz database name (EOS
 * shows one), from the configured time zone's rules; failing all of them
 * it is inferred: the collector's time subtracted from the clock's
 * reading, rounded to the quarter hour (DEVCLOCK_INFERRED). The skew is
 * what remains: the device's clock minus the collector's at the moment
 * the answer was read (the middle of the command's round trip, so it is
 * known to half the round trip).
 */
#ifndef LOGHAUL_DEVCLOCK_H
#define LOGHAUL_DEVCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "collector/devtime.h"
#include "collector/platform.h"

#define DEVCLOCK_UNSYNCED	0x1u	/* '*': the clock was never set */
#define DEVCLOCK_LOSTSYNC	0x2u	/* '.': it lost its time source */
#define DEVCLOCK_INFERRED	0x4u	/* offset inferred, not from a zone */

struct devclock {
	int64_t  local_ms;	/* the clock's reading, its wall time as if UTC */
	int64_t  device_ms;	/* that reading in UTC */
	int64_t  skew_ms;	/* device_ms - the collector's time */
	int      offset_min;	/* the device's offset east of UTC */
	char     zone[32];	/* the zone word or name it shows; "" none */
	unsigned flags;		/* DEVCLOCK_* */
};

/*
 * Read the answer out[0..len) of platform pf's clock command, taken when
 * the collector's clock read ref_ms (UTC), with the device's zone settings
 * o (may be NULL). Returns 0 and fills *c, or -1 with the reason in err
 * (a platform without a clock command, an answer that is not a clock:
 * "% Invalid input", a pager, garbage).
 */
int devclock_measure(enum platform_id pf, const char *out, size_t len,
    const struct devtime_opts *o, int64_t ref_ms, struct devclock *c,
    char *err, size_t errlen);

#endif
