/*
 * cursor_int.h — what cursor.c (positions, batches, acks) and cursor_file.c
 * (the cursor file) share. Not for other modules: use cursor.h.
 */
#ifndef LOGHAUL_CURSOR_INT_H
#define LOGHAUL_CURSOR_INT_H

#include "collector/cursor.h"
#include "common/log.h"

struct cursor_inflight {
	uint64_t          last_id;
	struct cursor_pos pos;
	int               acked;
};

struct cursor {
	char                *device;
	char                *dir;
	char                *path;
	char                *tmp;
	/* The file as it was before the last save: a fallback of the same
	 * epoch when the current one is lost, so re-sent records keep ids. */
	char                *prev;
	struct cursor_pos    acked;
	struct cursor_pos    sent;
	struct cursor_inflight     *inflight;
	size_t               ninflight;
	size_t               inflight_cap;
	uint64_t             gen;
	uint32_t             epoch_floor;	/* highest epoch this process used */
	int                  dirty;
	int                  staged;	/* temp file written, not renamed */
	struct cursor_stats  stats;
	struct log_ratelimit save_rl;
};

#endif
