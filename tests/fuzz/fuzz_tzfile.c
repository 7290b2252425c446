/*
 * fuzz_tzfile.c — libFuzzer target for the tz database file reader.
 *
 * The input is a zone file (RFC 8536). What the reader accepts must answer
 * every lookup with an offset on Earth (-25 h .. +26 h), a local time that
 * converts back to a UTC time within that offset of it, a second reading
 * of a repeated hour no earlier than the first, and abbreviations that are
 * short, NUL-terminated words.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/tzfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_die(const char *what)
{
	fprintf(stderr, "fuzz_tzfile: %s\n", what);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 1901 .. 2100, and the edges of what the reader clamps */
	static const int64_t at[] = { -2145916800000LL, -1LL, 0, 1, 946684800000LL,
	    1772953200000LL, 1793509200000LL, 2147483647000LL, 4102444800000LL,
	    INT64_MAX, INT64_MIN };
	struct tzfile *z;
	const struct devtime_zone *ab;
	char err[256];
	size_t n;

	err[0] = '\0';
	z = tzfile_from_bytes("Fuzz/Zone", data, size, err, sizeof err);
	if (z == NULL) {
		if (err[0] == '\0')
			s_die("refused without a reason");
		return 0;
	}
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		int isdst = -1, off = tzfile_offset_at(z, at[i], &isdst);
		int64_t alt, utc;
		unsigned fl;

		if (off < -25 * 60 || off > 26 * 60 || (isdst != 0 && isdst != 1))
			s_die("offset off Earth");
		if (at[i] == INT64_MAX || at[i] == INT64_MIN)
			continue;
		utc = tzfile_local_to_utc(z, at[i], &alt, &fl);
		if (alt < utc || (!(fl & TZFILE_AMBIGUOUS) && alt != utc))
			s_die("second reading before the first");
		if (at[i] - utc < -25 * 3600000LL - 86400000LL ||
		    at[i] - utc > 26 * 3600000LL + 86400000LL)
			s_die("local time far from its UTC reading");
	}
	ab = tzfile_abbrevs(z, &n);
	for (size_t i = 0; i < n; i++)
		if (ab[i].name == NULL || strlen(ab[i].name) >= 16 ||
		    ab[i].offset_min < -25 * 60 || ab[i].offset_min > 26 * 60)
			s_die("bad abbreviation");
	tzfile_free(&z);
	return 0;
}
