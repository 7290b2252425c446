/*
 * failpoint.h — named points in the code where a test can have the daemon
 * kill itself (SIGKILL) on purpose, as FreeBSD's fail(9) and TiKV's
 * failpoints do.
 *
 * Why: "nothing lost, nothing doubled" rests on what is on disk and in
 * flight at a few dangerous moments (records taken from a device but not
 * pushed, a batch pushed or acked but its cursor not written, a cursor file
 * between its temp file and its rename). A kill -9 from outside after a
 * random sleep hits those moments by luck; a failpoint hits the one wanted,
 * at the line wanted, every run.
 *
 *   LOGHAUL_FAILPOINT=name      SIGKILL the first time FAILPOINT("name")
 *                               is passed
 *   LOGHAUL_FAILPOINT=name:N    ... the Nth time (N >= 1)
 *
 * The variable is read once, by failpoint_init() at start-up (before a
 * supervisor forks its workers, so each counts its own passes). Unset, a
 * FAILPOINT() costs one load and one predictable branch on failpoint_armed.
 * A line "failpoint NAME reached (pass N): killing this process" goes to
 * the log first, so a test can tell the planned death from another.
 *
 * The points (grep FAILPOINT for where exactly):
 *   push.before_send      a new batch is encoded, not yet handed to zmq
 *   push.after_send       zmq took the batch; not yet kept as pending
 *   push.after_ack        an ack moved the cursor in memory; not on disk
 *   cursor.before_rename  the cursor's temp file is written and synced
 *   cursor.after_rename   renamed over the cursor file; directory not fsync'd
 *
 * Not for production: nothing in a deployment sets the variable.
 */
#ifndef LOGHAUL_FAILPOINT_H
#define LOGHAUL_FAILPOINT_H

/* Nonzero once failpoint_init() found a valid LOGHAUL_FAILPOINT. */
extern int failpoint_armed;

/*
 * Read LOGHAUL_FAILPOINT. Returns 0 when it is unset or valid, -1 (with a
 * log line, nothing armed) when it is malformed: an empty name, a name
 * longer than 63 bytes, or an N that is not a whole number >= 1.
 */
int  failpoint_init(void);
/* The slow path of FAILPOINT(): count the pass, kill on the Nth. */
void failpoint_hit(const char *name);

#define FAILPOINT(name) do {						\
	if (__builtin_expect(failpoint_armed, 0))			\
		failpoint_hit(name);					\
} while (0)

#endif
