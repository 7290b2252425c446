/*
 * alert_change.c — the values the alert stage hands around: owned strings,
 * alert changes (new, copy, free, lists) and their names. No engine state:
 * outputs and persistence use these as much as the state machine does.
 */
#include <stdlib.h>
#include <string.h>

#include "analyzer/alerts/alert.h"
#include "analyzer/alerts/alert_int.h"
#include "common/util.h"

void
alert_str_set(struct alert_str *s, const void *p, size_t len, size_t max)
{
	free(s->p);
	if (len > max)
		len = max;
	s->p = xmalloc(len + 1);
	if (len > 0)
		memcpy(s->p, p, len);
	s->p[len] = '\0';
	s->len = len;
}

void
alert_str_free(struct alert_str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = 0;
}

size_t
alert_utf8_cut(const char *p, size_t len, size_t max)
{
	const unsigned char *u = (const unsigned char *)p;

	if (len <= max)
		return len;
	/* The last byte kept that is not a continuation byte starts a
	 * sequence: cut before it when its sequence does not fit. Bytes that
	 * are no UTF-8 at all are cut where they fall. */
	for (size_t j = max; j > 0 && max - j < 4; j--) {
		unsigned char c = u[j - 1];
		size_t need;

		if ((c & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return max - (j - 1) < need ? j - 1 : max;
	}
	return max;
}

struct wire_bytes
alert_capture(const struct wire_event *ev, const char *name)
{
	struct wire_bytes none = { NULL, 0 };
	size_t n = strlen(name);

	for (size_t i = 0; i < ev->ncaptures; i++)
		if (ev->captures[i].name.len == n &&
		    memcmp(ev->captures[i].name.ptr, name, n) == 0)
			return ev->captures[i].value;
	return none;
}

struct alert_change *
alert_change_new(void)
{
	struct alert_change *c = xcalloc(1, sizeof *c);

	/* Every string is valid (empty) from the start. */
	alert_str_set(&c->device, "", 0, 0);
	alert_str_set(&c->interface, "", 0, 0);
	alert_str_set(&c->rule, "", 0, 0);
	alert_str_set(&c->event, "", 0, 0);
	alert_str_set(&c->severity, "", 0, 0);
	alert_str_set(&c->platform, "", 0, 0);
	alert_str_set(&c->ts_raw, "", 0, 0);
	alert_str_set(&c->line, "", 0, 0);
	alert_str_set(&c->reason, "", 0, 0);
	alert_str_set(&c->description, "", 0, 0);
	return c;
}

struct alert_change *
alert_change_dup(const struct alert_change *src)
{
	struct alert_change *c = xcalloc(1, sizeof *c);

	*c = *src;
	memset(&c->device, 0, sizeof c->device);
	memset(&c->interface, 0, sizeof c->interface);
	memset(&c->rule, 0, sizeof c->rule);
	memset(&c->event, 0, sizeof c->event);
	memset(&c->severity, 0, sizeof c->severity);
	memset(&c->platform, 0, sizeof c->platform);
	memset(&c->ts_raw, 0, sizeof c->ts_raw);
	memset(&c->line, 0, sizeof c->line);
	memset(&c->reason, 0, sizeof c->reason);
	memset(&c->description, 0, sizeof c->description);
	alert_str_set(&c->device, src->device.p, src->device.len, SIZE_MAX);
	alert_str_set(&c->interface, src->interface.p, src->interface.len, SIZE_MAX);
	alert_str_set(&c->rule, src->rule.p, src->rule.len, SIZE_MAX);
	alert_str_set(&c->event, src->event.p, src->event.len, SIZE_MAX);
	alert_str_set(&c->severity, src->severity.p, src->severity.len, SIZE_MAX);
	alert_str_set(&c->platform, src->platform.p, src->platform.len, SIZE_MAX);
	alert_str_set(&c->ts_raw, src->ts_raw.p, src->ts_raw.len, SIZE_MAX);
	alert_str_set(&c->line, src->line.p, src->line.len, SIZE_MAX);
	alert_str_set(&c->reason, src->reason.p, src->reason.len, SIZE_MAX);
	alert_str_set(&c->description, src->description.p,
	    src->description.len, SIZE_MAX);
	return c;
}

void
alert_change_free(struct alert_change **cp)
{
	struct alert_change *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	alert_str_free(&c->device);
	alert_str_free(&c->interface);
	alert_str_free(&c->rule);
	alert_str_free(&c->event);
	alert_str_free(&c->severity);
	alert_str_free(&c->platform);
	alert_str_free(&c->ts_raw);
	alert_str_free(&c->line);
	alert_str_free(&c->reason);
	alert_str_free(&c->description);
	free(c);
	*cp = NULL;
}

void
alert_changes_push(struct alert_changes *l, struct alert_change *c)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = c;
}

void
alert_changes_clear(struct alert_changes *l)
{
	for (size_t i = 0; i < l->n; i++)
		alert_change_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- names ---- */

const char *
alert_strstatus(enum alert_status s)
{
	switch (s) {
	case ALERT_FIRING:	return "firing";
	case ALERT_RESOLVED:	return "resolved";
	case ALERT_FLAPPING:	return "flapping";
	}
	return "unknown";
}

const char *
alert_strtype(enum alert_type t)
{
	switch (t) {
	case ALERT_T_NONE:	return "none";
	case ALERT_T_DOWN:	return "down";
	case ALERT_T_ADMIN:	return "admin";
	case ALERT_T_FLAP:	return "flap";
	}
	return "unknown";
}

const char *
alert_name(enum alert_type t)
{
	switch (t) {
	case ALERT_T_DOWN:	return "InterfaceDown";
	case ALERT_T_ADMIN:	return "InterfaceAdminDown";
	case ALERT_T_FLAP:	return "InterfaceFlapping";
	case ALERT_T_NONE:	break;
	}
	return "Interface";
}
