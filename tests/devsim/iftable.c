/*
 * iftable.c — each device's interface table as its platform prints it:
 * `show interfaces description` on IOS, IOS XE, IOS XR and EOS, `show
 * interface status` on NX-OS, `show interfaces terse` and `show interfaces
 * descriptions` on Junos (the layout of Juniper's command reference). The rows follow the same struct iface that
 * flaps change, so the table stays the truth when a flap's log lines are
 * lost to a wrap, a clear or a reload. Layouts (column widths, short names
 * such as Gi0/1 and Eth1/1, state words) copy real captures: see the
 * show_interface* files in tests/fixtures/real/ntc-templates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/devsim/devsim.h"

/* The short name the table uses: "GigabitEthernet0/1" -> "Gi0/1". */
static void
s_short(int plat, const char *name, char *out, size_t len)
{
	static const struct { const char *lng, *ios, *eos, *nxos; } ab[] = {
		{ "GigabitEthernet", "Gi", "Gi", "Eth" },
		{ "Ethernet",        "Et", "Et", "Eth" },
	};

	for (size_t i = 0; i < sizeof ab / sizeof *ab; i++) {
		size_t n = strlen(ab[i].lng);

		if (strncmp(name, ab[i].lng, n) == 0) {
			snprintf(out, len, "%s%s", plat == PLAT_NXOS ? ab[i].nxos :
			    plat == PLAT_EOS ? ab[i].eos : ab[i].ios, name + n);
			return;
		}
	}
	snprintf(out, len, "%s", name);
}

/* Status and Protocol words of IOS, XE and EOS; IOS XR's. */
static void
s_words(int plat, int state, const char **status, const char **proto)
{
	int xr = plat == PLAT_XR;

	switch (state) {
	case IF_UP:
		*status = "up";
		*proto = "up";
		break;
	case IF_ADMIN_DOWN:
		*status = xr ? "admin-down" : "admin down";
		*proto = xr ? "admin-down" : "down";
		break;
	default:
		*status = "down";
		*proto = "down";
		break;
	}
}

static void
s_cisco_table(const struct device *d, struct buf *o)
{
	int xr = d->plat == PLAT_XR, eos = d->plat == PLAT_EOS;

	if (xr)
		buf_printf(o, "\n%-18s %-11s %-11s Description\n%s\n", "Interface",
		    "Status", "Protocol", "-------------------------------------"
		    "-------------------------------------------");
	else
		buf_printf(o, "%-30s %-14s %-*s Description\n", "Interface", "Status",
		    eos ? 18 : 8, "Protocol");
	for (int i = 0; i < d->nifaces; i++) {
		const struct iface *f = &d->ifaces[i];
		const char *st, *pr;
		char sn[DS_IFNAME_MAX];

		s_short(d->plat, f->name, sn, sizeof sn);
		s_words(d->plat, f->state, &st, &pr);
		if (xr)
			buf_printf(o, "%-18s %-11s %-11s", sn, st, pr);
		else
			buf_printf(o, "%-30s %-14s %-*s", sn, st, eos ? 18 : 8, pr);
		if (f->descr) {
			buf_appendc(o, ' ');
			buf_append(o, f->descr, f->descr_len);
		} else {
			/* real devices print no padding after an empty column */
			while (o->len > 0 && o->data[o->len - 1] == ' ')
				o->len--;
		}
		buf_appendc(o, '\n');
	}
}

/* NX-OS: the description is the Name column, cut to 18 characters. */
static void
s_nxos_status(const struct device *d, struct buf *o)
{
	static const char rule[] = "--------------------------------------------"
	    "------------------------------------";

	buf_printf(o, "\n%s\n%-13s %-18s %-9s %-9s %-7s %-7s Type\n%s\n", rule,
	    "Port", "Name", "Status", "Vlan", "Duplex", "Speed", rule);
	for (int i = 0; i < d->nifaces; i++) {
		const struct iface *f = &d->ifaces[i];
		char sn[DS_IFNAME_MAX], nm[19];
		const char *st = f->state == IF_UP ? "connected" :
		    f->state == IF_ADMIN_DOWN ? "disabled" : "notconnec";
		size_t n = f->descr ? f->descr_len : 2;

		s_short(d->plat, f->name, sn, sizeof sn);
		if (n > 18)
			n = 18;
		memcpy(nm, f->descr ? f->descr : "--", n);
		nm[n] = '\0';
		buf_printf(o, "%-13s ", sn);
		/* the description's bytes as they are, NUL included */
		buf_append(o, nm, n);
		for (size_t k = n; k < 19; k++)
			buf_appendc(o, ' ');
		buf_printf(o, "%-9s %-9s %-7s %-7s %s\n", st, "routed",
		    f->state == IF_UP ? "full" : "auto",
		    f->state == IF_UP ? "1000" : "auto", "10Gbase-SR");
	}
}

/* Junos `show interfaces terse`: each port and its unit 0. */
static void
s_junos_terse(const struct device *d, struct buf *o)
{
	buf_printf(o, "%-23s %-5s %-4s %-8s %-21s Remote\n", "Interface", "Admin",
	    "Link", "Proto", "Local");
	for (int i = 0; i < d->nifaces; i++) {
		const struct iface *f = &d->ifaces[i];
		const char *ad = f->state == IF_ADMIN_DOWN ? "down" : "up";
		const char *lk = f->state == IF_UP ? "up" : "down";
		char unit[DS_IFNAME_MAX + 4];

		buf_printf(o, "%-23s %-5s %s\n", f->name, ad, lk);
		snprintf(unit, sizeof unit, "%s.0", f->name);
		buf_printf(o, "%-23s %-5s %-4s inet     192.0.2.%d/31\n", unit, ad,
		    lk, 2 * i);
	}
}

/* Junos `show interfaces descriptions`: only the described ones. */
static void
s_junos_descriptions(const struct device *d, struct buf *o)
{
	buf_printf(o, "%-15s %-5s %-4s Description\n", "Interface", "Admin",
	    "Link");
	for (int i = 0; i < d->nifaces; i++) {
		const struct iface *f = &d->ifaces[i];

		if (f->descr == NULL)
			continue;
		buf_printf(o, "%-15s %-5s %-4s ", f->name,
		    f->state == IF_ADMIN_DOWN ? "down" : "up",
		    f->state == IF_UP ? "up" : "down");
		buf_append(o, f->descr, f->descr_len);
		buf_appendc(o, '\n');
	}
}

void
iftable_show(struct fleet *fl, const struct device *d, int descriptions,
    struct buf *o)
{
	fleet_lock(fl);
	if (d->plat == PLAT_JUNOS && descriptions)
		s_junos_descriptions(d, o);
	else if (d->plat == PLAT_JUNOS)
		s_junos_terse(d, o);
	else if (d->plat == PLAT_NXOS)
		s_nxos_status(d, o);
	else
		s_cisco_table(d, o);
	fleet_unlock(fl);
}

/* A default description for interface i: some have one, some not. */
void
iftable_default_descr(struct device *d, int i)
{
	char tmp[64];

	free(d->ifaces[i].descr);
	d->ifaces[i].descr = NULL;
	d->ifaces[i].descr_len = 0;
	if (i % 3 == 2)
		return;
	snprintf(tmp, sizeof tmp, i % 3 == 0 ? "uplink to core-%d" :
	    "customer ACME site %d", i + 1);
	iftable_set_descr(d, i, tmp, strlen(tmp));
}

void
iftable_set_descr(struct device *d, int i, const char *text, size_t len)
{
	struct iface *f = &d->ifaces[i];

	free(f->descr);
	f->descr = NULL;
	f->descr_len = 0;
	if (len == 0)
		return;
	f->descr = xmalloc(len + 1);
	memcpy(f->descr, text, len);
	f->descr[len] = '\0';
	f->descr_len = len;
}
