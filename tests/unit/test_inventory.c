#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/inventory.h"
#include "common/secret.h"
#include "common/util.h"
#include "common/ydoc.h"

/* tests/data/inventory/REL in the source tree (LOGHAUL_SRC, else the cwd) */
static char *
s_data(const char *rel)
{
	const char *src = getenv("LOGHAUL_SRC");

	return xasprintf("%s/tests/data/inventory/%s", src ? src : ".", rel);
}

/* Load DIR/hosts.yaml (+ groups.yaml, defaults.yaml when they exist). */
static enum cerr
s_load_dir(const char *dir, struct inventory **inv, char *err, size_t errlen)
{
	char *hr = xasprintf("%s/hosts.yaml", dir), *h = s_data(hr);
	char *gr = xasprintf("%s/groups.yaml", dir), *g = s_data(gr);
	char *dr = xasprintf("%s/defaults.yaml", dir), *d = s_data(dr);
	enum cerr e;

	free(hr);
	free(gr);
	free(dr);
	e = inventory_load(h, access(g, F_OK) == 0 ? g : NULL,
	    access(d, F_OK) == 0 ? d : NULL, inv, err, errlen);
	free(h);
	free(g);
	free(d);
	return e;
}

/* Inline inventory; groups/defaults NULL for none. Names are under dir. */
static enum cerr
s_load_mem_in(const char *dir, const char *hosts, const char *groups,
    const char *defaults, struct inventory **inv, char *err, size_t errlen)
{
	char *hn = xasprintf("%s/hosts.yaml", dir);
	char *gn = xasprintf("%s/groups.yaml", dir);
	char *dn = xasprintf("%s/defaults.yaml", dir);
	struct inv_source hs = { hn, hosts, strlen(hosts) };
	struct inv_source gs = { gn, groups, groups ? strlen(groups) : 0 };
	struct inv_source ds = { dn, defaults, defaults ? strlen(defaults) : 0 };
	enum cerr e;

	e = inventory_load_mem(&hs, groups ? &gs : NULL, defaults ? &ds : NULL,
	    inv, err, errlen);
	free(hn);
	free(gn);
	free(dn);
	return e;
}

static struct inventory *
s_ok(const char *hosts, const char *groups, const char *defaults)
{
	struct inventory *inv = NULL;
	char err[1024] = "";

	cr_assert_eq(s_load_mem_in("/inv", hosts, groups, defaults, &inv, err,
	    sizeof err), CERR_OK, "%s", err);
	return inv;
}

static const char *
s_fail(const char *hosts, const char *groups, const char *defaults)
{
	static char err[1024];
	struct inventory *inv = (struct inventory *)1;

	cr_assert_neq(s_load_mem_in("/inv", hosts, groups, defaults, &inv, err,
	    sizeof err), CERR_OK, "accepted: %s", hosts);
	cr_assert_null(inv, "no inventory on error");
	return err;
}

static const char *
s_label(const struct inv_host *h, const char *key)
{
	for (size_t i = 0; i < h->nlabels; i++)
		if (strcmp(h->labels[i].key, key) == 0)
			return h->labels[i].value;
	return NULL;
}

/* A whole inventory as a Nornir user keeps it, with every mechanism used. */
Test(inventory, nornir_inventory)
{
	struct inventory *inv = NULL;
	const struct inv_host *h;
	char err[1024], *keyfile;

	setenv("LOGHAUL_TEST_NORNIR_PW", "pw-from-env", 1);
	setenv("LOGHAUL_TEST_NORNIR_ENABLE", "enable-from-env", 1);
	cr_assert_eq(s_load_dir("nornir", &inv, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(inv->nhosts, 5);
	cr_assert_str_eq(inv->hosts[0].name, "rtr1.bma", "file order is kept");
	cr_assert_str_eq(inv->hosts[4].name, "nx1.cmh");

	h = inventory_find(inv, "rtr1.bma");
	cr_assert_str_eq(h->hostname, "10.1.0.1");
	cr_assert_eq(h->port, 22);
	cr_assert_str_eq(h->username, "netops");
	cr_assert_str_eq(h->password, "pw-from-env");
	cr_assert_str_eq(h->platform, "cisco_ios", "'ios' from group core");
	cr_assert_str_eq(h->enable_secret, "enable-from-env");
	cr_assert_eq(h->ngroups, 2);
	cr_assert_str_eq(h->groups[0], "core");
	cr_assert_str_eq(h->groups[1], "bma");
	cr_assert_eq(h->persistent, 1, "data.loghaul from core");
	cr_assert_eq(h->interval_ms, 60000, "data.loghaul from defaults");
	cr_assert_eq(h->exec_mode, -1);
	cr_assert_eq(h->legacy_algorithms, -1);
	cr_assert_null(h->key_file);
	cr_assert_str_eq(s_label(h, "rack"), "A1");
	cr_assert_str_eq(s_label(h, "role"), "core");
	cr_assert_str_eq(s_label(h, "domain"), "global.local",
	    "a parent group comes before defaults");
	cr_assert_str_eq(s_label(h, "asn"), "65000");
	cr_assert_str_eq(s_label(h, "site"), "bma");
	cr_assert_str_eq(s_label(h, "timezone"), "CET");
	cr_assert_null(s_label(h, "nested"), "nested data is no label");
	cr_assert_null(s_label(h, "loghaul"));
	cr_assert_eq(h->nlabels, 6);

	h = inventory_find(inv, "rtr2.bma");
	cr_assert_str_eq(h->platform, "cisco_xe");
	cr_assert_eq(h->exec_mode, 1);
	cr_assert_eq(h->persistent, -1);
	cr_assert_str_eq(s_label(h, "role"), "edge");

	h = inventory_find(inv, "sw1.cmh");
	cr_assert_str_eq(h->platform, "arista_eos");
	cr_assert_eq(h->port, 8022);
	cr_assert_str_eq(h->username, "admin");
	cr_assert_str_eq(h->password, "sw1-secret", "file secret, newline stripped");
	cr_assert_str_eq(s_label(h, "role"), "edge");
	cr_assert_str_eq(s_label(h, "site"), "cmh");

	h = inventory_find(inv, "fw1.cmh");
	cr_assert_str_eq(h->platform, "juniper_junos");
	cr_assert_str_eq(h->enable_secret, "enable-from-env",
	    "netmiko extras win over data.enable_secret");
	cr_assert_null(s_label(h, "enable_secret"), "a secret is never a label");
	cr_assert_eq(h->legacy_algorithms, 1);
	keyfile = s_data("nornir/keys/fw1");
	cr_assert_str_eq(h->key_file, keyfile, "relative to hosts.yaml");
	free(keyfile);

	h = inventory_find(inv, "nx1.cmh");
	cr_assert_str_eq(h->hostname, "nx1.cmh", "hostname defaults to the name");
	cr_assert_eq(h->port, 2222);
	cr_assert_str_eq(h->platform, "cisco_nxos");
	cr_assert_null(h->enable_secret,
	    "the host's own extras hide the defaults' extras, as in Nornir");
	cr_assert_str_eq(s_label(h, "domain"), "acme.local");

	cr_assert_null(inventory_find(inv, "nope"));
	inventory_free(&inv);
	cr_assert_null(inv);
	inventory_free(&inv);
}

/* Host.extended_groups() docstring example: a, 1, X, 2, b, 3, then defaults. */
Test(inventory, precedence_order)
{
	struct inventory *inv = NULL;
	const struct inv_host *h;
	char err[1024];
	static const char *const order[] = { "k_host", "k_x", "k_2", "k_b", "k_3",
		"k_d", "k_def" };

	cr_assert_eq(s_load_dir("precedence", &inv, err, sizeof err), CERR_OK, "%s",
	    err);
	h = &inv->hosts[0];
	cr_assert_str_eq(h->platform, "juniper_junos", "group_X before group_b");
	cr_assert_eq(h->port, 2222, "group_2 (via group_a) before group_b");
	cr_assert_str_eq(h->username, "from_b", "group_b before group_3");
	cr_assert_str_eq(h->hostname, "from-3.example.net",
	    "group_3 before defaults");
	cr_assert_str_eq(s_label(h, "k_2"), "from_2");
	cr_assert_str_eq(s_label(h, "k_3"), "from_b");
	cr_assert_str_eq(s_label(h, "k_d"), "from_3");
	cr_assert_str_eq(s_label(h, "k_def"), "defaults");
	cr_assert_eq(h->nlabels, 7);
	for (size_t i = 0; i < 7; i++)
		cr_assert_str_eq(h->labels[i].key, order[i],
		    "labels in resolution order");
	inventory_free(&inv);
}

Test(inventory, data_merge_key_by_key)
{
	struct inventory *inv = s_ok(
	    "r1:\n  groups: [g]\n  data: {a: host, m: {x: 1}, n: ~}\n",
	    "g:\n  platform: eos\n  data: {a: group, b: group, m: scalar, n: set, "
	    "l: [1]}\n",
	    "data: {b: defaults, c: defaults}\n");
	const struct inv_host *h = &inv->hosts[0];

	cr_assert_str_eq(s_label(h, "a"), "host");
	cr_assert_str_eq(s_label(h, "b"), "group");
	cr_assert_str_eq(s_label(h, "c"), "defaults");
	cr_assert_null(s_label(h, "m"), "the host's mapping hides the group's scalar");
	cr_assert_null(s_label(h, "n"), "an explicit null hides too");
	cr_assert_null(s_label(h, "l"));
	cr_assert_eq(h->nlabels, 3);
	inventory_free(&inv);
}

Test(inventory, null_attributes_inherit)
{
	struct inventory *inv = s_ok("r1:\n  groups: [g]\n  port: ~\n  platform:\n",
	    "g: {port: 2022, platform: cisco_xr}\n", NULL);

	cr_assert_eq(inv->hosts[0].port, 2022);
	cr_assert_str_eq(inv->hosts[0].platform, "cisco_xr");
	inventory_free(&inv);
}

Test(inventory, defaults_only_host)
{
	struct inventory *inv = s_ok("r1:\nr2: ~\n",
	    NULL, "platform: iosxr\nport: 2200\nusername: u\n");

	cr_assert_eq(inv->nhosts, 2);
	cr_assert_str_eq(inv->hosts[1].platform, "cisco_xr");
	cr_assert_eq(inv->hosts[1].port, 2200);
	cr_assert_str_eq(inv->hosts[1].hostname, "r2");
	cr_assert_null(inv->hosts[1].password);
	cr_assert_null(inv->hosts[1].enable_secret);
	cr_assert_eq(inv->hosts[1].ngroups, 0);
	inventory_free(&inv);
}

Test(inventory, netmiko_connection_options)
{
	struct inventory *inv = s_ok(
	    "r1:\n  hostname: 10.0.0.1\n  port: 22\n  platform: ios\n"
	    "  username: plain\n  groups: [g]\n",
	    "g:\n  connection_options:\n    netmiko:\n      hostname: 10.9.9.9\n"
	    "      username: from-netmiko\n      extras: {secret: en}\n"
	    "    napalm:\n      platform: whatever\n      extras: {x: 1}\n",
	    "connection_options:\n  netmiko:\n    port: 8022\n    platform: cisco_xe\n");
	const struct inv_host *h = &inv->hosts[0];

	/* Host.get_connection_parameters("netmiko") semantics */
	cr_assert_str_eq(h->hostname, "10.9.9.9");
	cr_assert_eq(h->port, 8022);
	cr_assert_str_eq(h->username, "from-netmiko");
	cr_assert_str_eq(h->platform, "cisco_xe");
	cr_assert_str_eq(h->enable_secret, "en");
	inventory_free(&inv);
}

Test(inventory, enable_secret_from_data)
{
	struct inventory *inv;
	const char *err;

	setenv("LOGHAUL_TEST_INV_EN", "en-env", 1);
	inv = s_ok("r1:\n  platform: ios\n  groups: [g]\n",
	    "g:\n  data: {enable_secret: \"${env:LOGHAUL_TEST_INV_EN}\"}\n", NULL);
	cr_assert_str_eq(inv->hosts[0].enable_secret, "en-env");
	cr_assert_eq(inv->hosts[0].nlabels, 0);
	inventory_free(&inv);
	unsetenv("LOGHAUL_TEST_INV_EN");
	err = s_fail("r1:\n  platform: ios\n  groups: [g]\n",
	    "g:\n  data: {enable_secret: \"${env:LOGHAUL_TEST_INV_EN}\"}\n", NULL);
	cr_assert_str_eq(err, "/inv/groups.yaml:2: key 'g.data.enable_secret': "
	    "environment variable 'LOGHAUL_TEST_INV_EN' is not set (for host 'r1')");
}

Test(inventory, group_cycle)
{
	struct inventory *inv = NULL;
	char err[1024];
	const char *e2;

	cr_assert_eq(s_load_dir("cycle", &inv, err, sizeof err), CERR_PARSE);
	cr_assert_null(inv);
	cr_assert(strstr(err, "cycle/groups.yaml:7: key 'c.groups': group cycle: "
	    "a -> b -> c -> a"), "%s", err);
	e2 = s_fail("r1: {platform: ios}\n", "g:\n  groups: [g]\n", NULL);
	cr_assert_str_eq(e2, "/inv/groups.yaml:2: key 'g.groups': group cycle: g -> g");
	e2 = s_fail("r1: {platform: ios}\n",
	    "x: {groups: [y]}\ny: {groups: [z, w]}\nz: {}\nw: {groups: [y]}\n", NULL);
	cr_assert_str_eq(e2, "/inv/groups.yaml:4: key 'w.groups': group cycle: "
	    "y -> w -> y");
}

Test(inventory, deep_group_chain)
{
	char *groups = xmalloc(65536), *p = groups;
	struct inventory *inv;

	/* 1000 groups in a line: no recursion on the C stack */
	for (int i = 0; i < 999; i++)
		p += sprintf(p, "g%d: {groups: [g%d]}\n", i, i + 1);
	p += sprintf(p, "g999: {platform: eos, port: 999}\n");
	inv = s_ok("r1: {groups: [g0]}\n", groups, NULL);
	cr_assert_str_eq(inv->hosts[0].platform, "arista_eos");
	cr_assert_eq(inv->hosts[0].port, 999);
	inventory_free(&inv);
	free(groups);
}

Test(inventory, diamond_groups_are_searched_once)
{
	char *groups = xmalloc(65536), *p = groups;
	struct inventory *inv;

	/* 40 levels of diamonds would be 2^40 paths if searched naively */
	for (int i = 0; i < 40; i++)
		p += sprintf(p, "a%d: {groups: [a%d, b%d]}\nb%d: {groups: [a%d]}\n",
		    i, i + 1, i + 1, i, i + 1);
	p += sprintf(p, "a40: {platform: ios}\nb40: {}\n");
	inv = s_ok("r1: {groups: [a0, b0]}\nr2: {groups: [b0]}\n", groups, NULL);
	cr_assert_str_eq(inv->hosts[1].platform, "cisco_ios");
	inventory_free(&inv);
	free(groups);
}

Test(inventory, unknown_group)
{
	struct inventory *inv = NULL;
	char err[1024];
	const char *e2;

	cr_assert_eq(s_load_dir("unknown_group", &inv, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "unknown_group/hosts.yaml:3: key 'r1.groups[1]': "
	    "unknown group 'sitea'"), "%s", err);
	e2 = s_fail("r1: {platform: ios, groups: [g]}\n", NULL, NULL);
	cr_assert_str_eq(e2, "/inv/hosts.yaml:1: key 'r1.groups[0]': unknown group "
	    "'g' (no groups file)");
	e2 = s_fail("r1: {platform: ios}\n", "g: {groups: [nope]}\n", NULL);
	cr_assert_str_eq(e2, "/inv/groups.yaml:1: key 'g.groups[0]': unknown group "
	    "'nope'", "a group nobody uses is checked too");
}

Test(inventory, host_without_platform)
{
	struct inventory *inv = NULL;
	char err[1024];

	cr_assert_eq(s_load_dir("no_platform", &inv, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "no_platform/hosts.yaml:4: key 'r2.platform': no "
	    "platform: set it on the host, in one of its groups or in defaults"),
	    "%s", err);
}

Test(inventory, unknown_platform)
{
	const char *err = s_fail("r1:\n  groups: [g]\n", "g:\n  platform: huawei\n",
	    NULL);

	cr_assert_str_eq(err, "/inv/groups.yaml:2: key 'g.platform': unknown "
	    "platform 'huawei' (known: cisco_ios, cisco_xe, cisco_nxos, arista_eos, "
	    "juniper_junos, cisco_xr; also ios, iosxe, nxos, eos, junos, iosxr) "
	    "(for host 'r1')");
	cr_assert_eq(inv_platform_known("eos"), 1);
	cr_assert_eq(inv_platform_known("cisco_xr"), 1);
	cr_assert_eq(inv_platform_known("linux"), 0);
	cr_assert_str_eq(inv_platform_name("iosxr"), "cisco_xr");
	cr_assert_str_eq(inv_platform_name("nxos"), "cisco_nxos");
	cr_assert_str_eq(inv_platform_name("junos"), "juniper_junos");
	cr_assert_str_eq(inv_platform_name("iosxe"), "cisco_xe");
	cr_assert_str_eq(inv_platform_name("ios"), "cisco_ios");
	cr_assert_str_eq(inv_platform_name("eos"), "arista_eos");
	cr_assert_str_eq(inv_platform_name("cisco_ios_ssh"), "cisco_ios");
	cr_assert_null(inv_platform_name("IOS"));
}

Test(inventory, port_range_and_types)
{
	struct inventory *inv = NULL;
	char err[1024];
	const char *e2;

	cr_assert_eq(s_load_dir("bad_port", &inv, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "bad_port/hosts.yaml:3: key 'r1.port': expected an "
	    "integer from 1 to 65535, got '70000'"), "%s", err);
	e2 = s_fail("r1: {platform: ios, port: 0}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.port': expected an integer from 1 to 65535, "
	    "got '0'"), "%s", e2);
	e2 = s_fail("r1: {platform: ios, port: ssh}\n", NULL, NULL);
	cr_assert(strstr(e2, "got 'ssh'"), "%s", e2);
	e2 = s_fail("r1: {platform: ios}\n", NULL, "port: [22]\n");
	cr_assert_str_eq(e2, "/inv/defaults.yaml:1: key 'port': expected an integer "
	    "from 1 to 65535, got a list");
	e2 = s_fail("r1: {platform: ios, groups: core}\n", "core: {}\n", NULL);
	cr_assert_str_eq(e2, "/inv/hosts.yaml:1: key 'r1.groups': expected a list of "
	    "group names such as [core, site-a], got a string (value 'core')");
	e2 = s_fail("r1: {platform: ios, data: [1]}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.data': expected a mapping, got a list"), "%s",
	    e2);
	e2 = s_fail("r1: {platform: ios, hostname: [a]}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.hostname': expected a string, got a list"),
	    "%s", e2);
	e2 = s_fail("r1: {platform: ios, hostname: 'a b'}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.hostname': a hostname cannot contain spaces"),
	    "%s", e2);
	e2 = s_fail("r1: {platform: {x: 1}}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.platform': expected a string, got a mapping"),
	    "%s", e2);
	e2 = s_fail("r1: {platform: ios, username: ''}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.username': expected a non-empty string"),
	    "%s", e2);
	e2 = s_fail("r1: [platform, ios]\n", NULL, NULL);
	cr_assert(strstr(e2, "/inv/hosts.yaml:1: key 'r1': expected a mapping of "
	    "hostname, port"), "%s", e2);
	e2 = s_fail("- r1\n- r2\n", NULL, NULL);
	cr_assert_str_eq(e2, "/inv/hosts.yaml:1: expected a mapping of host names "
	    "to hosts, got a list");
	e2 = s_fail("r1: {platform: ios}\n", "[g]\n", NULL);
	cr_assert_str_eq(e2, "/inv/groups.yaml:1: expected a mapping of group names "
	    "to groups, got a list");
	e2 = s_fail("r1: {platform: ios}\n", NULL, "just a string\n");
	cr_assert(strstr(e2, "/inv/defaults.yaml:1: expected a mapping of hostname"),
	    "%s", e2);
}

Test(inventory, unknown_keys)
{
	struct inventory *inv = NULL;
	char err[1024];
	const char *e2;

	cr_assert_eq(s_load_dir("unknown_key", &inv, err, sizeof err), CERR_PARSE);
	cr_assert(strstr(err, "unknown_key/hosts.yaml:4: key 'r1.site': unknown key "
	    "(known keys: hostname, port, username, password, platform, groups, "
	    "data, connection_options); free-form keys go under data"), "%s", err);
	e2 = s_fail("r1: {platform: ios}\n", NULL, "groups: [a]\n");
	cr_assert(strstr(e2, "/inv/defaults.yaml:1: key 'groups': unknown key"),
	    "defaults have no groups: %s", e2);
	e2 = s_fail("r1:\n  platform: ios\n  data:\n    loghaul:\n      intervall: 5s\n",
	    NULL, NULL);
	cr_assert_str_eq(e2, "/inv/hosts.yaml:5: key 'r1.data.loghaul.intervall': "
	    "unknown key (known keys: interval, persistent, exec, "
	    "legacy_algorithms, key_file, timezone, incremental)");
	e2 = s_fail("r1:\n  platform: ios\n  connection_options:\n    netmiko:\n"
	    "      secret: x\n", NULL, NULL);
	cr_assert(strstr(e2, ":5: key 'r1.connection_options.netmiko.secret': "
	    "unknown key (known keys: hostname, port, username, password, platform, "
	    "extras)"), "%s", e2);
	e2 = s_fail("r1:\n  platform: ios\n  connection_options:\n    napalm:\n"
	    "      optional_args: {}\n", NULL, NULL);
	cr_assert(strstr(e2, "key 'r1.connection_options.napalm.optional_args': "
	    "unknown key"), "%s", e2);
	e2 = s_fail("r1: {platform: ios}\nr1: {platform: eos}\n", NULL, NULL);
	cr_assert_str_eq(e2, "/inv/hosts.yaml:2: key 'r1': duplicate key (first at "
	    "line 1)");
}

Test(inventory, bad_connection_options)
{
	static const struct {
		const char *co, *want;
	} cases[] = {
		{ "[netmiko]", "key 'r1.connection_options': expected a mapping, got a "
		  "list" },
		{ "{netmiko: 5}", "key 'r1.connection_options.netmiko': expected a "
		  "mapping, got a string" },
		{ "{netmiko: {extras: [a]}}", "key "
		  "'r1.connection_options.netmiko.extras': expected a mapping" },
		{ "{napalm: {extras: 1}}", "key 'r1.connection_options.napalm.extras': "
		  "expected a mapping" },
		{ "{netmiko: {hostname: 'a b'}}", "key "
		  "'r1.connection_options.netmiko.hostname': a hostname cannot contain" },
		{ "{netmiko: {port: 0}}", "key 'r1.connection_options.netmiko.port': "
		  "expected an integer from 1 to 65535, got '0'" },
		{ "{netmiko: {username: [u]}}", "key "
		  "'r1.connection_options.netmiko.username': expected a string" },
		{ "{netmiko: {platform: [p]}}", "key "
		  "'r1.connection_options.netmiko.platform': expected a string" },
		{ "{netmiko: {password: [p]}}", "key "
		  "'r1.connection_options.netmiko.password': expected a string, {env: "
		  "NAME} or {file: PATH}, got a list" },
		{ "{netmiko: {extras: {secret: {env: a, file: b}}}}", "key "
		  "'r1.connection_options.netmiko.extras.secret': give either env or "
		  "file, not both" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *hosts = xasprintf("r1:\n  platform: ios\n  connection_options: "
		    "%s\n", cases[i].co);
		const char *err = s_fail(hosts, NULL, NULL);

		cr_assert(strstr(err, "/inv/hosts.yaml:3: "), "case %zu: %s", i, err);
		cr_assert(strstr(err, cases[i].want), "case %zu: %s", i, err);
		free(hosts);
	}
	{
		const char *err = s_fail("r1: {platform: ios, data: {enable_secret: "
		    "[x]}}\n", NULL, NULL);
		cr_assert(strstr(err, "key 'r1.data.enable_secret': expected a string"),
		    "%s", err);
	}
}

Test(inventory, group_listed_twice)
{
	struct inventory *inv = s_ok("r1: {groups: [x, y, x]}\n",
	    "x: {groups: [y]}\ny: {platform: eos, port: 7}\n", NULL);

	cr_assert_str_eq(inv->hosts[0].platform, "arista_eos");
	cr_assert_eq(inv->hosts[0].ngroups, 3, "groups are kept as listed");
	inventory_free(&inv);
}

Test(inventory, data_loghaul_values)
{
	struct inventory *inv = s_ok(
	    "r1:\n  groups: [g]\n  data:\n    loghaul: {interval: 90s, exec: false}\n",
	    "g:\n  platform: ios\n  data:\n    loghaul: {interval: 10s, persistent: "
	    "off, legacy_algorithms: on, key_file: /k/id}\n", NULL);
	const struct inv_host *h = &inv->hosts[0];
	const char *err;

	cr_assert_eq(h->interval_ms, 90000);
	cr_assert_eq(h->exec_mode, 0);
	cr_assert_eq(h->persistent, 0, "each data.loghaul key resolves on its own");
	cr_assert_eq(h->legacy_algorithms, 1);
	cr_assert_str_eq(h->key_file, "/k/id");
	cr_assert_eq(h->incremental, -1, "unset: the config's");
	inventory_free(&inv);
	inv = s_ok("r1: {groups: [g]}\nr2: {groups: [g], data: {loghaul: "
	    "{incremental: auto}}}\n", "g:\n  platform: ios\n  data:\n"
	    "    loghaul: {incremental: \"off\"}\n", NULL);
	cr_assert_eq(inv->hosts[0].incremental, 0, "off from the group");
	cr_assert_eq(inv->hosts[1].incremental, 1, "auto on the host wins");
	inventory_free(&inv);
	err = s_fail("r1: {platform: ios, data: {loghaul: {incremental: yes}}}\n",
	    NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul.incremental'"), "%s", err);
	err = s_fail("r1: {platform: ios, data: {loghaul: {interval: 10ms}}}\n",
	    NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul.interval': expected a duration "
	    "from 100ms to 1d"), "%s", err);
	err = s_fail("r1: {platform: ios, data: {loghaul: {exec: sometimes}}}\n",
	    NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul.exec': expected true or false, "
	    "got 'sometimes'"), "%s", err);
	err = s_fail("r1: {platform: ios, data: {loghaul: [1]}}\n", NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul': expected a mapping"), "%s", err);
	err = s_fail("r1: {platform: ios, data: {loghaul: {key_file: ''}}}\n",
	    NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul.key_file': expected a non-empty "
	    "string"), "%s", err);
}

Test(inventory, empty_inventory)
{
	struct inventory *inv = NULL;
	char err[1024];

	cr_assert_eq(s_load_dir("empty", &inv, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_eq(inv->nhosts, 0);
	inventory_free(&inv);
	inv = s_ok("# no hosts yet\n", "", "---\n");
	cr_assert_eq(inv->nhosts, 0);
	inventory_free(&inv);
}

Test(inventory, missing_and_broken_files)
{
	struct inventory *inv = NULL;
	char err[1024], *h = s_data("nornir/hosts.yaml");
	const char *e2;

	cr_assert_eq(inventory_load("/nonexistent/hosts.yaml", NULL, NULL, &inv, err,
	    sizeof err), CERR_NOTFOUND);
	cr_assert_str_eq(err, "/nonexistent/hosts.yaml: No such file or directory");
	cr_assert_eq(inventory_load(h, "/nonexistent/groups.yaml", NULL, &inv, err,
	    sizeof err), CERR_NOTFOUND);
	cr_assert_str_eq(err, "/nonexistent/groups.yaml: No such file or directory");
	cr_assert_eq(inventory_load(h, NULL, "/nonexistent/defaults.yaml", &inv, err,
	    sizeof err), CERR_NOTFOUND);
	cr_assert_null(inv);
	free(h);
	e2 = s_fail("r1: {platform: ios\n", NULL, NULL);
	cr_assert(strncmp(e2, "/inv/hosts.yaml:2:", 18) == 0, "%s", e2);
	e2 = s_fail("r1: {platform: ios}\n", "g: [\n", NULL);
	cr_assert(strncmp(e2, "/inv/groups.yaml:2:", 19) == 0, "%s", e2);
	e2 = s_fail("r1: {platform: ios}\n", NULL, "a: b: c\n");
	cr_assert(strncmp(e2, "/inv/defaults.yaml:1:", 21) == 0, "%s", e2);
}

Test(inventory, host_names)
{
	const char *err = s_fail("../etc: {platform: ios}\n", NULL, NULL);

	cr_assert_str_eq(err, "/inv/hosts.yaml:1: key '../etc': a host name cannot "
	    "be '.', '..' or contain '/'");
	err = s_fail("..: {platform: ios}\n", NULL, NULL);
	cr_assert(strstr(err, "a host name cannot be"), "%s", err);
	err = s_fail("\"edge 1\": {platform: ios}\n", NULL, NULL);
	cr_assert(strstr(err, "key 'edge 1': a host name cannot contain spaces"),
	    "%s", err);
	err = s_fail("? [a]\n: {platform: ios}\n", NULL, NULL);
	cr_assert(strstr(err, "a key must be a string"), "%s", err);
}

Test(inventory, merge_keys_in_inventory)
{
	struct inventory *inv = s_ok(
	    "r1: &common\n  platform: eos\n  port: 2022\n  data: {site: x}\n"
	    "r2:\n  <<: *common\n  port: 2023\n", NULL, NULL);

	cr_assert_str_eq(inv->hosts[1].platform, "arista_eos");
	cr_assert_eq(inv->hosts[1].port, 2023);
	cr_assert_str_eq(s_label(&inv->hosts[1], "site"), "x");
	inventory_free(&inv);
}

/* ---- secrets ---- */

static void
s_mkfile(const char *dir, const char *name, const char *content, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	cr_assert_not_null(f, "%s", p);
	fputs(content, f);
	fclose(f);
	chmod(p, mode);
	free(p);
}

static void
s_rmtree(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

Test(inventory, secrets_from_env_and_files)
{
	char dir[] = "/tmp/inv-secret-XXXXXX", err[1024];
	struct inventory *inv = NULL;
	char *sub;

	cr_assert_not_null(mkdtemp(dir));
	sub = xasprintf("%s/sub", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	s_mkfile(dir, "pw1", "file-pw-1\n", 0600);
	s_mkfile(dir, "sub/pw2", "file-pw-2\r\n", 0600);
	s_mkfile(dir, "en", "file-en", 0600);
	setenv("LOGHAUL_TEST_INV_PW", "env-pw", 1);
	cr_assert_eq(s_load_mem_in(dir,
	    "a: {platform: ios, password: {env: LOGHAUL_TEST_INV_PW}}\n"
	    "b: {platform: ios, password: \"${env:LOGHAUL_TEST_INV_PW}\"}\n"
	    "c: {platform: ios, password: {file: pw1}}\n"
	    "d: {platform: ios, password: \"${file: sub/pw2}\"}\n"
	    "e: {platform: ios, password: plain-pw, data: {enable_secret: {file: en}}}\n"
	    "f: {platform: ios, password: 12345}\n",
	    NULL, NULL, &inv, err, sizeof err), CERR_OK, "%s", err);
	cr_assert_str_eq(inventory_find(inv, "a")->password, "env-pw");
	cr_assert_str_eq(inventory_find(inv, "b")->password, "env-pw");
	cr_assert_str_eq(inventory_find(inv, "c")->password, "file-pw-1");
	cr_assert_str_eq(inventory_find(inv, "d")->password, "file-pw-2",
	    "relative to the YAML file, CRLF stripped");
	cr_assert_str_eq(inventory_find(inv, "e")->password, "plain-pw");
	cr_assert_str_eq(inventory_find(inv, "e")->enable_secret, "file-en");
	cr_assert_str_eq(inventory_find(inv, "f")->password, "12345");
	inventory_free(&inv);
	s_rmtree(dir);
	free(sub);
}

/* Secret errors name the variable or path, never a value, nor other secrets. */
Test(inventory, secret_errors_do_not_leak)
{
	char dir[] = "/tmp/inv-secret-XXXXXX";
	char *big, *p;
	const char *hosts_fmt =
	    "other: {platform: ios, password: TOPSECRET-OTHER}\n"
	    "r1:\n  platform: ios\n  username: admin\n  password: %s\n"
	    "  data: {enable_secret: TOPSECRET-ENABLE}\n";
	struct {
		const char *pw, *want;
	} cases[] = {
		{ "{env: LOGHAUL_TEST_UNSET_VAR}", "hosts.yaml:5: key 'r1.password.env': "
		  "environment variable 'LOGHAUL_TEST_UNSET_VAR' is not set" },
		{ "\"${env:LOGHAUL_TEST_UNSET_VAR}\"", "hosts.yaml:5: key 'r1.password': "
		  "environment variable 'LOGHAUL_TEST_UNSET_VAR' is not set" },
		{ "{env: LOGHAUL_TEST_EMPTY_VAR}", "environment variable "
		  "'LOGHAUL_TEST_EMPTY_VAR' is empty" },
		{ "{file: missing.pw}", "cannot read secret file '" },
		{ "{file: empty.pw}", "is empty" },
		{ "{file: nul.pw}", "contains a NUL byte" },
		{ "{file: big.pw}", "is larger than 65536 bytes" },
		{ "{file: .}", "is not a regular file" },
		{ "\"${file:}\"", "empty path in secret reference" },
		{ "\"${env: }\"", "empty variable name in secret reference" },
		{ "\"${vault:x}\"", "unknown secret reference" },
		{ "{env: 1BAD}", "not a valid environment variable name" },
		{ "\"${env:BAD-NAME}\"", "'BAD-NAME' is not a valid environment variable" },
		{ "{env: A, file: b}", "give either env or file, not both" },
		{ "{}", "expected a string, {env: NAME} or {file: PATH}, got an empty "
		  "mapping" },
		{ "{vault: x}", "key 'r1.password.vault': unknown key (known keys: env, "
		  "file)" },
		{ "[a, b]", "expected a string, {env: NAME} or {file: PATH}, got a list" },
		{ "{env: [x]}", "key 'r1.password.env': expected a string, got a list" },
		{ "\"pw\\0x\"", "must not contain NUL bytes" },
	};

	cr_assert_not_null(mkdtemp(dir));
	s_mkfile(dir, "empty.pw", "\n", 0600);
	p = xasprintf("%s/nul.pw", dir);
	{
		FILE *f = fopen(p, "w");
		fwrite("ab\0cd", 1, 5, f);
		fclose(f);
	}
	free(p);
	big = xmalloc(70000);
	memset(big, 'x', 69999);
	big[69999] = '\0';
	s_mkfile(dir, "big.pw", big, 0600);
	free(big);
	unsetenv("LOGHAUL_TEST_UNSET_VAR");
	setenv("LOGHAUL_TEST_EMPTY_VAR", "", 1);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *hosts = xasprintf(hosts_fmt, cases[i].pw), err[1024] = "";
		struct inventory *inv = NULL;

		cr_assert_neq(s_load_mem_in(dir, hosts, NULL, NULL, &inv, err,
		    sizeof err), CERR_OK, "case %zu accepted", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: %s", i, err);
		cr_assert(strncmp(err, dir, strlen(dir)) == 0, "file named: %s", err);
		cr_assert_null(strstr(err, "TOPSECRET"), "case %zu leaks: %s", i, err);
		cr_assert_null(strstr(err, "pw\\0x"), "case %zu leaks: %s", i, err);
		free(hosts);
	}
	s_rmtree(dir);
}

Test(inventory, secret_in_group_names_the_host)
{
	const char *err;

	unsetenv("LOGHAUL_TEST_UNSET_VAR");
	err = s_fail("r1: {platform: ios, groups: [g]}\n",
	    "g:\n  connection_options:\n    netmiko:\n      extras:\n"
	    "        secret: {env: LOGHAUL_TEST_UNSET_VAR}\n", NULL);
	cr_assert_str_eq(err, "/inv/groups.yaml:5: key "
	    "'g.connection_options.netmiko.extras.secret.env': environment variable "
	    "'LOGHAUL_TEST_UNSET_VAR' is not set (for host 'r1')");
	/* a secret that is overridden is never looked up */
	{
		struct inventory *inv = s_ok(
		    "r1: {platform: ios, groups: [g], password: mine}\n",
		    "g: {password: {env: LOGHAUL_TEST_UNSET_VAR}}\n", NULL);
		cr_assert_str_eq(inv->hosts[0].password, "mine");
		inventory_free(&inv);
	}
}

Test(inventory, secret_resolve_str)
{
	char *s = NULL, why[256];

	setenv("LOGHAUL_TEST_STR", "v", 1);
	cr_assert_eq(secret_resolve_str("${env:LOGHAUL_TEST_STR}", "/", &s, why,
	    sizeof why), CERR_OK);
	cr_assert_str_eq(s, "v");
	secret_free(&s);
	cr_assert_null(s);
	secret_free(&s);
	cr_assert_eq(secret_resolve_str("plain ${x", "/", &s, why, sizeof why),
	    CERR_OK);
	cr_assert_str_eq(s, "plain ${x");
	secret_free(&s);
	cr_assert_eq(secret_resolve_str("${file:/nonexistent/x}", "/", &s, why,
	    sizeof why), CERR_NOTFOUND);
	cr_assert_str_eq(why, "cannot read secret file '/nonexistent/x': No such "
	    "file or directory");
	cr_assert_eq(secret_resolve_str("${nope}", "/", &s, why, sizeof why),
	    CERR_INVAL);
	cr_assert_eq(secret_resolve_str("${env:BAD-NAME}", "/", &s, why,
	    sizeof why), CERR_INVAL);
	cr_assert_str_eq(why, "'BAD-NAME' is not a valid environment variable name");
}

Test(inventory, secret_of_absent_key)
{
	struct ydoc *d = NULL;
	struct ydoc_node root, v;
	char *s = NULL, err[256];

	cr_assert_eq(ydoc_load_mem("/s.yaml", "a: 1\n", 5, &d, err, sizeof err),
	    CERR_OK);
	ydoc_root(d, &root);
	ydoc_get(&root, "password", &v);
	cr_assert_eq(secret_resolve(&v, &s, err, sizeof err), CERR_PARSE);
	cr_assert_str_eq(err, "/s.yaml:1: key 'password': required key is missing "
	    "(a string, {env: NAME} or {file: PATH})");
	cr_assert_null(s);
	ydoc_free(&d);
}

Test(inventory, data_loghaul_timezone)
{
	struct inventory *inv = s_ok(
	    "r1: {groups: [ny]}\n"
	    "r2: {groups: [ny], data: {loghaul: {timezone: Europe/Berlin}}}\n"
	    "r3: {platform: ios}\n",
	    "ny: {platform: ios, data: {loghaul: {timezone: America/New_York}}}\n",
	    NULL);
	const char *err;

	cr_assert_str_eq(inv->hosts[0].timezone, "America/New_York", "from the group");
	cr_assert_str_eq(inv->hosts[1].timezone, "Europe/Berlin", "the host's own");
	cr_assert_null(inv->hosts[2].timezone);
	inventory_free(&inv);
	err = s_fail("r1: {platform: ios, data: {loghaul: {timezone: ''}}}\n",
	    NULL, NULL);
	cr_assert(strstr(err, "key 'r1.data.loghaul.timezone': expected a non-empty "
	    "string"), "%s", err);
}
