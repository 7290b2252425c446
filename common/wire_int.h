/*
 * wire_int.h — the field counts the encoder (wire_enc.c) and the decoders
 * share, and the two decoders behind wire_decode(), for wire.c and for the
 * tests and fuzz_wire that check they agree. Not for other callers.
 */
#ifndef LOGHAUL_WIRE_INT_H
#define LOGHAUL_WIRE_INT_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/cerr.h"
#include "common/wire.h"

/* Fields of each frame and element, as wire.h describes them. */
#define WIRE_BATCH_FIELDS  10	/* "LH" version type + 7 */
#define WIRE_ACK_FIELDS    7	/* "LH" version type + 4 */
#define WIRE_EVENTS_FIELDS 8	/* "LH" version type + 5 */
#define WIRE_REC_FIELDS    7
#define WIRE_SNAP_FIELDS   8	/* a REC_SNAPSHOT record: + its rows */
#define WIRE_IFROW_FIELDS  4
#define WIRE_EVENT_FIELDS  13
/*
 * The fewest bytes a row can take: fixarray, bin8 of one byte, empty bin8,
 * two fixints. A row count larger than the bytes left / this is a lie.
 */
#define WIRE_IFROW_MIN_BYTES 8

/*
 * n (1, 2, 4 or 8) big-endian bytes as a number, for both decoders' length
 * and integer fields: one load each, where a byte loop was a fifth of the
 * fast reader's instructions.
 */
static inline uint64_t
wire_be(const unsigned char *p, size_t n)
{
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (n) {
	case 1:
		return p[0];
	case 2:
		memcpy(&v16, p, 2);
		return be16toh(v16);
	case 4:
		memcpy(&v32, p, 4);
		return be32toh(v32);
	default:
		memcpy(&v64, p, 8);
		return be64toh(v64);
	}
}

/*
 * wire_fast.c: decode a well-formed BATCH frame in one pass. 0 on success
 * (msg as wire_decode() fills it); -1 for anything else, with msg zeroed
 * and no reason: the reference decoder then decides.
 */
int wire_decode_batch_fast(const void *data, size_t len, struct wire_msg *msg);

/* wire.c: scan, msgpack-c and shape checks; defines every refusal. */
enum cerr wire_decode_ref(const void *data, size_t len, struct wire_msg *msg,
    char *err, size_t errlen);

#endif
