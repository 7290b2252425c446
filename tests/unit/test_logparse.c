#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "collector/cursor.h"
#include "collector/logparse.h"
#include "tests/support/fixture.h"

/* 2026-01-15T12:00:00Z */
#define NOW_MS 1768478400000LL

static int
beq(struct wire_bytes b, const char *s)
{
	return b.len == strlen(s) && (b.len == 0 || memcmp(b.ptr, s, b.len) == 0);
}

static char *
bstr(struct wire_bytes b)
{
	char *s = malloc(b.len + 1);

	if (b.len)
		memcpy(s, b.ptr, b.len);
	s[b.len] = '\0';
	return s;
}

static void
parse_str(enum platform_id pf, const char *s, size_t len, unsigned flags,
    struct logparse_result *r)
{
	struct logparse_opts o;

	logparse_opts_init(&o, NOW_MS);
	o.flags = flags;
	cr_assert_eq(logparse_parse(pf, s, len, &o, r), CERR_OK);
}

#define PARSE(pf, lit, flags, r) parse_str(pf, lit, sizeof(lit) - 1, flags, r)

/* ---- the ntc-templates outputs against their .yml ----------------------- */

enum { Y_NUMBER, Y_MONTH, Y_DAY, Y_TIME, Y_TZ, Y_FAC, Y_SEV, Y_MNEM, Y_NKEYS };
static const char *const ykeys[Y_NKEYS] = {
	"number", "month", "day", "time", "timezone", "facility", "severity",
	"mnemonic"
};

struct yent {
	char  *k[Y_NKEYS];
	char  *msg[32];
	size_t nmsg;
};

/* parsed_sample: a list of maps of scalars, "message" a list of scalars. */
static size_t
load_yml(const char *rel, struct yent *out, size_t max)
{
	char path[1024];
	yaml_parser_t p;
	yaml_event_t ev;
	FILE *f;
	struct yent *cur = NULL;
	char *key = NULL;
	int expect = 0, in_list = 0, in_msg = 0, done = 0;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(), rel);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		cr_assert(yaml_parser_parse(&p, &ev), "%s: yaml error", path);
		switch (ev.type) {
		case YAML_SCALAR_EVENT: {
			char *s = strndup((const char *)ev.data.scalar.value,
			    ev.data.scalar.length);

			if (!in_list) {
				expect = strcmp(s, "parsed_sample") == 0;
				free(s);
			} else if (cur && in_msg) {
				cr_assert_lt(cur->nmsg, 32);
				cur->msg[cur->nmsg++] = s;
			} else if (cur && key == NULL) {
				key = s;
			} else if (cur) {
				int found = 0;

				for (int k = 0; k < Y_NKEYS; k++)
					if (strcmp(key, ykeys[k]) == 0) {
						cur->k[k] = s;
						found = 1;
					}
				cr_assert(found, "unexpected key %s", key);
				free(key);
				key = NULL;
			} else
				free(s);
			break;
		}
		case YAML_SEQUENCE_START_EVENT:
			if (expect && !in_list)
				in_list = 1;
			else if (cur && key)
				in_msg = 1;
			break;
		case YAML_SEQUENCE_END_EVENT:
			if (in_msg) {
				in_msg = 0;
				free(key);
				key = NULL;
			} else if (in_list)
				in_list = 0;
			break;
		case YAML_MAPPING_START_EVENT:
			if (in_list) {
				cr_assert_lt(n, max);
				cur = &out[n++];
				memset(cur, 0, sizeof(*cur));
			}
			break;
		case YAML_MAPPING_END_EVENT:
			if (in_list)
				cur = NULL;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return n;
}

static void
free_yml(struct yent *y, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < Y_NKEYS; k++)
			free(y[i].k[k]);
		for (size_t m = 0; m < y[i].nmsg; m++)
			free(y[i].msg[m]);
	}
}

/* Split the stamp as written into words: month, day, time[, zone]. */
static size_t
ts_words(struct wire_bytes ts, char w[][32], size_t max)
{
	size_t i = 0, n = 0;

	if (ts.len && (ts.ptr[0] == '*' || ts.ptr[0] == '.'))
		i = 1;
	while (i < ts.len && n < max) {
		size_t k = 0;

		while (i < ts.len && ts.ptr[i] == ' ')
			i++;
		if (i == ts.len)
			break;
		while (i < ts.len && ts.ptr[i] != ' ' && k < 31)
			w[n][k++] = ts.ptr[i++];
		w[n++][k] = '\0';
	}
	return n;
}

/* Compare every entry the parser gives with the .yml record it matches. */
static void
check_fixture(int num, size_t want_cut, const char *want_cut_bytes)
{
	char raw[64], yml[64];
	struct yent y[32];
	struct logparse_result r;
	size_t len, ny, j = 0;
	char *buf;

	snprintf(raw, sizeof(raw), "ntc-templates/cisco_ios_show_logging_%d.raw", num);
	snprintf(yml, sizeof(yml), "ntc-templates/cisco_ios_show_logging_%d.yml", num);
	buf = fixture_read(raw, &len);
	ny = load_yml(yml, y, 32);
	cr_assert_gt(ny, 0);
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, buf, len, 0, &r);

	cr_assert(r.header_found, "%s: header not found", raw);
	cr_assert_eq(r.ncut, want_cut, "%s: ncut %zu", raw, r.ncut);
	if (want_cut_bytes)
		cr_assert(beq(r.cut, want_cut_bytes), "%s: cut is \"%s\"", raw,
		    bstr(r.cut));
	cr_assert_not(r.partial);

	for (size_t i = 0; i < ny; i++) {
		const struct yent *x = &y[i];
		const struct logparse_entry *e;
		char w[6][32], *msg, *line, *save = NULL;
		size_t nw, m = 0;

		/* ntc-templates keeps the cut "7:04: ..." line; we drop it. */
		if (x->k[Y_MONTH][0] == '\0')
			continue;
		cr_assert_lt(j, r.nentries, "%s: fewer entries than the .yml", raw);
		e = &r.entries[j++];

		if (x->k[Y_NUMBER][0] == '\0')
			cr_assert_not(e->flags & LOGPARSE_E_SEQ, "%s #%zu", raw, i);
		else {
			cr_assert(e->flags & LOGPARSE_E_SEQ, "%s #%zu", raw, i);
			cr_assert_eq(e->seq, strtoull(x->k[Y_NUMBER], NULL, 10));
		}

		nw = ts_words(e->ts, w, 6);
		cr_assert_eq(nw, x->k[Y_TZ][0] ? 4u : 3u, "%s #%zu: stamp \"%s\"",
		    raw, i, bstr(e->ts));
		cr_assert_str_eq(w[0], x->k[Y_MONTH]);
		cr_assert_str_eq(w[1], x->k[Y_DAY]);
		cr_assert_str_eq(w[2], x->k[Y_TIME]);
		if (nw == 4)
			cr_assert_str_eq(w[3], x->k[Y_TZ]);
		cr_assert_gt(e->ts_ms, 0);

		msg = bstr(e->msg);
		if (x->k[Y_SEV][0] == '\0') {
			/*
			 * "CEF-HWIDB: EDSP0 ..." has no %FACILITY-SEV-MNEMONIC;
			 * ntc-templates splits it anyway. We keep it as text.
			 */
			char want[512];

			cr_assert_eq(e->tag.len, 0, "%s #%zu: tag %s", raw, i,
			    bstr(e->tag));
			cr_assert_eq(e->severity, -1);
			snprintf(want, sizeof(want), "%s-%s: %s", x->k[Y_FAC],
			    x->k[Y_MNEM], x->msg[0]);
			cr_assert_str_eq(msg, want);
		} else {
			char tag[256];

			cr_assert(beq(e->facility, x->k[Y_FAC]), "%s #%zu", raw, i);
			cr_assert(beq(e->mnemonic, x->k[Y_MNEM]), "%s #%zu", raw, i);
			cr_assert_eq(strlen(x->k[Y_SEV]), 1);
			cr_assert_eq(e->severity, x->k[Y_SEV][0] - '0');
			snprintf(tag, sizeof(tag), "%s-%s-%s", x->k[Y_FAC],
			    x->k[Y_SEV], x->k[Y_MNEM]);
			cr_assert(beq(e->tag, tag));
			for (line = strtok_r(msg, "\n", &save); line;
			    line = strtok_r(NULL, "\n", &save), m++) {
				cr_assert_lt(m, x->nmsg, "%s #%zu: extra line \"%s\"",
				    raw, i, line);
				cr_assert_str_eq(line, x->msg[m], "%s #%zu line %zu",
				    raw, i, m);
			}
			cr_assert_eq(m, x->nmsg, "%s #%zu: %zu of %zu lines", raw, i,
			    m, x->nmsg);
			cr_assert_eq(e->nlines, x->nmsg);
		}
		free(msg);
		/* The raw line: no CR, begins with what the device wrote. */
		cr_assert_null(memchr(e->raw.ptr, '\r', e->raw.len));
		if (e->nlines > 1)
			cr_assert_not_null(memchr(e->raw.ptr, '\n', e->raw.len));
	}
	cr_assert_eq(j, r.nentries, "%s: %zu entries, .yml has %zu", raw,
	    r.nentries, j);
	logparse_result_free(&r);
	free_yml(y, ny);
	free(buf);
}

Test(logparse, ntc_1_wrapped_with_sequence_numbers)
{
	check_fixture(1, 1, "7:04: %LINEPROTO-5-UPDOWN: Line protocol on "
	    "Interface GigabitEthernet2/0/3, changed state to up");
}

Test(logparse, ntc_2_crlf_cut_and_backwards_time)
{
	struct logparse_result r;
	size_t len;
	char *buf = fixture_read("ntc-templates/cisco_ios_show_logging_2.raw", &len);

	check_fixture(2, 1, "IEEE PD");
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, buf, len, 0, &r);
	cr_assert_eq(r.nentries, 3);
	/* the device clock went backwards: parsed as written */
	cr_assert_lt(r.entries[2].ts_ms, r.entries[1].ts_ms);
	cr_assert(beq(r.entries[0].raw, "Jan 30 14:11:11.354: %ILPOWER-7-DETECT: "
	    "Interface Gi4/3: Power Device detected: IEEE PD"));
	logparse_result_free(&r);
	free(buf);
}

Test(logparse, ntc_3_untagged_and_restart_banner)
{
	struct logparse_result r;
	size_t len;
	char *buf = fixture_read("ntc-templates/cisco_ios_show_logging_3.raw", &len);

	check_fixture(3, 0, NULL);
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, buf, len, 0, &r);
	cr_assert_eq(r.entries[3].nlines, 5);
	cr_assert(r.entries[3].flags & LOGPARSE_E_MULTILINE);
	cr_assert(beq(r.entries[3].raw, "000050: Dec  2 12:09:25.715: "
	    "%SYS-5-RESTART: System restarted --\n"
	    "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version "
	    "15.2(1)T1, RELEASE SOFTWARE (fc1)\n"
	    "Technical Support: http://www.cisco.com/techsupport\n"
	    "Copyright (c) 1986-2011 by Cisco Systems, Inc.\n"
	    "Compiled Mon 19-Sep-11 17:41 by prod_rel_team"));
	logparse_result_free(&r);
	free(buf);
}

Test(logparse, ntc_4_time_zone)
{
	struct logparse_result r;
	size_t len;
	char *buf = fixture_read("ntc-templates/cisco_ios_show_logging_4.raw", &len);

	check_fixture(4, 0, NULL);
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, buf, len, 0, &r);
	/* Dec  4 11:01:38.694 EST, a poll in January 2026: 2025, UTC-5 */
	cr_assert_eq(r.entries[0].ts_ms, 1764864098694LL);
	cr_assert_not(r.entries[0].ts_flags & DEVTIME_UNKNOWN_ZONE);
	logparse_result_free(&r);
	free(buf);
}

Test(logparse, ntc_5_unsynced_and_indented_continuation)
{
	struct logparse_result r;
	size_t len;
	char *buf = fixture_read("ntc-templates/cisco_ios_show_logging_5.raw", &len);

	check_fixture(5, 1, "rtual-PPP2, changed state to down");
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, buf, len, 0, &r);
	cr_assert(r.entries[0].ts_flags & DEVTIME_UNSYNCED);
	cr_assert_eq(r.entries[0].ts.ptr[0], '*', "the marker stays in the text");
	/* the blank line after the continuation is not part of the entry */
	cr_assert(beq(r.entries[1].raw, "*Sep 14 06:00:45.693: "
	    "%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed\n"
	    "        connection id=29, sequence number=219"));
	logparse_result_free(&r);
	free(buf);
}

/* ---- timestamp styles in buffer lines ----------------------------------- */

Test(logparse, every_ios_timestamp_style)
{
	static const char out[] =
	    "000001: *Mar  1 00:01:23.456: %SYS-5-RESTART: System restarted --\n"
	    "000002: Nov 22 00:48:05.123 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down\n"
	    "000003: Nov 22 00:48:05 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to up\n"
	    "000004: .Nov 22 00:48:06.123 UTC: %LINK-5-CHANGED: Interface Gi0/2, changed state to administratively down\n"
	    "000005: Jun 19 03:02:31: %LINEPROTO-5-UPDOWN: Line protocol on Interface Gi0/3, changed state to down\n"
	    "000006: Nov 22 2025 00:48:07.000 CET: %SYS-5-CONFIG_I: Configured from console\n"
	    "000007: 1w2d: %SYS-5-CONFIG_I: Configured from console\n"
	    "000008: Nov 22 00:48:08 FOOT: %SYS-5-CONFIG_I: odd zone\n"
	    "%LINK-3-UPDOWN: Interface Gi0/9, changed state to down\n";
	static const char *const ts[] = {
		"*Mar  1 00:01:23.456", "Nov 22 00:48:05.123 UTC",
		"Nov 22 00:48:05 UTC", ".Nov 22 00:48:06.123 UTC",
		"Jun 19 03:02:31", "Nov 22 2025 00:48:07.000 CET", "1w2d",
		"Nov 22 00:48:08 FOOT", "",
	};
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_XE, out, 0, &r);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 9);
	for (size_t i = 0; i < 9; i++) {
		cr_assert(beq(r.entries[i].ts, ts[i]), "#%zu: \"%s\"", i,
		    bstr(r.entries[i].ts));
		if (i < 8)
			cr_assert_eq(r.entries[i].seq, i + 1);
	}
	cr_assert(r.entries[0].ts_flags & DEVTIME_UNSYNCED);
	cr_assert_eq(r.entries[1].ts_ms, 1763772485123LL);
	cr_assert_eq(r.entries[2].ts_ms, 1763772485000LL);
	cr_assert(r.entries[3].ts_flags & DEVTIME_LOSTSYNC);
	cr_assert(r.entries[4].ts_flags & DEVTIME_NO_ZONE);
	cr_assert_eq(r.entries[5].ts_ms, 1763772487000LL - 3600000LL);
	cr_assert_eq(r.entries[6].ts_style, DEVTIME_UPTIME);
	cr_assert_eq(r.entries[6].ts_ms, 0);
	cr_assert(r.entries[7].ts_flags & DEVTIME_UNKNOWN_ZONE);
	cr_assert(beq(r.entries[7].msg, "odd zone"));
	/* "no service timestamps": a bare tag still starts an entry */
	cr_assert(beq(r.entries[8].tag, "LINK-3-UPDOWN"));
	cr_assert_eq(r.entries[8].ts_ms, 0);
	cr_assert_not(r.entries[8].flags & LOGPARSE_E_SEQ);
	logparse_result_free(&r);
}

/* ---- other platforms, from the napalm-logs lines ------------------------ */

/* The message part of a pushed syslog line: "<PRI>" dropped. */
static char *
napalm(const char *name)
{
	char rel[256], *s, *p;
	size_t len;

	snprintf(rel, sizeof(rel), "napalm-logs/%s_syslog.msg", name);
	s = fixture_read(rel, &len);
	cr_assert_eq(s[0], '<');
	p = strchr(s, '>');
	cr_assert_not_null(p);
	memmove(s, p + 1, strlen(p + 1) + 1);
	len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';
	return s;
}

/* Remove the first occurrence of what from s. */
static void
cut_out(char *s, const char *what)
{
	char *p = strstr(s, what);

	cr_assert_not_null(p, "\"%s\" not in \"%s\"", what, s);
	memmove(p, p + strlen(what), strlen(p + strlen(what)) + 1);
}

static char *
join(const char *head, char **lines, size_t n, const char *tail)
{
	size_t len = strlen(head) + strlen(tail) + 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 2;
	s = malloc(len);
	strcpy(s, head);
	for (size_t i = 0; i < n; i++) {
		strcat(s, lines[i]);
		strcat(s, "\r\n");
	}
	strcat(s, tail);
	return s;
}

Test(logparse, nxos_logfile)
{
	char *l[3] = {
		napalm("nxos_INTERFACE_DOWN_default"),
		napalm("nxos_INTERFACE_DOWN_error_disabled"),
		napalm("nxos_INTERFACE_UP_mode_trunk"),
	};
	char *out = join("", l, 3, "2026 Jan 15 11:00:00.250 nexus-switch "
	    "%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/1 is down "
	    "(Link failure)\r\n");
	struct logparse_result r;
	const struct logparse_entry *e;

	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_NXOS, out, strlen(out), 0, &r);
	cr_assert_eq(r.nentries, 4);
	cr_assert_eq(r.ncut, 0);
	e = &r.entries[0];
	cr_assert(beq(e->ts, "2018 Apr 20 13:15:07"));
	cr_assert_eq(e->ts_ms, 1524230107000LL);
	cr_assert(beq(e->host, "nexus-switch"));
	cr_assert(beq(e->tag, "ETHPORT-5-IF_DOWN_LINK_FAILURE"));
	cr_assert_eq(e->severity, 5);
	cr_assert(beq(e->msg, "Interface Ethernet1/33 is down (Link failure)"));
	cr_assert(beq(e->raw, l[0]));
	e = &r.entries[1];
	cr_assert(beq(e->host, "sw01.test"));
	cr_assert(beq(e->tag, "ETHPORT-5-IF_DOWN_ERROR_DISABLED"));
	cr_assert(beq(r.entries[2].msg, "Interface Ethernet1/33 is up in mode trunk"));
	cr_assert(beq(r.entries[3].ts, "2026 Jan 15 11:00:00.250"));
	cr_assert_eq(r.entries[3].ts_ms, NOW_MS - 3600000LL + 250);
	for (int i = 0; i < 3; i++)
		free(l[i]);
	free(out);
	logparse_result_free(&r);
}

Test(logparse, eos_with_header)
{
	char *l[3] = {
		napalm("eos_INTERFACE_DOWN_default"),
		napalm("eos_INTERFACE_UP_consistency_ftw"),
		napalm("eos_INTERFACE_UP_default"),
	};
	char *out = join(
	    "Syslog logging: enabled\r\n"
	    "    Buffer logging: level debugging\r\n"
	    "    Console logging: level errors\r\n"
	    "    Trap logging: level informational\r\n"
	    "    Sequence numbers: Disabled\r\n"
	    "\r\n"
	    "    Facility                   Severity            Effective Severity\r\n"
	    "    --------------------       -------------       ------------------\r\n"
	    "    aaa                        debugging           debugging\r\n"
	    "\r\n"
	    "Log Buffer:\r\n", l, 3, "");
	struct logparse_result r;
	const struct logparse_entry *e;

	logparse_result_init(&r);
	parse_str(PLATFORM_ARISTA_EOS, out, strlen(out), 0, &r);
	cr_assert(r.header_found);
	cr_assert_eq(r.header_lines, 11);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 3);
	e = &r.entries[1];
	cr_assert(beq(e->ts, "Feb  6 08:27:14"));
	cr_assert(beq(e->host, "veos01"));
	cr_assert(beq(e->tag, "LINEPROTO-5-UPDOWN"));
	cr_assert(beq(e->msg, "Line protocol on Interface Ethernet28 (added "
	    "description in EOS 4.19.6M), changed state to up"));
	cr_assert(beq(e->raw, l[1]));
	cr_assert_eq(e->ts_ms, 1738830434000LL);	/* 2025-02-06 */
	for (int i = 0; i < 3; i++)
		free(l[i]);
	free(out);
	logparse_result_free(&r);
}

Test(logparse, junos_messages)
{
	char *l[3] = {
		strdup("Jul 20 00:00:00  vmx01 newsyslog[1234]: logfile turned over"),
		napalm("junos_INTERFACE_DOWN_default"),
		napalm("junos_INTERFACE_UP_default"),
	};
	char *out = join("", l, 3, "\r\n{master:0}\r\n");
	struct logparse_result r;
	const struct logparse_entry *e;

	logparse_result_init(&r);
	parse_str(PLATFORM_JUNIPER_JUNOS, out, strlen(out), 0, &r);
	cr_assert_eq(r.nentries, 3);
	cr_assert_eq(r.nstripped, 1, "the {master:0} line is not a record");
	cr_assert_eq(r.ncut, 0);
	cr_assert(beq(r.entries[0].host, "vmx01"));
	cr_assert_eq(r.entries[0].tag.len, 0);
	cr_assert(beq(r.entries[0].msg, "newsyslog[1234]: logfile turned over"));
	e = &r.entries[1];
	cr_assert(beq(e->ts, "Jul 20 21:45:59"));
	cr_assert(beq(e->host, "vmx01"));
	cr_assert(beq(e->tag, "SNMP_TRAP_LINK_DOWN"));
	cr_assert(beq(e->msg, "ifIndex 502, ifAdminStatus down(2), ifOperStatus "
	    "down(2), ifName xe-0/0/0"));
	cr_assert(beq(e->raw, l[1]));
	/* the trailing blank line belongs to nobody */
	cr_assert(beq(r.entries[2].raw, l[2]));
	for (int i = 0; i < 3; i++)
		free(l[i]);
	free(out);
	logparse_result_free(&r);
}

/* `structured-data` files: one RFC 5424 line per entry, MSGID the tag. */
Test(logparse, junos_structured_data_lines_are_entries)
{
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_JUNIPER_JUNOS, "Jul 20 21:45:59 vmx01 mib2d[2424]: "
	    "SNMP_TRAP_LINK_UP: ifIndex 502\n"
	    "<28>1 2023-05-08T14:25:07.466+10:00 host mib2d 8956 SNMP_TRAP_LINK_DOWN "
	    "[junos@2636.1.1.1.2.57 snmp-interface-index=\"508\" admin-status=\"up(1)\" "
	    "operational-status=\"down(2)\" interface-name=\"st0.60\"]\n"
	    "<29>1 2023-05-08T14:25:09.466+10:00 host mib2d 8956 SNMP_TRAP_LINK_UP "
	    "[junos@2636.1.1.1.2.57 interface-name=\"st0.60\"] ifIndex 508\n"
	    "<30>1 2023-05-08T14:25:10Z host sshd 77 - - session opened\n"
	    "<30>1 not a stamp\n", 0, &r);
	cr_assert_eq(r.nentries, 4, "every 5424 line is its own entry");
	cr_assert(beq(r.entries[1].tag, "SNMP_TRAP_LINK_DOWN"));
	cr_assert(beq(r.entries[1].host, "host"));
	cr_assert(beq(r.entries[1].ts, "2023-05-08T14:25:07.466+10:00"));
	cr_assert_eq(r.entries[1].ts_ms, 1683519907466LL);
	cr_assert(beq(r.entries[2].tag, "SNMP_TRAP_LINK_UP"));
	cr_assert_eq(r.entries[3].tag.len, 0, "MSGID '-' is no tag");
	/* its text is what follows the header (fuzz_logparse found a NULL
	 * message read as a span to the end of the entry) */
	cr_assert(r.entries[3].msg.ptr >= r.entries[3].raw.ptr &&
	    r.entries[3].msg.ptr + r.entries[3].msg.len <=
	    r.entries[3].raw.ptr + r.entries[3].raw.len);
	/* structured data ("-" here) and text, as for tagged lines */
	cr_assert_eq(memcmp(r.entries[3].msg.ptr, "- session opened\n", 17), 0);
	cr_assert_eq(r.entries[3].nlines, 2, "a bad 5424 line continues the entry");
	logparse_result_free(&r);
}

Test(logparse, junos_prompt_residue_without_line_end)
{
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_JUNIPER_JUNOS, "Jul 20 21:45:59 vmx01 mib2d[2424]: "
	    "SNMP_TRAP_LINK_UP: ifIndex 502\r\n{primary:node0}", 0, &r);
	cr_assert_eq(r.nstripped, 1);
	cr_assert_not(r.partial);
	cr_assert_eq(r.nentries, 1);
	cr_assert(beq(r.entries[0].msg, "ifIndex 502"));
	logparse_result_free(&r);
}

Test(logparse, xr_with_header_and_nodes)
{
	char *l[2] = {
		napalm("iosxr_INTERFACE_DOWN_default"),
		strdup("RP/0/RSP0/CPU0:Nov 22 00:48:05.123 UTC: ifmgr[257]: "
		    "%PKT_INFRA-LINEPROTO-5-UPDOWN : Line protocol on Interface "
		    "GigabitEthernet0/0/0/1, changed state to Up"),
	};
	char *out;
	struct logparse_result r;
	const struct logparse_entry *e;

	/* buffer lines carry no host: "94307: gw2.acy1 LC/0/2/CPU0:..." */
	cut_out(l[0], "gw2.acy1 ");
	out = join("Sat Nov 22 00:50:00.000 UTC\r\n"
	    "Syslog logging: enabled (0 messages dropped, 0 flushes, 0 overruns)\r\n"
	    "    Buffer logging: level debugging, 2 messages logged\r\n"
	    "\r\n"
	    "Log Buffer (307200 bytes):\r\n"
	    "\r\n", l, 2, "");
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_XR, out, strlen(out), 0, &r);
	cr_assert(r.header_found);
	cr_assert_eq(r.header_lines, 5);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 2);
	e = &r.entries[0];
	cr_assert(e->flags & LOGPARSE_E_SEQ);
	cr_assert_eq(e->seq, 94307);
	cr_assert(beq(e->host, "LC/0/2/CPU0"));
	cr_assert(beq(e->ts, "Jul  7 20:16:14.834"));
	cr_assert(beq(e->tag, "PKT_INFRA-LINK-3-UPDOWN"));
	cr_assert(beq(e->facility, "PKT_INFRA-LINK"));
	cr_assert(beq(e->mnemonic, "UPDOWN"));
	cr_assert_eq(e->severity, 3);
	cr_assert(beq(e->msg, "Interface TenGigE0/2/0/4, changed state to Down"));
	cr_assert(beq(e->raw, l[0]));
	e = &r.entries[1];
	cr_assert_not(e->flags & LOGPARSE_E_SEQ);
	cr_assert(beq(e->host, "RP/0/RSP0/CPU0"));
	cr_assert(beq(e->ts, "Nov 22 00:48:05.123 UTC"));
	cr_assert(beq(e->tag, "PKT_INFRA-LINEPROTO-5-UPDOWN"));
	cr_assert(beq(e->msg, "Line protocol on Interface GigabitEthernet0/0/0/1, "
	    "changed state to Up"));
	for (int i = 0; i < 2; i++)
		free(l[i]);
	free(out);
	logparse_result_free(&r);
}

Test(logparse, ios_napalm_lines_as_buffer)
{
	char *l[2] = {
		napalm("ios_INTERFACE_DOWN_message_with_timezone"),
		napalm("ios_INTERFACE_DOWN_default"),
	};
	char *out;
	struct logparse_result r;

	cut_out(l[0], "NetAuto_CSRv-03: ");
	cut_out(l[1], "router1: ");
	out = join("", l, 2, "");
	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_IOS, out, strlen(out), 0, &r);
	cr_assert_eq(r.nentries, 2);
	cr_assert_eq(r.entries[0].seq, 1179);
	cr_assert_eq(r.entries[0].ts_ms, 1748697953743LL);	/* MEST */
	cr_assert(beq(r.entries[0].tag, "LINK-5-CHANGED"));
	cr_assert(beq(r.entries[0].msg, "Interface GigabitEthernet2, changed "
	    "state to administratively down from 10.83.75.201"));
	cr_assert(beq(r.entries[1].ts, "*Nov 14 08:30:56.699"));
	free(l[0]);
	free(l[1]);
	free(out);
	logparse_result_free(&r);
}

/* ---- cut first entries and headers -------------------------------------- */

Test(logparse, cut_first_entry_heuristics)
{
	struct logparse_result r;

	logparse_result_init(&r);
	/* the cut fell inside the sequence number */
	PARSE(PLATFORM_CISCO_IOS,
	    "01: Jun 19 03:02:31: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down\n"
	    "022702: Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to up\n", 0, &r);
	cr_assert_eq(r.ncut, 1);
	cr_assert_eq(r.nentries, 1);
	cr_assert_eq(r.entries[0].seq, 22702);
	cr_assert(beq(r.cut, "01: Jun 19 03:02:31: %LINK-3-UPDOWN: Interface "
	    "Gi2/0/3, changed state to down"));
	/* ...but 99999 -> 100000 is a whole entry */
	PARSE(PLATFORM_CISCO_XR,
	    "99999: Jun 19 03:02:31: %LINK-3-UPDOWN: x\n"
	    "100000: Jun 19 03:02:32: %LINK-3-UPDOWN: y\n", 0, &r);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 2);
	/* the cut fell just before the time */
	PARSE(PLATFORM_CISCO_IOS,
	    "03:02:31: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down\n"
	    "Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to up\n", 0, &r);
	cr_assert_eq(r.ncut, 1);
	cr_assert_eq(r.nentries, 1);
	/* ...or just after it */
	PARSE(PLATFORM_CISCO_IOS,
	    "%LINK-3-UPDOWN: Interface Gi2/0/3, changed state to down\n"
	    "Jun 19 03:02:32: %LINK-3-UPDOWN: Interface Gi2/0/3, changed state to up\n", 0, &r);
	cr_assert_eq(r.ncut, 1);
	cr_assert_eq(r.nentries, 1);
	/* a whole buffer of uptime stamps keeps its first entry */
	PARSE(PLATFORM_CISCO_IOS,
	    "00:01:02: %LINK-3-UPDOWN: a\n00:01:03: %LINK-3-UPDOWN: b\n", 0, &r);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 2);
	/* NX-OS: no header, so a leading non-entry line is a cut tail */
	PARSE(PLATFORM_CISCO_NXOS,
	    "ink failure)\n2026 Jan 15 11:00:00 sw %ETHPORT-5-IF_UP: Interface Ethernet1/1 is up\n",
	    0, &r);
	cr_assert_eq(r.ncut, 1);
	cr_assert(beq(r.cut, "ink failure)"));
	cr_assert_eq(r.nentries, 1);
	logparse_result_free(&r);
}

Test(logparse, header_variants)
{
	struct logparse_result r;

	logparse_result_init(&r);
	/* no header at all (exec channel or a trimmed output) */
	PARSE(PLATFORM_CISCO_IOS,
	    "Jun 19 03:02:31: %LINK-3-UPDOWN: a\nJun 19 03:02:32: %LINK-3-UPDOWN: b\n",
	    0, &r);
	cr_assert_eq(r.header_lines, 0);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 2);
	/* a header without its "Log Buffer" line is still a header */
	PARSE(PLATFORM_CISCO_IOS,
	    "Syslog logging: enabled\n    Buffer logging: disabled\n\n"
	    "Jun 19 03:02:31: %LINK-3-UPDOWN: a\n", 0, &r);
	cr_assert_eq(r.header_found, 0);
	cr_assert_eq(r.header_lines, 3);
	cr_assert_eq(r.ncut, 0);
	cr_assert_eq(r.nentries, 1);
	/* header only: an empty buffer */
	PARSE(PLATFORM_CISCO_IOS, "Syslog logging: enabled\n\nLog Buffer (4096 bytes):\n\n",
	    0, &r);
	cr_assert(r.header_found);
	cr_assert_eq(r.nentries, 0);
	cr_assert_eq(r.ncut, 0);
	/* empty output */
	PARSE(PLATFORM_CISCO_IOS, "", 0, &r);
	cr_assert_eq(r.nentries, 0);
	cr_assert_not(r.partial);
	cr_assert_eq(logparse_parse((enum platform_id)99, "x", 1, NULL, &r),
	    CERR_INVAL);
	logparse_result_free(&r);
}

/* ---- hostile input ------------------------------------------------------ */

Test(logparse, nul_and_invalid_utf8_kept_byte_exact)
{
	static const char out[] =
	    "Nov 22 00:48:05.123 UTC: %SYS-5-CONFIG_I: a\0b\xff\xfe\xc3( c\r\n"
	    "Nov 22 00:48:06.123 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down\r\n";
	static const char want[] = "Nov 22 00:48:05.123 UTC: %SYS-5-CONFIG_I: a\0b\xff\xfe\xc3( c";
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_IOS, out, 0, &r);
	cr_assert_eq(r.nentries, 2);
	cr_assert_eq(r.entries[0].raw.len, sizeof(want) - 1);
	cr_assert_eq(memcmp(r.entries[0].raw.ptr, want, sizeof(want) - 1), 0);
	cr_assert_eq(r.entries[0].msg.len, 9);
	cr_assert(beq(r.entries[1].tag, "LINK-3-UPDOWN"));
	logparse_result_free(&r);
}

Test(logparse, escapes_and_cr_overwrites_inject_nothing)
{
	static const char out[] =
	    "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: \x1b[31mred\x1b[0m text\r\n"
	    "\x1b[2KNov 22 00:48:06 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down\r\n"
	    "Nov 22 00:48:07 UTC: %SYS-5-CONFIG_I: harmless\rNov 22 00:48:07 UTC: "
	    "%LINK-3-UPDOWN: Interface Gi0/2, changed state to down\r\n"
	    "Nov 22 00:48:08 UTC: %SYS-5-CONFIG_I: x\r\r\n";
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_IOS, out, 0, &r);
	cr_assert_eq(r.nentries, 3, "got %zu", r.nentries);
	/* the escape stays in the bytes */
	cr_assert_not_null(memmem(r.entries[0].raw.ptr, r.entries[0].raw.len,
	    "\x1b[31mred", 8));
	/* a line that starts with an escape continues the entry before it */
	cr_assert_eq(r.entries[0].nlines, 2);
	cr_assert(beq(r.entries[0].tag, "SYS-5-CONFIG_I"));
	/* a CR inside a line is data: no second entry, no LINK tag */
	cr_assert(beq(r.entries[1].tag, "SYS-5-CONFIG_I"));
	cr_assert_not_null(memchr(r.entries[1].raw.ptr, '\r', r.entries[1].raw.len));
	/* CRs before LF are line ends */
	cr_assert(beq(r.entries[2].raw, "Nov 22 00:48:08 UTC: %SYS-5-CONFIG_I: x"));
	logparse_result_free(&r);
}

/*
 * A long run of CRs not followed by a line end is data, kept whole. Each
 * CR once re-scanned the rest of the run (quadratic: 200k took 9.5 s);
 * what is checked here is the output, which must not change with the fix.
 */
Test(logparse, long_cr_run_inside_a_line_is_kept_whole)
{
	static const char head[] = "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: ";
	static const char next[] = "X\nNov 22 00:48:06 UTC: %LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down\n";
	size_t ncr = 200000, len = sizeof(head) - 1 + ncr + sizeof(next) - 1;
	char *out = malloc(len);
	struct logparse_result r;
	struct logparse_opts o;
	size_t crs = 0;

	memcpy(out, head, sizeof(head) - 1);
	memset(out + sizeof(head) - 1, '\r', ncr);
	memcpy(out + sizeof(head) - 1 + ncr, next, sizeof(next) - 1);
	logparse_result_init(&r);
	logparse_opts_init(&o, NOW_MS);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, len, &o, &r), CERR_OK);
	cr_assert_eq(r.nentries, 2);
	cr_assert_eq(r.entries[0].raw.len, sizeof(head) - 1 + ncr + 1);
	for (size_t i = 0; i < r.entries[0].raw.len; i++)
		crs += ((const char *)r.entries[0].raw.ptr)[i] == '\r';
	cr_assert_eq(crs, ncr);
	cr_assert(beq(r.entries[1].tag, "LINK-3-UPDOWN"));
	free(out);
	logparse_result_free(&r);
}

Test(logparse, ten_megabyte_line_is_capped)
{
	static const char head[] = "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: ";
	static const char next[] = "\nNov 22 00:48:06 UTC: %LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down\n";
	size_t big = 10u * 1024 * 1024, len = sizeof(head) - 1 + big + sizeof(next) - 1;
	char *out = malloc(len + 64);
	struct logparse_result r;
	struct logparse_opts o;

	memcpy(out, head, sizeof(head) - 1);
	memset(out + sizeof(head) - 1, 'A', big);
	memcpy(out + sizeof(head) - 1 + big, next, sizeof(next) - 1);
	logparse_result_init(&r);
	logparse_opts_init(&o, NOW_MS);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, len, &o, &r), CERR_OK);
	cr_assert_eq(r.nentries, 2);
	cr_assert_eq(r.ntruncated, 1);
	cr_assert(r.entries[0].flags & LOGPARSE_E_TRUNCATED);
	cr_assert_eq(r.entries[0].raw.len, WIRE_MAX_LINE);
	cr_assert_eq(r.entries[0].full_len, sizeof(head) - 1 + big);
	cr_assert_eq(r.entries[0].msg.len, WIRE_MAX_LINE - (sizeof(head) - 1));
	cr_assert(beq(r.entries[1].tag, "LINK-3-UPDOWN"));
	/* a smaller ceiling, and a huge line that is no entry at all */
	o.max_entry = 4096;
	memset(out, 'B', big);
	memcpy(out + big, next, sizeof(next) - 1);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, big + sizeof(next) - 1,
	    &o, &r), CERR_OK);
	cr_assert_eq(r.nentries, 1);
	cr_assert_eq(r.ncut, 1);
	cr_assert_eq(r.cut.len, big);
	free(out);
	logparse_result_free(&r);
}

/* Found by fuzz_logparse: the ceiling fell just after a line end. */
Test(logparse, fuzz_ceiling_after_line_end)
{
	static const char head[] = "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: ";
	static const char tail[] = "\n\n  continued\n";
	char out[4096];
	struct logparse_result r;
	struct logparse_opts o;
	size_t n = 0;

	memcpy(out, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memset(out + n, 'a', 1023 - n);
	n = 1023;
	memcpy(out + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	logparse_result_init(&r);
	logparse_opts_init(&o, NOW_MS);
	o.max_entry = 1024;
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_IOS, out, n, &o, &r), CERR_OK);
	cr_assert_eq(r.nentries, 1);
	cr_assert(r.entries[0].flags & LOGPARSE_E_TRUNCATED);
	cr_assert_eq(r.entries[0].raw.len, 1023);
	cr_assert_neq(r.entries[0].raw.ptr[r.entries[0].raw.len - 1], '\n');
	logparse_result_free(&r);
}

/* Found by fuzz_logparse: removing a pager left a CR before the LF. */
Test(logparse, fuzz_cr_left_before_line_end_by_pager)
{
	static const char out[] =
	    "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: one\n"
	    "\r --More-- \b\b\b\b\b\b\b\n"
	    "  two\r\n";
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_IOS, out, 0, &r);
	cr_assert_eq(r.npager, 1);
	cr_assert_eq(r.nentries, 1);
	cr_assert(beq(r.entries[0].raw, "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: one\n\n  two"));
	logparse_result_free(&r);
}

Test(logparse, hash_is_fixed)
{
	/* cursor files keep these values: they must never change */
	cr_assert_eq(logparse_hash("", 0), logparse_hash("", 0));
	cr_assert_neq(logparse_hash("a", 1), logparse_hash("b", 1));
	cr_assert_neq(logparse_hash("a", 1), logparse_hash("a\0", 2));
	cr_assert_eq(logparse_hash("Jan 15 10:00:00: %LINK-3-UPDOWN: x", 34),
	    0x70176be90fb550b5ULL);
}

Test(logparse, line_with_no_end_is_held_back)
{
	static const char out[] =
	    "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: one\r\n"
	    "Nov 22 00:48:06 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed st";
	static const char cont[] =
	    "Nov 22 00:48:05 UTC: %SYS-5-RESTART: System restarted --\r\n"
	    "Cisco IOS Software, Version 15";
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_IOS, out, 0, &r);
	cr_assert(r.partial);
	cr_assert_eq(r.nentries, 1);
	cr_assert(beq(r.entries[0].msg, "one"));
	/* the caller saw the prompt: the last line is whole */
	PARSE(PLATFORM_CISCO_IOS, out, LOGPARSE_COMPLETE, &r);
	cr_assert_not(r.partial);
	cr_assert_eq(r.nentries, 2);
	/* a partial continuation line holds back its whole entry */
	PARSE(PLATFORM_CISCO_IOS, cont, 0, &r);
	cr_assert(r.partial);
	cr_assert_eq(r.nentries, 0);
	logparse_result_free(&r);
}

Test(logparse, pager_residue_is_removed)
{
	static const char out[] =
	    "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: one\r\n"
	    " --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b"
	    "Nov 22 00:48:06 UTC: %CRYPTO-4-PKT_REPLAY_ERR: decrypt: failed\r\n"
	    " --More-- \b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b"
	    "        connection id=29\r\n"
	    "Nov 22 00:48:07 UTC: %SYS-5-CONFIG_I: two\r\n"
	    " --More-- \r\n"
	    "---(more 45%)---\r                \r"
	    "Nov 22 00:48:08 UTC: %SYS-5-CONFIG_I: the --More-- here is text\r\n";
	struct logparse_result r;

	logparse_result_init(&r);
	PARSE(PLATFORM_CISCO_IOS, out, 0, &r);
	cr_assert_eq(r.npager, 4);
	cr_assert_eq(r.nentries, 4);
	cr_assert(beq(r.entries[0].raw, "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: one"));
	/* the indented continuation keeps its indentation */
	cr_assert(beq(r.entries[1].msg, "decrypt: failed\n        connection id=29"));
	cr_assert(beq(r.entries[2].raw, "Nov 22 00:48:07 UTC: %SYS-5-CONFIG_I: two"));
	cr_assert(beq(r.entries[3].msg, "the --More-- here is text"));
	logparse_result_free(&r);
}

Test(logparse, result_is_reused)
{
	struct logparse_result r;

	logparse_result_init(&r);
	for (int i = 0; i < 3; i++) {
		PARSE(PLATFORM_CISCO_IOS, "Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: a\n"
		    "Nov 22 00:48:06 UTC: %SYS-5-CONFIG_I: b\n", 0, &r);
		cr_assert_eq(r.nentries, 2);
		cr_assert_eq(r.bytes, 2 * strlen("Nov 22 00:48:05 UTC: %SYS-5-CONFIG_I: a"));
		/* identical stamps, different text: different identities */
		cr_assert_neq(r.entries[0].fp, r.entries[1].fp);
	}
	logparse_result_free(&r);
	logparse_result_free(&r);
}

/* ---- entry starts whose fields begin with a digit or hold odd bytes ----- */

/*
 * One check per platform: each line must start an entry of its own, with
 * the host/node, tag and text it shows. want_tag "" means no tag.
 */
struct start_case {
	const char *line;
	const char *host;
	const char *tag;
	const char *msg_has;
};

static void
check_starts(enum platform_id pf, const char *hdr,
    const struct start_case *c, size_t n)
{
	char *out;
	size_t len = strlen(hdr) + 1;
	struct logparse_result r;

	for (size_t i = 0; i < n; i++)
		len += strlen(c[i].line) + 2;
	out = malloc(len);
	strcpy(out, hdr);
	for (size_t i = 0; i < n; i++) {
		strcat(out, c[i].line);
		strcat(out, "\r\n");
	}
	logparse_result_init(&r);
	parse_str(pf, out, strlen(out), 0, &r);
	cr_assert_eq(r.ncut, 0, "%s: a line was taken for a cut entry", platform_get(pf)->name);
	cr_assert_eq(r.nentries, n, "%s: %zu entries, want %zu",
	    platform_get(pf)->name, r.nentries, n);
	for (size_t i = 0; i < n; i++) {
		const struct logparse_entry *e = &r.entries[i];

		cr_assert(beq(e->raw, c[i].line), "%s: entry %zu is \"%.*s\"",
		    platform_get(pf)->name, i, (int)e->raw.len, e->raw.ptr);
		cr_assert(beq(e->host, c[i].host), "%s: entry %zu host \"%.*s\"",
		    platform_get(pf)->name, i, (int)e->host.len, e->host.ptr);
		cr_assert(beq(e->tag, c[i].tag), "%s: entry %zu tag \"%.*s\"",
		    platform_get(pf)->name, i, (int)e->tag.len, e->tag.ptr);
		cr_assert_not_null(memmem(e->msg.ptr, e->msg.len, c[i].msg_has,
		    strlen(c[i].msg_has)), "%s: entry %zu msg \"%.*s\"",
		    platform_get(pf)->name, i, (int)e->msg.len, e->msg.ptr);
		cr_assert_neq(e->ts_ms, 0, "%s: entry %zu has no time",
		    platform_get(pf)->name, i);
	}
	logparse_result_free(&r);
	free(out);
}

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))
#define CISCO_HDR "Syslog logging: enabled\r\nLog Buffer (8192 bytes):\r\n\r\n"

Test(logparse, starts_xr_admin_plane_and_digit_nodes)
{
	static const struct start_case c[] = {
		{ "0/RP0/ADMIN0:Sep 25 23:25:25.856 UTC: wd_diskmon[3204]: "
		  "%INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN : Sysadmin: Device: "
		  "/var/log Usage %: 84 , State: MINOR, MINOR Threshold %: 80",
		  "0/RP0/ADMIN0", "INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN",
		  "Usage %: 84" },
		{ "RP/0/RP0/CPU0:Sep 25 23:25:26.001 UTC: ifmgr[257]: "
		  "%PKT_INFRA-LINK-3-UPDOWN : Interface TenGigE0/0/0/1, changed "
		  "state to Down", "RP/0/RP0/CPU0", "PKT_INFRA-LINK-3-UPDOWN",
		  "TenGigE0/0/0/1" },
		/* no zone word, space before the colon */
		{ "0/RP0/ADMIN0:Apr 13 15:49:54.157 : vm_manager[3390]: "
		  "%INFRA-VM_MANAGER-4-INFO : Info: vm_manager started VM "
		  "default-sdr--2", "0/RP0/ADMIN0", "INFRA-VM_MANAGER-4-INFO",
		  "started VM" },
		/* a line card's admin plane, after a sequence number */
		{ "94307: 0/3/ADMIN0:Jul  7 10:07:42.979 UTC: pm[2890]: "
		  "%INFRA-Process_Manager-3-PROCESS_RESTART : Process tams "
		  "(IID: 0) restarted", "0/3/ADMIN0",
		  "INFRA-Process_Manager-3-PROCESS_RESTART", "Process tams" },
		{ "LC/0/2/CPU0:Jul  7 20:16:14.834 UTC: ifmgr[215]: "
		  "%PKT_INFRA-LINK-3-UPDOWN : Interface TenGigE0/2/0/4, changed "
		  "state to Down", "LC/0/2/CPU0", "PKT_INFRA-LINK-3-UPDOWN",
		  "TenGigE0/2/0/4" },
	};

	check_starts(PLATFORM_CISCO_XR, CISCO_HDR, c, NCASES(c));
}

Test(logparse, starts_ios_and_xe_odd_fields)
{
	static const struct start_case ios[] = {
		{ "000123: *Mar  1 00:01:23.456: %LINK-3-UPDOWN: Interface "
		  "GigabitEthernet0/1, changed state to down", "",
		  "LINK-3-UPDOWN", "GigabitEthernet0/1" },
		/* a tag whose facility holds digits and an underscore */
		{ "000124: *Mar  1 00:01:24.000: %DOT1X_SWITCH-5-ERR_VLAN_NOT_FOUND: "
		  "Attempt to assign non-existent VLAN 100", "",
		  "DOT1X_SWITCH-5-ERR_VLAN_NOT_FOUND", "VLAN 100" },
		{ "000125: *Mar  1 00:01:25.000: %C4K_EBM-4-HOSTFLAPPING: Host "
		  "00:0c:29:aa:bb:cc in vlan 10 is flapping", "",
		  "C4K_EBM-4-HOSTFLAPPING", "flapping" },
	};
	static const struct start_case xe[] = {
		/* a process token with a slash: "R0/0: kernel: " is text */
		{ "Jan 15 10:00:01.000 UTC: %IOSXE-3-PLATFORM: R0/0: kernel: "
		  "EXT4-fs error", "", "IOSXE-3-PLATFORM", "R0/0: kernel" },
		{ "Jan 15 10:00:02.000 UTC: %3GPP_UNKNOWN-5-X: digit tag", "",
		  "3GPP_UNKNOWN-5-X", "digit tag" },
	};

	check_starts(PLATFORM_CISCO_IOS, CISCO_HDR, ios, NCASES(ios));
	check_starts(PLATFORM_CISCO_XE, CISCO_HDR, xe, NCASES(xe));
}

Test(logparse, starts_nxos_digit_hosts)
{
	static const struct start_case c[] = {
		{ "2026 Jan 15 10:00:01 9k-leaf-01 %ETHPORT-5-IF_DOWN_LINK_FAILURE: "
		  "Interface Ethernet1/1 is down (Link failure)", "9k-leaf-01",
		  "ETHPORT-5-IF_DOWN_LINK_FAILURE", "Ethernet1/1" },
		{ "2026 Jan 15 10:00:02 n7k.dc1 %VSHD-5-VSHD_SYSLOG_CONFIG_I: "
		  "Configured from vty by admin on 10.1.1.1@pts/0", "n7k.dc1",
		  "VSHD-5-VSHD_SYSLOG_CONFIG_I", "10.1.1.1@pts/0" },
	};

	check_starts(PLATFORM_CISCO_NXOS, "", c, NCASES(c));
}

Test(logparse, starts_eos_digit_hosts_and_processes)
{
	static const struct start_case c[] = {
		{ "Jan 15 10:00:01 7050-sw1 Ebra: %LINEPROTO-5-UPDOWN: Line "
		  "protocol on Interface Ethernet1, changed state to down",
		  "7050-sw1", "LINEPROTO-5-UPDOWN", "Ethernet1" },
		{ "Jan 15 10:00:02 sw_1.lab Rib[2011]: %BGP-5-ADJCHANGE: peer "
		  "10.0.0.2 (AS 65001) old state Established", "sw_1.lab",
		  "BGP-5-ADJCHANGE", "AS 65001" },
	};

	check_starts(PLATFORM_ARISTA_EOS, "", c, NCASES(c));
}

Test(logparse, starts_junos_tags_are_subsystem_event)
{
	static const struct start_case c[] = {
		/* "JAM:" is message text, not a tag */
		{ "Mar  5 14:47:47  mx960-re0 chassisd[91550]: JAM:PL: mod info  "
		  "i2cc4a", "mx960-re0", "", "JAM:PL: mod info" },
		{ "Mar  5 14:47:48  2vmx-01 mib2d[2424]: SNMP_TRAP_LINK_DOWN: "
		  "ifIndex 502, ifAdminStatus up(1), ifOperStatus down(2), "
		  "ifName ge-0/0/1", "2vmx-01", "SNMP_TRAP_LINK_DOWN", "ifIndex 502" },
		{ "Mar  5 14:47:49  vmx01 /kernel: KERN_ARP_ADDR_CHANGE: arp info "
		  "overwritten for 10.0.0.1", "vmx01", "KERN_ARP_ADDR_CHANGE",
		  "overwritten" },
		{ "Mar  5 14:47:50  vmx01 rpd[1702]: RPD_OSPF_NBRDOWN: OSPF "
		  "neighbor 10.0.0.2 state changed", "vmx01", "RPD_OSPF_NBRDOWN",
		  "neighbor" },
		{ "Mar  5 14:47:51  vmx01 fpc0 PFE: ERROR: no tag here", "vmx01", "",
		  "no tag here" },
	};

	check_starts(PLATFORM_JUNIPER_JUNOS, "", c, NCASES(c));
}

/* ---- real buffers: XR's admin plane, Junos tags (genieparser) ----------- */

/* The XR capture without the prompt line the session layer removes. */
static char *
xr_real(size_t *len)
{
	char *s = fixture_read("genieparser/iosxr_show_logging.txt", len), *p;

	p = strstr(s, "RP/0/RP0/CPU0:R2_xr#");
	cr_assert_not_null(p);
	*p = '\0';
	*len = (size_t)(p - s);
	return s;
}

Test(logparse, real_xr_buffer_with_admin_plane_lines)
{
	struct logparse_result r;
	size_t len, admin = 0;
	char *s = xr_real(&len);

	logparse_result_init(&r);
	parse_str(PLATFORM_CISCO_XR, s, len, LOGPARSE_COMPLETE, &r);
	cr_assert(r.header_found);
	cr_assert_eq(r.ncut, 0);
	/* "Buffer logging: level debugging, 114 messages logged" */
	cr_assert_eq(r.nentries, 114);
	for (size_t i = 0; i < r.nentries; i++) {
		const struct logparse_entry *e = &r.entries[i];

		cr_assert_eq(e->nlines, 1, "entry %zu holds %u lines", i, e->nlines);
		cr_assert_neq(e->ts_ms, 0, "entry %zu", i);
		if (beq(e->host, "0/RP0/ADMIN0"))
			admin++;
		else
			cr_assert(beq(e->host, "RP/0/RP0/CPU0"), "entry %zu: %s", i,
			    bstr(e->host));
	}
	cr_assert_eq(admin, 4);
	{
		const struct logparse_entry *e = &r.entries[45];

		cr_assert(beq(e->host, "0/RP0/ADMIN0"));
		cr_assert(beq(e->tag, "INFRA-WD_DISKMON_SYSADMIN-4-DISK_WARN"));
		cr_assert_eq(e->severity, 4);
	}
	logparse_result_free(&r);
	free(s);
}

/*
 * The same buffer read twice: first up to just before the first admin-plane
 * line, then whole. The second poll sends exactly the entries after the
 * first, the admin-plane ones included, each a record of its own.
 */
Test(logparse, real_xr_admin_plane_lines_across_polls)
{
	struct logparse_result r;
	struct cursor *c = cursor_new(NULL, "R2_xr");
	struct cursor_batch b;
	struct logparse_opts o;
	char err[128], *cut;
	size_t len, cutlen;
	char *s = xr_real(&len);

	cr_assert_not_null(c);
	cursor_load(c, NOW_MS, err, sizeof err);
	logparse_result_init(&r);
	cursor_batch_init(&b);
	logparse_opts_init(&o, NOW_MS);
	o.flags = LOGPARSE_COMPLETE;
	cut = strstr(s, "0/RP0/ADMIN0:");
	cr_assert_not_null(cut);
	cutlen = (size_t)(cut - s);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_XR, s, cutlen, &o, &r), CERR_OK);
	cr_assert_eq(r.nentries, 45);
	cr_assert_eq(cursor_advance(c, &r, NOW_MS, &b), CERR_OK);
	cr_assert_eq(b.nrecs, 45);
	cr_assert_eq(cursor_mark_sent(c, &b, b.nrecs), CERR_OK);
	cr_assert_eq(logparse_parse(PLATFORM_CISCO_XR, s, len, &o, &r), CERR_OK);
	cr_assert_eq(cursor_advance(c, &r, NOW_MS, &b), CERR_OK);
	cr_assert_eq(b.ngaps, 0);
	cr_assert_eq(b.ngrown, 0);
	cr_assert_eq(b.nrecs, 114 - 45);
	cr_assert(strncmp(b.recs[0].line.ptr, "0/RP0/ADMIN0:Sep 25 23:25:25.856 UTC: "
	    "wd_diskmon[3204]:", 51) == 0, "%.60s", b.recs[0].line.ptr);
	for (size_t i = 0; i < b.nrecs; i++)
		cr_assert_null(memchr(b.recs[i].line.ptr, '\n', b.recs[i].line.len),
		    "record %zu holds two lines", i);
	cursor_batch_free(&b);
	logparse_result_free(&r);
	cursor_free(&c);
	free(s);
}

Test(logparse, real_junos_tags)
{
	struct logparse_result r;
	size_t len, n = 0, jam = 0, tagged = 0;
	char *s = fixture_read("genieparser/junos_show_log_messages.txt", &len);
	char *out = malloc(len + 1), *line, *save = NULL;

	/* the capture's command line and 8-space indentation are the test's
	 * that published it, not the device's */
	out[0] = '\0';
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "        ", 8) != 0 ||
		    strstr(line, "show log messages") != NULL)
			continue;
		strcat(out, line + 8);
		strcat(out, "\n");
		n++;
	}
	cr_assert_eq(n, 46);
	logparse_result_init(&r);
	parse_str(PLATFORM_JUNIPER_JUNOS, out, strlen(out), 0, &r);
	cr_assert_eq(r.nentries, 46);
	for (size_t i = 0; i < r.nentries; i++) {
		const struct logparse_entry *e = &r.entries[i];

		cr_assert(beq(e->host, "sr_hktGCS001"), "entry %zu", i);
		if (memmem(e->raw.ptr, e->raw.len, "JAM:PL:", 7) != NULL) {
			cr_assert_eq(e->tag.len, 0, "entry %zu: tag %s", i, bstr(e->tag));
			jam++;
		}
		tagged += e->tag.len > 0;
	}
	cr_assert_eq(jam, 5);
	/* UI_DBASE_LOGIN_EVENT UI_LOAD_EVENT UI_COMMIT UI_CHILD_EXITED
	 * CHASSISD_IOCTL_FAILURE AGENTD_CONFIG_INFO AGENTD_SENSOR_INSTALL_SUCCESS
	 * x2 MBG_PKG_BBE_NOT_FOUND x2 */
	cr_assert_eq(tagged, 10, "%zu tagged", tagged);
	cr_assert(beq(r.entries[16].tag, "CHASSISD_IOCTL_FAILURE"), "%s",
	    bstr(r.entries[16].tag));
	logparse_result_free(&r);
	free(out);
	free(s);
}
