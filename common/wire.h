/*
 * wire.h — loghaul's wire format, version 3, and the socket topology that
 * carries it. This header is the contract between collector, analyzer and
 * alert stage; wire.c is its only encoder and decoder.
 *
 * Encoding: every ZeroMQ message is exactly one frame holding one
 * MessagePack array (msgpack-c):
 *
 *     [ "LH", version(uint), type(uint), body... ]
 *
 * Integers are MessagePack integers; strings that come from a device (the
 * log line, the timestamp as written, captures) are MessagePack bin, because
 * a device may send anything, including invalid UTF-8 and NUL bytes; names
 * that loghaul controls (device, collector, rule...) are MessagePack str.
 * The decoder is defensive: any frame that is not exactly this shape, whose
 * version is not WIRE_VERSION, that is larger than WIRE_MAX_FRAME, that
 * holds more than WIRE_MAX_RECORDS entries, or that leaves bytes unread is
 * refused with CERR_PARSE / CERR_TOOBIG / CERR_PROTO and an explanation;
 * it never crashes and never reads out of bounds.
 *
 * Which code for what:
 *   CERR_PARSE   not MessagePack, truncated, trailing bytes, wrong shape,
 *                wrong type (str where bin is due, ...), unknown enum value,
 *                a str field holding a NUL byte
 *   CERR_PROTO   a loghaul-shaped frame we must not interpret: magic is not
 *                "LH", version is not WIRE_VERSION, type is unknown
 *   CERR_TOOBIG  a limit below is passed (frame, records, line or field,
 *                captures, values)
 * The encoders enforce the same rules (CERR_INVAL for a bad enum value or a
 * NUL in a str field, CERR_TOOBIG for a limit), so whatever encodes decodes.
 * Ordering rules (first_id <= last_id, ids ascending) are the consumers'
 * business, not the codec's.
 *
 * Bodies by type:
 *
 *  WIRE_BATCH (collector -> analyzer)
 *     collector(str) device(str) platform(str) first_id(uint) last_id(uint)
 *     rx_ms(int)
 *     records: array of [ id(uint) kind(uint) ts_ms(int) ts_raw(bin|ref)
 *                         seq(uint) tag(str|ref) line(bin) ]
 *              a REC_SNAPSHOT record has one element more, its table:
 *                       [ ... line(bin) ifs: array of
 *                         [ name(bin) descr(bin) admin(uint) oper(uint) ] ]
 *     The element count follows the kind: 7 for REC_LINE and REC_GAP, 8
 *     for REC_SNAPSHOT, anything else is refused; a table may be empty, a
 *     row's name may not, admin and oper are enum wire_ifrow_state. A
 *     snapshot's line is empty, so its tag ("start", "wrap"...) can be no
 *     ref and travels as str.
 *     rx_ms is the collector's wall clock (ms since epoch) when it had read
 *     the output the batch's records come from (one poll: a batch never
 *     mixes polls); 0 unknown. Version 3 added it and REC_SNAPSHOT.
 *     A record's id travels as its difference from first_id (modulo 2^64,
 *     so any id can be sent): usually one byte instead of nine. ts_raw and
 *     tag are usually bytes of the line; then they travel as a ref, the
 *     array [offset(uint), length(uint)] into line, length >= 1, inside the
 *     line (a tag by ref still holds no NUL). The encoder sends a ref
 *     exactly when the field's bytes lie inside the line it was given, so
 *     the encoding stays canonical. Version 2 added both to cut a record's
 *     overhead from ~70 to ~30 bytes: the bytes, not the codec, bounded
 *     the transport (issue 7's bench-transport).
 *  WIRE_ACK (analyzer -> collector, and alert stage -> analyzer)
 *     collector(str) device(str) first_id(uint) last_id(uint)
 *  WIRE_EVENTS (analyzer -> alert stage)
 *     collector(str) device(str) first_id(uint) last_id(uint)
 *     events: array of [ id(uint) rule(str) event(str) platform(str)
 *                        interface(bin) state(uint) kind(uint)
 *                        severity(str) ts_ms(int) ts_raw(bin) line(bin)
 *                        captures: map bin->bin  rx_ms(int) ]
 *     rx_ms is the rx_ms of the batch the event's record came in.
 *     An event of kind IFK_SNAPSHOT is one row of a REC_SNAPSHOT record
 *     (see enum ifkind).
 *     The (collector, device, first_id, last_id) of an EVENTS message is that
 *     of the batch the events came from: the alert stage's ACK names it, and
 *     the analyzer then ACKs that batch to its collector. A batch with no
 *     event is acked at once by the analyzer.
 *
 * Record ids: per device, a 64-bit id whose high 32 bits are the cursor's
 * epoch (unix seconds when the device's cursor file was created) and whose
 * low 32 bits count records within that epoch from 1. Re-reading the same
 * buffer from the same persisted cursor yields the same ids; a lost or
 * corrupt cursor starts a new, larger epoch, so ids only ever grow and the
 * alert stage's "ignore ids already applied" stays correct.
 *
 * Sockets (ipc:// or tcp://; CURVE on tcp when configured):
 *
 *   collector  binds PUSH  at its data endpoint    (collector.push)
 *   collector  binds PULL  at its ack endpoint     (wire_ack_endpoint())
 *   analyzer   connects one PULL to every collector's data endpoint, and
 *              one PUSH per collector to that collector's ack endpoint: an
 *              ack travels on a socket connected to exactly one peer, so it
 *              reaches the process that sent the batch.
 *   alert stage binds ROUTER at alerts.listen; each analyzer process
 *              connects one DEALER; the alert stage answers each EVENTS
 *              message with an ACK to the identity it came from.
 */
#ifndef LOGHAUL_WIRE_H
#define LOGHAUL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/cerr.h"

#define WIRE_MAGIC        "LH"
#define WIRE_VERSION      3u
#define WIRE_MAX_FRAME    (16u * 1024 * 1024)	/* bytes */
#define WIRE_MAX_RECORDS  65536u		/* records or events per frame */
#define WIRE_MAX_LINE     (1u * 1024 * 1024)	/* one line's bytes; also any str/bin field */
#define WIRE_MAX_CAPTURES 64u			/* captures per event */
#define WIRE_MAX_IFS      65536u		/* rows of one snapshot record */
/*
 * MessagePack values per frame. Decoding costs memory per value, not per
 * byte, so this bounds what one hostile 16 MiB frame can make us allocate.
 * A full batch (65536 records) is about 0.5 M values; a snapshot row is
 * five, so a frame holds at most ~419 K rows in all its tables.
 */
#define WIRE_MAX_VALUES   (2u * 1024 * 1024)

enum wire_type {
	WIRE_BATCH  = 1,
	WIRE_ACK    = 2,
	WIRE_EVENTS = 3,
};

enum rec_kind {
	REC_LINE     = 0,	/* a log message (with its continuation lines) */
	REC_GAP      = 1,	/* lines were lost on the device: line says why */
	/*
	 * The device's interface table, read after the records before it:
	 * ts_ms is the collector's wall clock when the table was read,
	 * ts_raw and line are empty, seq is 0, tag says why it was taken
	 * (WIRE_SNAP_*), ifs holds the rows.
	 */
	REC_SNAPSHOT = 2,
};
#define REC_KIND_MAX REC_SNAPSHOT

/* Why a snapshot was taken: a REC_SNAPSHOT record's tag. */
#define WIRE_SNAP_START    "start"	/* the session (re)started */
#define WIRE_SNAP_PERIODIC "periodic"	/* collector.snapshot_interval */
/* after a gap: the gap's reason, cursor_gap_str(): "wrap", "cleared",
 * "reload" */

/* A snapshot row's admin or operational state. */
enum wire_ifrow_state {
	WIRE_IFROW_UNKNOWN = 0,
	WIRE_IFROW_UP      = 1,
	WIRE_IFROW_DOWN    = 2,
};
#define WIRE_IFROW_MAX WIRE_IFROW_DOWN

/* Bytes with a length; not NUL-terminated in general. */
struct wire_bytes {
	const char *ptr;
	size_t      len;
};

/* One row of a snapshot: an interface as the device spells it. */
struct wire_ifrow {
	struct wire_bytes     name;	/* non-empty */
	struct wire_bytes     descr;	/* device bytes, any; empty when none */
	enum wire_ifrow_state admin;	/* DOWN: shut down by configuration */
	enum wire_ifrow_state oper;	/* line protocol */
};

/*
 * One harvested record. On decode, every pointer borrows from the frame the
 * decoder was given, and stays valid until that frame is freed.
 */
struct wire_rec {
	uint64_t          id;
	enum rec_kind     kind;
	int64_t           ts_ms;	/* device time parsed, ms since epoch; 0 unknown */
	struct wire_bytes ts_raw;	/* device time as written */
	uint64_t          seq;		/* device sequence number; 0 when none */
	struct wire_bytes tag;		/* "LINK-3-UPDOWN"; empty when none */
	struct wire_bytes line;		/* the raw message bytes */
	/* REC_SNAPSHOT only (else 0 and NULL): the table's rows */
	size_t             nifs;
	struct wire_ifrow *ifs;		/* on decode: owned by the message */
};

/* Which batch a message is about. */
struct wire_key {
	struct wire_bytes collector;
	struct wire_bytes device;
	uint64_t          first_id;
	uint64_t          last_id;
};

struct wire_batch {
	struct wire_key   key;
	struct wire_bytes platform;
	int64_t           rx_ms;	/* collector's wall clock at the read */
	size_t            nrecs;
	struct wire_rec  *recs;		/* owned by the decoded message */
};

enum ifstate {
	IF_UNKNOWN    = 0,
	IF_DOWN       = 1,
	IF_UP         = 2,
	IF_ADMIN_DOWN = 3,
};

enum ifkind {
	IFK_NONE     = 0,
	IFK_LINK     = 1,
	IFK_PROTOCOL = 2,
	IFK_ADMIN    = 3,
	/*
	 * A snapshot row (REC_SNAPSHOT): state is what the device's table
	 * says (admin down, else the line protocol); rule "snapshot", event
	 * "interface_snapshot", interface canonical, line empty, ts_ms the
	 * snapshot's; captures "reason" (the record's tag) and, when the
	 * row has one, "description".
	 */
	IFK_SNAPSHOT = 4,
};
#define IFK_MAX IFK_SNAPSHOT

struct wire_capture {
	struct wire_bytes name;
	struct wire_bytes value;
};

struct wire_event {
	uint64_t             id;	/* record id of the line that matched */
	struct wire_bytes    rule;
	struct wire_bytes    event;	/* "interface_down", "bgp_down", ... */
	struct wire_bytes    platform;
	struct wire_bytes    interface;
	enum ifstate         state;
	enum ifkind          kind;
	struct wire_bytes    severity;
	int64_t              ts_ms;
	struct wire_bytes    ts_raw;
	struct wire_bytes    line;
	size_t               ncaptures;
	struct wire_capture *captures;
	int64_t              rx_ms;	/* the batch's rx_ms; 0 unknown */
};

struct wire_events {
	struct wire_key    key;
	size_t             nevents;
	struct wire_event *events;
};

/* A decoded message of any type. */
struct wire_msg {
	enum wire_type type;
	union {
		struct wire_batch  batch;
		struct wire_key    ack;
		struct wire_events events;
	} u;
	void *priv_;	/* decoder's storage */
};

/*
 * Encoders append one complete frame to a caller buffer (common/buf.h);
 * the caller sends out->data/out->len. Return CERR_OK, CERR_TOOBIG when the
 * frame would pass WIRE_MAX_FRAME or another limit (or the buffer's own
 * ceiling), or CERR_INVAL for a value the decoder would refuse (enum out of
 * range, NUL in a str field, NULL pointer with a length); on failure the
 * buffer is left as it was.
 */
struct buf;
enum cerr wire_encode_batch(struct buf *out, const struct wire_batch *b);
enum cerr wire_encode_ack(struct buf *out, const struct wire_key *k);
enum cerr wire_encode_events(struct buf *out, const struct wire_events *ev);

/*
 * Decode one frame. On success *msg borrows from data, which must outlive
 * it; free with wire_msg_free(). On failure returns CERR_PARSE, CERR_TOOBIG
 * or CERR_PROTO (CERR_NOMEM if memory runs out), writes a one-line reason
 * into err (when errlen > 0) and leaves nothing to free (wire_msg_free() on
 * it is still harmless). Cost: a well-formed BATCH frame is read in one
 * pass with one allocation (the records array kept in *msg; snapshot rows
 * go behind the records in the same block, which grows by doubling as
 * tables arrive, so a frame with rows may realloc it, at most to the rows
 * WIRE_MAX_VALUES allows); any other frame takes one pass to check it,
 * msgpack-c's parse, and two allocations (msgpack's zone, freed before
 * returning, and one block for the records and their rows, or the events
 * and their captures). Line and row bytes are never copied.
 */
enum cerr wire_decode(const void *data, size_t len, struct wire_msg *msg,
    char *err, size_t errlen);
/* Frees what decode kept; accepts a zeroed or already freed message. */
void      wire_msg_free(struct wire_msg *msg);

/*
 * The ack endpoint that belongs to a collector's data endpoint, unless the
 * config names one: tcp://HOST:PORT -> tcp://HOST:PORT+1, ipc://PATH ->
 * ipc://PATH.ack, inproc://NAME -> inproc://NAME.ack. Returns a malloc'd
 * string, or NULL for an endpoint it cannot derive from.
 */
char *wire_ack_endpoint(const char *data_endpoint);

/* Helpers for building messages from C strings. NULL gives {"", 0}. */
struct wire_bytes wire_str(const char *s);
/* 1 when the two byte strings are equal. */
int wire_bytes_eq(struct wire_bytes a, struct wire_bytes b);
/* malloc'd NUL-terminated copy (NULs inside are kept; len is a.len). */
char *wire_bytes_dup(struct wire_bytes a);

const char *ifstate_str(enum ifstate s);	/* "down", "up", "admin_down", "unknown" */
const char *ifkind_str(enum ifkind k);		/* "link", "protocol", "admin",
						 * "snapshot", "" */
const char *wire_ifrow_str(enum wire_ifrow_state s);	/* "up", "down", "unknown" */

#endif
