#include <stdint.h>

#include "collector/backoff.h"

void
backoff_init(struct backoff *b, uint64_t min_ms, uint64_t max_ms, uint64_t seed)
{
	b->min_ms = min_ms ? min_ms : 1;
	b->max_ms = max_ms < b->min_ms ? b->min_ms : max_ms;
	b->failures = 0;
	/* xorshift has one fixed point, 0; any other seed will do. */
	b->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static uint64_t
s_rand(struct backoff *b)
{
	uint64_t x = b->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	b->rng = x;
	return x;
}

uint64_t
backoff_next(struct backoff *b)
{
	uint64_t d = b->min_ms;

	/* Double until max, without overflowing on a long outage. */
	for (unsigned i = 0; i < b->failures && d < b->max_ms; i++)
		d = d > b->max_ms / 2 ? b->max_ms : d * 2;
	if (d > b->max_ms)
		d = b->max_ms;
	if (b->failures < 64)
		b->failures++;
	/* Uniform in [d - d/2, d]. */
	return d - d / 2 + s_rand(b) % (d / 2 + 1);
}

void
backoff_reset(struct backoff *b)
{
	b->failures = 0;
}
