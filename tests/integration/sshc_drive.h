/*
 * sshc_drive.h — test helpers that drive sshc sessions the way the
 * collector's loop does: poll() on sshc_fd()/sshc_events() until
 * sshc_deadline(), then sshc_step(). The limits here only bound a broken
 * test's run time; no assertion depends on how fast anything is.
 */
#ifndef LOGHAUL_TEST_SSHC_DRIVE_H
#define LOGHAUL_TEST_SSHC_DRIVE_H

#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "collector/sshc.h"
#include "common/util.h"

/* Milliseconds to wait for one session, capped so a bug cannot hang us. */
static inline int
sshc_drive_wait_ms(struct sshc *s, double now)
{
	double dl = sshc_deadline(s);
	double ms = (dl - now) * 1000.0;

	if (!(ms < 200))
		return 200;
	if (ms < 0)
		return 0;
	return (int)ceil(ms);
}

/* Step s until it leaves SSHC_AGAIN or limit_s passes (then SSHC_AGAIN). */
static inline enum sshc_result
sshc_drive(struct sshc *s, double limit_s)
{
	double end = util_monotime() + limit_s;

	for (;;) {
		double now = util_monotime();
		enum sshc_result r = sshc_step(s, now);
		struct pollfd p;
		int ms;

		if (r != SSHC_AGAIN || now > end)
			return r;
		ms = sshc_drive_wait_ms(s, now);
		p.fd = sshc_fd(s);
		p.events = sshc_events(s);
		p.revents = 0;
		if (p.fd >= 0)
			poll(&p, 1, ms);
		else if (ms > 0)
			poll(NULL, 0, ms);
	}
}

/* One whole poll: start_poll, then drive. */
static inline enum sshc_result
sshc_drive_poll(struct sshc *s, double limit_s)
{
	if (sshc_start_poll(s, util_monotime()) != 0)
		return SSHC_ERROR;
	return sshc_drive(s, limit_s);
}

/*
 * Drive n sessions from one poll() loop, as the collector does: each pass
 * polls the descriptors of the sessions still working, with the earliest
 * deadline as timeout, and steps only the sessions whose descriptor is
 * ready or whose deadline has passed. res[i] receives each session's first
 * result other than SSHC_AGAIN. Returns how many finished within limit_s.
 */
static inline size_t
sshc_drive_many(struct sshc **v, size_t n, double limit_s,
    enum sshc_result *res)
{
	struct pollfd *p = calloc(n, sizeof *p);
	size_t *idx = calloc(n, sizeof *idx), left = n;
	double end = util_monotime() + limit_s;

	for (size_t i = 0; i < n; i++)
		res[i] = SSHC_AGAIN;
	/* First step: every session starts its connection. */
	for (size_t i = 0; i < n; i++)
		if ((res[i] = sshc_step(v[i], util_monotime())) != SSHC_AGAIN)
			left--;
	while (left > 0 && util_monotime() < end) {
		double now = util_monotime(), dl = now + 0.2;
		size_t np = 0;
		int ms;

		for (size_t i = 0; i < n; i++) {
			double d;

			if (res[i] != SSHC_AGAIN)
				continue;
			if ((d = sshc_deadline(v[i])) < dl)
				dl = d;
			if (sshc_fd(v[i]) < 0)
				continue;
			p[np].fd = sshc_fd(v[i]);
			p[np].events = sshc_events(v[i]);
			p[np].revents = 0;
			idx[np++] = i;
		}
		ms = dl <= now ? 0 : (int)ceil((dl - now) * 1000.0);
		poll(p, (nfds_t)np, ms);
		now = util_monotime();
		for (size_t k = 0; k < np; k++) {
			size_t i = idx[k];

			if (p[k].revents == 0 && sshc_deadline(v[i]) > now)
				continue;
			if ((res[i] = sshc_step(v[i], now)) != SSHC_AGAIN)
				left--;
		}
		/* Sessions without a descriptor (resolving) go by deadline. */
		for (size_t i = 0; i < n; i++) {
			if (res[i] != SSHC_AGAIN || sshc_fd(v[i]) >= 0 ||
			    sshc_deadline(v[i]) > now)
				continue;
			if ((res[i] = sshc_step(v[i], now)) != SSHC_AGAIN)
				left--;
		}
	}
	free(p);
	free(idx);
	return n - left;
}

/*
 * A copy of buf with every run of CRs before a LF removed and a final LF
 * ensured: device output and fixtures compare equal "after CRLF handling".
 */
static inline char *
sshc_drive_norm(const char *buf, size_t len, size_t *outlen)
{
	char *o = malloc(len + 2);
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\r') {
			size_t j = i;

			while (j < len && buf[j] == '\r')
				j++;
			if (j < len && buf[j] == '\n') {
				i = j - 1;
				continue;
			}
		}
		o[n++] = buf[i];
	}
	if (n == 0 || o[n - 1] != '\n')
		o[n++] = '\n';
	o[n] = '\0';
	*outlen = n;
	return o;
}

#endif
