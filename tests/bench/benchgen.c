/* benchgen.c — see benchgen.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "tests/bench/benchgen.h"

static uint64_t s_rng;

static uint32_t
s_rand(void)
{
	s_rng ^= s_rng << 13;
	s_rng ^= s_rng >> 7;
	s_rng ^= s_rng << 17;
	return (uint32_t)(s_rng >> 16);
}

static const char *const s_months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* One message body (after the timestamp); -1 for a continuation line. */
static int
s_body(char *b, size_t cap, unsigned *nev)
{
	unsigned r = s_rand() % 10000, a = s_rand() % 48 + 1, m = s_rand() % 4 + 1;
	unsigned x = s_rand() % 254 + 1, y = s_rand() % 254 + 1;

	if (r < 100) {			/* 1%: interface events */
		(*nev)++;
		switch (r % 5) {
		case 0: return snprintf(b, cap, "%%LINK-3-UPDOWN: Interface GigabitEthernet%u/0/%u, changed state to down", m, a);
		case 1: return snprintf(b, cap, "%%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet%u/0/%u, changed state to down", m, a);
		case 2: return snprintf(b, cap, "%%LINK-3-UPDOWN: Interface GigabitEthernet%u/0/%u, changed state to up", m, a);
		case 3: return snprintf(b, cap, "%%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet%u/0/%u, changed state to up", m, a);
		default: return snprintf(b, cap, "%%LINK-5-CHANGED: Interface GigabitEthernet%u/0/%u, changed state to administratively down", m, a);
		}
	}
	if (r < 130)
		return snprintf(b, cap, "%%BGP-5-ADJCHANGE: neighbor 10.0.%u.%u Up", x, y);
	if (r < 140)
		return snprintf(b, cap, "%%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.9.%u.%u)", x, y);
	if (r < 2600)
		return snprintf(b, cap, "%%SEC-6-IPACCESSLOGP: list 101 denied tcp 10.%u.%u.%u(%u) -> 172.16.%u.%u(22), 1 packet", x, y, a, 1024 + s_rand() % 60000, y, x);
	if (r < 3400)
		return snprintf(b, cap, "%%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: 10.1.%u.%u] [localport: 22] at 03:02:31 UTC Jun 19 2024", x, y);
	if (r < 4200)
		return snprintf(b, cap, "%%SSH-5-SSH2_SESSION: SSH2 Session request from 10.1.%u.%u (tty = 0) using crypto cipher 'aes256-ctr', hmac 'hmac-sha2-256' Succeeded", x, y);
	if (r < 4700)
		return snprintf(b, cap, "%%OSPF-5-ADJCHG: Process 1, Nbr 10.0.%u.%u on GigabitEthernet%u/0/%u from LOADING to FULL, Loading Done", x, y, m, a);
	if (r < 5000)
		return snprintf(b, cap, "%%DUAL-5-NBRCHANGE: EIGRP-IPv4 100: Neighbor 10.1.%u.%u (GigabitEthernet%u/0/%u) is up: new adjacency", x, y, m, a);
	if (r < 5500)
		return snprintf(b, cap, "%%CDP-4-NATIVE_VLAN_MISMATCH: Native VLAN mismatch discovered on GigabitEthernet%u/0/%u (1), with SW%u GigabitEthernet0/%u (10).", m, a, x, y % 48);
	if (r < 6000)
		return snprintf(b, cap, "%%SW_MATM-4-MACFLAP_NOTIF: Host 0011.22%02x.44%02x in vlan %u is flapping between port Gi%u/0/%u and port Gi%u/0/%u", x, y, a, m, a, m, (a % 48) + 1);
	if (r < 7000)
		return snprintf(b, cap, "%%AUTHMGR-5-START: Starting 'dot1x' for client (aaaa.bb%02x.cc%02x) on Interface Gi%u/0/%u AuditSessionID 0A0101%08X", x, y, m, a, s_rand());
	if (r < 7800)
		return snprintf(b, cap, "%%MAB-5-SUCCESS: Authentication successful for client (aaaa.bb%02x.dd%02x) on Interface Gi%u/0/%u AuditSessionID 0A0101%08X", x, y, m, a, s_rand());
	if (r < 8300)
		return snprintf(b, cap, "%%DOT1X-5-FAIL: Authentication failed for client (aaaa.bb%02x.ee%02x) on Interface Gi%u/0/%u AuditSessionID 0A0101%08X", x, y, m, a, s_rand());
	if (r < 8600)
		return snprintf(b, cap, "%%ILPOWER-7-DETECT: Interface Gi%u/0/%u: Power Device detected: IEEE PD", m, a);
	if (r < 9200)
		return snprintf(b, cap, "%%PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:interface GigabitEthernet%u/0/%u", m, a);
	if (r < 9500)
		return snprintf(b, cap, "%%HA_EM-6-LOG: backup: config archived to flash:backup-%u", s_rand() % 100000);
	if (r < 9800)
		return snprintf(b, cap, "%%SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.5.%u.%u port 514 started - CLI initiated", x, y);
	return -1;
}

static const char s_header[] =
    "Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, "
    "0 flushes, 0 overruns, xml disabled, filtering disabled)\n\n"
    "    Console logging: disabled\n"
    "    Buffer logging:  level debugging, 1000000 messages logged, xml disabled,\n"
    "                     filtering disabled\n\n"
    "Log Buffer (134217728 bytes):\n";

/* A ReDoS bait body (see benchgen_new_redos()), the k-th. */
static int
s_bait(char *b, size_t cap, unsigned k)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
	char run[64];
	size_t n = 32 + k % 24, j;

	for (j = 0; j < n; j++)
		run[j] = alpha[(k * 7 + j) % (sizeof alpha - 1)];
	run[j] = '\0';
	return snprintf(b, cap, "%%SYS-5-CONFIG_I: Configured from %s!", run);
}

/*
 * Text of nlines lines after off bytes of room; returns the text's length.
 * every > 0: line i with i % every == every / 2 is a bait instead (the
 * random draws are the same, so the other lines do not change).
 */
static size_t
s_generate(char **out, size_t off, size_t nlines, unsigned every,
    unsigned *nev, unsigned *npath)
{
	size_t cap = off + nlines * 192 + 1024, len = off, i;
	char *buf = xmalloc(cap), body[512];
	unsigned seq = 1, s = 0;
	int n;

	s_rng = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < nlines; i++) {
		unsigned ev = 0;

		s += s_rand() % 3;
		n = s_body(body, sizeof body, &ev);
		if (every > 0 && i % every == every / 2)
			n = s_bait(body, sizeof body, (*npath)++);
		else
			*nev += ev;
		if (n < 0)
			len += (size_t)snprintf(buf + len, cap - len,
			    "        connection id=%u, sequence number=%u\n",
			    s_rand() % 100, s_rand() % 1000);
		else
			len += (size_t)snprintf(buf + len, cap - len,
			    "%06u: %s %2u %02u:%02u:%02u.%03u UTC: %s\n",
			    seq++ % 1000000, s_months[(s / 2592000) % 12],
			    (s / 86400) % 28 + 1, (s / 3600) % 24, (s / 60) % 60,
			    s % 60, s_rand() % 1000, body);
	}
	*out = buf;
	return len - off;
}

struct benchgen *
benchgen_new(size_t nlines)
{
	return benchgen_new_redos(nlines, 0);
}

struct benchgen *
benchgen_new_redos(size_t nlines, unsigned every)
{
	struct benchgen *g = xcalloc(1, sizeof *g);
	struct logparse_opts o;
	size_t hlen = sizeof s_header - 1;

	g->nlines = nlines;
	g->len = s_generate(&g->parsed_, hlen, nlines, every, &g->nevents,
	    &g->npath);
	memcpy(g->parsed_, s_header, hlen);
	g->text = g->parsed_ + hlen;

	/* "now" late in the generated year, so every stamp is in the past. */
	logparse_opts_init(&o, (int64_t)1735600000 * 1000);
	o.flags = LOGPARSE_COMPLETE;
	logparse_result_init(&g->pr_);
	if (logparse_parse(PLATFORM_CISCO_IOS, g->parsed_, hlen + g->len, &o,
	    &g->pr_) != CERR_OK) {
		benchgen_free(&g);
		return NULL;
	}
	g->ncut = g->pr_.ncut;
	g->nrecs = g->pr_.nentries;
	g->recs = xcalloc(g->nrecs ? g->nrecs : 1, sizeof *g->recs);
	for (size_t i = 0; i < g->nrecs; i++) {
		const struct logparse_entry *en = &g->pr_.entries[i];
		struct wire_rec *r = &g->recs[i];

		r->id = ((uint64_t)1700000000 << 32) | (i + 1);
		r->kind = REC_LINE;
		r->ts_ms = en->ts_ms;
		r->ts_raw = en->ts;
		r->seq = (en->flags & LOGPARSE_E_SEQ) ? en->seq : 0;
		r->tag = en->tag;
		r->line = en->raw;
	}
	return g;
}

void
benchgen_free(struct benchgen **gp)
{
	struct benchgen *g = *gp;

	if (g == NULL)
		return;
	logparse_result_free(&g->pr_);
	free(g->recs);
	free(g->parsed_);
	free(g);
	*gp = NULL;
}

int
benchgen_write(const struct benchgen *g, const char *path)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	if (fwrite(g->text, 1, g->len, fp) != g->len) {
		int e = errno;
		fclose(fp);
		errno = e;
		return -1;
	}
	return fclose(fp) == 0 ? 0 : -1;
}
