/*
 * bench_rules.c — throughput of the rule engine alone: generates a
 * realistic IOS buffer (about 1% interface events, the rest the usual
 * noise of access lists, logins, routing and 802.1X), writes it to a file
 * for grep -P / pcre2grep to read, then runs rules_match() over every line
 * with the whole shipped pack. scripts/bench-rules builds and runs it.
 *
 *   bench_rules [-n LINES] [-o FILE] [-r RULEGLOB] [-p PLATFORM] [-R REPEAT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/rules.h"

static uint64_t s_rng = 0x9e3779b97f4a7c15ULL;

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

/* One message body (after the timestamp); returns its length. */
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
	return -1;			/* a continuation line */
}

static size_t
s_generate(char **out, size_t nlines, unsigned *nev)
{
	size_t cap = nlines * 160 + 1024, len = 0, i;
	char *buf = malloc(cap), body[512];
	unsigned seq = 1, s = 0;
	int n;

	for (i = 0; i < nlines; i++) {
		s += s_rand() % 3;
		n = s_body(body, sizeof(body), nev);
		if (n < 0)
			len += (size_t)snprintf(buf + len, cap - len,
			    "        connection id=%u, sequence number=%u\n", s_rand() % 100, s_rand() % 1000);
		else
			len += (size_t)snprintf(buf + len, cap - len,
			    "%06u: %s %2u %02u:%02u:%02u.%03u UTC: %s\n", seq++ % 1000000,
			    s_months[(s / 2592000) % 12], (s / 86400) % 28 + 1, (s / 3600) % 24,
			    (s / 60) % 60, s % 60, s_rand() % 1000, body);
	}
	*out = buf;
	return len;
}

static double
s_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
s_count(const struct rules_hit *h, void *arg)
{
	(void)h;
	(*(unsigned long *)arg)++;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *outfile = NULL, *platform = "cisco_ios";
	char *rglob = "analyzer/rules/*.yaml", err[RULES_ERRLEN], *buf, *p, *nl;
	size_t nlines = 1000000, len, i, n = 0;
	struct { const char *p; size_t n; } *lines;
	struct rules_stats st;
	struct rules *r;
	unsigned nev = 0;
	unsigned long hits = 0;
	double best = 1e9, t0, t;
	int c, rep, repeat = 5;
	FILE *fp;

	while ((c = getopt(argc, argv, "n:o:r:p:R:")) != -1) {
		switch (c) {
		case 'n': nlines = strtoul(optarg, NULL, 10); break;
		case 'o': outfile = optarg; break;
		case 'r': rglob = optarg; break;
		case 'p': platform = optarg; break;
		case 'R': repeat = (int)strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: bench_rules [-n LINES] [-o FILE] [-r RULEGLOB] [-p PLATFORM] [-R REPEAT]\n");
			return 2;
		}
	}
	len = s_generate(&buf, nlines, &nev);
	if (outfile != NULL) {
		if ((fp = fopen(outfile, "w")) == NULL || fwrite(buf, 1, len, fp) != len ||
		    fclose(fp) != 0) {
			perror(outfile);
			return 1;
		}
	}
	lines = malloc(nlines * sizeof(*lines));
	for (p = buf; p < buf + len && n < nlines; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		lines[n].p = p;
		lines[n].n = (size_t)(nl - p);
		n++;
	}
	if ((r = rules_load(&rglob, 1, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "rules: %s\n", err);
		return 1;
	}
	for (rep = 0; rep < repeat; rep++) {
		hits = 0;
		t0 = s_now();
		for (i = 0; i < n; i++)
			rules_match(r, platform, lines[i].p, lines[i].n, s_count, &hits);
		t = s_now() - t0;
		if (t < best)
			best = t;
	}
	rules_stats(r, &st);
	printf("lines=%zu events_generated=%u matches=%lu rules=%zu seconds=%.4f lines_per_sec=%.0f\n",
	    n, nev, hits, rules_count(r), best, (double)n / best);
	printf("per_run: dispatched=%llu regex_runs=%llu limit_hits=%llu\n",
	    (unsigned long long)(st.dispatched / (unsigned)repeat),
	    (unsigned long long)(st.regex_runs / (unsigned)repeat),
	    (unsigned long long)st.limit_hits);
	rules_free(&r);
	free(lines);
	free(buf);
	return 0;
}
