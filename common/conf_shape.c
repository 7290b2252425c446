/*
 * conf_shape.c — the shapes a configuration string must have: HOST:PORT,
 * a ZeroMQ endpoint, an HTTP URL. Checked as each value is read, so the
 * error names the file's line; see conf_shape.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/cerr.h"
#include "common/conf_shape.h"
#include "common/util.h"
#include "common/ydoc.h"

static int
s_port_ok(const char *s, size_t len, int allow_zero)
{
	int64_t v;
	char buf[8];

	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return util_parse_i64(buf, allow_zero ? 0 : 1, 65535, &v) == CERR_OK;
}

static int
s_has_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 1;
	return 0;
}

int
conf_hostport_ok(const char *s, int allow_zero, int allow_star, const char **why)
{
	const char *colon;
	size_t hlen;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':') {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return 0;
		}
		colon = rb + 1;
		hlen = (size_t)(rb - s) - 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL) {
			*why = "no :PORT";
			return 0;
		}
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL) {
			*why = "an IPv6 address is written [ADDR]:PORT";
			return 0;
		}
	}
	if (hlen == 0 || s_has_space(s, hlen) || memchr(s, '/', hlen) != NULL) {
		*why = "bad host";
		return 0;
	}
	if (!(allow_star && strcmp(colon + 1, "*") == 0) &&
	    !s_port_ok(colon + 1, strlen(colon + 1), allow_zero)) {
		*why = "port must be from 1 to 65535";
		return 0;
	}
	return 1;
}

/* sun_path is 108 bytes on Linux, including the NUL. */
#define IPC_PATH_MAX	107

int
conf_endpoint_ok(const char *s, const char *dir, char **norm, const char **why)
{
	*norm = NULL;
	if (strncmp(s, "tcp://", 6) == 0)
		return conf_hostport_ok(s + 6, 0, 1, why);
	if (strncmp(s, "inproc://", 9) == 0) {
		if (s[9] == '\0' || s_has_space(s + 9, strlen(s + 9))) {
			*why = "bad inproc name";
			return 0;
		}
		return 1;
	}
	if (strncmp(s, "ipc://", 6) == 0) {
		const char *p = s + 6;
		char *abs;

		if (*p == '\0') {
			*why = "no path";
			return 0;
		}
		if (*p == '@' || strcmp(p, "*") == 0 || *p == '/')
			abs = xstrdup(p);
		else
			abs = ydoc_abspath(dir, p);
		if (strlen(abs) > IPC_PATH_MAX) {
			*why = "ipc path longer than 107 bytes";
			free(abs);
			return 0;
		}
		*norm = xasprintf("ipc://%s", abs);
		free(abs);
		return 1;
	}
	*why = "unknown transport";
	return 0;
}

int
conf_url_ok(const char *s, const char **why)
{
	const char *p, *end, *at, *hp, *rb;
	char *auth;
	int ok;

	if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else {
		*why = "the scheme must be http:// or https://";
		return 0;
	}
	if (s_has_space(s, strlen(s))) {
		*why = "spaces or control characters in the URL";
		return 0;
	}
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	hp = at ? at + 1 : p;
	if (hp == end) {
		*why = "no host in the URL";
		return 0;
	}
	auth = xstrndup(hp, (size_t)(end - hp));
	if (auth[0] != '[' && strchr(auth, ':') == NULL)
		ok = 1;
	else if (auth[0] == '[' && (rb = strchr(auth, ']')) != NULL &&
	    rb[1] == '\0')
		ok = 1;
	else
		ok = conf_hostport_ok(auth, 0, 0, why);
	free(auth);
	return ok;
}
