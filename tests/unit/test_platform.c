#include <criterion/criterion.h>
#include <string.h>

#include "collector/platform.h"

static int
s_prompt(const char *plat, const char *line)
{
	return platform_match_prompt(platform_find(plat), line, strlen(line));
}

Test(platform, find)
{
	const char *names[] = { "cisco_ios", "cisco_xe", "cisco_nxos",
	    "arista_eos", "juniper_junos", "cisco_xr" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct platform *p = platform_find(names[i]);

		cr_assert_not_null(p, "%s", names[i]);
		cr_assert_str_eq(p->name, names[i]);
		cr_assert_eq(platform_get(p->id), p);
		cr_assert_not_null(p->log_cmd);
		cr_assert_not_null(p->setup_cmds[0]);
	}
	cr_assert_null(platform_find("cisco_ios "));
	cr_assert_null(platform_find("huawei"));
	cr_assert_null(platform_find(NULL));
	cr_assert_null(platform_get(PLATFORM__COUNT));
	cr_assert_str_eq(platform_find("cisco_nxos")->log_cmd, "show logging logfile");
	cr_assert_str_eq(platform_find("juniper_junos")->log_cmd,
	    "show log messages | no-more");
}

Test(platform, ios_prompts)
{
	cr_assert(s_prompt("cisco_ios", "edge-3#"));
	cr_assert(s_prompt("cisco_ios", "edge-3>"));
	cr_assert(s_prompt("cisco_ios", "core_1.lab-2#"));
	cr_assert(s_prompt("cisco_ios", "R1(config)#"));
	cr_assert(s_prompt("cisco_ios", "R1(config-if)#"));
	cr_assert(s_prompt("cisco_xe", "csr1000v-1# "));
	cr_assert(s_prompt("arista_eos", "leaf-01.dc1>"));
	cr_assert(s_prompt("arista_eos", "leaf-01(s1)#"));
	cr_assert_not(s_prompt("cisco_ios", "Password: "));
	cr_assert_not(s_prompt("cisco_ios", "% Invalid input detected at '^' marker."));
	cr_assert_not(s_prompt("cisco_ios", "*Mar  1 00:01:23.456: %SYS-5-CONFIG_I: done#"));
	cr_assert_not(s_prompt("cisco_ios", ""));
	cr_assert_not(s_prompt("cisco_ios", "R1#x"));
	/* NX-OS has no '>' mode. */
	cr_assert(s_prompt("cisco_nxos", "n9k-1#"));
	cr_assert_not(s_prompt("cisco_nxos", "n9k-1>"));
}

Test(platform, junos_and_xr_prompts)
{
	cr_assert(s_prompt("juniper_junos", "netops@mx-1.lab> "));
	cr_assert(s_prompt("juniper_junos", "netops@mx_1# "));
	cr_assert_not(s_prompt("juniper_junos", "mx-1> "));
	cr_assert(s_prompt("cisco_xr", "RP/0/RSP0/CPU0:pe-1.lab#"));
	cr_assert(s_prompt("cisco_xr", "RP/0/RP0/CPU0:pe_2(config)#"));
	cr_assert_not(s_prompt("cisco_xr", "pe-1#"));
	cr_assert_not(s_prompt("cisco_xr",
	    "RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: x#"));
}

Test(platform, enable_and_password)
{
	const struct platform *ios = platform_find("cisco_ios");
	const struct platform *xr = platform_find("cisco_xr");

	cr_assert(platform_wants_enable(ios, "R1>", 3));
	cr_assert(platform_wants_enable(ios, "R1> ", 4));
	cr_assert_not(platform_wants_enable(ios, "R1#", 3));
	cr_assert_not(platform_wants_enable(xr, "R1>", 3));
	cr_assert(platform_is_password_prompt("Password: ", 10));
	cr_assert(platform_is_password_prompt("password:", 9));
	cr_assert_not(platform_is_password_prompt("R1#", 3));
}

Test(platform, prompt_with_odd_bytes)
{
	const char bad[] = "R1\0#";

	cr_assert_not(platform_match_prompt(platform_find("cisco_ios"), bad, 4));
	cr_assert_not(platform_match_prompt(platform_find("cisco_ios"),
	    "\xff\xfe#", 3));
}

static const char *
s_incr(const char *name, const char *line)
{
	static char out[512];

	cr_assert_eq(platform_incr_cmd(platform_find(name), line, strlen(line),
	    out, sizeof out), 0, "%s: %s", name, line);
	return out;
}

/* Each dialect's escapes (platform_filter.c), checked against the text. */
Test(platform, incremental_command_escapes_each_dialect)
{
	const char *ios = "000123: *Mar  1 00:01:02.345: %LINK-3-UPDOWN: "
	    "Interface Gi0/1 (a_b) [x]+$^|?{1}\\ \"q\"\r\n";

	cr_assert_str_eq(s_incr("cisco_ios", ios), "show logging | begin "
	    "^000123: \\*Mar .1 00:01:02\\.345: %LINK-3-UPDOWN: Interface "
	    "Gi0/1 \\(a\\_b\\) \\[x\\]\\+\\$\\^...1.\\\\ \"q\"");
	cr_assert_str_eq(s_incr("cisco_nxos", "2026 Nov 22 01:02:03 n1 "
	    "%ETH_PORT \"x\""), "show logging logfile | begin \"^2026 Nov 22 "
	    "01:02:03 n1 %ETH\\_PORT .x.\"");
	cr_assert_str_eq(s_incr("arista_eos", "Nov 22 01:02:03 e1 Ebra: a_b."),
	    "show logging | begin ^Nov 22 01:02:03 e1 Ebra: a_b\\.");
	cr_assert_str_eq(s_incr("juniper_junos", "Nov 22 01:02:03  j1 mib2d[1]: "
	    "\"x\""), "show log messages | find \"^Nov 22 01:02:03 .j1 "
	    "mib2d\\[1\\]: .x.\" | no-more");
	cr_assert_str_eq(s_incr("cisco_xr", "RP/0/RSP0/CPU0:Nov 22 01:02:03.1 "
	    "UTC: x"), "show logging | begin ^RP/0/RSP0/CPU0:Nov 22 "
	    "01:02:03\\.1 UTC: x");
	/* Bytes no CLI can take become '.'. */
	cr_assert_str_eq(s_incr("cisco_xe", "a\tb\x1b\xff c"),
	    "show logging | begin ^a.b.. c");
}

Test(platform, incremental_command_bounds)
{
	char line[400], out[512];
	const char *re;

	memset(line, '.', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	cr_assert_eq(platform_incr_cmd(platform_find("cisco_ios"), line,
	    strlen(line), out, sizeof out), 0);
	re = out + strlen("show logging | begin ");
	/* cut to the ceiling, never inside an escape pair */
	cr_assert_leq(strlen(re), PLATFORM_INCR_RE_MAX);
	cr_assert_eq(strlen(re) % 2, 1, "'^' and whole '\\.' pairs: %s", re);
	cr_assert_eq(platform_incr_cmd(platform_find("cisco_ios"), "   ", 3, out,
	    sizeof out), -1, "nothing to match");
	cr_assert_eq(platform_incr_cmd(platform_find("cisco_ios"), "\nabc", 4,
	    out, sizeof out), -1, "an empty first line");
	cr_assert_eq(platform_incr_cmd(platform_find("cisco_ios"), "abc", 3,
	    out, 10), -1, "out too short");
}
