/*
 * devtime.h — device timestamps as network devices write them in their log
 * buffers, turned into milliseconds since the epoch (UTC).
 *
 * Styles recognised at the start of a byte string (any bytes may follow):
 *
 *   BSD        [*.]Mmm dd HH:MM:SS[.frac][ ZONE]     "*Mar  1 00:01:23.456"
 *   BSD_YEAR   [*.]Mmm dd YYYY HH:MM:SS[.frac][ ZONE] (IOS "datetime year")
 *   YEAR_FIRST YYYY Mmm dd HH:MM:SS[.frac]            (NX-OS logfile)
 *   ISO        YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]   (RFC 3339, EOS/Junos)
 *   UPTIME     H+:MM:SS[.frac] or 1w2d / 3d04h / 1y2w (time since boot)
 *
 * The year, when the device leaves it out, is the most recent one that puts
 * the timestamp (converted to UTC with the zone of that year's date) no more
 * than a day after the poll's wall time: a buffer
 * holds the past, and a day of slack absorbs clocks running a little ahead
 * and zone confusion around New Year.
 *
 * '*' (clock not set/unsynchronised) and '.' (clock lost its time source)
 * are IOS's markers: kept in the text (the caller's ts span includes them)
 * and reported in flags. A zone name is looked up first in the caller's
 * table, then in a built-in table of common abbreviations; an unknown name
 * is treated as UTC and flagged so the caller can say so. A timestamp with
 * no zone uses the caller's default offset (0 unless told), flagged too.
 * When the caller gives the device's zone (devtime_opts.tz), stamps without
 * a zone word, and with one no table knows, are the device's local time,
 * read with the zone's rules (tzfile.h says how the DST hours go).
 * Uptime stamps have no calendar date: ms is 0.
 */
#ifndef LOGHAUL_DEVTIME_H
#define LOGHAUL_DEVTIME_H

#include <stddef.h>
#include <stdint.h>

/* What was found (struct devtime.flags). */
#define DEVTIME_UNSYNCED	0x0001u	/* written with a leading '*' */
#define DEVTIME_LOSTSYNC	0x0002u	/* written with a leading '.' */
#define DEVTIME_YEAR_INFERRED	0x0004u	/* no year written: inferred */
#define DEVTIME_NO_ZONE		0x0008u	/* no zone written: default offset */
#define DEVTIME_UNKNOWN_ZONE	0x0010u	/* zone name unknown: taken as UTC */
#define DEVTIME_MSEC		0x0020u	/* a fraction of a second was written */
#define DEVTIME_AMBIGUOUS	0x0040u	/* in the hour a DST fall-back repeats:
					 * ms is the first reading, alt_ms the second */
#define DEVTIME_TZ		0x0080u	/* converted with the device's tz rules */

/* What the caller allows (the accept argument of devtime_parse). */
#define DEVTIME_ACCEPT_ZONE	0x1u	/* a zone word after the time ("UTC") */
#define DEVTIME_ACCEPT_MARK	0x2u	/* a leading '*' or '.' */
#define DEVTIME_ACCEPT_UPTIME	0x4u	/* uptime styles */

enum devtime_style {
	DEVTIME_NONE = 0,
	DEVTIME_BSD,
	DEVTIME_BSD_YEAR,
	DEVTIME_YEAR_FIRST,
	DEVTIME_ISO,
	DEVTIME_UPTIME,
};

/* A zone abbreviation and its offset east of UTC, in minutes. */
struct devtime_zone {
	const char *name;
	int         offset_min;
};

struct tzfile;

struct devtime_opts {
	int64_t now_ms;		/* the poll's wall time; 0: the current time */
	int     default_offset_min;	/* for stamps written without a zone */
	const struct devtime_zone *zones;	/* looked up before the built-ins */
	size_t  nzones;
	/* The device's configured zone (tzfile.h), or NULL. When set, it
	 * replaces default_offset_min for stamps without a zone (DST
	 * included), its abbreviations come right after zones, and a zone
	 * word no table knows is read as the device's local time. */
	const struct tzfile *tz;
};

struct devtime {
	int64_t            ms;		/* ms since the epoch, UTC; 0 for uptime */
	int64_t            alt_ms;	/* the other reading (DEVTIME_AMBIGUOUS), else ms */
	size_t             len;		/* bytes of the stamp: marker and zone included */
	size_t             zone_off;	/* the zone word within the stamp */
	size_t             zone_len;	/* 0 when none */
	unsigned           flags;	/* DEVTIME_* above */
	enum devtime_style style;
};

/* Defaults: now_ms as given, no extra zones, UTC for stamps without one. */
void devtime_opts_init(struct devtime_opts *o, int64_t now_ms);

/*
 * Parse a timestamp at the start of s[0..len). Returns 0 and fills *out
 * (out->len bytes form the stamp; it ends at a byte that cannot continue
 * it), or -1 when s does not start with one, or when the date or time is
 * impossible (Apr 31, 25:00). Never reads past len; looks at a bounded
 * prefix only, so a 10 MB line costs no more than a short one.
 */
int devtime_parse(const char *s, size_t len, unsigned accept,
    const struct devtime_opts *o, struct devtime *out);

/*
 * Offset of a zone name (case-insensitive; "UTC", "GMT", "Z", "EST",
 * "UTC+2", "GMT-05:30", or one of o's zones). Returns 0 and sets
 * *offset_min, or -1 for an unknown name.
 */
int devtime_zone_offset(const char *name, size_t len,
    const struct devtime_opts *o, int *offset_min);

/* Milliseconds since the epoch of a proleptic Gregorian UTC date-time. */
int64_t devtime_civil_ms(int64_t year, int mon, int day, int hour, int min,
    int sec, int msec);

/* The proleptic Gregorian UTC year of ms since the epoch. */
int64_t devtime_year_of(int64_t ms);

/* Month 1-12 from a three-letter English abbreviation, or 0. */
int devtime_month(const char *s, size_t len);

#endif
