/*
 * sched.h — when each device is next due. A binary min-heap of (when, idx)
 * so the collector's loop can ask "what is due now" and "how long may I
 * sleep" in O(log n) with a thousand devices (OpenSMTPD's runq idea).
 * Times are CLOCK_MONOTONIC seconds (util_monotime()).
 */
#ifndef LOGHAUL_SCHED_H
#define LOGHAUL_SCHED_H

#include <stddef.h>

struct sched;

/* Caller owns the result: sched_free(&s). nslots bounds the indices. */
struct sched *sched_new(size_t nslots);
void          sched_free(struct sched **s);

/* Schedule (or reschedule) idx at time when. */
void   sched_at(struct sched *s, size_t idx, double when);
/* Remove idx if scheduled. */
void   sched_cancel(struct sched *s, size_t idx);
/* 1 and *idx when the earliest entry is due at or before now (and removes it). */
int    sched_pop_due(struct sched *s, double now, size_t *idx);
/* Time of the earliest entry, or -1 when empty. */
double sched_next(const struct sched *s);
size_t sched_count(const struct sched *s);
int    sched_has(const struct sched *s, size_t idx);

#endif
