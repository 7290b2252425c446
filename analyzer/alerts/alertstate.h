/*
 * alertstate.h — the alert stage's state on disk, so that a restart neither
 * re-fires nor forgets an alert.
 *
 * Layout in the state directory:
 *   alerts.lock      flock()ed while a stage runs: two stages on one
 *                    directory would each overwrite the other's state.
 *   alerts.snap      a full snapshot: every interface, every device's
 *                    high-water mark, the undelivered output queue
 *                    ("outbox"), each output's delivered cursor, the next
 *                    change sequence number. Written to alerts.snap.tmp,
 *                    fsync'ed, renamed, directory fsync'ed.
 *   alerts.journal   an append-only log since that snapshot: one record per
 *                    commit holding only what changed (dirty interfaces and
 *                    devices, new outbox entries, cursors), fdatasync'ed
 *                    before the stage acks. Each record carries its length
 *                    and an FNV-1a 64 checksum.
 *
 * Why a journal: rewriting every interface after every message costs
 * O(state) per message; a journal record costs O(change). Once the journal
 * outgrows max(ALERTSTATE_JOURNAL_MIN, snapshot size) it is folded into a
 * new snapshot, so the amortised cost per change stays constant and a load
 * reads at most about twice the state.
 *
 * Snapshot and journal carry a generation number: a journal whose
 * generation is older than the snapshot's is what a crash between the two
 * renames of a compaction leaves behind; it is already in the snapshot and
 * is ignored.
 *
 * Bad files never stop the stage: a temp file left by an interrupted write,
 * a truncated, zeroed or garbage snapshot, a journal that is corrupt in the
 * middle, are reported with a warning naming the file and the reason,
 * renamed aside to NAME.bad.<unix time>, and the stage starts from what is
 * still sound (an empty state when the snapshot is bad; the valid prefix
 * when the journal is). An incomplete last journal record is the normal
 * trace of a crash during a commit (that message was never acked, so it
 * will come again): it is dropped with a warning.
 */
#ifndef LOGHAUL_ALERTSTATE_H
#define LOGHAUL_ALERTSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/alerts/alert.h"

#define ALERTSTATE_JOURNAL_MIN   (4u * 1024 * 1024)
#define ALERTSTATE_MAX_FILE      (1024u * 1024 * 1024)

/* How far one output has delivered the outbox (output.h). */
struct alertstate_cursor {
	char    *key;
	uint64_t seq;
};

struct alertstate_cursors {
	struct alertstate_cursor *v;
	size_t                    n;
};

void     alertstate_cursor_set(struct alertstate_cursors *c, const char *key,
    uint64_t seq);
/* The cursor's seq, or 0 when the key is unknown (found = 0). */
uint64_t alertstate_cursor_get(const struct alertstate_cursors *c,
    const char *key, int *found);
void     alertstate_cursors_free(struct alertstate_cursors *c);

struct alertstate;

/*
 * Open the state directory (created if missing, one level), take its lock.
 * Returns NULL with a reason in err when the directory cannot be used or
 * another stage holds the lock. Caller owns it: alertstate_free(&st).
 */
struct alertstate *alertstate_open(const char *dir, char *err, size_t errlen);
void alertstate_free(struct alertstate **st);

/*
 * Load the state into e (which must be empty) and outbox/cursors (empty),
 * then write a fresh snapshot. Returns 0 when everything loaded cleanly, 1
 * when something was bad and set aside (already logged; the description of
 * the last problem is in err), -1 when the directory cannot be written at
 * all (err says why).
 */
int alertstate_load(struct alertstate *st, struct alert_engine *e,
    struct alert_changes *outbox, struct alertstate_cursors *cursors,
    char *err, size_t errlen);

/*
 * Make durable: the engine's dirty interfaces and devices, the fresh
 * changes (already appended to the outbox) and the cursors. Appends one
 * journal record and fdatasyncs it; compacts instead when the journal is
 * large or a previous commit failed (outbox must then be the whole queue).
 * On success clears the engine's dirty marks and returns 0; on failure
 * (disk full, I/O error) returns -1 with err set and leaves things so that
 * the next commit writes a full snapshot.
 */
int alertstate_commit(struct alertstate *st, struct alert_engine *e,
    struct alert_change *const *fresh, size_t nfresh,
    struct alert_change *const *outbox, size_t noutbox,
    const struct alertstate_cursors *cursors, char *err, size_t errlen);

/* Write a full snapshot now and start a new journal. 0 or -1 (err). */
int alertstate_compact(struct alertstate *st, struct alert_engine *e,
    struct alert_change *const *outbox, size_t noutbox,
    const struct alertstate_cursors *cursors, char *err, size_t errlen);

/* Bytes in the journal, and whether the last write failed (health). */
uint64_t alertstate_journal_size(const struct alertstate *st);
int      alertstate_failing(const struct alertstate *st);

#endif
