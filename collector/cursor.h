/*
 * cursor.h — where loghaul stands in one device's log buffer, what is new
 * since then, and the record ids that follow from it.
 *
 * A position (struct cursor_pos) stands just after one entry of the buffer:
 * the device's sequence number of that entry when it has one, and the
 * fingerprints (logparse_entry.fp: stamp + text, since equal stamps are
 * common) of the last CURSOR_WINDOW entries up to it. "New since the
 * cursor" is found by sequence number where the device writes them, else by
 * finding that window in the new buffer (overlap search, latest match that
 * the ring buffer allows). When the cursor's entry is gone the loss is
 * never silent: a REC_GAP record with a readable reason comes first —
 *   wrap     the buffer wrapped past the cursor (it is cut at the front, or
 *            about as full as it was);
 *   cleared  the cursor's entry is gone and the buffer is shorter
 *            (`clear logging`);
 *   reload   sequence numbers restarted (or went back inside the buffer,
 *            or, without them, a %SYS-5-RESTART in the buffer).
 * It is no gap when the ring dropped exactly up to the cursor: the oldest
 * entry has the next sequence number, or the cut first entry is the
 * cursor's own (its stamp and text still match).
 *
 * Lines that change entries between two polls lose nothing either: a
 * continuation the device wrote after the cursor's entry was sent makes
 * that entry longer than it was (its length and hash are kept), and the
 * added lines go out as one record with the entry's stamp; a line that
 * leaves an older entry to be one of its own, or joins one, changes the
 * window, which is then matched loosely (the cursor's own entry exactly,
 * the older ones in order with a few entries more or one less).
 *
 * Record ids are epoch << 32 | counter: counter numbers records (gaps
 * included) from the cursor on, so they are a pure function of (cursor,
 * buffer): re-reading the same buffer from the same cursor gives the same
 * ids. The epoch is the unix time when the device's cursor was created;
 * a lost or corrupt cursor file starts a new, larger one.
 *
 * Pipelining: two positions are kept. "sent" moves when a batch is handed
 * to the transport and is where the next poll continues; "acked" moves
 * when the batches up to it are acknowledged (in order, whatever order the
 * acks arrive in) and is the only one written to disk. After a restart
 * (or cursor_rewind()) both are the acked one, so the next poll re-reads
 * and re-sends everything unacknowledged under the same ids.
 *
 * Persistence: one small versioned text file per device,
 * STATE_DIR/<device name made safe>.cursor, written atomically (temp file,
 * fsync, rename, fsync of the directory) and ending with a checksum line.
 * A file that is empty, zero-filled, garbage, truncated, damaged, of
 * another version or of another device is reported (log line and return
 * code), moved aside as NAME.cursor.bad.<unix time>, and the device starts a
 * fresh epoch (re-reading its buffer is safe: the alert stage absorbs
 * duplicates). A temp file left by an interrupted write is removed. A write
 * that fails (disk full) is reported and the previous file is kept; the
 * acked position stays in memory and the next cursor_save() tries again.
 *
 * Typical use, per device and poll (out = the log command's output):
 *
 *   c = cursor_new(state_dir, device);  cursor_load(c, now_ms, err, n);
 *   ...
 *   logparse_parse(pf, out, len, &popts, &pr);
 *   cursor_advance(c, &pr, now_ms, &b);       b.recs[0..b.nrecs): new records
 *   (encode b.recs[0..k) into a batch, push it)
 *   cursor_mark_sent(c, &b, k);               repeat with larger k to split
 *   ...
 *   on ACK(last_id):   cursor_mark_acked(c, last_id); cursor_save(c, err, n);
 *   on ack timeout:    cursor_rewind(c)  (next poll re-sends, same ids)
 *
 * Not thread-safe: one cursor is used by one thread at a time.
 */
#ifndef LOGHAUL_CURSOR_H
#define LOGHAUL_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include "collector/logparse.h"
#include "common/buf.h"
#include "common/cerr.h"
#include "common/wire.h"

#define CURSOR_WINDOW		4	/* fingerprints kept of the last entries */
#define CURSOR_MAX_INFLIGHT	1024	/* batches sent and not yet acked */
#define CURSOR_FILE_VERSION	1

#define CURSOR_GAP_MAP(X)          \
	X(NONE,    "none")         \
	X(WRAP,    "wrap")         \
	X(CLEARED, "cleared")      \
	X(RELOAD,  "reload")

enum cursor_gap {
#define CURSOR_GAP_ENUM(name, str) CURSOR_GAP_##name,
	CURSOR_GAP_MAP(CURSOR_GAP_ENUM)
#undef CURSOR_GAP_ENUM
	CURSOR_GAP__COUNT
};

/* cursor_pos.flags */
#define CURSOR_POS_SEQ		0x1u	/* the last entry had a sequence number */
#define CURSOR_POS_GAPDONE	0x2u	/* the restart right after it is reported */

/*
 * Just after one entry of a device's buffer. A value type: copy it freely.
 * nwin == 0 means "before the first entry": everything in the buffer is new
 * (a fresh cursor, or just after a gap record that opened the buffer).
 */
struct cursor_pos {
	uint32_t epoch;
	uint32_t counter;	/* low half of the last id handed out; 0: none */
	uint32_t flags;		/* CURSOR_POS_* */
	uint32_t nwin;		/* fingerprints in win, oldest first */
	uint64_t win[CURSOR_WINDOW];
	uint64_t seq;		/* of the last entry, if CURSOR_POS_SEQ */
	int64_t  ts_ms;		/* of the last entry; 0 unknown */
	/* Hints from the poll the entry was seen in: its index among that
	 * buffer's entries (a ring only loses entries at the front, so it can
	 * only be at this index or before), and the buffer's size. */
	uint64_t index;
	uint64_t buf_entries;
	uint64_t buf_bytes;
	/* To recognise the entry when the ring has cut its front off: a cut
	 * first entry at least cut_need bytes long whose last cut_need bytes
	 * hash to cut_fp is it. cut_need reaches back into the stamp's time
	 * of day (only "Jan 15 " may be missing), so that a repeated message
	 * text alone never matches. 0: unknown. */
	uint32_t cut_need;
	uint64_t cut_fp;
	/* The entry as it was sent: its length and the hash of all of it, so
	 * that lines which join it after it was sent (a continuation the
	 * device wrote later) are found and sent, never skipped because the
	 * entry's first line is already known. 0: unknown. */
	uint32_t whole_len;
	uint64_t whole_fp;
};

/* Counters for metrics; totals since cursor_new(). */
struct cursor_stats {
	uint64_t records;	/* records marked sent (gaps included) */
	uint64_t gaps[CURSOR_GAP__COUNT];	/* gap records marked sent, by cause */
	uint64_t snapshots;	/* snapshot records marked sent */
	uint64_t acked_batches;
	uint64_t grown;		/* sent entries that later gained lines */
	uint64_t load_errors;	/* unreadable or corrupt cursor files */
	uint64_t save_errors;
};

/*
 * The records one poll adds, from cursor_advance(). recs[i].line (and
 * ts_raw, tag) borrow from the logparse_result given to cursor_advance()
 * (gap reasons from the batch itself): keep both alive, and unchanged,
 * until the records are encoded and the batch passed to cursor_mark_sent().
 * Gap records carry the poll's wall time in ts_ms, seq 0, no tag.
 */
struct cursor_batch {
	struct wire_rec *recs;
	size_t   nrecs;
	enum cursor_gap gap;	/* the first gap among recs; NONE when none */
	size_t   ngaps;		/* gap records among recs */
	/* 0 or 1: recs[0] holds lines that joined the
	 * cursor's entry since it was sent (see cursor_pos.whole_len) */
	size_t   ngrown;
	size_t   first_entry;	/* index in the result's entries of the first new one */
	/* private */
	struct cursor_src_ *src_;
	size_t   cap_;
	size_t   sent_;
	uint64_t gen_;
	uint64_t pr_gen_;
	uint32_t epoch_;
	const struct logparse_result *pr_;
	struct buf reasons_;
	/* made by cursor_advance_incr(): where the reply stood */
	int      incr_;
	size_t   incr_at_;
	struct cursor_pos incr_from_;
};

struct cursor;

/*
 * A cursor for device (copied) whose file lives in state_dir (copied; NULL:
 * memory only, nothing is read or written). Touches no file: call
 * cursor_load(). Returns NULL for an empty device name.
 * Caller owns the cursor: cursor_free(&c).
 */
struct cursor *cursor_new(const char *state_dir, const char *device);
void           cursor_free(struct cursor **c);

/*
 * Read the device's cursor file into both positions, forgetting anything in
 * flight. Returns:
 *   CERR_OK       loaded;
 *   CERR_NOTFOUND no file (first run): a fresh epoch, saved at once;
 *   CERR_PARSE    the file was corrupt, of another version or device:
 *                 reported in err and the log, moved aside, fresh epoch;
 *   CERR_IO       the file could not be read (permissions...): fresh epoch
 *                 in memory, reported; saving will likely fail too.
 * In every case the cursor is usable afterwards. now_ms: wall time for the
 * new epoch (0: the current time).
 */
enum cerr cursor_load(struct cursor *c, int64_t now_ms, char *err,
    size_t errlen);

/*
 * Write the acked position if it changed since the last save (nothing to do
 * returns CERR_OK). CERR_IO on failure, with the reason in err and a
 * (rate-limited) log line; the previous file is then left as it was.
 */
enum cerr cursor_save(struct cursor *c, char *err, size_t errlen);

/*
 * The same for many cursors of one state directory at once, with one data
 * sync instead of two fsyncs per file:
 *   for each: cursor_save_stage()      write the temp file (no fsync)
 *   cursor_sync_dir(dir, 1)            syncfs: every temp file is durable
 *   for each: cursor_save_commit()     rename it into place (keeps .prev)
 *   cursor_sync_dir(dir, 0)            fsync the directory: the renames are
 * A crash anywhere leaves each file old or new, whole. stage returns CERR_OK
 * when it wrote, CERR_NOTFOUND when there was nothing to save; commit
 * returns CERR_NOTFOUND when nothing was staged. Errors are reported as by
 * cursor_save(). cursor_sync_dir() returns 0 or -1 (errno).
 */
enum cerr cursor_save_stage(struct cursor *c, char *err, size_t errlen);
enum cerr cursor_save_commit(struct cursor *c, char *err, size_t errlen);
int       cursor_sync_dir(const char *dir, int data);

void cursor_batch_init(struct cursor_batch *b);
void cursor_batch_free(struct cursor_batch *b);

/*
 * The records in pr that are new since the sent position, with their ids
 * and any gap records, into b (reused; its previous contents are replaced).
 * Changes nothing in c: a batch that is never marked sent is as if it had
 * not been made. now_ms is stamped on gap records. Returns CERR_OK, or
 * CERR_RANGE when the epoch's 2^32 ids are used up (b is then empty): call
 * cursor_next_epoch() and advance again.
 */
enum cerr cursor_advance(const struct cursor *c,
    const struct logparse_result *pr, int64_t now_ms, struct cursor_batch *b);

/*
 * The same for an incremental reply: what the device printed from the
 * first line matching the cursor's last entry on (`| begin`, no header).
 * The reply proves itself when its first entry is the cursor's last entry
 * and the cursor is found in it at exactly one place (by sequence number
 * where the device writes them, else by its window of fingerprints; a
 * window running off the reply's front may not reach back to a twin of
 * that entry, since the filter would have begun there). Returns CERR_OK
 * with b as from cursor_advance() (no gap record: a lost cursor is no
 * proof), CERR_NOTFOUND when the reply proves nothing (b is empty: read
 * the whole buffer and cursor_advance() it), or CERR_RANGE as there.
 * Positions marked sent from b keep the whole-buffer hints (index, size)
 * of the last full read, so that a later full read judges gaps as before.
 */
enum cerr cursor_advance_incr(const struct cursor *c,
    const struct logparse_result *pr, int64_t now_ms, struct cursor_batch *b);

/* Why record i of b is a gap (CURSOR_GAP_NONE for a log line). */
enum cursor_gap cursor_rec_gap(const struct cursor_batch *b, size_t i);

/*
 * b->recs[0..upto) have been handed to the transport (upto counts from the
 * start of b: call again with a larger upto for the next slice of a split
 * batch). Moves the sent position after recs[upto - 1], remembers it as in
 * flight under that record's id, logs and counts the gap records in the
 * slice. Returns CERR_OK (also when upto adds nothing), CERR_INVAL when b is
 * stale (not made from the current sent position, or its logparse_result
 * was parsed again or freed since) or upto is out of range,
 * CERR_AGAIN when CURSOR_MAX_INFLIGHT batches are unacked (send nothing,
 * wait for acks or rewind).
 */
enum cerr cursor_mark_sent(struct cursor *c, struct cursor_batch *b,
    size_t upto);

/*
 * The batch whose last record id is last_id was acknowledged. The acked
 * position moves over every batch acked so far without a hole before it.
 * Returns CERR_OK, or CERR_NOTFOUND for an id that ends no batch in flight
 * (a duplicate or stale ack: ignore it).
 */
enum cerr cursor_mark_acked(struct cursor *c, uint64_t last_id);

/*
 * Snapshots (REC_SNAPSHOT: the device's interface table, collector.h). A
 * snapshot record takes the next id, like a record of the buffer, so that
 * it stays ordered after the records sent before it; it moves the
 * counter only (the buffer position stays where it was).
 *
 *   id = cursor_snapshot_id(c);       when nothing is in flight
 *   cursor_add_snapshot(c, id);       counted as delivered
 *   cursor_save(c, ...);              (or a cursor_save_stage() round)
 *   encode the record under id, send it
 *
 * Ids and restarts. A snapshot's id is written to the cursor file before
 * the record is sent: cursor_add_snapshot() moves the acked position's
 * counter over it at once, which is why it wants nothing in flight (the
 * acked position would otherwise jump over unacked records). So an id is
 * never handed out twice: ids re-read after a restart stay those of the
 * same lines, and the lines after a snapshot keep theirs. A crash between
 * the write and the send only skips the id (ids need only grow). The
 * process that sent a snapshot sends it again until it is acked (as any
 * batch); a restarted one does not (its cursor says delivered), and takes
 * a start snapshot instead, which tells the same and newer.
 *
 * cursor_snapshot_id() returns 0 when the epoch's ids are used up (call
 * cursor_next_epoch() first). cursor_add_snapshot() returns CERR_OK,
 * CERR_INVAL when id is not the next id, or CERR_AGAIN while batches are
 * in flight. Batches made before it and not yet marked sent are stale
 * afterwards.
 */
uint64_t  cursor_snapshot_id(const struct cursor *c);
enum cerr cursor_add_snapshot(struct cursor *c, uint64_t id);

/* Forget what is in flight: sent = acked. The next poll re-reads from there. */
void cursor_rewind(struct cursor *c);

/*
 * Continue from the sent position under a new, larger epoch with the
 * counter back at 0: for the day a device has used up 2^32 ids. Batches in
 * flight stay valid; batches made before and not yet marked sent do not.
 */
void cursor_next_epoch(struct cursor *c, int64_t now_ms);

const struct cursor_pos   *cursor_acked(const struct cursor *c);
const struct cursor_pos   *cursor_sent(const struct cursor *c);
const struct cursor_stats *cursor_stats(const struct cursor *c);
size_t      cursor_inflight(const struct cursor *c);
/* 1 when the acked position has not been written yet. */
int         cursor_dirty(const struct cursor *c);
const char *cursor_device(const struct cursor *c);
/* The cursor file's path; NULL for a memory-only cursor. */
const char *cursor_path(const struct cursor *c);

/* "wrap", "cleared", ... */
const char *cursor_gap_str(enum cursor_gap g);

/* The id of record number counter in epoch. */
static inline uint64_t
cursor_id(uint32_t epoch, uint32_t counter)
{
	return (uint64_t)epoch << 32 | counter;
}

/*
 * The file format, exposed for tests and the fuzzer: encode pos for device
 * into out (CERR_TOOBIG if outlen is short; *n gets the length), and
 * decode a file's bytes, checking version, checksum and device. Decoding
 * returns CERR_PARSE with the reason in err.
 */
enum cerr cursor_encode(const struct cursor_pos *pos, const char *device,
    char *out, size_t outlen, size_t *n);
enum cerr cursor_decode(const char *data, size_t len, const char *device,
    struct cursor_pos *pos, char *err, size_t errlen);

#endif
