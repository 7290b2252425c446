/*
 * backoff.h — when to try a failed device again: exponential backoff with
 * jitter, so that hundreds of devices that failed together (a collector
 * restart, a flapping WAN link) do not come back in lock step.
 *
 * The delay after the n-th consecutive failure is drawn uniformly from
 * [d/2, d] where d = min(max, min * 2^(n-1)) ("equal jitter"): it still grows
 * for a device that keeps failing, yet never drops below half the nominal
 * value, so a dead device is not hammered.
 */
#ifndef LOGHAUL_BACKOFF_H
#define LOGHAUL_BACKOFF_H

#include <stdint.h>

struct backoff {
	uint64_t min_ms, max_ms;
	unsigned failures;	/* consecutive failures so far */
	uint64_t rng;		/* xorshift64 state, never 0 */
};

/*
 * min_ms 0 is taken as 1 ms; max_ms below min_ms is raised to min_ms. seed
 * makes the jitter reproducible in tests; pass e.g. a hash of the device
 * name mixed with the time.
 */
void     backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms,
    uint64_t seed);
/* Record a failure; returns the delay in ms before the next attempt. */
uint64_t backoff_next(struct backoff *b);
/* Record a success: the next failure starts again from min_ms. */
void     backoff_reset(struct backoff *b);

#endif
