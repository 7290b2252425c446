/*
 * tzfile.h — a device's time zone, from the system's tz database.
 *
 * A device that writes its log stamps in local time without a zone word
 * (IOS "service timestamps log datetime localtime", Junos, NX-OS logfile)
 * needs its zone's rules to turn them into UTC, daylight saving time
 * included. tzfile_load() reads the compiled zone file of an IANA name
 * ("Europe/Berlin") from $TZDIR or /usr/share/zoneinfo (RFC 8536 "TZif",
 * versions 1-4, with the POSIX TZ footer for times after its last
 * transition), once per device at start-up; lookups are then pure and
 * need no lock (libc's localtime would need the process-wide TZ).
 *
 * Local to UTC is not one-to-one twice a year:
 *   - the hour repeated when clocks go back (01:30 happens twice in
 *     America/New_York on the first Sunday of November) is read as its
 *     first occurrence, the daylight-saving one; tzfile_local_to_utc()
 *     also returns the other reading, so that a caller who knows the
 *     entry before (logparse: a buffer is in time order) can take the
 *     second one when the first would go back in time;
 *   - the hour skipped when clocks go forward (02:30 never happens) is
 *     read with the offset in effect before the change (02:30 EST =
 *     03:30 EDT), as POSIX mktime() does.
 */
#ifndef LOGHAUL_TZFILE_H
#define LOGHAUL_TZFILE_H

#include <stddef.h>
#include <stdint.h>

#include "collector/devtime.h"

/* tzfile_local_to_utc() flags */
#define TZFILE_AMBIGUOUS	0x1u	/* in the repeated hour: *alt is the other */
#define TZFILE_SKIPPED		0x2u	/* in the skipped hour */

struct tzfile;

/*
 * Load the zone name (an IANA name such as "America/New_York", or "UTC").
 * Returns NULL with the reason in err for a malformed name, a zone the
 * database does not have, or a file that is not a valid zone file.
 * Caller owns the result: tzfile_free(&z).
 */
struct tzfile *tzfile_load(const char *name, char *err, size_t errlen);
/* The same from a zone file's bytes (tests, fuzzing); name is kept. */
struct tzfile *tzfile_from_bytes(const char *name, const void *data,
    size_t len, char *err, size_t errlen);
void           tzfile_free(struct tzfile **z);

const char *tzfile_name(const struct tzfile *z);

/* Offset east of UTC, in minutes, in effect at utc_ms; *isdst if not NULL. */
int tzfile_offset_at(const struct tzfile *z, int64_t utc_ms, int *isdst);

/*
 * A local wall time (ms since the epoch as if the local date-time were
 * UTC) to UTC ms, as described above. *alt gets the other reading of a
 * repeated hour (the same value otherwise); *flags TZFILE_*. Either may
 * be NULL.
 */
int64_t tzfile_local_to_utc(const struct tzfile *z, int64_t local_ms,
    int64_t *alt, unsigned *flags);

/*
 * The zone's abbreviations with the offset each has in the zone's recent
 * rules ("EST" -300, "EDT" -240), for devtime_opts.zones: the names a
 * device in this zone writes mean these offsets, whatever the built-in
 * table says. Valid as long as z.
 */
const struct devtime_zone *tzfile_abbrevs(const struct tzfile *z, size_t *n);

#endif
