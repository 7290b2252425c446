/*
 * fuzz_wire.c — libFuzzer target for wire_decode().
 *
 * Any bytes: decoding must not crash, leak or read out of bounds. When a
 * frame decodes, encoding the result must succeed, decode again to the
 * same message, and encode to the same bytes (the encoder is canonical), so
 * the encoder and decoder agree on every rule. And the one-pass BATCH
 * reader (wire_fast.c) must agree with the reference decoder: it accepts
 * exactly the BATCH frames the reference accepts, with the same fields.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/wire.h"
#include "common/wire_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
s_die(const char *what)
{
	fprintf(stderr, "fuzz_wire: %s\n", what);
	abort();
}

static void
s_same_bytes(struct wire_bytes a, struct wire_bytes b, const char *what)
{
	if (!wire_bytes_eq(a, b))
		s_die(what);
}

static void
s_same_key(const struct wire_key *a, const struct wire_key *b)
{
	s_same_bytes(a->collector, b->collector, "collector");
	s_same_bytes(a->device, b->device, "device");
	if (a->first_id != b->first_id || a->last_id != b->last_id)
		s_die("ids");
}

/* A snapshot's rows; ifs is NULL exactly when there are none. */
static void
s_same_rows(const struct wire_rec *x, const struct wire_rec *y)
{
	size_t j;

	if (x->nifs != y->nifs || (x->ifs == NULL) != (x->nifs == 0) ||
	    (y->ifs == NULL) != (y->nifs == 0))
		s_die("nifs");
	if (x->nifs > 0 && x->kind != REC_SNAPSHOT)
		s_die("rows on a record that is not a snapshot");
	for (j = 0; j < x->nifs; j++) {
		if (x->ifs[j].admin != y->ifs[j].admin ||
		    x->ifs[j].oper != y->ifs[j].oper ||
		    (unsigned)x->ifs[j].admin > WIRE_IFROW_MAX ||
		    (unsigned)x->ifs[j].oper > WIRE_IFROW_MAX)
			s_die("row states");
		if (x->ifs[j].name.len == 0)
			s_die("row without a name");
		s_same_bytes(x->ifs[j].name, y->ifs[j].name, "row name");
		s_same_bytes(x->ifs[j].descr, y->ifs[j].descr, "row descr");
	}
}

static void
s_same_batch(const struct wire_batch *a, const struct wire_batch *b)
{
	size_t i;

	s_same_key(&a->key, &b->key);
	s_same_bytes(a->platform, b->platform, "platform");
	if (a->rx_ms != b->rx_ms)
		s_die("rx_ms");
	if (a->nrecs != b->nrecs)
		s_die("nrecs");
	for (i = 0; i < a->nrecs; i++) {
		const struct wire_rec *x = &a->recs[i], *y = &b->recs[i];

		if (x->id != y->id || x->kind != y->kind || x->ts_ms != y->ts_ms ||
		    x->seq != y->seq)
			s_die("record numbers");
		s_same_bytes(x->ts_raw, y->ts_raw, "ts_raw");
		s_same_bytes(x->tag, y->tag, "tag");
		s_same_bytes(x->line, y->line, "line");
		s_same_rows(x, y);
	}
}

static void
s_same_events(const struct wire_events *a, const struct wire_events *b)
{
	size_t i, j;

	s_same_key(&a->key, &b->key);
	if (a->nevents != b->nevents)
		s_die("nevents");
	for (i = 0; i < a->nevents; i++) {
		const struct wire_event *x = &a->events[i], *y = &b->events[i];

		if (x->id != y->id || x->state != y->state || x->kind != y->kind ||
		    x->ts_ms != y->ts_ms || x->rx_ms != y->rx_ms ||
		    x->ncaptures != y->ncaptures)
			s_die("event numbers");
		s_same_bytes(x->rule, y->rule, "rule");
		s_same_bytes(x->event, y->event, "event");
		s_same_bytes(x->platform, y->platform, "event platform");
		s_same_bytes(x->interface, y->interface, "interface");
		s_same_bytes(x->severity, y->severity, "severity");
		s_same_bytes(x->ts_raw, y->ts_raw, "event ts_raw");
		s_same_bytes(x->line, y->line, "event line");
		for (j = 0; j < x->ncaptures; j++) {
			s_same_bytes(x->captures[j].name, y->captures[j].name, "cap name");
			s_same_bytes(x->captures[j].value, y->captures[j].value, "cap value");
		}
	}
}

static enum cerr
s_encode(struct buf *out, const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_BATCH:	return wire_encode_batch(out, &m->u.batch);
	case WIRE_ACK:		return wire_encode_ack(out, &m->u.ack);
	case WIRE_EVENTS:	return wire_encode_events(out, &m->u.events);
	}
	s_die("decoded an unknown type");
	return CERR_INVAL;
}

/* The fast reader and the reference decoder on the same bytes. */
static void
s_fast_agrees(const uint8_t *data, size_t size)
{
	struct wire_msg ref, fast;
	char err[256];
	enum cerr rc = wire_decode_ref(data, size, &ref, err, sizeof err);
	int frc = wire_decode_batch_fast(data, size, &fast);

	if (frc == 0) {
		if (rc != CERR_OK || ref.type != WIRE_BATCH)
			s_die("the fast reader took a frame the reference refuses");
		s_same_batch(&ref.u.batch, &fast.u.batch);
	} else {
		if (fast.priv_ != NULL || fast.u.batch.recs != NULL)
			s_die("the fast reader refused but left memory");
		if (rc == CERR_OK && ref.type == WIRE_BATCH)
			s_die("the fast reader refused a good batch");
	}
	wire_msg_free(&ref);
	wire_msg_free(&fast);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m1, m2;
	struct buf b1, b2;
	char err[256];

	s_fast_agrees(data, size);

	if (wire_decode(data, size, &m1, err, sizeof err) != CERR_OK) {
		if (err[0] == '\0')
			s_die("refused without a reason");
		if (m1.priv_ != NULL)
			s_die("refused but left memory");
		return 0;
	}
	buf_init(&b1, 0);
	buf_init(&b2, 0);
	if (s_encode(&b1, &m1) != CERR_OK)
		s_die("a decoded frame does not encode");
	if (wire_decode(b1.data, b1.len, &m2, err, sizeof err) != CERR_OK)
		s_die(err);
	if (m1.type != m2.type)
		s_die("type");
	switch (m1.type) {
	case WIRE_BATCH:
		s_same_batch(&m1.u.batch, &m2.u.batch);
		break;
	case WIRE_ACK:
		s_same_key(&m1.u.ack, &m2.u.ack);
		break;
	case WIRE_EVENTS:
		s_same_events(&m1.u.events, &m2.u.events);
		break;
	}
	if (s_encode(&b2, &m2) != CERR_OK)
		s_die("second encode");
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		s_die("encoding is not canonical");
	if (b1.len > size)
		s_die("canonical form longer than the input");
	wire_msg_free(&m1);
	wire_msg_free(&m2);
	buf_free(&b1);
	buf_free(&b2);
	return 0;
}
