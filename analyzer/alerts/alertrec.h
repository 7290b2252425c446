/*
 * alertrec.h — the items of the alert stage's state files (alertstate.c):
 * their encoding, and a checked decoder. Private to analyzer/alerts/.
 *
 * Integers are little-endian, byte strings u32-length-prefixed; every read
 * is checked against the end, and a record that does not decode whole is
 * bad (the caller sets it aside, never half-applies it).
 *
 * Versions (the file header's): 1 as first written; 2 adds to every change
 * reconciled(u8) reason(str) description(str) received_at(u64) after late,
 * and to every interface its descr(str) at the end. A version 1 file is
 * read with those at their defaults (0, empty).
 */
#ifndef LOGHAUL_ALERTREC_H
#define LOGHAUL_ALERTREC_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alertstate.h"
#include "common/buf.h"

#define ALERTREC_VER_MIN 1u
#define ALERTREC_VER     2u	/* what the encoders write */

enum alertrec_item {
	IT_DEV    = 1,
	IT_IFACE  = 2,
	IT_CHANGE = 3,
	IT_CURSOR = 4,
	IT_SEQ    = 5,
};

/* Appending (a full buffer is fatal: the buffers have no ceiling). */
void alertrec_put(struct buf *b, const void *p, size_t n);
void alertrec_put_u8(struct buf *b, uint8_t v);
void alertrec_put_u32(struct buf *b, uint32_t v);
void alertrec_put_u64(struct buf *b, uint64_t v);
void alertrec_put_change(struct buf *b, const struct alert_change *c);
/* alert_foreach_* callbacks: arg is the struct buf. */
void alertrec_put_iface(const struct alert_iface *f, void *arg);
void alertrec_put_dev(const struct alert_str *name, uint64_t hw, void *arg);
/* The cursors and the next seq, which end every snapshot and record. */
void alertrec_put_tail(struct buf *b, struct alert_engine *e,
    const struct alertstate_cursors *cursors);

/* Where decoded items go; e NULL: only check them. */
struct alertrec_load {
	struct alert_engine       *e;	/* NULL: only check the items */
	struct alert_changes      *outbox;
	struct alertstate_cursors *cursors;
	unsigned                   ver;	/* of the file being read */
};

/*
 * Decode a run of items. With ld->e NULL nothing is applied, so a record
 * can be checked whole before any of it changes the state. 0, or -1 when
 * it does not decode whole.
 */
int  alertrec_items(const void *data, size_t len, struct alertrec_load *ld);

#endif
