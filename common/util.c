#include <ctype.h>
#include <inttypes.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"

enum cerr
util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return CERR_PARSE;
	if (*s == '-' && min >= 0)
		return CERR_RANGE;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return CERR_PARSE;
	if (errno == ERANGE || v < min || v > max)
		return CERR_RANGE;
	*out = v;
	return CERR_OK;
}

enum cerr
util_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (s && *s == '-') ? CERR_RANGE : CERR_PARSE;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return CERR_PARSE;
	if (errno == ERANGE || v > max)
		return CERR_RANGE;
	*out = v;
	return CERR_OK;
}

enum cerr
util_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return CERR_PARSE;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0')
		return CERR_PARSE;
	if (errno == ERANGE || !isfinite(v))
		return CERR_RANGE;
	*out = v;
	return CERR_OK;
}

/* Reads one "<number><unit>" term; returns the milliseconds it is worth. */
static enum cerr
s_duration_term(const char **sp, double *ms)
{
	const char *s = *sp;
	char *end;
	double v, mult;

	if (!isdigit((unsigned char)*s) && *s != '.')
		return *s == '-' ? CERR_RANGE : CERR_PARSE;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return CERR_PARSE;
	s = end;
	if (strncmp(s, "ms", 2) == 0) {
		mult = 1;
		s += 2;
	} else if (*s == 's') {
		mult = 1e3;
		s++;
	} else if (*s == 'm') {
		mult = 60e3;
		s++;
	} else if (*s == 'h') {
		mult = 3600e3;
		s++;
	} else if (*s == 'd') {
		mult = 86400e3;
		s++;
	} else {
		return CERR_PARSE;
	}
	*ms = v * mult;
	*sp = s;
	return CERR_OK;
}

enum cerr
util_parse_duration_ms(const char *s, uint64_t *out_ms)
{
	const char *p = s;
	double total = 0, ms;
	enum cerr e;
	int bare;

	if (s == NULL || *s == '\0')
		return CERR_PARSE;
	/* A bare number is only allowed alone, not inside "1m30". */
	bare = strspn(s, "0123456789.") == strlen(s);
	if (bare) {
		double v;
		if ((e = util_parse_double(s, &v)) != CERR_OK)
			return e;
		total = v * 1e3;
	} else {
		while (*p) {
			const char *start = p;
			if ((e = s_duration_term(&p, &ms)) != CERR_OK)
				return e;
			if (p == start)
				return CERR_PARSE;
			total += ms;
		}
	}
	if (total < 0 || total > 9.2e15)
		return CERR_RANGE;
	*out_ms = (uint64_t)llround(total);
	return CERR_OK;
}

enum cerr
util_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v, mult = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return (s && *s == '-') ? CERR_RANGE : CERR_PARSE;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE)
		return CERR_RANGE;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': mult = 1024.0; end++; break;
	case 'M': mult = 1024.0 * 1024; end++; break;
	case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	default: return CERR_PARSE;
	}
	if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0 ||
	    strcmp(end, "b") == 0))
		end += strlen(end);
	if (mult == 1 && (*end == 'B' || *end == 'b'))
		end++;
	if (*end != '\0')
		return CERR_PARSE;
	v *= mult;
	if (v > 1.8e19)
		return CERR_RANGE;
	*out = (uint64_t)v;
	return CERR_OK;
}

double
util_monotime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t
util_wallms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc %zu", nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("realloc %zu", n);
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		fatal("strndup");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0)
		fatal("asprintf");
	return p;
}

uint64_t
util_hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

int
util_mkdir_p(const char *dir, unsigned mode)
{
	char *p = xstrdup(dir), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
			rc = -1;
		else if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
			errno = EEXIST;
			rc = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/*
 * A file name from a device name: letters, digits, '-', '_' and '.' (not
 * leading) stay, anything else becomes %XX, so "../x" or "a/b" cannot leave
 * the state directory and two names never map to one file. Very long names
 * are cut and get a hash of the whole name.
 */
char *
util_safe_name(const char *device)
{
	size_t n = strlen(device), o = 0;
	char *s = xmalloc(n * 3 + 1);

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)device[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    (ch == '.' && i > 0))
			s[o++] = (char)ch;
		else
			o += (size_t)sprintf(s + o, "%%%02X", ch);
	}
	s[o] = '\0';
	if (o > UTIL_NAME_MAX_SAFE) {
		char *t = xasprintf("%.*s~%016" PRIx64, UTIL_NAME_MAX_SAFE - 17, s,
		    util_hash64(device, n));

		free(s);
		s = t;
	}
	return s;
}
