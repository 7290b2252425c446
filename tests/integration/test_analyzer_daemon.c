/*
 * The real loghaul-analyzer between a test that plays the collector (PUSH
 * batches, PULL acks) and the alert stage (ROUTER): bad frames are dropped
 * without stalling anything, good batches become events, and the batch is
 * acked to the collector only after the alert stage acked its events.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "analyzer/alerts/alert.h"
#include "common/buf.h"
#include "common/mq.h"
#include "common/util.h"
#include "common/wire.h"
#include "tests/support/proc.h"

struct rig {
	char  dir[64];
	struct proc p;
	void *push, *acks, *router;
};

static void
s_start(struct rig *r)
{
	char cfg[128], ep[160], err[256], bin[512], logp[160], ready[160];
	const char *src = getenv("LOGHAUL_SRC");
	char *const argv[] = { proc_bin(bin, sizeof bin, "loghaul-analyzer"),
	    (char *)(uintptr_t)"--config", cfg, NULL };
	FILE *f;

	snprintf(r->dir, sizeof r->dir, "/tmp/lh-analyzer-XXXXXX");
	cr_assert_not_null(mkdtemp(r->dir));
	snprintf(cfg, sizeof cfg, "%s/loghaul.yaml", r->dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f, "analyzer:\n  collectors: [ipc://%s/push]\n  alerts: ipc://%s/alerts\n"
	    "  rules: [%s/analyzer/rules/*.yaml]\n", r->dir, r->dir, src ? src : ".");
	fclose(f);

	r->push = mq_socket(ZMQ_PUSH, NULL, err, sizeof err);
	snprintf(ep, sizeof ep, "ipc://%s/push", r->dir);
	cr_assert_eq(mq_bind(r->push, ep, err, sizeof err), 0, "%s", err);
	r->acks = mq_socket(ZMQ_PULL, NULL, err, sizeof err);
	snprintf(ep, sizeof ep, "ipc://%s/push.ack", r->dir);
	cr_assert_eq(mq_bind(r->acks, ep, err, sizeof err), 0, "%s", err);
	r->router = mq_socket(ZMQ_ROUTER, NULL, err, sizeof err);
	snprintf(ep, sizeof ep, "ipc://%s/alerts", r->dir);
	cr_assert_eq(mq_bind(r->router, ep, err, sizeof err), 0, "%s", err);

	snprintf(logp, sizeof logp, "%s/analyzer.log", r->dir);
	snprintf(ready, sizeof ready, "%s/analyzer.ready", r->dir);
	cr_assert_eq(proc_spawn(&r->p, argv, logp, ready, NULL), 0);
	cr_assert_eq(proc_wait_ready(&r->p, 10), 0, "the analyzer did not start");
}

static int
s_stop(struct rig *r)
{
	int status = proc_stop(&r->p, SIGTERM, 10);
	char cmd[128];

	mq_close(&r->push);
	mq_close(&r->acks);
	mq_close(&r->router);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", r->dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Send until the analyzer has connected (PUSH with ZMQ_IMMEDIATE). */
static void
s_send(struct rig *r, const void *data, size_t len)
{
	for (int i = 0; i < 200; i++) {
		if (mq_send(r->push, data, len, 0) == CERR_OK)
			return;
		usleep(50 * 1000);
	}
	cr_assert_fail("the analyzer never connected to the collector endpoint");
}

/* One message on sock within timeout_ms; its last frame into out. */
static int
s_recv(void *sock, zmq_msg_t *id, zmq_msg_t *out, int timeout_ms)
{
	zmq_pollitem_t it = { .socket = sock, .events = ZMQ_POLLIN };

	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return -1;
	if (id) {
		zmq_msg_init(id);
		if (mq_recv(sock, id, 0) != CERR_OK)
			return -1;
	}
	zmq_msg_init(out);
	if (mq_recv(sock, out, 0) != CERR_OK)
		return -1;
	while (zmq_msg_more(out)) {	/* an empty delimiter, then the payload */
		zmq_msg_close(out);
		zmq_msg_init(out);
		if (mq_recv(sock, out, 0) != CERR_OK)
			return -1;
	}
	return 0;
}

/* lens[i] == 0: strlen(lines[i]); else that many bytes (NULs inside). */
static void
s_batch_on(struct buf *b, const char *platform, uint64_t first,
    const char *const *lines, const size_t *lens, size_t n)
{
	struct wire_rec recs[8];
	struct wire_batch wb = {
		.key = { .collector = wire_str("test/0"), .device = wire_str("r001"),
		    .first_id = first, .last_id = first + n - 1 },
		.platform = wire_str(platform), .nrecs = n, .recs = recs,
	};

	memset(recs, 0, sizeof recs);
	for (size_t i = 0; i < n; i++) {
		recs[i].id = first + i;
		recs[i].kind = REC_LINE;
		recs[i].line = (struct wire_bytes){ lines[i],
		    lens && lens[i] ? lens[i] : strlen(lines[i]) };
	}
	buf_reset(b);
	cr_assert_eq(wire_encode_batch(b, &wb), CERR_OK);
}

static void
s_batch(struct buf *b, uint64_t first, const char *const *lines,
    const size_t *lens, size_t n)
{
	s_batch_on(b, "cisco_ios", first, lines, lens, n);
}

Test(analyzer_daemon, bad_frames_dropped_good_batch_flows, .timeout = 60)
{
	static const char down_with_nul[] =
	    "000001: Nov 22 00:48:05.123 UTC: %SYS-5-CONFIG_I: a\0b\xff\x1b[2J";
	const char *lines[] = {
		down_with_nul,
		"000002: Nov 22 00:48:06.001 UTC: %LINK-3-UPDOWN: Interface "
		    "GigabitEthernet0/1, changed state to down",
	};
	struct rig r;
	struct buf b;
	zmq_msg_t id, msg;
	struct wire_msg wm;
	char err[256];
	static const char garbage[] = "\x93\xa2LH\x07not a frame at all";

	buf_init(&b, 0);
	s_start(&r);
	/* garbage, a truncated frame, a wrong version, an ack where a batch goes */
	s_send(&r, garbage, sizeof garbage - 1);
	size_t lens[] = { sizeof down_with_nul - 1, 0 };	/* NUL travels */
	s_batch(&b, 1, lines, lens, 2);
	s_send(&r, b.data, b.len / 2);
	{
		struct buf v;
		struct wire_key k = { .collector = wire_str("test/0"),
		    .device = wire_str("r001"), .first_id = 1, .last_id = 2 };
		buf_init(&v, 0);
		cr_assert_eq(wire_encode_ack(&v, &k), CERR_OK);
		s_send(&r, v.data, v.len);
		/* same frame with the version byte changed */
		for (size_t i = 0; i + 1 < v.len; i++)
			if (v.data[i] == 'L' && v.data[i + 1] == 'H') {
				v.data[i + 2] = 0x09;
				break;
			}
		s_send(&r, v.data, v.len);
		buf_free(&v);
	}
	/* then a good batch: one line with NUL/escapes, one interface down */
	s_send(&r, b.data, b.len);

	cr_assert_eq(s_recv(r.router, &id, &msg, 20000), 0,
	    "no EVENTS reached the alert stage after the bad frames");
	cr_assert_eq(wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm, err,
	    sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(wm.type, WIRE_EVENTS);
	cr_assert_eq(wm.u.events.nevents, 1, "only the interface line is an event");
	cr_assert(wire_bytes_eq(wm.u.events.events[0].interface,
	    wire_str("GigabitEthernet0/1")));
	cr_assert_eq(wm.u.events.events[0].state, IF_DOWN);
	cr_assert_eq(wm.u.events.events[0].id, 2);

	/* not acked to the collector before the alert stage acks */
	{
		zmq_msg_t early;
		cr_assert_neq(s_recv(r.acks, NULL, &early, 300), 0,
		    "batch acked before its events were");
	}
	buf_reset(&b);
	cr_assert_eq(wire_encode_ack(&b, &wm.u.events.key), CERR_OK);
	cr_assert_eq(zmq_send(r.router, zmq_msg_data(&id), zmq_msg_size(&id),
	    ZMQ_SNDMORE), (int)zmq_msg_size(&id));
	cr_assert_eq(zmq_send(r.router, b.data, b.len, 0), (int)b.len);
	wire_msg_free(&wm);
	zmq_msg_close(&msg);
	zmq_msg_close(&id);

	cr_assert_eq(s_recv(r.acks, NULL, &msg, 10000), 0, "no ack to the collector");
	cr_assert_eq(wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm, err,
	    sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(wm.type, WIRE_ACK);
	cr_assert_eq(wm.u.ack.first_id, 1);
	cr_assert_eq(wm.u.ack.last_id, 2);
	wire_msg_free(&wm);
	zmq_msg_close(&msg);

	/* a batch without events is acked at once */
	{
		const char *quiet[] = { "000003: Nov 22 00:48:07.000 UTC: "
		    "%SYS-5-CONFIG_I: Configured from console" };
		s_batch(&b, 3, quiet, NULL, 1);
		s_send(&r, b.data, b.len);
		cr_assert_eq(s_recv(r.acks, NULL, &msg, 10000), 0);
		cr_assert_eq(wire_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &wm,
		    err, sizeof err), CERR_OK);
		cr_assert_eq(wm.u.ack.first_id, 3);
		wire_msg_free(&wm);
		zmq_msg_close(&msg);
	}
	buf_free(&b);
	{
		char logp[128], line[1024];
		int dropped = 0;
		FILE *f;

		snprintf(logp, sizeof logp, "%s/analyzer.log", r.dir);
		f = fopen(logp, "r");
		cr_assert_not_null(f);
		while (fgets(line, sizeof line, f))
			dropped += strstr(line, "dropped a frame") != NULL;
		fclose(f);
		/* rate-limited: at least the first is said, none silently */
		cr_assert_geq(dropped, 1, "bad frames were not reported");
	}
	cr_assert_eq(s_stop(&r), 0, "the analyzer exits 0 on SIGTERM");
}

/* The value of capture name in ev, or NULL. */
static const struct wire_bytes *
s_capture(const struct wire_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->ncaptures; i++)
		if (wire_bytes_eq(ev->captures[i].name, wire_str(name)))
			return &ev->captures[i].value;
	return NULL;
}

/* The EVENTS message of the next batch, decoded into *wm. */
static void
s_events(struct rig *r, struct wire_msg *wm, zmq_msg_t *msg)
{
	zmq_msg_t id;
	char err[256];

	cr_assert_eq(s_recv(r->router, &id, msg, 20000), 0, "no EVENTS");
	zmq_msg_close(&id);
	cr_assert_eq(wire_decode(zmq_msg_data(msg), zmq_msg_size(msg), wm, err,
	    sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(wm->type, WIRE_EVENTS);
}

/*
 * "Gi0/1" (errdisable, EtherChannel and `show` output spell it so) and
 * "GigabitEthernet0/1" leave the analyzer as one canonical name, the raw
 * spelling in the capture interface_raw, and the alert stage makes one
 * alert of them. Template names (NetIron) survive the next hit.
 */
Test(analyzer_daemon, one_interface_one_name_one_alert, .timeout = 60)
{
	const char *ios[] = {
		"000001: Nov 22 00:48:05.001 UTC: %LINK-3-UPDOWN: Interface Gi0/1, "
		    "changed state to down",
		"000002: Nov 22 00:48:05.002 UTC: %LINEPROTO-5-UPDOWN: Line protocol "
		    "on Interface GigabitEthernet0/1, changed state to down",
		"000003: Nov 22 00:48:05.003 UTC: %PM-4-ERR_DISABLE: bpduguard error "
		    "detected on Gi0/2, putting Gi0/2 in err-disable state",
	};
	const char *netiron[] = {
		"Nov 22 00:48:05 r1 System: Interface ethernet 1/1/36, state down",
		"Nov 22 00:48:05 r1 System: Interface ethernet 1/1/37, state down",
	};
	struct alert_conf ac = { 0, 0, 0 };
	struct alert_engine *e = alert_new(&ac);
	struct alert_changes out = { 0 };
	const struct wire_event *ev;
	const struct wire_bytes *raw;
	struct wire_msg wm;
	zmq_msg_t msg;
	struct rig r;
	struct buf b;

	buf_init(&b, 0);
	s_start(&r);
	s_batch_on(&b, "cisco_ios", 1, ios, NULL, 3);
	s_send(&r, b.data, b.len);
	s_events(&r, &wm, &msg);
	cr_assert_eq(wm.u.events.nevents, 3);
	ev = wm.u.events.events;
	cr_assert(wire_bytes_eq(ev[0].interface, wire_str("GigabitEthernet0/1")));
	cr_assert(wire_bytes_eq(ev[1].interface, wire_str("GigabitEthernet0/1")));
	cr_assert(wire_bytes_eq(ev[2].interface, wire_str("GigabitEthernet0/2")));
	cr_assert_not_null(raw = s_capture(&ev[0], "interface_raw"));
	cr_assert(wire_bytes_eq(*raw, wire_str("Gi0/1")));
	cr_assert_null(s_capture(&ev[1], "interface_raw"), "already canonical");
	cr_assert_eq(alert_apply(e, wm.u.events.key.device, ev, 3, 1000, &out), 3);
	cr_assert_eq(alert_count_ifaces(e), 2);
	cr_assert_eq(alert_count_open(e, ALERT_T_DOWN), 2);
	cr_assert_eq(out.n, 2, "one alert per interface, not per spelling");
	cr_assert_str_eq(out.v[0]->interface.p, "GigabitEthernet0/1");
	alert_changes_clear(&out);
	wire_msg_free(&wm);
	zmq_msg_close(&msg);

	s_batch_on(&b, "netiron", 4, netiron, NULL, 2);
	s_send(&r, b.data, b.len);
	s_events(&r, &wm, &msg);
	cr_assert_eq(wm.u.events.nevents, 2);
	cr_assert(wire_bytes_eq(wm.u.events.events[0].interface,
	    wire_str("ethernet1/1/36")), "a template name outlives the next hit");
	cr_assert(wire_bytes_eq(wm.u.events.events[1].interface,
	    wire_str("ethernet1/1/37")));
	wire_msg_free(&wm);
	zmq_msg_close(&msg);
	buf_free(&b);
	alert_free(&e);
	cr_assert_eq(s_stop(&r), 0);
}

/*
 * A snapshot record's rows leave the analyzer as IFK_SNAPSHOT events after
 * the line events of the records before it, with canonical names, their
 * reason and description captures (any bytes) and the batch's rx_ms, as
 * every line event has. 1000 described rows need more captures than the
 * worker's first array holds: the batch is matched again, larger, and the
 * names copied on the first pass must not leak into the second.
 */
Test(analyzer_daemon, snapshot_rows_become_events, .timeout = 60)
{
	enum { NROWS = 1003 };
	static const char hostile[] = "to \"core\"\0{}\\\x1b\xff";
	static struct wire_ifrow rows[NROWS];
	static char names[NROWS][16], descrs[NROWS][16];
	const char *line = "000001: Nov 22 00:48:05.001 UTC: %LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down";
	struct wire_rec recs[2];
	struct wire_batch wb = {
		.key = { .collector = wire_str("test/0"), .device = wire_str("r001"),
		    .first_id = 1, .last_id = 2 },
		.platform = wire_str("cisco_ios"), .rx_ms = INT64_C(1765000000456),
		.nrecs = 2, .recs = recs,
	};
	const struct wire_event *ev;
	const struct wire_bytes *c;
	struct wire_msg wm;
	zmq_msg_t msg;
	struct rig r;
	struct buf b;

	memset(recs, 0, sizeof recs);
	recs[0].id = 1;
	recs[0].kind = REC_LINE;
	recs[0].line = wire_str(line);
	recs[1].id = 2;
	recs[1].kind = REC_SNAPSHOT;
	recs[1].ts_ms = INT64_C(1765000000400);
	recs[1].tag = wire_str("wrap");
	recs[1].ifs = rows;
	recs[1].nifs = NROWS;
	rows[0] = (struct wire_ifrow){ wire_str("Gi0/1"),
	    { hostile, sizeof hostile - 1 }, WIRE_IFROW_UP, WIRE_IFROW_UP };
	rows[1] = (struct wire_ifrow){ wire_str("Gi0/2"), wire_str(""),
	    WIRE_IFROW_DOWN, WIRE_IFROW_DOWN };
	rows[2] = (struct wire_ifrow){ wire_str("Gi0/3"), wire_str("no state"),
	    WIRE_IFROW_UP, WIRE_IFROW_UNKNOWN };
	for (size_t i = 3; i < NROWS; i++) {
		snprintf(names[i], sizeof names[i], "Gi1/%zu", i);
		snprintf(descrs[i], sizeof descrs[i], "port %zu", i);
		rows[i] = (struct wire_ifrow){ wire_str(names[i]),
		    wire_str(descrs[i]), WIRE_IFROW_UP, WIRE_IFROW_DOWN };
	}
	buf_init(&b, 0);
	cr_assert_eq(wire_encode_batch(&b, &wb), CERR_OK);
	s_start(&r);
	s_send(&r, b.data, b.len);
	s_events(&r, &wm, &msg);
	/* the line's event, then every row but the one without a state */
	cr_assert_eq(wm.u.events.nevents, 1 + NROWS - 1, "%zu events",
	    wm.u.events.nevents);
	ev = wm.u.events.events;
	cr_assert_eq(ev[0].kind, IFK_LINK);
	cr_assert_eq(ev[0].id, 1);
	cr_assert_eq(ev[0].rx_ms, wb.rx_ms, "line events carry the batch's rx_ms");

	cr_assert_eq(ev[1].kind, IFK_SNAPSHOT);
	cr_assert_eq(ev[1].id, 2);
	cr_assert_eq(ev[1].state, IF_UP);
	cr_assert_eq(ev[1].ts_ms, recs[1].ts_ms);
	cr_assert_eq(ev[1].rx_ms, wb.rx_ms);
	cr_assert(wire_bytes_eq(ev[1].rule, wire_str("snapshot")));
	cr_assert(wire_bytes_eq(ev[1].event, wire_str("interface_snapshot")));
	cr_assert(wire_bytes_eq(ev[1].platform, wire_str("cisco_ios")));
	cr_assert(wire_bytes_eq(ev[1].interface, wire_str("GigabitEthernet0/1")));
	cr_assert_eq(ev[1].line.len, 0);
	cr_assert_eq(ev[1].ts_raw.len, 0);
	cr_assert_not_null(c = s_capture(&ev[1], "reason"));
	cr_assert(wire_bytes_eq(*c, wire_str("wrap")));
	cr_assert_not_null(c = s_capture(&ev[1], "description"));
	cr_assert_eq(c->len, sizeof hostile - 1, "every byte, the NUL too");
	cr_assert_eq(memcmp(c->ptr, hostile, c->len), 0);
	cr_assert_not_null(c = s_capture(&ev[1], "interface_raw"));
	cr_assert(wire_bytes_eq(*c, wire_str("Gi0/1")));

	cr_assert_eq(ev[2].state, IF_ADMIN_DOWN);
	cr_assert(wire_bytes_eq(ev[2].interface, wire_str("GigabitEthernet0/2")));
	cr_assert_null(s_capture(&ev[2], "description"));

	for (size_t i = 3; i < NROWS; i++) {
		char want[32];
		const struct wire_event *e = &ev[i];	/* row i: event i (row 2 made none) */

		snprintf(want, sizeof want, "GigabitEthernet1/%zu", i);
		cr_assert(wire_bytes_eq(e->interface, wire_str(want)), "row %zu: %.*s",
		    i, (int)e->interface.len, e->interface.ptr);
		cr_assert_eq(e->state, IF_DOWN);
		cr_assert_not_null(c = s_capture(e, "description"));
		cr_assert(wire_bytes_eq(*c, wire_str(descrs[i])), "row %zu", i);
		cr_assert_not_null(c = s_capture(e, "interface_raw"));
		cr_assert(wire_bytes_eq(*c, wire_str(names[i])), "row %zu", i);
	}
	wire_msg_free(&wm);
	zmq_msg_close(&msg);
	buf_free(&b);
	cr_assert_eq(s_stop(&r), 0);
}
