/*
 * print.c — the collector's human and script faces for one-shot use:
 * --print writes every new record as one JSON line on stdout (a snapshot
 * as one line and one per interface), a terminal
 * gets a progress line on stderr, and --once ends with a per-device table.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "collector/collector.h"
#include "common/inventory.h"
#include "common/json.h"
#include "common/util.h"

/* Whether json_str() writes bytes as they are (valid UTF-8 throughout). */
static int
s_utf8_ok(const struct wire_bytes *w)
{
	const unsigned char *p = (const unsigned char *)w->ptr;
	uint32_t cp;

	for (size_t i = 0, n; i < w->len; i += n)
		if ((n = json_utf8(p + i, w->len - i, &cp)) == 0)
			return 0;
	return 1;
}

static void
s_base64(struct buf *b, const struct wire_bytes *w)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)w->ptr;
	size_t i = 0;

	for (; i + 3 <= w->len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char q[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63],
		    tab[v & 63] };
		buf_append(b, q, 4);
	}
	if (i < w->len) {
		uint32_t v = (uint32_t)p[i] << 16 |
		    (i + 1 < w->len ? (uint32_t)p[i + 1] << 8 : 0);
		char q[4] = { tab[v >> 18], tab[(v >> 12) & 63],
		    i + 1 < w->len ? tab[(v >> 6) & 63] : '=', '=' };
		buf_append(b, q, 4);
	}
}

/*
 * {"device":"r001","id":123,"kind":"line","ts":"Nov 22 00:48:05.123 UTC",
 *  "ts_ms":1795...,"seq":22701,"tag":"LINK-3-UPDOWN","platform":"cisco_ios",
 *  "line":"..."}  — seq and tag only when the device wrote them. A gap
 * record adds "reason" (wrap, cleared, reload) and its line says why. JSON
 * strings cannot carry bytes that are not UTF-8 (json_str() writes U+FFFD
 * for them), so a line holding any also comes whole as "line_base64":
 * scripts that need the exact bytes take that one. A line cut to the
 * record ceiling (WIRE_MAX_LINE) says so, with the entry's size before the
 * cut: "truncated_from":10485760 (a number, like every other non-string).
 */
int
print_records(struct collector *c, struct dev *d, const struct cursor_batch *cb)
{
	const struct logparse_entry *e;
	size_t k = cb->first_entry;
	struct buf b;
	int rc;

	buf_init(&b, 0);
	for (size_t i = 0; i < cb->nrecs; i++) {
		const struct wire_rec *r = &cb->recs[i];

		buf_reset(&b);
		buf_printf(&b, "{\"device\":");
		json_str(&b, d->host->name, strlen(d->host->name));
		buf_printf(&b, ",\"id\":%llu,\"kind\":\"%s\",\"ts\":",
		    (unsigned long long)r->id, r->kind == REC_GAP ? "gap" : "line");
		json_str(&b, r->ts_raw.ptr, r->ts_raw.len);
		buf_printf(&b, ",\"ts_ms\":%lld", (long long)r->ts_ms);
		if (r->seq)
			buf_printf(&b, ",\"seq\":%llu", (unsigned long long)r->seq);
		if (r->tag.len) {
			buf_printf(&b, ",\"tag\":");
			json_str(&b, r->tag.ptr, r->tag.len);
		}
		if (r->kind == REC_GAP)
			buf_printf(&b, ",\"reason\":\"%s\"", dev_gap_reason(cb, i));
		buf_printf(&b, ",\"platform\":\"%s\",\"line\":", d->pf->name);
		json_str(&b, r->line.ptr, r->line.len);
		if (!s_utf8_ok(&r->line)) {
			buf_printf(&b, ",\"line_base64\":\"");
			s_base64(&b, &r->line);
			buf_printf(&b, "\"");
		}
		e = dev_rec_entry(c, cb, i, &k);
		if (e != NULL && (e->flags & LOGPARSE_E_TRUNCATED))
			buf_printf(&b, ",\"truncated_from\":%zu", e->full_len);
		buf_printf(&b, "}\n");
		fwrite(b.data, 1, b.len, c->print);
	}
	rc = fflush(c->print) == 0 && !ferror(c->print) ? 0 : -1;
	buf_free(&b);
	return rc;
}

/* "key":"bytes" and, when they are not all UTF-8, "key_base64":"...". */
static void
s_bytes_field(struct buf *b, const char *key, const struct wire_bytes *w)
{
	buf_printf(b, ",\"%s\":", key);
	json_str(b, w->ptr, w->len);
	if (!s_utf8_ok(w)) {
		buf_printf(b, ",\"%s_base64\":\"", key);
		s_base64(b, w);
		buf_printf(b, "\"");
	}
}

/*
 * A snapshot: one line for the record, then one per interface, in the
 * device's order:
 *   {"device":"r001","id":124,"kind":"snapshot","ts_ms":1795...,
 *    "reason":"cleared","platform":"cisco_ios","interfaces":12,"skipped":0}
 *   {"device":"r001","id":124,"kind":"ifrow","interface":"Gi0/1",
 *    "admin":"up","oper":"down","descr":"uplink to core"}
 * reason is the record's tag (start, periodic, or the gap's reason);
 * skipped counts table rows the parser did not understand; descr is the
 * device's bytes (with "descr_base64" when they are not UTF-8), "" when
 * the interface has none.
 */
int
print_snapshot(struct collector *c, struct dev *d, const struct wire_rec *r,
    size_t nskipped)
{
	struct buf b;
	int rc;

	buf_init(&b, 0);
	buf_printf(&b, "{\"device\":");
	json_str(&b, d->host->name, strlen(d->host->name));
	buf_printf(&b, ",\"id\":%llu,\"kind\":\"snapshot\",\"ts_ms\":%lld,"
	    "\"reason\":", (unsigned long long)r->id, (long long)r->ts_ms);
	json_str(&b, r->tag.ptr, r->tag.len);
	buf_printf(&b, ",\"platform\":\"%s\",\"interfaces\":%zu,"
	    "\"skipped\":%zu}\n", d->pf->name, r->nifs, nskipped);
	for (size_t i = 0; i < r->nifs; i++) {
		const struct wire_ifrow *w = &r->ifs[i];

		buf_printf(&b, "{\"device\":");
		json_str(&b, d->host->name, strlen(d->host->name));
		buf_printf(&b, ",\"id\":%llu,\"kind\":\"ifrow\"",
		    (unsigned long long)r->id);
		s_bytes_field(&b, "interface", &w->name);
		buf_printf(&b, ",\"admin\":\"%s\",\"oper\":\"%s\"",
		    wire_ifrow_str(w->admin), wire_ifrow_str(w->oper));
		s_bytes_field(&b, "descr", &w->descr);
		buf_printf(&b, "}\n");
	}
	fwrite(b.data, 1, b.len, c->print);
	rc = fflush(c->print) == 0 && !ferror(c->print) ? 0 : -1;
	buf_free(&b);
	return rc;
}

void
print_progress(struct collector *c, int final)
{
	unsigned failed = 0;

	for (size_t i = 0; i < c->ndevs; i++)
		failed += c->devs[i].status == DEV_FAILED;
	fprintf(stderr, "\rpolled %u/%zu devices, %u failed%s", c->once_done,
	    c->ndevs, failed, final ? "\n" : "");
	fflush(stderr);
}

void
print_summary(struct collector *c, FILE *f)
{
	unsigned ok = 0, failed = 0;
	uint64_t lines = 0;

	fprintf(f, "%-24s %-8s %8s %8s  %s\n", "DEVICE", "STATUS", "NEW", "SECONDS",
	    "DETAIL");
	for (size_t i = 0; i < c->ndevs; i++) {
		const struct dev *d = &c->devs[c->by_name[i]];
		const char *st = d->status == DEV_OK ? "ok" :
		    d->status == DEV_FAILED ? "FAILED" : "not-run";

		ok += d->status == DEV_OK;
		failed += d->status != DEV_OK;
		/* records: a poll repeated for want of an analyzer adds up */
		lines += d->records;
		fprintf(f, "%-24s %-8s %8llu %8.3f  %s%s%s\n", d->host->name, st,
		    (unsigned long long)d->records, d->last_dur,
		    d->status == DEV_FAILED ? cerr_str(d->last_err) : "",
		    d->status == DEV_FAILED && d->last_msg[0] ? ": " : "",
		    d->status == DEV_FAILED ? d->last_msg : "");
	}
	fprintf(f, "%u ok, %u failed, %llu new records\n", ok, failed,
	    (unsigned long long)lines);
}
