/*
 * tzfile.c — zone files of the tz database (see tzfile.h; the format is
 * RFC 8536).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/tzfile.h"
#include "common/util.h"

#define TZ_FILE_MAX	(256 * 1024)	/* the largest zones are ~4 KB */
#define TZ_MAX_ABBR	32
#define HOUR_MS		3600000LL
#define DAY_MS		86400000LL
#define TZ_MS_LIMIT	(400000LL * 366 * DAY_MS)	/* 400 000 years */

struct tz_type {
	int32_t utoff;		/* seconds east of UTC */
	uint8_t isdst;
	uint8_t abbr;		/* index into chars */
};

/* One end of a POSIX TZ daylight-saving rule: when, in local time. */
struct tz_when {
	char    kind;		/* 'M' (Mm.w.d), 'J' (Jn, no Feb 29), 'n' (0-365) */
	int     mon, week, wday, day;
	int32_t secs;		/* time of day, may be negative or past 24h */
};

struct tzfile {
	char           *name;
	int64_t        *trans;	/* transition times, seconds, ascending */
	uint8_t        *tidx;	/* the type each transition starts */
	size_t          ntrans;
	struct tz_type *types;
	size_t          ntypes;
	char           *chars;	/* NUL-separated abbreviations */
	size_t          nchars;
	/* The footer rule, for times after the last transition. */
	int             has_rule;	/* 0 none, 1 fixed std only, 2 with dst */
	int32_t         std_off, dst_off;	/* seconds east */
	struct tz_when  start, end;
	char            std_name[16], dst_name[16];
	struct devtime_zone abbrevs[TZ_MAX_ABBR];
	char            abbr_store[TZ_MAX_ABBR][16];
	size_t          nabbrevs;
};

/* ---- reading the file ---------------------------------------------------- */

static uint32_t
s_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
s_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)s_be32(p) << 32 | s_be32(p + 4));
}

/* An IANA name: relative, no "..", only the bytes zone names use. */
static int
s_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 128 || name[0] == '/' || name[0] == '.' ||
	    strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
		    c == '+' || c == '.'))
			return 0;
	}
	return 1;
}

/* [+-]hh[:mm[:ss]] at *s: seconds. */
static int
s_hms(const char **s, int32_t *out)
{
	const char *p = *s;
	int sign = 1;
	long v[3] = { 0, 0, 0 };

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (int k = 0; k < 3; k++) {
		int nd = 0;

		if (k > 0) {
			if (*p != ':')
				break;
			p++;
		}
		while (*p >= '0' && *p <= '9' && nd < 3) {
			v[k] = v[k] * 10 + (*p++ - '0');
			nd++;
		}
		if (nd == 0 || v[k] > (k == 0 ? 167 : 59))
			return -1;
	}
	*out = (int32_t)(sign * (v[0] * 3600 + v[1] * 60 + v[2]));
	*s = p;
	return 0;
}

/* A zone name of the footer: letters, or <...> quoted. */
static int
s_tzname(const char **s, char *out, size_t outlen)
{
	const char *p = *s, *start;
	size_t n;

	if (*p == '<') {
		start = ++p;
		while (*p && *p != '>')
			p++;
		if (*p != '>')
			return -1;
		n = (size_t)(p - start);
		p++;
	} else {
		start = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		n = (size_t)(p - start);
	}
	if (n < 3 || n >= outlen)
		return -1;
	memcpy(out, start, n);
	out[n] = '\0';
	*s = p;
	return 0;
}

static int
s_num(const char **s, int lo, int hi, int *out)
{
	const char *p = *s;
	int v = 0, nd = 0;

	while (*p >= '0' && *p <= '9' && nd < 4) {
		v = v * 10 + (*p++ - '0');
		nd++;
	}
	if (nd == 0 || v < lo || v > hi)
		return -1;
	*out = v;
	*s = p;
	return 0;
}

static int
s_when(const char **s, struct tz_when *w)
{
	const char *p = *s;

	memset(w, 0, sizeof(*w));
	w->secs = 7200;	/* 02:00 unless told */
	if (*p == 'M') {
		p++;
		w->kind = 'M';
		if (s_num(&p, 1, 12, &w->mon) < 0 || *p++ != '.' ||
		    s_num(&p, 1, 5, &w->week) < 0 || *p++ != '.' ||
		    s_num(&p, 0, 6, &w->wday) < 0)
			return -1;
	} else if (*p == 'J') {
		p++;
		w->kind = 'J';
		if (s_num(&p, 1, 365, &w->day) < 0)
			return -1;
	} else {
		w->kind = 'n';
		if (s_num(&p, 0, 365, &w->day) < 0)
			return -1;
	}
	if (*p == '/') {
		p++;
		if (s_hms(&p, &w->secs) < 0)
			return -1;
	}
	*s = p;
	return 0;
}

/* Offsets on Earth, so that no sum with them can overflow. */
static int
s_off_ok(int32_t secs)
{
	return secs >= -25 * 3600 && secs <= 26 * 3600;
}

/* "EST5EDT,M3.2.0,M11.1.0", "<+03>-3", "CET-1CEST,M3.5.0,M10.5.0/3". */
static int
s_footer(struct tzfile *z, const char *s)
{
	int32_t off;

	if (*s == '\0')
		return 0;
	if (s_tzname(&s, z->std_name, sizeof(z->std_name)) < 0 ||
	    s_hms(&s, &off) < 0)
		return -1;
	z->std_off = -off;	/* POSIX counts west */
	if (!s_off_ok(z->std_off))
		return -1;
	z->has_rule = 1;
	if (*s == '\0')
		return 0;
	if (s_tzname(&s, z->dst_name, sizeof(z->dst_name)) < 0)
		return -1;
	z->dst_off = z->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if (s_hms(&s, &off) < 0)
			return -1;
		z->dst_off = -off;
	}
	if (*s++ != ',' || s_when(&s, &z->start) < 0 || *s++ != ',' ||
	    s_when(&s, &z->end) < 0 || *s != '\0')
		return -1;
	z->has_rule = 2;
	return s_off_ok(z->dst_off) ? 0 : -1;
}

/*
 * The data block at p (version 1: 4-byte times, else 8) into z; *used gets
 * its size. Returns -1 when it does not fit in n bytes or is inconsistent.
 */
static int
s_block(struct tzfile *z, const unsigned char *p, size_t n, int wide,
    size_t *used)
{
	size_t tsz = wide ? 8 : 4, cnt[6], need;

	if (n < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	for (int k = 0; k < 6; k++)
		cnt[k] = s_be32(p + 20 + 4 * k);
	/* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
	if (cnt[4] == 0 || cnt[4] > 256 || cnt[3] > 100000 || cnt[5] > 4096 ||
	    cnt[2] > 10000)
		return -1;
	need = 44 + cnt[3] * tsz + cnt[3] + cnt[4] * 6 + cnt[5] +
	    cnt[2] * (tsz + 4) + cnt[1] + cnt[0];
	if (need > n)
		return -1;
	*used = need;
	if (!wide && p[4] >= '2')
		return 0;	/* the 64-bit block that follows is the one */
	p += 44;
	z->ntrans = cnt[3];
	z->trans = xcalloc(cnt[3] + 1, sizeof(*z->trans));
	z->tidx = xcalloc(cnt[3] + 1, 1);
	for (size_t i = 0; i < cnt[3]; i++) {
		z->trans[i] = wide ? s_be64(p + i * 8) : (int32_t)s_be32(p + i * 4);
		if (i > 0 && z->trans[i] <= z->trans[i - 1])
			return -1;
	}
	p += cnt[3] * tsz;
	memcpy(z->tidx, p, cnt[3]);
	for (size_t i = 0; i < cnt[3]; i++)
		if (z->tidx[i] >= cnt[4])
			return -1;
	p += cnt[3];
	z->ntypes = cnt[4];
	z->types = xcalloc(cnt[4], sizeof(*z->types));
	for (size_t i = 0; i < cnt[4]; i++, p += 6) {
		z->types[i].utoff = (int32_t)s_be32(p);
		z->types[i].isdst = p[4];
		z->types[i].abbr = p[5];
		if (p[5] >= cnt[5] || p[4] > 1 || !s_off_ok(z->types[i].utoff))
			return -1;
	}
	z->nchars = cnt[5];
	z->chars = xmalloc(cnt[5] + 1);
	memcpy(z->chars, p, cnt[5]);
	z->chars[cnt[5]] = '\0';
	return 0;
}

/* Name and offset pairs devices in this zone write, newest rules first. */
static void
s_add_abbr(struct tzfile *z, const char *name, int32_t utoff)
{
	size_t len = strlen(name);

	/* numeric designations ("+03", "-0330") are no zone words */
	if (len < 2 || len >= sizeof(z->abbr_store[0]) || name[0] == '+' ||
	    name[0] == '-' || strcmp(name, "LMT") == 0 ||
	    z->nabbrevs == TZ_MAX_ABBR)
		return;
	for (size_t i = 0; i < z->nabbrevs; i++)
		if (strcmp(z->abbrevs[i].name, name) == 0)
			return;
	memcpy(z->abbr_store[z->nabbrevs], name, len + 1);
	z->abbrevs[z->nabbrevs].name = z->abbr_store[z->nabbrevs];
	z->abbrevs[z->nabbrevs].offset_min = utoff / 60;
	z->nabbrevs++;
}

static void
s_collect_abbrevs(struct tzfile *z)
{
	if (z->has_rule >= 1)
		s_add_abbr(z, z->std_name, z->std_off);
	if (z->has_rule == 2)
		s_add_abbr(z, z->dst_name, z->dst_off);
	for (size_t i = z->ntrans; i-- > 0;) {
		const struct tz_type *t = &z->types[z->tidx[i]];

		s_add_abbr(z, z->chars + t->abbr, t->utoff);
	}
	for (size_t i = 0; i < z->ntypes; i++)
		s_add_abbr(z, z->chars + z->types[i].abbr, z->types[i].utoff);
}

static int
s_parse(struct tzfile *z, const unsigned char *data, size_t len)
{
	size_t used = 0, used2 = 0;

	if (s_block(z, data, len, 0, &used) < 0)
		return -1;
	if (data[4] >= '2') {
		const char *f, *nl;

		if (s_block(z, data + used, len - used, 1, &used2) < 0)
			return -1;
		used += used2;
		/* footer: "\nTZ\n" */
		if (used >= len || data[used] != '\n')
			return -1;
		f = (const char *)data + used + 1;
		nl = memchr(f, '\n', len - used - 1);
		if (nl == NULL || nl - f > 64) {
			return -1;
		} else {
			char tz[65];

			memcpy(tz, f, (size_t)(nl - f));
			tz[nl - f] = '\0';
			if (s_footer(z, tz) < 0)
				return -1;
		}
	}
	s_collect_abbrevs(z);
	return 0;
}

struct tzfile *
tzfile_load(const char *name, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	unsigned char *data = NULL;
	struct tzfile *z;
	size_t len = 0;
	FILE *f;

	if (name == NULL || !s_name_ok(name)) {
		snprintf(err, errlen, "time zone '%.64s' is not a zone name such "
		    "as Europe/Berlin or America/New_York", name ? name : "");
		return NULL;
	}
	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "time zone '%s' is unknown: %s: %s", name,
		    path, strerror(errno));
		return NULL;
	}
	data = xmalloc(TZ_FILE_MAX + 1);
	len = fread(data, 1, TZ_FILE_MAX + 1, f);
	fclose(f);
	z = tzfile_from_bytes(name, data, len, err, errlen);
	free(data);
	if (z == NULL)
		snprintf(err, errlen, "time zone '%s': %s is not a valid tz "
		    "database file", name, path);
	return z;
}

struct tzfile *
tzfile_from_bytes(const char *name, const void *data, size_t len, char *err,
    size_t errlen)
{
	struct tzfile *z = xcalloc(1, sizeof(*z));

	z->name = xstrdup(name ? name : "");
	if (len > TZ_FILE_MAX || s_parse(z, data, len) < 0) {
		snprintf(err, errlen, "time zone '%s': not a valid tz database "
		    "file", z->name);
		tzfile_free(&z);
	}
	return z;
}

void
tzfile_free(struct tzfile **zp)
{
	struct tzfile *z;

	if (zp == NULL || (z = *zp) == NULL)
		return;
	free(z->name);
	free(z->trans);
	free(z->tidx);
	free(z->types);
	free(z->chars);
	free(z);
	*zp = NULL;
}

const char *
tzfile_name(const struct tzfile *z)
{
	return z->name;
}

const struct devtime_zone *
tzfile_abbrevs(const struct tzfile *z, size_t *n)
{
	*n = z->nabbrevs;
	return z->abbrevs;
}

/* ---- lookups ------------------------------------------------------------- */

static int
s_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Local seconds since the epoch at which rule end w falls in year y. */
static int64_t
s_when_local(const struct tz_when *w, int64_t y)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int64_t day0;	/* days since the epoch of the date */

	if (w->kind == 'M') {
		int64_t first = devtime_civil_ms(y, w->mon, 1, 0, 0, 0, 0) / DAY_MS;
		int wd = (int)(((first + 4) % 7 + 7) % 7);	/* 1970-01-01: Thu */
		int d = 1 + (w->wday - wd + 7) % 7 + 7 * (w->week - 1);
		int md = mdays[w->mon - 1] + (w->mon == 2 && s_leap(y));

		while (d > md)
			d -= 7;
		day0 = first + d - 1;
	} else {
		int n = w->day;

		if (w->kind == 'J')
			n = n - 1 + (s_leap(y) && n >= 60);
		day0 = devtime_civil_ms(y, 1, 1, 0, 0, 0, 0) / DAY_MS + n;
	}
	return day0 * 86400 + w->secs;
}

/* The footer rule's offset (seconds) at t seconds UTC. */
static int32_t
s_rule_offset(const struct tzfile *z, int64_t t, int *isdst)
{
	int64_t y, start, end;
	int in;

	*isdst = 0;
	if (z->has_rule == 1)
		return z->std_off;
	y = devtime_year_of((t + z->std_off) * 1000);
	/* the start is written in standard time, the end in daylight time */
	start = s_when_local(&z->start, y) - z->std_off;
	end = s_when_local(&z->end, y) - z->dst_off;
	if (start < end)
		in = t >= start && t < end;
	else
		in = !(t >= end && t < start);
	*isdst = in;
	return in ? z->dst_off : z->std_off;
}

int
tzfile_offset_at(const struct tzfile *z, int64_t utc_ms, int *isdst)
{
	int64_t t;
	const struct tz_type *ty;
	size_t lo = 0, hi = z->ntrans;
	int dst = 0;
	int32_t off;

	/* far outside any calendar a device writes: clamped, so that the
	 * arithmetic below cannot overflow */
	if (utc_ms > TZ_MS_LIMIT)
		utc_ms = TZ_MS_LIMIT;
	if (utc_ms < -TZ_MS_LIMIT)
		utc_ms = -TZ_MS_LIMIT;
	t = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);

	if (z->ntrans == 0 || t < z->trans[0]) {
		if (z->ntrans == 0 && z->has_rule) {
			off = s_rule_offset(z, t, &dst);
		} else {
			ty = &z->types[0];
			off = ty->utoff;
			dst = ty->isdst;
		}
	} else if (t >= z->trans[z->ntrans - 1] && z->has_rule) {
		off = s_rule_offset(z, t, &dst);
	} else {
		/* the last transition at or before t */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (z->trans[mid] <= t)
				lo = mid;
			else
				hi = mid;
		}
		ty = &z->types[z->tidx[lo]];
		off = ty->utoff;
		dst = ty->isdst;
	}
	if (isdst != NULL)
		*isdst = dst;
	return off / 60;
}

int64_t
tzfile_local_to_utc(const struct tzfile *z, int64_t local_ms, int64_t *alt,
    unsigned *flags)
{
	/* Offsets never change twice within a day: the ones in effect a day
	 * either side are the only candidates. */
	int64_t o1, o2, c1, c2, first, second;
	int ok1, ok2;
	unsigned fl = 0;

	if (local_ms > TZ_MS_LIMIT)
		local_ms = TZ_MS_LIMIT;
	if (local_ms < -TZ_MS_LIMIT)
		local_ms = -TZ_MS_LIMIT;
	o1 = (int64_t)tzfile_offset_at(z, local_ms - DAY_MS, NULL) * 60000;
	o2 = (int64_t)tzfile_offset_at(z, local_ms + DAY_MS, NULL) * 60000;
	if (o1 == o2) {
		/* no change within a day either side: the one reading */
		if (alt != NULL)
			*alt = local_ms - o1;
		if (flags != NULL)
			*flags = 0;
		return local_ms - o1;
	}
	c1 = local_ms - o1;
	c2 = local_ms - o2;
	ok1 = (int64_t)tzfile_offset_at(z, c1, NULL) * 60000 == o1;
	ok2 = (int64_t)tzfile_offset_at(z, c2, NULL) * 60000 == o2;

	if (ok1 && ok2 && c1 != c2) {
		fl = TZFILE_AMBIGUOUS;
		first = c1 < c2 ? c1 : c2;
		second = c1 < c2 ? c2 : c1;
	} else if (ok1 || ok2) {
		first = second = ok1 ? c1 : c2;
	} else {
		fl = TZFILE_SKIPPED;
		first = second = c1;	/* the offset before the change */
	}
	if (alt != NULL)
		*alt = second;
	if (flags != NULL)
		*flags = fl;
	return first;
}
