/*
 * cerr.h — the project's error codes, declared once as an X-macro so that
 * the enum and its strings cannot drift apart (libuv's UV_ERRNO_MAP shape).
 * Functions whose callers must act on the cause return one of these; the
 * human detail travels beside it in a caller-supplied buffer.
 */
#ifndef LOGHAUL_CERR_H
#define LOGHAUL_CERR_H

#define CERR_MAP(X)                                                        \
	X(OK,          "ok")                                               \
	X(NOMEM,       "out of memory")                                    \
	X(IO,          "i/o error")                                        \
	X(PARSE,       "parse error")                                      \
	X(RANGE,       "value out of range")                               \
	X(INVAL,       "invalid argument")                                 \
	X(NOTFOUND,    "not found")                                        \
	X(TIMEOUT,     "timed out")                                        \
	X(AUTH,        "authentication failed")                            \
	X(HOSTKEY,     "host key verification failed")                     \
	X(CONNECT,     "connection failed")                                \
	X(EOF,         "connection closed by peer")                        \
	X(PROTO,       "protocol error")                                   \
	X(TOOBIG,      "too big")                                          \
	X(AGAIN,       "try again")

enum cerr {
#define CERR_ENUM(name, str) CERR_##name,
	CERR_MAP(CERR_ENUM)
#undef CERR_ENUM
	CERR__COUNT
};

/* Static string for an error code; never NULL. */
const char *cerr_str(enum cerr e);

#endif
