/*
 * zone.c — a simulated device's clock: how far it is from true time
 * (clock_offset) and the zone it shows its time in (timezone), so that
 * devsim can play devices that log in local time, daylight saving time
 * included, while its journal keeps true UTC.
 *
 * The zone's offsets come from the C library (an implementation of the tz
 * database independent of loghaul's own reader, which the tests hold
 * against this). TZ is process-wide and localtime() is not safe to switch
 * zones under, so each zoned device gets a table of its offsets and
 * abbreviations, built with TZ set while devsim is still single-threaded
 * (spec loading); sessions and the generator only read the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

#define SPAN_STEP	3600		/* offsets change on the hour or half */
#define SPAN_BACK	(4LL * 366 * 86400)
#define SPAN_AHEAD	(2LL * 366 * 86400)

struct zone_span {
	int64_t from;		/* UTC seconds from which this holds */
	int32_t off;		/* seconds east */
	char    abbr[12];
};

struct zone {
	struct zone_span *v;
	size_t            n;
};

static void
s_at(time_t t, int32_t *off, char *abbr, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	*off = (int32_t)tm.tm_gmtoff;
	snprintf(abbr, len, "%s", tm.tm_zone ? tm.tm_zone : "UTC");
}

static void
s_push(struct zone *z, int64_t from, int32_t off, const char *abbr)
{
	z->v = xrealloc(z->v, (z->n + 1) * sizeof(*z->v));
	z->v[z->n].from = from;
	z->v[z->n].off = off;
	snprintf(z->v[z->n].abbr, sizeof(z->v[z->n].abbr), "%s", abbr);
	z->n++;
}

int
zone_load(struct device *d, const char *name, char *err, size_t errlen)
{
	const char *old = getenv("TZ"), *dir = getenv("TZDIR");
	char *saved = old ? xstrdup(old) : NULL, path[512], abbr[12], a2[12];
	struct zone *z;
	struct stat st;
	int64_t now = util_wallms() / 1000, t;
	int32_t off, o2;

	/* glibc takes an unknown name for UTC without a word: look first */
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir :
	    "/usr/share/zoneinfo", name);
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "unknown time zone '%s'", name);
		free(saved);
		return -1;
	}
	setenv("TZ", name, 1);
	tzset();
	z = xcalloc(1, sizeof(*z));
	t = now - SPAN_BACK;
	s_at((time_t)t, &off, abbr, sizeof(abbr));
	s_push(z, INT64_MIN, off, abbr);
	for (; t < now + SPAN_AHEAD; t += SPAN_STEP) {
		int64_t lo = t, hi = t + SPAN_STEP;

		s_at((time_t)hi, &o2, a2, sizeof(a2));
		if (o2 == off && strcmp(a2, abbr) == 0)
			continue;
		/* the first second of the new offset */
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			int32_t om;
			char am[12];

			s_at((time_t)mid, &om, am, sizeof(am));
			if (om == off && strcmp(am, abbr) == 0)
				lo = mid;
			else
				hi = mid;
		}
		s_at((time_t)hi, &off, abbr, sizeof(abbr));
		s_push(z, hi, off, abbr);
	}
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	zone_free(d);
	d->zone = z;
	free(d->tz);
	d->tz = xstrdup(name);
	return 0;
}

void
zone_free(struct device *d)
{
	if (d->zone != NULL) {
		free(d->zone->v);
		free(d->zone);
		d->zone = NULL;
	}
	free(d->tz);
	d->tz = NULL;
}

int64_t
zone_clock(const struct device *d, int64_t t_ms, struct tm *tm,
    const char **abbr)
{
	int64_t shown = t_ms + d->clock_offset_ms, local = shown;
	time_t lt;

	*abbr = "UTC";
	if (d->zone != NULL) {
		const struct zone *z = d->zone;
		int64_t s = shown >= 0 ? shown / 1000 : -((-shown + 999) / 1000);
		size_t lo = 0, hi = z->n;

		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (z->v[mid].from <= s)
				lo = mid;
			else
				hi = mid;
		}
		local = shown + (int64_t)z->v[lo].off * 1000;
		*abbr = z->v[lo].abbr;
	}
	lt = (time_t)(local >= 0 ? local / 1000 : -((-local + 999) / 1000));
	gmtime_r(&lt, tm);
	return shown;
}
