#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "collector/devtime.h"
#include "collector/logparse.h"
#include "collector/tzfile.h"

#define Z(y, mo, d, h, mi, s) devtime_civil_ms(y, mo, d, h, mi, s, 0)

static struct tzfile *
load(const char *name)
{
	char err[256];
	struct tzfile *z = tzfile_load(name, err, sizeof(err));

	cr_assert_not_null(z, "%s: %s", name, err);
	return z;
}

/*
 * Our reading of the zone files against libc's (another implementation of
 * the same database), every 5 hours 17 minutes from 1975 to 2045: past the
 * files' last transitions, where the POSIX footer rule takes over.
 */
static void
against_libc(const char *name)
{
	struct tzfile *z = load(name);
	size_t n = 0, dst = 0;

	setenv("TZ", name, 1);
	tzset();
	for (time_t t = 157766400; t < 2366841600; t += 5 * 3600 + 17 * 60) {
		struct tm tm;
		int isdst, off = tzfile_offset_at(z, (int64_t)t * 1000, &isdst);

		cr_assert_not_null(localtime_r(&t, &tm));
		cr_assert_eq(off * 60, tm.tm_gmtoff, "%s at %lld: %d min, libc %ld s",
		    name, (long long)t, off, tm.tm_gmtoff);
		cr_assert_eq(isdst, tm.tm_isdst > 0, "%s at %lld: isdst", name,
		    (long long)t);
		n++;
		dst += isdst;
	}
	cr_assert_gt(n, 100000);
	(void)dst;
	tzfile_free(&z);
	cr_assert_null(z);
}

Test(tzfile, new_york_as_libc) { against_libc("America/New_York"); }
Test(tzfile, berlin_as_libc) { against_libc("Europe/Berlin"); }
Test(tzfile, sydney_as_libc) { against_libc("Australia/Sydney"); }
Test(tzfile, kolkata_as_libc) { against_libc("Asia/Kolkata"); }
Test(tzfile, utc_as_libc) { against_libc("UTC"); }

Test(tzfile, dst_hours_new_york)
{
	struct tzfile *z = load("America/New_York");
	int64_t alt;
	unsigned fl;

	/* 2026-11-01 01:30 happens twice: EDT first (05:30Z), then EST */
	cr_assert_eq(tzfile_local_to_utc(z, Z(2026, 11, 1, 1, 30, 0), &alt, &fl),
	    Z(2026, 11, 1, 5, 30, 0));
	cr_assert_eq(alt, Z(2026, 11, 1, 6, 30, 0));
	cr_assert_eq(fl, TZFILE_AMBIGUOUS);
	/* 2026-03-08 02:30 never happens: read with EST, = 03:30 EDT */
	cr_assert_eq(tzfile_local_to_utc(z, Z(2026, 3, 8, 2, 30, 0), &alt, &fl),
	    Z(2026, 3, 8, 7, 30, 0));
	cr_assert_eq(fl, TZFILE_SKIPPED);
	/* either side */
	cr_assert_eq(tzfile_local_to_utc(z, Z(2026, 3, 8, 1, 59, 59), NULL, &fl),
	    Z(2026, 3, 8, 6, 59, 59));
	cr_assert_eq(fl, 0);
	cr_assert_eq(tzfile_local_to_utc(z, Z(2026, 3, 8, 3, 0, 0), NULL, NULL),
	    Z(2026, 3, 8, 7, 0, 0));
	cr_assert_eq(tzfile_local_to_utc(z, Z(2026, 11, 1, 2, 0, 0), NULL, &fl),
	    Z(2026, 11, 1, 7, 0, 0));
	cr_assert_eq(fl, 0);
	tzfile_free(&z);
}

Test(tzfile, abbreviations)
{
	struct tzfile *z = load("America/New_York");
	const struct devtime_zone *a;
	size_t n;
	int est = 0, edt = 0;

	a = tzfile_abbrevs(z, &n);
	for (size_t i = 0; i < n; i++) {
		cr_assert_str_neq(a[i].name, "LMT");
		if (strcmp(a[i].name, "EST") == 0)
			est = a[i].offset_min;
		if (strcmp(a[i].name, "EDT") == 0)
			edt = a[i].offset_min;
	}
	cr_assert_eq(est, -300);
	cr_assert_eq(edt, -240);
	cr_assert_str_eq(tzfile_name(z), "America/New_York");
	tzfile_free(&z);
}

Test(tzfile, bad_names_and_files)
{
	char err[256], dir[] = "/tmp/lh-tz-XXXXXX", path[128];
	FILE *f;

	cr_assert_null(tzfile_load("Mars/Olympus_Mons", err, sizeof(err)));
	cr_assert(strstr(err, "'Mars/Olympus_Mons' is unknown") != NULL, "%s", err);
	cr_assert_null(tzfile_load("../../etc/passwd", err, sizeof(err)));
	cr_assert(strstr(err, "is not a zone name") != NULL, "%s", err);
	cr_assert_null(tzfile_load("/etc/localtime", err, sizeof(err)));
	cr_assert_null(tzfile_load("", err, sizeof(err)));
	/* a file that is no zone file, and a cut one */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/Bad", dir);
	f = fopen(path, "wb");
	fputs("not a zone file at all\n", f);
	fclose(f);
	setenv("TZDIR", dir, 1);
	cr_assert_null(tzfile_load("Bad", err, sizeof(err)));
	cr_assert(strstr(err, "not a valid tz database file") != NULL, "%s", err);
	{
		FILE *in = fopen("/usr/share/zoneinfo/America/New_York", "rb");
		char buf[4096];
		size_t n;

		cr_assert_not_null(in);
		n = fread(buf, 1, sizeof(buf), in);
		fclose(in);
		f = fopen(path, "wb");
		fwrite(buf, 1, n / 2, f);
		fclose(f);
	}
	cr_assert_null(tzfile_load("Bad", err, sizeof(err)));
	unlink(path);
	rmdir(dir);
	unsetenv("TZDIR");
}

/* ---- stamps read in the device's zone ------------------------------------ */

static int64_t
stamp(const struct tzfile *z, const char *s, int64_t now, unsigned *flags)
{
	struct devtime_opts o;
	struct devtime dt;

	devtime_opts_init(&o, now);
	o.tz = z;
	cr_assert_eq(devtime_parse(s, strlen(s), DEVTIME_ACCEPT_ZONE |
	    DEVTIME_ACCEPT_MARK, &o, &dt), 0, "%s", s);
	if (flags != NULL)
		*flags = dt.flags;
	return dt.ms;
}

/* New Year in a zone west and one east of UTC, polled just after it. */
Test(tzfile, year_inference_at_new_year)
{
	struct tzfile *ny = load("America/New_York"), *tk = load("Asia/Tokyo");
	int64_t now = Z(2027, 1, 1, 5, 0, 30);	/* 00:00:30 in New York */
	unsigned fl;

	cr_assert_eq(stamp(ny, "Dec 31 23:59:59", now, &fl), Z(2027, 1, 1, 4, 59, 59));
	cr_assert(fl & DEVTIME_YEAR_INFERRED);
	cr_assert(fl & DEVTIME_TZ);
	cr_assert_eq(stamp(ny, "Jan  1 00:00:01", now, NULL), Z(2027, 1, 1, 5, 0, 1));
	/* with the year written, the same */
	cr_assert_eq(stamp(ny, "Dec 31 2026 23:59:59", now, NULL),
	    Z(2027, 1, 1, 4, 59, 59));
	now = Z(2026, 12, 31, 15, 0, 30);	/* 00:00:30 in Tokyo */
	cr_assert_eq(stamp(tk, "Dec 31 23:59:59", now, NULL), Z(2026, 12, 31, 14, 59, 59));
	cr_assert_eq(stamp(tk, "Jan  1 00:00:01", now, NULL), Z(2026, 12, 31, 15, 0, 1));
	/* the poll an hour later: still the same instants */
	now += 3600000;
	cr_assert_eq(stamp(tk, "Dec 31 23:59:59", now, NULL), Z(2026, 12, 31, 14, 59, 59));
	cr_assert_eq(stamp(tk, "Jan  1 00:00:01", now, NULL), Z(2026, 12, 31, 15, 0, 1));
	tzfile_free(&ny);
	tzfile_free(&tk);
}

Test(tzfile, zone_words_in_the_device_zone)
{
	struct tzfile *sh = load("Asia/Shanghai"), *be = load("Europe/Berlin");
	int64_t now = Z(2026, 7, 1, 0, 0, 0);
	unsigned fl;

	/* CST in Shanghai is China Standard Time, not US Central */
	cr_assert_eq(stamp(sh, "Jun 19 03:02:31.000 CST", now, NULL),
	    Z(2026, 6, 18, 19, 2, 31));
	cr_assert_eq(stamp(NULL, "Jun 19 03:02:31.000 CST", now, NULL),
	    Z(2026, 6, 19, 9, 2, 31));
	/* a name the admin made up ("clock summer-time MET-DST") is local time */
	cr_assert_eq(stamp(be, "Jun 19 03:02:31.000 MET-DST", now, &fl),
	    Z(2026, 6, 19, 1, 2, 31));
	cr_assert(fl & DEVTIME_UNKNOWN_ZONE);
	cr_assert(fl & DEVTIME_TZ);
	/* an explicit zone word stays what it says */
	cr_assert_eq(stamp(be, "Jun 19 03:02:31.000 UTC", now, &fl),
	    Z(2026, 6, 19, 3, 2, 31));
	cr_assert_not(fl & DEVTIME_TZ);
	/* ISO stamps with an offset too; without one, local */
	cr_assert_eq(stamp(be, "2026-06-19T03:02:31+02:00", now, NULL),
	    Z(2026, 6, 19, 1, 2, 31));
	cr_assert_eq(stamp(be, "2026-01-19T03:02:31", now, NULL),
	    Z(2026, 1, 19, 2, 2, 31));
	tzfile_free(&sh);
	tzfile_free(&be);
}

/* ---- the buffer's order settles the year and the repeated hour ---------- */

static void
parse_junos(const struct tzfile *z, const char *out, int64_t now,
    struct logparse_result *r)
{
	struct logparse_opts o;

	logparse_opts_init(&o, now);
	o.time.tz = z;
	o.flags = LOGPARSE_COMPLETE;
	cr_assert_eq(logparse_parse(PLATFORM_JUNIPER_JUNOS, out, strlen(out), &o,
	    r), CERR_OK);
}

Test(tzfile, buffer_spanning_two_new_years)
{
	struct tzfile *ny = load("America/New_York");
	struct logparse_result r;

	logparse_result_init(&r);
	parse_junos(ny,
	    "Dec 30 10:00:00  r1 mgd[100]: UI_COMMIT: a\n"
	    "Jun  1 10:00:00  r1 mgd[100]: UI_COMMIT: b\n"
	    "Dec 31 23:59:59  r1 mgd[100]: UI_COMMIT: c\n"
	    "Jan  1 00:00:01  r1 mgd[100]: UI_COMMIT: d\n",
	    Z(2027, 1, 1, 5, 0, 30), &r);
	cr_assert_eq(r.nentries, 4);
	cr_assert_eq(r.entries[0].ts_ms, Z(2025, 12, 30, 15, 0, 0));
	cr_assert_eq(r.entries[1].ts_ms, Z(2026, 6, 1, 14, 0, 0));
	cr_assert_eq(r.entries[2].ts_ms, Z(2027, 1, 1, 4, 59, 59));
	cr_assert_eq(r.entries[3].ts_ms, Z(2027, 1, 1, 5, 0, 1));
	logparse_result_free(&r);
	tzfile_free(&ny);
}

Test(tzfile, buffer_through_both_dst_changes)
{
	struct tzfile *ny = load("America/New_York");
	struct logparse_result r;

	logparse_result_init(&r);
	parse_junos(ny,
	    "Mar  8 01:59:00  r1 mgd[100]: UI_COMMIT: a\n"
	    "Mar  8 03:00:00  r1 mgd[100]: UI_COMMIT: b\n"
	    "Nov  1 01:50:00  r1 mgd[100]: UI_COMMIT: c\n"
	    "Nov  1 01:10:00  r1 mgd[100]: UI_COMMIT: d\n"
	    "Nov  1 01:20:00  r1 mgd[100]: UI_COMMIT: e\n"
	    "Nov  1 02:10:00  r1 mgd[100]: UI_COMMIT: f\n",
	    Z(2026, 11, 2, 0, 0, 0), &r);
	cr_assert_eq(r.nentries, 6);
	cr_assert_eq(r.entries[0].ts_ms, Z(2026, 3, 8, 6, 59, 0));
	cr_assert_eq(r.entries[1].ts_ms, Z(2026, 3, 8, 7, 0, 0));
	cr_assert_eq(r.entries[2].ts_ms, Z(2026, 11, 1, 5, 50, 0));
	cr_assert_eq(r.entries[3].ts_ms, Z(2026, 11, 1, 6, 10, 0));
	cr_assert_eq(r.entries[4].ts_ms, Z(2026, 11, 1, 6, 20, 0));
	cr_assert_eq(r.entries[5].ts_ms, Z(2026, 11, 1, 7, 10, 0));
	/* alone, the repeated hour is read as its first occurrence */
	parse_junos(ny, "Nov  1 01:10:00  r1 mgd[100]: UI_COMMIT: d\n",
	    Z(2026, 11, 2, 0, 0, 0), &r);
	cr_assert_eq(r.entries[0].ts_ms, Z(2026, 11, 1, 5, 10, 0));
	logparse_result_free(&r);
	tzfile_free(&ny);
}

/* A zone file with no transitions at all, only the POSIX footer rule (as
 * "slim" tz builds write them): the rule alone must give the offsets. */
static size_t
s_slim_zone(unsigned char *b, const char *footer)
{
	static const unsigned char type[6] = { 0xff, 0xff, 0xb9, 0xb0, 0, 0 };
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		memset(b + n, 0, 44);
		memcpy(b + n, "TZif2", 5);
		b[n + 20 + 4 * 4 + 3] = 1;	/* typecnt */
		b[n + 20 + 5 * 4 + 3] = 4;	/* charcnt */
		n += 44;
		memcpy(b + n, type, 6);	/* -18000 s, not DST, "EST" */
		n += 6;
		memcpy(b + n, "EST", 4);
		n += 4;
	}
	n += (size_t)sprintf((char *)b + n, "\n%s\n", footer);
	return n;
}

Test(tzfile, footer_rule_alone)
{
	unsigned char b[256];
	char err[128];
	size_t n = s_slim_zone(b, "EST5EDT,M3.2.0,M11.1.0");
	struct tzfile *z = tzfile_from_bytes("Slim/NY", b, n, err, sizeof err);
	int isdst;

	cr_assert_not_null(z, "%s", err);
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 1, 15, 12, 0, 0), &isdst), -300);
	cr_assert_eq(isdst, 0);
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 7, 15, 12, 0, 0), &isdst), -240);
	cr_assert_eq(isdst, 1);
	/* 2030: second Sunday of March is the 10th, first of November the 3rd */
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 3, 10, 6, 59, 59), NULL), -300);
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 3, 10, 7, 0, 0), NULL), -240);
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 11, 3, 5, 59, 59), NULL), -240);
	cr_assert_eq(tzfile_offset_at(z, Z(2030, 11, 3, 6, 0, 0), NULL), -300);
	tzfile_free(&z);
	/* the same bytes with a rule that is not one */
	n = s_slim_zone(b, "EST5EDT,M3.2.0");
	cr_assert_null(tzfile_from_bytes("Bad/Rule", b, n, err, sizeof err));
	n = s_slim_zone(b, "EST99");
	cr_assert_null(tzfile_from_bytes("Bad/Offset", b, n, err, sizeof err));
}
