#include <criterion/criterion.h>
#include <stdlib.h>

#include "collector/sched.h"

Test(sched, pops_in_time_order)
{
	struct sched *s = sched_new(100);
	size_t idx;
	double last = -1;

	srand(7);
	for (size_t i = 0; i < 100; i++)
		sched_at(s, i, (double)(rand() % 1000));
	cr_assert_eq(sched_count(s), 100);
	for (size_t n = 0; n < 100; n++) {
		double t = sched_next(s);
		cr_assert(sched_pop_due(s, 1e9, &idx));
		cr_assert_geq(t, last);
		last = t;
	}
	cr_assert_eq(sched_next(s), -1);
	cr_assert_not(sched_pop_due(s, 1e9, &idx));
	sched_free(&s);
	cr_assert_null(s);
}

Test(sched, reschedule_and_cancel)
{
	struct sched *s = sched_new(4);
	size_t idx;

	sched_at(s, 0, 10);
	sched_at(s, 1, 20);
	sched_at(s, 2, 30);
	sched_at(s, 0, 40);	/* moves, does not duplicate */
	cr_assert_eq(sched_count(s), 3);
	sched_cancel(s, 1);
	cr_assert_not(sched_has(s, 1));
	cr_assert_not(sched_pop_due(s, 29, &idx), "nothing is due before 30");
	cr_assert(sched_pop_due(s, 35, &idx));
	cr_assert_eq(idx, 2);
	cr_assert(sched_pop_due(s, 40, &idx));
	cr_assert_eq(idx, 0);
	sched_at(s, 99, 1);	/* out of range is ignored */
	cr_assert_eq(sched_count(s), 0);
	sched_free(&s);
}
