/* snapevents.c — a snapshot row as an IFK_SNAPSHOT event (snapevents.h). */
#include <string.h>

#include "analyzer/snapevents.h"

const char *
snapev_severity(enum ifstate s)
{
	/* As the rules in analyzer/rules rate the lines reporting each state. */
	switch (s) {
	case IF_DOWN:		return "critical";
	case IF_ADMIN_DOWN:	return "warning";
	case IF_UP:
	case IF_UNKNOWN:	break;
	}
	return "info";
}

static enum ifstate
s_state(const struct wire_ifrow *row)
{
	if (row->admin == WIRE_IFROW_DOWN)
		return IF_ADMIN_DOWN;
	switch (row->oper) {
	case WIRE_IFROW_DOWN:	return IF_DOWN;
	case WIRE_IFROW_UP:	return IF_UP;
	case WIRE_IFROW_UNKNOWN: break;
	}
	return IF_UNKNOWN;
}

static void
s_capture(struct snapev *out, const char *name, struct wire_bytes v)
{
	out->cap[out->ev.ncaptures].name = wire_str(name);
	out->cap[out->ev.ncaptures].value = v;
	out->ev.ncaptures++;
}

/* A dot after a digit ends the port and starts a unit: "Gi0/1.100". */
static int
s_subif(struct wire_bytes name)
{
	for (size_t i = 1; i + 1 < name.len; i++)
		if (name.ptr[i] == '.' && name.ptr[i - 1] >= '0' &&
		    name.ptr[i - 1] <= '9' && name.ptr[i + 1] >= '0' &&
		    name.ptr[i + 1] <= '9')
			return 1;
	return 0;
}

enum snapev_result
snapev_row(const struct wire_batch *b, const char *platform,
    const struct wire_rec *r, size_t i, struct snapev *out)
{
	const struct wire_ifrow *row = &r->ifs[i];
	struct wire_event *e = &out->ev;
	const char *c;
	size_t clen;
	enum ifstate st = s_state(row);

	memset(out, 0, sizeof *out);
	if (row->name.len == 0 || row->name.ptr == NULL)
		return SNAPEV_NONAME;
	if (st == IF_UNKNOWN)
		return SNAPEV_UNKNOWN;
	if (s_subif(row->name))
		return SNAPEV_SUBIF;
	e->id = r->id;
	e->rule = wire_str("snapshot");
	e->event = wire_str("interface_snapshot");
	e->platform = b->platform;
	e->state = st;
	e->kind = IFK_SNAPSHOT;
	e->severity = wire_str(snapev_severity(st));
	e->ts_ms = r->ts_ms;
	e->ts_raw = (struct wire_bytes){ "", 0 };
	e->line = (struct wire_bytes){ "", 0 };
	e->rx_ms = b->rx_ms;
	e->captures = out->cap;
	out->renamed = ifname_canon_ref(platform, row->name.ptr, row->name.len,
	    out->canon, sizeof out->canon, &c, &clen);
	e->interface = (struct wire_bytes){ c, clen };
	s_capture(out, "reason", r->tag.len ? r->tag : wire_str(""));
	if (row->descr.len > 0)
		s_capture(out, "description", row->descr);
	if (out->renamed)
		s_capture(out, "interface_raw", row->name);
	return SNAPEV_EVENT;
}
