/*
 * ifsnap.c — parse a device's interface table (see ifsnap.h).
 *
 * The tables are aligned text made for people. Cisco and Arista pad their
 * columns but let a long name push the next ones to the right, and their
 * Status may be two words ("admin down"), so those rows are read as
 * tokens against the states the platforms print. NX-OS `show interface
 * status` keeps to its columns (a description is cut, not shifted, and
 * may hold spaces), so its rows are cut at the header's offsets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collector/ifsnap.h"
#include "common/util.h"

const char *
ifsnap_command(enum platform_id p)
{
	switch (p) {
	case PLATFORM_CISCO_IOS:
	case PLATFORM_CISCO_XE:
	case PLATFORM_CISCO_XR:
	case PLATFORM_ARISTA_EOS:
		return "show interfaces description";
	case PLATFORM_CISCO_NXOS:
		return "show interface status";
	case PLATFORM_JUNIPER_JUNOS:
		return "show interfaces terse";
	default:
		return NULL;
	}
}

const char *
ifsnap_descr_command(enum platform_id p)
{
	return p == PLATFORM_JUNIPER_JUNOS ? "show interfaces descriptions" : NULL;
}

const char *
ifsnap_strstate(enum ifsnap_state st)
{
	switch (st) {
	case IFSNAP_UP:		return "up";
	case IFSNAP_DOWN:	return "down";
	default:		return "unknown";
	}
}

/*
 * What a Status word says. oper UNKNOWN: the Protocol column decides (a
 * link that is up may still have its line protocol down). skip: a row for
 * an interface that is gone.
 */
struct status_word {
	const char        *word;
	enum ifsnap_state  admin;
	enum ifsnap_state  oper;	/* UNKNOWN: the Protocol column says */
	int                skip;
};

/* IOS, IOS XE, EOS ("admin down") and IOS XR ("admin-down"). */
static const struct status_word cisco_status[] = {
	{ "up",          IFSNAP_UP,   IFSNAP_UNKNOWN, 0 },
	{ "down",        IFSNAP_UP,   IFSNAP_DOWN,    0 },
	{ "admin down",  IFSNAP_DOWN, IFSNAP_DOWN,    0 },
	{ "admin-down",  IFSNAP_DOWN, IFSNAP_DOWN,    0 },
	{ "reset",       IFSNAP_UP,   IFSNAP_UNKNOWN, 0 },
	{ "standby",     IFSNAP_UP,   IFSNAP_UNKNOWN, 0 },
	{ "deleted",     IFSNAP_UNKNOWN, IFSNAP_UNKNOWN, 1 },
	{ NULL, 0, 0, 0 }
};

/* The Protocol column, when Status leaves the line protocol open. */
static const struct status_word cisco_protocol[] = {
	{ "up",             IFSNAP_UNKNOWN, IFSNAP_UP,   0 },
	{ "down",           IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "admin-down",     IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "lowerlayerdown", IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "notpresent",     IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "dormant",        IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "testing",        IFSNAP_UNKNOWN, IFSNAP_DOWN, 0 },
	{ "unknown",        IFSNAP_UNKNOWN, IFSNAP_UNKNOWN, 0 },
	{ "deleted",        IFSNAP_UNKNOWN, IFSNAP_UNKNOWN, 1 },
	{ NULL, 0, 0, 0 }
};

/* NX-OS `show interface status`, cut to nine characters by the device. */
static const struct status_word nxos_status[] = {
	{ "connected", IFSNAP_UP,   IFSNAP_UP,   0 },
	{ "up",        IFSNAP_UP,   IFSNAP_UP,   0 },
	{ "disabled",  IFSNAP_DOWN, IFSNAP_DOWN, 0 },
	{ "down",      IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "notconnec", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "notconnect", IFSNAP_UP,  IFSNAP_DOWN, 0 },
	{ "sfpAbsent", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "xcvrAbsen", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "noOperMem", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "err-disab", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "errDisabl", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "linkFlapE", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "suspnd",    IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "suspended", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "channelDo", IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ "inactive",  IFSNAP_UP,   IFSNAP_DOWN, 0 },
	{ NULL, 0, 0, 0 }
};

/*
 * The entry of t whose word starts p[0..n) and ends at a space or the end
 * of the field; its length in *used. NULL when none.
 */
static const struct status_word *
s_word(const struct status_word *t, const char *p, size_t n, size_t *used)
{
	const struct status_word *best = NULL;
	size_t blen = 0;

	for (; t->word; t++) {
		size_t wl = strlen(t->word);

		if (wl > n || strncasecmp(p, t->word, wl) != 0)
			continue;
		if (wl < n && p[wl] != ' ' && p[wl] != '\t')
			continue;
		if (wl > blen) {	/* "admin down" over "admin" */
			best = t;
			blen = wl;
		}
	}
	*used = blen;
	return best;
}

/* A row under construction: offsets into the arena, fixed up at the end. */
struct pending {
	size_t name, descr, descr_len;
	enum ifsnap_state admin, oper;
};

struct parse {
	struct ifsnap  *s;
	struct pending *pv;
	size_t          npv, cappv;
	char           *arena;
	size_t          alen, acap;
};

static size_t
s_keep(struct parse *ps, const char *p, size_t n, size_t *kept)
{
	size_t at = ps->alen;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n > IFSNAP_MAX_DESCR)
		n = IFSNAP_MAX_DESCR;
	if (kept)
		*kept = n;
	if (ps->alen + n + 1 > ps->acap) {
		ps->acap = (ps->alen + n + 1) * 2;
		ps->arena = xrealloc(ps->arena, ps->acap);
	}
	memcpy(ps->arena + ps->alen, p, n);
	ps->arena[ps->alen + n] = '\0';
	ps->alen += n + 1;
	return at;
}

static void
s_add(struct parse *ps, const char *name, size_t nlen, const char *descr,
    size_t dlen, enum ifsnap_state admin, enum ifsnap_state oper)
{
	struct pending *r;

	/* A name is what a person types: printable, no spaces, short. */
	if (nlen > IFSNAP_MAX_NAME) {
		ps->s->nskipped++;
		return;
	}
	for (size_t i = 0; i < nlen; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] == 0x7f) {
			ps->s->nskipped++;
			return;
		}
	if (ps->npv == ps->cappv) {
		ps->cappv = ps->cappv ? ps->cappv * 2 : 64;
		ps->pv = xrealloc(ps->pv, ps->cappv * sizeof *ps->pv);
	}
	r = &ps->pv[ps->npv++];
	r->name = s_keep(ps, name, nlen, NULL);
	r->descr = s_keep(ps, descr, dlen, &r->descr_len);
	r->admin = admin;
	r->oper = oper;
}

static size_t
s_skip_blank(const char *p, size_t i, size_t n)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/* "Gi0/1   admin down   down   uplink to core-2" */
static void
s_cisco_row(struct parse *ps, const char *l, size_t n)
{
	const struct status_word *st, *pr;
	size_t i = 0, name_end, used;
	enum ifsnap_state oper;

	while (i < n && l[i] != ' ' && l[i] != '\t')
		i++;
	name_end = i;
	i = s_skip_blank(l, i, n);
	st = s_word(cisco_status, l + i, n - i, &used);
	if (name_end == 0 || st == NULL) {
		ps->s->nskipped++;
		return;
	}
	i = s_skip_blank(l, i + used, n);
	pr = s_word(cisco_protocol, l + i, n - i, &used);
	if (pr == NULL) {
		ps->s->nskipped++;
		return;
	}
	if (st->skip || pr->skip)
		return;		/* a deleted subinterface: not there */
	oper = st->oper != IFSNAP_UNKNOWN ? st->oper : pr->oper;
	i = s_skip_blank(l, i + used, n);
	s_add(ps, l, name_end, l + i, n - i, st->admin, oper);
}

/* Header offsets of NX-OS `show interface status`. */
struct nxos_cols {
	size_t name, status, vlan;
};

/* Longest NX-OS row read; a longer one is skipped and counted. */
#define IFSNAP_MAX_ROW	1024

static void
s_nxos_row(struct parse *ps, const struct nxos_cols *c, const char *row,
    size_t rn)
{
	const struct status_word *st;
	size_t name_end = 0, d0, d1, s0, s1, used, n = 0;
	char l[IFSNAP_MAX_ROW];

	/* Columns are screen columns: a tab (seen in captures) runs to the
	 * next multiple of 8. */
	for (size_t i = 0; i < rn; i++) {
		size_t to = row[i] == '\t' ? (n / 8 + 1) * 8 : n + 1;

		if (to > sizeof l) {
			ps->s->nskipped++;
			return;
		}
		while (n < to)
			l[n++] = row[i] == '\t' ? ' ' : row[i];
	}
	while (n > 0 && l[n - 1] == ' ')
		n--;
	while (name_end < n && l[name_end] != ' ')
		name_end++;
	if (name_end == 0 || n <= c->status) {
		ps->s->nskipped++;
		return;
	}
	/* The port name may run into the Name column: the description
	 * starts after it. */
	d0 = name_end > c->name ? name_end : c->name;
	d0 = s_skip_blank(l, d0, c->status);
	d1 = c->status;
	s0 = c->status;
	s1 = n < c->vlan ? n : c->vlan;
	st = s_word(nxos_status, l + s0, s1 - s0, &used);
	if (st == NULL) {
		ps->s->nskipped++;
		return;
	}
	while (d1 > d0 && l[d1 - 1] == ' ')
		d1--;
	if (d1 - d0 == 2 && memcmp(l + d0, "--", 2) == 0)
		d1 = d0;
	s_add(ps, l, name_end, l + d0, d1 > d0 ? d1 - d0 : 0, st->admin,
	    st->oper);
}

/* Junos Admin and Link words. */
static const struct status_word junos_updown[] = {
	{ "up",   IFSNAP_UP,   IFSNAP_UP,   0 },
	{ "down", IFSNAP_DOWN, IFSNAP_DOWN, 0 },
	{ NULL, 0, 0, 0 }
};

/*
 * "ge-0/0/1   up  down  [inet 10.0.0.1/24 | description]". A line indented
 * past the header's own indent continues the row above (more address
 * families of a logical unit): not a row.
 */
static void
s_junos_row(struct parse *ps, size_t ind, int descr, const char *l, size_t n)
{
	const struct status_word *ad, *lk;
	size_t i = s_skip_blank(l, 0, n), name0 = i, name_end, used;

	if (i > ind)
		return;
	while (i < n && l[i] != ' ' && l[i] != '\t')
		i++;
	name_end = i;
	i = s_skip_blank(l, i, n);
	ad = s_word(junos_updown, l + i, n - i, &used);
	if (ad != NULL) {
		i = s_skip_blank(l, i + used, n);
		lk = s_word(junos_updown, l + i, n - i, &used);
	}
	if (ad == NULL || lk == NULL) {
		ps->s->nskipped++;
		return;
	}
	i = s_skip_blank(l, i + used, n);
	s_add(ps, l + name0, name_end - name0, descr ? l + i : "",
	    descr ? n - i : 0, ad->admin, ad->admin == IFSNAP_DOWN ? IFSNAP_DOWN :
	    lk->oper);
}

static const char *
s_find_word(const char *l, size_t n, const char *w)
{
	size_t wl = strlen(w);

	for (size_t i = 0; i + wl <= n; i++)
		if (memcmp(l + i, w, wl) == 0 &&
		    (i == 0 || l[i - 1] == ' ') &&
		    (i + wl == n || l[i + wl] == ' '))
			return l + i;
	return NULL;
}

/* 1 for a line of dashes (and spaces) under a header. */
static int
s_rule_line(const char *l, size_t n)
{
	size_t dashes = 0;

	for (size_t i = 0; i < n; i++) {
		if (l[i] == '-')
			dashes++;
		else if (l[i] != ' ')
			return 0;
	}
	return dashes > 0;
}

/* The table layouts this file reads. */
enum table { TBL_CISCO, TBL_NXOS, TBL_JUNOS_TERSE, TBL_JUNOS_DESCR };

/* Where a table's columns are, learnt from its header. */
struct cols {
	struct nxos_cols nx;
	size_t           ind;	/* Junos: the header's indent */
};

/* 1 when l[0..n) is table t's header; its column offsets in c. */
static int
s_header(enum table t, const char *l, size_t n, struct cols *c)
{
	const char *a, *b, *v;
	size_t ind;

	switch (t) {
	case TBL_NXOS:
		if (n < 4 || memcmp(l, "Port", 4) != 0)
			return 0;
		a = s_find_word(l, n, "Name");
		b = s_find_word(l, n, "Status");
		v = s_find_word(l, n, "Vlan");
		if (!a || !b || !v || a > b || b > v)
			return 0;
		c->nx.name = (size_t)(a - l);
		c->nx.status = (size_t)(b - l);
		c->nx.vlan = (size_t)(v - l);
		return 1;
	case TBL_JUNOS_TERSE:
	case TBL_JUNOS_DESCR:
		ind = s_skip_blank(l, 0, n);
		if (n - ind < 9 || memcmp(l + ind, "Interface", 9) != 0 ||
		    !s_find_word(l, n, "Admin") || !s_find_word(l, n, "Link") ||
		    (t == TBL_JUNOS_DESCR) != !!s_find_word(l, n, "Description"))
			return 0;
		c->ind = ind;
		return 1;
	default:
		return n >= 9 && memcmp(l, "Interface", 9) == 0 &&
		    s_find_word(l, n, "Status") && s_find_word(l, n, "Protocol");
	}
}

/*
 * Make the rows built in ps the rows of s: s takes ps's arena and points
 * its rows into it; whatever s held before is freed.
 */
static void
s_publish(struct parse *ps, struct ifsnap *s)
{
	free(s->rows);
	free(s->text);
	s->text = ps->arena;
	s->cap = ps->acap;
	s->nrows = ps->npv;
	s->rows = xcalloc(ps->npv ? ps->npv : 1, sizeof *s->rows);
	for (size_t i = 0; i < ps->npv; i++) {
		s->rows[i].name = ps->arena + ps->pv[i].name;
		s->rows[i].descr = ps->arena + ps->pv[i].descr;
		s->rows[i].descr_len = ps->pv[i].descr_len;
		s->rows[i].admin = ps->pv[i].admin;
		s->rows[i].oper = ps->pv[i].oper;
	}
	free(ps->pv);
	ps->pv = NULL;
	ps->arena = NULL;
}

/* Read the rows of table t in out[0..len) into s (replacing it). */
static int
s_parse_table(enum table t, const char *cmd, const char *out, size_t len,
    struct ifsnap *s, char *err, size_t errlen)
{
	struct parse ps = { .s = s };
	struct cols c;
	const char *l = out, *end = out + len;
	int header = 0;

	memset(&c, 0, sizeof c);
	for (; l < end; ) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t n = (size_t)((nl ? nl : end) - l);
		const char *next = nl ? nl + 1 : end;

		while (n > 0 && (l[n - 1] == '\r' || l[n - 1] == ' '))
			n--;
		/* NX-OS repeats its header above each group of ports. */
		if (s_header(t, l, n, &c)) {
			header = 1;
		} else if (header && n > 0 && !s_rule_line(l, n)) {
			switch (t) {
			case TBL_NXOS:
				s_nxos_row(&ps, &c.nx, l, n);
				break;
			case TBL_JUNOS_TERSE:
			case TBL_JUNOS_DESCR:
				s_junos_row(&ps, c.ind, t == TBL_JUNOS_DESCR, l, n);
				break;
			default:
				s_cisco_row(&ps, l, n);
				break;
			}
		}
		l = next;
	}
	if (!header) {
		free(ps.pv);
		free(ps.arena);
		snprintf(err, errlen, "'%s': no table header in %zu bytes of "
		    "output", cmd, len);
		return -1;
	}
	s_publish(&ps, s);
	return 0;
}

int
ifsnap_parse(enum platform_id p, const char *out, size_t len,
    struct ifsnap *s, char *err, size_t errlen)
{
	const char *cmd = ifsnap_command(p);

	ifsnap_free(s);
	if (cmd == NULL) {
		snprintf(err, errlen, "no interface table command for platform "
		    "%s", platform_get(p)->name);
		return -1;
	}
	return s_parse_table(p == PLATFORM_CISCO_NXOS ? TBL_NXOS :
	    p == PLATFORM_JUNIPER_JUNOS ? TBL_JUNOS_TERSE : TBL_CISCO, cmd, out,
	    len, s, err, errlen);
}

static int
s_by_name(const void *a, const void *b)
{
	return strcmp(((const struct ifsnap_row *)a)->name,
	    ((const struct ifsnap_row *)b)->name);
}

int
ifsnap_add_descr(enum platform_id p, struct ifsnap *s, const char *out,
    size_t len, char *err, size_t errlen)
{
	const char *cmd = ifsnap_descr_command(p);
	struct ifsnap d = { 0 };
	struct parse ps = { .s = s };

	if (cmd == NULL) {
		snprintf(err, errlen, "platform %s has no description command",
		    platform_get(p)->name);
		return -1;
	}
	if (s_parse_table(TBL_JUNOS_DESCR, cmd, out, len, &d, err, errlen) != 0)
		return -1;
	qsort(d.rows, d.nrows, sizeof *d.rows, s_by_name);
	/* Rebuild s with the descriptions: its strings move to a new arena. */
	for (size_t i = 0; i < s->nrows; i++) {
		const struct ifsnap_row *r = &s->rows[i], *hit;

		hit = bsearch(r, d.rows, d.nrows, sizeof *d.rows, s_by_name);
		s_add(&ps, r->name, strlen(r->name), hit ? hit->descr : r->descr,
		    hit ? hit->descr_len : r->descr_len, r->admin, r->oper);
	}
	s->nskipped += d.nskipped;
	s_publish(&ps, s);
	ifsnap_free(&d);
	return 0;
}

void
ifsnap_free(struct ifsnap *s)
{
	free(s->rows);
	free(s->text);
	memset(s, 0, sizeof *s);
}
