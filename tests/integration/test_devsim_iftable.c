/*
 * devsim's interface tables, read the way a user would (Netmiko with each
 * platform's own driver) and parsed by the collector's snapshot parser:
 * every interface's admin and line-protocol state equals what devsim's
 * journal says it made, also after the flap's log lines are gone (clear
 * logging), and descriptions arrive as they were set, hostile bytes too.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collector/ifsnap.h"
#include "tests/support/devsim_harness.h"

static const struct {
	const char *dev, *plat, *down, *admin;
	enum platform_id id;
} c[] = {
	{ "r001", "cisco_ios", "GigabitEthernet0/2", "GigabitEthernet0/4",
	  PLATFORM_CISCO_IOS },
	{ "r002", "cisco_xe", "GigabitEthernet1/0/2", "GigabitEthernet1/0/4",
	  PLATFORM_CISCO_XE },
	{ "r003", "cisco_nxos", "Ethernet1/2", "Ethernet1/4",
	  PLATFORM_CISCO_NXOS },
	{ "r004", "arista_eos", "Ethernet2", "Ethernet4",
	  PLATFORM_ARISTA_EOS },
	{ "r005", "cisco_xr", "GigabitEthernet0/0/0/2", "GigabitEthernet0/0/0/4",
	  PLATFORM_CISCO_XR },
	{ "r006", "juniper_junos", "ge-0/0/2", "ge-0/0/4",
	  PLATFORM_JUNIPER_JUNOS },
};

/* The row whose short name ends the device's long name the same way. */
static const struct ifsnap_row *
s_row(const struct ifsnap *s, const char *lng)
{
	const char *num = lng + strcspn(lng, "0123456789");

	for (size_t i = 0; i < s->nrows; i++) {
		const char *rn = s->rows[i].name;
		const char *rnum = rn + strcspn(rn, "0123456789");

		if (strcmp(rnum, num) == 0 && strncasecmp(rn, lng, 2) == 0)
			return &s->rows[i];
	}
	return NULL;
}

static void
s_read(struct devsim *ds, size_t i, struct ifsnap *s)
{
	const char *nm[] = { "--command", ifsnap_command(c[i].id), NULL };
	char *out, err[256];
	size_t len;

	cr_assert_eq(devsim_netmiko(ds, c[i].dev, nm, &out, &len), 0, "%s: %s",
	    c[i].plat, out);
	cr_assert_eq(ifsnap_parse(c[i].id, out, len, s, err, sizeof err), 0,
	    "%s: %s\n%s", c[i].plat, err, out);
	cr_expect_eq(s->nskipped, 0, "%s:\n%s", c[i].plat, out);
	free(out);
	if (ifsnap_descr_command(c[i].id) != NULL) {
		nm[1] = ifsnap_descr_command(c[i].id);
		cr_assert_eq(devsim_netmiko(ds, c[i].dev, nm, &out, &len), 0,
		    "%s: %s", c[i].plat, out);
		cr_assert_eq(ifsnap_add_descr(c[i].id, s, out, len, err,
		    sizeof err), 0, "%s: %s\n%s", c[i].plat, err, out);
		cr_expect_eq(s->nskipped, 0, "%s:\n%s", c[i].plat, out);
		free(out);
	}
}

Test(devsim_iftable, tables_follow_flaps_and_survive_clear, .timeout = 150)
{
	const char *args[] = { "--devices", "6", "--rate", "0", "--prefill", "5",
	    "--platforms",
	    "cisco_ios,cisco_xe,cisco_nxos,arista_eos,cisco_xr,juniper_junos",
	    NULL };
	static const char want[] = "up\x01link \"to\" {core} caf\xc3\xa9";
	char err[512], cmd[256];
	struct devsim *ds = devsim_start(args, err, sizeof err);

	cr_assert_not_null(ds, "%s", err);
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		struct ifsnap s = { 0 };
		const struct ifsnap_row *r;

		cr_assert_str_eq(devsim_platform(ds, c[i].dev), c[i].plat);
		snprintf(cmd, sizeof cmd, "flap %s %s down", c[i].dev, c[i].down);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		snprintf(cmd, sizeof cmd, "flap %s %s admin_down", c[i].dev,
		    c[i].admin);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		/* the lines that said so are gone; the table is not */
		snprintf(cmd, sizeof cmd, "clear %s", c[i].dev);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		snprintf(cmd, sizeof cmd, "descr %s %s up\\x01link \"to\" {core} "
		    "caf\\xc3\\xa9", c[i].dev, c[i].down);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);

		s_read(ds, i, &s);
		/* Junos lists each port's unit 0 too */
		cr_expect_eq(s.nrows, c[i].id == PLATFORM_JUNIPER_JUNOS ? 16 : 8,
		    "%s: %zu rows", c[i].plat, s.nrows);
		cr_assert_not_null(r = s_row(&s, c[i].down), "%s", c[i].plat);
		cr_expect_eq(r->admin, IFSNAP_UP, "%s", c[i].plat);
		cr_expect_eq(r->oper, IFSNAP_DOWN, "%s", c[i].plat);
		if (c[i].id == PLATFORM_CISCO_NXOS) {	/* cut to its column */
			cr_expect_eq(r->descr_len, 18, "%s", c[i].plat);
			cr_expect_eq(memcmp(r->descr, want, 18), 0, "%s: '%s'",
			    c[i].plat, r->descr);
		} else {
			cr_expect_str_eq(r->descr, want, "%s", c[i].plat);
		}
		cr_assert_not_null(r = s_row(&s, c[i].admin), "%s", c[i].plat);
		cr_expect_eq(r->admin, IFSNAP_DOWN, "%s", c[i].plat);
		cr_expect_eq(r->oper, IFSNAP_DOWN, "%s", c[i].plat);
		for (size_t k = 0; k < s.nrows; k++) {
			const char *rn = s.rows[k].name;

			/* the two changed ones, and their Junos units */
			if (&s.rows[k] == r || &s.rows[k] == s_row(&s, c[i].down) ||
			    !strncmp(rn, c[i].down, strlen(c[i].down)) ||
			    !strncmp(rn, c[i].admin, strlen(c[i].admin)))
				continue;
			cr_expect(s.rows[k].admin == IFSNAP_UP &&
			    s.rows[k].oper == IFSNAP_UP, "%s %s", c[i].plat, rn);
		}

		/* back up: the table says so at once */
		snprintf(cmd, sizeof cmd, "flap %s %s up", c[i].dev, c[i].down);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		s_read(ds, i, &s);
		cr_assert_not_null(r = s_row(&s, c[i].down));
		cr_expect_eq(r->oper, IFSNAP_UP, "%s", c[i].plat);
		ifsnap_free(&s);
	}
	devsim_stop(&ds);
}
