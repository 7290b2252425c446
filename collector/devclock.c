/*
 * devclock.c — the device's clock against the collector's (see devclock.h).
 *
 * The answers are a line or three, read once an hour per device: clarity
 * over speed, lines copied out and scanned with sscanf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/devclock.h"
#include "collector/tzfile.h"

#define QUARTER_MS	(15 * 60000LL)
#define LINE_MAX_	160

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat" };

static int
s_is_wday(const char *w)
{
	for (int i = 0; i < 7; i++)
		if (strcmp(w, wdays[i]) == 0)
			return 1;
	return 0;
}

/* The next line of out at *pos into line (cut to its size); 0 at the end. */
static int
s_next_line(const char *out, size_t len, size_t *pos, char *line)
{
	size_t n = 0;

	if (*pos >= len)
		return 0;
	while (*pos < len && out[*pos] != '\n') {
		if (out[*pos] != '\r' && n < LINE_MAX_ - 1)
			line[n++] = out[*pos];
		(*pos)++;
	}
	if (*pos < len)
		(*pos)++;
	line[n] = '\0';
	return 1;
}

static int
s_valid(int y, int mon, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 2200 && mon >= 1 && mon <= 12 && d >= 1 &&
	    d <= 31 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 &&
	    s <= 60;
}

/* "[*.]18:57:38.347 UTC Mon Oct 19 2015" */
static int
s_cisco(const char *line, int64_t *local, char *zone, unsigned *flags)
{
	const char *p = line;
	char w1[32], w2[8], w3[8];
	int h, mi, s, ms = 0, d, y, n = 0, k, mon;

	if (*p == '*' || *p == '.') {
		*flags |= *p == '*' ? DEVCLOCK_UNSYNCED : DEVCLOCK_LOSTSYNC;
		p++;
	}
	if (sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &s, &n) != 3)
		return -1;
	p += n;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits++ < 3)
				ms = ms * 10 + (*p - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	k = sscanf(p, " %31s %7s %7s %d %d", w1, w2, w3, &d, &y);
	if (k == 5 && s_is_wday(w2)) {
		mon = devtime_month(w3, strlen(w3));
		snprintf(zone, 32, "%s", w1);
	} else if (sscanf(p, " %7s %7s %d %d", w2, w3, &d, &y) == 4 &&
	    s_is_wday(w2)) {
		mon = devtime_month(w3, strlen(w3));	/* no zone word */
		zone[0] = '\0';
	} else
		return -1;
	if (strlen(w3) != 3 || !s_valid(y, mon, d, h, mi, s))
		return -1;
	*local = devtime_civil_ms(y, mon, d, h, mi, s, ms);
	return 0;
}

/* "Mon Jan 14 18:42:49 2013", zone on a later line */
static int
s_eos(const char *line, int64_t *local)
{
	char wd[8], mo[8];
	int d, h, mi, s, y, mon;

	if (sscanf(line, "%7s %7s %d %d:%d:%d %d", wd, mo, &d, &h, &mi, &s,
	    &y) != 7 || !s_is_wday(wd) || strlen(mo) != 3)
		return -1;
	mon = devtime_month(mo, 3);
	if (!s_valid(y, mon, d, h, mi, s))
		return -1;
	*local = devtime_civil_ms(y, mon, d, h, mi, s, 0);
	return 0;
}

/* "Current time: 2021-08-31 08:48:11 MSK" */
static int
s_junos(const char *line, int64_t *local, char *zone)
{
	int y, mon, d, h, mi, s, k;

	zone[0] = '\0';
	k = sscanf(line, "Current time: %d-%d-%d %d:%d:%d %31s", &y, &mon, &d,
	    &h, &mi, &s, zone);
	if (k < 6 || !s_valid(y, mon, d, h, mi, s))
		return -1;
	if (k == 6)
		zone[0] = '\0';
	*local = devtime_civil_ms(y, mon, d, h, mi, s, 0);
	return 0;
}

/* The clock's local reading and zone word from the answer. */
static int
s_read(enum platform_id pf, const char *out, size_t len, struct devclock *c)
{
	char line[LINE_MAX_];
	size_t pos = 0;
	int found = 0;

	while (s_next_line(out, len, &pos, line)) {
		switch (pf) {
		case PLATFORM_ARISTA_EOS:
			if (!found) {
				found = s_eos(line, &c->local_ms) == 0;
			} else if (strncmp(line, "Timezone: ", 10) == 0) {
				snprintf(c->zone, sizeof(c->zone), "%.31s", line + 10);
			} else if (strncmp(line, "timezone is ", 12) == 0) {
				snprintf(c->zone, sizeof(c->zone), "%.31s", line + 12);
			}
			break;
		case PLATFORM_JUNIPER_JUNOS:
			if (s_junos(line, &c->local_ms, c->zone) == 0)
				return 0;
			break;
		default:
			/* XR's date line ("Sat Nov 22 ...") does not match */
			if (s_cisco(line, &c->local_ms, c->zone, &c->flags) == 0)
				return 0;
			break;
		}
	}
	if (found) {
		/* trailing spaces of the zone line */
		size_t n = strlen(c->zone);

		while (n > 0 && c->zone[n - 1] == ' ')
			c->zone[--n] = '\0';
		return 0;
	}
	return -1;
}

/* The offset of the clock's reading, from its zone; -1 when unknown. */
static int
s_offset(const struct devclock *c, const struct devtime_opts *o, int *off)
{
	struct tzfile *z;
	char err[160];
	int64_t utc;

	if (c->zone[0] != '\0' &&
	    devtime_zone_offset(c->zone, strlen(c->zone), o, off) == 0)
		return 0;
	if (c->zone[0] != '\0' && strchr(c->zone, '/') != NULL &&
	    (z = tzfile_load(c->zone, err, sizeof(err))) != NULL) {
		utc = tzfile_local_to_utc(z, c->local_ms, NULL, NULL);
		tzfile_free(&z);
		*off = (int)((c->local_ms - utc) / 60000);
		return 0;
	}
	if (o != NULL && o->tz != NULL) {
		utc = tzfile_local_to_utc(o->tz, c->local_ms, NULL, NULL);
		*off = (int)((c->local_ms - utc) / 60000);
		return 0;
	}
	return -1;
}

int
devclock_measure(enum platform_id pf, const char *out, size_t len,
    const struct devtime_opts *o, int64_t ref_ms, struct devclock *c,
    char *err, size_t errlen)
{
	int off;

	memset(c, 0, sizeof(*c));
	if ((unsigned)pf >= PLATFORM__COUNT || platform_get(pf)->clock_cmd == NULL) {
		snprintf(err, errlen, "the platform has no clock command");
		return -1;
	}
	if (out == NULL || s_read(pf, out, len, c) < 0) {
		size_t n = len < 60 ? len : 60;

		snprintf(err, errlen, "'%s' answered something that is not a "
		    "clock: \"%.*s\"", platform_get(pf)->clock_cmd, (int)n,
		    out ? out : "");
		for (char *p = err; *p; p++)
			if (*p == '\r' || *p == '\n')
				*p = ' ';
		return -1;
	}
	if (s_offset(c, o, &off) < 0) {
		/* a zone word no table knows ("HQ", "MET-DST"): the quarter
		 * hour nearest to what the clock says */
		int64_t d = c->local_ms - ref_ms;

		d = (d >= 0 ? d + QUARTER_MS / 2 : d - QUARTER_MS / 2) /
		    QUARTER_MS * QUARTER_MS;
		off = (int)(d / 60000);
		c->flags |= DEVCLOCK_INFERRED;
	}
	c->offset_min = off;
	c->device_ms = c->local_ms - (int64_t)off * 60000;
	c->skew_ms = c->device_ms - ref_ms;
	return 0;
}
