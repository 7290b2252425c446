/*
 * The collector daemon against OpenSSH's sshd (not libssh): one sshd on two
 * loopback ports, each port's ForceCommand (sshd_ios_shell.py) serving a
 * real IOS buffer from tests/fixtures/real. `loghaul-collector --once
 * --print` must print exactly the fixtures' entries, and refuse a device
 * whose host key its known_hosts lacks, or has another key for, saying
 * which key, with exit status 1.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/util.h"
#include "tests/support/collector_harness.h"
#include "tests/support/devsim_harness.h"
#include "tests/support/inetd.h"

/* Fixture 5: cut first line, '*' stamps, a continuation line. Fixture 2:
 * CRLF, a cut first line, stamps that go backwards. */
static const char *const fixtures[2] = {
	"ntc-templates/cisco_ios_show_logging_5.raw",
	"ntc-templates/cisco_ios_show_logging_2.raw",
};
static const char *const devs[2] = { "sshd-5", "sshd-2" };

static struct {
	char          dir[64];
	int           port[2];
	struct inetd *srv;	/* the two ports; sshd -i per connection */
} sd;

static char *
s_p(const char *name)
{
	static char paths[8][128];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof paths[0], "%s/%s", sd.dir, name);
	return p;
}

static void
s_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "command failed (%d): %s", rc, cmd);
}

static void
s_fini(void)
{
	inetd_stop(&sd.srv);
	if (sd.dir[0] && getenv("LOGHAUL_KEEP_TMP") == NULL) {
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", sd.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", sd.dir);
	}
	sd.dir[0] = '\0';
}

/* sshd on two ports, each serving its fixture; keys; inventory; config. */
static void
s_init(void)
{
	const char *fix = getenv("LOGHAUL_FIXTURES"), *src = getenv("LOGHAUL_SRC");
	FILE *f;

	cr_assert_not_null(fix, "LOGHAUL_FIXTURES not set");
	cr_assert_not_null(src, "LOGHAUL_SRC not set");
	snprintf(sd.dir, sizeof sd.dir, "/tmp/loghaul-csshd-XXXXXX");
	cr_assert_not_null(mkdtemp(sd.dir));
	for (int i = 0; i < 2; i++)
		s_sh("cp '%s/%s' %s/buffer%d.raw", fix, fixtures[i], sd.dir, i);
	s_sh("ssh-keygen -q -t ed25519 -N '' -C host -f %s", s_p("host_ed25519"));
	s_sh("ssh-keygen -q -t ed25519 -N '' -C client -f %s", s_p("client"));
	s_sh("ssh-keygen -q -t ed25519 -N '' -C other -f %s", s_p("other"));
	s_sh("cp %s.pub %s", s_p("client"), s_p("authorized_keys"));
	mkdir("/run/sshd", 0755);
	{
		/* Ports this process binds and keeps: sshd -i per connection. */
		char err[256];
		char *const argv[] = { (char *)(uintptr_t)"/usr/sbin/sshd",
		    (char *)(uintptr_t)"-i", (char *)(uintptr_t)"-e",
		    (char *)(uintptr_t)"-f", s_p("sshd_config"), NULL };

		sd.srv = inetd_start(2, argv, s_p("sshd.log"), err, sizeof err);
		cr_assert_not_null(sd.srv, "%s", err);
		sd.port[0] = inetd_port(sd.srv, 0);
		sd.port[1] = inetd_port(sd.srv, 1);
	}
	cr_assert_not_null(f = fopen(s_p("sshd_config"), "w"));
	fprintf(f,
	    "HostKey %s\n"
	    "PidFile %s/sshd.pid\nAuthorizedKeysFile %s\nStrictModes no\n"
	    "UsePAM no\nPasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
	    "AuthenticationMethods publickey\nPermitRootLogin yes\n"
	    "PermitTTY yes\nLogLevel ERROR\nMaxStartups 50\n"
	    "ForceCommand /usr/bin/python3 %s/tests/integration/"
	    "sshd_ios_shell.py %s/buffer0.raw\n"
	    "Match LocalPort %d\n"
	    "    ForceCommand /usr/bin/python3 %s/tests/integration/"
	    "sshd_ios_shell.py %s/buffer1.raw\n",
	    s_p("host_ed25519"), sd.dir,
	    s_p("authorized_keys"), src, sd.dir, sd.port[1], src, sd.dir);
	fclose(f);
	cr_assert_not_null(f = fopen(s_p("hosts.yaml"), "w"));
	for (int i = 0; i < 2; i++)
		fprintf(f, "%s:\n  hostname: 127.0.0.1\n  port: %d\n  username: root\n"
		    "  platform: cisco_ios\n  data:\n    loghaul: {key_file: client}\n",
		    devs[i], sd.port[i]);
	fclose(f);
	s_sh("echo '{}' > %s && echo '{}' > %s", s_p("groups.yaml"),
	    s_p("defaults.yaml"));
	{
		struct ch_conf o = { .command = "10s" };
		char *cfg = ch_config(sd.dir, "c.yaml", &o);

		cr_assert_not_null(cfg);
		free(cfg);
	}
}

/* known_hosts: for each port, the host key (1), another key (2) or none (0). */
static void
s_known_hosts(int k0, int k1)
{
	const int k[2] = { k0, k1 };

	s_sh(": > %s", s_p("known_hosts"));
	for (int i = 0; i < 2; i++)
		if (k[i])
			s_sh("printf '[127.0.0.1]:%d ' >> %s && cat %s >> %s",
			    sd.port[i], s_p("known_hosts"), k[i] == 1 ?
			    s_p("host_ed25519.pub") : s_p("other.pub"),
			    s_p("known_hosts"));
}

/*
 * The fixture's entries, found independently of the collector's parser:
 * after the "Log Buffer" line, an entry starts at "[NNNNNN: ][*.]Mon dd
 * hh:mm:ss"; other lines continue it; lines before the first entry are the
 * cut one; blank lines end nothing but are not part of an entry's end.
 */
static size_t
s_fixture_entries(const char *path, char ***out)
{
	regex_t re;
	size_t len, n = 0;
	char *data = ch_slurp(path, &len), *save = NULL, *line, **v;
	int in_buffer = 0;

	cr_assert_not_null(data, "%s", path);
	cr_assert_eq(regcomp(&re, "^([0-9]+: )?[*.]?[A-Z][a-z][a-z] [ 0-9][0-9] "
	    "[0-9][0-9]:[0-9][0-9]:[0-9][0-9]", REG_EXTENDED | REG_NOSUB), 0);
	v = xcalloc(len + 1, sizeof *v);
	for (line = strtok_r(data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		if (!in_buffer) {
			in_buffer = strncmp(line, "Log Buffer", 10) == 0;
			continue;
		}
		if (regexec(&re, line, 0, NULL, 0) == 0) {
			v[n++] = xstrdup(line);
		} else if (n > 0 && l > 0) {
			char *joined = xasprintf("%s\n%s", v[n - 1], line);

			free(v[n - 1]);
			v[n - 1] = joined;
		}
	}
	regfree(&re);
	free(data);
	*out = v;
	return n;
}

static char *
s_run(int run, int *rc, struct ch_recs *r)
{
	char out[128], log[128], *text;
	size_t len;

	snprintf(out, sizeof out, "%s/run%d.jsonl", sd.dir, run);
	snprintf(log, sizeof log, "%s/run%d.log", sd.dir, run);
	*rc = ch_once(s_p("c.yaml"), out, log, 60);
	text = ch_slurp(log, &len);
	cr_assert_not_null(text);
	memset(r, 0, sizeof *r);
	cr_assert_eq(ch_recs_load(out, r), 0);
	cr_assert_eq(r->bad, 0, "%s", r->badmsg);
	return text;
}

TestSuite(collector_openssh, .init = s_init, .fini = s_fini, .timeout = 120);

Test(collector_openssh, once_print_is_the_fixtures_then_host_keys_refused)
{
	struct ch_recs r;
	char *text, *fp;
	int rc;

	/* Both keys known: every entry of both buffers, exit 0. */
	s_known_hosts(1, 1);
	text = s_run(1, &rc, &r);
	cr_expect_eq(rc, 0, "exit status %d\n%s", rc, text);
	cr_expect_not_null(strstr(text, "2 ok, 0 failed"), "%s", text);
	for (int i = 0; i < 2; i++) {
		char path[128], **want;
		const struct ch_rec **v;
		size_t nw, n;

		snprintf(path, sizeof path, "%s/buffer%d.raw", sd.dir, i);
		nw = s_fixture_entries(path, &want);
		n = ch_dev_recs(&r, devs[i], &v);
		cr_assert_geq(nw, 3, "%s: %zu fixture entries", fixtures[i], nw);
		cr_expect_eq(n, nw, "%s: %zu records, fixture has %zu entries",
		    devs[i], n, nw);
		for (size_t k = 0; k < n && k < nw; k++) {
			cr_expect(!v[k]->gap && v[k]->len == strlen(want[k]) &&
			    !memcmp(v[k]->line, want[k], v[k]->len),
			    "%s record %zu: %s\n want %s", devs[i], k,
			    ch_show(v[k]->line, v[k]->len),
			    ch_show(want[k], strlen(want[k])));
			cr_expect_null(ch_residue(v[k]), "%s: residue", devs[i]);
		}
		for (size_t k = 0; k < nw; k++)
			free(want[k]);
		free(want);
		free(v);
	}
	ch_recs_free(&r);
	free(text);

	/* sshd-5's key missing from known_hosts: refused, named, exit 1. */
	s_known_hosts(0, 1);
	text = s_run(2, &rc, &r);
	cr_expect_eq(rc, 1, "exit status %d\n%s", rc, text);
	cr_expect_eq(r.len, 0, "%zu records (sshd-2 was harvested before, "
	    "sshd-5 must be refused)", r.len);
	{
		char cmd[256], buf[128];
		FILE *p;

		snprintf(cmd, sizeof cmd, "ssh-keygen -l -f %s | cut -d' ' -f2",
		    s_p("host_ed25519.pub"));
		cr_assert_not_null(p = popen(cmd, "r"));
		cr_assert_not_null(fgets(buf, sizeof buf, p));
		pclose(p);
		buf[strcspn(buf, "\n")] = '\0';
		fp = xstrdup(buf);
	}
	cr_expect_not_null(strstr(text, "device=sshd-5 poll failed reason=host "
	    "key verification failed"), "%s", text);
	cr_expect_not_null(strstr(text, "unknown"), "%s", text);
	cr_expect_not_null(strstr(text, fp), "the log does not name the key %s:\n"
	    "%s", fp, text);
	cr_expect_not_null(strstr(text, "1 ok, 1 failed"), "%s", text);
	ch_recs_free(&r);
	free(text);

	/* Another key on file for it: refused as CHANGED, never replaced. */
	s_known_hosts(2, 1);
	text = s_run(3, &rc, &r);
	cr_expect_eq(rc, 1, "exit status %d\n%s", rc, text);
	cr_expect_eq(r.len, 0);
	cr_expect_not_null(strstr(text, "CHANGED"), "%s", text);
	cr_expect_not_null(strstr(text, fp), "%s", text);
	ch_recs_free(&r);
	free(text);
	free(fp);
}

/* The entries of the hostile buffer below, without line ends. */
static const struct {
	const char *text;
	size_t len;
} hostile[] = {
#define E(s) { s, sizeof s - 1 }
	E("*Sep 14 05:59:00.001: %SYS-5-CONFIG_I: a plain line"),
	E("*Sep 14 05:59:00.002: %SYS-5-CONFIG_I: NUL \0 byte and \0\0 more"),
	E("*Sep 14 05:59:00.003: %SYS-5-CONFIG_I: not UTF-8 \xff\xfe \xc3\x28 "
	    "\xed\xa0\x80 \x80 end"),
	E("*Sep 14 05:59:00.004: %SYS-5-CONFIG_I: escapes \x1b[2K\x1b[1;31mred"
	    "\x1b[0m \x1b]0;title\x07 bell \x08 backspace"),
	E("*Sep 14 05:59:00.005: %SYS-5-CONFIG_I: overwrite AAAA\rBBBB"),
	E("*Sep 14 05:59:00.006: %SYS-5-CONFIG_I: description \"%LINK-3-UPDOWN: "
	    "Interface Gi0/1, changed state to down\" typed by a user"),
	E("*Sep 14 05:59:00.007: %SYS-5-CONFIG_I: big "),	/* + BIG bytes */
	E("*Sep 14 05:59:00.008: %SYS-5-CONFIG_I: after the big one"),
#undef E
};
#define HOSTILE_BIG	(3u << 19)	/* 1.5 MiB: past a record's 1 MiB */
#define HOSTILE_MAXLINE	(1u << 20)

/*
 * A device that logs NUL bytes, invalid UTF-8, terminal escapes, a CR
 * inside a line, a fake tag inside another message, and a 1.5 MiB line:
 * every entry comes out whole and exact (the big one cut at 1 MiB, the
 * entry after it intact), the fake tag stays text, memory stays bounded.
 */
Test(collector_openssh, hostile_buffer_bounded_and_exact)
{
	static const char hdr[] = "Syslog logging: enabled\r\n\r\n"
	    "Log Buffer (4194304 bytes):\r\n";
	struct ch_recs r = { 0 };
	const struct ch_rec **v;
	char *big, *out, *log;
	long maxrss = 0;
	size_t n;
	pid_t pid;
	int rc;
	FILE *f;

	s_known_hosts(1, 1);
	cr_assert_not_null(f = fopen(s_p("buffer0.raw"), "wb"));
	fwrite(hdr, 1, sizeof hdr - 1, f);
	big = xmalloc(HOSTILE_BIG);
	for (size_t i = 0; i < HOSTILE_BIG; i++)
		big[i] = (char)('A' + i % 26);
	for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		fwrite(hostile[i].text, 1, hostile[i].len, f);
		if (i == 6)
			fwrite(big, 1, HOSTILE_BIG, f);
		fwrite("\r\n", 1, 2, f);
	}
	fclose(f);
	{
		struct ch_conf o = { .command = "20s", .state_dir = "state-h" };
		char *cfg = ch_config(sd.dir, "hostile.yaml", &o);
		const char *args[] = { "--config", cfg, "--once", "--print", NULL };

		out = xasprintf("%s/hostile.jsonl", sd.dir);
		log = xasprintf("%s/hostile.log", sd.dir);
		pid = ch_spawn("loghaul-collector", args, sd.dir, out, log);
		free(cfg);
	}
	rc = ch_wait_rss(pid, 90, &maxrss);
	{
		size_t len;
		char *text = ch_slurp(log, &len);

		cr_expect_eq(rc, 0, "exit status %d\n%.3000s", rc, text ? text : "");
		free(text);
	}
	cr_assert_eq(ch_recs_load(out, &r), 0);
	cr_assert_eq(r.bad, 0, "%s", r.badmsg);
	n = ch_dev_recs(&r, "sshd-5", &v);
	cr_assert_eq(n, sizeof hostile / sizeof hostile[0], "%zu records", n);
	for (size_t i = 0; i < n; i++) {
		if (i == 6) {
			cr_expect_eq(v[i]->len, HOSTILE_MAXLINE, "big line: %zu bytes",
			    v[i]->len);
			cr_expect(v[i]->len > hostile[i].len &&
			    !memcmp(v[i]->line, hostile[i].text, hostile[i].len) &&
			    !memcmp(v[i]->line + hostile[i].len, big,
			    v[i]->len - hostile[i].len), "big line corrupted");
			continue;
		}
		cr_expect(v[i]->len == hostile[i].len &&
		    !memcmp(v[i]->line, hostile[i].text, v[i]->len),
		    "record %zu: %s\n want %s", i, ch_show(v[i]->line, v[i]->len),
		    ch_show(hostile[i].text, hostile[i].len));
		cr_expect_str_eq(v[i]->tag, "SYS-5-CONFIG_I", "record %zu tag", i);
	}
	/* The output is 1.5 MiB; a copy or two of it is fine, no more. */
	fprintf(stderr, "hostile buffer: collector peak RSS %ld KiB\n", maxrss);
	cr_expect_lt(maxrss, 64 * 1024, "peak RSS %ld KiB", maxrss);
	free(v);
	ch_recs_free(&r);
	free(big);
	free(out);
	free(log);
}
