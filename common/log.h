/*
 * log.h — one line per event on stderr, journald-friendly.
 *
 * Lines look like
 *   2026-11-22T01:02:03.456Z warn  collector: device=edge-3 state=AUTH reason=timeout
 * Callers put the entity first as key=value tags. Secrets are never passed
 * to these functions; log_redact() exists for the few places that print a
 * value that might be one (an inventory field, a URL with userinfo).
 *
 * Every function saves and restores errno. log_warn()/log_crit() append
 * strerror(errno); the ...x() variants do not.
 */
#ifndef LOGHAUL_LOG_H
#define LOGHAUL_LOG_H

#include <stdarg.h>
#include <time.h>

enum log_level { LOG_LVL_CRIT, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* procname tags every line; verbose >0 enables debug lines. */
void log_init(const char *procname, int verbose);
void log_setverbose(int verbose);
int  log_getverbose(void);

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Log and exit(1): only for start-up, allocation or impossible states. */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

/*
 * Rate limit for repeated messages about one thing (a device, a peer):
 * log_ratelimit() returns 1 when a line may be printed now, 0 when it must be
 * suppressed; suppressed lines are counted and the next printed line can say
 * how many were dropped via rl->suppressed (reset by the caller).
 */
struct log_ratelimit {
	double   interval;	/* seconds between printed lines */
	double   last;		/* monotonic time of the last printed line */
	unsigned suppressed;
};
int log_ratelimit(struct log_ratelimit *rl);

#endif
