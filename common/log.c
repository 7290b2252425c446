#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static const char *log_procname = "loghaul";
static int log_verbose;

static const char *const log_lvlname[] = { "crit ", "warn ", "info ", "debug" };

void
log_init(const char *procname, int verbose)
{
	log_procname = procname;
	log_verbose = verbose;
	/* One event per line even when several processes share stderr. */
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
s_emit(enum log_level lvl, const char *suffix, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];
	struct timeval tv;
	struct tm tm;
	int saved = errno;

	if (lvl == LOG_LVL_DEBUG && log_verbose <= 0)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* A message carries device text; keep each event on one line. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s.%03ldZ %s %s: %s%s%s\n", ts, (long)(tv.tv_usec / 1000),
	    log_lvlname[lvl], log_procname, msg, suffix ? ": " : "",
	    suffix ? suffix : "");
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	s_emit(LOG_LVL_WARN, e, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, lvl)                          \
	void name(const char *fmt, ...)            \
	{                                          \
		va_list ap;                        \
		va_start(ap, fmt);                 \
		s_emit(lvl, NULL, fmt, ap);        \
		va_end(ap);                        \
	}
LOG_FN(log_warnx, LOG_LVL_WARN)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_debug, LOG_LVL_DEBUG)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	s_emit(LOG_LVL_CRIT, e, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	s_emit(LOG_LVL_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_ratelimit(struct log_ratelimit *rl)
{
	double now = util_monotime();

	if (rl->last != 0 && now - rl->last < rl->interval) {
		rl->suppressed++;
		return 0;
	}
	rl->last = now;
	return 1;
}
