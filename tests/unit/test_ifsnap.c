/*
 * Interface tables of real devices (ntc-templates captures, with the
 * records that project's own parser extracts from each in the .yml beside
 * them): every row they list must come out with the same name, the same
 * description and the states its Status/Protocol words mean.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ifsnap.h"
#include "common/util.h"
#include "common/ydoc.h"
#include "tests/support/fixture.h"

/* The expected states of a Cisco/Arista Status + Protocol pair. */
static void
s_cisco_want(const char *status, const char *protocol, enum ifsnap_state *admin,
    enum ifsnap_state *oper)
{
	*admin = strstr(status, "admin") ? IFSNAP_DOWN : IFSNAP_UP;
	*oper = strcmp(protocol, "up") == 0 && *admin == IFSNAP_UP ?
	    IFSNAP_UP : IFSNAP_DOWN;
	/* a link up whose protocol the device does not know */
	if (strcmp(status, "up") == 0 && strcmp(protocol, "unknown") == 0)
		*oper = IFSNAP_UNKNOWN;
}

static void
s_nxos_want(const char *status, enum ifsnap_state *admin,
    enum ifsnap_state *oper)
{
	*admin = strcmp(status, "disabled") == 0 ? IFSNAP_DOWN : IFSNAP_UP;
	*oper = strcmp(status, "connected") == 0 ? IFSNAP_UP : IFSNAP_DOWN;
}

static const char *
s_field(struct ydoc_node *item, const char *key)
{
	struct ydoc_node v;
	const char *s = "";
	char err[256];

	if (ydoc_get(item, key, &v) && ydoc_str(&v, &s, err, sizeof err) != 0)
		cr_assert_fail("%s", err);
	return s;
}

/* Parse NAME.raw for p and hold it against NAME.yml. */
static void
s_check(enum platform_id p, const char *name)
{
	char *raw_path = xasprintf("ntc-templates/%s.raw", name);
	char *yml_path = xasprintf("%s/ntc-templates/%s.yml", fixture_dir(), name);
	struct ifsnap s = { 0 };
	struct ydoc *d = NULL;
	struct ydoc_node root, samples;
	size_t len, nwant = 0, k = 0;
	char *raw = fixture_read(raw_path, &len), err[256];
	int nxos = p == PLATFORM_CISCO_NXOS;

	cr_assert_eq(ifsnap_parse(p, raw, len, &s, err, sizeof err), 0, "%s: %s",
	    name, err);
	cr_expect_eq(s.nskipped, 0, "%s: %zu rows not understood", name,
	    s.nskipped);
	cr_assert_eq(ydoc_load_file(yml_path, &d, err, sizeof err), 0, "%s", err);
	ydoc_root(d, &root);
	cr_assert(ydoc_get(&root, "parsed_sample", &samples));
	for (size_t i = 0; i < ydoc_len(&samples); i++) {
		struct ydoc_node it;
		const char *port, *status, *descr;
		enum ifsnap_state admin, oper;

		ydoc_item(&samples, i, &it);
		port = nxos ? s_field(&it, "port") : *s_field(&it, "port") ?
		    s_field(&it, "port") : s_field(&it, "interface");
		status = s_field(&it, "status");
		if (strcmp(status, "deleted") == 0)
			continue;	/* gone: no row */
		nwant++;
		if (nxos) {
			descr = s_field(&it, "name");
			if (strcmp(descr, "--") == 0)
				descr = "";
			s_nxos_want(status, &admin, &oper);
		} else {
			descr = s_field(&it, "description");
			s_cisco_want(status, s_field(&it, "protocol"), &admin,
			    &oper);
		}
		cr_assert_lt(k, s.nrows, "%s: %s missing", name, port);
		cr_expect_str_eq(s.rows[k].name, port, "%s row %zu", name, k);
		cr_expect_str_eq(s.rows[k].descr, descr, "%s %s", name, port);
		cr_expect_eq(s.rows[k].admin, admin, "%s %s admin %s", name, port,
		    ifsnap_strstate(s.rows[k].admin));
		cr_expect_eq(s.rows[k].oper, oper, "%s %s oper %s (status %s)",
		    name, port, ifsnap_strstate(s.rows[k].oper), status);
		k++;
	}
	cr_expect_eq(s.nrows, nwant, "%s: %zu rows, ntc-templates has %zu", name,
	    s.nrows, nwant);
	cr_expect_gt(nwant, 5);
	ydoc_free(&d);
	ifsnap_free(&s);
	free(raw);
	free(raw_path);
	free(yml_path);
}

Test(ifsnap, ios_show_interfaces_description)
{
	s_check(PLATFORM_CISCO_IOS, "cisco_ios_show_interfaces_description");
}

Test(ifsnap, eos_show_interfaces_description)
{
	s_check(PLATFORM_ARISTA_EOS, "arista_eos_show_interfaces_description");
}

Test(ifsnap, xr_show_interfaces_description)
{
	s_check(PLATFORM_CISCO_XR, "cisco_xr_show_interfaces_description");
}

Test(ifsnap, nxos_show_interface_status)
{
	s_check(PLATFORM_CISCO_NXOS, "cisco_nxos_show_interface_status");
	s_check(PLATFORM_CISCO_NXOS, "cisco_nxos_show_interface_status1");
	s_check(PLATFORM_CISCO_NXOS, "cisco_nxos_show_interface_status2");
}

/* A device that rejects the command prints no table: an error, no rows. */
Test(ifsnap, rejected_command_is_an_error)
{
	static const char out[] = "                  ^\r\n"
	    "% Invalid input detected at '^' marker.\r\n";
	struct ifsnap s = { 0 };
	char err[256];

	cr_expect_eq(ifsnap_parse(PLATFORM_CISCO_IOS, out, sizeof out - 1, &s,
	    err, sizeof err), -1);
	cr_expect(strstr(err, "no table header"), "%s", err);
	cr_expect_eq(s.nrows, 0);
	cr_expect_eq(ifsnap_parse(PLATFORM_JUNIPER_JUNOS, out, sizeof out - 1, &s,
	    err, sizeof err), -1);
	cr_expect_eq(ifsnap_parse(PLATFORM_CISCO_NXOS, out, sizeof out - 1, &s,
	    err, sizeof err), -1);
	ifsnap_free(&s);
}

/* Rows the parser cannot read are counted, never guessed. */
Test(ifsnap, unknown_states_are_skipped_and_counted)
{
	static const char out[] =
	    "Interface  Status  Protocol Description\n"
	    "Gi0/1      up      up       uplink to core-2 \"quoted\" {braces}\n"
	    "Gi0/2      weird   up       ?\n"
	    "Gi0/3      up      sideways what\n"
	    "Gi0/4      admin down  down\n"
	    "Tu5        up      unknown\n";
	struct ifsnap s = { 0 };
	char err[256];

	cr_assert_eq(ifsnap_parse(PLATFORM_CISCO_IOS, out, sizeof out - 1, &s,
	    err, sizeof err), 0, "%s", err);
	cr_assert_eq(s.nrows, 3);
	cr_expect_eq(s.nskipped, 2);
	cr_expect_str_eq(s.rows[0].descr, "uplink to core-2 \"quoted\" {braces}");
	cr_expect_eq(s.rows[1].admin, IFSNAP_DOWN);
	cr_expect_str_eq(s.rows[1].descr, "");
	cr_expect_str_eq(s.rows[2].name, "Tu5");
	cr_expect_eq(s.rows[2].oper, IFSNAP_UNKNOWN, "unknown stays unknown");
	ifsnap_free(&s);
}

/*
 * Descriptions are device text: kept byte for byte (NUL, escapes, UTF-8,
 * quotes and braces), cut to IFSNAP_MAX_DESCR; names with control bytes
 * are not names.
 */
Test(ifsnap, hostile_descriptions_are_kept_and_bounded)
{
	char out[16384];
	size_t n = 0;
	struct ifsnap s = { 0 };
	char err[256];
	static const char odd[] = "caf\xc3\xa9 {\"a\"}\x1b[31m\x00tail";

	n += (size_t)snprintf(out + n, sizeof out - n,
	    "Interface  Status  Protocol Description\r\nGi0/1  up  up  ");
	memcpy(out + n, odd, sizeof odd - 1);
	n += sizeof odd - 1;
	n += (size_t)snprintf(out + n, sizeof out - n, "\r\nGi0/2  down  down  ");
	memset(out + n, 'x', 10240);
	n += 10240;
	n += (size_t)snprintf(out + n, sizeof out - n, "\r\nGi\x01/3  up  up\r\n");
	cr_assert_eq(ifsnap_parse(PLATFORM_CISCO_XE, out, n, &s, err,
	    sizeof err), 0, "%s", err);
	cr_assert_eq(s.nrows, 2);
	cr_expect_eq(s.nskipped, 1, "the name with a control byte");
	cr_expect_eq(s.rows[0].descr_len, sizeof odd - 1);
	cr_expect_eq(memcmp(s.rows[0].descr, odd, sizeof odd - 1), 0);
	cr_expect_eq(s.rows[1].descr_len, IFSNAP_MAX_DESCR);
	cr_expect_eq(s.rows[1].oper, IFSNAP_DOWN);
	ifsnap_free(&s);
}

/*
 * Junos: `show interfaces terse` for every interface's state (logical
 * units too; lines that only add an address family are not rows), then
 * `show interfaces descriptions`, which lists only the described ones.
 * The layout is the one Juniper's command reference documents; no capture
 * with a licence that allows copying was found, so these are written here.
 */
Test(ifsnap, junos_terse_and_descriptions)
{
	static const char terse[] =
	    "Interface               Admin Link Proto    Local                 Remote\r\n"
	    "ge-0/0/0                up    up\r\n"
	    "ge-0/0/0.0              up    up   inet     192.0.2.1/24\r\n"
	    "                                   inet6    2001:db8::1/64\r\n"
	    "                                            fe80::1/64\r\n"
	    "ge-0/0/1                up    down\r\n"
	    "ge-0/0/1.0              up    down inet     198.51.100.1/31\r\n"
	    "ge-0/0/2                down  down\r\n"
	    "ae0                     up    up\r\n"
	    "lo0.0                   up    up   inet     10.255.0.1          --> 0/0\r\n";
	static const char descr[] =
	    "Interface       Admin Link Description\r\n"
	    "ge-0/0/1        up    down to core-2 ge-1/0/7 \"backbone\"\r\n"
	    "ge-0/0/2        down  down spare\r\n";
	struct ifsnap s = { 0 };
	char err[256];

	cr_assert_str_eq(ifsnap_command(PLATFORM_JUNIPER_JUNOS),
	    "show interfaces terse");
	cr_assert_eq(ifsnap_parse(PLATFORM_JUNIPER_JUNOS, terse, sizeof terse - 1,
	    &s, err, sizeof err), 0, "%s", err);
	cr_expect_eq(s.nskipped, 0);
	cr_assert_eq(s.nrows, 7);
	cr_expect_str_eq(s.rows[1].name, "ge-0/0/0.0");
	cr_expect_str_eq(s.rows[2].name, "ge-0/0/1");
	cr_expect_eq(s.rows[2].admin, IFSNAP_UP);
	cr_expect_eq(s.rows[2].oper, IFSNAP_DOWN);
	cr_expect_eq(s.rows[4].admin, IFSNAP_DOWN);
	cr_expect_str_eq(s.rows[6].name, "lo0.0");
	cr_expect_str_eq(s.rows[2].descr, "");

	cr_assert_str_eq(ifsnap_descr_command(PLATFORM_JUNIPER_JUNOS),
	    "show interfaces descriptions");
	cr_assert_null(ifsnap_descr_command(PLATFORM_CISCO_IOS));
	cr_assert_eq(ifsnap_add_descr(PLATFORM_JUNIPER_JUNOS, &s, descr,
	    sizeof descr - 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(s.nrows, 7);
	cr_expect_str_eq(s.rows[2].descr, "to core-2 ge-1/0/7 \"backbone\"");
	cr_expect_str_eq(s.rows[4].descr, "spare");
	cr_expect_str_eq(s.rows[0].descr, "");
	cr_expect_str_eq(s.rows[2].name, "ge-0/0/1");
	cr_expect_eq(s.rows[2].oper, IFSNAP_DOWN, "states kept");

	/* a reply without the table changes nothing */
	cr_expect_eq(ifsnap_add_descr(PLATFORM_JUNIPER_JUNOS, &s, "error: x\n", 9,
	    err, sizeof err), -1);
	cr_expect_str_eq(s.rows[4].descr, "spare");
	ifsnap_free(&s);
}
