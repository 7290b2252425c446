/*
 * cli.c — the command language: IOS-style keyword matching (any unique
 * prefix of a keyword, case-insensitive, so `sh log` and `term len 0`
 * work), the platforms' error messages with their caret lines, output
 * filters after `|`, and the output of each modelled command.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

enum cmd_id {
	C_NONE, C_ENABLE, C_DISABLE, C_EXIT, C_TERM_LEN, C_TERM_WIDTH, C_TERM_MON,
	C_SHOW_LOG, C_SHOW_CLOCK, C_SHOW_VER, C_SHOW_PRIV, C_CLEAR_LOG,
	C_CLI_LEN, C_CLI_WIDTH, C_SHOW_IFTABLE, C_SHOW_IFDESCR
};

struct kw {
	const char      *w;
	const struct kw *sub;	/* further keywords, NULL-terminated */
	int              id;	/* command run when the line ends here */
	int              priv;	/* least privilege that sees the keyword */
	int              num;	/* takes a number 0..num */
};

#define KW_END { NULL, NULL, 0, 0, 0 }

/* show interfaces description (IOS, XE, XR, EOS) */
static const struct kw k_show_ifs[] = {
	{ "description", NULL, C_SHOW_IFTABLE, 1, 0 },
	KW_END
};
/* show interface status (NX-OS) */
static const struct kw k_nxos_show_if[] = {
	{ "status", NULL, C_SHOW_IFTABLE, 1, 0 },
	KW_END
};
static const struct kw k_ios_show[] = {
	{ "clock", NULL, C_SHOW_CLOCK, 1, 0 },
	{ "interfaces", k_show_ifs, C_NONE, 1, 0 },
	{ "logging", NULL, C_SHOW_LOG, 15, 0 },
	{ "privilege", NULL, C_SHOW_PRIV, 1, 0 },
	{ "version", NULL, C_SHOW_VER, 1, 0 },
	KW_END
};
static const struct kw k_eos_show[] = {
	{ "clock", NULL, C_SHOW_CLOCK, 1, 0 },
	{ "interfaces", k_show_ifs, C_NONE, 1, 0 },
	{ "logging", NULL, C_SHOW_LOG, 1, 0 },
	{ "privilege", NULL, C_SHOW_PRIV, 1, 0 },
	{ "version", NULL, C_SHOW_VER, 1, 0 },
	KW_END
};
static const struct kw k_nxos_logging[] = {
	{ "logfile", NULL, C_SHOW_LOG, 1, 0 },
	KW_END
};
static const struct kw k_nxos_show[] = {
	{ "clock", NULL, C_SHOW_CLOCK, 1, 0 },
	{ "interface", k_nxos_show_if, C_NONE, 1, 0 },
	{ "logging", k_nxos_logging, C_SHOW_LOG, 1, 0 },
	{ "version", NULL, C_SHOW_VER, 1, 0 },
	KW_END
};
static const struct kw k_term_no[] = {
	{ "monitor", NULL, C_TERM_MON, 1, 0 },
	KW_END
};
static const struct kw k_term[] = {
	{ "length", NULL, C_TERM_LEN, 1, 512 },
	{ "monitor", NULL, C_TERM_MON, 1, 0 },
	{ "no", k_term_no, C_NONE, 1, 0 },
	{ "width", NULL, C_TERM_WIDTH, 1, 32767 },
	KW_END
};
static const struct kw k_clear[] = {
	{ "logging", NULL, C_CLEAR_LOG, 15, 0 },
	KW_END
};
static const struct kw k_ios[] = {
	{ "clear", k_clear, C_NONE, 15, 0 },
	{ "disable", NULL, C_DISABLE, 1, 0 },
	{ "enable", NULL, C_ENABLE, 1, 0 },
	{ "exit", NULL, C_EXIT, 1, 0 },
	{ "logout", NULL, C_EXIT, 1, 0 },
	{ "show", k_ios_show, C_NONE, 1, 0 },
	{ "terminal", k_term, C_NONE, 1, 0 },
	KW_END
};
static const struct kw k_eos[] = {
	{ "clear", k_clear, C_NONE, 15, 0 },
	{ "disable", NULL, C_DISABLE, 1, 0 },
	{ "enable", NULL, C_ENABLE, 1, 0 },
	{ "exit", NULL, C_EXIT, 1, 0 },
	{ "logout", NULL, C_EXIT, 1, 0 },
	{ "show", k_eos_show, C_NONE, 1, 0 },
	{ "terminal", k_term, C_NONE, 1, 0 },
	KW_END
};
static const struct kw k_nxos[] = {
	{ "clear", k_clear, C_NONE, 15, 0 },
	{ "exit", NULL, C_EXIT, 1, 0 },
	{ "show", k_nxos_show, C_NONE, 1, 0 },
	{ "terminal", k_term, C_NONE, 1, 0 },
	KW_END
};
static const struct kw k_xr[] = {
	{ "clear", k_clear, C_NONE, 15, 0 },
	{ "exit", NULL, C_EXIT, 1, 0 },
	{ "logout", NULL, C_EXIT, 1, 0 },
	{ "show", k_ios_show, C_NONE, 1, 0 },
	{ "terminal", k_term, C_NONE, 1, 0 },
	KW_END
};
static const struct kw k_junos_log[] = {
	{ "messages", NULL, C_SHOW_LOG, 1, 0 },
	KW_END
};
static const struct kw k_junos_system[] = {
	{ "uptime", NULL, C_SHOW_CLOCK, 1, 0 },
	KW_END
};
/* show interfaces terse | descriptions (Junos) */
static const struct kw k_junos_show_ifs[] = {
	{ "descriptions", NULL, C_SHOW_IFDESCR, 1, 0 },
	{ "terse", NULL, C_SHOW_IFTABLE, 1, 0 },
	KW_END
};
static const struct kw k_junos_show[] = {
	{ "interfaces", k_junos_show_ifs, C_NONE, 1, 0 },
	{ "log", k_junos_log, C_NONE, 1, 0 },
	{ "system", k_junos_system, C_NONE, 1, 0 },
	{ "version", NULL, C_SHOW_VER, 1, 0 },
	KW_END
};
static const struct kw k_junos_cli[] = {
	{ "screen-length", NULL, C_CLI_LEN, 1, 100000 },
	{ "screen-width", NULL, C_CLI_WIDTH, 1, 1024 },
	KW_END
};
static const struct kw k_junos_set[] = {
	{ "cli", k_junos_cli, C_NONE, 1, 0 },
	KW_END
};
static const struct kw k_junos[] = {
	{ "exit", NULL, C_EXIT, 1, 0 },
	{ "quit", NULL, C_EXIT, 1, 0 },
	{ "set", k_junos_set, C_NONE, 1, 0 },
	{ "show", k_junos_show, C_NONE, 1, 0 },
	KW_END
};

static const struct kw *
s_table(int plat)
{
	switch (plat) {
	case PLAT_EOS:   return k_eos;
	case PLAT_NXOS:  return k_nxos;
	case PLAT_XR:    return k_xr;
	case PLAT_JUNOS: return k_junos;
	default:         return k_ios;
	}
}

struct tok {
	const char *p;
	size_t      len;
	size_t      off;	/* column in the typed line */
};

static size_t
s_tokens(const char *line, size_t end, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;

	while (i < end && n < max) {
		while (i < end && isspace((unsigned char)line[i]))
			i++;
		if (i >= end)
			break;
		t[n].p = line + i;
		t[n].off = i;
		while (i < end && !isspace((unsigned char)line[i]))
			i++;
		t[n].len = (size_t)(line + i - t[n].p);
		n++;
	}
	return n;
}

enum perr { PE_OK, PE_INVALID, PE_INCOMPLETE, PE_AMBIGUOUS };

struct parsed {
	int      id;
	uint64_t num;
	size_t   bad;	/* token index of an error */
};

static enum perr
s_parse(const struct kw *level, int priv, const struct tok *t, size_t nt,
    struct parsed *pr)
{
	size_t i = 0;

	pr->id = C_NONE;
	while (i < nt) {
		const struct kw *k, *hit = NULL;
		int hits = 0;

		for (k = level; level && k->w; k++) {
			if (k->priv > priv || t[i].len > strlen(k->w) ||
			    strncasecmp(k->w, t[i].p, t[i].len) != 0)
				continue;
			if (t[i].len == strlen(k->w)) {
				hit = k, hits = 1;
				break;
			}
			hit = k, hits++;
		}
		pr->bad = i;
		if (hits == 0)
			return PE_INVALID;
		if (hits > 1)
			return PE_AMBIGUOUS;
		i++;
		if (hit->num) {
			char tmp[24];

			pr->bad = i;
			if (i >= nt)
				return PE_INCOMPLETE;
			if (t[i].len >= sizeof(tmp))
				return PE_INVALID;
			memcpy(tmp, t[i].p, t[i].len);
			tmp[t[i].len] = '\0';
			if (util_parse_u64(tmp, (uint64_t)hit->num, &pr->num) != CERR_OK)
				return PE_INVALID;
			i++;
			pr->id = hit->id;
			pr->bad = i;
			return i < nt ? PE_INVALID : PE_OK;
		}
		if (i == nt) {
			pr->id = hit->id;
			pr->bad = i;
			return hit->id != C_NONE ? PE_OK : PE_INCOMPLETE;
		}
		level = hit->sub;
		if (level == NULL) {
			pr->bad = i;
			return PE_INVALID;
		}
	}
	return PE_INCOMPLETE;
}

/* The error output of each platform, with the caret under column col. */
static void
s_error(struct sess *s, enum perr e, const char *line, size_t col, size_t tokidx,
    const struct tok *t, struct buf *o)
{
	struct buf pr;
	size_t i;
	int plat = s->dev->plat;

	buf_init(&pr, 0);
	plat_prompt(s->dev, s->user, s->priv, &pr);
	if (plat == PLAT_EOS) {
		if (e == PE_INCOMPLETE)
			buf_printf(o, "%% Incomplete command\n");
		else if (e == PE_AMBIGUOUS)
			buf_printf(o, "%% Ambiguous command\n");
		else
			buf_printf(o, "%% Invalid input (at token %zu: '%.*s')\n", tokidx,
			    (int)t[tokidx].len, t[tokidx].p);
		buf_free(&pr);
		return;
	}
	if (e == PE_AMBIGUOUS) {
		if (plat == PLAT_JUNOS)
			buf_printf(o, "'%.*s' is ambiguous.\n", (int)t[tokidx].len, t[tokidx].p);
		else
			buf_printf(o, "%% Ambiguous command:  \"%s\"\n", line);
	} else if (e == PE_INCOMPLETE) {
		buf_printf(o, plat == PLAT_JUNOS ? "syntax error, expecting <command>.\n"
		    : "%% Incomplete command.\n");
	} else {
		/* an exec channel prints no prompt to count from */
		for (i = 0; i < (s->exec_cmd ? 0 : pr.len) + col; i++)
			buf_appendc(o, ' ');
		buf_appendc(o, '^');
		buf_appendc(o, '\n');
		if (plat == PLAT_JUNOS)
			buf_printf(o, tokidx == 0 ? "unknown command.\n" : "syntax error.\n");
		else if (plat == PLAT_NXOS)
			buf_printf(o, "%% Invalid command at '^' marker.\n");
		else
			buf_printf(o, "%% Invalid input detected at '^' marker.\n");
	}
	if (plat != PLAT_JUNOS)
		buf_appendc(o, '\n');
	buf_free(&pr);
}

static void
s_show_log(struct sess *s, struct buf *o)
{
	struct device *d = s->dev;

	fleet_lock(s->fl);
	plat_log_header(d, o);
	ring_view(&d->ring, o);
	fleet_unlock(s->fl);
	/* IOS-style buffers keep each entry behind its line break */
	if (!plat_whole_lines(d->plat))
		buf_appendc(o, '\n');
}

static void
s_show_version(struct sess *s, struct buf *o)
{
	struct device *d = s->dev;
	int64_t up;

	fleet_lock(s->fl);
	up = (util_wallms() - d->boot_ms) / 1000;
	fleet_unlock(s->fl);
	if (d->plat == PLAT_JUNOS) {
		buf_printf(o, "Hostname: %s\nModel: vmx\nJunos: 21.4R3.15\n", d->name);
		return;
	}
	buf_printf(o, "%s software (devsim simulated %s)\n\n%s uptime is %lld days, %lld hours, %lld minutes\n",
	    d->plat == PLAT_NXOS ? "Cisco Nexus Operating System (NX-OS)" :
	    d->plat == PLAT_EOS ? "Arista EOS" : d->plat == PLAT_XR ? "Cisco IOS XR" :
	    "Cisco IOS", plat_name(d->plat), d->name, (long long)(up / 86400),
	    (long long)(up / 3600 % 24), (long long)(up / 60 % 60));
}

/* "Sat Nov 22 00:48:05.123 UTC": the device's clock, in its zone */
static void
s_xr_stamp(const struct device *d, struct buf *o)
{
	static const char *const wd[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *zone;
	struct tm tm;
	int64_t ms = zone_clock(d, util_wallms(), &tm, &zone);

	buf_printf(o, "%s %s %2d %02d:%02d:%02d.%03d %s\n", wd[tm.tm_wday], mon[tm.tm_mon],
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000), zone);
}

static void
s_run(struct sess *s, const struct parsed *pr, struct cli_result *r)
{
	struct buf *o = &r->out;

	switch (pr->id) {
	case C_ENABLE:
		r->action = CLI_ENABLE;
		break;
	case C_DISABLE:
		s->priv = 1;
		break;
	case C_EXIT:
		r->action = CLI_EXIT;
		break;
	case C_TERM_LEN:
		s->term_len = (int)pr->num;
		break;
	case C_TERM_WIDTH:
		s->term_width = (int)pr->num;
		break;
	case C_CLI_LEN:
		s->term_len = (int)pr->num;
		buf_printf(o, "Screen length set to %d\n", s->term_len);
		break;
	case C_CLI_WIDTH:
		s->term_width = (int)pr->num;
		buf_printf(o, "Screen width set to %d\n", s->term_width);
		break;
	case C_TERM_MON:
		break;
	case C_SHOW_LOG:
		r->is_log = 1;
		s_show_log(s, o);
		break;
	case C_SHOW_CLOCK:
		plat_clock(s->dev, util_wallms(), o);
		break;
	case C_SHOW_IFTABLE:
	case C_SHOW_IFDESCR:
		iftable_show(s->fl, s->dev, pr->id == C_SHOW_IFDESCR, o);
		break;
	case C_SHOW_VER:
		s_show_version(s, o);
		break;
	case C_SHOW_PRIV:
		buf_printf(o, "Current privilege level is %d\n", s->priv);
		break;
	case C_CLEAR_LOG:
		r->action = CLI_CLEAR_CONFIRM;
		buf_printf(o, "Clear logging buffer [confirm]");
		break;
	default:
		break;
	}
}

void
cli_run(struct sess *s, const char *line, struct cli_result *r)
{
	struct tok t[16];
	struct parsed pr;
	struct filter_chain f;
	const char *bar = strchr(line, '|');
	size_t end = bar ? (size_t)(bar - line) : strlen(line), nt, keep;
	enum perr e;

	r->action = CLI_NONE;
	r->is_log = 0;
	r->no_more = 0;
	nt = s_tokens(line, end, t, sizeof(t) / sizeof(t[0]));
	if (nt == 0)
		return;
	e = s_parse(s_table(s->dev->plat), s->priv, t, nt, &pr);
	if (e != PE_OK) {
		size_t bi = pr.bad < nt ? pr.bad : nt - 1;
		size_t col = pr.bad < nt ? t[bi].off : t[bi].off + t[bi].len + 1;

		s_error(s, e, line, col, bi, t, &r->out);
		return;
	}
	/* a command without '|' has no filter and keeps its pager */
	f.n = 0;
	f.no_more = 0;
	if (bar && ((s->dev->faults & FAULT(NO_OUTPUT_FILTER)) ||
	    filter_parse(s->dev->plat, bar + 1, &f) < 0)) {
		/* an old IOS knows no output modifiers: the caret is at '|' */
		s_error(s, PE_INVALID, line, (size_t)(bar - line) +
		    ((s->dev->faults & FAULT(NO_OUTPUT_FILTER)) ? 0 : 2), nt - 1, t,
		    &r->out);
		return;
	}
	if ((pr.id == C_SHOW_IFTABLE || pr.id == C_SHOW_IFDESCR) &&
	    (s->dev->faults & FAULT(NO_IFTABLE))) {
		/* an old release without the command's last keyword */
		s_error(s, PE_INVALID, line, t[nt - 1].off, nt - 1, t, &r->out);
		return;
	}
	r->no_more = f.no_more;
	if (s->dev->plat == PLAT_XR && (pr.id == C_SHOW_LOG || pr.id == C_SHOW_CLOCK ||
	    pr.id == C_SHOW_VER || pr.id == C_SHOW_PRIV || pr.id == C_SHOW_IFTABLE)) {
		/* IOS XR stamps the output of every show command, filtered
		 * or not: the filters see only the command's own output */
		s_xr_stamp(s->dev, &r->out);
	}
	keep = r->out.len;
	s_run(s, &pr, r);
	if (f.n > 0) {
		struct buf body;

		buf_init(&body, 0);
		buf_append(&body, r->out.data + keep, r->out.len - keep);
		filter_apply(&f, &body);
		if (r->out.data != NULL) {
			r->out.len = keep;
			r->out.data[keep] = '\0';
		}
		buf_append(&r->out, body.data, body.len);
		buf_free(&body);
	}
}

void
cli_clear_logging(struct sess *s)
{
	fleet_lock(s->fl);
	fleet_clear_locked(s->fl, s->dev);
	fleet_unlock(s->fl);
}
