/*
 * Proof that devsim is faithful (issue 2 item 4): real clients — Netmiko
 * (python3-netmiko, device_type cisco_ios), the OpenSSH client and a libssh
 * client — talk to it and get exactly the buffer its journal says; paging,
 * errors, faults, clear, reload and the other platforms behave as
 * documented; and 200 devices at 2 lines/s are read whole by Netmiko.
 *
 * Where a buffer is compared, the generator is paused first (control
 * `pause` returns once the journal is flushed), so the comparison is exact.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "collector/platform.h"
#include "common/buf.h"
#include "common/util.h"
#include "tests/support/devsim_harness.h"

#define PY "/usr/bin/python3"

static struct devsim *ds;

static void
s_fini(void)
{
	devsim_stop(&ds);
}

TestSuite(devsim, .fini = s_fini, .timeout = 150);

/* Start devsim with extra args and an optional spec text. */
static void
s_start(const char *spec, const char *const *args)
{
	const char *argv[40];
	char err[2048], specpath[128];
	size_t n = 0;

	if (spec) {
		char tmpl[] = "/tmp/loghaul-spec-XXXXXX";
		int fd = mkstemp(tmpl);

		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, spec, strlen(spec)), (ssize_t)strlen(spec));
		close(fd);
		snprintf(specpath, sizeof(specpath), "%s", tmpl);
		argv[n++] = "--spec";
		argv[n++] = specpath;
	}
	while (args && *args && n < 38)
		argv[n++] = *args++;
	argv[n] = NULL;
	ds = devsim_start(argv, err, sizeof(err));
	if (spec)
		unlink(specpath);
	cr_assert_not_null(ds, "devsim did not start: %s", err);
}

static void
s_ctl(const char *fmt, const char *a, const char *b)
{
	char cmd[512], reply[256];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	cr_assert_eq(devsim_control(ds, cmd, reply, sizeof(reply)), 0,
	    "control '%s': %s", cmd, reply);
}

static char *
s_path(const char *name)
{
	static char p[4][256];
	static int i;
	char *r = p[i++ % 4];

	snprintf(r, 256, "%s/%s", devsim_dir(ds), name);
	return r;
}

/* The journal's view of dev's buffer. Caller frees. */
static char *
s_view(const char *dev, size_t bsize, size_t *len)
{
	struct devsim_journal j;
	char err[256], *v;

	cr_assert_eq(devsim_journal_load(devsim_dir(ds), dev, &j, err, sizeof(err)), 0, "%s", err);
	v = devsim_journal_view(&j, dev, bsize, devsim_whole_lines(devsim_platform(ds, dev)), len);
	devsim_journal_free(&j);
	return v;
}

/* Drop every CR (the wire's line ends are CRLF). */
static size_t
s_strip_cr(char *s, size_t len)
{
	size_t i, w = 0;

	for (i = 0; i < len; i++)
		if (s[i] != '\r')
			s[w++] = s[i];
	s[w] = '\0';
	return w;
}

/* Where a and b first differ, for failure messages. */
static const char *
s_diff(const char *a, size_t na, const char *b, size_t nb)
{
	static char msg[400];
	size_t i = 0;

	while (i < na && i < nb && a[i] == b[i])
		i++;
	snprintf(msg, sizeof(msg), "lengths %zu/%zu, first difference at %zu: got '%.60s' want '%.60s'",
	    na, nb, i, i < na ? a + i : "", i < nb ? b + i : "");
	return msg;
}

/* Text after the "Log Buffer (N bytes):\n" header line. */
static const char *
s_after_header(const char *out, size_t bsize)
{
	char hdr[64];
	const char *p;

	snprintf(hdr, sizeof(hdr), "Log Buffer (%zu bytes):\n", bsize);
	p = strstr(out, hdr);
	cr_assert_not_null(p, "no '%s' in the output: %.300s", hdr, out);
	return p + strlen(hdr);
}

/* Netmiko: run the command on dev; returns the exit status, output in *out. */
static int
s_netmiko(const char *dev, const char *const *extra, char **out, size_t *len)
{
	return devsim_netmiko(ds, dev, extra, out, len);
}

/* OpenSSH client exec, password from SSH_ASKPASS; returns ssh's status. */
static int
s_openssh(const char *dev, const char *password, const char *cmd, char **out, size_t *len)
{
	char askpass[300], port[16], khosts[300], outp[300], envpw[128], envask[320];
	const char *env[] = { "SSH_ASKPASS_REQUIRE=force", "DISPLAY=devsim:0", envask, envpw, NULL };
	const char *argv[] = {
		"/usr/bin/ssh", "-F", "/dev/null", "-p", port, "-o", khosts,
		"-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes",
		"-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
		"-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=20",
		"admin@127.0.0.1", cmd, NULL
	};
	FILE *fp;
	int rc;

	snprintf(askpass, sizeof(askpass), "%s", s_path("askpass.sh"));
	fp = fopen(askpass, "w");
	cr_assert_not_null(fp, "%s: %s", askpass, strerror(errno));
	fprintf(fp, "#!/bin/sh\nprintf '%%s\\n' \"$DEVSIM_PW\"\n");
	fclose(fp);
	chmod(askpass, 0700);
	snprintf(envpw, sizeof(envpw), "DEVSIM_PW=%s", password);
	snprintf(envask, sizeof(envask), "SSH_ASKPASS=%s", askpass);
	snprintf(port, sizeof(port), "%d", devsim_port(ds, dev));
	snprintf(khosts, sizeof(khosts), "UserKnownHostsFile=%s", s_path("known_hosts"));
	snprintf(outp, sizeof(outp), "%s.ssh.out", s_path(dev));
	rc = devsim_run(argv, env, outp, s_path("ssh.err"), 60);
	*out = devsim_slurp(outp, len);
	cr_assert_not_null(*out);
	return rc;
}

/* ---- a libssh client with a pty, for the interactive checks ---- */

struct term {
	ssh_session s;
	ssh_channel ch;
	struct buf  acc;	/* everything received */
};

static void
s_term_open(struct term *t, const char *dev)
{
	int port = devsim_port(ds, dev), verbosity = 0;
	long timeout = 20;

	memset(t, 0, sizeof(*t));
	buf_init(&t->acc, 0);
	t->s = ssh_new();
	cr_assert_not_null(t->s);
	ssh_options_set(t->s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(t->s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(t->s, SSH_OPTIONS_USER, "admin");
	ssh_options_set(t->s, SSH_OPTIONS_KNOWNHOSTS, s_path("known_hosts"));
	ssh_options_set(t->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_options_set(t->s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(t->s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	ssh_options_set(t->s, SSH_OPTIONS_PROCESS_CONFIG, &(int){ 0 });
	cr_assert_eq(ssh_connect(t->s), SSH_OK, "connect %s: %s", dev, ssh_get_error(t->s));
	cr_assert_eq(ssh_session_is_known_server(t->s), SSH_KNOWN_HOSTS_OK,
	    "devsim's host key is not the one in its known_hosts");
	cr_assert_eq(ssh_userauth_password(t->s, NULL, "admin"), SSH_AUTH_SUCCESS,
	    "%s", ssh_get_error(t->s));
	t->ch = ssh_channel_new(t->s);
	cr_assert_eq(ssh_channel_open_session(t->ch), SSH_OK);
	cr_assert_eq(ssh_channel_request_pty_size(t->ch, "vt100", 80, 24), SSH_OK);
	cr_assert_eq(ssh_channel_request_shell(t->ch), SSH_OK);
}

static void
s_term_close(struct term *t)
{
	if (t->ch) {
		ssh_channel_close(t->ch);
		ssh_channel_free(t->ch);
	}
	ssh_disconnect(t->s);
	ssh_free(t->s);
	buf_free(&t->acc);
}

static void
s_term_send(struct term *t, const char *text)
{
	cr_assert_eq(ssh_channel_write(t->ch, text, (uint32_t)strlen(text)), (int)strlen(text));
}

/*
 * Read until needle appears after offset `from` in acc, or the channel
 * ends, or timeout_ms passes (a bound for broken runs, not a measurement).
 * Returns 1 when found, 0 on timeout, -1 when the connection ended.
 */
static int
s_term_wait(struct term *t, size_t from, const char *needle, int timeout_ms)
{
	double until = util_monotime() + timeout_ms / 1000.0;
	char tmp[4096];

	for (;;) {
		int n;

		if (t->acc.len > from && t->acc.data &&
		    memmem(t->acc.data + from, t->acc.len - from, needle, strlen(needle)))
			return 1;
		if (util_monotime() > until)
			return 0;
		n = ssh_channel_read_timeout(t->ch, tmp, sizeof(tmp), 0, 200);
		if (n < 0 || (n == 0 && (ssh_channel_is_eof(t->ch) || !ssh_channel_is_open(t->ch))))
			return -1;
		buf_append(&t->acc, tmp, (size_t)n);
	}
}

/* Send a command and wait for the next prompt; returns the offset where its
 * echo starts. */
static size_t
s_term_cmd(struct term *t, const char *cmd, const char *prompt)
{
	size_t from = t->acc.len;

	s_term_send(t, cmd);
	cr_assert_eq(s_term_wait(t, from + strlen(cmd), prompt, 20000), 1,
	    "no prompt after '%s': %s", cmd, t->acc.data + from);
	return from;
}

static size_t
s_count(const char *s, size_t len, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	const char *p = s, *end = s + len;

	while ((p = memmem(p, (size_t)(end - p), needle, k)) != NULL) {
		n++;
		p += k;
	}
	return n;
}

/* ================================================================== */

Test(devsim, netmiko_reads_the_journal_buffer)
{
	const char *args[] = { "--devices", "2", "--rate", "20", "--prefill", "40",
		"--flap-every", "1", NULL };
	char *out, *view;
	size_t len, vlen;
	const char *rest;

	s_start(NULL, args);
	usleep(2000 * 1000);	/* let the generator and flaps write */
	s_ctl("pause", NULL, NULL);
	cr_assert_eq(s_netmiko("r001", NULL, &out, &len), 0, "netmiko failed: %s", out);
	cr_assert(strncmp(out, "Syslog logging: enabled (", 25) == 0, "header: %.80s", out);
	cr_assert_not_null(strstr(out, "    Trap logging: level informational, "));
	rest = s_after_header(out, 16384);
	view = s_view("r001", 16384, &vlen);
	cr_assert_gt(vlen, 1000, "journal view suspiciously small");
	cr_assert(strlen(rest) == vlen && memcmp(rest, view, vlen) == 0,
	    "netmiko's buffer differs from the journal: %s", s_diff(rest, strlen(rest), view, vlen));
	cr_assert_not_null(strstr(view, "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/"),
	    "no scripted flap in the buffer");
	free(out);
	free(view);
}

Test(devsim, netmiko_with_enable)
{
	static const char spec[] =
	    "devices:\n"
	    "  r001: {enable_secret: s3cr3t, seq_numbers: false, ts_style: unsync_star}\n";
	const char *args[] = { "--devices", "1", "--rate", "0", "--prefill", "25", NULL };
	const char *en[] = { "--enable", NULL };
	char *out, *view, *err;
	size_t len, vlen;
	const char *rest;

	s_start(spec, args);
	/* user mode: show logging is a privileged command */
	cr_assert_eq(s_netmiko("r001", NULL, &out, &len), 0);
	cr_assert_not_null(strstr(out, "% Invalid input detected at '^' marker."), "%s", out);
	free(out);

	cr_assert_eq(s_netmiko("r001", en, &out, &len), 0, "netmiko enable failed: %s", out);
	err = devsim_slurp(s_path("r001.err"), NULL);
	cr_assert_not_null(strstr(err, "'r001>' -> 'r001#'"), "prompts: %s", err);
	free(err);
	rest = s_after_header(out, 16384);
	view = s_view("r001", 16384, &vlen);
	cr_assert(strlen(rest) == vlen && memcmp(rest, view, vlen) == 0, "%s",
	    s_diff(rest, strlen(rest), view, vlen));
	cr_assert_eq(view[1], '*', "unsync_star timestamps expected: %.40s", view);
	free(out);
	free(view);

	/* a wrong secret leaves netmiko at '>' and it says so */
	{
		const char *bad[] = { "--enable", "--secret", "nope", NULL };

		cr_assert_neq(s_netmiko("r001", bad, &out, &len), 0);
		free(out);
	}
}

Test(devsim, openssh_exec_show_logging)
{
	const char *args[] = { "--devices", "2", "--rate", "5", "--prefill", "30", NULL };
	char *out, *view;
	size_t len, vlen;
	const char *rest;

	s_start(NULL, args);
	s_ctl("pause", NULL, NULL);
	cr_assert_eq(s_openssh("r002", "admin", "show logging", &out, &len), 0,
	    "ssh failed: %s", devsim_slurp(s_path("ssh.err"), NULL));
	cr_assert_not_null(memmem(out, len, "\r\n", 2), "exec output must use CRLF");
	len = s_strip_cr(out, len);
	rest = s_after_header(out, 16384);
	view = s_view("r002", 16384, &vlen);
	/* the buffer ends with a line break before the channel closes */
	cr_assert(strlen(rest) == vlen + 1 && memcmp(rest, view, vlen) == 0 && rest[vlen] == '\n',
	    "%s", s_diff(rest, strlen(rest), view, vlen));
	free(out);
	free(view);

	/* an exec of an unknown command gets the IOS error */
	cr_assert_eq(s_openssh("r002", "admin", "show nothing", &out, &len), 0);
	cr_assert_not_null(strstr(out, "     ^\r\n% Invalid input detected at '^' marker.\r\n"),
	    "%s", out);
	free(out);
}

Test(devsim, paging_abbreviations_and_errors)
{
	const char *args[] = { "--devices", "1", "--rate", "0", "--prefill", "60", NULL };
	struct term t;
	size_t from, k;
	const char *p;

	s_start(NULL, args);
	s_term_open(&t, "r001");
	cr_assert_eq(s_term_wait(&t, 0, "r001#", 20000), 1, "no prompt: %s", t.acc.data);
	cr_assert_not_null(strstr(t.acc.data, "Authorised access only"), "no MOTD banner");

	/* paging is on: 23 lines, then the pager */
	from = t.acc.len;
	s_term_send(&t, "sh log\r");
	cr_assert_eq(s_term_wait(&t, from, " --More-- ", 20000), 1, "no pager: %s", t.acc.data + from);
	p = memmem(t.acc.data + from, t.acc.len - from, " --More-- ", 10);
	cr_assert_eq(s_count(t.acc.data + from, (size_t)(p - t.acc.data - from), "\r\n"), 24,
	    "echo line + 23 output lines before --More--");
	cr_assert(strncmp(t.acc.data + from, "sh log\r\n", 8) == 0, "echo: %.20s", t.acc.data + from);
	/* space: a full page; the pager text is erased with backspaces */
	from = t.acc.len;
	s_term_send(&t, " ");
	cr_assert_eq(s_term_wait(&t, from + 1, " --More-- ", 20000), 1);
	cr_assert(strncmp(t.acc.data + from,
	    "\b\b\b\b\b\b\b\b\b\b          \b\b\b\b\b\b\b\b\b\b", 30) == 0,
	    "pager not erased as IOS does");
	/* enter: one more line */
	from = t.acc.len;
	s_term_send(&t, "\r");
	cr_assert_eq(s_term_wait(&t, from + 31, " --More-- ", 20000), 1);
	cr_assert_eq(s_count(t.acc.data + from, t.acc.len - from, "\r\n"), 1, "enter shows one line");
	/* q: back to the prompt */
	s_term_cmd(&t, "q", "r001#");

	/* paging off (an abbreviation), then the whole buffer at once */
	s_term_cmd(&t, "term len 0\r", "r001#");
	from = s_term_cmd(&t, "show logging\r", "r001#");
	cr_assert_null(memmem(t.acc.data + from, t.acc.len - from, "--More--", 8));
	cr_assert_geq(s_count(t.acc.data + from, t.acc.len - from, "\r\n"), 60 + 26);
	s_term_cmd(&t, "terminal width 511\r", "r001#");

	/* errors, with the caret under the bad word */
	from = s_term_cmd(&t, "show foo\r", "r001#");
	cr_assert(strncmp(t.acc.data + from,
	    "show foo\r\n          ^\r\n% Invalid input detected at '^' marker.\r\n\r\nr001#", 72) == 0,
	    "invalid input: %s", t.acc.data + from);
	from = s_term_cmd(&t, "e\r", "r001#");
	cr_assert_not_null(strstr(t.acc.data + from, "% Ambiguous command:  \"e\""));
	from = s_term_cmd(&t, "show\r", "r001#");
	cr_assert_not_null(strstr(t.acc.data + from, "% Incomplete command."));
	/* line editing: backspace erases */
	from = s_term_cmd(&t, "shox\x7fw clock\r", "r001#");
	cr_assert_not_null(strstr(t.acc.data + from, " UTC "), "show clock: %s", t.acc.data + from);

	/* no_paging_off: terminal length 0 is ignored */
	s_ctl("fault r001 no_paging_off on", NULL, NULL);
	from = t.acc.len;
	s_term_send(&t, "show logging\r");
	cr_assert_eq(s_term_wait(&t, from, " --More-- ", 20000), 1, "no_paging_off ignored");
	s_term_cmd(&t, "q", "r001#");
	k = t.acc.len;
	s_term_send(&t, "exit\r");
	cr_assert_eq(s_term_wait(&t, k, "never", 10000), -1, "exit must close the session");
	s_term_close(&t);
}

Test(devsim, wrong_password_is_refused)
{
	static const char spec[] = "devices:\n  r002: {faults: [wrong_password]}\n";
	const char *args[] = { "--devices", "2", "--rate", "0", "--prefill", "3", NULL };
	const char *badpw[] = { "--password", "guess", NULL };
	char *out;
	size_t len;

	s_start(spec, args);
	cr_assert_eq(s_netmiko("r002", NULL, &out, &len), 3, "netmiko must fail auth: %s", out);
	free(out);
	cr_assert_eq(s_netmiko("r001", badpw, &out, &len), 3, "a wrong password must fail");
	free(out);
	cr_assert_eq(s_openssh("r002", "admin", "show logging", &out, &len), 255);
	cr_assert_eq(len, 0);
	free(out);
	/* the healthy device with the right password works */
	cr_assert_eq(s_openssh("r001", "admin", "show clock", &out, &len), 0);
	free(out);
	s_ctl("fault r002 wrong_password off", NULL, NULL);
	cr_assert_eq(s_openssh("r002", "admin", "show clock", &out, &len), 0);
	free(out);
}

Test(devsim, ring_buffer_wraps_mid_entry)
{
	static const char spec[] = "devices:\n  r001: {buffer_size: 512}\n";
	const char *args[] = { "--devices", "1", "--rate", "0", NULL };
	char *out, *view, cmd[128];
	size_t len, vlen, i;
	const char *rest;
	struct devsim_journal j;
	char err[256];
	int cut = 0;

	s_start(spec, args);
	/* 20 entries of 33 + 60 bytes: 512 does not fall on an entry boundary */
	for (i = 0; i < 20; i++) {
		snprintf(cmd, sizeof(cmd), "log r001 %%SYS-5-CONFIG_I: Configured by test %02zu %-29s", i, "pad");
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
	}
	cr_assert_eq(s_openssh("r001", "admin", "show logging", &out, &len), 0);
	len = s_strip_cr(out, len);
	rest = s_after_header(out, 512);
	view = s_view("r001", 512, &vlen);
	cr_assert_eq(vlen, 512);
	cr_assert(strlen(rest) == vlen + 1 && memcmp(rest, view, vlen) == 0, "%s",
	    s_diff(rest, strlen(rest), view, vlen));
	cr_assert_neq(rest[0], '\n', "the first printed line must be a cut entry");
	/* the first line is the tail of a journal entry, not a whole one */
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), "r001", &j, err, sizeof(err)), 0);
	{
		size_t first = (size_t)(strchr(rest, '\n') - rest);

		for (i = 0; i < j.len; i++) {
			if (j.v[i].len > first &&
			    memcmp(j.v[i].text + j.v[i].len - first, rest, first) == 0)
				cut = 1;
			cr_assert(j.v[i].len != first || memcmp(j.v[i].text, rest, first) != 0,
			    "first line is a whole entry");
		}
	}
	cr_assert(cut, "first line is not the tail of any entry: %.60s", rest);
	/* entries are numbered 1..20 in the journal and the newest is printed last */
	cr_assert_eq(j.len, 20);
	for (i = 0; i < j.len; i++)
		cr_assert_eq(j.v[i].n, i + 1);
	cr_assert(strncmp(j.v[19].text, "000020: ", 8) == 0);
	devsim_journal_free(&j);
	free(out);
	free(view);
}

Test(devsim, clear_and_reload)
{
	const char *args[] = { "--devices", "2", "--rate", "0", "--prefill", "5", NULL };
	char *out, *view;
	size_t len, vlen;
	const char *rest;
	struct devsim_journal j;
	char err[256];
	struct term t;

	s_start(NULL, args);
	s_ctl("clear r001", NULL, NULL);
	cr_assert_eq(s_openssh("r001", "admin", "show logging", &out, &len), 0);
	len = s_strip_cr(out, len);
	cr_assert_str_eq(s_after_header(out, 16384), "\n", "cleared buffer must be empty");
	free(out);
	s_ctl("log r001 %%LINK-3-UPDOWN: Interface GigabitEthernet0/3, changed state to down", NULL, NULL);
	cr_assert_eq(s_openssh("r001", "admin", "show logging", &out, &len), 0);
	len = s_strip_cr(out, len);
	rest = s_after_header(out, 16384);
	/* clear logging keeps the sequence numbers going */
	cr_assert(strncmp(rest, "\n000006: ", 9) == 0, "after clear: %s", rest);
	free(out);

	/* clear logging from the CLI, with its confirmation */
	s_term_open(&t, "r002");
	cr_assert_eq(s_term_wait(&t, 0, "r002#", 20000), 1);
	s_term_cmd(&t, "clear logging\r", "[confirm]");
	s_term_cmd(&t, "\r", "r002#");
	s_term_cmd(&t, "terminal length 0\r", "r002#");
	{
		size_t from = s_term_cmd(&t, "show logging\r", "r002#");

		cr_assert_not_null(strstr(t.acc.data + from, "Log Buffer (16384 bytes):\r\n\r\nr002#"),
		    "CLI clear: %s", t.acc.data + from);
	}

	/* reload: buffer emptied, sequence restarts, RESTART logged, sessions dropped */
	s_ctl("reload r002", NULL, NULL);
	cr_assert_eq(s_term_wait(&t, t.acc.len, "never", 20000), -1,
	    "a reload must end open sessions");
	s_term_close(&t);
	cr_assert_eq(s_openssh("r002", "admin", "show logging", &out, &len), 0);
	len = s_strip_cr(out, len);
	rest = s_after_header(out, 16384);
	cr_assert(strncmp(rest, "\n000001: ", 9) == 0, "after reload: %.200s", rest);
	cr_assert_not_null(strstr(rest, "%SYS-5-RESTART: System restarted --\nCisco IOS Software"));
	view = s_view("r002", 16384, &vlen);
	cr_assert(strlen(rest) == vlen + 1 && memcmp(rest, view, vlen) == 0, "%s",
	    s_diff(rest, strlen(rest), view, vlen));
	free(view);
	free(out);

	cr_assert_eq(devsim_journal_load(devsim_dir(ds), "r002", &j, err, sizeof(err)), 0, "%s", err);
	{
		size_t i, clears = 0, reloads = 0;

		for (i = 0; i < j.len; i++) {
			clears += j.v[i].kind == DEVSIM_J_CLEAR;
			reloads += j.v[i].kind == DEVSIM_J_RELOAD;
		}
		cr_assert_eq(clears, 1);
		cr_assert_eq(reloads, 1);
		/* the journal counter never restarts */
		cr_assert_eq(j.v[j.len - 1].n, 7);
	}
	devsim_journal_free(&j);
}

/* Every non-IOS platform: journal lines in the documented shapes, and the
 * device's own log command prints exactly the journal's view. */
Test(devsim, other_platforms)
{
	static const struct {
		const char *dev, *plat, *iface, *cmd, *re_down, *re_up;
	} c[] = {
		{ "r001", "cisco_nxos", "Ethernet1/3", "show logging logfile",
		  "^20[0-9]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} r001 %ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/3 is down \\(Link failure\\)$",
		  "^20[0-9]{2} .* r001 %ETHPORT-5-IF_UP: Interface Ethernet1/3 is up in mode (trunk|access)$" },
		{ "r002", "arista_eos", "Ethernet3", "show logging",
		  "^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} r002 Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface Ethernet3, changed state to down$",
		  "^[A-Z][a-z]{2} .* r002 Ebra: %LINEPROTO-5-UPDOWN: Line protocol on Interface Ethernet3, changed state to up$" },
		{ "r003", "juniper_junos", "ge-0/0/3", "show log messages",
		  "^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} r003 mib2d\\[[0-9]+\\]: SNMP_TRAP_LINK_DOWN: ifIndex [0-9]+, ifAdminStatus up\\(1\\), ifOperStatus down\\(2\\), ifName ge-0/0/3$",
		  "^[A-Z][a-z]{2} .* r003 mib2d\\[[0-9]+\\]: SNMP_TRAP_LINK_UP: ifIndex [0-9]+, ifAdminStatus up\\(1\\), ifOperStatus up\\(1\\), ifName ge-0/0/3$" },
		{ "r004", "cisco_xr", "GigabitEthernet0/0/0/3", "show logging",
		  "^[0-9]+: RP/0/RSP0/CPU0:[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8}\\.[0-9]{3} UTC: ifmgr\\[[0-9]+\\]: %PKT_INFRA-LINK-3-UPDOWN : Interface GigabitEthernet0/0/0/3, changed state to Down$",
		  "^[0-9]+: RP/0/RSP0/CPU0:.* UTC: ifmgr\\[[0-9]+\\]: %PKT_INFRA-LINEPROTO-5-UPDOWN : Line protocol on Interface GigabitEthernet0/0/0/3, changed state to Up$" },
	};
	const char *args[] = { "--devices", "4", "--rate", "0", "--prefill", "30",
		"--platforms", "cisco_nxos,arista_eos,juniper_junos,cisco_xr", NULL };
	size_t i, k;

	s_start(NULL, args);
	for (i = 0; i < 4; i++) {
		struct devsim_journal j;
		char err[256], cmd[128], *out, *view;
		const char *nm[] = { "--command", c[i].cmd, NULL };
		regex_t down, up;
		size_t len, vlen;
		int saw_down = 0, saw_up = 0, flaps = 0;

		cr_assert_str_eq(devsim_platform(ds, c[i].dev), c[i].plat);
		snprintf(cmd, sizeof(cmd), "flap %s %s down", c[i].dev, c[i].iface);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);
		snprintf(cmd, sizeof(cmd), "flap %s %s up", c[i].dev, c[i].iface);
		cr_assert_eq(devsim_control(ds, cmd, NULL, 0), 0);

		cr_assert_eq(regcomp(&down, c[i].re_down, REG_EXTENDED | REG_NOSUB), 0);
		cr_assert_eq(regcomp(&up, c[i].re_up, REG_EXTENDED | REG_NOSUB), 0);
		cr_assert_eq(devsim_journal_load(devsim_dir(ds), c[i].dev, &j, err, sizeof(err)), 0);
		for (k = 0; k < j.len; k++) {
			if (j.v[k].kind == DEVSIM_J_FLAP) {
				flaps++;
				cr_assert_str_eq(j.v[k].iface, c[i].iface);
				cr_assert_eq(j.v[k].n, j.v[k + 1].n, "flap n = its first line");
			}
			if (j.v[k].kind != DEVSIM_J_LINE)
				continue;
			saw_down |= regexec(&down, j.v[k].text, 0, NULL, 0) == 0;
			saw_up |= regexec(&up, j.v[k].text, 0, NULL, 0) == 0;
		}
		cr_assert_eq(flaps, 2);
		cr_assert(saw_down, "%s: no line matching %s", c[i].plat, c[i].re_down);
		cr_assert(saw_up, "%s: no line matching %s", c[i].plat, c[i].re_up);
		regfree(&down);
		regfree(&up);
		devsim_journal_free(&j);

		/* Netmiko with the platform's own driver reads the same */
		cr_assert_eq(s_netmiko(c[i].dev, nm, &out, &len), 0, "netmiko %s: %s", c[i].plat, out);
		view = s_view(c[i].dev, 16384, &vlen);
		cr_assert_gt(vlen, 100);
		/* the view ends in '\n' and send_command strips the last line break */
		cr_assert_not_null(memmem(out, len, view, vlen - 1), "%s: buffer not in output:\n%s",
		    c[i].plat, out);
		free(out);
		free(view);
	}
}

Test(devsim, faults_slow_hang_drop_garbage)
{
	static const char spec[] =
	    "defaults: {buffer_size: 2k}\n"
	    "devices:\n"
	    "  r001: {faults: [slow_output]}\n"
	    "  r002: {faults: [hang_mid_line]}\n"
	    "  r003: {faults: [drop_mid_output]}\n"
	    "  r004: {faults: [garbage_bytes]}\n";
	const char *args[] = { "--devices", "4", "--rate", "0", "--prefill", "30", NULL };
	char *out, *view;
	size_t len, vlen, from;
	const char *rest;
	struct term t;
	double t0;

	s_start(spec, args);

	/* slow: complete and exact, only slower (2 KiB at 1 KiB/s) */
	t0 = util_monotime();
	cr_assert_eq(s_openssh("r001", "admin", "show logging", &out, &len), 0);
	cr_assert_gt(util_monotime() - t0, 1.0, "slow_output was not slow");
	len = s_strip_cr(out, len);
	rest = s_after_header(out, 2048);
	view = s_view("r001", 2048, &vlen);
	cr_assert(strlen(rest) == vlen + 1 && memcmp(rest, view, vlen) == 0, "%s",
	    s_diff(rest, strlen(rest), view, vlen));
	free(out);
	free(view);

	/* hang: output stops mid-line and nothing more comes */
	s_term_open(&t, "r002");
	cr_assert_eq(s_term_wait(&t, 0, "r002#", 20000), 1);
	s_term_cmd(&t, "terminal length 0\r", "r002#");
	from = t.acc.len;
	s_term_send(&t, "show logging\r");
	cr_assert_eq(s_term_wait(&t, from, "Log Buffer", 20000), 1);
	cr_assert_eq(s_term_wait(&t, from + 13, "r002#", 2000), 0, "a hung device gave its prompt");
	cr_assert_neq(t.acc.data[t.acc.len - 1], '\n', "the hang must be mid-line");
	s_term_close(&t);

	/* drop: the connection goes away halfway */
	s_term_open(&t, "r003");
	cr_assert_eq(s_term_wait(&t, 0, "r003#", 20000), 1);
	s_term_cmd(&t, "terminal length 0\r", "r003#");
	from = t.acc.len;
	s_term_send(&t, "show logging\r");
	cr_assert_eq(s_term_wait(&t, from, "r003#", 20000), -1, "the connection must drop");
	cr_assert_not_null(memmem(t.acc.data + from, t.acc.len - from, "Log Buffer", 10));
	s_term_close(&t);

	/* garbage: NUL, invalid UTF-8 and escapes travel, and the journal has them exactly */
	cr_assert_eq(s_openssh("r004", "admin", "show logging", &out, &len), 0);
	len = s_strip_cr(out, len);
	view = s_view("r004", 2048, &vlen);
	cr_assert(memchr(view, '\0', vlen) || memmem(view, vlen, "\xff", 1) ||
	    memmem(view, vlen, "\x1b[", 2), "no garbage in the journal view");
	rest = s_after_header(out, 2048);
	cr_assert((size_t)(out + len - rest) == vlen + 1 && memcmp(rest, view, vlen) == 0, "%s",
	    s_diff(rest, (size_t)(out + len - rest), view, vlen));
	free(out);
	free(view);
	/* a hung session must not keep devsim from stopping cleanly */
	s_term_open(&t, "r002");
	cr_assert_eq(s_term_wait(&t, 0, "r002#", 20000), 1);
	s_term_cmd(&t, "terminal length 0\r", "r002#");
	s_term_send(&t, "show logging\r");
	cr_assert_eq(s_term_wait(&t, 0, "Log Buffer", 20000), 1);
	cr_assert_eq(devsim_stop(&ds), 0, "devsim must exit 0 on SIGTERM");
	s_term_close(&t);
}

Test(devsim, same_seed_same_messages)
{
	const char *a1[] = { "--devices", "3", "--rate", "0", "--prefill", "40", "--seed", "7", NULL };
	const char *a2[] = { "--devices", "3", "--rate", "0", "--prefill", "40", "--seed", "8", NULL };
	char *bodies[1][3];
	int run, d;

	for (run = 0; run < 3; run++) {
		for (d = 0; d < 3; d++) {
			struct devsim_journal j;
			char err[256], dev[16];
			struct buf b;
			size_t i;

			if (d == 0)
				s_start(NULL, run < 2 ? a1 : a2);
			snprintf(dev, sizeof(dev), "r%03d", d + 1);
			cr_assert_eq(devsim_journal_load(devsim_dir(ds), dev, &j, err, sizeof(err)), 0);
			cr_assert_eq(j.len, 40);
			buf_init(&b, 0);
			for (i = 0; i < j.len; i++) {
				/* timestamps are wall clock: compare what follows them */
				const char *m = strstr(j.v[i].text, "UTC: ");

				cr_assert_not_null(m);
				buf_printf(&b, "%s\n", m);
			}
			devsim_journal_free(&j);
			if (run == 0) {
				bodies[0][d] = b.data;
			} else if (run == 1) {
				cr_assert_str_eq(b.data, bodies[0][d], "same seed, different messages");
				buf_free(&b);
			} else {
				cr_assert_str_neq(b.data, bodies[0][d], "another seed, same messages");
				buf_free(&b);
			}
		}
		cr_assert_str_neq(bodies[0][0], bodies[0][1], "devices must differ");
		cr_assert_eq(devsim_stop(&ds), 0, "devsim must exit 0 on SIGTERM");
	}
	for (d = 0; d < 3; d++)
		free(bodies[0][d]);
}

Test(devsim, bad_spec_and_control_errors)
{
	static const char bad[] = "devices:\n  r001:\n    colour: blue\n";
	const char *args[] = { "--devices", "2", "--rate", "0", NULL };
	char tmpl[] = "/tmp/loghaul-spec-XXXXXX", err[2048], reply[256], want[64];
	const char *argv[] = { "--spec", tmpl, NULL };
	int fd = mkstemp(tmpl);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	ds = devsim_start(argv, err, sizeof(err));
	unlink(tmpl);
	cr_assert_null(ds, "a bad spec must stop devsim");
	cr_assert_not_null(strstr(err, ":3: key 'colour': unknown key"), "%s", err);

	s_start(NULL, args);
	cr_assert_eq(devsim_control(ds, "flap r999 Gi0/1 down", reply, sizeof(reply)), -1);
	cr_assert(strncmp(reply, "err no such device", 18) == 0, "%s", reply);
	cr_assert_eq(devsim_control(ds, "fault r001 sparks on", reply, sizeof(reply)), -1);
	cr_assert_eq(devsim_control(ds, "flap r001 Gi0/1 sideways", reply, sizeof(reply)), -1);
	cr_assert_eq(devsim_control(ds, "rate all -1", reply, sizeof(reply)), -1);
	cr_assert_eq(devsim_control(ds, "teleport r001", reply, sizeof(reply)), -1);
	cr_assert(strncmp(reply, "err unknown command", 19) == 0, "%s", reply);
	cr_assert_eq(devsim_control(ds, "info r002", reply, sizeof(reply)), 0);
	snprintf(want, sizeof(want), "port=%d platform=cisco_ios", devsim_port(ds, "r002"));
	cr_assert_not_null(strstr(reply, want), "%s", reply);
	cr_assert_eq(devsim_control(ds, "stats", reply, sizeof(reply)), 0);
	cr_assert_not_null(strstr(reply, "devices=2"), "%s", reply);
}

/* 200 devices at 2 lines/s: journal complete, every buffer read whole. */
Test(devsim, scale_200_devices_netmiko, .timeout = 120)
{
	const char *args[] = { "--devices", "200", "--rate", "2", "--prefill", "10",
		"--flap-every", "15", NULL };
	const char *src = getenv("LOGHAUL_SRC");
	char script[512], reply[256], *summary;
	const char *argv[8];
	struct devsim_journal j;
	char err[256];
	size_t i, total = 0;
	int rc;

	s_start(NULL, args);
	sleep(15);
	snprintf(script, sizeof(script), "%s/tests/integration/netmiko_fleet.py", src ? src : ".");
	argv[0] = PY;
	argv[1] = script;
	argv[2] = devsim_dir(ds);
	argv[3] = "--workers";
	argv[4] = "40";
	argv[5] = NULL;
	/* the reads run while the generator keeps writing */
	rc = devsim_run(argv, NULL, s_path("fleet.json"), s_path("fleet.err"), 100);
	summary = devsim_slurp(s_path("fleet.json"), NULL);
	cr_assert_eq(rc, 0, "netmiko fleet check failed (%d): %s %s", rc, summary ? summary : "",
	    devsim_slurp(s_path("fleet.err"), NULL));
	fprintf(stderr, "devsim scale: %s", summary);
	cr_assert_not_null(strstr(summary, "\"matched\": 200"), "%s", summary);
	free(summary);
	cr_assert_eq(devsim_control(ds, "pause", reply, sizeof(reply)), 0);

	/* journal complete: per device, counters 1..N without a gap */
	cr_assert_eq(devsim_journal_load(devsim_dir(ds), NULL, &j, err, sizeof(err)), 0, "%s", err);
	{
		uint64_t *last = calloc(201, sizeof(*last));

		for (i = 0; i < j.len; i++) {
			int d;

			if (j.v[i].kind != DEVSIM_J_LINE)
				continue;
			cr_assert_eq(sscanf(j.v[i].dev, "r%d", &d), 1);
			cr_assert(d >= 1 && d <= 200);
			cr_assert_eq(j.v[i].n, last[d] + 1, "%s: gap after %llu", j.v[i].dev,
			    (unsigned long long)last[d]);
			last[d] = j.v[i].n;
			total++;
		}
		for (i = 1; i <= 200; i++)
			cr_assert_geq(last[i], 10 + 15, "r%03zu logged only %llu", i,
			    (unsigned long long)last[i]);
		free(last);
	}
	fprintf(stderr, "devsim scale: %zu journal lines from 200 devices\n", total);
	devsim_journal_free(&j);
}

/* IOS XR's output after its time stamp line ("" when that is all). */
static const char *
s_after_xr_stamp(const char *out, int xr)
{
	const char *nl = strchr(out, '\n');

	if (!xr)
		return out;
	cr_assert_not_null(strstr(out, " UTC"), "no XR stamp: %s", out);
	return nl ? nl + 1 : "";
}

/*
 * Output filters as each platform has them, driven by Netmiko with the
 * collector's own incremental command (platform_incr_cmd): the reply
 * begins at the line given, with no header; a regex that matches nothing
 * prints nothing; an old IOS without output modifiers refuses the pipe.
 */
Test(devsim, output_filters_begin_find_and_refusal, .timeout = 240)
{
	static const char *const plats[] = { "cisco_ios", "cisco_xe",
	    "cisco_nxos", "arista_eos", "juniper_junos", "cisco_xr" };
	const char *args[] = { "--devices", "7", "--rate", "0", "--prefill", "30",
		"--platforms", "cisco_ios,cisco_xe,cisco_nxos,arista_eos,"
		"juniper_junos,cisco_xr", NULL };
	char cmd[512], *out, *view, *from;
	const char *nm[] = { "--command", cmd, NULL };
	size_t len, vlen, i;

	s_start("devices:\n  r007: {faults: [no_output_filter], platform: "
	    "cisco_ios}\n", args);
	for (i = 0; i < 6; i++) {
		char dev[8];
		const char *body, *nl;
		size_t blen, flen;
		int xr = i == 5;

		snprintf(dev, sizeof dev, "r%03zu", i + 1);
		view = s_view(dev, 16384, &vlen);
		/* the tenth line of the buffer */
		from = view;
		for (int k = 0; k < 9 && from; k++)
			if ((from = strchr(from, '\n')) != NULL)
				from++;
		cr_assert_not_null(from);
		nl = strchr(from, '\n');
		cr_assert_eq(platform_incr_cmd(platform_find(plats[i]), from,
		    (size_t)(nl - from), cmd, sizeof cmd), 0);
		cr_assert_eq(s_netmiko(dev, nm, &out, &len), 0, "%s: %s", dev, out);
		len = s_strip_cr(out, len);
		/* IOS XR stamps every show command's output, filtered or not */
		body = s_after_xr_stamp(out, xr);
		cr_assert_null(strstr(out, "Log Buffer"), "%s: a header: %s", dev, out);
		/* line ends aside (IOS keeps an entry behind its line break) */
		blen = strlen(body);
		flen = strlen(from);
		while (blen > 0 && body[blen - 1] == '\n')
			blen--;
		while (flen > 0 && from[flen - 1] == '\n')
			flen--;
		cr_assert(blen == flen && memcmp(body, from, blen) == 0, "%s '%s': %s",
		    dev, cmd, s_diff(body, blen, from, flen));
		free(out);
		/* a regex that matches no line prints nothing */
		cr_assert_eq(platform_incr_cmd(platform_find(plats[i]),
		    "no such line", 12, cmd, sizeof cmd), 0);
		cr_assert_eq(s_netmiko(dev, nm, &out, &len), 0, "%s: %s", dev, out);
		len = s_strip_cr(out, len);
		body = s_after_xr_stamp(out, xr);
		cr_assert_str_eq(body, "", "%s: %s", dev, out);
		free(out);
		free(view);
	}
	/* an IOS that predates output modifiers */
	snprintf(cmd, sizeof cmd, "show logging | begin Jan");
	cr_assert_eq(s_netmiko("r007", nm, &out, &len), 0, "%s", out);
	cr_assert_not_null(strstr(out, "% Invalid input detected at '^' marker."),
	    "%s", out);
	cr_assert_null(strstr(out, "Log Buffer"), "%s", out);
	free(out);
}
