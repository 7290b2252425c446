/*
 * ctl.c — the control protocol (unix socket DIR/control, one command per
 * line, one reply line "ok ..." or "err ..."), how tests drive exact
 * scenarios:
 *
 *   flap DEV IFACE down|up|admin_down   interface change (journal "flap")
 *   clear DEV                           clear logging (journal "clear")
 *   reload DEV [DOWNTIME_S]             buffer emptied, sequence numbers
 *                                       restart, sessions dropped; RESTART
 *                                       logged when it is back up
 *   descr DEV IFACE [TEXT]              set (or with no TEXT remove) the
 *                                       interface's description, as the
 *                                       interface table prints it
 *   log DEV TEXT                        log TEXT with the device's prefix
 *   lograw DEV TEXT                     log TEXT as the whole entry
 *   fault DEV|all KIND on|off           see FAULT_MAP
 *   rate DEV|all N                      messages per second
 *   pause | resume                      the generator (pause returns once
 *                                       the journal is flushed)
 *   info DEV                            port, platform, counters
 *   stats | flush | ping
 *
 * TEXT takes the escapes \n (continuation line), \t, \\ and \xHH (any byte).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

/* Decode TEXT escapes in place; returns the length. */
static size_t
s_unescape(char *s)
{
	char *w = s, *r = s;

	while (*r) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r) {
		case 'n': *w++ = '\n'; r++; break;
		case 't': *w++ = '\t'; r++; break;
		case '\\': *w++ = '\\'; r++; break;
		case 'x':
			if (isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
				char hex[3] = { r[1], r[2], '\0' };

				*w++ = (char)strtoul(hex, NULL, 16);
				r += 3;
				break;
			}
			/* FALLTHROUGH */
		default:
			*w++ = '\\';
			break;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* Split off the next space-separated word. */
static char *
s_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static int
s_onoff(const char *s)
{
	if (s && strcmp(s, "on") == 0)
		return 1;
	if (s && strcmp(s, "off") == 0)
		return 0;
	return -1;
}

/* Run fn-like edits on one device or all ("all"); 0 when DEV is unknown. */
static size_t
s_targets(struct fleet *fl, const char *name, struct device **one)
{
	if (name && strcmp(name, "all") == 0) {
		*one = NULL;
		return fl->ndevs;
	}
	*one = name ? fleet_find(fl, name) : NULL;
	return *one ? 1 : 0;
}

static void
s_cmd_locked(struct fleet *fl, char *p, const char *cmd, struct buf *r)
{
	char *dev = s_word(&p);
	struct device *d = NULL;
	size_t i;

	if (strcmp(cmd, "pause") == 0) {
		if (!fl->paused) {
			fl->paused = 1;
			fl->pause_started = util_monotime();
		}
		journal_flush(fl->jr);
		buf_printf(r, "ok paused");
		return;
	}
	if (strcmp(cmd, "resume") == 0) {
		if (fl->paused) {
			fl->paused_total += util_monotime() - fl->pause_started;
			fl->paused = 0;
		}
		buf_printf(r, "ok resumed");
		return;
	}
	if (strcmp(cmd, "stats") == 0) {
		buf_printf(r, "ok devices=%zu sessions=%d lines=%llu paused=%d",
		    fl->ndevs, atomic_load(&fl->nsessions),
		    (unsigned long long)atomic_load(&fl->lines), fl->paused);
		return;
	}
	if (strcmp(cmd, "flush") == 0 || strcmp(cmd, "ping") == 0) {
		journal_flush(fl->jr);
		buf_printf(r, "ok");
		return;
	}
	if (strcmp(cmd, "fault") == 0 || strcmp(cmd, "rate") == 0) {
		size_t n = s_targets(fl, dev, &d);
		double rate = 0;
		char *a = s_word(&p), *b = s_word(&p);
		int bit = 0, on = 0;

		if (n == 0) {
			buf_printf(r, "err no such device '%s'", dev ? dev : "");
			return;
		}
		if (cmd[0] == 'f') {
			bit = a ? fleet_fault_parse(a) : 0;
			on = s_onoff(b);
			if (bit == 0 || on < 0) {
				buf_printf(r, "err usage: fault DEV|all KIND on|off");
				return;
			}
		} else if (a == NULL || util_parse_double(a, &rate) != CERR_OK ||
		    rate < 0 || rate > 10000) {
			buf_printf(r, "err usage: rate DEV|all LINES_PER_SEC (0-10000)");
			return;
		}
		for (i = 0; i < fl->ndevs; i++) {
			struct device *t = d ? d : &fl->devs[i];

			if (cmd[0] == 'f' && on)
				t->faults |= (unsigned)bit;
			else if (cmd[0] == 'f')
				t->faults &= ~(unsigned)bit;
			else {
				t->rate = rate;
				gen_device_reschedule(t, fleet_vnow_locked(fl), 0);
			}
			if (d)
				break;
		}
		buf_printf(r, "ok");
		return;
	}

	if (dev == NULL || (d = fleet_find(fl, dev)) == NULL) {
		buf_printf(r, "err no such device '%s'", dev ? dev : "");
		return;
	}
	if (strcmp(cmd, "flap") == 0) {
		char *ifn = s_word(&p), *st = s_word(&p);
		int state = !st ? -1 : !strcmp(st, "down") ? IF_DOWN : !strcmp(st, "up") ? IF_UP
		    : !strcmp(st, "admin_down") ? IF_ADMIN_DOWN : -1;
		uint64_t n;

		if (ifn == NULL || state < 0 || strlen(ifn) >= DS_IFNAME_MAX) {
			buf_printf(r, "err usage: flap DEV IFACE down|up|admin_down");
			return;
		}
		n = fleet_flap_locked(fl, d, ifn, state, util_wallms());
		journal_flush(fl->jr);
		buf_printf(r, "ok n=%llu", (unsigned long long)n);
	} else if (strcmp(cmd, "descr") == 0) {
		char *ifn = s_word(&p);
		size_t len;
		int k;

		for (k = 0; ifn && k < d->nifaces; k++)
			if (strcmp(d->ifaces[k].name, ifn) == 0)
				break;
		if (ifn == NULL || k == d->nifaces) {
			buf_printf(r, "err usage: descr DEV IFACE [TEXT] (IFACE one of "
			    "the device's)");
			return;
		}
		while (*p == ' ')
			p++;
		len = s_unescape(p);
		/* a description is one line on every platform */
		if (memchr(p, '\n', len) || memchr(p, '\r', len)) {
			buf_printf(r, "err a description has no line break");
			return;
		}
		iftable_set_descr(d, k, p, len);
		buf_printf(r, "ok");
	} else if (strcmp(cmd, "clear") == 0) {
		fleet_clear_locked(fl, d);
		buf_printf(r, "ok");
	} else if (strcmp(cmd, "reload") == 0) {
		char *a = s_word(&p);
		double down = 0;

		if (a && (util_parse_double(a, &down) != CERR_OK || down < 0 || down > 3600)) {
			buf_printf(r, "err usage: reload DEV [DOWNTIME_SECONDS]");
			return;
		}
		fleet_reload_locked(fl, d, down);
		buf_printf(r, "ok n=%llu", (unsigned long long)d->n);
	} else if (strcmp(cmd, "log") == 0 || strcmp(cmd, "lograw") == 0) {
		size_t len;
		uint64_t n;

		while (*p == ' ')
			p++;
		len = s_unescape(p);
		if (len == 0) {
			buf_printf(r, "err usage: %s DEV TEXT", cmd);
			return;
		}
		if (d->down_until > 0) {
			buf_printf(r, "err %s is reloading", d->name);
			return;
		}
		n = fleet_log_locked(fl, d, util_wallms(), p, len, cmd[3] == 'r');
		journal_flush(fl->jr);
		buf_printf(r, "ok n=%llu", (unsigned long long)n);
	} else if (strcmp(cmd, "info") == 0) {
		buf_printf(r, "ok dev=%s port=%d platform=%s n=%llu seq=%llu buffer_size=%zu "
		    "entries=%zu sessions=%d faults=%#x rate=%g epoch=%u",
		    d->name, d->port, plat_name(d->plat), (unsigned long long)d->n,
		    (unsigned long long)d->seq, d->buffer_size, d->ring.count,
		    d->sessions, d->faults, d->rate, d->epoch);
	} else {
		buf_printf(r, "err unknown command '%s'", cmd);
	}
}

void
ctl_exec(struct fleet *fl, char *line, struct buf *reply)
{
	char *p = line, *cmd;
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		line[--n] = '\0';
	cmd = s_word(&p);
	if (cmd == NULL) {
		buf_printf(reply, "err empty command");
		return;
	}
	fleet_lock(fl);
	s_cmd_locked(fl, p, cmd, reply);
	fleet_unlock(fl);
}
