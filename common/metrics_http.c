/*
 * metrics_http.c — /metrics and /healthz over libmicrohttpd, on its own
 * internal polling thread so the owner's loop never serves HTTP.
 *
 * We bind the listening socket ourselves and hand it to libmicrohttpd:
 * that way a bind failure reports errno with the address, and port 0
 * can be read back with getsockname().
 */
#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <netinet/in.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/util.h"

#define EXPOSITION_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	struct MHD_Daemon    *d;
	struct metrics       *m;
	struct metrics_health health;
	int                   port;
};

/* libmicrohttpd's complaints go to our log, one line each. */
static void
s_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warnx("metrics: http: %s", msg);
}

static enum MHD_Result
s_reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
    const char *type, int allow_header)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow_header)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
s_text(struct MHD_Connection *c, unsigned status, const char *text, int allow)
{
	return s_reply(c, status, xstrdup(text), strlen(text), "text/plain; charset=utf-8",
	    allow);
}

static enum MHD_Result
s_metrics(struct metrics_http *h, struct MHD_Connection *c)
{
	struct buf b;
	size_t len;

	buf_init(&b, 0);
	if (metrics_render(h->m, &b) != CERR_OK) {
		buf_free(&b);
		return s_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "render failed\n", 0);
	}
	len = b.len;
	if (b.data == NULL)
		return s_reply(c, MHD_HTTP_OK, xstrdup(""), 0, EXPOSITION_TYPE, 0);
	/* MHD frees the body with free(): buf's storage is malloc'd. */
	return s_reply(c, MHD_HTTP_OK, b.data, len, EXPOSITION_TYPE, 0);
}

static enum MHD_Result
s_healthz(struct metrics_http *h, struct MHD_Connection *c)
{
	char reason[256], *body;

	if (h->health.fn == NULL)
		return s_text(c, MHD_HTTP_OK, "ok\n", 0);
	reason[0] = '\0';
	if (h->health.fn(h->health.arg, reason, sizeof reason))
		return s_text(c, MHD_HTTP_OK, "ok\n", 0);
	reason[sizeof reason - 1] = '\0';
	body = xasprintf("%s\n", reason[0] ? reason : "unhealthy");
	return s_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, body, strlen(body),
	    "text/plain; charset=utf-8", 0);
}

static enum MHD_Result
s_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct metrics_http *h = cls;
	int known, get;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	/* A body (PUT/POST) is never wanted: swallow it, then answer 405. */
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	known = strcmp(url, "/metrics") == 0 || strcmp(url, "/healthz") == 0;
	get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	if (!known)
		return s_text(c, MHD_HTTP_NOT_FOUND, "not found\n", 0);
	if (!get)
		return s_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", 1);
	if (strcmp(url, "/metrics") == 0)
		return s_metrics(h, c);
	return s_healthz(h, c);
}

/* "HOST:PORT", "[V6]:PORT" -> host, port. */
static int
s_split(const char *addr, char *host, size_t hostlen, uint64_t *port)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t n;

	if (colon == NULL || colon == addr)
		return -1;
	n = (size_t)(colon - addr);
	if (addr[0] == '[') {
		if (n < 3 || addr[n - 1] != ']')
			return -1;
		h = addr + 1;
		n -= 2;
	}
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	return util_parse_u64(colon + 1, 65535, port) == CERR_OK ? 0 : -1;
}

static int
s_listen(const char *addr, int *portp, int *v6, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[256], port[16];
	uint64_t p;
	int fd, one = 1, rc;

	if (s_split(addr, host, sizeof host, &p) < 0) {
		snprintf(err, errlen, "metrics listen '%s': expected HOST:PORT", addr);
		return -1;
	}
	snprintf(port, sizeof port, "%u", (unsigned)p);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "metrics listen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "metrics listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "metrics listen %s: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	*portp = ss.ss_family == AF_INET6 ?
	    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
	    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

struct metrics_http *
metrics_http_start(struct metrics *m, const char *addr,
    const struct metrics_health *health, char *err, size_t errlen)
{
	struct metrics_http *h;
	/*
	 * poll() (or epoll), never select(): a collector with 1,000 sessions
	 * holds descriptors past FD_SETSIZE, and under select() libmicrohttpd
	 * refuses every connection whose descriptor is 1024 or more ("not less
	 * than FD_SETSIZE"): /metrics and /healthz went silent at that scale.
	 */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int fd, v6 = 0;

	if (m == NULL || addr == NULL) {
		snprintf(err, errlen, "metrics: no registry or no listen address");
		return NULL;
	}
	h = xcalloc(1, sizeof *h);
	h->m = m;
	if (health != NULL)
		h->health = *health;
	if ((fd = s_listen(addr, &h->port, &v6, err, errlen)) < 0) {
		free(h);
		return NULL;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, s_handler, h,
	    MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "metrics listen %s: libmicrohttpd did not start",
		    addr);
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

int
metrics_http_port(const struct metrics_http *h)
{
	return h ? h->port : -1;
}

void
metrics_http_stop(struct metrics_http **hp)
{
	if (hp == NULL || *hp == NULL)
		return;
	/* Stops the thread and closes the listening socket we handed over. */
	MHD_stop_daemon((*hp)->d);
	free(*hp);
	*hp = NULL;
}
