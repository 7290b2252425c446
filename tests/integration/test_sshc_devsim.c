/*
 * The session layer against the simulated fleet (bin/devsim, libssh
 * server): password auth, enable, pagers, every platform's prompt, and the
 * devsim faults; then many sessions driven from one poll loop.
 *
 * devsim runs with --rate 0 and a prefilled buffer, so a device's buffer
 * does not change during a test: the output read over the interactive shell
 * (echo, pager, prompt to strip) must equal, byte for byte after CRLF
 * handling, the output read over an exec channel (none of those).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/sshc.h"
#include "common/inventory.h"
#include "common/log.h"
#include "common/util.h"
#include "tests/integration/sshc_drive.h"
#include "tests/support/devsim_harness.h"

#define LIMIT	60.0	/* seconds: bounds a broken test only */
#define MAXDEV	128

struct dev {
	char name[32];
	int  port;
	char platform[32];
};

static struct {
	struct devsim *sim;
	char       spec[64];	/* our spec file, "" when none */
	struct dev devs[MAXDEV];
	int        ndevs;
} ds;

static char *
s_p(const char *name)
{
	static char paths[8][300];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 300, "%s/%s", devsim_dir(ds.sim), name);
	return p;
}

static void
s_stop(void)
{
	devsim_stop(&ds.sim);
	if (ds.spec[0] != '\0') {
		unlink(ds.spec);
		ds.spec[0] = '\0';
	}
}

/* Start devsim with n devices and an optional spec (harness: waits for ready). */
static void
s_start(int n, const char *platforms, const char *spec)
{
	char devices[16], err[1024];
	const char *args[16];
	int a = 0;

	if (getenv("LOGHAUL_TEST_DEBUG"))
		log_setverbose(1);
	snprintf(devices, sizeof devices, "%d", n);
	args[a++] = "--devices";
	args[a++] = devices;
	/* A static buffer: no new lines while the test reads it. */
	args[a++] = "--rate";
	args[a++] = "0";
	args[a++] = "--prefill";
	args[a++] = "120";
	args[a++] = "--buffer-size";
	args[a++] = "16384";
	args[a++] = "--platforms";
	args[a++] = platforms;
	if (spec != NULL) {
		int fd;

		snprintf(ds.spec, sizeof ds.spec, "/tmp/loghaul-dspec-XXXXXX");
		fd = mkstemp(ds.spec);
		cr_assert_geq(fd, 0);
		cr_assert_eq(write(fd, spec, strlen(spec)), (ssize_t)strlen(spec));
		close(fd);
		args[a++] = "--spec";
		args[a++] = ds.spec;
	}
	args[a] = NULL;
	ds.sim = devsim_start(args, err, sizeof err);
	cr_assert_not_null(ds.sim, "devsim: %s", err);
	cr_assert_eq(devsim_count(ds.sim), (size_t)n);
	ds.ndevs = 0;
	for (int i = 0; i < n && i < MAXDEV; i++) {
		struct dev *dv = &ds.devs[ds.ndevs++];
		const char *plat;

		snprintf(dv->name, sizeof dv->name, "r%03d", i + 1);
		dv->port = devsim_port(ds.sim, dv->name);
		plat = devsim_platform(ds.sim, dv->name);
		cr_assert(dv->port > 0 && plat != NULL, "no device %s", dv->name);
		snprintf(dv->platform, sizeof dv->platform, "%s", plat);
	}
}

static const struct dev *
s_dev(const char *name)
{
	for (int i = 0; i < ds.ndevs; i++)
		if (strcmp(ds.devs[i].name, name) == 0)
			return &ds.devs[i];
	cr_assert_fail("no device %s", name);
	return NULL;
}

static struct sshc *
s_session(const struct dev *dv, const char *password, const char *secret,
    int exec_mode, uint64_t command_ms)
{
	struct inv_host h;
	struct sshc_opts o;
	struct sshc *s;
	char err[256];

	memset(&h, 0, sizeof h);
	h.name = (char *)(uintptr_t)dv->name;
	h.hostname = "127.0.0.1";
	h.port = dv->port;
	h.username = "admin";
	h.password = (char *)(uintptr_t)password;
	h.enable_secret = (char *)(uintptr_t)secret;
	h.platform = (char *)(uintptr_t)dv->platform;
	h.persistent = h.legacy_algorithms = -1;
	h.exec_mode = exec_mode;
	sshc_opts_init(&o);
	o.known_hosts = s_p("known_hosts");
	if (command_ms)
		o.command_ms = command_ms;
	s = sshc_new(&h, &o, err, sizeof err);
	cr_assert_not_null(s, "%s", err);
	return s;
}

/*
 * The output after CRLF handling, for comparisons. Two things a device
 * legitimately varies are taken out: IOS XR starts every command's output
 * with the current time, and Junos ends shell output (not exec output) with
 * an empty line before its prompt.
 */
static char *
s_copy_output(struct sshc *s, const struct dev *dv, size_t *len)
{
	const char *o = sshc_output(s, len);
	char *n;

	cr_assert_not_null(o);
	if (strcmp(dv->platform, "cisco_xr") == 0) {
		const char *nl = memchr(o, '\n', *len);

		cr_assert_not_null(nl);
		*len -= (size_t)(nl + 1 - o);
		o = nl + 1;
	}
	n = sshc_drive_norm(o, *len, len);
	while (*len > 1 && n[*len - 1] == '\n' && n[*len - 2] == '\n')
		n[--*len] = '\0';
	return n;
}

/* Nothing of the conversation may be left in an output. */
static void
s_assert_clean(struct sshc *s, const struct dev *dv)
{
	size_t len;
	const char *o = sshc_output(s, &len);
	const char *prompt = sshc_prompt(s);

	cr_assert_gt(len, 100, "%s: output of %zu bytes", dv->name, len);
	cr_assert_eq(o[len - 1], '\n', "%s: output does not end a line", dv->name);
	cr_assert_null(memmem(o, len, "--More--", 8), "%s: pager left", dv->name);
	cr_assert_null(memmem(o, len, "---(more", 8), "%s: pager left", dv->name);
	cr_assert_null(memmem(o, len, prompt, strlen(prompt)),
	    "%s: prompt '%s' left in output", dv->name, prompt);
	cr_assert_null(memmem(o, len, "show log", 8), "%s: echo left", dv->name);
}

/* Where a and b first differ, with some context, for a failure message. */
static const char *
s_diff(const char *a, size_t na, const char *b, size_t nb)
{
	static char msg[512];
	size_t i = 0, k = 0;

	while (i < na && i < nb && a[i] == b[i])
		i++;
	k = (size_t)snprintf(msg, sizeof msg, "first difference at %zu: ", i);
	for (size_t j = i > 40 ? i - 40 : 0; j < i + 40 && k < sizeof msg - 40; j++) {
		unsigned char ca = j < na ? (unsigned char)a[j] : '$';
		unsigned char cb = j < nb ? (unsigned char)b[j] : '$';

		k += (size_t)snprintf(msg + k, sizeof msg - k, ca == cb &&
		    ca >= 32 && ca < 127 ? "%c" : "[%02x|%02x]", ca, cb);
	}
	return msg;
}

/* Shell output (after CRLF handling) equals the exec channel's. */
static void
s_assert_shell_equals_exec(const struct dev *dv, const char *secret)
{
	struct sshc *sh = s_session(dv, "admin", secret, 0, 0);
	struct sshc *ex = s_session(dv, "admin", secret, 1, 0);
	size_t n1, n2;
	char *a, *b;

	cr_assert_eq(sshc_drive_poll(sh, LIMIT), SSHC_DONE, "%s shell: %s",
	    dv->name, sshc_errmsg(sh));
	s_assert_clean(sh, dv);
	cr_assert_eq(sshc_drive_poll(ex, LIMIT), SSHC_DONE, "%s exec: %s",
	    dv->name, sshc_errmsg(ex));
	a = s_copy_output(sh, dv, &n1);
	b = s_copy_output(ex, dv, &n2);
	cr_assert(n1 == n2 && memcmp(a, b, n1) == 0,
	    "%s (%s): shell output (%zu bytes) differs from exec output (%zu): "
	    "%s", dv->name, dv->platform, n1, n2, s_diff(a, n1, b, n2));
	free(a);
	free(b);
	sshc_free(&sh);
	sshc_free(&ex);
}

/*
 * Ground truth: the output ends with what devsim's journal says the
 * device's buffer holds, byte for byte (after CRLF handling).
 */
static void
s_assert_journal(struct sshc *s, const struct dev *dv)
{
	struct devsim_journal j;
	char err[256], *view, *out;
	size_t vlen, olen;

	memset(&j, 0, sizeof j);
	cr_assert_eq(devsim_journal_load(devsim_dir(ds.sim), dv->name, &j, err,
	    sizeof err), 0, "%s", err);
	cr_assert_gt(j.len, 0, "%s: empty journal", dv->name);
	view = devsim_journal_view(&j, dv->name, 16384,
	    devsim_whole_lines(dv->platform), &vlen);
	cr_assert_not_null(view);
	out = s_copy_output(s, dv, &olen);
	while (vlen > 0 && view[vlen - 1] == '\n')
		vlen--;
	while (olen > 0 && out[olen - 1] == '\n')
		olen--;
	cr_assert_gt(vlen, 1000, "%s: journal view of %zu bytes", dv->name, vlen);
	cr_assert(olen >= vlen && memcmp(out + olen - vlen, view, vlen) == 0,
	    "%s (%s): output does not end with the journal's buffer: %s",
	    dv->name, dv->platform, s_diff(out + (olen > vlen ? olen - vlen : 0),
	    olen < vlen ? olen : vlen, view, vlen));
	free(out);
	free(view);
	devsim_journal_free(&j);
}

/* Two polls on one persistent shell give the same (static) buffer. */
static void
s_assert_two_polls_equal(const struct dev *dv, const char *secret)
{
	struct sshc *s = s_session(dv, "admin", secret, 0, 0);
	size_t n1, n2;
	char *a, *b;

	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s: %s", dv->name,
	    sshc_errmsg(s));
	s_assert_clean(s, dv);
	cr_assert_eq(sshc_prompt(s)[strlen(sshc_prompt(s)) - 1], '#');
	a = s_copy_output(s, dv, &n1);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s: %s", dv->name,
	    sshc_errmsg(s));
	b = s_copy_output(s, dv, &n2);
	cr_assert(n1 == n2 && memcmp(a, b, n1) == 0, "%s: %s", dv->name,
	    s_diff(a, n1, b, n2));
	free(a);
	free(b);
	sshc_free(&s);
}

static const char *spec_faults =
    "devices:\n"
    "  r001: {platform: cisco_ios, enable_secret: s3cret}\n"
    "  r002: {platform: cisco_ios, faults: [no_paging_off]}\n"
    "  r003: {platform: cisco_ios, faults: [wrong_password]}\n"
    "  r004: {platform: cisco_ios, faults: [hang_mid_line]}\n"
    "  r005: {platform: cisco_ios, faults: [drop_mid_output]}\n"
    "  r006: {platform: cisco_ios, faults: [garbage_bytes]}\n"
    "  r007: {platform: juniper_junos, faults: [no_paging_off]}\n"
    "  r008: {platform: arista_eos, enable_secret: en4ble}\n";

#define ALL_PLATFORMS "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr"

TestSuite(sshc_devsim, .fini = s_stop, .timeout = 240);

Test(sshc_devsim, every_platform_prompt_and_output)
{
	s_start(12, ALL_PLATFORMS, NULL);
	for (int i = 0; i < ds.ndevs; i++) {
		struct sshc *s = s_session(&ds.devs[i], "admin", NULL, 0, 0);
		double t0 = util_monotime(), t1, t2;

		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s (%s): %s",
		    ds.devs[i].name, ds.devs[i].platform, sshc_errmsg(s));
		t1 = util_monotime();
		cr_assert_eq(sshc_pages(s), 0, "%s paged", ds.devs[i].name);
		s_assert_clean(s, &ds.devs[i]);
		s_assert_journal(s, &ds.devs[i]);
		cr_assert_eq(sshc_step(s, util_monotime()), SSHC_IDLE);
		cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
		t2 = util_monotime();
		if (i < 6)
			fprintf(stderr, "devsim %s %-13s prompt '%s': connect+auth+"
			    "setup+run %.1f ms, run on open session %.2f ms\n",
			    ds.devs[i].name, ds.devs[i].platform, sshc_prompt(s),
			    (t1 - t0) * 1000, (t2 - t1) * 1000);
		sshc_free(&s);
	}
	for (int i = 0; i < 6; i++)
		s_assert_shell_equals_exec(&ds.devs[i], NULL);
}

Test(sshc_devsim, enable_and_pager)
{
	struct sshc *s;

	s_start(8, "cisco_ios", spec_faults);
	/* r01 and r08 start unprivileged; the secret gets them to '#'. */
	s = s_session(s_dev("r001"), "admin", "s3cret", 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	cr_assert_str_eq(sshc_prompt(s), "r001#");
	sshc_free(&s);
	/*
	 * An exec channel cannot `enable` (devsim, like IOS without a
	 * privilege-15 user, refuses `show logging` there): compare a
	 * persistent shell's two polls and a paged device's output instead.
	 */
	s_assert_two_polls_equal(s_dev("r001"), "s3cret");
	s_assert_two_polls_equal(s_dev("r008"), "en4ble");
	s = s_session(s_dev("r001"), "admin", "wrong", 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	cr_assert_null(strstr(sshc_errmsg(s), "wrong"));
	sshc_free(&s);

	/* r02 and r07 ignore paging-off: their pagers are answered. */
	s = s_session(s_dev("r002"), "admin", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	cr_assert_gt(sshc_pages(s), 1);
	{
		size_t len;
		const char *o = sshc_output(s, &len);

		cr_assert_null(memmem(o, len, "\b", 1), "pager residue left");
	}
	s_assert_journal(s, s_dev("r002"));
	sshc_free(&s);
	s_assert_shell_equals_exec(s_dev("r002"), NULL);
	s = s_session(s_dev("r007"), "admin", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	sshc_free(&s);
	s_assert_shell_equals_exec(s_dev("r007"), NULL);
}

Test(sshc_devsim, faults)
{
	struct sshc *s;
	size_t len;
	const char *o;

	s_start(8, "cisco_ios", spec_faults);

	s = s_session(s_dev("r003"), "admin", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	sshc_free(&s);
	/* A wrong password on a healthy device is the same failure. */
	s = s_session(s_dev("r006"), "not-the-password", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_AUTH, "%s", sshc_errmsg(s));
	cr_assert_null(strstr(sshc_errmsg(s), "not-the-password"));
	sshc_free(&s);

	s = s_session(s_dev("r004"), "admin", NULL, 0, 1000);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_TIMEOUT, "%s", sshc_errmsg(s));
	cr_assert_not_null(strstr(sshc_errmsg(s), "state=RUN"), "%s", sshc_errmsg(s));
	cr_assert_null(sshc_output(s, NULL), "half an output was handed out");
	sshc_free(&s);

	s = s_session(s_dev("r005"), "admin", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_ERROR);
	cr_assert_eq(sshc_error(s), CERR_EOF, "%s", sshc_errmsg(s));
	cr_assert_null(sshc_output(s, NULL));
	sshc_free(&s);

	/* Garbage (NUL, escapes, invalid UTF-8, backspaces) comes through. */
	s = s_session(s_dev("r006"), "admin", NULL, 0, 0);
	cr_assert_eq(sshc_drive_poll(s, LIMIT), SSHC_DONE, "%s", sshc_errmsg(s));
	o = sshc_output(s, &len);
	cr_assert(memchr(o, '\0', len) != NULL || memmem(o, len, "\xff", 1) != NULL ||
	    memmem(o, len, "\x1b[", 2) != NULL, "no garbage in the output");
	s_assert_journal(s, s_dev("r006"));
	sshc_free(&s);
	s_assert_shell_equals_exec(s_dev("r006"), NULL);
}

/* 100 devices of all platforms, one poll loop, twice. */
Test(sshc_devsim, hundred_sessions_one_loop)
{
	enum { N = 100 };
	struct sshc *v[N];
	enum sshc_result res[N];
	char *first[N];
	size_t flen[N];
	double t0, t1, t2;

	s_start(N, ALL_PLATFORMS, NULL);
	for (int i = 0; i < N; i++) {
		v[i] = s_session(&ds.devs[i], "admin", NULL, -1, 0);
		cr_assert_eq(sshc_start_poll(v[i], util_monotime()), 0);
	}
	t0 = util_monotime();
	cr_assert_eq(sshc_drive_many(v, N, LIMIT, res), N);
	t1 = util_monotime();
	for (int i = 0; i < N; i++) {
		cr_assert_eq(res[i], SSHC_DONE, "%s: %s", ds.devs[i].name,
		    sshc_errmsg(v[i]));
		s_assert_clean(v[i], &ds.devs[i]);
		s_assert_journal(v[i], &ds.devs[i]);
		first[i] = s_copy_output(v[i], &ds.devs[i], &flen[i]);
		cr_assert_eq(sshc_step(v[i], util_monotime()), SSHC_IDLE);
		cr_assert_eq(sshc_start_poll(v[i], util_monotime()), 0);
	}
	t2 = util_monotime();
	cr_assert_eq(sshc_drive_many(v, N, LIMIT, res), N);
	fprintf(stderr, "devsim: %d sessions in one loop: connect+auth+setup+"
	    "run %.0f ms; a poll on the open sessions %.0f ms\n", N,
	    (t1 - t0) * 1000, (util_monotime() - t2) * 1000);
	for (int i = 0; i < N; i++) {
		size_t n;
		char *again;

		cr_assert_eq(res[i], SSHC_DONE, "%s: %s", ds.devs[i].name,
		    sshc_errmsg(v[i]));
		again = s_copy_output(v[i], &ds.devs[i], &n);
		cr_assert(n == flen[i] && memcmp(again, first[i], n) == 0,
		    "%s: second poll differs: %s", ds.devs[i].name,
		    s_diff(again, n, first[i], flen[i]));
		free(again);
		free(first[i]);
		sshc_free(&v[i]);
	}
}
