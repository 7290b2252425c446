/*
 * Interop of the session layer with a server that is not libssh: OpenSSH's
 * sshd, started here on 127.0.0.1 with its own config, host key and
 * authorized key, and a ForceCommand (sshd_ios_shell.py) that behaves like a
 * minimal IOS command line serving a real `show logging` buffer.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

#include "collector/sshc.h"
#include "common/inventory.h"
#include "common/log.h"
#include "common/util.h"
#include "tests/integration/sshc_drive.h"
#include "tests/support/inetd.h"
#include "tests/support/net.h"

#define FIXTURE "ntc-templates/cisco_ios_show_logging_1.raw"
#define LIMIT	30.0	/* seconds: bounds a broken test only */

struct sshd {
	char          dir[64];
	char          path[8][256];	/* scratch paths, see s_p() */
	int           port;
	struct inetd *srv;	/* the port; sshd -i per connection */
};

static struct sshd d;

static char *
s_p(const char *name)
{
	static char paths[16][300];
	static int next;
	char *p = paths[next++ % 16];

	snprintf(p, 300, "%s/%s", d.dir, name);
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

static char *
s_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static void
s_stop(void)
{
	inetd_stop(&d.srv);
	if (d.dir[0] != '\0') {
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", d.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", d.dir);
		d.dir[0] = '\0';
	}
}

static void
s_setup(void)
{
	const char *fix = getenv("LOGHAUL_FIXTURES");
	char *src;
	size_t n;

	cr_assert_not_null(fix, "LOGHAUL_FIXTURES not set");
	if (getenv("LOGHAUL_TEST_DEBUG"))
		log_setverbose(1);
	snprintf(d.dir, sizeof d.dir, "/tmp/loghaul-sshd-XXXXXX");
	cr_assert_not_null(mkdtemp(d.dir));
	/* The fixture buffer is copied: the device serves its own copy. */
	snprintf(d.path[0], sizeof d.path[0], "%s/%s", fix, FIXTURE);
	src = s_slurp(d.path[0], &n);
	cr_assert_not_null(src, "fixture %s", d.path[0]);
	{
		FILE *f = fopen(s_p("buffer.raw"), "wb");

		cr_assert_not_null(f);
		cr_assert_eq(fwrite(src, 1, n, f), n);
		fclose(f);
	}
	free(src);
	s_sh("ssh-keygen -q -t ed25519 -N '' -C host -f %s", s_p("host_ed25519"));
	s_sh("ssh-keygen -q -t ed25519 -N '' -C client -f %s", s_p("client"));
	s_sh("ssh-keygen -q -t ed25519 -N '' -C other -f %s", s_p("other"));
	s_sh("cp %s.pub %s", s_p("client"), s_p("authorized_keys"));
}

/*
 * Start sshd serving the IOS shell with flags; extra is appended to the
 * config. The port is bound and kept by this process (tests/support/
 * inetd.h), each connection served by its own sshd -i.
 */
static void
s_start(const char *flags, const char *extra)
{
	const char *src = getenv("LOGHAUL_SRC");
	char err[256];
	char *const argv[] = { (char *)(uintptr_t)"/usr/sbin/sshd",
	    (char *)(uintptr_t)"-i", (char *)(uintptr_t)"-e",
	    (char *)(uintptr_t)"-f", s_p("sshd_config"), NULL };
	FILE *f;

	cr_assert_not_null(src, "LOGHAUL_SRC not set");
	/* sshd insists on its privilege separation directory. */
	mkdir("/run/sshd", 0755);
	d.srv = inetd_start(1, argv, s_p("sshd.log"), err, sizeof err);
	cr_assert_not_null(d.srv, "%s", err);
	d.port = inetd_port(d.srv, 0);
	f = fopen(s_p("sshd_config"), "w");
	cr_assert_not_null(f);
	fprintf(f,
	    "HostKey %s\n"
	    "PidFile %s\nAuthorizedKeysFile %s\nStrictModes no\n"
	    "UsePAM no\nPasswordAuthentication no\n"
	    "KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"
	    "AuthenticationMethods publickey\nPermitRootLogin yes\n"
	    "PermitTTY yes\nLogLevel ERROR\nMaxStartups 200\n"
	    "ForceCommand /usr/bin/python3 %s/tests/integration/"
	    "sshd_ios_shell.py %s %s\n%s\n",
	    s_p("host_ed25519"), s_p("sshd.pid"),
	    s_p("authorized_keys"), src, s_p("buffer.raw"),
	    flags ? flags : "normal", extra ? extra : "");
	fclose(f);
}

/* known_hosts with the given public key file for [127.0.0.1]:port. */
static void
s_known_hosts(const char *pubfile)
{
	s_sh("printf '[127.0.0.1]:%d ' > %s && cat %s >> %s", d.port,
	    s_p("known_hosts"), pubfile, s_p("known_hosts"));
}

static struct sshc *
s_session(const char *key, int exec_mode, int persistent,
    enum hostkey_policy pol, uint64_t command_ms)
{
	struct inv_host h;
	struct sshc_opts o;
	struct sshc *s;
	char err[256];

	memset(&h, 0, sizeof h);
	h.name = "sshd-1";
	h.hostname = "127.0.0.1";
	h.port = d.port;
	h.username = "root";
	h.platform = "cisco_ios";
	h.interval_ms = -1;
	h.persistent = persistent;
	h.exec_mode = exec_mode;
	h.legacy_algorithms = -1;
	h.key_file = key ? xstrdup(key) : NULL;
	sshc_opts_init(&o);
	o.known_hosts = s_p("known_hosts");
	o.host_key_policy = pol;
	if (command_ms)
		o.command_ms = command_ms;
	s = sshc_new(&h, &o, err, sizeof err);
	free(h.key_file);
	cr_assert_not_null(s, "%s", err);
	return s;
}

static void
s_assert_fixture(struct sshc *s)
{
	size_t len, flen, n1, n2;
	const char *o = sshc_output(s, &len);
	char *fix = s_slurp(s_p("buffer.raw"), &flen);
	char *a = sshc_drive_norm(o, len, &n1);
	char *b = sshc_drive_norm(fix, flen, &n2);

	cr_assert_gt(flen, 1000);
	cr_assert_eq(n1, n2, "output %zu bytes, fixture %zu (normalised)", n1, n2);
	cr_assert(memcmp(a, b, n1) == 0, "output differs from the fixture");
	free(a);
	free(b);
	free(fix);
}

TestSuite(sshc_openssh, .init = s_setup, .fini = s_stop, .timeout = 120);

Test(sshc_openssh, shell_output_is_the_fixture)
{
	struct sshc *s;
	double t0, t1, t2;
	enum sshc_result r;

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 0);

	t0 = util_monotime();
	r = sshc_drive_poll(s, LIMIT);
	t1 = util_monotime();
	cr_assert_eq(r, SSHC_DONE, "%s", sshc_errmsg(s));
	cr_assert_str_eq(sshc_prompt(s), "sshd-test_r1.lab#");
	cr_assert_eq(sshc_pages(s), 0);
	s_assert_fixture(s);
	cr_assert_eq(sshc_step(s, util_monotime()), SSHC_IDLE);

	/* The session stays open: polls on it give the same buffer. */
	for (int i = 0; i < 10; i++) {
		r = sshc_drive_poll(s, LIMIT);
		cr_assert_eq(r, SSHC_DONE, "poll %d: %s", i, sshc_errmsg(s));
		s_assert_fixture(s);
		cr_assert_eq(sshc_step(s, util_monotime()), SSHC_IDLE);
	}
	t2 = util_monotime();
	fprintf(stderr, "sshd: connect+auth+setup+run %.1f ms; run on open "
	    "session %.2f ms (avg of 10)\n", (t1 - t0) * 1000,
	    (t2 - t1) * 100);
	sshc_free(&s);
	cr_assert_null(s);
	sshc_free(&s);	/* idempotent */
}

Test(sshc_openssh, enable_and_pager_when_paging_off_is_ignored)
{
	struct sshc *s;
	struct inv_host h;
	struct sshc_opts o;
	char err[256];

	s_start("enable=s3cr3t,nopaging", NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	memset(&h, 0, sizeof h);
	h.name = "sshd-1";
	h.hostname = "127.0.0.1";
	h.port = d.port;
	h.username = "root";
	h.platform = "cisco_ios";
	h.persistent = h.exec_mode = h.legacy_algorithms = -1;
	h.key_file = s_p("client");
	h.enable_secret = "s3cr3t";
	sshc_opts_init(&o);
	o.known_hosts = s_p("known_hosts");
	s = sshc_new(&h, &o, err, sizeof err);
	cr_assert_not_null(s, "%s", err);

	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	cr_assert_str_eq(sshc_prompt(s), "sshd-test_r1.lab#");
	cr_assert_gt(sshc_pages(s), 2);
	s_assert_fixture(s);
	{
		size_t len;
		const char *out = sshc_output(s, &len);

		cr_assert_null(memmem(out, len, "More", 4));
		cr_assert_null(memmem(out, len, "\b", 1));
		cr_assert_null(memmem(out, len, "sshd-test_r1.lab", 16));
	}
	sshc_free(&s);

	/* A wrong secret is an authentication failure, not a hang. */
	h.enable_secret = "wrong";
	s = sshc_new(&h, &o, err, sizeof err);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	cr_assert_null(strstr(sshc_errmsg(s), "wrong"), "secret in message");
	sshc_free(&s);
}

Test(sshc_openssh, exec_channel)
{
	struct sshc *s;

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	s = s_session(s_p("client"), 1, -1, HOSTKEY_STRICT, 0);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s",
		    sshc_errmsg(s));
		s_assert_fixture(s);
		cr_assert_eq(sshc_step(s, util_monotime()), SSHC_IDLE);
	}
	/* A poll started straight after DONE reuses the session. */
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	cr_assert_eq(sshc_start_poll(s, util_monotime()), 0);
	cr_assert_eq(sshc_state(s), SSHC_S_RUN);
	cr_assert_eq(sshc_drive(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	s_assert_fixture(s);
	sshc_free(&s);
}

Test(sshc_openssh, non_persistent_logs_out)
{
	struct sshc *s;

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	s = s_session(s_p("client"), 0, 0, HOSTKEY_STRICT, 0);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s",
		    sshc_errmsg(s));
		s_assert_fixture(s);
		cr_assert_eq(sshc_fd(s), -1);
		cr_assert_eq(sshc_step(s, util_monotime()), SSHC_CLOSED);
		cr_assert_eq(sshc_state(s), SSHC_S_CLOSED);
	}
	sshc_free(&s);
}

Test(sshc_openssh, unknown_host_key_refused)
{
	struct sshc *s;
	struct stat st;

	s_start(NULL, NULL);
	/* No known_hosts file at all, then one without this host. */
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_HOSTKEY, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "SHA256:"), "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "unknown"), "%s", sshc_errmsg(s));
	cr_assert_neq(stat(s_p("known_hosts"), &st), 0, "strict wrote known_hosts");
	s_sh("ssh-keygen -q -t ed25519 -N '' -C x -f %s", s_p("x"));
	s_sh("printf '[127.0.0.2]:%d ' > %s && cat %s >> %s", d.port,
	    s_p("known_hosts"), s_p("x.pub"), s_p("known_hosts"));
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_HOSTKEY, "%s", sshc_errmsg(s));
	sshc_free(&s);
}

Test(sshc_openssh, changed_host_key_refused_even_with_accept_new)
{
	struct sshc *s;
	char fp[128], cmd[512];
	size_t len, len0;
	char *kh, *kh0;
	FILE *p;

	s_start(NULL, NULL);
	s_known_hosts(s_p("other.pub"));
	kh0 = s_slurp(s_p("known_hosts"), &len0);
	s = s_session(s_p("client"), -1, -1, HOSTKEY_ACCEPT_NEW, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_HOSTKEY, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "CHANGED"), "%s", sshc_errmsg(s));
	/* The message shows the fingerprint the device offered. */
	snprintf(cmd, sizeof cmd, "ssh-keygen -l -f %s | cut -d' ' -f2",
	    s_p("host_ed25519.pub"));
	p = popen(cmd, "r");
	cr_assert_not_null(fgets(fp, sizeof fp, p));
	pclose(p);
	fp[strcspn(fp, "\n")] = '\0';
	cr_assert_not_null(strstr(sshc_errmsg(s), fp), "%s lacks %s",
	    sshc_errmsg(s), fp);
	/* accept-new never replaces a key. */
	kh = s_slurp(s_p("known_hosts"), &len);
	cr_assert(len == len0 && memcmp(kh, kh0, len) == 0,
	    "known_hosts was rewritten");
	free(kh);
	free(kh0);
	sshc_free(&s);
}

Test(sshc_openssh, accept_new_writes_the_key)
{
	struct sshc *s;
	size_t len;
	char *kh, want[64];

	s_start(NULL, NULL);
	s = s_session(s_p("client"), -1, -1, HOSTKEY_ACCEPT_NEW, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	sshc_free(&s);
	kh = s_slurp(s_p("known_hosts"), &len);
	cr_assert_not_null(kh, "known_hosts not written");
	snprintf(want, sizeof want, "[127.0.0.1]:%d ", d.port);
	cr_assert_not_null(strstr(kh, want), "%s", kh);
	free(kh);
	/* Now strict checking accepts the device. */
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	s_assert_fixture(s);
	sshc_free(&s);
}

Test(sshc_openssh, wrong_key_is_auth_failure)
{
	struct sshc *s;

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	s = s_session(s_p("other"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	cr_assert_eq(sshc_state(s), SSHC_S_ERROR);
	cr_assert_eq(sshc_fd(s), -1);
	sshc_free(&s);
	/* A key file that does not exist is no better. */
	s = s_session(s_p("missing"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	sshc_free(&s);
}

Test(sshc_openssh, hanging_command_times_out)
{
	struct sshc *s;

	s_start("hang", NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 1000);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_TIMEOUT, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "state=RUN"), "%s", sshc_errmsg(s));
	cr_assert_eq(sshc_output(s, NULL), NULL, "half an output was handed out");
	sshc_free(&s);
}

Test(sshc_openssh, legacy_algorithms_only_when_enabled)
{
	struct sshc *s;

	s_sh("ssh-keygen -q -t rsa -b 2048 -N '' -C host -f %s", s_p("host_rsa"));
	{
		char extra[512];

		snprintf(extra, sizeof extra, "HostKey %s\n"
		    "HostKeyAlgorithms ssh-rsa\nKexAlgorithms diffie-hellman-group14-sha1\n"
		    "Ciphers aes128-cbc\nMACs hmac-sha1\n", s_p("host_rsa"));
		s_start(NULL, extra);
	}
	s_known_hosts(s_p("host_rsa.pub"));
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_PROTO, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "state=HANDSHAKE"), "%s",
	    sshc_errmsg(s));
	sshc_free(&s);

	{
		struct inv_host h;
		struct sshc_opts o;
		char err[256];

		memset(&h, 0, sizeof h);
		h.name = "old-ios";
		h.hostname = "127.0.0.1";
		h.port = d.port;
		h.username = "root";
		h.platform = "cisco_ios";
		h.persistent = h.exec_mode = -1;
		h.legacy_algorithms = 1;
		h.key_file = s_p("client");
		sshc_opts_init(&o);
		o.known_hosts = s_p("known_hosts");
		s = sshc_new(&h, &o, err, sizeof err);
		cr_assert_not_null(s, "%s", err);
	}
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	s_assert_fixture(s);
	sshc_free(&s);
}

Test(sshc_openssh, refused_port_is_connect_error)
{
	struct sshc *s;
	int fd;

	/* Bound and never listening: refused while fd stays open. */
	d.port = net_refused_port(&fd);
	cr_assert_gt(d.port, 0);
	s = s_session(s_p("client"), -1, -1, HOSTKEY_STRICT, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_CONNECT, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "refused"), "%s", sshc_errmsg(s));
	sshc_free(&s);
	close(fd);
}

Test(sshc_openssh, silent_server_is_banner_timeout)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof a;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct inv_host h;
	struct sshc_opts o;
	struct sshc *s;
	char err[256];

	/* Accepts connections (the kernel does) and never says a word. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0);
	cr_assert(listen(lfd, 8) == 0);
	getsockname(lfd, (struct sockaddr *)&a, &al);
	memset(&h, 0, sizeof h);
	h.name = "mute";
	h.hostname = "127.0.0.1";
	h.port = ntohs(a.sin_port);
	h.username = "u";
	h.password = "p";
	h.platform = "cisco_ios";
	h.persistent = h.exec_mode = h.legacy_algorithms = -1;
	sshc_opts_init(&o);
	o.known_hosts = s_p("known_hosts");
	o.banner_ms = 300;
	s = sshc_new(&h, &o, err, sizeof err);
	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_TIMEOUT, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "state=HANDSHAKE"), "%s",
	    sshc_errmsg(s));
	sshc_free(&s);
	close(lfd);
}

/* Several sessions, one poll loop, each output byte-exact. */
Test(sshc_openssh, sessions_share_one_poll_loop)
{
	enum { N = 16 };
	struct sshc *v[N];
	enum sshc_result res[N];
	double t0;

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	for (int i = 0; i < N; i++) {
		v[i] = s_session(s_p("client"), i % 2, -1, HOSTKEY_STRICT, 0);
		cr_assert_eq(sshc_start_poll(v[i], util_monotime()), 0);
		cr_assert_eq(sshc_start_poll(v[i], util_monotime()), -1,
		    "a second poll started on a busy session");
	}
	t0 = util_monotime();
	cr_assert_eq(sshc_drive_many(v, N, LIMIT, res), N);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(res[i], SSHC_DONE, "%d: %s", i, sshc_errmsg(v[i]));
		s_assert_fixture(v[i]);
	}
	fprintf(stderr, "sshd: %d sessions connect+poll in one loop %.1f ms\n",
	    N, (util_monotime() - t0) * 1000);
	/* And again, on the sessions that stayed open. */
	for (int i = 0; i < N; i++) {
		cr_assert_eq(sshc_step(v[i], util_monotime()), SSHC_IDLE);
		cr_assert_eq(sshc_start_poll(v[i], util_monotime()), 0);
	}
	cr_assert_eq(sshc_drive_many(v, N, LIMIT, res), N);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(res[i], SSHC_DONE, "%d: %s", i, sshc_errmsg(v[i]));
		s_assert_fixture(v[i]);
		sshc_free(&v[i]);
	}
}

Test(sshc_openssh, output_ceiling)
{
	struct inv_host h;
	struct sshc_opts o;
	struct sshc *s;
	char err[256];

	s_start(NULL, NULL);
	s_known_hosts(s_p("host_ed25519.pub"));
	for (int exec = 0; exec < 2; exec++) {
		memset(&h, 0, sizeof h);
		h.name = "big";
		h.hostname = "127.0.0.1";
		h.port = d.port;
		h.username = "root";
		h.platform = "cisco_ios";
		h.persistent = h.legacy_algorithms = -1;
		h.exec_mode = exec;
		h.key_file = s_p("client");
		sshc_opts_init(&o);
		o.known_hosts = s_p("known_hosts");
		o.max_output = 4096;	/* the buffer is 1267 bytes */
		s = sshc_new(&h, &o, err, sizeof err);
		cr_assert_not_null(s, "%s", err);
		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s",
		    sshc_errmsg(s));
		sshc_free(&s);
		/* Echo and prompt aside (1 KiB slack), the output is too big. */
		o.max_output = 100;
		s = sshc_new(&h, &o, err, sizeof err);
		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
		cr_assert_eq(sshc_error(s), CERR_TOOBIG, "%s", sshc_errmsg(s));
		sshc_free(&s);
	}
}
