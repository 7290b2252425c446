/*
 * wire_int.h — the two decoders behind wire_decode(), for wire.c and for
 * the tests and fuzz_wire that check they agree. Not for other callers.
 */
#ifndef LOGHAUL_WIRE_INT_H
#define LOGHAUL_WIRE_INT_H

#include <stddef.h>

#include "common/cerr.h"
#include "common/wire.h"

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
