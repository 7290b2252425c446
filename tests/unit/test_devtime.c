#include <criterion/criterion.h>
#include <string.h>

#include "collector/devtime.h"

/* 2026-01-15T12:00:00Z: the poll's wall time in these tests. */
#define NOW_MS 1768478400000LL

static int
parse(const char *s, unsigned accept, int64_t now, struct devtime *dt)
{
	struct devtime_opts o;

	devtime_opts_init(&o, now);
	return devtime_parse(s, strlen(s), accept, &o, dt);
}

#define ALL (DEVTIME_ACCEPT_ZONE | DEVTIME_ACCEPT_MARK | DEVTIME_ACCEPT_UPTIME)

Test(devtime, civil)
{
	cr_assert_eq(devtime_civil_ms(1970, 1, 1, 0, 0, 0, 0), 0);
	cr_assert_eq(devtime_civil_ms(2000, 3, 1, 0, 0, 0, 0), 951868800000LL);
	cr_assert_eq(devtime_civil_ms(1969, 12, 31, 23, 59, 59, 0), -1000);
	cr_assert_eq(devtime_civil_ms(2024, 2, 29, 10, 0, 0, 0), 1709200800000LL);
	cr_assert_eq(devtime_civil_ms(2026, 1, 15, 12, 0, 0, 0), NOW_MS);
}

Test(devtime, ios_styles)
{
	static const char stamp[] = "Nov 22 00:48:05.123 UTC: %LINK";
	struct devtime dt;

	/* msec + UTC */
	cr_assert_eq(parse(stamp, ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1763772485123LL);	/* 2025: Nov 2026 is ahead */
	cr_assert_eq(dt.len, strlen("Nov 22 00:48:05.123 UTC"));
	cr_assert_eq(dt.style, DEVTIME_BSD);
	cr_assert(dt.flags & DEVTIME_YEAR_INFERRED);
	cr_assert(dt.flags & DEVTIME_MSEC);
	cr_assert_not(dt.flags & (DEVTIME_NO_ZONE | DEVTIME_UNKNOWN_ZONE));
	cr_assert_eq(dt.zone_len, 3);
	cr_assert_eq(memcmp(stamp + dt.zone_off, "UTC", 3), 0);

	/* no msec */
	cr_assert_eq(parse("Nov 22 00:48:05 UTC: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1763772485000LL);
	cr_assert_not(dt.flags & DEVTIME_MSEC);

	/* '*' unsynced, space-padded day, no zone */
	cr_assert_eq(parse("*Mar  1 00:01:23.456: %SYS", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.len, strlen("*Mar  1 00:01:23.456"));
	cr_assert_eq(dt.ms, 1740787283456LL);
	cr_assert(dt.flags & DEVTIME_UNSYNCED);
	cr_assert(dt.flags & DEVTIME_NO_ZONE);

	/* '.' lost sync */
	cr_assert_eq(parse(".Nov 22 00:48:05.123 UTC: x", ALL, NOW_MS, &dt), 0);
	cr_assert(dt.flags & DEVTIME_LOSTSYNC);
	cr_assert_eq(dt.ms, 1763772485123LL);
	cr_assert_eq(dt.len, strlen(".Nov 22 00:48:05.123 UTC"));

	/* markers only when allowed */
	cr_assert_eq(parse("*Mar  1 00:01:23.456: x", DEVTIME_ACCEPT_ZONE, NOW_MS,
	    &dt), -1);

	/* no zone, no msec (ntc-templates _1) */
	cr_assert_eq(parse("Jun 19 03:02:31: %LINEPROTO", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.len, 15);
	cr_assert(dt.flags & DEVTIME_NO_ZONE);

	/* EST (ntc-templates _4) */
	cr_assert_eq(parse("Dec  4 11:01:38.694 EST: %MAB", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1764864098694LL);

	/* datetime year */
	cr_assert_eq(parse("Nov 22 2026 00:48:05.123 UTC: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.style, DEVTIME_BSD_YEAR);
	cr_assert_eq(dt.ms, 1795308485123LL);
	cr_assert_not(dt.flags & DEVTIME_YEAR_INFERRED);
}

Test(devtime, other_platform_styles)
{
	struct devtime dt;

	/* NX-OS */
	cr_assert_eq(parse("2018 Apr 20 13:15:07 nexus-switch %ETH", 0, NOW_MS,
	    &dt), 0);
	cr_assert_eq(dt.style, DEVTIME_YEAR_FIRST);
	cr_assert_eq(dt.ms, 1524230107000LL);
	cr_assert_eq(dt.len, strlen("2018 Apr 20 13:15:07"));
	cr_assert_eq(parse("2026 Nov 22 00:48:05.123 HOST", 0, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1795308485123LL);

	/* Junos / EOS: the host follows, it is not a zone */
	cr_assert_eq(parse("Nov 22 00:48:05  HOST mib2d[1]: X", 0, NOW_MS, &dt), 0);
	cr_assert_eq(dt.len, 15);
	cr_assert_eq(dt.zone_len, 0);

	/* RFC 3339 */
	cr_assert_eq(parse("2019-02-22T10:57:30.359427+00:00 host", 0, NOW_MS,
	    &dt), 0);
	cr_assert_eq(dt.style, DEVTIME_ISO);
	cr_assert_eq(dt.ms, 1550833050359LL);
	cr_assert_eq(parse("2026-11-22T00:48:05.123+05:30 h", 0, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1795288685123LL);
	cr_assert_eq(parse("2026-11-22T00:48:05.123Z h", 0, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1795308485123LL);
}

Test(devtime, uptime)
{
	struct devtime dt;

	cr_assert_eq(parse("00:01:23: %SYS-5-X", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.style, DEVTIME_UPTIME);
	cr_assert_eq(dt.ms, 0);
	cr_assert_eq(dt.len, 8);
	cr_assert_eq(parse("1w2d: %SYS-5-X", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.len, 4);
	cr_assert_eq(parse("3d04h: %SYS-5-X", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.len, 5);
	/* not without the flag, and a cut "7:04:" is no stamp at all */
	cr_assert_eq(parse("00:01:23: %SYS", DEVTIME_ACCEPT_ZONE, NOW_MS, &dt), -1);
	cr_assert_eq(parse("7:04: %LINEPROTO", ALL, NOW_MS, &dt), -1);
	cr_assert_eq(parse("1w: x", ALL, NOW_MS, &dt), -1);
}

Test(devtime, year_inference)
{
	struct devtime dt;
	int64_t dec31 = devtime_civil_ms(2026, 12, 31, 23, 30, 0, 0);

	/* On New Year's Eve, Jan 1 is less than a day ahead: this coming year. */
	cr_assert_eq(parse("Jan  1 00:30:00 UTC: x", ALL, dec31, &dt), 0);
	cr_assert_eq(dt.ms, 1798763400000LL);
	/* ...but Jan 1 05:00 would be more than a day ahead on Dec 31 04:00. */
	cr_assert_eq(parse("Jan  1 05:00:00 UTC: x", ALL,
	    devtime_civil_ms(2026, 12, 31, 4, 0, 0, 0), &dt), 0);
	cr_assert_eq(dt.ms, devtime_civil_ms(2026, 1, 1, 5, 0, 0, 0));
	/* On Jan 1, a Dec 31 stamp is last year's. */
	cr_assert_eq(parse("Dec 31 23:59:59 UTC: x", ALL,
	    devtime_civil_ms(2027, 1, 1, 0, 0, 10, 0), &dt), 0);
	cr_assert_eq(dt.ms, 1798761599000LL);
	/* A stamp a few hours ahead (clock fast) stays in this year. */
	cr_assert_eq(parse("Jan 15 18:00:00 UTC: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, devtime_civil_ms(2026, 1, 15, 18, 0, 0, 0));
	/* Feb 29 goes back to the last leap year. */
	cr_assert_eq(parse("Feb 29 10:00:00 UTC: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1709200800000LL);
	/* now 0 means the current time: still a valid parse */
	cr_assert_eq(parse("Jan  2 00:00:00: x", ALL, 0, &dt), 0);
	cr_assert_gt(dt.ms, 0);
}

Test(devtime, year_inference_over_a_century)
{
	struct devtime dt;

	for (int y = 1971; y <= 2105; y++) {
		int64_t jan1 = devtime_civil_ms(y, 1, 1, 0, 0, 30, 0);
		int64_t dec31 = devtime_civil_ms(y, 12, 31, 12, 0, 0, 0);

		cr_assert_eq(parse("Dec 31 23:59:59 UTC: x", ALL, jan1, &dt), 0);
		cr_assert_eq(dt.ms, devtime_civil_ms(y - 1, 12, 31, 23, 59, 59, 0),
		    "year %d", y);
		cr_assert_eq(parse("Jan  1 00:00:00 UTC: x", ALL, dec31, &dt), 0);
		cr_assert_eq(dt.ms, devtime_civil_ms(y + 1, 1, 1, 0, 0, 0, 0),
		    "year %d", y);
		cr_assert_eq(parse("Jul  4 12:00:00 UTC: x", ALL, dec31, &dt), 0);
		cr_assert_eq(dt.ms, devtime_civil_ms(y, 7, 4, 12, 0, 0, 0));
	}
}

Test(devtime, zones)
{
	struct devtime dt;
	struct devtime_opts o;
	struct devtime_zone mine[] = { { "MYZONE", 120 } };
	const char *s;
	int off;

	cr_assert_eq(parse("Nov 22 00:48:05 GMT: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1763772485000LL);
	cr_assert_eq(parse("May 31 15:25:53.743 MEST: %LINK", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1748697953743LL);
	cr_assert_eq(parse("Nov 22 00:48:05 UTC+2: x", ALL, NOW_MS, &dt), 0);
	cr_assert_eq(dt.ms, 1763772485000LL - 2 * 3600000LL);

	/* unknown zone: UTC, flagged, still part of the stamp */
	cr_assert_eq(parse("Nov 22 00:48:05 XYZT: x", ALL, NOW_MS, &dt), 0);
	cr_assert(dt.flags & DEVTIME_UNKNOWN_ZONE);
	cr_assert_eq(dt.ms, 1763772485000LL);
	cr_assert_eq(dt.len, strlen("Nov 22 00:48:05 XYZT"));

	/* the caller's table comes first */
	devtime_opts_init(&o, NOW_MS);
	o.zones = mine;
	o.nzones = 1;
	s = "Nov 22 00:48:05 MYZONE: x";
	cr_assert_eq(devtime_parse(s, strlen(s), ALL, &o, &dt), 0);
	cr_assert_not(dt.flags & DEVTIME_UNKNOWN_ZONE);
	cr_assert_eq(dt.ms, 1763772485000LL - 2 * 3600000LL);

	/* default offset for stamps without a zone */
	o.default_offset_min = -300;
	s = "Nov 22 00:48:05: x";
	cr_assert_eq(devtime_parse(s, strlen(s), ALL, &o, &dt), 0);
	cr_assert_eq(dt.ms, 1763772485000LL + 5 * 3600000LL);

	cr_assert_eq(devtime_zone_offset("pst", 3, NULL, &off), 0);
	cr_assert_eq(off, -480);
	cr_assert_eq(devtime_zone_offset("GMT-05:30", 9, NULL, &off), 0);
	cr_assert_eq(off, -330);
	cr_assert_eq(devtime_zone_offset("GMT-99", 6, NULL, &off), -1);
	cr_assert_eq(devtime_zone_offset("NOPE", 4, NULL, &off), -1);
}

Test(devtime, refuses_non_stamps)
{
	struct devtime dt;
	static const char *const bad[] = {
		"", "Nov", "Nov 22", "Nov 22 00:48", "Nox 22 00:48:05: x",
		"Nov 32 00:48:05: x", "Apr 31 00:48:05: x", "Nov 22 24:00:00: x",
		"Nov 22 00:60:00: x", "Nov 22 00:48:05x", "un 19 03:02:31: x",
		"9 03:02:31: x", "2026 Feb 29 00:00:00 h", "2026-13-01T00:00:00Z",
		"2026-02-30T00:00:00Z", "2026-01-01 00:00:00", "rtual-PPP2, changed",
		"  Nov 22 00:48:05: x", "Nov 22 00:48:05.: x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(bad[i], ALL, NOW_MS, &dt), -1, "accepted \"%s\"",
		    bad[i]);
	/* bounded: never reads past len */
	cr_assert_eq(devtime_parse("Nov 22 00:48:05", 12, ALL, NULL, &dt), -1);
}
