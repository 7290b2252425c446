#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/devclock.h"
#include "collector/tzfile.h"
#include "tests/support/fixture.h"

#define Z(y, mo, d, h, mi, s, ms) devtime_civil_ms(y, mo, d, h, mi, s, ms)

/* A real output from the fixtures' ntc-templates-clock folder. */
static char *
fixture(const char *name, size_t *len)
{
	char rel[256];

	snprintf(rel, sizeof rel, "ntc-templates-clock/%s", name);
	return fixture_read(rel, len);
}

static void
measure(enum platform_id pf, const char *out, size_t len,
    const struct tzfile *tz, int64_t ref, struct devclock *c)
{
	struct devtime_opts o;
	char err[256];

	devtime_opts_init(&o, ref);
	o.tz = tz;
	cr_assert_eq(devclock_measure(pf, out, len, &o, ref, c, err, sizeof err),
	    0, "%s", err);
}

Test(devclock, real_cisco_answers)
{
	struct devclock c;
	size_t len;
	char *out = fixture("cisco_ios_show_clock.raw", &len);

	/* "*18:57:38.347 UTC Mon Oct 19 2015": never set, read 1.653 s early */
	measure(PLATFORM_CISCO_IOS, out, len, NULL, Z(2015, 10, 19, 18, 57, 40, 0), &c);
	cr_assert_eq(c.local_ms, Z(2015, 10, 19, 18, 57, 38, 347));
	cr_assert_eq(c.offset_min, 0);
	cr_assert_eq(c.skew_ms, -1653);
	cr_assert_str_eq(c.zone, "UTC");
	cr_assert_eq(c.flags, DEVCLOCK_UNSYNCED);
	free(out);
	out = fixture("cisco_ios_show_clock_2.raw", &len);
	measure(PLATFORM_CISCO_XE, out, len, NULL, Z(2015, 10, 19, 18, 57, 38, 0), &c);
	cr_assert_eq(c.flags, DEVCLOCK_LOSTSYNC);
	cr_assert_eq(c.skew_ms, 347);
	free(out);
	out = fixture("cisco_nxos_show_clock.raw", &len);
	measure(PLATFORM_CISCO_NXOS, out, len, NULL, Z(2015, 10, 19, 18, 57, 38, 347), &c);
	cr_assert_eq(c.flags, 0);
	cr_assert_eq(c.skew_ms, 0);
	free(out);
}

Test(devclock, real_eos_answer_with_a_tz_name)
{
	struct devclock c;
	size_t len;
	char *out = fixture("arista_eos_show_clock.raw", &len);

	/* "Mon Jan 14 18:42:49 2013 / timezone is US/Central": CST, -06:00 */
	measure(PLATFORM_ARISTA_EOS, out, len, NULL, Z(2013, 1, 15, 0, 42, 52, 0), &c);
	cr_assert_str_eq(c.zone, "US/Central");
	cr_assert_eq(c.offset_min, -360);
	cr_assert_eq(c.device_ms, Z(2013, 1, 15, 0, 42, 49, 0));
	cr_assert_eq(c.skew_ms, -3000);
	cr_assert_not(c.flags & DEVCLOCK_INFERRED);
	free(out);
}

Test(devclock, real_junos_answers)
{
	struct devclock c;
	size_t len;
	char *out = fixture("juniper_junos_show_system_uptime.raw", &len);

	/* "Current time: 2021-08-31 08:48:11 MSK": +03:00, 2 min 10 s ahead */
	measure(PLATFORM_JUNIPER_JUNOS, out, len, NULL, Z(2021, 8, 31, 5, 46, 1, 0), &c);
	cr_assert_str_eq(c.zone, "MSK");
	cr_assert_eq(c.offset_min, 180);
	cr_assert_eq(c.skew_ms, 130000);
	free(out);
	out = fixture("juniper_junos_show_system_uptime_2.raw", &len);
	measure(PLATFORM_JUNIPER_JUNOS, out, len, NULL, Z(2021, 8, 31, 9, 29, 34, 0), &c);
	cr_assert_eq(c.skew_ms, 0);
	free(out);
}

Test(devclock, xr_date_line_and_zone_words)
{
	static const char xr[] = "Sat Nov 22 00:48:05.123 UTC\r\n"
	    "00:48:05.120 UTC Sat Nov 22 2025\r\n";
	static const char hq[] = "13:00:05.000 HQ Mon Jan 12 2026\n";
	static const char cst[] = "20:00:00.000 CST Mon Jan 12 2026\n";
	struct devclock c;
	struct tzfile *sh;
	char err[128];

	measure(PLATFORM_CISCO_XR, xr, sizeof xr - 1, NULL, Z(2025, 11, 22, 0, 48, 5, 0), &c);
	cr_assert_eq(c.skew_ms, 120);
	/* a word no table knows: the quarter hour the clock says, +05:00 */
	measure(PLATFORM_CISCO_IOS, hq, sizeof hq - 1, NULL, Z(2026, 1, 12, 8, 0, 0, 0), &c);
	cr_assert_eq(c.offset_min, 300);
	cr_assert_eq(c.skew_ms, 5000);
	cr_assert(c.flags & DEVCLOCK_INFERRED);
	/* CST: US Central by default, China with the device's zone */
	measure(PLATFORM_CISCO_IOS, cst, sizeof cst - 1, NULL, Z(2026, 1, 13, 2, 0, 0, 0), &c);
	cr_assert_eq(c.offset_min, -360);
	cr_assert_eq(c.skew_ms, 0);
	sh = tzfile_load("Asia/Shanghai", err, sizeof err);
	cr_assert_not_null(sh, "%s", err);
	measure(PLATFORM_CISCO_IOS, cst, sizeof cst - 1, sh, Z(2026, 1, 12, 12, 0, 0, 0), &c);
	cr_assert_eq(c.offset_min, 480);
	cr_assert_eq(c.skew_ms, 0);
	tzfile_free(&sh);
}

Test(devclock, answers_that_are_no_clock)
{
	static const char *const bad[] = {
		"                 ^\n% Invalid input detected at '^' marker.\n",
		"",
		"25:00:00.000 UTC Mon Jan 12 2026\n",
		"10:00:00.000 UTC Mon Foo 12 2026\n",
		"\x1b[2J\x01\xff garbage",
	};
	struct devclock c;
	char err[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(devclock_measure(PLATFORM_CISCO_IOS, bad[i],
		    strlen(bad[i]), NULL, 1, &c, err, sizeof err), -1, "%zu", i);
		cr_assert(strstr(err, "'show clock' answered something that is "
		    "not a clock") != NULL, "%s", err);
		cr_assert_null(strchr(err, '\n'));
	}
	cr_assert_eq(devclock_measure(PLATFORM_JUNIPER_JUNOS, "unknown command.\n",
	    17, NULL, 1, &c, err, sizeof err), -1);
	cr_assert(strstr(err, "'show system uptime | no-more'") != NULL, "%s", err);
}
