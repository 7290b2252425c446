/*
 * conf_shape.h — checks for configuration strings with a shape. Each
 * returns 1 when s has the shape, else 0 with *why set to a short static
 * phrase that says what is wrong ("bad host", "no :PORT"), for an error
 * that also names FILE:LINE.
 */
#ifndef LOGHAUL_CONF_SHAPE_H
#define LOGHAUL_CONF_SHAPE_H

/*
 * "HOST:PORT" or "[V6]:PORT". allow_zero: port 0 (bind any) is fine;
 * allow_star: port "*" (ZeroMQ's any) is fine.
 */
int conf_hostport_ok(const char *s, int allow_zero, int allow_star,
    const char **why);

/*
 * A ZeroMQ endpoint: tcp://HOST:PORT, ipc://PATH, inproc://NAME. A
 * relative ipc:// path is made absolute against dir, so that every daemon
 * agrees on it whatever its working directory: then *norm is the
 * rewritten endpoint (malloc'd, the caller's), else NULL.
 */
int conf_endpoint_ok(const char *s, const char *dir, char **norm,
    const char **why);

/* An http:// or https:// URL with a host and, if any, a valid port. */
int conf_url_ok(const char *s, const char **why);

#endif
