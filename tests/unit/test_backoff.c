#include <criterion/criterion.h>

#include "collector/backoff.h"

Test(backoff, grows_with_jitter_and_caps)
{
	struct backoff b;
	uint64_t nominal = 1000;

	backoff_init(&b, 1000, 60000, 42);
	for (int i = 0; i < 20; i++) {
		uint64_t d = backoff_next(&b);

		cr_assert_geq(d, nominal - nominal / 2, "failure %d: %llu", i,
		    (unsigned long long)d);
		cr_assert_leq(d, nominal, "failure %d: %llu", i,
		    (unsigned long long)d);
		nominal = nominal * 2 > 60000 ? 60000 : nominal * 2;
	}
	backoff_reset(&b);
	cr_assert_leq(backoff_next(&b), 1000);
}

Test(backoff, jitter_spreads_devices)
{
	uint64_t first[16];
	int distinct = 0;

	for (int i = 0; i < 16; i++) {
		struct backoff b;

		backoff_init(&b, 10000, 300000, 0x1234567ULL * (uint64_t)(i + 1));
		first[i] = backoff_next(&b);
	}
	for (int i = 1; i < 16; i++)
		distinct += first[i] != first[0];
	cr_assert_gt(distinct, 8);
}

Test(backoff, degenerate_bounds)
{
	struct backoff b;

	backoff_init(&b, 0, 0, 0);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(backoff_next(&b), 1);
	backoff_init(&b, UINT64_MAX / 4, UINT64_MAX / 2, 7);
	for (int i = 0; i < 100; i++)
		cr_assert_leq(backoff_next(&b), UINT64_MAX / 2);
}
