/*
 * devtime.c — device timestamps to epoch milliseconds (see devtime.h).
 *
 * Hand-written scanning: it runs on every buffer line of every poll, and each
 * style is a fixed shape that a few byte comparisons decide.
 */
#include <string.h>

#include "collector/devtime.h"
#include "collector/tzfile.h"
#include "common/ascii.h"
#include "common/util.h"

#define DAY_MS		86400000LL
#define MAX_YEARS_BACK	8	/* covers Feb 29 at least once */

static const char months[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};

/*
 * Common abbreviations and what devices usually mean by them. Ambiguous
 * ones take the reading network gear in the field uses most (CST: US
 * Central; IST: India). Anything else belongs in the caller's table.
 */
static const struct devtime_zone builtin_zones[] = {
	{ "UTC", 0 }, { "GMT", 0 }, { "UT", 0 }, { "Z", 0 }, { "WET", 0 },
	{ "WEST", 60 }, { "BST", 60 }, { "CET", 60 }, { "MET", 60 },
	{ "MEZ", 60 }, { "CEST", 120 }, { "MEST", 120 }, { "MESZ", 120 },
	{ "EET", 120 }, { "EEST", 180 }, { "MSK", 180 }, { "GST", 240 },
	{ "PKT", 300 }, { "IST", 330 }, { "ICT", 420 }, { "WIB", 420 },
	{ "SGT", 480 }, { "HKT", 480 }, { "AWST", 480 }, { "JST", 540 },
	{ "KST", 540 }, { "ACST", 570 }, { "AEST", 600 }, { "AEDT", 660 },
	{ "NZST", 720 }, { "NZDT", 780 }, { "EST", -300 }, { "EDT", -240 },
	{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 }, { "MDT", -360 },
	{ "PST", -480 }, { "PDT", -420 }, { "AKST", -540 }, { "AKDT", -480 },
	{ "HST", -600 }, { "AST", -240 }, { "ADT", -180 }, { "NST", -210 },
	{ "NDT", -150 }, { "BRT", -180 }, { "ART", -180 },
};

/* Read between min and max digits at s[*i]; advances *i. */
static int
s_num(const char *s, size_t len, size_t *i, int min, int max, int64_t *v)
{
	int n = 0;

	*v = 0;
	while (*i < len && n < max && ascii_isdigit(s[*i])) {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
		n++;
	}
	return n >= min ? 0 : -1;
}

/* Exactly n digits, not followed by another digit. */
static int
s_fixed(const char *s, size_t len, size_t *i, int n, int64_t *v)
{
	if (s_num(s, len, i, n, n, v) < 0)
		return -1;
	return (*i < len && ascii_isdigit(s[*i])) ? -1 : 0;
}

static int
s_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
s_mdays(int64_t y, int mon)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return mon == 2 && s_leap(y) ? 29 : d[mon - 1];
}

int64_t
devtime_civil_ms(int64_t year, int mon, int day, int hour, int min, int sec,
    int msec)
{
	/*
	 * Days since 1970-01-01 in the proleptic Gregorian calendar, counting
	 * years from March so that the leap day falls at the end of a year.
	 */
	int64_t y = year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return ((days * 24 + hour) * 60 + min) * 60000 + (int64_t)sec * 1000 +
	    msec;
}

int
devtime_month(const char *s, size_t len)
{
	if (len < 3)
		return 0;
	for (int m = 0; m < 12; m++)
		if (ascii_lower(s[0]) == months[m][0] && ascii_lower(s[1]) == months[m][1] &&
		    ascii_lower(s[2]) == months[m][2])
			return m + 1;
	return 0;
}

void
devtime_opts_init(struct devtime_opts *o, int64_t now_ms)
{
	memset(o, 0, sizeof(*o));
	o->now_ms = now_ms;
}

static int
s_name_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return 0;
	return 1;
}

/* "+2", "-05", "+0530", "+05:30" -> minutes; the whole string must be used. */
static int
s_offset(const char *s, size_t len, int *out)
{
	size_t i = 1;
	int64_t h, m = 0;

	if (len < 2 || (s[0] != '+' && s[0] != '-'))
		return -1;
	if (s_num(s, len, &i, 1, 2, &h) < 0 || h > 14)
		return -1;
	if (i < len && s[i] == ':')
		i++;
	if (i < len && (s_num(s, len, &i, 2, 2, &m) < 0 || m > 59))
		return -1;
	if (i != len)
		return -1;
	*out = (int)((h * 60 + m) * (s[0] == '-' ? -1 : 1));
	return 0;
}

int
devtime_zone_offset(const char *name, size_t len, const struct devtime_opts *o,
    int *offset_min)
{
	size_t i;

	if (o != NULL)
		for (i = 0; i < o->nzones; i++)
			if (o->zones[i].name != NULL &&
			    s_name_eq(name, len, o->zones[i].name)) {
				*offset_min = o->zones[i].offset_min;
				return 0;
			}
	if (o != NULL && o->tz != NULL) {
		size_t n;
		const struct devtime_zone *z = tzfile_abbrevs(o->tz, &n);

		for (i = 0; i < n; i++)
			if (s_name_eq(name, len, z[i].name)) {
				*offset_min = z[i].offset_min;
				return 0;
			}
	}
	for (i = 0; i < sizeof(builtin_zones) / sizeof(builtin_zones[0]); i++)
		if (s_name_eq(name, len, builtin_zones[i].name)) {
			*offset_min = builtin_zones[i].offset_min;
			return 0;
		}
	/* UTC+2, GMT-05:30 */
	if (len > 3 && (s_name_eq(name, 3, "UTC") || s_name_eq(name, 3, "GMT")))
		return s_offset(name + 3, len - 3, offset_min);
	return -1;
}

/* HH:MM:SS[.frac] at s[*i]. Hours may have 1-2 digits. */
static int
s_clock(const char *s, size_t len, size_t *i, int *h, int *mi, int *sec,
    int *ms, unsigned *flags)
{
	int64_t v;

	if (s_num(s, len, i, 1, 2, &v) < 0 || v > 23)
		return -1;
	*h = (int)v;
	if (*i >= len || s[*i] != ':')
		return -1;
	(*i)++;
	if (s_fixed(s, len, i, 2, &v) < 0 || v > 59)
		return -1;
	*mi = (int)v;
	if (*i >= len || s[*i] != ':')
		return -1;
	(*i)++;
	if (s_fixed(s, len, i, 2, &v) < 0 || v > 60)
		return -1;
	*sec = (int)v;
	*ms = 0;
	if (*i + 1 < len && s[*i] == '.' && ascii_isdigit(s[*i + 1])) {
		int n = 0;

		(*i)++;
		while (*i < len && ascii_isdigit(s[*i]) && n < 9) {
			if (n < 3)
				*ms = *ms * 10 + (s[*i] - '0');
			(*i)++;
			n++;
		}
		for (int k = n; k < 3; k++)
			*ms *= 10;
		if (*i < len && ascii_isdigit(s[*i]))
			return -1;
		*flags |= DEVTIME_MSEC;
	}
	return 0;
}

static int
s_skip_spaces(const char *s, size_t len, size_t *i, size_t max)
{
	size_t n = 0;

	while (*i < len && s[*i] == ' ' && n < max) {
		(*i)++;
		n++;
	}
	return n > 0 ? 0 : -1;
}

/* A byte that may follow a stamp: not part of a longer word or number. */
static int
s_ends(const char *s, size_t len, size_t i)
{
	return i >= len || (!ascii_isalnum(s[i]) && s[i] != '.');
}

/*
 * A zone word after the time: " UTC", " EST", " UTC+2". Only taken when a
 * non-word byte follows it; otherwise the stamp ends before the space.
 */
static void
s_zone(const char *s, size_t len, size_t *i, struct devtime *out)
{
	size_t j = *i, start;

	if (j + 1 >= len || s[j] != ' ' || !ascii_isalpha(s[j + 1]))
		return;
	start = ++j;
	while (j < len && j - start < 8 && ascii_isalpha(s[j]))
		j++;
	if (j < len && (s[j] == '+' || s[j] == '-') && j + 1 < len &&
	    ascii_isdigit(s[j + 1])) {
		j++;
		while (j < len && j - start < 16 && (ascii_isdigit(s[j]) || s[j] == ':'))
			j++;
	} else if (j + 1 < len && s[j] == '-' && ascii_isalpha(s[j + 1])) {
		/* a summer-time name an admin configured: "MET-DST" */
		j++;
		while (j < len && j - start < 16 && ascii_isalpha(s[j]))
			j++;
	}
	if (j < len && (ascii_isalnum(s[j]) || s[j] == '.' || s[j] == '+' ||
	    s[j] == '-' || s[j] == '_'))
		return;
	out->zone_off = start;
	out->zone_len = j - start;
	*i = j;
}

/*
 * A local wall time (ms as if it were UTC) to UTC, with the zone word the
 * stamp has (or its absence): sets out->alt_ms and the zone flags.
 */
static int64_t
s_utc(const char *s, const struct devtime_opts *o, struct devtime *out,
    int64_t local)
{
	int off = 0, local_time = 0;

	out->flags &= ~(DEVTIME_AMBIGUOUS | DEVTIME_TZ);
	if (out->zone_len == 0) {
		out->flags |= DEVTIME_NO_ZONE;
		off = o ? o->default_offset_min : 0;
		local_time = 1;
	} else if (devtime_zone_offset(s + out->zone_off, out->zone_len, o,
	    &off) < 0) {
		/* a name the admin gave the zone ("clock timezone HQ -5") */
		out->flags |= DEVTIME_UNKNOWN_ZONE;
		off = 0;
		local_time = 1;
	}
	if (local_time && o != NULL && o->tz != NULL) {
		unsigned tf;
		int64_t t = tzfile_local_to_utc(o->tz, local, &out->alt_ms, &tf);

		out->flags |= DEVTIME_TZ;
		if (tf & TZFILE_AMBIGUOUS)
			out->flags |= DEVTIME_AMBIGUOUS;
		return t;
	}
	out->alt_ms = local - (int64_t)off * 60000;
	return out->alt_ms;
}

static int64_t
s_now(const struct devtime_opts *o)
{
	return (o != NULL && o->now_ms != 0) ? o->now_ms : util_wallms();
}

/* The UTC year of an epoch time (no libc: no locks, no time zone files). */
int64_t
devtime_year_of(int64_t ms)
{
	int64_t days = (ms >= 0 ? ms : ms - DAY_MS + 1) / DAY_MS + 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	return yoe + era * 400 + (mp >= 10);
}

/*
 * The most recent year that puts (mon, day, time), in the stamp's zone, at
 * most a day after now. -1 when none does (impossible date such as Feb 30).
 */
static int
s_infer(const char *s, const struct devtime_opts *o, struct devtime *out,
    int mon, int day, int h, int mi, int sec, int ms)
{
	int64_t now = s_now(o), y0 = devtime_year_of(now);

	for (int64_t y = y0 + 1; y >= y0 - MAX_YEARS_BACK; y--) {
		int64_t t;

		if (day > s_mdays(y, mon))
			continue;
		t = s_utc(s, o, out, devtime_civil_ms(y, mon, day, h, mi, sec, ms));
		if (t <= now + DAY_MS) {
			out->ms = t;
			return 0;
		}
	}
	return -1;
}

/* [*.]Mmm dd [YYYY ]HH:MM:SS[.f][ ZONE] */
static int
s_bsd(const char *s, size_t len, size_t i, unsigned accept,
    const struct devtime_opts *o, struct devtime *out)
{
	int mon, h, mi, sec, ms;
	int64_t day, year = -1, v;
	size_t save;

	if ((mon = devtime_month(s + i, len - i)) == 0)
		return -1;
	i += 3;
	if (s_skip_spaces(s, len, &i, 2) < 0)
		return -1;
	if (s_num(s, len, &i, 1, 2, &day) < 0 || day < 1 || day > 31)
		return -1;
	if (s_skip_spaces(s, len, &i, 2) < 0)
		return -1;
	save = i;
	if (s_fixed(s, len, &i, 4, &v) == 0 && i < len && s[i] == ' ') {
		year = v;
		i++;
	} else
		i = save;
	if (s_clock(s, len, &i, &h, &mi, &sec, &ms, &out->flags) < 0)
		return -1;
	if (accept & DEVTIME_ACCEPT_ZONE)
		s_zone(s, len, &i, out);
	if (!s_ends(s, len, i))
		return -1;
	if (year >= 0) {
		if (day > s_mdays(year, mon))
			return -1;
		out->ms = s_utc(s, o, out, devtime_civil_ms(year, mon, (int)day,
		    h, mi, sec, ms));
		out->style = DEVTIME_BSD_YEAR;
	} else {
		if (s_infer(s, o, out, mon, (int)day, h, mi, sec, ms) < 0)
			return -1;
		out->flags |= DEVTIME_YEAR_INFERRED;
		out->style = DEVTIME_BSD;
	}
	out->len = i;
	return 0;
}

/* YYYY Mmm dd HH:MM:SS[.f][ ZONE] (NX-OS) */
static int
s_year_first(const char *s, size_t len, size_t i, unsigned accept,
    const struct devtime_opts *o, struct devtime *out)
{
	int mon, h, mi, sec, ms;
	int64_t year, day;

	if (s_fixed(s, len, &i, 4, &year) < 0 || i >= len || s[i] != ' ')
		return -1;
	i++;
	if ((mon = devtime_month(s + i, len - i)) == 0)
		return -1;
	i += 3;
	if (s_skip_spaces(s, len, &i, 2) < 0)
		return -1;
	if (s_num(s, len, &i, 1, 2, &day) < 0 || day < 1 ||
	    day > s_mdays(year, mon))
		return -1;
	if (s_skip_spaces(s, len, &i, 2) < 0)
		return -1;
	if (s_clock(s, len, &i, &h, &mi, &sec, &ms, &out->flags) < 0)
		return -1;
	if (accept & DEVTIME_ACCEPT_ZONE)
		s_zone(s, len, &i, out);
	if (!s_ends(s, len, i))
		return -1;
	out->ms = s_utc(s, o, out, devtime_civil_ms(year, mon, (int)day, h, mi,
	    sec, ms));
	out->style = DEVTIME_YEAR_FIRST;
	out->len = i;
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS[.f][Z|+HH:MM] */
static int
s_iso(const char *s, size_t len, size_t i, const struct devtime_opts *o,
    struct devtime *out)
{
	int h, mi, sec, ms, off = 0;
	int64_t year, mon, day;
	size_t zs;

	if (s_fixed(s, len, &i, 4, &year) < 0 || i >= len || s[i++] != '-')
		return -1;
	if (s_fixed(s, len, &i, 2, &mon) < 0 || mon < 1 || mon > 12 ||
	    i >= len || s[i++] != '-')
		return -1;
	if (s_fixed(s, len, &i, 2, &day) < 0 || day < 1 ||
	    day > s_mdays(year, (int)mon) || i >= len || s[i++] != 'T')
		return -1;
	if (s_clock(s, len, &i, &h, &mi, &sec, &ms, &out->flags) < 0)
		return -1;
	zs = i;
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		size_t j = i + 1;

		while (j < len && j - i < 6 && (ascii_isdigit(s[j]) || s[j] == ':'))
			j++;
		if (s_offset(s + i, j - i, &off) < 0)
			return -1;
		i = j;
	}
	if (!s_ends(s, len, i))
		return -1;
	if (i > zs) {
		out->zone_off = zs;
		out->zone_len = i - zs;
		out->ms = out->alt_ms = devtime_civil_ms(year, (int)mon, (int)day,
		    h, mi, sec, ms) - (int64_t)off * 60000;
	} else
		out->ms = s_utc(s, o, out, devtime_civil_ms(year, (int)mon,
		    (int)day, h, mi, sec, ms));
	out->style = DEVTIME_ISO;
	out->len = i;
	return 0;
}

/* 123:45:06[.f], or 1w2d / 3d04h / 1y2w (two or three unit groups). */
static int
s_uptime(const char *s, size_t len, size_t i, struct devtime *out)
{
	size_t save = i;
	int64_t v;
	int groups = 0;

	if (s_num(s, len, &i, 1, 6, &v) == 0 && i < len && s[i] == ':') {
		int64_t mi, sec;
		int n = 0;

		i++;
		if (s_fixed(s, len, &i, 2, &mi) < 0 || mi > 59 || i >= len ||
		    s[i++] != ':')
			return -1;
		if (s_fixed(s, len, &i, 2, &sec) < 0 || sec > 59)
			return -1;
		if (i + 1 < len && s[i] == '.' && ascii_isdigit(s[i + 1])) {
			i++;
			while (i < len && ascii_isdigit(s[i]) && n++ < 9)
				i++;
			out->flags |= DEVTIME_MSEC;
		}
		if (!s_ends(s, len, i))
			return -1;
		out->len = i;
		out->style = DEVTIME_UPTIME;
		return 0;
	}
	i = save;
	while (groups < 3) {
		size_t g = i;

		if (s_num(s, len, &i, 1, 4, &v) < 0 || i >= len ||
		    strchr("ywdhm", s[i]) == NULL || s[i] == '\0') {
			i = g;
			break;
		}
		i++;
		groups++;
	}
	if (groups < 2 || !s_ends(s, len, i))
		return -1;
	out->len = i;
	out->style = DEVTIME_UPTIME;
	return 0;
}

int
devtime_parse(const char *s, size_t len, unsigned accept,
    const struct devtime_opts *o, struct devtime *out)
{
	size_t i = 0;
	unsigned mark = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return -1;
	if ((accept & DEVTIME_ACCEPT_MARK) && (s[0] == '*' || s[0] == '.')) {
		mark = s[0] == '*' ? DEVTIME_UNSYNCED : DEVTIME_LOSTSYNC;
		i = 1;
	}
	out->flags = mark;
	if (i < len && ascii_isalpha(s[i])) {
		if (s_bsd(s, len, i, accept, o, out) == 0)
			return 0;
	} else if (i < len && ascii_isdigit(s[i])) {
		if (len - i > 4 && s[i + 4] == ' ' &&
		    s_year_first(s, len, i, accept, o, out) == 0)
			return 0;
		memset(out, 0, sizeof(*out));
		out->flags = mark;
		if (len - i > 4 && s[i + 4] == '-' && s_iso(s, len, i, o, out) == 0)
			return 0;
		memset(out, 0, sizeof(*out));
		out->flags = mark;
		if ((accept & DEVTIME_ACCEPT_UPTIME) &&
		    s_uptime(s, len, i, out) == 0)
			return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}
