/*
 * test_ifname.c — one canonical interface name per platform: abbreviations
 * and case variants become the long form the platform's messages print,
 * names the table does not know stay byte for byte, and two different
 * names never become one, checked also on the interface tables of real
 * devices (ifsnap on ntc-templates captures).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ifsnap.h"
#include "collector/platform.h"
#include "common/ifname.h"
#include "tests/support/devsim_harness.h"

static void
s_expect(const char *platform, const char *raw, const char *want)
{
	char out[IFNAME_MAX + 1];
	long n = ifname_canon(platform, raw, strlen(raw), out, sizeof(out));

	cr_assert_geq(n, 0, "%s %s", platform, raw);
	cr_assert_str_eq(out, want, "%s: '%s'", platform ? platform : "(null)", raw);
	cr_assert_eq((size_t)n, strlen(want));
}

Test(ifname, ios_and_ios_xe)
{
	s_expect("cisco_ios", "Gi0/1", "GigabitEthernet0/1");
	s_expect("cisco_ios", "GigabitEthernet0/1", "GigabitEthernet0/1");
	s_expect("cisco_ios", "gig0/1", "GigabitEthernet0/1");
	s_expect("cisco_ios", "Fa0/24", "FastEthernet0/24");
	s_expect("cisco_xe", "Te1/1/1", "TenGigabitEthernet1/1/1");
	s_expect("cisco_xe", "Tw1/0/1", "TwoGigabitEthernet1/0/1");
	s_expect("cisco_xe", "Twe1/0/1", "TwentyFiveGigE1/0/1");
	s_expect("cisco_xe", "Hu1/0/49", "HundredGigE1/0/49");
	s_expect("cisco_ios", "Po10", "Port-channel10");
	s_expect("cisco_ios", "port-channel10", "Port-channel10");
	s_expect("cisco_ios", "Vl20", "Vlan20");
	s_expect("cisco_ios", "Lo0", "Loopback0");
	s_expect("cisco_ios", "Tu100", "Tunnel100");
	s_expect("cisco_ios", "Gi0/1.100", "GigabitEthernet0/1.100");
	s_expect("cisco_ios", "Vt1", "Virtual-Template1");
	s_expect("cisco_ios", "Vi1", "Virtual-Access1");
	/* "T" and "Virtual-" name more than one type: kept. */
	s_expect("cisco_ios", "T1/0", "T1/0");
	s_expect("cisco_ios", "Virtual-1", "Virtual-1");
}

Test(ifname, nxos)
{
	s_expect("cisco_nxos", "vlan 20", "Vlan20");
	s_expect("cisco_nxos", "Vlan20", "Vlan20");
	s_expect("cisco_nxos", "Eth1/1", "Ethernet1/1");
	s_expect("cisco_nxos", "Ethernet1/1/2", "Ethernet1/1/2");
	s_expect("cisco_nxos", "Po10", "port-channel10");
	s_expect("cisco_nxos", "Port-Channel10", "port-channel10");
	s_expect("cisco_nxos", "Lo0", "loopback0");
	s_expect("cisco_nxos", "mgmt0", "mgmt0");
	s_expect("cisco_nxos", "nve1", "nve1");
}

Test(ifname, ios_xr)
{
	s_expect("cisco_xr", "Gi0/0/0/1", "GigabitEthernet0/0/0/1");
	s_expect("cisco_xr", "Te0/0/1/7", "TenGigE0/0/1/7");
	s_expect("cisco_xr", "BE201", "Bundle-Ether201");
	s_expect("cisco_xr", "BE201.100", "Bundle-Ether201.100");
	s_expect("cisco_xr", "Hu0/0/0/0", "HundredGigE0/0/0/0");
	s_expect("cisco_xr", "FH0/0/0/1", "FourHundredGigE0/0/0/1");
	s_expect("cisco_xr", "Fo0/0/0/1", "FortyGigE0/0/0/1");
	s_expect("cisco_xr", "TF0/0/0/24", "TwentyFiveGigE0/0/0/24");
	s_expect("cisco_xr", "Mg0/RP0/CPU0/0", "MgmtEth0/RP0/CPU0/0");
	s_expect("cisco_xr", "Lo0", "Loopback0");
}

Test(ifname, eos)
{
	s_expect("arista_eos", "Et1", "Ethernet1");
	s_expect("arista_eos", "Et49/1", "Ethernet49/1");
	s_expect("arista_eos", "Po10", "Port-Channel10");
	s_expect("arista_eos", "Vl20", "Vlan20");
	s_expect("arista_eos", "Ma1", "Management1");
	s_expect("arista_eos", "Vx1", "Vxlan1");
}

/* Units are interfaces of their own on Junos: nothing is stripped. */
Test(ifname, junos_keeps_units)
{
	s_expect("juniper_junos", "ge-0/0/1", "ge-0/0/1");
	s_expect("juniper_junos", "ge-0/0/1.0", "ge-0/0/1.0");
	s_expect("juniper_junos", "st0.60", "st0.60");
	s_expect("juniper_junos", "ae0.0", "ae0.0");
	s_expect("juniper_junos", "irb.20", "irb.20");
}

Test(ifname, huawei)
{
	s_expect("huawei", "GE1/0/4", "GigabitEthernet1/0/4");
	s_expect("huawei_vrpv8", "XGE0/0/1", "XGigabitEthernet0/0/1");
	s_expect("huawei", "Eth0/0/8", "Ethernet0/0/8");
	s_expect("huawei", "Eth-Trunk1", "Eth-Trunk1");
	s_expect("huawei", "vlanif10", "Vlanif10");
	s_expect("huawei", "100GE1/0/1", "100GE1/0/1");
	s_expect("huawei", "MEth0/0/1", "MEth0/0/1");
}

Test(ifname, unknown_names_and_platforms_are_kept_apart)
{
	static const char nul[] = "Gi0/\0001";
	char a[IFNAME_MAX + 1], b[IFNAME_MAX + 1];

	s_expect("cisco_ios", "Foo0/1", "Foo0/1");
	s_expect("cisco_ios", "foo 20", "foo 20");
	s_expect("cisco_ios", "Gi 0/1 x", "Gi 0/1 x");
	s_expect("cisco_ios", "Gi", "Gi");
	s_expect("cisco_ios", "", "");
	s_expect("cisco_ios", "0/1", "0/1");
	s_expect("cisco_ios", "GigabitEthernetX0/1", "GigabitEthernetX0/1");
	s_expect("netiron", "ethernet1/1/36", "ethernet1/1/36");
	s_expect(NULL, "Gi0/1", "Gi0/1");
	s_expect("cisco_unknown", "Gi0/1", "Gi0/1");
	/* Different unknown names stay different. */
	ifname_canon("cisco_ios", "Xy0/1", 5, a, sizeof(a));
	ifname_canon("cisco_ios", "Xz0/1", 5, b, sizeof(b));
	cr_assert_str_neq(a, b);
	/* A NUL inside is not a port number: kept whole, length and all. */
	cr_assert_eq(ifname_canon("cisco_ios", nul, sizeof(nul) - 1, a, sizeof(a)),
	    (long)(sizeof(nul) - 1));
	cr_assert_eq(memcmp(a, nul, sizeof(nul) - 1), 0);
}

Test(ifname, output_too_small_and_ref_form)
{
	char out[8];
	const char *c;
	size_t cl;

	cr_assert_eq(ifname_canon("cisco_ios", "Gi0/1", 5, out, sizeof(out)), -1);
	cr_assert_str_eq(out, "");
	cr_assert_eq(ifname_canon_ref("cisco_ios", "Gi0/1", 5, out, sizeof(out),
	    &c, &cl), 0, "does not fit: the raw name is used");
	cr_assert_eq(cl, 5);
	{
		char big[IFNAME_MAX + 1];
		cr_assert_eq(ifname_canon_ref("cisco_ios", "Gi0/1", 5, big,
		    sizeof(big), &c, &cl), 1);
		cr_assert_eq(c, big);
		cr_assert_eq(cl, strlen("GigabitEthernet0/1"));
		cr_assert_eq(ifname_canon_ref("cisco_ios", "Vlan20", 6, big,
		    sizeof(big), &c, &cl), 0, "already canonical");
	}
}

/* ---- interface tables of real devices (ntc-templates captures) ---- */

/*
 * The names a snapshot lists, made canonical: as many distinct names as
 * the device listed (nothing merged), each a fixed point, and the spot
 * checks `want` (pairs raw, canonical) hold.
 */
static void
s_snapshot(enum platform_id p, const char *file, const char *const *want)
{
	const char *platform = platform_get(p)->name, *fx = getenv("LOGHAUL_FIXTURES");
	char path[1024], err[256], (*canon)[IFNAME_MAX + 1];
	struct ifsnap s = { 0 };
	size_t len, i, j, found = 0;
	char *out;

	snprintf(path, sizeof(path), "%s/ntc-templates/%s.raw",
	    fx ? fx : "tests/fixtures/real", file);
	cr_assert_not_null(out = devsim_slurp(path, &len), "%s", path);
	cr_assert_eq(ifsnap_parse(p, out, len, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_gt(s.nrows, 0);
	canon = calloc(s.nrows, sizeof(*canon));
	for (i = 0; i < s.nrows; i++) {
		char again[IFNAME_MAX + 1];
		long n = ifname_canon(platform, s.rows[i].name,
		    strlen(s.rows[i].name), canon[i], sizeof(canon[i]));

		cr_assert_geq(n, 0, "%s", s.rows[i].name);
		cr_assert_eq(ifname_canon(platform, canon[i], (size_t)n, again,
		    sizeof(again)), n);
		cr_assert_str_eq(again, canon[i], "not a fixed point");
		for (j = 0; want[j] != NULL; j += 2)
			if (strcmp(s.rows[i].name, want[j]) == 0) {
				cr_assert_str_eq(canon[i], want[j + 1], "%s", file);
				found++;
			}
	}
	for (i = 0; i < s.nrows; i++)
		for (j = i + 1; j < s.nrows; j++)
			cr_assert(strcmp(s.rows[i].name, s.rows[j].name) == 0 ||
			    strcmp(canon[i], canon[j]) != 0, "%s: %s and %s merged "
			    "into %s", file, s.rows[i].name, s.rows[j].name, canon[i]);
	for (j = 0; want[2 * j] != NULL; j++)
		;
	cr_assert_eq(found, j, "%s: a spot-checked name is not in the table", file);
	free(canon);
	free(out);
	ifsnap_free(&s);
}

Test(ifname, snapshot_names_become_the_names_of_the_log_lines)
{
	static const char *const ios[] = { "Gi0/1", "GigabitEthernet0/1",
	    "Vl99", "Vlan99", NULL };
	static const char *const nxos[] = { "Eth1/1", "Ethernet1/1", "mgmt0",
	    "mgmt0", NULL };
	static const char *const xr[] = { "BE100", "Bundle-Ether100", "Nu0",
	    "Null0", "Gi100/0/0/0.150012", "GigabitEthernet100/0/0/0.150012",
	    "Te0/3/0/0", "TenGigE0/3/0/0", "Mg0/RSP1/CPU0/0",
	    "MgmtEth0/RSP1/CPU0/0", "nG100/0/0/43", "nG100/0/0/43", NULL };
	static const char *const eos[] = { "Et1", "Ethernet1", "Et9.999",
	    "Ethernet9.999", NULL };

	s_snapshot(PLATFORM_CISCO_IOS, "cisco_ios_show_interfaces_description", ios);
	s_snapshot(PLATFORM_CISCO_NXOS, "cisco_nxos_show_interface_status", nxos);
	s_snapshot(PLATFORM_CISCO_XR, "cisco_xr_show_interfaces_description", xr);
	s_snapshot(PLATFORM_ARISTA_EOS, "arista_eos_show_interfaces_description", eos);
}
